"""Convolutions: PyTorch Conv1d/2d/3d and ConvTranspose1d/2d/3d (and their Lazy forms);
Keras Conv1D/2D/3D, Conv1DTranspose/2D/3D, DepthwiseConv1D/2D and SeparableConv1D/2D.

Notation per spatial axis: L input length, k kernel, s stride, p padding, d dilation,
k_eff = d(k-1) + 1, op output_padding, g groups, C input channels, B batch.

PyTorch
- Conv: out = floor((L + 2p - k_eff)/s) + 1, refused when L + 2p < k_eff.
  padding='same' only with stride 1 (total d(k-1), the odd element on the right).
  padding_mode changes values, not shapes, but reflect needs p < L and circular p <= L;
  with a one-element padding tuple such as (1,) a non-zeros mode pads the last axis only
  (F.pad gets 2 values), which only the unbatched Conv2d input accepts; with 'same' and a
  one-element dilation such as (2,) it pads the first axis only.
  params Cout·(C/g)·∏k + Cout; MACs B·∏out·Cout·(C/g)·∏k.
- ConvTranspose: out = (L-1)s - 2p + k_eff + op, refused when < 1; op < s or op < d on
  each axis; padding_mode must be 'zeros'; a string padding is stored character by
  character and refused by the forward pass (TypeError).
  params C·(Cout/g)·∏k + Cout; MACs (as FlopCounterMode) B·∏in·C·(Cout/g)·∏k.
- LazyConv{n}d / LazyConvTranspose{n}d: the same rules with in_channels = C, read from the
  input at the first forward pass; params are counted after it, as torch counts them.
  The lazy transposed conv skips the out_channels % groups check: with bias=False it runs
  with g·floor(Cout/g) output channels (with a bias, the bias size refuses it).
  An output of exactly 0 is returned as an empty tensor by the oneDNN kernel and refused
  by the native one, and PyTorch picks between them by groups, batch, kernel and input
  size and thread count; we refuse it always, as a collapsed axis.

Keras
- Conv: 'valid' floor((L - k_eff)/s) + 1 (refused when < 1), 'same' ceil(L/s) with
  TensorFlow's split (extra element at the end), 'causal' (Conv1D only) pads k_eff - 1 on
  the left. strides > 1 together with dilation_rate > 1 is refused at construction.
  params ∏k·(C/g)·f + f. lora_rank=r > 0 freezes the kernel (non-trainable) and adds
  trainable factors ∏k·(C/g)·r and r·f, merged into the kernel by one matmul per call.
- ConvTranspose (no groups, no 'causal'): output_padding=None gives 'valid'
  (L-1)s + max(k_eff, s), 'same' L·s; with output_padding, 'valid' (L-1)s + k_eff + op and
  'same' (L-1)s + (k_eff mod 2) + op. op < s on each axis. 'same' with output_padding and
  k_eff mod 2 + op = 0 builds (Keras' own shape arithmetic gives the value above) but
  TensorFlow's kernel rejects it whenever the model runs, so it is refused here. (When
  L = 1 the output axis is 0: oneDNN returns the empty tensor unchecked, the native kernel
  rejects it; refused too, as a collapsed axis.)
  params ∏k·C·f + f; MACs counted like PyTorch's transposed conv, B·∏in·C·f·∏k.
- DepthwiseConv1D/2D: the conv formulas with Cout = C·dm; strides > 1 with
  dilation_rate > 1 is accepted (computed as a stride-1 dilated conv, then subsampled,
  which gives the same lengths). params ∏k·C·dm + C·dm; MACs B·∏out·C·dm·∏k.
- SeparableConv1D/2D: a depthwise conv, then a 1x1 conv to f filters; bias only on the
  second. params ∏k·C·dm + C·dm·f + f; MACs B·∏out·C·dm·(∏k + f).
- Tuples must have exactly one entry per spatial axis (Keras' standardize_tuple).
- Not refused: channels_first Conv and dilated ConvTranspose, which TensorFlow's CPU
  kernels reject without oneDNN (a limit of that backend, not of the layer).

Receptive field: a conv is a window of k_eff with stride s and left padding p. A
transposed conv is modelled as what it computes: a stride-1 conv with kernel k_eff and
padding k_eff - 1 - p over the input with s - 1 zeros inserted between neighbours. In input
units that is a window of (k_eff - 1)/s + 1 with the fractional stride 1/s and left
padding (k_eff - 1 - p)/s, kept as exact fractions (p is the left crop: PyTorch's padding,
Keras' 'same' padding of the forward conv it is the gradient of). The field is the
continuous span of the taps; those that fall between inputs read inserted zeros.
"""

from __future__ import annotations

