"""Products and triangular/diagonal helpers: ``matmul``, ``dot``, ``tensordot``, ``inner``,
``outer``, ``vdot``, ``triu``, ``tril``, ``diag``, ``diagonal``, ``trace``.

Contractions build one :class:`~hlq.array.nodes.linalg.Contract` node: an
output block is the sum of the partial products of the block pairs along the
contracted axes; slicing the result slices the operands' rows and columns
(see :mod:`hlq.array.rules.slice_pushdown`).

>>> import numpy as np
>>> import hlq.array as da
>>> a = da.from_array(np.arange(6.0).reshape(2, 3), chunks=2)
>>> (a @ a.T).compute().tolist()
[[5.0, 14.0], [14.0, 50.0]]
>>> da.tensordot(a, a, axes=([0, 1], [0, 1])).compute()
array(55.)
"""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from hlq.array._blockwise import blockwise
from hlq.array._core import Array, asarray, elemwise, implements, unify_dims, validate_axis
from hlq.array._creation import zeros
from hlq.array._manipulation import (
    _boundary_union, _broadcast_node, concatenate, ravel, _rechunk_to, transpose,
)
from hlq.array.nodes import Arange, Eye
from hlq.array.nodes.linalg import Contract, MatmulFn, TensordotFn
from hlq.array.nodes.take import Diagonal

__all__ = ["matmul", "dot", "tensordot", "inner", "outer", "vdot", "triu", "tril", "diag", "diagonal", "trace"]

_any = builtins.any


def _sample(dtype):
    return np.ones((1, 1), dtype=dtype)


def _contract(a: Array, b: Array, a_ind, b_ind, out_ind, func, dtype) -> Array:
    """Unify the chunks of shared indices, then build the contraction node."""
    dims = {}
    for x, ind in ((a, a_ind), (b, b_ind)):
        for i, d in zip(ind, x._node.dims):
            dims.setdefault(i, []).append(d)
    common = {}
    for i, ds in dims.items():
        if all(d.known for d in ds):
            common[i] = _boundary_union(ds)
        elif len({d.nblocks for d in ds}) == 1:
            common[i] = None  # unknown (nan) sizes: like dask, blocks pair up by position
        else:
            raise ValueError(f"Chunks are unknown along a shared dimension and the chunk counts do not align: "
                             f"{' vs '.join(str(d.sizes()) for d in ds)}")
    an = _rechunk_to(a._node, [common[i] or d for i, d in zip(a_ind, a._node.dims)])
    bn = _rechunk_to(b._node, [common[i] or d for i, d in zip(b_ind, b._node.dims)])
    return Array(Contract(an, bn, tuple(a_ind), tuple(b_ind), tuple(out_ind), func, np.dtype(dtype)))


def _lengths_match(m, n) -> bool:
    """Equal lengths, or an unknown (nan) one (checked by block counts when the blocks pair up)."""
    return m == n or m != m or n != n


@implements(np.tensordot)
def tensordot(lhs, rhs, axes=2):
    """Sum products over ``axes`` (``numpy.tensordot``), block pair by block pair."""
    a, b = asarray(lhs), asarray(rhs)
    if isinstance(axes, (numbers.Integral, np.integer)):
        n = int(axes)
        if n < 0 or n > a.ndim or n > b.ndim:
            raise ValueError("shape-mismatch for sum")
        a_axes = tuple(range(a.ndim - n, a.ndim))
        b_axes = tuple(range(n))
    else:
        a_axes, b_axes = axes
        a_axes = (a_axes,) if isinstance(a_axes, (numbers.Integral, np.integer)) else tuple(a_axes)
        b_axes = (b_axes,) if isinstance(b_axes, (numbers.Integral, np.integer)) else tuple(b_axes)
        if len(a_axes) != len(b_axes):
            raise ValueError("shape-mismatch for sum")
        a_axes = tuple(validate_axis(int(x), a.ndim)[0] for x in a_axes)
        b_axes = tuple(validate_axis(int(x), b.ndim)[0] for x in b_axes)
        if len(set(a_axes)) != len(a_axes) or len(set(b_axes)) != len(b_axes):
            raise ValueError("repeated axis in tensordot")
    for i, j in zip(a_axes, b_axes):
        if not _lengths_match(a.shape[i], b.shape[j]):
            raise ValueError("shape-mismatch for sum")
    a_ind = list(range(a.ndim))
    b_ind = [None] * b.ndim
    nxt = a.ndim
    for i, j in zip(a_axes, b_axes):
        b_ind[j] = i
    for j in range(b.ndim):
        if b_ind[j] is None:
            b_ind[j] = nxt
            nxt += 1
    out_ind = [i for i in a_ind if i not in a_axes] + [b_ind[j] for j in range(b.ndim) if j not in b_axes]
    dtype = np.dot(np.ones(1, a.dtype), np.ones(1, b.dtype)).dtype
    return _contract(a, b, a_ind, b_ind, out_ind, TensordotFn((a_axes, b_axes)), dtype)


