"""The abstract interpreter: Python's semantics over shapes, its refusals, and its bounds.

Each test pastes a few lines of the kind model code contains and checks what the network
comes out as; the numbers were checked against torch 2.13.0 (see the comments).
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from shapecalc import analyze_text
from shapecalc.errors import SpecError

TORCH = "convention: pytorch\n"
KERAS = "convention: keras\n"


def run(text: str):
    report = analyze_text(text)
    assert not report.errors, str(report.errors[0])
    return report


def refusal(text: str) -> SpecError:
    try:
        report = analyze_text(text)
    except SpecError as error:
        return error
    assert report.errors, "expected a refusal"
    return report.errors[0]


# -- Python itself -------------------------------------------------------------------------

@pytest.mark.parametrize("code, width", [
    ("w = 8", 8),
    ("w = 2 ** 3", 8),
    ("w = int(8.9)", 8),
    ("w = round(7.6)", 8),
    ("w = max([3, 8, 5])", 8),
    ("w = sum(x for x in (3, 5))", 8),
    ("w = len([i for i in range(10) if i % 2 == 0]) + 3", 8),
    ("w = {'a': 8}['a']", 8),
    ("a, *rest = [8, 1, 2]\nw = a", 8),
    ("w = 0\nfor i, (a, b) in enumerate(zip([1, 2], [3, 2])):\n    w += a * b\nw = w + 1", 8),
    ("w = 0\nwhile w < 8:\n    w += 3\n    if w > 5:\n        break\nw = w + 2", 8),
    ("def f(a, *args, k=1, **kw):\n    return a + len(args) + k + len(kw)\nw = f(1, 2, 3, k=3, x=1, y=0)", 8),
    ("def outer(n):\n    def inner():\n        return n * 2\n    return inner\nw = outer(4)()", 8),
    ("w = (lambda x: x + 3)(5)", 8),
    ("w = int(f'{4}{0}') // 5", 8),
    ("w = int('%d' % 8)", 8),
    ("w = int('{}'.format(8))", 8),
    ("import math\nw = math.ceil(7.2)", 8),
    ("w = 8 if isinstance(3, int) else 0", 8),
    ("w = len(dict(a=1, b=2).items()) * 4", 8),
])
def test_python_values_reach_the_layer(code, width):
    report = run(TORCH + "input: (1, 4)\n" + code + "\nnn.Linear(4, w)\n")
    assert report.output_shape == (1, 8)


def test_classes_attributes_properties_and_super():
    report = run(TORCH + "input: (2, 3, 8, 8)\n" + """
class Base(nn.Module):
    expansion: int = 2
    def __init__(self, c: int) -> None:
        super().__init__()
        self.c = c
    @property
    def out(self):
        return self.c * self.expansion
    @staticmethod
    def kernel():
        return 3
    def forward(self, x):
        return self.conv(x)

class Net(Base):
    '''Only __init__ changes; forward is inherited.'''
    def __init__(self, c=4):
        super(Net, self).__init__(c)
        self.conv = nn.Conv2d(3, self.out, self.kernel(), padding=1)

model = Net(c=5)
""")
    assert report.output_shape == (2, 10, 8, 8)
    assert [layer.name for layer in report.layers] == ["conv"]


def test_containers_and_attribute_paths():
    # torch: named_modules() names these body.0, body.1, heads.a, heads.b; 2 outputs
    report = run(TORCH + "input: (2, 4)\n" + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        layers = []
        for i in range(2):
            layers.append(nn.Linear(4, 4))
        self.body = nn.Sequential(*layers)
        self.heads = nn.ModuleDict({"a": nn.Linear(4, 2), "b": nn.Linear(4, 3)})
        self.extra = nn.ModuleList([nn.ReLU()])
    def forward(self, x):
        x = self.body(x)
        for layer in self.extra:
            x = layer(x)
        return tuple(head(x) for head in self.heads.values())

model = Net()
""")
    assert report.output_shapes == ((2, 2), (2, 3))
    assert [layer.name for layer in report.layers] == [
        "body.0", "body.1", "extra.0", "heads.a", "heads.b"]
    assert report.params == 2 * 20 + 10 + 15


def test_parameters_buffers_and_shared_weights():
    # torch 2.13.0: params 16 + 4*8+8 + 1*2*8 (cls) = 72; the linear applied twice counts once;
    # the buffer's 8 elements are buffers
    report = run(TORCH + "input: (2, 3, 4)\n" + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 8)
        self.cls = nn.Parameter(torch.zeros(1, 2, 8))
        self.scale = nn.Parameter(torch.ones(16), requires_grad=True)
        self.register_buffer("mask", torch.ones(8))
    def forward(self, x):
        x = self.proj(x)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1)
        return x + self.mask
