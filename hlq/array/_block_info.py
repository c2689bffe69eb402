"""dask's ``block_info=`` for ``map_blocks``: where each block sits in its array.

A function taking ``block_info`` gets, for every array argument (keyed by its
position in the argument list) and for the output (key ``None``), the array
``shape``, ``num-chunks``, the block's ``chunk-location`` and its
``array-location`` (``[(start, stop), ...]``); the output entry also has
``chunk-shape`` and ``dtype``.  Everything is derived from chunk metadata
captured at build time; the block's index arrives through hlq's ``block_id``.

>>> import numpy as np
>>> import hlq.array as da
>>> def where(x, block_info=None):
...     return np.full(x.shape, block_info[0]["array-location"][0][0])
>>> da.arange(5, chunks=2).map_blocks(where, dtype=int).compute().tolist()
[0, 0, 2, 2, 4]
"""

from __future__ import annotations

import inspect
import itertools
from dask.base import tokenize

__all__ = ["accepts_block_info", "BlockInfoCall"]


def accepts_block_info(func) -> bool:
    """True when ``func`` has a ``block_info`` parameter."""
    try:
        return "block_info" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


def _starts(chunks):
    return tuple(tuple(itertools.accumulate((0,) + tuple(c))) for c in chunks)


class BlockInfoCall:
    """Wraps ``func``: called with ``block_id`` by hlq, calls ``func(..., block_info=...)``.

    Parameters
    ----------
    func : callable
    inputs : tuple
        ``(position, shape, chunks, block_map)`` per array argument; the map
        gives, per input dimension, the output dimension it follows or
        ``("c", 0)`` (always block 0).
    out_shape, out_chunks, dtype
        The output array's metadata.
    pass_block_id : bool
        ``func`` also takes ``block_id``.
    """

    def __init__(self, func, inputs, out_shape, out_chunks, dtype, pass_block_id):
        self.func, self.inputs = func, inputs
        self.out_shape, self.out_chunks, self.dtype = out_shape, out_chunks, dtype
        self.pass_block_id = pass_block_id
        self.__name__ = getattr(func, "__name__", "map-blocks")

    def info(self, block_id):
        """The ``block_info`` dict of output block ``block_id``."""
        out = {}
        for pos, shape, chunks, m in self.inputs:
            loc = tuple(block_id[e] if type(e) is int else 0 for e in m)
            starts = _starts(chunks)
            out[pos] = {
                "shape": shape,
                "num-chunks": tuple(len(c) for c in chunks),
                "chunk-location": loc,
                "array-location": [(s[i], s[i + 1]) for s, i in zip(starts, loc)],
            }
        starts = _starts(self.out_chunks)
        out[None] = {
            "shape": self.out_shape,
            "num-chunks": tuple(len(c) for c in self.out_chunks),
            "chunk-location": tuple(block_id),
            "array-location": [(s[i], s[i + 1]) for s, i in zip(starts, block_id)],
            "chunk-shape": tuple(c[i] for c, i in zip(self.out_chunks, block_id)),
            "dtype": self.dtype,
        }
        return out

    def __call__(self, *args, block_id=None, **kwargs):
        if self.pass_block_id:
            kwargs["block_id"] = block_id
        return self.func(*args, block_info=self.info(block_id), **kwargs)

    def __reduce__(self):
        return (BlockInfoCall, (self.func, self.inputs, self.out_shape, self.out_chunks, self.dtype,
                                self.pass_block_id))

    def __dask_tokenize__(self):
        return ("hlq-block-info", tokenize(self.func), self.inputs, self.out_chunks, str(self.dtype))


class EnforceNdim:
    """Wraps a ``map_blocks`` function: a block with another number of dimensions raises (``enforce_ndim=True``)."""

    def __init__(self, func, ndim):
        self.func, self.ndim = func, ndim
        self.__name__ = getattr(func, "__name__", "map-blocks")

    def __call__(self, *args, **kwargs):
        out = self.func(*args, **kwargs)
        if getattr(out, "ndim", None) != self.ndim:
            raise ValueError(
                f"Dimension mismatch: expected output of {self.func} to have dims = {self.ndim}. "
                f"Got {getattr(out, 'ndim', None)} instead."
            )
        return out

    def __reduce__(self):
        return (EnforceNdim, (self.func, self.ndim))

    def __dask_tokenize__(self):
        return ("hlq-enforce-ndim", tokenize(self.func), self.ndim)
