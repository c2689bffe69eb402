"""Creating dataframes: ``from_pandas`` and ``read_parquet``.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> df = dd.from_pandas(pd.DataFrame({"a": range(6)}, index=list("abcdef")), chunksize=2)
>>> df.npartitions, df.divisions
(3, ('a', 'c', 'e', 'f'))
"""

from __future__ import annotations

import math

import pandas as pd

from hlq.dataframe.core import new_collection
from hlq.dataframe.nodes.base import PandasLiteral
from hlq.dataframe.nodes.sources import FromPandas, ReadParquet, parquet_info

__all__ = ["from_pandas", "read_parquet"]


def from_pandas(data, npartitions=None, chunksize=None, sort=True):
    """Split a pandas DataFrame or Series into partitions (sorted by index when ``sort``)."""
    if not isinstance(data, (pd.DataFrame, pd.Series)):
        raise TypeError(f"from_pandas needs a pandas DataFrame or Series, got {type(data).__name__}")
    if (npartitions is None) == (chunksize is None):
        if npartitions is None:
            npartitions = 1
        else:
            raise ValueError("give exactly one of npartitions and chunksize")
    if sort and not data.index.is_monotonic_increasing:
        data = data.sort_index()
    n = len(data)
    if chunksize is None:
        chunksize = max(1, math.ceil(n / max(1, npartitions)))
    starts = list(range(0, n, chunksize)) or [0]
    bounds = tuple((a, min(a + chunksize, n)) for a in starts)
    divisions = (None,) * (len(bounds) + 1)
    if sort and n:
        idx = data.index
        divs = [idx[a] for a, _ in bounds] + [idx[n - 1]]
        try:
            if all(divs[i] < divs[i + 1] for i in range(len(divs) - 2)) and divs[-2] <= divs[-1]:
                divisions = tuple(divs)
        except TypeError:
            pass
    return new_collection(FromPandas(PandasLiteral(data), bounds, divisions, FromPandas.schema_of(data)))


def _filters_to_expr(filters):
    if filters is None:
        return None
    if isinstance(filters, tuple) and filters and filters[0] in ("and", "or", "gt", "lt", "ge", "le", "eq"):
        return filters

    def conj(terms):
        out = []
        for col, op, val in terms:
            tag = {">": "gt", "<": "lt", ">=": "ge", "<=": "le", "==": "eq", "=": "eq"}.get(op)
            if tag is None:
                raise ValueError(f"unsupported filter operator {op!r} (supported: > < >= <= ==)")
            out.append((tag, ("col", col), ("lit", val)))
        return out[0] if len(out) == 1 else ("and", tuple(out))

    if filters and isinstance(filters[0], list):
        ors = tuple(conj(t) for t in filters)
        return ors[0] if len(ors) == 1 else ("or", ors)
    return conj(filters)


def read_parquet(path, columns=None, filters=None, index=None):
    """A parquet dataset (a file or a directory of files; one partition per file).

    ``columns`` (a list, or one name for a Series), ``filters`` in pyarrow's
    list-of-tuples form (``[("x", ">", 0.5)]``, or a list of such lists for
    OR), ``index`` a column to use as the index.  Only metadata is read here.
    """
    info = parquet_info(path)
    single = isinstance(columns, str)
    cols = None if columns is None else ((columns,) if single else tuple(columns))
    node = ReadParquet(info, cols, _filters_to_expr(filters), index, None)
    df = new_collection(node)
    return df[columns] if single else df
