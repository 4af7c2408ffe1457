"""Checks an analysis against the real framework, layer by layer.

PyTorch (the optional extra ``shapecalc[torch]``): each layer is built as
``getattr(torch.nn, type)(**arguments)`` from the report's evaluated arguments (no code is
evaluated), in train mode as shapecalc counts, on the chosen device (``meta``, ``cpu`` or
``cuda``), and run on its real inputs in graph order: float inputs are ``randn``, inputs
read by an Embedding are indices (zeros). Per layer it measures the output shape (the first
element of a tuple output: RNN/LSTM/GRU, LSTMCell, MultiheadAttention), the parameters
(after the call, so that Lazy modules are counted), the buffers, and the FLOPs that
``torch.utils.flop_counter.FlopCounterMode`` counts around that call alone. Recurrent
layers run with oneDNN disabled (``torch.backends.mkldnn.flags(enabled=False)``): on CPU
its LSTM kernel hides the matmuls from FlopCounterMode, and shapecalc counts the matmuls.
The merges run as ``torch.add/sub/mul/cat``. ``device=`` and ``dtype=`` arguments are left
out (the module is built in float32 on the chosen device; neither changes a shape, a count
or the FLOPs); any other reference the spec passes cannot be built and is reported.

Keras (when ``keras`` is importable): each layer is built as
``getattr(keras.layers, type)(**arguments, name=...)``, nested constructors such as
``Bidirectional(LSTM(64))`` built the same way from their syntax tree, references that
change no shape or weight count (activations, initialisers, regularisers, constraints)
left out. Each layer is applied to the functional graph's symbolic tensors (output shape
with batch None) and to real zeros (batch 1 where the spec leaves it None), and its
trainable and non-trainable weights are counted. Keras has no FLOP counter: FLOPs are not
compared.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import warnings
from dataclasses import dataclass
from fractions import Fraction

from shapecalc.errors import ShapecalcError
from shapecalc.export import (FUNCTIONAL_ROWS, TENSOR_FUNCTIONS, TORCH_BINARY, integer_inputs,
                              require_concrete)
from shapecalc.layers.base import KERAS, PYTORCH
from shapecalc.render.cells import printable
from shapecalc.report import LayerReport, NetworkReport
from shapecalc.spec import syntax as S
from shapecalc.spec.evaluate import Reference

DEVICES = ("meta", "cpu", "cuda")
MERGES = {"add": "add", "sub": "sub", "mul": "mul"}
RECURRENT = {"RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"}
TORCH_PLACEMENT_ARGUMENTS = {"device", "dtype"}
KERAS_INPUT_ARGUMENTS = {"input_shape", "batch_input_shape", "input_dim", "batch_size", "name"}
KERAS_IRRELEVANT_SUFFIXES = ("activation", "_initializer", "_regularizer", "_constraint")


class VerifyUnavailable(ShapecalcError):
    """The framework the spec's convention needs is not installed, or the device is absent."""


@dataclass(frozen=True)
class Measured:
    """What the framework says about one layer; ``flops`` is None where not measured."""

    shape: tuple
    trainable: int
    non_trainable: int
    buffers: int
    flops: int | None

    @property
    def params(self) -> int:
        return self.trainable + self.non_trainable


@dataclass(frozen=True)
class LayerCheck:
    layer: LayerReport
    measured: Measured | None
    error: str | None = None
    """The framework's refusal (or why the layer could not be built)."""
    flops: int | None = None
    """The FLOPs the framework's counter should see, where not the layer's own (see
    `_expected_flops`)."""

    @property
    def expected_flops(self):
        return self.layer.flops if self.flops is None else self.flops

    @property
    def shape_ok(self) -> bool:
        return self.measured is not None and tuple(self.layer.output_shape) == \
            self.measured.shape

    @property
    def params_ok(self) -> bool:
        m = self.measured
        return m is not None and (self.layer.trainable, self.layer.non_trainable) == \
            (m.trainable, m.non_trainable)

    @property
    def buffers_ok(self) -> bool:
        return self.measured is not None and self.layer.buffers == self.measured.buffers

    @property
    def flops_ok(self) -> bool | None:
        """None when the framework does not measure FLOPs (Keras)."""
        if self.measured is None:
            return False
        if self.measured.flops is None:
            return None
        return self.expected_flops == self.measured.flops

    @property
    def ok(self) -> bool:
        return self.shape_ok and self.params_ok and self.buffers_ok and \
            self.flops_ok is not False


