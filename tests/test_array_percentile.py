"""Differential tests (hypothesis) for ``percentile``/``nanpercentile``/``quantile``/``nanquantile``/
``median``/``nanmedian``: exact against numpy along axes (rechunked to one chunk) in three
optimizer modes; 1-d multi-chunk ``percentile`` against legacy dask's approximate algorithm."""

from __future__ import annotations

import dask.array as dask_array
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hlq.array as da
from array_strategies import chunkings, shapes
from test_array_differential import check, int_data, np_data

S = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(0, 2**16)
METHODS = ["linear", "lower", "higher", "midpoint", "nearest"]


def _data(seed, shape, nan, kind):
    a = np_data(shape, seed) if kind == "f" else int_data(shape, seed)
    if nan and kind == "f" and a.size:
        a[np.random.default_rng(seed).random(shape) < 0.3] = np.nan
    return a


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3, min_side=1), seed=seeds)
def test_quantile_family_along_axes(data, shape, seed):
    kind = data.draw(st.sampled_from("fi"), label="kind")
    nan = data.draw(st.booleans(), label="nan")
    a = _data(seed, shape, nan, kind)
    x = da.from_array(a, chunks=data.draw(chunkings(shape), label="chunks"))
    axis = data.draw(st.one_of(st.integers(-len(shape), len(shape) - 1),
                               st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True).map(tuple)),
                     label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    method = data.draw(st.sampled_from(METHODS), label="method")
    q = data.draw(st.one_of(st.floats(0, 1), st.lists(st.floats(0, 1), min_size=1, max_size=3)), label="q")
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            exp = {
                "quantile": np.quantile(a, q, axis=axis, keepdims=keepdims, method=method),
                "nanquantile": np.nanquantile(a, q, axis=axis, keepdims=keepdims, method=method),
                "median": np.median(a, axis=axis, keepdims=keepdims),
                "nanmedian": np.nanmedian(a, axis=axis, keepdims=keepdims),
                "nanpercentile": np.nanpercentile(a, np.multiply(q, 100), axis=axis, keepdims=keepdims),
            }
    check(da.quantile(x, q, axis=axis, keepdims=keepdims, method=method), exp["quantile"])
    check(da.nanquantile(x, q, axis=axis, keepdims=keepdims, method=method), exp["nanquantile"])
    check(da.median(x, axis=axis, keepdims=keepdims), exp["median"])
    check(da.nanmedian(x, axis=axis, keepdims=keepdims), exp["nanmedian"])
    check(da.nanpercentile(x, np.multiply(q, 100), axis=axis, keepdims=keepdims), exp["nanpercentile"])
    if len(shape) > 1:
        check(da.percentile(x, np.multiply(q, 100), axis=axis, keepdims=keepdims),
              np.percentile(a, np.multiply(q, 100), axis=axis, keepdims=keepdims))


@S
@given(data=st.data(), n=st.integers(1, 60), seed=seeds)
def test_percentile_1d(data, n, seed):
    kind = data.draw(st.sampled_from("fi"), label="kind")
    a = _data(seed, (n,), False, kind)
    chunks = data.draw(chunkings((n,)), label="chunks")
    x = da.from_array(a, chunks=chunks)
    method = data.draw(st.sampled_from(METHODS), label="method")
    q = data.draw(st.one_of(st.floats(0, 100), st.lists(st.floats(0, 100), min_size=1, max_size=4)), label="q")
    lx = dask_array.percentile(dask_array.from_array(a, chunks=chunks), q, method=method)
    legacy = np.asarray(lx.compute()).astype(lx.dtype)  # dask's declared dtype (its int results are floats here)
    got = check(da.percentile(x, q, method=method), legacy)
    if x.numblocks == (1,) and method == "linear" and np.all(np.diff(np.atleast_1d(q)) >= 0):  # dask is exact here
        np.testing.assert_allclose(got, np.percentile(a, q, method=method))


def test_percentile_errors_and_counts():
    x = da.from_array(np.arange(100.0), chunks=10)
    assert da.percentile(x, [5, 50]).task_count() <= 10 + 1 + 1
    with pytest.raises(NotImplementedError):
        da.median(x)
    with pytest.raises(NotImplementedError):
        da.median(da.from_array(np.ones((4, 4)), chunks=2).T.rechunk(2), axis=None)
    with pytest.raises(NotImplementedError):
        da.percentile(da.from_array(np.float64(1.0)), 5)
    with pytest.raises(TypeError):
        da.percentile(x, 5, foo=1)
    with pytest.raises(ValueError):
        da.quantile(x, 2.0, axis=0)
    with pytest.raises(ValueError):
        da.percentile(x, 150)
    np.testing.assert_allclose(np.median(x, axis=0), 49.5)  # __array_function__ dispatch
    s = da.median(da.ones((100, 1000), chunks=10), axis=0)[:10]
    assert s.task_count() <= 12  # the slice reaches the rechunked column block only


@pytest.mark.parametrize("np_func,da_func", [(np.quantile, da.quantile), (np.nanquantile, da.nanquantile)])
@pytest.mark.parametrize("hlq_weights", [False, True])
def test_weighted_quantiles_like_numpy(np_func, da_func, hlq_weights):
    rng = np.random.default_rng(5)
    arr = rng.standard_normal((6, 7, 9))
    arr[arr > 1.5] = np.nan if np_func is np.nanquantile else 1.5
    w = rng.uniform(0.5, 2.0, 9)
    x = da.from_array(arr, chunks=(2, 3, 4))
    dw = da.from_array(w, chunks=4) if hlq_weights else w
    got = da_func(x, [0.75, 0.4], axis=-1, weights=dw, method="inverted_cdf", keepdims=True)
    want = np_func(arr, [0.75, 0.4], axis=-1, weights=np.broadcast_to(w, arr.shape), method="inverted_cdf",
                   keepdims=True)
    np.testing.assert_allclose(got.compute(), want)
    full_w = np.broadcast_to(w, arr.shape)
    got_full = da_func(x, 0.5, axis=1, weights=full_w, method="inverted_cdf")
    np.testing.assert_allclose(got_full.compute(), np_func(arr, 0.5, axis=1, weights=full_w, method="inverted_cdf"))
    with pytest.raises(ValueError, match="inverted_cdf"):
        da_func(x, 0.5, axis=-1, weights=w)
    with pytest.raises(ValueError):
        da_func(x, 0.5, axis=-1, weights=np.ones(4), method="inverted_cdf")
