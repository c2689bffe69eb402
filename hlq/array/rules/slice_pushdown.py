"""Slice pushdown (tag ``slice-pushdown``): basic indices move toward the sources.

Each rule rewrites ``getitem(op(...))`` into ``op(getitem(...))`` where the
math allows, so sources produce only the region under the slice:

* elementwise operations, transposes, rechunks and reductions pass the
  slice to their inputs (broadcast dimensions keep their single element);
* sources that can produce any sub-region (``ones``, ``from_array``,
  ``random``, ``arange``, any :class:`~hlq.array.nodes.sources.RegionSource`)
  produce only the region under the slice;
* ``concatenate(xs)[i]`` keeps only the inputs the slice touches, each
  sliced (``roll``, ``pad``, ``tile``, ``stack`` and ``block`` are
  concatenations); ``broadcast_to(x)[i]`` slices ``x`` on its non-broadcast
  dimensions; ``take(x, idx)[i]`` slices ``x`` off the take axis and the
  index list on it;
* a cumulative scan is cut after the last selected position along its axis
  (a prefix of the input gives a prefix of the scan);
* an FFT passes the slice on the axes it does not transform;
* ``(a @ b)[i, j]`` becomes ``a[i, :] @ b[:, j]``: every output index maps to
  the operand axes that carry it, contracted axes stay whole;
* ``map_overlap``: the slice plus the halo of the blocks it touches (block
  boundaries are kept, so the function sees exactly the blocks it saw);
* ``reshape``: a slice touching only the leading axes both shapes share.

>>> import hlq.array as da
>>> from hlq.rules import optimize_plan
>>> x = da.ones((1000, 1000), chunks=10)
>>> plan = optimize_plan((x + 1)[:10, :20].node)
>>> plan.op_name, plan.numblocks
('add', (1, 2))
>>> [c.op_name for c in plan.children]
['ones']
>>> c = da.concatenate([da.ones((100, 10), chunks=10), da.zeros((100, 10), chunks=10)])
>>> plan = optimize_plan(c[150:170].node)
>>> plan.op_name, plan.shape
('zeros', (20, 10))
>>> plan = optimize_plan(x.cumsum(axis=1)[:10, :25].node)
>>> plan.op_name, plan.numblocks
('cumsum', (1, 3))
>>> f = da.ones((1000, 64), chunks=(10, 64))
>>> plan = optimize_plan(da.fft.fft(f)[:10].node)
>>> plan.numblocks, [n.shape for n in plan.walk() if n.op_name == "ones"]
((1, 1), [(10, 64)])
>>> import dask
>>> a = da.ones((100, 100), chunks=10)
>>> with dask.config.set({"hlq.rules.exclude": ["contract-split"]}):  # the product unsplit
...     plan = optimize_plan((a @ a.T)[:10, :20].node)
>>> plan.op_name, plan.numblocks, plan.a.shape, plan.b.shape
('contract', (1, 2), (10, 100), (20, 100))
>>> y = da.map_overlap(lambda b: b * 2, x, depth=2, boundary="reflect", dtype=x.dtype)[500:505, :5]
>>> [n.shape for n in optimize_plan(y.node).walk() if n.op_name == "overlap"]
[(14, 14)]
>>> float(y.sum().compute())
50.0
>>> r = da.ones((100, 4, 5), chunks=(10, 4, 5)).reshape((100, 20))
>>> plan = optimize_plan(r[:10].node)
>>> plan.op_name, plan.child.shape
('reshape', (10, 4, 5))
"""

from __future__ import annotations

import numpy as np

from hlq.array.fft import FFTCall
from hlq.array._indexing_basic import is_full
from hlq.array._chunks import Dim
from hlq.array.nodes import ArrayNode, BasicIndex, Elemwise, Full, MapBlocks, Rechunk, Reduction, Transpose
from hlq.array.nodes.concat import BroadcastTo, Concatenate
from hlq.array.nodes.linalg import Contract
from hlq.array.nodes.overlap import Halo, TrimBlocks
from hlq.array.nodes.reshape import Reshape
from hlq.array.nodes.scan import Cumulative
from hlq.array.nodes.sources import RegionSource
from hlq.array.nodes.take import IntList, Take
from hlq.array.rules.helpers import index_of, same_dims
from hlq.rules import Capture, Is, Where, rule

