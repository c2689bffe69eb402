"""``DataFrame``, ``Series`` and ``Scalar``: lazy pandas-like collections over an optimizable plan.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> pdf = pd.DataFrame({"x": [0.1, 0.7, 0.9, 0.3], "y": [1, 2, 3, 4], "k": [0, 1, 0, 1]})
>>> df = dd.from_pandas(pdf, npartitions=2)
>>> df[df.x > 0.5].y.sum().compute()
np.int64(5)
>>> df.assign(z=df.x * 2 + df.y).z.max().compute()
np.float64(4.8)
>>> df.groupby("k").agg({"x": "mean", "y": "sum"}).compute()
      x  y
k
0  0.5  4
1  0.5  6
"""

from __future__ import annotations

import datetime
import numbers
import warnings

import numpy as np
import pandas as pd

from hlq.lower.collection import HlqCollection
from hlq.dataframe.nodes.base import FrameNode
from hlq.dataframe.nodes.index_meta import index_meta
from hlq.dataframe.nodes.calls import nonempty_frame, nonempty_series
from hlq.dataframe.nodes.colexpr import BINARY, COMPARISONS
from hlq.dataframe.nodes.colexpr import columns_of as _columns_of, evaluate, make_and, ufunc_tag
from hlq.dataframe.nodes.ops import (
    Assign, AssignFrom, Binary, Rename, WithScalar, Filter, FilterBy, Head, MapPartitions, MetaBox, Project, SeriesExpr,
)
from hlq.dataframe.nodes.reduction import GroupbyAgg, Len, Reduce
from hlq.dataframe import _elementwise as _ew
from hlq.dataframe._window import _PandasMethod
from hlq.dataframe._frame_methods import (
    _per_partition, CommonMethods, frame_series_op, FrameMethods, rename_index,
    ScalarPerPartition, SeriesMethods,
)
from hlq.dataframe import _reductions as _red
from hlq.dataframe._display import frame_repr
from hlq.dataframe.nodes.checks import EnforceDivisions
from hlq.dataframe.nodes.sort import sorted_head

__all__ = ["DataFrame", "Series", "Scalar", "new_collection", "map_partitions"]


def new_collection(node: FrameNode):
    """The hlq dataframe collection (DataFrame, Series or Scalar) for a plan node."""
    if node.kind == "frame":
        return DataFrame(node)
    if node.kind == "series":
        return Series(node)
    return Scalar(node)


def realign(*objs):
    """The hlq collections ``objs``, all repartitioned at the union of their divisions when
    those are all known and differ (dask's realignment before an element-wise operation or an
    assignment between collections), so that partition ``i`` of each holds the same labels;
    unchanged otherwise (one partition each, or divisions unknown)."""
    nodes = [o._node for o in objs]
    if (all(n.npartitions == 1 for n in nodes) or not all(n.known_divisions for n in nodes)
            or all(n.divisions == nodes[0].divisions for n in nodes)):
        return objs
    try:
        union = tuple(sorted(set().union(*(n.divisions for n in nodes))))
    except TypeError:  # divisions that do not compare with each other
        return objs
    if len(union) < 2:
        return objs
    return tuple(o if n.divisions == union else o.repartition(divisions=union, force=True)
                 for o, n in zip(objs, nodes))


def _is_scalar(v):
    return isinstance(v, (numbers.Number, str, bytes, np.generic, datetime.date, datetime.timedelta)) or v is None


