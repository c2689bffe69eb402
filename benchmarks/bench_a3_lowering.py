"""A3: lowering a graph that cannot be pruned.

    x = ones((20_000, 20_000), chunks=(20, 20))          # 10^6 chunks
    (x + 1).sum()                                        # every block is needed

Cases:

* ``a3``: the scenario, graph only (10^6 tasks is too many to compute in a
  minute); ``µs/task`` = graph s / tasks is the figure of merit.
* ``a3-small``: the same expression on 10^4 chunks, computed and checked
  (result 2 * n^2).

Then the floor: the time to construct 10^6 ``dask._task_spec.Task`` objects
in a fresh process, (a) bare ``Task(key, func)`` and (b) the shape a lowering
of ``x + 1`` produces, ``Task(key, add, TaskRef(dep), 1)`` stored in a dict;
each with the garbage collector enabled (the default, what a lowering pays)
and disabled.  The script prints each peer's µs/task and its ratio to the
floor.

Target (docs/scenarios.md): <= 5 µs/task (legacy ~82 µs/task, dask-array ~105).

    python benchmarks/bench_a3_lowering.py            # ~4-5 min (legacy and dask-array: 1 run each)
    python benchmarks/bench_a3_lowering.py --quick    # 10^4 chunks
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import JSON_MARKER, Case, main, run_subprocess  # noqa: E402


def build(da, n, chunks):
    x = da.ones((n, n), chunks=(chunks, chunks))
    return (x + 1).sum()


def check(result, params):
    return float(result) == 2.0 * params["n"] ** 2


CASES = [
    Case(
        name="a3",
        title="(x + 1).sum(), x = ones((n, n), chunks) -- all blocks needed",
        build=build,
        params=dict(n=20_000, chunks=20),
        quick=dict(n=2_000, chunks=20),
        warm=dict(n=200, chunks=20),
        compute=False,
        timeout=300,
    ),
    Case(
        name="a3-small",
        title="same on 10^4 chunks, computed",
        build=build,
        params=dict(n=2_000, chunks=20),
        quick=dict(n=400, chunks=20),
        warm=dict(n=100, chunks=20),
        check=check,
        timeout=120,
    ),
]


# ---------------------------------------------------------------------------
# floor: constructing Task objects


def _floor(n: int, repeat: int = 3) -> dict:
    import gc
    import operator

    from dask._task_spec import Task, TaskRef

    side = max(1, int(round(n ** 0.5)))

    def bare():
        return [Task(("x", i), operator.add) for i in range(n)]

    def with_dep():
        d = {}
        for i in range(n):
            k = ("x", i // side, i % side)
            d[k] = Task(k, operator.add, TaskRef(("y", i // side, i % side)), 1)
        return d

    out = {"n": n}
    for name, fn in (("bare", bare), ("dep", with_dep)):
        for gc_on in (True, False):
            times = []
            for _ in range(repeat):
                gc.collect()
                if not gc_on:
                    gc.disable()
                t0 = time.perf_counter()
                res = fn()
                times.append(time.perf_counter() - t0)
                gc.enable()
                del res
            out[f"{name}_{'gc' if gc_on else 'nogc'}_s"] = statistics.median(times)
    return out


def _extra_args(parser):
    parser.add_argument("--floor", type=int, default=None,
                        help="worker mode: measure the Task-construction floor for N tasks")


def _worker_hook(args) -> bool:
    if args.floor is None:
        return False
    print(JSON_MARKER + json.dumps(_floor(args.floor, max(3, args.repeat))), flush=True)
    return True


def _epilog(args, rows):
    p = CASES[0].get_params(args.quick)
    n = (p["n"] // p["chunks"]) ** 2  # blocks in the a3 case
    r = run_subprocess(__file__, ["--floor", str(n), "--repeat", str(args.repeat)], timeout=600)
    print(f"\n## floor: constructing {n:,} dask._task_spec.Task objects (median of {max(3, args.repeat)}, fresh process)")
    if "error" in r:
        print(f"floor measurement failed: {r['error']}")
        return
    print("| variant | gc | s | µs/task |")
    print("|---|---|---|---|")
    for name, label in (("bare", "Task(key, func)"), ("dep", "Task(key, add, TaskRef(dep), 1) into a dict")):
        for g in ("gc", "nogc"):
            s = r[f"{name}_{g}_s"]
            print(f"| {label} | {'on' if g == 'gc' else 'off'} | {s:.3f} | {s / n * 1e6:.2f} |")
    floor_us = r["dep_gc_s"] / n * 1e6
    print(f"\nfloor used for ratios: Task(key, add, TaskRef(dep), 1) with gc on = {floor_us:.2f} µs/task")
    print("| peer | graph s | tasks | µs/task | ratio to floor |")
    print("|---|---|---|---|---|")
    for row in rows:
        if row["case"] != "a3":
            continue
        gs, tasks = row.get("graph_s"), row.get("tasks")
        if row.get("error") or not tasks or gs is None:
            print(f"| {row['peer']} | {row.get('error', '-')} | - | - | - |")
            continue
        us = gs / tasks * 1e6
        print(f"| {row['peer']} | {gs:.3f} | {tasks:,} | {us:.2f} | {us / floor_us:.2f}x |")


if __name__ == "__main__":
    sys.exit(main(__file__, "A3: unprunable lowering of a 10^6-chunk array", CASES,
                  epilog=_epilog, extra_args=_extra_args, worker_hook=_worker_hook))