@implements(np.matmul)
def matmul(x1, x2):
    """Matrix product with numpy's broadcasting of stacked matrices (``numpy.matmul``)."""
    a, b = asarray(x1), asarray(x2)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(
            f"matmul: Input operand {0 if a.ndim == 0 else 1} does not have enough dimensions "
            "(has 0, gufunc core with signature (n?,k),(k,m?)->(n?,m?) requires 1)"
        )
    a_vec, b_vec = a.ndim == 1, b.ndim == 1
    if a_vec:
        a = a[None, :]
    if b_vec:
        b = b[:, None]
    if not _lengths_match(a.shape[-1], b.shape[-2]):
        raise ValueError(
            "matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature "
            f"(n?,k),(k,m?)->(n?,m?) (size {b.shape[-2]} is different from {a.shape[-1]})"
        )
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    nb = len(batch)
    if nb:
        # the batch dims alone (the core dims may be empty: no indexing into them)
        bdims = unify_dims([_BatchDims(a._node.dims[:-2]), _BatchDims(b._node.dims[:-2])], batch)
        a = Array(_broadcast_node(a._node, (*bdims, *a._node.dims[-2:])))
        b = Array(_broadcast_node(b._node, (*bdims, *b._node.dims[-2:])))
    batch_ind = list(range(nb))
    i, k, j = nb, nb + 1, nb + 2
    dtype = np.matmul(_sample(a.dtype), _sample(b.dtype)).dtype
    out = _contract(a, b, batch_ind + [i, k], batch_ind + [k, j], batch_ind + [i, j], MatmulFn(), dtype)
    if a_vec and b_vec:
        return out[..., 0, 0]
    if a_vec:
        return out[..., 0, :]
    if b_vec:
        return out[..., 0]
    return out


class _BatchDims:
    """The leading (batch) dimensions of an operand, as ``unify_dims`` reads them."""

    def __init__(self, dims):
        self.dims = tuple(dims)
        self.ndim = len(self.dims)
        self.shape = tuple(d.length for d in self.dims)


@implements(np.dot)
def dot(a, b):
    """``numpy.dot``: tensordot over the last axis of ``a`` and the second-to-last of ``b``."""
    a, b = asarray(a), asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim == 1:
        if not _lengths_match(a.shape[-1], b.shape[0]):
            raise ValueError(f"shapes {a.shape} and {b.shape} not aligned")
        return tensordot(a, b, axes=((a.ndim - 1,), (0,)))
    if not _lengths_match(a.shape[-1], b.shape[-2]):
        raise ValueError(f"shapes {a.shape} and {b.shape} not aligned")
    return tensordot(a, b, axes=((a.ndim - 1,), (b.ndim - 2,)))