class _Frame(CommonMethods, HlqCollection):
    """Shared methods of DataFrame and Series."""

    __slots__ = ()

    @classmethod
    def _from_node(cls, node):
        return new_collection(node)

    # ------------------------------------------------------------ metadata
    @property
    def npartitions(self) -> int:
        """Number of partitions.  That of a sort-based ``set_index`` is known once its divisions
        are (repeated sampled boundaries merge partitions), so it computes them, as dask does."""
        from hlq.dataframe._multi import resolve_divisions  # import cycle: multi imports this module

        resolve_divisions(self)
        return self._node.npartitions

    @property
    def divisions(self) -> tuple:
        """Partition boundaries of the index (``None`` entries when unknown).  Those of a
        sort-based ``set_index`` are computed on first use, as dask does."""
        # import cycle: hlq.dataframe._multi imports hlq.dataframe._core
        from hlq.dataframe._multi import resolve_divisions

        resolve_divisions(self)
        return self._node.divisions

    @property
    def known_divisions(self) -> bool:
        # import cycle: hlq.dataframe._multi imports hlq.dataframe._core
        from hlq.dataframe._multi import resolve_divisions

        resolve_divisions(self)
        return self._node.known_divisions

    @property
    def _meta(self):
        return self._node.meta

    @property
    def _meta_nonempty(self):
        """``_meta`` with a few fake rows (dask's ``meta_nonempty``)."""
        from dask.dataframe.utils import meta_nonempty

        return meta_nonempty(self._meta)

    @property
    def index(self):
        """The index as a lazy :class:`hlq.dataframe._index.Index` (computes to a pandas Index)."""
        # import cycle: hlq.dataframe._index imports hlq.dataframe._core
        from hlq.dataframe._index import index_of

        return index_of(self)

    @index.setter
    def index(self, value):
        """``df.index = idx``: every partition takes the values of the same partition of ``idx``
        (an hlq Index with as many partitions), whose divisions the result has (as dask)."""
        # import cycle: hlq.dataframe._index imports hlq.dataframe._core
        from hlq.dataframe._index import assign_index

        self._rebind(assign_index(self, value))

    @property
    def dask(self):
        """The task graph ``compute`` runs (optimized, culled, fused)."""
        return self.__dask_graph__()

    @property
    def _name(self):
        """The plan's name (deterministic: equal plans have equal names)."""
        return self._node.name

    def optimize(self, fuse=True):
        """The same collection over its optimized plan (what ``compute`` runs)."""
        return self._from_node(self._optimized_node())

    def _optimized_node(self):
        """The optimized plan, carrying this plan's index as its own: lowered physical nodes
        (shuffle steps, partial/combine trees, partition joins) compute the same partitions,
        but their index is not derivable from their fields alone, and ``optimize()`` and
        ``persist()`` hand that plan's ``_meta`` to the user."""
        opt = super()._optimized_node()
        if opt is not self._node and isinstance(opt, FrameNode) and opt.kind != "scalar":
            idx = index_meta(self._node)
            if opt.__dict__.get("_index_meta") is not idx:
                opt.__dict__["_index_meta"] = idx
                opt.__dict__.pop("_meta", None)
        return opt

    def enforce_runtime_divisions(self):
        """The same partitions, each checked when computed to lie within its division
        (``RuntimeError`` otherwise); a no-op check when divisions are unknown."""
        return new_collection(EnforceDivisions(self._node))

    def __len__(self):
        return int(Scalar(Len(self._node)).compute())

    def __bool__(self):
        raise ValueError(
            f"The truth value of a {type(self).__name__} is ambiguous. Use a.any() or a.all()."
        )

    def __array__(self, dtype=None, copy=None):
        """The computed values (numpy functions that are not ufuncs compute, as with dask)."""
        return np.asarray(self.compute(), dtype=dtype)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """numpy ufuncs (``np.sin(s)``, ``np.maximum(df, 3)``, ``np.add(s, pd_series, out=s2)``) build a
        lazy result of the same kind, like dask (see :func:`hlq.dataframe._elementwise.elemwise`);
        ufunc methods (``reduce``, ``outer``, ...), gufuncs and several outputs are left to numpy."""
        for x in inputs + tuple(kwargs.get("out", ())):
            if isinstance(x, np.ndarray) and x.shape == ():
                continue
            if not isinstance(x, (numbers.Number, np.generic, _Frame, Scalar, pd.Series, pd.DataFrame, pd.Index)):
                return NotImplemented
        if method != "__call__" or ufunc.signature is not None or ufunc.nout != 1:
            return NotImplemented
        return _ew.elemwise(ufunc, *inputs, **kwargs)

    @property
    def _elemwise(self):
        """dask.array's ufunc wrappers (``da.sin(s)``) call this with the numpy function and the arguments."""
        return _ew.elemwise

    def __array_wrap__(self, array, context=None, return_scalar=False):
        """numpy functions that would compute the collection and rewrap the result (``np.repeat(s, 2)``)
        are not supported (as in dask): raise, naming the function."""
        import inspect  # deferred: only on this error path

        try:
            name = f"`{inspect.stack()[3][3]}`"
        except IndexError:
            name = "This method"
        raise NotImplementedError(f"{name} is not implemented for `{type(self).__module__.split('._')[0]}."
                                  f"{type(self).__name__}`; apply it per partition with map_partitions")

    # ----------------------------------------------------------- reductions
    def _reduce(self, how, ddof=1, split_every=None):
        return new_collection(Reduce(self._node, how, ddof, split_every or 8))

    def _dask_reduction(self, how, axis, skipna, numeric_only, split_every, kwargs, ddof=1, min_count=0):
        """The row-wise tree reduction ``how`` under dask's keywords: ``axis=1`` reduces each
        partition's rows, ``numeric_only=True`` projects the numeric columns first,
        ``skipna=False`` gives NaN where the reduced values hold a missing one, ``min_count``
        NaN where fewer values were reduced.  ``out=``/``dtype=`` (numpy's dispatch) must be None."""
        for k, v in kwargs.items():
            if k not in ("out", "dtype", "keepdims") or v not in (None, False):
                raise TypeError(f"{how}() got an unsupported keyword argument {k}={v!r}")
        if how in ("mean", "std", "var"):
            raise_if_object_series(self, how)
        if axis is None and isinstance(self, DataFrame) and how not in ("count", "std", "var", "any", "all"):
            return self._reduce_all(how, skipna, numeric_only, split_every, min_count)
        if _axis_number(self, axis) == 1:
            kw = {} if how in ("any", "all") else {"numeric_only": numeric_only}  # pandas' any/all: bool_only
            if how != "count":
                kw["skipna"] = skipna
            if how in ("std", "var"):
                kw["ddof"] = ddof
            if min_count:
                kw["min_count"] = min_count
            fn = _RowReduction(how, tuple(sorted(kw.items())))
            fake = nonempty_frame(self._meta)  # pandas checks the dtypes on data (datetimes with numbers)
            meta = fn(self._meta) if fake is None else fn(fake).iloc[:0]
            return self.map_partitions(fn, meta=meta)
        obj = self
        if numeric_only and isinstance(self, DataFrame):
            keep = list(self._meta._get_numeric_data().columns)
            if keep != list(self._node.columns):
                obj = self[keep]
        if how == "std" and _datetime_units(obj):
            return _datetime_std(obj, skipna, ddof, split_every)
        total = obj._reduce(how, ddof, split_every)
        if min_count:
            total = _min_count(obj, total, min_count, split_every)
        no_missing = all(isinstance(d, np.dtype) and d.kind in "biu" for d in obj._node.dtypes)
        if not skipna and how not in ("count", "any", "all") and not no_missing:  # numpy ints/bools hold no NA
            missing = obj.isna().sum(split_every=split_every)
            if isinstance(total, Series):
                return total.where(missing == 0)
            return Scalar(WithScalar("skipna_false_", total._node, missing._node))
        if not skipna and how in ("any", "all"):
            raise NotImplementedError(f"{how}(skipna=False) is not supported; use .fillna(True).{how}()")
        return total

    def _reduce_all(self, how, skipna, numeric_only, split_every, min_count):
        """``how`` over every value of a DataFrame (``axis=None``, as pandas and numpy's ``np.sum(df)``):
        the column results reduced once more (``mean``: the sum of all values over their count)."""
        if how not in ("sum", "prod", "min", "max", "mean") or min_count:
            raise NotImplementedError(f"DataFrame.{how}(axis=None{', min_count' if min_count else ''}) is not "
                                      f"supported; reduce the columns first (df.{how}().{how}())")
        obj = self
        if numeric_only:
            obj = obj.select_dtypes("number") if hasattr(obj, "select_dtypes") else obj
        dtypes = set(obj._node.dtypes)
        if len(dtypes) > 1:  # pandas reduces the values of one common dtype (a mixed int/float frame: floats)
            try:
                common = np.result_type(*dtypes)
            except TypeError:  # extension dtypes: each column reduced in its own dtype
                common = None
            if common is not None and common.kind in "biufc":
                obj = obj.astype(common)
        per_column = obj._dask_reduction("sum" if how == "mean" else how, 0, skipna, False, split_every, {})
        if how != "mean":
            return getattr(per_column, how)(skipna=skipna)
        counts = obj._dask_reduction("count", 0, True, False, split_every, {})
        return per_column.sum() / counts.sum()

    def sum(self, axis=0, skipna=True, numeric_only=False, min_count=0, split_every=False, **kwargs):
        return self._dask_reduction("sum", axis, skipna, numeric_only, split_every, kwargs, min_count=min_count)

    def mean(self, axis=0, skipna=True, numeric_only=False, split_every=False, **kwargs):
        return self._dask_reduction("mean", axis, skipna, numeric_only, split_every, kwargs)

    def min(self, axis=0, skipna=True, numeric_only=False, split_every=False, **kwargs):
        return self._dask_reduction("min", axis, skipna, numeric_only, split_every, kwargs)

    def max(self, axis=0, skipna=True, numeric_only=False, split_every=False, **kwargs):
        return self._dask_reduction("max", axis, skipna, numeric_only, split_every, kwargs)

    def count(self, axis=None, numeric_only=False, split_every=False):
        return self._dask_reduction("count", axis, True, numeric_only, split_every, {})

    def std(self, axis=None, skipna=True, ddof=1, numeric_only=False, split_every=False, **kwargs):
        return self._dask_reduction("std", axis, skipna, numeric_only, split_every, kwargs, ddof=ddof)

    def var(self, axis=None, skipna=True, ddof=1, numeric_only=False, split_every=False, **kwargs):
        return self._dask_reduction("var", axis, skipna, numeric_only, split_every, kwargs, ddof=ddof)

    def prod(self, axis=0, skipna=True, numeric_only=False, min_count=0, split_every=False, **kwargs):
        return self._dask_reduction("prod", axis, skipna, numeric_only, split_every, kwargs, min_count=min_count)

    product = prod

    def any(self, axis=None, skipna=True, split_every=False, **kwargs):
        return self._dask_reduction("any", axis, skipna, False, split_every, kwargs)

    def all(self, axis=None, skipna=True, split_every=False, **kwargs):
        return self._dask_reduction("all", axis, skipna, False, split_every, kwargs)

    @property
    def size(self):
        """Number of elements (rows times columns), a lazy Scalar."""
        return self._reduce("size")

    # ------------------------------------ tree aggregations (hlq/dataframe/_reductions.py)
    def nunique(self, dropna=True, split_every=None, axis=0, split_out=1):
        if self._node.kind == "frame" and axis in (1, "columns"):
            return self._across_columns("nunique", dropna=dropna)
        _axis0(axis, "nunique")
        return _red.nunique(self, dropna, split_every)

    def _across_columns(self, name, **kwargs):
        """``part.<name>(axis=1, **kwargs)`` per partition: a row-wise result needs only its row."""
        return _per_partition(self, name, axis=1, **kwargs)

    def quantile(self, q=0.5, numeric_only=False, split_every=None, axis=0, method="default"):
        """Approximate quantiles like dask (exact for small data; see hlq.dataframe._reductions)."""
        _axis0(axis, "quantile")
        return _red.quantile(self, q, numeric_only, split_every)

    def describe(self, split_every=False, percentiles=None, percentiles_method="default", include=None,
                 exclude=None):
        """pandas' ``describe`` (``percentiles_method`` is accepted for dask's signature: hlq's
        percentiles are its approximate quantiles, exact for small data)."""
        return _red.describe(self, percentiles, split_every or None, include, exclude)

    def idxmin(self, skipna=True, split_every=None, axis=None, numeric_only=False):
        if self._node.kind == "frame" and axis in (1, "columns"):
            return self._across_columns("idxmin", skipna=skipna, numeric_only=numeric_only)
        _axis0(axis, "idxmin")
        return _red.idxminmax(self, "idxmin", skipna, split_every, numeric_only)

    def idxmax(self, skipna=True, split_every=None, axis=None, numeric_only=False):
        if self._node.kind == "frame" and axis in (1, "columns"):
            return self._across_columns("idxmax", skipna=skipna, numeric_only=numeric_only)
        _axis0(axis, "idxmax")
        return _red.idxminmax(self, "idxmax", skipna, split_every, numeric_only)

    def drop_duplicates(self, subset=None, keep="first", ignore_index=False, split_every=None, split_out=True,
                        shuffle_method=None):
        return _red.drop_duplicates(self, subset, keep, ignore_index, split_every, split_out)

    # --------------------------------------------------------------- others
    def head(self, n=5, npartitions=1, compute=True):
        """First ``n`` rows from the first ``npartitions`` partitions (all needed ones when
        partition lengths are known from metadata; ``-1``: all partitions).  With the default
        ``npartitions=1`` and ``compute=True``, further partitions are read (1, 2, 4, ... of
        them) until ``n`` rows are found or none are left, so the result has ``n`` rows
        whenever the frame does, whatever the plan's partitioning."""
        node = self._node
        top = sorted_head(node, n)  # the first rows of a global sort come from every partition
        if top is not None:
            out = new_collection(top)
            return out.compute() if compute else out
        if npartitions == -1:
            k = node.npartitions
        elif node.lengths is not None:
            k, total = 0, 0
            while k < node.npartitions and total < n:
                total += node.lengths[k]
                k += 1
            k = max(k, 1)
        else:
            k = min(npartitions, node.npartitions)
        out = new_collection(Head(node, n, k))
        if not compute:
            return out
        res = out.compute()
        if npartitions == 1 and node.lengths is None:
            # by default, n rows whenever the frame has them: where the first partition holds
            # fewer (a selective filter, a hash join's buckets), read twice as many partitions
            while len(res) < n and k < node.npartitions:
                k = min(node.npartitions, 2 * k)
                res = new_collection(Head(node, n, k)).compute()
        elif len(res) < n and k < node.npartitions:
            import warnings

            warnings.warn(f"Insufficient elements for `head`. {n} elements requested, only {len(res)} elements "
                          "available. Try passing larger `npartitions` to `head`.", UserWarning, stacklevel=2)
        return res

    def map_partitions(self, func, *args, meta=None, columns=None, **kwargs):
        return map_partitions(func, self, *args, meta=meta, columns=columns, **kwargs)

    # ------------------------- partitions, ordering, shuffles (hlq/dataframe/_multi.py)
    def tail(self, n=5, compute=True):
        """Last ``n`` rows, read from the last partition(s) only."""
        # import cycle: hlq.dataframe._multi imports hlq.dataframe._core
        from hlq.dataframe import _multi

        return _multi.tail(self, n, compute)

    @property
    def partitions(self):
        """``x.partitions[i]`` / ``[a:b]`` / ``[[i, j]]``: a collection of those partitions."""
        # import cycle: hlq.dataframe._multi imports hlq.dataframe._core
        from hlq.dataframe import _multi

        return _multi.PartitionsIndexer(self)

    @property
    def loc(self):
        """Label-based row selection (``loc[a:b]``, ``loc[label]``), pruning partitions by divisions."""
        # import cycle: hlq.dataframe._multi imports hlq.dataframe._core
        from hlq.dataframe import _multi

        return _multi.LocIndexer(self)

    def repartition(self, divisions=None, npartitions=None, partition_size=None, freq=None, force=False):
        """New partitioning by ``npartitions``, ``divisions``, an estimated ``partition_size`` or a
        time ``freq`` (one partition per period, on a datetime index with known divisions)."""
        # import cycle: hlq.dataframe._multi imports hlq.dataframe._core
        from hlq.dataframe import _multi

        if freq is not None:
            if divisions is not None or npartitions is not None or partition_size is not None:
                raise ValueError("give exactly one of divisions=, npartitions=, partition_size= and freq=")
            # import cycle: hlq.dataframe._resample imports hlq.dataframe._core
            from hlq.dataframe._resample import freq_divisions

            return _multi.repartition(self, freq_divisions(self, freq), None, None, force)
        return _multi.repartition(self, divisions, npartitions, partition_size, force)

    def shuffle(self, on=None, npartitions=None, ignore_index=False, **kwargs):
        """Hash-partition rows by ``on`` (default: the index) into ``npartitions``."""
        # import cycle: hlq.dataframe._multi imports hlq.dataframe._core
        from hlq.dataframe import _multi

        return _multi.shuffle(self, on, npartitions, ignore_index, **kwargs)

    def sort_values(self, by=None, ascending=True, npartitions=None, na_position="last", sort_function=None,
                    sort_function_kwargs=None, upsample=1.0, partition_size=128e6, shuffle_method=None):
        """Globally sorted by ``by`` (a Series: by its values).  ``upsample``, ``partition_size`` and
        ``shuffle_method`` are dask's tuning options (hlq samples its boundaries in the graph and
        moves rows with its own shuffle).  ``sort_function(partition, by=, ascending=,
        na_position=, ignore_index=False, **sort_function_kwargs)`` is then called on every
        output partition of the sort (as dask calls it on the range-partitioned rows; here the
        rows arrive already sorted by pandas)."""
        # import cycle: hlq.dataframe._multi imports hlq.dataframe._core
        from hlq.dataframe import _multi

        out = _multi.sort_values(self, by, ascending, npartitions, na_position)
        if sort_function is None:
            return out
        kwargs = {"by": list(_multi._as_tuple(by)) if by is not None else by, "ascending": ascending,
                  "na_position": na_position, "ignore_index": False, **(sort_function_kwargs or {})}
        return out.map_partitions(sort_function, **kwargs)

    def reset_index(self, drop=False):
        """Per-partition ``reset_index`` (as dask)."""
        # import cycle: hlq.dataframe._multi imports hlq.dataframe._core
        from hlq.dataframe import _multi

        return _multi.reset_index(self, drop)

    def persist(self, **kwargs):
        # import cycle: hlq.dataframe._multi imports hlq.dataframe._core
        from hlq.dataframe._multi import resolve_divisions

        resolve_divisions(self)  # a persisted set_index result knows its divisions, as with dask
        return super().persist(**kwargs)

    # ------------------------------------------------- arrays and sinks (hlq.dataframe._io, .sinks)
    def to_dask_array(self, lengths=None, meta=None):
        """The values as an hlq.array in the same plan (see :func:`hlq.dataframe._io.to_dask_array`)."""
        # import cycle: hlq.dataframe._io imports hlq.dataframe._core
        from hlq.dataframe._io import to_dask_array

        return to_dask_array(self, lengths=lengths, meta=meta)

    @property
    def values(self):
        """``to_dask_array()``: the values as an hlq.array (nan chunks where partition lengths are unknown).
        Extension-dtype values of a Series or Index (pyarrow strings, nullable integers) become an
        object array, with dask's warning."""
        vals = self._meta.values
        if pd.api.types.is_extension_array_dtype(vals):
            warnings.warn("Dask currently has limited support for converting pandas extension dtypes "
                          f"to arrays. Converting {vals.dtype} to object dtype.", UserWarning, stacklevel=2)
            return self.to_dask_array(meta=np.empty((0,) * vals.ndim, dtype=object))
        return self.to_dask_array()

    def to_parquet(self, path, **kwargs):
        """Write one parquet file per partition (see :func:`hlq.dataframe._sinks.to_parquet`)."""
        # import cycle: hlq.dataframe._sinks imports hlq.dataframe._core
        from hlq.dataframe._sinks import to_parquet

        return to_parquet(self, path, **kwargs)

    def to_csv(self, filename, **kwargs):
        """Write CSV, one file per partition or a single file (see :func:`hlq.dataframe._sinks.to_csv`)."""
        # import cycle: hlq.dataframe._sinks imports hlq.dataframe._core
        from hlq.dataframe._sinks import to_csv

        return to_csv(self, filename, **kwargs)

    def __repr__(self):
        return frame_repr(self)

    # -------------------------------------------------------------- binary
    def _binop(self, other, op, reverse=False):
        raise NotImplementedError

    def __add__(self, o):
        return self._binop(o, "add")

    def __radd__(self, o):
        return self._binop(o, "add", True)

    def __sub__(self, o):
        return self._binop(o, "sub")

    def __rsub__(self, o):
        return self._binop(o, "sub", True)

    def __mul__(self, o):
        return self._binop(o, "mul")

    def __rmul__(self, o):
        return self._binop(o, "mul", True)

    def __truediv__(self, o):
        return self._binop(o, "truediv")

    def __rtruediv__(self, o):
        return self._binop(o, "truediv", True)

    def __floordiv__(self, o):
        return self._binop(o, "floordiv")

    def __rfloordiv__(self, o):
        return self._binop(o, "floordiv", True)

    def __mod__(self, o):
        return self._binop(o, "mod")

    def __rmod__(self, o):
        return self._binop(o, "mod", True)

    def __divmod__(self, o):
        """``divmod(x, o)``: the pair ``(x // o, x % o)`` (pandas' and dask's result)."""
        return self // o, self % o

    def __rdivmod__(self, o):
        return o // self, o % self

    def __pow__(self, o):
        return self._binop(o, "pow")

    def __rpow__(self, o):
        return self._binop(o, "pow", True)

    def __eq__(self, o):  # noqa: D105 - elementwise, like pandas
        return self._binop(o, "eq")

    def __ne__(self, o):
        return self._binop(o, "ne")

    def __lt__(self, o):
        return self._binop(o, "lt")

    def __le__(self, o):
        return self._binop(o, "le")

    def __gt__(self, o):
        return self._binop(o, "gt")

    def __ge__(self, o):
        return self._binop(o, "ge")

    def __and__(self, o):
        return self._binop(o, "and")

    def __rand__(self, o):
        return self._binop(o, "and", True)

    def __or__(self, o):
        return self._binop(o, "or")

    def __ror__(self, o):
        return self._binop(o, "or", True)

    def __xor__(self, o):
        return self._binop(o, "xor")

    __hash__ = HlqCollection.__hash__ if hasattr(HlqCollection, "__hash__") else object.__hash__


