"""Projection pushdown through aggregations: only the aggregated columns a consumer needs are read.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> from hlq.rules import optimize_plan
>>> pdf = pd.DataFrame({"k": [1, 2, 1], "x": [1.0, 2.0, 3.0], "y": [4, 5, 6], "z": ["a", "b", "c"]})
>>> df = dd.from_pandas(pdf, npartitions=2)
>>> q = df.groupby("k").agg({"x": "sum", "y": "mean", "z": "nunique"})["x"]
>>> [n.columns for n in optimize_plan(q.node).walk() if n.op_name == "from-pandas"]
[('k', 'x')]
>>> q = df[["x", "y"]].describe()["y"]
>>> [n.columns for n in optimize_plan(q.node).walk() if n.op_name == "from-pandas"]
[('y',)]
"""

from __future__ import annotations

from hlq.dataframe.nodes.ops import MetaBox, Project
from hlq.dataframe.nodes.reduction import GroupbyAgg, TreeAgg
from hlq.rules import Is, Where, rule


@rule(Is(Project, child=Is(GroupbyAgg, shape=Where(lambda s: s != "series", "a frame result"))), phase="pushdown",
      tags=("projection-pushdown",))
def project_groupby_aggregations(node):
    """groupby(k).agg({x: sum, y: mean})[[x]] -> groupby(k).agg({x: sum}) (y is not read)"""
    g = node.child
    want = set(node.cols)
    names = g.output_names()
    keep = [i for i, n in enumerate(names) if n in want]
    if not keep or len(keep) == len(g.spec):
        return None
    spec = tuple(g.spec[i] for i in keep)
    shape = ("named", tuple(names[i] for i in keep)) if isinstance(g.shape, tuple) else g.shape
    new = g.replace(spec=spec, shape=shape)
    return new if new.columns == node.cols else Project(new, node.cols)


def _columnwise(t):
    return t.columnwise and t.child.kind == "frame"


@rule(Is(Project, child=Is(TreeAgg, columnwise=True)), phase="pushdown", tags=("projection-pushdown",))
def project_columnwise_aggregation(node):
    """describe(x)[[a]] -> describe(x[[a]]): each result column comes from the same input column"""
    t = node.child
    x = t.child
    if x.kind != "frame" or not set(node.cols) <= set(x.columns) or node.cols == x.columns:
        return None
    meta = t.meta_.value[list(node.cols)]
    return t.replace(child=Project(x, node.cols), meta_=MetaBox(meta))


def _dedup_subset(t):
    from hlq.dataframe.reductions import _dd_chunk

    if getattr(t.chunk, "func", None) is _dd_chunk and t.child.kind == "frame":
        return t.chunk.args[0]
    return None


@rule(Is(Project, child=Is(TreeAgg, tag=Where(lambda s: s.startswith("drop-duplicates["), "drop_duplicates(subset)"))),
      phase="pushdown", tags=("projection-pushdown",))
def project_through_drop_duplicates(node):
    """drop_duplicates(x, subset=[k])[[a]] -> drop_duplicates(x[[k, a]], subset=[k])[[a]]"""
    t = node.child
    subset = _dedup_subset(t)
    if subset is None:
        return None
    x = t.child
    need = tuple(c for c in x.columns if c in set(node.cols) | set(subset))
    if need == x.columns:
        return None
    inner = t.replace(child=Project(x, need), meta_=MetaBox(t.meta_.value[list(need)]))
    return inner if inner.columns == node.cols else Project(inner, node.cols)
