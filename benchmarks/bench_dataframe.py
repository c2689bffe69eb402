"""Dataframe scenarios D1-D6 of docs/scenarios.md: hlq.dataframe vs dask.dataframe (and polars lazy).

    python benchmarks/bench_dataframe.py                     # all peers, full sizes, medians of 3
    python benchmarks/bench_dataframe.py --quick --peer hlq  # small sizes, hlq only (smoke test)
    python benchmarks/bench_dataframe.py --only D3,D4        # some scenarios only

Every (case, peer, repetition) runs in its own subprocess (``--json`` worker
mode) so that no peer sees another's caches or config.  Columns: build,
optimize (hlq: ``hlq.optimize``; dask: ``.optimize()``; polars: ``explain()``),
graph (optimize + final low-level graph; polars: n/a), tasks in the final
graph, compute wall time, and a result check against pandas.  The ratio
column is peer/hlq of the optimize time.

Data (written once into ``--data``, default a temp dir): D1/D2 read a parquet
dataset of ``k`` (int in [0, 1000)), ``x``, ``c0..c17`` floats in 40 files
(2M rows; quick: 40k rows in 8 files).  D3 groups that dataset by ``k``.
D4 joins a left dataset of ``key`` (int in [0, 10000)), ``v0..v3`` (2M rows
in 20 files; quick: 40k in 8) with a right one of ``key``, ``r0``, ``r1``
(10k rows, one file).  D5 uses a 500-column frame from pandas (quick: 60
columns), D6 the parquet dataset.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
MARK = "BENCH_JSON "
PEERS = ("hlq", "dask", "polars")


def write_data(path, rows, files):
    import numpy as np
    import pandas as pd

    done = os.path.join(path, f"_done_{rows}_{files}")
    if os.path.exists(done):
        return
    rng = np.random.default_rng(0)
    per = rows // files
    for i in range(files):
        df = pd.DataFrame({"k": rng.integers(0, 1000, per), "x": rng.random(per),
                           **{f"c{j}": rng.random(per) for j in range(18)}})
        df.to_parquet(os.path.join(path, f"part.{i:03d}.parquet"), index=False, row_group_size=max(1, per // 4))
    open(done, "w").close()


def d4_paths(data):
    """D4's datasets live next to ``data`` (inside it they would join the D1 dataset)."""
    base = os.path.normpath(data) + "-d4"
    return os.path.join(base, "left"), os.path.join(base, "right")


def write_d4(data, rows, files):
    """D4's datasets: left ``rows`` x 5 (``key`` in [0, 10000)) in ``files`` files, right 10k x 3."""
    import numpy as np
    import pandas as pd

    lpath, rpath = d4_paths(data)
    done = os.path.join(os.path.dirname(lpath), f"_done_d4_{rows}_{files}")
    if os.path.exists(done):
        return
    os.makedirs(lpath, exist_ok=True)
    os.makedirs(rpath, exist_ok=True)
    rng = np.random.default_rng(1)
    per = rows // files
    for i in range(files):
        pd.DataFrame({"key": rng.integers(0, 10_000, per), **{f"v{j}": rng.random(per) for j in range(4)}}
                     ).to_parquet(os.path.join(lpath, f"part.{i:03d}.parquet"), index=False)
    pd.DataFrame({"key": np.arange(10_000), "r0": rng.random(10_000), "r1": rng.random(10_000)}
                 ).to_parquet(os.path.join(rpath, "part.000.parquet"), index=False)
    open(done, "w").close()


def cases(quick):
    if quick:
        return [("D1", None), ("D2", None), ("D3", None), ("D4", None), ("D5", 20), ("D5", 50), ("D6", 50),
                ("D6", 300)]
    return [("D1", None), ("D2", None), ("D3", None), ("D4", None), ("D5", 50), ("D5", 100), ("D5", 200),
            ("D6", 50), ("D6", 100), ("D6", 300), ("D6", 2000)]


# --------------------------------------------------------------------- queries
def wide_pandas(quick):
    import numpy as np
    import pandas as pd

    ncols = 60 if quick else 500
    rng = np.random.default_rng(0)
    return pd.DataFrame(rng.random((2000, ncols)), columns=[f"c{i}" for i in range(ncols)])


