"""The columns Keras' summary prints for a functional model, against Keras 3.15.1: each
layer's "Connected to" (the layers whose outputs it reads) and its input shapes. Skipped
where keras is not installed."""

from __future__ import annotations

import warnings

import pytest

keras = pytest.importorskip("keras")

from shapecalc import analyze_text  # noqa: E402

# branches of different kernels merged twice, one of them concatenated with the input
CODE = """\
img = keras.Input(shape=(16, 16, 3), name="img")
a = layers.Conv2D(8, 3, padding="same")(img)
b = layers.Conv2D(8, 1)(img)
c = layers.Add()([a, b])
d = layers.MaxPooling2D()(c)
e = layers.Conv2D(3, 3, padding="same")(layers.UpSampling2D()(d))
f = layers.Concatenate()([e, img])
model = keras.Model(img, f)
"""


def keras_columns() -> dict[str, tuple]:
    namespace = {"keras": keras, "layers": keras.layers}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(CODE, namespace)  # test-side only: the code is our own fixture
    model = namespace["model"]
    columns = {}
    for layer in model.layers[1:]:
        tensors = layer._inbound_nodes[0].input_tensors
        columns[layer.name] = (tuple(t._keras_history.operation.name for t in tensors),
                               tuple(tuple(t.shape) for t in tensors))
    return columns


def test_connected_to_and_input_shapes_are_keras():
    report = analyze_text("convention: keras\n" + CODE)
    assert not report.errors, report.errors[0].message
    ours = {layer.name: (layer.inputs, layer.input_shapes) for layer in report.layers}
    assert ours == keras_columns()
