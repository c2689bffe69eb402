"""Operations over several frames or across partitions: merge/join, concat, shuffle, repartition,
set_index/sort_values, tail, ``.partitions`` and ``.loc``.

Names and signatures follow ``dask.dataframe``; results equal pandas' (row
order of a join, as in dask, is not pandas').  ``DataFrame``/``Series``
methods in :mod:`hlq.dataframe._core` delegate here.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> a = dd.from_pandas(pd.DataFrame({"k": [1, 2, 3, 4], "x": [1.0, 2.0, 3.0, 4.0]}), npartitions=2)
>>> b = dd.from_pandas(pd.DataFrame({"k": [2, 4], "y": ["u", "v"]}), npartitions=1)
>>> dd.merge(a, b, on="k").compute().sort_values("k").y.tolist()
['u', 'v']
>>> dd.concat([a, a]).npartitions
4
"""

from __future__ import annotations

import numbers
import warnings

import pandas as pd

from hlq.dataframe._core import DataFrame, map_partitions, new_collection, realign, Series
from hlq.dataframe.nodes.merge import HOWS, Merge
from hlq.dataframe._estimate import estimate_bytes
from hlq.dataframe._index import Index
from hlq.dataframe._io import from_dask_array, from_pandas
from hlq.dataframe.nodes.base import FrameNode
from hlq.dataframe.nodes.index_values import IndexValues
from hlq.dataframe.nodes.multipart import ZipPartitions
from hlq.dataframe.nodes.ops import MetaBox, Project
from hlq.dataframe.nodes.partitioning import index_to_columns
from hlq.dataframe.nodes.shuffle import Boundaries, INDEX, SampleKeys, Shuffle
from hlq.dataframe.nodes.sort import SetIndex, SetIndexSorted, SortValues
from hlq.dataframe.nodes.sources import ReadParquet, index_ranges
from hlq.dataframe.nodes.window import IndexedMap
from hlq.dataframe.nodes.structure import (
    ConcatFrames, LocSlice, RepartitionCombine, RepartitionDivisions, RepartitionSplit, SelectPartitions,
    Tail,
)
from hlq.dataframe.rules.lowering import MAX_SAMPLE, SAMPLES_PER_OUTPUT

__all__ = ["merge", "join", "concat"]


def _as_tuple(x):
    if x is None:
        return ()
    return tuple(x) if isinstance(x, (list, tuple)) else (x,)


def merge(left, right, how="inner", on=None, left_on=None, right_on=None, left_index=False, right_index=False,
          suffixes=("_x", "_y"), indicator=False, npartitions=None, shuffle_method=None, broadcast=None):
    """Join two DataFrames like :func:`pandas.merge` (``dask.dataframe.merge`` signature).

    Parameters
    ----------
    left, right : DataFrame
        hlq DataFrames (a pandas object on one side is converted with one partition).
    how : {"inner", "left", "right", "outer", "leftsemi", "leftanti"}
        ``"leftsemi"`` (as in dask): the rows of ``left`` whose keys occur in ``right``, each
        once, with ``left``'s columns only; ``"leftanti"``: the rows of ``left`` whose keys do
        not occur in ``right``.
    on, left_on, right_on : label or list of labels
        Key columns (``on``: the same names on both sides; default: the common columns).
    left_index, right_index : bool
        Join on the index of that side.
    suffixes : (str, str)
        Appended to overlapping non-key column names.
    indicator : bool
        Add a ``_merge`` column (``left_only``/``right_only``/``both``).
    npartitions : int, optional
        Output partitions of a hash join (default: the larger input's).
    shuffle_method : ignored
        Accepted for dask compatibility (hlq shuffles with tasks).
    broadcast : bool, optional
        Force (True) or forbid (False) a broadcast join; default: chosen from estimated sizes.

    Returns
    -------
    DataFrame

    Raises
    ------
    KeyError
        A key column is missing (at build time).
    """
    if isinstance(left, pd.DataFrame):
        left = from_pandas(left, npartitions=1)
    if isinstance(right, pd.DataFrame):
        right = from_pandas(right, npartitions=1)
    if isinstance(right, Series):
        if right.name is None:
            raise ValueError("cannot merge a Series without a name")
        right = right.to_frame()
    if not isinstance(left, DataFrame) or not isinstance(right, DataFrame):
        raise TypeError(f"merge needs DataFrames, got {type(left).__name__} and {type(right).__name__}")
    if on is not None and (left_on is not None or right_on is not None):
        raise ValueError('Can only pass argument "on" OR "left_on" and "right_on", not a combination of both.')
    if on is None and left_on is None and right_on is None and not left_index and not right_index:
        common = [c for c in left._node.columns if c in right._node.dtype_map]
        if not common:
            raise ValueError("No common columns to perform merge on; pass on=, left_on=/right_on= or *_index=")
        on = common
    lk = _as_tuple(on if on is not None else left_on)
    rk = _as_tuple(on if on is not None else right_on)
    level = _index_level_key(left, right, lk if on is not None and not (left_index or right_index) else ())
    if level is not None:
        # ``on`` names the index of both sides (pandas merges on index level names): the index
        # alone is an index join; with columns, both indexes become columns for the merge and
        # the result is indexed by that key again, as pandas gives it.  Rows only match within
        # equal index values, so frames partitioned by their index merge partition-wise
        kw = dict(how=how, suffixes=suffixes, indicator=indicator, npartitions=npartitions, broadcast=broadcast)
        if lk == (level,):
            return merge(left, right, left_index=True, right_index=True, **kw)
        pw = None
        if npartitions is None and how in HOWS:
            left, right, pw = _partitionwise(left, right, how, True, True)
        lr, rr = left.reset_index(), right.reset_index()
        if pw is None:
            out = merge(lr, rr, on=list(lk), **kw)
        else:
            out = new_collection(Merge(lr._node, rr._node, how, tuple(lk), tuple(lk), False, False,
                                       tuple(suffixes), bool(indicator), broadcast, None, pw))
        fn = _IndexFrom(level)
        return out.map_partitions(fn, meta=fn(out._meta))
    if left_index and lk and on is None:
        raise ValueError("pass either left_on or left_index, not both")
    if not left_index and not right_index and len(lk) != len(rk):
        raise ValueError("len(right_on) must equal len(left_on)")
    if (left_index and not right_index and not rk) or (right_index and not left_index and not lk):
        raise ValueError("an index join on one side needs the key columns of the other (left_on/right_on)")
    if left_index and len(rk) > 1 or right_index and len(lk) > 1:
        raise ValueError("an index join matches one key column")
    if how in ("leftsemi", "leftanti"):
        return _semi_anti_join(left, right, how, lk, rk, left_index, right_index, npartitions, broadcast)
    pw = None
    if npartitions is None and how in HOWS:
        left, right, pw = _partitionwise(left, right, how, bool(left_index), bool(right_index))
    node = Merge(left._node, right._node, how, () if left_index else lk, () if right_index else rk,
                 bool(left_index), bool(right_index), tuple(suffixes), bool(indicator), broadcast, npartitions,
                 pw)
    return new_collection(node)


