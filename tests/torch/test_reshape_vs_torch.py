"""Flatten, Unflatten, padding, upsampling and shuffles against real PyTorch: random
configurations, valid and invalid, batched and unbatched."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.torch.harness import assert_agrees, shapecalc_facts, torch


def _plain_torch_error(line: str, input_shape: tuple) -> str | None:
    """The error of a plain forward pass. Under FlopCounterMode, nn.Upsample's nearest
    modes run a decomposition that skips the "output sizes should be greater than 0" check
    (scale_factor=0.5 on a length-1 axis returns a 0-length axis), so refusals are taken
    from a run without it."""
    module = eval(line, {"nn": torch.nn})  # test-side only: the text is our own fixture
    try:
        module(torch.zeros(input_shape))
    except Exception as error:  # the framework's refusal is the fact we compare
        return f"{type(error).__name__}: {error}"
    return None


def assert_agrees_with_plain_forward(line: str, input_shape: tuple):
    error = _plain_torch_error(line, input_shape)
    if error is None:
        return assert_agrees(line, input_shape)
    ours = shapecalc_facts(line, input_shape)
    assert ours.error, f"{line} on {input_shape}: torch refuses ({error}) but shapecalc " \
                       f"gives {ours}"
    return ours


def _shape(draw, rank_low: int, rank_high: int, size_high: int = 6) -> tuple:
    rank = draw(st.integers(rank_low, rank_high))
    return tuple(draw(st.integers(1, size_high)) for _ in range(rank))


@st.composite
def flatten_cases(draw):
    shape = _shape(draw, 1, 4)
    start = draw(st.integers(-5, 4))
    end = draw(st.integers(-5, 4))
    if draw(st.booleans()):
        return "nn.Flatten()", shape
    return f"nn.Flatten({start}, {end})", shape


@st.composite
def unflatten_cases(draw):
    shape = _shape(draw, 1, 3, size_high=12)
    dim = draw(st.integers(-4, 3))
    if draw(st.booleans()) and -len(shape) <= dim < len(shape):
        # a factorisation of the dim, maybe with one entry inferred
        length = shape[dim]
        first = draw(st.sampled_from([d for d in range(1, length + 1) if length % d == 0]))
        sizes = [first, length // first]
        if draw(st.booleans()):
            sizes[draw(st.integers(0, 1))] = -1
        if draw(st.booleans()):
            sizes.insert(draw(st.integers(0, 2)), 1)
    else:
        sizes = draw(st.lists(st.sampled_from([-2, -1, -1, 0, 1, 2, 2, 3, 3, 4, 6]),
                              min_size=0, max_size=3))
    text = "(" + ", ".join(map(str, sizes)) + ("," if len(sizes) == 1 else "") + ")"
    return f"nn.Unflatten({dim}, {text})", shape


_PAD_KINDS = ["Zero", "Constant", "Reflection", "Replication", "Circular"]


@st.composite
def pad_cases(draw):
    kind = draw(st.sampled_from(_PAD_KINDS))
    n = draw(st.integers(1, 3))
    length = 2 * n if draw(st.integers(0, 3)) else draw(st.integers(0, 8))
    low = -6 if draw(st.booleans()) else 0
    if length == 2 * n and draw(st.integers(0, 3)) == 0:
        padding = str(draw(st.integers(min(low, -3), 4)))
    else:
        values = [draw(st.integers(low, 6)) for _ in range(length)]
        padding = "(" + ", ".join(map(str, values)) + ("," if length == 1 else "") + ")"
    value = ", 1.5" if kind == "Constant" else ""
    if draw(st.integers(0, 3)):
        rank = n + draw(st.integers(1, 2))  # the ranks the class is meant for
        shape = _shape(draw, rank, rank, size_high=7)
    else:
        shape = _shape(draw, max(1, n - 1), n + 3, size_high=5)
    return f"nn.{kind}Pad{n}d({padding}{value})", shape


@st.composite
def cropping_pad_cases(draw):
    """Small dims and pads of both signs: the corner cases of reflect's size checks and of
    circular padding's slice copies (which overlap when a single batch row is cropped on
    one side and padded on the other)."""
    kind = draw(st.sampled_from(["Circular", "Circular", "Reflection", "Replication", "Zero"]))
    n = draw(st.integers(1, 2))
    pads = [draw(st.integers(-4, 4)) for _ in range(2 * n)]
    lead = draw(st.sampled_from([(1,), (2,), (1, 1), (1, 2), (2, 1)]))
    shape = lead + tuple(draw(st.integers(1, 4)) for _ in range(n))
    return f"nn.{kind}Pad{n}d({tuple(pads)})", shape


_RANK_MODES = {3: ["nearest", "nearest-exact", "area", "linear"],
               4: ["nearest", "nearest-exact", "area", "bilinear", "bicubic"],
               5: ["nearest", "nearest-exact", "area", "trilinear"]}
_ALL_MODES = ["nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear",
              "area", "lanczos", "box"]


@st.composite
def upsample_cases(draw):
    layer = draw(st.sampled_from(["Upsample", "Upsample", "Upsample", "UpsamplingNearest2d",
                                  "UpsamplingBilinear2d"]))
    plausible = draw(st.integers(0, 2)) > 0
    rank = draw(st.integers(3, 5)) if plausible else draw(st.integers(2, 6))
    shape = _shape(draw, rank, rank, size_high=7)
    n = max(rank - 2, 1)
    args = []
    which = draw(st.sampled_from(["size", "scale"] * 4 + ["both", "neither"]))
    if which in ("size", "both"):
        low = 1 if plausible else -1
        if draw(st.booleans()):
            args.append(f"size={draw(st.integers(low, 9))}")
        else:
            m = n if plausible or draw(st.integers(0, 3)) else draw(st.integers(1, 3))
            args.append("size=(" + ", ".join(str(draw(st.integers(low, 9)))
                                             for _ in range(m)) + ",)")
    if which in ("scale", "both"):
        scales = st.one_of(st.integers(0 if not plausible else 1, 4),
                           st.sampled_from([0.5, 1.5, 2.5, 0.29, 1.7, 0.34, 3.3, -1.0]))
        if draw(st.booleans()):
            args.append(f"scale_factor={draw(scales)}")
        else:
            m = n if plausible or draw(st.integers(0, 3)) else draw(st.integers(1, 3))
            args.append("scale_factor=(" + ", ".join(str(draw(scales)) for _ in range(m))
                        + ",)")
    if layer == "Upsample":
        modes = _RANK_MODES.get(rank, _ALL_MODES) if plausible else _ALL_MODES
        mode = draw(st.sampled_from(modes))
        args.append(f"mode='{mode}'")
        if mode in ("linear", "bilinear", "bicubic", "trilinear") or not plausible:
            args.append(f"align_corners={draw(st.sampled_from([None, True, False]))}")
        args.append(f"recompute_scale_factor="
                    f"{draw(st.sampled_from([None, None, True, False]))}")
    return f"nn.{layer}({', '.join(args)})", shape


@st.composite
def shuffle_cases(draw):
    layer = draw(st.sampled_from(["PixelShuffle", "PixelUnshuffle", "ChannelShuffle"]))
    factor = draw(st.integers(-1, 4))
    rank = draw(st.integers(1, 5))
    shape = tuple(draw(st.sampled_from([1, 2, 3, 4, 6, 8, 9, 12, 16])) for _ in range(rank))
    return f"nn.{layer}({factor})", shape


@settings(max_examples=250, deadline=None)
@given(flatten_cases())
def test_flatten_agrees_with_torch(case):
    assert_agrees(*case)


@settings(max_examples=250, deadline=None)
@given(unflatten_cases())
def test_unflatten_agrees_with_torch(case):
    assert_agrees(*case)


@settings(max_examples=300, deadline=None)
@given(pad_cases())
def test_padding_agrees_with_torch(case):
    assert_agrees(*case)


@settings(max_examples=300, deadline=None)
@given(cropping_pad_cases())
def test_cropping_pads_agree_with_torch(case):
    assert_agrees(*case)


@settings(max_examples=300, deadline=None)
@given(upsample_cases())
def test_upsample_agrees_with_torch(case):
    assert_agrees_with_plain_forward(*case)


@settings(max_examples=250, deadline=None)
@given(shuffle_cases())
def test_shuffles_agree_with_torch(case):
    assert_agrees(*case)
