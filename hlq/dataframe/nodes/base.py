"""Dataframe nodes: the common base and structural nodes (literal, concat, persisted).

Every dataframe node derives, at build time and from its children's already
derived properties, ``kind`` (``"frame"``, ``"series"`` or ``"scalar"``),
``columns`` and ``dtypes`` (tuples; a series has one column, its name),
``divisions`` (``npartitions + 1`` index bounds, ``None`` where unknown),
``npartitions``/``numblocks`` (a 1-d grid of partitions) and ``lengths``
(rows per partition, or ``None`` when unknown).  ``meta`` (an empty pandas
object) is built only when asked for.

>>> import numpy as np
>>> import pandas as pd
>>> from hlq.dataframe.nodes.base import PandasLiteral
>>> lit = PandasLiteral(pd.DataFrame({"a": [1, 2]}))
>>> lit.numblocks
()
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from dask._task_spec import Alias, DataNode, Task, TaskRef

from hlq.expr.opaque import load_opaque, OpaqueData
from hlq.lower.protocol import BlockNode, PersistedBlocks

__all__ = ["FrameNode", "PandasLiteral", "Concat", "PersistedFrame", "make_meta", "unknown_divisions"]


def unknown_divisions(n: int) -> tuple:
    """Divisions of ``n`` partitions whose index bounds are unknown."""
    return (None,) * (n + 1)


def make_meta(kind, columns, dtypes, index=None):
    """An empty pandas object (frame, series or None for scalars) with these columns and dtypes,
    and ``index`` (an empty pandas Index; default: a ``RangeIndex``)."""
    if kind == "frame":
        out = pd.DataFrame({c: pd.Series([], dtype=d) for c, d in zip(columns, dtypes)})
        return out if index is None else out.set_axis(index, axis=0)
    if kind == "series":
        return pd.Series([], dtype=dtypes[0], name=columns[0], index=index)
    return None


def _column_labels(node):
    """The pandas column Index of a frame node's partitions (its name, a categorical or MultiIndex
    type), when a user's ``meta`` or the source decided it: found by walking down (iteratively)
    through nodes with the same columns and a single frame input; None when not known."""
    n = node
    while True:
        cached = n.__dict__.get("_meta") if n is not node else None
        if isinstance(cached, pd.DataFrame):
            return cached.columns if tuple(cached.columns) == node.columns else None
        box = getattr(n, "meta_", None)
        value = getattr(box, "value", None) if box is not None else None
        if isinstance(value, pd.DataFrame):
            return value.columns if tuple(value.columns) == node.columns else None
        if box is not None:
            return None
        data = getattr(getattr(n, "data", None), "value", None)
        if isinstance(data, pd.DataFrame):
            cols = data.columns
            return cols if tuple(cols) == node.columns else None
        kids = [getattr(n, f) for f in n._fields if isinstance(getattr(n, f, None), FrameNode)]
        kids = [k for k in kids if k.kind == "frame"]
        if len(kids) != 1 or kids[0].columns != node.columns:
            return None
        n = kids[0]


class FrameNode(BlockNode):
    """Base of dataframe nodes (the lowering protocol is :class:`hlq.lower.protocol.BlockNode`);
    subclasses implement :meth:`_props`."""

    kind = "frame"
    #: partition sizes are estimates (object columns, filters)
    block_sizes_exact = False
    #: the cost model's fixed cost of one pandas call on a partition (hlq.lower.batching)
    cost_call_overhead = 50e-6

    def _props(self) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def _derive(self):
        p = self._props()
        divisions = tuple(p["divisions"])
        p["divisions"] = divisions
        p["npartitions"] = len(divisions) - 1
        p["numblocks"] = (len(divisions) - 1,)
        p["columns"] = tuple(p["columns"])
        p["dtypes"] = tuple(p["dtypes"])
        p.setdefault("lengths", None)
        p.setdefault("partitioning", None)  # see hlq.dataframe.nodes.partitioning
        if len(set(p["columns"])) != len(p["columns"]) and p.get("kind", self.kind) == "frame":
            raise ValueError(f"duplicate column names in {p['columns']}")
        self.__dict__.update(p)
        p.update(self._extra_props())
        return p

    def _extra_props(self) -> dict:
        return {}

    # ------------------------------------------------------------- metadata
    @property
    def max_block_nbytes(self) -> int | None:
        """Estimated bytes of the largest partition (the cost model's unit of work): rows x
        fixed-width bytes per row (32 per object value) when the partition lengths are known;
        a reduction state or scalar counts as small; None when unknown."""
        if self.kind in ("state", "scalar"):
            return 64 * max(1, len(self.columns))
        if self.lengths is None or not self.lengths:
            return None
        row = 8 + sum(d.itemsize if isinstance(d, np.dtype) else 32 for d in self.dtypes)
        return int(max(self.lengths)) * row

    @property
    def meta(self):
        m = self.__dict__.get("_meta")
        if m is None:
            # import cycle: hlq.dataframe.nodes.index_meta imports hlq.dataframe.nodes.base
            from hlq.dataframe.nodes.index_meta import index_meta

            m = make_meta(self.kind, self.columns, self.dtypes, None if self.kind == "scalar" else index_meta(self))
            if self.kind == "frame":
                labels = _column_labels(self)
                if labels is not None:
                    m.columns = labels
            self.__dict__["_meta"] = m
        return m

    @property
    def dtype_map(self) -> dict:
        m = self.__dict__.get("_dtype_map")
        if m is None:
            m = dict(zip(self.columns, self.dtypes))
            self.__dict__["_dtype_map"] = m
        return m

    @property
    def known_divisions(self) -> bool:
        return self.divisions[0] is not None

    def describe(self) -> str:
        cols = self.columns
        shown = ", ".join(map(str, cols[:6])) + (", ..." if len(cols) > 6 else "")
        rows = "" if self.lengths is None else f" rows={sum(self.lengths)}"
        return f"{self.label()}  {self.kind} columns[{len(cols)}]=({shown}) partitions={self.npartitions}{rows}"

    # ------------------------------------------------- collection protocol
    def output_keys(self):
        if self.kind == "scalar":
            return [(self.name, 0)]
        return [(self.name, i) for i in range(self.npartitions)]

    def finalize(self):
        return Concat(self)

    def postcompute(self):
        return (finalize_parts, (self.kind,))

    def rebuild_persisted(self, results: dict):
        name = self.name
        values = tuple(results[(name, i)] for i in range(self.npartitions))
        # import cycle: hlq.dataframe.nodes.index_meta imports hlq.dataframe.nodes.base
        from hlq.dataframe.nodes.index_meta import index_meta

        index = None if self.kind == "scalar" else _IndexBox(index_meta(self))
        return PersistedFrame(self.kind, self.columns, self.dtypes, self.divisions, self.lengths, name,
                              PersistedBlocks(values), index)


def finalize_parts(results, kind):
    """Concatenate computed partitions into the final pandas result (a single part is returned as is)."""
    while isinstance(results, (list, tuple)) and len(results) == 1:
        results = results[0]
    if isinstance(results, (list, tuple)):
        return _concat(list(results))
    return results


def _concat(parts):
    if len(parts) == 1:
        return parts[0]
    if not isinstance(parts[0], (pd.DataFrame, pd.Series)):
        return parts[0]
    return pd.concat(same_categories(parts))


def same_categories(parts):
    """``parts`` with every categorical column given the union of its categories over the parts
    (partitions read from different files carry their own categories, an empty file none;
    ``pd.concat`` would turn such a column into object)."""
    frames = [p.to_frame() if isinstance(p, pd.Series) else p for p in parts]
    first = frames[0]
    if not isinstance(first, pd.DataFrame) or first.columns.has_duplicates:
        return parts
    fix = {}
    for c, dt in first.dtypes.items():
        if not isinstance(dt, pd.CategoricalDtype):
            continue
        dts = [f[c].dtype if c in f.columns else dt for f in frames]
        if all(isinstance(d, pd.CategoricalDtype) for d in dts) and any(d != dt for d in dts):
            cats = [d.categories for d in dts if len(d.categories)]
            union = cats[0].append(cats[1:]).unique() if cats else dt.categories
            fix[c] = pd.CategoricalDtype(union, ordered=dt.ordered)
    if not fix:
        return parts
    out = []
    for p in parts:
        if isinstance(p, pd.Series):
            out.append(p.astype(fix[p.name]) if p.name in fix else p)
        else:
            out.append(p.astype({c: d for c, d in fix.items() if c in p.columns}))
    return out


class PandasLiteral(BlockNode):
    """A pandas object held in the graph as one ``DataNode`` (grid ``()``)."""

    block_sizes_exact = False
    _fields = ("value",)
    _opaque_fields = ("value",)
    op_name = "pandas-original"
    numblocks = ()

    def block_dependencies(self, idx):
        return ()

    def block_task(self, key, idx):
        if isinstance(self.value, OpaqueData):
            return Task(key, load_opaque, self.value)
        return DataNode(key, self.value)

    def label(self):
        return f"pandas {type(self.value).__name__} {getattr(self.value, 'shape', '')}"


class Concat(FrameNode):
    """One task concatenating all partitions (the result of ``compute``)."""

    _fields = ("child",)
    op_name = "concat"
    needs_all_inputs = True

    def _props(self):
        c = self.child
        d = c.divisions
        return {"kind": c.kind, "columns": c.columns, "dtypes": c.dtypes, "divisions": (d[0], d[-1]),
                "lengths": None if c.lengths is None else (sum(c.lengths),)}

    @property
    def kind(self):
        return self.child.kind

    def output_keys(self):
        return [(self.name, 0)]

    def finalize(self):
        return self

    def block_dependencies(self, idx):
        c = self.child
        return [(c, (i,)) for i in range(c.npartitions)]

    def block_task(self, key, idx):
        c = self.child
        return Task(key, _concat_args, *[TaskRef((c.name, i)) for i in range(c.npartitions)])


def _concat_args(*parts):
    return _concat(list(parts))


class _IndexBox:
    """An empty pandas Index held in a node field (compared by its name and dtype)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def _key(self):
        return (type(self.value).__name__, tuple(map(str, self.value.names)), tuple(map(str, getattr(
            self.value, "dtypes", [self.value.dtype]))))

    def __eq__(self, other):
        return isinstance(other, _IndexBox) and other._key() == self._key()

    def __hash__(self):
        return hash(self._key())

    def __dask_tokenize__(self):
        return ("index", self._key())

    def __reduce__(self):
        return (_IndexBox, (self.value,))


class PersistedFrame(FrameNode):
    """A frame whose partitions are already computed (result of ``persist``)."""

    _fields = ("kind_", "columns_", "dtypes_", "divisions_", "lengths_", "origin", "parts", "index_")
    _defaults = {"index_": None}
    op_name = "persisted"

    def _props(self):
        return {"kind": self.kind_, "columns": self.columns_, "dtypes": self.dtypes_,
                "divisions": self.divisions_, "lengths": self.lengths_}

    @property
    def kind(self):
        return self.kind_

    @property
    def name(self):
        return "persisted-" + self.origin

    def block_dependencies(self, idx):
        return ()

    def block_task(self, key, idx):
        if self.parts.remote:
            return Alias(key, (self.origin, *idx))
        return DataNode(key, self.parts.values[idx[0]])

