"""The compute counts of the popular PyTorch counters, reproduced from a report.

Four tools count a PyTorch model's compute, each its own way. ``count(report, convention)``
gives each one's number per layer and in total, exactly as the tool reports it for the
model the spec describes (each layer a module of ``torch.nn``, called once on its inputs;
merges written as operators: ``x + y``, ``x * y``, ``torch.cat``). The rules below were
read from each tool's source and checked against the tool itself (torch 2.13.0, fvcore
0.1.5.post20221221, torchinfo 1.8.0, ptflops 0.7.5). Shapes below: ``x`` the layer's
first input, ``y`` its output, ``numel`` a product of sizes, ``N = x[0]``.

``torch`` — torch.utils.flop_counter.FlopCounterMode on the CPU: 2 per multiply-accumulate
of convolutions, matmuls, linear, recurrent and attention layers; bias, norms, activations,
pooling, upsampling count 0. Per layer ``2 · macs`` (shapecalc's own FLOPs), except a
MultiheadAttention called with ``need_weights=False`` (as ViT calls it): it runs
scaled_dot_product_attention, whose CPU kernel the counter does not see, so QKᵀ and AV
(4·B·L·S·E) are left out — unless dropout > 0 in train mode sends it down the counted math
path. On CUDA the counter counts them: that is the FLOPs column. It is the only convention
that applies to Keras specs (the same operations, counted the same way).

``fvcore`` — fvcore.nn.FlopCountAnalysis: traces the model (torch.jit) and counts, per
traced ``aten::`` operator, "flops" that are multiply-accumulates (1 per MAC):
  _convolution, linear, matmul, bmm (conv, Linear, MultiheadAttention, and RNNCell,
  LSTMCell, GRUCell, which trace as linear ops) = shapecalc's MACs, except a conv whose
  padding is a string ('same', 'valid'): it traces as aten::_convolution_mode, counted 0;
  batch_norm = numel(x) · (5 affine, 4 not) when it normalises with batch statistics
  (model in train mode, or ``track_running_stats=False``), numel(x) · (2 affine, 1 not)
  with running statistics (eval mode); instance_norm, group_norm, layer_norm =
  numel(x) · (5 with a weight, 4 without); adaptive_avg_pool2d = numel(x) (1d and 3d: 0);
  upsample_nearest2d = numel(y), upsample_bilinear2d = 4 · numel(y) (Upsample with a 4-d
  input; other modes and ranks: 0).
Everything else counts 0: relu, dropout, cat, reshapes and padding because fvcore ignores
them on purpose; all other operators (RNN, LSTM, GRU: aten::rnn_*/lstm/gru, Bilinear,
Embedding, pooling other than adaptive average 2d, other activations and element-wise ops,
merges, RMSNorm, LocalResponseNorm) because fvcore has no handle for them: it skips them
and logs "Unsupported operator ... encountered". The mode matters (batch norm only):
``training=False`` (the default) is a model in evaluation mode; ``training=True`` one left in
train mode, as a freshly built module is.

``torchinfo`` — torchinfo.summary's "Mult-Adds": a rule on each executed leaf module's
parameters and output shape ``y`` (the first tensor of a tuple output), no operator seen:
  classes whose name contains "Conv": params · y[0] · numel(y[2:]) (so bias included);
  RNN, LSTM, GRU and the cells (parameters named weight_ih_l0…): params · y[0] · y[1];
  every other module with parameters: params · y[0] (Linear on a 3-d input counts
  ``batch · params``, not ``batch · length · params``; BatchNorm ``batch · 2C``).
  Modules without parameters count 0. MultiheadAttention is not a leaf (its ``out_proj``
  child is never called), so torchinfo leaves it out of its total: 0 here.
The total is the sum over leaf modules; ``summary()`` runs the model in eval mode, which
changes none of these numbers.

``ptflops`` — ptflops.get_model_complexity_info (its default ``pytorch`` backend): MACs
by forward hooks on known module classes plus patched ``torch.nn.functional`` and tensor
operations, run in eval mode:
  ConvNd: N · numel(k) · C_in · (C_out // groups) · numel(y[2:]), + N · numel(y[1:]) with
  a bias; ConvTransposeNd: the same with numel(x[2:]) for the positions;
  Linear: (in · out + out·bias) · numel(x[:-1]);
  ReLU, PReLU, ELU, LeakyReLU, ReLU6, GELU: numel(y); Max/Avg/adaptive pooling: numel(x);
  BatchNorm, InstanceNorm, GroupNorm: numel(x) · (2 if affine else 1); LayerNorm:
  numel(x) (it has no ``affine`` attribute); Upsample: numel(y[1:]);
  RNN/GRU/LSTM: per layer (weight_ih + weight_hh elements + H (RNN), 7H (GRU), 10H (LSTM)
  + 2·gates·H with bias), times x[0] · x[1], times 2 if bidirectional; the cells the same
  times x[0]; MultiheadAttention: its own formula (Q scaling, projections, QKᵀ, softmax,
  AV, output projection), times the batch.
The patched functions add, when a module's forward calls them: F.relu, F.prelu, F.elu,
F.gelu, F.silu, F.softmax and the pooling functions numel(x) (so ReLU, PReLU, ELU, GELU and
every pooling layer count twice: hook and function; SiLU, Softmax, Softmax2d once);
LPPool numel(x) + 2 · numel(y) (its avg_pool, relu and ``mul``); F.interpolate
N · C · numel(size), or numel(x) · scale^(rank−2) (a tuple of scales: numel(x) ·
∏ int(scale), each truncated) for Upsample and UpsamplingNearest2d/Bilinear2d; torch.bmm and softmax in
MultiheadAttention's forward 2 · B·H·L·S·(E/H) + B·H·L·S; LocalResponseNorm (``mul``,
``add``, avg_pool) 3 · numel(x) + N · (C + size − 1) · numel(x[2:]).
ptflops divides its hook counts (not the function counts) by the batch: the first size of
the model's first positional input, as when it calls ``model(x)``; the total is
``int(hooks / batch + functions)``. Per layer we give that layer's share,
``hooks / batch + functions`` (a fraction when the batch does not divide it); ptflops' own
per-layer printout shows the hook part only. Everything else counts 0 (Bilinear,
Embedding, RMSNorm, Tanh, Sigmoid…: no hook; merges written as operators: ``+`` and ``*``
are not patched, only ``torch.add`` / ``Tensor.add`` calls would be). ptflops cannot count
a lazy module (LazyBatchNorm…: it returns None) nor an unbatched MultiheadAttention or
cell input (its hook fails); those layers are counted as the initialised module, or as a
batch of one, would be, with a note.

Notes: a layer that has weights or multiply-accumulates but that a tool counts 0 (or
counts only by the workaround above) carries a ``note`` saying why.

Numbers are ints (Fractions for ptflops' per-layer shares, sympy expressions for symbolic
specs). ptflops computes in floating point: for counts beyond 2^53 it may round.
"""

