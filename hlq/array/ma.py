"""Masked arrays (``dask.array.ma``): hlq arrays whose blocks are ``numpy.ma`` arrays.

Every function here maps a ``numpy.ma`` function over aligned blocks;
elementwise operations, slicing, rechunking and reductions of the resulting
arrays keep the masks (reductions give ``numpy.ma`` results like dask).

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.ma.masked_equal(da.arange(6, chunks=4), 3)
>>> x.compute()
masked_array(data=[0, 1, 2, --, 4, 5],
             mask=[False, False, False,  True, False, False],
       fill_value=3)
>>> int(x.sum().compute()), int(da.ma.count(x).compute())
(12, 5)
"""

from __future__ import annotations

import numpy as np

from hlq.array._blockwise import map_blocks
from hlq.array._core import Array, asarray, elemwise, from_array, validate_axis
from hlq.array._manipulation import broadcast_to

__all__ = [
    "average", "count", "empty_like", "filled", "fix_invalid", "getdata", "getmaskarray", "masked_array",
    "masked_equal", "masked_greater", "masked_greater_equal", "masked_inside", "masked_invalid", "masked_less",
    "masked_less_equal", "masked_not_equal", "masked_outside", "masked_values", "masked_where", "nonzero",
    "ones_like", "set_fill_value", "where", "zeros_like",
]


def _as_array(a) -> Array:
    """``asanyarray``: numpy.ma inputs become one-block hlq arrays that keep their mask."""
    if isinstance(a, Array):
        return a
    if isinstance(a, np.ma.MaskedArray):
        return from_array(a, chunks=-1 if a.ndim else (), asarray=False)
    return asarray(a)


def filled(a, fill_value=None):
    """Masked values replaced by ``fill_value`` (``numpy.ma.filled``), block by block."""
    return map_blocks(np.ma.filled, _as_array(a), fill_value=fill_value)


def _compare_mask(npfunc):
    def f(x, value):
        x = _as_array(x)
        return map_blocks(npfunc, x, _as_array(value), dtype=x.dtype)

    f.__name__ = npfunc.__name__
    f.__doc__ = (f"``numpy.ma.{npfunc.__name__}(x, value)`` block by block; ``value`` may be an array "
                 "broadcasting against ``x``.")
    return f


masked_greater = _compare_mask(np.ma.masked_greater)
masked_greater_equal = _compare_mask(np.ma.masked_greater_equal)
masked_less = _compare_mask(np.ma.masked_less)
masked_less_equal = _compare_mask(np.ma.masked_less_equal)
masked_not_equal = _compare_mask(np.ma.masked_not_equal)


def masked_equal(a, value):
    """Mask elements equal to the scalar ``value`` (``numpy.ma.masked_equal``; array values are refused)."""
    a = _as_array(a)
    if getattr(value, "shape", ()):
        raise ValueError("hlq.array.ma.masked_equal doesn't support array `value`s")
    return map_blocks(np.ma.masked_equal, a, value, dtype=a.dtype)


def masked_invalid(a):
    """Mask NaN and infinite values (``numpy.ma.masked_invalid``)."""
    a = _as_array(a)
    return map_blocks(np.ma.masked_invalid, a, dtype=a.dtype)


def masked_inside(x, v1, v2):
    """Mask values in the closed interval ``[v1, v2]`` (``numpy.ma.masked_inside``)."""
    x = _as_array(x)
    return map_blocks(np.ma.masked_inside, x, v1, v2, dtype=x.dtype)


def masked_outside(x, v1, v2):
    """Mask values outside the closed interval ``[v1, v2]`` (``numpy.ma.masked_outside``)."""
    x = _as_array(x)
    return map_blocks(np.ma.masked_outside, x, v1, v2, dtype=x.dtype)


def _masked_where(condition, a):
    return np.ma.masked_where(condition, a)


def masked_where(condition, a):
    """Mask ``a`` where ``condition`` is true (``numpy.ma.masked_where``).

    Raises ``IndexError`` when an array condition's shape differs from ``a``'s.
    """
    a = _as_array(a)
    cshape = getattr(condition, "shape", ())
    if cshape and tuple(cshape) != a.shape:
        raise IndexError(f"Inconsistent shape between the condition and the input (got {tuple(cshape)} and {a.shape})")
    if not isinstance(condition, (Array, np.ndarray)):
        return map_blocks(_masked_where, bool(condition), a, dtype=a.dtype)
    return map_blocks(_masked_where, _as_array(condition), a, dtype=a.dtype)


