"""Pooling: PyTorch Max/Avg/LP pooling and adaptive pooling; Keras Max/Average pooling,
global pooling and adaptive pooling.

PyTorch windowed pooling (MaxPool1d/2d/3d, AvgPool1d/2d/3d, LPPool1d/2d/3d), per axis with
k_eff = d(k-1)+1 (d = 1 except for MaxPool):

    floor mode  out = floor((L + 2p - k_eff) / s) + 1
    ceil mode   out = ceil((L + 2p - k_eff) / s) + 1, minus one when that last window
                would start at or beyond L + p (it must start inside the input or the
                left padding); equivalently min(ceil((L+2p-k_eff)/s), floor((L+p-1)/s)) + 1

stride defaults to kernel_size (None or an empty tuple); padding must be at most half the
raw kernel (p <= k // 2, even when dilated); the output must be at least 1, so a kernel
larger than the input passes only in ceil mode when the stride reaches past it, e.g.
MaxPool2d(9, ceil_mode=True) on 7 gives 1. AvgPool3d alone also needs each input side
L >= k (padding not counted), so it refuses what MaxPool3d accepts; LPPool3d, an
avg_pool3d underneath, too. LPPool is an AvgPool
of x^p without padding. Adaptive pooling gives output_size exactly (None keeps the axis;
0 and sizes above the input are accepted). Unbatched inputs are accepted.

Keras MaxPooling/AveragePooling: strides default to pool_size; 'valid' gives
floor((L - k)/s) + 1 and refuses a result <= 0 ("Computed output size would be zero or
negative"), 'same' gives ceil(L/s) with TensorFlow's padding split (extra element at the
end). padding is case-sensitive there. AveragePooling has no default pool_size. Global
pooling drops the spatial axes (keepdims keeps them as 1). Keras adaptive pooling gives
output_size (positive ints, larger than the input allowed).

Pooling has no parameters and counts 0 MACs (FlopCounterMode counts no pooling op).
Receptive field: a Window (effective kernel, stride, left padding) for windowed pooling;
GLOBAL for global and adaptive pooling.
"""

from __future__ import annotations

from shapecalc import algebra
from shapecalc.algebra import ceildiv, floordiv, minimum
from shapecalc.layers.base import (
    GLOBAL,
    KERAS,
    KERAS_BASE_KWARGS,
    PYTORCH,
    Call,
    LayerResult,
    Signature,
    Window,
    _is_integer,
    _show_arg,
    join_spatial,
    rank_error,
    register,
    signature,
    split_spatial,
)
from shapecalc.layers.conv import (
    AXIS_NAMES,
    effective_kernel,
    explain_keras_axis,
    explain_window_axis,
    keras_same_padding,
)


def _axis_label(n: int, i: int) -> str:
    return "" if n == 1 else f" on axis {i + 1}"


def _check_nonempty(call: Call, x: tuple, batched: bool) -> None:
    """PyTorch pooling needs every non-batch dimension to be non-empty."""
    for dim in (x[1:] if batched else x):
        call.require(dim > 0, lambda: (
            f"expects every non-batch dimension to be non-empty, got input shape "
            f"{algebra.show_shape(x)}"))


# -- PyTorch windowed pooling ---------------------------------------------------------------


def _torch_sizes(call: Call, name: str, n: int, *, exact: bool = False) -> tuple:
    """An int, or a tuple of n ints (or of one int, which PyTorch repeats, unless
    ``exact``: LPPool unpacks the kernel itself)."""
    value = call[name]
    if exact and isinstance(value, tuple) and len(value) != n:
        call.fail(f"{name} must be an int or a tuple of {n} ints, got {_show_arg(value)}",
                  at=name)
    return call.ints(name, n)


def _torch_stride(call: Call, n: int, kernel: tuple) -> tuple:
    """stride=None (or an empty tuple) means kernel_size."""
    value = call["stride"]
    if value is None or value == ():
        return kernel
    return call.ints("stride", n)


