"""Slice pushdown through blocked contractions (``matmul``, ``dot``, ``tensordot``).

``(a @ b)[i, j]`` becomes ``a[i, :] @ b[:, j]``: every output index maps to
the operand axes that carry it; contracted axes stay whole.  So
``(a @ a.T)[:2000, :2000]`` reads one block row of ``a`` only.  A transposed
operand is read untransposed: its blocks are transposed inside the product
task (no transpose tasks).

>>> import hlq.array as da
>>> from hlq.rules import optimize_plan
>>> a = da.ones((100, 100), chunks=10)
>>> plan = optimize_plan((a @ a.T)[:10, :20].node)
>>> plan.op_name, plan.numblocks, plan.a.shape, plan.b.shape
('contract', (1, 2), (10, 100), (20, 100))
"""

from __future__ import annotations

from hlq.array.nodes import BasicIndex, Transpose
from hlq.array.nodes.linalg import Contract, PermutedFn
from hlq.array.rules.concat_pushdown import index_of, same_dims
from hlq.rules import Capture, Is, rule

_TAGS = ("slice-pushdown",)


@rule(Is(BasicIndex, child=Capture("ct", Is(Contract))), phase="pushdown", tags=_TAGS)
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


def _compose(prev, axes):
    """The permutation of a child block equal to ``transpose(axes)`` then ``transpose(prev)``."""
    return tuple(axes) if prev is None else tuple(axes[p] for p in prev)


@rule(Is(Contract, a=Is(Transpose)), phase="pushdown", tags=("simplify",))
def absorb_transpose_a(node):
    """contract(x.T, b) -> contract(x, b) transposing x's blocks inside the product task"""
    return _absorb(node, "a")


@rule(Is(Contract, b=Is(Transpose)), phase="pushdown", tags=("simplify",))
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
