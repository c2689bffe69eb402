"""Joins: projection and predicate pushdown through ``merge``, and the choice of a join strategy.

Columns a consumer needs flow to the side they come from (suffixes are kept:
when a dropped column no longer collides, the survivor is renamed back), and
each conjunct of a filter above a join moves to the side(s) whose rows it
judges, when the join type allows (inner: both; left: left-side columns;
right: right-side columns; outer: none); a conjunct on join keys only also
filters the matching keys of the other side (``a.k < 5`` -> ``b.k < 5``)
unless the join is outer.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> from hlq.rules import optimize_plan
>>> left = dd.from_pandas(pd.DataFrame({"key": [1, 2, 3], "v0": [1.0, 2.0, 3.0], "v1": 0}), npartitions=2)
>>> right = dd.from_pandas(pd.DataFrame({"key": [1, 3], "r0": [0.95, 0.5], "r1": [10, 30]}), npartitions=1)
>>> m = left.merge(right, on="key")
>>> q = m[m.r0 > 0.9][["v0", "r1"]]
>>> plan = optimize_plan(q.node, phases=["simplify", "pushdown"])
>>> join = next(n for n in plan.walk() if n.op_name == "merge")
>>> [c.label() for c in join.children], join.right.child.label()
(['from-pandas(columns 2/3)', 'project(key, r1)'], 'filter (r0 > 0.9)')
>>> q.compute().values.tolist()
[[1.0, 10.0]]
"""

from __future__ import annotations

import dask
import numpy as np

from hlq.dataframe.estimate import bytes_per_row, conjuncts, estimate_rows, format_bytes
from hlq.dataframe.nodes.base import Concat
from hlq.dataframe.nodes.colexpr import columns_of, make_and, rename_columns
from hlq.dataframe.nodes.merge import Merge, PartitionMerge
from hlq.dataframe.nodes.ops import Filter, Project, Rename
from hlq.dataframe.nodes.shuffle import INDEX, ShuffleCollect, ShuffleSplit, key_casts
from hlq.dataframe.nodes.structure import RepartitionCombine, RepartitionSplit
from hlq.rules import Is, Where, rule

__all__ = ["choose_join", "BROADCAST_BYTES"]

#: default largest estimated size (bytes) of a side that is broadcast to every partition of the other
BROADCAST_BYTES = 32 * 2**20


def _ordered(node, needed):
    return tuple(c for c in node.columns if c in needed)


def _rebuild_merge(m, left, right):
    return Merge(left, right, m.how, m.left_on, m.right_on, m.left_index, m.right_index, m.suffixes,
                 m.indicator, m.broadcast, m.npartitions_)


def _has_layout(m):
    return m.layout is not None


@rule(Is(Project, child=Is(Merge, left=Where(lambda x: True, "any"))), phase="pushdown",
      tags=("projection-pushdown", "merge-pushdown"))
def project_through_merge(node):
    """merge(l, r)[cols] -> merge(l[needed + keys], r[needed + keys])[cols] (suffixed names kept)"""
    m = node.child
    lay = m.layout
    if lay is None:
        return None
    want = set(node.cols)
    lneed, rneed = set(m.left_on), set(m.right_on)
    for out, side, src in lay:
        if out in want:
            if side in ("l", "key"):
                lneed.add(src)
            if side in ("r", "key"):
                rneed.add(src)
    lcols, rcols = _ordered(m.left, lneed), _ordered(m.right, rneed)
    if lcols == m.left.columns and rcols == m.right.columns:
        return None
    lcols = lcols or m.left.columns[:1]
    rcols = rcols or m.right.columns[:1]
    left = m.left if lcols == m.left.columns else Project(m.left, lcols)
    right = m.right if rcols == m.right.columns else Project(m.right, rcols)
    new = _rebuild_merge(m, left, right)
    if new.layout is None:
        return None
    orig = {(side, src): out for out, side, src in lay}
    mapping = tuple((o, orig[(s, src)]) for o, s, src in new.layout if o != orig[(s, src)])
    out = Rename(new, mapping) if mapping else new
    return out if out.columns == node.cols else Project(out, node.cols)


def _chain_to_merge(node):
    """(chain of Project/Rename nodes top-down, the Merge below them) or None."""
    chain = []
    cur = node
    while isinstance(cur, (Project, Rename)):
        chain.append(cur)
        cur = cur.child
    return (chain, cur) if isinstance(cur, Merge) and cur.layout is not None else None


def _pushable_sides(how):
    return {"inner": ("l", "r"), "left": ("l",), "right": ("r",), "outer": ()}[how]


@rule(Is(Filter, child=Where(lambda c: _chain_to_merge(c) is not None, "a merge (under projections/renames)")),
      phase="pushdown", tags=("predicate-pushdown", "merge-pushdown"))
