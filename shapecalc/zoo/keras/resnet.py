# ResNet50, ResNet101 and ResNet152 as keras.applications builds them (Keras 3.15). He, Zhang,
# Ren & Sun, "Deep Residual Learning for Image Recognition" (CVPR 2016, Table 1), version 1
# as published: a downsampling bottleneck strides on its first 1x1 conv (torchvision's v1.5
# strides on the 3x3); every conv has a bias, every BatchNormalization epsilon 1.001e-5. The
# stem pads explicitly (ZeroPadding2D 3, a 'valid' 7x7/2 conv; ZeroPadding2D 1, a 3x3/2 max
# pool). The top is a global average pool and the classifier. Input 224x224 by default, at
# least 32x32.
# Arguments: include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
# pooling=None, classes=1000, classifier_activation="softmax", name.
import keras
from keras import layers
from keras.src.applications import application_input, application_top


def residual_block(x, filters, kernel_size=3, stride=1, conv_shortcut=True, name=None):
    # 1x1 (strided) - 3x3 - 1x1 x4, with a projected or identity shortcut
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=name + "_0_conv")(x)
        shortcut = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name + "_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=name + "_1_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name + "_1_bn")(x)
    x = layers.Activation("relu", name=name + "_1_relu")(x)
    x = layers.Conv2D(filters, kernel_size, padding="same", name=name + "_2_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name + "_2_bn")(x)
    x = layers.Activation("relu", name=name + "_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=name + "_3_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=name + "_3_bn")(x)
    x = layers.Add(name=name + "_add")([shortcut, x])
    return layers.Activation("relu", name=name + "_out")(x)


def stack(x, filters, blocks, stride1=2, name=None):
    x = residual_block(x, filters, stride=stride1, name=name + "_block1")
    for i in range(2, blocks + 1):
        x = residual_block(x, filters, conv_shortcut=False, name=name + "_block" + str(i))
    return x


def _resnet(depths, include_top, weights, input_tensor, input_shape, pooling, classes,
            classifier_activation, name):
    img_input = application_input(input_shape, input_tensor, 224, 32, include_top, weights,
                                  classes)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=True, name="conv1_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = stack(x, 64, depths[0], stride1=1, name="conv2")
    x = stack(x, 128, depths[1], name="conv3")
    x = stack(x, 256, depths[2], name="conv4")
    x = stack(x, 512, depths[3], name="conv5")
    x = application_top(x, include_top, pooling, classes, classifier_activation, weights)
    return keras.Model(img_input, x, name=name)


def ResNet50(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
             pooling=None, classes=1000, classifier_activation="softmax", name="resnet50"):
    return _resnet((3, 4, 6, 3), include_top, weights, input_tensor, input_shape, pooling,
                   classes, classifier_activation, name)


def ResNet101(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", name="resnet101"):
    return _resnet((3, 4, 23, 3), include_top, weights, input_tensor, input_shape, pooling,
                   classes, classifier_activation, name)


def ResNet152(include_top=True, weights="imagenet", input_tensor=None, input_shape=None,
              pooling=None, classes=1000, classifier_activation="softmax", name="resnet152"):
    return _resnet((3, 8, 36, 3), include_top, weights, input_tensor, input_shape, pooling,
                   classes, classifier_activation, name)
