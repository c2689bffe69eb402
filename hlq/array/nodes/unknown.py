"""Nodes for arrays with unknown (``nan``) chunk sizes and data-dependent indexing.

``KnownAxesIndex``
    a basic index on an array with unknown chunks: unknown dimensions may only
    be taken whole (``x[:, 1:3]`` on a ``(nan, 5)`` array), like dask;
``FlattenBlocks``
    ``func`` applied to every block of the input, the block grid flattened
    to one output axis in C order (``x[mask]`` with an n-d mask on unknown
    chunks, ``argwhere`` of n-d arrays);
``TakeArray``
    ``np.take(child, indices_block, axis)`` where the indices are an hlq
    integer array (output block ``j`` along ``axis`` reads index block ``j``
    and the child's blocks along ``axis``).

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.arange(12).reshape(6, 2), chunks=2)
>>> y = x[x[:, 0] > 3]
>>> y.chunks
((nan, nan, nan), (2,))
>>> y[:, 1].compute().tolist()
[5, 7, 9, 11]
"""

from __future__ import annotations

import numpy as np
from dask._task_spec import Task, TaskRef
import itertools

from hlq.array._chunks import Dim
from hlq.array.nodes.base import ArrayNode, _assemble_flat
from hlq.array.nodes.blockwise import Blockwise, _slice_plan, slice_edge

__all__ = ["KnownAxesIndex", "FlattenBlocks", "TakeArray"]

FULL = "full"


def _getitem(x, index):
    return x[index]


class KnownAxesIndex(Blockwise):
    """``child[index]``: ``index`` has an entry per input dimension plus ``None`` for new axes.

    Entries are ``"full"`` (the whole dimension; the only choice on unknown
    dimensions), ``(start, stop, step)`` or an ``int`` (on known dimensions).
    """

    _fields = ("child", "index")
    op_name = "getitem"

    def _array_props(self):
        c = self.child
        dims, edge, specs = [], [None] * c.ndim, []
        ci = 0
        for entry in self.index:
            if entry is None:
                dims.append(Dim(1, 1, 1))
                specs.append(("const", None))
                continue
            d = c.dims[ci]
            out_axis = len(dims)
            if entry == FULL:
                dims.append(d)
                edge[ci] = out_axis
                specs.append(("const", slice(None)))
            elif isinstance(entry, tuple):
                if not d.known:
                    raise ValueError("KnownAxesIndex: slices need known chunk sizes")
                out, emap, local = _slice_plan(d, *entry)
                dims.append(out)
                edge[ci] = slice_edge(emap, out_axis)
                specs.append(("slice", out_axis, local, d, emap))
            else:
                k = d.locate(entry)
                edge[ci] = ("c", k)
                specs.append(("const", entry - d.start(k)))
            ci += 1
        self.__dict__["_edge"] = tuple(edge)
        self.__dict__["_specs"] = tuple(specs)
        return dims, c.dtype

    def _extra_props(self, dims):
        return {"bw_inputs": ((self.child, self.__dict__["_edge"]),), "bw_func": _getitem}

    bw_has_arg = True

    def bw_block_arg(self, idx):
        out = []
        for spec in self._specs:
            if spec[0] == "const":
                out.append(spec[1])
                continue
            _, axis, local, d, emap = spec
            j = idx[axis]
            if local[0] == "empty":
                out.append(slice(0, 0))
            elif local[0] == "contig":
                k = emap[1] + j
                b0 = d.start(k)
                out.append(slice(max(local[1] - b0, 0), min(local[2] - b0, d.size(k))))
            else:
                out.append(local[1][j])
        return tuple(out)

    def label(self):
        return f"getitem{self.index}"


class FlattenBlocks(ArrayNode):
    """``func(block, block_index)`` for every block of ``child``, in C order along one output axis.

    ``tail`` gives the output dims after the flattened axis (each output block
    has the full tail); the flattened axis has unknown chunk sizes.
    """

    _fields = ("child", "func", "tail", "dtype_")
    _opaque_fields = ("func",)

    @property
    def op_name(self):
        return getattr(self.func, "__name__", "flatten-blocks").replace("_", "-")

    def _array_props(self):
        if any(d.nblocks != 1 for d in self.tail):
            raise ValueError("FlattenBlocks: the tail dims must have one block each")
        n = int(np.prod(self.child.numblocks)) if self.child.ndim else 1
        return (Dim.unknown(n), *self.tail), self.dtype_

    def _src(self, idx):
        c = self.child
        return tuple(int(i) for i in np.unravel_index(idx[0], c.numblocks)) if c.ndim else ()

    def block_dependencies(self, idx):
        return [(self.child, self._src(idx))]

    def block_task(self, key, idx):
        src = self._src(idx)
        return Task(key, self.func, TaskRef((self.child.name, *src)), src)


