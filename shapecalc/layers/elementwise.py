"""Layers that keep the shape: activations, noise and dropout (plus GLU, which halves an axis).

Output shape = input shape; MACs = 0 (FlopCounterMode counts no element-wise op);
receptive field unchanged (KEEP). Parameters only for PReLU:

- PyTorch PReLU(num_parameters=n): n weights. With n > 1 the channel axis must have n
  entries; the channel axis is dim 1, and a 1-D input counts as one channel, so it is
  refused ("Mismatch of parameter numbers and input channel size").
- Keras PReLU: one alpha per input entry, ∏(input shape without the batch), with the
  axes in shared_axes set to 1. Keras writes `param_shape[i - 1] = 1` for each i, so an
  axis counts from 1 (the batch is 0) and Python's negative indexing applies: 0 means the
  last axis, -1 the one before it; an index outside the list is refused.

Rank rules observed in torch 2.13 (rank = number of axes, batch included if any):
Softmax2d 3 or 4; Dropout1d 2 or 3; Dropout2d ≥ 2 (3-D is taken as unbatched 1-D dropout
and warns; other ranks than 4 warn as deprecated); Dropout3d any rank ≥ 1 (it unsqueezes
an unbatched input; ranks other than 4 and 5 warn); FeatureAlphaDropout ≥ 2; AlphaDropout
and the activations any rank. The feature-dropout kernel (Dropout2d/3d,
FeatureAlphaDropout) returns its input untouched when p is 0 or 1, before checking the
rank, so those p accept any rank; Dropout1d checks the rank in Python, always. We follow
train mode, the state after construction (evaluation mode skips these checks too).
Softmax/Softmin/LogSoftmax with dim=None choose dim 0 for rank 0, 1 or 3 and dim 1
otherwise (deprecated, warns): the shape is kept either way. A given dim must be in
[-rank, rank). GLU halves its dim, which must be even.
Refusals at construction: dropout p outside [0, 1]; Hardtanh max_val ≤ min_val.
At forward (train mode, the state after construction): GELU approximate other than
'none'/'tanh'; Softshrink lambd < 0; CELU alpha = 0; RReLU lower > upper.

Keras: Dropout/AlphaDropout/GaussianDropout rate and GaussianNoise stddev must be in
[0, 1]; SpatialDropout1D/2D/3D need rank exactly 3/4/5 (batch included); ReLU refuses a
negative max_value, negative_slope or threshold, LeakyReLU a negative negative_slope;
Activation needs a known activation name; Softmax checks its axes at call.
"""

from __future__ import annotations

from shapecalc import algebra
from shapecalc.algebra import floordiv, product
from shapecalc.layers.base import (
    KEEP,
    KERAS,
    PYTORCH,
    Call,
    LayerResult,
    Signature,
    channels_last,
    keras_signature,
    rank_error,
    register,
    signature,
)
from shapecalc.spec.evaluate import Reference


def same_shape(x: tuple, trainable=0) -> LayerResult:
    return LayerResult(shape=x, trainable=trainable, receptive=KEEP)


def _ensure_numbers(call: Call, *names: str) -> None:
    for name in names:
        call.number(name)


def check_axis(call: Call, name: str, axis, rank: int) -> int:
    """An axis index valid for a tensor of this rank, as a non-negative index."""
    if not -rank <= axis < rank:
        call.fail(f"{name}={axis} is out of range for a {rank}-D input (valid: "
                  f"{-rank} to {rank - 1})", at=name)
    return axis % rank


# -- PyTorch --------------------------------------------------------------------------------


def _torch_elementwise(name: str, *required: str, check=None, **defaults) -> None:
    """Register a shape-keeping torch.nn module; ``check(call, x)`` adds its refusals.
    Every float argument must at least be a number; ``inplace`` a flag."""

    @register(PYTORCH, signature(name, *required, **defaults))
    def rule(call: Call, x: tuple) -> LayerResult:
        for arg, default in call.rule.signature.positional:
            if arg == "inplace":
                call.flag(arg)
            elif isinstance(default, float):
                call.number(arg)
        if check is not None:
            check(call, x)
        return same_shape(x)


# Modules with no arguments at all: torch.nn declares (*args, **kwargs) but
# Module.__init__ refuses any of them.
for _name in ("Sigmoid", "Tanh", "Softsign", "Tanhshrink", "LogSigmoid"):
    _torch_elementwise(_name)

