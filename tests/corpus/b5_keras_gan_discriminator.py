# The keras.io "GAN overriding Model.train_step" example's discriminator (idioms of the
# example, our code): `keras.Sequential([keras.layers.InputLayer((28, 28, 1)), ...],
# name="discriminator")` with Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
# `layers.LeakyReLU(negative_slope=0.2)`, Conv2D(128, ...), LeakyReLU,
# `layers.GlobalMaxPooling2D()`, Dense(1); the generator built alongside from latent_dim.
convention: keras

import keras
from keras import layers

latent_dim = 128

discriminator = keras.Sequential(
    [
        keras.layers.InputLayer((28, 28, 1)),
        layers.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(128, (3, 3), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.GlobalMaxPooling2D(),
        layers.Dense(1),
    ],
    name="discriminator",
)

generator = keras.Sequential(
    [
        keras.layers.InputLayer((latent_dim,)),
        layers.Dense(7 * 7 * 128),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Reshape((7, 7, 128)),
        layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2DTranspose(128, (4, 4), strides=(2, 2), padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(1, (7, 7), padding="same", activation="sigmoid"),
    ],
    name="generator",
)

model = discriminator
