"""Loops repeated a symbolic number of times: `for i in range(L)` with L unbound.

The body runs once, on the loop's tensor with each spatial size a fresh symbol X and each
axis' receptive field (size, jump, start) fresh symbols too, and the index i a symbol. When
the body's map repeats — it gives the other sizes (channels) back unchanged, each spatial
size back as floor((X + A)/m) with A and m free of X, the field as (size + jump·R, jump·S,
start + jump·T) with S free of the field, and weights that do not depend on X — it repeats
in closed form. After t repetitions, with G_t(m) = 1 + m + ... + m^(t-1) (t when m = 1):

    x_t = floor((x_0 + A·G_t(m)) / m^t)

since floor((floor(y) + a)/m) = floor((y + a)/m) for integer a and positive integer m merges
the nested floors, and

    jump_t = j_0·S^t,  size_t = size_0 + j_0·R·G_t(S),  start_t = start_0 + j_0·T·G_t(S).

A stride that is a symbol makes each form a Piecewise: its value at stride 1, and the
geometric form otherwise, so there is no division by zero. Every size map is nondecreasing,
so the sizes x_0, ..., x_(n-1) the body sees are monotone and a validity condition (a lower
bound on a size) holds on all of them when it holds on the first and the last.

When A, m, R, S or T depend on i (per-layer symbols k[i], s[i]), or T on X (TensorFlow's
'same' padding, by the parity of the size), the same sums are kept as Sum and Product:
x_t = floor((x_0 + Sum_l A(l)·Prod_(j<l) m(j)) / Prod_(l<t) m(l)), and the validity
conditions are stated for each repetition.

The body's rows are kept once, as the group of the last repetition: output shapes and
receptive fields there, parameters n × the body's, MACs the sum over the repetitions
(closed when the sizes are linear in t, else an unevaluated Sum).
"""

from __future__ import annotations

import ast
import re
from functools import cached_property

import sympy

from shapecalc import algebra
from shapecalc.errors import SpecError
from shapecalc.interpret.values import SymbolicRange, Tensor
from shapecalc.layers.base import KERAS
from shapecalc.report import AxisField
from shapecalc.symbolic import expr, readable, simplify_condition, symbol


def _bind_hint(count) -> str:
    names = sorted(s.name for s in count.free_symbols)
    return ", ".join(f"--set {name}=3" for name in names) or "--set"


class NonUniform(SpecError):
    pass


def run(interp, node: ast.For, frame, loop: SymbolicRange) -> None:
    """Run a `for` over a symbolic range in closed form, or refuse naming why."""
    from shapecalc.interpret.interpreter import _Break, _Continue

    start = expr(loop.start)
    count = expr(loop.stop) - start
    refuse = _refusal(interp, node.iter, f"for ... in {interp.text(node.iter)}", count)
    carried = _carried(interp, node, frame)
    if carried is None:
        raise refuse("the body carries no tensor from one repetition to the next "
                     "(only a loop over the layers applied to a tensor repeats symbolically)")
    index = index_symbol(node.target)

    def body(entry: Tensor):
        _replace_tensor(interp, frame, carried, entry)
        interp.assign(node.target, _plain(start + index), frame, node)
        try:
            interp.exec_body(node.body, frame)
        except (_Break, _Continue):
            raise refuse("`break`/`continue` makes the repetitions differ") from None
        return frame.cursor if frame.cursor is not entry else None

    closed, out, result = repeat(interp, carried, body, start, count, index, refuse)
    _replace_tensor(interp, frame, out, result)
    for name, value in list(frame.locals.items()):  # other tensors of the last repetition
        if isinstance(value, Tensor) and value is not result and closed.mentions(value.shape):
            frame.locals[name] = value.replace(shape=tuple(closed.last(d) for d in value.shape),
                                               field=None)
    interp.assign(node.target, _plain(start + count - 1), frame, node)
    if node.orelse:
        interp.exec_body(node.orelse, frame)


def index_symbol(target):
    """The symbol of a loop's index: its own name (`i` for `_`)."""
    name = target.id if isinstance(target, ast.Name) and target.id != "_" else "i"
    return symbol(name, nonnegative=True)


