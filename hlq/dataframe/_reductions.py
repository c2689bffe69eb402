"""Whole-collection aggregations built on :class:`~hlq.dataframe.nodes.reduction.TreeAgg`.

``value_counts``, ``unique``, ``drop_duplicates``, ``nunique`` (exact),
``mode``, ``idxmin``/``idxmax``, ``quantile`` and ``describe``: each is a
chunk function per partition, an associative combine run as a tree, and a
finalize step, so partitions are read once and never gathered whole.

``quantile`` is approximate like dask's, but exact for small data: each
partition keeps its sorted non-null values when it has at most
:data:`QUANTILE_SAMPLE` of them (else that many evenly spaced quantiles,
weighted by the rows they stand for); combined samples are compressed the
same way past ``4 * QUANTILE_SAMPLE`` points.  The result interpolates
linearly in the weighted sample, which equals pandas' ``linear`` method when
no compression happened.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> s = dd.from_pandas(pd.Series([3, 1, 3, 2, 3, 1], name="v"), npartitions=3)
>>> s.value_counts().compute().to_dict()
{3: 3, 1: 2, 2: 1}
>>> int(s.nunique().compute()), float(s.quantile(0.5).compute())
(3, 2.5)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hlq.dataframe.nodes.ops import MetaBox, WithScalar
from hlq.dataframe.nodes.reduction import Fn, TreeAgg, label_divisions
from hlq.dataframe.nodes.shuffle import INDEX, Shuffle
from hlq.dataframe.nodes.colexpr import BINARY
from hlq.dataframe.nodes.calls import unknown_categorical

__all__ = ["value_counts", "unique", "drop_duplicates", "nunique", "mode", "idxminmax", "quantile", "describe",
           "QUANTILE_SAMPLE"]

#: values kept per partition (and per combined state / 4) by the approximate quantile
QUANTILE_SAMPLE = 1000


def _agg(coll, chunk, combine, final, meta, split_every=None, columnwise=False, tag="aggregate", labels=None):
    """A :class:`TreeAgg` collection; ``labels``: the index labels of the one-partition result,
    which give its divisions (``(min, max)``, as dask's)."""
    # import cycle: hlq.dataframe._core imports hlq.dataframe._reductions
    from hlq.dataframe._core import new_collection

    divisions = None if labels is None else label_divisions(labels)
    return new_collection(TreeAgg(coll._node, chunk, combine, final, MetaBox(meta), split_every or 8,
                                  columnwise, tag, None if divisions == (None, None) else divisions))


def _concat(states):
    return states[0] if len(states) == 1 else pd.concat(states)


def _numeric(dt):
    return getattr(dt, "kind", "O") in "biuf" or (hasattr(dt, "numpy_dtype") and dt.numpy_dtype.kind in "biuf")


def _check_columns(df, subset):
    have = df._node.dtype_map
    for c in subset:
        if c not in have:
            raise KeyError(f"column {c!r} not found; columns are {list(df._node.columns)}")


# ---------------------------------------------------------------- value_counts
def _vc_chunk(s, dropna):
    return s.value_counts(dropna=dropna, sort=False)


def _vc_combine(states, dropna):
    s = _concat(states)
    return s.groupby(level=0, dropna=dropna, sort=False, observed=False).sum()


def _vc_final(states_or_state, dropna, sort, ascending, normalize):
    s = states_or_state
    if normalize:
        total = s.sum()
        s = (s / total if total else s.astype("float64")).rename("proportion")
    if sort:
        s = s.sort_values(ascending=ascending, kind="stable")
    return s


def _split_out_count(x, split_out):
    """Output partitions for ``split_out``: an integer as given; ``True``/``None``/``False``: one."""
    if split_out is True or split_out is None or split_out is False:
        return 1
    n = int(split_out)
    if n < 1:
        raise ValueError(f"split_out must be >= 1, got {split_out}")
    return n


def _hash_split(x, chunk, keys, n, finish, meta):
    """``chunk`` per partition, the results hash-partitioned by ``keys`` into ``n`` partitions
    (pieces concatenated in input order, so "first" stays first), then ``finish`` per partition."""
    # import cycle: hlq.dataframe._core imports hlq.dataframe._reductions
    from hlq.dataframe._core import new_collection

    part = x.map_partitions(chunk, meta=chunk(x._meta))
    return new_collection(Shuffle(part._node, tuple(keys), n)).map_partitions(finish, meta=meta)


def _vc_split_finish(s, dropna, sort, ascending):
    return _vc_final(_vc_combine([s], dropna), dropna, sort, ascending, False)


def value_counts(s, sort=True, ascending=False, normalize=False, dropna=True, split_every=None, split_out=1):
    """``s.value_counts(...)``: counts per distinct value (one output partition; ``split_out=n``:
    ``n`` partitions holding disjoint sets of values, each sorted by count)."""
    meta = _vc_final(_vc_chunk(s._meta, dropna), dropna, sort, ascending, normalize)
    n = _split_out_count(s, split_out)
    if n > 1:
        counts = _hash_split(s, Fn(_vc_chunk, dropna), (INDEX,), n, Fn(_vc_split_finish, dropna, sort, ascending),
                             _vc_final(_vc_chunk(s._meta, dropna), dropna, sort, ascending, False))
        if normalize:
            counts = (counts / counts.sum()).rename("proportion")
        return counts
    return _agg(s, Fn(_vc_chunk, dropna), Fn(_vc_combine, dropna),
                Fn(_vc_final, dropna, sort, ascending, normalize), meta, split_every, tag="value-counts")


# ---------------------------------------------------------------------- mode
def _mode_final(s, dropna):
    if len(s) == 0:
        return pd.Series([], dtype=s.index.dtype, name=s.index.name)
    top = s.max()
    vals = s.index[s.values == top]
    return pd.Series(vals, name=s.index.name).sort_values(ignore_index=True)


def mode(s, dropna=True, split_every=None):
    """``s.mode(dropna)``: the most frequent values, sorted (exact)."""
    meta = pd.Series([], dtype=s.dtype, name=s.name)
    return _agg(s, Fn(_vc_chunk, dropna), Fn(_vc_combine, dropna), Fn(_mode_final, dropna), meta, split_every,
                tag="mode")


# ------------------------------------------------------ unique / drop_duplicates
def _dd_chunk(df, subset, keep):
    if isinstance(df, pd.Series):
        return df.drop_duplicates(keep=keep)
    return df.drop_duplicates(subset=subset, keep=keep)


def _dd_combine(states, subset, keep):
    return _dd_chunk(_concat(states), subset, keep)


def _dd_final(df, subset, keep, ignore_index):
    df = _dd_chunk(df, subset, keep)
    return df.reset_index(drop=True) if ignore_index else df


def unique(s, split_every=None, split_out=1):
    """``s.unique()``: a Series of the distinct values in order of first appearance (like dask);
    ``split_out=n``: ``n`` partitions holding disjoint sets of values."""
    meta = s._meta.reset_index(drop=True)
    n = _split_out_count(s, split_out)
    if n > 1:
        return _hash_split(s, Fn(_dd_chunk, None, "first"), (s.name,), n, Fn(_dd_final, None, "first", True), meta)
    return _agg(s, Fn(_dd_chunk, None, "first"), Fn(_dd_combine, None, "first"),
                Fn(_dd_final, None, "first", True), meta, split_every, tag="unique")


def drop_duplicates(df, subset=None, keep="first", ignore_index=False, split_every=None, split_out=1):
    """``df.drop_duplicates(subset, keep)`` for ``keep`` ``"first"`` or ``"last"`` (one output partition;
    ``split_out=n``: ``n`` partitions, rows hashed by ``subset`` so duplicates meet)."""
    if keep not in ("first", "last"):
        if keep is False:
            raise NotImplementedError("drop_duplicates(keep=False) is not supported; use keep='first' or 'last'")
        raise ValueError(f"keep must be 'first', 'last' or False, got {keep!r}")
    if subset is not None:
        subset = [subset] if isinstance(subset, str) or not np.iterable(subset) else list(subset)
        if df._node.kind == "frame":
            _check_columns(df, subset)
        subset = tuple(subset)
    meta = df._meta
    n = _split_out_count(df, split_out)
    if n > 1:
        keys = subset or (tuple(df._node.columns) if df._node.kind == "frame" else (df.name,))
        sub = list(subset) if subset else None
        return _hash_split(df, Fn(_dd_chunk, sub, keep), keys, n, Fn(_dd_final, sub, keep, ignore_index), meta)
    return _agg(df, Fn(_dd_chunk, list(subset) if subset else None, keep),
                Fn(_dd_combine, list(subset) if subset else None, keep),
                Fn(_dd_final, list(subset) if subset else None, keep, ignore_index), meta, split_every,
                tag="drop-duplicates" + (f"[{','.join(map(str, subset))}]" if subset else ""))


# ------------------------------------------------------------------ nunique
def _nu_chunk(x, dropna):
    if isinstance(x, pd.Series):
        x = x.to_frame()
    out = {}
    for i, c in enumerate(x.columns):
        v = x.iloc[:, i]
        out[c] = (v.dropna() if dropna else v).drop_duplicates()
    return out


def _nu_combine(states, dropna):
    out = {}
    for k in states[0]:
        out[k] = _concat([s[k] for s in states]).drop_duplicates()
    return out


def _nu_final_scalar(state, dropna):
    (v,) = state.values()
    return np.int64(len(v))


def _nu_final_frame(state, dropna):
    return pd.Series({k: len(v) for k, v in state.items()}, dtype="int64")


def nunique(x, dropna=True, split_every=None):
    """``x.nunique(dropna)``: exact distinct counts (a scalar for a Series, per column for a DataFrame)."""
    if x._node.kind == "series":
        return _agg(x, Fn(_nu_chunk, dropna), Fn(_nu_combine, dropna), Fn(_nu_final_scalar, dropna),
                    np.dtype("int64"), split_every, tag="nunique")
    meta = pd.Series([], dtype="int64", index=x._meta.columns[:0])
    return _agg(x, Fn(_nu_chunk, dropna), Fn(_nu_combine, dropna), Fn(_nu_final_frame, dropna), meta,
                split_every, tag="nunique")


# ---------------------------------------------------------------- idxmin/max
def _idx_chunk(x, how):
    if isinstance(x, pd.Series):
        x = x.to_frame()
    out = {}
    for i, c in enumerate(x.columns):
        v = x.iloc[:, i].dropna()
        out[c] = None if len(v) == 0 else (getattr(v, how)(), v.min() if how == "idxmin" else v.max())
    return out


def _idx_combine(states, how):
    out = {}
    better = (lambda a, b: a < b) if how == "idxmin" else (lambda a, b: a > b)
    for k in states[0]:
        best = None
        for s in states:
            cand = s[k]
            if cand is not None and (best is None or better(cand[1], best[1])):
                best = cand
        out[k] = best
    return out


def _idx_final(state, how, scalar, index_dtype):
    if scalar:
        (v,) = state.values()
        if v is None:
            return np.nan
        return v[0]
    return pd.Series({k: (np.nan if v is None else v[0]) for k, v in state.items()})


def idxminmax(x, how, skipna=True, split_every=None, numeric_only=False):
    """``x.idxmin()`` / ``x.idxmax()`` (``skipna=True``): index of the first min/max;
    ``numeric_only`` keeps the numeric and boolean columns of a frame."""
    if not skipna:
        raise NotImplementedError(f"{how}(skipna=False) is not supported")
    if numeric_only and x._node.kind == "frame":
        x = x[[c for c, dt in x._node.dtype_map.items() if _numeric(dt)]]
    for c, dt in x._node.dtype_map.items():
        if not (_numeric(dt) or getattr(dt, "kind", "") in "mM"):
            raise TypeError(f"{how} needs numeric or datetime data; column {c!r} has dtype {dt}")
    index_dtype = x._meta.index.dtype
    if x._node.kind == "series":
        return _agg(x, Fn(_idx_chunk, how), Fn(_idx_combine, how), Fn(_idx_final, how, True, index_dtype),
                    index_dtype, split_every, tag=how)
    meta = pd.Series([], dtype=index_dtype, index=x._meta.columns[:0])
    return _agg(x, Fn(_idx_chunk, how), Fn(_idx_combine, how), Fn(_idx_final, how, False, index_dtype), meta,
                split_every, tag=how)


# ------------------------------------------------------------------ quantile
def _compress(vals, weights, k):
    """``k`` weighted points standing for the weighted sample (``vals`` sorted)."""
    cw = np.cumsum(weights)
    total = cw[-1]
    levels = (np.arange(k) + 0.5) / k * total
    pos = np.searchsorted(cw, levels, side="left")
    return vals[np.minimum(pos, len(vals) - 1)], np.full(k, total / k)


def _q_sample(v):
    v = np.sort(np.asarray(v.dropna(), dtype="float64"))
    if len(v) <= QUANTILE_SAMPLE:
        return (v, None)
    lv = np.linspace(0, 1, QUANTILE_SAMPLE)
    return (np.quantile(v, lv), np.full(QUANTILE_SAMPLE, len(v) / QUANTILE_SAMPLE))


def _q_merge(samples):
    vals = np.concatenate([s[0] for s in samples])
    if all(s[1] is None for s in samples):
        vals.sort()
        if len(vals) <= 4 * QUANTILE_SAMPLE:
            return (vals, None)
        return _compress(vals, np.ones(len(vals)), QUANTILE_SAMPLE)
    w = np.concatenate([np.ones(len(s[0])) if s[1] is None else s[1] for s in samples])
    order = np.argsort(vals, kind="stable")
    vals, w = vals[order], w[order]
    if len(vals) > 4 * QUANTILE_SAMPLE:
        return _compress(vals, w, QUANTILE_SAMPLE)
    return (vals, w)


def _q_eval(sample, qs):
    vals, w = sample
    if len(vals) == 0:
        return np.full(len(qs), np.nan)
    if w is None:
        return np.quantile(vals, qs)
    cw = np.cumsum(w)
    pos = (cw - w / 2) / cw[-1]  # each point at the middle of the rows it stands for
    return np.interp(qs, pos, vals)


def _q_chunk(x):
    if isinstance(x, pd.Series):
        x = x.to_frame()
    return {c: _q_sample(x.iloc[:, i]) for i, c in enumerate(x.columns)}


def _q_combine(states):
    return {k: _q_merge([s[k] for s in states]) for k in states[0]}


def _q_final(state, qs, kind, name):
    res = {k: _q_eval(v, qs) for k, v in state.items()}
    if kind == "scalar":
        return np.float64(next(iter(res.values()))[0])
    if kind == "series-q":  # a Series, several q
        return pd.Series(next(iter(res.values())), index=pd.Index(list(qs), dtype="float64"), name=name)
    if kind == "frame-one-q":
        return pd.Series({k: v[0] for k, v in res.items()}, name=name, dtype="float64")
    return pd.DataFrame(res, index=pd.Index(list(qs), dtype="float64"))


def quantile(x, q=0.5, numeric_only=False, split_every=None):
    """``x.quantile(q)``: approximate (exact for small data), see the module docstring."""
    many = np.ndim(q) > 0
    qs = tuple(float(v) for v in (q if many else [q]))
    for v in qs:
        if not 0 <= v <= 1:
            raise ValueError("percentiles should all be in the interval [0, 1]")
    if x._node.kind == "series":
        if not _numeric(x.dtype):
            raise TypeError(f"quantile needs numeric data; got dtype {x.dtype}")
        if many:
            meta = pd.Series([], dtype="float64", name=x.name, index=pd.Index([], dtype="float64"))
            return _agg(x, Fn(_q_chunk), Fn(_q_combine), Fn(_q_final, qs, "series-q", x.name), meta, split_every,
                        tag="quantile", labels=qs)
        return _agg(x, Fn(_q_chunk), Fn(_q_combine), Fn(_q_final, qs, "scalar", x.name), np.dtype("float64"),
                    split_every, tag="quantile")
    cols = [c for c, dt in x._node.dtype_map.items() if _numeric(dt)]
    bad = [c for c in x._node.columns if c not in cols]
    if bad and not numeric_only:
        raise TypeError(f"quantile needs numeric data; column {bad[0]!r} has dtype {x._node.dtype_map[bad[0]]}, "
                        "not supported by the approximate quantile (pass numeric_only=True to skip "
                        "non-numeric columns)")
    if bad:
        x = x[cols]
    if many:
        meta = pd.DataFrame({c: pd.Series([], dtype="float64") for c in cols}, index=pd.Index([], dtype="float64"))
        return _agg(x, Fn(_q_chunk), Fn(_q_combine), Fn(_q_final, qs, "frame", None), meta, split_every,
                    columnwise=True, tag="quantile", labels=qs)
    meta = pd.Series([], dtype="float64", name=qs[0], index=pd.Index(cols)[:0])  # indexed by the column names
    return _agg(x, Fn(_q_chunk), Fn(_q_combine), Fn(_q_final, qs, "frame-one-q", qs[0]), meta, split_every,
                tag="quantile", labels=cols)


# ------------------------------------------------------------------ describe
def _describe_kind(dt):
    """How pandas describes a column of dtype ``dt``: ``"num"``, ``"dt"`` (datetimes), ``"td"``
    (timedeltas, described like numbers) or ``"cat"`` (count, unique, top, freq)."""
    kind = getattr(dt, "kind", "O")
    if kind == "b":
        return "cat"
    if _numeric(dt):
        return "num"
    if kind == "M" or isinstance(dt, pd.DatetimeTZDtype):
        return "dt"
    if kind == "m":
        return "td"
    return "cat"


def _as_numbers(v, kind):
    """Values of ``v`` as float64 (datetimes and timedeltas as counts of their unit; missing: NaN);
    for the statistics pandas truncates to the unit afterwards."""
    if kind == "num":
        return v.astype("float64") if getattr(v.dtype, "kind", "") != "f" else v
    ints = pd.Series(v.array.asi8 if kind == "dt" else v.to_numpy().view("int64"), index=v.index, dtype="float64")
    return ints.mask(v.isna().to_numpy())


def _d_chunk(x):
    """Per column (keyed by name; a Series by 0): the state of its description."""
    if isinstance(x, pd.Series):
        x = x.to_frame(0)
    out = {}
    for i, name in enumerate(x.columns):
        v = x.iloc[:, i]
        kind = _describe_kind(v.dtype)
        if kind == "cat":
            out[name] = ("cat", int(v.count()), v.value_counts(sort=False))
            continue
        v = _as_numbers(v, kind)
        n = int(v.count())
        mean = float(v.mean()) if n else 0.0
        m2 = float(((v - mean) ** 2).sum()) if n else 0.0
        out[name] = ("num", n, mean, m2, v.min() if n else np.nan, v.max() if n else np.nan, _q_sample(v))
    return out


def _d_merge(a, b):
    if a[0] == "cat":
        return ("cat", a[1] + b[1], _vc_combine([a[2], b[2]], True))
    _, na, ma, sa, lo_a, hi_a, qa = a
    _, nb, mb, sb, lo_b, hi_b, qb = b
    n = na + nb
    if n == 0:
        mean, m2 = 0.0, 0.0
    else:
        d = mb - ma
        mean = ma + d * nb / n
        m2 = sa + sb + d * d * na * nb / n
    lo = np.nanmin([lo_a, lo_b]) if not (pd.isna(lo_a) and pd.isna(lo_b)) else np.nan
    hi = np.nanmax([hi_a, hi_b]) if not (pd.isna(hi_a) and pd.isna(hi_b)) else np.nan
    return ("num", n, mean, m2, lo, hi, _q_merge([qa, qb]))


def _d_combine(states):
    out = {}
    for k in states[0]:
        acc = states[0][k]
        for s in states[1:]:
            acc = _d_merge(acc, s[k])
        out[k] = acc
    return out


def _describe_1d(state, name, dt, percentiles, in_frame=False):
    """One column's description from its state, with pandas' rows and dtype (datetimes without
    a mean, like dask: no mean row for a Series, a missing one in a frame)."""
    kind = _describe_kind(dt)
    if kind == "cat":
        _, count, vc = state
        vc = vc[vc != 0].sort_values(ascending=False, kind="stable")
        if len(vc):
            return pd.Series([count, len(vc), vc.index[0], vc.iloc[0]], index=["count", "unique", "top", "freq"],
                             name=name)
        return pd.Series([count, 0, np.nan, np.nan], index=["count", "unique", "top", "freq"], name=name,
                         dtype="object")
    _, n, mean, m2, lo, hi, qs = state
    std = np.sqrt(m2 / (n - 1)) if n > 1 else np.nan
    qv = list(_q_eval(qs, list(percentiles)))
    pct = [_pct_label(p) for p in percentiles]
    if kind == "num":
        if isinstance(dt, pd.ArrowDtype):
            import pyarrow as pa  # deferred: pyarrow-backed columns only

            out_dt = pd.ArrowDtype(pa.float64())
        elif isinstance(dt, pd.api.extensions.ExtensionDtype):
            out_dt = pd.Float64Dtype()
        else:
            out_dt = np.dtype("float64")
        return pd.Series([n, mean if n else np.nan, std, lo, *qv, hi], index=["count", "mean", "std", "min", *pct,
                                                                               "max"], name=name, dtype=out_dt)
    unit = np.datetime_data(dt.base if kind == "td" else getattr(dt, "base", np.dtype("M8[ns]")))[0] \
        if not isinstance(dt, pd.DatetimeTZDtype) else dt.unit
    if kind == "dt":
        tz = getattr(dt, "tz", None)

        def val(x):
            return pd.NaT if pd.isna(x) else pd.Timestamp(int(x), unit=unit, tz=tz)

        if in_frame:  # the row stays (missing) so that rows are ordered as pandas orders them
            return pd.Series([n, pd.NaT, val(lo), *(val(q) for q in qv), val(hi)],
                             index=["count", "mean", "min", *pct, "max"], name=name)
        return pd.Series([n, val(lo), *(val(q) for q in qv), val(hi)], index=["count", "min", *pct, "max"], name=name)

    def td(x):  # truncated to the column's unit, as pandas' timedelta statistics are
        return pd.NaT if pd.isna(x) else pd.Timedelta(int(x), unit=unit)

    return pd.Series([n, td(mean if n else np.nan), td(std), td(lo), *(td(q) for q in qv), td(hi)],
                     index=["count", "mean", "std", "min", *pct, "max"], name=name)


def _row_order(descs):
    """pandas' order of the rows of a frame's description: the rows of the shortest column
    descriptions first, each new label in the order it appears."""
    names, seen = [], set()
    for idx in sorted((d.index for d in descs), key=len):
        for label in idx:
            if label not in seen:
                seen.add(label)
                names.append(label)
    return names


def _d_final(state, percentiles, dtypes, series_name):
    if series_name is not False:
        return _describe_1d(state[0], series_name, dtypes[0][1], percentiles)
    dts = dict(dtypes)
    descs = [_describe_1d(st, c, dts[c], percentiles, True) for c, st in state.items()]
    rows = _row_order(descs)
    if not any(_describe_kind(dts[c]) in ("num", "td") for c in state):
        rows = [r for r in rows if r != "mean"]  # only datetimes had one
    return pd.concat([d.reindex(rows) for d in descs], axis=1, sort=False)


def _pct_label(p):
    s = f"{100 * p:.10g}"
    return f"{s}%"


def _describe_adds_median():
    """Whether the installed pandas adds the median to the percentiles a user asks for (before 3.0)."""
    return "50%" in pd.Series([0.0]).describe(percentiles=[0.25]).index


def _describe_columns(meta, include, exclude):
    """The columns pandas describes: numbers and datetimes by default (every column if there are
    none), every column for ``include="all"``, else ``select_dtypes(include, exclude)``."""
    if include is None and exclude is None:
        cols = list(meta.select_dtypes(include=["number", "datetime", "datetimetz"]).columns)
        return cols or list(meta.columns)
    if isinstance(include, str) and include == "all":
        if exclude is not None:
            raise ValueError("exclude must be None when include is 'all'")
        return list(meta.columns)
    return list(meta.select_dtypes(include=include, exclude=exclude).columns)


def describe(x, percentiles=None, split_every=None, include=None, exclude=None):
    """``x.describe(percentiles, include, exclude)`` like pandas: count, mean, std, min, percentiles
    (approximate), max of numbers and timedeltas; count, min, percentiles, max of datetimes (no mean,
    like dask); count, unique, top, freq (exact) of other columns."""
    if percentiles is None:
        pct = [0.25, 0.5, 0.75]
    else:
        pct = set(float(p) for p in np.asarray(percentiles, dtype="float64").ravel())
        if _describe_adds_median():
            pct.add(0.5)
        pct = sorted(pct)
    for p in pct:
        if not 0 <= p <= 1:
            raise ValueError("percentiles should all be in the interval [0, 1]")
    pct = tuple(pct)
    if x._node.kind == "series":
        dtypes = ((x.name, x.dtype),)
        final = Fn(_d_final, pct, dtypes, x.name)
        meta = final(_d_chunk(x._meta))
        return _agg(x, Fn(_d_chunk), Fn(_d_combine), final, meta, split_every, tag="describe")
    cols = _describe_columns(x._meta, include, exclude)
    if not cols:
        raise ValueError("Cannot describe a DataFrame without columns")
    if cols != list(x._node.columns):
        x = x[cols]
    dtypes = tuple(zip(cols, x._node.dtypes))
    final = Fn(_d_final, pct, dtypes, False)
    meta = final(_d_chunk(x._meta))
    return _agg(x, Fn(_d_chunk), Fn(_d_combine), final, meta, split_every, columnwise=True, tag="describe")


# ------------------------------------------------------ astype("category")
def _cats_chunk(s):
    return s.dropna().drop_duplicates()


def _cats_combine(states):
    return _concat(states).drop_duplicates()


def _cats_final(s):
    vals = pd.Index(s.drop_duplicates()).rename(None)
    try:
        vals = vals.sort_values()
    except TypeError:  # unorderable mix: keep first-appearance order, like pandas' factorize fallback
        pass
    return vals


def as_categorical(s, cats):
    """``s.astype(CategoricalDtype(cats))``; ``cats`` not list-like (the meta sample) gives unknown categories."""
    if not isinstance(cats, pd.Index):  # metadata: the categories are only known once computed (dask's unknown)
        return s.astype(unknown_categorical(pd.CategoricalDtype()))
    return s.astype(pd.CategoricalDtype(cats))


def category_values(s, split_every=None):
    """The categories ``s.astype("category")`` would have (pandas' sorted distinct values), a lazy
    Scalar holding a pandas Index."""
    return _agg(s, Fn(_cats_chunk), Fn(_cats_combine), Fn(_cats_final), np.dtype(object), split_every,
                tag="categories")


def astype_category(s, split_every=None):
    """``s.astype("category")`` with the categories pandas would choose: the sorted distinct values,
    found by a tree aggregation and applied to every partition (so partitions agree and concatenate)."""
    # import cycle: hlq.dataframe._core imports hlq.dataframe._reductions
    from hlq.dataframe._core import Series

    BINARY.setdefault("as_categorical", as_categorical)
    cats = _agg(s, Fn(_cats_chunk), Fn(_cats_combine), Fn(_cats_final), np.dtype(object), split_every,
                tag="categories")
    return Series(WithScalar("as_categorical", s._node, cats._node))
