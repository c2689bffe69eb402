"""Shape manipulation: joining, broadcasting, reshaping, transposing, flipping, rotating, padding,
indexing by lists, and the metadata functions ``shape``/``ndim``/``size``.

Everything here builds plans from a few node types - :class:`BasicIndex`
(new axes, squeezes, flips), :class:`Concatenate`, :class:`BroadcastTo`,
:class:`Reshape`, :class:`Take` - so slice pushdown and culling through them
cover every function of this module (``roll`` is a concatenation of two
slices, ...).

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.arange(6).reshape(2, 3), chunks=2)
>>> da.concatenate([x, x], axis=1).compute().tolist()
[[0, 1, 2, 0, 1, 2], [3, 4, 5, 3, 4, 5]]
>>> da.roll(x, 1, axis=1).compute().tolist()
[[2, 0, 1], [5, 3, 4]]
>>> da.rot90(da.from_array(np.arange(4).reshape(2, 2), chunks=1)).compute().tolist()
[[1, 3], [0, 2]]
"""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from hlq.array._blockwise import map_blocks
from hlq.array._chunks import Dim, unknown_chunks_message
from hlq.array._core import (
    Array, asarray, elemwise, implements, normalize_dims, _rechunk_node, unify_dims, validate_axis,
)
from hlq.array.nodes import Rechunk, Transpose
from hlq.array.nodes.concat import BroadcastTo, Concatenate
from hlq.array.nodes.reshape import Reshape

__all__ = [
    "concatenate", "stack", "block", "hstack", "vstack", "dstack", "column_stack", "broadcast_to",
    "broadcast_arrays", "expand_dims", "squeeze", "atleast_1d", "atleast_2d", "atleast_3d", "flip", "fliplr",
    "flipud", "roll", "reshape", "ravel", "tile", "repeat",
    "transpose", "swapaxes", "moveaxis", "rot90", "shape", "ndim", "size",
]

_max = builtins.max
_min = builtins.min
_all = builtins.all
_any = builtins.any


def _axis(axis, ndim) -> int:
    if not isinstance(axis, (numbers.Integral, np.integer)):
        raise TypeError(f"'{type(axis).__name__}' object cannot be interpreted as an integer")
    return validate_axis(int(axis), ndim)[0]


def _boundary_union(dims) -> Dim:
    """A dimension whose chunk boundaries are the union of those of ``dims`` (equal lengths)."""
    dims = list(dict.fromkeys(dims))
    if len(dims) == 1:
        return dims[0]
    bounds = set()
    for d in dims:
        pos = 0
        for s in d.sizes():
            pos += s
            bounds.add(pos)
    bounds = sorted(bounds)
    return Dim.from_sizes([b - a for a, b in zip([0] + bounds[:-1], bounds)])


def _rechunk_to(node, dims):
    dims = tuple(dims)
    return node if node.dims == dims else Rechunk(node, dims)


def _cast(x: Array, dtype) -> Array:
    return x if x.dtype == dtype else x.astype(dtype)


# --------------------------------------------------------------------------
# concatenate / stack / block


