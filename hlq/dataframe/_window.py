"""Methods whose rows depend on neighbouring rows: ``map_overlap``, ``shift``, ``diff``,
``rolling``, cumulative aggregations and ``ffill``/``bfill``.

Each partition is computed with pandas, extended with the rows it needs from
its neighbours (:class:`~hlq.dataframe.nodes.window.MapOverlap`) or combined
with the carry of the partitions before it
(:class:`~hlq.dataframe.nodes.window.ScanApply`), as dask does; the result has
the input's partitions and divisions.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> pdf = pd.DataFrame({"x": [1.0, 2.0, None, 4.0, 5.0, 6.0]})
>>> df = dd.from_pandas(pdf, npartitions=3)
>>> df.x.rolling(2).sum().compute().tolist()
[nan, 3.0, nan, nan, 9.0, 11.0]
>>> df.x.ffill().cumsum().compute().tolist()
[1.0, 3.0, 5.0, 9.0, 14.0, 20.0]
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from hlq.dataframe.nodes.calls import nonempty_frame
from hlq.dataframe.nodes.ops import MapPartitions, MetaBox
from hlq.dataframe.nodes.partitioning import index_only
from hlq.dataframe.nodes.reduction import Fn, TreeAgg
from hlq.dataframe.nodes.window import MapOverlap, ScanApply

__all__ = ["map_overlap", "shift", "diff", "cumulative", "fill", "Rolling"]


def _coll(node):
    # import cycle: hlq.dataframe._core imports hlq.dataframe._window through hlq.dataframe._frame_methods
    from hlq.dataframe._core import new_collection

    return new_collection(node)


def _meta_of(obj, func, args=(), kwargs=None):
    """The result meta of a row-preserving ``func``: run on a two-row fake partition (like dask)."""
    kwargs = kwargs or {}
    fake = nonempty_frame(obj._meta)
    try:
        out = func(fake if fake is not None else obj._meta, *args, **kwargs)
    except Exception:
        out = func(obj._meta, *args, **kwargs)
    return out.iloc[:0]


def _window(v, name):
    if isinstance(v, (str, datetime.timedelta, np.timedelta64, pd.offsets.Tick)):
        return pd.Timedelta(v)
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return int(v)
    if isinstance(v, (float, np.floating)):
        raise ValueError(f"{name} must be an integer number of rows or a timedelta, got {v!r}")
    raise TypeError(f"{name} must be an int or a timedelta, got {v!r}")


def _resolved(obj, *windows):
    """``obj``'s plan, with divisions a ``set_index`` left to be computed resolved first when a
    window is a time span (which needs them)."""
    if any(isinstance(w, pd.Timedelta) for w in windows):
        obj.known_divisions  # computes them where dask would have: a sort-based set_index
    return obj._node


def map_overlap(func, df, before, after, *args, meta=None, **kwargs):
    """``func`` on each partition extended by ``before`` rows of the previous partitions and ``after``
    rows of the next ones (ints, or timedeltas over a datetime index with known divisions);
    the borrowed rows are trimmed off the result, which must keep the partition's rows.

    Parameters
    ----------
    func : callable
        ``func(partition, *args, **kwargs)``.
    df : DataFrame or Series
    before, after : int, str or timedelta
    *args
        Passed to ``func`` after the partition.  Frames among them (hlq or pandas;
        a pandas one is one partition) are passed partition by partition, without
        the borrowed rows, as dask does.
    meta : pandas object, optional
        The result's empty pandas object (default: ``func`` on a fake partition).
    align_dataframes : bool, default True
        Repartition ``df`` and the frames in ``args`` at the union of their
        divisions first (dask's alignment); False: the frames must have ``df``'s
        number of partitions or a single one (given to every call).
    **kwargs
        Passed to ``func``, except dask's ``enforce_metadata``, ``transform_divisions``
        and ``clear_divisions`` (the result keeps ``df``'s partitions).
    """
    align = kwargs.pop("align_dataframes", True)
    for k in ("enforce_metadata", "transform_divisions", "clear_divisions"):
        kwargs.pop(k, None)
    # import cycle: hlq.dataframe._io imports hlq.dataframe._core, which imports this module
    from hlq.dataframe._io import from_pandas

    if isinstance(df, (pd.DataFrame, pd.Series)):  # a pandas input is one partition, as in dask
        df = from_pandas(df, npartitions=1)
    # further frames (pandas ones are one partition, as in dask) go to func partition by partition
    args = [from_pandas(a, npartitions=1) if isinstance(a, (pd.DataFrame, pd.Series)) else a for a in args]
    if any(hasattr(a, "_node") and a._node.kind == "scalar" for a in args) or any(
            hasattr(v, "_node") for v in kwargs.values()):
        raise NotImplementedError("map_overlap with a Scalar argument or a collection as keyword argument is "
                                  "not supported; compute it first or pass it positionally as a frame")
    slots = tuple(k for k, a in enumerate(args) if hasattr(a, "_node"))
    if slots:
        if align:
            # import cycle: hlq.dataframe._frame_methods imports this module
            from hlq.dataframe._frame_methods import align_partitions

            aligned = align_partitions(df, *(args[k] for k in slots))
            df = aligned[0]
            for k, a in zip(slots, aligned[1:]):
                args[k] = a
        elif any(args[k].npartitions not in (1, df.npartitions) for k in slots):
            raise ValueError("map_overlap(align_dataframes=False) needs further frames with the frame's number "
                             "of partitions or a single partition")
    if meta is None:
        meta = _meta_of(df, func, [a._meta if k in slots else a for k, a in enumerate(args)], kwargs)
    elif isinstance(meta, tuple) and len(meta) == 2:
        meta = pd.Series([], dtype=meta[1], name=meta[0])
    elif isinstance(meta, dict):
        meta = pd.DataFrame({k: pd.Series([], dtype=v) for k, v in meta.items()})
    if isinstance(meta, (pd.DataFrame, pd.Series)) and not meta.index.equals(df._meta.index):
        meta = meta.set_axis(df._meta.index[:0], axis=0) if len(meta) == 0 else meta
    others = tuple(args[k]._node for k in slots)
    plain = tuple(None if k in slots else a for k, a in enumerate(args))
    before, after = _window(before, "before"), _window(after, "after")
    return _coll(MapOverlap(_resolved(df, before, after), func, plain, tuple(sorted(kwargs.items())),
                            MetaBox(meta), before, after, others, slots))


class _PandasMethod:
    """Picklable partition function ``part.<name>(*args, **kwargs)``.

    Its ``__name__`` and ``repr`` are the method name (plan labels show it).
    """

    __slots__ = ("name", "args", "kwargs")

    def __init__(self, name, args=(), kwargs=()):
        self.name, self.args, self.kwargs = name, tuple(args), tuple(sorted(dict(kwargs).items()))

    def __call__(self, part):
        return getattr(part, self.name)(*self.args, **dict(self.kwargs))

    def __reduce__(self):
        return (_PandasMethod, (self.name, self.args, self.kwargs))

    @property
    def __name__(self):
        return self.name

    def __repr__(self):
        return self.name

    def partitioning_rule(self, part, *args):
        """How the call moves a hash partitioning's keys (see hlq.dataframe.nodes.partitioning):
        a new series name (``rename(scalar)``) or ``to_frame`` keeps the index levels."""
        if self.name == "to_frame" or (self.name == "rename" and len(self.args) == 1 and not self.kwargs
                                      and not callable(self.args[0])
                                      and not isinstance(self.args[0], (dict, pd.Series))):
            return index_only(part)
        return None


def shift(obj, periods=1, freq=None, axis=0):
    """``shift(periods)`` of the rows (``freq``: shift the index labels instead, per partition)."""
    if axis not in (0, "index"):
        raise NotImplementedError("shift(axis=1) is not supported; use map_partitions(lambda p: p.shift(axis=1))")
    if freq is not None:
        f = _PandasMethod("shift", (periods,), {"freq": freq})
        return obj.map_partitions(f, meta=f(obj._meta))
    if not isinstance(periods, (int, np.integer)):
        raise TypeError(f"periods must be an integer, got {periods!r}")
    periods = int(periods)
    f = _PandasMethod("shift", (periods,))
    return _coll(MapOverlap(obj._node, f, (), (), MetaBox(_meta_of(obj, f)), max(periods, 0), max(-periods, 0)))


def diff(obj, periods=1, axis=0):
    """``diff(periods)`` of consecutive rows."""
    if axis not in (0, "index"):
        raise NotImplementedError("diff(axis=1) is not supported; use map_partitions(lambda p: p.diff(axis=1))")
    periods = int(periods)
    f = _PandasMethod("diff", (periods,))
    return _coll(MapOverlap(obj._node, f, (), (), MetaBox(_meta_of(obj, f)), max(periods, 0), max(-periods, 0)))


# ------------------------------------------------------------------------------ scans
def _last_valid_row(chunk, reverse):
    """One row: the last (first, when ``reverse``) non-null value of each column of a scanned partition."""
    filled = chunk.bfill() if reverse else chunk.ffill()
    row = filled.iloc[:1] if reverse else filled.iloc[-1:]
    if isinstance(chunk, pd.Series):
        row = row.to_frame("__v")
    if not len(row):
        row = row.reindex([0])
    return row.reset_index(drop=True)


def _concat_rows(states):
    return pd.concat(states, ignore_index=True) if len(states) > 1 else states[0]


def _carries(rows, how, reverse):
    """Row ``i``: what partitions before ``i`` (after it, when ``reverse``) carry into partition ``i``."""
    rows = rows.reset_index(drop=True)
    if reverse:
        acc = rows.iloc[::-1]
        acc = acc.bfill() if how == "fill" else getattr(acc, "cum" + how)().ffill()
        return acc.iloc[::-1].shift(-1)
    acc = rows.ffill() if how == "fill" else getattr(rows, "cum" + how)().ffill()
    return acc.shift(1)


class _Apply:
    """Combine a scanned partition with its carry (a scalar for a Series, a Series by column)."""

    __slots__ = ("how",)

    def __init__(self, how):
        self.how = how

    def __call__(self, chunk, carry):
        series = isinstance(chunk, pd.Series)
        if series:
            carry = carry.iloc[0] if isinstance(carry, pd.Series) else carry
            if pd.isna(carry):
                return chunk
        how = self.how
        if how == "fill":
            return chunk.fillna(carry)
        if how in ("sum", "prod"):
            ident = 0 if how == "sum" else 1
            c = carry if series else carry.fillna(ident)
            out = chunk + c if how == "sum" else chunk * c
            return _keep_dtypes(out, chunk)
        if series:
            out = chunk.clip(lower=carry) if how == "max" else chunk.clip(upper=carry)
        else:
            out = chunk.clip(lower=carry, axis=1) if how == "max" else chunk.clip(upper=carry, axis=1)
        return _keep_dtypes(out, chunk)

    def __reduce__(self):
        return (_Apply, (self.how,))

    def __repr__(self):
        return self.how


def _keep_dtypes(out, chunk):
    if isinstance(chunk, pd.Series):
        return out.astype(chunk.dtype) if out.dtype != chunk.dtype and chunk.dtype.kind in "iub" else out
    fix = {c: d for c, d in chunk.dtypes.items() if out[c].dtype != d and getattr(d, "kind", "O") in "iu"}
    return out.astype(fix) if fix else out


def cumulative(obj, how, skipna=True):
    """``cumsum``/``cumprod``/``cummax``/``cummin`` over all partitions, in order."""
    if not skipna:
        raise NotImplementedError(f"cum{how}(skipna=False) is not supported; use skipna=True")
    return _scan(obj, _PandasMethod("cum" + how), how, False)


def fill(obj, method, limit=None):
    """``ffill()``/``bfill()`` across partitions (``limit``: per partition only, like dask)."""
    if limit is not None:
        f = _PandasMethod(method, (), {"limit": limit})
        before, after = (limit, 0) if method == "ffill" else (0, limit)
        return _coll(MapOverlap(obj._node, f, (), (), MetaBox(_meta_of(obj, f)), before, after))
    return _scan(obj, _PandasMethod(method), "fill", method == "bfill")


def _scan(obj, chunk_fn, how, reverse):
    node = obj._node
    chunk_meta = chunk_fn(obj._meta)
    chunks = MapPartitions(node, chunk_fn, (), (), MetaBox(chunk_meta), True)
    if node.npartitions == 1:
        return _coll(chunks)
    rows_meta = _last_valid_row(chunk_meta, reverse)
    carries = TreeAgg(chunks, Fn(_last_valid_row, reverse), Fn(_concat_rows), Fn(_carries, how, reverse),
                      MetaBox(rows_meta), 8, False, f"scan-carries({how})")
    return _coll(ScanApply(chunks, carries, _Apply(how)))


# ---------------------------------------------------------------------------- rolling
class Rolling:
    """``obj.rolling(window, min_periods, center, win_type, axis)``: pandas' rolling per partition,
    with the ``window - 1`` rows (or the time window) before it borrowed from its neighbours
    (and after it, with ``center=True``)."""

    def __init__(self, obj, window, min_periods=None, center=False, win_type=None, axis=0, closed=None):
        if axis not in (0, "index"):
            raise NotImplementedError("rolling(axis=1) is not supported")
        self.obj = obj
        self.window, self.min_periods, self.win_type = window, min_periods, win_type  # as given, like dask
        self._w = _window(window, "window")
        if isinstance(self._w, int) and self._w < 0:
            raise ValueError("window must be non-negative")
        self.kw = {"window": window, "min_periods": min_periods, "center": center, "win_type": win_type}
        if closed is not None:
            self.kw["closed"] = closed
        self.kw = {k: v for k, v in self.kw.items() if v is not None and not (k == "center" and v is False)}
        self.center = center
        if isinstance(self._w, pd.Timedelta) and center:
            raise NotImplementedError("rolling(<time window>, center=True) is not supported")
        obj._meta.rolling(**self.kw)  # pandas' argument errors, at build time

    def _call(self, name, *args, **kwargs):
        f = _RollingCall(self.kw, name, args, tuple(sorted(kwargs.items())))
        w = self._w
        if isinstance(w, pd.Timedelta):
            before, after = w, 0
        elif self.center:
            before, after = w // 2, w - 1 - w // 2
        else:
            before, after = max(w - 1, 0), 0
        return _coll(MapOverlap(_resolved(self.obj, w), f, (), (), MetaBox(_meta_of(self.obj, f)), before, after))

    def count(self):
        return self._call("count")

    def sum(self):
        return self._call("sum")

    def mean(self):
        return self._call("mean")

    def median(self):
        return self._call("median")

    def min(self):
        return self._call("min")

    def max(self):
        return self._call("max")

    def std(self, ddof=1):
        return self._call("std", ddof=ddof)

    def var(self, ddof=1):
        return self._call("var", ddof=ddof)

    def skew(self):
        return self._call("skew")

    def kurt(self):
        return self._call("kurt")

    def quantile(self, quantile):
        return self._call("quantile", quantile)

    def cov(self, other=None, pairwise=None, ddof=1):
        """pandas' rolling ``cov`` per partition (a frame's pairwise result has one row per row
        and column); ``other`` must be None: assign it as a column first."""
        if other is not None:
            raise NotImplementedError("rolling().cov(other) is not supported; assign other as a column of the "
                                      "frame and use rolling().cov() (pairwise) instead")
        return self._call("cov", None, pairwise, ddof=ddof)

    def corr(self, other=None, pairwise=None, ddof=1):
        """pandas' rolling ``corr`` per partition; ``other`` must be None (see :meth:`cov`)."""
        if other is not None:
            raise NotImplementedError("rolling().corr(other) is not supported; assign other as a column of the "
                                      "frame and use rolling().corr() (pairwise) instead")
        return self._call("corr", None, pairwise, ddof=ddof)

    def apply(self, func, raw=False, engine="cython", engine_kwargs=None, args=None, kwargs=None):
        return self._call("apply", func, raw=raw, args=tuple(args or ()), kwargs=dict(kwargs or {}))

    def aggregate(self, func, *args, **kwargs):
        return self._call("agg", func, *args, **kwargs)

    agg = aggregate

    def __repr__(self):
        return f"Rolling [{', '.join(f'{k}={v}' for k, v in self.kw.items())}]"


class _RollingCall:
    __slots__ = ("kw", "name", "args", "kwargs")

    def __init__(self, kw, name, args, kwargs):
        self.kw, self.name, self.args, self.kwargs = kw, name, args, kwargs

    def __call__(self, part):
        r = part.rolling(**self.kw)
        return getattr(r, self.name)(*self.args, **dict(self.kwargs))

    def __reduce__(self):
        return (_RollingCall, (self.kw, self.name, self.args, self.kwargs))

    @property
    def __name__(self):
        return f"rolling-{self.name}"