def _partitionwise(left, right, how, left_indexed, right_indexed):
    """``(left, right, partitionwise)`` for a merge whose sides are keyed by their index
    (``*_indexed``), as dask partitions it: a side with a single partition is merged with every
    partition of the other, which keeps its divisions when it is indexed; two sides with known
    divisions are both repartitioned at the union of their divisions and merged partition by
    partition.  ``partitionwise`` is the :class:`Merge` hint (None: no known divisions result,
    the strategy is chosen from estimated sizes)."""
    ln, rn = left._node, right._node
    if ln.npartitions == 1 and rn.npartitions == 1:
        if left_indexed and how in ("right", "inner"):
            divs = rn.divisions  # the result is labelled by the right side's index
        elif right_indexed and how in ("inner", "left"):
            divs = ln.divisions
        elif left_indexed and right_indexed and ln.known_divisions and rn.known_divisions:
            divs = _union_divisions(ln.divisions, rn.divisions, True)
        else:
            return left, right, None
        return left, right, (("aligned", divs) if None not in divs else None)
    if rn.npartitions == 1 and how in ("inner", "left"):
        return left, right, (("broadcast", "r", ln.divisions) if right_indexed and ln.known_divisions else None)
    if ln.npartitions == 1 and how in ("inner", "right"):
        return left, right, (("broadcast", "l", rn.divisions) if left_indexed and rn.known_divisions else None)
    if not (left_indexed and right_indexed and ln.known_divisions and rn.known_divisions):
        return left, right, None
    if ln.divisions != rn.divisions:
        left, right = _align_divisions(left, right)
        if left._node.divisions != right._node.divisions:
            return left, right, None
    return left, right, ("aligned", left._node.divisions)


def _union_divisions(a, b, single=False):
    """The sorted distinct values of two divisions (``single``: just their minimum and maximum)."""
    u = sorted(set(a) | set(b))
    if single or len(u) == 1:
        return (u[0], u[-1])
    return tuple(u)


def _align_divisions(left, right):
    """Two frames with several partitions and different known divisions, both repartitioned at the
    union of their divisions (as dask aligns an index join): they are then joined partition by
    partition, no shuffle, and the result keeps those divisions.  Unchanged otherwise."""
    ln, rn = left._node, right._node
    if (ln.npartitions < 2 or rn.npartitions < 2 or not ln.known_divisions or not rn.known_divisions
            or ln.divisions == rn.divisions):
        return left, right
    ld, rd = ln.divisions, rn.divisions
    if len(set(ld)) != len(ld) or len(set(rd)) != len(rd):
        return left, right  # a last partition holding one value: left alone
    try:
        union = tuple(sorted(set(ld) | set(rd)))
    except TypeError:  # divisions that do not compare with each other
        return left, right
    return left.repartition(divisions=union), right.repartition(divisions=union)


def _index_level_key(left, right, keys):
    """The key of ``keys`` that names the index of both frames and a column of neither, or None."""
    name = left._meta.index.name
    if (name is None or name != right._meta.index.name or name not in keys
            or name in left._node.dtype_map or name in right._node.dtype_map):
        return None
    return name


