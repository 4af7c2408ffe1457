"""Convolutions against real PyTorch: random configurations, valid and invalid."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.torch.harness import assert_agrees


def _per_axis(draw, n: int, values):
    """An int, a tuple of n ints, or (rarely) a one-element tuple, which PyTorch repeats for
    stride, padding and dilation but not for kernel_size."""
    form = draw(st.sampled_from(["int", "int", "tuple", "one"]))
    if form == "int":
        return str(draw(values))
    if form == "one":
        return f"({draw(values)},)"
    return "(" + ", ".join(str(draw(values)) for _ in range(n)) + ")"


@st.composite
def conv_cases(draw):
    n = draw(st.integers(1, 3))
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    c_in = groups * draw(st.integers(1, 3))
    c_out = groups * draw(st.integers(1, 3))
    k = draw(st.integers(1, 5))
    stride = draw(st.integers(1, 3))
    dilation = draw(st.integers(1, 3))
    padding = draw(st.one_of(st.integers(0, 3), st.sampled_from(["'same'", "'valid'"])))
    mode = draw(st.sampled_from(["'zeros'", "'zeros'", "'reflect'", "'replicate'", "'circular'"]))
    bias = draw(st.booleans())
    batched = draw(st.booleans())
    sizes = tuple(draw(st.integers(1, 12)) for _ in range(n))
    channels = c_in if draw(st.integers(0, 9)) else c_in + 1
    shape = ((2,) if batched else ()) + (channels,) + sizes
    line = (f"nn.Conv{n}d({c_in}, {c_out}, {k}, stride={stride}, padding={padding}, "
            f"dilation={dilation}, groups={groups}, bias={bias}, padding_mode={mode})")
    return line, shape


@st.composite
def conv_tuple_cases(draw):
    """Per-axis tuples, one-element tuples, and padding modes with tuple paddings."""
    n = draw(st.integers(1, 3))
    c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel = _per_axis(draw, n, st.integers(1, 4))
    stride = _per_axis(draw, n, st.integers(1, 3))
    dilation = _per_axis(draw, n, st.integers(1, 2))
    padding = draw(st.one_of(st.just(_per_axis(draw, n, st.integers(0, 3))),
                             st.sampled_from(["'same'", "'valid'"])))
    mode = draw(st.sampled_from(["'zeros'", "'reflect'", "'replicate'", "'circular'"]))
    batched = draw(st.booleans())
    sizes = tuple(draw(st.integers(1, 8)) for _ in range(n))
    shape = ((2,) if batched else ()) + (c_in,) + sizes
    line = (f"nn.Conv{n}d({c_in}, {c_out}, {kernel}, {stride}, {padding}, {dilation}, "
            f"padding_mode={mode})")
    return line, shape


@settings(max_examples=300, deadline=None)
@given(conv_cases())
def test_conv_agrees_with_torch(case):
    assert_agrees(*case)


@settings(max_examples=250, deadline=None)
@given(conv_tuple_cases())
def test_conv_tuples_agree_with_torch(case):
    assert_agrees(*case)
