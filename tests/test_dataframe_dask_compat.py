"""What dask's own dataframe tests need from hlq collections: dask's ``assert_eq`` runs on them
(``optimize``, ``enforce_runtime_divisions``, ``index``, ``Scalar._meta``), and the module-level
names dask's test files use (``repartition``, ``Aggregation``, ``read_table``, ``extensions``,
``Index``), each compared with pandas."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest
from dask.dataframe.utils import assert_eq as dask_assert_eq

import hlq.dataframe as dd
from hlq.dataframe.utils import assert_eq


@pytest.fixture
def pdf():
    return pd.DataFrame({"a": [3, 1, 2, 5, 4, 6], "b": np.linspace(0, 1, 6)}, index=[10, 11, 12, 13, 14, 15])


def test_dask_assert_eq_runs_on_hlq_collections(pdf):
    df = dd.from_pandas(pdf, npartitions=2)
    for got, exp in [(df, pdf), (df.a, pdf.a), (df[df.a > 2], pdf[pdf.a > 2]), (df.a.sum(), pdf.a.sum()),
                     (df.index, pdf.index), (df.b.mean(), pdf.b.mean())]:
        assert dask_assert_eq(got, exp)
        assert assert_eq(got, exp)
    with pytest.raises(AssertionError):
        dask_assert_eq(df.a + 1, pdf.a)
    with pytest.raises(AssertionError):
        assert_eq(df.a.rename("z"), pdf.a)


def test_index_collection(pdf):
    df = dd.from_pandas(pdf, npartitions=2)
    idx = df.index
    assert isinstance(idx, dd.Index) and isinstance(idx._meta, pd.Index)
    pd.testing.assert_index_equal(idx.compute(), pdf.index)
    pd.testing.assert_index_equal(df[df.a > 2].index.compute(), pdf[pdf.a > 2].index)
    pd.testing.assert_index_equal(df.a.index.compute(), pdf.index)
    assert idx.max().compute() == 15 and idx.npartitions == 2
    assert (idx + 1).compute().tolist() == (pdf.index + 1).tolist()


def test_optimize_and_key_names(pdf):
    df = dd.from_pandas(pdf, npartitions=2)
    q = df[df.a > 2].b
    opt = q.optimize()
    assert isinstance(opt, dd.Series)
    pd.testing.assert_series_equal(opt.compute(), q.compute())
    for k in opt.__dask_graph__():
        while isinstance(k, tuple):
            k = k[0]
        assert " " not in k and len(k) < 100 and k.split("-")[0].isidentifier(), k
    assert q._name == df[df.a > 2].b._name != df[df.a > 3].b._name
    assert sorted(q.dask) == sorted(df[df.a > 2].b.dask)


def test_enforce_runtime_divisions_catches_wrong_divisions():
    good = dd.from_pandas(pd.DataFrame({"x": range(6)}), npartitions=2)
    pd.testing.assert_frame_equal(good.enforce_runtime_divisions().compute(), good.compute())
    parts = [pd.DataFrame({"x": [0, 1]}, index=[0, 1]), pd.DataFrame({"x": [5, 6]}, index=[5, 6])]
    wrong = dd.from_map(lambda i: parts[i], [0, 1], divisions=(0, 2, 5), meta=parts[0].iloc[:0])
    with pytest.raises(RuntimeError, match="partition 1 .* outside its division"):
        wrong.enforce_runtime_divisions().compute()


def test_scalar_meta():
    s = dd.from_pandas(pd.Series([1.5, 2.5]), npartitions=2).sum()
    assert s._meta.dtype == np.float64 and np.isscalar(s._meta)


def test_repartition_function():
    pdf = pd.DataFrame({"a": range(10)})
    d = dd.repartition(pdf, divisions=[0, 5, 9, 9])
    assert d.divisions == (0, 5, 9, 9)
    assert [len(d.partitions[i].compute()) for i in range(3)] == [5, 4, 1]
    pd.testing.assert_frame_equal(d.compute(), pdf)
    d2 = dd.repartition(dd.from_pandas(pdf, npartitions=2), divisions=[0, 3, 9])
    assert d2.npartitions == 2 and len(d2.partitions[0].compute()) == 3


def test_custom_aggregation_matches_pandas():
    custom_mean = dd.Aggregation("mean", lambda s: (s.count(), s.sum()), lambda n, t: (n.sum(), t.sum()),
                                 lambda n, t: t / n)
    custom_sum = dd.Aggregation("sum", lambda s: s.sum(), lambda s0: s0.sum())
    pdf = pd.DataFrame({"g": [0, 0, 1] * 3, "b": [1, 2, 3] * 3, "c": [4, 5, 6] * 3})
    df = dd.from_pandas(pdf, npartitions=2)
    cases = [({"b": custom_mean}, {"b": "mean"}), ({"b": custom_sum}, {"b": "sum"}),
             ([custom_mean, custom_sum], ["mean", "sum"]), ({"b": [custom_mean, custom_sum]}, {"b": ["mean", "sum"]}),
             ({"b": custom_mean, "c": "sum"}, {"b": "mean", "c": "sum"})]
    for spec, pd_spec in cases:
        pd.testing.assert_frame_equal(df.groupby("g").agg(spec).compute(), pdf.groupby("g").agg(pd_spec),
                                      check_dtype=False)
    got = df.b.groupby(df.g).agg(custom_mean).compute()
    pd.testing.assert_series_equal(got, pdf.b.groupby(pdf.g).agg("mean"), check_dtype=False)
    with pytest.raises(ValueError):
        df.groupby("g").agg({"b": [custom_sum, "sum"]})


def test_read_table(tmp_path):
    p = tmp_path / "t.tsv"
    pdf = pd.DataFrame({"a": range(20), "b": [f"s{i}" for i in range(20)]})
    pdf.to_csv(p, sep="\t", index=False)
    df = dd.read_table(str(p), blocksize=60)
    assert df.npartitions > 1
    pd.testing.assert_frame_equal(df.compute().reset_index(drop=True), pd.read_table(p))


def test_registered_accessors():
    class Doubler:
        def __init__(self, obj):
            self.obj = obj

        def twice(self):
            return self.obj * 2

    for cls, register in [(dd.Series, dd.extensions.register_series_accessor),
                          (dd.DataFrame, dd.extensions.register_dataframe_accessor),
                          (dd.Index, dd.extensions.register_index_accessor)]:
        before = set(dir(cls))
        register("dbl")(Doubler)
        try:
            assert set(dir(cls)) ^ before == {"dbl"} and "dbl" in cls._accessors
            assert cls.dbl is Doubler
        finally:
            delattr(cls, "dbl")
            cls._accessors.discard("dbl")
    s = dd.from_pandas(pd.Series([1, 2]), npartitions=1)
    dd.extensions.register_series_accessor("dbl")(Doubler)
    try:
        assert s.dbl.obj is s
        assert s.dbl.twice().compute().tolist() == [2, 4]
    finally:
        del dd.Series.dbl
        dd.Series._accessors.discard("dbl")


def test_map_partitions_meta_may_be_a_collection(pdf):
    df = dd.from_pandas(pdf, npartitions=2)
    out = dd.map_partitions(lambda x: x * 2, df, meta=df)
    pd.testing.assert_frame_equal(out.compute(), pdf * 2)


def test_index_head_and_partly_known_divisions(pdf):
    df = dd.from_pandas(pdf, npartitions=3)
    pd.testing.assert_index_equal(df.index.head(2), pdf.index[:2])
    pd.testing.assert_index_equal(df.index.head(3, compute=False).compute(), pdf.index[:3])
    lazy = df.head(4, npartitions=2, compute=False)  # divisions (first, None): only the known bound is checked
    assert dask_assert_eq(lazy, pdf.head(4))
    assert dd.utils.make_meta is not None  # dask's pandas-level helpers are reachable from hlq's utils


@pytest.fixture
def mixed():
    return pd.DataFrame({"a": [1, 2, 3, 4, 5, 6], "b": [1.5, np.nan, 3.0, 4.0, -5.0, 6.0], "s": list("abcdef"),
                         "t": pd.date_range("2000", periods=6, tz="UTC")})


@pytest.mark.parametrize("how", ["sum", "prod", "mean", "min", "max", "std", "var", "count"])
@pytest.mark.parametrize("kw", [{}, {"skipna": False}, {"axis": 1}, {"axis": "columns", "skipna": False},
                                {"numeric_only": True}, {"axis": 1, "numeric_only": True}])
def test_reductions_take_dasks_keywords(mixed, how, kw):
    # axis=1 per partition, numeric_only by projection, skipna=False as NaN where a value is missing
    if how == "count" and "skipna" in kw:
        return
    plain = kw.get("numeric_only") or (how in ("min", "max", "count") and "axis" not in kw)
    pdf = mixed if plain else mixed[["a", "b"]]
    df = dd.from_pandas(pdf, npartitions=3)
    exp = getattr(pdf, how)(**kw)
    dask_assert_eq(getattr(df, how)(**kw), exp)
    for col in ("a", "b"):  # the Series form gives a lazy Scalar
        if "axis" not in kw and "numeric_only" not in kw:
            dask_assert_eq(getattr(df[col], how)(**kw), getattr(pdf[col], how)(**kw))


def test_reductions_positional_axis_numpy_dispatch_and_missing_times(mixed):
    df = dd.from_pandas(mixed, npartitions=2)
    num = mixed[["a", "b"]]
    dnum = df[["a", "b"]]
    dask_assert_eq(dnum.sum(1), num.sum(axis=1))  # dask's first positional argument is axis
    dask_assert_eq(np.sum(df.b), np.sum(mixed.b))
    dask_assert_eq(np.mean(dnum), np.mean(num))  # axis=None: every value (pandas and dask give a scalar)
    gap = mixed.t.where(mixed.a != 3)
    dgap = dd.from_pandas(gap, npartitions=2)
    assert dgap.max(skipna=False).compute() is pd.NaT
    assert dgap.max().compute() == gap.max()
    with pytest.raises(ValueError, match="No axis named 1"):
        df.b.sum(axis=1)
    with pytest.raises(TypeError, match="unsupported keyword"):
        df.b.sum(out=np.empty(1))
    with pytest.raises(NotImplementedError, match="fillna"):
        df.b.any(skipna=False)


def test_join_a_list_of_frames_and_dasks_join_and_concat_keywords():
    base = pd.DataFrame({"x": [1.0, 2.0, 3.0]}, index=[0, 1, 3])
    others = [pd.DataFrame({f"{i}A": [5, 6, 7, 8]}, index=[0, 1, 2, 3]) for i in range(3)]
    df = dd.from_pandas(base, npartitions=2)
    parts = [dd.from_pandas(o, npartitions=2) for o in others]
    for how in ("left", "outer"):
        dask_assert_eq(df.join(parts, how=how), base.join(others, how=how))
    with pytest.raises(ValueError, match="only supports left or outer"):
        df.join(parts, how="inner")
    dask_assert_eq(df.join(parts[0], how="inner", shuffle_method="tasks"), base.join(others[0], how="inner"))
    p1 = pd.DataFrame({"a": [1, 2], "b": [3, 4]})
    p2 = pd.DataFrame({"b": [5, 6], "c": [7, 8]}, index=[2, 3])
    for join in ("inner", "outer"):
        got = dd.concat([dd.from_pandas(p1, 1), dd.from_pandas(p2, 1)], join=join, sort=False)
        dask_assert_eq(got, pd.concat([p1, p2], join=join, sort=False))
    with pytest.raises(NotImplementedError, match="sort=True"):
        dd.concat([dd.from_pandas(p1, 1), dd.from_pandas(p2, 1)], sort=True)


def test_map_overlap_takes_pandas_input_and_dasks_keywords():
    pdf = pd.DataFrame({"a": range(10), "b": np.arange(10.0)})

    def shifted_sum(df, before, after, c=0):
        return df + df.shift(before) + df.shift(-after) + c

    exp = shifted_sum(pdf, 2, 1, c=2)
    for src in (pdf, dd.from_pandas(pdf, npartitions=4)):
        got = dd.map_overlap(shifted_sum, src, 2, 1, 2, 1, c=2, enforce_metadata=False, align_dataframes=False,
                             transform_divisions=True)
        dask_assert_eq(got, exp)
    other = dd.from_pandas(pdf, npartitions=4)
    # a further frame is passed partition by partition (dask's behaviour); as a keyword it is refused
    dask_assert_eq(dd.map_overlap(shifted_sum, other, 2, 1, 2, 1, other), shifted_sum(pdf, 2, 1, pdf))
    with pytest.raises(NotImplementedError, match="keyword"):
        dd.map_overlap(shifted_sum, other, 2, 1, 2, 1, c=other)


def test_from_pandas_divisions_are_dasks():
    import dask.dataframe as dask_dd

    for idx, n in [(range(10), 3), ([1, 1, 1, 1, 2, 2, 3], 3), (list("aabbccdd"), 2), (range(3), 5)]:
        p = pd.DataFrame({"x": range(len(idx))}, index=list(idx))
        got = dd.from_pandas(p, npartitions=n)
        assert got.divisions == dask_dd.from_pandas(p, npartitions=n).divisions
        dask_assert_eq(got, p)
    p = pd.DataFrame({"x": range(10)})
    assert dd.from_pandas(p, chunksize=4).divisions == dask_dd.from_pandas(p, chunksize=4).divisions


def test_shuffle_on_a_series_or_frame_of_the_same_frame():
    p = pd.DataFrame({"a": range(12), "b": [1, 4, 7, 2, 5, 8, 3, 6, 9, 1, 4, 7]})
    df = dd.from_pandas(p, npartitions=3)
    for on, keys in ((df.b, lambda q: q.b), (df[["b"]], lambda q: q.b), (df.b % 3, lambda q: q.b % 3)):
        s = df.shuffle(on, npartitions=4)
        assert s.npartitions == 4 and list(s.columns) == ["a", "b"]
        parts = [s.partitions[i].compute() for i in range(4)]
        seen = {}
        for i, q in enumerate(parts):
            for k in keys(q):
                assert seen.setdefault(k, i) == i  # equal keys share a partition
        pd.testing.assert_frame_equal(s.compute().sort_values("a"), p)
    got = df.a.shuffle(df.b).compute().sort_values()
    pd.testing.assert_series_equal(got, p.a)


def test_from_dask_array_takes_dask_arrays():
    import dask.array as da

    s = dd.from_dask_array(da.arange(0, 101, chunks=30))
    assert s.divisions == (0, 30, 60, 90, 100)
    dask_assert_eq(s, pd.Series(np.arange(101)))
    f = dd.from_dask_array(da.arange(0, 10, chunks=5), columns=["x"])
    assert isinstance(f, dd.DataFrame)
    dask_assert_eq(f, pd.DataFrame({"x": np.arange(10)}))
    m = dd.from_dask_array(da.ones((10, 3), chunks=(4, 2)), columns=list("abc"))
    dask_assert_eq(m, pd.DataFrame(np.ones((10, 3)), columns=list("abc")))
    with pytest.raises(ValueError, match="known chunk sizes"):
        x = da.ones(10, chunks=5)
        dd.from_dask_array(x[x > 0])


def test_reduction_and_quantile_divisions_are_their_labels():
    p = pd.DataFrame({"X": [1.0, 2.0, 3.0, 4.0], "A": [4.0, 5.0, 6.0, 7.0]})
    df = dd.from_pandas(p, npartitions=2)
    for got, exp, divs in [(df.sum(), p.sum(), ("A", "X")), (df.quantile(0.5), p.quantile(0.5), ("A", "X")),
                           (df.quantile([0.7, 0.2]), p.quantile([0.7, 0.2]), (0.2, 0.7)),
                           (df.X.quantile([0.5, 0.1]), p.X.quantile([0.5, 0.1]), (0.1, 0.5))]:
        assert got.divisions == divs
        dask_assert_eq(got, exp)
    # one-partition results with different labels still combine (pandas aligns them)
    got = df.sum() + df[["A"]].mean()
    assert got.divisions == ("A", "X")
    dask_assert_eq(got, p.sum() + p[["A"]].mean())


def test_operations_between_collections_realign_divisions():
    a = pd.DataFrame({"x": range(10), "y": range(10, 20)})
    b = pd.DataFrame({"x": range(0, 20, 2)}, index=range(2, 12))
    da_, db = dd.from_pandas(a, npartitions=3), dd.from_pandas(b, npartitions=4)
    assert da_.divisions != db.divisions
    dask_assert_eq(da_.x + db.x, a.x + b.x)
    dask_assert_eq(da_[["x"]] * db, a[["x"]] * b)
    dask_assert_eq(da_.x[db.x > 4], a.x[(b.x > 4).reindex(a.index, fill_value=False)])
    assert (da_.x + db.x).divisions == (0, 2, 4, 5, 7, 8, 9, 10, 11)
    # an assigned column of another collection: both realigned, as dask does (so, like dask's,
    # the partitions beyond the frame's own rows take the labels of the assigned Series)
    import dask.dataframe as dask_dd

    d2 = da_.copy()
    d2["z"] = db.x
    k2 = dask_dd.from_pandas(a, npartitions=3)
    k2["z"] = dask_dd.from_pandas(b, npartitions=4).x
    assert d2.divisions == k2.divisions
    dask_assert_eq(d2, k2.compute())


def test_categories_as_unknown_and_as_known():
    pdf = pd.DataFrame({"c": pd.Categorical(list("ABA"), categories=list("ABCD"), ordered=True), "v": [1, 2, 3]})
    df = dd.from_pandas(pdf, npartitions=2)
    u = df.c.cat.as_unknown()
    assert df.c.cat.known and not u.cat.known
    assert list(u._meta.dtype.categories) == ["__UNKNOWN_CATEGORIES__"] and u._meta.dtype.ordered
    pd.testing.assert_series_equal(u.compute(), pdf.c)  # the data keep their categories
    with pytest.raises(NotImplementedError, match="as_known"):
        u.cat.categories
    k = u.cat.as_known()
    assert k.cat.known and list(k.dtype.categories) == list("ABCD")
    dask_assert_eq(k, pdf.c)


def test_unknown_categories_error_is_also_an_attribute_error():
    df = dd.from_pandas(pd.DataFrame({"c": pd.Categorical(list("ab"))}), npartitions=1)
    u = df.c.cat.as_unknown()
    for member in ("categories", "codes"):
        with pytest.raises(AttributeError, match="with unknown categories"):
            getattr(u.cat, member)
    assert not hasattr(u.cat, "categories")


@pytest.mark.parametrize("method, kwargs", [
    ("add_categories", {"new_categories": ["d", "e"]}), ("as_ordered", {}), ("remove_categories", {"removals": ["a"]}),
    ("rename_categories", {"new_categories": ["d", "e", "f"]}), ("set_categories", {"new_categories": ["a", "e", "b"]}),
])
def test_categorical_index_cat_methods_give_an_index(method, kwargs):
    s = pd.Series(range(6), index=pd.Categorical(list("bacbac")))
    ds = dd.from_pandas(s, npartitions=2)
    idx = ds.compute().index
    got = getattr(ds.index.cat, method)(**kwargs)
    assert isinstance(got, dd.Index)
    exp = getattr(idx, method)(**kwargs)
    pd.testing.assert_index_equal(got.compute(), exp)
    pd.testing.assert_index_equal(got._meta.categories, exp.categories)
    pd.testing.assert_index_equal(ds.index.cat.codes.compute(), pd.Index(idx.codes))
    assert ds.index.ordered is False and "categories" in dir(ds.index) and not hasattr(dd.from_pandas(
        pd.Series([1, 2]), npartitions=1).index, "categories")


def test_remove_unused_categories_computes_the_values_present():
    pdf = pd.Series(pd.Categorical(list("abab"), categories=list("zbca")))
    ds = dd.from_pandas(pdf, npartitions=2)
    got = ds.cat.remove_unused_categories()
    assert list(got.dtype.categories) == ["b", "a"]  # the used ones, in their order
    dask_assert_eq(got, pdf.cat.remove_unused_categories())
    full = dd.from_pandas(pdf.cat.remove_unused_categories(), npartitions=2)
    assert full.cat.remove_unused_categories() is full
    idx = dd.from_pandas(pd.Series(range(4), index=pdf.values), npartitions=2, sort=False).index
    pd.testing.assert_index_equal(idx.cat.remove_unused_categories().compute(),
                                  pd.CategoricalIndex(pdf.values).remove_unused_categories())


def test_dir_lists_only_the_accessors_of_the_dtype():
    df = dd.from_pandas(pd.DataFrame({"c": pd.Categorical(list("ab")), "s": ["x", "y"], "i": [1, 2]}),
                        npartitions=1)
    assert "cat" in dir(df.c) and "cat" not in dir(df.s) and "cat" not in dir(df.i)
    assert "str" in dir(df.s) and "str" not in dir(df.i)


@pytest.mark.parametrize("known", [True, False])
@pytest.mark.parametrize("how", ["min", "first", "count", "size"])
def test_groupby_unobserved_categories_keep_dtypes(known, how):
    # groups of unobserved categories come from the data's categories (also when the metadata's are
    # unknown); categorical value columns stay categorical, counts stay integers
    pdf = pd.DataFrame({"k": pd.Categorical(list("AB"), categories=list("ABCDE"), ordered=True),
                        "c": pd.Categorical([1, 2], categories=[1, 2, 3], ordered=True), "v": [0.5, 1.5]})
    df = dd.from_pandas(pdf, npartitions=2)
    if not known:
        df["k"] = df["k"].cat.as_unknown()
        df["c"] = df["c"].cat.as_unknown()
    for by in ("k", ["k", "c"]):
        exp = getattr(pdf.groupby(by, observed=False), how)()
        got = getattr(df.groupby(by, observed=False), how)()
        dask_assert_eq(got, exp)


def test_where_mask_with_other_collections_pandas_objects_and_callables():
    p1 = pd.DataFrame({"a": range(1, 10), "b": [3, 5, 2, 5, 7, 2, 4, 2, 4]})
    c1 = pd.DataFrame({"a": [True, False, True] * 3, "b": [False, False, True] * 3}, index=range(5, 14))
    d1, dc = dd.from_pandas(p1, npartitions=2), dd.from_pandas(c1, npartitions=2)
    for cond, pcond in ((dc, c1), (c1, c1)):
        dask_assert_eq(d1.where(cond), p1.where(pcond))
        dask_assert_eq(d1.mask(cond, -d1), p1.mask(pcond, -p1))
    dask_assert_eq(d1.a.where(dc.a), p1.a.where(c1.a))
    dask_assert_eq(d1.a.mask(dc.a, -d1.a), p1.a.mask(c1.a, -p1.a))
    dask_assert_eq(d1.where(lambda d: d > 3, 0), p1.where(lambda d: d > 3, 0))
    dask_assert_eq(d1.a.where(lambda s: s == 1, 2), p1.a.where(lambda s: s == 1, 2))
    with pytest.raises(ValueError, match="shape"):
        d1.where([[True, False]] * 3)  # an array of another shape than the frame


def test_unary_operators_and_scalar_ndim():
    p = pd.DataFrame({"a": [1, -2, 3], "b": [-1.5, 2.0, -3.0]})
    df = dd.from_pandas(p, npartitions=2)
    dask_assert_eq(-df, -p)
    dask_assert_eq(abs(df), abs(p))
    dask_assert_eq(+df, p)
    assert df.a.sum().ndim == 0


def test_combine_realigns_and_takes_pandas_operands():
    from operator import add

    a = pd.DataFrame({"A": [1.0, np.nan, 3.0] * 4, "B": list("abc") * 4})
    b = pd.DataFrame({"A": [3, 2, 1] * 4, "B": list("xyz") * 4})  # the same rows, other partitions
    da_, db = dd.from_pandas(a, npartitions=3), dd.from_pandas(b, npartitions=4)
    for x, y, px, py in ((da_, db, a, b), (da_.A, db.A, a.A, b.A)):
        dask_assert_eq(x.combine(y, add), px.combine(py, add))
        dask_assert_eq(x.combine(py, add), px.combine(py, add))
        dask_assert_eq(x.combine_first(y), px.combine_first(py))
    dask_assert_eq(da_.A.combine(db.A, add, fill_value=100), a.A.combine(b.A, add, fill_value=100))


def test_dispatch_submodule_is_dasks_for_pandas_objects():
    import dask.dataframe.dispatch as dask_dispatch

    for obj in (pd.Index([1, 2, 3]), pd.Series([1.0, 1.5]), pd.DataFrame({"x": ["a", "b"], "y": [1, 2]})):
        pd.testing.assert_series_equal(dd.dispatch.hash_object_dispatch(obj), pd.util.hash_pandas_object(obj))
    assert dd.dispatch.make_meta is dask_dispatch.make_meta
    with pytest.raises(AttributeError):
        dd.no_such_name

def test_groupby_by_index_name_and_index():
    pdf = pd.DataFrame({"idx": [1, 1, 1, 2, 2, 2], "a": [1, 2, 1, 2, 1, 2], "b": np.arange(6)}).set_index("idx")
    df = dd.from_pandas(pdf, npartitions=2)
    for by in ("idx", ["idx", "a"], ["a", "idx"]):
        dask_assert_eq(df.groupby(by).sum(), pdf.groupby(by).sum())
        dask_assert_eq(df.groupby(by).agg("size"), pdf.groupby(by).agg("size"))
    dask_assert_eq(df.groupby(df.index).b.mean(), pdf.groupby(pdf.index).b.mean())
    dask_assert_eq(df.b.groupby("idx").cumsum(), pdf.b.groupby("idx").cumsum())
    # grouped by the index with known divisions: every group lies in one partition, no shuffle
    exp = pdf.groupby("idx").apply(lambda g: g.b.max() - g.a.min(), include_groups=False)
    got = df.groupby("idx").apply(lambda g: g.b.max() - g.a.min(), include_groups=False, meta=exp)
    assert got.divisions == df.divisions
    dask_assert_eq(got, exp, check_divisions=False)
    g = pdf.groupby("idx", group_keys=False).apply(lambda x: x.copy(), include_groups=False)
    dask_assert_eq(df.groupby("idx", group_keys=False).apply(lambda x: x.copy(), include_groups=False, meta=g), g)
    with pytest.raises(ValueError, match="No group keys"):
        df.b.groupby([])
    with pytest.raises(KeyError):
        df.b.groupby("x")


def test_groupby_computed_key_apply_keeps_same_named_column():
    # a computed key named like a column groups as an outside Series: the column stays in the groups
    pdf = pd.DataFrame({"AB": [1, 2, 3, 4] * 5, "AA": [1, 2, 3, 4] * 5, "B": np.arange(20.0)})
    df = dd.from_pandas(pdf, npartitions=3)
    with pytest.warns(UserWarning):
        got = df.groupby(df["AA"] + 1).apply(lambda x: x.sum(), include_groups=False)
    exp = pdf.groupby(pdf["AA"] + 1).apply(lambda x: x.sum(), include_groups=False)
    dask_assert_eq(got, exp)
    s = pd.Series([1, 2, 2, 1, 1], name="c")
    ds = dd.from_pandas(s, npartitions=2)
    dask_assert_eq(ds.groupby(ds).size(), s.groupby(s).size())


def test_groupby_numeric_only_and_min_count():
    pdf = pd.DataFrame({"k": [4, 4, 5, 5, 5], "x": [1, 2, 3, 4, 1], "d": pd.date_range("2015-01-01", periods=5),
                        "s": list("qckal")})
    df = dd.from_pandas(pdf, npartitions=3)
    for how in ("sum", "prod", "min", "max", "first", "last", "mean", "std", "var"):
        dask_assert_eq(getattr(df.groupby("k"), how)(numeric_only=True),
                       getattr(pdf.groupby("k"), how)(numeric_only=True))
    with pytest.raises(TypeError, match="does not support"):
        df.groupby("k").sum()  # datetimes have no sum (pandas raises too)
    for how in ("mean", "std", "var"):
        with pytest.raises(NotImplementedError, match="numeric_only=True"):
            getattr(df.groupby("k"), how)()
    mc = pd.DataFrame({"g": ["A", "A", "B"], "v": [np.nan, 2.0, 3.0], "w": [5, 4, 9]})
    dmc = dd.from_pandas(mc, npartitions=2)
    for n in (1, 2, 3):
        dask_assert_eq(dmc.groupby("g").sum(min_count=n), mc.groupby("g").sum(min_count=n))
        dask_assert_eq(dmc.groupby("g").prod(min_count=n), mc.groupby("g").prod(min_count=n))
        dask_assert_eq(dmc.groupby("g").v.sum(min_count=n), mc.groupby("g").v.sum(min_count=n))


def test_groupby_agg_accepts_shuffle_method_and_median():
    pdf = pd.DataFrame({"a": [1, 2, 1, 2, 3], "b": [1.0, 5.0, 3.0, 4.0, 2.0]})
    df = dd.from_pandas(pdf, npartitions=2)
    dask_assert_eq(df.groupby("a").agg(total=("b", "sum"), shuffle_method="tasks"),
                   pdf.groupby("a").agg(total=("b", "sum")))
    dask_assert_eq(df.groupby("a").agg("median"), pdf.groupby("a").agg("median"))
    dask_assert_eq(df.groupby("a").b.agg("median"), pdf.groupby("a").b.agg("median"))
    got = df.groupby("a").agg(x=pd.NamedAgg("b", aggfunc="sum"), y=pd.NamedAgg("b", aggfunc=partial(np.std, ddof=1)))
    dask_assert_eq(got, pdf.groupby("a").agg(x=pd.NamedAgg("b", aggfunc="sum"),
                                             y=pd.NamedAgg("b", aggfunc=partial(np.std, ddof=1))))
    dask_assert_eq(df.groupby("a").b.agg(c="count", m="mean"), pdf.groupby("a").b.agg(c="count", m="mean"))


def test_groupby_median_in_specs_ddof_and_partial_functions():
    pdf = pd.DataFrame({"a": [1, 2, 3, 1, 1, 2, 4, 3, 7] * 4, "b": [4, 2, 7, 3, 3, 1, 1, 1, 2] * 4,
                        "c": list(range(36)), "d": [3, 2, 1, 3, 2, 1, 2, 6, 4] * 4})
    df = dd.from_pandas(pdf, npartitions=5)
    for keys in ("a", ["a", "d"]):
        for spec in ({"c": "median"}, {"b": "median", "c": "max"}, {"b": ["median", "sum"]}):
            dask_assert_eq(df.groupby(keys).agg(spec, shuffle_method="tasks"), pdf.groupby(keys).agg(spec))
    dask_assert_eq(df.groupby("a").agg(m=("b", "median"), s=("c", "sum")),
                   pdf.groupby("a").agg(m=("b", "median"), s=("c", "sum")))
    # std/var with any ddof (pandas: missing where a group has no more than ddof values)
    for ddof in (0, 2, -2):
        dask_assert_eq(df.groupby("a").var(ddof=ddof), pdf.groupby("a").var(ddof=ddof))
        dask_assert_eq(df.groupby("a").b.std(ddof=ddof), pdf.groupby("a").b.std(ddof=ddof))
        for fn in (np.std, np.var):
            dask_assert_eq(df.groupby("a").agg(partial(fn, ddof=ddof)), pdf.groupby("a").agg(partial(fn, ddof=ddof)))
            dask_assert_eq(df.groupby("a").b.agg(partial(fn, ddof=ddof)),
                           pdf.groupby("a").b.agg(partial(fn, ddof=ddof)))
    dask_assert_eq(df.groupby("a").agg({"b": [partial(np.std, ddof=0), "sum"]}),
                   pdf.groupby("a").agg({"b": [partial(np.std, ddof=0), "sum"]}))
    with pytest.raises(TypeError, match="unexpected_arg"):
        df.groupby("a").agg(partial(np.std, unexpected_arg=1))
    with pytest.raises(TypeError, match="positional arguments"):
        df.groupby("a").b.agg(partial(np.var, "positional_arg"))


def test_groupby_errors_dir_list_and_string_sums_follow_dask():
    pdf = pd.DataFrame({"x": [1, 2, 1, 3], "y": ["a", "b", "c", "d"], "z": [11.0, 22.0, 33.0, 4.0]})
    df = dd.from_pandas(pdf, npartitions=2)
    g = df.groupby("x")
    with pytest.raises(KeyError, match="Column not found: 'A'"):
        g["A"]
    with pytest.raises(KeyError, match="Columns not found: \\['A'\\]"):
        g[["z", "A"]]
    with pytest.raises(NotImplementedError, match="does not allow compute"):
        g.compute()
    assert {"x", "y", "z"} <= set(dir(g))
    dask_assert_eq(g.sum(), pdf.groupby("x").sum())  # strings concatenated in row order, as pandas
    dask_assert_eq(g.z.agg(list), pdf.groupby("x").z.agg(list))  # the list of each group's values
    with pytest.raises(ValueError, match="split_every"):
        g.agg({"z": "sum"}, split_every=1)


def test_groupby_selection_by_tuple_index_or_series_keeps_label_dtype():
    pdf = pd.DataFrame({"key1": ["a", "b", "a"], "key2": ["c", "c", "c"], "value": [1, 2, 3], 3: [1, 2, 3]})
    df = dd.from_pandas(pdf, npartitions=3)
    for key in (3, "value", ["value"], ("value",), pd.Index(["value"]), pd.Series(["value"])):
        for by in ("key1", ["key1", "key2"]):
            got = df.groupby(by)[key].count()
            exp = pdf.groupby(by)[key].count()
            dask_assert_eq(got, exp)
            if isinstance(exp, pd.DataFrame):
                assert got.compute().columns.dtype == exp.columns.dtype == object


def test_categorical_submodule_is_dasks():
    import dask.dataframe.dispatch as dask_dispatch

    assert dd.categorical.categorical_dtype is dask_dispatch.categorical_dtype
    dt = dd.categorical.categorical_dtype(meta=pd.DataFrame(), categories=[1, 100, 200], ordered=True)
    assert list(dt.categories) == [1, 100, 200] and dt.ordered


def test_index_setter_takes_the_partitions_of_an_index():
    pdf = pd.DataFrame({"a": range(6)}, index=pd.CategoricalIndex(list("abcdef")))
    df = dd.from_pandas(pdf, npartitions=2, sort=False)
    df.index = df.index.cat.as_unknown()
    assert not df.index.cat.known and df.divisions == (None, None, None)
    pd.testing.assert_frame_equal(df.compute(), pdf)
    s = dd.from_pandas(pd.Series(range(4), index=[10, 11, 12, 13]), npartitions=2)
    s.index = s.index.map(lambda v: v + 1, meta=pd.Index([], dtype="int64"), is_monotonic=True)
    assert s.divisions == (11, 13, 14)
    pd.testing.assert_index_equal(s.compute().index, pd.Index([11, 12, 13, 14]))
    with pytest.raises(ValueError, match="aligned"):
        df.index = dd.from_pandas(pd.Series(range(6)), npartitions=3).index
    with pytest.raises(TypeError):
        df.index = pd.Index(range(6))


def test_categorize_the_index_and_unknown_columns():
    pdf = pd.DataFrame({"v": list("badcab"), "w": pd.Categorical(list("xyxyxy"))}, index=list("fedcba"))
    df = dd.from_pandas(pdf, npartitions=2, sort=False)
    df["w"] = df.w.cat.as_unknown()
    out = df.categorize()
    assert out.v.cat.known and out.w.cat.known and out.index.cat.known
    assert list(out.index.cat.categories) == list("abcdef")  # sorted, like dask
    exp = pdf.astype({"v": "category"})
    exp.index = pd.CategoricalIndex(exp.index, categories=list("abcdef"))
    pd.testing.assert_frame_equal(out.compute(), exp, check_categorical=False)
    assert not df.categorize(index=False).index.dtype == "category"
    assert out.categorize() is out and df.categorize([], index=False) is df
    for bad in (1, "foo"):
        with pytest.raises(ValueError, match="split_every"):
            df.categorize(split_every=bad)


def test_set_index_on_a_categorical_with_given_divisions():
    pdf = pd.DataFrame({"x": [1, 2, 3, 4], "y": pd.Categorical(list("abbc"), categories=list("abc"), ordered=True)})
    df = dd.from_pandas(pdf, npartitions=2)
    b = df.set_index("y", divisions=["a", "b", "c"])
    assert list(b.get_partition(0).index.compute()) == ["a"]
    assert sorted(b.get_partition(1).index.compute()) == ["b", "b", "c"]


def test_mean_of_a_numeric_extension_dtype_keeps_its_scalars():
    from decimal import Decimal

    from pandas.tests.extension.decimal.array import DecimalArray

    ser = pd.Series(DecimalArray._from_sequence([Decimal("0"), Decimal("1"), Decimal("2")]))
    ds = dd.from_pandas(ser, npartitions=2)
    for kw in ({}, {"skipna": False}):
        got = ds.mean(**kw)
        assert isinstance(got._meta, Decimal) and got.compute() == ser.mean(**kw)
        dask_assert_eq(ser.mean(**kw), got)
    assert ds.sum().compute() == Decimal("3")


def test_namespace_lists_its_submodules_and_utils_forwards_dasks_helpers():
    import dask.dataframe.utils as dask_utils

    assert {"nodes", "rules", "utils", "extensions"} <= set(dd.__all__)
    assert dd.utils._object is dask_utils._object  # the placeholder of dask's meta_nonempty
    with pytest.raises(AttributeError):
        dd.utils.__nope__


def test_demo_make_timeseries_gives_dasks_data():
    import dask.dataframe as dask_dd

    args = ("2000-01-01", "2000-01-04", {"value": float, "id": int, "name": str})
    kw = {"freq": "30min", "partition_freq": "1D", "seed": 7, "id_lam": 10}
    ours, theirs = dd.demo.make_timeseries(*args, **kw), dask_dd.demo.make_timeseries(*args, **kw)
    assert ours.divisions == theirs.divisions and ours.npartitions == 3
    got, exp = ours.compute(), theirs.compute()
    pd.testing.assert_frame_equal(got, exp, check_dtype=False)  # dask makes the names string[pyarrow]
    assert got.id.mean() < 20  # the column keyword reached the maker
    pd.testing.assert_frame_equal(ours[["value"]].compute(), exp[["value"]])


def test_index_arithmetic_gives_indexes_and_date_fields():
    pdf = pd.DataFrame({"x": [1, 2, 3, 4, 5]})
    df = dd.from_pandas(pdf, npartitions=2)
    for got, exp in [(df.index + 1, pdf.index + 1), (10 * df.index, 10 * pdf.index), (-df.index, -pdf.index)]:
        assert isinstance(got, dd.Index)
        dask_assert_eq(got, exp)
    assert (df.index + 1).divisions == (1, 4, 5) and (df.index * 10).divisions == (None, None, None)
    df.index = df.index * 10
    dask_assert_eq(df, pdf.set_axis(pdf.index * 10))
    t = pd.Series(range(10), index=pd.date_range("2000-01-01", periods=10, freq="17h"))
    dt = dd.from_pandas(t, npartitions=3)
    assert "day" in dir(dt.index)
    dask_assert_eq(dt.index.day, pd.Index(t.index.day))
    dask_assert_eq(dt.index.month, pd.Index(t.index.month))


def test_astype_to_a_categorical_dtype_without_categories_is_unknown():
    pdf = pd.DataFrame({"x": list("abcbc"), "y": list("xyzyz"), "o": [1, 2, 3, 4, 5]})
    df = dd.from_pandas(pdf, npartitions=2)
    abc = pd.CategoricalDtype(["a", "b", "c"])
    out = df.astype({"x": abc, "y": pd.CategoricalDtype(ordered=False), "o": "f8"})
    assert out.x.cat.known and not out.y.cat.known
    exp = pdf.astype({"x": abc, "y": "category", "o": "f8"})
    pd.testing.assert_frame_equal(out.compute(), exp)


def test_values_of_extension_dtypes_are_object_arrays_with_dasks_warning():
    pdf = pd.DataFrame({"x": ["a", "b", "c", "d"], "y": [2, 3, 4, 5]},
                       index=pd.Index([1.0, 2.0, 3.0, 4.0], dtype="Float64", name="ind"))
    pdf = pdf.astype({"x": "string[python]", "y": "Int64"})
    df = dd.from_pandas(pdf, npartitions=2)
    for got, exp in [(lambda: df.x.values, pdf.x.values), (lambda: df.y.values, pdf.y.values),
                     (lambda: df.index.values, pdf.index.values)]:
        with pytest.warns(UserWarning, match="object dtype"):
            arr = got()
        assert arr.dtype == object
        np.testing.assert_array_equal(arr.compute(), exp.astype(object))
    assert df.y.to_dask_array(meta=np.empty((0,), dtype="f8")).dtype == np.dtype("f8")
