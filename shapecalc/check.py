"""`expect` lines: each states an answer; checking compares it with the analysis.

``expect [layer REF] KEY: VALUE`` where REF is a 1-based index or a layer name and KEY is
one of output, params, trainable_params, non_trainable_params, buffers, param_bytes, macs,
flops, rf (receptive field size: an int for every axis, or a tuple) or error (text the
refusal must contain). A value is read as shapecalc prints it, sympy's ``floor``,
``ceiling``, ``Max``, ``Min``, ``Mod``, ``sqrt`` and ``log`` included, so that what
``update`` writes (the computed value, in that notation) is read back.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import stat
import tempfile

from shapecalc import algebra
from shapecalc.algebra import show_shape
from shapecalc.errors import ShapecalcError, SpecError, source_lines
from shapecalc.record import Record
from shapecalc.report import LayerReport, NetworkReport
from shapecalc.spec import syntax as S
from shapecalc.spec.evaluate import Evaluator, Reference

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


def _rounded(rounding, symbolic):
    return lambda value: rounding(value) if algebra.is_number(value) else symbolic(value, 1)


def _sympy_function(name: str):
    def apply(*values):
        import sympy  # sqrt and log are printed only in symbolic values

        return getattr(sympy, name)(*values)
    return apply


_FUNCTIONS = {"floor": _rounded(math.floor, algebra.floordiv),
              "ceiling": _rounded(math.ceil, algebra.ceildiv),
              "Max": lambda *values: functools.reduce(algebra.maximum, values),
              "Min": lambda *values: functools.reduce(algebra.minimum, values),
              "Mod": lambda a, b: a % b,
              "sqrt": _sympy_function("sqrt"), "log": _sympy_function("log")}


class _ExpectedValue(Evaluator):
    """An expectation's value: a spec expression, or a value as shapecalc prints it."""

    def __call__(self, node: object) -> object:
        if isinstance(node, S.Call) and isinstance(node.func, S.Name) and \
                node.func.dotted in _FUNCTIONS and node.args and not node.keywords:
            values = [self._arith_operand(arg) for arg in node.args]
            try:
                return _FUNCTIONS[node.func.dotted](*values)
            except (TypeError, ValueError, ZeroDivisionError) as error:
                raise SpecError(f"cannot compute {node.func.dotted}: {error}", node.span)
        return super().__call__(node)


def check(spec: S.Spec, report: NetworkReport) -> list[Verdict]:
    evaluate = _ExpectedValue(dict(report.bindings))
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
    if isinstance(expected, Reference) or (isinstance(expected, tuple) and any(
            isinstance(v, Reference) for v in expected)):  # Sum(...), max(...): not computed
        return Verdict(line, False, f"cannot read the expected value: {expect.value_text} is "
                       "not a number, a shape or a formula of + - * / // ** and symbols")
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


class UpdateRefused(ShapecalcError):
    """``update`` would damage the file or lose someone's edit, so it leaves it as it is."""


def update(path: str, checked_text: str, verdicts: list[Verdict]) -> list[Verdict]:
    """Rewrite the failing expectations' values with the computed ones and change nothing
    else: line endings, mode, owner, a symlink (its target is written) and hard links are
    kept. ``checked_text`` is the text that was checked, line ends read as newlines; a file
    that no longer holds it is refused, as is one that is read-only. Returns the verdicts
    whose values were rewritten: a value with a comment inside is left as it is."""
    changes = [v for v in verdicts if v.replacement is not None and v.expect is not None]
    if not changes:
        return []
    target = os.path.realpath(path)
    try:
        with open(target, "rb") as handle:
            original = handle.read()
        text = original.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UpdateRefused(f"cannot read it again: {getattr(error, 'strerror', error)}")
    if _as_read(text) != _as_read(checked_text):
        raise UpdateRefused("it changed since it was checked")
    lines = source_lines(text, keepends=True)  # numbered as the reader numbers them
    line_starts = list(itertools.accumulate(map(len, lines), initial=0))
    rewritten = []
    for verdict in sorted(changes, key=lambda v: v.expect.value_span, reverse=True):
        span = verdict.expect.value_span
        if span.end_line > len(lines):
            continue
        start = line_starts[span.line - 1] + span.column - 1
        end = line_starts[span.end_line - 1] + span.end_column - 1
        if _as_read(text[start:end]) == verdict.expect.value_text:
            text = text[:start] + verdict.replacement + text[end:]
            rewritten.append(verdict)
    if rewritten:
        _replace(target, original, text.encode("utf-8"))
    return rewritten


def _as_read(text: str) -> str:
    """Text as it is read for checking: universal newlines, no byte-order mark."""
    return text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")


def _replace(target: str, original: bytes, new: bytes) -> None:
    """Write ``new`` over ``target``, which must still hold ``original``: a temporary file
    renamed over it (atomic) when that keeps its mode and owner, else in place (hard
    links, a folder we may not write in, an owner we cannot give)."""
    try:
        info = os.stat(target)
    except OSError as error:
        raise UpdateRefused(error.strerror)
    if not stat.S_ISREG(info.st_mode):
        raise UpdateRefused("it is not a regular file")
    if not info.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise UpdateRefused("it is read-only")
    if info.st_nlink > 1:
        return _write_in_place(target, original, new)
    try:
        fd, temporary = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".shapecalc-",
                                         suffix=".tmp")
    except OSError:
        return _write_in_place(target, original, new)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(new)
            handle.flush()
            os.fsync(fd)
            try:
                if (info.st_uid, info.st_gid) != (os.fstat(fd).st_uid, os.fstat(fd).st_gid):
                    os.fchown(fd, info.st_uid, info.st_gid)
            except (OSError, AttributeError):  # not ours to give: keep the file's own inode
                os.unlink(temporary)
                return _write_in_place(target, original, new)
            os.fchmod(fd, stat.S_IMODE(info.st_mode))  # after chown, which clears setuid
        _require_unchanged(target, original)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _write_in_place(target: str, original: bytes, new: bytes) -> None:
    try:
        with open(target, "r+b") as handle:
            if handle.read() != original:
                raise UpdateRefused("it changed since it was checked")
            handle.seek(0)
            handle.write(new)
            handle.truncate()
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        raise UpdateRefused(error.strerror or str(error))


def _require_unchanged(target: str, original: bytes) -> None:
    """Refuse when someone wrote to the file while we were preparing ours."""
    try:
        with open(target, "rb") as handle:
            unchanged = handle.read() == original
    except OSError as error:
        raise UpdateRefused(error.strerror)
    if not unchanged:
        raise UpdateRefused("it changed since it was checked")
