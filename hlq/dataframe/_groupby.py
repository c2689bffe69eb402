"""``df.groupby(...)`` and ``s.groupby(...)``: tree aggregations with dask.dataframe's options.

Aggregations: ``sum``, ``mean``, ``count``, ``size``, ``min``, ``max``,
``prod``, ``std``, ``var`` (from sums of squares, like dask), ``first``,
``last``, ``nunique`` (exact), via methods or ``agg`` with a name, a list, a
dict, or named aggregation (``agg(total=("x", "sum"))``).  ``split_out=n``
gives ``n`` output partitions (groups hashed to buckets), ``dropna`` and
``sort`` follow pandas, ``as_index=False`` returns the keys as columns.
Grouping keys are columns, or Series computed from the same frame.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> pdf = pd.DataFrame({"k": [1, 2, 1, 2, 1], "x": [1.0, 2.0, 3.0, 4.0, 6.0]})
>>> df = dd.from_pandas(pdf, npartitions=2)
>>> r = df.groupby("k").agg(total=("x", "sum"), spread=("x", "std")).compute()
>>> list(r.columns), r.total.tolist(), r.spread.round(3).tolist()
(['total', 'spread'], [10.0, 6.0], [2.517, 1.414])
>>> df.x.groupby(df.k).nunique().compute().sort_index().tolist()
[3, 2]
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd

from hlq.dataframe._elementwise import _ToFrame
from hlq.dataframe.nodes.ops import Assign, AssignFrom, MapPartitions, MetaBox, Project, SeriesExpr
from hlq.dataframe.nodes.reduction import GroupbyAgg
from hlq.dataframe._aggregation import custom_groupby_agg, is_aggregation
from hlq.dataframe._core import _Frame, DataFrame, new_collection, Series
from hlq.dataframe._index import Index, index_of
from hlq.dataframe.nodes.calls import nonempty_frame, nonempty_series
from hlq.dataframe.nodes.index_values import IndexValues
from hlq.dataframe.nodes.shuffle import Shuffle

__all__ = ["GroupBy", "frame_groupby", "series_groupby"]

class GroupBy:
    """A grouped frame or series; aggregations return lazy collections.

    Parameters
    ----------
    df : DataFrame
        The frame holding the key columns and the value columns.
    by : tuple
        Key column names of ``df``.
    column : str or list, optional
        The selected value column(s) (``df.groupby(k)[col]``).
    options : dict
        ``sort``, ``dropna``, ``as_index`` and the names to give the index levels
        (``index_names``) when keys were computed Series.
    """

    def __init__(self, df, by, column=None, **options):
        self._df, self._by, self._column, self._opts = df, tuple(by), column, options

    def __getitem__(self, key):
        if isinstance(key, (pd.Index, pd.Series, np.ndarray)) or (
                isinstance(key, tuple) and key not in self._df._node.dtype_map):
            key = list(key)  # several columns, as pandas selects them
        cols = key if isinstance(key, list) else [key]
        missing = [c for c in cols if c not in self._df._node.dtype_map]
        if missing:  # dask's messages
            if isinstance(key, list):
                raise KeyError(f"Columns not found: {missing}; columns are {list(self._df._node.columns)}")
            raise KeyError(f"Column not found: {key!r}; columns are {list(self._df._node.columns)}")
        return GroupBy(self._df, self._by, key, **self._opts)

    def compute(self, **kwargs):
        """A groupby is not a collection: raises dask's NotImplementedError."""
        raise NotImplementedError(
            "DataFrameGroupBy does not allow compute method."
            "Please chain it with an aggregation method (like ``.mean()``) or get a "
            "specific group using ``.get_group()`` before calling ``compute()``")

    def __dir__(self):
        """The attributes, and the frame's columns that are Python identifiers (``g.x``), as dask."""
        cols = [c for c in self._df._node.columns if isinstance(c, str) and c.isidentifier()]
        return sorted(set(object.__dir__(self)) | set(cols))

    def __getattr__(self, key):
        if key.startswith("_"):
            raise AttributeError(key)
        if key in self._df._node.dtype_map:
            return self[key]
        raise AttributeError(f"'GroupBy' object has no attribute {key!r}")

    def _value_columns(self):
        if self._column is None:
            return [c for c in self._df._node.columns if c not in self._by], "frame"
        if isinstance(self._column, list):
            return list(self._column), "frame"
        return [self._column], "series"

    def _make(self, spec, shape, split_every, split_out, labels_from_frame=False):
        o = self._opts
        if split_out is True:  # dask: as many output partitions as input partitions
            observed_only = o.get("observed") is not False or _categorical_keys(self._df._node, self._by) is None
            split_out = self._df._node.npartitions if observed_only else 1
        split_out = int(split_out or 1)
        if split_out == 1 and split_every is not None and split_every is not False and int(split_every) < 2:
            raise ValueError(f"split_every must be greater than 1, got {split_every}")  # a tree needs fan-in >= 2
        sort = o.get("sort")
        if sort is None:  # dask's default: sorted groups when there is one output partition
            sort = split_out == 1
        node = GroupbyAgg(self._df._node, self._by, tuple(spec), shape, split_every or 8, o.get("dropna", True),
                          bool(sort), split_out, o.get("as_index", True))
        out = new_collection(node)
        if o.get("observed") is False:
            cats = _categorical_keys(self._df._node, self._by)
            if cats is not None:
                if int(split_out or 1) > 1:
                    raise NotImplementedError("groupby(observed=False) on categorical keys needs split_out=1")
                fill = _Unobserved(len(self._by), cats, tuple(_FILL.get(h, np.nan) for _c, h in spec),
                                   o.get("as_index", True), bool(sort))
                out = out.map_partitions(fill, meta=out._meta)
        names = o.get("index_names")
        if names is not None:
            out = out.map_partitions(_SetIndexNames(names, o.get("as_index", True)),
                                     meta=_SetIndexNames(names, o.get("as_index", True))(out._meta))
        src = self._df._meta.columns
        if (labels_from_frame and out._node.kind == "frame" and not isinstance(out._meta.columns, pd.MultiIndex)
                and out._meta.columns.dtype != src.dtype and src.dtype == object):
            # labels taken from the frame's columns keep their index dtype (pandas)
            fix = _ColumnsAsObject()
            out = out.map_partitions(fix, meta=fix(out._meta))
        return out

    def agg(self, arg=None, split_every=None, split_out=1, **named):
        """Aggregate with a name, a list of names, a dict ``{column: name(s)}`` or named aggregation;
        names may be user-defined :class:`hlq.dataframe.Aggregation` objects.  ``shuffle_method``
        (dask's choice of shuffle) is accepted; ``"median"`` alone is the exact group median."""
        for k in ("shuffle_method", "shuffle"):
            named.pop(k, None)
        if isinstance(arg, str) and arg == "median":
            return self.median(split_out=None if split_out in (None, 1) else split_out)
        if _needs_shuffle(arg, named):
            # the exact median has no tree form: every group's rows are brought to one partition
            # (hash-partitioned by the keys) and pandas aggregates the whole spec there, as dask does
            return _shuffled_call(self, "agg", () if arg is None else (arg,), named, aggregate=True,
                                  split_out=None if split_out in (None, 1) else split_out)
        cols, kind = self._value_columns()
        if _has_custom(arg):
            return self._custom(arg, cols, kind, split_out)
        if arg is None and named:
            spec, names = [], []
            for out_name, pair in named.items():
                if hasattr(pair, "column") and hasattr(pair, "aggfunc"):  # pd.NamedAgg
                    pair = (pair.column, pair.aggfunc)
                elif kind == "series" and not isinstance(pair, tuple):  # s.groupby(k).agg(name=func)
                    pair = (self._column, pair)
                if not (isinstance(pair, tuple) and len(pair) == 2):
                    raise TypeError(f"named aggregation {out_name}= must be a (column, aggfunc) tuple")
                c, h = pair
                if kind == "series" and c not in self._df._node.dtype_map:
                    c = self._column
                spec.append((c, _name(h)))
                names.append(out_name)
            return self._make(spec, ("named", tuple(names)), split_every, split_out)
        if isinstance(arg, str) and arg == "size":  # one count per group, a Series (pandas)
            return self.size(split_every=split_every, split_out=split_out)
        if isinstance(arg, str) or callable(arg):
            spec = [(c, _name(arg)) for c in cols]
            shape = "series" if kind == "series" else "flat"
            return self._make(spec, shape, split_every, split_out, labels_from_frame=True)
        elif isinstance(arg, list):
            spec = [(c, _name(a)) for c in cols for a in arg]
            if kind == "series":
                return self._make(spec, ("named", tuple(_name(a) for a in arg)), split_every, split_out)
            shape = "multi"
        elif isinstance(arg, dict):
            spec, multi = [], False
            for c, a in arg.items():
                if isinstance(a, list):
                    multi = True
                    spec.extend((c, _name(x)) for x in a)
                else:
                    spec.append((c, _name(a)))
            shape = "multi" if multi else "flat"
        else:
            raise TypeError(f"unsupported aggregation spec {arg!r}")
        return self._make(spec, shape, split_every, split_out)

    aggregate = agg

    def _custom(self, arg, cols, kind, split_out):
        if int(split_out or 1) > 1:
            raise NotImplementedError("custom Aggregation with split_out > 1")
        nm = _agg_label
        if isinstance(arg, dict):
            multi = any(isinstance(a, list) for a in arg.values())
            spec = []
            for c, a in arg.items():
                for x in (a if isinstance(a, list) else [a]):
                    spec.append((c, (c, nm(x)) if multi else c, x))
            value_kind = "frame"
        elif isinstance(arg, list):
            if kind == "series":
                spec = [(cols[0], nm(a), a) for a in arg]
            else:
                spec = [(c, (c, nm(a)), a) for c in cols for a in arg]
            value_kind = "frame"
        else:
            spec = [(c, c, arg) for c in cols]
            value_kind = kind
        o = self._opts
        out = custom_groupby_agg(self._df, self._by, spec, value_kind, o.get("sort", True), o.get("dropna", True),
                                 cols[0] if value_kind == "series" else None)
        names = o.get("index_names")
        if names is not None:
            fix = _SetIndexNames(names, True)
            out = out.map_partitions(fix, meta=fix(out._meta))
        if not o.get("as_index", True):
            out = out.reset_index()
        return out

    def _numeric_only(self, how, numeric_only):
        """This groupby restricted to its numeric value columns when ``numeric_only`` (pandas'
        option); ``mean``/``std``/``var`` of non-numeric columns raise, like dask."""
        cols, kind = self._value_columns()
        dm = self._df._node.dtype_map
        numeric = [c for c in cols if _is_numeric_dtype(dm[c])]
        if not numeric_only:
            if how in ("mean", "std", "var") and len(numeric) < len(cols):
                raise NotImplementedError(
                    f"'numeric_only=False' is not implemented in Dask (nor in hlq) for groupby {how} of "
                    f"non-numeric columns {[c for c in cols if c not in numeric]}; pass numeric_only=True")
            return self
        if kind == "series":
            if not numeric:
                raise TypeError(f"Cannot use numeric_only=True with SeriesGroupBy.{how} and non-numeric dtypes.")
            return self
        if len(numeric) == len(cols):
            return self
        return GroupBy(self._df, self._by, numeric, **self._opts)

    def _one(self, how, split_every, split_out, numeric_only=False, min_count=None, ddof=1, **kwargs):
        for k in ("shuffle_method", "shuffle"):
            kwargs.pop(k, None)
        if kwargs:
            raise TypeError(f"groupby {how} got unexpected arguments {sorted(kwargs)}")
        g = self._numeric_only(how, numeric_only)
        if how in ("std", "var"):
            how = _ddof_how(how, ddof)
        if not min_count or how not in ("sum", "prod"):
            return g.agg(how, split_every=split_every, split_out=split_out)
        # pandas' min_count: missing where a group has fewer than min_count values (one tree for both)
        cols, kind = g._value_columns()
        spec = [(c, h) for c in cols for h in (how, "count")]
        both = g._make(spec, "multi", split_every, split_out)
        f = _MinCount(int(min_count), tuple(cols), how, kind == "series")
        return both.map_partitions(f, meta=f(both._meta))

    def sum(self, numeric_only=False, min_count=None, split_every=None, split_out=1, **kwargs):
        return self._one("sum", split_every, split_out, numeric_only, min_count, **kwargs)

    def mean(self, numeric_only=False, split_every=None, split_out=1, **kwargs):
        return self._one("mean", split_every, split_out, numeric_only, **kwargs)

    def count(self, split_every=None, split_out=1, **kwargs):
        return self._one("count", split_every, split_out, **kwargs)

    def min(self, numeric_only=False, split_every=None, split_out=1, **kwargs):
        return self._one("min", split_every, split_out, numeric_only, **kwargs)

    def max(self, numeric_only=False, split_every=None, split_out=1, **kwargs):
        return self._one("max", split_every, split_out, numeric_only, **kwargs)

    def prod(self, numeric_only=False, min_count=None, split_every=None, split_out=1, **kwargs):
        return self._one("prod", split_every, split_out, numeric_only, min_count, **kwargs)

    def first(self, numeric_only=False, split_every=None, split_out=1, **kwargs):
        return self._one("first", split_every, split_out, numeric_only, **kwargs)

    def last(self, numeric_only=False, split_every=None, split_out=1, **kwargs):
        return self._one("last", split_every, split_out, numeric_only, **kwargs)

    def nunique(self, split_every=None, split_out=None):
        """Number of distinct values per group.  Like dask, a Series groupby (``df.groupby(k).c``)
        defaults to ``split_out=True``: as many output partitions as the input has (groups hashed
        to partitions, unsorted); a frame groupby to one sorted partition."""
        if split_out is None:
            split_out = self._value_columns()[1] == "series"
        return self._one("nunique", split_every, split_out)

    def std(self, ddof=1, split_every=None, split_out=1, numeric_only=False, **kwargs):
        return self._one("std", split_every, split_out, numeric_only, ddof=ddof, **kwargs)

    def var(self, ddof=1, split_every=None, split_out=1, numeric_only=False, **kwargs):
        return self._one("var", split_every, split_out, numeric_only, ddof=ddof, **kwargs)

    def size(self, split_every=None, split_out=1):
        # a column's groupby names its size after the column (pandas' SeriesGroupBy.size)
        col = self._column if self._column is not None and not isinstance(self._column, list) else None
        return self._make(((col, "size"),), "series", split_every, split_out)

    # ------------------------- group-wise operations through a shuffle (see _shuffled_call)
    def apply(self, func, *args, meta=None, shuffle_method=None, **kwargs):
        """``func`` of every group (pandas' ``apply``); rows are hash-partitioned by the keys first.
        Without ``meta`` the result's meta is inferred from fake rows, with dask's warning."""
        return _shuffled_call(self, "apply", (func, *args), kwargs, _meta_arg(meta), warn_meta=meta is None)

    def transform(self, func, *args, meta=None, shuffle_method=None, **kwargs):
        """``func`` of every group, aligned with the original rows (pandas' ``transform``)."""
        return _shuffled_call(self, "transform", (func, *args), kwargs, _meta_arg(meta), warn_meta=meta is None)

    def _rowwise(self, method, args=(), **kwargs):
        for k in ("meta", "shuffle_method", "axis"):
            kwargs.pop(k, None)
        return _shuffled_call(self, method, args, kwargs)

    def cumsum(self, *args, **kwargs):
        return self._rowwise("cumsum", args, **kwargs)

    def cumprod(self, *args, **kwargs):
        return self._rowwise("cumprod", args, **kwargs)

    def cummin(self, *args, **kwargs):
        return self._rowwise("cummin", args, **kwargs)

    def cummax(self, *args, **kwargs):
        return self._rowwise("cummax", args, **kwargs)

    def cumcount(self, *args, **kwargs):
        return self._rowwise("cumcount", args, **kwargs)

    def ffill(self, *args, **kwargs):
        return self._rowwise("ffill", args, **kwargs)

    def bfill(self, *args, **kwargs):
        return self._rowwise("bfill", args, **kwargs)

    def shift(self, *args, **kwargs):
        return self._rowwise("shift", args, **kwargs)

    def diff(self, *args, **kwargs):
        return self._rowwise("diff", args, **kwargs)

    def rank(self, *args, **kwargs):
        return self._rowwise("rank", args, **kwargs)

    def head(self, *args, **kwargs):
        return self._rowwise("head", args, **kwargs)

    def tail(self, *args, **kwargs):
        return self._rowwise("tail", args, **kwargs)

    def _per_group(self, method, args=(), split_out=None, **kwargs):
        for k in ("shuffle_method", "split_every"):
            kwargs.pop(k, None)
        return _shuffled_call(self, method, args, kwargs, aggregate=True, split_out=split_out)

    def median(self, *args, **kwargs):
        """Exact group medians (rows hash-partitioned by the keys)."""
        return self._per_group("median", args, **kwargs)

    def idxmin(self, *args, **kwargs):
        return self._per_group("idxmin", args, **kwargs)

    def idxmax(self, *args, **kwargs):
        return self._per_group("idxmax", args, **kwargs)

    def value_counts(self, *args, **kwargs):
        return self._per_group("value_counts", args, **kwargs)

    def unique(self, *args, **kwargs):
        return self._per_group("unique", args, **kwargs)

    def cov(self, *args, **kwargs):
        return self._per_group("cov", args, **kwargs)

    def corr(self, *args, **kwargs):
        return self._per_group("corr", args, **kwargs)

    def nlargest(self, *args, **kwargs):
        return self._per_group("nlargest", args, **kwargs)

    def nsmallest(self, *args, **kwargs):
        return self._per_group("nsmallest", args, **kwargs)

    def get_group(self, key):
        """The rows of group ``key`` (every partition filtered; no shuffle)."""
        f = _GetGroup(self._by, self._column, key)
        return self._df.map_partitions(f, meta=f(nonempty_meta(self._df._meta)).iloc[:0])


