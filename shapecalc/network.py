"""The network walk: bind each constructor, apply its rule to its input, collect reports.

The walk stops at the first layer that is refused and returns what it computed before,
with the error; later layers' shapes are unknowable.
"""

from __future__ import annotations

import re
from functools import lru_cache
from fractions import Fraction
from typing import Mapping

from shapecalc import algebra
from shapecalc.errors import LayerError, SpecError
from shapecalc.layers import framework_of_bare_name, framework_of_prefix, resolve
from shapecalc.layers.base import GLOBAL, KEEP, KERAS, PYTORCH, Call, bind
from shapecalc.layers.base import LayerRule, Window
from shapecalc.record import Record
from shapecalc.report import AxisField, LayerReport, NetworkReport
from shapecalc.spec import syntax as S
from shapecalc.spec.evaluate import Evaluator, Reference

CONVENTIONS = (PYTORCH, KERAS)


MAX_BLOCK_DEPTH = 32
_PROBE_SIZE = 4096  # a batch and spatial size no window or batch-statistics check refuses
MAX_LAYERS = 1_000_000


class Tensor(Record):
    shape: tuple
    field: tuple[AxisField, ...] | None  # () before any window layer: identity on every axis
    source: str = "input"  # the input's name or the producing layer's (unique) name


class _Scope:
    """Names visible where a statement runs: tensors, values, the chain's current tensor,
    and the block path the rows are reported under."""

    def __init__(self, evaluate: Evaluator, tensors: dict, current: str | None,
                 block: str = "", depth: int = 0) -> None:
        self.evaluate = evaluate
        self.tensors = tensors
        self.current = current
        self.block = block
        self.depth = depth
        self.returned: str | None = None


def analyze(spec: S.Spec, *, convention: str | None = None,
            bindings: Mapping[str, object] | None = None, explain: bool = False
            ) -> NetworkReport:
    """Analyse a parsed spec. ``bindings`` (from --set) take precedence over ``let``;
    ``explain`` records the worked formula of each number."""
    walk = _Walk(spec, convention, dict(bindings or {}))
    walk.explain = explain
    try:
        walk.run()
    except SpecError as error:
        walk.errors.append(error.located(path=spec.path, source=spec.source))
    return NetworkReport(
        constructed_params=walk.constructed_params(),
        path=spec.path,
        convention=walk.convention or PYTORCH,
        input_shape=walk.input_shape,
        inputs=tuple(walk.inputs),
        layers=tuple(walk.layers),
        errors=tuple(walk.errors),
        bindings=tuple(walk.top.evaluate.bindings.items()),
    )