@implements(np.concatenate)
def concatenate(seq, axis=0, allow_unknown_chunksizes=False, *, dtype=None, casting=None):
    """Join arrays along an existing axis (``dask.array.concatenate``).

    Chunks off ``axis`` are unified (boundary union); the result's chunks
    along ``axis`` are the inputs' chunks laid end to end, unknown (nan)
    sizes included.  Unknown sizes along other axes need
    ``allow_unknown_chunksizes=True`` (and equal block counts), like dask.
    """
    seq = [asarray(a) for a in seq]
    if not seq:
        raise ValueError("need at least one array to concatenate")
    if axis is None:
        seq = [ravel(a) for a in seq]
        axis = 0
    ndim = seq[0].ndim
    if ndim == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    for i, a in enumerate(seq[1:], 1):
        if a.ndim != ndim:
            raise ValueError(
                "all the input arrays must have same number of dimensions, but the array at index 0 has "
                f"{ndim} dimension(s) and the array at index {i} has {a.ndim} dimension(s)"
            )
    axis = _axis(axis, ndim)
    unknown_off_axis = _any(s != s for a in seq for j, s in enumerate(a.shape) if j != axis)
    if unknown_off_axis:
        if not allow_unknown_chunksizes:
            if _any(s != s for s in seq[0].shape):
                raise ValueError(
                    f"Tried to concatenate arrays with unknown shape {seq[0].shape}.\n\nTwo solutions:\n  1. "
                    "Force concatenation pass allow_unknown_chunksizes=True.\n  2. Compute shapes with "
                    "[x.compute_chunk_sizes() for x in seq]")
            raise ValueError(f"Shapes do not align: {[a.shape for a in seq]}")
    else:
        for i, a in enumerate(seq[1:], 1):
            for j in range(ndim):
                if j != axis and a.shape[j] != seq[0].shape[j]:
                    raise ValueError(
                        f"Shapes do not align: {[a.shape for a in seq]}: all the input array dimensions except for "
                        f"the concatenation axis must match exactly, but along dimension {j}, the array at index 0 "
                        f"has size {seq[0].shape[j]} and the array at index {i} has size {a.shape[j]}"
                    )
    out_dtype = np.dtype(dtype) if dtype is not None else np.result_type(*(a.dtype for a in seq))
    if len(seq) == 1:
        return _cast(seq[0], out_dtype)
    # inputs known to be empty along ``axis`` add nothing (unknown sizes stay)
    nonempty = [a for a in seq if not a.shape[axis] == 0]
    seq = nonempty or seq[:1]
    if len(seq) == 1:  # (dask returns the one non-empty input itself)
        return _cast(seq[0], out_dtype)
    target = []
    for j in range(ndim):
        dims = [a._node.dims[j] for a in seq]
        if j == axis:
            target.append(None)
        elif _all(d.known for d in dims):
            target.append(_boundary_union(dims))
        else:
            target.append(dims[0])
    nodes = []
    for a in seq:
        a = _cast(a, out_dtype)
        t = tuple(a._node.dims[j] if j == axis else target[j] for j in range(ndim))
        nodes.append(_rechunk_node(a._node, t))
    if len(nodes) == 1:
        return Array(nodes[0])
    return Array(Concatenate(tuple(nodes), axis))


@implements(np.stack)
def stack(seq, axis=0, allow_unknown_chunksizes=False, *, dtype=None, casting=None):
    """Join arrays along a new axis (each input becomes one block along it)."""
    seq = [asarray(a) for a in seq]
    if not seq:
        raise ValueError("need at least one array to stack")
    shape = seq[0].shape
    for i, a in enumerate(seq):
        # like dask: unknown (nan) sizes need allow_unknown_chunksizes=True (or the same array)
        if a._node is seq[0]._node:
            continue
        if not (_all(m == n for m, n in zip(a.shape, shape)) and len(a.shape) == len(shape)) and not (
                allow_unknown_chunksizes and len(a.shape) == len(shape)
                and _all(m == n or m != m or n != n for m, n in zip(a.shape, shape))):
            raise ValueError(f"Stacked arrays must have the same shape. The first array had shape {shape}, "
                             f"while array {i + 1} has shape {a.shape}.")
    axis = _axis(axis, len(shape) + 1)
    # equal shapes (unknown sizes compare equal like in dask): the blocks line up off ``axis``
    return concatenate([expand_dims(a, axis) for a in seq], axis=axis, allow_unknown_chunksizes=True, dtype=dtype)


@implements(np.hstack)
def hstack(tup, allow_unknown_chunksizes=False, *, dtype=None, casting=None):
    """Stack horizontally (along axis 1; axis 0 for 1-d inputs)."""
    arrs = atleast_1d(*tup)
    if not isinstance(arrs, (list, tuple)):
        arrs = [arrs]
    if _all(a.ndim == 1 for a in arrs):
        return concatenate(arrs, axis=0, dtype=dtype)
    return concatenate(arrs, axis=1, dtype=dtype)


@implements(np.vstack)
def vstack(tup, allow_unknown_chunksizes=False, *, dtype=None, casting=None):
    """Stack vertically (along axis 0, after ``atleast_2d``)."""
    arrs = atleast_2d(*tup)
    if not isinstance(arrs, (list, tuple)):
        arrs = [arrs]
    return concatenate(arrs, axis=0, dtype=dtype)


