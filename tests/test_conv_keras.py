"""Keras convolutions: Conv1D/2D/3D, Conv1DTranspose/2D/3D, DepthwiseConv1D/2D and
SeparableConv1D/2D.

Every expected value below was observed in Keras 3.15.1 on TensorFlow 2.21.0 (CPU, oneDNN
on, as on x86 by default): a keras.Model from keras.Input(shape) through the layer, its
output shape, count_params() and trainable/non-trainable weights, and the same model called
on numpy zeros. Refusals are those Keras raises at construction, at build or when the model
is called. MACs are not reported by Keras; they are counted as FlopCounterMode counts the
equivalent PyTorch module (for a transposed conv, over the input positions).
"""

from __future__ import annotations

import pytest

from tests.helpers import one, refused


def _check(line, input_shape, shape, params, macs=None):
    layer = one("keras", input_shape, line)
    assert layer.output_shape == shape
    assert layer.params == params
    assert layer.trainable == params
    assert layer.non_trainable == 0
    if macs is not None:
        assert layer.macs == macs
        assert layer.flops == 2 * macs
    return layer


# -- Conv1D/2D/3D -----------------------------------------------------------------------------


@pytest.mark.parametrize("line, input_shape, shape, params, macs", [
    # 'same' with an even kernel and stride 2: ceil(L/s)
    ("layers.Conv2D(8, 4, strides=2, padding='same')", "(9, 8, 2)", (None, 5, 4, 8), 264,
     5 * 4 * 8 * 2 * 16),
    ("layers.Conv2D(8, 2, strides=2, padding='same')", "(7, 7, 3)", (None, 4, 4, 8), 104,
     16 * 8 * 3 * 4),
    # 'causal': ceil(L/s), k_eff - 1 on the left
    ("layers.Conv1D(4, 3, strides=2, padding='causal')", "(9, 2)", (None, 5, 4), 28,
     5 * 4 * 2 * 3),
    ("layers.Conv1D(4, 3, dilation_rate=3, padding='causal')", "(9, 2)", (None, 9, 4), 28,
     9 * 4 * 2 * 3),
    ("layers.Conv1D(4, 3, padding='causal', data_format='channels_first')", "(2, 9)",
     (None, 4, 9), 28, 9 * 4 * 2 * 3),
    # groups: ∏k·(C/g)·f + f
    ("layers.Conv2D(4, 3, groups=2, data_format='channels_first')", "(6, 8, 8)",
     (None, 4, 6, 6), 112, 36 * 4 * 3 * 9),
    ("layers.Conv1D(6, 3, groups=3, use_bias=False)", "(8, 6)", (None, 6, 6), 36,
     6 * 6 * 2 * 3),
    ("layers.Conv3D(4, (3, 2, 1), strides=(2, 1, 3), padding='same', "
     "data_format='channels_first')", "(2, 5, 6, 7)", (None, 4, 3, 6, 3), 52,
     54 * 4 * 2 * 6),
    # the alias, and a dilation on one axis only
    ("layers.Convolution2D(4, 3, dilation_rate=(1, 2))", "(8, 8, 2)", (None, 6, 4, 4), 76,
     24 * 4 * 2 * 9),
])
def test_keras_conv(line, input_shape, shape, params, macs):
    _check(line, input_shape, shape, params, macs)


@pytest.mark.parametrize("line, input_shape, match", [
    # build: "Computed output size would be zero or negative"
    ("layers.Conv2D(4, 5)", "(4, 8, 2)",
     r"'valid' output size would be zero or negative: effective kernel 5 is larger than the "
     r"input 4 on axis 1"),
    # build: "The number of input channels must be evenly divisible by the number of groups"
    ("layers.Conv2D(4, 3, groups=2)", "(8, 8, 3)",
     r"number of input channels must be evenly divisible by the number of groups \(3 % 2"),
    # construction: "The number of filters must be evenly divisible by the number of groups"
    ("layers.Conv2D(3, 3, groups=2)", "(8, 8, 4)",
     r"number of filters must be evenly divisible by the number of groups \(3 % 2"),
    # construction: "The `kernel_size` argument must be a tuple of 2 integers"
    ("layers.Conv2D(4, (3,))", "(8, 8, 4)",
     r"`kernel_size` argument must be an int or a tuple of 2 integers, got \(3,\)"),
    # construction, even with the stride and the dilation on different axes
    ("layers.Conv2D(4, 3, strides=(2, 1), dilation_rate=(1, 2))", "(8, 8, 2)",
     r"`strides > 1` not supported in conjunction with `dilation_rate > 1`: strides=\(2, 1\) "
     r"and dilation_rate=\(1, 2\)"),
    # construction: "The `padding` argument must be a list/tuple or one of {'valid', 'same'}"
    ("layers.Conv2D(4, 3, padding='causal')", "(8, 8, 2)",
     r"padding='causal' is only supported by Conv1D, not Conv2D"),
    ("layers.Conv2D(0, 3)", "(8, 8, 2)", r"filters must be at least 1"),
])
def test_keras_conv_refusals(line, input_shape, match):
    refused("keras", input_shape, line, match=match)


