"""CSV, one row per layer, numbers without separators so a spreadsheet reads them."""

from __future__ import annotations

import csv
import io

from shapecalc.algebra import show_shape
from shapecalc.report import NetworkReport

COLUMNS = ("index", "line", "name", "type", "source", "output_shape", "params",
           "trainable_params", "non_trainable_params", "buffers", "macs", "flops")


def render(report: NetworkReport, *, counting=None, **_options) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    extra = () if counting is None else (f"{counting.convention}_count",)
    writer.writerow(COLUMNS + extra)
    counts = {} if counting is None else {c.layer.index: c.value for c in counting.layers}
    for layer in report.layers:
        writer.writerow([layer.index, layer.line, layer.name, layer.type, layer.source,
                         show_shape(layer.output_shape), layer.params, layer.trainable,
                         layer.non_trainable, layer.buffers, layer.macs, layer.flops,
                         *([counts.get(layer.index, "")] if counting is not None else [])])
    return buffer.getvalue()