def _refusal(interp, at, loop_text: str, count):
    hint = (f"the loop `{loop_text}` repeats {readable(count)} times; bind it "
            f"({_bind_hint(count)}) to follow each repetition")

    def refuse(message: str) -> NonUniform:
        return NonUniform(f"{message}; {hint}", interp.span(at))

    refuse.hint = hint
    return refuse


def apply_repeated(interp, module, x: Tensor, node) -> Tensor:
    """A module of a list made by `[Block(c) for _ in range(L)]`, applied L times."""
    from shapecalc.interpret.interpreter import _first_tensor

    start, count = expr(module.start), expr(module.count)
    refuse = _refusal(interp, module.node, module.text, count)

    def body(entry: Tensor):
        return _first_tensor(interp.apply_module(module.item, [entry], {}, node, None))

    return repeat(interp, x, body, start, count, module.index, refuse)[2]


def repeat(interp, carried: Tensor, body, start, count, index, refuse):
    """Run ``body`` once on the carried tensor with symbolic sizes and fields, and keep its
    rows in closed form: (the closed forms, the body's output, the output after ``count``
    repetitions)."""
    network = interp.network
    spatial = _spatial_axes(network.convention, len(carried.shape))
    xs = {axis: symbol(f"X{axis}_loop") for axis in spatial}
    shape = tuple(xs.get(axis, size) for axis, size in enumerate(carried.shape))
    fields = None if carried.field is None else tuple(
        AxisField(symbol(f"Fsize{a}_loop"), symbol(f"Fjump{a}_loop"),
                  sympy.Symbol(f"Fstart{a}_loop", rational=True)) for a in range(len(spatial)))
    entry = carried.replace(shape=shape, field=fields)
    first = len(network.layers)
    outer_block = interp.block()
    try:
        out = body(entry)
        rows = network.layers[first:]
        if not isinstance(out, Tensor) or not rows:
            raise refuse("the body applies no layer to the loop's tensor")
        closed = _Closed(carried, out, xs, fields, count, index, refuse, rows)
    except NonUniform:
        del network.layers[first:]  # rows in the body's own size symbols: no answer
        raise
    except SpecError as error:
        del network.layers[first:]
        error.message = f"{error.message} ({refuse.hint})"
        error.args = (error.message,)
        raise
    group = outer_block + ("/" if outer_block else "") + network.auto_name("repeat") + \
        "_" + re.sub(r"\W+", "_", readable(count)).strip("_")
    extra = ()
    if start != 0:
        extra = (simplify_condition(sympy.Ge(count, 1)),)
    network.layers[first:] = [closed.row(row, outer_block, group, extra if i == 0 else ())
                              for i, row in enumerate(rows)]
    return closed, out, Tensor(closed.final_shape, closed.final_field, out.source, out.dtype)


def _spatial_axes(convention: str, rank: int) -> tuple[int, ...]:
    if rank < 3:
        return ()
    return tuple(range(1, rank - 1)) if convention == KERAS else tuple(range(2, rank))


def _carried(interp, node: ast.For, frame) -> Tensor | None:
    """The tensor the body continues from: the current tensor, or a name the body assigns."""
    assigned = {n.id for n in ast.walk(ast.Module(node.body, [])) if isinstance(n, ast.Name)
                and isinstance(n.ctx, ast.Store)}
    found = [v for name, v in frame.locals.items() if name in assigned and isinstance(v, Tensor)]
    if frame.cursor is not None:
        found.insert(0, frame.cursor)
    if not found or any(t is not found[0] for t in found):
        return None
    return found[0]


def _replace_tensor(interp, frame, old: Tensor, new: Tensor) -> None:
    if frame.cursor is old:
        frame.cursor = new
    for scope in (frame.locals, interp.top.locals):
        for name, value in list(scope.items()):
            if value is old:
                scope[name] = new


