"""shapecalc.interpret.tensor_functions against real torch (and einops): random shapes and
arguments, valid and invalid. For every function the shape (or list of shapes) equals
torch's, shapecalc refuses exactly when torch raises, and the MACs of matmul, linear,
einsum and SDPA are half of what FlopCounterMode counts.

Refusals are taken from a plain call on small CPU zero tensors; FLOPs from a second call
under FlopCounterMode (which changes a few refusals, e.g. F.linear's in-place bias add).
A call shapecalc answers with NotModelled is not a comparison and is rejected."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from shapecalc.interpret import tensor_functions as tf

torch = pytest.importorskip("torch")
from torch.nn.attention import SDPBackend, sdpa_kernel  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

F = torch.nn.functional


# -- running both sides ----------------------------------------------------------------------


def _shapes(value):
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    return [tuple(v.shape) for v in value]


def _torch(run):
    """("ok", shape(s)) or ("error", message) of a plain torch call."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", _shapes(run())
    except Exception as error:  # torch's refusal is the fact we compare with
        return "error", f"{type(error).__name__}: {str(error).splitlines()[0]}"


def _ours(run):
    try:
        return "ok", run()
    except tf.TensorOpError as error:
        return "error", error.message
    except tf.NotModelled:
        reject()


def _normal(result):
    kind, value = result
    if kind == "ok" and isinstance(value, list):
        return kind, [tuple(v) for v in value]
    return kind, value


def agree(ours, theirs, context) -> tuple:
    """Assert both give the same shape(s), or both refuse; return ours."""
    mine, truth = _normal(_ours(ours)), _torch(theirs)
    if truth[0] == "error":
        assert mine[0] == "error", f"{context}: torch refuses ({truth[1]}) but ours gives " \
                                   f"{mine[1]}"
    else:
        assert mine[0] == "ok", f"{context}: torch gives {truth[1]} but ours refuses: {mine[1]}"
        assert mine[1] == truth[1], f"{context}: ours {mine[1]} != torch {truth[1]}"
    return mine


def torch_flops(run) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with FlopCounterMode(display=False) as counter:
            run()
    return counter.get_total_flops()


def zeros(shape):
    return torch.zeros(shape)


# -- strategies ---------------------------------------------------------------------------------

sizes = st.sampled_from([0, 1, 1, 2, 2, 3, 3, 4, 5, 6])


@st.composite
def shapes(draw, low=0, high=4, size=sizes):
    rank = draw(st.integers(low, high))
    return tuple(draw(size) for _ in range(rank))


def dims(rank, extra=1):
    return st.integers(-max(rank, 1) - extra, max(rank, 1) - 1 + extra)


SIZE_VALUES = st.sampled_from([-2, -1, -1, 0, 1, 2, 2, 3, 3, 4, 6, 12])


def factors(draw, numel: int) -> list:
    """A random factorisation of numel, perhaps with one entry replaced by -1."""
    out, rest = [], numel
    for _ in range(draw(st.integers(0, 3))):
        f = draw(st.sampled_from([d for d in range(1, rest + 1) if rest % d == 0]))
        out.append(f)
        rest //= f
    out.append(rest)
    if draw(st.booleans()):
        out[draw(st.integers(0, len(out) - 1))] = -1
    return out


@st.composite
def view_cases(draw):
    shape = draw(shapes(high=3))
    numel = 1
    for s in shape:
        numel *= s
    if draw(st.booleans()) and numel > 0:
        sizes_ = factors(draw, numel)
    else:
        sizes_ = draw(st.lists(SIZE_VALUES, max_size=4))
    return shape, tuple(sizes_)


# -- view, reshape, flatten, unflatten ---------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(view_cases(), st.booleans())
def test_view_and_reshape(case, use_reshape):
    shape, sizes_ = case
    if use_reshape:
        agree(lambda: tf.reshape(shape, sizes_), lambda: zeros(shape).reshape(sizes_),
              f"reshape {shape} {sizes_}")
    else:
        agree(lambda: tf.view(shape, sizes_), lambda: zeros(shape).view(sizes_),
              f"view {shape} {sizes_}")


