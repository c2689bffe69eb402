"""Dataframe sources: partitions of a pandas object, and parquet files read with pyarrow.

:class:`ReadParquet` reads one file per partition with
``pyarrow.parquet.read_table(path, columns=..., filters=...)``: only the
columns the plan needs, rows filtered by pyarrow (row groups whose
statistics exclude the filter are skipped by pyarrow).  Metadata (schema,
files, row counts) is read once per dataset and cached.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> ddf = dd.from_pandas(pd.DataFrame({"a": range(10)}), npartitions=3)
>>> ddf.node.op_name, ddf.npartitions, ddf.divisions
('from-pandas', 3, (0, 4, 8, 9))
"""

from __future__ import annotations

import contextlib
import os
import threading

import numpy as np
import pandas as pd

from hlq.dataframe.nodes.base import FrameNode, PandasLiteral
from hlq.dataframe.nodes.colexpr import to_text

__all__ = ["FromPandas", "ReadParquet", "ParquetInfo", "parquet_info", "read_log"]


class FromPandas(FrameNode):
    """Partitions ``bounds[i] = (start, stop)`` (row positions) of a pandas object,
    restricted to ``columns_`` (None: all).  The object's kind, columns and dtypes
    are fields (``schema``), so a plan shipped with the data as an opaque payload
    still knows them."""

    _fields = ("data", "bounds", "divisions_", "schema", "columns_")
    _defaults = {"columns_": None}
    op_name = "from-pandas"
    is_blockwise = True
    bw_has_arg = True

    @staticmethod
    def schema_of(v) -> tuple:
        if isinstance(v, pd.Series):
            return ("series", (v.name,), (v.dtype,))
        return ("frame", tuple(v.columns), tuple(v.dtypes))

    def _props(self):
        kind, cols, dts = self.schema
        lengths = tuple(b - a for a, b in self.bounds)
        if kind == "series":
            return {"kind": "series", "columns": cols, "dtypes": dts, "divisions": self.divisions_,
                    "lengths": lengths}
        dm = dict(zip(cols, dts))
        sel = cols if self.columns_ is None else self.columns_
        return {"kind": "frame", "columns": sel, "dtypes": tuple(dm[c] for c in sel),
                "divisions": self.divisions_, "lengths": lengths}

    def _extra_props(self):
        return {"bw_inputs": ((self.data, ()),), "bw_func": _slice_rows}

    def bw_block_arg(self, idx):
        a, b = self.bounds[idx[0]]
        return (a, b, None if self.columns_ is None else list(self.columns_))

    def label(self):
        return f"from-pandas(columns {len(self.columns)}/{len(self.schema[1])})"


def _slice_rows(df, arg):
    a, b, cols = arg
    out = df.iloc[a:b]
    return out if cols is None else out[cols]


# ---------------------------------------------------------------- parquet
class ParquetInfo:
    """Metadata of a parquet dataset: files, row counts, schema (read once, cached)."""

    def __init__(self, path):
        import pyarrow.dataset as ds

        self.path = path
        dataset = ds.dataset(path, format="parquet")
        self.files = tuple(sorted(dataset.files))
        if not self.files:
            raise FileNotFoundError(f"no parquet files found at {path!r}")
        import pyarrow.parquet as pq

        rows = []
        for f in self.files:
            try:
                rows.append(pq.ParquetFile(f).metadata.num_rows)
            except Exception as e:  # a corrupt file: name it
                raise OSError(f"cannot read parquet metadata of {f!r}: {e}") from e
        self.rows = tuple(rows)
        self.schema = dataset.schema
        meta = self.schema.empty_table().to_pandas()
        meta = meta[[c for c in meta.columns if not str(c).startswith("__index_level_")]]
        self.columns = tuple(meta.columns)
        self.dtypes = tuple(meta.dtypes)

    def __dask_tokenize__(self):
        return ("parquet-info", self.path, self.files, self.rows)

    def __repr__(self):
        return f"ParquetInfo({self.path!r}, {len(self.files)} files)"


_INFO_CACHE: dict = {}
_INFO_LOCK = threading.Lock()


def parquet_info(path) -> ParquetInfo:
    path = os.path.abspath(os.fspath(path))
    try:
        stamp = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        raise FileNotFoundError(f"parquet path {path!r} does not exist") from None
    key = (path, stamp)
    with _INFO_LOCK:
        info = _INFO_CACHE.get(key)
        if info is None:
            info = ParquetInfo(path)
            _INFO_CACHE[key] = info
    return info


class ReadParquet(FrameNode):
    """Read files ``parts`` (indices into ``info.files``; None: all) of a dataset:
    ``columns`` (None: all), rows passing ``filter`` (a column expression),
    with ``index`` (a column name) as the index."""

    _fields = ("info", "columns_", "filter", "index", "parts")
    _defaults = {"columns_": None, "filter": None, "index": None, "parts": None}
    op_name = "read-parquet"
    is_blockwise = True
    bw_has_arg = True
    bw_inputs = ()

    def _props(self):
        info = self.info
        dmap = dict(zip(info.columns, info.dtypes))
        cols = tuple(c for c in info.columns if c != self.index) if self.columns_ is None else self.columns_
        for c in cols:
            if c not in dmap:
                raise KeyError(f"column {c!r} not in parquet dataset {info.path!r}; columns are {list(info.columns)}")
        if self.index is not None and self.index not in dmap:
            raise KeyError(f"index column {self.index!r} not in parquet dataset {info.path!r}")
        parts = range(len(info.files)) if self.parts is None else self.parts
        n = len(parts)
        lengths = None if self.filter is not None else tuple(info.rows[i] for i in parts)
        return {"kind": "frame", "columns": cols, "dtypes": tuple(dmap[c] for c in cols),
                "divisions": (None,) * (n + 1), "lengths": lengths}

    def _extra_props(self):
        return {"bw_func": _read_file}

    def bw_block_arg(self, idx):
        i = idx[0] if self.parts is None else self.parts[idx[0]]
        return (self.info.files[i], self.columns, self.filter, self.index)

    def label(self):
        info = self.info
        parts = f"{len(info.files)}" if self.parts is None else f"{len(self.parts)}/{len(info.files)}"
        s = f"read-parquet(columns {len(self.columns)}/{len(info.columns)}, files {parts}"
        if self.filter is not None:
            s += f", filter {to_text(self.filter)}"
        return s + ")"


_LOGS: list = []


@contextlib.contextmanager
def read_log():
    """Record every parquet read in this process: a list of ``(file, columns, filter)``."""
    log: list = []
    _LOGS.append(log)
    try:
        yield log
    finally:
        _LOGS.remove(log)


def _read_file(arg):
    import pyarrow.parquet as pq

    from hlq.dataframe.nodes.pyarrow_filters import to_pyarrow

    path, columns, filt, index = arg
    cols = list(columns) + ([index] if index is not None else [])
    for log in _LOGS:
        log.append((path, tuple(cols), filt))
    try:
        table = pq.read_table(path, columns=cols, filters=None if filt is None else to_pyarrow(filt))
    except FileNotFoundError:
        raise FileNotFoundError(f"parquet file {path!r} is missing") from None
    except OSError as e:
        raise OSError(f"cannot read parquet file {path!r}: {e}") from e
    df = table.to_pandas()
    if index is not None:
        df = df.set_index(index)
    return df[list(columns)] if list(df.columns) != list(columns) else df


del np
