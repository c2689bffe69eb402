"""Global orderings: ``sort_values`` and ``set_index`` as logical nodes.

Both are lowered (rules in :mod:`hlq.dataframe.rules.shuffle`) into a range
shuffle: rows go to the output partition whose key range holds their key,
then each output partition is sorted with pandas.  The range boundaries are

* given (``set_index(col, divisions=...)``): the output divisions are known;
* read from parquet row-group statistics (metadata only) when every file's
  ``[min, max]`` of the column lies before the next file's: then no shuffle
  at all, each partition just sets and sorts its index (``sorted=True``
  skips the per-partition sort);
* otherwise sampled **inside the task graph** (a sorted sample of the key per
  partition, then one task choosing ``n - 1`` boundaries), so neither
  building nor optimizing the plan computes anything.  The output divisions
  are then unknown to the plan until the user needs them: the collection's
  ``divisions``, ``known_divisions``, ``npartitions``, ``.loc`` and
  ``persist()`` compute the sample once (as dask computes its quantiles when
  they are first needed) and continue on a ``SetIndex`` with those divisions
  (:func:`hlq.dataframe._multi.resolve_divisions`).  ``divisions=`` gives known
  divisions (``.loc`` partition pruning) without any computation.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> df = dd.from_pandas(pd.DataFrame({"a": [3, 1, 2, 5, 4], "b": list("xyzuv")}), npartitions=2)
>>> df.sort_values("a").compute().a.tolist()
[1, 2, 3, 4, 5]
>>> s = df.set_index("a", divisions=[1, 3, 5])
>>> s.divisions, s.compute().b.tolist()
((1, 3, 5), ['y', 'z', 'x', 'v', 'u'])
"""

from __future__ import annotations

from hlq.dataframe.nodes.base import FrameNode, same_categories, unknown_divisions
from hlq.dataframe.nodes.ops import Project

__all__ = ["SortValues", "SetIndex", "SortedHead"]


class SortValues(FrameNode):
    """``df.sort_values(by, ascending)`` into ``npartitions_`` ordered partitions; missing values
    of ``by[0]`` in the last partition (``na_position="last"``) or the first (``"first"``)."""

    _fields = ("child", "by", "ascending", "npartitions_", "na_position")
    _defaults = {"na_position": "last"}
    op_name = "sort-values"

    @property
    def kind(self):
        return self.child.kind

    def _props(self):
        c = self.child
        if c.kind == "frame":
            for b in self.by:
                if b not in c.dtype_map:
                    raise KeyError(f"sort_values key {b!r} not found; columns are {list(c.columns)}")
        if len(self.ascending) != len(self.by):
            raise ValueError(f"Length of ascending ({len(self.ascending)}) != length of by ({len(self.by)})")
        return {"kind": c.kind, "columns": c.columns, "dtypes": c.dtypes,
                "divisions": unknown_divisions(self.npartitions_)}

    def label(self):
        order = ", ".join(f"{b} {'asc' if a else 'desc'}" for b, a in zip(self.by, self.ascending))
        nas = "" if self.na_position == "last" else "; missing first"
        return f"sort-values({order}{nas}; partitions {self.child.npartitions} -> {self.npartitions_})"


class SetIndex(FrameNode):
    """``df.set_index(col)`` sorted by the new index into ``npartitions_`` partitions; ``divisions_``
    (a tuple) fixes the boundaries, None samples them in the graph."""

    _fields = ("child", "col", "npartitions_", "divisions_")
    _defaults = {"divisions_": None}
    op_name = "set-index"

    def _props(self):
        c = self.child
        if c.kind != "frame":
            raise TypeError("set_index needs a DataFrame")
        if self.col not in c.dtype_map:
            raise KeyError(f"set_index column {self.col!r} not found; columns are {list(c.columns)}")
        keep = [(k, d) for k, d in zip(c.columns, c.dtypes) if k != self.col]
        divs = self.divisions_ if self.divisions_ is not None else unknown_divisions(self.npartitions_)
        return {"kind": "frame", "columns": tuple(k for k, _ in keep), "dtypes": tuple(d for _, d in keep),
                "divisions": divs}

    @property
    def index_dtype(self):
        return self.child.dtype_map[self.col]

    def label(self):
        src = "given divisions" if self.divisions_ is not None else "sampled divisions"
        return f"set-index({self.col}; {src}, partitions {self.child.npartitions} -> {self.npartitions})"