@settings(max_examples=150, deadline=None)
@given(shapes(), st.data())
def test_flatten(shape, data):
    start, end = data.draw(dims(len(shape))), data.draw(dims(len(shape)))
    agree(lambda: tf.flatten(shape, start, end), lambda: zeros(shape).flatten(start, end),
          f"flatten {shape} {start} {end}")


@settings(max_examples=150, deadline=None)
@given(view_cases(), st.data())
def test_unflatten(case, data):
    shape, sizes_ = case
    dim = data.draw(dims(len(shape)))
    if shape and -len(shape) <= dim < len(shape) and shape[dim] and data.draw(st.booleans()):
        sizes_ = tuple(factors(data.draw, shape[dim]))
    agree(lambda: tf.unflatten(shape, dim, sizes_), lambda: zeros(shape).unflatten(dim, sizes_),
          f"unflatten {shape} {dim} {sizes_}")


# -- permute, transpose, t, movedim, unsqueeze, squeeze ----------------------------------------


@settings(max_examples=150, deadline=None)
@given(shapes(), st.data())
def test_permute(shape, data):
    rank = len(shape)
    order = list(data.draw(st.permutations(range(rank))))
    if data.draw(st.booleans()):
        order = [d - rank if data.draw(st.booleans()) else d for d in order]
    if data.draw(st.integers(0, 3)) == 0:
        order = data.draw(st.lists(dims(rank), max_size=rank + 1))
    agree(lambda: tf.permute(shape, order), lambda: zeros(shape).permute(order),
          f"permute {shape} {order}")


@settings(max_examples=150, deadline=None)
@given(shapes(), st.data())
def test_transpose_and_t(shape, data):
    a, b = data.draw(dims(len(shape))), data.draw(dims(len(shape)))
    agree(lambda: tf.transpose(shape, a, b), lambda: zeros(shape).transpose(a, b),
          f"transpose {shape} {a} {b}")
    agree(lambda: tf.t(shape), lambda: zeros(shape).t(), f"t {shape}")


@settings(max_examples=150, deadline=None)
@given(shapes(), st.data())
def test_movedim(shape, data):
    rank = len(shape)
    if data.draw(st.booleans()):
        source, destination = data.draw(dims(rank)), data.draw(dims(rank))
    else:
        n = data.draw(st.integers(0, rank + 1))
        source = tuple(data.draw(st.lists(dims(rank, 0), min_size=n, max_size=n)))
        m = n if data.draw(st.integers(0, 3)) else data.draw(st.integers(0, rank + 1))
        destination = tuple(data.draw(st.lists(dims(rank, 0), min_size=m, max_size=m)))
    agree(lambda: tf.movedim(shape, source, destination),
          lambda: zeros(shape).movedim(source, destination),
          f"movedim {shape} {source} {destination}")


@settings(max_examples=150, deadline=None)
@given(shapes(size=st.sampled_from([0, 1, 1, 1, 2, 3])), st.data())
def test_unsqueeze_and_squeeze(shape, data):
    rank = len(shape)
    d = data.draw(st.integers(-rank - 2, rank + 1))
    agree(lambda: tf.unsqueeze(shape, d), lambda: zeros(shape).unsqueeze(d),
          f"unsqueeze {shape} {d}")
    which = data.draw(st.one_of(st.none(), dims(rank),
                                st.lists(dims(rank), max_size=3).map(tuple)))
    agree(lambda: tf.squeeze(shape, which),
          lambda: zeros(shape).squeeze() if which is None else zeros(shape).squeeze(which),
          f"squeeze {shape} {which}")


