# The keras.io "text classification from scratch" model (our code; its sizes: 20000
# tokens, 128-d embedding, two Conv1D(128, 7, strides=3), 500-token sequences). The
# TextVectorization layer needs TensorFlow, so, as the guide's "option 2" does, the model
# starts at integer token ids: keras.Input(shape=(sequence_length,), dtype="int64") (the
# guide uses shape=(None,)), Embedding, Dropout, strided valid Conv1D, GlobalMaxPooling1D,
# a sigmoid unit named "predictions".
convention: keras

import keras
from keras import layers

# Model constants.
max_features = 20000
embedding_dim = 128
sequence_length = 500

# A integer input for vocab indices.
inputs = keras.Input(shape=(sequence_length,), dtype="int64")

# Next, we add a layer to map those vocab indices into a space of dimensionality
# 'embedding_dim'.
x = layers.Embedding(max_features, embedding_dim)(inputs)
x = layers.Dropout(0.5)(x)

# Conv1D + global max pooling
x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
x = layers.GlobalMaxPooling1D()(x)

# We add a vanilla hidden layer:
x = layers.Dense(128, activation="relu")(x)
x = layers.Dropout(0.5)(x)

# We project onto a single unit output layer, and squash it with a sigmoid:
predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)

model = keras.Model(inputs, predictions)

# Compile the model with binary crossentropy loss and an adam optimizer.
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
