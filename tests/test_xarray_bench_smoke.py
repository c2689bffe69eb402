"""Smoke test of benchmarks/bench_xarray.py: quick mode, both peers, one workload, table without errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("xarray")
pytest.importorskip("zarr")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_bench_xarray_quick():
    proc = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "bench_xarray.py"), "--quick",
         "--workload", "subset-after-arith"],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = [line.split("|")[1:-1] for line in proc.stdout.splitlines() if line.startswith("| subset")]
    rows = {r[1].strip(): [c.strip() for c in r] for r in rows}
    assert set(rows) == {"hlq", "dask"}
    assert all(r[-1] == "ok" for r in rows.values())
    # the subset reads exactly the two chunks under it (one of tas, one of pr)
    assert rows["hlq"][2] == "2"
    assert int(rows["hlq"][3]) <= int(rows["dask"][3])
