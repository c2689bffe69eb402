"""Creating dataframes: ``from_pandas``, ``read_parquet``, ``from_dict``, ``from_array``,
``from_dask_array``, ``from_map``, ``from_delayed`` (``read_csv``: :mod:`hlq.dataframe._io_csv`).

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> df = dd.from_pandas(pd.DataFrame({"a": range(6)}, index=list("abcdef")), chunksize=2)
>>> df.npartitions, df.divisions
(3, ('a', 'c', 'e', 'f'))
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hlq.dataframe._core import new_collection
from hlq.dataframe.nodes.base import PandasLiteral
from hlq.dataframe.nodes.pyarrow_filters import may_match, specialize
from hlq.dataframe.nodes.sources import (column_ranges, DEFAULT_BLOCKSIZE, FromPandas, index_ranges, ReadParquet,
                                         parquet_info)
from hlq.dataframe.nodes.colexpr import columns_of
from hlq.dataframe.nodes.generic_sources import FromDelayedFrame, FromMap
from hlq.lower.protocol import DelayedRef
from hlq.dataframe.nodes.interop import ArrayToFrame, FrameToArray
from hlq.dataframe.nodes.ops import MetaBox

__all__ = ["from_pandas", "read_parquet", "from_dict", "from_array", "from_dask_array", "from_map", "from_delayed",
           "to_dask_array"]


def from_pandas(data, npartitions=None, chunksize=None, sort=True):
    """Split a pandas DataFrame or Series into partitions.

    Parameters
    ----------
    data : pandas.DataFrame or pandas.Series
    npartitions, chunksize : int
        The number of partitions, or rows per partition (give one; default one partition).
    sort : bool
        Sort by the index and record the divisions (the first index value of each
        partition and the last value).  Equal index values never straddle two
        partitions, so there may be fewer partitions than asked for (as in dask).
        ``False`` keeps the row order and leaves the divisions unknown.
    """
    if not isinstance(data, (pd.DataFrame, pd.Series)):
        raise TypeError(f"from_pandas needs a pandas DataFrame or Series, got {type(data).__name__}")
    if (npartitions is None) == (chunksize is None):
        if npartitions is None:
            npartitions = 1
        else:
            raise ValueError("give exactly one of npartitions and chunksize")
    if npartitions is not None and int(npartitions) < 1:
        raise ValueError(f"npartitions must be at least 1, got {npartitions}")
    if chunksize is not None and int(chunksize) < 1:
        raise ValueError(f"chunksize must be at least 1, got {chunksize}")
    data = data.copy(deep=False)  # later changes to the caller's object (df.columns = ...) stay out
    if sort and not data.index.is_monotonic_increasing:
        data = data.sort_index()
    n = len(data)
    given_npartitions, given_chunksize = npartitions, chunksize
    if chunksize is None:
        chunksize = max(1, math.ceil(n / max(1, npartitions)))
    chunksize = int(chunksize)
    starts = list(range(0, n, chunksize)) or [0]
    divisions = None
    if sort and n:
        # dask's own partitioning of a sorted index (equal values never straddle two
        # partitions), so that the divisions are exactly dask's
        # deferred: importing hlq.dataframe does not load dask.dataframe
        from dask.dataframe.io.io import sorted_division_locations

        try:
            divs, locations = sorted_division_locations(
                data.index, npartitions=None if given_npartitions is None else int(given_npartitions),
                chunksize=None if given_chunksize is None else int(given_chunksize))
            if len(locations) >= 2 and all(a < b for a, b in zip(locations, locations[1:])):
                starts, divisions = list(locations[:-1]), tuple(divs)
        except TypeError:  # index values that do not compare: unknown divisions
            pass
    stops = starts[1:] + [n]
    bounds = tuple(zip(starts, stops))
    if divisions is None:
        divisions = (None,) * (len(bounds) + 1)
    return new_collection(FromPandas(PandasLiteral(data), bounds, divisions, FromPandas.schema_of(data)))


_FILTER_OPS = {">": "gt", "<": "lt", ">=": "ge", "<=": "le", "==": "eq", "=": "eq", "!=": "ne",
               "in": "isin", "not in": "notin"}


def _filters_to_expr(filters):
    """pyarrow's list-of-tuples filters (DNF: a list of AND-lists, ORed) as a column expression."""
    if filters is None:
        return None
    if isinstance(filters, tuple) and filters and filters[0] in ("and", "or", "gt", "lt", "ge", "le", "eq"):
        return filters

    def conj(terms):
        out = []
        for term in terms:
            if not (isinstance(term, (tuple, list)) and len(term) == 3):
                raise ValueError(f"a filter is a (column, op, value) tuple, got {term!r}")
            col, op, val = term
            if op in ("is", "is not"):  # missing values (pyarrow's is_null, NaN included), as dask
                if not (val is None or (isinstance(val, float) and val != val)):
                    raise ValueError(f"filter ({col!r}, {op!r}, {val!r}): 'is' and 'is not' compare with "
                                     "None or NaN only")
                out.append(("isna" if op == "is" else "notna", ("col", col)))
                continue
            tag = _FILTER_OPS.get(op)
            if tag is None:
                raise ValueError(f"{op!r} is not a valid operator in predicates (supported: "
                                 f"{', '.join([*_FILTER_OPS, 'is', 'is not'])})")
            if tag in ("isin", "notin"):
                if not isinstance(val, (list, set, tuple, frozenset)):
                    raise TypeError("Value of 'in' filter must be a list, set, or tuple.")
                val = tuple(val)
            out.append((tag, ("col", col), ("lit", val)))
        return out[0] if len(out) == 1 else ("and", tuple(out))

    if not filters:
        return None
    if isinstance(filters[0], list):
        ors = tuple(conj(t) for t in filters)
        return ors[0] if len(ors) == 1 else ("or", ors)
    return conj(filters)


