"""Linear, Bilinear, Identity (PyTorch) and Dense, Identity (Keras). Expected values were
obtained by running the layers in torch 2.13.0 (CPU, FLOPs from
torch.utils.flop_counter.FlopCounterMode) and Keras 3.15.1 on TensorFlow 2.21.0 (model
output shape, trainable/non-trainable weights), and are kept here as literals."""

from __future__ import annotations

import pytest

from shapecalc import analyze_text
from tests.helpers import analyze, one, refused


@pytest.mark.parametrize("line, input_shape, shape, params, flops", [
    # unbatched (F,): FlopCounterMode counts 2·20·10
    ("nn.Linear(20, 10)", "(20,)", (10,), 210, 400),
    ("nn.Linear(20, 10)", "(2, 20)", (2, 10), 210, 800),
    # N-D input: all leading axes are rows, 2·(2·3·4)·20·10
    ("nn.Linear(20, 10)", "(2, 3, 4, 20)", (2, 3, 4, 10), 210, 9600),
    ("nn.Linear(20, 10, bias=False)", "(3, 4, 20)", (3, 4, 10), 200, 4800),
    # a zero-size output axis is accepted (torch warns that the init is a no-op)
    ("nn.Linear(1, 0)", "(3, 4, 1)", (3, 4, 0), 0, 0),
])
def test_torch_linear(line, input_shape, shape, params, flops):
    layer = one("pytorch", input_shape, line)
    assert layer.output_shape == shape
    assert layer.params == layer.trainable == params
    assert layer.buffers == 0
    assert layer.flops == flops


@pytest.mark.parametrize("input_shape, torch_text", [
    ("(20,)", r"\(1x20 and 21x10\)"),
    ("(2, 20)", r"\(2x20 and 21x10\)"),
    ("(2, 3, 20)", r"\(6x20 and 21x10\)"),
])
def test_torch_linear_feature_mismatch(input_shape, torch_text):
    error = refused("pytorch", input_shape, "nn.Linear(21, 10)",
                    match=r"last axis has 20 features but in_features is 21")
    assert pytest.importorskip("re").search(torch_text, str(error))
    assert "use in_features=20" in str(error)


def test_torch_linear_negative_size():
    # torch: "Trying to create tensor with negative dimension -1: [10, -1]"
    refused("pytorch", "(3, 1)", "nn.Linear(-1, 10)", match="in_features must be at least 0")


def test_torch_linear_symbolic():
    layer = one("pytorch", "(N, T, F)", "nn.Linear(F, D)")
    assert str(layer.output_shape) == "(N, T, D)"
    assert str(layer.macs) == "D*F*N*T"


def test_torch_linear_symbolic_mismatch_is_a_condition():
    report = analyze("pytorch", "(N, T, 20)", "nn.Linear(F, D)")
    assert not report.errors
    assert any("Eq(20, F)" in c for c in report.layers[0].conditions)


def test_torch_linear_receptive_field():
    # after a conv the last axis is W: Linear mixes a spatial axis
    report = analyze("pytorch", "(1, 3, 10)", "nn.Conv1d(3, 8, 3)", "nn.Linear(8, 4)")
    assert report.layers[0].receptive_field is not None
    assert report.layers[1].output_shape == (1, 8, 4)
    assert report.layers[1].receptive_field is None


def _two_inputs(shape1: str, shape2: str, line: str):
    return analyze_text(f"convention: pytorch\nx1 = torch.randn{shape1}\n"
                        f"x2 = torch.randn{shape2}\ny = {line}(x1, x2)\n")


@pytest.mark.parametrize("shape1, shape2, shape", [
    ("(5,)", "(4,)", (3,)),
    ("(2, 5)", "(2, 4)", (2, 3)),
    ("(2, 3, 5)", "(2, 3, 4)", (2, 3, 3)),
])
def test_torch_bilinear(shape1, shape2, shape):
    report = _two_inputs(shape1, shape2, "nn.Bilinear(5, 4, 3)")
    assert not report.errors, report.errors
    layer = report.layers[0]
    assert layer.output_shape == shape
    assert layer.params == 5 * 4 * 3 + 3
    assert layer.flops == 0  # torch.bilinear is _trilinear: FlopCounterMode counts 0


@pytest.mark.parametrize("shape1, shape2, match", [
    # torch: bilinear(): input batch dimensions do not match at dim 0: got 2 and 3
    ("(2, 5)", "(3, 4)", r"axis 0 is 2 in input1 \(2, 5\) and 3 in input2"),
    # torch: bilinear(): input dimensions do not match: got 3 and 2
    ("(2, 3, 5)", "(3, 4)", r"same rank, got 3-D .* and 2-D"),
    # torch: bilinear(): input2 size does not match weight size: got 5 but expected 4
    ("(2, 5)", "(2, 5)", r"input2's last axis has 5 features but in2_features is 4"),
])
def test_torch_bilinear_refusals(shape1, shape2, match):
    report = _two_inputs(shape1, shape2, "nn.Bilinear(5, 4, 3)")
    assert report.errors
    assert pytest.importorskip("re").search(match, str(report.errors[0])), report.errors[0]


