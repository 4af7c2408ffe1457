# A forecasting model over 24 steps of 5 features: stacked LSTMs, the last one with
# return_state=True unpacked into three tensors (output, state_h, state_c), the states
# concatenated for a Dense head; a TimeDistributed(Dense) per-step head as the second output.
convention: keras

import keras
from keras import layers

n_steps, n_features = 24, 5

inputs = keras.Input(shape=(n_steps, n_features))
seq = layers.LSTM(32, return_sequences=True)(inputs)
per_step = layers.TimeDistributed(layers.Dense(1), name="per_step")(seq)
last, state_h, state_c = layers.LSTM(16, return_state=True)(seq)
x = layers.Concatenate()([last, state_h, state_c])
forecast = layers.Dense(n_features, name="forecast")(x)
model = keras.Model(inputs, [forecast, per_step])