from __future__ import annotations

import math
from fractions import Fraction

from shapecalc import algebra
from shapecalc.algebra import Value
from shapecalc.errors import UsageError
from shapecalc.layers import KERAS, PYTORCH, REGISTRY
from shapecalc.layers.attention import torch_score_macs
from shapecalc.record import Record
from shapecalc.report import LayerReport, NetworkReport

TORCH = "torch"
FVCORE = "fvcore"
TORCHINFO = "torchinfo"
PTFLOPS = "ptflops"
CONVENTIONS = (TORCH, FVCORE, TORCHINFO, PTFLOPS)

UNITS = {TORCH: "FLOPs", FVCORE: "flops (= MACs)", TORCHINFO: "Mult-Adds", PTFLOPS: "MACs"}

VERSIONS = {TORCH: "torch 2.13.0", FVCORE: "fvcore 0.1.5.post20221221",
            TORCHINFO: "torchinfo 1.8.0", PTFLOPS: "ptflops 0.7.5"}
"""The versions whose behaviour these rules reproduce."""

HELP = (
    "Count compute the way a popular tool does. torch: FlopCounterMode FLOPs, 2 per "
    "multiply-accumulate of convolutions, matmuls, linear, recurrent and attention layers, "
    "nothing else (shapecalc's FLOPs; the only counter for Keras specs). fvcore: "
    "FlopCountAnalysis 'flops', which are MACs (1 per multiply-accumulate) of the same "
    "operations, plus its own counts for batch/layer/group/instance norm, adaptive average "
    "pooling 2d and nearest/bilinear upsampling; RNN/LSTM/GRU layers and operators it "
    "does not know count 0 (fvcore skips them with a warning); batch norm counted with "
    "the model in eval mode. "
    "torchinfo: summary's 'Mult-Adds', parameters x output size per leaf module (bias and "
    "norm weights included; MultiheadAttention counts 0). ptflops: "
    "get_model_complexity_info MACs (pytorch backend), bias, norms, activations, pooling "
    "and upsampling included, hook counts divided by the batch size."
)

