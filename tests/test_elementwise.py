"""Activations, dropout, noise and GLU in both frameworks. Expected values and refusals
were obtained by running the modules in torch 2.13.0 (CPU, train mode: the state after
construction) and the layers in Keras 3.15.1 on TensorFlow 2.21.0 (symbolic model and an
eager call on zeros), and are kept here as literals."""

from __future__ import annotations

import pytest

from tests.helpers import analyze, one, refused

TORCH_SHAPE_KEEPING = [
    "nn.ReLU()", "nn.ReLU6(inplace=True)", "nn.LeakyReLU(0.2)", "nn.ELU(alpha=0.5)",
    "nn.SELU()", "nn.CELU(2.0)", "nn.GELU(approximate='tanh')", "nn.SiLU()", "nn.Mish()",
    "nn.Sigmoid()", "nn.Tanh()", "nn.Softmax(dim=1)", "nn.Softmin(-1)", "nn.LogSoftmax()",
    "nn.Softplus(beta=2, threshold=10)", "nn.Softsign()", "nn.Softshrink(0.5)",
    "nn.Hardshrink(-1)", "nn.Tanhshrink()", "nn.Hardswish()", "nn.Hardsigmoid()",
    "nn.Hardtanh(-2, 2)", "nn.Threshold(0.1, 20)", "nn.LogSigmoid()", "nn.RReLU(0.1, 0.3)",
    "nn.Dropout(0.5)", "nn.Dropout1d(0.2)", "nn.Dropout2d()", "nn.Dropout3d(0.1)",
    "nn.AlphaDropout(0.2)", "nn.FeatureAlphaDropout(0.2)", "nn.Softmax2d()",
]


@pytest.mark.parametrize("line", TORCH_SHAPE_KEEPING)
def test_torch_shape_keeping(line):
    layer = one("pytorch", "(2, 3, 4)", line)
    assert layer.output_shape == (2, 3, 4)
    assert layer.params == layer.buffers == layer.macs == 0


@pytest.mark.parametrize("line, input_shape, params", [
    ("nn.PReLU()", "(2, 3, 4, 5)", 1),
    ("nn.PReLU()", "(7,)", 1),
    ("nn.PReLU(3)", "(2, 3, 4, 5)", 3),  # channel axis is dim 1
    ("nn.PReLU(3)", "(4, 3)", 3),
])
def test_torch_prelu(line, input_shape, params):
    layer = one("pytorch", input_shape, line)
    assert layer.trainable == params


@pytest.mark.parametrize("input_shape, match", [
    # torch: Mismatch of parameter numbers and input channel size. Found parameter
    # numbers = 3 and channel size = 4.
    ("(3, 4)", r"num_parameters=3 does not match the 4 channels"),
    # a 1-D input counts as one channel
    ("(3,)", r"num_parameters=3 does not match the 1 channels"),
])
def test_torch_prelu_channel_mismatch(input_shape, match):
    refused("pytorch", input_shape, "nn.PReLU(3)", match=match)


@pytest.mark.parametrize("line, input_shape, shape", [
    ("nn.GLU()", "(2, 3, 4)", (2, 3, 2)),
    ("nn.GLU(dim=0)", "(4, 3)", (2, 3)),
    ("nn.GLU()", "(2,)", (1,)),
])
def test_torch_glu(line, input_shape, shape):
    assert one("pytorch", input_shape, line).output_shape == shape


