"""Column expressions as pyarrow filter expressions.

Only comparisons of a column with a literal, and ``&``/``|`` of those, are
translated; ``!=`` is not (pandas keeps NaN rows for ``x != v``, pyarrow drops
nulls).

>>> pushable(("gt", ("col", "x"), ("lit", 0.5)))
True
>>> pushable(("ne", ("col", "x"), ("lit", 0.5)))
False
>>> str(to_pyarrow(("and", (("gt", ("col", "x"), ("lit", 0.5)), ("le", ("lit", 2), ("col", "y"))))))
'((x > 0.5) and (y >= 2))'
>>> pushable(("lt", ("col", "t"), ("lit", pd.Timestamp("1995-01-01"))))
True

Terms on hive partition keys are decided per file, from the key values in its path:

>>> f = ("and", (("eq", ("col", "p"), ("lit", 1)), ("gt", ("col", "x"), ("lit", 0.5))))
>>> specialize(f, {"p": 2}, ("p",))
False
>>> specialize(f, {"p": 1}, ("p",))
('gt', ('col', 'x'), ('lit', 0.5))
"""

from __future__ import annotations

import datetime
import operator

import numpy as np
import pandas as pd

_FLIP = {"gt": "lt", "lt": "gt", "ge": "le", "le": "ge", "eq": "eq", "ne": "ne"}
_OPS = {"gt", "lt", "ge", "le", "eq"}


def _is_lit(e):
    """A literal pyarrow compares like pandas: a real number, a string or a timestamp (the column's
    dtype was checked against it when the comparison was built: pandas raises on a mismatch)."""
    if e[0] != "lit":
        return False
    v = e[1]
    if type(v) in (bool, int, float, str) or (isinstance(v, np.number) and not isinstance(v, np.complexfloating)):
        return True  # user subclasses stay in the pandas filter (they travel opaque to the scheduler)
    return isinstance(v, (datetime.datetime, np.datetime64)) and not pd.isna(v)


def isin_values(e, dtypes):
    """``(column, values)`` of a term ``column.isin(values)`` that pyarrow evaluates like pandas
    (string values on a string column, real numbers on a numeric column; missing values are not
    in the list and pyarrow drops null rows as pandas' ``isin`` rejects them), else None."""
    if e[0] != "call" or len(e[2]) != 1 or e[2][0][0] != "col" or dtypes is None:
        return None
    call, col = e[1], e[2][0][1]
    if getattr(call, "path", None) != "isin" or call.kwargs or len(call.args) != 1 or col not in dtypes:
        return None
    vals, dt = call.args[0], dtypes[col]
    if not isinstance(vals, tuple) or not vals:
        return None
    if isinstance(dt, pd.StringDtype) and all(type(v) is str for v in vals):
        return col, vals
    if isinstance(dt, np.dtype) and dt.kind in "iuf" and all(type(v) in (int, float) and v == v for v in vals):
        return col, vals
    return None


def pushable(e, dtypes=None) -> bool:
    """Whether column expression ``e`` can be evaluated by pyarrow as a dataset filter (``dtypes``,
    the read's column dtypes, also allows ``isin`` of literal values)."""
    def leaf(x):
        tag = x[0]
        if tag == "call":
            return isin_values(x, dtypes) is not None
        if tag in _OPS:
            a, b = x[1], x[2]
            return (a[0] == "col" and _is_lit(b)) or (b[0] == "col" and _is_lit(a))
        return False

    return _fold_and_or(e, lambda tag, kids: all(kids), leaf)


def to_pyarrow(e):
    """Column expression ``e`` (see :func:`pushable`) as a ``pyarrow.compute.Expression``
    (iterative over and/or nesting)."""
    def combine(tag, parts):
        acc = parts[0]
        for p in parts[1:]:
            acc = (acc & p) if tag == "and" else (acc | p)
        return acc

    return _fold_and_or(e, combine, _term_to_pyarrow)


