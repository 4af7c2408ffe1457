"""Activations, dropout and GLU against real PyTorch: every module with random arguments
(some invalid) on inputs of rank 1 to 6, batched or not."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.torch.harness import assert_agrees

NO_ARGS = ["Sigmoid", "Tanh", "Softsign", "Tanhshrink", "LogSigmoid", "Softmax2d"]
INPLACE = ["ReLU", "ReLU6", "SELU", "SiLU", "Mish", "Hardswish", "Hardsigmoid"]
DROPOUT = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
           "FeatureAlphaDropout"]

numbers = st.sampled_from(["-1.5", "-0.5", "0", "0.0", "0.25", "1", "2.0"])
probabilities = st.sampled_from(["0", "0.0", "0.3", "1", "1.0", "-0.1", "1.5"])


@st.composite
def elementwise_lines(draw, rank: int):
    kind = draw(st.sampled_from(["none", "inplace", "dropout", "other"]))
    if kind == "none":
        return f"nn.{draw(st.sampled_from(NO_ARGS))}()"
    if kind == "inplace":
        return f"nn.{draw(st.sampled_from(INPLACE))}(inplace={draw(st.booleans())})"
    if kind == "dropout":
        return f"nn.{draw(st.sampled_from(DROPOUT))}({draw(probabilities)})"
    dim = draw(st.integers(-rank - 1, rank))
    return draw(st.sampled_from([
        f"nn.LeakyReLU({draw(numbers)})",
        f"nn.ELU(alpha={draw(numbers)})",
        f"nn.CELU({draw(numbers)})",
        f"nn.GELU(approximate={draw(st.sampled_from(['none', 'tanh', 'exact']))!r})",
        f"nn.Softplus({draw(numbers)}, {draw(numbers)})",
        f"nn.Softshrink({draw(numbers)})",
        f"nn.Hardshrink({draw(numbers)})",
        f"nn.Hardtanh({draw(numbers)}, {draw(numbers)})",
        f"nn.Hardtanh(min_value={draw(numbers)})",
        f"nn.Threshold({draw(numbers)}, {draw(numbers)})",
        f"nn.RReLU({draw(numbers)}, {draw(numbers)})",
        f"nn.{draw(st.sampled_from(['Softmax', 'Softmin', 'LogSoftmax']))}(dim={dim})",
        f"nn.{draw(st.sampled_from(['Softmax', 'Softmin', 'LogSoftmax']))}()",
        f"nn.GLU(dim={dim})",
        "nn.GLU()",
        f"nn.PReLU({draw(st.integers(0, 4))})",
        "nn.PReLU()",
    ]))


@st.composite
def elementwise_cases(draw):
    rank = draw(st.integers(1, 6))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=rank, max_size=rank)))
    return draw(elementwise_lines(rank)), shape


@settings(max_examples=300, deadline=None)
@given(elementwise_cases())
def test_elementwise_agrees_with_torch(case):
    assert_agrees(*case)