def _parse_bytes(v):
    if v is None or v is False:
        return None
    if v == "default":
        return DEFAULT_BLOCKSIZE
    from dask.utils import parse_bytes

    return int(parse_bytes(v))


def read_parquet(path, columns=None, filters=None, index=None, blocksize="default", filesystem="fsspec",
                 storage_options=None, calculate_divisions=False, **kwargs):
    """Read a parquet dataset: a file, a directory of files, or a list of files.

    Parameters
    ----------
    path : str or list of str
        Glob patterns (``"dir/*.parquet"``) are expanded; ``_metadata`` files in
        a list are skipped (the data files' footers are read instead).
        A directory may be hive-partitioned (``key=value`` sub-directories):
        the keys become categorical columns, as in dask and pandas.
    columns : list or str, optional
        Columns to read (one name gives a Series).  Projection pushdown
        narrows this further to what the plan needs.
    filters : list of tuples or list of lists of tuples, optional
        pyarrow's form: ``[("x", ">", 0.5)]`` (ANDed), or a list of such lists
        (ORed).  Operators ``> < >= <= == != in`` and ``not in``, and ``is`` /
        ``is not`` with None or NaN (missing values, as in dask).  Terms on
        partition keys drop whole files without opening them; other terms are
        given to pyarrow (row groups whose statistics exclude them are skipped).
    index : str or False, optional
        A column to use as the index; ``False``: a default index; ``None``:
        the index stored in the pandas metadata, if any.
    blocksize : int, str or None, default "default" (128 MiB)
        IO squashing: when a computation reads only a few columns, one task
        reads several consecutive files, up to this many estimated bytes
        (uncompressed, from the footers) and never more than the largest
        file holds in all its columns.  ``None`` keeps one file per task.
    aggregate_files : bool or str, optional
        As in dask: ``True`` groups consecutive files into partitions of up to
        ``blocksize`` estimated (uncompressed) bytes when the frame is built, so
        ``npartitions`` shows it; a hive partition key groups only files with the
        same value of that key.
    categories : list, str or dict, optional
        Columns to read as categoricals: those stored as dictionaries (pandas
        categoricals written to parquet) already are; other columns raise
        ``NotImplementedError`` (convert them with ``astype("category")``).
    dtype_backend : {"numpy_nullable", "pyarrow"}, optional
        As in dask: the columns become pandas' nullable dtypes or pyarrow-backed
        dtypes (strings: pandas' pyarrow strings), in the metadata and the data.
    metadata_task_size : int, optional
        Accepted (footers are read locally, once per dataset).

    filesystem : "fsspec", "arrow", None, or a local filesystem object
        As in dask: which filesystem layer opens the files.  hlq reads local
        files with pyarrow whatever the choice; ``file://`` and ``local://``
        paths are local paths.  A remote filesystem raises ``NotImplementedError``.
    storage_options : dict, optional
        Accepted for local paths (they need no options).
    calculate_divisions : bool, default False
        As in dask: with an index column, the divisions come from the
        row-group statistics of that column (footers only) when every file has
        them and the files are in ascending, non-overlapping order; otherwise
        (and by default) the divisions are unknown.  Files without rows are then
        left out (no empty partitions).  ``set_index(sorted=True)``
        on a column read from sorted files uses the same statistics.

    Only metadata (footers) is read here, once per dataset (cached).
    """
    if kwargs.pop("engine", "pyarrow") not in ("pyarrow", "auto", None):
        raise ValueError("hlq.dataframe.read_parquet supports engine='pyarrow' only")
    aggregate_files = kwargs.pop("aggregate_files", None)
    categories = kwargs.pop("categories", None)
    dtype_backend = kwargs.pop("dtype_backend", None)
    if dtype_backend not in (None, "numpy_nullable", "pyarrow"):
        raise ValueError(f"dtype_backend {dtype_backend!r} is invalid, only 'numpy_nullable' and 'pyarrow' "
                         "are allowed.")
    metadata_task_size = kwargs.pop("metadata_task_size", None)
    if metadata_task_size is not None and not isinstance(metadata_task_size, (int, np.integer)):
        raise TypeError(f"metadata_task_size must be an integer, got {metadata_task_size!r}")
    for k, ok in _IGNORED_PARQUET_ARGS.items():
        if k in kwargs and kwargs[k] not in ok:
            raise NotImplementedError(f"read_parquet({k}={kwargs[k]!r}) is not supported by hlq.dataframe; "
                                      f"supported values: {ok}")
        kwargs.pop(k, None)
    if kwargs:
        raise TypeError(f"read_parquet got unsupported arguments {sorted(kwargs)}")
    path = _data_paths(local_paths(path, filesystem))
    info = parquet_info(path)
    _check_categories(info, categories)
    if index is None and len(info.index_columns) == 1:
        index = info.index_columns[0]
    if isinstance(index, (list, tuple)):
        if len(index) != 1:
            raise NotImplementedError("read_parquet supports a single index column")
        index = index[0]
    single = isinstance(columns, str)
    cols = None if columns is None else ((columns,) if single else tuple(columns))
    if cols is not None and isinstance(index, str):
        cols = tuple(c for c in cols if c != index)
    expr = _filters_to_expr(filters)
    if expr is not None:
        for c in sorted(columns_of(expr), key=str):
            if c not in info.dtype_map:
                raise KeyError(f"filter column {c!r} not in parquet dataset {info.path!r}; "
                               f"columns are {list(info.columns)}")
    ranges = index_ranges(info, index) if calculate_divisions and isinstance(index, str) else None
    files = _files_to_read(info, expr)
    if ranges is not None and None in ranges:  # files without rows: no partition, as in dask
        files = [i for i in files if ranges[i] is not None] or files[:1]
    parts = None if len(files) == len(info.files) else tuple(files)
    groups = None
    if aggregate_files:
        if aggregate_files is not True and aggregate_files not in info.partition_names:
            raise ValueError(f"aggregate_files={aggregate_files!r}: not a partition key of the dataset "
                             f"(keys: {list(info.partition_names)})")
        groups = _aggregated_files(info, files, _parse_bytes(blocksize) or DEFAULT_BLOCKSIZE,
                                   None if aggregate_files is True else aggregate_files)
        parts = None
        if len(groups) == len(files):
            groups = None if len(files) == len(info.files) else groups
        if groups is not None:
            ranges = None  # partitions of several files: unknown divisions
    node = ReadParquet(info, cols, expr, index, parts, groups, _parse_bytes(blocksize), ranges, dtype_backend)
    df = new_collection(node)
    return df[columns] if single else df


