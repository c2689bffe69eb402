"""Reductions and groupby aggregations as trees: partial per partition -> combine -> aggregate.

The logical nodes (:class:`Reduce`, :class:`GroupbyAgg`) are lowered by the
rules of :mod:`hlq.dataframe.rules.lowering` into
``*Partial`` (blockwise, fused with the partitions' producers),
``*Combine`` (``split_every`` inputs per task) and a final step.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> s = dd.from_pandas(pd.Series([1.0, 2.0, 4.0, 8.0]), npartitions=4)
>>> float(s.mean().compute()), float(s.var().compute())
(3.75, 9.583333333333334)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from dask._task_spec import Task, TaskRef

from hlq.dataframe.nodes.calls import nonempty_frame, nonempty_series
from hlq.dataframe.nodes.base import FrameNode
from hlq.dataframe.nodes.partitioning import alternatives, by_keys, combine_hashes, value_hash
from hlq.lower.protocol import fan_in, fan_in_count

__all__ = ["Reduce", "ReducePartial", "ReduceCombine", "Len", "GroupbyAgg", "GroupbyPartial", "GroupbyCombine",
           "GroupbyBucketCombine", "TreeAgg", "TreePartial", "TreeCombine", "Fn", "REDUCTIONS"]

REDUCTIONS = ("sum", "mean", "min", "max", "count", "std", "var", "len", "prod", "any", "all", "size")
_NEEDS_NUMERIC = {"sum", "mean", "std", "var", "prod"}


def _numeric(dt):
    return getattr(dt, "kind", "O") in "biuf" or (hasattr(dt, "numpy_dtype") and dt.numpy_dtype.kind in "biuf") \
        or _numeric_extension(dt)


def _numeric_extension(dt):
    """A third-party numeric extension dtype (e.g. decimals): pandas' ``_is_numeric``, no numpy dtype
    behind it; its sums and means stay of that type (its scalars), as pandas gives them."""
    return (isinstance(dt, pd.api.extensions.ExtensionDtype) and not hasattr(dt, "numpy_dtype")
            and not isinstance(dt, pd.CategoricalDtype) and bool(getattr(dt, "_is_numeric", False)))


def _summable(dt):
    """Non-numeric values pandas sums: durations, and strings (concatenated in row order)."""
    if isinstance(dt, pd.CategoricalDtype):
        return False
    return getattr(dt, "kind", "") == "m" or pd.api.types.is_string_dtype(dt)


def reduction_dtype(how, dt):
    """Result dtype of reduction ``how`` over a column of dtype ``dt`` (pandas' rules)."""
    if how in ("count", "len", "size"):
        return np.dtype("int64")
    if how in ("any", "all"):
        return np.dtype(bool)
    if how == "prod" and getattr(dt, "kind", "") == "b":
        return np.dtype("int64")
    if how == "mean" and _numeric_extension(dt):
        return dt
    if how in ("mean", "std", "var"):
        return np.dtype("float64")
    if how == "sum" and getattr(dt, "kind", "") == "b":
        return np.dtype("int64")
    return dt


def label_divisions(labels):
    """``(min, max)`` of the labels a one-partition result is indexed by (a reduction's column
    names, the quantiles asked for), as dask gives its divisions; ``(None, None)`` when they are
    missing, repeated or do not compare."""
    labels = list(labels)
    if not labels or any(v is None or v != v for v in labels) or len(set(labels)) != len(labels):
        return (None, None)
    try:
        return (min(labels), max(labels))
    except TypeError:
        return (None, None)


def _pandas_reason(how, dtype):
    """pandas' own error for ``how`` over values of ``dtype`` (run on two fake values), as a suffix."""
    fake = nonempty_series(dtype)
    if fake is None:
        return ""
    try:
        getattr(fake, how)()
    except Exception as exc:  # the message pandas (or pyarrow) gives for this dtype
        return f" ({type(exc).__name__}: {exc})"
    return " (not supported by hlq's tree reduction)"


class Reduce(FrameNode):
    """``how`` of each column (frame -> series) or of a series (-> scalar)."""

    _fields = ("child", "how", "ddof", "split_every")
    _defaults = {"ddof": 1, "split_every": 8}
    op_name = "reduce"

    def _props(self):
        c = self.child
        if c.kind == "scalar":
            raise TypeError("cannot reduce a scalar")
        if self.how not in REDUCTIONS:
            raise ValueError(f"unknown reduction {self.how!r}")
        if self.how in _NEEDS_NUMERIC:
            for col, dt in zip(c.columns, c.dtypes):
                if not _numeric(dt) and not (self.how == "sum" and _summable(dt)):
                    raise TypeError(f"{self.how} needs numeric data; column {col!r} has dtype {dt}"
                                    f"{_pandas_reason(self.how, dt)}")
        if self.how in ("len", "size"):
            return {"kind": "scalar", "columns": (None,), "dtypes": (np.dtype("int64"),), "divisions": (None, None)}
        dts = [reduction_dtype(self.how, d) for d in c.dtypes]
        if c.kind == "series":
            return {"kind": "scalar", "columns": (None,), "dtypes": (dts[0],), "divisions": (None, None)}
        try:
            if not dts:  # no columns: pandas' dtype for an empty result
                common = reduction_dtype(self.how, np.dtype("float64"))
            else:
                common = np.result_type(*dts) if all(isinstance(d, np.dtype) for d in dts) else np.dtype(object)
        except TypeError:
            common = np.dtype(object)
        if self.how in ("min", "max") and len(set(dts)) > 1 and common != np.dtype(object):
            # pandas' own common dtype of the column results (booleans with numbers: object)
            fake = nonempty_frame(c.meta)
            if fake is not None:
                common = getattr(fake, self.how)().dtype
        return {"kind": "series", "columns": (None,), "dtypes": (common,), "divisions": label_divisions(c.columns),
                "lengths": (len(c.columns),)}

    def label(self):
        return f"{self.how}(split_every={self.split_every})"


class Len(Reduce):
    """``len(df)``: number of rows."""

    _fields = ("child",)
    _defaults = {}
    op_name = "len"
    how = "len"
    ddof = 1
    split_every = 8

    def label(self):
        return "len"


# ------------------------------------------------------------ state functions
def partial_state(df, how):
    """Per-partition state of reduction ``how`` (e.g. sum and count for a mean)."""
    if how == "len":
        return {"n": len(df)}
    if how == "size":
        return {"n": int(df.size)}
    if isinstance(df, pd.Series):
        df = df.to_frame()
    if how == "sum":
        return {"s": df.sum()}
    if how == "count":
        return {"n": df.count()}
    if how == "min":
        return {"m": df.min()}
    if how == "max":
        return {"m": df.max()}
    if how == "prod":
        return {"p": df.prod()}
    if how in ("any", "all"):
        return {"m": df.any() if how == "any" else df.all()}
    if how == "mean":
        return {"s": df.sum(), "n": df.count()}
    # var/std: count, mean, sum of squared deviations
    n = df.count()
    mean = df.mean()
    m2 = ((df - mean) ** 2).sum()
    return {"n": n, "mean": mean, "m2": m2}


def combine_states(states, how):
    """Merge several partial states of reduction ``how`` into one."""
    if how in ("len", "size"):
        return {"n": sum(s["n"] for s in states)}
    if how == "prod":
        acc = states[0]["p"]
        for s in states[1:]:
            acc = acc * s["p"]
        return {"p": acc}
    if how in ("any", "all"):
        frame = pd.concat([s["m"] for s in states], axis=1)
        return {"m": frame.any(axis=1) if how == "any" else frame.all(axis=1)}
    if how in ("sum", "count", "mean"):
        out = {}
        for k in states[0]:
            acc = states[0][k]
            for s in states[1:]:
                acc = acc + s[k]
            out[k] = acc
        return out
    if how in ("min", "max"):
        frame = pd.concat([s["m"] for s in states], axis=1)
        return {"m": frame.min(axis=1) if how == "min" else frame.max(axis=1)}
    acc = states[0]
    for s in states[1:]:
        acc = _merge_moments(acc, s)
    return acc


def _merge_moments(a, b):
    na, nb = a["n"].astype(float), b["n"].astype(float)
    n = na + nb
    ma, mb = a["mean"].fillna(0.0), b["mean"].fillna(0.0)
    delta = mb - ma
    with np.errstate(all="ignore"):
        frac = (nb / n).fillna(0.0)
        mean = ma + delta * frac
        m2 = a["m2"].fillna(0.0) + b["m2"].fillna(0.0) + (delta**2 * na * nb / n).fillna(0.0)
    return {"n": n, "mean": mean, "m2": m2}


def aggregate_state(state, how, ddof, scalar, dtype):
    """The final value of reduction ``how`` from its combined state."""
    if how in ("len", "size"):
        return state["n"]
    if how == "prod":
        r = state["p"]
    elif how in ("any", "all"):
        r = state["m"]
    elif how in ("sum", "count"):
        r = state["s" if how == "sum" else "n"]
    elif how in ("min", "max"):
        r = state["m"]
    elif how == "mean":
        with np.errstate(all="ignore"):
            r = state["s"] / state["n"]
    else:
        n = state["n"].astype(float)
        with np.errstate(all="ignore"):
            r = state["m2"] / (n - ddof)
        r = r.where(n - ddof > 0)
        if how == "std":
            r = np.sqrt(r)
    if scalar:
        v = r.iloc[0]
        if isinstance(dtype, np.dtype) and dtype.kind in "biuf" and not pd.isna(v):
            v = dtype.type(v)
        return v
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf" and not r.isna().any():
        r = r.astype(dtype)
    elif dtype == np.dtype(object) and r.dtype != dtype:
        r = r.astype(object)
    return r


class ReducePartial(FrameNode):
    """Per-partition partial state of a reduction (blockwise; feeds :class:`ReduceCombine`)."""
    _fields = ("child", "how")
    op_name = "reduce-partial"
    is_blockwise = True

    def _props(self):
        c = self.child
        return {"kind": "state", "columns": c.columns, "dtypes": c.dtypes, "divisions": c.divisions}

    def _extra_props(self):
        return {"bw_inputs": ((self.child, (0,)),), "bw_func": _Partial(self.how)}


class _Partial:
    __slots__ = ("how",)

    def __init__(self, how):
        self.how = how

    def __call__(self, df):
        return partial_state(df, self.how)

    def __reduce__(self):
        return (_Partial, (self.how,))


class ReduceCombine(FrameNode):
    """Combine groups of ``split`` states; ``final`` applies the aggregation (one block)."""

    _fields = ("child", "how", "split", "final", "ddof", "out_kind", "out_dtype")
    op_name = "reduce-combine"

    def _props(self):
        n = fan_in_count(self.split, self.child.npartitions)
        kind = self.out_kind if self.final else "state"
        return {"kind": kind, "columns": (None,), "dtypes": (self.out_dtype,), "divisions": (None,) * (n + 1)}

    def block_dependencies(self, idx):
        c = self.child
        return [(c, (i,)) for i in fan_in(idx[0], self.split, c.npartitions)]

    def block_task(self, key, idx):
        refs = [TaskRef((c.name, i)) for c, (i,) in self.block_dependencies(idx)]
        if self.final:
            return Task(key, _combine_final, self.how, self.ddof, self.out_kind == "scalar", self.out_dtype, *refs)
        return Task(key, _combine, self.how, *refs)

    def label(self):
        return f"{self.how}-{'aggregate' if self.final else 'combine'}(split={self.split})"


def _combine(how, *states):
    return combine_states(list(states), how)


def _combine_final(how, ddof, scalar, dtype, *states):
    return aggregate_state(combine_states(list(states), how), how, ddof, scalar, dtype)


# ------------------------------------------------------------------ groupby
_PARTIALS = {"sum": ("sum",), "count": ("count",), "mean": ("sum", "count"), "min": ("min",), "max": ("max",),
             "size": ("size",), "prod": ("prod",), "first": ("first",), "last": ("last",),
             "var": ("sum", "count", "sumsq"), "std": ("sum", "count", "sumsq"), "nunique": ("uniq",)}
_COMBINE = {"sum": "sum", "count": "sum", "min": "min", "max": "max", "size": "sum", "prod": "prod",
            "first": "first", "last": "last", "sumsq": "sum"}
_GB_NUMERIC = {"sum", "mean", "var", "std", "prod"}


def how_base(how):
    """The aggregation of a groupby ``how``: ``"var@0"`` (var with ``ddof=0``) is a ``"var"``."""
    return how.split("@", 1)[0] if isinstance(how, str) else how


def _how_ddof(how):
    """The ``ddof`` of a std/var ``how`` (``"std@2"``: 2; plain ``"std"``: 1)."""
    return int(how.split("@", 1)[1]) if "@" in how else 1


class GroupbyAgg(FrameNode):
    """``df.groupby(by).agg(spec)``; ``spec`` is a tuple of ``(column, how)``; ``shape`` says how the
    result is laid out: ``"flat"`` (one column per entry), ``"multi"`` (MultiIndex columns),
    ``"series"`` (a single series) or ``("named", names)`` (named aggregation: one column per name).
    ``dropna`` drops groups with a null key, ``sort`` sorts the groups, ``split_out`` > 1 gives that
    many output partitions (groups assigned by a hash of the key), ``as_index=False`` turns the
    keys into columns."""

    _fields = ("child", "by", "spec", "shape", "split_every", "dropna", "sort", "split_out", "as_index")
    _defaults = {"split_every": 8, "dropna": True, "sort": True, "split_out": 1, "as_index": True}
    op_name = "groupby-agg"

    def _props(self):
        c = self.child
        dm = c.dtype_map
        for b in self.by:
            if b not in dm:
                raise KeyError(f"groupby key {b!r} not found; columns are {list(c.columns)}")
        for col, how in self.spec:
            if "@" in how and how_base(how) in ("std", "var"):
                _how_ddof(how)  # (a valid ddof)
                how = how_base(how)
            if how not in _PARTIALS:
                raise ValueError(f"unsupported groupby aggregation {how!r}; supported: {sorted(_PARTIALS)}")
            if how != "size" and col not in dm:
                raise KeyError(f"column {col!r} not found; columns are {list(c.columns)}")
            if how in _GB_NUMERIC and not _numeric(dm[col]) and not (how == "sum" and _summable(dm[col])):
                raise TypeError(f"groupby {how} needs numeric data; column {col!r} has dtype {dm[col]}"
                                f"{_pandas_reason(how, dm[col])}")
        if int(self.split_out) < 1:
            raise ValueError(f"split_out must be >= 1, got {self.split_out}")
        meta = _gb_meta(c, self.by, self.spec, self.shape, self.dropna, self.sort, self.as_index)
        div = (None,) * (int(self.split_out) + 1)
        if isinstance(meta, pd.Series):
            return {"kind": "series", "columns": (meta.name,), "dtypes": (meta.dtype,), "divisions": div}
        return {"kind": "frame", "columns": tuple(meta.columns), "dtypes": tuple(meta.dtypes), "divisions": div}

    def output_names(self):
        """The result column of each ``spec`` entry (for projections of the result)."""
        if isinstance(self.shape, tuple):
            return tuple(self.shape[1])
        if self.shape == "multi":
            return tuple((c, how_base(h)) for c, h in self.spec)
        return tuple("size" if c is None else c for c, h in self.spec)

    def label(self):
        extra = "" if int(self.split_out) == 1 else f", split_out={self.split_out}"
        return f"groupby({', '.join(map(str, self.by))}).agg({', '.join(f'{c}:{h}' for c, h in self.spec)}{extra})"


_GB_META: dict = {}  # (dtypes of the columns read, aggregation) -> result meta


def _gb_meta(c, by, spec, shape, dropna, sort, as_index):
    """The result meta, computed by pandas on empty data once per (column dtypes, aggregation):
    rewrites that only drop unread columns from the input reuse it."""
    used = [*by, *(col for col, how in spec if how != "size")]
    dm = c.dtype_map
    try:
        key = (tuple((u, dm[u]) for u in dict.fromkeys(used)), by, spec, shape, dropna, sort, as_index)
        hit = _GB_META.get(key)
    except TypeError:  # unhashable dtype or name
        key, hit = None, None
    if hit is not None:
        return hit
    meta = _gb_final(_gb_combine([_gb_partial(c.meta, by, spec, dropna)], by, spec, dropna),
                     by, spec, shape, sort, as_index)
    if key is not None:
        if len(_GB_META) > 1024:
            _GB_META.clear()
        _GB_META[key] = meta
    return meta


def _stat_name(col, stat):
    return f"{col}|{stat}"


def _gb_partial(df, by, spec, dropna=True):
    """Partial state of one partition: ``(stats, pairs)``.

    ``stats`` is a frame indexed by the group keys with one column per partial
    statistic; ``pairs`` maps each ``nunique`` column to the frame of its distinct
    ``(keys, value)`` pairs, indexed by the keys (vectorized: no per-group Python
    objects).  ``stats`` is None when every aggregation is ``nunique``.
    """
    by = list(by)
    g = None
    cols, pairs = {}, {}
    for col, how in spec:
        for stat in _PARTIALS[how_base(how)]:
            name = _stat_name(col, stat)
            if stat == "uniq":
                if col not in pairs:
                    pairs[col] = _distinct_pairs(df, by, col, dropna)
                continue
            if name in cols:
                continue
            if g is None:
                g = df.groupby(by, sort=False, observed=True, dropna=dropna)
            if stat == "size":
                cols[name] = g.size()
            elif stat == "sumsq":
                sq = df[col].astype("float64") ** 2
                cols[name] = sq.groupby([df[b] for b in by], sort=False, observed=True, dropna=dropna).sum()
            else:
                cols[name] = getattr(g[col], stat)()
    return (pd.DataFrame(cols) if g is not None else None), pairs


def _distinct_pairs(df, by, col, dropna):
    """The distinct ``(keys..., col)`` rows of ``df``, indexed by the keys."""
    sub = df[[*by, col]] if col not in by else df[by].assign(**{"__value": df[col]})
    if dropna:
        sub = sub.dropna(subset=by)
    return drop_duplicate_rows(sub).set_index(by)


def drop_duplicate_rows(df):
    """``df.drop_duplicates()`` (first occurrences kept, in their order).  Integer columns whose
    value ranges fit one int64 together are packed into one code and deduplicated by a stable
    sort of the codes, several times faster than pandas' hash of the rows (a join or groupby
    key column is often nearly sorted already)."""
    n = len(df)
    if n < 2 or not all(isinstance(d, np.dtype) and d.kind in "iu" for d in df.dtypes):
        return df.drop_duplicates()
    code, span = None, 1
    for c in range(df.shape[1]):
        v = df.iloc[:, c].to_numpy()
        lo, hi = int(v.min()), int(v.max())
        width = hi - lo + 1
        if span * width >= 2**62:
            return df.drop_duplicates()
        # offsets from the minimum: unsigned values subtracted in their own dtype (no wrap-around)
        x = (v - v.dtype.type(lo)).astype(np.int64) if v.dtype.kind == "u" else v.astype(np.int64) - lo
        code = x if code is None else code * width + x
        span *= width
    order = np.argsort(code, kind="stable")
    sc = code[order]
    first = np.empty(n, dtype=bool)
    first[0] = True
    np.not_equal(sc[1:], sc[:-1], out=first[1:])
    keep = np.zeros(n, dtype=bool)
    keep[order[first]] = True
    return df[keep]


def _key_order(idx):
    """Positions that sort the group keys ``idx`` like ``sort_index``; keys of mixed types (ints
    and strings) that do not compare are ordered like pandas' groupby (``factorize(sort=True)``:
    numbers first, then strings), missing keys last."""
    if idx.nlevels == 1:
        try:
            return idx.argsort(kind="stable", na_position="last")
        except TypeError:
            pass
    codes = []
    for i in range(idx.nlevels):
        c = pd.factorize(idx.get_level_values(i), sort=True)[0]
        codes.append(np.where(c < 0, len(c), c))
    return np.lexsort(codes[::-1])


def _combine_stats(df, by, aggs, dropna):
    """Partial statistics of the same groups combined (``aggs``: column -> combining function).
    A NaN partial sum/product comes from inf - inf or inf * 0 inside a partition (missing values
    were already skipped there): it stays NaN instead of being skipped like a missing value."""
    g = df.groupby(level=list(range(len(by))), sort=False, dropna=dropna)
    strict = [k for k, how in aggs.items() if how in ("sum", "prod") and df[k].dtype.kind in "fc"]
    if not strict:
        return g.agg(aggs)
    rest = {k: how for k, how in aggs.items() if k not in strict}
    cols = {}
    if rest:
        agg = g.agg(rest)
        cols.update((k, agg[k]) for k in rest)
    for k in strict:
        cols[k] = getattr(g[k], aggs[k])(skipna=False)
    return pd.DataFrame({k: cols[k] for k in aggs})


def _gb_combine(parts, by, spec, dropna=True, final=False, disjoint=False):
    """Combine partial states (see :func:`_gb_partial`) into one (``final``: the ``nunique`` pairs are
    only concatenated, :func:`_gb_final` counts distinct values per group; ``disjoint``: no group
    is in two of the parts, so they are only concatenated)."""
    stats = [p[0] for p in parts if p[0] is not None]
    out_stats = None
    if stats:
        df = pd.concat(stats) if len(stats) > 1 else stats[0]
        aggs = {}
        for col, how in spec:
            for stat in _PARTIALS[how_base(how)]:
                if stat != "uniq":
                    aggs[_stat_name(col, stat)] = _COMBINE[stat]
        if len(df) == 0 or len(stats) == 1 or disjoint:
            out_stats = df
        else:
            out_stats = _combine_stats(df, by, aggs, dropna)
    out_pairs = {}
    for col in parts[0][1]:
        frames = [p[1][col] for p in parts]
        if len(frames) == 1:
            out_pairs[col] = frames[0]
            continue
        x = pd.concat(frames)
        if final or disjoint:
            out_pairs[col] = x
            continue
        names = list(x.index.names)
        out_pairs[col] = drop_duplicate_rows(x.reset_index()).set_index(names)
    return out_stats, out_pairs


def _gb_final(state, by, spec, shape, sort=True, as_index=True):
    df, pairs = state
    counts = {}
    for col, frame in pairs.items():
        value = frame.columns[0]
        counts[col] = frame[value].groupby(level=list(range(len(by))), sort=False, dropna=False).nunique()
    if df is None:  # only nunique: the groups are those of the pairs
        first = next(iter(counts.values()))
        df = pd.DataFrame(index=first.index)
    out = {}
    for col, how in spec:
        if how == "mean":
            v = df[_stat_name(col, "sum")] / df[_stat_name(col, "count")]
        elif how_base(how) in ("var", "std"):
            ddof = _how_ddof(how)
            n = df[_stat_name(col, "count")].astype("float64")
            s = df[_stat_name(col, "sum")].astype("float64")
            with np.errstate(all="ignore"):
                v = ((df[_stat_name(col, "sumsq")] - s * s / n) / (n - ddof)).clip(lower=0)
            v = v.where((n > 0) & (n - ddof > 0))
            if how_base(how) == "std":
                v = np.sqrt(v)
        elif how == "nunique":
            v = counts[col].reindex(df.index, fill_value=0).astype("int64")
        else:
            v = df[_stat_name(col, _PARTIALS[how][0])]
        out[(col, how)] = v
    # (positions, not labels: ``.loc`` with boolean keys would be a mask)
    order = _key_order(df.index) if sort else np.arange(len(df))
    res = pd.DataFrame({k: v.iloc[order].array for k, v in out.items()}, index=df.index[order])
    if isinstance(shape, tuple):
        res.columns = list(shape[1])
    elif shape == "multi":
        res.columns = pd.MultiIndex.from_tuples([(c, how_base(h)) for c, h in out])
    else:
        res.columns = [c if c is not None else "size" for c, h in out]  # agg({"x": "size"}): column x
    if shape == "series":
        s = res.iloc[:, 0]
        col, how = spec[0]
        s = s.rename(col)
        return s.reset_index() if not as_index else s
    return res.reset_index() if not as_index else res


class GroupbyPartial(FrameNode):
    """Per-partition groupby partial aggregation (blockwise; feeds :class:`GroupbyCombine`).

    With ``nbuckets`` > 1 each block is the tuple of the partial states of the
    ``nbuckets`` hash buckets of the group key (the rows are hashed once, here;
    :class:`GroupbyBucketGet` hands each bucket to its combine tree)."""
    _fields = ("child", "by", "spec", "dropna", "nbuckets")
    _defaults = {"dropna": True, "nbuckets": 1}
    op_name = "groupby-partial"
    is_blockwise = True

    def _props(self):
        return {"kind": "state", "columns": (None,), "dtypes": (None,), "divisions": self.child.divisions}

    def _extra_props(self):
        return {"bw_inputs": ((self.child, (0,)),),
                "bw_func": _GbPartial(self.by, self.spec, self.dropna, int(self.nbuckets))}


class _GbPartial:
    __slots__ = ("by", "spec", "dropna", "nbuckets")

    def __init__(self, by, spec, dropna=True, nbuckets=1):
        self.by, self.spec, self.dropna, self.nbuckets = by, spec, dropna, nbuckets

    def __call__(self, df):
        state = _gb_partial(df, self.by, self.spec, self.dropna)
        if self.nbuckets > 1:
            return _split_buckets(state, self.nbuckets)
        return state

    def __reduce__(self):
        return (_GbPartial, (self.by, self.spec, self.dropna, self.nbuckets))


class GroupbyBucketGet(FrameNode):
    """Block ``i * nbuckets + b``: bucket ``b`` of the bucketed partial state ``i`` of the child."""

    _fields = ("child", "nbuckets")
    op_name = "groupby-bucket"

    def _props(self):
        n = self.child.npartitions * int(self.nbuckets)
        return {"kind": "state", "columns": (None,), "dtypes": (None,), "divisions": (None,) * (n + 1)}

    def block_dependencies(self, idx):
        return [(self.child, (idx[0] // int(self.nbuckets),))]

    def block_task(self, key, idx):
        i, b = divmod(idx[0], int(self.nbuckets))
        return Task(key, _getitem, TaskRef((self.child.name, i)), b)

    def label(self):
        return f"groupby-bucket(buckets={self.nbuckets})"


def _getitem(x, i):
    return x[i]


class GroupbyCombine(FrameNode):
    """Combine groups of ``split`` partial results; with ``final``, also finish (``opts``:
    ``(dropna, sort, as_index)``, and ``disjoint``: True when no group spans two partitions of the
    input, whose partial results are then only concatenated)."""

    _fields = ("child", "by", "spec", "shape", "split", "final", "out_kind", "out_columns", "out_dtypes", "opts")
    _defaults = {"opts": (True, True, True)}
    op_name = "groupby-combine"

    def _props(self):
        n = fan_in_count(self.split, self.child.npartitions)
        part = None
        c = self.child
        if self.final and int(self.split) == 1 and isinstance(c, GroupbyPartial) and int(c.nbuckets) == 1:
            # one partial per partition, combined where it is: a partitioning of the input by
            # group keys holds for the groups (keys in the index, or columns with as_index=False)
            cp = c.child.partitioning
            fits = [] if cp is None else [keys for keys in alternatives(cp)
                                          if all(w == "col" and k in self.by for w, k in keys)]
            if fits:
                part = (tuple(("idx" if self.opts[2] else "col", k) for _, k in fits[0]), cp[1])
        return {"kind": self.out_kind if self.final else "state", "columns": self.out_columns,
                "dtypes": self.out_dtypes, "divisions": (None,) * (n + 1), "partitioning": part}

    def block_dependencies(self, idx):
        c = self.child
        return [(c, (i,)) for i in fan_in(idx[0], self.split, c.npartitions)]

    def block_task(self, key, idx):
        refs = [TaskRef((c.name, i)) for c, (i,) in self.block_dependencies(idx)]
        return Task(key, _gb_combine_task, self.by, self.spec, self.shape if self.final else None, self.opts,
                    *refs)

    def label(self):
        extra = ", groups disjoint: concatenated" if len(self.opts) > 3 and self.opts[3] else ""
        return f"groupby-{'aggregate' if self.final else 'combine'}(split={self.split}{extra})"


def _gb_combine_task(by, spec, shape, opts, *parts):
    dropna, sort, as_index = opts[:3]
    disjoint = len(opts) > 3 and opts[3]
    df = _gb_combine(list(parts), by, spec, dropna, final=shape is not None, disjoint=disjoint)
    return df if shape is None else _gb_final(df, by, spec, shape, sort, as_index)


class GroupbyBucketCombine(FrameNode):
    """``split_out``: combine partial results per hash bucket of the group key.

    Block ``g * nbuckets + b`` combines bucket ``b`` of the ``g``-th group of
    ``split`` input blocks; at the first level (``first``) the inputs are
    whole partials and the task keeps only the rows of its bucket.  The final
    level has ``nbuckets`` blocks, one output partition each.
    """

    _fields = ("child", "by", "spec", "shape", "split", "final", "nbuckets", "first", "out_kind", "out_columns",
               "out_dtypes", "opts")
    op_name = "groupby-bucket-combine"

    def _groups_in(self):
        c = self.child.npartitions
        return c if self.first else c // self.nbuckets

    def _props(self):
        g = fan_in_count(self.split, self._groups_in())
        part = None
        if self.final and g == 1:  # bucket b in partition b: hashed by all group keys
            src = self.child
            while not isinstance(src, GroupbyPartial):
                src = src.child
            dm = src.child.dtype_map
            part = by_keys(tuple(self.by), [dm[b] for b in self.by], self.nbuckets,
                           "idx" if self.opts[2] else "col")
        return {"kind": self.out_kind if self.final else "state", "columns": self.out_columns,
                "dtypes": self.out_dtypes, "divisions": (None,) * (g * self.nbuckets + 1), "partitioning": part}

    def block_dependencies(self, idx):
        c = self.child
        g, b = divmod(idx[0], self.nbuckets)
        ins = fan_in(g, self.split, self._groups_in())
        if self.first:
            return [(c, (i,)) for i in ins]
        return [(c, (i * self.nbuckets + b,)) for i in ins]

    def block_task(self, key, idx):
        refs = [TaskRef((c.name, i)) for c, (i,) in self.block_dependencies(idx)]
        b = idx[0] % self.nbuckets
        return Task(key, _gb_bucket_task, self.by, self.spec, self.shape if self.final else None, self.opts,
                    self.nbuckets if self.first else None, b, *refs)

    def label(self):
        return f"groupby-bucket-{'aggregate' if self.final else 'combine'}(buckets={self.nbuckets})"


def _bucket_rows(state, nbuckets, b):
    return _split_buckets(state, nbuckets)[b]


def _hash_index(index):
    """uint64 hash of each group key (levels hashed one by one: pandas' MultiIndex hashing fails on nulls),
    the hash the join shuffles use for the same values in columns."""
    return combine_hashes([value_hash(index.get_level_values(i)) for i in range(index.nlevels)])


def _split_buckets(state, nbuckets):
    """The partial state split into ``nbuckets`` states by a hash of the group key (hashed once)."""

    def split(df):
        if df is None:
            return [None] * nbuckets
        if len(df) == 0:
            return [df] * nbuckets
        h = (_hash_index(df.index) % nbuckets).astype(
            np.uint16 if nbuckets < 65536 else np.uint64)
        order = np.argsort(h, kind="stable")  # a radix sort for small integer types
        bounds = np.searchsorted(h[order], np.arange(nbuckets + 1))
        return [df.iloc[order[bounds[k]:bounds[k + 1]]] for k in range(nbuckets)]

    stats, pairs = state
    st = split(stats)
    pp = {c: split(f) for c, f in pairs.items()}
    return tuple((st[k], {c: v[k] for c, v in pp.items()}) for k in range(nbuckets))


def _gb_bucket_task(by, spec, shape, opts, nbuckets, b, *parts):
    if nbuckets is not None:
        parts = [_bucket_rows(p, nbuckets, b) for p in parts]
    return _gb_combine_task(by, spec, shape, opts, *parts)


# ------------------------------------------------- generic tree aggregations
class Fn:
    """A picklable, hashable partial function ``func(x, *args)`` (compared by token)."""

    __slots__ = ("func", "args", "_key")

    def __init__(self, func, *args):
        from dask.base import tokenize

        self.func, self.args = func, args
        self._key = tokenize(func, args)

    def __call__(self, x):
        return self.func(x, *self.args)

    def __eq__(self, other):
        return isinstance(other, Fn) and other._key == self._key

    def __hash__(self):
        return hash(self._key)

    def __dask_tokenize__(self):
        return ("fn", self._key)

    def __reduce__(self):
        return (Fn, (self.func, *self.args))

    def __repr__(self):
        return getattr(self.func, "__name__", "fn")


class TreeAgg(FrameNode):
    """A whole-collection aggregation ``final_fn(combine([chunk(part) ...]))`` (one output partition).

    ``chunk`` maps a partition to a state, ``combine`` a list of states to one
    state (it must be associative: it runs as a tree of ``split_every`` inputs
    per task), ``final_fn`` a state to the result.  ``meta_`` (a
    :class:`~hlq.dataframe.nodes.ops.MetaBox`) holds the result's empty pandas
    object, or a numpy dtype for a scalar (or ``""`` for a scalar string).  ``columnwise`` says each result
    column depends only on the same input column (so a projection of the result
    can move to the input).
    """

    _fields = ("child", "chunk", "combine", "final_fn", "meta_", "split_every", "columnwise", "tag", "divisions_")
    _defaults = {"split_every": 8, "columnwise": False, "tag": "aggregate", "divisions_": None}
    op_name = "tree-agg"

    def _props(self):
        m = self.meta_.value
        d = self.divisions_ or (None, None)
        if isinstance(m, pd.DataFrame):
            return {"kind": "frame", "columns": tuple(m.columns), "dtypes": tuple(m.dtypes), "divisions": d}
        if isinstance(m, pd.Series):
            return {"kind": "series", "columns": (m.name,), "dtypes": (m.dtype,), "divisions": d}
        # a string sample (a reduction to one string, as ``str.cat``) stands for the object dtype
        dt = np.dtype(object) if isinstance(m, str) else np.dtype(m)
        return {"kind": "scalar", "columns": (None,), "dtypes": (dt,), "divisions": (None, None)}

    @property
    def kind(self):
        return self.__dict__.get("kind", "frame")

    @property
    def meta(self):
        m = self.meta_.value
        return m if isinstance(m, (pd.DataFrame, pd.Series)) else None

    def label(self):
        return f"{self.tag}(split_every={self.split_every})"


class TreePartial(FrameNode):
    """``chunk`` of every partition (blockwise: fuses with the partition's producer)."""

    _fields = ("child", "chunk")
    op_name = "tree-partial"
    is_blockwise = True

    def _props(self):
        return {"kind": "state", "columns": (None,), "dtypes": (None,), "divisions": self.child.divisions}

    def _extra_props(self):
        return {"bw_inputs": ((self.child, (0,)),), "bw_func": self.chunk}


class TreeCombine(FrameNode):
    """``combine`` groups of ``split`` states; with ``final``, also ``final_fn`` (one block)."""

    _fields = ("child", "combine", "final_fn", "split", "final", "out_kind", "out_columns", "out_dtypes")
    op_name = "tree-combine"

    def _props(self):
        n = fan_in_count(self.split, self.child.npartitions)
        return {"kind": self.out_kind if self.final else "state", "columns": self.out_columns,
                "dtypes": self.out_dtypes, "divisions": (None,) * (n + 1)}

    @property
    def kind(self):
        return self.__dict__.get("kind", "state")

    def block_dependencies(self, idx):
        c = self.child
        return [(c, (i,)) for i in fan_in(idx[0], self.split, c.npartitions)]

    def block_task(self, key, idx):
        refs = [TaskRef((c.name, i)) for c, (i,) in self.block_dependencies(idx)]
        return Task(key, _tree_step, self.combine, self.final_fn if self.final else None, *refs)

    def label(self):
        return f"tree-{'aggregate' if self.final else 'combine'}(split={self.split})"


def _tree_step(combine, finalize, *states):
    state = combine(list(states))
    return state if finalize is None else finalize(state)
