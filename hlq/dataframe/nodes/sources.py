"""Dataframe sources: partitions of a pandas object, and parquet files read with pyarrow.

:class:`ReadParquet` reads one file per partition (or, after IO squashing,
a few consecutive files per partition) with
``pyarrow.parquet.read_table(path, columns=..., filters=...)``: only the
columns the plan needs, rows filtered by pyarrow (row groups whose
statistics exclude the filter are skipped by pyarrow).  Hive-partitioned
datasets (``key=value`` directories) expose their keys as categorical
columns; a filter on those keys is decided per file from its path, so
excluded files are never opened.  Metadata (schema, files, row counts,
per-column byte sizes) is read once per dataset and cached; optimizing a
plan never reads data.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> ddf = dd.from_pandas(pd.DataFrame({"a": range(10)}), npartitions=3)
>>> ddf.node.op_name, ddf.npartitions, ddf.divisions
('from-pandas', 3, (0, 4, 7, 9))
"""

from __future__ import annotations

import collections
import contextlib
import os
import threading

import numpy as np
import pandas as pd
from dask.utils import natural_sort_key

from hlq.dataframe.nodes.base import FrameNode, PandasLiteral, same_categories
from hlq.dataframe.nodes.colexpr import columns_of, to_text
from hlq.dataframe.nodes.pyarrow_filters import specialize, to_pyarrow

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
def _pyarrow_errors():
    import pyarrow as pa

    return (OSError, pa.ArrowException)


def _unified_schema(dataset_schema, file_schemas):
    """(the dataset's schema, per file the data schema to read it with or None).

    Files may store a column with different but compatible arrow types, e.g. an
    all-missing object column pandas writes as ``null`` next to ``string`` in
    the other files: the data columns take the type every file's type promotes
    to, and a file whose own schema differs is read with the unified one (so
    that filters compare like types and every partition has the declared
    dtypes).  Incompatible files keep pyarrow's dataset schema (the first
    file's)."""
    import pyarrow as pa

    try:
        data = pa.unify_schemas(file_schemas, promote_options="permissive")
    except (pa.ArrowException, TypeError, ValueError):
        return dataset_schema, (None,) * len(file_schemas)
    fields = list(data) + [f for f in dataset_schema if data.get_field_index(f.name) < 0]
    schema = pa.schema(fields, metadata=dataset_schema.metadata)
    read = tuple(None if fs.equals(data) else data for fs in file_schemas)
    return schema, read


def types_mapper(backend):
    """pyarrow's ``to_pandas(types_mapper=)`` for dask's ``dtype_backend`` (dask's own mapper)."""
    if backend is None:
        return None
    # deferred: dask.dataframe's parquet reader is only needed for a dtype_backend
    from dask.dataframe.dask_expr.io.parquet import _determine_type_mapper

    import pyarrow as pa  # deferred: as above

    base = _determine_type_mapper(user_types_mapper=None, dtype_backend=backend, pyarrow_strings_enabled=False)

    def mapper(t):  # strings (also pyarrow's large_string) become pandas' NA-backed pyarrow strings, as in dask
        if t in (pa.string(), pa.large_string()):
            return pd.StringDtype("pyarrow")
        return base(t)

    return mapper


