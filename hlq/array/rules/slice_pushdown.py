"""Slice pushdown: move basic indices toward the sources.

Each rule rewrites ``getitem(op(...))`` into ``op(getitem(...))`` where the
math allows, so sources produce only the region under the slice.

>>> import hlq.array as da
>>> from hlq.rules import optimize_plan
>>> x = da.ones((1000, 1000), chunks=10)
>>> plan = optimize_plan((x + 1)[:10, :20].node)
>>> plan.op_name, plan.numblocks
('add', (1, 2))
>>> [c.op_name for c in plan.children]
['ones']
"""

from __future__ import annotations

from hlq.array._indexing_basic import compose_index, is_full
from hlq.array.nodes import ArrayNode, BasicIndex, Elemwise, Full, Rechunk, Reduction, Transpose
from hlq.array.nodes.sources import RegionSource
from hlq.rules import Capture, Is, rule

_TAGS = ("slice-pushdown",)


@rule(Is(BasicIndex), phase="pushdown", tags=("simplify",))
def drop_full_index(node):
    """x[:, :] -> x"""
    if is_full(node.index, node.child.shape):
        return node.child
    return None


@rule(Is(BasicIndex, child=Capture("inner", Is(BasicIndex))), phase="pushdown", tags=("simplify",))
def merge_nested_index(node, inner):
    """x[a][b] -> x[a∘b]  (a whole chain of basic indexes at once)"""
    idx, c = node.index, inner
    while isinstance(c, BasicIndex):
        merged = compose_index(idx, c.index)
        if merged is None:
            break
        idx, c = merged, c.child
    if c is inner:
        return None
    return BasicIndex(c, idx)


@rule(Is(BasicIndex, child=Capture("ew", Is(Elemwise))), phase="pushdown", tags=_TAGS)
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


@rule(Is(BasicIndex, child=Capture("t", Is(Transpose))), phase="pushdown", tags=_TAGS)
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


@rule(Is(BasicIndex, child=Capture("src", Is(Full))), phase="pushdown", tags=_TAGS)
def slice_into_full(node, src):
    """ones(shape)[i] -> ones(shape of the selection)"""
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


@rule(Is(BasicIndex, child=Capture("src", Is(RegionSource))), phase="pushdown", tags=_TAGS)
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


@rule(Is(BasicIndex, child=Capture("rc", Is(Rechunk))), phase="pushdown", tags=_TAGS)
def slice_through_rechunk(node, rc):
    """x.rechunk(c)[i] -> x[i].rechunk(c restricted to i)"""
    inner = BasicIndex(rc.child, node.index)
    if inner.dims == node.dims:
        return inner
    return Rechunk(inner, node.dims)


@rule(Is(BasicIndex, child=Capture("red", Is(Reduction))), phase="pushdown", tags=_TAGS)
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


@rule(Is(Rechunk, child=Capture("inner", Is(Rechunk))), phase="pushdown", tags=("simplify",))
def merge_rechunks(node, inner):
    """x.rechunk(a).rechunk(b) -> x.rechunk(b)  (a whole chain of rechunks at once)"""
    c = inner.child
    while isinstance(c, Rechunk):
        c = c.child
    if c.dims == node.dims:
        return c
    return Rechunk(c, node.dims)


@rule(Is(Rechunk), phase="pushdown", tags=("simplify",))
def drop_noop_rechunk(node):
    """x.rechunk(x.chunks) -> x"""
    if node.child.dims == node.dims:
        return node.child
    return None


@rule(Is(Transpose, child=Capture("inner", Is(Transpose))), phase="pushdown", tags=("simplify",))
def merge_transposes(node, inner):
    """x.transpose(a).transpose(b) -> x.transpose(a∘b)  (a whole chain of transposes at once)"""
    axes, c = node.axes, inner
    while isinstance(c, Transpose):
        axes, c = tuple(c.axes[a] for a in axes), c.child
    if axes == tuple(range(len(axes))):
        return c
    return Transpose(c, axes)


@rule(Is(Transpose), phase="pushdown", tags=("simplify",))
def drop_identity_transpose(node):
    """x.transpose(0, 1, ...) -> x"""
    if node.axes == tuple(range(len(node.axes))):
        return node.child
    return None
