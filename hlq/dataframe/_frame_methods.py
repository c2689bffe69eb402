"""More of dask.dataframe's DataFrame/Series methods, mixed into :mod:`hlq.dataframe._core`'s classes.

Every method keeps dask's signature and semantics: pandas per partition,
dask's rules for divisions and unknown lengths (``shape[0]`` and ``len`` are
lazy or computed, never guessed).  Methods whose rows depend on neighbouring
rows live in :mod:`hlq.dataframe._window`.  What hlq cannot do raises
``NotImplementedError`` naming the workaround.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> pdf = pd.DataFrame({"a": [3, 1, 2, 5], "b": [1.0, 2.0, 3.0, 4.0], "c": list("wxyz")})
>>> df = dd.from_pandas(pdf, npartitions=2)
>>> df.select_dtypes("number").add_prefix("n_").columns.tolist()
['n_a', 'n_b']
>>> df.query("a > 1").b.sum().compute()
np.float64(8.0)
>>> df.a.nlargest(2).compute().tolist()
[5, 3]
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import pandas as pd

from hlq.explain import explain as explain_plan
from hlq.dataframe import _window as _win
from hlq.dataframe._window import _PandasMethod
from hlq.dataframe._reductions import category_values
from hlq.dataframe.nodes.ops import AssignFrom, MapPartitions, MetaBox, Project, Rename, WithScalar
from hlq.dataframe.nodes.reduction import Fn, Len, TreeAgg
from hlq.dataframe._display import frame_html, structure
from hlq.dataframe.nodes.calls import has_unknown_categories, nonempty_frame
from hlq.dataframe.nodes.colexpr import BINARY
from hlq.dataframe.nodes.multipart import ZipPartitions
from hlq.dataframe.nodes.structure import RepartitionSplit
from hlq.dataframe.nodes.window import IndexedMap

__all__ = ["CommonMethods", "SeriesMethods", "FrameMethods"]


def _coll(node):
    # import cycle: hlq.dataframe._core imports hlq.dataframe._frame_methods
    from hlq.dataframe._core import new_collection

    return new_collection(node)


def _per_partition(obj, name, *args, keeps_rows=True, **kwargs):
    """``obj.<name>(*args, **kwargs)`` on every partition (meta: the same call on the meta)."""
    f = _PandasMethod(name, args, kwargs)
    try:
        meta = f(obj._meta)
    except Exception:
        fake = nonempty_frame(obj._meta)
        if fake is None:
            raise
        meta = f(fake).iloc[:0]
    return _coll(MapPartitions(obj._node, f, (), (), MetaBox(meta), keeps_rows))


def _tree(obj, chunk, combine, final, meta, tag, split_every=None):
    return _coll(TreeAgg(obj._node, chunk, combine, final, MetaBox(meta), split_every or 8, False, tag))


def _concat(states):
    return states[0] if len(states) == 1 else pd.concat(states)


# ------------------------------------------------------------------ n largest / smallest
def _top(x, how, n, columns, keep):
    if isinstance(x, pd.Series):
        return getattr(x, how)(n, keep=keep)
    return getattr(x, how)(n, columns, keep=keep)


def _top_combine(states, how, n, columns, keep):
    return _top(_concat(states), how, n, columns, keep)


# ----------------------------------------------------------------------- moments
def _moments(x):
    """Per column: count, sum, the central moments 2..4 (as sums) and the number of missing values,
    for sem/skew/kurt."""
    x = x.to_frame() if isinstance(x, pd.Series) else x
    x = x.astype("float64")
    n = x.count()
    s = x.sum()
    mean = s / n.where(n > 0)
    d = x - mean
    return pd.DataFrame({"n": n, "s": s, "m2": (d ** 2).sum(), "m3": (d ** 3).sum(), "m4": (d ** 4).sum(),
                         "na": x.isna().sum()})


def _moments_combine(states):
    """Merge per-partition moment sums (Chan/Pebay parallel update, exact in real arithmetic)."""
    acc = states[0]
    for b in states[1:]:
        a = acc
        n = a["n"] + b["n"]
        nz = n.where(n > 0)
        delta = (b["s"] / b["n"].where(b["n"] > 0)).fillna(0) - (a["s"] / a["n"].where(a["n"] > 0)).fillna(0)
        na, nb = a["n"], b["n"]
        m2 = a["m2"] + b["m2"] + delta ** 2 * na * nb / nz
        m3 = (a["m3"] + b["m3"] + delta ** 3 * na * nb * (na - nb) / nz ** 2
              + 3 * delta * (na * b["m2"] - nb * a["m2"]) / nz)
        m4 = (a["m4"] + b["m4"] + delta ** 4 * na * nb * (na ** 2 - na * nb + nb ** 2) / nz ** 3
              + 6 * delta ** 2 * (na ** 2 * b["m2"] + nb ** 2 * a["m2"]) / nz ** 2
              + 4 * delta * (na * b["m3"] - nb * a["m3"]) / nz)
        acc = pd.DataFrame({"n": n, "s": a["s"] + b["s"], "m2": m2.fillna(0), "m3": m3.fillna(0),
                            "m4": m4.fillna(0), "na": a["na"] + b["na"]})
    return acc


def _check_moment_args(name, axis, bias, nan_policy):
    """dask's argument checks of ``skew``/``kurtosis``."""
    if axis is None:
        raise ValueError(f"`axis=None` isn't currently supported for `{name}`")
    if not bias:
        raise NotImplementedError("bias=False is not implemented.")
    if nan_policy != "propagate":
        raise NotImplementedError("`nan_policy` other than 'propagate' have not been implemented.")


def _pandas_moment_error(meta, how):
    """Raise pandas' own error for ``how`` over the non-numeric columns of ``meta`` (run on fake rows)."""
    fake = nonempty_frame(meta)
    if fake is not None:
        getattr(fake, how)(numeric_only=False)


def _moments_final(state, how, ddof, series, fisher=True):
    n, m2, m3, m4 = state["n"].astype("float64"), state["m2"], state["m3"], state["m4"]
    with np.errstate(all="ignore"):
        if how == "sem":
            out = np.sqrt(m2 / (n - ddof)) / np.sqrt(n)
            out = out.where(n - ddof > 0)
        elif how == "skew":  # dask's (scipy's default, bias=True): m3 / m2 ** 1.5 of population moments
            out = np.sqrt(n) * m3 / m2 ** 1.5
            out = out.where((n > 0) & (m2 > 0) & (state["na"] == 0))  # dask: missing values propagate
        else:  # kurt: dask's (scipy's default, bias=True) m4 / m2 ** 2, minus 3 for Fisher's definition
            out = (n * m4 / m2 ** 2).where((n > 0) & (m2 > 0) & (state["na"] == 0))
        if how != "sem" and not series:  # dask fills a frame's undefined skew/kurtosis with 0
            out = out.fillna(0.0)
        if how == "kurt" and fisher:
            out = out - 3.0
    out = out.astype("float64")
    return out.iloc[0] if series else out


# -------------------------------------------------------------------- memory usage
def _mem_chunk(x, index, deep):
    if isinstance(x, pd.Series):
        return pd.Series([x.memory_usage(index=index, deep=deep)])
    return x.memory_usage(index=index, deep=deep)


def _mem_combine(states):
    out = states[0]
    for s in states[1:]:
        out = out.add(s, fill_value=0)
    return out


def _mem_final(state, series):
    return int(state.sum()) if series else state.astype("int64")


# -------------------------------------------------------------------- monotonic
def _mono_chunk(s):
    return pd.DataFrame({"first": [s.iloc[0] if len(s) else None], "last": [s.iloc[-1] if len(s) else None],
                         "inc": [s.is_monotonic_increasing], "dec": [s.is_monotonic_decreasing],
                         "n": [len(s)]})