class SetIndexSorted(FrameNode):
    """``df.set_index(col, sorted=True)``: data already sorted by ``col`` across partitions; each
    partition sets its index (blockwise).  ``divisions_``: known boundaries (e.g. from parquet
    statistics) or None.  ``sort_within``: also sort each partition by the new index (files whose
    statistics do not overlap, but whose rows may be in any order)."""

    _fields = ("child", "col", "divisions_", "sort_within")
    _defaults = {"sort_within": False}
    op_name = "set-index-sorted"
    is_blockwise = True

    def _props(self):
        c = self.child
        if self.col not in c.dtype_map:
            raise KeyError(f"set_index column {self.col!r} not found; columns are {list(c.columns)}")
        keep = [(k, d) for k, d in zip(c.columns, c.dtypes) if k != self.col]
        divs = self.divisions_ if self.divisions_ is not None else unknown_divisions(c.npartitions)
        return {"kind": "frame", "columns": tuple(k for k, _ in keep), "dtypes": tuple(d for _, d in keep),
                "divisions": divs, "lengths": c.lengths}

    def _extra_props(self):
        return {"bw_inputs": ((self.child, (0,)),), "bw_func": _SetIndex(self.col, self.sort_within)}

    def label(self):
        src = "divisions from statistics" if self.divisions_ is not None else "unknown divisions"
        return f"set-index-sorted({self.col}; {src}{', sorted per partition' if self.sort_within else ''})"


class _SetIndex:
    __slots__ = ("col", "sort")

    def __init__(self, col, sort=False):
        self.col, self.sort = col, sort

    def __call__(self, df):
        out = df.set_index(self.col)
        return out.sort_index(kind="stable") if self.sort else out

    def __reduce__(self):
        return (_SetIndex, (self.col, self.sort))


class PartitionSortHead(FrameNode):
    """Each partition's first ``n`` rows in ``sort_values(by, ascending)`` order (blockwise): the
    per-partition step of :class:`SortedHead`."""

    _fields = ("child", "by", "ascending", "n", "na_position")
    _defaults = {"na_position": "last"}
    op_name = "partition-sort-head"
    is_blockwise = True

    @property
    def kind(self):
        return self.child.kind

    def _props(self):
        c = self.child
        return {"kind": c.kind, "columns": c.columns, "dtypes": c.dtypes,
                "divisions": unknown_divisions(c.npartitions)}

    def _extra_props(self):
        return {"bw_inputs": ((self.child, (0,)),), "bw_func": _SortHead(self.by, self.ascending, self.n, self.na_position)}

    def label(self):
        order = ", ".join(f"{b} {'asc' if a else 'desc'}" for b, a in zip(self.by, self.ascending))
        return f"partition-sort-head({self.n}; {order})"


class SortedHead(FrameNode):
    """``sort_values(by, ascending).head(n)``: the first ``n`` rows of the global order, taken from
    every partition (each partition's sorted first ``n`` rows, then one task merging them), so the
    answer never depends on how the sorted rows would have been partitioned."""

    _fields = ("child", "by", "ascending", "n", "na_position")
    _defaults = {"na_position": "last"}
    op_name = "sorted-head"

    @property
    def kind(self):
        return self.child.kind

    def _props(self):
        c = self.child
        return {"kind": c.kind, "columns": c.columns, "dtypes": c.dtypes, "divisions": (None, None),
                "lengths": None}

    def block_dependencies(self, idx):
        return [(self.child, (i,)) for i in range(self.child.npartitions)]

    def block_task(self, key, idx):
        from dask._task_spec import Task, TaskRef

        c = self.child
        return Task(key, _sorted_head, _SortHead(self.by, self.ascending, self.n, self.na_position),
                    *[TaskRef((c.name, i)) for i in range(c.npartitions)])

    def label(self):
        order = ", ".join(f"{b} {'asc' if a else 'desc'}" for b, a in zip(self.by, self.ascending))
        return f"sorted-head({self.n}; {order}; from {self.child.npartitions} partitions)"


class _SortHead:
    """``obj.sort_values(by, ascending, na_position=...).head(n)`` for a frame (``by``) or a
    series (its values); ties in row order (stable)."""

    __slots__ = ("by", "ascending", "n", "na_position")

    def __init__(self, by, ascending, n, na_position="last"):
        self.by, self.ascending, self.n, self.na_position = tuple(by), tuple(ascending), n, na_position

    def __call__(self, obj):
        if obj.ndim == 1:
            out = obj.sort_values(ascending=self.ascending[0], kind="stable", na_position=self.na_position)
        else:
            out = obj.sort_values(list(self.by), ascending=list(self.ascending), kind="stable",
                                  na_position=self.na_position)
        return out.head(self.n)

    def __reduce__(self):
        return (_SortHead, (self.by, self.ascending, self.n, self.na_position))


def _sorted_head(f, *parts):
    import pandas as pd

    return f(parts[0] if len(parts) == 1 else pd.concat(same_categories(parts)))


def sorted_head(node, n):
    """``node.head(n)`` for a sort (``SortValues``, possibly under column projections): a
    :class:`SortedHead` over every partition; ``None`` when ``node`` is not such a sort."""
    projections = []
    while isinstance(node, Project):
        projections.append(node.cols)
        node = node.child
    if not isinstance(node, SortValues):
        return None
    child = PartitionSortHead(node.child, node.by, node.ascending, n, node.na_position)
    out = SortedHead(child, node.by, node.ascending, n, node.na_position)
    for cols in reversed(projections):
        out = Project(out, cols)
    return out