@implements(np.dstack)
def dstack(tup, allow_unknown_chunksizes=False):
    """Stack along the third axis (after ``atleast_3d``)."""
    arrs = atleast_3d(*tup)
    if not isinstance(arrs, (list, tuple)):
        arrs = [arrs]
    return concatenate(arrs, axis=2)


@implements(np.column_stack)
def column_stack(tup):
    """Stack 1-d arrays as columns (2-d arrays as they are)."""
    arrs = []
    for a in tup:
        a = asarray(a)
        arrs.append(a[:, None] if a.ndim < 2 else a)
    return concatenate(arrs, axis=1)


def _block_depth(arrays, index=()):
    """``(list depth, largest array ndim, index of an empty list or None)`` of a ``block`` nesting.

    Like numpy, an empty list counts as one more list level, so depth
    mismatches are reported before empty lists.
    """
    if isinstance(arrays, tuple):
        raise TypeError(
            f"arrays{''.join(f'[{i}]' for i in index)} is a tuple. Only lists can be used to arrange blocks, "
            "and np.block does not allow implicit conversion from tuple to ndarray."
        )
    if isinstance(arrays, list):
        if not arrays:
            return (1, 0, index)
        depths = [_block_depth(a, index + (i,)) for i, a in enumerate(arrays)]
        first = depths[0]
        for i, d in enumerate(depths[1:], 1):
            if d[0] != first[0]:
                raise ValueError(
                    "List depths are mismatched. First element was at depth "
                    f"{first[0] + len(index) + 1}, but there is an element at depth {d[0] + len(index) + 1}"
                )
        empty = next((d[2] for d in depths if d[2] is not None), None)
        return (first[0] + 1, _max(d[1] for d in depths), empty)
    return (0, asarray(arrays).ndim, None)


@implements(np.block)
def block(arrays, allow_unknown_chunksizes=False):
    """Assemble an array from nested lists of blocks (``numpy.block``)."""
    list_ndim, arr_ndim, empty = _block_depth(arrays)
    if empty is not None:
        raise ValueError(f"List at arrays{''.join(f'[{i}]' for i in empty)} cannot be empty")
    ndim = _max(list_ndim, arr_ndim)

    def rec(a, depth):
        if depth == list_ndim:
            a = asarray(a)
            if a.ndim < ndim:
                a = a[(None,) * (ndim - a.ndim)]
            return a
        parts = [rec(x, depth + 1) for x in a]
        return concatenate(parts, axis=-(list_ndim - depth))

    return rec(arrays, 0)


# --------------------------------------------------------------------------
# new axes, squeeze, atleast_nd, flips


@implements(np.expand_dims)
def expand_dims(a, axis):
    """Insert length-1 axes at ``axis`` (int or tuple) of the result."""
    a = asarray(a)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out_ndim = a.ndim + len(axes)
    norm = [_axis(x, out_ndim) for x in axes]
    if len(set(norm)) != len(norm):
        raise ValueError("repeated axis")
    index = tuple(None if j in norm else slice(None) for j in range(out_ndim))
    return a[index]


@implements(np.squeeze)
def squeeze(a, axis=None):
    """Remove length-1 axes (all of them, or those in ``axis``)."""
    a = asarray(a)
    if axis is None:
        axes = [j for j, s in enumerate(a.shape) if s == 1]
    else:
        axes = axis if isinstance(axis, (tuple, list)) else (axis,)
        axes = list(validate_axis(tuple(axes), a.ndim))
        if _any(a.shape[j] != 1 for j in axes):
            raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
    if not axes:
        return a
    out = a[tuple(0 if j in axes else slice(None) for j in range(a.ndim))]
    if out.ndim == 0:
        # numpy's squeeze gives a 0-d array, where integer indexing gives a scalar
        out = elemwise(np.asarray, out)
    return out


def _atleast(arys, n, where):
    out = []
    for a in arys:
        a = asarray(a)
        if a.ndim < n:
            if a.ndim == 0:
                a = a[(None,) * n]
            elif where == "front":
                a = a[(None,) * (n - a.ndim)]
            else:  # atleast_3d: (N,) -> (1, N, 1); (M, N) -> (M, N, 1)
                a = a[None, :, None] if a.ndim == 1 else a[..., None]
        out.append(a)
    return out[0] if len(out) == 1 else tuple(out)  # numpy >= 2: a tuple


