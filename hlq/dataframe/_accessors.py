"""``Series.str``, ``Series.dt`` and ``Series.cat``: pandas accessors as column expressions.

An accessor checks the series dtype when it is created (``.str`` on integers
raises pandas' ``AttributeError``, like dask).  Each member is looked up on the
pandas accessor of the empty meta: a property (``dt.year``) or a method
(``str.lower()``) becomes a ``("call", ...)`` column expression, so pushdown
sees through it; metadata members (``cat.categories``, ``dt.tz``) are
answered from the meta directly.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> pdf = pd.DataFrame({"s": [" Ab", "cd "], "t": pd.to_datetime(["2024-01-02", "2025-03-04"])})
>>> df = dd.from_pandas(pdf, npartitions=2)
>>> df.s.str.strip().str.lower().compute().tolist()
['ab', 'cd']
>>> df.t.dt.year.compute().tolist()
[2024, 2025]
>>> df[df.s.str.startswith("c")].t.dt.strftime("%m/%d").compute().tolist()
['03/04']
"""

from __future__ import annotations

import operator

import pandas as pd

from hlq.dataframe import _reductions as _red
from hlq.dataframe._elementwise import series_call
from hlq.dataframe._core import Series, new_collection, realign
from hlq.dataframe._io import from_pandas
from hlq.dataframe._index import Index, index_map
from hlq.dataframe.nodes.multipart import ZipPartitions
from hlq.dataframe.nodes.ops import MetaBox
from hlq.dataframe.nodes.reduction import Fn
from hlq.dataframe.nodes.calls import has_unknown_categories, unknown_categorical

__all__ = ["StringAccessor", "DatetimeAccessor", "CategoricalAccessor", "IndexCategoricalAccessor",
           "AttributeNotImplementedError"]


class AttributeNotImplementedError(NotImplementedError, AttributeError):
    """An accessor member hlq does not provide: a ``NotImplementedError`` that is also an
    ``AttributeError``, so ``hasattr`` and IPython's completion treat it as absent (as dask)."""

# members dask's accessors do not have either (absent from dir(), hasattr is False)
_ABSENT = {
    "str": {"get_dummies": "str.get_dummies is not supported (as in dask); use dd.get_dummies on a categorical "
                           "column or map_partitions"},
    "dt": {},
    "cat": {},
}

# members that give a DataFrame (or change the index): computed partition by partition
_FRAME_VALUED = {"str.extractall", "str.partition", "str.rpartition", "dt.isocalendar", "dt.components"}


def _accessor_member(meta, name: str, key: str):
    """Member ``key`` of the ``name`` accessor (``str``, ``dt``, ``cat``) of pandas Series ``meta``:
    private names raise AttributeError, members dask lacks raise dask's error, unknown members
    raise pandas' AttributeError."""
    if key.startswith("_"):
        raise AttributeError(key)
    why = _ABSENT[name].get(key)
    if why:
        raise AttributeNotImplementedError(why)
    return getattr(getattr(meta, name), key)


class _Accessor:
    _name = ""

    def __init__(self, series):
        meta = series._meta
        getattr(meta, self._name)  # pandas raises AttributeError for a wrong dtype
        self._series = series

    def __dir__(self):
        return [m for m in dir(getattr(self._series._meta, self._name))
                if not m.startswith("_") and m not in _ABSENT[self._name]]

    def __getattr__(self, key):
        member = _accessor_member(self._series._meta, self._name, key)
        path = f"{self._name}.{key}"
        if path in _FRAME_VALUED and not callable(member):
            return _frame_map(self._series, path, attr=True)
        if isinstance(member, pd.Series):
            return series_call(self._series, path, attr=True, name=member.name)
        if callable(member):
            return _Method(self._series, path)
        return member  # metadata: categories, ordered, tz, freq, ...


class _Method:
    """A bound accessor method; calling it builds the column expression."""

    __slots__ = ("series", "path")

    def __init__(self, series, path):
        self.series, self.path = series, path

    def __call__(self, *args, **kwargs):
        if self.path in ("str.split", "str.rsplit"):
            return _split(self.series, self.path, *args, **kwargs)
        if self.path == "str.extract" and kwargs.get("expand", True):
            return _frame_map(self.series, self.path, args, kwargs)
        if self.path in ("str.partition", "str.rpartition") and not kwargs.get("expand", True):
            return series_call(self.series, self.path, args=args, kwargs=kwargs)
        if self.path in _FRAME_VALUED:
            return _frame_map(self.series, self.path, args, kwargs)
        if self.path == "str.cat":
            return _str_cat(self.series, *args, **kwargs)
        return series_call(self.series, self.path, args=args, kwargs=kwargs)


