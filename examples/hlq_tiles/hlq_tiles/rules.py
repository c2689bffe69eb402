"""hlq_tiles' rules, loaded by hlq through the ``hlq.rules`` entry point.

* ``hlq_tiles.absorb_slice``: ``read_tiles(f)[i] -> read_tiles(f, region of i)``
  for unit-step slices and integers (other indices: declined by a guard);
* ``hlq_tiles.merge_clips``: ``clip(clip(x, a, b), c, d) -> clip(x, max(a, c), min(b, d))``.

Both carry the tag ``hlq_tiles`` (``hlq.rules.exclude: ["hlq_tiles"]`` turns
them off) and declare ``examples=`` for ``hlq.rules.lint``.
"""

from __future__ import annotations

import numbers

import numpy as np

from hlq.array.nodes import BasicIndex, Elemwise
from hlq.rules import Capture, Is, Where, rule
from hlq_tiles.nodes import TileRead

TAGS = ("hlq_tiles",)


def _unit_steps(index) -> bool:
    return all(e is not None and (isinstance(e, int) or (e[2] == 1 and e[1] > e[0])) for e in index)


def _examples_absorb():
    from hlq.array.nodes import dims_regular

    src = TileRead("example.raw", (10, 10), "<f8", dims_regular((10, 10), (5, 5)), (0, 0))
    return [BasicIndex(src, ((2, 7, 1), (0, 3, 1)))]


@rule(
    Is(BasicIndex, child=Capture("src", Is(TileRead)),
       index=Where(_unit_steps, "non-empty unit-step slices and integers only")),
    phase="pushdown",
    name="hlq_tiles.absorb_slice",
    tags=TAGS + ("slice-pushdown",),
    examples=_examples_absorb,
)
def absorb_slice(node, src):
    """read_tiles(f)[i] -> read_tiles(f, region under i)[residual integers]"""
    dims, offset, residual = [], [], []
    for d, o, e in zip(src.dims, src.offset, node.index):
        a, b = (e, e + 1) if isinstance(e, int) else (e[0], e[1])
        dims.append(d.subrange(a, b))
        offset.append(o + a)
        residual.append(0 if isinstance(e, int) else (0, b - a, 1))
    new = TileRead(src.path, src.file_shape, src.dtype_, tuple(dims), tuple(offset))
    if all(isinstance(e, tuple) for e in residual):
        return new
    return BasicIndex(new, tuple(residual))


def _is_clip(f) -> bool:
    return f is np.clip


def _real(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and v == v


def _scalar_bounds(args) -> bool:
    return len(args) == 3 and _real(args[1]) and _real(args[2]) and args[1] <= args[2]


_clip = Is(Elemwise, func=Where(_is_clip, "func is np.clip"), args=Where(_scalar_bounds, "ordered scalar bounds"),
           kwargs=None)


def _examples_clip():
    import hlq.array as da

    x = da.from_array(np.arange(10.0), chunks=5)
    return [da.clip(da.clip(x, 1, 8), 2, 9).node, da.clip(da.clip(x, 0, 3), 2, 5).node]


@rule(
    Is(Elemwise, func=Where(_is_clip, "func is np.clip"), args=Where(_scalar_bounds, "ordered scalar bounds"),
       kwargs=None),
    phase="simplify",
    name="hlq_tiles.merge_clips",
    tags=TAGS + ("algebra",),
    examples=_examples_clip,
)
def merge_clips(node):
    """clip(clip(x, a, b), c, d) -> clip(x, max(a, c), min(b, d))"""
    inner = node.args[0]
    if not _clip.match(inner, {}) or inner.dtype != node.dtype:
        return None
    _, a, b = inner.args
    _, c, d = node.args
    lo, hi = max(a, c), min(b, d)
    if lo > hi:  # the inner range lies outside the outer one: not a clip of x
        return None
    return Elemwise(np.clip, (inner.args[0], lo, hi), node.dtype_, node.kwargs)
