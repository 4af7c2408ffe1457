"""Flatten, Unflatten/Reshape, Permute, RepeatVector, padding, cropping, upsampling and
shuffles. Expected shapes and refusals were obtained by running the layers in torch 2.13.0
(CPU, a plain forward pass on zeros) and Keras 3.15.1 on TensorFlow 2.21.0 (a functional
model on keras.Input, its count_params(), and a call on numpy zeros), and are kept here as
literals. None of these layers has parameters, buffers or MACs."""

from __future__ import annotations

from fractions import Fraction

import pytest

from tests.helpers import analyze, one, refused


@pytest.mark.parametrize("line, input_shape, shape", [
    ("nn.Flatten()", "(2, 3, 4, 5)", (2, 60)),
    ("nn.Flatten(0)", "(5,)", (5,)),
    ("nn.Flatten(-3, -2)", "(2, 3, 4)", (6, 4)),
    ("nn.Unflatten(1, (2, -1))", "(2, 6)", (2, 2, 3)),
    ("nn.Unflatten(-1, (2, 2, 3))", "(12,)", (2, 2, 3)),
    ("nn.ZeroPad2d((1, 2, 3, 4))", "(1, 3, 8, 8)", (1, 3, 15, 11)),
    # negative padding crops; a 0-size dim is accepted by the constant pad
    ("nn.ZeroPad2d(-2)", "(2, 4, 4)", (2, 0, 0)),
    # the tuple's length, not the class, decides how many dims are padded
    ("nn.ZeroPad2d((1, 2))", "(2, 4, 4, 4)", (2, 4, 4, 7)),
    ("nn.ZeroPad1d(1)", "(4,)", (6,)),
    ("nn.ConstantPad3d(1, 3.5)", "(2, 4, 4, 4)", (2, 6, 6, 6)),
    ("nn.ReflectionPad2d(3)", "(1, 3, 4, 4)", (1, 3, 10, 10)),
    # reflection refuses only when every padded dim ends below 1
    ("nn.ReflectionPad2d((-4, 0, 0, 0))", "(2, 4, 4)", (2, 4, 0)),
    ("nn.ReflectionPad1d((1, 2, 1, 1))", "(2, 4, 4)", (2, 6, 7)),
    ("nn.ReplicationPad1d(5)", "(2, 4)", (2, 14)),
    ("nn.ReplicationPad3d(1)", "(1, 2, 4, 4, 4)", (1, 2, 6, 6, 6)),
    ("nn.CircularPad1d((4, 4))", "(2, 4)", (2, 12)),
    # the same padding is refused on (1, 2): see test_torch_circular_overlap
    ("nn.CircularPad1d((-1, 2))", "(2, 2)", (2, 3)),
    # W is cropped to 0, so the overlapping wrap copy on H moves no element and passes
    ("nn.CircularPad2d((-2, 0, -2, 2))", "(1, 3, 2)", (1, 3, 0)),
    ("nn.Upsample(scale_factor=2)", "(1, 3, 8)", (1, 3, 16)),
    # floor(100 · 0.29) in double precision is 28 (100 · 0.29 = 28.999999999999996)
    ("nn.Upsample(scale_factor=0.29)", "(1, 2, 100)", (1, 2, 28)),
    ("nn.Upsample(size=(5, 7), mode='bilinear')", "(1, 3, 4, 4)", (1, 3, 5, 7)),
    ("nn.Upsample(scale_factor=1.5, mode='trilinear')", "(1, 1, 3, 4, 5)", (1, 1, 4, 6, 7)),
    # area is an adaptive average pool: a 0-size output is accepted
    ("nn.Upsample(scale_factor=0.1, mode='area')", "(1, 2, 4)", (1, 2, 0)),
    ("nn.UpsamplingBilinear2d(scale_factor=2)", "(1, 2, 4, 3)", (1, 2, 8, 6)),
    # the "2d" classes follow their mode's ranks: nearest also takes 3-D input
    ("nn.UpsamplingNearest2d(scale_factor=2)", "(1, 2, 4)", (1, 2, 8)),
    ("nn.PixelShuffle(2)", "(2, 8, 4, 6)", (2, 2, 8, 12)),
    ("nn.PixelUnshuffle(2)", "(8, 4, 6)", (32, 2, 3)),
    ("nn.ChannelShuffle(2)", "(2, 8, 4, 6)", (2, 8, 4, 6)),
])
def test_torch_shapes(line, input_shape, shape):
    layer = one("pytorch", input_shape, line)
    assert layer.output_shape == shape
    assert (layer.params, layer.buffers, layer.macs, layer.flops) == (0, 0, 0, 0)


