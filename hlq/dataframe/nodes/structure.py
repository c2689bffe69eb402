"""Nodes that regroup partitions: concat, ``.partitions[...]``, tail, ``.loc``, repartition.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> df = dd.from_pandas(pd.DataFrame({"a": range(10)}), npartitions=5)
>>> p = df.partitions[1:3]
>>> p.node.label(), p.divisions
('partitions(1, 2 of 5)', (2, 4, 6))
>>> df.loc[3:6].npartitions, df.loc[3:6].divisions, df.loc[3:6].compute().a.tolist()
(3, (3, 4, 6, 6), [3, 4, 5, 6])
"""

from __future__ import annotations

import pandas as pd
from dask._task_spec import Alias, Task, TaskRef

from hlq.dataframe.nodes.base import FrameNode, make_meta, same_categories, unknown_divisions

__all__ = ["ConcatFrames", "SelectPartitions", "Tail", "LocSlice", "RepartitionCombine", "RepartitionSplit",
           "RepartitionDivisions"]


def _meta_props(meta, divisions, lengths=None):
    if isinstance(meta, pd.Series):
        return {"kind": "series", "columns": (meta.name,), "dtypes": (meta.dtype,), "divisions": divisions,
                "lengths": lengths}
    return {"kind": "frame", "columns": tuple(meta.columns), "dtypes": tuple(meta.dtypes),
            "divisions": divisions, "lengths": lengths}


class _KindFromProps:
    @property
    def kind(self):
        return self.__dict__.get("kind_", "frame")


def _ordered_divisions(children):
    if not all(c.known_divisions for c in children):
        return None
    try:
        for a, b in zip(children, children[1:]):
            if not a.divisions[-1] < b.divisions[0]:
                return None
    except TypeError:
        return None
    out = []
    for c in children:
        out.extend(c.divisions[:-1])
    out.append(children[-1].divisions[-1])
    return tuple(out)


class ConcatFrames(_KindFromProps, FrameNode):
    """``dd.concat(children)`` along the rows: output partitions are the inputs' partitions in order,
    each conformed to the result's columns and dtypes (as ``pd.concat`` gives them)."""

    _fields = ("frames", "join")
    _defaults = {"join": "outer"}
    op_name = "concat-frames"

    def _props(self):
        metas = [c.meta for c in self.frames]
        for c in self.frames:
            if c.kind == "scalar":
                raise TypeError("concat needs DataFrames or Series, got a scalar")
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            meta = pd.concat(metas, join=self.join)
        n = sum(c.npartitions for c in self.frames)
        divs = _ordered_divisions(self.frames) or unknown_divisions(n)
        lengths = None
        if all(c.lengths is not None for c in self.frames):
            lengths = tuple(x for c in self.frames for x in c.lengths)
        p = _meta_props(meta, divs, lengths)
        p["kind_"] = p["kind"]
        table = []
        for k, c in enumerate(self.frames):
            table.extend((k, j) for j in range(c.npartitions))
        p["table"] = tuple(table)
        return p

    def block_dependencies(self, idx):
        k, j = self.table[idx[0]]
        return [(self.frames[k], (j,))]

    def block_task(self, key, idx):
        k, j = self.table[idx[0]]
        c = self.frames[k]
        ref = (c.name, j)
        if c.columns == self.columns and c.dtypes == self.dtypes:
            return Alias(key, ref)
        return Task(key, _conform, self.kind, self.columns, self.dtypes, TaskRef(ref))

    def label(self):
        return f"concat({len(self.frames)} inputs, {self.npartitions} partitions)"


def _conform(kind, columns, dtypes, part):
    if kind == "series":
        if part.name != columns[0]:
            part = part.rename(columns[0])
        return part if part.dtype == dtypes[0] else part.astype(dtypes[0])
    if isinstance(part, pd.Series):  # a series concatenated with frames becomes a column
        part = part.to_frame(0 if part.name is None else part.name)
    if tuple(part.columns) != tuple(columns):
        part = part.reindex(columns=list(columns))
    casts = {c: d for c, d, have in zip(columns, dtypes, part.dtypes) if have != d}
    return part.astype(casts) if casts else part


def _identity(x):
    return x