_SWAP = {"lt": "gt", "gt": "lt", "le": "ge", "ge": "le", "eq": "eq", "ne": "ne"}


def _op_expr(op, a, b):
    if op in ("and", "or"):
        return (op, (a, b))
    return (op, a, b)


def _pandas_op(op):
    if op == "and":
        return lambda a, b: a & b
    if op == "or":
        return lambda a, b: a | b
    return BINARY[op]


class _ScalarOp:
    __slots__ = ("op", "value", "reverse")

    def __init__(self, op, value, reverse):
        self.op, self.value, self.reverse = op, value, reverse

    def __call__(self, df):
        f = _pandas_op(self.op)
        return f(self.value, df) if self.reverse else f(df, self.value)

    def __reduce__(self):
        return (_ScalarOp, (self.op, self.value, self.reverse))


_MAX_EXPR_DEPTH = 32


def _axis0(axis, name):
    """dask's reductions take ``axis``; hlq reduces over rows only (axis=1 raises, with the workaround)."""
    if axis not in (None, 0, "index", "rows"):
        raise NotImplementedError(f"{name}(axis={axis!r}) is not supported; use "
                                  f"map_partitions(lambda p: p.{name}(axis=1))")


def _datetime_literal(dtype, value, op):
    """A literal compared with a datetime column, as pandas reads it: a string (or a
    ``datetime``/``np.datetime64``) becomes a ``pd.Timestamp`` (in the column's time zone
    when the string has none), so that the plan holds the value pandas compares with.
    Values pandas rejects are left alone (the build-time dtype check raises pandas' error)."""
    if op not in COMPARISONS or not isinstance(value, (str, datetime.datetime, np.datetime64)):
        return value
    tz = getattr(dtype, "tz", None)
    if not (getattr(dtype, "kind", None) == "M" or tz is not None):
        return value
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        return value
    if ts is pd.NaT:
        return value
    if isinstance(value, str) and tz is not None and ts.tz is None:
        ts = ts.tz_localize(tz)
    return ts


