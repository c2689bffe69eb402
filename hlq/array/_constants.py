"""Names of the ``dask.array`` namespace that are not routines.

numpy constants and dtype aliases (``pi``, ``nan``, ``newaxis``, ``float64``...),
dask's ``PerformanceWarning`` (the same class, so warning filters match),
``compute``/``optimize``, ``result_type`` from metadata and ``atop`` (the old
name of :func:`blockwise`).

>>> import hlq.array as da
>>> da.result_type(da.ones(3, dtype="i4", chunks=2), 1.5)
dtype('float64')
"""

from __future__ import annotations

import numpy as np
from dask.array.core import PerformanceWarning
from dask.base import compute
import dask

from hlq.array._core import _result_type
from hlq.array._blockwise import blockwise

__all__ = [
    "e", "pi", "nan", "inf", "newaxis", "euler_gamma",
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float32", "float64", "complex64", "complex128",
    "PerformanceWarning", "compute", "optimize", "result_type", "atop",
]

e, pi, nan, inf, newaxis, euler_gamma = np.e, np.pi, np.nan, np.inf, np.newaxis, np.euler_gamma
bool = np.bool_
int8, int16, int32, int64 = np.int8, np.int16, np.int32, np.int64
uint8, uint16, uint32, uint64 = np.uint8, np.uint16, np.uint32, np.uint64
float32, float64, complex64, complex128 = np.float32, np.float64, np.complex64, np.complex128


def result_type(*args):
    """``numpy.result_type`` of hlq arrays, numpy arrays, dtypes and scalars, from metadata only."""
    return _result_type(*args)


def optimize(*args, **kwargs):
    """Optimize hlq collections (``dask.optimize``), or pass a low-level graph through.

    ``optimize(x, y)`` returns collections whose plans are optimized (one
    rule-engine pass each).  ``optimize(dsk, keys)``, dask.array's low-level
    graph hook, returns ``dsk`` unchanged: hlq graphs are produced already
    optimized, culled and fused by lowering.
    """
    if args and isinstance(args[0], dict):
        return args[0]
    out = dask.optimize(*args, **kwargs)
    return out[0] if len(args) == 1 else out


def atop(*args, **kwargs):
    """Old name of :func:`hlq.array.blockwise`."""
    return blockwise(*args, **kwargs)
