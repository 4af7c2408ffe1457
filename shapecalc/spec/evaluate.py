"""Values of spec expressions: exact integers, symbols for unbound names, strings, tuples.

Arithmetic is done here by hand on the tree (never by Python's eval): integers stay
``int``; a name with no binding becomes a positive-integer symbol (sympy is imported only
then). Sizes are bounded so that a hostile spec cannot make us compute for ever.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Mapping

from shapecalc import algebra
from shapecalc.errors import SpecError
from shapecalc.record import Record
from shapecalc.spec import syntax as S

MAX_BITS = 4096
MAX_EXPONENT = 1024


class Reference(Record):
    """A name or call given as an argument that we carry but do not interpret, such as
    ``activation=nn.ReLU`` or ``kernel_regularizer=regularizers.l2(1e-4)``."""

    _hidden = frozenset({"node"})

    text: str
    node: object = None

    def __str__(self) -> str:
        return self.text


class Evaluator:
    def __init__(self, bindings: Mapping[str, object] | None = None) -> None:
        self.bindings = dict(bindings or {})

    def __call__(self, node: object) -> object:
        if isinstance(node, S.Number):
            return node.value
        if isinstance(node, (S.String, S.Constant)):
            return node.value
        if isinstance(node, S.Name):
            if len(node.parts) == 1:
                name = node.parts[0]
                if name in self.bindings:
                    return self.bindings[name]
                from shapecalc.symbolic import symbol

                return symbol(name)
            return Reference(node.dotted)
        if isinstance(node, S.Sequence):
            return tuple(self(item) for item in node.items)
        if isinstance(node, S.UnaryOp):
            value = self._arith_operand(node.operand)
            return -value if node.op == "-" else value
        if isinstance(node, S.BinaryOp):
            chain = []  # `a + b + c + ...` nests to the left: folded in a loop, not recursion
            while isinstance(node, S.BinaryOp):
                chain.append(node)
                node = node.left
            value = self._arith_operand(node)
            for link in reversed(chain):
                value = self._binary(link, value)
            return value
        if isinstance(node, S.Call):
            return Reference(_text(node), node)
        if isinstance(node, (S.Compare, S.BoolOp)):
            return self.condition(node)
        if isinstance(node, S.Choice):
            return self(node.then if self.condition(node.test) else node.otherwise)
        raise SpecError("cannot evaluate this expression", getattr(node, "span", None))

    def condition(self, node: object) -> bool:
        """A comparison or and/or/not of comparisons, decided: an `if` in a block must be
        decidable from the values bound when the block runs."""
        if isinstance(node, S.BoolOp):
            if node.op == "not":
                return not self.condition(node.values[0])
            results = (self.condition(v) for v in node.values)
            return all(results) if node.op == "and" else any(results)
        if isinstance(node, S.Compare):
            a, b = self(node.left), self(node.right)
            if node.op in ("==", "!="):
                verdict = algebra.truth(algebra.equal(a, b)) if not isinstance(
                    a, (str, tuple, bool, type(None))) else a == b
            else:
                a, b = self._arith_operand(node.left), self._arith_operand(node.right)
                verdict = algebra.truth({"<": a < b, "<=": a <= b, ">": a > b,
                                         ">=": a >= b}[node.op])
            if verdict is None:
                raise SpecError("this condition depends on unbound symbols; bind them "
                                "(let or --set) to decide it", node.span)
            return verdict if node.op != "!=" else not verdict
        value = self(node)
        if isinstance(value, bool):
            return value
        if algebra.is_number(value):
            return value != 0
        raise SpecError(f"a condition must be a comparison or True/False, got {_describe(value)}",
                        getattr(node, "span", None))

    def _arith_operand(self, node: object) -> object:
        value = self(node)
        if isinstance(value, (bool, str, tuple, type(None), Reference)):
            raise SpecError(f"arithmetic needs numbers, not {_describe(value)}", node.span)
        return value

    def _binary(self, node: S.BinaryOp, a: object) -> object:
        """``a`` (the left operand, evaluated) ``node.op`` the right operand."""
        b = self._arith_operand(node.right)
        try:
            return self._arithmetic(node, a, b)
        except (ArithmeticError, TypeError, ValueError) as error:  # 1e300**2, H % 0.5...
            raise SpecError(f"arithmetic error: {error}", node.span) from None

    def _arithmetic(self, node: S.BinaryOp, a: object, b: object) -> object:
        op = node.op
        numeric = algebra.is_number(a) and algebra.is_number(b)
        if op in ("/", "//", "%") and (algebra.is_number(b) or isinstance(b, float)) and b == 0:
            raise SpecError("division by zero", node.span)
        if op == "+":
            result = a + b
        elif op == "-":
            result = a - b
        elif op == "*":
            result = a * b
        elif op == "/":
            if isinstance(a, float) or isinstance(b, float):
                result = a / b
            else:
                result = algebra.divide(a, b)
        elif op == "//":
            result = a // b if numeric or isinstance(a, float) else algebra.floordiv(a, b)
        elif op == "%":
            result = a % b
        elif algebra.is_symbolic(b) and getattr(b, "is_integer", False) and \
                getattr(b, "is_nonnegative", False) and \
                (type(a) is int and a > 0 or getattr(a, "is_positive", False)):
            result = algebra.power(a, b)  # 2**L: the closed form of a repeated stride
        else:  # **
            if not (type(b) is int) or b < 0 or b > MAX_EXPONENT:
                if algebra.is_number(b) or isinstance(b, float):
                    raise SpecError(
                        f"exponent must be an integer from 0 to {MAX_EXPONENT}, got {b}",
                        node.right.span,
                    )
                raise SpecError("a symbolic exponent is not supported", node.right.span)
            if type(a) is int and a.bit_length() * b > MAX_BITS:
                raise SpecError(f"number too large (more than {MAX_BITS} bits)", node.span)
            result = a**b
        if type(result) is int and result.bit_length() > MAX_BITS:
            raise SpecError(f"number too large (more than {MAX_BITS} bits)", node.span)
        if isinstance(result, Fraction) and result.denominator == 1:
            result = result.numerator
        return result


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"the boolean {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, tuple):
        return "a tuple"
    if value is None:
        return "None"
    return f"`{value}`"


def _text(node: object) -> str:
    """Our own rendering of a node, for References and messages."""
    if isinstance(node, S.Number):
        return repr(node.value)
    if isinstance(node, S.String):
        return repr(node.value)
    if isinstance(node, S.Constant):
        return repr(node.value)
    if isinstance(node, S.Name):
        return node.dotted
    if isinstance(node, S.Sequence):
        inner = ", ".join(_text(i) for i in node.items)
        if node.kind == "list":
            return f"[{inner}]"
        return f"({inner},)" if len(node.items) == 1 else f"({inner})"
    if isinstance(node, S.UnaryOp):
        return f"{node.op}{_operand(node.operand, _UNARY, right=True)}"
    if isinstance(node, S.BinaryOp):
        tier = _PRECEDENCE[node.op]
        if node.op == "**":
            return (f"{_operand(node.left, tier, right=True)} ** "
                    f"{_operand(node.right, tier, right=False)}")
        rights = []
        # a long flat chain a + b - c ... nests to the left: walked in a loop, not recursion
        while isinstance(node, S.BinaryOp) and _PRECEDENCE[node.op] == tier:
            rights.append(f" {node.op} {_operand(node.right, tier, right=True)}")
            node = node.left
        return _operand(node, tier, right=False) + "".join(reversed(rights))
    if isinstance(node, S.Call):
        args = [_text(a) for a in node.args] + [f"{k.name}={_text(k.value)}" for k in node.keywords]
        return f"{_text(node.func)}({', '.join(args)})"
    return "?"


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "//": 2, "%": 2, "**": 4}
_UNARY = 3


def _operand(node: object, tier: int, *, right: bool) -> str:
    """An operand's text, in parentheses where the operator around it would bind tighter
    (or as tight, on the side it does not associate to): (H - 3) / 2, 2 - (1 - H)."""
    inner = _PRECEDENCE.get(node.op) if isinstance(node, S.BinaryOp) else \
        _UNARY if isinstance(node, S.UnaryOp) else None
    text = _text(node)
    if inner is not None and (inner < tier or inner == tier and right):
        return f"({text})"
    return text