def _check_categories(info, categories):
    """``read_parquet(categories=)``: the columns must exist; columns stored as dictionaries (pandas
    categoricals written to parquet) are read as categoricals anyway, others are not converted."""
    if categories is None:
        return
    names = [categories] if isinstance(categories, str) else list(categories)
    for c in names:
        if c not in info.dtype_map:
            raise ValueError(f"categories: column {c!r} not in parquet dataset {info.path!r}; "
                             f"columns are {list(info.columns)}")
        if not isinstance(info.dtype_map[c], pd.CategoricalDtype):
            raise NotImplementedError(f"read_parquet(categories=[{c!r}]): column {c!r} is not stored as a "
                                      "dictionary (categorical); read it and convert with "
                                      f"df[{c!r}].astype('category')")


def _files_to_read(info, expr):
    """The files (indices into ``info.files``) whose rows can satisfy the filter ``expr``: those
    whose hive keys or row-group statistics exclude it are left out, as in dask (at least one
    file stays, so that the frame has a partition)."""
    n = len(info.files)
    if expr is None:
        return list(range(n))
    pn = info.partition_names
    stats = {c: column_ranges(info, c) for c in columns_of(expr) if c not in pn and c in info.dtype_map}
    keep = []
    for i in range(n):
        f = specialize(expr, info.partition_values[i], pn) if pn else expr
        if f is False:
            continue
        if f is True or may_match(f, {c: v[i] for c, v in stats.items() if v[i] is not None}):
            keep.append(i)
    return keep or [0]


