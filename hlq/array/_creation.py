"""Array creation: ones, zeros, full, empty (+ ``*_like``), arange, linspace, eye, and the grids
``indices``, ``meshgrid``, ``fromfunction``."""

from __future__ import annotations

import math
import numbers

import numpy as np

from hlq.array._blockwise import map_blocks
from hlq.array._core import Array, asarray, elemwise, normalize_dims
from hlq.array._manipulation import broadcast_arrays, broadcast_to, ravel, stack
from hlq.array.nodes import Arange, Eye, Full, Linspace

__all__ = ["ones", "zeros", "full", "empty", "ones_like", "zeros_like", "full_like", "empty_like",
           "arange", "linspace", "eye", "indices", "meshgrid", "fromfunction"]


def _shape(shape) -> tuple:
    if isinstance(shape, (numbers.Integral, np.integer)):
        shape = (int(shape),)
    shape = tuple(shape)
    for s in shape:
        if not isinstance(s, (numbers.Integral, np.integer)):
            raise TypeError(f"'{type(s).__name__}' object cannot be interpreted as an integer")
        if s < 0:
            raise ValueError("negative dimensions are not allowed")
    return tuple(int(s) for s in shape)


def _filled(shape, fill_value, dtype, chunks):
    shape = _shape(shape)
    if dtype is None:
        dtype = np.array(fill_value).dtype if fill_value is not None else np.float64
    dtype = np.dtype(dtype)
    if fill_value is not None and np.ndim(fill_value) != 0:
        raise ValueError("fill_value must be scalar")
    if fill_value is not None:
        fill_value = dtype.type(fill_value).item() if dtype.kind in "biufc" else fill_value
    dims = normalize_dims(chunks, shape, dtype=dtype)
    return Array(Full(dims, dtype, fill_value))


def ones(shape, dtype=float, chunks="auto", name=None, order="C", *, like=None):
    """Array of ones (``dask.array.ones``)."""
    return _filled(shape, 1, dtype, chunks)


def zeros(shape, dtype=float, chunks="auto", name=None, order="C", *, like=None):
    """Array of zeros (``dask.array.zeros``)."""
    return _filled(shape, 0, dtype, chunks)


def empty(shape, dtype=float, chunks="auto", name=None, order="C", *, like=None):
    """Uninitialized array (``dask.array.empty``)."""
    return _filled(shape, None, dtype, chunks)


def full(shape, fill_value, dtype=None, chunks="auto", name=None, order="C", *, like=None):
    """Array filled with ``fill_value`` (``dask.array.full``)."""
    return _filled(shape, fill_value, dtype, chunks)


def _like(a, shape, dtype, chunks):
    if shape is None:
        shape = a.shape if hasattr(a, "shape") else np.shape(a)
    if dtype is None:
        dtype = a.dtype if hasattr(a, "dtype") else np.asarray(a).dtype
    if chunks is None:
        chunks = a.chunks if isinstance(a, Array) and tuple(_shape(shape)) == a.shape else "auto"
    return shape, dtype, chunks


class _BlockFull:
    """Per block: ``numpy.full_like`` (``empty_like`` when ``value`` is None)."""

    __slots__ = ("value", "dtype")

    def __init__(self, value, dtype):
        self.value, self.dtype = value, dtype

    @property
    def __name__(self):
        return "full_like"

    def __call__(self, block):
        if self.value is None:
            return np.empty_like(block, dtype=self.dtype)
        return np.full_like(block, self.value, dtype=self.dtype)

    def __reduce__(self):
        return (_BlockFull, (self.value, self.dtype))


def _unknown_like(a, shape, chunks):
    """Whether ``a`` has unknown (nan) chunk sizes and the caller did not override them."""
    return (isinstance(a, Array) and shape is None and chunks is None
            and any(isinstance(n, float) and math.isnan(n) for n in a.shape))


