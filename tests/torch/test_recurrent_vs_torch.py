"""Recurrent layers against real PyTorch: random configurations, valid and invalid.

nn.LSTM on CPU runs oneDNN's fused kernel, which FlopCounterMode does not count (it
reports 0). shapecalc reports the count of the native path, so LSTM FLOPs are compared
with oneDNN disabled (torch.backends.mkldnn.flags(enabled=False)), as on GPU.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.torch.harness import assert_agrees, torch

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def assert_agrees_native(line: str, input_shape: tuple):
    """assert_agrees with oneDNN off, so that nn.LSTM's matmuls are seen and counted."""
    with torch.backends.mkldnn.flags(enabled=False):
        return assert_agrees(line, input_shape)


@st.composite
def recurrent_cases(draw):
    kind = draw(st.sampled_from(["RNN", "LSTM", "GRU"]))
    input_size = draw(st.integers(1, 6))
    hidden = draw(st.integers(1, 6))
    args = [str(input_size), str(hidden)]
    options = []
    if draw(st.booleans()):
        options.append(f"num_layers={draw(st.sampled_from([1, 2, 3, 1, 2, 3, 0]))}")
    if kind == "RNN" and draw(st.booleans()):
        options.append(f"nonlinearity={draw(st.sampled_from(['tanh', 'relu'] * 3 + ['gelu']))!r}")
    if draw(st.booleans()):
        options.append(f"bias={draw(st.sampled_from(['True', 'False'] * 4 + ['1']))}")
    batch_first = draw(st.booleans())
    options.append(f"batch_first={batch_first}")
    if draw(st.booleans()):
        options.append(f"dropout={draw(st.sampled_from(['0.0', '0.5', '1', '0.2'] * 2 + ['1.5', '-0.1']))}")
    if draw(st.booleans()):
        options.append("bidirectional=True")
    if kind == "LSTM" and draw(st.booleans()):
        options.append(f"proj_size={draw(st.one_of(st.integers(0, hidden - 1), st.integers(-1, 7)))}")
    line = f"nn.{kind}({', '.join(args + options)})"
    steps = draw(st.integers(1, 5))
    batch = draw(st.integers(1, 3))
    features = input_size if draw(st.integers(0, 19)) else input_size + 1
    rank = draw(st.sampled_from([3, 3, 3, 2, 2, 2, 1, 4]))
    if rank == 3:
        shape = (batch, steps, features) if batch_first else (steps, batch, features)
    elif rank == 2:
        shape = (steps, features)
    elif rank == 1:
        shape = (features,)
    else:
        shape = (2, steps, batch, features)
    return line, shape


@settings(max_examples=300, deadline=None)
@given(recurrent_cases())
def test_recurrent_agrees_with_torch(case):
    assert_agrees_native(*case)


@st.composite
def cell_cases(draw):
    kind = draw(st.sampled_from(["RNNCell", "LSTMCell", "GRUCell"]))
    input_size = draw(st.integers(0, 6))
    hidden = draw(st.integers(0, 6))
    options = []
    if draw(st.booleans()):
        options.append(f"bias={draw(st.booleans())}")
    if kind == "RNNCell" and draw(st.booleans()):
        options.append(f"nonlinearity={draw(st.sampled_from(['tanh', 'relu', 'x']))!r}")
    line = f"nn.{kind}({', '.join([str(input_size), str(hidden)] + options)})"
    features = max(input_size, 1) if draw(st.integers(0, 9)) else input_size + 1
    shape = draw(st.sampled_from([(3, features), (features,), (2, 3, features)]))
    return line, shape


@settings(max_examples=200, deadline=None)
@given(cell_cases())
def test_cells_agree_with_torch(case):
    assert_agrees(*case)


def test_lstm_flops_on_cpu_need_onednn_off():
    """The quirk itself: with oneDNN on, FlopCounterMode sees no matmul in nn.LSTM."""
    from tests.torch.harness import torch_facts

    assert torch_facts("nn.LSTM(4, 6)", (5, 3, 4)).flops == 0
    assert assert_agrees_native("nn.LSTM(4, 6)", (5, 3, 4)).flops == 2 * 5 * 3 * 24 * 10
