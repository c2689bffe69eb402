"""Moving rows between partitions: hash and range partitioning, with pandas operations only.

A shuffle is two steps.  :class:`ShuffleSplit` (blockwise, so it fuses with
the producer of each input partition) cuts every input partition into ``n``
pieces, one per output partition; :class:`ShuffleCollect` builds output
partition ``j`` by concatenating piece ``j`` of every input partition.
Pieces are chosen by

* hash: ``pd.util.hash_pandas_object(keys) % n`` (:func:`hash_codes`), the
  same for equal keys on both sides of a join (keys of different dtypes are
  cast to a common one first);
* range: the position of the key among sorted boundaries
  (:func:`range_codes`); boundaries are given, or sampled *in the graph*
  (:class:`SampleKeys` per partition, :class:`Boundaries` in one task), so
  building and optimizing a plan never computes anything.

:class:`Shuffle` is the logical node (``df.shuffle(on)``); the rule
``lower_shuffle`` turns it into split + collect.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> df = dd.from_pandas(pd.DataFrame({"k": [1, 2, 3, 1, 2, 3], "v": range(6)}), npartitions=3)
>>> s = df.shuffle("k", npartitions=2)
>>> sorted(s.compute().v.tolist())
[0, 1, 2, 3, 4, 5]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from dask._task_spec import Task, TaskRef

from hlq.dataframe.nodes.base import FrameNode, same_categories, unknown_divisions
from hlq.dataframe.nodes.partitioning import by_keys, combine_hashes, value_hash

__all__ = ["INDEX", "Shuffle", "ShuffleSplit", "RangeSplit", "ShuffleCollect", "SampleKeys", "Boundaries",
           "hash_codes", "range_codes", "key_casts"]

#: stands for "the index" in a list of key columns
INDEX = "\x00index"


def _key_series(df, key):
    if key == INDEX:
        return pd.Series(df.index, index=None) if not isinstance(df, pd.Series) else pd.Series(df.index)
    s = df[key] if not isinstance(df, pd.Series) else df
    return s.reset_index(drop=True)


def _numeric(dt):
    return getattr(dt, "kind", "O") in "biuf" or (hasattr(dt, "numpy_dtype") and dt.numpy_dtype.kind in "biuf")


def key_casts(ldtypes, rdtypes) -> tuple:
    """Per key pair, the dtype both sides are cast to before hashing (None: hash as is)."""
    out = []
    for a, b in zip(ldtypes, rdtypes):
        if a == b:
            out.append(None)
        elif _numeric(a) and _numeric(b):
            out.append(np.dtype("float64"))
        else:
            out.append(np.dtype(object))
    return tuple(out)


def hash_codes(df, keys, n, casts=None) -> np.ndarray:
    """Output partition (``0..n-1``) of every row of ``df``, from a hash of its ``keys`` (the hash
    groupby buckets use too, :mod:`hlq.dataframe.nodes.partitioning`)."""
    cols = {}
    for i, k in enumerate(keys):
        s = _key_series(df, k)
        c = None if casts is None else casts[i]
        if c is not None:
            s = s.astype(c)
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(s.dtype.categories.dtype if s.dtype.categories.dtype != object else object)
        cols[i] = s
    h = combine_hashes([value_hash(cols[i]) for i in range(len(keys))])
    return (h % np.uint64(n)).astype(np.intp)


def _sortable(s):
    """Values of ``s`` as an array that sorts like pandas sorts ``s`` (categoricals by code)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy()
    return s.to_numpy()


def range_codes(df, key, bounds, ascending=True, na_position="last") -> np.ndarray:
    """Output partition of every row: the position of its ``key`` among the ``n - 1`` inner
    ``bounds`` (reversed for descending order); missing keys go to the last partition
    (``na_position="first"``: the first)."""
    s = _key_series(df, key)
    n = len(bounds) + 1
    null = s.isna().to_numpy()
    out = np.full(len(s), 0 if na_position == "first" else n - 1, dtype=np.intp)
    vals = _sortable(s[~null])
    if len(bounds):
        pos = np.searchsorted(np.asarray(bounds, dtype=vals.dtype if vals.dtype != object else object), vals,
                              side="right" if ascending else "left")
    else:
        pos = np.zeros(len(vals), dtype=np.intp)
    out[~null] = pos if ascending else (n - 1 - pos)
    return out


