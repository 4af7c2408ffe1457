"""Networks that are not a chain: named tensors, merges, blocks, loops."""

from __future__ import annotations

import pytest

from shapecalc import analyze_text
from tests.helpers import analyze, refused

RESIDUAL = """\
convention: pytorch
input: (1, 16, 32, 32)

def residual(x, c, k=3):
    y = nn.Conv2d(c, c, k, padding=k // 2)(x)
    y = nn.Conv2d(c, c, k, padding=k // 2)(y)
    return x + y

for i in range(3):
    residual(16)
"""


def test_blocks_loops_and_residuals():
    report = analyze_text(RESIDUAL)
    assert not report.errors, report.errors
    assert [layer.type for layer in report.layers] == ["Conv2d", "Conv2d", "add"] * 3
    assert [layer.block for layer in report.layers][::3] == ["residual", "residual_1",
                                                             "residual_2"]
    assert report.output_shape == (1, 16, 32, 32)
    assert report.params == 3 * 2 * (16 * 16 * 9 + 16)
    # the residual's field is the union of the identity and the two 3x3 convs: 5, then 9, 13
    assert [layer.receptive_field[0].size for layer in report.layers][2::3] == [5, 9, 13]


def test_torch_cat_and_flatten_and_operators():
    report = analyze("pytorch", "(2, 8, 10, 10)",
                     "a = nn.Conv2d(8, 4, 1)",
                     "b = nn.Conv2d(8, 6, 3, padding=1)(input)",
                     "c = torch.cat([a, b], dim=1)",
                     "d = c * c",
                     "torch.flatten(d, 1)")
    assert not report.errors, report.errors
    assert [layer.output_shape for layer in report.layers][2:] == [
        (2, 10, 10, 10), (2, 10, 10, 10), (2, 1000)]


def test_keras_functional_merges():
    report = analyze("keras", "(16, 16, 3)",
                     "a = layers.Conv2D(8, 3, padding='same')(input)",
                     "b = layers.Conv2D(4, 1)(input)",
                     "c = layers.Concatenate()([a, b])",
                     "d = layers.Conv2D(12, 1)(c)",
                     "e = layers.add([c, d])",
                     "f = layers.Multiply()([e, e])")
    assert not report.errors, report.errors
    assert report.layers[2].output_shape == (None, 16, 16, 12)
    assert report.output_shape == (None, 16, 16, 12)


def test_merge_shape_error_names_both_branches():
    error = refused("pytorch", "(1, 8, 10, 10)",
                    "a = nn.Conv2d(8, 4, 3)",
                    "b = nn.Conv2d(8, 4, 1)(input)",
                    "a + b",
                    match=r"axis 2 has sizes 8 and 10 \(input 1 \(1, 4, 8, 8\) and input 2 "
                          r"\(1, 4, 10, 10\)\)")
    assert error.layer_index == 3


def test_concatenate_mismatch_names_both_shapes():
    refused("keras", "(8, 8, 3)",
            "a = layers.Conv2D(4, 3)(input)",
            "layers.Concatenate()([a, input])",
            match=r"sizes must match except on the concatenation axis 3, but axis 1 differs: "
                  r"input 1 \(None, 6, 6, 4\) and input 2 \(None, 8, 8, 3\)")


def test_named_inputs():
    report = analyze("pytorch", "(1, 4, 8, 8)",
                     "input other: (1, 2, 8, 8)",
                     "torch.cat([input, other], dim=1)")
    assert report.output_shape == (1, 6, 8, 8)


@pytest.mark.parametrize("lines, match", [
    (["input + nowhere"], r"unsupported operand types for \+: a tensor and `nowhere`"),
    (["def f(x):", "    f()", "f()"], r"calls nested deeper than 60 \(does `f` call itself"),
    (["def f(x, c):", "    nn.Conv2d(c, c, 1)", "f()"], r"f\(\) missing required argument: 'c'"),
    (["def f(x, c):", "    nn.Conv2d(c, c, 1)", "f(4, d=2)"],
     r"f\(\) got an unexpected keyword argument 'd'"),
    (["for i in range(n):", "    nn.Conv2d(4, 8, 1)"],
     r"changes axis 1 from 4 to 8, so its repetitions differ; .*\(--set n=3\)"),
    (["sizes = [4 for i in range(n)]"], r"range\(\) needs a known count"),
    (["nn.Conv2d(4, 4, 1)", "return input"], r"`return` outside a function"),
])
def test_graph_refusals(lines, match):
    refused("pytorch", "(1, 4, 8, 8)", *lines, match=match)


NESTED = """\
convention: pytorch
input: (1, 16, 32, 32)
def residual(x, c):
    y = nn.Conv2d(c, c, 3, padding=1)(x)
    return x + y
def stage(x, c):
    residual(c)
    residual(c)
stage(16)
nn.Conv2d(16, 4, 1)
"""


def test_table_rows_fold_blocks_by_depth(tmp_path):
    from click.testing import CliRunner

    from shapecalc.cli import main

    path = tmp_path / "net.txt"
    path.write_text(NESTED)
    full = CliRunner().invoke(main, ["analyze", str(path)]).output
    assert "     residual_1 (block)   (1, 16, 32, 32)   2,320  2,359,296" in full
    assert "3      conv2d_1 (Conv2d)  (1, 16, 32, 32)   2,320  2,359,296" in full
    top = CliRunner().invoke(main, ["analyze", str(path), "--depth", "1"]).output.splitlines()
    assert [line.split()[0] for line in top[2:4]] == ["stage", "5"]
    assert "stage (block)      (1, 16, 32, 32)   4,640  4,718,592" in top[2]


