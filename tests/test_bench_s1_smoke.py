"""The S1 shipping benchmark runs (hlq only, smallest size) and reports a compact message."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.slow  # ~2 min on a loaded 2-core machine; the README/CI command still runs it
def test_s1_shipping_quick_hlq():
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "bench_s1_shipping.py"), "--quick", "--peer", "hlq"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    rows = [ln for ln in out.stdout.splitlines() if ln.startswith("| 10000 | hlq")]
    assert rows, out.stdout
    cells = [c.strip() for c in rows[0].strip("|").split("|")]
    assert float(cells[2]) < 100  # message KB
    assert cells[9] == "True"


def test_a3_end_to_end_quick_hlq():
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", "bench_a3_end_to_end.py"), "--quick", "--peer", "hlq",
         "--runs", "1"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    row = [ln for ln in out.stdout.splitlines() if ln.startswith("| hlq |")]
    assert row and "| True |" in row[0], out.stdout