def build(case, n, peer, data, quick):
    """Return (lazy query, pandas reference function)."""
    import pandas as pd

    if case == "D4":
        lpath, rpath = d4_paths(data)
        if peer == "polars":
            import polars as pl

            left = pl.scan_parquet(os.path.join(lpath, "*.parquet"))
            right = pl.scan_parquet(os.path.join(rpath, "*.parquet"))
            m = left.join(right, on="key")
            return m.filter(pl.col("r0") > 0.9).select(["v0", "r1"]).sum()
        if peer == "hlq":
            import hlq.dataframe as dd
        else:
            import dask.dataframe as dd
        left, right = dd.read_parquet(lpath), dd.read_parquet(rpath)
        m = left.merge(right, on="key")
        return m[m.r0 > 0.9][["v0", "r1"]].sum()
    if case in ("D1", "D2", "D3", "D6"):
        if peer == "hlq":
            import hlq.dataframe as dd

            df = dd.read_parquet(data)
        elif peer == "dask":
            import dask.dataframe as dd

            df = dd.read_parquet(data)
        else:
            import polars as pl

            df = pl.scan_parquet(os.path.join(data, "*.parquet"))
    if case == "D1":
        if peer == "polars":
            import polars as pl

            return df.filter(pl.col("c0") > 0.5).select(["c1", "c2"]).sum()
        return df[df.c0 > 0.5][["c1", "c2"]].sum()
    if case == "D2":
        if peer == "polars":
            return df.head(10)
        return df.head(10, compute=False)
    if case == "D3":
        if peer == "polars":
            import polars as pl

            return df.group_by("k").agg(pl.col("c1").mean(), pl.col("c2").sum()).sort("k")
        return df.groupby("k").agg({"c1": "mean", "c2": "sum"})
    if case == "D6":
        if peer == "polars":
            import polars as pl

            for i in range(n):
                df = df.filter(pl.col("x") > i / 1000)
            return df.select(pl.col("x").sum())
        for i in range(n):
            df = df[df.x > i / 1000]
        return df.x.sum()
    if case == "D5":
        pdf = wide_pandas(quick)
        last = min(n, pdf.shape[1] - 1)
        if peer == "polars":
            import polars as pl

            df = pl.from_pandas(pdf).lazy()
            for i in range(last):
                df = df.with_columns((pl.col(f"c{i}") * 2 + pl.col(f"c{i + 1}")).alias(f"d{i}"))
            return df.select(["c0", f"d{last // 2}", f"d{last - 1}"]).sum()
        if peer == "hlq":
            import hlq.dataframe as dd
        else:
            import dask.dataframe as dd
        df = dd.from_pandas(pdf, npartitions=10)
        for i in range(last):
            df = df.assign(**{f"d{i}": df[f"c{i}"] * 2 + df[f"c{i + 1}"]})
        return df[["c0", f"d{last // 2}", f"d{last - 1}"]].sum()
    raise ValueError(case)