def _is_numeric_dtype(dt):
    """A dtype pandas' ``numeric_only`` keeps (numbers and booleans)."""
    return pd.api.types.is_numeric_dtype(dt) or pd.api.types.is_bool_dtype(dt)


class _MinCount:
    """Partition function: from ``(column, how)`` and ``(column, "count")`` columns, the ``how``
    values, missing where a group has fewer than ``min_count`` values (pandas' ``min_count``)."""

    __slots__ = ("min_count", "cols", "how", "series")

    def __init__(self, min_count, cols, how, series):
        self.min_count, self.cols, self.how, self.series = min_count, tuple(cols), how, series

    def __call__(self, df):
        out = pd.DataFrame({c: df[(c, self.how)].where(df[(c, "count")] >= self.min_count) for c in self.cols},
                           index=df.index, columns=list(self.cols))
        return out.iloc[:, 0] if self.series else out

    def __reduce__(self):
        return (_MinCount, (self.min_count, self.cols, self.how, self.series))


def _agg_label(a):
    return a if isinstance(a, str) else a.__name__


def _needs_shuffle(arg, named):
    """Whether an ``agg`` spec (a name, list, dict or named aggregation) asks for an aggregation
    without a tree form: the exact median, or the list of each group's values."""
    vals = list(arg.values()) if isinstance(arg, dict) else [arg]
    vals += [v[1] if isinstance(v, tuple) and len(v) == 2 else getattr(v, "aggfunc", v) for v in named.values()]
    flat = []
    for v in vals:
        flat.extend(v if isinstance(v, list) else [v])
    return any((isinstance(v, str) and v in ("median", "list")) or v is np.median or v is list for v in flat)


