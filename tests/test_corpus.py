"""The corpus: real-style model code (tests/corpus/*.py) against the frameworks' own numbers.

tests/golden/corpus.json holds, per corpus file, what torch 2.13.0 or Keras 3.15.1 gave when
tests/corpus/record.py ran the file's ``model`` (see tests/corpus/README.md): the shape of
every output, parameters (all, trainable, non-trainable), PyTorch buffers and
FlopCounterMode FLOPs (``null`` where the CPU count is not the layers' arithmetic, or for
Keras). Each test analyses one file with shapecalc, which never runs it, and compares.
This test needs no framework: it only reads the golden file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shapecalc import analyze_file
from shapecalc.errors import ShapecalcError

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
GOLDEN = json.loads((HERE / "golden" / "corpus.json").read_text(encoding="utf-8"))
FILES = GOLDEN["files"]
FRAMEWORK = {"pytorch": f"torch {GOLDEN['versions']['torch']}",
             "keras": f"keras {GOLDEN['versions']['keras']}"}
NUMBERS = ("params", "trainable_params", "non_trainable_params", "buffers", "flops")
# Files shapecalc refuses, with the words of its refusal: refusing is right where it cannot
# follow the code, giving a wrong number never is. A file that becomes readable leaves the
# list (the test says so) and is compared like the others.
KNOWN_REFUSALS = {
    "b2_ex_word_lm_transformer.py": "has no attribute `encoder`",  # nn.Transformer's inside
    "b2_keras_sequential_guide.py": "has no attribute `inputs`",  # a Sequential's graph
    "b2_keras_timeseries_fcn.py": "a size must be a positive integer or a symbol",  # numpy
    "b2_tv_regnet.py": "iterates over numbers held in a tensor",  # widths from torch ops
    "b2_tv_swin_small.py": "stack expects a non-empty TensorList",  # torch.meshgrid
}


def _shapes(report) -> tuple[tuple, ...]:
    """Every output's shape; a report without the multi-output fields has one output."""
    shapes = getattr(report, "output_shapes", None)
    if shapes is None:
        shapes = getattr(report, "outputs", None) or (report.output_shape,)
    return tuple(tuple(shape) for shape in shapes)


def _show(shapes) -> str:
    return ", ".join("(" + ", ".join("None" if s is None else str(s) for s in shape) + ")"
                     for shape in shapes)


def test_every_corpus_file_is_recorded():
    files = {p.name for p in CORPUS.glob("*.py")} - {"record.py"}
    assert files - FILES.keys() == set(), (
        "corpus files without golden numbers: run "
        "`KERAS_BACKEND=torch python tests/corpus/record.py`")
    assert FILES.keys() - files == set(), "golden entries whose corpus file is gone"


EVAL = "eval"  # the facts are an eval-mode forward (record.py): `self.training` is False


@pytest.mark.parametrize("name", sorted(FILES))
def test_corpus_file(name):
    want = FILES[name]
    framework = FRAMEWORK[want["convention"]]
    path = CORPUS / name
    if name in KNOWN_REFUSALS:
        report = analyze_file(path, mode=EVAL)
        assert report.errors, (f"{name} is now read: take it out of KNOWN_REFUSALS so that "
                               "its numbers are compared")
        assert KNOWN_REFUSALS[name] in str(report.errors[0])
        return
    try:
        report = analyze_file(path, mode=EVAL)
    except ShapecalcError as error:
        pytest.fail(f"{name}: shapecalc could not read it ({framework} runs it):\n{error}",
                    pytrace=False)
    if report.errors:
        pytest.fail(f"{name}: shapecalc refused it ({framework} runs it):\n"
                    + "\n".join(str(e) for e in report.errors), pytrace=False)

    problems = []
    got_outputs = _shapes(report)
    want_outputs = tuple(tuple(shape) for shape in want["outputs"])
    if got_outputs != want_outputs:
        problems.append(f"outputs: shapecalc {_show(got_outputs)}, "
                        f"{framework} {_show(want_outputs)}")
    for key in NUMBERS:
        expected = want[key]
        if key == "flops" and expected is None:
            # a CPU count that is not the arithmetic (fused or oneDNN kernels): shapecalc
            # reports the arithmetic, as FlopCounterMode counts it on the math paths
            expected = want.get("flops_math")
        if expected is None:  # Keras has no FLOP counter
            continue
        got = getattr(report, key)
        if got != expected:
            problems.append(f"{key}: shapecalc {got}, {framework} {expected}")
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)
