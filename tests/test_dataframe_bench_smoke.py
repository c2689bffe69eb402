"""Smoke test of benchmarks/bench_dataframe.py: --quick --peer hlq exits 0 with a correct table."""

from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_bench_dataframe_quick_hlq(tmp_path):
    proc = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "bench_dataframe.py"), "--quick", "--peer", "hlq",
         "--reps", "1", "--data", str(tmp_path)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("| D")]
    assert len(lines) == 8, proc.stdout  # D1 D2 D3 D4 D5x2 D6x2
    for ln in lines:
        cells = [c.strip() for c in ln.strip().strip("|").split("|")]
        assert cells[1] == "hlq", ln
        assert cells[5].isdigit(), ln  # tasks: a number, not an error
        assert cells[7] == "ok", ln
