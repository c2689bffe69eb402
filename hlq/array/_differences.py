"""Differences: ``diff``, ``ediff1d`` and ``gradient``.

They are compositions of existing nodes (slices, concatenations,
``map_overlap``), so the existing slice pushdown and culling rules apply to
them.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.array([[1, 2], [3, 4]]), chunks=1)
>>> da.diff(x, axis=1).compute().tolist()
[[1], [1]]
"""

from __future__ import annotations

import builtins
import numbers

import numpy as np
from dask.array.overlap import ensure_minimum_chunksize

from hlq.array._core import asarray, elemwise, implements, validate_axis
from hlq.array._manipulation import broadcast_to, concatenate, ravel, _slice_along
from hlq.array.overlap import map_overlap

__all__ = ["diff", "ediff1d", "gradient"]


@implements(np.ediff1d)
def ediff1d(ary, to_end=None, to_begin=None):
    """Differences between consecutive elements of the flattened array."""
    a = ravel(asarray(ary))
    d = a[1:] - a[:-1]
    parts = []
    if to_begin is not None:
        parts.append(asarray(np.ravel(np.asarray(to_begin, dtype=a.dtype))))
    parts.append(d)
    if to_end is not None:
        parts.append(asarray(np.ravel(np.asarray(to_end, dtype=a.dtype))))
    return concatenate(parts) if len(parts) > 1 else d


class _GradientKernel:
    __name__ = "gradient"

    def __init__(self, spacing, axis, edge_order):
        self.spacing, self.axis, self.edge_order = spacing, axis, edge_order

    def __call__(self, block):
        return np.gradient(block, self.spacing, axis=self.axis, edge_order=self.edge_order)

    def __reduce__(self):
        return (_GradientKernel, (self.spacing, self.axis, self.edge_order))

    def __dask_tokenize__(self):
        return ("hlq-gradient", self.spacing, self.axis, self.edge_order)


@implements(np.gradient)
def gradient(f, *varargs, axis=None, **kwargs):
    """``numpy.gradient`` with scalar spacings, computed blockwise with a halo of one element."""
    f = asarray(f)
    edge_order = kwargs.pop("edge_order", 1)
    if kwargs:
        raise TypeError(f"gradient() got unexpected keyword arguments {set(kwargs)}")
    if edge_order not in (1, 2):
        raise ValueError("'edge_order' greater than 2 not supported")
    if axis is None:
        axes = tuple(range(f.ndim))
    elif isinstance(axis, numbers.Integral):
        axes = validate_axis((axis,), f.ndim)
    else:
        axes = validate_axis(tuple(axis), f.ndim)
    if len(set(axes)) != len(axes):
        raise ValueError("duplicate value in 'axis'")
    if not varargs:
        spacing = [1.0] * len(axes)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        spacing = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes):
        spacing = list(varargs)
    else:
        raise TypeError("Spacing must either be a single scalar, or a scalar / 1d-array per axis")
    if any(np.ndim(s) != 0 for s in spacing):
        raise NotImplementedError("hlq.array.gradient supports scalar spacings only")
    if f.dtype.kind in "iub":
        dtype = np.dtype(np.float64)
    else:
        dtype = f.dtype
    results = []
    for ax, s in zip(axes, spacing):
        if f.shape[ax] < edge_order + 1:
            raise ValueError(
                "Shape of array too small to calculate a numerical gradient, at least (edge_order + 1) elements "
                "are required."
            )
        g = f
        if min(f.chunks[ax]) < edge_order + 1:
            g = f.rechunk({ax: ensure_minimum_chunksize(edge_order + 1, f.chunks[ax])})
        results.append(map_overlap(_GradientKernel(s, ax, edge_order), g.astype(dtype) if dtype != g.dtype else g,
                                   depth={ax: 1}, boundary="none", dtype=dtype))
    return results[0] if len(axes) == 1 else results


@implements(np.diff)
def diff(a, n=1, axis=-1, prepend=None, append=None):
    """``n``-th discrete difference along ``axis`` (slices and a subtraction)."""
    a = asarray(a)
    n = int(n)
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n}")
    if a.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = validate_axis(axis, a.ndim)[0]
    if n == 0:
        return a
    parts = []
    for v in (prepend, a, append):
        if v is None:
            continue
        v = asarray(v)
        if v.ndim == 0:
            shape = list(a.shape)
            shape[axis] = 1
            v = broadcast_to(v, tuple(shape))
        parts.append(v)
    if len(parts) > 1:
        a = concatenate(parts, axis=axis)
    op = np.not_equal if a.dtype == bool else np.subtract
    for _ in range(n):
        m = a.shape[axis]
        a = elemwise(op, _slice_along(a, axis, slice(1, None)), _slice_along(a, axis, slice(0, builtins.max(m - 1, 0))))
    return a
