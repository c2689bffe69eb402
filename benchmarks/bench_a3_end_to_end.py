"""A3 end to end: ``(x + 1).sum().compute()`` on 10^6 chunks, threaded scheduler.

    x = ones((20_000, 20_000), chunks=(20, 20))

Each peer runs once per repetition in a fresh process (import, build, optimize,
lower, schedule, execute); the table gives wall time, peak RSS (ru_maxrss of
that process) and the ratio legacy/hlq.  Each peer computes with its default
local scheduler: dask's threaded scheduler for legacy, the same threaded loop
with hlq's depth-first task priorities instead of ``dask.order`` for hlq
(``hlq.order``, see hlq/lower/scheduler.py).  hlq's figure includes its task
batching (``hlq.batch``); ``--no-batch`` shows hlq with one task per block,
``--no-order`` hlq with ``hlq.order = False`` (``dask.threaded.get``).

    python benchmarks/bench_a3_end_to_end.py              # hlq and legacy, 1 run each (~6 min)
    python benchmarks/bench_a3_end_to_end.py --quick      # 10^4 chunks, 3 runs
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
MARK = "A3E2E "


def child(peer: str, n: int, batch: bool, order: bool = True) -> dict:
    if peer == "hlq":
        sys.path.insert(0, ROOT)
        import dask

        import hlq.array as da

        dask.config.set({"hlq.order": order} if batch else {"hlq.batch": False, "hlq.order": order})
    else:
        import dask.array as da
    t0 = time.perf_counter()
    x = da.ones((n, n), chunks=(20, 20))
    result = (x + 1).sum().compute()  # the default (threaded) local scheduler of each peer
    wall = time.perf_counter() - t0
    label = peer
    if peer == "hlq" and not batch:
        label += " (no batching)"
    if peer == "hlq" and not order:
        label += " (hlq.order off: dask.order)"
    return {
        "peer": label,
        "chunks": (n // 20) ** 2,
        "wall s": wall,
        "peak RSS MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
        "ok": float(result) == 2.0 * n * n,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-batch", action="store_true", help="also run hlq with hlq.batch=False")
    ap.add_argument("--no-order", action="store_true", help="also run hlq with hlq.order=False (dask.order)")
    ap.add_argument("--peer", action="append", choices=["hlq", "legacy"])
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--timeout", type=float, default=1200)
    ap.add_argument("--child", nargs="+")
    args = ap.parse_args()
    if args.child:
        peer, n, batch, *order = args.child
        print(MARK + json.dumps(child(peer, int(n), batch == "1", not order or order[0] == "1")), flush=True)
        return
    n = 2_000 if args.quick else 20_000
    runs = args.runs or (3 if args.quick else 1)
    configs = [(p, True, True) for p in (args.peer or ["hlq", "legacy"])]
    if args.no_order and any(p == "hlq" for p, _, _ in configs):
        configs.insert(1, ("hlq", True, False))
    if args.no_batch and any(p == "hlq" for p, _, _ in configs):
        configs.insert(1, ("hlq", False, True))
    rows = []
    for peer, batch, order in configs:
        results = []
        for _ in range(runs):
            cmd = [sys.executable, os.path.abspath(__file__), "--child", peer, str(n), "1" if batch else "0",
                   "1" if order else "0"]
            try:
                out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
                lines = [ln for ln in out.stdout.splitlines() if ln.startswith(MARK)]
                if lines:
                    results.append(json.loads(lines[-1][len(MARK):]))
                else:
                    print(out.stderr[-2000:], file=sys.stderr)
            except subprocess.TimeoutExpired:
                pass
        if not results:
            rows.append({"peer": peer, "chunks": (n // 20) ** 2, "wall s": float("nan"), "peak RSS MB": float("nan"),
                         "ok": "timeout/error"})
            continue
        rows.append({
            "peer": results[0]["peer"], "chunks": results[0]["chunks"],
            "wall s": statistics.median(r["wall s"] for r in results),
            "peak RSS MB": statistics.median(r["peak RSS MB"] for r in results),
            "ok": all(r["ok"] for r in results), "runs": len(results),
        })
    base = next((r for r in rows if r["peer"] == "hlq"), None)
    print("| peer | chunks | runs | wall s | peak RSS MB | ok | wall peer/hlq | RSS peer/hlq |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = rss = ""
        if base and r is not base and base["wall s"] == base["wall s"]:
            ratio = f"{r['wall s'] / base['wall s']:.1f}x"
            rss = f"{r['peak RSS MB'] / base['peak RSS MB']:.2f}x"
        print(f"| {r['peer']} | {r['chunks']} | {r.get('runs', 0)} | {r['wall s']:.3g} | {r['peak RSS MB']:.0f} | "
              f"{r['ok']} | {ratio} | {rss} |")


if __name__ == "__main__":
    main()
