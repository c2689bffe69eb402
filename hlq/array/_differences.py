"""More ``dask.array`` routines (issue 3): ``ediff1d``, ``gradient``, ``rot90``, ``choose``, ``moment``,
``topk``/``argtopk``, ``coarsen``, ``apply_along_axis``, ``apply_over_axes``.

They are compositions of existing nodes (slices, flips, transposes,
``map_blocks``, ``map_overlap``, reductions), so the existing slice pushdown
and culling rules apply to them.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.array([1.0, 5.0, 2.0, 9.0, 3.0]), chunks=2)
>>> da.topk(x, 2).compute().tolist()
[9.0, 5.0]
>>> da.rot90(da.from_array(np.arange(4).reshape(2, 2), chunks=1)).compute().tolist()
[[1, 3], [0, 2]]
"""

from __future__ import annotations

import numbers

import numpy as np

from hlq.array._core import Array, asarray, elemwise, implements, validate_axis

__all__ = [
    "ediff1d", "gradient", "rot90", "choose", "moment", "topk", "argtopk", "coarsen", "apply_along_axis",
    "apply_over_axes",
]


@implements(np.ediff1d)
def ediff1d(ary, to_end=None, to_begin=None):
    """Differences between consecutive elements of the flattened array."""
    from hlq.array._manipulation import concatenate, ravel

    a = ravel(asarray(ary))
    d = a[1:] - a[:-1]
    parts = []
    if to_begin is not None:
        parts.append(asarray(np.ravel(np.asarray(to_begin, dtype=a.dtype))))
    parts.append(d)
    if to_end is not None:
        parts.append(asarray(np.ravel(np.asarray(to_end, dtype=a.dtype))))
    return concatenate(parts) if len(parts) > 1 else d


class _GradientKernel:
    __name__ = "gradient"

    def __init__(self, spacing, axis, edge_order):
        self.spacing, self.axis, self.edge_order = spacing, axis, edge_order

    def __call__(self, block):
        return np.gradient(block, self.spacing, axis=self.axis, edge_order=self.edge_order)

    def __reduce__(self):
        return (_GradientKernel, (self.spacing, self.axis, self.edge_order))

    def __dask_tokenize__(self):
        return ("hlq-gradient", self.spacing, self.axis, self.edge_order)


@implements(np.gradient)
def gradient(f, *varargs, axis=None, **kwargs):
    """``numpy.gradient`` with scalar spacings, computed blockwise with a halo of one element."""
    from hlq.array.overlap import map_overlap

    f = asarray(f)
    edge_order = kwargs.pop("edge_order", 1)
    if kwargs:
        raise TypeError(f"gradient() got unexpected keyword arguments {set(kwargs)}")
    if edge_order not in (1, 2):
        raise ValueError("'edge_order' greater than 2 not supported")
    if axis is None:
        axes = tuple(range(f.ndim))
    elif isinstance(axis, numbers.Integral):
        axes = validate_axis((axis,), f.ndim)
    else:
        axes = validate_axis(tuple(axis), f.ndim)
    if len(set(axes)) != len(axes):
        raise ValueError("duplicate value in 'axis'")
    if not varargs:
        spacing = [1.0] * len(axes)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        spacing = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes):
        spacing = list(varargs)
    else:
        raise TypeError("Spacing must either be a single scalar, or a scalar / 1d-array per axis")
    if any(np.ndim(s) != 0 for s in spacing):
        raise NotImplementedError("hlq.array.gradient supports scalar spacings only")
    if f.dtype.kind in "iub":
        dtype = np.dtype(np.float64)
    else:
        dtype = f.dtype
    results = []
    for ax, s in zip(axes, spacing):
        if f.shape[ax] < edge_order + 1:
            raise ValueError(
                "Shape of array too small to calculate a numerical gradient, at least (edge_order + 1) elements "
                "are required."
            )
        g = f
        if min(f.chunks[ax]) < edge_order + 1:
            from dask.array.overlap import ensure_minimum_chunksize

            g = f.rechunk({ax: ensure_minimum_chunksize(edge_order + 1, f.chunks[ax])})
        results.append(map_overlap(_GradientKernel(s, ax, edge_order), g.astype(dtype) if dtype != g.dtype else g,
                                   depth={ax: 1}, boundary="none", dtype=dtype))
    return results[0] if len(axes) == 1 else results


@implements(np.rot90)
def rot90(m, k=1, axes=(0, 1)):
    """Rotate by 90 degrees in the plane of ``axes`` (numpy's semantics)."""
    from hlq.array._manipulation import flip
    from hlq.array._blockwise import transpose

    m = asarray(m)
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("len(axes) must be 2.")
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == m.ndim:
        raise ValueError("Axes must be different.")
    if axes[0] >= m.ndim or axes[0] < -m.ndim or axes[1] >= m.ndim or axes[1] < -m.ndim:
        raise ValueError(f"Axes={axes} out of range for array of ndim={m.ndim}.")
    k %= 4
    if k == 0:
        return m[:]
    if k == 2:
        return flip(flip(m, axes[0]), axes[1])
    order = list(range(m.ndim))
    a0, a1 = axes[0] % m.ndim, axes[1] % m.ndim
    order[a0], order[a1] = order[a1], order[a0]
    if k == 1:
        return transpose(flip(m, axes[1]), order)
    return flip(transpose(m, order), axes[1])