def _filled_like(a, fill_value, dtype, chunks, shape):
    if _unknown_like(a, shape, chunks):
        # sizes unknown until computed: fill each block of ``a`` (dask does the same)
        dt = a.dtype if dtype is None else np.dtype(dtype)
        if fill_value is not None and dtype is None:
            dt = np.full_like(np.empty(0, a.dtype), fill_value).dtype
        return elemwise(_BlockFull(fill_value, dt), a, dtype=dt)
    s, d, c = _like(a, shape, dtype, chunks)
    return _filled(s, fill_value, d, c)


def ones_like(a, dtype=None, order="C", chunks=None, name=None, shape=None):
    """Array of ones with the shape, dtype and chunks of ``a`` (``dask.array.ones_like``)."""
    return _filled_like(a, 1, dtype, chunks, shape)


def zeros_like(a, dtype=None, order="C", chunks=None, name=None, shape=None):
    """Array of zeros with the shape, dtype and chunks of ``a`` (``dask.array.zeros_like``)."""
    return _filled_like(a, 0, dtype, chunks, shape)


def empty_like(a, dtype=None, order="C", chunks=None, name=None, shape=None):
    """Uninitialized array shaped like ``a`` (``dask.array.empty_like``)."""
    return _filled_like(a, None, dtype, chunks, shape)


def full_like(a, fill_value, order="C", dtype=None, chunks=None, name=None, shape=None):
    """Array filled with ``fill_value``, shaped like ``a`` (``dask.array.full_like``)."""
    if np.ndim(fill_value) != 0:
        raise ValueError(f"fill_value must be scalar. Received {type(fill_value).__name__} instead.")
    return _filled_like(a, fill_value, dtype, chunks, shape)


def arange(start=0, stop=None, step=1, *, chunks="auto", like=None, dtype=None, **kwargs):
    """Evenly spaced values in ``[start, stop)`` (``dask.array.arange``)."""
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ValueError("arange: step must not be zero")
    num = max(int(math.ceil((stop - start) / step)), 0)
    if dtype is None:
        dtype = _arange_dtype(start, stop, step)
    dtype = np.dtype(dtype)
    dims = normalize_dims(chunks, (num,), dtype=dtype)
    return Array(Arange(start, step, dims, dtype, 0))


def _arange_dtype(start, stop, step):
    """numpy's result dtype for ``arange(start, stop, step)``, found on an empty range
    (the types of all three arguments matter, not their values)."""
    try:
        probe_stop = np.asarray(stop).dtype.type(start) if isinstance(stop, np.generic) else type(stop)(start)
        return np.arange(start, probe_stop, step).dtype
    except (TypeError, ValueError, OverflowError):
        kinds = {np.asarray(v).dtype.kind for v in (start, stop, step)}
        return np.complex128 if "c" in kinds else np.float64 if "f" in kinds else np.int64


def linspace(start, stop, num=50, endpoint=True, retstep=False, chunks="auto", dtype=None):
    """``num`` evenly spaced values (``dask.array.linspace``)."""
    num = int(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    if dtype is None:
        dtype = np.linspace(start, stop, 2).dtype
    dtype = np.dtype(dtype)
    dims = normalize_dims(chunks, (num,), dtype=dtype)
    out = Array(Linspace(start, stop, num, bool(endpoint), dims, dtype, 0))
    if retstep:
        div = (num - 1) if endpoint else num
        return out, (stop - start) / div if div > 0 else float("nan")
    return out


def eye(N, chunks="auto", M=None, k=0, dtype=float):
    """Identity-like 2-D array with ones on the ``k``-th diagonal (``dask.array.eye``)."""
    M = N if M is None else M
    dtype = np.dtype(dtype)
    dims = normalize_dims(chunks, (int(N), int(M)), dtype=dtype)
    return Array(Eye(int(k), dims, dtype, (0, 0)))


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
    shape = tuple(int(s) for s in shape)
    dtype = np.dtype(dtype or float)
    dims = normalize_dims(chunks, shape, dtype=dtype)
    grids = [Array(Arange(0, 1, (d,), dtype, 0)) for d in dims]
    grids = meshgrid(*grids, indexing="ij")
    return map_blocks(func, *grids, dtype=dtype, **kwargs) if grids else asarray(func(dtype=dtype, **kwargs))
