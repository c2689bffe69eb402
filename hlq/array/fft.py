"""``hlq.array.fft`` (``dask.array.fft``): FFTs along axes held in one chunk, and ``fft_wrap``.

Each transform is one blockwise map over the blocks (chunks of the other
axes are kept), so it fuses with its neighbours; a slice on the other axes
is pushed below the transform (rule ``slice_through_fft`` in
:mod:`hlq.array.rules.slice_pushdown`).

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.arange(8.0).reshape(2, 4), chunks=(1, 4))
>>> np.allclose(da.fft.fft(x).compute(), np.fft.fft(np.arange(8.0).reshape(2, 4)))
True
>>> da.fft.fft(da.ones(8, chunks=4))
Traceback (most recent call last):
...
ValueError: Dask array only supports taking an FFT along an axis that has a single chunk. An FFT operation was tried on axis 0 which has chunks (4, 4). To change the array's chunks use dask.Array.rechunk.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import numpy as np

from hlq.array._chunks import Dim
from hlq.array._core import Array, asarray, validate_axis
from hlq.array._creation import arange
from hlq.array._elementwise import where
from hlq.array._manipulation import roll
from hlq.array.nodes import MapBlocks

__all__ = [
    "fft_wrap", "fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2", "fftn",
    "ifftn", "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift",
]

_ONE_D = {"fft", "ifft", "rfft", "irfft", "hfft", "ihfft"}
_TWO_D = {"fft2", "ifft2", "rfft2", "irfft2"}


class FFTCall:
    """``func`` applied to one block along ``axes`` (picklable; recognised by the fft slice rule)."""

    __slots__ = ("func", "kind", "s", "axes", "norm")

    def __init__(self, func, kind, s, axes, norm):
        self.func, self.kind, self.s, self.axes, self.norm = func, kind, s, axes, norm

    @property
    def __name__(self):
        return self.kind

    def __call__(self, block):
        kw = {} if self.norm is None else {"norm": self.norm}
        if self.kind in _ONE_D:
            return self.func(block, n=None if self.s is None else self.s[0], axis=self.axes[0], **kw)
        return self.func(block, s=self.s, axes=self.axes, **kw)

    def __reduce__(self):
        return (FFTCall, (self.func, self.kind, self.s, self.axes, self.norm))

    def __dask_tokenize__(self):
        return ("hlq-fft", getattr(self.func, "__module__", ""), getattr(self.func, "__name__", repr(self.func)),
                self.kind, self.s, self.axes, self.norm)


def _out_len(kind, n_in, s_i, last):
    if kind.startswith("irfft") and last:
        return s_i if s_i is not None else 2 * (n_in - 1)
    if kind.startswith("rfft") and last:
        return (s_i if s_i is not None else n_in) // 2 + 1
    if kind == "hfft":
        return s_i if s_i is not None else 2 * (n_in - 1)
    if kind == "ihfft":
        return (s_i if s_i is not None else n_in) // 2 + 1
    return s_i if s_i is not None else n_in


def fft_wrap(fft_func, kind=None, dtype=None, allow_fftpack=False):
    """Wrap a numpy-like FFT function for hlq arrays (``dask.array.fft.fft_wrap``)."""
    if kind is None:
        kind = fft_func.__name__
    base = kind
    if base not in _ONE_D | _TWO_D | {"fftn", "ifftn", "rfftn", "irfftn"}:
        raise ValueError(f"Given unknown `kind` {kind}.")

    def func(a, s=None, axes=None, norm=None):
        a = asarray(a)
        if base in _ONE_D:
            axes = (-1,) if axes is None else (axes if isinstance(axes, Sequence) else (axes,))
            if s is not None and not isinstance(s, Sequence):
                s = (s,)
        elif axes is None:
            if base in _TWO_D:
                axes = (-2, -1)
            else:
                axes = tuple(range(a.ndim)) if s is None else tuple(range(a.ndim - len(s), a.ndim))
        axes = tuple(axes)
        if s is not None:
            s = tuple(int(v) for v in s)
            if len(s) != len(axes):
                raise ValueError("Shape and axes have different lengths.")
        validate_axis(axes, a.ndim)  # raises AxisError
        norm_axes = tuple(int(ax) % a.ndim for ax in axes)  # in the caller's order (the last one is special)
        if len(set(norm_axes)) != len(norm_axes):
            raise ValueError("Duplicate axes are not allowed.")
        for ax in norm_axes:
            if a.numblocks[ax] != 1:
                raise ValueError(
                    "Dask array only supports taking an FFT along an axis that has a single chunk. An FFT "
                    f"operation was tried on axis {ax} which has chunks {a.chunks[ax]}. To change the array's "
                    "chunks use dask.Array.rechunk."
                )
        call = FFTCall(fft_func, base, s, norm_axes, norm)
        out_dtype = dtype
        if out_dtype is None:
            probe = np.ones((8,) * a.ndim, dtype=a.dtype)
            out_dtype = FFTCall(fft_func, base, None, norm_axes, norm)(probe).dtype
        dims = list(a._node.dims)
        for i, ax in enumerate(norm_axes):
            n = _out_len(base, a.shape[ax], None if s is None else s[i], i == len(norm_axes) - 1)
            if n < 1:
                raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
            dims[ax] = Dim.regular(n, n)
        node = MapBlocks(call, (a._node,), (tuple(range(a.ndim)),), tuple(dims), np.dtype(out_dtype), None, False)
        return Array(node)

    if base in _ONE_D:
        def wrapped(a, n=None, axis=-1, norm=None):
            return func(a, None if n is None else (n,), (axis,), norm)
    else:
        wrapped = func
    wrapped.__name__ = getattr(fft_func, "__name__", kind)
    wrapped.__doc__ = f"``{kind}`` of an hlq array (axes in one chunk), wrapping {fft_func!r}."
    try:
        wrapped.__signature__ = inspect.signature(wrapped)
    except (TypeError, ValueError):  # pragma: no cover
        pass
    return wrapped


fft = fft_wrap(np.fft.fft)
ifft = fft_wrap(np.fft.ifft)
rfft = fft_wrap(np.fft.rfft)
irfft = fft_wrap(np.fft.irfft)
hfft = fft_wrap(np.fft.hfft)
ihfft = fft_wrap(np.fft.ihfft)
fft2 = fft_wrap(np.fft.fft2)
ifft2 = fft_wrap(np.fft.ifft2)
rfft2 = fft_wrap(np.fft.rfft2)
irfft2 = fft_wrap(np.fft.irfft2)
fftn = fft_wrap(np.fft.fftn)
ifftn = fft_wrap(np.fft.ifftn)
rfftn = fft_wrap(np.fft.rfftn)
irfftn = fft_wrap(np.fft.irfftn)


def _freq_index(n, chunks):
    i = arange(n, chunks=chunks, dtype=float)
    return where(i < (n + 1) // 2, i, i - n)


def fftfreq(n, d=1.0, chunks="auto"):
    """Sample frequencies of ``fft`` (``numpy.fft.fftfreq``)."""
    n = int(n)
    return _freq_index(n, chunks) / (n * d)


def rfftfreq(n, d=1.0, chunks="auto"):
    """Sample frequencies of ``rfft`` (``numpy.fft.rfftfreq``)."""
    n = int(n)
    return arange(n // 2 + 1, chunks=chunks, dtype=float) / (n * d)


def _shift(x, axes, sign):
    x = asarray(x)
    if axes is None:
        axes = tuple(range(x.ndim))
    elif isinstance(axes, int):
        axes = (axes,)
    axes = validate_axis(tuple(axes), x.ndim)
    shifts = tuple(sign * (x.shape[ax] // 2) for ax in axes)
    if not axes:
        return x
    y = roll(x, shifts, axes)
    # like dask: an axis held in one chunk stays in one chunk (the roll splits it in two)
    single = {ax: x.chunks[ax] for ax in axes if len(x.chunks[ax]) == 1}
    return y.rechunk(single) if single else y


def fftshift(x, axes=None):
    """Shift the zero frequency to the centre (``numpy.fft.fftshift``)."""
    return _shift(x, axes, 1)


def ifftshift(x, axes=None):
    """Inverse of :func:`fftshift`."""
    return _shift(x, axes, -1)