def _aggregated_files(info, files, blocksize, key):
    """Partitions of consecutive ``files`` (tuples of file indices) holding up to ``blocksize``
    uncompressed bytes each (from the footers); with ``key`` (a hive partition key), only files
    with the same value of ``key`` share a partition."""
    groups, cur, acc, cur_key = [], [], 0, None
    for i in files:
        size = info.file_bytes[i]
        k = info.partition_values[i].get(key) if key is not None else None
        if cur and (acc + size > blocksize or k != cur_key):
            groups.append(tuple(cur))
            cur, acc = [], 0
        cur.append(i)
        acc += size
        cur_key = k
    if cur:
        groups.append(tuple(cur))
    return tuple(groups)


def _data_paths(path):
    """Glob patterns expanded (matches in natural order, as dask lists them); in a list, the
    ``_metadata``/``_common_metadata`` files (footers only) are dropped."""
    import glob  # deferred: only read_parquet expands patterns
    import os  # deferred: only read_parquet expands patterns

    from dask.utils import natural_sort_key  # deferred: only read_parquet expands patterns

    paths = path if isinstance(path, list) else [path]
    out = []
    for p in paths:
        if not os.path.exists(p) and glob.has_magic(p):
            found = sorted(glob.glob(p), key=natural_sort_key)
            if not found:
                raise FileNotFoundError(f"no parquet files match {p!r}")
            out.extend(found)
        else:
            out.append(p)
    data = [p for p in out if os.path.basename(p) not in ("_metadata", "_common_metadata")]
    if data and len(data) < len(out):
        out = data
    return out if isinstance(path, list) or len(out) > 1 else out[0]


#: dask read_parquet arguments accepted with the values whose behaviour hlq has anyway
_IGNORED_PARQUET_ARGS = {
    "split_row_groups": ("infer", "adaptive", False, None),
    "ignore_metadata_file": (True, False),
    "parquet_file_extension": (None, (".parq", ".parquet", ".pq"), ".parquet"),
    "arrow_to_pandas": (None,),
}


