"""The symbolic side of ``shapecalc.algebra``: imported only when a spec has free symbols."""

from __future__ import annotations

from functools import lru_cache

import sympy


@lru_cache(maxsize=None)
def symbol(name: str, nonnegative: bool = False) -> sympy.Symbol:
    """Symbols are positive integers unless declared otherwise."""
    if nonnegative:
        return sympy.Symbol(name, integer=True, nonnegative=True)
    return sympy.Symbol(name, integer=True, positive=True)


def floor_div(a, b):
    return sympy.floor(sympy.Mul(a, sympy.Pow(b, -1)))


def ceil_div(a, b):
    return sympy.ceiling(sympy.Mul(a, sympy.Pow(b, -1)))


def divide(a, b):
    return sympy.Mul(a, sympy.Pow(b, -1))


def maximum(a, b):
    return sympy.Max(a, b)


def minimum(a, b):
    return sympy.Min(a, b)


def add(*terms):
    return sympy.Add(*terms)


def decide(condition) -> bool | None:
    if condition is sympy.true or condition is True:
        return True
    if condition is sympy.false or condition is False:
        return False
    return None


def integer(value) -> bool:
    """Whether an expression is known to be an integer."""
    return bool(getattr(value, "is_integer", False))
