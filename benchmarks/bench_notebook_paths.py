"""Paths public dask notebooks take, timed on hlq beside dask (same run, medians of 3).

    python benchmarks/bench_notebook_paths.py                 # every case, full sizes
    python benchmarks/bench_notebook_paths.py --quick         # small sizes (smoke test)
    python benchmarks/bench_notebook_paths.py --only set_index_loc --reps 5

The cases live in one table, :data:`CASES`: each names the module its code
gets as ``lib`` per peer (``hlq.dataframe`` / ``dask.dataframe``,
``hlq.array`` / ``dask.array``), a ``setup(lib, quick)`` run untimed (data,
``persist``) and a ``run(state)`` that is timed and returns a value checked
against the other peers' (``check``).  Every (case, peer, repetition) runs in
its own subprocess (``--worker``), so no peer sees another's caches; the table
shows the median seconds per peer and the ratio hlq/dask.

The workers run with single-threaded BLAS (``--blas-threads``, default 1: the
schedulers already run one block per thread, and OpenBLAS' own threads
oversubscribe a busy machine: 21 QRs of (1000, 100) blocks took 52 s instead
of 0.24 s on a loaded 2-core machine).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
MARK = "BENCH_JSON "


@dataclass
class Case:
    """One timed path: ``setup(lib, quick) -> state`` (untimed), ``run(state) -> value`` (timed)."""

    doc: str
    modules: dict  # peer -> module name given to setup as ``lib``
    setup: Callable[[Any, bool], Any]
    run: Callable[[Any], Any]
    summary: Callable[[Any], Any] = lambda v: v  # a small comparable summary of the result


# ------------------------------------------------------------------------------------ dataframe
_DF = {"hlq": "hlq.dataframe", "dask": "dask.dataframe"}
_NAMES = ["Alice", "Bob", "Charlie", "Dan", "Edith", "Frank", "George", "Hannah", "Ingrid", "Jerry",
          "Kevin", "Laura", "Michael", "Norbert", "Oliver", "Patricia", "Quinn", "Ray", "Sarah", "Tim",
          "Ursula", "Victor", "Wendy", "Xavier", "Yvonne", "Zelda"]


def _people(lib, quick):
    """The dask tutorial's ``timeseries``-like frame: name, id, x, y; 30 partitions."""
    import numpy as np
    import pandas as pd

    n = 60_000 if quick else 2_600_000
    rng = np.random.default_rng(0)
    pdf = pd.DataFrame({"name": np.array(_NAMES)[rng.integers(0, len(_NAMES), n)],
                        "id": rng.integers(900, 1100, n), "x": rng.random(n) * 2 - 1, "y": rng.random(n) * 2 - 1},
                       index=pd.date_range("2000-01-01", periods=n, freq="s", name="timestamp"))
    return lib.from_pandas(pdf, npartitions=30)


def _frame_summary(df):
    return [len(df), round(float(df["x"].sum()), 6)]


def _set_index_loc_setup(lib, quick):
    return _people(lib, quick)


def _set_index_loc_run(df):
    return df.set_index("name").loc["Alice"].compute()


def _persisted_loc_setup(lib, quick):
    return _people(lib, quick).set_index("name").persist()


def _persisted_loc_run(p):
    return p.loc["Alice"].compute()


# ---------------------------------------------------------------------------------------- array
_DA = {"hlq": "hlq.array", "dask": "dask.array"}


def _tall_setup(lib, quick):
    """The dask-examples SVD notebook's tall-and-skinny array, persisted (untimed)."""
    n, c = (20_000, 1_000) if quick else (200_000, 10_000)
    return lib, lib.random.random((n, 100), chunks=(c, 100)).persist()


def _svd_run(state):
    lib, x = state
    return lib.linalg.svd(x)[2].compute()


def _svd_compressed_run(state):
    lib, x = state
    return lib.linalg.svd_compressed(x, k=10, seed=0)[2].compute()


def _orthonormal_rows(v):
    """Shape of ``v`` and whether its rows are orthonormal (the peers draw different data)."""
    import numpy as np

    return [list(v.shape), bool(np.allclose(v @ v.T, np.eye(v.shape[0]), atol=1e-8))]


_CLUSTER = []  # the persisted-index case's cluster and client, alive until the process ends


