"""``len(df)`` from metadata: partition row counts known from parquet footers or pandas.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> from hlq.rules import optimize_plan
>>> df = dd.from_pandas(pd.DataFrame({"a": range(10), "b": 1.0}), npartitions=3)
>>> from hlq.dataframe.nodes import Len
>>> optimize_plan(Len(df.assign(c=df.a + 1).node)).label()
'literal(10)'
"""

from __future__ import annotations

from dask._task_spec import DataNode

from hlq.dataframe.nodes.base import FrameNode
from hlq.dataframe.nodes.ops import Project
from hlq.dataframe.nodes.reduction import Len
from hlq.rules import Is, Where, rule

import numpy as np


class ScalarLiteral(FrameNode):
    """A known scalar value (one block)."""

    _fields = ("value",)
    op_name = "literal"
    kind = "scalar"

    def _props(self):
        return {"kind": "scalar", "columns": (None,), "dtypes": (np.asarray(self.value).dtype,),
                "divisions": (None, None)}

    def block_dependencies(self, idx):
        return ()

    def block_task(self, key, idx):
        return DataNode(key, self.value)

    def label(self):
        return f"literal({self.value!r})"


@rule(Is(Len, child=Where(lambda c: c.lengths is not None, "partition lengths known")),
      phase="simplify", tags=("len-metadata",))
def len_from_metadata(node):
    """len(x) -> n, when the rows per partition are known from metadata"""
    return ScalarLiteral(int(sum(node.child.lengths)))


@rule(Is(Len, child=Where(lambda c: c.kind == "frame" and len(c.columns) > 1, "a frame of several columns")),
      phase="pushdown", tags=("projection-pushdown",))
def len_reads_one_column(node):
    """len(x) -> len(x[[first column]]): counting rows needs no other column"""
    return Len(Project(node.child, node.child.columns[:1]))