def torch_pool_output(call: Call, lengths, kernels, strides, dilations, paddings,
                      ceil_mode: bool) -> tuple:
    """PyTorch's pooling_output_shape per axis, refusing an output below 1."""
    n = len(lengths)
    out = []
    for i in range(n):
        L, k, s, d, p = lengths[i], kernels[i], strides[i], dilations[i], paddings[i]
        k_eff = effective_kernel(k, d)
        padded = L + 2 * p
        span = padded - k_eff
        if ceil_mode:
            # The last window must start inside the input or the left padding. It always
            # does when s <= k_eff - p (it starts before span + s <= L + p), which keeps
            # symbolic answers free of the min in the usual configurations.
            if algebra.truth(s + p <= k_eff) is True:
                size = ceildiv(span, s) + 1
            else:
                size = minimum(ceildiv(span, s), floordiv(L + p - 1, s)) + 1
            fits = span + s > 0
        else:
            size = floordiv(span, s) + 1
            fits = span >= 0
        explain_window_axis(call, AXIS_NAMES.get(n, ("L",) * n)[i], L, k, s, d, p, p, size,
                            ceil=ceil_mode)

        def explain(i=i, L=L, k=k, s=s, d=d, p=p, k_eff=k_eff, padded=padded) -> str:
            kernel_text = f"{k_eff} = {d}·({k}−1)+1" if d != 1 else f"{k_eff}"
            pad_text = f" = {L} + 2·{p}" if p != 0 else ""
            rounding = "ceil" if ceil_mode else "floor"
            mode = (f"{rounding}((padded − kernel)/stride) + 1 = "
                    f"{rounding}(({padded} − {k_eff})/{s}) + 1")
            return (f"output size would be {mode} < 1{_axis_label(n, i)}: kernel {kernel_text} "
                    f"is larger than the padded input {padded}{pad_text}"
                    + ("" if ceil_mode else " (ceil_mode=True accepts it when the stride "
                       "reaches past the input)"))

        call.require(fits, explain, at="kernel_size")
        out.append(size)
    return tuple(out)


def _torch_window_pool(call: Call, x: tuple, n: int, *, kernel: tuple, dilation: tuple,
                       padding: tuple, ceil_mode: bool, kernel_within_input: bool = False
                       ) -> LayerResult:
    stride = _torch_stride(call, n, kernel)
    for k in kernel:
        call.require(k > 0, lambda: f"kernel_size must be greater than zero, got "
                     f"{_show_arg(call['kernel_size'])}", at="kernel_size")
    source = "stride" if call["stride"] not in (None, ()) else "kernel_size"
    for s in stride:
        call.require(s > 0, lambda: f"stride must be greater than zero, got "
                     f"{_show_arg(call[source])}"
                     + ("" if source == "stride" else " (stride defaults to kernel_size)"),
                     at=source)
    for d in dilation:
        call.require(d > 0, lambda: f"dilation must be greater than zero, got "
                     f"{_show_arg(call['dilation'])}", at="dilation")
    for p in padding:
        call.require(p >= 0, lambda: f"padding must be non-negative, got "
                     f"{_show_arg(call['padding'])}", at="padding")

    batch, channels, spatial, batched = split_spatial(call, x, n)
    _check_nonempty(call, x, batched)
    for i, (k, p, d) in enumerate(zip(kernel, padding, dilation)):
        def too_much(i=i, k=k, p=p, d=d) -> str:
            dilated = f" (the raw kernel, even with dilation {d})" if d != 1 else ""
            return (f"padding {p}{_axis_label(n, i)} is more than half the kernel size {k}: "
                    f"pooling padding must be at most kernel_size // 2 = {floordiv(k, 2)}"
                    f"{dilated}")

        call.require(p <= floordiv(k, 2), too_much, at="padding")
    if kernel_within_input:
        for i, (L, k) in enumerate(zip(spatial, kernel)):
            call.require(L >= k, lambda i=i, L=L, k=k: (
                f"input size {L}{_axis_label(n, i)} is smaller than the kernel size {k}: "
                f"{call.name} needs each input side to be at least the kernel, padding not "
                f"counted (even with ceil_mode)"), at="kernel_size")
    out = torch_pool_output(call, spatial, kernel, stride, dilation, padding, ceil_mode)
    return LayerResult(
        shape=join_spatial(call, batch, channels, out, batched),
        receptive=Window(tuple(effective_kernel(k, d) for k, d in zip(kernel, dilation)),
                         stride, padding),
    )


