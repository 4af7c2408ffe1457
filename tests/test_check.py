"""`expect` lines and `shapecalc check`: failures at file:line, --update, GitHub format."""

from __future__ import annotations

from click.testing import CliRunner

from shapecalc.cli import main

GOOD = """\
convention: pytorch
input: (1, 3, 32, 32)
nn.Conv2d(3, 8, 3)          # 30x30
expect layer 1 output: (1, 8, 30, 30)
nn.Conv2d(8, 8, 3, stride=2)
expect output: (1, 8, 14, 14)
expect params: 808
expect layer conv2d_1 macs: 112_896
expect rf: 5
"""

WRONG = """\
convention: keras
input: (256, 256, 3)
layers.Conv2D(64, (3, 3), padding='same')
expect layer 1 params: 1,729     # 64·(3·3·3) forgot the bias
layers.Conv2D(32, (5, 5), strides=2)
expect output: (None, 125, 125, 32)
"""


def run(tmp_path, text: str, *args: str, name: str = "net.txt"):
    path = tmp_path / name
    path.write_text(text)
    return CliRunner().invoke(main, ["check", str(path), *args]), path


def test_all_expectations_hold(tmp_path):
    result, _ = run(tmp_path, GOOD)
    assert result.exit_code == 0, result.output
    assert "5 expectations in 1 files, 0 failed" in result.output


def test_failures_name_file_line_expected_and_got(tmp_path):
    result, path = run(tmp_path, WRONG)
    assert result.exit_code == 1
    assert f"{path}:4: layer 1 params: expected 1,729, got 1,792" in result.output
    assert f"{path}:6: output: expected (None, 125, 125, 32), got (None, 126, 126, 32)" \
        in result.output


def test_github_annotations(tmp_path):
    result, path = run(tmp_path, WRONG, "--format", "github")
    assert f"::error file={path},line=4::layer 1 params: expected 1,729, got 1,792" \
        in result.stdout


def test_update_rewrites_values_and_keeps_the_rest(tmp_path):
    result, path = run(tmp_path, WRONG, "--update")
    assert result.exit_code == 0, result.output
    assert path.read_text() == WRONG.replace("1,729", "1,792").replace(
        "(None, 125, 125, 32)", "(None, 126, 126, 32)")
    again = CliRunner().invoke(main, ["check", str(path)])
    assert again.exit_code == 0


def test_expected_refusal(tmp_path):
    text = ("convention: pytorch\ninput: (1, 256, 11, 11)\n"
            "nn.Conv2d(256, 128, 5, stride=2, dilation=8)\n"
            "expect layer 1 error: \"effective kernel 33\"\n")
    assert run(tmp_path, text)[0].exit_code == 0
    wrong_layer = text.replace("expect layer 1", "expect layer 2")
    result, _ = run(tmp_path, wrong_layer)
    assert result.exit_code == 1 and "got at layer 1" in result.output


def test_unexpected_refusal_fails_at_its_line(tmp_path):
    text = "convention: pytorch\ninput: (1, 3, 4, 4)\nnn.Conv2d(3, 8, 5)\nexpect params: 608\n"
    result, path = run(tmp_path, text)
    assert result.exit_code == 1
    assert f"{path}:3: unexpected error:" in result.output


def test_symbolic_expectations(tmp_path):
    text = ("convention: pytorch\ninput: (N, 3, H, W)\nnn.Conv2d(3, 8, 3, stride=2)\n"
            "nn.Conv2d(8, 8, 3, stride=2)\n"
            "expect output: (N, 8, (H - 7) // 4 + 1, (W - 7) // 4 + 1)\n")
    result, _ = run(tmp_path, text)
    assert result.exit_code == 0, result.output


def test_directories_are_searched(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text(GOOD)
    (tmp_path / "b.txt").write_text(WRONG)
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert "7 expectations in 2 files, 2 failed" in result.output


def test_bad_expect_line_is_a_spec_error(tmp_path):
    result, path = run(tmp_path, GOOD + "expect colour: red\n")
    assert result.exit_code == 1
    assert f"{path}:10: cannot read the spec: expected `expect [layer N] KEY: VALUE`" \
        in result.output
