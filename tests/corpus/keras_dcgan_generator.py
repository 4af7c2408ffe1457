# A DCGAN-style generator for 32x32 RGB images in Keras (Radford et al., 2015 pattern):
# keras.Sequential with keras.Input((latent_dim,)), Dense to 8*8*128, Reshape((8, 8, 128)),
# Conv2DTranspose(kernel_size=4, strides=2, padding="same") stages, LeakyReLU(negative_slope=0.2),
# BatchNormalization, a sigmoid Conv2D; the notebook names it `generator` and aliases it.
convention: keras

import keras
from keras import layers

latent_dim = 128

generator = keras.Sequential(
    [
        keras.Input(shape=(latent_dim,)),
        layers.Dense(8 * 8 * 128),
        layers.Reshape((8, 8, 128)),
        layers.Conv2DTranspose(128, kernel_size=4, strides=2, padding="same"),
        layers.BatchNormalization(),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2DTranspose(64, kernel_size=4, strides=2, padding="same"),
        layers.BatchNormalization(),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(3, kernel_size=5, padding="same", activation="sigmoid"),
    ],
    name="generator",
)
generator.summary()
model = generator
