"""The network: what the interpreter applies, recorded row by row.

The interpreter (``shapecalc.interpret``) runs the spec's code; each time a layer is
applied to tensors it comes here: the layer's rule computes the output shape, parameters,
MACs and receptive field, and the row is recorded. Tensor functions (``view``, ``cat``,
``matmul``...) are recorded the same way with what they compute. The walk stops at the
first layer that is refused and keeps what it computed before, with the error; later
layers' shapes are unknowable.
"""

from __future__ import annotations

import re
from functools import lru_cache
from fractions import Fraction
from typing import Mapping

from shapecalc import algebra
from shapecalc.errors import LayerError, SpecError
from shapecalc.explain import apart_from, completed
from shapecalc.interpret.values import UNSTATED, Tensor
from shapecalc.layers.base import GLOBAL, KEEP, KERAS, PYTORCH, Call
from shapecalc.layers.base import LayerResult, LayerRule, Window
from shapecalc.report import AxisField, LayerReport, NetworkReport
from shapecalc.spec import syntax as S
from shapecalc.spec.evaluate import MAX_BITS, Reference

CONVENTIONS = (PYTORCH, KERAS)
MAX_LAYERS = 30_000


MODES = ("train", "eval")
"""PyTorch modules are built in train mode; torchinfo and inference run in eval mode."""


def analyze(spec: S.Spec, *, convention: str | None = None,
            bindings: Mapping[str, object] | None = None, explain: bool = False,
            input_shape: tuple | None = None, mode: str = "train") -> NetworkReport:
    """Analyse a read spec. ``bindings`` (from --set) take precedence over ``let``;
    ``explain`` records the worked formula of each number; ``input_shape`` (from --input)
    takes the place of the spec's `input:` line; ``mode``: the layers run as in
    ``model.train()`` or ``model.eval()`` (BatchNorm's batch statistics, ``self.training``
    in the code)."""
    from shapecalc.interpret.interpreter import Interpreter

    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    network = Network(convention, explain, training=mode == "train")
    interpreter = Interpreter(spec, network, dict(bindings or {}), input_shape)
    try:
        interpreter.run()
    except SpecError as error:
        network.errors.append(error.located(path=spec.path, source=spec.source))
    except RecursionError:
        network.errors.append(SpecError(
            "the code nests calls too deeply to follow", None).located(path=spec.path))
    layers = tuple(network.layers)
    if explain:
        reserved = _user_symbols(network, interpreter.bindings)
        layers = tuple(layer.replace(explanations=apart_from(layer.explanations, reserved))
                       if layer.explanations else layer for layer in layers)
    return NetworkReport(
        constructed_params=interpreter.constructed_params(),
        path=spec.path,
        convention=network.convention or PYTORCH,
        input_shape=network.input_shape,
        inputs=tuple(network.inputs),
        layers=layers,
        errors=tuple(network.errors),
        bindings=tuple(interpreter.bindings.items()),
        outputs=tuple(_shown(t.shape) for t in network.outputs),
        notes=tuple(network.notes),
        input_dtypes=tuple(network.declared_dtypes.items()),
        refused=network.refused if network.errors else None,
        mode=mode,
        constants=tuple((name, shape, dtype)
                        for name, (shape, dtype) in network.constants.items()),
    )


