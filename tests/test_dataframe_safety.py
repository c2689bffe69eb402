"""Writers never delete what they did not write, and answers that used to come out silently
wrong: each case compared with pandas (and dask where dask is the reference)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

import hlq.dataframe as dd


def _frame(n=12, nparts=3):
    return dd.from_pandas(pd.DataFrame({"a": np.arange(n)}), npartitions=nparts)


# ------------------------------------------------------------- to_parquet overwrite safety
def _tree(root):
    out = []
    for d, _dirs, files in os.walk(root):
        out += [os.path.relpath(os.path.join(d, f), root) for f in files]
    return sorted(out)


def test_to_parquet_overwrite_refuses_cwd_parents_home_root(tmp_path, monkeypatch):
    work = tmp_path / "proj" / "sub"
    work.mkdir(parents=True)
    (work / "keep.txt").write_text("mine")
    (work / "part.0.parquet").write_bytes(b"PAR1 looks like a dataset file")
    (tmp_path / "proj" / "other.txt").write_text("also mine")
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("notes")
    monkeypatch.chdir(work)
    monkeypatch.setenv("HOME", str(home))
    before = _tree(tmp_path)
    df = _frame()
    with pytest.raises(ValueError, match="Cannot clear the contents of the current working directory!"):
        dd.to_parquet(df, "./", overwrite=True)
    with pytest.raises(ValueError, match="Cannot clear the contents of the current working directory!"):
        df.to_parquet(str(work), overwrite=True, compute=False)
    for target in ["..", str(tmp_path / "proj"), str(tmp_path), str(home), os.path.dirname(str(home)), "/"]:
        with pytest.raises(ValueError, match="Cannot clear"):
            dd.to_parquet(df, target, overwrite=True)
    assert _tree(tmp_path) == before  # nothing deleted, nothing written


def test_to_parquet_overwrite_replaces_only_parquet_datasets(tmp_path):
    import dask.dataframe as dask_dd
    import pyarrow as pa
    import pyarrow.parquet as pq

    pdf = pd.DataFrame({"a": np.arange(12), "k": np.arange(12) % 2})
    df = dd.from_pandas(pdf, npartitions=3)
    # a directory holding anything else is refused and kept
    mixed = tmp_path / "mixed"
    df.to_parquet(str(mixed))
    (mixed / "README.txt").write_text("not parquet")
    with pytest.raises(ValueError, match="README.txt"):
        df.to_parquet(str(mixed), overwrite=True)
    assert sorted(os.listdir(mixed)) == ["README.txt", "part.0.parquet", "part.1.parquet", "part.2.parquet"]
    # datasets written by dask and by pyarrow (hive partitions, _metadata) are replaced
    by_dask = tmp_path / "by_dask"
    dask_dd.from_pandas(pdf, npartitions=2).to_parquet(str(by_dask), write_metadata_file=True)
    by_pyarrow = tmp_path / "by_pyarrow"
    pq.write_to_dataset(pa.Table.from_pandas(pdf), str(by_pyarrow), partition_cols=["k"])
    for target in (by_dask, by_pyarrow):
        df[df.a > 5].to_parquet(str(target), overwrite=True, write_index=False)
        assert sorted(os.listdir(target)) == ["part.0.parquet", "part.1.parquet", "part.2.parquet"]
        got = dd.read_parquet(str(target)).compute()
        pd.testing.assert_frame_equal(got.reset_index(drop=True), pdf[pdf.a > 5].reset_index(drop=True))


def test_to_parquet_append(tmp_path):
    pdf = pd.DataFrame({"a": np.arange(12), "b": np.linspace(0, 1, 12)})
    out = str(tmp_path / "ds")
    with pytest.raises(ValueError, match=r"Cannot use both `overwrite=True` and `append=True`!"):
        dd.from_pandas(pdf, npartitions=2).to_parquet(out, overwrite=True, append=True)
    assert not os.path.exists(out)
    dd.from_pandas(pdf.iloc[:6], npartitions=2).to_parquet(out)
    dd.from_pandas(pdf.iloc[6:], npartitions=2).to_parquet(out, append=True)
    assert sorted(os.listdir(out)) == [f"part.{i}.parquet" for i in range(4)]
    pd.testing.assert_frame_equal(dd.read_parquet(out).compute(), pdf)
    with pytest.raises(ValueError, match="Appended columns not the same"):
        dd.from_pandas(pdf.rename(columns={"b": "c"}), npartitions=2).to_parquet(out, append=True)
    assert len(os.listdir(out)) == 4


def test_to_parquet_failed_partition_reports_its_own_error(tmp_path):
    # partition 0 holds an object column pyarrow cannot convert; the others write fine
    pdf = pd.DataFrame({"a": np.arange(64), "o": ["s"] * 64}, dtype=object).astype({"a": "int64"})
    pdf.loc[0, "o"] = 1.5
    df = dd.from_pandas(pdf, npartitions=16)
    for attempt in range(4):
        out = tmp_path / f"out{attempt}"
        with pytest.raises(Exception) as info:
            df.to_parquet(str(out), compute_kwargs={"scheduler": "threads", "num_workers": 4})
        assert not isinstance(info.value, FileNotFoundError), info.value
        assert "hlq-tmp" not in str(info.value)
        assert not out.exists()
    assert sorted(os.listdir(tmp_path)) == []


# ------------------------------------------------------------------ silent wrong answers
def test_read_csv_names_with_blocksize_reads_each_line_once(tmp_path):
    p = tmp_path / "noheader.csv"
    p.write_text("".join(f"{i},{c}\n" for i, c in enumerate("abcdef", 1)))
    exp = pd.read_csv(p, names=["n", "a"])
    for kw in ({"names": ["n", "a"]}, {"header": None, "names": ["n", "a"]}):
        df = dd.read_csv(str(p), blocksize=16, **kw)
        assert df.npartitions > 1
        pd.testing.assert_frame_equal(df.compute().reset_index(drop=True), exp)
    # names= with an explicit header row: the header line is replaced, not read as data
    h = tmp_path / "header.csv"
    h.write_text("u,v\n" + p.read_text())
    got = dd.read_csv(str(h), names=["n", "a"], header=0, blocksize=16).compute().reset_index(drop=True)
    pd.testing.assert_frame_equal(got, pd.read_csv(h, names=["n", "a"], header=0))


def test_truth_value_of_a_collection_is_ambiguous():
    df = dd.from_pandas(pd.DataFrame({"x": [1.0, 5.0]}), npartitions=2)
    for obj in (df.x > 3, df, df[["x"]] > 3):
        with pytest.raises(ValueError, match="truth value of a .* is ambiguous"):
            bool(obj)
    with pytest.raises(ValueError, match="ambiguous"):
        if df.x > 3:
            pass


def test_numpy_ufuncs_on_series_and_frames_are_elementwise():
    pdf = pd.DataFrame({"x": [1.0, 5.0, 2.0, 7.0, -1.0], "y": [3.0, 1.0, 2.0, 9.0, 0.5]})
    df = dd.from_pandas(pdf, npartitions=2)
    cases = [
        (lambda d: np.sin(d.x), "sin"),
        (lambda d: np.maximum(d.x, 3), "maximum"),
        (lambda d: np.minimum(3, d.x), "minimum reversed"),
        (lambda d: np.logical_or(d.x > 3, d.y > 3), "logical_or"),
        (lambda d: np.maximum(d.x, d.y), "two series"),
        (lambda d: np.exp(d), "frame"),
        (lambda d: np.power(d, 2), "frame power"),
        (lambda d: np.add(d.x, d.x.sum()), "with a reduction"),
    ]
    for f, what in cases:
        got = f(df)
        assert isinstance(got, (dd.Series, dd.DataFrame)), what
        exp = f(pdf)
        res = got.compute()
        if isinstance(exp, pd.Series):
            pd.testing.assert_series_equal(res, exp, obj=what)
        else:
            pd.testing.assert_frame_equal(res, exp, obj=what)
    # not element-wise with one result: refused rather than wrong
    with pytest.raises(TypeError):
        np.divmod(df.x, 2)


def test_numpy_reductions_of_a_frame_reduce_every_value():
    # np.sum(df) passes axis=None: pandas reduces over both axes (one common dtype), so a Scalar
    pdf = pd.DataFrame({"A": np.arange(1, 21) ** 3, "C": np.linspace(0.5, 2.0, 20)})
    df = dd.from_pandas(pdf, npartitions=3)
    for f in (np.sum, np.prod, np.min, np.max, np.mean):
        got = f(df)
        assert isinstance(got, dd.Scalar), f.__name__
        assert np.isclose(got.compute(), f(pdf)), f.__name__
    # the default axis stays per column
    pd.testing.assert_series_equal(df.sum().compute(), pdf.sum())


def test_numpy_ufuncs_on_an_index_give_an_index():
    pdf = pd.DataFrame({"x": np.arange(20.0)})
    df = dd.from_pandas(pdf, npartitions=3)
    got = np.exp(df.index)
    assert isinstance(got, dd.Index)
    pd.testing.assert_index_equal(got.compute(), np.exp(pdf.index))
    assert got.divisions == tuple(np.exp(np.array(df.divisions, dtype=float)))  # exp keeps the order
    assert np.sin(df.index).known_divisions is False  # sin does not
    neg = np.negative(df.index)
    pd.testing.assert_index_equal(neg.compute(), -pdf.index, exact=True)  # pandas keeps a RangeIndex
    assert neg.known_divisions is False


def test_numpy_ufuncs_align_partitions_and_accept_pandas_operands():
    p1, p2 = pd.Series(np.arange(20)), pd.Series(np.arange(20) * 2.0)
    d1, d2 = dd.from_pandas(p1, npartitions=3), dd.from_pandas(p2, npartitions=4)
    for got in (np.logaddexp(d1, d2), np.logaddexp(d1, p2), d1 + d2):
        assert isinstance(got, dd.Series)
        assert got.known_divisions
    pd.testing.assert_series_equal(np.logaddexp(d1, d2).compute(), np.logaddexp(p1, p2))
    pd.testing.assert_series_equal(np.logaddexp(d1, p2).compute(), np.logaddexp(p1, p2))
    pd.testing.assert_series_equal((d1 + d2).compute(), p1 + p2)
    # a lazy Scalar: broadcast into a frame; computed when the other side is pandas
    pdf = pd.DataFrame({"A": [1, 2, 3], "C": [0.5, 0.0, 2.0]})
    df = dd.from_pandas(pdf, npartitions=2)
    zero = dd.from_pandas(pd.Series([0]), npartitions=1).sum()
    pd.testing.assert_frame_equal(np.logical_and(df, zero).compute(), np.logical_and(pdf, 0))
    pd.testing.assert_series_equal(np.maximum(pdf.A, zero), np.maximum(pdf.A, 0))
    # a two-input ufunc that is no operator runs on a mixed frame's values as floats, as in pandas
    pd.testing.assert_frame_equal(np.maximum(df, 2).compute(), np.maximum(pdf, 2))
    pd.testing.assert_frame_equal(np.add(df, 2).compute(), np.add(pdf, 2))


def test_numpy_ufunc_out_and_dask_array_wrappers():
    import dask.array as da

    pdf = pd.DataFrame({"A": [1.0, 2.0, 3.0], "B": [4.0, 5.0, 6.0]})
    df = dd.from_pandas(pdf, npartitions=2)
    out = dd.from_pandas(pd.DataFrame({"Y": [0.0] * 3, "Z": [0.0] * 3}), npartitions=2)
    np.sin(df, out=out)
    pd.testing.assert_frame_equal(out.compute(), np.sin(pdf))
    with pytest.raises(TypeError):
        np.sin(df, out=dd.from_pandas(pd.Series([0.0]), npartitions=1))
    # dask.array's wrappers call the collection's _elemwise
    for got in (da.sin(df), da.clip(df, 2, 5), np.clip(df, 2, 5)):
        assert isinstance(got, dd.DataFrame)
    pd.testing.assert_frame_equal(da.clip(df, 2, 5).compute(), np.clip(pdf, 2, 5))
    # numpy functions that would compute and rewrap raise, naming the function
    with pytest.raises(NotImplementedError, match="`repeat` is not implemented"):
        np.repeat(df.A, 2)


def test_series_map_meta_warning_and_lazy_mappers():
    base = pd.Series(np.arange(20, dtype="i2"))
    mapper = pd.Series(np.arange(30) * 10, index=np.arange(30) + 5)
    ds = dd.from_pandas(base, npartitions=4)
    dm = dd.from_pandas(mapper, npartitions=3)
    # without meta: dask's warning, the result type inferred on fake data
    with pytest.warns(UserWarning, match="meta"):
        got = ds.map(dm)
    pd.testing.assert_series_equal(got.compute(), base.map(mapper))
    assert got.divisions == ds.divisions
    with pytest.warns(UserWarning, match="meta"):
        ds.map(lambda v: v + 1)
    with pytest.warns(UserWarning, match="meta"):
        ds.map({1: 2})
    # meta given: no warning, the declared name and dtype
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = ds.map(lambda v: v + 1, meta=("y", "int64"))
        assert got.name == "y" and got.dtype == np.dtype("int64")
        got = ds.map(dm, meta=base.map(mapper))
        pd.testing.assert_series_equal(got.compute(), base.map(mapper))
    # a function failing on fake data asks for meta
    with pytest.raises(ValueError, match="meta="):
        dd.from_pandas(pd.Series(["abcd", "abcd"]), npartitions=2).map(lambda x: x[7])


def test_index_map_gives_an_index():
    df = dd.from_pandas(pd.DataFrame({"x": [1, 2, 3, 4, 5]}), npartitions=2)
    with pytest.warns(UserWarning, match="meta"):
        cleared = df.index.map(lambda v: v * 10)
    assert isinstance(cleared, dd.Index) and cleared.known_divisions is False
    pd.testing.assert_index_equal(cleared.compute(), pd.RangeIndex(5).map(lambda v: v * 10))
    kept = df.index.map(lambda v: v * 10, is_monotonic=True, meta=pd.Index([], dtype="int64"))
    assert kept.divisions == tuple(v * 10 for v in df.divisions)
    mapper = dd.from_pandas(pd.Series([7.0, 8.0], index=[1, 3]), npartitions=2)
    got = df.index.map(mapper, meta=pd.Index([], dtype="float64"))
    assert isinstance(got, dd.Index) and got.known_divisions is False
    pd.testing.assert_index_equal(got.compute(), pd.RangeIndex(5).map(pd.Series([7.0, 8.0], index=[1, 3])))


def test_frame_map_warns_without_meta():
    pdf = pd.DataFrame({"x": [1.0, 2.0, np.nan], "y": [10, 20, 30]})
    df = dd.from_pandas(pdf, npartitions=2)
    with pytest.warns(UserWarning, match="meta"):
        got = df.map(lambda v: v + 1)
    pd.testing.assert_frame_equal(got.compute(), pdf.map(lambda v: v + 1))


def test_enforced_divisions_skip_missing_values_like_dask():
    base = pd.Index([1.0, None], dtype="float32")
    ds = dd.from_pandas(pd.Series(base, index=base), npartitions=2)
    pd.testing.assert_series_equal(ds.enforce_runtime_divisions().compute(), pd.Series(base, index=base))


def test_pivot_table_columns_are_pandas_columns():
    rng = np.random.default_rng(0)
    pdf = pd.DataFrame({"A": rng.choice(list("XYZ"), 60), "B": rng.random(60),
                        "C": pd.Categorical(rng.choice(list("abc"), 60)), "D": rng.random(60)})
    df = dd.from_pandas(pdf, npartitions=4)
    for values in ("B", ["B", "D"]):
        for how in ("mean", "sum", "count"):
            got = dd.pivot_table(df, index="A", columns="C", values=values, aggfunc=how)
            exp = pd.pivot_table(pdf, index="A", columns="C", values=values, aggfunc=how, observed=False)
            if how == "count":
                exp = exp.astype("float64")  # like dask: a partition may miss a category
            pd.testing.assert_index_equal(got.columns, exp.columns)  # categorical, named 'C'
            pd.testing.assert_frame_equal(got.compute().sort_index(), exp)
    # a user's meta decides the column labels of the collection
    meta = pd.DataFrame({"u": [], "v": []}).rename_axis(columns="name")
    assert df.map_partitions(lambda p: p, meta=meta).columns.name == "name"


def test_std_of_datetimes_is_a_timedelta_like_pandas():
    from datetime import datetime

    pdf = pd.DataFrame({"dt1": [datetime.fromtimestamp(1636426700 + i * 250000) for i in range(10)],
                        "dt2": pd.to_datetime(pd.Series([1638290040706793300 + i * 69527182702409 for i in range(10)]))})
    pdf.loc[2, "dt1"] = pd.NaT
    df = dd.from_pandas(pdf, npartitions=3)
    got = df.dt1.std()
    exp = pdf.dt1.std()
    assert got.dtype == np.dtype("m8[us]") and isinstance(got._meta, pd.Timedelta)
    assert abs((got.compute() - exp).value) < 2000
    res = df.std().compute()
    assert res.dtype == pdf.std().dtype  # timedelta64 of the finest unit
    assert (res - pdf.std()).abs().max() < pd.Timedelta(2, "us")
    assert df.dt1.std(skipna=False).compute() is pd.NaT
    # row-wise std of datetimes mixed with numbers raises like pandas
    mixed = df.assign(n=df.dt1.dt.day)
    with pytest.raises(TypeError):
        mixed.std(axis=1)


def test_to_numeric_scalars_arrays_and_errors_like_dask():
    import dask.array as da
    from dask.delayed import Delayed

    out = dd.to_numeric("5")
    assert isinstance(out, Delayed) and out.compute() == 5
    with pytest.raises(ValueError, match="invalid error value"):
        dd.to_numeric("10", errors="invalid")
    with pytest.raises(KeyError, match="``meta`` is not allowed"):
        dd.to_numeric("10", meta=pd.Series([], dtype="float64"))
    arr = da.from_array(np.array(["1.0", "2", "-3", "5.1"]), chunks=2)
    got = dd.to_numeric(arr, meta=np.array((), dtype="float64"))
    assert isinstance(got, da.Array) and got.dtype == np.dtype("float64")
    assert got.compute().tolist() == [1.0, 2.0, -3.0, 5.1]
    with pytest.raises(NotImplementedError, match="meta="):
        dd.to_numeric(arr)
    frame = dd.from_pandas(pd.DataFrame({"a": ["1", "2"]}), npartitions=1)
    with pytest.raises(TypeError, match="arg must be a list, tuple, dask."):
        dd.to_numeric(frame)


def test_get_dummies_needs_known_categories_and_categorize_computes_them():
    pdf = pd.DataFrame({"a": [0.0, 0.0, 1.0, 1.0, 0.0], "b": [1.0, 0.0, 1.0, 0.0, 1.0]})
    df = dd.from_pandas(pdf, npartitions=2)
    known = df.categorize(columns=["a", "b"])  # like dask: categories computed now, known in the meta
    assert known.a.cat.known and list(known._meta.a.cat.categories) == [0.0, 1.0]
    got = dd.get_dummies(known)
    exp = pd.get_dummies(pdf.astype("category"))
    pd.testing.assert_index_equal(got.columns, exp.columns)
    pd.testing.assert_frame_equal(got.compute(), exp)
    unknown = df.astype("category")
    assert not unknown.a.cat.known
    pd.testing.assert_frame_equal(unknown.compute(), pdf.astype("category"))
    with pytest.raises(NotImplementedError, match="unknown categories"):
        dd.get_dummies(unknown)
    sparse = dd.get_dummies(known, sparse=True)
    pd.testing.assert_frame_equal(sparse.compute(), pd.get_dummies(pdf.astype("category"), sparse=True))


def test_reductions_refusing_a_dtype_carry_pandas_reason_and_rowwise_any_all():
    from datetime import datetime

    pdf = pd.DataFrame({"x": [1.0, 0.0, 3.0], "dt": [datetime(2011, i, 1) for i in range(1, 4)]})
    df = dd.from_pandas(pdf, npartitions=2)
    with pytest.raises(TypeError, match="sum needs numeric data.*does not support"):
        df.sum()
    pd.testing.assert_series_equal(df.sum(numeric_only=True).compute(), pdf.sum(numeric_only=True))
    num = df[["x"]]
    pd.testing.assert_series_equal(np.all(num, axis=1).compute(), np.all(pdf[["x"]], axis=1))
    pd.testing.assert_series_equal(num.any(axis=1).compute(), pdf[["x"]].any(axis=1))


def test_sem_skew_kurt_skipna_false_and_row_wise():
    pdf = pd.DataFrame({"x": [1.0, np.nan, 3.0, 4.0], "y": [1.0, 2.0, 5.0, 4.0]})
    df = dd.from_pandas(pdf, npartitions=2)
    pd.testing.assert_series_equal(df.sem(skipna=False).compute(), pdf.sem(skipna=False))
    assert np.isnan(df.x.sem(skipna=False).compute())
    assert np.isclose(df.y.sem(skipna=False).compute(), pdf.y.sem(skipna=False))
    pd.testing.assert_series_equal(df.sem(axis=1).compute(), pdf.sem(axis=1))
    with pytest.raises(ValueError, match="No axis named"):
        df.x.sem(axis=1)


def test_groupby_observed_false_keeps_unobserved_categories():
    pdf = pd.DataFrame({"c": pd.Categorical(list("abab"), categories=list("abc")), "v": [1, 2, 2, 1],
                        "w": [1.0, 2.0, 3.0, 4.0]})
    df = dd.from_pandas(pdf, npartitions=2)
    assert df.groupby("c", observed=False).v.sum().compute().to_dict() == {"a": 3, "b": 3, "c": 0}
    for how in ("sum", "mean", "count", "min", "size"):
        got = getattr(df.groupby("c", observed=False), how)().compute()
        exp = getattr(pdf.groupby("c", observed=False), how)()
        (pd.testing.assert_series_equal if isinstance(exp, pd.Series) else pd.testing.assert_frame_equal)(got, exp)
    pd.testing.assert_frame_equal(df.groupby("c", observed=False, as_index=False).v.sum().compute(),
                                  pdf.groupby("c", observed=False, as_index=False).v.sum())
    assert df.groupby("c", observed=True).v.sum().compute().to_dict() == {"a": 3, "b": 3}


def test_groupby_by_a_column_series_drops_the_key_column():
    pdf = pd.DataFrame({"k": [1, 2, 1, 2], "x": [1.0, 2.0, 3.0, 4.0], "y": [5, 6, 7, 8]})
    df = dd.from_pandas(pdf, npartitions=2)
    got = df.groupby(df.k).sum()
    assert list(got.columns) == ["x", "y"]
    pd.testing.assert_frame_equal(got.compute(), pdf.groupby(pdf.k).sum())
    # a computed key is not a column of the frame: every column stays, as in pandas
    pd.testing.assert_frame_equal(df.groupby(df.k + 1).sum().compute(), pdf.groupby(pdf.k + 1).sum())


def test_set_index_keeps_source_columns_per_drop():
    pdf = pd.DataFrame({"x": [1.0, 5.0, 2.0, 7.0], "y": [3.0, 1.0, 2.0, 9.0], "k": [3, 1, 2, 0]})
    df = dd.from_pandas(pdf, npartitions=2)
    for drop in (True, False):
        got = df.set_index(df.k, drop=drop)
        assert list(got.columns) == ["x", "y", "k"]
        pd.testing.assert_frame_equal(got.compute(), pdf.set_index(pdf.k, drop=drop).sort_index())
        got = df.set_index("k", drop=drop)
        assert list(got.columns) == (["x", "y"] if drop else ["x", "y", "k"])
        pd.testing.assert_frame_equal(got.compute(), pdf.set_index("k", drop=drop).sort_index())


def test_isin_with_delayed_values():
    from dask import delayed

    pdf = pd.DataFrame({"x": [1.0, 2.0, 3.0, 1.0]})
    df = dd.from_pandas(pdf, npartitions=2)
    got = df.x.isin([delayed(1.0), delayed(2.0)])
    pd.testing.assert_series_equal(got.compute(), pdf.x.isin([1.0, 2.0]))
    pd.testing.assert_series_equal(df.x.isin([delayed(3.0), 1.0]).compute(scheduler="sync"), pdf.x.isin([3.0, 1.0]))
    pd.testing.assert_frame_equal(df[df.x.isin([delayed(1.0)])].compute(), pdf[pdf.x.isin([1.0])])