@pytest.mark.parametrize("line, input_shape, match", [
    # torch: Halving dimension must be even, but dimension 1 is size 3
    ("nn.GLU()", "(2, 3)", r"halves dim 1, which must be even, but it has size 3"),
    # torch: IndexError: Dimension out of range (expected to be in range of [-2, 1], but got 2)
    ("nn.GLU(dim=2)", "(4, 3)", r"dim=2 is out of range for a 2-D input \(valid: -2 to 1\)"),
    ("nn.Softmax(dim=2)", "(2, 3)", r"dim=2 is out of range for a 2-D input"),
    ("nn.LogSoftmax(dim=-3)", "(2, 3)", r"dim=-3 is out of range"),
    # torch: ValueError: Softmax2d: expected input to be 3D or 4D, got 2D instead
    ("nn.Softmax2d()", "(2, 3)", r"expects 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input, got 2-D"),
    ("nn.Softmax2d()", "(1, 2, 3, 4, 5)", r"got 5-D"),
    # torch: dropout1d: Expected 2D or 3D input, but received a 4D input.
    ("nn.Dropout1d()", "(2, 3, 4, 5)", r"expects 2-D \(C, L\) or 3-D \(N, C, L\) input"),
    ("nn.Dropout1d(0)", "(2,)", r"got 1-D"),
    # torch: Feature dropout requires at least 2 dimensions in the input
    ("nn.Dropout2d(0.3)", "(5,)", r"at least 2-D"),
    ("nn.FeatureAlphaDropout()", "(5,)", r"at least 2-D"),
    # torch: ValueError: dropout probability has to be between 0 and 1, but got 1.5
    ("nn.Dropout(1.5)", "(4, 3)", r"dropout probability has to be between 0 and 1, but got 1.5"),
    ("nn.Dropout2d(-0.1)", "(4, 3)", r"between 0 and 1, but got -0.1"),
    # torch: RuntimeError: approximate argument must be either none or tanh.
    ("nn.GELU('foo')", "(4, 3)", r"approximate must be one of 'none', 'tanh'"),
    # torch: lambda must be in range [0, 3.40282e+38] ... but found -1
    ("nn.Softshrink(-1)", "(4, 3)", r"lambd must be at least 0, got -1"),
    # torch: ZeroDivisionError: alpha cannot be 0 for CELU
    ("nn.CELU(0)", "(4, 3)", r"alpha cannot be 0 for CELU"),
    # torch: AssertionError: max_val (-1) must be greater than min_val (1)
    ("nn.Hardtanh(1, -1)", "(4, 3)", r"max_val \(-1\) must be greater than min_val \(1\)"),
    ("nn.Hardtanh(min_value=2)", "(4, 3)", r"max_val \(1.0\) must be greater than min_val \(2\)"),
    # torch: Lower bound should be less than or equal to the upper bound
    ("nn.RReLU(0.5, 0.1)", "(4, 3)", r"lower bound must be less than or equal to the upper"),
    # torch: TypeError: Sigmoid.__init__() takes 1 positional argument but 2 were given
    ("nn.Sigmoid(3)", "(4, 3)", r"takes at most 0 positional arguments"),
    ("nn.Threshold(0.1)", "(4, 3)", r"missing the required argument `value`"),
])
def test_torch_refusals(line, input_shape, match):
    refused("pytorch", input_shape, line, match=match)


@pytest.mark.parametrize("line, input_shape", [
    # the feature-dropout kernel returns early for p = 0 or 1, before the rank check
    ("nn.Dropout2d(0)", "(5,)"),
    ("nn.FeatureAlphaDropout(1.0)", "(5,)"),
    # Dropout3d unsqueezes an unbatched input, so a 1-D input passes (with a warning)
    ("nn.Dropout3d(0.3)", "(5,)"),
    # Dropout2d on 3-D is taken as unbatched channel-wise 1-D dropout (with a warning)
    ("nn.Dropout2d(0.3)", "(2, 3, 4)"),
    ("nn.Dropout2d(0.3)", "(1, 2, 3, 4, 5, 6)"),
    # dim=None: the legacy implicit choice, any rank
    ("nn.Softmax()", "(1, 2, 3, 4, 5)"),
    ("nn.Hardshrink(-1)", "(4, 3)"),
    ("nn.ELU(0)", "(4, 3)"),
])
def test_torch_accepts(line, input_shape):
    layer = one("pytorch", input_shape, line)
    assert str(layer.output_shape).replace(" ", "") == input_shape.replace(" ", "")


def test_torch_symbolic_glu_and_prelu_keep_conditions():
    report = analyze("pytorch", "(N, C, L)", "nn.GLU(dim=1)", "nn.PReLU(4)")
    assert not report.errors
    assert any("Mod(C, 2)" in c for c in report.layers[0].conditions)
    assert str(report.layers[0].output_shape) == "(N, floor(C/2), L)"


KERAS_SHAPE_KEEPING = [
    "layers.Activation('relu')", "layers.Activation('gelu')", "layers.Activation(None)",
    "layers.ReLU()", "layers.ReLU(max_value=6.0)", "layers.LeakyReLU()",
    "layers.LeakyReLU(alpha=0.2)", "layers.ELU(-1)", "layers.Softmax()",
    "layers.Softmax(axis=(1, 2))", "layers.Dropout(0.5)", "layers.Dropout(1)",
    "layers.AlphaDropout(0.1)", "layers.GaussianDropout(0.1)", "layers.GaussianNoise(0.1)",
    "layers.Identity()",
]


@pytest.mark.parametrize("line", KERAS_SHAPE_KEEPING)
def test_keras_shape_keeping(line):
    layer = one("keras", "(4, 5)", line)
    assert layer.output_shape == (None, 4, 5)
    assert layer.params == layer.macs == 0


