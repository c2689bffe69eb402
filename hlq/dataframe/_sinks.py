"""Writing dataframes: ``to_parquet`` (atomic: all files or nothing) and ``to_csv``.

Both build one dask graph - the optimized, fused plan of the frame plus one
write task per partition - and run it on a real dask scheduler (the
default one, or ``compute_kwargs={"scheduler": ...}``); ``compute=False``
returns a :class:`dask.delayed.Delayed` instead.

``to_parquet`` writes into a hidden temporary directory next to the target
and renames it into place only after every partition is written, so a
failing partition leaves no partial dataset behind (the temporary directory
is removed; with ``compute=False`` a failed computation can leave the hidden
directory, which the next ``to_parquet`` to the same target removes).  Unlike dask, which writes into the target as it goes, writing
into an existing non-empty directory needs ``overwrite=True``.

>>> import pandas as pd, tempfile, os
>>> import hlq.dataframe as dd
>>> df = dd.from_pandas(pd.DataFrame({"a": range(6), "b": list("uvwxyz")}), npartitions=3)
>>> out = os.path.join(tempfile.mkdtemp(), "out")
>>> df.to_parquet(out)
>>> sorted(os.listdir(out))
['part.0.parquet', 'part.1.parquet', 'part.2.parquet']
>>> dd.read_parquet(out).compute().b.tolist()
['u', 'v', 'w', 'x', 'y', 'z']
"""

from __future__ import annotations

import glob
import os
import shutil
import uuid

import pandas as pd
from dask._task_spec import DataNode, Task, TaskRef
from dask.delayed import Delayed
from hlq.dataframe._core import Series
from hlq.dataframe.nodes.sources import index_ranges, parquet_info, ReadParquet

__all__ = ["to_parquet", "to_csv"]


def _flat_keys(df):
    return [tuple(k) for k in df.__dask_keys__()]


def _run(graph, key, compute, compute_kwargs):
    out = Delayed(key, graph)
    if compute:
        return out.compute(**(compute_kwargs or {}))
    return out


# ------------------------------------------------------------------ parquet
def _default_parquet_name(i):
    return f"part.{i}.parquet"


def _prepare_dir(tmp):
    os.makedirs(tmp)
    return tmp


_NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"  # the usual directory name of a missing key


def _arrow_table(df, write_index, schema):
    """``df`` as a pyarrow table with pandas metadata; ``schema`` (None or a dict name -> field)
    gives the types of the columns it names, the others are inferred from ``df``."""
    import pyarrow as pa

    if not schema:
        return pa.Table.from_pandas(df, preserve_index=write_index)
    inferred = pa.Schema.from_pandas(df, preserve_index=write_index)
    fields = [schema.get(f.name, f) for f in inferred]
    return pa.Table.from_pandas(df, schema=pa.schema(fields), preserve_index=write_index)


def _write_table(table, path, custom_metadata, kwargs):
    """Write ``table`` to the new file ``path``; its footer metadata."""
    import pyarrow.parquet as pq

    if custom_metadata:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), **custom_metadata})
    collected = []
    with open(path, "xb") as f:  # never recreates a removed temporary directory
        pq.write_table(table, f, metadata_collector=collected, **kwargs)
    return collected[0]