class _Walk:
    def __init__(self, spec: S.Spec, convention: str | None, overrides: dict) -> None:
        self.spec = spec
        self.overrides = overrides
        self.convention = convention
        self.input_shape: tuple = ()
        self.inputs: list[tuple[str, tuple]] = []
        self.top = _Scope(Evaluator(overrides), {}, None)
        self.blocks: dict[str, S.BlockDef] = {}
        self.layers: list[LayerReport] = []
        self.errors: list[SpecError] = []
        self.name_counts: dict[str, int] = {}
        self.explain = False
        self.unknowns = 0
        self.refused_at: int | None = None  # top-level statement of the layer being run
        self.refused_input: tuple = ()
        self.applied_modules: set[str] = set()

    # -- statements ---------------------------------------------------------------------

    def run(self) -> None:
        statements = self.spec.statements
        self._settle_convention(statements)
        if not any(isinstance(s, (S.LayerLine, S.Loop)) for s in statements):
            raise SpecError("the spec has no layers", None)
        self._run(statements, self.top)

    def constructed_params(self):
        """PyTorch builds every module before running any: when the walk stopped at a
        refused layer of the top-level chain, the parameters of all the layers, the refused
        one and those after it included (their counts need no input shape). None when
        nothing was refused, in Keras (a model that fails to build has no parameters), or
        when the refusal is inside a block."""
        if not self.errors or not isinstance(self.errors[0], LayerError) or \
                self.convention != PYTORCH or self.refused_at is None:
            return None  # nothing refused, or a spec error: no layer was refused
        total = algebra.total(layer.params for layer in self.layers)
        shape = self.refused_input
        for stmt in self.spec.statements[self.refused_at:]:
            if not isinstance(stmt, S.LayerLine) or self._is_block_call(stmt):
                if isinstance(stmt, (S.Let, S.ConventionDecl, S.Expect)):
                    continue
                return None  # a block or loop after the refusal: not counted by hand
            result = self._construct(stmt, shape)
            if result is None:
                return None  # PyTorch would refuse to construct it: no model, no count
            total = algebra.total((total, result.trainable, result.non_trainable))
            shape = tuple(result.shape)
        return total

    def _construct(self, stmt: S.LayerLine, shape: tuple):
        """The layer applied to an input no forward check can refuse, so that only its
        constructor's own refusals remain: first the shape with its batch and spatial
        sizes made large (numbers: no sympy), then, if that is still refused, a symbolic
        input of the same rank, whose checks become conditions instead of refusals."""
        try:
            rule = resolve(stmt.call.func, self.convention)
            arguments = bind(rule, stmt.call, self.top.evaluate)
        except SpecError:
            return None
        probes = []
        if len(shape) >= 2:
            probes.append((_PROBE_SIZE, shape[1], *(_PROBE_SIZE for _ in shape[2:])))
        probes.append(None)
        for probe in probes:
            if probe is None:
                from shapecalc.symbolic import symbol

                probe = tuple(symbol(f"_construct{i}") for i in range(len(shape)))
            call = Call(rule, dict(arguments), stmt.call.span, stmt.source,
                        evaluate=self.top.evaluate)
            try:
                return rule.apply(call, (probe,) if rule.merge else probe)
            except (SpecError, ArithmeticError, TypeError, ValueError):
                continue
        return None

    def _run(self, statements, scope: _Scope) -> None:
        top = scope is self.top
        for position, stmt in enumerate(statements):
            if top and isinstance(stmt, S.LayerLine) and not self._is_block_call(stmt):
                self.refused_at = position  # where a refusal would leave the chain
                inputs = stmt.inputs or ((scope.current,) if scope.current else ())
                self.refused_input = scope.tensors[inputs[0]].shape \
                    if inputs and inputs[0] in scope.tensors else ()
            elif top:
                self.refused_at = None
            if scope.returned is not None:
                raise SpecError("`return` must be the last statement of a block", stmt.span)
            if isinstance(stmt, (S.ConventionDecl, S.Expect)):
                continue
            if isinstance(stmt, S.Let):
                if stmt.name not in self.overrides:
                    scope.evaluate.bindings[stmt.name] = self._integer_value(stmt.value, scope)
            elif isinstance(stmt, S.InputDecl):
                self._declare_input(stmt, scope)
            elif isinstance(stmt, S.BlockDef):
                self.blocks[stmt.name] = stmt
            elif isinstance(stmt, S.Loop):
                self._loop(stmt, scope)
            elif isinstance(stmt, S.If):
                branch = stmt.body if scope.evaluate.condition(stmt.test) else stmt.orelse
                self._run(branch, scope)
            elif isinstance(stmt, S.Return):
                if scope is self.top:
                    raise SpecError("`return` outside a block", stmt.span)
                self._tensor(stmt.name, scope, stmt.span)
                scope.returned = stmt.name
            elif self._is_block_call(stmt):
                self._block_call(stmt, scope)
            else:
                self._layer(stmt, scope)

    def _loop(self, loop: S.Loop, scope: _Scope) -> None:
        if isinstance(loop.count, S.Sequence):  # for a, b in [[1, 2], [3, 4]]:
            rows = [scope.evaluate(item) for item in loop.count.items]
        else:
            count = self._integer_value(loop.count, scope)
            if type(count) is not int or count < 0:
                raise SpecError(f"range() needs a known count ≥ 0, got {count}",
                                loop.count.span)
            rows = range(count)
        if len(rows) * max(len(loop.body), 1) + len(self.layers) > MAX_LAYERS:
            raise SpecError(f"the loop would make more than {MAX_LAYERS:,} layers", loop.span)
        names = loop.var if isinstance(loop.var, tuple) else None
        for row in rows:
            if names is None:
                scope.evaluate.bindings[loop.var] = row
            else:
                if not isinstance(row, tuple) or len(row) != len(names):
                    raise SpecError(f"each item must give {len(names)} values "
                                    f"({', '.join(names)}), got {row!r}", loop.count.span)
                scope.evaluate.bindings.update(zip(names, row))
            self._run(loop.body, scope)

    def _is_block_call(self, stmt: S.LayerLine) -> bool:
        """`block(...)`, or `self.block(...)` as pasted from a forward()."""
        func = stmt.call.func
        return (isinstance(func, S.Name) and stmt.operator is None and
                (len(func.parts) == 1 or (len(func.parts) == 2 and func.parts[0] == "self"))
                and func.parts[-1] in self.blocks)

    def _block_call(self, stmt: S.LayerLine, scope: _Scope) -> None:
        """Run a block's body in a scope of its own: tensor arguments become tensors, the
        others values; the chain starts from the first tensor argument (or the caller's
        current tensor) and the block's output is its `return`, else its last tensor."""
        block = self.blocks[stmt.call.func.parts[-1]]
        if scope.depth >= MAX_BLOCK_DEPTH:
            raise SpecError(f"blocks nested deeper than {MAX_BLOCK_DEPTH} (does `{block.name}` "
                            "call itself?)", stmt.span)
        call = stmt.call
        params = [p.name for p in block.params]
        positional: list = [*stmt.inputs, *call.args]
        first = positional[0] if positional else None
        names_tensor = isinstance(first, str) or (
            isinstance(first, S.Name) and len(first.parts) == 1 and first.parts[0] in
            scope.tensors)
        if not names_tensor and scope.current is not None:
            positional.insert(0, scope.current)  # chained: the current tensor goes first
        if len(positional) > len(params):
            raise SpecError(f"block `{block.name}` takes {len(params)} arguments "
                            f"({', '.join(params)}), got {len(positional)}", stmt.span)
        given: dict[str, object] = dict(zip(params, positional))
        for kw in call.keywords:
            if kw.name not in params:
                raise SpecError(f"block `{block.name}` has no parameter `{kw.name}` "
                                f"(parameters: {', '.join(params)})", kw.span)
            if kw.name in given:
                raise SpecError(f"block `{block.name}` got two values for `{kw.name}`", kw.span)
            given[kw.name] = kw.value
        inner = _Scope(Evaluator(dict(scope.evaluate.bindings)), dict(scope.tensors),
                       scope.current, depth=scope.depth + 1)
        first_tensor = None
        for param in block.params:
            if param.name not in given and param.default is None:
                raise SpecError(f"block `{block.name}` is missing the argument `{param.name}`",
                                stmt.span)
            node = given.get(param.name, param.default)
            if isinstance(node, str):  # a tensor name from the functional call `(x)`
                inner.tensors[param.name] = self._tensor(node, scope, stmt.span)
                first_tensor = first_tensor or param.name
            elif isinstance(node, S.Name) and len(node.parts) == 1 and \
                    node.parts[0] in scope.tensors:
                inner.tensors[param.name] = scope.tensors[node.parts[0]]
                first_tensor = first_tensor or param.name
            else:
                inner.evaluate.bindings[param.name] = scope.evaluate(node)
        if first_tensor is not None:
            inner.current = first_tensor
        if inner.current is None:
            raise SpecError(f"block `{block.name}` has no input tensor: declare `input:` first "
                            "or pass a tensor", stmt.span)
        inner.block = scope.block if block.flat else self._instance_name(block.name, scope)
        self._run(block.body, inner)
        output = inner.returned or inner.current
        target = stmt.target or (inner.tensors[output].source if block.flat else
                                 inner.block.rsplit("/", 1)[-1])
        scope.tensors[target] = inner.tensors[output]
        scope.current = target

    def _instance_name(self, base: str, scope: _Scope) -> str:
        count = self.name_counts.get(base, 0)
        self.name_counts[base] = count + 1
        name = base if count == 0 else f"{base}_{count}"
        return f"{scope.block}/{name}" if scope.block else name

    def _tensor(self, name: str, scope: _Scope, span) -> Tensor:
        if name not in scope.tensors:
            known = ", ".join(scope.tensors) or "none yet"
            raise SpecError(f"unknown tensor `{name}`; defined so far: {known}", span)
        return scope.tensors[name]

    def _settle_convention(self, statements) -> None:
        declared = [s for s in statements if isinstance(s, S.ConventionDecl)]
        for decl in declared[1:]:
            if decl.name != declared[0].name:
                raise SpecError(f"convention declared twice: {declared[0].name} and "
                                f"{decl.name}", decl.span)
        if self.convention is None and declared:
            self.convention = declared[0].name
        if self.convention is not None:
            return
        for stmt in _flattened(statements):  # the first prefixed or unambiguous layer name
            if isinstance(stmt, (S.LayerLine, S.InputDecl)):
                call = stmt.call if isinstance(stmt, S.LayerLine) else stmt.value
                func = call.func if isinstance(call, S.Call) else None
                if isinstance(func, S.Name):
                    found = framework_of_prefix(func) or framework_of_bare_name(func.parts[-1])
                    if func.parts[-1] in ("Input", "InputLayer"):
                        found = KERAS
                    if found:
                        self.convention = found
                        return
        raise SpecError("declare the convention: add a line `convention: pytorch` or "
                        "`convention: keras` (or pass --convention)", None)

    def _integer_value(self, node: object, scope: _Scope) -> object:
        value = scope.evaluate(node)
        if isinstance(value, bool) or isinstance(value, (str, tuple, Reference, float)) or \
                value is None:
            raise SpecError(f"expected an integer expression, got {value!r}", node.span)
        return value

    # -- input --------------------------------------------------------------------------

    def _declare_input(self, stmt: S.InputDecl, scope: _Scope) -> None:
        name = stmt.target or "input"
        if name in scope.tensors:
            raise SpecError(f"input `{name}` declared twice (name further inputs: "
                            "`input mask: (...)`)", stmt.span)
        shape = self._input_shape(stmt.value, scope)
        scope.tensors[name] = Tensor(shape, (), name)
        scope.current = name
        self.inputs.append((name, _shown(shape)))
        if not self.input_shape:
            self.input_shape = _shown(shape)

    def _input_shape(self, node: object, scope: _Scope) -> tuple:
        keras = self.convention == KERAS
        if isinstance(node, S.Sequence):
            dims = node.items
            batch_given = keras and dims and isinstance(dims[0], S.Constant) and \
                dims[0].value is None
            shape = tuple(self._dim(scope, d, allow_none=batch_given and i == 0)
                          for i, d in enumerate(dims))
            if keras and not batch_given:
                shape = (None, *shape)
            if not shape:
                raise SpecError("the input shape is empty", node.span)
            return shape
        if isinstance(node, S.Call) and isinstance(node.func, S.Name):
            last = node.func.parts[-1]
            if last in ("Input", "InputLayer"):
                if not keras:
                    raise SpecError(f"`{node.func.dotted}(...)` declares a Keras input; in "
                                    "the PyTorch convention write the full tensor shape, "
                                    "e.g. `input: (1, 3, 224, 224)`", node.span)
                return self._keras_input(node, scope)
            # torch.randn(1, 3, 224, 224) / torch.zeros((1, 3, 224, 224))
            args = node.args
            if len(args) == 1 and isinstance(args[0], S.Sequence):
                args = args[0].items
            if not args:
                raise SpecError("give the tensor's shape, e.g. `torch.randn(1, 3, 224, 224)`",
                                node.span)
            return tuple(self._dim(scope, a) for a in args)
        raise SpecError("expected an input shape such as `(1, 3, 224, 224)` (PyTorch, batch "
                        "included) or `Input(shape=(224, 224, 3))` (Keras)",
                        getattr(node, "span", None))

    def _keras_input(self, node: S.Call, scope: _Scope) -> tuple:
        shape_node = None
        batch_node = None
        if node.args:
            shape_node = node.args[0]
        for kw in node.keywords:
            if kw.name in ("shape", "input_shape"):
                shape_node = kw.value
            elif kw.name == "batch_size":
                batch_node = kw.value
            elif kw.name == "batch_shape":
                if not isinstance(kw.value, S.Sequence) or not kw.value.items:
                    raise SpecError("batch_shape must be a tuple", kw.span)
                items = kw.value.items
                return (self._dim(scope, items[0], allow_none=True),
                        *(self._dim(scope, d) for d in items[1:]))
        if not isinstance(shape_node, S.Sequence):
            raise SpecError("expected `Input(shape=(...))` with a tuple shape", node.span)
        batch = None if batch_node is None else self._dim(scope, batch_node, allow_none=True)
        return (batch, *(self._dim(scope, d) for d in shape_node.items))

    def _dim(self, scope: _Scope, node: object, allow_none: bool = False) -> object:
        if allow_none and isinstance(node, S.Constant) and node.value is None:
            return None
        value = scope.evaluate(node)
        if value is None:
            if self.convention == KERAS:  # Input(shape=(None, 8)): a length left open
                return self._unknown()
            raise SpecError("a size of None is only allowed for the batch; name an unknown "
                            "size with a symbol instead, e.g. `T`", node.span)
        if not _is_integer(value):
            raise SpecError(f"a size must be a positive integer or a symbol, got {value!r}",
                            node.span)
        if algebra.truth(value >= 1) is False:
            raise SpecError(f"a size must be a positive integer, got {value}", node.span)
        return value

    # -- layers -------------------------------------------------------------------------

    _OPERATOR_LAYERS = {KERAS: {"+": "Add", "-": "Subtract", "*": "Multiply"}}

    def _layer(self, stmt: S.LayerLine, scope: _Scope) -> None:
        func = stmt.call.func
        if not isinstance(func, S.Name):
            raise SpecError("expected a layer name", stmt.call.span)
        if stmt.operator and self.convention in self._OPERATOR_LAYERS:
            func = S.Name((self._OPERATOR_LAYERS[self.convention][stmt.operator],), func.span)
        rule = resolve(func, self.convention)
        index = len(self.layers) + 1
        if index > MAX_LAYERS:
            raise SpecError(f"more than {MAX_LAYERS:,} layers", stmt.span)
        arguments = bind(rule, stmt.call, scope.evaluate)
        self._implicit_input(rule, arguments, scope)
        call = Call(rule, arguments, stmt.call.span, stmt.source, index, scope.evaluate)
        call.explaining = self.explain
        inputs = self._inputs(stmt, scope)
        try:
            if rule.merge:
                result = rule.apply(call, tuple(t.shape for t in inputs))
            else:
                if len(inputs) != 1:
                    call.fail(f"takes one input tensor, got {len(inputs)}")
                result = rule.apply(call, inputs[0].shape)
        except LayerError:
            raise
        except SpecError as error:
            raise LayerError(f"layer {index} `{stmt.source}`: {error.message}",
                             error.span or stmt.call.span, layer_index=index) from None
        except (ArithmeticError, TypeError, ValueError, RecursionError) as error:
            raise LayerError(f"layer {index} `{stmt.source}`: cannot be analysed: {error}",
                             stmt.call.span, layer_index=index) from None
        if rule.framework == KERAS and arguments.get("trainable") is not None and \
                arguments["trainable"].value is False:  # every weight becomes non-trainable
            result = result.replace(trainable=0,
                             non_trainable=result.trainable + result.non_trainable)
        if stmt.label is not None:  # a module attribute: its weights exist once, however
            if stmt.label in self.applied_modules:  # often forward() calls it
                result = result.replace(trainable=0, non_trainable=0, buffers=0)
            self.applied_modules.add(stmt.label)
        conditions = tuple(call.conditions) + result.conditions
        if self.unknowns:
            self._check_defined(call, result)
            conditions = tuple(c for c in conditions if UNKNOWN not in c)
        field = _propagate_field(inputs, result.receptive)
        name = stmt.label or self._layer_name(rule, arguments)
        self.layers.append(LayerReport(
            index=index, line=stmt.span.line, name=name, type=rule.name, source=stmt.source,
            output_shape=_shown(tuple(result.shape)), trainable=result.trainable,
            non_trainable=result.non_trainable, buffers=result.buffers,
            macs=None if _has_unknown(result.macs) else result.macs,
            receptive_field=field or None, conditions=conditions,
            tensor=stmt.target,
            constraints=tuple(call.constraints), explanations=tuple(call.explanations),
            inputs=tuple(t.source for t in inputs),
            arguments=tuple((key, arg.value) for key, arg in arguments.items() if arg.given),
            block=scope.block,
        ))
        target = stmt.target or name
        scope.tensors[target] = Tensor(tuple(result.shape), field, name)
        scope.current = target

    @staticmethod
    def _check_defined(call: Call, result) -> None:
        """Weights cannot depend on a size left as None: Keras refuses to build them."""
        if _has_unknown(result.trainable) or _has_unknown(result.non_trainable):
            call.fail("its weights depend on an input size that is None (unknown until the "
                      "model runs); Keras cannot build them: give that size in Input(shape=...)")

    def _inputs(self, stmt: S.LayerLine, scope: _Scope) -> list[Tensor]:
        if not stmt.inputs:
            if scope.current is None:
                raise SpecError(
                    "no input declared before the first layer: add `input: (1, 3, 224, 224)` "
                    "(PyTorch: the full tensor shape) or `input: (224, 224, 3)` (Keras: "
                    "without the batch)", stmt.span)
            return [scope.tensors[scope.current]]
        return [self._tensor(name, scope, stmt.span) for name in stmt.inputs]

    def _implicit_input(self, rule: LayerRule, arguments: dict, scope: _Scope) -> None:
        """Keras' first layer may carry input_shape= (or Dense's input_dim=)."""
        if scope.current is not None or rule.framework != KERAS:
            return
        for key in ("input_shape", "batch_input_shape", "input_dim"):
            arg = arguments.get(key)
            if arg is None or not arg.given:
                continue
            value = arg.value
            if key == "input_dim":
                value = (value,)
            if not isinstance(value, tuple) or not all(_is_integer(v) or v is None
                                                       for v in value):
                raise SpecError(f"{key} must be a tuple of sizes", arg.span)
            shape = value if key == "batch_input_shape" else (None, *value)
            shape = (shape[0], *(self._unknown() if d is None else d for d in shape[1:]))
            scope.tensors["input"] = Tensor(tuple(shape), (), "input")
            scope.current = "input"
            self.input_shape = _shown(tuple(shape))
            self.inputs.append(("input", self.input_shape))
            return

    def _unknown(self):
        """A Keras size given as None: a symbol of its own, reported as None again."""
        from shapecalc.symbolic import symbol

        self.unknowns += 1
        return symbol(f"{UNKNOWN}{self.unknowns}")

    def _layer_name(self, rule: LayerRule, arguments: dict) -> str:
        given = arguments.get("name")
        if given is not None and given.given and isinstance(given.value, str):
            return given.value
        base = _snake_case(rule.name)
        count = self.name_counts.get(base, 0)
        self.name_counts[base] = count + 1
        return base if count == 0 else f"{base}_{count}"


