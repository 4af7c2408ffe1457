# MobileNet (v1) as keras.applications builds it (Keras 3.15). Howard et al., "MobileNets:
# Efficient Convolutional Neural Networks for Mobile Vision Applications" (2017, Table 1): a
# 3x3/2 conv of 32, thirteen depthwise-separable blocks (3x3 depthwise, 1x1 pointwise, each
# with BatchNormalization and ReLU(6)), global average pool, dropout and a 1x1 conv
# classifier reshaped to the classes. `alpha` scales the channels (int(c * alpha)),
# `depth_multiplier` the depthwise outputs. A stride-2 depthwise conv is 'valid' after a
# ZeroPadding2D of one row and column at the end. Input 224x224 by default (the given size when
# square and one of 128, 160, 192, 224), at least 32x32.
# Arguments: input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3, include_top=True,
# weights="imagenet", input_tensor=None, pooling=None, classes=1000,
# classifier_activation="softmax", name. ImageNet weights: alpha 0.25, 0.5, 0.75 or 1.0 and
# depth_multiplier 1.
import keras
from keras import layers
from keras.src.applications import imagenet_utils, application_input


def _conv_block(inputs, filters, alpha, kernel=(3, 3), strides=(1, 1)):
    filters = int(filters * alpha)
    x = layers.Conv2D(filters, kernel, padding="same", use_bias=False, strides=strides,
                      name="conv1")(inputs)
    x = layers.BatchNormalization(axis=-1, name="conv1_bn")(x)
    return layers.ReLU(6.0, name="conv1_relu")(x)


def _depthwise_conv_block(inputs, pointwise_conv_filters, alpha, depth_multiplier=1,
                          strides=(1, 1), block_id=1):
    pointwise_conv_filters = int(pointwise_conv_filters * alpha)
    if strides == (1, 1):
        x = inputs
    else:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name="conv_pad_%d" % block_id)(inputs)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if strides == (1, 1) else "valid",
                               depth_multiplier=depth_multiplier, strides=strides,
                               use_bias=False, name="conv_dw_%d" % block_id)(x)
    x = layers.BatchNormalization(axis=-1, name="conv_dw_%d_bn" % block_id)(x)
    x = layers.ReLU(6.0, name="conv_dw_%d_relu" % block_id)(x)
    x = layers.Conv2D(pointwise_conv_filters, (1, 1), padding="same", use_bias=False,
                      strides=(1, 1), name="conv_pw_%d" % block_id)(x)
    x = layers.BatchNormalization(axis=-1, name="conv_pw_%d_bn" % block_id)(x)
    return layers.ReLU(6.0, name="conv_pw_%d_relu" % block_id)(x)


# Table 1 after the first conv: (pointwise filters, stride) per block
_BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
           (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3,
              include_top=True, weights="imagenet", input_tensor=None, pooling=None,
              classes=1000, classifier_activation="softmax", name=None):
    default_size = 224
    if input_shape is not None and input_tensor is None and len(input_shape) == 3:
        rows, cols = input_shape[0], input_shape[1]
        if rows == cols and rows in [128, 160, 192, 224]:
            default_size = rows
    if weights == "imagenet":
        if depth_multiplier != 1:
            raise ValueError("If imagenet weights are being loaded, depth multiplier must be "
                             f"1. Received depth_multiplier={depth_multiplier}")
        if alpha not in [0.25, 0.50, 0.75, 1.0]:
            raise ValueError("If imagenet weights are being loaded, alpha can be one of "
                             f"`0.25`, `0.50`, `0.75` or `1.0` only. Received alpha={alpha}")
    img_input = application_input(input_shape, input_tensor, default_size, 32, include_top,
                                  weights, classes)
    x = _conv_block(img_input, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(_BLOCKS, start=1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier,
                                  strides=(stride, stride), block_id=block_id)
    if include_top:
        x = layers.GlobalAveragePooling2D(keepdims=True)(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        imagenet_utils.validate_activation(classifier_activation, weights)
        x = layers.Activation(activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    if name is None:
        name = f"mobilenet_{alpha:0.2f}_{default_size}"
    return keras.Model(img_input, x, name=name)
