"""Keras preprocessing, masking and simple attention layers. Every expected value below was
observed on Keras 3.15.1 (TensorFlow 2.21.0 backend): a functional model on keras.Input,
then the layer called on zeros with batch 2; shapes, trainable / non-trainable weight
counts and refusals are kept here as literals. MACs: 0 for every preprocessing layer;
attention counts its batched matmuls (see shapecalc/layers/preprocessing.py)."""

from __future__ import annotations

import pytest

from shapecalc import analyze_text
from tests.helpers import one, refused


def functional(line: str, *shapes) -> str:
    names = "qvkw"
    inputs = "".join(f"{n} = Input(shape={s})\n" for n, s in zip(names, shapes))
    return f"convention: keras\n{inputs}out = {line}([{', '.join(names[:len(shapes)])}])\n"


@pytest.mark.parametrize("line, input_shape, shape, non_trainable", [
    ("layers.Rescaling(1./255)", "(8, 8, 3)", (None, 8, 8, 3), 0),
    ("layers.Rescaling(1/255, offset=-1)", "(5,)", (None, 5), 0),
    ("layers.Rescaling([1.0, 2.0, 3.0])", "(4, 4, 3)", (None, 4, 4, 3), 0),
    ("layers.Normalization()", "(8, 8, 3)", (None, 8, 8, 3), 7),
    ("layers.Normalization()", "(5,)", (None, 5), 11),
    ("layers.Normalization(axis=None)", "(8, 8, 3)", (None, 8, 8, 3), 3),
    ("layers.Normalization(axis=(1, 2))", "(8, 6, 3)", (None, 8, 6, 3), 97),
    ("layers.Normalization(axis=1)", "(8, 6, 3)", (None, 8, 6, 3), 17),
    ("layers.Normalization(axis=(-1, 1))", "(8, 6, 3)", (None, 8, 6, 3), 49),
    ("layers.Normalization(invert=True)", "(8, 6, 3)", (None, 8, 6, 3), 7),
    ("layers.Normalization(mean=0.5, variance=2.0)", "(8, 6, 3)", (None, 8, 6, 3), 0),
    ("layers.Normalization(mean=[1., 2., 3.], variance=[1., 1., 1.])", "(8, 6, 3)",
     (None, 8, 6, 3), 0),
    ("layers.Normalization(axis=[1, 2], mean=[[1.]], variance=[[1.]])", "(8, 6, 3)",
     (None, 8, 6, 3), 0),
    ("layers.Normalization(axis=(1, -1))", "(1,)", (None, 1), 3),
    ("layers.Resizing(4, 5)", "(8, 6, 3)", (None, 4, 5, 3), 0),
    ("layers.Resizing(16, 16, interpolation='bicubic', crop_to_aspect_ratio=True)",
     "(8, 6, 3)", (None, 16, 16, 3), 0),
    ("layers.Resizing(4, 5, interpolation='area', pad_to_aspect_ratio=True)", "(8, 6, 3)",
     (None, 4, 5, 3), 0),
    ("layers.Resizing(4, 5, data_format='channels_first')", "(3, 8, 6)", (None, 3, 4, 5), 0),
    ("layers.Resizing(4, 5)", "(8, 6)", (4, 5, 6), 0),  # 3-D: one image, batch = height
    ("layers.CenterCrop(4, 5)", "(8, 6, 3)", (None, 4, 5, 3), 0),
    ("layers.CenterCrop(10, 5)", "(8, 6, 3)", (None, 10, 5, 3), 0),  # resized
    ("layers.CenterCrop(0, 6)", "(8, 6, 3)", (None, 0, 6, 3), 0),
    ("layers.CenterCrop(3, 3, data_format='channels_first')", "(2, 8, 6)", (None, 2, 3, 3), 0),
    ("layers.RandomCrop(4, 5, 42)", "(8, 6, 3)", (None, 4, 5, 3), 0),
    ("layers.RandomCrop(10, 5)", "(8, 6, 3)", (None, 10, 5, 3), 0),
    ("layers.RandomCrop(0, 5)", "(8, 6, 3)", (None, 0, 5, 3), 0),
    ("layers.RandomFlip()", "(8, 6, 3)", (None, 8, 6, 3), 0),
    ("layers.RandomFlip('foo')", "(8, 6, 3)", (None, 8, 6, 3), 0),  # mode is not checked
    ("layers.RandomRotation(0.2)", "(8, 6)", (None, 8, 6), 0),
    ("layers.RandomRotation(None)", "(8, 6, 3)", (None, 8, 6, 3), 0),
    ("layers.RandomRotation((-3.0, 2.0))", "(8, 6, 3)", (None, 8, 6, 3), 0),
    ("layers.RandomZoom(1.0, (-0.5, 0.5))", "(8, 6, 3)", (None, 8, 6, 3), 0),
    ("layers.RandomTranslation(-1.0, 1.0, fill_mode='wrap')", "(8, 6, 3)", (None, 8, 6, 3), 0),
    ("layers.RandomContrast((0.5, 2.0))", "(8, 6, 3)", (None, 8, 6, 3), 0),
    ("layers.RandomContrast(0.2, value_range=(1, 2, 3))", "(8, 6, 3)", (None, 8, 6, 3), 0),
    ("layers.RandomBrightness((-2.0, 2.0), value_range=(1, 0))", "(8, 6, 3)",
     (None, 8, 6, 3), 0),
    ("layers.Masking(mask_value=-1)", "(5, 3)", (None, 5, 3), 0),
    ("layers.ActivityRegularization(0.01, 0.02)", "(5,)", (None, 5), 0),
])
def test_shapes_and_weights(line, input_shape, shape, non_trainable):
    layer = one("keras", input_shape, line)
    assert layer.output_shape == shape
    assert (layer.trainable, layer.non_trainable, layer.macs) == (0, non_trainable, 0)


