"""Task ordering: hlq's depth-first priorities (``hlq.order``) vs ``dask.order``.

hlq collections compute with :data:`hlq.lower.scheduler.get`, dask's threaded
scheduler loop with priorities from a depth-first post-order of the graph
instead of ``dask.order.order``.  ``hlq.order = False`` makes the same
``compute()`` call go through ``dask.threaded.get`` (which runs
``dask.order``).  Two tables:

1. **ordering alone** (one process per case): seconds to compute the
   priorities of the lowered graph, hlq vs ``dask.order``, and whether hlq's
   priorities are a topological order;
2. **end to end** (one fresh subprocess per run, median of the runs): wall
   time of ``.compute()`` and peak RSS of the process, ``hlq.order`` on/off.

Cases:

* ``a3``: ``(ones((n, n), chunks=20) + 1).sum()`` with task batching (default);
* ``a3-nobatch``: the same with ``hlq.batch = False`` (one task per block);
* ``a5``: ``x = random((t, a, b), chunks=(10, a, b)); anom = x - x.mean(axis=0);
  anom[:, :100, :100].std()`` (the A5 query);
* ``a5-full``: ``(x - x.mean(axis=0)).std()`` - every block of ``x`` is used
  twice, so the order decides how many blocks are alive at once.

    python benchmarks/bench_order.py            # ~5 min
    python benchmarks/bench_order.py --quick    # small sizes, ~1 min
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MARK = "ORDER_JSON "

FULL = {
    "a3": dict(n=20_000),
    "a3-nobatch": dict(n=8_000),
    "a5": dict(t=3650, a=200, b=400),
    "a5-full": dict(t=1000, a=200, b=400),
}
QUICK = {
    "a3": dict(n=2_000),
    "a3-nobatch": dict(n=1_000),
    "a5": dict(t=365, a=150, b=200),
    "a5-full": dict(t=200, a=100, b=200),
}


def build(case: str, p: dict):
    """The collection and its expected result (or None when checked against numpy elsewhere)."""
    import hlq.array as da

    if case.startswith("a3"):
        x = da.ones((p["n"], p["n"]), chunks=(20, 20))
        return (x + 1).sum(), 2.0 * p["n"] ** 2
    x = da.random.default_rng(42).random((p["t"], p["a"], p["b"]), chunks=(10, p["a"], p["b"]))
    anom = x - x.mean(axis=0)
    if case == "a5":
        return anom[:, :100, :100].std(), None
    return anom.std(), None


def _config(case: str, order: bool) -> dict:
    return {"hlq.order": order, "hlq.batch": case != "a3-nobatch"}


def child_order(case: str, p: dict) -> dict:
    """Time hlq's priorities and dask.order on the lowered graph (same process, same graph)."""
    import gc

    import dask
    from dask.order import order

    from hlq.lower.scheduler import is_topological, priorities

    with dask.config.set(_config(case, True)):
        y, _ = build(case, p)
        g = y.__dask_graph__()
        keys = y.__dask_keys__()
    gc.collect()
    t0 = time.perf_counter()
    prio = priorities(g, keys)
    t_hlq = time.perf_counter() - t0
    gc.collect()
    t0 = time.perf_counter()
    order(g)
    t_dask = time.perf_counter() - t0
    return {"case": case, "tasks": len(g), "hlq_s": t_hlq, "dask_s": t_dask, "topological": is_topological(g, prio)}


def child_compute(case: str, p: dict, order: bool) -> dict:
    import dask

    dask.config.set(_config(case, order))
    t0 = time.perf_counter()
    y, expected = build(case, p)
    result = float(y.compute())
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_mb = rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024
    return {"case": case, "order": order, "wall_s": wall, "rss_mb": rss_mb, "result": result,
            "ok": expected is None or result == expected}


def _spawn(args: list, timeout: float) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
    cmd = [sys.executable, os.path.abspath(__file__), *args]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": "timeout"}
    for line in reversed(out.stdout.splitlines()):
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    return {"error": (out.stderr.strip().splitlines() or ["exit %d" % out.returncode])[-1][:100]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="end-to-end runs per configuration (median)")
    ap.add_argument("--case", default=None, help="comma-separated case names")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--child", nargs=3, metavar=("MODE", "CASE", "ORDER"), help=argparse.SUPPRESS)
    ap.add_argument("--params", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        mode, case, order = args.child
        p = json.loads(args.params)
        out = child_order(case, p) if mode == "order" else child_compute(case, p, order == "1")
        print(MARK + json.dumps(out), flush=True)
        return 0

    sizes = QUICK if args.quick else FULL
    cases = args.case.split(",") if args.case else list(sizes)
    print(f"# task ordering: hlq depth-first priorities vs dask.order ({'quick' if args.quick else 'full'} sizes)")
    print("\n## ordering alone (same lowered graph, one process per case)\n")
    print("| case | params | tasks | dask.order s | hlq s | µs/task dask | µs/task hlq | speed-up | topological |")
    print("|---|---|---|---|---|---|---|---|---|")
    for case in cases:
        p = sizes[case]
        r = _spawn(["--child", "order", case, "1", "--params", json.dumps(p)], args.timeout)
        if "error" in r:
            print(f"| {case} | {p} | {r['error']} | | | | | | |")
            continue
        n = r["tasks"]
        print(f"| {case} | {p} | {n:,} | {r['dask_s']:.3f} | {r['hlq_s']:.3f} | {r['dask_s'] / n * 1e6:.2f} | "
              f"{r['hlq_s'] / n * 1e6:.2f} | {r['dask_s'] / r['hlq_s']:.1f}x | {r['topological']} |", flush=True)

    runs = max(1, args.repeat)
    print(f"\n## end to end: compute() in a fresh process, median of {runs} runs\n")
    print("| case | hlq.order | wall s | peak RSS MB | result | same result | RSS on/off | wall on/off |")
    print("|---|---|---|---|---|---|---|---|")
    for case in cases:
        p = sizes[case]
        rows = {}
        for order in (True, False):
            rs = [_spawn(["--child", "compute", case, "1" if order else "0", "--params", json.dumps(p)], args.timeout)
                  for _ in range(runs)]
            good = [r for r in rs if "error" not in r]
            if not good:
                rows[order] = {"error": rs[0]["error"]}
                continue
            rows[order] = {
                "wall_s": statistics.median(r["wall_s"] for r in good),
                "rss_mb": statistics.median(r["rss_mb"] for r in good),
                "result": good[0]["result"], "ok": all(r["ok"] for r in good),
                "results": {r["result"] for r in good},
            }
        on, off = rows.get(True, {}), rows.get(False, {})
        same = ("error" not in on and "error" not in off
                and on["results"] == off["results"] and len(on["results"]) == 1 and on["ok"] and off["ok"])
        for order, r in ((True, on), (False, off)):
            if "error" in r:
                print(f"| {case} | {order} | {r['error']} | | | | | |")
                continue
            ratio = ""
            if order and "error" not in off:
                ratio = f"{r['rss_mb'] / off['rss_mb']:.2f} | {r['wall_s'] / off['wall_s']:.2f}"
            else:
                ratio = " | "
            print(f"| {case} | {order} | {r['wall_s']:.2f} | {r['rss_mb']:.0f} | {r['result']:.6g} | "
                  f"{'ok' if same else 'MISMATCH'} | {ratio} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
