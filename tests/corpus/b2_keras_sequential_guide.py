# The keras.io "Sequential model" guide's idioms (our code; its 250x250x3 example
# sizes): an empty keras.Sequential() grown with model.add(keras.Input(...)) and
# model.add(layers...), `model.pop()` of the last layer, then feature extraction:
# keras.Model(inputs=initial_model.inputs, outputs=[layer.output for layer in
# initial_model.layers]) — one output per layer, a list comprehension over model.layers.
convention: keras

import keras
from keras import layers

model = keras.Sequential()
model.add(keras.Input(shape=(250, 250, 3)))  # 250x250 RGB images
model.add(layers.Conv2D(32, 5, strides=2, activation="relu"))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.MaxPooling2D(3))

# Can you guess what the current output shape is at this point? Probably not.
# Let's just print it:
model.summary()

# The answer was: (40, 40, 32), so we can keep downsampling...

model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.MaxPooling2D(3))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.Conv2D(32, 3, activation="relu"))
model.add(layers.MaxPooling2D(2))
model.add(layers.Dense(10))

# A layer too many: take the Dense back off.
model.pop()
print(len(model.layers))

# Now that we have 4x4 feature maps, time to apply global max pooling.
model.add(layers.GlobalMaxPooling2D())

# Finally, we add a classification layer.
model.add(layers.Dense(10))

initial_model = model
feature_extractor = keras.Model(
    inputs=initial_model.inputs,
    outputs=[layer.output for layer in initial_model.layers],
)
model = feature_extractor
