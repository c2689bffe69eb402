"""A5: anomaly of a climate-sized cube, then a small spatial subset.

    x = random((3650, 720, 1440), chunks=(10, 720, 1440))   # 28 GiB, 365 chunks
    anom = x - x.mean(axis=0)
    anom[:, :100, :100].std()

The slice can be pushed through the subtraction *and* the mean along the
other axis: only the ``[:, :100, :100]`` region of ``x`` is needed (278 MiB
instead of 28 GiB).  Peers that cannot push it compute (and hold) all of
``x``: at full size that does not fit in memory, so the compute stage of
``a5`` runs for hlq only; ``a5-small`` is a smaller cube computed by every
peer.  Random numbers differ between libraries, so the check is statistical
(the std of uniform anomalies is 1/sqrt(12) = 0.2887).

    python benchmarks/bench_a5_anomaly.py            # graph stats for all peers, compute where it fits
    python benchmarks/bench_a5_anomaly.py --quick    # small sizes
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import Case, main  # noqa: E402


def build(da, t, a, b, ct, s=100):
    x = da.random.random((t, a, b), chunks=(ct, a, b))
    anom = x - x.mean(axis=0)
    return anom[:, :s, :s].std()


def check(result, params):
    return abs(float(result) - 12 ** -0.5) < 0.01


CASES = [
    Case(
        name="a5",
        title="anom[:, :100, :100].std(), anom = x - x.mean(axis=0), x = random((t, a, b), chunks=(10, a, b))",
        build=build,
        params=dict(t=3650, a=720, b=1440, ct=10),
        quick=dict(t=365, a=180, b=360, ct=10),
        warm=dict(t=20, a=20, b=30, ct=10, s=10),
        check=check,
        compute_peers=("hlq",),
        compute_peers_quick=("hlq", "legacy", "dask-array"),
        timeout=300,
        compute_timeout=600,
        max_compute_graph_s=60.0,
    ),
    Case(
        name="a5-small",
        title="same on a smaller cube, computed by every peer",
        build=build,
        params=dict(t=730, a=360, b=720, ct=10),
        quick=dict(t=100, a=120, b=160, ct=10),
        warm=dict(t=20, a=20, b=30, ct=10, s=10),
        check=check,
        timeout=300,
        compute_timeout=600,
    ),
]


if __name__ == "__main__":
    sys.exit(main(__file__, "A5: anomaly then spatial subset", CASES))
