"""Normalisation layers: the shape never changes; what matters is the parameters, the
statistics kept, and what each framework refuses.

PyTorch (torch 2.13; modules in train mode, their state after construction, unless the
analysis runs in eval mode: then BatchNorm and InstanceNorm that track running statistics
use them, and accept any batch):
- BatchNorm1d/2d/3d(C): input (N, C) or (N, C, L) / (N, C, H, W) / (N, C, D, H, W).
  Params C·(affine) + C·(affine and bias); buffers running_mean + running_var + the
  one-element num_batches_tracked = 2C + 1 when track_running_stats. The channel count is
  checked only when a weight or a running statistic exists. Training needs more than one
  value per channel (N·∏spatial > 1) and eps > 0.
- InstanceNorm1d/2d/3d(C): affine=False and track_running_stats=False by default; the same
  params/buffers formulas. Also accepts unbatched input (C, *spatial). Without weights or
  statistics, a wrong C is only warned about; with them it is refused. Training needs
  more than one spatial element (∏spatial > 1).
- LayerNorm(S): the last len(S) dims of the input must equal S. Params 2·∏S
  (bias=False: ∏S; elementwise_affine=False: 0). RMSNorm(S): ∏S.
- GroupNorm(G, C): C divisible by G at construction; input (N, C, *) with C divisible
  by G, equal to num_channels when affine; training needs (N·C/G)·∏spatial > 1.
  Params 2C (bias=False: C; affine=False: 0).
- LocalResponseNorm(size): input of 3 or more dims, no params.
- Lazy variants infer num_features from input.shape[1] and default to affine and
  track_running_stats, InstanceNorm included.

Keras 3 (channels wherever ``axis`` says, batch None, any rank):
- BatchNormalization(axis=int): trainable gamma/beta of C each (scale/center), 2C
  non-trainable moving mean/variance (renorm=True adds 3C more).
- LayerNormalization(axis=int or list): gamma/beta over the dims in axis (an empty list
  gives scalar weights); rms_scaling=True keeps gamma only. RMSNormalization: scale
  only. GroupNormalization(groups=32): C ≥ groups and C divisible by groups (-1 means
  one group per channel); 2C. UnitNormalization: no params.
- The batch axis cannot carry weights; trainable=False makes every weight
  non-trainable.

No normalisation does a matmul or convolution: MACs are 0 (FlopCounterMode counts 0), and
the receptive field is unchanged.
"""

from __future__ import annotations

from shapecalc import algebra
from shapecalc.algebra import floordiv, product
from shapecalc.layers.base import (
    KERAS,
    KERAS_BASE_KWARGS,
    PYTORCH,
    Call,
    LayerResult,
    keras_signature,
    rank_error,
    register,
    signature,
)



def explain_elementwise_weights(call: Call, shape: tuple, params, copies: int,
                                rule: str) -> None:
    """params = copies·∏shape: one weight (and bias) per normalised element."""
    names = [f"S_{i}" for i in range(1, len(shape) + 1)] or ["1"]
    template = "*".join(names)
    call.explain("params", f"{copies}*{template}" if copies > 1 else template, params,
                 counting=True, rule=rule, **dict(zip(names, shape)))


def _is_integer(value) -> bool:
    """An int, or an expression known to be an integer (a symbol)."""
    if type(value) is int:
        return True
    return algebra.is_symbolic(value) and bool(getattr(value, "is_integer", False))


def _shape(x: tuple) -> str:
    return algebra.show_shape(x)


def _product_text(values) -> str:
    return "·".join(str(v) for v in values) if len(values) > 1 else str(values[0])


# -- PyTorch: BatchNorm and InstanceNorm ---------------------------------------------------

_SPATIAL_NAMES = {1: "L", 2: "H, W", 3: "D, H, W"}


