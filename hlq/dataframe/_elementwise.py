"""Element-wise Series/DataFrame methods (``where``, ``clip``, ``isin``, ``map``, ...) as column expressions.

Every method here builds a ``("call", Call, operands)`` column expression
(:mod:`hlq.dataframe.nodes.calls`) over the frame the series comes from, so
the result is one :class:`~hlq.dataframe.nodes.ops.SeriesExpr` (or one
``Assign`` for a DataFrame): projection and predicate pushdown see through it,
and dtype errors surface at build time, evaluated on empty pandas objects.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> pdf = pd.DataFrame({"x": [-2.0, 0.5, 3.0], "y": [1, 2, 3]})
>>> df = dd.from_pandas(pdf, npartitions=2)
>>> df.x.clip(-1, 1).where(df.y > 1, 0.0).compute().tolist()
[0.0, 0.5, 1.0]
>>> df.y.isin([1, 3]).compute().tolist()
[True, False, True]
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from hlq.dataframe.nodes.calls import Call, nonempty_frame, nonempty_series
from hlq.dataframe.nodes.colexpr import BINARY, ufunc_tag
from hlq.dataframe._frame_methods import align_partitions
from hlq.dataframe.nodes.index_values import IndexValues
from hlq.dataframe.nodes.lineage import frame_column_exprs
from hlq.dataframe.nodes.multipart import ZipPartitions
from hlq.dataframe.nodes.ops import Assign, AssignFrom, MapPartitions, MetaBox, Project, SeriesExpr
from hlq.dataframe.nodes.ops import ToFrame as _ToFrame, WithScalar
from hlq.dataframe.nodes.generic_sources import DelayedValue
from hlq.lower.protocol import DelayedRef
from hlq.dataframe.nodes.reduction import Fn, TreeAgg

__all__ = ["series_call", "frame_call", "frame_column_exprs", "meta_dtype", "elemwise"]

_KEEP = object()


def series_call(s, path, *others, args=(), kwargs=(), attr=False, dtype=None, name=_KEEP):
    """``s.<path>(*others, *args, **kwargs)`` as a column expression.

    ``others`` are scalars or Series; Series computed from the same frame as
    ``s`` join its expression, others (aligned, same partitions) are zipped in
    as extra columns of a small frame first.
    """
    # import cycle: hlq.dataframe._core imports hlq.dataframe._elementwise
    from hlq.dataframe._core import Series

    nm = s.name if name is _KEEP else name
    call = Call(path, args, kwargs, attr, dtype)
    f, e = s._expr()
    ops = []
    if f is not None:
        for o in others:
            if isinstance(o, Series):
                f2, e2 = o._expr()
                if f2 is not f:
                    break
                ops.append(e2)
            else:
                ops.append(("lit", o))
        else:
            return Series(SeriesExpr(f, ("call", call, (e, *ops)), nm))
    # general case: put s and the series operands side by side in one frame (realigned first)
    # import cycle: hlq.dataframe._core imports hlq.dataframe._elementwise
    from hlq.dataframe._core import realign

    colls = iter(realign(s, *[o for o in others if isinstance(o, Series)]))
    s = next(colls)
    others = [next(colls) if isinstance(o, Series) else o for o in others]
    frame = MapPartitions(s._node, _ToFrame("__0"), (), (), MetaBox(s._meta.to_frame("__0")), True)
    ops = [("col", "__0")]
    for i, o in enumerate(others, 1):
        if isinstance(o, Series):
            frame = AssignFrom(frame, f"__{i}", o._node)
            ops.append(("col", f"__{i}"))
        else:
            ops.append(("lit", o))
    return Series(SeriesExpr(frame, ("call", call, tuple(ops)), nm))


def frame_call(df, path, args=(), kwargs=(), columns=None, per_column=None):
    """``df[c].<path>(*args, **kwargs)`` for every column ``c`` (or ``columns``), as one assign.

    ``per_column(c)`` may return ``(others, args, kwargs)`` to vary the call by
    column, or ``None`` to leave the column unchanged.
    """
    # import cycle: hlq.dataframe._core imports hlq.dataframe._elementwise
    from hlq.dataframe._core import DataFrame

    node = df._node
    pairs = []
    for c in node.columns if columns is None else columns:
        if per_column is None:
            pairs.append((c, ("call", Call(path, args, kwargs), (("col", c),))))
            continue
        spec = per_column(c)
        if spec is None:
            continue
        others, a, k = spec
        pairs.append((c, ("call", Call(path, a, k), (("col", c), *others))))
    return DataFrame(Assign(node, tuple(pairs))) if pairs else df


# ------------------------------------------------------------------------ meta
def meta_dtype(meta, default_name=_KEEP):
    """``(name, dtype)`` from a dask-style ``meta``: a Series, a ``(name, dtype)`` tuple, a dtype or None."""
    if meta is None:
        return default_name, None
    if isinstance(meta, pd.Series):
        return meta.name, meta.dtype
    if isinstance(meta, tuple) and len(meta) == 2:
        return meta[0], pd.api.types.pandas_dtype(meta[1])
    if isinstance(meta, (pd.DataFrame, dict)):
        raise ValueError("meta for an element-wise Series method must describe a Series")
    return default_name, pd.api.types.pandas_dtype(meta)


# --------------------------------------------------------------- series methods
def where(s, cond, other=np.nan):
    """``s.where(cond, other)``."""
    return _where_mask(s, "where", cond, other)


def mask(s, cond, other=np.nan):
    """``s.mask(cond, other)``."""
    return _where_mask(s, "mask", cond, other)


def _where_mask(s, how, cond, other):
    """A column expression when ``cond`` and ``other`` are scalars, callables or Series with the
    partitions of ``s``; otherwise partition by partition (:func:`zip_call`: realigned
    collections, pandas objects as aligned collections)."""
    # import cycle: hlq.dataframe._core imports hlq.dataframe._elementwise
    from hlq.dataframe._core import _Frame, Series

    n = s._node
    for o in (cond, other):
        if isinstance(o, (pd.Series, pd.DataFrame, np.ndarray, list)) or (
                isinstance(o, _Frame) and (not isinstance(o, Series) or o.npartitions != n.npartitions
                                           or o._node.divisions != n.divisions)):
            return zip_call(s, how, (cond, other), keep_index=True)
    return series_call(s, how, cond, other)


def clip(s, lower=None, upper=None):
    """``s.clip(lower, upper)`` (scalar or same-frame Series bounds)."""
    return series_call(s, "clip", lower, upper)


def between(s, left, right, inclusive="both"):
    """``s.between(left, right, inclusive)``."""
    return series_call(s, "between", left, right, kwargs={"inclusive": inclusive})


def isin_values(s, values):
    """``s.isin(values)`` where ``values`` arrives computed (a list, or a scalar from a meta sample)."""
    if isinstance(values, (str, bytes)) or not np.iterable(values):
        values = [values]
    return s.isin(list(values))


BINARY.setdefault("isin_", isin_values)


def isin(s, values):
    """``s.isin(values)``; ``values`` a list-like of literals."""
    if isinstance(values, (str, bytes)) or not np.iterable(values):
        raise TypeError(f"only list-like objects are allowed to be passed to isin(), you passed a "
                        f"`{type(values).__name__}`")
    if hasattr(values, "_node"):
        return isin_lazy(s, values)
    values = list(values)
    from dask.base import is_dask_collection

    if any(is_dask_collection(v) for v in values):  # e.g. delayed values: computed with the graph
        import dask

        # import cycle: hlq.dataframe._core imports hlq.dataframe._elementwise
        from hlq.dataframe._core import Series

        lazy = DelayedValue(DelayedRef(dask.delayed(values, traverse=True)))
        return Series(WithScalar("isin_", s._node, lazy))
    return series_call(s, "isin", args=(values,))


def meta_warning(meta, method):
    """dask's warning when a user function's result type is guessed from fake data."""
    if isinstance(meta, pd.DataFrame):
        shown = {k: str(v) for k, v in meta.dtypes.items()}
    elif isinstance(meta, (pd.Series, pd.Index)):
        shown = (meta.name, str(meta.dtype))
    else:
        shown = None
    msg = (f"\nYou did not provide metadata, so the output type of `{method}` is guessed by running your function "
           f"on a small fake dataset; the guess may be wrong.\nTo give the output type and silence this warning, "
           f"pass the `meta=` keyword of `{method}`.")
    if shown is not None:
        msg += f"\n  Before: .{method}(func)\n  After:  .{method}(func, meta={shown})\n"
    return msg


def map_meta(base_meta, arg, na_action=None, meta=None, method="map"):
    """The empty pandas result of ``base.map(arg)``: ``meta`` as given (an empty pandas object, a
    ``(name, dtype)`` tuple, a dtype, an Index or a collection), else ``map`` run on fake data like
    dask (a function failing there raises ``ValueError`` asking for ``meta=``) with dask's warning."""
    from dask.dataframe.utils import make_meta, meta_nonempty  # deferred: dask.dataframe is slow to import

    if meta is not None:
        if hasattr(meta, "_meta"):
            meta = meta._meta
        if isinstance(meta, pd.Index):
            return pd.Series([], dtype=meta.dtype, name=meta.name)
        return make_meta(meta)
    sample = meta_nonempty(base_meta)
    mapper = meta_nonempty(arg._meta) if hasattr(arg, "_meta") else arg
    try:
        with np.errstate(all="ignore"):
            out = sample.map(mapper, na_action=na_action)
    except Exception as exc:
        raise ValueError(f"Metadata inference failed in `{method}`: your function raised {type(exc).__name__}: "
                         f"{exc} on fake data.\nProvide the output type with the `meta=` keyword (an empty "
                         f"pandas object or a (name, dtype) tuple).") from exc
    out = pd.Series([], dtype=out.dtype, name=out.name) if isinstance(out, pd.Index) else out.iloc[:0]
    warnings.warn(meta_warning(out, method), UserWarning, stacklevel=4)
    return out


