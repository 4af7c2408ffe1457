"""Pooling. Expected values were obtained by running the layers in torch 2.13.0 (CPU) and
Keras 3.15.1 on TensorFlow 2.21.0 (model output shape, count_params() and an eager call on
zeros), and are kept here as literals. Pooling has no parameters and counts 0 MACs."""

from __future__ import annotations

import pytest

from tests.helpers import analyze, one, refused


@pytest.mark.parametrize("line, input_shape, shape", [
    ("nn.MaxPool2d(2)", "(1, 64, 224, 224)", (1, 64, 112, 112)),
    ("nn.MaxPool2d(3, stride=2, padding=1)", "(1, 64, 112, 112)", (1, 64, 56, 56)),
    # AlexNet: 55 -> 27 in both modes
    ("nn.MaxPool2d(3, stride=2, ceil_mode=True)", "(1, 96, 55, 55)", (1, 96, 27, 27)),
    ("nn.MaxPool2d(3, stride=2)", "(1, 96, 55, 55)", (1, 96, 27, 27)),
    # ceil gives 4, but the 4th window would start at 6 >= L + p = 6: dropped
    ("nn.MaxPool2d(2, stride=2, padding=1, ceil_mode=True)", "(1, 1, 5, 5)", (1, 1, 3, 3)),
    ("nn.MaxPool1d(2, stride=2, padding=1, ceil_mode=True)", "(1, 1, 4)", (1, 1, 3)),
    ("nn.MaxPool1d(3, stride=2, padding=1, ceil_mode=True)", "(1, 1, 6)", (1, 1, 4)),
    # a kernel larger than the input gives 1 in ceil mode (not for AvgPool3d)
    ("nn.MaxPool2d(9, ceil_mode=True)", "(3, 7, 7)", (3, 1, 1)),
    ("nn.MaxPool3d(9, ceil_mode=True)", "(1, 3, 7, 7, 7)", (1, 3, 1, 1, 1)),
    ("nn.AvgPool1d(9, ceil_mode=True)", "(3, 7)", (3, 1)),
    ("nn.AvgPool2d(9, ceil_mode=True)", "(3, 7, 7)", (3, 1, 1)),
    ("nn.MaxPool2d(3, dilation=2, padding=1)", "(2, 4, 10, 10)", (2, 4, 3, 3)),
    ("nn.MaxPool2d((2, 3), stride=(1, 2), dilation=(1, 2))", "(2, 4, 10, 10)", (2, 4, 9, 3)),
    ("nn.MaxPool3d((1, 2, 2))", "(1, 8, 4, 9, 9)", (1, 8, 4, 4, 4)),
    ("nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False, divisor_override=4)",
     "(8, 16, 16)", (8, 8, 8)),
    ("nn.AvgPool2d(3, stride=(2, 1))", "(1, 1, 8, 8)", (1, 1, 3, 6)),
    ("nn.AvgPool1d(4, stride=3, padding=2, ceil_mode=True)", "(2, 5, 11)", (2, 5, 5)),
    ("nn.LPPool2d(2, 3, stride=2)", "(1, 4, 9, 9)", (1, 4, 4, 4)),
    ("nn.LPPool1d(1.5, 4, ceil_mode=True)", "(4, 10)", (4, 3)),
    ("nn.LPPool3d(2, (1, 2, 2))", "(1, 2, 3, 6, 6)", (1, 2, 3, 3, 3)),
    ("nn.AdaptiveAvgPool2d((1, 1))", "(1, 2048, 7, 7)", (1, 2048, 1, 1)),
    ("nn.AdaptiveAvgPool2d(7)", "(1, 512, 3, 3)", (1, 512, 7, 7)),
    ("nn.AdaptiveMaxPool2d((None, 3))", "(2, 8, 10, 11)", (2, 8, 10, 3)),
    ("nn.AdaptiveAvgPool1d(0)", "(2, 3, 5)", (2, 3, 0)),
    ("nn.AdaptiveMaxPool3d((2, None, 1), return_indices=True)", "(4, 6, 7, 8)", (4, 2, 7, 1)),
    ("nn.AdaptiveAvgPool1d((5,))", "(3, 8)", (3, 5)),
])
def test_torch_pooling(line, input_shape, shape):
    layer = one("pytorch", input_shape, line)
    assert layer.output_shape == shape
    assert (layer.trainable, layer.non_trainable, layer.buffers) == (0, 0, 0)
    assert layer.macs == 0 and layer.flops == 0


