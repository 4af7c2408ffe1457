# The keras.io "timeseries classification from scratch" FCN (our code; Wang et al., 2017:
# three Conv1D 64/k3 + BatchNormalization + ReLU blocks, global average pooling): the
# sizes come from *numpy arrays* as in the notebook (the FordA data stand-in is made with
# np.zeros, reshaped to add a channel axis, labels remapped with y[y == -1] = 0,
# num_classes = len(np.unique(y_train))), `keras.layers.Input(input_shape)` with a
# positional shape taken from x_train.shape[1:], keras.models.Model(inputs=..., outputs=...).
convention: keras

import keras
import numpy as np

# stands in for readucr(root_url + "FordA_TRAIN.tsv"): 500 steps, labels -1 / 1
x_train = np.zeros((3601, 500))
y_train = np.array([-1, 1] * 1800 + [1])

x_train = x_train.reshape((x_train.shape[0], x_train.shape[1], 1))
num_classes = len(np.unique(y_train))

idx = np.random.permutation(len(x_train))
x_train = x_train[idx]
y_train = y_train[idx]

y_train[y_train == -1] = 0


def make_model(input_shape):
    input_layer = keras.layers.Input(input_shape)

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


model = make_model(input_shape=x_train.shape[1:])
