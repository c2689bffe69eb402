"""Shared reads: several reads of one source become one read, across the whole plan.

Pushdown rules work one consumer at a time: ``(x - x.mean(0))[a:b]`` becomes
``x[a:b] - x.mean(0)`` with two reads of ``x`` over different regions, and
``dask.compute(df.a.sum(), df.b.mean())`` reads the same parquet files twice,
once per column.  When a read is expensive (files, a zarr store), the common
part should be read once and shared.  This pass looks at *all* roots at once
(several results computed together are optimized jointly), groups the reads
that a registered *read merger* says may share, and replaces each group by one
wider read plus a cheap per-consumer view of it (a slice, a column
projection).  Lowering then gives the wide read its own tasks (it has several
consumers), and culling keeps only the blocks somebody needs, so each stored
chunk is read once and nothing extra is read.

Read mergers are registered per node type by the array and dataframe
packages::

    register_read_merger(FromArray, key=..., merge=...)

``key(node)`` returns a hashable identity of the underlying data (reads with
equal keys may share), or None when sharing is not worth it (e.g. in-memory
numpy data, whose reads are free views).  ``merge(nodes)`` receives two or
more distinct nodes with one key and returns ``{node: replacement}`` for the
nodes it rewrote; a replacement has the same metadata (shape, chunks,
columns) as the node it replaces.

Disable with ``dask.config.set({"hlq.rules.exclude": ["shared-reads"]})``.

>>> import numpy as np, zarr
>>> import hlq.array as da
>>> z = zarr.create_array(store={}, shape=(40,), chunks=(10,), dtype="f8"); z[:] = np.arange(40.0)
>>> x = da.from_array(z, chunks=10)
>>> y = (x - x.mean())[12:18]
>>> from hlq.lower.collection import optimize_node
>>> from hlq.expr.traverse import walk
>>> reads = {n.label() for n in walk(optimize_node(y.node)) if n.op_name == "array"}
>>> sorted(reads)   # one read (the whole array, for the mean), the slice is a view of it
['from-array(offset=(0,))']
"""

from __future__ import annotations

from typing import Callable

from hlq.expr.node import Node
from hlq.expr.traverse import toposort
from hlq.rules.engine import _excluded_names

__all__ = ["register_read_merger", "share_reads", "PASS_NAME"]

PASS_NAME = "shared-reads"

_MERGERS: dict[type, tuple[Callable, Callable]] = {}


def register_read_merger(cls: type, *, key: Callable[[Node], object], merge: Callable[[list], dict]) -> None:
    """Declare how reads of type ``cls`` share (see the module docstring).

    Parameters
    ----------
    cls : type
        The source node type (exact type; subclasses register themselves).
    key : callable
        ``key(node) -> hashable or None``; None opts the node out.
    merge : callable
        ``merge(nodes) -> {node: replacement}`` for two or more distinct
        nodes with the same key.
    """
    _MERGERS[cls] = (key, merge)


def _enabled() -> bool:
    return PASS_NAME not in _excluded_names()


def share_reads(roots: list[Node]) -> list[Node]:
    """The roots with reads of common data merged (see the module docstring).

    Parameters
    ----------
    roots : list of Node
        Optimized plans computed together.

    Returns
    -------
    list of Node
        The same plans, where each group of sharable reads is one read.
    """
    roots = list(roots)
    if not _MERGERS or not _enabled():
        return roots
    groups: dict[tuple, list[Node]] = {}
    for node in toposort(roots):
        entry = _MERGERS.get(type(node))
        if entry is None:
            continue
        k = entry[0](node)
        if k is None:
            continue
        groups.setdefault((type(node), k), []).append(node)
    mapping: dict[Node, Node] = {}
    for (cls, _), nodes in groups.items():
        if len(nodes) < 2:
            continue
        for old, new in _MERGERS[cls][1](nodes).items():
            if new is not old:
                mapping[old] = new
    if not mapping:
        return roots
    return _substitute_all(roots, mapping)


def _substitute_all(roots: list[Node], mapping: dict[Node, Node]) -> list[Node]:
    """Replace nodes by identity in several plans at once (shared nodes rebuilt once)."""
    memo: dict[int, Node] = {}
    for node in toposort(roots):
        rep = mapping.get(node)
        if rep is None:
            rep = node.with_children([memo[id(c)] for c in node.children]) if node.children else node
        memo[id(node)] = rep
    return [memo[id(r)] for r in roots]
