"""nn.Embedding against real PyTorch: random tables, padding_idx in and out of range,
frozen weights, index tensors of rank 1 to 4."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.torch.harness import assert_agrees


@st.composite
def embedding_cases(draw):
    n = draw(st.integers(0, 8))
    d = draw(st.integers(0, 5))
    options = []
    if draw(st.booleans()):
        options.append(f"padding_idx={draw(st.integers(-10, 10))}")
    if draw(st.booleans()):
        options.append(f"max_norm={draw(st.sampled_from([0.5, 1.0, 2.0]))}")
    if draw(st.booleans()):
        options.append(f"_freeze={draw(st.booleans())}")
    if draw(st.booleans()):
        options.append(f"sparse={draw(st.booleans())}")
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    line = f"nn.Embedding({', '.join([str(n), str(d), *options])})"
    return line, shape, max(n, 1)


@settings(max_examples=250, deadline=None)
@given(embedding_cases())
def test_embedding_agrees_with_torch(case):
    line, shape, n = case
    assert_agrees(line, shape, integer_input=n)