class _Closed:
    """The closed forms of one symbolic loop."""

    def __init__(self, carried, out, xs, fields, count, index, refuse, rows) -> None:
        self.carried, self.out, self.xs, self.count, self.refuse = carried, out, xs, count, refuse
        self.index = index
        self.memo: dict = {}
        self.size_symbols = set(xs.values())  # the sizes and fields the body starts from
        if fields:
            self.size_symbols |= {s for f in fields for s in f}
        self.loop_symbols = self.size_symbols | {index}
        for row in rows:
            self.check_row(row)
        if len(out.shape) != len(carried.shape):
            raise refuse(f"the body changes the tensor's rank from {len(carried.shape)} to "
                         f"{len(out.shape)}")
        self.maps = {}  # axis -> (A, m): X -> floor((X + A)/m)
        for axis, size in enumerate(out.shape):
            if axis in xs:
                found = _floor_affine(expr(size), xs[axis])
                if found is None or found[0].free_symbols & self.size_symbols or \
                        found[1].free_symbols & self.size_symbols:
                    raise refuse(self._culprit(rows, axis, size))
                self.maps[axis] = found
            elif not algebra.is_symbolic(size) and not algebra.is_symbolic(carried.shape[axis]):
                if size != carried.shape[axis]:
                    raise refuse(self._changes(axis, size))
            elif not _same(size, carried.shape[axis]):
                raise refuse(self._changes(axis, size))
        self.fields = None
        if fields is not None and out.field is not None:
            self.fields = []
            for a, (f, g) in enumerate(zip(fields, out.field)):
                ratio = sympy.cancel(expr(g.jump) / f.jump)
                grow = sympy.cancel((expr(g.size) - f.size) / f.jump)
                shift = sympy.cancel((expr(g.start) - f.start) / f.jump)
                sizes = set(xs.values())  # the growth and shift may depend on the size
                if ratio.free_symbols & self.size_symbols or \
                        any((v.free_symbols - sizes) & self.size_symbols for v in (grow, shift)):
                    raise refuse(f"the receptive field of the body on spatial axis {a + 1} is "
                                 "not the same map on every repetition")
                self.fields.append((ratio, grow, shift))
        self.fields_in = fields
        self.start_field = None
        if carried.field is not None and fields is not None:
            self.start_field = carried.field if len(carried.field) == len(fields) else \
                tuple(AxisField(1, 1, 0) for _ in fields)
        ratios = {m for _, m in self.maps.values()} | {r for r, _, _ in (self.fields or ())}
        symbolic = {r for r in ratios if not r.is_number and index not in r.free_symbols}
        if len(symbolic) > 1:
            raise refuse("the body's strides differ by axis and are symbols ("
                         + ", ".join(sorted(map(readable, symbolic))) + ")")
        self.varying = any(index in v.free_symbols for pair in self.maps.values()
                           for v in pair) or \
            any(index in v.free_symbols for triple in self.fields or () for v in triple)
        self.ratio = next(iter(symbolic), None)
        self.ones = _ones(self.ratio) if self.ratio is not None else None
        if self.ratio is not None and self.ones is None and not _at_least_two(self.ratio):
            raise refuse(f"the body's stride {readable(self.ratio)} may or may not be 1")

    def _culprit(self, rows, axis, size) -> str:
        """Which layer makes a spatial size stop being a floor of the body's input size."""
        x, x0 = self.xs[axis], expr(self.carried.shape[axis])
        for row in rows:
            if len(row.output_shape) == len(self.out.shape):
                found = _floor_affine(expr(row.output_shape[axis]), x)
                if found is None or (found[0].free_symbols | found[1].free_symbols) & \
                        self.size_symbols:
                    size, where = row.output_shape[axis], f"layer {row.index} `{row.source}`"
                    break
        else:
            where = "the body"
        size = readable(expr(size).xreplace({x: x0}))
        return (f"{where} maps the size {readable(x0)} of axis {axis} to {size}, not a floor "
                "of it that repeats")

    def _changes(self, axis, size) -> str:
        return (f"the body changes axis {axis} from {readable(self.carried.shape[axis])} to "
                f"{readable(size)}, so its repetitions differ")

    def check_row(self, row) -> None:
        """A row whose weights depend on a size that changes is not the same layer on every
        repetition (its weights may depend on the loop index: k[i])."""
        for v in (row.trainable, row.non_trainable, row.buffers):
            if algebra.is_symbolic(v) and expr(v).free_symbols & self.size_symbols:
                raise self._row_error(row, "its weights change with the size of its input")

    def _row_error(self, row, why: str) -> NonUniform:
        return self.refuse(f"layer {row.index} `{row.source}` is not the same on every "
                           f"repetition: {why}")

    def mentions(self, values) -> bool:
        return any(algebra.is_symbolic(v) and expr(v).free_symbols & self.loop_symbols
                   for v in values)

    # -- sizes after t repetitions --------------------------------------------------------

    def _geometric(self, m, t, unit: bool):
        m = expr(m)
        if unit or m == 1:
            return t
        return (m ** t - 1) / (m - 1)

    def _series(self, a, m, t, unit: bool):
        """(sum, product) with x_t = floor((x_0 + sum)/product) for the map
        x -> floor((x + a)/m): a·G_t(m) and m^t when a and m are the same on every
        repetition, else Sum_l a(l)·Prod_(j<l) m(j) and Prod_(l<t) m(l)."""
        sized = a.free_symbols & set(self.xs.values())  # TF 'same': the start's parity
        if self.index not in a.free_symbols | m.free_symbols and not sized:
            return a * self._geometric(m, t, unit), (1 if unit or m == 1 else m ** t)
        if t == 0:
            return 0, 1
        taken = {v.name for v in (a.free_symbols | m.free_symbols | expr(t).free_symbols |
                                  expr(self.count).free_symbols)}
        l, j = (symbol(_fresh(name, taken), nonnegative=True) for name in ("l", "j"))
        if self.index not in m.free_symbols:
            before = 1 if m == 1 else m ** l
        else:
            before = sympy.Product(m.xreplace({self.index: j}), (j, 0, l - 1))
        term = self._at(a, l, unit) if sized else a.xreplace({self.index: l})
        total = _summed(term * before, l, t)
        if self.index not in m.free_symbols:
            return total, (1 if unit or m == 1 else m ** t)
        return total, sympy.Product(m.xreplace({self.index: l}), (l, 0, t - 1))

    def _at(self, value, t, unit: bool):
        """A value of the body (in X and the field symbols) at repetition t, the stride
        taken as 1 (``unit``) or as it is."""
        value = expr(value)
        if unit:
            value = value.xreplace(self.ones)
        if not (value.free_symbols & self.loop_symbols):
            return value
        mapping = {}
        for axis, x in self.xs.items():
            if x not in value.free_symbols:
                continue
            a, m = self.maps[axis]
            if unit:
                a, m = a.xreplace(self.ones), m.xreplace(self.ones)
            x0 = expr(self.carried.shape[axis])
            total, denominator = self._series(a, m, t, unit)
            numerator = x0 + total
            value = _merge_floors(value, x, numerator / denominator)
            mapping[x] = numerator if denominator == 1 else \
                sympy.floor(numerator / denominator, evaluate=False)
        if self.fields_in is not None and self.fields is not None and self.start_field:
            for f, (ratio, grow, shift), f0 in zip(self.fields_in, self.fields, self.start_field):
                if not value.free_symbols & set(f):
                    continue
                if unit:
                    ratio, grow, shift = (v.xreplace(self.ones) for v in (ratio, grow, shift))
                j0 = expr(f0.jump)
                grown, jumps = self._series(grow, ratio, t, unit)
                shifted, _ = self._series(shift, ratio, t, unit)
                mapping[f.jump] = j0 * jumps
                mapping[f.size] = expr(f0.size) + j0 * grown
                mapping[f.start] = expr(f0.start) + j0 * shifted
        mapping[self.index] = t
        return value.xreplace(mapping)

    def at(self, value, t):
        """A value of the body at repetition t: a Piecewise when the stride is a symbol."""
        if not algebra.is_symbolic(value) or not (expr(value).free_symbols & self.loop_symbols):
            return value
        key = (value, t)
        if key not in self.memo:
            self.memo[key] = self._piecewise(value, t)
        return self.memo[key]

    def _piecewise(self, value, t):
        if isinstance(value, sympy.Rel):  # a condition: each branch read as a bound
            branches = [(simplify_condition(type(value)(
                self._at(value.lhs, t, unit), self._at(value.rhs, t, unit), evaluate=False)),
                unit) for unit in ((False, True) if self._geometric_in(value) else (False,))]
        else:
            branches = [(self._at(value, t, unit), unit)
                        for unit in ((False, True) if self._geometric_in(value) else (False,))]
        if len(branches) == 1:
            return branches[0][0]
        (general, _), (unit, _) = branches
        return sympy.Piecewise((unit, _unit(self.ratio)), (general, True))

    def _geometric_in(self, value) -> bool:
        """Whether the value at repetition t holds 1 + m + ... + m^(t-1) with m a symbol (a
        Piecewise then keeps m = 1 apart)."""
        if self.ones is None:
            return False
        free = value.free_symbols
        if any(x in free and self.maps[axis][0] != 0 and self.maps[axis][1] == self.ratio
               for axis, x in self.xs.items()):
            return True
        return any((f.size in free and grow != 0 or f.start in free and shift != 0) and
                   ratio == self.ratio
                   for f, (ratio, grow, shift) in zip(self.fields_in or (), self.fields or ()))

    def last(self, value):
        return _plain(self.at(value, self.count - 1))

    @cached_property
    def final_shape(self) -> tuple:
        shape = []
        for axis, size in enumerate(self.out.shape):
            if axis in self.xs:  # x_n itself, rather than the body applied to x_(n-1)
                shape.append(_plain(self.at(self.xs[axis], self.count)))
            else:
                shape.append(self.carried.shape[axis])
        return tuple(shape)

    @cached_property
    def final_field(self):
        if self.out.field is None or self.fields is None or self.start_field is None:
            return None
        if all(g == f for g, f in zip(self.out.field, self.fields_in)):
            return self.carried.field  # a body without windows: the field is unchanged
        return tuple(AxisField(*(_plain(self.at(v, self.count)) for v in f))
                     for f in self.fields_in)

    # -- rows ----------------------------------------------------------------------------

    def total(self, value):
        """A row's value summed over the repetitions (its parameters, its MACs)."""
        if value is None or not algebra.is_symbolic(value) or \
                not expr(value).free_symbols & self.loop_symbols:
            return value if value is None else _plain(expr(value) * self.count)
        t = symbol(self._sum_index(value), nonnegative=True)
        branches = [_summed(self._at(value, t, unit), t, self.count)
                    for unit in ((False, True) if self._geometric_in(expr(value)) else (False,))]
        if len(branches) == 1:
            return _plain(branches[0])
        return sympy.Piecewise((branches[1], _unit(self.ratio)), (branches[0], True))

    def _sum_index(self, value) -> str:
        names = {s.name for s in expr(value).free_symbols - {self.index}} | {s.name for s in
                                                              expr(self.count).free_symbols}
        name = self.index.name
        while name in names:
            name += "_"
        return name

    def row(self, row, outer: str, group: str, extra: tuple):
        final = self.final_shape
        shape = tuple(final[a] if row.output_shape == self.out.shape else
                      self.last(d) if d is not None else None
                      for a, d in enumerate(row.output_shape))
        field = row.receptive_field
        if field is not None:
            if field == self.out.field and self.final_field is not None:
                field = self.final_field
            else:
                field = tuple(AxisField(*(self.last(v) for v in f)) for f in field)
        constraints, each = [], []
        for c in row.constraints:
            if not c.free_symbols & self.loop_symbols:
                constraints.append(c)
            elif self.varying:  # layers that differ: the condition on every repetition
                t = symbol(self._sum_index(c), nonnegative=True)
                each.append(f"{algebra.show(self.at(c, t))} for each {t} from 0 to "
                            f"{algebra.show(self.count - 1)}")
            else:  # the sizes are monotone: the first and the last repetition bound them
                constraints += [self.at(c, 0), self.at(c, self.count - 1)]
        constraints += extra
        conditions, kept = [], []
        for c in constraints:
            if algebra.truth(c) is True:
                continue
            text = algebra.show(c)
            if text not in conditions:
                conditions.append(text)
                kept.append(c)
        others = tuple(c for c in row.conditions if not any(
            s.name.endswith("_loop") for s in _names_in(c)))
        rest = row.block[len(outer):].lstrip("/")
        block = group + ("/" + rest if rest else "")
        return row.replace(
            output_shape=shape, receptive_field=field,
            trainable=self.total(row.trainable) if row.trainable else 0,
            non_trainable=self.total(row.non_trainable) if row.non_trainable else 0,
            buffers=self.total(row.buffers) if row.buffers else 0,
            macs=self.total(row.macs),
            conditions=tuple(dict.fromkeys(
                [c for c in others if c not in conditions] + conditions + each)),
            constraints=tuple(kept), explanations=(), block=block)


