"""Differential tests (hypothesis, vs numpy, three optimizer modes) for ``histogram`` (explicit edges,
bins + range, weights, density), ``digitize``, ``searchsorted`` and ``isin``; slices of the elementwise
results; dask's exception types for invalid bins/weights."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hlq.array as da
from array_strategies import basic_indices, chunkings, shapes
from test_array_differential import check, int_data, np_data

S = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(0, 2**16)


@S
@given(data=st.data(), shape=shapes(max_dims=3), seed=seeds)
def test_histogram(data, shape, seed):
    a = np_data(shape, seed)
    chunks = data.draw(chunkings(shape), label="chunks")
    x = da.from_array(a, chunks=chunks)
    w = np_data(shape, seed + 1)
    wx = da.from_array(w, chunks=x.chunks)
    if data.draw(st.booleans(), label="explicit"):
        edges = np.sort(np.unique(np.round(np.array(data.draw(st.lists(st.floats(0, 1), min_size=2, max_size=6),
                                                                         label="edges")), 3)))
        if len(edges) < 2:
            edges = np.array([0.0, 1.0])
        kw = {"bins": edges}
    else:
        kw = {"bins": data.draw(st.integers(1, 6), label="n"), "range": (0.1, 0.9)}
    weighted = data.draw(st.booleans(), label="weighted")
    density = data.draw(st.booleans(), label="density") and a.size > 0
    with np.errstate(all="ignore"):
        exp, eedges = np.histogram(a, weights=w if weighted else None, density=density or None, **kw)
    got, gedges = da.histogram(x, weights=wx if weighted else None, density=density or None, **kw)
    np.testing.assert_array_equal(gedges, eedges)
    check(got, exp, rtol=1e-9)


@S
@given(data=st.data(), shape=shapes(max_dims=3), seed=seeds)
def test_digitize_searchsorted_isin(data, shape, seed):
    a = int_data(shape, seed, -5, 5)
    x = da.from_array(a, chunks=data.draw(chunkings(shape), label="chunks"))
    bins = np.sort(np.unique(int_data((4,), seed + 1, -6, 6)))
    right = data.draw(st.booleans(), label="right")
    exp = np.digitize(a, bins, right=right)
    check(da.digitize(x, bins, right=right), exp, exact=True)
    idx = data.draw(basic_indices(exp.shape), label="idx")
    check(da.digitize(x, bins, right=right)[idx], exp[idx], exact=True)
    n = data.draw(st.integers(1, 8), label="n")
    s = np.sort(int_data((n,), seed + 2, -6, 6))
    sx = da.from_array(s, chunks=data.draw(st.integers(1, n), label="schunk"))
    side = data.draw(st.sampled_from(["left", "right"]), label="side")
    check(da.searchsorted(sx, x, side=side), np.searchsorted(s, a, side=side), exact=True)
    test = int_data((3,), seed + 3, -5, 5)
    invert = data.draw(st.booleans(), label="invert")
    check(da.isin(x, test, invert=invert), np.isin(a, test, invert=invert), exact=True)
    check(da.isin(x, da.from_array(test, chunks=1), invert=invert), np.isin(a, test, invert=invert), exact=True)
    check(np.isin(x, test), np.isin(a, test), exact=True)


def test_errors():
    x = da.ones(10, chunks=3)
    with pytest.raises(ValueError):
        da.histogram(x, bins=5)
    with pytest.raises(ValueError):
        da.histogram(x, bins=[0, 1], weights=da.ones(10, chunks=5))
    with pytest.raises(ValueError):
        da.histogram(x, bins=[1, 0])
    with pytest.raises(ValueError):
        da.searchsorted(da.ones((2, 2), chunks=1), x)
    assert da.histogram(da.ones(10_000, chunks=100), bins=[0, 1, 2])[0].task_count() <= 100 + 20
