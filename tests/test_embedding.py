"""Embedding in both frameworks. Expected values were obtained by running nn.Embedding in
torch 2.13.0 (CPU, integer index input) and keras.layers.Embedding in Keras 3.15.1 on
TensorFlow 2.21.0, and are kept here as literals."""

from __future__ import annotations

import pytest

from shapecalc import analyze_text
from tests.helpers import analyze, one, refused


@pytest.mark.parametrize("line, input_shape, shape, trainable, non_trainable", [
    ("nn.Embedding(10, 3)", "(2, 5)", (2, 5, 3), 30, 0),
    ("nn.Embedding(10, 3)", "(5,)", (5, 3), 30, 0),
    ("nn.Embedding(10, 3, padding_idx=-10)", "(5,)", (5, 3), 30, 0),
    ("nn.Embedding(10, 3, padding_idx=9, max_norm=1.0)", "(2, 5)", (2, 5, 3), 30, 0),
    # _freeze=True: the weight has requires_grad=False
    ("nn.Embedding(10, 3, _freeze=True)", "(2, 5, 6)", (2, 5, 6, 3), 0, 30),
    ("nn.Embedding(10, 0)", "(2, 5, 6)", (2, 5, 6, 0), 0, 0),
    ("nn.Embedding(30522, 768, padding_idx=0)", "(8, 128)", (8, 128, 768), 23_440_896, 0),
])
def test_torch_embedding(line, input_shape, shape, trainable, non_trainable):
    layer = one("pytorch", input_shape, line)
    assert layer.output_shape == shape
    assert layer.trainable == trainable
    assert layer.non_trainable == non_trainable
    assert layer.buffers == 0
    assert layer.macs == 0  # a lookup: FlopCounterMode counts nothing


@pytest.mark.parametrize("padding_idx, match", [
    # torch: AssertionError: Padding_idx must be within num_embeddings
    (10, r"padding_idx=10 is not below num_embeddings=10 \(valid: -10 to 9\)"),
    (-11, r"padding_idx=-11 is below -num_embeddings=-10 \(valid: -10 to 9\)"),
])
def test_torch_padding_idx_range(padding_idx, match):
    refused("pytorch", "(5,)", f"nn.Embedding(10, 3, padding_idx={padding_idx})", match=match)


def test_torch_empty_table_fails_at_lookup():
    # torch: index_select(): self indexing axis dim should be positive
    refused("pytorch", "(2, 5)", "nn.Embedding(0, 3)", match="num_embeddings is 0")


def test_torch_negative_size():
    # torch: Trying to create tensor with negative dimension -1: [-1, 3]
    refused("pytorch", "(2, 5)", "nn.Embedding(-1, 3)", match="num_embeddings must be at least 0")


def test_torch_embedding_symbolic():
    layer = one("pytorch", "(N, L)", "nn.Embedding(V, E)")
    assert str(layer.output_shape) == "(N, L, E)"
    assert str(layer.params) == "E*V"


@pytest.mark.parametrize("line, input_shape, shape, trainable, non_trainable", [
    # Keras casts a float input to indices: any input is accepted
    ("layers.Embedding(10, 3)", "(5,)", (None, 5, 3), 30, 0),
    ("layers.Embedding(10, 3)", "()", (None, 3), 30, 0),
    ("layers.Embedding(10, 3)", "(4, 5)", (None, 4, 5, 3), 30, 0),
    ("layers.Embedding(10, 3, mask_zero=True)", "(4, 5)", (None, 4, 5, 3), 30, 0),
    # deprecated, still accepted with a warning
    ("layers.Embedding(10, 3, input_length=5)", "(5,)", (None, 5, 3), 30, 0),
    # LoRA: the table is frozen, 10·2 + 2·3 trained
    ("layers.Embedding(10, 3, lora_rank=2)", "(5,)", (None, 5, 3), 26, 30),
])
def test_keras_embedding(line, input_shape, shape, trainable, non_trainable):
    layer = one("keras", input_shape, line)
    assert layer.output_shape == shape
    assert layer.trainable == trainable
    assert layer.non_trainable == non_trainable


@pytest.mark.parametrize("line, match", [
    # Keras: `input_dim` must be a positive integer. Received: input_dim=0 (of type int).
    ("layers.Embedding(0, 3)", "input_dim must be a positive integer, got 0"),
    ("layers.Embedding(10, 0)", "output_dim must be a positive integer, got 0"),
    ("layers.Embedding(10.0, 3)", "input_dim must be a positive integer, got 10.0"),
])
def test_keras_embedding_refusals(line, match):
    refused("keras", "(5,)", line, match=match)


def test_embedding_keeps_the_receptive_field():
    report = analyze("keras", "(32, 3)", "layers.Conv1D(4, 3)", "layers.Embedding(10, 2)")
    assert report.layers[1].receptive_field == report.layers[0].receptive_field


@pytest.mark.parametrize("dtype, accepted", [
    ("int64", True), ("torch.long", True), ("int32", True), ("", True),  # unstated: indices
    ("float32", False), ("bool", False), ("float16   # half precision", False),
])
def test_an_input_may_declare_its_dtype(dtype, accepted):
    report = analyze("pytorch", f"(2, 7) {dtype}", "nn.Embedding(100, 8)")
    if accepted:
        assert not report.errors and report.output_shape == (2, 7, 8)
    else:
        assert "needs integer token indices" in str(report.errors[0])


def test_the_codes_own_dtype_decides():
    made = "x = torch.{}\ny = nn.Embedding(100, 8)(x)"
    assert analyze_text(spec_code(made.format("randint(0, 100, (2, 7))"))).output_shape == \
        (2, 7, 8)
    refusal = analyze_text(spec_code(made.format("randn(2, 7)"))).errors[0]
    assert "float tensor" in str(refusal)  # PyTorch: expected Long, Int


def spec_code(code: str) -> str:
    return f"convention: pytorch\nimport torch\nimport torch.nn as nn\n{code}\n"
