"""Item assignment (``x[key] = value``) on hlq arrays, rebinding ``x`` to a new plan like dask.

Supported keys: a boolean mask (hlq or numpy array broadcasting to ``x``), and
basic indices (ints, slices, ``Ellipsis``) with a scalar or numpy value.  The
result keeps ``x``'s dtype (numpy's casting); blocks the key does not touch
pass through unchanged.

>>> import hlq.array as da
>>> x = da.arange(6, chunks=4)
>>> x[x > 3] = 0
>>> x[1:3] = -1
>>> x.compute().tolist()
[0, -1, -1, 3, 0, 0]
"""

from __future__ import annotations

import numpy as np

from hlq.array._blockwise import map_blocks
from hlq.array._core import Array, asarray, elemwise
from hlq.array._indexing_basic import normalize_index

__all__ = ["setitem"]


def _where_keep_dtype(mask, value, x, dtype):
    return np.where(mask, value, x).astype(dtype, copy=False)


class _AssignBasic:
    """Assign ``value`` into the part of a block that a basic index selects (block offsets from ``starts``)."""

    __slots__ = ("entries", "value", "starts")
    __name__ = "setitem"

    def __init__(self, entries, value, starts):
        self.entries, self.value, self.starts = entries, value, starts

    def __call__(self, block, block_id=None):
        local, vidx = [], []
        for d, e in enumerate(self.entries):
            b0 = self.starts[d][block_id[d]]
            n = block.shape[d]
            if isinstance(e, int):
                if not b0 <= e < b0 + n:
                    return block
                local.append(e - b0)
                continue
            a, stop, s = e
            pos = np.arange(a, stop, s)
            k = np.nonzero((pos >= b0) & (pos < b0 + n))[0]
            if k.size == 0:
                return block
            local.append(pos[k] - b0)
            vidx.append(k)
        out = block.copy()
        value = self.value
        if np.ndim(value) and vidx:
            value = value[np.ix_(*vidx)]
        ix = iter(np.ix_(*[i for i in local if not isinstance(i, int)]))
        # ints broadcast with the open-mesh arrays: the assigned region has the value's shape
        index = tuple(i if isinstance(i, int) else next(ix) for i in local)
        out[index] = value
        return out

    def __reduce__(self):
        return (_AssignBasic, (self.entries, self.value, self.starts))


def setitem(x: Array, key, value) -> Array:
    """The array ``x`` with ``x[key] = value`` applied (``x`` itself is not changed).

    Parameters
    ----------
    x : Array
    key : boolean Array or ndarray, or a basic index
    value : scalar, numpy array, or (with a boolean mask) an array broadcasting to ``x``

    Raises
    ------
    NotImplementedError
        For fancy (integer list/array) keys and for hlq-array values with basic indices.
    """
    if isinstance(key, Array) or (isinstance(key, np.ndarray) and key.dtype == bool):
        mask = asarray(key)
        if mask.dtype != bool:
            raise IndexError("arrays used as indices must be of integer (or boolean) type")
        if mask.ndim > x.ndim:
            raise IndexError(f"too many indices for array: array is {x.ndim}-dimensional, but {mask.ndim} were "
                             "indexed")
        if isinstance(value, (list, tuple)):
            value = np.asarray(value)
        return elemwise(_where_keep_dtype, mask, value, x, x.dtype, dtype=x.dtype)
    if isinstance(key, (list, np.ndarray)) or (isinstance(key, tuple) and any(
            isinstance(k, (list, np.ndarray, Array)) for k in key)):
        raise NotImplementedError("item assignment with integer array keys is not supported by hlq.array")
    if isinstance(value, Array):
        raise NotImplementedError("item assignment of an hlq array into a basic index is not supported yet")
    idx = normalize_index(key, x.shape)
    if any(e is None for e in idx):
        idx = tuple(e for e in idx if e is not None)
    value = np.asarray(value)
    if value.dtype != x.dtype and not np.can_cast(value.dtype, x.dtype, casting="unsafe"):
        raise TypeError(f"cannot assign values of dtype {value.dtype} to an array of dtype {x.dtype}")
    region = tuple(len(range(*e)) for e in idx if not isinstance(e, int))
    if value.ndim:
        try:
            value = np.broadcast_to(value, region)
        except ValueError:
            raise ValueError(f"could not broadcast input array from shape {value.shape} into shape {region}") \
                from None
    value = value.astype(x.dtype, copy=False)
    starts = tuple(tuple(int(s) for s in np.cumsum((0,) + tuple(c))[:-1]) for c in x.chunks)

    return map_blocks(_AssignBasic(tuple(idx), value, starts), x, dtype=x.dtype)
