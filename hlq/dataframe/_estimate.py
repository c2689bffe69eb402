"""Size estimates of dataframe plans, from metadata only (never by computing).

Rows come from partition lengths known at build time (parquet footers,
pandas objects); a filter keeps an assumed fraction of its input
(:data:`FILTER_SELECTIVITY` per conjunct, at least :data:`MIN_SELECTIVITY`);
a join yields about as many rows as its larger side; a groupby aggregation at most
as many rows as its keys' dtypes allow groups (categoricals, booleans).  Bytes per row come from
the parquet footers' uncompressed column sizes when the columns are read
straight from parquet, else from the dtypes (:func:`bytes_per_row`).  The walk is iterative (a topological
order of the plan), each node visited once.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> df = dd.from_pandas(pd.DataFrame({"a": range(1000), "b": 1.0}), npartitions=4)
>>> estimate_rows(df.node), bytes_per_row(df.node)
(1000.0, 16)
>>> estimate_rows(df[df.a > 5].node)
500.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hlq.expr.traverse import toposort
from hlq.dataframe.nodes.base import FrameNode
from hlq.dataframe.nodes.ops import Filter, FilterBy, Project
from hlq.dataframe.nodes.sources import ReadParquet

__all__ = ["conjuncts", "estimate_rows", "group_count", "bytes_per_row", "estimate_bytes", "format_bytes", "FILTER_SELECTIVITY"]

#: fraction of rows assumed to pass one conjunct of a filter
FILTER_SELECTIVITY = 0.5
MIN_SELECTIVITY = 0.05
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


def _selectivity(pred) -> float:
    return max(MIN_SELECTIVITY, FILTER_SELECTIVITY ** len(conjuncts(pred)))


def estimate_rows(node):
    """Estimated number of rows of ``node``, or None when nothing is known."""
    est: dict = {}
    for n in toposort([node]):
        if not isinstance(n, FrameNode):
            continue
        if n.lengths is not None:
            est[n] = float(sum(n.lengths))
            continue
        if isinstance(n, ReadParquet):
            parts = range(len(n.info.files)) if n.parts is None else n.parts
            rows = float(sum(n.info.rows[i] for i in parts))
            est[n] = rows * (_selectivity(n.filter) if n.filter is not None else 1.0)
            continue
        kids = [est.get(c) for c in n.children if isinstance(c, FrameNode) and c.kind != "scalar"]
        kids = [k for k in kids if k is not None]
        if not kids:
            est[n] = None
            continue
        rows = max(kids) if getattr(n, "op_name", "") in ("merge", "partition-merge") else kids[0]
        if isinstance(n, Filter):
            rows *= _selectivity(n.predicate)
        elif isinstance(n, FilterBy):
            rows *= FILTER_SELECTIVITY
        elif getattr(n, "op_name", "") == "concat-frames":
            rows = sum(kids)
        elif n.op_name == "head":
            rows = min(rows, n.n)
        elif n.op_name == "groupby-agg":
            groups = group_count(n)
            if groups is not None:
                rows = min(rows, float(groups))
        est[n] = rows
    return est.get(node)


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
