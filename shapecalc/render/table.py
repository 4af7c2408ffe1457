"""The per-layer table: rich on a terminal, aligned plain text when piped."""

from __future__ import annotations

import io
import os
import shutil
import sys

from shapecalc.render.cells import (DEFAULT_COLUMNS, Note, Refusal, cell_text, headers, kinds,
                                    left_aligned, pieces, rows, text, total_lines)
from shapecalc.report import NetworkReport


def render(report: NetworkReport, *, depth: int | None = None, explain: bool = False,
           counting=None, rich: bool | None = None,
           columns: tuple[str, ...] = DEFAULT_COLUMNS, memory: bool = False) -> str:
    if rich is None:
        rich = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    draw = _rich if rich else _plain
    row_kinds = kinds(counting, columns)
    body = [row if isinstance(row, (Note, Refusal)) else
            tuple(cell_text(kind, cell) for kind, cell in zip(row_kinds, row))
            for row in rows(report, depth, explain, counting=counting, columns=columns)]
    totals = [(label, "".join(text(piece) for piece in pieces(value)))
              for label, value in total_lines(report, counting, memory)]
    return draw(left_aligned(columns), headers(counting, columns), body, totals)


def _plain(left: set[int], titles: tuple, body: list, totals: list) -> str:
    table = [titles] + body
    cells = [r for r in table if not isinstance(r, Note)]
    widths = [max(len(row[i]) for row in cells if not (isinstance(row, Refusal) and i > 1))
              for i in range(len(titles))]

    def line(row) -> str:
        if isinstance(row, Refusal):  # the reason runs on from the shape column, unpadded
            return "  ".join([row[0].rjust(widths[0]), row[1].ljust(widths[1]), row[2]])
        return "  ".join(c.ljust(w) if i in left else c.rjust(w)
                         for i, (c, w) in enumerate(zip(row, widths))).rstrip()

    rule = "-" * len(line(titles))
    out = [line(titles), rule, *(r[0] if isinstance(r, Note) else line(r) for r in body), rule]
    label_width = max(len(label) for label, _ in totals)
    out += [f"{label + ':':<{label_width + 1}} {value}" for label, value in totals]
    return "\n".join(out) + "\n"


def _rich(left: set[int], titles: tuple, body: list, totals: list) -> str:
    # Every cell is a Text, never markup: a layer's name is the user's text.
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for i, title in enumerate(titles):
        table.add_column(title, justify="left" if i in left else "right", overflow="fold")
    for row in body:
        if isinstance(row, Note):
            table.add_row("", Text(row[0].strip(), style="dim"), end_section=False)
        elif isinstance(row, Refusal):
            table.add_row(*(Text(cell) for cell in row[:2]), Text(row[2], style="bold red"))
        else:
            table.add_row(*(Text(cell) for cell in row), style="bold" if not row[0] else None)
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=_width())
    console.print(table)
    for label, value in totals:
        console.print(Text.assemble((f"{label}:", "bold"), " ", value), highlight=False)
    return buffer.getvalue()


def _width() -> int:
    return shutil.get_terminal_size((100, 24)).columns  # honours COLUMNS
