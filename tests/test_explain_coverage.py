"""--explain works out every number of every layer: the output shape, the parameters and
the MACs, each with its formula. The registry is walked; each layer gets a valid example
(found by trying small arguments, or written out below)."""

from __future__ import annotations

import ast
import itertools
import math
from fractions import Fraction

import pytest

from shapecalc import analyze_text
from shapecalc.explain import MACS, PARAMS, SHAPE, kind, render
from shapecalc.layers.base import REGISTRY, REQUIRED

RULES = sorted({(fw, rule.name): rule for (fw, _), rule in REGISTRY.items()}.items())
INPUTS = {"pytorch": ["(2, 4, 8, 8)", "(2, 4, 8)", "(2, 4)", "(2, 4, 8, 8, 8)"],
          "keras": ["(8, 8, 4)", "(8, 4)", "(4,)", "(8, 8, 8, 4)"]}
FILLS = ["5", "3", "2", "4"]  # sizes unlike the input's 4 and 8, so a kept shape is kept

# layers whose required arguments are not small integers, or that take several inputs
WRITTEN = {
    ("keras", "Activation"): "input: (8, 8, 4)\nlayers.Activation('relu')",
    ("keras", "AlphaDropout"): "input: (8, 4)\nlayers.AlphaDropout(0.5)",
    ("keras", "Bidirectional"): "input: (8, 4)\nlayers.Bidirectional(layers.LSTM(3))",
    ("keras", "Dropout"): "input: (8, 4)\nlayers.Dropout(0.5)",
    ("keras", "GaussianDropout"): "input: (8, 4)\nlayers.GaussianDropout(0.5)",
    ("keras", "GaussianNoise"): "input: (8, 4)\nlayers.GaussianNoise(0.5)",
    ("keras", "GroupNormalization"): "input: (8, 8, 4)\nlayers.GroupNormalization(groups=2)",
    ("keras", "Permute"): "input: (8, 6, 4)\nlayers.Permute((2, 1, 3))",
    ("keras", "RandomBrightness"): "input: (8, 8, 3)\nlayers.RandomBrightness(0.2)",
    ("keras", "RandomContrast"): "input: (8, 8, 3)\nlayers.RandomContrast(0.2)",
    ("keras", "RandomRotation"): "input: (8, 8, 3)\nlayers.RandomRotation(0.2)",
    ("keras", "RandomTranslation"): "input: (8, 8, 3)\nlayers.RandomTranslation(0.2, 0.2)",
    ("keras", "RandomZoom"): "input: (8, 8, 3)\nlayers.RandomZoom(0.2)",
    ("keras", "Reshape"): "input: (8, 6)\nlayers.Reshape((4, 12))",
    ("keras", "SpatialDropout1D"): "input: (8, 4)\nlayers.SpatialDropout1D(0.5)",
    ("keras", "SpatialDropout2D"): "input: (8, 8, 4)\nlayers.SpatialDropout2D(0.5)",
    ("keras", "SpatialDropout3D"): "input: (8, 8, 8, 4)\nlayers.SpatialDropout3D(0.5)",
    ("keras", "EinsumDense"): "input: (8, 4)\n"
                              "layers.EinsumDense('abc,cd->abd', output_shape=(None, 5), "
                              "bias_axes='d')",
    ("keras", "TimeDistributed"): "input: (5, 8, 4)\nlayers.TimeDistributed(layers.Dense(3))",
    ("keras", "Attention"): "a = keras.Input(shape=(5, 4))\nb = keras.Input(shape=(6, 4))\n"
                            "y = layers.Attention()([a, b])",
    ("keras", "AdditiveAttention"): "a = keras.Input(shape=(5, 4))\n"
                                    "b = keras.Input(shape=(6, 4))\n"
                                    "y = layers.AdditiveAttention()([a, b])",
    ("keras", "Subtract"): "a = keras.Input(shape=(5, 4))\nb = keras.Input(shape=(5, 4))\n"
                           "y = layers.Subtract()([a, b])",
    ("pytorch", "Bilinear"): "input a: (2, 5)\ninput b: (2, 3)\ny = nn.Bilinear(5, 3, 4)(a, b)",
    ("pytorch", "add"): "input a: (2, 5)\ninput b: (2, 5)\ny = a + b",
    ("pytorch", "sub"): "input a: (2, 5)\ninput b: (2, 5)\ny = a - b",
    ("pytorch", "mul"): "input a: (2, 5)\ninput b: (2, 5)\ny = a * b",
    ("pytorch", "Transformer"): "input src: (2, 5, 8)\ninput tgt: (2, 4, 8)\n"
                                "y = nn.Transformer(8, 2, 1, 1, 16, batch_first=True)(src, tgt)",
    ("pytorch", "TransformerDecoderLayer"):
        "input src: (2, 5, 8)\ninput tgt: (2, 4, 8)\n"
        "y = nn.TransformerDecoderLayer(8, 2, 16, batch_first=True)(tgt, src)",
    ("pytorch", "TransformerDecoder"):
        "input src: (2, 5, 8)\ninput tgt: (2, 4, 8)\ny = nn.TransformerDecoder("
        "nn.TransformerDecoderLayer(8, 2, 16, batch_first=True), 2)(tgt, src)",
    ("pytorch", "TransformerEncoder"):
        "input: (2, 5, 8)\nnn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, "
        "batch_first=True), 2)",
    ("pytorch", "Unflatten"): "input: (2, 12)\nnn.Unflatten(1, (3, 4))",
    ("pytorch", "Upsample"): "input: (2, 4, 8, 8)\nnn.Upsample(scale_factor=2)",
    ("pytorch", "UpsamplingBilinear2d"): "input: (2, 4, 8, 8)\n"
                                         "nn.UpsamplingBilinear2d(scale_factor=2)",
    ("pytorch", "UpsamplingNearest2d"): "input: (2, 4, 8, 8)\n"
                                        "nn.UpsamplingNearest2d(scale_factor=2)",
}

