"""Runs a constructor line in real PyTorch and in shapecalc, and compares what both say.

The PyTorch side builds the module from the same text (test code may evaluate it; the
product never does), runs it on a zero/index tensor of the input shape under
torch.utils.flop_counter.FlopCounterMode, and records the output shape, parameters,
buffers and FLOPs, or the error it raised.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import pytest

torch = pytest.importorskip("torch")
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from tests.helpers import last_layer  # noqa: E402


@dataclass(frozen=True)
class Facts:
    shape: tuple | None = None
    params: int | None = None
    buffers: int | None = None
    flops: int | None = None
    error: str | None = None


def torch_facts(line: str, input_shape: tuple, *, integer_input: int | None = None,
                train: bool = True) -> Facts:
    """What PyTorch says. ``integer_input=N`` feeds indices in [0, N) (Embedding)."""
    namespace = {"nn": torch.nn, "torch": torch}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = eval(line, namespace)  # test-side only: the text is our own fixture
            if integer_input is not None:
                x = torch.randint(0, integer_input, input_shape)
            else:
                x = torch.randn(input_shape)
            module.train(train)
            out = module(x)  # refusals from a plain forward: some ops decompose under
            with FlopCounterMode(display=False) as counter:  # the counter, skipping checks
                module(x)
    except Exception as error:  # the framework's refusal is the fact we record
        return Facts(error=f"{type(error).__name__}: {error}")
    if isinstance(out, tuple):
        out = out[0]
    return Facts(
        shape=tuple(out.shape),
        params=sum(p.numel() for p in module.parameters()),
        buffers=sum(b.numel() for b in module.buffers()),
        flops=counter.get_total_flops(),
    )


def facts_of_spec(text: str) -> Facts:
    """What shapecalc says of a spec's last layer."""
    layer = last_layer(text)
    if isinstance(layer, str):
        return Facts(error=layer)
    return Facts(shape=layer.output_shape, params=layer.params, buffers=layer.buffers,
                 flops=layer.flops)


def shapecalc_facts(line: str, input_shape: tuple) -> Facts:
    return facts_of_spec(f"convention: pytorch\ninput: {tuple(input_shape)}\n{line}\n")


def assert_agrees(line: str, input_shape: tuple, *, compare_flops: bool = True,
                  **torch_options) -> Facts:
    """shapecalc and PyTorch agree: same shape, params, buffers and FLOPs, or both refuse."""
    theirs = torch_facts(line, input_shape, **torch_options)
    ours = shapecalc_facts(line, input_shape)
    context = f"{line} on {tuple(input_shape)}"
    if theirs.error:
        assert ours.error, f"{context}: torch refuses ({theirs.error}) but shapecalc gives {ours}"
        return theirs
    assert not ours.error, f"{context}: torch gives {theirs} but shapecalc refuses: {ours.error}"
    assert ours.shape == theirs.shape, f"{context}: shape {ours.shape} != torch {theirs.shape}"
    assert ours.params == theirs.params, f"{context}: params {ours.params} != {theirs.params}"
    assert ours.buffers == theirs.buffers, f"{context}: buffers {ours.buffers} != {theirs.buffers}"
    if compare_flops:
        assert ours.flops == theirs.flops, f"{context}: flops {ours.flops} != {theirs.flops}"
    return theirs
