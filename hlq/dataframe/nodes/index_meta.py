"""The index of a dataframe node's partitions, as an empty pandas ``Index`` (dask's ``meta.index``).

Nodes derive columns and dtypes at build time; the index is derived here, on
demand, by one iterative walk down the plan that stops at the first node that
decides the index (a source, ``set_index``, a groupby aggregation, a
reduction, a user function's ``meta``) and caches the answer on every node it
passed.  Row-wise nodes (filters, projections, assigns, repartitions, shuffles,
...) keep their input's index.  ``FrameNode.meta`` carries this index, so
``reset_index()`` after a groupby or ``set_index`` knows the columns it adds
without computing anything.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> df = dd.from_pandas(pd.DataFrame({"k": [1, 2, 1], "x": [1.0, 2.0, 3.0]}), npartitions=2)
>>> index_meta(df.groupby("k").x.sum().node)
Index([], dtype='int64', name='k')
>>> index_meta(df[df.x > 1].node)
RangeIndex(start=0, stop=0, step=1)
"""

from __future__ import annotations

import pandas as pd
from hlq.dataframe.nodes.base import FrameNode
from hlq.dataframe.nodes.reduction import _gb_meta

__all__ = ["index_meta", "default_index"]

_KEY = "_index_meta"


def default_index() -> pd.Index:
    """The index of partitions whose rows are numbered (pandas' default ``RangeIndex``)."""
    return pd.RangeIndex(0)


def index_meta(node) -> pd.Index:
    """The empty index of ``node``'s partitions (iterative; cached on the nodes walked)."""
    hit = node.__dict__.get(_KEY)
    if hit is not None:
        return hit
    stack = [node]
    while stack:
        n = stack[-1]
        if _KEY in n.__dict__:
            stack.pop()
            continue
        deps, fn = _rule(n)
        missing = [d for d in deps if _KEY not in d.__dict__]
        if missing:
            stack.extend(missing)
            continue
        try:
            idx = fn(*[d.__dict__[_KEY] for d in deps])
        except Exception:  # an index pandas cannot derive on empty data: numbered rows
            idx = None
        n.__dict__[_KEY] = default_index() if idx is None else idx[:0]
        stack.pop()
    return node.__dict__[_KEY]


def _same(idx):
    return idx


def _frame_children(n):
    return [getattr(n, f) for f in n._fields if isinstance(getattr(n, f, None), FrameNode)]


def _rule(n):
    """``(nodes whose index is needed, function of their indexes -> this node's index)``."""
    name = type(n).__name__
    special = _RULES.get(name)
    if special is not None:
        return special(n)
    if n.__dict__.get("kind") == "scalar":
        return [], lambda: None
    kids = [c for c in _frame_children(n) if c.kind != "scalar"]
    if kids:  # row-wise and structural nodes keep the index of their (first) input
        return [kids[0]], _same
    return [], lambda: None


def _from_meta_box(n):
    m = n.meta_.value
    return [], lambda: m.index if isinstance(m, (pd.DataFrame, pd.Series)) else None


def _map_partitions(n):
    if n.lengths_kept:
        return [n.child], _same
    return _from_meta_box(n)


def _map_overlap(n):
    m = n.meta_.value
    if isinstance(m, (pd.DataFrame, pd.Series)) and m.index.nlevels != n.child.meta.index.nlevels:
        return _from_meta_box(n)  # rows per input row, e.g. a pairwise rolling cov
    return [n.child], _same


def _indexed_map(n):
    if n.divisions_ is None:  # the function keeps the index
        return [n.child], _same
    return _from_meta_box(n)


def _from_pandas(n):
    v = getattr(n.data, "value", None)
    return [], lambda: v.index if isinstance(v, (pd.DataFrame, pd.Series)) else None


def _read_parquet(n):
    idx = n.index if isinstance(n.index, str) else None
    if idx is None:
        return [], lambda: None
    # pandas' name for a stored unnamed index reads back as no name
    name = None if idx.startswith("__index_level_") else idx
    return [], lambda: pd.Index([], dtype=n.info.backend_dtype_map(n.dtype_backend)[idx], name=name)


def _concat_frames(n):
    def fn(*indexes):  # pandas' index of the concatenated rows (dtype of the union)
        return indexes[0].append(list(indexes[1:])) if len(indexes) > 1 else indexes[0]

    return list(n.frames), fn


def _set_index(n):
    dt = n.child.dtype_map[n.col]
    return [], lambda: pd.Index([], dtype=dt, name=n.col)


def _groupby_agg(n):
    def fn(_child_index):
        return _gb_meta(n.child, n.by, n.spec, n.shape, n.dropna, n.sort, n.as_index).index

    return [n.child], fn


def _reduce(n):
    if n.kind != "series":
        return [], lambda: None
    cols = n.child.columns
    if not cols:  # no columns: the frame's own (empty) column index, e.g. a RangeIndex
        return [], lambda: n.child.meta.columns
    return [], lambda: pd.Index(list(cols))  # the column labels, typed as pandas types them


def _merge(n):
    if (not n.left_index and not n.right_index and set(n.left_on) <= set(n.left.columns)
            and set(n.right_on) <= set(n.right.columns)):
        # a join on columns numbers its rows (pandas' default index) whatever the inputs' indexes
        return [], lambda: None

    def fn(_li, _ri):
        # pandas picks a merge's index differently for empty inputs (e.g. the right key's index
        # for ``left_on=..., right_index=True``): merge a few fake matching rows, as dask does
        from dask.dataframe.utils import meta_nonempty  # deferred: dask.dataframe is slow to import

        lm, rm = meta_nonempty(n.left.meta), meta_nonempty(n.right.meta)
        kw = dict(n.kwargs)
        if kw.get("left_index") and kw.get("right_on"):
            lm.index = rm[kw["right_on"][0]].values[:len(lm)]
        if kw.get("right_index") and kw.get("left_on"):
            rm.index = lm[kw["left_on"][0]].values[:len(rm)]
        return pd.merge(lm, rm, **kw).index

    return [n.left, n.right], fn


def _shuffle_collect(n):
    fin = n.finish
    if fin is not None and fin[0] == "set_index":
        dt = n.child.dtype_map[fin[1]]
        return [], lambda: pd.Index([], dtype=dt, name=fin[1])
    return [n.child], _same


def _persisted(n):
    box = getattr(n, "index_", None)
    return [], lambda: None if box is None else box.value


def _array_to_frame(n):
    return [], lambda: None


_RULES = {
    "MapPartitions": _map_partitions,
    "IndexedMap": _indexed_map,
    "MapOverlap": _map_overlap,
    "TreeAgg": _from_meta_box,
    "ZipPartitions": _from_meta_box,
    "ConcatFrames": _concat_frames,
    "FromMap": _from_meta_box,
    "FromDelayedFrame": _from_meta_box,
    "FromPandas": _from_pandas,
    "ReadParquet": _read_parquet,
    "SetIndex": _set_index,
    "SetIndexSorted": _set_index,
    "GroupbyAgg": _groupby_agg,
    "Reduce": _reduce,
    "Merge": _merge,
    "PersistedFrame": _persisted,
    "ShuffleCollect": _shuffle_collect,
    "ArrayToFrame": _array_to_frame,
}
