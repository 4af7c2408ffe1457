"""Small helpers for tests: analyse a one-layer or short spec in one call."""

from __future__ import annotations

import pytest

from shapecalc import analyze_text
from shapecalc.errors import SpecError
from shapecalc.report import LayerReport, NetworkReport


def spec(convention: str, input_shape: str, *lines: str) -> str:
    return "\n".join([f"convention: {convention}", f"input: {input_shape}", *lines]) + "\n"


def analyze(convention: str, input_shape: str, *lines: str, **options) -> NetworkReport:
    return analyze_text(spec(convention, input_shape, *lines), **options)


def last_layer(text: str) -> LayerReport | str:
    """The report of a spec's last layer, or the refusal's message when it is refused."""
    try:
        report = analyze_text(text)
    except SpecError as error:
        return str(error)
    if report.errors:
        return str(report.errors[0])
    return report.layers[-1]


def one(convention: str, input_shape: str, line: str) -> LayerReport:
    """The report of a single layer; fails the test if the layer is refused."""
    report = analyze(convention, input_shape, line)
    assert not report.errors, str(report.errors[0])
    return report.layers[0]


def refused(convention: str, input_shape: str, *lines: str, match: str) -> SpecError:
    """Assert that the network is refused with a message matching ``match``."""
    try:
        report = analyze(convention, input_shape, *lines)
    except SpecError as error:
        found = error
    else:
        assert report.errors, f"expected a refusal, got {report.output_shape}"
        found = report.errors[0]
    assert pytest.importorskip("re").search(match, str(found)), str(found)
    return found