def _summed(term, t, count):
    """Sum of a term over t = 0 .. count - 1: closed when it is a polynomial in t, else an
    unevaluated Sum."""
    term = expr(term)
    if t not in term.free_symbols:
        return term * count
    if term.has(sympy.floor, sympy.ceiling, sympy.Indexed, sympy.Sum, sympy.Product,
                sympy.Piecewise) or not term.is_polynomial(t):
        return sympy.Sum(term, (t, 0, count - 1))
    return sympy.factor(sympy.summation(sympy.expand(term), (t, 0, count - 1)))


def _fresh(name: str, taken: set) -> str:
    while name in taken:
        name += "_"
    return name


def _names_in(text: str):
    return [sympy.Symbol(n) for n in re.findall(r"[A-Za-z_]\w*", text)]


def _same(a, b) -> bool:
    from shapecalc.symbolic import same

    return same(a, b)


def _plain(value):
    """An integer as int, everything else as it is."""
    if value is None:
        return None
    value = expr(value)
    return int(value) if value.is_Integer else value


def _floor_affine(value, x):
    """(A, m) with value = floor((x + A)/m), A an integer and m a positive integer free of x;
    None when the value has another form."""
    if value == x:
        return sympy.Integer(0), sympy.Integer(1)
    offset, rest = value.as_independent(x, as_Add=True)
    if isinstance(rest, (sympy.floor, sympy.ceiling)):
        argument = rest.args[0]
        slope = sympy.cancel(sympy.diff(argument, x))
        if slope.free_symbols & {x} or slope == 0:
            return None
        m = sympy.cancel(1 / slope)
        a = sympy.expand(argument * m - x)
        if x in a.free_symbols or not (m.is_integer and m.is_positive and a.is_integer):
            return None
        if isinstance(rest, sympy.ceiling):
            a = a + m - 1  # ceil((x + a)/m) = floor((x + a + m - 1)/m)
    elif rest == x:
        m, a = sympy.Integer(1), sympy.Integer(0)
    else:
        return None
    if not offset.is_integer:
        return None
    return sympy.expand(a + offset * m), m


