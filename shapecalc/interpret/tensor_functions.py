"""Output shapes of the tensor methods and functions that model code calls in ``forward``,
following torch 2.13.0 to the letter, with torch's refusals.

Each function takes the input shape(s) first, then torch's arguments as the plain Python
values torch receives (ints, tuples or lists of ints, None, ``slice`` objects, ``Ellipsis``),
and returns the output shape, a list of shapes (``chunk``, ``split``...), or a pair
``(shape, macs)`` for the ops FlopCounterMode counts (``matmul``, ``linear``, SDPA,
``einsum``). MACs are what ``torch.utils.flop_counter.FlopCounterMode`` reports, halved:
it counts only mm/addmm/bmm (2 FLOPs per multiply-accumulate), so a matrix-vector product
and a dot product count 0 while a vector-matrix product counts as an mm.

Dims. A dim is an ``int``, a sympy expression (a symbolic size such as ``H`` or
``floor(H/2) + 1``) or ``None`` (Keras' unknown batch). Every computation goes through
``shapecalc.algebra``, so ints stay ints and sympy is never imported for them. A check that
depends on symbols is assumed to hold (the program is taken to be valid for the sizes it is
meant for), while a clamp that depends on symbols is kept exact (``Min``/``Max``), so a
symbolic result equals the numeric one after substitution. Two assumptions remain where
the answer would otherwise need a case split: a symbolic size is not taken to be 1 or 0
where that changes the rule (``squeeze`` keeps it, einsum contracts it, ``cat`` does not
skip it), and a slice bound whose sign depends on symbols is taken as non-negative.
``None`` passes through: a result that depends on it is ``None``, a check that involves it
is skipped.

Refusals raise ``TensorOpError`` whose ``message`` is modelled on torch's own. A valid call
whose result this module cannot give (indexing with tensors, a number of pieces that
depends on a symbol) raises ``NotModelled``.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable

from shapecalc import algebra

Dim = Any  # int | sympy.Expr | None
Shape = tuple


class TensorOpError(Exception):
    """torch refuses the call; ``message`` says why, in torch's words with the numbers."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotModelled(Exception):
    """torch accepts the call, but its result is not something this module can give
    (advanced indexing with tensors, a list whose length depends on a symbol...)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- values, comparisons, text ------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A sympy integer constant as a Python int (``xreplace`` leaves ``Integer(3)``), so
    that a substituted shape takes the numeric path; everything else unchanged."""
    if type(value) is int or value is None:
        return value
    if getattr(value, "is_Integer", False):
        return int(value)
    return value


def _shape(shape: Iterable) -> Shape:
    return tuple(_plain(d) for d in shape)


def _is_integer(value: Any) -> bool:
    """An int, or a symbolic value sympy knows to be an integer (not a bool)."""
    if isinstance(value, bool):
        return False
    if type(value) is int:
        return True
    return algebra.is_symbolic(value) and bool(getattr(value, "is_integer", False))


def _eq(a: Dim, b: Dim) -> bool | None:
    if a is None or b is None:
        return None
    if type(a) is int and type(b) is int:
        return a == b
    return algebra.truth(algebra.equal(a, b))


def _lt(a: Dim, b: Dim) -> bool | None:
    if a is None or b is None:
        return None
    if type(a) is int and type(b) is int:
        return a < b
    return algebra.truth(a < b)


def _le(a: Dim, b: Dim) -> bool | None:
    if a is None or b is None:
        return None
    if type(a) is int and type(b) is int:
        return a <= b
    return algebra.truth(a <= b)


def _one(size: Dim) -> bool | None:
    return _eq(size, 1)


def _fail(message: str):
    raise TensorOpError(message)


def _txt(value: Any) -> str:
    if value is None:
        return "None"
    if type(value) is int:
        return str(value)
    return algebra.show(value)


def _list(values: Iterable) -> str:
    """torch's way of printing sizes: [2, 5]."""
    return "[" + ", ".join(_txt(v) for v in values) + "]"


def _prod(values: Iterable[Dim]) -> Dim:
    """The product of sizes, None when one is unknown."""
    values = list(values)
    if any(v is None for v in values):
        return None
    return _plain(algebra.product(values))


def _sum(values: Iterable[Dim]) -> Dim:
    values = list(values)
    if any(v is None for v in values):
        return None
    return _plain(algebra.total(values))


def _quotient(a: Dim, b: Dim) -> Dim:
    """a / b when b divides a (checked by the caller or assumed)."""
    if a is None or b is None:
        return None
    if type(a) is int and type(b) is int:
        return a // b
    return _plain(algebra.divide(a, b))


def _count(value: Dim, what: str) -> int:
    """A number of pieces, which must be known to build a list."""
    value = _plain(value)
    if type(value) is not int:
        raise NotModelled(f"the number of {what} is {_txt(value)}, which depends on a "
                          f"symbolic size; a list of that many shapes cannot be built")
    return value


# -- arguments: dims, sizes ---------------------------------------------------------------


def _index(value: Any, name: str = "dim") -> int:
    """An int argument such as a dim or a chunk count. A symbolic one cannot be a dim
    (torch takes concrete ints); any other type is torch's TypeError."""
    value = _plain(value)
    if type(value) is int:
        return value
    if algebra.is_symbolic(value):
        raise NotModelled(f"{name} is the symbolic value {_txt(value)}; it must be a known int")
    _fail(f"{name} must be an int, not {type(value).__name__}")


def _wrap(dim: Any, rank: int, *, scalar: bool = True) -> int:
    """torch's maybe_wrap_dim: -rank ≤ dim < rank, a 0-d tensor counting as rank 1 unless
    ``scalar`` is False (unbind, unflatten), where it has no dim at all."""
    dim = _index(dim)
    if rank == 0 and not scalar:
        _fail(f"Dimension specified as {dim} but tensor has no dimensions")
    size = max(rank, 1)
    if not -size <= dim < size:
        _fail(f"Dimension out of range (expected to be in range of [{-size}, {size - 1}], "
              f"but got {dim})")
    return dim % size


def wrap_dim(dim: Any, rank: int) -> int:
    """A dim argument as a non-negative index into a shape of this rank, or torch's
    "Dimension out of range" refusal."""
    return _wrap(dim, rank)


def _dim_list(dim: Any) -> tuple:
    if isinstance(dim, (tuple, list)):
        return tuple(dim)
    return (dim,)


def _wrap_unique(dims: Iterable, rank: int) -> list[int]:
    """Several dims, wrapped, each at most once (reductions, squeeze)."""
    wrapped: list[int] = []
    for d in dims:
        w = _wrap(d, rank)
        if w in wrapped:
            _fail(f"dim {w} appears multiple times in the list of dims")
        wrapped.append(w)
    return wrapped


def _sizes(sizes: Any, name: str = "size") -> tuple:
    """A size argument: a tuple/list (or torch.Size) of ints, or one int."""
    if isinstance(sizes, (tuple, list)):
        values = tuple(_plain(s) for s in sizes)
    else:
        values = (_plain(sizes),)
    for s in values:
        if s is not None and not _is_integer(s) and not algebra.is_symbolic(s):
            _fail(f"{name} must be a tuple of ints, but got an element of type "
                  f"{type(s).__name__}")
    return values


# -- view, reshape, flatten, unflatten -----------------------------------------------------


def _infer_size(sizes: tuple, numel: Dim) -> tuple:
    """torch's infer_size: at most one -1 (inferred), no other negative size, and a
    product equal to the number of elements."""
    inferred = None
    for i, s in enumerate(sizes):
        if type(s) is int and s == -1:
            if inferred is not None:
                _fail("only one dimension can be inferred")
            inferred = i
        elif _lt(s, 0):
            _fail(f"invalid shape dimension {_txt(s)} at index {i} of shape {_list(sizes)}")
    known = _prod(s for i, s in enumerate(sizes) if i != inferred)

    def invalid() -> str:
        return f"shape '{_list(sizes)}' is invalid for input of size {_txt(numel)}"

    if inferred is None:
        if _eq(known, numel) is False:
            _fail(invalid())
        return sizes
    if _eq(known, 0):
        if _eq(numel, 0):
            _fail(f"cannot reshape tensor of 0 elements into shape {_list(sizes)} because the "
                  f"unspecified dimension size -1 can be any value and is ambiguous")
        _fail(invalid())
    if type(numel) is int and type(known) is int and numel % known:
        _fail(invalid())
    return sizes[:inferred] + (_quotient(numel, known),) + sizes[inferred + 1:]


