"""Reductions (``dask.array.reductions``): the numpy reductions as functions
(``sum``, ``mean``, ``std``, ``argmin``, ``nan*``...), ``count_nonzero``, ``ptp``,
``topk``/``argtopk``, ``coarsen``, cumulative scans (``cumsum``, ``cumprod``
and their ``nan`` variants) and user-defined tree reductions.

``reduction(x, chunk, aggregate, axis=..., combine=..., split_every=...)``
applies ``chunk`` to every block (``axis=..., keepdims=True``), then merges
groups of ``split_every`` partial results along the reduced axes with
``combine`` (default: ``aggregate``) until one group is left, which
``aggregate`` finishes.  Like dask, partial results of a group are
concatenated along the reduced axes before each call (``concatenate=True``)
or handed over as nested lists.  Partial results may have any shape: only
the final result's shape is declared (``output_size`` along kept axes).

:func:`cumreduction` is dask's general cumulative reduction: the scan of
each block, plus the ``binop``-combination of the last values of all blocks
before it (about three tasks per block).

Also :func:`numel` and :func:`nannumel`, dask's element-count helpers.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.arange(12).reshape(3, 4), chunks=2)
>>> da.reduction(x, np.sum, np.sum, axis=0, dtype=x.dtype).compute().tolist()
[12, 15, 18, 21]
>>> da.cumprod(da.from_array(np.array([[1, 2], [3, 4]]), chunks=1), axis=0).compute().tolist()
[[1, 2], [3, 8]]
>>> da.topk(da.from_array(np.array([1.0, 5.0, 2.0, 9.0, 3.0]), chunks=2), 2).compute().tolist()
[9.0, 5.0]
"""

from __future__ import annotations

import builtins
import inspect
import math
import numbers

import numpy as np
from dask.array.routines import aligned_coarsen_chunks
from dask.array.chunk import coarsen as chunk_coarsen

from hlq.array._blockwise import map_blocks
from hlq.array._chunks import Dim
from hlq.array._core import Array, _rechunk_node, asarray, elemwise, implements, rebind_out, validate_axis
from hlq.array._core import reduction as _reduce_by_kind
from hlq.array._creation import arange
from hlq.array._manipulation import broadcast_to, ravel
from hlq.array.nodes import MapBlocks
from hlq.array.nodes.reduction import TreeCombine, default_split_every
from hlq.array.nodes.scan import Cumulative

__all__ = [
    "sum", "prod", "mean", "std", "var", "min", "max", "any", "all", "argmin", "argmax",
    "nansum", "nanprod", "nanmean", "nanstd", "nanvar", "nanmin", "nanmax", "nanargmin", "nanargmax",
    "count_nonzero", "ptp", "topk", "argtopk", "coarsen", "cumsum", "cumprod", "nancumsum", "nancumprod",
    "reduction", "cumreduction", "numel", "nannumel",
]


class _ChunkCall:
    """Block function of the chunk step: ``chunk(block, axis=..., keepdims=True[, weights=w])``."""

    __slots__ = ("func", "axis", "weighted", "dtype")

    def __init__(self, func, axis, weighted, dtype):
        self.func, self.axis, self.weighted, self.dtype = func, axis, weighted, dtype

    @property
    def __name__(self):
        return getattr(self.func, "__name__", "reduction")

    def __call__(self, block, weights=None):
        kw = {"axis": self.axis, "keepdims": True}
        if self.weighted:
            kw["weights"] = weights
        if self.dtype is not None:
            kw["dtype"] = self.dtype
        return self.func(block, **kw)

    def __reduce__(self):
        return (_ChunkCall, (self.func, self.axis, self.weighted, self.dtype))


def _takes_dtype(func) -> bool:
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    return "dtype" in params


class _WithDtype:
    __slots__ = ("func", "dtype")

    def __init__(self, func, dtype):
        self.func, self.dtype = func, dtype

    @property
    def __name__(self):
        return getattr(self.func, "__name__", "reduction")

    def __call__(self, x, **kw):
        return self.func(x, dtype=self.dtype, **kw)

    def __reduce__(self):
        return (_WithDtype, (self.func, self.dtype))