def _has_custom(arg):
    vals = list(arg.values()) if isinstance(arg, dict) else [arg]
    flat = []
    for v in vals:
        flat.extend(v if isinstance(v, list) else [v])
    return any(is_aggregation(v) for v in flat)


def _ddof_how(how, ddof):
    """The groupby aggregation name of ``how`` (std or var) with ``ddof``: ``"var@0"`` for ``ddof=0``."""
    if isinstance(ddof, (bool, np.bool_)) or not isinstance(ddof, (int, np.integer)):
        raise TypeError(f"ddof must be an integer, got {ddof!r}")
    return how if int(ddof) == 1 else f"{how}@{int(ddof)}"


_NAMES = {"sum": "sum", "mean": "mean", "count": "count", "min": "min", "max": "max", "prod": "prod",
          "std": "std", "var": "var", "first": "first", "last": "last", "nunique": "nunique", "size": "size"}


def _name(h):
    import numpy as np

    if isinstance(h, str):
        return h
    if isinstance(h, functools.partial) and h.func in (np.std, np.var):
        fname = "std" if h.func is np.std else "var"
        if h.args:
            raise TypeError(f"{fname} doesn't support positional arguments")
        extra = set(h.keywords) - {"ddof"}
        if extra:
            raise TypeError(f"{fname} supports {{'ddof'}} keyword arguments, but got {extra}")
        return _ddof_how(fname, h.keywords.get("ddof", 0))  # numpy's default ddof is 0
    for fn, n in ((np.sum, "sum"), (np.mean, "mean"), (np.min, "min"), (np.max, "max"), (np.prod, "prod"),
                  (np.std, "std"), (np.var, "var"), (len, "size")):
        if h is fn:
            return n
    raise ValueError(f"unsupported groupby aggregation {h!r}; use one of {sorted(_NAMES)}")