class _IndexFrom:
    """Partition function: ``df.set_index(column)`` (rows keep their order)."""

    __slots__ = ("col",)

    def __init__(self, col):
        self.col = col

    def __call__(self, df):
        return df.set_index(self.col)

    def __reduce__(self):
        return (_IndexFrom, (self.col,))


def _semi_anti_join(left, right, how, lk, rk, left_index, right_index, npartitions, broadcast):
    """``leftsemi``/``leftanti``: ``left`` merged with the distinct keys of ``right`` (named like
    ``left``'s keys, so the result has exactly ``left``'s columns)."""
    if left_index or right_index:
        raise NotImplementedError(f"merge(how={how!r}) joins on columns only (like dask); "
                                  f"use reset_index() to make the index a column first")
    lk, rk = list(lk), list(rk)
    keys = right[rk].rename(columns=dict(zip(rk, lk)))
    dedup = _DropDuplicates()
    keys = keys.map_partitions(dedup, meta=keys._meta)
    if keys.npartitions > 1:  # equal keys meet in one partition, where they are made distinct
        keys = keys.shuffle(on=lk).map_partitions(dedup, meta=keys._meta)
    if how == "leftsemi":
        return merge(left, keys, how="inner", on=lk, npartitions=npartitions, broadcast=broadcast)
    flag = "__hlq_anti"
    while flag in left._node.dtype_map:
        flag += "_"
    keys = keys.assign(**{flag: True})
    out = merge(left, keys, how="left", on=lk, npartitions=npartitions, broadcast=broadcast)
    return out[out[flag].isna()][list(left.columns)]


class _DropDuplicates:
    """Partition function: ``df.drop_duplicates()``."""

    def __call__(self, df):
        return df.drop_duplicates()

    def __reduce__(self):
        return (_DropDuplicates, ())


def join(left, other, on=None, how="left", lsuffix="", rsuffix="", npartitions=None, broadcast=None):
    """``left.join(other)``: a merge on ``other``'s index (and ``left``'s index, or its ``on`` column).

    ``other`` may be a pandas DataFrame or Series (one partition, as in :func:`merge`), or a list
    of frames joined one after the other (``how`` "left" or "outer", as dask).
    Raises ``ValueError`` when columns overlap and no suffix is given, like pandas."""
    if isinstance(other, (list, tuple)):
        if how not in ("left", "outer"):
            raise ValueError("merge_multi only supports left or outer joins")
        out = left
        for o in other:
            out = join(out, o, on, how, lsuffix, rsuffix, npartitions, broadcast)
        return out
    if isinstance(other, (pd.DataFrame, pd.Series)):
        other = from_pandas(other, npartitions=1)
    if isinstance(other, Series):
        other = other.to_frame()
    overlap = set(left._node.columns) & set(other._node.columns) - ({on} if isinstance(on, str) else set())
    if overlap and not (lsuffix or rsuffix):
        raise ValueError(f"columns overlap but no suffix specified: {sorted(map(str, overlap))}")
    if on is None:
        return merge(left, other, how=how, left_index=True, right_index=True, suffixes=(lsuffix, rsuffix),
                     npartitions=npartitions, broadcast=broadcast)
    return merge(left, other, how=how, left_on=on, right_index=True, suffixes=(lsuffix, rsuffix),
                 npartitions=npartitions, broadcast=broadcast)


def _concat_inputs(dfs) -> list:
    """The inputs of ``concat`` as hlq collections: pandas objects become one-partition
    collections; an empty list or anything else raises, naming the problem."""
    dfs = [from_pandas(d, npartitions=1) if isinstance(d, (pd.DataFrame, pd.Series)) else d for d in dfs]
    if not dfs:
        raise ValueError("No objects to concatenate")
    for d in dfs:
        if not isinstance(d, (DataFrame, Series)):
            raise TypeError(f"concat needs hlq DataFrames or Series, got {type(d).__name__}")
    return dfs


def concat(dfs, axis=0, join="outer", interleave_partitions=False, ignore_unknown_divisions=False,
           ignore_order=False, sort=False):
    """Stack frames or series vertically (``axis=0``), keeping every input partition.

    Output divisions are known when every input's are and they follow each other in order.
    Columns come in the order of their first appearance (pandas' ``sort=False``).
    """
    if sort:
        raise NotImplementedError("concat(sort=True) is not supported; select the columns in sorted order after")
    if join not in ("outer", "inner"):
        raise ValueError("'join' must be 'inner' or 'outer'")
    if axis in (1, "columns"):
        return _concat_columns(list(dfs), join, ignore_unknown_divisions)
    if axis not in (0, "index"):
        raise ValueError(f"No axis named {axis!r}")
    dfs = _concat_inputs(dfs)
    if len(dfs) == 1:
        return dfs[0]
    return new_collection(ConcatFrames(tuple(d._node for d in dfs), join))


