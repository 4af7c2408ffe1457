# The keras.io "transfer learning & fine-tuning" recipe (our code), without downloaded
# weights: a small functional conv base of our own stands in for
# keras.applications.Xception(include_top=False), `base_model.trainable = False`, the
# augmentation as keras.Sequential([RandomFlip, RandomRotation]) called on the Input,
# Rescaling(scale=1 / 127.5, offset=-1), `x = base_model(x, training=False)` (a Model used
# as a layer, kept in inference mode), GlobalAveragePooling2D, Dropout, Dense(1).
convention: keras

import keras
from keras import layers


def tiny_base(input_shape, include_top=False):
    """Stands in for a pretrained application model (no downloads here)."""
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(32, 3, strides=2, padding="same", use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    for filters in (64, 128):
        x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    return keras.Model(inputs, x, name="tiny_base")


data_augmentation = keras.Sequential(
    [layers.RandomFlip("horizontal"), layers.RandomRotation(0.1),]
)

base_model = tiny_base(input_shape=(150, 150, 3), include_top=False)

# Freeze the base_model
base_model.trainable = False

# Create new model on top
inputs = keras.Input(shape=(150, 150, 3))
x = data_augmentation(inputs)  # Apply random data augmentation

# Pre-trained weights requires that input be scaled
# from (0, 255) to a range of (-1., +1.), the rescaling layer
# outputs: `(inputs * scale) + offset`
scale_layer = layers.Rescaling(scale=1 / 127.5, offset=-1)
x = scale_layer(x)

# The base model contains batchnorm layers. We want to keep them in inference mode
# when we unfreeze the base model for fine-tuning, so we make sure that the
# base_model is running in inference mode here.
x = base_model(x, training=False)
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dropout(0.2)(x)  # Regularize with dropout
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)

model.summary(show_trainable=True)