def _deeper_than(expr, limit: int) -> bool:
    """Whether a column expression nests deeper than ``limit`` (iterative, stops early)."""
    stack = [(expr, 1)]
    while stack:
        e, d = stack.pop()
        if d > limit:
            return True
        for x in e[1:]:
            if isinstance(x, tuple) and x and isinstance(x[0], str):
                stack.append((x, d + 1))
            elif isinstance(x, tuple):  # n-ary "and"/"or": a tuple of terms
                stack.extend((t, d + 1) for t in x if isinstance(t, tuple))
    return False


class Series(SeriesMethods, _Frame):
    """A lazy pandas Series (one partition per block)."""

    __slots__ = ()
    _partition_type = pd.Series
    _accessors: set = set()  # names registered by hlq.dataframe.extensions

    @property
    def name(self):
        return self._node.columns[0]

    @name.setter
    def name(self, value):
        """``s.name = v``: this Series is rebound to the renamed plan (as in dask)."""
        self._rebind(self.rename(value))

    @property
    def dtype(self):
        return self._node.dtypes[0]

    def _expr(self):
        """(frame, column expression) of a Series built from one frame's columns.

        Expressions stop growing at ``_MAX_EXPR_DEPTH``: a longer chain of
        operations continues as plan nodes (iterative everywhere), so deep
        chains never hit Python's recursion limit in the tree-walking helpers.
        """
        n = self._node
        if isinstance(n, SeriesExpr) and not _deeper_than(n.expr, _MAX_EXPR_DEPTH):
            return n.child, n.expr
        return None, None

    def _unary(self, tag, *extra):
        f, e = self._expr()
        if f is not None:
            expr = (tag, e, *extra) if extra else (tag, e)
            return Series(SeriesExpr(f, expr, self.name))
        func = _UnaryFunc(tag, extra)
        meta = func(self._meta)
        return Series(MapPartitions(self._node, func, (), (), MetaBox(meta), True))

    def _binop(self, other, op, reverse=False):
        f, e = self._expr()
        if _is_scalar(other):
            other = _datetime_literal(self.dtype, other, op)
            if f is not None:
                lit = ("lit", other)
                expr = _op_expr(op, lit, e) if reverse else _op_expr(op, e, lit)
                return Series(SeriesExpr(f, expr, self.name))
            func = _ScalarOp(op, other, reverse)
            return Series(MapPartitions(self._node, func, (), (), MetaBox(func(self._meta)), True))
        if isinstance(other, Series):
            f2, e2 = other._expr()
            name = self.name if self.name == other.name else None
            if f is not None and f2 is f:
                expr = _op_expr(op, e2, e) if reverse else _op_expr(op, e, e2)
                return Series(SeriesExpr(f, expr, name))
            x, y = realign(self, other)
            a, b = (y._node, x._node) if reverse else (x._node, y._node)
            return Series(Binary(_LOGICAL.get(op, op), a, b))
        if isinstance(other, Scalar):
            a, b = (other._node, self._node) if reverse else (self._node, other._node)
            return Series(WithScalar(_LOGICAL.get(op, op), a, b))
        return NotImplemented

    def __invert__(self):
        return self._unary("invert")

    def _ufunc1(self, tag):
        return self._unary(tag)

    def __neg__(self):
        return self._unary("neg")

    def __abs__(self):
        return self._unary("abs")

    def abs(self):
        return self._unary("abs")

    def isna(self):
        return self._unary("isna")

    def notna(self):
        return self._unary("notna")

    isnull = isna
    notnull = notna

    def __getitem__(self, key):
        """``s[mask]`` with a boolean Series aligned with ``s``; ``s[label]``/``s[a:b]`` select by index label."""
        if isinstance(key, Series):
            f, e = self._expr()
            kn = key._node
            if f is not None and isinstance(kn, SeriesExpr) and kn.child is f:
                return Series(SeriesExpr(Filter(f, kn.expr), e, self.name))
            x, key = realign(self, key)
            return Series(FilterBy(x._node, key._node))
        if isinstance(key, DataFrame):
            raise TypeError("a Series cannot be indexed by a DataFrame")
        return self.loc[key]

    def fillna(self, value=None, axis=None):
        if axis not in (None, 0, "index"):
            raise ValueError(f"No axis named {axis} for object type Series")
        if isinstance(value, Series) and value.npartitions == self.npartitions and (
                value.divisions == self.divisions):  # an aligned Series (e.g. another column)
            return _ew.series_call(self, "fillna", value)
        if isinstance(value, (Series, Scalar, pd.Series)):
            return _ew.zip_call(self, "fillna", (value,), keep_index=True)
        if not _is_scalar(value):
            raise TypeError("fillna supports scalar values, Series and lazy Scalars")
        return self._unary("fillna", value)

    def astype(self, dtype):
        dt = pd.api.types.pandas_dtype(dtype)
        if isinstance(dt, pd.CategoricalDtype) and dt.categories is None and not isinstance(self.dtype, type(dt)):
            return _red.astype_category(self)  # categories from the data, like pandas
        return self._unary("astype", dt)

    def rename(self, index, inplace=False, sorted_index=False):
        """A new name (a scalar), or new index labels (a function or mapping, per partition; divisions
        stay known only with ``sorted_index=True``, which promises the mapping keeps the order)."""
        if inplace:
            raise NotImplementedError("rename(inplace=True) is not supported; use s = s.rename(...)")
        name = index
        if callable(name) or isinstance(name, (dict, pd.Series)):
            return rename_index(self, name, sorted_index)
        f, e = self._expr()
        if f is not None:
            return Series(SeriesExpr(f, e, name))
        return self.map_partitions(_PandasMethod("rename", (name,)), meta=self._meta.rename(name))

    def to_frame(self, name=None):
        return self.map_partitions(pd.Series.to_frame, *(() if name is None else (name,)))

    def groupby(self, by, sort=None, dropna=True, **kwargs):
        """``s.groupby(by)``: ``by`` a Series aligned with ``s`` (or a list of them)."""
        # import cycle: hlq.dataframe._groupby imports hlq.dataframe._core
        from hlq.dataframe._groupby import series_groupby

        return series_groupby(self, by, sort=sort, dropna=dropna, **kwargs)

    def value_counts(self, sort=True, ascending=False, dropna=True, normalize=False, split_every=None,
                     split_out=1):
        return _red.value_counts(self, sort, ascending, normalize, dropna, split_every, split_out)

    def unique(self, split_every=None, split_out=True, shuffle_method=None):
        return _red.unique(self, split_every, split_out)

    def mode(self, dropna=True, split_every=None):
        return _red.mode(self, dropna, split_every)

    # ------------------------------------ element-wise (hlq/dataframe/_elementwise.py, _accessors.py)
    def where(self, cond, other=np.nan):
        return _ew.where(self, cond, other)

    def mask(self, cond, other=np.nan):
        return _ew.mask(self, cond, other)

    def clip(self, lower=None, upper=None, axis=None, **kwargs):
        """``clip`` (``axis``/``out=None`` are accepted for numpy's ``np.clip(s, a, b)``)."""
        _no_out("clip", axis, kwargs)
        return _ew.clip(self, lower, upper)

    def round(self, decimals=0):
        return _ew.series_call(self, "round", args=(decimals,))

    def isin(self, values):
        return _ew.isin(self, values)

    def between(self, left, right, inclusive="both"):
        return _ew.between(self, left, right, inclusive)

    def replace(self, to_replace=None, value=None, regex=False):
        kw = {"regex": regex} if value is None else {"value": value, "regex": regex}
        return _ew.series_call(self, "replace", args=(to_replace,), kwargs=kw)

    def map(self, arg, na_action=None, meta=None):
        return _ew.map_values(self, arg, na_action, meta)

    def apply(self, func, args=(), meta=None, **kwds):
        return _ew.apply_values(self, func, args, meta, **kwds)

    def __dir__(self):
        # the accessors the dtype has no use for are left out, like dask (pandas lists them all)
        out = set(super().__dir__())
        for name in ("cat", "str"):
            if not hasattr(self._meta, name):
                out.discard(name)
        return sorted(out)

    @property
    def str(self):
        # import cycle: hlq.dataframe._accessors imports hlq.dataframe._core
        from hlq.dataframe._accessors import StringAccessor

        return StringAccessor(self)

    @property
    def dt(self):
        # import cycle: hlq.dataframe._accessors imports hlq.dataframe._core
        from hlq.dataframe._accessors import DatetimeAccessor

        return DatetimeAccessor(self)

    @property
    def cat(self):
        # import cycle: hlq.dataframe._accessors imports hlq.dataframe._core
        from hlq.dataframe._accessors import CategoricalAccessor

        return CategoricalAccessor(self)