def test_torch_identity_ignores_any_arguments():
    layer = one("pytorch", "(2, 3)", "nn.Identity(3, 4, foo=5)")
    assert layer.output_shape == (2, 3)
    assert layer.params == 0


@pytest.mark.parametrize("line, input_shape, shape, trainable, non_trainable, macs", [
    ("layers.Dense(10)", "(5,)", (None, 10), 60, 0, 50),
    ("layers.Dense(10)", "(3, 5)", (None, 3, 10), 60, 0, 150),
    # Dense acts on the last axis of any rank (channels-last)
    ("layers.Dense(10)", "(3, 4, 5)", (None, 3, 4, 10), 60, 0, 600),
    ("layers.Dense(10, use_bias=False)", "(3, 4, 5)", (None, 3, 4, 10), 50, 0, 600),
    ("layers.Dense(10, activation='relu', name='fc')", "(5,)", (None, 10), 60, 0, 50),
    # LoRA: the kernel is frozen, the factors 5·2 + 2·10 and the bias are trained
    ("layers.Dense(10, lora_rank=2)", "(5,)", (None, 10), 40, 50, 50),
    ("layers.Dense(4, lora_rank=3, use_bias=False)", "(2, 6)", (None, 2, 4), 30, 24, 48),
])
def test_keras_dense(line, input_shape, shape, trainable, non_trainable, macs):
    layer = one("keras", input_shape, line)
    assert layer.output_shape == shape
    assert layer.trainable == trainable
    assert layer.non_trainable == non_trainable
    assert layer.macs == macs


def test_keras_dense_keeps_the_receptive_field():
    report = analyze("keras", "(32, 32, 3)", "layers.Conv2D(8, 3)", "layers.Dense(5)")
    assert report.layers[1].receptive_field == report.layers[0].receptive_field


def test_keras_dense_input_dim_declares_the_input():
    report = analyze_text("convention: keras\nlayers.Dense(10, input_dim=5)\n")
    assert report.layers[0].output_shape == (None, 10)
    assert report.layers[0].params == 60


def test_keras_dense_on_rank_1_is_refused():
    # Keras: "expected min_ndim=2, found ndim=1. Full shape received: (None,)"
    refused("keras", "()", "layers.Dense(10)", match=r"at least 2-D.*\(None,\)")


@pytest.mark.parametrize("units", ["0", "-1", "2.5"])
def test_keras_dense_units_must_be_positive(units):
    # Keras: "Received an invalid value for `units`, expected a positive integer."
    refused("keras", "(5,)", f"layers.Dense({units})",
            match=rf"units must be a positive integer, got {units}")


def test_keras_identity():
    assert one("keras", "(3, 4)", "layers.Identity()").output_shape == (None, 3, 4)
    # Keras: "Unrecognized keyword arguments passed to Identity: {'foo': 1}"
    refused("keras", "(3, 4)", "layers.Identity(foo=1)", match="no argument `foo`")


def test_einsum_dense_counts_every_letter_once_per_sample():
    # abc,cd->abd on (None, 16, 64) with d = 32: a kernel 64x32 and a bias 32 (Keras 3.15.1
    # counts 2,080); each sample multiplies 16·64·32 times
    layer = one("keras", "(16, 64)",
                "layers.EinsumDense('abc,cd->abd', output_shape=(None, 32), bias_axes='d')")
    assert layer.output_shape == (None, None, 32)  # Keras keeps the None output_shape gives
    assert (layer.trainable, layer.macs) == (2080, 16 * 64 * 32)
    heads = one("keras", "(10, 64)",
                "layers.EinsumDense('abc,cde->abde', output_shape=(None, 4, 16), "
                "bias_axes='de')")
    assert (heads.output_shape, heads.trainable, heads.macs) == \
        ((None, None, 4, 16), 64 * 4 * 16 + 4 * 16, 10 * 64 * 4 * 16)


def test_einsum_dense_ellipsis_axes_multiply_the_work():
    layer = one("keras", "(5, 6, 64)",
                "layers.EinsumDense('...b,bc->...c', output_shape=32, bias_axes='c')")
    assert layer.output_shape == (None, 6, 5, 32)  # Keras' order for a left ellipsis
    assert layer.macs == 5 * 6 * 64 * 32