class Network:
    """The rows recorded so far, and the names given to them."""

    def __init__(self, convention: str | None, explain: bool = False,
                 training: bool = True) -> None:
        self.convention = convention
        self.explain = explain
        self.training = training
        self.layers: list[LayerReport] = []
        self.errors: list[SpecError] = []
        self.inputs: list[tuple[str, tuple]] = []
        self.input_shape: tuple = ()
        self.outputs: list[Tensor] = []
        self.notes: list[str] = []
        self.name_counts: dict[str, int] = {}
        self.unknowns = 0
        self.known: set[str] = set()  # the inputs' and rows' names
        self.constants: dict[str, tuple] = {}  # other tensors rows read: name -> (shape, dtype)
        self.declared_dtypes: dict[str, str] = {}  # inputs whose dtype the spec states
        self.refused: LayerReport | None = None

    def declare_input(self, name: str, shape: tuple, dtype: str | None = "float") -> Tensor:
        """An input; dtype None: not declared, a float tensor unless it is read as indices."""
        self.known.add(name)
        if dtype is not None:
            self.declared_dtypes[name] = dtype
        self.inputs.append((name, _shown(shape)))
        if not self.input_shape:
            self.input_shape = _shown(shape)
        return Tensor(tuple(shape), (), name, dtype or UNSTATED)

    def unknown(self):
        """A Keras size given as None: a symbol of its own, reported as None again."""
        from shapecalc.symbolic import symbol

        self.unknowns += 1
        return symbol(f"{UNKNOWN}{self.unknowns}")

    def next_index(self, span) -> int:
        index = len(self.layers) + 1
        if index > MAX_LAYERS:
            raise SpecError(f"more than {MAX_LAYERS:,} layers", span)
        return index

    def apply(self, rule: LayerRule, arguments: dict, span, source: str,
              inputs: list[Tensor], *, name: str | None = None, block: str = "",
              shared: bool = False, evaluate=None) -> Tensor:
        """Apply a layer to its input tensors and record its row. ``shared``: its weights
        were counted where it was first applied."""
        index = self.next_index(span)
        call = Call(rule, arguments, span, source, index, evaluate)
        call.explaining = self.explain
        call.training = self.training
        name = name or self.auto_name(rule.name, arguments)
        given = tuple((key, arg.value) for key, arg in arguments.items() if arg.given)
        try:
            if rule.merge:
                result = rule.apply(call, tuple(t.shape for t in inputs))
            else:
                if len(inputs) != 1:
                    call.fail(f"takes one input tensor, got {len(inputs)}")
                result = rule.apply(call, inputs[0].shape)
        except LayerError:
            self.refuse(index, span, name, rule.name, source, inputs, given)
            raise
        except SpecError as error:
            self.refuse(index, span, name, rule.name, source, inputs, given)
            raise LayerError(f"layer {index} `{source}`: {error.message}",
                             error.span or span, layer_index=index) from None
        except (ArithmeticError, TypeError, ValueError, RecursionError) as error:
            raise LayerError(f"layer {index} `{source}`: cannot be analysed: {error}",
                             span, layer_index=index) from None
        if rule.framework == KERAS and arguments.get("trainable") is not None and \
                arguments["trainable"].value is False:  # every weight becomes non-trainable
            result = result.replace(trainable=0,
                                    non_trainable=result.trainable + result.non_trainable)
        if shared:
            result = result.replace(trainable=0, non_trainable=0, buffers=0)
        if call.explaining:
            call.explanations = completed(
                call.explanations, inputs[0].shape if inputs else (), result.shape,
                result.trainable + result.non_trainable + result.buffers, result.macs)
        conditions = tuple(call.conditions) + result.conditions
        if self.unknowns:
            _check_defined(call, result)
            conditions = tuple(c for c in conditions if UNKNOWN not in c)
        return self._row(index, span, name, rule.name, source, inputs, result, conditions,
                         block, call, given, _kernel(rule.name, arguments))

    def refuse(self, index: int, span, name: str, type_name: str, source: str,
               inputs: list[Tensor], arguments: tuple) -> None:
        """The layer the analysis refuses, kept so that `verify` can ask the framework."""
        self.refused = LayerReport(
            index=index, line=span.line if span else 0, name=name, type=type_name,
            source=source, output_shape=(), trainable=0, non_trainable=0, buffers=0, macs=0,
            receptive_field=None, inputs=tuple(t.source for t in inputs), arguments=arguments)

    def record(self, type_name: str, source: str, span, inputs: list[Tensor], shape: tuple,
               *, macs=0, receptive=KEEP, block: str = "", dtype: str | None = None,
               trainable=0, non_trainable=0, buffers=0, name: str | None = None,
               arguments: tuple = ()) -> Tensor:
        """A row that is not a layer rule's: a tensor function (``arguments`` are its call's
        own, for verify) or a parameter."""
        index = self.next_index(span)
        result = LayerResult(shape=tuple(shape), macs=macs, receptive=receptive,
                             trainable=trainable, non_trainable=non_trainable, buffers=buffers)
        tensor = self._row(index, span, name or self.auto_name(type_name), type_name, source,
                           inputs, result, (), block, None, arguments)
        return tensor.replace(dtype=dtype) if dtype else tensor

    def _row(self, index, span, name, type_name, source, inputs, result, conditions, block,
             call, arguments, kernel=None) -> Tensor:
        for value in (*result.shape, result.trainable, result.non_trainable, result.buffers,
                      result.macs):
            if type(value) is int and value.bit_length() > MAX_BITS:
                raise LayerError(f"layer {index} `{source}`: a size or count of more than "
                                 f"{MAX_BITS} bits ({value.bit_length()} bits); shapecalc "
                                 "stops here", span, layer_index=index)
        field = _propagate_field(inputs, result.receptive)
        for tensor in inputs:
            if tensor.source not in self.known:
                self.constants[tensor.source] = (_shown(tensor.shape), tensor.dtype)
        self.known.add(name)
        self.layers.append(LayerReport(
            index=index, line=span.line if span else 0, name=name, type=type_name,
            source=source, output_shape=_shown(tuple(result.shape)),
            trainable=result.trainable, non_trainable=result.non_trainable,
            buffers=result.buffers, macs=None if _has_unknown(result.macs) else result.macs,
            receptive_field=field or None, conditions=conditions,
            constraints=tuple(call.constraints) if call else (),
            explanations=tuple(call.explanations) if call else (),
            inputs=tuple(t.source for t in inputs), arguments=arguments, block=block,
            input_shapes=tuple(_shown(tuple(t.shape)) for t in inputs), kernel=kernel,
        ))
        return Tensor(tuple(result.shape), field, name)

    def auto_name(self, type_name: str, arguments: dict | None = None) -> str:
        given = (arguments or {}).get("name")
        if given is not None and given.given and isinstance(given.value, str):
            return given.value
        base = _snake_case(type_name)
        count = self.name_counts.get(base, 0)
        self.name_counts[base] = count + 1
        return base if count == 0 else f"{base}_{count}"


