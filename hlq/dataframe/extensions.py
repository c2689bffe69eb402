"""Extending hlq dataframes: custom accessors (``register_*_accessor``) and the meta dispatches
of pandas extension arrays (dask's own ``make_array_nonempty`` / ``make_scalar``).

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> @register_series_accessor("twice")
... class Twice:
...     def __init__(self, obj):
...         self.obj = obj
...     def values(self):
...         return self.obj * 2
>>> dd.from_pandas(pd.Series([1, 2]), npartitions=1).twice.values().compute().tolist()
[2, 4]
>>> del dd.Series.twice; dd.Series._accessors.discard("twice")
"""

from __future__ import annotations

import warnings
from hlq.dataframe._core import DataFrame, Series
from hlq.dataframe._index import Index

__all__ = ["make_array_nonempty", "make_scalar", "register_dataframe_accessor", "register_index_accessor",
           "register_series_accessor"]


class _CachedAccessor:
    """Descriptor: ``obj.<name>`` is ``accessor(obj)`` (``accessor`` itself on the class).
    hlq collections have no instance ``__dict__``, so the accessor is built on each access."""

    def __init__(self, name, accessor):
        self._name, self._accessor = name, accessor

    def __get__(self, obj, cls):
        if obj is None:
            return self._accessor
        return self._accessor(obj)


def _register_accessor(name, cls):
    def decorator(accessor):
        if hasattr(cls, name):
            warnings.warn(
                f"registration of accessor {accessor!r} under name {name!r} for type {cls!r} is overriding "
                "a preexisting attribute with the same name.",
                UserWarning,
                stacklevel=2,
            )
        setattr(cls, name, _CachedAccessor(name, accessor))
        if "_accessors" not in cls.__dict__:
            cls._accessors = set()
        cls._accessors.add(name)
        return accessor

    return decorator


def register_dataframe_accessor(name):
    """Register a custom accessor on :class:`hlq.dataframe.DataFrame` (like pandas' and dask's).

    Parameters
    ----------
    name : str
        The attribute name: ``df.<name>`` is ``accessor(df)``.
    """
    return _register_accessor(name, DataFrame)


def register_series_accessor(name):
    """Register a custom accessor on :class:`hlq.dataframe.Series` (like pandas' and dask's).

    Parameters
    ----------
    name : str
        The attribute name: ``s.<name>`` is ``accessor(s)``.
    """
    return _register_accessor(name, Series)


def __getattr__(name):
    # dask's dispatches, imported on first use (importing dask.dataframe is slow)
    if name in ("make_array_nonempty", "make_scalar"):
        import dask.dataframe.extensions

        return getattr(dask.dataframe.extensions, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def register_index_accessor(name):
    """Register a custom accessor on :class:`hlq.dataframe.Index` (like pandas' and dask's).

    Parameters
    ----------
    name : str
        The attribute name: ``df.index.<name>`` is ``accessor(df.index)``.
    """
    return _register_accessor(name, Index)