@implements(np.atleast_1d)
def atleast_1d(*arys):
    """View inputs as arrays with at least one dimension (``numpy.atleast_1d``)."""
    return _atleast(arys, 1, "front")


@implements(np.atleast_2d)
def atleast_2d(*arys):
    """View inputs as arrays with at least two dimensions (``numpy.atleast_2d``)."""
    return _atleast(arys, 2, "front")


@implements(np.atleast_3d)
def atleast_3d(*arys):
    """View inputs as arrays with at least three dimensions (``numpy.atleast_3d``)."""
    return _atleast(arys, 3, "3d")


@implements(np.flip)
def flip(m, axis=None):
    """Reverse the order of elements along ``axis`` (all axes when None)."""
    m = asarray(m)
    if axis is None:
        axes = range(m.ndim)
    else:
        axes = validate_axis(axis if isinstance(axis, (tuple, list)) else (axis,), m.ndim)
    return m[tuple(slice(None, None, -1) if j in axes else slice(None) for j in range(m.ndim))]


@implements(np.fliplr)
def fliplr(m):
    """Reverse the order along axis 1 (``numpy.fliplr``)."""
    m = asarray(m)
    if m.ndim < 2:
        raise ValueError("Input must be >= 2-d.")
    return flip(m, 1)


@implements(np.flipud)
def flipud(m):
    """Reverse the order along axis 0 (``numpy.flipud``)."""
    m = asarray(m)
    if m.ndim < 1:
        raise ValueError("Input must be >= 1-d.")
    return flip(m, 0)


def _slice_along(x: Array, axis: int, sl: slice) -> Array:
    return x[(slice(None),) * axis + (sl,)]


@implements(np.roll)
def roll(array, shift, axis=None):
    """Roll elements along ``axis`` (a concatenation of two slices per axis)."""
    x = asarray(array)
    if axis is None:
        if not isinstance(shift, (numbers.Integral, np.integer)):
            # dask's rule (numpy would broadcast): one integer shift over the flattened array
            raise TypeError("Expect `shift` to be an instance of Integral when `axis` is None.")
        return reshape(roll(ravel(x), shift, 0), x.shape)
    shifts = tuple(shift) if isinstance(shift, (tuple, list)) else (shift,)
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    if len(shifts) != len(axes):
        # like dask: shifts and axes pair up one to one (numpy would broadcast them)
        raise ValueError("Must have the same number of shifts as axes.")
    result = x
    for s, ax in zip(shifts, axes):
        ax = _axis(ax, x.ndim)
        n = x.shape[ax]
        if n == 0:
            continue
        s = int(s) % n
        if s == 0:
            continue
        result = concatenate([_slice_along(result, ax, slice(n - s, None)), _slice_along(result, ax, slice(0, n - s))],
                             axis=ax)
    return result


# --------------------------------------------------------------------------
# broadcasting


def _broadcast_node(node, out_dims):
    """``node`` broadcast to ``out_dims`` (non-broadcast dimensions rechunked to match)."""
    out_dims = tuple(out_dims)
    off = len(out_dims) - node.ndim
    target = [out_dims[j + off] if d.length == out_dims[j + off].length else Dim(1, 1, 1)
              for j, d in enumerate(node.dims)]
    node = _rechunk_to(node, target)
    if node.dims == out_dims:
        return node
    return BroadcastTo(node, out_dims)


@implements(np.broadcast_to)
def broadcast_to(x, shape, chunks=None, meta=None):
    """Broadcast ``x`` to ``shape`` (``dask.array.broadcast_to``).

    New and broadcast dimensions get one chunk unless ``chunks`` says otherwise.
    """
    x = asarray(x)
    if isinstance(shape, (numbers.Integral, np.integer)):
        shape = (int(shape),)
    shape = tuple(int(s) for s in shape)
    if _any(s < 0 for s in shape):
        raise ValueError("all elements of broadcast shape must be non-negative")
    off = len(shape) - x.ndim
    if off < 0 or _any(d != 1 and d != s for d, s in zip(x.shape, shape[off:])):
        raise ValueError(
            f"cannot broadcast shape {x.shape} to shape {shape}: operands could not be broadcast together "
            f"with remapped shapes [original->remapped]"
        )
    if chunks is None:
        dims = []
        for j, s in enumerate(shape):
            if j >= off and x.shape[j - off] == s:
                dims.append(x._node.dims[j - off])
            else:
                dims.append(Dim.regular(s, _max(s, 1)))
        dims = tuple(dims)
    else:
        dims = normalize_dims(chunks, shape, dtype=x.dtype,
                              previous=tuple((s,) for s in shape[:off]) + x.chunks if x.ndim else None)
        # like dask: only new dimensions and broadcast (length-1) ones take new chunks
        for old, new in zip(x.chunks, tuple(d.sizes() for d in dims[off:])):
            if old != new and old != (1,):
                raise ValueError(
                    f"cannot broadcast chunks {x.chunks} to chunks {tuple(d.sizes() for d in dims)}: new chunks "
                    "must either be along a new dimension or a dimension of size 1"
                )
    if x.shape == shape and dims == x._node.dims:
        return x
    return Array(_broadcast_node(x._node, dims))


