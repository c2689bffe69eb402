"""Differential tests (hypothesis, vs numpy) for products and diagonals (issue 3):
``matmul``/``@``, ``dot``, ``tensordot``, ``inner``, ``outer``, ``vdot``, ``triu``/``tril``,
``diag``, ``diagonal``, ``trace`` -- in every optimizer mode, and sliced (slice pushdown
through the contraction)."""

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
side = st.integers(0, 7)


def arr(data, shape, seed, kind="f"):
    a = np_data(shape, seed) if kind == "f" else int_data(shape, seed, -5, 5)
    return a, da.from_array(a, chunks=data.draw(chunkings(shape), label=f"chunks{shape}"))


@S
@given(data=st.data(), n=side, k=side, m=side, seed=seeds, kind=st.sampled_from(["f", "i"]))
def test_matmul_2d(data, n, k, m, seed, kind):
    a, x = arr(data, (n, k), seed, kind)
    b, y = arr(data, (k, m), seed + 1, kind)
    expected = a @ b
    check(x @ y, expected, rtol=1e-12, atol=1e-12)
    check(da.matmul(x, y), expected, rtol=1e-12, atol=1e-12)
    check(x.dot(y), a.dot(b), rtol=1e-12, atol=1e-12)
    check(y.T @ x.T, b.T @ a.T, rtol=1e-12, atol=1e-12)  # both operands' transposes absorbed
    idx = data.draw(basic_indices(expected.shape), label="idx")
    check((x @ y)[idx], expected[idx], rtol=1e-12, atol=1e-12)
    idx = data.draw(basic_indices((n, n)), label="idx2")
    check((x @ x.T)[idx], (a @ a.T)[idx], rtol=1e-12, atol=1e-12)


@S
@given(data=st.data(), seed=seeds, shapes_=st.sampled_from([
    ((3,), (3,)), ((4,), (4, 2)), ((2, 4), (4,)), ((2, 3, 4), (4, 5)), ((3,), (2, 3, 4)),
    ((1, 2, 3), (4, 3, 2)), ((2, 1, 2, 3), (5, 3, 1)), ((2, 3, 4), (2, 4, 2)),
]))
def test_matmul_vectors_and_batches(data, seed, shapes_):
    sa, sb = shapes_
    a, x = arr(data, sa, seed)
    b, y = arr(data, sb, seed + 1)
    expected = np.matmul(a, b)
    check(x @ y, expected, rtol=1e-12)
    idx = data.draw(basic_indices(expected.shape), label="idx")
    check((x @ y)[idx], expected[idx], rtol=1e-12)


@S
@given(data=st.data(), sa=shapes(min_dims=1, max_side=5), seed=seeds)
def test_tensordot_dot_inner(data, sa, seed):
    a, x = arr(data, sa, seed)
    n = data.draw(st.integers(0, len(sa)), label="n")
    sb = sa[len(sa) - n:] + data.draw(shapes(max_dims=2, max_side=4), label="tail")
    b, y = arr(data, sb, seed + 1)
    expected = np.tensordot(a, b, axes=n)
    check(da.tensordot(x, y, axes=n), expected, rtol=1e-12, atol=1e-12)
    idx = data.draw(basic_indices(expected.shape), label="idx")
    check(da.tensordot(x, y, axes=n)[idx], expected[idx], rtol=1e-12, atol=1e-12)
    # explicit axes, permuted
    if n >= 2:
        axes = ([len(sa) - 1, len(sa) - 2], [n - 1, n - 2])
        check(da.tensordot(x, y, axes=axes), np.tensordot(a, b, axes=axes), rtol=1e-12, atol=1e-12)
    c, z = arr(data, sa[-1:], seed + 2)
    check(da.dot(x, z), np.dot(a, c), rtol=1e-12, atol=1e-12)
    check(da.inner(x, z), np.inner(a, c), rtol=1e-12, atol=1e-12)
    check(da.outer(x, z), np.outer(a, c), rtol=1e-12)
    check(da.vdot(x, x), np.vdot(a, a), rtol=1e-12)


