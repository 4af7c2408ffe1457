"""`shapecalc verify` of Keras specs against real Keras 3.15.1 (on TensorFlow 2.21.0 where
it is installed; CI runs it on the torch backend, KERAS_BACKEND=torch): output shapes
(symbolic, batch None, and on real zeros) and trainable / non-trainable weight counts of
every layer. Skipped where keras is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("keras")

from shapecalc import analyze_file, analyze_text  # noqa: E402
from shapecalc.verify import render_verification, verify  # noqa: E402

SPECS = Path(__file__).resolve().parents[1] / "specs"
KERAS_SPECS = [p for p in sorted(SPECS.glob("**/*.txt"))
               if (r := analyze_file(p)).convention == "keras" and not r.errors]


@pytest.mark.parametrize("path", KERAS_SPECS, ids=[str(p.relative_to(SPECS)) for p in KERAS_SPECS])
def test_every_keras_spec_agrees_with_keras(path):
    result = verify(analyze_file(path))
    assert result.ok, render_verification(result)


def test_nested_constructors_and_a_wrong_count():
    report = analyze_text("convention: keras\ninput: (20, 8)\n"
                          "x = layers.Bidirectional(tf.keras.layers.LSTM(16, "
                          "return_sequences=True))\n"
                          "a = layers.MultiHeadAttention(2, 4)(x)\n"
                          "layers.Dense(32, kernel_regularizer=regularizers.l2(1e-4))(a)\n")
    assert verify(report).ok
    dense = report.layers[-1].replace(non_trainable=1)
    result = verify(report.replace(layers=report.layers[:-1] + (dense,)))
    assert [c.layer.index for c in result.mismatches] == [3]
    assert "FLOPs not measured" in render_verification(result)


def test_a_length_left_as_none_runs_on_a_long_enough_input():
    from tests.test_graph import VARIABLE_LENGTH

    result = verify(analyze_text(VARIABLE_LENGTH))
    assert result.ok, render_verification(result)


def test_a_refused_layer_is_confirmed_by_keras():
    report = analyze_text("convention: keras\ninput: (5, 5, 3)\nlayers.Conv2D(4, 3)\n"
                          "layers.Conv2D(4, 7)\n")
    result = verify(report)
    assert result.ok and result.refusal.layer.index == 2
    assert "Keras refuses it too: ValueError: Computed output size would be zero or " \
        "negative" in render_verification(result)
