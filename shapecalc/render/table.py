"""The per-layer table: rich on a terminal, aligned plain text when piped."""

from __future__ import annotations

import io
import os
import shutil
import sys

from shapecalc.render.cells import (DEFAULT_COLUMNS, Note, headers, left_aligned, rows,
                                    total_lines)
from shapecalc.report import NetworkReport


def render(report: NetworkReport, *, depth: int | None = None, explain: bool = False,
           counting=None, rich: bool | None = None,
           columns: tuple[str, ...] = DEFAULT_COLUMNS, memory: bool = False) -> str:
    if rich is None:
        rich = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    draw = _rich if rich else _plain
    return draw(left_aligned(columns), headers(counting, columns),
                rows(report, depth, explain, counting=counting, columns=columns),
                total_lines(report, counting, memory))


def _plain(left: set[int], titles: tuple, body: list, totals: list) -> str:
    table = [titles] + body
    cells = [r for r in table if not isinstance(r, Note)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(titles))]

    def line(row) -> str:
        return "  ".join(c.ljust(w) if i in left else c.rjust(w)
                         for i, (c, w) in enumerate(zip(row, widths))).rstrip()

    rule = "-" * len(line(titles))
    out = [line(titles), rule, *(r[0] if isinstance(r, Note) else line(r) for r in body), rule]
    label_width = max(len(label) for label, _ in totals)
    out += [f"{label + ':':<{label_width + 1}} {value}" for label, value in totals]
    return "\n".join(out) + "\n"


def _rich(left: set[int], titles: tuple, body: list, totals: list) -> str:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for i, title in enumerate(titles):
        table.add_column(title, justify="left" if i in left else "right", overflow="fold")
    for row in body:
        if isinstance(row, Note):
            table.add_row("", f"[dim]{escape(row[0].strip())}[/dim]", end_section=False)
        else:
            table.add_row(*row, style="bold" if not row[0] else None)
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=_width())
    console.print(table)
    for label, value in totals:
        console.print(f"[bold]{escape(label)}:[/bold] {escape(value)}", highlight=False)
    return buffer.getvalue()


def _width() -> int:
    return shutil.get_terminal_size((100, 24)).columns  # honours COLUMNS
