"""A7: optimize cost vs chunk count.

A1 (``((x + x.T)[:1000, :1000]).sum()`` on ``ones((100_000, 100_000))``)
with chunks (1000, 1000), (100, 100) and (10, 10): 10^4, 10^6 and 10^8
chunks.  hlq's optimize time must not grow with the number of chunks of the
input (the graph it lowers only grows with the chunks the slice touches).

legacy dask.array runs only for 10^4 and 10^6 chunks (10^8 does not fit in a
minute); dask-array runs for all three (timeout 60 s).

    python benchmarks/bench_a7_chunk_scaling.py            # ~1-2 min
    python benchmarks/bench_a7_chunk_scaling.py --quick    # (10_000, 10_000): 10^2, 10^4, 10^6 chunks
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


def _case(chunks, peers, timeout=120.0):
    return Case(
        name=f"a7-c{chunks}",
        title=f"A1 with chunks ({chunks}, {chunks})",
        build=build,
        params=dict(n=100_000, chunks=chunks),
        quick=dict(n=10_000, chunks=chunks),
        warm=dict(n=2_000, chunks=500, s=600),
        check=check,
        peers=peers,
        timeout=timeout,
        compute_timeout=90.0,
    )


CASES = [
    _case(1000, ("hlq", "legacy", "dask-array")),
    _case(100, ("hlq", "legacy", "dask-array")),
    _case(10, ("hlq", "dask-array"), timeout=60.0),
]


def _epilog(args, rows):
    print("\n## optimize time vs chunk count (ratio to the coarsest chunking)")
    print("| peer | " + " | ".join(c.name for c in CASES) + " | growth (finest/coarsest) |")
    print("|---|" + "---|" * (len(CASES) + 1))
    peers = [p for p in ("hlq", "legacy", "dask-array") if any(r["peer"] == p for r in rows)]
    for peer in peers:
        by_case = {r["case"]: r for r in rows if r["peer"] == peer}
        cells, vals = [], []
        for c in CASES:
            r = by_case.get(c.name)
            if r is None:
                cells.append("not run")
            elif r.get("error"):
                cells.append(r["error"])
            else:
                v = r.get("optimize_s")
                vals.append(v)
                cells.append(f"opt {v * 1e3:.2f} ms / graph {r['graph_s'] * 1e3:.2f} ms")
        growth = f"{vals[-1] / vals[0]:.2f}x" if len(vals) == len(CASES) and vals[0] else "-"
        print(f"| {peer} | " + " | ".join(cells) + f" | {growth} |")


if __name__ == "__main__":
    sys.exit(main(__file__, "A7: optimize cost vs chunk count", CASES, epilog=_epilog))
