"""Size estimates of dataframe plans, from metadata only (never by computing).

Rows come from partition lengths known at build time (parquet footers,
pandas objects).  A filter keeps, per conjunct, an assumed fraction of its
input that depends on the conjunct's form (:func:`selectivity`: the classic
defaults of cost-based optimizers, 1/10 for ``column == value`` and for string
matches, 1/3 for a range bound, n/10 for ``isin`` of n values, ...); range bounds
pushed into a parquet read use the column's min/max footer statistics
(:func:`read_selectivity`).  Every estimate
also carries the rows of the unfiltered relation it describes (its *base*), so
that a join passes the selectivity of a filtered side on: an inner join of
``a`` rows (base ``A``) and ``b`` rows (base ``B``) yields about
``a * b / min(A, B)`` rows (each row of the larger relation matches about one
row of the smaller one, and a filter of either side keeps its fraction); a left
join at least its left side's rows.  A groupby aggregation yields at most as
many rows as its keys' dtypes allow groups (categoricals, booleans).  Bytes per
row come from the parquet footers' uncompressed column sizes when the columns
are read straight from parquet, else from the dtypes (:func:`bytes_per_row`).
The walk is iterative (a topological order of the plan), each node visited once.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> df = dd.from_pandas(pd.DataFrame({"a": range(1000), "b": 1.0}), npartitions=4)
>>> estimate_rows(df.node), bytes_per_row(df.node)
(1000.0, 16)
>>> estimate_rows(df[df.a == 5].node)
100.0
>>> dim = dd.from_pandas(pd.DataFrame({"a": range(100), "c": 1.0}), npartitions=1)
>>> estimate_rows(df.merge(dim[dim.c == 2.0], on="a").node)   # 1000 x 1/10 of dim's rows
100.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hlq.expr.traverse import toposort
from hlq.dataframe.nodes.base import FrameNode
from hlq.dataframe.nodes.ops import Filter, FilterBy, Project
from hlq.dataframe.nodes.sources import ReadParquet

__all__ = ["conjuncts", "selectivity", "read_selectivity", "column_range", "estimate_rows", "group_count", "bytes_per_row", "estimate_bytes", "format_bytes", "FILTER_SELECTIVITY"]

#: fraction of rows assumed to pass a condition of no recognized form
FILTER_SELECTIVITY = 0.5
#: ... ``column == value`` (and a string match: contains, startswith, endswith, match)
EQ_SELECTIVITY = 0.1
#: ... one bound ``column <, <=, >, >= value``
RANGE_SELECTIVITY = 1 / 3
#: the smallest fraction assumed for a whole filter
MIN_SELECTIVITY = 0.001
_STRING_MATCHES = frozenset({"str.contains", "str.startswith", "str.endswith", "str.match", "str.fullmatch"})
#: assumed bytes of one value of an object/string column
OBJECT_BYTES = 32


def _dtype_bytes(dt) -> int:
    if isinstance(dt, pd.CategoricalDtype):
        return 4
    if isinstance(dt, np.dtype) and dt.kind != "O":
        return max(1, dt.itemsize)
    np_dt = getattr(dt, "numpy_dtype", None)
    if np_dt is not None and np_dt.kind != "O":
        return np_dt.itemsize + 1
    return OBJECT_BYTES


def _fixed_width(dt) -> bool:
    if isinstance(dt, pd.CategoricalDtype):
        return True
    if isinstance(dt, np.dtype):
        return dt.kind != "O"
    np_dt = getattr(dt, "numpy_dtype", None)
    return np_dt is not None and np_dt.kind != "O"


def bytes_per_row(node) -> int:
    """Estimated in-memory bytes of one row of ``node``: fixed-width columns by their dtype (the
    parquet footers' sizes are encoded sizes, often far smaller: dictionaries, run lengths), other
    columns (strings, objects) from the parquet footers' uncompressed sizes when they come straight
    from a parquet read, else :data:`OBJECT_BYTES` each."""
    fixed = sum(_dtype_bytes(d) for d in node.dtypes if d is not None and _fixed_width(d))
    var = tuple(c for c, d in zip(node.columns, node.dtypes) if d is None or not _fixed_width(d))
    if not var:
        return fixed or 8
    footer = _footer_bytes_per_row(node, var)
    return fixed + (footer if footer is not None else OBJECT_BYTES * len(var))


def _footer_bytes_per_row(node, columns):
    cur = node
    while isinstance(cur, (Project, Filter)):
        cur = cur.child
    if not isinstance(cur, ReadParquet) or node.kind != "frame" or not set(node.columns) <= set(cur.columns):
        return None
    info = cur.info
    sizes = getattr(info, "estimated_bytes", None)
    files = getattr(cur, "kept_files", None)
    if sizes is None or files is None:
        return None
    try:
        rows = sum(info.rows[i] for i in files)
        if not rows:
            return None
        total = sum(sizes(i, tuple(columns)) for i in files)
    except Exception:  # metadata without sizes: fall back to dtypes
        return None
    return max(1, int(round(total / rows)))


def conjuncts(pred) -> list:
    """All conjuncts of a column expression, nested ``and``s flattened (iterative).

    >>> conjuncts(("and", (("and", (("col", "a"), ("col", "b"))), ("col", "c"))))
    [('col', 'a'), ('col', 'b'), ('col', 'c')]
    """
    out, stack = [], [pred]
    while stack:
        t = stack.pop()
        if t[0] == "and":
            stack.extend(reversed(t[1]))
        else:
            out.append(t)
    return out


def _is_value(e) -> bool:
    return e[0] == "lit"


def _term_selectivity(t) -> float:
    tag = t[0]
    if tag in ("eq", "ne", "lt", "le", "gt", "ge"):
        a, b = t[1], t[2]
        if not (_is_value(a) or _is_value(b)):
            return FILTER_SELECTIVITY  # two columns compared
        if tag == "eq":
            return EQ_SELECTIVITY
        if tag == "ne":
            return 1 - EQ_SELECTIVITY
        return RANGE_SELECTIVITY
    if tag == "isna":
        return EQ_SELECTIVITY
    if tag == "notna":
        return 1 - EQ_SELECTIVITY
    if tag == "call":
        path = getattr(t[1], "path", None)
        if path in _STRING_MATCHES:
            return EQ_SELECTIVITY
        if path == "isin" and t[1].args and isinstance(t[1].args[0], (tuple, frozenset, set)):
            return min(FILTER_SELECTIVITY, EQ_SELECTIVITY * max(1, len(t[1].args[0])))
        if path == "between":
            return RANGE_SELECTIVITY * RANGE_SELECTIVITY * 2
    return FILTER_SELECTIVITY


def selectivity(pred) -> float:
    """Assumed fraction of rows for which the column expression ``pred`` holds: the product over
    its conjuncts, an ``or`` of alternatives ``1 - prod(1 - s_i)``, a negation ``1 - s``
    (iterative over nested ``and``/``or``/``invert``), at least :data:`MIN_SELECTIVITY`.

    >>> round(selectivity(("and", (("eq", ("col", "a"), ("lit", 1)), ("gt", ("col", "b"), ("lit", 0))))), 4)
    0.0333
    >>> round(selectivity(("or", (("eq", ("col", "a"), ("lit", 1)), ("eq", ("col", "a"), ("lit", 2))))), 4)
    0.19
    """
    # post-order over the and/or/invert structure: (term, children done?)
    stack, vals = [(pred, False)], []
    while stack:
        t, done = stack.pop()
        tag = t[0]
        kids = t[1] if tag in ("and", "or") else ((t[1],) if tag == "invert" else None)
        if kids is None:
            vals.append(_term_selectivity(t))
            continue
        if not done:
            stack.append((t, True))
            stack.extend((k, False) for k in kids)
            continue
        got = [vals.pop() for _ in kids]
        if tag == "and":
            v = float(np.prod(got))
        elif tag == "or":
            v = 1 - float(np.prod([1 - g for g in got]))
        else:
            v = 1 - got[0]
        vals.append(min(1.0, max(0.0, v)))
    return max(MIN_SELECTIVITY, vals[0])


def _as_number(v):
    """A literal or statistic as a float on one scale (timestamps: nanoseconds), or None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    if isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "year"):
        try:
            return float(pd.Timestamp(v).value)
        except (TypeError, ValueError):
            return None
    return None


