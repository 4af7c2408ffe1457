# EfficientNetB0 to B7 as keras.applications builds them (Keras 3.15). Tan & Le,
# "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks" (ICML 2019,
# Table 1): the input rescaled and normalised inside the model (Rescaling 1/255, a
# Normalization layer whose mean, variance and count are 7 non-trainable weights, and with
# ImageNet weights a Rescaling by 1/sqrt of ImageNet's standard deviations), a 3x3/2 stem of 32,
# seven stages of MBConv blocks (expansion, depthwise conv, squeeze-and-excitation to a
# quarter of the block's input channels, linear projection, a residual when the shape allows),
# a 1x1 conv to 1280, global average pool, dropout and the classifier. Bn scales the channels
# by the width coefficient (rounded to multiples of 8) and the repeats by the depth coefficient
# (rounded up); swish activations; a stride-2 depthwise conv is 'valid' after a ZeroPadding2D
# that centres it. Input Bn's resolution by default (224, 240, 260, 300, 380, 456, 528, 600),
# at least 32x32.
# Arguments: include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
# pooling=None, classes=1000, classifier_activation="softmax", name.
import math

import keras
from keras import layers
from keras.src.applications import imagenet_utils, application_input, application_top

# Table 1 after the stem: kernel, repeats, channels in and out, expansion, stride
DEFAULT_BLOCKS_ARGS = [
    (3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2), (3, 3, 40, 80, 6, 2),
    (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2), (3, 1, 192, 320, 6, 1),
]
IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225]


def block(inputs, name, filters_in, filters_out, kernel_size, strides, expand_ratio,
          drop_rate, se_ratio=0.25):
    filters = filters_in * expand_ratio
    if expand_ratio != 1:
        x = layers.Conv2D(filters, 1, padding="same", use_bias=False, name=name + "expand_conv")(inputs)
        x = layers.BatchNormalization(axis=3, name=name + "expand_bn")(x)
        x = layers.Activation("swish", name=name + "expand_activation")(x)
    else:
        x = inputs
    if strides == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, kernel_size),
                                 name=name + "dwconv_pad")(x)
        conv_pad = "valid"
    else:
        conv_pad = "same"
    x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding=conv_pad, use_bias=False,
                               name=name + "dwconv")(x)
    x = layers.BatchNormalization(axis=3, name=name + "bn")(x)
    x = layers.Activation("swish", name=name + "activation")(x)
    # squeeze and excitation
    filters_se = max(1, int(filters_in * se_ratio))
    se = layers.GlobalAveragePooling2D(name=name + "se_squeeze")(x)
    se = layers.Reshape((1, 1, filters), name=name + "se_reshape")(se)
    se = layers.Conv2D(filters_se, 1, padding="same", activation="swish", name=name + "se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid", name=name + "se_expand")(se)
    x = layers.multiply([x, se], name=name + "se_excite")
    x = layers.Conv2D(filters_out, 1, padding="same", use_bias=False, name=name + "project_conv")(x)
    x = layers.BatchNormalization(axis=3, name=name + "project_bn")(x)
    if strides == 1 and filters_in == filters_out:
        if drop_rate > 0:  # stochastic depth, growing with the block's index
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=name + "drop")(x)
        x = layers.add([x, inputs], name=name + "add")
    return x


