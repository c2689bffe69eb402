"""Triangles and flat/multi index conversion (as in ``dask.array``).

``tri`` is an elementwise comparison of two ``arange`` sources (slices push
into them); ``tril_indices``/``triu_indices`` compute their (small, metadata
determined) index vectors with numpy, so unlike dask their chunks are
known; ``ravel_multi_index`` and ``unravel_index`` are elementwise.

>>> import hlq.array as da
>>> da.tri(3, k=0, dtype=int, chunks=2).compute().tolist()
[[1, 0, 0], [1, 1, 0], [1, 1, 1]]
>>> [a.compute().tolist() for a in da.unravel_index(da.arange(4, chunks=3), (2, 2))]
[[0, 0, 1, 1], [0, 1, 0, 1]]
"""

from __future__ import annotations

import numbers

import numpy as np

from hlq.array._core import Array, asarray, elemwise, from_array, implements, normalize_dims
from hlq.array._creation import arange

__all__ = ["tri", "tril_indices", "tril_indices_from", "triu_indices", "triu_indices_from",
           "ravel_multi_index", "unravel_index"]


def _tri_kernel(i, j, k):
    return j <= i + k


@implements(np.tri)
def tri(N, M=None, k=0, dtype=float, chunks="auto", *, like=None):
    """Ones at and below the ``k``-th diagonal, zeros elsewhere (``numpy.tri``)."""
    M = N if M is None else M
    N, M, k = int(N), int(M), int(k)
    if N < 0 or M < 0:
        raise ValueError("negative dimensions are not allowed")
    dims = normalize_dims(chunks, (N, M), dtype=np.dtype(dtype))
    rows = arange(N, chunks=(dims[0].sizes(),))[:, None]
    cols = arange(M, chunks=(dims[1].sizes(),))[None, :]
    mask = elemwise(_tri_kernel, rows, cols, k, dtype=bool)
    return mask if np.dtype(dtype) == bool else mask.astype(dtype)


def _indices_pair(rows, cols, chunks):
    return (from_array(rows, chunks=chunks), from_array(cols, chunks=chunks))


def tril_indices(n, k=0, m=None, chunks="auto"):
    """Indices of the lower triangle of an ``(n, m)`` array (``numpy.tril_indices``)."""
    return _indices_pair(*np.tril_indices(n, k, m), chunks)


def triu_indices(n, k=0, m=None, chunks="auto"):
    """Indices of the upper triangle of an ``(n, m)`` array (``numpy.triu_indices``)."""
    return _indices_pair(*np.triu_indices(n, k, m), chunks)


def _check_2d(arr):
    if len(getattr(arr, "shape", np.shape(arr))) != 2:
        raise ValueError("input array must be 2-d")
    return arr.shape if hasattr(arr, "shape") else np.shape(arr)


@implements(np.tril_indices_from)
def tril_indices_from(arr, k=0):
    """Lower-triangle indices of a 2-d array (``numpy.tril_indices_from``)."""
    n, m = _check_2d(arr)
    return tril_indices(n, k=k, m=m)


@implements(np.triu_indices_from)
def triu_indices_from(arr, k=0):
    """Upper-triangle indices of a 2-d array (``numpy.triu_indices_from``)."""
    n, m = _check_2d(arr)
    return triu_indices(n, k=k, m=m)


def _ravel_kernel(*idx, dims, mode, order):
    return np.ravel_multi_index(idx, dims, mode=mode, order=order)


@implements(np.ravel_multi_index)
def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    """Flat indices of a tuple of index arrays (``numpy.ravel_multi_index``), elementwise."""
    dims = tuple(int(d) for d in (dims if isinstance(dims, (tuple, list)) else (dims,)))
    if isinstance(multi_index, Array) or (isinstance(multi_index, np.ndarray) and multi_index.dtype != object):
        multi_index = asarray(multi_index)
        if multi_index.ndim == 0:
            raise ValueError("multi_index must be a sequence of index arrays")
        parts = [multi_index[i] for i in range(multi_index.shape[0])]
    else:
        parts = [asarray(p) for p in multi_index]
    if len(parts) != len(dims):
        raise ValueError(f"parameter multi_index must be a sequence of length {len(dims)}")
    for p in parts:
        if p.dtype.kind not in "iub":
            raise TypeError("only int indices permitted")
    if order not in ("C", "F"):
        raise ValueError("only 'C' or 'F' order is permitted")
    modes = tuple(mode) if isinstance(mode, (tuple, list)) else mode
    for md in (modes if isinstance(modes, tuple) else (modes,)):
        if md not in ("raise", "wrap", "clip"):
            raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {md!r})")
    return elemwise(_ravel_kernel, *parts, dims=dims, mode=modes, order=order, dtype=np.intp)


def _unravel_kernel(indices, i, shape, order):
    return np.unravel_index(indices, shape, order=order)[i]


@implements(np.unravel_index)
def unravel_index(indices, shape, order="C"):
    """Tuple of coordinate arrays for flat ``indices`` (``numpy.unravel_index``), elementwise."""
    if isinstance(shape, (numbers.Integral, np.integer)):
        shape = (int(shape),)
    shape = tuple(int(s) for s in shape)
    indices = asarray(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"only int indices permitted, got {indices.dtype}")
    if order not in ("C", "F"):
        raise ValueError("only 'C' or 'F' order is permitted")
    return tuple(elemwise(_unravel_kernel, indices, i=i, shape=shape, order=order, dtype=np.intp)
                 for i in range(len(shape)))
