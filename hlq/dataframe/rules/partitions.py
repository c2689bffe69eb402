"""Partition pushdown (tag ``partitions-pushdown``): ``.partitions[...]``, ``head`` and ``tail`` move into the sources.

Partition selections move down through per-partition operations and
``set_index(sorted=True)``, merge with each other, and become a parquet read
of fewer files or a pandas source of fewer row ranges; ``head``/``tail``
read only the first/last partitions they need.

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

from hlq.dataframe.nodes.ops import Assign, Filter, Head, MapPartitions, Project, Rename, SeriesExpr
from hlq.dataframe.nodes.sort import SetIndexSorted
from hlq.dataframe.nodes.sources import FromPandas, ReadParquet
from hlq.dataframe.nodes.structure import LocSlice, SelectPartitions, Tail
from hlq.rules import Is, Where, rule

# ------------------------------------------------------------------ partitions
_PER_PARTITION = (Project, Filter, Assign, SeriesExpr, Rename, MapPartitions, LocSlice)


@rule(Is(SelectPartitions, child=Where(lambda c: isinstance(c, _PER_PARTITION), "a per-partition operation")),
      phase="pushdown", register=False, tags=("partitions-pushdown",))
def partitions_through_blockwise(node):
    """f(x).partitions[i] -> f(x.partitions[i]) for a per-partition f"""
    f = node.child
    return f.replace(child=SelectPartitions(f.child, node.parts))


@rule(Is(SelectPartitions, child=Is(SetIndexSorted)), phase="pushdown", register=False, tags=("partitions-pushdown",))
def partitions_through_sorted_set_index(node):
    """set_index(x, col, sorted=True).partitions[i] -> set_index(x.partitions[i], col, sorted=True)"""
    s = node.child
    return SetIndexSorted(SelectPartitions(s.child, node.parts), s.col,
                          node.divisions if node.known_divisions else None)


@rule(Is(SelectPartitions, child=Is(SelectPartitions)), phase="simplify", register=False, tags=("partitions-pushdown",))
def merge_partition_selections(node):
    """x.partitions[a].partitions[b] -> x.partitions[a[b]]"""
    inner = node.child
    return SelectPartitions(inner.child, tuple(inner.parts[i] for i in node.parts))


@rule(Is(SelectPartitions, child=Is(ReadParquet)), phase="pushdown", register=False, tags=("partitions-pushdown",))
def partitions_into_parquet(node):
    """read.partitions[i] -> read(files i): only those files are read"""
    r = node.child
    if getattr(r, "groups", None) is not None:
        return None  # partitions already grouped (several files each)
    files = tuple(range(len(r.info.files))) if r.parts is None else r.parts
    return r.replace(parts=tuple(files[i] for i in node.parts))


@rule(Is(SelectPartitions, child=Is(FromPandas)), phase="pushdown", register=False, tags=("partitions-pushdown",))
def partitions_into_pandas(node):
    """from_pandas(df).partitions[i] -> from_pandas(df, those row ranges)"""
    r = node.child
    return FromPandas(r.data, tuple(r.bounds[i] for i in node.parts), node.divisions, r.schema, r.columns_)


@rule(Is(Head, child=Where(lambda c: isinstance(c, (ReadParquet, FromPandas)) and c.npartitions > 1,
                           "a source of several partitions")),
      phase="pushdown", register=False, tags=("head-pushdown", "partitions-pushdown"))
def head_into_source(node):
    """head(read, n, k partitions) -> head(read(first k files), n)"""
    if node.k >= node.child.npartitions:
        return None
    return Head(SelectPartitions(node.child, tuple(range(node.k))), node.n, node.k)


@rule(Is(Tail, child=Where(lambda c: isinstance(c, (ReadParquet, FromPandas)), "a source")),
      phase="pushdown", register=False, tags=("head-pushdown", "partitions-pushdown"))
def tail_into_source(node):
    """tail(read, n, k partitions) -> tail(read(last k files), n)"""
    c = node.child
    if node.k >= c.npartitions:
        return None
    return Tail(SelectPartitions(c, tuple(range(c.npartitions - node.k, c.npartitions))), node.n, node.k)
