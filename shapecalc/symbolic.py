"""The symbolic side of ``shapecalc.algebra``: imported only when a spec has free symbols."""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from math import comb

import sympy

SIMPLIFY_NODES = 100  # the largest expression sympy is asked to simplify or expand
EXPANDED_TERMS = 256  # the most terms an expansion may make: (H + W)**1024 is not expanded


class _TooLarge(Exception):
    pass


def small(value) -> bool:
    """Whether sympy's simplifying tools (expand, together, simplify, Poly) may be used on
    this expression: a bounded number of nodes, none of them a power or product of sums
    whose expansion has many terms. Larger expressions keep their unsimplified form, so
    that no spec can make an analysis, a check or a solve run for ever."""
    if not isinstance(value, sympy.Basic):
        return True
    try:
        _expanded_terms(value, [SIMPLIFY_NODES])
    except _TooLarge:
        return False
    return True


def _expanded_terms(value, budget: list[int]) -> int:
    """How many terms expanding ``value`` makes (at most); raises _TooLarge past the
    bounds. ``budget`` counts down the nodes visited."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    if not value.args:
        return 1
    terms = [_expanded_terms(arg, budget) for arg in value.args]
    if value.is_Add:
        count = sum(terms)
    elif value.is_Mul:
        count = 1
        for n in terms:
            count *= n
            if count > EXPANDED_TERMS:
                raise _TooLarge
    elif value.is_Pow and value.exp.is_Integer and terms[0] > 1:
        k = abs(int(value.exp))  # (a + b + ...)**k: at most C(n + k - 1, k) terms
        count = EXPANDED_TERMS + 1 if k > EXPANDED_TERMS else comb(terms[0] + k - 1, k)
    else:
        count = 1  # floor(...), Max(...): expanded inside, one term outside
    if count > EXPANDED_TERMS:
        raise _TooLarge
    return count


@lru_cache(maxsize=None)
def symbol(name: str, nonnegative: bool = False) -> sympy.Symbol:
    """Symbols are positive integers unless declared otherwise."""
    if nonnegative:
        return sympy.Symbol(name, integer=True, nonnegative=True)
    return sympy.Symbol(name, integer=True, positive=True)


@lru_cache(maxsize=None)
def _indexed_base(name: str) -> sympy.IndexedBase:
    return sympy.IndexedBase(name, integer=True, positive=True)


def indexed(name: str, index):
    """k[i]: a positive integer per value of i (kernel sizes, strides of a loop's layers)."""
    return _indexed_base(name)[expr(index)]


def expr(value):
    """A number or expression of ours as a sympy expression."""
    if type(value) is int:
        return sympy.Integer(value)
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    return value


def floor_div(a, b):
    return _rounded_division(a, b, sympy.floor)


def ceil_div(a, b):
    return _rounded_division(a, b, sympy.ceiling)


def _rounded_division(a, b, rounding):
    """rounding(a/b), merging a nested rounding of the same kind into one:
    floor((floor(g) + r)/b) = floor((g + r)/b) for integer r and positive integer b (and the
    same for ceiling), so that a stack of strided layers reads as one floor, not a tower."""
    a, b = expr(a), expr(b)
    if b.is_integer and b.is_positive:
        inner = [t for t in sympy.Add.make_args(a) if isinstance(t, rounding)]
        if len(inner) == 1:
            rest = a - inner[0]
            if rest.is_integer:
                return _rounding(rounding, (inner[0].args[0] + rest) / b)
    return _rounding(rounding, a / b)


def _rounding(rounding, value):
    # sympy's floor of a large polynomial looks for its real roots: not for those
    return rounding(value) if small(value) else rounding(value, evaluate=False)


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


@lru_cache(maxsize=4096)
def readable(value) -> str:
    """sympy's notation, with each floor/ceiling argument over one denominator:
    floor((H - 7)/4) rather than floor(H/4 - 7/4)."""
    if not isinstance(value, sympy.Basic):
        return str(value)
    if not small(value):  # sorting the terms of a large expression costs seconds
        return sympy.sstr(value, order="none")
    if value.has(sympy.floor, sympy.ceiling):
        value = over_one_denominator(value)
    elif isinstance(value, sympy.Add) and len(value.args) <= 8:  # 2*(d1 + d2) + 1
        constant, rest = value.as_coeff_Add()
        grouped = sympy.factor_terms(rest)
        if grouped != rest:
            return f"{grouped} + {constant}" if constant > 0 else \
                f"{grouped} - {-constant}" if constant < 0 else str(grouped)
    return str(value)


def over_one_denominator(value):
    """The expression with each floor/ceiling argument over one denominator (a large one
    as it is: expanding it could take for ever; those of a repeated stride's closed form
    kept as built)."""
    if not small(value):
        return value
    mapping = {r: type(r)(sympy.together(sympy.expand(r.args[0])), evaluate=False)
               for r in value.atoms(sympy.floor, sympy.ceiling) if not _geometric(r)}
    return value.xreplace(mapping)


def _geometric(value) -> bool:
    """Whether a value holds a power with a symbolic exponent (s**L, the closed form of a
    repeated stride) or a Sum or Product (strides s[i] per repetition), kept as it is built:
    (s**L - 1)/(s - 1) reads better than expanded, and expanding splits a Sum."""
    return value.has(sympy.Sum, sympy.Product) or \
        any(not p.exp.is_number for p in value.atoms(sympy.Pow))


@lru_cache(maxsize=4096)
def simplify_condition(condition):
    """A validity condition in the form a person reads: floor(G) + r >= k becomes G >= k - r
    (exact for integer r and k), and a condition linear in one integer symbol becomes a
    bound on it: floor((H - 3)/2) + 1 >= 3  ->  H >= 7."""
    if not isinstance(condition, sympy.Rel) or condition.rel_op not in (">=", ">", "<=", "<") \
            or not small(condition):
        return condition
    if condition.rel_op in ("<=", "<"):
        condition = condition.reversed
    difference = condition.lhs - condition.rhs
    if condition.rel_op == ">":
        difference -= 1  # integers: a > b is a - 1 >= b
    rounded = [t for t in sympy.Add.make_args(difference) if isinstance(t, sympy.floor)]
    if len(rounded) == 1 and (difference - rounded[0]).is_integer:
        difference = rounded[0].args[0] + (difference - rounded[0])
    numerator, denominator = sympy.fraction(sympy.together(difference))
    if denominator.is_positive:  # clear positive denominators: H/2 - 3/2 >= 0 is H - 3 >= 0
        difference = numerator
    free = difference.free_symbols
    if len(free) > 1:  # H - d*(k - 1) - 1 >= 0  ->  H >= d*(k - 1) + 1
        for x in sorted(free, key=lambda sym: sym.name):
            rest, term = difference.as_independent(x, as_Add=True)
            if term == x:
                return sympy.Ge(x, -rest, evaluate=False)
    if len(free) == 1:
        (x,) = free
        poly = sympy.Poly(difference, x) if difference.is_polynomial(x) else None
        if poly is not None and poly.degree() == 1:
            a, b = poly.all_coeffs()
            if a.is_number and b.is_number and x.is_integer:
                bound = -b / a
                if a > 0:
                    return sympy.Ge(x, sympy.ceiling(bound))
                return sympy.Le(x, sympy.floor(bound))
    constant, rest = difference.as_coeff_Add()  # N*H*W - 2 >= 0  ->  N*H*W >= 2
    return sympy.Ge(rest, -constant, evaluate=False)


def same(a, b) -> bool:
    """Whether two expressions are equal for every value of their symbols (when they are
    too large to simplify: whether they are written alike)."""
    difference = expr(a) - expr(b)
    if not small(difference):
        return difference == 0
    difference = sympy.expand(difference)
    if difference == 0:
        return True
    return sympy.simplify(difference) == 0