_FILL = {"sum": 0, "count": 0, "size": 0, "nunique": 0, "prod": 1}  # pandas' value for an empty group


def _categorical_keys(node, by):
    """Per key: its categories when categorical, else None; None when no key is categorical."""
    dm = node.dtype_map
    cats = tuple(tuple(dm[b].categories) if isinstance(dm[b], pd.CategoricalDtype) else None for b in by)
    return cats if any(c is not None for c in cats) else None


class _Unobserved:
    """Partition function for ``observed=False``: add the groups of unobserved categories (every
    combination of the categorical keys' categories with the other keys' values), filled as
    pandas fills empty groups (0 for sum/count/size/nunique, 1 for prod, missing otherwise; the
    columns keep their dtypes where the fill allows).  The categories are those of the data, so
    keys whose categories are unknown in the metadata work too."""

    __slots__ = ("nkeys", "cats", "fills", "as_index", "sort")

    def __init__(self, nkeys, cats, fills, as_index, sort):
        self.nkeys, self.cats, self.fills, self.as_index, self.sort = nkeys, cats, fills, as_index, sort

    def __reduce__(self):
        return (_Unobserved, (self.nkeys, self.cats, self.fills, self.as_index, self.sort))

    def __call__(self, res):
        series = isinstance(res, pd.Series)
        df = res.to_frame() if series else res
        if not self.as_index:
            df = df.set_index(list(df.columns[: self.nkeys]))
        idx = df.index
        levels = []
        for i, cats in enumerate(self.cats):
            lev = idx.get_level_values(i)
            if cats is not None and isinstance(lev.dtype, pd.CategoricalDtype):
                levels.append(pd.CategoricalIndex(lev.categories, dtype=lev.dtype, name=lev.name))
            else:
                levels.append(lev.unique())
        full = (pd.MultiIndex.from_product(levels) if len(levels) > 1 else levels[0])
        missing = full.difference(idx, sort=False) if len(full) else full
        if len(missing):
            if not isinstance(missing, pd.MultiIndex) and isinstance(idx.dtype, pd.CategoricalDtype):
                missing = pd.CategoricalIndex(missing, dtype=idx.dtype, name=idx.name)
            grown = df.reindex(idx.append(missing))
            for i, fill in enumerate(self.fills):
                if not (isinstance(fill, float) and np.isnan(fill)):
                    col = grown.iloc[:, i].fillna(fill)
                    try:
                        col = col.astype(df.dtypes.iloc[i])
                    except (TypeError, ValueError):
                        pass
                    grown.isetitem(i, col)
            df = grown
            if self.sort:
                df = df.sort_index()
        if not self.as_index:
            df = df.reset_index()
        return df.iloc[:, 0].rename(res.name) if series else df


