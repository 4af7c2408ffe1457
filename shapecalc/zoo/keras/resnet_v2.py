# ResNet50V2, ResNet101V2 and ResNet152V2 as keras.applications builds them (Keras 3.15). He,
# Zhang, Ren & Sun, "Identity Mappings in Deep Residual Networks" (ECCV 2016): pre-activation
# bottlenecks (BN-ReLU before each conv; the shortcut a 1x1 conv of the pre-activation in the
# first block of a stage, else the input, max-pooled 1x1/2 where the block strides). In
# Keras' version the last block of a stage strides (on its padded 3x3), the 7x7 stem conv has
# a bias and no BN, and a final BN-ReLU closes the network; BatchNormalization epsilon
# 1.001e-5. Input 224x224 by default, at least 32x32.
# Arguments: include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
# pooling=None, classes=1000, classifier_activation="softmax", name.
import keras
from keras import layers
from keras.src.applications import application_input, application_top


def residual_block_v2(x, filters, kernel_size=3, stride=1, conv_shortcut=False, name=None):
    preact = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name + "_preact_bn")(x)
    preact = layers.Activation("relu", name=name + "_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=name + "_1_conv")(preact)
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=name + "_2_pad")(x)
    x = layers.Conv2D(filters, kernel_size, strides=stride, use_bias=False,
                      name=name + "_2_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name + "_2_bn")(x)
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    return layers.Add(name=name + "_out")([shortcut, x])


def stack_v2(x, filters, blocks, stride1=2, name=None):
    x = residual_block_v2(x, filters, conv_shortcut=True, name=name + "_block1")
    for i in range(2, blocks):
        x = residual_block_v2(x, filters, name=name + "_block" + str(i))
    return residual_block_v2(x, filters, stride=stride1, name=name + "_block" + str(blocks))


def _resnet_v2(depths, include_top, weights, input_tensor, input_shape, pooling, classes,
               classifier_activation, name):
    img_input = application_input(input_shape, input_tensor, 224, 32, include_top, weights,
                                  classes)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=True, name="conv1_conv")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack_v2(x, 64, depths[0], name="conv2")
    x = stack_v2(x, 128, depths[1], name="conv3")
    x = stack_v2(x, 256, depths[2], name="conv4")
    x = stack_v2(x, 512, depths[3], stride1=1, name="conv5")
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name="post_bn")(x)
    x = layers.Activation("relu", name="post_relu")(x)
    x = application_top(x, include_top, pooling, classes, classifier_activation, weights)
    return keras.Model(img_input, x, name=name)


def ResNet50V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
               pooling=None, classes=1000, classifier_activation="softmax", name="resnet50v2"):
    return _resnet_v2((3, 4, 6, 3), include_top, weights, input_tensor, input_shape, pooling,
                      classes, classifier_activation, name)


def ResNet101V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="resnet101v2"):
    return _resnet_v2((3, 4, 23, 3), include_top, weights, input_tensor, input_shape, pooling,
                      classes, classifier_activation, name)


def ResNet152V2(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="resnet152v2"):
    return _resnet_v2((3, 8, 36, 3), include_top, weights, input_tensor, input_shape, pooling,
                      classes, classifier_activation, name)
