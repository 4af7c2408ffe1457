"""The command line: formats, the JSON contract, exit codes, error locations."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from shapecalc.cli import main

NET = """\
convention: pytorch
input: (2, 3, 32, 32)
nn.Conv2d(3, 8, 3, padding=1)   # same size
nn.Conv2d(8, 16, 3, stride=2)
"""

BROKEN = """\
convention: pytorch
input: (1, 3, 16, 16)
nn.Conv2d(3, 8, 5)
nn.Conv2d(8, 8, 5, dilation=4)
nn.Conv2d(8, 8, 3)
"""

CONTRACT_KEYS = {"convention", "input_shape", "output_shape", "params", "trainable_params",
                 "non_trainable_params", "buffers", "param_bytes", "macs", "flops", "layers"}
LAYER_KEYS = {"index", "line", "name", "type", "source", "output_shape", "params",
              "trainable_params", "non_trainable_params", "buffers", "macs", "flops",
              "receptive_field"}


@pytest.fixture
def run(tmp_path):
    def invoke(text: str, *args: str):
        path = tmp_path / "net.txt"
        path.write_text(text)
        return CliRunner().invoke(main, ["analyze", str(path), *args]), str(path)

    return invoke


def test_json_contract(run):
    result, _ = run(NET, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert CONTRACT_KEYS <= set(data)
    assert data["convention"] == "pytorch"
    assert data["input_shape"] == [2, 3, 32, 32]
    assert data["output_shape"] == [2, 16, 15, 15]
    # 8·(3·9)+8 = 224 ; 16·(8·9)+16 = 1168
    assert data["params"] == 224 + 1168 and data["trainable_params"] == 1392
    assert data["param_bytes"] == 4 * 1392
    macs = 2 * 32 * 32 * 8 * 27 + 2 * 15 * 15 * 16 * 72
    assert data["macs"] == macs and data["flops"] == 2 * macs
    first, second = data["layers"]
    assert LAYER_KEYS <= set(first)
    assert (first["index"], first["line"], first["type"]) == (1, 3, "Conv2d")
    assert first["source"] == "nn.Conv2d(3, 8, 3, padding=1)"
    assert second["name"] == "conv2d_1"
    assert second["receptive_field"] == {"size": [5, 5], "jump": [2, 2], "start": [1, 1]}


def test_invalid_network_reports_error_and_what_came_before(run):
    result, path = run(BROKEN, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["errors"] == [{
        "line": 4, "column": 17, "layer_index": 2,  # at the kernel size
        "message": data["errors"][0]["message"],
    }]
    assert "effective kernel 17 = 4·(5−1)+1 is larger than the padded input 12" in \
        data["errors"][0]["message"]
    assert [layer["output_shape"] for layer in data["layers"]] == [[1, 8, 12, 12]]
    assert data["output_shape"] is None
    assert f"{path}:4:17: error: layer 2" in result.stderr


def test_table_is_plain_when_piped(run):
    result, _ = run(NET)
    assert result.exit_code == 0
    assert "\x1b[" not in result.output
    assert "conv2d_1 (Conv2d)" in result.output and "(2, 16, 15, 15)" in result.output
    assert "Total params:         1,392" in result.output


@pytest.mark.parametrize("fmt, needle", [
    ("markdown", "| 2 | conv2d_1 (Conv2d) | (2, 16, 15, 15) | 1,168 |"),
    ("csv", "2,4,conv2d_1,Conv2d,\"nn.Conv2d(8, 16, 3, stride=2)\",\"(2, 16, 15, 15)\",1168"),
])
def test_formats(run, fmt, needle):
    result, _ = run(NET, "--format", fmt)
    assert result.exit_code == 0
    assert needle in result.output


def test_set_binds_symbols_and_overrides_let(run):
    text = "convention: pytorch\nlet H = 64\ninput: (1, 3, H, H)\nnn.Conv2d(3, 4, 3)\n"
    result, _ = run(text, "--format", "json", "--set", "H=10")
    assert json.loads(result.output)["output_shape"] == [1, 4, 8, 8]


def test_convention_option_overrides_the_file(run):
    text = "convention: keras\ninput: (10, 10, 3)\nConv2D(4, 3)\n"
    result, _ = run(text, "--convention", "pytorch")
    assert result.exit_code == 1
    assert "`Conv2D` is a Keras layer" in result.stderr


@pytest.mark.parametrize("args", [
    ["analyze", "missing-file.txt"],
    ["analyze", "--format", "yaml", "x"],
    ["frobnicate"],
])
def test_usage_errors_exit_2(args):
    assert CliRunner().invoke(main, args).exit_code == 2


def test_bad_set_is_a_usage_error(run):
    result, _ = run(NET, "--set", "H")
    assert result.exit_code == 2
    assert "NAME=VALUE" in result.output


def test_syntax_error_points_at_the_column(run):
    result, path = run("convention: pytorch\ninput: (1, 3, 8, 8)\nnn.Conv2d(3, 4, 3))\n")
    assert result.exit_code == 1
    assert f"{path}:3:19: error: unmatched ')'" in result.stderr
    assert "\n    nn.Conv2d(3, 4, 3))\n                      ^" in result.stderr


def test_layers_command_lists_both_frameworks():
    result = CliRunner().invoke(main, ["layers"])
    assert result.exit_code == 0
    assert "Conv2d" in result.output and "Conv2D" in result.output
    detail = CliRunner().invoke(main, ["layers", "Conv2d"])
    assert "padding_mode: default 'zeros'" in detail.output


def test_every_registered_layer_is_listed_with_its_family():
    from shapecalc.layers.base import REGISTRY

    listing = CliRunner().invoke(main, ["layers"]).output
    for (framework, _), rule in REGISTRY.items():
        assert f"{framework:8} {rule.family:12} {rule.name}" in listing


def test_layer_detail_shows_positional_order_and_the_family_formulas():
    detail = CliRunner().invoke(main, ["layers", "Conv2D"]).output
    lines = detail.splitlines()
    assert lines[2:5] == ["    filters: required", "    kernel_size: required",
                          "    strides: default (1, 1)"]
    assert "k_eff" in detail


def test_count_adds_the_tools_column_and_total(run):
    result, _ = run(NET, "--count", "torchinfo")
    assert result.exit_code == 0, result.output
    assert "torchinfo Mult-Adds" in result.output.splitlines()[0]
    result, _ = run(NET, "--count", "fvcore", "--format", "json")
    data = json.loads(result.output)
    assert data["count"]["convention"] == "fvcore"
    # fvcore's "flops" are the MACs of the two convolutions here
    assert data["count"]["total"] == data["macs"]
    assert [c["index"] for c in data["count"]["layers"]] == [1, 2]


def test_count_refuses_a_tool_that_cannot_count_keras(run):
    result, _ = run("convention: keras\ninput: (8, 8, 3)\nlayers.Conv2D(4, 3)\n",
                    "--count", "ptflops")
    assert result.exit_code == 2
    assert "Keras spec can only be counted with the torch convention" in result.output


def test_rich_table_fits_80_columns(monkeypatch):
    import re
    from pathlib import Path

    from shapecalc import analyze_file
    from shapecalc.render.table import render

    monkeypatch.setenv("COLUMNS", "80")
    spec = Path(__file__).resolve().parent.parent / "specs" / "zoo" / "resnet18.txt"
    text = render(analyze_file(spec), depth=1, rich=True)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    assert "\x1b[" in text  # styled for a terminal
    assert max(len(line) for line in plain.splitlines()) <= 80
    assert "stage (block)" in plain