def view(shape: Shape, sizes: Any) -> Shape:
    """``x.view(*sizes)``. The sizes must hold exactly the input's elements; one -1 is
    inferred. A view of a non-contiguous tensor (after ``transpose``/``permute``) is also
    refused by torch when the strides do not allow it; strides are not tracked here, so
    that refusal is not reproduced."""
    shape = _shape(shape)
    return _infer_size(_sizes(sizes), _prod(shape))


def reshape(shape: Shape, sizes: Any) -> Shape:
    """``x.reshape(*sizes)``: the shape rule of ``view``, for any strides."""
    return view(shape, sizes)


def view_as(shape: Shape, other: Shape) -> Shape:
    return view(shape, tuple(other))


def flatten(shape: Shape, start_dim: int = 0, end_dim: int = -1) -> Shape:
    """``x.flatten(start_dim, end_dim)``: dims start..end become their product. A 0-d
    tensor becomes (1,)."""
    shape = _shape(shape)
    rank = len(shape)
    start, end = _wrap(start_dim, rank), _wrap(end_dim, rank)
    if start > end:
        _fail("flatten() has invalid args: start_dim cannot come after end_dim")
    if rank == 0:
        return (1,)
    return shape[:start] + (_prod(shape[start:end + 1]),) + shape[end + 1:]


def unflatten(shape: Shape, dim: int, sizes: Any) -> Shape:
    """``x.unflatten(dim, sizes)``: dim becomes ``sizes`` (one -1 inferred). torch wraps
    infer_size's own refusals in "unflatten got an unexpected error", except a product
    mismatch, which it words itself."""
    shape = _shape(shape)
    d = _wrap(dim, len(shape), scalar=False)
    sizes = _sizes(sizes)
    if not sizes:
        _fail("unflatten: sizes must be non-empty")
    try:
        resolved = _infer_size(sizes, shape[d])
    except TensorOpError as error:
        if "is invalid for input of size" in error.message:
            _fail(f"unflatten: Provided sizes {_list(sizes)} don't multiply up to the size of "
                  f"dim {d} ({_txt(shape[d])}) in the input tensor")
        _fail(f"unflatten got an unexpected error:\n{error.message}")
    return shape[:d] + resolved + shape[d + 1:]


# -- permute, transpose, t, movedim ----------------------------------------------------


def permute(shape: Shape, dims: Any) -> Shape:
    shape = _shape(shape)
    dims = _dim_list(dims)
    if len(dims) != len(shape):
        _fail(f"permute(sparse_coo): number of dimensions in the tensor input does not match "
              f"the length of the desired ordering of dimensions i.e. input.dim() = "
              f"{len(shape)} is not equal to len(dims) = {len(dims)}")
    wrapped = [_wrap(d, len(shape)) for d in dims]
    if len(set(wrapped)) != len(wrapped):
        _fail("permute(): duplicate dims are not allowed.")
    return tuple(shape[d] for d in wrapped)


def transpose(shape: Shape, dim0: int, dim1: int) -> Shape:
    shape = _shape(shape)
    a, b = _wrap(dim0, len(shape)), _wrap(dim1, len(shape))
    if not shape:
        return ()
    out = list(shape)
    out[a], out[b] = out[b], out[a]
    return tuple(out)


def t(shape: Shape) -> Shape:
    """``x.t()``: only for tensors of at most 2 dims (a 0-d or 1-d tensor is unchanged)."""
    shape = _shape(shape)
    if len(shape) > 2:
        _fail(f"t() expects a tensor with <= 2 dimensions, but self is {len(shape)}D")
    return shape[::-1]


def movedim(shape: Shape, source: Any, destination: Any) -> Shape:
    """``x.movedim(source, destination)``: the source dims land at the destination
    positions; the other dims keep their order in the remaining positions."""
    shape = _shape(shape)
    src, dst = _dim_list(source), _dim_list(destination)
    if len(src) != len(dst):
        _fail(f"movedim: Invalid source or destination dims: source ({_list(src)} dims) should "
              f"contain the same number of dims as destination ({_list(dst)} dims)")
    rank = len(shape)
    ws = [_wrap(d, rank) for d in src]
    wd = [_wrap(d, rank) for d in dst]
    for name, given, wrapped in (("source", src, ws), ("destination", dst, wd)):
        if len(set(wrapped)) != len(wrapped):
            _fail(f"movedim: repeated dim in `{name}` ({_list(given)})")
    if rank == 0:
        return ()
    out: list = [None] * rank
    taken = [False] * rank
    for s, d in zip(ws, wd):
        out[d] = shape[s]
        taken[d] = True
    rest = iter(shape[i] for i in range(rank) if i not in ws)
    for i in range(rank):
        if not taken[i]:
            out[i] = next(rest)
    return tuple(out)


# -- unsqueeze, squeeze, expand, repeat -----------------------------------------------------


def unsqueeze(shape: Shape, dim: int) -> Shape:
    shape = _shape(shape)
    d = _wrap(dim, len(shape) + 1)
    return shape[:d] + (1,) + shape[d:]


def squeeze(shape: Shape, dim: Any = None) -> Shape:
    """``x.squeeze(dim)``: removes the named dims (all dims when None) whose size is 1 and
    silently keeps the others. A symbolic size not known to be 1 is kept."""
    shape = _shape(shape)
    if dim is None:
        return tuple(s for s in shape if not _one(s))
    wrapped = _wrap_unique(_dim_list(dim), len(shape))
    if not shape:
        return ()
    return tuple(s for i, s in enumerate(shape) if not (i in wrapped and _one(s)))


def expand(shape: Shape, sizes: Any) -> Shape:
    """``x.expand(*sizes)``: each size-1 dim may grow, -1 keeps a dim, and new leading dims
    may be added (not as -1)."""
    shape = _shape(shape)
    sizes = _sizes(sizes)
    rank, n = len(shape), len(sizes)
    if n < rank:
        _fail(f"expand(torch.FloatTensor{{{_list(shape)}}}, size={_list(sizes)}): the number "
              f"of sizes provided ({n}) must be greater or equal to the number of dimensions "
              f"in the tensor ({rank})")
    out = []
    for i, target in enumerate(sizes):
        j = i - (n - rank)
        if j < 0:
            if type(target) is int and target == -1 and rank > 0:
                _fail(f"The expanded size of the tensor (-1) isn't allowed in a leading, "
                      f"non-existing dimension {i}")
            out.append(target)
            continue
        size = shape[j]
        if type(target) is int and target == -1:
            out.append(size)
        elif _eq(size, target) is False and _one(size) is False:
            _fail(f"The expanded size of the tensor ({_txt(target)}) must match the existing "
                  f"size ({_txt(size)}) at non-singleton dimension {i}.  Target sizes: "
                  f"{_list(sizes)}.  Tensor sizes: {_list(shape)}")
        else:
            out.append(size if target is None else target)
    if _numel_overflows(out):
        _fail(f"numel: integer multiplication overflow (expand to the negative size "
              f"{_txt(next(s for s in out if _lt(s, 0)))} in {_list(sizes)})")
    return tuple(out)


def _numel_overflows(sizes: list) -> bool:
    """torch multiplies sizes as unsigned 64-bit numbers, dim 0 first: a negative size is
    huge, so the product overflows (or ends above the int64 range), unless a 0 met before
    any overflow makes it 0; torch then returns a shape with a negative size."""
    if not any(_lt(s, 0) for s in sizes):
        return False
    if not all(type(s) is int for s in sizes):
        return not any(_eq(s, 0) for s in sizes)
    product, overflow = 1, False
    for s in sizes:
        product *= s % 2**64
        if product >= 2**64:
            overflow, product = True, product % 2**64
    return overflow or product >= 2**63


