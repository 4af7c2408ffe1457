"""Keras preprocessing and utility layers (rescaling, normalisation, resizing, cropping,
random augmentation, masking) and the simple dot-product / additive attention layers.

As Keras 3.15.1 builds and runs them (observed on keras.Input, then called on zeros).

Element-wise layers, shape kept, no weights, 0 MACs, receptive field KEEP:
- Rescaling(scale, offset=0.0): x·scale + offset. scale and offset are numbers or arrays
  (nested lists) that must broadcast against the input, right-aligned (an array with more
  axes than the input would change the output's rank: refused). Where the input's size is
  1 and the array's is not, the computed tensor grows while Keras reports the input's
  shape, which is what we report.
- Masking(mask_value=0.0): mask_value must be a number (or a broadcastable array).
- ActivityRegularization(l1=0.0, l2=0.0): l1 and l2 non-negative; the layer sets
  activity_regularizer itself, so passing it too is a TypeError in Keras.
- Normalization(axis=-1, mean=None, variance=None, invert=False): axis an int, None (one
  mean for the whole tensor) or a tuple of axes in [-rank, rank), each of a known size
  (never the batch axis); an axis named twice only when its size is 1. Without
  mean/variance, build adds non-trainable weights mean and variance, each of ∏(sizes of
  the kept axes), plus an integer scalar `count`: non-trainable = 2·∏kept + 1
  (count_params() counts all three). With mean and variance (both, of the same shape,
  rank ≤ number of axes) there are no weights, and the array is broadcast to the kept
  axes right to left (each entry equal to the axis size or 1).

Image layers: inputs are images, 4-D (batch, H, W, C) or (batch, C, H, W) with
data_format='channels_first'; a 3-D input is taken as one unbatched image, so Keras'
batch axis plays the role of the height (Input(shape=(8, 6)) through Resizing(4, 5)
gives (4, 5, 6)). Any other rank is refused when the layer runs.
- Resizing(height, width, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio,
  fill_mode, ...): H, W replaced by height, width (≥ 1); interpolation one of TensorFlow's
  'bilinear', 'nearest', 'lanczos3', 'lanczos5', 'bicubic', 'area'; fill_mode only
  'constant'; crop and pad to aspect ratio not both. Receptive field GLOBAL: a resize
  (and its crop or pad to the aspect ratio) maps the whole image onto the output grid.
- CenterCrop(height, width): H, W replaced by height, width (≥ 0; a target larger than
  the input on some axis is reached by resizing, which divides by the target's sizes, so
  then a 0 is refused). Receptive field: a cropping window, kernel 1, stride 1, left
  padding -floor((L - target)/2) per axis (GLOBAL when the target is
  larger than the input on some axis: that is a resize).
- RandomCrop(height, width, seed): the same output shape. In training (the default when
  called) the window starts at a random offset when the input is strictly larger on both
  axes; otherwise the largest window of the target's aspect ratio is resized (a target
  of 0 is then refused, a division by zero). The field is modelled at the centred offset.
- RandomFlip(mode): mode is not validated by Keras (an unknown mode flips nothing).
  Receptive field KEEP: each output pixel is one input pixel (mirrored in training).
- RandomBrightness(factor, value_range): per-image offset, KEEP. value_range a pair.
- RandomContrast(factor, value_range): (x - mean)·f + mean with the mean over H and W of
  each channel, so every output pixel depends on the whole image: GLOBAL.
- RandomRotation, RandomZoom, RandomTranslation: affine resampling with interpolation,
  GLOBAL (an output pixel may read any input position). fill_mode in 'reflect', 'wrap',
  'constant', 'nearest'; interpolation 'nearest' or 'bilinear' (refused at construction).
- Factor ranges: RandomRotation and RandomBrightness [-1, 1], RandomContrast [0, 1]: a
  number inside the range, or a pair with not (first > upper or second < lower) (Keras
  checks the pair unsorted); None counts as 0 except for RandomContrast. RandomZoom
  (-1, 1] and RandomTranslation [-1, 1]: a number or a pair, each entry in the range.
All image layers have no weights and 0 MACs (FlopCounterMode counts no resampling).

Attention(use_scale=False, score_mode='dot', dropout, seed) and AdditiveAttention(
use_scale=True, dropout): called on [query, value] or [query, value, key] (key = value
when absent), of equal rank ≥ 2: query (B, ..., Tq, D), value (B, ..., Tv, Dv), key
(B, ..., Tv, Dk). Output (B, ..., Tq, Dv). The axes between batch and time must broadcast
(the output takes the broadcast sizes, as the computation does; Keras' own symbolic shape
copies the query's). Inputs of different ranks are refused here: the batch axis would
broadcast against a time axis, and Keras' symbolic shape disagrees with the computed one.
- 'dot': scores = Q·Kᵀ, so Dk = D; 'concat' and AdditiveAttention: scores =
  Σ tanh(Q + K) over the features, so D and Dk broadcast (equal or one of them 1).
  In all modes the key's Tv must equal the value's.
- Weights (trainable): Attention: 1 (scalar scale) with use_scale, +1 (concat_score_weight)
  with score_mode='concat'. AdditiveAttention: D (a scale vector of the query's feature
  size) with use_scale. Dropout is not validated.
- MACs per sample (batch None counts as one): Attention 'dot' ∏mid·Tq·Tv·(D + Dv) for the
  two batched matmuls (scores and weighted sum of values); 'concat' and AdditiveAttention
  only ∏mid·Tq·Tv·Dv (their scores are element-wise, which FlopCounterMode does not count).
  Receptive field GLOBAL.
"""

