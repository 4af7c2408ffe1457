"""`expect` lines: each states an answer; checking compares it with the analysis.

``expect [layer REF] KEY: VALUE`` where REF is a 1-based index or a layer name and KEY is
one of output, params, trainable_params, non_trainable_params, buffers, param_bytes, macs,
flops, rf (receptive field size: an int for every axis, or a tuple) or error (text the
refusal must contain). ``update`` rewrites failing values in place with the computed ones.
"""

from __future__ import annotations

import os
import tempfile

from shapecalc import algebra
from shapecalc.algebra import show_shape
from shapecalc.errors import SpecError
from shapecalc.record import Record
from shapecalc.report import LayerReport, NetworkReport
from shapecalc.spec import syntax as S
from shapecalc.spec.evaluate import Evaluator

_NETWORK_KEYS = {"output": "output_shape", "params": "params",
                 "trainable_params": "trainable_params",
                 "non_trainable_params": "non_trainable_params", "buffers": "buffers",
                 "param_bytes": "param_bytes", "macs": "macs", "flops": "flops"}
_LAYER_KEYS = {"output": "output_shape", "params": "params", "trainable_params": "trainable",
               "non_trainable_params": "non_trainable", "buffers": "buffers", "macs": "macs",
               "flops": "flops"}


class Verdict(Record):
    line: int
    ok: bool
    message: str
    replacement: str | None = None  # the computed value, written as the expectation was
    expect: S.Expect | None = None


def expectations(spec: S.Spec) -> list[S.Expect]:
    return [stmt for stmt in spec.statements if isinstance(stmt, S.Expect)]


def check(spec: S.Spec, report: NetworkReport) -> list[Verdict]:
    evaluate = Evaluator(dict(report.bindings))
    verdicts = [_verdict(e, report, evaluate) for e in expectations(spec)]
    claimed = {id(e) for e in expectations(spec) if e.key == "error"}
    if report.errors and not claimed:
        error = report.errors[0]
        verdicts.append(Verdict(error.span.line if error.span else 0, False,
                                f"unexpected error: {error.message}"))
    return verdicts


def _verdict(expect: S.Expect, report: NetworkReport, evaluate: Evaluator) -> Verdict:
    line = expect.span.line
    try:
        expected = evaluate(expect.value)
    except SpecError as error:
        return Verdict(line, False, f"cannot read the expected value: {error.message}")
    if expect.key == "error":
        return _error_verdict(expect, report, expected)
    layer = None
    if expect.layer is not None:
        layer = _find_layer(report, expect.layer)
        if isinstance(layer, str):
            return Verdict(line, False, layer, expect=expect)
    if report.errors and (layer is None or expect.key == "rf"):
        if layer is None:
            return Verdict(line, False, f"expected {expect.key} {expect.value_text}, but the "
                           f"network is refused: {report.errors[0].message}", expect=expect)
    got = _actual(expect.key, report, layer)
    if got is _MISSING:
        return Verdict(line, False, f"`{expect.key}` is not defined for a layer", expect=expect)
    ok = _equal(expected, got)
    text = _written(got, expect.value_text)
    what = f"layer {expect.layer} {expect.key}" if expect.layer is not None else expect.key
    return Verdict(line, ok, f"{what}: expected {expect.value_text}, got {text}",
                   None if ok else text, expect)


_MISSING = object()


def _find_layer(report: NetworkReport, ref: int | str) -> LayerReport | str:
    for layer in report.layers:
        if layer.index == ref or layer.name == ref:
            return layer
    named = [layer for layer in report.layers if layer.tensor == ref]
    if named:  # a tensor name the spec assigned; the last assignment wins, as in Python
        return named[-1]
    if report.errors:
        return f"layer {ref} was not computed: {report.errors[0].message}"
    return f"no layer {ref} (the network has {len(report.layers)} layers)"


def _actual(key: str, report: NetworkReport, layer: LayerReport | None) -> object:
    if key == "rf":
        target = layer or (report.layers[-1] if report.layers else None)
        if target is None or target.receptive_field is None:
            return None
        sizes = tuple(axis.size for axis in target.receptive_field)
        return sizes[0] if len(set(map(str, sizes))) == 1 else sizes
    if layer is None:
        return getattr(report, _NETWORK_KEYS[key])
    if key not in _LAYER_KEYS:
        return _MISSING
    return getattr(layer, _LAYER_KEYS[key])


def _error_verdict(expect: S.Expect, report: NetworkReport, expected: object) -> Verdict:
    line = expect.span.line
    if not report.errors:
        return Verdict(line, False, f"expected a refusal containing {expect.value_text}, but "
                       f"the network is valid (output {show_shape(report.output_shape)})",
                       expect=expect)
    error = report.errors[0]
    where_ok = expect.layer is None or expect.layer == error.layer_index or any(
        layer.name == expect.layer for layer in report.layers
        if layer.index == error.layer_index)
    text_ok = isinstance(expected, str) and expected in error.message
    ok = where_ok and text_ok
    at = f" at layer {error.layer_index}" if error.layer_index else ""
    return Verdict(line, ok, f"expected a refusal{'' if expect.layer is None else ' at layer ' + str(expect.layer)} "
                   f"containing {expect.value_text}, got{at}: {error.message}", expect=expect)


def _equal(expected: object, got: object) -> bool:
    if isinstance(expected, tuple) or isinstance(got, tuple):
        if not (isinstance(expected, tuple) and isinstance(got, tuple)):
            return False
        return len(expected) == len(got) and all(map(_equal, expected, got))
    if expected is None or got is None:
        return expected is got
    if algebra.is_number(expected) and algebra.is_number(got):
        return expected == got
    if isinstance(expected, (str, bool)) or isinstance(got, (str, bool)):
        return expected == got
    from shapecalc.symbolic import same

    return same(expected, got)


def _written(value: object, like: str) -> str:
    """The computed value in the notation of the expectation it replaces."""
    if isinstance(value, tuple):
        return show_shape(value)
    if type(value) is int:
        return f"{value:,}" if "," in like else str(value)
    return algebra.show(value)


def update(path: str, source: str, verdicts: list[Verdict]) -> int:
    """Rewrite the failing expectations' values with the computed ones, atomically.
    Returns how many were rewritten."""
    lines = source.splitlines(keepends=True)
    changes = [v for v in verdicts if v.replacement is not None and v.expect is not None
               and v.expect.value_span.line == v.expect.value_span.end_line]
    for verdict in sorted(changes, key=lambda v: (v.expect.value_span.line,
                                                  v.expect.value_span.column), reverse=True):
        span = verdict.expect.value_span
        text = lines[span.line - 1]
        lines[span.line - 1] = (text[: span.column - 1] + verdict.replacement +
                                text[span.end_column - 1:])
    if changes:
        folder = os.path.dirname(os.path.abspath(path))
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".shapecalc-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write("".join(lines))
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
    return len(changes)
