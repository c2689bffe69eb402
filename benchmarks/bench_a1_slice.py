"""A1: slice of a huge array.

    x = ones((100_000, 100_000), chunks=(100, 100))     # 10^6 chunks
    ((x + x.T)[:1000, :1000]).sum()                      # == 2_000_000.0

Target (docs/scenarios.md): time to final graph <= 5 ms, tasks <= dask-array's.

    python benchmarks/bench_a1_slice.py            # all peers, ~1 min
    python benchmarks/bench_a1_slice.py --quick    # 10^4 chunks
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import Case, main  # noqa: E402


def build(da, n, chunks, s=1000):
    x = da.ones((n, n), chunks=(chunks, chunks))
    return ((x + x.T)[:s, :s]).sum()


def check(result, params):
    s = min(params.get("s", 1000), params["n"])
    return float(result) == 2.0 * s * s


CASES = [
    Case(
        name="a1",
        title="((x + x.T)[:1000, :1000]).sum(), x = ones((n, n), chunks)",
        build=build,
        params=dict(n=100_000, chunks=100),
        quick=dict(n=10_000, chunks=100),
        warm=dict(n=2_000, chunks=500, s=600),
        check=check,
        timeout=300,
    ),
]


if __name__ == "__main__":
    sys.exit(main(__file__, "A1: slice of a 10^6-chunk array", CASES))
