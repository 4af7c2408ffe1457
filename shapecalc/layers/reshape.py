"""Layers that move elements without arithmetic: Flatten, Unflatten/Reshape, padding,
cropping, upsampling, pixel and channel shuffles. None has parameters; all count 0 MACs
(FlopCounterMode counts no padding, copy or upsampling op).

PyTorch
- Flatten(start_dim=1, end_dim=-1): dims wrap like Python indices over the input's rank
  (a 1-D input has rank 1, so the default start_dim=1 is out of range); the dims
  start..end become their product. start after end is refused.
- Unflatten(dim, sizes): sizes is a non-empty tuple of ints; one -1 is inferred; the sizes
  must multiply out to the dimension.
- Pads take an int (every side) or a tuple (left, right, top, bottom, front, back) whose
  length alone decides how many trailing dims are padded (``ZeroPad2d((1, 2))`` pads only
  the last dim). Per padded dim L' = L + left + right; negative values crop.
  - Zero/Constant: any rank with 2·rank ≥ len(padding); the crops are narrows, so
    L + min(left, 0) + min(right, 0) ≥ 0 (a 0-size output is accepted).
  - Reflection/Replication/Circular: a padding of length 2k needs a (k+1)-D or (k+2)-D
    input. Reflection needs each pad < L. Reflection and Replication refuse a negative
    output, and refuse when no padded dim keeps a size ≥ 1. Circular needs the rank of its
    class (CircularPad2d: 3-D or 4-D), each pad ≤ L (no wrapping twice), L' ≥ 0, and its
    slice copies to line up (replayed here exactly with PyTorch's slice rules).
- Upsample(size, scale_factor, mode, align_corners, recompute_scale_factor): input
  (N, C, *spatial) with 1–3 spatial dims; linear needs 3-D, bilinear/bicubic 4-D,
  trilinear 5-D, nearest/nearest-exact/area 3/4/5-D; lanczos needs antialias, which the
  module cannot pass. Exactly one of size and scale_factor (a scale of 0 counts as unset);
  output = size, or floor(L·scale) computed in double precision as PyTorch does. Output
  must be > 0 (area, an adaptive average pool, accepts 0). align_corners only for
  linear/bilinear/bicubic/trilinear. UpsamplingNearest2d / UpsamplingBilinear2d are
  Upsample with mode nearest / bilinear (align_corners=True), with the same rank rules.
- PixelShuffle(r): (*, C·r², H, W) → (*, C, H·r, W·r); PixelUnshuffle(r) the inverse, H and
  W divisible by r. ChannelShuffle(g): dim 1 divisible by g, rank ≥ 3, shape unchanged.

Keras (batch None excluded from every argument)
- Flatten: (B, d1, …) → (B, ∏d), and (B,) → (B, 1). Reshape(target_shape): at most one -1,
  other entries ≥ 0, total size unchanged. Permute(dims): a permutation of 1..n, input rank
  n+1. RepeatVector(n): (B, F) → (B, n, F).
- ZeroPaddingND: int, tuple of N ints (symmetric) or N pairs; each tuple entry must be
  ≥ 0 (refused at construction). A negative *int* is accepted at construction by
  ZeroPadding2D/3D and shape inference reports the cropped shape, but calling the layer on
  data fails in TensorFlow's pad; we refuse it, because the model cannot run (use
  CroppingND). CroppingND: same forms, entries ≥ 0, and the total crop of an axis must be
  smaller than the axis. UpSamplingND(size): L·size, size ≥ 1; UpSampling2D's
  interpolation must be one of TensorFlow's resize methods (checked when called).

Receptive field
- Padding and cropping: a window of kernel 1, stride 1 and left padding p per padded axis
  (p negative for a crop: the first output is input position |p|).
- Upsampling by a step r (input pixels per output pixel, r = 1/scale): kernel 1, stride r.
  The start offset follows the half-pixel convention: output pixel j covers the input
  interval [j·r, (j+1)·r), whose centre is (j + 1/2)·r − 1/2 in input pixel coordinates, so
  the left padding is (1 − r)/2. This is exact for bilinear/nearest-exact sampling, the
  least-squares fit of the staircase of nearest, and it makes an upsample by s followed by
  an s×s stride-s pool start where the input did. align_corners=True maps output j to
  input j·(L−1)/(L'−1) exactly: stride (L−1)/(L'−1), padding 0. PixelShuffle is an upsample
  by r on the last two axes; PixelUnshuffle a window of kernel r, stride r.
- Flatten, Unflatten, Reshape, RepeatVector: GLOBAL (positions leave the spatial axes).
  Permute: GLOBAL (the field is not tracked across reordered axes), KEEP for the identity.
  ChannelShuffle: KEEP.
"""

from __future__ import annotations

import math
from fractions import Fraction

from shapecalc import algebra
from shapecalc.algebra import floordiv, minimum, product
from shapecalc.layers.base import (
    GLOBAL,
    KEEP,
    KERAS,
    PYTORCH,
    Call,
    LayerResult,
    Window,
    channels_last,
    keras_signature,
    rank_error,
    register,
    signature,
    split_spatial,
)

