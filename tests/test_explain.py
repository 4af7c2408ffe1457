"""--explain: each number's formula and its substitution, in text, Markdown and LaTeX."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from shapecalc.cli import main
from shapecalc.explain import Step, render

DILATED = Step("H_out", "floor((H + 2*p - d*(k - 1) - 1)/s) + 1",
               (("H", 256), ("p", 0), ("d", 2), ("k", 5), ("s", 2)), 124)
PARAMS = Step("params", "C_out*(k_h*k_w*C_in + 1)",
              (("k_h", 5), ("k_w", 5), ("C_out", 32), ("C_in", 64)), 51232, counting=True)
SAME = Step("H_out", "ceil(H/s)", (("H", 256), ("s", 2)), 128, rule="Keras 'same'")


@pytest.mark.parametrize("step, target, text", [
    (DILATED, "text", "H_out = floor((H + 2·p − d·(k − 1) − 1) / s) + 1 = "
                      "floor((256 + 2·0 − 2·(5 − 1) − 1) / 2) + 1 = 124"),
    (PARAMS, "text", "params = C_out × (k_h × k_w × C_in + 1) = 32 × (5 × 5 × 64 + 1) = 51,232"),
    (SAME, "text", "Keras 'same': H_out = ceil(H / s) = ceil(256 / 2) = 128"),
    (SAME, "markdown", "Keras `same`: H_out = ceil(H / s) = ceil(256 / 2) = 128"),
    (DILATED, "latex", "$H_{\\mathrm{out}} = \\left\\lfloor \\frac{H + 2 \\cdot p - d \\cdot "
                       "(k - 1) - 1}{s} \\right\\rfloor + 1 = \\left\\lfloor \\frac{256 + 2 "
                       "\\cdot 0 - 2 \\cdot (5 - 1) - 1}{2} \\right\\rfloor + 1 = 124$"),
    (PARAMS, "latex", "$\\mathrm{params} = C_{\\mathrm{out}} \\times (k_{\\mathrm{h}} \\times "
                      "k_{\\mathrm{w}} \\times C_{\\mathrm{in}} + 1) = 32 \\times (5 \\times 5 "
                      "\\times 64 + 1) = 51{,}232$"),
])
def test_step_rendering(step, target, text):
    assert render(step, target) == text


def run(tmp_path, spec: str, *args: str) -> str:
    path = tmp_path / "net.txt"
    path.write_text(spec)
    result = CliRunner().invoke(main, ["analyze", str(path), "--explain", *args])
    return result.output


Q5 = ("convention: pytorch\ninput: (1, 64, 256, 256)\n"
      "nn.Conv2d(64, 32, (5, 5), stride=2, dilation=2)\n")


def test_explained_table_has_the_seed_q5_layer_worked_out(tmp_path):
    out = run(tmp_path, Q5)
    assert ("H_out = floor((H + 2·p − d·(k − 1) − 1) / s) + 1 = "
            "floor((256 + 2·0 − 2·(5 − 1) − 1) / 2) + 1 = 124") in out
    assert "params = C_out × (k_h × k_w × C_in + 1) = 32 × (5 × 5 × 64 + 1) = 51,232" in out


def test_keras_same_names_its_rule(tmp_path):
    out = run(tmp_path, "convention: keras\ninput: (256, 256, 3)\n"
                        "layers.Conv2D(8, 3, strides=2, padding='same')\n", "--format",
              "markdown")
    assert "Keras `same`: `H_out = ceil(H / s) = ceil(256 / 2) = 128`" in out


def test_latex_output_has_floor_fractions(tmp_path):
    out = run(tmp_path, Q5, "--format", "latex")
    assert "\\begin{tabular}" in out
    assert "\\left\\lfloor \\frac{256 + 2 \\cdot 0 - 2 \\cdot (5 - 1) - 1}{2} \\right\\rfloor" \
        in out


def test_no_explanations_without_the_flag(tmp_path):
    from shapecalc import analyze_text

    assert analyze_text(Q5).layers[0].explanations == ()
    assert len(analyze_text(Q5, explain=True).layers[0].explanations) == 4


@pytest.mark.parametrize("fmt", ["table", "markdown", "latex", "json"])
def test_every_spec_explains_in_every_format(fmt):
    from pathlib import Path

    specs = sorted(Path(__file__).resolve().parent.parent.glob("specs/**/*.txt"))
    assert specs
    for spec in specs:
        result = CliRunner().invoke(main, ["analyze", str(spec), "--explain", "--format", fmt])
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            (spec, result.exception)
        assert result.exit_code in (0, 1), (spec, result.output)


def test_latex_compiles_with_a_standard_preamble(tmp_path):
    import shutil
    import subprocess

    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base)")
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    bodies = []
    for name in ("specs/q5_keras_stride1.txt", "specs/zoo/resnet18.txt", "specs/q5.txt"):
        result = CliRunner().invoke(main, ["analyze", str(root / name), "--format", "latex",
                                           "--explain"])
        bodies.append(result.stdout)
    symbolic = tmp_path / "sym.txt"
    symbolic.write_text("convention: pytorch\ninput: (N, 3, H, W)\n"
                        "nn.Conv2d(3, 8, 3, stride=2)\nnn.Conv2d(8, 8, k, dilation=d)\n")
    bodies.append(CliRunner().invoke(main, ["analyze", str(symbolic), "--format", "latex",
                                            "--explain"]).stdout)
    (tmp_path / "doc.tex").write_text(
        "\\documentclass{article}\n\\begin{document}\n" + "\n".join(bodies) +
        "\\end{document}\n")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                           "doc.tex"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
