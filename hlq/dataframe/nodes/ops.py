"""Per-partition dataframe operations (all blockwise: they fuse into one task per partition).

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> ddf = dd.from_pandas(pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [1, 2, 3]}), npartitions=2)
>>> f = ddf[ddf.x > 1.5]
>>> f.node.op_name, f.node.predicate
('filter', ('gt', ('col', 'x'), ('lit', 1.5)))
>>> f.compute().y.tolist()
[2, 3]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hlq.dataframe.nodes import partitioning as _part
from hlq.dataframe.nodes.base import FrameNode, same_categories
from hlq.dataframe.nodes.colexpr import BINARY, columns_of, evaluate, expr_dtype, ExprFunc, to_text
from hlq.expr.opaque import OpaqueData, loaded, stand_in

__all__ = ["Project", "SeriesExpr", "Filter", "FilterBy", "Assign", "Binary", "MapPartitions", "Head", "check_aligned"]


def check_columns(node, cols):
    """Raise ``KeyError`` naming the first of ``cols`` that ``node`` does not have."""
    have = node.dtype_map
    for c in cols:
        if c not in have:
            raise KeyError(f"column {c!r} not found; columns are {list(node.columns)}")


class _Unary(FrameNode):
    is_blockwise = True

    def _extra_props(self):
        return {"bw_inputs": ((self.child, (0,)),), "bw_func": self._func()}


class Project(_Unary):
    """``df[list_of_columns]``."""

    _fields = ("child", "cols")
    op_name = "project"

    def _props(self):
        c = self.child
        if c.kind != "frame":
            raise TypeError("column projection needs a DataFrame")
        check_columns(c, self.cols)
        dm = c.dtype_map
        return {"kind": "frame", "columns": self.cols, "dtypes": tuple(dm[k] for k in self.cols),
                "divisions": c.divisions, "lengths": c.lengths,
                "partitioning": _part.through_project(c.partitioning, self.cols)}

    def _func(self):
        return _Getitem(list(self.cols))

    def label(self):
        return f"project({', '.join(map(str, self.cols[:8]))}{', ...' if len(self.cols) > 8 else ''})"


class _Getitem:
    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key

    def __call__(self, df):
        return df[self.key]

    def __reduce__(self):
        return (_Getitem, (self.key,))


class SeriesExpr(_Unary):
    """A series computed from columns of one frame: a column expression."""

    _fields = ("child", "expr", "sname")
    #: literals of the expression given by the user (shipped opaque unless plain)
    _user_value_fields = ("expr",)
    op_name = "series"

    def _props(self):
        c = self.child
        if c.kind != "frame":
            raise TypeError("SeriesExpr needs a frame child")
        dt = expr_dtype(self.expr, c.dtype_map)
        if not hasattr(dt, "kind") and not hasattr(dt, "name"):
            dt = pd.Series([dt]).dtype
        return {"kind": "series", "columns": (self.sname,), "dtypes": (dt,),
                "divisions": c.divisions, "lengths": c.lengths, "partitioning": _part.index_only(c.partitioning)}

    def _func(self):
        return ExprFunc(self.expr, self.sname)

    def label(self):
        return f"series {self.sname} = {to_text(self.expr)}"


class Filter(_Unary):
    """Rows of ``child`` where the column expression ``predicate`` is true."""

    _fields = ("child", "predicate")
    #: literals of the condition given by the user (shipped opaque unless plain)
    _user_value_fields = ("predicate",)
    op_name = "filter"

    def _props(self):
        c = self.child
        dt = expr_dtype(self.predicate, c.dtype_map)
        if not _is_bool(dt):
            raise TypeError(f"filter needs a boolean condition, got dtype {dt}")
        d = c.divisions
        return {"kind": c.kind, "columns": c.columns, "dtypes": c.dtypes, "divisions": d, "lengths": None,
                "partitioning": c.partitioning}

    def _func(self):
        return _FilterFunc(self.predicate)

    def label(self):
        return f"filter {to_text(self.predicate)}"


def _is_bool(dt):
    return getattr(dt, "kind", None) == "b" or isinstance(dt, pd.BooleanDtype) or dt is bool


class _FilterFunc:
    __slots__ = ("pred",)

    def __init__(self, pred):
        self.pred = pred

    def __call__(self, df):
        m = evaluate(self.pred, df)
        if isinstance(m, pd.Series) and isinstance(m.dtype, pd.BooleanDtype):
            m = m.fillna(False)
        return df[m]

    def __reduce__(self):
        return (_FilterFunc, (self.pred,))


def check_aligned(a, b):
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same partitions (count and known divisions;
    two single partitions always align: pandas aligns their labels)."""
    if a.npartitions == b.npartitions == 1:
        return
    if a.npartitions != b.npartitions or (a.known_divisions and b.known_divisions and a.divisions != b.divisions):
        raise ValueError(
            f"operands are not aligned: {a.npartitions} and {b.npartitions} partitions "
            f"(divisions {a.divisions[:3]}... vs {b.divisions[:3]}...); repartition one of them"
        )


