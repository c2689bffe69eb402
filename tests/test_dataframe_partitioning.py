"""hlq.dataframe concat, tail, .partitions, .loc, repartition, shuffle, set_index, sort_values vs pandas
(optimized and not), pushdown through them, partitions/head into sources, errors."""

from __future__ import annotations

import os

import dask
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hlq.dataframe as dd
from hlq.dataframe.nodes.sources import ReadParquet, read_log
from hlq.rules import optimize_plan

from df_multi_strategies import assert_same_rows, computed_both, frames, make_frame, nparts


def _frame(spec, prefix="", extra=True):
    seed, n, kr = spec
    return make_frame(seed, n, kr, prefix, extra=extra)


def _check_all(make_pd, make_dd, exact_order=False):
    expected = make_pd()
    for got in computed_both(make_dd):
        if exact_order:
            if isinstance(expected, pd.Series):
                pd.testing.assert_series_equal(got, expected, check_exact=False)
            else:
                pd.testing.assert_frame_equal(got, expected, check_exact=False)
        else:
            assert_same_rows(got, expected, check_dtype=False)


@settings(max_examples=8, deadline=None)
@given(frames, frames, nparts, nparts, st.booleans())
def test_concat_matches_pandas(fa, fb, na, nb, same_columns):
    a = _frame(fa, "a")
    b = _frame(fb, "a" if same_columns else "b")
    da_, db_ = dd.from_pandas(a, npartitions=na), dd.from_pandas(b, npartitions=nb)
    got_nodes = dd.concat([da_, db_])
    assert got_nodes.npartitions == da_.npartitions + db_.npartitions
    exp = pd.concat([a, b])
    assert list(got_nodes.columns) == list(exp.columns)
    for got in computed_both(lambda: dd.concat([da_, db_])):
        pd.testing.assert_frame_equal(got, exp, check_dtype=False, check_exact=False)
    # series, and projection/filter through concat
    pd.testing.assert_series_equal(dd.concat([da_.v, db_.v]).compute(), pd.concat([a.v, b.v]))
    _check_all(lambda: (lambda c: c[c.v > 0][["k", "v"]])(pd.concat([a, b])),
               lambda: (lambda c: c[c.v > 0][["k", "v"]])(dd.concat([da_, db_])))


def test_concat_divisions_when_ordered():
    a = dd.from_pandas(pd.DataFrame({"x": range(10)}), npartitions=2)
    b = dd.from_pandas(pd.DataFrame({"x": range(5)}, index=range(20, 25)), npartitions=2)
    c = dd.concat([a, b])
    assert c.divisions == a.divisions[:-1] + b.divisions
    assert dd.concat([b, a]).divisions == (None,) * 5
    assert c.loc[21:22].compute().x.tolist() == [1, 2]
    with pytest.raises(ValueError):
        dd.concat([])


@settings(max_examples=10, deadline=None)
@given(frames, nparts, st.integers(0, 12))
def test_tail_head_partitions(f, n, k):
    p = _frame(f)
    df = dd.from_pandas(p, npartitions=n)
    pd.testing.assert_frame_equal(df.tail(k), p.tail(k))
    sel = list(range(df.npartitions))[::2]
    exp = pd.concat([df.partitions[i].compute() for i in sel]) if sel else p
    pd.testing.assert_frame_equal(df.partitions[::2].compute(), exp)
    pd.testing.assert_frame_equal(df.partitions[-1].compute(), df.partitions[df.npartitions - 1].compute())


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 60), nparts, st.integers(-5, 65), st.integers(-5, 65), st.booleans())
def test_loc_matches_pandas(n, nparts_, a, b, series):
    p = pd.DataFrame({"x": np.arange(n) * 1.5, "s": [f"r{i}" for i in range(n)]}, index=np.arange(n) * 2)
    obj_pd = p.x if series else p
    obj = dd.from_pandas(p, npartitions=nparts_)
    obj = obj.x if series else obj
    lo, hi = min(a, b), max(a, b)
    for key in (slice(lo, hi), slice(None, hi), slice(lo, None)):
        got = obj.loc[key]
        exp = obj_pd.loc[key]
        for res in computed_both(lambda: obj.loc[key]):
            (pd.testing.assert_series_equal if series else pd.testing.assert_frame_equal)(res, exp)
        if obj.known_divisions and n:
            assert got.npartitions <= obj.npartitions
    exp = obj_pd.loc[lo:lo]
    if obj.known_divisions and not obj.divisions[0] <= lo <= obj.divisions[-1]:
        with pytest.raises(KeyError):  # a single label outside the divisions, as dask (and pandas)
            obj.loc[lo]
        return
    (pd.testing.assert_series_equal if series else pd.testing.assert_frame_equal)(obj.loc[lo].compute(), exp)


