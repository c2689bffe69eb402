"""``.npy`` stacks: ``to_npy_stack`` writes one ``.npy`` file per block along an axis, ``from_npy_stack`` reads them.

The directory layout (``0.npy``, ``1.npy``, ..., and a pickled ``info``) is
dask's, so stacks written by either library read with the other.

>>> import tempfile
>>> import hlq.array as da
>>> d = tempfile.mkdtemp()
>>> da.to_npy_stack(d, da.arange(10, chunks=4))
>>> da.from_npy_stack(d).chunks
((4, 4, 2),)
"""

from __future__ import annotations

import os
import pickle

import dask
import numpy as np

from hlq.array._core import Array, validate_axis
from hlq.array.nodes.base import dims_of
from hlq.array.nodes.blockwise import MapBlocks
from hlq.array.nodes.io import NpyStack

__all__ = ["to_npy_stack", "from_npy_stack"]


def _save_block(block, dirname, axis, block_id=None):
    np.save(os.path.join(dirname, f"{block_id[axis]}.npy"), block)
    return np.zeros((1,) * block.ndim, dtype=bool)


def to_npy_stack(dirname, x, axis=0):
    """Write ``x`` to ``dirname`` as one ``.npy`` file per block along ``axis`` (``dask.array.to_npy_stack``).

    Parameters
    ----------
    dirname : str
        Directory (created if missing).
    x : Array
    axis : int
        The axis the files split; the other axes are merged into one chunk.
    """
    if not isinstance(x, Array):
        raise TypeError(f"to_npy_stack expects an hlq Array, got {type(x).__name__}")
    axis = validate_axis(axis, x.ndim)[0]
    chunks = tuple(c if i == axis else (sum(c),) for i, c in enumerate(x.chunks))
    xx = x.rechunk(chunks)
    os.makedirs(dirname, exist_ok=True)
    with open(os.path.join(dirname, "info"), "wb") as f:
        pickle.dump({"chunks": chunks, "dtype": x.dtype, "axis": axis}, f)
    ones = tuple((1,) * len(c) for c in chunks)
    writer = MapBlocks(_save_block, (xx._node, dirname, axis), (tuple(range(x.ndim)),), dims_of(ones),
                       np.dtype(bool), None, True)
    dask.compute(Array(writer))


def from_npy_stack(dirname, mmap_mode="r"):
    """Load a stack written by :func:`to_npy_stack` (``dask.array.from_npy_stack``).

    Parameters
    ----------
    dirname : str
        Directory holding ``info`` and the ``<i>.npy`` files.
    mmap_mode : None or str
        Passed to ``numpy.load`` (memory-map the files by default).
    """
    with open(os.path.join(dirname, "info"), "rb") as f:
        info = pickle.load(f)
    return Array(NpyStack(os.fspath(dirname), dims_of(info["chunks"]), np.dtype(info["dtype"]), int(info["axis"]),
                          mmap_mode))
