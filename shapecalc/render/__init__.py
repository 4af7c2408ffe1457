"""Renderers: one module per output format, each a ``render(report) -> str``."""

from __future__ import annotations

from importlib import import_module
from typing import Callable

from shapecalc.report import NetworkReport

FORMATS = ("table", "markdown", "latex", "json", "csv")


def renderer(name: str) -> Callable[[NetworkReport], str]:
    """The render function of a format (imported on demand: rich only when it is used)."""
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r}; valid: {', '.join(FORMATS)}")
    module = import_module(f"shapecalc.render.{'json_' if name == 'json' else name}")
    return module.render
