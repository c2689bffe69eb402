"""hlq.dataframe merge/join vs pandas: differential tests (optimized and not, broadcast and hash),
pushdown through joins (D4 reads 2/5 left columns, r0 > 0.9 in the right read), strategy choice, errors."""

from __future__ import annotations

import os

import dask
import numpy as np
import pandas as pd
import pytest
from dask.dataframe.utils import assert_eq as dask_assert_eq
from hypothesis import given, settings
from hypothesis import strategies as st

import hlq
import hlq.dataframe as dd
from hlq.dataframe.nodes import Filter
from hlq.dataframe.nodes.merge import PartitionMerge
from hlq.dataframe.nodes.ops import Project, Rename
from hlq.dataframe.nodes.sources import ReadParquet, read_log
from hlq.dataframe.rules.lowering import choose_join
from hlq.rules import optimize_plan

from df_multi_strategies import RULES_OFF, assert_same_rows, computed_both, frames, make_frame, nparts


def _join_nodes(plan):
    return [n for n in plan.walk() if isinstance(n, PartitionMerge)]


@settings(max_examples=15, deadline=None)
@given(frames, frames, nparts, nparts, st.sampled_from(["inner", "left", "right", "outer"]),
       st.sampled_from([None, True, False]), st.sampled_from(["on", "left_on", "multi"]), st.booleans())
def test_merge_matches_pandas(fl, fr, npl, npr, how, broadcast, keys, indicator):
    lp = make_frame(fl[0], fl[1], fl[2], "l")
    rp = make_frame(fr[0] + 1, fr[1], fr[2], "r")
    if keys == "on":
        kw = {"on": "k"}
    elif keys == "left_on":
        rp = rp.rename(columns={"k": "rk"})
        kw = {"left_on": "k", "right_on": "rk"}
    else:
        kw = {"on": ["k", "v"]}
    expected = lp.merge(rp, how=how, indicator=indicator, **kw)
    left, right = dd.from_pandas(lp, npartitions=npl), dd.from_pandas(rp, npartitions=npr)

    def make():
        return left.merge(right, how=how, broadcast=broadcast, indicator=indicator, **kw)

    assert list(make().columns) == list(expected.columns)
    for got in computed_both(make):
        # a partition without rows may keep a narrower dtype than pandas' whole-frame result
        assert_same_rows(got, expected, check_dtype=False)
        assert len(got) == len(expected)
    strategies = {n.strategy for n in _join_nodes(optimize_plan(make().node))}
    if broadcast is False and (left.npartitions > 1 or right.npartitions > 1):
        assert strategies == {"hash"}


@settings(max_examples=6, deadline=None)
@given(frames, frames, nparts, nparts, st.sampled_from(["inner", "left", "right", "outer"]),
       st.sampled_from([None, False]))
def test_index_joins_match_pandas(fl, fr, npl, npr, how, broadcast):
    lp = make_frame(fl[0], fl[1], fl[2], "l", extra=False)
    rp = make_frame(fr[0] + 7, fr[1], fr[2], "r", extra=False).drop_duplicates("k").set_index("k")
    left, right = dd.from_pandas(lp, npartitions=npl), dd.from_pandas(rp, npartitions=npr)
    exp = lp.merge(rp, how=how, left_on="k", right_index=True)
    got = left.merge(right, how=how, left_on="k", right_index=True, broadcast=broadcast).compute()
    assert_same_rows(got, exp, check_dtype=False)
    # both on the index: aligned partitions when divisions are equal
    lpi = lp.drop_duplicates("k").set_index("k")
    exp = pd.merge(lpi, rp, how=how, left_index=True, right_index=True, suffixes=("_l", "_r"))
    for a, b in ((dd.from_pandas(lpi, npartitions=npl), dd.from_pandas(rp, npartitions=npr)),
                 (dd.from_pandas(lpi, npartitions=npl), dd.from_pandas(rp, npartitions=npl))):
        got = a.join(b, how=how, lsuffix="_l", rsuffix="_r", broadcast=broadcast).compute()
        assert_same_rows(got, exp, check_dtype=False, keep_index=True)


