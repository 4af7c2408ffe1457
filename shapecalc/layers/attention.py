"""Multi-head attention (PyTorch nn.MultiheadAttention, Keras MultiHeadAttention).

Both rules take their inputs as a list (one tensor in a chain means self-attention).

PyTorch nn.MultiheadAttention(E, heads, ..., kdim, vdim): forward(query, key, value), so a
layer applied to named tensors takes three, `(q, k, v)`; a single input is self-attention
(query = key = value). Shapes: query (L, B, E), key (S, B, kdim), value (S, B, vdim);
(B, L, E)... with batch_first; unbatched (L, E), (S, kdim), (S, vdim). The output (the first
element of the returned tuple) has the query's shape. E % heads == 0 is required.
Params: E² (q) + E·kdim (k) + E·vdim (v) + E² (out_proj), plus biases 3E (in_proj) + E
(out_proj), plus 2E with add_bias_kv: 4E² + 4E when kdim = vdim = E.
MACs (train mode, the state after construction, as torch.utils.flop_counter counts it):
B·(L·E² + S·E·kdim + S·E·vdim + 2·L·S'·E + L·E²): the three input projections, the QKᵀ
and AV batched matmuls over S' = S + add_bias_kv + add_zero_attn keys, and the output
projection. (In eval mode under no_grad, batch_first self-attention takes a fused fast
path that FlopCounterMode reports as 0.) Dropout is checked at forward in train mode
only when it is positive: p > 1 is refused, a negative p is silently ignored.

Keras MultiHeadAttention(num_heads, key_dim, value_dim=key_dim, ..., output_shape,
attention_axes): call(query, value, key=value), so named inputs are `(query, value)` or
`(query, value, key)`; a single input is self-attention. Inputs (B, *T, D) of rank ≥ 3 and
equal rank; value and key must agree on every axis but the last. With N heads,
projections are EinsumDense layers with per-head bias:
  query: Dq·N·key_dim + N·key_dim; key: Dk·N·key_dim + N·key_dim;
  value: Dv·N·value_dim + N·value_dim; output: N·value_dim·∏O + ∏O
(O = output_shape, default (Dq,); use_gate adds a query projection Dq·N·value_dim +
N·value_dim). The output is (B, *Tq, *O).
MACs per sample (batch None counts as one): ∏Tq·Dq·N·kd + ∏Tk·Dk·N·kd + ∏Tv·Dv·N·vd
(+ ∏Tq·Dq·N·vd with use_gate) for the projections, N·∏Tb·∏Aq·∏Ak·(kd + vd) for QKᵀ and
the weighted sum of values (A: the attention axes, all of T by default; Tb: the other
axes of T, which act as batch), and ∏Tq·N·vd·∏O for the output projection. Bias,
softmax, scaling and dropout count 0.

Receptive field: every output position may depend on every input position (GLOBAL).
"""

from __future__ import annotations

from shapecalc import algebra
from shapecalc.algebra import product
from shapecalc.layers.base import (
    GLOBAL,
    KERAS,
    PYTORCH,
    Call,
    LayerResult,
    batch_of,
    keras_signature,
    register,
    signature,
)
from shapecalc.layers.recurrent import keras_trainable

# -- PyTorch --------------------------------------------------------------------------------


def _show(shape: tuple) -> str:
    return algebra.show_shape(shape)


@register(PYTORCH, signature("MultiheadAttention", "embed_dim", "num_heads", dropout=0.0,
                             bias=True, add_bias_kv=False, add_zero_attn=False, kdim=None,
                             vdim=None, batch_first=False, device=None, dtype=None),
          merge=True)
