"""S1: shipping A3-shaped graphs to a LocalCluster (processes=True, 1 worker).

    x = ones((n, n), chunks=(20, 20)); y = (x + 1).sum()      # 10^4 / 10^5 / 10^6 chunks

For each peer (hlq; legacy dask.array) and size, in a fresh process:

* ``message KB``: bytes of the pickled expression that ``Client.compute`` sends
  in the ``update-graph`` message (the same ``serialize(to_serialize(expr))``
  the client runs);
* ``client s``: time for ``client.compute(y)`` to return (optimize, lower on
  the client if the peer does, serialize, send);
* ``sched expand s`` / ``us/task``: on the scheduler process, unpickle that
  message and call ``__dask_graph__()`` (what ``_materialize_graph`` does);
* ``first task s``: from calling ``client.compute`` to the first task starting
  on the worker (task stream);
* ``total s``: to the result, which is checked.

    python benchmarks/bench_s1_shipping.py            # 10^4 and 10^5 chunks (~3 min)
    python benchmarks/bench_s1_shipping.py --full     # also 10^6 (hlq; legacy with a timeout)
    python benchmarks/bench_s1_shipping.py --quick    # 10^4 only
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MARK = "S1_JSON "


def _expand_on_scheduler(blob, dask_scheduler=None):
    # runs on the scheduler: what Scheduler._materialize_graph does with the message
    import pickle
    import time as _t

    t0 = _t.perf_counter()
    expr = pickle.loads(blob)
    t1 = _t.perf_counter()
    n = len(expr.__dask_graph__())
    t2 = _t.perf_counter()
    return {"unpickle": t1 - t0, "expand": t2 - t1, "tasks": n}


def run_one(peer: str, n: int) -> dict:
    import pickle

    from distributed import Client, LocalCluster, get_task_stream
    from distributed.protocol import serialize, to_serialize

    if peer == "hlq":
        sys.path.insert(0, ROOT)
        import hlq.array as da
    else:
        import dask.array as da
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster) as client:
            x = da.ones((n, n), chunks=(20, 20))
            y = (x + 1).sum()
            # the message: the optimized expression, serialized as the client does
            from dask._expr import FinalizeCompute
            from dask.base import collections_to_expr

            expr = FinalizeCompute(collections_to_expr([y])).optimize()
            header, frames = serialize(to_serialize(expr), on_error="raise")
            msg_bytes = len(pickle.dumps(header)) + sum(len(memoryview(f).cast("B")) for f in frames)
            blob = pickle.dumps(expr)
            sched = client.run_on_scheduler(_expand_on_scheduler, blob)
            del expr, blob
            y = (da.ones((n, n), chunks=(20, 20)) + 1).sum()  # fresh collection, nothing cached
            with get_task_stream(client) as ts:
                t0 = time.time()
                fut = client.compute(y)
                t1 = time.time()
                result = fut.result()
                t2 = time.time()
            starts = [s["start"] for rec in ts.data for s in rec.get("startstops", ()) if s.get("action") == "compute"]
            first = (min(starts) - t0) if starts else float("nan")
    return {
        "peer": peer,
        "chunks": (n // 20) ** 2,
        "message KB": msg_bytes / 1e3,
        "client s": t1 - t0,
        "sched expand s": sched["expand"] + sched["unpickle"],
        "sched tasks": sched["tasks"],
        "us/task": 1e6 * (sched["expand"] + sched["unpickle"]) / max(sched["tasks"], 1),
        "first task s": first,
        "total s": t2 - t0,
        "ok": float(result) == 2.0 * n * n,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--peer", choices=["hlq", "legacy"], action="append")
    ap.add_argument("--child", nargs=2, metavar=("PEER", "N"))
    ap.add_argument("--timeout", type=float, default=900)
    args = ap.parse_args()
    if args.child:
        print(MARK + json.dumps(run_one(args.child[0], int(args.child[1]))), flush=True)
        return
    sizes = [2_000] if args.quick else [2_000, 6_320] + ([20_000] if args.full else [])
    peers = args.peer or ["hlq", "legacy"]
    rows = []
    for n in sizes:
        for peer in peers:
            cmd = [sys.executable, os.path.abspath(__file__), "--child", peer, str(n)]
            try:
                out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
                lines = [ln for ln in out.stdout.splitlines() if ln.startswith(MARK)]
                row = json.loads(lines[-1][len(MARK):]) if lines else {
                    "peer": peer, "chunks": (n // 20) ** 2, "error": (out.stderr.strip().splitlines() or ["?"])[-1]}
            except subprocess.TimeoutExpired:
                row = {"peer": peer, "chunks": (n // 20) ** 2, "error": f"timeout after {args.timeout:.0f} s"}
            rows.append(row)
            print(f"  {row}", file=sys.stderr, flush=True)
    cols = ["chunks", "peer", "message KB", "client s", "sched expand s", "sched tasks", "us/task", "first task s",
            "total s", "ok"]
    print("| " + " | ".join(cols) + " | ratio total legacy/hlq |")
    print("|" + "---|" * (len(cols) + 1))
    by = {(r["chunks"], r["peer"]): r for r in rows}
    for r in rows:
        if "error" in r:
            print(f"| {r['chunks']} | {r['peer']} | " + r["error"] + " |" * (len(cols) - 1))
            continue
        cells = [f"{r[c]:.4g}" if isinstance(r[c], float) else str(r[c]) for c in cols]
        ratio = ""
        if r["peer"] == "legacy" and "total s" in by.get((r["chunks"], "hlq"), {}):
            ratio = f"{r['total s'] / by[(r['chunks'], 'hlq')]['total s']:.2f}x"
        print("| " + " | ".join(cells) + f" | {ratio} |")


if __name__ == "__main__":
    main()
