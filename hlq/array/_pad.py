"""``pad``: constant, edge, reflected, symmetric and wrapped pieces concatenated
to the array, and the modes computed from the data (``maximum``, ``minimum``,
``mean``, ``median``, ``linear_ramp``).

For the data modes, each axis is padded in turn (numpy's order, so corners match numpy): the
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

from hlq.array._blockwise import map_blocks
from hlq.array._chunks import Dim
from hlq.array._core import Array, asarray, elemwise, implements
from hlq.array._manipulation import _broadcast_node, _slice_along, broadcast_to, concatenate
from hlq.array._percentile import median
from hlq.array.nodes import Full

__all__ = ["pad"]

_STATS = {"maximum": "max", "minimum": "min", "mean": "mean", "median": "median"}


def _pairs(value, ndim, name, as_index):
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
        s = median(x, axis=axis, keepdims=True)
    else:
        s = getattr(x, kind)(axis=axis, keepdims=True)
    if x.dtype.kind in "iu" and kind in ("mean", "median"):  # numpy rounds integers only (not bool)
        s = elemwise(np.around, s)
    return s.astype(x.dtype) if s.dtype != x.dtype else s


def _broadcast_width(piece: Array, axis: int, width: int) -> Array:
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
    n = x.shape[axis]
    edge = _along(x, axis, slice(0, 1) if side == "left" else slice(n - 1, n)).rechunk({axis: 1})
    chunks = tuple((width,) if i == axis else c for i, c in enumerate(edge.chunks))
    return map_blocks(_Ramp(axis, width, end, x.dtype, side == "right"), edge, chunks=chunks, dtype=x.dtype)


def pad_from_data(x, widths, mode, stat_length=None, end_values=0):
    """Pad ``x`` by ``widths`` (``[(before, after), ...]``) with a data-derived ``mode``."""
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


_PAD_MODES = {"constant", "edge", "linear_ramp", "maximum", "mean", "median", "minimum", "reflect",
              "symmetric", "wrap", "empty"}


def _pad_pairs(value, ndim, name):
    arr = np.asarray(value)
    try:
        pairs = np.broadcast_to(arr, (ndim, 2))
    except ValueError:
        raise ValueError(f"Unable to create correctly shaped tuple from {value!r}") from None
    return [tuple(p) for p in pairs.tolist()]


def _pad_piece(x: Array, axis: int, width: int, mode: str, side: str, value=None) -> Array:
    n = x.shape[axis]
    shape = list(x.shape)
    shape[axis] = width
    if mode in ("constant", "empty"):
        dims = list(x._node.dims)
        dims[axis] = Dim.regular(width, max(x._node.dims[axis].max_size(), 1))
        fill = 0 if mode == "empty" else value
        fill = x.dtype.type(fill).item() if x.dtype.kind in "biufc" else fill
        return Array(Full(tuple(dims), x.dtype, fill))
    if mode == "edge":
        edge = _slice_along(x, axis, slice(0, 1) if side == "left" else slice(n - 1, n))
        dims = list(x._node.dims)
        dims[axis] = Dim.regular(width, max(x._node.dims[axis].max_size(), 1))
        return Array(_broadcast_node(edge._node, dims))
    if mode == "wrap":
        return _slice_along(x, axis, slice(n - width, n) if side == "left" else slice(0, width))
    if mode == "reflect":
        if side == "left":
            return _slice_along(x, axis, slice(width, 0, -1))
        stop = n - 2 - width
        return _slice_along(x, axis, slice(n - 2, stop if stop >= 0 else None, -1))
    # symmetric
    if side == "left":
        return _slice_along(x, axis, slice(width - 1, None, -1))
    stop = n - 1 - width
    return _slice_along(x, axis, slice(n - 1, stop if stop >= 0 else None, -1))


@implements(np.pad)
def pad(array, pad_width, mode="constant", **kwargs):
    """Pad an array (modes ``constant``, ``edge``, ``reflect``, ``symmetric``, ``wrap``, ``empty``).

    Each axis is padded in turn by concatenating pieces built from the array
    (numpy's order, so corners match numpy).
    """
    x = asarray(array)
    if callable(mode):
        raise NotImplementedError("pad with a callable mode is not supported yet by hlq.array")
    if mode not in _PAD_MODES:
        raise ValueError(f"mode '{mode}' is not supported")
    allowed = {"constant": {"constant_values"}, "reflect": {"reflect_type"}, "symmetric": {"reflect_type"},
               "linear_ramp": {"end_values"}, **{m: {"stat_length"} for m in ("maximum", "mean", "median", "minimum")}}
    bad = set(kwargs) - allowed.get(mode, set())
    if bad:
        raise ValueError(f"unsupported keyword arguments for mode '{mode}': {bad}")
    if kwargs.get("reflect_type", "even") != "even":
        raise NotImplementedError("reflect_type='odd' is not supported yet by hlq.array")
    widths = _pad_pairs(pad_width, x.ndim, "pad_width")
    for w in widths:
        for v in w:
            if not float(v).is_integer():
                raise TypeError("`pad_width` must be of integral type.")
            if v < 0:
                raise ValueError("index can't contain negative values")
    widths = [(int(a), int(b)) for a, b in widths]
    if mode in ("linear_ramp", "maximum", "mean", "median", "minimum"):

        return pad_from_data(x, widths, mode, **kwargs)
    values = _pad_pairs(kwargs.get("constant_values", 0), x.ndim, "constant_values") if mode == "constant" else None
    for ax, (before, after) in enumerate(widths):
        if before == 0 and after == 0:
            continue
        n = x.shape[ax]
        m = mode
        if n == 0 and m not in ("constant", "empty"):
            raise ValueError(f"can't extend empty axis {ax} using modes other than 'constant' or 'empty'")
        if m == "reflect" and n == 1:
            m = "edge"
        limit = n - 1 if m == "reflect" else n
        if m in ("reflect", "symmetric", "wrap") and (before > limit or after > limit):
            raise NotImplementedError(f"pad mode '{mode}' with widths larger than the axis is not supported yet")
        parts = []
        if before:
            parts.append(_pad_piece(x, ax, before, m, "left", values[ax][0] if values else None))
        parts.append(x)
        if after:
            parts.append(_pad_piece(x, ax, after, m, "right", values[ax][1] if values else None))
        x = concatenate(parts, axis=ax)
    return x
