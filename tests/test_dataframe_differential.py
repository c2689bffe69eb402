"""Differential fuzzer: random ``hlq.dataframe`` pipelines against pandas.

A source (``from_pandas`` with 1-5 partitions, or a parquet dataset whose files
include empty ones) with integer keys, floats with NaN/inf, strings with
missing values, categoricals and datetimes goes through 1-3 row/column steps
(filter, assign, projection, head, sort_values+head) and one final step
(groupby aggregations, merge, reductions, ``len``, a parquet round trip, or
the frame itself).  Each pipeline is computed with the default optimizer,
with every excludable rule excluded, and by pandas.

Budget: a few seconds in the normal run; ``--fuzz-long`` (5,000 pipelines) or
``HLQ_FUZZ_EXAMPLES=N``.  A failure is shrunk by hypothesis; with the long
budget every mismatch is collected and reported at the end (with the Python
code of each pipeline).
"""

from __future__ import annotations

import itertools
import os
import sys
import warnings
from collections import Counter

import dask
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import hlq.dataframe as dd
from df_multi_strategies import canon, make_frame  # tests/ is on sys.path

FUZZ_LONG = bool(os.environ.get("HLQ_FUZZ_LONG") or os.environ.get("HLQ_FUZZ_EXAMPLES"))
EXAMPLES = int(os.environ["HLQ_FUZZ_EXAMPLES"]) if os.environ.get("HLQ_FUZZ_EXAMPLES") else (
    5_000 if os.environ.get("HLQ_FUZZ_LONG") else 25)
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, database=None, derandomize=not FUZZ_LONG,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate, Phase.shrink] if not FUZZ_LONG else [Phase.generate],
)
STATS: Counter = Counter()
FAILURES: list = []
_uid = itertools.count()


class _Skip(Exception):
    """pandas has no answer for this pipeline (it raised)."""


def _all_excludable():
    from hlq.rules import all_rules

    return sorted(r.name for r in all_rules() if r.excludable)


def _source_frame(seed, n, key_range):
    df = make_frame(seed, n, key_range, "l")
    df["i"] = np.arange(n)  # a unique column: sorts without ties
    rng = np.random.default_rng(seed + 7)
    if n:
        f = df["lf"].to_numpy().copy()
        f[rng.random(n) < 0.05] = np.inf
        f[rng.random(n) < 0.05] = -np.inf
        df["lf"] = f
    df["b"] = rng.random(n) < 0.5
    return df


@st.composite
def sources(draw, tmp_root):
    seed = draw(st.integers(0, 10_000), label="seed")
    n = draw(st.sampled_from([0, 1, 3, 10, 25, 40]), label="rows")
    kr = draw(st.integers(1, 8), label="key_range")
    pdf = _source_frame(seed, n, kr)
    kind = draw(st.sampled_from(["pandas", "pandas", "parquet"]), label="kind")
    nparts = draw(st.integers(1, 5), label="npartitions")
    if kind == "pandas":
        return (lambda: dd.from_pandas(pdf, npartitions=nparts)), pdf, \
            f"pdf = _source_frame({seed}, {n}, {kr})\ndf = dd.from_pandas(pdf, npartitions={nparts})"
    # a parquet dataset: nparts files of consecutive rows, some of them empty
    cuts = sorted(draw(st.lists(st.integers(0, n), min_size=nparts - 1, max_size=nparts - 1), label="cuts"))
    bounds = [0, *cuts, n]
    d = os.path.join(tmp_root, f"ds{next(_uid)}")
    os.makedirs(d)
    for j, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
        pdf.iloc[a:b].to_parquet(os.path.join(d, f"part.{j:03d}.parquet"), index=False)
    expected = pdf.reset_index(drop=True)
    return (lambda: dd.read_parquet(d)), expected, \
        f"pdf = _source_frame({seed}, {n}, {kr})\n# written as {nparts} parquet files, rows {bounds}\ndf = dd.read_parquet(d)"


# ----------------------------------------------------------------- steps (frame -> frame)
FILTERS = {
    "df.lf > 0.5": lambda d: d[d.lf > 0.5],
    "df.k.isin([1, 3])": lambda d: d[d.k.isin([1, 3])],
    "df.ls == 'a'": lambda d: d[d.ls == "a"],
    "df.lf.notna() & (df.v >= 0)": lambda d: d[d.lf.notna() & (d.v >= 0)],
    "(df.k < 2) | df.b": lambda d: d[(d.k < 2) | d.b],
    "df.lc == 'x'": lambda d: d[d.lc == "x"],
    "df.lt > '2024-01-20'": lambda d: d[d.lt > pd.Timestamp("2024-01-20")],
    "~df.b": lambda d: d[~d.b],
}
ASSIGNS = {
    "w=df.lf * 2 + df.v": lambda d: d.assign(w=d.lf * 2 + d.v),
    "k=df.k % 3": lambda d: d.assign(k=d.k % 3),
    "v=df.v.abs()": lambda d: d.assign(v=d.v.abs()),
    "z=df.lf.fillna(0)": lambda d: d.assign(z=d.lf.fillna(0)),
    "b=df.v > 0": lambda d: d.assign(b=d.v > 0),
}


