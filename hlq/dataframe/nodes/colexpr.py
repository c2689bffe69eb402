"""Column expressions: frame-independent, hashable trees over the columns of one frame.

A column expression is a tuple: ``("col", name)``, ``("lit", value)``,
``(op, a, b)`` for a binary operator, ``(op, a)`` for a unary one,
``("and", (a, b, ...))`` / ``("or", (...))`` (n-ary, so merged filter chains
stay flat), ``("astype", a, dtype)``, ``("fillna", a, value)``, and
``("call", Call, (a, ...))`` for pandas methods (:mod:`hlq.dataframe.nodes.calls`).  Series built
from one frame (``df.x * 2 + df.y``) are kept as one such tree over that
frame, so filters and assigns name the columns they read and rules can move
them (projection, predicate pushdown into parquet) without running pandas.

>>> e = ("gt", ("add", ("col", "x"), ("lit", 1)), ("lit", 2))
>>> sorted(columns_of(e))
['x']
>>> import numpy as np
>>> expr_dtype(e, {"x": np.dtype("int64")})
dtype('bool')
>>> import pandas as pd
>>> evaluate(e, pd.DataFrame({"x": [0, 1, 2]})).tolist()
[False, False, True]
"""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd

from hlq.expr.opaque import loaded, stand_in

__all__ = ["columns_of", "evaluate", "expr_dtype", "rename_columns", "BINARY", "UNARY", "COMPARISONS", "and_terms",
           "ufunc_tag"]

BINARY = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow,
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
    "gt": operator.gt, "ge": operator.ge, "xor": operator.xor,
}
NARY = {"and": operator.and_, "or": operator.or_}
UNARY = {"neg": operator.neg, "invert": operator.invert, "abs": abs,
         "isna": lambda s: s.isna(), "notna": lambda s: s.notna()}
COMPARISONS = frozenset({"eq", "ne", "lt", "le", "gt", "ge"})


def ufunc_tag(ufunc) -> str | None:
    """The expression tag of a numpy ufunc (``"np.sin"``), or None when it is not element-wise
    with one result (``np.divmod``, gufuncs).  ``UNARY`` and ``BINARY`` hold every such ufunc of
    the numpy namespace, registered at import so that workers evaluate them too."""
    tag = "np." + getattr(ufunc, "__name__", "")
    return tag if tag in UNARY or tag in BINARY else None


for _name in dir(np):
    _u = getattr(np, _name)
    if isinstance(_u, np.ufunc) and _u.nout == 1 and _u.signature is None and _u.nin in (1, 2):
        (UNARY if _u.nin == 1 else BINARY).setdefault("np." + _u.__name__, _u)
del _name, _u
SYMBOL = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "floordiv": "//", "mod": "%", "pow": "**",
          "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "xor": "^", "and": "&", "or": "|"}


def columns_of(e) -> set:
    """The column names an expression reads (iterative)."""
    out, stack = set(), [e]
    while stack:
        x = stack.pop()
        tag = x[0]
        if tag == "col":
            out.add(x[1])
        elif tag == "lit":
            continue
        elif tag in NARY:
            stack.extend(x[1])
        elif tag == "call":
            stack.extend(x[2])
        elif tag in ("astype", "fillna"):
            stack.append(x[1])
        else:
            stack.extend(x[1:])
    return out


def and_terms(e) -> tuple:
    """The conjuncts of ``e`` (``e`` itself when it is not an ``and``)."""
    return tuple(e[1]) if e[0] == "and" else (e,)


def make_and(terms) -> tuple:
    """The conjunction of ``terms`` (flattened, duplicates dropped, and bounds on one column
    tightened: ``x > 1 & x > 3`` -> ``x > 3``).

    >>> make_and([("gt", ("col", "x"), ("lit", 1)), ("gt", ("col", "x"), ("lit", 3)), ("lt", ("col", "y"), ("lit", 0))])
    ('and', (('gt', ('col', 'x'), ('lit', 3)), ('lt', ('col', 'y'), ('lit', 0))))
    """
    flat = []
    for t in terms:
        flat.extend(and_terms(t))
    bounds: dict = {}
    out: list = []
    for t in dict.fromkeys(flat):
        if (t[0] in _TIGHTEN and t[1][0] == "col" and t[2][0] == "lit"
                and isinstance(t[2][1], (int, float)) and not isinstance(t[2][1], bool) and t[2][1] == t[2][1]):
            key = (t[0], t[1][1])
            pos = bounds.get(key)
            if pos is None:
                bounds[key] = len(out)
                out.append(t)
            elif _TIGHTEN[t[0]](t[2][1], out[pos][2][1]):
                out[pos] = t
            continue
        out.append(t)
    out = tuple(out)
    return out[0] if len(out) == 1 else ("and", out)


_TIGHTEN = {"gt": lambda new, old: new > old, "ge": lambda new, old: new > old,
            "lt": lambda new, old: new < old, "le": lambda new, old: new < old}


def evaluate(e, df):
    """Value of ``e`` on a pandas DataFrame partition."""
    tag = e[0]
    if tag == "col":
        return df[e[1]]
    if tag == "lit":
        return loaded(e[1])
    if tag in NARY:
        f = NARY[tag]
        terms = e[1]
        acc = evaluate(terms[0], df)
        for t in terms[1:]:
            acc = f(acc, evaluate(t, df))
        return acc
    if tag == "call":
        return e[1](*[evaluate(t, df) for t in e[2]])
    if tag == "astype":
        return evaluate(e[1], df).astype(e[2])
    if tag == "fillna":
        return evaluate(e[1], df).fillna(loaded(e[2]))
    if tag in UNARY:
        return UNARY[tag](evaluate(e[1], df))
    return BINARY[tag](evaluate(e[1], df), evaluate(e[2], df))


