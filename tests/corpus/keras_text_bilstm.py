# A bidirectional-LSTM sentiment classifier over token ids of any length: keras.Input with
# shape=(None,) and dtype "int32", Embedding, two Bidirectional(LSTM(...)) layers (the
# first with return_sequences=True), one sigmoid unit.
convention: keras

import keras
from keras import layers

max_features = 20000  # vocabulary size
embedding_dim = 128

inputs = keras.Input(shape=(None,), dtype="int32")
x = layers.Embedding(max_features, embedding_dim)(inputs)
x = layers.Bidirectional(layers.LSTM(64, return_sequences=True))(x)
x = layers.Bidirectional(layers.LSTM(64))(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.summary()
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
