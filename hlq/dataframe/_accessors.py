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

from hlq.dataframe._elementwise import series_call
from hlq.dataframe._core import Series
from hlq.dataframe._index import index_map
from hlq.dataframe.nodes.calls import has_unknown_categories, unknown_categorical

__all__ = ["StringAccessor", "DatetimeAccessor", "CategoricalAccessor", "IndexCategoricalAccessor",
           "AttributeNotImplementedError"]


class AttributeNotImplementedError(NotImplementedError, AttributeError):
    """An accessor member hlq does not provide: a ``NotImplementedError`` that is also an
    ``AttributeError``, so ``hasattr`` and IPython's completion treat it as absent (as dask)."""

# members that do not give one value per element
_NOT_ELEMENTWISE = {
    "str": {"cat": "str.cat without others= concatenates the whole series; compute it, or pass others=",
            "get_dummies": "str.get_dummies gives a frame; use map_partitions",
            "extractall": "str.extractall changes the index; use map_partitions"},
    "dt": {"isocalendar": "dt.isocalendar gives a frame; use map_partitions",
           "components": "dt.components gives a frame; use map_partitions"},
    "cat": {},
}


class _Accessor:
    _name = ""

    def __init__(self, series):
        meta = series._meta
        getattr(meta, self._name)  # pandas raises AttributeError for a wrong dtype
        self._series = series

    def __dir__(self):
        return [m for m in dir(getattr(self._series._meta, self._name)) if not m.startswith("_")]

    def __getattr__(self, key):
        if key.startswith("_"):
            raise AttributeError(key)
        why = _NOT_ELEMENTWISE[self._name].get(key)
        if why and not (self._name == "str" and key == "cat"):  # str.cat(others=...) is element-wise
            raise NotImplementedError(why)
        acc = getattr(self._series._meta, self._name)
        member = getattr(acc, key)  # AttributeError for unknown members, like pandas
        path = f"{self._name}.{key}"
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
        if self.path in ("str.split", "str.rsplit") and kwargs.get("expand", False):
            raise NotImplementedError(f"{self.path}(expand=True) gives a frame; use expand=False or map_partitions")
        if self.path in ("str.extract",) and kwargs.get("expand", True):
            raise NotImplementedError("str.extract(expand=True) gives a frame; use expand=False")
        if self.path == "str.cat":
            others = kwargs.pop("others", args[0] if args else None)
            if others is None:
                raise NotImplementedError(_NOT_ELEMENTWISE["str"]["cat"])
            if not isinstance(others, Series):
                raise NotImplementedError("str.cat(others=...) supports one aligned Series")
            return series_call(self.series, self.path, others, kwargs=kwargs)
        return series_call(self.series, self.path, args=args, kwargs=kwargs)


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
