"""Plain-text rendering of plans.

Examples
--------
>>> from hlq.expr.node import Node
>>> class L(Node):
...     _fields = ("v",)
>>> class Add(Node):
...     _fields = ("a", "b")
>>> x = L(1)
>>> print(pprint(Add(x, x)))
add
├─ l(v=1)
└─ ↑ l(v=1)  (shared, shown above)
"""

from __future__ import annotations

from typing import Callable

from hlq.expr.node import Node

__all__ = ["pprint"]


def pprint(root: Node, describe: Callable[[Node], str] | None = None, max_lines: int | None = None) -> str:
    """Render a plan as an indented tree, one node per line.

    A node shared by several parents is expanded once; later occurrences are
    shown as a back reference.  The only child of a node stays at its parent's
    indentation, so long chains render in linear space.  ``describe`` maps a
    node to its line (default: :meth:`Node.describe` when defined, else
    :meth:`Node.label`); ``max_lines`` truncates the output.
    """
    if describe is None:
        describe = _default_describe
    lines: list[str] = []
    shown: set[int] = set()
    # stack of (node, prefix for this line, prefix for children, is_root)
    stack = [(root, "", "", True)]
    while stack:
        if max_lines is not None and len(lines) >= max_lines:
            lines.append(f"... (truncated at {max_lines} lines)")
            break
        node, head, tail, _ = stack.pop()
        if id(node) in shown:
            lines.append(f"{head}↑ {node.label()}  (shared, shown above)")
            continue
        shown.add(id(node))
        lines.append(head + describe(node))
        kids = node.children
        if len(kids) == 1:
            stack.append((kids[0], tail, tail, False))
            continue
        for i in range(len(kids) - 1, -1, -1):
            last = i == len(kids) - 1
            stack.append((kids[i], tail + ("└─ " if last else "├─ "), tail + ("   " if last else "│  "), False))
    return "\n".join(lines)


def _default_describe(node: Node) -> str:
    d = getattr(node, "describe", None)
    return d() if d is not None else node.label()
