"""PyTorch transformer layers against real PyTorch: random configurations, valid and
invalid. Encoder layers and stacks go through the harness (one input); the decoder's
forward takes (tgt, memory), so this file runs both sides of it itself. Train mode, as
after construction; FLOPs from FlopCounterMode, with scaled_dot_product_attention held to
its math backend: with dropout=0 on CPU it otherwise runs the fused flash kernel, which
FlopCounterMode does not count (QKᵀ and AV read 0), while shapecalc counts the arithmetic
of the math path (see test_flash_attention_on_cpu_is_not_counted)."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.torch.harness import (
    Facts,
    FlopCounterMode,
    assert_agrees,
    facts_of_spec,
    torch,
    torch_facts,
)

attention = pytest.importorskip("torch.nn.attention")
SDPBackend, sdpa_kernel = attention.SDPBackend, attention.sdpa_kernel


def test_flash_attention_on_cpu_is_not_counted():
    """The quirk itself: dropout=0 picks the CPU flash kernel and the attention products
    vanish from the count; dropout > 0 (train mode) or the math backend counts them."""
    line = "nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)"
    assert torch_facts(line, (5, 3, 8)).flops == 15360
    with sdpa_kernel(SDPBackend.MATH):
        assert_agrees(line, (5, 3, 8))
        assert torch_facts(line, (5, 3, 8)).flops == 17760


@st.composite
def layer_args(draw):
    heads = draw(st.integers(1, 3))
    embed = heads * draw(st.integers(1, 3)) + (0 if draw(st.integers(0, 7)) else 1)
    options = [f"{draw(st.integers(0, 12))}"]
    if draw(st.integers(0, 9)) == 0:
        options.append(f"dropout={draw(st.sampled_from([0.0, 1.0, 1.5, -0.1]))}")
    if draw(st.booleans()):
        options.append(f"activation={draw(st.sampled_from(['relu', 'gelu', 'tanh']))!r}")
    batch_first = draw(st.booleans())
    options += [f"batch_first={batch_first}", f"bias={draw(st.booleans())}",
                f"norm_first={draw(st.booleans())}"]
    return f"{embed}, {heads}, {', '.join(options)}", embed, batch_first


def sequence(draw, embed, batched: bool, batch: int) -> tuple:
    length = draw(st.integers(1, 5))
    last = embed if draw(st.integers(0, 9)) else embed + 1
    return (length, batch, last) if batched else (length, last)


@st.composite
def encoder_cases(draw):
    args, embed, _ = draw(layer_args())
    line = f"nn.TransformerEncoderLayer({args})"
    if draw(st.booleans()):
        norm = draw(st.sampled_from(["", f", norm=nn.LayerNorm({embed})",
                                     f", norm=nn.Linear({embed}, 3)"]))
        line = f"nn.TransformerEncoder({line}, {draw(st.integers(0, 3))}{norm})"
    rank = draw(st.sampled_from([2, 3, 3, 3, 1, 4]))
    shape = sequence(draw, embed, True, draw(st.integers(1, 3)))
    if rank == 2:
        shape = (shape[0], shape[2])
    elif rank == 1:
        shape = (shape[2],)
    elif rank == 4:
        shape = (2, *shape)
    return line, shape


@settings(max_examples=200, deadline=None)
@given(encoder_cases())
def test_encoder_agrees(case):
    with sdpa_kernel(SDPBackend.MATH):
        assert_agrees(*case)


def torch_decoder_facts(line: str, shapes: tuple) -> Facts:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = eval(line, {"nn": torch.nn})  # test-side only: our own fixture
            tensors = [torch.randn(s) for s in shapes]
            module(*tensors)
            with FlopCounterMode(display=False) as counter:
                out = module(*tensors)
    except Exception as error:  # the framework's refusal is the fact we record
        return Facts(error=f"{type(error).__name__}: {error}")
    return Facts(shape=tuple(out.shape), params=sum(p.numel() for p in module.parameters()),
                 buffers=sum(b.numel() for b in module.buffers()),
                 flops=counter.get_total_flops())


def shapecalc_decoder_facts(line: str, shapes: tuple) -> Facts:
    inputs = "".join(f"{n} = torch.randn{s}\n" for n, s in zip(("tgt", "memory"), shapes))
    names = ", ".join(("tgt", "memory")[:len(shapes)])
    return facts_of_spec(f"convention: pytorch\n{inputs}out = {line}({names})\n")


@st.composite
def decoder_cases(draw):
    args, embed, batch_first = draw(layer_args())
    line = f"nn.TransformerDecoderLayer({args})"
    if draw(st.booleans()):
        norm = draw(st.sampled_from(["", f", norm=nn.LayerNorm({embed})"]))
        line = f"nn.TransformerDecoder({line}, {draw(st.integers(1, 2))}{norm})"
    batched = draw(st.booleans())
    batch = draw(st.integers(1, 3))
    tgt = sequence(draw, embed, batched, batch)
    memory_batch = batch if draw(st.integers(0, 7)) else batch + 1
    memory = sequence(draw, embed, batched if draw(st.integers(0, 7)) else not batched,
                      memory_batch)
    if batch_first:
        tgt, memory = (tuple(s[i] for i in (1, 0, 2)) if len(s) == 3 else s
                       for s in (tgt, memory))
    shapes = (tgt,) if draw(st.integers(0, 9)) == 0 else (tgt, memory)
    return line, shapes


@settings(max_examples=200, deadline=None)
@given(decoder_cases())
def test_decoder_agrees(case):
    line, shapes = case
    with sdpa_kernel(SDPBackend.MATH):
        theirs = torch_decoder_facts(line, shapes)
    ours = shapecalc_decoder_facts(line, shapes)
    context = f"{line} on {shapes}"
    if theirs.error:
        assert ours.error, f"{context}: torch refuses ({theirs.error}) but shapecalc gives {ours}"
        return
    assert not ours.error, f"{context}: torch gives {theirs} but shapecalc refuses: {ours.error}"
    assert ours == theirs, f"{context}: shapecalc {ours} != torch {theirs}"
