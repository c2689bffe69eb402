"""Arrays and dataframes in one plan: ``df.to_dask_array()`` / ``.values`` and ``from_dask_array``.

:class:`FrameToArray` is an hlq.array node whose child is a dataframe plan
(one row block per partition), and :class:`ArrayToFrame` a dataframe node
whose child is an hlq.array plan (one partition per row block), so a
computation that goes from a dataframe to an array and back stays one
expression: one optimizer run, one fused graph.

>>> import numpy as np
>>> import hlq.array as da
>>> import hlq.dataframe as dd
>>> x = da.from_array(np.arange(12.0).reshape(6, 2), chunks=(3, 2))
>>> df = dd.from_dask_array(x, columns=["a", "b"])
>>> df.divisions
(0, 3, 5)
>>> arr = (df.a + df.b).to_dask_array()
>>> arr.node.child.op_name, arr.chunks
('series', ((3, 3),))
>>> arr.compute().tolist()
[1.0, 5.0, 9.0, 13.0, 17.0, 21.0]
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hlq.array._chunks import Dim
from hlq.array.nodes.base import ArrayNode
from hlq.dataframe.nodes.base import FrameNode

__all__ = ["FrameToArray", "ArrayToFrame"]


class FrameToArray(ArrayNode):
    """The values of each partition of a frame (2-d) or series (1-d) as one row block.

    ``lengths`` are the partitions' row counts (known from metadata or computed);
    ``dtype_`` the numpy dtype of the values (as ``DataFrame.to_numpy`` gives it).
    """

    _fields = ("child", "lengths", "dtype_")
    op_name = "frame-to-array"
    is_blockwise = True

    def _array_props(self):
        c = self.child
        if c.kind not in ("frame", "series"):
            raise TypeError(f"to_dask_array needs a DataFrame or Series, got a {c.kind}")
        if len(self.lengths) != c.npartitions:
            raise ValueError(f"{len(self.lengths)} lengths given for {c.npartitions} partitions")
        rows = Dim.from_sizes(self.lengths)
        dims = (rows,) if c.kind == "series" else (rows, Dim.from_sizes((len(c.columns),)))
        return dims, self.dtype_

    def _extra_props(self, dims):
        return {"bw_inputs": ((self.child, (0,)),), "bw_func": _ToNumpy(self.dtype)}

    def label(self):
        return f"to-array({self.child.kind})"


class _ToNumpy:
    __slots__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = dtype

    def __call__(self, part):
        return part.to_numpy(dtype=self.dtype)

    def __reduce__(self):
        return (_ToNumpy, (self.dtype,))


class ArrayToFrame(FrameNode):
    """Row blocks of a 1-d or 2-d array (one column block) as partitions with a range index.

    ``columns_`` names the frame's columns (2-d) or ``(name,)`` of the series (1-d).
    """

    _fields = ("child", "columns_")
    op_name = "array-to-frame"
    is_blockwise = True
    bw_has_arg = True

    def _props(self):
        x = self.child
        if x.ndim not in (1, 2):
            raise ValueError(f"from_dask_array needs a 1-d or 2-d array, got {x.ndim} dimensions")
        if x.ndim == 2 and x.numblocks[1] != 1:
            raise ValueError("from_dask_array needs one block along axis 1 (rechunk first)")
        ncols = 1 if x.ndim == 1 else x.shape[1]
        if len(self.columns_) != ncols:
            raise ValueError(f"{len(self.columns_)} column names for an array of {ncols} columns")
        sizes = x.chunks[0]
        kind = "series" if x.ndim == 1 else "frame"
        if not _known_sizes(sizes):
            # unknown block lengths (nan chunks): unknown divisions, each partition indexed from 0 (as dask)
            return {"kind": kind, "columns": self.columns_, "dtypes": (x.dtype,) * ncols,
                    "divisions": (None,) * (len(sizes) + 1), "lengths": None}
        starts = np.concatenate([[0], np.cumsum(sizes)]).tolist()
        if x.shape[0] and all(sizes):
            divisions = tuple(int(s) for s in starts[:-1]) + (int(starts[-1]) - 1,)
        else:
            divisions = (None,) * (len(sizes) + 1)
        return {"kind": kind, "columns": self.columns_, "dtypes": (x.dtype,) * ncols, "divisions": divisions,
                "lengths": tuple(int(s) for s in sizes)}

    @property
    def kind(self):
        return "series" if self.child.ndim == 1 else "frame"

    def _extra_props(self):
        x = self.child
        edge = (0,) if x.ndim == 1 else (0, ("c", 0))
        return {"bw_inputs": ((x, edge),), "bw_func": _FromBlock(self.columns_, x.ndim)}

    def bw_block_arg(self, idx):
        if not _known_sizes(self.child.chunks[0]):
            return 0
        return self.child.dims[0].start(idx[0])

    def label(self):
        return f"array-to-frame(columns {len(self.columns_)})"


def _known_sizes(sizes):
    """Whether every block length is known (no nan chunk)."""
    return not any(isinstance(s, float) and math.isnan(s) for s in sizes)


class _FromBlock:
    __slots__ = ("columns", "ndim")

    def __init__(self, columns, ndim):
        self.columns, self.ndim = columns, ndim

    def __call__(self, block, start):
        index = pd.RangeIndex(start, start + len(block))
        if self.ndim == 1:
            return pd.Series(block, index=index, name=self.columns[0])
        return pd.DataFrame(block, index=index, columns=list(self.columns))

    def __reduce__(self):
        return (_FromBlock, (self.columns, self.ndim))
