"""Recurrent layers: RNN/LSTM/GRU and their cells (PyTorch), SimpleRNN/LSTM/GRU,
Bidirectional and TimeDistributed (Keras).

G is the number of gates: 1 (RNN), 3 (GRU), 4 (LSTM); H the hidden size (Keras: units);
I the input features; T the sequence length; B the batch.

PyTorch (nn.RNN/LSTM/GRU): per layer l and direction, W_ih is G·H × I_l, W_hh is G·H × H_r
and, with bias, two bias vectors b_ih and b_hh of G·H each (the second one exists for
cuDNN compatibility). H_r = proj_size when proj_size > 0 (LSTM only), which adds W_hr
(P × H); otherwise H_r = H. I_0 = input_size, I_l = D·H_r for l > 0 (D = 2 when
bidirectional). The output (the first element of the returned tuple) is (T, B, D·H_r),
(B, T, D·H_r) with batch_first, or (T, D·H_r) for an unbatched (T, I) input.
MACs: T·B·(elements of W_ih + W_hh (+ W_hr)) per layer and direction: the matmuls that
torch.utils.flop_counter.FlopCounterMode counts (biases and gate nonlinearities count 0).
nn.LSTM on CPU runs oneDNN's fused kernel, which FlopCounterMode does not see (it reports
0); we report the count of the native path, which is what it reports with
torch.backends.mkldnn.flags(enabled=False) and on GPU.
Cells (nn.RNNCell/LSTMCell/GRUCell): one step on (B, I) or (I,); the output is the new
hidden state h, (B, H) or (H,); params G·H·(I + H) + 2·G·H; MACs B·G·H·(I + H).

Keras: input (B, T, I), 3-D only. Params: SimpleRNN u·(I + u) + u; LSTM 4u·(I + u) + 4u;
GRU 3u·(I + u) + 6u with reset_after=True (the default: separate input and recurrent
biases) or + 3u with reset_after=False. The output is (B, u), or (B, T, u) with
return_sequences; with return_state the layer returns a list whose first element is that
output, and that is the shape we report. MACs per sample: T·G·u·(I + u) (kernel and
recurrent kernel matmuls at every step; the batch None counts as one sample).
Bidirectional runs a forward and a backward copy (or the given backward_layer): params
add up; merge_mode 'concat' joins the last axes, 'sum'/'mul'/'ave' keep them, None returns
both outputs (we report the first). TimeDistributed applies the inner layer to every
step: the inner rule sees the shape without the time axis.

Receptive field: every output step may depend on every input step (GLOBAL).
"""

from __future__ import annotations


from shapecalc import algebra
from shapecalc.algebra import total
from shapecalc.layers.base import (
    GLOBAL,
    KERAS,
    PYTORCH,
    Call,
    LayerResult,
    Window,
    batch_of,
    keras_signature,
    register,
    signature,
)

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}

# -- PyTorch --------------------------------------------------------------------------------

# torch declares RNN/LSTM/GRU as (*args, **kwargs) and forwards to RNNBase; these are the
# documented signatures, which bind exactly as that forwarding does (RNN reads a 4th
# positional argument as nonlinearity; proj_size is a keyword of LSTM only).
_TORCH_RECURRENT = {
    "RNN": signature("RNN", "input_size", "hidden_size", num_layers=1, nonlinearity="tanh",
                     bias=True, batch_first=False, dropout=0.0, bidirectional=False,
                     device=None, dtype=None),
    "LSTM": signature("LSTM", "input_size", "hidden_size", num_layers=1, bias=True,
                      batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                      device=None, dtype=None),
    "GRU": signature("GRU", "input_size", "hidden_size", num_layers=1, bias=True,
                     batch_first=False, dropout=0.0, bidirectional=False, device=None,
                     dtype=None),
}


def _strict_bool(call: Call, name: str) -> bool:
    """RNNBase checks isinstance(value, bool): 0 and 1 are refused."""
    value = call[name]
    if not isinstance(value, bool):
        call.fail(f"{name} should be of type bool, got {algebra.show(value)}", at=name)
    return value


