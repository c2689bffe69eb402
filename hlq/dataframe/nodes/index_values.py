"""The index of a frame as a series node (``df.index``), computing to a :class:`pandas.Index`.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> df = dd.from_pandas(pd.DataFrame({"a": range(4)}, index=[5, 6, 7, 8]), npartitions=2)
>>> IndexValues(df.node).label()
'index'
"""

from __future__ import annotations

import pandas as pd
from dask._task_spec import Task, TaskRef

from hlq.dataframe.nodes.base import FrameNode

__all__ = ["IndexValues", "ConcatIndex"]


class IndexValues(FrameNode):
    """Each partition's index as a Series of its values (indexed by themselves); the result of
    computing it is the concatenated :class:`pandas.Index` (see :class:`ConcatIndex`)."""

    _fields = ("child",)
    op_name = "index"
    is_blockwise = True

    def _props(self):
        c = self.child
        m = c.meta.index
        return {"kind": "series", "columns": (m.name,), "dtypes": (m.dtype,), "divisions": c.divisions,
                "lengths": c.lengths}

    def _extra_props(self):
        return {"bw_inputs": ((self.child, (0,)),), "bw_func": _index_values}

    def finalize(self):
        return ConcatIndex(self)

    def label(self):
        return "index"


def _index_values(part):
    return part.index.to_series()


class ConcatIndex(FrameNode):
    """One task concatenating the partitions of :class:`IndexValues` into a :class:`pandas.Index`."""

    _fields = ("child",)
    op_name = "concat-index"
    needs_all_inputs = True

    def _props(self):
        c = self.child
        d = c.divisions
        return {"kind": "series", "columns": c.columns, "dtypes": c.dtypes, "divisions": (d[0], d[-1]),
                "lengths": None if c.lengths is None else (sum(c.lengths),)}

    def output_keys(self):
        return [(self.name, 0)]

    def finalize(self):
        return self

    def block_dependencies(self, idx):
        c = self.child
        return [(c, (i,)) for i in range(c.npartitions)]

    def block_task(self, key, idx):
        c = self.child
        return Task(key, _concat_index, *[TaskRef((c.name, i)) for i in range(c.npartitions)])


def _concat_index(*parts):
    idx = [p.index if isinstance(p, pd.Series) else p for p in parts]
    return idx[0].append(idx[1:]) if len(idx) > 1 else idx[0]