class _ColumnsAsObject:
    """Partition function: the column labels as an object-dtype index."""

    def __call__(self, df):
        df = df.copy(deep=False)
        df.columns = df.columns.astype(object)
        return df


class _SetIndexNames:
    """Partition function: give the group index levels (or key columns) their user-facing names."""

    __slots__ = ("names", "as_index")

    def __init__(self, names, as_index):
        self.names, self.as_index = tuple(names), as_index

    def __call__(self, df):
        if self.as_index:
            df = df.copy()
            df.index = df.index.set_names(list(self.names))
            return df
        return df.rename(columns=dict(zip(_tmp_keys(len(self.names)), self.names)))

    def __reduce__(self):
        return (_SetIndexNames, (self.names, self.as_index))


def _tmp_keys(n):
    return [f"__key{i}" for i in range(n)]


def _index_key(obj, k):
    """``obj``'s index as a lazy Index when ``k`` names it (and is no column), else None."""
    if isinstance(k, _Frame) or not _hashable(k):
        return None
    node = obj._node
    if node.kind == "frame" and k in node.dtype_map:
        return None
    names = [n for n in node.meta.index.names if n is not None]
    if k in names and node.meta.index.nlevels == 1:
        return index_of(obj)
    return None


def _hashable(k):
    try:
        hash(k)
    except TypeError:
        return False
    return True


