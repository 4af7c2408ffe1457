"""`shapecalc verify` against real PyTorch (2.13.0): every PyTorch spec under specs/ agrees
layer by layer (shape, parameters, buffers, FlopCounterMode FLOPs), the exported PyTorch
code runs and prints the analysed output shape, and a wrong number is caught."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest.importorskip("torch")

from shapecalc import analyze_file, analyze_text  # noqa: E402
from shapecalc.errors import LayerError  # noqa: E402
from shapecalc.cli import main  # noqa: E402
from shapecalc.export import export  # noqa: E402
from shapecalc.verify import render_verification, verify  # noqa: E402

SPECS = Path(__file__).resolve().parents[2] / "specs"
CPU_MACS = 100_000_000  # larger networks are checked on the meta device only (speed)


def _valid_specs(convention: str) -> list[Path]:
    found = []
    for path in sorted(SPECS.glob("**/*.txt")):
        report = analyze_file(path)
        if not report.errors and report.convention == convention:
            found.append(path)
    return found


PYTORCH_SPECS = _valid_specs("pytorch")


def _ids(paths):
    return [str(p.relative_to(SPECS)) for p in paths]


def test_there_are_pytorch_specs_to_verify():
    assert len(PYTORCH_SPECS) >= 10


@pytest.mark.parametrize("path", PYTORCH_SPECS, ids=_ids(PYTORCH_SPECS))
def test_every_pytorch_spec_agrees_with_torch(path):
    report = analyze_file(path)
    devices = ["meta"] + (["cpu"] if report.macs <= CPU_MACS else [])
    for device in devices:
        result = verify(report, device=device)
        assert result.ok, render_verification(result)
        assert len(result.checks) == len(report.layers)


def test_exported_pytorch_code_runs_and_prints_the_analysed_shape(tmp_path):
    """Each spec's export is written to a file and run as a script (one interpreter for
    all of them, to pay torch's import once)."""
    expected = {}
    for path in PYTORCH_SPECS:
        report = analyze_file(path)
        target = tmp_path / f"{path.stem}.py"
        target.write_text(export(report, "pytorch"))
        expected[str(target)] = str(tuple(report.output_shape))
    runner = ("import runpy, sys\n"
              "for path in sys.argv[1:]:\n"
              "    print('==', path, flush=True)\n"
              "    runpy.run_path(path, run_name='__main__')\n")
    done = subprocess.run([sys.executable, "-c", runner, *expected], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    printed = {}
    for chunk in done.stdout.split("== ")[1:]:
        path, _, rest = chunk.partition("\n")
        printed[path] = rest.strip().splitlines()[-1]
    assert printed == expected


SEQUENCE = """\
convention: pytorch
input: (4, 12)
nn.Embedding(100, 32)
x = nn.LSTM(32, 64, batch_first=True, num_layers=2, bidirectional=True)
y = nn.GRU(128, 16, batch_first=True)(x)
nn.MultiheadAttention(16, 4, batch_first=True)(y)
a = nn.Linear(16, 16)
torch.cat([a, y], dim=2)
nn.LazyBatchNorm1d()
nn.MaxPool1d(2, return_indices=True)
"""


def test_indices_tuple_outputs_recurrent_flops_and_lazy_modules():
    """Embedding gets indices; LSTM/GRU run without oneDNN so that their matmuls count;
    MultiheadAttention attends to itself; a Lazy module's parameters exist after the call."""
    report = analyze_text(SEQUENCE)
    assert not report.errors, report.errors
    result = verify(report, device="cpu")
    assert result.ok, render_verification(result)
    lstm = result.checks[1]
    assert lstm.measured.flops == lstm.layer.flops == 14_155_776
    assert result.checks[6].measured.params == 24 and result.checks[6].measured.buffers == 25


def test_a_wrong_number_is_caught():
    report = analyze_file(SPECS / "zoo" / "lenet5.txt")
    layers = list(report.layers)
    layers[0] = layers[0].replace(trainable=layers[0].trainable + 1)
    layers[-1] = layers[-1].replace(macs=layers[-1].macs * 3)
    wrong = report.replace(layers=tuple(layers))
    result = verify(wrong, device="meta")
    assert not result.ok
    assert [c.layer.index for c in result.mismatches] == [1, 12]
    assert not result.mismatches[0].params_ok and result.mismatches[0].shape_ok
    assert result.mismatches[1].flops_ok is False
    table = render_verification(result)
    assert f"{layers[0].trainable:,} ≠ {layers[0].trainable - 1:,} ✗" in table
    assert table.endswith("2 of 12 layers disagree with PyTorch on meta\n")


def test_cli_exit_codes(tmp_path, monkeypatch):
    runner = CliRunner()
    ok = runner.invoke(main, ["verify", str(SPECS / "zoo" / "inception_3a.txt")])
    assert ok.exit_code == 0, ok.output
    assert ok.output.endswith("all 14 layers agree with PyTorch on cpu\n")

    import shapecalc

    real = shapecalc.analyze_text

    def shifted(*args, **kwargs):  # a report whose last layer claims one buffer too many
        report = real(*args, **kwargs)
        last = report.layers[-1].replace(buffers=1)
        return report.replace(layers=report.layers[:-1] + (last,))

    monkeypatch.setattr(shapecalc, "analyze_text", shifted)
    bad = runner.invoke(main, ["verify", str(SPECS / "zoo" / "inception_3a.txt"),
                               "--device", "meta"])
    assert bad.exit_code == 1
    assert "1 ≠ 0 ✗" in bad.output


def test_torch_refusal_is_reported_at_its_layer():
    """A report that claims a layer works where torch refuses it (here: a LayerReport
    edited to a kernel larger than the input) stops at that layer with torch's message."""
    report = analyze_text("convention: pytorch\ninput: (1, 3, 8, 8)\nnn.Conv2d(3, 4, 3)\n"
                          "nn.ReLU()\n")
    conv = report.layers[0]
    arguments = tuple((k, 9 if k == "kernel_size" else v) for k, v in conv.arguments)
    edited = report.replace(layers=(conv.replace(arguments=arguments),
                                                 *report.layers[1:]))
    result = verify(edited, device="cpu")
    assert not result.ok and len(result.checks) == 1
    assert "Kernel size can't be greater than actual input size" in result.checks[0].error
    assert "PyTorch refuses: RuntimeError" in render_verification(result)
    assert render_verification(result).endswith("1 of 2 layers disagree with PyTorch on cpu; "
                                                "1 later layers not run\n")


def test_a_refused_network_verifies_when_torch_refuses_the_same_layer():
    """specs/q5.txt: shapecalc refuses layer 8 (a dilated kernel of 33 on an 11×11 input);
    torch refuses it too, with its own words: agreement, exit 0."""
    result = CliRunner().invoke(main, ["verify", str(SPECS / "q5.txt")])
    assert result.exit_code == 0, result.output
    assert "conv2d_5 (Conv2d)  refused by shapecalc; PyTorch refuses it too: RuntimeError: " \
        "Calculated padded input size per channel: (11 x 11). Kernel size: (33 x 33)." \
        in result.output
    assert result.output.endswith("all 7 layers agree with PyTorch on cpu, and both refuse "
                                  "layer 8\n")
    assert "effective kernel 33" in result.stderr  # shapecalc's own refusal, as analyze says


def test_a_layer_refused_by_shapecalc_alone_is_a_disagreement():
    report = analyze_text("convention: pytorch\ninput: (1, 3, 8, 8)\nnn.Conv2d(3, 4, 3)\n"
                          "nn.Conv2d(4, 4, 3)\n")
    claimed = report.replace(layers=report.layers[:1], refused=report.layers[1],
                             errors=(LayerError("layer 2: refused", None, layer_index=2),))
    result = verify(claimed, device="cpu")
    assert not result.ok and result.refusal.shape == (1, 4, 4, 4)
    assert render_verification(result).endswith(
        "0 of 1 layers disagree with PyTorch on cpu; shapecalc refuses layer 2, which "
        "PyTorch runs\n")


# The corpus of pasted model code (tests/corpus): every PyTorch file shapecalc reads is run
# in torch layer by layer (meta device), tensor functions (view, permute, matmul, indexing)
# included. The exceptions, and why verify cannot rebuild them row by row:
CORPUS = Path(__file__).resolve().parents[1] / "corpus"
NOT_REBUILT = {
    "b2_ex_forward_forward.py": "layers kept in a plain list: torch's parameters() has none",
    "b2_tut_bahdanau_decoder.py": "topk's indices feed an Embedding; verify rebuilds values",
    "b2_tut_translation_transformer.py": "nn.Transformer on the CPU: FlopCounterMode counts "
                                         "its attention kernels below the math path, which "
                                         "the corpus test compares",
    "b3_ex_word_lm_rnn_model.py": "tied weights: the decoder's weight is the encoder's",
    "transformer_lm.py": "TransformerEncoder is given a layer built in the code",
    "vit_torch_encoder.py": "TransformerEncoder is given a layer built in the code",
    "word_language_model.py": "tied weights: the decoder's weight is the encoder's",
}


def _corpus_pytorch_files() -> list[str]:
    import json

    golden = json.loads((CORPUS.parent / "golden" / "corpus.json").read_text())["files"]
    return sorted(name for name, entry in golden.items()
                  if entry["convention"] == "pytorch" and name not in NOT_REBUILT)


@pytest.mark.parametrize("name", _corpus_pytorch_files())
def test_pasted_model_code_agrees_with_torch_layer_by_layer(name):
    report = analyze_file(CORPUS / name)
    if report.errors:
        pytest.skip(f"shapecalc refuses {name} (tests/test_corpus.py says why)")
    result = verify(report, device="meta")
    assert result.ok, render_verification(result)
    assert len(result.checks) == len(report.layers)


def test_pasted_model_code_exports_to_runnable_pytorch(tmp_path):
    """Each exported module (layers, parameters, tensor functions) runs in torch and prints
    the output shape shapecalc computed (all files in one interpreter: torch imports once)."""
    expected = {}
    for name in _corpus_pytorch_files():
        report = analyze_file(CORPUS / name)
        if report.errors:
            continue  # refused: tests/test_corpus.py says why
        path = tmp_path / name
        path.write_text(export(report, "pytorch"))
        computed = [layer for layer in report.layers
                    if layer.type not in ("Parameter", "Buffer") and layer.output_shape]
        expected[str(path)] = str(tuple(computed[-1].output_shape))
    runner = tmp_path / "run_all.py"
    runner.write_text(
        "import contextlib, io, json, runpy, sys\n"
        "printed = {}\n"
        "for path in sys.argv[1:]:\n"
        "    out = io.StringIO()\n"
        "    try:\n"
        "        with contextlib.redirect_stdout(out):\n"
        "            runpy.run_path(path, run_name='__main__')\n"
        "        printed[path] = out.getvalue().strip().splitlines()[-1]\n"
        "    except Exception as error:\n"
        "        printed[path] = f'{type(error).__name__}: {error}'\n"
        "print(json.dumps(printed))\n")
    result = subprocess.run([sys.executable, str(runner), *expected], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    import json

    printed = json.loads(result.stdout.strip().splitlines()[-1])
    wrong = {Path(p).name: (printed[p], want) for p, want in expected.items()
             if printed[p] != want}
    assert len(expected) >= 60 and not wrong, wrong


def test_verify_calls_attention_as_the_code_does():
    """need_weights=False reaches the module: on the CPU FlopCounterMode then misses the
    attention kernel (1,048,576 FLOPs, not the 1,179,648 of the math analyze reports)."""
    report = analyze_text("convention: pytorch\ninput: (2, 16, 64)\n"
                          "att = nn.MultiheadAttention(64, 4, batch_first=True)\n"
                          "y, _ = att(x, x, x, need_weights=False)\n")
    assert report.flops == 1_179_648
    result = verify(report, device="cpu")
    assert result.ok and result.checks[0].measured.flops == 1_048_576
