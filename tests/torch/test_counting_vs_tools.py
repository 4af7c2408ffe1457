"""shapecalc.counting against the real counters, per layer and in total.

Each spec becomes one torch.nn.Module: every layer the module shapecalc.verify builds
from the report's arguments, called in graph order; merges as operators (``x + y``,
``x * y``, ``torch.cat``), as model code writes them. Then:
  torch      FlopCounterMode around the model (train mode), per submodule and in total;
  fvcore     FlopCountAnalysis(model, inputs).by_module() / .total(), eval and train mode;
  torchinfo  summary(model, input_data=...).summary_list (leaf layers' macs) and
             total_mult_adds;
  ptflops    get_model_complexity_info(model, input_res, input_constructor=first input)
             for the total; per layer, the same call on a module that runs that layer
             alone on its real inputs (the network's input is what ptflops sees, so the
             batch it divides by is the network's), compared with int() of our share.
Each tool's tests are skipped when the tool is not installed. Verified with torch 2.13.0,
fvcore 0.1.5.post20221221, torchinfo 1.8.0, ptflops 0.7.5.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import warnings
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from shapecalc import analyze_file, analyze_text  # noqa: E402
from shapecalc.counting import count  # noqa: E402
from shapecalc.verify import _TorchRun  # noqa: E402

SPECS = Path(__file__).resolve().parents[2] / "specs"
MERGES = ("add", "sub", "mul", "cat")
PER_LAYER_PTFLOPS_MACS = 100_000_000  # ptflops per layer costs one run per layer

NETWORK_SPECS = [
    "zoo/lenet5.txt", "zoo/resnet18.txt", "zoo/se_resnet_block.txt",
    "zoo/transformer_encoder_layer.txt", "zoo/inception_3a.txt", "zoo/alexnet.txt",
    "seed000_q3_conv1d_pytorch.txt", "seed003_q6_dense_batchnorm_pytorch.txt",
    "seed004_p5_mobilenet_v1_pytorch.txt",
]

# (input shape, layer lines): one per behaviour the rules distinguish
LAYER_CASES = [
    ("(2, 3, 9, 9)", "nn.Conv2d(3, 6, 3, stride=2, padding=1, groups=3, bias=False)"),
    ("(3, 9, 9)", "nn.Conv2d(3, 4, 3)"),
    ("(2, 3, 9, 9)", "nn.Conv2d(3, 4, 3, padding='same')"),
    ("(2, 4, 5, 5)", "nn.Conv2d(4, 4, 3, padding=1, padding_mode='reflect')"),
    ("(4, 10)", "nn.Conv1d(4, 8, 3, dilation=2)"),
    ("(2, 4, 5, 5)", "nn.ConvTranspose2d(4, 6, 3, stride=2, output_padding=1)"),
    ("(4, 5, 5)", "nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2)"),
    ("(2, 2, 3, 4, 5)", "nn.ConvTranspose3d(2, 2, 2)"),
    ("(10,)", "nn.Linear(10, 5)"),
    ("(2, 7, 10)", "nn.Linear(10, 5, bias=False)"),
    ("(3, 4)", "nn.Bilinear(4, 4, 6)(input, input)"),
    ("(2, 4, 5, 5)", "nn.BatchNorm2d(4, affine=False)"),
    ("(2, 4, 5, 5)", "nn.BatchNorm2d(4, track_running_stats=False)"),
    ("(3, 4)", "nn.BatchNorm1d(4)"),
    ("(4, 5, 5)", "nn.InstanceNorm2d(4, affine=True)"),
    ("(2, 4, 5, 5)", "nn.GroupNorm(2, 4, affine=False)"),
    ("(2, 3, 8)", "nn.LayerNorm((3, 8), elementwise_affine=False)"),
    ("(2, 3, 8)", "nn.LayerNorm(8, bias=False)"),
    ("(2, 3, 8)", "nn.RMSNorm(8)"),
    ("(2, 6, 5)", "nn.LocalResponseNorm(4)"),
    ("(2, 6, 3, 4, 5)", "nn.LocalResponseNorm(2)"),
    ("(2, 4, 5, 5)", "nn.PReLU()\nnn.ELU()\nnn.SiLU()\nnn.LeakyReLU()\nnn.ReLU6()"),
    ("(2, 4, 5, 5)", ("nn.Softmax2d()\nnn.Softmin(dim=1)\nnn.Mish()\nnn.Hardswish()\n"
                     "nn.Sigmoid()\nnn.Tanh()\nnn.GLU(dim=1)")),
    ("(2, 4, 9, 9)", "nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)"),
    ("(4, 9, 9)", "nn.AvgPool2d(3)"),
    ("(2, 4, 9)", "nn.AdaptiveAvgPool1d(3)\nnn.AdaptiveMaxPool1d(2)"),
    ("(2, 2, 4, 4, 4)", "nn.AdaptiveAvgPool3d(2)\nnn.MaxPool3d(2)"),
    ("(2, 4, 9, 9)", "nn.AdaptiveMaxPool2d(3)\nnn.AdaptiveAvgPool2d(2)"),
    ("(2, 4, 9, 9)", "nn.LPPool2d(2, 3, stride=2)"),
    ("(2, 4, 9)", "nn.LPPool1d(1, 3)"),
    ("(2, 2, 4, 4, 4)", "nn.LPPool3d(2, 2)"),
    ("(2, 4, 5, 5)", "nn.Upsample(scale_factor=1.5, mode='bilinear')"),
    ("(2, 4, 5, 5)", "nn.Upsample(scale_factor=(2.5, 1.5))"),
    ("(2, 4, 5, 5)", "nn.Upsample(size=(7, 8), mode='bicubic')"),
    ("(2, 4, 5, 5)", "nn.Upsample(size=7, mode='bilinear', align_corners=True)"),
    ("(2, 4, 5)", "nn.Upsample(scale_factor=3, mode='linear')"),
    ("(2, 2, 3, 4, 5)", "nn.Upsample(scale_factor=2)"),
    ("(2, 4, 5, 5)", ("nn.UpsamplingNearest2d(scale_factor=2)\n"
                     "nn.UpsamplingBilinear2d(size=(6, 9))")),
    ("(2, 4, 5, 5)", ("nn.Dropout(0.5)\nnn.ZeroPad2d(1)\nnn.ReflectionPad2d(1)\n"
                     "nn.PixelShuffle(2)\nnn.Flatten()")),
    ("(2, 7)", "nn.Embedding(20, 6)"),
    ("(3, 5, 8)", "nn.LSTM(8, 16, num_layers=2, batch_first=True, bidirectional=True)"),
    ("(5, 3, 8)", "nn.LSTM(8, 16, num_layers=2, proj_size=4, bias=False)"),
    ("(5, 8)", "nn.LSTM(8, 16)"),
    ("(5, 3, 8)", "nn.GRU(8, 16, bidirectional=True, bias=False)"),
    ("(5, 3, 8)", "nn.RNN(8, 16, nonlinearity='relu')"),
    ("(3, 8)", "nn.LSTMCell(8, 16)\nnn.GRUCell(16, 4, bias=False)\nnn.RNNCell(4, 6)"),
    ("(4, 10, 16)", "nn.MultiheadAttention(16, 2, batch_first=True, bias=False)"),
    ("(10, 4, 16)", "nn.MultiheadAttention(16, 4, add_bias_kv=True, add_zero_attn=True)"),
    ("(10, 4, 16)", ("k = nn.Linear(16, 8)(input)\nv = nn.Linear(16, 12)(input)\n"
                    "nn.MultiheadAttention(16, 4, kdim=8, vdim=12)(input, k, v)")),
    ("(3, 4)", "input other: (2, 4)\nnn.Linear(4, 5)(other)"),
    ("(3, 4)", "input other: (2, 4)\nnn.Linear(4, 5)(other)\nnn.ReLU()"),
    ("(2, 8, 6, 6)", ("a = nn.Conv2d(8, 8, 3, padding=1)\nb = nn.Conv2d(8, 8, 1)(input)\n"
                     "a + b\nc = nn.ReLU()\nd = nn.Conv2d(8, 4, 1)(c)\n"
                     "e = torch.cat([c, d], dim=1)\nf = nn.BatchNorm2d(12)\ne * f")),
]


# -- the model a report describes ---------------------------------------------------------

class ReportModel(torch.nn.Module):
    """The spec's network: submodule ``layer<index>`` per layer, merges as operators."""

    def __init__(self, report) -> None:
        super().__init__()
        self.report = report
        builder = _TorchRun(report, "cpu")
        for layer in report.layers:
            if layer.type not in MERGES:
                self.add_module(f"layer{layer.index}", builder._module(layer))

    def forward(self, *inputs):
        tensors = dict(zip((name for name, _ in self.report.inputs), inputs))
        out = None
        for layer in self.report.layers:
            out = apply_layer(self, layer, [tensors[n] for n in layer.inputs])
            tensors[layer.name] = out
        return out


