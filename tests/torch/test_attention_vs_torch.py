"""nn.MultiheadAttention against real PyTorch: random configurations, valid and invalid.

The harness feeds one tensor, but MultiheadAttention.forward takes (query, key, value),
so this file runs both sides itself: PyTorch on three tensors (the same one three times
for self-attention), shapecalc on a spec that names the three inputs and applies the
layer to them (or, for self-attention, on a one-layer chain). Train mode, as after
construction; FLOPs from FlopCounterMode.
"""

from __future__ import annotations

import warnings

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.torch.harness import Facts, FlopCounterMode, facts_of_spec, torch


def torch_attention_facts(line: str, shapes: tuple) -> Facts:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = eval(line, {"nn": torch.nn})  # test-side only: our own fixture
            tensors = [torch.randn(s) for s in shapes]
            if len(tensors) == 1:
                tensors = tensors * 3
            with FlopCounterMode(display=False) as counter:
                out = module(*tensors)[0]
    except Exception as error:  # the framework's refusal is the fact we record
        return Facts(error=f"{type(error).__name__}: {error}")
    return Facts(shape=tuple(out.shape),
                 params=sum(p.numel() for p in module.parameters()),
                 buffers=sum(b.numel() for b in module.buffers()),
                 flops=counter.get_total_flops())


def attention_spec(line: str, shapes: tuple) -> str:
    if len(shapes) == 1:
        return f"convention: pytorch\ninput: {shapes[0]}\n{line}\n"
    names = ["q", "k", "v"][:len(shapes)]
    inputs = "".join(f"{n} = torch.randn{s}\n" for n, s in zip(names, shapes))
    return f"convention: pytorch\n{inputs}out = {line}({', '.join(names)})\n"


def shapecalc_attention_facts(line: str, shapes: tuple) -> Facts:
    return facts_of_spec(attention_spec(line, shapes))


def assert_attention_agrees(line: str, shapes: tuple) -> Facts:
    theirs = torch_attention_facts(line, shapes)
    ours = shapecalc_attention_facts(line, shapes)
    context = f"{line} on {shapes}"
    if theirs.error:
        assert ours.error, f"{context}: torch refuses ({theirs.error}) but shapecalc gives {ours}"
        return theirs
    assert not ours.error, f"{context}: torch gives {theirs} but shapecalc refuses: {ours.error}"
    assert ours == theirs, f"{context}: shapecalc {ours} != torch {theirs}"
    return theirs


@st.composite
def attention_cases(draw):
    heads = draw(st.integers(1, 4))
    embed = heads * draw(st.integers(1, 3)) + (0 if draw(st.integers(0, 9)) else 1)
    options = []
    kdim = vdim = embed
    if draw(st.integers(0, 2)) == 0:
        kdim = draw(st.sampled_from([embed] * 3 + list(range(1, 7))))
        options.append(f"kdim={kdim}")
    if draw(st.integers(0, 2)) == 0:
        vdim = draw(st.sampled_from([embed] * 3 + list(range(1, 7))))
        options.append(f"vdim={vdim}")
    for flag in ("bias", "add_bias_kv", "add_zero_attn"):
        if draw(st.booleans()):
            options.append(f"{flag}={draw(st.booleans())}")
    batch_first = draw(st.booleans())
    options.append(f"batch_first={batch_first}")
    if draw(st.integers(0, 4)) == 0:
        options.append(f"dropout={draw(st.sampled_from(['0.1', '1.0', '1.5', '-0.5']))}")
    line = f"nn.MultiheadAttention({', '.join([str(embed), str(heads)] + options)})"

    batch = draw(st.integers(1, 3))
    q_len, s_len = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    batched = draw(st.integers(0, 3)) > 0

    def tensor(length, features, b=batch):
        features = features if draw(st.integers(0, 29)) else features + 1
        if not batched:
            return (length, features)
        return (b, length, features) if batch_first else (length, b, features)

    if draw(st.booleans()):
        shapes = (tensor(q_len, embed),)  # self-attention: valid when kdim = vdim = E
        if draw(st.integers(0, 14)) == 0:
            shapes = ((q_len, batch, 2, embed),)
    else:
        v_len = s_len if draw(st.integers(0, 14)) else s_len + 1
        k_batch = batch if draw(st.integers(0, 14)) else batch + 1
        shapes = (tensor(q_len, embed), tensor(s_len, kdim, k_batch), tensor(v_len, vdim))
        if draw(st.integers(0, 14)) == 0:
            shapes = shapes[:2]
    return line, shapes


@settings(max_examples=250, deadline=None)
@given(attention_cases())
def test_attention_agrees_with_torch(case):
    assert_attention_agrees(*case)


def test_two_inputs_are_refused_like_torch():
    """forward(query, key, value) has no default for value."""
    line, shapes = "nn.MultiheadAttention(8, 2)", ((5, 3, 8), (7, 3, 8))
    assert "missing 1 required positional argument" in torch_attention_facts(line, shapes).error
    assert "query, key and value" in shapecalc_attention_facts(line, shapes).error
