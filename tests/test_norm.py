"""Normalisation layers. Expected values were obtained by running the layers in torch 2.13.0
(CPU, modules in train mode as constructed) and Keras 3.15.1 on TensorFlow 2.21.0 (a
functional model on keras.Input, then a call on zeros), and are kept here as literals."""

from __future__ import annotations

import pytest

from tests.helpers import analyze, one, refused


# -- PyTorch --------------------------------------------------------------------------------

@pytest.mark.parametrize("line, input_shape, params, buffers", [
    # buffers: running_mean + running_var (C each) + num_batches_tracked (1)
    ("nn.BatchNorm1d(3)", "(2, 3)", 6, 7),
    ("nn.BatchNorm1d(3)", "(1, 3, 2)", 6, 7),
    ("nn.BatchNorm2d(64)", "(8, 64, 32, 32)", 128, 129),
    ("nn.BatchNorm2d(3, track_running_stats=False)", "(2, 3, 1, 1)", 6, 0),
    ("nn.BatchNorm3d(3, bias=False)", "(2, 3, 4, 4, 4)", 3, 7),
    # with neither weights nor statistics, num_features is never compared with C
    ("nn.BatchNorm2d(3, affine=False, track_running_stats=False)", "(2, 4, 1, 1)", 0, 0),
    ("nn.LazyBatchNorm2d()", "(2, 3, 4, 4)", 6, 7),
    ("nn.LazyBatchNorm1d(affine=False)", "(2, 5)", 0, 11),
    ("nn.InstanceNorm1d(3)", "(3, 5)", 0, 0),
    ("nn.InstanceNorm2d(3)", "(3, 4, 4)", 0, 0),
    # affine=False, track_running_stats=False: a wrong C is only a warning in torch
    ("nn.InstanceNorm1d(3)", "(2, 4, 5)", 0, 0),
    ("nn.InstanceNorm1d(3, track_running_stats=True)", "(3, 5)", 0, 7),
    ("nn.InstanceNorm3d(3, affine=True, track_running_stats=True)", "(3, 2, 2, 2)", 6, 7),
    ("nn.InstanceNorm3d(3, affine=True, bias=False)", "(3, 2, 2, 2)", 3, 0),
    # lazy InstanceNorm defaults to affine and statistics, and takes num_features from
    # dim 1 even for unbatched input
    ("nn.LazyInstanceNorm1d()", "(2, 3, 5)", 6, 7),
    ("nn.LazyInstanceNorm1d()", "(5, 5)", 10, 11),
    ("nn.LayerNorm(5)", "(2, 3, 5)", 10, 0),
    ("nn.LayerNorm(5)", "(5,)", 10, 0),
    ("nn.LayerNorm((3, 5))", "(2, 3, 5)", 30, 0),
    ("nn.LayerNorm([3, 5])", "(2, 3, 5)", 30, 0),
    ("nn.LayerNorm(5, bias=False)", "(2, 3, 5)", 5, 0),
    ("nn.LayerNorm(5, elementwise_affine=False)", "(2, 3, 5)", 0, 0),
    ("nn.RMSNorm(5)", "(2, 3, 5)", 5, 0),
    ("nn.RMSNorm((3, 5), elementwise_affine=False)", "(2, 3, 5)", 0, 0),
    ("nn.RMSNorm((3, 5))", "(2, 3, 5)", 15, 0),
    ("nn.GroupNorm(2, 4)", "(2, 4, 3)", 8, 0),
    ("nn.GroupNorm(2, 4)", "(1, 4)", 8, 0),
    ("nn.GroupNorm(2, 4, bias=False)", "(2, 4, 3, 3, 3)", 4, 0),
    ("nn.GroupNorm(2, 4, affine=False)", "(2, 6, 3)", 0, 0),
    ("nn.LocalResponseNorm(2)", "(2, 4, 3)", 0, 0),
    ("nn.LocalResponseNorm(9)", "(2, 4, 3, 3)", 0, 0),
])
def test_torch_norms(line, input_shape, params, buffers):
    layer = one("pytorch", input_shape, line)
    shape = tuple(int(v) for v in input_shape.strip("()").split(",") if v.strip())
    assert layer.output_shape == shape
    assert layer.params == params
    assert layer.trainable == params and layer.non_trainable == 0
    assert layer.buffers == buffers
    assert layer.macs == 0 and layer.flops == 0


