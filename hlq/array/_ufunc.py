"""numpy ufuncs as hlq array functions: ``hlq.array.sin(x)`` etc.

Each wrapper builds an elementwise node; numpy's own ``np.sin(x)`` on an hlq
array dispatches here through ``Array.__array_ufunc__``.
"""

from __future__ import annotations

import numpy as np

from hlq.array._core import Array, elemwise

_EXCLUDED = {"matmul", "matvec", "vecdot", "vecmat"}


class ufunc:
    """A numpy ufunc for hlq arrays, like ``dask.array.ufunc``.

    Called with at least one hlq array (positionally or as ``out=``), it builds
    an elementwise node; called with numpy inputs only, it is numpy's ufunc
    (numpy in, numpy out), as in dask.  numpy's attributes (``nin``, ``nout``,
    ``identity``, ``types``, ...) are forwarded.

    >>> import numpy as np
    >>> import hlq.array as da
    >>> type(da.sin(np.zeros(2))).__name__, type(da.sin(da.zeros(2, chunks=1))).__name__
    ('ndarray', 'Array')
    >>> da.add.nin, da.add.identity
    (2, 0)
    """

    _forwarded = ("nin", "nargs", "nout", "ntypes", "identity", "signature", "types")

    def __init__(self, uf: np.ufunc):
        self._ufunc = uf
        self.__name__ = uf.__name__
        self.__doc__ = f"``numpy.{uf.__name__}`` applied elementwise (see numpy's documentation)."

    @property
    def ufunc(self) -> np.ufunc:
        return self._ufunc

    #: the keyword arguments numpy's ufuncs take
    _ufunc_kwargs = frozenset({"out", "where", "casting", "order", "dtype", "subok", "signature", "axes", "axis",
                               "keepdims", "name"})

    def __call__(self, *args, **kwargs):
        bad = set(kwargs) - ufunc._ufunc_kwargs
        if bad:
            raise TypeError(f"{self.__name__} does not take the following keyword arguments {sorted(bad)}")
        kwargs.pop("name", None)  # dask's key name; hlq names nodes by their plan
        if any(isinstance(a, Array) for a in args) or isinstance(kwargs.get("out"), (Array, tuple)):
            if "out" in kwargs or "where" in kwargs:
                return self._ufunc(*args, **kwargs)  # numpy dispatches to Array.__array_ufunc__
            return elemwise(self._ufunc, *args, **kwargs)
        return self._ufunc(*args, **kwargs)

    def outer(self, A, B, **kwargs):
        """``numpy.<ufunc>.outer`` (lazy when an input is an hlq array)."""
        return self._ufunc.outer(A, B, **kwargs)

    def __getattr__(self, key):
        if key in ufunc._forwarded:
            return getattr(self._ufunc, key)
        raise AttributeError(f"hlq.array._ufunc {self.__name__!r} has no attribute {key!r}")

    def __dir__(self):
        return sorted(set(dir(type(self))) | set(self.__dict__) | set(ufunc._forwarded))

    def __repr__(self):
        return repr(self._ufunc)  # like dask: "<ufunc 'sin'>"

    def __reduce__(self):
        return (ufunc, (self._ufunc,))


def _wrap(uf: np.ufunc):
    return ufunc(uf)


__all__ = []
for _name in dir(np):
    _uf = getattr(np, _name)
    if isinstance(_uf, np.ufunc) and _uf.nout == 1 and _name not in _EXCLUDED:
        globals()[_name] = _wrap(_uf)
        __all__.append(_name)
