"""Element-wise pandas methods inside column expressions: ``("call", Call(...), operands)``.

A :class:`Call` names a pandas ``Series`` method or accessor member by its
dotted path (``"clip"``, ``"str.lower"``, ``"dt.year"``), with literal
arguments.  The operands are column expressions: the first is the series the
method is called on, the others are passed positionally before the literal
arguments (``s.where(cond, other)`` has operands ``(s, cond, other)``).
Because the call is part of the column expression, projection and predicate
pushdown see which columns it reads, and its result dtype (and any dtype
error pandas raises, such as ``.str`` on integers) comes from running the
method on empty series at build time.

>>> import pandas as pd
>>> from hlq.dataframe.nodes.colexpr import columns_of, evaluate, expr_dtype
>>> e = ("call", Call("str.upper"), (("col", "s"),))
>>> sorted(columns_of(e)), expr_dtype(e, {"s": pd.StringDtype(na_value=float("nan"))})
(['s'], <StringDtype(na_value=nan)>)
>>> evaluate(e, pd.DataFrame({"s": ["ab", "c"]})).tolist()
['AB', 'C']
>>> c = ("call", Call("clip", (0, 1)), (("col", "x"),))
>>> evaluate(c, pd.DataFrame({"x": [-1.0, 0.5, 3.0]})).tolist()
[0.0, 0.5, 1.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from dask.base import tokenize

from hlq.expr.opaque import OpaqueData, loaded, stand_in

__all__ = ["Call", "call_expr"]


def _freeze(v):
    """Lists (e.g. ``isin`` values) become tuples so that calls stay hashable."""
    if isinstance(v, list):
        return tuple(_freeze(x) for x in v)
    return v


class Call:
    """``operand0.<path>(*operands[1:], *args, **kwargs)`` (or the attribute itself when ``attr``).

    Parameters
    ----------
    path : str
        Dotted member path on a pandas Series, e.g. ``"round"`` or ``"dt.strftime"``.
    args, kwargs : tuple
        Literal positional arguments and ``(name, value)`` keyword pairs.
    attr : bool
        The member is a property (``"dt.year"``), not a method.
    dtype : dtype, optional
        Declared result dtype (user functions with ``meta=``), used instead of
        running the method on empty data.
    """

    __slots__ = ("path", "args", "kwargs", "attr", "dtype", "_key")

    def __init__(self, path, args=(), kwargs=(), attr=False, dtype=None):
        self.path = path
        self.args = tuple(_freeze(a) for a in args)
        self.kwargs = tuple(sorted((k, _freeze(v)) for k, v in dict(kwargs).items()))
        self.attr = attr
        self.dtype = dtype
        self._key = tokenize(path, self.args, self.kwargs, attr, str(dtype))

    def __call__(self, s, *others):
        obj = s
        for p in self.path.split("."):
            obj = getattr(obj, p)
        if self.attr:
            return obj
        return obj(*others, *self._arguments(loaded), **{k: _deep(loaded, v) for k, v in self.kwargs})

    def _arguments(self, resolve):
        """The literal positional arguments, opaque user values resolved by ``resolve``."""
        return [_deep(resolve, list(a) if isinstance(a, tuple) and self.path in _LIST_ARGS else a)
                for a in self.args]

    def __hlq_map_user_values__(self, f):
        """This call with ``f`` applied to its literal arguments (shipping makes user values opaque)."""
        return Call(self.path, f(self.args), f(self.kwargs), self.attr, self.dtype)

    def result_dtype(self, operands, dtypes):
        """Result dtype given the operand expressions and their dtypes (pandas errors propagate)."""
        if self.dtype is not None:
            return self.dtype
        try:
            key = (self._key, tuple(("lit", type(e[1]), e[1]) if e[0] == "lit" else d
                                    for e, d in zip(operands, dtypes)))
            hit = _DTYPES.get(key)
        except TypeError:  # an unhashable literal
            key, hit = None, None
        if hit is not None:
            return hit
        dt = self._result_dtype(operands, dtypes)
        if key is not None:
            if len(_DTYPES) > 4096:
                _DTYPES.clear()
            _DTYPES[key] = dt
        return dt

    def _result_dtype(self, operands, dtypes):
        vals = []
        for e, d in zip(operands, dtypes):
            if e[0] == "lit":
                vals.append(stand_in(e[1]))
            else:
                vals.append(pd.Series([], dtype=d if not isinstance(d, (bool, int, float)) else type(d)))
        # metadata never unpickles a user value: opaque arguments are replaced by their look-alikes
        probe = self if not self._has_opaque() else Call(
            self.path, self._arguments(stand_in), {k: _deep(stand_in, v) for k, v in self.kwargs}, self.attr)
        with np.errstate(all="ignore"):
            out = probe(*vals)
            if self.path not in ("map", "apply"):  # user functions may reject fake data
                # pandas checks some dtypes only on data (str.round): run on a small fake sample too
                probe(*[_nonempty(v) for v in vals])
        dt = getattr(out, "dtype", None)
        if dt is None:
            raise TypeError(f"{self.path} does not give an element-wise result")
        return dt

    def text(self, operand_texts):
        extra = [*operand_texts[1:], *map(_short, self.args), *(f"{k}={_short(v)}" for k, v in self.kwargs)]
        head = f"{operand_texts[0]}.{self.path}"
        return head if self.attr else f"{head}({', '.join(extra)})"

    def __eq__(self, other):
        return isinstance(other, Call) and other._key == self._key

    def __hash__(self):
        return hash(self._key)

    def __dask_tokenize__(self):
        return ("call", self._key)

    def __reduce__(self):
        return (Call, (self.path, self.args, self.kwargs, self.attr, self.dtype))

    def __repr__(self):
        return f"Call({self.path!r})"


    def _has_opaque(self):
        return any(isinstance(v, OpaqueData) for v in _leaves((self.args, self.kwargs)))


def _leaves(v):
    if type(v) in (tuple, list):
        for x in v:
            yield from _leaves(x)
    else:
        yield v


def _deep(f, v):
    """``f`` applied to every leaf of nested tuples/lists ``v`` (their types kept)."""
    if type(v) in (tuple, list):
        return type(v)(_deep(f, x) for x in v)
    return f(v)


_LIST_ARGS = frozenset({"isin", "replace"})
_DTYPES: dict = {}  # (call, operand dtypes/literals) -> result dtype


def _nonempty(v):
    """Two fake values of ``v``'s dtype (a Series), or ``v`` itself (a literal)."""
    if not isinstance(v, pd.Series):
        return v
    s = nonempty_series(v.dtype, v.name)
    return v if s is None else s