@pytest.mark.parametrize("line, input_shape, match", [
    # ValueError: expected 2D or 3D input (got 4D input)
    ("nn.BatchNorm1d(3)", "(2, 3, 4, 5)", r"2-D \(N, C\) or 3-D \(N, C, L\) input, got 4-D"),
    ("nn.BatchNorm1d(3)", "(3,)", r"got 1-D input"),
    # ValueError: expected 4D input (got 3D input): BatchNorm has no unbatched form
    ("nn.BatchNorm2d(3)", "(3, 4, 4)", r"4-D \(N, C, H, W\) input, got 3-D"),
    ("nn.BatchNorm3d(3)", "(2, 3, 4, 4)", r"5-D \(N, C, D, H, W\) input, got 4-D"),
    # RuntimeError: running_mean should contain 4 elements not 3
    ("nn.BatchNorm1d(3)", "(2, 4, 5)", r"expected input with 3 channels \(num_features\), "
                                       r"got 4 channels"),
    # RuntimeError: weight should contain 4 elements not 3
    ("nn.BatchNorm2d(3, track_running_stats=False)", "(2, 4, 3, 3)", "expected input with 3"),
    # ValueError: Expected more than 1 value per channel when training, got input size [1, 3]
    ("nn.BatchNorm1d(3)", "(1, 3)", r"more than 1 value per channel when training.*\(1, 3\)"),
    ("nn.BatchNorm2d(3)", "(1, 3, 1, 1)", r"1·1·1 = 1 value per channel"),
    ("nn.LazyBatchNorm1d()", "(1, 5)", "more than 1 value per channel"),
    # ValueError: batch_norm eps must be positive during training, but got 0
    ("nn.BatchNorm2d(3, eps=0)", "(2, 3, 4, 4)", "eps must be positive during training, got 0"),
    ("nn.BatchNorm2d(-1)", "(2, 3, 4, 4)", "num_features must not be negative, got -1"),
    # ValueError: expected 3D or 4D input (got 2D input)
    ("nn.InstanceNorm2d(3)", "(3, 4)", r"3-D \(unbatched\) or 4-D \(batched\) input, got 2-D"),
    # ValueError: expected input's size at dim=0 to match num_features (3), but got: 4.
    ("nn.InstanceNorm1d(3, affine=True)", "(4, 5)",
     r"size at dim=0 to match num_features \(3\), got 4"),
    ("nn.LazyInstanceNorm1d()", "(3, 5)", r"dim=0 to match num_features \(5\), got 3"),
    # RuntimeError: running_mean should contain 8 elements not 6
    ("nn.InstanceNorm1d(3, track_running_stats=True)", "(2, 4, 5)",
     "running_mean should contain 8 elements not 6"),
    # ValueError: Expected more than 1 spatial element when training
    ("nn.InstanceNorm1d(3)", "(3, 1)", "more than 1 spatial element when training"),
    ("nn.InstanceNorm2d(3)", "(2, 3, 1, 1)", r"1·1 = 1 spatial element"),
    # RuntimeError: Given normalized_shape=[4, 5], expected input with shape [*, 4, 5]
    ("nn.LayerNorm((4, 5))", "(2, 3, 5)",
     r"normalized_shape \(4, 5\) must match the last 2 dimensions.*\(2, 3, 5\)"),
    ("nn.LayerNorm(4)", "(2, 3, 5)", r"normalized_shape \(4,\) must match the last 1 dimension"),
    ("nn.LayerNorm((2, 3, 5))", "(3, 5)", r"expects input of shape \(\*, 2, 3, 5\), got 2-D"),
    # RuntimeError: Expected normalized_shape to be at least 1-dimensional
    ("nn.LayerNorm(())", "(2, 3, 5)", "at least one dimension"),
    # ValueError: Input tensor must have at least 3 dimensions, but got 2
    ("nn.RMSNorm((2, 3, 5))", "(3, 5)", "at least 3 dimensions.*got 2-D"),
    ("nn.RMSNorm(4)", "(2, 3, 5)", r"normalized_shape \(4,\) must match"),
    # ValueError: num_channels (4) must be divisible by num_groups (3)
    ("nn.GroupNorm(3, 4)", "(2, 4, 3)",
     r"num_channels \(4\) must be divisible by num_groups \(3\)"),
    # ZeroDivisionError: integer modulo by zero
    ("nn.GroupNorm(0, 4)", "(2, 4, 3)", "num_groups must be a positive integer, got 0"),
    # RuntimeError: Expected weight to be a vector of size equal to the number of channels
    ("nn.GroupNorm(2, 4)", "(2, 6, 3)", r"expected input with 4 channels \(num_channels\), got 6"),
    # RuntimeError: Expected number of channels in input to be divisible by num_groups
    ("nn.GroupNorm(2, 4, affine=False)", "(2, 5, 3)", "divisible by num_groups, got 5 channels"),
    # ValueError: Expected more than 1 value per channel when training, got input size [1, 4]
    ("nn.GroupNorm(4, 4)", "(1, 4)", r"more than 1 value per channel.*1·4/4 = 1 "),
    # RuntimeError: Expected at least 2 dimensions for input tensor but received 1
    ("nn.GroupNorm(2, 4)", "(4,)", "at least 2-D"),
    # ValueError: Expected 3D or higher dimensionality input (got 2 dimensions)
    ("nn.LocalResponseNorm(2)", "(4, 3)", "3-D or higher"),
    # RuntimeError: kernel size should be greater than zero, but got kH: 0 kW: 1
    ("nn.LocalResponseNorm(0)", "(2, 4, 3)", "size must be at least 1.*got 0"),
])
def test_torch_refusals(line, input_shape, match):
    refused("pytorch", input_shape, line, match=match)


