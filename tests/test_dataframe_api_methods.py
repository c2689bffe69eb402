"""dask.dataframe's everyday methods on hlq: windows, scans, reductions, metadata, module functions
(results against pandas, or against dask where dask's per-partition semantics differ from pandas)."""

import numpy as np
import pandas as pd
import pytest

import hlq.dataframe as dd


def eq(a, b, **kw):
    a = a.compute() if hasattr(a, "compute") else a
    if isinstance(b, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, **kw)
    elif isinstance(b, pd.Series):
        pd.testing.assert_series_equal(a, b, **kw)
    elif isinstance(b, pd.Index):
        pd.testing.assert_index_equal(a, b, **kw)
    else:
        assert np.allclose(a, b, equal_nan=True), (a, b)


@pytest.fixture
def pdf():
    rng = np.random.RandomState(0)
    x = rng.normal(size=20)
    x[[2, 3, 7, 15]] = np.nan
    return pd.DataFrame({"a": rng.randint(0, 9, size=20), "b": x, "c": list("wxyz") * 5},
                        index=pd.date_range("2021-01-01", periods=20, freq="h"))


@pytest.fixture
def df(pdf):
    return dd.from_pandas(pdf, npartitions=4)


@pytest.mark.parametrize("how", ["cumsum", "cumprod", "cummax", "cummin", "ffill", "bfill"])
def test_scans(df, pdf, how):
    eq(getattr(df[["a", "b"]], how)(), getattr(pdf[["a", "b"]], how)())
    eq(getattr(df.b, how)(), getattr(pdf.b, how)())


def test_scan_with_empty_partitions(pdf):
    df = dd.from_pandas(pdf, npartitions=4)
    f = df[df.a > 6]
    eq(f.b.cumsum(), pdf[pdf.a > 6].b.cumsum())
    eq(f.b.ffill(), pdf[pdf.a > 6].b.ffill())


@pytest.mark.parametrize("periods", [1, 3, -2, 7])
def test_shift_diff(df, pdf, periods):
    eq(df.shift(periods), pdf.shift(periods))
    eq(df.b.diff(periods), pdf.b.diff(periods))


def test_shift_freq(df, pdf):
    eq(df.shift(2, freq="h"), pdf.shift(2, freq="h"))


@pytest.mark.parametrize("kw", [{"window": 3}, {"window": 4, "min_periods": 1}, {"window": 3, "center": True},
                                {"window": "3h"}])
def test_rolling(df, pdf, kw):
    eq(df[["a", "b"]].rolling(**kw).sum(), pdf[["a", "b"]].rolling(**kw).sum())
    eq(df.b.rolling(**kw).mean(), pdf.b.rolling(**kw).mean())
    eq(df.a.rolling(**kw).agg("max"), pdf.a.rolling(**kw).agg("max"))


def test_map_overlap(df, pdf):
    def f(p):
        return p.b.rolling(2).sum()

    eq(df.map_overlap(f, 1, 0), f(pdf))
    eq(dd.map_overlap(lambda p: p.a.diff(), df, 1, 0, meta=("a", "float64")), pdf.a.diff())


def test_map_overlap_with_further_frames(df, pdf):
    def shifted_sum(p, before, after, other):
        return p + p.shift(before) + p.shift(-after) + other

    num = pdf[["a", "b"]]
    expected = shifted_sum(num, 2, 1, num * 2)
    # a frame of other divisions is aligned first (as dask's align_dataframes); pandas frames are one partition
    other = dd.from_pandas(num * 2, npartitions=2)
    assert other.divisions != df.divisions
    eq(dd.map_overlap(shifted_sum, df[["a", "b"]], 2, 1, 2, 1, other), expected)
    eq(dd.map_overlap(shifted_sum, df[["a", "b"]], 2, 1, 2, 1, num * 2), expected)
    same = dd.from_pandas(num * 2, npartitions=4)
    eq(dd.map_overlap(shifted_sum, df[["a", "b"]], 2, 1, 2, 1, same, align_dataframes=False), expected)
    eq(dd.map_overlap(shifted_sum, df[["a", "b"]], "2h", "1h", 2, 1, other), expected)
    with pytest.raises(ValueError, match="partitions"):
        dd.map_overlap(shifted_sum, df[["a", "b"]], 2, 1, 2, 1, other, align_dataframes=False)
    with pytest.raises(ValueError):
        df.map_overlap(lambda p: p, 0.5, 0)