def _mono_final(state, how):
    st = state[state["n"] > 0]
    if not len(st):
        return True
    key = "inc" if how == "increasing" else "dec"
    if not st[key].all():
        return False
    ends = []
    for f, l in zip(st["first"], st["last"]):
        ends.extend([f, l])
    e = pd.Series(ends)
    return bool(e.is_monotonic_increasing if how == "increasing" else e.is_monotonic_decreasing)


class _SampleFunc:
    """Partition function of ``sample``: seeded per partition from one random state."""

    __slots__ = ("frac", "replace", "seeds")

    def __init__(self, frac, replace, seeds):
        self.frac, self.replace, self.seeds = frac, replace, seeds

    def __call__(self, part, i):
        return part.sample(frac=self.frac, replace=self.replace, random_state=int(self.seeds[i]))

    def __reduce__(self):
        return (_SampleFunc, (self.frac, self.replace, self.seeds))


class _SplitFunc:
    """Partition function of ``random_split``: the rows whose random draw falls in piece ``k``."""

    __slots__ = ("bounds", "k", "seeds")

    def __init__(self, bounds, k, seeds):
        self.bounds, self.k, self.seeds = bounds, k, seeds

    def __call__(self, part, i):
        r = np.random.RandomState(int(self.seeds[i])).random_sample(len(part))
        lo, hi = self.bounds[self.k], self.bounds[self.k + 1]
        return part[(r >= lo) & (r < hi)]

    def __reduce__(self):
        return (_SplitFunc, (self.bounds, self.k, self.seeds))


def _seeds(random_state, n):
    rs = random_state if isinstance(random_state, np.random.RandomState) else np.random.RandomState(random_state)
    return tuple(int(x) for x in rs.randint(0, 2 ** 31 - 1, size=n))


_FLEX = {"add": "add", "sub": "sub", "subtract": "sub", "mul": "mul", "multiply": "mul", "div": "truediv",
         "divide": "truediv", "truediv": "truediv", "floordiv": "floordiv", "mod": "mod", "pow": "pow",
         "eq": "eq", "ne": "ne", "lt": "lt", "le": "le", "gt": "gt", "ge": "ge"}


def _flex(name, reverse=False):
    op = _FLEX[name]
    pandas_name = ("r" + name) if reverse else name

    def method(self, other, axis="columns", level=None, fill_value=None):
        if level is not None:
            raise NotImplementedError(f"{pandas_name}(level=...) is not supported; use map_partitions")
        # import cycle: hlq.dataframe._core imports hlq.dataframe._frame_methods
        from hlq.dataframe._core import _Frame

        if fill_value is None and (axis in ("columns", 1) or not isinstance(other, _Frame)
                                   or self._node.kind == "series"):
            return self._binop(other, op, reverse)
        return self._flex_fill(pandas_name, other, axis, fill_value)

    method.__name__ = pandas_name
    method.__doc__ = (f"``{pandas_name}(other, axis, level, fill_value)`` like pandas' flexible "
                      f"binary operator (element-wise, aligned partitions).")
    return method