_LOGICAL = {"and": "and_", "or": "or_"}
BINARY.setdefault("and_", lambda a, b: a & b)
BINARY.setdefault("or_", lambda a, b: a | b)


class _UnaryFunc:
    __slots__ = ("tag", "extra")

    def __init__(self, tag, extra):
        self.tag, self.extra = tag, extra

    def __call__(self, s):
        expr = (self.tag, ("col", "__s__"), *self.extra) if self.extra else (self.tag, ("col", "__s__"))
        return evaluate(expr, pd.DataFrame({"__s__": s})).rename(s.name)

    def __reduce__(self):
        return (_UnaryFunc, (self.tag, self.extra))


class DataFrame(FrameMethods, _Frame):
    """A lazy pandas DataFrame (one partition per block)."""

    __slots__ = ()
    _partition_type = pd.DataFrame
    _accessors: set = set()  # names registered by hlq.dataframe.extensions

    @property
    def columns(self) -> pd.Index:
        """The column labels, as the partitions' pandas Index (its name and type kept, as dask's)."""
        return self._node.meta.columns

    @columns.setter
    def columns(self, new):
        """``df.columns = [...]``: rename every column (positionally), rebinding the collection."""
        new = list(new)
        old = list(self._node.columns)
        if len(new) != len(old):
            raise ValueError(f"Length mismatch: Expected axis has {len(old)} elements, new values have "
                             f"{len(new)} elements")
        if new == old:
            return
        self._rebind(DataFrame(Rename(self._node, tuple((a, b) for a, b in zip(old, new) if a != b))))

    @property
    def dtypes(self) -> pd.Series:
        return pd.Series(list(self._node.dtypes), index=list(self._node.columns), dtype=object)

    def __dir__(self):
        return list(super().__dir__()) + [c for c in self._node.columns if isinstance(c, str) and c.isidentifier()]

    def __getattr__(self, key):
        if key.startswith("_"):
            raise AttributeError(key)
        node = object.__getattribute__(self, "_node")
        if key in node.dtype_map:
            return self[key]
        raise AttributeError(f"'DataFrame' object has no attribute {key!r}")

    def __getitem__(self, key):
        node = self._node
        if isinstance(key, Series):
            kn = key._node
            if isinstance(kn, SeriesExpr) and kn.child is node:
                return DataFrame(Filter(node, kn.expr))
            x, key = realign(self, key)
            return DataFrame(FilterBy(x._node, key._node))
        if isinstance(key, DataFrame):  # a boolean frame: pandas' where
            return self.where(key)
        if isinstance(key, slice):
            # rows by index label; integer bounds are positions (pandas), which only iloc could give
            if any(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (key.start, key.stop, key.step)):
                return self.iloc[key]
            return self.loc[key]
        if isinstance(key, (np.ndarray, pd.Index, pd.Series)) and np.ndim(key) == 1:
            key = list(key)
        if isinstance(key, list):
            return DataFrame(Project(node, tuple(key)))
        if isinstance(key, tuple) or key in node.dtype_map or _is_scalar(key):
            if key not in node.dtype_map:
                raise KeyError(f"column {key!r} not found; columns are {list(node.columns)}")
            return Series(SeriesExpr(node, ("col", key), key))
        raise TypeError(f"unsupported key for DataFrame.__getitem__: {type(key).__name__}")

    def _col_expr(self, value, name):
        node = self._node
        if isinstance(value, Series):
            vn = value._node
            if isinstance(vn, SeriesExpr) and vn.child is node:
                return vn.expr
            raise NotImplementedError(
                f"assign of {name!r}: the Series must be computed from this DataFrame's columns"
            )
        if callable(value):
            return self._col_expr(value(self), name)
        if _is_scalar(value):
            return ("lit", value)
        raise TypeError(f"cannot assign a {type(value).__name__} to column {name!r}")

    def assign(self, **kwargs):
        out = self
        assigned = set()
        for name, value in kwargs.items():
            if callable(value) and not isinstance(value, (_Frame, Scalar)):
                value = value(out)
            if isinstance(value, Scalar):
                value = _scalar_column(out, value)
            if isinstance(value, pd.Series):
                assigned.add(name)
                out = _assign_pandas_series(out, name, value)
                continue
            if (isinstance(value, Series) and isinstance(value._node, SeriesExpr) and out is not self
                    and value._node.child is self._node and not (_columns_of(value._node.expr) & assigned)):
                # an expression over the original frame whose columns are not reassigned yet
                value = Series(SeriesExpr(out._node, value._node.expr, value._node.sname))
            assigned.add(name)
            if isinstance(value, Series) and not (
                isinstance(value._node, SeriesExpr) and value._node.child is out._node
            ):
                out, value = realign(out, value)
                out = DataFrame(AssignFrom(out._node, name, value._node))
                continue
            e = out._col_expr(value, name)
            out = DataFrame(Assign(out._node, ((name, e),)))
        return out

    def __setitem__(self, key, value):
        """``df[key] = value``: this DataFrame now stands for a new plan (as in dask: the plans
        themselves never change, the collection object is rebound).

        ``key`` a column name (``value`` a scalar, a Series, or a callable), a list of names
        (``value`` a DataFrame with as many columns), or a boolean Series/DataFrame computed
        from this frame (``df[df > 0] = v``: ``df.where(~cond, v)``)."""
        if isinstance(key, Series):  # rows where key is True get value (every column)
            self._rebind(_assign_many(self, list(self._node.columns),
                                      [self[c].mask(key, value) for c in self._node.columns]))
            return
        if isinstance(key, DataFrame):
            self._rebind(self.mask(key, value))
            return
        if isinstance(key, numbers.Number) and not isinstance(key, bool):
            raise NotImplementedError(f"setting a column with a numeric name ({key!r}) is not supported (as in "
                                      f"dask); use df = df.assign(**{{str(name): ...}}) or rename the columns")
        if isinstance(key, (list, pd.Index)):
            key = list(key)
            if isinstance(value, DataFrame):
                if len(value.columns) != len(key):
                    raise ValueError(f"Columns must be same length as key: {len(key)} keys, "
                                     f"{len(value.columns)} columns")
                self._rebind(_assign_many(self, key, [value[c] for c in value.columns]))
                return
            self._rebind(_assign_many(self, key, [value] * len(key)))
            return
        self._rebind(_assign_many(self, [key], [value]))

    def __delitem__(self, key):
        """``del df[key]``: rebinds this DataFrame to the plan without column ``key``."""
        self._rebind(self.drop(columns=[key]))

    def _rebind(self, other):
        """Make this collection stand for ``other``'s plan (``df[c] = ...``, ``df.columns = ...``)."""
        if not isinstance(other, DataFrame):
            raise TypeError(f"cannot rebind a DataFrame to a {type(other).__name__}")
        super()._rebind(other)

    def __copy__(self):
        return DataFrame(self._node)  # a new object: __setitem__ on the copy leaves this one alone

    def __deepcopy__(self, memo):
        return DataFrame(self._node)

    def copy(self, deep=False):
        """A new collection object over the same plan (plans never change; see ``__setitem__``).
        ``deep`` must be False (as in dask)."""
        if deep is not False:
            raise ValueError("The `deep` value must be False. This is strictly a shallow copy of the underlying "
                             "computational graph.")
        return DataFrame(self._node)

    # ---------------------------------------------- joins and indexes (hlq/dataframe/_multi.py)
    def merge(self, right, how="inner", on=None, left_on=None, right_on=None, left_index=False,
              right_index=False, suffixes=("_x", "_y"), indicator=False, npartitions=None, shuffle_method=None,
              broadcast=None):
        """Join with ``right`` like :meth:`pandas.DataFrame.merge` (see :func:`hlq.dataframe.merge`)."""
        # import cycle: hlq.dataframe._multi imports hlq.dataframe._core
        from hlq.dataframe import _multi

        return _multi.merge(self, right, how, on, left_on, right_on, left_index, right_index, suffixes,
                           indicator, npartitions, shuffle_method, broadcast)

    def join(self, other, on=None, how="left", lsuffix="", rsuffix="", shuffle_method=None, npartitions=None,
             broadcast=None):
        """Join ``other`` (or each frame of a list, in turn) on its index (see
        :func:`hlq.dataframe._multi.join`); ``shuffle_method`` is accepted for dask's signature."""
        # import cycle: hlq.dataframe._multi imports hlq.dataframe._core
        from hlq.dataframe import _multi

        return _multi.join(self, other, on, how, lsuffix, rsuffix, npartitions, broadcast)

    def set_index(self, other, drop=True, sorted=False, npartitions=None, divisions=None, **kwargs):
        """Index by column ``other``, rows sorted by it (see :func:`hlq.dataframe._multi.set_index`)."""
        # import cycle: hlq.dataframe._multi imports hlq.dataframe._core
        from hlq.dataframe import _multi

        return _multi.set_index(self, other, drop, sorted, npartitions, divisions, **kwargs)

    def _columnwise(self, make):
        pairs = tuple((c, make(c)) for c in self._node.columns)
        return DataFrame(Assign(self._node, pairs)) if pairs else self

    def astype(self, dtype):
        spec = dtype if isinstance(dtype, dict) else dict.fromkeys(self._node.columns, dtype)
        unknown = [c for c, d in spec.items() if _unspecified_category(d) and isinstance(c, str)
                   and c in self._node.dtype_map and not isinstance(self._node.dtype_map[c], pd.CategoricalDtype)]
        if unknown:  # categories from the data, like pandas (see Series.astype)
            rest = {c: d for c, d in spec.items() if c not in unknown}
            out = self.astype(rest) if rest else self
            return out.assign(**{c: self[c].astype("category") for c in unknown})
        if isinstance(dtype, dict):
            for c in dtype:
                if c not in self._node.dtype_map:
                    raise KeyError(f"column {c!r} not found; columns are {list(self._node.columns)}")
            pairs = tuple((c, ("astype", ("col", c), pd.api.types.pandas_dtype(d))) for c, d in dtype.items())
            return DataFrame(Assign(self._node, pairs))
        dt = pd.api.types.pandas_dtype(dtype)
        return self._columnwise(lambda c: ("astype", ("col", c), dt))

    def fillna(self, value=None, axis=None):
        if axis not in (None, 0, "index", 1, "columns"):
            raise ValueError(f"No axis named {axis} for object type DataFrame")
        if isinstance(value, (DataFrame, pd.DataFrame)):  # values from the same labels of another frame
            return _ew.zip_call(self, "fillna", (value,), keep_index=True)
        if not _is_scalar(value) and axis in (1, "columns"):
            raise NotImplementedError("fillna(axis=1) takes a scalar value")
        if isinstance(value, pd.Series):
            value = value.to_dict()
        if isinstance(value, dict):
            # per column (keys that are not columns are ignored, as pandas ignores them)
            pairs = tuple((c, ("fillna", ("col", c), v)) for c, v in value.items() if c in self._node.dtype_map)
            return DataFrame(Assign(self._node, pairs)) if pairs else self
        return self._columnwise(lambda c: ("fillna", ("col", c), value))

    def isna(self):
        return self._columnwise(lambda c: ("isna", ("col", c)))

    def notna(self):
        return self._columnwise(lambda c: ("notna", ("col", c)))

    isnull = isna
    notnull = notna

    def dropna(self, how=None, subset=None, thresh=None):
        if how not in (None, "any") or thresh is not None:  # per partition with pandas
            kw = {"how": how or "any", "subset": subset} if thresh is None else {"thresh": thresh, "subset": subset}
            return _per_partition(self, "dropna", keeps_rows=False, **kw)
        cols = list(self._node.columns) if subset is None else ([subset] if isinstance(subset, str) else list(subset))
        for c in cols:
            if c not in self._node.dtype_map:
                raise KeyError(f"column {c!r} not found; columns are {list(self._node.columns)}")
        if not cols:
            return self
        return DataFrame(Filter(self._node, make_and([("notna", ("col", c)) for c in cols])))

    def drop(self, labels=None, axis=1, columns=None, errors="raise"):
        if axis not in (1, "columns"):
            raise NotImplementedError("Drop currently only works for axis=1 (as in dask); filter rows with "
                                      "df[~df.index.isin(labels)]")
        cols = columns if columns is not None else labels
        if isinstance(cols, (str, int)) or not np.iterable(cols):
            cols = [cols]
        if errors == "ignore":
            cols = [c for c in cols if c in self._node.dtype_map]
        for c in cols:
            if c not in self._node.dtype_map:
                raise KeyError(f"column {c!r} not found; columns are {list(self._node.columns)}")
        drop = set(cols)
        return DataFrame(Project(self._node, tuple(c for c in self._node.columns if c not in drop)))

    def __contains__(self, key):
        """Whether ``key`` is a column label (pandas' ``key in df``)."""
        try:
            return key in self._node.dtype_map
        except TypeError:  # an unhashable key is no label
            return False

    def rename(self, index=None, columns=None):
        if index is not None:
            out = rename_index(self, index, False)
            return out.rename(columns=columns) if columns is not None else out
        if callable(columns):
            mapping = {c: columns(c) for c in self._node.columns}
        else:
            mapping = dict(columns or {})
        mapping = {k: v for k, v in mapping.items() if k in self._node.dtype_map and k != v}
        if not mapping:
            return self
        return DataFrame(Rename(self._node, tuple(mapping.items())))

    def _binop(self, other, op, reverse=False):
        if _is_scalar(other):
            dts = self._node.dtypes
            if all(getattr(d, "kind", "O") in "biuf" for d in dts) or op in ("eq", "ne"):
                lit = ("lit", other)
                return self._columnwise(
                    lambda c: _op_expr(op, lit, ("col", c)) if reverse else _op_expr(op, ("col", c), lit)
                )
            func = _ScalarOp(op, other, reverse)
            return self.map_partitions(func, meta=func(self._meta))
        if isinstance(other, DataFrame):
            x, y = realign(self, other)
            a, b = (y._node, x._node) if reverse else (x._node, y._node)
            return DataFrame(Binary(_LOGICAL.get(op, op), a, b))
        if isinstance(other, (Series, pd.Series)):
            return frame_series_op(self, other, op, reverse)
        if isinstance(other, Scalar):
            a, b = (other._node, self._node) if reverse else (self._node, other._node)
            return DataFrame(WithScalar(_LOGICAL.get(op, op), a, b))
        return NotImplemented

    def __invert__(self):
        return self._columnwise(lambda c: ("invert", ("col", c)))

    def __neg__(self):
        return self._columnwise(lambda c: ("neg", ("col", c)))

    def __pos__(self):
        return self

    def __abs__(self):
        return self._columnwise(lambda c: ("abs", ("col", c)))

    def _ufunc1(self, tag):
        return self._columnwise(lambda c: (tag, ("col", c)))

    # ------------------------------------ element-wise (hlq/dataframe/_elementwise.py)
    def where(self, cond, other=np.nan):
        return _ew.frame_where(self, cond, other, "where")

    def mask(self, cond, other=np.nan):
        return _ew.frame_where(self, cond, other, "mask")

    def clip(self, lower=None, upper=None, axis=None, **kwargs):
        """``clip`` (``axis``/``out=None`` are accepted for numpy's ``np.clip(df, a, b)``)."""
        _no_out("clip", axis, kwargs)
        return _ew.frame_clip(self, lower, upper)

    def abs(self):
        return _ew.frame_call(self, "abs")

    def round(self, decimals=0):
        return _ew.frame_round(self, decimals)

    def isin(self, values):
        return _ew.frame_isin(self, values)

    def replace(self, to_replace=None, value=None, regex=False):
        return _ew.frame_replace(self, to_replace, value, regex)

    def apply(self, func, axis=0, args=(), meta=None, columns=None, **kwds):
        return _ew.frame_apply(self, func, axis, args, meta, columns, **kwds)

    def groupby(self, by, sort=None, dropna=True, as_index=True, **kwargs):
        """Group by columns or aligned Series (see :mod:`hlq.dataframe._groupby`)."""
        # import cycle: hlq.dataframe._groupby imports hlq.dataframe._core
        from hlq.dataframe._groupby import frame_groupby

        return frame_groupby(self, by, sort=sort, dropna=dropna, as_index=as_index, **kwargs)


