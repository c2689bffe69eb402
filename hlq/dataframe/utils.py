"""Testing helpers: :func:`assert_eq` with dask.dataframe's semantics for hlq collections;
dask's pandas-level helpers (``make_meta``, ``meta_nonempty``...) are available here too.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> pdf = pd.DataFrame({"a": [3, 1, 2], "b": [0.5, 1.5, 2.5]})
>>> df = dd.from_pandas(pdf, npartitions=2)
>>> assert_eq(df[df.a > 1], pdf[pdf.a > 1])
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hlq.dataframe._core import DataFrame, Scalar, Series
from hlq.dataframe._index import Index
from hlq.lower.collection import HlqCollection

__all__ = ["assert_eq"]


def _is_hlq(x) -> bool:
    return isinstance(x, HlqCollection)


def _check_collection(x, check_names, check_dtypes, check_divisions, scheduler):
    """Compute an hlq collection after checking its divisions; check its metadata against the
    result (kind, names, columns, dtypes) as dask's ``assert_eq`` does; return the result."""
    from dask.dataframe.utils import assert_dask_dtypes

    if check_divisions and isinstance(x, (DataFrame, Series)):
        assert isinstance(x.divisions, tuple), type(x.divisions)
        if x.known_divisions:
            x.enforce_runtime_divisions().compute(scheduler=scheduler)
    result = x.compute(scheduler=scheduler)
    if isinstance(x, Index):
        assert isinstance(result, pd.Index), type(result)
        if check_names:
            assert x.name == result.name, (x.name, result.name)
    elif isinstance(x, Series):
        assert isinstance(result, pd.Series), type(result)
        if check_names:
            assert x.name == result.name, (x.name, result.name)
            assert x._meta.name == result.name
    elif isinstance(x, DataFrame):
        assert isinstance(result, pd.DataFrame), type(result)
        if check_names:
            pd.testing.assert_index_equal(x.columns, result.columns, exact=False)
    elif isinstance(x, Scalar):
        if not np.isscalar(result) and not isinstance(result, (pd.Timestamp, pd.Timedelta)):
            raise TypeError(f"Expected a scalar, got {type(result)}")
    if check_dtypes:
        assert_dask_dtypes(x, result)
    if isinstance(x, (Series, DataFrame)) and not isinstance(x, Index) and check_names:
        assert x.index.name == result.index.name, (x.index.name, result.index.name)
    return result


def assert_eq(a, b, check_names=True, check_dtype=True, check_divisions=True, check_index=True,
              sort_results=True, scheduler="sync", **kwargs):
    """Assert that two dataframe-like objects (hlq collections or pandas objects) are equal, as
    ``dask.dataframe.utils.assert_eq`` does for dask collections.

    Each hlq collection is checked (its divisions hold at run time, its metadata matches the
    computed result: type, names, columns, dtypes) and computed on ``scheduler``; the results
    are then compared by dask's ``assert_eq`` (rows sorted unless ``sort_results=False``,
    ``check_index=False`` ignores the index).  dask's checks of dask-graph internals (key
    names) are left out.

    Parameters
    ----------
    a, b : hlq collection, pandas object or scalar
    check_names, check_dtype, check_divisions, check_index, sort_results : bool
        As in dask's ``assert_eq``.
    scheduler : str
        The scheduler computing the collections (default ``"sync"``).
    **kwargs
        Passed to pandas' ``assert_frame_equal`` / ``assert_series_equal``.

    Returns
    -------
    True
    """
    from dask.dataframe.utils import assert_eq as dask_assert_eq

    if _is_hlq(a):
        a = _check_collection(a, check_names, check_dtype, check_divisions, scheduler)
    if _is_hlq(b):
        b = _check_collection(b, check_names, check_dtype, check_divisions, scheduler)
    return dask_assert_eq(a, b, check_names=check_names, check_dtype=check_dtype, check_divisions=False,
                          check_index=check_index, sort_results=sort_results, scheduler=scheduler, **kwargs)


def __getattr__(name):
    # dask's pandas-level helpers (make_meta, meta_nonempty, ..., and the ``_object`` placeholder
    # meta_nonempty fills object columns with), imported on first use
    if not name.startswith("__"):
        import dask.dataframe.utils

        if hasattr(dask.dataframe.utils, name):
            return getattr(dask.dataframe.utils, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