@pytest.mark.parametrize("line, input_shape, match", [
    # torch: IndexError: Dimension out of range (expected to be in range of [-1, 0], but got 1)
    ("nn.Flatten()", "(5,)", r"start_dim=1 is out of range for a 1-D input.*\[-1, 0\]"),
    ("nn.Flatten(2, 1)", "(2, 3, 4)", r"start_dim cannot come after end_dim.*dims 2 and 1"),
    ("nn.Unflatten(1, (4, 2))", "(2, 6)",
     r"\(4, 2\) does not multiply up to the size of dim 1 \(6\)"),
    ("nn.Unflatten(1, (-1, -1))", "(2, 6)", r"only one dimension can be inferred"),
    ("nn.Unflatten(1, ())", "(2, 6)", r"must be non-empty"),
    ("nn.Unflatten(1, 6)", "(2, 6)", r"unflattened_size must be a tuple of ints, got 6"),
    # torch: narrow(): length must be non-negative
    ("nn.ZeroPad1d((-5, 0))", "(2, 4)", r"padding \(-5, 0\) crops more than the size 4 of dim 1"),
    ("nn.ZeroPad1d((2, -5))", "(2, 4)", r"padding \(2, -5\) crops more than the size 4"),
    ("nn.ZeroPad2d((1, 2, 3))", "(2, 4, 4)", r"padding length must be divisible by 2, got 3"),
    # torch: Padding size should be less than the corresponding input dimension
    ("nn.ReflectionPad2d(4)", "(1, 3, 4, 4)", r"reflection padding 4 must be less than the size 4"),
    # torch: NotImplementedError: Padding size 2 is not supported for 1D input tensor
    ("nn.ReflectionPad1d(1)", "(4,)", r"length 2 is not supported for a 1-D input.*2-D "
                                      r"\(unbatched\) or 3-D \(batched\)"),
    ("nn.ReplicationPad2d(1)", "(1, 1, 2, 4, 4)", r"not supported for a 5-D input.*3-D "
                                                  r"\(unbatched\) or 4-D \(batched\)"),
    # torch: input (H: 4, W: 4) is too small. Calculated output H: 0 W: 0
    ("nn.ReflectionPad2d(-2)", "(2, 4, 4)", r"too small: the padded dims would be \(0, 0\)"),
    ("nn.CircularPad1d((5, 0))", "(2, 4)", r"circular padding 5 is larger than the size 4.*"
                                           r"wrap around more than once"),
    ("nn.CircularPad2d(1)", "(4, 4)", r"expects 3-D \(unbatched\) or 4-D \(batched\) input, "
                                      r"got 2-D"),
    ("nn.CircularPad1d((-3, -3))", "(2, 4)", r"negative size -2"),
    ("nn.Upsample(scale_factor=2, mode='bilinear')", "(1, 3, 8)",
     r"mode='bilinear' needs 4-D input.*got 3-D"),
    ("nn.Upsample(scale_factor=2)", "(3, 8)", r"needs 3-D, 4-D or 5-D input"),
    ("nn.Upsample(size=4, align_corners=True)", "(1, 3, 8)",
     r"align_corners can only be set with the interpolating modes"),
    ("nn.Upsample(size=4, scale_factor=2)", "(1, 3, 8)", r"only one of size or scale_factor"),
    # Upsample stores `float(s) if s else None`, so a scale of 0 is no scale
    ("nn.Upsample(scale_factor=0)", "(1, 3, 8)", r"either size or scale_factor"),
    ("nn.Upsample(scale_factor=0.1)", "(1, 2, 4)", r"greater than 0.*input \(4,\) and "
                                                   r"output \(0,\)"),
    ("nn.Upsample(size=3, mode='lanczos')", "(1, 2, 4, 4)", r"antialias"),
    ("nn.PixelShuffle(3)", "(2, 8, 4, 6)", r"size 8.*divisible by upscale_factor² = 3² = 9"),
    ("nn.PixelUnshuffle(3)", "(8, 4, 6)", r"height 4 must be divisible by downscale_factor 3"),
    ("nn.ChannelShuffle(3)", "(2, 8, 4, 6)", r"8 channels and 3 groups"),
    ("nn.ChannelShuffle(2)", "(8, 4)", r"at least 3-D .* got 2-D"),
])
def test_torch_refusals(line, input_shape, match):
    refused("pytorch", input_shape, line, match=match)


def test_torch_circular_overlap():
    """torch: CircularPad1d((-1, 2)) on (1, 2) raises "some elements of the input tensor and
    the written-to tensor refer to a single memory location": the right wrap copies out[0:2]
    into out[1:3]. With a batch of 2 the views are not dense and PyTorch skips the check."""
    refused("pytorch", "(1, 2)", "nn.CircularPad1d((-1, 2))", match=r"do not line up")


