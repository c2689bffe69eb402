"""``hlq.array.overlap``: blocks sharing halos with their neighbours (``dask.array.overlap``).

``overlap(x, depth, boundary)`` adds boundary blocks (``'reflect'``,
``'periodic'``, ``'nearest'``, a constant, or ``'none'``) and then one
:class:`~hlq.array.nodes.overlap.Halo` node extends every block by the edge
strips of its neighbours; ``map_overlap`` maps a function over the extended
blocks and trims the halo off again (:class:`~hlq.array.nodes.overlap.TrimBlocks`).
An output block only reads its own input block and its neighbours, so
slicing a ``map_overlap`` result lowers only the blocks under the slice plus
their halo (see :mod:`hlq.array.rules.slice_pushdown`).

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.arange(8), chunks=4)
>>> da.overlap.overlap(x, depth=1, boundary="periodic").compute().tolist()
[7, 0, 1, 2, 3, 4, 3, 4, 5, 6, 7, 0]
>>> y = da.map_overlap(lambda b: b - np.roll(b, 1), x, depth=1, boundary="periodic", dtype=x.dtype)
>>> y.compute().tolist()
[-7, 1, 1, 1, 1, 1, 1, 1]
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from dask.array.overlap import coerce_boundary, coerce_depth, ensure_minimum_chunksize
from numpy.lib.array_utils import normalize_axis_tuple

from hlq.array._core import Array, asarray, normalize_dims, unify_dims
from hlq.array.nodes.overlap import Halo, TrimBlocks
from hlq.array._blockwise import map_blocks
from hlq.array._creation import full
from hlq.array._manipulation import broadcast_to, concatenate
from hlq.array.nodes.rechunk import Rechunk

__all__ = [
    "overlap", "map_overlap", "trim_internal", "trim_overlap", "boundaries", "periodic", "reflect", "nearest",
    "constant", "overlap_internal", "ensure_minimum_chunksize", "sliding_window_view",
]


def _along(x, axis, sl):
    return x[(slice(None),) * axis + (sl,)]


def _piece_chunks(x, axis, depth):
    chunks = list(x.chunks)
    chunks[axis] = (depth,)
    return tuple(chunks)


def periodic(x, axis, depth):
    """Copy a slice of ``depth`` from each end to the other end of ``axis``."""
    return concatenate([_along(x, axis, slice(x.shape[axis] - depth, None)), x, _along(x, axis, slice(0, depth))],
                       axis=axis)


def reflect(x, axis, depth):
    """Mirror ``depth`` elements at both ends of ``axis`` (the edge element included)."""
    n = x.shape[axis]
    left = _along(_along(x, axis, slice(0, depth)), axis, slice(None, None, -1))
    right = _along(_along(x, axis, slice(n - depth, n)), axis, slice(None, None, -1))
    return concatenate([left, x, right], axis=axis)


def nearest(x, axis, depth):
    """Repeat the edge element ``depth`` times at both ends of ``axis``."""
    n = x.shape[axis]
    shape = list(x.shape)
    shape[axis] = depth
    chunks = _piece_chunks(x, axis, depth)
    left = broadcast_to(_along(x, axis, slice(0, 1)), tuple(shape), chunks=chunks)
    right = broadcast_to(_along(x, axis, slice(n - 1, n)), tuple(shape), chunks=chunks)
    return concatenate([left, x, right], axis=axis)


def constant(x, axis, depth, value):
    """Add ``depth`` elements equal to ``value`` at both ends of ``axis``."""
    shape = list(x.shape)
    shape[axis] = depth
    piece = full(tuple(shape), value, dtype=x.dtype, chunks=_piece_chunks(x, axis, depth))
    return concatenate([piece, x, piece], axis=axis)


def _kind(b):
    if isinstance(b, str):
        if b not in ("reflect", "periodic", "nearest", "none"):
            raise ValueError(f"unknown boundary {b!r}: use 'reflect', 'periodic', 'nearest', 'none' or a value")
        return b
    return "constant"


def boundaries(x, depth=None, kind=None):
    """Add boundary blocks of ``depth`` per axis (``dask.array.overlap.boundaries``)."""
    x = asarray(x)
    depth = coerce_depth(x.ndim, depth)
    kind = coerce_boundary(x.ndim, kind)
    for ax in range(x.ndim):
        d = depth.get(ax, 0)
        b = kind.get(ax, "none")
        k = _kind(b)
        if k == "none" or d == 0 or (isinstance(d, tuple) and not any(d)):
            continue
        if isinstance(d, tuple):
            raise NotImplementedError("Asymmetric overlap is currently only implemented for boundary='none'")
        if k == "periodic":
            x = periodic(x, ax, d)
        elif k == "reflect":
            x = reflect(x, ax, d)
        elif k == "nearest":
            x = nearest(x, ax, d)
        else:
            x = constant(x, ax, d, b)
    return x


def _lo_hi(d):
    return (int(d[0]), int(d[1])) if isinstance(d, tuple) else (int(d), int(d))


def overlap_internal(x, axes):
    """Share ``axes[ax]`` elements between neighbouring blocks (no boundary blocks)."""
    x = asarray(x)
    spec = []
    for ax in range(x.ndim):
        lo, hi = _lo_hi(axes.get(ax, 0))
        spec.append((lo, hi, False, False))
    return Array(Halo(x._node, tuple(spec)))


def _check_depth(x, depth, boundary):
    for ax in range(x.ndim):
        d = depth[ax]
        lo, hi = _lo_hi(d)
        if lo < 0 or hi < 0:
            raise ValueError(f"depth must be non-negative, got {d} on axis {ax}")
        if isinstance(d, tuple) and _kind(boundary[ax]) != "none":
            raise NotImplementedError(
                "Asymmetric overlap is currently only implemented for boundary='none', however boundary for "
                f"dimension {ax} is {boundary[ax]}"
            )


def overlap(x, depth, boundary, *, allow_rechunk=True):
    """Share boundaries between neighbouring blocks (``dask.array.overlap.overlap``)."""
    x = asarray(x)
    depth = coerce_depth(x.ndim, depth)
    boundary = coerce_boundary(x.ndim, boundary)
    _check_depth(x, depth, boundary)
    depths = [max(_lo_hi(depth[ax])) for ax in range(x.ndim)]
    if allow_rechunk:
        chunks = tuple(ensure_minimum_chunksize(d, c) if d and x.shape[ax] else c
                       for ax, (d, c) in enumerate(zip(depths, x.chunks)))
        if chunks != x.chunks:
            x = x.rechunk(chunks)
    elif any(d and x.shape[ax] and min(c) < d for ax, (d, c) in enumerate(zip(depths, x.chunks))):
        raise ValueError(
            "Overlap depth is larger than smallest chunksize.\nPlease set allow_rechunk=True to rechunk "
            f"automatically.\nOverlap depths required: {depths}\nInput chunks: {x.chunks}\n"
        )
    spec = []
    for ax in range(x.ndim):
        lo, hi = _lo_hi(depth[ax])
        if x.shape[ax] == 0:
            lo = hi = 0
        edged = bool(lo or hi) and _kind(boundary[ax]) != "none"
        spec.append((lo, hi, edged, edged))
    padded = boundaries(x, {ax: depth[ax] if spec[ax][2] else 0 for ax in range(x.ndim)}, boundary)
    if not any(lo or hi for lo, hi, _, _ in spec):
        return padded
    return Array(Halo(padded._node, tuple(spec)))


def trim_internal(x, axes, boundary=None):
    """Trim ``axes[ax]`` elements off every block (``dask.array.overlap.trim_internal``).

    With boundary ``'none'`` on an axis the array's outer edges are kept.
    """
    x = asarray(x)
    boundary = coerce_boundary(x.ndim, boundary)
    spec = []
    for ax in range(x.ndim):
        lo, hi = _lo_hi(axes.get(ax, 0))
        edged = _kind(boundary[ax]) != "none"
        spec.append((lo, hi, edged, edged))
    if not any(lo or hi for lo, hi, _, _ in spec):
        return x
    return Array(TrimBlocks(x._node, tuple(spec)))


def trim_overlap(x, depth, boundary=None):
    """Trim the halo that ``overlap(x, depth, boundary)`` added."""
    x = asarray(x)
    return trim_internal(x, coerce_depth(x.ndim, depth), boundary)


def _coerce_per_array(args, value, coerce):
    if isinstance(value, list):
        if len(value) != len(args):
            raise ValueError(f"expected {len(args)} depth/boundary values, got {len(value)}")
        return [coerce(a.ndim, v) for a, v in zip(args, value)]
    return [coerce(a.ndim, value) for a in args]


def map_overlap(func, *args, depth=None, boundary=None, trim=True, align_arrays=True, allow_rechunk=True,
                **kwargs):
    """Map ``func`` over blocks extended by ``depth`` neighbours, then trim (``dask.array.map_overlap``)."""
    if isinstance(func, Array) and args and callable(args[0]):
        # dask's old signature map_overlap(x, func, depth, boundary, trim)
        warnings.warn("The use of map_overlap(array, func, **kwargs) is deprecated and will be an error in a future "
                      "release. Use the syntax map_overlap(func, array0,[ array1, ...,] **kwargs) instead.",
                      FutureWarning, stacklevel=2)
        rest = args[1:]
        depth = rest[0] if len(rest) > 0 else depth
        boundary = rest[1] if len(rest) > 1 else boundary
        trim = rest[2] if len(rest) > 2 else trim
        func, args = args[0], (func,)
    if not callable(func):
        raise TypeError(f"First argument must be callable function, not {type(func).__name__}")
    args = [asarray(a) for a in args]
    if not args:
        raise ValueError("map_overlap needs at least one array")
    depth = _coerce_per_array(args, depth, coerce_depth)
    boundary = _coerce_per_array(args, boundary, coerce_boundary)
    if align_arrays and len(args) > 1:
        args = _align(args)
    elif len(args) > 1:
        # like dask: without alignment, blocks pair by position and the block counts must agree
        if any(a.numblocks != args[0].numblocks for a in args):
            raise ValueError("map_overlap with align_arrays=False needs arrays with equal block counts; got "
                             f"{[a.numblocks for a in args]}")
    if all(all(_lo_hi(v) == (0, 0) for v in d.values()) for d in depth):
        return map_blocks(func, *args, **kwargs)
    for a, d, b in zip(args, depth, boundary):
        _check_depth(a, d, b)
    if not trim and "chunks" not in kwargs:
        a0 = args[0]
        if allow_rechunk:
            ds = [max(_lo_hi(depth[0][ax])) for ax in range(a0.ndim)]
            kwargs["chunks"] = tuple(ensure_minimum_chunksize(d, c) if d and a0.shape[ax] else c
                                     for ax, (d, c) in enumerate(zip(ds, a0.chunks)))
        else:
            kwargs["chunks"] = a0.chunks
    over = [overlap(a, depth=d, boundary=b, allow_rechunk=allow_rechunk) for a, d, b in zip(args, depth, boundary)]
    drop_axis = kwargs.get("drop_axis")
    new_axis = kwargs.get("new_axis")
    y = map_blocks(func, *over, **kwargs)
    if not trim:
        return y
    i = sorted(enumerate(over), key=lambda v: (v[1].ndim, -v[0]))[-1][0]
    d, b = dict(depth[i]), dict(boundary[i])
    ndim_in = over[i].ndim
    if drop_axis is not None:
        drop = [drop_axis] if isinstance(drop_axis, numbers.Integral) else list(drop_axis)
        drop = [a % ndim_in for a in drop]
        kept = [ax for ax in range(ndim_in) if ax not in drop]
        d = {n: d[ax] for n, ax in enumerate(kept)}
        b = {n: b[ax] for n, ax in enumerate(kept)}
    if new_axis is not None:
        new = [new_axis] if isinstance(new_axis, numbers.Integral) else list(new_axis)
        new = [a % y.ndim for a in new]
        for axis in sorted(new):
            for ax in sorted(list(d), reverse=True):
                if ax >= axis:
                    d[ax + 1], b[ax + 1] = d[ax], b[ax]
            d[axis], b[axis] = 0, "none"
    return trim_internal(y, d, b)


def _align(args):
    shape = np.broadcast_shapes(*(a.shape for a in args))
    dims = unify_dims([a._node for a in args], shape)
    out = []
    for a in args:
        off = len(shape) - a.ndim
        target = tuple(dims[j + off] if a.shape[j] == shape[j + off] else a._node.dims[j] for j in range(a.ndim))
        out.append(a if a._node.dims == target else Array(Rechunk(a._node, target)))
    return out


def sliding_window_view(x, window_shape, axis=None, *, automatic_rechunk=True, subok=False, writeable=False):
    """Sliding windows of ``window_shape`` (``numpy.lib.stride_tricks.sliding_window_view``) via overlap.

    Blocks along a windowed axis are made at least one window long; with ``automatic_rechunk``
    (dask's default) the other axes are split so that blocks, which gain the window axes, stay
    about as large as the input's (dask's chunk planning)."""
    x = asarray(x)
    window_shape = tuple(window_shape) if np.iterable(window_shape) else (window_shape,)
    if any(w < 0 for w in window_shape):
        raise ValueError("`window_shape` cannot contain negative values")
    if axis is None:
        axis = tuple(range(x.ndim))
        if len(window_shape) != len(axis):
            raise ValueError(
                f"Since axis is `None`, must provide window_shape for all dimensions of `x`; got "
                f"{len(window_shape)} window_shape elements and `x.ndim` is {x.ndim}."
            )
    else:
        axis = normalize_axis_tuple(axis, x.ndim, allow_duplicate=True)
        if len(window_shape) != len(axis):
            raise ValueError(
                f"Must provide matching length window_shape and axis; got {len(window_shape)} window_shape "
                f"elements and {len(axis)} axes elements."
            )
    depths = [0] * x.ndim
    for ax, w in zip(axis, window_shape):
        depths[ax] += w - 1
        if x.shape[ax] < w:
            raise ValueError("window shape cannot be larger than input array shape")
    # every block at least one window long (then each keeps a complete window)
    safe = [ensure_minimum_chunksize(d + 1, c) if d else c for d, c in zip(depths, x.chunks)]
    if automatic_rechunk:
        from functools import reduce
        from operator import mul

        from dask.array.overlap import _calculate_new_chunksizes

        planned = _calculate_new_chunksizes(x.chunks, list(safe) + [(w,) for w in window_shape],
                                            {i for i, d in enumerate(depths) if d == 0},
                                            reduce(mul, map(max, x.chunks), 1))
        safe = [tuple(c) for c in planned[:x.ndim]]
    x = x.rechunk(tuple(safe))
    # each block is extended to the right by (window - 1) so every window starting in it is complete
    over = overlap(x, depth={ax: (0, d) for ax, d in enumerate(depths)}, boundary="none")
    out_chunks = []
    for ax in range(x.ndim):
        c = list(x.chunks[ax])
        c[-1] -= depths[ax]
        out_chunks.append(tuple(c))

    return map_blocks(_swv, over, dtype=x.dtype, new_axis=list(range(x.ndim, x.ndim + len(axis))),
                      chunks=tuple(out_chunks) + tuple((w,) for w in window_shape), window_shape=window_shape,
                      axis=axis)


def _swv(block, window_shape, axis):
    shape = list(block.shape)
    for ax, w in zip(axis, window_shape):
        shape[ax] -= w - 1
    if min(shape, default=1) <= 0:
        return np.empty(tuple(max(s, 0) for s in shape) + tuple(window_shape), dtype=block.dtype)
    return np.lib.stride_tricks.sliding_window_view(block, window_shape, axis)
