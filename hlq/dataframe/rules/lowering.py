"""Lower reductions and groupby aggregations into partial -> combine tree -> aggregate.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> from hlq.rules import optimize_plan
>>> s = dd.from_pandas(pd.Series(range(100)), npartitions=20).sum(split_every=4)
>>> plan = optimize_plan(s.node)
>>> plan.op_name, plan.child.op_name, plan.child.npartitions
('reduce-combine', 'reduce-combine', 2)
>>> s.task_count()   # the pandas data + 20 fused partial tasks + 5 + 2 + 1
29
"""

from __future__ import annotations

from hlq.dataframe.nodes.reduction import (
    GroupbyAgg, GroupbyBucketCombine, GroupbyBucketGet, GroupbyCombine, GroupbyPartial, Reduce, ReduceCombine, ReducePartial, TreeAgg, TreeCombine,
    TreePartial,
)
from hlq.rules import Is, rule


@rule(Is(Reduce), phase="lower", excludable=False, tags=("lowering",))
def lower_frame_reduction(node):
    """reduce(x) -> combine(...(partial(x)))"""
    split = max(2, int(node.split_every))
    cur = ReducePartial(node.child, node.how)
    while True:
        final = cur.npartitions <= split
        cur = ReduceCombine(cur, node.how, split, final, node.ddof, node.kind, node.dtypes[0])
        if final:
            return cur


@rule(Is(GroupbyAgg), phase="lower", excludable=False, tags=("lowering",))
def lower_groupby(node):
    """groupby-agg(x) -> groupby-combine(...(groupby-partial(x)))"""
    split = max(2, int(node.split_every))
    opts = (node.dropna, node.sort, node.as_index)
    nb = int(node.split_out)
    if nb > 1:  # per hash bucket of the key: one tree per bucket, nb output partitions
        part = GroupbyPartial(node.child, node.by, node.spec, node.dropna, nb)
        groups, first = part.npartitions, False
        cur = GroupbyBucketGet(part, nb)
        while True:
            final = groups <= split
            cur = GroupbyBucketCombine(cur, node.by, node.spec, node.shape, split, final, nb, first,
                                       node.kind, node.columns, node.dtypes, opts)
            groups, first = -(-groups // split), False
            if final:
                return cur
    cur = GroupbyPartial(node.child, node.by, node.spec, node.dropna)
    while True:
        final = cur.npartitions <= split
        cur = GroupbyCombine(cur, node.by, node.spec, node.shape, split, final,
                             node.kind, node.columns, node.dtypes, opts)
        if final:
            return cur


@rule(Is(TreeAgg), phase="lower", excludable=False, tags=("lowering",))
def lower_tree_aggregation(node):
    """tree-agg(x) -> tree-combine(...(tree-partial(x))) (value_counts, nunique, quantile, describe, ...)"""
    split = max(2, int(node.split_every))
    cur = TreePartial(node.child, node.chunk)
    while True:
        final = cur.npartitions <= split
        cur = TreeCombine(cur, node.combine, node.final_fn, split, final, node.kind, node.columns, node.dtypes)
        if final:
            return cur
