"""Slice pushdown through concatenation, broadcasting and index lists.

* ``concatenate(xs)[i]`` keeps only the inputs the slice touches, each sliced;
* ``broadcast_to(x)[i]`` slices ``x`` on its non-broadcast dimensions;
* ``take(x, idx)[i]`` slices ``x`` off the take axis and the index list on it.

``roll``, ``pad``, ``tile``, ``stack`` and ``block`` are concatenations, so
slices reach their inputs too.

>>> import hlq.array as da
>>> from hlq.rules import optimize_plan
>>> x = da.concatenate([da.ones((100, 10), chunks=10), da.zeros((100, 10), chunks=10)])
>>> plan = optimize_plan(x[150:170].node)
>>> plan.op_name, plan.shape
('zeros', (20, 10))
"""

from __future__ import annotations

import numpy as np

from hlq.array._indexing_basic import is_full
from hlq.array.nodes import BasicIndex, Rechunk
from hlq.array.nodes.concat import BroadcastTo, Concatenate
from hlq.array.nodes.take import IntList, Take
from hlq.rules import Capture, Is, rule

_TAGS = ("slice-pushdown",)


def same_dims(new, node):
    """``new`` with ``node``'s chunks (a rewrite must not change them)."""
    if new.dims == node.dims:
        return new
    return Rechunk(new, node.dims)


def index_of(child, entries):
    """``child[entries]``, or ``child`` itself when the index is full."""
    entries = tuple(entries)
    if is_full(entries, child.shape):
        return child
    return BasicIndex(child, entries)


def _sub_range(r: range, s: int, n: int) -> range:
    """The part of ``r`` (positions) that falls into ``[s, s + n)``, in ``r``'s order."""
    step = r.step
    if len(r) == 0:
        return r[0:0]
    if step > 0:
        t0 = max(0, -(-(s - r.start) // step))
        t1 = min(len(r), -(-(s + n - r.start) // step))
    else:
        t0 = max(0, (r.start - (s + n)) // (-step) + 1)
        t1 = min(len(r), (r.start - s) // (-step) + 1)
    return r[t0:t1] if t1 > t0 else r[0:0]


def _local_entry(sub: range, s: int) -> tuple:
    first, last = sub[0] - s, sub[-1] - s
    return (first, last + (1 if sub.step > 0 else -1), sub.step)


@rule(Is(BasicIndex, child=Capture("cat", Is(Concatenate))), phase="pushdown", tags=_TAGS)
def slice_through_concatenate(node, cat):
    """concatenate([x, y])[i] -> concatenate of the sliced inputs the index touches"""
    index = node.index
    if any(e is None for e in index):
        return None
    ax = cat.axis
    e = index[ax]
    starts = [0]
    for a in cat.arrays:
        starts.append(starts[-1] + a.shape[ax])
    if isinstance(e, int):
        for a, s in zip(cat.arrays, starts):
            if s <= e < s + a.shape[ax]:
                return same_dims(index_of(a, index[:ax] + (e - s,) + index[ax + 1:]), node)
        return None
    r = range(*e)
    order = list(zip(cat.arrays, starts))
    if r.step < 0:
        order.reverse()
    pieces = []
    for a, s in order:
        sub = _sub_range(r, s, a.shape[ax])
        if len(sub):
            pieces.append(index_of(a, index[:ax] + (_local_entry(sub, s),) + index[ax + 1:]))
    if not pieces:
        a = cat.arrays[0]
        return same_dims(index_of(a, index[:ax] + ((0, 0, 1),) + index[ax + 1:]), node)
    new_ax = ax - sum(1 for x in index[:ax] if isinstance(x, int))
    if len(pieces) == 1:
        return same_dims(pieces[0], node)
    if len(pieces) == len(cat.arrays) and all(p is a for p, (a, _) in zip(pieces, order)):
        return None
    return same_dims(Concatenate(tuple(pieces), new_ax), node)


@rule(Is(BasicIndex, child=Capture("bt", Is(BroadcastTo))), phase="pushdown", tags=_TAGS)
def slice_through_broadcast_to(node, bt):
    """broadcast_to(x, shape)[i] -> broadcast_to(x[i'], shape of the selection)"""
    index = node.index
    if any(e is None for e in index):
        return None
    c = bt.child
    off = bt.ndim - c.ndim
    sub = []
    for j in range(c.ndim):
        e = index[j + off]
        if c.shape[j] == 1 and bt.shape[j + off] != 1:
            sub.append(0 if isinstance(e, int) else (0, 1, 1))
        else:
            sub.append(e)
    inner = index_of(c, sub)
    if inner.ndim > node.ndim:
        return None
    if inner is c and c.ndim == node.ndim and c.dims == node.dims:
        return c
    if inner.dims == node.dims:
        return inner
    out_off = node.ndim - inner.ndim
    for j, d in enumerate(inner.dims):
        o = node.dims[j + out_off]
        if d.length == o.length and d != o:
            inner = Rechunk(inner, tuple(node.dims[k + out_off] if inner.dims[k].length == node.dims[k + out_off].length
                                         else inner.dims[k] for k in range(inner.ndim)))
            break
    return BroadcastTo(inner, node.dims)


@rule(Is(BasicIndex, child=Capture("tk", Is(Take))), phase="pushdown", tags=_TAGS)
def slice_through_take(node, tk):
    """take(x, idx, axis)[i] -> take(x[i off axis], idx[i on axis])"""
    index = node.index
    if any(e is None for e in index):
        return None
    ax = tk.axis
    e = index[ax]
    values = tk.indices.values
    if isinstance(e, int):
        return same_dims(index_of(tk.child, index[:ax] + (int(values[e]),) + index[ax + 1:]), node)
    inner = index_of(tk.child, index[:ax] + ((0, tk.child.shape[ax], 1),) + index[ax + 1:])
    new_ax = ax - sum(1 for x in index[:ax] if isinstance(x, int))
    out_pos = sum(1 for x in index[:ax] if not isinstance(x, int))
    new_vals = values[np.arange(*e, dtype=np.int64)]
    return same_dims(Take(inner, new_ax, IntList(new_vals), node.dims[out_pos]), node)
