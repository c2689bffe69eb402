"""Predicate pushdown: filter chains merged, filters moved below assigns and into parquet reads.

>>> import pandas as pd, tempfile, os
>>> import hlq.dataframe as dd
>>> from hlq.rules import optimize_plan
>>> d = tempfile.mkdtemp()
>>> pd.DataFrame({"x": [0.1, 0.6, 0.9], "y": [1, 2, 3]}).to_parquet(os.path.join(d, "part.0.parquet"))
>>> df = dd.read_parquet(d)
>>> q = df[df.x > 0.2]
>>> q = q[q.x < 0.8]
>>> optimize_plan(q.node).label()
'read-parquet(columns 2/2, files 1, filter ((x > 0.2) & (x < 0.8)))'
>>> q.compute().y.tolist()
[2]
"""

from __future__ import annotations

from hlq.dataframe.nodes.colexpr import and_terms, columns_of, make_and, rename_columns
from hlq.dataframe.nodes.ops import Assign, Filter, Project, Rename
from hlq.dataframe.nodes.pyarrow_filters import pushable
from hlq.dataframe.nodes.sources import ReadParquet
from hlq.rules import Is, rule


@rule(Is(Filter, child=Is(Filter)), phase="simplify", tags=("predicate-pushdown", "merge-filters"))
def merge_filters(node):
    """filter(filter(x, p), q) -> filter(x, p & q) (a whole chain in one rewrite, bounds tightened)"""
    preds = [node.predicate]
    cur = node.child
    while isinstance(cur, Filter):
        preds.append(cur.predicate)
        cur = cur.child
    return Filter(cur, make_and(reversed(preds)))


def _push_into_read(read, pred):
    terms = and_terms(pred)
    push = [t for t in terms if pushable(t)]
    if not push:
        return None, pred
    rest = [t for t in terms if not pushable(t)]
    f = make_and(([read.filter] if read.filter is not None else []) + push)
    new = read.replace(filter=f)
    return new, (make_and(rest) if rest else None)


@rule(Is(Filter, child=Is(ReadParquet)), phase="pushdown", tags=("predicate-pushdown",))
def filter_into_parquet(node):
    """filter(read, col <op> literal & ...) -> read(filter=...): pyarrow filters rows, skips row groups"""
    new, rest = _push_into_read(node.child, node.predicate)
    if new is None:
        return None
    return new if rest is None else Filter(new, rest)


@rule(Is(Filter, child=Is(Project, child=Is(ReadParquet))), phase="pushdown", tags=("predicate-pushdown",))
def filter_into_projected_parquet(node):
    """filter(read[cols], p) -> read(filter=p)[cols]"""
    proj = node.child
    new, rest = _push_into_read(proj.child, node.predicate)
    if new is None:
        return None
    out = Project(new, proj.cols)
    return out if rest is None else Filter(out, rest)


@rule(Is(Filter, child=Is(Assign)), phase="pushdown", tags=("predicate-pushdown",))
def filter_through_assign(node):
    """filter(assign(x, a=...), p) -> assign(filter(x, p), a=...) when p reads no assigned column"""
    a = node.child
    if columns_of(node.predicate) & {n for n, _ in a.pairs}:
        return None
    return Assign(Filter(a.child, node.predicate), a.pairs)


@rule(Is(Filter, child=Is(Rename)), phase="pushdown", tags=("predicate-pushdown",))
def filter_through_rename(node):
    """filter(rename(x, a->b), p(b)) -> rename(filter(x, p(a)), a->b)"""
    r = node.child
    back = {new: old for old, new in r.mapping}
    return Rename(Filter(r.child, rename_columns(node.predicate, back)), r.mapping)
