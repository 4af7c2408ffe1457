"""Convolutions: PyTorch Conv1d/2d/3d and Keras Conv1D/2D/3D.

PyTorch: out = floor((L + 2p - d(k-1) - 1) / s) + 1; padding='same' only with stride 1
(total padding d(k-1), the odd element on the right); padding_mode changes values, not
shapes, but reflect/circular limit the padding. Keras: 'valid' floor((L - k_eff)/s) + 1,
'same' ceil(L/s) with TensorFlow's split (extra element at the end), 'causal' (Conv1D only)
pads d(k-1) on the left; strides > 1 together with dilation_rate > 1 is refused at
construction.
"""

from __future__ import annotations

from shapecalc import algebra
from shapecalc.algebra import ceildiv, floordiv, maximum, product
from shapecalc.layers.base import (
    KERAS,
    PYTORCH,
    Call,
    LayerResult,
    Window,
    batch_of,
    join_spatial,
    keras_signature,
    register,
    signature,
    split_spatial,
)

_AXES = "LHW", "HW", "DHW"


def effective_kernel(k, d):
    return d * (k - 1) + 1


def _axis_label(n: int, i: int) -> str:
    return "" if n == 1 else f" on axis {i + 1}"


def keras_same_padding(length, k_eff, stride):
    """TensorFlow's 'same': total max((ceil(L/s)-1)s + k_eff - L, 0), left floor(total/2)."""
    total = maximum((ceildiv(length, stride) - 1) * stride + k_eff - length, 0)
    return floordiv(total, 2)


def sliding_output(call: Call, lengths, kernels, strides, dilations, pads_before,
                   pads_after, *, ceil: bool = False, kind: str = "padded input"):
    """floor((L + before + after - k_eff)/s) + 1 per axis, refusing a kernel that does not
    fit, as every sliding-window layer does."""
    n = len(lengths)
    out = []
    for i in range(n):
        L, k, s, d = lengths[i], kernels[i], strides[i], dilations[i]
        k_eff = effective_kernel(k, d)
        padded = L + pads_before[i] + pads_after[i]

        def explain(i=i, L=L, k=k, d=d, k_eff=k_eff, padded=padded) -> str:
            pad_text = ""
            if pads_before[i] != 0 or pads_after[i] != 0:
                pad_text = f" = {L} + {pads_before[i]} + {pads_after[i]}"
            kernel_text = f"{k_eff} = {d}·({k}−1)+1" if d != 1 else f"{k_eff}"
            return (f"effective kernel {kernel_text} is larger than the {kind} "
                    f"{padded}{pad_text}{_axis_label(n, i)}")

        call.require(padded >= k_eff, explain, at="kernel_size" if "kernel_size" in
                     call.arguments else None)
        span = padded - k_eff
        out.append((ceildiv(span, s) if ceil else floordiv(span, s)) + 1)
    return tuple(out)


# -- PyTorch --------------------------------------------------------------------------------

