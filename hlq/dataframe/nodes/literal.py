"""A known scalar value as a plan node (what ``len(df)`` becomes when the row counts are known).

>>> ScalarLiteral(3).label()
'literal(3)'
"""

from __future__ import annotations

import numpy as np
from dask._task_spec import DataNode

from hlq.dataframe.nodes.base import FrameNode

__all__ = ["ScalarLiteral"]


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