@pytest.mark.parametrize("line, input_shape, match", [
    ("layers.Rescaling('a')", "(5,)", r"scale must be a number or an array.*'a'"),
    ("layers.Rescaling([1.0, 2.0])", "(4, 4, 3)",
     r"scale of shape \(2,\) does not broadcast against the input \(None, 4, 4, 3\)"),
    ("layers.Normalization(axis=0)", "(8, 6, 3)", r"axis 0 is the batch axis"),
    ("layers.Normalization(axis=-4)", "(8, 6, 3)", r"axis 0 is the batch axis"),
    ("layers.Normalization(axis=4)", "(8, 6, 3)", r"axis 4 is out of range for 4-D input"),
    ("layers.Normalization(axis=-5)", "(8, 6, 3)", r"axis -5 is out of range.*-4 to 3"),
    ("layers.Normalization(axis=2.0)", "(8, 6, 3)", r"axis must be an int, None or a tuple"),
    ("layers.Normalization(axis=(1, 1))", "(8, 6, 3)", r"names axis 1 more than once"),
    ("layers.Normalization(mean=0.5)", "(8, 6, 3)", r"mean and variance must be given together"),
    ("layers.Normalization(mean=[1., 2.], variance=1.)", "(8, 6, 3)",
     r"same shape, got \(2,\) and \(\)"),
    ("layers.Normalization(mean=[[1., 2.]], variance=[[1., 1.]])", "(8, 6, 3)",
     r"mean has 2 axes \(\(1, 2\)\) but axis keeps 1"),
    ("layers.Normalization(mean=[1., 2.], variance=[1., 1.])", "(8, 6, 3)",
     r"axis 3 has size 3, the mean 2"),
    ("layers.Normalization(axis=1, mean=[1.,2.,3.], variance=[1.,1.,1.])", "(8, 6, 3)",
     r"axis 1 has size 8, the mean 3"),
    ("layers.Resizing(4, 5)", "(8,)", r"expects images.*got 2-D input of shape \(None, 8\)"),
    ("layers.Resizing(4, 5)", "(8, 6, 3, 2)", r"got 5-D input"),
    ("layers.Resizing(0, 5)", "(8, 6, 3)", r"height must be at least 1.*got 0"),
    ("layers.Resizing(4.0, 5)", "(8, 6, 3)", r"height must be an integer, got 4.0"),
    ("layers.Resizing(4, 5, interpolation='gaussian')", "(8, 6, 3)",
     r"interpolation must be one of .*'area', got 'gaussian'"),
    ("layers.Resizing(4, 5, fill_mode='reflect')", "(8, 6, 3)",
     r"fill_mode must be 'constant'.*got 'reflect'"),
    ("layers.Resizing(4, 5, pad_to_aspect_ratio=True, crop_to_aspect_ratio=True)", "(8, 6, 3)",
     r"only one of crop_to_aspect_ratio and pad_to_aspect_ratio"),
    ("layers.Resizing(4, 5, data_format='foo')", "(3, 8, 6)", r"data_format must be one of"),
    ("layers.CenterCrop(-2, 6)", "(8, 6, 3)", r"height must be at least 0.*got -2"),
    ("layers.CenterCrop(4, 5)", "(8, 6, 3, 2)", r"got 5-D input"),
    ("layers.CenterCrop(0, 2)", "(1, 1, 1)", r"height 0 cannot be reached by resizing"),
    ("layers.RandomCrop(4, 5)", "(8,)", r"got 2-D input"),
    ("layers.RandomCrop(4, 5)", "(8, 6, 3, 2)", r"got 5-D input"),
    ("layers.RandomFlip()", "(8, 6, 3, 2)", r"got 5-D input"),
    ("layers.RandomRotation(1.5)", "(8, 6, 3)", r"factor must be .* \[-1, 1\], got 1.5"),
    ("layers.RandomRotation((0.1, 0.3, 0.4))", "(8, 6, 3)", r"factor must be"),
    ("layers.RandomRotation((2.0, 3.0))", "(8, 6, 3)", r"got \(2.0, 3.0\)"),
    ("layers.RandomRotation('a')", "(8, 6, 3)", r"factor must be"),
    ("layers.RandomRotation(0.2, fill_mode='foo')", "(8, 6, 3)",
     r"fill_mode must be one of 'reflect', 'wrap', 'constant', 'nearest'"),
    ("layers.RandomRotation(0.2, interpolation='bicubic')", "(8, 6, 3)",
     r"interpolation must be one of 'nearest', 'bilinear', got 'bicubic'"),
    ("layers.RandomRotation(0.2)", "(8,)", r"got 2-D input"),
    ("layers.RandomZoom(-1.0)", "(8, 6, 3)", r"height_factor must be .* \(-1, 1\], got -1.0"),
    ("layers.RandomZoom((0.5, -1.0))", "(8, 6, 3)", r"height_factor"),
    ("layers.RandomZoom((0.5,))", "(8, 6, 3)", r"height_factor must be"),
    ("layers.RandomZoom(0.2, 1.2)", "(8, 6, 3)", r"width_factor must be .* got 1.2"),
    ("layers.RandomZoom(0.2, interpolation='area')", "(8, 6, 3)", r"interpolation must be"),
    ("layers.RandomTranslation(1.1, 0.3)", "(8, 6, 3)", r"height_factor .* \[-1, 1\], got 1.1"),
    ("layers.RandomTranslation(0.2, 0.3, fill_mode='mirror')", "(8, 6, 3)", r"fill_mode"),
    ("layers.RandomTranslation(0.2, 0.3)", "(8,)", r"got 2-D input"),
    ("layers.RandomContrast(-0.2)", "(8, 6, 3)", r"factor must be .* \[0, 1\], got -0.2"),
    ("layers.RandomContrast((-2.0, -1.0))", "(8, 6, 3)", r"factor must be"),
    ("layers.RandomContrast(None)", "(8, 6, 3)", r"factor must be"),
    ("layers.RandomContrast(0.2, value_range=5)", "(8, 6, 3)", r"value_range must be a pair"),
    ("layers.RandomBrightness(1.5)", "(8, 6, 3)", r"factor must be .* \[-1, 1\], got 1.5"),
    ("layers.RandomBrightness(0.2, value_range=(1, 2, 3))", "(8, 6, 3)",
     r"value_range must be a pair of numbers \(low, high\), got \(1, 2, 3\)"),
    ("layers.RandomBrightness(0.2)", "(8, 6, 3, 2)", r"got 5-D input"),
    ("layers.Masking('a')", "(5, 3)", r"mask_value must be a number"),
    ("layers.ActivityRegularization(l1=-1)", "(5,)", r"l1 must be a non-negative number, got -1"),
    ("layers.ActivityRegularization(activity_regularizer='l2')", "(5,)",
     r"activity_regularizer cannot be given"),
])
def test_refusals(line, input_shape, match):
    refused("keras", input_shape, line, match=match)


