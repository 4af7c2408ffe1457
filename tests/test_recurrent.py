"""Recurrent layers. Expected values were obtained by running the layers in torch 2.13.0
(CPU; FLOPs from FlopCounterMode, nn.LSTM with torch.backends.mkldnn.flags(enabled=False))
and Keras 3.15.1 on TensorFlow 2.21.0 (functional model on keras.Input, then called on
zeros), and are kept here as literals."""

from __future__ import annotations

import pytest

from tests.helpers import analyze, one, refused


@pytest.mark.parametrize("line, input_shape, shape, params, macs", [
    ("nn.RNN(4, 6)", "(5, 3, 4)", (5, 3, 6), 72, 900),
    ("nn.RNN(4, 6, 2, bidirectional=True)", "(5, 3, 4)", (5, 3, 12), 384, 5040),
    ("nn.GRU(4, 6, 2, bias=False, batch_first=True)", "(3, 5, 4)", (3, 5, 6), 396, 5940),
    ("nn.LSTM(4, 6)", "(5, 3, 4)", (5, 3, 6), 288, 3600),
    ("nn.LSTM(4, 6, 2, bidirectional=True, proj_size=3)", "(5, 3, 4)", (5, 3, 6), 1032, 12600),
    # unbatched (T, F)
    ("nn.LSTM(4, 6, 2)", "(5, 4)", (5, 6), 624, 2640),
    # RNN's 4th positional argument is nonlinearity
    ("nn.RNN(4, 6, 1, 'relu')", "(5, 3, 4)", (5, 3, 6), 72, 900),
    ("nn.RNNCell(4, 6)", "(3, 4)", (3, 6), 72, 180),
    ("nn.LSTMCell(4, 6)", "(4,)", (6,), 288, 240),
    ("nn.GRUCell(4, 6)", "(3, 4)", (3, 6), 216, 540),
    ("nn.RNNCell(4, 0)", "(3, 4)", (3, 0), 0, 0),
])
def test_torch_recurrent(line, input_shape, shape, params, macs):
    layer = one("pytorch", input_shape, line)
    assert layer.output_shape == shape
    assert layer.params == params
    assert layer.buffers == 0
    assert layer.macs == macs
    assert layer.flops == 2 * macs
    assert layer.receptive_field is None  # global


@pytest.mark.parametrize("line, input_shape, match", [
    ("nn.LSTM(4, 6)", "(5, 3, 5)", r"input_size: expected 4, got 5"),
    ("nn.GRU(4, 6)", "(2, 5, 3, 4)", r"expected input to be 2D .* or 3D .* got 4D"),
    ("nn.RNN(4, 6, bias=1)", "(5, 3, 4)", r"bias should be of type bool"),
    ("nn.RNN(4, 6, nonlinearity='gelu')", "(5, 3, 4)", r"nonlinearity must be one of 'tanh', 'relu'"),
    ("nn.LSTM(4, 6, proj_size=6)", "(5, 3, 4)", r"proj_size has to be smaller than hidden_size \(6 ≥ 6\)"),
    ("nn.LSTM(4, 6, num_layers=0)", "(5, 3, 4)", r"num_layers must be greater than zero, got 0"),
    ("nn.GRU(4, 6, dropout=1.5)", "(5, 3, 4)", r"dropout should be a number in range \[0, 1\]"),
    ("nn.GRUCell(4, 6)", "(3, 5)", r"inconsistent input_size: got 5, expected 4"),
    ("nn.RNNCell(4, 6)", "(2, 3, 4)", r"expected input to be 1D .* or 2D"),
])
def test_torch_refusals(line, input_shape, match):
    refused("pytorch", input_shape, line, match=match)


def test_torch_gru_has_no_proj_size():
    refused("pytorch", "(5, 3, 4)", "nn.GRU(4, 6, proj_size=2)", match="proj_size")


