"""The lowering protocol: what a plan node provides to become dask tasks.

Both collections' node bases (:class:`hlq.array.nodes.ArrayNode` and
:class:`hlq.dataframe.nodes.FrameNode`) derive from :class:`BlockNode`, which
spells the protocol out and holds its defaults, and share the building
blocks below: :class:`PersistedBlocks` (the computed blocks of a persisted
collection, local or on a cluster), :class:`DelayedRef` (a ``dask.delayed``
value held in a node field) and :func:`fan_in` (the inputs of one block of a
tree-combine level).

A node is lowered block by block on its block grid ``numblocks`` (derived
when the node is built):

``block_dependencies(idx)``
    The ``(child, child_index)`` pairs block ``idx`` reads.
``block_task(key, idx)``
    A dask task spec computing block ``idx`` under ``key`` from the
    ``TaskRef`` s of its dependencies (or a dict of task specs, for nodes
    that merge an external graph).
``is_blockwise``, ``bw_inputs``, ``bw_func``, ``bw_has_arg``/``bw_block_arg(idx)``
    Blockwise nodes (block ``idx`` is ``bw_func`` of the same block of each
    input) describe themselves this way instead, so chains of them fuse into
    one task per block (:mod:`hlq.lower.graph`).
``needs_all_inputs``
    True when computing all output blocks reads all input blocks (lets the
    demand propagation skip enumerating dependencies).

And the collection protocol, used by :class:`hlq.lower.collection.HlqCollection`:
``output_keys()`` (the keys of ``__dask_keys__``), ``finalize()`` (a node
assembling the result in one task), ``postcompute()`` (dask's
``__dask_postcompute__``) and ``rebuild_persisted(results)`` (the node of a
persisted collection).

>>> from hlq.lower.protocol import PersistedBlocks
>>> b = PersistedBlocks((1, 2, 3))
>>> b.remote, len(b.values)
(False, 3)
"""

from __future__ import annotations

from hlq.expr.node import Node

__all__ = ["BlockNode", "PersistedBlocks", "DelayedRef", "is_future", "fan_in", "fan_in_count"]


class BlockNode(Node):
    """Base of plan nodes that lower to blocks of a dask collection (see the module docstring)."""

    #: whether ``max_block_nbytes`` is exact (array blocks) rather than an estimate (partitions)
    block_sizes_exact = True
    is_blockwise = False
    bw_has_arg = False

    def bw_block_arg(self, idx):
        """Per-block argument of blockwise nodes that declare ``bw_has_arg``."""
        return None

    def block_dependencies(self, idx):  # pragma: no cover - abstract
        """The ``(child, child_index)`` pairs block ``idx`` reads."""
        raise NotImplementedError

    def block_task(self, key, idx):  # pragma: no cover - abstract
        """The task spec computing block ``idx`` under ``key``."""
        raise NotImplementedError

    def output_keys(self):  # pragma: no cover - abstract
        """The keys of the collection's blocks (``__dask_keys__``)."""
        raise NotImplementedError

    def finalize(self):  # pragma: no cover - abstract
        """A node computing the whole result in one task."""
        raise NotImplementedError

    def postcompute(self):  # pragma: no cover - abstract
        """dask's ``__dask_postcompute__``: ``(function, extra_args)``."""
        raise NotImplementedError

    def rebuild_persisted(self, results: dict):  # pragma: no cover - abstract
        """The node of the persisted collection whose computed blocks are ``results`` (key -> value)."""
        raise NotImplementedError


def is_future(value) -> bool:
    """True for a ``distributed.Future`` (without importing distributed)."""
    return type(value).__name__ == "Future" and hasattr(value, "key") and hasattr(value, "client")


class PersistedBlocks:
    """Computed block values held by a persisted collection (compared by identity).

    Blocks persisted on a distributed cluster are futures: the client keeps
    them (and so the data) alive; a pickled copy - the plan shipped to the
    scheduler - carries only the fact that they are remote.  The persisted
    node's ``origin`` (the key name) identifies the data, so the holder
    tokenizes as a constant.
    """

    __slots__ = ("values", "remote")

    def __init__(self, values, remote=None):
        self.values = values
        self.remote = any(is_future(v) for v in values[:1]) if remote is None else remote

    def __reduce__(self):
        if self.remote:  # O(1): the scheduler knows the keys
            return (_remote_blocks, (len(self.values),))
        return (PersistedBlocks, (self.values, False))

    def __dask_tokenize__(self):
        return "persisted-blocks"


def _remote_blocks(n):
    return PersistedBlocks((None,) * n, True)


class DelayedRef:
    """Holds a :class:`dask.delayed.Delayed` in a node field.

    Delayed objects overload ``==`` lazily, so a node cannot intern them
    directly; this holder compares by identity and tokenizes by the key.
    """

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __dask_tokenize__(self):
        return ("delayed", self.value.key)

    def __reduce__(self):
        return (DelayedRef, (self.value,))


def fan_in(i: int, split: int, n: int) -> range:
    """The input blocks that block ``i`` of a fan-in level reads: ``split`` consecutive blocks of
    the ``n`` input blocks (the last group may be smaller).

    >>> list(fan_in(2, 4, 10))
    [8, 9]
    """
    lo = i * split
    return range(lo, min(lo + split, n))


def fan_in_count(split: int, n: int) -> int:
    """The number of blocks of a fan-in level merging groups of ``split`` of ``n`` blocks."""
    return -(-n // split)
