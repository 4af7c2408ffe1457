"""LaTeX: a table of the layers, the totals and, with --explain, the worked formulas.

A fragment to paste into a document; it needs no package beyond a standard preamble. The
columns wrap within the page's width, long tables are cut into parts that a page can
hold, values are math (sympy's LaTeX for expressions) and the user's text is escaped.
"""

from __future__ import annotations

import re

from shapecalc.algebra import is_number, show
from shapecalc.explain import latex_text, latex_value, render as render_step
from shapecalc.render.cells import (DEFAULT_COLUMNS, Condition, Refusal, headers, kinds,
                                    left_aligned, pieces, printable, rows, total_lines)
from shapecalc.report import NetworkReport

_WEIGHTS = {"text": 1.3, "shape": 1.5, "shapes": 1.5}  # a number's column weighs 1
_WIDTH = 0.9  # of \linewidth for the wrapping columns; the rest is the index column
ROWS_PER_PART = 30  # a tabular never breaks across pages; its parts can


def text(value: str) -> str:
    """The user's text, escaped."""
    return latex_text(printable(value))


def _message(value: str) -> str:
    """A message of shapecalc's: its `quoted` code in typewriter type."""
    parts = re.split(r"`([^`]*)`", value)
    return "".join(f"\\texttt{{{text(part)}}}" if i % 2 else text(part)
                   for i, part in enumerate(parts))


def math(value) -> str:
    """A value as LaTeX: a plain number stays text, an expression or a shape is math."""
    if isinstance(value, tuple):
        inner = ",\\allowbreak ".join("\\mathrm{None}" if d is None else _breakable(d)
                                      for d in value)
        return f"$({inner}{',' if len(value) == 1 else ''})$"
    if value is None:
        return "None"
    if getattr(value, "is_Integer", False):  # a whole number that went through sympy
        value = int(value)
    if is_number(value):
        return latex_value(value)
    return f"${_breakable(value)}$"


def axes_math(values) -> str:
    """A value per spatial axis: once when every axis has it, else the axes by ×."""
    texts = [math(v) for v in values]
    return texts[0] if len(set(texts)) == 1 else " $\\times$ ".join(texts)


def _breakable(value) -> str:
    """sympy's LaTeX, with a break allowed between the factors of a product (inline math
    breaks only after an operator)."""
    if is_number(value):
        return latex_value(value).replace("{,}", "")  # a size in a shape: 1024, not 1,024
    return latex_value(value).replace("\\right) \\left(", "\\right)\\allowbreak \\left(")


def _condition(condition: str, relations: dict) -> str:
    """A validity condition as math: the layer's own relation when there is one, else the
    tightest bound the report kept (``H >= 7``)."""
    relation = relations.get(condition)
    if relation is None:
        name, op, bound = condition.partition(" >= ")
        if not (op and name.isidentifier() and bound.lstrip("-").isdigit()):
            return f"\\texttt{{{text(condition)}}}"
        from shapecalc.symbolic import sympy, symbol

        relation = sympy.Ge(symbol(name), int(bound), evaluate=False)
    return f"${latex_value(relation)}$"


def _piece(piece, relations: dict) -> str:
    if isinstance(piece, Condition):
        return _condition(piece, relations)
    if isinstance(piece, str):
        return text(piece)
    return math(piece)


def _fractions(row_kinds: tuple[str, ...]) -> list[float]:
    """The share of \\linewidth of each column after the index."""
    weights = [_WEIGHTS.get(kind, 1.0) for kind in row_kinds[1:]]
    return [_WIDTH * w / sum(weights) for w in weights]


def _wrapping(fraction: float) -> str:
    return f"p{{\\dimexpr {fraction:.3f}\\linewidth-2\\tabcolsep\\relax}}"


def _cell(kind: str, value) -> str:
    if kind == "text":
        stripped = str(value).lstrip(" ")  # a name, indented by nesting
        return "\\quad " * ((len(str(value)) - len(stripped)) // 2) + text(stripped)
    if kind == "shapes":
        return ", ".join(map(math, value))
    if kind == "shape" and value is None:
        return ""
    if kind == "field":
        return "whole input" if value is None else axes_math(value)
    return math(value)


def _aligned(cells: list[str], left: set[int]) -> str:
    """A row's cells, numbers pushed right within their wrapping columns."""
    return " & ".join(cell if i in left or i == 0 else f"\\raggedleft {cell}"
                      for i, cell in enumerate(cells)) + " \\tabularnewline"


def _row(row, row_kinds: tuple[str, ...], left: set[int], fractions: list[float]) -> str:
    if isinstance(row, Refusal):  # the reason spans the columns after the layer's
        index, subject, reason = row
        subject = f"\\texttt{{{text(subject)}}}" if subject else ""
        return (f"{text(index)} & {subject} & \\multicolumn"
                f"{{{len(fractions) - 1}}}{{{_wrapping(sum(fractions[1:]))}}}"
                f"{{{_message(reason)}}} \\tabularnewline")
    return _aligned([_cell(kind, value) for kind, value in zip(row_kinds, row)], left)


def render(report: NetworkReport, *, depth: int | None = None, explain: bool = False,
           counting=None, columns: tuple[str, ...] = DEFAULT_COLUMNS,
           memory: bool = False) -> str:
    row_kinds = kinds(counting, columns)
    left = left_aligned(columns)
    fractions = _fractions(row_kinds)
    head = [f"\\begin{{tabular}}{{r{''.join(map(_wrapping, fractions))}}}", "\\hline",
            _aligned([text(title) for title in headers(counting, columns)], left), "\\hline"]
    body = [_row(row, row_kinds, left, fractions)
            for row in rows(report, depth, counting=counting, columns=columns)]
    out: list[str] = []
    for start in range(0, max(len(body), 1), ROWS_PER_PART):
        if start:
            out.append("")  # a paragraph between parts: the page may break there
        out += [*head, *body[start:start + ROWS_PER_PART], "\\hline", "\\end{tabular}"]
    relations = {show(relation): relation for layer in report.layers
                 for relation in layer.constraints}
    out += ["", "\\begin{itemize}"]
    out += [f"\\item {text(label.strip())}: "
            + "".join(_piece(piece, relations) for piece in pieces(value))
            for label, value in total_lines(report, counting, memory)]
    out.append("\\end{itemize}")
    if explain:
        out += ["", "\\begin{enumerate}"]
        for layer in report.layers:
            if not layer.explanations:
                continue
            out.append(f"\\item[{layer.index}.] \\texttt{{{text(layer.source)}}}")
            out.append("\\begin{itemize}")
            out += [f"\\item {render_step(step, 'latex')}" for step in layer.explanations]
            out.append("\\end{itemize}")
        out.append("\\end{enumerate}")
    return "\n".join(out) + "\n"