class CommonMethods:
    """Methods shared by DataFrame and Series."""

    __slots__ = ()

    # ----------------------------------------------------------- windows and scans
    def map_overlap(self, func, before, after, *args, meta=None, **kwargs):
        """``func`` on each partition with ``before``/``after`` rows of its neighbours (see
        :func:`hlq.dataframe._window.map_overlap`)."""
        return _win.map_overlap(func, self, before, after, *args, meta=meta, **kwargs)

    def shift(self, periods=1, freq=None, axis=0):
        if _across_columns(self, axis):
            return _per_partition(self, "shift", periods, freq=freq, axis=1)
        if freq is not None:
            return shift_index(self, periods, freq)
        return _win.shift(self, periods, freq, axis)

    def diff(self, periods=1, axis=0):
        if _across_columns(self, axis):
            return _per_partition(self, "diff", periods, axis=1)
        return _win.diff(self, periods, axis)

    def cumsum(self, axis=None, skipna=True):
        return self._cum("sum", axis, skipna)

    def cumprod(self, axis=None, skipna=True):
        return self._cum("prod", axis, skipna)

    def cummax(self, axis=None, skipna=True):
        return self._cum("max", axis, skipna)

    def cummin(self, axis=None, skipna=True):
        return self._cum("min", axis, skipna)

    def _cum(self, how, axis, skipna):
        if _across_columns(self, axis):
            return _per_partition(self, "cum" + how, axis=1, skipna=skipna)
        _check_axis0(axis, "cum" + how)
        return _win.cumulative(self, how, skipna)

    def ffill(self, axis=None, limit=None):
        if _across_columns(self, axis):
            return _per_partition(self, "ffill", axis=1, limit=limit)
        _check_axis0(axis, "ffill")
        return _win.fill(self, "ffill", limit)

    def bfill(self, axis=None, limit=None):
        if _across_columns(self, axis):
            return _per_partition(self, "bfill", axis=1, limit=limit)
        _check_axis0(axis, "bfill")
        return _win.fill(self, "bfill", limit)

    def _ipython_key_completions_(self):
        return [c for c in self._node.columns if isinstance(c, str)] if self._node.kind == "frame" else []

    def resample(self, rule, closed=None, label=None, **kwargs):
        """Resample a datetime index with known divisions (see :mod:`hlq.dataframe._resample`)."""
        # import cycle: hlq.dataframe._resample imports hlq.dataframe._frame_methods through hlq.dataframe._core
        from hlq.dataframe._resample import Resampler

        return Resampler(self, rule, closed, label, **kwargs)

    def rolling(self, window, min_periods=None, center=False, win_type=None, axis=0):
        """Rolling windows (ints, or time windows over a datetime index with known divisions)."""
        return _win.Rolling(self, window, min_periods, center, win_type, axis)

    # ----------------------------------------------------------------- metadata
    @property
    def ndim(self):
        return 2 if self._node.kind == "frame" else 1

    @property
    def shape(self):
        """``(rows, columns)`` for a DataFrame, ``(rows,)`` for a Series; rows a lazy Scalar, like dask."""
        # import cycle: hlq.dataframe._core imports hlq.dataframe._frame_methods
        from hlq.dataframe._core import Scalar

        rows = Scalar(Len(self._node))
        return (rows, len(self._node.columns)) if self._node.kind == "frame" else (rows,)

    @property
    def axes(self):
        return [self.index, self.columns] if self._node.kind == "frame" else [self.index]

    @property
    def empty(self):
        raise NotImplementedError("Checking whether a lazy frame has rows would compute it; use "
                                  "len(df.index) == 0 or len(df.head(1)) == 0 (as dask asks)")

    def pipe(self, func, *args, **kwargs):
        """``func(self, *args, **kwargs)`` (``func`` may be ``(callable, data_keyword)``)."""
        if isinstance(func, tuple):
            func, target = func
            kwargs[target] = self
            return func(*args, **kwargs)
        return func(self, *args, **kwargs)

    def get_partition(self, n):
        """Partition ``n`` as a one-partition collection."""
        if not 0 <= n < self.npartitions:
            raise ValueError(f"n must be 0 <= n < {self.npartitions}")
        return self.partitions[n]

    def clear_divisions(self):
        """The same data with unknown divisions."""
        meta = self._meta
        return _coll(MapPartitions(self._node, _Identity(), (), (), MetaBox(meta), True)) \
            ._with_unknown_divisions()

    def _with_unknown_divisions(self):
        n = self.npartitions
        return _coll(RepartitionSplit(self._node, tuple((j, 0, 1) for j in range(n))))

    def to_delayed(self, optimize_graph=True):
        """One ``dask.delayed.Delayed`` per partition, over the optimized graph."""
        from dask.delayed import Delayed

        graph = self.__dask_graph__()
        return [Delayed(k, graph) for k in self.__dask_keys__()]

    def explain(self, stage="fused", format=None):
        """Print the plan before and after optimization (see :func:`hlq.explain`)."""
        print(explain_plan(self))

    def pprint(self):
        """Print the (unoptimized) plan, one node per line."""
        print(explain_plan(self).split("\n\n")[0])

    @classmethod
    def from_dict(cls, data, *, npartitions=1, orient="columns", dtype=None, columns=None):
        """A collection from a dict (see :func:`hlq.dataframe.from_dict`)."""
        # import cycle: hlq.dataframe._io imports hlq.dataframe._frame_methods through hlq.dataframe._core
        from hlq.dataframe._io import from_dict

        return from_dict(data, npartitions=npartitions, orient=orient, dtype=dtype, columns=columns)

    def reduction(self, chunk, aggregate=None, combine=None, meta=None, token=None, split_every=None,
                  chunk_kwargs=None, aggregate_kwargs=None, combine_kwargs=None):
        """A tree reduction with user functions, like dask's: ``chunk`` per partition, ``combine`` on
        concatenated chunk (or combine) results, ``aggregate`` on the concatenated last level."""
        if aggregate is None:
            aggregate = chunk
        if combine is None:
            combine = aggregate
        ck, ak, cbk = (tuple(sorted((kw or {}).items())) for kw in (chunk_kwargs, aggregate_kwargs, combine_kwargs))
        if meta is None:
            fake = nonempty_frame(self._meta)
            meta = _user_final(_user_combine([_user_chunk(fake, chunk, ck)], combine, cbk), aggregate, ak)
        if isinstance(meta, (pd.DataFrame, pd.Series)):
            meta = meta.iloc[:0]
        elif not isinstance(meta, np.dtype):
            meta = np.asarray(meta).dtype if not isinstance(meta, tuple) else pd.Series([], dtype=meta[1],
                                                                                          name=meta[0])
        return _tree(self, Fn(_user_chunk, chunk, ck), Fn(_user_combine, combine, cbk),
                     Fn(_user_final, aggregate, ak), meta, token or "reduction", split_every)

    def _repr_html_(self):
        """dask's structure table (columns, dtypes, divisions) and hlq's plan summary, as HTML."""
        return frame_html(self)

    def _repr_data(self):
        return structure(self)

    def to_html(self, max_rows=5):
        """The structure table as HTML (nothing is computed), like dask's ``to_html``."""
        return self._repr_data().to_frame().to_html(max_rows=max_rows) if self._node.kind == "series" \
            else self._repr_data().to_html(max_rows=max_rows)

    def to_json(self, filename, *args, **kwargs):
        """One JSON file per partition (see :func:`hlq.dataframe.to_json`)."""
        # import cycle: hlq.dataframe._convert imports hlq.dataframe._frame_methods
        from hlq.dataframe._convert import to_json

        return to_json(self, filename, *args, **kwargs)

    def to_records(self, index=False, lengths=None):
        """The rows as an hlq.array of numpy records."""
        # import cycle: hlq.dataframe._convert imports hlq.dataframe._frame_methods
        from hlq.dataframe._convert import to_records

        return to_records(self)

    def to_bag(self, index=False, format="tuple"):
        """A dask Bag of the rows (see :func:`hlq.dataframe.to_bag`)."""
        # import cycle: hlq.dataframe._convert imports hlq.dataframe._frame_methods
        from hlq.dataframe._convert import to_bag

        return to_bag(self, index, format)

    def to_hdf(self, *args, **kwargs):
        # import cycle: hlq.dataframe._convert imports hlq.dataframe._frame_methods
        from hlq.dataframe._convert import to_hdf

        return to_hdf(self, *args, **kwargs)

    def to_orc(self, *args, **kwargs):
        # import cycle: hlq.dataframe._convert imports hlq.dataframe._frame_methods
        from hlq.dataframe._convert import to_orc

        return to_orc(self, *args, **kwargs)

    def to_sql(self, *args, **kwargs):
        # import cycle: hlq.dataframe._convert imports hlq.dataframe._frame_methods
        from hlq.dataframe._convert import to_sql

        return to_sql(self, *args, **kwargs)

    def to_backend(self, backend="pandas", **kwargs):
        if backend != "pandas":
            raise NotImplementedError(f"to_backend({backend!r}): hlq.dataframe partitions are pandas objects")
        return self

    def compute_current_divisions(self):
        """The divisions the partitions' indexes have (computed: min and max of each partition)."""
        import dask

        parts = self.index.map_partitions(_min_max, meta=pd.Series([], dtype=object)).to_delayed()
        ranges = [r.iloc[0] for r in dask.compute(*parts)]
        if any(r is None for r in ranges):
            raise ValueError("empty partitions have no divisions")
        divs = [r[0] for r in ranges] + [ranges[-1][1]]
        return tuple(divs)

    def sample(self, n=None, frac=None, replace=False, random_state=None):
        """A random sample of ``frac`` of each partition's rows (``n`` is not supported, as in dask)."""
        if n is not None:
            raise ValueError("sample does not support the number of sampled items parameter, 'n'. Please use "
                             "the 'frac' parameter instead.")
        if frac is None:
            raise ValueError("sample needs frac=")
        f = _SampleFunc(float(frac), bool(replace), _seeds(random_state, self.npartitions))
        return _coll(IndexedMap(self._node, f, (), MetaBox(self._meta)))

    def random_split(self, frac, random_state=None, shuffle=False):
        """Split the rows randomly into pieces of the given fractions (each row in exactly one piece)."""
        if shuffle:
            raise NotImplementedError("random_split(shuffle=True) is not supported; use shuffle=False")
        frac = [float(f) for f in frac]
        if not np.allclose(sum(frac), 1):
            raise ValueError("frac should sum to 1")
        bounds = tuple(np.cumsum([0.0, *frac]).tolist())
        bounds = bounds[:-1] + (1.0 + 1e-12,)
        seeds = _seeds(random_state, self.npartitions)
        return [_coll(IndexedMap(self._node, _SplitFunc(bounds, k, seeds), (), MetaBox(self._meta)))
                for k in range(len(frac))]

    # ------------------------------------------------------------- per-partition
    def add_prefix(self, prefix, axis=None):
        """Prefix the column labels (a DataFrame; ``axis=0``: the index labels, as for a Series)."""
        return self._add_affix("add_prefix", prefix, axis, lambda c: f"{prefix}{c}")

    def add_suffix(self, suffix, axis=None):
        """Suffix the column labels (a DataFrame; ``axis=0``: the index labels, as for a Series)."""
        return self._add_affix("add_suffix", suffix, axis, lambda c: f"{c}{suffix}")

    def _add_affix(self, name, text, axis, f):
        if self._node.kind == "frame" and axis in (None, 1, "columns"):
            return self._relabel(f)
        if axis not in (None, 0, "index"):
            raise ValueError(f"No axis named {axis!r}")
        f = _PandasMethod(name, (text,), {} if axis is None else {"axis": axis})
        fake = nonempty_frame(self._meta)  # labels of the right type (strings) need values
        meta = f(self._meta) if fake is None else f(fake).iloc[:0]
        out = _coll(MapPartitions(self._node, f, (), (), MetaBox(meta), False))
        # the index labels change (to strings): the old divisions no longer bound them
        return out._with_unknown_divisions() if out.known_divisions else out

    def rename_axis(self, mapper=None, index=None, columns=None, axis=0):
        """Names of the index (or of the column axis)."""
        kw = {k: v for k, v in (("index", index), ("columns", columns)) if v is not None}
        args = () if mapper is None else (mapper,)
        if mapper is not None:
            kw["axis"] = axis
        return _per_partition(self, "rename_axis", *args, **kw)

    def squeeze(self, axis=None):
        """A one-column DataFrame as a Series (others are returned unchanged, like dask); a frame
        cannot be squeezed along the rows (their number is unknown), as in dask."""
        if self._node.kind != "frame":
            return self
        if axis in (None, 1, "columns"):
            if len(self._node.columns) == 1:
                return self[self._node.columns[0]]
            return self
        if axis in (0, "index"):
            raise NotImplementedError(f"{type(self)} does not support squeeze along axis 0")
        raise ValueError(f"No axis {axis} for object type {type(self)}")

    def to_timestamp(self, freq=None, how="start"):
        return _per_partition(self, "to_timestamp", freq=freq, how=how)

    def explode(self, *args, **kwargs):
        return _per_partition(self, "explode", *args, keeps_rows=False, **kwargs)

    def combine_first(self, other):
        """``combine_first`` of aligned partitions."""
        return self._zip_partitions(other, "combine_first")

    def combine(self, other, func, fill_value=None, **kwargs):
        """``combine(other, func)`` of aligned partitions."""
        kw = {"fill_value": fill_value} if fill_value is not None else {}
        kw.update(kwargs)
        return self._zip_partitions(other, "combine", func, **kw)

    def _zip_partitions(self, other, name, *args, **kwargs):
        # import cycle: hlq.dataframe._core imports hlq.dataframe._frame_methods
        from hlq.dataframe._core import _Frame, realign
        # import cycle: hlq.dataframe._io imports hlq.dataframe._frame_methods through hlq.dataframe._core
        from hlq.dataframe._io import from_pandas

        if isinstance(other, (pd.DataFrame, pd.Series)):
            other = from_pandas(other, npartitions=2)  # aligned with this collection, as dask does
        if not isinstance(other, _Frame):
            return _per_partition(self, name, other, *args, **kwargs)
        meta = None
        a, b = nonempty_frame(self._meta), nonempty_frame(other._meta)
        if a is not None and b is not None:
            try:  # on two fake rows: the dtypes a user function gives on real values
                meta = _PandasMethod(name, (b, *args), kwargs)(a).iloc[:0]
            except Exception:  # noqa: BLE001 - the function may reject fake values: use the empty metas
                meta = None
        if meta is None:
            meta = _PandasMethod(name, (other._meta, *args), kwargs)(self._meta)
        this, other = realign(self, other)
        return _coll(ZipPartitions((this._node, other._node), _Zip(name, args, kwargs), MetaBox(meta)))

    def _flex_fill(self, name, other, axis, fill_value):
        # import cycle: hlq.dataframe._core imports hlq.dataframe._frame_methods
        from hlq.dataframe._core import _Frame, realign

        if isinstance(other, _Frame):
            kw = {"axis": axis, "fill_value": fill_value} if self._node.kind == "frame" else {"fill_value": fill_value}
            meta = getattr(self._meta, name)(other._meta, **kw)
            this, other = realign(self, other)
            return _coll(ZipPartitions((this._node, other._node), _Zip(name, (), kw), MetaBox(meta)))
        kw = {"fill_value": fill_value}
        if self._node.kind == "frame":
            kw["axis"] = axis
        return _per_partition(self, name, other, **kw)

    # -------------------------------------------------------------- reductions
    def nlargest(self, n=5, columns=None, keep="first", split_every=None):
        return self._top("nlargest", n, columns, keep, split_every)

    def nsmallest(self, n=5, columns=None, keep="first", split_every=None):
        return self._top("nsmallest", n, columns, keep, split_every)

    def _top(self, how, n, columns, keep, split_every):
        if self._node.kind == "frame" and columns is None:
            raise TypeError(f"DataFrame.{how}() missing required argument: 'columns'")
        if keep not in ("first", "last"):
            raise NotImplementedError(f"{how}(keep={keep!r}) is not supported; use 'first' or 'last'")
        meta = _top(self._meta, how, n, columns, keep)
        return _tree(self, Fn(_top, how, n, columns, keep), Fn(_top_combine, how, n, columns, keep),
                     Fn(_top, how, n, columns, keep), meta, how, split_every)

    def sem(self, axis=None, skipna=True, ddof=1, split_every=None, numeric_only=False):
        return self._moment("sem", axis, skipna, ddof, split_every, numeric_only)

    def skew(self, axis=0, bias=True, nan_policy="propagate", numeric_only=False):
        """dask's skewness: ``m3 / m2 ** 1.5`` of the population moments (scipy's default,
        ``bias=True``; pandas corrects for the sample size), 0 where a frame's column has none.
        Missing values are skipped (dask propagates them; see docs/dataframe_differences.md)."""
        _check_moment_args("skew", axis, bias, nan_policy)
        return self._moment("skew", axis, True, 1, None, numeric_only)

    def kurtosis(self, axis=0, fisher=True, bias=True, nan_policy="propagate", numeric_only=False):
        """dask's kurtosis: ``m4 / m2 ** 2`` of the population moments, minus 3 with ``fisher``
        (scipy's default, ``bias=True``; pandas corrects for the sample size), 0 where a frame's
        column has none.  Missing values are skipped (dask propagates them)."""
        _check_moment_args("kurtosis", axis, bias, nan_policy)
        return self._moment("kurt", axis, True, 1, None, numeric_only, fisher=bool(fisher))

    kurt = kurtosis

    def _moment(self, how, axis, skipna, ddof, split_every, numeric_only, fisher=True):
        # import cycle: hlq.dataframe._core imports hlq.dataframe._frame_methods
        from hlq.dataframe._core import raise_if_object_series

        raise_if_object_series(self, {"kurt": "kurtosis"}.get(how, how))
        if axis in (1, "columns") and self._node.kind == "frame":  # a row's value needs only its row
            kw = {"skipna": skipna, "numeric_only": numeric_only}
            if how == "sem":
                kw["ddof"] = ddof
            return _per_partition(self, how, axis=1, **kw)
        if axis not in (None, 0, "index"):
            raise ValueError(f"No axis named {axis!r} for object type {type(self).__name__}")
        if not skipna:  # NaN wherever the reduced values hold a missing one
            total = self._moment(how, axis, True, ddof, split_every, numeric_only, fisher)
            src = self
            if self._node.kind != "series" and numeric_only:
                src = self[[c for c, d in zip(self._node.columns, self._node.dtypes) if _is_numeric(d)]]
            missing = src.isna().sum(split_every=split_every)
            if self._node.kind == "series":
                # import cycle: hlq.dataframe._core imports hlq.dataframe._frame_methods
                from hlq.dataframe._core import Scalar

                return Scalar(WithScalar("skipna_false_", total._node, missing._node))
            return total.where(missing == 0)
        obj = self
        series = self._node.kind == "series"
        if not series:
            num = [c for c, d in zip(self._node.columns, self._node.dtypes) if _is_numeric(d)]
            if numeric_only or len(num) != len(self._node.columns):
                if not numeric_only:
                    _pandas_moment_error(self._meta, how)
                    bad = [c for c in self._node.columns if c not in num]
                    raise TypeError(f"{how} needs numeric columns; {bad} are not (pass numeric_only=True)")
                obj = self[num]
        elif not _is_numeric(self.dtype):
            raise TypeError(f"{how} needs numeric data, got dtype {self.dtype}")
        meta = np.dtype("float64") if series else pd.Series([], dtype="float64", index=obj._meta.columns[:0])
        return _tree(obj, Fn(_moments), Fn(_moments_combine), Fn(_moments_final, how, ddof, series, fisher), meta, how,
                     split_every)

    def median_approximate(self, axis=None, method="default", numeric_only=False):
        """The approximate median: hlq's approximate ``quantile(0.5)`` (exact for small data)."""
        if axis not in (None, 0, "index", "rows"):
            raise NotImplementedError("median_approximate(axis=1) is not supported; use median(axis=1)")
        if self._node.kind == "frame":
            return self.quantile(0.5, numeric_only=numeric_only).rename(None)
        return self.quantile(0.5)

    def median(self, axis=None, numeric_only=False, split_every=None):
        """The exact median along rows of one partition, or across columns (``axis=1``); with several
        partitions it raises like dask, pointing to ``median_approximate``."""
        if axis in (1, "columns"):
            return _per_partition(self, "median", axis=1, numeric_only=numeric_only)
        if self.npartitions != 1:
            raise NotImplementedError("Dask doesn't implement an exact median in all cases as this is hard to do "
                                      "in parallel. See the `median_approximate` method instead, which uses an "
                                      "approximate algorithm.")
        series = self._node.kind == "series"
        meta = np.dtype("float64") if series else self._meta.median(numeric_only=numeric_only)
        kw = {} if series else {"numeric_only": numeric_only}
        return _tree(self, _PandasMethod("median", (), kw), Fn(_concat), Fn(_first_state), meta, "median")

    def memory_usage_per_partition(self, index=True, deep=False):
        """Bytes of each partition (a Series indexed by partition number; unknown divisions, as dask)."""
        out = _coll(IndexedMap(self._node, _partition_memory, (index, deep), MetaBox(pd.Series([], dtype="int64"))))
        return out._with_unknown_divisions() if out.known_divisions else out

    def nunique_approx(self, split_every=None):
        """The number of distinct rows (exact: hlq counts them, where dask estimates)."""
        return _len_scalar(self.drop_duplicates(split_every=split_every))