def _term_to_pyarrow(e):
    """One comparison or ``isin`` term of a pushable filter as a pyarrow expression."""
    import pyarrow.compute as pc  # deferred: pyarrow.compute is only needed when a filter reaches a read

    tag = e[0]
    if tag == "call":  # col.isin(values), checked by isin_values
        call = e[1]
        return pc.field(e[2][0][1]).isin(list(call.args[0]))
    if tag in ("isna", "notna"):  # read_parquet's ("x", "is", None) / ("x", "is not", None)
        null = pc.field(e[1][1]).is_null(nan_is_null=True)
        return null if tag == "isna" else ~null
    a, b = e[1], e[2]
    if a[0] != "col":
        a, b, tag = b, a, _FLIP[tag]
    f = pc.field(a[1])
    v = b[1]
    if isinstance(v, (datetime.datetime, np.datetime64)):
        v = pd.Timestamp(v)  # pyarrow compares it at nanosecond precision with any timestamp unit
    if tag == "isin":
        return f.isin(list(v))
    if tag == "notin":
        return ~f.isin(list(v))
    return {"gt": f > v, "lt": f < v, "ge": f >= v, "le": f <= v, "eq": f == v, "ne": f != v}[tag]


_PY = {"gt": operator.gt, "lt": operator.lt, "ge": operator.ge, "le": operator.le, "eq": operator.eq,
       "ne": operator.ne, "isin": lambda a, b: a in b, "notin": lambda a, b: a not in b}


def _decide(term, values):
    a, b = term[1], term[2]
    tag = term[0]
    if a[0] != "col":
        a, b, tag = b, a, _FLIP[tag]
    v, lit = values.get(a[1]), b[1]
    try:
        return bool(_PY[tag](v, lit))
    except TypeError:
        raise TypeError(f"filter {a[1]} {tag} {lit!r}: cannot compare the partition value {v!r} "
                        f"of column {a[1]!r} with {lit!r}") from None


def specialize(e, values: dict, names):
    """``e`` with the terms on partition keys ``names`` replaced by their truth for a file whose
    keys are ``values``: True, False, or the remaining expression (iterative, post-order)."""
    names = set(names)

    def combine(tag, kids):
        absorb, neutral = (False, True) if tag == "and" else (True, False)
        if any(k is absorb for k in kids):
            return absorb
        rest = [k for k in kids if k is not neutral]
        return neutral if not rest else (rest[0] if len(rest) == 1 else (tag, tuple(rest)))

    def leaf(x):
        if x[0] in _PY and any(y[0] == "col" and y[1] in names for y in x[1:3]):
            return _decide(x, values)
        return x

    return _fold_and_or(e, combine, leaf)


def may_match(e, ranges: dict) -> bool:
    """Whether rows of a file whose columns hold values within ``ranges`` (column -> ``(min, max)``
    from the row-group statistics, or ``("empty",)`` when it holds only missing values; a column
    not in it: unknown) can satisfy filter ``e``.  False
    only when the statistics exclude every row (iterative, post-order)."""
    def leaf(x):
        if x[0] in _PY and len(x) == 3 and isinstance(x[1], tuple) and isinstance(x[2], tuple):
            return _term_may_match(x, ranges)
        return True

    return _fold_and_or(e, lambda tag, kids: all(kids) if tag == "and" else any(kids), leaf)


def _fold_and_or(e, combine, leaf):
    """Fold filter ``e`` bottom-up: ``leaf(term)`` for a term, ``combine(tag, kid_values)`` for an
    ``("and" | "or", terms)`` node (iterative post-order, so deep filters do not recurse)."""
    out: dict = {}
    stack = [(e, False)]
    while stack:
        x, ready = stack.pop()
        if id(x) in out:
            continue
        if x[0] in ("and", "or"):
            if not ready:
                stack.append((x, True))
                stack.extend((t, False) for t in x[1])
                continue
            out[id(x)] = combine(x[0], [out[id(t)] for t in x[1]])
        else:
            out[id(x)] = leaf(x)
    return out[id(e)]


def _term_may_match(term, ranges):
    a, b = term[1], term[2]
    tag = term[0]
    if a[0] != "col":
        if tag not in _FLIP:
            return True
        a, b, tag = b, a, _FLIP[tag]
    if a[0] != "col" or b[0] != "lit" or a[1] not in ranges:
        return True
    if ranges[a[1]] == ("empty",):  # only missing values: no comparison holds
        return False
    lo, hi = ranges[a[1]]
    v = b[1]
    try:
        if tag == "gt":
            return bool(hi > v)
        if tag == "ge":
            return bool(hi >= v)
        if tag == "lt":
            return bool(lo < v)
        if tag == "le":
            return bool(lo <= v)
        if tag == "eq":
            return bool(lo <= v <= hi)
        if tag == "isin":
            return any(lo <= x <= hi for x in v)
        if tag == "ne":
            return not bool(lo == hi == v)
        if tag == "notin":
            return not (lo == hi and lo in v)
    except (TypeError, ValueError):
        pass
    return True
