# keras.io's "Text classification from scratch" (IMDB) pasted whole (layout and idioms of
# that example, our code): os.environ["KERAS_BACKEND"], `import tensorflow as tf`, `import
# string`, `import re`, a custom_standardization(input_data) using tf.strings, the model
# constants max_features / embedding_dim / sequence_length, `inputs = keras.Input(shape=(None,),
# dtype="int64")`, layers.Embedding(max_features, embedding_dim), Dropout, two strided
# "valid" Conv1D, GlobalMaxPooling1D, a named sigmoid Dense "predictions", compile, fit,
# evaluate. Changes: the Conv1D kernels are 3 with stride 2 (7 and 3 in the example) so that
# the 16 tokens the recorder feeds a None-length input pass both convs; the data cells
# (the aclImdb download, text_dataset_from_directory, TextVectorization and its adapt, which
# need TensorFlow) and the end-to-end string model are comments; fit and evaluate run on
# small np.zeros int64 arrays of sequence_length tokens.
convention: keras

import os

os.environ["KERAS_BACKEND"] = "tensorflow"

import keras
import tensorflow as tf
import numpy as np
from keras import layers
import string
import re

# !curl -O https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz
# !tar -xf aclImdb_v1.tar.gz
# !rm -r aclImdb/train/unsup

batch_size = 32
# raw_train_ds = keras.utils.text_dataset_from_directory(
#     "aclImdb/train", batch_size=batch_size, validation_split=0.2,
#     subset="training", seed=1337)
# raw_val_ds = ... subset="validation" ...; raw_test_ds = ... "aclImdb/test" ...


# the reviews hold "<br />" tags: strip them, then the punctuation
def custom_standardization(input_data):
    lowercase = tf.strings.lower(input_data)
    stripped_html = tf.strings.regex_replace(lowercase, "<br />", " ")
    return tf.strings.regex_replace(
        stripped_html, f"[{re.escape(string.punctuation)}]", ""
    )


# Model constants.
max_features = 20000
embedding_dim = 128
sequence_length = 500

# vectorize_layer = keras.layers.TextVectorization(
#     standardize=custom_standardization, max_tokens=max_features,
#     output_mode="int", output_sequence_length=sequence_length)
# text_ds = raw_train_ds.map(lambda x, y: x)
# vectorize_layer.adapt(text_ds)
# train_ds = raw_train_ds.map(vectorize_text) ...
x_train = np.zeros((64, sequence_length), dtype="int64")
y_train = np.zeros((64, 1), dtype="float32")
x_test = np.zeros((16, sequence_length), dtype="int64")
y_test = np.zeros((16, 1), dtype="float32")

# an integer input: token indices
inputs = keras.Input(shape=(None,), dtype="int64")

# the indices go through an embedding layer
x = layers.Embedding(max_features, embedding_dim)(inputs)
x = layers.Dropout(0.5)(x)

# 1D convolutions and global max pooling
x = layers.Conv1D(128, 3, padding="valid", activation="relu", strides=2)(x)
x = layers.Conv1D(128, 3, padding="valid", activation="relu", strides=2)(x)
x = layers.GlobalMaxPooling1D()(x)

# a dense hidden layer
x = layers.Dense(128, activation="relu")(x)
x = layers.Dropout(0.5)(x)

# one sigmoid unit: the probability of a positive review
predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)

model = keras.Model(inputs, predictions)

# binary crossentropy with the adam optimizer
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])

epochs = 3

# Fit the model using the train and test datasets.
model.fit(x_train, y_train, validation_data=(x_test, y_test), epochs=epochs)

model.evaluate(x_test, y_test)

# inputs = keras.Input(shape=(1,), dtype="string")
# indices = vectorize_layer(inputs)
# outputs = model(indices)
# end_to_end_model = keras.Model(inputs, outputs)
