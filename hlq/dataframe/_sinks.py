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

from dask._task_spec import DataNode, Task, TaskRef
from dask.delayed import Delayed
from hlq.dataframe._core import Series

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


def _write_parquet_part(part, tmp, name, write_index, kwargs):
    path = os.path.join(tmp, name)
    try:
        with open(path, "xb") as f:  # never recreates a removed temporary directory
            part.to_parquet(f, index=write_index, **dict(kwargs))
    except BaseException:
        # only this partition's own file goes: removing the whole temporary directory here
        # would make the partitions still being written fail with FileNotFoundError, and
        # the scheduler could report one of those instead of this (the real) error
        try:
            os.remove(path)
        except OSError:
            pass
        raise
    return name


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


def _commit_dir(tmp, target, overwrite, *names):
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


def _append_offset(path, df, write_index):
    """The first partition number of an append to the dataset ``path`` (after its ``part.N`` files);
    ``ValueError`` when the dataset's columns differ from ``df``'s (dask's message)."""
    import re

    import pyarrow.parquet as pq

    files = sorted(e.name for e in os.scandir(path) if e.is_file() and not e.name.startswith(("_", ".")))
    numbers = [int(m.group(1)) for f in files if (m := re.fullmatch(r"part\.(\d+)\.parquet", f))]
    if files:
        schema = pq.read_schema(os.path.join(path, files[0]))
        meta = schema.pandas_metadata or {}
        index_fields = {x for x in meta.get("index_columns", []) if isinstance(x, str)}
        if meta:
            previous = [c["name"] for c in meta.get("columns", []) if c.get("field_name") not in index_fields]
        else:
            previous = list(schema.names)
        new = [str(c) for c in df.columns]
        if [str(c) for c in previous] != new:
            raise ValueError(f"Appended columns not the same.\nPrevious: {previous} | New: {new}")
    return max(numbers) + 1 if numbers else len(files)


def _commit_append(tmp, target, *names):
    for name in names:
        dest = os.path.join(target, name)
        if os.path.exists(dest):
            shutil.rmtree(tmp, ignore_errors=True)
            raise FileExistsError(f"append: {dest!r} was written meanwhile")
    for name in names:
        os.replace(os.path.join(tmp, name), os.path.join(target, name))
    os.rmdir(tmp)
    return None


def to_parquet(df, path, write_index=True, name_function=None, overwrite=False, compute=True,
               compute_kwargs=None, engine="pyarrow", append=False, **kwargs):
    """Write one parquet file per partition into the directory ``path``, atomically.

    Parameters
    ----------
    df : hlq.dataframe.DataFrame or Series
    path : str
        The dataset directory (created).
    write_index : bool
        Store the index (pandas' ``index=True``) or drop it.
    name_function : callable, optional
        ``i -> file name`` (default ``part.{i}.parquet``).
    overwrite : bool
        Replace an existing non-empty directory (else FileExistsError).  Only a
        directory of parquet files is replaced: the working directory, its
        parents, the home directory, the filesystem root and directories
        holding other files raise ``ValueError`` and nothing is deleted.
    append : bool
        Add the partitions as new files to an existing dataset (same columns
        required); cannot be combined with ``overwrite``.
    compute : bool
        Write now (returns None) or return a Delayed that writes.
    compute_kwargs : dict, optional
        For ``compute`` (e.g. ``{"scheduler": "sync"}``).
    **kwargs
        Passed to :meth:`pandas.DataFrame.to_parquet` (e.g. ``compression``).
    """
    if engine not in ("pyarrow", "auto"):
        raise ValueError("hlq.dataframe.to_parquet supports engine='pyarrow' only")
    if append and overwrite:
        raise ValueError("Cannot use both `overwrite=True` and `append=True`!")
    path = os.path.abspath(os.fspath(path))
    if overwrite:
        check_overwritable(path)
    if os.path.exists(path) and not os.path.isdir(path):
        raise NotADirectoryError(f"to_parquet writes a directory, and {path!r} is a file")
    if isinstance(df, Series):
        df = df.to_frame()
    offset = 0
    appending = bool(append) and os.path.isdir(path) and bool(os.listdir(path))
    if appending:
        offset = _append_offset(path, df, write_index)
    elif os.path.isdir(path) and os.listdir(path) and not overwrite:
        raise FileExistsError(f"{path!r} is not empty; pass overwrite=True to replace it")
    name_function = name_function or _default_parquet_name
    names = [name_function(i + offset) for i in range(df.npartitions)]
    if len(set(names)) != len(names):
        raise ValueError("name_function must give a different name to every partition")
    if appending:
        taken = sorted(set(names) & set(os.listdir(path)))
        if taken:
            raise FileExistsError(f"append: {path!r} already holds {taken[:3]}")
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
    kw = tuple(sorted(kwargs.items()))
    for i, (k, name) in enumerate(zip(_flat_keys(df), names)):
        wk = (f"to-parquet-write-{token}", i)
        graph[wk] = Task(wk, _write_parquet_part, TaskRef(k), TaskRef(prep), name, bool(write_index), kw)
        writes.append(TaskRef(wk))
    final = f"to-parquet-commit-{token}"
    if appending:
        graph[final] = Task(final, _commit_append, tmp, path, *writes)
    else:
        graph[final] = Task(final, _commit_dir, tmp, path, bool(overwrite), *writes)
    if not compute:
        for old in glob.glob(os.path.join(glob.escape(parent), f".{glob.escape(base)}.hlq-tmp-*")):
            shutil.rmtree(old, ignore_errors=True)  # left by a failed compute=False write
        return Delayed(final, graph)
    try:
        return Delayed(final, graph).compute(**(compute_kwargs or {}))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # a partition failed upstream of its write
        raise


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