def local_paths(path, filesystem="fsspec"):
    """``path`` (a string, path-like or list of them) as local file system paths.

    ``file://`` and ``local://`` URLs are stripped to their path; ``filesystem`` may be
    ``"fsspec"``, ``"arrow"``/``"pyarrow"``, ``None`` or a local fsspec or pyarrow filesystem.
    Anything remote raises ``NotImplementedError`` naming the workaround.
    """
    if filesystem is not None and not isinstance(filesystem, str):
        kind = type(filesystem).__name__
        proto = getattr(filesystem, "protocol", None)
        protos = (proto,) if isinstance(proto, str) else tuple(proto or ())
        if not (kind == "LocalFileSystem" or "file" in protos or "local" in protos):
            raise NotImplementedError(f"read_parquet(filesystem=<{kind}>): hlq.dataframe reads local files "
                                      f"only; copy the data locally or use dask.dataframe.read_parquet")
    elif isinstance(filesystem, str) and filesystem not in ("fsspec", "arrow", "pyarrow"):
        raise ValueError(f"filesystem must be 'fsspec', 'arrow' or a filesystem object, got {filesystem!r}")
    if isinstance(path, (list, tuple)):
        return [local_paths(p, None) for p in path]
    import os

    p = os.fspath(path)
    if "://" in p:
        proto, rest = p.split("://", 1)
        if proto not in ("file", "local"):
            raise NotImplementedError(f"read_parquet({p!r}): hlq.dataframe reads local files only (protocol "
                                      f"{proto!r}); copy the data locally or use dask.dataframe.read_parquet")
        p = rest
    return p


# ------------------------------------------------------------ other sources
def from_dict(data, npartitions=None, orient="columns", dtype=None, columns=None, chunksize=None):
    """A dataframe from a dict, like ``from_pandas(pd.DataFrame.from_dict(data, ...))``.

    Parameters
    ----------
    data : dict
        Of columns (``orient="columns"``) or of rows (``orient="index"``).
    npartitions, chunksize : int
        Partitioning, as in :func:`from_pandas` (one of them).
    orient, dtype, columns
        Passed to :meth:`pandas.DataFrame.from_dict`.
    """
    if not isinstance(data, dict):
        raise TypeError(f"from_dict needs a dict, got {type(data).__name__}")
    pdf = pd.DataFrame.from_dict(data, orient=orient, dtype=dtype, columns=columns)
    return from_pandas(pdf, npartitions=npartitions, chunksize=chunksize)


def _column_names(x, columns):
    if x.ndim == 1:
        if isinstance(columns, (list, tuple, pd.Index)):
            if len(columns) != 1:
                raise ValueError(f"a 1-d array gives one column, got {len(columns)} names")
            return (columns[0],)
        return (columns,)
    if columns is None:
        return tuple(range(x.shape[1]))
    if isinstance(columns, str) or not hasattr(columns, "__len__"):
        raise ValueError("columns of a 2-d array must be a list of names")
    columns = tuple(columns)
    if len(columns) != x.shape[1]:
        raise ValueError(f"{len(columns)} column names for an array of {x.shape[1]} columns")
    return columns


def from_dask_array(x, columns=None, index=None, meta=None):
    """An hlq.array (1-d or 2-d) as a Series or DataFrame, in the same plan.

    One partition per row block (column blocks are merged first); the index
    is a range index, so divisions are the row-block boundaries, as in dask.

    Parameters
    ----------
    x : hlq.array.Array or dask.array.Array
        A dask array (known chunk sizes) enters the plan block by block, as delayed values of
        its own graph.
    columns : list or scalar, optional
        Column names (2-d; default ``0..n-1``) or the series name (1-d).
    index, meta
        Not supported (``index`` raises NotImplementedError; ``meta`` is ignored:
        the array's dtype gives the dtypes).
    """
    # deferred: importing hlq.dataframe does not load hlq.array
    import hlq.array as ha

    if not isinstance(x, ha.Array):
        x = _from_legacy_dask_array(x)
    if index is not None:
        raise NotImplementedError("from_dask_array(index=...) is not supported")
    if x.ndim not in (1, 2):
        raise ValueError(f"from_dask_array needs a 1-d or 2-d array, got {x.ndim} dimensions")
    names = _column_names(x, columns)
    if x.ndim == 1 and isinstance(columns, (list, tuple, pd.Index)):
        x = x[:, None]  # a list of one name: a one-column DataFrame, as dask gives
    if x.ndim == 2 and x.numblocks[1] != 1:
        x = x.rechunk({1: x.shape[1]})
    return new_collection(ArrayToFrame(x.node, names))


