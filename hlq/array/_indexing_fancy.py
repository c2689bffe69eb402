"""Data-dependent and fancy indexing: boolean masks, integer arrays, ``vindex``, ``shuffle``.

``x[mask]`` with an hlq boolean array gives unknown (``nan``) chunk sizes
along the masked axes, exactly like dask; with a 1-d numpy mask the result
keeps known chunks.  ``x[ints]`` with an hlq integer array takes the index
array's chunks.  Arrays with unknown chunks can be indexed with ``:`` along
their unknown axes and anything along known ones; anything else raises
dask's ``ValueError`` pointing at :meth:`Array.compute_chunk_sizes`.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.arange(10), chunks=4)
>>> y = x[x % 3 == 0]
>>> y.chunks
((nan, nan, nan),)
>>> y.compute_chunk_sizes().chunks
((2, 1, 1),)
>>> x.vindex[[9, 0, 5]].compute().tolist()
[9, 0, 5]
"""

from __future__ import annotations

import math
import numbers
import warnings

import dask
import numpy as np
from dask.array._shuffle import _calculate_new_chunksizes

from hlq.array._chunks import Dim, unknown_chunks_message
from hlq.array._core import Array, asarray, from_array, implements, validate_axis
from hlq.array._indexing_basic import normalize_index
from hlq.array._manipulation import moveaxis, ravel, _slice_along
from hlq.array.nodes import MapBlocks
from hlq.array.nodes.take import IntList, Take, VIndex, VIndexPlan, take_dim
from hlq.array.nodes.unknown import FlattenBlocks, FULL, KnownAxesIndex, PartialRechunk, TakeArray

__all__ = ["shuffle", "take"]


def _is_array_index(e) -> bool:
    if isinstance(e, Array):
        return True
    if isinstance(e, list):
        return True
    return isinstance(e, np.ndarray) and e.ndim > 0


def needs_fancy(x: Array, index) -> bool:
    """True when ``x[index]`` is not a plain basic index on known chunks."""
    entries = index if isinstance(index, tuple) else (index,)
    if any(_is_array_index(e) for e in entries):
        return True
    return any(not d.known for d in x._node.dims)