from shapecalc import algebra
from shapecalc.algebra import ceildiv, divide, floordiv, maximum, product
from shapecalc.layers.base import (
    KERAS,
    KERAS_BASE_KWARGS,
    PYTORCH,
    REGISTRY,
    Argument,
    Call,
    LayerResult,
    Signature,
    Window,
    batch_of,
    join_spatial,
    keras_signature,
    register,
    signature,
    split_spatial,
)


def effective_kernel(k, d):
    return d * (k - 1) + 1


def _axis_label(n: int, i: int) -> str:
    return "" if n == 1 else f" on axis {i + 1}"


def _tuple_text(values) -> str:
    inner = ", ".join(str(v) for v in values)
    return f"({inner},)" if len(values) == 1 else f"({inner})"


def keras_same_padding(length, k_eff, stride):
    """TensorFlow's 'same': total max((ceil(L/s)-1)s + k_eff - L, 0), left floor(total/2)."""
    total = maximum((ceildiv(length, stride) - 1) * stride + k_eff - length, 0)
    return floordiv(total, 2)


AXIS_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
_KERNEL_NAMES = {1: ("k",), 2: ("k_h", "k_w"), 3: ("k_d", "k_h", "k_w")}


def explain_window_axis(call: Call, axis: str, length, kernel, stride, dilation, before,
                        after, result, *, ceil: bool = False) -> None:
    """The worked formula of one output length of a padded sliding window (PyTorch)."""
    if not call.explaining:
        return
    rounding = "ceil" if ceil else "floor"
    kernel_term = "d*(k - 1) + 1" if dilation != 1 else "k"
    pad_term = "2*p" if before == after else "p_l + p_r"
    values = {axis: length, "k": kernel, "s": stride}
    if dilation != 1:
        values["d"] = dilation
    if before == after:
        values["p"] = before
    else:
        values.update(p_l=before, p_r=after)
    template = f"{rounding}(({axis} + {pad_term} - ({kernel_term}))/s) + 1"
    if kernel_term == "k":
        template = f"{rounding}(({axis} + {pad_term} - k)/s) + 1"
    else:
        template = f"{rounding}(({axis} + {pad_term} - d*(k - 1) - 1)/s) + 1"
    call.explain(f"{axis}_out", template, result, **values)


def explain_keras_axis(call: Call, axis: str, padding: str, length, kernel, stride, dilation,
                       result) -> None:
    """Keras' rule for one output length: 'valid', 'same' or 'causal'."""
    if not call.explaining:
        return
    if padding == "valid":
        if dilation != 1:
            call.explain(f"{axis}_out", f"floor(({axis} - d*(k - 1) - 1)/s) + 1", result,
                         rule="Keras 'valid'", **{axis: length}, k=kernel, s=stride,
                         d=dilation)
        else:
            call.explain(f"{axis}_out", f"floor(({axis} - k)/s) + 1", result,
                         rule="Keras 'valid'", **{axis: length}, k=kernel, s=stride)
    else:
        call.explain(f"{axis}_out", f"ceil({axis}/s)", result, rule=f"Keras {padding!r}",
                     **{axis: length}, s=stride)


def explain_conv_counts(call: Call, n: int, kernel, c_in, c_out, groups, bias: bool,
                        params, batch, out, macs, *, out_name: str = "C_out",
                        in_name: str = "C_in") -> None:
    """params = C_out·(k_h·k_w·C_in/g + 1) and MACs, as a student writes them."""
    if not call.explaining:
        return
    names = _KERNEL_NAMES[n]
    values = dict(zip(names, kernel))
    values[out_name] = c_out
    values[in_name] = c_in
    channels = f"{in_name}/g" if groups != 1 else in_name
    if groups != 1:
        values["g"] = groups
    weights = "*".join((*names, channels))
    call.explain("params", f"{out_name}*({weights} + 1)" if bias else
                 f"{out_name}*{weights}", params, counting=True, **values)
    axes = [f"{a}_out" for a in AXIS_NAMES[n]]
    values.update(zip(axes, out))
    values["N"] = batch
    call.explain("MACs", "*".join(("N", *axes, out_name, *names, channels)), macs,
                 counting=True, **values)


def explain_transposed_counts(call: Call, n: int, kernel, c_in, c_out, groups, bias: bool,
                              params, batch, spatial, macs) -> None:
    """A transposed conv's params, C_in·(C_out/g)·∏k + C_out, and MACs, counted over the
    input positions as PyTorch's FlopCounterMode counts them."""
    if not call.explaining:
        return
    names = _KERNEL_NAMES[n]
    values = {**dict(zip(names, kernel)), "C_in": c_in, "C_out": c_out}
    channels = "C_out/g" if groups != 1 else "C_out"
    if groups != 1:
        values["g"] = groups
    weights = "*".join(("C_in", channels, *names))
    call.explain("params", f"{weights} + C_out" if bias else weights, params, counting=True,
                 **values)
    axes = AXIS_NAMES[n]
    call.explain("MACs", "*".join(("N", *axes, "C_in", channels, *names)), macs,
                 counting=True, N=batch, **dict(zip(axes, spatial)), **values)


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
        length = (ceildiv(span, s) if ceil else floordiv(span, s)) + 1
        explain_window_axis(call, AXIS_NAMES.get(n, ("L",) * n)[i], L, k, s, d,
                            pads_before[i], pads_after[i], length, ceil=ceil)
        out.append(length)
    return tuple(out)