def test_keras_trainable_false_makes_every_weight_non_trainable():
    report = analyze("keras", "(8, 8, 3)", "layers.Conv2D(4, 3, trainable=False)",
                     "layers.Dense(2)")
    assert (report.layers[0].trainable, report.layers[0].non_trainable) == (0, 112)
    assert (report.trainable_params, report.non_trainable_params) == (10, 112)


PASTED = """\
convention: pytorch
input: (2, 16, 8, 8)

def block(x, cin, cout, stride=1):
    y = nn.Conv2d(cin, cout, 3, stride=stride, padding=1)(x)
    y = nn.BatchNorm2d(cout)(y)
    y = F.relu(y)
    if stride != 1 or cin != cout:
        x = nn.Conv2d(cin, cout, 1, stride=stride)(x)
    y += x
    return y

for c, s in [(16, 1), (32, 2)]:
    block(16, c, s)
ds = nn.Sequential(nn.Conv2d(32, 8, 1), nn.ReLU())
z = ds(block_1)
q = nn.ReLU()(nn.Conv2d(8, 8, 3, padding=1)(z))
p = F.adaptive_avg_pool2d(q, (1, 1))
f = p.view(p.size(0), -1)
out, _ = nn.MultiheadAttention(8, 2, batch_first=True)(f, f, f, need_weights=False)
"""


def test_forward_code_forms_are_read():
    report = analyze_text(PASTED)
    assert not report.errors, report.errors
    types = [layer.type for layer in report.layers]
    # the `if` adds the projection shortcut only where the stride or width changes
    assert types[:9] == ["Conv2d", "BatchNorm2d", "ReLU", "add",
                         "Conv2d", "BatchNorm2d", "ReLU", "Conv2d", "add"]
    # `ds = nn.Sequential(...)` applied later is a definition, run where it is called
    assert [layer.block for layer in report.layers][9:11] == ["ds", "ds"]
    assert types[11:] == ["Conv2d", "ReLU", "AdaptiveAvgPool2d", "view",
                          "MultiheadAttention"]
    assert report.layers[-2].output_shape == (2, 8)
    assert report.output_shape == (2, 8)


def test_sequential_assigned_but_never_called_is_the_model():
    report = analyze("pytorch", "(1, 3, 8, 8)",
                     "model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())")
    assert [layer.type for layer in report.layers] == ["Conv2d", "ReLU"]


def test_if_needs_decidable_values():
    refused("pytorch", "(1, 4, 8, 8)", "def f(x, c):", "    if c > 2:",
            "        nn.Conv2d(4, 4, 1)", "f(k)", match="depends on unbound symbols")


def test_expect_by_tensor_name(tmp_path):
    from click.testing import CliRunner

    from shapecalc.cli import main

    path = tmp_path / "net.txt"
    path.write_text(PASTED + "expect layer q output: (2, 8, 4, 4)\n"
                    "expect layer f output: (2, 8)\n")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0, result.output


VARIABLE_LENGTH = """\
convention: keras
inputs = keras.Input(shape=(None, 8))
x = layers.Conv1D(16, 3)(inputs)
x = layers.LSTM(32, return_sequences=True)(x)
x = layers.GRU(16)(x)
layers.Dense(4)(x)
"""


def test_keras_sizes_left_as_none():
    # Keras 3.15.1 (verify, torch backend): (None, None, 16) 400 | (None, None, 32) 6,272 |
    # (None, 16) 2,400 | (None, 4) 68
    report = analyze_text(VARIABLE_LENGTH)
    assert not report.errors, report.errors
    assert report.input_shape == (None, None, 8)
    assert [layer.output_shape for layer in report.layers] == [
        (None, None, 16), (None, None, 32), (None, 16), (None, 4)]
    assert [layer.params for layer in report.layers] == [400, 6272, 2400, 68]
    assert report.layers[0].macs is None and report.macs is None  # per-sample MACs unknown
    assert report.layers[-1].macs == 64


def test_weights_over_an_unknown_size_are_refused():
    # Keras: "The last dimension of the inputs to a Dense layer should be defined"
    refused("keras", "(None, None, 5)", "layers.Flatten()", "layers.Dense(3)",
            match="weights depend on an input size that is None")


def test_pytorch_counts_the_parameters_of_layers_it_never_ran():
    # torch 2.13.0: nn.Sequential(Conv2d(3, 8, 3), Conv2d(8, 8, 9), Conv2d(8, 4, 1)) builds
    # (224 + 5,192 + 36 parameters) and refuses the second conv at the forward pass
    report = analyze("pytorch", "(1, 3, 8, 8)", "nn.Conv2d(3, 8, 3)", "nn.Conv2d(8, 8, 9)",
                     "nn.Conv2d(8, 4, 1)")
    assert report.errors[0].layer_index == 2
    assert report.params == 224
    assert report.constructed_params == 224 + 5192 + 36
    keras = analyze("keras", "(8, 8, 3)", "layers.Conv2D(8, 3)", "layers.Conv2D(8, 9)")
    assert keras.constructed_params is None  # a Keras model that fails to build has none
