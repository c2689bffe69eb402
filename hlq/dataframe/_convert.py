"""Module-level conversions and readers of ``dask.dataframe``: ``to_datetime``, ``to_numeric``,
``to_timedelta``, ``isna``, ``get_dummies``, ``melt``, ``merge_asof``, ``read_json``,
``read_fwf``, ``map_overlap``, ``compute``, and the names hlq does not implement
(raising ``NotImplementedError`` with the workaround).

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> s = dd.from_pandas(pd.Series(["2020-01-01", "2020-01-03"]), npartitions=2)
>>> dd.to_datetime(s).dt.day.compute().tolist()
[1, 3]
"""

from __future__ import annotations

import glob
import os

import numpy as np
import pandas as pd

from hlq.dataframe._frame_methods import melt  # noqa: F401  (re-exported)
from hlq.dataframe.nodes.calls import has_unknown_categories, nonempty_frame
from hlq.dataframe.nodes.ops import MapPartitions, MetaBox
from hlq.dataframe._core import _Frame, new_collection
from hlq.dataframe._io import from_map, from_pandas, local_paths
from hlq.dataframe.nodes.multipart import ZipPartitions
from hlq.dataframe._window import map_overlap as _mo

__all__ = ["to_datetime", "to_numeric", "to_timedelta", "isna", "get_dummies", "melt", "merge_asof",
           "read_json", "read_fwf", "map_overlap", "compute", "to_json", "to_records", "to_bag",
           "read_hdf", "read_orc", "read_sql", "read_sql_query", "read_sql_table", "to_hdf", "to_orc", "to_sql",
           "pivot_table"]


def _is_lazy(x):
    return isinstance(x, _Frame)


class _Func:
    """Picklable partition function ``func(part, **kwargs)``."""

    __slots__ = ("func", "kwargs")

    def __init__(self, func, kwargs):
        self.func, self.kwargs = func, tuple(sorted(kwargs.items()))

    def __call__(self, part):
        return self.func(part, **dict(self.kwargs))

    def __reduce__(self):
        return (_Func, (self.func, dict(self.kwargs)))

    @property
    def __name__(self):
        return getattr(self.func, "__name__", "func")


def _elementwise(func, arg, meta, kwargs):
    f = _Func(func, kwargs)
    if meta is None:
        fake = nonempty_frame(arg._meta)
        try:
            meta = f(fake).iloc[:0] if fake is not None else f(arg._meta)
        except Exception:
            meta = f(arg._meta)
    elif isinstance(meta, tuple) and len(meta) == 2:
        meta = pd.Series([], dtype=meta[1], name=meta[0], index=arg._meta.index)
    return new_collection(MapPartitions(arg._node, f, (), (), MetaBox(meta), True))


def to_datetime(arg, meta=None, **kwargs):
    """``pd.to_datetime`` of every partition of an hlq Series/DataFrame (else pandas' answer)."""
    if not _is_lazy(arg):
        return pd.to_datetime(arg, **kwargs)
    if meta is None and arg._node.kind == "series":
        meta = pd.Series([], dtype="datetime64[ns]" if not kwargs.get("utc") else "datetime64[ns, UTC]",
                         name=arg.name, index=arg._meta.index)
        try:  # the unit pandas would pick (pandas 3 infers it from the values)
            sample = pd.to_datetime(nonempty_frame(arg._meta), **kwargs)
            meta = meta.astype(sample.dtype)
        except Exception:
            pass
    return _elementwise(pd.to_datetime, arg, meta, kwargs)