def filter_through_merge(node):
    """merge(l, r)[p_l & p_r & p_lr] -> merge(l[p_l], r[p_r])[p_lr] (sides allowed by the join type;
    a predicate on join keys also filters the other side's keys, except in outer joins)"""
    chain, m = _chain_to_merge(node.child)
    back: dict = {}

    def down(name):
        return back.get(name, name)

    # names at the merge output for every name visible at the filter
    for n in chain:
        if isinstance(n, Rename):
            inv = {new: old for old, new in n.mapping}
            back = {k: inv.get(v, v) for k, v in back.items()}
            for new, old in inv.items():
                if new not in back:
                    back[new] = old
    where = {out: (side, src) for out, side, src in m.layout}
    sides = _pushable_sides(m.how)
    if m.how in ("left", "right") and not _nan_stable_side(m, "r" if m.how == "left" else "l"):
        return None
    to_left, to_right, rest = [], [], []
    l2r = dict(zip(m.left_on, m.right_on))
    r2l = dict(zip(m.right_on, m.left_on))
    lkeys, rkeys = set(m.left_on), set(m.right_on)
    for t in conjuncts(node.predicate):
        cols = {down(c) for c in columns_of(t)}
        origin = [where.get(c, ("?", None)) for c in cols]
        kinds = {s for s, _ in origin}
        if not cols or not kinds <= {"l", "r", "key"}:
            rest.append(t)
            continue
        pushed = False
        tl = {c: src for c, (s, src) in zip(cols, origin)}
        mapped = rename_columns(t, {c: tl[down(c)] for c in columns_of(t)})
        if kinds <= {"l", "key"} and "l" in sides:  # (a shared key judges the left rows in a left join)
            to_left.append(mapped)
            pushed = True
        if kinds <= {"r", "key"} and "r" in sides:
            to_right.append(mapped)
            pushed = True
        if not pushed:
            rest.append(t)
        # a predicate on join keys only also holds for the matching keys of the other side
        # (inner, left, right joins: the other side's rows it rejects can only meet rejected rows)
        # (only with the term itself pushed, so that the rule does not fire again on what stays above)
        if pushed and m.how != "outer" and not (m.left_index or m.right_index):
            srcs = {src for _, src in origin}
            if kinds <= {"l", "key"} and srcs <= lkeys and all(_same_key_dtype(m, k, l2r[k]) for k in srcs):
                other = rename_columns(mapped, {k: l2r[k] for k in srcs})
                if other not in to_right:
                    to_right.append(other)
            if kinds <= {"r", "key"} and srcs <= rkeys and all(_same_key_dtype(m, r2l[k], k) for k in srcs):
                other = rename_columns(mapped, {k: r2l[k] for k in srcs})
                if other not in to_left:
                    to_left.append(other)
    if not to_left and not to_right:
        return None
    left = Filter(m.left, make_and(to_left)) if to_left else m.left
    right = Filter(m.right, make_and(to_right)) if to_right else m.right
    out = _rebuild_merge(m, left, right)
    for n in reversed(chain):
        out = Project(out, n.cols) if isinstance(n, Project) else Rename(out, n.mapping)
    return Filter(out, make_and(rest)) if rest else out


def _nan_stable_side(m, side):
    """Whether the outer join's optional side ``side`` has no output column whose dtype pandas
    changes when unmatched rows bring missing values (integers become float64, bools object).
    Where it has one, the output dtype depends on whether any unmatched row exists before a
    filter, so a filter on the other side stays above the merge (pandas' dtypes, with or
    without the rule)."""
    node = m.left if side == "l" else m.right
    dm = node.dtype_map
    for _out, s, src in m.layout:
        if s == side:
            dt = dm.get(src)
            if isinstance(dt, np.dtype) and dt.kind in "iub":
                return False
    return True


def _same_key_dtype(m, lk, rk):
    return m.left.dtype_map[lk] == m.right.dtype_map[rk]


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
    if left.npartitions == 1 and right.npartitions == 1:
        return "single", "both sides have one partition", None
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
    side = min(known, key=lambda s: sizes[s][1])
    other = "l" if side == "r" else "r"
    small, big = sizes[side][1], sizes[other][1]
    if small > limit or (big is not None and small > big):
        return "hash", f"{size_text(side)} > broadcast limit {format_bytes(limit)}", None
    # every partition of the other side joins the whole broadcast side (pandas hashes it each
    # time); a shuffle moves both sides about three times: broadcast while it costs less
    n_other = (right if other == "r" else left).npartitions
    if big is not None and small * (n_other - 3) > 2 * big:
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
    from hlq.dataframe.nodes.shuffle import _numeric

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


@rule(Is(Merge), phase="lower", excludable=False, tags=("lowering",))
def lower_merge(node):
    """merge(l, r) -> broadcast or hash-shuffle join, chosen from estimated sizes"""
    m = node
    strategy, reason, side = choose_join(m)
    params = (m.how, m.left_on, m.right_on, m.left_index, m.right_index, m.suffixes, m.indicator)
    left, right = m.left, m.right
    if strategy == "single":
        return PartitionMerge(left, right, ((0,), (0,)), *params, strategy, reason)
    if strategy == "aligned":
        return PartitionMerge(left, right, ((0,), (0,)), *params, strategy, reason, left.divisions)
    if strategy == "broadcast":
        if side == "r":
            small = Concat(right)  # one task: never re-read inside every partition's task
            out = PartitionMerge(left, small, ((0,), (("c", 0),)), *params, strategy, reason)
        else:
            small = Concat(left)
            out = PartitionMerge(small, right, ((("c", 0),), (0,)), *params, strategy, reason)
        return _with_npartitions(out, m.npartitions)
    n = m.npartitions_ or max(left.npartitions, right.npartitions)
    lk, rk = _keys(m, "l"), _keys(m, "r")
    casts = _hash_casts(left, lk, right, rk)
    sides = []
    for node_, keys in ((left, lk), (right, rk)):
        split = ShuffleSplit(node_, keys, n, casts)
        sides.append(ShuffleCollect(split, "frame", node_.columns, node_.dtypes, (None,) * (n + 1), None))
    return PartitionMerge(sides[0], sides[1], ((0,), (0,)), *params, "hash", f"{reason}; {n} partitions")
