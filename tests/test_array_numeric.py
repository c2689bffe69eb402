"""Differential tests (hypothesis, vs numpy) for cumulative scans, ``diff``, ``isclose``/``allclose``,
``count_nonzero``, ``ptp``, ``indices``, ``meshgrid`` and ``fromfunction`` (issue 3)."""

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


def arr(data, shape, seed, kind="f"):
    if kind == "f":
        a = np_data(shape, seed) + 0.5
        if data.draw(st.booleans(), label="nans") and a.size:
            a.flat[::3] = np.nan
    elif kind == "b":
        a = int_data(shape, seed, 0, 2).astype(bool)
    else:
        a = int_data(shape, seed, -3, 4).astype(kind)
    return a, da.from_array(a, chunks=data.draw(chunkings(shape), label=f"chunks{shape}"))


@S
@given(data=st.data(), shape=shapes(), seed=seeds, kind=st.sampled_from(["cumsum", "cumprod", "nancumsum", "nancumprod"]),
       dt=st.sampled_from(["f", "b", "i1", "i8", "u1"]))
def test_cumulative(data, shape, seed, kind, dt):
    a, x = arr(data, shape, seed, dt)
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)) if shape else st.none(), label="axis")
    with np.errstate(all="ignore"):
        expected = getattr(np, kind)(a, axis=axis)
    y = getattr(da, kind)(x, axis=axis)
    check(y, expected, rtol=1e-10)
    idx = data.draw(basic_indices(expected.shape), label="idx")
    check(y[idx], expected[idx], rtol=1e-10)
    if axis is not None and kind in ("cumsum", "cumprod"):
        check(getattr(x, kind)(axis), expected, rtol=1e-10)
    check(getattr(da, kind)(x, axis=axis, dtype=np.float32), getattr(np, kind)(a, axis=axis, dtype=np.float32),
          rtol=1e-4)


@S
@given(data=st.data(), shape=shapes(min_dims=1), seed=seeds, n=st.integers(0, 3), dt=st.sampled_from(["f", "b", "i8"]))
def test_diff(data, shape, seed, n, dt):
    a, x = arr(data, shape, seed, dt)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    check(da.diff(x, n, axis), np.diff(a, n, axis), rtol=1e-12)
    if dt != "b":
        check(da.diff(x, n, axis, prepend=0, append=2), np.diff(a, n, axis, prepend=0, append=2), rtol=1e-12)


@S
@given(data=st.data(), shape=shapes(), seed=seeds)
def test_isclose_count_nonzero_ptp(data, shape, seed):
    a, x = arr(data, shape, seed)
    b = a + np.where(np.arange(a.size).reshape(shape) % 2 == 0, 1e-9, 1e-3) if a.size else a
    y = da.from_array(b, chunks=x.chunks)
    equal_nan = data.draw(st.booleans(), label="equal_nan")
    check(da.isclose(x, y, equal_nan=equal_nan), np.isclose(a, b, equal_nan=equal_nan), exact=True)
    check(da.allclose(x, x, equal_nan=equal_nan), np.allclose(a, a, equal_nan=equal_nan), exact=True)
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)) if shape else st.none(), label="ax")
    ints, xi = arr(data, shape, seed, "i8")
    check(da.count_nonzero(xi, axis=axis), np.asarray(np.count_nonzero(ints, axis=axis), dtype=np.intp), exact=True)
    if ints.size and (axis is None or ints.shape[axis]):
        check(da.ptp(xi, axis=axis), np.ptp(ints, axis=axis), exact=True)


@S
@given(data=st.data(), dims=shapes(max_dims=3, max_side=6))
def test_indices_meshgrid_fromfunction(data, dims):
    chunks = data.draw(chunkings(dims), label="chunks") if dims else 1
    check(da.indices(dims, chunks=chunks), np.indices(dims), exact=True)
    vecs = [np.arange(n) * 1.5 for n in dims]
    xs = [da.from_array(v, chunks=data.draw(chunkings(v.shape))) for v in vecs]
    for indexing in ("xy", "ij"):
        for sparse in (False, True):
            got = da.meshgrid(*xs, indexing=indexing, sparse=sparse)
            exp = np.meshgrid(*vecs, indexing=indexing, sparse=sparse)
            assert len(got) == len(exp)
            for g, e in zip(got, exp):
                check(g, e, exact=True)
    if dims:
        def f(*idx):
            return sum((k + 1) * i for k, i in enumerate(idx))

        check(da.fromfunction(f, shape=dims, chunks=chunks, dtype=float), np.fromfunction(f, dims, dtype=float),
              exact=True)


def test_build_time_errors():
    x = da.ones((3, 4), chunks=2)
    with pytest.raises(np.exceptions.AxisError):
        da.cumsum(x, axis=2)
    with pytest.raises(np.exceptions.AxisError):
        np.cumsum(np.ones((3, 4)), axis=2)
    with pytest.raises(ValueError):
        da.diff(x, -1)
    with pytest.raises(ValueError):
        da.diff(da.ones((), chunks=()))
    with pytest.raises(np.exceptions.AxisError):
        da.diff(x, axis=3)
