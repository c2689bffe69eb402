"""``df.index`` / ``s.index``: the index of a frame as a lazy collection.

An :class:`Index` is a Series of the index values (indexed by themselves, as
``pandas.Index.to_series`` gives them) that computes to a :class:`pandas.Index`,
so that reductions (``df.index.max()``) and element-wise operations work as on
a Series, in the same plan as the frame.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> df = dd.from_pandas(pd.DataFrame({"a": range(6)}, index=[10, 11, 12, 13, 14, 15]), npartitions=2)
>>> df.index.compute()
Index([10, 11, 12, 13, 14, 15], dtype='int64')
>>> df.index.max().compute()
np.int64(15)
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd

from hlq.dataframe import _elementwise as _ew
from hlq.dataframe._core import Series, _is_scalar, _ScalarOp
from hlq.dataframe.nodes.colexpr import UNARY
from hlq.dataframe._frame_methods import check_time_index, shifted_divisions
from hlq.dataframe.nodes.index_values import IndexValues
from hlq.dataframe.nodes.multipart import ZipPartitions
from hlq.dataframe.nodes.ops import MapPartitions, MetaBox
from hlq.dataframe.nodes.window import IndexedMap

__all__ = ["Index", "index_of"]


class _IndexShift:
    """Partition function: ``index.shift(periods, freq=freq)``."""

    __slots__ = ("periods", "freq")

    def __init__(self, periods, freq):
        self.periods, self.freq = periods, freq

    def __call__(self, index):
        return index.shift(self.periods) if self.freq is None else index.shift(self.periods, freq=self.freq)

    def __reduce__(self):
        return (_IndexShift, (self.periods, self.freq))


class _NotOnIndex:
    """A Series method a pandas Index does not have: reading it on an Index raises AttributeError."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, owner=None):
        raise AttributeError(f"'Index' object has no attribute {self.name!r}")