def _is_integer(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if type(value) is int:
        return True
    if isinstance(value, (float, str, tuple, type(None), Reference, Fraction)):
        return False
    return bool(getattr(value, "is_integer", False))


def _flattened(statements):
    """Every statement, those inside blocks, loops and branches included, in order."""
    for stmt in statements:
        yield stmt
        yield from _flattened(getattr(stmt, "body", ()))
        yield from _flattened(getattr(stmt, "orelse", ()))


UNKNOWN = "None_"  # the name of a Keras size given as None


def _has_unknown(value) -> bool:
    return algebra.is_symbolic(value) and any(
        s.name.startswith(UNKNOWN) for s in value.free_symbols)


def _shown(shape: tuple) -> tuple:
    """A shape as reported: a size that depends on one given as None is None."""
    return tuple(None if _has_unknown(d) else d for d in shape)


@lru_cache(maxsize=None)
def _snake_case(name: str) -> str:
    """Keras' to_snake_case: Conv2D → conv2d, MaxPooling2D → max_pooling2d."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()


def _propagate_field(inputs: list[Tensor], receptive: object) -> tuple | None:
    """Receptive field of the output from the inputs' fields and the layer's window; a
    merge sees the union of its branches' fields."""
    fields = [t.field for t in inputs]
    if receptive == GLOBAL or any(f is None for f in fields):
        return None
    field = fields[0]
    for other in fields[1:]:
        field = _union(field, other)
        if field is None:
            return None
    if receptive == KEEP:
        return field
    if not isinstance(receptive, Window):
        return None
    n = len(receptive.kernels)
    if len(field) != n:
        field = tuple(AxisField(1, 1, 0) for _ in range(n))
    out = []
    for axis, k, s, p in zip(field, receptive.kernels, receptive.strides, receptive.paddings):
        out.append(AxisField(
            size=algebra.exact(axis.size + (k - 1) * axis.jump),
            jump=algebra.exact(axis.jump * s),
            start=algebra.exact(axis.start + (algebra.divide(k - 1, 2) - p) * axis.jump),
        ))
    return tuple(out)


def _union(a: tuple, b: tuple) -> tuple | None:
    """The smallest field covering both, axis by axis (branches of a merge)."""
    if not a or not b:
        if not a and not b:
            return ()
        a = a or tuple(AxisField(1, 1, 0) for _ in b)
        b = b or tuple(AxisField(1, 1, 0) for _ in a)
    if len(a) != len(b):
        return None
    out = []
    for x, y in zip(a, b):
        if algebra.truth(x.jump == y.jump) is not True:
            return None  # branches at different resolutions: no common grid
        lo = algebra.minimum(x.start - algebra.divide(x.size - 1, 2),
                             y.start - algebra.divide(y.size - 1, 2))
        hi = algebra.maximum(x.start + algebra.divide(x.size - 1, 2),
                             y.start + algebra.divide(y.size - 1, 2))
        out.append(AxisField(size=algebra.exact(hi - lo + 1), jump=x.jump,
                             start=algebra.exact(algebra.divide(lo + hi, 2))))
    return tuple(out)
