"""Shared pytest options: golden files, and how long the randomized tests search."""

from __future__ import annotations

import os


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden", action="store_true", default=False,
        help="Rewrite tests/golden/<spec>.json from the current `analyze --format json` "
             "output (each is still checked against the framework facts first).",
    )
    parser.addoption(
        "--examples-scale", type=float,
        default=float(os.environ.get("SHAPECALC_EXAMPLES_SCALE", "1")),
        help="Multiply every randomized (hypothesis) test's number of examples: CI runs the "
             "bounded default; `--examples-scale 20` is a long differential run.",
    )


def pytest_collection_modifyitems(config, items):
    scale = config.getoption("--examples-scale")
    if scale == 1:
        return
    from hypothesis import settings

    for item in items:
        test = getattr(item, "obj", None)
        current = getattr(test, "_hypothesis_internal_use_settings", None)
        if current is not None:
            test._hypothesis_internal_use_settings = settings(
                current, max_examples=max(1, int(current.max_examples * scale)))