class Index(Series):
    """A lazy pandas Index (the index of a DataFrame or Series, one part per partition)."""

    __slots__ = ()
    _partition_type = pd.Index
    _accessors: set = set()  # names registered by hlq.dataframe.extensions

    @property
    def _meta(self):
        if isinstance(self._node, IndexValues):  # the frame's own (empty) index: MultiIndex levels and names kept
            return self._node.child.meta.index[:0]
        m = self._node.meta
        return pd.Index(m, name=m.name) if isinstance(m, pd.Series) else m

    @property
    def index(self):
        raise AttributeError("'Index' object has no attribute 'index'")

    def __getattr__(self, key):
        # a categorical Index answers the ``.cat`` members directly, as pandas' CategoricalIndex
        if key in _CAT_ATTRIBUTES and isinstance(self.dtype, pd.CategoricalDtype):
            return getattr(self.cat, key)
        if key in _DT_ATTRIBUTES:  # the date fields, as pandas' DatetimeIndex has them (lazy Indexes)
            return getattr(self.dt, key)
        raise AttributeError(f"'Index' object has no attribute {key!r}")

    def __dir__(self):
        out = set(super().__dir__())
        out.update(_DT_ATTRIBUTES)  # listed whatever the dtype, as dask lists them
        if isinstance(self.dtype, pd.CategoricalDtype):
            out.update(_CAT_ATTRIBUTES)
        return sorted(out)

    def _as_series(self):
        """The index values as a Series labelled by the frame's own index labels, so that masks and
        operands built from it align with the frame's rows: an Index derived by element-wise maps
        (``np.exp(df.index)``, ``df.index * 10``) takes the labels of the index it was mapped from,
        partition by partition (same lengths)."""
        base = _base_index_node(self._node)
        if base is self._node:
            return Series(self._node)
        derived = Series(self._node).clear_divisions()
        meta = derived._meta
        return Series(ZipPartitions((base, derived._node), _Relabel(), MetaBox(meta)))

    # arithmetic with a scalar gives an Index (as pandas and dask); other operations work on the
    # values as a Series labelled like the frame's rows (comparisons give masks of the frame)
    def _binop(self, other, op, reverse=False):
        if op in _ARITHMETIC and _is_scalar(other) and not isinstance(other, (str, bytes)):
            f = _ScalarOp(op, other, reverse)
            return index_map(self, f, _scalar_op_divisions(op, other, reverse, self.divisions))
        return self._as_series()._binop(other, op, reverse)

    def _unary(self, tag, *extra):
        if tag in ("neg", "abs") and not extra:
            return index_map(self, UNARY[tag])
        return self._as_series()._unary(tag, *extra)

    def map(self, arg, na_action=None, meta=None, is_monotonic=False):
        """``Index.map``: a lazy Index.  Divisions become unknown, unless ``is_monotonic`` promises that
        the mapping keeps the order (then the divisions are mapped too).  ``meta`` declares the result,
        else it is inferred on fake data with dask's warning; an hlq Series ``arg`` is gathered into
        one partition that every partition looks its values up in."""
        if isinstance(arg, Series):
            return _ew.map_lazy(self, arg, na_action, meta)
        out = _ew.map_meta(self._meta, arg, na_action, meta)
        divs = None
        if is_monotonic and self.known_divisions:
            divs = tuple(pd.Series(list(self.divisions)).map(arg, na_action=na_action))
        return index_map(self, _IndexMapper(arg, na_action, out.dtype), divs)

    def _ufunc1(self, tag):
        """A one-input numpy ufunc: a lazy Index of the results (pandas gives an Index too)."""
        return index_map(self, UNARY[tag], ufunc_divisions(tag, self.divisions))

    def map_partitions(self, func, *args, meta=None, columns=None, **kwargs):
        return Series(self._node).map_partitions(func, *args, meta=meta, columns=columns, **kwargs)

    def head(self, n=5, npartitions=1, compute=True):
        """The first ``n`` index values (a pandas Index, or a lazy Index with ``compute=False``)."""
        first = Series(self._node).head(n, npartitions, compute)
        return first.index if compute else Index(IndexValues(first._node))

    # accessors see the values as a Series (pandas' Index has .str/.dt but no .cat)
    @property
    def str(self):
        # import cycle: hlq.dataframe._accessors imports hlq.dataframe._index
        from hlq.dataframe._accessors import IndexAccessor

        return IndexAccessor(self, "str")

    @property
    def dt(self):
        # import cycle: hlq.dataframe._accessors imports hlq.dataframe._index
        from hlq.dataframe._accessors import IndexAccessor

        return IndexAccessor(self, "dt")

    @property
    def cat(self):
        # import cycle: hlq.dataframe._accessors imports hlq.dataframe._index
        from hlq.dataframe._accessors import IndexCategoricalAccessor

        return IndexCategoricalAccessor(self)

    def drop_duplicates(self, split_every=None, split_out=1, shuffle_method=None, keep="first"):
        """The distinct index values, a lazy Index (first appearances; ``split_out`` partitions)."""
        out = Series(self._node).drop_duplicates(keep=keep, split_every=split_every, split_out=split_out)
        return Index(IndexValues(out._node))

    def unique(self, split_every=None, split_out=1, shuffle_method=None):
        """The distinct index values, a lazy Index (pandas' ``Index.unique``)."""
        return self.drop_duplicates(split_every=split_every, split_out=split_out)

    def to_series(self, index=None, name=None):
        """The index values as a Series indexed by themselves (the index's divisions), named
        ``name`` (default: the index's name); ``index=`` is not supported (as in dask)."""
        if index is not None:
            raise NotImplementedError("Index.to_series(index=...) is not supported; use to_series().rename(...) "
                                      "or map_partitions")
        meta = self._meta.to_series(name=name)
        return Series(MapPartitions(self._node, _Renamed(meta.name), (), (), MetaBox(meta), True))

    def __repr__(self):
        return f"<hlq.dataframe.Index npartitions={self.npartitions} plan={self._node.label()}>"

    def shift(self, periods=1, freq=None):
        """``Index.shift`` of a datetime, period or timedelta index, per partition (``freq=None``:
        the index's own frequency); known divisions move with fixed-length steps, as in dask."""
        meta = self._meta
        check_time_index(meta, "Index.shift")
        if isinstance(meta, pd.PeriodIndex) and freq is not None:
            raise ValueError("PeriodIndex doesn't accept `freq` argument")
        step = freq if freq is not None else meta.freq
        return index_map(self, _IndexShift(periods, freq), shifted_divisions(self, periods, step))

    # Series reductions that a pandas Index lacks (as in dask: AttributeError)
    std, var, sem, skew, kurtosis, kurt = (_NotOnIndex() for _ in range(6))



#: the date fields a datetime Index has as its own attributes (dask's list)
_DT_ATTRIBUTES = frozenset({
    "nanosecond", "microsecond", "millisecond", "day_of_year", "dayofyear", "minute", "hour", "day",
    "day_of_week", "dayofweek", "second", "week", "weekday", "weekofyear", "month", "quarter", "year",
})

#: the ``.cat`` members a categorical Index has as its own attributes
_CAT_ATTRIBUTES = frozenset({
    "known", "as_known", "as_unknown", "add_categories", "categories", "remove_categories", "reorder_categories",
    "as_ordered", "codes", "remove_unused_categories", "set_categories", "as_unordered", "ordered",
    "rename_categories",
})

#: numpy ufuncs that never decrease (where they are defined): known divisions map to divisions
_NONDECREASING = frozenset({
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "cbrt", "arcsin", "arctan", "sinh", "tanh",
    "arcsinh", "arccosh", "arctanh", "deg2rad", "rad2deg", "degrees", "radians", "rint", "floor", "ceil", "trunc",
    "conjugate", "positive", "sign",
})
#: numpy ufuncs that never decrease on values >= 0
_NONDECREASING_NONNEGATIVE = frozenset({"square", "absolute", "fabs", "cosh"})


def ufunc_divisions(tag, divisions):
    """The divisions of an Index after the ufunc ``tag`` (``"np.exp"``): the ufunc applied to the
    known divisions when it keeps the order of the values (every value of a partition lies between
    its divisions, so its image lies between theirs) and the results are valid divisions;
    unknown divisions otherwise."""
    unknown = (None,) * len(divisions)
    name = tag[3:] if tag.startswith("np.") else tag
    if divisions[0] is None or not all(isinstance(d, numbers.Real) and not isinstance(d, bool) for d in divisions):
        return unknown
    if name not in _NONDECREASING and not (name in _NONDECREASING_NONNEGATIVE and divisions[0] >= 0):
        return unknown
    with np.errstate(all="ignore"):
        out = getattr(np, name)(np.asarray(divisions))
    out = [x.item() for x in out]
    if any(isinstance(x, float) and math.isnan(x) for x in out):
        return unknown
    if any(a >= b for a, b in zip(out[:-2], out[1:-1])) or out[-2] > out[-1]:
        return unknown
    return tuple(out)


#: pandas operators that give an Index when one side is an Index and the other a scalar
_ARITHMETIC = frozenset({"add", "sub", "mul", "truediv", "floordiv", "mod", "pow"})


def _scalar_op_divisions(op, value, reverse, divisions):
    """Known divisions moved by ``index + value`` / ``index - value`` (numbers: order kept);
    unknown divisions for every other operation."""
    unknown = None
    if divisions[0] is None or op not in ("add", "sub") or (op == "sub" and reverse):
        return unknown
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        return unknown
    if not all(isinstance(d, numbers.Real) and not isinstance(d, bool) for d in divisions):
        return unknown
    out = tuple((d + value) if op == "add" else (d - value) for d in divisions)
    return tuple(x.item() if hasattr(x, "item") else x for x in out)


def _base_index_node(node):
    """The index node an Index was mapped from by :func:`index_map` (itself if it was not)."""
    while (isinstance(node, IndexValues) and isinstance(node.child, IndexedMap)
           and isinstance(node.child.func, _OnIndex) and isinstance(node.child.child, IndexValues)):
        node = node.child.child
    return node


