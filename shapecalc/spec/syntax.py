"""The immutable syntax tree of a spec. Spans are kept for messages and left out of equality."""

from __future__ import annotations

from dataclasses import dataclass, field

from shapecalc.errors import Span

def _span():
    return field(default=None, compare=False, repr=False)


# -- expressions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    value: int | float
    span: Span = _span()


@dataclass(frozen=True)
class String:
    value: str
    span: Span = _span()


@dataclass(frozen=True)
class Constant:
    """``True``, ``False`` or ``None``."""

    value: bool | None
    span: Span = _span()


@dataclass(frozen=True)
class Name:
    """A dotted name: ``H``, ``nn.Conv2d``, ``tf.keras.layers.Dense``."""

    parts: tuple[str, ...]
    span: Span = _span()

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class Sequence:
    items: tuple
    kind: str  # "tuple" or "list"
    span: Span = _span()


@dataclass(frozen=True)
class BinaryOp:
    op: str  # + - * / // % **
    left: object
    right: object
    span: Span = _span()


@dataclass(frozen=True)
class UnaryOp:
    op: str  # + -
    operand: object
    span: Span = _span()


@dataclass(frozen=True)
class Keyword:
    name: str
    value: object
    span: Span = _span()


@dataclass(frozen=True)
class Call:
    """``func(args..., name=value...)``. ``func`` is a Name, or a Call for ``Layer(...)(x)``."""

    func: object
    args: tuple
    keywords: tuple[Keyword, ...]
    span: Span = _span()


Expr = Number | String | Constant | Name | Sequence | BinaryOp | UnaryOp | Call


# -- statements ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ConventionDecl:
    name: str
    span: Span = _span()


@dataclass(frozen=True)
class InputDecl:
    value: object  # a shape tuple, or a call such as Input(shape=...) / torch.randn(...)
    target: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class Param:
    name: str
    default: object = None  # an expression node, or None when the parameter is required
    span: Span = _span()


@dataclass(frozen=True)
class BlockDef:
    """``def name(params):`` and its indented body: a reusable, parameterised block."""

    name: str
    params: tuple[Param, ...]
    body: tuple
    span: Span = _span()


@dataclass(frozen=True)
class Loop:
    """``for var in range(count):`` and its indented body."""

    var: str
    count: object
    body: tuple
    span: Span = _span()


@dataclass(frozen=True)
class Return:
    """``return name`` at the end of a block: the tensor the block gives back."""

    name: str
    span: Span = _span()


@dataclass(frozen=True)
class Let:
    name: str
    value: object
    span: Span = _span()


@dataclass(frozen=True)
class LayerLine:
    """One layer constructor. ``source`` is its text as written; ``inputs`` names the
    tensors it is applied to (empty: the previous layer's output); ``target`` the name
    its output is given (``x = ...``)."""

    call: Call
    source: str
    target: str | None = None
    inputs: tuple[str, ...] = ()
    operator: str | None = None  # "+", "-" or "*" when written as `a + b`
    span: Span = _span()


@dataclass(frozen=True)
class Expect:
    """``expect [layer REF] KEY: VALUE``: an answer for ``shapecalc check``. ``layer`` is a
    1-based index, a layer name, or None for the whole network; ``value_span`` is where the
    value is written, so that ``check --update`` can rewrite just that text."""

    key: str
    layer: int | str | None
    value: object
    value_text: str
    value_span: Span = _span()
    span: Span = _span()


Statement = ConventionDecl | InputDecl | Let | LayerLine | BlockDef | Loop | Return | Expect


@dataclass(frozen=True)
class Spec:
    path: str
    source: str
    statements: tuple