def _choose(a, *choices):
    return np.choose(a, choices)


@implements(np.choose)
def choose(a, choices):
    """``numpy.choose`` (elementwise, choices broadcast against ``a``)."""
    choices = [asarray(c) for c in choices]
    dtype = np.result_type(*(c.dtype for c in choices))
    return elemwise(_choose, asarray(a), *choices, dtype=dtype)


def moment(a, order, axis=None, dtype=None, keepdims=False, ddof=0, split_every=None, out=None):
    """Central moment of ``order`` (``dask.array.moment``)."""
    from hlq.array._creation import ones, zeros

    a = asarray(a)
    if not isinstance(order, numbers.Integral) or order < 0:
        raise ValueError("Order must be an integer >= 0")
    if out is not None:
        raise NotImplementedError("out= is not supported")
    if order < 2:
        reduced = a.sum(axis=axis, keepdims=keepdims)
        maker = ones if order == 0 else zeros
        return maker(reduced.shape, chunks=reduced.chunks, dtype="f8")
    dt = np.dtype(dtype) if dtype is not None else np.var(np.ones(shape=(1,), dtype=a.dtype)).dtype
    af = a.astype(dt) if a.dtype != dt else a
    mean = af.mean(axis=axis, keepdims=True)
    n = a.size if axis is None else int(np.prod([a.shape[ax] for ax in validate_axis(
        axis if isinstance(axis, tuple) else (axis,), a.ndim)]))
    total = ((af - mean) ** order).sum(axis=axis, keepdims=keepdims, dtype=dt)
    return (total / (n - ddof)).astype(dt)


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
        kk = min(abs(k), n)
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
    from hlq.array._creation import arange
    from hlq.array._manipulation import broadcast_to
    from hlq.array._blockwise import map_blocks

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
    chunks[axis] = tuple(min(kk, c) for c in a.chunks[axis])
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
    chunks[axis] = (min(kk, n),)
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
        from dask.array.chunk import coarsen as chunk_coarsen

        return chunk_coarsen(self.reduction, block, dict(self.axes), self.trim_excess, **dict(self.kwargs))

    def __reduce__(self):
        return (_Coarsen, (self.reduction, self.axes, self.trim_excess, self.kwargs))


def coarsen(reduction, x, axes, trim_excess=False, **kwargs):
    """Coarsen ``x`` by applying ``reduction`` to non-overlapping windows (``dask.array.coarsen``)."""
    from dask.array.routines import aligned_coarsen_chunks

    from hlq.array._blockwise import map_blocks

    x = asarray(x)
    axes = {validate_axis((ax,), x.ndim)[0]: int(f) for ax, f in axes.items()}
    if not trim_excess and not all(x.shape[i] % div == 0 for i, div in axes.items()):
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


class _AlongAxis:
    __name__ = "apply-along-axis"

    def __init__(self, func1d, axis, nnew, args, kwargs):
        self.func1d, self.axis, self.nnew, self.args, self.kwargs = func1d, axis, nnew, args, kwargs

    def __call__(self, block):
        return np.apply_along_axis(self.func1d, self.axis, block, *self.args, **dict(self.kwargs))

    def __reduce__(self):
        return (_AlongAxis, (self.func1d, self.axis, self.nnew, self.args, self.kwargs))


@implements(np.apply_along_axis)
def apply_along_axis(func1d, axis, arr, *args, dtype=None, shape=None, **kwargs):
    """``numpy.apply_along_axis`` with ``axis`` rechunked to one chunk (``dask.array.apply_along_axis``)."""
    from hlq.array._chunks import Dim
    from hlq.array.nodes import MapBlocks

    arr = asarray(arr)
    (axis,) = validate_axis((axis,), arr.ndim)
    if shape is None or dtype is None:
        test = np.ones(arr.shape[axis], dtype=arr.dtype)
        res = np.asarray(func1d(test, *args, **kwargs))
        shape = res.shape if shape is None else shape
        dtype = res.dtype if dtype is None else dtype
    shape = tuple(shape)
    arr = arr.rechunk({axis: -1}) if arr.numblocks[axis] > 1 else arr
    dims = list(arr._node.dims[:axis]) + [Dim.regular(n, max(n, 1)) for n in shape] + list(arr._node.dims[axis + 1:])
    m = tuple(("c", 0) if i == axis else (i if i < axis else i - 1 + len(shape)) for i in range(arr.ndim))
    f = _AlongAxis(func1d, axis, len(shape), tuple(args), tuple(sorted(kwargs.items())))
    return Array(MapBlocks(f, (arr._node,), (m,), tuple(dims), np.dtype(dtype), None, False))


@implements(np.apply_over_axes)
def apply_over_axes(func, a, axes):
    """Apply ``func(a, axis)`` repeatedly over ``axes``, keeping the reduced dimensions."""
    from hlq.array._manipulation import expand_dims

    a = asarray(a)
    if isinstance(axes, numbers.Integral):
        axes = (axes,)
    for ax in axes:
        ax = validate_axis((ax,), a.ndim)[0]
        res = func(a, ax)
        res = asarray(res)
        if res.ndim == a.ndim - 1:
            res = expand_dims(res, ax)
        elif res.ndim != a.ndim:
            raise ValueError("function is not returning an array of the correct shape")
        a = res
    return a
