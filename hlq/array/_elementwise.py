"""Elementwise numpy routines that are not plain ufunc wrappers (those are in ``_ufunc``).

``where``, ``clip``, ``round``/``around``, ``choose``, ``isclose``,
``allclose``, ``angle``, ``fix``, ``i0``, ``sinc``, ``iscomplex``,
``isreal``, ``isneginf``, ``isposinf``, ``isnull``, ``notnull``,
``nan_to_num``, ``real``, ``imag``, the two-output ``divmod``, ``frexp``,
``modf``, and ``piecewise``, ``select``, ``frompyfunc``.  Each is an elementwise node (or
a ``map_blocks`` over aligned blocks), so slices push through them.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.array([-1.5, 0.0, 2.5]), chunks=2)
>>> da.fix(x).compute().tolist()
[-1.0, 0.0, 2.0]
>>> [p.compute().tolist() for p in da.modf(x)]
[[-0.5, 0.0, 0.5], [-1.0, 0.0, 2.0]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from dask.base import tokenize

from hlq.array._core import Array, asarray, elemwise, implements
from hlq.array._indexing_boolean import nonzero
from hlq.array._blockwise import map_blocks
from hlq.array._manipulation import broadcast_to

__all__ = [
    "angle", "fix", "i0", "sinc", "iscomplex", "isreal", "isneginf", "isposinf", "isnull", "notnull",
    "nan_to_num", "real", "imag", "divmod", "frexp", "modf", "piecewise", "select", "frompyfunc",
    "where", "clip", "round", "around", "choose", "isclose", "allclose",
]


def _numpy_without_hlq(npfunc):
    """Like dask's ``wrap_elemwise``: without an hlq array argument, call numpy eagerly."""

    def deco(f):
        def wrapped(*args, **kwargs):
            if not any(isinstance(a, Array) for a in args):
                return npfunc(*args, **kwargs)
            return f(*args, **kwargs)

        wrapped.__name__, wrapped.__doc__, wrapped.__wrapped__ = f.__name__, f.__doc__, f
        return wrapped

    return deco


@implements(np.angle)
@_numpy_without_hlq(np.angle)
def angle(x, deg=False):
    """Angle of complex values (``numpy.angle``), radians unless ``deg``."""
    return elemwise(np.angle, asarray(x), deg=bool(deg))


@implements(np.fix)
@_numpy_without_hlq(np.fix)
def fix(x):
    """Round towards zero (``numpy.fix``)."""
    return elemwise(np.fix, asarray(x))


@implements(np.i0)
@_numpy_without_hlq(np.i0)
def i0(x):
    """Modified Bessel function of the first kind, order 0 (``numpy.i0``)."""
    x = asarray(x)
    if x.dtype.kind == "c":
        raise TypeError("i0 not supported for complex values")
    return elemwise(np.i0, x)


@implements(np.sinc)
@_numpy_without_hlq(np.sinc)
def sinc(x):
    """Normalized sinc ``sin(pi x) / (pi x)`` (``numpy.sinc``)."""
    return elemwise(np.sinc, asarray(x))


@implements(np.iscomplex)
@_numpy_without_hlq(np.iscomplex)
def iscomplex(x):
    """True where the imaginary part is nonzero (``numpy.iscomplex``)."""
    return elemwise(np.iscomplex, asarray(x), dtype=bool)


@implements(np.isreal)
@_numpy_without_hlq(np.isreal)
def isreal(x):
    """True where the imaginary part is zero (``numpy.isreal``)."""
    return elemwise(np.isreal, asarray(x), dtype=bool)


@implements(np.isneginf)
@_numpy_without_hlq(np.isneginf)
def isneginf(x):
    """True where ``x`` is negative infinity (``numpy.isneginf``)."""
    return elemwise(np.isneginf, asarray(x), dtype=bool)


@implements(np.isposinf)
@_numpy_without_hlq(np.isposinf)
def isposinf(x):
    """True where ``x`` is positive infinity (``numpy.isposinf``)."""
    return elemwise(np.isposinf, asarray(x), dtype=bool)


def isnull(values):
    """``pandas.isnull`` elementwise: NaN, NaT and None are null."""
    return elemwise(pd.isnull, asarray(values), dtype=bool)


def notnull(values):
    """``pandas.notnull`` elementwise (the negation of :func:`isnull`)."""
    return elemwise(pd.notnull, asarray(values), dtype=bool)