def step_filter(data):
    name = data.draw(st.sampled_from(sorted(FILTERS)), label="filter")
    f = FILTERS[name]
    return f"df = df[{name}]", f, f


def step_assign(data):
    name = data.draw(st.sampled_from(sorted(ASSIGNS)), label="assign")
    f = ASSIGNS[name]
    return f"df = df.assign({name})", f, f


def step_project(data, cols):
    keep = data.draw(st.lists(st.sampled_from(cols), min_size=1, max_size=len(cols), unique=True), label="cols")
    if "i" not in keep:
        keep.append("i")  # the unique column stays for ordering steps
    return f"df = df[{keep!r}]", (lambda d: d[keep]), (lambda d: d[keep])


def step_head(data):
    n = data.draw(st.sampled_from([0, 1, 3, 8]), label="n")
    return (f"df = df.head({n}, npartitions=-1, compute=False)", lambda d: d.head(n, npartitions=-1, compute=False),
            lambda d: d.head(n))


def step_sort_head(data, cols):
    by = data.draw(st.sampled_from([c for c in ("k", "lf", "v", "lt") if c in cols] or ["i"]), label="by")
    asc = data.draw(st.booleans(), label="ascending")
    n = data.draw(st.sampled_from([1, 5, 30]), label="n")
    keys = [by, "i"]
    return (f"df = df.sort_values({keys!r}, ascending={asc}).head({n}, compute=False)",
            lambda d: d.sort_values(keys, ascending=asc).head(n, compute=False),
            lambda d: d.sort_values(keys, ascending=asc, na_position="last").head(n))


STEPS = ["filter", "filter", "assign", "project", "head", "sort_head"]


# ----------------------------------------------------------------- final steps
AGGS = ["sum", "mean", "count", "min", "max", "size", "var", "nunique"]


def final_groupby(data, cols):
    by = data.draw(st.sampled_from([c for c in ("k", "ls", "b", "v") if c in cols] or ["i"]), label="by")
    num = [c for c in ("lf", "v", "i", "w", "z") if c in cols and c != by]
    if not num:
        num = ["i"] if by != "i" else []
    if not num:
        raise _Skip("no value column")
    col = data.draw(st.sampled_from(num), label="col")
    agg = data.draw(st.sampled_from(AGGS), label="agg")
    code = f"out = df.groupby({by!r})[{col!r}].{agg}()"

    def f(d):
        return getattr(d.groupby(by)[col], agg)()

    return code, f, f, "groupby"


def final_merge(data, cols):
    if "k" not in cols:
        raise _Skip("no key")
    how = data.draw(st.sampled_from(["inner", "left", "right", "outer"]), label="how")
    seed = data.draw(st.integers(0, 1000), label="rseed")
    rn = data.draw(st.sampled_from([0, 2, 7]), label="rrows")
    rparts = data.draw(st.integers(1, 3), label="rparts")
    rp = make_frame(seed, rn, 6, "r", extra=False)[["k", "rf"]]
    code = f"right = make_frame({seed}, {rn}, 6, 'r', extra=False)[['k', 'rf']]\nout = df.merge(right, how={how!r}, on='k')"
    return (code, lambda d: d.merge(dd.from_pandas(rp, npartitions=rparts), how=how, on="k"),
            lambda d: d.merge(rp, how=how, on="k"), "rows")


REDUCTIONS = ["sum", "mean", "count", "min", "max"]


def final_reduction(data, cols):
    col = data.draw(st.sampled_from([c for c in ("lf", "v", "i", "k", "w", "z") if c in cols] or ["i"]), label="col")
    red = data.draw(st.sampled_from(REDUCTIONS + ["len"]), label="reduction")
    if red == "len":
        return "out = len(df)", (lambda d: len(d)), (lambda d: len(d)), "scalar"
    return (f"out = df[{col!r}].{red}()", lambda d: getattr(d[col], red)(), lambda d: getattr(d[col], red)(),
            "scalar")


def final_parquet(data, cols, tmp_root):
    d = os.path.join(tmp_root, f"out{next(_uid)}")

    def f(x):
        x.to_parquet(d, write_index=False, overwrite=True)
        return dd.read_parquet(d)

    return "df.to_parquet(d, write_index=False); out = dd.read_parquet(d)", f, lambda p: p, "rows"


def final_frame(data, cols):
    return "out = df", (lambda d: d), (lambda d: d), "rows"


