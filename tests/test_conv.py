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