for _name in ("ReLU", "ReLU6", "SELU", "SiLU", "Mish", "Hardswish", "Hardsigmoid"):
    _torch_elementwise(_name, inplace=False)

_torch_elementwise("LeakyReLU", negative_slope=0.01, inplace=False)
_torch_elementwise("ELU", alpha=1.0, inplace=False)
_torch_elementwise("Softplus", beta=1.0, threshold=20.0)
_torch_elementwise("Hardshrink", lambd=0.5)


def _celu_alpha(call: Call, x: tuple) -> None:
    call.require(call["alpha"] != 0, "alpha cannot be 0 for CELU (ZeroDivisionError)",
                 at="alpha")


_torch_elementwise("CELU", alpha=1.0, inplace=False, check=_celu_alpha)


def _gelu_approximate(call: Call, x: tuple) -> None:
    call.choice("approximate", ("none", "tanh"))


_torch_elementwise("GELU", approximate="none", check=_gelu_approximate)


def _softshrink_lambd(call: Call, x: tuple) -> None:
    lambd = call["lambd"]
    call.require(lambd >= 0, lambda: f"lambd must be at least 0, got {lambd}", at="lambd")


_torch_elementwise("Softshrink", lambd=0.5, check=_softshrink_lambd)


def _rrelu_bounds(call: Call, x: tuple) -> None:
    lower, upper = call["lower"], call["upper"]
    call.require(lower <= upper, lambda: (
        f"the lower bound must be less than or equal to the upper bound, got lower={lower} "
        f"and upper={upper}"), at="lower")


_torch_elementwise("RReLU", lower=0.125, upper=1 / 3, inplace=False, check=_rrelu_bounds)


def _threshold_values(call: Call, x: tuple) -> None:
    _ensure_numbers(call, "threshold", "value")


_torch_elementwise("Threshold", "threshold", "value", inplace=False, check=_threshold_values)


@register(PYTORCH, signature("Hardtanh", min_val=-1.0, max_val=1.0, inplace=False,
                             min_value=None, max_value=None))
def torch_hardtanh(call: Call, x: tuple) -> LayerResult:
    # min_value / max_value are the deprecated spellings; when given they win
    low = call.number("min_value" if call["min_value"] is not None else "min_val")
    high = call.number("max_value" if call["max_value"] is not None else "max_val")
    call.flag("inplace")
    call.require(high > low, lambda: (
        f"max_val ({high}) must be greater than min_val ({low})"), at="max_val")
    return same_shape(x)


def _softmax_dim(call: Call, x: tuple) -> None:
    """dim=None is torch's legacy implicit choice, valid for any rank."""
    if call["dim"] is not None:
        check_axis(call, "dim", call.int("dim"), len(x))


for _name in ("Softmax", "Softmin", "LogSoftmax"):
    _torch_elementwise(_name, dim=None, check=_softmax_dim)


def _rank_in(allowed: tuple[int, ...], what: str):
    def check(call: Call, x: tuple) -> None:
        if len(x) not in allowed:
            rank_error(call, x, what)
    return check


_torch_elementwise("Softmax2d", check=_rank_in((3, 4), "3-D (C, H, W) or 4-D (N, C, H, W)"))


@register(PYTORCH, signature("PReLU", num_parameters=1, init=0.25, device=None, dtype=None))
def torch_prelu(call: Call, x: tuple) -> LayerResult:
    n = call.int("num_parameters", 0, " (a weight cannot have a negative dimension)")
    call.number("init")
    if algebra.truth(n == 1) is not True:
        # one weight per channel: dim 1, or a single channel for a 1-D input
        channels = x[1] if len(x) >= 2 else 1
        call.require(algebra.equal(channels, n), lambda: (
            f"num_parameters={algebra.show(n)} does not match the {algebra.show(channels)} "
            f"channels of the input {algebra.show_shape(x)} (the channel axis is dim 1; a "
            f"1-D input has one channel); use num_parameters=1 or "
            f"num_parameters={algebra.show(channels)}"), at="num_parameters")
    call.explain("params", "num_parameters", n, num_parameters=n, rule="one slope each")
    return same_shape(x, trainable=n)