class TakeArray(ArrayNode):
    """``np.take(child, indices, axis)`` with an hlq integer array of ``indices`` (1-d).

    Negative indices wrap; out-of-range indices raise ``IndexError`` when computed.
    """

    _fields = ("child", "indices", "axis")

    def _array_props(self):
        c, ix = self.child, self.indices
        if ix.ndim != 1:
            raise NotImplementedError(
                "Slicing with dask.array of ints only permitted when the indexer has zero or one dimensions")
        if not c.dims[self.axis].known:
            raise NotImplementedError(
                "Slicing an array with unknown chunks with a dask.array of ints is not supported")
        dims = list(c.dims)
        dims[self.axis] = ix.dims[0]
        return dims, c.dtype

    def _deps(self, idx):
        ax = self.axis
        n = self.child.numblocks[ax]
        return [idx[:ax] + (b,) + idx[ax + 1:] for b in range(n)]

    def block_dependencies(self, idx):
        return [(self.indices, (idx[self.axis],))] + [(self.child, i) for i in self._deps(idx)]

    def block_task(self, key, idx):
        refs = [TaskRef((self.child.name, *i)) for i in self._deps(idx)]
        n = self.child.shape[self.axis]
        return Task(key, _take_from_blocks, self.axis, n, TaskRef((self.indices.name, idx[self.axis])), *refs)

    def label(self):
        return f"take(axis={self.axis}, indices={self.indices.op_name})"


def _take_from_blocks(axis, n, indices, *blocks):
    ind = np.asarray(indices).astype(np.int64, copy=False)
    bad = (ind < -n) | (ind >= n)
    if bad.any():
        raise IndexError(f"index {int(ind[bad][0])} is out of bounds for axis {axis} with size {n}")
    x = blocks[0] if len(blocks) == 1 else np.concatenate(blocks, axis=axis)
    return np.take(x, ind, axis=axis)


class PartialRechunk(ArrayNode):
    """Rechunk the known axes of an array whose other (unknown) axes keep their blocks.

    Output block ``idx`` concatenates the input blocks overlapping it along the
    changed axes and slices its region out (dask allows this too: chunks may
    change only along dimensions without missing sizes).
    """

    _fields = ("child", "dims_")

    def _array_props(self):
        c = self.child
        for a, b in zip(c.dims, self.dims_):
            if a != b and not (a.known and b.known):
                raise ValueError("Chunks must be unchanging along dimensions with missing values.\n\n"
                                 "A possible solution:\n  x.compute_chunk_sizes()")
            if a != b and a.length != b.length:
                raise ValueError(f"chunks {b.sizes()} do not add up to the dimension's length {a.length}")
        return self.dims_, c.dtype

    def _axis_plan(self, axis, j):
        a, b = self.child.dims[axis], self.dims_[axis]
        if a == b:
            return (j,), None
        s0, n = b.start(j), b.size(j)
        if n == 0:
            return (a.locate(min(s0, max(a.length - 1, 0))),), slice(0, 0)
        k0, k1 = a.locate(s0), a.locate(s0 + n - 1)
        return tuple(range(k0, k1 + 1)), slice(s0 - a.start(k0), s0 - a.start(k0) + n)

    def _plans(self, idx):
        return [self._axis_plan(ax, j) for ax, j in enumerate(idx)]

    def block_dependencies(self, idx):
        plans = self._plans(idx)
        return [(self.child, src) for src in itertools.product(*(p[0] for p in plans))]

    def block_task(self, key, idx):
        plans = self._plans(idx)
        grid = tuple(len(p[0]) for p in plans)
        refs = [TaskRef((self.child.name, *src)) for src in itertools.product(*(p[0] for p in plans))]
        sl = tuple(slice(None) if p[1] is None else p[1] for p in plans)
        return Task(key, _assemble_slice, grid, sl, *refs)

    def label(self):
        return "rechunk-known-axes"


def _assemble_slice(grid, sl, *blocks):
    return _assemble_flat(grid, *blocks)[sl]