def test_torch_batchnorm_symbolic():
    layer = one("pytorch", "(N, C, H, W)", "nn.BatchNorm2d(C)")
    assert tuple(map(str, layer.output_shape)) == ("N", "C", "H", "W")
    assert str(layer.params) == "2*C"
    assert str(layer.buffers) == "2*C + 1"
    assert layer.macs == 0
    # a single value per channel is possible for some N, H, W: kept as a condition
    assert any("H*N*W" in c for c in layer.conditions)


def test_torch_symbolic_channel_mismatch_is_a_condition():
    layer = one("pytorch", "(N, C, H, W)", "nn.BatchNorm2d(64)")
    assert layer.params == 128
    assert "Eq(C, 64)" in layer.conditions


def test_torch_layer_norm_symbolic():
    layer = one("pytorch", "(N, C, H, W)", "nn.LayerNorm([C, H, W], bias=False)")
    assert str(layer.params) == "C*H*W"
    assert layer.conditions == ()


def test_resnet_stem_totals():
    # torch: Conv2d(3, 64, 7, 2, 3, bias=False) then BatchNorm2d(64) on (2, 3, 224, 224)
    report = analyze("pytorch", "(2, 3, 224, 224)",
                     "nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)",
                     "nn.BatchNorm2d(64)")
    assert report.output_shape == (2, 64, 112, 112)
    assert report.layers[1].params == 128
    assert report.buffers == 129


# -- Keras ----------------------------------------------------------------------------------

@pytest.mark.parametrize("line, input_shape, trainable, non_trainable", [
    # trainable gamma/beta, non-trainable moving mean/variance
    ("layers.BatchNormalization()", "(4,)", 8, 8),
    ("layers.BatchNormalization()", "(5, 4)", 8, 8),
    ("layers.BatchNormalization(axis=1)", "(5, 4)", 10, 10),
    ("layers.BatchNormalization(axis=1.5)", "(5, 4)", 10, 10),  # Keras keeps int(axis)
    ("layers.BatchNormalization(center=False, scale=False)", "(5, 4)", 0, 8),
    ("layers.BatchNormalization(renorm=True)", "(5, 4)", 8, 20),
    ("layers.BatchNormalization(trainable=False)", "(5, 4)", 0, 16),
    ("layers.BatchNormalization()", "(2, 3, 4, 5, 6)", 12, 12),
    ("layers.LayerNormalization()", "(5, 4)", 8, 0),
    ("layers.LayerNormalization(axis=[1, 2])", "(5, 4)", 40, 0),
    ("layers.LayerNormalization(axis=[2, 1])", "(5, 4)", 40, 0),
    ("layers.LayerNormalization(axis=(1,))", "(5, 4)", 10, 0),
    ("layers.LayerNormalization(axis=[])", "(5, 4)", 2, 0),  # scalar gamma and beta
    ("layers.LayerNormalization(rms_scaling=True)", "(5, 4)", 4, 0),
    ("layers.LayerNormalization(center=False)", "(5, 4)", 4, 0),
    ("layers.LayerNormalization(trainable=False)", "(5, 4)", 0, 8),
    # no weights: the batch axis may be normalised
    ("layers.LayerNormalization(axis=0, center=False, scale=False)", "(2, 3, 3)", 0, 0),
    ("layers.GroupNormalization()", "(5, 64)", 128, 0),
    ("layers.GroupNormalization(4)", "(5, 16)", 32, 0),
    ("layers.GroupNormalization(-1)", "(5, 16)", 32, 0),
    ("layers.GroupNormalization(2, axis=1)", "(6, 16)", 12, 0),
    ("layers.GroupNormalization(2, center=False)", "(6, 16)", 16, 0),
    ("layers.GroupNormalization(2)", "(2, 3, 4, 16)", 32, 0),
    ("layers.UnitNormalization()", "(5, 4)", 0, 0),
    ("layers.UnitNormalization(axis=[1, 2])", "(5, 4)", 0, 0),
    ("layers.UnitNormalization(axis=0)", "(5, 4)", 0, 0),
    ("layers.RMSNormalization()", "(5, 4)", 4, 0),
    ("layers.RMSNormalization(axis=[1, 2])", "(5, 4)", 20, 0),
    ("layers.RMSNormalization(axis=[])", "(5, 4)", 1, 0),
])
def test_keras_norms(line, input_shape, trainable, non_trainable):
    layer = one("keras", f"Input(shape={input_shape})", line)
    shape = tuple(int(v) for v in input_shape.strip("()").split(",") if v.strip())
    assert layer.output_shape == (None, *shape)
    assert layer.trainable == trainable
    assert layer.non_trainable == non_trainable
    assert layer.macs == 0


