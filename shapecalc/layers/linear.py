"""Fully connected layers: PyTorch Linear, LazyLinear, Bilinear and Identity; Keras Dense,
EinsumDense and Identity.

Linear(in, out) and Dense(units) act on the last axis of an input of any rank; every
other axis is carried through unchanged:

    (*lead, in) -> (*lead, out)          params = in·out + out·bias
    MACs = ∏lead · in · out              (FlopCounterMode counts the addmm, never the bias)

PyTorch also takes the unbatched 1-D input (in,) -> (out,). A last axis that is not
in_features is refused as torch refuses it ("mat1 and mat2 shapes cannot be multiplied
(2x20 and 21x10)": the leading axes flattened into rows). Keras infers the input size at
build, so nothing can mismatch, but Dense needs rank ≥ 2 with the batch: on a rank-1
input (None,) the model refuses to build ("expected min_ndim=2"), even though
compute_output_shape would answer (units,) — we follow the model. With lora_rank=r,
Keras freezes the kernel (non-trainable in·units) and trains lora_kernel_a (in·r) and
lora_kernel_b (r·units), plus the bias.

LazyLinear(out) is Linear(x[-1], out): in_features comes from the input at the first
forward pass, and the parameters are counted after it, as torch counts them.

Bilinear(in1, in2, out) takes two inputs (*lead, in1) and (*lead, in2) with the same
leading axes; params in1·in2·out + out. Its MACs are reported as 0, because FLOPs must
equal FlopCounterMode's count and torch.bilinear runs as `_trilinear`, which the counter
does not count (the arithmetic is ∏lead·in1·in2·out).

Receptive field: Keras is channels-last, so Dense mixes only the channel axis (KEEP).
In PyTorch the last axis of a conv output is W, so a Linear on a rank ≥ 3 input mixes a
spatial axis and we report GLOBAL; on (N, F) or (F,) there is no spatial axis left (KEEP).
"""

from __future__ import annotations

import re

from shapecalc import algebra
from shapecalc.algebra import product
from shapecalc.layers.base import (
    GLOBAL,
    KEEP,
    KERAS,
    PYTORCH,
    Argument,
    Call,
    LayerResult,
    Signature,
    batch_of,
    keras_signature,
    rank_error,
    register,
    signature,
)

# -- PyTorch --------------------------------------------------------------------------------


def torch_last_axis_field(x: tuple) -> str:
    """KEEP when the input has no spatial axis (N, F) / (F,); GLOBAL when the last axis
    may be a spatial one (W after a conv)."""
    return KEEP if len(x) <= 2 else GLOBAL


def _features(call: Call, name: str) -> object:
    return call.int(name, 0, " (a weight cannot have a negative dimension)")


def explain_linear(call: Call, width: str, n_out, lead: tuple, n_in, macs) -> None:
    """The last axis becomes ``width``; every row of the leading axes is one vector-matrix
    product: MACs = rows·F_in·F_out."""
    call.explain("F_out", width, n_out, **{width: n_out})
    call.explain("MACs", "rows*F_in*F_out", macs, counting=True, rows=_rows(lead), F_in=n_in,
                 F_out=n_out)


def _rows(lead: tuple) -> object:
    """The number of rows torch's matmul sees: the leading axes flattened (1 for (F,))."""
    return product(lead)


@register(PYTORCH, signature("Linear", "in_features", "out_features", bias=True,
                             device=None, dtype=None))
def torch_linear(call: Call, x: tuple) -> LayerResult:
    n_in = _features(call, "in_features")
    n_out = _features(call, "out_features")
    bias = call.flag("bias")
    params = n_in * n_out + (n_out if bias else 0)

    features = x[-1]
    call.require(algebra.equal(features, n_in), lambda: (
        f"the input's last axis has {algebra.show(features)} features but in_features is "
        f"{algebra.show(n_in)}: an input of shape {algebra.show_shape(x)} cannot be "
        f"multiplied with the {algebra.show(n_in)}×{algebra.show(n_out)} weight (torch: "
        f"mat1 and mat2 shapes cannot be multiplied ({_rows(x[:-1])}x{features} and "
        f"{n_in}x{n_out})); use in_features={algebra.show(features)}"), at="in_features")
    call.explain("params", "out_features*(in_features + 1)" if bias else
                 "out_features*in_features", params, counting=True, out_features=n_out,
                 in_features=n_in)
    macs = _rows(x[:-1]) * n_in * n_out
    explain_linear(call, "out_features", n_out, x[:-1], n_in, macs)
    return LayerResult(
        shape=(*x[:-1], n_out),
        trainable=params,
        macs=macs,
        receptive=torch_last_axis_field(x),
    )


