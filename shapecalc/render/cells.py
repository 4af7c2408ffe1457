"""The cells of each row and the totals, shared by the human-readable formats.

A cell holds a column's value as computed, and the column's ``kind`` says what it is: text
(names, sources, messages: the user's words, which each format escapes), a number or
expression, a shape, several shapes. Each format prints it its own way: plain in a table,
a code span in Markdown when it holds symbols, math in LaTeX. A piece of a total line is
text (a ``str``) or such a value (a tuple for a shape).
"""

from __future__ import annotations

import re
from typing import Callable, NamedTuple

from shapecalc import algebra
from shapecalc.algebra import show, show_shape
from shapecalc.errors import shorten
from shapecalc.explain import render as render_step
from shapecalc.layers.base import FRAMEWORK_TITLE, PYTORCH
from shapecalc.render.fields import axes_text
from shapecalc.report import LayerReport, NetworkReport


class Column(NamedTuple):
    """A column of the per-layer table: its title, what it holds (``kind``: a shape, several
    shapes, a number, a receptive field's sizes per axis, or text) and its value for a
    layer and for a block's row."""

    title: str
    kind: str
    value: Callable[[LayerReport], object]
    block: Callable[[list[LayerReport]], object]


def _block_output(members: list[LayerReport]) -> tuple:
    return next((m for m in reversed(members) if m.type not in _PARAMETER_ROWS),
                members[-1]).output_shape


def _block_total(field: str) -> Callable[[list[LayerReport]], object]:
    def total(members: list[LayerReport]) -> object:
        values = [getattr(m, field) for m in members]
        return None if any(v is None for v in values) else algebra.total(values)

    return total


def _connected(layer: LayerReport) -> str:
    """Keras' "Connected to": the names of the tensors the layer was applied to."""
    return ", ".join(layer.inputs)


def _field_sizes(layer: LayerReport) -> tuple | None:
    """The receptive field's size on each spatial axis; None: the whole input."""
    field = layer.receptive_field
    return None if field is None else tuple(axis.size for axis in field)


COLUMNS: dict[str, Column] = {
    "input": Column("Input shape", "shapes", lambda l: l.input_shapes,
                    lambda ms: ms[0].input_shapes),
    "output": Column("Output shape", "shape", lambda l: l.output_shape, _block_output),
    "kernel": Column("Kernel shape", "shape", lambda l: l.kernel, lambda ms: None),
    "params": Column("Params", "number", lambda l: l.params, _block_total("params")),
    "trainable": Column("Trainable", "number", lambda l: l.trainable,
                        _block_total("trainable")),
    "non-trainable": Column("Non-trainable", "number", lambda l: l.non_trainable,
                            _block_total("non_trainable")),
    "buffers": Column("Buffers", "number", lambda l: l.buffers, _block_total("buffers")),
    "macs": Column("MACs", "number", lambda l: l.macs, _block_total("macs")),
    "flops": Column("FLOPs", "number", lambda l: l.flops, _block_total("flops")),
    "rf": Column("RF size", "field", _field_sizes, lambda ms: _field_sizes(ms[-1])),
    "connected": Column("Connected to", "text", _connected, lambda ms: ""),
}
DEFAULT_COLUMNS = ("output", "params", "macs")
"""As analyze always printed them: torchinfo's default col_names, output size, num_params
and mult_adds."""


def parse_columns(text: str | None) -> tuple[str, ...]:
    """--columns "input,output,kernel": the names, checked (ValueError names the valid)."""
    if text is None:
        return DEFAULT_COLUMNS
    names = tuple(name.strip().lower() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in COLUMNS]
    if unknown or not names:
        raise ValueError(f"unknown column {', '.join(map(repr, unknown)) or '(none given)'}; "
                         f"valid: {', '.join(COLUMNS)}")
    return names


def cell_text(kind: str, value: object) -> str:
    """A column's value as the text formats show it."""
    if kind == "shape":
        return "" if value is None else show_shape(value)
    if kind == "shapes":
        return ", ".join(show_shape(v) for v in value)
    if kind == "number":
        return show(value)
    if kind == "field":
        return "whole input" if value is None else axes_text(value)
    return printable(str(value))


