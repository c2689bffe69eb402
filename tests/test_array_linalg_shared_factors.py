"""Factorizations with several outputs compute each factorization once.

A block's QR gives Q and R; ``tsqr``/``svd`` read both, and ``lu``/``lstsq``
return several items of one solve.  The factorization runs in one task whose
result every factor reads, so numpy is called once per block, as in dask.
"""

import numpy as np
import pytest
import scipy.linalg

import hlq.array as da


@pytest.fixture
def count_calls(monkeypatch):
    def install(module, name):
        calls = []
        orig = getattr(module, name)

        def counted(*args, **kwargs):
            calls.append(1)
            return orig(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)
        return calls

    return install


def test_svd_computes_each_block_qr_once(count_calls):
    x_np = np.random.default_rng(0).random((50, 4))
    x = da.from_array(x_np, chunks=(10, 4))
    parts = da.linalg.svd(x)
    calls = count_calls(np.linalg, "qr")
    u, s, v = da.compute(*parts, scheduler="sync")
    assert len(calls) == 5 + 1  # one QR per row block, one of the stacked R factors
    np.testing.assert_allclose(s, np.linalg.svd(x_np, compute_uv=False))
    np.testing.assert_allclose((u * s) @ v, x_np, atol=1e-12)


def test_tsqr_q_and_r_share_the_block_qr(count_calls):
    x_np = np.random.default_rng(1).random((40, 3))
    q, r = da.linalg.qr(da.from_array(x_np, chunks=(10, 3)))
    calls = count_calls(np.linalg, "qr")
    q, r = da.compute(q, r, scheduler="sync")
    assert len(calls) == 4 + 1
    np.testing.assert_allclose(q @ r, x_np, atol=1e-12)


def test_short_and_fat_qr_factorizes_once(count_calls):
    x_np = np.random.default_rng(2).random((3, 12))
    parts = da.linalg.qr(da.from_array(x_np, chunks=(3, 4)))
    calls = count_calls(np.linalg, "qr")
    q, r = da.compute(*parts, scheduler="sync")
    assert len(calls) == 1
    np.testing.assert_allclose(q @ r, x_np, atol=1e-12)


def test_svd_of_r_runs_once(count_calls):
    x = da.from_array(np.random.default_rng(3).random((30, 3)), chunks=(10, 3))
    parts = da.linalg.svd(x)
    calls = count_calls(np.linalg, "svd")
    da.compute(*parts, scheduler="sync")
    assert len(calls) == 1


def test_lu_factorizes_once(count_calls):
    a_np = np.random.default_rng(4).random((6, 6))
    parts = da.linalg.lu(da.from_array(a_np, chunks=3))
    calls = count_calls(scipy.linalg, "lu")
    p, l, u = da.compute(*parts, scheduler="sync")
    assert len(calls) == 1
    np.testing.assert_allclose(p @ l @ u, a_np, atol=1e-12)


@pytest.mark.parametrize("bshape", [(8,), (8, 2)])
def test_lstsq_solves_once(count_calls, bshape):
    rng = np.random.default_rng(5)
    a_np, b_np = rng.random((8, 3)), rng.random(bshape)
    parts = da.linalg.lstsq(da.from_array(a_np, chunks=4), da.from_array(b_np, chunks=4))
    calls = count_calls(np.linalg, "lstsq")
    x, res, rank, sv = da.compute(*parts, scheduler="sync")
    assert len(calls) == 1
    ex, eres, erank, esv = np.linalg.lstsq(a_np, b_np, rcond=None)
    np.testing.assert_allclose(x, ex, atol=1e-12)
    np.testing.assert_allclose(res, eres, atol=1e-12)
    assert rank == erank
    np.testing.assert_allclose(sv, esv, atol=1e-12)
