"""GitHub Markdown: the per-layer table and the totals, ready to paste."""

from __future__ import annotations

from shapecalc.render.cells import HEADERS, layer_cells, total_lines
from shapecalc.report import NetworkReport


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def render(report: NetworkReport) -> str:
    out = ["| " + " | ".join(HEADERS) + " |",
           "|" + "|".join("---:" if i in (0, 3, 4) else "---" for i in range(len(HEADERS))) + "|"]
    for layer in report.layers:
        out.append("| " + " | ".join(_escape(c) for c in layer_cells(layer)) + " |")
    out.append("")
    out += [f"- **{label}:** {_escape(value)}" for label, value in total_lines(report)]
    return "\n".join(out) + "\n"
