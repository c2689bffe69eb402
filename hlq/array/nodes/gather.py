"""``GatherBlocks``: one output block computed from all blocks of an input (a tree-less combine).

Used where a small per-block summary is merged in one task (approximate
percentiles).  ``func`` receives the child's blocks in C order.
"""

from __future__ import annotations

import numpy as np
from dask._task_spec import Task, TaskRef

from hlq.array.nodes.base import ArrayNode

__all__ = ["GatherBlocks"]


class GatherBlocks(ArrayNode):
    """``func(*blocks of child)`` as the single block of an array with ``dims_``/``dtype_``."""

    _fields = ("child", "func", "dims_", "dtype_")
    _opaque_fields = ("func",)
    needs_all_inputs = True

    @property
    def op_name(self):
        return getattr(self.func, "__name__", "gather").replace("_", "-")

    def _array_props(self):
        if any(d.nblocks != 1 for d in self.dims_):
            raise ValueError("GatherBlocks produces a single block")
        return self.dims_, self.dtype_

    def block_dependencies(self, idx):
        c = self.child
        return [(c, i) for i in np.ndindex(*c.numblocks)]

    def block_task(self, key, idx):
        c = self.child
        return Task(key, self.func, *(TaskRef((c.name, *i)) for i in np.ndindex(*c.numblocks)))