@register(PYTORCH, signature("LazyLinear", "out_features", bias=True, device=None,
                             dtype=None))
def torch_lazy_linear(call: Call, x: tuple) -> LayerResult:
    """A Linear whose in_features is the input's last axis, fixed by the first forward
    pass (params are counted after it, as torch counts them)."""
    if not x:
        rank_error(call, x, "at least 1-D")
    arguments = dict(call.arguments, in_features=Argument(x[-1], None, False))
    linear = Call(call.rule, arguments, call.span, call.source, call.layer_index,
                  call.evaluate, call.conditions)
    linear.constraints, linear.explaining = call.constraints, call.explaining
    linear.explanations = call.explanations
    return torch_linear(linear, x)


@register(PYTORCH, signature("Bilinear", "in1_features", "in2_features", "out_features",
                             bias=True, device=None, dtype=None), merge=True)
def torch_bilinear(call: Call, xs: tuple) -> LayerResult:
    # reset_parameters divides by sqrt(in1_features): 0 fails at construction
    n_in1 = call.int("in1_features", 1, " (the weight initialisation divides by "
                     "sqrt(in1_features))")
    n_in2 = _features(call, "in2_features")
    n_out = _features(call, "out_features")
    bias = call.flag("bias")
    if len(xs) != 2:
        call.fail(f"takes two input tensors (input1, input2), got {len(xs)}")
    x1, x2 = xs
    if len(x1) != len(x2):
        call.fail(f"the two inputs must have the same rank, got {len(x1)}-D "
                  f"{algebra.show_shape(x1)} and {len(x2)}-D {algebra.show_shape(x2)}")
    for axis, (a, b) in enumerate(zip(x1[:-1], x2[:-1])):
        call.require(algebra.equal(a, b), lambda axis=axis, a=a, b=b: (
            f"the inputs' leading axes must match, but axis {axis} is {algebra.show(a)} in "
            f"input1 {algebra.show_shape(x1)} and {algebra.show(b)} in input2 "
            f"{algebra.show_shape(x2)}"))
    call.require(algebra.equal(x1[-1], n_in1), lambda: (
        f"input1's last axis has {algebra.show(x1[-1])} features but in1_features is "
        f"{algebra.show(n_in1)} (input1 shape {algebra.show_shape(x1)})"), at="in1_features")
    call.require(algebra.equal(x2[-1], n_in2), lambda: (
        f"input2's last axis has {algebra.show(x2[-1])} features but in2_features is "
        f"{algebra.show(n_in2)} (input2 shape {algebra.show_shape(x2)})"), at="in2_features")
    call.explain("F_out", "out_features", n_out, out_features=n_out)
    call.explain("params", "in1*in2*out + out" if bias else "in1*in2*out",
                 n_in1 * n_in2 * n_out + (n_out if bias else 0), counting=True, in1=n_in1,
                 in2=n_in2, out=n_out)
    call.explain("MACs", "0", 0, rule="torch.bilinear runs as _trilinear, which "
                 "FlopCounterMode does not count")
    return LayerResult(
        shape=(*x1[:-1], n_out),
        trainable=n_in1 * n_in2 * n_out + (n_out if bias else 0),
        macs=0,  # torch.bilinear runs as _trilinear, which FlopCounterMode does not count
        receptive=torch_last_axis_field(x1),
    )


# -- Identity: both frameworks ---------------------------------------------------------------

@register(PYTORCH, Signature("Identity", (), accepts_any=True))
def torch_identity(call: Call, x: tuple) -> LayerResult:
    return LayerResult(shape=x)


@register(KERAS, keras_signature("Identity"))
def keras_identity(call: Call, x: tuple) -> LayerResult:
    return LayerResult(shape=x)


# -- Keras ----------------------------------------------------------------------------------


def keras_positive(call: Call, name: str) -> object:
    value = call[name]
    if not algebra.is_symbolic(value) and (type(value) is not int or value <= 0):
        call.fail(f"{name} must be a positive integer, got {value!r}", at=name)
    value = call.int(name)
    call.require(value >= 1, lambda: f"{name} must be a positive integer, got {value}",
                 at=name)
    return value