@pytest.mark.parametrize("window", [1, 3])
@pytest.mark.parametrize("center", [False, True])
def test_rolling_cov_corr_and_offset_windows(df, pdf, window, center):
    num, dnum = pdf[["a", "b"]], df[["a", "b"]]
    eq(dnum.rolling(window, center=center).cov(), num.rolling(window, center=center).cov())
    eq(df.b.rolling(window, center=center).cov(), pdf.b.rolling(window, center=center).cov())
    eq(dnum.rolling(window, center=center).corr(), num.rolling(window, center=center).corr())
    r = df.b.rolling(pd.offsets.Hour(3))
    eq(r.sum(), pdf.b.rolling(pd.offsets.Hour(3)).sum())
    assert df.b.rolling("2h").window == "2h"
    # a time window on a sort-based set_index: its divisions are computed first, as dask does
    flat = dd.from_pandas(pdf.reset_index(), npartitions=3).set_index("index")
    pd.testing.assert_series_equal(flat.b.rolling("3h").sum().compute(),
                                   pdf.b.rolling("3h").sum().rename_axis("index"), check_freq=False)


def test_overlap_reads_enough_neighbours_or_raises(pdf):
    df = dd.from_pandas(pdf, npartitions=10)  # 2 rows per partition, lengths known: enough are read
    eq(df.b.rolling(5).sum(), pdf.b.rolling(5).sum())
    unknown = df[df.a >= 0]  # lengths unknown: the nearest partition only, too short -> dask's error
    with pytest.raises(ValueError, match="repartition"):
        unknown.b.rolling(5).sum().compute()


def test_reductions(df, pdf):
    n, dn = pdf[["a", "b"]], df[["a", "b"]]
    eq(dn.sem(), n.sem())
    eq(df.b.sem(), pdf.b.sem())
    # skew/kurtosis are dask's (scipy's bias=True): population moments; missing values propagate
    # (NaN for a Series, 0 / -3 for a frame's column, as dask fills a frame's result)
    a = pdf.a.astype(float)
    d = a - a.mean()
    m2, m3, m4 = (d**2).mean(), (d**3).mean(), (d**4).mean()
    eq(dn.skew(), pd.Series({"a": m3 / m2**1.5, "b": 0.0}))
    eq(dn.kurtosis(), pd.Series({"a": m4 / m2**2 - 3, "b": -3.0}))
    eq(dn.kurtosis(fisher=False), pd.Series({"a": m4 / m2**2, "b": 0.0}))
    eq(df.a.skew(), m3 / m2**1.5)
    assert np.isnan(df.b.skew().compute()) and np.isnan(df.b.kurt().compute())
    eq(df.b.dropna().skew(), pdf.b.skew() * 14 / (16 * 15) ** 0.5)  # pandas' sample-size correction undone
    with pytest.raises(ValueError, match="axis=None"):
        df.b.skew(axis=None)
    with pytest.raises(TypeError, match="Cannot perform reduction 'skew' with string dtype"):
        df.skew()  # pandas' own error for the string column
    eq(df.b.median_approximate(), pdf.b.median())  # exact for small data
    eq(dn.median_approximate(), n.median())
    one = dd.from_pandas(pdf, npartitions=1)
    eq(one.b.median(), pdf.b.median())
    eq(one[["a", "b"]].median(), n.median())
    eq(dn.median(axis=1), n.median(axis=1))
    with pytest.raises(NotImplementedError, match="median_approximate"):
        dn.median()
    eq(df.nlargest(4, "b"), pdf.nlargest(4, "b"))
    eq(df.a.nsmallest(3), pdf.a.nsmallest(3))
    eq(dn.corr(), n.corr())
    eq(dn.cov(), n.cov())
    eq(df.a.corr(df.b), pdf.a.corr(pdf.b))
    eq(df[["a", "c"]].mode(), pdf[["a", "c"]].mode())
    eq(df[["c"]].value_counts().compute().sort_index(), pdf[["c"]].value_counts().sort_index())
    assert df.a.is_monotonic_increasing.compute() == pdf.a.is_monotonic_increasing
    assert df.index.is_monotonic_increasing.compute()


def test_memory_usage_like_dask(pdf):
    import dask.dataframe as ddd

    theirs = ddd.from_pandas(pdf, npartitions=4)
    ours = dd.from_pandas(pdf, npartitions=4)
    eq(ours.memory_usage(), theirs.memory_usage().compute())
    assert int(ours.a.memory_usage().compute()) == int(theirs.a.memory_usage().compute())
    assert ours.memory_usage_per_partition().compute().tolist() == \
        theirs.memory_usage_per_partition().compute().tolist()


