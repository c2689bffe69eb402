"""Slice pushdown through blocked contractions (``matmul``, ``dot``, ``tensordot``).

``(a @ b)[i, j]`` becomes ``a[i, :] @ b[:, j]``: every output index maps to
the operand axes that carry it; contracted axes stay whole.  So
``(a @ a.T)[:2000, :2000]`` reads one block row of ``a`` only.

>>> import hlq.array as da
>>> from hlq.rules import optimize_plan
>>> a = da.ones((100, 100), chunks=10)
>>> plan = optimize_plan((a @ a.T)[:10, :20].node)
>>> plan.op_name, plan.numblocks, plan.a.shape, plan.b.shape
('contract', (1, 2), (10, 100), (100, 20))
"""

from __future__ import annotations

from hlq.array.nodes import BasicIndex
from hlq.array.nodes.linalg import Contract
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