class SelectPartitions(_KindFromProps, FrameNode):
    """``x.partitions[parts]``: the given partitions of ``x`` (blockwise through a table)."""

    _fields = ("child", "parts")
    op_name = "partitions"
    is_blockwise = True

    def _props(self):
        c = self.child
        parts = self.parts
        n = c.npartitions
        for p in parts:
            if not 0 <= p < n:
                raise IndexError(f"partition {p} out of range for {n} partitions")
        d = c.divisions
        if c.known_divisions and all(a < b for a, b in zip(parts, parts[1:])) and parts:
            divs = tuple(d[p] for p in parts) + (d[parts[-1] + 1],)
        else:
            divs = unknown_divisions(len(parts))
        lengths = None if c.lengths is None else tuple(c.lengths[p] for p in parts)
        return {"kind": c.kind, "kind_": c.kind, "columns": c.columns, "dtypes": c.dtypes, "divisions": divs,
                "lengths": lengths}

    def _extra_props(self):
        return {"bw_inputs": ((self.child, (("t", 0, tuple(self.parts)),)),), "bw_func": _identity}

    def label(self):
        shown = ", ".join(map(str, self.parts[:8])) + (", ..." if len(self.parts) > 8 else "")
        return f"partitions({shown} of {self.child.npartitions})"


class Tail(_KindFromProps, FrameNode):
    """The last ``n`` rows, read from the last ``k`` partitions only (one output partition)."""

    _fields = ("child", "n", "k")
    op_name = "tail"

    def _props(self):
        c = self.child
        return {"kind": c.kind, "kind_": c.kind, "columns": c.columns, "dtypes": c.dtypes,
                "divisions": (None, c.divisions[-1]), "lengths": None}

    def block_dependencies(self, idx):
        c = self.child
        # a lowering may give the child fewer partitions than when ``k`` was chosen (a broadcast join)
        return [(c, (i,)) for i in range(max(0, c.npartitions - self.k), c.npartitions)]

    def block_task(self, key, idx):
        return Task(key, _tail, self.n, *[TaskRef((c.name, i)) for c, (i,) in self.block_dependencies(idx)])

    def label(self):
        return f"tail({self.n}, partitions {self.k}/{self.child.npartitions})"


def _tail(n, *parts):
    if len(parts) == 1:
        return parts[0].tail(n)
    return pd.concat(same_categories(parts)).tail(n)


class LocSlice(_KindFromProps, FrameNode):
    """Rows whose index label lies in ``[start, stop]`` (either bound may be None): ``x.loc[a:b]``
    on partitions sorted by index."""

    _fields = ("child", "start", "stop")
    op_name = "loc"
    is_blockwise = True

    def _props(self):
        c = self.child
        d = c.divisions
        if c.known_divisions:
            lo = d[0] if self.start is None else max(d[0], self.start)
            hi = d[-1] if self.stop is None else min(d[-1], self.stop)
            divs = (lo,) + tuple(d[1:-1]) + (hi,)
            if not all(a <= b for a, b in zip(divs, divs[1:])):
                divs = unknown_divisions(c.npartitions)
        else:
            divs = d
        return {"kind": c.kind, "kind_": c.kind, "columns": c.columns, "dtypes": c.dtypes, "divisions": divs,
                "lengths": None}

    def _extra_props(self):
        return {"bw_inputs": ((self.child, (0,)),), "bw_func": _LocFunc(self.start, self.stop)}

    def label(self):
        return f"loc[{'' if self.start is None else self.start!r}:{'' if self.stop is None else self.stop!r}]"


class _LocFunc:
    __slots__ = ("start", "stop")

    def __init__(self, start, stop):
        self.start, self.stop = start, stop

    def __call__(self, df):
        if len(df) == 0:
            return df
        return df.loc[self.start:self.stop]

    def __reduce__(self):
        return (_LocFunc, (self.start, self.stop))


class RepartitionCombine(_KindFromProps, FrameNode):
    """Fewer partitions: output ``i`` concatenates child partitions ``groups[i] = (start, stop)``."""

    _fields = ("child", "groups")
    op_name = "repartition-combine"

    def _props(self):
        c = self.child
        d = c.divisions
        divs = tuple(d[a] for a, _ in self.groups) + (d[-1],)
        lengths = None if c.lengths is None else tuple(sum(c.lengths[a:b]) for a, b in self.groups)
        return {"kind": c.kind, "kind_": c.kind, "columns": c.columns, "dtypes": c.dtypes, "divisions": divs,
                "lengths": lengths}

    def block_dependencies(self, idx):
        a, b = self.groups[idx[0]]
        return [(self.child, (i,)) for i in range(a, b)]

    def block_task(self, key, idx):
        c = self.child
        a, b = self.groups[idx[0]]
        if b - a == 1:
            return Alias(key, (c.name, a))
        return Task(key, _concat_parts, *[TaskRef((c.name, i)) for i in range(a, b)])

    def label(self):
        return f"repartition({self.child.npartitions} -> {self.npartitions}, combine)"