def _torch_dropout(call: Call) -> None:
    value = call["dropout"]
    number = not isinstance(value, bool) and (
        isinstance(value, (int, float)) or algebra.is_symbolic(value))
    if not number or algebra.truth(value >= 0) is False or algebra.truth(value <= 1) is False:
        call.fail(f"dropout should be a number in range [0, 1] representing the probability "
                  f"of an element being zeroed, got {algebra.show(value)}", at="dropout")


def _positive_size(call: Call, name: str) -> object:
    value = call.int(name)
    call.require(value > 0, lambda: f"{name} must be greater than zero, got {value}", at=name)
    return value


def recurrent_weight_elements(gates, input_size, hidden, proj, num_layers, directions):
    """Elements of the weight matrices (W_ih, W_hh, W_hr) summed over layers and
    directions: the MACs per time step and sample."""
    out = proj if algebra.truth(proj > 0) else hidden
    first = gates * hidden * input_size
    later = gates * hidden * directions * out
    per_layer = gates * hidden * out + (proj * hidden if algebra.truth(proj > 0) else 0)
    return directions * (first + (num_layers - 1) * later + num_layers * per_layer)


def _torch_recurrent(kind: str):
    gates = GATES[kind]

    @register(PYTORCH, _TORCH_RECURRENT[kind])
    def recurrent(call: Call, x: tuple) -> LayerResult:
        if kind == "RNN":
            call.choice("nonlinearity", ("tanh", "relu"))
        _torch_dropout(call)
        bias = _strict_bool(call, "bias")
        batch_first = _strict_bool(call, "batch_first")
        input_size = _positive_size(call, "input_size")
        hidden = _positive_size(call, "hidden_size")
        num_layers = _positive_size(call, "num_layers")
        directions = 2 if call.flag("bidirectional") else 1
        proj = call.int("proj_size") if kind == "LSTM" else 0
        if kind == "LSTM":
            call.require(proj >= 0, lambda: "proj_size should be a positive integer or zero "
                         f"to disable projections, got {proj}", at="proj_size")
            call.require(proj < hidden, lambda: f"proj_size has to be smaller than "
                         f"hidden_size ({proj} ≥ {hidden})", at="proj_size")
        projected = algebra.truth(proj > 0) is True
        out = proj if projected else hidden
        weights = recurrent_weight_elements(gates, input_size, hidden, proj, num_layers,
                                            directions)
        params = weights + (directions * num_layers * 2 * gates * hidden if bias else 0)

        # forward
        if len(x) not in (2, 3):
            call.fail(f"{kind}: expected input to be 2D (unbatched: sequence, features) or "
                      f"3D (batched), got {len(x)}D input of shape {algebra.show_shape(x)}")
        features = x[-1]
        call.require(features == input_size, lambda: (
            f"input.size(-1) must be equal to input_size: expected {input_size}, got "
            f"{features} (input shape {algebra.show_shape(x)})"))
        if len(x) == 2:
            steps, batch = x[0], 1
            shape = (steps, directions * out)
        elif batch_first:
            batch, steps = x[0], x[1]
            shape = (batch, steps, directions * out)
        else:
            steps, batch = x[0], x[1]
            shape = (steps, batch, directions * out)
        if call.explaining:
            call.explain("H_out", "D*P" if projected else "D*H", directions * out,
                         D=directions, **({"P": proj} if projected else {"H": hidden}))
            simple = num_layers == 1 and directions == 1 and not projected
            if simple:
                call.explain("params", "G*H*(I + H) + 2*G*H" if bias else "G*H*(I + H)",
                             params, counting=True, G=gates, H=hidden, I=input_size,
                             rule="W_ih, W_hh" + (", b_ih and b_hh" if bias else ""))
            else:
                call.explain("params", "W + 2*G*H*D*L" if bias else "W", params,
                             counting=True, W=weights, G=gates, H=hidden, D=directions,
                             L=num_layers, rule="W: the weight matrices' elements over "
                             "layers and directions, then b_ih and b_hh")
            call.explain("MACs", "T*N*W", steps * batch * weights, counting=True, T=steps,
                         N=batch, W=weights, rule="every weight element once per step and "
                         "sample")
        return LayerResult(shape=shape, trainable=params, macs=steps * batch * weights,
                           receptive=GLOBAL)

    return recurrent


