"""Shared machinery for the hlq benchmark scripts.

Every ``bench_*.py`` script declares a list of :class:`Case` objects and calls
:func:`main`.  ``main`` has two modes:

* orchestrator (default): for each case and each peer (``hlq``, ``legacy`` =
  ``dask.array``, ``dask-array`` = the expression-based ``dask_array``
  package) it starts the script again in a fresh subprocess with ``--json``,
  once per repetition, collects the JSON each child prints and prints a
  markdown table with medians and ratios hlq/peer;
* worker (``--json``): runs ONE stage of ONE case for ONE peer in this
  process and prints one ``BENCH_JSON {...}`` line on stdout.

Why one process per peer and per repetition:

* importing ``dask_array`` changes dask's global config, so peers must never
  share a process;
* hlq interns nodes (building the same expression twice returns the same
  object) and peers cache optimized expressions, so a second repetition in
  the same process would measure a cache hit.  Each child first warms up on a
  tiny instance of the scenario (imports, lazy module loading) and then
  measures one cold run; the orchestrator takes the median over children.

Stages:

* ``graph``: build the collection (``build s``), optimize it (``optimize s``)
  and produce the final low-level task graph (``graph s`` = optimize +
  lowering, i.e. time from the built collection to the final graph dict);
  ``tasks`` = number of tasks in that graph;
* ``compute``: build a fresh collection and time ``.compute()`` end to end
  (``compute s``, includes optimization, lowering and execution with dask's
  default threaded scheduler), then check the result.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import importlib.util
import json
import math
import os
import statistics
import subprocess
import sys
import time
import traceback
from typing import Any, Callable

PEERS = ("hlq", "legacy", "dask-array")
# Let the scripts run from a plain checkout (``python benchmarks/bench_x.py``)
# as well as from an installed hlq.
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.append(REPO_ROOT)
JSON_MARKER = "BENCH_JSON "


# ---------------------------------------------------------------------------
# timing helpers


def peak_rss_mb() -> float | None:
    """Peak resident memory of this process so far, in MB (None if unknown)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Unix
        return None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Run ``fn()`` once; return (seconds, result)."""
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def median_time(fn: Callable[[], Any], n: int = 3, setup: Callable[[], Any] | None = None) -> tuple[float, list[float], Any]:
    """Run ``fn`` ``n >= 3`` times (calling ``setup`` untimed before each run,
    whose result is passed to ``fn`` if given); return (median, all times,
    last result)."""
    n = max(3, n)
    times, out = [], None
    for _ in range(n):
        arg = setup() if setup is not None else None
        t0 = time.perf_counter()
        out = fn(arg) if setup is not None else fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, out


def median(values):
    values = [v for v in values if isinstance(v, (int, float)) and not math.isnan(v)]
    return statistics.median(values) if values else None


# ---------------------------------------------------------------------------
# peers: how each library optimizes and materializes its final graph


def peer_available(peer: str) -> bool:
    """Whether ``peer`` can be imported -- without importing it (importing
    ``dask_array`` would change this process's dask config)."""
    mod = {"hlq": "hlq", "legacy": "dask", "dask-array": "dask_array"}[peer]
    try:
        return importlib.util.find_spec(mod) is not None
    except (ImportError, ValueError):
        return False


def import_array_module(peer: str):
    if peer == "hlq":
        import hlq.array as da
    elif peer == "legacy":
        import dask.array as da
    elif peer == "dask-array":
        import dask_array as da
    else:  # pragma: no cover
        raise ValueError(f"unknown peer {peer!r}")
    return da


def optimize(peer: str, c):
    """The peer's optimization step.

    hlq: ``hlq.optimize(c)``; dask-array: ``c.optimize()`` (simplify, lower,
    fuse); legacy: ``dask.array.optimization.optimize`` over the collection's
    HighLevelGraph, which already returns the final (culled, fused) dict.
    """
    if peer == "hlq":
        import hlq

        return hlq.optimize(c)
    if peer == "dask-array":
        return c.optimize()
    if peer == "legacy":
        from dask.array.optimization import optimize as legacy_optimize

        return legacy_optimize(c.__dask_graph__(), c.__dask_keys__())
    raise ValueError(peer)  # pragma: no cover


def final_graph(peer: str, optimized) -> dict:
    """Materialize the final low-level graph from the output of :func:`optimize`."""
    if peer == "legacy":
        g = optimized  # already the final graph
    else:
        g = optimized.__dask_graph__()
    if not isinstance(g, dict):
        g = dict(g)
    return g


def task_count_method(peer: str, optimized):
    """hlq's own ``task_count()`` (for a consistency check), else None."""
    if peer == "hlq" and hasattr(optimized, "task_count"):
        return optimized.task_count()
    return None


# ---------------------------------------------------------------------------
# cases


@dataclasses.dataclass
class Case:
    """One benchmark scenario instance.

    ``build(da, **params)`` returns the collection to measure, written against
    the dask.array API (``da`` is the peer's array module).  ``check(result,
    params)`` returns True/False for the timed compute result; for results
    that need more data than the timed collection (random inputs),
    ``check_build(da, **params)`` returns a tuple of collections computed
    together (untimed) and passed to ``check_many(results, params)``.
    """

    name: str
    build: Callable[..., Any]
    params: dict
    quick: dict | None = None            # params under --quick
    warm: dict | None = None             # tiny params for the in-process warm-up
    title: str = ""
    compute: bool = True                 # run the compute stage at all
    compute_params: dict | None = None   # smaller params for the compute stage
    compute_params_quick: dict | None = None
    check: Callable[[Any, dict], bool] | None = None
    check_build: Callable[..., tuple] | None = None
    check_many: Callable[[tuple, dict], bool] | None = None
    peers: tuple = PEERS                 # peers this case runs for
    peers_quick: tuple | None = None
    compute_peers: tuple | None = None   # peers whose compute stage runs (None: all); others
    compute_peers_quick: tuple | None = None  # show "skipped (memory)"
    timeout: float = 300.0               # per subprocess, graph stage
    compute_timeout: float = 120.0       # per subprocess, compute stage
    max_compute_tasks: int = 300_000     # skip compute above this many tasks
    max_compute_graph_s: float = 30.0    # ... or when the graph alone took longer
    ops: int | None = None               # number of operations (for "µs/op")
    ops_quick: int | None = None

    def get_params(self, quick: bool, stage: str = "graph") -> dict:
        if stage == "compute":
            p = (self.compute_params_quick if quick else self.compute_params) or None
            if p is not None:
                return dict(p)
        return dict(self.quick if (quick and self.quick is not None) else self.params)

    def get_peers(self, quick: bool) -> tuple:
        return self.peers_quick if (quick and self.peers_quick is not None) else self.peers

    def computes(self, peer: str, quick: bool) -> bool:
        """Whether ``peer`` runs the compute stage (False: it would not fit in memory)."""
        peers = self.compute_peers_quick if (quick and self.compute_peers_quick is not None) else self.compute_peers
        return peers is None or peer in peers

    def get_ops(self, quick: bool):
        return self.ops_quick if (quick and self.ops_quick is not None) else self.ops


def _error_name(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "RecursionError"
    if isinstance(exc, MemoryError):
        return "MemoryError"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:80] if str(exc) else ''}".rstrip(": ")