@pytest.mark.parametrize("line, input_shape, match", [
    # torch: "pad should be at most half of effective kernel size, but got pad=2,
    # kernel_size=2 and dilation=1"
    ("nn.MaxPool2d(2, padding=2)", "(1, 1, 8, 8)",
     r"padding 2 on axis 1 is more than half the kernel size 2: .*at most kernel_size // 2 = 1"),
    # torch: "max_pool1d() padding should be at most half of kernel size ..."
    ("nn.MaxPool1d(3, padding=2)", "(1, 1, 8)", r"padding 2 is more than half the kernel size 3"),
    # torch: "pad should be smaller than or equal to half of kernel size, but got padW = 2"
    # (k_eff = 5 would allow 2: the limit is the raw kernel)
    ("nn.MaxPool2d(3, padding=2, dilation=2)", "(1, 1, 8, 8)",
     r"kernel_size // 2 = 1 \(the raw kernel, even with dilation 2\)"),
    # torch: "Given input size: (3x7x7). Calculated output size: (3x0x0). Output size is too small"
    ("nn.MaxPool2d(9)", "(3, 7, 7)",
     r"floor\(\(7 − 9\)/9\) \+ 1 < 1 on axis 1: kernel 9 is larger than the padded input 7"),
    # torch: "Calculated output size: (3x-1x-1)": ceil mode does not help with stride 1
    ("nn.MaxPool2d(9, stride=1, ceil_mode=True)", "(3, 7, 7)", r"ceil\(\(7 − 9\)/1\) \+ 1 < 1"),
    ("nn.MaxPool1d(5, dilation=3)", "(3, 7)", r"kernel 13 = 3·\(5−1\)\+1 is larger than the "
     r"padded input 7"),
    # torch: "input image (T: 7 H: 7 W: 7) smaller than kernel size (kT: 9 kH: 9 kW: 9)"
    ("nn.AvgPool3d(9, ceil_mode=True)", "(1, 3, 7, 7, 7)",
     r"input size 7 on axis 1 is smaller than the kernel size 9: AvgPool3d"),
    ("nn.AvgPool3d(8, padding=1)", "(1, 3, 7, 7, 7)", r"padding not counted"),
    ("nn.LPPool3d(2, (1, 9, 1), ceil_mode=True)", "(1, 3, 7, 7, 7)",
     r"input size 7 on axis 2 is smaller than the kernel size 9: LPPool3d"),
    # torch: "divisor must be not zero"
    ("nn.AvgPool2d(2, divisor_override=0)", "(1, 1, 8, 8)", r"divisor_override must not be zero"),
    # torch: "stride should not be zero"
    ("nn.MaxPool2d(2, stride=0)", "(1, 1, 8, 8)", r"stride must be greater than zero"),
    ("nn.MaxPool2d(0)", "(1, 1, 8, 8)", r"kernel_size must be greater than zero, got 0"),
    ("nn.AvgPool1d(2, padding=-1)", "(1, 1, 8)", r"padding must be non-negative, got -1"),
    # torch: "non-empty 3D or 4D (batch mode) tensor expected for input"
    ("nn.MaxPool2d(2)", "(8, 8)", r"expects 4-D \(batched\) or 3-D \(unbatched\) input"),
    ("nn.AvgPool1d(2)", "(8,)", r"expects 3-D \(batched\) or 2-D \(unbatched\) input"),
    # torch: "ValueError: not enough values to unpack (expected 2, got 1)"
    ("nn.LPPool2d(2, (2,))", "(1, 1, 8, 8)", r"kernel_size must be an int or a tuple of 2 ints"),
    # torch: "TypeError: mul(): argument 'other' (position 1) must be Tensor, not tuple"
    ("nn.LPPool1d(2, (2,))", "(1, 1, 8)", r"kernel_size must be an int for LPPool1d"),
    # torch: "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0"
    ("nn.AdaptiveAvgPool2d(-1)", "(1, 1, 8, 8)", r"output_size must be non-negative, got -1"),
    # torch: "adaptive_avg_pool2d: output_size must be 2"
    ("nn.AdaptiveAvgPool2d((2,))", "(1, 1, 8, 8)", r"tuple of 2 entries, each an int or None"),
    # torch: "TypeError: adaptive_avg_pool1d(): argument 'output_size' ... not NoneType"
    ("nn.AdaptiveAvgPool1d(None)", "(1, 1, 8)", r"output_size must be an int or a tuple of one"),
])
def test_torch_pooling_refusals(line, input_shape, match):
    refused("pytorch", input_shape, line, match=match)


def test_torch_pooling_refuses_an_empty_input():
    # torch: "non-empty 2D or 3D (batch mode) tensor expected" after an adaptive pool to 0
    error = refused("pytorch", "(1, 2, 8)", "nn.AdaptiveAvgPool1d(0)", "nn.MaxPool1d(1)",
                    match=r"non-batch dimension to be non-empty, got input shape \(1, 2, 0\)")
    assert error.layer_index == 2