def _write_parquet_part(part, tmp, name, write_index, options):
    """Write one partition: the file ``name`` in ``tmp``, or with ``partition_on`` one file
    ``name`` per key combination in ``key=value`` sub-directories.  Returns the written files
    as ``(path relative to tmp, footer metadata)``."""
    opts = dict(options)
    partition_on = opts.pop("partition_on")
    schema = dict(opts.pop("schema") or ())
    custom_metadata = dict(opts.pop("custom_metadata") or ())
    written = []
    try:
        if not partition_on:
            path = os.path.join(tmp, name)
            written.append((name, path))
            md = _write_table(_arrow_table(part, write_index, schema), path, custom_metadata, opts)
            md.set_file_path(name)
            return ((name, md),)
        data = part.drop(columns=list(partition_on))
        if len(data.columns) == 0 and not write_index:
            raise ValueError("No data left to save outside partition columns")
        keys = [part[c] for c in partition_on]
        out = []
        for values, sub in data.groupby(keys if len(keys) > 1 else keys[0], dropna=False, observed=True, sort=True):
            values = values if isinstance(values, tuple) else (values,)
            subdir = "/".join(f"{c}={_NULL_PARTITION if pd.isna(v) else v}" for c, v in zip(partition_on, values))
            os.makedirs(os.path.join(tmp, *subdir.split("/")), exist_ok=True)
            rel = f"{subdir}/{name}"
            path = os.path.join(tmp, *rel.split("/"))
            written.append((rel, path))
            md = _write_table(_arrow_table(sub, write_index, schema), path, custom_metadata, opts)
            md.set_file_path(rel)
            out.append((rel, md))
        return tuple(out)
    except BaseException:
        # only this partition's own files go: removing the whole temporary directory here
        # would make the partitions still being written fail with FileNotFoundError, and
        # the scheduler could report one of those instead of this (the real) error
        for _, path in written:
            try:
                os.remove(path)
            except OSError:
                pass
        raise


def _write_metadata_files(root, written, previous=None):
    """``_common_metadata`` (the schema) and ``_metadata`` (every file's row groups, after
    those of ``previous``, the ``_metadata`` of the dataset appended to) in ``root``."""
    import pyarrow.parquet as pq

    mds = [md for files in written for _, md in files]
    if not mds and previous is None:
        return
    first = previous if previous is not None else mds.pop(0)
    for md in mds:
        first.append_row_groups(md)
    pq.write_metadata(first.schema.to_arrow_schema(), os.path.join(root, "_common_metadata"))
    first.write_metadata_file(os.path.join(root, "_metadata"))


_DATASET_EXTRA_FILES = ("_SUCCESS",)


def _not_a_dataset_entry(path):
    """The first entry under the directory ``path`` that is not part of a parquet dataset, or None.

    A parquet dataset (as hlq, dask and pyarrow write it) holds parquet files
    (``PAR1`` magic, any name: ``name_function`` chooses them), ``_metadata`` /
    ``_common_metadata`` (parquet files too), an empty ``_SUCCESS`` marker and
    ``key=value`` hive partition directories holding the same.  Iterative walk.
    """
    stack = [path]
    while stack:
        d = stack.pop()
        with os.scandir(d) as it:
            for e in it:
                if e.is_symlink():
                    return e.path
                if e.is_dir():
                    if "=" not in e.name:
                        return e.path
                    stack.append(e.path)
                    continue
                if e.name in _DATASET_EXTRA_FILES and e.stat().st_size == 0:
                    continue
                try:
                    with open(e.path, "rb") as f:
                        magic = f.read(4)
                except OSError:
                    return e.path
                if magic != b"PAR1":
                    return e.path
    return None


def check_overwritable(path):
    """Raise ``ValueError`` unless ``overwrite=True`` may delete the directory ``path``.

    Refused, whatever it holds: the current working directory (dask's message),
    any directory containing it, the home directory and its parents, and the
    filesystem root.  Refused too: a directory holding anything that is not a
    parquet dataset (see :func:`_not_a_dataset_entry`), so that a mistyped path
    never deletes unrelated files.  A path that does not exist passes.
    """
    real = os.path.realpath(path)
    if not os.path.lexists(path):
        return
    cwd = os.path.realpath(os.getcwd())
    home = os.path.realpath(os.path.expanduser("~"))
    if real == os.path.dirname(real):
        raise ValueError(f"Cannot clear the filesystem root ({path!r})!")
    if real == cwd:
        raise ValueError("Cannot clear the contents of the current working directory!")
    if cwd.startswith(real.rstrip(os.sep) + os.sep):
        raise ValueError(f"Cannot clear {path!r}: it contains the current working directory!")
    if real == home or home.startswith(real.rstrip(os.sep) + os.sep):
        raise ValueError(f"Cannot clear {path!r}: it is or contains the home directory!")
    if os.path.islink(path) or not os.path.isdir(real):
        raise ValueError(f"Cannot clear {path!r}: not a dataset directory")
    bad = _not_a_dataset_entry(real)
    if bad is not None:
        raise ValueError(
            f"Cannot clear {path!r}: it holds {bad!r}, which is not part of a parquet dataset "
            "(overwrite=True only replaces a directory of parquet files)"
        )