def _to_jsonable(value):
    try:
        import numpy as np

        if isinstance(value, np.ndarray):
            if value.size == 1:
                return float(value.reshape(-1)[0])
            return f"array{value.shape} sum={float(value.sum()):.6g}"
        if isinstance(value, np.generic):
            return value.item()
    except Exception:  # pragma: no cover
        pass
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return repr(value)[:100]


def run_graph_stage(peer: str, case: Case, params: dict, warm: dict | None) -> dict:
    da = import_array_module(peer)
    out: dict[str, Any] = {"peer": peer, "case": case.name, "stage": "graph"}
    if warm is not None:
        try:  # warm imports / lazily built tables on a tiny instance
            w = case.build(da, **warm)
            final_graph(peer, optimize(peer, w))
        except Exception:
            pass
        del warm
        gc.collect()

    stage = "build"
    try:
        t, c = timed(lambda: case.build(da, **params))
        out["build_s"] = t
        stage = "optimize"
        t, o = timed(lambda: optimize(peer, c))
        out["optimize_s"] = t
        stage = "graph"
        t, g = timed(lambda: final_graph(peer, o))
        out["graph_s"] = out["optimize_s"] + t
        out["lower_s"] = t
        out["tasks"] = len(g)
        stage = "task_count"
        out["graph_mb"] = peak_rss_mb()
        tc = task_count_method(peer, o)
        if tc is not None:
            out["task_count_method"] = tc
    except BaseException as exc:  # RecursionError, MemoryError, bugs
        if isinstance(exc, KeyboardInterrupt):
            raise
        out["error"] = _error_name(exc)
        out["error_stage"] = stage
        out["traceback"] = traceback.format_exc()[-3000:]
    return out