def transposed_window(kernels, strides, dilations, crops) -> Window:
    """The receptive-field window of a transposed conv, in input units (see the module
    docstring): kernel (k_eff-1)/s + 1, stride 1/s, left padding (k_eff-1-p)/s."""
    k_effs = [effective_kernel(k, d) for k, d in zip(kernels, dilations)]
    return Window(
        tuple(divide(k_eff - 1, s) + 1 for k_eff, s in zip(k_effs, strides)),
        tuple(divide(1, s) for s in strides),
        tuple(divide(k_eff - 1 - p, s) for k_eff, s, p in zip(k_effs, strides, crops)),
    )


# -- PyTorch --------------------------------------------------------------------------------

_TORCH_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _torch_kernel(call: Call, n: int) -> tuple:
    """kernel_size: an int or n ints. A one-element tuple is repeated for stride and the
    like, but a kernel (3,) makes a 1-D weight, which a 2-D or 3-D conv refuses."""
    value = call["kernel_size"]
    if n > 1 and isinstance(value, tuple) and len(value) == 1:
        call.fail(f"kernel_size {_tuple_text(value)} has one entry, but {call.name} needs {n} "
                  f"(PyTorch builds a weight of the wrong rank and refuses it at the forward "
                  f"pass); give an int or a tuple of {n} ints", at="kernel_size")
    return call.ints("kernel_size", n, 1)


def _torch_channels(call: Call):
    # a lazy conv takes in_channels from the input, and torch accepts an empty one
    c_in = call.int("in_channels", 0 if call.name.startswith("Lazy") else 1)
    c_out = call.int("out_channels", 1)
    groups = call.int("groups")
    call.require(groups > 0, "groups must be a positive integer", at="groups")
    call.require(algebra.divisible(c_in, groups),
                 lambda: f"in_channels must be divisible by groups ({c_in} % {groups} ≠ 0)",
                 at="groups")
    call.require(algebra.divisible(c_out, groups),
                 lambda: f"out_channels must be divisible by groups ({c_out} % {groups} ≠ 0)",
                 at="groups")
    return c_in, c_out, groups


def _torch_input(call: Call, x: tuple, n: int, c_in):
    batch, channels, spatial, batched = split_spatial(call, x, n)
    call.require(algebra.equal(channels, c_in), lambda: (
        f"expected input with {c_in} channels (in_channels), got {channels} channels: "
        f"input shape {algebra.show_shape(x)}"))
    return batch, spatial, batched


def _torch_positive(call: Call, stride, dilation) -> None:
    for s in stride:
        call.require(s > 0, "non-positive stride is not supported", at="stride")
    for d in dilation:
        call.require(d > 0, "dilation should be greater than zero", at="dilation")


