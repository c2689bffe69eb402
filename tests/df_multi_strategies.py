"""Hypothesis strategies and comparison helpers for the multi-frame dataframe tests."""

from __future__ import annotations

import dask
import numpy as np
import pandas as pd
from hypothesis import strategies as st

#: every excludable pushdown rule off: the "unoptimized" plan
RULES_OFF = ["projection-pushdown", "predicate-pushdown", "merge-pushdown", "partitions-pushdown", "head-pushdown",
             "len-metadata"]


def make_frame(seed, n, key_range, prefix, nulls=True, extra=True):
    """A frame with an int key ``k``, a float (with NaN), a string, a categorical and a datetime column."""
    rng = np.random.default_rng(seed)
    f = rng.random(n)
    if nulls and n:
        f[rng.random(n) < 0.2] = np.nan
    cols = {"k": rng.integers(0, max(1, key_range), n), f"{prefix}f": f, "v": rng.integers(-5, 5, n)}
    if extra:
        s = rng.choice(["a", "b", "c", "dd"], n).astype(object)
        if nulls and n:
            s[rng.random(n) < 0.15] = None
        cols[f"{prefix}s"] = pd.array(s, dtype="str") if n else pd.array([], dtype="str")
        cols[f"{prefix}c"] = pd.Categorical(rng.choice(["x", "y", "z"], n), categories=["x", "y", "z"])
        t = pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="h")
        cols[f"{prefix}t"] = t
    return pd.DataFrame(cols)


frames = st.builds(
    lambda seed, n, kr: (seed, n, kr),
    st.integers(0, 10_000), st.integers(0, 40), st.integers(1, 12),
)

nparts = st.sampled_from([1, 2, 3, 5])


def canon(df, keep_index=False):
    """Rows in a canonical order (all columns, NaN last); the index is dropped unless ``keep_index``."""
    if isinstance(df, pd.Series):
        df = df.to_frame()
    if keep_index:
        df = df.reset_index()
    keyed = df.reset_index(drop=True)
    for c in keyed.columns:
        if isinstance(keyed[c].dtype, pd.CategoricalDtype):
            keyed[c] = keyed[c].astype(object).astype(str)
    cols = list(keyed.columns)
    pos = list(keyed.sort_values(cols, na_position="last", kind="stable").index) if cols else list(keyed.index)
    return df.iloc[pos].reset_index(drop=True)


def assert_same_rows(got, expected, check_dtype=True, keep_index=False):
    pd.testing.assert_frame_equal(canon(got, keep_index), canon(expected, keep_index), check_dtype=check_dtype, check_exact=False,
                                  check_categorical=False)


def computed_both(make):
    """``make().compute()`` with all rules, and with every pushdown rule excluded."""
    out = []
    for exclude in ([], RULES_OFF):
        with dask.config.set({"hlq.rules.exclude": exclude}):
            out.append(make().compute())
    return out
