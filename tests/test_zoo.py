"""Classic architectures (specs/zoo/) against the frameworks and the published figures.

tests/golden/zoo_facts.json holds, per spec, what the framework reports for the same
network: PyTorch specs were built by hand from nn modules in torch 2.13.0 (params,
buffers, output shape, FlopCounterMode FLOPs), Keras specs are keras.applications models
built with weights=None in Keras 3.15.1 (count_params, trainable / non-trainable, output
shape, layer count; FLOPs per sample from an equivalent torch network). Receptive fields
were measured in torch by gradient support (see the facts' source notes).

The published figures are written here as literals, apart from the facts, so that a
wrong fact cannot hide a wrong published number.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from shapecalc import analyze_file
from shapecalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
ZOO = ROOT / "specs" / "zoo"
SPECS = sorted(ZOO.glob("*.txt"))
FACTS = json.loads((Path(__file__).resolve().parent / "golden" / "zoo_facts.json")
                   .read_text(encoding="utf-8"))["specs"]

_REPORTS: dict[str, object] = {}


def report_of(name: str):
    """Analyse each spec once per session: ResNet-50 has 175 layers."""
    if name not in _REPORTS:
        report = analyze_file(ZOO / name)
        assert not report.errors, f"specs/zoo/{name}: {report.errors[0]}"
        _REPORTS[name] = report
    return _REPORTS[name]


def _plain(value: object) -> object:
    return [_plain(v) for v in value] if isinstance(value, (tuple, list)) else value


def test_every_spec_has_facts_and_every_fact_its_spec():
    assert sorted(p.name for p in SPECS) == sorted(FACTS)


@pytest.mark.parametrize("name", sorted(FACTS))
def test_totals_agree_with_the_framework(name: str):
    facts = FACTS[name]
    report = report_of(name)
    got = {"input_shape": _plain(report.input_shape), "output_shape": _plain(report.output_shape),
           "params": report.params, "trainable_params": report.trainable_params,
           "non_trainable_params": report.non_trainable_params, "buffers": report.buffers,
           "flops": report.flops, "flops_per_sample": report.flops,
           "layers": len(report.layers)}
    expected = {key: facts[key] for key in got if key in facts}
    assert {key: got[key] for key in expected} == expected


@pytest.mark.parametrize("name", [n for n in sorted(FACTS) if "layer_list" in FACTS[n]])
def test_keras_layers_one_by_one(name: str):
    """The spec's layers, in order, are keras.applications' layers (class, shape, params),
    listed as keras' source creates them."""
    got = [[layer.type, _plain(layer.output_shape), layer.params]
           for layer in report_of(name).layers]
    for index, (mine, keras) in enumerate(zip(got, FACTS[name]["layer_list"]), start=1):
        assert mine == keras[1:], f"layer {index} ({keras[0]} in Keras)"
    assert len(got) == len(FACTS[name]["layer_list"])


# Published parameter counts: torchvision's and Keras' model tables, and the papers.
PUBLISHED_PARAMS = {
    "lenet5.txt": 61_706,
    "alexnet.txt": 61_100_840,
    "vgg16.txt": 138_357_544,
    "resnet18.txt": 11_689_512,
    "resnet50.txt": 25_557_032,
    "mobilenet_v2.txt": 3_504_872,
    "keras_vgg16.txt": 138_357_544,
    "keras_resnet50.txt": 25_636_712,
}


@pytest.mark.parametrize("name, params", sorted(PUBLISHED_PARAMS.items()))
def test_published_parameter_counts(name: str, params: int):
    assert report_of(name).params == params
    assert FACTS[name]["published"]["params"] == params


# torchvision documents "GFLOPS" that are multiply-accumulates (fvcore-style): they equal
# MACs / 1e9, while FlopCounterMode (and shapecalc's FLOPs column) reports twice that.
PUBLISHED_GMACS = {
    "alexnet.txt": 0.71,
    "vgg16.txt": 15.47,
    "resnet18.txt": 1.81,
    "resnet50.txt": 4.09,
    "mobilenet_v2.txt": 0.30,
}


@pytest.mark.parametrize("name, gmacs", sorted(PUBLISHED_GMACS.items()))
def test_torchvision_gflops_are_macs(name: str, gmacs: float):
    report = report_of(name)
    assert round(report.macs / 1e9, 2) == gmacs
    assert round(report.flops / 1e9, 2) != gmacs
    assert report.flops == FACTS[name]["flops"]


