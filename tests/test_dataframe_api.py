"""dask.dataframe API breadth: code written for dask.dataframe runs unchanged, results equal pandas'."""

import copy
import datetime

import numpy as np
import pandas as pd
import pytest

import hlq.dataframe as dd


def eq(a, b, **kw):
    """Compare a computed hlq result with pandas (frames/series by value, index included)."""
    a = a.compute() if hasattr(a, "compute") else a
    if isinstance(b, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, **kw)
    elif isinstance(b, pd.Series):
        pd.testing.assert_series_equal(a, b, **kw)
    else:
        assert a == b


@pytest.fixture
def pdf():
    return pd.DataFrame({
        "d": pd.date_range("2020-01-01", periods=8, freq="D"),
        "k": [1, 2, 1, 3, 2, 1, 3, 3],
        "x": [0.5, 1.5, np.nan, 3.0, 4.5, 5.0, 6.5, 7.0],
        "s": ["a", "b", "c", "a", "b", "c", "a", "b"],
    })


@pytest.fixture
def df(pdf):
    return dd.from_pandas(pdf, npartitions=3)


# ------------------------------------------------------------ datetime comparisons
@pytest.mark.parametrize("value", [datetime.datetime(2020, 1, 4), np.datetime64("2020-01-04"), "2020-01-04",
                                   pd.Timestamp("2020-01-04")])
@pytest.mark.parametrize("op", ["lt", "le", "gt", "ge", "eq", "ne"])
def test_datetime_column_compared_with_datetime_like(df, pdf, value, op):
    import operator

    f = getattr(operator, op)
    eq(f(df.d, value), f(pdf.d, value))
    eq(df[f(df.d, value)], pdf[f(pdf.d, value)])


def test_datetime_compared_with_date_raises_like_pandas(df, pdf):
    with pytest.raises(TypeError) as ours:
        df.d < datetime.date(2020, 1, 4)
    with pytest.raises(TypeError) as theirs:
        pdf.d < datetime.date(2020, 1, 4)
    assert str(ours.value) == str(theirs.value)


def test_datetime_filter_on_parquet_with_string_literal(tmp_path, pdf):
    pdf.to_parquet(tmp_path / "d.parquet")
    df = dd.read_parquet(str(tmp_path / "d.parquet"))
    for v in ["2020-01-04", datetime.datetime(2020, 1, 4), np.datetime64("2020-01-04")]:
        eq(df[(df.d > v) & (df.d <= pd.Timestamp("2020-01-07"))].k.sum(),
           pdf[(pdf.d > v) & (pdf.d <= pd.Timestamp("2020-01-07"))].k.sum())


def test_datetime_plus_timedelta_literal(df, pdf):
    eq(df.d + datetime.timedelta(days=1), pdf.d + datetime.timedelta(days=1))


# ---------------------------------------------------------------- rebinding
def test_setitem_rebinds_to_new_plan(df, pdf):
    before = df
    node = df.node
    df["y"] = df.x * 2
    df["c"] = 1
    df["z"] = df.y + df.k
    pdf = pdf.assign(y=pdf.x * 2, c=1)
    pdf["z"] = pdf.y + pdf.k
    assert df is before and df.node is not node
    eq(df, pdf)


def test_setitem_from_another_aligned_series_and_list_keys(df, pdf):
    other = dd.from_pandas(pdf, npartitions=3)
    df["w"] = other.k * 10
    pdf["w"] = pdf.k * 10
    eq(df, pdf)
    df[["p", "q"]] = df[["k", "x"]]
    pdf[["p", "q"]] = pdf[["k", "x"]]
    eq(df, pdf)


def test_setitem_does_not_change_copies_or_derived_collections(df, pdf):
    c = copy.copy(df)
    sub = df[["k"]]
    df["k"] = df.k + 100
    eq(c, pdf)
    eq(sub, pdf[["k"]])
    eq(df.k, pdf.k + 100)


def test_columns_setter_and_delitem(df, pdf):
    df.columns = ["D", "K", "X", "S"]
    pdf.columns = ["D", "K", "X", "S"]
    eq(df, pdf)
    del df["X"]
    del pdf["X"]
    eq(df, pdf)
    with pytest.raises(ValueError, match="Length mismatch"):
        df.columns = ["a"]
    with pytest.raises(KeyError):
        del df["nope"]


def test_columns_setter_flattens_multiindex_columns(df, pdf):
    out = df.groupby("k").agg({"x": ["sum", "size"]})
    exp = pdf.groupby("k").agg({"x": ["sum", "size"]})
    out.columns = out.columns.get_level_values(-1)
    exp.columns = exp.columns.get_level_values(-1)
    eq(out, exp)


# -------------------------------------------------------------- reset_index
def test_reset_index_after_groupby(df, pdf):
    eq(df.groupby("k").x.sum().reset_index(), pdf.groupby("k").x.sum().reset_index())
    eq(df.groupby(["k", "s"]).agg({"x": "mean"}).reset_index(),
       pdf.groupby(["k", "s"]).agg({"x": "mean"}).reset_index())
    eq(df.groupby("k").size().to_frame("n").reset_index(), pdf.groupby("k").size().to_frame("n").reset_index())
    eq(df.groupby("k").x.sum().rename("t").reset_index(), pdf.groupby("k").x.sum().rename("t").reset_index())


