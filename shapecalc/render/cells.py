"""The text of each cell and total, shared by the human-readable formats."""

from __future__ import annotations

from shapecalc import algebra
from shapecalc.algebra import show, show_shape
from shapecalc.explain import render as render_step
from shapecalc.layers.base import FRAMEWORK_TITLE, PYTORCH
from shapecalc.report import LayerReport, NetworkReport

HEADERS = ("#", "Layer (type)", "Output shape", "Params", "MACs")


def headers(counting=None) -> tuple[str, ...]:
    """The column titles; --count adds the chosen counter's column."""
    if counting is None:
        return HEADERS
    return (*HEADERS, f"{counting.convention} {counting.unit}")


def layer_cells(layer: LayerReport, counts: dict | None = None) -> tuple[str, ...]:
    cells = (
        str(layer.index),
        "  " * layer.depth + f"{layer.name} ({layer.type})",
        show_shape(layer.output_shape),
        show(layer.params),
        show(layer.macs),
    )
    if counts is None:
        return cells
    counted = counts.get(layer.index)
    return (*cells, "" if counted is None else show(counted.value))


class Note(tuple):
    """A full-width line under a layer's row: one worked formula."""


def rows(report: NetworkReport, depth: int | None = None, explain: bool = False,
         target: str = "text", counting=None) -> list[tuple[str, ...]]:
    """Table rows in file order: a row per block instance (its output shape and totals)
    above its layers, indented by nesting; rows deeper than ``depth`` are folded into
    their block's row, like torchinfo's depth (1: top-level rows only)."""
    out: list[tuple[str, ...]] = []
    open_blocks: list[str] = []
    counts = None if counting is None else {c.layer.index: c for c in counting.layers}
    for i, layer in enumerate(report.layers):
        path = layer.block.split("/") if layer.block else []
        common = 0
        while common < min(len(path), len(open_blocks)) and path[common] == open_blocks[common]:
            common += 1
        open_blocks = open_blocks[:common]
        for level in range(common, len(path)):
            open_blocks.append(path[level])
            if depth is None or level + 1 <= depth:
                out.append(_block_cells(report, i, "/".join(path[: level + 1]), level, counts))
        if depth is None or layer.depth + 1 <= depth:
            out.append(layer_cells(layer, counts))
            if explain:
                out += [Note((f"{'  ' * (layer.depth + 2)}{render_step(step, target)}",))
                        for step in layer.explanations]
    return out


def _block_cells(report: NetworkReport, start: int, block: str, level: int,
                 counts: dict | None) -> tuple:
    members = []
    for layer in report.layers[start:]:
        if layer.block != block and not layer.block.startswith(block + "/"):
            break
        members.append(layer)
    return (
        "",
        "  " * level + f"{block.rsplit('/', 1)[-1]} (block)",
        show_shape(next((m for m in reversed(members) if m.type not in _PARAMETER_ROWS),
                        members[-1]).output_shape),
        show(algebra.total(m.params for m in members)),
        "None" if any(m.macs is None for m in members) else
        show(algebra.total(m.macs for m in members)),  # MACs over a size given as None
    ) + (() if counts is None else
         (show(algebra.total(counts[m.index].value for m in members if m.index in counts)),))


_PARAMETER_ROWS = ("Parameter", "Buffer")  # a block's output is its last computed tensor


def megabytes(value) -> str:
    if type(value) is int:
        return f"{value / 1024**2:.2f} MB"
    return f"({value})/1048576 MB"


def total_lines(report: NetworkReport, counting=None) -> list[tuple[str, str]]:
    """(label, value) pairs printed under the table."""
    lines = [
        ("Convention", FRAMEWORK_TITLE[report.convention]),
        ("Input shape", show_shape(report.input_shape)),
    ]
    if len(report.output_shapes) > 1:
        lines.append(("Outputs", ", ".join(show_shape(s) for s in report.output_shapes)))
    elif report.output_shape is not None:
        lines.append(("Output shape", show_shape(report.output_shape)))
    if report.errors:
        refused = report.errors[0].layer_index
        computed = f"layers 1–{len(report.layers)}" if report.layers else "no layer"
        lines.append(("Totals cover", computed + (f" (layer {refused} is refused)"
                                                  if refused else " (the spec has an error)")))
        if report.constructed_params is not None:
            lines.append(("Constructed params", f"{show(report.constructed_params)} (PyTorch "
                          "builds every layer, the refused one and those after it too)"))
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
    if counting is not None:
        lines.append((f"{counting.convention} {counting.unit}", show(counting.total)))
        lines += [(f"  layer {c.layer.index}", c.note) for c in counting.layers if c.note]
    if report.conditions:
        lines.append(("Valid when", "; ".join(report.conditions)))
    lines += [("Note", note) for note in report.notes]
    return lines