CONV = {"Conv1d", "Conv2d", "Conv3d"}
CONV_TRANSPOSE = {"ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"}
RECURRENT = {"RNN", "LSTM", "GRU"}
CELLS = {"RNNCell", "LSTMCell", "GRUCell"}
GATES = {"RNN": 1, "RNNCell": 1, "GRU": 3, "GRUCell": 3, "LSTM": 4, "LSTMCell": 4}
BATCH_NORMS = {"BatchNorm1d", "BatchNorm2d", "BatchNorm3d",
               "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d"}
INSTANCE_NORMS = {"InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
                  "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"}
UPSAMPLE_MODES = {"Upsample": None, "UpsamplingNearest2d": "nearest",
                  "UpsamplingBilinear2d": "bilinear"}
POOLS = {f"{kind}Pool{d}d" for kind in ("Max", "Avg", "AdaptiveMax", "AdaptiveAvg")
         for d in (1, 2, 3)}
LP_POOLS = {"LPPool1d", "LPPool2d", "LPPool3d"}


class LayerCount(Record):
    layer: LayerReport
    value: Value
    note: str = ""
    """Why the tool counts this layer unusually (not at all, or not as itself), if it does."""


class Counting(Record):
    convention: str
    unit: str
    layers: tuple[LayerCount, ...]
    total: Value

    @property
    def values(self) -> tuple[Value, ...]:
        return tuple(c.value for c in self.layers)


def count(report: NetworkReport, convention: str, *, training: bool = False) -> Counting:
    """Each layer's count and the total, as ``convention`` (one of CONVENTIONS) counts them.

    ``training`` only matters for fvcore's batch norm (see the module docstring). Keras
    specs admit only ``torch``: the other tools count PyTorch modules."""
    if convention not in CONVENTIONS:
        raise UsageError(f"unknown counting convention {convention!r}; choose one of "
                         f"{', '.join(CONVENTIONS)}")
    if report.convention == KERAS and convention != TORCH:
        raise UsageError(f"{convention} counts PyTorch modules; a Keras spec can only be "
                         "counted with the torch convention (FlopCounterMode on the same "
                         "operations)")
    views = _views(report) if report.convention == PYTORCH else ()
    if convention == TORCH:
        if not views:
            counts = tuple(LayerCount(layer, None if layer.macs is None else 2 * layer.macs)
                           for layer in report.layers)  # None: a size Keras leaves unknown
            return Counting(TORCH, UNITS[TORCH], counts, report.flops)
        counts = tuple(_flop_counter(v, training) for v in views)
    elif convention == FVCORE:
        counts = tuple(_fvcore(v, training) for v in views)
    elif convention == TORCHINFO:
        counts = tuple(_torchinfo(v) for v in views)
    else:
        return _ptflops_network(report, views)
    return Counting(convention, UNITS[convention], counts,
                    algebra.total(c.value for c in counts))


# -- what each layer's rule reads ------------------------------------------------------------

class _View(Record):
    layer: LayerReport
    inputs: tuple[tuple, ...]
    args: dict

    @property
    def type(self) -> str:
        return self.layer.type

    @property
    def x(self) -> tuple:
        return self.inputs[0] if self.inputs else ()  # a Parameter row reads no tensor

    @property
    def y(self) -> tuple:
        return tuple(self.layer.output_shape)


