"""Smoke test of the benchmark scripts: each runs in --quick mode for hlq only,
exits 0 and prints a markdown table whose hlq rows show no error and no
result mismatch."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "benchmarks")

SCRIPTS = [
    "bench_a1_slice.py",
    "bench_a2_deep_chain.py",
    "bench_a3_lowering.py",
    "bench_a4_rechunk_slice.py",
    "bench_a5_anomaly.py",
    "bench_a6_matmul_slice.py",
    "bench_a7_chunk_scaling.py",
]
# scripts taking more than ~20 s in quick mode (60-130 s each on a loaded 2-core machine):
# `-m "not slow"` skips them locally; the README/CI command still runs them
SLOW: set[str] = {"bench_a1_slice.py", "bench_a2_deep_chain.py", "bench_a3_lowering.py", "bench_a4_rechunk_slice.py",
                  "bench_a5_anomaly.py", "bench_a7_chunk_scaling.py"}


def _table_rows(stdout: str) -> list[list[str]]:
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| case | peer |"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows


@pytest.mark.parametrize(
    "script",
    [pytest.param(s, marks=[pytest.mark.slow] if s in SLOW else []) for s in SCRIPTS],
)
def test_benchmark_quick_hlq(script):
    proc = subprocess.run(
        [sys.executable, os.path.join(BENCH, script), "--quick", "--peer", "hlq"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "| case | peer |" in proc.stdout, proc.stdout[-3000:]
    rows = _table_rows(proc.stdout)
    assert rows, proc.stdout
    for row in rows:
        assert row[1] == "hlq", row
        assert row[6].replace(",", "").isdigit(), row  # tasks: a number, not an error
        line = " | ".join(row)
        assert "Error" not in line and "timeout" not in line and "exit " not in line, line
        assert "MISMATCH" not in line, line
        assert "not installed" not in line, line


def test_bench_order_quick():
    """bench_order.py: hlq's priorities are topological and give the same results with hlq.order on and off."""
    proc = subprocess.run(
        [sys.executable, os.path.join(BENCH, "bench_order.py"), "--quick", "--repeat", "1", "--case", "a3,a5"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = [ln for ln in proc.stdout.splitlines() if ln.startswith("| a")]
    assert len(rows) == 2 + 4, proc.stdout
    for ln in rows[:2]:
        assert ln.rstrip(" |").endswith("True"), ln  # topological
    for ln in rows[2:]:
        assert "| ok |" in ln and "MISMATCH" not in ln, ln