def _torch_affine_counts(call: Call, features) -> tuple:
    """(params, buffers) of BatchNorm/InstanceNorm: weight and bias when affine, running
    mean and variance plus num_batches_tracked when tracking statistics."""
    affine = call.flag("affine")
    bias = call.flag("bias")
    track = call.flag("track_running_stats")
    params = (features if affine else 0) + (features if affine and bias else 0)
    buffers = 2 * features + 1 if track else 0
    if affine:
        call.explain("params", "2*C" if bias else "C", params, counting=True, C=features,
                     rule="weight and bias" if bias else "weight")
    if track:
        call.explain("buffers", "2*C + 1", buffers, counting=True, C=features,
                     rule="running mean and variance, num_batches_tracked")
    return params, buffers


def _torch_features(call: Call, lazy: bool, x: tuple):
    """num_features as given, or for a lazy module the size of input dim 1 (taken even
    from unbatched input, where it is not the channel axis)."""
    if lazy:
        return x[1] if len(x) > 1 else None
    features = call.int("num_features")
    if call.flag("affine") or call.flag("track_running_stats"):
        # the weight or the running statistics are tensors of this size
        call.require(features >= 0, lambda: f"num_features must not be negative, got "
                     f"{features}", at="num_features")
    return features


def _batch_norm_rule(n: int, lazy: bool):
    def batch_norm(call: Call, x: tuple) -> LayerResult:
        if n == 1 and len(x) not in (2, 3):
            rank_error(call, x, "2-D (N, C) or 3-D (N, C, L)")
        if n > 1 and len(x) != n + 2:
            rank_error(call, x, f"{n + 2}-D (N, C, {_SPATIAL_NAMES[n]})")
        features = _torch_features(call, lazy, x)
        params, buffers = _torch_affine_counts(call, features)
        eps = call.number("eps")
        channels = x[1]
        if call.flag("track_running_stats") or call.flag("affine"):
            call.require(algebra.equal(channels, features), lambda: (
                f"expected input with {features} channels (num_features), got {channels} "
                f"channels: input shape {_shape(x)}"))
        if call.training or not call.flag("track_running_stats"):
            # normalised by the batch's own statistics (eval mode has running ones only
            # when it tracks them)
            values = x[0] * product(x[2:])
            call.require(values > 1, lambda: (
                f"expected more than 1 value per channel when training, got input of shape "
                f"{_shape(x)}: {_product_text((x[0], *x[2:]))} = {values} value per channel "
                + ("(use a batch of 2 or more)" if call.training else
                   "(in eval mode too: without track_running_stats it normalises by the "
                   "batch)")))
            call.require(eps > 0, lambda: f"eps must be positive during training, got {eps}",
                         at="eps")
        return LayerResult(shape=tuple(x), trainable=params, buffers=buffers)

    return batch_norm


def _instance_norm_rule(n: int, lazy: bool):
    def instance_norm(call: Call, x: tuple) -> LayerResult:
        if len(x) not in (n + 1, n + 2):
            rank_error(call, x, f"{n + 1}-D (unbatched) or {n + 2}-D (batched)")
        features = _torch_features(call, lazy, x)
        params, buffers = _torch_affine_counts(call, features)
        call.number("eps")
        channel_dim = len(x) - n - 1
        channels = x[channel_dim]
        batch = x[0] if channel_dim == 1 else 1
        if call.flag("affine"):
            call.require(algebra.equal(channels, features), lambda: (
                f"expected input's size at dim={channel_dim} to match num_features "
                f"({features}), got {channels}: input shape {_shape(x)}"))
        elif call.flag("track_running_stats"):
            # the running statistics are repeated per sample and must line up
            call.require(algebra.equal(channels, features), lambda: (
                f"running_mean should contain {batch * channels} elements not "
                f"{batch * features}: expected input with {features} channels "
                f"(num_features) at dim={channel_dim}, got {channels}: input shape {_shape(x)}"))
        spatial = x[channel_dim + 1:]
        if call.training or not call.flag("track_running_stats"):  # instance statistics
            call.require(product(spatial) > 1, lambda: (
                f"expected more than 1 spatial element when training, got input of shape "
                f"{_shape(x)}: {_product_text(spatial)} = {product(spatial)} spatial element"))
        return LayerResult(shape=tuple(x), trainable=params, buffers=buffers)

    return instance_norm