def test_loc_prunes_partitions_and_files(tmp_path):
    for i in range(5):
        pd.DataFrame({"x": np.arange(10) + 10 * i, "y": 1.0}).to_parquet(tmp_path / f"p{i}.parquet")
    df = dd.read_parquet(str(tmp_path))
    indexed = df.set_index("x", sorted=True)
    assert indexed.divisions == (0, 10, 20, 30, 40, 49)  # from row-group statistics: nothing read
    q = indexed.loc[12:27]
    with read_log() as log:
        got = q.compute()
    assert sorted(os.path.basename(f) for f, _, _ in log) == ["p1.parquet", "p2.parquet"]
    assert got.index.tolist() == list(range(12, 28))
    with read_log() as log:
        assert indexed.loc[33].compute().index.tolist() == [33]
    assert [os.path.basename(f) for f, _, _ in log] == ["p3.parquet"]
    # without sorted=True: the statistics show ordered files, so no shuffle either
    auto = df.set_index("x")
    assert auto.divisions == indexed.divisions
    assert "range-split" not in {n.op_name for n in optimize_plan(auto.node).walk()}
    pd.testing.assert_frame_equal(auto.loc[12:27].compute(), got)
    # overlapping files: sampled boundaries and a range shuffle
    pd.DataFrame({"x": [5, 45], "y": 1.0}).to_parquet(tmp_path / "p9.parquet")
    mixed = dd.read_parquet(str(tmp_path)).set_index("x")
    assert "range-split" in {n.op_name for n in optimize_plan(mixed.node).walk()}
    assert mixed.known_divisions  # sampled when first needed, as dask does
    assert mixed.compute().index.is_monotonic_increasing
    pd.testing.assert_frame_equal(mixed.loc[12:27].compute(), got)


def test_partitions_and_head_pushed_into_sources(tmp_path):
    for i in range(6):
        pd.DataFrame({"a": np.arange(10) + 10 * i, "b": 1.0}).to_parquet(tmp_path / f"p{i}.parquet")
    df = dd.read_parquet(str(tmp_path))
    q = df.assign(c=df.a * 2)[["c"]].partitions[[1, 4]]
    plan = optimize_plan(q.node)
    read = next(n for n in plan.walk() if isinstance(n, ReadParquet))
    assert read.parts == (1, 4) and read.columns == ("a",)
    with read_log() as log:
        assert q.compute().c.tolist() == [2 * x for x in list(range(10, 20)) + list(range(40, 50))]
    assert sorted(os.path.basename(f) for f, _, _ in log) == ["p1.parquet", "p4.parquet"]
    t = df.tail(3, compute=False)
    read = next(n for n in optimize_plan(t.node).walk() if isinstance(n, ReadParquet))
    assert read.parts == (5,)
    pdf = pd.DataFrame({"a": range(20)})
    p = dd.from_pandas(pdf, npartitions=4).partitions[2]
    src = optimize_plan(p.node)
    assert src.op_name == "from-pandas" and src.npartitions == 1
    pd.testing.assert_frame_equal(p.compute(), pdf.iloc[10:15])
    with pytest.raises(IndexError):
        df.partitions[6]


@settings(max_examples=12, deadline=None)
@given(frames, nparts, st.integers(1, 7))
def test_repartition_npartitions(f, n, m):
    p = _frame(f)
    df = dd.from_pandas(p, npartitions=n)
    r = df.repartition(npartitions=m)
    assert r.npartitions == m or (m > df.npartitions and r.npartitions == m)
    for got in computed_both(lambda: df.repartition(npartitions=m)):
        pd.testing.assert_frame_equal(got, p)
    if m < df.npartitions and df.known_divisions:
        assert r.known_divisions and r.divisions[0] == df.divisions[0] and r.divisions[-1] == df.divisions[-1]
    pd.testing.assert_series_equal(df.v.repartition(npartitions=m).compute(), p.v)