def _compare(got, exp, kind):
    if kind == "scalar":
        if isinstance(exp, (float, np.floating)) and np.isnan(exp):
            assert got != got, (got, exp)
        elif isinstance(exp, pd.Timestamp) or isinstance(got, pd.Timestamp):
            assert got == exp or (pd.isna(got) and pd.isna(exp)), (got, exp)
        else:
            np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(exp, dtype=float), rtol=1e-9)
        return
    if kind == "groupby":
        assert isinstance(got, pd.Series), type(got)
        pd.testing.assert_series_equal(got.sort_index(), exp.sort_index(), check_exact=False, rtol=1e-9)
        return
    assert isinstance(got, pd.DataFrame), type(got)
    assert list(got.columns) == list(exp.columns), (list(got.columns), list(exp.columns))
    if len(exp) == 0 and len(got) == 0:
        # an empty categorical read back from parquet has no categories to restore (a written
        # 0-row file stores no dictionary): compared as object
        cats = [c for c in exp.columns if isinstance(exp[c].dtype, pd.CategoricalDtype)]
        exp = exp.astype({c: object for c in cats})
        got = got.astype({c: object for c in cats})
    pd.testing.assert_frame_equal(canon(got), canon(exp), check_exact=False, rtol=1e-9, check_categorical=False)


def _pandas(f, x):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return f(x)
        except Exception as e:
            raise _Skip(repr(e)) from None


def run_dataframe_fuzz_case(data, tmp_root):
    make, pdf, text = data.draw(sources(tmp_root), label="source")
    lines = [text]
    df = make()
    n_steps = data.draw(st.integers(0, 3), label="n_steps")
    try:
        for _ in range(n_steps):
            kind = data.draw(st.sampled_from(STEPS), label="step")
            cols = list(pdf.columns)
            if kind == "project":
                code, f_hlq, f_pd = step_project(data, cols)
            elif kind == "sort_head":
                code, f_hlq, f_pd = step_sort_head(data, cols)
            else:
                code, f_hlq, f_pd = {"filter": step_filter, "assign": step_assign, "head": step_head}[kind](data)
            try:
                new_pdf = _pandas(f_pd, pdf)
            except _Skip:
                STATS["step skipped (no pandas answer)"] += 1
                continue
            lines.append(code)
            df, pdf = f_hlq(df), new_pdf
        final = data.draw(st.sampled_from(["groupby", "merge", "reduction", "parquet", "frame"]), label="final")
        cols = list(pdf.columns)
        if final == "parquet":
            code, f_hlq, f_pd, kind = final_parquet(data, cols, tmp_root)
        else:
            code, f_hlq, f_pd, kind = {"groupby": final_groupby, "merge": final_merge, "reduction": final_reduction,
                                       "frame": final_frame}[final](data, cols)
        expected = _pandas(f_pd, pdf)
    except _Skip:
        STATS["pipeline skipped (no pandas answer)"] += 1
        return
    lines.append(code)
    program = "\n".join(lines)
    STATS["pipelines"] += 1
    STATS["steps"] += len(lines) - 1
    if STATS["pipelines"] % 200 == 0:
        _write_report()  # progress of a long run
    for mode, cfg in (("default", {}), ("all excludable rules excluded", {"hlq.rules.exclude": _all_excludable()})):
        try:
            with dask.config.set(cfg), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = f_hlq(df)
                got = out if kind == "scalar" and not hasattr(out, "compute") else out.compute()
            _compare(got, expected, kind)
        except Exception as e:
            STATS["mismatches"] += 1
            msg = f"mode {mode}:\n{program}\n-> {type(e).__name__}: {str(e)[:800]}"
            if FUZZ_LONG:
                FAILURES.append(msg)
                return
            raise AssertionError(msg) from e


def _write_report():
    """Counts and mismatches so far, as JSON in ``$HLQ_FUZZ_REPORT.dataframe.json`` (if set)."""
    path = os.environ.get("HLQ_FUZZ_REPORT")
    if path:
        import json

        with open(path + ".dataframe.json", "w") as fh:
            json.dump({"stats": dict(STATS), "failures": FAILURES}, fh, indent=1)


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("dffuzz"))
    yield root
    print(f"\ndataframe fuzz: {dict(STATS)}", file=sys.stderr)
    for f in FAILURES:
        print("---- mismatch\n" + f, file=sys.stderr)
    _write_report()
    # the long budget collects mismatches instead of stopping at the first one
    assert not FAILURES, f"{len(FAILURES)} mismatches; first:\n{FAILURES[0]}"


@FUZZ_SETTINGS
@given(data=st.data())
def test_fuzz_dataframe_pipelines(fuzz_root, data):
    run_dataframe_fuzz_case(data, fuzz_root)