def test_metadata(df, pdf):
    rows, cols = df.shape
    assert int(rows.compute()) == 20 and cols == 3 and df.ndim == 2 and df.a.ndim == 1
    eq(df.index, pdf.index)
    eq(df[df.index > pdf.index[5]], pdf[pdf.index > pdf.index[5]])
    assert isinstance(df.index, dd.Index)
    eq(df.select_dtypes("number"), pdf.select_dtypes("number"))
    eq(df.iloc[:, [0, 2]], pdf.iloc[:, [0, 2]])
    eq(df.iloc[:, 1], pdf.iloc[:, 1])
    with pytest.raises(NotImplementedError, match="only supports selecting columns"):
        df.iloc[3]
    assert df.compute_current_divisions() == df.divisions


def test_query_eval_prefix_flex(df, pdf):
    eq(df.query("a > 2 and b < 0.5"), pdf.query("a > 2 and b < 0.5"))
    eq(df.eval("a + b"), pdf.eval("a + b"))
    eq(df.eval("d = a * 2"), pdf.eval("d = a * 2"))
    eq(df.add_prefix("p_"), pdf.add_prefix("p_"))
    eq(df.add_suffix("_s"), pdf.add_suffix("_s"))
    n, dn = pdf[["a", "b"]], df[["a", "b"]]
    eq(dn.add(dn.shift(1), fill_value=0), n.add(n.shift(1), fill_value=0))
    eq(df.a.radd(1), pdf.a.radd(1))
    eq(df.a.rsub(df.b), pdf.a.rsub(pdf.b))
    eq(df.a.ge(3), pdf.a.ge(3))
    eq(df.a.add(df.b, fill_value=0), pdf.a.add(pdf.b, fill_value=0))
    eq(df.b.dropna(), pdf.b.dropna())
    eq(df.b.combine_first(df.a * 1.0), pdf.b.combine_first(pdf.a * 1.0))
    eq(df.b.case_when([(df.a > 5, 100.0), (df.a > 2, -1.0)]), pdf.b.case_when([(pdf.a > 5, 100.0),
                                                                              (pdf.a > 2, -1.0)]))


def test_sample_random_split_to_delayed(df, pdf):
    s = df.sample(frac=0.5, random_state=1).compute()
    assert s.index.isin(pdf.index).all() and len(s) == sum(round(len(p) * 0.5) for p in
                                                          (pdf.iloc[i:i + 5] for i in range(0, 20, 5)))
    pieces = [p.compute() for p in df.random_split([0.3, 0.7], random_state=2)]
    assert sorted(pd.concat(pieces).index) == sorted(pdf.index)
    parts = df.to_delayed()
    assert len(parts) == df.npartitions
    eq(pd.concat([p.compute() for p in parts]), pdf)


def test_pop_items_iterrows(df, pdf):
    col = df.pop("c")
    eq(col, pdf["c"])
    assert list(df.columns) == ["a", "b"]
    assert [k for k, _ in df.items()] == ["a", "b"]
    assert [i for i, _ in df.iterrows()] == list(pdf.index)


def test_frame_op_reduced_series_and_row_mask_setitem(df, pdf):
    n, dn = pdf[["a", "b"]], df[["a", "b"]]
    eq(dn - (dn.sum() + 1), n - (n.sum() + 1))
    eq(dn / n.max(), n / n.max())
    dn[dn.a > 4] = 0
    n = n.copy()
    n[n.a > 4] = 0
    eq(dn, n)
    with pytest.raises(NotImplementedError, match="numeric name"):
        dd.from_pandas(pd.DataFrame({0: [1, 2]}), npartitions=1)[0] = 5


def test_map_partitions_scalar_result_is_series(df, pdf):
    res = df.a.map_partitions(lambda p: p.min()).compute()
    assert isinstance(res, pd.Series) and len(res) == df.npartitions and res.min() == pdf.a.min()


def test_repartition_freq_like_dask(pdf):
    import dask.dataframe as ddd

    for freq in ("7h", "1D", "ME"):
        ours = dd.from_pandas(pdf, npartitions=3).repartition(freq=freq)
        theirs = ddd.from_pandas(pdf, npartitions=3).repartition(freq=freq)
        assert ours.divisions == theirs.divisions
        eq(ours, pdf)
    with pytest.raises(TypeError, match="timeseries"):
        dd.from_pandas(pdf.reset_index(drop=True), npartitions=2).repartition(freq="1D")