def keras_lora_rank(call: Call) -> object | None:
    if call["lora_rank"] is None:
        return None
    return keras_positive(call, "lora_rank")


@register(KERAS, keras_signature(
    "Dense", "units", activation=None, use_bias=True, kernel_initializer="glorot_uniform",
    bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
    activity_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
    lora_alpha=None, quantization_config=None))
def keras_dense(call: Call, x: tuple) -> LayerResult:
    units = keras_positive(call, "units")
    use_bias = call.flag("use_bias")
    rank = keras_lora_rank(call)
    if len(x) < 2:
        rank_error(call, x, "at least 2-D (batch included; Dense acts on the last axis, "
                   "so a rank-1 input has no feature axis)")
    n_in = x[-1]
    kernel = n_in * units
    bias = units if use_bias else 0
    if rank is None:
        trainable, frozen = kernel + bias, 0
        call.explain("params", "units*(inputs + 1)" if use_bias else "units*inputs",
                     trainable, counting=True, units=units, inputs=n_in)
    else:  # LoRA freezes the kernel and trains its two low-rank factors
        trainable, frozen = n_in * rank + rank * units + bias, kernel
        call.explain("trainable", "inputs*r + r*units + units" if use_bias else
                     "inputs*r + r*units", trainable, counting=True, inputs=n_in, r=rank,
                     units=units)
        call.explain("non_trainable", "inputs*units", frozen, counting=True, inputs=n_in,
                     units=units, rule="the frozen kernel")
    macs = batch_of(x) * product(x[1:-1]) * n_in * units
    explain_linear(call, "units", units, (batch_of(x), *x[1:-1]), n_in, macs)
    return LayerResult(
        shape=(*x[:-1], units),
        trainable=trainable,
        non_trainable=frozen,
        macs=macs,
        receptive=KEEP,
    )


# -- Keras EinsumDense ------------------------------------------------------------------------

_EINSUM_FORMS = (  # (pattern, where the ellipsis stands), as Keras accepts them
    (re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)"), None),
    (re.compile(r"\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)"), "left"),
    (re.compile(r"([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\."), "right"),
)


@register(KERAS, keras_signature(
    "EinsumDense", "equation", "output_shape", activation=None, bias_axes=None,
    kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
    bias_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
    lora_alpha=None, gptq_unpacked_column_size=None, quantization_config=None))
