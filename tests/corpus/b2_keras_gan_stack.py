# A GAN assembled from the keras.io DCGAN discriminator and generator (our code; its
# sizes: 64x64x3 images, latent 128, 64-128-128 discriminator convs, 8x8x128 seed and
# 128-256-512 transposed convs), each a keras.Sequential with `name=`, composed the older
# way for the generator's training step: `discriminator.trainable = False`, then
# keras.Model(gan_input, discriminator(generator(gan_input))) — nested models as layers,
# the discriminator's weights counted as non-trainable.
convention: keras

import keras
from keras import layers

discriminator = keras.Sequential(
    [
        keras.Input(shape=(64, 64, 3)),
        layers.Conv2D(64, kernel_size=4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(128, kernel_size=4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(128, kernel_size=4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Flatten(),
        layers.Dropout(0.2),
        layers.Dense(1, activation="sigmoid"),
    ],
    name="discriminator",
)
discriminator.summary()

latent_dim = 128

generator = keras.Sequential(
    [
        keras.Input(shape=(latent_dim,)),
        layers.Dense(8 * 8 * 128),
        layers.Reshape((8, 8, 128)),
        layers.Conv2DTranspose(128, kernel_size=4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2DTranspose(256, kernel_size=4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2DTranspose(512, kernel_size=4, strides=2, padding="same"),
        layers.LeakyReLU(negative_slope=0.2),
        layers.Conv2D(3, kernel_size=5, padding="same", activation="sigmoid"),
    ],
    name="generator",
)
generator.summary()

discriminator.compile(optimizer=keras.optimizers.Adam(learning_rate=0.0001),
                      loss="binary_crossentropy")
discriminator.trainable = False

gan_input = keras.Input(shape=(latent_dim,))
gan_output = discriminator(generator(gan_input))
gan = keras.Model(gan_input, gan_output, name="gan")
gan.compile(optimizer=keras.optimizers.Adam(learning_rate=0.0001), loss="binary_crossentropy")
model = gan