def apply_layer(model, layer, xs):
    if layer.type == "add":
        return sum(xs[1:], xs[0])
    if layer.type == "sub":
        return xs[0] - xs[1]
    if layer.type == "mul":
        return math.prod(xs[1:], start=xs[0])
    if layer.type == "cat":
        return torch.cat(xs, dim=dict(layer.arguments).get("dim", 0))
    if layer.type == "MultiheadAttention" and len(xs) == 1:
        xs = xs * 3
    out = getattr(model, f"layer{layer.index}")(*xs)
    return out[0] if isinstance(out, tuple) else out


def make_inputs(report) -> tuple:
    integer = {n for layer in report.layers if layer.type == "Embedding"
               for n in layer.inputs}
    torch.manual_seed(0)
    return tuple(torch.zeros(shape, dtype=torch.long) if name in integer
                 else torch.randn(shape) for name, shape in report.inputs)


@contextlib.contextmanager
def quiet():
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# -- the tools ---------------------------------------------------------------------------

def by_torch(report):
    from torch.utils.flop_counter import FlopCounterMode

    model = ReportModel(report).train()
    with quiet(), torch.backends.mkldnn.flags(enabled=False), \
            FlopCounterMode(display=False) as counter:
        model(*make_inputs(report))
    counts = counter.get_flop_counts()
    return ([sum(counts.get(f"ReportModel.layer{layer.index}", {}).values())
             for layer in report.layers], counter.get_total_flops())


