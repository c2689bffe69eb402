"""Index-list nodes: ``Take`` (``x[[1, 5, 2]]`` along one axis), ``Diagonal`` and ``VIndex``
(point-wise ``x.vindex[...]``).

All are *general* nodes: an output block reads only the input blocks that
hold its elements, so culling follows the index list.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.arange(10), chunks=3)
>>> y = x[[9, 0, 4]]
>>> y.node.op_name, y.compute().tolist()
('take', [9, 0, 4])
>>> sorted(i for _, i in y.node.block_dependencies((0,)))
[(0,), (1,), (3,)]
"""

from __future__ import annotations

import itertools

import numpy as np
from dask._task_spec import Task, TaskRef
import dask
from dask.base import tokenize

from hlq.array._chunks import Dim
from hlq.array.nodes.base import ArrayNode

__all__ = ["IntList", "Take", "Diagonal", "VIndex", "VIndexPlan", "take_dim"]


class IntList:
    """An immutable, hashable 1-d array of non-negative positions (a node parameter)."""

    __slots__ = ("values", "_hash")
    #: an immutable value: parameter token caches may keep it as a key
    __hlq_value__ = True

    @property
    def __hlq_nbytes__(self) -> int:
        return int(self.values.nbytes) + 64

    def __init__(self, values):
        v = np.ascontiguousarray(np.asarray(values, dtype=np.int64).reshape(-1))
        v.flags.writeable = False
        self.values = v
        self._hash = hash((len(v), v.tobytes()))

    def __len__(self):
        return len(self.values)

    def __hash__(self):
        return self._hash

    def __eq__(self, other):
        return isinstance(other, IntList) and self._hash == other._hash and np.array_equal(self.values, other.values)

    def __reduce__(self):
        return (IntList, (self.values,))

    def __dask_tokenize__(self):
        return ("intlist", tokenize(self.values))

    def __repr__(self):
        v = self.values
        if len(v) <= 6:
            return f"IntList({v.tolist()})"
        return f"IntList([{v[0]}, {v[1]}, ..., {v[-1]}], n={len(v)})"


def take_dim(d: Dim, indices) -> Dim:
    """Output chunks of taking ``indices`` along a dimension with chunks ``d``, as dask chooses them.

    Identity for the full ``arange``; else groups of the average chunk size
    packed up to ``array.chunk-size-tolerance`` times it (dask's shuffle).
    """
    v = np.asarray(indices)
    n = len(v)
    if n == 0:
        return Dim(0, 0, 0)
    if n == d.length and v[0] == 0 and np.all(np.diff(v) == 1):
        return d
    tol = dask.config.get("array.chunk-size-tolerance")
    avg = max(int(d.length / d.nblocks), 1)
    limit = int(d.length / d.nblocks * tol)
    groups = [min(avg, n - i) for i in range(0, n, avg)]
    sizes, cur = [], 0
    for g in groups:
        if cur + g > limit and cur > 0:
            sizes.append(cur)
            cur = g
        else:
            cur += g
            if cur > limit / tol:
                sizes.append(cur)
                cur = 0
    if cur:
        sizes.append(cur)
    return Dim.from_sizes(sizes)


def _block_starts(d: Dim) -> np.ndarray:
    return np.array([d.start(i) for i in range(d.nblocks)], dtype=np.int64)


