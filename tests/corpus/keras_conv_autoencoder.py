# A convolutional autoencoder for 28x28 images as two functional sub-models, an encoder and
# a decoder, composed into a third model (`decoder(encoder(inputs))`): Conv2D strided
# downsampling, a Dense bottleneck, Reshape, Conv2DTranspose back up, UpSampling2D.
convention: keras

import keras
from keras import layers

latent_dim = 16

encoder_inputs = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
x = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(x)
x = layers.Flatten()(x)
x = layers.Dense(64, activation="relu")(x)
latent = layers.Dense(latent_dim, name="latent")(x)
encoder = keras.Model(encoder_inputs, latent, name="encoder")

latent_inputs = keras.Input(shape=(latent_dim,))
x = layers.Dense(7 * 7 * 64, activation="relu")(latent_inputs)
x = layers.Reshape((7, 7, 64))(x)
x = layers.Conv2DTranspose(64, 3, activation="relu", strides=2, padding="same")(x)
x = layers.UpSampling2D(size=(2, 2))(x)
x = layers.Conv2D(32, 3, activation="relu", padding="same")(x)
decoder_outputs = layers.Conv2D(1, 3, activation="sigmoid", padding="same")(x)
decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")

inputs = keras.Input(shape=(28, 28, 1))
autoencoder = keras.Model(inputs, decoder(encoder(inputs)), name="autoencoder")
autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
model = autoencoder