def test_repartition_divisions_and_size():
    p = pd.DataFrame({"x": np.arange(30.0)}, index=np.arange(30) * 3)
    df = dd.from_pandas(p, npartitions=4)
    for divs in ([0, 10, 50, 87], [-5, 87], [0, 1, 2, 3, 4, 5, 90]):
        r = df.repartition(divisions=divs)
        assert r.divisions == tuple(divs)
        got = r.compute()
        pd.testing.assert_frame_equal(got, p)
        parts = [r.partitions[i].compute() for i in range(r.npartitions)]
        for i, part in enumerate(parts):
            assert ((part.index >= divs[i]) & (part.index <= divs[i + 1])).all()
    with pytest.raises(ValueError, match="cover"):
        df.repartition(divisions=[10, 87])
    with pytest.raises(ValueError, match="sorted"):
        df.repartition(divisions=[0, 50, 10, 87])
    with pytest.raises(ValueError):
        df.repartition(npartitions=2, divisions=[0, 87])
    r = df.repartition(npartitions=8)  # numeric divisions: interpolated, so they stay known
    assert r.npartitions == 8 and r.known_divisions
    assert r.divisions[0] == df.divisions[0] and r.divisions[-1] == df.divisions[-1]
    pd.testing.assert_frame_equal(r.compute(), p)
    r = df.repartition(partition_size=60)  # 30 rows x 8 B estimated: 4 partitions of <= 60 B
    assert r.npartitions == 4
    pd.testing.assert_frame_equal(r.compute(), p)


@settings(max_examples=10, deadline=None)
@given(frames, nparts, st.integers(1, 5))
def test_shuffle_groups_keys(f, n, m):
    p = _frame(f)
    df = dd.from_pandas(p, npartitions=n)
    s = df.shuffle("k", npartitions=m)
    assert s.npartitions == m
    parts = [s.partitions[i].compute() for i in range(m)]
    seen = {}
    for i, part in enumerate(parts):
        for key in part.k.unique():
            assert seen.setdefault(key, i) == i  # each key in exactly one partition
    for got in computed_both(lambda: df.shuffle("k", npartitions=m)):
        assert_same_rows(got, p)
    _check_all(lambda: p[p.v > 0][["k"]], lambda: (lambda x: x[x.v > 0][["k"]])(df.shuffle("k", npartitions=m)))


@settings(max_examples=15, deadline=None)
@given(frames, nparts, st.sampled_from(["k", "lf", "ls", "lt", "lc", ["v", "lf"]]), st.booleans(),
       st.sampled_from([None, 1, 3]), st.sampled_from(["last", "first"]))
def test_sort_values_matches_pandas(f, n, by, ascending, out_parts, na_position):
    p = _frame(f, "l")
    df = dd.from_pandas(p, npartitions=n)
    exp = p.sort_values(by, ascending=ascending, kind="stable", na_position=na_position)
    for got in computed_both(lambda: df.sort_values(by, ascending=ascending, npartitions=out_parts,
                                                    na_position=na_position)):
        keys = [by] if isinstance(by, str) else by
        # the sort keys in exactly pandas' order; ties may hold their rows in another order
        pd.testing.assert_frame_equal(got[keys].reset_index(drop=True), exp[keys].reset_index(drop=True))
        assert_same_rows(got, exp)
    pd.testing.assert_series_equal(df.v.sort_values().compute().reset_index(drop=True),
                                   p.v.sort_values().reset_index(drop=True))


def test_sort_values_missing_first_and_head():
    p = pd.DataFrame({"a": [3.0, None, 1.0, None, 2.0, 5.0, None, 4.0], "b": range(8)})
    df = dd.from_pandas(p, npartitions=3)
    for asc in (True, False):
        got = df.sort_values("a", ascending=asc, na_position="first")
        exp = p.sort_values("a", ascending=asc, na_position="first", kind="stable")
        assert got.compute().a.isna().tolist()[:3] == [True] * 3
        pd.testing.assert_frame_equal(got.compute().reset_index(drop=True), exp.reset_index(drop=True))
        pd.testing.assert_frame_equal(got.head(4, npartitions=-1).reset_index(drop=True),
                                      exp.head(4).reset_index(drop=True))
    with pytest.raises(ValueError, match="na_position must be either 'first' or 'last'"):
        df.sort_values("a", na_position="middle")