_TAGS = ("slice-pushdown",)


# ------------------------------------------------------------------ elementwise, transpose, sources, rechunk, reductions
@rule(Is(BasicIndex, child=Capture("ew", Is(Elemwise))), phase="pushdown", register=False, tags=_TAGS)
def slice_through_elemwise(node, ew):
    """f(x, y)[i] -> f(x[i'], y[i''])  (broadcast dimensions keep their single element)"""
    index = node.index
    if any(e is None for e in index):
        return None
    out_shape = ew.shape
    new_args = []
    for a in ew.args:
        if not isinstance(a, ArrayNode):
            new_args.append(a)
            continue
        off = ew.ndim - a.ndim
        sub = []
        for j in range(off, ew.ndim):
            e = index[j]
            if a.shape[j - off] == 1 and out_shape[j] != 1:
                sub.append(0 if isinstance(e, int) else (0, 1, 1))
            else:
                sub.append(e)
        new_args.append(BasicIndex(a, tuple(sub)))
    return Elemwise(ew.func, tuple(new_args), ew.dtype_, ew.kwargs)


@rule(Is(BasicIndex, child=Capture("t", Is(Transpose))), phase="pushdown", register=False, tags=_TAGS)
def slice_through_transpose(node, t):
    """x.T[i, j] -> x[j, i].T"""
    index = node.index
    if any(e is None for e in index):
        return None
    axes = t.axes
    inner = [None] * len(axes)
    for j, e in enumerate(index):
        inner[axes[j]] = e
    kept = [a for a in range(len(axes)) if not isinstance(inner[a], int)]
    pos = {a: i for i, a in enumerate(kept)}
    new_axes = tuple(pos[axes[j]] for j in range(len(axes)) if not isinstance(index[j], int))
    sliced = BasicIndex(t.child, tuple(inner))
    if new_axes == tuple(range(len(new_axes))):
        return sliced
    return Transpose(sliced, new_axes)


@rule(Is(BasicIndex, child=Capture("src", Is(Full))), phase="pushdown", register=False, tags=_TAGS)
def slice_into_full(node, src):
    """ones(shape)[i] -> ones(shape of the selection)"""
    if node.ndim == 0 and src.ndim:
        # integers select a numpy scalar (numpy's and dask's result type), not a 0-d array: the
        # integer index stays, over a one-element source
        if all(d.length == 1 for d in src.dims):
            return None
        return BasicIndex(Full((Dim(1, 1, 1),) * src.ndim, src.dtype, src.fill_value), (0,) * src.ndim)
    return Full(node.dims, src.dtype, src.fill_value)


def _bounding(index, shape):
    """Per-dim contiguous bounds of an index and the residual index inside them."""
    bounds = []
    residual = []
    for e in index:
        if e is None:
            residual.append(None)
            continue
        if isinstance(e, int):
            bounds.append((e, e + 1))
            residual.append(0)
            continue
        r = range(*e)
        if len(r) == 0:
            lo = min(max(e[0], 0), shape[len(bounds)])
            bounds.append((lo, lo))
            residual.append((0, 0, 1))
            continue
        lo, hi = min(r[0], r[-1]), max(r[0], r[-1]) + 1
        bounds.append((lo, hi))
        stop = e[1] - lo
        residual.append((e[0] - lo, stop if stop >= 0 else -1, e[2]))
    return bounds, tuple(residual)


def _split_region(node, shape):
    """(bounds, residual) if pushing a region changes anything, else None."""
    bounds, residual = _bounding(node.index, shape)
    if all(b == (0, n) for b, n in zip(bounds, shape)):
        return None
    return bounds, residual


def _finish(region_node, residual):
    if is_full(residual, region_node.shape):
        return region_node
    return BasicIndex(region_node, residual)


