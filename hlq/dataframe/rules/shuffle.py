"""Lowering of shuffles and global sorts into split -> collect task layers.

``shuffle(x, on, n)`` becomes a hash split of every partition (fused with its
producer) and ``n`` collect tasks; ``sort_values``/``set_index`` become a
range split whose boundaries are given or sampled in the graph, and collect
tasks that sort their partition.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> from hlq.rules import optimize_plan
>>> df = dd.from_pandas(pd.DataFrame({"a": [3, 1, 2, 5], "b": 1.0}), npartitions=2)
>>> plan = optimize_plan(df.sort_values("a").node)
>>> plan.label(), plan.child.label()
('shuffle-collect(2 -> 2, then sort_values)', 'range-split(on a, sampled bounds, into 2)')
"""

from __future__ import annotations

from hlq.dataframe.nodes.shuffle import Boundaries, RangeSplit, SampleKeys, Shuffle, ShuffleCollect, ShuffleSplit
from hlq.dataframe.nodes.sort import SetIndex, SortValues
from hlq.rules import Is, rule

#: sampled keys per input partition and output partition (bounded) for range boundaries
SAMPLES_PER_OUTPUT = 20
MAX_SAMPLE = 1000


@rule(Is(Shuffle), phase="lower", excludable=False, tags=("lowering",))
def lower_shuffle(node):
    """shuffle(x, on, n) -> collect(hash-split(x, on, n))"""
    c = node.child
    n = node.npartitions_
    split = ShuffleSplit(c, tuple(node.on), n, None)
    return ShuffleCollect(split, c.kind, c.columns, c.dtypes, node.divisions, None)


def _bounds(child, key, n):
    if n <= 1:
        return ()
    size = min(MAX_SAMPLE, SAMPLES_PER_OUTPUT * n)
    return Boundaries(SampleKeys(child, key, size), n)


@rule(Is(SortValues), phase="lower", excludable=False, tags=("lowering",))
def lower_sort_values(node):
    """sort_values(x, by) -> collect+sort(range-split(x, by[0], sampled boundaries))"""
    c = node.child
    n = node.npartitions_
    key = node.by[0] if c.kind == "frame" else c.columns[0]
    split = RangeSplit(c, key, _bounds(c, key, n), n, bool(node.ascending[0]))
    return ShuffleCollect(split, c.kind, c.columns, c.dtypes, node.divisions,
                          ("sort_values", tuple(node.by), tuple(bool(a) for a in node.ascending)))


@rule(Is(SetIndex), phase="lower", excludable=False, tags=("lowering",))
def lower_set_index(node):
    """set_index(x, col) -> collect+set_index(range-split(x, col, given or sampled boundaries))"""
    c = node.child
    n = node.npartitions
    bounds = tuple(node.divisions_[1:-1]) if node.divisions_ is not None else _bounds(c, node.col, n)
    split = RangeSplit(c, node.col, bounds, n, True)
    return ShuffleCollect(split, "frame", node.columns, node.dtypes, node.divisions, ("set_index", node.col))
