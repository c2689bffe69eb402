"""hlq.dataframe vs pandas: differential tests (optimized and unoptimized plans), task counts."""

from __future__ import annotations

import dask
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hlq
import hlq.dataframe as dd
from hlq.dataframe.nodes import Filter, Project

ALL_RULES_OFF = ["projection-pushdown", "predicate-pushdown", "len-metadata"]


@pytest.fixture
def pdf():
    rng = np.random.default_rng(42)
    n = 97
    x = rng.random(n)
    x[::11] = np.nan
    return pd.DataFrame({
        "x": x,
        "y": rng.integers(-5, 5, n),
        "k": rng.integers(0, 4, n),
        "s": pd.Series(rng.choice(["a", "b", "c"], n)),
        "b": rng.random(n) > 0.5,
    }, index=pd.RangeIndex(n) * 2)


def both(make, pdf, nparts=(1, 3, 7)):
    """Compare ``make(ddf).compute()`` (optimized and not) with ``make(pdf)``."""
    expected = make(pdf)
    for n in nparts:
        ddf = dd.from_pandas(pdf, npartitions=n)
        for exclude in ([], ALL_RULES_OFF):
            with dask.config.set({"hlq.rules.exclude": exclude}):
                got = make(ddf).compute()
            if isinstance(expected, pd.DataFrame):
                pd.testing.assert_frame_equal(got, expected, check_exact=False)
            elif isinstance(expected, pd.Series):
                pd.testing.assert_series_equal(got, expected, check_exact=False)
            else:
                assert np.isclose(got, expected, equal_nan=True), (got, expected)


def _mp(d, f):
    return f(d) if isinstance(d, pd.DataFrame) else d.map_partitions(f)


