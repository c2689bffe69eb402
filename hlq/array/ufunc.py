"""numpy ufuncs as hlq array functions: ``hlq.array.sin(x)`` etc.

Each wrapper builds an elementwise node; numpy's own ``np.sin(x)`` on an hlq
array dispatches here through ``Array.__array_ufunc__``.
"""

from __future__ import annotations

import numpy as np

from hlq.array.core import elemwise

_EXCLUDED = {"matmul", "matvec", "vecdot", "vecmat"}


def _wrap(uf: np.ufunc):
    def f(*args, **kwargs):
        return elemwise(uf, *args, **kwargs)

    f.__name__ = uf.__name__
    f.__doc__ = f"``numpy.{uf.__name__}`` applied elementwise (see numpy's documentation)."
    f.ufunc = uf
    return f


__all__ = []
for _name in dir(np):
    _uf = getattr(np, _name)
    if isinstance(_uf, np.ufunc) and _uf.nout == 1 and _name not in _EXCLUDED:
        globals()[_name] = _wrap(_uf)
        __all__.append(_name)