@pytest.mark.parametrize("line, input_shape, shape", [
    ("layers.Flatten()", "()", (None, 1)),
    ("layers.Flatten()", "(4, 5, 3)", (None, 60)),
    ("layers.Flatten(data_format='channels_first')", "(3, 4, 5)", (None, 60)),
    ("layers.Reshape((-1, 3))", "(4, 6)", (None, 8, 3)),
    ("layers.Reshape((2, 2, 3))", "(12,)", (None, 2, 2, 3)),
    ("layers.Permute((2, 1))", "(3, 5)", (None, 5, 3)),
    ("layers.Permute((1, 3, 2))", "(2, 3, 4)", (None, 2, 4, 3)),
    ("layers.RepeatVector(3)", "(4,)", (None, 3, 4)),
    ("layers.ZeroPadding1D()", "(4, 2)", (None, 6, 2)),
    ("layers.ZeroPadding2D()", "(4, 5, 3)", (None, 6, 7, 3)),
    ("layers.ZeroPadding2D(((1, 2), (3, 4)))", "(4, 5, 3)", (None, 7, 12, 3)),
    ("layers.ZeroPadding2D((1, 2), data_format='channels_first')", "(3, 4, 5)",
     (None, 3, 6, 9)),
    ("layers.ZeroPadding3D(1)", "(2, 2, 2, 1)", (None, 4, 4, 4, 1)),
    ("layers.Cropping1D()", "(5, 2)", (None, 3, 2)),
    ("layers.Cropping2D(((1, 0), (2, 0)))", "(5, 5, 1)", (None, 4, 3, 1)),
    ("layers.Cropping3D()", "(3, 3, 3, 1)", (None, 1, 1, 1, 1)),
    ("layers.UpSampling1D()", "(3, 2)", (None, 6, 2)),
    ("layers.UpSampling2D((2, 3), interpolation='bilinear')", "(4, 5, 1)", (None, 8, 15, 1)),
    ("layers.UpSampling2D(data_format='channels_first')", "(1, 4, 5)", (None, 1, 8, 10)),
    ("layers.UpSampling3D(2)", "(1, 2, 3, 1)", (None, 2, 4, 6, 1)),
])
def test_keras_shapes(line, input_shape, shape):
    layer = one("keras", input_shape, line)
    assert layer.output_shape == shape
    assert (layer.params, layer.non_trainable, layer.macs) == (0, 0, 0)


@pytest.mark.parametrize("line, input_shape, match", [
    # Keras: The total size of the tensor must be unchanged. Received: input_shape=(4,), ...
    ("layers.Reshape((5,))", "(4,)", r"total size of the tensor must be unchanged.*\(None, 4\) "
                                     r"has 4 elements"),
    ("layers.Reshape((-1, -1))", "(4,)", r"at most one unknown dimension \(-1\)"),
    ("layers.Reshape((3, 0, -1))", "(1, 4)", r"total size of the tensor must be unchanged"),
    ("layers.Reshape((-2, 2))", "(4,)", r"non-negative integer, or -1"),
    # Keras: expected ndim=3, found ndim=2
    ("layers.Permute((2, 1))", "(3,)", r"expects 3-D .* got 2-D"),
    ("layers.Permute((0, 1))", "(3, 5)", r"permutation of 1\.\.n.*\(0, 1\)"),
    ("layers.RepeatVector(3)", "(4, 4)", r"expects 2-D .* got 3-D"),
    ("layers.RepeatVector(0)", "(4,)", r"n must be a positive integer, got 0"),
    # Keras builds the model (shape (None, 2, 3, 3)) but the call fails in TensorFlow's Pad:
    # "Paddings must be non-negative: -1 -1"
    ("layers.ZeroPadding2D(-1)", "(4, 5, 3)", r"negative padding -1.*Cropping2D"),
    ("layers.ZeroPadding1D((-2, 3))", "(4, 2)", r"padding must be ≥ 0, got \(-2, 3\)"),
    ("layers.ZeroPadding2D((1, 2, 3))", "(4, 5, 3)", r"padding should have 2 elements"),
    ("layers.Cropping1D((2, 3))", "(5, 2)", r"cropping \(2, 3\) must be smaller than the "
                                            r"spatial dimension 5"),
    ("layers.Cropping2D(-1)", "(5, 5, 1)", r"cropping cannot be negative, got -1"),
    ("layers.Cropping2D(2)", "(3, 4, 2)", r"cropping \(2, 2\) must be smaller than the spatial "
                                          r"dimension 3 on axis 1"),
    ("layers.Cropping2D((0, 2), data_format='channels_first')", "(2, 5, 3)",
     r"dimension 3 on axis 2"),
    ("layers.UpSampling2D(interpolation='gaussian')", "(4, 5, 1)",
     r"interpolation must be one of 'bilinear', 'nearest'.*'gaussian'"),
    ("layers.UpSampling1D(0)", "(3, 2)", r"size must be positive"),
    # Keras: The `size` argument must be a tuple of 2 integers. Received size=(2,)
    ("layers.UpSampling2D((2,))", "(4, 5, 1)", r"size must be an int or a tuple of 2 integers"),
    ("layers.UpSampling1D((2,))", "(3, 2)", r"size must be an integer"),
    ("layers.UpSampling2D()", "(4, 5)", r"expects 4-D .* got 3-D"),
])
def test_keras_refusals(line, input_shape, match):
    refused("keras", input_shape, line, match=match)


