"""The spec reader: statements, trees, positions, and refusals with columns."""

from __future__ import annotations

import pytest

from shapecalc import analyze_text
from shapecalc.errors import SpecError
from shapecalc.spec import syntax as S
from shapecalc.spec.reader import read_spec


def statements(text: str) -> tuple:
    return read_spec(text).statements


def test_directives_are_read_and_the_rest_is_python():
    spec = read_spec("convention: PyTorch\nlet H = 2*k+1  # odd\ninput: (N, 3, H, H)\n"
                     "nn.Conv2d(3, 64, kernel_size=3, padding=1)\nexpect params: 1,792\n")
    convention, let, inp, expect = spec.statements
    assert convention == S.ConventionDecl("pytorch")
    assert let == S.Let("H", S.BinaryOp("+", S.BinaryOp("*", S.Number(2), S.Name(("k",))),
                                        S.Number(1)))
    assert inp.value == S.Sequence((S.Name(("N",)), S.Number(3), S.Name(("H",)),
                                    S.Name(("H",))), "tuple")
    assert expect.key == "params" and expect.value == S.Number(1792)
    # every line stays where it was: the directives became Python or blank lines
    body = spec.module.body
    assert [type(node).__name__ for node in body] == ["Assign", "Assign", "Expr"]
    assert [node.lineno for node in body] == [2, 3, 4]


def layer_types(text: str) -> list[str]:
    report = analyze_text(text)
    assert not report.errors, report.errors[0]
    return [layer.type for layer in report.layers]


@pytest.mark.parametrize("text, types", [
    ("model.add(layers.Conv2D(32, (3, 3), activation='relu'))", ["Conv2D"]),
    ("nn.Conv2d(3, 64, 3),", ["Conv2d"]),
    ("model = nn.Sequential(\n    nn.Conv2d(3, 8, 3),  # first\n    nn.ReLU(),\n)",
     ["Conv2d", "ReLU"]),
    ("model = keras.Sequential([\n  layers.Dense(4),\n  layers.Dense(2)\n])",
     ["Dense", "Dense"]),
    ("x = layers.Dense(10)(input)", ["Dense"]),
    ("import torch.nn as nn\nfrom tensorflow.keras import layers\nnn.ReLU()", ["ReLU"]),
    ("nn.Conv2d(3, 4, 3); nn.ReLU()", ["Conv2d", "ReLU"]),
    ("nn.Conv2d(3, 4, [i for i in (3, 3)])", ["Conv2d"]),
    ("args = (3, 4, 3)\nnn.Conv2d(*args)", ["Conv2d"]),
    ("    nn.Conv2d(3, 8, 3),\n    nn.ReLU(),", ["Conv2d", "ReLU"]),
])
def test_pasted_code_forms(text, types):
    is_keras = "layers." in text
    header = "convention: keras\ninput: (8, 8, 3)\n" if is_keras else \
        "convention: pytorch\ninput: (1, 3, 8, 8)\n"
    if is_keras and "Dense(10)" in text or "Sequential([" in text:
        header = "convention: keras\ninput: (8,)\n"
    assert layer_types(header + text) == types


def test_multiline_sources_keep_each_element_text():
    report = analyze_text("convention: pytorch\ninput: (1, 3, 8, 8)\n"
                          "nn.Sequential(\n    nn.Conv2d(3, 8,\n              3),\n    nn.ReLU())")
    first, second = report.layers
    assert first.source == "nn.Conv2d(3, 8, 3)"
    assert first.line == 4 and second.line == 6


def test_functional_inputs_and_targets():
    report = analyze_text("convention: keras\nx = keras.Input(shape=(4,))\n"
                          "y = layers.Dense(3)(x)\n")
    assert report.layers[0].tensor == "y" and report.layers[0].inputs == ("x",)
    assert report.inputs == (("x", (None, 4)),)


@pytest.mark.parametrize("text, line, column, match", [
    ("nn.Conv2d(3, 4, 3))", 1, 19, "unmatched"),
    ("nn.Conv2d(3, 4,\n  3", 1, 10, "never closed"),
    ("convention: caffe", 1, 13, "unknown convention 'caffe'; valid: pytorch, keras"),
    ("let = 3", 1, 1, "expected `let NAME = expression`"),
    ("x = (", 1, 5, "never closed"),
    ("  nn.Conv2d(3, 4, 'é' +)", 1, 24, "syntax error"),
    ("nn.Conv2d(3, 4, 3)\n  nn.ReLU()", 2, 2, "syntax error: unexpected indent"),
    ("(" * 60, 1, 49, "nested deeper"),
])
def test_refusals_have_positions(text, line, column, match):
    with pytest.raises(SpecError, match=match) as info:
        read_spec(text, "net.txt")
    assert (info.value.span.line, info.value.span.column) == (line, column)
    assert str(info.value).startswith(f"net.txt:{line}:{column}: error:")


def test_caret_is_drawn_under_the_offending_text():
    report = analyze_text("convention: pytorch\ninput: (1, 3, 8, 8)\n"
                          "nn.Conv2d(3, 4, 3, strid=2)\n", path="net.txt")
    assert str(report.errors[0]) == (
        "net.txt:3:20: error: Conv2d() has no argument `strid`; did you mean `stride`? "
        "(accepted: in_channels, out_channels, kernel_size, stride, padding, dilation, "
        "groups, bias, padding_mode, device, dtype)\n"
        "    nn.Conv2d(3, 4, 3, strid=2)\n"
        "                       ^^^^^^^")


