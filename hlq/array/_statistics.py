"""Weighted average, covariance, correlation and central moments (``moment``).

Built from reductions, broadcasting and ``dot``, so slices and culling go
through the existing rules.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]), chunks=2)
>>> da.cov(x).compute().tolist()
[[1.0, -1.0], [-1.0, 1.0]]
>>> float(da.average(da.arange(4, chunks=2), weights=np.array([1, 1, 1, 5])).compute())
2.25
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from hlq.array._core import Array, asarray, elemwise, implements, validate_axis
from hlq.array._creation import ones, zeros
from hlq.array._linalg_ops import diag, dot
from hlq.array._manipulation import atleast_2d, broadcast_to, concatenate
from hlq.array._ufunc import sqrt

__all__ = ["average", "cov", "corrcoef", "moment"]


@implements(np.average)
def average(a, axis=None, weights=None, returned=False, keepdims=False):
    """Weighted average along ``axis`` (``numpy.average``).

    Returns ``avg`` or, with ``returned``, ``(avg, sum_of_weights)`` with the
    weights' sum broadcast to ``avg``'s shape.
    """
    a = asarray(a)
    if axis is not None:
        axes = validate_axis(axis, a.ndim)
    if weights is None:
        avg = a.mean(axis=axis, keepdims=keepdims)
        scl = avg.dtype.type(a.size / max(avg.size, 1))
    else:
        wgt = asarray(weights)
        if a.dtype.kind in "biu":
            result_dtype = np.result_type(a.dtype, wgt.dtype, "f8")
        else:
            result_dtype = np.result_type(a.dtype, wgt.dtype)
        if a.shape != wgt.shape:
            if axis is None:
                raise TypeError("Axis must be specified when shapes of a and weights differ.")
            if wgt.shape != tuple(a.shape[ax] for ax in axes):
                raise ValueError("Shape of weights must be consistent with shape of a along specified axis.")
            # weights along ``axes`` broadcast over the other axes
            order = sorted(range(len(axes)), key=lambda i: axes[i])
            wgt = wgt.transpose(order) if len(axes) > 1 else wgt
            full = tuple(a.shape[i] if i in axes else 1 for i in range(a.ndim))
            wgt = wgt.reshape(full)
            wgt = broadcast_to(wgt, a.shape)
        scl = wgt.sum(axis=axis, dtype=result_dtype, keepdims=keepdims)
        avg = (a * wgt).sum(axis=axis, dtype=result_dtype, keepdims=keepdims) / scl
    if returned:
        if not isinstance(scl, Array) or scl.shape != avg.shape:
            scl = broadcast_to(asarray(np.asarray(scl)) if not isinstance(scl, Array) else scl, avg.shape)
        return avg, scl
    return avg


def _weights(w, n, name, integer):
    if isinstance(w, Array):
        if w.ndim > 1:
            raise RuntimeError(f"cannot handle multidimensional {name}")
        if w.shape[0] != n:
            raise RuntimeError(f"incompatible numbers of samples and {name}")
        return w.astype(float)
    w = np.asarray(w, dtype=float)
    if integer and not np.all(w == np.around(w)):
        raise TypeError(f"{name} must be integer")
    if w.ndim > 1:
        raise RuntimeError(f"cannot handle multidimensional {name}")
    if w.shape[0] != n:
        raise RuntimeError(f"incompatible numbers of samples and {name}")
    if (w < 0).any():
        raise ValueError(f"{name} cannot be negative")
    return asarray(w)


@implements(np.cov)
def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *, dtype=None):
    """Covariance matrix of the variables in the rows (or columns) of ``m`` (``numpy.cov``)."""
    if ddof is not None and ddof != int(ddof):
        raise ValueError("ddof must be integer")
    m = asarray(m)
    if m.ndim > 2:
        raise ValueError("m has more than 2 dimensions")
    if y is not None:
        y = asarray(y)
        if y.ndim > 2:
            raise ValueError("y has more than 2 dimensions")
    if dtype is None:
        dtype = np.result_type(m.dtype, *( [y.dtype] if y is not None else []), np.float64)
    X = atleast_2d(m).astype(dtype)
    if not rowvar and m.ndim != 1:
        X = X.T
    if X.shape[0] == 0:
        return asarray(np.array([]).reshape(0, 0))
    if y is not None:
        Y = atleast_2d(y).astype(dtype)
        if not rowvar and Y.shape[0] != 1:
            Y = Y.T
        X = concatenate([X, Y], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    n = X.shape[1]
    w = None
    if fweights is not None:
        w = _weights(fweights, n, "fweights", True)
    aw = None
    if aweights is not None:
        aw = _weights(aweights, n, "aweights", False)
        w = aw if w is None else w * aw
    if w is None:
        avg = X.mean(axis=1)
        fact = n - ddof
        if fact <= 0:
            warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=2)
            fact = 0.0
    else:
        w_sum = w.sum()
        avg = (X * w).sum(axis=1) / w_sum
        if ddof == 0:
            fact = w_sum
        elif aw is None:
            fact = w_sum - ddof
        else:
            fact = w_sum - ddof * (w * aw).sum() / w_sum
    X = X - avg[:, None]
    X_T = X.T if w is None else (X * w).T
    with np.errstate(divide="ignore", invalid="ignore"):
        c = dot(X, X_T.conj()) * (np.true_divide(1, fact) if not isinstance(fact, Array) else 1.0)
    if isinstance(fact, Array):
        c = c / fact
    return c.squeeze()


def _clip_unit(block):
    out = block.copy()
    if np.iscomplexobj(out):
        np.clip(out.real, -1, 1, out=out.real)
        np.clip(out.imag, -1, 1, out=out.imag)
    else:
        np.clip(out, -1, 1, out=out)
    return out


@implements(np.corrcoef)
def corrcoef(x, y=None, rowvar=1):
    """Pearson correlation coefficients (``numpy.corrcoef``), clipped to ``[-1, 1]`` like numpy."""
    c = cov(x, y, rowvar)
    if c.ndim == 0:
        return c / c
    d = diag(c)
    s = sqrt(d.real if d.dtype.kind == "c" else d)
    c = c / s[:, None]
    c = c / s[None, :]
    return elemwise(_clip_unit, c, dtype=c.dtype)


def moment(a, order, axis=None, dtype=None, keepdims=False, ddof=0, split_every=None, out=None):
    """Central moment of ``order`` (``dask.array.moment``)."""
    a = asarray(a)
    if not isinstance(order, numbers.Integral) or order < 0:
        raise ValueError("Order must be an integer >= 0")
    if out is not None:
        raise NotImplementedError("out= is not supported")
    if order < 2:
        reduced = a.sum(axis=axis, keepdims=keepdims)
        maker = ones if order == 0 else zeros
        return maker(reduced.shape, chunks=reduced.chunks, dtype="f8")
    dt = np.dtype(dtype) if dtype is not None else np.var(np.ones(shape=(1,), dtype=a.dtype)).dtype
    af = a.astype(dt) if a.dtype != dt else a
    mean = af.mean(axis=axis, keepdims=True)
    n = a.size if axis is None else int(np.prod([a.shape[ax] for ax in validate_axis(
        axis if isinstance(axis, tuple) else (axis,), a.ndim)]))
    total = ((af - mean) ** order).sum(axis=axis, keepdims=keepdims, dtype=dt)
    return (total / (n - ddof)).astype(dt)