def _key_frame(base, keys):
    """``(frame, key column names, index names or None, index keys)`` grouping ``base`` (a DataFrame)
    by ``keys``: column names, the index's name, the index, or Series computed from the same frame or
    aligned with it.  ``index keys`` are the key columns holding the frame's index values."""
    node = base._node
    names, pairs, froms, labels, computed, index_keys = [], [], [], [], False, []
    for i, k in enumerate(keys):
        ix = _index_key(base, k)
        if ix is not None:
            k = ix
        if isinstance(k, Index) and isinstance(k._node, IndexValues) and k._node.child is node:
            index_keys.append(f"__key{i}")
        if isinstance(k, Series) and isinstance(k._node, SeriesExpr) and k._node.child is node \
                and k._node.expr == ("col", k.name):
            k = k.name  # a column of this frame: grouped by that column, which leaves the values (pandas)
        if isinstance(k, Series):
            computed = True
            tmp = f"__key{i}"
            kn = k._node
            if isinstance(kn, SeriesExpr) and kn.child is node:
                pairs.append((tmp, kn.expr))
            else:
                froms.append((tmp, kn))
            names.append(tmp)
            labels.append(k.name)
        else:
            if k not in node.dtype_map:
                raise KeyError(f"groupby key {k!r} not found; columns are {list(node.columns)}")
            names.append(k)
            labels.append(k)
    if not computed:
        return base, tuple(names), None, ()
    out = node
    if pairs:
        out = Assign(out, tuple(pairs))
    for tmp, kn in froms:
        out = AssignFrom(out, tmp, kn)
    return DataFrame(out), tuple(names), tuple(labels), tuple(index_keys)


def frame_groupby(df, by, sort=None, dropna=True, as_index=True, observed=True, group_keys=True, **kwargs):
    """``df.groupby(by, sort=, dropna=, as_index=, observed=)``; ``by`` columns or aligned Series.

    ``sort=None`` (dask's default) sorts the groups when the result has one partition.
    ``observed=False`` adds the groups of unobserved categories of categorical keys, like
    pandas; ``group_keys`` is passed to pandas in ``apply`` (aggregations have no group keys)."""
    if kwargs:
        raise TypeError(f"groupby got unexpected arguments {sorted(kwargs)}")
    keys = list(by) if isinstance(by, (list, tuple)) else [by]
    if not keys:
        raise ValueError("No group keys passed!")
    frame, names, labels, index_keys = _key_frame(df, keys)
    opts = {"sort": sort, "dropna": dropna, "as_index": as_index, "observed": bool(observed)}
    if group_keys is not True:
        opts["group_keys"] = group_keys
    if labels is not None:
        opts["index_names"] = labels
    if index_keys:
        opts["index_keys"] = index_keys
    return GroupBy(frame, names, **opts)