class _MapWith:
    """Partition function: ``part.map(mapper)`` with the mapper's one partition broadcast (an Index:
    its ``map``, given back as a Series indexed by the result, as :class:`IndexValues` expects)."""

    __slots__ = ("na_action", "on_index")

    def __init__(self, na_action, on_index):
        self.na_action, self.on_index = na_action, on_index

    def __call__(self, part, mapper):
        if self.on_index:
            out = part.index.map(mapper, na_action=self.na_action)
            return pd.Series(out, index=out, name=out.name)
        return part.map(mapper, na_action=self.na_action)

    def __reduce__(self):
        return (_MapWith, (self.na_action, self.on_index))


def map_lazy(s, arg, na_action, meta):
    """``s.map(arg)`` for an hlq Series ``arg`` not computed from ``s``'s frame: like dask, ``arg``
    becomes one partition, which every partition of ``s`` looks its values up in.  The result of a
    Series keeps ``s``'s divisions; that of an Index is an Index of unknown divisions."""
    # import cycle: hlq.dataframe._core imports hlq.dataframe._elementwise
    from hlq.dataframe._core import new_collection
    # import cycle: hlq.dataframe._index imports hlq.dataframe._core, which imports this module
    from hlq.dataframe._index import Index

    on_index = isinstance(s, Index)
    meta = map_meta(s._meta, arg, na_action, meta)
    mapper = arg if arg.npartitions == 1 else arg.repartition(npartitions=1)
    f = _MapWith(na_action, on_index)
    if on_index:
        meta = pd.Series([], dtype=meta.dtype, index=pd.Index([], dtype=meta.dtype, name=meta.name), name=meta.name)
        node = ZipPartitions((s._node, mapper._node), f, MetaBox(meta), (1,))
        return Index(IndexValues(_unknown_divisions(node)))
    return new_collection(ZipPartitions((s._node, mapper._node), f, MetaBox(meta), (1,)))


