"""The receptive-field table of `shapecalc rf`, and the closed form of the last field."""

from __future__ import annotations

from shapecalc.algebra import show, show_shape
from shapecalc.report import NetworkReport

_HEADERS = ("#", "Layer (type)", "Output shape", "RF size", "Jump", "Start")


def _axes(values) -> str:
    texts = [show(v) for v in values]
    if len(set(texts)) == 1:
        return texts[0]
    return " x ".join(t if t.replace("/", "").isalnum() else f"({t})" for t in texts)


def render_fields(report: NetworkReport, *, symbolic: bool = False) -> str:
    rows = [_HEADERS]
    for layer in report.layers:
        field = layer.receptive_field
        if field is None:
            cells = ("whole input", "-", "-")
        else:
            cells = (_axes(a.size for a in field), _axes(a.jump for a in field),
                     _axes(a.start for a in field))
        rows.append((str(layer.index), f"{layer.name} ({layer.type})",
                     show_shape(layer.output_shape), *cells))
    widths = [max(len(r[i]) for r in rows) for i in range(len(_HEADERS))]
    lines = ["  ".join(c.rjust(w) if i in (0, 4) else c.ljust(w)
                       for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    if symbolic and report.layers:
        last = report.layers[-1]
        lines.append("")
        if last.receptive_field is None:
            lines.append(f"layer {last.index} mixes every position: its field is the whole "
                         "input")
        else:
            axes = [(show(f.size), show(f.jump), show(f.start)) for f in last.receptive_field]
            labels = [f"axis {i}" for i in range(1, len(axes) + 1)]
            if len(set(axes)) == 1:
                axes, labels = axes[:1], ["every axis" if len(labels) > 1 else labels[0]]
            for label, (size, jump, start) in zip(labels, axes):
                pad = " " * (len(label) + 2)
                lines += [f"{label}: size = {size}", f"{pad}jump = {jump}",
                          f"{pad}start = {start}"]
    return "\n".join(lines) + "\n"
