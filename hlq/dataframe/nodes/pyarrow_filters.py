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
"""

from __future__ import annotations

import numbers

_FLIP = {"gt": "lt", "lt": "gt", "ge": "le", "le": "ge", "eq": "eq"}
_OPS = {"gt", "lt", "ge", "le", "eq"}


def _is_lit(e):
    return e[0] == "lit" and isinstance(e[1], (numbers.Number, str)) and not isinstance(e[1], complex)


def pushable(e) -> bool:
    tag = e[0]
    if tag in ("and", "or"):
        return all(pushable(t) for t in e[1])
    if tag in _OPS:
        a, b = e[1], e[2]
        return (a[0] == "col" and _is_lit(b)) or (b[0] == "col" and _is_lit(a))
    return False


def to_pyarrow(e):
    import pyarrow.compute as pc

    tag = e[0]
    if tag in ("and", "or"):
        parts = [to_pyarrow(t) for t in e[1]]
        acc = parts[0]
        for p in parts[1:]:
            acc = (acc & p) if tag == "and" else (acc | p)
        return acc
    a, b = e[1], e[2]
    if a[0] != "col":
        a, b, tag = b, a, _FLIP[tag]
    f = pc.field(a[1])
    v = b[1]
    return {"gt": f > v, "lt": f < v, "ge": f >= v, "le": f <= v, "eq": f == v}[tag]
