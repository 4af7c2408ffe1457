"""Solving for an unknown: the value that makes an output size what it should be, or the
range a validity condition allows.

Output sizes are floor (or ceiling) forms ``floor(g) + c`` with ``g`` linear in the unknown,
so an equation ``floor(g) + c = T`` is the interval ``T - c <= g < T - c + 1`` and its
integer points; a linear equation without rounding has one solution, an integer only under
a divisibility condition. Conditions ``lhs >= rhs`` bound the unknown from one side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import sympy

from shapecalc.symbolic import expr, readable, small


@dataclass(frozen=True)
class Solution:
    """Integer solutions: ``low <= unknown <= high`` (either may be None: unbounded), or an
    exact ``value``; ``note`` says when the answer is an integer or there is none."""

    unknown: str
    value: object = None
    low: object = None
    high: object = None
    note: str = ""

    @property
    def empty(self) -> bool:
        return _decided(self.low, self.high) is False

    def describe(self) -> str:
        u = self.unknown
        if self.value is not None:
            text = f"{u} = {readable(self.value)}"
        elif self.low is None and self.high is None:
            text = f"{u}: any value"
        elif self.empty:
            text = f"no integer {u}"
        elif self.low is not None and self.high is not None and \
                sympy.simplify(expr(self.high) - expr(self.low)) == 0:
            text = f"{u} = {readable(self.low)}"
        else:
            parts = []
            if self.low is not None:
                parts.append(f"{readable(self.low)} <= ")
            parts.append(u)
            if self.high is not None:
                parts.append(f" <= {readable(self.high)}")
            text = "".join(parts)
            count = _count(self.low, self.high)
            if count is not None:
                text += f"  ({count} integer solutions)" if count > 1 else ""
        return text + (f"  ({self.note})" if self.note else "")


def _decided(low, high) -> bool | None:
    if low is None or high is None:
        return None
    verdict = sympy.simplify(expr(high) - expr(low)) >= 0
    return bool(verdict) if verdict in (sympy.true, sympy.false) else None


def _count(low, high) -> int | None:
    if low is None or high is None:
        return None
    n = sympy.simplify(expr(high) - expr(low) + 1)
    return int(n) if n.is_Integer else None


def solve_equal(value, target, unknown: sympy.Symbol) -> Solution:
    """Integer values of ``unknown`` for which ``value == target``."""
    name = unknown.name
    difference = expr(value) - expr(target)
    _refuse_large(difference)
    rounded = [t for t in sympy.Add.make_args(difference)
               if isinstance(t, (sympy.floor, sympy.ceiling)) and unknown in t.free_symbols]
    if not rounded:
        return _linear(difference, unknown)
    if len(rounded) > 1:
        raise ValueError(f"{readable(value)} = {readable(target)} has more than one rounding "
                         f"that depends on {name}")
    term = rounded[0]
    rest = difference - term
    if unknown in rest.free_symbols:
        raise ValueError(f"{name} appears outside the rounding in {readable(value)}")
    inner = term.args[0]
    t = -rest  # floor(inner) = t
    if isinstance(term, sympy.floor):  # t <= inner < t + 1
        low, high = _interval(inner, unknown, t, t + 1, strict_high=True)
    else:  # t - 1 < inner <= t
        low, high = _interval(inner, unknown, t - 1, t, strict_high=False)
    return Solution(name, low=low, high=high)


def _linear_poly(expression, unknown) -> sympy.Poly:
    """``expression`` as a degree-1 polynomial in ``unknown``, or a ValueError saying why
    not (the unknown in a denominator, a power, a product with itself)."""
    _refuse_large(expression)
    try:
        poly = sympy.Poly(sympy.expand(expression), unknown)
    except sympy.PolynomialError:
        poly = None
    if poly is None or poly.degree() != 1:
        raise ValueError(f"{readable(expression)} is not linear in {unknown}; solve finds "
                         f"unknowns that enter sizes linearly (paddings, kernel sizes, "
                         f"dilations, input sizes), not strides of a rounding")
    return poly


def _refuse_large(expression) -> None:
    if not small(expression):
        raise ValueError(f"{readable(expression)[:200]}... is too large an expression for "
                         "solve; bind some of its symbols (--set) to make it smaller")


def _interval(inner, unknown, lower, upper, *, strict_high: bool):
    """Integer bounds on ``unknown`` from ``lower <= inner < upper`` (strict_high) or
    ``lower < inner <= upper``, with inner = a*unknown + b and a > 0 or a < 0."""
    poly = _linear_poly(inner, unknown)
    a, b = poly.all_coeffs()
    lo, hi = (lower - b) / a, (upper - b) / a
    if a.is_negative:
        lo, hi = hi, lo
        strict_high = not strict_high
    elif not a.is_positive:
        raise ValueError(f"cannot tell the sign of {a}")
    if strict_high:  # lo <= u < hi
        return sympy.ceiling(lo), sympy.ceiling(hi) - 1
    return sympy.floor(lo) + 1, sympy.floor(hi)  # lo < u <= hi


def _linear(difference, unknown) -> Solution:
    poly = _linear_poly(difference, unknown)
    a, b = poly.all_coeffs()
    value = sympy.factor_terms(sympy.together(-b / a))
    numerator, denominator = sympy.together(value).as_numer_denom()
    note = ""
    if value.is_number:
        if not value.is_integer:
            return Solution(unknown.name, low=sympy.Integer(1), high=sympy.Integer(0),
                            note=f"{unknown} would be {value}")
    elif denominator != 1:
        note = f"an integer only when {readable(numerator)} is divisible by {denominator}"
    return Solution(unknown.name, value=value, note=note)


def _bound(kind, a, b):
    """Max or Min of two bounds, simplified only when small: comparing large expressions
    costs sympy seconds."""
    if small(a) and small(b):
        return kind(a, b)
    return kind(a, b, evaluate=False)


def bounds_from_conditions(conditions, unknown: sympy.Symbol) -> Solution:
    """The range of ``unknown`` allowed by validity conditions (``lhs >= rhs``)."""
    low = high = None
    for condition in conditions:
        if unknown not in condition.free_symbols:
            continue
        difference = condition.lhs - condition.rhs  # >= 0
        _refuse_large(difference)
        if condition.rel_op == "<=":
            difference = -difference
        rounded = [t for t in sympy.Add.make_args(difference) if isinstance(t, sympy.floor)]
        if rounded and (difference - rounded[0]).is_integer:
            difference = rounded[0].args[0] + (difference - rounded[0])
        try:
            poly = _linear_poly(difference, unknown)
        except ValueError:
            continue
        a, b = poly.all_coeffs()
        if a.is_positive:  # u >= -b/a
            bound = sympy.ceiling(-b / a)
            low = bound if low is None else _bound(sympy.Max, low, bound)
        elif a.is_negative:  # u <= -b/a
            bound = sympy.floor(-b / a)
            high = bound if high is None else _bound(sympy.Min, high, bound)
    return Solution(unknown.name, low=low, high=high)


MAX_SEARCH_BITS = 64  # reach(): the unknown is searched up to 2**64


def smallest_reaching(value, target, unknown: sympy.Symbol) -> Solution:
    """The smallest positive integer ``unknown`` with ``value >= target``, ``value``
    nondecreasing in it (a receptive field as layers are repeated): a bound when the
    difference is linear, else a doubling and halving search over exact values."""
    difference = sympy.expand(expr(value) - expr(target))
    if unknown not in difference.free_symbols:
        verdict = difference >= 0
        if verdict is sympy.true:
            return Solution(unknown.name, value=sympy.Integer(1), note="already reached")
        if verdict is sympy.false:
            return Solution(unknown.name, low=sympy.Integer(1), high=sympy.Integer(0),
                            note=f"{readable(value)} does not depend on {unknown}")
    others = difference.free_symbols - {unknown}
    if difference.is_polynomial(unknown) and sympy.degree(difference, unknown) == 1:
        a, b = sympy.Poly(difference, unknown).all_coeffs()
        if a.is_positive:
            return Solution(unknown.name, value=sympy.Max(1, sympy.ceiling(-b / a)))
    if others:
        names = ", ".join(sorted(s.name for s in others))
        raise ValueError(f"{readable(value)} >= {readable(target)} depends on {names} too; "
                         f"bind them (--set) to find the smallest {unknown}")

    def reached(n: int) -> bool:
        return bool(difference.xreplace({unknown: sympy.Integer(n)}) >= 0)

    high = 1
    while not reached(high):
        high *= 2
        if high.bit_length() > MAX_SEARCH_BITS:
            return Solution(unknown.name, low=sympy.Integer(1), high=sympy.Integer(0),
                            note=f"{readable(value)} stays below {readable(target)}")
    low = high // 2  # not reached at low (or low = 0)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if reached(middle) else (middle, high)
    return Solution(unknown.name, value=sympy.Integer(high))


class Answer(NamedTuple):
    """One answer of `shapecalc solve`: the output axes it is about (none for the validity
    range), the equation solved there and its solution."""

    unknown: str
    axes: tuple[int, ...]
    size: object  # the output size on those axes (None for the validity range)
    target: object
    solution: Solution | None  # None: the unknown is in no condition, every value is valid
    relation: str = "="  # ">=": the smallest unknown whose receptive field reaches a size

    def text(self) -> str:
        if not self.axes:
            if self.solution is None:
                return (f"{self.unknown} does not appear in any validity condition: every "
                        "value is valid")
            return f"valid for {self.solution.describe()}"
        where = (f"axis {self.axes[0]}" if len(self.axes) == 1 else
                 f"axes {', '.join(map(str, self.axes))}")
        return (f"{where} ({readable(self.size)} {self.relation} {readable(self.target)}): "
                f"{self.solution.describe()}")


def solve_relation(report, unknown: str, *, keep_size: bool = False, target: object = None,
                   layer: int | None = None, reach: object = None) -> list[Answer]:
    """The CLI's question, answered: one answer per group of output axes with the same
    equation, or the range the validity conditions allow. ``target`` is the wanted output
    size, an expression read from the command line."""
    from shapecalc.symbolic import symbol

    u = symbol(unknown)
    bound = dict(report.bindings)
    if unknown in bound:
        raise ValueError(f"{unknown} is bound by `let` in the spec; remove that line to "
                         "solve for it")
    if not report.layers:
        raise ValueError("the spec has no layers")
    chosen = report.layers[-1] if layer is None else next(
        (lay for lay in report.layers if lay.index == layer), None)
    if chosen is None:
        raise ValueError(f"no layer {layer}")
    if reach is not None:
        return _reach(chosen, _wanted_size(reach, bound, "--rf"), u,
                      report.convention == "keras")
    if not keep_size and target is None:
        constraints = [c for lay in report.layers for c in lay.constraints]
        solution = bounds_from_conditions(constraints, u)
        if solution.low is None and solution.high is None:
            return [Answer(unknown, (), None, None, None)]
        return [Answer(unknown, (), None, None, solution)]
    shape = chosen.output_shape
    if keep_size:
        if len(shape) != len(report.input_shape):
            raise ValueError(f"layer {chosen.index} output {shape} and input "
                             f"{report.input_shape} differ in rank")
        targets = list(report.input_shape)
    else:
        targets = [_wanted_size(target, bound)] * len(shape)
    answers: dict[tuple, list[int]] = {}
    for axis, (dim, want) in enumerate(zip(shape, targets)):
        if dim is None or unknown not in {s.name for s in getattr(expr(dim), "free_symbols",
                                                                     ())}:
            continue
        key = (readable(dim), readable(want))
        if key not in answers:
            answers[key] = [dim, want, solve_equal(dim, want, u)]
        answers[key].append(axis)
    if not answers:
        raise ValueError(f"the output shape of layer {chosen.index} does not depend on "
                         f"{unknown}")
    return [Answer(unknown, tuple(axes), dim, want, solution)
            for dim, want, solution, *axes in answers.values()]


def _wanted_size(node, bindings: dict, option: str = "--output") -> object:
    """The value of --output's (or --rf's) expression: an integer or a symbolic integer
    expression."""
    from shapecalc import algebra
    from shapecalc.errors import SpecError
    from shapecalc.spec.evaluate import Evaluator

    try:
        value = Evaluator(bindings)(node)
    except SpecError as error:
        raise ValueError(f"{option}: {error.message}") from None
    if not (algebra.is_number(value) or algebra.is_symbolic(value)) or \
            isinstance(value, (bool, float)) or type(value).__name__ == "Reference":
        raise ValueError(f"{option}: expected an integer expression such as `H` or "
                         "`(H + 1) // 2`")
    return value


def _reach(layer, target, unknown: sympy.Symbol, channels_last: bool) -> list[Answer]:
    """The smallest unknown whose receptive field size at ``layer`` reaches ``target`` on
    every spatial axis (one answer per distinct size)."""
    if layer.receptive_field is None:
        raise ValueError(f"layer {layer.index} mixes every position: its receptive field is "
                         "the whole input")
    rank, field = len(layer.output_shape), layer.receptive_field
    axes = range(1, 1 + len(field)) if channels_last else range(rank - len(field), rank)
    groups: dict = {}
    for axis, size in zip(axes, (a.size for a in field)):
        groups.setdefault(size, []).append(axis)
    answers = []
    for size, where in groups.items():
        solution = smallest_reaching(size, target, unknown)
        n = solution.value
        if n is not None and n.is_Integer:
            note = f"receptive field {readable(expr(size).xreplace({unknown: n}))}"
            if n > 1:
                note += f"; at {unknown} = {n - 1}: " \
                        f"{readable(expr(size).xreplace({unknown: n - 1}))}"
            solution = Solution(solution.unknown, value=n, note=note)
        answers.append(Answer(unknown.name, tuple(where), size, target, solution, ">="))
    return answers
