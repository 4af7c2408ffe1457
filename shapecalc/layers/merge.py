"""Merges of several tensors: element-wise (with broadcasting) and concatenation.

PyTorch has no merge modules: a residual is written ``x + y`` (``torch.add``), a gate
``x * y`` (``torch.mul``), a join ``torch.cat([a, b], dim=1)``; shapecalc registers these
as the pseudo-layers ``add``, ``sub``, ``mul`` and ``cat``. Element-wise ops broadcast as
NumPy does (trailing axes aligned, sizes equal or 1). Keras: Add, Subtract, Multiply,
Average, Maximum, Minimum (broadcasting the same way; Subtract takes exactly two inputs)
and Concatenate(axis=-1), plus the functional spellings ``layers.add([a, b])`` etc.
No MACs: FlopCounterMode counts none of these.
"""

from __future__ import annotations

from shapecalc import algebra
from shapecalc.algebra import show_shape
from shapecalc.layers.base import (
    KEEP,
    KERAS,
    PYTORCH,
    Call,
    LayerResult,
    keras_signature,
    register,
    signature,
)


def _branches(shapes: tuple) -> str:
    return " and ".join(f"input {i + 1} {show_shape(s)}" for i, s in enumerate(shapes))


def broadcast(call: Call, shapes: tuple) -> tuple:
    """NumPy broadcasting of all input shapes, refusing sizes that are neither equal nor 1."""
    rank = max(len(s) for s in shapes)
    out = []
    for axis in range(-rank, 0):
        sizes = [s[axis] for s in shapes if len(s) >= -axis]
        size = 1
        for candidate in sizes:
            if candidate is None:
                size = None if size == 1 else size
                continue
            if size is None and algebra.truth(candidate == 1) is True:
                continue  # an unknown size broadcast with 1 stays unknown
            if size == 1 or size is None:
                size = candidate
            elif algebra.truth(candidate == 1) is True:
                continue
            else:
                call.require(candidate == size, lambda a=rank + axis, c=candidate, s=size: (
                    f"cannot broadcast the inputs: axis {a} has sizes {s} and {c} "
                    f"({_branches(shapes)}); sizes must be equal or 1"))
        out.append(size)
    return tuple(out)


def _count(call: Call, shapes: tuple, minimum: int, maximum: int | None = None) -> None:
    n = len(shapes)
    if n < minimum or (maximum is not None and n > maximum):
        wanted = f"exactly {minimum}" if maximum == minimum else f"at least {minimum}"
        call.fail(f"needs {wanted} input tensors, got {n}: apply it to a list of tensors, "
                  f"e.g. `{call.name}()([a, b])`" if call.framework == KERAS else
                  f"needs {wanted} input tensors, got {n}")


def concatenate(call: Call, shapes: tuple, axis) -> tuple:
    rank = len(shapes[0])
    for shape in shapes[1:]:
        if len(shape) != rank:
            call.fail(f"all inputs must have the same rank to be concatenated: "
                      f"{_branches(shapes)}")
    if not isinstance(axis, int) or not -rank <= axis < rank:
        call.fail(f"axis {axis} is out of range for {rank}-D inputs (valid: {-rank} to "
                  f"{rank - 1})", at="axis" if "axis" in call.arguments else "dim")
    axis %= rank
    out = list(shapes[0])
    for shape in shapes[1:]:
        for i in range(rank):
            if i == axis:
                continue
            call.require(shape[i] == out[i] if None not in (shape[i], out[i]) else True,
                         lambda i=i: (f"sizes must match except on the concatenation axis "
                                      f"{axis}, but axis {i} differs: {_branches(shapes)}"))
    if any(s[axis] is None for s in shapes):
        out[axis] = None
    else:
        out[axis] = algebra.total(s[axis] for s in shapes)
    return tuple(out)


# -- PyTorch ------------------------------------------------------------------------------

def _torch_elementwise(name: str):
    @register(PYTORCH, signature(name), merge=True)
    def elementwise(call: Call, shapes: tuple) -> LayerResult:
        _count(call, shapes, 2, 2)
        return LayerResult(shape=broadcast(call, shapes), receptive=KEEP)

    return elementwise


for _name in ("add", "sub", "mul"):
    _torch_elementwise(_name)


@register(PYTORCH, signature("cat", dim=0), merge=True)
def cat(call: Call, shapes: tuple) -> LayerResult:
    _count(call, shapes, 1)
    return LayerResult(shape=concatenate(call, shapes, call.int("dim")), receptive=KEEP)


# -- Keras --------------------------------------------------------------------------------

def _keras_elementwise(name: str, maximum: int | None = None):
    @register(KERAS, keras_signature(name), merge=True)
    def elementwise(call: Call, shapes: tuple) -> LayerResult:
        _count(call, shapes, 2 if maximum else 1, maximum)
        return LayerResult(shape=broadcast(call, shapes), receptive=KEEP)

    return elementwise


for _name in ("Add", "Multiply", "Average", "Maximum", "Minimum"):
    _keras_elementwise(_name)
_keras_elementwise("Subtract", maximum=2)


@register(KERAS, keras_signature("Concatenate", axis=-1), merge=True)
def keras_concatenate(call: Call, shapes: tuple) -> LayerResult:
    _count(call, shapes, 1)
    return LayerResult(shape=concatenate(call, shapes, call.int("axis")), receptive=KEEP)