class Take(ArrayNode):
    """``np.take(child, indices, axis)`` with valid non-negative ``indices``; output chunks ``out_dim`` along ``axis``."""

    _fields = ("child", "axis", "indices", "out_dim")

    def _array_props(self):
        c = self.child
        n = c.shape[self.axis]
        v = self.indices.values
        if len(v) and (v.min() < 0 or v.max() >= n):
            bad = int(v[(v < 0) | (v >= n)][0])
            raise IndexError(f"index {bad} is out of bounds for axis {self.axis} with size {n}")
        if self.out_dim.length != len(v):
            raise ValueError("take: output chunks do not match the number of indices")
        dims = list(c.dims)
        dims[self.axis] = self.out_dim
        return dims, c.dtype

    def _plan(self, j):
        """(input blocks along axis, local positions into their concatenation) for output block ``j``."""
        cache = self.__dict__.setdefault("_plans", {})
        p = cache.get(j)
        if p is None:
            d = self.out_dim
            pos = self.indices.values[d.start(j): d.start(j) + d.size(j)]
            cd = self.child.dims[self.axis]
            starts = self.__dict__.get("_starts")
            if starts is None:
                starts = self.__dict__["_starts"] = _block_starts(cd)
            blk = np.searchsorted(starts, pos, side="right") - 1
            uniq = np.unique(blk)
            if len(uniq) == 0:
                uniq = np.array([0])
            # offset of each used block inside the concatenation of the used blocks
            sizes = np.array([cd.size(int(b)) for b in uniq], dtype=np.int64)
            cat_start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            where = np.searchsorted(uniq, blk)
            local = pos - starts[blk] + cat_start[where] if len(pos) else pos
            p = (tuple(int(b) for b in uniq), np.asarray(local, dtype=np.int64))
            cache[j] = p
        return p

    def block_dependencies(self, idx):
        ax = self.axis
        blocks, _ = self._plan(idx[ax])
        return [(self.child, idx[:ax] + (b,) + idx[ax + 1:]) for b in blocks]

    def block_task(self, key, idx):
        ax = self.axis
        blocks, local = self._plan(idx[ax])
        name = self.child.name
        refs = [TaskRef((name, *idx[:ax], b, *idx[ax + 1:])) for b in blocks]
        return Task(key, _take_blocks, ax, local, *refs)

    def label(self):
        return f"take(axis={self.axis}, {self.indices!r})"


def _take_blocks(axis, local, *blocks):
    x = blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=axis)
    return np.take(x, local, axis=axis)


class Diagonal(ArrayNode):
    """``np.diagonal(child, offset, -2, -1)``: the diagonal becomes the last axis.

    The diagonal is cut wherever it crosses a row or column block boundary;
    each output block reads one input block.  When the row or column chunk
    sizes are unknown (nan) the diagonal is one block of unknown length that
    reads all blocks of the last two axes (their sizes are only known then).
    """

    _fields = ("child", "offset")

    def _array_props(self):
        c = self.child
        if c.ndim < 2:
            raise ValueError("diag requires an array of at least two dimensions")
        rows, cols = c.dims[-2], c.dims[-1]
        k = self.offset
        if not (rows.known and cols.known):
            self.__dict__["_segs"] = None
            return (*c.dims[:-2], Dim.unknown(1)), c.dtype
        r0, c0 = max(-k, 0), max(k, 0)
        n = max(0, min(rows.length - r0, cols.length - c0))
        segs = []  # (row block, col block, local row, local col, length)
        t = 0
        while t < n:
            r, cc = r0 + t, c0 + t
            bi, bj = rows.locate(r), cols.locate(cc)
            lr, lc = r - rows.start(bi), cc - cols.start(bj)
            ln = min(rows.size(bi) - lr, cols.size(bj) - lc, n - t)
            segs.append((bi, bj, lr, lc, ln))
            t += ln
        self.__dict__["_segs"] = tuple(segs)
        ddim = Dim.from_sizes([s[4] for s in segs]) if segs else Dim(0, 0, 0)
        return (*c.dims[:-2], ddim), c.dtype

    def _src(self, idx):
        segs = self._segs
        if not segs:
            return idx[:-1] + (0, 0), (0, 0, 0)
        bi, bj, lr, lc, ln = segs[idx[-1]]
        return idx[:-1] + (bi, bj), (lr, lc, ln)

    def _all_src(self, idx):
        nr, nc = self.child.numblocks[-2:]
        return [idx[:-1] + (i, j) for i in range(nr) for j in range(nc)]

    def block_dependencies(self, idx):
        if self._segs is None:
            return [(self.child, src) for src in self._all_src(idx)]
        return [(self.child, self._src(idx)[0])]

    def block_task(self, key, idx):
        if self._segs is None:
            refs = [TaskRef((self.child.name, *src)) for src in self._all_src(idx)]
            return Task(key, _diag_whole, self.offset, self.child.numblocks[-1], *refs)
        src, loc = self._src(idx)
        return Task(key, _diag_block, loc, TaskRef((self.child.name, *src)))

    def label(self):
        return f"diagonal(offset={self.offset})"


def _diag_whole(offset, ncols, *blocks):
    rows = [list(blocks[i:i + ncols]) for i in range(0, len(blocks), ncols)]
    return np.diagonal(np.block(rows), offset, axis1=-2, axis2=-1).copy()


def _diag_block(loc, x):
    lr, lc, ln = loc
    return np.diagonal(x[..., lr:lr + ln, lc:lc + ln], axis1=-2, axis2=-1).copy()


del itertools