def _user_chunk(x, chunk, kw):
    out = chunk(x, **dict(kw))
    return out if isinstance(out, (pd.DataFrame, pd.Series)) else pd.Series([out])


def _user_combine(states, combine, kw):
    return _user_chunk(_concat(states), combine, kw)


def _user_final(state, aggregate, kw):
    return aggregate(state, **dict(kw))


def _first_state(state):
    return state


def _len_scalar(obj):
    # import cycle: hlq.dataframe._core imports hlq.dataframe._frame_methods
    from hlq.dataframe._core import Scalar

    return Scalar(Len(obj._node))


def _partition_memory(part, i, index, deep):
    m = part.memory_usage(index=index, deep=deep)
    return pd.Series([int(m.sum()) if isinstance(m, pd.Series) else int(m)], index=[i], dtype="int64")


def _min_max(part):
    if not len(part):
        return pd.Series([None], dtype=object)
    return pd.Series([(part.min(), part.max())], dtype=object)


class _Identity:
    def __call__(self, x):
        return x


class _Zip:
    """Partition function ``a.<name>(b, *args, **kwargs)`` of two aligned partitions."""

    __slots__ = ("name", "args", "kwargs")

    def __init__(self, name, args, kwargs):
        self.name, self.args, self.kwargs = name, tuple(args), tuple(sorted(dict(kwargs).items()))

    def __call__(self, a, b):
        return getattr(a, self.name)(b, *self.args, **dict(self.kwargs))

    def __reduce__(self):
        return (_Zip, (self.name, self.args, self.kwargs))


