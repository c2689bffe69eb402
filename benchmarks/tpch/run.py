"""TPC-H on hlq.dataframe vs dask.dataframe (and duckdb): one table row per query.

    python benchmarks/tpch/run.py --quick                 # SF 0.1, all 22 queries, medians of 3
    python benchmarks/tpch/run.py --sf 1                  # SF 1 (generates the data once)
    python benchmarks/tpch/run.py --sf 1 --queries 4,21 --peers hlq,dask

The same query code (``queries.py``) runs with ``import hlq.dataframe as dd``
and ``import dask.dataframe as dd``; duckdb runs the SQL text of the queries
(``reference.py``) over the same parquet files and gives the reference answer
every dataframe result is checked against (``ok``).

Every (query, peer) runs in its own subprocess: a cold ``optimize`` (hlq:
``hlq.optimize``; dask: ``.optimize()``), the number of tasks of the final
graph, then ``--reps`` times (default 3) build + compute of a freshly built
query on dask's default (threaded) scheduler; ``wall`` is the median of those
end-to-end times and ``RSS`` the peak resident memory of the subprocess.
Ratios are hlq's wall over the peer's (< 1: hlq faster); the last lines give
their geometric means.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
for p in (HERE, ROOT):
    if p not in sys.path:
        sys.path.insert(0, p)
MARK = "TPCH_JSON "
PEERS = ("hlq", "dask", "duckdb")


def peak_rss_mb():
    """Peak resident memory of this process in MB (VmHWM: unlike ru_maxrss it does not carry the
    parent's peak over fork + exec)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(args):
    """Run one query on one peer in this process; print one JSON line."""
    out = {}
    try:
        # dask's optimize imports distributed inside a dask.config.set block, which then drops
        # distributed's config defaults on exit; importing it first keeps them
        import distributed  # noqa: F401

        if args.peer == "duckdb":
            import reference

            con = reference.connect(args.data)
            con.execute(f"set threads to {os.cpu_count() or 2}")
            times = []
            for _ in range(args.reps):
                t0 = time.perf_counter()
                got = reference.answer(con, args.q, args.sf)
                times.append(time.perf_counter() - t0)
        else:
            import queries

            if args.peer == "hlq":
                import hlq
                import hlq.dataframe as dd

                optimize = hlq.optimize
            else:
                import dask.dataframe as dd

                def optimize(q):
                    return q.optimize()
            fn = queries.QUERIES[args.q]
            t0 = time.perf_counter()
            z = optimize(fn(dd, args.data, args.sf))
            out["optimize"] = time.perf_counter() - t0
            out["tasks"] = len(dict(z.__dask_graph__()))
            del z
            times = []
            for _ in range(args.reps):
                t0 = time.perf_counter()
                got = fn(dd, args.data, args.sf).compute()
                times.append(time.perf_counter() - t0)
        out["wall"] = statistics.median(times)
        out["times"] = times
        out["rss"] = peak_rss_mb()
        with open(args.result, "wb") as f:
            pickle.dump(got, f)
    except Exception as e:  # reported in the table
        import traceback

        traceback.print_exc()
        out["error"] = f"{type(e).__name__}: {str(e)[:120]}"
    print(MARK + json.dumps(out), flush=True)


def run_child(q, peer, args, result_path):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--peer", peer, "--q", str(q),
           "--sf", str(args.sf), "--data", args.data, "--reps", str(args.reps), "--result", result_path]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")]))
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout > {args.timeout:.0f} s"}
    for line in p.stdout.splitlines():
        if line.startswith(MARK):
            return json.loads(line[len(MARK):])
    return {"error": f"exit {p.returncode}: {p.stderr.strip().splitlines()[-1:] or ''}"}


def fmt(v, spec=".2f"):
    return "-" if v is None else format(v, spec)


def geomean(xs):
    xs = [x for x in xs if x]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sf", type=float, default=None, help="scale factor (default 1)")
    ap.add_argument("--quick", action="store_true", help="scale factor 0.1")
    ap.add_argument("--queries", default=None, help="comma-separated query numbers (default all 22)")
    ap.add_argument("--peers", default=",".join(PEERS), help="comma-separated, of " + ",".join(PEERS))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--data", default=None, help="data directory (default $TMPDIR/hlq-tpch/sf<sf>)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per (query, peer) subprocess")
    ap.add_argument("--markdown", default=None, help="also write the table to this file")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--peer", help=argparse.SUPPRESS)
    ap.add_argument("--q", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.sf is None:
        args.sf = 0.1 if args.quick else 1.0
    import generate

    if args.data is None:
        args.data = generate.default_path(args.sf)
    if args.worker:
        return worker(args)
    generate.generate(args.sf, args.data)
    import reference

    qs = [int(x) for x in args.queries.split(",")] if args.queries else list(range(1, 23))
    peers = args.peers.split(",")
    con = reference.connect(args.data)
    header = ("| Q | hlq optimize s | hlq wall s | hlq tasks | hlq RSS MB | dask wall s | dask tasks | dask RSS MB "
              "| duckdb wall s | hlq/dask | hlq/duckdb | ok |")
    lines = [f"TPC-H SF {args.sf:g}, {os.cpu_count()} cores, medians of {args.reps}", "", header,
             "|" + "---|" * (header.count("|") - 1)]
    print("\n".join(lines), flush=True)
    r_dask, r_duck = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for q in qs:
            res = {}
            for peer in peers:
                path = os.path.join(tmp, f"{peer}-{q}.pkl")
                res[peer] = run_child(q, peer, args, path)
                if "error" not in res[peer]:
                    with open(path, "rb") as f:
                        res[peer]["result"] = pickle.load(f)
            expected = reference.answer(con, q, args.sf)
            oks = []
            for peer in ("hlq", "dask"):
                if peer in res:
                    r = res[peer]
                    if "error" in r:
                        oks.append(f"{peer}: {r['error']}")
                    else:
                        d = reference.compare(r["result"], expected)
                        if d is not None:
                            oks.append(f"{peer} WRONG: {d}")
            h, d, k = res.get("hlq", {}), res.get("dask", {}), res.get("duckdb", {})
            rd = h["wall"] / d["wall"] if "wall" in h and "wall" in d else None
            rk = h["wall"] / k["wall"] if "wall" in h and "wall" in k else None
            if rd:
                r_dask.append(rd)
            if rk:
                r_duck.append(rk)
            line = (f"| {q} | {fmt(h.get('optimize'), '.3f')} | {fmt(h.get('wall'))} | {fmt(h.get('tasks'), 'd')} "
                    f"| {fmt(h.get('rss'), '.0f')} | {fmt(d.get('wall'))} | {fmt(d.get('tasks'), 'd')} "
                    f"| {fmt(d.get('rss'), '.0f')} | {fmt(k.get('wall'), '.3f')} | {fmt(rd)} | {fmt(rk)} "
                    f"| {'; '.join(oks) or 'yes'} |")
            lines.append(line)
            print(line, flush=True)
    tail = [
        "",
        f"geometric mean hlq/dask: {fmt(geomean(r_dask), '.3f')} (over {len(r_dask)} queries), "
        f"max {fmt(max(r_dask) if r_dask else None)}",
        f"geometric mean hlq/duckdb: {fmt(geomean(r_duck), '.3f')} (over {len(r_duck)} queries)",
    ]
    print("\n".join(tail))
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("\n".join(lines + tail) + "\n")


if __name__ == "__main__":
    main()
