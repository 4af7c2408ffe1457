"""Multi-head attention. Expected values were obtained by running the layers in torch
2.13.0 (CPU, train mode, FLOPs from FlopCounterMode) and Keras 3.15.1 on TensorFlow 2.21.0
(functional model on keras.Input, then called on zeros), and are kept here as literals."""

from __future__ import annotations

import pytest

from shapecalc import analyze_text
from tests.helpers import one, refused


def torch_functional(line: str, *shapes) -> str:
    names = ["q", "k", "v"]
    inputs = "".join(f"{n} = torch.randn{s}\n" for n, s in zip(names, shapes))
    return f"convention: pytorch\n{inputs}out = {line}({', '.join(names[:len(shapes)])})\n"


def keras_functional(line: str, *shapes) -> str:
    names = ["q", "v", "k"]
    inputs = "".join(f"{n} = Input(shape={s})\n" for n, s in zip(names, shapes))
    return f"convention: keras\n{inputs}out = {line}({', '.join(names[:len(shapes)])})\n"


@pytest.mark.parametrize("line, input_shape, shape, params, flops", [
    ("nn.MultiheadAttention(8, 2)", "(5, 3, 8)", (5, 3, 8), 288, 10_080),
    ("nn.MultiheadAttention(8, 2, add_bias_kv=True)", "(5, 3, 8)", (5, 3, 8), 304, 10_560),
    ("nn.MultiheadAttention(8, 2, add_zero_attn=True, bias=False)", "(5, 3, 8)", (5, 3, 8),
     256, 10_560),
    ("nn.MultiheadAttention(8, 2, batch_first=True)", "(3, 5, 8)", (3, 5, 8), 288, 10_080),
    # a negative dropout is never checked (dropout applies only when p > 0)
    ("nn.MultiheadAttention(8, 2, dropout=-1.5)", "(5, 8)", (5, 8), 288, 3360),
])
def test_torch_self_attention(line, input_shape, shape, params, flops):
    layer = one("pytorch", input_shape, line)
    assert layer.output_shape == shape
    assert layer.params == params
    assert layer.flops == flops
    assert layer.receptive_field is None  # global


@pytest.mark.parametrize("line, shapes, shape, params, flops", [
    ("nn.MultiheadAttention(8, 2, kdim=4, vdim=6)", ((5, 3, 8), (7, 3, 4), (7, 3, 6)),
     (5, 3, 8), 240, 10_560),
    ("nn.MultiheadAttention(8, 2, batch_first=True)", ((3, 5, 8), (3, 7, 8), (3, 7, 8)),
     (3, 5, 8), 288, 12_576),
    ("nn.MultiheadAttention(8, 2)", ((5, 8), (7, 8), (7, 8)), (5, 8), 288, 4192),
])
def test_torch_cross_attention(line, shapes, shape, params, flops):
    report = analyze_text(torch_functional(line, *shapes))
    assert not report.errors, report.errors[0]
    layer = report.layers[-1]
    assert (layer.output_shape, layer.params, layer.flops) == (shape, params, flops)


@pytest.mark.parametrize("line, shapes, match", [
    ("nn.MultiheadAttention(8, 2)", ((5, 3, 8), (7, 2, 8), (7, 2, 8)),
     r"batch size 2, but the query has 3"),
    ("nn.MultiheadAttention(8, 2)", ((5, 3, 8), (7, 3, 8), (6, 3, 8)),
     r"key shape \(7, 3, 8\) does not match value shape \(6, 3, 8\)"),
    ("nn.MultiheadAttention(8, 2, kdim=4, vdim=6)", ((5, 3, 8), (7, 3, 4), (6, 3, 6)),
     r"key's sequence and batch dims do not match value's"),
    ("nn.MultiheadAttention(8, 2, kdim=4, vdim=6)", ((5, 3, 8), (7, 3, 5), (7, 3, 6)),
     r"key's last dimension to be kdim=4, got 5"),
    ("nn.MultiheadAttention(8, 2)", ((5, 3, 8), (7, 8), (7, 8)), r"key must be 3-D too"),
    ("nn.MultiheadAttention(8, 2)", ((5, 3, 8), (7, 3, 8)), r"query, key and value"),
])
def test_torch_cross_attention_refusals(line, shapes, match):
    report = analyze_text(torch_functional(line, *shapes))
    assert report.errors and pytest.importorskip("re").search(match, str(report.errors[0])), \
        report.errors