def _is_numeric(dt):
    return getattr(dt, "kind", "O") in "biuf" or (hasattr(dt, "numpy_dtype") and dt.numpy_dtype.kind in "biuf")


def _check_axis0(axis, name):
    if axis not in (None, 0, "index"):
        raise NotImplementedError(f"{name}(axis=1) is not supported; use map_partitions(lambda p: p.{name}(axis=1))")


for _n in _FLEX:
    setattr(CommonMethods, _n, _flex(_n))
    if _n not in ("eq", "ne", "lt", "le", "gt", "ge", "subtract", "multiply", "divide"):
        setattr(CommonMethods, "r" + _n, _flex(_n, reverse=True))
del _n


class SeriesMethods(CommonMethods):
    """Series-only methods."""

    __slots__ = ()

    def dropna(self):
        return self[self.notna()]

    @property
    def dtypes(self):
        return self.dtype

    def copy(self, deep=False):
        """A new collection object over the same plan.  ``deep`` must be False (as in dask)."""
        if deep is not False:
            raise ValueError("The `deep` value must be False. This is strictly a shallow copy of the underlying "
                             "computational graph.")
        return type(self)(self._node)

    def dot(self, other, meta=None):
        """``(self * other).sum()`` for an aligned Series."""
        # import cycle: hlq.dataframe._core imports hlq.dataframe._frame_methods
        from hlq.dataframe._core import Series

        if not isinstance(other, Series):
            raise NotImplementedError("Series.dot supports another hlq Series; use map_partitions otherwise")
        return (self * other).sum()

    def case_when(self, caselist):
        """The first matching ``(condition, replacement)`` of ``caselist`` replaces the value (pandas)."""
        out = self
        for cond, repl in reversed(list(caselist)):
            if callable(cond):
                cond = cond(self)
            if callable(repl):
                repl = repl(self)
            out = out.mask(cond, repl)
        return out

    @property
    def nbytes(self):
        """Bytes of the values (a lazy Scalar)."""
        return self.map_partitions(_nbytes, meta=pd.Series([], dtype="int64")).sum()

    @property
    def is_monotonic_increasing(self):
        return self._monotonic("increasing")

    @property
    def is_monotonic_decreasing(self):
        return self._monotonic("decreasing")

    def _monotonic(self, how):
        return _tree(self, Fn(_mono_chunk), Fn(_concat), Fn(_mono_final, how), np.dtype(bool), f"monotonic-{how}")

    def memory_usage(self, index=True, deep=False):
        return _tree(self, Fn(_mem_chunk, index, deep), Fn(_mem_combine), Fn(_mem_final, True), np.dtype("int64"),
                     "memory-usage")

    def to_string(self, max_rows=5):
        return self._repr_data().to_string(max_rows=max_rows)

    def align(self, other, join="outer", axis=None, fill_value=None):
        return _align(self, other, join, axis, fill_value)

    def autocorr(self, lag=1, split_every=False):
        if not isinstance(lag, numbers.Integral):
            raise TypeError("lag should be an int")
        return self.corr(self.shift(lag))

    def corr(self, other, method="pearson", min_periods=None, split_every=False):
        if method != "pearson":
            raise NotImplementedError("only method='pearson' is supported")
        return _pair_stat(self, other, "corr", min_periods, split_every)

    def cov(self, other, min_periods=None, split_every=False):
        return _pair_stat(self, other, "cov", min_periods, split_every)


def _nbytes(part):
    return pd.Series([int(part.nbytes)], dtype="int64")


def _pair_chunk(df):
    a, b = df.iloc[:, 0].astype("float64"), df.iloc[:, 1].astype("float64")
    m = a.notna() & b.notna()
    a, b = a[m], b[m]
    return pd.DataFrame({"n": [len(a)], "sa": [a.sum()], "sb": [b.sum()], "saa": [(a * a).sum()],
                         "sbb": [(b * b).sum()], "sab": [(a * b).sum()]})


def _pair_final(state, how, min_periods):
    t = state.sum()
    n = t["n"]
    if n < max(2, min_periods or 0):
        return np.float64(np.nan)
    cov = (t["sab"] - t["sa"] * t["sb"] / n) / (n - 1)
    if how == "cov":
        return np.float64(cov)
    va = (t["saa"] - t["sa"] ** 2 / n) / (n - 1)
    vb = (t["sbb"] - t["sb"] ** 2 / n) / (n - 1)
    return np.float64(cov / np.sqrt(va * vb))


