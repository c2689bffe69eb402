"""Canonical forms (tag ``simplify``): no-op and nested slices, rechunks and transposes disappear.

These run in the ``pushdown`` phase, interleaved with slice pushdown (which
creates nested indices and transposes for them to merge).  A transposed
operand of a contraction is read untransposed: its blocks are transposed
inside the product task.

>>> import hlq.array as da
>>> from hlq.rules import optimize_plan
>>> x = da.ones((100, 100), chunks=10)
>>> optimize_plan(x.T.T.node) is x.node
True
>>> optimize_plan(x.rechunk(20).rechunk(10).node) is x.node
True
>>> optimize_plan((x @ x.T).node).b.op_name
'ones'
"""

from __future__ import annotations

from hlq.array._indexing_basic import compose_index, is_full
import numpy as np

from hlq.array.nodes import BasicIndex, Concatenate, Elemwise, Rechunk, Reduction, Transpose
from hlq.array.nodes.linalg import Contract, PermutedFn
from hlq.rules import Capture, Is, rule


@rule(Is(BasicIndex), phase="pushdown", register=False, tags=("simplify",))
def drop_full_index(node):
    """x[:, :] -> x"""
    if is_full(node.index, node.child.shape):
        return node.child
    return None


@rule(Is(BasicIndex, child=Capture("inner", Is(BasicIndex))), phase="pushdown", register=False, tags=("simplify",))
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


@rule(Is(Rechunk, child=Capture("inner", Is(Rechunk))), phase="pushdown", register=False, tags=("simplify",))
def merge_rechunks(node, inner):
    """x.rechunk(a).rechunk(b) -> x.rechunk(b)  (a whole chain of rechunks at once)"""
    c = inner.child
    while isinstance(c, Rechunk):
        c = c.child
    if c.dims == node.dims:
        return c
    return Rechunk(c, node.dims)


@rule(Is(Rechunk), phase="pushdown", register=False, tags=("simplify",))
def drop_noop_rechunk(node):
    """x.rechunk(x.chunks) -> x"""
    if node.child.dims == node.dims:
        return node.child
    return None


@rule(Is(Transpose, child=Capture("inner", Is(Transpose))), phase="pushdown", register=False, tags=("simplify",))
def merge_transposes(node, inner):
    """x.transpose(a).transpose(b) -> x.transpose(a∘b)  (a whole chain of transposes at once)"""
    axes, c = node.axes, inner
    while isinstance(c, Transpose):
        axes, c = tuple(c.axes[a] for a in axes), c.child
    if axes == tuple(range(len(axes))):
        return c
    return Transpose(c, axes)


@rule(Is(Transpose), phase="pushdown", register=False, tags=("simplify",))
def drop_identity_transpose(node):
    """x.transpose(0, 1, ...) -> x"""
    if node.axes == tuple(range(len(node.axes))):
        return node.child
    return None



def _compose(prev, axes):
    """The permutation of a child block equal to ``transpose(axes)`` then ``transpose(prev)``."""
    return tuple(axes) if prev is None else tuple(axes[p] for p in prev)


@rule(Is(Contract, a=Is(Transpose)), phase="pushdown", register=False, tags=("simplify",))
def absorb_transpose_a(node):
    """contract(x.T, b) -> contract(x, b) transposing x's blocks inside the product task"""
    return _absorb(node, "a")


@rule(Is(Contract, b=Is(Transpose)), phase="pushdown", register=False, tags=("simplify",))
def absorb_transpose_b(node):
    """contract(a, x.T) -> contract(a, x) transposing x's blocks inside the product task (A6: a @ a.T)"""
    return _absorb(node, "b")


def _absorb(node, which):
    t = node.a if which == "a" else node.b
    ind = node.a_ind if which == "a" else node.b_ind
    new_ind = [None] * len(ind)
    for j, lab in enumerate(ind):
        new_ind[t.axes[j]] = lab
    func = node.func
    a_axes = b_axes = None
    if isinstance(func, PermutedFn):
        func, a_axes, b_axes = func.func, func.a_axes, func.b_axes
    # block of the child -> block of the transposed operand: np.transpose(block, t.axes)
    if which == "a":
        a_axes = _compose(a_axes, t.axes)
        return Contract(t.child, node.b, tuple(new_ind), node.b_ind, node.out_ind,
                        PermutedFn(func, a_axes, b_axes), node.dtype_)
    b_axes = _compose(b_axes, t.axes)
    return Contract(node.a, t.child, node.a_ind, tuple(new_ind), node.out_ind,
                    PermutedFn(func, a_axes, b_axes), node.dtype_)



@rule(Is(Reduction, child=Capture("rc", Is(Rechunk))), phase="pushdown", register=False, tags=("simplify",))
def reduce_below_merging_rechunk(node, rc):
    """x.rechunk(bigger blocks along the reduced axes).sum(axes) -> x.sum(axes)

    The reduction does not depend on how the reduced axes are chunked; merging
    blocks first would only copy them.  The other axes keep their chunks, so the
    result has the same chunks.
    """
    c = rc.child
    if node.split_every is not None:
        return None
    for i in range(c.ndim):
        if i in node.axis:
            if c.dims[i].nblocks < rc.dims[i].nblocks:  # a split: the rechunk adds parallelism
                return None
        elif c.dims[i] != rc.dims[i]:
            return None
    if not all(d.known for d in c.dims):
        return None
    return Reduction(c, node.kind, node.axis, node.keepdims, node.dtype_, None, node.ddof)


#: reductions whose result over a concatenation combines the inputs' results elementwise
_CONCAT_COMBINE = {"sum": np.add, "nansum": np.add, "prod": np.multiply, "nanprod": np.multiply,
                   "min": np.minimum, "max": np.maximum, "any": np.logical_or, "all": np.logical_and}

#: at most this many inputs: each gets its own reduction tree
_CONCAT_MAX_INPUTS = 8


@rule(Is(Reduction, child=Capture("cat", Is(Concatenate))), phase="pushdown", register=False, tags=("simplify",))
def reduce_below_concatenate(node, cat):
    """concatenate([a, b], axis).sum(axes including axis) -> a.sum(axes) + b.sum(axes)

    The blocks of a concatenation are its inputs' blocks, each read through a task
    of its own; reducing each input instead reads them directly (and each input's
    reduction is sized by its own work).  For the kinds whose results combine
    elementwise (sum, prod, min, max, any, all and the nan-sums/products), inputs
    of the concatenation's dtype, none empty, at most 8 of them.
    """
    combine = _CONCAT_COMBINE.get(node.kind)
    arrays = cat.arrays
    if combine is None or cat.axis not in node.axis or node.split_every is not None:
        return None
    if not 2 <= len(arrays) <= _CONCAT_MAX_INPUTS:
        return None
    if any(a.dtype != cat.dtype or a.shape[cat.axis] == 0 for a in arrays):
        return None
    parts = [Reduction(a, node.kind, node.axis, node.keepdims, node.dtype_, None, node.ddof) for a in arrays]
    acc = parts[0]
    for p in parts[1:]:
        acc = Elemwise(combine, (acc, p), node.dtype_)
    return acc