def _nonempty(s):
    """A small Series of fake values of ``s``'s dtype (dask's ``meta_nonempty``)."""
    # deferred: dask.dataframe is slow to import
    from dask.dataframe.utils import meta_nonempty

    return meta_nonempty(s._meta)


def _frame_map(s, path, args=(), kwargs=None, attr=False, meta=None, columns=None):
    """``s.<path>(*args, **kwargs)`` (or the property) partition by partition, for members whose
    result is a frame or has another index (``str.extractall``): the metadata comes from the
    member on fake values (or ``meta``); ``columns`` (``(name, dtype)`` pairs) pads every
    partition to those columns, the added ones all missing, of the declared dtype."""
    f = _PartitionCall(path, tuple(args), tuple(sorted((kwargs or {}).items())), attr, columns)
    if meta is None:
        meta = f(_nonempty(s)).iloc[:0]
    return s.map_partitions(f, meta=meta)


class _PartitionCall:
    """Partition function ``part.<path>(*args, **kwargs)`` (or the property ``part.<path>``),
    reindexed to ``columns`` (``(name, dtype)`` pairs) when given (absent columns all missing)."""

    __slots__ = ("path", "args", "kwargs", "attr", "columns")

    def __init__(self, path, args, kwargs, attr=False, columns=None):
        self.path, self.args, self.kwargs, self.attr, self.columns = path, args, kwargs, attr, columns

    def __call__(self, part):
        obj = part
        for p in self.path.split("."):
            obj = getattr(obj, p)
        out = obj if self.attr else obj(*self.args, **dict(self.kwargs))
        if self.columns is not None:
            names = [c for c, _ in self.columns]
            missing = [(c, dt) for c, dt in self.columns if c not in out.columns]
            out = out.reindex(columns=names)
            if missing:
                out = out.astype(dict(missing))
        return out

    def __reduce__(self):
        return (_PartitionCall, (self.path, self.args, self.kwargs, self.attr, self.columns))


def _split(s, path, pat=None, n=-1, expand=False, regex=None):
    """``str.split``/``str.rsplit``: element-wise lists, or with ``expand=True`` a frame of ``n + 1``
    columns (dask's metadata: ``n`` must be given; partitions with fewer pieces are padded)."""
    kw = {"pat": pat, "n": n, "expand": expand}
    if regex is not None:
        kw["regex"] = regex
    if not expand:
        return series_call(s, path, kwargs=kw)
    if n is None or n == -1 or n == 0:
        raise NotImplementedError(
            "To use the expand parameter you must specify the number of expected splits with the n= parameter. "
            "Usually n splits result in n+1 output columns.")
    delimiter = " " if pat is None else pat
    sample = pd.Series([delimiter.join(["a"] * (n + 1))], index=_nonempty(s).iloc[:1].index, dtype=s.dtype)
    meta = getattr(sample.str, path.split(".")[1])(**kw).iloc[:0]
    return _frame_map(s, path, kwargs=kw, meta=meta, columns=tuple(meta.dtypes.items()))


def _str_cat(s, others=None, sep=None, na_rep=None, join="left"):
    """``str.cat``: without ``others`` the whole series joined into one string (a lazy Scalar, as
    dask); with ``others`` (a Series or a list of Series, lazy or pandas) element-wise, row by
    row, the operands realigned with ``s`` first."""
    if others is None:
        return _str_cat_all(s, sep, na_rep)
    valid = (Series, pd.Series)
    if isinstance(others, (Index, pd.Index)) or (
            isinstance(others, (list, tuple)) and any(isinstance(o, (Index, pd.Index)) for o in others)):
        raise NotImplementedError("str.cat(others=<Index>) is not supported (pandas aligns an Index by "
                                  "position); pass a Series")
    if isinstance(others, valid):
        others = [others]
    elif not isinstance(others, (list, tuple)) or not all(isinstance(o, valid) for o in others):
        raise TypeError("others must be Series/Index")
    if len(others) == 1 and isinstance(others[0], Series) and join == "left":
        return series_call(s, "str.cat", others[0], kwargs={"sep": sep, "na_rep": na_rep})
    return _zip_series(s, _StrCatParts(sep, na_rep, join), list(others))


def _zip_series(s, func, others):
    """``func(part, *other_parts)`` with ``others`` (lazy or pandas Series) realigned with ``s``
    partition by partition (a pandas Series is split into partitions first, as dask aligns it)."""
    colls = [from_pandas(o, npartitions=2) if isinstance(o, pd.Series) else o for o in others]
    meta = func(s._meta, *[o._meta for o in colls])
    aligned = realign(s, *colls)
    return new_collection(ZipPartitions(tuple(a._node for a in aligned), func, MetaBox(meta)))