def masked_values(x, value, rtol=1e-05, atol=1e-08, shrink=True):
    """Mask values approximately equal to the scalar ``value`` (``numpy.ma.masked_values``)."""
    x = _as_array(x)
    if getattr(value, "shape", ()):
        raise ValueError("hlq.array.ma.masked_values doesn't support array `value`s")
    return map_blocks(np.ma.masked_values, x, value, rtol=rtol, atol=atol, shrink=shrink, dtype=x.dtype)


def fix_invalid(a, fill_value=None):
    """Mask invalid values and replace them by ``fill_value`` (``numpy.ma.fix_invalid``)."""
    a = _as_array(a)
    return map_blocks(np.ma.fix_invalid, a, fill_value=fill_value, dtype=a.dtype)


def getdata(a):
    """The data of a masked array as plain numpy blocks (``numpy.ma.getdata``)."""
    a = _as_array(a)
    return map_blocks(np.ma.getdata, a, dtype=a.dtype)


def getmaskarray(a):
    """The full boolean mask (``numpy.ma.getmaskarray``); all False for unmasked blocks."""
    a = _as_array(a)
    return map_blocks(np.ma.getmaskarray, a, dtype=bool)


def _masked_array(data, mask=None, masked_dtype=None, fill_value=None):
    if mask is None:
        mask = np.ma.nomask
    return np.ma.masked_array(data, mask=mask, dtype=masked_dtype, fill_value=fill_value)


def masked_array(data, mask=np.ma.nomask, fill_value=None, **kwargs):
    """A masked array from data and an optional mask (``numpy.ma.masked_array``).

    Parameters
    ----------
    data : array-like
    mask : array-like, optional
        Same shape as ``data`` (or one element); ``numpy.ma.MaskError`` otherwise.
    fill_value : scalar, optional
    **kwargs
        ``dtype`` (cast the data) and ``chunks`` (when ``data`` is not an hlq array).
    """
    chunks = kwargs.pop("chunks", None)
    if isinstance(data, Array):
        data_a = data
    else:
        data_a = from_array(np.asanyarray(data), chunks=chunks if chunks is not None else -1,
                            asarray=False if isinstance(data, np.ma.MaskedArray) else None)
    if getattr(fill_value, "shape", ()):
        raise ValueError("non-scalar fill_value not supported")
    if isinstance(fill_value, (Array, np.ndarray)):
        fill_value = fill_value.compute()[()] if isinstance(fill_value, Array) else fill_value[()]
    masked_dtype = np.dtype(kwargs.pop("dtype")) if "dtype" in kwargs else None
    if kwargs:
        raise TypeError(f"masked_array: unsupported keyword arguments {sorted(kwargs)}")
    dtype = masked_dtype if masked_dtype is not None else data_a.dtype
    kw = {"masked_dtype": masked_dtype, "fill_value": fill_value}
    if mask is np.ma.nomask or mask is None:
        return map_blocks(_masked_array, data_a, dtype=dtype, **kw)
    mask_a = _as_array(mask) if isinstance(mask, Array) else None
    if mask_a is None:
        m = np.asarray(mask)
        if m.size == 1:
            m = m.reshape((1,) * data_a.ndim)
        elif m.shape != data_a.shape:
            raise np.ma.MaskError(f"Mask and data not compatible: data shape is {data_a.shape!r}, and mask shape is "
                                  f"{m.shape!r}.")

        mask_a = from_array(m, chunks=tuple(data_a.chunks) if m.shape == data_a.shape else -1)
    else:
        if mask_a.size == 1:
            mask_a = mask_a.reshape((1,) * data_a.ndim)
        elif mask_a.shape != data_a.shape:
            raise np.ma.MaskError(f"Mask and data not compatible: data shape is {data_a.shape!r}, and mask shape is "
                                  f"{mask_a.shape!r}.")
    return map_blocks(_masked_array, data_a, mask_a, dtype=dtype, **kw)


