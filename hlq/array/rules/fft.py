"""Slice pushdown through FFTs: a slice on the axes not transformed is applied to the input.

>>> import hlq.array as da
>>> from hlq.rules import optimize_plan
>>> x = da.ones((1000, 64), chunks=(10, 64))
>>> plan = optimize_plan(da.fft.fft(x)[:10].node)
>>> plan.numblocks, [n.shape for n in plan.walk() if n.op_name == "ones"]
((1, 1), [(10, 64)])
"""

from __future__ import annotations

from hlq.array.fft import FFTCall
from hlq.array.nodes import BasicIndex, MapBlocks
from hlq.array.rules.concat_pushdown import index_of, same_dims
from hlq.rules import Capture, Is, Where, rule


@rule(
    Is(BasicIndex, index=Where(lambda ix: all(e is not None for e in ix), "no new axes"),
       child=Capture("f", Is(MapBlocks, func=Where(lambda fn: isinstance(fn, FFTCall), "an FFT")))),
    phase="pushdown", tags=("slice-pushdown",),
)
def slice_through_fft(node, f):
    """fft(x, axes)[i] -> fft(x[i off axes], axes)[i on axes]"""
    x = f.args[0]
    axes = set(f.func.axes)
    pushed, res = [], []
    changed = False
    for ax, e in enumerate(node.index):
        if ax in axes:
            pushed.append((0, x.shape[ax], 1))
            res.append(e)
        elif isinstance(e, tuple):
            pushed.append(e)
            res.append((0, len(range(*e)), 1))
            changed |= e != (0, x.shape[ax], 1)
        else:
            pushed.append((e, e + 1, 1))
            res.append(0)
            changed = True
    if not changed:
        return None
    child = index_of(x, pushed)
    dims = tuple(f.dims[ax] if ax in axes else child.dims[ax] for ax in range(f.ndim))
    new = MapBlocks(f.func, (child,), f.maps, dims, f.dtype_, f.kwargs, False)
    return same_dims(index_of(new, res), node)