@S
@given(data=st.data(), shape=shapes(min_dims=2, max_dims=3), seed=seeds, k=st.integers(-4, 4))
def test_triangles_and_diagonals(data, shape, seed, k):
    a, x = arr(data, shape, seed, "i")
    check(da.triu(x, k), np.triu(a, k), exact=True)
    check(da.tril(x, k), np.tril(a, k), exact=True)
    ax1, ax2 = data.draw(st.permutations(range(len(shape))), label="axes")[:2]
    check(da.diagonal(x, k, ax1, ax2), np.diagonal(a, k, ax1, ax2), exact=True)
    check(da.trace(x, k, ax1, ax2), np.trace(a, k, ax1, ax2), exact=True)
    if len(shape) == 2:
        check(da.diag(x, k), np.diag(a, k), exact=True)
        v, w = arr(data, shape[:1], seed + 1, "i")
        check(da.diag(w, k), np.diag(v, k), exact=True)


AxisError = np.exceptions.AxisError


def _both(exc, np_fn, da_fn):
    with pytest.raises(exc):
        np_fn()
    with pytest.raises(exc):
        da_fn()


def test_build_time_errors():
    a, x = np.ones((3, 4)), da.ones((3, 4), chunks=2)
    _both(ValueError, lambda: a @ a, lambda: x @ x)
    _both(ValueError, lambda: np.matmul(a, np.ones(3)), lambda: da.matmul(x, da.ones(3, chunks=2)))
    _both(ValueError, lambda: np.matmul(a, 2.0), lambda: da.matmul(x, 2.0))
    _both(ValueError, lambda: np.dot(a, a), lambda: da.dot(x, x))
    _both(ValueError, lambda: np.tensordot(a, a, axes=([0], [0, 1])), lambda: da.tensordot(x, x, axes=([0], [0, 1])))
    _both(ValueError, lambda: np.tensordot(a, a, axes=([0], [1])), lambda: da.tensordot(x, x, axes=([0], [1])))
    _both(ValueError, lambda: np.inner(a, np.ones(3)), lambda: da.inner(x, da.ones(3, chunks=2)))
    _both(ValueError, lambda: np.stack([a, a]) @ np.ones((3, 4, 2)), lambda: da.stack([x, x]) @ da.ones((3, 4, 2)))
    _both(AxisError, lambda: np.diagonal(a, 0, 0, 2), lambda: da.diagonal(x, 0, 0, 2))
    _both(ValueError, lambda: np.diagonal(a, 0, 1, 1), lambda: da.diagonal(x, 0, 1, 1))
    _both(ValueError, lambda: np.diag(np.ones((2, 2, 2))), lambda: da.diag(da.ones((2, 2, 2), chunks=1)))


def test_dot_with_unknown_chunks_pairs_blocks():
    a = np.arange(24).reshape(4, 6)
    x = da.from_array(a, chunks=(2, 2))
    x._chunks = ((np.nan, np.nan), (np.nan, np.nan, np.nan))
    np.testing.assert_array_equal(x.dot(x.T + 1).compute(), a.dot(a.T + 1))
    y = da.from_array(a, chunks=(2, 2))
    y._chunks = ((2, 2), (np.nan, np.nan, np.nan))
    assert y.dot(y.T).chunks == ((2, 2), (2, 2))
    with pytest.raises(ValueError, match="chunk counts do not align"):
        y.dot(da.ones((6, 2), chunks=3))


def test_diag_of_unknown_length_vector():
    a = np.arange(7)
    x = da.from_array(a, chunks=(3, 2, 2))
    u = x[x > -1]
    d = da.diag(u)
    assert d.numblocks == (3, 3)
    np.testing.assert_array_equal(d.compute(), np.diag(a))
    with pytest.raises(NotImplementedError):
        da.diag(u, 1)
