"""Order statistics: ``percentile``, ``nanpercentile``, ``quantile``, ``nanquantile``, ``median``, ``nanmedian``.

Like ``dask.array``: along axes held in one chunk (reduced axes are
rechunked to one chunk first) the result is numpy's, exactly.
``percentile`` of a 1-d array with several chunks uses dask's approximate
algorithm: per-chunk percentiles (with 0 and 100 added), merged in one task
by ``dask.array.percentile.merge_percentiles`` weighted by chunk lengths.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.arange(101.0), chunks=101)
>>> da.percentile(x, [10, 50]).compute().tolist()
[10.0, 50.0]
>>> float(da.median(da.from_array(np.arange(12.0).reshape(3, 4), chunks=2), axis=0)[1].compute())
5.0
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterable

import numpy as np
from dask.array.percentile import merge_percentiles, _percentile

from hlq.array._chunks import Dim
from hlq.array._core import Array, asarray, implements, validate_axis
from hlq.array.nodes import MapBlocks
from hlq.array.nodes.gather import GatherBlocks
from hlq.array._manipulation import broadcast_to

__all__ = ["percentile", "nanpercentile", "quantile", "nanquantile", "median", "nanmedian"]


def _one_chunk(a: Array, axes) -> Array:
    if any(a.numblocks[ax] > 1 for ax in axes):
        a = a.rechunk({ax: -1 for ax in axes})
    return a


class _Weighted:
    """``np_func(block, q, weights=weights_block, **kwargs)`` (weights travel as a block argument)."""

    __slots__ = ("np_func",)

    def __init__(self, np_func):
        self.np_func = np_func

    @property
    def __name__(self):
        return self.np_func.__name__

    def __call__(self, block, q, weights, **kwargs):
        return self.np_func(block, q, weights=weights, **kwargs)

    def __reduce__(self):
        return (_Weighted, (self.np_func,))


def _weights_like(a: Array, weights, axes) -> Array:
    """``weights`` as an hlq array of ``a``'s shape and chunks (numpy's 1-d form: one weight per
    element along the single reduced axis)."""
    w = asarray(weights)
    if w.shape != a.shape:
        if w.ndim == 1 and len(axes) == 1 and w.shape[0] == a.shape[axes[0]]:
            shape = [1] * a.ndim
            shape[axes[0]] = w.shape[0]
            w = w.reshape(tuple(shape))

            w = broadcast_to(w, a.shape)
        else:
            raise ValueError(
                "Shape of weights must be consistent with shape of a along specified axis." if w.ndim == 1
                else "Length of weights not compatible with specified axis.")
    return w.rechunk(a.chunks)


def _along_axes(np_func, a, q, axis, keepdims, method, name, extra=None, weights=None):
    """``np_func(a, q, axis=axis, ...)`` computed blockwise with the reduced axes in one chunk."""

    a = asarray(a)
    if axis is None:
        if any(n > 1 for n in a.numblocks):
            raise NotImplementedError(
                f"The da.{name} function only works along an axis.  The full algorithm is difficult to do in parallel"
            )
        axes = tuple(range(a.ndim))
    else:
        axes = validate_axis(axis if isinstance(axis, Iterable) else (axis,), a.ndim)
    a = _one_chunk(a, axes)
    kwargs = dict(extra or {})
    if q is not None:
        q_arr = np.asarray(q)
        kwargs["method"] = method
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            dtype = np_func(np.zeros(1, dtype=a.dtype), np.asarray(0.5, dtype=q_arr.dtype), method=method).dtype
    else:
        q_arr = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            dtype = np_func(np.zeros(1, dtype=a.dtype)).dtype
    qdims = () if q_arr is None else tuple(Dim.regular(n, max(n, 1)) for n in q_arr.shape)
    out = [Dim(1, 1, 1) if ax in axes else d for ax, d in enumerate(a._node.dims)] if keepdims else \
        [d for ax, d in enumerate(a._node.dims) if ax not in axes]
    dims = (*qdims, *out)
    maps = (tuple(("c", 0) if ax in axes else (len(qdims) + (ax if keepdims else ax - sum(1 for b in axes if b < ax)))
                  for ax in range(a.ndim)),)
    args = (a._node,) if q_arr is None else (a._node, q_arr)
    kwargs.update(axis=axes, keepdims=keepdims)
    func = np_func
    if weights is not None:
        # numpy decides which methods take weights: ask it on a tiny example, at build time
        np_func(np.zeros(2, dtype=a.dtype), q_arr, weights=np.ones(2), method=method)
        w = _weights_like(a, weights, axes)
        args = (a._node, q_arr, w._node)
        maps = (maps[0], maps[0])
        func = _Weighted(np_func)
    return Array(MapBlocks(func, args, maps, dims, np.dtype(dtype), tuple(sorted(kwargs.items())), False))


def _check_q(q, hi):
    qa = np.asarray(q, dtype=float)
    if qa.size and (np.nanmin(qa) < 0 or np.nanmax(qa) > hi):
        raise ValueError(f"{'Percentiles' if hi == 100 else 'Quantiles'} must be in the range [0, {hi}]")


def _quantile(np_func, name, a, q, axis, out, overwrite_input, method, keepdims, weights, interpolation):
    """Argument checks shared by :func:`quantile` and :func:`nanquantile` (numpy's and dask's)."""
    if interpolation is not None:
        warnings.warn("The `interpolation` argument to quantile was renamed to `method`.", FutureWarning,
                      stacklevel=3)
        if method != "linear":
            raise TypeError("Cannot pass interpolation and method keywords!")
        method = interpolation
    if overwrite_input:
        raise NotImplementedError(f"da.{name} does not support overwrite_input=True")
    if out is not None:
        raise NotImplementedError(f"hlq.array.{name} does not support out= yet")
    _check_q(q, 1)
    return _along_axes(np_func, a, q, axis, keepdims, method, name, weights=weights)


@implements(np.quantile)
def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, *, weights=None,
             interpolation=None):
    """``numpy.quantile`` along axes (each rechunked to one chunk)."""
    return _quantile(np.quantile, "quantile", a, q, axis, out, overwrite_input, method, keepdims, weights,
                     interpolation)


@implements(np.nanquantile)
def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, *, weights=None,
                interpolation=None):
    """``numpy.nanquantile`` along axes (each rechunked to one chunk)."""
    return _quantile(np.nanquantile, "nanquantile", a, q, axis, out, overwrite_input, method, keepdims, weights,
                     interpolation)


@implements(np.median)
def median(a, axis=None, keepdims=False, out=None):
    """``numpy.median`` along ``axis`` (required unless ``a`` is one chunk, like dask)."""
    if out is not None:
        raise NotImplementedError("out= is not supported")
    a = asarray(a)
    if axis is None:
        raise NotImplementedError(
            "The da.median function only works along an axis.  The full algorithm is difficult to do in parallel"
        )
    return _along_axes(np.median, a, None, axis, keepdims, None, "median")


@implements(np.nanmedian)
def nanmedian(a, axis=None, keepdims=False, out=None):
    """``numpy.nanmedian`` along ``axis`` (required, like dask)."""
    if out is not None:
        raise NotImplementedError("out= is not supported")
    a = asarray(a)
    if axis is None:
        raise NotImplementedError(
            "The da.nanmedian function only works along an axis or a subset of axes.  The full algorithm is "
            "difficult to do in parallel"
        )
    return _along_axes(np.nanmedian, a, None, axis, keepdims, None, "nanmedian")


@implements(np.nanpercentile)
def nanpercentile(a, q, **kwargs):
    """``numpy.nanpercentile`` (``nanquantile(a, q / 100)``)."""
    a = asarray(a)
    _check_q(q, 100)
    q = np.true_divide(q, a.dtype.type(100) if a.dtype.kind == "f" else 100)
    return nanquantile(a, q, **kwargs)


@implements(np.percentile)
def percentile(a, q, method="linear", internal_method="default", **kwargs):
    """Approximate percentile of a 1-d array (``dask.array.percentile``); exact with one chunk.

    For ``ndim > 1`` this is ``quantile(a, q / 100, **kwargs)`` (axes rechunked to one chunk).
    """
    a = asarray(a)
    if a.ndim == 0:
        raise NotImplementedError("support for arrays of ndim 0 is not implemented.")
    if a.ndim > 1:
        q = np.true_divide(q, a.dtype.type(100) if a.dtype.kind == "f" else 100)
        return quantile(a, q, method=method, **kwargs)
    if method in ("default", "dask", "tdigest"):
        warnings.warn("The `method=` argument was renamed to `internal_method=`", FutureWarning)
        internal_method, method = method, "linear"
    if "interpolation" in kwargs:
        warnings.warn("The `interpolation=` argument to percentile was renamed to `method= ` ", FutureWarning)
        method = kwargs.pop("interpolation")
    if kwargs:
        raise TypeError(f"percentile() got an unexpected keyword argument {kwargs.keys()}")
    if internal_method not in ("default", "dask", "tdigest"):
        raise ValueError("`internal_method=` must be one of {'default', 'dask', 'tdigest'}")
    q_is_number = isinstance(q, numbers.Number)
    qa = np.atleast_1d(np.asarray(q))
    _check_q(qa, 100)
    dtype = a.dtype
    if np.issubdtype(dtype, np.integer):
        dtype = (np.array([], dtype=dtype) / 0.5).dtype
    calc_q = np.concatenate(([0], qa, [100])).astype(qa.dtype if qa.dtype.kind == "f" else float)
    node = a._node
    n = node.numblocks[0]
    per_chunk = MapBlocks(_ChunkPercentile(calc_q, method), (node,), ((0,),), (Dim.from_sizes((1,) * n),),
                          np.dtype(object), None, False)
    out = Array(GatherBlocks(per_chunk, _MergePercentiles(qa, calc_q, method, dtype), (Dim.regular(len(qa), len(qa)),),
                             np.dtype(dtype)))
    return out.reshape(()) if q_is_number else out


class _ChunkPercentile:
    """Percentiles of one chunk and its length, boxed in a one-element object array."""

    __name__ = "percentile-chunk"

    def __init__(self, calc_q, method):
        self.calc_q, self.method = calc_q, method

    def __call__(self, block):
        box = np.empty(1, dtype=object)
        box[0] = _percentile(block, self.calc_q, self.method)
        return box

    def __reduce__(self):
        return (_ChunkPercentile, (self.calc_q, self.method))

    def __dask_tokenize__(self):
        return ("hlq-chunk-percentile", self.calc_q.tolist(), self.method)


class _MergePercentiles:
    """dask's ``merge_percentiles`` over the boxed per-chunk results."""

    __name__ = "percentile"

    def __init__(self, q, calc_q, method, dtype):
        self.q, self.calc_q, self.method, self.dtype = q, calc_q, method, np.dtype(dtype)

    def __call__(self, *boxes):
        vals = [b[0] for b in boxes]
        if len(vals) == 1:
            v, n = vals[0]
            if n == 0:
                return np.full(len(self.q), np.nan, dtype=self.dtype)
        out = merge_percentiles(self.q, [self.calc_q] * len(vals), vals, self.method)
        return np.asarray(out).astype(self.dtype, copy=False)

    def __reduce__(self):
        return (_MergePercentiles, (self.q, self.calc_q, self.method, self.dtype))

    def __dask_tokenize__(self):
        return ("hlq-merge-percentiles", self.q.tolist(), self.method, str(self.dtype))