def keras_einsum_dense(call: Call, x: tuple) -> LayerResult:
    """EinsumDense(equation, output_shape, bias_axes): a kernel contracted with the input
    by an einsum. output_shape leaves out the batch and any axes an ellipsis stands for;
    a None in it stays None in the output shape, as Keras' compute_output_shape gives it,
    even where the input knows the size (and a left ellipsis over several axes comes out
    in reverse order there too). The kernel takes each letter's size from the output
    spec, else from the input; the bias has the output's sizes from its first bias axis
    on. MACs per sample: the product of every letter's size and the ellipsis' axes, the
    batch left out."""
    equation = call["equation"]
    if not isinstance(equation, str):
        call._type_error("equation", "a string such as 'abc,cd->abd'")
    form = next(((m, side) for pattern, side in _EINSUM_FORMS
                 if (m := pattern.match(equation))), None)
    if form is None:
        call.fail(f"invalid einsum equation {equation!r}: Keras accepts [X],[Y]->[Z], "
                  "...[X],[Y]->...[Z] or [X]...,[Y]->[Z]...", at="equation")
    match, side = form
    inputs, weights, outputs = match.groups()
    partial = call["output_shape"]
    partial = list(partial) if isinstance(partial, (tuple, list)) else [partial]
    if not all(d is None or _is_size(d) for d in partial):
        call._type_error("output_shape", "an int or a tuple of ints and None")
    elided = len(x) - len(inputs)
    if elided < 0:  # more axes than that are carried through, as Keras builds it
        rank_error(call, x, f"at least {len(inputs)}-D (batch included: the equation's "
                   f"input is {inputs!r})")
    shape = [x[0], *partial]
    if side == "left":
        for i in range(1, elided):
            shape.insert(1, x[i])  # Keras' order: reversed
        out_at = {c: i + elided for i, c in enumerate(outputs)}
        in_at = {c: i + elided for i, c in enumerate(inputs)}
    else:
        shape += x[len(x) - elided:]
        out_at = {c: i for i, c in enumerate(outputs)}
        in_at = {c: i for i, c in enumerate(inputs)}
    if len(shape) != len(outputs) + max(elided, 0):
        call.fail(f"output_shape {_show_partial(partial)} gives {len(partial)} axes but the "
                  f"equation's output {outputs!r} has {len(outputs) - 1} after the batch",
                  at="output_shape")
    for c in inputs:
        if c in out_at and shape[out_at[c]] is not None and algebra.truth(
                algebra.equal(shape[out_at[c]], x[in_at[c]])) is False:
            call.fail(f"input and output_shape disagree on axis {c!r}: the input has "
                      f"{algebra.show(x[in_at[c]])}, output_shape says "
                      f"{algebra.show(shape[out_at[c]])}", at="output_shape")
    for c in outputs:
        if c not in inputs and c not in weights:
            call.fail(f"the output's axis {c!r} is in neither the input {inputs!r} nor the "
                      f"kernel {weights!r}", at="equation")
    kernel = []
    for c in weights:
        if c not in out_at and c not in in_at:
            call.fail(f"the kernel's axis {c!r} is in neither the input {inputs!r} nor the "
                      f"output {outputs!r}", at="equation")
        kernel.append(shape[out_at[c]] if c in out_at else x[in_at[c]])
    bias_axes = call["bias_axes"]
    bias: list = []
    if bias_axes is not None:
        if not isinstance(bias_axes, str) or any(c not in outputs for c in bias_axes):
            call.fail(f"bias_axes {bias_axes!r} must be letters of the output {outputs!r}",
                      at="bias_axes")
        bias = [shape[out_at[c]] for c in outputs[min(map(outputs.find, bias_axes)):]
                if c in bias_axes]
    for name, sizes in (("kernel", kernel), ("bias", bias)):
        if any(s is None for s in sizes):
            call.fail(f"the {name} would have an axis of unknown size (None); Keras needs "
                      "every weight's size: give it in output_shape", at="output_shape")
    sizes = {c: x[in_at[c]] if c in in_at else shape[out_at[c]]
             for c in dict.fromkeys(inputs + weights + outputs)}
    batch = next(iter(sizes)) if side != "left" else None
    extra = x[1:elided] if side == "left" else x[len(x) - elided:]
    weights_count = product(kernel)
    rank = keras_lora_rank(call)
    bias_count = product(bias) if bias_axes is not None else 0
    if rank is None:
        trainable, frozen = weights_count + bias_count, 0
    else:  # LoRA freezes the kernel: factors (kernel[:-1]..., r) and (r, kernel[-1])
        trainable = product(kernel[:-1]) * rank + rank * kernel[-1] + bias_count
        frozen = weights_count
    mixes_only_last = all(c in outputs for c in inputs[1:-1]) and not elided
    macs = product([s for c, s in sizes.items() if c != batch]) * product(extra)
    if call.explaining:  # each letter of the equation stands for its axis' size
        letters = {c: (None if c == batch else s) for c, s in sizes.items()}
        if not elided:
            call.explain("shape", f"({', '.join(outputs)})", tuple(shape),
                         rule=f"the output {outputs!r}",
                         **{c: shape[out_at[c]] for c in outputs})
        bias_letters = [c for c in outputs[min(map(outputs.find, bias_axes)):]
                        if c in bias_axes] if bias_axes is not None else []
        call.explain("params", " + ".join("*".join(part) for part in (weights, bias_letters)
                                          if part), weights_count + bias_count, counting=True,
                     rule=f"the kernel {weights!r}" + (" and the bias" if bias_letters else
                                                        ""), **letters)
        rest = [c for c in sizes if c != batch] + (["E"] if elided else [])
        call.explain("MACs", "*".join(rest), macs, counting=True,
                     rule="every letter's size once, the batch left out",
                     **letters, **({"E": product(extra)} if elided else {}))
    return LayerResult(
        shape=tuple(shape),
        trainable=trainable,
        non_trainable=frozen,
        macs=macs,
        receptive=KEEP if mixes_only_last else GLOBAL,
    )


def _is_size(value: object) -> bool:
    return not isinstance(value, bool) and (type(value) is int or algebra.is_symbolic(value))


def _show_partial(partial: list) -> str:
    return algebra.show_shape(tuple(partial))