def test_sort_values_sort_function_called_per_partition():
    p = pd.DataFrame({"a": [1, 2, 3] * 4, "b": [4, 5, 6, 7] * 3})
    df = dd.from_pandas(p, npartitions=3)
    calls = []

    def f(part, by, ascending, na_position, ignore_index, cols):
        calls.append((tuple(by), ascending, na_position, ignore_index))
        return part.sort_values(cols, ascending=ascending, na_position=na_position)

    got = df.sort_values("a", sort_function=f, sort_function_kwargs={"cols": ["a", "b"]}).compute()
    pd.testing.assert_frame_equal(got.reset_index(drop=True),
                                  p.sort_values(["a", "b"]).reset_index(drop=True))
    assert set(calls) == {(("a",), True, "last", False)}


def test_repartition_divisions_empty_partition_keeps_index():
    p = pd.DataFrame({"x": [1, 2, 3]}, index=pd.Index([1, 2, 3], name="k"))
    r = dd.from_pandas(p, npartitions=2).repartition(divisions=(0, 1, 2, 3))
    parts = dask.compute(*r.to_delayed())
    assert [len(q) for q in parts] == [0, 1, 2]
    assert all(q.index.name == "k" and q.index.dtype == "int64" for q in parts)


def test_reset_index_makes_divisions_unknown():
    p = pd.DataFrame({"a": range(10)}, index=range(10, 20))
    df = dd.from_pandas(p, npartitions=3)
    assert df.known_divisions
    for drop in (False, True):
        r = df.reset_index(drop=drop)
        assert not r.known_divisions and r.npartitions == 3
        parts = [df.partitions[i].compute().reset_index(drop=drop) for i in range(3)]
        pd.testing.assert_frame_equal(r.compute(), pd.concat(parts))


@settings(max_examples=12, deadline=None)
@given(frames, nparts, st.sampled_from(["k", "lf", "ls", "lt"]), st.sampled_from([None, 2, 4]))
def test_set_index_matches_pandas(f, n, col, out_parts):
    p = _frame(f, "l")
    df = dd.from_pandas(p, npartitions=n)
    exp = p.set_index(col).sort_index(kind="stable")
    for got in computed_both(lambda: df.set_index(col, npartitions=out_parts)):
        assert got.index.is_monotonic_increasing or got.index.hasnans
        pd.testing.assert_index_equal(got.index, exp.index, exact=False)
        assert_same_rows(got, exp, keep_index=True)
    r = df.set_index(col).reset_index().compute()
    assert list(r.columns) == [col] + [c for c in p.columns if c != col]


def test_set_index_given_divisions_then_loc():
    rng = np.random.default_rng(0)
    p = pd.DataFrame({"k": rng.permutation(100), "x": rng.random(100)})
    df = dd.from_pandas(p, npartitions=5)
    s = df.set_index("k", divisions=[0, 25, 50, 75, 99])
    assert s.divisions == (0, 25, 50, 75, 99)
    pd.testing.assert_frame_equal(s.compute(), p.set_index("k").sort_index())
    q = s.loc[30:40]
    assert q.npartitions == 1
    pd.testing.assert_frame_equal(q.compute(), p.set_index("k").sort_index().loc[30:40])
    # the sampled variant: same result; building computes nothing (boundaries sampled in the
    # graph), and the divisions are computed when first needed (as dask does), then loc prunes
    t = df.set_index("k")
    ops = {n.op_name for n in optimize_plan(t.node).walk()}
    assert {"sample-keys", "boundaries", "range-split", "shuffle-collect"} <= ops
    pd.testing.assert_frame_equal(t.compute(), p.set_index("k").sort_index())
    assert t.known_divisions and t.divisions[0] == p.k.min() and t.divisions[-1] == p.k.max()
    pd.testing.assert_frame_equal(t.compute(), p.set_index("k").sort_index())
    assert t.loc[30:40].npartitions < t.npartitions


