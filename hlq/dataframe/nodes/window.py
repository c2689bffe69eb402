"""Nodes whose partitions need rows of their neighbours: overlaps and scans.

* :class:`MapOverlap` runs a function on each partition extended with the
  last ``before`` rows of the partitions before it and the first ``after``
  rows of those after it, then trims the borrowed rows off (``shift``,
  ``diff``, ``rolling``, ``map_overlap``).  ``before``/``after`` are row
  counts, or ``pd.Timedelta`` windows over a datetime index with known
  divisions (the partitions that can hold rows in the window are read).
* :class:`ScanApply` finishes a scan (``cumsum``, ``cummax``, ``ffill``, ...):
  partition ``i`` of the per-partition scan is combined with the carry of the
  partitions before it (row ``i`` of a small frame of carries, computed once
  by a tree aggregation over the partitions' last rows).
* :class:`IndexedMap` runs ``func(partition, i)`` with the partition number
  (``sample`` seeds, ``random_split``).

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> s = dd.from_pandas(pd.Series(range(6), name="x"), npartitions=3)
>>> s.shift(1).compute().tolist()
[nan, 0.0, 1.0, 2.0, 3.0, 4.0]
>>> s.cumsum().compute().tolist()
[0, 1, 3, 6, 10, 15]
"""

from __future__ import annotations

import pandas as pd
from dask._task_spec import Task, TaskRef

from hlq.dataframe.nodes.base import FrameNode
from hlq.expr.opaque import loaded

__all__ = ["MapOverlap", "ScanApply", "IndexedMap", "meta_props"]


def meta_props(meta, divisions, lengths=None) -> dict:
    """Derived properties (kind, columns, dtypes, divisions, lengths) of a pandas ``meta``."""
    if isinstance(meta, pd.DataFrame):
        return {"kind": "frame", "columns": tuple(meta.columns), "dtypes": tuple(meta.dtypes),
                "divisions": divisions, "lengths": lengths}
    if isinstance(meta, pd.Series):
        return {"kind": "series", "columns": (meta.name,), "dtypes": (meta.dtype,), "divisions": divisions,
                "lengths": lengths}
    raise TypeError(f"meta must be a pandas DataFrame or Series, got {type(meta).__name__}")


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


class MapOverlap(FrameNode):
    """``func(extended partition, *args, **kwargs)`` trimmed back to the partition's rows.

    ``before``/``after``: rows (int) or a ``pd.Timedelta`` (needs known datetime divisions).
    ``meta_`` (a MetaBox) describes the result; the function must keep the rows (one output
    row per input row, in order), as pandas' shift/diff/rolling/cumulative functions do, or
    give the same number of consecutive rows per input row (a pairwise rolling ``cov``, whose
    result index has an extra level).
    ``others``: further frames passed to ``func`` partition by partition (not extended), at
    the positions ``other_slots`` of the positional arguments (whose entries there are None);
    each has the child's partitions, or one partition given to every call."""

    _fields = ("child", "func", "args", "kwargs", "meta_", "before", "after", "others", "other_slots")
    _defaults = {"others": (), "other_slots": ()}
    _opaque_fields = ("func",)
    #: the user's positional and keyword arguments (shipped opaque unless plain)
    _user_value_fields = ("args", "kwargs")
    op_name = "map-overlap"

    def _props(self):
        c = self.child
        for side, v in (("before", self.before), ("after", self.after)):
            if _is_int(v):
                if v < 0:
                    raise ValueError(f"map_overlap {side} must be >= 0, got {v}")
            elif isinstance(v, pd.Timedelta):
                if not c.known_divisions:
                    raise ValueError("a time-based overlap (a Timedelta window) needs known divisions; "
                                     "use set_index(..., sorted=True) or repartition(divisions=...)")
            else:
                raise TypeError(f"map_overlap {side} must be an int or a timedelta, got {v!r}")
        if len(self.others) != len(self.other_slots):
            raise ValueError("map_overlap: one argument position per further frame")
        for o in self.others:
            if o.npartitions not in (1, c.npartitions):
                raise ValueError(f"map_overlap: a further frame has {o.npartitions} partitions, the frame "
                                 f"{c.npartitions}; align them first (align_dataframes=True)")
        m = self.meta_.value
        expands = isinstance(m, (pd.DataFrame, pd.Series)) and m.index.nlevels != c.meta.index.nlevels
        return meta_props(m, c.divisions, None if expands else c.lengths)

    def _other_refs(self, i):
        return [(o, (i if o.npartitions == self.child.npartitions else 0,)) for o in self.others]

    def _neighbours(self, i):
        """(partitions before ``i`` to borrow from, partitions after it), in order."""
        c = self.child
        n, d = c.npartitions, c.divisions
        if isinstance(self.before, pd.Timedelta):
            lo = d[i] - self.before
            prev = [j for j in range(i) if d[j + 1] >= lo]
        elif self.before:
            prev = _enough(c.lengths, range(i - 1, -1, -1), self.before)[::-1]
        else:
            prev = []
        if isinstance(self.after, pd.Timedelta):
            hi = d[i + 1] + self.after
            nxt = [j for j in range(i + 1, n) if d[j] <= hi]
        elif self.after:
            nxt = _enough(c.lengths, range(i + 1, n), self.after)
        else:
            nxt = []
        return prev, nxt

    def block_dependencies(self, idx):
        i = idx[0]
        prev, nxt = self._neighbours(i)
        return [(self.child, (j,)) for j in (*prev, i, *nxt)] + self._other_refs(i)

    def block_task(self, key, idx):
        i = idx[0]
        prev, nxt = self._neighbours(i)
        c = self.child
        refs = [TaskRef((c.name, j)) for j in (*prev, i, *nxt)]
        # the further frames' partitions come last (put at their argument positions in the task)
        refs += [TaskRef((o.name, *idx)) for o, idx in self._other_refs(i)]
        return Task(key, _overlap_call, self.func, self.args, self.kwargs, self.before, self.after,
                    len(prev), len(nxt), i, *refs, slots=self.other_slots)

    def label(self):
        return f"map-overlap({getattr(self.func, '__name__', 'func')}, before={self.before}, after={self.after})"


