"""Conversions between hlq arrays and ``dask.delayed``: ``from_delayed`` and ``Array.to_delayed``.

>>> import dask
>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_delayed(dask.delayed(np.ones)(5), (5,), dtype=float)
>>> float(x.sum().compute())
5.0
>>> d = da.arange(6, chunks=3).to_delayed()
>>> d.shape, int(d[1].compute().sum())
((2,), 12)
"""

from __future__ import annotations

import dask
import numpy as np
from dask.delayed import Delayed, delayed

from hlq.array._chunks import Dim
from hlq.array._core import Array
from hlq.array.nodes.io import FromDelayed
from hlq.lower.protocol import DelayedRef

__all__ = ["from_delayed"]


def from_delayed(value, shape, dtype=None, meta=None, name=None):
    """An array of one block computed by a dask Delayed (``dask.array.from_delayed``).

    Parameters
    ----------
    value : Delayed
        Computes the block (any object with a ``key`` is wrapped with ``dask.delayed``).
    shape : tuple of int
        Shape of the block; checked against the computed value.
    dtype : dtype, optional
        Defaults to ``meta.dtype`` or float64.
    meta : array, optional
        Gives the dtype when ``dtype`` is None.
    name : str, optional
        Ignored (hlq names nodes from their content).
    """
    if not isinstance(value, Delayed):
        if hasattr(value, "key"):
            value = delayed(value)
        else:
            raise TypeError(f"from_delayed expects a dask Delayed, got {type(value).__name__}")
    shape = tuple(shape)
    if any(not isinstance(s, (int, np.integer)) or s < 0 for s in shape):
        raise ValueError(f"from_delayed: shape must be non-negative integers, got {shape}")
    if dtype is None:
        dtype = meta.dtype if meta is not None and hasattr(meta, "dtype") else np.float64
    dims = tuple(Dim.from_sizes((int(s),)) for s in shape)
    return Array(FromDelayed(DelayedRef(value), dims, np.dtype(dtype)))


def to_delayed(x: Array, optimize_graph=True):
    """One :class:`dask.delayed.Delayed` per block, in an object array shaped like the block grid.

    Parameters
    ----------
    x : Array
    optimize_graph : bool
        Fuse blockwise chains into one task per block (default); ``False``
        keeps one task per operation and block.
    """
    from dask.highlevelgraph import HighLevelGraph

    with dask.config.set({"hlq.fuse": bool(optimize_graph)}):
        graph = x.__dask_graph__()
        keys = x.__dask_keys__()
    layer = f"delayed-{x.name}"
    graph = HighLevelGraph.from_collections(layer, graph, dependencies=())
    out = np.empty(x.numblocks, dtype=object)
    flat = _flatten(keys)
    for i, k in zip(np.ndindex(*x.numblocks), flat):
        out[i] = Delayed(k, graph, layer=layer)
    return out


def _flatten(keys):
    out = []
    stack = [keys]
    while stack:
        k = stack.pop()
        if isinstance(k, list):
            stack.extend(reversed(k))
        else:
            out.append(k)
    return out