def to_numeric(arg, errors="raise", downcast=None, meta=None):
    """``pd.to_numeric`` of every partition of an hlq Series; like dask, a scalar gives a
    ``dask.delayed`` value (``meta`` is not allowed then) and ``errors`` is "raise" or "coerce";
    other values get pandas' answer."""
    if errors not in ("raise", "coerce"):
        raise ValueError("invalid error value specified")
    if pd.api.types.is_scalar(arg):
        if meta is not None:
            raise KeyError("``meta`` is not allowed when input is a scalar.")
        import dask  # deferred: only scalars need dask.delayed

        return dask.delayed(pd.to_numeric, pure=True)(arg, errors=errors, downcast=downcast)
    if hasattr(arg, "map_blocks") and getattr(arg, "ndim", None) == 1:  # a lazy (hlq or dask) 1-d array
        if meta is None:
            raise NotImplementedError("to_numeric of a lazy array needs meta= (e.g. np.array((), dtype='float64')): "
                                      "the result dtype depends on the values")
        return arg.map_blocks(_NumericBlock(errors, downcast, np.asarray(meta).dtype), dtype=np.asarray(meta).dtype)
    if not _is_lazy(arg):
        return pd.to_numeric(arg, errors=errors, downcast=downcast)
    if arg._node.kind != "series":
        raise TypeError("arg must be a list, tuple, dask.array.Array, or dask.dataframe.Series "
                        "(an hlq Series; apply to_numeric to each column of a DataFrame)")
    kw = {"errors": errors}
    if downcast is not None:
        kw["downcast"] = downcast
    if meta is None:
        meta = pd.Series([], dtype="float64" if arg.dtype.kind not in "iufb" else arg.dtype, name=arg.name,
                         index=arg._meta.index)
    return _elementwise(pd.to_numeric, arg, meta, kw)


class _NumericBlock:
    """Block function: ``pd.to_numeric`` of a 1-d array block, as ``dtype``."""

    __slots__ = ("errors", "downcast", "dtype")

    def __init__(self, errors, downcast, dtype):
        self.errors, self.downcast, self.dtype = errors, downcast, dtype

    def __call__(self, block):
        return np.asarray(pd.to_numeric(block, errors=self.errors, downcast=self.downcast), dtype=self.dtype)

    def __reduce__(self):
        return (_NumericBlock, (self.errors, self.downcast, self.dtype))


def to_timedelta(arg, unit=None, errors="raise"):
    """``pd.to_timedelta`` of every partition of an hlq Series (else pandas' answer)."""
    kw = {"errors": errors} if unit is None else {"unit": unit, "errors": errors}
    if not _is_lazy(arg):
        return pd.to_timedelta(arg, **kw)
    meta = pd.Series([], dtype="timedelta64[ns]", name=arg.name, index=arg._meta.index)
    return _elementwise(pd.to_timedelta, arg, meta, kw)


def isna(obj):
    """``obj.isna()`` for hlq collections, ``pd.isna(obj)`` otherwise."""
    return obj.isna() if _is_lazy(obj) else pd.isna(obj)


def get_dummies(data, prefix=None, prefix_sep="_", dummy_na=False, columns=None, sparse=False,
                drop_first=False, dtype=bool, **kwargs):
    """``pd.get_dummies`` per partition; the columns must be categorical with known categories
    (as in dask: the output columns come from the categories)."""
    if not _is_lazy(data):
        return pd.get_dummies(data, prefix=prefix, prefix_sep=prefix_sep, dummy_na=dummy_na, columns=columns,
                              sparse=sparse, drop_first=drop_first, dtype=dtype, **kwargs)
    meta = data._meta
    if isinstance(meta, pd.Series):
        cats = [meta] if isinstance(meta.dtype, pd.CategoricalDtype) else []
        if not cats:
            raise NotImplementedError("`get_dummies` with non-categorical dtypes is not supported. Please use "
                                      "`s.astype('category')` (or `df.categorize()`) beforehand to convert to "
                                      "categorical dtype.")
    else:
        sel = columns if columns is not None else [c for c, d in meta.dtypes.items()
                                                   if d == object or isinstance(d, (pd.CategoricalDtype,
                                                                                    pd.StringDtype))]
        bad = [c for c in sel if not isinstance(meta[c].dtype, pd.CategoricalDtype)]
        if bad:
            raise NotImplementedError(f"`get_dummies` with non-categorical dtypes is not supported (columns {bad}). "
                                      f"Please use `df.categorize()` beforehand to convert to categorical dtype.")
    cat_dtypes = [meta.dtype] if isinstance(meta, pd.Series) else [meta[c].dtype for c in sel]
    if any(has_unknown_categories(d) for d in cat_dtypes):
        raise NotImplementedError("`get_dummies` with unknown categories is not supported. Please use "
                                  "`column.cat.as_known()` or `df.categorize()` beforehand to ensure known categories")
    kw = dict(prefix=prefix, prefix_sep=prefix_sep, dummy_na=dummy_na, columns=columns, drop_first=drop_first,
              dtype=dtype, sparse=sparse, **kwargs)
    f = _Func(pd.get_dummies, kw)
    return new_collection(MapPartitions(data._node, f, (), (), MetaBox(f(meta)), True))