def _views(report: NetworkReport) -> tuple[_View, ...]:
    """Each layer's input shapes and its arguments with the signature's defaults filled in
    (importing shapecalc.layers, not .base, is what registers every rule)."""
    shapes = {name: tuple(shape) for name, shape in report.inputs}
    shapes.update((name, tuple(shape)) for name, shape, _ in report.constants)
    views = []
    for layer in report.layers:
        rule = REGISTRY.get((PYTORCH, layer.type))
        args = rule.signature.defaults() if rule is not None else {}
        args.update(dict(layer.arguments))
        views.append(_View(layer, tuple(shapes[n] for n in layer.inputs), args))
        shapes[layer.name] = tuple(layer.output_shape)
    return tuple(views)


def numel(shape) -> Value:
    return algebra.product(shape)


def _tuple(value, rank: int) -> tuple:
    return tuple(value) if isinstance(value, tuple) else (value,) * rank


# -- torch ----------------------------------------------------------------------------------

def _flop_counter(v: _View, training: bool) -> LayerCount:
    flops = 2 * v.layer.macs
    if v.type == "MultiheadAttention" and \
            dict(v.layer.call_keywords).get("need_weights", True) is False and \
            not (training and algebra.truth(v.args["dropout"] > 0) is True):
        key = v.inputs[1] if len(v.inputs) > 1 else v.x
        return LayerCount(v.layer, flops - 2 * torch_score_macs(v.args, v.x, key), (
            "need_weights=False runs scaled_dot_product_attention, whose CPU kernel "
            "FlopCounterMode does not count: QKᵀ and AV read 0 (on CUDA they count, as in "
            "the FLOPs column)"))
    return LayerCount(v.layer, flops)


# -- fvcore ---------------------------------------------------------------------------------

def _fvcore(v: _View, training: bool) -> LayerCount:
    t, args = v.type, v.args
    if t in CONV and isinstance(args["padding"], str):
        return LayerCount(v.layer, 0, "padding given as a string runs as "
                                      "aten::_convolution_mode, which fvcore does not count")
    if t in CONV or t in CONV_TRANSPOSE or t in CELLS or \
            t in ("Linear", "MultiheadAttention"):
        return LayerCount(v.layer, v.layer.macs)  # aten::_convolution, linear, mm, bmm
    if t in BATCH_NORMS:
        batch_statistics = training or not args["track_running_stats"]
        per_element = (5 if args["affine"] else 4) if batch_statistics else \
            (2 if args["affine"] else 1)
        return LayerCount(v.layer, numel(v.x) * per_element)
    if t in INSTANCE_NORMS or t == "GroupNorm":
        return LayerCount(v.layer, numel(v.x) * (5 if args["affine"] else 4))
    if t == "LayerNorm":
        return LayerCount(v.layer, numel(v.x) * (5 if args["elementwise_affine"] else 4))
    if t == "AdaptiveAvgPool2d":
        return LayerCount(v.layer, numel(v.x))
    if t in UPSAMPLE_MODES and len(v.x) == 4:
        mode = UPSAMPLE_MODES[t] or args["mode"]
        if mode in ("nearest", "bilinear"):
            return LayerCount(v.layer, numel(v.y) * (1 if mode == "nearest" else 4))
    note = ""
    if _does_work(v):
        note = ("fvcore has no handle for this layer's operator: it skips it with an "
                "'Unsupported operator' warning")
    return LayerCount(v.layer, 0, note)


def _does_work(v: _View) -> bool:
    """The layer has weights or multiply-accumulates: a zero count leaves something out."""
    return any(algebra.truth(n == 0) is not True for n in (v.layer.macs, v.layer.params))


# -- torchinfo ------------------------------------------------------------------------------