@dataclass(frozen=True)
class RefusalCheck:
    """The layer shapecalc refuses, run in the framework: both refusing is agreement."""

    layer: LayerReport
    theirs: str | None
    """The framework's refusal; None when it ran the layer."""
    shape: tuple | None = None
    """The output the framework gave, where it ran the layer."""

    @property
    def ok(self) -> bool:
        return self.theirs is not None


@dataclass(frozen=True)
class Verification:
    framework: str
    device: str
    checks: tuple[LayerCheck, ...]
    layers: int
    """How many layers the report has (checks stop at the first layer that fails to run)."""
    refusal: RefusalCheck | None = None

    @property
    def ok(self) -> bool:
        return len(self.checks) == self.layers and all(c.ok for c in self.checks) and \
            (self.refusal is None or self.refusal.ok)

    @property
    def mismatches(self) -> tuple[LayerCheck, ...]:
        return tuple(c for c in self.checks if not c.ok)


def available(framework: str) -> bool:
    return importlib.util.find_spec("torch" if framework == PYTORCH else "keras") is not None


def verify(report: NetworkReport, *, device: str = "cpu") -> Verification:
    """Build and run the network in its own framework and compare every layer."""
    require_concrete(report, "verify", refusal=True)
    if report.convention == PYTORCH:
        if not available(PYTORCH):
            raise VerifyUnavailable("verify needs PyTorch: pip install 'shapecalc[torch]'")
        if device not in DEVICES:
            raise VerifyUnavailable(f"unknown device {device!r}; choose one of "
                                    f"{', '.join(DEVICES)}")
        return _TorchRun(report, device).run()
    if not available(KERAS):
        raise VerifyUnavailable("verify of a Keras spec needs Keras: pip install keras "
                                "tensorflow (or export it with `shapecalc export --to keras`)")
    return _KerasRun(report).run()


def _plain(value: object) -> object:
    """A framework argument from an evaluated value: exact fractions become floats."""
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, Fraction):
        return float(value)
    return value


def _count(tensors) -> int:
    return sum(math.prod(t.shape) for t in tensors)


# -- PyTorch ----------------------------------------------------------------------------

