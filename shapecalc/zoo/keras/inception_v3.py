# InceptionV3 as keras.applications builds it (Keras 3.15). Szegedy, Vanhoucke, Ioffe, Shlens
# & Wojna, "Rethinking the Inception Architecture for Computer Vision" (CVPR 2016, Table 1 and
# Figures 5-7): a stem of five convs and two max pools, three 35x35 modules (mixed0-2), a
# grid reduction (mixed3), four 17x17 modules with factorised 7x7 convs (mixed4-7), a second
# reduction (mixed8) and two 8x8 modules with expanded 1x3 / 3x1 filter banks (mixed9-10);
# no auxiliary classifier. Every conv is bias-free and followed by a BatchNormalization without
# scale (beta only) and ReLU. Input 299x299 by default, at least 75x75.
# Arguments: include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
# pooling=None, classes=1000, classifier_activation="softmax", name.
import keras
from keras import layers
from keras.src.applications import application_input, application_top


def conv2d_bn(x, filters, num_row, num_col, padding="same", strides=(1, 1), name=None):
    x = layers.Conv2D(filters, (num_row, num_col), strides=strides, padding=padding,
                      use_bias=False, name=None if name is None else name + "_conv")(x)
    x = layers.BatchNormalization(axis=3, scale=False,
                                  name=None if name is None else name + "_bn")(x)
    return layers.Activation("relu", name=name)(x)


def _pool_branch(x, filters):
    branch = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x)
    return conv2d_bn(branch, filters, 1, 1)


def _module_35(x, pool_filters, name):
    # Figure 5: 1x1 | 1x1-5x5 | 1x1-3x3-3x3 | avg pool-1x1
    branch1x1 = conv2d_bn(x, 64, 1, 1)
    branch5x5 = conv2d_bn(conv2d_bn(x, 48, 1, 1), 64, 5, 5)
    branch3x3dbl = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3)
    return layers.concatenate([branch1x1, branch5x5, branch3x3dbl, _pool_branch(x, pool_filters)],
                              axis=3, name=name)


def _module_17(x, width, name):
    # Figure 6: 1x1 | 1x1-1x7-7x1 | 1x1-7x1-1x7-7x1-1x7 | avg pool-1x1
    branch1x1 = conv2d_bn(x, 192, 1, 1)
    branch7x7 = conv2d_bn(x, width, 1, 1)
    branch7x7 = conv2d_bn(branch7x7, width, 1, 7)
    branch7x7 = conv2d_bn(branch7x7, 192, 7, 1)
    branch7x7dbl = conv2d_bn(x, width, 1, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, width, 7, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, width, 1, 7)
    branch7x7dbl = conv2d_bn(branch7x7dbl, width, 7, 1)
    branch7x7dbl = conv2d_bn(branch7x7dbl, 192, 1, 7)
    return layers.concatenate([branch1x1, branch7x7, branch7x7dbl, _pool_branch(x, 192)],
                              axis=3, name=name)


def _module_8(x, index):
    # Figure 7: 1x1 | 1x1-(1x3 | 3x1) | 1x1-3x3-(1x3 | 3x1) | avg pool-1x1
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3 = layers.concatenate([conv2d_bn(branch3x3, 384, 1, 3),
                                    conv2d_bn(branch3x3, 384, 3, 1)],
                                   axis=3, name="mixed9_" + str(index))
    branch3x3dbl = conv2d_bn(conv2d_bn(x, 448, 1, 1), 384, 3, 3)
    branch3x3dbl = layers.concatenate([conv2d_bn(branch3x3dbl, 384, 1, 3),
                                       conv2d_bn(branch3x3dbl, 384, 3, 1)], axis=3)
    return layers.concatenate([branch1x1, branch3x3, branch3x3dbl, _pool_branch(x, 192)],
                              axis=3, name="mixed" + str(9 + index))


def InceptionV3(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="inception_v3"):
    img_input = application_input(input_shape, input_tensor, 299, 75, include_top, weights,
                                  classes)
    x = conv2d_bn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _module_35(x, 32, "mixed0")
    x = _module_35(x, 64, "mixed1")
    x = _module_35(x, 64, "mixed2")
    # mixed3, 35x35 -> 17x17: 3x3/2 | 1x1-3x3-3x3/2 | max pool 3x3/2
    branch3x3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding="valid")
    branch3x3dbl = conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([branch3x3, branch3x3dbl, branch_pool], axis=3, name="mixed3")
    x = _module_17(x, 128, "mixed4")
    x = _module_17(x, 160, "mixed5")
    x = _module_17(x, 160, "mixed6")
    x = _module_17(x, 192, "mixed7")
    # mixed8, 17x17 -> 8x8: 1x1-3x3/2 | 1x1-1x7-7x1-3x3/2 | max pool 3x3/2
    branch3x3 = conv2d_bn(x, 192, 1, 1)
    branch3x3 = conv2d_bn(branch3x3, 320, 3, 3, strides=(2, 2), padding="valid")
    branch7x7x3 = conv2d_bn(x, 192, 1, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 1, 7)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 7, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 3, 3, strides=(2, 2), padding="valid")
    branch_pool = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = layers.concatenate([branch3x3, branch7x7x3, branch_pool], axis=3, name="mixed8")
    x = _module_8(x, 0)
    x = _module_8(x, 1)
    x = application_top(x, include_top, pooling, classes, classifier_activation, weights)
    return keras.Model(img_input, x, name=name)