from __future__ import annotations

from fractions import Fraction

from shapecalc import algebra
from shapecalc.algebra import floordiv, product
from shapecalc.layers.base import (
    GLOBAL,
    KEEP,
    KERAS,
    KERAS_BASE_KWARGS,
    Call,
    LayerResult,
    Window,
    batch_of,
    channels_last,
    keras_signature,
    register,
    signature,
)
from shapecalc.spec.evaluate import Reference

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
AFFINE_INTERPOLATIONS = ("nearest", "bilinear")
RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")


def _show(shape: tuple) -> str:
    return algebra.show_shape(shape)


def _is_number(value: object) -> bool:
    """An int, float or bool (Keras' isinstance(value, (int, float))), or a symbol."""
    if isinstance(value, (int, float, Fraction)):  # 1/255 is read as an exact fraction
        return True
    return algebra.is_symbolic(value) and not isinstance(value, Reference)


# -- arrays given as nested lists (scale, offset, mean, variance, mask_value) --------------


def _array_shape(call: Call, name: str, value: object) -> tuple:
    """The shape NumPy gives a number or a nested list; refused for anything else."""
    if _is_number(value):
        return ()
    if isinstance(value, tuple) and value:
        inner = [_array_shape(call, name, item) for item in value]
        if any(s != inner[0] for s in inner):
            call.fail(f"{name} must be a number or a rectangular array, got {value}", at=name)
        return (len(value), *inner[0])
    if isinstance(value, tuple):
        return (0,)
    call.fail(f"{name} must be a number or an array of numbers, got {value!r}", at=name)


def _broadcasts_over_sample(call: Call, name: str, value: object, x: tuple) -> None:
    """An array combined element-wise with the input: it must broadcast right-aligned
    against the input without adding axes (Keras' symbolic shape is the input's)."""
    shape = _array_shape(call, name, value)
    if len(shape) > len(x):
        call.fail(f"{name} of shape {_show(shape)} has more axes than the input "
                  f"{_show(x)}", at=name)
    for size, axis in zip(reversed(shape), reversed(x)):
        if size == 1 or axis is None:  # the batch: any size broadcasts with some batch
            continue
        call.require(algebra.any_of(algebra.equal(axis, size), algebra.equal(axis, 1)),
                     lambda: (f"{name} of shape {_show(shape)} does not broadcast against "
                              f"the input {_show(x)}: on each axis the sizes must be equal "
                              f"or one of them 1"), at=name)


# -- element-wise layers -------------------------------------------------------------------


