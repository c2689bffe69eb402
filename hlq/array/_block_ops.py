"""Block-structured helpers of ``dask.array``: ``unify_chunks`` and ``push``.

``push`` (forward fill of NaNs along an axis, like ``bottleneck.push``) fills
each block on its own and takes the carry into block ``k`` from a small
array holding the last valid value (and its position) of every block, so the
graph has about three tasks per block.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.array([1.0, np.nan, np.nan, 4.0, np.nan]), chunks=2)
>>> da.push(x, None, 0).compute().tolist()
[1.0, 1.0, 1.0, 4.0, 4.0]
"""

from __future__ import annotations

import itertools
import numbers

import numpy as np

from hlq.array._chunks import Dim
from hlq.array._core import Array, _rechunk_node, asarray, validate_axis
from hlq.array._manipulation import _boundary_union
from hlq.array.nodes import MapBlocks

__all__ = ["unify_chunks", "push"]


def unify_chunks(*args, **kwargs):
    """Rechunk arrays so dimensions sharing an index letter have the same chunks.

    Parameters
    ----------
    *args : array, index pairs
        Like :func:`blockwise`: ``x, "ij", y, "jk"``; ``None`` as index marks
        a non-array argument.

    Returns
    -------
    chunkss : dict
        Index letter -> common chunks.
    arrays : list
        The (rechunked) arguments, in order.
    """
    if not args:
        return {}, []
    pairs = list(zip(args[::2], args[1::2]))
    dims_of: dict = {}
    for a, ind in pairs:
        if ind is None:
            continue
        a = asarray(a)
        if len(ind) != a.ndim:
            raise ValueError(f"Index string {ind!r} does not match array dimension {a.ndim}")
        for i, d in zip(ind, a._node.dims):
            if d.length == 1 and d.nblocks == 1:
                dims_of.setdefault(i, [])
                continue
            dims_of.setdefault(i, []).append(d)
    chunkss = {}
    common = {}
    for i, ds in dims_of.items():
        if not ds:
            continue
        lengths = {d.length for d in ds}
        if len(lengths) > 1:
            raise ValueError(f"Dimension {i!r} has inconsistent lengths {sorted(lengths)}")
        common[i] = ds[0] if all(d == ds[0] for d in ds) else _boundary_union(ds)
        chunkss[i] = common[i].sizes()
    arrays = []
    for a, ind in pairs:
        if ind is None:
            arrays.append(a)
            continue
        a = asarray(a)
        target = [common.get(i, d) if d.length != 1 or i not in common or common[i].length == 1 else d
                  for i, d in zip(ind, a._node.dims)]
        target = [t if t.length == d.length else d for t, d in zip(target, a._node.dims)]
        arrays.append(a if tuple(target) == a._node.dims else Array(_rechunk_node(a._node, target)))
    for i, ds in dims_of.items():
        if i not in chunkss:
            chunkss[i] = (1,)
    return chunkss, arrays


# ------------------------------------------------------------------------------- push

def _ffill(block, axis, n, offset, carry_val=None, carry_pos=None):
    """Forward fill along ``axis`` within a block; ``offset`` = global index of its first element."""
    m = block.shape[axis]
    shape = [1] * block.ndim
    shape[axis] = m
    pos = (np.arange(m) + offset).reshape(shape)
    valid = ~np.isnan(block)
    last = np.where(valid, pos, -1)
    last = np.maximum.accumulate(last, axis=axis) if m else last
    if carry_pos is not None:
        last = np.where(last < 0, carry_pos, last)
    local = np.clip(last - offset, 0, max(m - 1, 0))
    out = np.take_along_axis(block, local, axis=axis) if m else block.copy()
    if carry_val is not None:
        out = np.where(last < offset, carry_val, out)
    out = np.where(last < 0, np.nan, out)
    if n is not None:
        out = np.where((last >= 0) & (pos - last > n), np.nan, out)
    return out.astype(block.dtype, copy=False)