class _StrCatParts:
    """``part.str.cat([other parts], sep=, na_rep=, join=)``."""

    __slots__ = ("sep", "na_rep", "join")

    def __init__(self, sep, na_rep, join):
        self.sep, self.na_rep, self.join = sep, na_rep, join

    def __call__(self, part, *others):
        return part.str.cat(list(others), sep=self.sep, na_rep=self.na_rep, join=self.join)

    def __reduce__(self):
        return (_StrCatParts, (self.sep, self.na_rep, self.join))


def _str_cat_all(s, sep, na_rep):
    """``s.str.cat(sep=, na_rep=)`` of the whole series: each partition's pieces joined, the
    partitions' strings joined in order (empty partitions add no separator)."""
    sep = "" if sep is None else sep
    return _red._agg(s, Fn(_cat_chunk, sep, na_rep), Fn(_cat_combine, sep), Fn(_cat_final, sep), "",
                tag="str-cat")


def _cat_chunk(part, sep, na_rep):
    vals = part if na_rep is not None else part.dropna()
    return [part.str.cat(sep=sep, na_rep=na_rep)] if len(vals) else []


def _cat_combine(states, sep):
    pieces = [p for st in states for p in st]
    return [sep.join(pieces)] if pieces else []


def _cat_final(state, sep):
    return sep.join(state)


class StringAccessor(_Accessor):
    """``s.str``: pandas string methods (``lower``, ``contains``, ``split(n=..)``, ``slice``, ...)."""

    _name = "str"

    def __getitem__(self, key):
        if isinstance(key, slice):
            return series_call(self._series, "str.slice", args=(key.start, key.stop, key.step))
        return series_call(self._series, "str.get", args=(key,))


class DatetimeAccessor(_Accessor):
    """``s.dt``: datetime properties (``year``, ``dayofweek``, ``date`` ...) and methods (``floor``, ``strftime``)."""

    _name = "dt"


class CategoricalAccessor(_Accessor):
    """``s.cat``: ``codes``, ``categories``, ``ordered`` and per-element category methods."""

    _name = "cat"

    def __init__(self, series):
        super().__init__(series)
        if series.dtype.categories is None:
            raise NotImplementedError(
                "the categories of this Series are unknown (astype('category') categorizes each partition "
                "separately, like dask); use astype(pd.CategoricalDtype(categories)) with explicit categories")

    @property
    def known(self):
        """Whether the categories are known (in the metadata), like dask's ``cat.known``."""
        return not has_unknown_categories(self._series.dtype)

    def __getattr__(self, key):
        if key in ("categories", "codes") and not self.known:
            raise AttributeNotImplementedError(
                f"`s.cat.{key}` with unknown categories is not supported; use `s.cat.as_known()` or "
                "`df.categorize()` first")
        return super().__getattr__(key)

    def remove_unused_categories(self):
        """The categories no value uses removed (the order of the others kept), like dask's
        ``cat.remove_unused_categories``: the values present are computed now (a full pass over
        the data); the series itself when every category is used."""
        s = self._series
        cats = s._meta.categories if isinstance(s._meta, pd.Index) else s._meta.cat.categories
        present = pd.Index(Series(s._node).dropna().unique().compute())
        keep = cats[cats.isin(present)]
        if len(keep) == len(cats):
            return s
        return self.set_categories(keep.tolist())

    def as_unknown(self):
        """The same data, its categories marked unknown in the metadata (dask's placeholder
        category ``__UNKNOWN_CATEGORIES__``): partitions keep their own categories."""
        s = self._series
        if not self.known:
            return s
        meta = s._meta.astype(unknown_categorical(s.dtype))
        return s.map_partitions(_identity, meta=meta)

    def as_known(self, **kwargs):
        """When the categories are unknown: the union of the partitions' categories, computed now
        (``kwargs`` go to ``compute``), set on every partition, like dask's ``cat.as_known()``."""
        if self.known:
            return self._series
        s = self._series
        per_part = s.map_partitions(_categories_of, meta=pd.Series([], dtype=object))
        cats = per_part.unique().compute(**kwargs)
        return _Method(s, "cat.set_categories")(pd.Index(cats).tolist())


