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
    dtype: str | None = None  # "int", "float" or "bool" where the line says, e.g. `int64`


class Compare(Node):
    """A comparison ``left op right`` (== != < <= > >=)."""

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


class Let(Node):
    name: str
    value: object
    span: Span = None


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


Statement = ConventionDecl | InputDecl | Let | Expect


class Spec(Node):
    """A read spec: its directives, and the Python module the rest of it is (parsed by
    ``ast.parse``, with the directive lines rewritten as the reader says)."""

    _hidden = frozenset({"span", "value_span", "module", "shifts", "lets", "dedent"})

    path: str
    source: str
    statements: tuple
    module: object = None
    shifts: tuple = ()  # (line, (column in the module, column in the file)) of input lines
    lets: frozenset = frozenset()  # lines that were `let` directives
    dedent: int = 0  # the indentation common to every line, removed before parsing
