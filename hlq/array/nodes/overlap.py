"""Overlap nodes: blocks extended by a halo of their neighbours, and the trim back.

``Halo`` (general) builds each output block from its input block and the
``lo``/``hi`` edge strips of the neighbouring blocks along every overlapped
axis (at most ``3**k`` input blocks for ``k`` overlapped axes).  When an
axis is ``edged``, the input's first and last blocks are boundary blocks
(built by :func:`hlq.array.overlap.boundaries`) of exactly ``lo``/``hi``
elements that are absorbed into their neighbours instead of becoming output
blocks.  ``TrimBlocks`` (blockwise) cuts per-block margins again.
"""

from __future__ import annotations

import itertools

import numpy as np
from dask._task_spec import Task, TaskRef
from dask.array.core import concatenate3

from hlq.array._chunks import Dim
from hlq.array.nodes.base import ArrayNode
from hlq.array.nodes.blockwise import Blockwise

__all__ = ["Halo", "TrimBlocks", "halo_sizes"]


def halo_sizes(dim: Dim, lo: int, hi: int, first: bool, last: bool) -> tuple:
    """Output block sizes of one axis (``first``/``last``: the end blocks only lend strips)."""
    sizes = dim.sizes()
    n = len(sizes)
    return tuple((lo if c > 0 else 0) + sizes[c] + (hi if c < n - 1 else 0) for c in range(int(first), n - int(last)))


class Halo(ArrayNode):
    """Each block of ``child`` with ``lo``/``hi`` elements of its neighbours per axis.

    ``spec``: one ``(lo, hi, first, last)`` per axis; ``first``/``last`` say
    that the child's first/last block only lends its edge strip to its
    neighbour (a boundary block, or a block kept for a sliced halo).
    """

    _fields = ("child", "spec")
    op_name = "overlap"

    def _array_props(self):
        c = self.child
        if len(self.spec) != c.ndim:
            raise ValueError("overlap spec does not match the array's dimensions")
        dims = []
        for d, (lo, hi, first, last) in zip(c.dims, self.spec):
            n = d.nblocks
            if n - first - last < 1 or (first and d.size(0) < lo) or (last and d.size(n - 1) < hi):
                raise ValueError("overlap: edge blocks must exist and hold the depth")
            if any(d.size(k) < lo for k in range(0, n - 1) if lo) or any(d.size(k) < hi for k in range(1, n) if hi):
                raise ValueError(f"overlap depth ({lo}, {hi}) is larger than a chunk of {d.sizes()}")
            dims.append(Dim.from_sizes(halo_sizes(d, lo, hi, first, last)) if (lo or hi or first or last) else d)
        return dims, c.dtype

    def _offsets(self):
        """Per axis: the child-block offsets (from the block's own) an output block may read."""
        return [([-1] if lo else []) + [0] + ([1] if hi else []) for lo, hi, _, _ in self.spec]

    def _extra_props(self, dims):
        # block k reads child blocks k-1, k, k+1 (shifted by ``first``) along each overlapped
        # axis: one block map per neighbour, clamped at the edges (where the block argument says
        # that neighbour is absent), so the node is blockwise: it fuses with the function
        # applied to its blocks and with cheap sources below it, and tiny blocks run inside
        # their consumer's tasks
        c = self.child
        per_axis = []
        for ax, (offs, (_, _, first, _)) in enumerate(zip(self._offsets(), self.spec)):
            n = c.dims[ax].nblocks
            per_axis.append(tuple(ax if o + first == 0 else ("k", ax, o + int(first), n) for o in offs))
        inputs = tuple((c, m) for m in itertools.product(*per_axis))
        return {"is_blockwise": True, "bw_has_arg": True, "bw_inputs": inputs, "bw_func": _halo_block}

    def bw_block_arg(self, idx):
        """Per axis, per neighbour offset: None when that neighbour is absent, else its slice."""
        out = []
        for offs, pieces in zip(self._offsets(), self._pieces(idx)):
            center = pieces[0][0] if len(pieces) == 1 or pieces[0][1] is None else pieces[1][0]
            by_off = {p[0] - center: p[1] for p in pieces}
            out.append(tuple(("x", by_off[o]) if o in by_off else None for o in offs))
        return tuple(out)

    def _pieces(self, idx):
        """Per axis: the (child block, slice) pieces of output block ``idx``."""
        out = []
        for ax, (k, (lo, hi, first, _)) in enumerate(zip(idx, self.spec)):
            d = self.child.dims[ax]
            c = k + int(first)
            if not (lo or hi):
                out.append(((c, None),))
                continue
            n = d.nblocks
            pieces = []
            if lo and c > 0:
                s = d.size(c - 1)
                pieces.append((c - 1, (s - lo, s)))
            pieces.append((c, None))
            if hi and c < n - 1:
                pieces.append((c + 1, (0, hi)))
            out.append(tuple(pieces))
        return out

    def block_dependencies(self, idx):
        return [(self.child, tuple(p[0] for p in combo)) for combo in itertools.product(*self._pieces(idx))]

    def block_task(self, key, idx):
        pieces = self._pieces(idx)
        grid = tuple(len(p) for p in pieces)
        name = self.child.name
        slices, refs = [], []
        for combo in itertools.product(*pieces):
            refs.append(TaskRef((name, *(p[0] for p in combo))))
            slices.append(tuple(p[1] for p in combo))
        return Task(key, _assemble_halo, grid, tuple(slices), *refs)

    def label(self):
        return "overlap(" + ", ".join(f"{lo}/{hi}" for lo, hi, _, _ in self.spec) + ")"


