"""L1-L4: plans that hit fixed optimizer limits or quadratic lowering.

Cases:

* ``stack-10000``: ``da.stack`` of 10,000 one-chunk arrays (from_array of a
  4-element numpy array each). Graph stage only at full size (legacy
  dask.array takes minutes to compute it); the compute stage uses 2,000
  inputs.  Target: hlq optimizes it in <= 10 s and lowers it in linear time.
* ``slice-chain-10000``: 10,000 chained ``x = x[1:]`` on a 1-d array.
* ``transpose-chain-10000``: 10,001 chained ``x = x.T``.
* ``rechunk-alt-2000``: 2,000 alternating rechunks of a (600, 1000) array.

    python benchmarks/bench_limits.py            # ~5 min (legacy dominates)
    python benchmarks/bench_limits.py --quick    # small sizes, seconds
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import Case, main  # noqa: E402


def stack_build(da, n):
    import numpy as np

    return da.stack([da.from_array(np.full(4, float(i)), chunks=4) for i in range(n)])


def stack_check(result, params):
    import numpy as np

    n = params["n"]
    return result.shape == (n, 4) and bool(np.array_equal(result[:, 0], np.arange(n, dtype=float)))


def slice_build(da, n, length):
    import numpy as np

    y = da.from_array(np.arange(float(length)), chunks=1000)
    for _ in range(n):
        y = y[1:]
    return y


def slice_check(result, params):
    import numpy as np

    return bool(np.array_equal(result, np.arange(float(params["length"]))[params["n"]:]))


def transpose_build(da, n):
    import numpy as np

    y = da.from_array(np.arange(400.0 * 300).reshape(400, 300), chunks=100)
    for _ in range(n):
        y = y.T
    return y


def transpose_check(result, params):
    import numpy as np

    a = np.arange(400.0 * 300).reshape(400, 300)
    return bool(np.array_equal(result, a.T if params["n"] % 2 else a))


def rechunk_build(da, n):
    import numpy as np

    y = da.from_array(np.arange(600.0 * 1000).reshape(600, 1000), chunks=(100, 100))
    for i in range(n):
        y = y.rechunk((60, 250) if i % 2 else (150, 40))
    return y


def rechunk_check(result, params):
    import numpy as np

    return bool(np.array_equal(result, np.arange(600.0 * 1000).reshape(600, 1000)))


CASES = [
    Case(
        name="stack-10000",
        title="da.stack of 10,000 one-chunk arrays (compute: 2,000)",
        build=stack_build,
        params=dict(n=10_000),
        quick=dict(n=500),
        warm=dict(n=3),
        compute_params=dict(n=2_000),
        compute_params_quick=dict(n=200),
        check=stack_check,
        ops=10_000,
        ops_quick=500,
        timeout=600,
        compute_timeout=300,
    ),
    Case(
        name="slice-chain-10000",
        title="10,000 chained x = x[1:]",
        build=slice_build,
        params=dict(n=10_000, length=20_000),
        quick=dict(n=1_000, length=2_000),
        warm=dict(n=3, length=10),
        check=slice_check,
        ops=10_000,
        ops_quick=1_000,
        timeout=300,
    ),
    Case(
        name="transpose-chain-10000",
        title="10,001 chained x = x.T",
        build=transpose_build,
        params=dict(n=10_001),
        quick=dict(n=1_001),
        warm=dict(n=3),
        check=transpose_check,
        ops=10_001,
        ops_quick=1_001,
        timeout=300,
    ),
    Case(
        name="rechunk-alt-2000",
        title="2,000 alternating rechunks",
        build=rechunk_build,
        params=dict(n=2_000),
        quick=dict(n=200),
        warm=dict(n=2),
        check=rechunk_check,
        ops=2_000,
        ops_quick=200,
        timeout=300,
    ),
]


if __name__ == "__main__":
    sys.exit(main(__file__, "Limits: long chains and many inputs", CASES))