def multihead_attention(call: Call, inputs: tuple) -> LayerResult:
    embed = call.int("embed_dim")
    heads = call.int("num_heads")
    for size in (embed, heads):
        call.require(size > 0, lambda: (
            f"embed_dim and num_heads must be greater than 0, got embed_dim={embed} and "
            f"num_heads={heads}"))
    call.require(embed % heads == 0, lambda: (
        f"embed_dim must be divisible by num_heads ({embed} % {heads} ≠ 0; head dimension "
        f"would be {embed}/{heads})"), at="num_heads")
    kdim = embed if call["kdim"] is None else call.int("kdim")
    vdim = embed if call["vdim"] is None else call.int("vdim")
    for name, value in (("kdim", kdim), ("vdim", vdim)):
        call.require(value >= 0, lambda name=name, value=value: (
            f"{name} must not be negative, got {value}"), at=name)
    bias = call.flag("bias")
    bias_kv = call.flag("add_bias_kv")
    call.flag("add_zero_attn")  # validated: True or False
    batch_first = call.flag("batch_first")
    dropout = call.number("dropout")
    params = (2 * embed * embed + embed * kdim + embed * vdim
              + (4 * embed if bias else 0) + (2 * embed if bias_kv else 0))

    # forward(query, key, value)
    query, key, value = _torch_attention_inputs(call, inputs)
    if len(query) == 3:
        for name, shape in (("key", key), ("value", value)):
            if len(shape) != 3:
                call.fail(f"for a batched (3-D) query, {name} must be 3-D too, got "
                          f"{len(shape)}-D {name} of shape {_show(shape)}")
    elif len(query) == 2:
        for name, shape in (("key", key), ("value", value)):
            if len(shape) != 2:
                call.fail(f"for an unbatched (2-D) query, {name} must be 2-D too, got "
                          f"{len(shape)}-D {name} of shape {_show(shape)}")
    else:
        call.fail(f"query should be an unbatched 2-D (L, E) or batched 3-D tensor, got "
                  f"{len(query)}-D input of shape {_show(query)}")
    q_len, batch = _sequence_and_batch(query, batch_first)
    k_len, k_batch = _sequence_and_batch(key, batch_first)
    v_len, v_batch = _sequence_and_batch(value, batch_first)
    call.require(query[-1] == embed, lambda: (
        f"expected the query's embedding dimension to be embed_dim={embed}, got "
        f"{query[-1]} (query shape {_show(query)})"))
    separate = algebra.truth(kdim == embed) is not True or algebra.truth(vdim == embed) \
        is not True
    if separate:
        call.require(k_len == v_len, lambda: (
            f"key's sequence and batch dims do not match value's: key {_show(key)}, value "
            f"{_show(value)}"))
        call.require(k_batch == v_batch, lambda: (
            f"key's sequence and batch dims do not match value's: key {_show(key)}, value "
            f"{_show(value)}"))
    else:
        for a, b in zip(key, value):
            call.require(a == b, lambda: (
                f"key shape {_show(key)} does not match value shape {_show(value)}"))
    call.require(key[-1] == kdim, lambda: (
        f"expected the key's last dimension to be kdim={kdim}, got {key[-1]} (key shape "
        f"{_show(key)})"), at="kdim" if call.given("kdim") else None)
    call.require(value[-1] == vdim, lambda: (
        f"expected the value's last dimension to be vdim={vdim}, got {value[-1]} (value "
        f"shape {_show(value)})"), at="vdim" if call.given("vdim") else None)
    call.require(k_batch == batch, lambda: (
        f"key and value have batch size {k_batch}, but the query has {batch} (query "
        f"{_show(query)}, key {_show(key)})"))
    if dropout is not None and algebra.truth(dropout > 0) is True:
        call.require(dropout <= 1, lambda: (
            f"dropout probability has to be between 0 and 1, got {dropout}"), at="dropout")

    scores = torch_score_macs(call.arguments_values(), query, key)
    macs = batch * (2 * q_len * embed * embed + k_len * embed * kdim + v_len * embed * vdim) \
        + scores
    if call.explaining:
        call.explain("params", "2*E**2 + E*k_d + E*v_d" + (" + 4*E" if bias else "")
                     + (" + 2*E" if bias_kv else ""), params, counting=True, E=embed,
                     k_d=kdim, v_d=vdim, rule="in_proj (q, k, v) and out_proj"
                     + (", their biases" if bias else "") + (", bias_k and bias_v"
                                                             if bias_kv else ""))
        call.explain("MACs", "N*(2*L*E**2 + S*E*k_d + S_v*E*v_d) + A", macs, counting=True,
                     N=batch, L=q_len, S=k_len, S_v=v_len, E=embed, k_d=kdim, v_d=vdim,
                     A=scores, rule="projections of q and the output, of k, of v; A = "
                     "2·N·L·S·E for QKᵀ and AV")
    return LayerResult(shape=tuple(query), trainable=params, macs=macs, receptive=GLOBAL)


def _torch_attention_inputs(call: Call, inputs: tuple) -> tuple:
    if len(inputs) == 1:
        return inputs[0], inputs[0], inputs[0]
    if len(inputs) == 3:
        return inputs
    call.fail(f"forward takes query, key and value: apply it to one tensor (self-attention) "
              f"or to three, e.g. `(q, kv, kv)`; got {len(inputs)} tensors")