def test_reset_index_of_sources_filters_and_merges(df, pdf):
    # per partition, like dask: each partition is numbered from 0
    got = df[df.k > 1].reset_index().compute()
    exp = pdf[pdf.k > 1].reset_index()
    assert list(got.columns) == list(exp.columns)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), exp)
    named = dd.from_pandas(pdf.set_index("s"), npartitions=2)
    eq(named.reset_index().columns.tolist() and named.reset_index()._meta, pdf.set_index("s").sort_index()
       .reset_index().iloc[:0])
    m = df.merge(df[["k", "s"]].drop_duplicates(), on="s").reset_index()
    assert list(m.columns) == ["index", *pd.merge(pdf, pdf[["k", "s"]].drop_duplicates(), on="s").columns]
    eq(df.set_index("k").reset_index().compute().sort_values(["k", "d"]).reset_index(drop=True),
       pdf.set_index("k").reset_index().sort_values(["k", "d"]).reset_index(drop=True))


def test_reset_index_of_series_and_reductions(df, pdf):
    eq(df[["k", "x"]].sum().reset_index(drop=True), pdf[["k", "x"]].sum().reset_index(drop=True))
    eq(df[["k", "x"]].sum().reset_index(), pdf[["k", "x"]].sum().reset_index())
    eq(df.x.reset_index(drop=True).compute().reset_index(drop=True), pdf.x.reset_index(drop=True))


# ------------------------------------------------------------- semi/anti joins
@pytest.fixture
def frames():
    left = pd.DataFrame({"a": [1, 2, 3, 4, 5, 6, 2], "v": list("abcdefg")})
    right = pd.DataFrame({"b": [2, 2, 4, 7, 4, 6], "w": [1.0, 2, 3, 4, 5, 6]})
    return left, right


@pytest.mark.parametrize("nparts", [1, 3])
def test_leftsemi_merge(frames, nparts):
    left, right = frames
    dl, dr = dd.from_pandas(left, npartitions=2), dd.from_pandas(right, npartitions=nparts)
    out = dl.merge(dr, how="leftsemi", left_on="a", right_on="b")
    assert list(out.columns) == ["a", "v"]
    exp = left[left.a.isin(right.b)]
    eq(out.compute().sort_values(["a", "v"]).reset_index(drop=True), exp.sort_values(["a", "v"])
       .reset_index(drop=True))


@pytest.mark.parametrize("nparts", [1, 3])
def test_leftanti_merge(frames, nparts):
    left, right = frames
    dl, dr = dd.from_pandas(left, npartitions=2), dd.from_pandas(right, npartitions=nparts)
    out = dd.merge(dl, dr, how="leftanti", left_on="a", right_on="b")
    exp = left[~left.a.isin(right.b)]
    eq(out.compute().sort_values("a").reset_index(drop=True), exp.sort_values("a").reset_index(drop=True))


def test_leftsemi_on_index_raises(frames):
    left, right = frames
    dl, dr = dd.from_pandas(left, npartitions=2), dd.from_pandas(right, npartitions=2)
    with pytest.raises(NotImplementedError, match="reset_index"):
        dl.merge(dr, how="leftsemi", left_on="a", right_index=True)


# ---------------------------------------------------------- isin, isnull, s[s > 2]
def test_isin_lazy_series(frames):
    left, right = frames
    dl, dr = dd.from_pandas(left, npartitions=2), dd.from_pandas(right, npartitions=3)
    one = dr.repartition(npartitions=1)
    eq(dl.a.isin(one.b), left.a.isin(right.b))
    eq(dl[~dl.a.isin(one[one.w > 2].b)], left[~left.a.isin(right[right.w > 2].b)])
    eq(dl.a.isin(one[["b"]]), left.a.isin(right.b))
    with pytest.raises(NotImplementedError, match="repartition"):  # dask's rule: one partition, broadcast
        dl.a.isin(dr.b)


def test_isnull_notnull(df, pdf):
    eq(df.x.isnull(), pdf.x.isnull())
    eq(df.x.notnull(), pdf.x.notnull())
    eq(df.isnull(), pdf.isnull())
    eq(df.notnull(), pdf.notnull())
    eq(df[df.x.isna()], pdf[pdf.x.isna()])


def test_series_boolean_indexing(df, pdf):
    eq(df.x[df.x > 2], pdf.x[pdf.x > 2])
    eq(df.x[df.k == 1], pdf.x[pdf.k == 1])
    s = df.groupby("k").x.sum()
    ps = pdf.groupby("k").x.sum()
    eq(s[s > s.mean()], ps[ps > ps.mean()])
    y = df.x * 2
    eq(y[y > 3], (pdf.x * 2)[pdf.x * 2 > 3])


# ------------------------------------------------------------------- read_parquet
@pytest.mark.parametrize("fs", ["fsspec", "arrow", None, "fsspec-object", "arrow-object"])
def test_read_parquet_filesystem_and_file_urls(tmp_path, pdf, fs):
    pdf.to_parquet(tmp_path / "t.parquet")
    if fs == "fsspec-object":
        import fsspec

        fs = fsspec.filesystem("file")
    elif fs == "arrow-object":
        import pyarrow.fs

        fs = pyarrow.fs.LocalFileSystem()
    for path in (str(tmp_path / "t.parquet"), "file://" + str(tmp_path / "t.parquet")):
        eq(dd.read_parquet(path, filesystem=fs), pdf)


def test_read_parquet_remote_raises(tmp_path):
    with pytest.raises(NotImplementedError, match="local files only"):
        dd.read_parquet("s3://bucket/data.parquet")