@register(KERAS, keras_signature("Rescaling", "scale", offset=0.0))
def rescaling(call: Call, x: tuple) -> LayerResult:
    _broadcasts_over_sample(call, "scale", call["scale"], x)
    _broadcasts_over_sample(call, "offset", call["offset"], x)
    return LayerResult(shape=x, receptive=KEEP)


@register(KERAS, keras_signature("Masking", mask_value=0.0))
def masking(call: Call, x: tuple) -> LayerResult:
    _broadcasts_over_sample(call, "mask_value", call["mask_value"], x)
    return LayerResult(shape=x, receptive=KEEP)


@register(KERAS, keras_signature("ActivityRegularization", l1=0.0, l2=0.0))
def activity_regularization(call: Call, x: tuple) -> LayerResult:
    if call.given("activity_regularizer"):
        call.fail("activity_regularizer cannot be given: the layer sets it from l1 and l2 "
                  "(Keras raises TypeError: multiple values for it)", at="activity_regularizer")
    for name in ("l1", "l2"):
        value = call[name]
        if isinstance(value, bool) or not _is_number(value):
            call.fail(f"{name} must be a non-negative number, got {value!r}", at=name)
        call.require(value >= 0, lambda v=value, n=name: (
            f"{n} must be a non-negative number, got {v}"), at=name)
    return LayerResult(shape=x, receptive=KEEP)


# -- Normalization -------------------------------------------------------------------------


def _normalization_axes(call: Call, rank: int) -> tuple[int, ...]:
    """The kept axes, as non-negative indices, distinct, in range."""
    axis = call["axis"]
    if axis is None:
        given: tuple = ()
    elif type(axis) is int:
        given = (axis,)
    elif isinstance(axis, tuple) and all(type(a) is int for a in axis):
        given = axis
    else:
        call.fail(f"axis must be an int, None or a tuple of ints, got {axis!r}", at="axis")
    for a in given:
        if not -rank <= a < rank:
            call.fail(f"axis {a} is out of range for {rank}-D input (valid: {-rank} to "
                      f"{rank - 1})", at="axis")
    return tuple(sorted(a % rank for a in given))


def _repeated_axes(call: Call, x: tuple, kept: tuple) -> None:
    """An axis named twice gives statistics of shape (n, n) that Keras must reshape to
    (n,): only a size of 1 survives."""
    for a in sorted(set(kept)):
        if kept.count(a) > 1:
            call.require(algebra.equal(x[a], 1), lambda a=a: (
                f"axis {call['axis']} names axis {a} more than once; Keras then builds "
                f"statistics of {kept.count(a)} axes of size {x[a]} that cannot be reshaped "
                f"to one (allowed only for an axis of size 1)"), at="axis")


@register(KERAS, keras_signature("Normalization", axis=-1, mean=None, variance=None,
                                 invert=False))
def normalization(call: Call, x: tuple) -> LayerResult:
    mean, variance = call["mean"], call["variance"]
    if (mean is None) != (variance is None):
        call.fail(f"mean and variance must be given together, got mean={mean} and "
                  f"variance={variance}", at="mean" if mean is not None else "variance")
    kept = _normalization_axes(call, len(x))
    for a in kept:
        if x[a] is None:
            call.fail(f"axis {a} is the batch axis, whose size is unknown: the kept axes "
                      f"must have a known size (input {_show(x)})", at="axis")
    sizes = tuple(x[a] for a in kept)
    if mean is None:
        _repeated_axes(call, x, kept)
        statistics = product(sizes)
        call.explain("non-trainable", "2*S + 1", 2 * statistics + 1, S=statistics,
                     rule="mean and variance over the kept axes, plus the scalar count")
        return LayerResult(shape=x, non_trainable=2 * statistics + 1, receptive=KEEP)
    mean_shape = _array_shape(call, "mean", mean)
    variance_shape = _array_shape(call, "variance", variance)
    if mean_shape != variance_shape:
        call.fail(f"mean and variance must have the same shape, got {_show(mean_shape)} and "
                  f"{_show(variance_shape)}", at="variance")
    if len(mean_shape) > len(kept):
        call.fail(f"mean has {len(mean_shape)} axes ({_show(mean_shape)}) but axis keeps "
                  f"{len(kept)}", at="mean")
    _fits_kept_axes(call, x, kept, mean_shape)
    return LayerResult(shape=x, receptive=KEEP)


