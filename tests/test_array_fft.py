"""Differential tests (hypothesis, vs numpy, three optimizer modes) for ``hlq.array.fft``: 1-d and n-d
transforms with ``n``/``s``/``axes``/``norm``, ``fft_wrap``, frequencies and shifts; slices on the other
axes pushed below the transform (task counts); dask's error for a chunked FFT axis."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hlq.array as da
from array_strategies import basic_indices, chunkings, shapes
from test_array_differential import check, np_data

S = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(0, 2**16)
ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
N_D = ["fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn"]


def _chunked(data, a, axes):
    spec = data.draw(chunkings(a.shape), label="chunks")
    chunks = list(spec) if isinstance(spec, tuple) else [spec] * a.ndim
    for ax in axes:
        chunks[ax] = -1
    return da.from_array(a, chunks=tuple(chunks))


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3, min_side=2), seed=seeds)
def test_fft_1d(data, shape, seed):
    a = np_data(shape, seed) + (1j * np_data(shape, seed + 1) if data.draw(st.booleans(), label="cplx") else 0)
    name = data.draw(st.sampled_from(ONE_D), label="name")
    if name in ("rfft", "ihfft"):
        a = a.real
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    n = data.draw(st.one_of(st.none(), st.integers(2, 9)), label="n")
    norm = data.draw(st.sampled_from([None, "ortho", "forward"]), label="norm")
    x = _chunked(data, a, [axis % len(shape)])
    exp = getattr(np.fft, name)(a, n=n, axis=axis, norm=norm)
    y = getattr(da.fft, name)(x, n=n, axis=axis, norm=norm)
    check(y, exp, rtol=1e-9, atol=1e-9)
    idx = data.draw(basic_indices(exp.shape), label="idx")
    check(y[idx], exp[idx], rtol=1e-9, atol=1e-9)


@S
@given(data=st.data(), shape=shapes(min_dims=2, max_dims=3, min_side=2), seed=seeds)
def test_fft_nd(data, shape, seed):
    a = np_data(shape, seed)
    name = data.draw(st.sampled_from(N_D), label="name")
    axes = tuple(data.draw(st.permutations(range(len(shape))), label="axes")[:2])
    s = data.draw(st.one_of(st.none(), st.tuples(st.integers(2, 6), st.integers(2, 6))), label="s")
    x = _chunked(data, a, axes)
    exp = getattr(np.fft, name)(a, s=s, axes=axes)
    y = getattr(da.fft, name)(x, s=s, axes=axes)
    check(y, exp, rtol=1e-9, atol=1e-9)
    idx = data.draw(basic_indices(exp.shape), label="idx")
    check(y[idx], exp[idx], rtol=1e-9, atol=1e-9)


@S
@given(data=st.data(), n=st.integers(1, 20), seed=seeds)
def test_freq_and_shift(data, n, seed):
    d = data.draw(st.sampled_from([1.0, 0.25, 3.0]), label="d")
    chunks = data.draw(st.integers(1, n), label="chunks")
    check(da.fft.fftfreq(n, d, chunks=chunks), np.fft.fftfreq(n, d))
    check(da.fft.rfftfreq(n, d, chunks=chunks), np.fft.rfftfreq(n, d))
    a = np_data((n, 3), seed)
    x = da.from_array(a, chunks=chunks)
    check(da.fft.fftshift(x), np.fft.fftshift(a), exact=True)
    check(da.fft.ifftshift(x, axes=0), np.fft.ifftshift(a, axes=0), exact=True)


def test_fft_wrap_errors_and_pushdown():
    x = da.ones((1000, 64), chunks=(10, 64))
    assert da.fft.fft(x)[:10].task_count() == 1
    assert da.fft.rfft(x + 1)[995, 3:9].task_count() == 1
    np.testing.assert_allclose(da.fft.rfft(x + 1)[995, :3].compute(), np.fft.rfft(np.full(64, 2.0))[:3])
    with pytest.raises(ValueError, match="single chunk"):
        da.fft.fft(x, axis=0)
    with pytest.raises(ValueError):
        da.fft.fft_wrap(np.sum, kind="nope")
    w = da.fft.fft_wrap(np.fft.fft)
    np.testing.assert_allclose(w(x[:2]).compute(), np.fft.fft(np.ones((2, 64))))
    import scipy.fft

    sw = da.fft.fft_wrap(scipy.fft.rfft, kind="rfft")
    np.testing.assert_allclose(sw(x[:3], n=10).compute(), scipy.fft.rfft(np.ones((3, 64)), n=10))


@pytest.mark.parametrize("funcname", ["fftshift", "ifftshift"])
def test_fftshift_keeps_single_chunk_axes_whole(funcname):
    a = np.arange(5 * 6 * 7).reshape(5, 6, 7)
    d = da.from_array(a, chunks=(2, 6, 4))
    r = getattr(da.fft, funcname)(d)
    assert r.chunks[1] == (6,) and len(r.chunks[0]) > 1
    np.testing.assert_array_equal(r.compute(), getattr(np.fft, funcname)(a))