def torch_score_macs(args: dict, query: tuple, key: tuple) -> object:
    """nn.MultiheadAttention's QKᵀ and AV: 2·B·L·S·E, S with the extra key of add_bias_kv
    and of add_zero_attn."""
    q_len, batch = _sequence_and_batch(query, args["batch_first"])
    k_len, _ = _sequence_and_batch(key, args["batch_first"])
    keys = k_len + (1 if args["add_bias_kv"] else 0) + (1 if args["add_zero_attn"] else 0)
    return batch * 2 * q_len * keys * args["embed_dim"]


def _sequence_and_batch(shape: tuple, batch_first: bool) -> tuple:
    """(sequence length, batch) of a query/key/value; an unbatched input has batch 1."""
    if len(shape) == 2:
        return shape[0], 1
    return (shape[1], shape[0]) if batch_first else (shape[0], shape[1])


# -- Keras ----------------------------------------------------------------------------------


@register(KERAS, keras_signature(
    "MultiHeadAttention", "num_heads", "key_dim", value_dim=None, dropout=0.0, use_bias=True,
    output_shape=None, attention_axes=None, sliding_window=None, flash_attention=None,
    kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
    bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
    bias_constraint=None, use_gate=False, seed=None), merge=True)
def keras_multi_head_attention(call: Call, inputs: tuple) -> LayerResult:
    heads = _keras_positive(call, "num_heads")
    key_dim = _keras_positive(call, "key_dim")
    value_dim = key_dim if call["value_dim"] is None else _keras_positive(call, "value_dim")
    use_bias = call.flag("use_bias")
    use_gate = call.flag("use_gate")
    output_dims = _keras_output_shape(call)
    axes_given = _keras_attention_axes(call)
    if call["sliding_window"] is not None:
        _keras_positive(call, "sliding_window")
    dropout = call.number("dropout")
    if call["flash_attention"] and algebra.truth(dropout > 0) is True:
        call.fail("dropout is not supported when flash attention is enabled: set "
                  "dropout=0.0 or flash_attention=False", at="dropout")

    query, value, key = _keras_attention_inputs(call, inputs)
    if len(query) < 3:
        call.fail(f"expects inputs of rank 3 or more (batch, positions..., features), got "
                  f"a query of shape {_show(query)}")
    for name, shape in (("value", value), ("key", key)):
        if len(shape) != len(query):
            call.fail(f"query and {name} must have the same rank, got query {_show(query)} "
                      f"and {name} {_show(shape)}")
    for a, b in zip(value[1:-1], key[1:-1]):
        call.require(a == b, lambda: (
            f"all dimensions of `value` and `key`, except the last one, must be equal: "
            f"value {_show(value)}, key {_show(key)}"))
    rank = len(query)
    attention = _resolve_axes(call, axes_given, rank)
    # the projections are (B, *T, N, dim): every axis but the attention axes and dim acts
    # as a batch axis of the two attention products, and query and key must agree on it
    q_proj = (batch_of(query), *query[1:-1], heads)
    k_proj = (batch_of(key), *key[1:-1], heads)
    batch_axes = [i for i in range(rank) if i not in attention]
    for i in batch_axes:
        call.require(q_proj[i] == k_proj[i], lambda i=i: (
            f"axis {i} is not an attention axis, so query and key must agree on it: query "
            f"{_show(query)}, key {_show(key)}"), at="attention_axes")
    for name, shape in (("value", value), ("key", key)):
        call.require(shape[0] == query[0] if query[0] is not None and shape[0] is not None
                     else True, lambda shape=shape, name=name: (
            f"query and {name} have different batch sizes: {_show(query)} and "
            f"{_show(shape)}"))

    q_dim, k_dim, v_dim = query[-1], key[-1], value[-1]
    out_dims = output_dims if output_dims is not None else (q_dim,)
    out_size = product(out_dims)
    hk, hv = heads * key_dim, heads * value_dim
    bias_q, bias_v = (hk, hv) if use_bias else (0, 0)
    params = (q_dim * hk + bias_q + k_dim * hk + bias_q + v_dim * hv + bias_v
              + hv * out_size + (out_size if use_bias else 0)
              + (q_dim * hv + bias_v if use_gate else 0))

    n_q, n_k = product(query[1:-1]), product(key[1:-1])
    scores = (product(q_proj[i] for i in batch_axes) * product(q_proj[i] for i in attention)
              * product(k_proj[i] for i in attention))
    macs = batch_of(query) * (
        n_q * q_dim * hk + n_k * k_dim * hk + n_k * v_dim * hv
        + (n_q * q_dim * hv if use_gate else 0)
        + n_q * hv * out_size) + scores * (key_dim + value_dim)
    if call.explaining:
        gate, b = int(bool(use_gate)), int(bool(use_bias))
        call.explain("params", "(D_q + D_k)*H*d_k + D_v*H*d_v + H*d_v*O + g*D_q*H*d_v"
                     " + b*(2*H*d_k + H*d_v + O + g*H*d_v)", params, counting=True, D_q=q_dim,
                     D_k=k_dim, D_v=v_dim, H=heads, d_k=key_dim, d_v=value_dim, O=out_size,
                     g=gate, b=b, rule="query, key, value (and gate) projections, output "
                     "projection, b: use_bias")
        call.explain("MACs", "N*(T_q*D_q*H*d_k + T_k*D_k*H*d_k + T_k*D_v*H*d_v + "
                     "g*T_q*D_q*H*d_v + T_q*H*d_v*O) + A*(d_k + d_v)", macs, counting=True,
                     N=batch_of(query), T_q=n_q, T_k=n_k, D_q=q_dim, D_k=k_dim, D_v=v_dim,
                     H=heads, d_k=key_dim, d_v=value_dim, O=out_size, g=gate, A=scores,
                     rule="the projections, then the A attention scores' QKᵀ and AV")
    return keras_trainable(call, LayerResult(shape=(*query[:-1], *out_dims), trainable=params,
                                             macs=macs, receptive=GLOBAL))