def test_torch_pooling_receptive_field():
    layer = one("pytorch", "(1, 64, 112, 112)", "nn.MaxPool2d(3, stride=2, padding=1)")
    assert [(f.size, f.jump, f.start) for f in layer.receptive_field] == [(3, 2, 0)] * 2
    dilated = one("pytorch", "(1, 1, 20)", "nn.MaxPool1d(3, dilation=2)")
    assert dilated.receptive_field[0].size == 5
    assert one("pytorch", "(1, 8, 7, 7)", "nn.AdaptiveAvgPool2d(1)").receptive_field is None


def test_torch_pooling_symbolic():
    floor_mode = one("pytorch", "(N, C, H, W)", "nn.MaxPool2d(2)")
    assert tuple(map(str, floor_mode.output_shape)) == ("N", "C", "floor(H/2)", "floor(W/2)")
    assert floor_mode.conditions  # H >= 2, W >= 2
    # stride <= k - p: the last window always starts inside, so no min() in the answer
    ceil_mode = one("pytorch", "(N, C, H, W)", "nn.MaxPool2d(3, stride=2, padding=1, "
                    "ceil_mode=True)")
    assert str(ceil_mode.output_shape[2]) == "ceiling(H/2 - 1/2) + 1"
    adaptive = one("pytorch", "(N, C, H, W)", "nn.AdaptiveAvgPool2d((None, 1))")
    assert tuple(map(str, adaptive.output_shape)) == ("N", "C", "H", "1")


@pytest.mark.parametrize("line, input_shape, shape", [
    ("layers.MaxPooling2D()", "(224, 224, 64)", (None, 112, 112, 64)),
    ("layers.MaxPool2D((2, 2))", "(28, 28, 32)", (None, 14, 14, 32)),
    ("layers.MaxPooling2D(pool_size=(3, 3), strides=(2, 2))", "(55, 55, 96)", (None, 27, 27, 96)),
    ("layers.MaxPooling2D(3, strides=2, padding='same')", "(11, 10, 8)", (None, 6, 5, 8)),
    ("layers.AveragePooling2D(3, strides=2, padding='same')", "(11, 10, 8)", (None, 6, 5, 8)),
    ("layers.MaxPooling1D()", "(99, 4)", (None, 49, 4)),
    ("layers.MaxPool1D(4, strides=1)", "(10, 3)", (None, 7, 3)),
    ("layers.AvgPool1D(3, padding='same')", "(10, 3)", (None, 4, 3)),
    ("layers.AveragePooling3D((1, 2, 2))", "(4, 9, 9, 8)", (None, 4, 4, 4, 8)),
    ("layers.MaxPooling3D()", "(5, 9, 9, 2)", (None, 2, 4, 4, 2)),
    ("layers.MaxPooling2D(2, data_format='channels_first')", "(3, 7, 9)", (None, 3, 3, 4)),
    ("layers.AveragePooling2D(9, padding='same')", "(7, 7, 3)", (None, 1, 1, 3)),
    ("layers.MaxPooling2D([2, 3])", "(7, 7, 3)", (None, 3, 2, 3)),
    ("layers.GlobalAveragePooling2D()", "(7, 7, 2048)", (None, 2048)),
    ("layers.GlobalAvgPool2D(keepdims=True)", "(7, 7, 2048)", (None, 1, 1, 2048)),
    ("layers.GlobalMaxPooling1D()", "(50, 16)", (None, 16)),
    ("layers.GlobalMaxPool3D(data_format='channels_first', keepdims=True)", "(4, 3, 5, 6)",
     (None, 4, 1, 1, 1)),
    ("layers.GlobalAveragePooling1D(data_format='channels_first')", "(16, 50)", (None, 16)),
])
def test_keras_pooling(line, input_shape, shape):
    layer = one("keras", input_shape, line)
    assert layer.output_shape == shape
    assert (layer.trainable, layer.non_trainable, layer.macs) == (0, 0, 0)


