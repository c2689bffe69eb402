"""Array nodes: the common base and the structural nodes (literal, finalize, persisted)."""

from __future__ import annotations

import math

import numpy as np
from dask._task_spec import Alias, DataNode, List, Task, TaskRef

from dask.utils import format_bytes
from dask.array.core import concatenate3

from hlq.array._chunks import Dim
from hlq.expr.opaque import OpaqueData, load_opaque
from hlq.lower.protocol import BlockNode, PersistedBlocks

__all__ = ["ArrayNode", "Literal", "Finalize", "Persisted", "nested_keys"]


class ArrayNode(BlockNode):
    """Base of array nodes (the lowering protocol is :class:`hlq.lower.protocol.BlockNode`).

    Subclasses implement :meth:`_array_props` returning ``(dims, dtype)``;
    the base derives ``shape``, ``ndim``, ``numblocks`` from them at build time.
    """

    def _array_props(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _derive(self):
        dims, dtype = self._array_props()
        dims = tuple(dims)
        base = {
            "dims": dims,
            "dtype": np.dtype(dtype),
            "shape": tuple(d.length for d in dims),
            "ndim": len(dims),
            "numblocks": tuple(d.nblocks for d in dims),
        }
        self.__dict__.update(base)  # visible to _extra_props
        base.update(self._extra_props(dims))
        return base

    def _extra_props(self, dims) -> dict:
        return {}

    # ------------------------------------------------------------ properties
    @property
    def chunks(self) -> tuple:
        return tuple(d.sizes() for d in self.dims)

    @property
    def max_block_nbytes(self) -> int:
        """Bytes of the largest block (the cost model's unit of work)."""
        return math.prod(d.max_size() for d in self.dims) * self.dtype.itemsize

    @property
    def nblocks_total(self) -> int:
        return math.prod(self.numblocks)

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize

    def describe(self) -> str:
        chunks = ", ".join(d.summary() for d in self.dims)
        return (
            f"{self.label()}  shape={self.shape} dtype={self.dtype} "
            f"chunks=({chunks}) blocks={self.nblocks_total} bytes={format_bytes(self.nbytes)}"
        )

    # ------------------------------------------------- collection protocol
    def output_keys(self):
        return nested_keys(self.name, self.numblocks)

    def finalize(self) -> "Finalize":
        return Finalize(self)

    def postcompute(self):
        return (finalize_blocks, (self.ndim,))

    def rebuild_persisted(self, results: dict) -> "Persisted":
        name = self.name
        values = tuple(results[(name, *idx)] for idx in np.ndindex(*self.numblocks))
        return Persisted(self.dims, self.dtype, name, PersistedBlocks(values))


def nested_keys(name: str, numblocks: tuple):
    """dask's nested-list key layout for a block grid."""
    if not numblocks:
        return [(name,)]

    def build(prefix, depth):
        if depth == len(numblocks) - 1:
            return [(name, *prefix, i) for i in range(numblocks[depth])]
        return [build(prefix + (i,), depth + 1) for i in range(numblocks[depth])]

    if len(numblocks) == 1:
        return [(name, i) for i in range(numblocks[0])]
    return build((), 0)


def finalize_blocks(results, ndim):
    """Assemble nested lists of blocks into one array (dask's ``concatenate3``)."""
    if ndim == 0:
        while isinstance(results, (list, tuple)):
            results = results[0]
        return results

    return concatenate3(results)


def _assemble_flat(numblocks, *blocks):
    """Concatenate blocks given in C order on a grid ``numblocks``."""
    if not numblocks:
        return blocks[0]
    arr = np.empty(len(blocks), dtype=object)
    for i, b in enumerate(blocks):
        arr[i] = b
    nested = arr.reshape(numblocks).tolist()

    return concatenate3(nested)


class Literal(ArrayNode):
    """A concrete value held in the graph as one ``DataNode`` (e.g. a numpy array
    given to :func:`hlq.array.from_array`).  Zero-dimensional block grid."""

    _fields = ("value",)
    _opaque_fields = ("value",)
    op_name = "array-original"

    def _array_props(self):
        return (), np.dtype(getattr(self.value, "dtype", object))

    def block_dependencies(self, idx):
        return ()

    def block_task(self, key, idx):
        if isinstance(self.value, OpaqueData):  # shipped user data: workers unpickle it
            return Task(key, load_opaque, self.value)
        return DataNode(key, self.value)

    def describe(self):
        v = self.value
        return f"literal {type(v).__name__} shape={getattr(v, 'shape', '?')} dtype={getattr(v, 'dtype', '?')}"

    def label(self):
        return f"literal {type(self.value).__name__}"


class Finalize(ArrayNode):
    """One task assembling all blocks of ``child`` into a single array."""

    _fields = ("child",)
    op_name = "finalize"

    def _array_props(self):
        return (), self.child.dtype

    def output_keys(self):
        return [(self.name,)]

    def block_dependencies(self, idx):
        c = self.child
        return [(c, i) for i in np.ndindex(*c.numblocks)]

    needs_all_inputs = True

    def block_task(self, key, idx):
        c = self.child
        if c.ndim == 0:
            return Task(key, _identity, TaskRef((c.name,)))
        refs = [TaskRef((c.name, *i)) for i in np.ndindex(*c.numblocks)]
        return Task(key, _assemble_flat, c.numblocks, *refs)

    def finalize(self):
        return self


def _identity(x):
    return x


class Persisted(ArrayNode):
    """An array whose blocks are already computed (result of ``persist``)."""

    _fields = ("dims_", "dtype_", "origin", "blocks")
    op_name = "persisted"

    def _array_props(self):
        return self.dims_, self.dtype_

    @property
    def name(self):
        return "persisted-" + self.origin

    def block_dependencies(self, idx):
        return ()

    def block_task(self, key, idx):
        flat = int(np.ravel_multi_index(idx, self.numblocks)) if self.numblocks else 0
        if self.blocks.remote:
            # distributed persist: the data lives on the cluster under its old key
            return Alias(key, (self.origin, *idx))
        return DataNode(key, self.blocks.values[flat])


def dims_of(chunks) -> tuple:
    """Tuple of :class:`Dim` from a dask-style chunks tuple."""
    return tuple(Dim.from_sizes(c) for c in chunks)


__all__ += ["dims_of", "finalize_blocks", "List"]