def merge_asof(left, right, on=None, left_on=None, right_on=None, left_index=False, right_index=False,
               by=None, left_by=None, right_by=None, suffixes=("_x", "_y"), tolerance=None,
               allow_exact_matches=True, direction="backward"):
    """``pd.merge_asof`` of every partition of ``left`` (sorted by its key) with all of ``right``.

    ``right`` is gathered into one partition and sent to every partition of ``left``, so each
    left row sees every right row, exactly as in pandas; the result keeps ``left``'s partitions.
    Suited to a small ``right`` side."""
    if isinstance(left, pd.DataFrame) and isinstance(right, pd.DataFrame):
        return pd.merge_asof(left, right, on=on, left_on=left_on, right_on=right_on, left_index=left_index,
                             right_index=right_index, by=by, left_by=left_by, right_by=right_by, suffixes=suffixes,
                             tolerance=tolerance, allow_exact_matches=allow_exact_matches, direction=direction)
    if by is not None and (left_by is not None or right_by is not None):
        raise ValueError('Can only pass argument "by" OR "left_by" and "right_by", not a combination of both.')
    if isinstance(left, pd.DataFrame):
        left = from_pandas(left, npartitions=1)
    if isinstance(right, pd.DataFrame):
        right = from_pandas(right, npartitions=1)
    kw = dict(on=on, left_on=left_on, right_on=right_on, left_index=left_index, right_index=right_index, by=by,
              left_by=left_by, right_by=right_by, suffixes=tuple(suffixes), tolerance=tolerance,
              allow_exact_matches=allow_exact_matches, direction=direction)
    if right.npartitions > 1:
        right = right.repartition(npartitions=1)
    f = _AsOf(tuple(sorted(kw.items())))
    meta = f(left._meta, right._meta)
    out = new_collection(ZipPartitions((left._node, right._node), f, MetaBox(meta), (1,)))
    if not left_index and out.known_divisions:
        # pandas numbers the rows of every partition's result from 0: the divisions are unknown
        out = out._with_unknown_divisions()
    return out


class _AsOf:
    __slots__ = ("kw",)

    def __init__(self, kw):
        self.kw = kw

    def __call__(self, left, right):
        # the right side arrives whole, in its partitions' order: unsorted keys raise like pandas
        return pd.merge_asof(left, right, **dict(self.kw))

    def __reduce__(self):
        return (_AsOf, (self.kw,))


def map_overlap(func, df, before, after, *args, meta=None, **kwargs):
    """Module-level form of ``df.map_overlap(func, before, after, ...)``."""
    return _mo(func, df, before, after, *args, meta=meta, **kwargs)


def compute(*args, **kwargs):
    """``dask.compute`` (hlq collections compute with hlq's scheduler defaults)."""
    import dask

    return dask.compute(*args, **kwargs)


# ------------------------------------------------------------------------------ readers
def _expand(path):
    if isinstance(path, (list, tuple)):
        out = []
        for p in path:
            out.extend(_expand(p))
        return out
    p = local_paths(path)
    if any(ch in p for ch in "*?["):
        files = sorted(glob.glob(p))
    elif os.path.isdir(p):
        files = sorted(os.path.join(p, f) for f in os.listdir(p) if not f.startswith((".", "_")))
    else:
        files = [p]
    if not files:
        raise FileNotFoundError(f"no files match {path!r}")
    return files


