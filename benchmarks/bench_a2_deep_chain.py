"""A2: deep elementwise chain.

    x = random((10_000, 10_000), chunks=(1000, 1000))    # 100 chunks
    y = x; 500 times: y = y * 1.0001 + 1
    y.sum()

Cases:

* ``a2-500``: 500 ops. The graph stage uses the scenario's shape; the compute
  stage uses (2000, 2000) with chunks (200, 200) -- the same 100 chunks and
  the same graph, 25x less data -- so that compute stays well under a minute.
  The result is checked against numpy applied to the same random input.
* ``a2-2000`` and ``a2-10000``: graph only (build + optimize + lowering), to
  show how time grows with depth (``µs/op`` = graph s / ops should stay flat)
  and that no RecursionError occurs. Peers that hit a RecursionError or the
  timeout are reported as such.

Target (docs/scenarios.md): no recursion error at 10,000 ops; optimize+lower time
linear in depth.

    python benchmarks/bench_a2_deep_chain.py            # ~3-4 min
    python benchmarks/bench_a2_deep_chain.py --quick    # 50 / 200 / 500 ops, small array
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import Case, main  # noqa: E402


def _chain(y, ops):
    for _ in range(ops):
        y = y * 1.0001 + 1
    return y


def build(da, n, chunks, ops):
    x = da.random.random((n, n), chunks=(chunks, chunks))
    return _chain(x, ops).sum()


def check_build(da, n, chunks, ops):
    x = da.random.random((n, n), chunks=(chunks, chunks))
    return _chain(x, ops).sum(), x


def check_many(results, params):
    import numpy as np

    total, x = results
    expected = _chain(np.asarray(x, dtype="f8"), params["ops"]).sum()
    return bool(np.isclose(float(total), float(expected), rtol=1e-9, atol=0))


CASES = [
    Case(
        name="a2-500",
        title="500 x (y * 1.0001 + 1), then .sum()",
        build=build,
        params=dict(n=10_000, chunks=1000, ops=500),
        quick=dict(n=1000, chunks=100, ops=50),
        warm=dict(n=100, chunks=50, ops=3),
        compute_params=dict(n=2000, chunks=200, ops=500),
        compute_params_quick=dict(n=1000, chunks=100, ops=50),
        check_build=check_build,
        check_many=check_many,
        ops=500,
        ops_quick=50,
        timeout=300,
    ),
    Case(
        name="a2-2000",
        title="2,000 ops, graph only",
        build=build,
        params=dict(n=10_000, chunks=1000, ops=2000),
        quick=dict(n=1000, chunks=100, ops=200),
        warm=dict(n=100, chunks=50, ops=3),
        compute=False,
        ops=2000,
        ops_quick=200,
        timeout=120,
    ),
    Case(
        name="a2-10000",
        title="10,000 ops, graph only",
        build=build,
        params=dict(n=10_000, chunks=1000, ops=10_000),
        quick=dict(n=1000, chunks=100, ops=500),
        warm=dict(n=100, chunks=50, ops=3),
        compute=False,
        ops=10_000,
        ops_quick=500,
        # legacy dask.array is quadratic here (2,000 ops: ~30 s; 10,000 ops:
        # > 5 min), so it is expected to show "timeout".
        timeout=90,
    ),
]


if __name__ == "__main__":
    sys.exit(main(__file__, "A2: deep elementwise chain", CASES))
