"""`expect` lines and `shapecalc check`: failures at file:line, --update, GitHub format."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
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


# -- which files are checked: never green on nothing --------------------------------------

NO_EXPECT = "convention: pytorch\ninput: (1, 4)\nnn.Linear(4, 2)\n"


def test_an_empty_directory_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert f"no spec files in {tmp_path}: nothing below it matches *.txt" in result.output


def test_a_directory_without_matching_files_is_a_usage_error_until_glob_says_which(tmp_path):
    (tmp_path / "net.spec").write_text(GOOD)
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 2 and "no spec files" in result.output
    result = CliRunner().invoke(main, ["check", "--glob", "*.spec", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "5 expectations in 1 files, 0 failed" in result.output


def test_glob_is_repeatable_and_each_file_is_checked_once(tmp_path):
    (tmp_path / "a.spec").write_text(GOOD)
    (tmp_path / "b.txt").write_text(GOOD)
    result = CliRunner().invoke(main, ["check", "--glob", "*.spec", "--glob", "*.txt",
                                       str(tmp_path), str(tmp_path / "b.txt")])
    assert result.exit_code == 0, result.output
    assert "10 expectations in 2 files, 0 failed" in result.output


def test_nothing_to_check_is_a_usage_error(tmp_path):
    result, path = run(tmp_path, NO_EXPECT)
    assert result.exit_code == 2
    assert f"{path}: no `expect` lines: nothing to check" in result.stdout
    assert "0 expectations in 1 files (1 without `expect` lines), 0 failed" in result.stdout
    assert "no expectation was checked" in result.stderr


def test_a_spec_without_expectations_is_listed_and_strict_fails_it(tmp_path):
    (tmp_path / "good.txt").write_text(GOOD)
    (tmp_path / "bare.txt").write_text(NO_EXPECT)
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert f"{tmp_path / 'bare.txt'}: no `expect` lines" in result.output
    assert "5 expectations in 2 files (1 without `expect` lines), 0 failed" in result.output
    strict = CliRunner().invoke(main, ["check", "--strict", str(tmp_path)])
    assert strict.exit_code == 1
    assert "5 expectations in 2 files (1 without `expect` lines), 1 failed" in strict.output
    github = CliRunner().invoke(main, ["check", "--format", "github", str(tmp_path)])
    assert f"::warning file={tmp_path / 'bare.txt'}::no `expect` lines" in github.stdout


def test_a_fifo_named_like_a_spec_is_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")  # opening it would wait for a writer for ever
    (tmp_path / "good.txt").write_text(GOOD)
    result = subprocess.run([sys.executable, "-m", "shapecalc", "check", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "5 expectations in 1 files, 0 failed" in result.stdout


# -- --update writes values check reads back ---------------------------------------------

EVERY_KEY = ("output", "params", "trainable_params", "non_trainable_params", "buffers",
             "param_bytes", "macs", "flops", "rf")


@pytest.mark.parametrize("network", [
    "convention: pytorch\ninput: (2, 3, 32, 32)\nnn.Conv2d(3, 8, (3, 5), stride=2)\n"
    "nn.BatchNorm2d(8)\nnn.Flatten()\nnn.Linear(1680, 10)\n",
    "convention: pytorch\ninput: (1, 3, H, 8)\nnn.Conv2d(3, 8, 3, stride=2)\n"
    "nn.BatchNorm2d(8)\n",
    "convention: keras\ninput: (H, W, 3)\nlayers.Conv2DTranspose(8, k, strides=2)\n"
    "layers.BatchNormalization()\nlayers.Conv2D(4, (3, 5), strides=2)\n",
], ids=["numeric", "symbolic", "keras-max-and-fractions"])
def test_update_writes_every_kind_of_value_so_that_check_reads_it_back(tmp_path, network):
    wrong = "".join(f"expect {key}: 7\n" for key in EVERY_KEY)
    wrong += "expect layer 1 output: (1, 2)\nexpect layer 2 params: 1,000\n"
    result, path = run(tmp_path, network + wrong, "--update")
    assert result.exit_code == 0, result.output
    assert "updated 11 expectation(s)" in result.output
    again = CliRunner().invoke(main, ["check", str(path)])
    assert again.exit_code == 0, again.output
    assert "11 expectations in 1 files, 0 failed" in again.output


def test_update_writes_symbolic_sizes_as_analyze_prints_them(tmp_path):
    text = ("convention: pytorch\ninput: (1, 3, H, 8)\nnn.Conv2d(3, 8, 3, stride=2)\n"
            "expect output: (1, 8, 5, 3)\nexpect macs: 5\n")
    result, path = run(tmp_path, text, "--update")
    assert result.exit_code == 0, result.output
    assert path.read_text().endswith("expect output: (1, 8, floor((H - 3)/2) + 1, 3)\n"
                                      "expect macs: 648*floor((H - 3)/2) + 648\n")


def test_an_unreadable_value_is_quoted_with_its_parentheses(tmp_path):
    text = ("convention: pytorch\ninput: (1, 3, H, 8)\nnn.Conv2d(3, 8, 3, stride=2)\n"
            "expect output: (1, 8, round((H - 3)/2) + 1, 3)\n")
    result, path = run(tmp_path, text)
    assert result.exit_code == 1
    assert (f"{path}:4: cannot read the expected value: arithmetic needs numbers, not "
            "`round((H - 3) / 2)`") in result.output


# -- --update changes only the values ------------------------------------------------------

def test_update_keeps_crlf_a_lone_cr_the_mode_and_a_symlink(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "net.txt"
    target.write_bytes(b"convention: keras\r\ninput: (256, 256, 3)\r\n"
                       b"layers.Conv2D(64, (3, 3), padding='same')\r\n"
                       b"expect layer 1 params: 1,729  # forgot the bias\r"
                       b"expect output: (None, 255, 255, 64)\r\n")
    target.chmod(0o664)
    link = tmp_path / "net.txt"
    link.symlink_to(target)
    result = CliRunner().invoke(main, ["check", "--update", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == target
    assert target.read_bytes() == (b"convention: keras\r\ninput: (256, 256, 3)\r\n"
                                   b"layers.Conv2D(64, (3, 3), padding='same')\r\n"
                                   b"expect layer 1 params: 1,792  # forgot the bias\r"
                                   b"expect output: (None, 256, 256, 64)\r\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o664


@pytest.mark.parametrize("mode", [0o644, 0o750, 0o664, 0o600])
def test_update_keeps_the_mode(tmp_path, mode):
    path = tmp_path / "net.txt"
    path.write_text(WRONG)
    path.chmod(mode)
    result = CliRunner().invoke(main, ["check", "--update", str(path)])
    assert result.exit_code == 0, result.output
    assert "1,792" in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_update_refuses_a_read_only_file(tmp_path):
    path = tmp_path / "net.txt"
    path.write_text(WRONG)
    path.chmod(0o444)
    before = path.stat().st_ino
    result = CliRunner().invoke(main, ["check", "--update", str(path)])
    assert result.exit_code == 1
    assert f"{path}: not updated: it is read-only" in result.stderr
    assert f"{path}:4: layer 1 params: expected 1,729, got 1,792" in result.stdout
    assert path.read_text() == WRONG and path.stat().st_ino == before


def test_update_keeps_hard_links(tmp_path):
    path = tmp_path / "net.txt"
    path.write_text(WRONG)
    other = tmp_path / "same.txt"
    os.link(path, other)
    result = CliRunner().invoke(main, ["check", "--update", str(path)])
    assert result.exit_code == 0, result.output
    assert other.read_text() == path.read_text() and "1,792" in other.read_text()
    assert path.stat().st_nlink == 2 and os.path.samefile(path, other)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="giving a file to another owner needs root")
def test_update_keeps_the_owner(tmp_path):
    path = tmp_path / "net.txt"
    path.write_text(WRONG)
    os.chown(path, 4321, 4322)
    result = CliRunner().invoke(main, ["check", "--update", str(path)])
    assert result.exit_code == 0, result.output
    assert "1,792" in path.read_text()
    assert (path.stat().st_uid, path.stat().st_gid) == (4321, 4322)


def test_update_does_not_overwrite_an_edit_made_while_it_checked(tmp_path, monkeypatch):
    import shapecalc.network

    path = tmp_path / "net.txt"
    path.write_text(WRONG)
    analyze = shapecalc.network.analyze

    def analyze_while_someone_edits(*args, **kwargs):
        report = analyze(*args, **kwargs)
        with open(path, "a") as handle:
            handle.write("expect params: 1\n")
        return report

    monkeypatch.setattr(shapecalc.network, "analyze", analyze_while_someone_edits)
    result = CliRunner().invoke(main, ["check", "--update", str(path)])
    assert result.exit_code == 1
    assert f"{path}: not updated: it changed since it was checked" in result.stderr
    assert path.read_text() == WRONG + "expect params: 1\n"


def test_update_writes_in_place_where_it_cannot_make_a_file_beside_it(tmp_path, monkeypatch):
    import tempfile

    def no_room(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    path = tmp_path / "net.txt"
    path.write_text(WRONG)
    inode = path.stat().st_ino
    monkeypatch.setattr(tempfile, "mkstemp", no_room)  # a folder we may not write in
    result = CliRunner().invoke(main, ["check", "--update", str(path)])
    assert result.exit_code == 0, result.output
    assert "1,792" in path.read_text() and path.stat().st_ino == inode
    assert not [p for p in tmp_path.iterdir() if p.name != "net.txt"]


def test_update_rewrites_a_value_over_several_lines_and_reports_one_it_cannot(tmp_path):
    text = ("convention: pytorch\ninput: (1, 4)\nnn.Linear(4, 2)\n"
            "expect output: (1,\r\n                2000)\n"
            "expect layer 1 output: (1,  # the batch\n    3)\n")
    result, path = run(tmp_path, text, "--update")
    assert result.exit_code == 1
    assert "updated 1 expectation(s)" in result.output
    assert f"{path}:6: layer 1 output: expected (1," in result.output
    assert "3), got (1, 2)" in result.output
    assert path.read_bytes() == (b"convention: pytorch\ninput: (1, 4)\nnn.Linear(4, 2)\n"
                                 b"expect output: (1, 2)\n"
                                 b"expect layer 1 output: (1,  # the batch\n    3)\n")