class VIndexPlan:
    """Points of a ``vindex`` grouped by input block: hashable node parameter."""

    __slots__ = ("axes", "points", "_hash")

    def __init__(self, axes, points):
        self.axes = tuple(axes)
        self.points = tuple(IntList(p) for p in points)
        self._hash = hash((self.axes, self.points))

    def __hash__(self):
        return self._hash

    def __eq__(self, other):
        return isinstance(other, VIndexPlan) and self.axes == other.axes and self.points == other.points

    def __reduce__(self):
        return (VIndexPlan, (self.axes, tuple(p.values for p in self.points)))

    def __dask_tokenize__(self):
        return ("vindex-plan", self.axes, tuple(p.__dask_tokenize__() for p in self.points))

    def __repr__(self):
        return f"points(axes={self.axes}, n={len(self.points[0]) if self.points else 0})"


class VIndex(ArrayNode):
    """Point-wise selection: output axis 0 lists the points, then the non-indexed axes of ``child``."""

    _fields = ("child", "plan", "out_dim")

    def _array_props(self):
        c = self.child
        rest = [d for i, d in enumerate(c.dims) if i not in self.plan.axes]
        return (self.out_dim, *rest), c.dtype

    def _block_plan(self, j):
        cache = self.__dict__.setdefault("_bplans", {})
        p = cache.get(j)
        if p is None:
            c, axes = self.child, self.plan.axes
            s = self.out_dim.start(j)
            pts = [p.values[s:s + self.out_dim.size(j)] for p in self.plan.points]
            blocks, locs = [], []
            for a, v in zip(axes, pts):
                d = c.dims[a]
                starts = np.array([d.start(i) for i in range(d.nblocks)], dtype=np.int64)
                b = np.searchsorted(starts, v, side="right") - 1
                blocks.append(b)
                locs.append(v - starts[b])
            if pts and len(pts[0]):
                keys = np.ravel_multi_index(blocks, [c.numblocks[a] for a in axes])
                uniq, inv = np.unique(keys, return_inverse=True)
                groups = []
                for u in range(len(uniq)):
                    sel = np.flatnonzero(inv == u)
                    bidx = tuple(int(b[sel[0]]) for b in blocks)
                    groups.append((bidx, sel, tuple(loc[sel] for loc in locs)))
            else:
                groups = []
            p = tuple(groups)
            cache[j] = p
        return p

    def _src(self, idx, bidx):
        axes = self.plan.axes
        out, k, r = [], 0, 1
        for i in range(self.child.ndim):
            if i in axes:
                out.append(bidx[axes.index(i)])
            else:
                out.append(idx[r])
                r += 1
        return tuple(out)

    def block_dependencies(self, idx):
        groups = self._block_plan(idx[0])
        if not groups:
            return [(self.child, self._src(idx, (0,) * len(self.plan.axes)))]
        return [(self.child, self._src(idx, g[0])) for g in groups]

    def block_task(self, key, idx):
        groups = self._block_plan(idx[0])
        n = self.out_dim.size(idx[0])
        if not groups:
            ref = TaskRef((self.child.name, *self._src(idx, (0,) * len(self.plan.axes))))
            return Task(key, _vindex_empty, self.plan.axes, ref)
        refs = [TaskRef((self.child.name, *self._src(idx, g[0]))) for g in groups]
        spec = tuple((g[1], g[2]) for g in groups)
        return Task(key, _vindex_points, self.plan.axes, n, spec, *refs)

    def label(self):
        return f"vindex({self.plan!r})"


def _vindex_empty(axes, block):
    sel = tuple(np.zeros(0, dtype=np.intp) if i in axes else slice(None) for i in range(block.ndim))
    return _points_first(block[sel], axes)


def _points_first(res, axes):
    # numpy puts the broadcast point axis first when the advanced indices are not adjacent, else in place
    if list(axes) == list(range(axes[0], axes[0] + len(axes))) and axes[0] != 0:
        res = np.moveaxis(res, axes[0], 0)
    return res


def _vindex_points(axes, n, spec, *blocks):
    out = None
    for (sel, locs), b in zip(spec, blocks):
        index = []
        k = 0
        for i in range(b.ndim):
            if i in axes:
                index.append(locs[k])
                k += 1
            else:
                index.append(slice(None))
        part = _points_first(b[tuple(index)], axes)
        if out is None:
            out = np.empty((n,) + part.shape[1:], dtype=part.dtype)
        out[sel] = part
    return out
