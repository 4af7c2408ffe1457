"""PyTorch transformer layers. Expected values were obtained by running the modules in
torch 2.13.0 (CPU), in train mode (the state after construction), under
torch.utils.flop_counter.FlopCounterMode (FLOPs = 2·MACs), and are kept here as literals."""

from __future__ import annotations

import pytest

from shapecalc import analyze_text
from tests.helpers import one, refused

ENCODER = "nn.TransformerEncoderLayer"


@pytest.mark.parametrize("line, input_shape, shape, params, flops", [
    (f"{ENCODER}(8, 2, 16)", "(5, 3, 8)", (5, 3, 8), 600, 17760),
    (f"{ENCODER}(8, 2, 16)", "(5, 8)", (5, 8), 600, 5920),  # unbatched (L, E)
    (f"{ENCODER}(8, 2, 16, batch_first=True)", "(5, 3, 8)", (5, 3, 8), 600, 16800),
    (f"{ENCODER}(8, 2, 16, batch_first=True)", "(3, 8)", (3, 8), 600, 3360),
    (f"{ENCODER}(8, 2, 16, bias=False)", "(5, 3, 8)", (5, 3, 8), 528, 17760),
    (f"{ENCODER}(8, 2, 0)", "(5, 3, 8)", (5, 3, 8), 328, 10080),
    (f"{ENCODER}(8, 2)", "(5, 3, 8)", (5, 3, 8), 35144, 993120),  # dim_feedforward=2048
    (f"{ENCODER}(8, 2, 16, activation='gelu', norm_first=True)", "(5, 3, 8)", (5, 3, 8),
     600, 17760),
    (f"{ENCODER}(8, 2, 16, activation=F.gelu)", "(5, 3, 8)", (5, 3, 8), 600, 17760),
    (f"{ENCODER}(8, 2, 16, activation=nn.Tanh(), dropout=1.0)", "(5, 3, 8)", (5, 3, 8),
     600, 17760),
    ("nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 3)", "(5, 3, 8)",
     (5, 3, 8), 1800, 53280),
    ("nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, norm=nn.LayerNorm(8))",
     "(5, 3, 8)", (5, 3, 8), 1216, 35520),
    ("nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, norm=nn.Linear(8, 4))",
     "(5, 3, 8)", (5, 3, 4), 1236, 36480),
    ("nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2)",
     "(3, 8)", (3, 8), 1200, 6720),
])
def test_encoder(line, input_shape, shape, params, flops):
    layer = one("pytorch", input_shape, line)
    assert layer.output_shape == shape
    assert layer.params == params
    assert layer.buffers == 0
    assert layer.flops == flops


def decoder(line: str, tgt: tuple, memory: tuple):
    text = (f"convention: pytorch\ntgt = torch.randn{tgt}\nmemory = torch.randn{memory}\n"
            f"out = {line}(tgt, memory)\n")
    return analyze_text(text)


@pytest.mark.parametrize("line, tgt, memory, shape, params, flops", [
    ("nn.TransformerDecoderLayer(8, 2, 16)", (5, 3, 8), (7, 3, 8), (5, 3, 8), 904, 30336),
    ("nn.TransformerDecoderLayer(8, 2, 16)", (5, 8), (7, 8), (5, 8), 904, 10112),
    ("nn.TransformerDecoderLayer(8, 2, 16, bias=False)", (5, 3, 8), (7, 3, 8), (5, 3, 8),
     792, 30336),
    ("nn.TransformerDecoderLayer(8, 2, 16, batch_first=True)", (3, 5, 8), (3, 7, 8),
     (3, 5, 8), 904, 30336),
    ("nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 2)", (5, 3, 8), (7, 3, 8),
     (5, 3, 8), 1808, 60672),
    ("nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 2, norm=nn.LayerNorm(8))",
     (5, 3, 8), (7, 3, 8), (5, 3, 8), 1824, 60672),
    ("nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 2, norm=nn.Linear(8, 3))",
     (5, 3, 8), (7, 3, 8), (5, 3, 3), 1835, 61392),
])
def test_decoder(line, tgt, memory, shape, params, flops):
    report = decoder(line, tgt, memory)
    assert not report.errors, str(report.errors[0])
    layer = report.layers[-1]
    assert layer.output_shape == shape
    assert layer.params == params
    assert layer.flops == flops


@pytest.mark.parametrize("line, tgt, memory, match", [
    # torch: AssertionError For batched (3-D) `query`, expected `key` and `value` to be 3-D
    ("nn.TransformerDecoderLayer(8, 2, 16)", (5, 3, 8), (7, 8),
     r"must both be batched \(3-D\) or both unbatched \(2-D\), got 3-D tgt"),
    # torch: RuntimeError shape '[7, 6, 4]' is invalid for input of size 224
    ("nn.TransformerDecoderLayer(8, 2, 16)", (5, 3, 8), (7, 4, 8),
     r"memory has batch size 4 but tgt has 3"),
    # torch: RuntimeError mat1 and mat2 shapes cannot be multiplied (21x6 and 8x16)
    ("nn.TransformerDecoderLayer(8, 2, 16)", (5, 3, 8), (7, 3, 6),
     r"embedding dimension of 8 .* memory, but got 6"),
])
def test_decoder_refusals(line, tgt, memory, match):
    report = decoder(line, tgt, memory)
    assert report.errors
    assert pytest.importorskip("re").search(match, str(report.errors[0]))