def _user_symbols(network: Network, bindings: Mapping) -> set[str]:
    """The names of the spec's symbols, wherever they appear: formulas keep apart from them."""
    names = set(bindings)
    values = [shape for _, shape in network.inputs]
    for layer in network.layers:
        values.append(layer.output_shape)
        values += [value for step in layer.explanations for _, value in step.values]
    stack = list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, tuple):
            stack.extend(value)
        elif algebra.is_symbolic(value):
            names.update(s.name for s in getattr(value, "free_symbols", ()))
    return names


_KERNEL_ARGUMENTS = ("kernel_size", "pool_size")


def _kernel(type_name: str, arguments: dict) -> tuple | None:
    """The kernel a windowed layer was given, one size per spatial axis (Conv2d's 3 is
    (3, 3)), as torchinfo's "Kernel Shape" shows a module's kernel_size."""
    given = next((arguments[key].value for key in _KERNEL_ARGUMENTS if key in arguments), None)
    if given is None or isinstance(given, str):
        return None
    if isinstance(given, (tuple, list)):
        return tuple(given)
    axes = re.search(r"([123])[dD]$", type_name)
    return (given,) * int(axes.group(1)) if axes else (given,)


def _check_defined(call: Call, result) -> None:
    """Weights cannot depend on a size left as None: Keras refuses to build them."""
    if _has_unknown(result.trainable) or _has_unknown(result.non_trainable):
        call.fail("its weights depend on an input size that is None (unknown until the "
                  "model runs); Keras cannot build them: give that size in Input(shape=...)")


def _is_integer(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if type(value) is int:
        return True
    if isinstance(value, (float, str, tuple, type(None), Reference, Fraction)):
        return False
    return bool(getattr(value, "is_integer", False))


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
    if not fields or receptive == GLOBAL or any(f is None for f in fields):
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