def _unspecified_category(d):
    """``"category"`` or an unordered ``CategoricalDtype`` without categories: pandas takes the
    categories from the data."""
    if isinstance(d, str):
        return d == "category"
    return isinstance(d, pd.CategoricalDtype) and d.categories is None and not d.ordered


def _datetime_units(obj):
    """``{column: unit}`` of the datetime columns of a collection (a Series: its name)."""
    out = {}
    for c, d in zip(obj._node.columns, obj._node.dtypes):
        if isinstance(d, pd.DatetimeTZDtype):
            out[c] = d.unit
        elif getattr(d, "kind", None) == "M":
            out[c] = np.datetime_data(d)[0]
    return out


class _DatetimeAsFloat:
    """Partition function: the datetime columns (or Series) as float nanoseconds-of-their-unit
    counts, missing values NaN (the numbers pandas' ``std`` of datetimes works on)."""

    __slots__ = ("cols",)

    def __init__(self, cols):
        self.cols = cols

    @staticmethod
    def _floats(s):
        out = pd.Series(s.to_numpy().view("i8") if not isinstance(s.dtype, pd.DatetimeTZDtype)
                        else s.dt.tz_localize(None).to_numpy().view("i8"), index=s.index, name=s.name, dtype="float64")
        return out.where(s.notna())

    def __call__(self, part):
        if isinstance(part, pd.Series):
            return self._floats(part)
        return part.assign(**{c: self._floats(part[c]) for c in self.cols}) if all(
            isinstance(c, str) for c in self.cols) else _assign_floats(part, self.cols, self._floats)

    def __reduce__(self):
        return (_DatetimeAsFloat, (self.cols,))


