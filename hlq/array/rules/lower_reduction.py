"""Lower a logical reduction into partial -> combine tree -> aggregate.

>>> import hlq.array as da
>>> from hlq.rules import optimize_plan
>>> x = da.ones((8, 8), chunks=2).sum(axis=0, split_every=2)
>>> plan = optimize_plan(x.node)
>>> plan.op_name, plan.child.op_name
('sum-aggregate', 'sum-combine')
"""

from __future__ import annotations

from hlq.array.nodes.reduction import Aggregate, Combine, Partial, Reduction, default_split_every
from hlq.rules import Is, rule


@rule(Is(Reduction), phase="lower", excludable=False, tags=("lowering",))
def lower_reduction(node):
    """reduction(x) -> aggregate(combine(...(partial(x))))"""
    c = node.child
    axis = node.axis
    split = node.split_every
    if split is None:
        split = default_split_every(c.numblocks, axis)
    elif isinstance(split, int):
        split = {a: split for a in axis}
    elif isinstance(split, tuple):
        split = dict(split)
    split_t = tuple(max(2, int(split.get(i, 2))) if i in axis else 0 for i in range(c.ndim))
    part = Partial(c, node.kind, axis, node.dtype_, node.ddof)
    cur = part
    while any(cur.numblocks[a] > 1 for a in axis):
        final = all(-(-cur.numblocks[a] // split_t[a]) == 1 for a in axis)
        cur = Combine(cur, node.kind, axis, split_t, final, node.keepdims, node.dtype_, node.ddof)
        if final:
            return cur
    return Aggregate(cur, node.kind, axis, node.keepdims, node.dtype_, node.ddof)
