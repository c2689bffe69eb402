"""Dataframe results that once differed from pandas (or crashed where dask computes): each case
is computed with every rule and with the excludable pushdown rules off, against pandas."""

from __future__ import annotations

import os
import shutil

import dask
import numpy as np
import pandas as pd
import pytest

import hlq.dataframe as dd
from df_multi_strategies import RULES_OFF  # tests/ is on sys.path
from hlq.dataframe.nodes import sources


def both(make):
    """``make().compute()`` with all rules and with the excludable pushdown rules off."""
    out = []
    for exclude in ([], RULES_OFF):
        with dask.config.set({"hlq.rules.exclude": exclude}):
            out.append(make().compute())
    return out


@pytest.mark.parametrize("ascending", [False, True])
@pytest.mark.parametrize("by", ["x", ["g", "x"]])
def test_sort_values_head_takes_rows_from_every_partition(ascending, by):
    rng = np.random.default_rng(0)
    pdf = pd.DataFrame({"x": rng.random(1000), "g": rng.integers(0, 3, 1000), "y": np.arange(1000)})
    df = dd.from_pandas(pdf, npartitions=10)
    expected = pdf.sort_values(by, ascending=ascending).head(100)
    for got in both(lambda: df.sort_values(by, ascending=ascending).head(100, compute=False)):
        assert len(got) == 100
        pd.testing.assert_frame_equal(got, expected)
    got = df.sort_values(by, ascending=ascending)[["y"]].head(100)
    pd.testing.assert_frame_equal(got, expected[["y"]])
    s = df.x.sort_values(ascending=ascending).head(7)
    pd.testing.assert_series_equal(s, pdf.x.sort_values(ascending=ascending).head(7))


def test_sort_values_head_with_missing_values_and_empty_partitions():
    pdf = pd.DataFrame({"x": [np.nan, 3.0, 1.0, np.nan, 2.0, 5.0], "y": range(6)})
    df = dd.from_pandas(pdf, npartitions=3)
    df = df[df.y != 2]  # partition 1 keeps one row; the others
    df = df[df.y < 6]
    for n in (1, 3, 10):
        got = df.sort_values("x", ascending=False).head(n)
        exp = pdf[pdf.y != 2].sort_values("x", ascending=False).head(n)
        pd.testing.assert_frame_equal(got, exp)


def test_parquet_file_replaced_keeping_its_mtime(tmp_path):
    f = str(tmp_path / "a.parquet")
    pd.DataFrame({"a": [1, 2, 3]}).to_parquet(f)
    st = os.stat(f)
    df = dd.read_parquet(f)
    assert len(df) == 3 and df.a.sum().compute() == 6
    tmp = str(tmp_path / "new.parquet.tmp")
    pd.DataFrame({"a": [1, 2, 3, 4, 5]}).to_parquet(tmp)
    shutil.copyfile(tmp, f)  # same path, same mtime (as ``cp -p``/``rsync -a`` leave it)
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(f).st_mtime_ns == st.st_mtime_ns
    df = dd.read_parquet(f)
    assert len(df) == 5
    assert df.a.sum().compute() == 15


def test_parquet_metadata_cache_keeps_one_entry_per_path_and_is_bounded(tmp_path, monkeypatch):
    f = str(tmp_path / "a.parquet")
    for i in range(30):
        pd.DataFrame({"a": range(i)}).to_parquet(f)
        assert len(dd.read_parquet(f)) == i
    assert sum(1 for k in sources._INFO_CACHE if k == os.path.abspath(f)) == 1
    # a touched file whose footer is unchanged keeps its cached metadata
    info = sources.parquet_info(f)
    os.utime(f)
    assert sources.parquet_info(f) is info
    # bounded by bytes: the least recently used datasets go first
    monkeypatch.setattr(sources, "INFO_CACHE_BYTES", 2 * info.nbytes)
    paths = []
    for i in range(5):
        p = str(tmp_path / f"b{i}.parquet")
        pd.DataFrame({"a": range(i)}).to_parquet(p)
        paths.append(os.path.abspath(p))
        sources.parquet_info(p)
    assert sum(i.nbytes for _, i in sources._INFO_CACHE.values()) <= 2 * info.nbytes
    assert paths[-1] in sources._INFO_CACHE and paths[0] not in sources._INFO_CACHE


@pytest.mark.parametrize("post", ["b > 100", "k > 100", "b > 1"])
@pytest.mark.parametrize("left_rows", [3, 0])
def test_right_merge_then_filter_dtypes_as_pandas(post, left_rows):
    L = pd.DataFrame({"k": [1, 2, 3], "a": [10, 20, 30]}).iloc[:left_rows]
    R = pd.DataFrame({"k": [2, 5, 6], "b": [1, 2, 3]})
    col, thr = post.split(" > ")
    exp = L.merge(R, how="right", on="k")
    exp = exp[exp[col] > int(thr)]

    def make():
        m = dd.from_pandas(L, npartitions=2).merge(dd.from_pandas(R, npartitions=2), how="right", on="k")
        return m[m[col] > int(thr)]

    for got in both(make):
        pd.testing.assert_frame_equal(got.reset_index(drop=True), exp.reset_index(drop=True))


