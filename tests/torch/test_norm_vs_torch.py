"""Normalisation layers against real PyTorch (train mode, the state after construction):
random configurations, valid and invalid, batched and unbatched."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.torch.harness import assert_agrees


def _sizes(draw, n: int, low: int = 1, high: int = 4) -> tuple:
    return tuple(draw(st.integers(low, high)) for _ in range(n))


def _channels(draw, features: int) -> int:
    """Mostly the right channel count, sometimes another one."""
    return features if draw(st.integers(0, 3)) else draw(st.integers(1, 6))


@st.composite
def stat_norm_cases(draw):
    """BatchNorm/InstanceNorm 1d/2d/3d and their lazy forms, on inputs of any nearby rank
    (wrong ranks included) with batches and spatial sizes of 1 (single-value refusals)."""
    kind = draw(st.sampled_from(["BatchNorm", "InstanceNorm", "LazyBatchNorm",
                                 "LazyInstanceNorm"]))
    n = draw(st.integers(1, 3))
    features = draw(st.integers(1, 5))
    flags = ", ".join(f"{name}={draw(st.booleans())}"
                      for name in ("affine", "track_running_stats", "bias")
                      if draw(st.booleans()))
    eps = draw(st.sampled_from(["", "", "eps=0.001", "eps=0", "eps=-1"]))
    args = ", ".join(a for a in ("" if kind.startswith("Lazy") else str(features), flags, eps)
                     if a)
    valid_ranks = (2, 3) if n == 1 and kind.endswith("BatchNorm") else \
        (n + 2,) if kind.endswith("BatchNorm") else (n + 1, n + 2)
    rank = draw(st.sampled_from(valid_ranks)) if draw(st.integers(0, 3)) else \
        draw(st.integers(1, n + 3))
    shape = (draw(st.integers(1, 3)), _channels(draw, features)) + _sizes(draw, rank - 2)
    return f"nn.{kind}{n}d({args})", shape[:rank] if rank < 2 else shape


@settings(max_examples=300, deadline=None)
@given(stat_norm_cases())
def test_batch_and_instance_norm_agree_with_torch(case):
    assert_agrees(*case)


@st.composite
def layer_norm_cases(draw):
    kind = draw(st.sampled_from(["LayerNorm", "RMSNorm"]))
    x = _sizes(draw, draw(st.integers(1, 4)))
    k = draw(st.integers(1, len(x))) if draw(st.integers(0, 5)) else \
        draw(st.sampled_from([0, len(x) + 1]))
    shape = list(x[len(x) - k:]) if k <= len(x) else [2, *x]
    if shape and not draw(st.integers(0, 4)):
        shape[draw(st.integers(0, len(shape) - 1))] += 1  # a mismatch
    brackets = draw(st.sampled_from(["({})", "[{}]"]))
    inner = ", ".join(map(str, shape)) + ("," if len(shape) == 1 and brackets == "({})" else "")
    if len(shape) == 1 and draw(st.booleans()):
        normalized = str(shape[0])  # a bare int
    else:
        normalized = brackets.format(inner)
    options = [normalized]
    if draw(st.booleans()):
        options.append(f"elementwise_affine={draw(st.booleans())}")
    if kind == "LayerNorm" and draw(st.booleans()):
        options.append(f"bias={draw(st.booleans())}")
    return f"nn.{kind}({', '.join(options)})", x


@settings(max_examples=250, deadline=None)
@given(layer_norm_cases())
def test_layer_and_rms_norm_agree_with_torch(case):
    assert_agrees(*case)


@st.composite
def group_norm_cases(draw):
    groups = draw(st.integers(1, 4))
    channels = groups * draw(st.integers(1, 3)) + (0 if draw(st.integers(0, 4)) else 1)
    options = [str(groups), str(channels)]
    if draw(st.booleans()):
        options.append(f"affine={draw(st.booleans())}")
    if draw(st.booleans()):
        options.append(f"bias={draw(st.booleans())}")
    x_channels = channels if draw(st.integers(0, 3)) else draw(st.integers(1, 8))
    rank = draw(st.integers(2, 5)) if draw(st.integers(0, 7)) else 1
    x = ((draw(st.integers(1, 3)), x_channels) + _sizes(draw, rank - 2, high=3))[:rank]
    return f"nn.GroupNorm({', '.join(options)})", x


@settings(max_examples=250, deadline=None)
@given(group_norm_cases())
def test_group_norm_agrees_with_torch(case):
    assert_agrees(*case)


@st.composite
def local_response_norm_cases(draw):
    size = draw(st.integers(-1, 8))
    rank = draw(st.integers(3, 5)) if draw(st.integers(0, 5)) else draw(st.integers(1, 2))
    x = _sizes(draw, rank)
    return f"nn.LocalResponseNorm({size}, alpha=0.001, beta=0.5, k=2.0)", x


@settings(max_examples=150, deadline=None)
@given(local_response_norm_cases())
def test_local_response_norm_agrees_with_torch(case):
    assert_agrees(*case)
