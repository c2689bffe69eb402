"""Row-aligned lineage of frames: which frames are the same rows as another, column by column.

A frame built from another by projections and column assigns (``df[cols]``,
``df.assign(...)``, ``df["c"] = ...``) has the same rows, in the same
partitions, as that other frame.  Column expressions over one of them can then
be rewritten over the other instead of zipping two computations of the same
rows side by side (which computes, and reads, their common input twice).

>>> import pandas as pd
>>> from hlq.dataframe._io import from_pandas
>>> from hlq.dataframe.nodes.ops import Assign
>>> base = from_pandas(pd.DataFrame({"a": [1, 2], "b": [3, 4]}), npartitions=1).node
>>> later = Assign(base, (("c", ("mul", ("col", "a"), ("lit", 2))),))
>>> rebase(("add", ("col", "c"), ("col", "b")), later, base)
('add', ('mul', ('col', 'a'), ('lit', 2)), ('col', 'b'))
>>> rebase(("col", "b"), base, later)
('col', 'b')
>>> rebase(("col", "a"), base, Assign(later, (("a", ("lit", 0)),))) is None   # a is overwritten
True
"""

from __future__ import annotations

from hlq.dataframe.nodes.colexpr import NARY, columns_of
from hlq.dataframe.nodes.ops import Assign, Project

__all__ = ["substitute_columns", "frame_column_exprs", "rebase"]

#: longest Assign/Project chain walked between two frames
MAX_CHAIN = 256


def substitute_columns(e, mapping):
    """``e`` with every ``("col", c)`` replaced by the expression ``mapping[c]``."""
    tag = e[0]
    if tag == "col":
        return mapping[e[1]]
    if tag == "lit":
        return e
    if tag in NARY:
        return (tag, tuple(substitute_columns(t, mapping) for t in e[1]))
    if tag == "call":
        return (tag, e[1], tuple(substitute_columns(t, mapping) for t in e[2]))
    if tag in ("astype", "fillna"):
        return (tag, substitute_columns(e[1], mapping), e[2])
    return (tag, *(substitute_columns(x, mapping) for x in e[1:]))


def _chain(top, bottom):
    """The Assign/Project nodes from ``top`` down to ``bottom`` (top first), or None."""
    out, cur = [], top
    while cur is not bottom:
        if not isinstance(cur, (Assign, Project)) or len(out) >= MAX_CHAIN:
            return None
        out.append(cur)
        cur = cur.child
    return out


def frame_column_exprs(other, node):
    """``{column: expression over node}`` when frame ``other`` is computed column-wise from ``node``
    (through projections and assigns), else ``None``."""
    chain = _chain(other, node)
    if chain is None:
        return None
    mapping = {c: ("col", c) for c in node.columns}
    for n in reversed(chain):
        if isinstance(n, Project):
            mapping = {c: mapping[c] for c in n.cols}
        else:
            new = dict(mapping)
            for name, e in n.pairs:
                new[name] = substitute_columns(e, mapping)
            mapping = new
    return mapping


def _untouched(top, bottom, cols):
    """Whether every column in ``cols`` of ``bottom`` reaches ``top`` unchanged."""
    chain = _chain(top, bottom)
    if chain is None:
        return False
    for n in chain:
        if isinstance(n, Assign) and cols & {name for name, _ in n.pairs}:
            return False
        if isinstance(n, Project) and not cols <= set(n.cols):
            return False
    return cols <= set(bottom.columns)


def rebase(e, src, dst):
    """Column expression ``e`` over frame ``src`` as an expression over ``dst``, when the two frames
    are the same rows (one derives from a common frame through projections and assigns), else None.
    """
    if src is dst:
        return e
    cur, hops = src, 0
    while hops <= MAX_CHAIN:
        # cur: a frame src derives from; e over cur, then carried up to dst if dst derives from cur
        mapping = frame_column_exprs(src, cur)
        if mapping is not None:
            cols = columns_of(e)
            if cols <= set(mapping):
                e_cur = substitute_columns(e, mapping) if cur is not src else e
                if _untouched(dst, cur, columns_of(e_cur)):
                    return e_cur
        if not isinstance(cur, (Assign, Project)):
            return None
        cur, hops = cur.child, hops + 1
    return None
