"""Every spec in specs/ against what the real frameworks do with the same network.

tests/golden/framework_facts.json holds, per spec file, the per-layer output shapes and
parameter counts (and, for PyTorch, buffers and FlopCounterMode FLOPs), the totals, or the
framework's refusal, observed by building the network in torch 2.13.0 or Keras 3.15.1 (its
"source" note says how). A spec without facts fails: add the facts from the framework,
never from shapecalc's output.

The JSON snapshots (tests/golden/<spec stem>.json) pin the whole `analyze --format json`
output (receptive fields, names, MACs, line numbers); `pytest --update-golden` rewrites
them, after checking that the new output still agrees with the framework facts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from shapecalc import analyze_file
from shapecalc.cli import main

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "specs").glob("*.txt"))
GOLDEN = Path(__file__).resolve().parent / "golden"
FACTS = json.loads((GOLDEN / "framework_facts.json").read_text(encoding="utf-8"))["specs"]

# flops: PyTorch specs, FlopCounterMode on the module. flops_per_sample: Keras specs,
# FlopCounterMode on the equivalent torch module at batch 1 (Keras counts no FLOPs), which
# is what shapecalc reports for Keras' None batch.
LAYER_FIELDS = ("type", "output_shape", "params", "trainable_params", "non_trainable_params",
                "buffers", "flops", "flops_per_sample")
TOTAL_FIELDS = ("output_shape", "params", "trainable_params", "non_trainable_params",
                "buffers", "flops", "flops_per_sample")


def _facts(spec: Path) -> dict:
    facts = FACTS.get(spec.name)
    assert facts is not None, (
        f"no framework facts for specs/{spec.name}: build its network in torch or Keras and "
        "add what the framework reports to tests/golden/framework_facts.json")
    return facts


def _plain(value: object) -> object:
    """Shapes as lists, like the facts' JSON."""
    return [_plain(v) for v in value] if isinstance(value, (tuple, list)) else value


def _library_layer(layer) -> dict:
    return {"type": layer.type, "output_shape": _plain(layer.output_shape),
            "params": layer.params, "trainable_params": layer.trainable,
            "non_trainable_params": layer.non_trainable, "buffers": layer.buffers,
            "flops": layer.flops, "flops_per_sample": layer.flops}


def _library_totals(report) -> dict:
    return {"output_shape": _plain(report.output_shape), "params": report.params,
            "trainable_params": report.trainable_params,
            "non_trainable_params": report.non_trainable_params, "buffers": report.buffers,
            "flops": report.flops, "flops_per_sample": report.flops}


def _only_known(got: dict, expected: dict, fields) -> dict:
    """The fields the framework gave facts for (Keras has no buffers or FLOPs counter)."""
    return {k: got[k] for k in fields if k in expected}


def _expected(expected: dict, fields) -> dict:
    return {k: expected[k] for k in fields if k in expected}


def _check_against_facts(facts: dict, input_shape, layers: list[dict], totals: dict,
                         errors: list[dict], where: str) -> None:
    """Compare analysed layers/totals/errors (as plain dicts) with the framework's facts."""
    assert _plain(input_shape) == facts["input_shape"], f"{where}: input shape"
    refusal = facts.get("refusal")
    expected_count = len(facts["layers"])
    if refusal:
        assert errors, (f"{where}: the framework refuses layer {refusal['layer_index']} "
                        f"({refusal['framework_error']}), but the analysis accepted it")
        error = errors[0]
        assert error["layer_index"] == refusal["layer_index"], (
            f"{where}: refused at layer {error['layer_index']} ({error['message']}), the "
            f"framework at layer {refusal['layer_index']} ({refusal['framework_error']})")
        assert re.search(refusal["reason"], error["message"]), (
            f"{where}: the refusal should say /{refusal['reason']}/ (framework: "
            f"{refusal['framework_error']}); got: {error['message']}")
    else:
        assert not errors, f"{where}: refused, but the framework accepts it: {errors[0]}"
    assert len(layers) == expected_count, (
        f"{where}: {len(layers)} layers analysed, the framework gives facts for "
        f"{expected_count}")
    for index, (got, expected) in enumerate(zip(layers, facts["layers"]), start=1):
        assert _only_known(got, expected, LAYER_FIELDS) == _expected(expected, LAYER_FIELDS), (
            f"{where}: layer {index}")
    if not refusal:
        assert _only_known(totals, facts, TOTAL_FIELDS) == _expected(facts, TOTAL_FIELDS), (
            f"{where}: totals")


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.name)
def test_spec_agrees_with_framework(spec: Path) -> None:
    facts = _facts(spec)
    report = analyze_file(spec)
    errors = [{"layer_index": getattr(e, "layer_index", None), "message": e.message}
              for e in report.errors]
    _check_against_facts(facts, report.input_shape,
                         [_library_layer(layer) for layer in report.layers],
                         _library_totals(report), errors, f"specs/{spec.name}")
    if "constructed_params" in facts:  # PyTorch builds every layer before refusing one
        assert report.constructed_params == facts["constructed_params"], spec.name


