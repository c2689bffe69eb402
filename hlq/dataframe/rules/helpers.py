"""Helpers shared by the dataframe rule modules.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> x = dd.from_pandas(pd.DataFrame({"a": [1], "b": [2.0], "c": ["u"]}), npartitions=1).node
>>> ordered(x, {"c", "a"})
('a', 'c')
>>> narrow(x, {"b"}).label()
'project(b)'
>>> narrow(x, {"a", "b", "c"}) is x
True
"""

from __future__ import annotations

from hlq.dataframe.nodes.merge import Merge
from hlq.dataframe.nodes.ops import Project

__all__ = ["ordered", "narrow", "rebuild_merge"]


def ordered(node, needed):
    """The columns of ``node`` that are in ``needed``, in ``node``'s order."""
    return tuple(c for c in node.columns if c in needed)


def narrow(x, need):
    """``x`` projected on the columns of ``need`` it has (``x`` itself when that is all of them)."""
    cols = ordered(x, need)
    return x if cols == x.columns else Project(x, cols)


def rebuild_merge(m, left, right):
    """The merge ``m`` with new inputs (every other parameter kept)."""
    return Merge(left, right, m.how, m.left_on, m.right_on, m.left_index, m.right_index, m.suffixes,
                 m.indicator, m.broadcast, m.npartitions_, m.partitionwise)