def _fits_kept_axes(call: Call, x: tuple, kept: tuple, mean_shape: tuple) -> None:
    """Keras reshapes mean to the input's rank, its axes placed on the kept axes right to
    left (a repeated axis takes the leftmost entry), then broadcasts it to their sizes."""
    placed: dict[int, int] = {}
    for i in range(1, len(mean_shape) + 1):
        placed[kept[-i]] = mean_shape[-i]
    if product(placed.values()) != product(mean_shape):
        call.fail(f"mean of shape {_show(mean_shape)} cannot be placed on the kept axes "
                  f"{kept} (an axis named twice gets one of its sizes)", at="mean")
    for axis, m in placed.items():
        if m != 1:
            call.require(algebra.equal(x[axis], m), lambda a=axis, m=m: (
                f"mean of shape {_show(mean_shape)} does not broadcast to the kept axes: "
                f"axis {a} has size {x[a]}, the mean {m} (each must be 1 or the axis size)"),
                at="mean")


# -- images --------------------------------------------------------------------------------


def _image_axes(call: Call, x: tuple) -> tuple[int, int]:
    """(height axis, width axis) of a 4-D batch or a 3-D single image."""
    if len(x) not in (3, 4):
        call.fail(f"expects images: 4-D input (batch, height, width, channels), or 3-D "
                  f"taken as one image, got {len(x)}-D input of shape {_show(x)}")
    if "data_format" in call.arguments and not channels_last(call):
        return len(x) - 2, len(x) - 1
    return len(x) - 3, len(x) - 2


def _with_size(x: tuple, axes: tuple[int, int], height, width, call: Call) -> tuple:
    call.explain("H_out", "height", height, height=height)
    call.explain("W_out", "width", width, width=width)
    out = list(x)
    out[axes[0]], out[axes[1]] = height, width
    return tuple(out)


def _size(call: Call, name: str, minimum: int):
    return call.int(name, minimum, " (the output size on that axis)")


@register(KERAS, keras_signature(
    "Resizing", "height", "width", interpolation="bilinear", crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, antialias=False,
    data_format=None))
def resizing(call: Call, x: tuple) -> LayerResult:
    height, width = _size(call, "height", 1), _size(call, "width", 1)
    axes = _image_axes(call, x)
    call.choice("interpolation", RESIZE_INTERPOLATIONS)
    if call["fill_mode"] != "constant":
        call.fail(f"fill_mode must be 'constant' (the only one resizing supports), got "
                  f"{call['fill_mode']!r}", at="fill_mode")
    if call.flag("crop_to_aspect_ratio") and call.flag("pad_to_aspect_ratio"):
        call.fail("only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be True",
                  at="pad_to_aspect_ratio")
    return LayerResult(shape=_with_size(x, axes, height, width, call), receptive=GLOBAL)


def _crop_field(x: tuple, axes: tuple[int, int], targets: tuple):
    """A centred crop: kernel 1, left padding -floor((L - target)/2); a resize (GLOBAL)
    when the target is larger than the input on some axis."""
    lengths = tuple(x[a] for a in axes)
    if any(L is None or algebra.truth(t <= L) is False for L, t in zip(lengths, targets)):
        return GLOBAL
    return Window((1, 1), (1, 1), tuple(-floordiv(L - t, 2) for L, t in zip(lengths, targets)))


def _no_zero_resize(call: Call, resized: bool, height, width) -> None:
    """Reaching the target by resizing divides by the target's height and width (its
    aspect ratio): a 0 there is a ZeroDivisionError when the layer runs."""
    if not resized:
        return
    for name, value in (("height", height), ("width", width)):
        call.require(value >= 1, lambda n=name, v=value: (
            f"{n} {v} cannot be reached by resizing (the input is smaller than the target "
            f"{height}x{width} on some axis, and the aspect ratio divides by {n})"), at=name)