@pytest.mark.parametrize("line, input_shape, match", [
    # IndexError: tuple index out of range
    ("layers.BatchNormalization(axis=3)", "(5, 4)",
     r"axis 3 is out of bounds.*valid: -3\.\.2, except the batch axis 0 and -3"),
    # ValueError: Shapes used to initialize variables must be fully-defined
    ("layers.BatchNormalization(axis=0)", "(5, 4)", "axis 0 is the batch axis"),
    ("layers.BatchNormalization(axis=-3)", "(5, 4)", "axis -3 is the batch axis"),
    # TypeError: int() argument must be ... not 'list'
    ("layers.BatchNormalization(axis=[1, 2])", "(5, 4)", "axis must be a single int"),
    # InvalidArgumentError: Axes contains duplicate dimension: 2
    ("layers.LayerNormalization(axis=[-1, 2])", "(5, 4)", "names the same dimension"),
    ("layers.LayerNormalization(axis=[0, 1])", "(5, 4)", "axis 0 is the batch axis"),
    ("layers.LayerNormalization(axis=-4)", "(5, 4)", "axis -4 is out of bounds"),
    # TypeError: Expected an int or a list/tuple of ints for the argument 'axis'
    ("layers.LayerNormalization(axis=1.0)", "(5, 4)", "axis must be an int or a list"),
    # ValueError: Number of groups (32) cannot be more than the number of channels (16).
    ("layers.GroupNormalization()", "(5, 16)", r"groups \(32\) cannot be more than the number "
                                               r"of channels \(16\)"),
    # ValueError: Number of groups (3) must be a multiple of the number of channels (16).
    ("layers.GroupNormalization(3)", "(5, 16)", r"channels \(16\).*multiple of the number of "
                                                r"groups \(3\)"),
    # ValueError: Received an invalid value for argument `groups`
    ("layers.GroupNormalization(0)", "(5, 16)", "groups must be a positive integer.*got 0"),
    ("layers.GroupNormalization(2.0)", "(5, 16)", "groups must be a positive integer"),
    # ValueError: Axis 0 of input tensor should have a defined dimension
    ("layers.GroupNormalization(2, axis=0)", "(6, 16)", "batch axis"),
    # TypeError: tuple indices must be integers or slices, not TrackedList
    ("layers.GroupNormalization(2, axis=[1])", "(6, 16)", "axis must be a single int"),
    # ValueError: Axis 3 is out of bounds for input shape (None, 5, 4).
    ("layers.UnitNormalization(axis=3)", "(5, 4)", "axis 3 is out of bounds"),
    ("layers.UnitNormalization(axis=1.0)", "(5, 4)", "axis must be an int or a list"),
    ("layers.RMSNormalization(axis=0)", "(5, 4)", "batch axis"),
    # InvalidArgumentError in Mul when called on data: the scale (4,) meets the last dim 5
    ("layers.RMSNormalization(axis=1)", "(4, 5)", r"scale weight has shape \(4,\).*\(5,\)"),
])
def test_keras_refusals(line, input_shape, match):
    refused("keras", f"Input(shape={input_shape})", line, match=match)


def test_keras_symbolic():
    bn = one("keras", "Input(shape=(H, W, C))", "layers.BatchNormalization()")
    assert (str(bn.trainable), str(bn.non_trainable)) == ("2*C", "2*C")
    gn = one("keras", "Input(shape=(H, W, C))", "layers.GroupNormalization(groups=8)")
    assert str(gn.trainable) == "2*C"
    assert "C >= 8" in " ".join(gn.conditions)
