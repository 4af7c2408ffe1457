"""What every layer family builds on: signatures, argument access, results, the registry.

A layer rule is a small pure function ``rule(call, x) -> LayerResult``: ``call`` gives the
constructor's arguments, bound exactly as the framework binds them (positional order,
keyword names, defaults), and ``x`` is the input shape (a tuple of ints or symbolic
values; Keras' batch dimension is ``None``). The rule raises the framework's refusals
through ``call.fail`` / ``call.require``, in words and with the numbers.
"""

from __future__ import annotations

import difflib
from typing import Callable, NamedTuple, NoReturn

from shapecalc import algebra
from shapecalc.algebra import Value
from shapecalc.errors import LayerError, Span
from shapecalc.record import Record
from shapecalc.spec.evaluate import Reference

PYTORCH = "pytorch"
KERAS = "keras"
FRAMEWORK_TITLE = {PYTORCH: "PyTorch", KERAS: "Keras"}

REQUIRED = object()

# Keyword arguments every Keras layer accepts through **kwargs (keras.layers.Layer).
KERAS_BASE_KWARGS = {
    "name": None, "dtype": None, "trainable": True, "autocast": True,
    "activity_regularizer": None, "input_shape": None, "input_dim": None,
    "batch_input_shape": None, "batch_size": None, "weights": None,
}


class Signature(Record):
    """A constructor signature: positional-or-keyword parameters in order, then
    keyword-only ones, each with its default (``REQUIRED`` when it has none)."""

    name: str
    positional: tuple[tuple[str, object], ...]
    keyword_only: tuple[tuple[str, object], ...] = ()
    accepts_any: bool = False  # `(*args, **kwargs)`, such as nn.Identity: anything goes

    def defaults(self) -> dict[str, object]:
        return dict(self.positional + self.keyword_only)


def signature(layer: str, /, *required: str, keyword_only: dict | None = None,
              **defaults: object) -> Signature:
    """``signature("Conv2d", "in_channels", "out_channels", "kernel_size", stride=1, ...)``."""
    positional = tuple((r, REQUIRED) for r in required) + tuple(defaults.items())
    taken = set(required) | set(defaults)
    extra = tuple((k, v) for k, v in (keyword_only or {}).items() if k not in taken)
    return Signature(layer, positional, extra)


def keras_signature(layer: str, /, *required: str, **defaults: object) -> Signature:
    """A Keras layer: its own parameters plus the base layer's keyword arguments."""
    return signature(layer, *required, keyword_only=KERAS_BASE_KWARGS, **defaults)


class Argument(NamedTuple):
    value: object
    span: Span | None  # None for a default
    given: bool


# -- what a rule returns ------------------------------------------------------------------


class Window(Record):
    """How a sliding-window layer changes the receptive field, per spatial axis:
    effective kernel, stride and left padding (a transposed conv has a fractional stride)."""

    kernels: tuple
    strides: tuple
    paddings: tuple


KEEP = "keep"      # elementwise, norms, channel mixing: the field does not change
GLOBAL = "global"  # the output mixes every position of the input


class LayerResult(Record):
    shape: tuple
    trainable: Value = 0
    non_trainable: Value = 0
    buffers: Value = 0
    macs: Value = 0
    receptive: Window | str = KEEP
    conditions: tuple[str, ...] = ()


# -- the arguments of one constructor call --------------------------------------------------


