"""Data-dependent selections with unknown (``nan``) output chunks: ``argwhere``, ``nonzero``, ``flatnonzero``, ``compress``, ``extract``.

Like dask, ``argwhere(a)`` works on ``a.ravel()``: one output block per block
of the raveled array, each holding the (unknown number of) nonzero positions
of that block; the index columns are blocks of one column each.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.array([[0, 3], [4, 0]]), chunks=1)
>>> da.argwhere(x).compute().tolist()
[[0, 1], [1, 0]]
>>> [i.compute().tolist() for i in da.nonzero(x)]
[[0, 1], [1, 0]]
"""

from __future__ import annotations

import numpy as np

from hlq.array._chunks import Dim, unknown_chunks_message
from hlq.array._core import Array, asarray, implements, validate_axis
from hlq.array.nodes import MapBlocks

__all__ = ["argwhere", "nonzero", "flatnonzero", "compress", "extract"]


class _ArgwhereBlock:
    """Nonzero positions of one block of the raveled array as one column of ``(k, ndim)`` coordinates."""

    __name__ = "argwhere"

    def __init__(self, dim, shape):
        self.dim, self.shape = dim, tuple(shape)

    def __call__(self, block, block_id):
        flat = np.flatnonzero(block) + self.dim.start(block_id[0])
        if len(self.shape) == 1:
            return flat.astype(np.intp).reshape(-1, 1)
        cols = np.unravel_index(flat, self.shape)
        return np.asarray(cols[block_id[1]], dtype=np.intp).reshape(-1, 1)

    def __reduce__(self):
        return (_ArgwhereBlock, (self.dim, self.shape))


@implements(np.argwhere)
def argwhere(a):
    """Indices of the nonzero elements, one row per element (``numpy.argwhere``; unknown chunks)."""
    a = asarray(a)
    if any(not d.known for d in a._node.dims):
        raise ValueError(unknown_chunks_message(a.shape))
    shape = a.shape if a.ndim else (1,)
    nz = a.ravel() if a.ndim != 1 else a  # blocks go to np.flatnonzero (numpy's truthiness, strings too)
    d = nz._node.dims[0]
    ncol = len(shape)
    tail = Dim.from_sizes((1,) * ncol)
    dims = (Dim.unknown(d.nblocks), tail)
    return Array(MapBlocks(_ArgwhereBlock(d, shape), (nz._node,), ((0,),), dims, np.dtype(np.intp), None, True))


@implements(np.nonzero)
def nonzero(a):
    """Tuple of index arrays of the nonzero elements, one per dimension (unknown chunks)."""
    a = asarray(a)
    ind = argwhere(a)
    if ind.ndim > 1:
        return tuple(ind[:, i] for i in range(ind.shape[1]))
    return (ind,)


@implements(np.flatnonzero)
def flatnonzero(a):
    """Indices of the nonzero elements of ``a.ravel()`` (unknown chunks)."""
    return argwhere(asarray(a).ravel())[:, 0]


@implements(np.compress)
def compress(condition, a, axis=None):
    """Slices of ``a`` where ``condition`` is true along ``axis`` (``numpy.compress``).

    A numpy ``condition`` keeps known chunks; an hlq array gives unknown ones.
    """
    if not isinstance(condition, Array):
        condition = np.asarray(condition)
    condition = condition.astype(bool)
    a = asarray(a)
    if condition.ndim != 1:
        raise ValueError("Condition must be one dimensional")
    if axis is None:
        a = a.ravel()
        axis = 0
    axis = validate_axis(axis, a.ndim)[0]
    n = condition.shape[0]
    a = a[tuple(slice(None, n) if i == axis else slice(None) for i in range(a.ndim))]
    return a[tuple(condition if i == axis else slice(None) for i in range(a.ndim))]


@implements(np.extract)
def extract(condition, arr):
    """Elements of ``arr`` where ``condition`` is true, both raveled (``numpy.extract``)."""
    if not isinstance(condition, Array):
        condition = np.asarray(condition)
    condition = condition.astype(bool)
    arr = asarray(arr)
    return compress(condition.ravel(), arr.ravel())

