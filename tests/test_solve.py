"""`shapecalc solve`: the padding that keeps the size, the largest dilation that fits."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from shapecalc.cli import main

SAME = "convention: pytorch\ninput: (1, C, H, H)\nnn.Conv2d(C, C, k, padding=p)\n"
STRIDED = "convention: pytorch\ninput: (1, C, H, H)\nnn.Conv2d(C, C, k, stride=s, padding=p)\n"
DILATED = "convention: pytorch\ninput: (1, 256, 11, 11)\nnn.Conv2d(256, 128, 5, stride=2, dilation=d)\n"


def solve(tmp_path, text: str, *args: str) -> str:
    path = tmp_path / "net.txt"
    path.write_text(text)
    result = CliRunner().invoke(main, ["solve", str(path), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_padding_that_keeps_the_size_seed_003_q5_2(tmp_path):
    # output = H + 2p - k + 1 = H  ->  p = (k - 1)/2, an integer for odd kernels only
    out = solve(tmp_path, SAME, "p", "--keep-size")
    assert "p = (k - 1)/2  (an integer only when k - 1 is divisible by 2)" in out


@pytest.mark.parametrize("k, answer", [("3", "p = 1"), ("7", "p = 3"),
                                       ("4", "no integer p  (p would be 3/2)")])
def test_padding_for_a_given_kernel(tmp_path, k, answer):
    assert answer in solve(tmp_path, SAME, "p", "--keep-size", "--set", f"k={k}")


def test_padding_with_stride_is_a_range(tmp_path):
    out = solve(tmp_path, STRIDED, "p", "--keep-size")
    assert "ceiling((H*s - H + k - s)/2) <= p <= ceiling((H*s - H + k)/2) - 1" in out
    # stride 2, k = 3, H = 32: floor((32 + 2p - 3)/2) + 1 = 16 (= ceil(32/2)) at p = 1 only
    out = solve(tmp_path, STRIDED, "p", "--output", "(H + 1) // 2", "--set", "k=3",
                "--set", "s=2", "--set", "H=32")
    assert "p = 1" in out


def test_many_solutions_are_counted(tmp_path):
    out = solve(tmp_path, STRIDED, "p", "--output", "16", "--set", "k=3", "--set", "s=4",
                "--set", "H=61")
    # floor((58 + 2p)/4) + 1 = 16  <->  60 <= 58 + 2p < 64  <->  1 <= p <= 2
    assert "1 <= p <= 2  (2 integer solutions)" in out


def test_largest_dilation_that_fits(tmp_path):
    # 11 >= d*(5 - 1) + 1  ->  d <= 2 (seed 003 Q5: dilation 8 does not fit)
    assert "valid for d <= 2" in solve(tmp_path, DILATED, "d")


def test_keras_padding_through_zero_padding(tmp_path):
    # Keras has no numeric padding argument: ZeroPadding2D(p) + a 'valid' conv is its form
    text = ("convention: keras\ninput: (H, H, C)\nlayers.ZeroPadding2D(p)\n"
            "layers.Conv2D(8, k, strides=s)\n")
    out = solve(tmp_path, text, "p", "--keep-size", "--set", "s=1")
    assert "p = (k - 1)/2" in out


def test_unknown_inside_a_rounding_is_explained(tmp_path):
    path = tmp_path / "net.txt"
    path.write_text("convention: keras\ninput: (H, H, C)\n"
                    "layers.Conv2D(8, 3, strides=s, padding='same')\n")
    result = CliRunner().invoke(main, ["solve", str(path), "s", "--keep-size"])
    assert result.exit_code == 2
    assert "H/s is not linear in s" in result.output
