"""Sources and sinks of hlq.dataframe: hive parquet, IO squashing, read_csv, from_*/to_* and array interop."""

from __future__ import annotations

import os

import dask
from dask.delayed import Delayed
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hlq
import hlq.array as ha
import hlq.dataframe as dd
from hlq.dataframe._io_csv import csv_log
from hlq.dataframe.nodes.sources import read_log
from hlq.rules import optimize_plan


def _same(got, exp, **kw):
    if isinstance(exp, pd.Series):
        pd.testing.assert_series_equal(got.reset_index(drop=True), exp.reset_index(drop=True), **kw)
    else:
        pd.testing.assert_frame_equal(got.reset_index(drop=True), exp.reset_index(drop=True), **kw)


# ------------------------------------------------------------------ hive parquet
@pytest.fixture(scope="module")
def hive(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("hive") / "ds")
    rng = np.random.default_rng(0)
    n = 240
    pdf = pd.DataFrame({"x": rng.random(n), "y": rng.integers(0, 100, n), "s": rng.choice(list("abc"), n),
                        "p": np.repeat([1, 2, 3, 4], n // 4), "q": np.tile(["u", "v"], n // 2)})
    pdf.to_parquet(d, partition_cols=["p", "q"])
    return d, pd.read_parquet(d)


def test_hive_partition_columns_like_pandas(hive):
    path, exp = hive
    df = dd.read_parquet(path)
    assert list(df.columns) == list(exp.columns)
    assert df.npartitions == 8
    assert [str(t) for t in df.dtypes] == [str(t) for t in exp.dtypes]
    got = df.compute()
    key = ["p", "q", "x"]
    _same(got.sort_values(key), exp.sort_values(key))


def test_hive_filter_prunes_files_without_opening_them(hive):
    path, exp = hive
    df = dd.read_parquet(path)
    q = df[(df.p == 2) & (df.x > 0.5)]
    with read_log() as log:
        got = q.compute()
    opened = {f for f, _, _ in log}
    assert len(opened) == 2 and all("p=2" in f for f in opened)
    assert {flt for _, _, flt in log} == {("gt", ("col", "x"), ("lit", 0.5))}  # the key term decided per file
    e = exp[(exp.p == 2) & (exp.x > 0.5)]
    _same(got.sort_values(["q", "x"]), e.sort_values(["q", "x"]))
    text = hlq.explain(q)
    assert "files 2/8" in text
    # filters= on partition keys and len from metadata (the key term is exact per file)
    f = dd.read_parquet(path, filters=[("q", "==", "v"), ("p", "in", [1, 4])])
    with read_log() as log:
        assert len(f) == int(((exp.q == "v") & exp.p.isin([1, 4])).sum())
    assert log == []
    with read_log() as log:
        got = f.y.sum().compute()
    assert len({p for p, _, _ in log}) == 2
    assert got == exp[(exp.q == "v") & exp.p.isin([1, 4])].y.sum()
    # OR mixing a key and a data column: files where the key holds are read unfiltered
    o = dd.read_parquet(path, filters=[[("p", "==", 1)], [("x", "<", 0.1)]])
    e = exp[(exp.p == 1) | (exp.x < 0.1)]
    _same(o.compute().sort_values(["p", "q", "x"]), e.sort_values(["p", "q", "x"]))


def test_pruned_partitions_keep_partition_count_when_aligned(hive):
    path, exp = hive
    df = dd.read_parquet(path)
    q = df[df.p == 3]
    plan = optimize_plan(q.node)
    assert plan.npartitions == df.npartitions  # empty, unread partitions: alignment is kept
    with read_log() as log:
        arr = q.x.to_dask_array(lengths=True)
    assert len(log) == 2
    assert arr.chunks[0] == (0, 0, 0, 0, 30, 30, 0, 0)
    np.testing.assert_allclose(np.sort(arr.compute()), np.sort(exp[exp.p == 3].x.to_numpy()))


# ------------------------------------------------------------------ squashing
@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    d = tmp_path_factory.mktemp("wide")
    rng = np.random.default_rng(1)
    parts = []
    for i in range(12):
        pdf = pd.DataFrame({f"c{j}": rng.random(100) for j in range(12)})
        pdf.to_parquet(os.path.join(d, f"part.{i:02d}.parquet"), index=False)
        parts.append(pdf)
    return str(d), pd.concat(parts, ignore_index=True)


def test_io_squashing_groups_files_when_few_columns_are_read(wide):
    path, full = wide
    df = dd.read_parquet(path)
    q = df.c0.sum()
    plan = optimize_plan(q.node)
    reads = [n for n in plan.walk() if n.op_name == "read-parquet"]
    assert len(reads) == 1 and reads[0].npartitions == 1  # 1/12 columns: 12 files fit in one task
    with read_log() as log:
        got = q.compute()
    assert len(log) == 12
    assert np.isclose(got, full.c0.sum())
    # all columns: one file per task; blocksize=None: never squash
    full_reads = [n for n in optimize_plan(df.sum().node).walk() if n.op_name == "read-parquet"]
    assert full_reads[0].npartitions == 12
    nosq = dd.read_parquet(path, blocksize=None).c0.sum()
    assert [n for n in optimize_plan(nosq.node).walk() if n.op_name == "read-parquet"][0].npartitions == 12
    assert np.isclose(nosq.compute(), got)
    # 6/12 columns: two files per task
    six = df[[f"c{j}" for j in range(6)]]
    r6 = [n for n in optimize_plan(six.sum().node).walk() if n.op_name == "read-parquet"][0]
    assert r6.npartitions == 6
    _same(six.compute(), full[[f"c{j}" for j in range(6)]])
    # a persisted / aligned plan keeps one partition per file
    assert df.c0.persist().npartitions == 12


def test_metadata_cached_and_optimize_reads_no_data(wide):
    path, _ = wide
    a = dd.read_parquet(path)
    b = dd.read_parquet(path, columns=["c1"])
    assert a.node.info is b.node.info
    with read_log() as log:
        hlq.optimize(a[a.c0 > 0.5].c1.sum())
        hlq.explain(a[a.c0 > 0.5][["c1"]])
    assert log == []


def test_explain_reader_line(wide):
    path, _ = wide
    df = dd.read_parquet(path)
    text = hlq.explain(df[df.c3 > 0.2][["c1", "c2"]])
    line = [ln for ln in text.splitlines() if ln.startswith("read-parquet")][-1]
    assert "columns 2/12" in line and "files 12" in line and "filter (c3 > 0.2)" in line
    assert "rows<=1200" in line and "est_bytes=" in line


# ------------------------------------------------------------------ errors
def test_missing_and_corrupt_files_are_named(wide, tmp_path):
    path, _ = wide
    with pytest.raises(FileNotFoundError, match="nope"):
        dd.read_parquet(os.path.join(path, "nope"))
    with pytest.raises(KeyError, match="zz"):
        dd.read_parquet(path, filters=[("zz", ">", 1)])
    with pytest.raises(ValueError, match="operator"):
        dd.read_parquet(path, filters=[("c0", "~", 1)])
    with pytest.raises(FileNotFoundError, match="missing.parquet"):
        dd.read_parquet([os.path.join(path, "part.00.parquet"), os.path.join(path, "missing.parquet")])
    bad = tmp_path / "bad"
    bad.mkdir()
    pd.DataFrame({"a": [1.0]}).to_parquet(bad / "a.parquet")
    (bad / "b.parquet").write_bytes(b"PAR1 garbage garbage")
    with pytest.raises(OSError, match="b.parquet"):
        dd.read_parquet(str(bad))
    # a file deleted, or corrupted, after the metadata was read: the compute error names it
    good = tmp_path / "good"
    good.mkdir()
    for i in range(2):
        pd.DataFrame({"a": [float(i)] * 10}).to_parquet(good / f"{i}.parquet")
    df = dd.read_parquet(str(good))
    os.remove(good / "1.parquet")
    with pytest.raises(FileNotFoundError, match="1.parquet"):
        df.compute(scheduler="sync")
    pd.DataFrame({"a": np.arange(1000.0)}).to_parquet(good / "1.parquet")
    df = dd.read_parquet(str(good))
    data = bytearray((good / "1.parquet").read_bytes())
    data[4:200] = b"\xff" * 196  # the data pages, not the footer: found only when reading
    (good / "1.parquet").write_bytes(bytes(data))
    with pytest.raises(OSError, match="1.parquet"):
        df.compute(scheduler="sync")


# ------------------------------------------------------------------ read_csv
@pytest.fixture(scope="module")
def csvs(tmp_path_factory):
    d = tmp_path_factory.mktemp("csv")
    rng = np.random.default_rng(2)
    parts = []
    for i in range(3):
        pdf = pd.DataFrame({"a": rng.integers(0, 9, 400), "b": rng.random(400), "c": rng.choice(list("xyz"), 400),
                            "t": pd.date_range("2020-01-01", periods=400, freq="h").astype(str)})
        pdf.to_csv(d / f"f{i}.csv", index=False)
        parts.append(pdf)
    return str(d), pd.concat(parts, ignore_index=True)


def test_read_csv_blocks_and_glob(csvs):
    d, full = csvs
    df = dd.read_csv(os.path.join(d, "*.csv"), blocksize=4000)
    assert df.npartitions > 3
    exp = pd.concat([pd.read_csv(os.path.join(d, f"f{i}.csv")) for i in range(3)], ignore_index=True)
    _same(df.compute(), exp)
    one = dd.read_csv(os.path.join(d, "f0.csv"), blocksize=None, dtype={"a": "float64"}, parse_dates=["t"])
    _same(one.compute(), pd.read_csv(os.path.join(d, "f0.csv"), dtype={"a": "float64"}, parse_dates=["t"]))
    named = dd.read_csv(os.path.join(d, "f1.csv"), header=0, names=["A", "B", "C", "T"], blocksize=3000)
    _same(named.compute(), pd.read_csv(os.path.join(d, "f1.csv"), header=0, names=["A", "B", "C", "T"]))
    with pytest.raises(FileNotFoundError):
        dd.read_csv(os.path.join(d, "nothing-*.csv"))
    with pytest.raises(KeyError, match="zz"):
        df["zz"]


def test_read_csv_usecols_pushdown_counts_columns(csvs):
    d, full = csvs
    df = dd.read_csv(os.path.join(d, "*.csv"), blocksize=5000)
    q = df[df.a > 3].b.sum()
    with csv_log() as log:
        got = q.compute()
    assert log and {cols for _, _, cols in log} == {("a", "b")}
    assert np.isclose(got, full[full.a > 3].b.sum())
    with csv_log() as log:
        r = df.compute()
    assert {cols for _, _, cols in log} == {("a", "b", "c", "t")}
    assert len(r) == len(full)
    u = dd.read_csv(os.path.join(d, "f2.csv"), usecols=["c", "a"])
    assert list(u.columns) == ["a", "c"]
    dated = dd.read_csv(os.path.join(d, "*.csv"), parse_dates=["t"], blocksize=5000)
    with csv_log() as log:
        got = dated[["t", "a"]].compute()
    assert {frozenset(cols) for _, _, cols in log} == {frozenset({"a", "t"})}
    _same(got, full.assign(t=pd.to_datetime(full.t))[["t", "a"]])
    with csv_log() as log:
        assert dated.a.sum().compute() == full.a.sum()
    assert {cols for _, _, cols in log} == {("a",)}


# ------------------------------------------------------------------ from_* sources
frames = st.integers(0, 60).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(np.nan)), min_size=n, max_size=n),
    st.lists(st.sampled_from(["a", "b", None]), min_size=n, max_size=n),
    st.integers(1, 7),
))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames, st.booleans(), st.integers(1, 3))
def test_from_pandas_partitionings(data, shuffled, dup):
    n, xs, ss, k = data
    pdf = pd.DataFrame({"x": xs, "s": pd.Series(ss, dtype=object)}, index=(np.arange(n) // dup) * 3)
    if shuffled:
        pdf = pdf.iloc[::-1]
    ddf = dd.from_pandas(pdf, npartitions=k)
    exp = pdf.sort_index()
    pd.testing.assert_frame_equal(ddf.compute(), exp)
    if n:
        assert ddf.known_divisions and ddf.divisions[0] == exp.index[0] and ddf.divisions[-1] == exp.index[-1]
        parts = [ddf.node.bounds[i] for i in range(ddf.npartitions)]
        for (a, b), lo, hi in zip(parts, ddf.divisions[:-1], ddf.divisions[1:]):  # rows inside their divisions
            assert exp.index[a] == lo and (exp.index[a:b] >= lo).all() and (exp.index[a:b] <= hi).all()
        for (_, b), (c, _) in zip(parts[:-1], parts[1:]):  # equal values never straddle partitions
            assert exp.index[b - 1] < exp.index[c]
    by_chunk = dd.from_pandas(pdf, chunksize=k)
    if dup == 1:
        assert by_chunk.npartitions == max(1, -(-n // k))
    pd.testing.assert_frame_equal(by_chunk.compute(), exp)
    unsorted = dd.from_pandas(pdf, npartitions=k, sort=False)
    pd.testing.assert_frame_equal(unsorted.compute(), pdf)
    arr = ddf.x.to_dask_array()
    np.testing.assert_array_equal(arr.compute(), exp.x.to_numpy())


def test_from_dict_and_from_array():
    d = {"a": [1, 2, 3, 4], "b": [0.5, 1.5, 2.5, 3.5]}
    pd.testing.assert_frame_equal(dd.from_dict(d, npartitions=2).compute(), pd.DataFrame(d))
    rows = {"r1": {"a": 1, "b": 2}, "r2": {"a": 3, "b": 4}}
    pd.testing.assert_frame_equal(dd.from_dict(rows, npartitions=1, orient="index").compute(),
                                  pd.DataFrame.from_dict(rows, orient="index"))
    x = np.arange(20.0).reshape(10, 2)
    df = dd.from_array(x, chunksize=4, columns=["u", "v"])
    assert df.npartitions == 3 and df.divisions == (0, 4, 8, 9)
    pd.testing.assert_frame_equal(df.compute(), pd.DataFrame(x, columns=["u", "v"]))
    s = dd.from_array(np.arange(5), chunksize=2, columns="n")
    pd.testing.assert_series_equal(s.compute(), pd.Series(np.arange(5), name="n"))
    rec = np.array([(1, 2.0), (3, 4.0)], dtype=[("i", "i8"), ("f", "f8")])
    pd.testing.assert_frame_equal(dd.from_array(rec).compute(), pd.DataFrame.from_records(rec))
    with pytest.raises(ValueError, match="column names"):
        dd.from_array(x, columns=["only-one"])
    with pytest.raises(ValueError, match="1-d or 2-d"):
        dd.from_array(np.zeros((2, 2, 2)))


def test_array_dataframe_round_trip_is_one_plan():
    x = ha.from_array(np.arange(40.0).reshape(10, 4), chunks=(3, 4))
    df = x.to_dask_dataframe(columns=list("abcd"))
    rechunked = ha.from_array(np.arange(40.0).reshape(10, 4), chunks=(3, 2)).to_dask_dataframe()
    pd.testing.assert_frame_equal(rechunked.compute(), pd.DataFrame(np.arange(40.0).reshape(10, 4)))
    assert df.npartitions == 4 and df.divisions == (0, 3, 6, 9, 9)
    q = df[["a", "c"]].assign(z=df.a * 10)
    arr = q.to_dask_array()
    assert isinstance(arr, ha.Array) and arr.chunks == ((3, 3, 3, 1), (3,))
    kinds = {type(n).__module__.split(".")[1] for n in arr.node.walk()}
    assert kinds == {"array", "dataframe"}  # one expression across both
    exp = pd.DataFrame(np.arange(40.0).reshape(10, 4), columns=list("abcd"))
    exp = exp[["a", "c"]].assign(z=exp.a * 10)
    np.testing.assert_array_equal((arr + 1).compute(), exp.to_numpy() + 1)
    # one fused graph: a task per row block (plus the source array)
    assert (arr + 1).task_count() <= 1 + 4 + 4
    np.testing.assert_array_equal(df.values.compute(), np.arange(40.0).reshape(10, 4))
    s = dd.from_dask_array(ha.arange(7, chunks=3), columns="k")
    pd.testing.assert_series_equal(s.compute(), pd.Series(np.arange(7), name="k"))
    unknown = df[df.a > 3].values  # nan chunks, as in dask
    assert np.isnan(unknown.chunks[0]).all() and unknown.chunks[1] == (4,)
    np.testing.assert_array_equal(unknown.compute(), df[df.a > 3].compute().to_numpy())
    assert unknown.compute_chunk_sizes().chunks[0] == (2, 3, 3, 1)
    got = df[df.a > 3].to_dask_array(lengths=True)
    assert got.chunks[0] == (2, 3, 3, 1)
    full = pd.DataFrame(np.arange(40.0).reshape(10, 4), columns=list("abcd"))
    np.testing.assert_array_equal(got.compute(), full[full.a > 3].to_numpy())


def test_from_map_and_from_delayed():
    def load(i, scale=1):
        return pd.DataFrame({"i": [i] * 3, "v": np.arange(3.0) * scale})

    df = dd.from_map(load, [0, 1, 2], scale=2)
    assert df.npartitions == 3
    exp = pd.concat([load(i, 2) for i in range(3)])
    pd.testing.assert_frame_equal(df.compute(), exp)
    assert df[df.i > 0].v.sum().compute() == exp[exp.i > 0].v.sum()
    div = dd.from_map(lambda a, b: pd.DataFrame({"x": [a, b]}, index=[a, b]), [0, 2], [1, 3],
                      meta={"x": "int64"}, divisions=(0, 2, 3))
    assert div.known_divisions and div.compute().x.tolist() == [0, 1, 2, 3]
    bad = dd.from_map(lambda i: pd.DataFrame({"other": [i]}), [1, 2], meta={"x": "int64"})
    with pytest.raises(ValueError, match="columns"):
        bad.compute(scheduler="sync")
    parts = [dask.delayed(load)(i) for i in range(3)]
    fd = dd.from_delayed(parts, meta=load(0).iloc[:0])
    pd.testing.assert_frame_equal(fd.compute(), pd.concat([load(i) for i in range(3)]))
    assert fd.v.sum().compute() == 9.0
    with pytest.raises(TypeError, match="Delayed"):
        dd.from_delayed([1, 2])


# ------------------------------------------------------------------ sinks
def test_to_parquet_round_trip_and_options(tmp_path):
    pdf = pd.DataFrame({"a": np.arange(10), "b": np.linspace(0, 1, 10), "c": list("abcdefghij")},
                       index=pd.Index(np.arange(10) * 2, name="idx"))
    df = dd.from_pandas(pdf, npartitions=3)
    out = str(tmp_path / "out")
    assert df.to_parquet(out, compute_kwargs={"scheduler": "threads"}) is None
    assert sorted(os.listdir(out)) == [f"part.{i}.parquet" for i in range(3)]
    back = dd.read_parquet(out)
    pd.testing.assert_frame_equal(back.compute(), pdf)
    pd.testing.assert_frame_equal(pd.read_parquet(out), pdf)
    with pytest.raises(FileExistsError, match="overwrite"):
        df.to_parquet(out)
    later = df[df.a > 4].to_parquet(out, overwrite=True, write_index=False, name_function=lambda i: f"p{i}.parquet",
                                    compute=False)
    assert isinstance(later, Delayed)
    assert sorted(os.listdir(out))[0] == "part.0.parquet"  # nothing written before compute
    dask.compute(later, scheduler="sync")
    assert sorted(os.listdir(out)) == ["p0.parquet", "p1.parquet", "p2.parquet"]
    _same(dd.read_parquet(out).compute(), pdf[pdf.a > 4].reset_index(drop=True))


def test_to_parquet_is_atomic(tmp_path):
    pdf = pd.DataFrame({"a": np.arange(12)})

    def boom(part):
        if part.a.iloc[0] >= 8:
            raise RuntimeError("partition failed")
        return part

    df = dd.from_pandas(pdf, npartitions=3).map_partitions(boom, meta=pdf.iloc[:0])
    out = tmp_path / "atomic"
    with pytest.raises(RuntimeError, match="partition failed"):
        df.to_parquet(str(out), compute_kwargs={"scheduler": "sync"})
    assert not out.exists()
    assert os.listdir(tmp_path) == []  # no temporary directory left either
    # replacing an existing dataset: a failure keeps the old one intact
    dd.from_pandas(pdf, npartitions=2).to_parquet(str(out))
    with pytest.raises(RuntimeError):
        df.to_parquet(str(out), overwrite=True, compute_kwargs={"scheduler": "threads"})
    assert sorted(os.listdir(out)) == ["part.0.parquet", "part.1.parquet"]
    assert sorted(os.listdir(tmp_path)) == ["atomic"]
    pd.testing.assert_frame_equal(pd.read_parquet(out), pdf)


def test_to_csv(tmp_path):
    pdf = pd.DataFrame({"a": np.arange(9), "b": list("abcdefghi")})
    df = dd.from_pandas(pdf, npartitions=3)
    names = df.to_csv(str(tmp_path / "part-*.csv"), index=False)
    assert [os.path.basename(n) for n in names] == ["part-0.csv", "part-1.csv", "part-2.csv"]
    back = pd.concat([pd.read_csv(n) for n in names], ignore_index=True)
    pd.testing.assert_frame_equal(back, pdf)
    single = str(tmp_path / "all.csv")
    df.to_csv(single, single_file=True, index=False, compute_kwargs={"scheduler": "threads"})
    pd.testing.assert_frame_equal(pd.read_csv(single), pdf)
    d = df[df.a % 2 == 0].to_csv(str(tmp_path / "dir"), name_function=lambda i: f"x{i}", compute=False)
    assert isinstance(d, Delayed)
    files = d.compute()
    assert sorted(os.path.basename(f) for f in files) == ["x0.part", "x1.part", "x2.part"]
    got = dd.read_csv(str(tmp_path / "dir" / "*.part")).compute()
    _same(got.drop(columns="Unnamed: 0"), pdf[pdf.a % 2 == 0])


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 40), min_size=1, max_size=6), st.integers(1, 4), st.floats(0, 1),
       st.sampled_from([None, 200, 2000]))
def test_parquet_round_trip_squashed_vs_pandas(sizes, ncols, cut, blocksize):
    import tempfile

    d = tempfile.mkdtemp()
    rng = np.random.default_rng(len(sizes) * 7 + ncols)
    parts = []
    for i, n in enumerate(sizes):
        pdf = pd.DataFrame({f"c{j}": rng.random(n) for j in range(4)})
        pdf["k"] = rng.integers(0, 3, n)
        pdf.to_parquet(os.path.join(d, f"{i:02d}.parquet"), index=False)
        parts.append(pdf)
    full = pd.concat(parts, ignore_index=True)
    df = dd.read_parquet(d, blocksize=blocksize)
    cols = [f"c{j}" for j in range(ncols)]
    _same(df[cols].compute(), full[cols])
    q = df[df.c0 > cut]
    _same(q[cols + ["k"]].compute(), full[full.c0 > cut][cols + ["k"]])
    np.testing.assert_allclose(q.c1.sum().compute(), full[full.c0 > cut].c1.sum())
    g = q.groupby("k").agg({"c1": "sum"}).compute()
    e = full[full.c0 > cut].groupby("k").agg({"c1": "sum"})
    pd.testing.assert_frame_equal(g.sort_index(), e.sort_index(), check_exact=False, check_index_type=False)
    assert len(df) == len(full)
    with dask.config.set({"hlq.rules.exclude": ["io-squash"]}):
        np.testing.assert_allclose(q.c1.sum().compute(), full[full.c0 > cut].c1.sum())


def test_metadata_cache_sees_files_added_in_a_hive_subdirectory(tmp_path):
    d = tmp_path / "h"
    pd.DataFrame({"x": [1.0, 2.0], "p": [1, 2]}).to_parquet(d, partition_cols=["p"])
    first = dd.read_parquet(str(d))
    assert dd.read_parquet(str(d)).node.info is first.node.info  # cached
    pd.DataFrame({"x": [3.0]}).to_parquet(d / "p=1" / "extra.parquet")
    again = dd.read_parquet(str(d))
    assert again.npartitions == 3 and sorted(again.compute().x.tolist()) == [1.0, 2.0, 3.0]


def test_sources_and_sinks_on_a_distributed_cluster(hive, tmp_path):
    distributed = pytest.importorskip("distributed")
    path, exp = hive
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
        df = dd.read_parquet(path)
        q = df[(df.q == "u") & (df.x > 0.3)]
        got = client.compute(q.y.sum()).result()
        assert got == exp[(exp.q == "u") & (exp.x > 0.3)].y.sum()
        out = str(tmp_path / "written")
        q[["x", "y", "p"]].to_parquet(out)  # the client is the default scheduler
        back = pd.read_parquet(out)
        e = exp[(exp.q == "u") & (exp.x > 0.3)][["x", "y", "p"]]
        assert len(back) == len(e) and np.isclose(back.x.sum(), e.x.sum())
        csvs = dd.from_pandas(e.reset_index(drop=True).astype({"p": "int64"}), npartitions=3).to_csv(
            str(tmp_path / "c-*.csv"), index=False)
        r = dd.read_csv(str(tmp_path / "c-*.csv")).compute()
        assert len(csvs) == 3 and np.isclose(r.x.sum(), e.x.sum())


def test_squashing_counts_the_filter_columns(wide):
    path, full = wide
    df = dd.read_parquet(path)
    one = [n for n in optimize_plan(df.c0.sum().node).walk() if n.op_name == "read-parquet"][0]
    q = df[(df.c1 > 0.5) & (df.c2 > 0.1) & (df.c3 > 0.1) & (df.c4 > 0.1) & (df.c5 > 0.1)].c0.sum()
    six = [n for n in optimize_plan(q.node).walk() if n.op_name == "read-parquet"][0]
    assert six.columns == ("c0",) and six.decoded_columns == ("c0", "c1", "c2", "c3", "c4", "c5")
    assert one.npartitions == 1 and six.npartitions == 6  # 6 of 12 columns decoded: two files a task
    sel = full[(full.c1 > 0.5) & (full.c2 > 0.1) & (full.c3 > 0.1) & (full.c4 > 0.1) & (full.c5 > 0.1)]
    assert np.isclose(q.compute(), sel.c0.sum())