def test_join_aligned_when_divisions_match():
    a = pd.DataFrame({"x": range(20)}, index=range(20))
    b = pd.DataFrame({"y": range(0, 40, 2)}, index=range(20))
    da_, db_ = dd.from_pandas(a, npartitions=4), dd.from_pandas(b, npartitions=4)
    j = da_.join(db_)
    assert {n.strategy for n in _join_nodes(optimize_plan(j.node))} == {"aligned"}
    assert j.divisions == da_.divisions
    pd.testing.assert_frame_equal(j.compute(), a.join(b))


def _indexed_pair():
    """Two pandas frames indexed by ``idx`` (repeated labels, a shared key column ``k``)."""
    lp = pd.DataFrame({"idx": [0, 0, 1, 2, 3, 4, 4, 5], "k": [0, 1, 0, 0, 1, 2, 0, 1],
                       "v": range(8)}).set_index("idx")
    rp = pd.DataFrame({"idx": [0, 1, 1, 2, 3, 5, 5], "k": [0, 0, 1, 0, 2, 1, 0],
                       "w": range(7)}).set_index("idx")
    return lp, rp


@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
@pytest.mark.parametrize("on", ["idx", ["idx", "k"], ["k", "idx"]])
def test_merge_on_index_name_keeps_divisions(how, on):
    # keys naming the index of both sides: frames with known divisions are repartitioned at the
    # union of their divisions and merged partition by partition; the result keeps them
    lp, rp = _indexed_pair()
    left = dd.repartition(lp, [0, 2, 4, 5])
    right = dd.repartition(rp, [0, 1, 3, 5])
    got = left.merge(right, on=on, how=how)
    assert got.divisions == (0, 1, 2, 3, 4, 5)
    assert {n.strategy for n in _join_nodes(optimize_plan(got.node))} == {"aligned"}
    dask_assert_eq(got, lp.merge(rp, on=on, how=how))


@pytest.mark.parametrize("how", ["inner", "left"])
@pytest.mark.parametrize("on", ["idx", ["idx", "k"]])
def test_merge_with_single_partition_keeps_divisions(how, on):
    lp, rp = _indexed_pair()
    left = dd.repartition(lp, [0, 2, 4, 5])
    right = dd.from_pandas(rp, npartitions=1, sort=False)
    got = left.merge(right, on=on, how=how)
    assert got.divisions == left.divisions
    assert {n.strategy for n in _join_nodes(optimize_plan(got.node))} == {"broadcast"}
    dask_assert_eq(got, lp.merge(rp, on=on, how=how))
    # the other way round: the right side's divisions
    got = right.merge(left, on=on, how="inner")
    assert got.divisions == left.divisions
    dask_assert_eq(got, rp.merge(lp, on=on, how="inner"))


def test_join_overlap_needs_suffix():
    a = dd.from_pandas(pd.DataFrame({"x": [1]}), npartitions=1)
    with pytest.raises(ValueError, match="overlap"):
        a.join(a)


def test_merge_errors_at_build_time():
    a = dd.from_pandas(pd.DataFrame({"k": [1, 2], "x": [1.0, 2.0]}), npartitions=2)
    b = dd.from_pandas(pd.DataFrame({"k": [1], "y": [3]}), npartitions=1)
    with pytest.raises(KeyError, match="nope"):
        a.merge(b, on="nope")
    with pytest.raises(KeyError, match="zz"):
        dd.merge(a, b, left_on="k", right_on="zz")
    with pytest.raises(KeyError, match="kk"):
        a.merge(b, left_on="kk", right_on="k")
    with pytest.raises(ValueError, match="how"):
        a.merge(b, on="k", how="sideways")
    with pytest.raises(ValueError):
        a.merge(b, on="k", left_on="k")
    with pytest.raises(TypeError):
        a.merge(b.k, on="k") if False else dd.merge(a, 3)


# ------------------------------------------------------------------ pushdown through joins
@pytest.fixture
def lr():
    rng = np.random.default_rng(3)
    lp = pd.DataFrame({"k": rng.integers(0, 30, 200), "v": rng.random(200), "a": rng.random(200),
                       "b": rng.integers(0, 9, 200)})
    rp = pd.DataFrame({"k": np.arange(25), "v": rng.random(25), "w": rng.random(25) - 0.5})
    return lp, rp