class IndexAccessor:
    """``index.str`` / ``index.dt``: the Series accessor's members mapped over the partitions'
    indexes; lazy results are Indexes (divisions unknown, as dask gives them)."""

    def __init__(self, index, name):
        getattr(index._meta.to_series(), name)  # pandas raises AttributeError for a wrong dtype
        self._index, self._name = index, name

    def __dir__(self):
        acc = getattr(self._index._meta.to_series(), self._name)
        return [m for m in dir(acc) if not m.startswith("_") and m not in _ABSENT[self._name]]

    def __getattr__(self, key):
        member = _accessor_member(self._index._meta.to_series(), self._name, key)
        if callable(member):
            return _IndexAccessorMethod(self._index, self._name, key)
        if isinstance(member, pd.Series):
            return index_map(self._index, _IndexAccessorCall(self._name, key, attr=True))
        return member  # metadata: tz, freq, ...

    def __getitem__(self, key):
        if self._name != "str":
            raise TypeError(f"'{type(self).__name__}' object is not subscriptable")
        if isinstance(key, slice):
            return _IndexAccessorMethod(self._index, "str", "slice")(key.start, key.stop, key.step)
        return _IndexAccessorMethod(self._index, "str", "get")(key)


class _IndexAccessorMethod:
    __slots__ = ("index", "name", "member")

    def __init__(self, index, name, member):
        self.index, self.name, self.member = index, name, member

    def __call__(self, *args, **kwargs):
        return index_map(self.index, _IndexAccessorCall(self.name, self.member, args, tuple(sorted(kwargs.items()))))


class _IndexAccessorCall:
    """Partition function: ``index.to_series().<name>.<member>(...)`` as a pandas Index."""

    __slots__ = ("name", "member", "args", "kwargs", "attr")

    def __init__(self, name, member, args=(), kwargs=(), attr=False):
        self.name, self.member, self.args, self.kwargs, self.attr = name, member, args, kwargs, attr

    def __call__(self, idx):
        obj = getattr(getattr(idx.to_series(), self.name), self.member)
        out = obj if self.attr else obj(*self.args, **dict(self.kwargs))
        if isinstance(out, pd.DataFrame):
            raise NotImplementedError(f"index.{self.name}.{self.member} gives a frame; use "
                                      "index.to_series() first")
        return pd.Index(out)

    def __reduce__(self):
        return (_IndexAccessorCall, (self.name, self.member, self.args, self.kwargs, self.attr))


class IndexCategoricalAccessor(CategoricalAccessor):
    """``index.cat`` of a categorical Index: the same members as ``Series.cat``, whose lazy
    results (``codes``, ``add_categories(...)``, ...) are Indexes, like dask's (divisions unknown,
    as dask gives them)."""

    def __init__(self, index):
        if not isinstance(index.dtype, pd.CategoricalDtype):
            raise AttributeError("Can only use .cat accessor with a 'category' dtype")
        self._series = index

    def __dir__(self):
        return [m for m in dir(pd.Series([], dtype=self._series.dtype).cat) if not m.startswith("_")]

    def __getattr__(self, key):
        if key.startswith("_"):
            raise AttributeError(key)
        if key in ("categories", "codes") and not self.known:
            raise AttributeNotImplementedError(
                f"`index.cat.{key}` with unknown categories is not supported; use `index.cat.as_known()` or "
                "`df.categorize(index=True)` first")
        meta = self._series._meta
        if key == "codes":
            return index_map(self._series, _IndexCodes())
        member = getattr(meta, key)  # AttributeError for unknown members, like pandas
        if callable(member):
            return _IndexMethod(self._series, key)
        return member

    def set_categories(self, *args, **kwargs):
        return _IndexMethod(self._series, "set_categories")(*args, **kwargs)

    def as_unknown(self):
        """The same index values, their categories marked unknown in the metadata."""
        idx = self._series
        if not self.known:
            return idx
        meta = idx._meta.astype(unknown_categorical(idx.dtype))
        return index_map(idx, _identity, meta=meta)

    def as_known(self, **kwargs):
        """When the categories are unknown: the union of the partitions' categories, computed now
        (``kwargs`` go to ``compute``), set on every partition."""
        if self.known:
            return self._series
        idx = self._series
        cats = Series(idx._node).cat.as_known(**kwargs).cat.categories
        return self.set_categories(cats.tolist())


class _IndexMethod:
    """A bound method of ``index.cat``; calling it maps the pandas ``CategoricalIndex`` method
    over the partitions' indexes."""

    __slots__ = ("index", "name")

    def __init__(self, index, name):
        self.index, self.name = index, name

    def __call__(self, *args, **kwargs):
        return index_map(self.index, operator.methodcaller(self.name, *args, **kwargs))


class _IndexCodes:
    """The codes of a partition's ``CategoricalIndex`` as an Index (dask's ``index.cat.codes``)."""

    def __call__(self, idx):
        return pd.Index(idx.codes)

    def __reduce__(self):
        return (_IndexCodes, ())


def _identity(part):
    return part


def _categories_of(part):
    return part.cat.categories.to_series(index=range(len(part.cat.categories)))