for _kind in GATES:
    _torch_recurrent(_kind)


_TORCH_CELLS = {
    "RNN": signature("RNNCell", "input_size", "hidden_size", bias=True, nonlinearity="tanh",
                     device=None, dtype=None),
    "LSTM": signature("LSTMCell", "input_size", "hidden_size", bias=True, device=None,
                      dtype=None),
    "GRU": signature("GRUCell", "input_size", "hidden_size", bias=True, device=None,
                     dtype=None),
}


def _torch_cell(kind: str):
    gates = GATES[kind]

    @register(PYTORCH, _TORCH_CELLS[kind])
    def cell(call: Call, x: tuple) -> LayerResult:
        # RNNCellBase only allocates the weights: a negative size fails there, zero is
        # accepted (an empty weight).
        input_size = call.int("input_size")
        hidden = call.int("hidden_size")
        for name, value in (("input_size", input_size), ("hidden_size", hidden)):
            call.require(value >= 0, lambda name=name, value=value: (
                f"{name} must not be negative, got {value} (cannot create a tensor with a "
                "negative dimension)"), at=name)
        bias = call.flag("bias")
        weights = gates * hidden * (input_size + hidden)
        params = weights + (2 * gates * hidden if bias else 0)

        # forward
        if len(x) not in (1, 2):
            call.fail(f"{kind}Cell: expected input to be 1D (unbatched: features) or 2D "
                      f"(batch, features), got {len(x)}D input of shape "
                      f"{algebra.show_shape(x)}")
        if kind == "RNN":
            call.choice("nonlinearity", ("tanh", "relu"))
        features = x[-1]
        call.require(features == input_size, lambda: (
            f"input has inconsistent input_size: got {features}, expected {input_size} "
            f"(input shape {algebra.show_shape(x)})"))
        batch = x[0] if len(x) == 2 else 1
        shape = (x[0], hidden) if len(x) == 2 else (hidden,)
        call.explain("H_out", "H", hidden, H=hidden)
        call.explain("params", "G*H*(I + H) + 2*G*H" if bias else "G*H*(I + H)", params,
                     counting=True, G=gates, H=hidden, I=input_size)
        call.explain("MACs", "N*G*H*(I + H)", batch * weights, counting=True, N=batch,
                     G=gates, H=hidden, I=input_size)
        return LayerResult(shape=shape, trainable=params, macs=batch * weights,
                           receptive=GLOBAL)

    return cell


for _kind in GATES:
    _torch_cell(_kind)


# -- Keras ----------------------------------------------------------------------------------

_KERAS_RNN_COMMON = dict(
    kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
    bias_initializer="zeros")
_KERAS_REGULARIZERS = dict(
    kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
    activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
    bias_constraint=None, dropout=0.0, recurrent_dropout=0.0)
_KERAS_RNN_FLAGS = dict(return_sequences=False, return_state=False, go_backwards=False,
                        stateful=False, unroll=False)

_KERAS_RECURRENT = {
    "SimpleRNN": keras_signature(
        "SimpleRNN", "units", activation="tanh", use_bias=True, **_KERAS_RNN_COMMON,
        **_KERAS_REGULARIZERS, **_KERAS_RNN_FLAGS, seed=None, zero_output_for_mask=False),
    "LSTM": keras_signature(
        "LSTM", "units", activation="tanh", recurrent_activation="sigmoid", use_bias=True,
        **_KERAS_RNN_COMMON, unit_forget_bias=True, **_KERAS_REGULARIZERS, seed=None,
        **_KERAS_RNN_FLAGS, use_cudnn="auto", zero_output_for_mask=False, implementation=2),
    "GRU": keras_signature(
        "GRU", "units", activation="tanh", recurrent_activation="sigmoid", use_bias=True,
        **_KERAS_RNN_COMMON, **_KERAS_REGULARIZERS, seed=None, **_KERAS_RNN_FLAGS,
        reset_after=True, use_cudnn="auto", zero_output_for_mask=False, implementation=2),
}
_KERAS_GATES = {"SimpleRNN": 1, "GRU": 3, "LSTM": 4}