def test_projection_and_filters_through_shuffle_sort_set_index(tmp_path):
    pd.DataFrame({"a": np.arange(40) % 7, "b": np.arange(40.0), "c": 1, "d": "x"}).to_parquet(tmp_path / "0.parquet")
    df = dd.read_parquet(str(tmp_path))
    cases = {
        "shuffle": lambda d: (lambda s: s[s.b > 5][["b"]])(d.shuffle("a", npartitions=3)),
        "sort": lambda d: (lambda s: s[s.b > 5][["b"]])(d.sort_values("a")),
        "set_index": lambda d: (lambda s: s[s.b > 5][["b"]])(d.set_index("a")),
        "repartition": lambda d: (lambda s: s[s.b > 5][["b"]])(d.repartition(npartitions=3)),
    }
    pdf = pd.read_parquet(str(tmp_path))
    for name, make in cases.items():
        plan = optimize_plan(make(df).node)
        read = next(n for n in plan.walk() if isinstance(n, ReadParquet))
        assert set(read.columns) == ({"b"} if name == "repartition" else {"a", "b"}), name
        assert read.filter is not None, name
        got = make(df).compute()
        exp = pdf.set_index("a")[["b"]] if name == "set_index" else pdf[["b"]]
        assert sorted(got.b.tolist()) == sorted(exp[exp.b > 5].b.tolist()), name


def test_errors_at_build_time():
    df = dd.from_pandas(pd.DataFrame({"a": [1, 2], "b": [1.0, 2.0]}), npartitions=2)
    with pytest.raises(KeyError, match="zz"):
        df.sort_values("zz")
    with pytest.raises(KeyError, match="zz"):
        df.set_index("zz")
    with pytest.raises(KeyError, match="zz"):
        df.shuffle("zz")
    with pytest.raises(ValueError):
        df.repartition(npartitions=0)
    with pytest.raises(ValueError):
        dd.from_pandas(pd.DataFrame({"a": [1]}), npartitions=1).repartition(npartitions=2).repartition(
            divisions=[0, 1])
    with pytest.raises(ValueError, match="duplicate column names"):
        dd.concat([df, df], axis=1)
    with dask.config.set({"hlq.rules.exclude": []}):
        assert df.sort_values("a", ascending=False).compute().a.tolist() == [2, 1]


def test_set_index_own_index_unsorted_and_empty():
    p = pd.DataFrame({"col1": [2, 4, 1, 3, 5], "col2": [1, 2, 3, 4, 5]})
    df = dd.from_pandas(p, npartitions=2)
    assert df.set_index(df.index) is df
    for drop in (True, False):
        for append in (True, False):
            got = df.set_index("col1", sort=False, drop=drop, append=append)
            assert not got.known_divisions
            pd.testing.assert_frame_equal(got.compute(), p.set_index("col1", drop=drop, append=append))
    assert df.set_index(["col1"]).known_divisions
    with pytest.raises(NotImplementedError, match="multi-indexes"):
        df.set_index(["col1", "col2"])
    # no key values at all: one partition of unknown divisions
    empty = df[df.col2 > 10].set_index("col1")
    assert empty.npartitions == 1 and not empty.known_divisions
    assert len(empty.compute()) == 0


