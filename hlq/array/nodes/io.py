"""IO nodes: storing blocks into array-likes, loading them back, delayed values and ``.npy`` stacks.

``StoreBlocks`` is blockwise over its child, so the write of each block is
fused into the task that computes it (like dask's ``store``); culling and
slice pushdown act on the child as usual.

>>> import numpy as np
>>> from hlq.array.nodes.base import dims_of
>>> from hlq.array.nodes.sources import Full
>>> target = np.zeros(4)
>>> node = StoreBlocks(Full(dims_of(((2, 2),)), np.dtype(float), 1.0), target, None, False, "none")
>>> node.numblocks
(2,)
"""

from __future__ import annotations

import os

import numpy as np
from dask._task_spec import Alias, Task, TaskRef, convert_legacy_graph
from dask.array.optimization import fuse_slice

from hlq.array.nodes.base import ArrayNode
from hlq.array.nodes.blockwise import Blockwise

__all__ = ["StoreBlocks", "LoadBlocks", "FromDelayed", "DelayedValue", "FromDaskArray", "DaskArrayRef",
           "NpyStack", "block_slices"]


#: estimated seconds of IO per block (a write, a file read): IO latency, not bytes, dominates small
#: blocks, so the batching cost model (:mod:`hlq.lower.batching`) must not run many of them in one task
IO_SECONDS_PER_BLOCK = 0.01


class _IOCost:
    """Mixin: the batching cost model sees ~``IO_SECONDS_PER_BLOCK`` per block."""

    @property
    def cost_throughput(self):
        return max(self.max_block_nbytes, 1) / IO_SECONDS_PER_BLOCK


def block_slices(dims, idx) -> tuple:
    """The global slices of block ``idx`` of a grid ``dims``."""
    return tuple(slice(d.start(i), d.start(i) + d.size(i)) for d, i in zip(dims, idx))


def _target_index(region, index):
    """``target[region][index]`` as one index into ``target``."""
    if not region:
        return index

    return fuse_slice(tuple(region), index)


class _StoreFn:
    """Write one block into ``target`` (under ``lock``); return what ``mode`` asks.

    ``mode``: ``"none"`` an empty block, ``"load"`` the stored values read back,
    ``"target"`` the target itself (dask's ``load_stored=False``).
    """

    __slots__ = ("target", "region", "lock", "mode")
    __name__ = "store"

    def __init__(self, target, region, lock, mode):
        self.target, self.region, self.lock, self.mode = target, region, lock, mode

    def __call__(self, x, *args):
        target, index = args if self.target is None else (self.target, args[0])
        index = _target_index(self.region, index)
        lock = self.lock
        if lock:
            lock.acquire()
        try:
            if x is not None and getattr(x, "size", 1) != 0:
                target[index] = x
            if self.mode == "load":
                return np.asanyarray(target[index])
            if self.mode == "target":
                return target
            return np.empty((0,) * np.ndim(x), dtype=getattr(x, "dtype", None))
        finally:
            if lock:
                lock.release()

    def __reduce__(self):
        return (_StoreFn, (self.target, self.region, self.lock, self.mode))


class StoreBlocks(_IOCost, Blockwise):
    """Each block of ``child`` written to ``target[region][block slice]``.

    The node keeps the child's chunks; its blocks are what ``mode`` returns
    (see :class:`_StoreFn`).
    """

    _fields = ("child", "target", "region", "lock", "mode")
    op_name = "store-map"
    bw_has_arg = True

    def _array_props(self):
        return self.child.dims, self.child.dtype

    def _extra_props(self, dims):
        inputs = ((self.child, tuple(range(len(dims)))),)
        target = self.target
        if isinstance(target, ArrayNode):  # a lazy target (``DelayedValue``): one more input
            inputs += ((target, ()),)
            target = None
        return {"bw_inputs": inputs, "bw_func": _StoreFn(target, self.region, self.lock, self.mode)}

    def bw_block_arg(self, idx):
        return block_slices(self.dims, idx)

    def label(self):
        return f"store({type(self.target).__name__}, mode={self.mode})"


class _LoadFn:
    __slots__ = ("target", "region", "lock")
    __name__ = "load-stored"

    def __init__(self, target, region, lock):
        self.target, self.region, self.lock = target, region, lock

    def __call__(self, *args):
        target, index = args if self.target is None else (self.target, args[0])
        index = _target_index(self.region, index)
        if self.lock:
            self.lock.acquire()
        try:
            return np.asanyarray(target[index])
        finally:
            if self.lock:
                self.lock.release()

    def __reduce__(self):
        return (_LoadFn, (self.target, self.region, self.lock))