def _torch_max_pool(n: int):
    sig = signature(f"MaxPool{n}d", "kernel_size", stride=None, padding=0, dilation=1,
                    return_indices=False, ceil_mode=False)

    @register(PYTORCH, sig)
    def max_pool(call: Call, x: tuple) -> LayerResult:
        kernel = _torch_sizes(call, "kernel_size", n)
        padding = _torch_sizes(call, "padding", n)
        dilation = _torch_sizes(call, "dilation", n)
        call.flag("return_indices")  # the output is (values, indices); values' shape
        return _torch_window_pool(call, x, n, kernel=kernel, dilation=dilation,
                                  padding=padding, ceil_mode=call.flag("ceil_mode"))

    return max_pool


def _torch_avg_pool(n: int):
    extra = {} if n == 1 else {"divisor_override": None}
    sig = signature(f"AvgPool{n}d", "kernel_size", stride=None, padding=0, ceil_mode=False,
                    count_include_pad=True, **extra)

    @register(PYTORCH, sig)
    def avg_pool(call: Call, x: tuple) -> LayerResult:
        kernel = _torch_sizes(call, "kernel_size", n)
        padding = _torch_sizes(call, "padding", n)
        call.flag("count_include_pad")  # changes values, not shapes
        if n > 1 and call["divisor_override"] is not None:
            divisor = call.int("divisor_override")
            call.require(divisor != 0, "divisor_override must not be zero (None divides by "
                         "the window size)", at="divisor_override")
        return _torch_window_pool(call, x, n, kernel=kernel, dilation=(1,) * n,
                                  padding=padding, ceil_mode=call.flag("ceil_mode"),
                                  kernel_within_input=n == 3)

    return avg_pool


def _torch_lp_pool(n: int):
    sig = signature(f"LPPool{n}d", "norm_type", "kernel_size", stride=None, ceil_mode=False)

    @register(PYTORCH, sig)
    def lp_pool(call: Call, x: tuple) -> LayerResult:
        call.number("norm_type")
        if n == 1 and not _is_integer(call["kernel_size"]):
            # LPPool1d multiplies the result by kernel_size, which must be a number
            call.fail(f"kernel_size must be an int for LPPool1d, got "
                      f"{_show_arg(call['kernel_size'])}", at="kernel_size")
        kernel = _torch_sizes(call, "kernel_size", n, exact=True)
        # LPPool3d runs avg_pool3d, so it shares AvgPool3d's kernel-within-input rule
        return _torch_window_pool(call, x, n, kernel=kernel, dilation=(1,) * n,
                                  padding=(0,) * n, ceil_mode=call.flag("ceil_mode"),
                                  kernel_within_input=n == 3)

    return lp_pool


# -- PyTorch adaptive pooling ---------------------------------------------------------------


def _adaptive_sizes(call: Call, n: int) -> tuple:
    """output_size: an int, or a tuple of n entries that are ints or None (keep the axis).
    AdaptiveXPool1d takes an int or a tuple of one int, never None."""
    value = call["output_size"]
    if _is_integer(value):
        sizes = (value,) * n
    elif isinstance(value, tuple) and len(value) == n and all(
            _is_integer(v) or (v is None and n > 1) for v in value):
        sizes = value
    else:
        allowed = "an int or a tuple of one int" if n == 1 else (
            f"an int or a tuple of {n} entries, each an int or None")
        call.fail(f"output_size must be {allowed}, got {_show_arg(value)}", at="output_size")
    for v in sizes:
        if v is not None:
            call.require(v >= 0, lambda: f"output_size must be non-negative, got "
                         f"{_show_arg(value)}", at="output_size")
    return sizes