def _concat_parts(*parts):
    nonempty = [p for p in parts if len(p)]
    if not nonempty:
        return parts[0]
    return pd.concat(same_categories(nonempty)) if len(nonempty) > 1 else nonempty[0]


class RepartitionSplit(_KindFromProps, FrameNode):
    """More partitions: output block ``i`` is piece ``q`` of ``m`` (equal row counts) of child
    partition ``j``, for ``pieces[i] = (j, q, m)`` (blockwise through a table)."""

    _fields = ("child", "pieces")
    op_name = "repartition-split"
    is_blockwise = True
    bw_has_arg = True

    def _props(self):
        c = self.child
        lengths = None
        if c.lengths is not None:
            lengths = tuple((c.lengths[j] * (q + 1)) // m - (c.lengths[j] * q) // m for j, q, m in self.pieces)
        return {"kind": c.kind, "kind_": c.kind, "columns": c.columns, "dtypes": c.dtypes,
                "divisions": unknown_divisions(len(self.pieces)), "lengths": lengths}

    def _extra_props(self):
        table = tuple(j for j, _, _ in self.pieces)
        return {"bw_inputs": ((self.child, (("t", 0, table),)),), "bw_func": _piece}

    def bw_block_arg(self, idx):
        _, q, m = self.pieces[idx[0]]
        return (q, m)

    def label(self):
        return f"repartition({self.child.npartitions} -> {self.npartitions}, split)"


def _piece(df, arg):
    q, m = arg
    n = len(df)
    return df.iloc[(n * q) // m:(n * (q + 1)) // m]


class RepartitionDivisions(_KindFromProps, FrameNode):
    """New ``divisions_`` over a frame with known divisions: output ``i`` gathers the rows of the
    overlapping child partitions whose index lies in ``[d_i, d_i+1)`` (the last range closed)."""

    _fields = ("child", "divisions_")
    op_name = "repartition-divisions"

    def _props(self):
        c = self.child
        if not c.known_divisions:
            raise ValueError("repartition(divisions=...) needs known divisions; use set_index or "
                             "repartition(npartitions=...)")
        new, old = self.divisions_, c.divisions
        # unique, except that the last partition may hold one value (``[..., 9, 9]``, as in dask)
        if len(new) < 2 or any(not a < b for a, b in zip(new[:-1], new[1:-1])) or not new[-2] <= new[-1]:
            raise ValueError(f"new divisions must be sorted and unique, got {new}")
        if new[0] > old[0] or new[-1] < old[-1]:
            raise ValueError(f"new divisions {new[0]!r}..{new[-1]!r} must cover the old ones "
                             f"{old[0]!r}..{old[-1]!r}")
        deps = []
        n_out, n_in = len(new) - 1, c.npartitions
        for i in range(n_out):
            lo, hi = new[i], new[i + 1]
            last_out = i == n_out - 1
            ds = []
            for p in range(n_in):
                plo, phi = old[p], old[p + 1]
                last_in = p == n_in - 1
                # child partition p holds [plo, phi) (closed when last); output i takes [lo, hi)
                if plo > hi or (plo == hi and not last_out):
                    continue
                if phi < lo or (phi == lo and not last_in):
                    continue
                ds.append(p)
            deps.append(tuple(ds))
        return {"kind": c.kind, "kind_": c.kind, "columns": c.columns, "dtypes": c.dtypes, "divisions": new,
                "deps": tuple(deps)}

    def block_dependencies(self, idx):
        return [(self.child, (p,)) for p in self.deps[idx[0]]]

    def block_task(self, key, idx):
        i = idx[0]
        d = self.divisions_
        c = self.child
        last = i == len(d) - 2
        if not self.deps[i]:
            # an empty partition with the index (dtype and name) the other partitions have
            return Task(key, make_meta, self.kind, self.columns, self.dtypes, self.meta.index)
        return Task(key, _range_rows, d[i], d[i + 1], last, *[TaskRef((c.name, p)) for p in self.deps[i]])

    def label(self):
        return f"repartition(divisions, {self.child.npartitions} -> {self.npartitions})"


def _range_rows(lo, hi, closed, *parts):
    out = []
    for p in parts:
        idx = p.index
        m = (idx >= lo) & ((idx <= hi) if closed else (idx < hi))
        out.append(p[m])
    if not out:
        raise ValueError("empty output partition")
    nonempty = [p for p in out if len(p)]
    return pd.concat(same_categories(nonempty)) if len(nonempty) > 1 else (nonempty[0] if nonempty else out[0])
