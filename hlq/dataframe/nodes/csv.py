"""The CSV reader node: pandas' parser on blocks of bytes, parsing only the columns the plan needs.

The :func:`hlq.dataframe.read_csv` API builds it; projection pushdown
(rule ``project_into_csv``) narrows ``columns_``, which becomes pandas'
``usecols``.
"""

from __future__ import annotations

import io

import pandas as pd

from hlq.dataframe.nodes.base import FrameNode

__all__ = ["ReadCSV"]

#: lists recording every parsed block (see :func:`hlq.dataframe._io_csv.csv_log`)
LOGS: list = []


class ReadCSV(FrameNode):
    """Blocks ``blocks`` (``(path, offset, length)``; ``length`` None: the whole file) parsed by
    :func:`pandas.read_csv` with ``kwargs``; ``header`` (bytes) is prepended to blocks that do not
    start their file; only ``columns_`` (None: all of ``meta_``) are parsed."""

    _fields = ("blocks", "header", "kwargs", "meta_", "columns_", "storage")
    _defaults = {"columns_": None, "storage": ()}
    op_name = "read-csv"
    is_blockwise = True
    bw_has_arg = True
    bw_inputs = ()

    def _props(self):
        meta = self.meta_.value
        dm = dict(zip(meta.columns, meta.dtypes))
        cols = tuple(meta.columns) if self.columns_ is None else self.columns_
        for c in cols:
            if c not in dm:
                raise KeyError(f"column {c!r} not in the CSV files; columns are {list(meta.columns)}")
        return {"kind": "frame", "columns": cols, "dtypes": tuple(dm[c] for c in cols),
                "divisions": (None,) * (len(self.blocks) + 1), "lengths": None}

    def _extra_props(self):
        return {"bw_func": _ParseBlock(self.header, self.kwargs, self.columns, self.dtypes, self.storage,
                                       tuple(self.meta_.value.columns))}

    def bw_block_arg(self, idx):
        return self.blocks[idx[0]]

    def label(self):
        nfiles = len({b[0] for b in self.blocks})
        return (f"read-csv(columns {len(self.columns)}/{len(self.meta_.value.columns)}, files {nfiles}, "
                f"blocks {len(self.blocks)})")



class _ParseBlock:
    __slots__ = ("header", "kwargs", "columns", "dtypes", "storage", "all_columns")

    def __init__(self, header, kwargs, columns, dtypes, storage, all_columns):
        self.header, self.kwargs, self.columns, self.dtypes = header, kwargs, columns, dtypes
        self.storage, self.all_columns = storage, all_columns

    def __reduce__(self):
        return (_ParseBlock, (self.header, self.kwargs, self.columns, self.dtypes, self.storage, self.all_columns))

    def __call__(self, block):
        import fsspec
        from fsspec.utils import read_block

        path, offset, length = block
        kw = dict(self.kwargs)
        usecols = list(self.columns)
        pd_cols = kw.get("parse_dates")
        if isinstance(pd_cols, (list, tuple)):  # only the date columns that are read
            kw["parse_dates"] = [c for c in pd_cols if not isinstance(c, str) or c in usecols]
        if sorted(map(str, usecols)) == sorted(map(str, self.all_columns)):
            usecols = None
        for log in LOGS:
            log.append((path, offset, tuple(usecols) if usecols is not None else self.all_columns))
        try:
            with fsspec.open(path, "rb", compression=kw.pop("compression", None), **dict(self.storage)) as f:
                data = f.read() if length is None else read_block(f, offset, length, delimiter=b"\n")
        except FileNotFoundError:
            raise FileNotFoundError(f"CSV file {path!r} is missing") from None
        if offset and self.header:
            data = self.header + data
        if kw.get("header", "infer") is None and "names" not in kw:
            kw["names"] = list(self.all_columns)
        try:
            df = pd.read_csv(io.BytesIO(data), usecols=usecols, **kw)
        except Exception as e:
            raise type(e)(f"while parsing {path!r} at byte {offset}: {e}") from e
        df = df[list(self.columns)] if list(df.columns) != list(self.columns) else df
        for c, d in zip(self.columns, self.dtypes):
            if df[c].dtype != d:
                try:
                    df[c] = df[c].astype(d)
                except (TypeError, ValueError) as e:
                    raise ValueError(
                        f"column {c!r} of {path!r} (byte {offset}) parses as {df[c].dtype}, but the sample "
                        f"gave {d}; pass dtype={{{c!r}: ...}} to read_csv ({e})"
                    ) from None
        return df