def series_groupby(s, by, sort=None, dropna=True, **kwargs):
    """``s.groupby(by)`` with ``by`` an aligned Series (or list of them)."""
    if kwargs:
        raise TypeError(f"Series.groupby got unexpected arguments {sorted(kwargs)}")
    keys = list(by) if isinstance(by, (list, tuple)) else [by]
    if not keys:
        raise ValueError("No group keys passed!")
    for k in keys:
        if not isinstance(k, Series) and _index_key(s, k) is None:
            if _hashable(k) and not callable(k) and not isinstance(k, _Frame):
                raise KeyError(k)  # a label that names no index level (pandas)
            raise NotImplementedError("Series.groupby supports grouping by aligned Series (e.g. s.groupby(df.k)) "
                                      "or by the name of its index")
    value = "__value"
    vn = s._node
    if isinstance(vn, SeriesExpr):
        base = DataFrame(Assign(vn.child, ((value, vn.expr),)))
    else:
        base = DataFrame(MapPartitions(vn, _ToFrame(value), (), (), MetaBox(s._meta.to_frame(value)), True))
    # keys from the value's own frame become expressions over it
    fixed = []
    for k in keys:
        if not isinstance(k, Series):
            fixed.append(_index_key(base, k))
            continue
        kn = k._node
        if isinstance(kn, IndexValues) and (kn.child is vn or (isinstance(vn, SeriesExpr) and kn.child is vn.child)):
            fixed.append(index_of(base))  # the series' own index
        elif isinstance(vn, SeriesExpr) and isinstance(kn, SeriesExpr) and kn.child is vn.child:
            fixed.append(Series(SeriesExpr(base._node, kn.expr, kn.sname)))
        else:
            fixed.append(k)
    frame, names, labels, index_keys = _key_frame(base, fixed)
    frame = DataFrame(Project(frame._node, (*names, value)))
    g = GroupBy(frame, names, value, sort=sort, dropna=dropna, as_index=True, index_names=labels,
                index_keys=index_keys)
    return _SeriesGroupBy(g, s.name)


class _SeriesGroupBy:
    """``s.groupby(k)``: a GroupBy of one value column, renamed back to the series name."""

    def __init__(self, g, name):
        self._g, self._name = g, name

    def __getattr__(self, key):
        if key.startswith("_"):
            raise AttributeError(key)
        attr = getattr(self._g, key)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            out = attr(*args, **kwargs)
            if key == "cumcount":  # pandas leaves it unnamed
                return out
            if out._node.kind == "series":
                return out.rename(self._name)
            return out

        return call


# ------------------------------------------------ group-wise operations through a shuffle
class _GroupCall:
    """Partition function: ``part.groupby(by, **options)[column].<method>(*args, **kwargs)``, with
    the levels of computed keys (``__key<i>``) renamed to the keys' names.  Every group lies in
    one partition (the rows were hash-partitioned by the keys), so the result is pandas' result
    for the rows of that partition's groups."""

    __slots__ = ("by", "column", "method", "args", "kwargs", "options", "labels")

    def __init__(self, by, column, method, args=(), kwargs=(), options=(), labels=None):
        self.by, self.column, self.method = tuple(by), column, method
        self.args, self.kwargs, self.options = tuple(args), tuple(kwargs), tuple(options)
        self.labels = None if labels is None else tuple(labels)

    def __call__(self, part):
        by = list(self.by)
        if self.labels is not None:
            # computed keys (held in temporary columns) group as Series named by their labels: like
            # pandas' grouping by an index level or an outside Series, they are not columns of the groups
            # (copies: pandas takes a key sharing memory with a column for that column)
            tmp = [b for b, lab in zip(self.by, self.labels) if b != lab]
            by = [part[b].rename(lab).copy() if b != lab else b for b, lab in zip(self.by, self.labels)]
            part = part.drop(columns=tmp)
        g = part.groupby(by if len(by) > 1 else by[0], **dict(self.options))
        if self.column is not None:
            g = g[self.column]
        return getattr(g, self.method)(*self.args, **dict(self.kwargs))

    def __reduce__(self):
        return (_GroupCall, (self.by, self.column, self.method, self.args, self.kwargs, self.options, self.labels))


class _EmptyAsMeta:
    """Partition function: ``func(part)``, or the result's empty ``meta`` for an empty partition
    (pandas gives an empty frame for any ``apply`` of no groups)."""

    __slots__ = ("func", "meta")

    def __init__(self, func, meta):
        self.func, self.meta = func, meta

    def __call__(self, part):
        if len(part) == 0 and isinstance(self.meta, (pd.DataFrame, pd.Series)):
            return self.meta
        return self.func(part)

    def __reduce__(self):
        return (_EmptyAsMeta, (self.func, self.meta))


