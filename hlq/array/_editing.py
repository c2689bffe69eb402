"""Insert, delete and append along an axis, and ``rollaxis`` (as in ``dask.array``).

All three edits are slices of the input concatenated with the new pieces,
so only the blocks a later slice needs are read.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.arange(6), chunks=4)
>>> da.delete(x, [1, 4], axis=0).compute().tolist()
[0, 2, 3, 5]
>>> da.insert(x, 2, -1, axis=0).compute().tolist()
[0, 1, -1, 2, 3, 4, 5]
>>> da.append(x, [6, 7]).compute().tolist()
[0, 1, 2, 3, 4, 5, 6, 7]
"""

from __future__ import annotations

import numbers

import numpy as np

from hlq.array._core import Array, asarray, implements, validate_axis
from hlq.array._indexing_fancy import take
from hlq.array._manipulation import broadcast_to, concatenate, moveaxis, ravel, transpose

__all__ = ["append", "delete", "insert", "rollaxis"]


def _take_range(x: Array, axis: int, start: int, stop: int) -> Array:
    index = [slice(None)] * x.ndim
    index[axis] = slice(start, stop)
    return x[tuple(index)]


def _axis_of(axis, ndim) -> int:
    if not isinstance(axis, (numbers.Integral, np.integer)):
        raise TypeError(f"'{type(axis).__name__}' object cannot be interpreted as an integer")
    return validate_axis(int(axis), ndim)[0]


@implements(np.append)
def append(arr, values, axis=None):
    """Append ``values`` at the end of ``arr`` (``numpy.append``); flattened when ``axis`` is None."""
    arr = asarray(arr)
    values = asarray(values)
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], axis=0)
    return concatenate([arr, values], axis=axis)


def _normalize_obj(obj, n: int, what: str) -> np.ndarray:
    """Integer positions (negatives wrapped, bounds checked) for ``delete``."""
    if isinstance(obj, slice):
        return np.arange(*obj.indices(n))
    if isinstance(obj, Array):
        raise NotImplementedError(f"{what}: an hlq array as index is not supported; pass a numpy array")
    idx = np.asarray(obj)
    if idx.dtype == bool:
        if idx.shape != (n,):
            raise ValueError(f"boolean array argument obj to {what} must be one dimensional and match the "
                             f"axis length of {n}")
        return np.flatnonzero(idx)
    if idx.size == 0:
        return np.zeros(0, dtype=np.intp)
    if idx.dtype.kind not in "iu":
        raise IndexError("arrays used as indices must be of integer (or boolean) type")
    idx = idx.ravel().astype(np.intp)
    bad = (idx < -n) | (idx >= n)
    if bad.any():
        raise IndexError(f"index {int(idx[bad][0])} is out of bounds for axis with size {n}")
    return np.where(idx < 0, idx + n, idx)


@implements(np.delete)
def delete(arr, obj, axis):
    """Remove the entries ``obj`` (int, slice, list/array of ints or a mask) along ``axis`` (``numpy.delete``)."""
    arr = asarray(arr)
    if axis is None:
        arr, axis = ravel(arr), 0
    axis = _axis_of(axis, arr.ndim)
    n = arr.shape[axis]
    drop = np.unique(_normalize_obj(obj, n, "delete"))
    if drop.size == 0:
        return arr
    pieces, start = [], 0
    for d in drop:
        if d > start:
            pieces.append(_take_range(arr, axis, start, int(d)))
        start = int(d) + 1
    if start < n:
        pieces.append(_take_range(arr, axis, start, n))
    if not pieces:
        return _take_range(arr, axis, 0, 0)
    return concatenate(pieces, axis=axis) if len(pieces) > 1 else pieces[0]


@implements(np.insert)
def insert(arr, obj, values, axis):
    """Insert ``values`` before the positions ``obj`` along ``axis`` (``numpy.insert``).

    ``obj`` may be an int, a slice or a sequence of ints (in any order, with
    repeats, like numpy); ``values`` is broadcast like numpy does.
    """
    arr = asarray(arr)
    if axis is None:
        arr, axis = ravel(arr), 0
    axis = _axis_of(axis, arr.ndim)
    n = arr.shape[axis]
    if isinstance(obj, slice):
        pos = np.arange(*obj.indices(n))
        scalar = False
    else:
        if isinstance(obj, Array):
            raise NotImplementedError("insert: an hlq array as index is not supported; pass a numpy array")
        pos = np.asarray(obj)
        scalar = pos.ndim == 0
        if pos.dtype == bool or (pos.size and pos.dtype.kind not in "iu"):
            raise IndexError("index array argument obj to insert must be one dimensional or scalar")
        if pos.ndim > 1:
            raise ValueError("index array argument obj to insert must be one dimensional or scalar")
        pos = np.atleast_1d(pos).astype(np.intp)
    bad = (pos < -n) | (pos > n)
    if bad.any():
        raise IndexError(f"index {int(pos[bad][0])} is out of bounds for axis {axis} with size {n}")
    pos = np.where(pos < 0, pos + n, pos)
    values = asarray(values)
    if values.dtype != arr.dtype:
        values = values.astype(arr.dtype)
    if scalar:
        # numpy: values get ``arr.ndim`` dimensions, their first axis moved to ``axis``
        if values.ndim < arr.ndim:
            values = values[(None,) * (arr.ndim - values.ndim)]
        elif values.ndim > arr.ndim:
            raise ValueError(f"could not broadcast values of dimension {values.ndim} into {arr.ndim} dimensions")
        values = moveaxis(values, 0, axis)
        count = values.shape[axis]
    else:
        count = len(pos)
    shape = list(arr.shape)
    shape[axis] = count
    values = broadcast_to(values, tuple(shape))
    if count == 0:
        return arr
    order = np.argsort(pos, kind="stable")
    if scalar:
        order = np.zeros(0, dtype=np.intp)
        groups = [(int(pos[0]), 0, count)]
    else:
        if not (order == np.arange(count)).all():
            values = take(values, order, axis=axis)
        spos = pos[order]
        groups = []
        start = 0
        for p in np.unique(spos):
            stop = start + int((spos == p).sum())
            groups.append((int(p), start, stop))
            start = stop
    pieces, prev = [], 0
    for p, a, b in groups:
        if p > prev:
            pieces.append(_take_range(arr, axis, prev, p))
        pieces.append(_take_range(values, axis, a, b))
        prev = p
    if prev < n:
        pieces.append(_take_range(arr, axis, prev, n))
    return concatenate(pieces, axis=axis) if len(pieces) > 1 else pieces[0]


@implements(np.rollaxis)
def rollaxis(a, axis, start=0):
    """Roll ``axis`` backwards until it lies before ``start`` (``numpy.rollaxis``)."""
    a = asarray(a)
    n = a.ndim
    axis = _axis_of(axis, n)
    if not isinstance(start, (numbers.Integral, np.integer)):
        raise TypeError(f"'{type(start).__name__}' object cannot be interpreted as an integer")
    start = int(start)
    if not -n <= start < n + 1:
        raise np.exceptions.AxisError(f"'start' arg requires {-n} <= start < {n + 1}, but {start} was passed in")
    if start < 0:
        start += n
    if start > axis:
        start -= 1
    if axis == start:
        return a
    axes = [i for i in range(n) if i != axis]
    axes.insert(start, axis)
    return transpose(a, tuple(axes))
