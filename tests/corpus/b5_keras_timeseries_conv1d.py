# The keras.io "timeseries classification from scratch" example (idioms of the example, our
# code): `make_model(input_shape)` with `input_layer = keras.layers.Input(input_shape)`,
# three Conv1D(filters=64, kernel_size=3, padding="same") + BatchNormalization + ReLU
# blocks, GlobalAveragePooling1D, Dense(num_classes, activation="softmax"), called with
# `x_train.shape[1:]` replaced by `(T, 1)` (FordA: 500 steps; we keep 128) and
# `num_classes = len(np.unique(y_train))` replaced by 2; then compile.
convention: keras

import keras
import numpy as np

T = 128  # x_train.shape[1]
num_classes = 2  # len(np.unique(y_train))


def make_model(input_shape):
    input_layer = keras.Input(shape=input_shape)

    conv1 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(input_layer)
    conv1 = keras.layers.BatchNormalization()(conv1)
    conv1 = keras.layers.ReLU()(conv1)

    conv2 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(conv1)
    conv2 = keras.layers.BatchNormalization()(conv2)
    conv2 = keras.layers.ReLU()(conv2)

    conv3 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(conv2)
    conv3 = keras.layers.BatchNormalization()(conv3)
    conv3 = keras.layers.ReLU()(conv3)

    gap = keras.layers.GlobalAveragePooling1D()(conv3)

    output_layer = keras.layers.Dense(num_classes, activation="softmax")(gap)

    return keras.models.Model(inputs=input_layer, outputs=output_layer)


model = make_model(input_shape=(T, 1))
model.compile(
    optimizer="adam",
    loss="sparse_categorical_crossentropy",
    metrics=["sparse_categorical_accuracy"],
)
