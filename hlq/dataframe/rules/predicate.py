"""Predicate pushdown (tag ``predicate-pushdown``): filters merge and move toward the sources.

Filter chains merge into one conjunction; filters move below assigns (when
they read no assigned column), renames, shuffles, sorts, ``set_index`` (not
on the new index), repartitions, ``.loc`` and concat (fewer rows moved);
each conjunct of a filter above a join moves to the side(s) whose rows it
judges when the join type allows (inner: both; left: left-side columns;
right: right-side columns; outer: none), and a conjunct on join keys only
also filters the matching keys of the other side (``a.k < 5`` ->
``b.k < 5``) unless the join is outer; a conjunct that is an alternative of
conditions on both sides (``(l.a & r.b) | (l.c & r.d)``) stays above and
each side also keeps the rows that meet its own part of some alternative
(``l.a | l.c`` and ``r.b | r.d``); at a parquet read, the conjuncts
pyarrow can evaluate become the read's filter (row groups are skipped).

>>> import pandas as pd, tempfile, os
>>> import hlq.dataframe as dd
>>> from hlq.rules import optimize_plan
>>> d = tempfile.mkdtemp()
>>> pd.DataFrame({"x": [0.1, 0.6, 0.9], "y": [1, 2, 3]}).to_parquet(os.path.join(d, "part.0.parquet"))
>>> df = dd.read_parquet(d)
>>> q = df[df.x > 0.2]
>>> q = q[q.x < 0.8]
>>> optimize_plan(q.node).label()
'read-parquet(columns 2/2, files 1, filter ((x > 0.2) & (x < 0.8)))'
>>> q.compute().y.tolist()
[2]
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

import numpy as np

from hlq.dataframe._estimate import conjuncts
from hlq.dataframe.nodes.colexpr import and_terms, columns_of, make_and, rename_columns
from hlq.dataframe.nodes.merge import Merge
from hlq.dataframe.nodes.ops import Assign, Filter, Project, Rename
from hlq.dataframe.nodes.pyarrow_filters import pushable
from hlq.dataframe.nodes.shuffle import Shuffle
from hlq.dataframe.nodes.sort import SetIndex, SetIndexSorted, SortValues
from hlq.dataframe.nodes.sources import FromPandas, ReadParquet
from hlq.dataframe.nodes.structure import ConcatFrames, LocSlice, RepartitionCombine, RepartitionDivisions, RepartitionSplit
from hlq.dataframe.rules.helpers import rebuild_merge
from hlq.rules import Is, Where, rule


# ------------------------------------------------------------------ filters merge; into parquet reads
@rule(Is(Filter, child=Is(Filter)), phase="simplify", register=False, tags=("predicate-pushdown", "merge-filters"))
def merge_filters(node):
    """filter(filter(x, p), q) -> filter(x, p & q) (a whole chain in one rewrite, bounds tightened)"""
    preds = [node.predicate]
    cur = node.child
    while isinstance(cur, Filter):
        preds.append(cur.predicate)
        cur = cur.child
    return Filter(cur, make_and(reversed(preds)))


def _disjuncts(e) -> list:
    """The disjuncts of ``e``, nested ``or``s flattened (iterative)."""
    out, stack = [], [e]
    while stack:
        t = stack.pop()
        if t[0] == "or":
            stack.extend(reversed(t[1]))
        else:
            out.append(t)
    return out


def factor_or(pred):
    """``pred`` with the conjuncts common to every disjunct of each ``or`` term taken out of it:
    ``(a & x) | (b & x)`` -> ``x & (a | b)`` (``x`` alone when a disjunct is only common terms);
    None when no ``or`` term has a common conjunct."""
    out, changed = [], False
    for t in conjuncts(pred):
        if t[0] == "or":
            terms = [conjuncts(d) for d in _disjuncts(t)]
            common = [c for c in dict.fromkeys(terms[0]) if all(c in ts for ts in terms[1:])]
            if common:
                out.extend(common)
                rests = [[c for c in ts if c not in common] for ts in terms]
                if all(rests):
                    out.append(("or", tuple(make_and(r) for r in rests)))
                changed = True
                continue
        out.append(t)
    return make_and(out) if changed else None


@rule(Is(Filter), phase="simplify", register=False, tags=("predicate-pushdown", "factor-or"))
def factor_common_conjuncts(node):
    """filter(x, (a & c) | (b & c)) -> filter(x, c & (a | b)): a condition every alternative shares
    becomes its own conjunct, which can move below joins and into parquet reads"""
    pred = factor_or(node.predicate)
    return None if pred is None else Filter(node.child, pred)


def _push_into_read(read, pred):
    terms = and_terms(pred)
    dtypes = read.dtype_map
    push = [t for t in terms if pushable(t, dtypes)]
    if not push:
        return None, pred
    rest = [t for t in terms if not pushable(t, dtypes)]
    f = make_and(([read.filter] if read.filter is not None else []) + push)
    new = read.replace(filter=f)
    return new, (make_and(rest) if rest else None)


@rule(Is(Filter, child=Is(ReadParquet)), phase="pushdown", register=False, tags=("predicate-pushdown",))
def filter_into_parquet(node):
    """filter(read, col <op> literal & ...) -> read(filter=...): pyarrow filters rows, skips row groups"""
    new, rest = _push_into_read(node.child, node.predicate)
    if new is None:
        return None
    return new if rest is None else Filter(new, rest)


@rule(Is(Filter, child=Is(Project, child=Is(ReadParquet))), phase="pushdown", register=False, tags=("predicate-pushdown",))
def filter_into_projected_parquet(node):
    """filter(read[cols], p) -> read(filter=p)[cols]"""
    proj = node.child
    new, rest = _push_into_read(proj.child, node.predicate)
    if new is None:
        return None
    out = Project(new, proj.cols)
    return out if rest is None else Filter(out, rest)



# ------------------------------------------------------------------ through row-wise operations
@rule(Is(Filter, child=Is(Assign)), phase="pushdown", register=False, tags=("predicate-pushdown",))
def filter_through_assign(node):
    """filter(assign(x, a=...), p) -> assign(filter(x, p), a=...) when p reads no assigned column

    In one rewrite the filter passes the whole chain of such assigns below it, taking along the
    filters it meets on the way (their predicates joined with ``&``, the lower one first), so
    that alternating filter/assign chains sink in linear, not quadratic, time."""
    preds = [node.predicate]
    cols = set(columns_of(node.predicate))
    passed = []  # assigns the filter moves below, top-down
    cur = node.child
    while True:
        if isinstance(cur, Assign) and not cols & {n for n, _ in cur.pairs}:
            passed.append(cur)
            cur = cur.child
        elif isinstance(cur, Filter) and passed:
            preds.append(cur.predicate)
            cols |= columns_of(cur.predicate)
            cur = cur.child
        else:
            break
    if not passed:
        return None
    out = Filter(cur, make_and(list(reversed(preds))))
    for a in reversed(passed):
        out = Assign(out, a.pairs)
    return out


@rule(Is(Filter, child=Is(Rename)), phase="pushdown", register=False, tags=("predicate-pushdown",))
def filter_through_rename(node):
    """filter(rename(x, a->b), p(b)) -> rename(filter(x, p(a)), a->b)"""
    r = node.child
    back = {new: old for old, new in r.mapping}
    return Rename(Filter(r.child, rename_columns(node.predicate, back)), r.mapping)



# ------------------------------------------------------------------ through joins
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
      phase="pushdown", register=False, tags=("predicate-pushdown", "merge-pushdown"))
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
            if t[0] == "or":
                # an alternative of conditions on both sides: each side keeps the rows that meet
                # its own part of at least one alternative (the condition stays above as well)
                for s, sink in (("l", to_left), ("r", to_right)):
                    if s in sides:
                        imp = _implied_on_side(t, s, where, down, m.left if s == "l" else m.right)
                        if imp is not None and imp not in sink:
                            sink.append(imp)
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
    out = rebuild_merge(m, left, right)
    for n in reversed(chain):
        out = Project(out, n.cols) if isinstance(n, Project) else Rename(out, n.mapping)
    return Filter(out, make_and(rest)) if rest else out


def _implied_on_side(t, side, where, down, node):
    """The condition on ``side``'s own columns that every row meeting the alternative ``t``
    meets: the alternatives of its conditions on that side alone (names of the side); None
    when an alternative has no such condition, when ``node`` already filters on it, or when
    ``node`` is not a source under filters and projections (where that can be checked)."""
    parts = []
    for d in _disjuncts(t):
        mine = []
        for c in conjuncts(d):
            cols = columns_of(c)
            origin = [where.get(down(k), ("?", None)) for k in cols]
            if cols and all(o[0] in (side, "key") for o in origin):
                mine.append(rename_columns(c, {k: o[1] for k, o in zip(cols, origin)}))
        if not mine:
            return None
        parts.append(make_and(mine))
    parts = list(dict.fromkeys(parts))
    imp = parts[0] if len(parts) == 1 else ("or", tuple(parts))
    held = set()
    cur = node
    while True:
        if isinstance(cur, Filter):
            held.update(conjuncts(cur.predicate))
        elif isinstance(cur, ReadParquet):
            if cur.filter is not None:
                held.update(conjuncts(cur.filter))
            break
        elif isinstance(cur, FromPandas):
            break
        elif not isinstance(cur, Project):
            return None
        cur = cur.child
    return None if set(conjuncts(imp)) <= held else imp


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



# ------------------------------------------------------------------ through partition-regrouping operations
# ------------------------------------------------------------------ predicates
_FILTER_PASSES = (Shuffle, SortValues, RepartitionCombine, RepartitionSplit, RepartitionDivisions, LocSlice, SetIndex,
                  SetIndexSorted, ConcatFrames)


def _below_projections(node):
    """(projections top-down, first other node) of a chain of projections (iterative)."""
    chain = []
    while isinstance(node, Project):
        chain.append(node)
        node = node.child
    return chain, node


def _filter_passes(child):
    _, r = _below_projections(child)
    return isinstance(r, _FILTER_PASSES)


def _push_filter_into(r, pred):
    """``r`` with ``pred`` applied below it, or None when it may not pass."""
    if isinstance(r, (SetIndex, SetIndexSorted)):
        if r.col in columns_of(pred):
            return None
        return r.replace(child=Filter(r.child, pred))
    if isinstance(r, ConcatFrames):
        cols = columns_of(pred)
        dm = r.dtype_map
        for f in r.frames:
            if f.kind != "frame" or any(k not in f.dtype_map or f.dtype_map[k] != dm[k] for k in cols):
                return None
        return ConcatFrames(tuple(Filter(f, pred) for f in r.frames), r.join)
    return r.replace(child=Filter(r.child, pred))


@rule(Is(Filter, child=Where(_filter_passes, "a shuffle, sort, set_index, repartition, loc or concat "
                                            "(under projections)")),
      phase="pushdown", register=False, tags=("predicate-pushdown",))
def filter_through_regroup(node):
    """shuffle/sort/repartition/concat(x)[cols][p] -> shuffle/...(x[p])[cols]: fewer rows moved
    (through set_index only when p does not read the new index; through concat when every input
    has p's columns with the same dtypes)"""
    chain, r = _below_projections(node.child)
    out = _push_filter_into(r, node.predicate)
    if out is None:
        return None
    for p in reversed(chain):
        out = Project(out, p.cols)
    return out