def _torch_conv(n: int):
    sig = signature(f"Conv{n}d", "in_channels", "out_channels", "kernel_size", stride=1,
                    padding=0, dilation=1, groups=1, bias=True, padding_mode="zeros",
                    device=None, dtype=None)

    @register(PYTORCH, sig)
    def conv(call: Call, x: tuple) -> LayerResult:
        c_in, c_out, groups = _torch_channels(call)
        kernel = _torch_kernel(call, n)
        stride = call.ints("stride", n)
        dilation = call.ints("dilation", n)
        bias = call.flag("bias")
        mode = call.choice("padding_mode", _TORCH_PADDING_MODES)
        padding = call["padding"]
        if isinstance(padding, str):
            padding = call.choice("padding", ("valid", "same"))
            if padding == "same":
                for s in stride:
                    call.require(algebra.equal(s, 1), "padding='same' is not supported for strided "
                                 "convolutions (use stride=1, or an explicit padding)",
                                 at="padding")
        else:
            padding = call.ints("padding", n)
        params = c_out * (c_in // groups) * product(kernel) + (c_out if bias else 0)

        # forward
        batch, spatial, batched = _torch_input(call, x, n, c_in)
        _torch_positive(call, stride, dilation)
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
            before, after = _padding_mode_pads(call, n, mode, batched, before, after)
            _check_padding_mode(call, mode, spatial, before, after)
        out = sliding_output(call, spatial, kernel, stride, dilation, before, after)
        macs = batch * product(out) * c_out * (c_in // groups) * product(kernel)
        explain_conv_counts(call, n, kernel, c_in, c_out, groups, bias, params, batch, out,
                            macs)
        return LayerResult(
            shape=join_spatial(call, batch, c_out, out, batched),
            trainable=params,
            macs=macs,
            receptive=Window(tuple(effective_kernel(k, d) for k, d in zip(kernel, dilation)),
                             stride, before),
        )

    return conv


def _padding_mode_pads(call: Call, n: int, mode: str, batched: bool, before, after):
    """The padding a non-zeros padding_mode really applies. PyTorch pads with F.pad, given
    a list it builds at construction from the arguments as written:
    - padding=(p,), one element: reversed and repeated twice it is 2 values, which pad the
      last axis only; F.pad takes 2 values for a reflect, replicate or circular pad of a
      2-D or 3-D tensor only (the unbatched Conv2d input).
    - padding='same' with dilation=(d,), one element: the list is filled by zipping
      dilation with kernel_size, which stops after the first axis, so only that axis is
      padded (by d(k-1)); the others get none."""
    if n == 1:
        return before, after
    written = call["padding"]
    if isinstance(written, tuple) and len(written) == 1:
        rank = n + 2 if batched else n + 1
        if rank > 3:
            call.fail(f"padding_mode={mode!r} with the one-element padding "
                      f"{_tuple_text(written)} gives F.pad 2 values, which a {mode} pad of a "
                      f"{rank}-D input does not accept (PyTorch refuses it at the forward "
                      f"pass); give padding={written[0]} or a tuple of {n} ints", at="padding")
        zero = (0,) * (n - 1)
        return zero + before[-1:], zero + after[-1:]
    dilation = call["dilation"]
    if written == "same" and isinstance(dilation, tuple) and len(dilation) == 1:
        zero = (0,) * (n - 1)
        return before[:1] + zero, after[:1] + zero
    return before, after


def _check_padding_mode(call: Call, mode: str, spatial, before, after) -> None:
    for i, L in enumerate(spatial):
        for p in {before[i], after[i]}:
            if mode == "reflect":
                call.require(p < L, lambda p=p, L=L, i=i: (
                    f"padding_mode='reflect' needs padding {p} < input size {L}"
                    f"{_axis_label(len(spatial), i)}"), at="padding")
            elif mode == "circular":
                call.require(p <= L, lambda p=p, L=L, i=i: (
                    f"padding_mode='circular' needs padding {p} ≤ input size {L}"
                    f"{_axis_label(len(spatial), i)} (padding would wrap around more than once)"),
                    at="padding")


def _torch_conv_transpose(n: int):
    sig = signature(f"ConvTranspose{n}d", "in_channels", "out_channels", "kernel_size",
                    stride=1, padding=0, output_padding=0, groups=1, bias=True, dilation=1,
                    padding_mode="zeros", device=None, dtype=None)

    @register(PYTORCH, sig)
    def conv_transpose(call: Call, x: tuple) -> LayerResult:
        c_in, c_out, groups = _torch_channels(call)
        mode = call.choice("padding_mode", _TORCH_PADDING_MODES)
        if mode != "zeros":
            call.fail(f"only padding_mode='zeros' is supported for ConvTranspose{n}d, got "
                      f"{mode!r}", at="padding_mode")
        kernel = _torch_kernel(call, n)
        stride = call.ints("stride", n)
        dilation = call.ints("dilation", n)
        if isinstance(call["padding"], str):
            call.fail(f"ConvTranspose{n}d has no string padding: PyTorch stores "
                      f"{call['padding']!r} character by character and the forward pass "
                      f"raises TypeError; give an int or a tuple of {n} ints", at="padding")
        padding = call.ints("padding", n)
        output_padding = call.ints("output_padding", n)
        bias = call.flag("bias")
        params = c_in * (c_out // groups) * product(kernel) + (c_out if bias else 0)

        # forward
        batch, spatial, batched = _torch_input(call, x, n, c_in)
        _torch_positive(call, stride, dilation)
        for p in padding:
            call.require(p >= 0, "negative padding is not supported", at="padding")
        for op in output_padding:
            call.require(op >= 0, "negative output_padding is not supported",
                         at="output_padding")
        _check_torch_output_padding(call, output_padding, stride, dilation)
        out = _torch_transposed_output(call, spatial, kernel, stride, dilation, padding,
                                       output_padding)
        macs = batch * product(spatial) * c_in * (c_out // groups) * product(kernel)
        explain_transposed_counts(call, n, kernel, c_in, c_out, groups, bias, params, batch,
                                  spatial, macs)
        return LayerResult(
            shape=join_spatial(call, batch, c_out, out, batched),
            trainable=params,
            macs=macs,
            receptive=transposed_window(kernel, stride, dilation, padding),
        )

    return conv_transpose


def _check_torch_output_padding(call: Call, output_padding, stride, dilation) -> None:
    n = len(stride)
    for i, (op, s, d) in enumerate(zip(output_padding, stride, dilation)):
        call.require(algebra.any_of(op < s, op < d), lambda op=op, s=s, d=d, i=i: (
            f"output padding must be smaller than either stride or dilation, but got "
            f"output_padding {_tuple_text(output_padding)}, stride {_tuple_text(stride)}, "
            f"dilation {_tuple_text(dilation)}: {op} ≥ {s} and {op} ≥ {d}"
            f"{_axis_label(n, i)}"), at="output_padding")


def _torch_transposed_output(call: Call, spatial, kernel, stride, dilation, padding,
                             output_padding) -> tuple:
    """(L-1)s - 2p + d(k-1) + op + 1 per axis, refused when it is not positive."""
    n = len(spatial)
    out = []
    for i in range(n):
        L, k, s, d, p, op = (spatial[i], kernel[i], stride[i], dilation[i], padding[i],
                             output_padding[i])
        length = (L - 1) * s - 2 * p + d * (k - 1) + op + 1

        def explain(L=L, k=k, s=s, d=d, p=p, op=op, length=length, i=i) -> str:
            return (f"output size (L−1)·s − 2p + d·(k−1) + op + 1 = ({L}−1)·{s} − 2·{p} + "
                    f"{d}·({k}−1) + {op} + 1 = {length} is too small{_axis_label(n, i)} "
                    f"(it must be at least 1; reduce padding)")

        call.require(length >= 1, explain, at="padding")
        axis = AXIS_NAMES[n][i]
        call.explain(f"{axis}_out", f"({axis} - 1)*s - 2*p + d*(k - 1) + op + 1", length,
                     **{axis: L}, s=s, p=p, d=d, k=k, op=op)
        out.append(length)
    return tuple(out)


def _torch_lazy(n: int, apply, base: str) -> None:
    """LazyConv{n}d / LazyConvTranspose{n}d: the same layer with in_channels taken from the
    input at the first forward pass (parameters counted after it, as torch counts them)."""
    sig = REGISTRY[(PYTORCH, f"{base}{n}d")].signature
    lazy = Signature(f"Lazy{sig.name}", sig.positional[1:], sig.keyword_only)

    @register(PYTORCH, lazy)
    def lazy_conv(call: Call, x: tuple) -> LayerResult:
        if len(x) not in (n + 1, n + 2):  # _LazyConvXdMixin._get_in_channels
            call.fail(f"expected {n + 1}-D (unbatched) or {n + 2}-D (batched) input to "
                      f"{call.name}, got {len(x)}-D input of shape {algebra.show_shape(x)}")
        channels = x[1] if len(x) == n + 2 else x[0]
        arguments = {"in_channels": Argument(channels, None, False), **call.arguments}
        if base == "ConvTranspose":
            arguments["out_channels"] = _lazy_transposed_out(call)
        eager_call = Call(call.rule, arguments, call.span, call.source, call.layer_index,
                          call.evaluate, call.conditions)
        eager_call.constraints, eager_call.explaining = call.constraints, call.explaining
        eager_call.explanations = call.explanations
        return apply(eager_call, x)


def _lazy_transposed_out(call: Call) -> Argument:
    """A lazy module skips the construction checks, and a transposed weight is
    (C, out_channels // groups, *k): without a bias to betray the size, the layer runs
    with groups·floor(out_channels/groups) output channels."""
    written = call.arguments["out_channels"]
    out, groups = written.value, call["groups"]
    if (type(out) is int and type(groups) is int and groups > 0 and out % groups != 0
            and out // groups >= 1 and call["bias"] is False):
        return Argument(groups * (out // groups), written.span, written.given)
    return written


for _n in (1, 2, 3):
    _torch_lazy(_n, _torch_conv(_n), "Conv")
    _torch_lazy(_n, _torch_conv_transpose(_n), "ConvTranspose")


# -- Keras ----------------------------------------------------------------------------------


def keras_ints(call: Call, name: str, n: int, minimum: int | None = 1) -> tuple:
    """Keras' standardize_tuple: an int, or a tuple of exactly n ints (a one-element tuple
    is not repeated)."""
    value = call[name]
    if n > 1 and isinstance(value, tuple) and len(value) != n:
        call.fail(f"the `{name}` argument must be an int or a tuple of {n} integers, got "
                  f"{_tuple_text(value)}", at=name)
    return call.ints(name, n, minimum)


def keras_padding(call: Call, *, causal_ok: bool) -> str:
    options = ("valid", "same", "causal") if causal_ok else ("valid", "same")
    value = call["padding"]
    if isinstance(value, str) and value.lower() == "causal" and not causal_ok:
        call.fail(f"padding='causal' is only supported by Conv1D, not {call.name}; use "
                  f"'valid' or 'same'", at="padding")
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
            explain_keras_axis(call, AXIS_NAMES.get(n, ("L",) * n)[i], padding, spatial[i],
                               kernel[i], strides[i], dilation[i], length)
            out.append(length)
        return tuple(out), (0,) * n
    if padding == "causal":
        out = tuple(ceildiv(L, s) for L, s in zip(spatial, strides))
        before = tuple(effective_kernel(k, d) - 1 for k, d in zip(kernel, dilation))
    else:
        out = tuple(ceildiv(L, s) for L, s in zip(spatial, strides))
        before = tuple(keras_same_padding(L, effective_kernel(k, d), s)
                       for L, k, s, d in zip(spatial, kernel, strides, dilation))
    for i in range(n):
        explain_keras_axis(call, AXIS_NAMES.get(n, ("L",) * n)[i], padding, spatial[i],
                           kernel[i], strides[i], dilation[i], out[i])
    return out, before


def keras_no_strided_dilation(call: Call, strides, dilation) -> None:
    strided = any(algebra.truth(s > 1) is True for s in strides)
    dilated = any(algebra.truth(d > 1) is True for d in dilation)
    if strided and dilated:
        call.fail(f"`strides > 1` not supported in conjunction with `dilation_rate > 1`: "
                  f"strides={_tuple_text(strides)} and dilation_rate={_tuple_text(dilation)} "
                  f"(Keras refuses this at construction; use strides=1 or dilation_rate=1)",
                  at="strides")


def _keras_window_args(call: Call, n: int):
    kernel = keras_ints(call, "kernel_size", n)
    strides = keras_ints(call, "strides", n)
    dilation = keras_ints(call, "dilation_rate", n)
    return kernel, strides, dilation


def _conv_window(kernel, strides, dilation, before) -> Window:
    return Window(tuple(effective_kernel(k, d) for k, d in zip(kernel, dilation)),
                  tuple(strides), before)


_KERAS_CONV_TAIL = dict(
    activation=None, use_bias=True, kernel_initializer="glorot_uniform",
    bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
    activity_regularizer=None, kernel_constraint=None, bias_constraint=None)


def _keras_conv(n: int):
    one = 1 if n == 1 else (1,) * n
    # Conv1D/2D/3D also take BaseConv's lora_rank and lora_alpha, through **kwargs only.
    sig = signature(
        f"Conv{n}D", "filters", "kernel_size", strides=one, padding="valid", data_format=None,
        dilation_rate=one, groups=1, **_KERAS_CONV_TAIL,
        keyword_only={**KERAS_BASE_KWARGS, "lora_rank": None, "lora_alpha": None})

    @register(KERAS, sig, aliases=(f"Convolution{n}D",))
    def conv(call: Call, x: tuple) -> LayerResult:
        filters = call.int("filters", 1)
        groups = call.int("groups", 1)
        call.require(algebra.divisible(filters, groups), lambda: (
            f"the number of filters must be evenly divisible by the number of groups "
            f"({filters} % {groups} ≠ 0)"), at="groups")
        kernel, strides, dilation = _keras_window_args(call, n)
        padding = keras_padding(call, causal_ok=n == 1)
        use_bias = call.flag("use_bias")
        keras_no_strided_dilation(call, strides, dilation)
        rank = None if call["lora_rank"] is None else call.int("lora_rank", 0)

        batch, channels, spatial, _ = split_spatial(call, x, n)
        call.require(algebra.divisible(channels, groups), lambda: (
            f"the number of input channels must be evenly divisible by the number of groups "
            f"({channels} % {groups} ≠ 0)"), at="groups")
        out, before = keras_window_output(call, padding, spatial, kernel, strides, dilation)
        weights = product(kernel) * (channels // groups) * filters
        bias = filters if use_bias else 0
        macs = batch_of(x) * product(out) * filters * (channels // groups) * product(kernel)
        explain_conv_counts(call, n, kernel, channels, filters, groups, use_bias,
                            weights + bias, batch_of(x), out, macs, out_name="filters",
                            in_name="C")
        frozen = 0
        if rank is not None and algebra.truth(algebra.equal(rank, 0)) is not True:
            frozen, weights, macs = _lora(weights, kernel, channels // groups, filters, rank,
                                          macs)
        return LayerResult(
            shape=join_spatial(call, batch, filters, out, True),
            trainable=weights + bias,
            non_trainable=frozen,
            macs=macs,
            receptive=_conv_window(kernel, strides, dilation, before),
        )

    return conv


def _lora(weights, kernel, channels, filters, rank, macs):
    """LoRA (lora_rank > 0): the kernel is frozen (non-trainable) and two trainable factors
    are added, A of ∏k·C/g·r and B of r·f; the call convolves with kernel + A·B, whose
    matmul costs ∏k·C/g·r·f MACs once per call. Returns (non-trainable, trainable, MACs)."""
    a = product(kernel) * channels * rank
    return weights, a + rank * filters, macs + a * filters


def _keras_conv_transpose(n: int):
    one = 1 if n == 1 else (1,) * n
    # Conv3DTranspose lists data_format before output_padding; 1D and 2D the other way.
    if n == 3:
        middle = dict(data_format=None, output_padding=None)
    else:
        middle = dict(output_padding=None, data_format=None)
    sig = keras_signature(
        f"Conv{n}DTranspose", "filters", "kernel_size", strides=one, padding="valid",
        **middle, dilation_rate=one, **_KERAS_CONV_TAIL)

    @register(KERAS, sig, aliases=(f"Convolution{n}DTranspose",))
    def conv_transpose(call: Call, x: tuple) -> LayerResult:
        filters = call.int("filters", 1)
        kernel, strides, dilation = _keras_window_args(call, n)
        padding = keras_padding(call, causal_ok=False)
        output_padding = None
        if call["output_padding"] is not None:
            output_padding = keras_ints(call, "output_padding", n, minimum=0)
            for i, (op, s) in enumerate(zip(output_padding, strides)):
                call.require(op < s, lambda op=op, s=s, i=i: (
                    f"`output_padding` must be strictly less than `strides` for all "
                    f"dimensions: {op} ≥ {s}{_axis_label(n, i)} (output_padding="
                    f"{_tuple_text(output_padding)}, strides={_tuple_text(strides)})"),
                    at="output_padding")
        use_bias = call.flag("use_bias")
        keras_no_strided_dilation(call, strides, dilation)

        batch, channels, spatial, _ = split_spatial(call, x, n)
        out = _keras_transposed_output(call, padding, spatial, kernel, strides, dilation,
                                       output_padding)
        if padding == "same":
            crops = tuple(keras_same_padding(o, effective_kernel(k, d), s)
                          for o, k, s, d in zip(out, kernel, strides, dilation))
        else:
            crops = (0,) * n
        params = product(kernel) * channels * filters + (filters if use_bias else 0)
        macs = batch_of(x) * product(spatial) * channels * filters * product(kernel)
        explain_transposed_counts(call, n, kernel, channels, filters, 1, use_bias, params,
                                  batch_of(x), spatial, macs)
        return LayerResult(
            shape=join_spatial(call, batch, filters, out, True),
            trainable=params,
            macs=macs,
            receptive=transposed_window(kernel, strides, dilation, crops),
        )

    return conv_transpose


def _keras_transposed_output(call: Call, padding: str, spatial, kernel, strides, dilation,
                             output_padding) -> tuple:
    n = len(spatial)
    out = []
    for i in range(n):
        L, s = spatial[i], strides[i]
        k_eff = effective_kernel(kernel[i], dilation[i])
        axis = AXIS_NAMES[n][i]
        rule = f"Keras {padding!r}"
        if output_padding is None:
            out.append((L - 1) * s + maximum(k_eff, s) if padding == "valid" else L * s)
            call.explain(f"{axis}_out", f"({axis} - 1)*s + max(d*(k - 1) + 1, s)"
                         if padding == "valid" else f"{axis}*s", out[-1], rule=rule,
                         **{axis: L}, s=s, **({"d": dilation[i], "k": kernel[i]}
                                             if padding == "valid" else {}))
            continue
        op = output_padding[i]
        if padding == "valid":
            out.append((L - 1) * s + k_eff + op)
            call.explain(f"{axis}_out", f"({axis} - 1)*s + d*(k - 1) + 1 + op", out[-1],
                         rule=rule, **{axis: L}, s=s, d=dilation[i], k=kernel[i], op=op)
            continue
        odd = k_eff % 2
        length = (L - 1) * s + odd + op

        def explain(L=L, s=s, k_eff=k_eff, op=op, length=length, i=i) -> str:
            if algebra.truth(algebra.equal(length, 0)) is True:
                outcome = ("an empty axis (TensorFlow's oneDNN kernel returns an empty "
                           "tensor, the native kernel rejects it)")
            else:
                outcome = (f"which Keras builds but TensorFlow rejects whenever the model "
                           f"runs (a 'same' conv of {length} with stride {s} does not give "
                           f"back {L})")
            return (f"padding='same' with output_padding {op}{_axis_label(n, i)} and the "
                    f"even effective kernel {k_eff} gives the output size "
                    f"({L}−1)·{s} + 0 + {op} = {length}, {outcome}; use "
                    f"output_padding=None, an odd kernel, or output_padding ≥ 1")

        # TensorFlow checks that the forward 'same' conv of the output gives back L:
        # ceil(((L-1)s + odd + op)/s) = L - 1 + ceil((odd + op)/s), which is L iff odd + op ≥ 1.
        call.require(odd + op >= 1, explain, at="output_padding")
        call.explain(f"{axis}_out", f"({axis} - 1)*s + odd + op", length, rule=rule
                     + " (odd: 1 when the effective kernel is odd)", **{axis: L}, s=s, odd=odd,
                     op=op)
        out.append(length)
    return tuple(out)


def _keras_depthwise(n: int):
    one = 1 if n == 1 else (1,) * n
    sig = keras_signature(
        f"DepthwiseConv{n}D", "kernel_size", strides=one, padding="valid", depth_multiplier=1,
        data_format=None, dilation_rate=one, activation=None, use_bias=True,
        depthwise_initializer="glorot_uniform", bias_initializer="zeros",
        depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
        depthwise_constraint=None, bias_constraint=None)

    @register(KERAS, sig)
    def depthwise(call: Call, x: tuple) -> LayerResult:
        multiplier = call.int("depth_multiplier", 1)
        kernel, strides, dilation = _keras_window_args(call, n)
        padding = keras_padding(call, causal_ok=False)
        use_bias = call.flag("use_bias")

        batch, channels, spatial, _ = split_spatial(call, x, n)
        out, before = keras_window_output(call, padding, spatial, kernel, strides, dilation)
        c_out = channels * multiplier
        params = product(kernel) * c_out + (c_out if use_bias else 0)
        macs = batch_of(x) * product(out) * c_out * product(kernel)
        if call.explaining:
            kernel_names = _KERNEL_NAMES[n]
            weights = "*".join((*kernel_names, "C", "m"))
            call.explain("params", f"{weights} + C*m" if use_bias else weights, params,
                         counting=True, **dict(zip(kernel_names, kernel)), C=channels,
                         m=multiplier)
            axes = [f"{a}_out" for a in AXIS_NAMES[n]]
            call.explain("MACs", "*".join(("N", *axes, "C", "m", *kernel_names)), macs,
                         counting=True, N=batch_of(x), **dict(zip(axes, out)),
                         **dict(zip(kernel_names, kernel)), C=channels, m=multiplier)
        return LayerResult(
            shape=join_spatial(call, batch, c_out, out, True),
            trainable=params,
            macs=macs,
            receptive=_conv_window(kernel, strides, dilation, before),
        )

    return depthwise


def _keras_separable(n: int):
    one = 1 if n == 1 else (1,) * n
    sig = keras_signature(
        f"SeparableConv{n}D", "filters", "kernel_size", strides=one, padding="valid",
        data_format=None, dilation_rate=one, depth_multiplier=1, activation=None,
        use_bias=True, depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform", bias_initializer="zeros",
        depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
        activity_regularizer=None, depthwise_constraint=None, pointwise_constraint=None,
        bias_constraint=None)

    @register(KERAS, sig, aliases=(f"SeparableConvolution{n}D",))
    def separable(call: Call, x: tuple) -> LayerResult:
        multiplier = call.int("depth_multiplier", 1)
        filters = call.int("filters", 1)
        kernel, strides, dilation = _keras_window_args(call, n)
        padding = keras_padding(call, causal_ok=False)
        use_bias = call.flag("use_bias")

        batch, channels, spatial, _ = split_spatial(call, x, n)
        out, before = keras_window_output(call, padding, spatial, kernel, strides, dilation)
        middle = channels * multiplier
        params = product(kernel) * middle + middle * filters + (filters if use_bias else 0)
        if call.explaining:  # depthwise (no bias) + pointwise (bias)
            kernel_names = _KERNEL_NAMES[n]
            depthwise = "*".join((*kernel_names, "C", "m"))
            pointwise = "C*m*filters + filters" if use_bias else "C*m*filters"
            call.explain("params", f"{depthwise} + {pointwise}", params, counting=True,
                         **dict(zip(kernel_names, kernel)), C=channels, m=multiplier,
                         filters=filters)
        positions = batch_of(x) * product(out)
        macs = positions * middle * product(kernel) + positions * middle * filters
        if call.explaining:  # the depthwise conv, then the 1x1 pointwise conv
            axes = [f"{a}_out" for a in AXIS_NAMES[n]]
            where = "*".join(("N", *axes))
            call.explain("MACs", f"{where}*C*m*{'*'.join(kernel_names)} + {where}*C*m*filters",
                         macs, counting=True, N=batch_of(x), **dict(zip(axes, out)),
                         **dict(zip(kernel_names, kernel)), C=channels, m=multiplier,
                         filters=filters)
        return LayerResult(
            shape=join_spatial(call, batch, filters, out, True),
            trainable=params,
            macs=macs,
            receptive=_conv_window(kernel, strides, dilation, before),
        )

    return separable


for _n in (1, 2, 3):
    _keras_conv(_n)
    _keras_conv_transpose(_n)
for _n in (1, 2):
    _keras_depthwise(_n)
    _keras_separable(_n)
