# keras.io's "Simple MNIST convnet" example pasted whole (layout and idioms of that example,
# our code): `import os; os.environ["KERAS_BACKEND"] = "tensorflow"` before `import keras`,
# numpy data preparation (astype("float32") / 255, np.expand_dims(x, -1),
# keras.utils.to_categorical), prints of the shapes, keras.Sequential over a list starting
# with keras.Input(shape=input_shape), summary, compile, fit with validation_split,
# evaluate and the printed score. keras.datasets.mnist.load_data() needs the network: it is
# replaced by small np.zeros arrays of MNIST's shapes and dtypes (64 train, 16 test images).
convention: keras

import os

os.environ["KERAS_BACKEND"] = "tensorflow"

import numpy as np
import keras
from keras import layers

# Model / data parameters
num_classes = 10
input_shape = (28, 28, 1)

# the example loads MNIST: (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = np.zeros((64, 28, 28), dtype="uint8")
y_train = np.zeros((64,), dtype="uint8")
x_test = np.zeros((16, 28, 28), dtype="uint8")
y_test = np.zeros((16,), dtype="uint8")

# pixels to [0, 1]
x_train = x_train.astype("float32") / 255
x_test = x_test.astype("float32") / 255
# add the channel axis: (28, 28, 1)
x_train = np.expand_dims(x_train, -1)
x_test = np.expand_dims(x_test, -1)
print("x_train shape:", x_train.shape)
print(x_train.shape[0], "train samples")
print(x_test.shape[0], "test samples")


# labels to one-hot rows
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)

model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]
)

model.summary()

batch_size = 128
epochs = 15

model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=0.1)

score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