def _assign_floats(part, cols, conv):
    part = part.copy()
    for c in cols:
        part[c] = conv(part[c])
    return part


def _as_timedelta(value, unit):
    """A std of datetimes (a float count of ``unit``) as pandas gives it: a Timedelta (NaT if NaN)."""
    return pd.NaT if value != value else pd.Timedelta(float(value), unit=unit).as_unit(unit)


BINARY.setdefault("as_timedelta_", _as_timedelta)


class _StdAsTimedelta:
    """Partition function of a frame's std: the datetime columns' entries as Timedeltas."""

    __slots__ = ("units", "dtype")

    def __init__(self, units, dtype):
        self.units, self.dtype = units, dtype

    def __call__(self, s):
        units = dict(self.units)
        vals = [_as_timedelta(v, units[k]) if k in units else v for k, v in s.items()]
        return pd.Series(vals, index=s.index, name=s.name, dtype=self.dtype)

    def __reduce__(self):
        return (_StdAsTimedelta, (self.units, self.dtype))


def _datetime_std(obj, skipna, ddof, split_every):
    """``std`` of datetimes, as pandas: the standard deviation of their integer counts, as Timedeltas
    of the column's unit (a frame mixing them with numbers gives an object Series)."""
    units = _datetime_units(obj)
    f = _DatetimeAsFloat(tuple(units))
    num = obj.map_partitions(f, meta=f(obj._meta))
    total = num._dask_reduction("std", 0, skipna, False, split_every, {}, ddof=ddof)
    if isinstance(obj, Series):
        return Scalar(WithScalar("as_timedelta_", total._node, units[obj.name]))
    finest = max(units.values(), key=["s", "ms", "us", "ns"].index)  # pandas' common unit
    dtype = np.dtype(f"m8[{finest}]") if len(units) == len(obj._node.columns) else np.dtype(object)
    g = _StdAsTimedelta(tuple(units.items()), dtype)
    return total.map_partitions(g, meta=pd.Series([], dtype=dtype, index=total._meta.index, name=total.name))


def _no_out(name, axis, kwargs):
    """numpy's keywords on a method called by a numpy function: only their defaults are supported."""
    if axis not in (None, 0, "index"):
        raise NotImplementedError(f"{name}(axis={axis!r}) is not supported")
    for k, v in kwargs.items():
        if k != "out" or v is not None:
            raise TypeError(f"{name}() got an unexpected keyword argument {k!r}")


def _min_count(obj, total, min_count, split_every):
    """``sum``/``prod`` with ``min_count``: NaN where fewer than ``min_count`` values were summed."""
    counts = obj._reduce("count", split_every=split_every)
    if isinstance(total, Series):
        return total.where(counts >= min_count)
    return Scalar(WithScalar("min_count_", total._node, (counts >= min_count)._node))


def _broadcast_value(s, value):
    return pd.Series(value, index=s.index)


BINARY.setdefault("broadcast_", _broadcast_value)


def _scalar_column(df, value):
    """A lazy Scalar as a column of ``df`` (its value on every row)."""
    if not len(df._node.columns):
        raise NotImplementedError("assigning a lazy Scalar to a frame without columns; compute it first")
    return Series(WithScalar("broadcast_", df[df._node.columns[0]]._node, value._node))


def _apply_min_count(total, ok):
    return total if ok else np.float64(np.nan)


BINARY.setdefault("min_count_", _apply_min_count)


def raise_if_object_series(x, name):
    """dask's check: ``name`` (a numeric statistic) of an object or string Series raises ValueError."""
    if x._node.kind != "series":
        return
    dt = x._node.dtypes[0]
    if dt == np.dtype(object):
        raise ValueError(f"`{name}` not supported with object series")
    if pd.api.types.is_string_dtype(dt) and not isinstance(dt, pd.CategoricalDtype):
        raise ValueError(f"`{name}` not supported with string series")


