"""Block index maps: which input block a blockwise output block reads.

A map has one entry per *input* dimension:

``k`` (int)
    the input block index along this dimension is the output index along
    output axis ``k`` (identity, transpose, broadcasting with equal blocks);
``("c", b)``
    always block ``b`` (a broadcast dimension, or an integer index);
``("t", k, table)``
    ``table[out[k]]`` (slices with steps);
``("o", k, offset)``
    ``out[k] + offset`` (contiguous slices);
``("r", k, offset)``
    ``offset - out[k]`` (reversed slices);
``("k", k, offset, n)``
    ``out[k] + offset`` clamped to ``0 .. n - 1`` (the neighbours of a block in an
    overlap: a block at the edge reads its own block again, and ignores it).

Maps compose, so a fused group knows, for each member, which of its blocks
an output block of the group's root needs.

Examples
--------
>>> apply_map((1, 0), (3, 5))
(5, 3)
>>> apply_map((("c", 0), ("t", 0, (2, 4, 6))), (1,))
(0, 4)
>>> compose((0,), (("t", 0, (2, 3)),))
(('t', 0, (2, 3)),)
"""

from __future__ import annotations

__all__ = ["apply_map", "compose", "identity_map", "is_total"]


def identity_map(ndim: int) -> tuple:
    """The map reading the same block index (``out[k]`` for every axis)."""
    return tuple(range(ndim))


def apply_map(m: tuple, out: tuple) -> tuple:
    """Input block index read by output block ``out``."""
    res = []
    for e in m:
        if type(e) is int:
            res.append(out[e])
        elif e[0] == "c":
            res.append(e[1])
        elif e[0] == "o":
            res.append(out[e[1]] + e[2])
        elif e[0] == "r":
            res.append(e[2] - out[e[1]])
        elif e[0] == "k":
            res.append(min(max(out[e[1]] + e[2], 0), e[3] - 1))
        else:
            res.append(e[2][out[e[1]]])
    return tuple(res)


def _entry_value(e, x):
    """Apply a single entry (non-const) to an index value ``x`` of its axis."""
    if e[0] == "o":
        return x + e[2]
    if e[0] == "r":
        return e[2] - x
    if e[0] == "k":
        return min(max(x + e[2], 0), e[3] - 1)
    return e[2][x]


def compose(edge: tuple, outer: tuple) -> tuple:
    """The map from the root's output blocks to the blocks of a child.

    ``edge`` maps the consumer's blocks to the child's; ``outer`` maps the
    root's blocks to the consumer's.
    """
    res = []
    for e in edge:
        if type(e) is int:
            res.append(outer[e])
        elif e[0] == "c":
            res.append(e)
        else:
            o = outer[e[1]]
            if type(o) is int:
                res.append((e[0], o, *e[2:]))
            elif o[0] == "c":
                res.append(("c", _entry_value(e, o[1])))
            elif o[0] == "o" and e[0] in ("o", "k"):
                res.append((e[0], o[1], o[2] + e[2], *e[3:]))
            elif o[0] == "t":
                res.append(("t", o[1], tuple(_entry_value(e, x) for x in o[2])))
            else:
                # general case: tabulate over the outer axis' reachable values
                raise _NeedTable(e, o)
    return tuple(res)


class _NeedTable(Exception):
    pass


def compose_with_sizes(edge: tuple, outer: tuple, out_numblocks: tuple) -> tuple:
    """Like :func:`compose`, tabulating entries that have no closed form."""
    try:
        return compose(edge, outer)
    except _NeedTable:
        pass
    res = []
    for e in edge:
        if type(e) is int or e[0] == "c":
            res.append(outer[e] if type(e) is int else e)
            continue
        o = outer[e[1]]
        if type(o) is int:
            res.append((e[0], o, *e[2:]))
        elif o[0] == "c":
            res.append(("c", _entry_value(e, o[1])))
        else:
            n = out_numblocks[o[1]]
            res.append(("t", o[1], tuple(_entry_value(e, _entry_value(o, x)) for x in range(n))))
    return tuple(res)


def is_total(m: tuple, out_numblocks: tuple, in_numblocks: tuple) -> bool:
    """True when every block of the input is read by some output block.

    Conservative: only plain axis entries with equal block counts, or
    single-block constant dimensions, count as total.
    """
    used_axes = set()
    for e, n in zip(m, in_numblocks):
        if type(e) is int:
            if out_numblocks[e] != n or e in used_axes:
                return False
            used_axes.add(e)
        elif e[0] == "c":
            if n != 1:
                return False
        else:
            return False
    return True
