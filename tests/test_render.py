"""The human-readable formats, checked as they render: Markdown through a CommonMark
renderer (markdown-it-py), LaTeX for code syntax left in it (and through pdflatex where it
is installed), the table on a terminal, CSV as a spreadsheet reads it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from shapecalc import analyze_text
from shapecalc.cli import main
from shapecalc.errors import SHOWN
from shapecalc.render import renderer
from shapecalc.render.cells import size
from shapecalc.render.csv import neutral
from tests.helpers import spec

markdown_it = pytest.importorskip("markdown_it")

SYMBOLIC = spec("pytorch", "(N, F, H, W)", "nn.Conv2d(F, 8, k, padding=p)",
                "nn.Conv2d(8, 8, 3, stride=2)")
REFUSED = spec("pytorch", "(1, 3, 16, 16)", "nn.Conv2d(3, 8, 5)",
               "nn.Conv2d(8, 8, 5, dilation=4)", "nn.ReLU()")
REFUSAL = "effective kernel 17 = 4·(5−1)+1 is larger than the padded input 12"
# names a person may well give, and ones that try to be markup
NAMES = ['a|b', 'two\nlines', '*star* _under_', '`tick`', '<b>bold</b>', '[x](http://x)',
         '[link=https://x]click[/link]', '[/bold]', '$x$', 'a & b']
NAMED = spec("keras", "(8,)", *(f"layers.Dense(2, name={name!r})" for name in NAMES))


def analyse(text: str, fmt: str, **options) -> str:
    report = analyze_text(text, explain=options.get("explain", False))
    return renderer(fmt)(report, **options)


def cli(tmp_path, text: str, *args: str):
    path = tmp_path / "net.txt"
    path.write_text(text)
    return CliRunner().invoke(main, ["analyze", str(path), *args])


# -- Markdown ----------------------------------------------------------------------------

def html(markdown: str) -> str:
    return markdown_it.MarkdownIt("commonmark").enable("table").render(markdown)


def table_rows(rendered: str) -> list[list[str]]:
    """The cells of each row of the rendered table, as text."""
    rows = re.findall(r"<tr>(.*?)</tr>", rendered, re.S)
    return [[re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>",
                                                                 row, re.S)] for row in rows]


def unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&amp;", "&"))


def test_markdown_symbolic_values_render_as_written():
    rendered = html(analyse(SYMBOLIC, "markdown", explain=True))
    assert "<em>" not in rendered and "<strong>" not in rendered.split("<ul>")[0]
    assert "<code>(N, 8, H - k + 2*p + 1, W - k + 2*p + 1)</code>" in rendered
    assert "<code>8*F*k**2 + 8</code>" in rendered
    assert "<code>(N, 8, p + floor((H - k)/2), p + floor((W - k)/2))</code>" in rendered
    # the totals: labels bold, values in code, nothing in italics
    assert "<li><strong>Total params:</strong> <code>8*F*k**2 + 592</code> " \
        "(<code>32*F*k**2 + 2368</code> bytes)</li>" in rendered
    assert "<li><strong>Valid when:</strong> <code>H &gt;= k - 2*p</code>; " in rendered
    assert "<li><code>H_out = floor((H + 2·p − k) / s) + 1 = floor((H + 2·p − k) / 1) + 1 " \
        "= H - k + 2*p + 1</code></li>" in rendered
    assert all(len(row) == 5 for row in table_rows(rendered))


@pytest.mark.parametrize("depth", [None, 1])
def test_markdown_rows_keep_their_cells_whatever_the_names(depth):
    rendered = html(analyse(NAMED, "markdown", depth=depth))
    rows = table_rows(rendered)
    assert [len(row) for row in rows] == [5] * (len(NAMES) + 1)
    shown = [unescape(row[1]) for row in rows[1:]]
    assert shown == [f"{name} (Dense)".replace("\n", "\\n") for name in NAMES]
    assert "<em>" not in rendered and "<a " not in rendered and "<b>" not in rendered


def test_markdown_block_rows_are_indented_and_fold_by_depth():
    text = spec("pytorch", "(1, 4, 8, 8)", "def block(x, c):", "    nn.Conv2d(c, c, 3, padding=1)",
                "    nn.ReLU()", "block(4)", "nn.Flatten()")
    deep = table_rows(html(analyse(text, "markdown")))
    assert [row[1] for row in deep[1:]] == ["block (block)", "\xa0\xa0conv2d (Conv2d)",
                                             "\xa0\xa0re_lu (ReLU)", "flatten (Flatten)"]
    folded = table_rows(html(analyse(text, "markdown", depth=1)))
    assert [row[1] for row in folded[1:]] == ["block (block)", "flatten (Flatten)"]
    assert folded[1][3] == "148"


def test_markdown_source_with_backticks_stays_one_code_span():
    text = spec("keras", "(8,)", 'layers.Dense(2, name="a`b``c")')
    rendered = html(analyse(text, "markdown", explain=True))
    assert '<code>layers.Dense(2, name=&quot;a`b``c&quot;)</code>' in rendered


# -- LaTeX -------------------------------------------------------------------------------

def _text_and_math(latex: str) -> tuple[str, str]:
    """The text outside $...$ and the math inside, escaped dollars aside."""
    parts = re.split(r"(?<!\\)\$", latex)
    return "".join(parts[::2]), "".join(parts[1::2])


def assert_no_code_syntax(latex: str) -> None:
    text, math = _text_and_math(latex)
    for code in ("**", ">=", "<=", "floor(", "ceiling(", "ceil(", "*"):
        assert code not in math, code
        assert code not in text.replace("\\texttt{", ""), code
    assert not re.search(r"(?<!\\)[_^&%#]", text.replace("\\\\", "").replace(" & ", "")
                         .replace("\\tabularnewline", "")), text
    assert latex.count("\\{") == latex.count("\\}")
    assert all(len(re.findall(r"(?<!\\)\$", line)) % 2 == 0 for line in latex.splitlines())
    assert latex.count("\\begin{") == latex.count("\\end{")
    assert (latex.count("{") - latex.count("\\{")) == (latex.count("}") - latex.count("\\}"))


def test_latex_symbolic_values_are_math():
    latex = analyse(SYMBOLIC, "latex", explain=True)
    assert_no_code_syntax(latex)
    assert "\\left\\lfloor" in latex and "\\frac{" in latex
    assert "\\item Valid when: $H \\geq k - 2 p$; $W \\geq k - 2 p$; $H \\geq k - 2 p + 2$; " \
        "$W \\geq k - 2 p + 2$" in latex
    assert "p + \\left\\lfloor{\\frac{H - k}{2}}\\right\\rfloor" in latex
    assert "\\item Total params: $" in latex and "$ bytes)" in latex
    assert "\\item Input shape: $(N,\\allowbreak F,\\allowbreak H,\\allowbreak W)$" in latex


def test_latex_conditions_merged_into_a_bound_are_math():
    text = spec("pytorch", "(1, 3, H, H)", "nn.Conv2d(3, 8, 3)", "nn.Conv2d(8, 8, 7)")
    latex = analyse(text, "latex")
    assert "\\item Valid when: $H \\geq 9$" in latex
    assert_no_code_syntax(latex)


def test_latex_quotes_a_keras_rule_in_typewriter():
    text = spec("keras", "(9, 9, 3)", "layers.Conv2D(4, 3, strides=2, padding='valid')",
                "layers.Conv2D(4, 3, padding='same')")
    latex = analyse(text, "latex", explain=True)
    assert "Keras \\texttt{valid}: $" in latex and "Keras \\texttt{same}: $" in latex
    rules = [line for line in latex.splitlines() if line.startswith("\\item Keras")]
    assert len(rules) == 4 and not any("`" in line or "'" in line for line in rules)
    assert_no_code_syntax(latex)


def test_latex_escapes_the_users_names():
    latex = analyse(NAMED, "latex")
    assert "a\\textbar{}b (Dense)" in latex
    assert "two\\textbackslash{}nlines (Dense)" in latex
    assert "\\textless{}b\\textgreater{}bold" in latex
    assert "\\$x\\$ (Dense)" in latex and "a \\& b (Dense)" in latex
    assert "\\textasciigrave{}tick\\textasciigrave{}" in latex


def test_latex_text_is_ascii_for_every_sign_shapecalc_writes():
    """pdflatex stops at a character its fonts do not declare (≥, −, ←); every one that
    shapecalc's messages and labels use is written as a command. Left out: the verify
    table's ✓ and ✗, the formula prime ʹ (printed in math) and a docstring's ¡."""
    from shapecalc.explain import latex_text

    root = Path(__file__).resolve().parent.parent / "shapecalc"
    signs = {c for path in root.rglob("*.py") for c in path.read_text(encoding="utf-8")
             if ord(c) > 127} - set("✓✗ʹ¡")
    assert signs
    assert latex_text("".join(sorted(signs))).isascii(), signs


def test_latex_has_the_block_rows_and_honours_depth():
    text = spec("pytorch", "(1, 4, 8, 8)", "def block(x, c):", "    nn.Conv2d(c, c, 3, padding=1)",
                "    nn.ReLU()", "block(4)", "nn.Flatten()")
    deep = analyse(text, "latex")
    assert " & block (block) & $(1,\\allowbreak 4,\\allowbreak 8,\\allowbreak 8)$ & " \
        "\\raggedleft 148 & \\raggedleft 9{,}216 \\tabularnewline" in deep
    assert "1 & \\quad conv2d (Conv2d)" in deep
    folded = analyse(text, "latex", depth=1)
    assert " & block (block) & " in folded and "conv2d (Conv2d)" not in folded
    assert "3 & flatten (Flatten)" in folded


def test_latex_columns_fit_the_line_and_long_tables_come_in_parts():
    text = spec("pytorch", "(1, 8)", *["nn.Linear(8, 8)"] * 70)
    latex = analyse(text, "latex")
    widths = re.findall(r"p\{\\dimexpr ([0-9.]+)\\linewidth", latex.splitlines()[0])
    assert len(widths) == 4 and sum(map(float, widths)) < 0.91  # the rest: the index
    assert latex.count("\\begin{tabular}") == 3  # 30 + 30 + 10 rows
    assert latex.count("\\end{tabular}") == 3
    assert "\\end{tabular}\n\n\\begin{tabular}" in latex  # a paragraph: a page may break


def test_latex_compiles_with_a_standard_preamble(tmp_path):
    import shutil

    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base)")
    ascii_names = spec("keras", "(8,)", *(f"layers.Dense(2, name={n!r})" for n in NAMES[:-1]
                                          if "\n" not in n))
    bodies = [analyse(text, "latex", explain=True)
              for text in (SYMBOLIC, REFUSED, ascii_names)]
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\n\\begin{document}\n"
                                      + "\n".join(bodies) + "\\end{document}\n")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                           "doc.tex"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]


SPECS = sorted((Path(__file__).resolve().parent.parent / "specs").rglob("*.txt"))


@pytest.mark.parametrize("path", SPECS, ids=lambda path: path.name)
def test_every_spec_renders_clean_markdown_and_latex(path):
    report = analyze_text(path.read_text(), path=str(path), explain=True)
    for depth in (None, 1):
        rendered = html(renderer("markdown")(report, explain=True, depth=depth))
        assert "<em>" not in rendered
        assert {len(row) for row in table_rows(rendered)} == {5}
        latex = renderer("latex")(report, explain=True, depth=depth)
        assert_no_code_syntax(re.sub(r"\\texttt\{(?:[^{}]|\{\})*\}", "", latex))


# -- a refused layer is a row ------------------------------------------------------------

def test_a_refused_layer_is_a_row_in_the_plain_table():
    out = analyse(REFUSED, "table", rich=False)
    row = next(line for line in out.splitlines() if line.startswith("2 "))
    assert row.startswith("2  nn.Conv2d(8, 8, 5, dilation=4)  refused: " + REFUSAL)


def test_a_refused_layer_is_a_row_in_markdown():
    rows = table_rows(html(analyse(REFUSED, "markdown")))
    assert rows[-1][:2] == ["2", "nn.Conv2d(8, 8, 5, dilation=4)"]
    assert rows[-1][2].startswith("refused: " + REFUSAL)
    assert len(rows[-1]) == 5


def test_a_refused_layer_is_a_row_in_latex():
    latex = analyse(REFUSED, "latex")
    assert ("2 & \\texttt{nn.Conv2d(8, 8, 5, dilation=4)} & \\multicolumn{3}{p{\\dimexpr "
            "0.656\\linewidth-2\\tabcolsep\\relax}}{refused: effective kernel 17 = "
            "4$\\cdot$(5$-$1)+1 is larger") in latex
    assert_no_code_syntax(latex)


def test_a_refused_layer_is_a_row_in_csv():
    import csv
    import io

    rows = list(csv.reader(io.StringIO(analyse(REFUSED, "csv"))))
    assert len({len(row) for row in rows}) == 1
    assert rows[-1][:6] == ["2", "4", "", "", "nn.Conv2d(8, 8, 5, dilation=4)",
                            rows[-1][5]]
    assert rows[-1][5].startswith("refused: " + REFUSAL)


def test_a_refused_layer_is_a_row_on_a_terminal():
    out = analyse(REFUSED, "table", rich=True)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert re.search(r"2\s+nn\.Conv2d\(8, 8, 5, dilation=4\)\s+refused: effective kernel",
                     plain)


def test_a_refused_layer_of_a_model_is_named_by_its_path():
    text = spec("pytorch", "(1, 3, 8, 8)", "class Net(nn.Module):",
                "    def __init__(self):", "        super().__init__()",
                "        self.body = nn.Conv2d(4, 8, 3)",
                "    def forward(self, x):", "        return self.body(x)", "Net()")
    rows = table_rows(html(analyse(text, "markdown")))
    assert rows[-1][1] == "body: nn.Conv2d(4, 8, 3)"


def test_a_spec_error_is_a_row_too():
    text = spec("pytorch", "(1, 3, 8, 8)", "nn.Conv2d(3, 8, 3)", "nn.Conv2d(8, 8, 3, frob=1)")
    rows = table_rows(html(analyse(text, "markdown")))
    assert rows[-1][:2] == ["", ""]
    assert rows[-1][2].startswith("error at line 4: Conv2d() has no argument `frob`")


@pytest.mark.parametrize("fmt", ["table", "markdown", "latex", "csv", "json"])
def test_the_refusal_still_goes_to_stderr(tmp_path, fmt):
    result = cli(tmp_path, REFUSED, "--format", fmt)
    assert result.exit_code == 1
    assert "net.txt:4:17: error: layer 2 `nn.Conv2d(8, 8, 5, dilation=4)`: " + REFUSAL \
        in result.stderr
    if fmt == "json":  # the refusal is the contract's "errors" there
        import json

        assert REFUSAL in json.loads(result.stdout)["errors"][0]["message"]
    elif fmt == "latex":
        assert REFUSAL.replace("·", "$\\cdot$").replace("−", "$-$") in result.stdout
    else:
        assert REFUSAL in result.stdout


# -- sizes -------------------------------------------------------------------------------

# What Keras 3.15.1's model.summary() prints for Dense layers of these sizes (float32):
# "Total params: 4 (16.00 B)", "300 (1.17 KB)", "1,200 (4.69 KB)", "1,048,576 (4.00 MB)",
# "280,000,000 (1.04 GB)"; and "0 (0.00 B)".
@pytest.mark.parametrize("params, shown", [
    (0, "0.00 B"), (4, "16.00 B"), (300, "1.17 KB"), (1_200, "4.69 KB"),
    (1_048_576, "4.00 MB"), (280_000_000, "1.04 GB"),
    (255, "1020.00 B"), (256, "1.00 KB"),  # 1024 bytes: the next unit
])
def test_sizes_read_as_keras_prints_them(params, shown):
    assert "".join(size(4 * params)) == shown


def test_total_params_line_carries_the_size():
    text = spec("keras", "(3,)", "layers.Dense(75)")
    assert "Total params:         300 (1.17 KB)" in analyse(text, "table", rich=False)


# -- user text is never interpreted ------------------------------------------------------

def test_rich_table_prints_markup_in_names_literally():
    out = analyse(NAMED, "table", rich=True)
    assert "[link=https://x]click[/link] (Dense)" in out
    assert "[/bold] (Dense)" in out
    assert "\x1b]8;" not in out  # no terminal hyperlink
    assert "two\\nlines (Dense)" in out


def test_plain_table_keeps_a_row_per_layer_whatever_the_names():
    out = analyse(NAMED, "table", rich=False)
    assert len(out.splitlines()) == 1 + 1 + len(NAMES) + 1 + 8
    assert "two\\nlines (Dense)" in out


def test_control_characters_in_names_do_not_reach_the_terminal():
    text = spec("keras", "(8,)", 'layers.Dense(2, name="\\x1b[31mred\\x07")')
    for rich in (False, True):
        out = analyse(text, "table", rich=rich)
        assert "\\x1b[31mred\\x07 (Dense)" in out
        assert "\x07" not in out


@pytest.mark.parametrize("cell, written", [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+1+2", "'+1+2"), ("-k + 3", "'-k + 3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "\\t=1"), ("\r=1", "\\r=1"), ("a\rb", "a\\rb"),  # on one line, inert
    ("-3", "-3"), ("-2.5", "-2.5"), ("+4", "+4"),  # numbers, which no spreadsheet runs
    ("conv2d", "conv2d"), ("(None, 2)", "(None, 2)"), (1168, 1168), (None, None),
])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(cell, written):
    assert neutral(cell) == written


def test_csv_neutralises_a_name_and_its_source():
    text = spec("keras", "(8,)", "layers.Dense(2, name=\"=cmd|' /C calc'!A0\")")
    row = analyse(text, "csv").splitlines()[1]
    assert row.startswith("1,3,'=cmd|' /C calc'!A0,Dense,")


def test_a_long_line_is_cut_around_the_column(tmp_path):
    line = "nn.Conv2d(3, 8, 3, padding_mode='" + "x" * 20_000 + "', frob=1)  # " + "y" * 20_000
    result = cli(tmp_path, spec("pytorch", "(1, 3, 8, 8)", line))
    assert result.exit_code == 1
    message, shown, caret = result.stderr.splitlines()[:3]
    assert len(shown) <= SHOWN + 6 and shown.startswith("    …") and shown.endswith("…")
    column = caret.index("^")
    assert shown[column:column + 6] == "frob=1" and caret.strip() == "^" * 6


def test_a_ten_megabyte_line_is_not_echoed(tmp_path):
    result = cli(tmp_path, spec("pytorch", "(1, 3, 8, 8)", "nn.ReLU(" + " " * 10_000_000 + ")"))
    assert result.exit_code == 1
    assert len(result.stderr) < 1_000


def test_a_message_is_never_longer_than_a_screenful():
    from shapecalc.errors import SpecError

    assert len(str(SpecError("size " + "9" * 1_000_000 + " is too large"))) < 2_100


def test_a_long_source_in_a_message_is_shortened(tmp_path):
    line = "nn.Conv2d(4" + "+0" * 500 + ", 8, 3)"
    result = cli(tmp_path, spec("pytorch", "(1, 3, 8, 8)", line))
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert len(first) < 400 and "…" in first
    assert "expected input with 4 channels" in first


# -- numeric output needs no sympy ---------------------------------------------------------

def test_numeric_output_in_every_format_does_not_import_sympy():
    code = ("from shapecalc import analyze_text\nfrom shapecalc.render import renderer\n"
            f"text = {REFUSED!r}\n"
            "report = analyze_text(text, explain=True)\n"
            "for fmt in ('table', 'markdown', 'latex', 'csv', 'json'):\n"
            "    renderer(fmt)(report, depth=1, explain=True)\n"
            "    renderer(fmt)(report, columns=('input', 'output', 'kernel', 'rf', 'connected'),"
            " memory=True)\n"
            "renderer('table')(report, rich=True)\n"
            "import sys\nassert 'sympy' not in sys.modules, 'sympy imported'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# -- any name at all -----------------------------------------------------------------------

NAME_CHARACTERS = st.characters(min_codepoint=0, max_codepoint=0x7f) | st.sampled_from(
    "\u2028\u2029\x85\xa0é—·")


@settings(max_examples=150, deadline=None)
@given(st.text(NAME_CHARACTERS, min_size=1, max_size=24))
def test_any_name_renders_as_itself_in_every_format(name):
    import csv
    import io

    from shapecalc.render.cells import printable

    base = analyze_text(spec("keras", "(8,)", "layers.Dense(2)", "layers.Dense(3)"))
    report = base.replace(layers=(base.layers[0].replace(name=name), base.layers[1]))
    shown = printable(f"{name} (Dense)")

    rows = table_rows(html(renderer("markdown")(report)))
    assert [len(row) for row in rows] == [5, 5, 5]
    assert unescape(rows[1][1]).replace("\xa0", " ").strip(" \t") == \
        shown.replace("\xa0", " ").strip(" \t")

    latex = renderer("latex")(report)
    assert latex.count("{") - latex.count("\\{") == latex.count("}") - latex.count("\\}")
    assert not re.search(r"[\x00-\x1f]", latex.replace("\n", ""))

    for rich in (False, True):
        table = renderer("table")(report, rich=rich)
        assert not re.search(r"[\x00-\x08\x0b-\x1a\x1c-\x1f]", table)  # no control but ESC
        assert "\x1b]" not in table  # and no escape sequence but rich's colours

    written = renderer("csv")(report)
    assert len(written.splitlines()) == 3
    cell = next(csv.reader(io.StringIO(written.splitlines()[1])))[2]
    assert cell in (printable(name), "'" + printable(name))
    assert not cell.startswith(("=", "+", "-", "@")) or \
        re.fullmatch(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?", cell)


def test_the_receptive_field_column_is_a_value_in_every_format():
    text = spec("pytorch", "(1, 3, H, 9)", "nn.Conv2d(3, 8, (3, 1), dilation=d, padding=(d, 0))",
                "nn.Flatten()")
    latex = analyse(text, "latex", columns=("output", "rf"))
    assert "& $2 d + 1$ $\\times$ 1 \\tabularnewline" in latex
    assert "& whole input \\tabularnewline" in latex
    assert_no_code_syntax(latex)
    rows = table_rows(html(analyse(text, "markdown", columns=("output", "rf"))))
    assert [row[3] for row in rows[1:]] == ["(2*d + 1) x 1", "whole input"]
    assert "<code>(2*d + 1) x 1</code>" in html(analyse(text, "markdown", columns=("rf",)))


def test_work_over_a_size_given_as_none_is_unknown_not_none():
    """Keras: Dense(4) on a sequence of any length (input: (None, 8)) does 32 MACs per step;
    the total depends on the length, which the summary says instead of printing None."""
    from shapecalc.render import renderer

    report = analyze_text("convention: keras\ninput: (None, 8)\nlayers.Dense(4)\n")
    assert report.output_shape == (None, None, 4) and report.macs is None
    table = renderer("table")(report)
    assert "MACs per sample:      unknown: they depend on a size given as None" in table
    assert "FLOPs per sample" not in table
