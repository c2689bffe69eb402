"""Projection pushdown: the columns a consumer needs flow down to the sources.

>>> import pandas as pd, tempfile, os
>>> import hlq.dataframe as dd
>>> from hlq.rules import optimize_plan
>>> d = tempfile.mkdtemp()
>>> pd.DataFrame({"a": [1.0, 2.0], "b": [3, 4], "c": ["u", "v"]}).to_parquet(os.path.join(d, "0.parquet"))
>>> df = dd.read_parquet(d)
>>> q = df.assign(z=df.a * 2)[["z", "b"]]
>>> print(optimize_plan(q.node).child.child.label())
read-parquet(columns 2/3, files 1)
"""

from __future__ import annotations

from hlq.dataframe.nodes.colexpr import columns_of
from hlq.dataframe.nodes.ops import Assign, Filter, MapPartitions, Project, Rename, SeriesExpr
from hlq.dataframe.nodes.reduction import GroupbyAgg
from hlq.dataframe.nodes.sources import FromPandas, ReadParquet
from hlq.rules import Is, Where, rule


def _ordered(node, needed):
    return tuple(c for c in node.columns if c in needed)


@rule(Is(Project, child=Is(Project)), phase="simplify", tags=("projection-pushdown",))
def merge_projections(node):
    """x[a][b] -> x[b]"""
    return Project(node.child.child, node.cols)


def _projection_pair_example():
    import pandas as pd

    from hlq.dataframe.io import from_pandas

    df = from_pandas(pd.DataFrame({"a": [1, 2], "b": [3.0, 4.0], "c": ["x", "y"]}), npartitions=1)
    return [Project(Project(df.node, ("a", "b")), ("b",))]


@rule(Is(Project, child=Is(Project)), phase="pushdown", tags=("projection-pushdown",),
      examples=_projection_pair_example)
def merge_pushed_projections(node):
    """x[a][b] -> x[b] for projections that meet while pushing down (e.g. a drop() above a
    merge meeting the columns a consumer reads), so that they keep moving towards the sources"""
    return Project(node.child.child, node.cols)


@rule(Is(Project, cols=Where(lambda c: True, "any")), phase="simplify", tags=("projection-pushdown",))
def drop_identity_projection(node):
    """x[all columns in order] -> x"""
    return node.child if node.cols == node.child.columns else None


@rule(Is(Project, child=Is(ReadParquet)), phase="pushdown", tags=("projection-pushdown",))
def project_into_parquet(node):
    """read[cols] -> read(columns=cols): only those columns are read"""
    r = node.child
    return r.replace(columns_=node.cols)


@rule(Is(Project, child=Is(FromPandas)), phase="pushdown", tags=("projection-pushdown",))
def project_into_pandas(node):
    """from_pandas(df)[cols] -> from_pandas(df, columns=cols)"""
    r = node.child
    return FromPandas(r.data, r.bounds, r.divisions_, r.schema, node.cols)


@rule(Is(Project, child=Is(Filter)), phase="pushdown", tags=("projection-pushdown",))
def project_through_filter(node):
    """filter(x, p)[cols] -> filter(x[cols + columns of p], p)[cols]"""
    f = node.child
    x = f.child
    need = _ordered(x, set(node.cols) | columns_of(f.predicate))
    if need == x.columns:
        return None
    inner = Filter(Project(x, need), f.predicate)
    return inner if inner.columns == node.cols else Project(inner, node.cols)


@rule(Is(Project, child=Is(Assign)), phase="pushdown", tags=("projection-pushdown",))
def project_through_assign(node):
    """assign(x, a=e)[cols] -> assign(x[needed], a=e)[cols], dropping assigns nobody reads"""
    a = node.child
    x = a.child
    cols = set(node.cols)
    kept = tuple((n, e) for n, e in a.pairs if n in cols)
    need = set()
    for _, e in kept:
        need |= columns_of(e)
    need |= cols - {n for n, _ in kept}
    need = _ordered(x, need)
    if kept == a.pairs and need == x.columns:
        return None
    inner = Project(x, need) if need != x.columns else x
    if kept:
        inner = Assign(inner, kept)
    return inner if inner.columns == node.cols else Project(inner, node.cols)


@rule(Is(SeriesExpr, child=Where(lambda c: c.kind == "frame", "a frame")), phase="pushdown",
      tags=("projection-pushdown",))
def series_reads_its_columns(node):
    """series(x, expr) -> series(x[columns of expr], expr)"""
    x = node.child
    need = _ordered(x, columns_of(node.expr))
    if need == x.columns or not need:
        return None
    return SeriesExpr(Project(x, need), node.expr, node.sname)


@rule(Is(GroupbyAgg), phase="pushdown", tags=("projection-pushdown",))
def groupby_reads_its_columns(node):
    """groupby-agg(x) -> groupby-agg(x[keys + aggregated columns])"""
    x = node.child
    need = _ordered(x, set(node.by) | {c for c, h in node.spec if h != "size"})
    if need == x.columns:
        return None
    return node.replace(child=Project(x, need))


@rule(Is(Project, child=Is(Rename)), phase="pushdown", tags=("projection-pushdown",))
def project_through_rename(node):
    """rename(x, a->b)[cols] -> rename(x[old names of cols], a->b)"""
    r = node.child
    x = r.child
    back = {new: old for old, new in r.mapping}
    need = tuple(back.get(c, c) for c in node.cols)
    if need == x.columns:
        return None
    kept = tuple((o, n) for o, n in r.mapping if o in need)
    inner = Project(x, need)
    return Rename(inner, kept) if kept else inner


@rule(Is(MapPartitions, needs=Where(lambda n: n is not None, "declared input columns")), phase="pushdown",
      tags=("projection-pushdown",))
def map_partitions_reads_declared_columns(node):
    """map_partitions(x, f, columns=cols) -> map_partitions(x[cols], f)"""
    x = node.child
    if x.kind != "frame" or tuple(node.needs) == x.columns:
        return None
    return MapPartitions(Project(x, tuple(node.needs)), node.func, node.args, node.kwargs, node.meta_,
                         node.lengths_kept, tuple(node.needs))