def _pair_stat(a, b, how, min_periods, split_every=None):
    # import cycle: hlq.dataframe._core imports hlq.dataframe._frame_methods
    from hlq.dataframe._core import Series, DataFrame

    if not isinstance(b, Series):
        raise TypeError(f"{how} needs an hlq Series")
    frame = DataFrame(MapPartitions(a._node, _ToFrameNamed("__a"), (), (), MetaBox(a._meta.to_frame("__a")), True))
    frame = _with_column(frame, "__b", b)
    return _tree(frame, Fn(_pair_chunk), Fn(_concat), Fn(_pair_final, how, min_periods), np.dtype("float64"), how,
                 split_every)


def _with_column(frame, name, s):
    # import cycle: hlq.dataframe._core imports hlq.dataframe._frame_methods
    from hlq.dataframe._core import DataFrame

    return DataFrame(AssignFrom(frame._node, name, s._node))


class _ToFrameNamed:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __call__(self, s):
        return s.to_frame(self.name)

    def __reduce__(self):
        return (_ToFrameNamed, (self.name,))


def _align(a, b, join, axis, fill_value):
    kw = {"join": join, "fill_value": fill_value}
    if axis is not None:
        kw["axis"] = axis
    ma, mb = a._meta.align(b._meta, **kw)
    if a.known_divisions and b.known_divisions and a.divisions != b.divisions:
        # both cut at the union of their divisions, so that partition i of each holds the same labels
        union = _union_divisions(a.divisions, b.divisions)
        if union is not None:
            a, b = a.repartition(divisions=union, force=True), b.repartition(divisions=union, force=True)
    if not (a.known_divisions and b.known_divisions and a.divisions == b.divisions) and a.npartitions > 1:
        raise NotImplementedError("align needs both collections to have the same known divisions; "
                                  "repartition one to the other's divisions first")
    left = _coll(ZipPartitions((a._node, b._node), _AlignPart(0, kw), MetaBox(ma)))
    right = _coll(ZipPartitions((a._node, b._node), _AlignPart(1, kw), MetaBox(mb)))
    return left, right


def _union_divisions(da, db):
    """The sorted union of two known divisions (None when their values do not compare)."""
    try:
        return tuple(sorted(set(da) | set(db)))
    except TypeError:
        return None


class _AlignPart:
    __slots__ = ("which", "kw")

    def __init__(self, which, kw):
        self.which, self.kw = which, tuple(sorted(kw.items()))

    def __call__(self, a, b):
        return a.align(b, **dict(self.kw))[self.which]

    def __reduce__(self):
        return (_AlignPart, (self.which, dict(self.kw)))


class FrameMethods(CommonMethods):
    """DataFrame-only methods."""

    __slots__ = ()

    def _relabel(self, f):
        mapping = tuple((c, f(c)) for c in self._node.columns)
        return _coll(Rename(self._node, mapping)) if mapping else self

    def map(self, func, na_action=None, meta=None):
        """``DataFrame.map(func)`` (element-wise) per partition."""
        kw = {} if na_action is None else {"na_action": na_action}
        if meta is not None:
            # import cycle: hlq.dataframe._core imports hlq.dataframe._frame_methods
            from hlq.dataframe._core import map_partitions

            return map_partitions(_PandasMethod("map", (func,), kw), self, meta=meta)
        f = _PandasMethod("map", (func,), kw)
        try:  # like dask: run on fake rows, warn that the result type is a guess
            meta = f(nonempty_frame(self._meta)).iloc[:0]
        except Exception as exc:
            raise ValueError(f"Metadata inference failed in `map`: your function raised {type(exc).__name__}: "
                             f"{exc} on fake data.\nProvide the output type with the `meta=` keyword.") from exc
        # import cycle: hlq.dataframe._elementwise imports this module
        from hlq.dataframe._elementwise import meta_warning

        warnings.warn(meta_warning(meta, "map"), UserWarning, stacklevel=2)
        return _coll(MapPartitions(self._node, f, (), (), MetaBox(meta), True))

    @property
    def nbytes(self):
        raise NotImplementedError("DataFrame.nbytes is not supported (as in dask); use memory_usage().sum()")

    def dot(self, other, meta=None):
        raise NotImplementedError("DataFrame.dot is not supported; use map_partitions(lambda p: p.dot(m)) with "
                                  "a pandas object m")

    def pivot_table(self, index=None, columns=None, values=None, aggfunc="mean"):
        # import cycle: hlq.dataframe._convert imports hlq.dataframe._frame_methods
        from hlq.dataframe._convert import pivot_table

        return pivot_table(self, index, columns, values, aggfunc)

    def select_dtypes(self, include=None, exclude=None):
        """The columns of the given dtypes (a projection: nothing else is read)."""
        keep = list(self._meta.select_dtypes(include=include, exclude=exclude).columns)
        return _coll(Project(self._node, tuple(keep)))

    @property
    def iloc(self):
        """``df.iloc[:, cols]``: columns by position (rows by position are not supported, as in dask)."""
        return _ILocIndexer(self)

    def query(self, expr, **kwargs):
        """``df.query(expr)`` per partition (pandas' expression syntax)."""
        return _per_partition(self, "query", expr, keeps_rows=False, **kwargs)

    def eval(self, expr, **kwargs):
        """``df.eval(expr)`` per partition; ``inplace`` is not supported."""
        if kwargs.get("inplace"):
            raise NotImplementedError("eval(inplace=True) is not supported; assign the result: df = df.eval(...)")
        if "=" in expr and kwargs.get("inplace") is None:
            kwargs["inplace"] = False
        return _per_partition(self, "eval", expr, **kwargs)

    def items(self):
        """``(name, Series)`` for every column (lazy Series)."""
        for c in self._node.columns:
            yield c, self[c]

    def iterrows(self):
        """Rows as ``(index, Series)``, computing one partition at a time."""
        for i in range(self.npartitions):
            yield from self.partitions[i].compute().iterrows()

    def itertuples(self, index=True, name="Pandas"):
        """Rows as named tuples, computing one partition at a time."""
        for i in range(self.npartitions):
            yield from self.partitions[i].compute().itertuples(index=index, name=name)

    def pop(self, item):
        """Column ``item``; this DataFrame is rebound to the plan without it (like pandas/dask)."""
        out = self[item]
        del self[item]
        return out

    def memory_usage(self, index=True, deep=False):
        meta = self._meta.memory_usage(index=index, deep=deep).astype("int64").iloc[:0]
        return _tree(self, Fn(_mem_chunk, index, deep), Fn(_mem_combine), Fn(_mem_final, False), meta,
                     "memory-usage")

    def melt(self, id_vars=None, value_vars=None, var_name=None, value_name="value", col_level=None):
        """``pd.melt`` of every partition (rows of a partition stay together)."""
        return melt(self, id_vars, value_vars, var_name, value_name, col_level)

    def mode(self, dropna=True, split_every=False, numeric_only=False):
        """The most frequent values of every column (exact)."""
        cols = [c for c, d in zip(self._node.columns, self._node.dtypes) if not numeric_only or _is_numeric(d)]
        modes = [self[c].mode(dropna=dropna) for c in cols]
        if not modes:
            return self
        return _concat_columns(modes, cols)

    def value_counts(self, subset=None, normalize=False, sort=True, ascending=False, dropna=True,
                     split_every=None):
        """Counts of distinct rows (of ``subset`` columns)."""
        cols = list(self._node.columns) if subset is None else list(subset)
        meta = self._meta[cols].value_counts(normalize=normalize, sort=sort, ascending=ascending, dropna=dropna)
        return _tree(self[cols], Fn(_frame_vc_chunk, dropna), Fn(_frame_vc_combine, dropna),
                     Fn(_frame_vc_final, normalize, sort, ascending), meta, "value-counts", split_every)

    def align(self, other, join="outer", axis=None, fill_value=None):
        return _align(self, other, join, axis, fill_value)

    def info(self, buf=None, verbose=False, memory_usage=False):
        """A summary like pandas' (column names and dtypes; no data is computed)."""
        import sys

        lines = [f"<class 'hlq.dataframe.DataFrame'>", f"Columns: {len(self._node.columns)} entries"]
        width = max([len(str(c)) for c in self._node.columns] + [6])
        lines.append(f"{'Column':<{width}}  Dtype")
        for c, d in zip(self._node.columns, self._node.dtypes):
            lines.append(f"{str(c):<{width}}  {d}")
        counts = pd.Series([str(d) for d in self._node.dtypes]).value_counts().sort_index()
        lines.append("dtypes: " + ", ".join(f"{k}({v})" for k, v in counts.items()))
        (buf or sys.stdout).write("\n".join(lines) + "\n")

    def to_string(self, max_rows=5):
        return self._repr_data().to_string(max_rows=max_rows)

    def categorize(self, columns=None, index=None, split_every=None, **kwargs):
        """Categorical columns (and index) with categories computed now from the data, like dask.

        Parameters
        ----------
        columns : label or list, optional
            The columns to categorize (default: object, string and unknown-category columns);
            columns whose categories are known are left alone.
        index : bool, optional
            Categorize the index too (default: when it holds strings or unknown categories).
        split_every : int, optional
            Fan-in of the tree aggregation that finds the categories (an integer >= 2).

        Returns
        -------
        DataFrame
            This frame itself when there is nothing to categorize.
        """
        if split_every is not None and split_every is not False and (
                not isinstance(split_every, numbers.Integral) or split_every < 2):
            raise ValueError("split_every must be an integer >= 2")
        meta = self._meta
        if columns is None:
            columns = [c for c, d in zip(self._node.columns, self._node.dtypes)
                       if d == object or isinstance(d, (pd.StringDtype, pd.CategoricalDtype))
                       or str(d) in ("str", "string")]
        elif not isinstance(columns, (list, tuple, pd.Index)):
            columns = [columns]
        # known categories stay as they are
        columns = [c for c in columns if not isinstance(self._node.dtype_map[c], pd.CategoricalDtype)
                   or has_unknown_categories(self._node.dtype_map[c])]
        idt = meta.index.dtype
        if index is not False:
            if isinstance(idt, pd.CategoricalDtype):
                index = has_unknown_categories(idt)
            elif index is None:
                index = idt == object or isinstance(idt, pd.StringDtype) or str(idt) in ("str", "string")
        if not columns and not index:
            return self
        import dask  # deferred: only categorize computes eagerly

        todo = [category_values(self[c], split_every or None) for c in columns]
        if index:
            todo.append(category_values(self.index.to_series(), split_every or None))
        cats = dask.compute(*todo)
        out = self.astype({c: pd.CategoricalDtype(v) for c, v in zip(columns, cats)}) if columns else self
        if index:
            dtype = pd.CategoricalDtype(cats[-1], ordered=getattr(idt, "ordered", False) or False)
            f = _CategorizeIndex(dtype)
            out = out.map_partitions(f, meta=f(out._meta))
        return out

    def corr(self, method="pearson", min_periods=None, numeric_only=False, split_every=False):
        if method != "pearson":
            raise NotImplementedError("only method='pearson' is supported")
        return self._cov_corr("corr", min_periods, numeric_only, split_every)

    def cov(self, min_periods=None, numeric_only=False, split_every=False):
        return self._cov_corr("cov", min_periods, numeric_only, split_every)

    def _cov_corr(self, how, min_periods, numeric_only, split_every=None):
        cols = [c for c, d in zip(self._node.columns, self._node.dtypes) if _is_numeric(d)]
        if len(cols) != len(self._node.columns) and not numeric_only:
            raise ValueError(f"{how} needs numeric columns (pass numeric_only=True)")
        obj = self[cols]
        meta = getattr(obj._meta, how)().iloc[:0]
        return _tree(obj, Fn(_cov_chunk), Fn(_cov_combine), Fn(_cov_final, how, min_periods, tuple(cols)), meta, how,
                     split_every)