def _unknown_divisions(node):
    # import cycle: hlq.dataframe._core imports hlq.dataframe._elementwise
    from hlq.dataframe._core import new_collection

    return new_collection(node).clear_divisions()._node


def map_values(s, arg, na_action=None, meta=None):
    """``s.map(arg)`` with a dict, a pandas Series, a function or an hlq Series; ``meta`` declares
    the result, else it is inferred on fake data with dask's warning."""
    # import cycle: hlq.dataframe._core imports hlq.dataframe._elementwise
    from hlq.dataframe._core import Series

    kw = {} if na_action is None else {"na_action": na_action}
    if isinstance(arg, Series):
        f, _ = s._expr()
        f2, _ = arg._expr()
        if f is None or f2 is not f:
            return map_lazy(s, arg, na_action, meta)
        out = map_meta(s._meta, arg, na_action, meta)  # computed from the same frame: partition-wise
        return series_call(s, "map", arg, kwargs=kw, dtype=out.dtype, name=out.name)
    out = map_meta(s._meta, arg, na_action, meta)
    return series_call(s, "map", args=(arg,), kwargs=kw, dtype=out.dtype, name=out.name)


def apply_values(s, func, args=(), meta=None, **kwds):
    """``s.apply(func, args=args, **kwds)`` element-wise; ``meta`` declares the result."""
    name, dt = meta_dtype(meta)
    kw = dict(kwds)
    if args:
        kw["args"] = tuple(args)
    if dt is None:
        dt = _infer_dtype(s, Call("apply", (func,), kw))
    return series_call(s, "apply", args=(func,), kwargs=kw, dtype=dt, name=name)


