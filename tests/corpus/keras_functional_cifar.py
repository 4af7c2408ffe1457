# A functional-API CIFAR-10 classifier: keras.Input, layers.Rescaling(1.0 / 255), a loop of
# Conv2D + BatchNormalization + Activation + MaxPooling2D stages over a list of widths,
# GlobalAveragePooling2D, Dropout, and keras.Model(inputs, outputs, name=...).
convention: keras

import keras
from keras import layers

inputs = keras.Input(shape=(32, 32, 3))
x = layers.Rescaling(1.0 / 255)(inputs)
for filters in [32, 64, 128]:
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.Activation("relu")(x)
    x = layers.MaxPooling2D()(x)
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dropout(0.3)(x)
outputs = layers.Dense(10, activation="softmax")(x)
model = keras.Model(inputs, outputs, name="cifar_cnn")
model.summary()