class _CategorizeIndex:
    """A partition whose index becomes categorical of ``dtype``."""

    __slots__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = dtype

    def __call__(self, part):
        return part.set_axis(pd.CategoricalIndex(part.index, dtype=self.dtype), axis=0)

    def __reduce__(self):
        return (_CategorizeIndex, (self.dtype,))


def _cov_chunk(df):
    x = df.astype("float64")
    mask = x.notna().astype("float64")
    v = x.fillna(0.0)
    # pairwise-complete sums: n_ij, sum_i over rows where j present, etc.
    n = mask.T @ mask
    sx = v.T @ mask  # [i, j]: sum of x_i where x_j is present (and x_i)
    sxx = (v * v).T @ mask
    sxy = v.T @ v
    return {"n": n, "sx": sx, "sxx": sxx, "sxy": sxy}


def _cov_combine(states):
    out = dict(states[0])
    for s in states[1:]:
        out = {k: out[k] + s[k] for k in out}
    return out


def _cov_final(st, how, min_periods, cols):
    n, sx, sxx, sxy = st["n"], st["sx"], st["sxx"], st["sxy"]
    sy = sx.T
    syy = sxx.T
    with np.errstate(all="ignore"):
        cov = (sxy - sx * sy / n) / (n - 1)
        if how == "corr":
            vx = (sxx - sx * sx / n) / (n - 1)
            vy = (syy - sy * sy / n) / (n - 1)
            vals = (cov / np.sqrt(vx * vy)).to_numpy(copy=True)
            np.fill_diagonal(vals, np.where(np.diag(n.to_numpy()) > 1, 1.0, np.nan))
            out = pd.DataFrame(vals, index=cov.index, columns=cov.columns)
        else:
            out = cov
    out = out.where(n >= max(2 if how == "corr" else 1, min_periods or 0))
    if how == "cov":
        out = out.where(n >= 2)
    out.index = list(cols)
    out.columns = list(cols)
    return out


def _frame_vc_chunk(df, dropna):
    return df.value_counts(dropna=dropna, sort=False)


def _frame_vc_combine(states, dropna):
    s = _concat(states)
    return s.groupby(level=list(range(s.index.nlevels)), dropna=dropna, sort=False).sum()


def _frame_vc_final(s, normalize, sort, ascending):
    if not isinstance(s.index, pd.MultiIndex):  # a one-column frame's counts keep a MultiIndex (pandas)
        s.index = pd.MultiIndex.from_arrays([s.index])
    if normalize:
        s = (s / s.sum()).rename("proportion")
    else:
        s = s.rename("count")
    if sort:
        s = s.sort_values(ascending=ascending, kind="stable")
    return s


def _concat_columns(series, names):
    """Side-by-side Series of possibly different lengths, as pandas' ``DataFrame.mode`` lays them out."""
    meta = pd.DataFrame({n: s._meta for n, s in zip(names, series)})
    return _coll(ZipPartitions(tuple(s._node for s in series), _Columns(tuple(names)), MetaBox(meta)))


class _Columns:
    __slots__ = ("names",)

    def __init__(self, names):
        self.names = names

    def __call__(self, *parts):
        return pd.DataFrame({n: p.reset_index(drop=True) for n, p in zip(self.names, parts)})

    def __reduce__(self):
        return (_Columns, (self.names,))


