# Custom layers: a Linear layer whose weights are made in build(input_shape) with
# add_weight (input_shape[-1] gives the fan-in), a non-trainable running counter weight, a
# composite layer holding other layers, get_config; used in a functional model.
convention: keras

import keras
from keras import layers, ops


class Linear(keras.layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.units),
            initializer="random_normal",
            trainable=True,
            name="kernel",
        )
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True, name="bias")
        self.calls = self.add_weight(shape=(), initializer="zeros", trainable=False, name="calls")

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        config = super().get_config()
        config.update({"units": self.units})
        return config


class MLPBlock(keras.layers.Layer):
    """Three Linear layers with ReLU between them."""

    def __init__(self, widths=(64, 32), out_units=1, **kwargs):
        super().__init__(**kwargs)
        self.hidden = [Linear(w) for w in widths]
        self.out = Linear(out_units)

    def call(self, inputs):
        x = inputs
        for layer in self.hidden:
            x = ops.relu(layer(x))
        return self.out(x)


inputs = keras.Input(shape=(16,))
x = MLPBlock(widths=(64, 32), out_units=8)(inputs)
x = layers.LayerNormalization()(x)
outputs = Linear(1)(x)
model = keras.Model(inputs=inputs, outputs=outputs)
