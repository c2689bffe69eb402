"""hlq-tiles: an example hlq extension (a memmap tile reader and two rules).

>>> import numpy as np, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "a.raw")
>>> write_tiles(path, np.arange(100.0).reshape(10, 10))
>>> x = open_tiles(path, (10, 10), "f8", chunks=5)
>>> reset_reads()
>>> float(x[2:4, 3:6].sum().compute())
174.0
>>> READS["reads"], READS["elements"]
(1, 6)

The rules live in :mod:`hlq_tiles.rules`; hlq loads them through the
``hlq.rules`` entry point - this package does not import them.
"""

from __future__ import annotations

import numpy as np

from hlq_tiles.nodes import READS, TileRead, reset_reads

__all__ = ["open_tiles", "write_tiles", "TileRead", "READS", "reset_reads"]


def write_tiles(path, array) -> None:
    """Write ``array`` as a raw (C-order) file that :func:`open_tiles` reads."""
    np.ascontiguousarray(array).tofile(path)


def open_tiles(path, shape, dtype, chunks):
    """An ``hlq.array`` over the raw file ``path`` read tile by tile.

    ``chunks`` is an int or a tuple of ints (regular tiles).
    """
    from hlq.array import Array
    from hlq.array.nodes import Dim

    shape = tuple(int(s) for s in shape)
    if isinstance(chunks, int):
        chunks = (chunks,) * len(shape)
    dims = tuple(Dim.regular(n, min(c, n) if n else 1) for n, c in zip(shape, chunks))
    return Array(TileRead(str(path), shape, np.dtype(dtype).str, dims, (0,) * len(shape)))
