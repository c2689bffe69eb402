"""``hlq.array.core``: the names code reaches through ``dask.array.core``.

dask users import array classes and functions from ``dask.array.core``
(``from dask.array.core import map_blocks, PerformanceWarning``) or call
them as ``da.core.map_blocks``; this module gives the same names for
``hlq.array``.  They are the objects of the ``hlq.array`` namespace.
"""

from __future__ import annotations

from dask.array.core import PerformanceWarning

from hlq.array._block_ops import unify_chunks
from hlq.array._blockwise import blockwise, map_blocks
from hlq.array._core import Array, BlockView, asanyarray, asarray, elemwise, from_array
from hlq.array._io_delayed import from_delayed
from hlq.array._io_npy import from_npy_stack, to_npy_stack
from hlq.array._io_store import store
from hlq.array._io_zarr import from_zarr, to_zarr
from hlq.array._manipulation import block, broadcast_arrays, broadcast_to, concatenate, stack

__all__ = [
    "Array", "BlockView", "PerformanceWarning", "asanyarray", "asarray", "block", "blockwise", "broadcast_arrays",
    "broadcast_to", "concatenate", "elemwise", "from_array", "from_delayed", "from_npy_stack", "from_zarr",
    "map_blocks", "stack", "store", "to_npy_stack", "to_zarr", "unify_chunks",
]