#: dask's placeholder category marking a categorical whose categories are not known in the metadata
UNKNOWN_CATEGORIES = "__UNKNOWN_CATEGORIES__"


def has_unknown_categories(dtype):
    """Whether ``dtype`` is categorical with unknown categories (dask's placeholder category)."""
    return (isinstance(dtype, pd.CategoricalDtype) and dtype.categories is not None
            and len(dtype.categories) == 1 and dtype.categories[0] == UNKNOWN_CATEGORIES)


def unknown_categorical(dtype):
    """``dtype`` (categorical) with its categories marked unknown, the ordered flag kept."""
    return pd.CategoricalDtype([UNKNOWN_CATEGORIES], ordered=dtype.ordered)


def nonempty_series(dtype, name=None):
    """A two-row Series of ``dtype`` with fake values (like dask's ``meta_nonempty``, without
    importing dask.dataframe), or ``None`` when no fake value fits the dtype."""
    if isinstance(dtype, pd.CategoricalDtype):
        if dtype.categories is None or len(dtype.categories) == 0:
            return None
        vals = [dtype.categories[0]] * 2
    elif isinstance(dtype, pd.DatetimeTZDtype):
        vals = [pd.Timestamp("2000-01-01", tz=dtype.tz)] * 2
    else:
        kind = getattr(dtype, "kind", "O")
        vals = {"b": [True, False], "i": [1, 1], "u": [1, 1], "f": [1.0, 1.0], "c": [1 + 0j, 1 + 0j],
                "M": [pd.Timestamp("2000-01-01")] * 2, "m": [pd.Timedelta(1, "D")] * 2}.get(kind, ["a", "b"])
    try:
        return pd.Series(vals, dtype=dtype, name=name)
    except (TypeError, ValueError):
        return None


def nonempty_frame(meta):
    """``meta`` (an empty DataFrame or Series) with two rows of fake values, or ``None``."""
    if isinstance(meta, pd.Series):
        return nonempty_series(meta.dtype, meta.name)
    cols = {}
    for c, d in meta.dtypes.items():
        s = nonempty_series(d, c)
        if s is None:
            return None
        cols[c] = s
    return pd.DataFrame(cols, columns=meta.columns)


def _short(v):
    r = repr(v) if not callable(v) else getattr(v, "__name__", "func")
    return r if len(r) <= 30 else r[:27] + "..."


def call_expr(path, operand, *others, args=(), kwargs=(), attr=False, dtype=None):
    """The column expression ``operand.<path>(*others, *args, **kwargs)``."""
    return ("call", Call(path, args, kwargs, attr, dtype), (operand, *others))
