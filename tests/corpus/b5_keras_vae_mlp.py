# The keras.io VAE example's pattern on a dense (MLP) encoder and decoder (idioms of the
# keras.io example, our code): a `Sampling(layers.Layer)` whose call unpacks
# `z_mean, z_log_var = inputs`, reads `ops.shape(z_mean)[0]` / `[1]` and draws
# `keras.random.normal(shape=(batch, dim), seed=self.seed_generator)`, the encoder and the
# decoder as separate named keras.Model objects, and the end-to-end model as a functional
# keras.Model calling both on the encoder's input (`encoder(inputs)[2]`). 784-pixel input,
# 256 / 64 hidden, latent 8.
convention: keras

import keras
from keras import layers
from keras import ops


class Sampling(layers.Layer):
    """Uses (z_mean, z_log_var) to sample z."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch = ops.shape(z_mean)[0]
        dim = ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


original_dim = 28 * 28
intermediate_dim = 256
latent_dim = 8

encoder_inputs = keras.Input(shape=(original_dim,), name="encoder_input")
x = layers.Dense(intermediate_dim, activation="relu")(encoder_inputs)
x = layers.Dense(64, activation="relu")(x)
z_mean = layers.Dense(latent_dim, name="z_mean")(x)
z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
z = Sampling(name="z")([z_mean, z_log_var])
encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")
encoder.summary()

latent_inputs = keras.Input(shape=(latent_dim,), name="z_sampling")
x = layers.Dense(64, activation="relu")(latent_inputs)
x = layers.Dense(intermediate_dim, activation="relu")(x)
decoder_outputs = layers.Dense(original_dim, activation="sigmoid")(x)
decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")
decoder.summary()

outputs = decoder(encoder(encoder_inputs)[2])
vae = keras.Model(encoder_inputs, outputs, name="vae_mlp")
vae.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3))
model = vae