def _expand(index: tuple, ndim: int) -> tuple:
    """Replace ``...`` by full slices; boolean arrays count for their ``ndim`` axes."""
    def width(e):
        if e is None or e is Ellipsis:
            return 0
        if isinstance(e, (Array, np.ndarray)) and e.dtype == bool:
            return max(e.ndim, 1)
        return 1

    n_real = sum(width(e) for e in index)
    if sum(1 for e in index if e is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if n_real > ndim:
        raise IndexError(
            f"too many indices for array: array is {ndim}-dimensional, but {n_real} were indexed")
    out = []
    for e in index:
        if e is Ellipsis:
            out.extend([slice(None)] * (ndim - n_real))
        else:
            out.append(e)
    if not any(e is Ellipsis for e in index):
        out.extend([slice(None)] * (ndim - n_real))
    return tuple(out)


def getitem(x: Array, index):
    """``x[index]`` for fancy indices and for arrays with unknown chunks (dask's rules and errors)."""
    index = index if isinstance(index, tuple) else (index,)
    index = tuple(np.asarray(e) if isinstance(e, list) else e for e in index)
    for e in index:
        if isinstance(e, (Array, np.ndarray)) and e.dtype.kind not in "biu" and e.size != 0:
            raise IndexError("arrays used as indices must be of integer (or boolean) type")
    index = _expand(index, x.ndim)
    fancy = [e for e in index if _is_array_index(e) and not (e.dtype == bool)]
    if len(fancy) > 1:
        raise NotImplementedError("Don't yet support nd fancy indexing")
    # numpy n-d boolean masks become hlq masks chunked like x (dask does the same)
    if any(isinstance(e, np.ndarray) and e.dtype == bool and e.ndim > 1 for e in index):
        new, axis = [], 0
        for e in index:
            if isinstance(e, np.ndarray) and e.dtype == bool and e.ndim > 1:
                if any(not d.known for d in x._node.dims[axis:axis + e.ndim]):
                    raise ValueError(unknown_chunks_message(x.shape))
                if e.shape != x.shape[axis:axis + e.ndim]:
                    raise IndexError(
                        f"boolean index did not match indexed array along axis {axis}; size of axis is "
                        f"{x.shape[axis]} but size of corresponding boolean axis is {e.shape[0]}")
                e = from_array(e, chunks=x.chunks[axis:axis + e.ndim])
            new.append(e)
            axis += 0 if e is None else (e.ndim if isinstance(e, Array) and e.dtype == bool else 1)
        index = tuple(new)
    if any(isinstance(e, Array) for e in index):
        return _getitem_hlq_arrays(x, index)
    if any(isinstance(e, np.ndarray) for e in index):
        return _getitem_numpy_list(x, index)
    return _getitem_unknown(x, index)


def _getitem_numpy_list(x, index):
    axis = 0
    for e in index:
        if e is None:
            continue
        if isinstance(e, np.ndarray):
            d = x._node.dims[axis]
            if not d.known:
                if d.nblocks == 1 and e.dtype != bool and e.ndim == 1 and sum(
                        isinstance(v, np.ndarray) for v in index) == 1:
                    return _take_single_unknown_block(x, index, axis, e)
                raise ValueError(unknown_chunks_message(head="Array chunk size or shape is unknown."))
            if e.dtype != bool and e.size:
                n = d.length
                bad = (e < -n) | (e >= n)
                if bad.any():
                    raise IndexError(f"index {int(e[bad].flat[0])} is out of bounds for axis {axis} with size {n}")
        axis += 1
    out = getitem_fancy(x, index)
    node = out._node
    if isinstance(node, Take):  # dask's output chunks for the taken axis
        d = take_dim(node.child.dims[node.axis], node.indices.values)
        if d != node.out_dim:
            if d == node.child.dims[node.axis] and np.array_equal(node.indices.values, np.arange(d.length)):
                return Array(node.child)
            out = Array(Take(node.child, node.axis, node.indices, d))
    return out


class _TakeLocal:
    """``np.take(block, indices, axis)`` (numpy's errors for out-of-range indices)."""

    __name__ = "take"

    def __init__(self, axis, indices):
        self.axis, self.indices = axis, IntList(indices) if len(indices) else IntList([])
        self.raw = tuple(int(v) for v in indices)

    def __call__(self, b):
        return np.take(b, np.asarray(self.raw, dtype=np.intp), axis=self.axis)

    def __reduce__(self):
        return (_TakeLocal, (self.axis, np.asarray(self.raw, dtype=np.int64)))


def _take_single_unknown_block(x, index, axis, e):
    """``x[..., ints, ...]`` along an axis of one block of unknown size: numpy runs on that block (like dask)."""
    dims = list(x._node.dims)
    dims[axis] = Dim.from_sizes((len(e),)) if len(e) else Dim(0, 0, 0)
    y = Array(MapBlocks(_TakeLocal(axis, e.astype(np.int64)), (x._node,), (tuple(range(x.ndim)),), tuple(dims),
                        x.dtype, None, False))
    rest = tuple(slice(None) if isinstance(v, np.ndarray) else v for v in index)
    return y[rest]


def _getitem_unknown(x, index):
    """Basic index on an array with unknown chunks: ``:`` on unknown axes, anything on known ones."""
    dims = x._node.dims
    shape_fake, index_fake, axis = [], [], 0
    for e in index:
        if e is None:
            index_fake.append(None)
            continue
        d = dims[axis]
        if not d.known:
            if not (isinstance(e, slice) and e == slice(None)):
                raise ValueError(unknown_chunks_message(x.shape))
            shape_fake.append(1)
            index_fake.append(slice(None))
        else:
            shape_fake.append(d.length)
            index_fake.append(e)
        axis += 1
    norm = normalize_index(tuple(index_fake), tuple(shape_fake))
    out, axis = [], 0
    for e in norm:
        if e is None:
            out.append(None)
            continue
        d = dims[axis]
        if not d.known:
            out.append(FULL)
        elif isinstance(e, tuple) and e == (0, d.length, 1):
            out.append(FULL)
        else:
            out.append(e)
        axis += 1
    if all(e == FULL for e in out):
        return x
    return Array(KnownAxesIndex(x._node, tuple(out)))


class _MaskAxis:
    """``block[(:,) * axis + (mask,)]``."""

    __name__ = "getitem-mask"

    def __init__(self, axis):
        self.axis = axis

    def __call__(self, x, m):
        return x[(slice(None),) * self.axis + (m,)]

    def __reduce__(self):
        return (_MaskAxis, (self.axis,))


class _MaskFull:
    """``block[mask]`` shaped ``(k, 1, ..., 1)`` so the block grid keeps its rank."""

    __name__ = "getitem-mask"

    def __init__(self, ndim):
        self.ndim = ndim

    def __call__(self, x, m):
        return x[m].reshape((-1,) + (1,) * (self.ndim - 1))

    def __reduce__(self):
        return (_MaskFull, (self.ndim,))


def _ravel_block(b, block_id):
    return b.reshape(-1)


def _align_mask(m: Array, dims) -> Array:
    """Rechunk a mask to the chunks of the axes it masks (raising on unknown sizes like dask)."""
    md = m._node.dims
    if tuple(md) == tuple(dims):
        return m
    for a, b in zip(md, dims):
        if a.known and b.known:
            if a.length != b.length:
                raise IndexError(
                    f"boolean index did not match indexed array; size of axis is {b.length} but size of "
                    f"corresponding boolean axis is {a.length}")
        elif a.known != b.known or a.nblocks != b.nblocks:
            raise ValueError(
                f"operands could not be broadcast together with shapes ({a.length},) ({b.length},): the mask and "
                "the array must both have known chunk sizes, or the same number of unknown-size chunks")
    if all(a.known and b.known for a, b in zip(md, dims)):
        return m.rechunk(tuple(b.sizes() for b in dims))
    # same number of blocks with some unknown: blocks pair up one to one (like dask's unify_chunks)
    return Array(MapBlocks(_same, (m._node,), (tuple(range(m.ndim)),), tuple(dims), m.dtype, None, False))


def _same(b):
    return b


def _getitem_hlq_arrays(x, index):
    # integer hlq arrays first (one axis at a time), then boolean masks, then the rest
    axis = 0
    rest = []
    for e in index:
        if isinstance(e, Array) and e.dtype.kind in "iu":
            if e.ndim == 0:
                y = Array(TakeArray(x._node, e[None]._node, axis))
                x = y[(slice(None),) * axis + (0,)]
                continue
            x = Array(TakeArray(x._node, e._node, axis))
            rest.append(slice(None))
        else:
            rest.append(e)
        if e is not None:
            axis += 1
    index = tuple(rest)
    masks = [(i, e) for i, e in enumerate(index) if isinstance(e, Array)]
    if not masks:
        return x[index]
    if len(index) == 1 and masks[0][1].ndim == x.ndim and x.ndim > 1:
        m = masks[0][1]
        if all(d.known for d in x._node.dims) and all(d.known for d in m._node.dims):
            return _mask_1d(x.ravel(), m.ravel(), 0)
        warnings.warn(
            "When slicing a Dask array of unknown chunks with a boolean mask Dask array, the output array may "
            "have a different ordering compared to the equivalent NumPy operation. This will raise an error in "
            "a future release of Dask.", stacklevel=3)
        m = _align_mask(m, x._node.dims)
        dims = (Dim.unknown(x.numblocks[0]),) + tuple(Dim.from_sizes((1,) * n) for n in x.numblocks[1:])
        ident = tuple(range(x.ndim))
        per = MapBlocks(_MaskFull(x.ndim), (x._node, m._node), (ident, ident), dims, x.dtype, None, False)
        return Array(FlattenBlocks(per, _ravel_block, (), x.dtype))
    if any(e.ndim != 1 for _, e in masks):
        raise NotImplementedError(
            "Slicing with dask.array of bools only permitted when the indexer has only one dimension or when it "
            "has the same dimension as the sliced array")
    if len(masks) > 1:
        raise NotImplementedError("hlq.array supports one boolean hlq array per index")
    pos, m = masks[0]
    axis = sum(1 for e in index[:pos] if e is not None)
    y = _mask_1d(x, m, axis)
    rest = tuple(slice(None) if i == pos else e for i, e in enumerate(index))
    return y[rest]


def _mask_1d(x, m, axis):
    d = x._node.dims[axis]
    m = _align_mask(m, (d,))
    dims = list(x._node.dims)
    dims[axis] = Dim.unknown(d.nblocks)
    ident = tuple(range(x.ndim))
    return Array(MapBlocks(_MaskAxis(axis), (x._node, m._node), (ident, (axis,)), tuple(dims), x.dtype, None,
                           False))


# --------------------------------------------------------------------------
# compute_chunk_sizes


def _block_shape(b):
    return np.array(b.shape, dtype=np.int64).reshape((1,) * b.ndim + (b.ndim,))


def compute_chunk_sizes(x: Array) -> Array:
    """Compute the unknown chunk sizes of ``x``: ``x`` now has known chunks (returned, like dask)."""
    node = x._node
    if all(d.known for d in node.dims):
        return x
    nd = node.ndim
    dims = tuple(Dim.from_sizes((1,) * n) for n in node.numblocks) + (Dim.regular(nd, nd),)
    shapes = Array(MapBlocks(_block_shape, (node,), (tuple(range(nd)),), dims, np.dtype(np.int64), None, False))
    table = np.asarray(shapes.compute())
    new = []
    for i in range(nd):
        sel = tuple(slice(None) if j == i else 0 for j in range(nd)) + (i,)
        new.append(Dim.from_sizes(table[sel].tolist()))
    x._rebind(MapBlocks(_same, (node,), (tuple(range(nd)),), tuple(new), node.dtype, None, False))
    return x


# --------------------------------------------------------------------------
# vindex


def vindex(x: Array, *indexes):
    """Point-wise (vectorized) indexing with broadcasting, like ``dask.array.Array.vindex``."""
    if not indexes:
        raise IndexError("vindex requires at least one index")
    if any(e is None for e in indexes):
        raise IndexError(f"vindex does not support indexing with None (np.newaxis), got {indexes}")
    if all(isinstance(e, slice) for e in indexes):
        if all(not d.known and e == slice(None) or d.known and e.indices(d.length) == (0, d.length, 1)
               for e, d in zip(indexes, x._node.dims)):
            return x
        raise IndexError(
            "vindex requires at least one non-slice to vectorize over when the slices are not over the entire "
            f"array (i.e, x[:]). Use normal slicing instead when only using slices. Got: {indexes}")
    if any(isinstance(e, Array) for e in indexes):
        if x.ndim == 1 and x.numblocks == (1,) and len(indexes) == 1 and indexes[0].dtype.kind in "iu":
            ix = indexes[0]
            maps = ((("c", 0),), tuple(range(ix.ndim)))
            return Array(MapBlocks(_numpy_vindex, (x._node, ix._node), maps, ix._node.dims, x.dtype, None, False))
        raise IndexError("vindex does not support indexing with dask objects. Call compute on the indexer first "
                         f"to get an evaluated array. Got: {indexes}")
    index = _expand(tuple(indexes), x.ndim)
    nonfancy, reduced = [], []
    for e in index:
        if isinstance(e, (numbers.Integral, np.integer)):
            nonfancy.append(e)
        elif isinstance(e, slice):
            nonfancy.append(e)
            reduced.append(slice(None))
        else:
            nonfancy.append(slice(None))
            reduced.append(e)
    x = x[tuple(nonfancy)]
    arrays = {}
    for i, (e, n) in enumerate(zip(reduced, x.shape)):
        if isinstance(e, slice):
            continue
        e = np.array(e, copy=True)
        if e.dtype.kind == "b":
            raise IndexError("vindex does not support indexing with boolean arrays")
        if not x._node.dims[i].known:
            raise ValueError(unknown_chunks_message(x.shape))
        if e.size and ((e >= n) | (e < -n)).any():
            raise IndexError(
                f"vindex key has entries out of bounds for indexing along axis {i} of size {n}: {e!r}")
        arrays[i] = e % n if n else e
    if not arrays:
        return x
    try:
        bshape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        shapes = " ".join(str(a.shape) for a in arrays.values())
        raise IndexError(f"shape mismatch: indexing arrays could not be broadcast together with shapes {shapes}") \
            from None
    axes = sorted(arrays)
    pts = [np.broadcast_to(arrays[a], bshape).reshape(-1) for a in axes]
    npoints = math.prod(bshape)
    per = math.prod(x._node.dims[a].max_size() for a in axes)
    per = max(int(per), 1)
    out_dim = Dim.regular(npoints, per) if npoints else Dim(0, 0, 0)
    y = Array(VIndex(x._node, VIndexPlan(axes, pts), out_dim))
    if len(bshape) == 1:
        return y
    return y.reshape(bshape + y.shape[1:])


def _numpy_vindex(x, idx):
    return x[idx]


class VIndexer:
    """``x.vindex[...]``: point-wise indexing."""

    def __init__(self, x):
        self._x = x

    def __getitem__(self, key):
        if not isinstance(key, tuple):
            key = (key,)
        return vindex(self._x, *key)


# --------------------------------------------------------------------------
# shuffle and take


def shuffle(x, indexer, axis, chunks="auto"):
    """Reorder ``x`` along ``axis``: groups of positions end up in one chunk each (``dask.array.shuffle``)."""
    x = asarray(x)
    if any(not d.known for d in x._node.dims):
        raise ValueError("Shuffling only allowed with known chunk sizes. " + unknown_chunks_message())
    if not isinstance(axis, (numbers.Integral, np.integer)):
        raise AssertionError("axis must be an integer")
    if not isinstance(indexer, list) or not all(isinstance(i, list) for i in indexer):
        raise ValueError("indexer must be a list of lists of positional indices")
    if not axis <= x.ndim:
        raise ValueError(f"Axis {axis} is out of bounds for array with {x.ndim} axes")
    n = x.shape[axis]
    if max(map(max, indexer)) >= n:
        raise IndexError(f"Indexer contains out of bounds index. Dimension only has {n} elements.")
    if chunks != "auto":
        raise AssertionError("Only auto is supported for now")
    d = x._node.dims[axis]
    tol = dask.config.get("array.chunk-size-tolerance")
    longest = max(map(len, indexer))
    if longest > d.max_size() * tol:
        new = list(x.chunks)
        new[axis] = (longest,)
        biggest = math.prod(max(c) for c in x.chunks)
        new = _calculate_new_chunksizes(x.chunks, new, set(range(x.ndim)) - {axis}, biggest)
        new[axis] = x.chunks[axis]
        x = x.rechunk(tuple(tuple(c) for c in new))
    # already in order?
    if len(indexer) == d.nblocks:
        ctr = 0
        for idx, c in zip(indexer, d.sizes()):
            if idx != list(range(ctr, ctr + c)):
                break
            ctr += c
        else:
            return x
    limit = int(n / d.nblocks * tol)
    cur, groups = [], []
    for idx in indexer:
        if len(cur) + len(idx) > limit and cur:
            groups.append(cur)
            cur = list(idx)
        else:
            cur.extend(idx)
            if len(cur) > limit / tol:
                groups.append(cur)
                cur = []
    if cur:
        groups.append(cur)
    flat = np.concatenate([np.asarray(g, dtype=np.int64) for g in groups])
    flat = np.where(flat < 0, flat + n, flat)
    out_dim = Dim.from_sizes([len(g) for g in groups])
    return Array(Take(x._node, int(axis), IntList(flat), out_dim))


@implements(np.take)
def take(a, indices, axis=None):
    """Elements of ``a`` at ``indices`` along ``axis`` (``dask.array.take``; indices may be an hlq array)."""
    a = asarray(a)
    if axis is None:
        a = ravel(a)
        axis = 0
    axis = validate_axis(axis, a.ndim)[0]
    if isinstance(indices, Array):
        return a[(slice(None),) * axis + (indices,)]
    if np.ndim(indices) == 0:
        return _slice_along(a, axis, int(indices))
    return a[(slice(None),) * axis + (np.asarray(indices),)]


def _align_unknown(node, dims):
    """Declare ``dims`` for ``node`` when they pair up block for block (unknown sizes), else dask's error."""
    relabel = list(node.dims)
    for i, (a, b) in enumerate(zip(node.dims, dims)):
        if a == b or (a.known and b.known):
            continue
        if a.nblocks != b.nblocks:
            raise ValueError(
                "Chunks are unknown along some dimension and do not align: "
                f"{node.chunks} vs {tuple(d.sizes() for d in dims)}. " + unknown_chunks_message())
        relabel[i] = b
    if tuple(relabel) != tuple(node.dims):
        node = MapBlocks(_same, (node,), (tuple(range(node.ndim)),), tuple(relabel), node.dtype, None, False)
    if tuple(node.dims) != tuple(dims):
        node = PartialRechunk(node, tuple(dims))
    return node


def blocks_getitem(x: Array, index) -> Array:
    """``x.blocks[index]`` by block tables (works with unknown chunk sizes; dims are kept like dask)."""
    if not isinstance(index, tuple):
        index = (index,)
    if any(e is None for e in index):
        raise ValueError("Slicing with np.newaxis or None is not supported")
    if sum(isinstance(e, (list, np.ndarray)) for e in index) > 1:
        raise ValueError("Can only slice with a single list")
    index = _expand(index, x.ndim)
    lists = {i: np.asarray(e).astype(np.int64) for i, e in enumerate(index) if isinstance(e, (list, np.ndarray))}
    idx = normalize_index(tuple(slice(None) if i in lists else e for i, e in enumerate(index)), x.numblocks)
    dims, maps = [], []
    for ax, (e, d) in enumerate(zip(idx, x._node.dims)):
        if ax in lists:
            v = lists[ax]
            n = d.nblocks
            if ((v < -n) | (v >= n)).any():
                raise IndexError(f"block index out of bounds for axis {ax} with {n} blocks")
            table = [int(k) % n for k in v]
        else:
            table = [e] if isinstance(e, int) else list(range(*e))
        if not table:
            raise IndexError("x.blocks selects no blocks along an axis")
        sizes = [d.size(k) for k in table]
        dims.append(Dim.from_sizes(sizes))
        maps.append(("t", ax, tuple(table)) if table != list(range(len(table))) else ax)
    return Array(MapBlocks(_same, (x._node,), (tuple(maps),), tuple(dims), x.dtype, None, False))


def relabel_chunks(x: Array, chunks) -> Array:
    """Declare ``chunks`` (same block counts, ``nan`` allowed) for ``x`` in place; the blocks are unchanged."""
    dims = tuple(Dim.from_sizes(c) for c in chunks)
    node = x._node
    if len(dims) != node.ndim or any(a.nblocks != b.nblocks for a, b in zip(dims, node.dims)):
        raise ValueError(f"chunks {chunks!r} do not match the block structure {node.numblocks}")
    if dims != tuple(node.dims):
        x._rebind(MapBlocks(_same, (node,), (tuple(range(node.ndim)),), dims, node.dtype, None, False))
    return x


class _BlockExtreme:
    """``min``/``max`` of one block over ``axes`` (kept), or the identity when the block is empty there."""

    __name__ = "partial-extreme"

    def __init__(self, kind, axes, identity):
        self.kind, self.axes, self.identity = kind, tuple(axes), identity

    def __call__(self, b):
        if any(b.shape[a] == 0 for a in self.axes):
            shape = tuple(1 if i in self.axes else n for i, n in enumerate(b.shape))
            return np.full(shape, self.identity, dtype=b.dtype)
        return getattr(np, self.kind)(b, axis=self.axes, keepdims=True)

    def __reduce__(self):
        return (_BlockExtreme, (self.kind, self.axes, self.identity))


def reduce_blocks_with_identity(x: Array, kind: str, axes) -> Array:
    """Per-block ``min``/``max`` over ``axes`` with empty blocks replaced by the identity (dask skips them).

    The result has one element per block along ``axes`` (known sizes), so the
    usual tree reduction finishes the job.  Dtypes without an identity are
    returned unchanged.
    """
    dt = x.dtype
    big = kind in ("min", "nanmin")
    if dt.kind == "f":
        ident = np.inf if big else -np.inf
    elif dt.kind == "c":  # numpy orders complex numbers by real part, then imaginary part
        ident = complex(np.inf, np.inf) if big else complex(-np.inf, -np.inf)
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        ident = info.max if big else info.min
    elif dt.kind == "b":
        ident = big
    else:
        return x
    node = x._node
    dims = tuple(Dim.from_sizes((1,) * d.nblocks) if i in axes else d for i, d in enumerate(node.dims))
    return Array(MapBlocks(_BlockExtreme(kind, axes, ident), (node,), (tuple(range(node.ndim)),), dims, dt, None,
                           False))


def _index_list(indices, n, axis) -> np.ndarray:
    idx = np.asarray(indices)
    if idx.dtype == bool:
        if idx.ndim != 1 or len(idx) != n:
            raise IndexError(
                f"boolean index did not match indexed array along axis {axis}; size of axis is {n} but size of "
                f"corresponding boolean axis is {len(idx) if idx.ndim else 0}"
            )
        return np.flatnonzero(idx)
    if idx.size == 0:
        idx = idx.astype(np.int64)
    if idx.dtype.kind not in "iu":
        raise IndexError("arrays used as indices must be of integer (or boolean) type")
    if idx.ndim != 1:
        raise NotImplementedError("hlq.array supports one-dimensional index lists only")
    idx = idx.astype(np.int64)
    bad = (idx < -n) | (idx >= n)
    if bad.any():
        raise IndexError(f"index {int(idx[bad][0])} is out of bounds for axis {axis} with size {n}")
    return np.where(idx < 0, idx + n, idx)


def _take_node(x: Array, idx: np.ndarray, axis: int) -> Array:
    cd = x._node.dims[axis]
    out_dim = Dim.regular(len(idx), max(cd.max_size(), 1))
    return Array(Take(x._node, axis, IntList(idx), out_dim))


def getitem_fancy(x: Array, index):
    """``x[index]`` where one entry is an integer or boolean list/array (numpy's placement rules)."""
    if not isinstance(index, tuple):
        index = (index,)
    is_list = [isinstance(e, (list, np.ndarray)) and not (isinstance(e, np.ndarray) and e.ndim == 0) for e in index]
    if sum(is_list) != 1 or any(isinstance(e, Array) for e in index):
        raise NotImplementedError("hlq.array supports fancy indexing with one integer or boolean list per index")
    p = is_list.index(True)
    lst = np.asarray(index[p])
    if lst.dtype == bool and lst.ndim > 1:
        raise NotImplementedError("multi-dimensional boolean masks are not supported yet by hlq.array")
    basic = index[:p] + (slice(None),) + index[p + 1:]
    # which input axis the list indexes and where its output axis lands
    n_real = sum(1 for e in basic if e is not None and e is not Ellipsis)
    in_axis = 0
    out_pos = 0
    for e in index[:p]:
        if e is Ellipsis:
            in_axis += x.ndim - n_real
            out_pos += x.ndim - n_real
        elif e is None:
            out_pos += 1
        elif isinstance(e, slice):
            in_axis += 1
            out_pos += 1
        else:
            in_axis += 1
    if in_axis >= x.ndim:
        raise IndexError(f"too many indices for array: array is {x.ndim}-dimensional")
    idx = _index_list(lst, x.shape[in_axis], in_axis)
    y = x[basic] if not all(isinstance(e, slice) and e == slice(None) for e in basic) else x
    out = _take_node(y, idx, out_pos)
    # numpy: integers are advanced indices too; separated advanced indices put the list's axis first
    adv = [i for i, e in enumerate(index) if is_list[i] or (
        isinstance(e, (numbers.Integral, np.integer)) and not isinstance(e, bool))]
    if len(adv) > 1 and adv != list(range(adv[0], adv[-1] + 1)) and out_pos != 0:
        out = moveaxis(out, out_pos, 0)
    return out
