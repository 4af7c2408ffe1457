"""The immutable syntax tree of a spec. Spans are kept for messages and left out of equality."""

from __future__ import annotations


from shapecalc.errors import Span
from shapecalc.record import Record

class Node(Record):
    """A syntax node: its span says where it was written and is not part of its value."""

    _hidden = frozenset({"span", "value_span"})


# -- expressions ---------------------------------------------------------------------------


class Number(Node):
    value: int | float
    span: Span = None


class String(Node):
    value: str
    span: Span = None


class Constant(Node):
    """``True``, ``False`` or ``None``."""

    value: bool | None
    span: Span = None


class Name(Node):
    """A dotted name: ``H``, ``nn.Conv2d``, ``tf.keras.layers.Dense``."""

    parts: tuple[str, ...]
    span: Span = None

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


class Sequence(Node):
    items: tuple
    kind: str  # "tuple" or "list"
    span: Span = None


class BinaryOp(Node):
    op: str  # + - * / // % **
    left: object
    right: object
    span: Span = None


class UnaryOp(Node):
    op: str  # + -
    operand: object
    span: Span = None


class Keyword(Node):
    name: str
    value: object
    span: Span = None


class Call(Node):
    """``func(args..., name=value...)``. ``func`` is a Name, or a Call for ``Layer(...)(x)``."""

    func: object
    args: tuple
    keywords: tuple[Keyword, ...]
    span: Span = None


Expr = Number | String | Constant | Name | Sequence | BinaryOp | UnaryOp | Call


# -- statements ----------------------------------------------------------------------------


class ConventionDecl(Node):
    name: str
    span: Span = None


class InputDecl(Node):
    value: object  # a shape tuple, or a call such as Input(shape=...) / torch.randn(...)
    target: str | None = None
    span: Span = None


class Param(Node):
    name: str
    default: object = None  # an expression node, or None when the parameter is required
    span: Span = None


class BlockDef(Node):
    """``def name(params):`` and its indented body: a reusable, parameterised block.
    ``inline`` marks ``name = nn.Sequential(...)``: applied where it stands unless the
    spec calls ``name(...)`` later, which makes it a definition."""

    name: str
    params: tuple[Param, ...]
    body: tuple
    span: Span = None
    inline: bool = False
    flat: bool = False  # a module attribute (self.conv1 = nn.Conv2d(...)): no block row
    model: bool = False  # a pasted nn.Module class: run at the end if never called


class Loop(Node):
    """``for var in range(count):`` or ``for a, b in [[1, 2], [3, 4]]:`` and its body.
    ``count`` is the range's expression, or a list literal whose items are iterated."""

    var: str | tuple
    count: object
    body: tuple
    span: Span = None


class If(Node):
    """``if test:`` with its body and an optional ``else:`` (``elif`` nests)."""

    test: object
    body: tuple
    orelse: tuple = ()
    span: Span = None


class Compare(Node):
    """A comparison ``left op right`` (== != < <= > >=), for ``if`` conditions."""

    op: str
    left: object
    right: object
    span: Span = None


class Choice(Node):
    """``a if test else b``."""

    test: object
    then: object
    otherwise: object
    span: Span = None


class BoolOp(Node):
    """``and`` / ``or`` of conditions, or ``not`` of one (a single value)."""

    op: str
    values: tuple
    span: Span = None


class Return(Node):
    """``return name`` at the end of a block: the tensor the block gives back."""

    name: str
    span: Span = None


class Let(Node):
    name: str
    value: object
    span: Span = None


class LayerLine(Node):
    """One layer constructor. ``source`` is its text as written; ``inputs`` names the
    tensors it is applied to (empty: the previous layer's output); ``target`` the name
    its output is given (``x = ...``)."""

    call: Call
    source: str
    target: str | None = None
    inputs: tuple[str, ...] = ()
    operator: str | None = None  # "+", "-" or "*" when written as `a + b`
    span: Span = None
    label: str | None = None  # the layer's name in reports (a module attribute's name)


class Expect(Node):
    """``expect [layer REF] KEY: VALUE``: an answer for ``shapecalc check``. ``layer`` is a
    1-based index, a layer name, or None for the whole network; ``value_span`` is where the
    value is written, so that ``check --update`` can rewrite just that text."""

    key: str
    layer: int | str | None
    value: object
    value_text: str
    value_span: Span = None
    span: Span = None


Statement = ConventionDecl | InputDecl | Let | LayerLine | BlockDef | Loop | If | Return | Expect


class Spec(Node):
    path: str
    source: str
    statements: tuple
