"""T1 (the dask tutorial's expression) and A8 (10^6 tiny blocks), interleaved peers, medians of 3.

T1::

    x = random((20000, 20000), chunks=1000)
    y = x + x.T - x.mean(axis=0)
    y[::2, 5000:].std()

peers: ``hlq``, ``hlq-no-pushdown`` (hlq with ``hlq.rules.exclude: ["slice-pushdown"]``),
``legacy`` (dask.array) and ``dask-array`` (if installed).

A8, ``x = ones((10**7, 10), chunks=10)`` (10^6 blocks of 10 x 10)::

    x.sum()   x.mean(axis=0)   x.std()   x.cumsum(axis=0)[-1]   x.rechunk(1000).sum()

peers: ``hlq``, ``legacy``, ``dask-array``.

Each measurement runs in a fresh process (one peer, one expression); the
repetitions go round the peers in turn (interleaved), so a slow phase of a
shared machine hits every peer alike.  Columns:

* ``tasks``: tasks of the final graph (hlq: ``task_count()``; dask: the
  optimized graph's length);
* ``first task s``: from calling ``compute`` to the first task starting (a
  dask local-scheduler ``pretask`` callback);
* ``compute s``: ``compute()`` wall time (optimize, lower, run);
* ``cpu s``: the child process's CPU time (user + system, all threads) during
  ``compute()``: the work done, which a loaded machine does not inflate;
* ``peak MB``: the child process's peak resident memory.

    python benchmarks/bench_tiny_blocks.py                 # T1 and A8 (~30 min, legacy A8 is slow)
    python benchmarks/bench_tiny_blocks.py --quick         # T1 at 4000 x 4000 / 200, A8 at 10^5 blocks
    python benchmarks/bench_tiny_blocks.py --only t1       # only T1 (or: --only a8)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MARK = "TINY_JSON "

A8_OPS = {
    "sum": lambda x: x.sum(),
    "mean0": lambda x: x.mean(axis=0),
    "std": lambda x: x.std(),
    "cumsum-last": lambda x: x.cumsum(axis=0)[-1],
    "rechunk-sum": lambda x: x.rechunk(1000).sum(),
}


def _module(peer):
    if peer.startswith("hlq"):
        sys.path.insert(0, ROOT)
        import hlq.array as da
    elif peer == "legacy":
        import dask.array as da
    else:
        import dask_array as da
    return da


def _tasks(peer, y):
    if peer.startswith("hlq"):
        return y.task_count()
    import dask

    (opt,) = dask.optimize(y)
    return len(dict(opt.__dask_graph__()))


def _build(case, da, quick):
    if case == "t1":
        n, c = (4000, 200) if quick else (20000, 1000)
        x = da.random.random((n, n), chunks=c)
        y = x + x.T - x.mean(axis=0)
        return y[::2, n // 4:].std()
    rows = 10**6 if quick else 10**7
    return A8_OPS[case](da.ones((rows, 10), chunks=10))


def child(peer, case, quick):
    import resource

    import dask
    from dask.callbacks import Callback

    da = _module(peer)
    cfg = {"hlq.rules.exclude": ["slice-pushdown"]} if peer == "hlq-no-pushdown" else {}
    with dask.config.set(cfg):
        # warm up imports and lazy module loading on a tiny instance
        da.ones((20, 10), chunks=10).sum().compute()
        tasks = _tasks(peer, _build(case, da, quick))
        y = _build(case, da, quick)
        first = []

        class First(Callback):
            def _pretask(self, key, dsk, state):
                if not first:
                    first.append(time.perf_counter())

        with First():
            r0 = resource.getrusage(resource.RUSAGE_SELF)
            t0 = time.perf_counter()
            y.compute()
            t1 = time.perf_counter()
            r1 = resource.getrusage(resource.RUSAGE_SELF)
    peak = r1.ru_maxrss / 1024
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return {"tasks": tasks, "first task s": (first[0] - t0) if first else float("nan"),
            "compute s": t1 - t0, "cpu s": cpu, "peak MB": peak}


def _available(peer):
    import importlib.util

    mod = {"hlq": "hlq", "hlq-no-pushdown": "hlq", "legacy": "dask", "dask-array": "dask_array"}[peer]
    return importlib.util.find_spec(mod) is not None


def run(cases, peers, quick, repeat, timeout):
    res = {}
    for _ in range(repeat):
        for case in cases:
            for peer in peers:
                if res.get((case, peer)) == "timeout":
                    continue  # a peer that timed out once is not retried
                cmd = [sys.executable, os.path.abspath(__file__), "--child", peer, case] + (["--quick"] if quick else [])
                try:
                    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
                    lines = [ln for ln in out.stdout.splitlines() if ln.startswith(MARK)]
                    if not lines:
                        err = (out.stderr.strip().splitlines() or ["?"])[-1]
                        print(f"  {case} {peer}: {err}", file=sys.stderr, flush=True)
                        res.setdefault((case, peer), [])
                        continue
                    r = json.loads(lines[-1][len(MARK):])
                except subprocess.TimeoutExpired:
                    res[(case, peer)] = "timeout"
                    print(f"  {case} {peer}: timeout after {timeout:.0f} s", file=sys.stderr, flush=True)
                    continue
                print(f"  {case} {peer}: {r}", file=sys.stderr, flush=True)
                res.setdefault((case, peer), []).append(r)
    cols = ["tasks", "first task s", "compute s", "cpu s", "peak MB"]
    print("| case | peer | " + " | ".join(cols) + " | compute hlq/peer | cpu hlq/peer | peak hlq/peer |")
    print("|" + "---|" * (len(cols) + 5))
    for case in cases:
        med = {}
        for peer in peers:
            rs = res.get((case, peer))
            if rs == "timeout" or not rs:
                continue
            med[peer] = {c: statistics.median(r[c] for r in rs) for c in cols}
        for peer in peers:
            rs = res.get((case, peer))
            if rs == "timeout":
                print(f"| {case} | {peer} | timeout after {timeout:.0f} s |" + " |" * (len(cols) + 2))
                continue
            if not rs:
                print(f"| {case} | {peer} | error |" + " |" * (len(cols) + 2))
                continue
            m = med[peer]
            cells = [f"{m[c]:.4g}" for c in cols]
            ratio = cpu = peak = ""
            if peer != "hlq" and "hlq" in med:
                ratio = f"{med['hlq']['compute s'] / m['compute s']:.2f}"
                cpu = f"{med['hlq']['cpu s'] / m['cpu s']:.2f}" if m["cpu s"] else ""
                peak = f"{med['hlq']['peak MB'] / m['peak MB']:.2f}"
            print(f"| {case} | {peer} | " + " | ".join(cells) + f" | {ratio} | {cpu} | {peak} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", choices=["t1", "a8"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--child", nargs=2, metavar=("PEER", "CASE"))
    args = ap.parse_args()
    if args.child:
        print(MARK + json.dumps(child(args.child[0], args.child[1], args.quick)), flush=True)
        return
    if args.only != "a8":
        peers = [p for p in ("hlq", "hlq-no-pushdown", "legacy", "dask-array") if _available(p)]
        print("T1: x = random((n, n)); y = x + x.T - x.mean(axis=0); y[::2, n // 4:].std()"
              f" (n = {4000 if args.quick else 20000}), medians of {args.repeat}, interleaved\n")
        run(["t1"], peers, args.quick, args.repeat, args.timeout)
        print()
    if args.only != "t1":
        peers = [p for p in ("hlq", "legacy", "dask-array") if _available(p)]
        print(f"A8: x = ones(({10**6 if args.quick else 10**7}, 10), chunks=10), medians of {args.repeat}, "
              "interleaved\n")
        run(list(A8_OPS), peers, args.quick, args.repeat, args.timeout)


if __name__ == "__main__":
    main()