class Call:
    """The bound arguments of one layer constructor, with the helpers rules use to read
    and validate them. Errors point at the argument when it was written, else at the
    whole constructor."""

    def __init__(self, rule: LayerRule, arguments: dict[str, Argument], span: Span | None,
                 source: str, layer_index: int | None = None, evaluate=None,
                 conditions: list[str] | None = None) -> None:
        self.rule = rule
        self.arguments = arguments
        self.span = span
        self.source = source
        self.layer_index = layer_index
        self.evaluate = evaluate
        self.conditions: list[str] = [] if conditions is None else conditions
        self.constraints: list = []  # the same conditions as sympy relations, for solving
        self.explanations: list = []  # worked formulas (shapecalc.explain.Step)
        self.explaining = False  # recorded only when asked for: they cost time
        self.training = True  # as model.train(): BatchNorm normalises by the batch

    def explain(self, quantity: str, template: str, result: object, *, rule: str = "",
                counting: bool = False, **values: object) -> None:
        """Record how a number was computed: ``template`` is an expression over ``values``
        (floor/ceil/max/min allowed), shown with and without the values substituted."""
        if not self.explaining:
            return
        from shapecalc.explain import Step

        self.explanations.append(Step(quantity, template, tuple(values.items()), result,
                                      rule, counting))

    def nested(self, name: str) -> Call:
        """A layer given as an argument, e.g. Bidirectional(LSTM(64)): bound as its own
        constructor call, in this layer's framework."""
        from shapecalc.layers import resolve
        from shapecalc.spec.syntax import Call as CallNode, Name

        value = self[name]
        node = value.node if isinstance(value, Reference) else None
        if not isinstance(node, CallNode) or not isinstance(node.func, Name):
            self.fail(f"{name} must be a layer constructor such as `LSTM(64)`, got "
                      f"{_show_arg(value)}", at=name)
        rule = resolve(node.func, self.framework)
        arguments = bind(rule, node, self.evaluate)
        nested = Call(rule, arguments, node.span, value.text, self.layer_index, self.evaluate,
                      self.conditions)
        nested.constraints = self.constraints
        nested.explaining = self.explaining
        nested.training = self.training
        nested.explanations = self.explanations
        return nested

    @property
    def framework(self) -> str:
        return self.rule.framework

    @property
    def name(self) -> str:
        return self.rule.name

    def given(self, name: str) -> bool:
        return self.arguments[name].given

    def __getitem__(self, name: str) -> object:
        return self.arguments[name].value

    def arguments_values(self) -> dict:
        return {name: arg.value for name, arg in self.arguments.items()}

    # -- errors -------------------------------------------------------------------------

    def fail(self, message: str, at: str | None = None) -> NoReturn:
        span = self.span
        if at is not None and at in self.arguments and self.arguments[at].span is not None:
            span = self.arguments[at].span
        prefix = f"layer {self.layer_index} " if self.layer_index is not None else ""
        raise LayerError(f"{prefix}`{self.source}`: {message}", span,
                         layer_index=self.layer_index)

    def require(self, condition: object, message: str | Callable[[], str],
                at: str | None = None) -> None:
        """Refuse when the condition is false; keep it as a validity condition when it
        depends on unbound symbols."""
        verdict = algebra.truth(condition)
        if verdict is True:
            return
        if verdict is None:
            from shapecalc.symbolic import simplify_condition

            simplified = simplify_condition(condition)
            if algebra.truth(simplified) is None:
                text = algebra.show(simplified)
                if text not in self.conditions:  # the same bound on H and W reads once
                    self.conditions.append(text)
                    self.constraints.append(simplified)
            elif algebra.truth(simplified) is False:
                verdict = False
            else:
                return
        if verdict is False:
            self.fail(message() if callable(message) else message, at)

    # -- typed access -------------------------------------------------------------------

    def _type_error(self, name: str, expected: str) -> NoReturn:
        value = self[name]
        self.fail(f"{name} must be {expected}, got {_show_arg(value)}", at=name)

    def int(self, name: str, minimum: int | None = None, what: str = "") -> Value:
        value = self[name]
        if not _is_integer(value):
            self._type_error(name, "an integer")
        if minimum is not None:
            self.require(value >= minimum,
                         lambda: f"{name} must be at least {minimum}{what}, got {_show_arg(value)}",
                         at=name)
        return value

    def optional_int(self, name: str, minimum: int | None = None) -> Value | None:
        return None if self[name] is None else self.int(name, minimum)

    def ints(self, name: str, n: int, minimum: int | None = None) -> tuple:
        """An int repeated n times, or a tuple/list of n ints (PyTorch's _ntuple and
        Keras' standardize_tuple accept both)."""
        value = self[name]
        if _is_integer(value):
            values = (value,) * n
        elif isinstance(value, tuple) and len(value) == n and all(map(_is_integer, value)):
            values = value
        elif isinstance(value, tuple) and len(value) == 1 and _is_integer(value[0]):
            values = value * n
        else:
            noun = "an int" if n == 1 else f"an int or a tuple of {n} ints"
            self._type_error(name, noun)
        if minimum is not None:
            for v in values:
                self.require(v >= minimum,
                             lambda: f"{name} must be at least {minimum}, got {_show_arg(value)}",
                             at=name)
        return tuple(values)

    def flag(self, name: str) -> bool:
        value = self[name]
        if not isinstance(value, bool) and not (type(value) is int and value in (0, 1)):
            self._type_error(name, "True or False")
        return bool(value)

    def number(self, name: str) -> float | int:
        value = self[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            if algebra.is_symbolic(value) and not isinstance(value, Reference):
                return value
            self._type_error(name, "a number")
        return value

    def choice(self, name: str, options: tuple[str, ...], *, lower: bool = False) -> str:
        value = self[name]
        key = value.lower() if lower and isinstance(value, str) else value
        if key not in options:
            valid = ", ".join(repr(o) for o in options)
            self.fail(f"{name} must be one of {valid}, got {_show_arg(value)}", at=name)
        return key


def _is_integer(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if type(value) is int:
        return True
    if isinstance(value, (float, str, tuple, type(None), Reference)):
        return False
    return bool(getattr(value, "is_integer", False))


def _show_arg(value: object) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, tuple):
        inner = ", ".join(_show_arg(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return str(value)


def bind(rule: LayerRule, node, evaluate) -> dict[str, Argument]:
    """Bind a constructor call's arguments as Python binds them to the framework's
    signature: positional order, keyword names, defaults, no unknown or repeated ones."""
    from shapecalc.errors import SpecError

    sig = rule.signature
    title = f"{sig.name}()"
    if sig.accepts_any:
        return {f"args[{i}]": Argument(evaluate(a), a.span, True)
                for i, a in enumerate(node.args)} | {
            kw.name: Argument(evaluate(kw.value), kw.span, True) for kw in node.keywords}
    if len(node.args) > len(sig.positional):
        names = ", ".join(n for n, _ in sig.positional)
        raise SpecError(f"{title} takes at most {len(sig.positional)} positional "
                        f"arguments ({names}), got {len(node.args)}", node.args[-1].span)
    bound: dict[str, Argument] = {}
    for (name, _), arg in zip(sig.positional, node.args):
        bound[name] = Argument(evaluate(arg), arg.span, True)
    defaults = sig.defaults()
    for kw in node.keywords:
        if kw.name not in defaults:
            close = difflib.get_close_matches(kw.name, list(defaults), n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            raise SpecError(f"{title} has no argument `{kw.name}`{hint} (accepted: "
                            f"{', '.join(defaults)})", kw.span)
        if kw.name in bound:
            raise SpecError(f"{title} got multiple values for argument `{kw.name}`", kw.span)
        bound[kw.name] = Argument(evaluate(kw.value), kw.span, True)
    for name, default in defaults.items():
        if name not in bound:
            if default is REQUIRED:
                raise SpecError(f"{title} is missing the required argument `{name}`",
                                node.span)
            bound[name] = Argument(default, None, False)
    return bound


# -- the registry ---------------------------------------------------------------------------


class LayerRule(Record):
    framework: str
    signature: Signature
    apply: Callable[[Call, tuple], LayerResult]
    family: str
    aliases: tuple[str, ...] = ()
    merge: bool = False  # takes a list of inputs

    @property
    def name(self) -> str:
        return self.signature.name


REGISTRY: dict[tuple[str, str], LayerRule] = {}


def register(framework: str, sig: Signature, *, aliases: tuple[str, ...] = (),
             merge: bool = False) -> Callable:
    def decorate(apply: Callable) -> Callable:
        family = apply.__module__.rsplit(".", 1)[-1]
        rule = LayerRule(framework, sig, apply, family, aliases, merge)
        for name in (sig.name, *aliases):
            key = (framework, name)
            if key in REGISTRY:
                raise RuntimeError(f"layer {framework}:{name} registered twice")
            REGISTRY[key] = rule
        return apply

    return decorate


# -- shape helpers shared by the families --------------------------------------------------


def batch_of(shape: tuple) -> Value:
    """The batch size for MAC counts: Keras' None batch counts as one sample."""
    return 1 if shape[0] is None else shape[0]


def rank_error(call: Call, x: tuple, expected: str) -> NoReturn:
    call.fail(f"expects {expected} input, got {len(x)}-D input of shape "
              f"{algebra.show_shape(x)}")


def channels_last(call: Call) -> bool:
    """Keras' data_format: None means the global default, channels_last."""
    fmt = call["data_format"]
    if fmt is None:
        return True
    return call.choice("data_format", ("channels_last", "channels_first"), lower=True) == \
        "channels_last"


def split_spatial(call: Call, x: tuple, spatial_rank: int) -> tuple[Value, Value, tuple, bool]:
    """(batch, channels, spatial dims, batched) of a conv/pool input in either framework.

    PyTorch takes (N, C, *spatial) or the unbatched (C, *spatial); Keras takes
    (N, *spatial, C) or, with data_format='channels_first', (N, C, *spatial)."""
    if call.framework == PYTORCH:
        if len(x) == spatial_rank + 2:
            return x[0], x[1], tuple(x[2:]), True
        if len(x) == spatial_rank + 1:
            return 1, x[0], tuple(x[1:]), False
        rank_error(call, x, f"{spatial_rank + 2}-D (batched) or {spatial_rank + 1}-D (unbatched)")
    if len(x) != spatial_rank + 2:
        rank_error(call, x, f"{spatial_rank + 2}-D (batch included)")
    if channels_last(call):
        return x[0], x[-1], tuple(x[1:-1]), True
    return x[0], x[1], tuple(x[2:]), True


def join_spatial(call: Call, batch: Value, channels: Value, spatial: tuple, batched: bool) -> tuple:
    """The inverse of split_spatial for the output."""
    if call.framework == PYTORCH:
        return (batch, channels, *spatial) if batched else (channels, *spatial)
    if channels_last(call):
        return (batch, *spatial, channels)
    return (batch, channels, *spatial)

