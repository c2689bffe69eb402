"""``hlq.dataframe.categorical``: the categorical helpers of ``dask.dataframe.categorical``
(``categorical_dtype``, ``is_categorical_dtype`` and their dispatchers, dask's own, as
:mod:`hlq.dataframe.dispatch` registers them) and hlq's ``.cat`` accessor class.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> dt = dd.categorical.categorical_dtype(meta=pd.DataFrame(), categories=["a", "b"], ordered=True)
>>> list(dt.categories), dt.ordered
(['a', 'b'], True)
"""

from __future__ import annotations

from dask.dataframe.dispatch import (  # noqa: F401  (the public helpers of dask.dataframe.categorical)
    categorical_dtype, categorical_dtype_dispatch, is_categorical_dtype,
)

from hlq.dataframe._accessors import CategoricalAccessor

__all__ = ["categorical_dtype", "categorical_dtype_dispatch", "is_categorical_dtype", "CategoricalAccessor"]