def _commit_dir(tmp, target, overwrite, metadata_file, *written):
    if metadata_file:
        try:
            _write_metadata_files(tmp, written)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    if os.path.exists(target):
        if overwrite:
            try:
                check_overwritable(target)  # again: the directory may have changed since the graph was built
            except ValueError:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            shutil.rmtree(target)
        elif os.listdir(target):
            shutil.rmtree(tmp, ignore_errors=True)
            raise FileExistsError(f"{target!r} is not empty (written meanwhile); pass overwrite=True")
        else:
            os.rmdir(target)
    os.replace(tmp, target)
    return None


def _dataset_files(path):
    """Relative paths of the data files of the dataset directory ``path`` (``key=value``
    sub-directories included; names starting with ``_`` or ``.`` are not data)."""
    out, stack = [], [""]
    while stack:
        rel = stack.pop()
        with os.scandir(os.path.join(path, rel)) as it:
            for e in it:
                if e.name.startswith(("_", ".")):
                    continue
                r = f"{rel}/{e.name}" if rel else e.name
                if e.is_dir():
                    stack.append(r)
                elif e.is_file():
                    out.append(r)
    return sorted(out)


def _append_offset(path, df, write_index, partition_on, check_divisions):
    """The first partition number of an append to the dataset ``path`` (after its ``part.N``
    files); ``ValueError`` when the dataset's columns differ from ``df``'s, or (with
    ``check_divisions``) when its stored index reaches into ``df``'s divisions (dask's messages)."""
    import re

    # deferred: pyarrow is needed only when writing parquet
    import pyarrow.parquet as pq

    files = _dataset_files(path)
    numbers = [int(m.group(1)) for f in files if (m := re.fullmatch(r"part\.(\d+)\.parquet", f.split("/")[-1]))]
    if files:
        schema = pq.read_schema(os.path.join(path, *files[0].split("/")))
        meta = schema.pandas_metadata or {}
        index_fields = {x for x in meta.get("index_columns", []) if isinstance(x, str)}
        if meta:
            previous = [c["name"] for c in meta.get("columns", []) if c.get("field_name") not in index_fields]
        else:
            previous = list(schema.names)
        new = [str(c) for c in df.columns if c not in partition_on]
        if [str(c) for c in previous] != new:
            raise ValueError(f"Appended columns not the same.\nPrevious: {previous} | New: {new}")
        if check_divisions and write_index and index_fields:
            info = parquet_info(path)
            ranges = index_ranges(info, info.index_columns[0]) if len(info.index_columns) == 1 else None
            if ranges is not None:
                last, first = ranges[-1][1], df.divisions[0]
                try:
                    overlap = bool(last >= first)
                except TypeError:
                    overlap = False
                if overlap:
                    raise ValueError(
                        f"The divisions of the appended data overlap with previously written divisions "
                        f"(previous maximum {last!r}, new minimum {first!r}); pass ignore_divisions=True "
                        "to append anyway")
    return max(numbers) + 1 if numbers else len(files)


def _commit_append(tmp, target, metadata_file, *written):
    rels = [rel for files in written for rel, _ in files]
    for rel in rels:
        dest = os.path.join(target, *rel.split("/"))
        if os.path.exists(dest):
            shutil.rmtree(tmp, ignore_errors=True)
            raise FileExistsError(f"append: {dest!r} was written meanwhile")
    if metadata_file:
        import pyarrow.parquet as pq  # deferred: pyarrow is needed only when writing parquet

        old = os.path.join(target, "_metadata")
        try:
            _write_metadata_files(tmp, written, pq.read_metadata(old) if os.path.exists(old) else None)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        rels += ["_common_metadata", "_metadata"]
    for rel in rels:
        dest = os.path.join(target, *rel.split("/"))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        os.replace(os.path.join(tmp, *rel.split("/")), dest)
    shutil.rmtree(tmp, ignore_errors=True)  # the emptied key=value directories
    return None


