"""``df.resample(rule)`` on a datetime index with known divisions, as dask does it.

The partitions are first cut at bin edges (``repartition(divisions=...)``: no
bin straddles two partitions), then every partition is resampled with pandas
and reindexed to its own range of bins (empty bins filled as pandas fills
them), so the result has known divisions, the bins' labels.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> s = pd.Series(range(10), index=pd.date_range("2021-01-01", periods=10, freq="6h"), name="x")
>>> ds = dd.from_pandas(s, npartitions=3)
>>> ds.resample("1D").sum().compute().tolist()
[6, 22, 17]
"""

from __future__ import annotations

import pandas as pd

from hlq.dataframe.nodes.ops import MetaBox
from hlq.dataframe.nodes.window import IndexedMap
from hlq.dataframe._core import new_collection

__all__ = ["Resampler", "bin_divisions"]

_ZERO_FILL = {"count": 0, "sum": 0, "size": 0, "nunique": 0}


def bin_divisions(divisions, rule, closed=None, label=None):
    """``(input divisions cut at bin edges, output divisions)`` for resampling by ``rule``.

    Each interior division moves to the start of the bin holding it (just after the bin's left
    edge when bins are closed on the right), so no bin straddles two partitions; the output
    divisions are the labels of each partition's first bin, and of the last bin."""
    rule = pd.tseries.frequencies.to_offset(rule)
    g = pd.Grouper(freq=rule, closed=closed, label=label)
    kw = {"closed": g.closed, **_origin(rule, divisions)}

    def bin_of(t):  # (left edge, label) of the bin holding t, as pandas bins the whole series
        one = pd.Series([0], index=pd.DatetimeIndex([t]))
        left = one.resample(rule, label="left", **kw).count().index[0]
        lab = one.resample(rule, label=g.label, **kw).count().index[0]
        return left, lab

    first, last = pd.Timestamp(divisions[0]), pd.Timestamp(divisions[-1])
    cuts = [first]
    labels = [bin_of(first)[1]]
    for d in divisions[1:-1]:
        left, lab = bin_of(pd.Timestamp(d))
        cut = left
        if g.closed == "right":  # the first instant of the bin: just after its edge, or the next day
            cut = left + pd.Timedelta(1, "ns")  # (pandas widens right-closed calendar bins to whole days)
            if bin_of(cut)[1] != lab:
                cut = left + pd.Timedelta(1, "D")
        if cut > cuts[-1] and cut <= last:
            cuts.append(cut)
            labels.append(lab)
    end = last + pd.Timedelta(1, "ns") if cuts[-1] == last else last
    return tuple(cuts) + (end,), tuple(labels) + (bin_of(last)[1],)


def _origin(rule, divisions):
    """Bins of a fixed-size rule (hours, days, ...) start at midnight of the first day, as pandas
    starts them for the whole series."""
    if isinstance(rule, (pd.offsets.Tick, pd.offsets.Day)):
        return {"origin": pd.Timestamp(divisions[0]).normalize()}
    return {}


class _ResamplePart:
    """Partition function: resample partition ``i`` and reindex it to bins ``[out[i], out[i+1])``
    (the last range closed)."""

    __slots__ = ("rule", "kw", "how", "args", "kwargs", "outdivs", "fill")

    def __init__(self, rule, kw, how, args, kwargs, outdivs, fill):
        self.rule, self.kw, self.how, self.args, self.kwargs = rule, kw, how, args, kwargs
        self.outdivs, self.fill = outdivs, fill

    def __call__(self, part, i):
        out = getattr(part.resample(self.rule, **dict(self.kw)), self.how)(*self.args, **dict(self.kwargs))
        start, end = self.outdivs[i], self.outdivs[i + 1]
        last = i == len(self.outdivs) - 2
        tz = start.tz
        idx = pd.date_range(start.tz_localize(None), end.tz_localize(None), freq=self.rule,
                            inclusive="both" if last else "left", name=out.index.name)
        if tz is not None:
            idx = idx.tz_localize(tz, nonexistent="shift_forward")
        if not out.index.isin(idx).all():
            raise ValueError("Index is not contained within new index. This can often be resolved by using larger "
                             "partitions, or unambiguous frequencies: 'Q', 'A'...")
        return out.reindex(idx, fill_value=self.fill)

    def __reduce__(self):
        return (_ResamplePart, (self.rule, self.kw, self.how, self.args, self.kwargs, self.outdivs, self.fill))


