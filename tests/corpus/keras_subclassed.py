# A subclassed keras.Model: layers made in __init__ (with **kwargs passed to super()),
# `call(self, inputs, training=False)` that uses dropout only when training; the input size
# is not in the code, so the input: line gives it.
convention: keras
input: (28, 28, 1)

import keras
from keras import layers


class MyModel(keras.Model):
    def __init__(self, num_classes=10, **kwargs):
        super().__init__(**kwargs)
        self.conv1 = layers.Conv2D(32, 3, activation="relu")
        self.pool = layers.MaxPooling2D()
        self.conv2 = layers.Conv2D(64, 3, activation="relu")
        self.flatten = layers.Flatten()
        self.d1 = layers.Dense(128, activation="relu")
        self.dropout = layers.Dropout(0.5)
        self.d2 = layers.Dense(num_classes)

    def call(self, inputs, training=False):
        x = self.conv1(inputs)
        x = self.pool(x)
        x = self.conv2(x)
        x = self.pool(x)
        x = self.flatten(x)
        x = self.d1(x)
        if training:
            x = self.dropout(x, training=training)
        return self.d2(x)


model = MyModel(num_classes=10, name="my_model")
model.compile(optimizer="adam",
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