def _torchinfo(v: _View) -> LayerCount:
    params, y = v.layer.params, v.y
    if v.type == "MultiheadAttention":
        return LayerCount(v.layer, 0, "not a leaf module (its out_proj child is never "
                                      "called): torchinfo leaves it out of its total")
    if algebra.truth(params == 0) is True or not v.inputs:  # a model's own nn.Parameter:
        return LayerCount(v.layer, 0)                       # no module call, 0 (torchinfo)
    if "Conv" in v.type:
        return LayerCount(v.layer, params * numel(y[:1] + y[2:]))
    if v.type in RECURRENT or v.type in CELLS:
        return LayerCount(v.layer, params * numel(y[:2]))
    return LayerCount(v.layer, params * numel(y[:1]))


# -- ptflops --------------------------------------------------------------------------------

def _ptflops_network(report: NetworkReport, views: tuple[_View, ...]) -> Counting:
    batch = report.inputs[0][1][0] if report.inputs and report.inputs[0][1] else 1
    counts, hooks, functions = [], [], []
    for v in views:
        hook, function, note = _ptflops(v)
        hooks.append(hook)
        functions.append(function)
        counts.append(LayerCount(v.layer, algebra.total([algebra.divide(hook, batch),
                                                         function]), note))
    exact = algebra.total([algebra.divide(algebra.total(hooks), batch),
                           algebra.total(functions)])
    return Counting(PTFLOPS, UNITS[PTFLOPS], tuple(counts), _truncate(exact))


def _truncate(value: Value) -> Value:
    """int() of a non-negative count, as ptflops returns it."""
    if algebra.is_number(value):
        return math.floor(value)
    return algebra.floordiv(value, 1)


def _ptflops(v: _View) -> tuple[Value, Value, str]:
    """(hook count, patched-function count, note) of one layer."""
    t, x, y, args = v.type, v.x, v.y, v.args
    note = ""
    if t in CONV or t in CONV_TRANSPOSE:
        kernel = numel(_tuple(args["kernel_size"], int(t[-2])))
        per_position = kernel * args["in_channels"] * \
            algebra.floordiv(args["out_channels"], args["groups"])
        positions = x[0] * numel((x if t in CONV_TRANSPOSE else y)[2:])
        bias = x[0] * numel(y[1:]) if args["bias"] else 0
        return per_position * positions + bias, 0, note
    if t == "Linear":
        out = args["out_features"]
        return (x[-1] * out + (out if args["bias"] else 0)) * numel(x[:-1]), 0, note
    if t in ("ReLU", "PReLU", "ELU", "GELU"):
        return numel(y), numel(x), note  # hook, then F.relu/prelu/elu/gelu
    if t in ("LeakyReLU", "ReLU6"):
        return numel(y), 0, note
    if t in ("SiLU", "Softmax", "Softmax2d"):
        return 0, numel(x), note
    if t in POOLS:
        return numel(x), numel(x), note  # hook, then F.max_pool2d etc.
    if t in LP_POOLS:
        if isinstance(args["norm_type"], float) and math.isinf(args["norm_type"]):
            return 0, numel(x), note  # lp_pool is then a max_pool
        return 0, numel(x) + 2 * numel(y), note
    if t in BATCH_NORMS or t in INSTANCE_NORMS or t == "GroupNorm":
        if t.startswith("Lazy"):
            note = ("ptflops fails on an uninitialised lazy module (returns None); "
                    "counted as the module it becomes")
        return numel(x) * (2 if args["affine"] else 1), 0, note
    if t == "LayerNorm":
        return numel(x), 0, note
    if t in UPSAMPLE_MODES:
        hook = numel(y[1:]) if t == "Upsample" else 0
        return hook, _ptflops_interpolate(x, args), note
    if t in RECURRENT:
        return _ptflops_recurrent(v), 0, note
    if t in CELLS:
        hook, note = _ptflops_cell(v)
        return hook, 0, note
    if t == "MultiheadAttention":
        return _ptflops_attention(v)
    if t == "LocalResponseNorm":
        padded = x[0] * (x[1] + args["size"] - 1) * numel(x[2:])
        return 0, 3 * numel(x) + padded, note
    if _does_work(v):
        note = "ptflops has no hook for this module: it counts it as zero"
    return 0, 0, note


