"""GitHub Markdown: the per-layer table and the totals, ready to paste."""

from __future__ import annotations

from shapecalc.explain import render as render_step
from shapecalc.render.cells import DEFAULT_COLUMNS, headers, left_aligned, rows, total_lines
from shapecalc.report import NetworkReport


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def render(report: NetworkReport, *, depth: int | None = None, explain: bool = False,
           counting=None, columns: tuple[str, ...] = DEFAULT_COLUMNS,
           memory: bool = False) -> str:
    titles = headers(counting, columns)
    left = left_aligned(columns)
    out = ["| " + " | ".join(titles) + " |",
           "|" + "|".join("---" if i in left else "---:" for i in range(len(titles))) + "|"]
    for row in rows(report, depth, counting=counting, columns=columns):
        cells = [_escape(c) for c in row]
        cells[1] = cells[1].replace("  ", "&nbsp;&nbsp;") if cells[1].startswith(" ") else cells[1]
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    out += [f"- **{label.strip()}:** {_escape(value)}"
            for label, value in total_lines(report, counting, memory)]
    if explain:
        out += ["", "**Worked formulas**", ""]
        for layer in report.layers:
            if layer.explanations:
                out.append(f"{layer.index}. `{layer.source}`")
                out += [f"   - {_escape(render_step(step, 'markdown'))}"
                        for step in layer.explanations]
    return "\n".join(out) + "\n"