def _from_legacy_dask_array(x):
    """A ``dask.array.Array`` as an hlq array with the same chunks: every block one
    ``dask.delayed`` value of the dask array's graph (nothing is computed)."""
    # deferred: importing hlq.dataframe does not load dask.array or hlq.array
    import dask.array as da
    import hlq.array as ha

    if not isinstance(x, da.Array):
        raise TypeError(f"from_dask_array needs an hlq.array.Array or a dask.array.Array, got {type(x).__name__}; "
                        "use from_array for numpy arrays")
    if x.ndim not in (1, 2):
        raise ValueError(f"from_dask_array needs a 1-d or 2-d array, got {x.ndim} dimensions")
    if any(c != c for dim in x.chunks for c in dim):
        raise ValueError("from_dask_array needs a dask array with known chunk sizes; call "
                         "x.compute_chunk_sizes() first")
    blocks = x.to_delayed()
    grid = [[ha.from_delayed(blocks[(i,) if x.ndim == 1 else (i, j)],
                             (r,) if x.ndim == 1 else (r, c), dtype=x.dtype)
             for j, c in enumerate(x.chunks[1] if x.ndim == 2 else (None,))]
            for i, r in enumerate(x.chunks[0])]
    if x.ndim == 1:
        return ha.concatenate([row[0] for row in grid]) if len(grid) > 1 else grid[0][0]
    return ha.block(grid)


def from_array(x, chunksize=50000, columns=None, meta=None):
    """A numpy (or hlq.array) 1-d/2-d array as a Series/DataFrame of ``chunksize`` rows per partition.

    Parameters
    ----------
    x : numpy.ndarray or hlq.array.Array
        A structured numpy array gives one column per field.
    chunksize : int
        Rows per partition (ignored for an hlq array: its row blocks are kept).
    columns : list or scalar, optional
        As in :func:`from_dask_array`.
    """
    # deferred: importing hlq.dataframe does not load hlq.array
    import hlq.array as ha

    if isinstance(x, ha.Array):
        return from_dask_array(x, columns=columns, meta=meta)
    x = np.asarray(x)
    if x.dtype.names is not None:  # a record array: a frame of its fields
        pdf = pd.DataFrame.from_records(x)
        if columns is not None:
            pdf = pdf[list(columns)]
        return from_pandas(pdf, chunksize=chunksize)
    if x.ndim not in (1, 2):
        raise ValueError(f"from_array needs a 1-d or 2-d array, got {x.ndim} dimensions")
    if int(chunksize) <= 0:
        raise ValueError(f"chunksize must be positive, got {chunksize}")
    chunks = (int(chunksize),) + ((x.shape[1],) if x.ndim == 2 else ())
    return from_dask_array(ha.from_array(x, chunks=chunks), columns=columns)


def _meta_of(meta):
    if isinstance(meta, (pd.DataFrame, pd.Series)):
        return meta.iloc[:0]
    if isinstance(meta, dict):
        return pd.DataFrame({k: pd.Series([], dtype=v) for k, v in meta.items()})
    if isinstance(meta, tuple) and len(meta) == 2:
        return pd.Series([], dtype=meta[1], name=meta[0])
    raise TypeError(f"meta must be an empty pandas object, a dict of dtypes or a (name, dtype) tuple, got {meta!r}")


def _divisions(divisions, n):
    if divisions is None or divisions == "sorted":
        return (None,) * (n + 1)
    divisions = tuple(divisions)
    if len(divisions) != n + 1:
        raise ValueError(f"divisions must have npartitions + 1 = {n + 1} entries, got {len(divisions)}")
    return divisions


