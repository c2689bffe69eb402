"""Plan and performance properties found profiling the TPC-H queries (benchmarks/tpch):
each test asserts counts (columns read, tasks, nodes, state sizes) and results equal to pandas."""

import numpy as np
import pandas as pd
import pytest

import hlq.dataframe as dd
from hlq.dataframe.nodes.reduction import _gb_combine, _gb_partial


def _frame(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    pdf = pd.DataFrame({"k": rng.integers(0, 60, n), "j": rng.integers(0, 3, n),
                        "v": rng.integers(0, 12, n).astype(float), "w": rng.random(n)})
    pdf.loc[::7, "v"] = np.nan
    pdf.loc[::13, "k"] = np.nan
    return pdf


@pytest.mark.parametrize("split_out", [1, 3, True])
@pytest.mark.parametrize("dropna", [True, False])
def test_groupby_nunique_matches_pandas(split_out, dropna):
    pdf = _frame()
    df = dd.from_pandas(pdf, npartitions=6)
    got = df.groupby("k", dropna=dropna).v.nunique(split_out=split_out).compute().sort_index()
    pd.testing.assert_series_equal(got, pdf.groupby("k", dropna=dropna).v.nunique(), check_dtype=False)
    spec = {"v": ["nunique", "sum"], "w": "mean"}
    got = df.groupby(["k", "j"], dropna=dropna).agg(spec, split_out=split_out).compute().sort_index()
    pd.testing.assert_frame_equal(got, pdf.groupby(["k", "j"], dropna=dropna).agg(spec), check_dtype=False)


def test_groupby_nunique_state_has_no_python_objects():
    # the partial state of nunique holds the distinct (key, value) pairs as typed columns,
    # never one Python set per group (object dtype)
    pdf = _frame()
    stats, pairs = _gb_partial(pdf, ("k",), (("v", "nunique"), ("w", "sum")))
    assert all(dt != object for dt in stats.dtypes)
    assert list(pairs) == ["v"] and pairs["v"].dtypes["v"] == np.float64
    assert len(pairs["v"]) == len(pdf.dropna(subset=["k"])[["k", "v"]].drop_duplicates())
    both = _gb_combine([(stats, pairs), (stats, pairs)], ("k",), (("v", "nunique"), ("w", "sum")))
    assert len(both[1]["v"]) == len(pairs["v"])  # duplicates across partials removed


def test_groupby_nunique_split_out_true_like_dask():
    pdf = _frame()
    df = dd.from_pandas(pdf, npartitions=5)
    assert df.groupby("k").v.nunique().npartitions == 5  # dask's default split_out=True
    assert df.groupby("k").v.sum().npartitions == 1
    # the bucketed tree hashes each partial once: one bucket task per (partial, bucket)
    q = df.groupby("k").v.nunique(split_out=4)
    from hlq.rules import optimize_plan
    from hlq.expr.traverse import toposort

    ops = [n.op_name for n in toposort([optimize_plan(q.node)])]
    assert ops.count("groupby-bucket") == 1
    assert q.compute().sort_index().equals(pdf.groupby("k").v.nunique().astype(q.dtype)) or \
        np.array_equal(q.compute().sort_index().to_numpy(), pdf.groupby("k").v.nunique().to_numpy())
