"""``TileRead``: a custom array source node.

An array node declares its parameters in ``_fields``, derives ``(dims,
dtype)`` in ``_array_props`` (``dims`` is one :class:`hlq.array.nodes.Dim`
per axis: length and block sizes), and lowers through the *blockwise*
protocol: ``is_blockwise = True``, ``bw_inputs`` (no array inputs: ``()``),
``bw_func`` (computes one block) and, with ``bw_has_arg = True``,
``bw_block_arg(idx)`` (the per-block argument - here the region to read).
"""

from __future__ import annotations

import threading

import numpy as np

from hlq.array.nodes import Blockwise

__all__ = ["TileRead", "READS", "reset_reads"]

#: reads made by this process: number of read calls and elements read
READS = {"reads": 0, "elements": 0}
_LOCK = threading.Lock()


def reset_reads() -> None:
    with _LOCK:
        READS.update(reads=0, elements=0)


class _ReadRegion:
    """Read one region of a raw file through a memmap (a picklable callable)."""

    __slots__ = ("path", "dtype", "shape")
    __name__ = "read-tiles"

    def __init__(self, path, dtype, shape):
        self.path, self.dtype, self.shape = path, dtype, shape

    def __call__(self, region):
        mm = np.memmap(self.path, dtype=np.dtype(self.dtype), mode="r", shape=self.shape)
        out = np.array(mm[region])
        with _LOCK:
            READS["reads"] += 1
            READS["elements"] += out.size
        return out

    def __reduce__(self):
        return (_ReadRegion, (self.path, self.dtype, self.shape))


class TileRead(Blockwise):
    """Blocks of a raw C-order file of ``file_shape``/``dtype_``.

    ``dims_`` are the output blocks and ``offset`` the origin of this node's
    region in the file (slices absorbed by :func:`hlq_tiles.rules.absorb_slice`).
    """

    _fields = ("path", "file_shape", "dtype_", "dims_", "offset")
    op_name = "read-tiles"
    bw_inputs = ()
    bw_has_arg = True

    def _array_props(self):
        return self.dims_, np.dtype(self.dtype_)

    def _extra_props(self, dims):
        # derived once, at build time; not a field, so not part of the token
        return {"bw_func": _ReadRegion(self.path, self.dtype_, self.file_shape)}

    def bw_block_arg(self, idx):
        return tuple(
            slice(o + d.start(i), o + d.start(i) + d.size(i)) for d, i, o in zip(self.dims, idx, self.offset)
        )

    def label(self):
        return f"read-tiles(offset={self.offset})"