model = Net()
""")
    assert report.output_shape == (2, 5, 8)
    assert (report.params, report.buffers) == (16 + 40 + 16, 8)


def test_a_layer_made_in_forward_is_not_the_models():
    # torch: sum(p.numel() for p in model.parameters()) is 0 here
    report = run(TORCH + "input: (1, 4)\n" + """
class Net(nn.Module):
    def forward(self, x):
        return nn.Linear(4, 2)(x)
model = Net()
""")
    assert (report.output_shape, report.params, report.flops) == ((1, 2), 0, 16)


def test_tied_weights_count_once():
    # torch: decoder.weight = encoder.weight: 10*4 + 10 (decoder bias) = 50
    report = run(TORCH + "input: (3, 2)\n" + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Embedding(10, 4)
        self.decoder = nn.Linear(4, 10)
        self.decoder.weight = self.encoder.weight
    def forward(self, x):
        return self.decoder(self.encoder(x))
model = Net()
""")
    assert report.params == 50


def test_frozen_parameters_are_not_trainable():
    report = run(TORCH + "input: (1, 4)\n" + """
model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 2))
for p in model.parameters():
    p.requires_grad = False
model[1] = nn.Linear(4, 2)
""")
    assert (report.trainable_params, report.non_trainable_params) == (10, 20)


def test_tensor_methods_in_forward():
    # torch 2.13.0: (2, 3, 8, 8) -> view(2, 3, 64) -> permute -> (2, 64, 3) -> [:, -1] (2, 3)
    report = run(TORCH + "input: (2, 3, 8, 8)\n" + """
class Net(nn.Module):
    def forward(self, x):
        b, c, h, w = x.size()
        x = x.view(b, c, -1).permute(0, 2, 1).contiguous()
        a, b2 = x.chunk(2, dim=1)
        y = (a @ a.transpose(1, 2)).mean(dim=-1, keepdim=True)
        return x[:, -1], y * 0.5
model = Net()
""")
    assert report.output_shapes == ((2, 3), (2, 32, 1))
    assert report.flops == 2 * 2 * 32 * 32 * 3


def test_keras_functional_model_is_its_graph():
    # keras 3.15.1: the branch that does not reach the outputs is not part of the model
    report = run(KERAS + """
inputs = keras.Input(shape=(8,))
unused = layers.Dense(100)(inputs)
x = layers.Dense(4)(inputs)
outputs = [layers.Dense(2)(x), layers.Dense(3)(x)]
model = keras.Model(inputs, outputs)
model.summary()
""")
    assert report.output_shapes == ((None, 2), (None, 3))
    assert report.params == 36 + 10 + 15


def test_keras_custom_layer_with_build_and_add_weight():
    report = run(KERAS + """
class Scale(layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        self.b = self.add_weight(shape=(), trainable=False)
    def call(self, x):
        return x * self.w + self.b
inputs = keras.Input(shape=(5,))
model = keras.Model(inputs, Scale()(layers.Dense(6)(inputs)))
""")
    assert (report.trainable_params, report.non_trainable_params) == (36 + 6, 1)


def test_the_model_runs_once_and_notebook_lines_are_set_aside():
    # a dummy forward, a summary loop and a prediction at the top level: one forward counts
    report = run(TORCH + "input: (1, 4)\n" + """
model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
X = torch.rand(1, 4)
logits = model(X)
pred = nn.Softmax(dim=1)(logits).argmax(1)
for layer in model:
    X = layer(X)
""")
    assert [layer.type for layer in report.layers] == ["Linear", "ReLU"]


def test_d2l_classifier_from_the_book_import():
    # d2l's Classifier applies self.net; layer_summary gives the input shape
    report = run(TORCH + """
from d2l import torch as d2l

class LeNet(d2l.Classifier):
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.LazyConv2d(6, kernel_size=5, padding=2), nn.Sigmoid(),
                                 nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
                                 nn.LazyLinear(self.num_classes))

@d2l.add_to_class(LeNet)
def describe(self):
    return self.lr

model = LeNet(num_classes=7)
model.layer_summary((1, 1, 28, 28))
""")
    assert report.output_shape == (1, 7)
    assert report.params == 156 + 6 * 14 * 14 * 7 + 7


def test_subclass_of_a_layer_class_holds_that_layer():
    # torchvision's LayerNorm2d pattern: the weights are nn.LayerNorm's (2 * 8)
    report = run(TORCH + "input: (1, 8, 4, 4)\n" + """
class LayerNorm2d(nn.LayerNorm):
    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)
model = nn.Sequential(LayerNorm2d(8), nn.Conv2d(8, 2, 1))
""")
    assert report.params == 16 + 18
    assert report.output_shape == (1, 2, 4, 4)