# ---------------------------------------------------------------- frame methods
def frame_where(df, cond, other=np.nan, how="where"):
    """``df.where(cond, other)`` / ``df.mask(cond, other)``.

    A boolean frame computed column-wise from ``df`` and a scalar ``other`` give one column
    expression per column; any other ``cond``/``other`` (another collection, a pandas object, a
    callable, an array of ``df``'s shape) is applied partition by partition, as dask does:
    collections realigned with ``df``, pandas objects first split into partitions."""
    # import cycle: hlq.dataframe._core imports hlq.dataframe._elementwise
    from hlq.dataframe._core import DataFrame, _Frame

    if callable(cond) and not isinstance(cond, _Frame):
        cond = cond(df)
    if callable(other) and not isinstance(other, _Frame):
        other = other(df)
    if isinstance(cond, DataFrame) and pd.api.types.is_scalar(other):
        m = frame_column_exprs(cond._node, df._node)
        if m is not None:
            default = ("lit", how == "mask")  # pandas: a column missing from cond is all-False
            return frame_call(df, how, per_column=lambda c: ((m.get(c, default), ("lit", other)), (), ()))
    return zip_call(df, how, (cond, other), keep_index=True)


def zip_call(obj, name, args, kwargs=None, keep_index=False):
    """``obj.<name>(*args, **kwargs)`` partition by partition, where ``args`` may hold hlq
    collections (realigned with ``obj``: partition ``i`` of each is passed), pandas objects (made
    collections of two partitions, then realigned, as dask aligns them) and constants (passed
    whole to every partition) or lazy Scalars (sent to every partition).  The result's meta is the call on the empty metas (so a constant
    of the wrong shape raises here, like dask); ``keep_index``: the result is labelled like
    ``obj`` (``where``/``mask``)."""
    # import cycle: hlq.dataframe._core imports hlq.dataframe._elementwise
    from hlq.dataframe._core import _Frame, new_collection, realign, Scalar
    # import cycle: hlq.dataframe._io imports hlq.dataframe._core
    from hlq.dataframe._io import from_pandas

    kwargs = dict(kwargs or {})
    args = [from_pandas(a, npartitions=2) if isinstance(a, (pd.Series, pd.DataFrame)) else a for a in args]
    meta = getattr(obj._meta, name)(*[a._meta if isinstance(a, (_Frame, Scalar)) else a for a in args], **kwargs)
    if keep_index and len(meta) == 0:
        meta = meta.set_axis(obj._meta.index[:0], axis=0)  # the rows (and labels) are obj's
    colls = list(realign(obj, *[a for a in args if isinstance(a, _Frame)]))
    scalars = [a for a in args if isinstance(a, Scalar)]  # one value, sent to every partition
    template, k, j = [], 1, len(colls)
    for a in args:
        if isinstance(a, _Frame):
            template.append(("part", k))
            k += 1
        elif isinstance(a, Scalar):
            template.append(("part", j))
            j += 1
        else:
            template.append(("const", a))
    func = _ZipCall(name, tuple(template), tuple(sorted(kwargs.items())))
    nodes = tuple(c._node for c in colls) + tuple(a._node for a in scalars)
    broadcast = tuple(range(len(colls), len(nodes)))
    return new_collection(ZipPartitions(nodes, func, MetaBox(meta), broadcast))


class _ZipCall:
    """Partition function ``parts[0].<name>(*args, **kwargs)``: an argument is ``("part", k)``
    (partition ``k`` of the zipped inputs) or ``("const", value)``."""

    __slots__ = ("name", "template", "kwargs")

    def __init__(self, name, template, kwargs):
        self.name, self.template, self.kwargs = name, template, kwargs

    def __call__(self, *parts):
        args = [parts[v] if tag == "part" else v for tag, v in self.template]
        return getattr(parts[0], self.name)(*args, **dict(self.kwargs))

    def __reduce__(self):
        return (_ZipCall, (self.name, self.template, self.kwargs))


