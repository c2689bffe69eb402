"""Answers public dask notebooks got differently from hlq, and their slow paths (each compared
with pandas): a merge with a small aggregate then ``head``, ``to_csv`` file names, ``join`` of a
pandas frame, ``set_index`` then ``loc``."""

from __future__ import annotations

import glob
import os

import numpy as np
import pandas as pd
import pytest

import hlq.dataframe as dd
from hlq.dataframe._estimate import estimate_rows


@pytest.fixture
def people():
    rng = np.random.default_rng(0)
    n = 3000
    names = np.array(["Alice", "Bob", "Charlie", "Dan", "Edith", "Frank", "George", "Hannah", "Ingrid", "Jerry"])
    return pd.DataFrame({"name": names[rng.integers(0, 10, n)], "x": rng.random(n), "id": np.arange(n)},
                        index=pd.Index(np.arange(n), name="timestamp"))


@pytest.mark.parametrize("broadcast", [None, False])
def test_merge_with_repartitioned_aggregate_then_head(people, broadcast):
    df = dd.from_pandas(people, npartitions=12)
    agg = df.groupby("name").aggregate({"x": "sum"}).repartition(npartitions=1)
    m = df.merge(agg, left_on="name", right_index=True, broadcast=broadcast)
    exp = people.merge(people.groupby("name").aggregate({"x": "sum"}), left_on="name", right_index=True)
    h = m.head()
    assert len(h) == 5 and h.index.name == "timestamp"
    got = m.compute()
    assert got.index.name == "timestamp"
    pd.testing.assert_frame_equal(got.sort_values("id"), exp.sort_values("id"))


def test_head_finds_n_rows_past_empty_partitions(people):
    df = dd.from_pandas(people, npartitions=12)
    late = df[df.id >= 2900]  # only the last partition has rows
    pd.testing.assert_frame_equal(late.head(3), people[people.id >= 2900].head(3))
    assert len(df[df.id < 0].head(3)) == 0
    with pytest.warns(UserWarning, match="Insufficient elements"):  # an explicit npartitions is respected
        assert len(late.head(3, npartitions=2)) == 0


def test_aggregate_estimate_is_bounded_by_its_groups():
    pdf = pd.DataFrame({"c": pd.Categorical(np.array(list("abc"))[np.arange(3000) % 3]),
                        "b": np.arange(3000) % 2 == 0, "s": "q", "x": 1.0})
    df = dd.from_pandas(pdf, npartitions=4)
    assert estimate_rows(df.groupby("c").x.sum().node) == 3
    assert estimate_rows(df.groupby(["c", "b"]).x.sum().node) == 6
    assert estimate_rows(df.groupby("c", dropna=False).x.sum().node) == 4
    assert estimate_rows(df.groupby("s").x.sum().node) == 3000  # not bounded by its dtype


def test_to_csv_pads_partition_numbers_and_returns_absolute_paths(tmp_path, monkeypatch):
    pdf = pd.DataFrame({"a": np.arange(120), "b": np.arange(120) * 0.5})
    df = dd.from_pandas(pdf, npartitions=12)
    monkeypatch.chdir(tmp_path)
    names = df.to_csv("out-*.csv", index=False)
    assert [os.path.basename(n) for n in names] == [f"out-{i:02d}.csv" for i in range(12)]
    assert all(os.path.isabs(n) and os.path.exists(n) for n in names)
    back = pd.concat([pd.read_csv(f) for f in sorted(glob.glob(str(tmp_path / "out-*.csv")))], ignore_index=True)
    pd.testing.assert_frame_equal(back, pdf)
    pd.testing.assert_frame_equal(dd.read_csv(str(tmp_path / "out-*.csv")).compute().reset_index(drop=True), pdf)
    one = df.to_csv("all.csv", single_file=True, index=False)
    assert one == [str(tmp_path / "all.csv")]


def test_join_with_a_pandas_frame():
    left = pd.DataFrame({"a": [1, 2, 3, 4]}, index=[0, 1, 2, 3])
    right = pd.DataFrame({"b": [5.0, 6.0]}, index=[1, 3])
    df = dd.from_pandas(left, npartitions=2)
    pd.testing.assert_frame_equal(df.join(right).compute(), left.join(right))
    pd.testing.assert_frame_equal(df.join(right, how="inner").compute(), left.join(right, how="inner"))
    pd.testing.assert_frame_equal(df.join(right.b).compute(), left.join(right.b))


def test_set_index_then_loc_reads_one_partition(people):
    df = dd.from_pandas(people.reset_index(drop=True), npartitions=10)
    s = df.set_index("name")
    assert s.known_divisions
    assert s.divisions[0] == "Alice" and s.divisions[-1] == "Jerry"
    q = s.loc["Alice"]
    assert q.npartitions == 1
    exp = people.reset_index(drop=True).set_index("name").sort_index().loc[["Alice"]]
    pd.testing.assert_frame_equal(q.compute().sort_values("id"), exp.sort_values("id"))
    # persisted: the label's partition only (the full frame has s.npartitions tasks)
    p = s.persist()
    assert p.known_divisions and p.divisions == s.divisions
    assert p.loc["Alice"].task_count() <= 2 < p.task_count()
    pd.testing.assert_frame_equal(p.loc["Alice"].compute().sort_values("id"), exp.sort_values("id"))


