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

A second table, "tiny blocks", computes ``ones((10 * n, 10), chunks=10).sum()``
(n blocks of 10 x 10) with ``client.compute`` and reports

* ``tasks``: tasks of the graph the scheduler builds;
* ``update-graph CPU s``: the scheduler-side work before anything can run,
  measured on the scheduler: unpickle the message, ``__dask_graph__()``,
  ``convert_legacy_graph`` and ``dask.order.order``;
* ``first task s``: from calling ``client.compute`` to the first task starting
  on a worker (a worker plugin's ``transition`` hook records the first
  ``-> executing``);
* ``total s``: to the (checked) result.

    python benchmarks/bench_s1_shipping.py            # 10^4 and 10^5 chunks (~3 min)
    python benchmarks/bench_s1_shipping.py --full     # also 10^6 (hlq; legacy with a timeout); tiny: 10^7
    python benchmarks/bench_s1_shipping.py --quick    # 10^4 only; tiny blocks: 10^5
    python benchmarks/bench_s1_shipping.py --tiny-only --full   # only the tiny-blocks table, 10^5..10^7
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


def _graph_work_on_scheduler(blob, dask_scheduler=None):
    # runs on the scheduler: the update-graph work before a task can be scheduled
    import pickle
    import time as _t

    from dask._task_spec import convert_legacy_graph
    from dask.order import order

    t0 = _t.process_time()
    expr = pickle.loads(blob)
    dsk = expr.__dask_graph__()
    dsk = convert_legacy_graph(dict(dsk))
    order(dsk)
    return {"cpu": _t.process_time() - t0, "tasks": len(dsk)}


try:
    from distributed.diagnostics.plugin import WorkerPlugin as _PluginBase
except ImportError:  # pragma: no cover - distributed is a benchmark requirement
    _PluginBase = object


class _FirstTask(_PluginBase):
    """Worker plugin: the wall-clock time of the first task that starts executing."""

    name = "hlq-bench-first-task"

    def __init__(self):
        self.first = None

    def setup(self, worker):
        self.first = None

    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and self.first is None:
            import time as _t

            self.first = _t.time()


def _first_time(dask_worker=None):
    p = dask_worker.plugins.get(_FirstTask.name)
    return getattr(p, "first", None)


def run_tiny(peer: str, n: int) -> dict:
    """``ones((10 * n, 10), chunks=10).sum()`` (n blocks) through ``client.compute``."""
    import pickle

    from distributed import Client, LocalCluster

    if peer == "hlq":
        sys.path.insert(0, ROOT)
        import hlq.array as da
    else:
        import dask.array as da
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster) as client:
            from dask._expr import FinalizeCompute
            from dask.base import collections_to_expr

            y = da.ones((10 * n, 10), chunks=10).sum()
            expr = FinalizeCompute(collections_to_expr([y])).optimize()
            blob = pickle.dumps(expr)
            work = client.run_on_scheduler(_graph_work_on_scheduler, blob)
            del expr, blob
            client.register_plugin(_FirstTask())
            # a warm cluster: the workers have imported the array module (a first task would
            # otherwise pay the import)
            import importlib

            client.run(importlib.import_module, "hlq.array" if peer == "hlq" else "dask.array")
            y = da.ones((10 * n, 10), chunks=10).sum()  # fresh collection, nothing cached
            t0 = time.time()
            fut = client.compute(y)
            result = fut.result()
            t2 = time.time()
            firsts = [v for v in client.run(_first_time).values() if v is not None]
            first = (min(firsts) - t0) if firsts else float("nan")
    return {
        "peer": peer,
        "blocks": n,
        "tasks": work["tasks"],
        "update-graph CPU s": work["cpu"],
        "first task s": first,
        "total s": t2 - t0,
        "ok": float(result) == 100.0 * n,
    }


def _tiny_table(sizes, peers, timeout):
    rows = []
    for n in sizes:
        for peer in peers:
            cmd = [sys.executable, os.path.abspath(__file__), "--tiny-child", peer, str(n)]
            try:
                out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
                lines = [ln for ln in out.stdout.splitlines() if ln.startswith(MARK)]
                row = json.loads(lines[-1][len(MARK):]) if lines else {
                    "peer": peer, "blocks": n, "error": (out.stderr.strip().splitlines() or ["?"])[-1]}
            except subprocess.TimeoutExpired:
                row = {"peer": peer, "blocks": n, "error": f"timeout after {timeout:.0f} s"}
            rows.append(row)
            print(f"  {row}", file=sys.stderr, flush=True)
    cols = ["blocks", "peer", "tasks", "update-graph CPU s", "first task s", "total s", "ok"]
    print()
    print("tiny blocks: ones((10 * blocks, 10), chunks=10).sum() via client.compute (1 worker, 2 threads)")
    print()
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        if "error" in r:
            print(f"| {r['blocks']} | {r['peer']} | " + r["error"] + " |" * (len(cols) - 2))
            continue
        print("| " + " | ".join(f"{r[c]:.4g}" if isinstance(r[c], float) else str(r[c]) for c in cols) + " |")


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
    ap.add_argument("--tiny-child", nargs=2, metavar=("PEER", "N"))
    ap.add_argument("--tiny-only", action="store_true", help="only the tiny-blocks table")
    ap.add_argument("--timeout", type=float, default=900)
    args = ap.parse_args()
    if args.child:
        print(MARK + json.dumps(run_one(args.child[0], int(args.child[1]))), flush=True)
        return
    if args.tiny_child:
        print(MARK + json.dumps(run_tiny(args.tiny_child[0], int(args.tiny_child[1]))), flush=True)
        return
    tiny_sizes = [10**5] if args.quick else [10**5, 10**6] + ([10**7] if args.full else [])
    if args.tiny_only:
        _tiny_table(tiny_sizes, args.peer or ["hlq", "legacy"], args.timeout)
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
    _tiny_table(tiny_sizes, peers, args.timeout)


if __name__ == "__main__":
    main()