def from_map(func, *iterables, args=None, meta=None, divisions=None, label=None, token=None,
             enforce_metadata=True, **kwargs):
    """One partition per element: partition ``i`` is ``func(iterables[0][i], ..., *args, **kwargs)``.

    Parameters
    ----------
    func : callable
        Returns a pandas DataFrame or Series.
    *iterables : iterables of equal length
    args : tuple, optional
        Extra positional arguments after the iterable elements.
    meta : empty pandas object, dict of dtypes or (name, dtype), optional
        The result's structure; by default ``func`` runs once on the first
        element (as dask does) and its empty head is used.
    divisions : tuple, optional
        Known index bounds (``npartitions + 1`` values).
    enforce_metadata : bool
        Check every partition's columns against ``meta``.
    """
    if not callable(func):
        raise TypeError(f"from_map needs a callable, got {type(func).__name__}")
    if not iterables:
        raise ValueError("from_map needs at least one iterable")
    cols = [list(it) for it in iterables]
    n = len(cols[0])
    if any(len(c) != n for c in cols) or n == 0:
        raise ValueError("from_map needs non-empty iterables of one length")
    extra = tuple(args or ())
    parts = tuple(tuple(c[i] for c in cols) + extra for i in range(n))
    meta = _meta_of(func(*parts[0], **kwargs) if meta is None else meta)
    node = FromMap(func, parts, tuple(sorted(kwargs.items())), MetaBox(meta), _divisions(divisions, n),
                   bool(enforce_metadata))
    return new_collection(node)


def from_delayed(dfs, meta=None, divisions=None, prefix=None, verify_meta=True):
    """One partition per dask Delayed (each computing a pandas DataFrame or Series).

    Parameters
    ----------
    dfs : Delayed or list of Delayed
    meta : optional
        The result's structure; by default the first value is computed once (as dask does).
    divisions : tuple or "sorted", optional
        Known index bounds; ``None``/``"sorted"``: unknown.
    verify_meta : bool
        Check each partition's kind and columns against ``meta``.
    """
    from dask.delayed import Delayed

    if isinstance(dfs, Delayed):
        dfs = [dfs]
    dfs = list(dfs)
    if not dfs:
        raise ValueError("from_delayed needs at least one Delayed")
    for d in dfs:
        if not isinstance(d, Delayed):
            raise TypeError(f"from_delayed expects dask Delayed objects, got {type(d).__name__}")
    meta = _meta_of(dfs[0].compute() if meta is None else meta)
    node = FromDelayedFrame(tuple(DelayedRef(d) for d in dfs), MetaBox(meta), _divisions(divisions, len(dfs)),
                            bool(verify_meta))
    return new_collection(node)


# ------------------------------------------------------------ arrays back
def to_dask_array(df, lengths=None, meta=None):
    """The values of a DataFrame (2-d) or Series (1-d) as an hlq.array, in the same plan.

    Parameters
    ----------
    lengths : True, sequence of int or None
        Rows per partition.  ``None``: taken from metadata (``from_pandas``,
        parquet without a remaining filter, arrays), else unknown (``nan``
        chunks, as in dask); ``True`` computes them (like dask).
    meta : numpy array, optional
        Its dtype is the array's (default: the dtype ``DataFrame.to_numpy`` gives).
    """
    # deferred: importing hlq.dataframe does not load hlq.array
    import hlq.array as ha

    node = df.node
    if lengths is True:
        lengths = tuple(int(v) for v in df.map_partitions(_part_len, meta=("len", "i8")).compute().tolist())
    elif lengths is None or lengths is False:
        lengths = node.lengths
        if lengths is None:  # unknown (nan) chunk sizes, like dask
            lengths = (np.nan,) * node.npartitions
    lengths = tuple(v if v != v else int(v) for v in lengths)
    dtype = np.dtype(meta.dtype) if getattr(meta, "dtype", None) is not None else node.meta.to_numpy().dtype
    return ha.Array(FrameToArray(node, lengths, dtype))


def _part_len(part):
    return pd.Series([len(part)], dtype="i8", name="len")