def frame_isin(df, values):
    """``df.isin(values)``: a list-like for every column, or a dict of per-column lists."""
    if isinstance(values, dict):
        return frame_call(df, "isin", per_column=lambda c: ((), (list(values.get(c, [])),), ()))
    if isinstance(values, (str, bytes)) or not np.iterable(values):
        raise TypeError(f"only list-like or dict-like objects are allowed to be passed to DataFrame.isin(), "
                        f"you passed a `{type(values).__name__}`")
    vals = list(values)
    return frame_call(df, "isin", per_column=lambda c: ((), (vals,), ()))


def frame_round(df, decimals=0):
    """``df.round(decimals)``: numeric columns rounded (an int or a per-column dict), others unchanged."""
    dm = df._node.dtype_map

    def spec(c):
        d = decimals.get(c) if isinstance(decimals, dict) else decimals
        if d is None or not _numeric(dm[c]):
            return None
        return ((), (d,), ())

    return frame_call(df, "round", per_column=spec)


def frame_clip(df, lower=None, upper=None):
    """``df.clip(lower, upper)`` with scalar bounds."""
    return frame_call(df, "clip", per_column=lambda c: ((("lit", lower), ("lit", upper)), (), ()))


def frame_replace(df, to_replace=None, value=None, regex=False):
    """``df.replace(...)``: ``{col: {old: new}}`` per column, else the same replacement in every column."""
    dm = df._node.dtype_map
    if isinstance(to_replace, dict) and to_replace and all(isinstance(v, dict) for v in to_replace.values()):
        for c in to_replace:
            if c not in dm:
                raise KeyError(f"column {c!r} not found; columns are {list(df._node.columns)}")
        return frame_call(df, "replace", per_column=lambda c: None if c not in to_replace else
                          ((), (to_replace[c],), {"regex": regex}))
    kw = {"regex": regex} if value is None else {"value": value, "regex": regex}
    return frame_call(df, "replace", args=(to_replace,), kwargs=kw)


class _ApplyRows:
    __slots__ = ("func", "args", "kwds")

    def __init__(self, func, args, kwds):
        self.func, self.args, self.kwds = func, args, kwds

    def __call__(self, df):
        return df.apply(self.func, axis=1, args=self.args, **dict(self.kwds))

    def __reduce__(self):
        return (_ApplyRows, (self.func, self.args, self.kwds))


def frame_apply(df, func, axis=0, args=(), meta=None, columns=None, **kwds):
    """``df.apply(func, axis=1, meta=...)``: ``func`` on every row; ``columns`` declares the columns it reads."""
    if axis not in (1, "columns"):
        raise NotImplementedError("DataFrame.apply only supports axis=1 (row-wise), like dask.dataframe; "
                                  "try df.map_partitions(lambda p: p.apply(func, axis=0))")
    f = _ApplyRows(func, tuple(args), tuple(sorted(kwds.items())))
    if meta is None:  # like dask: run func on a small fake partition (pass meta= to be sure)
        try:
            meta = f(nonempty_frame(df._meta)).iloc[:0]
        except Exception as exc:
            raise ValueError("DataFrame.apply(axis=1) could not infer the result from fake data; pass meta= "
                             "(an empty Series/DataFrame or a (name, dtype) tuple)") from exc
    return df.map_partitions(f, meta=meta, columns=columns)


def _numeric(dt):
    return getattr(dt, "kind", "O") in "biufc" or (hasattr(dt, "numpy_dtype") and dt.numpy_dtype.kind in "biufc")


def _infer_dtype(s, call):
    """Result dtype of a user function, run (like dask) on a small fake series; None if it fails."""
    try:
        return call(nonempty_series(s.dtype, s.name)).dtype
    except Exception:
        return None


# ------------------------------------------------------------ isin with a lazy collection
def _distinct_values(x):
    """The distinct values of a partition (or of concatenated states) as a pandas Series."""
    if isinstance(x, pd.DataFrame):
        x = x.iloc[:, 0]
    return pd.Series(pd.unique(x.to_numpy(dtype=object) if x.dtype == object else x.to_numpy()))


def _concat_distinct(states):
    return _distinct_values(pd.concat(states) if len(states) > 1 else states[0])


