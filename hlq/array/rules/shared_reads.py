"""Shared reads of one stored array: overlapping regions read once.

After slice pushdown, ``(x - x.mean(0))[36:48, 12:15]`` reads ``x`` twice:
the region ``[36:48, 12:15]`` for the difference and ``[:, 12:15]`` for the
mean, so the stored chunks under ``[36:48, 12:15]`` are fetched twice.  For
sources whose reads cost something (zarr, HDF5, any non-numpy array-like),
regions of one source that share a stored block (in every dimension) are
replaced by their bounding region, read once, and each consumer takes a
slice of it.  The bounding region has the chunks of the original array's
grid (``FromArray.grid``), so every consumer sees the chunks it had; culling
at lowering keeps only the blocks somebody needs, also in gaps between the
regions.

Reads of in-memory numpy arrays are views that cost nothing: they are left
alone (sharing them would only add tasks).

>>> import numpy as np, zarr
>>> import hlq.array as da
>>> from hlq.lower.collection import optimize_node
>>> z = zarr.create_array(store={}, shape=(40,), chunks=(10,), dtype="f8"); z[:] = np.arange(40.0)
>>> x = da.from_array(z, chunks=10)
>>> plan = optimize_node((x[2:8] + x[5:11]).node)
>>> sorted({n.label() for n in plan.walk() if n.op_name == "array"})   # one read of [2:11]
['from-array(offset=(2,))']
>>> (x[2:8] + x[5:11]).compute().tolist()
[7.0, 9.0, 11.0, 13.0, 15.0, 17.0]

See :mod:`hlq.rules.shared_reads` for the pass itself.
"""

from __future__ import annotations

import numpy as np

from hlq.array.nodes.blockwise import BasicIndex
from hlq.array.nodes.sources import FromArray, Random
from hlq.expr.opaque import OpaqueData
from hlq.rules.shared_reads import register_read_merger


def _key(node: FromArray):
    value = node.data.value
    if isinstance(value, (np.ndarray, OpaqueData)) or np.isscalar(value):
        return None
    grid = node.full_grid()
    if grid is None or any(d.length == 0 for d in node.dims):
        return None
    return (node.data, node.asarray, grid, node.reader)


def _block_ranges(node: FromArray, grid) -> tuple:
    """Per dimension, the first and last block of the original grid under the node's region."""
    return tuple((g.locate(o), g.locate(o + d.length - 1)) for g, o, d in zip(grid, node.offset, node.dims))


def _share_a_block(a: tuple, b: tuple) -> bool:
    return all(x0 <= y1 and y0 <= x1 for (x0, x1), (y0, y1) in zip(a, b))


def _clusters(nodes: list, grid) -> list[list]:
    """Nodes grouped so that each group's regions chain-share stored blocks (union-find)."""
    parent = list(range(len(nodes)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    ranges = [_block_ranges(n, grid) for n in nodes]
    for i in range(len(nodes)):
        for j in range(i + 1, len(nodes)):
            if _share_a_block(ranges[i], ranges[j]):
                parent[find(i)] = find(j)
    out: dict[int, list] = {}
    for i, n in enumerate(nodes):
        out.setdefault(find(i), []).append(n)
    return [g for g in out.values() if len(g) > 1]


def _merge(nodes: list) -> dict:
    grid = nodes[0].full_grid()  # equal for all: part of the key
    out = {}
    for group in _clusters(nodes, grid):
        lo = tuple(min(n.offset[ax] for n in group) for ax in range(len(grid)))
        hi = tuple(max(n.offset[ax] + n.dims[ax].length for n in group) for ax in range(len(grid)))
        dims = tuple(g.subrange(a, b) for g, a, b in zip(grid, lo, hi))
        wide = FromArray(group[0].data, dims, lo, group[0].asarray, grid, group[0].reader)
        for n in group:
            if n is wide:
                continue
            index = tuple((a - w, a - w + d.length, 1) for a, w, d in zip(n.offset, lo, n.dims))
            view = BasicIndex(wide, index)
            if view.dims == n.dims:  # same chunks as before: a safe replacement
                out[n] = view
    return out


register_read_merger(FromArray, key=_key, merge=_merge)


# --------------------------------------------------------------------------
# computed sources: regions of one random array are drawn once
#
# Slice pushdown gives each consumer of ``x = random(...)`` its own region of
# ``x`` (``(x + x.T - x.mean(0))[::2, 50:]`` needs three); each region draws
# the original blocks under it, so overlapping regions would draw the same
# blocks several times.  Regions of one random array that share an original
# block become one region over their bounding box, drawn once per block (a
# random source is not duplicated into its consumers' tasks, see
# ``Random.repeat_is_costly``), and each consumer takes a slice of it; culling
# keeps only the blocks somebody needs.


def _random_key(node: Random):
    if any(d.length == 0 for d in node.dims):
        return None
    key = (node.method, node.params, node.grid, node.dtype_, node.entropy, node.legacy, node.kwargs, node.core)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _random_block_ranges(node: Random, grid) -> tuple:
    return tuple((g.locate(a), g.locate(b - 1)) for g, (a, b) in zip(grid, node.bounds))


def _merge_random(nodes: list) -> dict:
    grid = nodes[0].grid
    parent = list(range(len(nodes)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    ranges = [_random_block_ranges(n, grid) for n in nodes]
    for i in range(len(nodes)):
        for j in range(i + 1, len(nodes)):
            if _share_a_block(ranges[i], ranges[j]):
                parent[find(i)] = find(j)
    clusters: dict[int, list] = {}
    for i, n in enumerate(nodes):
        clusters.setdefault(find(i), []).append(n)
    out = {}
    for group in clusters.values():
        if len(group) < 2:
            continue
        lo = tuple(min(n.bounds[ax][0] for n in group) for ax in range(len(grid)))
        hi = tuple(max(n.bounds[ax][1] for n in group) for ax in range(len(grid)))
        full = all(a == 0 and b == g.length for a, b, g in zip(lo, hi, grid))
        g0 = group[0]
        wide = Random(g0.method, g0.params, g0.grid, g0.dtype_, g0.entropy, None if full else tuple(zip(lo, hi)),
                      g0.legacy, g0.kwargs, g0.core)
        for n in group:
            if n is wide:
                continue
            index = tuple((a - w, b - w, 1) for (a, b), w in zip(n.bounds, lo))
            view = BasicIndex(wide, index)
            if view.dims == n.dims:  # same chunks as before: a safe replacement
                out[n] = view
    return out


register_read_merger(Random, key=_random_key, merge=_merge_random)