@register(KERAS, keras_signature("CenterCrop", "height", "width", data_format=None))
def center_crop(call: Call, x: tuple) -> LayerResult:
    height, width = _size(call, "height", 0), _size(call, "width", 0)
    axes = _image_axes(call, x)
    lengths = tuple(x[a] for a in axes)
    resized = any(L is None or algebra.truth(t > L) is True  # None: the batch, any size
                  for t, L in zip((height, width), lengths))
    _no_zero_resize(call, resized, height, width)
    return LayerResult(shape=_with_size(x, axes, height, width, call),
                       receptive=_crop_field(x, axes, (height, width)))


@register(KERAS, keras_signature("RandomCrop", "height", "width", seed=None, data_format=None,
                                 name=None))
def random_crop(call: Call, x: tuple) -> LayerResult:
    height, width = _size(call, "height", 0), _size(call, "width", 0)
    axes = _image_axes(call, x)
    lengths = tuple(x[a] for a in axes)
    # the random window needs room on both axes (strictly); otherwise Keras crops the
    # largest window of the target's aspect ratio and resizes it
    resized = any(L is None or algebra.truth(L > t) is False  # None: the batch, any size
                  for t, L in zip((height, width), lengths))
    _no_zero_resize(call, resized, height, width)
    return LayerResult(shape=_with_size(x, axes, height, width, call),
                       receptive=_crop_field(x, axes, (height, width)))


# -- random augmentation -------------------------------------------------------------------


def _factor_pair(call: Call, name: str) -> tuple | None:
    """A number (returned as a 1-tuple) or a pair of numbers; None when neither."""
    value = call[name]
    if _is_number(value):
        return (value,)
    if isinstance(value, tuple) and len(value) == 2 and all(map(_is_number, value)):
        return value
    return None


def _base_factor(call: Call, low: float, high: float, none_is_zero: bool = True) -> None:
    """BaseImagePreprocessingLayer._set_factor: a number in [low, high], or a pair that
    does not lie wholly outside it (checked unsorted: first > high or second < low)."""
    if call["factor"] is None and none_is_zero:  # the base layer uses `factor or 0.0`
        return
    pair = _factor_pair(call, "factor")
    message = f"factor must be a number, or a pair of numbers, in the range [{low}, {high}]," \
              f" got {call['factor']}"
    if pair is None:
        call.fail(message, at="factor")
    if len(pair) == 1:
        call.require(pair[0] >= low, message, at="factor")
        call.require(pair[0] <= high, message, at="factor")
    else:  # refused only when the pair lies wholly outside, as Keras tests it
        call.require(pair[0] <= high, message, at="factor")
        call.require(pair[1] >= low, message, at="factor")


def _each_factor(call: Call, name: str, low_open: bool) -> None:
    """RandomZoom (-1, 1] / RandomTranslation [-1, 1]: a number or a pair, each inside."""
    pair = _factor_pair(call, name)
    interval = "(-1, 1]" if low_open else "[-1, 1]"
    message = f"{name} must be a number, or a pair of numbers, in the range {interval}, " \
              f"got {call[name]}"
    if pair is None:
        call.fail(message, at=name)
    for f in pair:
        call.require(f > -1 if low_open else f >= -1, message, at=name)
        call.require(f <= 1, message, at=name)


def _affine_options(call: Call) -> None:
    call.choice("fill_mode", FILL_MODES)
    call.choice("interpolation", AFFINE_INTERPOLATIONS)


def _value_range(call: Call, strict: bool) -> None:
    """RandomBrightness checks a pair at construction; RandomContrast indexes [0] and [1]
    when it runs (so a longer tuple passes)."""
    value = call["value_range"]
    ok = isinstance(value, tuple) and (len(value) == 2 if strict else len(value) >= 2)
    if not ok:
        call.fail(f"value_range must be a pair of numbers (low, high), got {value}",
                  at="value_range")


def _augmentation(call: Call, x: tuple, field) -> LayerResult:
    _image_axes(call, x)
    return LayerResult(shape=x, receptive=field)


@register(KERAS, keras_signature("RandomFlip", mode="horizontal_and_vertical", seed=None,
                                 data_format=None))