def isin_lazy(s, values):
    """``s.isin(values)`` for an hlq Series (or one-column DataFrame) ``values``: its distinct
    values are gathered by a tree aggregation into one lazy value, which every partition of ``s``
    tests against (like dask, which computes the values into the graph)."""
    # import cycle: hlq.dataframe._core imports hlq.dataframe._elementwise
    from hlq.dataframe._core import DataFrame, Series

    if isinstance(values, DataFrame):
        if len(values.columns) != 1:
            raise ValueError("isin with a lazy DataFrame needs exactly one column")
    elif not isinstance(values, Series):
        raise NotImplementedError(f"isin with a lazy {type(values).__name__}: compute it first "
                                  f"(s.isin(values.compute()))")
    if values.npartitions != 1:  # dask's rule: a lazy collection is broadcast, so one partition
        raise NotImplementedError(f"Passing a {type(values).__name__} of {values.npartitions} partitions to "
                                  f"`isin`: repartition it to one partition first "
                                  f"(s.isin(values.repartition(npartitions=1)))")
    agg = TreeAgg(values._node, Fn(_distinct_values), Fn(_concat_distinct), Fn(_distinct_values),
                  MetaBox(np.dtype(object)), 8, False, "distinct-values")
    return Series(WithScalar("isin_", s._node, agg))


# ------------------------------------------------------------ numpy ufuncs and element-wise functions
class _Elemwise:
    """Partition function of :func:`elemwise`: ``op`` over the partitions (and broadcast scalar values)
    at their argument positions, with the other arguments fixed."""

    __slots__ = ("op", "slots", "kwargs")

    def __init__(self, op, slots, kwargs):
        # slots: per argument, ("part", k) for the k-th input of the node, or ("lit", value)
        self.op, self.slots, self.kwargs = op, slots, kwargs

    def __call__(self, *parts):
        args = [parts[v] if kind == "part" else v for kind, v in self.slots]
        return self.op(*args, **dict(self.kwargs))

    def __reduce__(self):
        return (_Elemwise, (self.op, self.slots, self.kwargs))


def _sample(x):
    """A small non-empty stand-in of a collection (a Scalar: a value of its dtype) for meta inference."""
    # import cycle: hlq.dataframe._core imports hlq.dataframe._elementwise
    from hlq.dataframe._core import Scalar

    if isinstance(x, Scalar):
        return x._meta
    if isinstance(x._meta, pd.Index):
        from dask.dataframe.utils import meta_nonempty  # deferred: dask.dataframe is slow to import

        return meta_nonempty(x._meta)
    fake = nonempty_frame(x._meta) if isinstance(x._meta, pd.DataFrame) else nonempty_series(x.dtype, x.name)
    return fake


def _handle_out(out, result):
    """numpy's ``out=``: the collection given as ``out`` now stands for ``result`` (as dask does)."""
    if isinstance(out, tuple):
        if len(out) > 1:
            raise NotImplementedError("The `out` parameter with length > 1 is not supported")
        out = out[0] if out else None
    if out is None:
        return result
    if type(out) is not type(result):
        raise TypeError(f"Mismatched types between result and out parameter. out={type(out)}, "
                        f"result={type(result)}")
    if hasattr(out, "columns") and len(out.columns) != len(result.columns):
        raise ValueError(f"Mismatched columns count between result and out parameter. out={len(out.columns)}, "
                         f"result={len(result.columns)}")
    out._rebind(result)
    return out


#: two-input numpy ufuncs pandas runs as the DataFrame operator (column by column)
_DUNDER = frozenset({"add", "subtract", "multiply", "power", "remainder", "floor_divide", "true_divide", "divide",
                     "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "bitwise_or",
                     "bitwise_and", "bitwise_xor", "matmul"})