def column_range(info, col):
    """``(min, max)`` of column ``col`` over every row group of the dataset ``info`` (parquet
    footers' statistics, as numbers: see :func:`_as_number`), or None when a row group has no
    usable statistics.  Computed once per dataset and column."""
    cache = info.__dict__.setdefault("_column_ranges", {})
    if col not in cache:
        cache[col] = _column_range(info, col)
    return cache[col]


def _column_range(info, col):
    import pyarrow.parquet as pq  # deferred: only plans with range filters on parquet reads need it

    lo = hi = None
    try:
        for f in info.files:
            md = pq.read_metadata(f)
            names = [md.schema.column(j).name for j in range(md.num_columns)]
            if col not in names:
                return None
            j = names.index(col)
            for g in range(md.num_row_groups):
                st = md.row_group(g).column(j).statistics
                if md.row_group(g).num_rows == 0:
                    continue
                if st is None or not st.has_min_max:
                    return None
                a, b = _as_number(st.min), _as_number(st.max)
                if a is None or b is None:
                    return None
                lo = a if lo is None else min(lo, a)
                hi = b if hi is None else max(hi, b)
    except Exception:  # unreadable footers: no range, the default selectivity applies
        return None
    return None if lo is None else (lo, hi)


_FLIP = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}


def read_selectivity(node) -> float:
    """Assumed fraction of the rows a parquet read's pushed filter keeps: range bounds on a
    column (``>=``, ``<`` ... a number or timestamp) use the column's min/max statistics (the
    fraction of ``[min, max]`` the bounds leave, values assumed spread evenly); other conjuncts
    the defaults of :func:`selectivity`."""
    pred = node.filter
    if pred is None:
        return 1.0
    bounds: dict = {}
    rest = []
    for t in conjuncts(pred):
        tag = t[0]
        if tag in _FLIP and len(t) == 3:
            a, b = t[1], t[2]
            if a[0] == "lit" and b[0] == "col":
                a, b, tag = b, a, _FLIP[tag]
            if a[0] == "col" and b[0] == "lit" and _as_number(b[1]) is not None:
                lo, hi = bounds.get(a[1], (None, None))
                v = _as_number(b[1])
                if tag in ("gt", "ge"):
                    lo = v if lo is None else max(lo, v)
                else:
                    hi = v if hi is None else min(hi, v)
                bounds[a[1]] = (lo, hi)
                continue
        rest.append(t)
    frac = 1.0
    for col, (lo, hi) in bounds.items():
        rng = column_range(node.info, col)
        if rng is None or rng[1] <= rng[0]:
            frac *= RANGE_SELECTIVITY ** ((lo is not None) + (hi is not None))
            continue
        a = rng[0] if lo is None else max(rng[0], lo)
        b = rng[1] if hi is None else min(rng[1], hi)
        frac *= min(1.0, max(0.0, (b - a) / (rng[1] - rng[0])))
    if rest:
        frac *= selectivity(("and", tuple(rest)) if len(rest) > 1 else rest[0])
    return max(MIN_SELECTIVITY, frac)