# -- expand, repeat ------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(shapes(size=st.sampled_from([0, 1, 1, 2, 3])), st.data())
def test_expand(shape, data):
    target = [data.draw(st.sampled_from([s, s, -1, 1, 2, 3, 0, -2])) for s in shape]
    lead = data.draw(st.lists(st.sampled_from([1, 2, 3, 0, -1]), max_size=2))
    target = tuple(lead + target)
    if data.draw(st.integers(0, 5)) == 0:
        target = target[1:]
    agree(lambda: tf.expand(shape, target), lambda: zeros(shape).expand(target),
          f"expand {shape} {target}")
    agree(lambda: tf.expand_as(shape, tuple(abs(s) for s in target)),
          lambda: zeros(shape).expand_as(zeros(tuple(abs(s) for s in target))),
          f"expand_as {shape} {target}")


@settings(max_examples=150, deadline=None)
@given(shapes(), st.lists(st.integers(-2, 3), max_size=5))
def test_repeat(shape, reps):
    agree(lambda: tf.repeat(shape, tuple(reps)), lambda: zeros(shape).repeat(reps),
          f"repeat {shape} {reps}")


# -- chunk, split, tensor_split, narrow, unbind -----------------------------------------------


@settings(max_examples=200, deadline=None)
@given(shapes(size=st.integers(0, 9)), st.data())
def test_chunk_and_split(shape, data):
    d = data.draw(dims(len(shape)))
    chunks = data.draw(st.integers(-1, 7))
    agree(lambda: tf.chunk(shape, chunks, d), lambda: zeros(shape).chunk(chunks, d),
          f"chunk {shape} {chunks} {d}")
    size = data.draw(st.integers(-1, 7))
    agree(lambda: tf.split(shape, size, d), lambda: zeros(shape).split(size, d),
          f"split {shape} {size} {d}")
    sections = data.draw(st.lists(st.integers(-1, 5), max_size=4))
    if shape and -len(shape) <= d < len(shape) and data.draw(st.booleans()):
        sections.append(shape[d] - sum(sections))
    agree(lambda: tf.split(shape, sections, d), lambda: zeros(shape).split(sections, d),
          f"split {shape} {sections} {d}")


@settings(max_examples=200, deadline=None)
@given(shapes(size=st.integers(0, 9)), st.data())
def test_tensor_split_narrow_unbind(shape, data):
    d = data.draw(dims(len(shape)))
    k = data.draw(st.integers(-1, 7))
    agree(lambda: tf.tensor_split(shape, k, d), lambda: zeros(shape).tensor_split(k, d),
          f"tensor_split {shape} {k} {d}")
    indices = data.draw(st.lists(st.integers(-11, 11), max_size=4))
    agree(lambda: tf.tensor_split(shape, indices, d),
          lambda: zeros(shape).tensor_split(indices, d), f"tensor_split {shape} {indices} {d}")
    start, length = data.draw(st.integers(-10, 10)), data.draw(st.integers(-1, 9))
    agree(lambda: tf.narrow(shape, d, start, length),
          lambda: zeros(shape).narrow(d, start, length), f"narrow {shape} {d} {start} {length}")
    agree(lambda: tf.unbind(shape, d), lambda: zeros(shape).unbind(d), f"unbind {shape} {d}")


# -- indexing ---------------------------------------------------------------------------------

bound = st.one_of(st.none(), st.integers(-8, 8))
index_items = st.one_of(
    st.integers(-6, 5),
    st.builds(slice, bound, bound, st.one_of(st.none(), st.integers(-1, 3))),
    st.builds(slice, bound, bound),
    st.none(),
    st.just(Ellipsis),
    st.booleans(),
)


@settings(max_examples=400, deadline=None)
@given(shapes(size=st.sampled_from([0, 1, 2, 3, 4, 5])), st.data())
def test_getitem(shape, data):
    items = data.draw(st.lists(index_items, max_size=4))
    index = items[0] if len(items) == 1 and data.draw(st.booleans()) else tuple(items)
    agree(lambda: tf.getitem(shape, index), lambda: zeros(shape)[index],
          f"getitem {shape} {index}")


# -- cat, stack -------------------------------------------------------------------------------


@st.composite
def shape_lists(draw):
    base = draw(shapes(size=st.sampled_from([0, 1, 2, 3])))
    out = []
    for _ in range(draw(st.integers(0, 4))):
        shape = list(base)
        kind = draw(st.integers(0, 6))
        if kind == 0:
            shape = list(draw(shapes(size=st.sampled_from([0, 1, 2, 3]))))
        elif kind == 1:
            shape = [0]
        elif kind <= 3 and shape:
            i = draw(st.integers(0, len(shape) - 1))
            shape[i] = draw(st.sampled_from([0, 1, 2, 3, 5]))
        out.append(tuple(shape))
    return out


@settings(max_examples=300, deadline=None)
@given(shape_lists(), st.integers(-4, 3))
def test_cat_and_stack(shape_list, dim):
    tensors = lambda: [zeros(s) for s in shape_list]  # noqa: E731
    agree(lambda: tf.cat(shape_list, dim), lambda: torch.cat(tensors(), dim),
          f"cat {shape_list} {dim}")
    agree(lambda: tf.stack(shape_list, dim), lambda: torch.stack(tensors(), dim),
          f"stack {shape_list} {dim}")


# -- reductions, broadcasting ---------------------------------------------------------------

REDUCTIONS = sorted(tf._TUPLE_DIM | tf._INT_DIM)


def _call_reduction(op, shape, dim, keepdim):
    x = zeros(shape)
    fn = getattr(torch, op)
    if op in ("any", "all"):
        x = x.bool()
    if dim == "absent" and keepdim and op in tf._KEEPDIM_WITHOUT_DIM:
        dim = None  # x.mean(keepdim=True) is a TypeError; x.mean(dim=None, keepdim=True) is not
    kwargs = {} if dim == "absent" else {"dim": dim}
    if keepdim or (keepdim is False and dim != "absent"):
        kwargs["keepdim"] = keepdim
    out = fn(x, **kwargs)
    return out[0] if isinstance(out, tuple) else out


@settings(max_examples=400, deadline=None)
@given(shapes(size=st.sampled_from([0, 1, 2, 3])), st.sampled_from(REDUCTIONS), st.data())
def test_reductions(shape, op, data):
    rank = len(shape)
    dim = data.draw(st.one_of(st.just("absent"), st.none(), dims(rank),
                              st.lists(dims(rank), max_size=3).map(tuple)))
    keepdim = data.draw(st.sampled_from([None, False, True]))
    if op == "count_nonzero" and keepdim is False:
        keepdim = None  # count_nonzero takes no keepdim at all
    ours = lambda: tf.reduce(shape, None if dim == "absent" else dim,  # noqa: E731
                             bool(keepdim), op=op)
    if dim in ("absent", None) and op == "logsumexp":
        return  # a missing required argument, not a shape question
    if dim is None and op in ("max", "min", "median", "nanmedian", "prod", "mode"):
        dim = "absent"  # torch.max(x, dim=None) is a TypeError; torch.max(x) reduces all
    agree(ours, lambda: _call_reduction(op, shape, dim, keepdim),
          f"{op} {shape} dim={dim} keepdim={keepdim}")


@settings(max_examples=150, deadline=None)
@given(shapes(size=st.sampled_from([0, 1, 2, 3])), st.data())
def test_reduce_pair_and_topk(shape, data):
    op = data.draw(st.sampled_from(["max", "min", "median", "nanmedian", "mode"]))
    d, keepdim = data.draw(dims(len(shape))), data.draw(st.booleans())
    mine = agree(lambda: tf.reduce_pair(shape, d, keepdim, op=op)[0],
                 lambda: getattr(torch, op)(zeros(shape), d, keepdim)[0],
                 f"{op} {shape} {d} {keepdim}")
    k = data.draw(st.integers(-1, 4))
    agree(lambda: tf.topk(shape, k, d)[0], lambda: zeros(shape).topk(k, d)[0],
          f"topk {shape} {k} {d}")
    assert mine


