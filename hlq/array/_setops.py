"""``unique``, ``union1d`` and ``bincount``: outputs whose size depends on the data.

Like dask: each block is reduced on its own (``np.unique`` / ``np.bincount``),
then one task merges the per-block results.  ``unique`` has one chunk of
unknown size; its ``return_inverse`` output keeps the input's shape and
chunks (found by ``searchsorted`` into the unique values).  ``bincount``
has one chunk of ``minlength`` elements, or of unknown size without
``minlength``.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.array([3, 1, 2, 3, 1, 5]), chunks=4)
>>> u, counts = da.unique(x, return_counts=True)
>>> u.chunks, u.compute().tolist(), counts.compute().tolist()
(((nan,),), [1, 2, 3, 5], [2, 1, 2, 1])
>>> da.bincount(x, minlength=6).compute().tolist()
[0, 2, 1, 2, 0, 1]
"""

from __future__ import annotations

import numpy as np

from hlq.array._chunks import Dim, unknown_chunks_message
from hlq.array._core import Array, asarray, implements
from hlq.array._manipulation import concatenate
from hlq.array.nodes import MapBlocks
from hlq.array.nodes.gather import GatherBlocks

__all__ = ["unique", "union1d", "bincount"]


def _fields_dtype(dtype, index, counts, inverse=False):
    dt = [("values", dtype)]
    if index:
        dt.append(("indices", np.intp))
    if inverse:
        dt.append(("inverse", np.intp))
    if counts:
        dt.append(("counts", np.intp))
    return np.dtype(dt)


def _pack(values, index, counts, dt):
    r = np.empty(values.shape, dtype=dt)
    r["values"] = values
    if index is not None:
        r["indices"] = index
    if counts is not None:
        r["counts"] = counts
    return r


class _UniqueBlock:
    """``np.unique`` of one block (with global first indices and counts) as a structured array."""

    __name__ = "unique-chunk"

    def __init__(self, dim, index, counts, dt):
        self.dim, self.index, self.counts, self.dt = dim, index, counts, dt

    def __call__(self, block, block_id):
        res = np.unique(block, return_index=self.index, return_counts=self.counts)
        if not isinstance(res, tuple):
            res = (res,)
        values = res[0]
        idx = res[1] + self.dim.start(block_id[0]) if self.index else None
        cnt = res[-1] if self.counts else None
        return _pack(values, idx, cnt, self.dt)

    def __reduce__(self):
        return (_UniqueBlock, (self.dim, self.index, self.counts, self.dt))


class _UniqueMerge:
    """Merge per-block unique records: first index is the minimum, counts add up."""

    __name__ = "unique-aggregate"

    def __init__(self, index, counts, dt):
        self.index, self.counts, self.dt = index, counts, dt

    def __call__(self, *parts):
        r = np.concatenate(parts) if parts else np.empty(0, dtype=self.dt)
        values, inv = np.unique(r["values"], return_inverse=True)
        inv = inv.reshape(-1)
        idx = cnt = None
        if self.index:
            idx = np.full(len(values), np.iinfo(np.intp).max, dtype=np.intp)
            np.minimum.at(idx, inv, r["indices"])
        if self.counts:
            cnt = np.zeros(len(values), dtype=np.intp)
            np.add.at(cnt, inv, r["counts"])
        return _pack(values, idx, cnt, self.dt)

    def __reduce__(self):
        return (_UniqueMerge, (self.index, self.counts, self.dt))


class _Field:
    __name__ = "getitem-field"

    def __init__(self, name):
        self.name = name

    def __call__(self, r):
        return np.ascontiguousarray(r[self.name])

    def __reduce__(self):
        return (_Field, (self.name,))


def _inverse(block, values):
    return np.searchsorted(values, block).astype(np.intp)