class ParquetInfo:
    """Metadata of a parquet dataset, read once (footers only, never data) and cached.

    ``path`` is a file, a directory (hive ``key=value`` sub-directories become
    categorical columns) or a tuple of files.  Attributes: ``files`` (a
    directory's in natural order - ``part.2`` before ``part.10`` -, a tuple's in
    the order given),
    ``rows`` and ``col_bytes`` (uncompressed bytes per column) per file,
    ``partition_names`` and ``partition_values`` (per file, a dict), the
    pandas ``columns``/``dtypes`` of the dataset (partition keys last) and
    ``index_columns`` (stored index columns from the pandas metadata).
    """

    def __init__(self, path):
        import pyarrow.dataset as ds
        import pyarrow.parquet as pq

        self.path = path
        is_dir = isinstance(path, str) and os.path.isdir(path)
        partitioning = ds.HivePartitioning.discover(infer_dictionary=True) if is_dir else None
        try:
            dataset = ds.dataset(list(path) if isinstance(path, tuple) else path, format="parquet",
                                 partitioning=partitioning)
            frags = list(dataset.get_fragments())
            if isinstance(path, tuple):  # a list of files: read in the order given, as dask does
                order = {os.path.normpath(p): k for k, p in enumerate(path)}
                frags.sort(key=lambda f: order.get(os.path.normpath(f.path), len(order)))
            else:  # part.2 before part.10, as dask lists a directory
                frags.sort(key=lambda f: natural_sort_key(f.path))
        except _pyarrow_errors() as e:
            raise OSError(f"cannot open parquet dataset {path!r}: {e}") from e
        if not frags:
            raise FileNotFoundError(f"no parquet files found at {path!r}")
        self.files = tuple(f.path for f in frags)
        # taken before the footers are read: a file replaced meanwhile is seen as changed later
        self.file_stats = tuple(_file_stat(f) for f in self.files)
        self.footers = tuple(_footer_digest(f) for f in self.files)
        self.partition_values = tuple(ds.get_partition_keys(f.partition_expression) for f in frags)
        keys = set().union(*self.partition_values)
        pschema = dataset.partitioning.schema if (keys and dataset.partitioning is not None) else None
        self.partition_names = tuple(n for n in pschema.names if n in keys) if pschema is not None else ()
        rows, col_bytes, file_schemas = [], [], []
        for f in self.files:
            try:
                md = pq.read_metadata(f)
                file_schemas.append(md.schema.to_arrow_schema())
            except _pyarrow_errors() as e:  # a corrupt file: name it
                raise OSError(f"cannot read parquet metadata of {f!r}: {e}") from e
            rows.append(md.num_rows)
            sizes: dict = {}
            for g in range(md.num_row_groups):
                rg = md.row_group(g)
                for k in range(rg.num_columns):
                    c = rg.column(k)
                    top = c.path_in_schema.split(".")[0]
                    sizes[top] = sizes.get(top, 0) + c.total_uncompressed_size
            col_bytes.append(sizes)
        self.rows = tuple(rows)
        self.col_bytes = tuple(col_bytes)
        self.schema, self.read_schemas = _unified_schema(dataset.schema, file_schemas)
        pmeta = self.schema.pandas_metadata or {}
        self.index_columns = tuple(c for c in pmeta.get("index_columns", ()) if isinstance(c, str))
        meta = self.schema.empty_table().to_pandas()
        cats = {}
        if pschema is not None:
            for name, values in zip(pschema.names, dataset.partitioning.dictionaries):
                if name in keys:
                    cats[name] = pd.CategoricalDtype(values.to_pandas() if values is not None else [])
        data_cols = [c for c in meta.columns if not str(c).startswith("__index_level_") and c not in cats]
        self.columns = tuple(data_cols) + self.partition_names
        self.dtypes = tuple(meta[c].dtype for c in data_cols) + tuple(cats[n] for n in self.partition_names)
        self.dtype_map = dict(zip(self.columns, self.dtypes))
        if len(self.index_columns) == 1 and self.index_columns[0] not in self.dtype_map:
            self.dtype_map[self.index_columns[0]] = meta.index.dtype  # a stored index: readable as index=
        self.file_bytes = tuple(sum(s.values()) for s in self.col_bytes)

    def backend_dtype_map(self, backend):
        """``dtype_map`` with the data columns (and a stored index) in the dtypes of ``dtype_backend``
        ``backend`` (``"numpy_nullable"`` or ``"pyarrow"``; None: ``dtype_map``), as dask's reader
        converts them (cached per backend)."""
        if backend is None:
            return self.dtype_map
        cache = self.__dict__.setdefault("_backend_dtype_maps", {})
        if backend not in cache:
            meta = self.schema.empty_table().to_pandas(types_mapper=types_mapper(backend))
            out = dict(self.dtype_map)
            for c in self.columns:
                if c not in self.partition_names and c in meta.columns:
                    out[c] = meta[c].dtype
            if len(self.index_columns) == 1:
                ic = self.index_columns[0]
                out[ic] = meta[ic].dtype if ic in meta.columns else meta.index.dtype
            cache[backend] = out
        return cache[backend]

    def estimated_bytes(self, i: int, columns) -> int:
        """Uncompressed bytes of ``columns`` in file ``i`` (partition keys: 8 bytes a row)."""
        sizes = self.col_bytes[i]
        pn = self.partition_names
        return sum(8 * self.rows[i] if c in pn else sizes.get(c, 0) for c in columns)

    @property
    def nbytes(self) -> int:
        """An estimate of the memory this object holds (footer bytes it was derived from, plus
        a constant per file and per column)."""
        return (sum(size for size, _ in self.footers) + 256 * len(self.files)
                + 64 * len(self.columns) * (1 + len(self.files)))

    def __dask_tokenize__(self):
        return ("parquet-info", self.path, self.files, self.rows, tuple(d for _, d in self.footers))

    def __repr__(self):
        return f"ParquetInfo({self.path!r}, {len(self.files)} files)"