def test_left_filter_still_pushed_when_the_optional_side_keeps_its_dtypes():
    from hlq.rules import optimize_plan

    L = dd.from_pandas(pd.DataFrame({"k": [1, 2, 3], "a": [10, 20, 30]}), npartitions=2)
    R = dd.from_pandas(pd.DataFrame({"k": [2, 5], "b": [1.5, 2.5]}), npartitions=1)
    m = L.merge(R, how="left", on="k")
    q = m[m.a > 15]
    plan = optimize_plan(q.node)
    assert plan.op_name != "filter"  # the filter went into the left side (float column on the right)
    pd.testing.assert_frame_equal(q.compute().reset_index(drop=True),
                                  pd.DataFrame({"k": [2, 3], "a": [20, 30], "b": [1.5, np.nan]}))


@pytest.mark.parametrize("how", ["left", "inner", "right", "outer"])
@pytest.mark.parametrize("head_parts", [2, 3, -1])
def test_head_of_a_broadcast_merge_with_more_declared_partitions(how, head_parts):
    lp = pd.DataFrame({"c": list("abcabc"), "x": range(6)})
    rp = pd.DataFrame({"c": list("ab"), "y": [1.0, 2.0]})
    L = dd.from_pandas(lp, npartitions=1)
    R = dd.from_pandas(rp, npartitions=2)
    m = L.merge(R, how=how, on="c")
    got = m.head(1, npartitions=head_parts)
    assert len(got) == 1
    exp = lp.merge(rp, how=how, on="c")
    assert got.iloc[0].to_dict() in exp.to_dict("records")
    # every declared partition exists after lowering
    parts = [m.partitions[i].compute() for i in range(m.npartitions)]
    assert sum(len(p) for p in parts) == len(exp)


def test_read_parquet_in_filter_over_a_zero_row_file_with_a_null_column(tmp_path):
    d = str(tmp_path)
    # pandas writes an all-missing (here: empty) object column as parquet ``null``
    pd.DataFrame({"c": pd.Series([], dtype=object), "v": pd.Series([], dtype="int64")}).to_parquet(f"{d}/0.parquet")
    pd.DataFrame({"c": ["x", "y"], "v": [1, 2]}).to_parquet(f"{d}/a.parquet")
    df = dd.read_parquet(d)
    full = df.compute()
    assert full.c.dtype == df.dtypes["c"]
    r = dd.read_parquet(d, filters=[("c", "in", ["x"])])
    got = r.compute()
    assert got.c.dtype == r.dtypes["c"]
    assert got.c.tolist() == ["x"] and got.v.tolist() == [1]
    q = df[df.c.isin(["x"])]
    for got in both(lambda: q):
        assert got.c.tolist() == ["x"]


@pytest.mark.parametrize("by", ["c", ["c", "d"], ["d", "c"]])
@pytest.mark.parametrize("agg", ["count", "sum", "mean", "size"])
def test_groupby_on_mixed_int_and_str_keys(by, agg):
    p = pd.DataFrame({"c": [1, "a", 2, "b", 1, "a"], "d": [1, 1, 2, 2, 1, 1], "v": [1.0, 2, 3, 4, 5, 6]})
    d = dd.from_pandas(p, npartitions=2)
    exp = getattr(p.groupby(by)[["v"]], agg)()
    got = getattr(d.groupby(by)[["v"]], agg)().compute()
    if isinstance(exp, pd.Series):
        pd.testing.assert_series_equal(got, exp)
    else:
        pd.testing.assert_frame_equal(got, exp)
    if agg == "count":
        pd.testing.assert_frame_equal(d.groupby(by).count().compute(), p.groupby(by).count())


def test_long_alternating_filter_assign_chain_optimizes():
    from hlq.rules import optimize_plan

    p = pd.DataFrame({"a": np.arange(100.0), "b": np.arange(100)})
    d, e = dd.from_pandas(p, npartitions=2), p
    n = 2_000
    for i in range(n):
        if i % 2:
            d, e = d[d.a > i / 40], e[e.a > i / 40]
        else:
            d, e = d.assign(b=d.b + 1), e.assign(b=e.b + 1)
    plan = optimize_plan(d.node, phases=["simplify", "pushdown"])
    assert sum(1 for x in plan.walk() if x.op_name == "filter") <= 1  # every filter sank and merged
    for got in both(lambda: d):
        pd.testing.assert_frame_equal(got, e)


def test_filter_on_an_assigned_column_stays_above_its_assign():
    p = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10)})
    d = dd.from_pandas(p, npartitions=2)
    q = d.assign(b=d.b * 2)
    q = q[q.b > 6].assign(c=1)
    q = q[q.a < 8]
    e = p.assign(b=p.b * 2)
    e = e[e.b > 6].assign(c=1)
    e = e[e.a < 8]
    for got in both(lambda: q):
        pd.testing.assert_frame_equal(got, e)


def test_masks_from_a_mapped_index_select_the_frames_rows():
    pdf = pd.DataFrame({"a": range(6)}, index=[0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    df = dd.from_pandas(pdf, npartitions=2)
    # the mapped values are not the frame's labels: the mask must still be by row
    pd.testing.assert_frame_equal(df[np.exp(df.index) > 3].compute(), pdf[np.exp(pdf.index) > 3])
    mapped = df.index.map(lambda v: v * 10, meta=pd.Index([], dtype=float))
    pd.testing.assert_frame_equal(df[mapped > 20].compute(), pdf[pdf.index.map(lambda v: v * 10) > 20])
    pd.testing.assert_frame_equal(df[(df.index * 10) % 20 == 0].compute(), pdf[(pdf.index * 10) % 20 == 0])