def test_concat_columns_realigns_and_keeps_index_dtype():
    import warnings

    x = pd.DataFrame({"A": range(10), "B": range(10)}).set_index("A")
    d = dd.from_pandas(x, npartitions=3)
    q = d[d.B != 4]
    got = dd.concat([q, q.rename(columns={"B": "C"})], axis=1)
    exp = pd.concat([x[x.B != 4], x[x.B != 4].rename(columns={"B": "C"})], axis=1)
    pd.testing.assert_frame_equal(got.compute(), exp)
    assert got.divisions == d.divisions
    other = dd.from_pandas(pd.DataFrame({"D": range(5)}, index=range(3, 8)), npartitions=2)
    got = dd.concat([d, other], axis=1)
    pd.testing.assert_frame_equal(got.compute(), pd.concat([x, other.compute()], axis=1))
    s = dd.from_pandas(pd.Series([1, 2, 3, 4]), npartitions=2, sort=False)
    assert isinstance(dd.concat([s], axis=1), dd.DataFrame)
    u = s.clear_divisions()
    with pytest.warns(UserWarning, match="unknown divisions"):
        dd.concat([u, u.rename("b")], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dd.concat([u, u.rename("b")], axis=1, ignore_unknown_divisions=True)
    with pytest.raises(ValueError, match="equal partition counts"):
        dd.concat([u, dd.from_pandas(pd.Series([1]), npartitions=1).clear_divisions()], axis=1)
    # rows: the index dtype is the union of the inputs' (strings here)
    a = pd.DataFrame({"v": [1.0, 2.0]}, index=["a", "b"])
    b = pd.DataFrame({"v": [3.0]}, index=["c"])
    r = dd.concat([dd.from_pandas(a, npartitions=1), dd.from_pandas(b, npartitions=1)])
    assert r._meta.index.dtype == r.compute().index.dtype


def test_loc_with_a_list_of_labels_uses_the_divisions():
    pdf = pd.DataFrame({"a": range(9), "b": list("abcdefghi")}, index=[0, 1, 3, 5, 6, 8, 9, 9, 9])
    df = dd.repartition(pdf, divisions=[0, 5, 9, 9])
    for labels in ([5], [8, 0, 3], [9], [3, 9]):
        got = df.loc[labels]
        assert got.npartitions == len({min(2, max(0, int(np.searchsorted([0, 5, 9, 9], v, "right")) - 1))
                                        for v in labels})
        assert got.divisions[0] == min(labels) and got.divisions[-1] == max(labels)
        assert_same_rows(got.compute(), pdf.loc[labels])
    pd.testing.assert_series_equal(df.a.loc[[]].compute(), pdf.a.loc[[]])
    assert df.a.loc[[]].divisions == (None, None)
    pd.testing.assert_frame_equal(df.loc[[8], ["a"]].compute(), pdf.loc[[8], ["a"]])
    pd.testing.assert_frame_equal(df.loc[np.array([6])].compute(), pdf.loc[[6]])
    with pytest.raises(KeyError, match="not in the index"):
        df.loc[1000]
    with pytest.raises(KeyError, match="unknown division"):
        df.clear_divisions().loc[[5]]
    with pytest.raises(pd.errors.IndexingError):
        df.loc[3, "a", 1]
    with pytest.raises(pd.errors.IndexingError):
        df.a.loc[3, 3]


def test_loc_with_callables_and_masks():
    pdf = pd.DataFrame({"a": range(6), "b": range(6, 12)}, index=list("abcdef"))
    df = dd.from_pandas(pdf, npartitions=3)
    pd.testing.assert_frame_equal(df.loc[lambda d: d.a > 2, :].compute(), pdf.loc[pdf.a > 2])
    pd.testing.assert_frame_equal(df.loc[:, lambda d: d.columns == "b"].compute(), pdf[["b"]])
    mask = (df.a % 2 == 0).values  # lazy array, unknown block lengths: block i masks partition i
    pd.testing.assert_frame_equal(df.loc[mask].compute(), pdf[pdf.a % 2 == 0])
    with pytest.raises(ValueError):
        df.loc[(df.a > 0).repartition(npartitions=2).values]
    with pytest.raises(KeyError, match="non-boolean"):
        df.loc[dd.from_pandas(pd.Series(list("ab")), npartitions=1)]


def test_getitem_with_a_label_slice_and_period_strings():
    pdf = pd.DataFrame({"A": range(9)}, index=list("abcdefghi"))
    df = dd.from_pandas(pdf, npartitions=3)
    pd.testing.assert_frame_equal(df["b":"e"].compute(), pdf["b":"e"])
    with pytest.raises(NotImplementedError, match="iloc"):
        dd.from_pandas(pd.DataFrame({"A": range(6)}), npartitions=2)[1:3]
    per = pd.DataFrame({"A": range(100)}, index=pd.period_range("2011-01-01", freq="h", periods=100))
    dper = dd.from_pandas(per, npartitions=10)
    pd.testing.assert_frame_equal(dper.loc["2011-01-02"].compute(), per.loc["2011-01-02"])
    pd.testing.assert_frame_equal(dper["2011-01-02":"2011-01-03"].compute(), per["2011-01-02":"2011-01-03"])


def test_index_to_series_computes_to_a_series():
    pdf = pd.DataFrame({"A": range(10)}, index=pd.date_range("2011-01-01", freq="h", periods=10, name="t"))
    df = dd.from_pandas(pdf, npartitions=3)
    s = df.index.to_series()
    assert s.known_divisions and s.divisions == df.divisions
    pd.testing.assert_series_equal(s.compute(), pdf.index.to_series())
    pd.testing.assert_series_equal(df.index.to_series(name="u").compute(), pdf.index.to_series(name="u"))