def test_projection_through_merge_keeps_suffixes(lr):
    lp, rp = lr
    left, right = dd.from_pandas(lp, npartitions=3), dd.from_pandas(rp, npartitions=2)
    m = left.merge(right, on="k")
    q = m[["v_x", "b"]]
    plan = optimize_plan(q.node, phases=["simplify", "pushdown"])
    renames = [n for n in plan.walk() if isinstance(n, Rename)]
    assert renames and renames[0].mapping == (("v", "v_x"),)  # right's v is no longer read
    reads = {n.columns for n in plan.walk() if n.op_name == "from-pandas"}
    assert reads == {("k", "v", "b"), ("k",)}
    for got in computed_both(lambda: left.merge(right, on="k")[["v_x", "b"]]):
        assert_same_rows(got, lp.merge(rp, on="k")[["v_x", "b"]])
    q2 = m[["v_y", "w"]]
    assert list(q2.compute().columns) == ["v_y", "w"]
    assert_same_rows(q2.compute(), lp.merge(rp, on="k")[["v_y", "w"]])


@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
def test_predicates_pushed_per_join_type(lr, how):
    lp, rp = lr
    left, right = dd.from_pandas(lp, npartitions=3), dd.from_pandas(rp, npartitions=2)

    def make(d_left, d_right):
        m = d_left.merge(d_right, on="k", how=how)
        return m[(m.a > 0.3) & (m.w > 0) & (m.k < 20) & (m.a > m.w)]

    expected = make(lp, rp)
    for got in computed_both(lambda: make(left, right)):
        assert_same_rows(got, expected, check_dtype=False)
    plan = optimize_plan(make(left, right).node, phases=["simplify", "pushdown"])
    merge = next(n for n in plan.walk() if n.op_name == "merge")
    lf = merge.left.predicate if isinstance(merge.left, Filter) else None
    rf = merge.right.predicate if isinstance(merge.right, Filter) else None
    text = (str(lf), str(rf))
    # (not in a right join here: the left side's integer column b becomes float64 in pandas only
    # when some right row is unmatched, so a filter below the merge could change its dtype)
    pushed = how in ("inner", "left")
    assert ("'a'" in text[0]) == pushed
    assert ("'w'" in text[1]) == (how == "inner")
    # a key-only predicate filters both sides, except in an outer join
    assert ("'k'" in text[0]) == pushed
    assert ("'k'" in text[1]) == pushed
    # the mixed term a > w always stays above the join
    top = [n for n in plan.walk() if isinstance(n, Filter) and n is not merge.left and n is not merge.right]
    assert top and "'w'" in str(top[0].predicate)


def test_filter_on_suffixed_column_goes_to_its_side(lr):
    lp, rp = lr
    left, right = dd.from_pandas(lp, npartitions=3), dd.from_pandas(rp, npartitions=2)
    m = left.merge(right, on="k")
    q = m[m.v_y > 0.5][["v_x"]]
    plan = optimize_plan(q.node, phases=["simplify", "pushdown"])
    merge = next(n for n in plan.walk() if n.op_name == "merge")
    side = merge.right.child if isinstance(merge.right, Project) else merge.right  # (columns the join reads)
    assert isinstance(side, Filter) and side.predicate == ("gt", ("col", "v"), ("lit", 0.5))
    exp = lp.merge(rp, on="k")
    assert_same_rows(q.compute(), exp[exp.v_y > 0.5][["v_x"]])


# ------------------------------------------------------------------ D4 on parquet
@pytest.fixture(scope="module")
def d4(tmp_path_factory):
    base = tmp_path_factory.mktemp("d4")
    rng = np.random.default_rng(0)
    os.makedirs(base / "left")
    os.makedirs(base / "right")
    for i in range(4):
        pd.DataFrame({"key": rng.integers(0, 1000, 2500), **{f"v{j}": rng.random(2500) for j in range(4)}}
                     ).to_parquet(base / "left" / f"part.{i}.parquet", index=False)
    pd.DataFrame({"key": np.arange(1000), "r0": rng.random(1000), "r1": rng.random(1000)}
                 ).to_parquet(base / "right" / "part.0.parquet", index=False)
    return str(base / "left"), str(base / "right")


def _d4(left, right):
    m = left.merge(right, on="key")
    return m[m.r0 > 0.9][["v0", "r1"]].sum()


