"""Functions applied along or over axes: ``apply_along_axis`` and ``apply_over_axes``.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.arange(6).reshape(2, 3), chunks=1)
>>> da.apply_along_axis(np.cumsum, 1, x).compute().tolist()
[[0, 1, 3], [3, 7, 12]]
"""

from __future__ import annotations

import numbers

import numpy as np

from hlq.array._blockwise import map_blocks
from hlq.array._chunks import Dim
from hlq.array._core import Array, asarray, implements, validate_axis
from hlq.array._manipulation import expand_dims
from hlq.array.nodes import MapBlocks

__all__ = ["apply_along_axis", "apply_over_axes"]


class _AlongAxis:
    __name__ = "apply-along-axis"

    def __init__(self, func1d, axis, nnew, args, kwargs):
        self.func1d, self.axis, self.nnew, self.args, self.kwargs = func1d, axis, nnew, args, kwargs

    def __call__(self, block):
        return np.apply_along_axis(self.func1d, self.axis, block, *self.args, **dict(self.kwargs))

    def __reduce__(self):
        return (_AlongAxis, (self.func1d, self.axis, self.nnew, self.args, self.kwargs))


@implements(np.apply_along_axis)
def apply_along_axis(func1d, axis, arr, *args, dtype=None, shape=None, **kwargs):
    """``numpy.apply_along_axis`` with ``axis`` rechunked to one chunk (``dask.array.apply_along_axis``)."""
    arr = asarray(arr)
    (axis,) = validate_axis((axis,), arr.ndim)
    if shape is None or dtype is None:
        test = np.ones(arr.shape[axis], dtype=arr.dtype)
        res = np.asarray(func1d(test, *args, **kwargs))
        shape = res.shape if shape is None else shape
        dtype = res.dtype if dtype is None else dtype
    shape = tuple(shape)
    arr = arr.rechunk({axis: -1}) if arr.numblocks[axis] > 1 else arr
    dims = list(arr._node.dims[:axis]) + [Dim.regular(n, max(n, 1)) for n in shape] + list(arr._node.dims[axis + 1:])
    m = tuple(("c", 0) if i == axis else (i if i < axis else i - 1 + len(shape)) for i in range(arr.ndim))
    f = _AlongAxis(func1d, axis, len(shape), tuple(args), tuple(sorted(kwargs.items())))
    return Array(MapBlocks(f, (arr._node,), (m,), tuple(dims), np.dtype(dtype), None, False))


@implements(np.apply_over_axes)
def apply_over_axes(func, a, axes):
    """Apply ``func(a, axis)`` repeatedly over ``axes``, keeping the reduced dimensions."""
    a = asarray(a)
    if isinstance(axes, numbers.Integral):
        axes = (axes,)
    for ax in axes:
        ax = validate_axis((ax,), a.ndim)[0]
        res = func(a, ax)
        res = asarray(res)
        if res.ndim == a.ndim - 1:
            res = expand_dims(res, ax)
        elif res.ndim != a.ndim:
            raise ValueError("function is not returning an array of the correct shape")
        a = res
    return a