@implements(np.unique)
def unique(ar, return_index=False, return_inverse=False, return_counts=False):
    """Sorted unique values of ``ar`` (one chunk of unknown size), with dask's optional outputs."""
    ar = asarray(ar)
    orig_shape = ar.shape
    flat = ar.ravel() if ar.ndim != 1 else ar
    d = flat._node.dims[0]
    if return_index and not d.known:
        raise ValueError(unknown_chunks_message(flat.shape))
    dt = _fields_dtype(ar.dtype, return_index, return_counts)
    per = MapBlocks(_UniqueBlock(d, bool(return_index), bool(return_counts), dt), (flat._node,), ((0,),),
                    (Dim.unknown(d.nblocks),), dt, None, True)
    merged = GatherBlocks(per, _UniqueMerge(bool(return_index), bool(return_counts), dt), (Dim.unknown(1),), dt)
    values = Array(MapBlocks(_Field("values"), (merged,), ((0,),), merged.dims, ar.dtype, None, False))
    result = [values]
    if return_index:
        result.append(Array(MapBlocks(_Field("indices"), (merged,), ((0,),), merged.dims, np.dtype(np.intp), None,
                                      False)))
    if return_inverse:
        maps = ((0,), (("c", 0),))
        inv = Array(MapBlocks(_inverse, (flat._node, values._node), maps, flat._node.dims, np.dtype(np.intp), None,
                              False))
        if len(orig_shape) != 1:
            inv = inv.reshape(orig_shape)
        result.append(inv)
    if return_counts:
        result.append(Array(MapBlocks(_Field("counts"), (merged,), ((0,),), merged.dims, np.dtype(np.intp), None,
                                      False)))
    return result[0] if len(result) == 1 else tuple(result)


@implements(np.union1d)
def union1d(ar1, ar2):
    """Sorted unique values in either input (``numpy.union1d``; one chunk of unknown size)."""
    return unique(concatenate((asarray(ar1).ravel(), asarray(ar2).ravel())))


class _BincountBlock:
    __name__ = "bincount"

    def __init__(self, minlength):
        self.minlength = minlength

    def __call__(self, x, weights=None):
        return np.bincount(x, weights=weights, minlength=self.minlength)

    def __reduce__(self):
        return (_BincountBlock, (self.minlength,))


class _BincountAgg:
    __name__ = "bincount-aggregate"

    def __init__(self, dtype):
        self.dtype = dtype

    def __call__(self, *parts):
        n = max((len(p) for p in parts), default=0)
        out = np.zeros(n, dtype=self.dtype)
        for p in parts:
            out[:len(p)] += p
        return out

    def __reduce__(self):
        return (_BincountAgg, (self.dtype,))


@implements(np.bincount)
def bincount(x, weights=None, minlength=0, split_every=None):
    """Counts of each non-negative integer in 1-d ``x`` (``numpy.bincount``; dask's output chunks)."""
    x = asarray(x)
    if x.ndim != 1:
        raise ValueError("Input array must be one dimensional. Try using x.ravel()")
    args, maps = [x._node], [(0,)]
    if weights is not None:
        weights = asarray(weights)
        if weights.chunks != x.chunks and not (weights._node.dims == x._node.dims):
            raise ValueError("Chunks of input array x and weights must match.")
        args.append(weights._node)
        maps.append((0,))
        dtype = np.bincount(np.array([1]), weights=np.array([1], dtype=weights.dtype)).dtype
    else:
        dtype = np.bincount(np.array([], dtype=np.intp)).dtype
    if x.dtype.kind not in "iub" and x.size != 0:
        raise TypeError(f"Cannot cast array data from dtype('{x.dtype}') to dtype('int64') according to the rule "
                        "'safe'")
    minlength = int(minlength)
    if minlength < 0:
        raise ValueError("'minlength' must not be negative")
    d = x._node.dims[0]
    per = MapBlocks(_BincountBlock(minlength), tuple(args), tuple(maps), (Dim.unknown(d.nblocks),), dtype, None,
                    False)
    out_dim = Dim.regular(minlength, minlength) if minlength else Dim.unknown(1)
    return Array(GatherBlocks(per, _BincountAgg(dtype), (out_dim,), dtype))