class _Reader:
    __slots__ = ("func", "kwargs", "path_col")

    def __init__(self, func, kwargs, path_col=None):
        self.func, self.kwargs, self.path_col = func, tuple(sorted(kwargs.items())), path_col

    def __call__(self, path):
        df = self.func(path, **dict(self.kwargs))
        if self.path_col:
            df = df.assign(**{self.path_col: pd.Categorical([path] * len(df))})
        return df

    def __reduce__(self):
        return (_Reader, (self.func, dict(self.kwargs), self.path_col))


def _read_files(func, path, kwargs, include_path_column=False, meta=None):
    files = _expand(path)
    col = "path" if include_path_column is True else (include_path_column or None)
    reader = _Reader(func, kwargs, col)
    if meta is None:
        meta = reader(files[0]).iloc[:0]
        if col:
            meta = meta.assign(**{col: pd.Categorical([], categories=files)})
    return from_map(reader, files, meta=meta, enforce_metadata=False)


def read_json(url_path, orient="records", lines=None, storage_options=None, blocksize=None, sample=2 ** 20,
              encoding="utf-8", errors="strict", compression="infer", meta=None, engine=pd.read_json,
              include_path_column=False, path_converter=None, **kwargs):
    """One partition per local JSON file (``lines`` defaults to ``orient == "records"``, like dask)."""
    if blocksize is not None:
        raise NotImplementedError("read_json(blocksize=...) is not supported; one partition per file "
                                  "(split the files, or repartition after reading)")
    if lines is None:
        lines = orient == "records"
    kw = dict(orient=orient, lines=lines, compression=compression, encoding=encoding, **kwargs)
    return _read_files(engine, url_path, kw, include_path_column, meta)


def read_fwf(urlpath, **kwargs):
    """``pd.read_fwf`` (fixed-width) of local files, one partition per file."""
    return _read_files(pd.read_fwf, urlpath, kwargs)


# --------------------------------------------------------------------------------- sinks
def to_json(df, url_path, orient="records", lines=None, storage_options=None, compute=True, encoding="utf-8",
            errors="strict", compression=None, compute_kwargs=None, name_function=None, **kwargs):
    """One JSON file per partition (``url_path`` a directory, or a pattern with ``*``)."""
    import dask

    if lines is None:
        lines = orient == "records"
    path = local_paths(url_path)
    n = df.npartitions
    names = [(name_function or str)(i) for i in range(n)]
    if "*" in path:
        files = [path.replace("*", nm) for nm in names]
    else:
        os.makedirs(path, exist_ok=True)
        files = [os.path.join(path, f"{nm}.part") for nm in names]
    parts = df.to_delayed()
    writes = [dask.delayed(_write_json)(p, f, orient, lines, compression, kwargs) for p, f in zip(parts, files)]
    if compute:
        dask.compute(*writes, **(compute_kwargs or {}))
        return files
    return writes


def _write_json(part, path, orient, lines, compression, kwargs):
    part.to_json(path, orient=orient, lines=lines, compression=compression, **kwargs)
    return path


def to_records(df):
    """The rows as an hlq.array of numpy records (unknown chunk lengths, as in dask)."""
    import numpy as np

    # deferred: importing hlq.dataframe does not load hlq.array
    import hlq.array as ha

    meta = df._meta.to_records()
    parts = df.to_delayed()
    arrays = [ha.from_delayed(_delayed_records(p), shape=(np.nan,), dtype=meta.dtype) for p in parts]
    return ha.concatenate(arrays) if len(arrays) > 1 else arrays[0]


def _delayed_records(p):
    import dask

    return dask.delayed(_part_records)(p)


def _part_records(part):
    return part.to_records()


def to_bag(df, index=False, format="tuple"):
    """A dask Bag of the rows (``format``: ``"tuple"``, ``"dict"`` or ``"frame"``)."""
    import dask
    import dask.bag as db

    if format not in ("tuple", "dict", "frame"):
        raise ValueError(f"format must be 'tuple', 'dict' or 'frame', got {format!r}")
    return db.from_delayed([dask.delayed(_rows)(p, index, format) for p in df.to_delayed()])