def keras_trainable(call: Call, result: LayerResult) -> LayerResult:
    """trainable=False moves every weight to the non-trainable count."""
    if call["trainable"] is False:
        return result.replace(trainable=0,
                       non_trainable=total([result.trainable, result.non_trainable]))
    return result


def _keras_bias_vectors(kind: str, call: Call) -> int:
    """How many bias vectors of G·units: none, one, or two for GRU's reset_after."""
    if not call.flag("use_bias"):
        return 0
    return 2 if kind == "GRU" and call.flag("reset_after") else 1


def keras_recurrent_params(kind: str, call: Call, features) -> object:
    gates = _KERAS_GATES[kind]
    units = call["units"]
    return gates * units * (features + units) + _keras_bias_vectors(kind, call) * gates * units


def _keras_recurrent(kind: str):
    gates = _KERAS_GATES[kind]

    @register(KERAS, _KERAS_RECURRENT[kind])
    def recurrent(call: Call, x: tuple) -> LayerResult:
        units = call.int("units")
        call.require(units > 0, lambda: (
            f"received an invalid value for argument `units`, expected a positive "
            f"integer, got {units}"), at="units")
        if kind != "SimpleRNN" and call["use_cudnn"] not in ("auto", True, False):
            call.fail(f"invalid value for argument `use_cudnn`: expected one of 'auto', "
                      f"True, False, got {algebra.show(call['use_cudnn'])}", at="use_cudnn")
        if len(x) != 3:
            call.fail(f"expected ndim=3 input (batch, timesteps, features), found ndim="
                      f"{len(x)}: input shape {algebra.show_shape(x)}")
        batch, steps, features = x
        if call.flag("stateful") and batch is None:
            call.fail("stateful=True needs a static batch size, but the batch is None: "
                      "declare it, e.g. `Input(shape=(T, F), batch_size=32)`", at="stateful")
        params = keras_recurrent_params(kind, call, features)
        shape = (batch, steps, units) if call.flag("return_sequences") else (batch, units)
        call.flag("return_state")
        call.flag("go_backwards")
        macs = batch_of(x) * steps * gates * units * (features + units)
        if call.explaining:
            call.explain("units_out", "units", units, units=units)
            call.explain("params", "G*u*(F + u) + b*G*u", params, counting=True, G=gates,
                         u=units, F=features, b=_keras_bias_vectors(kind, call), rule="kernel, recurrent kernel and "
                         "b bias vectors (GRU reset_after: 2)")
            call.explain("MACs", "N*T*G*u*(F + u)", macs, counting=True, N=batch_of(x),
                         T=steps, G=gates, u=units, F=features)
        return keras_trainable(call, LayerResult(shape=shape, trainable=params, macs=macs,
                                                 receptive=GLOBAL))

    return recurrent


for _kind in _KERAS_GATES:
    _keras_recurrent(_kind)


_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _recurrent_inner(call: Call, name: str) -> Call:
    inner = call.nested(name)
    if inner.rule.family != "recurrent" or inner.name not in _KERAS_GATES:
        call.fail(f"{name} must be a recurrent layer (SimpleRNN, LSTM or GRU), got "
                  f"`{inner.source}`", at=name)
    return inner


@register(KERAS, keras_signature("Bidirectional", "layer", merge_mode="concat", weights=None,
                                 backward_layer=None))
