"""Iterative, DAG-aware traversals over nodes.

No function here recurses in Python: plans 10,000 nodes deep are walked with
explicit stacks, and a node shared by several parents is visited once.

Examples
--------
>>> from hlq.expr.node import Node
>>> class L(Node):
...     _fields = ("v",)
>>> class Add(Node):
...     _fields = ("a", "b")
>>> x = L(1)
>>> y = Add(x, x)
>>> [n.op_name for n in toposort([y])]
['l', 'add']
>>> len(dependents([y])[x])
1
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

from hlq.expr.node import Node

__all__ = ["walk", "toposort", "dependents", "transform", "substitute", "count_nodes"]


def walk(root: Node) -> Iterator[Node]:
    """Pre-order iteration over ``root`` and its descendants, each once."""
    seen = {id(root)}
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        for c in reversed(node.children):
            if id(c) not in seen:
                seen.add(id(c))
                stack.append(c)


def toposort(roots: Iterable[Node]) -> list[Node]:
    """All nodes reachable from ``roots``, children before parents.

    The last element is the last root.  Deterministic for a given plan.
    """
    order: list[Node] = []
    done: set[int] = set()
    for root in roots:
        if id(root) in done:
            continue
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                if id(node) not in done:
                    done.add(id(node))
                    order.append(node)
                continue
            if id(node) in done:
                continue
            stack.append((node, True))
            for c in reversed(node.children):
                if id(c) not in done:
                    stack.append((c, False))
    return order


def dependents(roots: Iterable[Node]) -> dict[Node, list[Node]]:
    """Map each node to the distinct nodes that use it (roots map to [])."""
    out: dict[Node, list[Node]] = {}
    for node in toposort(roots):
        out.setdefault(node, [])
        seen = set()
        for c in node.children:
            if id(c) not in seen:
                seen.add(id(c))
                out.setdefault(c, []).append(node)
    return out


def transform(root: Node, fn: Callable[[Node], Node | None]) -> Node:
    """Bottom-up rebuild: children first, then ``fn(node)`` (None keeps it).

    ``fn`` sees each node with its children already transformed.
    """
    memo: dict[int, Node] = {}
    for node in toposort([root]):
        new = node.with_children([memo[id(c)] for c in node.children]) if node.children else node
        res = fn(new)
        memo[id(node)] = new if res is None else res
    return memo[id(root)]


def substitute(root: Node, mapping: dict[Node, Node]) -> Node:
    """Replace nodes (by identity) everywhere in the plan, rebuilding parents."""
    if not mapping:
        return root
    memo: dict[int, Node] = {}
    for node in toposort([root]):
        rep = mapping.get(node)
        if rep is None:
            rep = node.with_children([memo[id(c)] for c in node.children]) if node.children else node
        memo[id(node)] = rep
    return memo[id(root)]


def count_nodes(root: Node) -> int:
    """Number of distinct nodes in the plan."""
    return sum(1 for _ in walk(root))
