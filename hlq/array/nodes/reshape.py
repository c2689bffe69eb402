"""Reshape: dask's algorithm (merge or split dimensions, rechunking the input first).

``Reshape`` is the logical node (what the user asked); the ``lower`` phase
rewrites it into ``ReshapeBlocks(Rechunk(x, in_chunks))``: after that
rechunk, block ``k`` (C order) of the input reshapes into block ``k`` of the
output, exactly as in ``dask.array.reshape``.

>>> import hlq.array as da
>>> y = da.ones((6, 4), chunks=(2, 4)).reshape((24,))
>>> y.chunks
((8, 8, 8),)
"""

from __future__ import annotations

import math
import sys

import numpy as np
import dask.array  # noqa: F401  (loads dask.array.reshape, read from sys.modules below)
from dask._task_spec import Task, TaskRef

from hlq.array._chunks import Dim
from hlq.array.nodes.base import ArrayNode

__all__ = ["Reshape", "ReshapeBlocks", "ReshapeBlockwise", "reshape_chunks"]


def reshape_chunks(inshape, outshape, inchunks):
    """(input chunks, output chunks) as dask computes them (raises like dask)."""
    if math.prod(inshape) != math.prod(outshape):
        raise ValueError("total size of new array must be unchanged")
    if all(len(c) == 1 for c in inchunks) or math.prod(inshape) == 0:
        return tuple((s,) for s in inshape), tuple((s,) for s in outshape)
    mod = sys.modules["dask.array.reshape"]
    res = mod.reshape_rechunk(tuple(inshape), tuple(outshape), tuple(inchunks))
    return tuple(tuple(c) for c in res[0]), tuple(tuple(c) for c in res[1])


class Reshape(ArrayNode):
    """``child.reshape(shape_)`` (logical)."""

    _fields = ("child", "shape_")

    def _array_props(self):
        c = self.child
        inchunks, outchunks = reshape_chunks(c.shape, self.shape_, c.chunks)
        self.__dict__["in_dims"] = tuple(Dim.from_sizes(s) for s in inchunks)
        return tuple(Dim.from_sizes(s) for s in outchunks), c.dtype

    def label(self):
        return f"reshape{self.shape_}"


class ReshapeBlocks(ArrayNode):
    """Block ``k`` (C order) of ``child`` reshaped into block ``k`` of the output."""

    _fields = ("child", "dims_")
    op_name = "reshape"

    def _array_props(self):
        if self.child.nblocks_total != math.prod(d.nblocks for d in self.dims_):
            raise ValueError("reshape: block grids do not match")
        return self.dims_, self.child.dtype

    def _extra_props(self, dims):
        edge = _axis_edge(self.child.numblocks, tuple(d.nblocks for d in dims))
        if edge is None:
            return {}
        # the block grids are the same up to axes of one block: block k of the output reads the
        # block of the input at the same position, so this is a blockwise node (fuses with its
        # neighbours and runs inside its consumer's tasks when blocks are tiny)
        return {"is_blockwise": True, "bw_has_arg": True, "range_safe": True,
                "bw_inputs": ((self.child, edge),), "bw_func": _reshape}

    def bw_block_arg(self, idx):
        return tuple(d.size(i) for d, i in zip(self.dims, idx))

    def _in_index(self, idx):
        flat = int(np.ravel_multi_index(idx, self.numblocks)) if self.numblocks else 0
        cn = self.child.numblocks
        return tuple(int(i) for i in np.unravel_index(flat, cn)) if cn else ()

    def block_dependencies(self, idx):
        return [(self.child, self._in_index(idx))]

    needs_all_inputs = True

    def block_task(self, key, idx):
        shape = tuple(d.size(i) for d, i in zip(self.dims, idx))
        return Task(key, _reshape, TaskRef((self.child.name, *self._in_index(idx))), shape)

    def label(self):
        return f"reshape-blocks{self.shape}"


def _reshape(x, shape):
    return np.reshape(x, shape)


def _axis_edge(in_nb, out_nb):
    """The block map (an output axis, or ``("c", 0)``, per input axis) when the two block grids
    are equal once their one-block axes are dropped, else None."""
    live_in = [i for i, n in enumerate(in_nb) if n > 1]
    live_out = [j for j, n in enumerate(out_nb) if n > 1]
    if [in_nb[i] for i in live_in] != [out_nb[j] for j in live_out]:
        return None
    to_out = dict(zip(live_in, live_out))
    return tuple(to_out[i] if i in to_out else ("c", 0) for i in range(len(in_nb)))


class ReshapeBlockwise(ReshapeBlocks):
    """``reshape_blockwise``: the same block mapping as :class:`ReshapeBlocks`, built directly by the
    user (dask's ``reshape_blockwise``) rather than by the reshape rewrite."""

    op_name = "reshape-blockwise"

    def label(self):
        return f"reshape-blockwise{self.shape}"