_ORDINALS = ("1st", "2nd", "3rd")


# -- small shared helpers ---------------------------------------------------------------


def _is_integer(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if type(value) is int:
        return True
    if isinstance(value, (float, str, tuple, Fraction, type(None))) or \
            not algebra.is_symbolic(value):
        return False
    return bool(getattr(value, "is_integer", False))


def _exact_quotient(a, b):
    """a / b when b divides a: an int for ints, an expression for symbols."""
    if type(a) is int and type(b) is int:
        return a // b
    return algebra.divide(a, b)


def _show(value) -> str:
    if isinstance(value, tuple):
        return algebra.show_shape(value)
    return str(value)


def _literal_int(call: Call, name: str) -> int:
    value = call[name]
    if type(value) is not int:
        call.fail(f"{name} must be an integer, got {_show(value)}", at=name)
    return value


def _wrap_dim(call: Call, dim: int, rank: int, name: str) -> int:
    """PyTorch's maybe_wrap_dim: -rank ≤ dim < rank."""
    low, high = -max(rank, 1), max(rank, 1) - 1
    if not low <= dim <= high:
        call.fail(f"{name}={dim} is out of range for a {rank}-D input: dimension out of "
                  f"range (expected to be in range of [{low}, {high}], but got {dim})",
                  at=name)
    return dim + rank if dim < 0 else dim


def _half_pixel_window(steps) -> Window:
    """Upsampling by input steps r per output pixel: kernel 1, stride r, padding (1−r)/2."""
    steps = tuple(steps)
    return Window((1,) * len(steps), steps,
                  tuple(algebra.divide(1 - r, 2) for r in steps))


def _shift_window(befores) -> Window:
    """Padding (p > 0) or cropping (p < 0): kernel 1, stride 1, left padding p."""
    befores = tuple(befores)
    return Window((1,) * len(befores), (1,) * len(befores), befores)


# -- PyTorch: Flatten, Unflatten ----------------------------------------------------------


@register(PYTORCH, signature("Flatten", start_dim=1, end_dim=-1))
def torch_flatten(call: Call, x: tuple) -> LayerResult:
    start = _wrap_dim(call, _literal_int(call, "start_dim"), len(x), "start_dim")
    end = _wrap_dim(call, _literal_int(call, "end_dim"), len(x), "end_dim")
    if start > end:
        call.fail(f"start_dim cannot come after end_dim: they refer to dims {start} and "
                  f"{end} of the {len(x)}-D input {algebra.show_shape(x)}")
    merged = product(x[start:end + 1])
    _explain_flatten(call, x[start:end + 1], merged)
    return LayerResult(shape=(*x[:start], merged, *x[end + 1:]), receptive=GLOBAL)


def _explain_flatten(call: Call, dims: tuple, merged) -> None:
    names = [f"d_{i}" for i in range(1, len(dims) + 1)]
    if len(dims) > 1:
        call.explain("features", "*".join(names), merged, counting=True, **dict(zip(names, dims)))


@register(PYTORCH, signature("Unflatten", "dim", "unflattened_size"))
def torch_unflatten(call: Call, x: tuple) -> LayerResult:
    sizes = call["unflattened_size"]
    if not isinstance(sizes, tuple):
        call.fail(f"unflattened_size must be a tuple of ints, got {_show(sizes)}",
                  at="unflattened_size")
    if not all(_is_integer(s) for s in sizes):
        call.fail(f"unflattened_size must be a tuple of ints, got {_show(sizes)}",
                  at="unflattened_size")
    dim = _wrap_dim(call, _literal_int(call, "dim"), len(x), "dim")
    if not sizes:
        call.fail("unflattened_size must be non-empty", at="unflattened_size")
    length = x[dim]
    resolved = _infer_size(call, sizes, length, "unflattened_size", lambda: (
        f"unflattened_size {_show(sizes)} does not multiply up to the size of dim {dim} "
        f"({length}) of the input {algebra.show_shape(x)}"))
    names = [f"u_{i}" for i in range(1, len(resolved) + 1)]
    call.explain("shape", f"({', '.join(names)})", tuple(resolved),
                 rule=f"dim {dim} of size {algebra.show(length)} becomes",
                 **dict(zip(names, resolved)))
    return LayerResult(shape=(*x[:dim], *resolved, *x[dim + 1:]), receptive=GLOBAL)


def _infer_size(call: Call, sizes: tuple, total, name: str, mismatch) -> tuple:
    """PyTorch's infer_size: at most one -1, no other negative entry, product = total."""
    unknown = [i for i, s in enumerate(sizes) if type(s) is int and s == -1]
    if len(unknown) > 1:
        call.fail(f"only one dimension can be inferred: {name}={_show(sizes)} has "
                  f"{len(unknown)} entries of -1", at=name)
    for i, s in enumerate(sizes):
        if i not in unknown:
            call.require(s >= 0, lambda i=i, s=s: (
                f"invalid shape dimension {s} at index {i} of {name}={_show(sizes)} (sizes "
                f"must be ≥ 0, or -1 once)"), at=name)
    known = product(s for i, s in enumerate(sizes) if i not in unknown)
    if not unknown:
        call.require(algebra.equal(known, total), mismatch, at=name)
        return sizes
    call.require(known != 0 if type(known) is int else True, mismatch, at=name)
    call.require(algebra.divisible(total, known), mismatch, at=name)
    inferred = _exact_quotient(total, known)
    return tuple(inferred if i in unknown else s for i, s in enumerate(sizes))


# -- PyTorch: padding ------------------------------------------------------------------------

_PAD_SIDES = ("left", "right", "top", "bottom", "front", "back")


def _torch_padding(call: Call, n: int) -> tuple:
    """An int for every side, or a tuple of any length (its length decides the dims)."""
    value = call["padding"]
    if _is_integer(value):
        return (value,) * (2 * n)
    if isinstance(value, tuple) and all(_is_integer(v) for v in value):
        return value
    call.fail(f"padding must be an int or a tuple of {2 * n} ints "
              f"({', '.join(_PAD_SIDES[:2 * n])}), got {_show(value)}", at="padding")


def _padded_axes(call: Call, x: tuple, pad: tuple) -> list[tuple[int, object, object]]:
    """(axis, before, after) for each padded axis, first axis first. The tuple pads the
    last dim with its first pair, the one before with the next pair, and so on."""
    if len(pad) % 2:
        call.fail(f"padding length must be divisible by 2, got {len(pad)} values "
                  f"{_show(pad)}", at="padding")
    if len(pad) > 2 * len(x):
        call.fail(f"padding of length {len(pad)} is more than two times the input "
                  f"dimension {len(x)} (input {algebra.show_shape(x)})", at="padding")
    k = len(pad) // 2
    return [(len(x) - 1 - i, pad[2 * i], pad[2 * i + 1]) for i in reversed(range(k))]


def _axis_name(axis: int) -> str:
    return f"dim {axis}"


_SPATIAL = ("D", "H", "W")


def _explain_edges(call: Call, lengths, pairs, outs, *, crop: bool = False) -> None:
    """Each padded (or cropped) axis: L_out = L + p_l + p_r (L − c_l − c_r), the axes named
    as the spatial ones (the last is W)."""
    names = _SPATIAL[-len(lengths):] if 0 < len(lengths) <= 3 else \
        tuple(f"L_{i}" for i in range(len(lengths)))
    if len(lengths) == 1:
        names = ("L",)
    template = "{0} - c_l - c_r" if crop else "{0} + p_l + p_r"
    for name, length, (before, after), out in zip(names, lengths, pairs, outs):
        edges = {"c_l": before, "c_r": after} if crop else {"p_l": before, "p_r": after}
        call.explain(f"{name}_out", template.format(name), out, **{name: length}, **edges)


def _constant_pad(call: Call, x: tuple, axes) -> tuple:
    out = list(x)
    for axis, before, after in axes:
        length = x[axis]
        kept = length + minimum(before, 0) + minimum(after, 0)
        call.require(kept >= 0, lambda length=length, before=before, after=after, axis=axis: (
            f"padding ({before}, {after}) crops more than the size {length} of "
            f"{_axis_name(axis)} of the input {algebra.show_shape(x)}"), at="padding")
        out[axis] = length + before + after
    return tuple(out)


def _non_constant_rank(call: Call, x: tuple, pad: tuple, mode: str) -> None:
    k = len(pad) // 2
    if k not in (1, 2, 3) or len(x) not in (k + 1, k + 2):
        if k in (1, 2, 3):
            need = f"a {k + 1}-D (unbatched) or {k + 2}-D (batched) input"
        else:
            need = "a length of 2, 4 or 6"
        call.fail(f"{mode} padding of length {len(pad)} is not supported for a "
                  f"{len(x)}-D input {algebra.show_shape(x)}: it needs {need} (lengths "
                  f"2, 4, 6 pad the last 1, 2, 3 dims of a 2/3-D, 3/4-D, 4/5-D input)",
                  at="padding")


def _reflect_or_replicate(call: Call, x: tuple, axes, mode: str) -> tuple:
    out = list(x)
    for axis, before, after in axes:
        length = x[axis]
        if mode == "reflect":
            for p in (before, after):
                call.require(p < length, lambda p=p, length=length, axis=axis, before=before,
                             after=after: (
                    f"reflection padding {p} must be less than the size {length} of "
                    f"{_axis_name(axis)} (padding ({before}, {after}), input "
                    f"{algebra.show_shape(x)})"), at="padding")
        out[axis] = length + before + after
        call.require(out[axis] >= 0, lambda axis=axis, length=length, before=before,
                     after=after: (f"padding ({before}, {after}) gives {_axis_name(axis)} a "
                                   f"negative size {length} + {before} + {after} = "
                                   f"{out[axis]}"), at="padding")
    sizes = [out[axis] for axis, _, _ in axes]
    # PyTorch refuses only when every padded dim ends below 1 (its check is an "or").
    if not any(algebra.truth(s >= 1) is not False for s in sizes):
        shown = ", ".join(str(s) for s in sizes)
        call.fail(f"input {algebra.show_shape(x)} is too small: the padded dims would be "
                  f"({shown}), and at least one must be ≥ 1", at="padding")
    return tuple(out)


def _slice(size: int, start: int, end: int) -> tuple[int, int]:
    """(start, length) of PyTorch's tensor.slice(start, end): negative bounds wrap once,
    then clamp to the tensor."""
    if start < 0:
        start += size
    if end < 0:
        end += size
    start = min(max(start, 0), size)
    end = min(max(end, start), size)
    return start, end - start


def _copy_fails(target: tuple[int, int], source: tuple[int, int], same_tensor: bool) -> bool:
    """Whether target.copy_(source) raises: the source must match the target's length or
    broadcast from 1, and two dense views of one tensor must not partly overlap."""
    (t_start, t_len), (s_start, s_len) = target, source
    if s_len not in (t_len, 1):
        return True
    if not same_tensor or t_len == 0 or s_len == 0:
        return False
    if (t_start, t_len) == (s_start, s_len):
        return False  # the very same view: copy_ returns early
    return t_start < s_start + s_len and s_start < t_start + t_len


def _circular_copies_fail(length: int, before: int, after: int, overlap_checked: bool) -> bool:
    """Replays _pad_circular's slice copies on one axis: the kept input into the middle,
    then the wrapped ends, which copy views of the output onto itself."""
    out = length + before + after
    if _copy_fails(_slice(out, max(before, 0), out - max(after, 0)),
                   _slice(length, max(-before, 0), length - max(-after, 0)), False):
        return True
    if before > 0 and _copy_fails(_slice(out, 0, before),
                                  _slice(out, out - before - max(after, 0), out - max(after, 0)),
                                  overlap_checked):
        return True
    return after > 0 and _copy_fails(_slice(out, out - after, out),
                                     _slice(out, max(before, 0), max(before, 0) + after),
                                     overlap_checked)


def _circular(call: Call, x: tuple, axes) -> tuple:
    out = list(x)
    for axis, before, after in axes:
        length = x[axis]
        for p in (before, after):
            call.require(p <= length, lambda p=p, length=length, axis=axis, before=before, after=after: (
                f"circular padding {p} is larger than the size {length} of "
                f"{_axis_name(axis)}: padding would wrap around more than once"),
                at="padding")
        out[axis] = length + before + after
        call.require(out[axis] >= 0, lambda axis=axis, length=length, before=before,
                     after=after: (f"negative circular padding ({before}, {after}) leaves "
                                   f"{_axis_name(axis)} of size {length} with a negative "
                                   f"size {out[axis]}"), at="padding")
    for axis, before, after in axes:
        length = x[axis]

        def explain(axis=axis, length=length, before=before, after=after) -> str:
            return (f"circular padding ({before}, {after}) on {_axis_name(axis)} of size "
                    f"{length}: PyTorch's copies of the kept and wrapped parts do not line "
                    f"up (they overlap or differ in length); crop and pad in separate layers")

        if all(type(v) is int for v in (length, before, after, *out)):
            # PyTorch tests two views of one tensor for overlap only when they are dense
            # (every dim before this one has size 1) and not empty
            others = product(out[:axis]) * product(out[axis + 1:])
            checked = product(out[:axis]) == 1 and others != 0
            call.require(not _circular_copies_fail(length, before, after, checked), explain,
                         at="padding")
        else:
            call.require(length + minimum(before, 0) + minimum(after, 0) >= 0, explain,
                         at="padding")
    return tuple(out)


def _torch_pad(n: int, kind: str):
    mode = {"Zero": "constant", "Constant": "constant", "Reflection": "reflect",
            "Replication": "replicate", "Circular": "circular"}[kind]
    required = ("padding", "value") if kind == "Constant" else ("padding",)
    sig = signature(f"{kind}Pad{n}d", *required)

    @register(PYTORCH, sig)
    def pad(call: Call, x: tuple) -> LayerResult:
        padding = _torch_padding(call, n)
        if kind == "Constant":
            call.number("value")
        if kind == "Circular" and len(x) not in (n + 1, n + 2):
            rank_error(call, x, f"{n + 1}-D (unbatched) or {n + 2}-D (batched)")
        axes = _padded_axes(call, x, padding)
        if mode == "constant":
            shape = _constant_pad(call, x, axes)
        else:
            _non_constant_rank(call, x, padding, kind.lower())
            if mode == "circular":
                shape = _circular(call, x, axes)
            else:
                shape = _reflect_or_replicate(call, x, axes, mode)
        _explain_edges(call, [x[a] for a, _, _ in axes], [(b, e) for _, b, e in axes],
                       [shape[a] for a, _, _ in axes])
        return LayerResult(shape=shape, receptive=_shift_window(b for _, b, _ in axes))

    return pad


for _kind in ("Zero", "Constant", "Reflection", "Replication", "Circular"):
    for _n in (1, 2, 3):
        _torch_pad(_n, _kind)


# -- PyTorch: Upsample ------------------------------------------------------------------------

_MODE_RANKS = {"nearest": (3, 4, 5), "nearest-exact": (3, 4, 5), "area": (3, 4, 5),
               "linear": (3,), "bilinear": (4,), "bicubic": (4,), "trilinear": (5,)}
_INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")


def _optional_flag(call: Call, name: str) -> bool | None:
    return None if call[name] is None else call.flag(name)


def _scale_values(call: Call, n: int):
    """scale_factor as PyTorch stores it (float(s), and a falsy scalar means unset)."""
    value = call["scale_factor"]
    if value is None:
        return None
    if isinstance(value, tuple):
        items = value
    else:
        items = (value,)
    for item in items:
        if isinstance(item, bool):
            continue
        if not isinstance(item, (int, float, Fraction)) and not _is_integer(item):
            call.fail(f"scale_factor must be a number or a tuple of numbers, got "
                      f"{_show(value)}", at="scale_factor")
    if not isinstance(value, tuple):
        if algebra.truth(value == 0) is True:  # `float(s) if s else None`
            return None
        return (value,) * n
    if len(value) != n:
        call.fail(f"scale_factor {_show(value)} has {len(value)} entries but the input has "
                  f"{n} spatial dims", at="scale_factor")
    return value


def _exact(value):
    """A scale as an exact number: floats by their decimal text (1.5 → 3/2)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return Fraction(repr(value))
    return value


def _scaled_length(length, scale):
    """floor(L·scale), computed as PyTorch does (a double product) when both are numbers."""
    if isinstance(scale, bool):
        scale = int(scale)
    if type(length) is int and isinstance(scale, (int, float, Fraction)):
        return math.floor(length * float(scale))
    exact = _exact(scale)
    if isinstance(exact, Fraction):
        return floordiv(length * exact.numerator, exact.denominator)
    return length * exact


def _upsample(call: Call, x: tuple, mode: str, align_corners: bool | None) -> LayerResult:
    size = call["size"]
    if mode in ("nearest", "nearest-exact", "area") and align_corners is not None:
        call.fail(f"align_corners can only be set with the interpolating modes linear, "
                  f"bilinear, bicubic, trilinear (mode={mode!r})", at="align_corners")
    recompute = _optional_flag(call, "recompute_scale_factor") \
        if "recompute_scale_factor" in call.arguments else None
    n = len(x) - 2
    scales = _scale_values(call, max(n, 0))
    if size is not None and scales is not None:
        call.fail("only one of size or scale_factor should be defined", at="size")
    if size is None and scales is None:
        call.fail("either size or scale_factor should be defined (a scale_factor of 0 "
                  "counts as not given)")
    if isinstance(size, tuple):
        if len(size) != n:
            call.fail(f"size {_show(size)} has {len(size)} entries but the input "
                      f"{algebra.show_shape(x)} has {max(n, 0)} spatial dims", at="size")
        sizes = size
    else:
        sizes = (size,) * max(n, 0) if size is not None else None
    if sizes is not None and not all(_is_integer(s) for s in sizes):
        call.fail(f"size must be an int or a tuple of ints, got {_show(size)}", at="size")
    if recompute and size is not None:
        call.fail("recompute_scale_factor is not meaningful with an explicit size",
                  at="recompute_scale_factor")
    if mode == "lanczos":
        call.fail("mode='lanczos' requires antialias=True, which nn.Upsample cannot pass",
                  at="mode")
    if mode not in _MODE_RANKS or len(x) not in _MODE_RANKS[mode]:
        if mode in _MODE_RANKS:
            ranks = ", ".join(f"{r}-D" for r in _MODE_RANKS[mode])
            ranks = ranks.replace(", 5-D", " or 5-D")
            problem = f"mode={mode!r} needs {ranks} input (N, C, *spatial)"
        else:
            problem = (f"mode must be one of {', '.join(repr(m) for m in _MODE_RANKS)}, got "
                       f"{mode!r}")
        call.fail(f"{problem}; got {len(x)}-D input {algebra.show_shape(x)}", at="mode")
    spatial = x[2:]
    if sizes is None:
        sizes = tuple(_scaled_length(L, s) for L, s in zip(spatial, scales))
    smallest, bound = (0, "at least 0 (area)") if mode == "area" else (1, "greater than 0")
    for out in sizes:
        call.require(out >= smallest, lambda: (
            f"output sizes should be {bound}, but got input {algebra.show_shape(spatial)} "
            f"and output {algebra.show_shape(sizes)}"), at="size" if size is not None else
            "scale_factor")
    steps = []
    for i, (L, out) in enumerate(zip(spatial, sizes)):
        if align_corners and mode in _INTERPOLATING and algebra.truth(out > 1) is not False:
            steps.append(algebra.divide(L - 1, out - 1))
        elif scales is not None and not recompute and algebra.truth(out > 0) is not False:
            steps.append(algebra.divide(1, _exact(scales[i])))
        elif algebra.truth(out > 0) is not False:
            steps.append(algebra.divide(L, out))
        else:
            steps.append(1)
    if align_corners and mode in _INTERPOLATING:
        receptive = Window((1,) * n, tuple(steps), (0,) * n)
    else:
        receptive = _half_pixel_window(steps)
    for name, length, out, i in zip(_SPATIAL[-n:] if n > 1 else ("L",), spatial, sizes,
                                    range(n)):
        if size is not None:
            call.explain(f"{name}_out", "size", out, size=out)
        else:
            call.explain(f"{name}_out", f"floor({name}*scale)", out, **{name: length},
                         scale=scales[i])
    return LayerResult(shape=(x[0], x[1], *sizes), receptive=receptive)


@register(PYTORCH, signature("Upsample", size=None, scale_factor=None, mode="nearest",
                             align_corners=None, recompute_scale_factor=None))
def torch_upsample(call: Call, x: tuple) -> LayerResult:
    mode = call["mode"]
    if not isinstance(mode, str):
        call.fail(f"mode must be a string, got {_show(mode)}", at="mode")
    align = _optional_flag(call, "align_corners")
    if mode in _INTERPOLATING and align is None:
        align = False
    return _upsample(call, x, mode, align)


@register(PYTORCH, signature("UpsamplingNearest2d", size=None, scale_factor=None))
def torch_upsampling_nearest(call: Call, x: tuple) -> LayerResult:
    return _upsample(call, x, "nearest", None)


@register(PYTORCH, signature("UpsamplingBilinear2d", size=None, scale_factor=None))
def torch_upsampling_bilinear(call: Call, x: tuple) -> LayerResult:
    return _upsample(call, x, "bilinear", True)


# -- PyTorch: pixel and channel shuffles ----------------------------------------------------


def _at_least_3d(call: Call, x: tuple) -> None:
    if len(x) < 3:
        rank_error(call, x, "at least 3-D (*, C, H, W)")


@register(PYTORCH, signature("PixelShuffle", "upscale_factor"))
def torch_pixel_shuffle(call: Call, x: tuple) -> LayerResult:
    r = call.int("upscale_factor")
    _at_least_3d(call, x)
    call.require(r > 0, lambda: f"upscale_factor must be positive, got {r}",
                 at="upscale_factor")
    *lead, c, h, w = x
    call.require(algebra.divisible(c, r * r), lambda: (
        f"the channel dim (size {c}, dim -3) must be divisible by upscale_factor² = "
        f"{r}² = {r * r}"), at="upscale_factor")
    call.explain("shape", "(C/r**2, H*r, W*r)", (_exact_quotient(c, r * r), h * r, w * r),
                 rule="the last three axes", C=c, H=h, W=w, r=r)
    return LayerResult(shape=(*lead, _exact_quotient(c, r * r), h * r, w * r),
                       receptive=_half_pixel_window((algebra.divide(1, r),) * 2))


@register(PYTORCH, signature("PixelUnshuffle", "downscale_factor"))
def torch_pixel_unshuffle(call: Call, x: tuple) -> LayerResult:
    r = call.int("downscale_factor")
    _at_least_3d(call, x)
    call.require(r > 0, lambda: f"downscale_factor must be positive, got {r}",
                 at="downscale_factor")
    *lead, c, h, w = x
    for name, length in (("height", h), ("width", w)):
        call.require(algebra.divisible(length, r), lambda name=name, length=length: (
            f"the {name} {length} must be divisible by downscale_factor {r}"),
            at="downscale_factor")
    call.explain("shape", "(C*r**2, H/r, W/r)",
                 (c * r * r, _exact_quotient(h, r), _exact_quotient(w, r)),
                 rule="the last three axes", C=c, H=h, W=w, r=r)
    return LayerResult(shape=(*lead, c * r * r, _exact_quotient(h, r), _exact_quotient(w, r)),
                       receptive=Window((r, r), (r, r), (0, 0)))


@register(PYTORCH, signature("ChannelShuffle", "groups"))
def torch_channel_shuffle(call: Call, x: tuple) -> LayerResult:
    g = call.int("groups")
    if len(x) < 3:
        rank_error(call, x, "at least 3-D (N, C, *)")
    call.require(g > 0, lambda: f"groups must be positive, got {g}", at="groups")
    c = x[1]
    call.require(algebra.divisible(c, g), lambda: (
        f"the number of channels (dim 1) must be divisible by groups: {c} channels and "
        f"{g} groups"), at="groups")
    return LayerResult(shape=tuple(x), receptive=KEEP)


# -- Keras: Flatten, Reshape, Permute, RepeatVector ------------------------------------------


@register(KERAS, keras_signature("Flatten", data_format=None))
def keras_flatten(call: Call, x: tuple) -> LayerResult:
    channels_last(call)  # validates data_format; the order changes, not the shape
    if len(x) < 1:
        rank_error(call, x, "at least 1-D (batch included)")
    features = product(x[1:]) if len(x) > 1 else 1
    _explain_flatten(call, x[1:], features)
    return LayerResult(shape=(x[0], features), receptive=GLOBAL)


@register(KERAS, keras_signature("Reshape", "target_shape"))
def keras_reshape(call: Call, x: tuple) -> LayerResult:
    target = call["target_shape"]
    if not isinstance(target, tuple) or not all(_is_integer(t) for t in target):
        call.fail(f"target_shape must be a tuple of ints (the batch excluded), got "
                  f"{_show(target)}", at="target_shape")
    unknown = [i for i, t in enumerate(target) if type(t) is int and t == -1]
    for t in target:
        call.require(t >= -1, lambda: (
            f"each dimension in target_shape must be a non-negative integer, or -1 for a "
            f"single unknown dimension; got target_shape={_show(target)}"), at="target_shape")
    if len(unknown) > 1:
        call.fail(f"there must be at most one unknown dimension (-1) in target_shape, got "
                  f"{_show(target)}", at="target_shape")
    total = product(x[1:])

    def mismatch() -> str:
        return (f"the total size of the tensor must be unchanged: the input "
                f"{algebra.show_shape(x)} has {total} elements per sample, which "
                f"target_shape={_show(target)} cannot hold")

    known = product(t for i, t in enumerate(target) if i not in unknown)
    if not unknown:
        call.require(algebra.equal(known, total), mismatch, at="target_shape")
        names = [f"t_{i}" for i in range(1, len(target) + 1)]
        call.explain("shape", f"({', '.join(['N', *names])})", (x[0], *target),
                     rule="target_shape after the batch", N=x[0], **dict(zip(names, target)))
        return LayerResult(shape=(x[0], *target), receptive=GLOBAL)
    call.require(known != 0 if type(known) is int else True, mismatch, at="target_shape")
    call.require(algebra.divisible(total, known), mismatch, at="target_shape")
    inferred = _exact_quotient(total, known)
    shape = tuple(inferred if i in unknown else t for i, t in enumerate(target))
    call.explain("inferred", "elements/known", inferred, rule="the -1 of target_shape",
                 counting=True, elements=total, known=known)
    return LayerResult(shape=(x[0], *shape), receptive=GLOBAL)


@register(KERAS, keras_signature("Permute", "dims"))
def keras_permute(call: Call, x: tuple) -> LayerResult:
    dims = call["dims"]
    if not isinstance(dims, tuple) or not all(type(d) is int for d in dims) or \
            sorted(dims) != list(range(1, len(dims) + 1)):
        call.fail(f"dims must be a permutation of 1..n (indices start at 1, the batch is "
                  f"excluded), got {_show(dims)}", at="dims")
    if len(x) != len(dims) + 1:
        rank_error(call, x, f"{len(dims) + 1}-D (batch included, to match dims={_show(dims)})")
    identity = list(dims) == sorted(dims)
    call.explain("shape", f"({', '.join(['N'] + [f'd_{d}' for d in dims])})",
                 (x[0], *(x[d] for d in dims)), rule=f"axes in the order {_show(dims)}",
                 N=x[0], **{f"d_{d}": x[d] for d in dims})
    return LayerResult(shape=(x[0], *(x[d] for d in dims)),
                       receptive=KEEP if identity else GLOBAL)


@register(KERAS, keras_signature("RepeatVector", "n"))
def keras_repeat_vector(call: Call, x: tuple) -> LayerResult:
    n = call.int("n")
    call.require(n > 0, lambda: f"n must be a positive integer, got {n}", at="n")
    if len(x) != 2:
        rank_error(call, x, "2-D (batch, features)")
    call.explain("shape", "(N, n, F)", (x[0], n, x[1]), N=x[0], n=n, F=x[1])
    return LayerResult(shape=(x[0], n, x[1]), receptive=GLOBAL)


# -- Keras: padding, cropping, upsampling -----------------------------------------------------


def _keras_pair(call: Call, name: str, value, label: str) -> tuple:
    """Keras' standardize_tuple(value, 2, allow_zero=True): an int or two ints, all ≥ 0."""
    if _is_integer(value):
        pair = (value, value)
    elif isinstance(value, tuple) and len(value) == 2 and all(_is_integer(v) for v in value):
        pair = value
    else:
        call.fail(f"the {label} must be an int or a tuple of 2 ints, got {_show(value)}",
                  at=name)
    for v in pair:
        call.require(v >= 0, lambda v=v: (
            f"the {label} must be ≥ 0, got {_show(value)} (value {v})"), at=name)
    return pair


def _keras_pairs(call: Call, name: str, n: int) -> tuple:
    """An int (every side), a tuple of n ints (symmetric) or n pairs (before, after)."""
    value = call[name]
    if n == 1:
        return (_keras_pair(call, name, value, name),)
    if _is_integer(value):
        return ((value, value),) * n
    if not isinstance(value, tuple):
        call.fail(f"{name} must be an int, a tuple of {n} ints or a tuple of {n} pairs, got "
                  f"{_show(value)}", at=name)
    if len(value) != n:
        call.fail(f"{name} should have {n} elements, got {_show(value)}", at=name)
    return tuple(_keras_pair(call, name, v, f"{_ORDINALS[i]} entry of {name}")
                 for i, v in enumerate(value))


def _keras_zero_padding(n: int):
    default = 1 if n == 1 else ((1, 1),) * n if n == 3 else (1, 1)
    sig = keras_signature(f"ZeroPadding{n}D", padding=default, data_format=None)

    @register(KERAS, sig)
    def zero_padding(call: Call, x: tuple) -> LayerResult:
        pairs = _keras_pairs(call, "padding", n)
        if n > 1 and _is_integer(call["padding"]):
            p = call["padding"]
            call.require(p >= 0, lambda: (
                f"negative padding {p}: Keras builds the layer and infers a cropped shape, "
                f"but calling it on data fails (TensorFlow's pad needs paddings ≥ 0); use "
                f"Cropping{n}D to crop"), at="padding")
        batch, channels, spatial, _ = _keras_split(call, x, n)
        out = tuple(L + before + after for L, (before, after) in zip(spatial, pairs))
        _explain_edges(call, spatial, pairs, out)
        return LayerResult(shape=_keras_join(call, batch, channels, out),
                           receptive=_shift_window(before for before, _ in pairs))

    return zero_padding


def _keras_cropping(n: int):
    if n == 1:
        sig = keras_signature("Cropping1D", cropping=(1, 1))
    elif n == 2:
        sig = keras_signature("Cropping2D", cropping=((0, 0), (0, 0)), data_format=None)
    else:
        sig = keras_signature("Cropping3D", cropping=((1, 1),) * 3, data_format=None)

    @register(KERAS, sig)
    def cropping(call: Call, x: tuple) -> LayerResult:
        if n > 1 and _is_integer(call["cropping"]):
            c = call["cropping"]
            call.require(c >= 0, lambda: f"cropping cannot be negative, got {c}",
                         at="cropping")
        pairs = _keras_pairs(call, "cropping", n)
        batch, channels, spatial, _ = _keras_split(call, x, n)
        out = []
        for i, (L, (before, after)) in enumerate(zip(spatial, pairs)):
            call.require(before + after < L, lambda i=i, L=L, before=before, after=after: (
                f"cropping ({before}, {after}) must be smaller than the spatial dimension "
                f"{L}{'' if n == 1 else f' on axis {i + 1}'} of the input "
                f"{algebra.show_shape(x)} (the output would be {L - before - after})"),
                at="cropping")
            out.append(L - before - after)
        _explain_edges(call, spatial, pairs, out, crop=True)
        return LayerResult(shape=_keras_join(call, batch, channels, tuple(out)),
                           receptive=_shift_window(-before for before, _ in pairs))

    return cropping


def _keras_split(call: Call, x: tuple, n: int):
    """split_spatial, also for layers without data_format (Cropping1D, UpSampling1D)."""
    if "data_format" in call.arguments:
        return split_spatial(call, x, n)
    if len(x) != n + 2:
        rank_error(call, x, f"{n + 2}-D (batch included)")
    return x[0], x[-1], tuple(x[1:-1]), True


def _keras_join(call: Call, batch, channels, spatial: tuple) -> tuple:
    if "data_format" in call.arguments and not channels_last(call):
        return (batch, channels, *spatial)
    return (batch, *spatial, channels)


_TF_RESIZE = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")


def _keras_sizes(call: Call, n: int) -> tuple:
    """UpSampling1D takes an int only; 2D/3D an int or exactly n ints (standardize_tuple)."""
    value = call["size"]
    if _is_integer(value):
        return (value,) * n
    if n > 1 and isinstance(value, tuple) and len(value) == n and \
            all(_is_integer(v) for v in value):
        return value
    expected = "an integer" if n == 1 else f"an int or a tuple of {n} integers"
    call.fail(f"size must be {expected}, got {_show(value)}", at="size")


def _keras_upsampling(n: int):
    if n == 1:
        sig = keras_signature("UpSampling1D", size=2)
    elif n == 2:
        sig = keras_signature("UpSampling2D", size=(2, 2), data_format=None,
                              interpolation="nearest")
    else:
        sig = keras_signature("UpSampling3D", size=(2, 2, 2), data_format=None)

    @register(KERAS, sig)
    def upsampling(call: Call, x: tuple) -> LayerResult:
        sizes = _keras_sizes(call, n)
        for s in sizes:
            call.require(s > 0, lambda: (
                f"size must be positive integers, got {_show(call['size'])}"), at="size")
        if n == 2:
            method = call["interpolation"]
            if not isinstance(method, str):
                call.fail(f"interpolation must be a string, got {_show(method)}",
                          at="interpolation")
            call.choice("interpolation", _TF_RESIZE, lower=True)
        batch, channels, spatial, _ = _keras_split(call, x, n)
        out = tuple(L * s for L, s in zip(spatial, sizes))
        for axis, length, size, length_out in zip(_SPATIAL[-n:] if n > 1 else ("L",), spatial,
                                                  sizes, out):
            call.explain(f"{axis}_out", f"{axis}*size", length_out, **{axis: length}, size=size)
        return LayerResult(shape=_keras_join(call, batch, channels, out),
                           receptive=_half_pixel_window(algebra.divide(1, s) for s in sizes))

    return upsampling


for _n in (1, 2, 3):
    _keras_zero_padding(_n)
    _keras_cropping(_n)
    _keras_upsampling(_n)