@register(PYTORCH, signature("GLU", dim=-1))
def torch_glu(call: Call, x: tuple) -> LayerResult:
    axis = check_axis(call, "dim", call.int("dim"), len(x))
    size = x[axis]
    call.require(algebra.equal(size % 2, 0), lambda: (
        f"GLU halves dim {axis}, which must be even, but it has size {algebra.show(size)} "
        f"(input {algebra.show_shape(x)})"), at="dim")
    call.explain("L_out", "L/2", floordiv(size, 2), L=size, rule=f"dim {axis} halved")
    return LayerResult(shape=(*x[:axis], floordiv(size, 2), *x[axis + 1:]), receptive=KEEP)


def _dropout_probability(call: Call) -> None:
    p = call.number("p")
    call.require(p >= 0, lambda: f"dropout probability has to be between 0 and 1, but got {p}",
                 at="p")
    call.require(p <= 1, lambda: f"dropout probability has to be between 0 and 1, but got {p}",
                 at="p")


def _torch_dropout(name: str, check=None, *, only_when_dropping: bool = False) -> None:
    """``only_when_dropping``: the feature-dropout kernel returns early for p = 0 and
    p = 1 (and outside training), before it looks at the rank."""

    @register(PYTORCH, signature(name, p=0.5, inplace=False))
    def rule(call: Call, x: tuple) -> LayerResult:
        _dropout_probability(call)
        call.flag("inplace")
        p = call["p"]
        trivial = p == 0 or p == 1
        if check is not None and not (only_when_dropping and trivial):
            check(call, x)
        return same_shape(x)


def _rank_at_least(minimum: int, what: str):
    def check(call: Call, x: tuple) -> None:
        if len(x) < minimum:
            rank_error(call, x, what)
    return check


_FEATURE_DROPOUT = "at least 2-D (feature dropout drops whole channels)"

_torch_dropout("Dropout")
_torch_dropout("AlphaDropout")
_torch_dropout("Dropout1d", _rank_in((2, 3), "2-D (C, L) or 3-D (N, C, L)"))
_torch_dropout("Dropout2d", _rank_at_least(2, _FEATURE_DROPOUT), only_when_dropping=True)
_torch_dropout("Dropout3d", _rank_at_least(1, "at least 1-D"), only_when_dropping=True)
_torch_dropout("FeatureAlphaDropout", _rank_at_least(2, _FEATURE_DROPOUT),
               only_when_dropping=True)


# -- Keras ----------------------------------------------------------------------------------

# keras.activations' names (Keras 3.15): what Activation('...') accepts.
KERAS_ACTIVATIONS = (
    "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu",
    "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish",
    "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus",
    "softsign", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh",
    "tanh_shrink", "threshold",
)


@register(KERAS, keras_signature("Activation", "activation"))
def keras_activation(call: Call, x: tuple) -> LayerResult:
    value = call["activation"]
    if isinstance(value, str):
        if value not in KERAS_ACTIVATIONS:
            call.fail(f"could not interpret activation function identifier {value!r} "
                      f"(known: {', '.join(KERAS_ACTIVATIONS)})", at="activation")
    elif value is not None and not isinstance(value, Reference):
        call.fail(f"activation must be a name such as 'relu' or a function, got {value!r}",
                  at="activation")
    return same_shape(x)


def _not_negative(call: Call, name: str, message: str) -> None:
    value = call[name]
    if value is None:
        call.fail(message.format(value=value), at=name)
    value = call.number(name)
    call.require(value >= 0, lambda: message.format(value=value), at=name)


@register(KERAS, keras_signature("ReLU", max_value=None, negative_slope=0.0, threshold=0.0))
def keras_relu(call: Call, x: tuple) -> LayerResult:
    if call["max_value"] is not None:
        _not_negative(call, "max_value", "max_value of a ReLU layer cannot be a negative "
                      "value, got max_value={value}")
    _not_negative(call, "negative_slope", "negative_slope of a ReLU layer cannot be None or "
                  "a negative value, got negative_slope={value}")
    _not_negative(call, "threshold", "threshold of a ReLU layer cannot be None or a negative "
                  "value, got threshold={value}")
    return same_shape(x)


def _leaky_relu_signature() -> Signature:
    """negative_slope, plus the deprecated alias alpha= that Keras pops from **kwargs."""
    sig = keras_signature("LeakyReLU", negative_slope=0.3)
    return Signature(sig.name, sig.positional, sig.keyword_only + (("alpha", None),))


