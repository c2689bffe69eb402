"""Joins: the logical :class:`Merge` and the per-partition :class:`PartitionMerge` it lowers to.

``Merge`` holds pandas' merge parameters; its columns and dtypes come from
``pd.merge`` on the two (empty) metas, so suffixes, shared keys and the
indicator column are exactly pandas'.  :func:`merge_layout` says where every
output column comes from (left, right, or a key shared by both), which the
projection and predicate rules use.

At lowering (rule ``lower_merge`` in :mod:`hlq.dataframe.rules.merge`) a
strategy is chosen from estimated sizes (:mod:`hlq.dataframe._estimate`):

* ``single``: both sides have one partition -> one pandas merge;
* ``aligned``: an index-index join of frames with equal known divisions ->
  partition ``i`` with partition ``i``;
* ``broadcast``: the small side (concatenated once) is merged with every
  partition of the large side, when the join type allows it (inner: either
  side; left: the right side; right: the left side) and the small side's
  estimated size is at most ``hlq.dataframe.broadcast-bytes`` (default 32 MiB);
* ``hash``: both sides shuffled by a hash of the keys into the same number of
  partitions, then partition ``i`` merged with partition ``i``.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> a = dd.from_pandas(pd.DataFrame({"k": [1, 2, 3], "v": [1.0, 2.0, 3.0]}), npartitions=2)
>>> b = dd.from_pandas(pd.DataFrame({"k": [1, 3], "v": ["x", "y"]}), npartitions=1)
>>> m = a.merge(b, on="k")
>>> list(m.columns)
['k', 'v_x', 'v_y']
>>> m.compute().sort_values("k").v_y.tolist()
['x', 'y']
"""

from __future__ import annotations

import pandas as pd

from hlq.dataframe.nodes.base import FrameNode, unknown_divisions
from hlq.dataframe.nodes.partitioning import alternatives

__all__ = ["Merge", "PartitionMerge", "merge_layout", "HOWS"]

HOWS = ("inner", "left", "right", "outer")


def _merge_kwargs(node) -> dict:
    return {"how": node.how, "left_on": list(node.left_on) or None, "right_on": list(node.right_on) or None,
            "left_index": node.left_index, "right_index": node.right_index, "suffixes": node.suffixes,
            "indicator": node.indicator}


def merge_meta(left, right, kw):
    """``pd.merge`` of the two sides' empty metas (index dtypes matched to the partner's keys)."""
    lm, rm = left.meta, right.meta
    if kw["left_index"] and kw["right_on"]:
        lm = lm.set_axis(pd.Index([], dtype=rm[kw["right_on"][0]].dtype), axis=0)
    if kw["right_index"] and kw["left_on"]:
        rm = rm.set_axis(pd.Index([], dtype=lm[kw["left_on"][0]].dtype), axis=0)
    return pd.merge(lm, rm, **kw)


def merge_layout(lcols, rcols, left_on, right_on, left_index, right_index, suffixes, indicator):
    """Where each output column of a merge comes from: a list of ``(output name, side, input name)``
    with side ``"l"``, ``"r"`` or ``"key"`` (one column for a key named alike on both sides).

    >>> merge_layout(("k", "v"), ("k", "v", "w"), ("k",), ("k",), False, False, ("_x", "_y"), False)
    [('k', 'key', 'k'), ('v_x', 'l', 'v'), ('v_y', 'r', 'v'), ('w', 'r', 'w')]
    """
    shared = set()
    if not left_index and not right_index:
        shared = {a for a, b in zip(left_on, right_on) if a == b}
    overlap = (set(lcols) & set(rcols)) - shared
    out = []
    for c in lcols:
        if c in shared:
            out.append((c, "key", c))
        else:
            out.append((f"{c}{suffixes[0]}" if c in overlap and suffixes[0] is not None else c, "l", c))
    for c in rcols:
        if c in shared:
            continue
        out.append((f"{c}{suffixes[1]}" if c in overlap and suffixes[1] is not None else c, "r", c))
    if indicator:
        out.append(("_merge", "indicator", None))
    return out


_INDICATOR = pd.CategoricalDtype(["left_only", "right_only", "both"])


def merge_schema(left, right, node):
    """``(columns, dtypes, layout)`` of a merge, derived from the inputs' schemas without running
    pandas; when key dtypes differ, ``pd.merge`` on the empty metas decides (and raises like
    pandas for keys that cannot be merged).  ``layout`` is None for an unusual naming."""
    lk = (() if node.left_index else node.left_on)
    rk = (() if node.right_index else node.right_on)
    layout = merge_layout(left.columns, right.columns, node.left_on, node.right_on, node.left_index,
                          node.right_index, node.suffixes, node.indicator)
    names = [c for c, _, _ in layout]
    same_keys = all(left.dtype_map[a] == right.dtype_map[b] for a, b in zip(lk, rk))
    if same_keys and not (node.left_index or node.right_index) and len(set(names)) == len(names):
        ldm, rdm = left.dtype_map, right.dtype_map
        dtypes = tuple(ldm[src] if side in ("l", "key") else rdm[src] if side == "r" else _INDICATOR
                       for _, side, src in layout)
        return tuple(names), dtypes, layout
    meta = merge_meta(left, right, _merge_kwargs(node))
    if names != list(meta.columns):
        layout = None  # rules leave this merge alone
    return tuple(meta.columns), tuple(meta.dtypes), layout


