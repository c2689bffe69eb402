"""``df.index`` / ``s.index``: the index of a frame as a lazy collection.

An :class:`Index` is a Series of the index values (indexed by themselves, as
``pandas.Index.to_series`` gives them) that computes to a :class:`pandas.Index`,
so that reductions (``df.index.max()``) and element-wise operations work as on
a Series, in the same plan as the frame.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> df = dd.from_pandas(pd.DataFrame({"a": range(6)}, index=[10, 11, 12, 13, 14, 15]), npartitions=2)
>>> df.index.compute()
Index([10, 11, 12, 13, 14, 15], dtype='int64')
>>> df.index.max().compute()
np.int64(15)
"""

from __future__ import annotations

import pandas as pd

from hlq.dataframe._core import Series
from hlq.dataframe.nodes.index_values import IndexValues

__all__ = ["Index", "index_of"]


class Index(Series):
    """A lazy pandas Index (the index of a DataFrame or Series, one part per partition)."""

    __slots__ = ()
    _partition_type = pd.Index
    _accessors: set = set()  # names registered by hlq.dataframe.extensions

    @property
    def _meta(self):
        if isinstance(self._node, IndexValues):  # the frame's own (empty) index: MultiIndex levels and names kept
            return self._node.child.meta.index[:0]
        m = self._node.meta
        return pd.Index(m, name=m.name) if isinstance(m, pd.Series) else m

    @property
    def index(self):
        raise AttributeError("'Index' object has no attribute 'index'")

    # operations work on the values as a Series (whose meta is a Series, not an Index)
    def _binop(self, other, op, reverse=False):
        return Series(self._node)._binop(other, op, reverse)

    def _unary(self, tag, *extra):
        return Series(self._node)._unary(tag, *extra)

    def map_partitions(self, func, *args, meta=None, columns=None, **kwargs):
        return Series(self._node).map_partitions(func, *args, meta=meta, columns=columns, **kwargs)

    def head(self, n=5, npartitions=1, compute=True):
        """The first ``n`` index values (a pandas Index, or a lazy Index with ``compute=False``)."""
        first = Series(self._node).head(n, npartitions, compute)
        return first.index if compute else Index(IndexValues(first._node))

    # accessors see the values as a Series (pandas' Index has .str/.dt but no .cat)
    @property
    def str(self):
        return Series(self._node).str

    @property
    def dt(self):
        return Series(self._node).dt

    @property
    def cat(self):
        return Series(self._node).cat

    def drop_duplicates(self, split_every=None, split_out=1, shuffle_method=None, keep="first"):
        """The distinct index values, a lazy Index (first appearances; ``split_out`` partitions)."""
        out = Series(self._node).drop_duplicates(keep=keep, split_every=split_every, split_out=split_out)
        return Index(IndexValues(out._node))

    def unique(self, split_every=None, split_out=1, shuffle_method=None):
        """The distinct index values, a lazy Index (pandas' ``Index.unique``)."""
        return self.drop_duplicates(split_every=split_every, split_out=split_out)

    def to_series(self):
        """The index values as a Series indexed by themselves."""
        return Series(self._node)

    def __repr__(self):
        return f"<hlq.dataframe.Index npartitions={self.npartitions} plan={self._node.label()}>"


def index_of(obj):
    """The :class:`Index` of a DataFrame or Series collection."""
    return Index(IndexValues(obj._node))