OPS = {
    "col": lambda d: d["x"],
    "attr": lambda d: d.y,
    "project": lambda d: d[["y", "x"]],
    "filter": lambda d: d[d.x > 0.5],
    "filter-and": lambda d: d[(d.x > 0.2) & (d.y < 3)],
    "filter-or-not": lambda d: d[~((d.x > 0.8) | (d.y == 0))],
    "filter-chain": lambda d: (lambda e: e[e.y > -2])(d[d.x < 0.7]),
    "filter-str": lambda d: d[d.s == "a"],
    "filter-bool-col": lambda d: d[d.b],
    "assign": lambda d: d.assign(z=d.x * 2 + d.y, w=1),
    "assign-callable": lambda d: d.assign(z=lambda e: e.y - 1),
    "arith": lambda d: (d.x + 1) / (d.y ** 2 + 1) - d.x * 3 // 1 % 2,
    "rarith": lambda d: 10 - d.y,
    "compare": lambda d: d.x >= 0.3,
    "neg-abs": lambda d: abs(-d.y),
    "astype": lambda d: d.y.astype("float32"),
    "astype-frame": lambda d: d[["x", "y"]].astype("float64"),
    "fillna": lambda d: d.x.fillna(-1.0),
    "fillna-frame": lambda d: d[["x", "y"]].fillna(0),
    "isna": lambda d: d.isna(),
    "notna-series": lambda d: d.x.notna(),
    "rename": lambda d: d.rename(columns={"x": "xx"}),
    "drop": lambda d: d.drop(columns=["s", "b"]),
    "frame-scalar": lambda d: d[["x", "y"]] * 2,
    "sum": lambda d: d[["x", "y"]].sum(),
    "mean": lambda d: d[["x", "y"]].mean(),
    "min": lambda d: d[["x", "y"]].min(),
    "max": lambda d: d.y.max(),
    "count": lambda d: d.count(),
    "std": lambda d: d.x.std(),
    "var": lambda d: d[["x", "y"]].var(),
    "var-ddof0": lambda d: d.y.var(ddof=0),
    "filtered-sum": lambda d: d[d.x > 0.5][["y"]].sum(),
    "map-partitions": lambda d: _mp(d, lambda p: p.assign(t=p.y * 10)),
    "gb-agg": lambda d: d.groupby("k").agg({"x": "mean", "y": "sum"}),
    "gb-sum": lambda d: d[["k", "x", "y"]].groupby("k").sum(),
    "gb-mean": lambda d: d[["k", "x", "y"]].groupby("k").mean(),
    "gb-count": lambda d: d.groupby("k").count(),
    "gb-series": lambda d: d.groupby("k").y.max(),
    "gb-list": lambda d: d.groupby(["k", "b"]).agg({"x": ["min", "max"], "y": "count"}),
    "gb-size": lambda d: d.groupby("k").size(),
    "minus-mean": lambda d: d.x - d.x.mean(),
    "scalar-arith": lambda d: d.y.sum() * 2 + d.x.max() / 3,
    "dropna": lambda d: d.dropna(),
    "dropna-subset": lambda d: d.dropna(subset=["x"])[["y"]],
    "rename-project-filter": lambda d: (lambda r: r[r.xx > 0.5][["yy"]])(d.rename(columns={"x": "xx", "y": "yy"})),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_differential(name, pdf):
    both(OPS[name], pdf)


def test_len_and_head(pdf):
    ddf = dd.from_pandas(pdf, npartitions=5)
    assert len(ddf) == len(pdf)
    assert len(ddf[ddf.x > 0.5]) == int((pdf.x > 0.5).sum())
    pd.testing.assert_frame_equal(ddf.head(3), pdf.head(3))
    pd.testing.assert_frame_equal(ddf.head(30), pdf.head(30))  # spans partitions: lengths known
    head = ddf.head(3, compute=False)
    assert head.task_count() == 2  # the pandas data + head (computing its one tiny partition inline)


def test_persist_and_dask_compute(pdf):
    ddf = dd.from_pandas(pdf, npartitions=4)
    q = ddf[ddf.x > 0.3].assign(z=ddf.y * 2)  # z from the unfiltered frame: aligned by index
    p = q.persist()
    pd.testing.assert_frame_equal(p.compute(), q.compute())
    (a, b) = dask.compute(ddf.x.sum(), ddf.y.mean())
    assert np.isclose(a, pdf.x.sum()) and np.isclose(b, pdf.y.mean())


def test_same_tasks_every_compute_path(pdf):
    ddf = dd.from_pandas(pdf, npartitions=4)
    q = ddf[ddf.x > 0.3].assign(z=lambda e: e.y * 2)[["z"]]
    n = q.task_count()
    assert n == 5  # the data + 4 fused partition tasks
    assert len(q.__dask_graph__()) == n
    assert len(q.expr.__dask_graph__()) == n
    assert len(q.persist().__dask_graph__()) == 4


def test_fusion_one_task_per_partition(pdf):
    ddf = dd.from_pandas(pdf, npartitions=6)
    q = ddf[ddf.x > 0.1]
    for i in range(20):
        q = q.assign(**{f"z{i}": q.x + i})
    assert q.task_count() == 1 + 6


def test_projection_pushdown_into_from_pandas(pdf):
    ddf = dd.from_pandas(pdf, npartitions=3)
    q = ddf.assign(z=ddf.x + 1)[["z"]]
    opt = hlq.optimize(q)
    src = [n for n in opt.node.walk() if n.op_name == "from-pandas"]
    assert src and src[0].columns == ("x",)


def test_filter_merge_deep_chain():
    pdf = pd.DataFrame({"x": np.linspace(0, 1, 1000)})
    ddf = dd.from_pandas(pdf, npartitions=4)
    for i in range(2000):  # no RecursionError at the default limit
        ddf = ddf[ddf.x > i / 4000]
    opt = hlq.optimize(ddf.x.sum())
    filters = [n for n in opt.node.walk() if isinstance(n, Filter)]
    assert len(filters) <= 1
    assert np.isclose(ddf.x.sum().compute(), pdf.x[pdf.x > 1999 / 4000].sum())


frames = st.integers(0, 40).flatmap(
    lambda n: st.tuples(
        st.lists(st.one_of(st.floats(-10, 10, allow_nan=False), st.just(float("nan"))), min_size=n, max_size=n),
        st.lists(st.integers(-3, 3), min_size=n, max_size=n),
        st.integers(1, 6),
        st.floats(-5, 5, allow_nan=False),
    )
)


@settings(max_examples=25, deadline=None)
@given(frames)
def test_hypothesis_filter_assign_reduce(data):
    xs, ys, nparts, t = data
    pdf = pd.DataFrame({"x": pd.Series(xs, dtype="float64"), "y": pd.Series(ys, dtype="int64")})
    ddf = dd.from_pandas(pdf, npartitions=nparts)

    def q(d):
        e = d[d.x > t].assign(z=lambda f: f.x * f.y + 1)
        return e[["z", "y"]]

    pd.testing.assert_frame_equal(q(ddf).compute(), q(pdf))
    r = q(ddf).sum().compute()
    pd.testing.assert_series_equal(r, q(pdf).sum(), check_exact=False)
    g = ddf.groupby("y").agg({"x": "mean"}).compute()
    pd.testing.assert_frame_equal(g, pdf.groupby("y").agg({"x": "mean"}), check_exact=False)


def test_build_time_errors(pdf):
    ddf = dd.from_pandas(pdf, npartitions=2)
    with pytest.raises(KeyError, match="nope"):
        ddf["nope"]
    with pytest.raises(KeyError, match="nope"):
        ddf[["x", "nope"]]
    with pytest.raises(AttributeError):
        ddf.nope
    with pytest.raises(KeyError, match="nope"):
        ddf.groupby("nope")
    with pytest.raises(KeyError, match="nope"):
        ddf.drop(columns=["nope"])
    with pytest.raises(TypeError):
        ddf.s + 1  # pandas: str + int raises TypeError
    with pytest.raises(TypeError, match="boolean"):
        ddf[ddf.x + 1]  # non-boolean filter
    with pytest.raises(ValueError, match="`mean` not supported with string series"):
        ddf.s.mean()  # dask's error
    with pytest.raises(TypeError, match="numeric"):
        ddf.groupby("k").agg({"s": "mean"})
    # strings sum by concatenation within each group (pandas)
    pd.testing.assert_frame_equal(ddf.groupby("k").agg({"s": "sum"}).compute(), pdf.groupby("k").agg({"s": "sum"}))


def test_rules_excluded_same_result(pdf):
    ddf = dd.from_pandas(pdf, npartitions=3)
    q = ddf[ddf.x > 0.4].assign(z=ddf.y + 1)[["z"]]
    opt = hlq.optimize(q)
    assert not any(isinstance(n, Project) and n.child.op_name == "assign" for n in opt.node.walk())


def test_rule_modules_have_examples():
    import importlib
    import pkgutil

    import hlq.dataframe.rules as rules_pkg

    for m in pkgutil.iter_modules(rules_pkg.__path__):
        mod = importlib.import_module(f"hlq.dataframe.rules.{m.name}")
        assert ">>>" in (mod.__doc__ or ""), f"rule module {m.name} has no docstring example"


def test_datetimes_categoricals_strings():
    n = 30
    pdf = pd.DataFrame({
        "t": pd.date_range("2024-01-01", periods=n, freq="h"),
        "c": pd.Categorical(np.array(["u", "v", "w"])[np.arange(n) % 3]),
        "s": pd.Series([f"s{i % 4}" for i in range(n)]),
        "v": np.arange(n, dtype="float64"),
    })
    pdf.loc[3, "v"] = np.nan
    both(lambda d: d[d.t > pd.Timestamp("2024-01-01 10:00")], pdf)
    both(lambda d: d[d.c == "v"][["c", "v"]], pdf)
    both(lambda d: d[d.s != "s1"].assign(w=d.v.fillna(0) * 2), pdf)
    both(lambda d: d.groupby("s").agg({"v": "sum"}), pdf)
    both(lambda d: d.isna(), pdf)


def test_explain_shows_columns_and_rows(pdf):
    ddf = dd.from_pandas(pdf, npartitions=3)
    text = hlq.explain(ddf[ddf.x > 0.5][["y"]].sum())
    assert "from-pandas(columns 2/5)" in text
    assert "rows=97" in text


def test_distributed_client_compute_and_persist(pdf):
    distributed = pytest.importorskip("distributed")
    ddf = dd.from_pandas(pdf, npartitions=4)
    q = ddf[ddf.x > 0.3].assign(z=lambda e: e.y * 2)
    with distributed.Client(processes=False, dashboard_address=":0") as c:
        pd.testing.assert_frame_equal(c.compute(q).result(), q.compute())
        pd.testing.assert_frame_equal(c.persist(q).compute(), q.compute())
        g = c.compute(ddf.groupby("k").agg({"x": "mean"})).result()
        pd.testing.assert_frame_equal(g, pdf.groupby("k").agg({"x": "mean"}), check_exact=False)


def test_deep_series_arithmetic_chain_has_no_recursion_limit():
    import numpy as np
    import pandas as pd

    import hlq.dataframe as dd

    pdf = pd.DataFrame({"a": np.arange(100.0), "b": np.arange(100.0)})
    df = dd.from_pandas(pdf, npartitions=3)
    y, exp = df.a, pdf.a.copy()
    for _ in range(3000):
        y = y * 1.0 + 0.5
        exp = exp * 1.0 + 0.5
    assert y.sum().compute() == exp.sum()
    assert df[y > 10].b.sum().compute() == pdf[exp > 10].b.sum()
