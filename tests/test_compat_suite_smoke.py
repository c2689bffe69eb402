"""Smoke test of benchmarks/compat_dask_array_suite.py: the import rewriting, and one real run on
dask's smallest array test file with its counts parsed from the junit report."""

from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "benchmarks", "compat_dask_array_suite.py")
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import compat_dask_array_suite as compat  # noqa: E402


def test_rewrite_source_points_dask_array_at_hlq():
    src = (
        "from __future__ import annotations\n"
        "import dask.array as da\n"
        "from dask.array import from_array, no_such_api_name\n"
        "from dask.array.utils import assert_eq, same_keys\n"
        "from dask.array.slicing import slice_array\n"
        "from dask.array.reshape import reshape_blockwise\n"
        "x = dask.array.ones(3)  # dask.array.ones in a comment stays\n"
        "s = 'dask.array.core.PerformanceWarning'\n"
        "if da._array_expr_enabled():\n    pass\n"
    )
    out = compat.rewrite_source(src)
    assert "import hlq.array as da" in out
    assert "from hlq.array import from_array" in out
    assert "no_such_api_name = _hlq_missing('no_such_api_name')" not in out  # not a dask API: stays dask's
    assert "from hlq.array.utils import assert_eq, same_keys" in out
    assert "from dask.array.slicing import slice_array" in out  # a dask-internal helper
    assert "from hlq.array import reshape_blockwise" in out or "_hlq_missing('reshape_blockwise')" in out
    assert "x = _hlq_da.ones(3)" in out
    assert "'dask.array.core.PerformanceWarning'" in out
    assert "if False:" in out
    assert out.index("from __future__") < out.index("_hlq_missing")
    compile(out, "rewritten", "exec")


def test_run_one_dask_test_file(tmp_path):
    out_json = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, SCRIPT, "--files", "test_map_blocks", "--json", str(out_json), "--failures", "5"],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "| test_map_blocks |" in proc.stdout
    res = json.loads(out_json.read_text())
    (r,) = res["results"]
    c = r["counts"]
    ran = sum(c.get(k, 0) for k in ("passed", "failed", "errors", "skipped", "xfailed"))
    assert ran >= 1, r
    assert not r["timed_out"]
    assert set(res["excluded"]) == set(compat.EXCLUDED)
    row = next(line for line in proc.stdout.splitlines() if line.startswith("| test_map_blocks"))
    assert row.split("|")[2].strip() == str(c.get("passed", 0))