def broadcast_arrays(*args, subok=False):
    """Broadcast arrays against each other; chunks are unified (list of arrays, like dask)."""
    if not args:
        return ()
    args = [asarray(a) for a in args]
    shape = np.broadcast_shapes(*(a.shape for a in args))
    dims = unify_dims([a._node for a in args], shape)
    return [Array(_broadcast_node(a._node, dims)) for a in args]


# --------------------------------------------------------------------------
# reshape


def _normalize_shape(shape, size) -> tuple:
    if isinstance(shape, (numbers.Integral, np.integer)):
        shape = (shape,)
    shape = tuple(shape)
    for s in shape:
        if not isinstance(s, (numbers.Integral, np.integer)):
            raise TypeError(f"'{type(s).__name__}' object cannot be interpreted as an integer")
    shape = tuple(int(s) for s in shape)
    if _any(s < -1 for s in shape):
        raise ValueError("negative dimensions not allowed")
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise ValueError("can only specify one unknown dimension")
    if unknown:
        known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape array of size {size} into shape {shape}")
        shape = tuple(size // known if s == -1 else s for s in shape)
    return shape


@implements(np.reshape)
def reshape(x, shape, merge_chunks=True, limit=None, *, order="C", newshape=None):
    """Reshape with dask's algorithm: merge or split dimensions, rechunking first.

    Raises ``ValueError`` for a changed size and ``NotImplementedError`` (like
    dask) for reshapes that split dimensions unevenly.
    """
    x = asarray(x)
    if order != "C":
        raise NotImplementedError("hlq.array.reshape supports only order='C'")
    if newshape is not None:
        shape = newshape
    if isinstance(shape, (tuple, list)) and len(shape) == 1 and x.ndim == 1 and int(shape[0]) == -1:
        return x
    if _any(s != s for s in x.shape):
        raise ValueError(unknown_chunks_message(
            head=f"Array chunk size or shape is unknown: shape {x.shape}; reshape needs known chunk sizes."))
    shape = _normalize_shape(shape, x.size)
    if int(np.prod(shape, dtype=np.int64)) != x.size:
        raise ValueError(f"cannot reshape array of size {x.size} into shape {shape}")
    if shape == x.shape:
        return x
    node = x._node
    if not merge_chunks and x.ndim > len(shape) and x.npartitions > 1:
        node = Array(node).rechunk({j: 1 for j in range(x.ndim - len(shape))})._node
    return Array(Reshape(node, shape))


@implements(np.ravel)
def ravel(array_like):
    """The flattened array (``reshape(-1)``)."""
    return reshape(asarray(array_like), (-1,))


# --------------------------------------------------------------------------
# tile / repeat


@implements(np.tile)
def tile(A, reps):
    """Repeat ``A`` ``reps`` times along each axis (concatenations of ``A``)."""
    try:
        tup = tuple(reps)
    except TypeError:
        tup = (reps,)
    for r in tup:
        if not isinstance(r, (numbers.Integral, np.integer)):
            raise TypeError(f"'{type(r).__name__}' object cannot be interpreted as an integer")
    tup = tuple(int(r) for r in tup)
    if _any(r < 0 for r in tup):
        raise ValueError("Negative `reps` are not allowed.")
    c = asarray(A)
    if len(tup) < c.ndim:
        tup = (1,) * (c.ndim - len(tup)) + tup
    if c.ndim < len(tup):
        c = c[(None,) * (len(tup) - c.ndim)]
    for ax, r in enumerate(tup):
        if r == 1:
            continue
        if r == 0:
            c = _slice_along(c, ax, slice(0, 0))
        else:
            c = concatenate([c] * r, axis=ax)
    return c


def _repeat_block(x, repeats, axis):
    return np.repeat(x, repeats, axis=axis)


@implements(np.repeat)
def repeat(a, repeats, axis=None):
    """Repeat each element ``repeats`` times (integer ``repeats`` only, like dask)."""
    a = asarray(a)
    if axis is None:
        if a.ndim == 1:
            axis = 0
        else:
            return repeat(ravel(a), repeats, 0)
    if not isinstance(repeats, (numbers.Integral, np.integer)):
        raise NotImplementedError("Only integer valued repeats supported")
    repeats = int(repeats)
    if repeats < 0:
        raise ValueError("negative dimensions are not allowed")
    axis = _axis(axis, a.ndim)
    if repeats == 1:
        return a
    if repeats == 0:
        return _slice_along(a, axis, slice(0, 0))
    chunks = tuple(tuple(s * repeats for s in c) if j == axis else c for j, c in enumerate(a.chunks))
    return map_blocks(_repeat_block, a, repeats=repeats, axis=axis, chunks=chunks, dtype=a.dtype)


@implements(np.transpose)
def transpose(a, axes=None):
    """Permute the dimensions (``numpy.transpose``)."""
    a = asarray(a)
    if axes is None:
        axes = tuple(range(a.ndim))[::-1]
    else:
        axes = tuple(int(x) for x in axes)
        if len(axes) != a.ndim:
            raise ValueError("axes don't match array")
        axes = tuple(validate_axis(x, a.ndim)[0] for x in axes)
        if len(set(axes)) != len(axes):
            raise ValueError("repeated axis in transpose")
    if axes == tuple(range(a.ndim)):
        return a
    return Array(Transpose(a._node, axes))


@implements(np.swapaxes)
def swapaxes(a, axis1, axis2):
    """Interchange two axes (``numpy.swapaxes``)."""
    a = asarray(a)
    axis1 = validate_axis(axis1, a.ndim)[0]
    axis2 = validate_axis(axis2, a.ndim)[0]
    axes = list(range(a.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(a, axes)


@implements(np.moveaxis)
def moveaxis(a, source, destination):
    """Move axes to new positions (``numpy.moveaxis``)."""
    a = asarray(a)
    src = [source] if isinstance(source, (numbers.Integral, np.integer)) else list(source)
    dst = [destination] if isinstance(destination, (numbers.Integral, np.integer)) else list(destination)
    if len(src) != len(dst):
        raise ValueError("`source` and `destination` arguments must have the same number of elements")
    src = [validate_axis(s, a.ndim)[0] for s in src]
    dst = [validate_axis(d, a.ndim)[0] for d in dst]
    order = [n for n in range(a.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(a, order)


@implements(np.shape)
def shape(a):
    """Shape of an array (no computation)."""
    return asarray(a).shape


@implements(np.ndim)
def ndim(a):
    """Number of dimensions (no computation)."""
    return asarray(a).ndim


@implements(np.size)
def size(a, axis=None):
    """Number of elements (no computation)."""
    a = asarray(a)
    return a.size if axis is None else a.shape[validate_axis(axis, a.ndim)[0]]


@implements(np.rot90)
def rot90(m, k=1, axes=(0, 1)):
    """Rotate by 90 degrees in the plane of ``axes`` (numpy's semantics)."""
    m = asarray(m)
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("len(axes) must be 2.")
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == m.ndim:
        raise ValueError("Axes must be different.")
    if axes[0] >= m.ndim or axes[0] < -m.ndim or axes[1] >= m.ndim or axes[1] < -m.ndim:
        raise ValueError(f"Axes={axes} out of range for array of ndim={m.ndim}.")
    k %= 4
    if k == 0:
        return m[:]
    if k == 2:
        return flip(flip(m, axes[0]), axes[1])
    order = list(range(m.ndim))
    a0, a1 = axes[0] % m.ndim, axes[1] % m.ndim
    order[a0], order[a1] = order[a1], order[a0]
    if k == 1:
        return transpose(flip(m, axes[1]), order)
    return flip(transpose(m, order), axes[1])