def _keras_positive(call: Call, name: str):
    value = call.int(name)
    call.require(value > 0, lambda: (
        f"received an invalid value for argument `{name}`, expected a positive integer, "
        f"got {name}={value}"), at=name)
    return value


def _keras_output_shape(call: Call) -> tuple | None:
    value = call["output_shape"]
    if not value:
        return None
    if isinstance(value, tuple):
        dims = value
    else:
        dims = (call.int("output_shape"),)
    for d in dims:
        if isinstance(d, bool) or not (type(d) is int or algebra.is_symbolic(d)):
            call.fail(f"invalid `output_shape`: {algebra.show(value)}; it should be an int "
                      f"or a tuple of ints", at="output_shape")
        call.require(d > 0, lambda d=d: f"output_shape sizes must be positive, got {d}",
                     at="output_shape")
    return dims


def _keras_attention_axes(call: Call) -> tuple | None:
    value = call["attention_axes"]
    if value is None or value == ():
        return None
    if type(value) is int:
        return (value,)
    if isinstance(value, tuple) and all(type(a) is int for a in value):
        return value
    call.fail(f"`attention_axes` must be an int, list, or tuple of ints, got "
              f"{algebra.show(value)}", at="attention_axes")


def _resolve_axes(call: Call, axes: tuple | None, rank: int) -> list[int]:
    """Attention axes as indices into the projected (B, *T, N, dim), of rank rank + 1.
    By default all of T; Keras counts a negative axis from the end of the projected rank
    (-1 is the heads axis) and accepts any axis but dim, even the batch or the heads."""
    if axes is None:
        return list(range(1, rank - 1))
    resolved = []
    for axis in axes:
        index = axis if axis >= 0 else rank + axis
        if not 0 <= index < rank:
            call.fail(f"attention axis {axis} is out of range for rank-{rank} inputs: valid "
                      f"axes are 0..{rank - 1} (or {-rank}..-1)", at="attention_axes")
        if index in resolved:
            call.fail(f"attention axis {axis} is given twice", at="attention_axes")
        resolved.append(index)
    return sorted(resolved)


def _keras_attention_inputs(call: Call, inputs: tuple) -> tuple:
    """(query, value, key) from call(query, value, key=None)."""
    if len(inputs) == 1:
        return inputs[0], inputs[0], inputs[0]
    if len(inputs) == 2:
        return inputs[0], inputs[1], inputs[1]
    if len(inputs) == 3:
        return inputs
    call.fail(f"takes query, value and optionally key: apply it to 1 (self-attention), 2 "
              f"or 3 tensors, got {len(inputs)}")