def _split_by_codes(df, codes, n):
    order = np.argsort(codes, kind="stable")
    cuts = np.searchsorted(codes[order], np.arange(n + 1), side="left")
    taken = df.take(order)
    return [taken.iloc[cuts[j]:cuts[j + 1]] for j in range(n)]


class Shuffle(FrameNode):
    """``df.shuffle(on, npartitions)``: rows with equal ``on`` values end in the same partition."""

    _fields = ("child", "on", "npartitions_")
    op_name = "shuffle"

    def _props(self):
        c = self.child
        dm = c.dtype_map
        for k in self.on:
            if k != INDEX and k not in dm:
                raise KeyError(f"shuffle key {k!r} not found; columns are {list(c.columns)}")
        return {"kind": c.kind, "columns": c.columns, "dtypes": c.dtypes,
                "divisions": unknown_divisions(self.npartitions_)}

    def label(self):
        return f"shuffle(on {', '.join(map(str, self.on))}, partitions {self.child.npartitions} -> {self.npartitions_})"


class ShuffleSplit(FrameNode):
    """Each partition cut into ``n`` pieces by a hash of ``keys`` (a list per partition)."""

    _fields = ("child", "keys", "n", "casts")
    _defaults = {"casts": None}
    op_name = "shuffle-split"
    is_blockwise = True

    def _props(self):
        c = self.child
        return {"kind": "state", "columns": c.columns, "dtypes": c.dtypes, "divisions": c.divisions}

    def _extra_props(self):
        return {"bw_inputs": ((self.child, (0,)),), "bw_func": _HashSplit(self.keys, self.n, self.casts)}

    def label(self):
        return f"hash-split(on {', '.join(map(str, self.keys))}, into {self.n})"


class _HashSplit:
    __slots__ = ("keys", "n", "casts")

    def __init__(self, keys, n, casts):
        self.keys, self.n, self.casts = keys, n, casts

    def __call__(self, df):
        return _split_by_codes(df, hash_codes(df, self.keys, self.n, self.casts), self.n)

    def __reduce__(self):
        return (_HashSplit, (self.keys, self.n, self.casts))


class SampleKeys(FrameNode):
    """A sorted sample (at most ``size`` values, evenly spaced) of ``key`` in each partition."""

    _fields = ("child", "key", "size")
    op_name = "sample-keys"
    is_blockwise = True

    def _props(self):
        c = self.child
        return {"kind": "state", "columns": (None,), "dtypes": (None,), "divisions": c.divisions}

    def _extra_props(self):
        return {"bw_inputs": ((self.child, (0,)),), "bw_func": _Sample(self.key, self.size)}


class _Sample:
    __slots__ = ("key", "size")

    def __init__(self, key, size):
        self.key, self.size = key, size

    def __call__(self, df):
        s = _key_series(df, self.key).dropna()
        v = np.sort(_sortable(s))
        if len(v) > self.size:
            v = v[np.linspace(0, len(v) - 1, self.size).round().astype(np.intp)]
        return v

    def __reduce__(self):
        return (_Sample, (self.key, self.size))


class Boundaries(FrameNode):
    """The ``n - 1`` inner boundaries of ``n`` ranges holding about equal numbers of sampled keys
    (one task reading every partition's sample)."""

    _fields = ("samples", "n")
    op_name = "boundaries"

    def _props(self):
        return {"kind": "state", "columns": (None,), "dtypes": (None,), "divisions": (None, None)}

    def block_dependencies(self, idx):
        s = self.samples
        return [(s, (i,)) for i in range(s.npartitions)]

    def block_task(self, key, idx):
        s = self.samples
        return Task(key, _boundaries, self.n, *[TaskRef((s.name, i)) for i in range(s.npartitions)])

    def label(self):
        return f"boundaries(sampled, {self.n} ranges)"


def _boundaries(n, *samples):
    samples = [s for s in samples if len(s)]
    if not samples or n <= 1:
        return np.array([])
    v = np.sort(np.concatenate(samples))
    pos = (np.arange(1, n) * len(v)) // n
    return v[np.minimum(pos, len(v) - 1)]


