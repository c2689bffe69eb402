"""Item assignment (``x[key] = value``) on hlq arrays, rebinding ``x`` to a new plan like dask.

Supported keys: a boolean mask (hlq or numpy array broadcasting to ``x``),
basic indices (ints, slices, ``Ellipsis``), and one 1-d integer or boolean
array (numpy or hlq) along one axis; values are scalars, numpy (or numpy
masked) arrays or hlq arrays broadcasting to the selected region.  An hlq
array value is gathered to ``x``'s positions and merged with a where; a
1-d hlq key with an array of values is computed at assignment.  The result
keeps ``x``'s dtype (numpy's casting); blocks the key does not touch pass
through unchanged.

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
from hlq.array._chunks import unknown_chunks_message
from hlq.array._core import Array, asarray, elemwise
from hlq.array._manipulation import broadcast_to
from hlq.array._indexing_basic import normalize_index
from hlq.array._creation import arange

__all__ = ["setitem"]


class UnsupportedKeyError(IndexError, NotImplementedError):
    """An assignment key hlq does not support (numpy does): dask raises ``IndexError`` for these."""


def _axis_entries(key, ndim):
    """A key with one entry per axis: ``Ellipsis`` expanded, ``None`` dropped, missing axes full."""
    key = tuple(k for k in key if k is not None)
    if sum(k is Ellipsis for k in key) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if any(k is Ellipsis for k in key):
        i = next(j for j, k in enumerate(key) if k is Ellipsis)
        key = key[:i] + (slice(None),) * (ndim - len(key) + 1) + key[i + 1:]
    if len(key) > ndim:
        raise IndexError(f"too many indices for array: array is {ndim}-dimensional, but {len(key)} were indexed")
    return key + (slice(None),) * (ndim - len(key))


def _positions(k, n, axis):
    """A 1-d integer/boolean list or numpy array key of an axis of length ``n`` -> positions."""
    a = np.asarray(k)
    if a.ndim == 0:
        raise NotImplementedError("item assignment with a scalar boolean or 0-d array key is not supported")
    if a.ndim != 1:
        raise UnsupportedKeyError("item assignment supports 1-dimensional integer or boolean arrays along one "
                                  f"axis; got a {a.ndim}-dimensional key")
    if a.dtype == bool:
        if a.shape[0] != n:
            raise IndexError(f"boolean index did not match indexed array along axis {axis}; size of axis is {n} "
                             f"but size of corresponding boolean axis is {a.shape[0]}")
        return np.nonzero(a)[0]
    if a.size == 0:
        return a.astype(np.intp)
    if a.dtype.kind not in "iu":
        raise IndexError("arrays used as indices must be of integer (or boolean) type")
    if a.min() < -n or a.max() >= n:
        bad = a[(a < -n) | (a >= n)][0]
        raise IndexError(f"index {bad} is out of bounds for axis {axis} with size {n}")
    return np.where(a < 0, a + n, a).astype(np.intp)


def _setitem_per_axis(x, key, value):
    """``x[key] = value`` for a key with integer/boolean arrays along single axes (outer indexing
    with one array key, numpy's order: the last of repeated positions wins)."""
    entries = _axis_entries(key, x.ndim)
    if any(isinstance(k, Array) for k in entries) and (np.ndim(value) == 0 or any(
            isinstance(k, Array) and k.ndim != 1 for k in entries)):
        return _setitem_lazy_axes(x, entries, value)
    # hlq array keys with an array of values: the positions are computed here (small 1-d keys)
    entries = tuple(np.asarray(k.compute()) if isinstance(k, Array) else k for k in entries)
    idx = []
    n_arrays = 0
    for d, (k, n) in enumerate(zip(entries, x.shape)):
        if isinstance(k, (list, np.ndarray)):
            idx.append(_positions(k, n, d))
            n_arrays += 1
        else:
            e = normalize_index((k,), (n,))[0]
            idx.append(e)
    if n_arrays > 1:
        raise NotImplementedError("item assignment with integer array keys on several axes is not supported")
    return _assign(x, tuple(idx), value)


def _setitem_lazy_axes(x, entries, value):
    """``x[key] = value`` where some axes are selected by 1-d hlq arrays (boolean masks or
    integer positions) and ``value`` is a scalar: one boolean mask over ``x`` (the outer product
    of every axis' selection), then an element-wise where."""
    if np.ndim(value) != 0:
        raise NotImplementedError("item assignment with hlq array keys supports scalar values only")
    if isinstance(value, Array) and value.dtype != x.dtype and not np.can_cast(value.dtype, x.dtype,
                                                                              casting="unsafe"):
        raise TypeError(f"cannot assign values of dtype {value.dtype} to an array of dtype {x.dtype}")
    mask = None
    for d, (k, n) in enumerate(zip(entries, x.shape)):
        shape = [1] * x.ndim
        shape[d] = n
        if isinstance(k, Array):
            if k.ndim != 1:
                raise NotImplementedError("item assignment with multi-dimensional hlq array keys along an axis")
            if k.dtype == bool:
                sel = k
            elif k.dtype.kind in "iu":
                pos = arange(n, chunks=(x.chunks[d],))
                sel = ((pos[:, None] == k[None, :]) | (pos[:, None] == k[None, :] + n)).any(axis=1)
            else:
                raise IndexError("arrays used as indices must be of integer (or boolean) type")
        else:
            sel_np = np.zeros(n, dtype=bool)
            if isinstance(k, (list, np.ndarray)):
                sel_np[_positions(k, n, d)] = True
            else:
                sel_np[k] = True
            sel = sel_np
        sel = sel.reshape(shape)
        mask = sel if mask is None else mask & sel
    value = value if isinstance(value, Array) else np.asarray(value)
    return elemwise(_where_keep_dtype, mask, value, x, x.dtype, dtype=x.dtype)


def _where_keep_dtype(mask, value, x, dtype):
    where = np.ma.where if isinstance(x, np.ma.MaskedArray) or isinstance(value, np.ma.MaskedArray) else np.where
    return where(mask, value, x).astype(dtype, copy=False)


class _AssignBasic:
    """Assign ``value`` into the part of a block that a basic index selects (block offsets from ``starts``)."""

    __slots__ = ("entries", "value", "starts")
    __name__ = "setitem"

    def __init__(self, entries, value, starts):
        self.entries, self.value, self.starts = entries, value, starts

    def __call__(self, block, block_id=None):
        masked = isinstance(self.value, np.ma.MaskedArray)
        if masked:  # every block masked, so that the blocks assemble into a masked array
            block = np.ma.asarray(block)
        local, vidx = [], []
        for d, e in enumerate(self.entries):
            b0 = self.starts[d][block_id[d]]
            n = block.shape[d]
            if isinstance(e, int):
                if not b0 <= e < b0 + n:
                    return block
                local.append(e - b0)
                continue
            pos = e if isinstance(e, np.ndarray) else np.arange(*e)
            k = np.nonzero((pos >= b0) & (pos < b0 + n))[0]
            if k.size == 0:
                return block
            local.append(pos[k] - b0)
            vidx.append(k)
        out = block.copy() if isinstance(block, np.ndarray) else np.array(block)  # a numpy scalar for 0-d
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
    if isinstance(key, list) and key and all(isinstance(k, (bool, np.bool_)) for k in key):
        key = np.asarray(key)
    one_d_values = isinstance(key, (Array, np.ndarray)) and key.ndim == 1 and np.ndim(value) != 0
    if not one_d_values and ((isinstance(key, Array) and key.dtype == bool) or (
            isinstance(key, np.ndarray) and key.dtype == bool and (key.ndim == x.ndim or key.ndim > 1))):
        mask = asarray(key)
        if mask.dtype != bool:
            raise IndexError("arrays used as indices must be of integer (or boolean) type")
        if mask.ndim > x.ndim:
            raise IndexError(f"too many indices for array: array is {x.ndim}-dimensional, but {mask.ndim} were "
                             "indexed")
        for d, (a, b) in enumerate(zip(mask.shape, x.shape)):
            if a == a and b == b and a != b:  # known lengths that differ
                raise IndexError(f"boolean index did not match indexed array along axis {d}; size of axis is {b} "
                                 f"but size of corresponding boolean axis is {a}")
        if isinstance(value, (list, tuple)):
            value = np.asarray(value)
        if isinstance(value, Array) and value.ndim > 1:
            # (dask's rule: a mask assignment takes a scalar or 1-d value)
            raise ValueError("boolean index array should have 1 dimension")
        return elemwise(_where_keep_dtype, mask, value, x, x.dtype, dtype=x.dtype)
    if isinstance(key, (list, np.ndarray, Array)) or (isinstance(key, tuple) and any(
            isinstance(k, (list, np.ndarray, Array)) for k in key)):
        return _setitem_per_axis(x, key if isinstance(key, tuple) else (key,), value)
    if any(not d.known for d in x._node.dims):
        raise ValueError(unknown_chunks_message(head="Arrays chunk sizes are unknown: item assignment needs "
                                                     "known chunks"))
    idx = normalize_index(key, x.shape)
    if any(e is None for e in idx):
        idx = tuple(e for e in idx if e is not None)
    return _assign(x, idx, value)


def _region_value(value, region, dtype):
    """A numpy (or numpy masked) ``value`` broadcast to ``region`` and cast to ``dtype``, numpy's errors."""
    masked = value is np.ma.masked or isinstance(value, np.ma.MaskedArray)
    value = np.ma.asarray(value) if masked else np.asarray(value)
    if value.dtype != dtype and not np.can_cast(value.dtype, dtype, casting="unsafe"):
        raise TypeError(f"cannot assign values of dtype {value.dtype} to an array of dtype {dtype}")
    if value.ndim == 0 and not masked and dtype.kind in "iu" and value.dtype.kind in "fc":
        try:
            np.empty((), dtype)[()] = value.item()  # numpy's errors for NaN and infinity
        except OverflowError as e:
            raise ValueError(str(e)) from None
    while value.ndim > len(region) and value.shape[0] == 1:  # extra leading length-1 dimensions
        value = value[0]
    if value.ndim:
        try:
            data = np.broadcast_to(np.ma.getdata(value), region)
        except ValueError:
            raise ValueError(f"could not broadcast input array from shape {value.shape} into shape {region}") \
                from None
        value = np.ma.array(data, mask=np.broadcast_to(np.ma.getmaskarray(value), region)) if masked else data
    return value.astype(dtype, copy=False)


def _assign(x, idx, value):
    """``x`` with the region ``idx`` (per axis an int, a normalized slice or an array of positions) set to ``value``."""
    if isinstance(value, Array):
        return _assign_array(x, idx, value)
    region = tuple(len(e) if isinstance(e, np.ndarray) else len(range(*e)) for e in idx if not isinstance(e, int))
    value = _region_value(value, region, x.dtype)
    starts = tuple(tuple(int(s) for s in np.cumsum((0,) + tuple(c))[:-1]) for c in x.chunks)
    return map_blocks(_AssignBasic(tuple(idx), value, starts), x, dtype=x.dtype)


def _assign_array(x, idx, value):
    """``x[idx] = value`` for an hlq array ``value``: ``value`` gathered to ``x``'s positions, then a where.

    Per axis, an inverse map takes each position of ``x`` to the element of
    ``value`` assigned there (numpy's order: the last of repeated positions
    wins), and a 1-d mask marks the assigned positions.
    """
    positions = [e if isinstance(e, (int, np.ndarray)) else np.arange(*e) for e in idx]
    region = tuple(len(p) for p in positions if not isinstance(p, int))
    v = value
    while v.ndim > len(region) and v.shape[0] == 1:  # extra leading length-1 dimensions
        v = v[0]
    if v.ndim > len(region) or any(a != b and a != 1 for a, b in zip(v.shape[::-1], region[::-1])):
        raise ValueError(f"could not broadcast input array from shape {value.shape} into shape {region}")
    if any(not d.known for d in v._node.dims):
        raise ValueError(unknown_chunks_message(head="Arrays chunk sizes are unknown: the assigned value needs "
                                                     "known chunks"))
    if v.dtype != x.dtype and not np.can_cast(v.dtype, x.dtype, casting="unsafe"):
        raise TypeError(f"cannot assign values of dtype {v.dtype} to an array of dtype {x.dtype}")
    if any(n == 0 for n in region):
        return x
    v = broadcast_to(v, region)
    gathered = v
    masks = []
    axis = 0  # axis of ``gathered`` that follows x's axis d
    for d, (p, n) in enumerate(zip(positions, x.shape)):
        sel = np.zeros(n, dtype=bool)
        sel[p] = True
        if isinstance(p, int):
            gathered = gathered[(slice(None),) * axis + (None,)]
        elif not (len(p) == n and (p == np.arange(n)).all()):
            inv = np.zeros(n, dtype=np.intp)
            inv[p] = np.arange(len(p))
            gathered = gathered[(slice(None),) * axis + (inv,)]
        axis += 1
        if not sel.all():
            m = asarray(sel, chunks=(x.chunks[d],))
            masks.append(m[(None,) * d + (slice(None),) + (None,) * (x.ndim - d - 1)])
    mask = True
    for m in masks:
        mask = m if mask is True else mask & m
    return elemwise(_where_keep_dtype, mask, gathered, x, x.dtype, dtype=x.dtype)