def kinds(counting=None, columns: tuple[str, ...] = DEFAULT_COLUMNS) -> tuple[str, ...]:
    """The kind of each cell of a row: the index and the name are text."""
    return ("text", "text", *(COLUMNS[name].kind for name in columns),
            *(() if counting is None else ("number",)))


def headers(counting=None, columns: tuple[str, ...] = DEFAULT_COLUMNS) -> tuple[str, ...]:
    """The column titles; --count adds the chosen counter's column."""
    titles = ("#", "Layer (type)", *(COLUMNS[name].title for name in columns))
    if counting is None:
        return titles
    return (*titles, f"{counting.convention} {counting.unit}")


def left_aligned(columns: tuple[str, ...] = DEFAULT_COLUMNS) -> set[int]:
    """The indices of the columns read as text (names, shapes); numbers align right."""
    return {1} | {i + 2 for i, name in enumerate(columns) if COLUMNS[name].kind != "number"}


def layer_cells(layer: LayerReport, counts: dict | None = None,
                columns: tuple[str, ...] = DEFAULT_COLUMNS) -> tuple:
    cells = (
        str(layer.index),
        "  " * layer.depth + f"{layer.name} ({layer.type})",
        *(COLUMNS[name].value(layer) for name in columns),
    )
    if counts is None:
        return cells
    counted = counts.get(layer.index)
    return (*cells, "" if counted is None else counted.value)


class Note(tuple):
    """A full-width line under a layer's row: one worked formula."""


class Refusal(tuple):
    """The row of a refused layer (or of a spec error): its index, the layer as written,
    and the reason, which takes the place of the cells after the layer's."""


class Condition(str):
    """A validity condition in sympy's notation (``H >= k - 2*p``), as shapecalc wrote it."""


class Line(tuple):
    """A total line's value made of pieces: text, and values each format prints its own
    way."""


def text(piece) -> str:
    """A piece of a total line as plain text."""
    if isinstance(piece, str):
        return printable(piece)
    if isinstance(piece, tuple):
        return show_shape(piece)
    return show(piece)


def pieces(value) -> tuple:
    """A total line's value as its pieces."""
    return value if isinstance(value, Line) else (value,)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """The user's text on one line: control characters (a newline, an escape sequence) as
    Python writes them in a string, so that a name cannot break a row or drive a
    terminal."""
    return _CONTROL.sub(lambda m: repr(m[0])[1:-1], text)


_LAYER_REFUSED = re.compile(r"layer \d+ (?:\((?P<path>[^)]*)\) )?`(?P<source>.*?)`: ", re.S)


def refusal(error) -> Refusal:
    """A refusal as a row: a layer's names the layer as the spec wrote it; any other
    error says its line."""
    message = " ".join(line.strip() for line in error.message.splitlines())
    index = "" if error.layer_index is None else str(error.layer_index)
    found = _LAYER_REFUSED.match(message) if index else None
    if found:
        source = shorten(found["source"])
        subject = f"{found['path']}: {source}" if found["path"] else source
        return Refusal((index, printable(subject),
                        printable(f"refused: {message[found.end():]}")))
    where = f" at line {error.span.line}" if getattr(error, "span", None) else ""
    return Refusal((index, "", printable(f"{'refused' if index else 'error'}{where}: "
                                         f"{message}")))




def rows(report: NetworkReport, depth: int | None = None, explain: bool = False,
         target: str = "text", counting=None,
         columns: tuple[str, ...] = DEFAULT_COLUMNS) -> list[tuple]:
    """Table rows in file order: a row per block instance (its output shape and totals)
    above its layers, indented by nesting; rows deeper than ``depth`` are folded into
    their block's row, like torchinfo's depth (1: top-level rows only). The refusal, if
    any, is the last row, at every depth."""
    out: list[tuple] = []
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
                out.append(_block_cells(report, i, "/".join(path[: level + 1]), level, counts,
                                        columns))
        if depth is None or layer.depth + 1 <= depth:
            out.append(layer_cells(layer, counts, columns))
            if explain:
                out += [Note((f"{'  ' * (layer.depth + 2)}{render_step(step, target)}",))
                        for step in layer.explanations]
    return out + [refusal(error) for error in report.errors]