def _register_torch_stat_norms() -> None:
    for n in (1, 2, 3):
        for lazy in (False, True):
            bn_defaults = dict(eps=1e-05, momentum=0.1, affine=True, track_running_stats=True,
                               device=None, dtype=None)
            in_defaults = dict(eps=1e-05, momentum=0.1, affine=lazy, track_running_stats=lazy,
                               device=None, dtype=None)
            required = () if lazy else ("num_features",)
            prefix = "Lazy" if lazy else ""
            register(PYTORCH, signature(f"{prefix}BatchNorm{n}d", *required,
                                        keyword_only={"bias": True}, **bn_defaults))(
                _batch_norm_rule(n, lazy))
            register(PYTORCH, signature(f"{prefix}InstanceNorm{n}d", *required,
                                        keyword_only={"bias": True}, **in_defaults))(
                _instance_norm_rule(n, lazy))


_register_torch_stat_norms()


# -- PyTorch: LayerNorm, RMSNorm, GroupNorm, LocalResponseNorm -------------------------------


def _normalized_shape(call: Call) -> tuple:
    value = call["normalized_shape"]
    if isinstance(value, tuple):
        if not all(map(_is_integer, value)):
            written = "(" + ", ".join(map(str, value)) + ")"
            call.fail(f"normalized_shape must be an int or a tuple of ints, got {written}",
                      at="normalized_shape")
        shape = value
    else:
        shape = (call.int("normalized_shape"),)
    call.require(len(shape) >= 1, "normalized_shape must have at least one dimension, got ()",
                 at="normalized_shape")
    return shape


def _check_trailing_dims(call: Call, x: tuple, shape: tuple, *, rms: bool) -> None:
    k = len(shape)
    text = _shape(shape)
    if len(x) < k:
        if rms:
            call.fail(f"input must have at least {k} dimensions for normalized_shape {text}, "
                      f"got {len(x)}-D input of shape {_shape(x)}")
        call.fail(f"normalized_shape {text} expects input of shape (*, "
                  f"{', '.join(map(str, shape))}), got {len(x)}-D input of shape {_shape(x)}")
    trailing = tuple(x[len(x) - k:])
    for got, want in zip(trailing, shape):
        call.require(algebra.equal(got, want), lambda: (
            f"normalized_shape {text} must match the last {k} "
            f"dimension{'s' if k > 1 else ''} of the input, got input of shape {_shape(x)} "
            f"(last {k}: {_shape(trailing)})"), at="normalized_shape")


@register(PYTORCH, signature("LayerNorm", "normalized_shape", eps=1e-05,
                             elementwise_affine=True, bias=True, device=None, dtype=None))
def layer_norm(call: Call, x: tuple) -> LayerResult:
    shape = _normalized_shape(call)
    affine = call.flag("elementwise_affine")
    bias = call.flag("bias")
    call.number("eps")
    if affine:
        for v in shape:
            call.require(v >= 0, lambda: f"normalized_shape must not have negative sizes, got "
                         f"{_shape(shape)}", at="normalized_shape")
    _check_trailing_dims(call, x, shape, rms=False)
    size = product(shape)
    params = (size if affine else 0) + (size if affine and bias else 0)
    if affine:
        explain_elementwise_weights(call, shape, params, 2 if bias else 1, "weight and bias"
                                    if bias else "weight")
    return LayerResult(shape=tuple(x), trainable=params)


@register(PYTORCH, signature("RMSNorm", "normalized_shape", eps=None, elementwise_affine=True,
                             device=None, dtype=None))
