"""Projection, predicate and partition pushdown through the partition-regrouping operations.

Columns flow through concat, shuffle, sort, set_index, repartition, ``.loc``,
``.partitions`` and head/tail; filters move below shuffles, sorts and
repartitions (fewer rows moved); ``.partitions[...]`` and ``head`` move
towards the sources and into them (a parquet read of fewer files, a pandas
source of fewer slices).

>>> import pandas as pd, tempfile, os
>>> import hlq.dataframe as dd
>>> from hlq.rules import optimize_plan
>>> d = tempfile.mkdtemp()
>>> for i in range(4):
...     pd.DataFrame({"a": [i], "b": [0.5]}).to_parquet(os.path.join(d, f"{i}.parquet"))
>>> df = dd.read_parquet(d)
>>> q = df[df.b > 0].partitions[1:3][["a"]]
>>> print(optimize_plan(q.node).label())
read-parquet(columns 1/2, files 2/4, filter (b > 0))
>>> q.compute().a.tolist()
[1, 2]
"""

from __future__ import annotations

from hlq.dataframe.nodes.colexpr import columns_of
from hlq.dataframe.nodes.ops import Assign, Filter, Head, MapPartitions, Project, Rename, SeriesExpr
from hlq.dataframe.nodes.shuffle import INDEX, Shuffle
from hlq.dataframe.nodes.sort import SetIndex, SetIndexSorted, SortValues
from hlq.dataframe.nodes.sources import FromPandas, ReadParquet
from hlq.dataframe.nodes.structure import (
    ConcatFrames, LocSlice, RepartitionCombine, RepartitionDivisions, RepartitionSplit, SelectPartitions, Tail,
)
from hlq.rules import Is, Where, rule


def _ordered(node, needed):
    return tuple(c for c in node.columns if c in needed)


def _narrow(x, need):
    cols = _ordered(x, need)
    return x if cols == x.columns else Project(x, cols)


def _frame(node):
    return node.kind == "frame"


# ------------------------------------------------------------------ projection
# (``.partitions`` is not here: partition selections move down through projections instead)
_ROW_NODES = (RepartitionCombine, RepartitionSplit, RepartitionDivisions, LocSlice, Tail, Head)


@rule(Is(Project, child=Where(lambda c: isinstance(c, _ROW_NODES), "a row-regrouping node")),
      phase="pushdown", tags=("projection-pushdown",))
def project_through_regroup(node):
    """repartition/loc/head/tail(x)[cols] -> repartition/...(x[cols])"""
    r = node.child
    x = r.child
    if x.kind != "frame" or tuple(node.cols) == x.columns:
        return None
    return r.replace(child=Project(x, node.cols))


@rule(Is(Project, child=Is(Shuffle)), phase="pushdown", tags=("projection-pushdown",))
def project_through_shuffle(node):
    """shuffle(x, on)[cols] -> shuffle(x[cols + on], on)[cols]"""
    s = node.child
    x = s.child
    inner = _narrow(x, set(node.cols) | {k for k in s.on if k != INDEX})
    if inner is x:
        return None
    out = Shuffle(inner, s.on, s.npartitions_)
    return out if out.columns == node.cols else Project(out, node.cols)


@rule(Is(Project, child=Where(lambda c: isinstance(c, SortValues) and _frame(c), "a frame sort")),
      phase="pushdown", tags=("projection-pushdown",))
def project_through_sort(node):
    """sort_values(x, by)[cols] -> sort_values(x[cols + by], by)[cols]"""
    s = node.child
    x = s.child
    inner = _narrow(x, set(node.cols) | set(s.by))
    if inner is x:
        return None
    out = SortValues(inner, s.by, s.ascending, s.npartitions_)
    return out if out.columns == node.cols else Project(out, node.cols)


@rule(Is(Project, child=Where(lambda c: isinstance(c, (SetIndex, SetIndexSorted)), "a set_index")),
      phase="pushdown", tags=("projection-pushdown",))
def project_through_set_index(node):
    """set_index(x, col)[cols] -> set_index(x[cols + col], col)[cols]"""
    s = node.child
    x = s.child
    inner = _narrow(x, set(node.cols) | {s.col})
    if inner is x:
        return None
    out = s.replace(child=inner)
    return out if out.columns == node.cols else Project(out, node.cols)


@rule(Is(Project, child=Is(ConcatFrames)), phase="pushdown", tags=("projection-pushdown",))
def project_through_concat(node):
    """concat([a, b])[cols] -> concat([a[cols], b[cols]]) (each input keeps the columns it has)"""
    c = node.child
    want = set(node.cols)
    frames = []
    for f in c.frames:
        if f.kind != "frame":
            return None
        frames.append(_narrow(f, want) if any(k in want for k in f.columns) else f)
    frames = tuple(frames)
    if frames == c.frames:
        return None
    out = ConcatFrames(frames, c.join)
    if not set(node.cols) <= set(out.columns):
        return None
    return out if out.columns == node.cols else Project(out, node.cols)