def to_parquet(df, path, compression="snappy", write_index=True, append=False, overwrite=False,
               ignore_divisions=False, partition_on=None, storage_options=None, custom_metadata=None,
               write_metadata_file=None, compute=True, compute_kwargs=None, schema="infer",
               name_function=None, filesystem=None, engine="pyarrow", **kwargs):
    """Write one parquet file per partition into the directory ``path``, atomically.

    Parameters
    ----------
    df : hlq.dataframe.DataFrame or Series
    path : str
        The dataset directory (created).
    compression : str or dict, default "snappy"
        pyarrow's codec name, or one per column.
    write_index : bool
        Store the index (pandas' ``index=True``) or drop it.
    append : bool
        Add the partitions as new files to an existing dataset (same columns
        required); cannot be combined with ``overwrite``.  Nothing already in the
        dataset is removed or rewritten except its ``_metadata``/``_common_metadata``.
    overwrite : bool
        Replace an existing non-empty directory (else FileExistsError).  Only a
        directory of parquet files is replaced: the working directory, its
        parents, the home directory, the filesystem root and directories
        holding other files raise ``ValueError`` and nothing is deleted.
    ignore_divisions : bool
        With ``append``: do not check that the appended index values come after the
        stored ones (``ValueError`` otherwise, when both are known).
    partition_on : str or list of str, optional
        Hive partitioning: each partition's rows go to one file per value
        combination of these columns, in ``column=value`` directories (missing
        values: ``__HIVE_DEFAULT_PARTITION__``); the columns are not stored in
        the files.  ``read_parquet`` gives them back as categoricals.
    storage_options : None
        Local paths only.
    custom_metadata : dict, optional
        Key/value pairs added to every file footer (and ``_metadata``); no ``b"pandas"`` key.
    write_metadata_file : bool, optional
        Also write ``_metadata`` (every file's row groups) and ``_common_metadata``
        (the schema).  Default: only when appending to a dataset that has one.
    compute : bool
        Write now (returns None) or return a Delayed that writes.
    compute_kwargs : dict, optional
        For ``compute`` (e.g. ``{"scheduler": "sync"}``).
    schema : "infer", None, dict or pyarrow.Schema
        "infer"/None: each file's types from its partition (``read_parquet``
        reconciles compatible types across files); a dict of column name to
        pyarrow type or a schema: those columns' types, the others inferred.
    name_function : callable, optional
        ``i -> file name`` (default ``part.{i}.parquet``).
    filesystem : None
        Local paths only.
    **kwargs
        Passed to :func:`pyarrow.parquet.write_table` (e.g. ``row_group_size``).
    """
    if engine not in ("pyarrow", "auto", None):
        raise ValueError("hlq.dataframe.to_parquet supports engine='pyarrow' only")
    if storage_options or filesystem not in (None, "fsspec", "arrow"):
        raise NotImplementedError("to_parquet(storage_options=/filesystem=): hlq.dataframe writes local "
                                  "files only; write locally and copy, or use dask.dataframe.to_parquet")
    if append and overwrite:
        raise ValueError("Cannot use both `overwrite=True` and `append=True`!")
    if name_function is not None and not callable(name_function):
        raise ValueError("``name_function`` must be a callable with one argument.")
    path = os.fspath(path)
    if "://" in path:
        proto, rest = path.split("://", 1)
        if proto not in ("file", "local"):
            raise NotImplementedError(f"to_parquet({path!r}): hlq.dataframe writes local files only; "
                                      "write locally and copy, or use dask.dataframe.to_parquet")
        path = rest
    path = os.path.abspath(path)
    if isinstance(df, Series):
        df = df.to_frame()
    partition_on = [partition_on] if isinstance(partition_on, str) else list(partition_on or ())
    if set(partition_on) - set(df.columns):
        raise ValueError(f"Partitioning on non-existent column. partition_on={partition_on} ."
                         f"columns={list(df.columns)}")
    if df.columns.inferred_type not in ("string", "empty"):
        raise ValueError("parquet doesn't support non-string column names")
    if custom_metadata and b"pandas" in custom_metadata:
        raise ValueError("User-defined key/value metadata (custom_metadata) can not contain a b'pandas' key: "
                         "pandas reserves it")
    if overwrite:
        check_overwritable(path)
        _check_not_reading(df, path)
    if os.path.exists(path) and not os.path.isdir(path):
        raise NotADirectoryError(f"to_parquet writes a directory, and {path!r} is a file")
    offset = 0
    appending = bool(append) and os.path.isdir(path) and bool(os.listdir(path))
    if appending:
        offset = _append_offset(path, df, write_index, partition_on,
                                not ignore_divisions and df.known_divisions)
        if write_metadata_file is None:
            write_metadata_file = os.path.exists(os.path.join(path, "_metadata"))
    elif os.path.isdir(path) and os.listdir(path) and not overwrite:
        raise FileExistsError(f"{path!r} is not empty; pass overwrite=True to replace it")
    names = [(name_function or _default_parquet_name)(i + offset) for i in range(df.npartitions)]
    if len(set(names)) != len(names):
        raise ValueError("``name_function`` must produce unique filenames.")
    if appending:
        existing = set(_dataset_files(path))
        taken = sorted(n for n in existing if n.split("/")[-1] in set(names))
        if taken:
            raise FileExistsError(f"append: {path!r} already holds {taken[:3]}")
    options = _write_options(df, schema, partition_on, custom_metadata, compression, kwargs)
    parent, base = os.path.split(path)
    tmp = os.path.join(parent, f".{base}.hlq-tmp-{uuid.uuid4().hex[:12]}")
    graph = dict(df.__dask_graph__())
    token = uuid.uuid4().hex[:12]
    prep = f"to-parquet-prepare-{token}"
    if compute:
        # made here, not in a task: a task still queued on a thread pool when another
        # partition fails would create it again after the cleanup below
        for old in glob.glob(os.path.join(glob.escape(parent), f".{glob.escape(base)}.hlq-tmp-*")):
            shutil.rmtree(old, ignore_errors=True)  # left by a failed compute=False write
        os.makedirs(tmp)
        graph[prep] = DataNode(prep, tmp)
    else:
        graph[prep] = Task(prep, _prepare_dir, tmp)
    writes = []
    for i, (k, name) in enumerate(zip(_flat_keys(df), names)):
        wk = (f"to-parquet-write-{token}", i)
        graph[wk] = Task(wk, _write_parquet_part, TaskRef(k), TaskRef(prep), name, bool(write_index), options)
        writes.append(TaskRef(wk))
    final = f"to-parquet-commit-{token}"
    if appending:
        graph[final] = Task(final, _commit_append, tmp, path, bool(write_metadata_file), *writes)
    else:
        graph[final] = Task(final, _commit_dir, tmp, path, bool(overwrite), bool(write_metadata_file), *writes)
    if not compute:
        for old in glob.glob(os.path.join(glob.escape(parent), f".{glob.escape(base)}.hlq-tmp-*")):
            shutil.rmtree(old, ignore_errors=True)  # left by a failed compute=False write
        return Delayed(final, graph)
    try:
        return Delayed(final, graph).compute(**(compute_kwargs or {}))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # a partition failed upstream of its write
        raise