def rms_norm(call: Call, x: tuple) -> LayerResult:
    shape = _normalized_shape(call)
    affine = call.flag("elementwise_affine")
    if call["eps"] is not None:
        call.number("eps")
    if affine:
        for v in shape:
            call.require(v >= 0, lambda: f"normalized_shape must not have negative sizes, got "
                         f"{_shape(shape)}", at="normalized_shape")
    _check_trailing_dims(call, x, shape, rms=True)
    if affine:
        explain_elementwise_weights(call, shape, product(shape), 1, "weight")
    return LayerResult(shape=tuple(x), trainable=product(shape) if affine else 0)


@register(PYTORCH, signature("GroupNorm", "num_groups", "num_channels", eps=1e-05, affine=True,
                             device=None, dtype=None, keyword_only={"bias": True}))
def group_norm(call: Call, x: tuple) -> LayerResult:
    groups = call.int("num_groups")
    channels_arg = call.int("num_channels")
    affine = call.flag("affine")
    bias = call.flag("bias")
    call.number("eps")
    call.require(groups > 0, lambda: f"num_groups must be a positive integer, got {groups}",
                 at="num_groups")
    call.require(algebra.equal(channels_arg % groups, 0), lambda: (
        f"num_channels ({channels_arg}) must be divisible by num_groups ({groups})"),
        at="num_groups")
    if affine:
        call.require(channels_arg >= 0, lambda: f"num_channels must not be negative, got "
                     f"{channels_arg}", at="num_channels")
    params = (channels_arg if affine else 0) + (channels_arg if affine and bias else 0)
    if affine:
        call.explain("params", "2*C" if bias else "C", params, counting=True, C=channels_arg,
                     rule="weight and bias per channel" if bias else "weight per channel")

    if len(x) < 2:
        rank_error(call, x, "at least 2-D (N, C, *)")
    batch, channels, spatial = x[0], x[1], x[2:]
    per_group = floordiv(batch * channels, groups) * product(spatial)
    call.require(per_group > 1, lambda: (
        f"expected more than 1 value per channel when training (torch counts "
        f"N·C/num_groups·∏spatial), got input of shape {_shape(x)}: "
        f"{batch}·{channels}/{groups}"
        + "".join(f"·{s}" for s in spatial) + f" = {per_group} "
        f"(use a batch of 2 or more, or fewer groups)"))
    if channels != channels_arg:  # else the construction check above said it already
        call.require(algebra.equal(channels % groups, 0), lambda: (
            f"expected the input's channels to be divisible by num_groups, got {channels} "
            f"channels and num_groups={groups}: input shape {_shape(x)}"))
    if affine:
        call.require(algebra.equal(channels, channels_arg), lambda: (
            f"expected input with {channels_arg} channels (num_channels), got {channels} "
            f"channels: input shape {_shape(x)}"))
    return LayerResult(shape=tuple(x), trainable=params)


@register(PYTORCH, signature("LocalResponseNorm", "size", alpha=0.0001, beta=0.75, k=1.0))
def local_response_norm(call: Call, x: tuple) -> LayerResult:
    size = call.int("size")
    for name in ("alpha", "beta", "k"):
        call.number(name)
    if len(x) < 3:
        rank_error(call, x, "3-D or higher (N, C, *)")
    call.require(size >= 1, lambda: f"size must be at least 1 (it is the pooling window "
                 f"across channels), got {size}", at="size")
    return LayerResult(shape=tuple(x))


# -- Keras ----------------------------------------------------------------------------------


def _keras_weights(call: Call, trainable, non_trainable=0) -> dict:
    """trainable=False on the layer makes every weight non-trainable."""
    if call.flag("trainable"):
        return dict(trainable=trainable, non_trainable=non_trainable)
    return dict(trainable=0, non_trainable=trainable + non_trainable)


