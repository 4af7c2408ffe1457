"""The receptive fields of `shapecalc rf`, in every format, and the closed form of the
last layer's field."""

from __future__ import annotations

import json
import re

from shapecalc.algebra import show, show_shape
from shapecalc.report import AxisField, NetworkReport

_HEADERS = ("#", "Layer (type)", "Output shape", "RF size", "Jump", "Start")
_PARTS = ("size", "jump", "start")


def axes_text(values) -> str:
    """One value when every axis has it, else the axes joined: 7 or 7 x (2*d + 1)."""
    texts = [show(v) for v in values]
    if len(set(texts)) == 1:
        return texts[0]
    return " x ".join(t if t.replace("/", "").isalnum() else f"({t})" for t in texts)


def field_text(field: tuple[AxisField, ...] | None) -> tuple[str, str, str]:
    """(size, jump, start) cells; a field that mixes every position is the whole input."""
    if field is None:
        return ("whole input", "-", "-")
    return tuple(axes_text(getattr(a, part) for a in field) for part in _PARTS)


def render_fields(report: NetworkReport, *, symbolic: bool = False,
                  fmt: str = "table") -> str:
    draw = {"table": _table, "markdown": _markdown, "latex": _latex, "json": _json}[fmt]
    return draw(report, symbolic)


def _rows(report: NetworkReport) -> list[tuple[str, ...]]:
    from shapecalc.render.cells import printable  # cells reads the fields of this module

    return [(str(layer.index), printable(f"{layer.name} ({layer.type})"),
             show_shape(layer.output_shape), *field_text(layer.receptive_field))
            for layer in report.layers]


def _table(report: NetworkReport, symbolic: bool) -> str:
    rows = [_HEADERS, *_rows(report)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_HEADERS))]
    lines = ["  ".join(c.rjust(w) if i in (0, 4) else c.ljust(w)
                       for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    if symbolic and report.layers:
        lines.append("")
        for label, axis in _closed_form(report):
            pad = " " * (len(label) + 2)
            lines += [f"{label}: size = {show(axis.size)}", f"{pad}jump = {show(axis.jump)}",
                      f"{pad}start = {show(axis.start)}"] if axis else [label]
    return "\n".join(lines) + "\n"


def _closed_form(report: NetworkReport) -> list[tuple[str, AxisField | None]]:
    """The last layer's field as (label, field) per axis, one "every axis" when they agree;
    a field that mixes every position is one line without a field."""
    last = report.layers[-1]
    if last.receptive_field is None:
        return [(f"layer {last.index} mixes every position: its field is the whole input",
                 None)]
    axes = list(last.receptive_field)
    labels = [f"axis {i}" for i in range(1, len(axes) + 1)]
    if len({tuple(show(v) for v in axis) for axis in axes}) == 1:
        axes, labels = axes[:1], ["every axis" if len(labels) > 1 else labels[0]]
    return list(zip(labels, axes))


def _markdown(report: NetworkReport, symbolic: bool) -> str:
    from shapecalc.render.markdown import code, escape, table_cell

    def cell(i: int, text: str) -> str:  # the name is the user's text; a symbol is code
        symbolic = i > 1 and text != "whole input" and re.search(r"[A-Za-z_]",
                                                                  text.replace("None", ""))
        return table_cell(code(text) if symbolic else escape(text))

    out = ["| " + " | ".join(_HEADERS) + " |",
           "|" + "|".join("---" if i in (1, 2) else "---:" for i in range(len(_HEADERS))) + "|"]
    out += ["| " + " | ".join(cell(i, c) for i, c in enumerate(row)) + " |"
            for row in _rows(report)]
    if symbolic and report.layers:
        out.append("")
        out += [f"- {label}: " + ", ".join(f"{part} = {code(show(getattr(axis, part)))}"
                                          for part in _PARTS) if axis else f"- {label}"
                for label, axis in _closed_form(report)]
    return "\n".join(out) + "\n"


def _latex(report: NetworkReport, symbolic: bool) -> str:
    from shapecalc.explain import latex_text, latex_value
    from shapecalc.render.latex import axes_math, math, text

    out = ["\\begin{tabular}{rllrrr}", "\\hline",
           " & ".join(latex_text(h) for h in _HEADERS) + " \\\\", "\\hline"]
    for layer in report.layers:
        field = layer.receptive_field
        cells = (["whole input", "--", "--"] if field is None else
                 [axes_math(getattr(a, part) for a in field) for part in _PARTS])
        out.append(" & ".join([str(layer.index), text(f"{layer.name} ({layer.type})"),
                               math(layer.output_shape), *cells]) + " \\\\")
    out += ["\\hline", "\\end{tabular}"]
    if symbolic and report.layers:
        out += ["", "\\begin{itemize}"]
        out += [f"\\item {label}: " + ", ".join(
                    f"$\\mathrm{{{part}}} = {latex_value(getattr(axis, part))}$"
                    for part in _PARTS) if axis else f"\\item {latex_text(label)}"
                for label, axis in _closed_form(report)]
        out.append("\\end{itemize}")
    return "\n".join(out) + "\n"


def field_object(field: tuple[AxisField, ...] | None) -> dict | None:
    """{"size": [...], "jump": [...], "start": [...]}, one entry per spatial axis."""
    from shapecalc.render.json_ import value

    if field is None:
        return None
    return {part: [value(getattr(a, part)) for a in field] for part in _PARTS}


def _json(report: NetworkReport, symbolic: bool) -> str:
    from shapecalc.render.json_ import error_object, value

    layers = [{"index": layer.index, "name": layer.name, "type": layer.type,
               "output_shape": value(layer.output_shape),
               "receptive_field": field_object(layer.receptive_field)}
              for layer in report.layers]
    output = field_object(report.layers[-1].receptive_field) if report.layers else None
    obj = {"layers": layers, "output": output}
    if report.errors:
        obj = {"errors": [error_object(e) for e in report.errors], **obj}
    return json.dumps(obj, indent=2) + "\n"