class _TorchRun:
    def __init__(self, report: NetworkReport, device: str) -> None:
        import torch

        if device == "cuda" and not torch.cuda.is_available():
            raise VerifyUnavailable("CUDA is not available on this machine; use --device cpu")
        self.torch = torch
        self.report = report
        self.device = torch.device(device)

    def run(self) -> Verification:
        torch = self.torch
        integer = integer_inputs(self.report)
        tensors = {}
        made_integer = {name for name, _, dtype in self.report.constants if dtype == "int"}
        for name, shape in (*self.report.inputs, *((n, s) for n, s, _ in self.report.constants)):
            if name in integer or name in made_integer:
                tensors[name] = torch.zeros(shape, dtype=torch.long, device=self.device)
            else:
                tensors[name] = torch.randn(shape, device=self.device)
        checks = []
        seen: set[str] = set()
        expected = self._expected_flops()
        for layer in self.report.layers:
            try:
                output, measured = self._layer(layer, [tensors[n] for n in layer.inputs])
            except Exception as error:  # the framework's refusal is the finding
                checks.append(LayerCheck(layer, None, f"{type(error).__name__}: {error}"))
                break
            if layer.name in seen:  # the same module applied again: its weights exist once
                measured = Measured(measured.shape, 0, 0, 0, measured.flops)
            elif layer.trainable == 0 and layer.non_trainable and not measured.non_trainable:
                # frozen by the code (requires_grad = False): the same weights, not trained
                measured = Measured(measured.shape, 0, measured.trainable, measured.buffers,
                                    measured.flops)
            seen.add(layer.name)
            tensors[layer.name] = output
            checks.append(LayerCheck(layer, measured, flops=expected.get(layer.index)))
        refusal = None
        if self.report.refused is not None and len(checks) == len(self.report.layers):
            refusal = _refusal(self.report.refused, lambda layer: self._layer(
                layer, [tensors[n] for n in layer.inputs])[1].shape)
        return Verification(PYTORCH, str(self.device), tuple(checks), len(self.report.layers),
                            refusal)

    def _expected_flops(self) -> dict:
        """What FlopCounterMode should count where it differs from the FLOPs column: on the
        CPU, with modules in train mode as built, `--count torch` (attention run by
        scaled_dot_product_attention is not seen there)."""
        if self.device.type != "cpu":
            return {}
        from shapecalc.counting import TORCH, count

        return {c.layer.index: c.value for c in count(self.report, TORCH, training=True).layers
                if c.value != c.layer.flops}

    def _layer(self, layer: LayerReport, inputs: list):
        from torch.utils.flop_counter import FlopCounterMode

        torch = self.torch
        if layer.type in TENSOR_FUNCTIONS or layer.type in ("Parameter", "Buffer"):
            module = None
            call = self._tensor_function(layer, inputs)
        elif layer.type in MERGES or layer.type == "cat":
            module = None
            dim = dict(layer.arguments).get("dim", 0)
            call = (lambda: torch.cat(inputs, dim=dim)) if layer.type == "cat" else \
                (lambda: getattr(torch, MERGES[layer.type])(*inputs))
        else:
            module = self._module(layer)
            if layer.type == "MultiheadAttention" and len(inputs) == 1:
                inputs = inputs * 3
            keywords = {k: _plain(v) for k, v in layer.call_keywords}
            call = lambda: module(*inputs, **keywords)  # noqa: E731
            if not inputs:  # constructed, never applied: only its parameters count
                call = lambda: torch.zeros(())  # noqa: E731
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            oneDNN = torch.backends.mkldnn.flags(enabled=False) if layer.type in RECURRENT \
                else contextlib.nullcontext()
            with oneDNN, FlopCounterMode(display=False) as counter:
                output = call()
        if isinstance(output, tuple):
            output = output[0]
        if layer.type in ("Parameter", "Buffer"):  # its own elements are what it counts
            size = output.numel()
            return output, Measured(tuple(output.shape), size if layer.trainable else 0,
                                    size if layer.non_trainable else 0,
                                    size if layer.type == "Buffer" else 0, 0)
        params = list(module.parameters()) if module is not None else []
        buffers = list(module.buffers()) if module is not None else []
        return output, Measured(
            shape=tuple(output.shape),
            trainable=_count(p for p in params if p.requires_grad),
            non_trainable=_count(p for p in params if not p.requires_grad),
            buffers=_count(buffers),
            flops=counter.get_total_flops(),
        )

    def _tensor_function(self, layer: LayerReport, inputs: list):
        """A tensor function's row, called as the code called it: a Tensor method with its
        recorded arguments, or the torch function of that name."""
        torch = self.torch
        recorded = dict(layer.arguments)
        args = tuple(_plain(a) for a in recorded.get("args", ()))
        kwargs = {k: _plain(v) for k, v in recorded.get("kwargs", ())}
        piece = kwargs.pop("_piece", None)
        if layer.type in ("Parameter", "Buffer"):
            return lambda: torch.zeros(layer.output_shape, device=self.device)
        if layer.type == "getitem":
            return lambda: inputs[0][args[0]]
        if layer.type in ("stack", "einsum"):
            function = getattr(torch, layer.type)
            return (lambda: function(inputs, **kwargs)) if layer.type == "stack" else \
                (lambda: function(args[0], *inputs))
        if layer.type in FUNCTIONAL_ROWS:
            function = getattr(torch.nn.functional, layer.type)
            if layer.type == "one_hot":  # the code casts it (a cast makes no row)
                return lambda: function(*inputs, *args, **kwargs).float()
            return lambda: function(*inputs, *args, **kwargs)
        if layer.type in TORCH_BINARY:
            return lambda: getattr(torch, layer.type)(*inputs)
        method = getattr(torch.Tensor, layer.type)
        if layer.type == "view":  # the code makes it contiguous first where it must
            inputs = [inputs[0].contiguous(), *inputs[1:]]
        if piece is not None:
            return lambda: method(*inputs, *args, **kwargs)[piece]
        return lambda: method(*inputs, *args, **kwargs)

    def _module(self, layer: LayerReport):
        torch = self.torch
        cls = getattr(torch.nn, layer.type, None)
        if not isinstance(cls, type) or not issubclass(cls, torch.nn.Module):
            raise TypeError(f"torch.nn has no module {layer.type!r}")
        keywords = {}
        arguments = () if layer.type == "Identity" else layer.arguments  # ignored by it
        for key, value in arguments:
            if key in TORCH_PLACEMENT_ARGUMENTS:
                continue
            if isinstance(value, Reference) or _holds_reference(value):
                raise TypeError(f"argument {key}={value} is a reference to code, which "
                                "shapecalc does not evaluate")
            keywords[key] = _plain(value)
        with warnings.catch_warnings(), self.device:
            warnings.simplefilter("ignore")
            module = cls(**keywords)
        return module.train(self.report.mode == "train")