def expand_as(shape: Shape, other: Shape) -> Shape:
    return expand(shape, tuple(other))


def repeat(shape: Shape, sizes: Any) -> Shape:
    """``x.repeat(*sizes)``: the shape, padded with leading 1s to len(sizes), times
    sizes, dim by dim."""
    shape = _shape(shape)
    sizes = _sizes(sizes)
    if len(sizes) < len(shape):
        _fail("Number of dimensions of repeat dims can not be smaller than number of "
              "dimensions of tensor")
    padded = (1,) * (len(sizes) - len(shape)) + shape
    out = tuple(None if s is None or r is None else _plain(s * r)
                for s, r in zip(padded, sizes))
    for s in out:
        if _lt(s, 0):
            _fail(f"Trying to create tensor with negative dimension {_txt(s)}: {_list(out)}")
    return out


# -- chunk, split, tensor_split, narrow, unbind ----------------------------------------------


def _replace(shape: Shape, d: int, size: Dim) -> Shape:
    return shape[:d] + (size,) + shape[d + 1:]


def _pieces(shape: Shape, d: int, step: Dim, count: int) -> list[Shape]:
    """``count`` pieces of ``step`` along dim d, the last one taking what is left."""
    n = shape[d]
    last = None if n is None or step is None else _plain(n - (count - 1) * step)
    return [_replace(shape, d, step) for _ in range(count - 1)] + [_replace(shape, d, last)]