@implements(np.nan_to_num)
@_numpy_without_hlq(np.nan_to_num)
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """Replace NaN and infinities by finite numbers (``numpy.nan_to_num``)."""
    x = asarray(x)
    return elemwise(np.nan_to_num, x, nan=nan, posinf=posinf, neginf=neginf, dtype=x.dtype)


@implements(np.real)
@_numpy_without_hlq(np.real)
def real(val):
    """Real part (``numpy.real``)."""
    return elemwise(np.real, asarray(val))


@implements(np.imag)
@_numpy_without_hlq(np.imag)
def imag(val):
    """Imaginary part (``numpy.imag``)."""
    return elemwise(np.imag, asarray(val))


# ------------------------------------------------------------------ two outputs

class _Output:
    """Picklable ``lambda *a: f(*a)[i]`` for a two-output ufunc."""

    __slots__ = ("f", "i")

    def __init__(self, f, i):
        self.f, self.i = f, i

    @property
    def __name__(self):
        return f"{self.f.__name__}-{self.i}"

    def __call__(self, *args):
        return self.f(*args)[self.i]

    def __reduce__(self):
        return (_Output, (self.f, self.i))

    def __dask_tokenize__(self):
        return ("hlq-output", self.f.__name__, self.i)


def _two_outputs(f, *args):
    args = [asarray(a) if isinstance(a, (list, tuple)) else a for a in args]
    if not any(isinstance(a, Array) for a in args):
        args[0] = asarray(args[0])
    return elemwise(_Output(f, 0), *args), elemwise(_Output(f, 1), *args)


@implements(np.divmod)
def divmod(x, y):
    """``(x // y, x % y)`` elementwise (``numpy.divmod``)."""
    return _two_outputs(np.divmod, x, y)


@implements(np.frexp)
def frexp(x):
    """Mantissa and exponent, ``x = m * 2**e`` (``numpy.frexp``)."""
    return _two_outputs(np.frexp, x)


@implements(np.modf)
def modf(x):
    """Fractional and integral parts (``numpy.modf``)."""
    return _two_outputs(np.modf, x)


# ------------------------------------------------------------- piecewise, select

class _Piecewise:
    """Block kernel: ``np.piecewise(x, conds, funclist, *args, **kw)``."""

    __name__ = "piecewise"

    def __init__(self, funclist, args, kw):
        self.funclist, self.args, self.kw = funclist, args, kw

    def __call__(self, x, *conds):
        return np.piecewise(x, list(conds), self.funclist, *self.args, **self.kw)

    def __reduce__(self):
        return (_Piecewise, (self.funclist, self.args, self.kw))


@implements(np.piecewise)
def piecewise(x, condlist, funclist, *args, **kw):
    """Evaluate a piecewise-defined function (``numpy.piecewise``), block by block.

    ``condlist`` is a list of boolean arrays (hlq or numpy) broadcastable to
    ``x``; the output has ``x``'s dtype.
    """
    x = asarray(x)
    if isinstance(condlist, (Array, np.ndarray)) and condlist.ndim == x.ndim:
        condlist = [condlist]
    elif isinstance(condlist, (bool, np.bool_)):
        condlist = [condlist]
    conds = [broadcast_to(asarray(c), x.shape).rechunk(x.chunks) for c in condlist]
    n = len(conds)
    if len(funclist) not in (n, n + 1):
        raise ValueError(
            f"with {n} condition(s), either {n} or {n + 1} functions are expected"
        )
    return map_blocks(_Piecewise(list(funclist), tuple(args), dict(kw)), x, *conds, dtype=x.dtype)


def _select_kernel(*arrays, ncond, default):
    return np.select(list(arrays[:ncond]), list(arrays[ncond:]), default)


@implements(np.select)
def select(condlist, choicelist, default=0):
    """Choose from ``choicelist`` where ``condlist`` is true, else ``default`` (``numpy.select``)."""
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    if len(condlist) == 0:
        raise ValueError("select with an empty condition list is not possible")
    conds = [asarray(c) for c in condlist]
    for i, c in enumerate(conds):
        if c.dtype != bool:
            raise TypeError(f"invalid entry {i} in condlist: should be boolean ndarray")
    choices = [asarray(c) for c in choicelist]
    dtype = np.result_type(*[c.dtype for c in choices], np.asarray(default))
    if isinstance(default, Array):
        raise NotImplementedError("select: an hlq array as default is not supported; use where")
    return elemwise(_select_kernel, *conds, *choices, ncond=len(conds), default=default, dtype=dtype)


