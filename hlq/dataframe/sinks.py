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
    try:
        with open(os.path.join(tmp, name), "xb") as f:  # never recreates a removed temporary directory
            part.to_parquet(f, index=write_index, **dict(kwargs))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # nothing half-written survives
        raise
    return name


def _commit_dir(tmp, target, overwrite, *names):
    if os.path.exists(target):
        if overwrite:
            shutil.rmtree(target)
        elif os.listdir(target):
            shutil.rmtree(tmp, ignore_errors=True)
            raise FileExistsError(f"{target!r} is not empty (written meanwhile); pass overwrite=True")
        else:
            os.rmdir(target)
    os.replace(tmp, target)
    return None


def to_parquet(df, path, write_index=True, name_function=None, overwrite=False, compute=True,
               compute_kwargs=None, engine="pyarrow", **kwargs):
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
        Replace an existing non-empty directory (else FileExistsError).
    compute : bool
        Write now (returns None) or return a Delayed that writes.
    compute_kwargs : dict, optional
        For ``compute`` (e.g. ``{"scheduler": "sync"}``).
    **kwargs
        Passed to :meth:`pandas.DataFrame.to_parquet` (e.g. ``compression``).
    """
    from hlq.dataframe.core import Series

    if engine not in ("pyarrow", "auto"):
        raise ValueError("hlq.dataframe.to_parquet supports engine='pyarrow' only")
    path = os.path.abspath(os.fspath(path))
    if os.path.exists(path) and not os.path.isdir(path):
        raise NotADirectoryError(f"to_parquet writes a directory, and {path!r} is a file")
    if os.path.isdir(path) and os.listdir(path) and not overwrite:
        raise FileExistsError(f"{path!r} is not empty; pass overwrite=True to replace it")
    if isinstance(df, Series):
        df = df.to_frame()
    name_function = name_function or _default_parquet_name
    names = [name_function(i) for i in range(df.npartitions)]
    if len(set(names)) != len(names):
        raise ValueError("name_function must give a different name to every partition")
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
        ``i -> str`` filling the ``*`` (default ``str``).
    compute : bool
        Write now (returns the list of file names) or return a Delayed of it.
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
        parent = os.path.dirname(os.path.abspath(filename))
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
        name_function = name_function or str
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