def random_flip(call: Call, x: tuple) -> LayerResult:
    return _augmentation(call, x, KEEP)


@register(KERAS, keras_signature("RandomRotation", "factor", fill_mode="reflect",
                                 interpolation="bilinear", seed=None, fill_value=0.0,
                                 data_format=None))
def random_rotation(call: Call, x: tuple) -> LayerResult:
    _base_factor(call, -1, 1)
    _affine_options(call)
    return _augmentation(call, x, GLOBAL)


@register(KERAS, keras_signature("RandomZoom", "height_factor", width_factor=None,
                                 fill_mode="reflect", interpolation="bilinear", seed=None,
                                 fill_value=0.0, data_format=None))
def random_zoom(call: Call, x: tuple) -> LayerResult:
    _each_factor(call, "height_factor", low_open=True)
    if call["width_factor"] is not None:
        _each_factor(call, "width_factor", low_open=True)
    _affine_options(call)
    return _augmentation(call, x, GLOBAL)


@register(KERAS, keras_signature("RandomTranslation", "height_factor", "width_factor",
                                 fill_mode="reflect", interpolation="bilinear", seed=None,
                                 fill_value=0.0, data_format=None))
def random_translation(call: Call, x: tuple) -> LayerResult:
    _each_factor(call, "height_factor", low_open=False)
    _each_factor(call, "width_factor", low_open=False)
    _affine_options(call)
    return _augmentation(call, x, GLOBAL)


@register(KERAS, keras_signature("RandomContrast", "factor", value_range=(0, 255), seed=None))
def random_contrast(call: Call, x: tuple) -> LayerResult:
    _base_factor(call, 0, 1, none_is_zero=False)  # checked by its own __init__
    _value_range(call, strict=False)
    return _augmentation(call, x, GLOBAL)


@register(KERAS, keras_signature("RandomBrightness", "factor", value_range=(0, 255),
                                 seed=None))
def random_brightness(call: Call, x: tuple) -> LayerResult:
    _base_factor(call, -1, 1)
    _value_range(call, strict=True)
    return _augmentation(call, x, KEEP)


# -- Attention, AdditiveAttention ----------------------------------------------------------


def _attention_inputs(call: Call, shapes: tuple) -> tuple[tuple, tuple, tuple]:
    if len(shapes) == 1:
        call.fail(f"must be called on a list of inputs, [query, value] or [query, value, key], "
                  f"got one tensor of shape {_show(shapes[0])}: write e.g. "
                  f"`{call.name}()([q, v])`")
    if len(shapes) > 3:
        call.fail(f"accepts 2 or 3 inputs, [query, value] or [query, value, key], got "
                  f"{len(shapes)}")
    query, value = shapes[0], shapes[1]
    key = shapes[2] if len(shapes) == 3 else value
    return query, value, key


def _attention_shape(call: Call, query: tuple, value: tuple, key: tuple, dot: bool) -> tuple:
    names = (("query", query), ("value", value), ("key", key))
    for name, shape in names[1:]:
        if len(shape) != len(query):
            call.fail(f"query and {name} must have the same rank, got query {_show(query)} "
                      f"and {name} {_show(shape)}")
    middle = []
    for axis in range(1, len(query) - 2):  # between batch and time: broadcast like matmul
        sizes = [s[axis] for _, s in names]
        size = 1
        for candidate in sizes:
            if algebra.truth(algebra.equal(candidate, 1)) is True:
                continue
            if size == 1:
                size = candidate
            else:
                call.require(algebra.equal(candidate, size), lambda a=axis: (
                    f"axis {a} does not broadcast: query {_show(query)}, value {_show(value)}, "
                    f"key {_show(key)} (sizes must be equal or 1)"))
        middle.append(size)
    features, key_features = query[-1], key[-1]
    if dot:
        call.require(algebra.equal(features, key_features), lambda: (
            f"the query's features ({features}) must equal the key's ({key_features}) for "
            f"the dot-product scores: query {_show(query)}, key {_show(key)}"))
    else:
        call.require(algebra.any_of(algebra.equal(features, key_features),
                                    algebra.equal(features, 1), algebra.equal(key_features, 1)),
                     lambda: (f"the query's features ({features}) and the key's "
                              f"({key_features}) must be equal or 1 to add them: query "
                              f"{_show(query)}, key {_show(key)}"))
    if len(query) > 2:
        call.require(algebra.equal(value[-2], key[-2]), lambda: (
            f"value and key must have the same number of time steps, got value "
            f"{_show(value)} and key {_show(key)}"))
        return (query[0], *middle, query[-2], value[-1])
    return (query[0], value[-1])  # 2-D: the batch axis acts as the time axis