def _rows(part, index, format):
    if format == "frame":
        return [part]
    if isinstance(part, pd.Series):
        part = part.to_frame()
    if index:
        part = part.reset_index()
    if format == "dict":
        return part.to_dict(orient="records")
    return list(part.itertuples(index=False, name=None))


def _missing(name, workaround):
    def f(*args, **kwargs):
        raise NotImplementedError(f"hlq.dataframe.{name} is not implemented; {workaround}")

    f.__name__ = name
    f.__doc__ = f"Not implemented in hlq.dataframe: {workaround}"
    return f


_READ_WITH_MAP = ("read each file with pandas through hlq.dataframe.from_map(pd.{0}, files), or use "
                  "dask.dataframe.{0} and hlq.dataframe.from_delayed(ddf.to_delayed())")
read_hdf = _missing("read_hdf", _READ_WITH_MAP.format("read_hdf"))
read_orc = _missing("read_orc", _READ_WITH_MAP.format("read_orc"))
read_sql = _missing("read_sql", "use dask.dataframe.read_sql and hlq.dataframe.from_delayed(ddf.to_delayed())")
read_sql_query = _missing("read_sql_query", "use dask.dataframe.read_sql_query and "
                                            "hlq.dataframe.from_delayed(ddf.to_delayed())")
read_sql_table = _missing("read_sql_table", "use dask.dataframe.read_sql_table and "
                                            "hlq.dataframe.from_delayed(ddf.to_delayed())")
to_hdf = _missing("to_hdf", "write each partition with pandas: dask.compute(*[dask.delayed(p.to_hdf)(...) "
                            "for p in df.to_delayed()])")
to_orc = _missing("to_orc", "write parquet (df.to_parquet) or each partition with pandas via df.to_delayed()")
to_sql = _missing("to_sql", "write each partition with pandas via df.to_delayed() (pandas' DataFrame.to_sql)")


def pivot_table(df, index=None, columns=None, values=None, aggfunc="mean"):
    """``pivot_table`` with a categorical ``columns`` column (dask's rule), by groupby then unstack."""
    if not isinstance(df._meta[columns].dtype, pd.CategoricalDtype):
        raise ValueError("'columns' must be category dtype")
    if aggfunc not in ("mean", "sum", "count", "first", "last"):
        raise ValueError(f"aggfunc must be one of mean, sum, count, first, last; got {aggfunc!r}")
    cats = list(df._meta[columns].dtype.categories)
    g = df.groupby([index, columns], observed=True)[values].agg(aggfunc)
    f = _Unstack(columns, tuple(cats), values, aggfunc)
    meta = f(g._meta)
    return g.map_partitions(f, meta=meta)


class _Unstack:
    __slots__ = ("columns", "cats", "values", "aggfunc")

    def __init__(self, columns, cats, values, aggfunc):
        self.columns, self.cats, self.values, self.aggfunc = columns, cats, values, aggfunc

    def __call__(self, s):
        out = s.unstack(self.columns)
        cats = pd.CategoricalIndex(self.cats, categories=self.cats, name=self.columns)
        if isinstance(out.columns, pd.MultiIndex):  # several values columns: (value, category) pairs
            values = list(dict.fromkeys(out.columns.get_level_values(0))) if len(out.columns) else list(self.values)
            cols = pd.MultiIndex.from_arrays(
                [pd.Index([v for v in values for _ in self.cats]),
                 pd.CategoricalIndex([c for _ in values for c in self.cats], categories=self.cats)],
                names=[None, self.columns])
        else:
            cols = cats
        out = out.reindex(columns=cols)
        if self.aggfunc in ("sum", "count"):
            out = out.fillna(0).astype("float64" if self.aggfunc == "count" else out.dtypes.iloc[0]
                                       if len(out.columns) else "float64")
        if not isinstance(out.columns, pd.MultiIndex):
            out.columns.name = self.columns
        return out

    def __reduce__(self):
        return (_Unstack, (self.columns, self.cats, self.values, self.aggfunc))