def reduction(x, chunk, aggregate, axis=None, keepdims=False, dtype=None, split_every=None, combine=None,
              name=None, out=None, concatenate=True, output_size=1, meta=None, weights=None):
    """General tree reduction (``dask.array.reduction``).

    Parameters
    ----------
    x : Array
    chunk : callable(x_block, axis, keepdims[, weights])
        Applied to every block; must keep the reduced axes (``keepdims=True``).
    aggregate : callable(x, axis, keepdims)
        Finishes the concatenated partial results of the last group.
    axis : int or tuple of ints, optional
    keepdims : bool
    dtype : dtype, optional
        Result dtype; passed to ``chunk``/``aggregate`` that take ``dtype``.
        Inferred from a one-element sample when omitted.
    split_every : int or dict, optional
        Partial results merged per ``combine`` call along each reduced axis.
    combine : callable(x, axis, keepdims), optional
        Merges intermediate groups (default: ``aggregate``).
    concatenate : bool
        Concatenate a group's partials along the reduced axes (else nested lists).
    output_size : int
        Length of each reduced axis in the result when ``keepdims``.
    weights : array-like, optional
        Broadcast to ``x``'s shape; each block's weights go to ``chunk(weights=...)``.
    out : Array, optional
        Rebound to the result (like dask).

    Returns
    -------
    Array
    """
    x = asarray(x)
    if axis is None:
        axes = tuple(range(x.ndim))
    else:
        axes = validate_axis(axis, x.ndim)
    if dtype is None:
        dtype = meta.dtype if meta is not None and hasattr(meta, "dtype") else _infer(x, chunk, aggregate, axes)
    dtype = np.dtype(dtype)
    ident = tuple(range(x.ndim))
    if _takes_dtype(chunk):
        chunk_dtype = dtype
    else:
        chunk_dtype = None
    agg = _WithDtype(aggregate, dtype) if _takes_dtype(aggregate) else aggregate
    comb = combine if combine is not None else aggregate
    operands, maps = [x._node], [ident]
    if weights is not None:
        w = asarray(weights)
        try:
            np.broadcast_shapes(w.shape, x.shape)
            if len(w.shape) > x.ndim:
                raise ValueError
        except ValueError:
            raise ValueError(f"Weights with shape {w.shape} are not broadcastable to x with shape {x.shape}") from None
        w = broadcast_to(w, x.shape).rechunk(x.chunks)
        operands.append(w._node)
        maps.append(ident)
    part_dims = tuple(Dim.from_sizes((1,) * d.nblocks) if i in axes else d for i, d in enumerate(x._node.dims))
    node = MapBlocks(_ChunkCall(chunk, axes, weights is not None, chunk_dtype), tuple(operands), tuple(maps),
                     part_dims, dtype, None, False)
    if isinstance(split_every, dict):
        split = {validate_axis(k, x.ndim)[0]: int(v) for k, v in split_every.items()}
    elif split_every is not None:
        split = {a: int(split_every) for a in axes}
    else:
        split = default_split_every(node.numblocks, axes)
    split_t = tuple(builtins.max(2, int(split.get(i, 2))) if i in axes else 0 for i in range(x.ndim))
    while True:
        final = builtins.all(-(-node.numblocks[a] // split_t[a]) == 1 for a in axes)
        node = TreeCombine(node, agg if final else comb, axes, split_t, final, bool(keepdims), bool(concatenate),
                           int(output_size), dtype)
        if final:
            break
    res = Array(node)
    if out is not None:
        if isinstance(out, tuple):
            out = out[0]
        if not isinstance(out, Array):
            raise NotImplementedError("out= must be an hlq Array")
        if out.shape != res.shape:
            raise ValueError(f"Mismatched shapes between result and out parameter. out={out.shape}, result={res.shape}")
        out._rebind(res)
        return out
    return res


def _infer(x, chunk, aggregate, axes):
    sample = np.ones((1,) * x.ndim, dtype=x.dtype)
    try:
        with np.errstate(all="ignore"):
            part = chunk(sample, axis=axes, keepdims=True)
            return np.asarray(aggregate(part, axis=axes, keepdims=False)).dtype
    except Exception:
        return x.dtype


def numel(x, **kwargs):
    """Number of elements along ``axis`` (``dask.array.reductions.numel``), as an array like ``np.sum``'s."""
    return _numel(x, **kwargs)


def nannumel(x, **kwargs):
    """Number of non-NaN elements along ``axis`` (``dask.array.reductions.nannumel``)."""
    return np.sum(~np.isnan(x), **kwargs)


def _numel(x, axis=None, keepdims=False, dtype=np.float64):
    shape = np.shape(x)
    if axis is None:
        axes = tuple(range(len(shape)))
    elif isinstance(axis, (numbers.Integral, np.integer)):
        axes = (int(axis) % builtins.max(len(shape), 1),)
    else:
        axes = tuple(int(a) % builtins.max(len(shape), 1) for a in axis)
    n = math.prod(shape[a] for a in axes)
    if keepdims:
        out_shape = tuple(1 if i in axes else s for i, s in enumerate(shape))
    else:
        out_shape = tuple(s for i, s in enumerate(shape) if i not in axes)
    return np.full(out_shape, n, dtype=dtype)


# ------------------------------------------------------------------------------ cumreduction

class _Scan:
    __slots__ = ("func", "axis", "dtype")
    __name__ = "cumreduction-block"

    def __init__(self, func, axis, dtype):
        self.func, self.axis, self.dtype = func, axis, dtype

    def __call__(self, block):
        return self.func(block, axis=self.axis, dtype=self.dtype)

    def __reduce__(self):
        return (_Scan, (self.func, self.axis, self.dtype))


class _Last:
    __slots__ = ("axis", "ident")
    __name__ = "cumreduction-last"

    def __init__(self, axis, ident):
        self.axis, self.ident = axis, ident

    def __call__(self, block):
        n = block.shape[self.axis]
        if n == 0:
            shape = tuple(1 if i == self.axis else s for i, s in enumerate(block.shape))
            return np.full(shape, self.ident if self.ident is not None else 0, dtype=block.dtype)
        return np.take(block, [n - 1], axis=self.axis)

    def __reduce__(self):
        return (_Last, (self.axis, self.ident))


class _Carry:
    __slots__ = ("binop", "axis")
    __name__ = "cumreduction-combine"

    def __init__(self, binop, axis):
        self.binop, self.axis = binop, axis

    def __call__(self, block, lasts, block_id=None):
        k = block_id[self.axis]
        if k == 0:
            return block
        carry = np.take(lasts, [0], axis=self.axis)
        for j in range(1, k):
            carry = self.binop(carry, np.take(lasts, [j], axis=self.axis))
        return np.asarray(self.binop(carry, block)).astype(block.dtype, copy=False)

    def __reduce__(self):
        return (_Carry, (self.binop, self.axis))


def cumreduction(func, binop, ident, x, axis=None, dtype=None, out=None, method="sequential", preop=None):
    """General cumulative reduction (``dask.array.reductions.cumreduction``).

    Parameters
    ----------
    func : callable(block, axis=, dtype=)
        The scan within one block, e.g. ``np.cumsum`` or ``np.add.accumulate``.
    binop : callable(a, b)
        Combines a carry with a later block, e.g. ``np.add``.
    ident : scalar
        Identity of ``binop`` (used for empty blocks).
    x : Array
    axis : int, optional
        Flattened when None.
    dtype : dtype, optional
    out : Array, optional
        Rebound to the result (like dask).
    method, preop
        Accepted for dask compatibility (the carry is always sequential over blocks).

    Returns
    -------
    Array
    """
    x = asarray(x)
    if axis is None:
        x, axis = ravel(x), 0
    if x.ndim == 0:
        x = x[None]
    axis = validate_axis(axis, x.ndim)[0]
    with np.errstate(all="ignore"):
        out_dtype = np.asarray(func(np.ones((1,) * x.ndim, dtype=x.dtype), axis=axis, dtype=dtype)).dtype
    ident_map = tuple(range(x.ndim))
    scanned = MapBlocks(_Scan(func, axis, dtype), (x._node,), (ident_map,), x._node.dims, out_dtype, None, False)
    d = x._node.dims[axis]
    if d.nblocks <= 1:
        return rebind_out(out, Array(scanned))
    last_dims = tuple(Dim.from_sizes((1,) * d.nblocks) if i == axis else dd for i, dd in enumerate(x._node.dims))
    last = MapBlocks(_Last(axis, ident), (scanned,), (ident_map,), last_dims, out_dtype, None, False)
    one = tuple(Dim.from_sizes((d.nblocks,)) if i == axis else dd for i, dd in enumerate(last_dims))
    carry_map = tuple(("c", 0) if j == axis else j for j in range(x.ndim))
    res = MapBlocks(_Carry(binop, axis), (scanned, _rechunk_node(last, one)), (ident_map, carry_map), x._node.dims,
                    out_dtype, None, True)
    return rebind_out(out, Array(res))


def _make_reduction(kind, has_dtype=True, has_ddof=False):
    def f(a, axis=None, dtype=None, keepdims=False, split_every=None, out=None, ddof=0, **kwargs):
        return rebind_out(out, _reduce_by_kind(a, kind, axis, keepdims, dtype if has_dtype else None, split_every,
                                         ddof if has_ddof else 0))

    f.__name__ = kind
    f.__doc__ = f"``numpy.{kind}`` as a tree reduction (``axis``, ``keepdims``, ``dtype``, ``split_every``)."
    return f


def _make_arg_reduction(kind):
    def f(a, axis=None, keepdims=False, split_every=None, out=None):
        return rebind_out(out, _reduce_by_kind(a, kind, axis, keepdims, None, split_every))

    f.__name__ = kind
    f.__doc__ = f"``numpy.{kind}`` as a tree reduction over one axis (or the flattened array)."
    return f


sum = implements(np.sum)(_make_reduction("sum"))


prod = implements(np.prod)(_make_reduction("prod"))


mean = implements(np.mean)(_make_reduction("mean"))


std = implements(np.std)(_make_reduction("std", has_ddof=True))


var = implements(np.var)(_make_reduction("var", has_ddof=True))


min = implements(np.min, np.amin)(_make_reduction("min", has_dtype=False))


max = implements(np.max, np.amax)(_make_reduction("max", has_dtype=False))


any = implements(np.any)(_make_reduction("any", has_dtype=False))


all = implements(np.all)(_make_reduction("all", has_dtype=False))


nansum = implements(np.nansum)(_make_reduction("nansum"))


nanprod = implements(np.nanprod)(_make_reduction("nanprod"))


nanmean = implements(np.nanmean)(_make_reduction("nanmean"))


nanstd = implements(np.nanstd)(_make_reduction("nanstd", has_ddof=True))


nanvar = implements(np.nanvar)(_make_reduction("nanvar", has_ddof=True))


nanmin = implements(np.nanmin)(_make_reduction("nanmin", has_dtype=False))


nanmax = implements(np.nanmax)(_make_reduction("nanmax", has_dtype=False))


argmin = implements(np.argmin)(_make_arg_reduction("argmin"))


argmax = implements(np.argmax)(_make_arg_reduction("argmax"))


nanargmin = implements(np.nanargmin)(_make_arg_reduction("nanargmin"))


nanargmax = implements(np.nanargmax)(_make_arg_reduction("nanargmax"))


class _TopK:
    """Largest (k > 0) or smallest (k < 0) ``|k|`` along ``axis``; ``final`` sorts them."""

    def __init__(self, k, axis, final, arg=False):
        self.k, self.axis, self.final, self.arg = k, axis, final, arg

    @property
    def __name__(self):
        return "argtopk" if self.arg else "topk"

    def _select(self, a):
        k, axis = self.k, self.axis
        n = a.shape[axis]
        kk = builtins.min(abs(k), n)
        if kk == 0:
            return np.empty(a.shape[:axis] + (0,) + a.shape[axis + 1:], dtype=np.intp)
        if self.final:
            order = np.argsort(a, axis=axis, kind="stable")
            if k > 0:
                order = np.flip(order, axis)
            return np.take(order, np.arange(kk), axis=axis)
        if kk == n:
            return np.broadcast_to(np.arange(n).reshape((-1,) + (1,) * (a.ndim - axis - 1)), a.shape)
        if k > 0:
            return np.take(np.argpartition(a, n - kk, axis=axis), np.arange(n - kk, n), axis=axis)
        return np.take(np.argpartition(a, kk - 1, axis=axis), np.arange(kk), axis=axis)

    def __call__(self, a, idx=None):
        sel = self._select(a)
        if self.arg:
            return np.take_along_axis(idx, sel, axis=self.axis)
        return np.take_along_axis(a, sel, axis=self.axis)

    def __reduce__(self):
        return (_TopK, (self.k, self.axis, self.final, self.arg))

    def __dask_tokenize__(self):
        return ("hlq-topk", self.k, self.axis, self.final, self.arg)


def _topk(a, k, axis, arg):
    a = asarray(a)
    if not isinstance(k, numbers.Integral):
        raise TypeError("k must be an integer")
    (axis,) = validate_axis((axis,), a.ndim)
    kk = abs(int(k))
    args = [a]
    if arg:
        shape = [1] * a.ndim
        shape[axis] = a.shape[axis]
        idx = arange(a.shape[axis], chunks=(a.chunks[axis],)).reshape(tuple(shape))
        idx = broadcast_to(idx, a.shape, chunks=a.chunks)
        args.append(idx)
    chunks = list(a.chunks)
    chunks[axis] = tuple(builtins.min(kk, c) for c in a.chunks[axis])
    dtype = np.dtype(np.intp) if arg else a.dtype
    if a.numblocks[axis] > 1:
        part = map_blocks(_TopK(k, axis, False, arg), *args, chunks=tuple(chunks), dtype=dtype)
        if arg:
            vals = map_blocks(_TopK(k, axis, False, False), a, chunks=tuple(chunks), dtype=a.dtype)
            args = [vals.rechunk({axis: -1}), part.rechunk({axis: -1})]
        else:
            args = [part.rechunk({axis: -1})]
    n = args[0].shape[axis]
    chunks = list(args[0].chunks)
    chunks[axis] = (builtins.min(kk, n),)
    return map_blocks(_TopK(k, axis, True, arg), *args, chunks=tuple(chunks), dtype=dtype)


def topk(a, k, axis=-1, split_every=None):
    """The ``k`` largest (``k > 0``, descending) or ``-k`` smallest (ascending) elements along ``axis``."""
    return _topk(a, k, axis, False)


def argtopk(a, k, axis=-1, split_every=None):
    """Indices of :func:`topk` along ``axis``."""
    return _topk(a, k, axis, True)


class _Coarsen:
    __name__ = "coarsen"

    def __init__(self, reduction, axes, trim_excess, kwargs):
        self.reduction, self.axes, self.trim_excess, self.kwargs = reduction, axes, trim_excess, kwargs

    def __call__(self, block):
        return chunk_coarsen(self.reduction, block, dict(self.axes), self.trim_excess, **dict(self.kwargs))

    def __reduce__(self):
        return (_Coarsen, (self.reduction, self.axes, self.trim_excess, self.kwargs))


def coarsen(reduction, x, axes, trim_excess=False, **kwargs):
    """Coarsen ``x`` by applying ``reduction`` to non-overlapping windows (``dask.array.coarsen``)."""
    x = asarray(x)
    axes = {validate_axis((ax,), x.ndim)[0]: int(f) for ax, f in axes.items()}
    if not trim_excess and not builtins.all(x.shape[i] % div == 0 for i, div in axes.items()):
        raise ValueError(f"Coarsening factors {axes} do not align with array shape {x.shape}.")
    if getattr(reduction, "__module__", "").startswith("dask.") or getattr(reduction, "__module__", "").startswith(
            "hlq."):
        reduction = getattr(np, reduction.__name__)
    new_chunks = {ax: aligned_coarsen_chunks(x.chunks[ax], f) for ax, f in axes.items()}
    x = x.rechunk(new_chunks)
    chunks = tuple(tuple(c // axes.get(i, 1) for c in bd) for i, bd in enumerate(x.chunks))
    with np.errstate(all="ignore"):
        dtype = reduction(np.empty((1,) * x.ndim, dtype=x.dtype), axis=tuple(range(x.ndim)), **kwargs).dtype
    return map_blocks(_Coarsen(reduction, tuple(sorted(axes.items())), trim_excess, tuple(sorted(kwargs.items()))),
                      x, chunks=chunks, dtype=dtype)


def _cumulative(kind, x, axis, dtype):
    x = asarray(x)
    if axis is None:
        x = ravel(x)
        axis = 0
    if x.ndim == 0:
        x = x[None]
    if not isinstance(axis, (numbers.Integral, np.integer)):
        raise TypeError(f"'{type(axis).__name__}' object cannot be interpreted as an integer")
    axis = validate_axis(int(axis), x.ndim)[0]
    fn = getattr(np, kind)
    with np.errstate(all="ignore"):
        out_dtype = fn(np.ones((1,), dtype=x.dtype), dtype=dtype).dtype
    return Array(Cumulative(x._node, kind, axis, np.dtype(out_dtype)))


def _make_scan(kind):
    def f(x, axis=None, dtype=None, out=None, method="sequential"):
        return rebind_out(out, _cumulative(kind, x, axis, dtype))

    f.__name__ = kind
    f.__doc__ = f"``numpy.{kind}`` along ``axis`` (flattened when None) as a blocked scan."
    return f


cumsum = implements(np.cumsum)(_make_scan("cumsum"))


cumprod = implements(np.cumprod)(_make_scan("cumprod"))


nancumsum = implements(np.nancumsum)(_make_scan("nancumsum"))


nancumprod = implements(np.nancumprod)(_make_scan("nancumprod"))


@implements(np.count_nonzero)
def count_nonzero(a, axis=None, *, keepdims=False):
    """Number of non-zero elements (along ``axis``)."""
    a = asarray(a)
    return elemwise(np.not_equal, a, 0).astype(np.intp).sum(axis=axis, keepdims=keepdims)


@implements(np.ptp)
def ptp(a, axis=None, keepdims=False):
    """Range of values, ``max - min``, along ``axis``."""
    a = asarray(a)
    return elemwise(np.subtract, a.max(axis=axis, keepdims=keepdims), a.min(axis=axis, keepdims=keepdims))