def _efficientnet(width_coefficient, depth_coefficient, default_size, dropout_rate,
                  include_top, weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation, name):
    img_input = application_input(input_shape, input_tensor, default_size, 32, include_top,
                                  weights, classes)

    def round_filters(filters, divisor=8):
        filters *= width_coefficient
        new_filters = max(divisor, int(filters + divisor / 2) // divisor * divisor)
        if new_filters < 0.9 * filters:  # never round down by more than 10%
            new_filters += divisor
        return int(new_filters)

    x = layers.Rescaling(1.0 / 255.0)(img_input)
    x = layers.Normalization(axis=3)(x)
    if weights == "imagenet":
        x = layers.Rescaling([1.0 / math.sqrt(stddev) for stddev in IMAGENET_STDDEV_RGB])(x)
    x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name="stem_conv_pad")(x)
    x = layers.Conv2D(round_filters(32), 3, strides=2, padding="valid", use_bias=False,
                      name="stem_conv")(x)
    x = layers.BatchNormalization(axis=3, name="stem_bn")(x)
    x = layers.Activation("swish", name="stem_activation")(x)
    blocks = float(sum(int(math.ceil(depth_coefficient * args[1])) for args in DEFAULT_BLOCKS_ARGS))
    b = 0
    for i, (kernel, repeats, filters_in, filters_out, expand, stride) in enumerate(DEFAULT_BLOCKS_ARGS):
        filters_in, filters_out = round_filters(filters_in), round_filters(filters_out)
        for j in range(int(math.ceil(depth_coefficient * repeats))):
            x = block(x, f"block{i + 1}{'abcdefghijklmnopqrstuvwxyz'[j]}_", filters_in if j == 0 else filters_out,
                      filters_out, kernel, stride if j == 0 else 1, expand, 0.2 * b / blocks)
            b += 1
    x = layers.Conv2D(round_filters(1280), 1, padding="same", use_bias=False, name="top_conv")(x)
    x = layers.BatchNormalization(axis=3, name="top_bn")(x)
    x = layers.Activation("swish", name="top_activation")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dropout(dropout_rate, name="top_dropout")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = application_top(x, False, pooling, classes, classifier_activation, weights)
    return keras.Model(img_input, x, name=name)


def EfficientNetB0(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                   pooling=None, classes=1000, classifier_activation="softmax",
                   name="efficientnetb0"):
    return _efficientnet(1.0, 1.0, 224, 0.2, include_top, weights, input_tensor, input_shape,
                         pooling, classes, classifier_activation, name)


def EfficientNetB1(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                   pooling=None, classes=1000, classifier_activation="softmax",
                   name="efficientnetb1"):
    return _efficientnet(1.0, 1.1, 240, 0.2, include_top, weights, input_tensor, input_shape,
                         pooling, classes, classifier_activation, name)


def EfficientNetB2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                   pooling=None, classes=1000, classifier_activation="softmax",
                   name="efficientnetb2"):
    return _efficientnet(1.1, 1.2, 260, 0.3, include_top, weights, input_tensor, input_shape,
                         pooling, classes, classifier_activation, name)


def EfficientNetB3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                   pooling=None, classes=1000, classifier_activation="softmax",
                   name="efficientnetb3"):
    return _efficientnet(1.2, 1.4, 300, 0.3, include_top, weights, input_tensor, input_shape,
                         pooling, classes, classifier_activation, name)


def EfficientNetB4(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                   pooling=None, classes=1000, classifier_activation="softmax",
                   name="efficientnetb4"):
    return _efficientnet(1.4, 1.8, 380, 0.4, include_top, weights, input_tensor, input_shape,
                         pooling, classes, classifier_activation, name)


def EfficientNetB5(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                   pooling=None, classes=1000, classifier_activation="softmax",
                   name="efficientnetb5"):
    return _efficientnet(1.6, 2.2, 456, 0.4, include_top, weights, input_tensor, input_shape,
                         pooling, classes, classifier_activation, name)


def EfficientNetB6(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                   pooling=None, classes=1000, classifier_activation="softmax",
                   name="efficientnetb6"):
    return _efficientnet(1.8, 2.6, 528, 0.5, include_top, weights, input_tensor, input_shape,
                         pooling, classes, classifier_activation, name)


def EfficientNetB7(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                   pooling=None, classes=1000, classifier_activation="softmax",
                   name="efficientnetb7"):
    return _efficientnet(2.0, 3.1, 600, 0.5, include_top, weights, input_tensor, input_shape,
                         pooling, classes, classifier_activation, name)