def _refusal(layer: LayerReport, run) -> RefusalCheck:
    """Run the layer shapecalc refuses: ``run(layer)`` builds and applies it."""
    try:
        shape = run(layer)
    except Exception as error:  # the framework's refusal is what we hoped to see
        return RefusalCheck(layer, f"{type(error).__name__}: {error}")
    return RefusalCheck(layer, None, tuple(shape))


def _holds_reference(value: object) -> bool:
    return isinstance(value, tuple) and any(isinstance(v, Reference) or _holds_reference(v)
                                            for v in value)


# -- Keras ------------------------------------------------------------------------------

UNKNOWN_LENGTH = 64  # the length a Keras size given as None gets when run on zeros


class _KerasRun:
    def __init__(self, report: NetworkReport) -> None:
        import os

        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import keras
        import numpy

        self.keras = keras
        self.numpy = numpy
        self.report = report

    def run(self) -> Verification:
        keras, np = self.keras, self.numpy
        integer = {n for layer in self.report.layers if layer.type == "Embedding"
                   for n in layer.inputs}
        symbolic, real = {}, {}
        for name, shape in self.report.inputs:
            dtype = "int32" if name in integer else "float32"
            symbolic[name] = keras.Input(shape=shape[1:], batch_size=shape[0], dtype=dtype)
            # batch 1; a size left as None gets a length long enough for any window
            real_shape = tuple((1 if i == 0 else UNKNOWN_LENGTH) if d is None else d
                               for i, d in enumerate(shape))
            real[name] = np.zeros(real_shape, dtype=dtype)
        checks = []
        for layer in self.report.layers:
            try:
                built = self._layer(layer)
                out_symbolic = self._apply(built, layer, [symbolic[n] for n in layer.inputs])
                out_real = self._apply(built, layer, [real[n] for n in layer.inputs])
                real_shape = tuple(out_real.shape)
                expected_real = tuple(1 if d is None and i == 0 else d
                                      for i, d in enumerate(layer.output_shape))
                known = [i for i, d in enumerate(expected_real) if d is not None]
                if len(real_shape) != len(expected_real) or any(
                        real_shape[i] != expected_real[i] for i in known):
                    raise ValueError(f"on real zeros the output is {real_shape}, "
                                     f"symbolically {tuple(out_symbolic.shape)}")
            except Exception as error:
                checks.append(LayerCheck(layer, None, f"{type(error).__name__}: {error}"))
                break
            symbolic[layer.name] = out_symbolic
            real[layer.name] = keras.ops.convert_to_numpy(out_real)  # any backend
            if layer.trainable == 0 and layer.non_trainable:
                built.trainable = False  # frozen by the code (`base.trainable = False`)
            checks.append(LayerCheck(layer, Measured(
                shape=tuple(out_symbolic.shape),
                trainable=_count(built.trainable_weights),
                non_trainable=_count(built.non_trainable_weights),
                buffers=0, flops=None)))
        refusal = None
        if self.report.refused is not None and len(checks) == len(self.report.layers):
            refusal = _refusal(self.report.refused, lambda layer: self._apply(
                self._layer(layer), layer, [symbolic[n] for n in layer.inputs]).shape)
        return Verification(KERAS, "cpu", tuple(checks), len(self.report.layers), refusal)

    def _apply(self, built, layer: LayerReport, inputs: list):
        if layer.type == "MultiHeadAttention":
            return built(*(inputs * 2 if len(inputs) == 1 else inputs))
        if built.__class__.__name__ in ("Add", "Subtract", "Multiply", "Average", "Maximum",
                                        "Minimum", "Concatenate"):
            return built(inputs)
        return built(*inputs)

    def _layer(self, layer: LayerReport):
        keywords = {}
        for key, value in layer.arguments:
            if key in KERAS_INPUT_ARGUMENTS:
                continue
            if isinstance(value, Reference) and _keras_irrelevant(key):
                continue  # shapes and weight counts do not depend on it
            keywords[key] = self._value(value)
        return self._construct(layer.type, [], keywords, name=layer.name)

    def _construct(self, type_name: str, args: list, keywords: dict, name: str | None = None):
        cls = getattr(self.keras.layers, type_name, None)
        if not isinstance(cls, type):
            raise TypeError(f"keras.layers has no layer {type_name!r}")
        if name is not None:
            keywords["name"] = name
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return cls(*args, **keywords)

    def _value(self, value: object) -> object:
        if isinstance(value, tuple):
            return tuple(self._value(v) for v in value)
        if isinstance(value, Reference):
            if isinstance(value.node, S.Call):
                return self._node(value.node)
            raise TypeError(f"the reference `{value}` is code that shapecalc does not evaluate")
        return _plain(value)

    def _node(self, node: object) -> object:
        """A nested constructor (``LSTM(64, return_sequences=True)``) from its syntax tree:
        only layer calls, literals and tuples."""
        if isinstance(node, (S.Number, S.String, S.Constant)):
            return node.value
        if isinstance(node, S.UnaryOp) and isinstance(node.operand, S.Number):
            return -node.operand.value if node.op == "-" else node.operand.value
        if isinstance(node, S.Sequence):
            return tuple(self._node(i) for i in node.items)
        if isinstance(node, S.Call) and isinstance(node.func, S.Name):
            args = [self._node(a) for a in node.args]
            keywords = {k.name: self._node(k.value) for k in node.keywords
                        if not (_keras_irrelevant(k.name) and not _literal(k.value))}
            return self._construct(node.func.parts[-1], args, keywords)
        raise TypeError("only layer constructors with literal arguments can be nested")