def _join_rows(how, left, right):
    """``(rows, base)`` of a join from its sides' ``(rows, base)`` (see the module docstring)."""
    (lr, lb), (rr, rb) = left, right
    rows = min(lr * rr / max(1.0, min(lb, rb)), lr * rr)
    if how == "left":
        rows = max(rows, lr)
    elif how == "right":
        rows = max(rows, rr)
    elif how == "outer":
        rows = max(rows, lr, rr)
    return rows, max(lb, rb)


def estimate_rows(node):
    """Estimated number of rows of ``node``, or None when nothing is known."""
    got = _estimates(node).get(node)
    return None if got is None else got[0]


def _estimates(node) -> dict:
    """node -> ``(rows, base rows)`` or None, for ``node`` and the nodes below it."""
    est: dict = {}
    for n in toposort([node]):
        if not isinstance(n, FrameNode):
            continue
        if n.lengths is not None:
            rows = float(sum(n.lengths))
            base = rows
            if isinstance(n, Filter):  # lengths known after filtering (rare): keep the base
                kid = est.get(n.child)
                base = kid[1] if kid is not None else rows
            est[n] = (rows, max(rows, base))
            continue
        if isinstance(n, ReadParquet):
            parts = range(len(n.info.files)) if n.parts is None else n.parts
            rows = float(sum(n.info.rows[i] for i in parts))
            est[n] = (rows * read_selectivity(n), rows)
            continue
        kids = [est.get(c) for c in n.children if isinstance(c, FrameNode) and c.kind != "scalar"]
        kids = [k for k in kids if k is not None]
        if not kids:
            est[n] = None
            continue
        op = getattr(n, "op_name", "")
        rows, base = kids[0]
        if op in ("merge", "partition-merge") and len(kids) == 2:
            rows, base = _join_rows(getattr(n, "how", "inner"), kids[0], kids[1])
        elif isinstance(n, Filter):
            rows *= selectivity(n.predicate)
        elif isinstance(n, FilterBy):
            rows *= FILTER_SELECTIVITY
        elif op == "concat-frames":
            rows, base = sum(k[0] for k in kids), sum(k[1] for k in kids)
        elif op == "head":
            rows = min(rows, n.n)
        elif op in ("groupby-agg", "groupby-partial"):
            groups = group_count(n) if op == "groupby-agg" else None
            if groups is not None:
                rows = min(rows, float(groups))
            base = rows  # a new relation: one row per group
        est[n] = (rows, max(rows, base))
    return est


def group_count(node):
    """The most groups a groupby aggregation can have, when its keys' dtypes bound it (categorical:
    the categories, bool: 2; a null group more with ``dropna=False``), else None."""
    total = 1
    for b in node.by:
        dt = node.child.dtype_map.get(b)
        if isinstance(dt, pd.CategoricalDtype) and dt.categories is not None:
            k = len(dt.categories)
        elif isinstance(dt, np.dtype) and dt.kind == "b":
            k = 2
        else:
            return None
        total *= k + (0 if getattr(node, "dropna", True) else 1)
    return total


def estimate_bytes(node):
    """Estimated in-memory bytes of ``node`` (rows x bytes per row), or None."""
    r = estimate_rows(node)
    return None if r is None else r * bytes_per_row(node)


def format_bytes(n) -> str:
    """``1536`` -> ``'1.5 KiB'``."""
    if n is None:
        return "unknown"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover
