"""Transformer layers of PyTorch: TransformerEncoderLayer/DecoderLayer and their stacks.

Notation: E = d_model, F = dim_feedforward, h = nhead, B batch, L the sequence length of
the input (tgt), S the sequence length of the decoder's memory.

nn.TransformerEncoderLayer(E, h, F): self-attention (nn.MultiheadAttention(E, h)), then
linear1 E→F, activation, linear2 F→E, with two LayerNorm(E). The output has the input's
shape: (L, B, E), (B, L, E) with batch_first, or the unbatched (L, E).
  params = (4E² + 4E) + (E·F + F) + (F·E + E) + 2·2E
  bias=False drops every bias (MHA's, the linears', the norms'): 4E² + 2E·F + 2E.
  MACs = B·(4·L·E² + 2·L²·E) + B·L·2·E·F  (projections, QKᵀ, AV, the two linears)
nn.TransformerDecoderLayer(E, h, F): forward(tgt, memory), so it is applied to two
tensors, `(tgt, memory)`; memory (S, B, E) has tgt's rank and batch and may be longer or
shorter. Self-attention on tgt, cross-attention (query tgt, key/value memory), the
feed-forward block, three LayerNorm(E).
  params = 2·(4E² + 4E) + (2E·F + F + E) + 3·2E   (bias=False: 8E² + 2E·F + 3E)
  MACs = B·(4·L·E² + 2·L²·E) + B·(2·L·E² + 2·S·E² + 2·L·S·E) + B·L·2·E·F
MACs are counted as torch.utils.flop_counter counts a module in train mode, the state
after construction, with attention on the math path. Two CPU quirks count less: in eval
mode under no_grad the batch_first fast path counts 0, and with dropout=0 the layers' call
to scaled_dot_product_attention runs the CPU flash kernel, which the counter does not see,
so QKᵀ and AV read 0 (dropout > 0 in train mode takes the math path and is counted).

nn.TransformerEncoder(encoder_layer, num_layers, norm=None) and nn.TransformerDecoder:
num_layers deep copies of the layer (num_layers ≥ 1: torch reads the first layer at
construction), then `norm` (any module, applied to the output) when given.

Refusals, as torch's: d_model and nhead > 0 and d_model % nhead == 0; dropout in [0, 1];
dim_feedforward ≥ 0; activation 'relu', 'gelu' or a callable (any other string is
refused at construction, None or a number at the forward); a 2-D or 3-D input whose last
axis is d_model.

Receptive field: attention mixes every position (GLOBAL).
"""

from __future__ import annotations

from shapecalc import algebra
from shapecalc.algebra import total
from shapecalc.layers.base import (
    GLOBAL,
    PYTORCH,
    Call,
    LayerResult,
    register,
    signature,
)