def _concat_columns(dfs, join, ignore_unknown_divisions):
    """``concat(dfs, axis=1)``: partition ``i`` of every input side by side (``pd.concat(axis=1)``),
    after realigning inputs with known divisions at the union of their divisions (dask's rule).
    Inputs with unknown divisions must have equal partition counts, and are assumed aligned
    (with dask's warning unless ``ignore_unknown_divisions``)."""
    dfs = _concat_inputs(dfs)
    if len(dfs) == 1:
        return dfs[0].to_frame() if isinstance(dfs[0], Series) else dfs[0]
    if all(d.known_divisions for d in dfs):
        dfs = list(realign(*dfs))
    else:
        if len({d.npartitions for d in dfs}) != 1:
            raise ValueError("concat(axis=1) of collections with unknown divisions needs equal partition counts; "
                             "set_index or repartition them first")
        if not ignore_unknown_divisions:
            warnings.warn("Concatenating dataframes with unknown divisions.\nWe're assuming that the indices of "
                          "each dataframes are \n aligned. This assumption is not generally safe.", UserWarning,
                          stacklevel=3)
    meta = pd.concat([d._meta for d in dfs], axis=1, join=join)
    return new_collection(ZipPartitions(tuple(d._node for d in dfs), _ConcatColumns(join), MetaBox(meta)))


class _ConcatColumns:
    """Partition function: ``pd.concat(parts, axis=1, join=join)``."""

    __slots__ = ("join",)

    def __init__(self, join):
        self.join = join

    def __call__(self, *parts):
        return pd.concat(parts, axis=1, join=self.join)

    def __reduce__(self):
        return (_ConcatColumns, (self.join,))


def is_int(x):
    """Whether ``x`` is an integer (``bool`` is not)."""
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


# ---------------------------------------------------------------- per-collection operations
def tail(obj, n=5, compute=True):
    """Last ``n`` rows, read from the last partition (all needed ones when lengths are known)."""
    node = obj._node
    k = 1
    if node.lengths is not None:
        k, total = 0, 0
        while k < node.npartitions and total < n:
            total += node.lengths[node.npartitions - 1 - k]
            k += 1
        k = max(k, 1)
    out = new_collection(Tail(node, n, k))
    return out.compute() if compute else out


class PartitionsIndexer:
    """``x.partitions[i]``, ``x.partitions[a:b]``, ``x.partitions[[i, j]]``: a collection of those partitions."""

    def __init__(self, obj):
        self._obj = obj

    def __getitem__(self, key):
        n = self._obj.npartitions
        if isinstance(key, slice):
            parts = tuple(range(n))[key]
        elif is_int(key):
            if not -n <= key < n:
                raise IndexError(f"partition {key} out of range for {n} partitions")
            parts = (key % n,)
        elif isinstance(key, (list, tuple)) or hasattr(key, "__array__"):
            import numpy as np

            arr = np.asarray(key)
            if arr.dtype == bool:
                if len(arr) != n:
                    raise IndexError(f"boolean partition mask of length {len(arr)} for {n} partitions")
                parts = tuple(int(i) for i in np.flatnonzero(arr))
            else:
                parts = tuple(int(i) % n if -n <= int(i) < n else _raise_index(int(i), n) for i in arr)
        else:
            raise TypeError(f"partitions[...] takes an int, slice or list of ints, got {type(key).__name__}")
        if not parts:
            raise IndexError("partitions[...] selected no partition")
        return new_collection(SelectPartitions(self._obj._node, parts))


def _raise_index(i, n):
    raise IndexError(f"partition {i} out of range for {n} partitions")


class LocIndexer:
    """``x.loc[label]``, ``x.loc[a:b]`` (label slices, both ends included), ``x.loc[[labels]]``
    (known divisions), ``x.loc[bool_series]``, ``x.loc[callable]`` and ``x.loc[rows, cols]``.

    With known divisions only the partitions that can hold the labels are kept.
    A single label selects like ``loc[label:label]`` (a DataFrame, as in dask)."""

    def __init__(self, obj):
        self._obj = obj

    def __getitem__(self, key):
        obj = self._obj
        cols = None
        if isinstance(key, tuple):
            if len(key) > (2 if isinstance(obj, DataFrame) else 1):
                raise pd.errors.IndexingError("Too many indexers")
            if len(key) == 2:
                key, cols = key
                if cols is not None and not (isinstance(cols, slice) and cols == slice(None)):
                    # the columns pandas selects on the empty meta (labels, lists, masks, callables)
                    picked = obj._meta.loc[:, cols]
                    cols = list(picked.columns) if isinstance(picked, pd.DataFrame) else cols
                else:
                    cols = None
        if callable(key) and not isinstance(key, (Series, pd.Series)):
            key = key(obj)
        if isinstance(key, slice):
            if key.step not in (None, 1):
                raise ValueError("loc with a step is not supported")
            out = _loc_range(obj, key.start, key.stop)
        elif isinstance(key, Series):
            if not pd.api.types.is_bool_dtype(key.dtype):
                raise KeyError(_NON_BOOLEAN)
            out = obj[key]
        elif _is_lazy_array(key):
            out = _loc_array_mask(obj, key)
        elif isinstance(key, (list, pd.Index, pd.Series)) or hasattr(key, "__array__"):
            if pd.api.types.is_bool_dtype(getattr(key, "dtype", None)):
                raise NotImplementedError(
                    "loc with a boolean mask of pandas or numpy values is not supported; use a lazy boolean "
                    "Series of the same frame (df.loc[df.x > 0])")
            out = _loc_list(obj, key)
        else:
            out = _loc_range(obj, key, key, element=True)
        if cols is not None:
            out = out[cols]
        return out