# -- receptive field ---------------------------------------------------------------------------


def _field(convention, input_shape, *lines):
    report = analyze(convention, input_shape, *lines)
    assert not report.errors, str(report.errors[0])
    return [(a.size, a.jump, a.start) for a in report.layers[-1].receptive_field]


def test_padding_and_cropping_shift_the_start():
    # ZeroPad2d((left, right, top, bottom)): H is padded by top=3, W by left=1
    assert _field("pytorch", "(1, 3, 8, 8)", "nn.ZeroPad2d((1, 2, 3, 4))") == \
        [(1, 1, -3), (1, 1, -1)]
    # a crop of 4 on the left starts the output at input position 4
    assert _field("pytorch", "(2, 4, 4)", "nn.ReflectionPad2d((-4, 0, 0, 0))") == \
        [(1, 1, 0), (1, 1, 4)]
    assert _field("keras", "(5, 5, 1)", "layers.Cropping2D(((1, 0), (2, 0)))") == \
        [(1, 1, 1), (1, 1, 2)]


def test_upsampling_uses_half_pixel_centres():
    half = Fraction(1, 2)
    assert _field("pytorch", "(1, 3, 8)", "nn.Upsample(scale_factor=2)") == \
        [(1, half, Fraction(-1, 4))]
    assert _field("keras", "(4, 5, 1)", "layers.UpSampling2D((2, 4))") == \
        [(1, half, Fraction(-1, 4)), (1, Fraction(1, 4), Fraction(-3, 8))]
    # a float scale stays exact: step 1/1.5 = 2/3, start (2/3 − 1)/2 = −1/6
    assert _field("pytorch", "(1, 1, 6)", "nn.Upsample(scale_factor=1.5, mode='linear')") == \
        [(1, Fraction(2, 3), Fraction(-1, 6))]


def test_align_corners_maps_the_corners_exactly():
    # output j samples input j·(5−1)/(9−1): step 1/2, first sample on input 0
    assert _field("pytorch", "(1, 1, 5, 5)", "nn.UpsamplingBilinear2d(size=9)") == \
        [(1, Fraction(1, 2), 0), (1, Fraction(1, 2), 0)]


def test_pixel_unshuffle_is_a_window():
    assert _field("pytorch", "(8, 4, 6)", "nn.PixelUnshuffle(2)") == \
        [(2, 2, Fraction(1, 2)), (2, 2, Fraction(1, 2))]


def test_flatten_and_reshape_end_the_field():
    report = analyze("pytorch", "(1, 3, 8, 8)", "nn.ZeroPad2d(1)", "nn.Flatten()")
    assert report.layers[-1].receptive_field is None
    report = analyze("keras", "(8, 8, 3)", "layers.ZeroPadding2D()", "layers.Reshape((-1, 3))")
    assert report.layers[-1].receptive_field is None


# -- symbols -------------------------------------------------------------------------------------


def test_symbolic_shapes():
    import sympy

    H, W, N = (sympy.Symbol(n, integer=True, positive=True) for n in "HWN")
    assert one("pytorch", "(N, 3, H, W)", "nn.Flatten()").output_shape == (N, 3 * H * W)
    assert one("pytorch", "(N, 3, H, W)", "nn.Upsample(scale_factor=2)").output_shape == \
        (N, 3, 2 * H, 2 * W)
    assert one("pytorch", "(1, 3, H, W)", "nn.ZeroPad2d((1, 2, 3, 4))").output_shape == \
        (1, 3, H + 7, W + 3)
    assert one("keras", "(H, W, 3)", "layers.Reshape((-1, 3))").output_shape == \
        (None, H * W, 3)
    assert one("keras", "(H, W, 3)", "layers.UpSampling2D()").output_shape == \
        (None, 2 * H, 2 * W, 3)
    assert one("pytorch", "(1, 3, H)", "nn.Upsample(scale_factor=1.5)").output_shape == \
        (1, 3, sympy.floor(sympy.Rational(3, 2) * H))


def test_symbolic_reshape_keeps_a_condition():
    layer = one("keras", "(H, W, 3)", "layers.Reshape((4, 3))")
    assert layer.output_shape == (None, 4, 3)
    # valid only when the input holds 12 elements per sample
    assert any("12" in c and "3*H*W" in c for c in layer.conditions), layer.conditions