def test_module_functions(pdf):
    s = dd.from_pandas(pd.Series(["2020-01-01", "2020-01-03", "2021-05-06"], name="t"), npartitions=2)
    eq(dd.to_datetime(s), pd.to_datetime(s.compute()))
    n = dd.from_pandas(pd.Series(["1", "2.5", "x"], name="n"), npartitions=2)
    eq(dd.to_numeric(n, errors="coerce"), pd.to_numeric(n.compute(), errors="coerce"))
    eq(dd.to_timedelta(dd.from_pandas(pd.Series([1, 2]), npartitions=1), unit="s"),
       pd.to_timedelta(pd.Series([1, 2]), unit="s"))
    df = dd.from_pandas(pdf, npartitions=3)
    eq(dd.isna(df.b), pdf.b.isna())
    cat = df.categorize(columns=["c"])  # known categories (astype("category") leaves them unknown, as dask)
    eq(dd.get_dummies(cat, columns=["c"]), pd.get_dummies(pdf.astype({"c": "category"}), columns=["c"]))
    with pytest.raises(NotImplementedError, match="unknown categories"):
        dd.get_dummies(df.astype({"c": "category"}), columns=["c"])
    with pytest.raises(NotImplementedError, match="categorize"):
        dd.get_dummies(df, columns=["c"])
    got = dd.melt(df, id_vars=["c"], value_vars=["a"]).compute()
    exp = pd.melt(pdf, id_vars=["c"], value_vars=["a"])
    eq(got.sort_values(["c", "value"]).reset_index(drop=True), exp.sort_values(["c", "value"]).reset_index(drop=True))


def test_merge_asof():
    left = pd.DataFrame({"t": [1, 5, 10, 12, 20], "v": list("abcde")})
    right = pd.DataFrame({"t": [1, 2, 3, 6, 7, 11, 19], "r": range(7)})
    for direction in ("backward", "forward", "nearest"):
        out = dd.merge_asof(dd.from_pandas(left, npartitions=2), dd.from_pandas(right, npartitions=3), on="t",
                            direction=direction)
        eq(out.compute().reset_index(drop=True), pd.merge_asof(left, right, on="t", direction=direction))
        # every partition's result is numbered from 0 by pandas: the divisions are unknown
        assert not out.known_divisions and out.npartitions == 2
    with pytest.raises(ValueError, match="combination of both"):
        dd.merge_asof(dd.from_pandas(left, npartitions=2), dd.from_pandas(right, npartitions=3), on="t",
                      by="v", left_by="v", right_by="r")
    unsorted = dd.from_pandas(right.iloc[::-1].reset_index(drop=True), npartitions=1, sort=False)
    with pytest.raises(ValueError, match="right keys must be sorted"):
        dd.merge_asof(dd.from_pandas(left, npartitions=2), unsorted, on="t").compute()


def test_read_json_and_to_json(tmp_path, pdf):
    p = pdf.reset_index(drop=True)
    for i in range(2):
        p.iloc[i * 10:(i + 1) * 10].to_json(tmp_path / f"f{i}.json", orient="records", lines=True)
    df = dd.read_json(str(tmp_path / "*.json"))
    assert df.npartitions == 2
    eq(df.compute().reset_index(drop=True), pd.read_json(tmp_path / "f0.json", lines=True).pipe(
        lambda a: pd.concat([a, pd.read_json(tmp_path / "f1.json", lines=True)], ignore_index=True)))
    out = tmp_path / "out"
    files = df.to_json(str(out))
    assert len(files) == 2
    back = dd.read_json(str(out))
    eq(back.compute().reset_index(drop=True), df.compute().reset_index(drop=True))


def test_not_implemented_names_workaround():
    for name in ("read_hdf", "read_sql_table", "read_orc"):
        with pytest.raises(NotImplementedError, match="from_delayed|from_map"):
            getattr(dd, name)("x")


def test_reduction_with_user_functions(df, pdf):
    out = df.a.reduction(lambda s: s.sum(), aggregate=lambda s: s.sum())
    assert int(out.compute()) == int(pdf.a.sum())
    cnt = df.reduction(lambda p: p.count(), aggregate=lambda s: s.groupby(level=0).sum())
    eq(cnt, pdf.count())


@pytest.mark.parametrize("nparts", [1, 4, 9])
@pytest.mark.parametrize("rule, kw", [("1D", {}), ("7h", {}), ("2D", {"closed": "right"}), ("W", {}),
                                      ("MS", {}), ("30min", {"label": "right"})])
