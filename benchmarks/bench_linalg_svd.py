"""Tall-and-skinny SVD of a persisted array (the dask-examples SVD notebook).

    X = random((200_000, 100), chunks=(10_000, 100)).persist()
    svd(X)[2]                       # tsqr: one QR per row block, one of the stacked R
    svd_compressed(X, k=10)[2]      # randomized SVD (power iterations of tsqr)

A factorization with several outputs runs once per block: the Q and R paths
of tsqr read the same block QR (dask computes 21 QRs for 20 blocks, and so
does hlq).  The compute stage times ``.compute()`` of the result; the
persist is part of the (untimed) build.

    python benchmarks/bench_linalg_svd.py                 # hlq and legacy dask.array, medians of 3
    python benchmarks/bench_linalg_svd.py --quick         # (20_000, 100), chunks (1000, 100)
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import Case, main  # noqa: E402


def build_svd(da, n, c):
    x = da.random.random((n, 100), chunks=(c, 100)).persist()
    return da.linalg.svd(x)[2]


def build_svd_compressed(da, n, c):
    x = da.random.random((n, 100), chunks=(c, 100)).persist()
    return da.linalg.svd_compressed(x, k=10, seed=0)[2]


def check_orthonormal_rows(result, params):
    import numpy as np

    k = result.shape[0]
    return bool(np.allclose(result @ result.T, np.eye(k), atol=1e-8))


CASES = [
    Case(
        name="svd",
        title="svd(X)[2], X = random((n, 100), chunks=(c, 100)).persist()",
        build=build_svd,
        params=dict(n=200_000, c=10_000),
        quick=dict(n=20_000, c=1000),
        warm=dict(n=400, c=100),
        check=check_orthonormal_rows,
        peers=("hlq", "legacy"),
    ),
    Case(
        name="svd_compressed",
        title="svd_compressed(X, k=10, seed=0)[2], X as above",
        build=build_svd_compressed,
        params=dict(n=200_000, c=10_000),
        quick=dict(n=20_000, c=1000),
        warm=dict(n=400, c=100),
        check=check_orthonormal_rows,
        peers=("hlq", "legacy"),
    ),
]


if __name__ == "__main__":
    sys.exit(main(__file__, "svd / svd_compressed of a persisted tall-and-skinny array", CASES))