def bidirectional(call: Call, x: tuple) -> LayerResult:
    merge_mode = call["merge_mode"]
    if merge_mode not in _MERGE_MODES:
        call.fail(f"invalid merge mode {algebra.show(merge_mode)!s}: merge_mode should be "
                  f"one of 'sum', 'mul', 'ave', 'concat', None", at="merge_mode")
    forward = _recurrent_inner(call, "layer")
    backward = None
    if call["backward_layer"] is None and forward.flag("go_backwards"):
        call.fail("forward layer and backward layer should have different `go_backwards` "
                  "values: the backward copy runs with go_backwards=True, so the wrapped "
                  "layer must have go_backwards=False", at="layer")
    if call["backward_layer"] is not None:
        backward = _recurrent_inner(call, "backward_layer")
        _check_backward_layer(call, forward, backward)
    fwd = forward.rule.apply(forward, x)
    bwd = fwd if backward is None else backward.rule.apply(backward, x)
    shape = fwd.shape
    if merge_mode == "concat":
        shape = (*fwd.shape[:-1], total([fwd.shape[-1], bwd.shape[-1]]))
    elif merge_mode is not None:
        call.require(fwd.shape[-1] == bwd.shape[-1], lambda: (
            f"merge_mode={merge_mode!r} needs the forward and backward outputs to have the "
            f"same size, got {fwd.shape[-1]} and {bwd.shape[-1]}"), at="merge_mode")
    if call.explaining:
        call.explain("units_out", "u_f + u_b" if merge_mode == "concat" else "u_f",
                     shape[-1], u_f=fwd.shape[-1], u_b=bwd.shape[-1],
                     rule=f"merge_mode={merge_mode!r}")
        call.explain("params", "forward + backward", total([fwd.trainable, bwd.trainable,
                                                           fwd.non_trainable,
                                                           bwd.non_trainable]),
                     counting=True, forward=fwd.trainable + fwd.non_trainable,
                     backward=bwd.trainable + bwd.non_trainable)
        call.explain("MACs", "forward + backward", total([fwd.macs, bwd.macs]), counting=True,
                     forward=fwd.macs, backward=bwd.macs)
    return keras_trainable(call, LayerResult(
        shape=shape,
        trainable=total([fwd.trainable, bwd.trainable]),
        non_trainable=total([fwd.non_trainable, bwd.non_trainable]),
        macs=total([fwd.macs, bwd.macs]),
        receptive=GLOBAL,
    ))


def _check_backward_layer(call: Call, forward: Call, backward: Call) -> None:
    """Bidirectional._verify_layer_config: opposite directions, same output kind."""
    if forward.flag("go_backwards") == backward.flag("go_backwards"):
        call.fail(f"forward layer and backward layer should have different `go_backwards` "
                  f"values: both are {forward.flag('go_backwards')} (set go_backwards=True "
                  f"on the backward layer)", at="backward_layer")
    for attribute in ("stateful", "return_sequences", "return_state"):
        if forward.flag(attribute) != backward.flag(attribute):
            call.fail(f"forward layer and backward layer are expected to have the same "
                      f"value for attribute `{attribute}`, got {forward.flag(attribute)} "
                      f"and {backward.flag(attribute)}", at="backward_layer")


@register(KERAS, keras_signature("TimeDistributed", "layer"))
def time_distributed(call: Call, x: tuple) -> LayerResult:
    inner = call.nested("layer")
    if len(x) < 3:
        call.fail(f"TimeDistributed needs an input of at least rank 3 (batch, time, ...), "
                  f"got shape {algebra.show_shape(x)}")
    batch, steps = x[0], x[1]
    result = inner.rule.apply(inner, (batch, *x[2:]))
    receptive = result.receptive
    if isinstance(receptive, Window):  # the time axis is untouched: a window of 1
        receptive = Window((1, *receptive.kernels), (1, *receptive.strides),
                           (0, *receptive.paddings))
    return keras_trainable(call, LayerResult(
        shape=(result.shape[0], steps, *result.shape[1:]),
        trainable=result.trainable,
        non_trainable=result.non_trainable,
        macs=steps * result.macs,
        receptive=receptive,
        conditions=result.conditions,
    ))