def _ptflops_interpolate(x: tuple, args: dict) -> Value:
    """ptflops' F.interpolate count, with Upsample's stored size or (float) scale."""
    size, scale = args.get("size"), args.get("scale_factor")
    channels = numel(x[:2])
    if size is not None:
        if isinstance(size, tuple):
            return numel(size) * channels
        return size ** (len(x) - 2) * channels
    if isinstance(scale, tuple):  # np.prod(..., dtype=int64); a symbol is an integer already
        return numel(x) * algebra.product(s if algebra.is_symbolic(s) else int(s)
                                          for s in scale)
    if algebra.is_symbolic(scale):
        return numel(x) * scale ** (len(x) - 2)
    factor = float(scale) ** (len(x) - 2)
    if algebra.is_number(numel(x)):
        return Fraction(numel(x) * factor)  # int times float, as ptflops computes it
    return numel(x) * Fraction(factor)


def _ptflops_recurrent(v: _View) -> Value:
    args, x, t = v.args, v.x, v.type
    hidden = args["hidden_size"]
    gates = GATES[t]
    out = args.get("proj_size") or hidden
    directions = 2 if args["bidirectional"] else 1
    per_step = 0
    for layer in range(args["num_layers"]):
        inputs = args["input_size"] if layer == 0 else directions * out
        per_step += gates * hidden * inputs + gates * hidden * out + _gate_extra(t, hidden)
        if args["bias"]:
            per_step += 2 * gates * hidden
    return per_step * x[0] * x[1] * directions


def _ptflops_cell(v: _View) -> tuple[Value, str]:
    args, t = v.args, v.type
    hidden = args["hidden_size"]
    gates = GATES[t]
    per_step = gates * hidden * (args["input_size"] + hidden) + _gate_extra(t, hidden)
    if args["bias"]:
        per_step += 2 * gates * hidden
    if len(v.x) == 1:
        return per_step, ("ptflops fails on an unbatched cell input (its hook reads "
                          "input.shape[1]); counted as with a batch of one")
    return per_step * v.x[0], ""


def _gate_extra(t: str, hidden: Value) -> Value:
    """ptflops' element-wise gate arithmetic: RNN 1·H, GRU 7·H, LSTM 10·H."""
    return {"RNN": 1, "GRU": 7, "LSTM": 10}[t.removesuffix("Cell")] * hidden


def _ptflops_attention(v: _View) -> tuple[Value, Value, str]:
    args = v.args
    q = v.inputs[0]
    k = v.inputs[1] if len(v.inputs) > 1 else q
    value = v.inputs[2] if len(v.inputs) > 2 else k
    note = ""
    if len(q) != 3:
        note = ("ptflops fails on an unbatched MultiheadAttention input (its hook reads "
                "q.shape[2]); counted as with a batch of one")
        axis = 0 if args["batch_first"] else 1
        q, k, value = ((*s[:axis], 1, *s[axis:]) for s in (q, k, value))
    length = 1 if args["batch_first"] else 0
    batch = q[0] if args["batch_first"] else q[1]
    heads = args["num_heads"]
    qdim, kdim, vdim = q[2], k[2], value[2]
    qlen, klen, vlen = q[length], k[length], value[length]
    hook = qlen * qdim + qlen * qdim * qdim + klen * kdim * kdim + vlen * vdim * vdim
    if args["bias"]:
        hook += (qlen + klen + vlen) * qdim
    hook += heads * (qlen * klen * algebra.floordiv(qdim, heads) + qlen * klen +
                     qlen * klen * algebra.floordiv(vdim, heads))
    hook += qlen * vdim * (vdim + 1)
    hook *= batch
    # F.multi_head_attention_forward: torch.bmm(q, kᵀ), softmax, torch.bmm(weights, v)
    embed = args["embed_dim"]
    keys = klen + (1 if args["add_bias_kv"] else 0) + (1 if args["add_zero_attn"] else 0)
    scores = batch * heads * qlen * keys
    function = 2 * scores * algebra.floordiv(embed, heads) + scores
    return hook, function, note
