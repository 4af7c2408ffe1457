# keras.io's "Image classification from scratch" (cats vs dogs) pasted whole (layout and
# idioms of that example, our code): os.environ["KERAS_BACKEND"], `image_size = (180, 180)`
# made (64, 64) here, a `data_augmentation_layers` list applied by `def
# data_augmentation(images): for layer in data_augmentation_layers: images = layer(images)`
# inside make_model (the example's "option 1"), `make_model(input_shape=image_size + (3,),
# num_classes=2)` with Rescaling, a strided entry conv, `previous_block_activation`
# residuals over `for size in [256, 512, 728]`, SeparableConv2D(1024), `units = 1 if
# num_classes == 2`, a logits Dense, compile with BinaryCrossentropy(from_logits=True) and
# callbacks. Left out, as comments: the download / corrupted-image filtering /
# image_dataset_from_directory cells, plot_model (needs pydot), fit and the inference cell
# (they need the PetImages folder).
convention: keras

import os

os.environ["KERAS_BACKEND"] = "tensorflow"

import numpy as np
import keras
from keras import layers

# !curl -O https://download.microsoft.com/download/3/E/1/3E1C3F21-ECDB-4869-8368-6DEBA77B919F/kagglecatsanddogs_5340.zip
# !unzip -q kagglecatsanddogs_5340.zip
# (filtering out corrupted images and image_dataset_from_directory("PetImages", ...) go here)

image_size = (64, 64)
batch_size = 128

data_augmentation_layers = [
    layers.RandomFlip("horizontal"),
    layers.RandomRotation(0.1),
]


def data_augmentation(images):
    for layer in data_augmentation_layers:
        images = layer(images)
    return images


def make_model(input_shape, num_classes):
    inputs = keras.Input(shape=input_shape)

    # augmentation in the model: it runs on the device, and only in training
    x = data_augmentation(inputs)

    # Entry block
    x = layers.Rescaling(1.0 / 255)(x)
    x = layers.Conv2D(128, 3, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    previous_block_activation = x  # Set aside residual

    for size in [256, 512, 728]:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)

        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)

        # Project residual
        residual = layers.Conv2D(size, 1, strides=2, padding="same")(
            previous_block_activation
        )
        x = layers.add([x, residual])  # Add back residual
        previous_block_activation = x  # Set aside next residual

    x = layers.SeparableConv2D(1024, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)

    x = layers.GlobalAveragePooling2D()(x)
    if num_classes == 2:
        units = 1
    else:
        units = num_classes

    x = layers.Dropout(0.25)(x)
    # logits: no activation
    outputs = layers.Dense(units, activation=None)(x)
    return keras.Model(inputs, outputs)


model = make_model(input_shape=image_size + (3,), num_classes=2)
# keras.utils.plot_model(model, show_shapes=True)

epochs = 25

callbacks = [
    keras.callbacks.ModelCheckpoint("save_at_{epoch}.keras"),
]
model.compile(
    optimizer=keras.optimizers.Adam(3e-4),
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[keras.metrics.BinaryAccuracy(name="acc")],
)
# model.fit(
#     train_ds,
#     epochs=epochs,
#     callbacks=callbacks,
#     validation_data=val_ds,
# )
