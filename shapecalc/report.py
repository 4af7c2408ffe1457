"""What an analysis returns: per-layer facts and the network's totals. Frozen; never prints."""

from __future__ import annotations

from typing import NamedTuple

from shapecalc import algebra
from shapecalc.algebra import Value
from shapecalc.errors import SpecError
from shapecalc.record import Record

BYTES_PER_PARAM = 4  # float32, as Keras' summary and torchinfo size them


class AxisField(NamedTuple):
    """Receptive field on one spatial axis: size, jump (effective stride) and start (the
    centre of the first output's field, in input coordinates)."""

    size: Value
    jump: Value
    start: Value


class LayerReport(Record):
    """One layer's facts. The worked formulas, sympy conditions and bound arguments ride
    along but are not part of its value."""

    _hidden = frozenset({"constraints", "explanations", "arguments", "call_keywords"})

    index: int
    """1-based, in file order."""
    line: int
    name: str
    """Keras-style auto name (``conv2d_1``), or the ``name=`` the spec gave."""
    type: str
    """Canonical layer name in the spec's framework (``Conv2d``, ``Conv2D``)."""
    source: str
    """The constructor as written."""
    output_shape: tuple
    trainable: Value
    non_trainable: Value
    buffers: Value
    """PyTorch buffers (BatchNorm running statistics); Keras has none."""
    macs: Value
    """Multiply-accumulates of convolutions, matmuls and linear layers; nothing else."""
    receptive_field: tuple[AxisField, ...] | None
    """One entry per spatial axis; None when the output mixes all positions."""
    conditions: tuple[str, ...] = ()
    constraints: tuple = ()
    """The conditions as sympy relations (for `solve`)."""
    explanations: tuple = ()
    """Worked formulas of this layer's numbers (shapecalc.explain.Step)."""
    tensor: str | None = None
    """The name the spec gave its output (``x = ...``), if any."""
    inputs: tuple[str, ...] = ()
    """Names of the tensors it was applied to: an input's name or a layer's ``name``."""
    arguments: tuple = ()
    """The arguments written in the spec, bound to the framework's names, evaluated."""
    block: str = ""
    """The block instance the layer belongs to, as a path (``stage1/bottleneck_2``)."""
    call_keywords: tuple = ()
    """Plain keyword values the code called the module with (``need_weights=False``)."""
    input_shapes: tuple[tuple, ...] = ()
    """The shapes of the tensors it was applied to, in order."""
    kernel: tuple | None = None
    """The window's kernel per spatial axis, as written (not dilated); None without one."""

    @property
    def depth(self) -> int:
        return self.block.count("/") + 1 if self.block else 0

    @property
    def params(self) -> Value:
        return self.trainable + self.non_trainable

    @property
    def flops(self) -> Value:
        """torch.utils.flop_counter.FlopCounterMode's count: 2 per MAC."""
        return None if self.macs is None else 2 * self.macs


class NetworkReport(Record):
    path: str
    convention: str
    input_shape: tuple
    layers: tuple[LayerReport, ...]
    errors: tuple[SpecError, ...] = ()
    inputs: tuple[tuple[str, tuple], ...] = ()
    """Every declared input: (name, shape)."""
    input_dtypes: tuple[tuple[str, str], ...] = ()
    """The inputs whose dtype the spec states (`input: (1, 8) int64`, torch.randint,
    keras.Input(dtype=...)): (name, "int" | "float" | "bool"). An input not listed holds
    floats, or token indices where it is read by an Embedding."""
    bindings: tuple[tuple[str, Value], ...] = ()
    """The values the spec's `let` lines and --set gave its names, in order."""
    constructed_params: Value | None = None
    """PyTorch, refused network: the parameters of every layer, the refused one and those
    after it included, as PyTorch constructs them all before running any."""
    constants: tuple[tuple[str, tuple, str], ...] = ()
    """Tensors the rows read that are neither inputs nor rows (made in the code, such as
    `torch.zeros(...)` or a parameter): (name, shape, dtype kind)."""
    refused: LayerReport | None = None
    """The layer the analysis refuses (its arguments and inputs; no output), when a layer's
    rule is what refuses: `verify` asks the framework whether it refuses it too."""
    notes: tuple[str, ...] = ()
    """What the reader skipped and why (a call of a function the spec never defines)."""
    mode: str = "train"
    """PyTorch's module mode the layers ran in: "train" or "eval"."""
    outputs: tuple[tuple, ...] = ()
    """The shape of every output of the model (a forward that returns a tuple, a Keras
    model with several outputs), in order; empty when the last row is the output."""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def output_shape(self) -> tuple | None:
        if self.errors:
            return None
        if self.outputs:
            return self.outputs[0]
        return self.layers[-1].output_shape if self.layers else self.input_shape

    @property
    def output_shapes(self) -> tuple[tuple, ...]:
        """Every output's shape: several for a model with several outputs."""
        if self.errors:
            return ()
        return self.outputs or (self.output_shape,)

    def _sum(self, field: str) -> Value:
        values = [getattr(layer, field) for layer in self.layers]
        if any(v is None for v in values):  # MACs over a Keras size given as None
            return None
        return algebra.total(values)

    @property
    def trainable_params(self) -> Value:
        return self._sum("trainable")

    @property
    def non_trainable_params(self) -> Value:
        return self._sum("non_trainable")

    @property
    def params(self) -> Value:
        return self._sum("params")

    @property
    def buffers(self) -> Value:
        return self._sum("buffers")

    @property
    def param_bytes(self) -> Value:
        return BYTES_PER_PARAM * self.params

    @property
    def macs(self) -> Value:
        return self._sum("macs")

    @property
    def flops(self) -> Value:
        return None if self.macs is None else 2 * self.macs

    @property
    def conditions(self) -> tuple[str, ...]:
        """The layers' validity conditions, without repeats, keeping only the tightest
        numeric lower bound of each symbol (H >= 3 and H >= 7 give H >= 7)."""
        bounds: dict[str, int] = {}
        others: list[str] = []
        for layer in self.layers:
            for condition in layer.conditions:
                name, op, bound = condition.partition(" >= ")
                if op and name.isidentifier() and bound.lstrip("-").isdigit():
                    bounds[name] = max(bounds.get(name, int(bound)), int(bound))
                elif condition not in others:
                    others.append(condition)
        return tuple(f"{name} >= {bound}" for name, bound in bounds.items()) + tuple(others)