def test_torchvision_building_blocks_from_a_pasted_zoo_file():
    report = run(TORCH + "input: (1, 16, 8, 8)\n" + """
from ..ops.misc import Conv2dNormActivation, SqueezeExcitation
from ._utils import _make_divisible
model = nn.Sequential(
    Conv2dNormActivation(16, _make_divisible(30, 8), stride=2, activation_layer=nn.Hardswish),
    SqueezeExcitation(32, 8),
)
""")
    # conv 16*32*9 (no bias, BN follows) + BN 64; SE: 32*8+8 + 8*32+32
    assert report.params == 4608 + 64 + 264 + 288
    assert report.output_shape == (1, 32, 4, 4)
    assert report.layers[0].name == "0.0"


# -- refusals, with the place and the call path --------------------------------------------

def test_a_refusal_inside_a_method_names_the_call_path():
    error = refusal(TORCH + "input: (1, 3, 8, 8)\n" + """
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3)
    def forward(self, x):
        return self.conv(x)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
    def forward(self, x):
        return self.block(x)
model = Net()
""")
    assert error.span.line == 7  # the layer's constructor
    assert "expected input[1, 3, 8, 8] to have 4 channels" in error.message or \
        "4 channels" in error.message
    assert "in Block.forward" in error.message and "Net.forward" in error.message


@pytest.mark.parametrize("code, message", [
    ("x = foo(input)", "unknown function `foo` applied to a tensor"),
    ("x = torch.frobnicate(input)\ny = nn.Linear(4, 2)(x)",
     "shapecalc does not know `torch.frobnicate`, which is applied to a tensor here and whose "
     "result is used as a tensor"),
    ("x = input.frobnicate()", "does not know the tensor method `frobnicate`"),
    ("x = input.view(3, 5)", "shape '[3, 5]' is invalid for input of size 8"),
    ("x = [1, 2][5]", "index 5 out of range"),
    ("x = {}['a']", "key 'a' is not in the dict"),
    ("x = 1 / 0", "division by zero"),
    ("assert input.shape[1] == 3, 'three channels'", "assertion failed: three channels"),
    ("raise ValueError('bad')", "the code raises `ValueError('bad')`"),
    ("async def f():\n    pass", "`async def` is not supported"),
])
def test_refusals_say_what_and_where(code, message):
    error = refusal(TORCH + "input: (2, 4)\n" + code + "\n")
    assert message in error.message
    assert error.span is not None and error.span.line >= 3


def test_an_unknown_function_on_a_tensor_is_harmless_until_its_result_is_used():
    # save_image(x) in a training script: nothing depends on it
    report = run(TORCH + "input: (2, 4)\nfrom torchvision.utils import save_image\n"
                 "y = nn.Linear(4, 2)(input)\nsave_image(y.view(2, 1, 1, 2), 'out.png')\n")
    assert report.output_shape == (2, 2)
    error = refusal(TORCH + "input: (2, 4)\nimport mylib\nclass Net(nn.Module):\n"
                    "    def forward(self, x):\n        return mylib.custom(x)\nmodel = Net()\n")
    assert error.span.line == 6 and "mylib.custom" in error.message


def test_no_attribute_of_a_real_object_is_reachable():
    for code in ("x = ().__class__.__bases__[0].__subclasses__()",
                 "x = (1).__class__", "x = print.__self__", "x = __import__('os')",
                 "x = eval('1')", "x = open('/etc/passwd')"):
        report = analyze_text(TORCH + "input: (1, 4)\n" + code + "\nnn.Linear(4, 2)\n")
        # either refused, or the name is an unknown value that reaches nothing
        assert report.errors or report.output_shape == (1, 2)


# -- bounds: nothing runs for ever ---------------------------------------------------------

@pytest.mark.parametrize("code, message", [
    ("while True:\n    pass", "more than 300,000 steps"),
    ("def f(n):\n    return f(n + 1)\nf(0)", "calls nested deeper than 60"),
    ("x = [0] * 10\nwhile True:\n    x = x + x", "more than 1,000,000 items"),
    ("x = 'a' * 10 ** 7", "longer than 100,000 characters"),
    ("x = 10 ** 5000", "exponent must be an integer from 0 to 1024"),
    ("x = f'{1:99999999}'", "unsupported format spec"),
    ("for i in range(10 ** 7):\n    pass", "range of 10,000,000 items"),
])
def test_bounds_are_clear_errors(code, message):
    start = time.monotonic()
    error = refusal(TORCH + "input: (1, 4)\n" + code + "\nnn.Linear(4, 2)\n")
    assert message in error.message
    assert time.monotonic() - start < 15