class _SortIndex:
    """Partition function: ``part.sort_index()``."""

    def __call__(self, part):
        return part.sort_index()


_META_WARNING = ("`meta` is not specified, inferred from partial data. Please provide `meta` if the result is "
                 "unexpected.\n  Before: .apply(func)\n  After:  .apply(func, meta={'x': 'f8', 'y': 'f8'}) for "
                 "dataframe result\n  or:     .apply(func, meta=('x', 'f8'))            for series result")


def _group_options(opts, **extra):
    out = {"sort": bool(opts.get("sort") in (None, True)), "dropna": opts.get("dropna", True)}
    if opts.get("observed") is not None:
        out["observed"] = opts.get("observed", True)
    if "group_keys" in opts:
        out["group_keys"] = opts["group_keys"]
    out.update(extra)
    return tuple(sorted(out.items()))


def _shuffled_call(g, method, args=(), kwargs=None, meta=None, aggregate=False, split_out=None, warn_meta=False,
                   options=None):
    """``method`` of every group, computed per partition after hash-partitioning the rows by the keys.

    ``aggregate``: the result has one row per group (``split_out`` partitions; one sorted partition
    by default when the groupby sorts); else rows keep their original index (``transform``-like) or
    the function decides (``apply``)."""
    o = g._opts
    f = _GroupCall(g._by, g._column, method, args, tuple(sorted((kwargs or {}).items())),
                   options if options is not None else _group_options(o), o.get("index_names"))
    df = g._df
    if meta is None:
        meta = f(nonempty_meta(df._meta))
        meta = meta.iloc[:0] if isinstance(meta, (pd.DataFrame, pd.Series)) else meta
        if warn_meta:
            warnings.warn(_META_WARNING, UserWarning, stacklevel=3)
    n = df.npartitions
    if aggregate and split_out not in (None, True):
        n = max(1, int(split_out))
    # every group already lies in one partition when a key is the index and the divisions are known
    in_place = bool(o.get("index_keys")) and df.known_divisions and n == df.npartitions
    shuffled = df if in_place or (df.npartitions == 1 and n == 1) else new_collection(Shuffle(df._node, tuple(g._by), n))
    out = shuffled.map_partitions(_EmptyAsMeta(f, meta), meta=meta)
    if aggregate and (split_out is None or int(split_out) == 1):
        if out.npartitions > 1:
            out = out.repartition(npartitions=1)
        if o.get("sort") in (None, True):
            out = out.map_partitions(_SortIndex(), meta=out._meta)
    if aggregate and not o.get("as_index", True) and isinstance(out._meta, (pd.Series, pd.DataFrame)):
        out = out.reset_index()
    return out


def _meta_arg(meta):
    """A user's ``meta`` (dask's forms) as an empty pandas object, or None."""
    if meta is None:
        return None
    if isinstance(meta, _Frame):
        return meta._meta
    if isinstance(meta, dict):
        return pd.DataFrame({k: pd.Series([], dtype=v) for k, v in meta.items()})
    if isinstance(meta, tuple) and len(meta) == 2:
        return pd.Series([], dtype=meta[1], name=meta[0])
    if isinstance(meta, list):
        return pd.DataFrame({k: pd.Series([], dtype=v) for k, v in meta})
    return meta


def nonempty_meta(meta):
    """Two fake rows of ``meta`` (or ``meta`` itself when none can be made)."""
    sample = nonempty_frame(meta)
    if sample is None:
        return meta
    idx = meta.index
    levels = [nonempty_series(idx.dtypes.iloc[i] if idx.nlevels > 1 else idx.dtype) for i in range(idx.nlevels)]
    if all(lev is not None for lev in levels):
        # fake index values of the index's dtype(s) and names (results keeping the rows keep them)
        sample.index = (pd.MultiIndex.from_arrays(levels, names=idx.names) if idx.nlevels > 1
                        else pd.Index(levels[0], name=idx.name))
    else:
        sample.index = sample.index.rename(idx.name) if idx.nlevels == 1 else sample.index
    return sample


class _GetGroup:
    """Partition function: the rows of one group (none when the partition does not hold it)."""

    __slots__ = ("by", "column", "key")

    def __init__(self, by, column, key):
        self.by, self.column, self.key = tuple(by), column, key

    def __call__(self, part):
        mask = np.ones(len(part), dtype=bool)
        key = self.key if len(self.by) > 1 else (self.key,)
        for b, k in zip(self.by, key):
            mask &= (part[b] == k).to_numpy(dtype=bool, na_value=False)
        out = part[mask]
        return out if self.column is None else out[self.column]

    def __reduce__(self):
        return (_GetGroup, (self.by, self.column, self.key))

