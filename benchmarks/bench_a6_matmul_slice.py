"""A6: a corner of a matrix product.

    a = random((20_000, 20_000), chunks=2000)            # 100 chunks
    (a @ a.T)[:2000, :2000]

The slice pushed through the product needs one block row of ``a`` and one
block column of ``a.T``: 10 block products and their sum.  Target (issue 3):
hlq lowers no more tasks than legacy dask.array.  The compute check compares
the result with ``a[:2000] @ a[:2000].T`` of the same random array (computed
together, so both see the same data).

    python benchmarks/bench_a6_matmul_slice.py            # all peers, ~1-2 min
    python benchmarks/bench_a6_matmul_slice.py --quick    # (4000, 4000), chunks 400
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import Case, main  # noqa: E402


def build(da, n, c):
    a = da.random.random((n, n), chunks=c)
    return (a @ a.T)[:c, :c]


def check_build(da, n, c):
    a = da.random.random((n, n), chunks=c)
    return (a @ a.T)[:c, :c], a[:c]


def check_many(results, params):
    import numpy as np

    y, rows = results
    c = params["c"]
    return y.shape == (c, c) and bool(np.allclose(y, rows @ rows.T))


def check(result, params):
    import numpy as np

    c = params["c"]
    return result.shape == (c, c) and bool(np.allclose(result, result.T))


CASES = [
    Case(
        name="a6",
        title="(a @ a.T)[:2000, :2000], a = random((n, n), chunks=2000)",
        build=build,
        params=dict(n=20_000, c=2000),
        quick=dict(n=4_000, c=400),
        warm=dict(n=400, c=100),
        check=check,
        check_build=check_build,
        check_many=check_many,
        timeout=300,
        compute_timeout=300,
    ),
]


if __name__ == "__main__":
    sys.exit(main(__file__, "A6: corner of a matrix product", CASES))
