"""Convolutions. Expected values were obtained by running the layers in torch 2.13.0 (CPU)
and Keras 3.15.1 on TensorFlow 2.21.0, and are kept here as literals."""

from __future__ import annotations

import pytest

from tests.helpers import one, refused


@pytest.mark.parametrize("line, input_shape, shape, params, macs", [
    # torch: nn.Conv2d(3, 64, 3, padding=1)(torch.zeros(1, 3, 224, 224)).shape
    ("nn.Conv2d(3, 64, kernel_size=3, padding=1)", "(1, 3, 224, 224)", (1, 64, 224, 224),
     1792, 86_704_128),
    # floor((256 + 0 - 2*(5-1) - 1)/2) + 1 = 124 (seed 003 Q5, PyTorch)
    ("nn.Conv2d(64, 32, 5, stride=2, dilation=2)", "(1, 64, 256, 256)", (1, 32, 124, 124),
     51_232, 1 * 124 * 124 * 32 * 64 * 25),
    ("nn.Conv1d(7, 16, 3)", "(2, 7, 500)", (2, 16, 498), 352, 2 * 498 * 16 * 7 * 3),
    ("nn.Conv2d(4, 8, 3, groups=2, bias=False)", "(4, 10, 10)", (8, 8, 8), 144, 64 * 8 * 2 * 9),
    ("nn.Conv2d(4, 8, 4, padding='same', dilation=2)", "(1, 4, 9, 9)", (1, 8, 9, 9),
     520, 81 * 8 * 4 * 16),
    ("nn.Conv3d(2, 4, (1, 3, 3), stride=(1, 2, 2))", "(1, 2, 5, 9, 9)", (1, 4, 5, 4, 4),
     76, 5 * 4 * 4 * 4 * 2 * 9),
])
def test_torch_conv(line, input_shape, shape, params, macs):
    layer = one("pytorch", input_shape, line)
    assert layer.output_shape == shape
    assert layer.params == params
    assert layer.macs == macs
    assert layer.flops == 2 * macs


@pytest.mark.parametrize("line, input_shape, shape, params", [
    ("layers.Conv1D(16, kernel_size=3)", "(500, 7)", (None, 498, 16), 352),
    ("layers.Conv2D(64, (3, 3), strides=1, padding='same')", "(256, 256, 3)",
     (None, 256, 256, 64), 1792),
    # Keras 'same' is ceil(L/s) for any stride
    ("layers.Conv2D(8, 3, strides=2, padding='same')", "(11, 10, 3)", (None, 6, 5, 8), 224),
    ("layers.Conv1D(4, 3, dilation_rate=2, padding='causal')", "(10, 2)", (None, 10, 4), 28),
    ("layers.Conv2D(8, 3, data_format='channels_first')", "(3, 10, 10)", (None, 8, 8, 8), 224),
])
def test_keras_conv(line, input_shape, shape, params):
    layer = one("keras", input_shape, line)
    assert layer.output_shape == shape
    assert layer.params == params


def test_torch_kernel_larger_than_input_is_refused_with_numbers():
    error = refused("pytorch", "(1, 256, 11, 11)", "nn.Conv2d(256, 128, 5, stride=2, dilation=8)",
                    match=r"effective kernel 33 = 8·\(5−1\)\+1 is larger than the padded input 11")
    assert error.layer_index == 1


def test_keras_refuses_strides_with_dilation():
    refused("keras", "(256, 256, 64)", "layers.Conv2D(32, (5, 5), strides=2, dilation_rate=2)",
            match=r"strides > 1.*dilation_rate > 1")


def test_torch_same_with_stride_is_refused():
    refused("pytorch", "(1, 3, 8, 8)", "nn.Conv2d(3, 3, 3, stride=2, padding='same')",
            match="padding='same' is not supported for strided convolutions")


def test_torch_channel_mismatch():
    refused("pytorch", "(2, 3, 16, 16)", "nn.Conv2d(4, 8, 3)",
            match="expected input with 4 channels")


# -- PyTorch Conv: one-element tuples ---------------------------------------------------------


def test_torch_one_element_stride_is_repeated():
    # torch: nn.Conv2d(3, 4, 3, stride=(2,))(torch.zeros(1, 3, 8, 8)) -> (1, 4, 3, 3)
    layer = one("pytorch", "(1, 3, 8, 8)", "nn.Conv2d(3, 4, 3, stride=(2,))")
    assert layer.output_shape == (1, 4, 3, 3)
    assert layer.macs == 972


def test_torch_one_element_kernel_is_refused():
    # torch: RuntimeError "expected stride to be a single integer value or a list of 1 values"
    refused("pytorch", "(1, 3, 8, 8)", "nn.Conv2d(3, 4, (3,))",
            match=r"kernel_size \(3,\) has one entry, but Conv2d needs 2")


