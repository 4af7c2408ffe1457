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

from tests.helpers import last_layer  # noqa: E402



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


def _keras_facts_of(text: str):
    layer = last_layer(text)
    if isinstance(layer, str):
        return layer
    return layer.output_shape, layer.trainable, layer.non_trainable


def shapecalc_facts(line: str, shape: tuple):
    return _keras_facts_of(f"convention: keras\ninput: {tuple(shape)}\n{line}\n")


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
        "layers.Dropout(0.5)",
        "layers.Activation('relu')",
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


# -- preprocessing and attention layers ----------------------------------------------------
# Several of these layers accept a configuration in the symbolic pass and refuse it only
# when they run (an unknown interpolation, rank-2 images, mismatched attention features),
# so the facts here also call the layer on zeros (batch 2).


def keras_run_facts(line: str, shapes: list):
    import numpy as np

    namespace = {"layers": keras.layers}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layer = eval(line, namespace)  # test-side only: the text is our own fixture
            xs = [keras.Input(shape=s) for s in shapes]
            y = layer(xs if len(xs) > 1 else xs[0])
            trainable = sum(math.prod(w.shape) for w in layer.trainable_weights)
            frozen = sum(math.prod(w.shape) for w in layer.non_trainable_weights)
            zeros = [np.zeros((2, *s), "float32") for s in shapes]
            layer(zeros if len(zeros) > 1 else zeros[0])
            return tuple(y.shape), trainable, frozen
    except Exception as error:
        return f"{type(error).__name__}: {error}"


def shapecalc_merge_facts(line: str, shapes: list):
    if len(shapes) == 1:
        return shapecalc_facts(line, shapes[0])
    names = "qvk"
    inputs = "".join(f"{n} = Input(shape={tuple(s)})\n" for n, s in zip(names, shapes))
    return _keras_facts_of(
        f"convention: keras\n{inputs}out = {line}([{', '.join(names[:len(shapes)])}])\n")


factors = st.sampled_from(["0.2", "1.0", "-0.5", "1.5", "-1.0", "(0.1, 0.3)", "(0.5, -0.2)",
                           "(-2.0, 0.5)", "(1.5, 2.0)", "(0.1,)", "None"])
image_layers = st.sampled_from([
    ("Resizing({h}, {w}, interpolation={interp}, crop_to_aspect_ratio={crop}, "
     "pad_to_aspect_ratio={pad})"),
    "CenterCrop({h0}, {w0}, data_format={fmt})",
    "RandomCrop({h0}, {w0}, data_format={fmt})",
    "RandomFlip({mode}, data_format={fmt})",
    "RandomRotation({factor}, fill_mode={fill}, interpolation={interp2})",
    "RandomZoom({factor}, {factor2}, interpolation={interp2})",
    "RandomTranslation({factor}, {factor2}, fill_mode={fill})",
    "RandomContrast({factor})",
    "RandomBrightness({factor}, value_range={vrange})",
])


