"""CSV, one row per layer, numbers without separators so a spreadsheet reads them."""

from __future__ import annotations

import csv
import io

from shapecalc.algebra import show_shape
from shapecalc.render.cells import COLUMNS as TABLE_COLUMNS, DEFAULT_COLUMNS, cell_text
from shapecalc.report import NetworkReport

COLUMNS = ("index", "line", "name", "type", "source", "output_shape", "params",
           "trainable_params", "non_trainable_params", "buffers", "macs", "flops")
EXTRA = {"input": "input_shapes", "kernel": "kernel_shape", "rf": "rf_size",
         "connected": "connected_to"}
"""The --columns that are not among the fixed ones, added after them when asked for."""


def render(report: NetworkReport, *, counting=None,
           columns: tuple[str, ...] = DEFAULT_COLUMNS, **_options) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    extra = [name for name in columns if name in EXTRA]
    counted = () if counting is None else (f"{counting.convention}_count",)
    writer.writerow(COLUMNS + tuple(EXTRA[name] for name in extra) + counted)
    counts = {} if counting is None else {c.layer.index: c.value for c in counting.layers}
    for layer in report.layers:
        asked = [cell_text(TABLE_COLUMNS[name].kind, TABLE_COLUMNS[name].value(layer))
                 for name in extra]
        writer.writerow([layer.index, layer.line, layer.name, layer.type, layer.source,
                         show_shape(layer.output_shape), layer.params, layer.trainable,
                         layer.non_trainable, layer.buffers, layer.macs, layer.flops, *asked,
                         *([counts.get(layer.index, "")] if counting is not None else [])])
    return buffer.getvalue()
