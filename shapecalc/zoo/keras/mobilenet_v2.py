# MobileNetV2 as keras.applications builds it (Keras 3.15). Sandler et al., "MobileNetV2:
# Inverted Residuals and Linear Bottlenecks" (CVPR 2018, Table 2): a 3x3/2 stem, seventeen
# inverted residual blocks (1x1 expansion by 6 except the first, 3x3 depthwise, linear 1x1
# projection, a residual when the shape allows), a 1x1 conv to 1280, global average pool and
# the classifier. Channels scale with `alpha` (the width multiplier), rounded to multiples of
# 8; the last conv grows only for alpha > 1. Convs are bias-free, BatchNormalization has
# epsilon 1e-3, activations are ReLU(6). A stride-2 depthwise conv is 'valid' after a
# ZeroPadding2D that centres it (imagenet_utils.correct_pad). Input 224x224 by default (the
# given size when square and one of 96, 128, 160, 192, 224), at least 32x32.
# Arguments: input_shape=None, alpha=1.0, include_top=True, weights="imagenet",
# input_tensor=None, pooling=None, classes=1000, classifier_activation="softmax", name.
# ImageNet weights exist for alpha 0.35, 0.5, 0.75, 1.0, 1.3 and 1.4 only.
import keras
from keras import layers
from keras.src.applications import imagenet_utils, application_input, application_top


def _make_divisible(v, divisor, min_value=None):
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:  # never round down by more than 10%
        new_v += divisor
    return new_v


def _inverted_res_block(inputs, expansion, stride, alpha, filters, block_id):
    in_channels = inputs.shape[-1]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    prefix = "block_" + str(block_id) + "_"
    x = inputs
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same",
                          use_bias=False, name=prefix + "expand")(x)
        x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name=prefix + "expand_BN")(x)
        x = layers.ReLU(6.0, name=prefix + "expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=imagenet_utils.correct_pad(x, 3), name=prefix + "pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, use_bias=False,
                               padding="same" if stride == 1 else "valid",
                               name=prefix + "depthwise")(x)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name=prefix + "depthwise_BN")(x)
    x = layers.ReLU(6.0, name=prefix + "depthwise_relu")(x)
    x = layers.Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False,
                      name=prefix + "project")(x)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name=prefix + "project_BN")(x)
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=prefix + "add")([inputs, x])
    return x


# Table 2 after the stem: (channels, stride, expansion) per block
_BLOCKS = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6),
           (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6),
           (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6)]


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True, weights="imagenet",
                input_tensor=None, pooling=None, classes=1000,
                classifier_activation="softmax", name=None):
    default_size = 224
    if input_shape is not None and input_tensor is None and len(input_shape) == 3:
        rows, cols = input_shape[0], input_shape[1]
        if rows == cols and rows in [96, 128, 160, 192, 224]:
            default_size = rows
    if weights == "imagenet" and alpha not in [0.35, 0.50, 0.75, 1.0, 1.3, 1.4]:
        raise ValueError("If imagenet weights are being loaded, alpha must be one of `0.35`, "
                         f"`0.50`, `0.75`, `1.0`, `1.3` or `1.4` only; Received: alpha={alpha}")
    img_input = application_input(input_shape, input_tensor, default_size, 32, include_top,
                                  weights, classes)
    first_block_filters = _make_divisible(32 * alpha, 8)
    x = layers.Conv2D(first_block_filters, kernel_size=3, strides=(2, 2), padding="same",
                      use_bias=False, name="Conv1")(img_input)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, expansion, stride, alpha, filters, block_id)
    last_block_filters = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = layers.Conv2D(last_block_filters, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name="Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    x = application_top(x, include_top, pooling, classes, classifier_activation, weights)
    if name is None:
        name = f"mobilenetv2_{alpha:0.2f}_{default_size}"
    return keras.Model(img_input, x, name=name)