def _torch_adaptive_pool(kind: str, n: int):
    extra = {"return_indices": False} if kind == "Max" else {}
    sig = signature(f"Adaptive{kind}Pool{n}d", "output_size", **extra)

    @register(PYTORCH, sig)
    def adaptive_pool(call: Call, x: tuple) -> LayerResult:
        sizes = _adaptive_sizes(call, n)
        if kind == "Max":
            call.flag("return_indices")
        batch, channels, spatial, batched = split_spatial(call, x, n)
        _check_nonempty(call, x, batched)
        out = tuple(L if v is None else v for v, L in zip(sizes, spatial))
        for axis, asked, size, length in zip(AXIS_NAMES[n], sizes, out, spatial):
            if asked is None:
                call.explain(f"{axis}_out", axis, size, rule="output_size None: kept",
                             **{axis: length})
            else:
                call.explain(f"{axis}_out", "output_size", size,
                             rule="adaptive pooling: the size asked for", output_size=size)
        return LayerResult(shape=join_spatial(call, batch, channels, out, batched),
                           receptive=GLOBAL)

    return adaptive_pool


for _n in (1, 2, 3):
    _torch_max_pool(_n)
    _torch_avg_pool(_n)
    _torch_lp_pool(_n)
    _torch_adaptive_pool("Max", _n)
    _torch_adaptive_pool("Avg", _n)


# -- Keras windowed pooling -----------------------------------------------------------------


def _keras_pool_signature(name: str, n: int, pool_size) -> Signature:
    """Keras pooling takes `name` positionally (after data_format), then the base kwargs."""
    defaults = {} if pool_size is None else {"pool_size": pool_size}
    required = ("pool_size",) if pool_size is None else ()
    base = signature(name, *required, **defaults, strides=None, padding="valid",
                     data_format=None, name=None)
    rest = tuple((k, v) for k, v in KERAS_BASE_KWARGS.items() if k != "name")
    return Signature(name, base.positional, rest)


def _keras_tuple(call: Call, name: str, n: int, *, allow_zero: bool) -> tuple:
    """Keras' standardize_tuple: an int or exactly n ints (no repetition of a 1-tuple),
    all positive (strides may be 0 at construction)."""
    value = call[name]
    if _is_integer(value):
        values = (value,) * n
    elif isinstance(value, tuple) and len(value) == n and all(map(_is_integer, value)):
        values = value
    else:
        call.fail(f"The `{name}` argument must be a tuple of {n} integers, got "
                  f"{_show_arg(value)}", at=name)
    bound = 0 if allow_zero else 1
    for v in values:
        call.require(v >= bound, lambda: (
            f"The `{name}` argument must be a tuple of {n} integers that satisfy "
            f"`value {'>= 0' if allow_zero else '> 0'}`, got {_show_arg(value)}"), at=name)
    return tuple(values)


def _keras_pool(kind: str, n: int):
    default = 2 if n == 1 else (2,) * n
    canonical = f"{kind}Pooling{n}D"
    short = "MaxPool" if kind == "Max" else "AvgPool"
    sig = _keras_pool_signature(canonical, n, default if kind == "Max" else None)

    @register(KERAS, sig, aliases=(f"{short}{n}D",))
    def pool(call: Call, x: tuple) -> LayerResult:
        pool_size = _keras_tuple(call, "pool_size", n, allow_zero=False)
        if call["strides"] is None:
            strides = pool_size
        else:
            strides = _keras_tuple(call, "strides", n, allow_zero=True)
        _keras_channels_last(call)  # validated at construction, before the input is seen
        batch, channels, spatial, _ = split_spatial(call, x, n)
        # checked when the layer is called: exact lower-case spelling, no zero stride
        padding = call.choice("padding", ("valid", "same"))
        for s in strides:
            call.require(s > 0, lambda: f"strides must be positive when the layer is called "
                         f"(division by zero), got {_show_arg(call['strides'])}", at="strides")
        if padding == "valid":
            out = []
            for i, (L, k, s) in enumerate(zip(spatial, pool_size, strides)):
                call.require(L >= k, lambda i=i, L=L, k=k, s=s: (
                    f"Computed output size would be zero or negative{_axis_label(n, i)}: "
                    f"floor(({L} − {k})/{s}) + 1 = {floordiv(L - k, s) + 1} with "
                    f"padding='valid' (pool_size {k} is larger than the input {L}; "
                    f"use padding='same' or a smaller pool_size)"), at="pool_size")
                out.append(floordiv(L - k, s) + 1)
            before = (0,) * n
        else:
            out = [ceildiv(L, s) for L, s in zip(spatial, strides)]
            before = tuple(keras_same_padding(L, k, s)
                           for L, k, s in zip(spatial, pool_size, strides))
        for i in range(n):
            explain_keras_axis(call, AXIS_NAMES.get(n, ("L",) * n)[i], padding, spatial[i],
                               pool_size[i], strides[i], 1, out[i])
        return LayerResult(shape=join_spatial(call, batch, channels, tuple(out), True),
                           receptive=Window(pool_size, strides, before))

    return pool