class _ILocIndexer:
    def __init__(self, obj):
        self.obj = obj

    def __getitem__(self, key):
        if isinstance(key, tuple) and len(key) > 2:
            raise ValueError("Too many indexers")
        if not (isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], slice) and key[0] == slice(None)):
            raise NotImplementedError("'DataFrame.iloc' only supports selecting columns. It must be used like "
                                      "'df.iloc[:, column_indexer]' (row positions are unknown without "
                                      "computing; use df.partitions[...] or head)")
        cols = self.obj._meta.iloc[:, key[1]]
        if isinstance(cols, pd.Series):
            return self.obj[cols.name]
        return _coll(Project(self.obj._node, tuple(cols.columns)))


# ---------------------------------------------------------------------- module level
def melt(frame, id_vars=None, value_vars=None, var_name=None, value_name="value", col_level=None):
    """``pd.melt`` of every partition (like dask: rows of one partition stay together)."""
    kw = {"id_vars": id_vars, "value_vars": value_vars, "var_name": var_name, "value_name": value_name,
          "col_level": col_level}
    f = _Melt(tuple(sorted(kw.items())))
    return _coll(MapPartitions(frame._node, f, (), (), MetaBox(f(frame._meta)), False))


class _Melt:
    __slots__ = ("kw",)

    def __init__(self, kw):
        self.kw = kw

    def __call__(self, df):
        return pd.melt(df, **dict(self.kw))

    def __reduce__(self):
        return (_Melt, (self.kw,))


class ScalarPerPartition:
    """Partition function: ``func``'s scalar result as a one-element Series (dask's rule for
    ``map_partitions`` functions that reduce a partition to a scalar)."""

    __slots__ = ("func",)

    def __init__(self, func):
        self.func = func

    def __call__(self, part, *args, **kwargs):
        return pd.Series([self.func(part, *args, **kwargs)])

    def __reduce__(self):
        return (ScalarPerPartition, (self.func,))

    @property
    def __name__(self):
        return getattr(self.func, "__name__", "func")


class _FrameSeriesOp:
    """Partition function ``op(frame partition, series)`` (the series aligned with the columns)."""

    __slots__ = ("op", "reverse")

    def __init__(self, op, reverse):
        self.op, self.reverse = op, reverse

    def __call__(self, df, s):
        f = BINARY[self.op]
        return f(s, df) if self.reverse else f(df, s)

    def __reduce__(self):
        return (_FrameSeriesOp, (self.op, self.reverse))


def frame_series_op(df, other, op, reverse):
    """``df <op> s`` where ``s`` (pandas, or a one-partition hlq Series such as a reduction of
    ``df``) is aligned with the columns, as pandas aligns it."""
    # import cycle: hlq.dataframe._core imports hlq.dataframe._frame_methods
    from hlq.dataframe._core import Series
    # import cycle: hlq.dataframe._io imports hlq.dataframe._frame_methods through hlq.dataframe._core
    from hlq.dataframe._io import from_pandas

    if isinstance(other, pd.Series):
        other = from_pandas(other, npartitions=1)
    if not isinstance(other, Series) or other.npartitions != 1:
        raise NotImplementedError("DataFrame <op> Series aligns the Series with the columns (pandas); the "
                                  "Series must have one partition (e.g. a reduction like df.sum()); for row-wise "
                                  "alignment use df.sub(s, axis=0)")
    f = _FrameSeriesOp(op, reverse)
    meta = BINARY[op](other._meta, df._meta) if reverse else BINARY[op](df._meta, other._meta)
    meta = meta[list(df._meta.columns)] if set(meta.columns) == set(df._meta.columns) else meta
    return _coll(ZipPartitions((df._node, other._node), f, MetaBox(meta), (1,)))


def _across_columns(obj, axis):
    return obj._node.kind == "frame" and axis in (1, "columns")


class _ShiftIndex:
    __slots__ = ("periods", "freq")

    def __init__(self, periods, freq):
        self.periods, self.freq = periods, freq

    def __call__(self, part, i):
        return part.shift(self.periods, freq=self.freq)

    def __reduce__(self):
        return (_ShiftIndex, (self.periods, self.freq))


def shift_index(obj, periods, freq):
    """``shift(periods, freq=...)``: the index labels move; known divisions move with them where
    dask moves them (fixed-length steps; anchored offsets such as weeks clear them)."""
    check_time_index(obj._meta.index, "shift")
    f = _ShiftIndex(periods, freq)
    meta = f(obj._meta, 0)
    divs = shifted_divisions(obj, periods, freq) or (None,) * (obj.npartitions + 1)
    return _coll(IndexedMap(obj._node, f, (), MetaBox(meta), True, divs))


def check_time_index(index, name):
    """Shifting by a frequency needs a datetime, period or timedelta index (as in dask)."""
    if not isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex, pd.TimedeltaIndex)):
        raise NotImplementedError(f"{name} with freq needs a DatetimeIndex, PeriodIndex or TimedeltaIndex, "
                                  f"got {type(index).__name__}; use map_partitions")


def shifted_divisions(obj, periods, freq):
    """The divisions after shifting the index by ``periods`` steps of ``freq`` (dask's rule), or None."""
    # deferred: dask.dataframe's helper (its rule for which offsets keep divisions) is slow to import
    from dask.dataframe.dask_expr._util import _calc_maybe_new_divisions

    if freq == "infer":
        freq = getattr(obj._meta.index, "freq", None)
    try:
        return _calc_maybe_new_divisions(obj, periods, freq)
    except (TypeError, ValueError):
        return None


class _RenameIndex:
    __slots__ = ("mapper",)

    def __init__(self, mapper):
        self.mapper = mapper

    def __call__(self, part, i=None):
        return part.rename(index=self.mapper)

    def __reduce__(self):
        return (_RenameIndex, (self.mapper,))


def rename_index(obj, mapper, sorted_index=False):
    """New index labels from a function or mapping, per partition; divisions stay known (mapped
    too) only when ``sorted_index`` promises the mapping keeps the order, as in dask."""
    f = _RenameIndex(mapper)
    meta = f(obj._meta)
    divs = (None,) * (obj.npartitions + 1)
    if sorted_index and obj.known_divisions:
        mapped = pd.Series(0, index=list(obj.divisions)).rename(index=mapper).index
        if mapped.is_monotonic_increasing:
            divs = tuple(mapped)
    return _coll(IndexedMap(obj._node, f, (), MetaBox(meta), True, divs))


def align_partitions(*objs):
    """``objs`` with their collections cut at the same partitions, as dask aligns the operands of
    an element-wise operation: collections of different known divisions are all repartitioned at
    the union of their divisions (so partition ``i`` of each holds the same index labels); equal
    divisions, single partitions on every side, or equal partition counts with unknown divisions
    are left alone.  Other values pass through.

    Raises
    ------
    ValueError
        When divisions are unknown and the partition counts differ.
    """
    frames = [o for o in objs if hasattr(o, "_node") and o._node.kind != "scalar"]
    if len(frames) < 2:
        return objs
    divs = [f.divisions for f in frames]
    if all(d == divs[0] for d in divs) or all(len(d) == 2 for d in divs):
        return objs
    if not all(f.known_divisions for f in frames):
        if len({len(d) for d in divs}) == 1:
            return objs
        raise ValueError("Not all divisions are known, can't align partitions. Please use `set_index` to set "
                         "the index.")
    try:
        union = tuple(sorted(set().union(*divs)))
    except TypeError as exc:
        raise ValueError(f"cannot align partitions: the divisions do not compare with each other ({exc})") from None
    if len(union) == 1:
        union = (union[0], union[0])
    return tuple(o.repartition(divisions=union, force=True) if any(o is f for f in frames) and o.divisions != union
                 else o for o in objs)