def test_resample(nparts, rule, kw):
    idx = pd.date_range("2021-01-01 03:00", periods=50, freq="5h")
    pdf = pd.DataFrame({"x": np.arange(50.0), "y": np.arange(50) % 7}, index=idx)
    df = dd.from_pandas(pdf, npartitions=nparts)
    for how in ("sum", "count", "mean", "max"):
        got = getattr(df.resample(rule, **kw), how)()
        exp = getattr(pdf.resample(rule, **kw), how)()
        pd.testing.assert_frame_equal(got.compute(), exp, check_freq=False)
        assert got.known_divisions and got.divisions[0] == exp.index[0] and got.divisions[-1] == exp.index[-1]
    eq(df.x.resample(rule, **kw).agg("sum"), pdf.x.resample(rule, **kw).agg("sum"), check_freq=False)


def test_resample_needs_known_divisions(pdf):
    with pytest.raises(ValueError, match="known divisions"):
        dd.from_pandas(pdf, npartitions=2, sort=False).resample("1D")


@pytest.mark.parametrize("key", [slice("2021-01-01 05:00", "2021-01-01 12:00"), "2021-01-01",
                                 slice("2021-01-01 10:00", None), slice(None, "2021-01-01 07:30")])
def test_loc_with_date_strings(df, pdf, key):
    exp = pdf.loc[key]
    eq(df.loc[key], exp)


def test_parquet_statistics_divisions_are_timestamps(tmp_path, pdf):
    p = pdf.reset_index(names="t")
    for i in range(2):
        p.iloc[i * 10:(i + 1) * 10].to_parquet(tmp_path / f"part.{i}.parquet")
    df = dd.read_parquet(str(tmp_path)).set_index("t", sorted=True)
    assert df.divisions == (pdf.index[0], pdf.index[10], pdf.index[-1])
    assert all(type(d) is pd.Timestamp for d in df.divisions)
    eq(df.loc["2021-01-01 10:00":"2021-01-01 12:00"].a, pdf.loc["2021-01-01 10:00":"2021-01-01 12:00"].a.rename_axis("t"),
       check_freq=False)


def test_dask_signatures_and_small_semantics():
    pdf = pd.DataFrame({"a": [1, 2, 3, 4, 5, 6], "b": [1.0, np.nan, 3, 4, 5, np.nan]},
                       index=pd.date_range("2000", periods=6))
    df = dd.from_pandas(pdf, npartitions=3)
    eq(df.assign(e=df.a.sum()), pdf.assign(e=pdf.a.sum()))
    d2 = df.copy()
    d2["m"] = df.b.mean()
    eq(d2, pdf.assign(m=pdf.b.mean()))
    eq(df.b.sum(min_count=5), pdf.b.sum(min_count=5))
    eq(df.b.sum(min_count=3), pdf.b.sum(min_count=3))
    eq(df.sum(min_count=5), pdf.sum(min_count=5))
    shifted = df.shift(2, freq="D")
    eq(shifted, pdf.shift(2, freq="D"))
    assert shifted.divisions == tuple(pd.Index(df.divisions).shift(2, freq="D"))  # divisions move too
    eq(df.cumsum(axis=1), pdf.cumsum(axis=1))
    eq(df.diff(axis=1), pdf.diff(axis=1))
    eq(df.dropna(how="all"), pdf.dropna(how="all"))
    eq(df.dropna(thresh=2), pdf.dropna(thresh=2))
    eq(df.drop(["a", "zz"], axis=1, errors="ignore"), pdf.drop(["a", "zz"], axis=1, errors="ignore"))
    hour = pd.Timedelta("1h")
    eq(df.rename(index=lambda x: x + hour), pdf.rename(index=lambda x: x + hour))
    r = df.a.rename(lambda x: x + hour, sorted_index=True)
    eq(r, pdf.a.rename(lambda x: x + hour))
    assert r.divisions == tuple(d + hour for d in df.divisions)
    s = df.a.copy()
    s.name = "z"
    eq(s, pdf.a.rename("z"))
    eq(df.a, pdf.a)  # the copy was renamed, not the original
    eq(df[np.array(["a"])], pdf[["a"]])
    eq(df[df > 2], pdf[pdf > 2])
    assert df.a.sum().to_delayed().compute() == pdf.a.sum()
    assert df._ipython_key_completions_() == ["a", "b"]


