"""Integer arithmetic that stays plain ``int`` whenever a value is known.

A dimension, a parameter count or a MAC count is an ``int`` on the numeric path. Only when
a spec leaves a name unbound does a value become a sympy expression, and only then is sympy
imported (``shapecalc.symbolic``). Every layer rule does its arithmetic through the helpers
here, so the same rule serves numbers and symbols.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Iterable

Value = Any  # int | Fraction | sympy.Expr


def is_number(value: Value) -> bool:
    return isinstance(value, (int, Fraction)) and not isinstance(value, bool)


def is_symbolic(value: Value) -> bool:
    return not isinstance(value, (int, float, Fraction, str, type(None), tuple))


def _sympy():
    from shapecalc import symbolic

    return symbolic


def floordiv(a: Value, b: Value) -> Value:
    if type(a) is int and type(b) is int:
        return a // b
    return _sympy().floor_div(a, b)


def ceildiv(a: Value, b: Value) -> Value:
    if type(a) is int and type(b) is int:
        return -(-a // b)
    return _sympy().ceil_div(a, b)


def exact(value: Value) -> Value:
    """A Fraction that is a whole number as an int; everything else unchanged."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return value


def divide(a: Value, b: Value) -> Value:
    """Exact division: an int when it divides, a Fraction otherwise."""
    if type(a) is int and type(b) is int:
        q = Fraction(a, b)
        return q.numerator if q.denominator == 1 else q
    if is_number(a) and is_number(b):
        return Fraction(a) / Fraction(b)
    return _sympy().divide(a, b)


def power(base: Value, exponent: Value) -> Value:
    """base**exponent with a symbolic exponent (s**L); numbers use Python's own power."""
    return _sympy().expr(base) ** exponent


def maximum(a: Value, b: Value) -> Value:
    if is_number(a) and is_number(b):
        return max(a, b)
    return _sympy().maximum(a, b)


def minimum(a: Value, b: Value) -> Value:
    if is_number(a) and is_number(b):
        return min(a, b)
    return _sympy().minimum(a, b)


def product(values: Iterable[Value]) -> Value:
    result: Value = 1
    for v in values:
        result = result * v
    return result


def total(values: Iterable[Value]) -> Value:
    numbers = 0
    symbols = []
    for v in values:
        if is_number(v):
            numbers += v
        else:
            symbols.append(v)
    if not symbols:
        return numbers
    return _sympy().add(numbers, *symbols)


def equal(a: Value, b: Value) -> Any:
    """a = b as a condition ``Call.require`` can decide or keep: a bool for numbers, an
    equation when a symbol is involved (``==`` on sympy values compares structure, so
    ``F == 20`` would be a plain False)."""
    if not is_symbolic(a) and not is_symbolic(b):
        return a == b
    import sympy  # only reached when a value is symbolic

    return sympy.Eq(a, b)


def divisible(a: Value, b: Value) -> Any:
    """b divides a, as a condition (an equation when a symbol is involved)."""
    if not is_symbolic(a) and not is_symbolic(b):
        return b != 0 and a % b == 0
    import sympy

    return sympy.Eq(sympy.Mod(a, b), 0)


def any_of(*conditions: Any) -> Any:
    """Either condition holds: a bool for decided ones, a disjunction for symbolic ones."""
    if all(isinstance(c, bool) for c in conditions):
        return any(conditions)
    import sympy

    return sympy.Or(*conditions)


def truth(condition: Any) -> bool | None:
    """True or False when the condition is decided, None when it depends on symbols."""
    if isinstance(condition, bool):
        return condition
    return _sympy().decide(condition)


def show(value: Value) -> str:
    """A value as a person reads it: 1,234 for numbers, sympy's notation for expressions."""
    if value is None:
        return "None"
    if type(value) is int:
        return f"{value:,}"
    if isinstance(value, (Fraction, float, str)):
        return str(value)
    return _sympy().readable(value)


def show_shape(shape: tuple) -> str:
    inner = ", ".join(show(d).replace(",", "") if type(d) is int else show(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"