def test_d4_reads_two_left_columns_and_pushes_r0_to_right(d4):
    lpath, rpath = d4
    left, right = dd.read_parquet(lpath), dd.read_parquet(rpath)
    assert len(left.columns) == 5
    q = _d4(left, right)
    plan = optimize_plan(q.node)
    reads = [n for n in plan.walk() if isinstance(n, ReadParquet)]
    lread = next(r for r in reads if r.info.path == os.path.abspath(lpath))
    rread = next(r for r in reads if r.info.path == os.path.abspath(rpath))
    assert lread.columns == ("key", "v0") and lread.filter is None
    assert rread.filter == ("gt", ("col", "r0"), ("lit", 0.9))
    assert {n.strategy for n in _join_nodes(plan)} == {"broadcast"}
    with read_log() as log:
        got = q.compute()
    left_reads = [cols for path, cols, _ in log if path.startswith(os.path.abspath(lpath))]
    right_reads = [(cols, f) for path, cols, f in log if path.startswith(os.path.abspath(rpath))]
    assert len(left_reads) == 4 and all(set(c) == {"key", "v0"} for c in left_reads)
    assert len(right_reads) == 1 and right_reads[0][1] == ("gt", ("col", "r0"), ("lit", 0.9))  # read once
    lp, rp = pd.read_parquet(lpath), pd.read_parquet(rpath)
    pd.testing.assert_series_equal(got, _d4(lp, rp))
    text = hlq.explain(q)
    assert "broadcast-join" in text and "limit" in text


def test_d4_hash_join_same_result(d4):
    lpath, rpath = d4
    lp, rp = pd.read_parquet(lpath), pd.read_parquet(rpath)
    with dask.config.set({"hlq.dataframe.broadcast-bytes": 10}):
        q = _d4(dd.read_parquet(lpath), dd.read_parquet(rpath))
        plan = optimize_plan(q.node)
        assert {n.strategy for n in _join_nodes(plan)} == {"hash"}
        pd.testing.assert_series_equal(q.compute(), _d4(lp, rp))
        assert "hash-join" in hlq.explain(q) and "> broadcast limit" in hlq.explain(q)


# ------------------------------------------------------------------ strategy choice
def test_strategy_chosen_from_estimated_sizes():
    big = dd.from_pandas(pd.DataFrame({"k": np.arange(4000) % 50, "x": 1.0}), npartitions=4)
    small = dd.from_pandas(pd.DataFrame({"k": np.arange(50), "y": 2.0}), npartitions=2)
    big2 = dd.from_pandas(pd.DataFrame({"k": np.arange(3000) % 50, "y": 2.0}), npartitions=3)

    def strategy(m):
        return choose_join(optimize_plan(m.node, phases=["simplify", "pushdown"]))[:1] + (
            choose_join(m.node)[2],)

    with dask.config.set({"hlq.dataframe.broadcast-bytes": 10_000}):
        assert choose_join(big.merge(small, on="k").node)[0] == "broadcast"
        assert choose_join(big.merge(small, on="k").node)[2] == "r"
        assert choose_join(small.merge(big, on="k").node)[2] == "l"  # inner: either side
        assert choose_join(big.merge(big2, on="k").node)[0] == "hash"  # 48 KB > 10 KB
        assert choose_join(big.merge(small, on="k", how="outer").node)[0] == "hash"
        assert choose_join(small.merge(big, on="k", how="left").node)[0] == "hash"  # left side kept whole
        assert choose_join(big.merge(small, on="k", how="left").node)[0] == "broadcast"
        # a filter makes the large side small enough (estimated rows, not partition counts)
        f = big2[(big2.y > 1) & (big2.k < 10) & (big2.k > 2) & (big2.y < 5)]
        assert choose_join(big.merge(f, on="k").node)[0] == "broadcast"
        assert strategy(big.merge(small, on="k")) == ("broadcast", "r")
    # same partition counts, different sizes: the choice follows the bytes
    wide = dd.from_pandas(pd.DataFrame({"k": np.arange(50), **{f"c{i}": 1.0 for i in range(40)}}), npartitions=2)
    with dask.config.set({"hlq.dataframe.broadcast-bytes": 2_000}):
        assert choose_join(big.merge(small, on="k").node)[0] == "broadcast"  # 50 x 16 B
        assert choose_join(big.merge(wide, on="k").node)[0] == "hash"  # 50 x 328 B
    assert choose_join(big.merge(small, on="k", broadcast=False).node)[0] == "hash"