def reference(case, n, data, quick):
    import pandas as pd

    if case == "D5":
        pdf = wide_pandas(quick)
        last = min(n, pdf.shape[1] - 1)
        out = {"c0": pdf["c0"].sum()}
        for i in (last // 2, last - 1):
            out[f"d{i}"] = (pdf[f"c{i}"] * 2 + pdf[f"c{i + 1}"]).sum()
        return pd.Series(out)
    if case == "D4":
        lpath, rpath = d4_paths(data)
        m = pd.read_parquet(lpath).merge(pd.read_parquet(rpath), on="key")
        return m[m.r0 > 0.9][["v0", "r1"]].sum()
    full = pd.read_parquet(data)
    if case == "D3":
        return full.groupby("k").agg({"c1": "mean", "c2": "sum"})
    if case == "D1":
        return full[full.c0 > 0.5][["c1", "c2"]].sum()
    if case == "D2":
        return full.head(10)
    if case == "D6":
        x = full.x
        return x[x > (n - 1) / 1000].sum()


def check(case, got, ref):
    import numpy as np
    import pandas as pd

    try:
        if hasattr(got, "to_pandas"):  # polars
            got = got.to_pandas()
            if case in ("D1", "D4", "D5", "D6"):
                got = got.iloc[0]
            elif case == "D3":
                got = got.set_index("k")
        if case == "D3":
            got = got.sort_index()
            return bool(got.index.equals(ref.index) and np.allclose(got[["c1", "c2"]].to_numpy(float),
                                                                    ref[["c1", "c2"]].to_numpy(float)))
        if case == "D2":
            return bool(np.allclose(np.asarray(got, dtype=float), ref.to_numpy(dtype=float)))
        if isinstance(ref, pd.Series):
            return bool(np.allclose(np.asarray(got, dtype=float), ref.to_numpy(dtype=float)))
        return bool(np.isclose(float(got), float(ref)))
    except Exception:
        return False


# ---------------------------------------------------------------------- worker
def run_one(case, n, peer, data, quick, do_compute):
    out = {}
    t0 = time.perf_counter()
    q = build(case, n, peer, data, quick)
    out["build"] = time.perf_counter() - t0
    if peer == "hlq":
        import hlq

        t0 = time.perf_counter()
        z = hlq.optimize(q)
        out["optimize"] = time.perf_counter() - t0
        g = z.__dask_graph__()
        out["graph"] = time.perf_counter() - t0
        out["tasks"] = len(g)
    elif peer == "dask":
        t0 = time.perf_counter()
        z = q.optimize()
        out["optimize"] = time.perf_counter() - t0
        g = dict(z.__dask_graph__())
        out["graph"] = time.perf_counter() - t0
        out["tasks"] = len(g)
    else:
        t0 = time.perf_counter()
        q.explain()
        out["optimize"] = time.perf_counter() - t0
    if do_compute:
        t0 = time.perf_counter()
        got = q.collect() if peer == "polars" else q.compute()
        out["compute"] = time.perf_counter() - t0
        out["ok"] = check(case, got, reference(case, n, data, quick))
    return out


def warm_up(peer):
    """Imports and first-use costs, on a tiny frame unrelated to the measured query."""
    import numpy as np
    import pandas as pd
    import pyarrow.parquet  # noqa: F401

    pdf = pd.DataFrame({"a": np.arange(8.0), "b": np.arange(8.0)})
    if peer == "polars":
        import polars as pl

        pl.from_pandas(pdf).lazy().filter(pl.col("a") > 1).select(pl.col("b").sum()).collect()
        return
    if peer == "hlq":
        import hlq
        import hlq.dataframe as dd
    else:
        import dask.dataframe as dd
    df = dd.from_pandas(pdf, npartitions=2)
    q = df[df.a > 1.5].assign(c=df.a * 2)[["c"]].sum()
    (hlq.optimize(q) if peer == "hlq" else q.optimize()).__dask_graph__()
    q.compute()
    df.head(2)


def worker(args):
    try:
        warm_up(args.peer[0])
        sys.setrecursionlimit(sys.getrecursionlimit())  # never raised: errors are results
        res = run_one(args.case, args.n, args.peer[0], args.data, args.quick, not args.no_compute)
    except Exception as e:  # reported in the table
        res = {"error": f"{type(e).__name__}: {str(e)[:60]}"}
    print(MARK + json.dumps(res), flush=True)


# ------------------------------------------------------------------ orchestrator
def available(peer):
    if peer == "polars":
        import importlib.util

        return importlib.util.find_spec("polars") is not None
    return True


def fmt(v, digits=4):
    return "-" if v is None else f"{v:.{digits}f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--peer", action="append", choices=PEERS)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--data", default=None)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--only", default=None, help="comma-separated scenarios to run, e.g. D3,D4")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--no-compute", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.json:
        return worker(args)
    peers = args.peer or list(PEERS)
    rows, files = (40_000, 8) if args.quick else (2_000_000, 40)
    data = args.data or os.path.join(tempfile.gettempdir(), f"hlq-bench-d-{rows}-{files}")
    os.makedirs(data, exist_ok=True)
    write_data(data, rows, files)
    write_d4(data, rows, 8 if args.quick else 20)
    print(f"data: {data} ({rows} rows, {files} files); medians of {args.reps} runs, one subprocess each\n")
    print("| case | peer | build s | optimize s | graph s | tasks | compute s | check | optimize peer/hlq |")
    print("|---|---|---|---|---|---|---|---|---|")
    only = None if args.only is None else set(args.only.split(","))
    for case, n in cases(args.quick):
        if only is not None and case not in only:
            continue
        label = case if n is None else f"{case} n={n}"
        hlq_opt = None
        for peer in peers:
            if not available(peer):
                print(f"| {label} | {peer} | not installed | | | | | | |")
                continue
            # D6 at 2000 filters: graph only (dask raises anyway)
            no_compute = case == "D6" and n == 2000
            results = []
            for _ in range(args.reps):
                cmd = [sys.executable, os.path.abspath(__file__), "--json", "--case", case, "--n", str(n or 0),
                       "--peer", peer, "--data", data] + (["--quick"] if args.quick else []) + (
                    ["--no-compute"] if no_compute else [])
                try:
                    p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout,
                                       env={**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")})
                    line = next((ln for ln in p.stdout.splitlines() if ln.startswith(MARK)), None)
                    res = json.loads(line[len(MARK):]) if line else {"error": f"exit {p.returncode}: {p.stderr[-80:]!r}"}
                except subprocess.TimeoutExpired:
                    res = {"error": f"timeout > {args.timeout:.0f} s"}
                results.append(res)
                if "error" in res:
                    break
            err = next((r["error"] for r in results if "error" in r), None)
            if err:
                print(f"| {label} | {peer} | {err.replace('|', '/')} | | | | | | |")
                continue

            def med(k):
                vals = [r[k] for r in results if r.get(k) is not None]
                return statistics.median(vals) if vals else None

            opt = med("optimize")
            if peer == "hlq":
                hlq_opt = opt
            tasks = med("tasks")
            ok = all(r.get("ok", True) for r in results)
            ratio = "-" if (hlq_opt is None or opt is None or peer == "hlq") else f"{opt / hlq_opt:.1f}x"
            print(f"| {label} | {peer} | {fmt(med('build'))} | {fmt(opt)} | {fmt(med('graph'))} | "
                  f"{'-' if tasks is None else int(tasks)} | {fmt(med('compute'))} | "
                  f"{'ok' if ok else 'MISMATCH'} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