@settings(max_examples=200, deadline=None)
@given(st.lists(shapes(size=st.sampled_from([0, 1, 2, 3])), min_size=1, max_size=3))
def test_broadcast(shape_list):
    def run():
        out = zeros(shape_list[0])
        for s in shape_list[1:]:
            out = out + zeros(s)
        return out
    agree(lambda: tf.broadcast(*shape_list), run, f"broadcast {shape_list}")


# -- matrix products and their MACs --------------------------------------------------------------


def agree_with_flops(ours, theirs, context):
    mine = _ours(ours)
    truth = _torch(theirs)
    if truth[0] == "error":
        assert mine[0] == "error", f"{context}: torch refuses ({truth[1]}) but ours gives " \
                                   f"{mine[1]}"
        return
    assert mine[0] == "ok", f"{context}: torch gives {truth[1]} but ours refuses: {mine[1]}"
    shape, macs = mine[1]
    assert shape == truth[1], f"{context}: ours {shape} != torch {truth[1]}"
    flops = torch_flops(theirs)
    assert 2 * macs == flops, f"{context}: ours 2·{macs} MACs != torch {flops} FLOPs"


@st.composite
def matmul_pairs(draw):
    k = draw(st.integers(1, 4))
    ra, rb = draw(st.integers(0, 4)), draw(st.integers(0, 4))
    batch = [draw(st.integers(1, 3)) for _ in range(2)]
    a = [draw(st.sampled_from([b, 1])) for b in batch[:max(ra - 2, 0)]] + \
        [draw(st.integers(1, 3)) for _ in range(min(ra, 2) - 1)] + [k] * (ra > 0)
    b = [draw(st.sampled_from([x, 1])) for x in batch[:max(rb - 2, 0)]] + \
        [k] * (rb > 0) + [draw(st.integers(1, 3)) for _ in range(min(rb, 2) - 1)]
    if draw(st.integers(0, 4)) == 0 and b:
        b[draw(st.integers(0, len(b) - 1))] = draw(st.integers(1, 5))
    if draw(st.integers(0, 4)) == 0 and a:
        a[draw(st.integers(0, len(a) - 1))] = draw(st.integers(1, 5))
    return tuple(a), tuple(b)


@settings(max_examples=300, deadline=None)
@given(matmul_pairs())
def test_matmul_mm_bmm(pair):
    a, b = pair
    agree_with_flops(lambda: tf.matmul(a, b), lambda: zeros(a) @ zeros(b), f"matmul {a} {b}")
    agree_with_flops(lambda: tf.mm(a, b), lambda: torch.mm(zeros(a), zeros(b)), f"mm {a} {b}")
    agree_with_flops(lambda: tf.bmm(a, b), lambda: torch.bmm(zeros(a), zeros(b)),
                     f"bmm {a} {b}")


@st.composite
def linear_cases(draw):
    x = draw(shapes(0, 4, st.integers(1, 4)))
    n_in = x[-1] if x and draw(st.integers(0, 5)) else draw(st.integers(1, 4))
    n_out = draw(st.integers(1, 5))
    weight = draw(st.sampled_from([(n_out, n_in)] * 5 + [(n_in,), (), (1, n_out, n_in)]))
    bias = draw(st.one_of(st.none(), st.just((n_out,)),
                          shapes(0, 4, st.sampled_from([1, 1, 2, n_out, n_out]))))
    return x, weight, bias


@settings(max_examples=300, deadline=None)
@given(linear_cases())
def test_linear(case):
    x, weight, bias = case
    agree_with_flops(lambda: tf.linear(x, weight, bias),
                     lambda: F.linear(zeros(x), zeros(weight),
                                      None if bias is None else zeros(bias)),
                     f"linear {x} {weight} {bias}")