def _set_fill_value(x, fill_value):
    if isinstance(x, np.ma.MaskedArray):
        x = x.copy()
        np.ma.set_fill_value(x, fill_value)
    return x


def set_fill_value(a, fill_value):
    """Set the fill value of masked array ``a`` in place (``numpy.ma.set_fill_value``).

    Like dask, ``a`` is rebound to the new plan; ``TypeError`` if the value
    does not fit the dtype, ``ValueError`` for array values.
    """
    if not isinstance(a, Array):
        raise TypeError("set_fill_value expects an hlq Array")
    if getattr(fill_value, "shape", ()):
        raise ValueError("hlq.array.ma.set_fill_value doesn't support array `value`s")
    fill_value = np.ma.core._check_fill_value(fill_value, a.dtype)
    res = map_blocks(_set_fill_value, a, fill_value, dtype=a.dtype)
    a._rebind(res)


def _count_block(x, axis, keepdims):
    return np.ma.count(x, axis=axis, keepdims=keepdims)


def count(a, axis=None, keepdims=False, split_every=None):
    """Number of unmasked elements along ``axis`` (``numpy.ma.count``), as a tree reduction."""
    a = _as_array(a)
    axes = validate_axis(axis, a.ndim)
    ones = map_blocks(_count_block, a, axes, True,
                      chunks=tuple((1,) * len(c) if i in axes else c for i, c in enumerate(a.chunks)),
                      dtype=np.intp)
    return ones.sum(axis=axes, keepdims=keepdims, split_every=split_every, dtype=np.intp)


def average(a, axis=None, weights=None, returned=False, keepdims=False):
    """Weighted average over ``axis`` ignoring masked values (``numpy.ma.average``).

    ``weights`` has ``a``'s shape, or is 1-d along ``axis``.
    """
    a = _as_array(a)
    if weights is None:
        avg = a.mean(axis, keepdims=keepdims)
        scl = count(a, axis=axis, keepdims=keepdims).astype(avg.dtype)
    else:
        w = _as_array(weights)
        kinds = np.dtype(a.dtype).kind in "biu"
        result_dtype = np.result_type(a.dtype, w.dtype, "f8") if kinds else np.result_type(a.dtype, w.dtype)
        if a.shape != w.shape:
            if axis is None:
                raise TypeError("Axis must be specified when shapes of a and weights differ.")
            if w.ndim != 1:
                raise TypeError("1D weights expected when shapes of a and weights differ.")
            ax = validate_axis(axis, a.ndim)[0]
            if w.shape[0] != a.shape[ax]:
                raise ValueError("Length of weights not compatible with specified axis.")
            w = w.reshape((w.shape[0],) + (1,) * (a.ndim - 1 - ax))
        w = w * ~getmaskarray(a)
        scl = w.sum(axis=axis, dtype=result_dtype, keepdims=keepdims)
        avg = elemwise(np.multiply, a, w, dtype=result_dtype).sum(axis, keepdims=keepdims) / scl
    if returned:
        if scl.shape != avg.shape:
            scl = broadcast_to(scl, avg.shape)
        return avg, scl
    return avg


def _like(npfunc):
    def f(a, **kwargs):
        a = _as_array(a)
        dtype = kwargs.get("dtype", a.dtype)
        return map_blocks(npfunc, a, dtype=dtype, **kwargs)

    f.__name__ = npfunc.__name__
    f.__doc__ = f"``numpy.ma.{npfunc.__name__}`` block by block (keeps the mask of ``a``)."
    return f


ones_like = _like(np.ma.core.ones_like)
zeros_like = _like(np.ma.core.zeros_like)
empty_like = _like(np.ma.core.empty_like)


def nonzero(a):
    """Indices of the unmasked nonzero elements (``numpy.ma.nonzero``; unknown chunks like dask)."""
    a = _as_array(a)
    return (getdata(a) * ~getmaskarray(a)).nonzero()


def _ma_where(condition, x, y):
    return np.ma.where(condition, x, y)


def where(condition, x=None, y=None):
    """``numpy.ma.where``: elementwise choice keeping masks, or ``nonzero`` with one argument."""
    if (x is None) != (y is None):
        raise ValueError("either both or neither of x and y should be given")
    if x is None:
        return nonzero(condition)
    return elemwise(_ma_where, condition, x, y)