def _halo_block(*args):
    """One overlap block from the blocks of every neighbour map and the block argument of
    :meth:`Halo.bw_block_arg` (absent neighbours are skipped)."""
    spec = args[-1]
    blocks, slices = [], []
    for block, combo in zip(args[:-1], itertools.product(*spec)):
        if any(p is None for p in combo):
            continue
        blocks.append(block)
        slices.append(tuple(p[1] for p in combo))
    grid = tuple(sum(p is not None for p in axis) for axis in spec)
    return _assemble_halo(grid, tuple(slices), *blocks)


def _assemble_halo(grid, slices, *blocks):
    parts = []
    for b, sl in zip(blocks, slices):
        parts.append(b[tuple(slice(None) if s is None else slice(*s) for s in sl)])
    if len(parts) == 1:
        return parts[0]
    arr = np.empty(len(parts), dtype=object)
    for i, p in enumerate(parts):
        arr[i] = p

    return concatenate3(arr.reshape(grid).tolist())


class TrimBlocks(Blockwise):
    """Cut ``lo``/``hi`` elements off both ends of every block, per axis.

    ``spec``: one ``(lo, hi, first, last)`` per axis; when ``first``/``last``
    is false the first block keeps its start / the last block its end
    (boundary 'none').
    """

    _fields = ("child", "spec")
    op_name = "trim"
    bw_has_arg = True

    def _cut(self, ax, k):
        lo, hi, first, last = self.spec[ax]
        n = self.child.dims[ax].nblocks
        return (lo if (k > 0 or first) else 0), (hi if (k < n - 1 or last) else 0)

    def _array_props(self):
        c = self.child
        dims = []
        for ax, (d, (lo, hi, _, _)) in enumerate(zip(c.dims, self.spec)):
            if not (lo or hi):
                dims.append(d)
                continue
            sizes = []
            for k in range(d.nblocks):
                a, b = self._cut(ax, k)
                if d.size(k) < a + b:
                    raise ValueError(f"cannot trim {a + b} elements from a block of {d.size(k)} along axis {ax}")
                sizes.append(d.size(k) - a - b)
            dims.append(Dim.from_sizes(sizes))
        return dims, c.dtype

    def _extra_props(self, dims):
        return {"bw_inputs": ((self.child, tuple(range(self.child.ndim))),), "bw_func": _trim_block}

    def bw_block_arg(self, idx):
        return tuple(None if not (s[0] or s[1]) else self._cut(ax, k) for ax, (k, s) in enumerate(zip(idx, self.spec)))

    def label(self):
        return "trim(" + ", ".join(f"{lo}/{hi}" for lo, hi, _, _ in self.spec) + ")"


def _trim_block(block, cuts):
    # like dask, only the block's own dimensions are cut (a function may return fewer, e.g. a 0-d sum)
    index = tuple(slice(None) if c is None else slice(c[0], block.shape[ax] - c[1])
                  for ax, c in enumerate(cuts[:np.ndim(block)]))
    return block[index]
