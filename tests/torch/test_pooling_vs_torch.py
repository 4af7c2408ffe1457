"""Pooling against real PyTorch: random configurations, valid and invalid, batched and
unbatched, with ceil_mode, padding up to (and beyond) half the kernel, dilation, and
kernels larger than the input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.torch.harness import assert_agrees


def _sizes(draw, n: int, low: int, high: int) -> str:
    """An int, a tuple of n ints, or (sometimes) a 1-tuple that PyTorch repeats."""
    form = draw(st.sampled_from(["int", "int", "tuple", "one"]))
    if form == "int":
        return str(draw(st.integers(low, high)))
    if form == "one":
        return f"({draw(st.integers(low, high))},)"
    return "(" + ", ".join(str(draw(st.integers(low, high))) for _ in range(n)) + ")"


def _input(draw, n: int, *, rank_error: bool = True) -> tuple:
    batched = draw(st.booleans())
    sizes = tuple(draw(st.integers(1, 10)) for _ in range(n))
    shape = ((2,) if batched else ()) + (draw(st.integers(1, 3)),) + sizes
    if rank_error and draw(st.integers(0, 14)) == 0:
        shape = shape[1:] if draw(st.booleans()) else (1,) + shape
    return shape


@st.composite
def window_pool_cases(draw):
    n = draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["Max", "Avg"]))
    kernel = _sizes(draw, n, 1, 6) if draw(st.integers(0, 19)) else _sizes(draw, n, -1, 3)
    args = [kernel]
    if draw(st.booleans()):
        low = 1 if draw(st.integers(0, 19)) else -1
        args.append(f"stride={draw(st.one_of(st.just('None'), st.just(_sizes(draw, n, low, 4))))}")
    if draw(st.booleans()):
        low = 0 if draw(st.integers(0, 19)) else -1
        args.append(f"padding={_sizes(draw, n, low, 3)}")
    if kind == "Max":
        if draw(st.booleans()):
            low = 1 if draw(st.integers(0, 19)) else 0
            args.append(f"dilation={_sizes(draw, n, low, 3)}")
        if draw(st.booleans()):
            args.append(f"return_indices={draw(st.booleans())}")
    else:
        if draw(st.booleans()):
            args.append(f"count_include_pad={draw(st.booleans())}")
        if n > 1 and draw(st.booleans()):
            args.append(f"divisor_override={draw(st.sampled_from([None, 0, 1, 3, -2]))}")
    args.append(f"ceil_mode={draw(st.booleans())}")
    line = f"nn.{kind}Pool{n}d({', '.join(args)})"
    return line, _input(draw, n)


@settings(max_examples=300, deadline=None)
@given(window_pool_cases())
def test_max_and_avg_pool_agree_with_torch(case):
    assert_agrees(*case)


@st.composite
def ceil_mode_edge_cases(draw):
    """Small inputs, large strides and maximal padding: where ceil_mode drops the last
    window, and where a kernel larger than the input still gives 1."""
    n = draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["Max", "Avg"]))
    k = draw(st.integers(1, 7))
    s = draw(st.integers(1, 7))
    p = draw(st.integers(0, k // 2))
    d = f", dilation={draw(st.integers(1, 3))}" if kind == "Max" else ""
    line = f"nn.{kind}Pool{n}d({k}, stride={s}, padding={p}{d}, ceil_mode=True)"
    shape = (1, 2) + tuple(draw(st.integers(1, 8)) for _ in range(n))
    return line, shape


@settings(max_examples=300, deadline=None)
@given(ceil_mode_edge_cases())
def test_ceil_mode_edges_agree_with_torch(case):
    assert_agrees(*case)


@st.composite
def lp_pool_cases(draw):
    n = draw(st.integers(1, 3))
    norm = draw(st.sampled_from(["1", "2", "3.5"]))
    kernel = (str(draw(st.integers(1, 6))) if n == 1 or draw(st.booleans())
              else _sizes(draw, n, 1, 6))
    args = [norm, kernel]
    if draw(st.booleans()):
        args.append(f"stride={_sizes(draw, n, 1, 4)}")
    args.append(f"ceil_mode={draw(st.booleans())}")
    return f"nn.LPPool{n}d({', '.join(args)})", _input(draw, n)


@settings(max_examples=200, deadline=None)
@given(lp_pool_cases())
def test_lp_pool_agrees_with_torch(case):
    assert_agrees(*case)


@st.composite
def adaptive_cases(draw):
    n = draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["Max", "Avg"]))
    entry = st.integers(-1, 12) if draw(st.integers(0, 9)) == 0 else st.integers(0, 12)
    form = draw(st.sampled_from(["int", "tuple", "tuple", "wrong"]))
    if form == "int":
        size = str(draw(entry))
    else:
        count = n if form == "tuple" else draw(st.sampled_from([c for c in (1, 2, 3) if c != n]))
        items = [draw(st.one_of(entry, st.just(None))) if n > 1 else draw(entry)
                 for _ in range(count)]
        size = "(" + ", ".join(str(v) for v in items) + ("," if count == 1 else "") + ")"
    extra = f", return_indices={draw(st.booleans())}" if kind == "Max" and draw(st.booleans()) \
        else ""
    return f"nn.Adaptive{kind}Pool{n}d({size}{extra})", _input(draw, n)


@settings(max_examples=250, deadline=None)
@given(adaptive_cases())
def test_adaptive_pool_agrees_with_torch(case):
    assert_agrees(*case)