@pytest.mark.parametrize("line, shape, macs", [
    # A non-zeros padding_mode with padding=(p,) pads only the last axis (F.pad gets 2
    # values); PyTorch allows it for the unbatched Conv2d input.
    ("nn.Conv2d(3, 4, 3, padding=(1,), padding_mode='reflect')", (4, 6, 6), 3888),
    ("nn.Conv2d(3, 4, 3, padding=(2,), padding_mode='circular')", (4, 6, 8), 5184),
])
def test_torch_padding_mode_one_element_padding_unbatched(line, shape, macs):
    layer = one("pytorch", "(3, 8, 6)", line)
    assert layer.output_shape == shape
    assert layer.params == 112
    assert layer.macs == macs


@pytest.mark.parametrize("line, input_shape, shape", [
    # 'same' with a one-element dilation and a non-zeros padding_mode pads the first axis
    # only (PyTorch zips dilation with kernel_size when it builds the F.pad list)
    ("nn.Conv2d(1, 1, 3, 1, 'same', (2,), padding_mode='reflect')", "(1, 1, 7, 8)",
     (1, 1, 7, 4)),
    ("nn.Conv3d(1, 1, 3, 1, 'same', (2,), padding_mode='reflect')", "(1, 1, 7, 8, 9)",
     (1, 1, 7, 4, 5)),
    ("nn.Conv2d(1, 1, 2, 1, 'same', (1,), padding_mode='replicate')", "(1, 1, 5, 6)",
     (1, 1, 5, 5)),
    # with zeros the convolution pads every axis itself
    ("nn.Conv2d(1, 1, 3, 1, 'same', (2,))", "(1, 1, 7, 8)", (1, 1, 7, 8)),
])
def test_torch_same_with_one_element_dilation(line, input_shape, shape):
    assert one("pytorch", input_shape, line).output_shape == shape


@pytest.mark.parametrize("line, input_shape", [
    # torch: NotImplementedError "Padding size 2 is not supported for 4D input tensor"
    ("nn.Conv2d(3, 4, 3, padding=(1,), padding_mode='reflect')", "(1, 3, 8, 8)"),
    ("nn.Conv3d(3, 4, 3, padding=(1,), padding_mode='replicate')", "(3, 8, 8, 8)"),
])
def test_torch_padding_mode_one_element_padding_refused(line, input_shape):
    refused("pytorch", input_shape, line, match=r"one-element padding \(1,\) gives F.pad 2 "
            r"values, which a (reflect|replicate) pad of a 4-D input does not accept")


def test_torch_symbolic_groups_are_a_condition_not_a_refusal():
    layer = one("pytorch", "(1, C, 8, 8)", "nn.Conv2d(C, 8, 3, groups=2)")
    assert layer.output_shape == (1, 8, 6, 6)
    assert any("Mod(C, 2)" in c for c in layer.conditions)


# -- PyTorch ConvTranspose ------------------------------------------------------------------


@pytest.mark.parametrize("line, input_shape, shape, params, macs", [
    # values from torch 2.13.0: output shape, sum of parameters, FlopCounterMode total // 2
    ("nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1)", "(1, 16, 7, 7)", (1, 8, 14, 14),
     2056, 100_352),
    ("nn.ConvTranspose2d(4, 6, (3, 2), stride=2, padding=1, groups=2)", "(2, 4, 5, 7)",
     (2, 6, 9, 12), 78, 5040),
    ("nn.ConvTranspose1d(4, 6, 3, bias=False)", "(4, 5)", (6, 7), 72, 360),
    ("nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1)", "(1, 8, 8, 8)",
     (1, 4, 16, 16), 292, 18_432),
    # output_padding 1 is allowed by dilation 2 even with stride 1
    ("nn.ConvTranspose1d(2, 2, 3, output_padding=1, dilation=2)", "(1, 2, 5)", (1, 2, 10),
     14, 60),
    ("nn.ConvTranspose3d(4, 6, (3, 2, 1), stride=2, padding=1, groups=2, dilation=2)",
     "(4, 5, 7, 3)", (6, 11, 13, 3), 78, 7560),
    ("nn.ConvTranspose2d(3, 4, 3, stride=(2, 1), output_padding=(1, 0))", "(1, 3, 5, 5)",
     (1, 4, 12, 7), 112, 2700),
    ("nn.ConvTranspose1d(4, 6, 3, padding=5)", "(1, 4, 10)", (1, 6, 2), 78, 720),
    # positional order: in, out, kernel, stride, padding, output_padding, groups, bias, dilation
    ("nn.ConvTranspose2d(4, 6, 3, 2, 1, 1, 2, False, 1)", "(1, 4, 5, 5)", (1, 6, 10, 10),
     108, 2700),
])
def test_torch_conv_transpose(line, input_shape, shape, params, macs):
    layer = one("pytorch", input_shape, line)
    assert layer.output_shape == shape
    assert layer.params == params
    assert layer.buffers == 0
    assert layer.macs == macs
    assert layer.flops == 2 * macs


