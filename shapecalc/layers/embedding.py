"""Embedding lookups: PyTorch nn.Embedding and Keras Embedding.

A table of N vectors of size D, looked up by integer index: an input of any shape S gives
S + (D,), and params = N·D. The lookup is a gather, not a matmul, so MACs = 0
(FlopCounterMode counts nothing for it).

PyTorch: Embedding(num_embeddings, embedding_dim, padding_idx, ...). padding_idx must lie
in [-N, N) ("Padding_idx must be within num_embeddings"); N = 0 constructs but every
lookup fails ("index_select(): self indexing axis dim should be positive"). _freeze=True
makes the weight a parameter with requires_grad=False: non-trainable. The input must hold
integer indices; a spec has no dtypes, so the input is taken to be one.

Keras: Embedding(input_dim, output_dim, ...): both must be positive integers, checked at
construction. Keras casts a float input to int, so any input is accepted, including the
rank-1 (None,) → (None, output_dim). input_length is deprecated but still accepted (it
warns). With lora_rank=r the table is frozen (non-trainable N·D) and the two factors
N·r + r·D are trained.

Receptive field: each position is looked up on its own, so the field is unchanged (KEEP);
the new last axis is a feature axis.
"""

from __future__ import annotations

from shapecalc import algebra
from shapecalc.layers.base import (
    KEEP,
    KERAS,
    KERAS_BASE_KWARGS,
    PYTORCH,
    Call,
    LayerResult,
    Signature,
    register,
    signature,
)
from shapecalc.layers.linear import keras_lora_rank, keras_positive

# -- PyTorch --------------------------------------------------------------------------------


def explain_lookup(call: Call, rows: str, n, width: str, d, table) -> None:
    """Every index becomes a row of the n×d table: one more axis, of size d."""
    call.explain("D_out", width, d, rule="a new last axis", **{width: d})
    call.explain("params", f"{rows}*{width}", table, counting=True, **{rows: n, width: d},
                 rule="the table")


@register(PYTORCH, signature(
    "Embedding", "num_embeddings", "embedding_dim", padding_idx=None, max_norm=None,
    norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False,
    device=None, dtype=None))
def torch_embedding(call: Call, x: tuple) -> LayerResult:
    n = call.int("num_embeddings", 0, " (a weight cannot have a negative dimension)")
    d = call.int("embedding_dim", 0, " (a weight cannot have a negative dimension)")
    padding_idx = call.optional_int("padding_idx")
    if padding_idx is not None:
        call.require(padding_idx < n, lambda: (
            f"padding_idx must be within num_embeddings: padding_idx={padding_idx} is not "
            f"below num_embeddings={algebra.show(n)} (valid: {-n} to {n - 1})"),
            at="padding_idx")
        call.require(padding_idx >= -n, lambda: (
            f"padding_idx must be within num_embeddings: padding_idx={padding_idx} is below "
            f"-num_embeddings={-n} (valid: {-n} to {n - 1})"), at="padding_idx")
    if call["max_norm"] is not None:
        call.number("max_norm")
    call.number("norm_type")
    call.flag("scale_grad_by_freq")
    call.flag("sparse")
    frozen = call.flag("_freeze")
    call.require(n >= 1, "num_embeddings is 0: the table is empty, so every lookup fails "
                 "(index_select(): self indexing axis dim should be positive)",
                 at="num_embeddings")
    params = n * d
    explain_lookup(call, "num_embeddings", n, "embedding_dim", d, params)
    return LayerResult(
        shape=(*x, d),
        trainable=0 if frozen else params,
        non_trainable=params if frozen else 0,
        receptive=KEEP,
    )


# -- Keras ----------------------------------------------------------------------------------


def _keras_embedding_signature() -> Signature:
    """Keras' own parameters (weights= among them, which the base layer also takes) plus
    the deprecated input_length it still pops from **kwargs."""
    own = signature(
        "Embedding", "input_dim", "output_dim", embeddings_initializer="uniform",
        embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
        weights=None, lora_rank=None, lora_alpha=None, quantization_config=None)
    names = {name for name, _ in own.positional}
    base = tuple((k, v) for k, v in KERAS_BASE_KWARGS.items() if k not in names)
    return Signature(own.name, own.positional, base + (("input_length", None),))


@register(KERAS, _keras_embedding_signature())
def keras_embedding(call: Call, x: tuple) -> LayerResult:
    n = keras_positive(call, "input_dim")
    d = keras_positive(call, "output_dim")
    call.flag("mask_zero")
    rank = keras_lora_rank(call)
    table = n * d
    explain_lookup(call, "input_dim", n, "output_dim", d, table)
    if rank is None:
        trainable, frozen = table, 0
    else:
        trainable, frozen = n * rank + rank * d, table
    return LayerResult(shape=(*x, d), trainable=trainable, non_trainable=frozen,
                       receptive=KEEP)
