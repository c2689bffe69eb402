"""Physical planning of dataframe operations (phase ``physical``, tag ``lowering``).

* reductions, groupby aggregations and tree aggregations (value_counts,
  nunique, quantile, describe, ...) become partial -> combine tree ->
  aggregate; with the cost model on (:mod:`hlq.lower.cost`) and the default
  ``split_every``, a reduction's or groupby's first combine level reads as
  many partitions per task as the estimated work allows (small partitions'
  partial steps then run inside those tasks);
* shuffles become a hash split of every partition (fused with its producer)
  and one collect task per output partition; ``sort_values``/``set_index``
  become a range split whose boundaries are given or sampled in the graph,
  and collect tasks that sort their partition;
* a join becomes a single-partition, aligned, broadcast or hash-shuffle
  join, chosen from estimated sizes (:func:`choose_join`).

These rules are needed for correctness (``excludable=False``).

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> from hlq.rules import optimize_plan
>>> s = dd.from_pandas(pd.Series(range(100)), npartitions=20).sum(split_every=4)
>>> plan = optimize_plan(s.node)
>>> plan.op_name, plan.child.op_name, plan.child.npartitions
('reduce-combine', 'reduce-combine', 2)
>>> import dask
>>> with dask.config.set({"hlq.batch.threads": 2}):  # the tiny partial steps run inside the first 5
...     s.task_count()   # the pandas data + 5 + 2 + 1
9
>>> df = dd.from_pandas(pd.DataFrame({"a": [3, 1, 2, 5], "b": 1.0}), npartitions=2)
>>> plan = optimize_plan(df.sort_values("a").node)
>>> plan.label(), plan.child.label()
('shuffle-collect(2 -> 2, then sort_values)', 'range-split(on a, sampled bounds, into 2)')
"""

from __future__ import annotations

import dask
import numpy as np
import pandas as pd

from hlq.dataframe._estimate import bytes_per_row, estimate_rows, format_bytes
from hlq.lower.cost import CostSettings, available_threads, chain_block_seconds
from hlq.dataframe.nodes.base import Concat
from hlq.dataframe.nodes.merge import Merge, PartitionMerge
from hlq.dataframe.nodes.ops import Assign, Filter, FilterBy, MapPartitions, Project, Rename, SeriesExpr
from hlq.dataframe.nodes.partitioning import alternatives, keys_as
from hlq.dataframe.nodes.reduction import (
    GroupbyAgg, GroupbyBucketCombine, GroupbyBucketGet, GroupbyCombine, GroupbyPartial, Reduce, ReduceCombine, ReducePartial, TreeAgg, TreeCombine,
    TreePartial,
)
from hlq.dataframe.nodes.shuffle import (
    INDEX, Boundaries, RangeSplit, SampleKeys, Shuffle, ShuffleCollect, ShuffleSplit, key_casts,
)
from hlq.dataframe.nodes.sort import SetIndex, SortValues
from hlq.dataframe.nodes.structure import RepartitionCombine, RepartitionSplit
from hlq.lower.protocol import fan_in_count
from hlq.rules import Is, rule
from hlq.dataframe.nodes.shuffle import _numeric

__all__ = ["choose_join", "BROADCAST_BYTES", "SAMPLES_PER_OUTPUT", "MAX_SAMPLE"]


