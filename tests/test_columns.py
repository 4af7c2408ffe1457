"""--columns: the per-layer columns people know from torchinfo's col_names and Keras'
summary (input shape, kernel shape, "Connected to", receptive field) in every format, and
--memory, torchinfo's memory estimate."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner

from shapecalc.cli import main

# an Inception-like branch: a 3x3 and a 1x1 conv of the same input, added
GRAPH = """\
convention: keras
img = keras.Input(shape=(8, 8, 3))
x = layers.Conv2D(4, 3, padding='same')(img)
y = layers.Conv2D(4, 1)(img)
z = layers.Add()([x, y])
p = layers.MaxPooling2D()(z)
"""
ALL = "input,output,kernel,params,macs,rf,connected"


def analyze(tmp_path, text: str, *args: str):
    path = tmp_path / "net.txt"
    path.write_text(text)
    return CliRunner().invoke(main, ["analyze", str(path), *args])


def test_table_columns(tmp_path):
    result = analyze(tmp_path, GRAPH, "--columns", ALL)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split("  ")[0:2] == ["#", "Layer (type)"]
    titles = [t.strip() for t in lines[0].split("  ") if t.strip()]
    assert titles == ["#", "Layer (type)", "Input shape", "Output shape", "Kernel shape",
                      "Params", "MACs", "RF size", "Connected to"]
    add = next(line for line in lines if "add (Add)" in line)
    # both branches' outputs go in; the union of a 3x3 and a 1x1 field is 3
    cells = [c.strip() for c in re.split(r"\s{2,}", add)]
    assert cells[2:] == ["(None, 8, 8, 4), (None, 8, 8, 4)", "(None, 8, 8, 4)", "0", "0", "3",
                         "conv2d, conv2d_1"]  # no kernel
    pool = [c.strip() for c in re.split(r"\s{2,}", lines[5])]
    assert pool[4:] == ["(2, 2)", "0", "0", "4", "add"]  # field 3 + (2 - 1)·1


def test_markdown_latex_csv_json_carry_the_columns(tmp_path):
    markdown = analyze(tmp_path, GRAPH, "--columns", "kernel,connected", "--format",
                       "markdown").output.splitlines()
    assert markdown[0] == "| # | Layer (type) | Kernel shape | Connected to |"
    assert markdown[1] == "|---:|---|---|---|"
    assert markdown[2] == "| 1 | conv2d (Conv2D) | (3, 3) | img |"
    latex = analyze(tmp_path, GRAPH, "--columns", "input,rf", "--format", "latex").output
    assert latex.startswith("\\begin{tabular}{rp{") and latex.splitlines()[0].count("p{") == 3
    assert "\\# & Layer (type) & Input shape & RF size \\tabularnewline" in latex
    assert ("3 & add (Add) & $(\\mathrm{None},\\allowbreak 8,\\allowbreak 8,\\allowbreak 4)$, "
            "$(\\mathrm{None},\\allowbreak 8,\\allowbreak 8,\\allowbreak 4)$ & 3 "
            "\\tabularnewline") in latex
    rows = list(csv.DictReader(io.StringIO(analyze(tmp_path, GRAPH, "--columns", ALL,
                                                   "--format", "csv").output)))
    assert rows[2]["connected_to"] == "conv2d, conv2d_1"
    assert rows[1]["kernel_shape"] == "(1, 1)" and rows[3]["rf_size"] == "4"
    assert rows[0]["input_shapes"] == "(None, 8, 8, 3)"
    data = json.loads(analyze(tmp_path, GRAPH, "--format", "json").output)
    add = data["layers"][2]
    assert add["input_shapes"] == [[None, 8, 8, 4], [None, 8, 8, 4]]
    assert add["inputs"] == ["conv2d", "conv2d_1"] and add["kernel_shape"] is None
    assert data["layers"][0]["kernel_shape"] == [3, 3]


def test_block_rows_fill_the_columns(tmp_path):
    text = """\
convention: pytorch
input: (1, 3, 16, 16)
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 3, 3, padding=1)
        self.b = nn.Conv2d(3, 3, 5, padding=2)
    def forward(self, x):
        return self.b(self.a(x))
Block()
"""
    result = analyze(tmp_path, text, "--columns", "input,kernel,rf", "--depth", "1")
    assert result.exit_code == 0, result.output
    block = result.output.splitlines()[2]
    assert "(1, 3, 16, 16)" in block and block.endswith("7")  # 3 + (5 - 1)


def test_unknown_column_names_the_valid_ones(tmp_path):
    result = analyze(tmp_path, GRAPH, "--columns", "output,kernal")
    assert result.exit_code == 2
    assert "unknown column 'kernal'" in result.output and "kernel" in result.output


MEMORY = """\
convention: pytorch
input: (2, 3, 8, 8)
nn.Conv2d(3, 4, 3)
nn.ReLU()
nn.Flatten()
nn.Linear(144, 10)
"""


def test_memory_estimate(tmp_path):
    # input 2·3·8·8·4 + 64 = 1,600; outputs of the layers with weights, twice:
    # 2·4·(2·4·6·6 + 2·10) = 2,464; params (4·27 + 4 + 144·10 + 10)·4 = 6,248
    data = json.loads(analyze(tmp_path, MEMORY, "--memory", "--format", "json").output)
    assert data["memory"] == {"input_bytes": 1600, "forward_backward_bytes": 2464,
                              "params_bytes": 6248, "total_bytes": 10312}
    text = analyze(tmp_path, MEMORY, "--memory").output
    assert "Estimated Total Size (MB):       0.01 (10,312 bytes)" in text
    assert "Memory" not in analyze(tmp_path, MEMORY).output


@pytest.mark.parametrize("text, expected", [
    (MEMORY.replace("(2, 3, 8, 8)", "(N, 3, 8, 8)"), "(768*N + 64)/1000000"),
    (GRAPH, "no estimate"),  # a Keras batch is None
])
def test_memory_estimate_symbolic_or_absent(tmp_path, text, expected):
    assert expected in analyze(tmp_path, text, "--memory").output