_NON_BOOLEAN = ("Cannot index with non-boolean dask Series. Try passing computed values instead "
                "(e.g. ``ddf.loc[iindexer.compute()]``)")


def _is_lazy_array(key):
    """An hlq or dask array (a lazy mask or lazy labels)."""
    return hasattr(key, "chunks") and hasattr(key, "dask") and not isinstance(key, (pd.Series, pd.Index))


def _loc_array_mask(obj, arr):
    """``obj.loc[bool_array]``: the array's blocks are ``obj``'s partitions, position by position
    (as dask's ``loc`` with an array); a non-boolean array raises dask's ``KeyError``."""
    if not pd.api.types.is_bool_dtype(arr.dtype):
        raise KeyError(_NON_BOOLEAN)
    if arr.ndim != 1:
        raise ValueError(f"loc needs a 1-d boolean array, got {arr.ndim} dimensions")
    if arr.numblocks[0] != obj.npartitions:
        raise ValueError(f"loc with a boolean array of {arr.numblocks[0]} blocks on {obj.npartitions} "
                         "partitions: the blocks must be the partitions")
    mask = from_dask_array(arr).clear_divisions()
    return new_collection(ZipPartitions((obj._node, mask._node), _MaskRows(), MetaBox(obj._meta)))


class _MaskRows:
    """The rows of a partition where the mask partition (same length, its own index) is true."""

    def __call__(self, part, mask):
        return part[mask.to_numpy(dtype=bool)]

    def __reduce__(self):
        return (_MaskRows, ())


def _loc_list(obj, labels):
    """``obj.loc[[labels]]`` with known divisions: each label goes to the partition its value
    falls in (dask's rule), each kept partition selects its labels in their given order; the
    result's divisions are the smallest label of each partition and the largest of the last."""
    import bisect

    resolve_divisions(obj)
    node = obj._node
    if not node.known_divisions:
        raise KeyError("Cannot index with list against unknown division. Try setting divisions using "
                       "``ddf.set_index``")
    labels = list(labels.tolist() if hasattr(labels, "tolist") else labels)
    divs, n = node.divisions, node.npartitions
    if not labels:
        sel = SelectPartitions(node, (0,)) if n > 1 else node
        return new_collection(IndexedMap(sel, _LocLabels(((),)), (), MetaBox(obj._meta), False, (None, None)))
    groups: dict = {}
    try:
        for v in labels:
            p = min(n - 1, max(0, bisect.bisect_right(divs, v) - 1))
            groups.setdefault(p, []).append(v)
        parts = sorted(groups)
        out_divs = tuple(sorted(groups[p])[0] for p in parts) + (sorted(groups[parts[-1]])[-1],)
    except TypeError as e:
        raise TypeError(f"loc labels cannot be compared with the divisions: {e}") from None
    sel = node if parts == list(range(n)) else SelectPartitions(node, tuple(parts))
    func = _LocLabels(tuple(tuple(groups[p]) for p in parts))
    return new_collection(IndexedMap(sel, func, (), MetaBox(obj._meta), False, out_divs))


class _LocLabels:
    """Partition ``i`` selects ``labels[i]`` with pandas' ``loc`` (KeyError for a missing label)."""

    __slots__ = ("labels",)

    def __init__(self, labels):
        self.labels = labels

    def __call__(self, part, i):
        return part.loc[list(self.labels[i])]

    def __reduce__(self):
        return (_LocLabels, (self.labels,))


def resolve_divisions(obj):
    """Compute the divisions a sort-based ``set_index`` left to be sampled, as dask does when they
    are needed: the plan of ``obj`` (a collection, updated in place) gets a ``set_index`` with
    those divisions (same rows; fewer partitions where sampled boundaries repeat).  The
    boundaries are found by sampling every partition and the key's min and max, in one compute.

    Only a ``set_index`` at the root, or below nodes that keep its partitions (blockwise nodes
    with the same divisions), is resolved; keys whose sampled values are not the key's values
    (categoricals) are left alone."""
    path = []
    node = obj._node
    while not isinstance(node, SetIndex):
        child = getattr(node, "child", None)
        if (child is None or not getattr(node, "is_blockwise", False) or not isinstance(child, FrameNode)
                or node.divisions != child.divisions or len(node.children) != 1):
            return
        path.append(node)
        node = child
    if node.divisions_ is not None:
        return
    divisions = _sampled_divisions(node)
    if divisions is None:
        return
    if divisions == "empty":  # no key values at all: one partition, unknown divisions (as dask)
        if node.npartitions == 1:
            return
        new = SetIndex(node.child, node.col, 1, None)
    else:
        new = SetIndex(node.child, node.col, len(divisions) - 1, divisions)
    for above in reversed(path):
        new = above.replace(child=new)
    obj._rebind(new_collection(new))