def _keras_axis(call: Call, axis: int, x: tuple, *, weights: bool) -> int:
    """A Keras axis as a non-negative index into the full shape (batch included)."""
    rank = len(x)
    if not -rank <= axis < rank:
        batch = f", except the batch axis 0 and {-rank}" if weights else ""
        call.fail(f"axis {axis} is out of bounds for the {rank}-D input {_shape(x)} "
                  f"(valid: {-rank}..{rank - 1}{batch})", at="axis")
    index = axis % rank
    if weights and index == 0:
        call.fail(f"axis {axis} is the batch axis of {_shape(x)}, whose size is not defined: "
                  f"weights cannot be created over it (use 1..{rank - 1} or "
                  f"{1 - rank}..-1)", at="axis")
    return index


def _keras_axes(call: Call, x: tuple, *, weights: bool) -> tuple[int, ...]:
    """axis given as an int or a list/tuple of ints, as written (Keras sorts the list as
    written, negative values first, and that order shapes the weights); the same
    dimension twice is refused when the reduction runs."""
    value = call["axis"]
    if isinstance(value, tuple):
        if not all(type(v) is int for v in value):
            call.fail(f"axis must be an int or a list/tuple of ints, got {value}", at="axis")
        raw = value
    elif type(value) is int:
        raw = (value,)
    else:
        call.fail(f"axis must be an int or a list/tuple of ints, got {value!r}", at="axis")
    indices = [_keras_axis(call, a, x, weights=weights) for a in raw]
    if len(set(indices)) != len(indices):
        call.fail(f"axis {value} names the same dimension of {_shape(x)} twice", at="axis")
    return tuple(sorted(raw))


def _weight_shape(x: tuple, axes: tuple[int, ...]) -> tuple:
    """The dims of x at the axes, in the order given (Python indexing takes negatives)."""
    return tuple(x[a] for a in axes)


@register(KERAS, keras_signature(
    "BatchNormalization", axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True,
    beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
    moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
    beta_constraint=None, gamma_constraint=None, renorm=False, renorm_clipping=None,
    renorm_momentum=0.99, synchronized=False))
def batch_normalization(call: Call, x: tuple) -> LayerResult:
    value = call["axis"]
    if isinstance(value, float):
        value = int(value)  # Keras stores int(axis)
    elif type(value) is not int:
        call.fail(f"axis must be a single int (BatchNormalization normalises one axis), "
                  f"got {value}", at="axis")
    call.number("momentum")
    call.number("epsilon")
    axis = _keras_axis(call, value, x, weights=True)
    channels = x[axis]
    gamma_beta = channels * (int(call.flag("scale")) + int(call.flag("center")))
    # moving mean and variance; renorm adds moving_stddev, renorm_mean, renorm_stddev
    statistics = channels * (5 if call.flag("renorm") else 2)
    call.explain("trainable", "2*C" if gamma_beta == 2 * channels else "C*n", gamma_beta,
                 counting=True, C=channels, n=int(call.flag("scale")) + int(call.flag("center")))
    call.explain("non_trainable", "2*C", statistics, counting=True, rule="moving mean and "
                 "variance", C=channels) if not call.flag("renorm") else None
    return LayerResult(shape=tuple(x), **_keras_weights(call, gamma_beta, statistics))


_LAYER_NORMALIZATION = keras_signature(
    "LayerNormalization", axis=-1, epsilon=0.001, center=True, scale=True,
    beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
    gamma_regularizer=None, beta_constraint=None, gamma_constraint=None)
# rms_scaling is read from **kwargs (deprecated), so it is keyword-only
_LAYER_NORMALIZATION = signature(
    "LayerNormalization", keyword_only={"rms_scaling": False, **KERAS_BASE_KWARGS},
    **dict(_LAYER_NORMALIZATION.positional))


