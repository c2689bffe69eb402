"""Dataframe sources from user code: ``from_map`` (a function over an iterable) and ``from_delayed``.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> df = dd.from_map(lambda i: pd.DataFrame({"a": [i, i]}), [1, 2, 3], meta={"a": "int64"})
>>> df.node.op_name, df.npartitions
('from-map', 3)
>>> df.a.sum().compute()
np.int64(12)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from dask._task_spec import Task, TaskRef, convert_legacy_graph

from hlq.dataframe.nodes.base import FrameNode
from hlq.lower.protocol import DelayedRef  # (the lowering protocol's holder, exported here too)

__all__ = ["FromMap", "FromDelayedFrame", "DelayedRef", "DelayedValue", "meta_props"]


def meta_props(meta, divisions, lengths=None) -> dict:
    """Frame properties described by an empty pandas object ``meta``."""
    if isinstance(meta, pd.DataFrame):
        return {"kind": "frame", "columns": tuple(meta.columns), "dtypes": tuple(meta.dtypes),
                "divisions": divisions, "lengths": lengths}
    if isinstance(meta, pd.Series):
        return {"kind": "series", "columns": (meta.name,), "dtypes": (meta.dtype,), "divisions": divisions,
                "lengths": lengths}
    raise TypeError(f"meta must be a pandas DataFrame or Series, got {type(meta).__name__}")


class _Checked:
    """Call ``func(*args, **kwargs)`` and check the result against meta's kind and columns."""

    __slots__ = ("func", "kwargs", "columns", "kind", "enforce")

    def __init__(self, func, kwargs, columns, kind, enforce):
        self.func, self.kwargs, self.columns, self.kind, self.enforce = func, kwargs, columns, kind, enforce

    def __call__(self, args):
        out = self.func(*args, **dict(self.kwargs)) if self.func is not None else args[0]
        return check_part(out, self.kind, self.columns, self.enforce)

    def __reduce__(self):
        return (_Checked, (self.func, self.kwargs, self.columns, self.kind, self.enforce))


def check_part(out, kind, columns, enforce=True):
    """``out`` if it is a pandas object of the declared kind (and columns, when ``enforce``)."""
    want = pd.DataFrame if kind == "frame" else pd.Series
    if not isinstance(out, want):
        raise TypeError(f"a partition is a {type(out).__name__}, expected a pandas {want.__name__} (meta)")
    if enforce and kind == "frame" and tuple(out.columns) != tuple(columns):
        raise ValueError(f"a partition has columns {list(out.columns)}, meta declares {list(columns)}")
    return out


class FromMap(FrameNode):
    """Partition ``i`` is ``func(*args[i], **kwargs)``; ``meta_`` (a MetaBox) describes it."""

    _fields = ("func", "args", "kwargs", "meta_", "divisions_", "enforce_metadata")
    _defaults = {"enforce_metadata": True}
    _opaque_fields = ("func",)
    op_name = "from-map"
    is_blockwise = True
    bw_has_arg = True
    bw_inputs = ()

    def _props(self):
        return meta_props(self.meta_.value, self.divisions_)

    def _extra_props(self):
        return {"bw_func": _Checked(self.func, self.kwargs, self.columns, self.kind, self.enforce_metadata)}

    def bw_block_arg(self, idx):
        return self.args[idx[0]]

    def label(self):
        return f"from-map({getattr(self.func, '__name__', 'func')})"


class FromDelayedFrame(FrameNode):
    """Partition ``i`` is the value of the dask Delayed ``values[i]`` (a DelayedRef); its graph
    is merged into the lowered graph."""

    _fields = ("values", "meta_", "divisions_", "verify_meta")
    _defaults = {"verify_meta": True}
    op_name = "from-delayed"

    def _props(self):
        return meta_props(self.meta_.value, self.divisions_)

    def block_dependencies(self, idx):
        return ()

    def block_task(self, key, idx):
        d = self.values[idx[0]].value
        graph = convert_legacy_graph(dict(d.__dask_graph__()))
        graph[key] = Task(key, check_part, TaskRef(d.key), self.kind, self.columns, self.verify_meta)
        return graph

    def label(self):
        return f"from-delayed({len(self.values)} values)"


class DelayedValue(FrameNode):
    """A lazy scalar holding the value of the dask Delayed ``value`` (a DelayedRef), e.g. the list
    of values of ``isin([delayed(1.0), ...])``; its graph is merged into the lowered graph."""

    _fields = ("value",)
    op_name = "delayed-value"

    def _props(self):
        return {"kind": "scalar", "columns": (None,), "dtypes": (np.dtype(object),), "divisions": (None, None)}

    def block_dependencies(self, idx):
        return ()

    def block_task(self, key, idx):
        d = self.value.value
        graph = convert_legacy_graph(dict(d.__dask_graph__()))
        graph[key] = Task(key, _identity, TaskRef(d.key))
        return graph

    def label(self):
        return "delayed-value"


def _identity(x):
    return x