class LoadBlocks(_IOCost, Blockwise):
    """Blocks read back from ``target[region]`` on the grid ``dims_`` (after a store)."""

    _fields = ("dims_", "dtype_", "target", "region", "lock")
    op_name = "load-stored"
    bw_has_arg = True

    def _array_props(self):
        return self.dims_, self.dtype_

    def _extra_props(self, dims):
        if isinstance(self.target, ArrayNode):
            return {"bw_inputs": ((self.target, ()),), "bw_func": _LoadFn(None, self.region, self.lock)}
        return {"bw_inputs": (), "bw_func": _LoadFn(self.target, self.region, self.lock)}

    def bw_block_arg(self, idx):
        return block_slices(self.dims, idx)


def _check_block(x, shape, dtype):
    x = np.asanyarray(x) if not hasattr(x, "shape") else x
    if tuple(x.shape) != tuple(shape):
        raise ValueError(f"from_delayed: the delayed value has shape {tuple(x.shape)}, expected {tuple(shape)}")
    return x


class FromDelayed(ArrayNode):
    """One block computed by a dask Delayed; its graph is merged into the lowered graph."""

    _fields = ("value", "dims_", "dtype_")
    op_name = "from-value"

    def _array_props(self):
        return self.dims_, self.dtype_

    def block_dependencies(self, idx):
        return ()

    def block_task(self, key, idx):
        d = self.value.value
        graph = convert_legacy_graph(dict(d.__dask_graph__()))
        graph[key] = Task(key, _check_block, TaskRef(d.key), self.shape, self.dtype)
        return graph

    def label(self):
        return f"from-delayed({self.value.value.key})"


class DelayedValue(ArrayNode):
    """The object a dask Delayed computes, as a 0-d node (a lazy ``store`` target); its graph is merged in."""

    _fields = ("value",)
    op_name = "delayed-value"

    def _array_props(self):
        return (), np.dtype(object)

    def block_dependencies(self, idx):
        return ()

    def block_task(self, key, idx):
        d = self.value.value
        graph = convert_legacy_graph(dict(d.__dask_graph__()))
        graph[key] = Alias(key, d.key)
        return graph


class DaskArrayRef:
    """Holds a legacy :class:`dask.array.Array` in a node field.

    Compared by identity and tokenized by the dask array's name.  The task
    graph (converted to task specs) and its dependencies are built once, on
    first use, in plain attributes that are never pickled: a pickled holder
    carries the dask array itself.
    """

    __slots__ = ("value", "_graph", "_deps")

    def __init__(self, value):
        self.value = value
        self._graph = None
        self._deps = None

    def __dask_tokenize__(self):
        return ("dask-array", self.value.name)

    def __reduce__(self):
        return (DaskArrayRef, (self.value,))

    def subgraph(self, key) -> dict:
        """The tasks ``key`` needs, culled from the dask array's graph (iteratively)."""
        if self._graph is None:
            self._graph = convert_legacy_graph(dict(self.value.__dask_graph__()))
            self._deps = {k: t.dependencies for k, t in self._graph.items()}
        out = {}
        stack = [key]
        while stack:
            k = stack.pop()
            if k in out or k not in self._graph:
                continue
            out[k] = self._graph[k]
            stack.extend(self._deps[k])
        return out


class FromDaskArray(ArrayNode):
    """The blocks of a legacy ``dask.array.Array`` (e.g. built by xarray itself); each
    block's task is an alias of the dask key, with only the dask tasks it needs."""

    _fields = ("value", "dims_", "dtype_")
    op_name = "from-dask-array"

    def _array_props(self):
        return self.dims_, self.dtype_

    def block_dependencies(self, idx):
        return ()

    def block_task(self, key, idx):
        source = (self.value.value.name, *idx)
        graph = self.value.subgraph(source)
        graph[key] = Alias(key, source)
        return graph

    def label(self):
        return f"from-dask-array({self.value.value.name})"


class NpyStack(_IOCost, Blockwise):
    """Blocks loaded from ``dirname/<i>.npy`` (one file per block along ``axis``)."""

    _fields = ("dirname", "dims_", "dtype_", "axis", "mmap_mode")
    op_name = "from-npy-stack"
    bw_inputs = ()
    bw_has_arg = True

    def _array_props(self):
        return self.dims_, self.dtype_

    def _extra_props(self, dims):
        return {"bw_func": _NpyLoad(self.mmap_mode)}

    def bw_block_arg(self, idx):
        return os.path.join(self.dirname, f"{idx[self.axis]}.npy")


class _NpyLoad:
    __slots__ = ("mmap_mode",)
    __name__ = "load-npy"

    def __init__(self, mmap_mode):
        self.mmap_mode = mmap_mode

    def __call__(self, path):
        return np.load(path, mmap_mode=self.mmap_mode)

    def __reduce__(self):
        return (_NpyLoad, (self.mmap_mode,))
