"""Smoke test of benchmarks/bench_notebook_paths.py: one quick run of every case on hlq."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "benchmarks", "bench_notebook_paths.py")
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import bench_notebook_paths as bench  # noqa: E402


@pytest.mark.slow
def test_quick_run_on_hlq():
    proc = subprocess.run([sys.executable, SCRIPT, "--quick", "--reps", "1", "--peer", "hlq"],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [r.split("|")[1].strip() for r in rows] == list(bench.CASES)
    for r in rows:
        assert "error" not in r, r
        float(r.split("|")[2])