# ---------------------------------------------------------------- frompyfunc

class frompyfunc:
    """``numpy.frompyfunc`` whose calls build lazy elementwise hlq arrays (object dtype).

    Parameters
    ----------
    func : callable
        Python function of ``nin`` scalars.
    nin, nout : int
        Number of inputs and outputs.

    Examples
    --------
    >>> import hlq.array as da
    >>> add = da.frompyfunc(lambda a, b: a + b, 2, 1)
    >>> add(da.arange(3, chunks=2), 1).compute().tolist()
    [1, 2, 3]
    """

    def __init__(self, func, nin, nout):
        self.func, self.nin, self.nout = func, int(nin), int(nout)
        self._ufunc = np.frompyfunc(func, self.nin, self.nout)
        self.__name__ = getattr(func, "__name__", "frompyfunc")

    @property
    def ntypes(self):
        return self._ufunc.ntypes

    @property
    def nargs(self):
        return self._ufunc.nargs

    def __reduce__(self):
        return (frompyfunc, (self.func, self.nin, self.nout))

    def __dask_tokenize__(self):
        return ("hlq-frompyfunc", tokenize(self.func), self.nin, self.nout)

    def __repr__(self):
        return f"hlq.array.frompyfunc<{self.__name__}, {self.nin}, {self.nout}>"

    def _np(self, *args):
        return self._ufunc(*args)

    def __call__(self, *args, **kwargs):
        if len(args) != self.nin:
            raise TypeError(f"{self.__name__} takes {self.nin} positional arguments, got {len(args)}")
        if kwargs:
            raise TypeError(f"{self.__name__}: keyword arguments are not supported")
        args = list(args)
        if not any(isinstance(a, Array) for a in args):
            args[0] = asarray(args[0])
        if self.nout == 1:
            return elemwise(_PyUfunc(self), *args, dtype=object)
        return tuple(elemwise(_Output(_PyUfunc(self), i), *args, dtype=object) for i in range(self.nout))

    def __getattr__(self, name):
        if name.startswith("_") or name in ("func", "nin", "nout"):
            raise AttributeError(name)
        return getattr(self._ufunc, name)


class _PyUfunc:
    """Picklable block kernel of a :class:`frompyfunc` (numpy's object ufuncs do not pickle)."""

    __slots__ = ("f",)

    def __init__(self, f):
        self.f = f

    @property
    def __name__(self):
        return self.f.__name__

    def __call__(self, *args):
        return self.f._np(*args)

    def __reduce__(self):
        return (_PyUfunc, (self.f,))

    def __dask_tokenize__(self):
        return ("hlq-pyufunc", self.f.__dask_tokenize__())


@implements(np.where)
def where(condition, x=None, y=None):
    """``numpy.where(condition, x, y)``; ``where(condition)`` is ``nonzero(condition)`` (unknown chunks)."""
    if x is None and y is None:
        return nonzero(condition)
    if x is None or y is None:
        raise ValueError("either both or neither of x and y should be given")
    return elemwise(np.where, condition, x, y)


@implements(np.clip)
def clip(a, a_min=None, a_max=None, **kwargs):
    """Clip values to ``[a_min, a_max]`` (``numpy.clip``)."""
    if a_min is None and a_max is None:
        raise ValueError("One of max or min must be given")
    return elemwise(np.clip, a, a_min, a_max)


@implements(np.round, np.around)
def round(a, decimals=0):
    """Evenly round to ``decimals`` (``numpy.round``)."""
    return elemwise(np.round, a, decimals=decimals)


around = round


def _choose(a, *choices):
    return np.choose(a, choices)


@implements(np.choose)
def choose(a, choices):
    """``numpy.choose`` (elementwise, choices broadcast against ``a``)."""
    choices = [asarray(c) for c in choices]
    dtype = np.result_type(*(c.dtype for c in choices))
    return elemwise(_choose, asarray(a), *choices, dtype=dtype)


@implements(np.isclose)
def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``|a - b| <= atol + rtol * |b|``."""
    return elemwise(np.isclose, a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


@implements(np.allclose)
def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when all elements are close (a 0-d lazy array, like dask)."""
    return isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan).all()