def _apply_skipna_false(total, missing):
    """A reduction's value, or the missing value of its type when the data held ``missing`` > 0."""
    if not missing:
        return total
    if isinstance(total, (pd.Timestamp, pd.Timedelta, np.datetime64, np.timedelta64)):
        return pd.NaT
    return np.float64(np.nan)


BINARY.setdefault("skipna_false_", _apply_skipna_false)


def _axis_number(obj, axis):
    """0 (reduce over rows) or 1 (over each row's columns) for dask's ``axis`` (None means 0)."""
    if axis in (None, 0, "index", "rows"):
        return 0
    if axis in (1, "columns") and isinstance(obj, DataFrame):
        return 1
    raise ValueError(f"No axis named {axis!r} for object type {type(obj).__name__}")


class _RowReduction:
    """Partition function: ``df.<how>(axis=1, **kw)``."""

    __slots__ = ("how", "kw")

    def __init__(self, how, kw):
        self.how, self.kw = how, kw

    def __call__(self, df):
        return getattr(df, self.how)(axis=1, **dict(self.kw))

    def __reduce__(self):
        return (_RowReduction, (self.how, self.kw))


def _assign_many(df, keys, values):
    """``df`` with ``df[k] = v`` for every pair (callables are called with ``df`` as it was)."""
    out = df
    for k, v in zip(keys, values):
        if callable(v) and not isinstance(v, (_Frame, Scalar)):
            v = v(df)
        out = _assign_one(out, k, v)
    return out


def _assign_one(out, name, value):
    if isinstance(value, DataFrame):
        raise TypeError(f"cannot set column {name!r} from a DataFrame; select one of its columns")
    if isinstance(value, Series):
        vn = value._node
        if isinstance(vn, SeriesExpr) and vn.child is out._node:
            return DataFrame(Assign(out._node, ((name, vn.expr),)))
        out, value = realign(out, value)
        return DataFrame(AssignFrom(out._node, name, value._node))
    if isinstance(value, Scalar):
        return DataFrame(AssignFrom(out._node, name, _scalar_column(out, value)._node))
    if isinstance(value, pd.Series):
        return _assign_pandas_series(out, name, value)
    if isinstance(value, (pd.DataFrame, np.ndarray, list)):
        raise NotImplementedError(f"setting column {name!r} from a {type(value).__name__}: make it an hlq "
                                  f"Series aligned with this frame (dd.from_pandas) or use map_partitions")
    if not _is_scalar(value):
        raise TypeError(f"cannot assign a {type(value).__name__} to column {name!r}")
    return DataFrame(Assign(out._node, ((name, ("lit", value)),)))


def _assign_pandas_series(out, name, value):
    """``out`` with column ``name`` from a pandas Series, which every partition aligns on its own
    index labels (as ``pd.DataFrame.assign`` aligns it)."""
    fn = _AssignPandas(name, value)
    # (on the empty meta, pandas would take the series' own rows: give it none)
    return out.map_partitions(fn, meta=_AssignPandas(name, value.iloc[:0])(out._meta))


class _AssignPandas:
    """Partition function: ``df.assign(name=series)`` (pandas aligns the series on the index)."""

    __slots__ = ("name", "series")

    def __init__(self, name, series):
        self.name, self.series = name, series

    def __call__(self, df):
        df = df.copy()
        df[self.name] = self.series
        return df

    def __reduce__(self):
        return (_AssignPandas, (self.name, self.series))


def _rename(df, mapping):
    return df.rename(columns=dict(mapping))


class Scalar(HlqCollection):
    """A lazy scalar (the result of a series reduction, or ``len``)."""

    __slots__ = ()

    def to_delayed(self, optimize_graph=True):
        """The value as a ``dask.delayed.Delayed`` over the optimized graph."""
        from dask.delayed import Delayed

        return Delayed(self.__dask_keys__()[0], self.__dask_graph__())

    @classmethod
    def _from_node(cls, node):
        return new_collection(node)

    @property
    def dtype(self):
        return self._node.dtypes[0]

    #: a scalar has no axes (as dask's Scalar)
    ndim = 0

    @property
    def _meta(self):
        """A numpy scalar of the result's dtype (as dask's Scalar meta); ``""`` for a reduction
        declared to give a string."""
        sample = getattr(getattr(self._node, "meta_", None), "value", None)
        if isinstance(sample, str):
            return sample
        dt = self.dtype
        if getattr(dt, "kind", None) == "m":  # pandas' reductions give Timedeltas
            return pd.Timedelta(0, unit=np.datetime_data(dt)[0])
        if getattr(dt, "kind", None) == "M" and isinstance(dt, np.dtype):  # ... and Timestamps
            return pd.Timestamp(0).as_unit(np.datetime_data(dt)[0])
        try:
            return np.zeros((), dtype=dt)[()]
        except TypeError:  # a pandas extension dtype
            pass
        try:
            return pd.Series([], dtype=dt).sum()
        except TypeError:  # no sum (categoricals): one value of the dtype
            fake = nonempty_series(dt)
            return None if fake is None else fake.iloc[0]

    @property
    def dask(self):
        """The task graph ``compute`` runs (optimized, culled, fused)."""
        return self.__dask_graph__()

    @property
    def _name(self):
        """The plan's name (deterministic: equal plans have equal names)."""
        return self._node.name

    def optimize(self, fuse=True):
        """The same scalar over its optimized plan (what ``compute`` runs)."""
        return self._from_node(self._optimized_node())

    def __repr__(self):
        return f"<hlq.dataframe.Scalar dtype={self.dtype} plan={self._node.label()}>"

    def __array__(self, dtype=None, copy=None):
        """The computed value as a 0-d array (so ``pandas_obj + scalar`` and numpy functions compute it,
        as with dask)."""
        return np.asarray(self.compute(), dtype=dtype)

    def __int__(self):
        return int(self.compute())

    def __float__(self):
        return float(self.compute())

    def __bool__(self):
        raise TypeError("the truth value of a lazy Scalar is ambiguous; call .compute()")

    def _binop(self, other, op, reverse=False):
        if isinstance(other, _Frame):
            return other._binop(self, op, not reverse)
        if isinstance(other, Scalar):
            other = other._node
        elif not _is_scalar(other):
            return NotImplemented
        a, b = (other, self._node) if reverse else (self._node, other)
        return Scalar(WithScalar(_LOGICAL.get(op, op), a, b))

    __add__ = _Frame.__add__
    __radd__ = _Frame.__radd__
    __sub__ = _Frame.__sub__
    __rsub__ = _Frame.__rsub__
    __mul__ = _Frame.__mul__
    __rmul__ = _Frame.__rmul__
    __truediv__ = _Frame.__truediv__
    __rtruediv__ = _Frame.__rtruediv__
    __pow__ = _Frame.__pow__
    __neg__ = lambda self: self._binop(-1, "mul")  # noqa: E731
    __lt__ = _Frame.__lt__
    __le__ = _Frame.__le__
    __gt__ = _Frame.__gt__
    __ge__ = _Frame.__ge__
    __floordiv__ = _Frame.__floordiv__
    __rfloordiv__ = _Frame.__rfloordiv__
    __mod__ = _Frame.__mod__
    __rmod__ = _Frame.__rmod__


def map_partitions(func, df, *args, meta=None, columns=None, **kwargs):
    """``func(partition, *args, **kwargs)`` on every partition; ``meta`` (an empty pandas object)
    describes the result, else ``func`` is run on the input's empty meta.  ``columns`` declares
    the input columns ``func`` reads, so that only those are read from the source."""
    if meta is None:
        meta = func(df._meta, *args, **kwargs)
    if isinstance(meta, _Frame):  # a collection as meta (as dask accepts): its empty pandas object
        meta = meta._meta
    if not isinstance(meta, (pd.DataFrame, pd.Series, dict, tuple)):
        # func gives a scalar per partition: like dask, the result is a Series of those scalars
        func = ScalarPerPartition(func)
        meta = pd.Series([], dtype=np.asarray(meta).dtype if not isinstance(meta, (np.dtype, type)) else meta)
    if isinstance(meta, dict):
        meta = pd.DataFrame({k: pd.Series([], dtype=v) for k, v in meta.items()})
    elif isinstance(meta, tuple) and len(meta) == 2:
        meta = pd.Series([], dtype=meta[1], name=meta[0])
    needs = None if columns is None else tuple(columns)
    return new_collection(
        MapPartitions(df._node, func, tuple(args), tuple(sorted(kwargs.items())), MetaBox(meta), False, needs)
    )
