"""torchinfo's memory estimate, as torchinfo 1.8.0's summary prints it under the table
(every tensor float32, 4 bytes an element):

- Input size: the input tensors' storage as ``sys.getsizeof`` measures it, which is the
  data plus 64 bytes of Python object per tensor (torch 2.13).
- Forward/backward pass size: twice (the output and its gradient) the output of every
  layer that has parameters; layers without parameters (activations, pooling, reshapes)
  are not counted, however large their outputs.
- Params size: the parameters (buffers such as BatchNorm's running statistics are not
  counted). A layer applied twice (shared weights) has its second output left out here,
  where torchinfo counts it.
- Estimated total: the sum. torchinfo prints each in MB of 1,000,000 bytes.
"""

from __future__ import annotations

from typing import NamedTuple

from shapecalc import algebra
from shapecalc.report import BYTES_PER_PARAM, NetworkReport

STORAGE_OVERHEAD = 64  # sys.getsizeof(tensor.untyped_storage()) - nbytes, torch 2.13
MEGABYTE = 1_000_000  # torchinfo's MB
_NOT_MODULES = ("Parameter", "Buffer")  # rows of a module's own tensors, not of a layer


class Memory(NamedTuple):
    input: object
    forward_backward: object
    params: object

    @property
    def total(self) -> object:
        return self.input + self.forward_backward + self.params


def estimate(report: NetworkReport) -> Memory | None:
    """The estimate in bytes; None where it does not apply (a Keras batch of None)."""
    shapes = [shape for _, shape in report.inputs] or [report.input_shape]
    if any(d is None for shape in shapes for d in shape) or any(
            d is None for layer in report.layers for d in layer.output_shape):
        return None
    inputs = algebra.total(BYTES_PER_PARAM * algebra.product(shape) + STORAGE_OVERHEAD
                           for shape in shapes)
    outputs = algebra.total(
        2 * BYTES_PER_PARAM * algebra.product(layer.output_shape) for layer in report.layers
        if layer.type not in _NOT_MODULES and algebra.truth(layer.params > 0) is True)
    return Memory(inputs, outputs, report.param_bytes)


def lines(memory: Memory) -> list[tuple[str, object]]:
    """(label, value) pairs, in torchinfo's words and MB, with the exact bytes."""
    return [(label, _megabytes(value)) for label, value in (
        ("Input size (MB)", memory.input),
        ("Forward/backward pass size (MB)", memory.forward_backward),
        ("Params size (MB)", memory.params),
        ("Estimated Total Size (MB)", memory.total))]


def _megabytes(value) -> object:
    """The size in MB and in bytes; an expression stays a value, for each format to print
    (math in LaTeX)."""
    from shapecalc.render.cells import Line

    if type(value) is int:
        return f"{value / MEGABYTE:.2f} ({value:,} bytes)"
    return Line(("(", value, f")/{MEGABYTE} (", value, " bytes)"))
