"""A4: rechunk then slice.

    x = random((40_000, 40_000), chunks=(1000, 40))      # 40,000 chunks
    x.rechunk((40, 1000))[:2000, :2000]

A slice pushed through the rechunk needs only the input blocks that overlap
the slice.  The compute check compares the result with ``x[:2000, :2000]`` of
the same random array (computed together, so both see the same data).

Target (docs/scenarios.md): <= legacy's tasks (304), faster than both peers
(dask-array lowers ~10^6 tasks here, ~80 s; its compute is skipped above
300,000 tasks).

    python benchmarks/bench_a4_rechunk_slice.py            # ~2-3 min
    python benchmarks/bench_a4_rechunk_slice.py --quick    # (4000, 4000) array, 2,500 chunks
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import Case, main  # noqa: E402


def build(da, n, tall, wide, s):
    x = da.random.random((n, n), chunks=(tall, wide))
    return x.rechunk((wide, tall))[:s, :s]


def check_build(da, n, tall, wide, s):
    x = da.random.random((n, n), chunks=(tall, wide))
    return x.rechunk((wide, tall))[:s, :s], x[:s, :s]


def check_many(results, params):
    import numpy as np

    y, ref = results
    s = params["s"]
    return y.shape == (s, s) and bool(np.array_equal(y, ref))


def check(result, params):
    s = params["s"]
    return result.shape == (s, s) and bool(((result >= 0) & (result < 1)).all())


CASES = [
    Case(
        name="a4",
        title="x.rechunk((40, 1000))[:2000, :2000], x = random((n, n), chunks=(1000, 40))",
        build=build,
        params=dict(n=40_000, tall=1000, wide=40, s=2000),
        quick=dict(n=4_000, tall=400, wide=16, s=800),
        warm=dict(n=400, tall=100, wide=4, s=50),
        check=check,
        check_build=check_build,
        check_many=check_many,
        timeout=300,
    ),
]


if __name__ == "__main__":
    sys.exit(main(__file__, "A4: rechunk then slice", CASES))
