"""``einsum`` (``dask.array.einsum``) as one blockwise map.

Each output index follows its operands' block index (their chunks along a
shared index are unified first); indices that are summed over (absent from
the output) are **rechunked to a single chunk**, so every output block is
one ``numpy.einsum`` of one block per operand.  This is exact and fuses
with neighbours, at the cost of whole contracted axes per task (dask
instead sums partial products over chunks of contracted axes).

>>> import numpy as np
>>> import hlq.array as da
>>> a = np.arange(12.0).reshape(3, 4)
>>> x = da.from_array(a, chunks=2)
>>> bool(np.allclose(da.einsum("ij,kj->ik", x, x).compute(), a @ a.T))
True
"""

from __future__ import annotations

import numpy as np
from dask.array.einsumfuncs import parse_einsum_input

from hlq.array._chunks import Dim
from hlq.array._core import Array, asarray, implements
from hlq.array._manipulation import _boundary_union
from hlq.array.nodes import MapBlocks
from hlq.array.nodes.rechunk import Rechunk

__all__ = ["einsum"]


class _EinsumCall:
    __name__ = "einsum"

    def __init__(self, subscripts, kwargs):
        self.subscripts, self.kwargs = subscripts, kwargs

    def __call__(self, *blocks):
        return np.einsum(self.subscripts, *blocks, **dict(self.kwargs))

    def __reduce__(self):
        return (_EinsumCall, (self.subscripts, self.kwargs))

    def __dask_tokenize__(self):
        return ("hlq-einsum", self.subscripts, self.kwargs)


@implements(np.einsum)
def einsum(*operands, dtype=None, optimize=False, split_every=None, **kwargs):
    """Evaluate the Einstein summation convention on hlq arrays (contracted axes in one chunk)."""
    if not operands or not isinstance(operands[0], str):
        raise NotImplementedError("hlq.array._einsum supports the subscripts-string form only")
    subscripts, arrays = operands[0], [asarray(a) for a in operands[1:]]
    casting = kwargs.pop("casting", "safe")
    order = kwargs.pop("order", "K")
    if kwargs:
        raise TypeError(f"einsum() got unexpected keyword arguments {set(kwargs)}")
    dummies = [np.broadcast_to(np.empty((), dtype=a.dtype), a.shape) for a in arrays]
    inputs, output, _ = parse_einsum_input((subscripts, *dummies))
    in_subs = inputs.split(",")
    if len(in_subs) != len(arrays):
        raise ValueError("more operands provided to einstein sum function than specified in the subscripts string")
    sizes = {}
    for s, a in zip(in_subs, arrays):
        if len(s) != a.ndim:
            raise ValueError(f"einstein sum subscripts string contains too many subscripts for operand")
        for ch, n in zip(s, a.shape):
            if sizes.get(ch, 1) not in (1, n) and n != 1:
                raise ValueError(
                    f"operands could not be broadcast together with remapped shapes: index {ch!r} has sizes "
                    f"{sizes[ch]} and {n}"
                )
            if n != 1 or ch not in sizes:
                sizes[ch] = n
    with np.errstate(all="ignore"):
        probe = np.einsum(f"{inputs}->{output}", *[np.ones((1,) * a.ndim, dtype=a.dtype) for a in arrays],
                          dtype=dtype, casting=casting)
    out_dtype = probe.dtype
    targets = {}
    for ch in set("".join(in_subs)):
        if ch in output:
            ds = [a._node.dims[j] for s, a in zip(in_subs, arrays) for j, c in enumerate(s) if c == ch
                  and a.shape[j] == sizes[ch]]
            targets[ch] = _boundary_union(ds)
        else:
            targets[ch] = None  # one chunk
    nodes, maps = [], []

    for s, a in zip(in_subs, arrays):
        node = a._node
        want = []
        m = []
        for j, ch in enumerate(s):
            n = a.shape[j]
            if n != sizes[ch] or targets[ch] is None:
                want.append(Dim.regular(n, max(n, 1)))
                m.append(("c", 0))
            else:
                want.append(targets[ch])
                m.append(output.index(ch))
        want = tuple(want)
        if node.dims != want:
            node = Rechunk(node, want)
        nodes.append(node)
        maps.append(tuple(m))
    out_dims = tuple(targets[ch] for ch in output)
    kw = (("casting", casting), ("dtype", dtype), ("optimize", optimize), ("order", order))
    call = _EinsumCall(f"{inputs}->{output}", kw)
    return Array(MapBlocks(call, tuple(nodes), tuple(maps), out_dims, out_dtype, None, False))