class FilterBy(FrameNode):
    """Rows of ``child`` where the boolean series ``mask`` (another plan, same partitions) is true."""

    _fields = ("child", "mask")
    op_name = "filter-by"
    is_blockwise = True

    def _props(self):
        c, m = self.child, self.mask
        if m.kind != "series" or not _is_bool(m.dtypes[0]):
            raise TypeError(f"filter needs a boolean Series, got {m.kind} of dtype {m.dtypes[0]}")
        check_aligned(c, m)
        return {"kind": c.kind, "columns": c.columns, "dtypes": c.dtypes, "divisions": c.divisions, "lengths": None,
                "partitioning": c.partitioning}

    def _extra_props(self):
        return {"bw_inputs": ((self.child, (0,)), (self.mask, (0,))), "bw_func": _filter_by}


def _filter_by(df, m):
    return df[m.reindex(df.index, fill_value=False) if not m.index.equals(df.index) else m]


class Assign(_Unary):
    """``df.assign(name=expr)``: add or replace columns with column expressions."""

    _fields = ("child", "pairs")
    #: values and literals of the assigned expressions (shipped opaque unless plain)
    _user_value_fields = ("pairs",)
    op_name = "assign"

    def _props(self):
        c = self.child
        if c.kind != "frame":
            raise TypeError("assign needs a DataFrame")
        dm = dict(c.dtype_map)
        base = c.dtype_map
        for name, e in self.pairs:
            dt = expr_dtype(e, base)
            if not hasattr(dt, "kind") and not hasattr(dt, "name"):
                dt = pd.Series([dt]).dtype
            dm[name] = dt
        cols = tuple(dm)
        return {"kind": "frame", "columns": cols, "dtypes": tuple(dm.values()), "divisions": c.divisions,
                "lengths": c.lengths,
                "partitioning": _part.through_assign(c.partitioning, [n for n, _ in self.pairs])}

    def _func(self):
        return _AssignFunc(self.pairs)

    def label(self):
        return "assign(" + ", ".join(f"{n}={to_text(e)}" for n, e in self.pairs[:4]) + (", ..." if len(self.pairs) > 4 else "") + ")"


class _AssignFunc:
    __slots__ = ("pairs",)

    def __init__(self, pairs):
        self.pairs = pairs

    def __call__(self, df):
        vals = {}
        for name, e in self.pairs:
            v = evaluate(e, df)
            vals[name] = v
        return df.assign(**vals) if all(isinstance(n, str) for n in vals) else _assign_generic(df, vals)

    def __reduce__(self):
        return (_AssignFunc, (self.pairs,))


def _assign_generic(df, vals):
    df = df.copy()
    for k, v in vals.items():
        df[k] = v
    return df


class Binary(FrameNode):
    """An element-wise operation between two aligned plans (series or frames)."""

    _fields = ("op", "left", "right")
    op_name = "binary"
    is_blockwise = True

    def _props(self):
        a, b = self.left, self.right
        check_aligned(a, b)
        meta = BINARY[self.op](a.meta, b.meta)
        divs = a.divisions
        if a.npartitions == 1 and a.divisions != b.divisions:
            # one partition each: the result holds the labels of both
            divs = (None, None)
            if a.known_divisions and b.known_divisions:
                try:
                    divs = (min(a.divisions[0], b.divisions[0]), max(a.divisions[1], b.divisions[1]))
                except TypeError:
                    pass
        if isinstance(meta, pd.Series):
            return {"kind": "series", "columns": (meta.name,), "dtypes": (meta.dtype,), "divisions": divs}
        return {"kind": "frame", "columns": tuple(meta.columns), "dtypes": tuple(meta.dtypes), "divisions": divs}

    def _extra_props(self):
        return {"bw_inputs": ((self.left, (0,)), (self.right, (0,))), "bw_func": BINARY[self.op]}