@pytest.mark.parametrize("line, input_shape, match", [
    ("nn.MultiheadAttention(8, 3)", "(5, 3, 8)", r"embed_dim must be divisible by num_heads"),
    ("nn.MultiheadAttention(0, 3)", "(5, 3, 8)", r"must be greater than 0"),
    ("nn.MultiheadAttention(8, 2)", "(5, 3, 6)", r"embed_dim=8, got 6"),
    ("nn.MultiheadAttention(8, 2, dropout=1.5)", "(5, 8)", r"between 0 and 1, got 1.5"),
    ("nn.MultiheadAttention(8, 2)", "(5, 3, 2, 8)", r"2-D .* or batched 3-D"),
])
def test_torch_refusals(line, input_shape, match):
    refused("pytorch", input_shape, line, match=match)


@pytest.mark.parametrize("line, input_shape, shape, params", [
    ("layers.MultiHeadAttention(2, 3, output_shape=(2, 3))", "(4, 5)", (None, 4, 2, 3), 150),
    ("layers.MultiHeadAttention(2, 4, output_shape=(2, 3))", "(3, 1)", (None, 3, 2, 3), 102),
    ("layers.MultiHeadAttention(2, 3, use_gate=True)", "(2, 3)", (None, 2, 3), 117),
    ("layers.MultiHeadAttention(3, 1, use_bias=False, use_gate=True)", "(3, 1, 6)",
     (None, 3, 1, 6), 90),
    ("layers.MultiHeadAttention(2, 3)", "(2, 3, 4, 5)", (None, 2, 3, 4, 5), 143),
    # Keras accepts the heads axis (-1) as an attention axis
    ("layers.MultiHeadAttention(2, 3, attention_axes=-1)", "(3, 4, 5)", (None, 3, 4, 5), 143),
])
def test_keras_self_attention(line, input_shape, shape, params):
    layer = one("keras", input_shape, line)
    assert layer.output_shape == shape
    assert layer.params == params


@pytest.mark.parametrize("line, shapes, shape, params", [
    ("layers.MultiHeadAttention(2, 2, value_dim=3, output_shape=(2, 3))", ((2, 5), (4, 6)),
     (None, 2, 2, 3), 136),
    ("layers.MultiHeadAttention(2, 4, use_gate=True)", ((2, 6), (4, 3), (4, 6)),
     (None, 2, 6), 254),
    ("layers.MultiHeadAttention(2, 3, attention_axes=2)", ((3, 4, 5), (3, 6, 7)),
     (None, 3, 4, 5), 167),
])
def test_keras_cross_attention(line, shapes, shape, params):
    report = analyze_text(keras_functional(line, *shapes))
    assert not report.errors, report.errors[0]
    layer = report.layers[-1]
    assert (layer.output_shape, layer.params) == (shape, params)


def test_keras_macs():
    # projections 4·5·6 each for q, k, v; QKᵀ and AV 2·4·4·3 each; output 4·6·5
    layer = one("keras", "(4, 5)", "layers.MultiHeadAttention(2, 3)")
    assert layer.macs == 3 * 4 * 5 * 6 + 2 * 2 * 4 * 4 * 3 + 4 * 6 * 5


@pytest.mark.parametrize("line, shapes, match", [
    ("layers.MultiHeadAttention(2, 3)", ((4, 5), (6, 7), (5, 2)),
     r"all dimensions of `value` and `key`, except the last one, must be equal"),
    ("layers.MultiHeadAttention(2, 3, attention_axes=2)", ((3, 4, 5), (2, 6, 7)),
     r"axis 1 is not an attention axis"),
    ("layers.MultiHeadAttention(2, 3)", ((4, 5), (3, 4, 5)), r"same rank"),
    ("layers.MultiHeadAttention(2, 3, attention_axes=(1, 1))", ((3, 4, 5),), r"given twice"),
    ("layers.MultiHeadAttention(2, 3, attention_axes=4)", ((3, 4, 5),), r"out of range"),
])
def test_keras_refusals(line, shapes, match):
    report = analyze_text(keras_functional(line, *shapes))
    assert report.errors and pytest.importorskip("re").search(match, str(report.errors[0])), \
        report.errors


@pytest.mark.parametrize("line, input_shape, match", [
    # symbolic Keras gives (None, 5), but the call fails in Softmax
    ("layers.MultiHeadAttention(2, 3)", "(5,)", r"rank 3 or more"),
    ("layers.MultiHeadAttention(0, 3)", "(4, 5)", r"`num_heads`, expected a positive integer"),
    ("layers.MultiHeadAttention(2, 3, value_dim=0)", "(4, 5)", r"`value_dim`"),
    ("layers.MultiHeadAttention(2, 3, sliding_window=0)", "(4, 5)", r"`sliding_window`"),
    ("layers.MultiHeadAttention(2, 3, dropout=0.5, flash_attention=True)", "(4, 5)",
     r"flash attention"),
])
def test_keras_layer_refusals(line, input_shape, match):
    refused("keras", input_shape, line, match=match)
