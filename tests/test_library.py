"""The model zoos as a library: torchvision.models and keras.applications by name.

specs/library/ holds a spec per library model (its builder at the default input size) and
transfer-learning specs as students write them; their `expect` lines were recorded from the
real frameworks (torchvision 0.28.0 with torch 2.13.0, Keras 3.15.1) by
tests/library/record.py, which executes the same code there. Here each is analysed and
checked, with no framework installed; the index that `shapecalc models` prints must be the
expect lines' own.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from shapecalc import analyze_file, analyze_text, zoo
from shapecalc.check import check, expectations
from shapecalc.cli import main
from shapecalc.spec.reader import read_spec

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "specs" / "library"
SPECS = sorted(LIBRARY.rglob("*.txt"))


def _recorder():
    spec = importlib.util.spec_from_file_location("_library_record",
                                                  ROOT / "tests" / "library" / "record.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(LIBRARY)))
def test_library_spec_agrees_with_the_framework(path: Path):
    spec = read_spec(path.read_text(encoding="utf-8"), str(path))
    assert len(expectations(spec)) >= 4, "not recorded: run tests/library/record.py"
    verdicts = check(spec, analyze_file(path))
    assert [v.message for v in verdicts if not v.ok] == []


def test_every_model_has_its_spec_and_the_index_is_the_expects():
    for framework in ("torchvision", "keras"):
        for name in zoo.model_names(framework):
            assert (LIBRARY / framework / f"{name}.txt").exists(), name
    assert _recorder().index_text() == (ROOT / "shapecalc" / "zoo" / "index.txt").read_text()
    names = {(row["framework"], row["name"]) for row in zoo.index()}
    assert names == {(fw, n) for fw in ("torchvision", "keras") for n in zoo.model_names(fw)}


def _totals(text: str) -> tuple:
    report = analyze_text(text)
    assert not report.errors, report.errors[0]
    return (report.output_shape, report.params, report.trainable_params,
            report.non_trainable_params, report.buffers, report.macs)


TORCH_FORMS = [
    "import torchvision\nmodel = torchvision.models.resnet18(weights=None)",
    "import torchvision.models as models\nmodel = models.resnet18()",
    "from torchvision import models\nmodel = models.resnet18(pretrained=False)",
    "from torchvision.models import resnet18\nmodel = resnet18()",
    "from torchvision.models.resnet import resnet18\nmodel = resnet18(progress=False)",
    "from torchvision.models import resnet18, ResNet18_Weights\n"
    "model = resnet18(weights=ResNet18_Weights.DEFAULT)",
    "import torchvision\nmodel = torchvision.models.resnet18(weights='IMAGENET1K_V1')",
    "import torchvision\nmodel = torchvision.models.get_model('resnet18', weights=None)",
]


@pytest.mark.parametrize("code", TORCH_FORMS)
def test_torchvision_names_as_users_write_them(code: str):
    totals = _totals(f"convention: pytorch\ninput: (1, 3, 224, 224)\n{code}\n")
    assert totals[1:5] == (11_689_512, 11_689_512, 0, 9_620)  # torchvision's resnet18


KERAS_FORMS = [
    "import keras\nmodel = keras.applications.MobileNetV2(weights=None)",
    "import tensorflow as tf\nmodel = tf.keras.applications.MobileNetV2()",
    "from keras.applications import MobileNetV2\nmodel = MobileNetV2(weights='imagenet')",
    "from tensorflow.keras.applications import MobileNetV2\nmodel = MobileNetV2()",
    "from tensorflow.keras.applications.mobilenet_v2 import MobileNetV2, preprocess_input\n"
    "model = MobileNetV2(input_shape=(224, 224, 3))",
    "from keras.applications import mobilenet_v2\nmodel = mobilenet_v2.MobileNetV2()",
]


@pytest.mark.parametrize("code", KERAS_FORMS)
def test_keras_applications_names_as_users_write_them(code: str):
    totals = _totals(f"convention: keras\n{code}\n")
    assert totals[:4] == ((None, 1000), 3_538_984, 3_504_872, 34_112)  # Keras 3.15.1


def test_arguments_change_the_model():
    def params(code, convention="pytorch", header="input: (1, 3, 224, 224)\n"):
        report = analyze_text(f"convention: {convention}\n{header}{code}\n")
        assert not report.errors, report.errors[0]
        return report.params, report.output_shape

    # torchvision: num_classes on the last Linear (2048 * 10 + 10 instead of 2,049,000)
    assert params("import torchvision\nmodel = torchvision.models.resnet50(num_classes=10)") \
        == (25_557_032 - 2_049_000 + 20_490, (1, 10))
    # Keras: no top, average pooled; a 4-class top; alpha
    assert params("import keras\nmodel = keras.applications.VGG16(include_top=False, "
                  "weights=None, pooling='avg')", "keras", "") == (14_714_688, (None, 512))
    assert params("import keras\nmodel = keras.applications.ResNet50(weights=None, "
                  "classes=4)", "keras", "") == (23_587_712 + 2048 * 4 + 4, (None, 4))
    assert params("import keras\nmodel = keras.applications.InceptionV3(include_top=False, "
                  "input_shape=(150, 150, 3))", "keras", "") == (21_802_784, (None, 3, 3, 2048))


@pytest.mark.parametrize("code, message", [
    ("convention: pytorch\ninput: (1, 3, 224, 224)\nimport torchvision\n"
     "model = torchvision.models.resnet50(weights='DEFAULT', num_classes=10)",
     "ValueError: The parameter 'num_classes' expected value 1000 but got 10 instead."),
    ("convention: keras\nimport keras\nmodel = keras.applications.VGG16(classes=10)",
     "If using `weights='imagenet'` with `include_top=True`, `classes` should be 1000. "
     "Received classes=10"),
    ("convention: keras\nimport keras\n"
     "model = keras.applications.InceptionV3(include_top=False, input_shape=(64, 64, 3))",
     "Input size must be at least 75x75; Received: input_shape=(64, 64, 3)"),
    ("convention: keras\nimport keras\n"
     "model = keras.applications.ResNet50(input_shape=(150, 150, 3))",
     "`input_shape` should be (224, 224, 3)"),
    ("convention: keras\nimport keras\nmodel = keras.applications.MobileNetV2(alpha=0.6)",
     "alpha must be one of `0.35`, `0.50`, `0.75`, `1.0`, `1.3` or `1.4` only"),
    ("convention: keras\nimport keras\nmodel = keras.applications.NASNetMobile(weights=None)",
     "`keras.applications.NASNetMobile` is not in shapecalc's library yet"),
    ("convention: pytorch\ninput: (1, 3, 224, 224)\nfrom torchvision.models import swin_t\n"
     "model = swin_t()", "`torchvision.models.swin_t` is not in shapecalc's library yet"),
    ("convention: pytorch\ninput: (1, 3, 224, 224)\nimport torchvision\n"
     "model = torchvision.models.resnet18(foo=1)", "unexpected keyword argument 'foo'"),
])
def test_refusals_name_the_users_line(code: str, message: str):
    report = analyze_text(code, path="net.txt")
    assert report.errors, "expected a refusal"
    error = report.errors[0]
    assert message in error.message
    assert error.span is not None and error.span.line == code.count("\n") + 1  # the call


def test_a_library_model_folds_into_one_block_row():
    runner = CliRunner()
    path = str(LIBRARY / "transfer" / "seed000_q7_inceptionv3_frozen.txt")
    folded = runner.invoke(main, ["analyze", path, "--depth", "1", "--format", "markdown"])
    assert folded.exit_code == 0, folded.output
    assert "inception_v3 (block)" in folded.output and "mixed10" not in folded.output
    # the base is listed where the Sequential applies it: after the upsampling
    assert folded.output.index("up_sampling2d_2") < folded.output.index("inception_v3 (block)")
    full = runner.invoke(main, ["analyze", path, "--format", "markdown"])
    assert "mixed10" in full.output


def test_a_base_without_input_shape_is_built_on_the_input_it_is_given():
    text = ("convention: keras\nimport keras\nfrom keras import layers\n"
            "base = keras.applications.ResNet50(include_top=False, weights='imagenet')\n"
            "inputs = keras.Input(shape=(160, 160, 3))\nx = base(inputs, training=False)\n"
            "base.trainable = False\nx = layers.GlobalAveragePooling2D()(x)\n"
            "outputs = layers.Dense(3)(x)\nmodel = keras.Model(inputs, outputs)\n")
    report = analyze_text(text)
    assert not report.errors, report.errors[0]
    assert (report.params, report.trainable_params) == (23_587_712 + 6_147, 6_147)
    assert any(layer.output_shape == (None, 5, 5, 2048) for layer in report.layers)


def test_models_lists_the_library_and_shows_a_file():
    runner = CliRunner()
    listed = runner.invoke(main, ["models"])
    assert listed.exit_code == 0, listed.output
    assert "resnet50" in listed.output and "25,557,032" in listed.output
    assert "InceptionV3" in listed.output and "23,851,784" in listed.output
    shown = runner.invoke(main, ["models", "resnet50", "--show"])
    assert shown.exit_code == 0 and "class Bottleneck(nn.Module):" in shown.output
    one = runner.invoke(main, ["models", "VGG16", "--framework", "keras"])
    assert "138,357,544" in one.output and "resnet" not in one.output
    unknown = runner.invoke(main, ["models", "resnet5"])
    assert unknown.exit_code == 2 and "no library model named 'resnet5'" in unknown.output


def test_a_library_model_analyses_without_sympy():
    code = ("import sys, time\nfrom shapecalc import analyze_text\n"
            "text = 'convention: pytorch\\ninput: (1, 3, 224, 224)\\nimport torchvision\\n"
            "model = torchvision.models.resnet152()\\n'\n"
            "report = analyze_text(text)\nassert report.params == 60_192_808, report.params\n"
            "assert 'sympy' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# len(model.layers) in Keras 3.15.1 (the InputLayer included): what `base.layers[:N]` slices
KERAS_LAYER_COUNTS = {"VGG16(weights=None)": 23, "ResNet50(weights=None)": 177,
                      "ResNet50V2(weights=None)": 192, "MobileNetV2(include_top=False)": 154,
                      "InceptionV3(include_top=False)": 311, "DenseNet121(weights=None)": 429,
                      "Xception(weights=None)": 134, "MobileNet(weights=None)": 91,
                      "EfficientNetB0(weights=None)": 240}


@pytest.mark.parametrize("call, count", sorted(KERAS_LAYER_COUNTS.items()))
def test_keras_model_layers_are_keras_layers(call: str, count: int):
    report = analyze_text(f"convention: keras\nimport keras\nmodel = keras.applications.{call}\n"
                          f"assert len(model.layers) == {count}, len(model.layers)\n")
    assert not report.errors, report.errors[0]