@rule(Is(BasicIndex, child=Capture("src", Is(RegionSource))), phase="pushdown", register=False, tags=_TAGS)
def slice_into_source(node, src):
    """source[i] -> the source over the region under i (then the residual index)

    Sources that can produce any sub-region (from_array, random, arange,
    linspace, eye, and any extension subclassing RegionSource) implement
    ``with_region(bounds)``; only the data under the slice is then produced.
    """
    split = _split_region(node, src.shape)
    if split is None:
        return None
    bounds, residual = split
    return _finish(src.with_region(bounds), residual)


@rule(Is(BasicIndex, child=Capture("rc", Is(Rechunk))), phase="pushdown", register=False, tags=_TAGS)
def slice_through_rechunk(node, rc):
    """x.rechunk(c)[i] -> x[i].rechunk(c restricted to i)"""
    inner = BasicIndex(rc.child, node.index)
    if inner.dims == node.dims:
        return inner
    return Rechunk(inner, node.dims)


@rule(Is(BasicIndex, child=Capture("red", Is(Reduction))), phase="pushdown", register=False, tags=_TAGS)
def slice_through_reduction(node, red):
    """x.sum(axis=0)[i] -> x[:, i].sum(axis=0)"""
    index = node.index
    if any(e is None for e in index):
        return None
    c = red.child
    if not all(d.known for d in c.dims):  # unknown (nan) chunks cannot be sliced
        return None
    child_index = []
    it = iter(index)
    new_axis = []
    pos = 0
    for i in range(c.ndim):
        if i in red.axis:
            if red.keepdims:
                e = next(it)
                if e != (0, 1, 1):
                    return None
            child_index.append((0, c.shape[i], 1))
            new_axis.append(pos)
            pos += 1
        else:
            e = next(it)
            child_index.append(e)
            if not isinstance(e, int):
                pos += 1
    sliced = BasicIndex(c, tuple(child_index))
    return Reduction(sliced, red.kind, tuple(new_axis), red.keepdims, red.dtype_, red.split_every, red.ddof)


# ------------------------------------------------------------------ concatenation, broadcasting, index lists
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


@rule(Is(BasicIndex, child=Capture("cat", Is(Concatenate))), phase="pushdown", register=False, tags=_TAGS)
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


@rule(Is(BasicIndex, child=Capture("bt", Is(BroadcastTo))), phase="pushdown", register=False, tags=_TAGS)
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


@rule(Is(BasicIndex, child=Capture("tk", Is(Take))), phase="pushdown", register=False, tags=_TAGS)
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


# ------------------------------------------------------------------ cumulative scans
#: the reduction giving one element of a cumulative scan
_SCAN_TOTAL = {"cumsum": "sum", "cumprod": "prod", "nancumsum": "nansum", "nancumprod": "nanprod"}


@rule(Is(BasicIndex, child=Capture("cu", Is(Cumulative))), phase="pushdown", register=False, tags=("slice-pushdown",))
def slice_through_cumulative(node, cu):
    """x.cumsum(axis)[i] -> x[i off axis, :stop].cumsum(axis)[residual]; x.cumsum(axis)[k] -> x[:k+1].sum(axis)"""
    index = node.index
    if any(e is None for e in index):
        return None
    x = cu.child
    ax = cu.axis
    n = x.shape[ax]
    e = index[ax]
    if isinstance(e, int):
        hi = e + 1
    else:
        r = range(*e)
        hi = (max(r[0], r[-1]) + 1) if len(r) else 0
    pushed = [f if j != ax else (0, hi, 1) for j, f in enumerate(index)]
    new_ax = ax - sum(1 for f in index[:ax] if isinstance(f, int))
    total = _SCAN_TOTAL.get(cu.kind)
    if isinstance(e, int) and total is not None:
        # one position along the scan axis is the total of the elements up to it: a
        # reduction (a tree of tasks sized by work) instead of a scan of every block
        return same_dims(Reduction(index_of(x, pushed), total, (new_ax,), False, cu.dtype_, None, 0), node)
    if hi == n and all(f == (0, m, 1) for j, (f, m) in enumerate(zip(index, x.shape)) if j != ax):
        return None
    inner = Cumulative(index_of(x, pushed), cu.kind, new_ax, cu.dtype_)
    res = [(0, m, 1) for m in inner.shape]
    res[new_ax] = e
    return same_dims(index_of(inner, res), node)