#: upper bound of the estimated bytes (:attr:`ParquetInfo.nbytes`) the metadata cache holds;
#: least recently used datasets are dropped first
INFO_CACHE_BYTES = 64 * 2**20

_INFO_CACHE: collections.OrderedDict = collections.OrderedDict()  # path -> (dir stamp, ParquetInfo)
_INFO_LOCK = threading.Lock()


def _stamp(p):
    """For a directory, the modification times of it and of every sub-directory (a file added
    or removed anywhere in a hive tree changes one of them); None for a file (whose own
    changes :func:`_file_stat` and :func:`_footer_digest` see)."""
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise FileNotFoundError(f"parquet path {p!r} does not exist") from None
    if not os.path.isdir(p):
        return None
    out = [st.st_mtime_ns]
    for root, dirs, _ in os.walk(p):
        dirs.sort()
        out.extend(os.stat(os.path.join(root, d)).st_mtime_ns for d in dirs)
    return tuple(out)


def _file_stat(f):
    """What ``stat`` says about a data file: size, modification and change times, inode.
    ``cp -p``/``rsync -a`` keep the modification time but not the change time or inode."""
    try:
        st = os.stat(f)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _footer_digest(f):
    """(footer size, a digest of the footer bytes) of a parquet file: the footer holds the
    schema, row counts and statistics the metadata comes from."""
    import hashlib

    try:
        with open(f, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            if size < 12:
                fh.seek(0)
                return (size, hashlib.blake2b(fh.read(), digest_size=16).hexdigest())
            fh.seek(size - 8)
            tail = fh.read(8)
            n = int.from_bytes(tail[:4], "little")
            n = min(n, size - 8) if tail[4:] == b"PAR1" else min(size - 8, 2**16)
            fh.seek(size - 8 - n)
            return (n + 8, hashlib.blake2b(fh.read(n) + tail, digest_size=16).hexdigest())
    except OSError:
        return (0, None)


def _still_valid(info) -> bool:
    """Whether every file of ``info`` is unchanged: same ``stat``, or, where ``stat`` differs
    (a touch, a copy), the same footer bytes (then the new ``stat`` is remembered)."""
    stats = list(info.file_stats)
    changed = False
    for i, f in enumerate(info.files):
        st = _file_stat(f)
        if st == stats[i]:
            continue
        if st is None or _footer_digest(f) != info.footers[i]:
            return False
        stats[i] = st
        changed = True
    if changed:
        info.file_stats = tuple(stats)
    return True


def parquet_info(path) -> ParquetInfo:
    """The (cached) :class:`ParquetInfo` of a file, directory or list of files.

    The cache holds one entry per path (absolute path(s)), valid while the
    modification times of the path (and of its sub-directories) are unchanged
    and every data file is unchanged: its size, modification/change time and
    inode, or else the bytes of its parquet footer.  A file replaced keeping
    its modification time is read again; entries are dropped least recently
    used first beyond :data:`INFO_CACHE_BYTES`.
    """
    if isinstance(path, (list, tuple)):
        path = tuple(os.path.abspath(os.fspath(p)) for p in path)
        if not path:
            raise ValueError("read_parquet needs at least one path")
        stamp = tuple(_stamp(p) for p in path)
    else:
        path = os.path.abspath(os.fspath(path))
        stamp = _stamp(path)
    with _INFO_LOCK:
        hit = _INFO_CACHE.get(path)
        if hit is not None and hit[0] == stamp and _still_valid(hit[1]):
            _INFO_CACHE.move_to_end(path)
            return hit[1]
        _INFO_CACHE.pop(path, None)
        info = ParquetInfo(path)
        _INFO_CACHE[path] = (stamp, info)
        total = sum(i.nbytes for _, i in _INFO_CACHE.values())
        while total > INFO_CACHE_BYTES and len(_INFO_CACHE) > 1:
            _, (_, old) = _INFO_CACHE.popitem(last=False)
            total -= old.nbytes
    return info


def index_ranges(info, col):
    """Per file of ``info``, the ``(min, max)`` of column ``col`` from its row-group statistics
    (footers only), as pandas gives index values (``pd.Timestamp`` for timestamps), None for a
    file without rows; None when a non-empty file lacks usable statistics (none, missing values, floating point) or the files are not in
    ascending non-overlapping order of ``col``.  Computed once per dataset and column."""
    cache = info.__dict__.setdefault("_index_ranges", {})
    if col not in cache:
        cache[col] = _index_ranges(info, col)
    return cache[col]


def _index_ranges(info, col):
    import pyarrow.parquet as pq

    lows, highs, empty = [], [], []
    for f in info.files:
        md = pq.ParquetFile(f).metadata
        if md.num_rows == 0:  # no values, no statistics: no range
            empty.append(True)
            continue
        empty.append(False)
        names = [md.schema.column(j).name for j in range(md.num_columns)]
        if col not in names:
            return None
        j = names.index(col)
        mins, maxs = [], []
        for g in range(md.num_row_groups):
            cmd = md.row_group(g).column(j)
            st = cmd.statistics
            # no statistics, missing values, or floats (NaN is not in min/max): not usable
            if st is None or not st.has_min_max or st.null_count or cmd.physical_type in ("FLOAT", "DOUBLE"):
                return None
            mins.append(st.min)
            maxs.append(st.max)
        if not mins:
            return None
        lows.append(min(mins))
        highs.append(max(maxs))
    try:
        if any(not highs[i] < lows[i + 1] for i in range(len(lows) - 1)):
            return None
    except TypeError:
        return None
    if not lows:
        return None
    dtype = info.dtype_map.get(col)
    ranges = iter(zip(_as_pandas_values(lows, dtype), _as_pandas_values(highs, dtype)))
    return tuple(None if e else next(ranges) for e in empty)


def column_ranges(info, col):
    """Per file of ``info``, the ``(min, max)`` of column ``col`` over its row groups' statistics
    (as pandas gives values), or None for a file where some row group has none (footers only;
    computed once per dataset and column; missing values are ignored, as filters drop them)."""
    cache = info.__dict__.setdefault("_column_ranges", {})
    if col not in cache:
        cache[col] = _column_ranges(info, col)
    return cache[col]


def _column_ranges(info, col):
    import pyarrow.parquet as pq

    out = []
    dtype = info.dtype_map.get(col)
    for f in info.files:
        md = pq.ParquetFile(f).metadata
        names = [md.schema.column(j).name for j in range(md.num_columns)]
        if col not in names or md.num_row_groups == 0:
            out.append(None)
            continue
        j = names.index(col)
        mins, maxs = [], []
        for g in range(md.num_row_groups):
            st = md.row_group(g).column(j).statistics
            if st is None or not st.has_min_max:
                if st is not None and md.row_group(g).num_rows == st.null_count:
                    continue  # only missing values: no row can match a comparison
                mins = None
                break
            mins.append(st.min)
            maxs.append(st.max)
        if not mins:
            out.append(None if mins is None else ("empty",))
            continue
        try:
            lo, hi = min(mins), max(maxs)
        except TypeError:
            out.append(None)
            continue
        out.append(_as_pandas_values((lo, hi), dtype))
    return tuple(out)


def _as_pandas_values(values, dtype):
    """Statistics values as pandas gives index values: ``pd.Timestamp`` (in the column's time
    zone) for timestamp columns, where pyarrow gives ``datetime.datetime``."""
    import datetime

    if not any(isinstance(d, datetime.datetime) for d in values):
        return tuple(values)
    tz = getattr(dtype, "tz", None)
    out = []
    for d in values:
        t = pd.Timestamp(d)
        if tz is not None:
            t = t.tz_localize("UTC").tz_convert(tz) if t.tz is None else t.tz_convert(tz)
        out.append(t)
    return tuple(out)


DEFAULT_BLOCKSIZE = 128 * 2**20


class ReadParquet(FrameNode):
    """Read files of a parquet dataset.

    Fields: ``info`` (:class:`ParquetInfo`), ``columns_`` (None: all),
    ``filter`` (a column expression, pushed to pyarrow; terms on hive
    partition keys are decided per file from its path, and files they
    exclude are dropped), ``index`` (a column to use as the index; False:
    a default index), ``parts`` (indices into ``info.files``; None: all),
    ``groups`` (None: one file per partition; else a tuple of tuples of file
    indices, one per partition - set by IO squashing) and ``blocksize``
    (the squashing target, bytes per partition; None: never squash) and
    ``file_ranges`` (per file of ``info.files``, the ``(min, max)`` of the index
    column from the row-group statistics, files in ascending non-overlapping
    order - see :func:`index_ranges`; None: unknown divisions).  With
    ``file_ranges`` the partitions of single files have known divisions: the
    first file's minimum per partition, then the next file's minimum (the last
    file's maximum at the end of the dataset); a read including a file without
    rows has unknown divisions.
    """

    _fields = ("info", "columns_", "filter", "index", "parts", "groups", "blocksize", "file_ranges", "dtype_backend")
    _defaults = {"columns_": None, "filter": None, "index": None, "parts": None, "groups": None,
                 "blocksize": DEFAULT_BLOCKSIZE, "file_ranges": None, "dtype_backend": None}
    op_name = "read-parquet"
    is_blockwise = True
    bw_has_arg = True
    bw_inputs = ()

    def _props(self):
        info = self.info
        dmap = info.backend_dtype_map(self.dtype_backend)
        idx = self.index if isinstance(self.index, str) else None
        cols = tuple(c for c in info.columns if c != idx) if self.columns_ is None else self.columns_
        for c in cols:
            if c not in dmap:
                raise KeyError(f"column {c!r} not in parquet dataset {info.path!r}; columns are {list(info.columns)}")
        if idx is not None and idx not in dmap:
            raise KeyError(f"index column {idx!r} not in parquet dataset {info.path!r}")
        candidates = range(len(info.files)) if self.parts is None else self.parts
        file_filters = {}
        kept = []
        pn = info.partition_names
        for i in candidates:
            f = self.filter
            if f is not None and pn:
                f = specialize(f, info.partition_values[i], pn)
                if f is True:
                    f = None
            if f is not False:
                file_filters[i] = f
                kept.append(i)
        # a pruned file stays an (empty, never read) partition, so that the partition count
        # does not change under optimization; IO squashing drops such partitions where allowed
        groups = tuple((i,) if i in file_filters else () for i in candidates) if self.groups is None else self.groups
        exact = all(f is None for f in file_filters.values())
        lengths = tuple(sum(info.rows[i] for i in g if i in file_filters) for g in groups) if exact else None
        n = len(groups)
        divisions = (None,) * (n + 1)
        ranges = self.file_ranges
        if ranges is not None and self.groups is None and n:
            files = list(candidates)
            if all(ranges[i] is not None for i in files) and all(
                    ranges[a][1] < ranges[b][0] for a, b in zip(files, files[1:])):
                # the upper bound: the next file's minimum when there is one (the division a
                # partition selection of the whole read has), else the last file's maximum
                last = files[-1]
                upper = next((r[0] for r in ranges[last + 1:] if r is not None), ranges[last][1])
                divisions = tuple(ranges[i][0] for i in files) + (upper,)
        return {"kind": "frame", "columns": cols, "dtypes": tuple(dmap[c] for c in cols),
                "divisions": divisions, "lengths": lengths, "kept_files": tuple(kept),
                "file_filters": file_filters, "file_groups": groups}

    def _extra_props(self):
        return {"bw_func": _read_group}

    @property
    def max_rows(self) -> int:
        """Rows in the files read (an upper bound when a filter remains)."""
        return sum(self.info.rows[i] for i in self.kept_files)

    @property
    def estimated_bytes(self) -> int:
        """Uncompressed bytes of the columns decoded (read or filtered on), over the files read
        (from the footers)."""
        cols = self.decoded_columns
        return sum(self.info.estimated_bytes(i, cols) for i in self.kept_files)

    @property
    def decoded_columns(self) -> tuple:
        """The columns pyarrow decodes: those read plus those the pushed filter compares."""
        cols = self.read_columns
        if self.filter is None:
            return cols
        extra = columns_of(self.filter) - set(cols) - set(self.info.partition_names)
        return cols + tuple(c for c in self.info.columns if c in extra)

    @property
    def read_columns(self) -> tuple:
        """The columns taken from the files (the frame's columns plus the index column)."""
        return self.columns + ((self.index,) if isinstance(self.index, str) else ())

    def bw_block_arg(self, idx):
        info = self.info
        cols = self.columns
        index = self.index
        pn = info.partition_names
        pcats = tuple((c, info.dtype_map[c]) for c in self.read_columns if c in pn)
        ff = self.file_filters
        files = tuple((info.files[i], ff[i], info.partition_values[i], info.read_schemas[i])
                      for i in self.file_groups[idx[0]] if i in ff)  # (files the filter prunes are not read)
        if not files:  # a partition pruned by the filter: its schema, no IO
            dm = info.backend_dtype_map(self.dtype_backend)
            return ((), cols, index, tuple((c, dm[c]) for c in self.read_columns))
        if self.dtype_backend is not None:
            return (files, cols, index, pcats, self.dtype_backend)
        return (files, cols, index, pcats)

    def label(self):
        info = self.info
        nf = len(info.files)
        k = len(self.kept_files)
        parts = f"{k}" if k == nf else f"{k}/{nf}"
        s = f"read-parquet(columns {len(self.columns)}/{len(info.columns)}, files {parts}"
        if self.npartitions != k:
            s += f" in {self.npartitions} partitions"
        if self.filter is not None:
            s += f", filter {to_text(self.filter)}"
        return s + ")"

    def describe(self) -> str:
        from dask.utils import format_bytes

        rows = "" if self.lengths is not None else f" rows<={self.max_rows}"
        return super().describe() + f"{rows} est_bytes={format_bytes(self.estimated_bytes)}"


_LOGS: list = []


@contextlib.contextmanager
def recording(logs: list):
    """Yield a new list that is in ``logs`` while the block runs (readers append what they read
    to every list in ``logs``; tests count reads with it)."""
    log: list = []
    logs.append(log)
    try:
        yield log
    finally:
        logs.remove(log)


def read_log():
    """Record every parquet file read in this process: a list of ``(file, columns, filter)``."""
    return recording(_LOGS)


def _read_group(arg):
    files, columns, index, pcats = arg[:4]
    backend = arg[4] if len(arg) > 4 else None
    if not files:
        df = pd.DataFrame({c: pd.Series([], dtype=d) for c, d in pcats})
        if isinstance(index, str):
            df = df.set_index(index)
            if index.startswith("__index_level_"):
                df.index.name = None
        return df
    if len(files) == 1:
        path, filt, pvals, schema = files[0]
        return _read_file(path, filt, pvals, columns, index, pcats, schema=schema, backend=backend)
    # several small files in one task: arrow's own threads would only compete with the scheduler's
    frames = [_read_file(path, filt, pvals, columns, index, pcats, False, schema, backend)
              for path, filt, pvals, schema in files]
    return pd.concat(same_categories(frames))


def _read_file(path, filt, pvals, columns, index, pcats, use_threads=True, schema=None, backend=None):
    import pyarrow.parquet as pq

    pnames = {c for c, _ in pcats}
    want = list(columns) + ([index] if isinstance(index, str) and index not in columns else [])
    data_cols = [c for c in want if c not in pnames]
    for log in _LOGS:
        log.append((path, tuple(data_cols), filt))
    try:
        table = pq.read_table(path, columns=data_cols, filters=None if filt is None else to_pyarrow(filt),
                              use_threads=use_threads, schema=schema)
    except FileNotFoundError:
        raise FileNotFoundError(f"parquet file {path!r} is missing") from None
    except _pyarrow_errors() as e:
        raise OSError(f"cannot read parquet file {path!r}: {e}") from e
    df = table.to_pandas(types_mapper=types_mapper(backend))
    if len(df.columns) == 0 and len(df) != table.num_rows:
        df = pd.DataFrame(index=pd.RangeIndex(table.num_rows))
    for c, dtype in pcats:
        df[c] = pd.Categorical([pvals[c]] * len(df), dtype=dtype)
    if index is False:
        df = df.reset_index(drop=True)
    elif isinstance(index, str):
        if index in df.columns:
            df = df.set_index(index)
        if index.startswith("__index_level_"):  # pandas' name for an unnamed stored index
            df.index.name = None
    return df[list(columns)] if list(df.columns) != list(columns) else df


del np