# ------------------------------------------------------------------ predicates
_FILTER_PASSES = (Shuffle, SortValues, RepartitionCombine, RepartitionSplit, RepartitionDivisions, LocSlice, SetIndex,
                  SetIndexSorted, ConcatFrames)


def _below_projections(node):
    """(projections top-down, first other node) of a chain of projections (iterative)."""
    chain = []
    while isinstance(node, Project):
        chain.append(node)
        node = node.child
    return chain, node


def _filter_passes(child):
    _, r = _below_projections(child)
    return isinstance(r, _FILTER_PASSES)


def _push_filter_into(r, pred):
    """``r`` with ``pred`` applied below it, or None when it may not pass."""
    if isinstance(r, (SetIndex, SetIndexSorted)):
        if r.col in columns_of(pred):
            return None
        return r.replace(child=Filter(r.child, pred))
    if isinstance(r, ConcatFrames):
        cols = columns_of(pred)
        dm = r.dtype_map
        for f in r.frames:
            if f.kind != "frame" or any(k not in f.dtype_map or f.dtype_map[k] != dm[k] for k in cols):
                return None
        return ConcatFrames(tuple(Filter(f, pred) for f in r.frames), r.join)
    return r.replace(child=Filter(r.child, pred))


@rule(Is(Filter, child=Where(_filter_passes, "a shuffle, sort, set_index, repartition, loc or concat "
                                            "(under projections)")),
      phase="pushdown", tags=("predicate-pushdown",))
def filter_through_regroup(node):
    """shuffle/sort/repartition/concat(x)[cols][p] -> shuffle/...(x[p])[cols]: fewer rows moved
    (through set_index only when p does not read the new index; through concat when every input
    has p's columns with the same dtypes)"""
    chain, r = _below_projections(node.child)
    out = _push_filter_into(r, node.predicate)
    if out is None:
        return None
    for p in reversed(chain):
        out = Project(out, p.cols)
    return out


# ------------------------------------------------------------------ partitions
_PER_PARTITION = (Project, Filter, Assign, SeriesExpr, Rename, MapPartitions, LocSlice)


@rule(Is(SelectPartitions, child=Where(lambda c: isinstance(c, _PER_PARTITION), "a per-partition operation")),
      phase="pushdown", tags=("partitions-pushdown",))
def partitions_through_blockwise(node):
    """f(x).partitions[i] -> f(x.partitions[i]) for a per-partition f"""
    f = node.child
    return f.replace(child=SelectPartitions(f.child, node.parts))


@rule(Is(SelectPartitions, child=Is(SetIndexSorted)), phase="pushdown", tags=("partitions-pushdown",))
def partitions_through_sorted_set_index(node):
    """set_index(x, col, sorted=True).partitions[i] -> set_index(x.partitions[i], col, sorted=True)"""
    s = node.child
    return SetIndexSorted(SelectPartitions(s.child, node.parts), s.col,
                          node.divisions if node.known_divisions else None)


@rule(Is(SelectPartitions, child=Is(SelectPartitions)), phase="simplify", tags=("partitions-pushdown",))
def merge_partition_selections(node):
    """x.partitions[a].partitions[b] -> x.partitions[a[b]]"""
    inner = node.child
    return SelectPartitions(inner.child, tuple(inner.parts[i] for i in node.parts))


@rule(Is(SelectPartitions, child=Is(ReadParquet)), phase="pushdown", tags=("partitions-pushdown",))
def partitions_into_parquet(node):
    """read.partitions[i] -> read(files i): only those files are read"""
    r = node.child
    if getattr(r, "groups", None) is not None:
        return None  # partitions already grouped (several files each)
    files = tuple(range(len(r.info.files))) if r.parts is None else r.parts
    return r.replace(parts=tuple(files[i] for i in node.parts))


@rule(Is(SelectPartitions, child=Is(FromPandas)), phase="pushdown", tags=("partitions-pushdown",))
def partitions_into_pandas(node):
    """from_pandas(df).partitions[i] -> from_pandas(df, those row ranges)"""
    r = node.child
    return FromPandas(r.data, tuple(r.bounds[i] for i in node.parts), node.divisions, r.schema, r.columns_)


@rule(Is(Head, child=Where(lambda c: isinstance(c, (ReadParquet, FromPandas)) and c.npartitions > 1,
                           "a source of several partitions")),
      phase="pushdown", tags=("head-pushdown", "partitions-pushdown"))
def head_into_source(node):
    """head(read, n, k partitions) -> head(read(first k files), n)"""
    if node.k >= node.child.npartitions:
        return None
    return Head(SelectPartitions(node.child, tuple(range(node.k))), node.n, node.k)


@rule(Is(Tail, child=Where(lambda c: isinstance(c, (ReadParquet, FromPandas)), "a source")),
      phase="pushdown", tags=("head-pushdown", "partitions-pushdown"))
def tail_into_source(node):
    """tail(read, n, k partitions) -> tail(read(last k files), n)"""
    c = node.child
    if node.k >= c.npartitions:
        return None
    return Tail(SelectPartitions(c, tuple(range(c.npartitions - node.k, c.npartitions))), node.n, node.k)