def test_receptive_fields():
    """Per-pixel layers keep the field; crops shift it by the centred offset; resampling
    layers (resize, rotation, zoom, translation, contrast's image mean) make it global."""
    crop = one("keras", "(8, 6, 3)", "layers.CenterCrop(4, 5)")
    assert [(f.size, f.jump, f.start) for f in crop.receptive_field] == [(1, 1, 2), (1, 1, 0)]
    random_crop = one("keras", "(8, 6, 3)", "layers.RandomCrop(2, 2)")
    assert [f.start for f in random_crop.receptive_field] == [3, 2]
    assert one("keras", "(8, 6, 3)", "layers.CenterCrop(10, 5)").receptive_field is None
    for line in ("layers.Resizing(4, 5)", "layers.RandomRotation(0.2)",
                 "layers.RandomZoom(0.2)", "layers.RandomTranslation(0.1, 0.1)",
                 "layers.RandomContrast(0.2)"):
        assert one("keras", "(8, 6, 3)", line).receptive_field is None, line
    report = analyze_text("convention: keras\ninput: (8, 8, 3)\nlayers.Conv2D(4, 3)\n"
                          "layers.RandomFlip()\nlayers.Rescaling(0.5)\n"
                          "layers.RandomBrightness(0.1)\n")
    assert [(f.size, f.start) for f in report.layers[-1].receptive_field] == [(3, 1), (3, 1)]


