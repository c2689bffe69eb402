"""The drop-in check: the 22 TPC-H queries of benchmarks/tpch/queries.py, written for
dask.dataframe, run unchanged with ``import hlq.dataframe as dd`` and give dask.dataframe's
results (and duckdb's, when duckdb is installed), on a tiny generated data set."""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

import dask.dataframe as dask_dd
import distributed  # noqa: F401  (dask's optimize drops its config defaults if imported there first)

import hlq.dataframe as hlq_dd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks", "tpch"))
import generate  # noqa: E402
import queries  # noqa: E402
import reference  # noqa: E402

SF = 0.002  # lineitem: 12k rows in 3 files


@pytest.fixture(scope="module")
def tpch_path(tmp_path_factory):
    if generate.tpchgen_binary() is None:
        pytest.skip("tpchgen-cli is not installed (pip install tpchgen-cli; it is in the test extra)")
    path = str(tmp_path_factory.mktemp("tpch"))
    generate.generate(SF, path, rows_per_file=5000)
    return path


@pytest.fixture(scope="module")
def duckdb_con(tpch_path):
    if importlib.util.find_spec("duckdb") is None:
        return None
    return reference.connect(tpch_path)


def test_data_is_partitioned(tpch_path):
    assert len(os.listdir(os.path.join(tpch_path, "lineitem"))) == 3
    assert hlq_dd.read_parquet(os.path.join(tpch_path, "lineitem")).npartitions >= 1


@pytest.mark.parametrize("q", sorted(queries.QUERIES))
def test_query_runs_unchanged_like_dask(q, tpch_path, duckdb_con):
    fn = queries.QUERIES[q]
    got = fn(hlq_dd, tpch_path, SF)
    assert type(got).__module__.startswith("hlq.")
    got = got.compute()
    expected = fn(dask_dd, tpch_path, SF).compute()
    assert list(got.columns) == list(expected.columns)
    diff = reference.compare(got, expected)  # sums in another order may round to another last digit
    assert diff is None, f"Q{q} differs from dask.dataframe: {diff}"
    if duckdb_con is not None:
        diff = reference.compare(got, reference.answer(duckdb_con, q, SF))
        assert diff is None, f"Q{q} differs from duckdb: {diff}"
