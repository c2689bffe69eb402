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


def test_calculate_divisions_from_statistics(tmp_path):
    # twelve files: part.10 and part.11 come after part.9 (natural order, as dask lists them)
    pdf = pd.DataFrame({"x": np.arange(48.0)}, index=pd.Index(np.arange(48) * 10, name="i"))
    dd.from_pandas(pdf, npartitions=12).to_parquet(tmp_path / "a")
    assert dd.read_parquet(tmp_path / "a").divisions == (None,) * 13
    got = dd.read_parquet(tmp_path / "a", calculate_divisions=True)
    assert got.divisions == tuple(range(0, 480, 40)) + (470,)
    pd.testing.assert_frame_equal(got.compute(), pdf)
    assert got.partitions[3].divisions == (120, 160)
    assert hlq.optimize(got.partitions[3]).divisions == (120, 160)
    # timestamps come back as pd.Timestamp; files without rows are left out
    ts = pd.DataFrame({"v": range(6)}, index=pd.date_range("2020-01-01", periods=6, name="t"))
    ddf = dd.from_pandas(ts, npartitions=3)
    ddf[ddf.v != 2].to_parquet(tmp_path / "b")
    got = dd.read_parquet(tmp_path / "b", calculate_divisions=True)
    assert all(type(d) is pd.Timestamp for d in got.divisions)
    assert got.compute().v.tolist() == [0, 1, 3, 4, 5]
    # an unnamed stored index reads back without a name
    dd.from_pandas(pd.DataFrame({"a": [1, 2]}), npartitions=1).to_parquet(tmp_path / "d")
    assert dd.read_parquet(tmp_path / "d").index.name is None
    empty_middle = ts.copy()
    parts = dd.from_pandas(empty_middle, npartitions=3)
    parts[parts.v.isin([0, 1, 4, 5])].to_parquet(tmp_path / "e")
    got = dd.read_parquet(tmp_path / "e", calculate_divisions=True)
    assert got.npartitions == 2
    pd.testing.assert_frame_equal(got.compute(), ts[ts.v.isin([0, 1, 4, 5])])


def test_to_parquet_partition_on_and_metadata_file(tmp_path):
    pdf = pd.DataFrame({"k": [1, 2, 1, 2, None], "s": list("aabba"), "v": range(5)},
                       index=pd.Index(range(5), name="i"))
    ddf = dd.from_pandas(pdf, npartitions=2)
    out = tmp_path / "p"
    ddf.to_parquet(out, partition_on=["s", "k"], write_metadata_file=True)
    assert sorted(os.listdir(out)) == ["_common_metadata", "_metadata", "s=a", "s=b"]
    assert sorted(os.listdir(out / "s=a")) == ["k=1.0", "k=2.0", "k=__HIVE_DEFAULT_PARTITION__"]
    import pyarrow.parquet as pq  # deferred: only this test reads the _metadata file

    assert pq.read_metadata(out / "_metadata").num_rows == 5
    back = dd.read_parquet(out).compute().sort_index()
    assert isinstance(back.s.dtype, pd.CategoricalDtype) and back.s.tolist() == list("aabba")
    assert back.v.tolist() == list(range(5))
    # an append adds files next to the old ones (the old files are kept) and extends _metadata
    more = dd.from_pandas(pd.DataFrame({"k": [3.0], "s": ["c"], "v": [9]}, index=pd.Index([9], name="i")),
                          npartitions=1)
    more.to_parquet(out, partition_on=["s", "k"], append=True)
    assert pq.read_metadata(out / "_metadata").num_rows == 6
    assert os.listdir(out / "s=c" / "k=3.0") == ["part.2.parquet"]
    assert sorted(dd.read_parquet(out).compute().v) == [0, 1, 2, 3, 4, 9]
    # appended index values must come after the stored ones unless ignore_divisions=True
    with pytest.raises(ValueError, match="overlap with previously written divisions"):
        ddf.to_parquet(tmp_path / "q", write_index=True) or ddf.to_parquet(tmp_path / "q", append=True)
    ddf.to_parquet(tmp_path / "q", append=True, ignore_divisions=True)
    assert len(dd.read_parquet(tmp_path / "q")) == 10
    with pytest.raises(ValueError, match="No data left"):
        ddf[["s"]].to_parquet(tmp_path / "r", partition_on="s", write_index=False)


def test_to_parquet_schema_and_custom_metadata(tmp_path):
    import pyarrow as pa  # deferred: only this test builds pyarrow types
    import pyarrow.parquet as pq  # deferred: only this test reads footers

    ddf = dd.from_pandas(pd.DataFrame({"a": [1, 2, 3], "b": ["x", None, "z"]}), npartitions=3)
    ddf.to_parquet(tmp_path / "s", schema={"a": pa.int32()}, custom_metadata={b"owner": b"me"},
                   write_index=False)
    sch = pq.read_schema(tmp_path / "s" / "part.0.parquet")
    assert sch.field("a").type == pa.int32() and sch.metadata[b"owner"] == b"me"
    assert dd.read_parquet(tmp_path / "s").compute().a.tolist() == [1, 2, 3]
    with pytest.raises(ValueError, match="b'pandas'"):
        ddf.to_parquet(tmp_path / "t", custom_metadata={b"pandas": b"x"})
    with pytest.raises(ValueError, match="name_function"):
        ddf.to_parquet(tmp_path / "u", name_function="part.parquet")