@pytest.mark.parametrize("line, input_shape, match", [
    # torch: TypeError "conv_transpose2d(): argument 'padding' must be tuple of ints"
    ("nn.ConvTranspose2d(3, 4, 3, padding='same')", "(1, 3, 5, 5)",
     r"ConvTranspose2d has no string padding"),
    # torch: ValueError 'Only "zeros" padding mode is supported for ConvTranspose2d'
    ("nn.ConvTranspose2d(3, 4, 3, padding_mode='reflect')", "(1, 3, 5, 5)",
     r"only padding_mode='zeros' is supported for ConvTranspose2d, got 'reflect'"),
    # torch: RuntimeError "output padding must be smaller than either stride or dilation"
    ("nn.ConvTranspose2d(3, 4, 3, output_padding=1)", "(1, 3, 5, 5)",
     r"output padding must be smaller than either stride or dilation.*1 ≥ 1 and 1 ≥ 1"),
    ("nn.ConvTranspose2d(3, 4, 3, stride=(2, 1), output_padding=(0, 1))", "(1, 3, 5, 5)",
     r"smaller than either stride or dilation.*on axis 2"),
    # torch: RuntimeError "Calculated output size per channel: (-2 x -2). Output size is too
    # small" (oneDNN: "could not construct a memory descriptor")
    ("nn.ConvTranspose2d(3, 4, 3, padding=3)", "(1, 3, 2, 2)",
     r"\(2−1\)·1 − 2·3 \+ 1·\(3−1\) \+ 0 \+ 1 = -2 is too small on axis 1"),
    ("nn.ConvTranspose1d(3, 4, 1, padding=1)", "(1, 3, 2)", r"= 0 is too small"),
    # an output of exactly 0 is refused even where PyTorch's oneDNN kernel (picked here for
    # groups > 1) returns an empty (2, 0) tensor
    ("nn.ConvTranspose1d(2, 2, 1, 2, 1, 1, 2, False, 1)", "(2, 1)", r"= 0 is too small"),
    ("nn.ConvTranspose2d(4, 4, 3)", "(1, 3, 5, 5)", r"expected input with 4 channels"),
    ("nn.ConvTranspose2d(4, 3, 3, groups=2)", "(1, 4, 5, 5)",
     r"out_channels must be divisible by groups \(3 % 2 ≠ 0\)"),
    ("nn.ConvTranspose2d(4, 4, 3, output_padding=-1, stride=2)", "(1, 4, 5, 5)",
     r"negative output_padding"),
    ("nn.ConvTranspose2d(4, 4, 3)", "(1, 1, 4, 5, 5)", r"expects 4-D \(batched\) or 3-D"),
    ("nn.ConvTranspose2d(3, 4, (3,))", "(1, 3, 5, 5)", r"kernel_size \(3,\) has one entry"),
])
def test_torch_conv_transpose_refusals(line, input_shape, match):
    refused("pytorch", input_shape, line, match=match)


def test_torch_conv_transpose_receptive_field_uses_fractional_stride():
    """The transposed conv is a window of (k_eff-1)/s + 1 input positions, stride 1/s, left
    padding (k_eff-1-p)/s: exact fractions, not floats."""
    from fractions import Fraction

    from tests.helpers import analyze

    report = analyze("pytorch", "(1, 3, 16, 16)",
                     "nn.Conv2d(3, 8, 3, stride=2, padding=1)",
                     "nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1)",
                     "nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1)")
    assert not report.errors
    first, second, third = (layer.receptive_field[0] for layer in report.layers)
    assert (first.size, first.jump, first.start) == (3, 2, 0)
    # size 3 + (5/2 - 1)·2, jump 2·1/2, start 0 + ((5/2 - 1)/2 - 1)·2
    assert (second.size, second.jump, second.start) == (6, 1, Fraction(-1, 2))
    # kernel 2, stride 1/2, padding 1/2: size 6 + 1, jump 1/2, start -1/2 + (1/2 - 1/2)
    assert (third.size, third.jump, third.start) == (7, Fraction(1, 2), Fraction(-1, 2))
    assert isinstance(third.jump, Fraction)


def test_torch_conv_transpose_symbolic():
    from shapecalc.symbolic import symbol

    layer = one("pytorch", "(N, C, H, W)", "nn.ConvTranspose2d(C, D, k, stride=s, padding=p)")
    H, k, p, s, C, D = (symbol(name) for name in "HkpsCD")
    assert (layer.output_shape[2] - ((H - 1) * s - 2 * p + k)).expand() == 0
    assert (layer.params - (C * D * k**2 + D)).expand() == 0
