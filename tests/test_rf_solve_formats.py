"""`shapecalc rf` and `shapecalc solve` in every format: the JSON parsed back and checked
against receptive fields derived by hand; Markdown and LaTeX carry the same numbers."""

from __future__ import annotations

import json

import pytest
import sympy
from click.testing import CliRunner

from shapecalc.cli import main

# 3x3 convs; by hand, on each axis: size r' = r + (k-1)·j, jump j' = j·s,
# start c' = c + ((k-1)/2 - p)·j.
#   conv 3, s1, p0: r=3, j=1, c=1
#   conv 3, s2, p0: r=5, j=2, c=2
#   conv 3, s1, p1: r=9, j=2, c=2
STACK = """\
convention: pytorch
input: (1, 3, 32, 32)
nn.Conv2d(3, 8, 3)
nn.Conv2d(8, 8, 3, stride=2)
nn.Conv2d(8, 8, 3, padding=1)
"""

# the first conv keeps the size for any dilation d: r = 2d + 1, c = 0; a 5x3 kernel after
# it: r = 2d + 5 and c = 2 on the height, r = 2d + 3 and c = 1 on the width
SYMBOLIC = """\
convention: pytorch
input: (1, 3, H, W)
nn.Conv2d(3, 8, 3, dilation=d, padding=d)
nn.Conv2d(8, 8, (5, 3))
"""


def invoke(tmp_path, command: str, text: str, *args: str):
    path = tmp_path / "net.txt"
    path.write_text(text)
    result = CliRunner().invoke(main, [command, str(path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_rf_json_matches_hand_derived_fields(tmp_path):
    data = json.loads(invoke(tmp_path, "rf", STACK, "--format", "json"))
    assert set(data) == {"layers", "output"}
    fields = [layer["receptive_field"] for layer in data["layers"]]
    assert [f["size"] for f in fields] == [[3, 3], [5, 5], [9, 9]]
    assert [f["jump"] for f in fields] == [[1, 1], [2, 2], [2, 2]]
    assert [f["start"] for f in fields] == [[1, 1], [2, 2], [2, 2]]
    assert data["output"] == {"size": [9, 9], "jump": [2, 2], "start": [2, 2]}
    assert data["layers"][1]["output_shape"] == [1, 8, 14, 14]
    assert all(type(v) is int for f in fields for part in f.values() for v in part)


def test_rf_json_symbolic_values_parse_back(tmp_path):
    data = json.loads(invoke(tmp_path, "rf", SYMBOLIC, "--format", "json"))
    d = sympy.Symbol("d")
    size = [sympy.sympify(v) for v in data["output"]["size"]]
    assert [sympy.simplify(s - want) for s, want in zip(size, (2 * d + 5, 2 * d + 3))] == [0, 0]
    assert data["output"]["start"] == [2, 1] and data["output"]["jump"] == [1, 1]
    first = data["layers"][0]["receptive_field"]
    assert sympy.simplify(sympy.sympify(first["size"][0]) - (2 * d + 1)) == 0
    assert first["start"] == [0, 0]


def test_rf_json_whole_input_is_null(tmp_path):
    text = STACK + "nn.Flatten()\n"
    data = json.loads(invoke(tmp_path, "rf", text, "--format", "json"))
    assert data["layers"][-1]["receptive_field"] is None and data["output"] is None


def test_rf_markdown_and_latex(tmp_path):
    markdown = invoke(tmp_path, "rf", SYMBOLIC, "--format", "markdown", "--symbolic")
    lines = markdown.splitlines()
    assert lines[0] == "| # | Layer (type) | Output shape | RF size | Jump | Start |"
    assert lines[2] == "| 1 | conv2d (Conv2d) | `(1, 8, H, W)` | `2*d + 1` | 1 | 0 |"
    assert "- axis 1: size = `2*d + 5`, jump = `1`, start = `2`" in lines
    assert "- axis 2: size = `2*d + 3`, jump = `1`, start = `1`" in lines
    latex = invoke(tmp_path, "rf", STACK, "--format", "latex", "--symbolic")
    assert "\\begin{tabular}{rllrrr}" in latex
    assert ("3 & conv2d\\_2 (Conv2d) & $(1,\\allowbreak 8,\\allowbreak 14,\\allowbreak 14)$ & "
            "9 & 2 & 2 \\\\") in latex
    assert "$\\mathrm{size} = 9$" in latex


SAME = """\
convention: pytorch
input: (1, 3, H, H)
nn.Conv2d(3, 8, 5, padding=p)
"""


def test_solve_json(tmp_path):
    data = json.loads(invoke(tmp_path, "solve", SAME, "p", "--keep-size", "--format", "json"))
    (answer,) = data["answers"]
    assert data["unknown"] == "p"
    assert answer["axes"] == [2, 3] and answer["value"] == 2 and answer["empty"] is False
    p = sympy.Symbol("p")
    H = sympy.Symbol("H")
    assert sympy.simplify(sympy.sympify(answer["size"]) - (H + 2 * p - 4)) == 0
    assert answer["target"] == "H"
    # without a target: the range of H the conv accepts, H + 2p >= 5
    ranged = json.loads(invoke(tmp_path, "solve", SAME, "H", "--format", "json",
                               "--set", "p=1"))
    assert ranged["answers"][0]["low"] == 3 and ranged["answers"][0]["high"] is None


@pytest.mark.parametrize("fmt, expected", [
    ("table", "axes 2, 3 (H + 2*p - 4 = H): p = 2"),
    ("markdown", "- axes 2, 3, `H + 2*p - 4 = H`: `p = 2`"),
    ("latex", "\\item axes 2, 3, $H + 2 p - 4 = H$: $p = 2$"),
])
def test_solve_formats(tmp_path, fmt, expected):
    assert expected in invoke(tmp_path, "solve", SAME, "p", "--keep-size", "--format", fmt)