def block_members(report: NetworkReport, start: int, block: str) -> list[LayerReport]:
    """The rows of one block instance, from its first row on."""
    members = []
    for layer in report.layers[start:]:
        if layer.block != block and not layer.block.startswith(block + "/"):
            break
        members.append(layer)
    return members


def _block_cells(report: NetworkReport, start: int, block: str, level: int,
                 counts: dict | None, columns: tuple[str, ...]) -> tuple:
    members = block_members(report, start, block)
    return (
        "",
        "  " * level + f"{block.rsplit('/', 1)[-1]} (block)",
        *(COLUMNS[name].block(members) for name in columns),
    ) + (() if counts is None else
         (algebra.total(counts[m.index].value for m in members if m.index in counts),))


_PARAMETER_ROWS = ("Parameter", "Buffer")  # a block's output is its last computed tensor


_SIZE_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def size(nbytes) -> Line:
    """A size as Keras' summary prints it: in the largest 1024-based unit that keeps the
    number at 1 or more, with two decimals (1,200 bytes: 1.17 KB)."""
    if type(nbytes) is not int:
        return Line((nbytes, " bytes"))
    if nbytes.bit_length() > 1000:  # beyond a float: in PB, hundredths by integer division
        hundredths = (nbytes * 100 + 2**49) // 2**50
        return Line((f"{hundredths // 100}.{hundredths % 100:02d} PB",))
    scaled, unit = float(nbytes), 0
    while scaled >= 1024 and unit < len(_SIZE_UNITS) - 1:
        scaled, unit = scaled / 1024, unit + 1
    return Line((f"{scaled:.2f} {_SIZE_UNITS[unit]}",))


def total_lines(report: NetworkReport, counting=None,
                memory: bool = False) -> list[tuple[str, object]]:
    """(label, value) pairs printed under the table; a value is text, a value of the
    analysis, or a Line of both. ``memory``: torchinfo's estimate."""
    lines: list[tuple[str, object]] = [
        ("Convention", FRAMEWORK_TITLE[report.convention]),
        ("Input shape", report.input_shape),
    ]
    if len(report.output_shapes) > 1:
        outputs = [piece for shape in report.output_shapes for piece in (", ", shape)]
        lines.append(("Outputs", Line(outputs[1:])))
    elif report.output_shape is not None:
        lines.append(("Output shape", report.output_shape))
    if report.errors:
        refused = report.errors[0].layer_index
        computed = f"layers 1–{len(report.layers)}" if report.layers else "no layer"
        lines.append(("Totals cover", computed + (f" (layer {refused} is refused)"
                                                  if refused else " (the spec has an error)")))
        if report.constructed_params is not None:
            lines.append(("Constructed params", Line((
                report.constructed_params,
                " (PyTorch builds every layer, the refused one and those after it too)"))))
    lines += [
        ("Total params", Line((report.params, " (", *size(report.param_bytes), ")"))),
        ("Trainable params", report.trainable_params),
        ("Non-trainable params", report.non_trainable_params),
    ]
    if report.convention == PYTORCH:
        lines.append(("Buffers", report.buffers))
    batch_note = " per sample" if report.input_shape and report.input_shape[0] is None else ""
    if report.macs is None:  # a size given as None (Keras): the work depends on it
        lines.append(("MACs" + batch_note, "unknown: they depend on a size given as None "
                      "(give it, e.g. --input \"(100, 8)\")"))
    else:
        lines += [
            ("MACs" + batch_note, report.macs),
            ("FLOPs" + batch_note, Line((report.flops, " (2 per MAC, as FlopCounterMode)"))),
        ]
    if counting is not None:
        lines.append((f"{counting.convention} {counting.unit}", counting.total))
        lines += [(f"  layer {c.layer.index}", c.note) for c in counting.layers if c.note]
    if memory:
        from shapecalc.memory import estimate, lines as memory_lines

        estimated = estimate(report)
        lines += memory_lines(estimated) if estimated is not None else [
            ("Memory", "no estimate: a size is None (give the batch and every size)")]
    if report.conditions:
        conditions = [piece for condition in report.conditions
                      for piece in ("; ", Condition(condition))]
        lines.append(("Valid when", Line(conditions[1:])))
    lines += [("Note", note) for note in report.notes]
    return lines