def test_symbolic_encoder_layer():
    layer = one("pytorch", "(L, N, E)", f"{ENCODER}(E, 2, F)")
    assert str(layer.params) == "4*E**2 + 2*E*F + 9*E + F"


@pytest.mark.parametrize("line, input_shape, match", [
    # torch: TypeError forward() missing 1 required positional argument: 'memory'
    ("nn.TransformerDecoderLayer(8, 2, 16)", "(5, 3, 8)", r"tgt and memory.*got 1 tensor"),
    # AssertionError embed_dim must be divisible by num_heads
    (f"{ENCODER}(8, 3, 16)", "(5, 3, 8)", r"d_model must be divisible by nhead \(8 % 3"),
    # ValueError embed_dim and num_heads must be greater than 0
    (f"{ENCODER}(8, 0, 16)", "(5, 3, 8)", r"greater than 0.*d_model=8 and nhead=0"),
    (f"{ENCODER}(-8, 2, 16)", "(5, 3, 8)", r"greater than 0.*d_model=-8"),
    # RuntimeError Trying to create tensor with negative dimension -1: [-1, 8]
    (f"{ENCODER}(8, 2, -1)", "(5, 3, 8)", r"dim_feedforward must not be negative, got -1"),
    # ValueError dropout probability has to be between 0 and 1, but got 1.5
    (f"{ENCODER}(8, 2, 16, dropout=1.5)", "(5, 3, 8)", r"between 0 and 1, but got 1.5"),
    (f"{ENCODER}(8, 2, 16, dropout=-0.5)", "(5, 3, 8)", r"between 0 and 1, but got -0.5"),
    # RuntimeError activation should be relu/gelu, not tanh (case-sensitive)
    (f"{ENCODER}(8, 2, 16, activation='tanh')", "(5, 3, 8)", r"relu/gelu, not tanh"),
    (f"{ENCODER}(8, 2, 16, activation='GELU')", "(5, 3, 8)", r"relu/gelu, not GELU"),
    # TypeError 'NoneType' object is not callable (at the forward)
    (f"{ENCODER}(8, 2, 16, activation=None)", "(5, 3, 8)", r"callable, got None"),
    # AssertionError query should be unbatched 2D or batched 3D tensor
    (f"{ENCODER}(8, 2, 16)", "(8,)", r"2-D .* or batched 3-D .* got 1-D"),
    (f"{ENCODER}(8, 2, 16)", "(2, 5, 3, 8)", r"got 4-D input"),
    # AssertionError was expecting embedding dimension of 8, but got 7
    (f"{ENCODER}(8, 2, 16)", "(5, 3, 7)", r"embedding dimension of 8 .* but got 7"),
    # IndexError index 0 is out of range (at construction)
    ("nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 0)", "(5, 3, 8)",
     r"num_layers must be at least 1, got 0"),
    # AttributeError 'Linear' object has no attribute 'self_attn'
    ("nn.TransformerEncoder(nn.Linear(8, 8), 2)", "(3, 8)",
     r"encoder_layer must be an nn.TransformerEncoderLayer"),
])
def test_refusals(line, input_shape, match):
    refused("pytorch", input_shape, line, match=match)


@pytest.mark.parametrize("arguments, src, tgt, params, flops", [
    # torch 2.13.0, train mode (math attention): sum(p.numel()), FlopCounterMode total
    ("d_model=32, nhead=4, num_encoder_layers=2, num_decoder_layers=3, dim_feedforward=64",
     "(7, 2, 32)", "(5, 2, 32)", 55712, 1316352),
    ("d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=20, "
     "batch_first=True, bias=False", "(2, 9, 16)", "(2, 4, 16)", 4464, 130176),
])
def test_whole_transformer(arguments, src, tgt, params, flops):
    report = analyze_text(f"convention: pytorch\ninput src: {src}\ninput tgt: {tgt}\n"
                          f"nn.Transformer({arguments})(src, tgt, src_mask, tgt_mask)\n")
    assert not report.errors, report.errors[0]
    assert report.output_shape == tuple(int(d) for d in tgt.strip("()").split(", "))
    assert (report.params, report.flops) == (params, flops)


def test_whole_transformer_refuses_a_d_model_mismatch():
    report = analyze_text("convention: pytorch\ninput src: (7, 2, 32)\ninput tgt: (5, 2, 16)\n"
                          "nn.Transformer(d_model=32, nhead=4)(src, tgt)\n")
    assert "the feature number of src and tgt must be equal to d_model (32)" in \
        report.errors[0].message