def _merge_floors(value, x, y):
    """The floors of a value whose argument is (x + a)/m, with x = floor(y) to come:
    floor((floor(y) + a)/m) = floor((y + a)/m), so the argument takes y in place of x."""
    mapping = {}
    for rounded in value.atoms(sympy.floor, sympy.ceiling):
        if x not in rounded.free_symbols:
            continue
        found = _floor_affine(rounded, x)
        if found is None:
            continue
        a, m = found
        mapping[rounded] = sympy.floor((y + a) / m, evaluate=bool(m == 1))
    return value.xreplace(mapping) if mapping else value


def _ones(ratio):
    """{s: 1, ...} when the ratio is a product of positive integer symbols (it is 1 exactly
    when each is 1); None otherwise."""
    powers = ratio.as_powers_dict()
    if all(isinstance(b, sympy.Symbol) and b.is_integer and b.is_positive and
           e.is_Integer and e > 0 for b, e in powers.items()):
        return {b: sympy.Integer(1) for b in powers}
    return None


def _unit(ratio):
    if len(ratio.free_symbols) == 1:
        return sympy.Eq(ratio, 1)
    return sympy.And(*(sympy.Eq(s, 1) for s in sorted(ratio.free_symbols, key=str)))


def _at_least_two(ratio) -> bool:
    coefficient, _ = ratio.as_coeff_Mul()
    return coefficient.is_Integer and coefficient >= 2
