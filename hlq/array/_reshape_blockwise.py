"""``reshape_blockwise``: reshape every block on its own (dask's semantics).

Block ``i`` of the input (in C order over the block grid) becomes block ``i``
of the output, reshaped to the output's chunk shape.  No data moves between
blocks, so the result's element order differs from numpy's ``reshape``
unless every merged dimension has one block; one task per block.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.arange(27).reshape(3, 3, 3), chunks=(3, 2, (2, 1)))
>>> y = da.reshape_blockwise(x, (3, 9))
>>> y.chunks
((3,), (4, 2, 2, 1))
>>> da.reshape_blockwise(y, (3, 3, 3), chunks=x.chunks).compute().tolist() == np.arange(27).reshape(3, 3, 3).tolist()
True
"""

from __future__ import annotations

import itertools
import math
import numbers

import numpy as np
from dask.array.reshape import reshape_rechunk

from hlq.array._chunks import Dim
from hlq.array._core import Array, asarray
from hlq.array._manipulation import _normalize_shape
from hlq.array.nodes.reshape import ReshapeBlockwise

__all__ = ["reshape_blockwise"]


def reshape_blockwise(x, shape, chunks=None):
    """Reshape each block into the new shape (``dask.array.reshape_blockwise``).

    Parameters
    ----------
    x : Array
    shape : int or tuple of ints
        The new shape (one entry may be -1).
    chunks : tuple of tuples, optional
        Output chunks; required when the number of dimensions grows (each
        output block must hold as many elements as the input block it comes
        from), not allowed when it shrinks (then derived from ``x.chunks``).

    Returns
    -------
    Array
    """
    x = asarray(x)
    if isinstance(shape, (numbers.Integral, np.integer)):
        shape = (int(shape),)
    shape = tuple(int(s) for s in shape)
    if shape in ((-1,),):
        shape = (x.size,)
    shape = _normalize_shape(shape, x.size)
    if math.prod(shape) != x.size:
        raise ValueError("total size of new array must be unchanged")
    if shape == x.shape:
        return x
    if len(shape) > x.ndim:
        if chunks is None:
            raise TypeError("Need to specify chunks if expanding dimensions.")
        chunks = tuple(tuple(int(c) for c in cs) for cs in chunks)
        if tuple(sum(c) for c in chunks) != shape:
            raise ValueError(f"chunks {chunks} do not add up to shape {shape}")
        in_shapes = list(itertools.product(*x.chunks))
        out_shapes = list(itertools.product(*chunks))
        bad = [i for i, (a, b) in enumerate(zip(in_shapes, out_shapes)) if math.prod(a) != math.prod(b)]
        if len(in_shapes) != len(out_shapes) or bad:
            raise ValueError(f"Chunk sizes do not match for the following chunks: {bad[:5]}")
        dims = tuple(Dim.from_sizes(c) for c in chunks)
    else:
        if chunks is not None:
            raise ValueError("Setting chunks is not allowed when reducing the number of dimensions.")
        _, _, mapper_in, one_dims = reshape_rechunk(x.shape, shape, x.chunks, disallow_dimension_expansion=True)
        dims = []
        for v in range(len(shape)):
            ks = sorted(k for k, w in mapper_in.items() if w == v)
            if v in one_dims or not ks:
                dims.append(Dim.from_sizes((1,)))
                continue
            sizes = tuple(math.prod(c) for c in itertools.product(*(x.chunks[k] for k in ks)))
            dims.append(Dim.from_sizes(sizes))
        dims = tuple(dims)
        if tuple(d.length for d in dims) != shape:
            raise NotImplementedError(f"reshape_blockwise from {x.shape} to {shape} is not supported")
    return Array(ReshapeBlockwise(x._node, dims))