def test_symbolic_sizes():
    layer = one("keras", "(H, W, 3)", "layers.CenterCrop(h, w)")
    assert [str(d) for d in layer.output_shape[1:]] == ["h", "w", "3"]
    norm = one("keras", "(T, C)", "layers.Normalization()")
    assert str(norm.non_trainable) == "2*C + 1"


@pytest.mark.parametrize("line, shapes, shape, trainable, macs", [
    ("layers.Attention()", ((5, 8), (7, 8)), (None, 5, 8), 0, 5 * 7 * 8 * 2),
    ("layers.Attention(use_scale=True)", ((5, 8), (7, 8)), (None, 5, 8), 1, 560),
    ("layers.Attention(score_mode='concat')", ((5, 8), (7, 8)), (None, 5, 8), 1, 280),
    ("layers.Attention(use_scale=True, score_mode='concat')", ((5, 8), (7, 8)),
     (None, 5, 8), 2, 280),
    ("layers.Attention()", ((5, 8), (7, 6), (7, 8)), (None, 5, 6), 0, 5 * 7 * (8 + 6)),
    ("layers.Attention(score_mode='concat')", ((5, 1), (7, 8)), (None, 5, 8), 1, 280),
    ("layers.Attention(dropout=1.5)", ((5, 8), (7, 8)), (None, 5, 8), 0, 560),  # unchecked
    ("layers.Attention()", ((8,), (8,)), (None, 8), 0, 16),  # batch acts as time
    ("layers.Attention()", ((3, 5, 8), (3, 7, 8)), (None, 3, 5, 8), 0, 3 * 560),
    ("layers.AdditiveAttention()", ((5, 8), (7, 8)), (None, 5, 8), 8, 280),
    ("layers.AdditiveAttention(use_scale=False)", ((5, 8), (7, 8)), (None, 5, 8), 0, 280),
    ("layers.AdditiveAttention()", ((5, 8), (7, 6), (7, 1)), (None, 5, 6), 8, 210),
    ("layers.AdditiveAttention()", ((5, 1), (7, 6), (7, 8)), (None, 5, 6), 1, 210),
    ("layers.AdditiveAttention(score_mode='dot', seed=1)", ((5, 8), (7, 8)), (None, 5, 8), 8,
     280),
])
def test_attention(line, shapes, shape, trainable, macs):
    report = analyze_text(functional(line, *shapes))
    assert not report.errors, str(report.errors[0])
    layer = report.layers[-1]
    assert (layer.output_shape, layer.trainable, layer.non_trainable) == (shape, trainable, 0)
    assert layer.macs == macs
    assert layer.receptive_field is None


@pytest.mark.parametrize("line, shapes, match", [
    ("layers.Attention()", ((5, 8), (7, 6)), r"query's features \(8\) must equal the key's \(6\)"),
    ("layers.Attention()", ((5, 8), (7, 6), (6, 8)),
     r"same number of time steps, got value \(None, 7, 6\) and key \(None, 6, 8\)"),
    ("layers.Attention(score_mode='concat')", ((5, 8), (7, 6)),
     r"features \(8\) and the key's \(6\) must be equal or 1"),
    ("layers.Attention()", ((5, 8), (7, 8), (7, 8), (7, 8)), r"accepts 2 or 3 inputs.*got 4"),
    ("layers.Attention(score_mode='add')", ((5, 8), (7, 8)),
     r"score_mode must be one of 'dot', 'concat', got 'add'"),
    ("layers.Attention()", ((3, 5, 8), (2, 7, 8)), r"axis 1 does not broadcast"),
    ("layers.Attention()", ((5, 8), (3, 7, 8)), r"query and value must have the same rank"),
    ("layers.AdditiveAttention()", ((5, 8), (7, 6), (7, 4)), r"must be equal or 1"),
    ("layers.AdditiveAttention(score_mode='foo')", ((5, 8), (7, 8)), r"score_mode"),
])
def test_attention_refusals(line, shapes, match):
    report = analyze_text(functional(line, *shapes))
    assert report.errors
    assert pytest.importorskip("re").search(match, str(report.errors[0])), str(report.errors[0])


def test_attention_needs_a_list():
    refused("keras", "(5, 8)", "layers.Attention()",
            match=r"must be called on a list of inputs, \[query, value\]")
