# DenseNet121, DenseNet169 and DenseNet201 as keras.applications builds them (Keras 3.15).
# Huang, Liu, van der Maaten & Weinberger, "Densely Connected Convolutional Networks" (CVPR
# 2017, Table 1): DenseNet-BC with growth rate 32; each conv block is BN-ReLU-1x1 conv (128)
# - BN-ReLU-3x3 conv (32), concatenated to its input; transitions halve the channels (1x1
# conv) and the size (2x2 average pool). The stem pads explicitly (ZeroPadding2D 3, a 'valid'
# 7x7/2 conv; ZeroPadding2D 1, a 3x3/2 max pool). Convs are bias-free; BatchNormalization has
# epsilon 1.001e-5. Input 224x224 by default, at least 32x32.
# Arguments: include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
# pooling=None, classes=1000, classifier_activation="softmax", name.
import keras
from keras import layers
from keras.src.applications import application_input, application_top


def conv_block(x, growth_rate, name):
    x1 = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name + "_0_bn")(x)
    x1 = layers.Activation("relu", name=name + "_0_relu")(x1)
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=name + "_1_conv")(x1)
    x1 = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name + "_1_bn")(x1)
    x1 = layers.Activation("relu", name=name + "_1_relu")(x1)
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=name + "_2_conv")(x1)
    return layers.Concatenate(axis=3, name=name + "_concat")([x, x1])


def dense_block(x, blocks, name):
    for i in range(blocks):
        x = conv_block(x, 32, name=name + "_block" + str(i + 1))
    return x


def transition_block(x, reduction, name):
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name + "_bn")(x)
    x = layers.Activation("relu", name=name + "_relu")(x)
    x = layers.Conv2D(int(x.shape[3] * reduction), 1, use_bias=False, name=name + "_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=name + "_pool")(x)


def _densenet(blocks, include_top, weights, input_tensor, input_shape, pooling, classes,
              classifier_activation, name):
    img_input = application_input(input_shape, input_tensor, 224, 32, include_top, weights,
                                  classes)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = dense_block(x, blocks[0], name="conv2")
    x = transition_block(x, 0.5, name="pool2")
    x = dense_block(x, blocks[1], name="conv3")
    x = transition_block(x, 0.5, name="pool3")
    x = dense_block(x, blocks[2], name="conv4")
    x = transition_block(x, 0.5, name="pool4")
    x = dense_block(x, blocks[3], name="conv5")
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name="bn")(x)
    x = layers.Activation("relu", name="relu")(x)
    x = application_top(x, include_top, pooling, classes, classifier_activation, weights)
    return keras.Model(img_input, x, name=name)


def DenseNet121(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax", name="densenet121"):
    return _densenet([6, 12, 24, 16], include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation, name)


def DenseNet169(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax", name="densenet169"):
    return _densenet([6, 12, 32, 32], include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation, name)


def DenseNet201(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax", name="densenet201"):
    return _densenet([6, 12, 48, 32], include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation, name)