class MapPartitions(FrameNode):
    """``func(partition, *args, **kwargs)`` per partition; ``meta`` gives the result's kind/columns/dtypes."""

    _fields = ("child", "func", "args", "kwargs", "meta_", "lengths_kept", "needs")
    _defaults = {"lengths_kept": False, "needs": None}
    _opaque_fields = ("func",)
    #: arguments given by the user (shipped opaque unless plain, see hlq.lower.ship)
    _user_value_fields = ("args", "kwargs")
    op_name = "map-partitions"
    is_blockwise = True

    def _props(self):
        m = self.meta_.value
        c = self.child
        if self.needs is not None:
            check_columns(c, self.needs)
        lengths = c.lengths if self.lengths_kept else None
        # a function may declare how it moves the keys of a hash partitioning (the rows never
        # leave their partition): ``func.partitioning_rule(partitioning, *args)``
        rule = getattr(self.func, "partitioning_rule", None)
        part = rule(c.partitioning, *self.args) if rule is not None and c.partitioning is not None else None
        if isinstance(m, pd.DataFrame):
            return {"kind": "frame", "columns": tuple(m.columns), "dtypes": tuple(m.dtypes), "divisions": c.divisions,
                    "lengths": lengths, "partitioning": part}
        if isinstance(m, pd.Series):
            return {"kind": "series", "columns": (m.name,), "dtypes": (m.dtype,), "divisions": c.divisions,
                    "lengths": lengths, "partitioning": part}
        raise TypeError(f"map_partitions meta must be a pandas DataFrame or Series, got {type(m).__name__}")

    def _extra_props(self):
        return {"bw_inputs": ((self.child, (0,)),), "bw_func": _Call(self.func, self.args, self.kwargs)}

    def label(self):
        return f"map-partitions({getattr(self.func, '__name__', 'func')})"


class MetaBox:
    """A pandas meta object held by identity in a node field."""

    __slots__ = ("value", "_tok")
    #: compared by token, never changed: parameter token caches may keep it as a key
    __hlq_value__ = True

    def __init__(self, value):
        self.value = value
        from dask.base import tokenize

        self._tok = tokenize(value)

    def __dask_tokenize__(self):
        return ("meta", self._tok)

    def __hash__(self):
        return hash(self._tok)

    def __eq__(self, other):
        return isinstance(other, MetaBox) and other._tok == self._tok

    def __reduce__(self):
        return (MetaBox, (self.value,))


class _Call:
    __slots__ = ("func", "args", "kwargs")

    def __init__(self, func, args, kwargs):
        self.func, self.args, self.kwargs = func, args, kwargs

    def __call__(self, df):
        # values shipped opaque (user objects) are loaded here, on the worker
        args = [a.load() if isinstance(a, OpaqueData) else a for a in self.args]
        kwargs = {k: v.load() if isinstance(v, OpaqueData) else v for k, v in self.kwargs}
        return self.func(df, *args, **kwargs)

    def __reduce__(self):
        return (_Call, (self.func, self.args, self.kwargs))


class Head(FrameNode):
    """The first ``n`` rows, read from the first ``k`` partitions only (one output partition)."""

    _fields = ("child", "n", "k")
    op_name = "head"

    def _props(self):
        c = self.child
        return {"kind": c.kind, "columns": c.columns, "dtypes": c.dtypes, "divisions": (c.divisions[0], None),
                "lengths": None}

    def block_dependencies(self, idx):
        # a lowering may give the child fewer partitions than when ``k`` was chosen (a broadcast join)
        return [(self.child, (i,)) for i in range(min(self.k, self.child.npartitions))]

    def block_task(self, key, idx):
        from dask._task_spec import Task, TaskRef

        c = self.child
        return Task(key, _head, self.n, *[TaskRef((c.name, i)) for i in range(min(self.k, c.npartitions))])

    def label(self):
        return f"head({self.n}, partitions {self.k}/{self.child.npartitions})"


def _head(n, *parts):
    if len(parts) == 1:
        return parts[0].head(n)
    return pd.concat(same_categories(parts)).head(n)


del columns_of


class AssignFrom(FrameNode):
    """``df.assign(name=s)`` for a series ``s`` of another plan with the same partitions."""

    _fields = ("child", "cname", "other")
    op_name = "assign-from"
    is_blockwise = True

    def _props(self):
        c, o = self.child, self.other
        if c.kind != "frame" or o.kind != "series":
            raise TypeError("assign needs a DataFrame and a Series")
        check_aligned(c, o)
        dm = dict(c.dtype_map)
        dm[self.cname] = o.dtypes[0]
        return {"kind": "frame", "columns": tuple(dm), "dtypes": tuple(dm.values()), "divisions": c.divisions,
                "lengths": c.lengths}

    def _extra_props(self):
        return {"bw_inputs": ((self.child, (0,)), (self.other, (0,))), "bw_func": _AssignFromFunc(self.cname)}


class _AssignFromFunc:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __call__(self, df, s):
        return _assign_generic(df, {self.name: s})

    def __reduce__(self):
        return (_AssignFromFunc, (self.name,))


