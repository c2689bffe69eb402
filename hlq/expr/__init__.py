"""The node model: immutable interned nodes, iterative traversal, display."""

from hlq.expr.display import pprint
from hlq.expr.node import Node, NodeError
from hlq.expr.traverse import count_nodes, dependents, substitute, toposort, transform, walk

__all__ = [
    "Node",
    "NodeError",
    "pprint",
    "walk",
    "toposort",
    "dependents",
    "transform",
    "substitute",
    "count_nodes",
]