_TORCH_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _torch_conv(n: int):
    sig = signature(f"Conv{n}d", "in_channels", "out_channels", "kernel_size", stride=1,
                    padding=0, dilation=1, groups=1, bias=True, padding_mode="zeros",
                    device=None, dtype=None)

    @register(PYTORCH, sig)
    def conv(call: Call, x: tuple) -> LayerResult:
        c_in = call.int("in_channels", 1)
        c_out = call.int("out_channels", 1)
        kernel = call.ints("kernel_size", n, 1)
        stride = call.ints("stride", n)
        dilation = call.ints("dilation", n)
        groups = call.int("groups")
        bias = call.flag("bias")
        mode = call.choice("padding_mode", _TORCH_PADDING_MODES)
        call.require(groups > 0, "groups must be a positive integer", at="groups")
        call.require(c_in % groups == 0,
                     lambda: f"in_channels must be divisible by groups ({c_in} % {groups} ≠ 0)",
                     at="groups")
        call.require(c_out % groups == 0,
                     lambda: f"out_channels must be divisible by groups ({c_out} % {groups} ≠ 0)",
                     at="groups")
        padding = call["padding"]
        if isinstance(padding, str):
            padding = call.choice("padding", ("valid", "same"))
            if padding == "same":
                call.require(all(algebra.truth(s == 1) is not False for s in stride),
                             "padding='same' is not supported for strided convolutions "
                             "(use stride=1, or an explicit padding)", at="padding")
        else:
            padding = call.ints("padding", n)
        params = c_out * (c_in // groups) * product(kernel) + (c_out if bias else 0)

        # forward
        batch, channels, spatial, batched = split_spatial(call, x, n)
        call.require(channels == c_in, lambda: (
            f"expected input with {c_in} channels (in_channels), got {channels} channels: "
            f"input shape {algebra.show_shape(x)}"))
        for s in stride:
            call.require(s > 0, "non-positive stride is not supported", at="stride")
        for d in dilation:
            call.require(d > 0, "dilation should be greater than zero", at="dilation")
        if padding == "valid":
            before = after = (0,) * n
        elif padding == "same":
            totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
            before = tuple(floordiv(t, 2) for t in totals)
            after = tuple(t - b for t, b in zip(totals, before))
        else:
            for p in padding:
                call.require(p >= 0, "negative padding is not supported", at="padding")
            before = after = padding
        if mode != "zeros":
            _check_padding_mode(call, mode, spatial, before, after)
        out = sliding_output(call, spatial, kernel, stride, dilation, before, after)
        macs = batch * product(out) * c_out * (c_in // groups) * product(kernel)
        return LayerResult(
            shape=join_spatial(call, batch, c_out, out, batched),
            trainable=params,
            macs=macs,
            receptive=Window(tuple(effective_kernel(k, d) for k, d in zip(kernel, dilation)),
                             stride, before),
        )

    return conv


def _check_padding_mode(call: Call, mode: str, spatial, before, after) -> None:
    for i, L in enumerate(spatial):
        for p in {before[i], after[i]}:
            if mode == "reflect":
                call.require(p < L, lambda p=p, L=L: (
                    f"padding_mode='reflect' needs padding {p} < input size {L}"
                    f"{_axis_label(len(spatial), i)}"), at="padding")
            elif mode == "circular":
                call.require(p <= L, lambda p=p, L=L: (
                    f"padding_mode='circular' needs padding {p} ≤ input size {L}"
                    f"{_axis_label(len(spatial), i)} (padding would wrap around more than once)"),
                    at="padding")


for _n in (1, 2, 3):
    _torch_conv(_n)


# -- Keras ----------------------------------------------------------------------------------


def keras_padding(call: Call, *, causal_ok: bool) -> str:
    options = ("valid", "same", "causal") if causal_ok else ("valid", "same")
    value = call["padding"]
    if isinstance(value, str) and value.lower() == "causal" and not causal_ok:
        call.fail("padding='causal' is only supported by Conv1D (and SeparableConv1D, "
                  "DepthwiseConv1D); use 'valid' or 'same'", at="padding")
    return call.choice("padding", options, lower=True)


def keras_window_output(call: Call, padding: str, spatial, kernel, strides, dilation):
    """Output lengths and left paddings of a Keras sliding window ('valid', 'same',
    'causal')."""
    n = len(spatial)
    if padding == "valid":
        out = []
        for i in range(n):
            k_eff = effective_kernel(kernel[i], dilation[i])
            length = floordiv(spatial[i] - k_eff, strides[i]) + 1

            def explain(i=i, k_eff=k_eff) -> str:
                return (f"'valid' output size would be zero or negative: effective kernel "
                        f"{k_eff} is larger than the input {spatial[i]}{_axis_label(n, i)}")

            call.require(length > 0, explain)
            out.append(length)
        return tuple(out), (0,) * n
    if padding == "causal":
        return (tuple(ceildiv(L, s) for L, s in zip(spatial, strides)),
                tuple(effective_kernel(k, d) - 1 for k, d in zip(kernel, dilation)))
    out = tuple(ceildiv(L, s) for L, s in zip(spatial, strides))
    before = tuple(keras_same_padding(L, effective_kernel(k, d), s)
                   for L, k, s, d in zip(spatial, kernel, strides, dilation))
    return out, before


def keras_no_strided_dilation(call: Call, strides, dilation) -> None:
    strided = any(algebra.truth(s > 1) is True for s in strides)
    dilated = any(algebra.truth(d > 1) is True for d in dilation)
    if strided and dilated:
        call.fail(f"`strides > 1` not supported in conjunction with `dilation_rate > 1`: "
                  f"strides={_tuple_text(strides)} and dilation_rate={_tuple_text(dilation)} "
                  f"(Keras refuses this at construction; use strides=1 or dilation_rate=1)",
                  at="strides")


def _tuple_text(values) -> str:
    return "(" + ", ".join(str(v) for v in values) + ")"


def _keras_conv(n: int):
    one = 1 if n == 1 else (1,) * n
    sig = keras_signature(
        f"Conv{n}D", "filters", "kernel_size", strides=one, padding="valid", data_format=None,
        dilation_rate=one, groups=1, activation=None, use_bias=True,
        kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
        bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
        bias_constraint=None)

    @register(KERAS, sig, aliases=(f"Convolution{n}D",))
    def conv(call: Call, x: tuple) -> LayerResult:
        filters = call.int("filters", 1)
        kernel = call.ints("kernel_size", n, 1)
        strides = call.ints("strides", n, 1)
        dilation = call.ints("dilation_rate", n, 1)
        groups = call.int("groups", 1)
        use_bias = call.flag("use_bias")
        padding = keras_padding(call, causal_ok=n == 1)
        call.require(filters % groups == 0, lambda: (
            f"the number of filters must be evenly divisible by the number of groups "
            f"({filters} % {groups} ≠ 0)"), at="groups")
        keras_no_strided_dilation(call, strides, dilation)

        batch, channels, spatial, _ = split_spatial(call, x, n)
        call.require(channels % groups == 0, lambda: (
            f"the number of input channels must be evenly divisible by the number of groups "
            f"({channels} % {groups} ≠ 0)"), at="groups")
        out, before = keras_window_output(call, padding, spatial, kernel, strides, dilation)
        params = product(kernel) * (channels // groups) * filters + (filters if use_bias else 0)
        macs = batch_of(x) * product(out) * filters * (channels // groups) * product(kernel)
        return LayerResult(
            shape=join_spatial(call, batch, filters, out, True),
            trainable=params,
            macs=macs,
            receptive=Window(tuple(effective_kernel(k, d) for k, d in zip(kernel, dilation)),
                             strides, before),
        )

    return conv


for _n in (1, 2, 3):
    _keras_conv(_n)