class Merge(FrameNode):
    """``left.merge(right, how=..., on/left_on/right_on/left_index/right_index, suffixes, indicator)``.

    ``broadcast`` (None: decide from sizes, True/False: force) and ``npartitions_`` (output
    partitions of a hash join; None: the larger input's) steer the lowering.

    ``partitionwise`` fixes the strategy when the inputs are already partitioned for this merge
    and the result's divisions are known: ``("aligned", divisions)`` merges partition ``i`` of
    both sides (equal partition counts, the same index ranges); ``("broadcast", side,
    divisions)`` merges every partition of the other side with the single partition of
    ``side`` (``"l"`` or ``"r"``)."""

    _fields = ("left", "right", "how", "left_on", "right_on", "left_index", "right_index", "suffixes",
               "indicator", "broadcast", "npartitions_", "partitionwise")
    _defaults = {"how": "inner", "left_on": (), "right_on": (), "left_index": False, "right_index": False,
                 "suffixes": ("_x", "_y"), "indicator": False, "broadcast": None, "npartitions_": None,
                 "partitionwise": None}
    op_name = "merge"

    def _props(self):
        left, right = self.left, self.right
        if left.kind != "frame" or right.kind != "frame":
            raise TypeError("merge needs two DataFrames")
        if self.how not in HOWS:
            raise ValueError(f"merge how={self.how!r} is not supported; use one of {list(HOWS)}")
        for side, node, keys in (("left", left, self.left_on), ("right", right, self.right_on)):
            for k in keys:
                if k not in node.dtype_map:
                    raise KeyError(f"merge key {k!r} not found in the {side} frame; columns are {list(node.columns)}")
        columns, dtypes, layout = merge_schema(left, right, self)
        divisions = unknown_divisions(max(left.npartitions, right.npartitions) if self.npartitions_ is None
                                      else self.npartitions_)
        if self.partitionwise is not None:
            divisions = self.partitionwise[-1]
        elif self.left_index and self.right_index and left.known_divisions and left.divisions == right.divisions:
            divisions = left.divisions  # lowered partition by partition: the index ranges stay
        return {"kind": "frame", "columns": columns, "dtypes": dtypes, "divisions": divisions, "layout": layout}

    @property
    def kwargs(self) -> dict:
        return _merge_kwargs(self)

    def label(self):
        keys = "index" if self.left_index and self.right_index else ", ".join(
            map(str, self.left_on if self.left_on == self.right_on else self.left_on + ("=",) + self.right_on))
        return f"merge(how={self.how}, on {keys})"


class PartitionMerge(FrameNode):
    """``pd.merge`` of one partition of ``left`` with one of ``right`` (blockwise).

    ``maps`` gives, per side, ``(0,)`` (partition ``i`` of that side) or ``(("c", 0),)`` (its only
    partition, for a broadcast).  ``strategy`` and ``reason`` explain the choice."""

    _fields = ("left", "right", "maps", "how", "left_on", "right_on", "left_index", "right_index", "suffixes",
               "indicator", "strategy", "reason", "divisions_")
    _defaults = {"divisions_": None}
    op_name = "partition-merge"
    is_blockwise = True

    def _props(self):
        left, right = self.left, self.right
        lead = left if self.maps[0] == (0,) else right
        columns, dtypes, layout = merge_schema(left, right, self)
        d = self.divisions_ or unknown_divisions(lead.npartitions)
        return {"kind": "frame", "columns": columns, "dtypes": dtypes, "divisions": d,
                "partitioning": self._partitioning(layout)}

    def _partitioning(self, layout):
        """The hash partitioning a partition-wise side passes on: its rows stay in their partition
        (the other side is broadcast or partitioned alike), key columns under their output names;
        only sides whose every row is kept (inner: either, left: left, right: right)."""
        if layout is None:
            return None
        sides = [s for s, m in (("l", self.maps[0]), ("r", self.maps[1])) if m == (0,)]
        keep = {"inner": ("l", "r"), "left": ("l",), "right": ("r",)}.get(self.how, ())
        found, n = [], None
        for s in sides:
            part = (self.left if s == "l" else self.right).partitioning
            if s not in keep or part is None or (n is not None and part[1] != n):
                continue
            out = {src: name for name, side, src in layout if side in (s, "key")}
            for keys in alternatives(part):
                if all(w == "col" and k in out for w, k in keys):
                    found.append(tuple(("col", out[k]) for _, k in keys))
                    n = part[1]
        found = list(dict.fromkeys(found))
        if not found:
            return None
        return (found[0], n) if len(found) == 1 else (found[0], n, tuple(found[1:]))

    def _extra_props(self):
        return {"bw_inputs": ((self.left, self.maps[0]), (self.right, self.maps[1])),
                "bw_func": _MergeFunc(tuple(sorted(_merge_kwargs(self).items())))}

    def label(self):
        return f"{self.strategy}-join(how={self.how}; {self.reason})"


class _MergeFunc:
    __slots__ = ("kw",)

    def __init__(self, kw):
        self.kw = kw

    def __call__(self, left, right):
        kw = dict(self.kw)
        out = pd.merge(left, right, **kw)
        li, ri = kw.get("left_index", False), kw.get("right_index", False)
        if not len(out) and li != ri:
            # a column joined to an index: pandas labels rows by the column side's index, except
            # for an empty result, which may take the other side's; keep every partition alike
            out.index = (right if li else left).index[:0]
        return out

    def __reduce__(self):
        return (_MergeFunc, (self.kw,))
