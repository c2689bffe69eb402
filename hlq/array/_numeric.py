"""Numeric routines: cumulative scans, ``diff``, ``isclose``/``allclose``,
``count_nonzero``, ``ptp``, and the grid builders ``indices``, ``meshgrid``,
``fromfunction``.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.array([[1, 2], [3, 4]]), chunks=1)
>>> da.cumprod(x, axis=0).compute().tolist()
[[1, 2], [3, 8]]
>>> da.diff(x, axis=1).compute().tolist()
[[1], [1]]
"""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from hlq.array._core import Array, asarray, elemwise, implements, normalize_dims, validate_axis
from hlq.array._manipulation import (
    _slice_along, broadcast_arrays, broadcast_to, concatenate, expand_dims, ravel, stack,
)
from hlq.array.nodes import Arange
from hlq.array.nodes.scan import Cumulative

__all__ = ["cumsum", "cumprod", "nancumsum", "nancumprod", "diff", "isclose", "allclose", "count_nonzero",
           "ptp", "indices", "meshgrid", "fromfunction"]


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
        from hlq.array._core import rebind_out

        return rebind_out(out, _cumulative(kind, x, axis, dtype))

    f.__name__ = kind
    f.__doc__ = f"``numpy.{kind}`` along ``axis`` (flattened when None) as a blocked scan."
    return f


cumsum = implements(np.cumsum)(_make_scan("cumsum"))
cumprod = implements(np.cumprod)(_make_scan("cumprod"))
nancumsum = implements(np.nancumsum)(_make_scan("nancumsum"))
nancumprod = implements(np.nancumprod)(_make_scan("nancumprod"))


@implements(np.diff)
def diff(a, n=1, axis=-1, prepend=None, append=None):
    """``n``-th discrete difference along ``axis`` (slices and a subtraction)."""
    a = asarray(a)
    n = int(n)
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n}")
    if a.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = validate_axis(axis, a.ndim)[0]
    if n == 0:
        return a
    parts = []
    for v in (prepend, a, append):
        if v is None:
            continue
        v = asarray(v)
        if v.ndim == 0:
            shape = list(a.shape)
            shape[axis] = 1
            v = broadcast_to(v, tuple(shape))
        parts.append(v)
    if len(parts) > 1:
        a = concatenate(parts, axis=axis)
    op = np.not_equal if a.dtype == bool else np.subtract
    for _ in range(n):
        m = a.shape[axis]
        a = elemwise(op, _slice_along(a, axis, slice(1, None)), _slice_along(a, axis, slice(0, builtins.max(m - 1, 0))))
    return a


@implements(np.isclose)
def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``|a - b| <= atol + rtol * |b|``."""
    return elemwise(np.isclose, a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


@implements(np.allclose)
def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when all elements are close (a 0-d lazy array, like dask)."""
    return isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan).all()


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


def indices(dimensions, dtype=int, chunks="auto"):
    """Grid of indices: shape ``(len(dimensions), *dimensions)``; one block along the first axis per grid."""
    dimensions = tuple(int(d) for d in dimensions)
    dtype = np.dtype(dtype)
    if not dimensions:
        return Array(Arange(0, 1, normalize_dims(1, (0,)), dtype, 0))
    dims = normalize_dims(chunks, dimensions, dtype=dtype)
    grids = []
    for i, d in enumerate(dimensions):
        r = Array(Arange(0, 1, (dims[i],), dtype, 0))
        r = r[tuple(slice(None) if j == i else None for j in range(len(dimensions)))]
        grids.append(broadcast_to(r, dimensions, chunks=tuple(dd.sizes() for dd in dims)))
    return stack(grids)


def meshgrid(*xi, sparse=False, indexing="xy", copy=True):
    """Coordinate matrices from coordinate vectors (list of arrays)."""
    if indexing not in ("ij", "xy"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    if not xi:
        return ()
    xi = [ravel(asarray(x)) for x in xi]
    if indexing == "xy" and len(xi) > 1:
        xi[0], xi[1] = xi[1], xi[0]
    grids = []
    for i, x in enumerate(xi):
        grids.append(x[tuple(slice(None) if j == i else None for j in range(len(xi)))])
    if not sparse:
        grids = broadcast_arrays(*grids)
    if indexing == "xy" and len(xi) > 1:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)  # numpy >= 2 returns a tuple


def fromfunction(func, chunks="auto", shape=None, dtype=None, **kwargs):
    """Apply ``func`` to the index grids block by block (``dask.array.fromfunction``)."""
    from hlq.array._blockwise import map_blocks

    shape = tuple(int(s) for s in shape)
    dtype = np.dtype(dtype or float)
    dims = normalize_dims(chunks, shape, dtype=dtype)
    grids = [Array(Arange(0, 1, (d,), dtype, 0)) for d in dims]
    grids = meshgrid(*grids, indexing="ij")
    return map_blocks(func, *grids, dtype=dtype, **kwargs) if grids else asarray(func(dtype=dtype, **kwargs))


del expand_dims
