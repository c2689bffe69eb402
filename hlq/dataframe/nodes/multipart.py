"""A function of the same-numbered partitions of several aligned collections (blockwise).

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> a = dd.from_pandas(pd.Series([1.0, None, 3.0], name="x"), npartitions=2)
>>> b = dd.from_pandas(pd.Series([9.0, 2.0, None], name="x"), npartitions=2)
>>> a.combine_first(b).compute().tolist()
[1.0, 2.0, 3.0]
"""

from __future__ import annotations

from hlq.dataframe.nodes.base import FrameNode
from hlq.dataframe.nodes.ops import check_aligned
from hlq.dataframe.nodes.window import meta_props

__all__ = ["ZipPartitions"]


class ZipPartitions(FrameNode):
    """``func(part_0, part_1, ...)`` of partition ``i`` of every node of ``children`` (which must
    have the same partitions, except those whose positions are in ``broadcast``: their one
    partition goes to every task); ``meta_`` (a MetaBox) describes the result."""

    _fields = ("children", "func", "meta_", "broadcast")
    _defaults = {"broadcast": ()}
    _opaque_fields = ("func",)
    op_name = "zip-partitions"
    is_blockwise = True

    def _props(self):
        parts = [c for i, c in enumerate(self.children) if i not in self.broadcast]
        first = parts[0]
        for c in parts[1:]:
            check_aligned(first, c)
        for i in self.broadcast:
            if self.children[i].npartitions != 1:
                raise ValueError("a broadcast input of zip-partitions must have one partition")
        return meta_props(self.meta_.value, first.divisions, None)

    @property
    def kind(self):
        return self.__dict__.get("kind", "frame")

    def _extra_props(self):
        return {"bw_inputs": tuple((c, (("c", 0),) if i in self.broadcast else (0,))
                                   for i, c in enumerate(self.children)), "bw_func": self.func}

    def label(self):
        return f"zip-partitions({getattr(self.func, 'name', type(self.func).__name__)}, {len(self.children)} inputs)"
