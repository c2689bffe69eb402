"""``hlq.dataframe.dispatch``: dask's type-dispatched helpers for the pandas objects hlq partitions
are (``hash_object_dispatch``, ``make_meta``, ``concat``, ...), exactly as ``dask.dataframe.dispatch``
provides and registers them (hlq adds no backend of its own).

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> dd.dispatch.hash_object_dispatch(pd.Series([1, 2])).equals(pd.util.hash_pandas_object(pd.Series([1, 2])))
True
"""

from __future__ import annotations

from dask.dataframe.dispatch import (  # noqa: F401  (the public names of dask.dataframe.dispatch)
    categorical_dtype, categorical_dtype_dispatch, concat, concat_dispatch, from_pyarrow_table_dispatch,
    get_parallel_type, group_split_dispatch, grouper_dispatch, hash_object_dispatch, is_categorical_dtype,
    is_categorical_dtype_dispatch, make_meta, make_meta_dispatch, make_meta_obj, meta_lib_from_array,
    meta_nonempty, partd_encode_dispatch, pyarrow_schema_dispatch, to_pandas_dispatch,
    to_pyarrow_table_dispatch, tolist, tolist_dispatch, union_categoricals, union_categoricals_dispatch,
)

__all__ = ["categorical_dtype", "categorical_dtype_dispatch", "concat", "concat_dispatch",
           "from_pyarrow_table_dispatch", "get_parallel_type", "group_split_dispatch", "grouper_dispatch",
           "hash_object_dispatch", "is_categorical_dtype", "is_categorical_dtype_dispatch", "make_meta",
           "make_meta_dispatch", "make_meta_obj", "meta_lib_from_array", "meta_nonempty", "partd_encode_dispatch",
           "pyarrow_schema_dispatch", "to_pandas_dispatch", "to_pyarrow_table_dispatch", "tolist",
           "tolist_dispatch", "union_categoricals", "union_categoricals_dispatch"]
