"""Cumulative operations (``cumsum``, ``cumprod``, ``nancumsum``, ``nancumprod``) as blocked scans.

``Cumulative`` is the logical node.  The ``lower`` phase rewrites it into

    ScanBlocks  (blockwise: the scan inside each block, fused with its input)
    BlockLast   (blockwise: the last value of each block's scan along the axis)
    ScanCombine (general: block ``k`` = scan_k (+|*) the combination of the
                 last values of blocks ``0..k-1``)

so the graph has about three tasks per block and an output block reads only
the blocks before it along the axis (culling follows).

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.arange(6), chunks=2).cumsum(axis=0)
>>> x.compute().tolist()
[0, 1, 3, 6, 10, 15]
"""

from __future__ import annotations

import numpy as np
from dask._task_spec import Task, TaskRef

from hlq.array._chunks import Dim
from hlq.array.nodes.base import ArrayNode
from hlq.array.nodes.blockwise import Blockwise

__all__ = ["Cumulative", "ScanBlocks", "BlockLast", "ScanCombine", "SCANS"]

#: kind -> (block scan, binary combine, identity)
SCANS = {
    "cumsum": (np.cumsum, np.add, 0),
    "cumprod": (np.cumprod, np.multiply, 1),
    "nancumsum": (np.nancumsum, np.add, 0),
    "nancumprod": (np.nancumprod, np.multiply, 1),
}


class Cumulative(ArrayNode):
    """Logical ``np.<kind>(child, axis=axis, dtype=dtype_)``."""

    _fields = ("child", "kind", "axis", "dtype_")

    @property
    def op_name(self):
        return self.kind

    def _array_props(self):
        return self.child.dims, self.dtype_

    def label(self):
        return f"{self.kind}(axis={self.axis})"


class ScanBlocks(Blockwise):
    """The scan of each block along ``axis``."""

    _fields = ("child", "kind", "axis", "dtype_")

    @property
    def op_name(self):
        return f"{self.kind}-block"

    def _array_props(self):
        return self.child.dims, self.dtype_

    def _extra_props(self, dims):
        return {"bw_inputs": ((self.child, tuple(range(self.child.ndim))),),
                "bw_func": _ScanFn(self.kind, self.axis, self.dtype_)}


class _ScanFn:
    __slots__ = ("kind", "axis", "dtype")

    def __init__(self, kind, axis, dtype):
        self.kind, self.axis, self.dtype = kind, axis, dtype

    @property
    def __name__(self):
        return self.kind

    def __call__(self, x):
        return SCANS[self.kind][0](x, axis=self.axis, dtype=self.dtype)

    def __reduce__(self):
        return (_ScanFn, (self.kind, self.axis, self.dtype))


class BlockLast(Blockwise):
    """The last element along ``axis`` of each block (length 1 kept; identity for empty blocks)."""

    _fields = ("child", "kind", "axis")
    op_name = "scan-last"

    def _array_props(self):
        c = self.child
        dims = list(c.dims)
        dims[self.axis] = Dim.from_sizes((1,) * c.dims[self.axis].nblocks)
        return dims, c.dtype

    def _extra_props(self, dims):
        return {"bw_inputs": ((self.child, tuple(range(self.child.ndim))),),
                "bw_func": _LastFn(self.axis, SCANS[self.kind][2])}


class _LastFn:
    __slots__ = ("axis", "identity")
    __name__ = "scan-last"

    def __init__(self, axis, identity):
        self.axis, self.identity = axis, identity

    def __call__(self, x):
        n = x.shape[self.axis]
        if n == 0:
            shape = list(x.shape)
            shape[self.axis] = 1
            return np.full(shape, self.identity, dtype=x.dtype)
        index = [slice(None)] * x.ndim
        index[self.axis] = slice(n - 1, n)
        # numpy.ma scans keep the running value under masked elements: carry the data, not the mask
        return np.ma.getdata(x[tuple(index)])

    def __reduce__(self):
        return (_LastFn, (self.axis, self.identity))


class ScanCombine(ArrayNode):
    """Block ``k`` = ``scan[k]`` combined with the last values of ``last[0..k-1]``."""

    _fields = ("scan", "last", "kind", "axis")

    @property
    def op_name(self):
        return self.kind

    def _array_props(self):
        return self.scan.dims, self.scan.dtype

    def block_dependencies(self, idx):
        ax = self.axis
        deps = [(self.scan, idx)]
        deps.extend((self.last, idx[:ax] + (j,) + idx[ax + 1:]) for j in range(idx[ax]))
        return deps

    def block_task(self, key, idx):
        ax = self.axis
        ln = self.last.name
        refs = [TaskRef((ln, *idx[:ax], j, *idx[ax + 1:])) for j in range(idx[ax])]
        return Task(key, _CombineFn(self.kind), TaskRef((self.scan.name, *idx)), *refs)

    def label(self):
        return f"{self.kind}-combine(axis={self.axis})"


class _CombineFn:
    __slots__ = ("kind",)

    def __init__(self, kind):
        self.kind = kind

    @property
    def __name__(self):
        return f"{self.kind}-combine"

    def __call__(self, block, *lasts):
        if not lasts:
            return block
        op = SCANS[self.kind][1]
        carry = lasts[0]
        for v in lasts[1:]:
            carry = op(carry, v)
        out = op(block, carry)
        return out.astype(block.dtype, copy=False)

    def __reduce__(self):
        return (_CombineFn, (self.kind,))
