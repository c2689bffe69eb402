"""xarray on zarr: hlq chunk manager vs dask, same workloads, zarr chunk reads and wall time.

Writes a synthetic climate store (tas/pr/psl on time/lat/lon, compressed
chunks), then for each workload and peer runs, in a fresh subprocess per
repetition: open the store (``chunked_array_type="hlq"`` or the dask
default), build the xarray pipeline, compute it.  Reports the median wall
time, the number of zarr chunk reads (a counting store wrapper) and the
number of tasks in the final graph (hlq: ``task_count()``; dask: the graph
after ``dask.optimize``, i.e. culled and fused).

    python benchmarks/bench_xarray.py            # full size, 3 repetitions
    python benchmarks/bench_xarray.py --quick    # small store, 1 repetition
    python benchmarks/bench_xarray.py --peer hlq
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.append(REPO_ROOT)

PEERS = ("hlq", "dask")
SIZES = {"quick": dict(years=4, nlat=40, nlon=80, chunks=(12, 10, 10)),
         "full": dict(years=20, nlat=180, nlon=360, chunks=(12, 30, 30))}

WORKLOADS = {
    "subset-after-arith": lambda ds: ((ds.tas * 2 + ds.pr) - 273.15).isel(time=slice(0, 5), lat=3, lon=slice(0, 5)),
    "anomaly-box": lambda ds: (ds.tas.groupby("time.month") - ds.tas.groupby("time.month").mean("time")).isel(
        lat=slice(ds.sizes["lat"] // 2, ds.sizes["lat"] // 2 + 5), lon=slice(10, 20),
        time=slice(-24, None)),
    "time-mean-point": lambda ds: ds.tas.mean("time").isel(lat=7, lon=slice(3, 9)),
    "time-mean": lambda ds: ds.mean("time"),
    "psl-minus-mean-subset": lambda ds: (ds.psl - ds.psl.mean(("lat", "lon"))).isel(time=slice(0, 12), lat=0),
    # one block per variable (many zarr chunks each): only hlq pushes the slice into the read region
    "subset-one-block": lambda ds: (ds.tas * 2 + 1).isel(time=slice(0, 5), lat=3, lon=slice(0, 5)),
}
OPEN_CHUNKS = {"subset-one-block": {"time": -1, "lat": -1, "lon": -1}}


def write_store(path, years, nlat, nlon, chunks):
    import numpy as np
    import pandas as pd
    import xarray as xr

    rng = np.random.default_rng(0)
    nt = 12 * years
    shape = (nt, nlat, nlon)
    ds = xr.Dataset(
        {
            "tas": (("time", "lat", "lon"), 280 + rng.normal(0, 5, shape)),
            "pr": (("time", "lat", "lon"), rng.gamma(2.0, 1.5, shape).astype("float32")),
            "psl": (("time", "lat", "lon"), 101325 + rng.normal(0, 300, shape)),
        },
        coords={"time": pd.date_range("2000-01-01", periods=nt, freq="MS"),
                "lat": np.linspace(-89.5, 89.5, nlat), "lon": np.linspace(0, 360, nlon, endpoint=False)},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds.chunk(dict(zip(("time", "lat", "lon"), chunks))).to_zarr(path, mode="w", consolidated=False)


def _counting_store(path):
    import zarr

    class CountingStore(zarr.storage.LocalStore):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            self.reads = collections.Counter()

        async def get(self, key, *a, **k):
            if "/c/" in key and key.split("/")[0] in ("tas", "pr", "psl"):
                self.reads[key] += 1
            return await super().get(key, *a, **k)

        def with_read_only(self, read_only=False):
            s = super().with_read_only(read_only)
            s.reads = self.reads
            return s

    return CountingStore(path, read_only=True)


def worker(path, peer, workload):
    warnings.simplefilter("ignore")
    import dask
    import xarray as xr

    if peer == "hlq":
        import hlq  # noqa: F401  (warm imports outside the timing, like dask's)
        import hlq.array  # noqa: F401
    import dask.array  # noqa: F401
    store = _counting_store(path)
    t0 = time.perf_counter()
    kw = {"chunked_array_type": "hlq"} if peer == "hlq" else {}
    ds = xr.open_zarr(store, chunks=OPEN_CHUNKS.get(workload, {}), consolidated=False, **kw)
    out = WORKLOADS[workload](ds)
    t_build = time.perf_counter() - t0
    res = out.compute()
    wall = time.perf_counter() - t0
    arrays = [v.data for v in (out.data_vars.values() if hasattr(out, "data_vars") else [out])]
    if peer == "hlq":
        tasks = sum(a.task_count() for a in arrays)
        kind = type(arrays[0]).__module__
    else:
        tasks = sum(len(dict(a.__dask_graph__())) for a in dask.optimize(*arrays))
        kind = type(arrays[0]).__module__
    checksum = float(sum(float(abs(v).sum()) for v in (res.data_vars.values() if hasattr(res, "data_vars") else [res])))
    return {"wall": wall, "build": t_build, "reads": sum(store.reads.values()), "tasks": tasks,
            "checksum": checksum, "array_type": kind}


def run_child(path, peer, workload):
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", path, peer, workload],
                          capture_output=True, text=True, timeout=600, cwd=REPO_ROOT)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line[len("BENCH_JSON "):])
    return {"error": (proc.stderr or proc.stdout)[-500:]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small store, one repetition")
    ap.add_argument("--peer", choices=PEERS, action="append", help="peers to run (default: all)")
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--workload", choices=list(WORKLOADS), action="append")
    ap.add_argument("--worker", nargs=3, metavar=("PATH", "PEER", "WORKLOAD"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        path, peer, workload = args.worker
        print("BENCH_JSON " + json.dumps(worker(path, peer, workload)), flush=True)
        return 0
    size = SIZES["quick" if args.quick else "full"]
    repeat = args.repeat or (1 if args.quick else 3)
    peers = args.peer or list(PEERS)
    workloads = args.workload or list(WORKLOADS)
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "climate.zarr")
        write_store(path, **size)
        nchunks = 1
        for n, c in zip((12 * size["years"], size["nlat"], size["nlon"]), size["chunks"]):
            nchunks *= -(-n // c)
        print(f"store: {size}, {nchunks} chunks per variable, 3 variables; {repeat} repetition(s)\n")
        print("| case | peer | zarr chunk reads | tasks | wall s (median) | build s | hlq/dask wall | status |")
        print("|---|---|---:|---:|---:|---:|---:|---|")
        for wl in workloads:
            results = {}
            for peer in peers:
                runs = [run_child(path, peer, wl) for _ in range(repeat)]
                errs = [r for r in runs if "error" in r]
                if errs:
                    results[peer] = {"error": errs[0]["error"]}
                    continue
                results[peer] = {
                    "wall": statistics.median(r["wall"] for r in runs),
                    "build": statistics.median(r["build"] for r in runs),
                    "reads": runs[0]["reads"], "tasks": runs[0]["tasks"], "checksum": runs[0]["checksum"],
                }
            ref = results.get("dask", {}).get("checksum")
            for peer in peers:
                r = results[peer]
                if "error" in r:
                    failed = True
                    print(f"| {wl} | {peer} | | | | | | error: {r['error'][-200:].replace('|', '/')!r} |")
                    continue
                status = "ok"
                if ref is not None and abs(r["checksum"] - ref) > 1e-6 * max(1.0, abs(ref)):
                    status, failed = "MISMATCH", True
                ratio = ""
                if peer == "hlq" and "wall" in results.get("dask", {}):
                    ratio = f"{r['wall'] / results['dask']['wall']:.2f}"
                print(f"| {wl} | {peer} | {r['reads']} | {r['tasks']} | {r['wall']:.3f} | {r['build']:.3f} | "
                      f"{ratio} | {status} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
