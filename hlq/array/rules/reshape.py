"""Reshape: lowering to rechunk + per-block reshape, and slice pushdown over leading axes.

A slice that only touches the leading axes both shapes share (``x`` of shape
``(t, y, z)`` reshaped to ``(t, y * z)``) is applied to ``x`` first.

>>> import hlq.array as da
>>> from hlq.rules import optimize_plan
>>> x = da.ones((100, 4, 5), chunks=(10, 4, 5)).reshape((100, 20))
>>> plan = optimize_plan(x[:10].node)
>>> plan.op_name, plan.child.shape
('reshape', (10, 4, 5))
"""

from __future__ import annotations

from hlq.array.nodes import BasicIndex, Rechunk
from hlq.array.nodes.reshape import Reshape, ReshapeBlocks
from hlq.array.rules.concat_pushdown import index_of, same_dims
from hlq.rules import Capture, Is, rule


@rule(Is(Reshape), phase="lower", excludable=False, tags=("lowering",))
def lower_reshape(node):
    """reshape(x) -> reshape-blocks(rechunk(x))"""
    c = node.child
    inner = c if c.dims == node.in_dims else Rechunk(c, node.in_dims)
    return ReshapeBlocks(inner, node.dims)


@rule(Is(BasicIndex, child=Capture("rs", Is(Reshape))), phase="pushdown", tags=("slice-pushdown",))
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
