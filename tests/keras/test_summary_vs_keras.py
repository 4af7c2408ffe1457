"""The size after "Total params" is the one Keras 3.15.1's model.summary() prints, unit and
rounding included (1024-based: B, KB, MB, GB). Skipped where keras is not installed."""

from __future__ import annotations

import re

import pytest

keras = pytest.importorskip("keras")

from shapecalc import analyze_text  # noqa: E402
from shapecalc.render.table import render  # noqa: E402


def keras_total_line(units: int, features: int) -> str:
    model = keras.Sequential([keras.Input(shape=(features,)), keras.layers.Dense(units)])
    lines: list[str] = []
    model.summary(print_fn=lambda line, **_: lines.append(line))
    found = re.search(r"Total params: ([\d,]+ \([\d.]+ [KMG]?B\))", "\n".join(lines))
    assert found, lines
    return found[1]


# GB are left to the unit test of the same rule (tests/test_render.py): Keras would
# allocate the weights.
@pytest.mark.parametrize("units, features", [
    (1, 3),  # 4 params: 16.00 B
    (75, 3),  # 300: 1,200 bytes, 1.17 KB
    (255, 1),  # 510: 2,040 bytes, just under 2 KB
    (256, 1023),  # 262,144: 1.00 MB exactly
    (1000, 3000),  # 3,001,000: 11.45 MB
])
def test_total_params_size_is_what_keras_prints(units, features):
    text = f"convention: keras\ninput: ({features},)\nlayers.Dense({units})\n"
    ours = render(analyze_text(text), rich=False)
    total = re.search(r"Total params: +(.*)", ours)[1]
    assert total == keras_total_line(units, features)