@implements(np.inner)
def inner(a, b):
    """Inner product over the last axes."""
    a, b = asarray(a), asarray(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise ValueError("shapes not aligned: last dimensions differ")
    return tensordot(a, b, axes=((a.ndim - 1,), (b.ndim - 1,)))


@implements(np.outer)
def outer(a, b):
    """Outer product of the flattened inputs."""
    a, b = ravel(asarray(a)), ravel(asarray(b))
    return elemwise(np.multiply, a[:, None], b[None, :])


@implements(np.vdot)
def vdot(a, b):
    """Dot product of the flattened inputs, conjugating the first."""
    a, b = ravel(asarray(a)), ravel(asarray(b))
    if a.shape != b.shape:
        raise ValueError("cannot reshape: vdot needs inputs of the same size")
    if a.dtype.kind == "c":
        a = elemwise(np.conjugate, a)
    return tensordot(a, b, axes=((0,), (0,)))


# --------------------------------------------------------------------------
# triangles and diagonals


def _tri(m, k, lower):
    m = asarray(m)
    if m.ndim < 2:
        raise ValueError("input must be at least 2-d")
    rd, cd = m._node.dims[-2], m._node.dims[-1]
    rows = Array(Arange(0, 1, (rd,), np.dtype(np.int64), 0))[:, None]
    cols = Array(Arange(0, 1, (cd,), np.dtype(np.int64), 0))[None, :]
    diff = cols - rows
    mask = diff <= int(k) if lower else diff >= int(k)
    return elemwise(np.where, mask, m, np.zeros((), dtype=m.dtype))


@implements(np.triu)
def triu(m, k=0):
    """Upper triangle (elements below the ``k``-th diagonal zeroed)."""
    return _tri(m, k, lower=False)


@implements(np.tril)
def tril(m, k=0):
    """Lower triangle (elements above the ``k``-th diagonal zeroed)."""
    return _tri(m, k, lower=True)


@implements(np.diagonal)
def diagonal(a, offset=0, axis1=0, axis2=1):
    """The ``offset`` diagonal over ``axis1``/``axis2``, as the last axis (``numpy.diagonal``)."""
    a = asarray(a)
    if a.ndim < 2:
        raise ValueError("diag requires an array of at least two dimensions")
    ax1 = validate_axis(axis1, a.ndim)[0]
    ax2 = validate_axis(axis2, a.ndim)[0]
    if ax1 == ax2:
        raise ValueError("axis1 and axis2 cannot be the same")
    order = [d for d in range(a.ndim) if d not in (ax1, ax2)] + [ax1, ax2]
    if order != list(range(a.ndim)):
        a = transpose(a, order)
    return Array(Diagonal(a._node, int(offset)))


@implements(np.diag)
def diag(v, k=0):
    """Extract a diagonal (2-d input) or build a diagonal matrix (1-d input)."""
    v = asarray(v)
    k = int(k)
    if v.ndim == 2:
        return diagonal(v, k)
    if v.ndim != 1:
        raise ValueError("Input must be 1- or 2-d.")
    d = v._node.dims[0]
    if not d.known:
        # unknown (nan) length: like dask, one block per diagonal block (the off-diagonal blocks zero)
        if k:
            raise NotImplementedError("diag(v, k) with k != 0 needs known chunk sizes of v")
        return _diag_unknown(v)
    if k:
        v = concatenate([v, zeros(abs(k), dtype=v.dtype, chunks=max(abs(k), 1))])
        d = v._node.dims[0]
    eye = Array(Eye(k, (d, d), np.dtype(bool), (0, 0)))
    vals = v[:, None] if k >= 0 else v[None, :]
    return elemwise(np.where, eye, vals, np.zeros((), dtype=v.dtype))


def _diag_unknown(v):
    return blockwise(_DiagBlock(), "ij", v, "i", v, "j", dtype=v.dtype)


class _DiagBlock:
    """Block ``(i, j)`` of ``diag(v)``: ``diag(v_i)`` on the diagonal, zeros elsewhere."""

    __name__ = "diag"

    def __call__(self, a, b, block_id=None):
        return np.diag(a) if block_id[0] == block_id[1] else np.zeros((a.shape[0], b.shape[0]), dtype=a.dtype)

    def __reduce__(self):
        return (_DiagBlock, ())


@implements(np.trace)
def trace(a, offset=0, axis1=0, axis2=1, dtype=None):
    """Sum along a diagonal."""
    return diagonal(a, offset, axis1, axis2).sum(-1, dtype=dtype)


del _any
