"""Helpers shared by the array rule modules.

* :func:`index_of` - ``child[entries]`` in the normalized index form of
  :class:`~hlq.array.nodes.BasicIndex`, or ``child`` itself for a full index;
* :func:`same_dims` - a rewrite's result with the chunks of the node it
  replaces (a rule must not change them).

>>> import hlq.array as da
>>> x = da.ones((10, 10), chunks=5).node
>>> index_of(x, [(0, 10, 1), (0, 10, 1)]) is x
True
>>> index_of(x, [(0, 3, 1), 2]).shape
(3,)
>>> same_dims(x, da.ones((10, 10), chunks=2).node).op_name
'rechunk'
"""

from __future__ import annotations

from hlq.array._indexing_basic import is_full
from hlq.array.nodes import BasicIndex, Rechunk

__all__ = ["index_of", "same_dims"]


def same_dims(new, node):
    """``new`` with ``node``'s chunks (a rewrite must not change them)."""
    if new.dims == node.dims:
        return new
    return Rechunk(new, node.dims)


def index_of(child, entries):
    """``child[entries]``, or ``child`` itself when the index is full."""
    entries = tuple(entries)
    if is_full(entries, child.shape):
        return child
    return BasicIndex(child, entries)
