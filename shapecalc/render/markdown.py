"""GitHub Markdown: the per-layer table and the totals, ready to paste.

The user's text is escaped and values with symbols go in code spans, so that CommonMark
renders what was computed: ``H - k + 2*p + 1`` is not half in italics, and a ``|`` or a
newline in a layer's name does not break its row.
"""

from __future__ import annotations

import re

from shapecalc.algebra import is_symbolic
from shapecalc.explain import render as render_step, rule_text
from shapecalc.render.cells import (DEFAULT_COLUMNS, Condition, Refusal, cell_text, headers,
                                    kinds, left_aligned, pieces, printable, rows, text,
                                    total_lines)
from shapecalc.report import NetworkReport

# Backslash-escaped: what could start emphasis, a link, an HTML tag, an entity, a code span
# or (on GitHub) math; `_` except between letters or digits, where it never emphasises
# (conv2d_1). `|` is escaped only in table cells, where a code span needs it too.
_SPECIAL = re.compile(r"([\\`*\[\]<>&~$]|(?<![^\W_])_|_(?![^\W_]))")


def escape(value: str) -> str:
    """The user's text as Markdown that renders as that text."""
    return _SPECIAL.sub(r"\\\1", printable(value))


def code(value: str) -> str:
    """A code span holding the text as it is, whatever backticks it contains."""
    value = printable(value)
    fence = "`" * (max((len(run) for run in re.findall("`+", value)), default=0) + 1)
    pad = " " if value.startswith(("`", " ")) or value.endswith(("`", " ")) else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def inline(piece) -> str:
    """A piece of a total line: text escaped, a value with symbols in a code span."""
    if isinstance(piece, Condition):
        return code(piece)
    if isinstance(piece, str):
        return escape(piece)
    symbolic = any(map(is_symbolic, piece)) if isinstance(piece, tuple) else \
        is_symbolic(piece)
    return code(text(piece)) if symbolic else text(piece)


def table_cell(markdown: str) -> str:
    """Markdown made a table's cell: a `|`, even in a code span, does not end it."""
    return markdown.replace("|", "\\|")


def _cell(kind: str, value) -> str:
    """A table cell: text escaped, a value with symbols in a code span."""
    if kind == "text":
        return escape(str(value))
    holding = [value] if kind == "number" else [d for shape in value for d in shape] \
        if kind == "shapes" else value or ()
    shown = cell_text(kind, value)
    return code(shown) if any(map(is_symbolic, holding)) and shown else shown


def _row(row, row_kinds: tuple[str, ...]) -> list[str]:
    if isinstance(row, Refusal):  # the layer as the spec wrote it, and the reason
        index, subject, reason = row
        return [index, code(subject) if subject else "", escape(reason)]
    cells = [_cell(kind, value) for kind, value in zip(row_kinds, row)]
    stripped = cells[1].lstrip(" ")  # indentation by nesting, as non-breaking spaces
    cells[1] = "&nbsp;" * (len(cells[1]) - len(stripped)) + stripped
    return cells


def render(report: NetworkReport, *, depth: int | None = None, explain: bool = False,
           counting=None, columns: tuple[str, ...] = DEFAULT_COLUMNS,
           memory: bool = False) -> str:
    titles = headers(counting, columns)
    left = left_aligned(columns)
    row_kinds = kinds(counting, columns)
    out = ["| " + " | ".join(titles) + " |",
           "|" + "|".join("---" if i in left else "---:" for i in range(len(titles))) + "|"]
    for row in rows(report, depth, counting=counting, columns=columns):
        cells = [table_cell(cell) for cell in _row(row, row_kinds)]
        cells += [""] * (len(titles) - len(cells))
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    out += [f"- **{escape(label.strip())}:** " + "".join(map(inline, pieces(value)))
            for label, value in total_lines(report, counting, memory)]
    if explain:
        out += ["", "**Worked formulas**", ""]
        for layer in report.layers:
            if layer.explanations:
                out.append(f"{layer.index}. {code(layer.source)}")
                out += [f"   - {_step(step)}" for step in layer.explanations]
    return "\n".join(out) + "\n"


def _step(step) -> str:
    """A worked formula in a code span, after the convention's rule when there is one."""
    formula = code(render_step(step.replace(rule=""), "text"))
    return f"{rule_text(step.rule, 'markdown')}: {formula}" if step.rule else formula
