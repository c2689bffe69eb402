"""Tests for ``hlq.array.linalg``: norms (hypothesis, vs numpy, three optimizer modes), tsqr-based
``qr``/``svd`` (factor properties and singular values vs numpy), ``svd_compressed`` on low-rank data,
and the one-chunk solvers (``solve``, ``inv``, ``cholesky``, ``lstsq``, ``lu``, ``solve_triangular``)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hlq.array as da
from array_strategies import chunkings
from test_array_differential import check, np_data

S = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(0, 2**16)


@S
@given(data=st.data(), m=st.integers(1, 7), n=st.integers(1, 7), seed=seeds)
def test_norm(data, m, n, seed):
    a = np_data((m, n), seed) - 0.5
    x = da.from_array(a, chunks=data.draw(chunkings((m, n)), label="chunks"))
    keepdims = data.draw(st.booleans(), label="keepdims")
    ordm = data.draw(st.sampled_from([None, "fro", 1, -1, np.inf, -np.inf, 2, -2, "nuc"]), label="ordm")
    check(da.linalg.norm(x, ordm, keepdims=keepdims), np.linalg.norm(a, ordm, keepdims=keepdims), rtol=1e-9)
    axis = data.draw(st.sampled_from([0, 1, -1]), label="axis")
    ordv = data.draw(st.sampled_from([None, 0, 1, 2, 3, np.inf, -np.inf]), label="ordv")
    check(da.linalg.norm(x, ordv, axis=axis, keepdims=keepdims), np.linalg.norm(a, ordv, axis=axis, keepdims=keepdims),
          rtol=1e-9)
    check(da.linalg.norm(x), np.linalg.norm(a), rtol=1e-9)


@S
@given(data=st.data(), m=st.integers(1, 30), n=st.integers(1, 5), seed=seeds)
def test_tsqr_qr_svd(data, m, n, seed):
    a = np_data((m, n), seed)
    rows = data.draw(st.integers(1, m), label="rows")
    tall = m >= n
    x = da.from_array(a, chunks=(rows, n)) if tall else da.from_array(a, chunks=(m, 1))
    if tall:
        q, r = da.linalg.qr(x)
        qv, rv = q.compute(), r.compute()
        np.testing.assert_allclose(qv @ rv, a, atol=1e-10)
        np.testing.assert_allclose(qv.T @ qv, np.eye(qv.shape[1]), atol=1e-10)
        np.testing.assert_allclose(np.triu(rv), rv, atol=1e-12)
    u, s, v = da.linalg.svd(x)
    check(s, np.linalg.svd(a, compute_uv=False), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose((u.compute() * s.compute()) @ v.compute(), a, atol=1e-10)


def test_svd_compressed_and_errors():
    rng = np.random.default_rng(0)
    lr = rng.random((60, 3)) @ rng.random((3, 40))
    z = da.from_array(lr, chunks=(20, 10))
    for it, p in (("power", 0), ("power", 1), ("QR", 1)):
        u, s, v = da.linalg.svd_compressed(z, 3, n_power_iter=p, iterator=it, seed=2)
        np.testing.assert_allclose((u.compute() * s.compute()) @ v.compute(), lr, atol=1e-8)
        np.testing.assert_allclose(s.compute(), np.linalg.svd(lr, compute_uv=False)[:3], rtol=1e-8)
    with pytest.raises(NotImplementedError):
        da.linalg.svd(z)
    with pytest.raises(NotImplementedError):
        da.linalg.qr(z)
    with pytest.raises(ValueError):
        da.linalg.tsqr(da.ones((4, 4, 4), chunks=2))
    with pytest.raises(ValueError):
        da.linalg.inv(da.ones((4, 3), chunks=2))
    with pytest.raises(ValueError):
        da.linalg.norm(z, "bad")
    with pytest.raises(ValueError):
        da.linalg.norm(da.ones((2, 2, 2)), 1)


@S
@given(data=st.data(), n=st.integers(1, 6), k=st.integers(1, 3), seed=seeds)
def test_solvers(data, n, k, seed):
    import scipy.linalg

    m = np_data((n, n), seed) + n * np.eye(n)
    b = np_data((n, k), seed + 1)
    mx = da.from_array(m, chunks=data.draw(chunkings((n, n)), label="mchunks"))
    bx = da.from_array(b, chunks=data.draw(chunkings((n, k)), label="bchunks"))
    check(da.linalg.solve(mx, bx), np.linalg.solve(m, b), rtol=1e-9)
    check(da.linalg.solve(mx, bx[:, 0]), np.linalg.solve(m, b[:, 0]), rtol=1e-9)
    check(da.linalg.inv(mx), np.linalg.inv(m), rtol=1e-9)
    spd = m @ m.T
    sx = da.from_array(spd, chunks=mx.chunks)
    check(da.linalg.cholesky(sx), np.linalg.cholesky(spd).T, rtol=1e-9)
    check(da.linalg.cholesky(sx, lower=True), np.linalg.cholesky(spd), rtol=1e-9)
    t = np.triu(m)
    check(da.linalg.solve_triangular(da.from_array(t, chunks=mx.chunks), bx), scipy.linalg.solve_triangular(t, b),
          rtol=1e-9)
    for got, exp in zip(da.linalg.lu(mx), scipy.linalg.lu(m)):
        check(got, exp, rtol=1e-9, atol=1e-12)
    a = np_data((n + 3, n), seed + 2)
    ax = da.from_array(a, chunks=data.draw(chunkings(a.shape), label="achunks"))
    y = np_data(n + 3, seed + 3)
    x, res, rank, sv = da.linalg.lstsq(ax, da.from_array(y, chunks=2))
    ex, eres, erank, esv = np.linalg.lstsq(a, y, rcond=None)
    check(x, ex, rtol=1e-8, atol=1e-10)
    check(res, ((y - a @ ex) ** 2).sum(keepdims=True), rtol=1e-7, atol=1e-10)
    assert int(rank.compute()) == erank
    check(sv, esv, rtol=1e-9)


def test_tsqr_svd_full_right_factor_and_solve_sym_pos_warning():
    rng = np.random.default_rng(0)
    a = rng.random((5, 10))
    u, s, vh = da.linalg.tsqr(da.from_array(a, chunks=(5, 10)), compute_svd=True)
    assert vh.shape == (10, 10)  # like dask: the full right factor of R
    np.testing.assert_allclose(u.compute() @ np.diag(s.compute()) @ vh.compute()[:5], a, atol=1e-12)
    u2, s2, v2 = da.linalg.svd(da.from_array(a, chunks=(5, 10)))
    assert v2.shape == (5, 10)
    m = rng.random((6, 6)) + 6 * np.eye(6)
    b = rng.random(6)
    with pytest.warns(FutureWarning, match="sym_pos keyword is deprecated"):
        x = da.linalg.solve(da.from_array(m, chunks=3), da.from_array(b, chunks=3), sym_pos=True)
    np.testing.assert_allclose(m @ x.compute(), b)


def test_svd_compressed_compute_persists_iterations():
    x = da.ones((100, 100), chunks=(10, 10))
    u, s, v = da.linalg.svd_compressed(x, k=2, n_power_iter=1, compute=True, seed=123)
    uu, ss, vv = da.linalg.svd_compressed(x, k=2, n_power_iter=1, seed=123)
    assert len(v.dask) < len(vv.dask)
    np.testing.assert_allclose(s.compute()[0], ss.compute()[0])


@pytest.mark.parametrize("vary_rows,vary_cols", [(True, False), (False, True), (True, True)])
def test_tsqr_and_qr_with_unknown_chunks(vary_rows, vary_cols):
    rng = np.random.default_rng(1)
    mat = rng.random((80, 5))
    mat[:40, 0] += 1
    data = da.from_array(mat, chunks=(10, 5))
    if vary_rows:
        data = data[da.from_array(mat[:, 0], chunks=40) > 0.5, :]
        mat = mat[mat[:, 0] > 0.5, :]
    if vary_cols:
        keep = mat[0, :] > 0.5
        data = data[:, da.from_array(mat[0, :] if not vary_rows else mat[0, :], chunks=5) > 0.5]
        mat = mat[:, keep]
    q, r = da.linalg.tsqr(data)
    q, r = q.compute(), r.compute()
    n = mat.shape[1]
    assert q.shape == (mat.shape[0], n) and r.shape == (n, n)
    np.testing.assert_allclose(q @ r, mat, atol=1e-10)
    np.testing.assert_allclose(q.T @ q, np.eye(n), atol=1e-10)
    u, s, vh = da.linalg.tsqr(data, compute_svd=True)
    np.testing.assert_allclose(s.compute(), np.linalg.svd(mat)[1])
    if vary_rows:
        q2, r2 = da.linalg.qr(data)  # unknown row count: tsqr
        np.testing.assert_allclose(q2.compute() @ r2.compute(), mat, atol=1e-10)


def test_qr_with_empty_row_blocks():
    mat = np.random.default_rng(2).random((10, 5))
    q, r = da.linalg.qr(da.from_array(mat, chunks=((4, 0, 1, 0, 5), (5,))))
    np.testing.assert_allclose(q.compute() @ r.compute(), mat, atol=1e-10)


def test_svd_with_unknown_chunks():
    x = np.random.default_rng(0).random((100, 10))
    u, s, v = np.linalg.svd(x, full_matrices=False)
    for chunks in (((np.nan,) * 10, (10,)), ((np.nan,) * 10, (np.nan,))):
        dx = da.from_array(x, chunks=(10, 10))
        dx._chunks = chunks
        du, ds, dv = (a.compute() for a in da.linalg.svd(dx))
        np.testing.assert_allclose(ds, s)
        np.testing.assert_allclose(du @ np.diag(ds) @ dv, x, atol=1e-10)
        np.testing.assert_allclose(abs(dv), abs(v), atol=1e-10)
        np.testing.assert_allclose(du.T @ du, np.eye(10), atol=1e-10)
