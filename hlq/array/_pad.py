"""``pad`` modes computed from the data: ``maximum``, ``minimum``, ``mean``, ``median``, ``linear_ramp``.

Each axis is padded in turn (numpy's order, so corners match numpy): the
statistic of the ``stat_length`` elements next to each edge is a keepdims
reduction broadcast over the pad width; a linear ramp is computed from the
edge slice alone.  Slices of the result therefore read only the edge regions
they need.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.array([1, 5, 3, 9]), chunks=2)
>>> da.pad(x, 2, mode="maximum").compute().tolist()
[9, 9, 1, 5, 3, 9, 9, 9]
>>> da.pad(x, (2, 1), mode="linear_ramp", end_values=(5, 0)).compute().tolist()
[5, 3, 1, 5, 3, 9, 0]
"""

from __future__ import annotations

import numpy as np

from hlq.array._core import Array, asarray, elemwise

__all__ = ["pad_from_data"]

_STATS = {"maximum": "max", "minimum": "min", "mean": "mean", "median": "median"}


def _pairs(value, ndim, name, as_index):
    from hlq.array._manipulation import _pad_pairs

    if value is None:
        return [(None, None)] * ndim
    pairs = _pad_pairs(value, ndim, name)
    if as_index:
        out = []
        for a, b in pairs:
            if a is None or b is None:
                out.append((a, b))
                continue
            if a < 0 or b < 0:
                raise ValueError("index can't contain negative values")
            out.append((int(round(a)), int(round(b))))
        return out
    return pairs


def _along(x: Array, axis: int, sl: slice) -> Array:
    index = [slice(None)] * x.ndim
    index[axis] = sl
    return x[tuple(index)]


def _stat(x: Array, axis: int, kind: str) -> Array:
    if kind == "median":
        from hlq.array._percentile import median

        s = median(x, axis=axis, keepdims=True)
    else:
        s = getattr(x, kind)(axis=axis, keepdims=True)
    if x.dtype.kind in "iu" and kind in ("mean", "median"):  # numpy rounds integers only (not bool)
        s = elemwise(np.around, s)
    return s.astype(x.dtype) if s.dtype != x.dtype else s


def _broadcast_width(piece: Array, axis: int, width: int) -> Array:
    from hlq.array._manipulation import broadcast_to

    shape = list(piece.shape)
    shape[axis] = width
    return broadcast_to(piece, tuple(shape))


class _Ramp:
    """Block function: numpy's linear ramp from ``end`` to the edge values (edge excluded)."""

    __name__ = "pad-linear-ramp"

    def __init__(self, axis, width, end, dtype, reverse):
        self.axis, self.width, self.end, self.dtype, self.reverse = axis, width, end, dtype, reverse

    def __call__(self, edge):
        ramp = np.linspace(self.end, edge.squeeze(self.axis), num=self.width, endpoint=False,
                           dtype=self.dtype, axis=self.axis)
        if self.reverse:
            ramp = np.flip(ramp, axis=self.axis)
        return ramp

    def __reduce__(self):
        return (_Ramp, (self.axis, self.width, self.end, self.dtype, self.reverse))


def _ramp(x: Array, axis: int, width: int, end, side: str) -> Array:
    from hlq.array._blockwise import map_blocks

    n = x.shape[axis]
    edge = _along(x, axis, slice(0, 1) if side == "left" else slice(n - 1, n)).rechunk({axis: 1})
    chunks = tuple((width,) if i == axis else c for i, c in enumerate(edge.chunks))
    return map_blocks(_Ramp(axis, width, end, x.dtype, side == "right"), edge, chunks=chunks, dtype=x.dtype)


def pad_from_data(x, widths, mode, stat_length=None, end_values=0):
    """Pad ``x`` by ``widths`` (``[(before, after), ...]``) with a data-derived ``mode``."""
    from hlq.array._manipulation import concatenate

    x = asarray(x)
    if mode == "linear_ramp":
        ends = _pairs(end_values, x.ndim, "end_values", False)
    else:
        lengths = _pairs(stat_length, x.ndim, "stat_length", True)
    for ax, (before, after) in enumerate(widths):
        if before == 0 and after == 0:
            continue
        n = x.shape[ax]
        if n == 0:
            raise ValueError(f"can't extend empty axis {ax} using modes other than 'constant' or 'empty'")
        parts = []
        if mode == "linear_ramp":
            if before:
                parts.append(_ramp(x, ax, before, ends[ax][0], "left"))
            parts.append(x)
            if after:
                parts.append(_ramp(x, ax, after, ends[ax][1], "right"))
        else:
            kind = _STATS[mode]
            left_len, right_len = lengths[ax]
            left_len = n if left_len is None or left_len > n else left_len
            right_len = n if right_len is None or right_len > n else right_len
            if (left_len == 0 or right_len == 0) and kind in ("max", "min"):
                raise ValueError("stat_length of 0 yields no value for padding")
            left = _stat(_along(x, ax, slice(0, left_len)), ax, kind)
            right = left if left_len == right_len == n else _stat(_along(x, ax, slice(n - right_len, n)), ax, kind)
            if before:
                parts.append(_broadcast_width(left, ax, before))
            parts.append(x)
            if after:
                parts.append(_broadcast_width(right, ax, after))
        x = concatenate(parts, axis=ax)
    return x
