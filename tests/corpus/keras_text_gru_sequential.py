# A Sequential text classifier with a fixed sequence length: layers.Input(shape=(maxlen,)),
# Embedding, SpatialDropout1D, a GRU returning sequences (reset_after defaults to True:
# two bias vectors), GlobalMaxPooling1D, Dense layers; a Conv1D branch-free text model.
convention: keras

from tensorflow import keras
from tensorflow.keras import layers

vocab_size = 10000
maxlen = 100
embedding_dim = 64

model = keras.Sequential([
    layers.Input(shape=(maxlen,)),
    layers.Embedding(input_dim=vocab_size, output_dim=embedding_dim),
    layers.SpatialDropout1D(0.2),
    layers.Conv1D(64, 5, activation="relu"),
    layers.GRU(64, return_sequences=True),
    layers.GlobalMaxPooling1D(),
    layers.Dense(32, activation="relu"),
    layers.Dropout(0.5),
    layers.Dense(4, activation="softmax"),
])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