@pytest.mark.parametrize("line, match", [
    ("nn.Conv2d(3, 4)", "missing the required argument `kernel_size`"),
    ("nn.Conv2d(3, 4, 3, 1, 0, 1, 1, True, 'zeros', None, None, 7)",
     "takes at most 11 positional arguments"),
    ("nn.Conv2d(3, 4, 3, stride=1, stride=2)", None),
    ("nn.Conv2d(3, 4, 3, 2, stride=1)", "multiple values for argument `stride`"),
    ("layers.Conv2D(4, 3)", "`layers.Conv2D` is a Keras layer, but this spec uses the PyTorch"),
    ("nn.Conv2D(4, 3)", "did you mean `Conv2d`"),
    ("nn.Conv2d(3, 4, 3)(input, input)", "takes one input tensor, got 2"),
    ("foo.Conv2d(4, 3)", "unknown prefix `foo.`"),
    ("nn.Conv2d(3, 4, 3 // 0)", "division by zero"),
    ("nn.Conv2d(3, 4, 2 ** 100000)", "exponent must be an integer from 0 to 1024"),
    ("nn.Conv2d(3, 4, 'three')", "kernel_size must be an int or a tuple of 2 ints, got 'three'"),
])
def test_binding_refusals(line, match):
    with pytest.raises(SpecError, match=match):
        report = analyze_text(f"convention: pytorch\ninput: (1, 3, 8, 8)\n{line}\n")
        if report.errors:
            raise report.errors[0]


def test_let_and_expressions():
    report = analyze_text("convention: pytorch\nlet k = 2\nlet C = 3\ninput: (1, C, 4*k+1, 9)\n"
                          "nn.Conv2d(C, 2*C, 2*k+1, padding=k // 2)\n")
    assert report.layers[0].output_shape == (1, 6, 7, 7)


def test_keras_input_shape_on_first_layer():
    report = analyze_text("convention: keras\n"
                          "model.add(Conv1D(16, kernel_size=3, input_shape=(500, 7)))\n")
    assert report.input_shape == (None, 500, 7)
    assert report.layers[0].output_shape == (None, 498, 16)


def test_convention_is_inferred_from_prefixes():
    report = analyze_text("input: (1, 3, 8, 8)\nnn.Conv2d(3, 4, 3)\n")
    assert report.convention == "pytorch"


def test_missing_convention_is_explained():
    with pytest.raises(SpecError, match="declare the convention"):
        raise analyze_text("input: (1, 3, 8, 8)\nfoo(3)\n").errors[0]


def test_pasted_model_code_with_training_calls():
    # seed 001 Q4, as pasted from the notebook
    text = """\
# Initialize the model
model = Sequential()
model.add(Conv2D(32, (3, 3), activation='relu', input_shape=(128, 128, 1)))
model.add(MaxPool2D(pool_size=(2, 2)))
model.add(Flatten())
model.add(Dense(units=1, activation='sigmoid'))
model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
model.summary()
print(model)
"""
    report = analyze_text(text)
    assert not report.errors, report.errors
    assert report.convention == "keras"
    assert report.output_shape == (None, 1)
    assert report.params == 320 + (63 * 63 * 32 + 1)  # conv + dense on 127,008 features


def test_pasted_notebook_cell_with_data_and_prints():
    # seed 001 Q6, the whole cell as pasted: 3,584 + 4,128 = 7,712 parameters
    text = """\
model = Sequential()
model.add(Conv2D(128, (3, 3), input_shape=(64, 64, 3)))
model.add(Conv2D(32, (1, 1)))
model.summary()
input_data = np.random.rand(1, 64, 64, 3)
output_data = model.predict(input_data)
print(f'Input size: {input_data.shape}')
"""
    report = analyze_text(text)
    assert not report.errors, report.errors
    assert report.output_shape == (None, 62, 62, 32)
    assert report.params == 7712


PYTORCH_CLASS = """\
input: (4, 3, 32, 32)
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1) # flatten all dimensions except batch
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

net = Net()
"""


def test_pasted_module_class():
    # the PyTorch CIFAR-10 tutorial network: torch counts 62,006 parameters
    report = analyze_text(PYTORCH_CLASS)
    assert not report.errors, report.errors
    assert report.convention == "pytorch"
    assert report.output_shape == (4, 10)
    assert report.params == 62006
    assert [layer.name for layer in report.layers if layer.type != "ReLU"] == [
        "conv1", "pool", "conv2", "pool", "flatten", "fc1", "fc2", "fc3"]
    assert {layer.block for layer in report.layers} == {"Net"}


def test_a_module_applied_twice_has_its_weights_once():
    text = PYTORCH_CLASS.replace("x = self.fc3(x)", "x = self.fc2(F.relu(nn.Linear(84, 120)(x)))\n"
                                 "        x = self.fc3(x)")
    report = analyze_text(text)
    assert not report.errors, report.errors
    fc2 = [layer for layer in report.layers if layer.name == "fc2"]
    assert [layer.params for layer in fc2] == [10164, 0]
    assert fc2[1].macs == fc2[0].macs  # computed twice, stored once
    # a layer made inside forward is not the model's: torch's parameters() does not hold it
    made_in_forward = [layer for layer in report.layers if layer.source == "nn.Linear(84, 120)"]
    assert [layer.params for layer in made_in_forward] == [0]
    assert report.params == 62006


def test_a_class_never_instantiated_runs_at_the_end():
    report = analyze_text(PYTORCH_CLASS.replace("net = Net()\n", ""))
    assert report.output_shape == (4, 10)


def test_instantiation_moved_to_a_device():
    report = analyze_text(PYTORCH_CLASS.replace("net = Net()", "net = Net().to(device)"))
    assert not report.errors, report.errors
    assert report.params == 62006
