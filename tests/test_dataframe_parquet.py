"""read_parquet: columns read, filters pushed, files touched, len from metadata, errors."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

import hlq
import hlq.dataframe as dd
from hlq.dataframe.nodes.sources import read_log


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    d = tmp_path_factory.mktemp("pq")
    rng = np.random.default_rng(1)
    parts = []
    for i in range(6):
        df = pd.DataFrame({"k": rng.integers(0, 10, 200), "x": rng.random(200),
                           **{f"c{j}": rng.random(200) for j in range(5)}})
        df.to_parquet(os.path.join(d, f"part.{i}.parquet"), row_group_size=50, index=False)
        parts.append(df)
    return str(d), pd.concat(parts, ignore_index=True)


def test_d1_reads_only_needed_columns_with_pushed_filter(dataset):
    path, full = dataset
    df = dd.read_parquet(path)
    q = df[df.c0 > 0.5][["c1", "c2"]].sum()
    with read_log() as log:
        got = q.compute()
    assert len(log) == 6
    assert {cols for _, cols, _ in log} == {("c1", "c2")}
    assert {f for _, _, f in log} == {("gt", ("col", "c0"), ("lit", 0.5))}
    pd.testing.assert_series_equal(got, full[full.c0 > 0.5][["c1", "c2"]].sum())
    text = hlq.explain(q)
    assert "columns 2/7" in text and "filter (c0 > 0.5)" in text


def test_d2_head_touches_one_file(dataset):
    path, full = dataset
    df = dd.read_parquet(path)
    with read_log() as log:
        got = df.head(10)
    assert len(log) == 1
    pd.testing.assert_frame_equal(got.reset_index(drop=True), full.head(10))
    with read_log() as log:  # 250 rows: lengths known from metadata -> two files
        got = df.head(250)
    assert len(log) == 2
    pd.testing.assert_frame_equal(got.reset_index(drop=True), full.head(250))


def test_len_from_metadata_reads_nothing(dataset):
    path, full = dataset
    df = dd.read_parquet(path)
    with read_log() as log:
        assert len(df) == len(full)
        assert len(df[["c1"]].assign(z=df.c1 + 1)) == len(full)
    assert log == []
    with read_log() as log:  # a filter: count rows reading one column, filter pushed
        assert len(df[df.x > 0.5]) == int((full.x > 0.5).sum())
    assert {cols for _, cols, _ in log} == {("k",)}


def test_filter_chain_merged_and_pushed(dataset):
    path, full = dataset
    df = dd.read_parquet(path)
    q = df
    for i in range(300):
        q = q[q.x > i / 1000]
    opt = hlq.optimize(q.x.sum())
    names = [n.op_name for n in opt.node.walk()]
    assert "filter" not in names
    with read_log() as log:
        got = q.x.sum().compute()
    assert {cols for _, cols, _ in log} == {("x",)}
    assert np.isclose(got, full.x[full.x > 0.299].sum())


def test_read_parquet_options(dataset):
    path, full = dataset
    df = dd.read_parquet(path, columns=["k", "c3"], filters=[("c3", "<", 0.2)])
    exp = full[full.c3 < 0.2][["k", "c3"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(df.compute().reset_index(drop=True), exp)
    s = dd.read_parquet(path, columns="x")
    assert isinstance(s, dd.Series)
    ors = dd.read_parquet(path, filters=[[("x", ">", 0.9)], [("x", "<", 0.1)]])
    assert len(ors.compute()) == int(((full.x > 0.9) | (full.x < 0.1)).sum())
    idx = dd.read_parquet(path, index="k", columns=["x"])
    assert idx.compute().index.name == "k"


def test_groupby_on_parquet(dataset):
    path, full = dataset
    df = dd.read_parquet(path)
    q = df.groupby("k").agg({"c1": "mean", "c2": "sum"})
    with read_log() as log:
        got = q.compute()
    assert {cols for _, cols, _ in log} == {("k", "c1", "c2")}
    pd.testing.assert_frame_equal(got, full.groupby("k").agg({"c1": "mean", "c2": "sum"}), check_exact=False)


def test_non_pushable_filter_stays(dataset):
    path, full = dataset
    df = dd.read_parquet(path)
    q = df[(df.x != 0.5) & (df.c0 > 0.5)][["c4"]]
    with read_log() as log:
        got = q.compute()
    assert {f for _, _, f in log} == {("gt", ("col", "c0"), ("lit", 0.5))}
    exp = full[(full.x != 0.5) & (full.c0 > 0.5)][["c4"]]
    np.testing.assert_allclose(got.c4.to_numpy(), exp.c4.to_numpy())


def test_errors(dataset, tmp_path):
    path, _ = dataset
    with pytest.raises(FileNotFoundError, match="missing-dir"):
        dd.read_parquet(os.path.join(path, "missing-dir"))
    df = dd.read_parquet(path)
    with pytest.raises(KeyError, match="nope"):
        df[df.nope > 1] if False else df["nope"]
    with pytest.raises(KeyError, match="nope"):
        dd.read_parquet(path, columns=["nope"])
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(Exception, match="a.parquet"):
        dd.read_parquet(str(bad))


def test_rename_passes_projection_and_filter(dataset):
    path, full = dataset
    df = dd.read_parquet(path).rename(columns={"c0": "a", "c1": "b"})
    q = df[df.a > 0.7][["b"]]
    with read_log() as log:
        got = q.compute()
    assert {cols for _, cols, _ in log} == {("c1",)}
    assert {f for _, _, f in log} == {("gt", ("col", "c0"), ("lit", 0.7))}
    exp = full.rename(columns={"c0": "a", "c1": "b"})
    np.testing.assert_allclose(got.b.to_numpy(), exp[exp.a > 0.7].b.to_numpy())


def test_map_partitions_declared_columns(dataset):
    path, full = dataset
    df = dd.read_parquet(path)
    q = df.map_partitions(lambda p: p.c2 * p.c3, meta=("r", "f8"), columns=["c2", "c3"]).sum()
    with read_log() as log:
        got = q.compute()
    assert {cols for _, cols, _ in log} == {("c2", "c3")}
    assert np.isclose(got, (full.c2 * full.c3).sum())
    with pytest.raises(KeyError, match="nope"):
        df.map_partitions(lambda p: p, columns=["nope"])


def test_isin_and_shared_alternatives_reach_the_parquet_filter(tmp_path):
    pdf = pd.DataFrame({"s": ["a", "b", "c", None] * 5, "q": np.arange(20.0), "k": np.arange(20) % 3})
    pdf.to_parquet(tmp_path / "0.parquet", index=False)
    other = dd.from_pandas(pd.DataFrame({"k": [0, 1, 2], "w": [1, 2, 3]}), npartitions=1)
    t = dd.read_parquet(str(tmp_path)).merge(other, on="k")
    q = t[((t.q > 3) & t.s.isin(("a", "c")) & (t.w == 1)) | ((t.q < 15) & t.s.isin(("a", "c")) & (t.w == 2))]
    reads = [n for n in hlq.optimize(q).node.walk() if n.op_name == "read-parquet"]
    assert reads and reads[0].filter is not None and "isin" in reads[0].label()
    pt = pdf.merge(pd.DataFrame({"k": [0, 1, 2], "w": [1, 2, 3]}), on="k")
    exp = pt[((pt.q > 3) & pt.s.isin(("a", "c")) & (pt.w == 1)) | ((pt.q < 15) & pt.s.isin(("a", "c")) & (pt.w == 2))]
    got = q.compute()
    pd.testing.assert_frame_equal(got.sort_values("q").reset_index(drop=True), exp.sort_values("q").reset_index(drop=True))
    # a numeric isin on a string column stays a pandas filter (pyarrow would raise)
    r = dd.read_parquet(str(tmp_path))
    assert r[r.s.isin((1, 2))].compute().empty