def _sampled_divisions(si):
    """The divisions sampled for ``si`` (a ``SetIndex``), ``"empty"`` when the key has no values,
    None when they cannot be sampled."""
    import dask

    c, col, n = si.child, si.col, si.npartitions
    dt = c.dtype_map[col]
    if not (pd.api.types.is_numeric_dtype(dt) or pd.api.types.is_datetime64_any_dtype(dt)
            or pd.api.types.is_string_dtype(dt)) or isinstance(dt, pd.CategoricalDtype) \
            or pd.api.types.is_bool_dtype(dt):
        return None
    key = new_collection(c)[col]
    samples = new_collection(Boundaries(SampleKeys(c, col, min(MAX_SAMPLE, SAMPLES_PER_OUTPUT * n)), n))
    lo, hi, bounds, count = dask.compute(key.min(), key.max(), samples, key.count())
    if not count:
        return "empty"
    if pd.isna(lo) or pd.isna(hi):
        return None
    vals = pd.Index([lo, *list(bounds), hi]).tolist()
    lo, hi = vals[0], vals[-1]
    inner = sorted({b for b in vals[1:-1] if lo < b < hi})
    return (lo, *inner, hi)


def _datetime_bounds(obj, start, stop):
    """String bounds on a datetime index as pandas reads them (partial string indexing): a
    start is the first instant of the period the string names, a stop its last instant."""
    idx = obj._meta.index
    if isinstance(idx, pd.PeriodIndex):
        # a string names the periods it covers: pandas' own bounds at the index's frequency
        sample = pd.period_range("2000-01-01", periods=2, freq=idx.freq)

        def bound(v, side):
            return sample._maybe_cast_slice_bound(v, side) if isinstance(v, str) else v

        return bound(start, "left"), bound(stop, "right")
    if not isinstance(idx, pd.DatetimeIndex):
        return start, stop
    tz = idx.tz

    def conv(v, end):
        if not isinstance(v, str):
            return v
        p = pd.Period(v)
        t = p.end_time if end else p.start_time
        return t.tz_localize(tz) if tz is not None and t.tz is None else t

    return conv(start, False), conv(stop, True)


def _loc_range(obj, start, stop, element=False):
    resolve_divisions(obj)
    start, stop = _datetime_bounds(obj, start, stop)
    node = obj._node
    if node.known_divisions:
        d = node.divisions
        n = node.npartitions
        try:
            outside = element and (stop < d[0] or start > d[-1])
        except TypeError:
            outside = False  # not comparable: the selection below says why
        if outside:  # a single label outside the divisions cannot be in the index (as dask)
            raise KeyError(f"the label [{start}] is not in the index")
        try:
            # partition p holds [d[p], d[p+1]) (the last one also d[n]); keep those meeting [start, stop]
            keep = tuple(p for p in range(n)
                         if (stop is None or d[p] <= stop)
                         and (start is None or start < d[p + 1] or (p == n - 1 and start <= d[n])))
        except TypeError as e:
            raise TypeError(f"loc labels {start!r}:{stop!r} cannot be compared with the divisions: {e}") from None
        keep = keep or (0,)
        if keep != tuple(range(n)):
            node = SelectPartitions(node, keep)
    return new_collection(LocSlice(node, start, stop))


def repartition_function(df, divisions=None, force=False):
    """``dd.repartition(df, divisions)``: a collection (or a pandas object, split at ``divisions``)
    repartitioned at the given boundaries, like ``dask.dataframe.repartition``.

    Parameters
    ----------
    df : DataFrame, Series, pandas.DataFrame or pandas.Series
    divisions : sequence
        The new partition boundaries (sorted; the last one closes the last partition).
    force : bool
        Allow divisions that extend beyond the data's range.
    """
    import pandas as pd

    if isinstance(df, (pd.DataFrame, pd.Series)):
        df = from_pandas(df, npartitions=1)
    return df.repartition(divisions=divisions, force=force)


