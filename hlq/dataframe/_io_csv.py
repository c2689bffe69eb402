"""``read_csv``: pandas' parser on blocks of bytes, reading only the columns the plan needs.

Files (a path, a glob or a list) are cut into blocks of about ``blocksize``
bytes at line boundaries (``fsspec.utils.read_block``, what
``dask.bytes.read_bytes`` uses); each partition parses one block with
:func:`pandas.read_csv`, the header line prepended.  The column names and
dtypes come from parsing a sample at the start of the first file.
Projection pushdown turns into pandas' ``usecols``, so pandas parses only
those columns.

>>> import pandas as pd, tempfile, os
>>> import hlq.dataframe as dd
>>> from hlq.rules import optimize_plan
>>> d = tempfile.mkdtemp()
>>> pd.DataFrame({"a": range(4), "b": [0.5] * 4, "c": list("wxyz")}).to_csv(os.path.join(d, "0.csv"), index=False)
>>> df = dd.read_csv(os.path.join(d, "*.csv"))
>>> optimize_plan(df.b.sum().node).child.child.child.label()
'read-csv(columns 1/3, files 1, blocks 1)'
>>> float(df.b.sum().compute())
2.0
"""

from __future__ import annotations

import io

import pandas as pd

from hlq.dataframe._core import new_collection
from hlq.dataframe.nodes.csv import LOGS, ReadCSV
from hlq.dataframe.nodes.ops import MetaBox
from hlq.dataframe.nodes.sources import recording

__all__ = ["read_csv", "read_table", "ReadCSV", "csv_log"]

_UNSUPPORTED = ("index_col", "chunksize", "iterator", "nrows", "skipfooter", "usecols")


def csv_log():
    """Record every CSV block parsed in this process: a list of ``(path, offset, usecols)``."""
    return recording(LOGS)


def read_csv(urlpath, blocksize="64 MiB", sample=256000, storage_options=None, include_path_column=False,
             **kwargs):
    """Read CSV files into a DataFrame, one partition per block of bytes.

    Parameters
    ----------
    urlpath : str or list of str
        A file, a glob (``data/*.csv``) or a list.
    blocksize : int, str or None
        Bytes per partition (cut at line ends); None: one partition per file.
        Compressed files are never split.
    sample : int
        Bytes from the start of the first file used to find the columns and dtypes.
    **kwargs
        Passed to :func:`pandas.read_csv` for every block (``dtype``, ``names``,
        ``parse_dates``, ``sep``, ``header``, ``compression`` ...).  ``usecols``
        selects the columns to read (projection pushdown narrows it further).
    """
    from dask.utils import parse_bytes
    from fsspec.core import get_fs_token_paths

    if include_path_column:
        raise NotImplementedError("read_csv(include_path_column=True) is not supported")
    usecols = kwargs.pop("usecols", None)
    for k in _UNSUPPORTED:
        if k in kwargs:
            raise NotImplementedError(f"read_csv({k}=...) is not supported by hlq.dataframe")
    fs, _, paths = get_fs_token_paths(urlpath, mode="rb", storage_options=storage_options)
    paths = sorted(paths) if isinstance(urlpath, str) else list(paths)
    if not paths:
        raise FileNotFoundError(f"no files match {urlpath!r}")
    for p in paths:
        if not fs.exists(p):
            raise FileNotFoundError(f"CSV file {p!r} does not exist")
    compression = kwargs.get("compression")
    if compression == "infer":
        from fsspec.utils import infer_compression

        compression = infer_compression(paths[0])
        kwargs["compression"] = compression
    if compression is not None:
        blocksize = None
    if isinstance(blocksize, str):
        blocksize = parse_bytes(blocksize)
    blocks = []
    for p in paths:
        size = fs.size(p)
        if blocksize is None or size <= blocksize:
            blocks.append((p, 0, None))
        else:
            blocks.extend((p, off, min(blocksize, size - off)) for off in range(0, size, int(blocksize)))
    import fsspec

    with fsspec.open(paths[0], "rb", compression=compression, **(storage_options or {})) as f:
        head = f.read(sample)
    # pandas reads no header line when header=None, or when names= is given and header is not
    no_header = kwargs.get("header", "infer") is None or (
        kwargs.get("names") is not None and isinstance(kwargs.get("header", "infer"), str)
    )
    if no_header or kwargs.get("skiprows"):
        header = b""
        if kwargs.get("skiprows"):
            raise NotImplementedError("read_csv(skiprows=...) is not supported by hlq.dataframe")
    else:
        header = head.split(b"\n", 1)[0] + b"\n"
    if len(head) == sample and b"\n" in head:
        head = head[: head.rindex(b"\n") + 1]
    kw = {k: v for k, v in kwargs.items() if k != "compression"}
    try:
        meta = pd.read_csv(io.BytesIO(head), **kw).iloc[:0]
    except Exception as e:
        raise type(e)(f"while parsing the start of {paths[0]!r}: {e}") from e
    if kwargs.get("header", "infer") is None and "names" not in kwargs:
        kwargs["names"] = list(meta.columns)
    cols = None
    if usecols is not None:
        cols = tuple(c for c in meta.columns if c in set(usecols))
        missing = set(usecols) - set(meta.columns)
        if missing:
            raise ValueError(f"usecols names columns not in the CSV files: {sorted(missing)}")
    proto = getattr(fs, "protocol", "file")
    proto = proto[0] if isinstance(proto, (tuple, list)) else proto
    full = tuple(((p if proto in ("file", "local") or "://" in p else f"{proto}://{p}"), o, n) for p, o, n in blocks)
    node = ReadCSV(full, header, tuple(sorted(kwargs.items(), key=lambda kv: kv[0])), MetaBox(meta), cols,
                   tuple(sorted((storage_options or {}).items())))
    return new_collection(node)


def read_table(urlpath, blocksize="64 MiB", sample=256000, storage_options=None, include_path_column=False,
               **kwargs):
    """Read delimited text files (tab-separated by default, as :func:`pandas.read_table`) into a
    DataFrame, one partition per block of bytes; see :func:`read_csv` for the parameters."""
    kwargs.setdefault("sep", "\t")
    return read_csv(urlpath, blocksize=blocksize, sample=sample, storage_options=storage_options,
                    include_path_column=include_path_column, **kwargs)
