"""Lines as real code writes them, read by shapecalc and run by PyTorch 2.13.0: the output
shape must agree, or both must refuse. Each case is a reading shapecalc once got wrong."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from shapecalc import analyze_text  # noqa: E402

HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def shapecalc_says(code: str, shape: tuple, dtype: str = "") -> tuple | str:
    report = analyze_text(f"convention: pytorch\ninput: {shape} {dtype}\n{HEADER}{code}\n")
    return str(report.errors[0]) if report.errors else report.output_shape


def torch_says(code: str, shape: tuple, dtype: str = "") -> tuple | str:
    x = torch.randint(0, 10, shape) if dtype == "int64" else torch.rand(shape)  # ≥ 0
    namespace = {"x": x}
    try:
        exec(HEADER + code, namespace)  # test-side only: the code is our own fixture
    except Exception as error:  # the framework's refusal is the fact
        return f"{type(error).__name__}: {error}"
    return tuple(namespace["x"].shape)


CASES = [
    # RegNet's forward: flatten keeps the batch (start_dim=1), at batch 2 and at batch 1
    ("x = nn.AdaptiveAvgPool2d((1, 1))(x)\nx = x.flatten(start_dim=1)\n"
     "x = nn.Linear(440, 1000)(x)", (2, 440, 7, 7), ""),
    ("x = nn.AdaptiveAvgPool2d((1, 1))(x)\nx = x.flatten(start_dim=1)\n"
     "x = nn.Linear(440, 1000)(x)", (1, 440, 7, 7), ""),
    ("x = nn.AdaptiveAvgPool2d((1, 1))(x)\nx = torch.flatten(x, start_dim=1)\n"
     "x = nn.Linear(440, 1000)(x)", (1, 440, 7, 7), ""),
    ("x = torch.flatten(x, 1, 2)", (2, 3, 4, 5), ""),
    ("x = x.flatten()", (2, 3, 4), ""),
    # an Embedding reads indices: a layer's float output is refused, a declared int64 input
    # is read, a declared float32 one is refused
    ("x = nn.Linear(10, 10)(x)\nx = nn.Embedding(100, 8)(x)", (1, 10), ""),
    ("x = nn.Embedding(100, 8)(x)", (1, 1024), "int64"),
    ("x = nn.Embedding(100, 8)(x)", (1, 1024), "float32"),
    ("x = nn.Embedding(100, 8)(x.float())", (2, 5), "int64"),
    ("x = nn.Embedding(100, 8)(x.long())", (2, 5), "float32"),
    ("x = F.one_hot(x, 10)", (2, 5), "int64"),
    ("x = F.one_hot(x, 10)", (2, 5), "float32"),
]


@pytest.mark.parametrize("code, shape, dtype", CASES)
def test_reading_agrees_with_torch(code, shape, dtype):
    ours, theirs = shapecalc_says(code, shape, dtype), torch_says(code, shape, dtype)
    if isinstance(theirs, str):
        assert isinstance(ours, str), f"PyTorch refuses ({theirs}); shapecalc gives {ours}"
    else:
        assert ours == theirs


def test_bare_lines_continue_the_chain_through_x():
    """A spec's bare lines: `x` is the tensor the chain has reached, as in forward()."""
    code = "nn.AdaptiveAvgPool2d((1, 1))\nx.flatten(start_dim=1)\nnn.Linear(440, 1000)"
    expected = torch_says("x = nn.AdaptiveAvgPool2d((1, 1))(x)\nx = x.flatten(start_dim=1)\n"
                          "x = nn.Linear(440, 1000)(x)", (2, 440, 7, 7))
    assert shapecalc_says(code, (2, 440, 7, 7)) == expected == (2, 1000)
