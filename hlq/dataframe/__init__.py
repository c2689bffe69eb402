"""``hlq.dataframe``: a dask.dataframe-like collection optimized as one expression.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> df = dd.from_pandas(pd.DataFrame({"x": [1.0, 2.0, 3.0]}), npartitions=2)
>>> float(df[df.x > 1].x.sum().compute())
5.0

The namespace is assembled from private topic modules (``_core``: the
collections; ``_io``, ``_io_csv``, ``_sinks``, ``_convert``: reading,
writing and conversions; ``_multi``: joins, concat, repartitioning, sorting;
``_groupby``, ``_reductions``, ``_window``, ``_resample``, ...), plus the
public submodules ``utils``, ``extensions``, ``dispatch``, ``categorical`` and ``demo``
(like ``dask.dataframe``'s; the last three load on first use) and ``nodes``/``rules``
for extension authors.
"""

from hlq.dataframe import rules as _rules  # noqa: F401  (registers the dataframe rules)
from hlq.dataframe._core import DataFrame, Scalar, Series, map_partitions
from hlq.dataframe._io import from_pandas, read_parquet
from hlq.dataframe._io import from_array, from_dask_array, from_delayed, from_dict, from_map  # noqa: E402
from hlq.dataframe._io_csv import read_csv  # noqa: E402
from hlq.dataframe._sinks import to_csv, to_parquet  # noqa: E402
from hlq.dataframe._multi import concat, merge  # noqa: E402  (joins and concat)
from hlq.dataframe._multi import repartition_function as repartition  # noqa: E402
from hlq.dataframe._io_csv import read_table  # noqa: E402
from hlq.dataframe._index import Index  # noqa: E402
from hlq.dataframe._aggregation import Aggregation  # noqa: E402
from hlq.dataframe import extensions, utils  # noqa: E402,F401
from hlq.dataframe.utils import assert_eq  # noqa: E402

__all__ = ["DataFrame", "Series", "Scalar", "from_pandas", "read_parquet", "map_partitions"]
__all__ += ["from_dict", "from_array", "from_dask_array", "from_delayed", "from_map", "read_csv",
            "to_parquet", "to_csv"]
__all__ += ["merge", "concat"]
__all__ += ["repartition", "read_table", "Index", "Aggregation", "extensions", "utils"]
# the public submodules for extension authors (``dispatch``, ``categorical`` and ``demo`` load on first use)
__all__ += ["nodes", "rules"]

from hlq.dataframe._convert import (  # noqa: E402  (module-level functions of dask.dataframe)
    compute, get_dummies, isna, map_overlap, melt, merge_asof, pivot_table, read_fwf, read_hdf, read_json,
    read_orc, read_sql, read_sql_query, read_sql_table, to_bag, to_datetime, to_hdf, to_json,
    to_numeric, to_orc, to_records, to_sql, to_timedelta,
)

__all__ += ["assert_eq", "compute", "get_dummies", "isna", "map_overlap", "melt", "merge_asof", "pivot_table",
            "read_fwf", "read_hdf", "read_json", "read_orc", "read_sql", "read_sql_query", "read_sql_table",
            "to_bag", "to_datetime", "to_hdf", "to_json", "to_numeric", "to_orc", "to_records",
            "to_sql", "to_timedelta"]


def __getattr__(name):
    """``hlq.dataframe.dispatch``, ``categorical`` and ``demo`` load on first use (they import
    ``dask.dataframe``)."""
    if name in ("dispatch", "categorical", "demo"):
        import importlib  # deferred: the submodule imports dask.dataframe, slow to import

        return importlib.import_module(f"hlq.dataframe.{name}")
    raise AttributeError(f"module 'hlq.dataframe' has no attribute {name!r}")