# -- Conv1DTranspose/2D/3D --------------------------------------------------------------------


@pytest.mark.parametrize("line, input_shape, shape, params, macs", [
    # output_padding=None, 'valid': (L-1)s + max(k_eff, s)
    ("layers.Conv2DTranspose(4, 3, strides=2)", "(5, 6, 3)", (None, 11, 13, 4), 112,
     30 * 3 * 4 * 9),
    ("layers.Conv2DTranspose(4, 1, strides=3)", "(5, 6, 3)", (None, 15, 18, 4), 16,
     30 * 3 * 4),
    # output_padding=None, 'same': L·s
    ("layers.Conv2DTranspose(4, 4, strides=2, padding='same')", "(5, 6, 3)",
     (None, 10, 12, 4), 196, 30 * 3 * 4 * 16),
    # output_padding given, 'valid': (L-1)s + k_eff + op
    ("layers.Conv2DTranspose(4, 3, strides=2, output_padding=1)", "(5, 6, 3)",
     (None, 12, 14, 4), 112, 30 * 3 * 4 * 9),
    # output_padding given, 'same': (L-1)s + k_eff mod 2 + op
    ("layers.Conv2DTranspose(4, 3, strides=2, padding='same', output_padding=0)", "(5, 6, 3)",
     (None, 9, 11, 4), 112, 30 * 3 * 4 * 9),
    ("layers.Conv1DTranspose(4, 4, strides=3, padding='same', output_padding=1)", "(5, 3)",
     (None, 13, 4), 52, 5 * 3 * 4 * 4),
    # dilated (stride 1): runs with oneDNN; without it TensorFlow's CPU kernel has no dilation
    ("layers.Conv2DTranspose(4, 3, dilation_rate=2)", "(5, 6, 3)", (None, 9, 10, 4), 112,
     30 * 3 * 4 * 9),
    ("layers.Conv2DTranspose(4, 3, strides=(2, 1), output_padding=(1, 0), "
     "data_format='channels_first')", "(3, 5, 6)", (None, 4, 12, 8), 112, 30 * 3 * 4 * 9),
    ("layers.Conv3DTranspose(4, 3, strides=2, padding='same', use_bias=False)", "(3, 5, 6, 2)",
     (None, 6, 10, 12, 4), 216, 90 * 2 * 4 * 27),
    # Conv3DTranspose's positional order puts data_format before output_padding
    ("layers.Convolution3DTranspose(2, 3, 1, 'same', 'channels_first', 0)", "(4, 5, 1, 5)",
     (None, 2, 5, 1, 5), 218, 25 * 4 * 2 * 27),
])
def test_keras_conv_transpose(line, input_shape, shape, params, macs):
    _check(line, input_shape, shape, params, macs)