def test_keras_resnet50_differs_from_torchvision_by_biases_and_moving_statistics():
    torch_net, keras_net = report_of("resnet50.txt"), report_of("keras_resnet50.txt")
    biases = sum(layer.params for layer in keras_net.layers if layer.type == "Conv2D") - sum(
        layer.params for layer in torch_net.layers if layer.type == "Conv2d")
    assert biases == 26_560
    assert keras_net.non_trainable_params == 2 * biases == 53_120  # moving mean + variance
    assert keras_net.params - torch_net.params == 3 * biases == 79_680
    # stride on the first 1x1 conv (v1) instead of the 3x3 conv (v1.5): fewer MACs
    assert keras_net.macs == 3_857_973_248 < torch_net.macs == 4_089_184_256


def test_inception_3a_matches_the_papers_table():
    """Table 1 of Szegedy et al. 2015: 159K params and 128M ops, weights only, K = 1024."""
    report = report_of("inception_3a.txt")
    biases = 64 + 96 + 128 + 16 + 32 + 32
    weights = report.params - biases
    assert weights == 163_328 and weights // 1024 == 159
    assert report.macs == weights * 28 * 28 == 128_049_152
    assert round(report.macs / 1e6) == 128


def test_se_branch_adds_two_c_squared_over_r():
    """Eq. 5 of the SE paper: the excitation's two FC layers hold 2C²/r weights."""
    report = report_of("se_resnet_block.txt")
    fc = sum(layer.params for layer in report.layers if layer.type == "Linear")
    assert fc == 2 * 256 ** 2 // 16 + (16 + 256) == 8_464
    assert [layer.output_shape for layer in report.layers if layer.type == "mul"] == [
        (1, 256, 56, 56)]


def _last(report, *types: str):
    return [layer for layer in report.layers if layer.type in types][-1]


def _field_size(layer) -> int:
    sizes = {axis.size for axis in layer.receptive_field}
    assert len(sizes) == 1, sizes
    return sizes.pop()


@pytest.mark.parametrize("name", ["vgg16.txt", "keras_vgg16.txt", "resnet50.txt",
                                  "keras_resnet50.txt"])
def test_receptive_field_of_the_last_conv(name: str):
    """VGG-16: 196 at conv5_3, 212 after pool5 (the figure usually quoted). ResNet-50: 427
    with torchvision's stride on the 3x3 conv, 483 with Keras' stride on the 1x1 conv.
    Both computed by hand in the specs' comments and measured in torch."""
    report = report_of(name)
    field = FACTS[name]["receptive_field"]
    assert _field_size(_last(report, "Conv2d", "Conv2D")) == field["last_conv"]
    assert field["last_conv"] == {"vgg16.txt": 196, "keras_vgg16.txt": 196,
                                  "resnet50.txt": 427, "keras_resnet50.txt": 483}[name]
    if "pool5" in field:
        assert _field_size(_last(report, "MaxPool2d", "MaxPooling2D")) == field["pool5"] == 212
    # the final feature map, before global pooling, has the last conv's field
    if "resnet" in name:
        pooled = [layer.type for layer in report.layers].index(
            "AdaptiveAvgPool2d" if name == "resnet50.txt" else "GlobalAveragePooling2D")
        assert _field_size(report.layers[pooled - 1]) == field["last_conv"]


def test_specs_cite_their_sources_and_expectations_hold(monkeypatch):
    for spec in SPECS:
        text = spec.read_text(encoding="utf-8")
        assert text.startswith("#"), f"specs/zoo/{spec.name} should open with its source"
        assert "expect params:" in text, f"specs/zoo/{spec.name} should state its params"
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["check", "specs/zoo"])
    assert result.exit_code == 0, result.output


def test_symbolic_resnet50_specialises_to_the_numeric_one():
    """The same spec with input (N, 3, H, W): params do not depend on the size, and the MACs
    formula at N=1, H=W=224 is the numeric count; the output is (N, 1000)."""
    from shapecalc import analyze_text

    text = (ZOO / "resnet50.txt").read_text(encoding="utf-8")
    report = analyze_text(text.replace("input: (1, 3, 224, 224)", "input: (N, 3, H, W)"))
    assert not report.errors, report.errors[0]
    assert report.params == 25_557_032
    assert str(report.output_shape[0]) == "N" and report.output_shape[1] == 1000
    values = {s: {"N": 1, "H": 224, "W": 224}[s.name] for s in report.macs.free_symbols}
    assert report.macs.subs(values) == 4_089_184_256