class Rename(_Unary):
    """``df.rename(columns=mapping)``; ``mapping`` is a tuple of ``(old, new)`` pairs."""

    _fields = ("child", "mapping")
    op_name = "rename"

    def _props(self):
        c = self.child
        if c.kind != "frame":
            raise TypeError("rename(columns=) needs a DataFrame")
        m = dict(self.mapping)
        cols = tuple(m.get(k, k) for k in c.columns)
        return {"kind": "frame", "columns": cols, "dtypes": c.dtypes, "divisions": c.divisions, "lengths": c.lengths,
                "partitioning": _part.through_rename(c.partitioning, self.mapping)}

    def _func(self):
        return _RenameFunc(self.mapping)

    def label(self):
        return "rename(" + ", ".join(f"{a}->{b}" for a, b in self.mapping[:6]) + ")"


class _RenameFunc:
    __slots__ = ("mapping",)

    def __init__(self, mapping):
        self.mapping = mapping

    def __call__(self, df):
        m = dict(self.mapping)
        if isinstance(df.columns, pd.MultiIndex):  # pandas renames labels of each level there
            return df.set_axis([m.get(c, c) for c in df.columns], axis=1)
        return df.rename(columns=m)

    def __reduce__(self):
        return (_RenameFunc, (self.mapping,))


class WithScalar(FrameNode):
    """``op(left, right)`` where at least one side is a lazy scalar (e.g. ``s - s.mean()``);
    a python value stands for itself.  The scalar's one block is read by every partition."""

    _fields = ("op", "left", "right")
    #: the python value side (shipped opaque unless plain)
    _user_value_fields = ("left", "right")
    op_name = "with-scalar"
    is_blockwise = True

    def _props(self):
        sides = [x for x in (self.left, self.right) if isinstance(x, FrameNode)]
        big = next((x for x in sides if x.kind != "scalar"), None)

        def sample(x):
            if not isinstance(x, FrameNode):
                return stand_in(x)
            if x.kind == "scalar":
                dt = x.dtypes[0]
                kind = getattr(dt, "kind", "O")
                if kind in "biufc":
                    return dt.type(1)
                if kind in "mM":  # a time or duration of the column's unit (and zone)
                    return pd.Series([0], dtype="int64").astype(dt).iloc[0]
                return pd.Series([], dtype=dt).sum()
            return x.meta

        meta = BINARY[self.op](sample(self.left), sample(self.right))
        if big is None:
            for x in sides:  # a scalar of an extension dtype (a decimal) that stays of that type
                xd = x.dtypes[0]
                keeps = isinstance(meta, xd.type) if hasattr(xd, "type") else False
                if self.op == "skipna_false_" and x is self.left:  # the total, or missing: its own type
                    keeps = True
                if isinstance(xd, pd.api.extensions.ExtensionDtype) and keeps:
                    return {"kind": "scalar", "columns": (None,), "dtypes": (xd,), "divisions": (None, None)}
            dt = np.asarray(meta).dtype
            if isinstance(meta, (pd.Timedelta, pd.Timestamp)) and meta.tz is None if isinstance(meta, pd.Timestamp) \
                    else isinstance(meta, pd.Timedelta):  # pandas' time scalars: their numpy type and unit
                dt = np.dtype(f"{'m8' if isinstance(meta, pd.Timedelta) else 'M8'}[{meta.unit}]")
            return {"kind": "scalar", "columns": (None,), "dtypes": (dt,), "divisions": (None, None)}
        if isinstance(meta, pd.Series):
            return {"kind": "series", "columns": (meta.name,), "dtypes": (meta.dtype,), "divisions": big.divisions,
                    "lengths": big.lengths}
        return {"kind": "frame", "columns": tuple(meta.columns), "dtypes": tuple(meta.dtypes),
                "divisions": big.divisions, "lengths": big.lengths}

    def _extra_props(self):
        ins, slots = [], []
        for x in (self.left, self.right):
            if isinstance(x, FrameNode):
                ins.append((x, (("c", 0),) if x.kind == "scalar" and self.kind != "scalar" else (0,)))
                slots.append(None)
            else:
                slots.append(x)
        return {"bw_inputs": tuple(ins), "bw_func": _WithScalarFunc(BINARY[self.op], tuple(slots))}

    def label(self):
        return f"with-scalar({self.op})"


class _WithScalarFunc:
    __slots__ = ("f", "slots")

    def __init__(self, f, slots):
        self.f, self.slots = f, slots

    def __call__(self, *vals):
        it = iter(vals)
        a, b = (next(it) if s is None else loaded(s) for s in self.slots)
        return self.f(a, b)

    def __reduce__(self):
        return (_WithScalarFunc, (self.f, self.slots))


class ToFrame:
    """Partition function: a series as a one-column frame named ``name``."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __call__(self, s):
        return s.to_frame(self.name)

    def __reduce__(self):
        return (ToFrame, (self.name,))