def example(framework: str, rule) -> str | None:
    if (framework, rule.name) in WRITTEN:
        return f"convention: {framework}\n{WRITTEN[framework, rule.name]}\n"
    required = [a for a, default in rule.signature.positional if default is REQUIRED]
    prefix = "nn." if framework == "pytorch" else "layers."
    for shape in INPUTS[framework]:
        for fill in itertools.product(FILLS, repeat=len(required)):
            call = f"{prefix}{rule.name}({', '.join(fill)})"
            text = f"convention: {framework}\ninput: {shape}\n{call}\n"
            report = analyze_text(text)
            if report.layers and not report.errors:
                return text
    return None


@pytest.mark.parametrize("framework, rule", [(fw, rule) for (fw, _), rule in RULES],
                         ids=[f"{fw}-{name}" for (fw, name), _ in RULES])
def test_every_layer_explains_its_shape_params_and_macs(framework, rule):
    text = example(framework, rule)
    assert text is not None, f"no example of {rule.name}: write one in WRITTEN"
    report = analyze_text(text, explain=True)
    assert not report.errors, report.errors[0].message
    layer = next(layer for layer in report.layers if layer.type == rule.name)
    missing = {SHAPE, PARAMS, MACS} - {kind(step) for step in layer.explanations}
    assert not missing, (
        f"{rule.name} has no formula for {', '.join(sorted(missing))}: "
        + "; ".join(render(step) for step in layer.explanations))
    for target in ("text", "markdown", "latex"):
        assert all(render(step, target) for step in layer.explanations)
    for step in layer.explanations:
        assert_formula_gives_its_result(step)


FUNCTIONS = {"floor": math.floor, "ceil": math.ceil, "max": max, "min": min}


def _known(value) -> bool:
    if isinstance(value, tuple):
        return all(_known(v) for v in value)
    return type(value) is int or isinstance(value, Fraction)


def assert_formula_gives_its_result(step) -> None:
    """The formula, evaluated with the values it shows, is the number it claims (a step
    about a size given as None, or a symbol, is left to the renderer)."""
    values = dict(step.values)
    if not all(_known(v) for v in values.values()) or not _known(step.result):
        return
    tree = ast.parse(step.template, mode="eval")  # our own template, test-side
    got = eval(compile(tree, "<formula>", "eval"), dict(FUNCTIONS),  # noqa: S307
               {k: Fraction(v) if type(v) is int else v for k, v in values.items()})
    assert got == step.result, f"{render(step)}: the formula gives {got}"


# Seed 004, problem 2.3: D filters, dilation N, kernel K, input size I. In the formulas N is
# the batch; next to the user's N (a dilation) it must not read as the same N.
SEED_004 = """\
convention: pytorch
input: (1, 3, I, I)
nn.Conv2d(3, D, K, dilation=N)
"""


def test_formula_symbols_never_clash_with_the_users():
    layer = analyze_text(SEED_004, explain=True).layers[0]
    texts = [render(step) for step in layer.explanations]
    macs = next(t for t in texts if t.startswith("MACs"))
    assert macs.startswith("MACs = Nʹ × H_out × W_out × C_out × k_h × k_w × C_in = 1 × ")
    shape = next(t for t in texts if t.startswith("H_out"))
    assert "d·(k − 1)" in shape and "N·(K − 1)" in shape  # the user's N, substituted for d
    latex = render(next(s for s in layer.explanations if s.quantity == "MACs"), "latex")
    assert latex.startswith("$\\mathrm{MACs} = N' \\times")


def test_the_batch_named_n_by_the_user_keeps_its_name():
    layer = analyze_text("convention: pytorch\ninput: (N, 3, 8, 8)\nnn.Conv2d(3, 4, 3)\n",
                         explain=True).layers[0]
    macs = next(render(s) for s in layer.explanations if s.quantity == "MACs")
    assert macs.startswith("MACs = N × H_out × W_out × C_out × k_h × k_w × C_in = "
                           "N × 6 × 6")
