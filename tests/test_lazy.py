"""PyTorch lazy modules (LazyLinear, LazyConv*d, LazyConvTranspose*d): in_features /
in_channels come from the input at the first forward pass, and torch counts the
parameters after it. Expected values observed in torch 2.13.0 (CPU), FLOPs from
FlopCounterMode, kept as literals."""

from __future__ import annotations

import pytest

from tests.helpers import one, refused


@pytest.mark.parametrize("line, input_shape, shape, params, flops", [
    ("nn.LazyLinear(4)", "(3, 8)", (3, 4), 36, 192),
    ("nn.LazyLinear(4)", "(8,)", (4,), 36, 64),
    ("nn.LazyLinear(4, bias=False)", "(2, 3, 5)", (2, 3, 4), 20, 240),
    ("nn.LazyConv2d(4, 3)", "(2, 3, 8, 8)", (2, 4, 6, 6), 112, 15552),
    ("nn.LazyConv2d(4, 3)", "(3, 8, 8)", (4, 6, 6), 112, 7776),  # unbatched
    ("nn.LazyConv1d(4, 3, padding='same')", "(2, 3, 8)", (2, 4, 8), 40, 1152),
    ("nn.LazyConvTranspose2d(4, 3, stride=2)", "(2, 3, 8, 8)", (2, 4, 17, 17), 112, 27648),
    # no out_channels % groups check when lazy: 2·floor(3/2) = 2 channels without a bias
    ("nn.LazyConvTranspose1d(3, 1, groups=2, bias=False)", "(2, 1)", (2, 1), 2, 4),
])
def test_lazy(line, input_shape, shape, params, flops):
    layer = one("pytorch", input_shape, line)
    assert layer.output_shape == shape
    assert layer.params == params
    assert layer.flops == flops


def test_lazy_conv_symbolic():
    layer = one("pytorch", "(N, C, H, W)", "nn.LazyConv2d(D, K)")
    assert str(layer.output_shape[2]) == "H - K + 1"
    assert str(layer.params) == "C*D*K**2 + D"


@pytest.mark.parametrize("line, input_shape, match", [
    # RuntimeError Expected 3D (unbatched) or 4D (batched) input to LazyConv2d, but got
    # input of size: torch.Size([8, 8])
    ("nn.LazyConv2d(4, 3)", "(8, 8)", (r"3-D \(unbatched\) or 4-D \(batched\) input to "
     r"LazyConv2d, got 2-D")),
    # ValueError in_channels must be divisible by groups
    ("nn.LazyConv2d(4, 3, groups=2)", "(2, 3, 8, 8)", (r"in_channels must be divisible by "
     r"groups \(3 % 2")),
    ("nn.LazyConvTranspose2d(4, 3, groups=2)", "(2, 3, 8, 8)", (r"in_channels must be "
     r"divisible by groups \(3 % 2")),
    # RuntimeError Given groups=2, expected weight to be divisible by 2 at dimension 0
    ("nn.LazyConv2d(3, 3, groups=2)", "(2, 4, 8, 8)", (r"out_channels must be divisible by "
     r"groups \(3 % 2")),
    # RuntimeError Calculated padded input size per channel: (4 x 4). Kernel size: (5 x 5)
    ("nn.LazyConv2d(4, 5)", "(1, 3, 4, 4)", (r"effective kernel 5 is larger than the padded "
     r"input 4")),
])
def test_lazy_refusals(line, input_shape, match):
    refused("pytorch", input_shape, line, match=match)