def test_every_fact_has_its_spec() -> None:
    names = {spec.name for spec in SPECS}
    assert sorted(set(FACTS) - names) == [], "facts for specs that no longer exist"


def test_specs_say_what_they_answer() -> None:
    """Each spec opens with a comment naming the question and the numbers it gives."""
    for spec in SPECS:
        first = spec.read_text(encoding="utf-8").lstrip().splitlines()[0]
        assert first.startswith("#"), f"specs/{spec.name} should start with a comment"


def _cli_json(spec: Path, monkeypatch) -> tuple[int, dict]:
    monkeypatch.chdir(ROOT)  # messages name the spec by the path given: keep it relative
    result = CliRunner().invoke(main, ["analyze", f"specs/{spec.name}", "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.name)
def test_json_snapshot(spec: Path, monkeypatch, request) -> None:
    facts = _facts(spec)
    exit_code, output = _cli_json(spec, monkeypatch)
    where = f"`shapecalc analyze specs/{spec.name} --format json`"
    assert exit_code == (1 if facts.get("refusal") else 0), f"{where}: exit code"
    totals = {k: output.get(k) for k in TOTAL_FIELDS}
    totals["flops_per_sample"] = output.get("flops")
    layers = [{**{k: layer.get(k) for k in LAYER_FIELDS}, "flops_per_sample": layer.get("flops")}
              for layer in output["layers"]]
    _check_against_facts(facts, output["input_shape"], layers, totals,
                         output.get("errors", []), where)

    golden = GOLDEN / f"{spec.stem}.json"
    if request.config.getoption("--update-golden"):
        golden.write_text(json.dumps(output, indent=2) + "\n", encoding="utf-8")
        return
    assert golden.exists(), f"no snapshot {golden.name}: run pytest --update-golden"
    differences = list(_differences(output, json.loads(golden.read_text(encoding="utf-8"))))
    assert not differences, (
        f"{where} differs from {golden.name} (got / snapshot):\n  "
        + "\n  ".join(differences[:20])
        + "\nif the change is right, run pytest --update-golden")


def _differences(got: object, snapshot: object, path: str = ""):
    """Paths where two JSON values differ, e.g. `layers[3].receptive_field.size`."""
    if isinstance(got, dict) and isinstance(snapshot, dict):
        for key in sorted(set(got) | set(snapshot)):
            where = f"{path}.{key}" if path else key
            if key not in snapshot:
                yield f"{where}: new field {got[key]!r}"
            elif key not in got:
                yield f"{where}: missing (was {snapshot[key]!r})"
            else:
                yield from _differences(got[key], snapshot[key], where)
    elif isinstance(got, list) and isinstance(snapshot, list) and len(got) == len(snapshot):
        for i, (a, b) in enumerate(zip(got, snapshot)):
            yield from _differences(a, b, f"{path}[{i}]")
    elif got != snapshot:
        yield f"{path}: {got!r} / {snapshot!r}"