@pytest.mark.parametrize("line, input_shape, match", [
    # Builds (compute_output_shape gives (None, 4, 4)), but calling the model raises
    # (oneDNN: AbortedError; without it "Size of out_backprop doesn't match computed").
    ("layers.Conv1DTranspose(4, 4, padding='same', output_padding=0)", "(5, 3)",
     r"padding='same' with output_padding 0 and the even effective kernel 4 gives the output "
     r"size \(5−1\)·1 \+ 0 \+ 0 = 4, which Keras builds but TensorFlow rejects"),
    ("layers.Conv2DTranspose(4, 2, strides=2, padding='same', output_padding=(1, 0))",
     "(5, 6, 3)", r"output_padding 0 on axis 2 and the even effective kernel 2"),
    # L = 1 makes the output axis 0: Keras gives (None, 2, 4, 0, 4); oneDNN returns that
    # empty tensor, TensorFlow's native kernel rejects it
    ("layers.Convolution3DTranspose(2, 2, 1, 'same', 'channels_first', 0)", "(4, 5, 1, 5)",
     r"output_padding 0 on axis 1 .* = 4, which Keras builds"),
    ("layers.Conv1DTranspose(4, 2, padding='same', output_padding=0)", "(1, 3)",
     r"\(1−1\)·1 \+ 0 \+ 0 = 0, an empty axis"),
    # construction
    ("layers.Conv2DTranspose(4, 3, strides=2, dilation_rate=2)", "(5, 6, 3)",
     r"`strides > 1` not supported in conjunction with `dilation_rate > 1`"),
    ("layers.Conv2DTranspose(4, 3, strides=2, output_padding=2)", "(5, 6, 3)",
     r"`output_padding` must be strictly less than `strides` for all dimensions: 2 ≥ 2 on "
     r"axis 1"),
    ("layers.Conv1DTranspose(4, 3, padding='causal')", "(5, 3)",
     r"padding='causal' is only supported by Conv1D, not Conv1DTranspose"),
    ("layers.Conv2DTranspose(4, 3, output_padding=(0,))", "(5, 5, 3)",
     r"`output_padding` argument must be an int or a tuple of 2 integers"),
    # "Unrecognized keyword arguments passed to Conv2DTranspose: {'groups': 2}"
    ("layers.Conv2DTranspose(4, 3, groups=2)", "(5, 5, 4)", r"has no argument `groups`"),
])
def test_keras_conv_transpose_refusals(line, input_shape, match):
    refused("keras", input_shape, line, match=match)


def test_keras_conv_transpose_receptive_field():
    """'same' crops TensorFlow's 'same' padding of the forward conv of the output:
    L=5, k=4, s=2 gives out 10, pad total (5-1)·2 + 4 - 10 = 2, left 1; the window is
    (4-1)/2 + 1 = 5/2 input positions, stride 1/2, left padding (4-1-1)/2 = 1."""
    from fractions import Fraction

    layer = one("keras", "(5, 6, 3)", "layers.Conv2DTranspose(4, 4, strides=2, padding='same')")
    axis = layer.receptive_field[0]
    assert (axis.size, axis.jump, axis.start) == (Fraction(5, 2), Fraction(1, 2),
                                                  Fraction(-1, 4))


# -- DepthwiseConv1D/2D -----------------------------------------------------------------------


@pytest.mark.parametrize("line, input_shape, shape, params, macs", [
    # strides > 1 with dilation_rate > 1 is accepted: 'valid' floor((L - k_eff)/s) + 1
    ("layers.DepthwiseConv2D(3, strides=2, dilation_rate=2)", "(9, 10, 3)", (None, 3, 3, 3),
     30, 9 * 3 * 9),
    # ... and 'same' ceil(L/s)
    ("layers.DepthwiseConv2D(3, strides=2, dilation_rate=2, padding='same')", "(9, 10, 3)",
     (None, 5, 5, 3), 30, 25 * 3 * 9),
    ("layers.DepthwiseConv2D(2, strides=3, dilation_rate=3, padding='same', "
     "depth_multiplier=2)", "(9, 10, 3)", (None, 3, 4, 6), 30, 12 * 6 * 4),
    ("layers.DepthwiseConv1D(4, strides=2, dilation_rate=3, padding='same', "
     "data_format='channels_first')", "(3, 9)", (None, 3, 5), 15, 5 * 3 * 4),
    ("layers.DepthwiseConv1D(3, depth_multiplier=2, use_bias=False)", "(9, 4)", (None, 7, 8),
     24, 7 * 8 * 3),
    ("layers.DepthwiseConv2D((3, 1), padding='same', depth_multiplier=4)", "(7, 7, 2)",
     (None, 7, 7, 8), 32, 49 * 8 * 3),
])
def test_keras_depthwise(line, input_shape, shape, params, macs):
    _check(line, input_shape, shape, params, macs)


@pytest.mark.parametrize("line, input_shape, match", [
    ("layers.DepthwiseConv2D(4, strides=2, dilation_rate=3, data_format='channels_first')",
     "(3, 10, 9)", r"effective kernel 10 is larger than the input 9 on axis 2"),
    ("layers.DepthwiseConv1D(3, padding='causal')", "(9, 3)",
     r"padding='causal' is only supported by Conv1D, not DepthwiseConv1D"),
    ("layers.DepthwiseConv2D(3, depth_multiplier=0)", "(9, 10, 3)",
     r"depth_multiplier must be at least 1, got 0"),
    ("layers.DepthwiseConv2D((3,))", "(9, 9, 3)",
     r"`kernel_size` argument must be an int or a tuple of 2 integers"),
])
def test_keras_depthwise_refusals(line, input_shape, match):
    refused("keras", input_shape, line, match=match)


