# A small ResNet for 32x32 images in the functional API with a residual block helper:
# `shortcut = x`, a 1x1 projection when the stride or `x.shape[-1]` differs from the filters,
# layers.add([x, shortcut]), blocks repeated by a nested loop over (filters, blocks, stride).
convention: keras

import keras
from keras import layers


def residual_block(x, filters, stride=1):
    shortcut = x
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
    y = layers.BatchNormalization()(y)
    y = layers.ReLU()(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
    y = layers.BatchNormalization()(y)
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x)
        shortcut = layers.BatchNormalization()(shortcut)
    y = layers.add([y, shortcut])
    return layers.ReLU()(y)


def build_resnet(input_shape=(32, 32, 3), num_classes=10, stages=((16, 2, 1), (32, 2, 2), (64, 2, 2))):
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(16, 3, padding="same", use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    for filters, blocks, stride in stages:
        for i in range(blocks):
            x = residual_block(x, filters, stride if i == 0 else 1)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="resnet_small")


model = build_resnet()
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