# ------------------------------------------------------------------ contractions (matmul, dot, tensordot)
@rule(Is(BasicIndex, child=Capture("ct", Is(Contract))), phase="pushdown", register=False, tags=_TAGS)
def slice_through_contract(node, ct):
    """(a @ b)[i, j] -> a[i, :] @ b[:, j]"""
    index = node.index
    if any(e is None for e in index):
        return None
    entry = {}
    residual = []
    for lab, e in zip(ct.out_ind, index):
        if isinstance(e, int):
            entry[lab] = (e, e + 1, 1)
            residual.append(0)
        else:
            entry[lab] = e
            residual.append((0, None, 1))

    def sub(x, ind):
        return index_of(x, [entry.get(lab, (0, n, 1)) for lab, n in zip(ind, x.shape)])

    a2, b2 = sub(ct.a, ct.a_ind), sub(ct.b, ct.b_ind)
    if a2 is ct.a and b2 is ct.b:
        return None
    new = Contract(a2, b2, ct.a_ind, ct.b_ind, ct.out_ind, ct.func, ct.dtype_)
    if any(r == 0 for r in residual):
        new = BasicIndex(new, tuple(0 if r == 0 else (0, n, 1) for r, n in zip(residual, new.shape)))
    return same_dims(new, node)


# ------------------------------------------------------------------ FFTs
@rule(
    Is(BasicIndex, index=Where(lambda ix: all(e is not None for e in ix), "no new axes"),
       child=Capture("f", Is(MapBlocks, func=Where(lambda fn: isinstance(fn, FFTCall), "an FFT")))),
    phase="pushdown", register=False, tags=("slice-pushdown",),
)
def slice_through_fft(node, f):
    """fft(x, axes)[i] -> fft(x[i off axes], axes)[i on axes]"""
    x = f.args[0]
    axes = set(f.func.axes)
    pushed, res = [], []
    changed = False
    for ax, e in enumerate(node.index):
        if ax in axes:
            pushed.append((0, x.shape[ax], 1))
            res.append(e)
        elif isinstance(e, tuple):
            pushed.append(e)
            res.append((0, len(range(*e)), 1))
            changed |= e != (0, x.shape[ax], 1)
        else:
            pushed.append((e, e + 1, 1))
            res.append(0)
            changed = True
    if not changed:
        return None
    child = index_of(x, pushed)
    dims = tuple(f.dims[ax] if ax in axes else child.dims[ax] for ax in range(f.ndim))
    new = MapBlocks(f.func, (child,), f.maps, dims, f.dtype_, f.kwargs, False)
    return same_dims(index_of(new, res), node)


# ------------------------------------------------------------------ map_overlap
def _plain_index(index):
    return all(e is not None for e in index)


@rule(
    Is(BasicIndex, index=Where(_plain_index, "no new axes"),
       child=Capture("tr", Is(TrimBlocks, child=Is(MapBlocks, block_id=False)))),
    phase="pushdown", register=False, tags=_TAGS,
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


# ------------------------------------------------------------------ reshape
@rule(Is(BasicIndex, child=Capture("rs", Is(Reshape))), phase="pushdown", register=False, tags=("slice-pushdown",))
def slice_through_reshape(node, rs):
    """x.reshape(s)[i] -> x[i].reshape(s') when i only touches leading axes both shapes share"""
    index = node.index
    if any(e is None for e in index):
        return None
    x = rs.child
    shape = rs.shape_
    p = 0
    while p < min(x.ndim, len(shape)) and x.shape[p] == shape[p] and x.dims[p] == rs.dims[p]:
        p += 1
    touched = [j for j, (e, n) in enumerate(zip(index, shape)) if e != (0, n, 1)]
    if not touched or max(touched) >= p:
        return None
    lead = index[:p]
    inner = index_of(x, list(lead) + [(0, n, 1) for n in x.shape[p:]])
    new_shape = tuple(len(range(*e)) for e in lead if not isinstance(e, int)) + tuple(shape[p:])
    if inner.shape == new_shape:
        return same_dims(inner, node)
    return same_dims(Reshape(inner, new_shape), node)