def by_fvcore(report, training: bool):
    fvcore = pytest.importorskip("fvcore.nn")
    logging.getLogger("fvcore").setLevel(logging.ERROR)
    model = ReportModel(report).train(training)
    with quiet():
        analysis = fvcore.FlopCountAnalysis(model, make_inputs(report))
        analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        modules = analysis.by_module()
        total = analysis.total()
    return [modules.get(f"layer{layer.index}", 0) for layer in report.layers], total


def by_torchinfo(report):
    torchinfo = pytest.importorskip("torchinfo")
    model = ReportModel(report)
    with quiet():
        summary = torchinfo.summary(model, input_data=list(make_inputs(report)), verbose=0)
    leaves = {info.var_name: info.macs for info in summary.summary_list
              if info.depth == 1 and info.is_leaf_layer}
    return ([leaves.get(f"layer{layer.index}", 0) for layer in report.layers],
            summary.total_mult_adds)


class _FirstInputOnly(torch.nn.Module):
    """ptflops calls ``model(x)``: the other declared inputs are supplied from here."""

    def __init__(self, model, others) -> None:
        super().__init__()
        self.model = model
        self.others = others

    def forward(self, x):
        return self.model(x, *self.others)


class _AloneOn(torch.nn.Module):
    """Runs one layer on saved inputs, whatever ptflops passes it (the network's input)."""

    def __init__(self, module, inputs) -> None:
        super().__init__()
        self.inner = module
        self.saved = inputs

    def forward(self, x):
        return self.inner(*self.saved)


def by_ptflops(report, per_layer: bool):
    ptflops = pytest.importorskip("ptflops")
    model = ReportModel(report)
    xs = make_inputs(report)

    def macs_of(module):
        with quiet():
            macs, _ = ptflops.get_model_complexity_info(
                module, tuple(xs[0].shape), input_constructor=lambda _: xs[0],
                as_strings=False, print_per_layer_stat=False)
        return macs

    total = macs_of(_FirstInputOnly(model, xs[1:]))
    if not per_layer:
        return None, total
    values = []
    tensors = dict(zip((name for name, _ in report.inputs), xs))
    for layer in report.layers:
        inputs = [tensors[n] for n in layer.inputs]
        if layer.type in MERGES:
            values.append(0)
        else:
            module = getattr(model, f"layer{layer.index}")
            alone = inputs * 3 if layer.type == "MultiheadAttention" and \
                len(inputs) == 1 else inputs
            values.append(macs_of(_AloneOn(module, alone)))
        with torch.no_grad(), quiet():
            tensors[layer.name] = apply_layer(model.eval(), layer, inputs)
    return values, total


# -- the comparisons -----------------------------------------------------------------------