def _check_not_reading(df, path):
    """``ValueError`` when ``df`` reads parquet files under ``path`` (overwriting them would
    delete its input)."""
    prefix = path.rstrip(os.sep) + os.sep
    for n in df._node.walk():
        if isinstance(n, ReadParquet) and any(os.path.abspath(f).startswith(prefix) for f in n.info.files):
            raise ValueError("Cannot overwrite a path that you are reading from in the same task graph.")


def _write_options(df, schema, partition_on, custom_metadata, compression, kwargs):
    """The per-file write options, as a sorted tuple of items (the tasks' argument)."""
    import pyarrow as pa  # deferred: pyarrow is needed only when writing parquet

    if isinstance(schema, pa.Schema):
        fields = {f.name: f for f in schema}
    elif isinstance(schema, dict):
        fields = {k: v if isinstance(v, pa.Field) else pa.field(k, v) for k, v in schema.items()}
    elif schema in ("infer", None):
        fields = {}
    else:
        raise TypeError(f"schema must be 'infer', None, a dict or a pyarrow.Schema, got {schema!r}")
    opts = dict(kwargs)
    opts.update(partition_on=tuple(partition_on), schema=tuple(sorted(fields.items())),
                custom_metadata=tuple(sorted((custom_metadata or {}).items())), compression=compression)
    return tuple(sorted(opts.items(), key=lambda kv: kv[0]))