def test_a_numeric_pasted_model_does_not_import_sympy():
    code = (
        "import sys\n"
        "from shapecalc import analyze_file\n"
        "report = analyze_file('specs/zoo/resnet50_source.txt')\n"
        "assert report.params == 25557032, report.params\n"
        "assert 'sympy' not in sys.modules and 'torch' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True,
                   cwd=str(__import__("pathlib").Path(__file__).resolve().parent.parent))


def test_namedtuple_outputs_and_notes_for_skipped_calls():
    report = run(TORCH + "input: (1, 4)\n" + """
from collections import namedtuple
Outputs = namedtuple("Outputs", ["logits", "aux"])
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
    def forward(self, x):
        out = Outputs(self.fc(x), None)
        return out.logits
model = Net()
plot_history(model)
""")
    assert report.output_shape == (1, 2)
    assert report.notes == ("line 14: `plot_history(...)` is not defined in the spec; "
                            "skipped (it touches no tensor)",)


def test_named_inputs_go_to_forwards_parameters_of_those_names():
    report = run(TORCH + "input hidden: (1, 3, 8)\ninput x: (5, 3, 4)\n" + """
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(4, 8)
    def forward(self, x, hidden):
        out, hidden = self.rnn(x, hidden)
        return out, hidden
model = Net()
""")
    assert report.output_shapes == ((5, 3, 8), (1, 3, 8))


@pytest.mark.parametrize("line, shape", [
    ("from torchinfo import summary\nsummary(model, input_size=(3, 4))", (3, 4)),
    # torchsummary runs a batch of two
    ("from torchsummary import summary\nsummary(model, (4,))", (2, 4)),
])
def test_a_summary_call_gives_the_input_a_notebook_does_not_declare(line, shape):
    report = run(TORCH + "import torch.nn as nn\n"
                 "model = nn.DataParallel(nn.Sequential(nn.Linear(4, 2)))\n" + line + "\n")
    assert report.input_shape == shape and report.params == 10


def test_keras_build_gives_a_subclassed_model_its_input():
    report = run(KERAS + """
class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(3)
    def call(self, x):
        return self.dense(x)
model = Net()
model.build((None, 5))
""")
    assert (report.output_shape, report.params) == ((None, 3), 18)


def test_a_training_loop_changes_nothing_counted():
    # criterion, optimizer, a loader's batches and loss.backward() around the model
    report = run(TORCH + "input: (4, 8)\n" + """
model = nn.Sequential(nn.Linear(8, 3))
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=4, shuffle=True)
testloader = torch.utils.data.DataLoader(testset, batch_size=4)
for epoch in range(2):
    for inputs, labels in trainloader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
images, labels = next(iter(testloader))
_, predicted = torch.max(model(images), 1)
x = torch.randn(4, 8)
value = F.mse_loss(model(x), torch.zeros(4, 3)).item()
""")
    assert (report.output_shape, report.params) == ((4, 3), 27)


def test_sizes_computed_from_a_tensors_numbers_are_refused_not_guessed():
    error = refusal(TORCH + "input: (1, 4)\n" + """
widths = torch.round(torch.arange(3) * 2.5).int().tolist()
layers = [nn.Linear(4, 4) for w in widths]
model = nn.Sequential(*layers)
""")
    assert "iterates over numbers held in a tensor" in error.message


def test_a_script_that_builds_its_model_in_main():
    report = run(TORCH + "input: (2, 4)\n" + """
import argparse

class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.fc = nn.Linear(4, hidden)
    def forward(self, x):
        return self.fc(x)

def main():
    parser = argparse.ArgumentParser(description="example")
    parser.add_argument("--hidden", type=int, default=6)
    parser.add_argument("--no-cuda", action="store_true", default=False)
    args = parser.parse_args()
    use_cuda = not args.no_cuda and torch.cuda.is_available()
    device = torch.device("cuda" if use_cuda else "cpu")
    model = Net(args.hidden).to(device)

if __name__ == "__main__":
    main()
""")
    assert (report.output_shape, report.params) == ((2, 6), 30)


def test_one_hot_and_an_explicit_base_init():
    # d2l's RNN language model: F.one_hot(X.T, V).type(torch.float32) into nn.GRU
    report = run(TORCH + "input: (2, 7)\n" + """
class RNNLM(nn.Module):
    def __init__(self, vocab_size, hidden):
        nn.Module.__init__(self)
        self.vocab_size = vocab_size
        self.rnn = nn.GRU(vocab_size, hidden)
        self.linear = nn.Linear(hidden, vocab_size)
    def forward(self, X):
        embs = F.one_hot(X.T, self.vocab_size).type(torch.float32)
        out, _ = self.rnn(embs)
        return self.linear(out).swapaxes(0, 1)
model = RNNLM(28, 16)
""")
    assert report.output_shape == (2, 7, 28)
    assert report.params == 3 * (16 * 28 + 16 * 16 + 2 * 16) + 16 * 28 + 28
