"""Hash partitioning of a plan: which partition holds the rows of a key value.

A node's ``partitioning`` property is None (nothing known) or ``(keys, n)``:
every row sits in partition ``key_hash(row's key values) % n`` of the ``n``
partitions, where ``keys`` is a tuple of ``("col", name)`` (a column) or
``("idx", name)`` (an index level).  The hash is one function shared by the
hash shuffles of joins (:func:`hlq.dataframe.nodes.shuffle.hash_codes`) and
the hash buckets of groupby aggregations with ``split_out``
(:mod:`hlq.dataframe.nodes.reduction`), so a join can skip the shuffle of a
side that a groupby (or an earlier join) already partitioned by its keys, and
a groupby can aggregate each partition on its own.  Partitioning is only
claimed for keys of numpy numeric or datetime dtypes (their values hash alike
in a column and in an index level).

Filters, projections keeping the keys, renames, assigns that leave the keys
alone, ``reset_index`` (index levels become columns) and a series ``rename``
keep it; the helpers below say how.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> from hlq.rules import optimize_plan
>>> df = dd.from_pandas(pd.DataFrame({"k": range(40), "v": 1.0}), npartitions=4)
>>> g = df.groupby("k").v.sum(split_out=4).reset_index()
>>> optimize_plan(g.node).partitioning    # known once the groupby is lowered
((('col', 'k'),), 4)
>>> optimize_plan(g[g.v > 0][["k"]].node).partitioning
((('col', 'k'),), 4)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["alternatives", "hashable_dtype", "combine_hashes", "value_hash", "by_keys", "through_project", "through_rename",
           "through_assign", "index_to_columns", "index_only", "keys_as"]


def hashable_dtype(dt) -> bool:
    """Whether partitioning by a key of this dtype is tracked (numpy numeric, bool, datetime)."""
    return isinstance(dt, np.dtype) and dt.kind in "biufmM"


def value_hash(values) -> np.ndarray:
    """uint64 hash of each value of a Series, Index or array (pandas' hash of the values)."""
    if isinstance(values, (pd.Series, pd.Index)):
        values = values.to_numpy() if isinstance(values.dtype, np.dtype) else values.array
    return pd.util.hash_array(values, categorize=False)


def combine_hashes(arrays) -> np.ndarray:
    """One uint64 hash per row from the per-key hashes (a single key: its hash unchanged)."""
    h = None
    for a in arrays:
        h = a if h is None else h * np.uint64(1000003) ^ a
    return h


def by_keys(names, dtypes, n, where="col"):
    """``(keys, n)`` for rows hashed by the columns (``where="col"``) or index levels
    (``"idx"``) ``names`` of these ``dtypes``, or None when a dtype is not tracked."""
    if n < 1 or not names or not all(hashable_dtype(d) for d in dtypes):
        return None
    return tuple((where, k) for k in names), int(n)


def keys_as(part, names, where="col") -> bool:
    """Whether ``part`` is a partitioning by exactly ``names`` (in order) as columns/levels."""
    return part is not None and tuple((where, k) for k in names) in alternatives(part)


def alternatives(part) -> tuple:
    """All key tuples of ``part`` that locate the rows: after an inner join on ``a == b`` the rows
    are partitioned by ``a`` and, equally, by ``b`` (an optional third element of ``part``)."""
    return (part[0],) + (tuple(part[2]) if len(part) > 2 else ())


def _pick(part, ok):
    """``part`` restricted to the key tuples for which ``ok(keys)`` holds (None if none does)."""
    kept = [k for k in alternatives(part) if ok(k)]
    if not kept:
        return None
    return (kept[0], part[1]) if len(kept) == 1 else (kept[0], part[1], tuple(kept[1:]))


def through_project(part, cols):
    if part is None:
        return None
    keep = set(cols)
    return _pick(part, lambda keys: all(w == "idx" or k in keep for w, k in keys))


def through_rename(part, mapping):
    if part is None:
        return None
    m = dict(mapping)
    alts = [tuple((w, m.get(k, k) if w == "col" else k) for w, k in keys) for keys in alternatives(part)]
    return (alts[0], part[1]) if len(alts) == 1 else (alts[0], part[1], tuple(alts[1:]))


def through_assign(part, names):
    if part is None:
        return None
    written = set(names)
    return _pick(part, lambda keys: not any(w == "col" and k in written for w, k in keys))


def index_to_columns(part, drop):
    """``reset_index``: index levels become columns of the same name (dropped with ``drop``)."""
    if part is None:
        return None
    part = part[:2]
    if drop:
        return None if any(w == "idx" for w, _ in part[0]) else part
    if any(w == "idx" and k is None for w, k in part[0]):
        return None
    return tuple(("col", k) for _, k in part[0]), part[1]


def index_only(part):
    """A result keeping the rows and the index but not the columns (a series rename)."""
    if part is None:
        return None
    return _pick(part, lambda keys: all(w == "idx" for w, _ in keys))