def _keras_irrelevant(key: str) -> bool:
    return key == "dtype" or key.endswith(KERAS_IRRELEVANT_SUFFIXES)


def _literal(node: object) -> bool:
    return isinstance(node, (S.Number, S.String, S.Constant))


# -- the table ----------------------------------------------------------------------------

def _show(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, tuple):
        return "(" + ", ".join("None" if v is None else str(v) for v in value) + \
            ("," if len(value) == 1 else "") + ")"
    return "—" if value is None else str(value)


def _cell(ours: object, theirs: object, ok: bool | None) -> str:
    if ok is None:
        return f"{_show(ours)} (not measured)"
    return f"{_show(ours)} ✓" if ok else f"{_show(ours)} ≠ {_show(theirs)} ✗"


def _one_line(message: str, limit: int = 400) -> str:
    text = " ".join(message.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def render_verification(result: Verification) -> str:
    """A per-layer table: shapecalc's value, and the framework's where they differ."""
    framework = "PyTorch" if result.framework == PYTORCH else "Keras"
    header = ("#", "Layer (type)", "Output shape", "Params", "Buffers", "FLOPs", "")
    rows = []
    for check in result.checks:
        layer, m = check.layer, check.measured
        label = printable(f"{layer.name} ({layer.type})")
        if m is None:
            rows.append((str(layer.index), label, f"{framework} refuses: {check.error}",
                         "", "", "", "✗"))
            continue
        rows.append((
            str(layer.index), label,
            _cell(tuple(layer.output_shape), m.shape, check.shape_ok),
            _cell(layer.params, m.params, check.params_ok),
            _cell(layer.buffers, m.buffers, check.buffers_ok),
            _cell(check.expected_flops, m.flops, check.flops_ok),
            "✓" if check.ok else "✗"))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1]
             for r in [header, *rows]]
    lines = [line.rstrip() for line in lines]
    cpu_counted = [str(c.layer.index) for c in result.checks if c.flops is not None]
    if cpu_counted:
        lines.append(f"FLOPs of layer {', '.join(cpu_counted)}: as FlopCounterMode counts on "
                     "the CPU (`--count torch`), where scaled_dot_product_attention's kernel "
                     "is not seen; analyze's FLOPs count it, as on CUDA")
    refusal = result.refusal
    if refusal is not None:
        layer = refusal.layer
        said = (f"{framework} refuses it too: {_one_line(refusal.theirs)}" if refusal.ok else
                f"{framework} runs it: output {_show(refusal.shape)}")
        label = printable(f"{layer.name} ({layer.type})")
        lines.append(f"{layer.index}  {label}  refused by shapecalc; {said}  "
                     f"{'✓' if refusal.ok else '✗'}")
    bad = len(result.mismatches)
    unrun = result.layers - len(result.checks)
    where = f"{framework} on {result.device}" if result.framework == PYTORCH else \
        f"{framework} (FLOPs not measured: Keras has no FLOP counter)"
    both = f", and both refuse layer {refusal.layer.index}" if refusal and refusal.ok else ""
    if result.ok:
        lines.append(f"all {result.layers} layers agree with {where}{both}")
    else:
        summary = f"{bad} of {result.layers} layers disagree with {where}"
        if unrun:
            summary += f"; {unrun} later layers not run"
        if refusal is not None and not refusal.ok:
            summary += (f"; shapecalc refuses layer {refusal.layer.index}, which {framework} "
                        "runs")
        lines.append(summary)
    return "\n".join(lines) + "\n"