def test_describe_every_column_kind_like_pandas():
    pdf = pd.DataFrame({"n": [1.0, None, 3.0, 4.0, 5.0, 6.0], "s": ["a", "b", "b", None, "c", "b"],
                        "b": [True, False, True, True, False, True],
                        "td": pd.to_timedelta([1, 2, None, 4, 5, 6], unit="D"),
                        "t": pd.to_datetime(["2020-01-01", None, "2020-01-03", "2020-01-04", "2020-01-05",
                                             "2020-01-06"])})
    ddf = dd.from_pandas(pdf, npartitions=3)
    got = ddf.describe(include="all").compute()
    eq(got.drop(columns="t"), pdf.describe(include="all").drop(columns="t"))
    assert got["t"].drop("mean").equals(pdf.describe(include="all")["t"].drop("mean")) and pd.isna(got.t["mean"])
    eq(ddf.s.describe(), pdf.s.describe())
    eq(ddf.td.describe(), pdf.td.describe())
    eq(ddf.describe(exclude=["number", "datetime"]), pdf.describe(exclude=["number", "datetime"]))
    assert "mean" not in ddf.t.describe().compute().index  # like dask: no mean of datetimes
    with pytest.raises(ValueError, match="without columns"):
        dd.from_pandas(pd.DataFrame({"x": [1]}), npartitions=1).describe(include=["datetime"])


@pytest.mark.parametrize("n", [2, 5])
def test_split_out_partitions_hold_disjoint_values(n):
    pdf = pd.DataFrame({"x": [1, 2, 3, 4, 1, 2, 3, 5] * 5, "y": list("abcdabce") * 5})
    ddf = dd.from_pandas(pdf, npartitions=4)
    u = ddf.x.unique(split_out=n)
    parts = [set(u.partitions[i].compute()) for i in range(u.npartitions)]
    assert u.npartitions == n and sum(map(len, parts)) == len(set().union(*parts)) == 5
    d = ddf.drop_duplicates(split_out=n, keep="last")
    assert d.npartitions == n
    eq(d.compute().sort_index(), pdf.drop_duplicates(keep="last").sort_index())
    vc = ddf.y.value_counts(split_out=n, normalize=True)
    assert vc.npartitions == n
    eq(vc.compute().sort_index(), pdf.y.value_counts(normalize=True).sort_index())
    eq(ddf.index.drop_duplicates(split_out=n).compute().sort_values(), pdf.index.drop_duplicates().sort_values(),
       exact="equiv")


def test_row_wise_nunique_and_idxmax():
    pdf = pd.DataFrame({"a": [1, 2, 2], "b": [1, 3, 2], "c": ["x", "y", "z"]})
    ddf = dd.from_pandas(pdf, npartitions=2)
    eq(ddf.nunique(axis=1), pdf.nunique(axis=1))
    eq(ddf[["a", "b"]].idxmax(axis=1), pdf[["a", "b"]].idxmax(axis=1))
    eq(ddf.idxmax(numeric_only=True), pdf.idxmax(numeric_only=True))
    assert ddf.nunique()._meta.index.dtype == pdf.nunique().index.dtype


def test_groupby_methods_through_a_shuffle():
    pdf = pd.DataFrame({"a": [1, 2, 6, 4, 4, 6, 4, 3, 7] * 3, "b": [4, 2, 7, 3, 3, 1, 1, 1, 2] * 3,
                        "c": np.arange(27.0)}, index=np.arange(27) * 2)
    ddf = dd.from_pandas(pdf, npartitions=4)
    eq(ddf.groupby("a").median(), pdf.groupby("a").median())
    eq(ddf.groupby("a").cumsum().compute().sort_index(), pdf.groupby("a").cumsum())
    eq(ddf.c.groupby(ddf.a).cumcount().compute().sort_index(), pdf.c.groupby(pdf.a).cumcount())
    eq(ddf.groupby("a").c.transform(lambda x: x - x.mean(), meta=("c", "f8")).compute().sort_index(),
       pdf.groupby("a").c.transform(lambda x: x - x.mean()))
    with pytest.warns(UserWarning, match="`meta` is not specified"):
        got = ddf.groupby(["a", "b"]).apply(lambda g: g.c.sum(), include_groups=False)
    eq(got.compute().sort_index(), pdf.groupby(["a", "b"]).apply(lambda g: g.c.sum(), include_groups=False))
    eq(ddf.groupby("a").get_group(4).compute(), pdf.groupby("a").get_group(4))
    eq(ddf.groupby(ddf.a > 3).c.idxmax(), pdf.groupby(pdf.a > 3).c.idxmax())
    assert ddf.groupby(["a", "b"]).c.sum().index._meta.names == ["a", "b"]


