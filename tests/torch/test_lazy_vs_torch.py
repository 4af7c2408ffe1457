"""PyTorch lazy modules against real PyTorch: random configurations, valid and invalid.
The harness runs the forward pass once before counting, so a lazy module's parameters
exist when they are counted. Found by these tests: the lazy transposed conv skips the
out_channels % groups check, and with bias=False runs with groups·floor(out/groups)
output channels."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.torch.harness import assert_agrees
from tests.torch.test_conv_transpose_vs_torch import assert_agrees_or_collapsed


@st.composite
def lazy_linear_cases(draw):
    out = draw(st.integers(0, 6))
    bias = draw(st.booleans())
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=4)))
    return f"nn.LazyLinear({out}, bias={bias})", shape


@settings(max_examples=150, deadline=None)
@given(lazy_linear_cases())
def test_lazy_linear_agrees(case):
    assert_agrees(*case)


@st.composite
def lazy_conv_cases(draw):
    n = draw(st.integers(1, 3))
    transposed = draw(st.booleans())
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    out = groups * draw(st.integers(1, 3)) + (0 if draw(st.integers(0, 5)) else 1)
    kernel = draw(st.integers(1, 4))
    stride = draw(st.integers(1, 3))
    dilation = draw(st.integers(1, 2))
    padding = draw(st.integers(0, 2))
    options = [f"stride={stride}", f"padding={padding}", f"dilation={dilation}",
               f"groups={groups}", f"bias={draw(st.booleans())}"]
    if transposed:
        options.append(f"output_padding={draw(st.integers(0, 2))}")
        name = f"nn.LazyConvTranspose{n}d"
    else:
        name = f"nn.LazyConv{n}d"
        if draw(st.integers(0, 4)) == 0:
            options[0] = "stride=1"
            options[1] = "padding='same'"
    channels = draw(st.integers(1, 6))
    spatial = tuple(draw(st.integers(1, 7)) for _ in range(n))
    batched = draw(st.booleans())
    rank_off = draw(st.sampled_from([0] * 8 + [-1, 1]))
    shape = ((2, channels) if batched else (channels,)) + spatial
    if rank_off < 0:
        shape = shape[1:]
    elif rank_off > 0:
        shape = (1,) + shape
    return f"{name}({out}, {kernel}, {', '.join(options)})", shape


@settings(max_examples=250, deadline=None)
@given(lazy_conv_cases())
def test_lazy_conv_agrees(case):
    line, shape = case
    if "ConvTranspose" in line:  # an output axis of exactly 0: see that helper
        assert_agrees_or_collapsed(line, shape)
    else:
        assert_agrees(line, shape)
