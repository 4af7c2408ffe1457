# A Sequential MLP built with model.add in the older tf.keras style: the input size given as
# input_shape= on the first layer (and repeated in the input: line), Dense + BatchNormalization
# + Activation + Dropout added in a loop over a list of widths.
convention: keras
input: (20,)

import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers
from tensorflow.keras.layers import Dense, Dropout, BatchNormalization, Activation

n_features = 20
hidden_units = [128, 64, 32]

model = keras.Sequential(name="mlp")
model.add(Dense(hidden_units[0], input_shape=(n_features,)))
model.add(BatchNormalization())
model.add(Activation("relu"))
for units in hidden_units[1:]:
    model.add(Dense(units))
    model.add(BatchNormalization())
    model.add(Activation("relu"))
    model.add(Dropout(0.2))
model.add(Dense(3, activation="softmax"))

model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.summary()