@register(KERAS, _LAYER_NORMALIZATION)
def layer_normalization(call: Call, x: tuple) -> LayerResult:
    call.number("epsilon")
    rms = call.flag("rms_scaling")
    has_gamma = call.flag("scale") or rms
    has_beta = call.flag("center") and not rms
    # without weights the batch axis may be normalised too
    axes = _keras_axes(call, x, weights=has_gamma or has_beta)
    size = product(_weight_shape(x, axes)) if has_gamma or has_beta else 0
    gamma = size if has_gamma else 0
    beta = size if has_beta else 0
    if has_gamma or has_beta:
        explain_elementwise_weights(call, _weight_shape(x, axes), gamma + beta,
                                    int(has_gamma) + int(has_beta),
                                    "gamma and beta" if has_gamma and has_beta else
                                    "gamma" if has_gamma else "beta")
    return LayerResult(shape=tuple(x), **_keras_weights(call, gamma + beta))


@register(KERAS, keras_signature("RMSNormalization", axis=-1, epsilon=1e-06))
def rms_normalization(call: Call, x: tuple) -> LayerResult:
    call.number("epsilon")
    axes = _keras_axes(call, x, weights=True)
    scale = _weight_shape(x, axes)
    _check_scale_broadcasts(call, x, scale)
    explain_elementwise_weights(call, scale, product(scale), 1, "scale")
    return LayerResult(shape=tuple(x), **_keras_weights(call, product(scale)))


def _check_scale_broadcasts(call: Call, x: tuple, scale: tuple) -> None:
    """ops.rms_normalization multiplies the output by the scale weight with plain
    broadcasting, which aligns it with the *last* dims of the input: over other axes the
    call on data fails (or, against a size-1 dim, grows the output), although the
    symbolic shape is the input's."""
    k = len(scale)
    trailing = tuple(x[len(x) - k:])
    for weight_dim, input_dim in zip(scale, trailing):
        if weight_dim == 1:
            continue
        call.require(algebra.equal(weight_dim, input_dim), lambda: (
            f"the scale weight has shape {_shape(scale)} (the dims in axis={call['axis']}), "
            f"and Keras multiplies it onto the last {k} dims of the input, "
            f"{_shape(trailing)} of {_shape(x)}: they do not broadcast (Keras fails when the "
            f"layer is called on data); normalise the last axes, e.g. axis=-1"), at="axis")


@register(KERAS, keras_signature(
    "GroupNormalization", groups=32, axis=-1, epsilon=0.001, center=True, scale=True,
    beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
    gamma_regularizer=None, beta_constraint=None, gamma_constraint=None))
def group_normalization(call: Call, x: tuple) -> LayerResult:
    groups = call["groups"]
    if not algebra.is_symbolic(groups) and type(groups) is not int:
        call.fail(f"groups must be a positive integer (or -1 for instance normalization), "
                  f"got {groups!r}", at="groups")
    if groups != -1:
        call.require(groups > 0, lambda: f"groups must be a positive integer (or -1 for "
                     f"instance normalization), got {groups}", at="groups")
    value = call["axis"]
    if type(value) is not int:
        call.fail(f"axis must be a single int, got {value}", at="axis")
    call.number("epsilon")
    channels = x[_keras_axis(call, value, x, weights=True)]
    if groups == -1:
        groups = channels
    call.require(channels >= groups, lambda: (
        f"number of groups ({groups}) cannot be more than the number of channels "
        f"({channels}) on axis {value} of {_shape(x)}"), at="groups")
    call.require(algebra.equal(channels % groups, 0), lambda: (
        f"the number of channels ({channels}) on axis {value} must be a multiple of the "
        f"number of groups ({groups})"), at="groups")
    weights = channels * (int(call.flag("scale")) + int(call.flag("center")))
    call.explain("params", "C*n", weights, counting=True, C=channels,
                 n=int(call.flag("scale")) + int(call.flag("center")),
                 rule="gamma and beta per channel")
    return LayerResult(shape=tuple(x), **_keras_weights(call, weights))


@register(KERAS, keras_signature("UnitNormalization", axis=-1))
def unit_normalization(call: Call, x: tuple) -> LayerResult:
    _keras_axes(call, x, weights=False)
    return LayerResult(shape=tuple(x))