def test_hash_join_task_structure():
    a = dd.from_pandas(pd.DataFrame({"k": np.arange(100) % 7, "x": 1.0}), npartitions=5)
    b = dd.from_pandas(pd.DataFrame({"k": np.arange(7), "y": 2.0}), npartitions=3)
    m = a.merge(b, on="k", broadcast=False, npartitions=4)
    assert m.npartitions == 4
    plan = optimize_plan(m.node)
    ops = [n.op_name for n in plan.walk()]
    assert ops.count("shuffle-split") == 2 and ops.count("shuffle-collect") == 2
    # 5 + 3 split tasks (fused with the sources) + 2 x 4 collects + 4 merges + 2 pandas literals
    assert m.task_count() == 5 + 3 + 8 + 4 + 2
    assert_same_rows(m.compute(), a.compute().merge(b.compute(), on="k"))


def test_mixed_key_dtypes_hash_alike():
    a = dd.from_pandas(pd.DataFrame({"k": np.arange(40), "x": 1.0}), npartitions=4)
    b = dd.from_pandas(pd.DataFrame({"k": np.arange(0, 40, 3).astype(float), "y": 2.0}), npartitions=3)
    m = a.merge(b, on="k", broadcast=False).compute()
    assert len(m) == 14


def test_merge_with_pandas_and_rules_off_same_task_graph_result():
    a = dd.from_pandas(pd.DataFrame({"k": [1, 2, 3], "x": [1.0, 2.0, 3.0]}), npartitions=2)
    b = pd.DataFrame({"k": [3, 1], "y": ["p", "q"]})
    got = dd.merge(a, b, on="k")
    assert_same_rows(got.compute(), a.compute().merge(b, on="k"))
    with dask.config.set({"hlq.rules.exclude": RULES_OFF}):
        assert_same_rows(got.compute(), a.compute().merge(b, on="k"))


@pytest.mark.parametrize("kind", ["str", "category", "datetime", "float-nan"])
def test_hash_join_non_integer_keys(kind):
    rng = np.random.default_rng(5)
    vals = {"str": np.array(["a", "b", "c", "dd", "e"], dtype=object),
            "category": pd.Categorical(["x", "y", "z", "x", "w"]),
            "datetime": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01"]),
            "float-nan": np.array([0.5, 1.5, np.nan, 2.5, 3.5])}[kind]
    lp = pd.DataFrame({"k": pd.Series(vals).take(rng.integers(0, 5, 60)).to_numpy(), "x": np.arange(60)})
    rp = pd.DataFrame({"k": pd.Series(vals).take([0, 2, 3]).to_numpy(), "y": [1.0, 2.0, 3.0]})
    if kind == "category":
        lp["k"] = lp.k.astype("category")
        rp["k"] = rp.k.astype(lp.k.dtype)
    left, right = dd.from_pandas(lp, npartitions=4), dd.from_pandas(rp, npartitions=2)
    for how in ("inner", "outer"):
        got = left.merge(right, on="k", how=how, broadcast=False).compute()
        assert_same_rows(got, lp.merge(rp, on="k", how=how), check_dtype=False)


def test_join_on_column_and_self_merge():
    lp = pd.DataFrame({"k": [1, 2, 3, 2], "x": [1.0, 2.0, 3.0, 4.0]})
    rp = pd.DataFrame({"y": ["a", "b"]}, index=[2, 3])
    left, right = dd.from_pandas(lp, npartitions=2), dd.from_pandas(rp, npartitions=1)
    assert_same_rows(left.join(right, on="k").compute(), lp.join(rp, on="k"))
    assert_same_rows(left.join(right, on="k", how="inner").compute(), lp.join(rp, on="k", how="inner"))
    self_m = left.merge(left, on="k")
    assert self_m.node.left is self_m.node.right  # one plan node read by both sides
    assert_same_rows(self_m.compute(), lp.merge(lp, on="k"))


