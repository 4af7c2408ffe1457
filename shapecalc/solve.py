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


class Answer(NamedTuple):
    """One answer of `shapecalc solve`: the output axes it is about (none for the validity
    range), the equation solved there and its solution."""

    unknown: str
    axes: tuple[int, ...]
    size: object  # the output size on those axes (None for the validity range)
    target: object
    solution: Solution | None  # None: the unknown is in no condition, every value is valid

    def text(self) -> str:
        if not self.axes:
            if self.solution is None:
                return (f"{self.unknown} does not appear in any validity condition: every "
                        "value is valid")
            return f"valid for {self.solution.describe()}"
        where = (f"axis {self.axes[0]}" if len(self.axes) == 1 else
                 f"axes {', '.join(map(str, self.axes))}")
        return (f"{where} ({readable(self.size)} = {readable(self.target)}): "
                f"{self.solution.describe()}")


def solve_relation(report, unknown: str, *, keep_size: bool = False, target: object = None,
                   layer: int | None = None) -> list[Answer]:
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


def _wanted_size(node, bindings: dict) -> object:
    """The value of --output's expression: an integer or a symbolic integer expression."""
    from shapecalc import algebra
    from shapecalc.errors import SpecError
    from shapecalc.spec.evaluate import Evaluator

    try:
        value = Evaluator(bindings)(node)
    except SpecError as error:
        raise ValueError(f"--output: {error.message}") from None
    if not (algebra.is_number(value) or algebra.is_symbolic(value)) or \
            isinstance(value, (bool, float)) or type(value).__name__ == "Reference":
        raise ValueError("--output: expected an integer expression such as `H` or "
                         "`(H + 1) // 2`")
    return value