class Resampler:
    """``obj.resample(rule, closed=, label=)``; aggregations return lazy collections with known divisions."""

    def __init__(self, obj, rule, closed=None, label=None, **kwargs):
        if not obj.known_divisions:
            raise ValueError("Can only resample dataframes with known divisions; use set_index(..., sorted=True) "
                             "or repartition(divisions=...)")
        if kwargs:
            raise NotImplementedError(f"resample arguments {sorted(kwargs)} are not supported")
        if not isinstance(obj._meta.index, pd.DatetimeIndex):
            raise TypeError("resample needs a DatetimeIndex")
        self.obj, self.rule = obj, pd.tseries.frequencies.to_offset(rule)
        self.kw = tuple((k, v) for k, v in (("closed", closed), ("label", label)) if v is not None)
        obj._meta.resample(self.rule, **dict(self.kw))  # pandas' argument errors now

    def _agg(self, how, *args, fill=None, **kwargs):
        obj = self.obj
        kw = dict(self.kw)
        newdivs, outdivs = bin_divisions(obj.divisions, self.rule, kw.get("closed"), kw.get("label"))
        # every partition anchors its bins where pandas anchors them for the whole series
        # (origin "start_day": midnight of the first day), not at its own first day
        kw.update(_origin(self.rule, obj.divisions))
        self_kw = tuple(sorted(kw.items()))
        parts = obj.repartition(divisions=newdivs, force=True) if tuple(newdivs) != tuple(obj.divisions) else obj
        if fill is None:  # empty bins as pandas fills them: 0 for counts and sums, else NaN
            named = args[0] if how == "agg" and args and isinstance(args[0], str) else how
            fill = _ZERO_FILL.get(named)
        f = _ResamplePart(self.rule, self_kw, how, tuple(args), tuple(sorted(kwargs.items())), outdivs, fill)
        meta = getattr(obj._meta.resample(self.rule, **kw), how)(*args, **kwargs)
        return new_collection(IndexedMap(parts._node, f, (), MetaBox(meta), False, tuple(outdivs)))

    def count(self):
        return self._agg("count")

    def sum(self):
        return self._agg("sum")

    def mean(self):
        return self._agg("mean")

    def min(self):
        return self._agg("min")

    def max(self):
        return self._agg("max")

    def first(self):
        return self._agg("first")

    def last(self):
        return self._agg("last")

    def median(self):
        return self._agg("median")

    def prod(self):
        return self._agg("prod")

    def std(self, ddof=1):
        return self._agg("std", ddof=ddof)

    def var(self, ddof=1):
        return self._agg("var", ddof=ddof)

    def size(self):
        return self._agg("size")

    def nunique(self):
        return self._agg("nunique")

    def ohlc(self):
        return self._agg("ohlc")

    def quantile(self, q=0.5):
        return self._agg("quantile", q)

    def sem(self, ddof=1):
        return self._agg("sem", ddof=ddof)

    def agg(self, func, *args, **kwargs):
        return self._agg("agg", func, *args, **kwargs)

    aggregate = agg


def _period_start(freq):
    """An end-anchored frequency (``"ME"``, ``"2QE-MAR"``) as the matching start-anchored one
    (``"MS"``, ``"2QS-MAR"``): partitions begin where periods begin."""
    if not isinstance(freq, str):
        return freq
    off = pd.tseries.frequencies.to_offset(freq)
    name = type(off).__name__
    if not name.endswith("End"):
        return freq
    begin = getattr(pd.tseries.offsets, name[:-3] + "Begin", None)
    if begin is None:
        return freq
    import re

    count = re.match(r"\d*", freq).group()
    anchor = "-" + freq.split("-", 1)[1] if "-" in freq else ""
    return f"{count}{begin._prefix}{anchor}"


def freq_divisions(obj, freq):
    """Divisions of ``repartition(freq=...)``: one partition per period of ``freq`` over the data's
    range (known divisions on a datetime index needed, as in dask)."""
    if not obj.known_divisions or not isinstance(obj._meta.index, pd.DatetimeIndex):
        raise TypeError("Can only repartition on frequency for timeseries")
    freq = _period_start(freq)
    first, last = pd.Timestamp(obj.divisions[0]), pd.Timestamp(obj.divisions[-1])
    try:
        start = first.ceil(freq)
    except ValueError:  # calendar frequencies have no ceil
        start = first
    divs = list(pd.date_range(start=start, end=last, freq=freq))
    if not divs:
        return (first, last)
    divs.append(last)
    if divs[0] != first:
        divs.insert(0, first)
    return tuple(divs)