class TorchFunction:
    """A default that is a torch function, such as ``activation=F.relu``: shown by its
    name, and equal to the function itself, so that signatures compare with torch's."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TorchFunction):
            return other.name == self.name
        return (getattr(other, "__module__", None) == "torch.nn.functional"
                and getattr(other, "__name__", None) == self.name)

    def __hash__(self) -> int:
        return hash((TorchFunction, self.name))

    def __repr__(self) -> str:
        return f"F.{self.name}"


_LAYER_DEFAULTS = {"dim_feedforward": 2048, "dropout": 0.1,
                   "activation": TorchFunction("relu"), "layer_norm_eps": 1e-05,
                   "batch_first": False, "norm_first": False, "bias": True, "device": None,
                   "dtype": None}
_ACTIVATIONS = ("relu", "gelu")


def _layer_sizes(call: Call) -> tuple:
    """(E, h, F, bias, batch_first) of a TransformerEncoderLayer/DecoderLayer, checked as
    its constructor checks them."""
    embed = call.int("d_model")
    heads = call.int("nhead")
    for size in (embed, heads):
        call.require(size > 0, lambda: (
            f"d_model and nhead must be greater than 0 (they are MultiheadAttention's "
            f"embed_dim and num_heads), got d_model={embed} and nhead={heads}"))
    call.require(algebra.divisible(embed, heads), lambda: (
        f"d_model must be divisible by nhead ({embed} % {heads} ≠ 0; the head dimension "
        f"would be {embed}/{heads})"), at="nhead")
    feedforward = call.int("dim_feedforward")
    call.require(feedforward >= 0, lambda: (
        f"dim_feedforward must not be negative, got {feedforward} (torch cannot create "
        f"the {feedforward}×{embed} weight of linear1)"), at="dim_feedforward")
    dropout = call.number("dropout")
    for bound in (dropout >= 0, dropout <= 1):  # nn.Dropout checks it at construction
        call.require(bound, lambda: f"dropout probability has to be between 0 and 1, but "
                     f"got {dropout}", at="dropout")
    _check_activation(call)
    call.number("layer_norm_eps")
    call.flag("norm_first")
    return embed, heads, feedforward, call.flag("bias"), call.flag("batch_first")


def _check_activation(call: Call) -> None:
    """torch takes 'relu', 'gelu' (exactly so spelled) or any callable."""
    value = call["activation"]
    if isinstance(value, str):
        if value not in _ACTIVATIONS:
            call.fail(f"activation should be relu/gelu, not {value} (or pass a callable "
                      f"such as F.relu or nn.GELU())", at="activation")
        return
    if value is None or isinstance(value, (bool, int, float, tuple)):
        call.fail(f"activation must be 'relu', 'gelu' or a callable, got "
                  f"{algebra.show(value) if value is not None else 'None'} (torch calls it "
                  f"in the forward pass: TypeError, object is not callable)", at="activation")


def _show(shape: tuple) -> str:
    return algebra.show_shape(shape)


def _sequence_and_batch(call: Call, x: tuple, what: str, embed, batch_first: bool) -> tuple:
    """(sequence length, batch, batched) of a tgt/src/memory input, checked like
    MultiheadAttention checks its query."""
    if len(x) not in (2, 3):
        call.fail(f"{what} should be an unbatched 2-D (L, E) or batched 3-D "
                  f"{'(B, L, E)' if batch_first else '(L, B, E)'} tensor, got {len(x)}-D "
                  f"input of shape {_show(x)}")
    call.require(algebra.equal(x[-1], embed), lambda: (
        f"was expecting embedding dimension of {embed} (d_model) in the {what}, but got "
        f"{algebra.show(x[-1])}: {what} shape {_show(x)}"), at="d_model")
    if len(x) == 2:
        return x[0], 1, False
    return (x[1], x[0], True) if batch_first else (x[0], x[1], True)


def _attention_params(embed, bias: bool):
    return 4 * embed * embed + (4 * embed if bias else 0)


def _feedforward_params(embed, feedforward, bias: bool):
    return 2 * embed * feedforward + (feedforward + embed if bias else 0)


def _norm_params(embed, bias: bool):
    return 2 * embed if bias else embed


def _self_attention_macs(batch, length, embed):
    """Q, K, V and output projections, QKᵀ and AV."""
    return batch * (4 * length * embed * embed + 2 * length * length * embed)


def _cross_attention_macs(batch, length, memory, embed):
    """Q and output projections over tgt, K and V over memory, QKᵀ and AV."""
    return batch * (2 * length * embed * embed + 2 * memory * embed * embed
                    + 2 * length * memory * embed)


def _feedforward_macs(batch, length, embed, feedforward):
    return batch * length * 2 * embed * feedforward


def encoder_layer(call: Call, x: tuple) -> LayerResult:
    embed, _, feedforward, bias, batch_first = _layer_sizes(call)
    params = (_attention_params(embed, bias) + _feedforward_params(embed, feedforward, bias)
              + 2 * _norm_params(embed, bias))
    length, batch, _ = _sequence_and_batch(call, x, "input", embed, batch_first)
    macs = (_self_attention_macs(batch, length, embed)
            + _feedforward_macs(batch, length, embed, feedforward))
    call.explain("params", "4*E**2 + 4*E + 2*E*F + F + E + 4*E" if bias else
                 "4*E**2 + 2*E*F + 2*E", params, counting=True, E=embed, F=feedforward)
    call.explain("MACs", "N*(4*L*E**2 + 2*L**2*E) + 2*N*L*E*F", macs, counting=True,
                 N=batch, L=length, E=embed, F=feedforward,
                 rule="self-attention (4 projections, QKᵀ and AV), then the feedforward")
    return LayerResult(shape=tuple(x), trainable=params, macs=macs, receptive=GLOBAL)


def decoder_layer(call: Call, inputs: tuple) -> LayerResult:
    embed, _, feedforward, bias, batch_first = _layer_sizes(call)
    params = (2 * _attention_params(embed, bias)
              + _feedforward_params(embed, feedforward, bias) + 3 * _norm_params(embed, bias))
    tgt, memory = _decoder_inputs(call, inputs)
    length, batch, batched = _sequence_and_batch(call, tgt, "tgt", embed, batch_first)
    if len(memory) != len(tgt):
        call.fail(f"tgt and memory must both be batched (3-D) or both unbatched (2-D), got "
                  f"{len(tgt)}-D tgt {_show(tgt)} and {len(memory)}-D memory {_show(memory)}")
    memory_length, memory_batch, _ = _sequence_and_batch(call, memory, "memory", embed,
                                                         batch_first)
    if batched:
        call.require(algebra.equal(memory_batch, batch), lambda: (
            f"memory has batch size {algebra.show(memory_batch)} but tgt has "
            f"{algebra.show(batch)}: tgt {_show(tgt)}, memory {_show(memory)}"))
    macs = (_self_attention_macs(batch, length, embed)
            + _cross_attention_macs(batch, length, memory_length, embed)
            + _feedforward_macs(batch, length, embed, feedforward))
    call.explain("params", "8*E**2 + 8*E + 2*E*F + F + E + 6*E" if bias else
                 "8*E**2 + 2*E*F + 3*E", params, counting=True, E=embed, F=feedforward)
    call.explain("MACs", "N*(4*L*E**2 + 2*L**2*E) + N*(2*L*E**2 + 2*M*E**2 + 2*L*M*E) "
                 "+ 2*N*L*E*F", macs, counting=True, N=batch, L=length, M=memory_length,
                 E=embed, F=feedforward, rule="self-attention, cross-attention over the "
                 "memory's M positions, then the feedforward")
    return LayerResult(shape=tuple(tgt), trainable=params, macs=macs, receptive=GLOBAL)


def _decoder_inputs(call: Call, inputs: tuple) -> tuple:
    if len(inputs) != 2:
        call.fail(f"forward takes two tensors, tgt and memory (the encoder's output): apply "
                  f"it as `(tgt, memory)`, got {len(inputs)} tensor"
                  f"{'' if len(inputs) == 1 else 's'}")
    return inputs


register(PYTORCH, signature("TransformerEncoderLayer", "d_model", "nhead",
                            **_LAYER_DEFAULTS))(encoder_layer)
register(PYTORCH, signature("TransformerDecoderLayer", "d_model", "nhead", **_LAYER_DEFAULTS),
         merge=True)(decoder_layer)


# -- the stacks -----------------------------------------------------------------------------


def _inner_layer(call: Call, name: str, expected: str) -> Call:
    if call.evaluate is None:  # a call bound without an evaluator cannot bind a nested one
        call.fail(f"{name} cannot be read here")
    inner = call.nested(name)
    if inner.name != expected:
        call.fail(f"{name} must be an nn.{expected}, got `{inner.source}` (torch reads its "
                  f"self_attn at construction)", at=name)
    return inner


def _num_layers(call: Call):
    count = call.int("num_layers")
    call.require(count >= 1, lambda: (
        f"num_layers must be at least 1, got {count} (torch reads the first layer at "
        f"construction: IndexError, index 0 is out of range)"), at="num_layers")
    return count


def _stack(call: Call, layer: LayerResult, count, output: tuple) -> LayerResult:
    """num_layers copies of one layer, then the optional final norm on the output."""
    parts = [LayerResult(shape=layer.shape, trainable=count * layer.trainable,
                         non_trainable=count * layer.non_trainable,
                         buffers=count * layer.buffers, macs=count * layer.macs)]
    call.explain("params", "num_layers*layer", count * layer.trainable, counting=True,
                 num_layers=count, layer=layer.trainable, rule="the stack")
    call.explain("MACs", "num_layers*layer", count * layer.macs, counting=True,
                 num_layers=count, layer=layer.macs, rule="the stack (the final norm: 0)")
    if call["norm"] is not None:
        norm = call.nested("norm")
        parts.append(norm.rule.apply(norm, (output,) if norm.rule.merge else output))
    return LayerResult(
        shape=parts[-1].shape,
        trainable=total(p.trainable for p in parts),
        non_trainable=total(p.non_trainable for p in parts),
        buffers=total(p.buffers for p in parts),
        macs=total(p.macs for p in parts),
        receptive=GLOBAL,
    )


@register(PYTORCH, signature("TransformerEncoder", "encoder_layer", "num_layers", norm=None,
                             enable_nested_tensor=True, mask_check=True))
def transformer_encoder(call: Call, x: tuple) -> LayerResult:
    inner = _inner_layer(call, "encoder_layer", "TransformerEncoderLayer")
    count = _num_layers(call)
    call.flag("enable_nested_tensor")
    call.flag("mask_check")
    layer = encoder_layer(inner, x)
    return _stack(call, layer, count, layer.shape)


@register(PYTORCH, signature("TransformerDecoder", "decoder_layer", "num_layers", norm=None),
          merge=True)
def transformer_decoder(call: Call, inputs: tuple) -> LayerResult:
    inner = _inner_layer(call, "decoder_layer", "TransformerDecoderLayer")
    count = _num_layers(call)
    _decoder_inputs(call, inputs)
    layer = decoder_layer(inner, inputs)
    return _stack(call, layer, count, layer.shape)


# -- the whole model ------------------------------------------------------------------------


@register(PYTORCH, signature("Transformer", d_model=512, nhead=8, num_encoder_layers=6,
                             num_decoder_layers=6, dim_feedforward=2048, dropout=0.1,
                             activation=TorchFunction("relu"), custom_encoder=None,
                             custom_decoder=None, layer_norm_eps=1e-05, batch_first=False,
                             norm_first=False, bias=True, device=None, dtype=None),
          merge=True)
def transformer(call: Call, inputs: tuple) -> LayerResult:
    """nn.Transformer: forward(src, tgt). An encoder of num_encoder_layers encoder layers
    and a final LayerNorm(d_model), a decoder of num_decoder_layers decoder layers (their
    memory the encoder's output) and a final LayerNorm(d_model); the output has tgt's
    shape."""
    if len(inputs) != 2:
        call.fail(f"forward takes two tensors, src and tgt: apply it as `(src, tgt)`, got "
                  f"{len(inputs)}")
    for name in ("custom_encoder", "custom_decoder"):
        if call[name] is not None:
            call.fail(f"{name} is not supported: build the stack with nn.TransformerEncoder "
                      f"/ nn.TransformerDecoder", at=name)
    src, tgt = inputs
    embed, _, _, bias, batch_first = _layer_sizes(call)
    if len(src) == 3 and len(tgt) == 3:
        axis = 0 if batch_first else 1
        call.require(algebra.equal(src[axis], tgt[axis]), lambda: (
            f"the batch number of src and tgt must be equal: src {_show(src)}, "
            f"tgt {_show(tgt)}"))
    for name, shape in (("src", src), ("tgt", tgt)):
        call.require(algebra.equal(shape[-1], embed), lambda name=name, shape=shape: (
            f"the feature number of src and tgt must be equal to d_model ({embed}): "
            f"{name} {_show(shape)}"))
    encoders, decoders = call.int("num_encoder_layers"), call.int("num_decoder_layers")
    encoder = encoder_layer(call, src)
    decoder = decoder_layer(call, (tgt, src))
    norms = 2 * _norm_params(embed, bias)
    call.explain("MACs", "encoders*encoder + decoders*decoder",
                 encoders * encoder.macs + decoders * decoder.macs, counting=True,
                 encoders=encoders, encoder=encoder.macs, decoders=decoders,
                 decoder=decoder.macs, rule="the two stacks")
    call.explain("params", "encoders*encoder + decoders*decoder + norms",
                 encoders * encoder.trainable + decoders * decoder.trainable + norms,
                 counting=True, encoders=encoders, encoder=encoder.trainable,
                 decoders=decoders, decoder=decoder.trainable, norms=norms,
                 rule="the two stacks and their final LayerNorms")
    call.explain("shape", "tgt", tuple(tgt), tgt=tuple(tgt), rule="the output has tgt's shape")
    return LayerResult(shape=tuple(tgt),
                       trainable=encoders * encoder.trainable + decoders * decoder.trainable
                       + norms,
                       macs=encoders * encoder.macs + decoders * decoder.macs,
                       receptive=GLOBAL)
