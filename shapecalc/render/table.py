"""The per-layer table: rich on a terminal, aligned plain text when piped."""

from __future__ import annotations

import io
import os
import sys

from shapecalc.render.cells import HEADERS, Note, rows, total_lines
from shapecalc.report import NetworkReport

_NUMERIC = {3, 4}


def render(report: NetworkReport, *, depth: int | None = None, explain: bool = False,
           rich: bool | None = None) -> str:
    if rich is None:
        rich = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    return _rich(report, depth, explain) if rich else _plain(report, depth, explain)


def _plain(report: NetworkReport, depth: int | None, explain: bool) -> str:
    rows_ = [HEADERS] + rows(report, depth, explain)
    cells = [r for r in rows_ if not isinstance(r, Note)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADERS))]

    def line(row) -> str:
        cells = [c.rjust(w) if i in _NUMERIC or i == 0 else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths))]
        return "  ".join(cells).rstrip()

    rule = "-" * len(line(rows_[0]))
    out = [line(rows_[0]), rule, *(r[0] if isinstance(r, Note) else line(r)
                                   for r in rows_[1:]), rule]
    label_width = max(len(label) for label, _ in total_lines(report))
    out += [f"{label + ':':<{label_width + 1}} {value}" for label, value in total_lines(report)]
    return "\n".join(out) + "\n"


def _rich(report: NetworkReport, depth: int | None, explain: bool) -> str:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for i, header in enumerate(HEADERS):
        table.add_column(header, justify="right" if i in _NUMERIC or i == 0 else "left",
                         overflow="fold")
    for row in rows(report, depth, explain):
        if isinstance(row, Note):
            table.add_row("", f"[dim]{escape(row[0].strip())}[/dim]", end_section=False)
        else:
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
