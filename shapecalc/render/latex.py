"""LaTeX: a tabular of the layers, the totals and, with --explain, the worked formulas.
A fragment to paste into a document; it needs no package beyond a standard preamble."""

from __future__ import annotations

from shapecalc.algebra import is_number
from shapecalc.explain import latex_text, latex_value, render as render_step
from shapecalc.render.cells import COLUMNS, DEFAULT_COLUMNS, headers, total_lines
from shapecalc.report import NetworkReport


def _shape(shape: tuple) -> str:
    inner = ", ".join("\\mathrm{None}" if d is None else latex_value(d).replace("{,}", "")
                      for d in shape)
    return f"$({inner}{',' if len(shape) == 1 else ''})$"


def _number(value) -> str:
    text = latex_value(value)
    return text if is_number(value) else f"${text}$"


def _cell(kind: str, value) -> str:
    if kind == "shape":
        return "" if value is None else _shape(value)
    if kind == "shapes":
        return ", ".join(_shape(v) for v in value)
    if kind == "number":
        return _number(value)
    return latex_text(str(value))


def render(report: NetworkReport, *, depth: int | None = None, explain: bool = False,
           counting=None, columns: tuple[str, ...] = DEFAULT_COLUMNS,
           memory: bool = False) -> str:
    spec = "rl" + "".join("r" if COLUMNS[name].kind == "number" else "l" for name in columns)
    out = [f"\\begin{{tabular}}{{{spec}}}", "\\hline",
           " & ".join(latex_text(title) for title in headers(None, columns)) + " \\\\",
           "\\hline"]
    for layer in report.layers:
        if depth is not None and layer.depth + 1 > depth:
            continue
        name = latex_text(f"{layer.name} ({layer.type})")
        indent = "\\quad " * layer.depth
        cells = [_cell(COLUMNS[c].kind, COLUMNS[c].value(layer)) for c in columns]
        out.append(" & ".join([str(layer.index), f"{indent}{name}", *cells]) + " \\\\")
    out += ["\\hline", "\\end{tabular}", "", "\\begin{itemize}"]
    out += [f"\\item {latex_text(label)}: {latex_text(value)}"
            for label, value in total_lines(report, counting, memory)]
    out.append("\\end{itemize}")
    if explain:
        out += ["", "\\begin{enumerate}"]
        for layer in report.layers:
            if not layer.explanations:
                continue
            out.append(f"\\item[{layer.index}.] \\texttt{{{latex_text(layer.source)}}}")
            out.append("\\begin{itemize}")
            out += [f"\\item {render_step(step, 'latex')}" for step in layer.explanations]
            out.append("\\end{itemize}")
        out.append("\\end{enumerate}")
    return "\n".join(out) + "\n"