def _persisted_index_setup(lib, quick):
    """The dask tutorial's ``y = (x + x.T).persist()`` on a 2-process LocalCluster: ``persist``
    returns at once and the cluster computes in the background, so the timed ``y[0, 0]``
    waits only for the blocks it needs."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = Client(cluster)
    _CLUSTER.extend([cluster, client])
    lib.ones((10, 10), chunks=5).sum().compute()  # workers started and warm
    n = 4_000 if quick else 10_000
    x = lib.random.random((n, n), chunks=(1_000, 1_000))
    return (x + x.T).persist()


def _persisted_index_run(y):
    return float(y[0, 0].compute())


#: name -> case (add rows here; arrays use ``modules=_DA``)
CASES: dict[str, Case] = {
    "set_index_loc": Case("df.set_index('name').loc['Alice'].compute() (divisions, shuffle, one label)",
                          _DF, _set_index_loc_setup, _set_index_loc_run, _frame_summary),
    "persisted_set_index_loc": Case("p = df.set_index('name').persist(); p.loc['Alice'].compute()",
                                    _DF, _persisted_loc_setup, _persisted_loc_run, _frame_summary),
    "svd": Case("X = random((200000, 100), chunks=(10000, 100)).persist(); svd(X)[2].compute()",
                _DA, _tall_setup, _svd_run, _orthonormal_rows),
    "svd_compressed": Case("svd_compressed(X, k=10, seed=0)[2].compute(), X as for svd",
                           _DA, _tall_setup, _svd_compressed_run, _orthonormal_rows),
    "persisted_index": Case("y = (x + x.T).persist() on a LocalCluster (2 procs), x 10000^2 in 1000^2 "
                            "chunks; y[0, 0].compute()", _DA, _persisted_index_setup, _persisted_index_run,
                            lambda v: 0.0 <= v <= 2.0),
}


# ------------------------------------------------------------------------------------- running
def worker(name, peer, quick):
    import importlib

    case = CASES[name]
    lib = importlib.import_module(case.modules[peer])
    state = case.setup(lib, quick)
    t0 = time.perf_counter()
    value = case.run(state)
    secs = time.perf_counter() - t0
    print(MARK + json.dumps({"s": secs, "summary": case.summary(value)}, default=str))


_BLAS_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def run_child(name, peer, quick, timeout, blas_threads=1):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", name, "--peer", peer] + (["--quick"] if quick else [])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    if blas_threads:
        env.update({v: str(blas_threads) for v in _BLAS_VARS})
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout {timeout}s"}
    for line in p.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    return {"error": (p.stderr.strip().splitlines() or ["no output"])[-1][:120]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes")
    ap.add_argument("--reps", type=int, default=3, help="repetitions per peer (median; default 3)")
    ap.add_argument("--only", help="comma-separated case names")
    ap.add_argument("--peer", help="one peer only (hlq or dask)")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--blas-threads", type=int, default=1,
                    help="BLAS threads per worker process (default 1; 0 keeps the environment's)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker, args.peer, args.quick)
        return 0
    names = args.only.split(",") if args.only else list(CASES)
    peers = [args.peer] if args.peer else ["hlq", "dask"]
    blas = f"BLAS threads {args.blas_threads}" if args.blas_threads else "BLAS threads as the environment sets"
    print(f"medians of {args.reps} runs, one subprocess each{' (quick sizes)' if args.quick else ''}; {blas}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print("| case | " + " | ".join(f"{p} s" for p in peers) + " | hlq/dask | same result | what |")
    print("|---" * (len(peers) + 4) + "|")
    for name in names:
        case = CASES[name]
        med, summaries = {}, {}
        for peer in peers:
            runs = [run_child(name, peer, args.quick, args.timeout, args.blas_threads) for _ in range(args.reps)]
            ok = [r for r in runs if "error" not in r]
            med[peer] = statistics.median(r["s"] for r in ok) if ok else None
            summaries[peer] = ok[0]["summary"] if ok else next(r["error"] for r in runs)
        cells = [f"{med[p]:.3f}" if med[p] is not None else f"error: {summaries[p]}" for p in peers]
        ratio = (f"{med['hlq'] / med['dask']:.2f}x" if med.get("hlq") and med.get("dask") else "n/a")
        same = "yes" if len({json.dumps(summaries[p]) for p in peers}) == 1 else f"no: {summaries}"
        print(f"| {name} | " + " | ".join(cells) + f" | {ratio} | {same} | {case.doc} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
