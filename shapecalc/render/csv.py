"""CSV, one row per layer, numbers without separators so a spreadsheet reads them.

The user's text is written on one line (control characters as Python writes them in a
string: a carriage return that Python's csv module would leave unquoted cannot split a
row). A cell that a spreadsheet would take for a formula (it starts with ``=``, ``+``,
``-`` or ``@``; OWASP's "CSV injection" also lists a tab and a carriage return, which are
escaped by then) gets a leading ``'``, unless it is a plain number, which a spreadsheet
reads as the number it is.
"""

from __future__ import annotations

import csv
import io
import re

from shapecalc.algebra import show_shape
from shapecalc.render.cells import COLUMNS as TABLE_COLUMNS, DEFAULT_COLUMNS, cell_text
from shapecalc.render.cells import printable, refusal
from shapecalc.report import NetworkReport

COLUMNS = ("index", "line", "name", "type", "source", "output_shape", "params",
           "trainable_params", "non_trainable_params", "buffers", "macs", "flops")
EXTRA = {"input": "input_shapes", "kernel": "kernel_shape", "rf": "rf_size",
         "connected": "connected_to"}
"""The --columns that are not among the fixed ones, added after them when asked for."""

_FORMULA_START = ("=", "+", "-", "@")
_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?")


def neutral(value: object) -> object:
    """A cell that no spreadsheet runs as a formula."""
    if value is None or type(value) is int:
        return value
    text = printable(str(value))
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def render(report: NetworkReport, *, counting=None,
           columns: tuple[str, ...] = DEFAULT_COLUMNS, **_options) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    extra = [name for name in columns if name in EXTRA]
    counted = () if counting is None else (f"{counting.convention}_count",)
    titles = COLUMNS + tuple(EXTRA[name] for name in extra) + counted
    writer.writerow(titles)
    counts = {} if counting is None else {c.layer.index: c.value for c in counting.layers}
    for layer in report.layers:
        asked = [cell_text(TABLE_COLUMNS[name].kind, TABLE_COLUMNS[name].value(layer))
                 for name in extra]
        writer.writerow(map(neutral, [
            layer.index, layer.line, layer.name, layer.type, layer.source,
            show_shape(layer.output_shape), layer.params, layer.trainable, layer.non_trainable,
            layer.buffers, layer.macs, layer.flops, *asked,
            *([counts.get(layer.index, "")] if counting is not None else [])]))
    for error in report.errors:  # the refusal in the shape's column, where its row stops
        index, subject, reason = refusal(error)
        line = error.span.line if getattr(error, "span", None) else ""
        writer.writerow(map(neutral, [index, line, "", "", subject, reason]
                            + [""] * (len(titles) - 6)))
    return buffer.getvalue()