def chunk(shape: Shape, chunks: int, dim: int = 0) -> list[Shape]:
    """``x.chunk(chunks, dim)``: pieces of ceil(n / chunks), the last one smaller; there may
    be fewer than ``chunks`` (5 in 4 chunks gives 2, 2, 1). n = 0 gives ``chunks`` empty
    pieces. When the count depends on a symbol, ``chunks`` pieces are assumed (the count
    the code unpacks)."""
    shape = _shape(shape)
    if not shape:
        _fail("chunk expects at least a 1-dimensional tensor")
    chunks = _index(chunks, "chunks")
    if chunks <= 0:
        _fail(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _wrap(dim, len(shape))
    n = shape[d]
    if n is None:
        return [shape] * chunks
    if _eq(n, 0):
        return [_replace(shape, d, 0)] * chunks
    step = algebra.ceildiv(n, chunks)
    count = _plain(algebra.ceildiv(n, step))
    if type(count) is not int:
        count = chunks
    return _pieces(shape, d, _plain(step), count)


def split(shape: Shape, split_size_or_sections: Any, dim: int = 0) -> list[Shape]:
    """``x.split(size, dim)``: pieces of ``size``, the last one smaller (at least one
    piece); or ``x.split([s1, s2, ...], dim)``: pieces of those sizes, which must be ≥ 0 and
    sum to the dim."""
    shape = _shape(shape)
    if not shape:
        _fail("split expects at least a 1-dimensional tensor")
    d = _wrap(dim, len(shape))
    n = shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sections = _sizes(split_size_or_sections, "split_sizes")
        for s in sections:
            if _lt(s, 0):
                _fail(f"split_with_sizes expects split_sizes have only non-negative entries, "
                      f"but got split_sizes={_list(sections)}")
        if _eq(_sum(sections), n) is False:
            _fail(f"split_with_sizes expects split_sizes to sum exactly to {_txt(n)} (input "
                  f"tensor's size at dimension {d}), but got split_sizes={_list(sections)}")
        return [_replace(shape, d, s) for s in sections]
    size = _plain(split_size_or_sections)
    if not _is_integer(size):
        _index(size, "split_size")
    if _lt(size, 0):
        _fail(f"split expects split_size be non-negative, but got split_size={_txt(size)}")
    if _eq(size, 0) and _eq(n, 0) is False:
        _fail(f"split_size can only be 0 if dimension size is 0, but got dimension size of "
              f"{_txt(n)}")
    if n is None:
        raise NotModelled("split along a dimension of unknown size (None)")
    if _eq(n, 0):
        return [shape]
    count = _count(algebra.ceildiv(n, size), "pieces")
    return _pieces(shape, d, size, count)


def _clamp(value: Dim, low: Dim, high: Dim) -> Dim:
    """low ≤ value ≤ high, decided when possible, else kept exact with Min/Max."""
    if value is None or high is None:
        return None
    below, above = _lt(value, low), _le(value, high)
    if below:
        return low
    if above is False:
        return high
    if below is None:
        value = _plain(algebra.maximum(value, low))
    if above is None:
        value = _plain(algebra.minimum(value, high))
    return value


def _bound(value: Any, size: Dim, default: Dim) -> Dim:
    """A slice bound as Python's slice.indices (step > 0) resolves it: None is the
    default, a negative bound counts from the end once, then it is clamped to
    [0, size]. A bound whose sign depends on symbols is taken as non-negative."""
    if value is None:
        return default
    value = _plain(value)
    if size is None:
        return None
    if _lt(value, 0):
        value = _plain(value + size)
    return _clamp(value, 0, size)


def _span(start: Dim, stop: Dim, step: Dim = 1) -> Dim:
    """The length of [start, stop) in steps: ceil((stop - start) / step), at least 0."""
    if start is None or stop is None:
        return None
    length = _plain(algebra.ceildiv(stop - start, step))
    if _lt(length, 0):
        return 0
    if _lt(length, 0) is None:
        return _plain(algebra.maximum(length, 0))
    return length


def tensor_split(shape: Shape, indices_or_sections: Any, dim: int = 0) -> list[Shape]:
    """``x.tensor_split(k, dim)``: k pieces, the first n % k one longer than the others;
    ``x.tensor_split([i1, i2, ...], dim)``: the pieces between those indices, each resolved
    as a slice bound (negative counts from the end, then clamped)."""
    shape = _shape(shape)
    if not shape:
        _fail("tensor_split expected at least a 1-dimensional tensor, but got a tensor with "
              "0 dims")
    d = _wrap(dim, len(shape))
    n = shape[d]
    if isinstance(indices_or_sections, (list, tuple)):
        bounds = [0] + [_bound(i, n, 0) for i in _sizes(indices_or_sections, "indices")] + [n]
        return [_replace(shape, d, _span(a, b)) for a, b in zip(bounds, bounds[1:])]
    k = _index(indices_or_sections, "sections")
    if k <= 0:
        _fail(f"number of sections must be larger than 0, got {k}")
    if n is None:
        raise NotModelled("tensor_split of a dimension of unknown size (None)")
    small = _plain(algebra.floordiv(n, k))
    longer = _count(n - small * k, "longer pieces")
    return [_replace(shape, d, _plain(small + 1)) for _ in range(longer)] + \
        [_replace(shape, d, small) for _ in range(k - longer)]


def narrow(shape: Shape, dim: int, start: Any, length: Any) -> Shape:
    """``x.narrow(dim, start, length)``: -n ≤ start ≤ n (negative counts from the end),
    length ≥ 0, start + length ≤ n."""
    shape = _shape(shape)
    if not shape:
        _fail("narrow() cannot be applied to a 0-dim tensor.")
    d = _wrap(dim, len(shape))
    n = shape[d]
    start, length = _plain(start), _plain(length)
    if _lt(length, 0):
        _fail("narrow(): length must be non-negative.")
    if n is None:
        return _replace(shape, d, length)
    if _lt(start, -n) or _lt(n, start):
        _fail(f"start out of range (expected to be in range of [{_txt(-n)}, {_txt(n)}], but "
              f"got {_txt(start)})")
    if _lt(start, 0):
        start = _plain(start + n)
    if _lt(n, _plain(start + length)):
        _fail(f"start ({_txt(start)}) + length ({_txt(length)}) exceeds dimension size "
              f"({_txt(n)}).")
    return _replace(shape, d, length)


def unbind(shape: Shape, dim: int = 0) -> list[Shape]:
    """``x.unbind(dim)``: one shape per index along dim, without that dim."""
    shape = _shape(shape)
    d = _wrap(dim, len(shape), scalar=False)
    n = shape[d]
    if n is None:
        raise NotModelled("unbind along a dimension of unknown size (None)")
    return [shape[:d] + shape[d + 1:]] * _count(n, "tensors unbind returns")


# -- indexing -------------------------------------------------------------------------------


def _slice_length(size: Dim, item: slice) -> Dim:
    step = 1 if item.step is None else _plain(item.step)
    if not _is_integer(step):
        _fail(f"slice indices must be integers or None, got {type(step).__name__}")
    if _eq(step, 0):
        _fail("slice step cannot be zero")
    if _lt(step, 0):
        _fail("step must be greater than zero")
    if size is None:
        return None
    start, stop = _plain(item.start), _plain(item.stop)
    if type(start) is int and start < 0 and (stop is None or _le(size, stop)) and \
            algebra.is_symbolic(size):
        # x[-k:] keeps min(k, size) elements: said so, rather than size - max(size - k, 0)
        return _plain(algebra.ceildiv(algebra.minimum(-start, size), step))
    return _span(_bound(start, size, 0), _bound(stop, size, size), step)


def _index_kind(item: Any) -> str:
    if item is None:
        return "none"
    if item is Ellipsis:
        return "ellipsis"
    if isinstance(item, bool):
        return "bool"
    if isinstance(item, slice):
        return "slice"
    if _is_integer(_plain(item)):
        return "int"
    if isinstance(item, (float, complex, str, bytes)):
        _fail(f"only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
              f"are valid indices (got {type(item).__name__})")
    raise NotModelled(f"indexing with {type(item).__name__} (advanced indexing with a list or "
                      f"a tensor) is not modelled")


def getitem(shape: Shape, index: Any) -> Shape:
    """``x[index]``: ints remove a dim (bounds checked), slices (step > 0) shorten one,
    None adds a dim of 1, Ellipsis stands for the dims no other item takes.

    True and False each add a dim and index it with a tensor of length 1 or 0; these
    tensor indices broadcast together (one False makes the length 0), and their dims
    merge into one, in place when they are adjacent, first otherwise (``x[True, None,
    False]`` on (3, 4) is (0, 1, 3, 4))."""
    shape = _shape(shape)
    single = not isinstance(index, tuple)
    items = (index,) if single else index
    kinds = [_index_kind(item) for item in items]
    rank = len(shape)
    if rank == 0 and single and kinds[0] == "int":
        _fail("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
              "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
    if rank == 0 and single and kinds[0] == "slice":
        _fail("slice() cannot be applied to a 0-dim tensor.")
    consumed = sum(kind in ("int", "slice") for kind in kinds)
    if consumed > rank:
        _fail(f"too many indices for tensor of dimension {rank}")
    out = list(shape)
    pointer = selected = 0
    masks: list[tuple[int, int]] = []  # (position in out, length) of each True/False
    for item, kind in zip(items, kinds):
        if kind == "ellipsis":
            pointer += rank - consumed
            continue
        if kind in ("none", "bool"):
            if pointer > len(out):
                _fail(f"Dimension out of range (expected to be in range of "
                      f"[{-len(out) - 1}, {len(out)}], but got {pointer})")
            out.insert(pointer, 1)
            if kind == "bool":
                masks.append((pointer, 1 if item else 0))
            pointer += 1
            continue
        if pointer >= len(out):
            raise NotModelled("an index past the last dim (after several Ellipsis)")
        size = out[pointer]
        if kind == "int":
            i = _plain(item)
            if size is not None and (_lt(i, -size) or _le(size, i)):
                _fail(f"index {_txt(i)} is out of bounds for dimension {pointer + selected} "
                      f"with size {_txt(size)}")
            del out[pointer]
            selected += 1
        else:
            out[pointer] = _slice_length(size, item)
            pointer += 1
    if masks:
        positions = [p for p, _ in masks]
        length = min(n for _, n in masks)
        for p in reversed(positions):
            del out[p]
        adjacent = positions[-1] - positions[0] == len(positions) - 1
        out.insert(positions[0] if adjacent else 0, length)
    return tuple(out)


# -- cat, stack -------------------------------------------------------------------------------


def cat(shapes: Iterable[Shape], dim: int = 0) -> Shape:
    """``torch.cat(tensors, dim)``: equal sizes except on dim, which adds up. As torch
    does, a 1-d tensor of size 0 is skipped (whatever its rank and dim); when all are
    skipped the result is (0,)."""
    shapes = [_shape(s) for s in shapes]
    if not shapes:
        _fail("torch.cat(): expected a non-empty list of Tensors")
    for i, s in enumerate(shapes):
        if not s:
            _fail(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    kept = [(i, s) for i, s in enumerate(shapes) if not (len(s) == 1 and _eq(s[0], 0))]
    if not kept:
        return (0,)
    reference = kept[0][1]
    rank = len(reference)
    d = _wrap(dim, rank)
    for i, s in kept[1:]:
        if len(s) != rank:
            _fail(f"Tensors must have same number of dimensions: got {rank} and {len(s)}")
        for axis in range(rank):
            if axis != d and _eq(s[axis], reference[axis]) is False:
                _fail(f"Sizes of tensors must match except in dimension {d}. Expected size "
                      f"{_txt(reference[axis])} but got size {_txt(s[axis])} for tensor "
                      f"number {i} in the list.")
    out = list(reference)
    for axis in range(rank):
        if axis != d and out[axis] is None:
            out[axis] = next((s[axis] for _, s in kept if s[axis] is not None), None)
    out[d] = _sum(s[d] for _, s in kept)
    return tuple(out)


def stack(shapes: Iterable[Shape], dim: int = 0) -> Shape:
    """``torch.stack(tensors, dim)``: all shapes equal; a new dim of len(tensors)."""
    shapes = [_shape(s) for s in shapes]
    if not shapes:
        _fail("stack expects a non-empty TensorList")
    first = shapes[0]
    d = _wrap(dim, len(first) + 1)
    for i, s in enumerate(shapes[1:], start=1):
        if len(s) != len(first) or any(_eq(a, b) is False for a, b in zip(first, s)):
            _fail(f"stack expects each tensor to be equal size, but got {_list(first)} at "
                  f"entry 0 and {_list(s)} at entry {i}")
    return first[:d] + (len(shapes),) + first[d:]


# -- reductions -------------------------------------------------------------------------------

_TUPLE_DIM = {"sum", "mean", "nansum", "nanmean", "amax", "amin", "std", "var", "logsumexp",
              "norm", "any", "all", "count_nonzero"}
_INT_DIM = {"prod", "argmax", "argmin", "max", "min", "median", "nanmedian", "mode"}
_NONEMPTY = {"amax", "amin", "argmax", "argmin", "max", "min", "median", "nanmedian", "mode"}
_NONEMPTY_WITHOUT_DIM = {"amax", "amin", "argmax", "argmin", "max", "min"}
_KEEPDIM_WITHOUT_DIM = {"sum", "mean", "nansum", "nanmean", "amax", "amin", "std", "var",
                        "norm", "any", "all", "argmax", "argmin"}


def reduce(shape: Shape, dim: Any = None, keepdim: bool = False, *, op: str = "sum") -> Shape:
    """A reduction such as ``x.mean(dim, keepdim)``: the reduced dims go (or stay as 1
    with keepdim); dim None reduces all. ``op`` names the torch function, whose quirks
    differ:

    - sum, mean, nansum, nanmean, amax, amin, std, var, norm, count_nonzero: dim may be a
      tuple; ``dim=()`` reduces every dim (as None does).
    - any, all: ``dim=()`` reduces nothing.
    - norm (its default p='fro'): at most 2 dims in a tuple.
    - logsumexp: dim is required; ``dim=()`` needs keepdim (else torch's own out= check
      refuses it).
    - prod, argmax, argmin, max, min, median, nanmedian, mode: dim is one int.
    - amax, amin, argmax, argmin, max, min, median, nanmedian, mode refuse to reduce a dim
      of size 0 (and, without dim, an empty tensor, except median).
    A 0-d tensor accepts dim 0 or -1 and stays 0-d, keepdim or not."""
    shape = _shape(shape)
    if op not in _TUPLE_DIM | _INT_DIM:
        raise ValueError(f"unknown reduction {op!r}")
    rank = len(shape)
    if dim is None and op == "mode":
        dim = -1  # torch.mode's default
    if dim is None:
        if op == "logsumexp":
            _fail("logsumexp(): argument 'dim' must be tuple of ints, not NoneType")
        if keepdim and op not in _KEEPDIM_WITHOUT_DIM:
            _fail(f"{op}(): argument 'dim' must be int, not NoneType")
        _nonempty(shape, op)
        return (1,) * rank if keepdim else ()
    if isinstance(dim, (tuple, list)) and op in _INT_DIM:
        _fail(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    if op == "count_nonzero" and keepdim:
        _fail("count_nonzero() received an invalid combination of arguments - got "
              "(Tensor, keepdim=bool, dim=...), but expected one of: (Tensor input, "
              "tuple of ints dim)")
    dims = _wrap_unique(_dim_list(dim), rank)
    if op == "norm" and len(_dim_list(dim)) > 2:
        _fail(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
              f"{' '.join(str(d) for d in _dim_list(dim))}")
    if rank == 0:
        return ()
    if not dims:
        if op in ("any", "all"):
            return shape
        if op == "logsumexp" and not keepdim and _eq(_prod(shape), 0) is not True:
            _fail(f"output with shape [] doesn't match the broadcast shape {_list((1,) * rank)}")
        _nonempty(shape, op)
        return (1,) * rank if keepdim else ()
    if op in _NONEMPTY:
        for d in dims:
            if _eq(shape[d], 0):
                _fail(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    if keepdim:
        return tuple(1 if i in dims else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def _nonempty(shape: Shape, op: str) -> None:
    """A max-like reduction of every dim needs an element."""
    if op in _NONEMPTY_WITHOUT_DIM and _eq(_prod(shape), 0):
        _fail(f"{op}(): Expected reduction dim to be specified for input.numel() == 0."
              + ("" if op.startswith("arg") else
                 " Specify the reduction dim with the 'dim' argument."))


def argmax(shape: Shape, dim: Any = None, keepdim: bool = False) -> Shape:
    """``x.argmax(dim, keepdim)``: dim None flattens (keepdim then gives all 1s)."""
    return reduce(shape, dim, keepdim, op="argmax")


def argmin(shape: Shape, dim: Any = None, keepdim: bool = False) -> Shape:
    return reduce(shape, dim, keepdim, op="argmin")


def reduce_pair(shape: Shape, dim: int, keepdim: bool = False, *,
                op: str = "max") -> tuple[Shape, Shape]:
    """``torch.max(x, dim)`` (or min, median, nanmedian, mode): the pair (values, indices),
    both of the reduced shape. Without dim, ``torch.max(x)`` is ``reduce(x, op="max")``."""
    if op not in ("max", "min", "median", "nanmedian", "mode"):
        raise ValueError(f"{op!r} does not return (values, indices)")
    out = reduce(shape, _index(dim), keepdim, op=op)
    return out, out


def topk(shape: Shape, k: Any, dim: int = -1) -> tuple[Shape, Shape]:
    """``x.topk(k, dim)``: (values, indices) with dim of size k, 0 ≤ k ≤ its size."""
    shape = _shape(shape)
    d = _wrap(dim, len(shape))
    size = shape[d] if shape else 1
    k = _plain(k)
    if _lt(k, 0) or _lt(size, k):
        _fail("selected index k out of range")
    out = _replace(shape, d, k) if shape else ()
    return out, out


# -- broadcasting -----------------------------------------------------------------------------


def _broadcast_size(a: Dim, b: Dim, axis: int) -> Dim:
    """One axis of two broadcast shapes: equal sizes, or one of them 1."""
    if _one(a):
        return b
    if _one(b):
        return a
    equal = _eq(a, b)
    if equal is False:
        _fail(f"The size of tensor a ({_txt(a)}) must match the size of tensor b ({_txt(b)}) "
              f"at non-singleton dimension {axis}")
    if a is None or b is None:
        known = b if a is None else a
        return None if _one(known) is not False else known
    if equal:
        return a
    # undecided: valid only if one is 1 or both are equal, so a known non-1 size wins
    if _one(a) is False:
        return a
    if _one(b) is False:
        return b
    return _plain(algebra.maximum(a, b))


def _broadcast_pair(a: Shape, b: Shape) -> Shape:
    rank = max(len(a), len(b))
    a = (1,) * (rank - len(a)) + tuple(a)
    b = (1,) * (rank - len(b)) + tuple(b)
    return tuple(_broadcast_size(x, y, i) for i, (x, y) in enumerate(zip(a, b)))


def broadcast(*shapes: Shape) -> Shape:
    """The shape of ``a + b (+ c ...)``: NumPy broadcasting (trailing dims aligned, sizes
    equal or 1), applied left to right as the binary ops are."""
    if not shapes:
        return ()
    out = _shape(shapes[0])
    for s in shapes[1:]:
        out = _broadcast_pair(out, _shape(s))
    return out


# -- matrix products ---------------------------------------------------------------------------


def _require_rank(shape: Shape, rank: int, message: str) -> None:
    if len(shape) != rank:
        _fail(message)


def _mm_check(a: Shape, b: Shape) -> None:
    """mm's condition on (m, k) @ (k2, n)."""
    if _eq(a[1], b[0]) is False:
        _fail(f"mat1 and mat2 shapes cannot be multiplied ({_txt(a[0])}x{_txt(a[1])} and "
              f"{_txt(b[0])}x{_txt(b[1])})")


def mm(a: Shape, b: Shape) -> tuple[Shape, Dim]:
    """``torch.mm(a, b)``: (m, k) @ (k, n) → (m, n), m·k·n MACs."""
    a, b = _shape(a), _shape(b)
    _require_rank(a, 2, "self must be a matrix")
    _require_rank(b, 2, "mat2 must be a matrix")
    _mm_check(a, b)
    return (a[0], b[1]), _prod((a[0], a[1], b[1]))


def bmm(a: Shape, b: Shape) -> tuple[Shape, Dim]:
    """``torch.bmm(a, b)``: (B, n, k) @ (B, k, m) → (B, n, m), B·n·k·m MACs."""
    a, b = _shape(a), _shape(b)
    _require_rank(a, 3, "batch1 must be a 3D tensor")
    _require_rank(b, 3, "batch2 must be a 3D tensor")
    if _eq(a[0], b[0]) is False or _eq(a[2], b[1]) is False:
        _fail(f"Expected size for first two dimensions of batch2 tensor to be: "
              f"{_list((a[0], a[2]))} but got: {_list(b[:2])}.")
    return (a[0], a[1], b[2]), _prod((a[0], a[1], a[2], b[2]))


def _mv_check(rows: Dim, a: Shape, b: Shape) -> None:
    if _eq(a[-1], b[0]) is False:
        _fail(f"size mismatch, got input ({_txt(rows)}), mat ({_txt(rows)}x{_txt(a[-1])}), "
              f"vec ({_txt(b[0])})")


def matmul(a: Shape, b: Shape) -> tuple[Shape, Dim]:
    """``a @ b`` as torch.matmul runs it, and the MACs FlopCounterMode counts:

    - 1-D @ 1-D: a dot product → (), 0 MACs (not counted).
    - N-D @ 1-D (N ≥ 2): a matrix-vector product over the folded rows → a[:-1], 0 MACs.
    - 1-D @ 2-D: mm of (1, k) @ (k, n) → (n,), k·n MACs.
    - N-D @ 2-D (N ≥ 2): the leading dims fold into mm rows → a[:-1] + (n,).
    - otherwise (one side ≥ 3-D): batch dims broadcast, then bmm over all of them, so a
      broadcast batch counts in full; a 1-D left operand is a single row, except that a
      (1,) @ (..., 1, m) folds into a matrix-vector product (0 MACs)."""
    a, b = _shape(a), _shape(b)
    ra, rb = len(a), len(b)
    if ra == 0 or rb == 0:
        _fail(f"both arguments to matmul need to be at least 1D, but they are {ra}D and {rb}D")
    if ra == 1 and rb == 1:
        if _eq(a[0], b[0]) is False:
            _fail(f"inconsistent tensor size, expected tensor [{_txt(a[0])}] and src "
                  f"[{_txt(b[0])}] to have the same number of elements, but got {_txt(a[0])} "
                  f"and {_txt(b[0])} elements respectively")
        return (), 0
    if rb == 1:
        rows = _prod(a[:-1])
        _mv_check(rows, a, b)
        return a[:-1], 0
    if ra <= 2 and rb == 2:
        rows = a if ra == 2 else (1, a[0])
        _mm_check(rows, b)
        return a[:-1] + (b[1],), _prod((rows[0], rows[1], b[1]))
    if rb == 2:
        rows = _prod(a[:-1])
        _mm_check((rows, a[-1]), b)
        return a[:-1] + (b[1],), _prod((rows, a[-1], b[1]))
    batch = _broadcast_pair(a[:-2], b[:-2])
    n = a[-2] if ra >= 2 else 1
    k, k2, m = a[-1], b[-2], b[-1]
    count = _prod(batch)
    if _eq(k, k2) is False:
        _fail(f"Expected size for first two dimensions of batch2 tensor to be: "
              f"{_list((count, k))} but got: {_list((count, k2))}.")
    rows = (n,) if ra >= 2 else ()
    if ra == 1 and _one(k):
        # b.mT then folds without a copy, and torch runs a matrix-vector product
        return batch + (m,), 0
    return batch + rows + (m,), _prod((count, n, k, m))


def _vector_like(bias: Shape) -> bool:
    """Whether F.linear adds this bias inside addmm (on the flattened input): a 1-D bias,
    or one with a single dim that is not 1. Observed in torch 2.13: other biases are added
    after a matmul."""
    if len(bias) == 1:
        return True
    big = [s for s in bias if _one(s) is not True]
    return len(bias) >= 2 and len(big) == 1


def linear(x: Shape, weight_shape: Shape, bias_shape: Shape | None = None) -> tuple[Shape, Dim]:
    """``F.linear(x, weight, bias)`` = x @ weight.T + bias, with the MACs FlopCounterMode
    counts (prod(x[:-1])·in·out for a 2-D weight, 0 for a 1-D one; the bias never).

    torch picks one of two paths, which refuse different biases: addmm on the input
    flattened to 2-D when x is 2-D or the bias is vector-like (``_vector_like``), where the
    bias must expand to (rows, out); otherwise matmul followed by an in-place add, where
    the bias must broadcast into the output without growing it (under a dispatch mode such
    as FlopCounterMode torch adds out of place and lets it grow; plain eager is followed
    here)."""
    x, w = _shape(x), _shape(weight_shape)
    if not x or not w:
        _fail(f"both arguments to linear need to be at least 1D, but they are {len(x)}D and "
              f"{len(w)}D")
    wt = t(w)
    bias = None if bias_shape is None else _shape(bias_shape)
    if bias is not None and (len(x) == 2 or _vector_like(bias)):
        if len(wt) != 2:
            _fail(f"mat2 must be a matrix, got {len(wt)}-D tensor")
        rows = _prod(x[:-1])
        _mm_check((rows, x[-1]), wt)
        expand(bias, (rows, wt[1]))
        return x[:-1] + (wt[1],), _prod((rows, x[-1], wt[1]))
    out, macs = matmul(x, wt)
    if bias is not None:
        grown = _broadcast_pair(out, bias)
        if len(grown) != len(out) or any(_eq(g, o) is False for g, o in zip(grown, out)):
            _fail(f"output with shape {_list(out)} doesn't match the broadcast shape "
                  f"{_list(grown)}")
    return out, macs


def scaled_dot_product_attention(q: Shape, k: Shape, v: Shape, *,
                                 enable_gqa: bool = False) -> tuple[Shape, Dim]:
    """``F.scaled_dot_product_attention(q, k, v)``: (..., L, E), (..., S, E), (..., S, Ev) →
    (..., L, Ev), batch dims broadcast. MACs follow the math path, softmax(q @ kᵀ) @ v:
    L·S·E + L·S·Ev per batch element, which is what torch's ``sdpa_flop`` formula counts on
    CUDA (flash/efficient/cuDNN kernels) for 4-D inputs, and what FlopCounterMode counts on
    CPU whenever the math kernel runs (e.g. Ev ≠ E, or under
    ``sdpa_kernel(SDPBackend.MATH)``). On CPU with Ev = E torch picks
    ``_scaled_dot_product_flash_attention_for_cpu``, which FlopCounterMode does not know, so
    it counts 0 there. With ``enable_gqa`` the key/value heads (dim -3) are repeated to the
    query's heads, which must be a multiple of them."""
    q, k, v = _shape(q), _shape(k), _shape(v)
    if len(q) < 2 or len(k) < 2 or len(v) < 2:
        _fail(f"Expected query, key, and value to all be  at least 2 dimensional, but got "
              f"query.dim: {len(q)} key.dim: {len(k)} and value.dim: {len(v)} instead.")
    if enable_gqa:
        for tensor in (q, k, v):
            _wrap(-3, len(tensor))
        k, v = _repeat_heads(q, k, "key"), _repeat_heads(q, v, "value")
    scores, first = matmul(q, k[:-2] + (k[-1], k[-2]))
    out, second = matmul(scores, v)
    macs = None if first is None or second is None else _plain(first + second)
    return out, macs


def _repeat_heads(q: Shape, kv: Shape, name: str) -> Shape:
    heads, kv_heads = q[-3], kv[-3]
    if type(heads) is int and type(kv_heads) is int and (kv_heads == 0 or heads % kv_heads):
        _fail(f"number of heads in {name} ({kv_heads}) must divide the number of heads in "
              f"query ({heads}) for grouped-query attention")
    return kv[:-3] + (heads,) + kv[-2:]


# -- einsum ------------------------------------------------------------------------------------

_ELLIPSIS = "..."


def _einsum_term(equation: str, start: int, end: int, who: str) -> list[str]:
    """The subscripts of one operand (or of the output) between equation[start:end]: letters
    and at most one ellipsis; spaces are ignored."""
    labels: list[str] = []
    i = start
    while i < end:
        c = equation[i]
        if c == " ":
            i += 1
        elif c == ".":
            if equation[i:i + 3] != _ELLIPSIS or i + 3 > end:
                _fail(f"einsum(): found '.' for {who} that is not part of any ellipsis")
            if _ELLIPSIS in labels:
                what = "for output but an ellipsis (...) was already found" if who == "output" \
                    else f"for {who} for which an ellipsis was already found"
                _fail(f"einsum(): found '.' {what}")
            labels.append(_ELLIPSIS)
            i += 3
        elif c.isascii() and c.isalpha():
            labels.append(c)
            i += 1
        else:
            _fail(f"einsum(): invalid subscript given at index {i} in the equation string, "
                  f"subscripts must be in [a-zA-Z]")
    return labels


def _einsum_operands(equation: str, shapes: list[Shape]) -> tuple[list[list[str]], int]:
    arrow = equation.find("->")
    lhs_end = len(equation) if arrow < 0 else arrow
    terms, start = [], 0
    for i in range(lhs_end + 1):
        if i == lhs_end or equation[i] == ",":
            terms.append((start, i))
            start = i + 1
    if len(terms) > len(shapes):
        _fail("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        _fail("einsum(): more operands were provided than specified in the equation")
    operands = [_einsum_term(equation, a, b, f"operand {n}") for n, (a, b) in enumerate(terms)]
    return operands, arrow


def einsum(equation: str, *shapes: Shape) -> tuple[Shape, Dim]:
    """``torch.einsum(equation, *operands)``: the output shape and the MACs FlopCounterMode
    counts. Subscripts broadcast (a size-1 dim matches any size); a repeated subscript in
    one operand takes its diagonal; the ellipsis dims of all operands broadcast, right
    aligned. Without '->' the output is the ellipsis dims, then the subscripts that appear
    once, in ASCII order (upper case first).

    Without the optional opt_einsum package (with it, torch may pick another order), torch
    contracts the operands left to right. At each step a subscript needed neither by the
    output nor by a later operand is summed out (a later operand where it has size 1 does
    not count): for free when one side has it with size 1 (or lacks it), otherwise as a
    contracted dim of a bmm. A step with no contracted dim is an element-wise product
    (0 MACs); otherwise it counts the product of the sizes of every dim involved."""
    if not isinstance(equation, str):
        _fail("einsum(): equation must be a string")
    shapes = [_shape(s) for s in shapes]
    operands, arrow = _einsum_operands(equation, shapes)
    sizes: dict[str, Dim] = {}
    ellipsis_dims: tuple = ()
    tables: list[dict[str, Dim]] = []
    for n, (labels, shape) in enumerate(zip(operands, shapes)):
        table, dims = _einsum_bind(labels, shape, n)
        for c, size in table.items():
            if c.startswith("."):
                continue
            if c in sizes:
                sizes[c] = _einsum_broadcast(sizes[c], size, lambda c=c, s=size, p=sizes[c]: (
                    f"einsum(): subscript {c} has size {_txt(s)} for operand {n} which does "
                    f"not broadcast with previously seen size {_txt(p)}"))
            else:
                sizes[c] = size
        ellipsis_dims = _einsum_ellipsis(ellipsis_dims, dims, n)
        tables.append(table)
    output = _einsum_output(equation, arrow, operands)
    width = len(ellipsis_dims)
    sizes.update({f".{j}": ellipsis_dims[width - j] for j in range(1, width + 1)})
    out_labels: list[str] = []
    for c in output:
        out_labels.extend([f".{j}" for j in range(width, 0, -1)] if c == _ELLIPSIS else [c])
    return tuple(sizes[c] for c in out_labels), _einsum_macs(tables, out_labels)


def _einsum_bind(labels: list[str], shape: Shape, n: int) -> tuple[dict[str, Dim], Shape]:
    """Subscript → size for one operand, and the dims its ellipsis covers; those are keyed
    .1 (the last), .2 ... from the right, as ellipses align on the right."""
    named = [c for c in labels if c != _ELLIPSIS]
    has_ellipsis = _ELLIPSIS in labels
    if not has_ellipsis and len(named) != len(shape):
        _fail(f"einsum(): the number of subscripts in the equation ({len(named)}) does not "
              f"match the number of dimensions ({len(shape)}) for operand {n} and no "
              f"ellipsis was given")
    if len(named) > len(shape):
        _fail(f"einsum(): the number of subscripts in the equation ({len(named)}) is more "
              f"than the number of dimensions ({len(shape)}) for operand {n}")
    at = labels.index(_ELLIPSIS) if has_ellipsis else len(labels)
    covered = len(shape) - len(named)
    dims = shape[at:at + covered]
    table: dict[str, Dim] = {}
    for c, size in zip(named, shape[:at] + shape[at + covered:]):
        if c in table and _eq(table[c], size) is False:
            _fail(f"einsum(): subscript {c} is repeated for operand {n} but the sizes don't "
                  f"match, {_txt(size)} != {_txt(table[c])}")
        table.setdefault(c, size)
    for j, size in enumerate(reversed(dims), start=1):
        table[f".{j}"] = size
    return table, dims


def _einsum_broadcast(seen: Dim, size: Dim, message: Callable[[], str]) -> Dim:
    if _one(size):
        return seen
    if _one(seen):
        return size
    if _eq(seen, size) is False:
        _fail(message())
    return seen if seen is not None else size


def _einsum_ellipsis(seen: tuple, dims: tuple, n: int) -> tuple:
    """The ellipsis dims seen so far, broadcast (right aligned) with one operand's."""
    width = max(len(seen), len(dims))
    seen = (1,) * (width - len(seen)) + tuple(seen)
    offset = width - len(dims)
    return tuple(a if i < offset else _einsum_broadcast(
        a, dims[i - offset], lambda i=i, a=a, b=dims[i - offset]: (
            f"einsum(): dimension {i} covered by ellipsis in operand {n}has size {_txt(b)} "
            f"which does not broadcast with previously seen ellipsis with size {_txt(a)} for "
            f"the respective dimension"))
        for i, a in enumerate(seen))


def _einsum_output(equation: str, arrow: int, operands: list[list[str]]) -> list[str]:
    seen = [c for labels in operands for c in labels]
    if arrow < 0:
        once = sorted(c for c in set(seen) if c != _ELLIPSIS and seen.count(c) == 1)
        return ([_ELLIPSIS] if _ELLIPSIS in seen else []) + once
    output = _einsum_term(equation, arrow + 2, len(equation), "output")
    for i, c in enumerate(output):
        if c == _ELLIPSIS:
            continue
        if c not in seen:
            _fail(f"einsum(): output subscript {c} does not appear in the equation for any "
                  f"input operand")
        if c in output[:i]:
            _fail(f"einsum(): output subscript {c} appears more than once in the output")
    return output


def _einsum_macs(tables: list[dict[str, Dim]], out_labels: list[str]) -> Dim:
    if len(tables) < 2:
        return 0
    total: Dim = 0
    current = dict(tables[0])
    for step in range(1, len(tables)):
        other = tables[step]
        # a later operand needs a subscript only where its size is not 1 (else it broadcasts)
        needed = set(out_labels).union(*({c for c, size in later.items() if _one(size) is not True}
                                          for later in tables[step + 1:]))
        merged: dict[str, Dim] = {}
        contracted = False
        for c in list(current) + [c for c in other if c not in current]:
            left, right = current.get(c, 1), other.get(c, 1)
            size = _einsum_broadcast(left, right, lambda: "")
            if c in needed:
                merged[c] = size
            elif _one(left) is not True and _one(right) is not True:
                merged[c] = size
                contracted = True
        if contracted:
            macs = _prod(merged.values())
            total = None if total is None or macs is None else _plain(total + macs)
        current = {c: s for c, s in merged.items() if c in needed}
    return total


# -- einops --------------------------------------------------------------------------------

_REDUCTIONS = ("min", "max", "sum", "mean", "prod", "any", "all")
_DOTS = "\u2026"  # an ellipsis, once parsed (einops shows it so)


class _Anonymous:
    """An anonymous axis written as a number (``2`` in ``(h 2)``): each occurrence is its
    own axis."""

    def __init__(self, length: int) -> None:
        self.length = length

    def __repr__(self) -> str:
        return f"{self.length}-axis"


class _Side:
    """One side of an einops pattern: its groups (lists of axes; a bare axis is a group of
    one, ``()`` or ``1`` an empty group, a bare ellipsis the string ``_DOTS`` itself, so
    that it stays apart from a composed ``(...)``) and whether it has an ellipsis."""

    def __init__(self, groups: list[list], ellipsis: bool, composite_ellipsis: bool) -> None:
        self.groups = groups
        self.ellipsis = ellipsis
        self.composite_ellipsis = composite_ellipsis

    def axes(self) -> list:
        return [a for g in self.groups for a in ([g] if g == _DOTS else g)]

    def names(self) -> set[str]:
        return {a for a in self.axes() if isinstance(a, str)}

    def anonymous(self) -> list[_Anonymous]:
        return [a for a in self.axes() if isinstance(a, _Anonymous)]


def _einops_identifier(token: str) -> None:
    if not token.isidentifier():  # a keyword (``for``) only draws a warning from einops
        _fail(f"Invalid axis identifier: {token}\nnot a valid python identifier")
    if token.startswith("_") or token.endswith("_"):
        _fail(f"Invalid axis identifier: {token}\naxis name should should not start or end "
              f"with underscore")


def _einops_side(expression: str) -> _Side:
    """Parse one side of a pattern: axis names, numbers (anonymous axes; 1 is a unit
    axis), one level of parentheses (composition) and one ellipsis."""
    dots = expression.count(".")
    if dots:
        if _ELLIPSIS not in expression or dots != 3:
            _fail("Expression may contain dots only inside ellipsis (...)" +
                  ("; only one ellipsis for tensor " if dots > 3 and _ELLIPSIS in expression
                   else ""))
        expression = expression.replace(_ELLIPSIS, f" {_DOTS} ")
    groups: list[list] = []
    current: list | None = None
    composite_ellipsis = False
    seen: set = set()
    for token in re.findall(r"[()]|[^\s()]+", expression):
        if token == "(":
            if current is not None:
                _fail("Axis composition is one-level (brackets inside brackets not allowed)")
            current = []
            continue
        if token == ")":
            if current is None:
                _fail("Brackets are not balanced")
            groups.append(current)
            current = None
            continue
        if token == _DOTS:
            axis: Any = token
            composite_ellipsis |= current is not None
        elif token.isdecimal():
            length = int(token)
            if length <= 0:
                _fail(f"Anonymous axis should have positive length, not {length}")
            if length == 1:
                if current is None:
                    groups.append([])
                continue
            axis = _Anonymous(length)
        else:
            bad = next((c for c in token if not (c.isalnum() or c == "_")), None)
            if bad is not None:
                _fail(f"Unknown character {bad!r}")
            _einops_identifier(token)
            axis = token
        if isinstance(axis, str):
            if axis in seen:
                _fail(f'Indexing expression contains duplicate dimension "{axis}"')
            seen.add(axis)
        if current is None:
            groups.append(axis if axis == _DOTS else [axis])
        else:
            current.append(axis)
    if current is not None:
        _fail(f'Imbalanced parentheses in expression: "{expression}"')
    return _Side(groups, _DOTS in seen, composite_ellipsis)


def _einops_error(operation: str, pattern: str, shape: Shape, axes_lengths: dict,
                  reason: str) -> TensorOpError:
    shown = "(" + ", ".join(_txt(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    return TensorOpError(f' Error while processing {operation}-reduction pattern "{pattern}".\n'
                         f" Input tensor shape: {shown}. Additional info: {axes_lengths}.\n"
                         f" {reason}")


def _einops(operation: str, shape: Shape, pattern: str, reduction: str | None,
            axes_lengths: dict) -> Shape:
    shape = _shape(shape)
    lengths = {name: _plain(value) for name, value in axes_lengths.items()}
    try:
        return _einops_apply(operation, shape, pattern, reduction, lengths)
    except TensorOpError as error:
        raise _einops_error(reduction if operation == "reduce" else operation, pattern, shape,
                            axes_lengths, error.message) from None


def _einops_apply(operation: str, shape: Shape, pattern: str, reduction: str | None,
                  lengths: dict) -> Shape:
    if pattern.count("->") != 1:
        _fail(f"pattern must have exactly one '->', got {pattern!r}")
    left_text, right_text = pattern.split("->")
    left, right = _einops_side(left_text), _einops_side(right_text)
    if left.composite_ellipsis:
        _fail(f"Ellipsis inside parenthesis in the left side is not allowed: {pattern}")
    if right.ellipsis and not left.ellipsis:
        _fail(f"Ellipsis found in right side, but not left side of a pattern {pattern}")
    for name, value in lengths.items():
        if not isinstance(name, str) or not name.isidentifier():
            _fail(f"('Invalid name for an axis', {name!r})")
        if value is not None and not _is_integer(value) and not algebra.is_symbolic(value):
            _fail(f"'{type(value).__name__}' object cannot be interpreted as an integer")
    _einops_compatible(operation, reduction, left, right)
    for name in lengths:
        if name not in left.names() | right.names():
            _fail(f"Axis {name} is not used in transform")
    known = _einops_left(shape, left, lengths)
    if operation == "repeat":
        new = right.names() - left.names()
        missing = sorted(new - set(lengths))
        if missing:
            _fail(f"Specify sizes for new axes in repeat: {_set(missing)}")
        for name in new:
            if _lt(lengths[name], 0):
                _fail("negative dimensions are not allowed")
            known[name] = lengths[name]
    out = []
    for group in right.groups:
        if group == _DOTS:
            out.extend(known[_DOTS])
            continue
        parts = []
        for axis in group:
            if axis == _DOTS:
                parts.extend(known[_DOTS])
            elif isinstance(axis, _Anonymous):
                parts.append(axis.length)
            else:
                parts.append(known[axis])
        out.append(_prod(parts))
    return tuple(out)


def _set(names: Iterable) -> str:
    return "{" + ", ".join(repr(n) for n in names) + "}"


def _einops_compatible(operation: str, reduction: str | None, left: _Side, right: _Side):
    """Which axes may appear on one side only: none in rearrange, the reduced ones (left)
    in reduce, the new ones (right) in repeat."""
    ln, rn = left.names(), right.names()
    if operation == "rearrange":
        if left.anonymous() or right.anonymous():
            _fail("Non-unitary anonymous axes are not supported in rearrange (exception is "
                  "length 1)")
        if ln != rn:
            _fail(f"Identifiers only on one side of expression (should be on both): "
                  f"{_set(sorted(ln ^ rn))}")
    elif operation == "reduce":
        if reduction not in _REDUCTIONS and not callable(reduction):
            _fail(f"Unknown reduction {reduction}. Expect one of {_REDUCTIONS}.")
        extra = sorted(rn - ln, key=str) + right.anonymous()
        if extra:
            _fail(f"Unexpected identifiers on the right side of reduce {reduction}: "
                  f"{_set(extra)}")
    else:
        extra = sorted(ln - rn, key=str) + left.anonymous()
        if extra:
            _fail(f"Unexpected identifiers on the left side of repeat: {_set(extra)}")


def _einops_left(shape: Shape, left: _Side, lengths: dict) -> dict:
    """The length of every left axis (and the dims the ellipsis covers, under '…'),
    inferring at most one unknown axis per group from the input dim."""
    groups = [g for g in left.groups if g != _DOTS]
    if left.ellipsis:
        if len(shape) < len(groups):
            _fail(f"Wrong shape: expected >={len(groups)} dims. Received {len(shape)}-dim "
                  f"tensor.")
    elif len(shape) != len(groups):
        _fail(f"Wrong shape: expected {len(groups)} dims. Received {len(shape)}-dim tensor.")
    known: dict = {}
    at = next((i for i, g in enumerate(left.groups) if g == _DOTS), len(left.groups))
    covered = len(shape) - len(groups)
    if left.ellipsis:
        known[_DOTS] = shape[at:at + covered]
    dims = shape[:at] + shape[at + covered:]
    for group, dim in zip(groups, dims):
        unknown = [a for a in group if isinstance(a, str) and a not in lengths]
        given = _prod([lengths[a] if isinstance(a, str) else a.length
                       for a in group if not (isinstance(a, str) and a in unknown)])
        if len(unknown) > 1:
            _fail(f"Could not infer sizes for {_set(unknown)}")
        if unknown:
            if _lt(given, 0):
                _fail("can only specify one unknown dimension")
            if _eq(given, 0):
                _fail(f"Shape mismatch, can't divide axis of length {_txt(dim)} in chunks of 0")
            if type(dim) is int and type(given) is int and dim % given:
                _fail(f"Shape mismatch, can't divide axis of length {dim} in chunks of {given}")
            known[unknown[0]] = _quotient(dim, given)
        elif _eq(dim, given) is False:
            _fail(f"Shape mismatch, {_txt(dim)} != {_txt(given)}")
        for a in group:
            if isinstance(a, str) and a in lengths:
                known[a] = lengths[a]
    return known


def einops_rearrange(shape: Shape, pattern: str, **axes_lengths: Any) -> Shape:
    """``einops.rearrange(x, pattern, **axes_lengths)``: every axis on both sides;
    compositions in parentheses multiply; one unknown axis per left group is inferred."""
    return _einops("rearrange", shape, pattern, None, axes_lengths)


def einops_reduce(shape: Shape, pattern: str, reduction: str, **axes_lengths: Any) -> Shape:
    """``einops.reduce(x, pattern, reduction, **axes_lengths)``: left axes missing on the
    right are reduced; the right side may add unit axes (``1`` or ``()``)."""
    return _einops("reduce", shape, pattern, reduction, axes_lengths)


def einops_repeat(shape: Shape, pattern: str, **axes_lengths: Any) -> Shape:
    """``einops.repeat(x, pattern, **axes_lengths)``: right axes missing on the left are
    new, of the given lengths (or anonymous numbers)."""
    return _einops("repeat", shape, pattern, None, axes_lengths)
