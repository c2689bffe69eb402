"""Reductions and groupby aggregations as trees: partial per partition -> combine -> aggregate.

The logical nodes (:class:`Reduce`, :class:`GroupbyAgg`) are lowered by the
rules of :mod:`hlq.dataframe.rules.lower_reduction` into
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

from hlq.dataframe.nodes.base import FrameNode

__all__ = ["Reduce", "ReducePartial", "ReduceCombine", "Len", "GroupbyAgg", "GroupbyPartial", "GroupbyCombine",
           "REDUCTIONS"]

REDUCTIONS = ("sum", "mean", "min", "max", "count", "std", "var", "len")
_NEEDS_NUMERIC = {"sum", "mean", "std", "var"}


def _numeric(dt):
    return getattr(dt, "kind", "O") in "biuf" or (hasattr(dt, "numpy_dtype") and dt.numpy_dtype.kind in "biuf")


def reduction_dtype(how, dt):
    if how in ("count", "len"):
        return np.dtype("int64")
    if how in ("mean", "std", "var"):
        return np.dtype("float64")
    if how == "sum" and getattr(dt, "kind", "") == "b":
        return np.dtype("int64")
    return dt


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
                if not _numeric(dt):
                    raise TypeError(f"{self.how} needs numeric data; column {col!r} has dtype {dt}")
        if self.how == "len":
            return {"kind": "scalar", "columns": (None,), "dtypes": (np.dtype("int64"),), "divisions": (None, None)}
        dts = [reduction_dtype(self.how, d) for d in c.dtypes]
        if c.kind == "series":
            return {"kind": "scalar", "columns": (None,), "dtypes": (dts[0],), "divisions": (None, None)}
        try:
            common = np.result_type(*dts) if dts and all(isinstance(d, np.dtype) for d in dts) else np.dtype(object)
        except TypeError:
            common = np.dtype(object)
        return {"kind": "series", "columns": (None,), "dtypes": (common,), "divisions": (None, None),
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
    if how == "len":
        return {"n": len(df)}
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
    if how == "mean":
        return {"s": df.sum(), "n": df.count()}
    # var/std: count, mean, sum of squared deviations
    n = df.count()
    mean = df.mean()
    m2 = ((df - mean) ** 2).sum()
    return {"n": n, "mean": mean, "m2": m2}


def combine_states(states, how):
    if how == "len":
        return {"n": sum(s["n"] for s in states)}
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
    if how == "len":
        return state["n"]
    if how in ("sum", "count"):
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
    return r


class ReducePartial(FrameNode):
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
        n = -(-self.child.npartitions // self.split)
        kind = self.out_kind if self.final else "state"
        return {"kind": kind, "columns": (None,), "dtypes": (self.out_dtype,), "divisions": (None,) * (n + 1)}

    def block_dependencies(self, idx):
        c = self.child
        lo = idx[0] * self.split
        return [(c, (i,)) for i in range(lo, min(lo + self.split, c.npartitions))]

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
             "size": ("size",)}
_COMBINE = {"sum": "sum", "count": "sum", "min": "min", "max": "max", "size": "sum"}


class GroupbyAgg(FrameNode):
    """``df.groupby(by).agg(spec)``; ``spec`` is a tuple of ``(column, how)``; ``shape`` says how the
    result is laid out: ``"flat"`` (one column per entry), ``"multi"`` (MultiIndex columns) or
    ``"series"`` (a single series)."""

    _fields = ("child", "by", "spec", "shape", "split_every")
    _defaults = {"split_every": 8}
    op_name = "groupby-agg"

    def _props(self):
        c = self.child
        dm = c.dtype_map
        for b in self.by:
            if b not in dm:
                raise KeyError(f"groupby key {b!r} not found; columns are {list(c.columns)}")
        for col, how in self.spec:
            if how not in _PARTIALS:
                raise ValueError(f"unsupported groupby aggregation {how!r}; supported: {sorted(_PARTIALS)}")
            if how != "size" and col not in dm:
                raise KeyError(f"column {col!r} not found; columns are {list(c.columns)}")
            if how in ("sum", "mean") and not _numeric(dm[col]):
                raise TypeError(f"groupby {how} needs numeric data; column {col!r} has dtype {dm[col]}")
        meta = _gb_final(_gb_combine([_gb_partial(c.meta, self.by, self.spec)], self.by, self.spec),
                         self.by, self.spec, self.shape)
        if isinstance(meta, pd.Series):
            return {"kind": "series", "columns": (meta.name,), "dtypes": (meta.dtype,), "divisions": (None, None)}
        return {"kind": "frame", "columns": tuple(meta.columns), "dtypes": tuple(meta.dtypes),
                "divisions": (None, None)}

    def label(self):
        return f"groupby({', '.join(map(str, self.by))}).agg({', '.join(f'{c}:{h}' for c, h in self.spec)})"


def _stat_name(col, stat):
    return f"{col}|{stat}"


def _gb_partial(df, by, spec):
    g = df.groupby(list(by), sort=False, observed=True)
    cols = {}
    for col, how in spec:
        for stat in _PARTIALS[how]:
            name = _stat_name(col, stat)
            if name in cols:
                continue
            cols[name] = g.size() if stat == "size" else getattr(g[col], stat)()
    return pd.DataFrame(cols)


def _gb_combine(parts, by, spec):
    df = pd.concat(parts) if len(parts) > 1 else parts[0]
    aggs = {}
    for col, how in spec:
        for stat in _PARTIALS[how]:
            aggs[_stat_name(col, stat)] = _COMBINE[stat] if stat in _COMBINE else stat
    return df.groupby(level=list(range(len(by))), sort=False).agg(aggs)


def _gb_final(df, by, spec, shape):
    out = {}
    for col, how in spec:
        if how == "mean":
            v = df[_stat_name(col, "sum")] / df[_stat_name(col, "count")]
        else:
            v = df[_stat_name(col, _PARTIALS[how][0])]
        out[(col, how)] = v
    df = df.sort_index()
    res = pd.DataFrame({k: v.loc[df.index] for k, v in out.items()}, index=df.index)
    if shape == "multi":
        res.columns = pd.MultiIndex.from_tuples(list(out))
    else:
        res.columns = [c if h != "size" else "size" for c, h in out]
    if shape == "series":
        s = res.iloc[:, 0]
        col, how = spec[0]
        return s.rename(None if how == "size" else col)
    return res


class GroupbyPartial(FrameNode):
    _fields = ("child", "by", "spec")
    op_name = "groupby-partial"
    is_blockwise = True

    def _props(self):
        return {"kind": "state", "columns": (None,), "dtypes": (None,), "divisions": self.child.divisions}

    def _extra_props(self):
        return {"bw_inputs": ((self.child, (0,)),), "bw_func": _GbPartial(self.by, self.spec)}


class _GbPartial:
    __slots__ = ("by", "spec")

    def __init__(self, by, spec):
        self.by, self.spec = by, spec

    def __call__(self, df):
        return _gb_partial(df, self.by, self.spec)

    def __reduce__(self):
        return (_GbPartial, (self.by, self.spec))


class GroupbyCombine(FrameNode):
    _fields = ("child", "by", "spec", "shape", "split", "final", "out_kind", "out_columns", "out_dtypes")
    op_name = "groupby-combine"

    def _props(self):
        n = -(-self.child.npartitions // self.split)
        return {"kind": self.out_kind if self.final else "state", "columns": self.out_columns,
                "dtypes": self.out_dtypes, "divisions": (None,) * (n + 1)}

    def block_dependencies(self, idx):
        c = self.child
        lo = idx[0] * self.split
        return [(c, (i,)) for i in range(lo, min(lo + self.split, c.npartitions))]

    def block_task(self, key, idx):
        refs = [TaskRef((c.name, i)) for c, (i,) in self.block_dependencies(idx)]
        return Task(key, _gb_combine_task, self.by, self.spec, self.shape if self.final else None, *refs)

    def label(self):
        return f"groupby-{'aggregate' if self.final else 'combine'}(split={self.split})"


def _gb_combine_task(by, spec, shape, *parts):
    df = _gb_combine(list(parts), by, spec)
    return df if shape is None else _gb_final(df, by, spec, shape)