def repartition(obj, divisions=None, npartitions=None, partition_size=None, force=False):
    """``repartition(npartitions=n)`` (combine neighbours, or split partitions: by interpolated
    divisions when they are known numbers or datetimes, else into equal row pieces),
    ``repartition(divisions=...)`` (needs known divisions) or
    ``repartition(partition_size="100MB")`` (from the *estimated* size: no data is read)."""
    given = sum(x is not None for x in (divisions, npartitions, partition_size))
    if given != 1:
        raise ValueError("give exactly one of divisions=, npartitions= and partition_size=")
    node = obj._node
    if divisions is not None:
        return new_collection(RepartitionDivisions(node, tuple(divisions)))
    if partition_size is not None:
        import math

        from dask.utils import parse_bytes

        size = parse_bytes(partition_size) if isinstance(partition_size, str) else int(partition_size)
        est = estimate_bytes(node)
        if est is None:
            raise ValueError("repartition(partition_size=) needs a size estimate from metadata; "
                             "use npartitions= instead")
        npartitions = max(1, math.ceil(est / max(1, size)))
    if not is_int(npartitions) or npartitions < 1:
        raise ValueError(f"npartitions must be a positive integer, got {npartitions!r}")
    n = node.npartitions
    if npartitions == n:
        return obj
    if npartitions < n:
        bounds = [round(i * n / npartitions) for i in range(npartitions + 1)]
        groups = tuple((a, b) for a, b in zip(bounds, bounds[1:]) if b > a)
        return new_collection(RepartitionCombine(node, groups))
    # split: partition j into m_j pieces, spreading the extra partitions evenly (by rows when known)
    weights = node.lengths if node.lengths is not None else (1,) * n
    total = sum(weights) or n
    counts = [1] * n
    for _ in range(npartitions - n):
        j = max(range(n), key=lambda i: (weights[i] / counts[i] if total else 1, -i))
        counts[j] += 1
    interpolated = _interpolate_divisions(node.divisions, counts) if node.known_divisions else None
    if interpolated is not None and len(interpolated) == npartitions + 1:
        return new_collection(RepartitionDivisions(node, interpolated))  # divisions stay known
    pieces = tuple((j, q, counts[j]) for j in range(n) for q in range(counts[j]))
    return new_collection(RepartitionSplit(node, pieces))


def _interpolate_divisions(divisions, counts):
    """Known numeric or datetime divisions with partition ``j`` cut into ``counts[j]`` equal
    ranges (None when the values cannot be interpolated or would repeat)."""
    import numpy as np

    first = divisions[0]
    if isinstance(first, (bool, np.bool_)):
        return None
    if isinstance(first, pd.Timestamp):
        try:
            vals = [d.value for d in divisions]
        except AttributeError:
            return None
        back = pd.Timestamp if first.tz is None else (lambda v: pd.Timestamp(v, tz=first.tz))
        integral = True
    elif isinstance(first, (numbers.Integral, np.integer)):
        vals, back, integral = [int(d) for d in divisions], int, True
    elif isinstance(first, (numbers.Real, np.floating)):
        vals, back, integral = [float(d) for d in divisions], float, False
    else:
        return None
    out = []
    for j, m in enumerate(counts):
        lo, hi = vals[j], vals[j + 1]
        for q in range(m):
            v = lo + (hi - lo) * q / m
            out.append(int(round(v)) if integral else v)
    out.append(vals[-1])
    if any(not a < b for a, b in zip(out, out[1:])):
        return None
    return tuple(back(v) for v in out)


def shuffle(obj, on=None, npartitions=None, ignore_index=False, **kwargs):
    """Move rows so that equal ``on`` values share a partition (hash partitioning).

    ``on``: column name(s), or a Series or DataFrame computed from ``obj`` (partitioned like
    it), whose values are the keys."""
    if isinstance(on, (DataFrame, Series)):
        if isinstance(obj, Series):
            tmp = "__hlq_values"
            out = shuffle(obj.to_frame(name=tmp), on, npartitions, ignore_index, **kwargs)[tmp]
            return out.rename(obj.name)
        if on.npartitions != obj.npartitions:
            raise TypeError("index must be aligned with the DataFrame to use as shuffle index.")
        series = [on] if isinstance(on, Series) else [on[c] for c in on.columns]
        names = []
        for i in range(len(series)):
            name = f"__hlq_shuffle_{i}"
            while name in obj._node.dtype_map:
                name += "_"
            names.append(name)
        out = shuffle(obj.assign(**dict(zip(names, series))), names, npartitions, ignore_index, **kwargs)
        return out[list(obj.columns)]
    if on is None:
        keys = (INDEX,)
    else:
        keys = _as_tuple(on)
        if isinstance(obj, Series):
            keys = tuple(INDEX if k == obj.name else k for k in keys)
    return new_collection(Shuffle(obj._node, keys, npartitions or obj.npartitions))


def sort_values(obj, by=None, ascending=True, npartitions=None, na_position="last"):
    """Globally sorted rows (range partitioned on ``by[0]`` by sampled boundaries, then each
    partition sorted with pandas); missing values last or, with ``na_position="first"``, first."""
    if na_position not in ("first", "last"):
        raise ValueError(f"na_position must be either 'first' or 'last', got {na_position!r}")
    if isinstance(obj, Series):
        by = (obj.name,)
    else:
        if by is None:
            raise TypeError("sort_values() missing required argument: 'by'")
        by = _as_tuple(by)
    asc = (ascending,) * len(by) if isinstance(ascending, bool) else tuple(bool(a) for a in ascending)
    return new_collection(SortValues(obj._node, by, asc, npartitions or obj.npartitions, na_position))


