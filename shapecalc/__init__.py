"""shapecalc: exact and symbolic shapes, parameters, MACs/FLOPs and receptive fields of
neural networks, in PyTorch and Keras conventions, without a framework.

    >>> from shapecalc import analyze_text
    >>> report = analyze_text("convention: pytorch\\ninput: (1, 3, 32, 32)\\nnn.Conv2d(3, 8, 3)")
    >>> report.output_shape, report.params
    ((1, 8, 30, 30), 224)
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from shapecalc.errors import LayerError, ShapecalcError, SpecError, UsageError
from shapecalc.report import LayerReport, NetworkReport

__version__ = "0.1.0"

__all__ = ["analyze_text", "analyze_file", "LayerReport", "NetworkReport", "ShapecalcError",
           "SpecError", "LayerError", "UsageError", "__version__"]


def analyze_text(text: str, *, path: str = "<spec>", convention: str | None = None,
                 bindings: Mapping[str, object] | None = None,
                 explain: bool = False, input_shape: tuple | None = None,
                 mode: str = "train") -> NetworkReport:
    """Analyse a spec given as text. A spec that cannot be read raises SpecError; a network
    that is refused returns a report whose ``errors`` say where and why. ``input_shape``
    replaces the spec's `input:` line (as written there: Keras without the batch); ``mode``
    is "train" (PyTorch's state after construction) or "eval" (``model.eval()``)."""
    import gc

    from shapecalc.network import analyze
    from shapecalc.spec.reader import read_spec

    # a spec makes many small objects and no cycles: the cyclic collector would only rescan
    # them, making long specs slower than linear
    collecting = gc.isenabled()
    gc.disable()
    try:
        return analyze(read_spec(text, path), convention=convention, bindings=bindings,
                       explain=explain, input_shape=input_shape, mode=mode)
    finally:
        if collecting:
            gc.enable()


def analyze_file(path: str | Path, **options) -> NetworkReport:
    path = Path(path)
    return analyze_text(path.read_text(encoding="utf-8"), path=str(path), **options)