def test_read_parquet_globs_filters_and_aggregate_files(tmp_path):
    pdf = pd.DataFrame({"x": range(10), "y": list("aabbccddee")})
    ddf = dd.from_pandas(pdf, npartitions=5)
    ddf.to_parquet(tmp_path / "g", write_metadata_file=True, write_index=False)
    # a glob pattern, and a list holding _metadata (skipped)
    got = dd.read_parquet(str(tmp_path / "g" / "*.parquet"))
    assert got.npartitions == 5 and got.compute().x.tolist() == list(range(10))
    listed = [str(tmp_path / "g" / f"part.{i}.parquet") for i in range(5)] + [str(tmp_path / "g" / "_metadata")]
    assert dd.read_parquet(listed).compute().x.tolist() == list(range(10))
    with pytest.raises(FileNotFoundError):
        dd.read_parquet(str(tmp_path / "g" / "*.nothing"))
    # files whose row-group statistics exclude the filter are no partitions
    a = dd.read_parquet(tmp_path / "g", filters=[("x", ">", 4)])
    assert a.npartitions == 3 and a.compute().x.tolist() == [5, 6, 7, 8, 9]
    b = dd.read_parquet(tmp_path / "g", filters=[[("y", "==", "c")], [("x", "in", (0, 9))]])
    assert b.npartitions == 3 and b.compute().x.tolist() == [0, 4, 5, 9]
    c = dd.read_parquet(tmp_path / "g", filters=[("y", "==", "c"), ("x", ">", 6)])
    assert c.npartitions == 1 and len(c) == 0
    # aggregate_files: several files per partition up to blocksize, decided when the frame is built
    agg = dd.read_parquet(tmp_path / "g", aggregate_files=True, blocksize="1MiB")
    assert agg.npartitions == 1 and agg.compute().x.tolist() == list(range(10))
    ddf.to_parquet(tmp_path / "h", partition_on="y", write_index=False)
    agg = dd.read_parquet(tmp_path / "h", aggregate_files="y", blocksize="1MiB")
    assert agg.npartitions == 5
    assert sorted(agg.compute().x) == list(range(10))
    one = dd.read_parquet(tmp_path / "h", aggregate_files="y", blocksize="1MiB", filters=[("y", "in", ("a", "e"))])
    assert one.npartitions == 2 and sorted(one.compute().x) == [0, 1, 8, 9]


def test_deeply_nested_and_or_filter_converts_without_recursion():
    # alternating and/or nesting 5,000 deep: the checks and the conversion to pyarrow are iterative
    from hlq.dataframe.nodes.pyarrow_filters import may_match, pushable, to_pyarrow

    e = ("gt", ("col", "a"), ("lit", 1))
    for i in range(5000):
        e = ("and" if i % 2 else "or", (e, ("lt", ("col", "b"), ("lit", i))))
    assert pushable(e)
    assert may_match(e, {"a": (2, 2), "b": (-1, -1)})
    assert not may_match(e, {"a": (0, 0), "b": (10**6, 10**6)})  # statistics exclude every row
    expr = to_pyarrow(e)
    import pyarrow as pa  # deferred: only this check evaluates the expression

    table = pa.table({"a": [0, 2], "b": [10**6, -1]})
    assert table.filter(expr).column("a").to_pylist() == [2]


def test_dtype_backend_and_null_filters(tmp_path):
    import dask.dataframe as dask_dd  # deferred: dask.dataframe (the reference reader) is slow to import
    pdf = pd.DataFrame({"a": [1.0, None] * 5 + [None] * 5, "i": np.arange(15), "s": list("abcde") * 3})
    path = tmp_path / "nulls.parquet"
    pdf.to_parquet(path, row_group_size=10)
    isna = dd.read_parquet(path, filters=[("a", "is", np.nan)])
    assert len(isna) == 10 and isna.a.compute().isna().all()
    notna = dd.read_parquet(path, filters=[("a", "is not", None)])
    assert notna.a.compute().tolist() == [1.0] * 5
    with pytest.raises(TypeError, match="Value of 'in' filter"):
        dd.read_parquet(path, filters=[("i", "in", 10)])
    with pytest.raises(ValueError, match="not a valid operator in predicates"):
        dd.read_parquet(path, filters=[("i", "not eq", 1)])
    # dtype_backend: dask's conversion of every column, in the metadata and in the data
    for backend in ("numpy_nullable", "pyarrow"):
        df = dd.read_parquet(path, dtype_backend=backend)
        exp = dask_dd.read_parquet(path, dtype_backend=backend)
        got = df.compute()
        assert list(df.dtypes) == list(got.dtypes) == list(exp.dtypes)
        pd.testing.assert_frame_equal(got, exp.compute())
        assert df[["i"]].i.sum().compute() == 105  # projection keeps the backend
    assert str(dd.read_parquet(path, dtype_backend="numpy_nullable").i.dtype) == "Int64"
    with pytest.raises(ValueError, match="dtype_backend"):
        dd.read_parquet(path, dtype_backend="nope")


def test_categories_argument(tmp_path):
    pdf = pd.DataFrame({"x": pd.Categorical(["a", "b", "c"] * 4), "y": np.arange(12)})
    pdf.to_parquet(tmp_path / "c.parquet")
    for cats in ("x", ["x"], []):
        got = dd.read_parquet(tmp_path / "c.parquet", categories=cats).compute()
        assert got.x.cat.categories.tolist() == ["a", "b", "c"]
    with pytest.raises(ValueError, match="'foo' not in parquet dataset"):
        dd.read_parquet(tmp_path / "c.parquet", categories=["foo"])
    with pytest.raises(NotImplementedError, match="astype\\('category'\\)"):
        dd.read_parquet(tmp_path / "c.parquet", categories=["y"])  # not stored as a dictionary