# ---------------------------------------------------------------------- csv
def _write_csv_part(part, path, kwargs):
    part.to_csv(path, **dict(kwargs))
    return path


def _append_csv_part(part, path, kwargs, *after):
    kw = dict(kwargs)
    kw["header"] = False
    kw["mode"] = "a"
    part.to_csv(path, **kw)
    return path


def _collect(*names):
    return list(dict.fromkeys(names))


def to_csv(df, filename, single_file=False, name_function=None, compute=True, compute_kwargs=None,
           **kwargs):
    """Write CSV text: one file per partition, or one file.

    Parameters
    ----------
    df : hlq.dataframe.DataFrame or Series
    filename : str
        ``single_file=True``: the file.  Otherwise a pattern with one ``*``
        (replaced by ``name_function(i)``) or a directory (files ``{i}.part``).
    single_file : bool
        Append the partitions, in order, to one file (header once).
    name_function : callable, optional
        ``i -> str`` filling the ``*`` (default: the partition number zero-padded to the width
        of the largest one, as dask does, so that sorting the names keeps the partition order).
    compute : bool
        Write now (returns the list of absolute file paths) or return a Delayed of it.
    compute_kwargs : dict, optional
        For ``compute`` (e.g. ``{"scheduler": "threads"}``).
    **kwargs
        Passed to :meth:`pandas.DataFrame.to_csv` (``index``, ``sep``, ...).
    """
    filename = os.fspath(filename)
    if kwargs.get("mode", "w") not in ("w", "wt"):
        raise ValueError("hlq.dataframe.to_csv writes new files (mode='w')")
    kwargs.pop("mode", None)
    graph = dict(df.__dask_graph__())
    keys = _flat_keys(df)
    token = uuid.uuid4().hex[:12]
    kw = tuple(sorted(kwargs.items()))
    refs = []
    if single_file:
        filename = os.path.abspath(filename)
        parent = os.path.dirname(filename)
        if not os.path.isdir(parent):
            raise FileNotFoundError(f"directory {parent!r} does not exist")
        prev = None
        for i, k in enumerate(keys):
            wk = (f"to-csv-{token}", i)
            if prev is None:
                graph[wk] = Task(wk, _write_csv_part, TaskRef(k), filename, kw)
            else:
                graph[wk] = Task(wk, _append_csv_part, TaskRef(k), filename, kw, TaskRef(prev))
            prev = wk
        refs = [TaskRef(prev)]
    else:
        if "*" not in filename:
            os.makedirs(filename, exist_ok=True)
            filename = os.path.join(filename, "*.part")
        elif filename.count("*") != 1:
            raise ValueError(f"a file name pattern needs exactly one '*', got {filename!r}")
        else:
            parent = os.path.dirname(os.path.abspath(filename))
            os.makedirs(parent, exist_ok=True)
        if name_function is None:  # zero-padded like dask, so that a glob lists the parts in order
            width = len(str(max(len(keys) - 1, 0)))
            name_function = lambda i: str(i).zfill(width)  # noqa: E731
        filename = os.path.abspath(filename)
        paths = [filename.replace("*", name_function(i)) for i in range(len(keys))]
        if len(set(paths)) != len(paths):
            raise ValueError("name_function must give a different name to every partition")
        for i, (k, p) in enumerate(zip(keys, paths)):
            wk = (f"to-csv-{token}", i)
            graph[wk] = Task(wk, _write_csv_part, TaskRef(k), p, kw)
            refs.append(TaskRef(wk))
    final = f"to-csv-done-{token}"
    graph[final] = Task(final, _collect, *refs)
    return _run(graph, final, compute, compute_kwargs)