@st.composite
def attention_cases(draw):
    rank = draw(st.integers(1, 5))
    batch = [draw(st.integers(1, 3)) for _ in range(rank - 2)]
    L, S, E, Ev = (draw(st.integers(1, 4)) for _ in range(4))
    def lead():
        cut = draw(st.integers(0, len(batch))) if draw(st.integers(0, 3)) == 0 else 0
        return [draw(st.sampled_from([b, b, 1])) for b in batch[cut:]]
    q, k, v = lead() + [L, E], lead() + [S, E], lead() + [S, Ev]
    for t in (q, k, v):
        if draw(st.integers(0, 8)) == 0:
            t[draw(st.integers(0, len(t) - 1))] = draw(st.integers(1, 5))
    q, k, v = (tuple(t[-rank:]) if rank < 2 else tuple(t) for t in (q, k, v))
    return q, k, v, draw(st.booleans())


@settings(max_examples=200, deadline=None)
@given(attention_cases())
def test_scaled_dot_product_attention(case):
    q, k, v, gqa = case

    def run():
        with sdpa_kernel(SDPBackend.MATH):
            return F.scaled_dot_product_attention(zeros(q), zeros(k), zeros(v), enable_gqa=gqa)

    agree_with_flops(lambda: tf.scaled_dot_product_attention(q, k, v, enable_gqa=gqa), run,
                     f"sdpa {q} {k} {v} gqa={gqa}")


@st.composite
def einsum_cases(draw):
    letters = "abcdeAB"
    size_of = {c: draw(st.integers(1, 4)) for c in letters}
    n = draw(st.integers(1, 3))
    terms, operands = [], []
    ellipsis_dims = [draw(st.integers(1, 3)) for _ in range(2)]
    for _ in range(n):
        labels = draw(st.lists(st.sampled_from(letters), max_size=4))
        term, shape = "", []
        use_ellipsis = draw(st.integers(0, 4)) == 0
        at = draw(st.integers(0, len(labels)))
        for i, c in enumerate(labels):
            if use_ellipsis and i == at:
                term += "..."
                width = draw(st.integers(0, 2))
                shape += [draw(st.sampled_from([d, 1])) for d in ellipsis_dims[2 - width:]]
            term += c
            shape.append(draw(st.sampled_from([size_of[c]] * 6 + [1, 5])))
        if use_ellipsis and at == len(labels):
            term += "..."
            shape += ellipsis_dims[:draw(st.integers(0, 2))]
        if draw(st.integers(0, 12)) == 0 and shape:
            shape.pop()
        terms.append(term)
        operands.append(tuple(shape))
    equation = ",".join(terms)
    if draw(st.integers(0, 3)):
        used = sorted(set("".join(terms).replace(".", "")))
        out = draw(st.lists(st.sampled_from(used or ["a"]), max_size=3, unique=True)) \
            if draw(st.integers(0, 8)) else draw(st.lists(st.sampled_from(letters), max_size=3))
        if "..." in equation and draw(st.booleans()):
            out.insert(draw(st.integers(0, len(out))), "...")
        equation += "->" + "".join(out)
    if draw(st.integers(0, 15)) == 0:
        operands.append((2,))
    return equation, operands


@settings(max_examples=400, deadline=None)
@given(einsum_cases())
def test_einsum(case):
    equation, operands = case
    agree_with_flops(lambda: tf.einsum(equation, *operands),
                     lambda: torch.einsum(equation, *[zeros(s) for s in operands]),
                     f"einsum {equation!r} {operands}")


# -- einops -------------------------------------------------------------------------------------

try:
    import einops
except ImportError:  # the einops test skips without it
    einops = None

needs_einops = pytest.mark.skipif(einops is None, reason="einops is not installed")
AXES = ["a", "b", "c", "d", "e"]


def _render(groups) -> str:
    parts = []
    for g in groups:
        if isinstance(g, list):
            parts.append("(" + " ".join(g) + ")")
        else:
            parts.append(g)
    return " ".join(parts)