# -- Keras global pooling -------------------------------------------------------------------


def _keras_global_pool(kind: str, n: int):
    canonical = f"Global{kind}Pooling{n}D"
    alias = f"Global{'Max' if kind == 'Max' else 'Avg'}Pool{n}D"
    sig = signature(canonical, data_format=None, keepdims=False,
                    keyword_only=KERAS_BASE_KWARGS)

    @register(KERAS, sig, aliases=(alias,))
    def global_pool(call: Call, x: tuple) -> LayerResult:
        channels_last = _keras_channels_last(call)
        keepdims = _python_truth(call, "keepdims")
        if len(x) != n + 2:
            rank_error(call, x, f"{n + 2}-D (batch included)")
        batch = x[0]
        channels = x[-1] if channels_last else x[1]
        if not keepdims:
            shape, template = (batch, channels), "(N, C)"
        elif channels_last:
            shape, template = (batch, *(1,) * n, channels), f"(N, {'1, ' * n}C)"
        else:
            shape, template = (batch, channels, *(1,) * n), f"(N, C{', 1' * n})"
        call.explain("shape", template, shape, rule="global pooling: one value per channel",
                     N=batch, C=channels)
        return LayerResult(shape=shape, receptive=GLOBAL)

    return global_pool


def _keras_channels_last(call: Call) -> bool:
    if call["data_format"] is None:
        return True
    fmt = call.choice("data_format", ("channels_last", "channels_first"), lower=True)
    return fmt == "channels_last"


def _python_truth(call: Call, name: str) -> bool:
    """Keras tests keepdims with Python truthiness."""
    value = call[name]
    if isinstance(value, (bool, int, str, tuple, type(None))):
        return bool(value)
    return call.flag(name)


# -- Keras adaptive pooling -----------------------------------------------------------------


def _keras_adaptive_pool(kind: str, n: int):
    sig = signature(f"Adaptive{kind}Pooling{n}D", "output_size", data_format=None,
                    keyword_only=KERAS_BASE_KWARGS)

    @register(KERAS, sig)
    def adaptive_pool(call: Call, x: tuple) -> LayerResult:
        value = call["output_size"]
        if _is_integer(value):
            sizes = (value,) * n
        elif isinstance(value, tuple) and len(value) == n and all(map(_is_integer, value)):
            sizes = value
        else:
            call.fail(f"output_size must be an integer or a tuple of {n} integers, got "
                      f"{_show_arg(value)}", at="output_size")
        # unlike the other pooling layers, data_format is not lower-cased here
        fmt = call.choice("data_format", (None, "channels_last", "channels_first"))
        if len(x) != n + 2:
            rank_error(call, x, f"{n + 2}-D (batch included)")
        for v in sizes:
            # 0 divides by zero and a negative size is not a shape when the layer is called
            call.require(v > 0, lambda: f"output_size must be positive, got {_show_arg(value)}",
                         at="output_size")
        if fmt == "channels_first":
            shape = (x[0], x[1], *sizes)
        else:
            shape = (x[0], *sizes, x[-1])
        for axis, size in zip(AXIS_NAMES[n], sizes):
            call.explain(f"{axis}_out", "output_size", size,
                         rule="adaptive pooling: the size asked for", output_size=size)
        return LayerResult(shape=shape, receptive=GLOBAL)

    return adaptive_pool


for _n in (1, 2, 3):
    _keras_adaptive_pool("Average", _n)
    _keras_adaptive_pool("Max", _n)
    _keras_pool("Max", _n)
    _keras_pool("Average", _n)
    _keras_global_pool("Max", _n)
    _keras_global_pool("Average", _n)