def elemwise(op, *args, out=None, **kwargs):
    """``op(*args, **kwargs)`` element-wise over hlq collections, pandas objects and scalars, like
    dask's ``elemwise`` (what numpy ufuncs and dask.array's ufunc wrappers call).

    pandas Series/DataFrames become one-partition collections; collections are aligned (repartitioned
    at the union of their known divisions, see :func:`hlq.dataframe._frame_methods.align_partitions`);
    lazy Scalars are broadcast to every partition.  A one- or two-input numpy ufunc without keywords
    becomes a column expression (so projections and filters see through it); other functions run
    per partition.  On an :class:`~hlq.dataframe.Index` the result is an Index (with the divisions
    mapped when the ufunc keeps the order).  ``out`` (a collection, or a 1-tuple) is rebound to the
    result.

    Parameters
    ----------
    op : callable
        A numpy ufunc or an element-wise function of pandas objects.
    *args
        Collections, pandas objects and scalars.
    out : collection or tuple, optional
        The collection to rebind to the result (its type must match the result's).
    **kwargs
        Keyword arguments of ``op``.

    Returns
    -------
    DataFrame, Series, Index or the ``out`` collection
    """
    # import cycle: hlq.dataframe._core imports hlq.dataframe._elementwise
    from hlq.dataframe._core import DataFrame, Scalar, Series, _Frame
    # import cycle: hlq.dataframe._index imports hlq.dataframe._core, which imports this module
    from hlq.dataframe._index import Index, index_map, ufunc_divisions
    # import cycle: hlq.dataframe._io imports hlq.dataframe._core
    from hlq.dataframe._io import from_pandas
    # import cycle: hlq.dataframe._core imports hlq.dataframe._elementwise
    from hlq.dataframe._core import new_collection

    args = [from_pandas(a, npartitions=1) if isinstance(a, (pd.Series, pd.DataFrame)) else
            a[()] if isinstance(a, np.ndarray) and a.shape == () else a for a in args]
    frames = [a for a in args if isinstance(a, _Frame)]
    if not frames:
        raise TypeError(f"elemwise({getattr(op, '__name__', op)}) needs an hlq DataFrame, Series or Index argument")
    tag = ufunc_tag(op) if isinstance(op, np.ufunc) else None
    indexes = [a for a in frames if isinstance(a, Index)]
    if indexes:
        if len(frames) > 1 or any(isinstance(a, Scalar) for a in args):
            raise NotImplementedError(f"{getattr(op, '__name__', op)} of an Index with other collections is not "
                                      f"supported; compute the Index or use its values (idx.to_series())")
        idx = indexes[0]
        pos = args.index(idx)
        f = _Elemwise(op, tuple(("part", 0) if i == pos else ("lit", a) for i, a in enumerate(args)),
                      tuple(sorted(kwargs.items())))
        divs = ufunc_divisions(tag, idx.divisions) if tag is not None and len(args) == 1 and not kwargs else None
        return _handle_out(out, index_map(idx, f, divs))
    if (tag is not None and not kwargs
            and not (len(args) == 2 and any(isinstance(a, DataFrame) for a in args) and op.__name__ not in _DUNDER)):
        # (pandas runs a two-input ufunc that is no operator on a DataFrame's values as one 2-d array:
        # mixed int/float columns give floats; that case runs per partition below)
        result = NotImplemented
        if len(args) == 1:
            result = args[0]._ufunc1(tag)
        elif isinstance(args[0], _Frame):
            result = args[0]._binop(args[1], tag)
        elif isinstance(args[1], _Frame):
            result = args[1]._binop(args[0], tag, True)
        if result is not NotImplemented:
            return _handle_out(out, result)
    args = list(align_partitions(*args))
    nodes, slots, broadcast, samples = [], [], [], []
    for a in args:
        if isinstance(a, (_Frame, Scalar)):
            if isinstance(a, Scalar):
                broadcast.append(len(nodes))
            slots.append(("part", len(nodes)))
            nodes.append(a._node)
            samples.append(_sample(a))
        else:
            slots.append(("lit", a))
            samples.append(a)
    f = _Elemwise(op, tuple(slots), tuple(sorted(kwargs.items())))
    meta = f(*[s for s, (kind, _) in zip(samples, slots) if kind == "part"])
    if not isinstance(meta, (pd.Series, pd.DataFrame)):
        raise NotImplementedError(f"{getattr(op, '__name__', op)} of an hlq collection gives a "
                                  f"{type(meta).__name__}, not a pandas object; apply it to the values "
                                  f"(x.to_dask_array()) or per partition with map_partitions")
    result = new_collection(ZipPartitions(tuple(nodes), f, MetaBox(meta.iloc[:0]), tuple(broadcast)))
    if not isinstance(result, (DataFrame, Series)):
        raise TypeError(f"elemwise({getattr(op, '__name__', op)}) gave a {type(result).__name__}")
    return _handle_out(out, result)
