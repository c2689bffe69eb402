"""Guarantees of the dataframe optimizer: optimizing, explaining and lowering never
read data (only parquet metadata) and never change dask's global config, and
every compute path runs the same plan."""

from __future__ import annotations

import copy
import os

import dask
import numpy as np
import pandas as pd
import pytest

import hlq
import hlq.dataframe as dd
from hlq.dataframe.nodes.sources import read_log


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    d = tmp_path_factory.mktemp("pq_guarantees")
    rng = np.random.default_rng(7)
    parts = []
    for i in range(5):
        df = pd.DataFrame({"k": rng.integers(0, 8, 120), "x": rng.random(120), "y": rng.random(120),
                           "s": rng.choice(["a", "b", "c"], 120)})
        df.to_parquet(os.path.join(d, f"part.{i}.parquet"), index=False, row_group_size=40)
        parts.append(df)
    return str(d), pd.concat(parts, ignore_index=True)


def _queries(df):
    yield "filter+project", df[df.x > 0.3][["y", "k"]]
    yield "assign+sum", df.assign(z=df.x * 2 + df.y)[["z", "k"]].sum()
    yield "groupby", df.groupby("k").agg({"x": "mean", "y": "sum"})
    yield "head", df[df.y < 0.5].head(7, compute=False)
    yield "len-filter", df[df.x > 0.9].x.count()
    yield "rename", df.rename(columns={"x": "u"})[["u"]].max()
    yield "series-arith", (df.x - df.x.mean()).abs().sum()
    if hasattr(df, "merge"):
        other = dd.from_pandas(pd.DataFrame({"k": np.arange(8), "w": np.arange(8.0)}), npartitions=2)
        m = df.merge(other, on="k")
        yield "merge", m[m.w > 2][["x", "w"]].sum()


def test_optimize_explain_and_lowering_read_no_data(dataset):
    path, _ = dataset
    df = dd.read_parquet(path)
    with read_log() as log:
        for name, q in _queries(df):
            hlq.optimize(q)
            hlq.explain(q)
            q.task_count()
            q.__dask_graph__()
            assert log == [], f"{name}: optimizing read data: {log}"


def test_optimize_never_changes_global_config(dataset):
    import distributed  # noqa: F401  (its import adds its own defaults; hlq may import it to look for a client)

    path, _ = dataset
    before = copy.deepcopy(dask.config.config)
    df = dd.read_parquet(path)
    for _, q in _queries(df):
        hlq.optimize(q)
        hlq.explain(q)
        q.compute()
    assert dask.config.config == before


@pytest.mark.parametrize("which", ["filter+project", "assign+sum", "groupby", "series-arith"])
def test_same_tasks_and_results_on_every_compute_path(dataset, which):
    path, full = dataset
    df = dd.read_parquet(path)
    q = dict(_queries(df))[which]
    n = q.task_count()
    graph_tasks = len(dask.base.collections_to_expr([q]).optimize().__dask_graph__())
    assert graph_tasks == len(q.__dask_graph__()) == n
    a = q.compute()
    (b,) = dask.compute(q)
    (p,) = dask.persist(q)
    c = p.compute()
    for other in (b, c):
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, other)
        elif isinstance(a, pd.Series):
            pd.testing.assert_series_equal(a, other)
        else:
            assert a == pytest.approx(other)
