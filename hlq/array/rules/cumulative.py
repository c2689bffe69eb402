"""Cumulative scans: lowering to a blocked scan, and slice pushdown.

A slice off the scan axis is applied to the input; along the scan axis the
input is cut after the last selected position (a prefix of the input gives a
prefix of the scan).

>>> import hlq.array as da
>>> from hlq.rules import optimize_plan
>>> x = da.ones((100, 100), chunks=10).cumsum(axis=1)
>>> plan = optimize_plan(x[:10, :25].node)
>>> plan.op_name, plan.numblocks
('cumsum', (1, 3))
"""

from __future__ import annotations

from hlq.array.nodes import BasicIndex
from hlq.array.nodes.scan import BlockLast, Cumulative, ScanBlocks, ScanCombine
from hlq.array.rules.concat_pushdown import index_of, same_dims
from hlq.rules import Capture, Is, rule


@rule(Is(Cumulative), phase="lower", excludable=False, tags=("lowering",))
def lower_cumulative(node):
    """cumsum(x) -> combine(scan-blocks(x), last(scan-blocks(x)))"""
    scan = ScanBlocks(node.child, node.kind, node.axis, node.dtype_)
    if node.child.numblocks[node.axis] == 1:
        return scan
    return ScanCombine(scan, BlockLast(scan, node.kind, node.axis), node.kind, node.axis)


@rule(Is(BasicIndex, child=Capture("cu", Is(Cumulative))), phase="pushdown", tags=("slice-pushdown",))
def slice_through_cumulative(node, cu):
    """x.cumsum(axis)[i] -> x[i off axis, :stop].cumsum(axis)[residual]"""
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
    if hi == n and all(f == (0, m, 1) for j, (f, m) in enumerate(zip(index, x.shape)) if j != ax):
        return None
    pushed = [f if j != ax else (0, hi, 1) for j, f in enumerate(index)]
    new_ax = ax - sum(1 for f in index[:ax] if isinstance(f, int))
    inner = Cumulative(index_of(x, pushed), cu.kind, new_ax, cu.dtype_)
    res = [(0, m, 1) for m in inner.shape]
    res[new_ax] = e
    return same_dims(index_of(inner, res), node)