class _LastValid:
    """Block kernel: last valid value and its global position (length-1 along ``axis``)."""

    __name__ = "push-last"

    def __init__(self, axis, starts, which):
        self.axis, self.starts, self.which = axis, starts, which

    def __call__(self, block, block_id=None):
        ax = self.axis
        offset = self.starts[block_id[ax]]
        m = block.shape[ax]
        shape = [1] * block.ndim
        shape[ax] = m
        pos = (np.arange(m) + offset).reshape(shape)
        last = np.where(~np.isnan(block), pos, -1)
        lastpos = last.max(axis=ax, keepdims=True) if m else np.full(
            tuple(1 if i == ax else s for i, s in enumerate(block.shape)), -1)
        if self.which == "pos":
            return lastpos.astype(np.int64)
        local = np.clip(lastpos - offset, 0, max(m - 1, 0))
        val = np.take_along_axis(block, local, axis=ax) if m else np.full(lastpos.shape, np.nan, block.dtype)
        return np.where(lastpos >= 0, val, np.nan).astype(block.dtype, copy=False)

    def __reduce__(self):
        return (_LastValid, (self.axis, self.starts, self.which))


class _PushBlock:
    """Block kernel: fill a block using the carries of all blocks before it."""

    __name__ = "push"

    def __init__(self, axis, n, starts):
        self.axis, self.n, self.starts = axis, n, starts

    def __call__(self, block, vals, poss, block_id=None):
        ax = self.axis
        k = block_id[ax]
        offset = self.starts[k]
        if k == 0:
            return _ffill(block, ax, self.n, offset)
        index = [slice(None)] * block.ndim
        index[ax] = slice(0, k)
        prev_pos = poss[tuple(index)]
        prev_val = vals[tuple(index)]
        best = prev_pos.argmax(axis=ax)
        best = np.expand_dims(best, ax)
        carry_pos = np.take_along_axis(prev_pos, best, axis=ax)
        carry_val = np.take_along_axis(prev_val, best, axis=ax)
        return _ffill(block, ax, self.n, offset, carry_val, carry_pos)

    def __reduce__(self):
        return (_PushBlock, (self.axis, self.n, self.starts))


def push(array, n, axis):
    """Forward-fill NaNs along ``axis``, at most ``n`` steps (``n=None``: unlimited), like ``bottleneck.push``."""
    x = asarray(array)
    if n is not None:
        if not isinstance(n, (numbers.Integral, np.integer)) or n < 0:
            raise ValueError(f"`n` must be a non-negative integer or None, got {n!r}")
        n = int(n)
    if x.ndim == 0:
        raise ValueError("push needs an array of at least one dimension")
    axis = validate_axis(axis, x.ndim)[0]
    if x.dtype.kind not in "fc":
        return x  # no NaNs possible
    d = x._node.dims[axis]
    starts = tuple(itertools.accumulate((0,) + tuple(d.sizes())))
    if d.nblocks <= 1:
        return Array(MapBlocks(_PushBlockSingle(axis, n), (x._node,), (tuple(range(x.ndim)),), x._node.dims,
                               x.dtype, None, False))
    carry_dims = list(x._node.dims)
    carry_dims[axis] = Dim.from_sizes((1,) * d.nblocks)
    ident = tuple(range(x.ndim))
    vals = MapBlocks(_LastValid(axis, starts, "val"), (x._node,), (ident,), tuple(carry_dims), x.dtype, None, True)
    poss = MapBlocks(_LastValid(axis, starts, "pos"), (x._node,), (ident,), tuple(carry_dims),
                     np.dtype(np.int64), None, True)
    one = list(carry_dims)
    one[axis] = Dim.from_sizes((d.nblocks,))
    vals1, poss1 = _rechunk_node(vals, one), _rechunk_node(poss, one)
    carry_map = tuple(("c", 0) if j == axis else j for j in range(x.ndim))
    return Array(MapBlocks(_PushBlock(axis, n, starts), (x._node, vals1, poss1), (ident, carry_map, carry_map),
                           x._node.dims, x.dtype, None, True))


class _PushBlockSingle:
    """Block kernel for an axis with one block: a plain forward fill."""

    __name__ = "push"

    def __init__(self, axis, n):
        self.axis, self.n = axis, n

    def __call__(self, block):
        return _ffill(block, self.axis, self.n, 0)

    def __reduce__(self):
        return (_PushBlockSingle, (self.axis, self.n))