# ------------------------------------------------------------------ reductions and aggregations
def _first_split(partial, split, default) -> int:
    """Partitions per task of a tree's first combine level: with the cost model on and the
    default ``split_every``, at least as many as make the estimated work of the partitions
    (:func:`hlq.lower.cost.chain_block_seconds`) fill tasks of the target duration (the
    partitions' partial steps then run inside those tasks when they are small, see
    :mod:`hlq.lower.batching`); else ``split``."""
    s = CostSettings.current()
    if split != default or not s.enabled:
        return split
    per = chain_block_seconds(partial)
    n = partial.npartitions
    if per is None or n <= split:
        return split
    return max(split, -(-n // s.tasks_for(per * n)))


@rule(Is(Reduce), phase="physical", register=False, excludable=False, tags=("lowering",))
def lower_frame_reduction(node):
    """reduce(x) -> combine(...(partial(x)))"""
    split = max(2, int(node.split_every))
    cur = ReducePartial(node.child, node.how)
    level_split = _first_split(cur, split, Reduce._defaults["split_every"])
    while True:
        final = cur.npartitions <= level_split
        cur = ReduceCombine(cur, node.how, level_split, final, node.ddof, node.kind, node.dtypes[0])
        if final:
            return cur
        level_split = split


# ------------------------------------------------------------------ hash partitioning
#: logical nodes whose lowering may give their result a hash partitioning
_PARTITIONS_WHEN_LOWERED = (Merge, GroupbyAgg, Shuffle)
#: nodes that pass their input's partitioning on (some of them may drop it)
_PASSES_PARTITIONING = (Filter, FilterBy, Project, Rename, Assign, SeriesExpr, MapPartitions)


def inputs_pending(node) -> bool:
    """Whether an input of ``node`` (through filters, projections, renames, assigns and
    partition-wise functions) is a join, groupby or shuffle not lowered yet: its hash
    partitioning is known only once it is, so a join or groupby above waits for it (the
    physical phase lowers bottom-up where it matters)."""
    stack = [c for c in node.children if hasattr(c, "partitioning")]
    seen = set()
    while stack:
        c = stack.pop()
        if id(c) in seen:
            continue
        seen.add(id(c))
        if isinstance(c, _PARTITIONS_WHEN_LOWERED):
            return True
        if isinstance(c, _PASSES_PARTITIONING):
            stack.append(c.child)
    return False


def _groups_disjoint(node) -> bool:
    """Whether every group of ``node`` (a groupby aggregation) lies in one partition of its input:
    the input is hash-partitioned by some of the group keys."""
    part = node.child.partitioning
    return (part is not None and part[1] == node.child.npartitions
            and any(all(w == "col" and k in node.by for w, k in keys) for keys in alternatives(part)))


def _local_groups(node) -> bool:
    """Whether the groups lie in one partition each (:func:`_groups_disjoint`) and ``split_out``
    asks for as many partitions as the input has: each partition is aggregated on its own."""
    n = int(node.split_out)
    return n > 1 and n == node.child.npartitions and _groups_disjoint(node)


@rule(Is(GroupbyAgg), phase="physical", register=False, excludable=False, tags=("lowering",))
def lower_groupby(node):
    """groupby-agg(x) -> groupby-combine(...(groupby-partial(x)))

    Each partition is aggregated on its own when the input is already hash-partitioned by group
    keys into ``split_out`` partitions."""
    if inputs_pending(node):
        return None
    split = max(2, int(node.split_every))
    opts = (node.dropna, node.sort, node.as_index)
    nb = int(node.split_out)
    if _local_groups(node):
        cur = GroupbyPartial(node.child, node.by, node.spec, node.dropna)
        return GroupbyCombine(cur, node.by, node.spec, node.shape, 1, True, node.kind, node.columns,
                              node.dtypes, opts)
    if nb > 1:  # per hash bucket of the key: one tree per bucket, nb output partitions
        part = GroupbyPartial(node.child, node.by, node.spec, node.dropna, nb)
        groups, first = part.npartitions, False
        cur = GroupbyBucketGet(part, nb)
        # a bucket holds about 1/nb of a partial: a combine task reads as much data as `split`
        # whole partials when it takes split * nb buckets (one level up to that many partitions)
        split *= nb
        while True:
            final = groups <= split
            cur = GroupbyBucketCombine(cur, node.by, node.spec, node.shape, split, final, nb, first,
                                       node.kind, node.columns, node.dtypes, opts)
            groups, first = fan_in_count(split, groups), False
            if final:
                return cur
    if _groups_disjoint(node):  # combining partial results only concatenates them
        opts = opts + (True,)
    cur = GroupbyPartial(node.child, node.by, node.spec, node.dropna)
    level_split = _first_split(cur, split, GroupbyAgg._defaults["split_every"])
    while True:
        final = cur.npartitions <= level_split
        cur = GroupbyCombine(cur, node.by, node.spec, node.shape, level_split, final,
                             node.kind, node.columns, node.dtypes, opts)
        if final:
            return cur
        level_split = split


@rule(Is(TreeAgg), phase="physical", register=False, excludable=False, tags=("lowering",))
def lower_tree_aggregation(node):
    """tree-agg(x) -> tree-combine(...(tree-partial(x))) (value_counts, nunique, quantile, describe, ...)"""
    split = max(2, int(node.split_every))
    cur = TreePartial(node.child, node.chunk)
    while True:
        final = cur.npartitions <= split
        cur = TreeCombine(cur, node.combine, node.final_fn, split, final, node.kind, node.columns, node.dtypes)
        if final:
            return cur



# ------------------------------------------------------------------ shuffles and sorts
#: sampled keys per input partition and output partition (bounded) for range boundaries
SAMPLES_PER_OUTPUT = 20


MAX_SAMPLE = 1000


@rule(Is(Shuffle), phase="physical", register=False, excludable=False, tags=("lowering",))
def lower_shuffle(node):
    """shuffle(x, on, n) -> collect(hash-split(x, on, n))"""
    c = node.child
    n = node.npartitions_
    split = ShuffleSplit(c, tuple(node.on), n, None)
    return ShuffleCollect(split, c.kind, c.columns, c.dtypes, node.divisions, None)


def _bounds(child, key, n):
    if n <= 1:
        return ()
    size = min(MAX_SAMPLE, SAMPLES_PER_OUTPUT * n)
    return Boundaries(SampleKeys(child, key, size), n)


@rule(Is(SortValues), phase="physical", register=False, excludable=False, tags=("lowering",))
def lower_sort_values(node):
    """sort_values(x, by) -> collect+sort(range-split(x, by[0], sampled boundaries))"""
    c = node.child
    n = node.npartitions_
    key = node.by[0] if c.kind == "frame" else c.columns[0]
    split = RangeSplit(c, key, _bounds(c, key, n), n, bool(node.ascending[0]), node.na_position)
    return ShuffleCollect(split, c.kind, c.columns, c.dtypes, node.divisions,
                          ("sort_values", tuple(node.by), tuple(bool(a) for a in node.ascending),
                           node.na_position))


@rule(Is(SetIndex), phase="physical", register=False, excludable=False, tags=("lowering",))
def lower_set_index(node):
    """set_index(x, col) -> collect+set_index(range-split(x, col, given or sampled boundaries))"""
    c = node.child
    n = node.npartitions
    if node.divisions_ is not None:
        bounds = tuple(node.divisions_[1:-1])
        dt = c.dtype_map.get(node.col)
        if isinstance(dt, pd.CategoricalDtype) and dt.categories is not None:
            # a categorical key splits by code (its sort order): given category values become codes
            bounds = tuple(int(v) for v in pd.Categorical(list(bounds), dtype=dt).codes)
    else:
        bounds = _bounds(c, node.col, n)
    split = RangeSplit(c, node.col, bounds, n, True)
    return ShuffleCollect(split, "frame", node.columns, node.dtypes, node.divisions, ("set_index", node.col))



# ------------------------------------------------------------------ joins
#: default largest estimated size (bytes) of a side that is broadcast to every partition of the other
BROADCAST_BYTES = 32 * 2**20
#: the cost of one piece of a hash shuffle (a slice taken, moved and concatenated), in bytes handled
PIECE_BYTES = 16 * 2**10


# ------------------------------------------------------------------ lowering
def _broadcastable(how, left, right):
    """Sides that may be broadcast (copied whole to every partition of the other side)."""
    out = []
    if how in ("inner", "left") or (how == "outer" and left.npartitions == 1):
        out.append("r")
    if how in ("inner", "right") or (how == "outer" and right.npartitions == 1):
        out.append("l")
    return out


def choose_join(m):
    """``(strategy, reason, broadcast side or None)`` for a :class:`Merge`, from estimated sizes."""
    left, right = m.left, m.right
    pw = m.partitionwise
    if pw is not None and pw[0] == "aligned":
        return "aligned", "inputs partitioned alike by their index", None
    if left.npartitions == 1 and right.npartitions == 1:
        return "single", "both sides have one partition", None
    pre = _prepartitioned(m)
    if pre == {"l", "r"}:
        return "hash", f"both sides already hash-partitioned on the keys into {m.npartitions}", None
    if pw is not None:
        return "broadcast", "one side has a single partition; the other keeps its divisions", pw[1]
    if (m.left_index and m.right_index and left.known_divisions and left.divisions == right.divisions):
        return "aligned", "index join of frames with equal divisions", None
    sizes = {}
    for side, node in (("l", left), ("r", right)):
        rows = estimate_rows(node)
        sizes[side] = (rows, None if rows is None else rows * bytes_per_row(node))
    limit = dask.config.get("hlq.dataframe.broadcast-bytes", BROADCAST_BYTES)
    cands = _broadcastable(m.how, left, right)
    names = {"l": "left", "r": "right"}

    def size_text(side):
        rows, b = sizes[side]
        if rows is None:
            return f"{names[side]} size unknown"
        return f"{names[side]} ~{rows:,.0f} rows x {bytes_per_row(left if side == 'l' else right)} B = {format_bytes(b)}"

    if m.broadcast is False:
        return "hash", "broadcast=False", None
    if not cands:
        return "hash", f"how={m.how} cannot broadcast either side", None
    known = [s for s in cands if sizes[s][1] is not None]
    if m.broadcast is True:
        side = min(known, key=lambda s: sizes[s][1]) if known else cands[0]
        return "broadcast", f"broadcast=True, {names[side]} side", side
    if not known:
        return "hash", "sizes unknown", None
    within = [s for s in known if sizes[s][1] <= limit]
    if not within:
        side = min(known, key=lambda s: sizes[s][1])
        return "hash", f"{size_text(side)} > broadcast limit {format_bytes(limit)}", None
    # every partition of the other side joins the whole broadcast side (pandas hashes it each
    # time): about size x partitions of the other side, plus the other side once, plus gathering
    # the broadcast side into one partition and regrouping the result when the other side's
    # partition count is not the join's; a shuffle moves both sides about three times.  The
    # cheapest broadcast wins while it costs less.  A side with fewer partitions than the join
    # and than the threads receives no broadcast (the join would run in fewer tasks than
    # threads).
    threads = max(1, available_threads())
    costs = {}
    for side in within:
        other = "l" if side == "r" else "r"
        big = sizes[other][1]
        n_other = (right if other == "r" else left).npartitions
        small = sizes[side][1]
        if big is None:
            costs[side] = None
            continue
        if n_other < min(threads, m.npartitions):
            continue
        gather = small if (left if side == "l" else right).npartitions > 1 else 0
        regroup = small + big if n_other != m.npartitions else 0
        costs[side] = small * n_other + big + gather + regroup
    within = [s for s in within if s in costs]
    if not within:
        side = min(known, key=lambda s: sizes[s][1])
        return "hash", f"{size_text(side)} would be joined in fewer tasks than threads", None
    unknown = [s for s in within if costs[s] is None]
    if unknown:  # the other side's size is unknown: broadcast the known one
        side = min(unknown, key=lambda s: sizes[s][1])
        return "broadcast", f"{size_text(side)} <= limit {format_bytes(limit)}", side
    side = min(within, key=lambda s: (costs[s], sizes[s][1]))
    other = "l" if side == "r" else "r"
    # a side already hash-partitioned on its keys is not moved: read once; each piece a shuffle
    # cuts (input partitions x output partitions) costs about as much as handling PIECE_BYTES
    n = m.npartitions_ or max(left.npartitions, right.npartitions)
    pieces = sum((left if s == "l" else right).npartitions * n for s in ("l", "r") if s not in pre)
    hash_cost = sum((1 if s in pre else 3) * sizes[s][1] for s in (side, other)) + PIECE_BYTES * pieces
    if costs[side] > hash_cost:
        n_other = (right if other == "r" else left).npartitions
        return "hash", (f"{size_text(side)} joined by each of {n_other} partitions costs more than "
                        f"shuffling both sides"), None
    return "broadcast", f"{size_text(side)} <= limit {format_bytes(limit)}", side


def _with_npartitions(node, n):
    """``node`` regrouped into ``n`` partitions (the merge's declared count, which nodes above
    it, e.g. a ``head`` or a partition selection, rely on): its partitions split into equal
    pieces, or consecutive ones concatenated."""
    p = node.npartitions
    if p == n:
        return node
    if p < n:
        pieces = []
        for j in range(p):
            m = n // p + (1 if j < n % p else 0)
            pieces.extend((j, q, m) for q in range(m))
        return RepartitionSplit(node, tuple(pieces))
    bounds = [(p * i) // n for i in range(n + 1)]
    return RepartitionCombine(node, tuple(zip(bounds[:-1], bounds[1:])))


def _keys(m, side):
    if side == "l":
        return (INDEX,) if m.left_index else m.left_on
    return (INDEX,) if m.right_index else m.right_on


def _hash_casts(left, lk, right, rk):
    """Dtypes each key pair is cast to before hashing, so that equal keys hash alike on both sides
    (an index key, whose dtype is not tracked, is cast like its partner column)."""
    out = []
    for a, b in zip(lk, rk):
        da = None if a == INDEX else left.dtype_map[a]
        db = None if b == INDEX else right.dtype_map[b]
        if da is None and db is None:
            out.append(None)
        elif da is None or db is None:
            known = da if db is None else db
            out.append(np.dtype("float64") if _numeric(known) else np.dtype(object))
        else:
            out.append(key_casts([da], [db])[0])
    return None if all(c is None for c in out) else tuple(out)


def _prepartitioned(m) -> set:
    """The sides (``"l"``, ``"r"``) of a merge already hash-partitioned on their join keys into
    the merge's partition count, with key dtypes equal on both sides (hashed alike)."""
    if m.left_index or m.right_index or m.how == "outer":
        return set()
    n = m.npartitions_ or max(m.left.npartitions, m.right.npartitions)
    ldm, rdm = m.left.dtype_map, m.right.dtype_map
    if any(ldm[a] != rdm[b] for a, b in zip(m.left_on, m.right_on)):
        return set()
    out = set()
    for s, side, keys in (("l", m.left, m.left_on), ("r", m.right, m.right_on)):
        if keys_as(side.partitioning, keys) and side.partitioning[1] == n == side.npartitions:
            out.add(s)
    return out


@rule(Is(Merge), phase="physical", register=False, excludable=False, tags=("lowering",))
def lower_merge(node):
    """merge(l, r) -> broadcast or hash-shuffle join, chosen from estimated sizes

    A side already hash-partitioned on its keys is not shuffled again."""
    m = node
    if inputs_pending(m):
        return None
    strategy, reason, side = choose_join(m)
    params = (m.how, m.left_on, m.right_on, m.left_index, m.right_index, m.suffixes, m.indicator)
    left, right = m.left, m.right
    divs = m.divisions if m.known_divisions else None
    if strategy == "single":
        return PartitionMerge(left, right, ((0,), (0,)), *params, strategy, reason, divs)
    if strategy == "aligned":
        return PartitionMerge(left, right, ((0,), (0,)), *params, strategy, reason, divs)
    if strategy == "broadcast":
        if side == "r":
            small = Concat(right)  # one task: never re-read inside every partition's task
            out = PartitionMerge(left, small, ((0,), (("c", 0),)), *params, strategy, reason, divs)
        else:
            small = Concat(left)
            out = PartitionMerge(small, right, ((("c", 0),), (0,)), *params, strategy, reason, divs)
        return _with_npartitions(out, m.npartitions)
    n = m.npartitions_ or max(left.npartitions, right.npartitions)
    lk, rk = _keys(m, "l"), _keys(m, "r")
    casts = _hash_casts(left, lk, right, rk)
    pre = _prepartitioned(m) if casts is None else set()
    sides = []
    for s, node_, keys in (("l", left, lk), ("r", right, rk)):
        if s in pre and node_.npartitions == n:
            sides.append(node_)
            continue
        split = ShuffleSplit(node_, keys, n, casts)
        sides.append(ShuffleCollect(split, "frame", node_.columns, node_.dtypes, (None,) * (n + 1), None))
    kept = " and ".join({"l": "left", "r": "right"}[s] for s in sorted(pre))
    note = f"; {kept} already hash-partitioned on the keys, not shuffled" if pre and len(pre) < 2 else ""
    return PartitionMerge(sides[0], sides[1], ((0,), (0,)), *params, "hash", f"{reason}; {n} partitions{note}")
