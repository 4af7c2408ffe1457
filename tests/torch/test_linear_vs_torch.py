"""Linear, Bilinear and Identity against real PyTorch: random configurations, valid and
invalid (mismatched features, unbatched inputs, inputs of rank 1 to 5)."""

from __future__ import annotations

import warnings

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.torch.harness import Facts, assert_agrees, facts_of_spec, torch
from torch.utils.flop_counter import FlopCounterMode


lead_shapes = st.lists(st.integers(1, 4), min_size=0, max_size=4).map(tuple)


@st.composite
def linear_cases(draw):
    n_in = draw(st.integers(0, 6))
    n_out = draw(st.integers(0, 6))
    bias = draw(st.booleans())
    features = n_in if n_in and draw(st.integers(0, 4)) else draw(st.integers(1, 7))
    shape = draw(lead_shapes) + (features,)
    return f"nn.Linear({n_in}, {n_out}, bias={bias})", shape


@settings(max_examples=300, deadline=None)
@given(linear_cases())
def test_linear_agrees_with_torch(case):
    assert_agrees(*case)


@settings(max_examples=60, deadline=None)
@given(lead_shapes.map(lambda s: s + (3,)), st.integers(0, 3), st.integers(0, 3))
def test_identity_agrees_with_torch(shape, n_args, n_kwargs):
    args = [str(i) for i in range(n_args)] + [f"k{i}='v'" for i in range(n_kwargs)]
    assert_agrees(f"nn.Identity({', '.join(args)})", shape)


def _bilinear_torch(line: str, shape1: tuple, shape2: tuple) -> Facts:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = eval(line, {"nn": torch.nn})  # test-side only: our own fixture text
            with FlopCounterMode(display=False) as counter:
                out = module(torch.randn(shape1), torch.randn(shape2))
    except Exception as error:
        return Facts(error=f"{type(error).__name__}: {error}")
    return Facts(shape=tuple(out.shape), params=sum(p.numel() for p in module.parameters()),
                 buffers=0, flops=counter.get_total_flops())


def _bilinear_ours(line: str, shape1: tuple, shape2: tuple) -> Facts:
    text = (f"convention: pytorch\nx1 = torch.randn{shape1}\nx2 = torch.randn{shape2}\n"
            f"y = {line}(x1, x2)\n")
    return facts_of_spec(text)


@st.composite
def bilinear_cases(draw):
    n1, n2, n_out = draw(st.integers(0, 4)), draw(st.integers(0, 4)), draw(st.integers(0, 4))
    lead = draw(lead_shapes)
    lead2 = lead if draw(st.integers(0, 3)) else draw(lead_shapes)
    f1 = n1 if n1 and draw(st.integers(0, 4)) else draw(st.integers(1, 5))
    f2 = n2 if n2 and draw(st.integers(0, 4)) else draw(st.integers(1, 5))
    line = f"nn.Bilinear({n1}, {n2}, {n_out}, bias={draw(st.booleans())})"
    return line, lead + (f1,), lead2 + (f2,)


@settings(max_examples=200, deadline=None)
@given(bilinear_cases())
def test_bilinear_agrees_with_torch(case):
    line, shape1, shape2 = case
    theirs, ours = _bilinear_torch(*case), _bilinear_ours(*case)
    context = f"{line} on {shape1} and {shape2}"
    if theirs.error:
        assert ours.error, f"{context}: torch refuses ({theirs.error}) but shapecalc gives {ours}"
        return
    assert not ours.error, f"{context}: torch gives {theirs} but shapecalc refuses: {ours.error}"
    assert ours == theirs, f"{context}: shapecalc {ours} != torch {theirs}"