def _explain_attention(call: Call, query: tuple, value: tuple, key: tuple, out: tuple, macs,
                       dot: bool) -> None:
    """MACs: the scores Q·Kᵀ (dot mode) and the weighted sum of the values, per batch."""
    if not call.explaining:
        return
    lead, tq, tv = _attention_sizes(query, key, out)
    call.explain("D_out", "D_v", value[-1], D_v=value[-1], rule="the value's features")
    call.explain("MACs", "B*T_q*T_v*D + B*T_q*T_v*D_v" if dot else "B*T_q*T_v*D_v", macs,
                 counting=True, B=lead, T_q=tq, T_v=tv, D=query[-1], D_v=value[-1],
                 rule="scores Q·Kᵀ, then the weighted values" if dot else
                 "the weighted values (additive scores are not a matmul)")


def _attention_sizes(query: tuple, key: tuple, out: tuple) -> tuple:
    """(batches, query steps, value steps) of the score matrix."""
    if len(query) == 2:  # scores (B, B): the batch is the time axis
        return 1, batch_of(query), batch_of(key)
    return batch_of(out) * product(out[1:-2]), query[-2], key[-2]


def _attention_macs(query: tuple, value: tuple, key: tuple, out: tuple, dot: bool):
    lead, tq, tv = _attention_sizes(query, key, out)
    scores = lead * tq * tv * query[-1] if dot else 0
    return scores + lead * tq * tv * value[-1]


@register(KERAS, keras_signature("Attention", use_scale=False, score_mode="dot", dropout=0.0,
                                 seed=None), merge=True)
def attention(call: Call, shapes: tuple) -> LayerResult:
    use_scale = call.flag("use_scale")
    mode = call.choice("score_mode", ("dot", "concat"))
    query, value, key = _attention_inputs(call, shapes)
    out = _attention_shape(call, query, value, key, dot=mode == "dot")
    macs = _attention_macs(query, value, key, out, dot=mode == "dot")
    _explain_attention(call, query, value, key, out, macs, dot=mode == "dot")
    call.explain("params", "scale + concat", int(use_scale) + int(mode == "concat"),
                 scale=int(use_scale), concat=int(mode == "concat"),
                 rule="a scalar scale (use_scale), a scalar concat_score_weight "
                      "(score_mode='concat')")
    return LayerResult(shape=out, trainable=int(use_scale) + int(mode == "concat"),
                       macs=macs,
                       receptive=GLOBAL)


# AdditiveAttention forwards **kwargs to Attention, so score_mode and seed are accepted
# (and validated) though its own scores ignore score_mode.
@register(KERAS, signature("AdditiveAttention", use_scale=True, dropout=0.0,
                           keyword_only={**KERAS_BASE_KWARGS, "score_mode": "dot",
                                         "seed": None}), merge=True)
def additive_attention(call: Call, shapes: tuple) -> LayerResult:
    use_scale = call.flag("use_scale")
    call.choice("score_mode", ("dot", "concat"))
    query, value, key = _attention_inputs(call, shapes)
    out = _attention_shape(call, query, value, key, dot=False)
    macs = _attention_macs(query, value, key, out, dot=False)
    _explain_attention(call, query, value, key, out, macs, dot=False)
    if use_scale:
        call.explain("params", "D", query[-1], D=query[-1], rule="a scale per query feature")
    return LayerResult(shape=out, trainable=query[-1] if use_scale else 0,
                       macs=macs,
                       receptive=GLOBAL)
