"""Transposed convolutions against real PyTorch: random configurations, valid and invalid
(output_padding against stride and dilation, output sizes that collapse, groups, channel
mismatches, padding modes other than 'zeros', string padding), batched and unbatched."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.torch.harness import assert_agrees, shapecalc_facts, torch_facts


def assert_agrees_or_collapsed(line: str, input_shape: tuple) -> None:
    """As assert_agrees, except for an output axis of exactly 0: PyTorch's oneDNN kernel
    returns an empty tensor, the native kernel refuses ("Output size is too small"), and
    which one runs depends on groups, batch, kernel size and thread count. shapecalc
    refuses it always."""
    theirs = torch_facts(line, input_shape)
    spatial_rank = int(line.split("ConvTranspose")[1][0])
    if theirs.shape is not None and 0 in theirs.shape[-spatial_rank:]:
        ours = shapecalc_facts(line, input_shape)
        assert ours.error and "= 0 is too small" in ours.error, ours
        return
    assert_agrees(line, input_shape)


def _per_axis(draw, n: int, values):
    """An int, a tuple of n ints, or (rarely) a one-element tuple."""
    form = draw(st.sampled_from(["int", "int", "tuple", "one"]))
    if form == "int":
        return str(draw(values))
    if form == "one":
        return f"({draw(values)},)"
    return "(" + ", ".join(str(draw(values)) for _ in range(n)) + ")"


@st.composite
def conv_transpose_cases(draw):
    n = draw(st.integers(1, 3))
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    c_in = groups * draw(st.integers(1, 3))
    c_out = groups * draw(st.integers(1, 3))
    if draw(st.integers(0, 19)) == 0:
        c_out += 1  # out_channels not divisible by groups
    kernel = _per_axis(draw, n, st.integers(1, 4))
    stride = _per_axis(draw, n, st.integers(1, 3))
    padding = _per_axis(draw, n, st.integers(0, 3))
    if draw(st.integers(0, 19)) == 0:
        padding = draw(st.sampled_from(["'same'", "'valid'"]))  # refused at the forward pass
    output_padding = _per_axis(draw, n, st.integers(0, 2))
    dilation = _per_axis(draw, n, st.integers(1, 3))
    mode = draw(st.sampled_from(["'zeros'"] * 9 + ["'reflect'"]))
    bias = draw(st.booleans())
    batched = draw(st.booleans())
    sizes = tuple(draw(st.integers(1, 6)) for _ in range(n))
    channels = c_in if draw(st.integers(0, 9)) else c_in + 1
    shape = ((2,) if batched else ()) + (channels,) + sizes
    if draw(st.booleans()):
        line = (f"nn.ConvTranspose{n}d({c_in}, {c_out}, {kernel}, stride={stride}, "
                f"padding={padding}, output_padding={output_padding}, groups={groups}, "
                f"bias={bias}, dilation={dilation}, padding_mode={mode})")
    else:  # the positional order differs from Conv: output_padding, groups, bias, dilation
        line = (f"nn.ConvTranspose{n}d({c_in}, {c_out}, {kernel}, {stride}, {padding}, "
                f"{output_padding}, {groups}, {bias}, {dilation})")
    return line, shape


@settings(max_examples=300, deadline=None)
@given(conv_transpose_cases())
def test_conv_transpose_agrees_with_torch(case):
    assert_agrees_or_collapsed(*case)


def test_positional_order_is_torchs():
    # ConvTranspose2d(in, out, k, stride, padding, output_padding, groups, bias, dilation)
    facts = assert_agrees("nn.ConvTranspose2d(4, 6, 3, 2, 1, 1, 2, False, 1)", (1, 4, 5, 5))
    assert facts.shape == (1, 6, 10, 10)
