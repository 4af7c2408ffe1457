"""The text of each cell and total, shared by the human-readable formats."""

from __future__ import annotations

from shapecalc.algebra import show, show_shape
from shapecalc.layers.base import FRAMEWORK_TITLE, PYTORCH
from shapecalc.report import LayerReport, NetworkReport

HEADERS = ("#", "Layer (type)", "Output shape", "Params", "MACs")


def layer_cells(layer: LayerReport) -> tuple[str, ...]:
    return (
        str(layer.index),
        f"{layer.name} ({layer.type})",
        show_shape(layer.output_shape),
        show(layer.params),
        show(layer.macs),
    )


def megabytes(value) -> str:
    if type(value) is int:
        return f"{value / 1024**2:.2f} MB"
    return f"({value})/1048576 MB"


def total_lines(report: NetworkReport) -> list[tuple[str, str]]:
    """(label, value) pairs printed under the table."""
    lines = [
        ("Convention", FRAMEWORK_TITLE[report.convention]),
        ("Input shape", show_shape(report.input_shape)),
    ]
    if report.output_shape is not None:
        lines.append(("Output shape", show_shape(report.output_shape)))
    lines += [
        ("Total params", f"{show(report.params)} ({megabytes(report.param_bytes)})"),
        ("Trainable params", show(report.trainable_params)),
        ("Non-trainable params", show(report.non_trainable_params)),
    ]
    if report.convention == PYTORCH:
        lines.append(("Buffers", show(report.buffers)))
    batch_note = " per sample" if report.input_shape and report.input_shape[0] is None else ""
    lines += [
        ("MACs" + batch_note, show(report.macs)),
        ("FLOPs" + batch_note, f"{show(report.flops)} (2 per MAC, as FlopCounterMode)"),
    ]
    if report.conditions:
        lines.append(("Valid when", "; ".join(report.conditions)))
    return lines