@pytest.mark.parametrize("join", ["inner", "outer", "left", "right"])
def test_align_with_different_divisions(join):
    rng = np.random.RandomState(1)
    p1 = pd.DataFrame({"A": rng.randn(10), "B": rng.randn(10)}, index=range(10))
    p2 = pd.DataFrame({"A": rng.randn(8), "C": rng.randn(8)}, index=range(5, 13))
    a, b = dd.from_pandas(p1, npartitions=3), dd.from_pandas(p2, npartitions=2)
    ra, rb = a.align(b, join=join)
    ea, eb = p1.align(p2, join=join)
    assert ra.divisions == rb.divisions and ra.known_divisions
    eq(ra, ea)
    eq(rb, eb)


def test_relabelled_index_and_partition_memory_have_unknown_divisions():
    from dask.dataframe.utils import assert_eq as dask_assert_eq

    for index in (["foo", "bar"], [1, 2], [1.1, 2.2]):
        p = pd.DataFrame([[1, 2], [3, 4]], index=index, columns=["a", "b"])
        df = dd.from_pandas(p, npartitions=2)
        for got, exp in ((df.a.add_prefix("abc"), p.a.add_prefix("abc")),
                         (df.a.add_suffix("abc"), p.a.add_suffix("abc")),
                         (df.add_prefix("x", axis=0), p.add_prefix("x", axis=0))):
            assert not got.known_divisions
            dask_assert_eq(got, exp)
    p = pd.DataFrame({"x": [1, 2, 3, 4, 5]})
    m = dd.from_pandas(p, npartitions=2).memory_usage_per_partition()
    assert not m.known_divisions and m.npartitions == 2
    assert m.compute().index.tolist() == [0, 1]


def test_copy_is_shallow_only():
    p = pd.DataFrame({"x": [1, 2, 3]})
    a = dd.from_pandas(p, npartitions=2)
    b, c = a.copy(), a.x.copy()
    a["y"] = a.x * 2
    assert list(b.columns) == ["x"] and c.compute().tolist() == [1, 2, 3]
    for deep in (True, None, ""):
        with pytest.raises(ValueError, match="must be False"):
            a.copy(deep=deep)
        with pytest.raises(ValueError, match="must be False"):
            a.x.copy(deep=deep)


def test_fillna_takes_lazy_scalars_frames_and_partial_dicts():
    from dask.dataframe.utils import assert_eq as dask_assert_eq

    p = pd.DataFrame({"A": [1.0, np.nan, 3.0, np.nan], "B": [np.nan, 2.0, np.nan, 4.0]})
    df = dd.from_pandas(p, npartitions=2)
    dask_assert_eq(df.A.fillna(df.A.mean()), p.A.fillna(p.A.mean()))
    dask_assert_eq(df.fillna(pd.Series([1, 10], index=["A", "C"])), p.fillna(pd.Series([1, 10], index=["A", "C"])))
    q = pd.DataFrame({"A": [9.0, 9.0, np.nan, 9.0], "B": [8.0, 8.0, 8.0, np.nan]})
    dask_assert_eq(df.fillna(dd.from_pandas(q, npartitions=3)), p.fillna(q))
    dask_assert_eq(df.fillna(100, axis=1), p.fillna(100, axis=1))
    with pytest.raises(ValueError):
        df.A.fillna(0, axis=1)


def test_assign_a_pandas_series_aligns_on_the_index():
    from dask.dataframe.utils import assert_eq as dask_assert_eq

    p = pd.DataFrame({"a": [1, 2, 3, 4], "b": [5, 6, 7, 8]})
    df = dd.from_pandas(p, npartitions=2)
    s = pd.Series([10, 30], index=[0, 2])
    dask_assert_eq(df.assign(c=s), p.assign(c=s))
    d2 = df.copy()
    d2["c"] = pd.Series([7, 8, 9, 10])
    dask_assert_eq(d2, p.assign(c=[7, 8, 9, 10]))
    assert d2.dtypes["b"] == np.dtype("int64")  # the meta keeps the frame's dtypes