# -- SeparableConv1D/2D -----------------------------------------------------------------------


@pytest.mark.parametrize("line, input_shape, shape, params, macs", [
    # params ∏k·C·dm + C·dm·f + f; MACs depthwise ∏out·C·dm·∏k + pointwise ∏out·C·dm·f
    ("layers.SeparableConv2D(64, 3, padding='same')", "(32, 32, 32)", (None, 32, 32, 64),
     2400, 1024 * 32 * 9 + 1024 * 32 * 64),
    ("layers.SeparableConv2D(5, 3, strides=2, dilation_rate=2, padding='same')", "(9, 10, 3)",
     (None, 5, 5, 5), 47, 25 * 3 * 9 + 25 * 3 * 5),
    ("layers.SeparableConv1D(5, 2, strides=3, dilation_rate=3, depth_multiplier=2)", "(9, 3)",
     (None, 2, 5), 47, 2 * 6 * 2 + 2 * 6 * 5),
    ("layers.SeparableConvolution1D(5, 4, strides=2, dilation_rate=3, padding='same', "
     "data_format='channels_first')", "(3, 9)", (None, 5, 5), 32, 5 * 3 * 4 + 5 * 3 * 5),
    ("layers.SeparableConv2D(5, 3, use_bias=False, depth_multiplier=2)", "(9, 10, 3)",
     (None, 7, 8, 5), 84, 56 * 6 * 9 + 56 * 6 * 5),
])
def test_keras_separable(line, input_shape, shape, params, macs):
    _check(line, input_shape, shape, params, macs)


@pytest.mark.parametrize("line, input_shape, match", [
    ("layers.SeparableConv2D(5, 11)", "(9, 10, 3)",
     r"effective kernel 11 is larger than the input 9 on axis 1"),
    ("layers.SeparableConv1D(5, 3, padding='causal')", "(9, 3)",
     r"padding='causal' is only supported by Conv1D, not SeparableConv1D"),
    ("layers.SeparableConv1D(0, 3)", "(9, 3)", r"filters must be at least 1"),
])
def test_keras_separable_refusals(line, input_shape, match):
    refused("keras", input_shape, line, match=match)


def test_keras_separable_symbolic():
    from shapecalc.symbolic import symbol

    layer = one("keras", "(H, W, C)", "layers.SeparableConv2D(f, 3, depth_multiplier=m)")
    C, f, m = symbol("C"), symbol("f"), symbol("m")
    assert (layer.params - (9 * C * m + C * m * f + f)).expand() == 0


@pytest.mark.parametrize("line, input_shape, trainable, non_trainable", [
    # Keras: kernel (3, 3, 6, 4) frozen; bias (4,), lora_kernel_a (3, 3, 6, 2) and
    # lora_kernel_b (2, 4) trainable
    ("layers.Conv2D(4, 3, lora_rank=2)", "(8, 8, 6)", 4 + 108 + 8, 216),
    ("layers.Conv2D(4, 3, groups=2, lora_rank=2)", "(8, 8, 6)", 4 + 54 + 8, 108),
    ("layers.Conv3D(4, 3, lora_rank=3)", "(5, 5, 5, 2)", 4 + 162 + 12, 216),
    # lora_rank=0 leaves LoRA off
    ("layers.Conv2D(4, 3, lora_rank=0)", "(8, 8, 6)", 220, 0),
])
def test_keras_conv_lora(line, input_shape, trainable, non_trainable):
    layer = one("keras", input_shape, line)
    assert (layer.trainable, layer.non_trainable) == (trainable, non_trainable)


def test_keras_lora_only_on_conv():
    # "Unrecognized keyword arguments passed to Conv2DTranspose: {'lora_rank': 2}"
    refused("keras", "(8, 8, 6)", "layers.Conv2DTranspose(4, 3, lora_rank=2)",
            match="has no argument `lora_rank`")
    # Keras: ValueError "Dimension -1 must be >= 0"
    refused("keras", "(8, 8, 6)", "layers.Conv2D(4, 3, lora_rank=-1)",
            match="lora_rank must be at least 0")
