"""Index a persisted array right after ``persist()`` on a distributed cluster (the dask tutorial).

    x = random((10_000, 10_000), chunks=(1000, 1000))
    y = (x + x.T).persist()          # returns at once: the cluster computes in the background
    y[0, 0].compute()                # should wait for block (0, 0) only

hlq and legacy dask.array run interleaved on one ``LocalCluster`` (2 worker
processes, 1 thread each), medians of 3.  The time of ``y[0, 0].compute()``
depends on when the scheduler runs the persisted block (0, 0): hlq draws each
shared random block once (like dask), so ``dask.order`` runs the first block
first for both.

    python benchmarks/bench_persist_index.py            # n = 10_000
    python benchmarks/bench_persist_index.py --quick    # n = 4_000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time


def run_once(mod, client, n, c):
    from distributed import wait

    x = mod.random.random((n, n), chunks=(c, c))
    y = (x + x.T).persist()
    t0 = time.perf_counter()
    value = y[0, 0].compute()
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    wait(y)
    rest = time.perf_counter() - t0
    assert 0.0 <= value <= 2.0
    del y
    return first, rest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    n = 4_000 if args.quick else 10_000
    c = 1000

    import dask.array as legacy
    from distributed import Client, LocalCluster

    import hlq.array as hlq_array

    peers = {"hlq": hlq_array, "legacy": legacy}
    times = {p: [] for p in peers}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster) as client:
            run_once(legacy, client, 2 * c, c)  # warm up the workers
            run_once(hlq_array, client, 2 * c, c)
            for _ in range(max(1, args.repeat)):
                for name, mod in peers.items():
                    times[name].append(run_once(mod, client, n, c))
    print(f"# y[0, 0].compute() right after y = (x + x.T).persist(), x = random(({n}, {n}), chunks={c})")
    print("LocalCluster: 2 workers x 1 thread; interleaved runs, medians of", max(1, args.repeat))
    print()
    print("| peer | y[0, 0] s | rest of persist s |")
    print("|---|---|---|")
    med = {}
    for name, runs in times.items():
        med[name] = statistics.median(r[0] for r in runs)
        print(f"| {name} | {med[name]:.3f} | {statistics.median(r[1] for r in runs):.3f} |")
    print()
    print(f"hlq / legacy (y[0, 0]): {med['hlq'] / med['legacy']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
