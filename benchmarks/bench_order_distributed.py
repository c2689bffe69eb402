"""Task priorities on a distributed cluster: ``dask.order`` vs hlq's priorities, A3 and A5.

distributed's scheduler orders every graph with ``dask.order`` (its
"internal priority").  This script computes hlq collections on a
``LocalCluster`` (1 worker process, 2 threads) twice per repetition,
interleaved:

* ``hlq``: hlq's scheduler plugin (:class:`hlq.lower.dist_order.DistributedPriorities`,
  installed on the scheduler when hlq first checks it) replaces the internal
  priority of each new task with :func:`hlq.lower.scheduler.choose_priorities`
  (depth-first post-order from the outputs, or ``dask.order``'s where that
  holds fewer results);
* ``dask.order``: the same with the plugin switched off (``hlq.order = False``
  on the scheduler): distributed's own order.

Columns: ``tasks``; ``peak held MB``: the most bytes of task results held on
the workers at once (a scheduler plugin adds ``nbytes`` when a task's result
reaches memory and subtracts it when it is released); ``peak held``: the most
results held at once; ``worker RSS MB``: the worker process's peak resident
memory (a fresh cluster per measurement); ``compute s``: ``client.compute``
to result.  Medians of ``--repeat`` runs.

Cases (``--quick`` sizes in parentheses):

* ``a3``: ``(ones((n, n), chunks=20) + 1).sum()``, n = 6000 (2000): 90,000 (10,000) blocks;
* ``a5``: ``anom = x - x.mean(axis=0); anom[:, :100, :100].std()``,
  x = random((730, 360, 720), chunks=(10, 360, 720)) ((100, 120, 160));
* ``a5-full``: the anomaly's full std, ``(x - x.mean(axis=0)).std()`` (every block of x is read twice);
* ``t1``: the tutorial's ``(x + x.T - x.mean(axis=0))[::2, n // 4:].std()``,
  x = random((n, n), chunks=1000), n = 12000 (4000): blocks shared by three consumers.

    python benchmarks/bench_order_distributed.py            # ~5 min
    python benchmarks/bench_order_distributed.py --quick
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def _build(case, da, quick):
    if case == "a3":
        n = 2000 if quick else 6000
        return (da.ones((n, n), chunks=20) + 1).sum()
    if case == "t1":
        n = 4000 if quick else 12000
        x = da.random.random((n, n), chunks=1000)
        return (x + x.T - x.mean(axis=0))[::2, n // 4:].std()
    t, a, b = (100, 120, 160) if quick else (730, 360, 720)
    x = da.random.random((t, a, b), chunks=(10, a, b))
    anom = x - x.mean(axis=0)
    return anom[:, :100, :100].std() if case == "a5" else anom.std()


from distributed.diagnostics.plugin import SchedulerPlugin  # noqa: E402


class _HeldBytes(SchedulerPlugin):
    """Scheduler plugin: the most bytes (and results) held in worker memory at once."""

    name = "bench-held-bytes"

    def __init__(self):
        self.bytes = self.count = self.peak_bytes = self.peak_count = 0

    def transition(self, key, start, finish, *args, **kwargs):
        ts = self.scheduler.tasks.get(key)
        if ts is None:
            return
        if finish == "memory":
            self.bytes += max(ts.nbytes, 0)
            self.count += 1
            self.peak_bytes = max(self.peak_bytes, self.bytes)
            self.peak_count = max(self.peak_count, self.count)
        elif start == "memory":
            self.bytes -= max(ts.nbytes, 0)
            self.count -= 1

    async def start(self, scheduler):
        self.scheduler = scheduler


def _peak_rss():
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(case, order, quick):
    import dask
    from distributed import Client, LocalCluster

    import hlq.array as da
    from hlq.lower.dist_order import PLUGIN_NAME

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        client.register_plugin(_HeldBytes())  # LocalCluster's scheduler runs in this process
        y = _build(case, da, quick)
        tasks = y.task_count()
        # the scheduler-side switch of hlq's plugin (the scheduler runs in this process)
        with dask.config.set({"hlq.order": order == "hlq"}):
            t0 = time.perf_counter()
            client.compute(y).result()
            wall = time.perf_counter() - t0
        assert PLUGIN_NAME in cluster.scheduler.plugins  # installed when hlq first checked the scheduler
        plugin = cluster.scheduler.plugins[_HeldBytes.name]
        (rss,) = client.run(_peak_rss).values()
        return {"tasks": tasks, "peak held MB": plugin.peak_bytes / 2**20, "peak held": plugin.peak_count,
                "worker RSS MB": rss, "compute s": wall}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cases", default="a3,a5,a5-full,t1")
    args = ap.parse_args()
    cols = ["tasks", "peak held MB", "peak held", "worker RSS MB", "compute s"]
    print("| case | order | " + " | ".join(cols) + " |")
    print("|" + "---|" * (len(cols) + 2))
    for case in args.cases.split(","):
        res = {"dask.order": [], "hlq": []}
        for _ in range(args.repeat):
            for order in res:
                r = measure(case, order, args.quick)
                print(f"  {case} {order}: {r}", file=sys.stderr, flush=True)
                res[order].append(r)
        for order, rs in res.items():
            cells = [f"{statistics.median(r[c] for r in rs):.4g}" for c in cols]
            print(f"| {case} | {order} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