def run_compute_stage(peer: str, case: Case, params: dict, warm: dict | None, check: bool) -> dict:
    da = import_array_module(peer)
    out: dict[str, Any] = {"peer": peer, "case": case.name, "stage": "compute"}
    if warm is not None:
        try:
            case.build(da, **warm).compute()
        except Exception:
            pass
        gc.collect()
    stage = "build"
    try:
        c = case.build(da, **params)
        stage = "compute"
        t, result = timed(lambda: c.compute())
        out["compute_s"] = t
        out["compute_mb"] = peak_rss_mb()
        out["result"] = _to_jsonable(result)
        stage = "check"
        if check:
            ok = None
            if case.check is not None:
                ok = bool(case.check(result, params))
            if case.check_many is not None and case.check_build is not None:
                import dask

                cols = case.check_build(da, **params)
                res = dask.compute(*cols)
                ok = bool(case.check_many(res, params)) and (ok is not False)
            out["check"] = ok
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        out["error"] = _error_name(exc)
        out["error_stage"] = stage
        out["traceback"] = traceback.format_exc()[-3000:]
    return out


# ---------------------------------------------------------------------------
# subprocess orchestration


def run_subprocess(script: str, args: list[str], timeout: float) -> dict:
    """Run ``python script args...``; return the dict of the last
    ``BENCH_JSON`` line of its stdout, or ``{"error": ...}``."""
    cmd = [sys.executable, script, *args]
    env = dict(os.environ)
    here = os.path.dirname(os.path.abspath(script))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [here, os.path.dirname(here), env.get("PYTHONPATH")]))
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": "timeout", "wall_s": time.perf_counter() - t0, "timeout_s": timeout}
    wall = time.perf_counter() - t0
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(JSON_MARKER):
            data = json.loads(line[len(JSON_MARKER):])
            data["wall_s"] = wall
            return data
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [""]
    err = "crashed" if proc.returncode < 0 else f"exit {proc.returncode}"
    return {"error": f"{err}: {tail[0][:80]}", "wall_s": wall, "stderr": proc.stderr[-3000:]}


def collect(script: str, case: Case, peer: str, quick: bool, repeat: int, slow_s: float,
            no_compute: bool, verbose: bool) -> dict:
    """Run the graph and compute stages of ``case`` for ``peer``, ``repeat``
    times each (once if a single run already takes more than ``slow_s``),
    and return the summary row."""
    base = ["--peer", peer, "--case", case.name, "--json"] + (["--quick"] if quick else [])
    row: dict[str, Any] = {"peer": peer, "case": case.name}
    graph_runs = []
    for i in range(repeat):
        r = run_subprocess(script, base + ["--stage", "graph"], case.timeout)
        if verbose:
            print(f"  [{case.name} {peer} graph #{i + 1}] {_brief(r)}", file=sys.stderr, flush=True)
        if "error" in r:
            row["error"] = r["error"]
            for k in ("error_stage", "build_s", "optimize_s"):
                if k in r:
                    row["error_" + k] = r[k]
            if r.get("traceback") and verbose:
                print(r["traceback"], file=sys.stderr)
            break
        graph_runs.append(r)
        if r.get("graph_s", 0) + r.get("build_s", 0) > slow_s:
            break
    row["runs"] = len(graph_runs)
    for k in ("build_s", "optimize_s", "lower_s", "graph_s", "graph_mb"):
        row[k] = median([r.get(k) for r in graph_runs])
    if graph_runs:
        row["tasks"] = graph_runs[-1].get("tasks")
        tcm = graph_runs[-1].get("task_count_method")
        if tcm is not None and tcm != row["tasks"]:
            row["task_count_mismatch"] = tcm

    if no_compute or not case.compute:
        row["compute"] = "n/a"
    elif "error" in row:
        row["compute"] = "-"
    elif not case.computes(peer, quick):
        row["compute"] = "skipped (memory)"
    elif (row.get("tasks") or 0) > case.max_compute_tasks or (row.get("graph_s") or 0) > case.max_compute_graph_s:
        row["compute"] = "skipped"
    else:
        comp_runs = []
        for i in range(repeat):
            args = base + ["--stage", "compute"] + (["--check"] if i == 0 else [])
            r = run_subprocess(script, args, case.compute_timeout)
            if verbose:
                print(f"  [{case.name} {peer} compute #{i + 1}] {_brief(r)}", file=sys.stderr, flush=True)
            if "error" in r:
                row["compute"] = r["error"]
                if r.get("traceback") and verbose:
                    print(r["traceback"], file=sys.stderr)
                break
            comp_runs.append(r)
            if i == 0:
                row["check"] = r.get("check")
                row["result"] = r.get("result")
            if r.get("compute_s", 0) > slow_s:
                break
        if comp_runs:
            row["compute_s"] = median([r.get("compute_s") for r in comp_runs])
            row["compute_mb"] = median([r.get("compute_mb") for r in comp_runs])
            row["compute_runs"] = len(comp_runs)
    return row


