# A classic U-Net segmentation script pasted whole, in the layout of the many Keras blog
# posts and notebooks that build one (our code): os.environ["KERAS_BACKEND"], module-level
# IMG_SIZE / NUM_CLASSES constants, numpy stand-in data (the posts load image / mask files:
# here small np.zeros arrays of the right shapes, 16 images), conv_block / encoder_block
# (returning the skip and the pooled map) / decoder_block (Conv2DTranspose then
# layers.concatenate with the skip) helpers, `s1, p1 = encoder_block(inputs, 64)` unpacking,
# a bridge, `build_unet(input_shape, num_classes)` returning keras.Model(inputs, outputs,
# name="U-Net"), summary, compile with categorical_crossentropy on
# keras.utils.to_categorical masks, and fit.
# U-Net (Ronneberger et al., 2015), padded convs, widths 64..1024, on 64x64 RGB.
convention: keras

import os

os.environ["KERAS_BACKEND"] = "tensorflow"

import numpy as np
import keras
from keras import layers

IMG_SIZE = 64
NUM_CLASSES = 3

# images and masks, as the data-loading cell would leave them
images = np.zeros((16, IMG_SIZE, IMG_SIZE, 3), dtype="float32")
masks = np.zeros((16, IMG_SIZE, IMG_SIZE, 1), dtype="uint8")
masks = keras.utils.to_categorical(masks, NUM_CLASSES)  # one-hot, as the softmax head expects
print(images.shape, masks.shape)


def conv_block(input, num_filters):
    x = layers.Conv2D(num_filters, 3, padding="same")(input)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    x = layers.Conv2D(num_filters, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    return x


def encoder_block(input, num_filters):
    x = conv_block(input, num_filters)
    p = layers.MaxPool2D((2, 2))(x)
    return x, p


def decoder_block(input, skip_features, num_filters):
    x = layers.Conv2DTranspose(num_filters, (2, 2), strides=2, padding="same")(input)
    x = layers.concatenate([x, skip_features])
    x = conv_block(x, num_filters)
    return x


def build_unet(input_shape, num_classes):
    inputs = keras.Input(input_shape)

    s1, p1 = encoder_block(inputs, 64)
    s2, p2 = encoder_block(p1, 128)
    s3, p3 = encoder_block(p2, 256)
    s4, p4 = encoder_block(p3, 512)

    b1 = conv_block(p4, 1024)

    d1 = decoder_block(b1, s4, 512)
    d2 = decoder_block(d1, s3, 256)
    d3 = decoder_block(d2, s2, 128)
    d4 = decoder_block(d3, s1, 64)

    outputs = layers.Conv2D(num_classes, 1, padding="same", activation="softmax")(d4)

    model = keras.Model(inputs, outputs, name="U-Net")
    return model


model = build_unet((IMG_SIZE, IMG_SIZE, 3), NUM_CLASSES)
model.summary()

model.compile(
    optimizer=keras.optimizers.Adam(1e-4),
    loss="categorical_crossentropy",
    metrics=["accuracy"],
)
history = model.fit(images, masks, batch_size=8, epochs=1, validation_split=0.25)