class ExprFunc:
    """Picklable partition function evaluating a column expression."""

    __slots__ = ("expr", "name")

    def __init__(self, expr, name):
        self.expr = expr
        self.name = name

    def __call__(self, df):
        out = evaluate(self.expr, df)
        if not isinstance(out, pd.Series):
            out = pd.Series(out, index=df.index)
        return out.rename(self.name)

    def __reduce__(self):
        return (ExprFunc, (self.expr, self.name))


_NUMPY_KINDS = set("biuf")


def _empty(dtype):
    return pd.Series([], dtype=dtype)


def expr_dtype(e, dtypes: dict):
    """Result dtype of ``e`` over columns of the given dtypes.

    Numeric numpy dtypes are combined with numpy on zero-length arrays (no
    pandas involved); other dtypes fall back to evaluating on empty pandas
    Series.  Raises ``KeyError`` for unknown columns and ``TypeError`` where
    pandas would.
    """
    tag = e[0]
    if tag == "col":
        if e[1] not in dtypes:
            raise KeyError(f"column {e[1]!r} not found; columns are {list(dtypes)}")
        return dtypes[e[1]]
    if tag == "lit":
        v = stand_in(e[1])
        return v if isinstance(v, (int, float, bool, complex)) else np.asarray(v).dtype
    if tag in NARY:
        ds = [expr_dtype(t, dtypes) for t in e[1]]
        for d in ds:
            if not (isinstance(d, np.dtype) and d.kind in "biu") and not isinstance(d, pd.BooleanDtype):
                if not isinstance(d, (bool, int)):
                    raise TypeError(f"logical {SYMBOL[tag]} needs boolean operands, got {d}")
        return np.dtype(bool) if all(isinstance(d, np.dtype) or isinstance(d, bool) for d in ds) else pd.BooleanDtype()
    if tag == "call":
        return e[1].result_dtype(e[2], [expr_dtype(t, dtypes) for t in e[2]])
    if tag == "astype":
        return pd.api.types.pandas_dtype(e[2])
    if tag == "fillna":
        d = expr_dtype(e[1], dtypes)
        return _via_pandas(lambda s: s.fillna(stand_in(e[2])), d)
    if tag in UNARY:
        d = expr_dtype(e[1], dtypes)
        if tag in ("isna", "notna"):
            return np.dtype(bool)
        if isinstance(d, np.dtype) and d.kind in _NUMPY_KINDS:
            return UNARY[tag](np.empty(0, d)).dtype
        return _via_pandas(UNARY[tag], d)
    f = BINARY[tag]
    a, b = expr_dtype(e[1], dtypes), expr_dtype(e[2], dtypes)
    if _numpyish(a) and _numpyish(b):
        if tag in COMPARISONS:
            return np.dtype(bool)
        x = np.empty(0, a) if isinstance(a, np.dtype) else stand_in(e[1][1])
        y = np.empty(0, b) if isinstance(b, np.dtype) else stand_in(e[2][1])
        with np.errstate(all="ignore"):
            return np.asarray(f(x, y)).dtype
    # literals take part with their value (pandas parses a string against datetimes, rejects a date, ...)
    x = stand_in(e[1][1]) if e[1][0] == "lit" else _empty(a)
    y = stand_in(e[2][1]) if e[2][0] == "lit" else _empty(b)
    out = f(x, y)
    return out.dtype if hasattr(out, "dtype") else np.asarray(out).dtype


def _is_scalar(d):
    return isinstance(d, (int, float, bool, complex)) and not isinstance(d, np.dtype)


def _numpyish(d):
    return _is_scalar(d) or (isinstance(d, np.dtype) and d.kind in _NUMPY_KINDS)


def _via_pandas(f, d):
    return f(_empty(d)).dtype


def rename_columns(e, mapping: dict):
    """``e`` with column names replaced through ``mapping``."""
    tag = e[0]
    if tag == "col":
        return ("col", mapping.get(e[1], e[1]))
    if tag == "lit":
        return e
    if tag in NARY:
        return (tag, tuple(rename_columns(t, mapping) for t in e[1]))
    if tag == "call":
        return (tag, e[1], tuple(rename_columns(t, mapping) for t in e[2]))
    if tag in ("astype", "fillna"):
        return (tag, rename_columns(e[1], mapping), e[2])
    return (tag, *(rename_columns(x, mapping) for x in e[1:]))


def to_text(e) -> str:
    """A column expression as readable text, e.g. ``(c0 > 0.5)`` (used by explain)."""
    tag = e[0]
    if tag == "col":
        return str(e[1])
    if tag == "lit":
        return repr(e[1])
    if tag in NARY:
        return "(" + f" {SYMBOL[tag]} ".join(to_text(t) for t in e[1]) + ")"
    if tag == "call":
        return e[1].text([to_text(t) for t in e[2]])
    if tag in ("astype", "fillna"):
        return f"{tag}({to_text(e[1])}, {e[2]!r})"
    if tag in UNARY:
        return f"{tag}({to_text(e[1])})"
    if tag not in SYMBOL:
        return f"{tag}({to_text(e[1])}, {to_text(e[2])})"
    return f"({to_text(e[1])} {SYMBOL[tag]} {to_text(e[2])})"