class _Relabel:
    """Index values (a Series indexed by them) labelled by the base index's partition (same length)."""

    def __call__(self, base, derived):
        return pd.Series(derived.index.to_numpy(), index=base.index, name=derived.name)

    def __reduce__(self):
        return (_Relabel, ())


class _Renamed:
    """A partition of index values (a Series indexed by them) under the name ``name``."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __call__(self, s):
        return s.rename(self.name)

    def __reduce__(self):
        return (_Renamed, (self.name,))


class _OnIndex:
    """Partition function: ``func`` applied to the index of an :class:`IndexValues` partition (the
    pandas Index itself, so pandas decides the result: ``-RangeIndex`` stays a RangeIndex), given
    back as a Series indexed by the result."""

    __slots__ = ("func",)

    def __init__(self, func):
        self.func = func

    def __call__(self, s, i=None):
        out = self.func(s.index if isinstance(s, pd.Series) else s)
        return pd.Series(out, index=out, name=out.name)

    def __reduce__(self):
        return (_OnIndex, (self.func,))


class _IndexMapper:
    """``index.map(arg, na_action)``, cast to the declared dtype when pandas' differs only by values."""

    __slots__ = ("arg", "na_action", "dtype")

    def __init__(self, arg, na_action, dtype):
        self.arg, self.na_action, self.dtype = arg, na_action, dtype

    def __call__(self, idx):
        out = idx.map(self.arg, na_action=self.na_action)
        if len(out) == 0 and out.dtype != self.dtype:
            out = out.astype(self.dtype)
        return out

    def __reduce__(self):
        return (_IndexMapper, (self.arg, self.na_action, self.dtype))


def index_map(idx, func, divisions=None, meta=None):
    """A lazy :class:`Index` of ``func(index)`` per partition (``func`` maps a pandas Index to a
    pandas Index of the same length); ``divisions`` are the result's (None: unknown); ``meta``
    (an empty pandas Index) declares the result's metadata instead of ``func`` of the input's."""
    f = _OnIndex(func)
    meta = f(idx._meta if meta is None else meta)
    if not isinstance(meta.index, pd.Index) or isinstance(meta.index, pd.MultiIndex):
        raise TypeError(f"{func!r} does not map an Index to an Index")
    n = idx._node.npartitions
    divs = tuple(divisions) if divisions is not None else (None,) * (n + 1)
    return Index(IndexValues(IndexedMap(idx._node, f, (), MetaBox(meta), True, divs)))


def assign_index(obj, value):
    """``obj`` (a DataFrame or Series) with the index values of ``value`` (an :class:`Index`
    with as many partitions), partition by partition; the divisions are ``value``'s."""
    if not isinstance(value, Index):
        raise TypeError(f"the index of an hlq collection is set from an hlq Index, got {type(value).__name__}; "
                        "use set_index or map_partitions")
    if value.npartitions != obj.npartitions:
        # partition i takes partition i's values (a length mismatch raises pandas' error when computed)
        raise ValueError("value needs to be aligned with the index: the same partitions")
    meta = obj._meta.set_axis(value._meta, axis=0)
    node = ZipPartitions((obj._node, value.to_series().clear_divisions()._node), _AssignIndex(), MetaBox(meta))
    out = type(obj)(node)
    divs = value.divisions
    if divs != out.divisions:
        out = type(obj)(IndexedMap(node, _Same(), (), MetaBox(meta), True, tuple(divs)))
    return out


class _AssignIndex:
    """A partition with the index values of the matching partition of index values."""

    def __call__(self, part, values):
        return part.set_axis(values.index, axis=0)

    def __reduce__(self):
        return (_AssignIndex, ())


class _Same:
    def __call__(self, part, i):
        return part

    def __reduce__(self):
        return (_Same, ())


def index_of(obj):
    """The :class:`Index` of a DataFrame or Series collection."""
    return Index(IndexValues(obj._node))
