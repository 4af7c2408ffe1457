"""shapecalc.counting: the counts of FlopCounterMode, fvcore, torchinfo and ptflops.

Every number here was printed by the real tools on the PyTorch model the spec describes
(each layer a torch.nn module; merges as operators), with torch 2.13.0 (CPU),
fvcore 0.1.5.post20221221 (FlopCountAnalysis.by_module / .total, model in eval mode
unless noted), torchinfo 1.8.0 (summary(...).summary_list macs / total_mult_adds) and
ptflops 0.7.5 (get_model_complexity_info, pytorch backend, called on the first input:
per layer, the tool run on that layer alone, fed its real inputs, with the network's input
as the batch). tests/torch/test_counting_vs_tools.py reruns the tools when installed.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from shapecalc import analyze_file
from shapecalc.counting import CONVENTIONS, HELP, UNITS, count
from shapecalc.errors import UsageError
from tests.helpers import analyze

ZOO = Path(__file__).resolve().parent.parent / "specs" / "zoo"

CONV_BLOCK = ("(2, 3, 8, 8)", "nn.Conv2d(3, 8, 3, padding=1)", "nn.BatchNorm2d(8)",
              "nn.ReLU()", "nn.MaxPool2d(2)", "nn.Flatten()", "nn.Linear(128, 10)")
SEQUENCE = ("(3, 7)", "nn.Embedding(50, 8)",
            "nn.GRU(8, 12, batch_first=True, bidirectional=True)", "nn.LayerNorm(24)",
            "nn.Linear(24, 5)")
ATTENTION = ("(10, 2, 16)", "a = nn.MultiheadAttention(16, 4)(input, input, input)[0]",
             "input + a", "nn.LayerNorm(16)", "nn.Linear(16, 32)", "nn.GELU()",
             "nn.Linear(32, 16)", "nn.Softmax(dim=-1)")
ODDITIES = ("(2, 4, 6, 6)", "nn.GroupNorm(2, 4)",
            "nn.Upsample(scale_factor=2, mode='bilinear')", "nn.AdaptiveAvgPool2d(3)",
            "nn.InstanceNorm2d(4, affine=True)", "nn.ConvTranspose2d(4, 2, 2, stride=2)",
            "nn.LPPool2d(2, 2)", "b = nn.LocalResponseNorm(2)", "nn.Bilinear(3, 3, 2)(b, b)")

# (network, convention, training) -> (per layer, total), as the tools printed them
OBSERVED = {
    ("conv_block", "torch", False): ([55296, 0, 0, 0, 0, 5120], 60416),
    ("conv_block", "fvcore", False): ([27648, 2048, 0, 0, 0, 2560], 32256),
    ("conv_block", "fvcore", True): ([27648, 5120, 0, 0, 0, 2560], 35328),
    ("conv_block", "torchinfo", False): ([28672, 32, 0, 0, 0, 2580], 31284),
    ("conv_block", "ptflops", False): ([14336, 1024, 1536, 1536, 0, 1290], 19722),
    ("sequence", "torch", False): ([0, 60480, 0, 5040], 65520),
    ("sequence", "fvcore", False): ([0, 0, 2520, 2520], 5040),
    ("sequence", "torchinfo", False): ([1200, 33264, 144, 375], 34983),
    ("sequence", "ptflops", False): ([0, 12264, 168, 875], 13307),
    ("attention", "torch", False): ([53760, 0, 0, 20480, 0, 20480, 0], 94720),
    ("attention", "fvcore", False): ([26880, 0, 1600, 10240, 0, 10240, 0], 48960),
    ("attention", "torchinfo", False): ([0, 0, 320, 5440, 0, 5280, 0], 11040),
    ("attention", "ptflops", False): ([10128, 0, 32, 1088, 704, 1056, 320], 13328),
    ("oddities", "torch", False): ([0, 0, 0, 0, 1152, 0, 0, 0], 1152),
    ("oddities", "fvcore", False): ([1440, 4608, 1152, 360, 576, 0, 0, 0], 8136),
    ("oddities", "torchinfo", False): ([16, 0, 0, 16, 2448, 0, 0, 40], 2520),
    ("oddities", "ptflops", False): ([288, 1440, 1728, 72, 360, 216, 162, 0], 4266),
}
NETWORKS = {"conv_block": CONV_BLOCK, "sequence": SEQUENCE, "attention": ATTENTION,
            "oddities": ODDITIES}


def _report(network: str):
    shape, *lines = NETWORKS[network]
    report = analyze("pytorch", shape, *lines)
    assert not report.errors, str(report.errors[0])
    return report


@pytest.mark.parametrize("key", OBSERVED, ids=lambda k: "-".join(map(str, k)))
def test_small_networks_count_as_each_tool_printed(key):
    network, convention, training = key
    per_layer, total = OBSERVED[key]
    counted = count(_report(network), convention, training=training)
    assert list(counted.values) == per_layer
    assert counted.total == total
    assert counted.convention == convention and counted.unit == UNITS[convention]


# ResNet-18 and VGG-16 (specs/zoo): totals, and a few layers by 1-based index
ZOO_OBSERVED = {
    ("resnet18.txt", "torch", False): (3_628_146_688, {1: 236_027_904, 69: 1_024_000}),
    ("resnet18.txt", "fvcore", False): (1_819_065_856, {
        1: 118_013_952, 2: 1_605_632, 3: 0, 4: 0, 24: 6_422_528, 25: 200_704,
        67: 25_088, 69: 512_000}),
    ("resnet18.txt", "fvcore", True): (1_826_516_992, {2: 4_014_080, 25: 501_760}),
    ("resnet18.txt", "torchinfo", False): (1_814_083_944, {
        1: 118_013_952, 2: 128, 3: 0, 4: 0, 24: 6_422_528, 25: 256, 67: 0,
        69: 513_000}),
    ("resnet18.txt", "ptflops", False): (1_825_313_768, {
        1: 118_013_952, 2: 1_605_632, 3: 1_605_632, 4: 1_605_632, 10: 0, 24: 6_422_528,
        25: 200_704, 67: 50_176, 68: 0, 69: 513_000}),
    ("vgg16.txt", "torch", False): (30_940_528_640, {1: 173_408_256, 40: 8_192_000}),
    ("vgg16.txt", "fvcore", False): (15_470_289_408, {
        1: 86_704_128, 2: 0, 5: 0, 32: 25_088, 34: 102_760_448, 40: 4_096_000}),
    ("vgg16.txt", "torchinfo", False): (15_483_821_032, {
        1: 89_915_392, 2: 0, 5: 0, 32: 0, 34: 102_764_544, 40: 4_097_000}),
    ("vgg16.txt", "ptflops", False): (15_523_225_576, {
        1: 89_915_392, 2: 6_422_528, 5: 6_422_528, 32: 50_176, 34: 102_764_544,
        35: 8_192, 36: 0, 40: 4_097_000}),
}


@pytest.mark.parametrize("key", ZOO_OBSERVED, ids=lambda k: "-".join(map(str, k)))
def test_zoo_networks_count_as_each_tool_printed(key):
    name, convention, training = key
    total, layers = ZOO_OBSERVED[key]
    counted = count(analyze_file(ZOO / name), convention, training=training)
    assert counted.total == total
    for index, value in layers.items():
        assert counted.layers[index - 1].layer.index == index
        assert counted.values[index - 1] == value, (index, counted.layers[index - 1])


def test_torch_convention_is_shapecalcs_flops():
    report = analyze_file(ZOO / "resnet18.txt")
    counted = count(report, "torch")
    assert counted.total == report.flops == 2 * 1_814_073_344
    assert counted.values == tuple(layer.flops for layer in report.layers)


def test_ptflops_divides_hooks_by_the_batch_but_not_function_counts():
    """(10, 2, 16) sequence-first: ptflops' batch is the first size, 10. The attention
    hook (33,920 for a batch of 2) is divided by 10, its bmm/softmax calls (6,736) are not.
    A share that the batch does not divide stays a fraction; the total is truncated once:
    ptflops 0.7.5 printed 16 for the third network, 30 for the fourth."""
    assert count(_report("attention"), "ptflops").values[0] == 3392 + 6736
    report = analyze("pytorch", "(3, 5, 4)", "nn.Linear(4, 2)", "nn.ReLU()")
    assert count(report, "ptflops").values == (50, 10 + 30)  # 150/3; ReLU 30/3 + F.relu 30
    lines = ("input other: (2, 4)", "nn.Linear(4, 5)(other)")
    counted = count(analyze("pytorch", "(3, 4)", *lines), "ptflops")
    assert counted.values == (Fraction(50, 3),) and counted.total == 16
    counted = count(analyze("pytorch", "(3, 4)", *lines, "nn.ReLU()"), "ptflops")
    assert counted.values == (Fraction(50, 3), Fraction(10, 3) + 10)
    assert counted.total == 30


def test_ptflops_upsample_scales():
    """Hook numel(y)/N per sample; F.interpolate numel(x) · s² for one float scale, and
    numel(x) · ∏ int(s) for a tuple (np.prod(..., dtype=int64) truncates each)."""
    one = analyze("pytorch", "(2, 4, 5, 5)", "nn.Upsample(scale_factor=1.5)")
    assert count(one, "ptflops").total == 196 // 2 + 450  # y (2, 4, 7, 7); 200 · 2.25
    pair = analyze("pytorch", "(2, 4, 5, 5)", "nn.Upsample(scale_factor=(2, 1.5))")
    assert count(pair, "ptflops").total == 540  # 280/2 + 200 · 2 · 1


def test_what_each_tool_does_not_count_is_zero_with_a_note():
    report = analyze("pytorch", "(5, 3, 8)", "nn.LSTM(8, 16)")
    fvcore = count(report, "fvcore")
    assert fvcore.values == (0,) and "Unsupported operator" in fvcore.layers[0].note
    assert count(report, "torch").values == (2 * report.macs,)
    attention = count(_report("attention"), "torchinfo").layers[0]
    assert attention.value == 0 and "not a leaf" in attention.note
    same = analyze("pytorch", "(2, 3, 9, 9)", "nn.Conv2d(3, 4, 3, padding='same')")
    assert count(same, "fvcore").values == (0,)
    assert "_convolution_mode" in count(same, "fvcore").layers[0].note
    bilinear = count(_report("oddities"), "ptflops").layers[-1]
    assert bilinear.value == 0 and "no hook" in bilinear.note
    relu = count(_report("conv_block"), "fvcore").layers[2]
    assert relu.value == 0 and relu.note == ""  # ignored on purpose: no warning, no note


def test_ptflops_failures_are_counted_as_the_working_case_with_a_note():
    """ptflops returns None for an uninitialised lazy module and fails on an unbatched
    attention or cell input; shapecalc counts the initialised / batch-of-one module."""
    lazy = count(analyze("pytorch", "(2, 4, 5, 5)", "nn.LazyBatchNorm2d()"), "ptflops")
    assert lazy.values == (200,) and "lazy" in lazy.layers[0].note  # 2 · 200 / batch 2
    attention = analyze("pytorch", "(10, 16)", "nn.MultiheadAttention(16, 4)")
    batched = analyze("pytorch", "(10, 1, 16)", "nn.MultiheadAttention(16, 4)")
    unbatched = count(attention, "ptflops")
    assert "unbatched" in unbatched.layers[0].note
    assert unbatched.values == count(batched, "ptflops").values  # batch 10 both times
    cell = count(analyze("pytorch", "(8,)", "nn.RNNCell(8, 16)"), "ptflops")
    assert cell.values == (Fraction(16 * 24 + 16 + 32, 8),) and "unbatched" in \
        cell.layers[0].note


def test_keras_specs_admit_only_the_torch_convention():
    report = analyze_file(ZOO / "keras_vgg16.txt")
    assert count(report, "torch").total == report.flops
    for convention in ("fvcore", "torchinfo", "ptflops"):
        with pytest.raises(UsageError, match="torch convention"):
            count(report, convention)


def test_unknown_convention_is_a_usage_error():
    with pytest.raises(UsageError, match="torch, fvcore, torchinfo, ptflops"):
        count(_report("conv_block"), "thop")


def test_symbolic_counts_agree_with_numeric_ones():
    symbolic = analyze("pytorch", "(N, 3, H, W)", "nn.Conv2d(3, 8, 3, padding=1)",
                       "nn.BatchNorm2d(8)", "nn.ReLU()", "nn.MaxPool2d(2)",
                       "nn.Upsample(scale_factor=2)", "nn.AdaptiveAvgPool2d(1)",
                       "nn.Flatten()", "nn.Linear(8, 10)")
    numeric = analyze("pytorch", "(2, 3, 10, 12)", *[layer.source for layer in
                                                      symbolic.layers])
    sizes = {"N": 2, "H": 10, "W": 12}

    def at(value):
        if not hasattr(value, "free_symbols"):
            return value
        return value.subs({s: sizes[s.name] for s in value.free_symbols})

    for convention in CONVENTIONS:
        for training in (False, True):
            ours = count(symbolic, convention, training=training)
            theirs = count(numeric, convention, training=training)
            assert at(ours.total) == theirs.total, convention
            assert [at(v) for v in ours.values] == list(theirs.values), convention


def test_help_text_names_every_convention():
    for convention in CONVENTIONS:
        assert f"{convention}:" in HELP
