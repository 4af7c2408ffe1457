"""Keras conventions against real Keras 3.15.1: random layer configurations, valid and
invalid, built on a keras.Input of a random shape. shapecalc must give the symbolic output
shape and the trainable / non-trainable weight counts Keras gives, or refuse when Keras
refuses (at construction, build or call). CI runs this on the torch backend
(KERAS_BACKEND=torch); the layers' shape rules and weights do not depend on the backend.
Skipped where keras is not installed."""

from __future__ import annotations

import math
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

keras = pytest.importorskip("keras")

from shapecalc import analyze_text  # noqa: E402
from shapecalc.errors import SpecError  # noqa: E402


def keras_facts(line: str, shape: tuple):
    namespace = {"layers": keras.layers}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layer = eval(line, namespace)  # test-side only: the text is our own fixture
            x = keras.Input(shape=shape)
            y = layer(x)
            if isinstance(y, (list, tuple)):
                y = y[0]
            trainable = sum(math.prod(w.shape) for w in layer.trainable_weights)
            frozen = sum(math.prod(w.shape) for w in layer.non_trainable_weights)
            return tuple(y.shape), trainable, frozen
    except Exception as error:  # Keras' refusal is the fact we record
        return f"{type(error).__name__}: {error}"


def shapecalc_facts(line: str, shape: tuple):
    text = f"convention: keras\ninput: {tuple(shape)}\n{line}\n"
    try:
        report = analyze_text(text)
    except SpecError as error:
        return str(error)
    if report.errors:
        return str(report.errors[0])
    layer = report.layers[0]
    return layer.output_shape, layer.trainable, layer.non_trainable


def assert_agrees(line: str, shape: tuple) -> None:
    theirs, ours = keras_facts(line, shape), shapecalc_facts(line, shape)
    context = f"{line} on {shape}"
    if isinstance(theirs, str):
        assert isinstance(ours, str), f"{context}: Keras refuses ({theirs}) but shapecalc {ours}"
    else:
        assert not isinstance(ours, str), f"{context}: Keras gives {theirs}, shapecalc {ours}"
        assert ours == theirs, f"{context}: shapecalc {ours} != Keras {theirs}"


sizes = st.integers(1, 12)
padding = st.sampled_from(["'valid'", "'same'"])


@st.composite
def conv_cases(draw):
    n = draw(st.sampled_from([1, 2, 2, 3]))
    kind = draw(st.sampled_from(["Conv", "Conv", "ConvTranspose", "Depthwise", "Separable"]))
    if kind in ("Depthwise", "Separable") and n == 3:
        n = 2
    spatial = tuple(draw(sizes) for _ in range(n))
    channels = draw(st.integers(1, 4))
    k = draw(st.integers(1, 4))
    s = draw(st.integers(1, 3))
    d = draw(st.integers(1, 2))
    pad = draw(st.sampled_from(["'valid'", "'same'", "'causal'"]) if n == 1 and
               kind == "Conv" else padding)
    bias = draw(st.booleans())
    name = {"Conv": f"Conv{n}D", "ConvTranspose": f"Conv{n}DTranspose",
            "Depthwise": f"DepthwiseConv{n}D", "Separable": f"SeparableConv{n}D"}[kind]
    common = f"kernel_size={k}, strides={s}, padding={pad}, dilation_rate={d}, use_bias={bias}"
    if kind == "Depthwise":
        line = f"layers.{name}({common}, depth_multiplier={draw(st.integers(1, 2))})"
    else:
        line = f"layers.{name}({draw(st.integers(1, 4))}, {common})"
    return line, (*spatial, channels)


@st.composite
def pool_cases(draw):
    n = draw(st.sampled_from([1, 2, 3]))
    kind = draw(st.sampled_from(["MaxPooling", "AveragePooling", "GlobalMaxPooling",
                                 "GlobalAveragePooling"]))
    spatial = tuple(draw(sizes) for _ in range(n))
    if kind.startswith("Global"):
        line = f"layers.{kind}{n}D(keepdims={draw(st.booleans())})"
    else:
        stride = draw(st.one_of(st.none(), st.integers(1, 3)))
        line = (f"layers.{kind}{n}D(pool_size={draw(st.integers(1, 4))}, strides={stride}, "
                f"padding={draw(padding)})")
    return line, (*spatial, draw(st.integers(1, 3)))


@st.composite
def other_cases(draw):
    rank = draw(st.integers(1, 3))
    shape = tuple(draw(sizes) for _ in range(rank))
    line = draw(st.sampled_from([
        f"layers.Dense({draw(st.integers(1, 5))}, use_bias={draw(st.booleans())})",
        f"layers.BatchNormalization(center={draw(st.booleans())}, scale={draw(st.booleans())})",
        f"layers.LayerNormalization(axis={draw(st.sampled_from([-1, 1]))})",
        "layers.Flatten()",
        f"layers.ZeroPadding{rank - 1 or 1}D({draw(st.integers(0, 2))})",
        f"layers.Cropping{rank - 1 or 1}D({draw(st.integers(0, 3))})",
        f"layers.UpSampling{rank - 1 or 1}D({draw(st.integers(1, 3))})",
        f"layers.Reshape(({math.prod(shape)},))",
        f"layers.Reshape((-1, {draw(st.integers(1, 3))}))",
        f"layers.Dropout(0.5)",
        f"layers.Activation('relu')",
    ]))
    return line, shape


@st.composite
def recurrent_cases(draw):
    kind = draw(st.sampled_from(["SimpleRNN", "LSTM", "GRU"]))
    units = draw(st.integers(1, 6))
    extra = f", reset_after={draw(st.booleans())}" if kind == "GRU" else ""
    line = (f"layers.{kind}({units}, return_sequences={draw(st.booleans())}, "
            f"use_bias={draw(st.booleans())}{extra})")
    if draw(st.booleans()):
        line = f"layers.Bidirectional({line})"
    shape = tuple(draw(sizes) for _ in range(draw(st.sampled_from([2, 2, 1]))))
    return line, shape


SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(conv_cases())
def test_convolutions(case):
    assert_agrees(*case)


@SETTINGS
@given(pool_cases())
def test_pooling(case):
    assert_agrees(*case)


@SETTINGS
@given(other_cases())
def test_dense_norm_reshape(case):
    assert_agrees(*case)


@SETTINGS
@given(recurrent_cases())
def test_recurrent(case):
    assert_agrees(*case)
