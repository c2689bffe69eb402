"""Slice pushdown through ``map_overlap``: the slice plus the halo.

``trim(map_blocks(f, overlap(x)))[i]`` keeps only the output blocks the
slice touches: ``x`` (with its boundary blocks) is sliced to those blocks
plus the halo strips of the neighbour blocks, the halo and trim are
rebuilt for that range (the kept neighbours only lend strips), and the
residual slice is applied to the result.  Block boundaries are kept, so
``f`` sees exactly the blocks it saw before (results are identical even for
functions that depend on the block layout).

>>> import numpy as np
>>> import hlq.array as da
>>> from hlq.rules import optimize_plan
>>> x = da.ones((1000, 1000), chunks=10)
>>> y = da.map_overlap(lambda b: b * 2, x, depth=2, boundary="reflect", dtype=x.dtype)[500:505, :5]
>>> plan = optimize_plan(y.node)
>>> [n.shape for n in plan.walk() if n.op_name == "overlap"]
[(14, 14)]
>>> float(y.sum().compute())
50.0
"""

from __future__ import annotations

from hlq.array.nodes import ArrayNode, BasicIndex, MapBlocks
from hlq.array.nodes.overlap import Halo, TrimBlocks
from hlq.array.rules.concat_pushdown import index_of, same_dims
from hlq.rules import Capture, Is, Where, rule

_TAGS = ("slice-pushdown",)


def _plain_index(index):
    return all(e is not None for e in index)


@rule(
    Is(BasicIndex, index=Where(_plain_index, "no new axes"),
       child=Capture("tr", Is(TrimBlocks, child=Is(MapBlocks, block_id=False)))),
    phase="pushdown", tags=_TAGS,
)
def slice_through_map_overlap(node, tr):
    """trim(f(overlap(x)))[i] -> trim(f(overlap(x[blocks of i + halo])))[residual]"""
    mb = tr.child
    ndim = tr.ndim
    halos = [a for a in mb.args if not _is_scalar(a)]
    if not halos or not all(isinstance(h, Halo) and h.ndim == ndim and h.dims == mb.dims for h in halos):
        return None
    if any(tuple(m) != tuple(range(ndim)) for m in mb.maps):
        return None
    ranges = []
    for ax, e in enumerate(node.index):
        if isinstance(e, tuple):
            r = range(*e)
            if not len(r):
                return None
            lo_pos, hi_pos = min(r[0], r[-1]), max(r[0], r[-1]) + 1
        else:
            lo_pos, hi_pos = e, e + 1
        d = tr.dims[ax]
        ranges.append((d.locate(lo_pos), d.locate(hi_pos - 1) + 1))
    if all(k0 == 0 and k1 == d.nblocks for (k0, k1), d in zip(ranges, tr.dims)):
        return None
    new_args = []
    for a in mb.args:
        new_args.append(_restrict_halo(a, ranges) if isinstance(a, Halo) else a)
    new_halo = next(a for a in new_args if isinstance(a, Halo))
    new_mb = MapBlocks(mb.func, tuple(new_args), mb.maps, new_halo.dims, mb.dtype_, mb.kwargs, False)
    spec = []
    for (lo, hi, first, last), (k0, k1), d in zip(tr.spec, ranges, tr.dims):
        spec.append((lo, hi, first or k0 > 0, last or k1 < d.nblocks))
    new_tr = TrimBlocks(new_mb, tuple(spec))
    res = []
    for ax, e in enumerate(node.index):
        off = tr.dims[ax].start(ranges[ax][0])
        if isinstance(e, tuple):
            r = range(*e)
            step = r.step
            res.append((r[0] - off, r[-1] - off + (1 if step > 0 else -1), step))
        else:
            res.append(e - off)
    return same_dims(index_of(new_tr, res), node)


def _is_scalar(a):
    return not isinstance(a, ArrayNode)


def _restrict_halo(h, ranges):
    entries, spec = [], []
    for (lo, hi, first, _), (k0, k1), cd in zip(h.spec, ranges, h.child.dims):
        c0, c1 = k0 + int(first), k1 + int(first)
        a = c0 - 1 if (lo and c0 > 0) else c0
        b = c1 + 1 if (hi and c1 < cd.nblocks) else c1
        start = cd.start(a) + (cd.size(a) - lo if a < c0 else 0)  # only the lent strips of the neighbours
        stop = cd.start(b - 1) + (hi if b > c1 else cd.size(b - 1))
        entries.append((start, stop, 1))
        spec.append((lo, hi, a < c0, b > c1))
    return Halo(index_of(h.child, entries), tuple(spec))