def assert_counts_agree(report, *, ptflops_per_layer: bool = True) -> None:
    assert not report.errors, str(report.errors[0])
    observed = {("torch", False): by_torch(report)}
    for tool, measure in (("fvcore", lambda: by_fvcore(report, False)),
                          ("fvcore-train", lambda: by_fvcore(report, True)),
                          ("torchinfo", lambda: by_torchinfo(report)),
                          ("ptflops", lambda: by_ptflops(report, ptflops_per_layer))):
        try:
            observed[(tool, tool.endswith("train"))] = measure()
        except pytest.skip.Exception:
            continue
    for (tool, training), (per_layer, total) in observed.items():
        convention = tool.removesuffix("-train")
        ours = count(report, convention, training=training)
        assert ours.total == total, (tool, ours.total, total)
        if per_layer is None:
            continue
        values = [math.floor(v) if convention == "ptflops" else v for v in ours.values]
        mismatched = [(c.layer.index, c.layer.type, ours_value, theirs)
                      for c, ours_value, theirs in zip(ours.layers, values, per_layer)
                      if ours_value != theirs]
        assert not mismatched, (tool, mismatched)


@pytest.mark.parametrize("name", NETWORK_SPECS)
def test_spec_counts_agree_with_every_tool(name):
    report = analyze_file(SPECS / name)
    assert_counts_agree(report, ptflops_per_layer=report.macs <= PER_LAYER_PTFLOPS_MACS)


@pytest.mark.parametrize("case", LAYER_CASES, ids=[c[1].split("\n")[0] for c in LAYER_CASES])
def test_layer_counts_agree_with_every_tool(case):
    shape, lines = case
    assert_counts_agree(analyze_text(f"convention: pytorch\ninput: {shape}\n{lines}\n"))


def test_ptflops_gives_up_where_a_note_says_so():
    """ptflops returns None (after printing its exception) for these; shapecalc counts
    them as the working module would be counted, and says so."""
    for shape, line in (("(2, 4, 5, 5)", "nn.LazyBatchNorm2d()"),
                        ("(10, 16)", "nn.MultiheadAttention(16, 4)"),
                        ("(8,)", "nn.RNNCell(8, 16)")):
        report = analyze_text(f"convention: pytorch\ninput: {shape}\n{line}\n")
        assert by_ptflops(report, per_layer=False)[1] is None, line
        assert "ptflops fails" in count(report, "ptflops").layers[0].note, line


def test_fvcore_reports_unsupported_operators_where_a_note_says_so():
    fvcore = pytest.importorskip("fvcore.nn")
    report = analyze_text("convention: pytorch\ninput: (5, 3, 8)\nnn.LSTM(8, 16)\n"
                          "nn.Linear(16, 4)\n")
    with quiet():
        analysis = fvcore.FlopCountAnalysis(ReportModel(report).eval(), make_inputs(report))
        analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        analysis.total()
        unsupported = analysis.unsupported_ops("layer1")
    assert unsupported == {"aten::lstm": 1}
    notes = [c.note for c in count(report, "fvcore").layers]
    assert "Unsupported operator" in notes[0] and notes[1] == ""


ATTENTION_CALLS = [  # (constructor, input shape, call keywords)
    ("nn.MultiheadAttention(64, 4, batch_first=True)", (2, 16, 64), "need_weights=False"),
    ("nn.MultiheadAttention(64, 4, batch_first=True)", (2, 16, 64), ""),
    ("nn.MultiheadAttention(64, 4, dropout=0.1)", (16, 2, 64), "need_weights=False"),
    ("nn.MultiheadAttention(32, 2, add_bias_kv=True, add_zero_attn=True)", (5, 3, 32),
     "need_weights=False"),
    ("nn.MultiheadAttention(32, 2)", (7, 32), "need_weights=False"),  # unbatched
]


@pytest.mark.parametrize("constructor, shape, keywords", ATTENTION_CALLS)
@pytest.mark.parametrize("training", [True, False])
def test_attention_counts_as_flop_counter_mode_on_the_cpu_and_on_cuda(constructor, shape,
                                                                      keywords, training):
    """need_weights=False (how ViT calls it) runs scaled_dot_product_attention: on the CPU
    the counter misses QKᵀ and AV (unless dropout in train mode takes the math path);
    analyze's FLOPs are the math, which the meta device counts as CUDA does."""
    from torch.utils.flop_counter import FlopCounterMode

    call = f"att(x, x, x{', ' + keywords if keywords else ''})"
    spec = (f"convention: pytorch\ninput: {shape}\natt = {constructor}\ny, _ = {call}\n")
    report = analyze_text(spec)
    module = eval(constructor, {"nn": torch.nn})  # test-side only: our own fixture
    module.train(training)
    measured = {}
    for device in ("cpu", "meta"):
        x = torch.randn(shape, device=device)
        with FlopCounterMode(display=False) as counter:  # with grad: no fused fast path
            eval(call, {"att": module.to(device), "x": x})
        measured[device] = counter.get_total_flops()
    assert count(report, "torch", training=training).total == measured["cpu"]
    assert report.flops == measured["meta"]
