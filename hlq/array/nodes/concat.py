"""Joining and broadcasting nodes: ``Concatenate`` and ``BroadcastTo``.

``Concatenate`` is a *general* node: each output block is exactly one block of
one input (an ``Alias`` task), so culling keeps only the inputs - and the
blocks of them - that the demanded output blocks read.

``BroadcastTo`` is *blockwise*: every output block broadcasts one input block
(broadcast dimensions of the input have a single block).

>>> import hlq.array as da
>>> x = da.concatenate([da.ones((4, 3), chunks=2), da.zeros((2, 3), chunks=2)])
>>> x.node.op_name, x.numblocks
('concatenate', (3, 2))
>>> x.node.block_dependencies((2, 1))[0][1]
(0, 1)
"""

from __future__ import annotations

import bisect

import numpy as np
from dask._task_spec import Alias

from hlq.array._chunks import Dim
from hlq.array.nodes.base import ArrayNode
from hlq.array.nodes.blockwise import Blockwise

__all__ = ["Concatenate", "BroadcastTo", "concat_dim"]


def concat_dim(dims) -> Dim:
    """The chunks of several dimensions laid end to end."""
    sizes = []
    for d in dims:
        sizes.extend(d.sizes())
    return Dim.from_sizes(sizes)


class Concatenate(ArrayNode):
    """``np.concatenate(arrays, axis)``; inputs have equal dims off ``axis`` and equal dtypes."""

    _fields = ("arrays", "axis")

    def _array_props(self):
        arrays = self.arrays
        if not arrays:
            raise ValueError("need at least one array to concatenate")
        first = arrays[0]
        ax = self.axis
        for a in arrays[1:]:
            if a.ndim != first.ndim:
                raise ValueError("all the input arrays must have same number of dimensions")
            for j in range(first.ndim):
                if j != ax and a.dims[j] != first.dims[j]:
                    raise ValueError(
                        "all the input array dimensions except for the concatenation axis must match "
                        f"exactly (chunks too), but along dimension {j} they differ: "
                        f"{first.dims[j].sizes()} vs {a.dims[j].sizes()}"
                    )
            if a.dtype != first.dtype:
                raise TypeError(f"concatenate node needs equal dtypes, got {first.dtype} and {a.dtype}")
        dims = list(first.dims)
        dims[ax] = concat_dim([a.dims[ax] for a in arrays])
        starts = [0]
        for a in arrays:
            starts.append(starts[-1] + a.numblocks[ax])
        self.__dict__["_block_starts"] = tuple(starts)
        return dims, first.dtype

    def _locate(self, idx):
        ax = self.axis
        starts = self._block_starts
        i = bisect.bisect_right(starts, idx[ax]) - 1
        local = idx[:ax] + (idx[ax] - starts[i],) + idx[ax + 1:]
        return self.arrays[i], local

    def block_dependencies(self, idx):
        return [self._locate(idx)]

    def block_task(self, key, idx):
        a, local = self._locate(idx)
        return Alias(key, (a.name, *local))

    def label(self):
        return f"concatenate(axis={self.axis}, n={len(self.arrays)})"


class BroadcastTo(Blockwise):
    """``np.broadcast_to(child, shape)`` block by block.

    ``dims_`` are the output chunks; child dimensions that are not broadcast
    have exactly the output's chunks, broadcast ones (length 1) a single block.
    """

    _fields = ("child", "dims_")
    op_name = "broadcast-to"
    bw_has_arg = True

    def _array_props(self):
        c = self.child
        dims = tuple(self.dims_)
        off = len(dims) - c.ndim
        if off < 0:
            raise ValueError("input operand has more dimensions than allowed by the axis remapping")
        for j, d in enumerate(c.dims):
            o = dims[j + off]
            if d.length == o.length:
                if d != o:
                    raise ValueError(f"broadcast_to: chunks of dimension {j} do not match the output's")
            elif d.length != 1:
                raise ValueError(
                    f"operands could not be broadcast together with remapped shapes [original->remapped]: "
                    f"{c.shape} and requested shape {tuple(x.length for x in dims)}"
                )
        return dims, c.dtype

    def _extra_props(self, dims):
        c = self.child
        off = len(dims) - c.ndim
        m = tuple(j + off if d.length == dims[j + off].length else ("c", 0) for j, d in enumerate(c.dims))
        return {"bw_inputs": ((c, m),), "bw_func": _broadcast_block}

    def bw_block_arg(self, idx):
        return tuple(d.size(i) for d, i in zip(self.dims, idx))

    def label(self):
        return f"broadcast-to{self.shape}"


def _broadcast_block(x, shape):
    return np.broadcast_to(x, shape)
