"""Rechunk: each output block assembled from the input blocks it overlaps."""

from __future__ import annotations

import itertools

import numpy as np
from dask._task_spec import Task, TaskRef
from dask.array.core import concatenate3

from hlq.array._chunks import Dim
from hlq.array.nodes.base import ArrayNode

__all__ = ["Rechunk"]


def _overlaps(src: Dim, dst: Dim, j: int):
    """(input block, local slice) pairs covering output block ``j``."""
    a = dst.start(j)
    b = a + dst.size(j)
    if b <= a:
        k = src.locate(min(a, max(src.length - 1, 0)))
        return [(k, slice(0, 0))]
    out = []
    k = src.locate(a)
    while True:
        s0 = src.start(k)
        s1 = s0 + src.size(k)
        lo, hi = max(a, s0) - s0, min(b, s1) - s0
        if hi > lo:
            out.append((k, slice(lo, hi)))
        if s1 >= b or k + 1 >= src.nblocks:
            break
        k += 1
    return out


class Rechunk(ArrayNode):
    """``child`` with chunks ``dims_`` (same shape)."""

    _fields = ("child", "dims_")
    needs_all_inputs = True

    def _array_props(self):
        c = self.child
        if tuple(d.length for d in self.dims_) != c.shape:
            raise ValueError(f"rechunk: chunks {tuple(d.sizes() for d in self.dims_)} do not match shape {c.shape}")
        return self.dims_, c.dtype

    def block_dependencies(self, idx):
        per_dim = [_overlaps(s, d, j) for s, d, j in zip(self.child.dims, self.dims, idx)]
        c = self.child
        return [(c, tuple(p[0] for p in combo)) for combo in itertools.product(*per_dim)]

    def block_task(self, key, idx):
        per_dim = [_overlaps(s, d, j) for s, d, j in zip(self.child.dims, self.dims, idx)]
        name = self.child.name
        grid = tuple(len(p) for p in per_dim)
        if grid == (1,) * len(grid) and all(
            p[0][1] == slice(0, s.size(p[0][0])) for p, s in zip(per_dim, self.child.dims)
        ):
            return Task(key, _identity, TaskRef((name, *(p[0][0] for p in per_dim))))
        refs = []
        slices = []
        for combo in itertools.product(*per_dim):
            refs.append(TaskRef((name, *(p[0] for p in combo))))
            slices.append(tuple(p[1] for p in combo))
        return Task(key, _assemble_pieces, grid, tuple(slices), *refs)

    def label(self):
        return "rechunk(" + ", ".join(d.summary() for d in self.dims) + ")"


def _identity(x):
    return x


def _assemble_pieces(grid, slices, *blocks):
    pieces = [b[s] for b, s in zip(blocks, slices)]
    if len(pieces) == 1:
        return pieces[0]
    arr = np.empty(len(pieces), dtype=object)
    for i, p in enumerate(pieces):
        arr[i] = p

    return concatenate3(arr.reshape(grid).tolist())
