# Xception as keras.applications builds it (Keras 3.15). Chollet, "Xception: Deep Learning
# with Depthwise Separable Convolutions" (CVPR 2017, Figure 5): an entry flow (two 3x3 convs,
# then three separable-conv modules of 128, 256 and 728 channels, each halving the size with
# a 3x3/2 max pool beside a strided 1x1 conv shortcut), a middle flow of eight residual
# modules of three 728-channel separable convs, and an exit flow (a module to 1024, then
# separable convs of 1536 and 2048). Convs are bias-free, each followed by
# BatchNormalization. Input 299x299 by default, at least 71x71.
# Arguments: include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
# pooling=None, classes=1000, classifier_activation="softmax", name.
import keras
from keras import layers
from keras.src.applications import application_input, application_top


def _separable(x, filters, name, activate=True):
    if activate:
        x = layers.Activation("relu", name=name + "_act")(x)
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=-1, name=name + "_bn")(x)


def _downsampling_module(x, filters, block, first_activated=True):
    residual = layers.Conv2D(filters[1], (1, 1), strides=(2, 2), padding="same",
                             use_bias=False)(x)
    residual = layers.BatchNormalization(axis=-1)(residual)
    x = _separable(x, filters[0], f"block{block}_sepconv1", first_activated)
    x = _separable(x, filters[1], f"block{block}_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same",
                            name=f"block{block}_pool")(x)
    return layers.add([x, residual])


def Xception(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="xception"):
    img_input = application_input(input_shape, input_tensor, 299, 71, include_top, weights,
                                  classes)
    # entry flow
    x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
    x = layers.BatchNormalization(axis=-1, name="block1_conv1_bn")(x)
    x = layers.Activation("relu", name="block1_conv1_act")(x)
    x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
    x = layers.BatchNormalization(axis=-1, name="block1_conv2_bn")(x)
    x = layers.Activation("relu", name="block1_conv2_act")(x)
    x = _downsampling_module(x, (128, 128), 2, first_activated=False)
    x = _downsampling_module(x, (256, 256), 3)
    x = _downsampling_module(x, (728, 728), 4)
    # middle flow
    for i in range(8):
        residual = x
        prefix = "block" + str(i + 5)
        x = _separable(x, 728, prefix + "_sepconv1")
        x = _separable(x, 728, prefix + "_sepconv2")
        x = _separable(x, 728, prefix + "_sepconv3")
        x = layers.add([x, residual])
    # exit flow
    x = _downsampling_module(x, (728, 1024), 13)
    x = layers.SeparableConv2D(1536, (3, 3), padding="same", use_bias=False,
                               name="block14_sepconv1")(x)
    x = layers.BatchNormalization(axis=-1, name="block14_sepconv1_bn")(x)
    x = layers.Activation("relu", name="block14_sepconv1_act")(x)
    x = layers.SeparableConv2D(2048, (3, 3), padding="same", use_bias=False,
                               name="block14_sepconv2")(x)
    x = layers.BatchNormalization(axis=-1, name="block14_sepconv2_bn")(x)
    x = layers.Activation("relu", name="block14_sepconv2_act")(x)
    x = application_top(x, include_top, pooling, classes, classifier_activation, weights)
    return keras.Model(img_input, x, name=name)