def _brief(r: dict) -> str:
    if "error" in r:
        return f"error: {r['error']}"
    keys = ("build_s", "optimize_s", "graph_s", "tasks", "graph_mb", "compute_s", "compute_mb", "result", "check")
    return " ".join(f"{k}={_fmt(r[k])}" for k in keys if k in r)


# ---------------------------------------------------------------------------
# table


def _fmt(v, digits: int = 3) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "ok" if v else "MISMATCH"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if v == 0:
            return "0"
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        if abs(v) >= 1:
            return f"{v:.{digits}g}" if abs(v) < 100 else f"{v:.1f}"
        return f"{v:.{digits}g}"
    return str(v)


def _fmt_mb(v) -> str:
    return "-" if not isinstance(v, (int, float)) else f"{v:,.0f}"


def _ratio(a, b) -> str:
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or b == 0:
        return "-"
    r = a / b
    return f"{r:.3g}"


def markdown_table(rows: list[dict], ops: dict | None = None) -> str:
    """Render summary rows as a markdown table.  Ratios are hlq/peer: for
    times, < 1 means hlq is faster; for tasks, < 1 means hlq's graph is
    smaller.  ``ops`` maps case name -> number of operations (adds a
    ``µs/op`` column)."""
    ops = ops or {}
    with_ops = any(ops.get(r["case"]) for r in rows)
    head = ["case", "peer", "runs", "build s", "optimize s", "graph s", "tasks", "µs/task"]
    if with_ops:
        head.append("µs/op")
    head += ["graph MB", "compute s", "compute MB", "result", "check",
             "graph hlq/peer", "tasks hlq/peer", "compute hlq/peer"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    ref = {r["case"]: r for r in rows if r["peer"] == "hlq"}
    for r in rows:
        err = r.get("error")
        h = ref.get(r["case"], {})
        tasks = r.get("tasks")
        gs = r.get("graph_s")
        per_task = (gs / tasks * 1e6) if isinstance(gs, (int, float)) and tasks else None
        cells = [r["case"], r["peer"], _fmt(r.get("runs"))]
        if err:
            if r.get("error_error_stage"):
                err = f"{err} in {r['error_error_stage']}"
            b, o = r.get("error_build_s"), r.get("error_optimize_s")
            if b is None:
                cells += [err, "", "", "", ""]
            elif o is None:
                cells += [_fmt(b), err, "", "", ""]
            else:
                cells += [_fmt(b), _fmt(o), err, "", ""]
        else:
            tasks_cell = _fmt(tasks)
            if "task_count_mismatch" in r:
                tasks_cell += f" (task_count() says {r['task_count_mismatch']:,})"
            cells += [_fmt(r.get("build_s")), _fmt(r.get("optimize_s")), _fmt(gs), tasks_cell,
                      _fmt(per_task)]
        if with_ops:
            n = ops.get(r["case"])
            cells.append(_fmt(gs / n * 1e6) if (n and isinstance(gs, (int, float)) and not err) else "-")
        cells.append(_fmt_mb(r.get("graph_mb")) if not err else "-")
        comp = r.get("compute_s")
        cells.append(_fmt(comp) if comp is not None else str(r.get("compute", "-")))
        cells.append(_fmt_mb(r.get("compute_mb")) if comp is not None else "-")
        cells.append(_fmt(r.get("result")) if "result" in r else "-")
        chk = r.get("check")
        cells.append("-" if chk is None else ("ok" if chk else "MISMATCH"))
        if r["peer"] == "hlq" or err or h.get("error"):
            cells += ["-", "-", "-"]
        else:
            cells += [_ratio(h.get("graph_s"), gs), _ratio(h.get("tasks"), tasks),
                      _ratio(h.get("compute_s"), comp)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# entry point


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--peer", default="all", choices=("all",) + PEERS,
                        help="which library to run (default: all that are importable)")
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement, median reported (>= 3)")
    parser.add_argument("--slow", type=float, default=20.0,
                        help="a single run longer than this many seconds is not repeated (default 20)")
    parser.add_argument("--no-compute", action="store_true", help="skip the compute stage")
    parser.add_argument("--case", default=None, help="only this case (comma-separated names)")
    parser.add_argument("--json", action="store_true", help="worker mode: run one stage in-process, print JSON")
    parser.add_argument("--stage", default="graph", choices=("graph", "compute"), help="worker mode: stage")
    parser.add_argument("--check", action="store_true", help="worker mode: check the computed result")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every subprocess result to stderr")


def main(script: str, title: str, cases: list[Case], argv=None, epilog: Callable[[argparse.Namespace, list[dict]], None] | None = None,
         extra_args: Callable[[argparse.ArgumentParser], None] | None = None,
         worker_hook: Callable[[argparse.Namespace], bool] | None = None) -> int:
    parser = argparse.ArgumentParser(description=title)
    add_common_args(parser)
    if extra_args is not None:
        extra_args(parser)
    args = parser.parse_args(argv)
    by_name = {c.name: c for c in cases}

    if worker_hook is not None and worker_hook(args):
        return 0

    if args.json:  # worker mode
        if args.peer == "all" or args.case is None or args.case not in by_name:
            parser.error("--json needs --peer PEER and --case NAME")
        case = by_name[args.case]
        params = case.get_params(args.quick, args.stage)
        warm = case.warm
        if args.stage == "graph":
            out = run_graph_stage(args.peer, case, params, warm)
        else:
            out = run_compute_stage(args.peer, case, params, warm, args.check)
        out["params"] = params
        print(JSON_MARKER + json.dumps(out, default=repr), flush=True)
        return 0

    # orchestrator mode
    selected = cases if args.case is None else [by_name[n] for n in args.case.split(",")]
    repeat = max(3, args.repeat)
    print(f"# {title}", flush=True)
    print(f"python {sys.version.split()[0]}; {'quick' if args.quick else 'full'} sizes; "
          f"median of {repeat} runs (1 run when a run exceeds {args.slow:g} s); one subprocess per run",
          flush=True)
    rows = []
    t_all = time.perf_counter()
    for case in selected:
        params = case.get_params(args.quick)
        print(f"\n## {case.name}: {case.title} {params}", flush=True)
        cparams = case.get_params(args.quick, "compute")
        if case.compute and cparams != params:
            print(f"(compute stage uses {cparams})", flush=True)
        for peer in case.get_peers(args.quick):
            if args.peer != "all" and peer != args.peer:
                continue
            if not peer_available(peer):
                rows.append({"peer": peer, "case": case.name, "error": "not installed"})
                continue
            t0 = time.perf_counter()
            row = collect(script, case, peer, args.quick, repeat, args.slow, args.no_compute, args.verbose)
            print(f"  {peer}: {_brief(row)} ({time.perf_counter() - t0:.1f} s)", flush=True)
            rows.append(row)
    print()
    ops = {c.name: c.get_ops(args.quick) for c in selected}
    print(markdown_table(rows, ops))
    if epilog is not None:
        epilog(args, rows)
    print(f"\ntotal wall time {time.perf_counter() - t_all:.1f} s")
    return 0
