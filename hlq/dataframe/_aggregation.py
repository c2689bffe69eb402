"""User-defined groupby aggregations (``dd.Aggregation``), as in dask.dataframe.

An aggregation is three functions on pandas groupby objects: ``chunk`` on each
partition's grouped column (a Series, or a tuple of Series, indexed by group),
``agg`` on the concatenated chunk results grouped by the group index (called
with as many arguments as ``chunk`` returned), and an optional ``finalize`` on
the aggregated results.  Built-in names (``"sum"``, ``"mean"``...) may be mixed
with them in ``agg``.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> custom_mean = dd.Aggregation("mean", lambda s: (s.count(), s.sum()),
...                              lambda n, t: (n.sum(), t.sum()), lambda n, t: t / n)
>>> df = dd.from_pandas(pd.DataFrame({"g": [0, 0, 1] * 3, "b": [1, 2, 3] * 3}), npartitions=2)
>>> df.groupby("g").agg({"b": custom_mean}).compute().b.tolist()
[1.5, 3.0]
"""

from __future__ import annotations

import pandas as pd

__all__ = ["Aggregation", "is_aggregation", "custom_groupby_agg"]


class Aggregation:
    """A user-defined groupby aggregation.

    Parameters
    ----------
    name : str
        Name of the aggregation (the column label when several aggregations
        of one column are requested).
    chunk : callable
        ``chunk(SeriesGroupBy) -> Series or tuple of Series``, per partition.
    agg : callable
        ``agg(*SeriesGroupBy) -> Series or tuple of Series``, on the
        concatenated chunk results grouped by group.
    finalize : callable, optional
        ``finalize(*Series) -> Series`` on the results of ``agg``.
    """

    def __init__(self, name, chunk, agg, finalize=None):
        self.__name__ = name
        self.chunk = chunk
        self.agg = agg
        self.finalize = finalize

    def __repr__(self):
        return f"Aggregation({self.__name__!r})"


def is_aggregation(x) -> bool:
    """An :class:`Aggregation`, or dask's (same attributes)."""
    return all(hasattr(x, a) for a in ("chunk", "agg", "finalize", "__name__")) and not callable(x)


def _builtin(name):
    """A built-in aggregation name as chunk/agg/finalize functions."""
    if name == "mean":
        return Aggregation("mean", _count_sum, _sum_sum, _ratio)
    if name in ("count", "size"):
        return Aggregation(name, _Method(name), _Method("sum"))
    if name in ("sum", "min", "max", "prod", "first", "last"):
        return Aggregation(name, _Method(name), _Method(name))
    raise ValueError(f"unsupported aggregation {name!r} next to a custom Aggregation")


class _Method:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __call__(self, g):
        return getattr(g, self.name)()

    def __reduce__(self):
        return (_Method, (self.name,))


def _count_sum(g):
    return g.count(), g.sum()


def _sum_sum(n, t):
    return n.sum(), t.sum()


def _ratio(n, t):
    return t / n


def _as_tuple(x):
    return tuple(x) if isinstance(x, tuple) else (x,)


class _Chunk:
    """Partition function: the chunk results of every (column, aggregation), as columns."""

    __slots__ = ("by", "entries", "dropna")

    def __init__(self, by, entries, dropna):
        self.by, self.entries, self.dropna = by, entries, dropna

    def __call__(self, df):
        g = df.groupby(list(self.by), sort=False, dropna=self.dropna, observed=True)
        cols = {}
        for i, (col, a) in enumerate(self.entries):
            for j, s in enumerate(_as_tuple(a.chunk(g[col]))):
                cols[f"{i}-{j}"] = s
        if not cols:
            return pd.DataFrame(index=g.size().index)
        return pd.DataFrame(cols)

    def __reduce__(self):
        return (_Chunk, (self.by, self.entries, self.dropna))


class _Final:
    """Partition function on the concatenated chunks: ``agg`` then ``finalize``, labelled."""

    __slots__ = ("nkeys", "entries", "labels", "series", "sort")

    def __init__(self, nkeys, entries, labels, series, sort):
        self.nkeys, self.entries, self.labels, self.series, self.sort = nkeys, entries, labels, series, sort

    def __call__(self, df):
        g = df.groupby(level=list(range(self.nkeys)), sort=False)
        out = {}
        for i, (_col, a) in enumerate(self.entries):
            args = [g[c] for c in df.columns if c.startswith(f"{i}-")]
            res = _as_tuple(a.agg(*args))
            res = a.finalize(*res) if a.finalize is not None else res[0]
            out[self.labels[i]] = res
        frame = pd.DataFrame(out)
        if isinstance(self.labels[0], tuple):
            frame.columns = pd.MultiIndex.from_tuples(list(out))
        if self.sort:
            frame = frame.sort_index()
        return frame.iloc[:, 0].rename(self.series[1]) if self.series[0] else frame

    def __reduce__(self):
        return (_Final, (self.nkeys, self.entries, self.labels, self.series, self.sort))


def custom_groupby_agg(df, by, spec, value_kind, sort=True, dropna=True, series_name=None):
    """Groupby-aggregate ``df`` (key columns ``by``) with ``spec``: ``[(column, label, aggregation)]``;
    the result is a Series named ``series_name`` when ``value_kind == "series"``, else a frame with
    the labels as columns.  Runs chunk per partition, then agg/finalize on one partition."""
    entries = tuple((c, a if is_aggregation(a) else _builtin(a)) for c, _lbl, a in spec)
    labels = tuple(lbl for _c, lbl, _a in spec)
    names = [lbl if not isinstance(lbl, tuple) else lbl[-1] for lbl in labels]
    if len({(c, n) for (c, _a), n in zip(entries, names)}) != len(entries):
        raise ValueError(f"duplicate aggregation names for one column: {names}")
    chunk = _Chunk(tuple(by), entries, dropna)
    parts = df.map_partitions(chunk, meta=chunk(df._meta))
    one = parts.repartition(npartitions=1) if parts.npartitions > 1 else parts
    final = _Final(len(by), entries, labels, (value_kind == "series", series_name), sort)
    return one.map_partitions(final, meta=final(one._meta))
