"""The per-layer table: rich on a terminal, aligned plain text when piped."""

from __future__ import annotations

import io
import os
import sys

from shapecalc.render.cells import HEADERS, rows, total_lines
from shapecalc.report import NetworkReport

_NUMERIC = {3, 4}


def render(report: NetworkReport, *, depth: int | None = None, rich: bool | None = None) -> str:
    if rich is None:
        rich = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    return _rich(report, depth) if rich else _plain(report, depth)


def _plain(report: NetworkReport, depth: int | None) -> str:
    rows_ = [HEADERS] + rows(report, depth)
    widths = [max(len(row[i]) for row in rows_) for i in range(len(HEADERS))]

    def line(row) -> str:
        cells = [c.rjust(w) if i in _NUMERIC or i == 0 else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths))]
        return "  ".join(cells).rstrip()

    rule = "-" * len(line(rows_[0]))
    out = [line(rows_[0]), rule, *(line(r) for r in rows_[1:]), rule]
    label_width = max(len(label) for label, _ in total_lines(report))
    out += [f"{label + ':':<{label_width + 1}} {value}" for label, value in total_lines(report)]
    return "\n".join(out) + "\n"


def _rich(report: NetworkReport, depth: int | None) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for i, header in enumerate(HEADERS):
        table.add_column(header, justify="right" if i in _NUMERIC or i == 0 else "left",
                         overflow="fold")
    for row in rows(report, depth):
        table.add_row(*row, style="bold" if not row[0] else None)
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=_width())
    console.print(table)
    for label, value in total_lines(report):
        console.print(f"[bold]{label}:[/bold] {value}", highlight=False)
    return buffer.getvalue()


def _width() -> int:
    try:
        return os.get_terminal_size().columns
    except OSError:
        return 100