def test_building_and_optimizing_never_compute():
    calls = []

    def spy(df):
        calls.append(len(df))
        return df

    base = dd.from_pandas(pd.DataFrame({"k": np.arange(50) % 7, "x": np.arange(50.0)}), npartitions=5)
    watched = base.map_partitions(spy, meta=base._meta)
    small = dd.from_pandas(pd.DataFrame({"k": np.arange(7), "y": 1.0}), npartitions=1)
    qs = [watched.merge(small, on="k"), watched.merge(small, on="k", broadcast=False),
          watched.set_index("k"), watched.sort_values("x"), watched.shuffle("k"),
          watched.repartition(npartitions=2), dd.concat([watched, watched]).tail(3, compute=False)]
    for q in qs:
        hlq.optimize(q)
        hlq.explain(q)
        q.__dask_graph__()
    assert calls == []
    assert len(qs[2].compute()) == 50 and calls


@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
def test_key_predicate_crosses_to_other_side(how):
    lp = pd.DataFrame({"a": np.arange(40) % 10, "x": np.arange(40.0)})
    rp = pd.DataFrame({"b": np.arange(12), "y": np.arange(12) * 2.0})
    left, right = dd.from_pandas(lp, npartitions=3), dd.from_pandas(rp, npartitions=2)

    def make(l_, r_):
        m = l_.merge(r_, left_on="a", right_on="b", how=how)
        return m[m.a < 4]

    plan = optimize_plan(make(left, right).node, phases=["simplify", "pushdown"])
    merge = next(n for n in plan.walk() if n.op_name == "merge")
    # right join: a is NaN for right-only rows; left join: the right side's integer b becomes
    # float64 in pandas only when some left row is unmatched, so a filter below the merge could
    # change its dtype: the filter stays above
    if how in ("outer", "right", "left"):
        assert not isinstance(merge.left, Filter) and not isinstance(merge.right, Filter)
    else:
        assert merge.left.predicate == ("lt", ("col", "a"), ("lit", 4))
        assert merge.right.predicate == ("lt", ("col", "b"), ("lit", 4))
    for got in computed_both(lambda: make(left, right)):
        assert_same_rows(got, make(lp, rp), check_dtype=False)


def _level_frames():
    sizes_l, sizes_r = [3, 4, 2, 5, 3, 2, 5, 9, 4, 7, 4], [4, 2, 5, 3, 2, 5, 9, 4, 7, 4, 8]

    def frame(sizes):
        idx = [i for i, s in enumerate(sizes) for _ in range(s)]
        k = [i for s in sizes for i in range(s)]
        return pd.DataFrame({"idx": idx, "k": k, "v1": range(len(k))}).set_index("idx")

    return frame(sizes_l), frame(sizes_r)


@pytest.mark.parametrize("on", ["idx", ["idx"], ["idx", "k"], ["k", "idx"]])
@pytest.mark.parametrize("how", ["inner", "left", "right", "outer"])
def test_merge_on_index_level_names(on, how):
    # pandas merges on the index's name; an index-only key is an index join aligned at the union
    # of both sides' divisions (no shuffle), as dask does
    pl, pr = _level_frames()
    left = dd.repartition(pl, [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    right = dd.repartition(pr, [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11])
    got = left.merge(right, on=on, how=how)
    dask_assert_eq(got, pl.merge(pr, on=on, how=how))
    if on in ("idx", ["idx"]):
        assert got.divisions == tuple(range(12))
        assert "shuffle" not in hlq.explain(got)


def test_index_join_aligns_different_known_divisions():
    pl, pr = _level_frames()
    left = dd.repartition(pl, [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    right = dd.repartition(pr, [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11])
    j = left.join(right, lsuffix="_l", rsuffix="_r", how="outer")
    assert j.divisions == tuple(range(12)) and "aligned-join" in hlq.explain(j)
    pd.testing.assert_frame_equal(j.compute().sort_index(kind="stable").reset_index(drop=True),
                                  pl.join(pr, lsuffix="_l", rsuffix="_r", how="outer").sort_index(kind="stable")
                                  .reset_index(drop=True), check_dtype=False)
    # a side with one partition is still broadcast
    one = dd.from_pandas(pr, npartitions=1)
    assert "aligned" not in hlq.explain(left.join(one, lsuffix="_l", rsuffix="_r"))