def set_index(obj, other, drop=True, sorted=False, npartitions=None, divisions=None, **kwargs):
    """A new index from column ``other``, rows sorted by it.

    ``divisions`` gives the partition boundaries (known divisions, nothing computed);
    ``sorted=True`` trusts that the data is already sorted (blockwise, divisions from parquet
    row-group statistics when available); otherwise the boundaries are sampled in the graph, and
    computed once (as dask computes its quantiles) when the divisions, the number of partitions,
    ``.loc`` or ``persist()`` first need them."""
    if isinstance(other, Index) and isinstance(other._node, IndexValues) and other._node.child is obj._node:
        return obj  # the frame's own index: nothing changes (as in dask)
    sort = kwargs.pop("sort", True)
    append = kwargs.pop("append", False)
    if not sort:
        # each partition sets its own index, rows stay where they are: unknown divisions
        fn = _SetIndexPerPartition(other, drop, append)
        out = obj.map_partitions(fn, meta=fn(obj._meta))
        return out._with_unknown_divisions() if out.known_divisions else out
    if append:
        raise NotImplementedError("set_index(append=True) needs sort=False (as in dask)")
    if isinstance(other, (list, tuple)):
        if len(other) == 1 and not isinstance(other[0], (list, tuple)):
            other = other[0]
        else:
            raise NotImplementedError("Dask dataframe does not yet support multi-indexes (set_index on several "
                                      "columns); set the index on one column")
    if isinstance(other, Series) or not drop:
        # the index comes from a copy of the key, so the frame's own columns all stay (pandas keeps
        # them for a Series key whatever ``drop`` says, and for a column key with drop=False)
        if isinstance(other, Series):
            name, key = other.name, other
        else:
            if other not in obj._node.dtype_map:
                raise KeyError(f"set_index column {other!r} not found; columns are {list(obj._node.columns)}")
            name, key = other, obj[other]
        tmp = "__hlq_set_index"
        while tmp in obj._node.dtype_map:
            tmp += "_"
        out = set_index(obj.assign(**{tmp: key}), tmp, True, sorted, npartitions, divisions, **kwargs)
        fix = _IndexName(name)
        return out.map_partitions(fix, meta=fix(out._meta))
    node = obj._node
    if other not in node.dtype_map:
        raise KeyError(f"set_index column {other!r} not found; columns are {list(node.columns)}")
    if sorted:
        return new_collection(SetIndexSorted(node, other, tuple(divisions) if divisions is not None
                                             else _statistics_divisions(node, other)))
    if divisions is None and npartitions is None:
        stats = _statistics_divisions(node, other)
        if stats is not None:  # files already ordered by the column: no shuffle
            return new_collection(SetIndexSorted(node, other, stats, True))
    if divisions is not None:
        divisions = tuple(divisions)
        if len(divisions) < 2 or any(not a < b for a, b in zip(divisions, divisions[1:])):
            raise ValueError(f"divisions must be sorted and unique, got {divisions}")
        n = len(divisions) - 1
    else:
        n = npartitions or node.npartitions
    return new_collection(SetIndex(node, other, n, divisions))


class _SetIndexPerPartition:
    """Partition function: pandas' ``set_index(key, drop=, append=)``."""

    __slots__ = ("key", "drop", "append")

    def __init__(self, key, drop, append):
        self.key, self.drop, self.append = key, drop, append

    def __call__(self, df):
        return df.set_index(self.key, drop=self.drop, append=self.append)

    def __reduce__(self):
        return (_SetIndexPerPartition, (self.key, self.drop, self.append))


class _IndexName:
    """Partition function: name the index ``name``."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __call__(self, df):
        return df.rename_axis(index=self.name)

    def __reduce__(self):
        return (_IndexName, (self.name,))


def _statistics_divisions(node, col):
    """Divisions of a parquet read sorted by ``col``, from row-group min/max statistics (metadata)."""
    while isinstance(node, Project):
        node = node.child
    if not isinstance(node, ReadParquet) or node.filter is not None:
        return None
    info = node.info
    parts = tuple(range(len(info.files))) if node.parts is None else tuple(node.parts)
    if getattr(node, "groups", None) is not None or len(parts) != node.npartitions:
        return None
    ranges = index_ranges(info, col)
    if ranges is None or any(ranges[i] is None for i in parts):
        return None
    if any(not ranges[a][1] < ranges[b][0] for a, b in zip(parts, parts[1:])):
        return None
    return tuple(ranges[i][0] for i in parts) + (ranges[parts[-1]][1],)


def reset_index(obj, drop=False):
    """Per-partition ``reset_index`` (each partition numbered from 0, as in dask).

    With ``drop=False`` the index becomes column(s) named and typed as the index of the
    partitions (known from the plan: ``set_index``, a groupby's keys, a reduction's labels,
    ``meta`` of a user function; an unnamed numbered index gives an ``index`` column)."""
    meta = obj._meta.reset_index(drop=drop)
    out = map_partitions(_reset_index, obj, drop, meta=meta)
    # the new index restarts at 0 in every partition: the divisions are unknown (as in dask)
    return out._with_unknown_divisions() if out.known_divisions else out


def _reset_index(df, drop):
    return df.reset_index(drop=drop)


# index levels of a hash partitioning become columns of the same names
_reset_index.partitioning_rule = index_to_columns