@register(KERAS, _leaky_relu_signature())
def keras_leaky_relu(call: Call, x: tuple) -> LayerResult:
    name = "alpha" if call.given("alpha") else "negative_slope"
    _not_negative(call, name, "the negative_slope of a LeakyReLU layer cannot be None or "
                  "negative, got " + name + "={value}")
    return same_shape(x)


@register(KERAS, keras_signature("ELU", alpha=1.0))
def keras_elu(call: Call, x: tuple) -> LayerResult:
    call.number("alpha")
    return same_shape(x)


def _axes(call: Call, name: str) -> tuple:
    value = call[name]
    if isinstance(value, tuple):
        for i in range(len(value)):
            if isinstance(value[i], bool) or type(value[i]) is not int:
                call.fail(f"{name} must be an int or a tuple of ints, got {value!r}", at=name)
        return value
    return (call.int(name),)


@register(KERAS, keras_signature("Softmax", axis=-1))
def keras_softmax(call: Call, x: tuple) -> LayerResult:
    axes = _axes(call, "axis")
    chosen = [check_axis(call, "axis", axis, len(x)) for axis in axes]
    if len(set(chosen)) != len(chosen):  # the logsumexp over several axes refuses repeats
        call.fail(f"axis={axes} names the same axis twice on a {len(x)}-D input "
                  f"(as axes {', '.join(map(str, chosen))})", at="axis")
    return same_shape(x)


@register(KERAS, keras_signature("PReLU", alpha_initializer="Zeros", alpha_regularizer=None,
                                 alpha_constraint=None, shared_axes=None))
def keras_prelu(call: Call, x: tuple) -> LayerResult:
    alphas = list(x[1:])
    if call["shared_axes"] is not None:
        for axis in _axes(call, "shared_axes"):
            slot = axis - 1  # Keras writes param_shape[i - 1] = 1, negative indices included
            if not -len(alphas) <= slot < len(alphas):
                call.fail(f"shared_axes contains {axis}, which is not an axis of the "
                          f"{len(x)}-D input {algebra.show_shape(x)} (valid: 1 to "
                          f"{len(x) - 1}, the batch being axis 0)", at="shared_axes")
            alphas[slot] = 1
    names = [f"a_{i}" for i in range(1, len(alphas) + 1)]
    call.explain("params", "*".join(names), product(alphas), counting=True,
                 rule="one slope per element, 1 along shared axes", **dict(zip(names, alphas)))
    return same_shape(x, trainable=product(alphas))


def _rate_in_unit_interval(call: Call, name: str) -> None:
    value = call.number(name)
    message = (f"invalid value for argument `{name}`: expected a float value between 0 "
               f"and 1, got {name}={value}")
    call.require(value >= 0, message, at=name)
    call.require(value <= 1, message, at=name)


def _keras_noise(name: str, argument: str, **defaults) -> None:
    @register(KERAS, keras_signature(name, argument, **defaults))
    def rule(call: Call, x: tuple) -> LayerResult:
        _rate_in_unit_interval(call, argument)
        return same_shape(x)


_keras_noise("Dropout", "rate", noise_shape=None, seed=None)
_keras_noise("AlphaDropout", "rate", noise_shape=None, seed=None)
_keras_noise("GaussianDropout", "rate", seed=None)
_keras_noise("GaussianNoise", "stddev", seed=None)


def _keras_spatial_dropout(n: int) -> None:
    """SpatialDropoutND(rate, [data_format,] seed, name, dtype): no **kwargs, so none of the
    base layer's other keywords; the input must be exactly (N+2)-D."""
    extra = {"data_format": None} if n > 1 else {}
    sig = signature(f"SpatialDropout{n}D", "rate", **extra, seed=None, name=None,
                    dtype=None)

    @register(KERAS, sig)
    def rule(call: Call, x: tuple) -> LayerResult:
        _rate_in_unit_interval(call, "rate")
        if n > 1:
            channels_last(call)  # validates data_format
        if len(x) != n + 2:
            rank_error(call, x, f"{n + 2}-D (batch included)")
        return same_shape(x)


for _n in (1, 2, 3):
    _keras_spatial_dropout(_n)