class RangeSplit(FrameNode):
    """Each partition cut into ``len(bounds) + 1`` pieces by the range its ``key`` falls in.

    ``bounds`` is a tuple of inner boundaries, or a :class:`Boundaries` node sampled in the graph
    (then ``n`` gives the number of pieces).  Missing keys go to the last piece, or the first
    with ``na_position="first"``."""

    _fields = ("child", "key", "bounds", "n", "ascending", "na_position")
    _defaults = {"na_position": "last"}
    op_name = "range-split"
    is_blockwise = True

    def _props(self):
        c = self.child
        return {"kind": "state", "columns": c.columns, "dtypes": c.dtypes, "divisions": c.divisions}

    def _extra_props(self):
        ins = ((self.child, (0,)),)
        if isinstance(self.bounds, FrameNode):
            ins = ins + ((self.bounds, (("c", 0),)),)
            return {"bw_inputs": ins, "bw_func": _RangeSplit(self.key, None, self.n, self.ascending, self.na_position)}
        return {"bw_inputs": ins, "bw_func": _RangeSplit(self.key, self.bounds, self.n, self.ascending,
                                                         self.na_position)}

    def label(self):
        src = "sampled" if isinstance(self.bounds, FrameNode) else "given"
        return f"range-split(on {self.key}, {src} bounds, into {self.n})"


class _RangeSplit:
    __slots__ = ("key", "bounds", "n", "ascending", "na_position")

    def __init__(self, key, bounds, n, ascending, na_position="last"):
        self.key, self.bounds, self.n, self.ascending, self.na_position = key, bounds, n, ascending, na_position

    def __call__(self, df, bounds=None):
        b = self.bounds if bounds is None else bounds
        return _split_by_codes(df, range_codes(df, self.key, b, self.ascending, self.na_position), self.n)

    def __reduce__(self):
        return (_RangeSplit, (self.key, self.bounds, self.n, self.ascending, self.na_position))


class ShuffleCollect(FrameNode):
    """Output partition ``j``: piece ``j`` of every split input partition, concatenated, then
    ``finish`` applied: ``None``, ``("sort_values", by, ascending[, na_position])`` or ``("sort_index",)``
    or ``("set_index", column)``."""

    _fields = ("child", "kind_", "columns_", "dtypes_", "divisions_", "finish")
    _defaults = {"finish": None}
    op_name = "shuffle-collect"

    @property
    def kind(self):
        return self.kind_

    def _props(self):
        part = None
        c = self.child
        if isinstance(c, ShuffleSplit) and self.finish is None and c.casts is None and INDEX not in c.keys:
            dm = c.child.dtype_map
            part = by_keys(tuple(c.keys), [dm[k] for k in c.keys], c.n)
        return {"kind": self.kind_, "columns": self.columns_, "dtypes": self.dtypes_,
                "divisions": self.divisions_, "partitioning": part}

    def block_dependencies(self, idx):
        c = self.child
        return [(c, (i,)) for i in range(c.npartitions)]

    def block_task(self, key, idx):
        c = self.child
        return Task(key, _collect, idx[0], self.finish, *[TaskRef((c.name, i)) for i in range(c.npartitions)])

    def label(self):
        fin = "" if self.finish is None else f", then {self.finish[0]}"
        return f"shuffle-collect({self.child.npartitions} -> {self.npartitions}{fin})"


def _collect(j, finish, *pieces):
    parts = [p[j] for p in pieces]
    nonempty = [p for p in parts if len(p)]
    df = pd.concat(same_categories(nonempty)) if len(nonempty) > 1 else (nonempty[0] if nonempty else parts[0])
    return finish_partition(df, finish)


def finish_partition(df, finish):
    """Apply a collect step's ``finish`` to one output partition."""
    if finish is None:
        return df
    if finish[0] == "sort_values":
        by, ascending = finish[1], finish[2]
        nas = finish[3] if len(finish) > 3 else "last"
        if isinstance(df, pd.Series):
            return df.sort_values(ascending=ascending[0], kind="stable", na_position=nas)
        return df.sort_values(list(by), ascending=list(ascending), kind="stable", na_position=nas)
    if finish[0] == "set_index":
        return df.set_index(finish[1]).sort_index(kind="stable")
    if finish[0] == "sort_index":
        return df.sort_index(kind="stable")
    raise ValueError(f"unknown finish step {finish!r}")