@st.composite
def einops_cases(draw):
    operation = draw(st.sampled_from(["rearrange", "reduce", "repeat"]))
    names = draw(st.lists(st.sampled_from(AXES), min_size=1, max_size=4, unique=True))
    length = {n: draw(st.integers(1, 3)) for n in names}
    left, shape, i = [], [], 0
    while i < len(names):
        width = draw(st.integers(1, 2)) if i + 1 < len(names) else 1
        group = names[i:i + width]
        left.append(group if width > 1 or draw(st.integers(0, 4)) == 0 else group[0])
        size = 1
        for n in group:
            size *= length[n]
        shape.append(size)
        i += width
    if draw(st.integers(0, 4)) == 0:
        at = draw(st.integers(0, len(left)))
        left.insert(at, "...")
        extra = draw(st.lists(st.integers(1, 3), max_size=2))
        shape[at:at] = extra
    if draw(st.integers(0, 5)) == 0:
        left.append(draw(st.sampled_from(["1", "()", "2", "(b 2)", "_x", "a"])))
        shape.append(draw(st.sampled_from([1, 2, 4])))
    right_names = [n for n in names if draw(st.integers(0, 5))] if operation == "reduce" \
        else list(names)
    if operation == "repeat":
        right_names += draw(st.lists(st.sampled_from(["f", "g", "2", "1"]), max_size=2,
                                     unique=True))
    right_names = draw(st.permutations(right_names))
    if "..." in left and draw(st.integers(0, 4)):
        right_names.insert(draw(st.integers(0, len(right_names))), "...")
    right, i = [], 0
    while i < len(right_names):
        width = draw(st.integers(1, 3))
        group = list(right_names[i:i + width])
        right.append(group if len(group) > 1 or draw(st.integers(0, 5)) == 0 else group[0])
        i += width
    if draw(st.integers(0, 5)) == 0:
        right.append(draw(st.sampled_from(["1", "()", "x", "3"])))
    axes = {}
    for group in left:
        if isinstance(group, list) and len(group) == 2 and draw(st.integers(0, 5)):
            n = draw(st.sampled_from(group))
            axes[n] = draw(st.sampled_from([length[n]] * 6 + [0, 5]))
    for n in ["f", "g"] + names:
        if n in right_names and n not in names:  # a new axis of repeat: mostly given
            given_ = draw(st.integers(0, 5)) > 0
        else:  # an unused name rarely, a left axis sometimes
            given_ = draw(st.integers(0, 19 if n in ("f", "g") else 6)) == 0
        if given_:
            axes[n] = draw(st.sampled_from([length.get(n, 2)] * 4 + [0, 5]))
    if draw(st.integers(0, 9)) == 0 and shape:
        shape[draw(st.integers(0, len(shape) - 1))] += 1
    pattern = f"{_render(left)} -> {_render(right)}"
    reduction = draw(st.sampled_from(["sum", "mean", "max", "min", "prod"]))
    return operation, tuple(shape), pattern, reduction, axes


def _einops_truth(operation, shape, pattern, reduction, axes):
    import numpy as np

    x = np.zeros(shape)
    try:
        if operation == "reduce":
            return "ok", tuple(einops.reduce(x, pattern, reduction, **axes).shape)
        return "ok", tuple(getattr(einops, operation)(x, pattern, **axes).shape)
    except Exception as error:  # einops' refusal is the fact we compare with
        return "error", f"{type(error).__name__}: {error}"


@needs_einops
@settings(max_examples=400, deadline=None)
@given(einops_cases())
def test_einops(case):
    operation, shape, pattern, reduction, axes = case
    if operation == "reduce":
        mine = _ours(lambda: tf.einops_reduce(shape, pattern, reduction, **axes))
    else:
        mine = _ours(lambda: getattr(tf, f"einops_{operation}")(shape, pattern, **axes))
    truth = _einops_truth(operation, shape, pattern, reduction, axes)
    context = f"{operation} {shape} {pattern!r} {axes}"
    if truth[0] == "error":
        assert mine[0] == "error", f"{context}: einops refuses ({truth[1]}) but ours gives " \
                                   f"{mine[1]}"
    else:
        assert mine == truth, f"{context}: ours {mine} != einops {truth}"
