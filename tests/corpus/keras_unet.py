# A small U-Net for 64x64 segmentation in the functional API: conv_block / encoder_block
# (which returns the features and the pooled map as a tuple) / decoder_block helpers,
# Conv2DTranspose upsampling, Concatenate()([x, skip]) and the functional
# layers.concatenate, a build function given the input shape.
convention: keras

from tensorflow.keras.layers import (Activation, BatchNormalization, Concatenate, Conv2D,
                                     Conv2DTranspose, Input, MaxPool2D, concatenate)
from tensorflow.keras.models import Model


def conv_block(x, num_filters):
    x = Conv2D(num_filters, 3, padding="same")(x)
    x = BatchNormalization()(x)
    x = Activation("relu")(x)
    x = Conv2D(num_filters, 3, padding="same")(x)
    x = BatchNormalization()(x)
    x = Activation("relu")(x)
    return x


def encoder_block(x, num_filters):
    f = conv_block(x, num_filters)
    p = MaxPool2D((2, 2))(f)
    return f, p


def decoder_block(x, skip, num_filters, use_layer=True):
    x = Conv2DTranspose(num_filters, (2, 2), strides=2, padding="same")(x)
    if use_layer:
        x = Concatenate()([x, skip])
    else:
        x = concatenate([x, skip], axis=-1)
    x = conv_block(x, num_filters)
    return x


def build_unet(input_shape, base=16):
    inputs = Input(input_shape)

    s1, p1 = encoder_block(inputs, base)
    s2, p2 = encoder_block(p1, base * 2)
    s3, p3 = encoder_block(p2, base * 4)

    b1 = conv_block(p3, base * 8)

    d1 = decoder_block(b1, s3, base * 4)
    d2 = decoder_block(d1, s2, base * 2, use_layer=False)
    d3 = decoder_block(d2, s1, base)

    outputs = Conv2D(1, 1, padding="same", activation="sigmoid")(d3)
    model = Model(inputs, outputs, name="small_unet")
    return model


model = build_unet((64, 64, 3))
