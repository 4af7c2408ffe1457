"""Fully connected layers: PyTorch Linear, LazyLinear, Bilinear and Identity; Keras Dense
and Identity.

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
    return LayerResult(
        shape=(*x[:-1], n_out),
        trainable=params,
        macs=_rows(x[:-1]) * n_in * n_out,
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
    return LayerResult(
        shape=(*x[:-1], units),
        trainable=trainable,
        non_trainable=frozen,
        macs=batch_of(x) * product(x[1:-1]) * n_in * units,
        receptive=KEEP,
    )
