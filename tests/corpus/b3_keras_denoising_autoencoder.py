# keras.io's "Convolutional autoencoder for image denoising" pasted whole (layout and
# idioms of that example, our code): `from keras.datasets import mnist`, `from
# keras.models import Model`, preprocess / noise helpers with np.reshape and np.clip, a
# functional model on `input = layers.Input(shape=(28, 28, 1))` (shadowing the builtin),
# two Conv2D + MaxPooling2D(padding="same") encoder stages, two strided Conv2DTranspose
# decoder stages, a sigmoid Conv2D, `autoencoder = Model(input, x)`, compile, summary, fit on
# clean then on noisy data, predict. mnist.load_data() needs the network: replaced by small
# np.zeros arrays of MNIST's shapes (64 train, 16 test); the matplotlib `display` helper
# and its calls are left out (matplotlib is not installed), epochs cut from 50 / 100 to 2;
# `model = autoencoder` is added.
convention: keras

import os

os.environ["KERAS_BACKEND"] = "tensorflow"

import numpy as np

from keras import layers
from keras.datasets import mnist
from keras.models import Model


def preprocess(array):
    """Scale to [0, 1] and add the channel axis."""

    array = array.astype("float32") / 255.0
    array = np.reshape(array, (len(array), 28, 28, 1))
    return array


def noise(array):
    """Add Gaussian noise, then clip back to [0, 1]."""

    noise_factor = 0.4
    noisy_array = array + noise_factor * np.random.normal(
        loc=0.0, scale=1.0, size=array.shape
    )

    return np.clip(noisy_array, 0.0, 1.0)


# the example: (train_data, _), (test_data, _) = mnist.load_data()
train_data = np.zeros((64, 28, 28), dtype="uint8")
test_data = np.zeros((16, 28, 28), dtype="uint8")

# scale and reshape
train_data = preprocess(train_data)
test_data = preprocess(test_data)

# a noisy copy of each set
noisy_train_data = noise(train_data)
noisy_test_data = noise(test_data)

input = layers.Input(shape=(28, 28, 1))

# Encoder
x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(input)
x = layers.MaxPooling2D((2, 2), padding="same")(x)
x = layers.Conv2D(32, (3, 3), activation="relu", padding="same")(x)
x = layers.MaxPooling2D((2, 2), padding="same")(x)

# Decoder
x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
x = layers.Conv2DTranspose(32, (3, 3), strides=2, activation="relu", padding="same")(x)
x = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)

# Autoencoder
autoencoder = Model(input, x)
autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
autoencoder.summary()

autoencoder.fit(
    x=train_data,
    y=train_data,
    epochs=2,
    batch_size=128,
    shuffle=True,
    validation_data=(test_data, test_data),
)

predictions = autoencoder.predict(test_data)

autoencoder.fit(
    x=noisy_train_data,
    y=train_data,
    epochs=2,
    batch_size=128,
    shuffle=True,
    validation_data=(noisy_test_data, test_data),
)

model = autoencoder