@pytest.mark.parametrize("line, input_shape", [
    ("layers.SpatialDropout1D(0.5)", "(3, 4)"),
    ("layers.SpatialDropout2D(0.5)", "(3, 4, 5)"),
    ("layers.SpatialDropout2D(0.5, data_format='channels_first')", "(3, 4, 5)"),
    ("layers.SpatialDropout3D(0.5)", "(3, 4, 5, 6)"),
])
def test_keras_spatial_dropout(line, input_shape):
    layer = one("keras", input_shape, line)
    assert layer.output_shape[1:] == tuple(int(v) for v in input_shape[1:-1].split(", "))


@pytest.mark.parametrize("line, input_shape, params", [
    ("layers.PReLU()", "(5,)", 5),
    ("layers.PReLU()", "(3, 4, 5)", 60),  # one alpha per entry
    ("layers.PReLU(shared_axes=[1, 2])", "(3, 4, 5)", 5),
    ("layers.PReLU(shared_axes=(1, 2))", "(8, 8, 16)", 16),
    ("layers.PReLU(shared_axes=1)", "(3, 4, 5)", 20),
    # Keras writes param_shape[i - 1] = 1: axis 0 hits the last entry, -1 the one before
    ("layers.PReLU(shared_axes=[0])", "(3, 4, 5)", 12),
    ("layers.PReLU(shared_axes=[-1])", "(3, 4, 5)", 15),
    ("layers.PReLU()", "()", 1),
])
def test_keras_prelu(line, input_shape, params):
    assert one("keras", input_shape, line).trainable == params


@pytest.mark.parametrize("line, input_shape, match", [
    # Keras: Could not interpret activation function identifier: foo
    ("layers.Activation('foo')", "(5,)", r"could not interpret activation function identifier"),
    # Keras: max_value of a ReLU layer cannot be a negative value. Received: max_value=-1
    ("layers.ReLU(max_value=-1)", "(5,)", r"max_value of a ReLU layer cannot be a negative"),
    ("layers.ReLU(negative_slope=-1)", "(5,)", r"negative_slope of a ReLU layer cannot be None"),
    ("layers.ReLU(threshold=None)", "(5,)", r"threshold of a ReLU layer cannot be None"),
    ("layers.LeakyReLU(-1)", "(5,)", r"negative_slope of a LeakyReLU layer cannot be None or "
     r"negative, got negative_slope=-1"),
    # Keras: IndexError: list assignment index out of range
    ("layers.PReLU(shared_axes=[4])", "(3, 4, 5)", r"shared_axes contains 4, which is not an axis"),
    # Keras (at call): `dim` must be in the range [-3, 3) ... Received: dim=3
    ("layers.Softmax(axis=3)", "(4, 5)", r"axis=3 is out of range for a 3-D input"),
    # Keras (at call): Invalid reduction arguments: Axes contains duplicate dimension: 1
    ("layers.Softmax(axis=(1, -2))", "(4, 5)", r"names the same axis twice"),
    # Keras: Invalid value received for argument `rate`. Expected a float value between 0 and 1
    ("layers.Dropout(1.5)", "(5,)", r"`rate`: expected a float value between 0 and 1, got rate=1.5"),
    ("layers.GaussianDropout(-1)", "(5,)", r"between 0 and 1, got rate=-1"),
    ("layers.GaussianNoise(-1)", "(5,)", r"`stddev`: expected a float value between 0 and 1"),
    ("layers.AlphaDropout(1.5)", "(5,)", r"between 0 and 1"),
    # Keras: expected ndim=3, found ndim=4. Full shape received: (None, 3, 4, 5)
    ("layers.SpatialDropout1D(0.5)", "(3, 4, 5)", r"expects 3-D \(batch included\) input, got 4-D"),
    ("layers.SpatialDropout2D(0.5)", "(3, 4)", r"expects 4-D"),
    ("layers.SpatialDropout3D(0.5)", "(3, 4, 5)", r"expects 5-D"),
    ("layers.SpatialDropout2D(0.5, data_format='foo')", "(3, 4, 5)", r"data_format must be one of"),
    # SpatialDropout takes no **kwargs: TypeError ... unexpected keyword argument 'trainable'
    ("layers.SpatialDropout1D(0.5, trainable=False)", "(3, 4)", r"no argument `trainable`"),
])
def test_keras_refusals(line, input_shape, match):
    refused("keras", input_shape, line, match=match)


def test_activations_keep_the_receptive_field():
    report = analyze("pytorch", "(1, 3, 16, 16)", "nn.Conv2d(3, 4, 3)", "nn.ReLU()",
                     "nn.Dropout2d(0.1)")
    assert report.layers[2].receptive_field == report.layers[0].receptive_field