def test_reductions_of_durations_strings_and_mixed_dtypes():
    td = pd.Series(pd.to_timedelta([2, 3, 4, np.nan, 5]))
    dtd = dd.from_pandas(td, 2)
    assert dtd.sum().compute() == td.sum()
    s = pd.Series(["a", "b", "c", "d", "e"])
    assert dd.from_pandas(s, 2).sum().compute() == "abcde"  # concatenated in row order, as pandas
    for bad in ("std", "var", "mean", "skew"):
        with pytest.raises(ValueError, match=f"`{bad}` not supported with string series"):
            getattr(dd.from_pandas(s, 2), bad)()
    dates = dd.from_pandas(pd.Series(pd.date_range("2011-01-01", periods=5)), 2)
    assert isinstance(dates.min()._meta, pd.Timestamp)
    assert dates.min().compute() == pd.Timestamp("2011-01-01")
    cats = pd.Series(pd.Categorical([3, 1, 2], ordered=True))
    assert dd.from_pandas(cats, 2).min().compute() == 1
    # numbers with booleans: pandas' object result of min/max
    mixed = pd.DataFrame({"i": [1, 2, 3], "f": [1.5, np.nan, 0.5], "b": [True, False, True]})
    got = dd.from_pandas(mixed, 2).min()
    assert got._meta.dtype == object
    pd.testing.assert_series_equal(got.compute(), mixed.min())
    # skipna=False of integers is the plain reduction (pandas keeps the integer dtype)
    ints = pd.Series([4, 5, 6])
    got = dd.from_pandas(ints, 2).prod(skipna=False)
    assert got.dtype == np.dtype("int64") and got.compute() == 120
    # a frame without columns: pandas' dtypes and column index
    empty = pd.DataFrame(index=pd.date_range("2000", periods=4))
    for how in ("sum", "count", "mean", "var"):
        got = getattr(dd.from_pandas(empty, 1), how)()
        pd.testing.assert_series_equal(got.compute(), getattr(empty, how)())
        assert got._meta.dtype == getattr(empty, how)().dtype
    # divmod gives the floor quotient and the remainder
    x = pd.Series([5.0, 7.5, -3.0])
    q, r = divmod(dd.from_pandas(x, 2), 2.0)
    pd.testing.assert_series_equal(q.compute(), x // 2.0)
    pd.testing.assert_series_equal(r.compute(), x % 2.0)
    # an Index has no std (pandas' Index has none; dask raises AttributeError)
    with pytest.raises(AttributeError, match="has no attribute 'std'"):
        dd.from_pandas(pd.DataFrame({"a": [1, 2]}), 2).index.std()


def test_squeeze_axes_and_shift_by_frequency_follow_dask():
    pdf = pd.DataFrame({"x": [1, 3, 6]})
    df = dd.from_pandas(pdf, 3)
    pd.testing.assert_series_equal(df.squeeze(axis=1).compute(), pdf.squeeze(axis=1))
    with pytest.raises(NotImplementedError, match="does not support squeeze along axis 0"):
        df.squeeze(axis=0)
    with pytest.raises(ValueError, match="No axis 2 for object type"):
        df.squeeze(axis=2)
    t = pd.DataFrame({"a": np.arange(30.0)}, index=pd.date_range("2000-01-01", periods=30, freq="D"))
    dt = dd.from_pandas(t, npartitions=4)
    for freq, known in (("s", True), ("W", False), (pd.Timedelta(10, unit="h"), True)):
        for d, p in ((dt, t), (dt.a, t.a), (dt.index, t.index)):
            got = d.shift(2, freq=freq)
            assert got.known_divisions == known
            exp = p.shift(2, freq=freq)
            (pd.testing.assert_index_equal if isinstance(exp, pd.Index) else eq)(got.compute(), exp)
    got = dt.index.shift(2)  # the index's own frequency (days): divisions move by two days
    assert got.divisions[0] == pd.Timestamp("2000-01-03")
    pd.testing.assert_index_equal(got.compute(), t.index.shift(2))
    plain = dd.from_pandas(pd.DataFrame({"a": [1.0, 2.0]}), 2)
    with pytest.raises(NotImplementedError, match="DatetimeIndex"):
        plain.shift(2, freq="s")
    with pytest.raises(NotImplementedError, match="DatetimeIndex"):
        plain.index.shift(2)
    per = dd.from_pandas(t.set_axis(pd.period_range("2000-01-01", periods=30, freq="D")), 4)
    with pytest.raises(ValueError, match="PeriodIndex"):
        per.index.shift(2, freq="D")


def test_contains_is_column_membership_and_series_rename_needs_an_argument():
    df = dd.from_pandas(pd.DataFrame({"A": [1, 2], 0: [3, 4]}), 1)
    assert "A" in df and 0 in df and "B" not in df and 1 not in df and [1] not in df
    with pytest.raises(TypeError):
        df.A.rename()  # dask's Series.rename takes the new name or mapping positionally
    assert df.A.rename("b").name == "b"
