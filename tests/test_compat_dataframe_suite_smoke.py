"""Smoke test of benchmarks/compat_dask_dataframe_suite.py: the import rewriting, that every dask
dataframe test file imports under hlq.dataframe (no collection errors), and one real run of a
small dask test file with its counts parsed from the junit report."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import dask.dataframe
import pytest

import hlq.dataframe

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "benchmarks", "compat_dask_dataframe_suite.py")
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import compat_dask_dataframe_suite as compat  # noqa: E402


def _public_name_hlq_lacks() -> str:
    """A public ``dask.dataframe`` name that ``hlq.dataframe`` does not have, found now (not written
    down, so the test cannot go stale when hlq gains a name); the deliberate omissions listed in
    tests/test_dataframe_api_parity.py guarantee there is one."""
    missing = sorted(n for n in dir(dask.dataframe) if compat._is_public_api(n) and not hasattr(hlq.dataframe, n)
                     and callable(getattr(dask.dataframe, n)))
    assert missing, "hlq.dataframe has every public dask.dataframe name: no name left to test the stubs with"
    return missing[0]


def test_rewrite_source_points_dask_dataframe_at_hlq():
    lacking = _public_name_hlq_lacks()
    src = (
        "from __future__ import annotations\n"
        "import dask.dataframe as dd\n"
        f"from dask.dataframe import from_pandas, _compat, {lacking}\n"
        "from dask.dataframe.utils import assert_eq, make_meta\n"
        "x = dask.dataframe.from_pandas  # dask.dataframe.from_pandas in a comment stays\n"
        "s = 'dask.dataframe.core'\n"
        "v = dd._compat.makeTimeSeries()\n"
    )
    out = compat.rewrite_source(src)
    assert "import hlq.dataframe as dd" in out
    assert "from hlq.dataframe import from_pandas" in out
    assert "from dask.dataframe import _compat" in out  # dask-internal helpers stay dask's
    assert f"{lacking} = _hlq_missing({lacking!r})" in out  # public API hlq lacks: a stub
    assert "from dask.dataframe.utils import assert_eq, make_meta" in out  # strict: dask's assert_eq
    assert "x = _hlq_dd.from_pandas" in out
    assert "'dask.dataframe.core'" in out
    assert "v = _dask_dd._compat.makeTimeSeries()" in out  # dask's private submodule through the alias
    assert out.index("from __future__") < out.index("_hlq_missing")
    compile(out, "rewritten", "exec")
    relaxed = compat.rewrite_source(src, assert_eq="hlq")
    assert "from hlq.dataframe.utils import assert_eq" in relaxed
    assert "from dask.dataframe.utils import make_meta" in relaxed
    # a public name hlq has comes from hlq, never from a stub
    has = compat.rewrite_source("from dask.dataframe import read_csv, to_datetime\n")
    assert "from hlq.dataframe import read_csv, to_datetime" in has and "_hlq_missing(" not in has


@pytest.mark.slow
def test_every_dask_dataframe_test_file_collects(tmp_path):
    files = list(compat.dask_test_files())
    assert {"test_dataframe", "test_groupby", "test_parquet", "test_csv"} <= set(files)
    compat.prepare(str(tmp_path), files)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, str(tmp_path)]))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-c",
         str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=cwd, env=env,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "error" not in proc.stdout.splitlines()[-1].lower(), proc.stdout[-3000:]


@pytest.mark.slow
def test_run_one_dask_test_file(tmp_path):
    out_json = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, SCRIPT, "--files", "test_boolean", "--json", str(out_json), "--failures", "5"],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "| test_boolean |" in proc.stdout
    assert "collection errors (files failing at import): 0" in proc.stdout
    res = json.loads(out_json.read_text())
    (r,) = res["results"]
    c = r["counts"]
    assert c.get("passed", 0) + c.get("failed", 0) + c.get("errors", 0) >= 2, r
    assert not r["timed_out"] and not r["collection_error"]
    assert set(res["excluded"]) == set(compat.EXCLUDED)
    row = next(line for line in proc.stdout.splitlines() if line.startswith("| test_boolean"))
    assert row.split("|")[2].strip() == str(c.get("passed", 0))
