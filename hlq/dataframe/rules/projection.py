"""Projection pushdown (tag ``projection-pushdown``): the columns a consumer needs flow down to the sources.

Projections merge and disappear when they keep every column; they move
through filters (adding the predicate's columns), assigns (dropping the
assigns nobody reads), renames, series expressions, groupby aggregations,
``map_partitions(columns=...)``, joins (each side keeps the columns it
contributes plus its keys; suffixes are kept: when a dropped column no
longer collides, the survivor is renamed back), shuffles, sorts,
``set_index``, concat, repartitions, ``.loc``, head/tail and the
aggregations whose result columns each come from one input column
(``describe``, ``drop_duplicates(subset)``, groupby ``agg``); ``len(x)``
reads one column.  At the sources they become a parquet read of those
columns, a pandas source of those columns, or pandas' ``usecols`` for CSV.

Pushdown never copies shared work: a projection does not move below a node
(other than a source) that other consumers read too (each consumer would get
its own copy of the node and of everything under it, e.g. a join computed
twice).  When every consumer of a shared node is a projection, the union of
their columns moves below the node once and each consumer selects its
columns from the result.

>>> import pandas as pd, tempfile, os
>>> import hlq.dataframe as dd
>>> from hlq.rules import optimize_plan
>>> d = tempfile.mkdtemp()
>>> pd.DataFrame({"a": [1.0, 2.0], "b": [3, 4], "c": ["u", "v"]}).to_parquet(os.path.join(d, "0.parquet"))
>>> df = dd.read_parquet(d)
>>> q = df.assign(z=df.a * 2)[["z", "b"]]
>>> print(optimize_plan(q.node).child.child.label())
read-parquet(columns 2/3, files 1)
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

from hlq.dataframe.nodes.colexpr import columns_of
from hlq.dataframe.nodes.csv import ReadCSV
from hlq.dataframe.nodes.merge import Merge
from hlq.dataframe.nodes.ops import Assign, Filter, Head, MapPartitions, MetaBox, Project, Rename, SeriesExpr
from hlq.dataframe.nodes.reduction import GroupbyAgg, Len, TreeAgg
from hlq.dataframe.nodes.shuffle import INDEX, Shuffle
from hlq.dataframe.nodes.sort import SetIndex, SetIndexSorted, SortValues
from hlq.dataframe.nodes.sources import FromPandas, ReadParquet
from hlq.dataframe.nodes.structure import ConcatFrames, LocSlice, RepartitionCombine, RepartitionDivisions, RepartitionSplit, Tail
from hlq.dataframe.rules.helpers import narrow, ordered, rebuild_merge
from hlq.rules import Is, Where, consumers, rule, shared
from hlq.dataframe._io import from_pandas
from hlq.dataframe._reductions import _dd_chunk


# ------------------------------------------------------------------ projections merge and disappear
@rule(Is(Project, child=Is(Project)), phase="simplify", register=False, tags=("projection-pushdown",))
def merge_projections(node):
    """x[a][b] -> x[b]"""
    return Project(node.child.child, node.cols)


def _projection_pair_example():
    import pandas as pd

    df = from_pandas(pd.DataFrame({"a": [1, 2], "b": [3.0, 4.0], "c": ["x", "y"]}), npartitions=1)
    return [Project(Project(df.node, ("a", "b")), ("b",))]


@rule(Is(Project, child=Is(Project)), phase="pushdown", register=False, tags=("projection-pushdown",),
      examples=_projection_pair_example)
def merge_pushed_projections(node):
    """x[a][b] -> x[b] for projections that meet while pushing down (e.g. a drop() above a
    merge meeting the columns a consumer reads), so that they keep moving towards the sources"""
    inner = node.child
    if shared(inner) or shared(inner.child):
        return None
    return Project(inner.child, node.cols)


@rule(Is(Project, child=Where(shared, "read by several consumers")), phase="pushdown", register=False,
      tags=("projection-pushdown",))
def project_shared_to_union(node):
    """x[a] and x[b] with x shared -> x[a, b][a] and x[a, b][b]: the union of the columns the
    consumers read moves below x once, instead of one narrowed copy of x per consumer"""
    x = node.child
    if isinstance(x, _SOURCES):  # reads of one source differing in columns are merged after the rules
        return None
    need = set()
    for user in consumers(x):
        if not isinstance(user, Project):
            return None
        need.update(user.cols)
    cols = ordered(x, need)
    if cols == x.columns or cols == node.cols:
        return None
    return Project(Project(x, cols), node.cols)


@rule(Is(Project, cols=Where(lambda c: True, "any")), phase="simplify", register=False, tags=("projection-pushdown",))
def drop_identity_projection(node):
    """x[all columns in order] -> x"""
    return node.child if node.cols == node.child.columns else None



# ------------------------------------------------------------------ into the sources
# (a source read by several consumers is still projected per consumer: the shared-reads pass
# merges reads that differ only in their columns, and a squashed or filtered read of a few
# columns stays as narrow as its consumer needs)
_SOURCES = (ReadParquet, FromPandas, ReadCSV)

@rule(Is(Project, child=Is(ReadParquet)), phase="pushdown", register=False, tags=("projection-pushdown",))
def project_into_parquet(node):
    """read[cols] -> read(columns=cols): only those columns are read"""
    r = node.child
    return r.replace(columns_=node.cols)


@rule(Is(Project, child=Is(FromPandas)), phase="pushdown", register=False, tags=("projection-pushdown",))
def project_into_pandas(node):
    """from_pandas(df)[cols] -> from_pandas(df, columns=cols)"""
    r = node.child
    return FromPandas(r.data, r.bounds, r.divisions_, r.schema, node.cols)


@rule(Is(Project, child=Is(ReadCSV)), phase="pushdown", register=False, tags=("projection-pushdown",))
def project_into_csv(node):
    """read_csv(...)[cols] -> read_csv(..., usecols=cols): pandas parses only those columns"""
    return node.child.replace(columns_=node.cols)



# ------------------------------------------------------------------ through row-wise operations
@rule(Is(Project, child=Is(Filter)), phase="pushdown", register=False, tags=("projection-pushdown",))
def project_through_filter(node):
    """filter(x, p)[cols] -> filter(x[cols + columns of p], p)[cols]"""
    if shared(node.child):
        return None
    f = node.child
    x = f.child
    need = ordered(x, set(node.cols) | columns_of(f.predicate))
    if need == x.columns:
        return None
    inner = Filter(Project(x, need), f.predicate)
    return inner if inner.columns == node.cols else Project(inner, node.cols)


@rule(Is(Project, child=Is(Assign)), phase="pushdown", register=False, tags=("projection-pushdown",))
def project_through_assign(node):
    """assign(x, a=e)[cols] -> assign(x[needed], a=e)[cols], dropping assigns nobody reads"""
    if shared(node.child):
        return None
    a = node.child
    x = a.child
    cols = set(node.cols)
    kept = tuple((n, e) for n, e in a.pairs if n in cols)
    need = set()
    for _, e in kept:
        need |= columns_of(e)
    need |= cols - {n for n, _ in kept}
    need = ordered(x, need)
    if kept == a.pairs and need == x.columns:
        return None
    inner = Project(x, need) if need != x.columns else x
    if kept:
        inner = Assign(inner, kept)
    return inner if inner.columns == node.cols else Project(inner, node.cols)


@rule(Is(SeriesExpr, child=Where(lambda c: c.kind == "frame", "a frame")), phase="pushdown", register=False,
      tags=("projection-pushdown",))
def series_reads_its_columns(node):
    """series(x, expr) -> series(x[columns of expr], expr)"""
    x = node.child
    need = ordered(x, columns_of(node.expr))
    if need == x.columns or not need:
        return None
    return SeriesExpr(Project(x, need), node.expr, node.sname)


@rule(Is(GroupbyAgg), phase="pushdown", register=False, tags=("projection-pushdown",))
def groupby_reads_its_columns(node):
    """groupby-agg(x) -> groupby-agg(x[keys + aggregated columns])"""
    x = node.child
    need = ordered(x, set(node.by) | {c for c, h in node.spec if h != "size"})
    if need == x.columns:
        return None
    return node.replace(child=Project(x, need))


@rule(Is(Project, child=Is(Rename)), phase="pushdown", register=False, tags=("projection-pushdown",))
def project_through_rename(node):
    """rename(x, a->b)[cols] -> rename(x[old names of cols], a->b)"""
    if shared(node.child):
        return None
    r = node.child
    x = r.child
    back = {new: old for old, new in r.mapping}
    need = tuple(back.get(c, c) for c in node.cols)
    if need == x.columns:
        return None
    kept = tuple((o, n) for o, n in r.mapping if o in need)
    inner = Project(x, need)
    return Rename(inner, kept) if kept else inner


@rule(Is(MapPartitions, needs=Where(lambda n: n is not None, "declared input columns")), phase="pushdown", register=False,
      tags=("projection-pushdown",))
def map_partitions_reads_declared_columns(node):
    """map_partitions(x, f, columns=cols) -> map_partitions(x[cols], f)"""
    x = node.child
    if x.kind != "frame" or tuple(node.needs) == x.columns:
        return None
    return MapPartitions(Project(x, tuple(node.needs)), node.func, node.args, node.kwargs, node.meta_,
                         node.lengths_kept, tuple(node.needs))


@rule(Is(Len, child=Where(lambda c: c.kind == "frame" and len(c.columns) > 1, "a frame of several columns")),
      phase="pushdown", register=False, tags=("projection-pushdown",))
def len_reads_one_column(node):
    """len(x) -> len(x[[first column]]): counting rows needs no other column"""
    return Len(Project(node.child, node.child.columns[:1]))



# ------------------------------------------------------------------ through joins
@rule(Is(Project, child=Is(Merge, left=Where(lambda x: True, "any"))), phase="pushdown", register=False,
      tags=("projection-pushdown", "merge-pushdown"))
def project_through_merge(node):
    """merge(l, r)[cols] -> merge(l[needed + keys], r[needed + keys])[cols] (suffixed names kept)"""
    if shared(node.child):
        return None
    m = node.child
    lay = m.layout
    if lay is None:
        return None
    want = set(node.cols)
    lneed, rneed = set(m.left_on), set(m.right_on)
    for out, side, src in lay:
        if out in want:
            if side in ("l", "key"):
                lneed.add(src)
            if side in ("r", "key"):
                rneed.add(src)
    lcols, rcols = ordered(m.left, lneed), ordered(m.right, rneed)
    if lcols == m.left.columns and rcols == m.right.columns:
        return None
    lcols = lcols or m.left.columns[:1]
    rcols = rcols or m.right.columns[:1]
    left = m.left if lcols == m.left.columns else Project(m.left, lcols)
    right = m.right if rcols == m.right.columns else Project(m.right, rcols)
    new = rebuild_merge(m, left, right)
    if new.layout is None:
        return None
    orig = {(side, src): out for out, side, src in lay}
    mapping = tuple((o, orig[(s, src)]) for o, s, src in new.layout if o != orig[(s, src)])
    out = Rename(new, mapping) if mapping else new
    return out if out.columns == node.cols else Project(out, node.cols)



# ------------------------------------------------------------------ through partition-regrouping operations
def _frame(node):
    return node.kind == "frame"


# ------------------------------------------------------------------ projection
# (``.partitions`` is not here: partition selections move down through projections instead)
_ROW_NODES = (RepartitionCombine, RepartitionSplit, RepartitionDivisions, LocSlice, Tail, Head)


@rule(Is(Project, child=Where(lambda c: isinstance(c, _ROW_NODES), "a row-regrouping node")),
      phase="pushdown", register=False, tags=("projection-pushdown",))
def project_through_regroup(node):
    """repartition/loc/head/tail(x)[cols] -> repartition/...(x[cols])"""
    if shared(node.child):
        return None
    r = node.child
    x = r.child
    if x.kind != "frame" or tuple(node.cols) == x.columns:
        return None
    return r.replace(child=Project(x, node.cols))


@rule(Is(Project, child=Is(Shuffle)), phase="pushdown", register=False, tags=("projection-pushdown",))
def project_through_shuffle(node):
    """shuffle(x, on)[cols] -> shuffle(x[cols + on], on)[cols]"""
    if shared(node.child):
        return None
    s = node.child
    x = s.child
    inner = narrow(x, set(node.cols) | {k for k in s.on if k != INDEX})
    if inner is x:
        return None
    out = Shuffle(inner, s.on, s.npartitions_)
    return out if out.columns == node.cols else Project(out, node.cols)


@rule(Is(Project, child=Where(lambda c: isinstance(c, SortValues) and _frame(c), "a frame sort")),
      phase="pushdown", register=False, tags=("projection-pushdown",))
def project_through_sort(node):
    """sort_values(x, by)[cols] -> sort_values(x[cols + by], by)[cols]"""
    if shared(node.child):
        return None
    s = node.child
    x = s.child
    inner = narrow(x, set(node.cols) | set(s.by))
    if inner is x:
        return None
    out = SortValues(inner, s.by, s.ascending, s.npartitions_, s.na_position)
    return out if out.columns == node.cols else Project(out, node.cols)


@rule(Is(Project, child=Where(lambda c: isinstance(c, (SetIndex, SetIndexSorted)), "a set_index")),
      phase="pushdown", register=False, tags=("projection-pushdown",))
def project_through_set_index(node):
    """set_index(x, col)[cols] -> set_index(x[cols + col], col)[cols]"""
    if shared(node.child):
        return None
    s = node.child
    x = s.child
    inner = narrow(x, set(node.cols) | {s.col})
    if inner is x:
        return None
    out = s.replace(child=inner)
    return out if out.columns == node.cols else Project(out, node.cols)


@rule(Is(Project, child=Is(ConcatFrames)), phase="pushdown", register=False, tags=("projection-pushdown",))
def project_through_concat(node):
    """concat([a, b])[cols] -> concat([a[cols], b[cols]]) (each input keeps the columns it has)"""
    if shared(node.child):
        return None
    c = node.child
    want = set(node.cols)
    frames = []
    for f in c.frames:
        if f.kind != "frame":
            return None
        frames.append(narrow(f, want) if any(k in want for k in f.columns) else f)
    frames = tuple(frames)
    if frames == c.frames:
        return None
    out = ConcatFrames(frames, c.join)
    if not set(node.cols) <= set(out.columns):
        return None
    return out if out.columns == node.cols else Project(out, node.cols)



# ------------------------------------------------------------------ through aggregations
@rule(Is(Project, child=Is(GroupbyAgg, shape=Where(lambda s: s != "series", "a frame result"))), phase="pushdown", register=False,
      tags=("projection-pushdown",))
def project_groupby_aggregations(node):
    """groupby(k).agg({x: sum, y: mean})[[x]] -> groupby(k).agg({x: sum}) (y is not read)"""
    if shared(node.child):
        return None
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


@rule(Is(Project, child=Is(TreeAgg, columnwise=True)), phase="pushdown", register=False, tags=("projection-pushdown",))
def project_columnwise_aggregation(node):
    """describe(x)[[a]] -> describe(x[[a]]): each result column comes from the same input column"""
    if shared(node.child):
        return None
    t = node.child
    x = t.child
    if x.kind != "frame" or not set(node.cols) <= set(x.columns) or node.cols == x.columns:
        return None
    meta = t.meta_.value[list(node.cols)]
    return t.replace(child=Project(x, node.cols), meta_=MetaBox(meta))


def _dedup_subset(t):
    if getattr(t.chunk, "func", None) is _dd_chunk and t.child.kind == "frame":
        return t.chunk.args[0]
    return None


@rule(Is(Project, child=Is(TreeAgg, tag=Where(lambda s: s.startswith("drop-duplicates["), "drop_duplicates(subset)"))),
      phase="pushdown", register=False, tags=("projection-pushdown",))
def project_through_drop_duplicates(node):
    """drop_duplicates(x, subset=[k])[[a]] -> drop_duplicates(x[[k, a]], subset=[k])[[a]]"""
    if shared(node.child):
        return None
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