def _enough(lengths, order, rows):
    """Partitions (in ``order``) that hold at least ``rows`` rows: all needed ones when the
    lengths are known, else the nearest one (checked when the task runs)."""
    order = list(order)
    if not order:
        return []
    if lengths is None:
        return order[:1]
    out, total = [], 0
    for j in order:
        out.append(j)
        total += lengths[j]
        if total >= rows:
            break
    return out


def _concat(parts):
    parts = [p for p in parts if len(p)] or parts[:1]
    return parts[0] if len(parts) == 1 else pd.concat(parts)


def _overlap_call(func, args, kwargs, before, after, nprev, nnext, i, *parts, slots=()):
    args = tuple(map(loaded, args))
    if slots:
        parts, extra = parts[:len(parts) - len(slots)], parts[len(parts) - len(slots):]
        args = list(args)
        for pos, part in zip(slots, extra):
            args[pos] = part
    prev, cur, nxt = parts[:nprev], parts[nprev], parts[nprev + 1:]
    head = tail = None
    if nprev:
        p = _concat(list(prev))
        if isinstance(before, pd.Timedelta):
            head = p[p.index >= (cur.index[0] if len(cur) else p.index[-1]) - before] if len(p) else p
        else:
            if len(p) < before and i - nprev > 0:
                raise ValueError(f"partition {i - 1} has {len(p)} rows, fewer than the {before} rows the "
                                 f"overlap needs; repartition to larger partitions (e.g. "
                                 f"df.repartition(npartitions=...)) first")
            head = p.iloc[len(p) - min(before, len(p)):]
    if nnext:
        q = _concat(list(nxt))
        if isinstance(after, pd.Timedelta):
            tail = q[q.index <= (cur.index[-1] if len(cur) else q.index[0]) + after] if len(q) else q
        else:
            tail = q.iloc[:after]
    pieces = [x for x in (head, cur, tail) if x is not None]
    ext = pd.concat(pieces) if len(pieces) > 1 else cur
    out = func(ext, *args, **{k: loaded(v) for k, v in kwargs})
    # a function giving k rows per input row (a pairwise rolling cov) gives k per borrowed row
    k = len(out) // len(ext) if len(ext) else 1
    lo = 0 if head is None else len(head) * k
    hi = len(out) - (0 if tail is None else len(tail) * k)
    return out.iloc[lo:hi]


class ScanApply(FrameNode):
    """Partition ``i`` of ``chunks`` (a per-partition scan) combined with row ``i`` of ``carries``
    (a one-partition frame of the carries from the partitions before ``i``) by ``apply``."""

    _fields = ("chunks", "carries", "apply")
    op_name = "scan-apply"
    is_blockwise = True
    bw_has_arg = True

    def _props(self):
        c = self.chunks
        return {"kind": c.kind, "columns": c.columns, "dtypes": c.dtypes, "divisions": c.divisions,
                "lengths": c.lengths}

    @property
    def kind(self):
        return self.__dict__.get("kind", "frame")

    def _extra_props(self):
        return {"bw_inputs": ((self.chunks, (0,)), (self.carries, (("c", 0),))), "bw_func": _ScanStep(self.apply)}

    def bw_block_arg(self, idx):
        return idx[0]

    def label(self):
        return f"scan-apply({self.apply!r})"


class _ScanStep:
    __slots__ = ("apply",)

    def __init__(self, apply):
        self.apply = apply

    def __call__(self, chunk, carries, i):
        if i == 0 or not len(chunk):
            return chunk
        carry = carries.iloc[i]
        return self.apply(chunk, carry)

    def __reduce__(self):
        return (_ScanStep, (self.apply,))


class IndexedMap(FrameNode):
    """``func(partition, i, *args)`` with the partition number ``i`` (blockwise); ``divisions_``
    gives the result's divisions when ``func`` changes the index (None: the input's)."""

    _fields = ("child", "func", "args", "meta_", "lengths_kept", "divisions_")
    _defaults = {"lengths_kept": False, "divisions_": None}
    _opaque_fields = ("func",)
    #: the user's extra arguments (shipped opaque unless plain)
    _user_value_fields = ("args",)
    op_name = "indexed-map"
    is_blockwise = True
    bw_has_arg = True

    def _props(self):
        c = self.child
        divs = c.divisions if self.divisions_ is None else self.divisions_
        if len(divs) != len(c.divisions):
            raise ValueError(f"indexed-map divisions_ must have {len(c.divisions)} entries, got {len(divs)}")
        return meta_props(self.meta_.value, divs, c.lengths if self.lengths_kept else None)

    @property
    def kind(self):
        return self.__dict__.get("kind", "frame")

    def _extra_props(self):
        return {"bw_inputs": ((self.child, (0,)),), "bw_func": _Indexed(self.func, self.args)}

    def bw_block_arg(self, idx):
        return idx[0]

    def label(self):
        return f"indexed-map({getattr(self.func, '__name__', 'func')})"


class _Indexed:
    __slots__ = ("func", "args")

    def __init__(self, func, args):
        self.func, self.args = func, args

    def __call__(self, df, i):
        return self.func(df, i, *map(loaded, self.args))

    def __reduce__(self):
        return (_Indexed, (self.func, self.args))