@pytest.mark.parametrize("line, input_shape, match", [
    # Keras: "Computed output size would be zero or negative. Received: `inputs.shape=[None 7 7 3]`,
    # `pool_size=[9 9]`, `strides=(9, 9)`, `padding=valid`."
    ("layers.MaxPooling2D(9)", "(7, 7, 3)",
     r"Computed output size would be zero or negative on axis 1: floor\(\(7 − 9\)/9\) \+ 1 = 0"),
    # eager AveragePooling returns a 0-length axis, but the symbolic pass raises
    ("layers.AveragePooling1D(4)", "(3, 2)", r"zero or negative: floor\(\(3 − 4\)/4\) \+ 1 = 0"),
    ("layers.AveragePooling3D((2, 2, 9), strides=1)", "(7, 7, 7, 3)",
     r"zero or negative on axis 3: .*pool_size 9 is larger than the input 7"),
    # "Argument `padding` must be either 'valid' or 'same'. Received: padding=SAME"
    ("layers.MaxPooling2D(2, padding='SAME')", "(7, 7, 3)", r"padding must be one of 'valid', "
     r"'same', got 'SAME'"),
    ("layers.MaxPooling1D(2, padding='causal')", "(7, 3)", r"got 'causal'"),
    # ZeroDivisionError when called
    ("layers.MaxPooling2D(2, strides=0)", "(7, 7, 3)", r"strides must be positive"),
    # "The `pool_size` argument must be a tuple of 2 integers. Received pool_size=(2,)"
    ("layers.MaxPooling2D((2,))", "(7, 7, 3)", r"`pool_size` argument must be a tuple of 2"),
    ("layers.MaxPooling2D(0)", "(7, 7, 3)", r"`pool_size` .*`value > 0`, got 0"),
    # TypeError: missing 1 required positional argument: 'pool_size'
    ("layers.AveragePooling2D()", "(7, 7, 3)", r"missing the required argument `pool_size`"),
    ("layers.MaxPooling2D(2)", "(7, 3)", r"expects 4-D \(batch included\) input"),
    ("layers.GlobalAveragePooling2D()", "(7, 3)", r"expects 4-D \(batch included\) input"),
    ("layers.GlobalMaxPooling1D(data_format='foo')", "(7, 3)", r"data_format must be one of"),
    ("layers.MaxPooling2D(2, keepdims=True)", "(7, 7, 3)", r"has no argument `keepdims`"),
])
def test_keras_pooling_refusals(line, input_shape, match):
    refused("keras", input_shape, line, match=match)


def test_keras_same_pooling_receptive_field_uses_tensorflow_padding():
    # L=10, k=3, s=2: total padding 1, all of it at the end
    layer = one("keras", "(10, 3)", "layers.MaxPooling1D(3, strides=2, padding='same')")
    assert layer.output_shape == (None, 5, 3)
    assert (layer.receptive_field[0].size, layer.receptive_field[0].jump) == (3, 2)
    assert one("keras", "(7, 7, 3)", "layers.GlobalMaxPooling2D()").receptive_field is None


def test_keras_pool_name_is_positional():
    # MaxPooling2D(pool_size, strides, padding, data_format, name)
    report = analyze("keras", "(7, 7, 3)", "layers.MaxPooling2D(2, 3, 'valid', None, 'pool')")
    assert report.layers[0].output_shape == (None, 2, 2, 3)
    assert report.layers[0].name == "pool"


@pytest.mark.parametrize("line, input_shape, shape", [
    ("layers.AdaptiveAveragePooling2D(9)", "(7, 7, 3)", (None, 9, 9, 3)),
    ("layers.AdaptiveMaxPooling2D(9)", "(7, 7, 3)", (None, 9, 9, 3)),
    ("layers.AdaptiveMaxPooling1D([4])", "(7, 3)", (None, 4, 3)),
    ("layers.AdaptiveMaxPooling3D((1, 2, 3))", "(4, 5, 6, 2)", (None, 1, 2, 3, 2)),
    ("layers.AdaptiveAveragePooling2D((2, 3), data_format='channels_first')", "(8, 7, 7)",
     (None, 8, 2, 3)),
])
def test_keras_adaptive_pooling(line, input_shape, shape):
    layer = one("keras", input_shape, line)
    assert layer.output_shape == shape
    assert layer.receptive_field is None


@pytest.mark.parametrize("line, input_shape, match", [
    # symbolic (None, 0, 0, 3), but ZeroDivisionError when called
    ("layers.AdaptiveAveragePooling2D(0)", "(7, 7, 3)", r"output_size must be positive, got 0"),
    # "Cannot convert '(None, -1, -1, 3)' to a shape"
    ("layers.AdaptiveMaxPooling2D(-1)", "(7, 7, 3)", r"output_size must be positive, got -1"),
    # TypeError when called: unsupported operand type(s) for /: 'int' and 'NoneType'
    ("layers.AdaptiveAveragePooling2D((3, None))", "(7, 7, 3)", r"a tuple of 2 integers"),
    ("layers.AdaptiveAveragePooling2D(3.0)", "(7, 7, 3)", r"a tuple of 2 integers, got 3.0"),
    # "Invalid data_format: CHANNELS_FIRST": no lower-casing in adaptive pooling
    ("layers.AdaptiveAveragePooling2D(3, data_format='CHANNELS_FIRST')", "(3, 7, 7)",
     r"data_format must be one of"),
    # "not enough values to unpack (expected 2, got 1)" when called
    ("layers.AdaptiveAveragePooling1D(3)", "(7, 7, 3)", r"expects 3-D \(batch included\)"),
])
def test_keras_adaptive_pooling_refusals(line, input_shape, match):
    refused("keras", input_shape, line, match=match)