@st.composite
def preprocessing_cases(draw):
    family = draw(st.sampled_from(["image", "image", "image", "normalization", "other",
                                   "attention"]))
    if family == "image":
        template = draw(image_layers)
        line = "layers." + template.format(
            h=draw(st.integers(-1, 6)), w=draw(st.integers(1, 6)), h0=draw(st.integers(-1, 9)),
            w0=draw(st.integers(0, 9)),
            interp=draw(st.sampled_from(["'bilinear'", "'nearest'", "'bicubic'", "'cubic'"])),
            interp2=draw(st.sampled_from(["'bilinear'", "'nearest'", "'bicubic'"])),
            crop=draw(st.booleans()), pad=draw(st.booleans()),
            fmt=draw(st.sampled_from(["None", "'channels_last'", "'channels_first'"])),
            mode=draw(st.sampled_from(["'horizontal'", "'vertical'",
                                       "'horizontal_and_vertical'"])),
            factor=draw(factors), factor2=draw(factors),
            fill=draw(st.sampled_from(["'reflect'", "'constant'", "'mirror'"])),
            vrange=draw(st.sampled_from(["(0, 255)", "(0, 1, 2)", "5"])))
        rank = draw(st.sampled_from([3, 3, 3, 2, 1, 4]))
        if rank == 2 and "Crop(" in line:
            # a 2-D Input is one image whose height is the batch: whether a crop resizes
            # (and divides by a 0 target) depends on the batch size, which shapecalc
            # does not know; it refuses the 0 target there, Keras only for small batches
            line = line.replace("Crop(0,", "Crop(1,").replace(", 0, data", ", 1, data")
        return line, [tuple(draw(st.integers(1, 7)) for _ in range(rank))]
    if family == "normalization":
        rank = draw(st.integers(1, 3))
        shape = tuple(draw(st.integers(1, 5)) for _ in range(rank))
        axis = draw(st.sampled_from(["-1", "1", "0", "None", "(1, -1)", f"{rank + 1}", "-2"]))
        stats = draw(st.sampled_from(["", ", mean=0.5, variance=2.0",
                                      f", mean={[1.0] * shape[-1]}, variance={[1.0] * shape[-1]}",
                                      ", mean=[1.0, 2.0], variance=[1.0, 1.0]",
                                      ", mean=[[1.0]], variance=[[1.0]]"]))
        return f"layers.Normalization(axis={axis}{stats})", [shape]
    if family == "other":
        rank = draw(st.integers(1, 3))
        shape = tuple(draw(st.integers(1, 5)) for _ in range(rank))
        line = draw(st.sampled_from([
            (f"layers.Rescaling({draw(st.sampled_from(['1/255', '[1.0, 2.0]', '2']))}, "
             f"offset={draw(st.sampled_from(['0.0', '-1', '[0.5]']))})"),
            f"layers.Masking({draw(st.sampled_from(['0.0', '-1']))})",
            f"layers.ActivityRegularization({draw(st.sampled_from(['0.0', '0.01', '-1.0']))})",
        ]))
        return line, [shape]
    rank = draw(st.integers(1, 3))
    middle = tuple(draw(st.integers(1, 3)) for _ in range(rank - 2))
    tq, tv = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    dq, dv = draw(st.sampled_from([1, 4, 8])), draw(st.sampled_from([1, 4, 8]))

    def seq(t, d):
        return (*middle, t, d) if rank > 1 else (d,)

    shapes = [seq(tq, dq), seq(tv, dv)]
    if draw(st.booleans()):
        shapes.append(seq(draw(st.sampled_from([tv, tv, tv + 1])),
                          draw(st.sampled_from([dq, dq, 1, 4]))))
    if draw(st.integers(0, 9)) == 0:
        shapes = shapes[:1]
    line = draw(st.sampled_from([
        (f"layers.Attention(use_scale={draw(st.booleans())}, "
         f"score_mode={draw(st.sampled_from(['dot', 'dot', 'concat']))!r})"),
        f"layers.AdditiveAttention(use_scale={draw(st.booleans())})",
    ]))
    return line, shapes


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(preprocessing_cases())
def test_preprocessing_and_attention(case):
    line, shapes = case
    theirs, ours = keras_run_facts(line, shapes), shapecalc_merge_facts(line, shapes)
    context = f"{line} on {shapes}"
    if isinstance(theirs, str):
        assert isinstance(ours, str), f"{context}: Keras refuses ({theirs}) but shapecalc {ours}"
    else:
        assert not isinstance(ours, str), f"{context}: Keras gives {theirs}, shapecalc {ours}"
        assert ours == theirs, f"{context}: shapecalc {ours} != Keras {theirs}"


EINSUM_CASES = [  # (equation, output_shape, input shape without batch, bias_axes)
    ("abc,cd->abd", (None, 32), (16, 64), "d"),  # as Keras' attention projects
    ("abc,cd->abd", (16, 32), (16, 64), "d"),
    ("abc,cd->abd", (17, 32), (16, 64), "d"),  # b disagrees with the input
    ("ab,bc->ac", 32, (64,), "c"),
    ("ab,bc->ac", 32, (64,), None),
    ("...b,bc->...c", 32, (5, 6, 64), "c"),  # Keras lists the elided axes reversed
    ("abc,cde->abde", (None, 4, 16), (10, 64), "de"),  # multi-head query projection
    ("abcd,cde->abe", (None, 64), (10, 4, 16), "e"),  # multi-head output projection
    ("ab...,bc->ac...", (32,), (64, 7), "c"),
    ("abc,cd->abd", (None, 32), (16, 64, 3), "d"),  # an extra axis carried through
    ("abc,cd->abd", (None, 32), (16,), "d"),  # too few axes
    ("abc,cx->abd", (None, 32), (16, 64), "d"),
    ("abc,cd->abd", (None, 32), (16, 64), "z"),
    ("abc,cd", (None, 32), (16, 64), "d"),
    ("abc,cde->abde", (None, None, 16), (10, 64), "de"),  # a kernel axis of size None
    ("abc,cd->abd", (None, 32), (16, 64), "bd"),  # a bias axis of size None
    ("abc,cd->abd", (None, 32), (None, 64), "d"),
]


@pytest.mark.parametrize("equation, output_shape, shape, bias_axes", EINSUM_CASES)
def test_einsum_dense(equation, output_shape, shape, bias_axes):
    assert_agrees(f"layers.EinsumDense({equation!r}, output_shape={output_shape!r}, "
                  f"bias_axes={bias_axes!r})", shape)


def test_einsum_dense_lora():
    assert_agrees("layers.EinsumDense('abc,cde->abde', output_shape=(None, 4, 16), "
                  "bias_axes='de', lora_rank=3)", (10, 64))


@pytest.mark.parametrize("line, shape", [
    ("layers.Dense(4)", (None, 8)),  # a sequence of any length: the batch is not in input:
    ("layers.LSTM(3)", (None, 8)),
    ("layers.LSTM(3, return_sequences=True)", (None, 8)),
    ("layers.GlobalAveragePooling1D()", (None, 8)),
    ("layers.Conv1D(4, 3)", (None, 8)),
    ("layers.Conv2D(8, 3)", (None, None, 3)),  # an image of any size
    ("layers.MaxPooling2D()", (None, None, 3)),
])
def test_none_sizes_in_the_input_are_not_the_batch(line, shape):
    assert_agrees(line, shape)