@pytest.mark.parametrize("line, input_shape, shape, params", [
    ("layers.SimpleRNN(5)", "(4, 3)", (None, 5), 45),
    ("layers.LSTM(64, return_sequences=True)", "(10, 8)", (None, 10, 64), 18_688),
    ("layers.GRU(3)", "(5, 2)", (None, 3), 63),                      # reset_after: 6u bias
    ("layers.GRU(3, reset_after=False)", "(5, 2)", (None, 3), 54),
    ("layers.LSTM(3, use_bias=False)", "(5, 2)", (None, 3), 60),
    ("layers.LSTM(5, return_state=True)", "(2, 2)", (None, 5), 160),  # first output
    ("layers.Bidirectional(layers.LSTM(5, return_state=True, unroll=True), "
     "merge_mode='concat')", "(2, 2)", (None, 10), 320),
    ("layers.Bidirectional(layers.GRU(2, return_sequences=True), merge_mode='ave')",
     "(2, 5)", (None, 2, 2), 108),
    ("layers.Bidirectional(layers.GRU(5, use_bias=False), merge_mode=None)", "(5, 1)",
     (None, 5), 180),
    ("layers.TimeDistributed(layers.Dense(3))", "(5, 2)", (None, 5, 3), 9),
    ("layers.TimeDistributed(layers.Conv2D(4, 3))", "(5, 8, 8, 2)", (None, 5, 6, 6, 4), 76),
])
def test_keras_recurrent(line, input_shape, shape, params):
    layer = one("keras", input_shape, line)
    assert layer.output_shape == shape
    assert layer.params == params
    assert layer.non_trainable == 0


def test_keras_macs_count_kernel_and_recurrent_matmuls_per_step():
    layer = one("keras", "(10, 8)", "layers.LSTM(64)")
    assert layer.macs == 10 * 4 * 64 * (8 + 64)
    layer = one("keras", "(10, 8)", "layers.Bidirectional(layers.GRU(4))")
    assert layer.macs == 2 * 10 * 3 * 4 * (8 + 4)


def test_keras_stateful_needs_a_batch():
    refused("keras", "(5, 2)", "layers.LSTM(3, stateful=True)",
            match="stateful=True needs a static batch size")
    report = analyze("keras", "Input(shape=(5, 2), batch_size=4)",
                     "layers.LSTM(3, stateful=True)")
    assert report.layers[0].output_shape == (4, 3)


def test_keras_trainable_false_moves_weights():
    layer = one("keras", "(5, 2)", "layers.LSTM(3, trainable=False)")
    assert (layer.trainable, layer.non_trainable) == (0, 72)


@pytest.mark.parametrize("line, input_shape, match", [
    ("layers.LSTM(3)", "(5,)", r"expected ndim=3 input .* found ndim=2"),
    ("layers.LSTM(-2)", "(5, 2)", r"expected a positive integer, got -2"),
    ("layers.LSTM(3, use_cudnn='x')", "(5, 2)", r"use_cudnn"),
    ("layers.SimpleRNN(3, implementation=1)", "(5, 2)", r"no argument `implementation`"),
    ("layers.Bidirectional(layers.LSTM(3), merge_mode='max')", "(5, 2)", r"invalid merge mode"),
    ("layers.Bidirectional(layers.Dense(3))", "(5, 2)", r"must be a recurrent layer"),
    ("layers.Bidirectional(layers.LSTM(3, go_backwards=True))", "(5, 2)",
     r"different `go_backwards`"),
    ("layers.Bidirectional(layers.LSTM(3), backward_layer=layers.LSTM(3))", "(5, 2)",
     r"different `go_backwards`"),
    ("layers.Bidirectional(layers.LSTM(3), backward_layer=layers.LSTM(3, go_backwards=True, "
     "return_sequences=True))", "(5, 2)", r"same value for attribute `return_sequences`"),
    # symbolic Keras gives (None, 3); the call fails on the 3 + 4 mismatch
    ("layers.Bidirectional(layers.LSTM(3), backward_layer=layers.LSTM(4, go_backwards=True), "
     "merge_mode='sum')", "(5, 2)", r"same size, got 3 and 4"),
    ("layers.TimeDistributed(layers.Dense(3))", "(5,)", r"at least rank 3"),
])
def test_keras_refusals(line, input_shape, match):
    refused("keras", input_shape, line, match=match)


def test_keras_bidirectional_with_wider_backward_layer_concatenates_both():
    """Keras' symbolic shape says (None, 5, 6) (forward size doubled), but the call
    returns 3 + 4 = 7 features: we report what the layer computes."""
    layer = one("keras", "(5, 2)", "layers.Bidirectional(layers.LSTM(3, return_sequences=True), "
                "backward_layer=layers.LSTM(4, return_sequences=True, go_backwards=True))")
    assert layer.output_shape == (None, 5, 7)
    assert layer.params == 184


def test_symbolic_sequence_length():
    report = analyze("pytorch", "(T, B, 4)", "nn.GRU(4, 8, bidirectional=True)")
    layer = report.layers[0]
    assert [str(d) for d in layer.output_shape] == ["T", "B", "16"]
    assert str(layer.macs) == "576*B*T"  # 2·3·8·(4 + 8) per step and sample
    assert layer.params == 2 * (3 * 8 * (4 + 8) + 2 * 3 * 8)