def test_persisted_set_index_on_a_datetime_indexed_frame_then_loc(people):
    # the source's index is datetime: the persisted frame's index is the new string index
    pdf = people.set_index(pd.date_range("2000-01-01", periods=len(people), freq="s", name="timestamp"))
    df = dd.from_pandas(pdf, npartitions=12)
    s = df.set_index("name")
    p = s.persist()
    assert p._meta.index.name == "name" and p._meta.index.dtype == pdf["name"].dtype
    assert not isinstance(p._meta.index, pd.DatetimeIndex)
    assert p.divisions == s.divisions and p.known_divisions
    exp = pdf.set_index("name").sort_index().loc[["Alice"]]
    q = p.loc["Alice"]
    assert q.npartitions == 1 and q.task_count() <= 2 < p.task_count()
    pd.testing.assert_frame_equal(q.compute().sort_values("id"), exp.sort_values("id"))
    # a label between two others reads the one partition whose range holds it
    pd.testing.assert_frame_equal(p.loc["Bert"].compute(), exp.iloc[:0])
    assert p.loc["Bert"].npartitions == 1
    # a range of labels reads the partitions that meet it
    r = p.loc["Bob":"Dan"]
    assert r.npartitions < p.npartitions
    pd.testing.assert_frame_equal(r.compute().sort_values("id"),
                                  pdf.set_index("name").sort_index().loc["Bob":"Dan"].sort_values("id"))


def test_set_index_then_loc_equals_dask(people):
    import dask.dataframe as dask_dd

    pdf = people.set_index(pd.date_range("2000-01-01", periods=len(people), freq="s", name="timestamp"))
    ours = dd.from_pandas(pdf, npartitions=12).set_index("name")
    theirs = dask_dd.from_pandas(pdf, npartitions=12).set_index("name")
    for frame in (ours, ours.persist()):
        got = frame.loc["Edith"].compute()
        exp = theirs.loc["Edith"].compute()
        # dask turns the string index into pyarrow strings (na_value <NA>); the labels must agree
        pd.testing.assert_frame_equal(got.sort_values("id"), exp.sort_values("id"), check_index_type=False)
    assert ours.divisions[0] == theirs.divisions[0] and ours.divisions[-1] == theirs.divisions[-1]


def test_set_index_npartitions_agrees_with_its_divisions(people):
    # sampled boundaries that repeat merge partitions: npartitions is asked first here
    s = dd.from_pandas(people.reset_index(drop=True), npartitions=30).set_index("name")
    n = s.npartitions
    assert n == len(s.divisions) - 1 <= 10
    assert len(s.to_delayed()) == n


@pytest.mark.parametrize("build", [
    lambda df: df.set_index("name"),
    lambda df: df.groupby("name").x.sum(),
    lambda df: df.groupby("name").agg({"x": "mean", "id": "max"}),
    lambda df: df[["x", "id"]].sum(),
    lambda df: df.merge(df.groupby("name").x.sum().to_frame("total"), left_on="name", right_index=True),
    lambda df: df.sort_values("x"),
])
def test_optimized_and_persisted_plans_keep_the_index(people, build):
    pdf = people.set_index(pd.date_range("2000-01-01", periods=len(people), freq="s", name="timestamp"))
    c = build(dd.from_pandas(pdf, npartitions=6))
    exp = build(pdf)
    got = c.compute()
    for other in (c.optimize(), c.persist()):
        assert type(other._meta.index) is type(c._meta.index)
        assert other._meta.index.dtype == c._meta.index.dtype == got.index.dtype
        assert other._meta.index.name == c._meta.index.name == got.index.name
    assert got.index.name == exp.index.name and got.index.dtype == exp.index.dtype


@pytest.mark.parametrize("npartitions", [10, 11])
def test_to_csv_names_the_files_as_dask_does(tmp_path, npartitions):
    # the partition number is padded to the width of the largest one (9 -> "9", 10 -> "10", "00")
    import dask.dataframe as dask_dd

    pdf = pd.DataFrame({"a": np.arange(110)})
    ours = dd.from_pandas(pdf, npartitions=npartitions).to_csv(str(tmp_path / "h" / "p-*.csv"), index=False)
    theirs = dask_dd.from_pandas(pdf, npartitions=npartitions).to_csv(str(tmp_path / "d" / "p-*.csv"), index=False)
    assert [os.path.basename(p) for p in ours] == [os.path.basename(p) for p in theirs]
    assert [os.path.dirname(p) for p in ours] == [str(tmp_path / "h")] * npartitions
