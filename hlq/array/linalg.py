"""``hlq.array.linalg`` (``dask.array.linalg``).

* ``norm``: vector and matrix norms as reductions (2/-2/'nuc' matrix norms
  rechunk the two axes to one chunk);
* ``tsqr``/``qr``/``svd``: the tall-and-skinny QR (one QR per row block, a
  QR of the stacked ``R`` factors, one product per block); short-and-fat
  arrays go through the transpose; ``svd_compressed``: randomized SVD;
* ``solve``, ``inv``, ``cholesky``, ``lstsq``, ``lu``: the square matrix is
  **rechunked to one chunk** and numpy/scipy computes the result (exact,
  not blocked like dask's LU; documented limitation), chunks of ``b``'s
  other axes are kept.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.array([[3.0, 4.0], [0.0, 0.0]]), chunks=1)
>>> float(da.linalg.norm(x).compute())
5.0
>>> q, r = da.linalg.qr(da.from_array(np.arange(1.0, 13.0).reshape(6, 2), chunks=(2, 2)))
>>> bool(np.allclose((q @ r).compute(), np.arange(1.0, 13.0).reshape(6, 2)))
True
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from hlq.array import random as hrandom
from hlq.array._blockwise import map_blocks
from hlq.array._chunks import Dim
from hlq.array._core import Array, asarray, validate_axis
from hlq.array._manipulation import concatenate
from hlq.array.nodes import MapBlocks
from hlq.array.nodes.gather import GatherBlocks

__all__ = ["norm", "tsqr", "sfqr", "qr", "svd", "svd_compressed", "solve", "inv", "cholesky", "lstsq", "lu",
           "solve_triangular"]


def _float(x):
    if x.dtype.kind in "biu":
        return x.astype(np.float64)
    return x


def norm(x, ord=None, axis=None, keepdims=False):
    """Matrix or vector norm (``numpy.linalg.norm``)."""
    x = _float(asarray(x))
    if axis is None:
        if ord is None:
            r = (abs(x) ** 2).sum(keepdims=keepdims) ** 0.5
            return r.astype(_real(x.dtype))
        if x.ndim not in (1, 2):
            raise ValueError("Improper number of dimensions to norm.")
        axis = tuple(range(x.ndim))
    elif isinstance(axis, numbers.Integral):
        axis = (int(axis),)
    else:
        axis = tuple(axis)
    if len(axis) > 2:
        raise ValueError("Improper number of dimensions to norm.")
    axis = tuple(int(a) % x.ndim if -x.ndim <= a < x.ndim else validate_axis((a,), x.ndim)[0] for a in axis)
    a = abs(x)
    rt = _real(x.dtype)
    if len(axis) == 1:
        if ord is None or ord == 2:
            r = ((a ** 2).sum(axis=axis, keepdims=keepdims)) ** 0.5
        elif ord == np.inf:
            r = a.max(axis=axis, keepdims=keepdims)
        elif ord == -np.inf:
            r = a.min(axis=axis, keepdims=keepdims)
        elif ord == 0:
            r = (x != 0).astype(rt).sum(axis=axis, keepdims=keepdims)
        elif ord == 1:
            r = a.sum(axis=axis, keepdims=keepdims)
        elif isinstance(ord, str):
            raise ValueError(f"Invalid norm order '{ord}' for vectors")
        else:
            r = ((a ** ord).sum(axis=axis, keepdims=keepdims)) ** (1.0 / ord)
        return r.astype(rt)
    r0, c0 = axis
    if r0 == c0:
        raise ValueError("Duplicate axes given.")
    if ord in (None, "fro", "f"):
        r = ((a ** 2).sum(axis=axis, keepdims=keepdims)) ** 0.5
    elif ord in (1, -1, np.inf, -np.inf):
        inner, outer = (r0, c0) if ord in (1, -1) else (c0, r0)
        s = a.sum(axis=inner, keepdims=True)
        r = s.max(axis=outer, keepdims=True) if ord in (1, np.inf) else s.min(axis=outer, keepdims=True)
        if not keepdims:
            r = r.squeeze(axis=axis)
    elif ord in (2, -2, "nuc"):
        y = x.rechunk({r0: -1, c0: -1})
        chunks = [(1,) if i in axis else c for i, c in enumerate(y.chunks)]
        r = map_blocks(np.linalg.norm, y, ord=ord, axis=axis, keepdims=True, chunks=tuple(chunks), dtype=rt)
        if not keepdims:
            r = r.squeeze(axis=axis)
    else:
        raise ValueError("Invalid norm order for matrices.")
    return r.astype(rt)


def _real(dtype):
    return np.empty(0, dtype=dtype).real.dtype if np.dtype(dtype).kind == "c" else np.dtype(dtype)


# ------------------------------------------------------------------ tsqr
class _BlockQR:
    """``numpy.linalg.qr(block)``: both factors of one block, computed once."""

    __name__ = "qr"

    def __call__(self, block):
        return tuple(np.linalg.qr(block))

    def __reduce__(self):
        return (_BlockQR, ())


class _Factor:
    """Item ``part`` of a block holding a tuple of factors (a QR or SVD result)."""

    def __init__(self, kind, part):
        self.kind = kind
        self.part = part

    @property
    def __name__(self):
        return self.kind + "-" + str(self.part)

    def __call__(self, factors):
        return factors[self.part]

    def __reduce__(self):
        return (_Factor, (self.kind, self.part))


def _qr_factors(node, dt, k):
    """``(Q, R)`` of the single-block-column array ``node``, each block's QR computed once.

    The QR of a block runs in one task whose result (the pair of factors) both
    factor arrays read, so the Q path and the R path share it.
    """
    pair = MapBlocks(_BlockQR(), (node,), ((0, 1),), (node.dims[0], Dim.regular(k, max(k, 1))), dt, None, False)
    q = MapBlocks(_Factor("qr", 0), (pair,), ((0, 1),), (node.dims[0], Dim.regular(k, max(k, 1))), dt, None, False)
    r = MapBlocks(_Factor("qr", 1), (pair,), ((0, 1),), (Dim.regular(k, max(k, 1)), node.dims[1]), dt, None, False)
    return Array(q), Array(r)


def _matmul(a, b):
    return a @ b


def tsqr(data, compute_svd=False, _max_vchunk_size=None):
    """QR (or SVD) of a tall-and-skinny array chunked along rows only (``dask.array.linalg.tsqr``)."""
    a = asarray(data)
    if a.ndim != 2:
        raise ValueError("Input must have the following properties:\n  1. Have two dimensions\n  2. Have only one "
                         "column of blocks\n\nNote: This function (tsqr) supports QR decomposition in the case of\n"
                         "tall-and-skinny matrices (single column chunk/block; see qr)\n")
    if a.numblocks[1] != 1:
        raise ValueError("Input must have the following properties:\n  1. Have two dimensions\n  2. Have only one "
                         "column of blocks\n\nNote: This function (tsqr) supports QR decomposition in the case of\n"
                         "tall-and-skinny matrices (single column chunk/block; see qr)\n")
    a = _float(a)
    node = a._node
    rows = node.dims[0]
    m, n = a.shape
    dt = np.linalg.qr(np.ones((2, 2), dtype=a.dtype))[0].dtype
    if not (rows.known and node.dims[1].known):
        q, r = _tsqr_unknown(node, dt)
    else:
        q, r = _tsqr_known(a, node, rows, n, dt)
    if not compute_svd:
        return q, r

    svd_dt = dt
    kk = min(r.shape)
    # one SVD of R, read by the three factor arrays; like dask, R (k x n, k <= n) has its full
    # n x n right factor (the same as the thin one when k == n)
    factors = map_blocks(_BlockSVD(), r, chunks=((r.shape[0],), (kk,)), dtype=svd_dt)
    u_r = map_blocks(_Factor("svd", 0), factors, chunks=((r.shape[0],), (kk,)), dtype=svd_dt)
    s = map_blocks(_Factor("svd", 1), factors, chunks=((kk,),), drop_axis=1, dtype=_real(svd_dt))
    vt = map_blocks(_Factor("svd", 2), factors, chunks=((r.shape[1],), (r.shape[1],)), dtype=svd_dt)
    u = q @ u_r
    return u, s, vt


def _tsqr_unknown(node, dt):
    """tsqr's ``(Q, R)`` for unknown (nan) row and/or column sizes, like dask: each row block's QR,
    one QR of the stacked ``R_i`` (gathered in one task, with the row offsets of the ``R_i``), and
    each block of ``Q`` as ``Q_i`` times its rows of the second ``Q`` (offsets read at run time)."""
    rows, cols = node.dims
    one = Dim.unknown(1)
    pair = MapBlocks(_BlockQR(), (node,), ((0, 1),), (rows, one), dt, None, False)
    q1 = MapBlocks(_Factor("qr", 0), (pair,), ((0, 1),), (rows, one), dt, None, False)
    r1 = MapBlocks(_Factor("qr", 1), (pair,), ((0, 1),), (Dim.unknown(rows.nblocks), cols), dt, None, False)
    stacked = GatherBlocks(r1, _StackWithOffsets(), (one, one), np.dtype(object))
    rs = MapBlocks(_Factor("stack", 0), (stacked,), ((0, 1),), (one, cols), dt, None, False)
    offsets = MapBlocks(_Factor("stack", 1), (stacked,), ((("c", 0), ("c", 0)),), (one,), np.dtype(np.intp),
                        None, False)
    pair2 = MapBlocks(_BlockQR(), (rs,), ((0, 1),), (one, one), dt, None, False)
    q2 = MapBlocks(_Factor("qr", 0), (pair2,), ((0, 1),), (one, one), dt, None, False)
    r = MapBlocks(_Factor("qr", 1), (pair2,), ((0, 1),), (one, cols), dt, None, False)
    q = MapBlocks(_QRowBlock(), (q1, q2, offsets), ((0, ("c", 0)), (("c", 0), ("c", 0)), (("c", 0),)), (rows, one),
                  dt, None, True)
    return Array(q), Array(r)


class _StackWithOffsets:
    """The row blocks stacked into one, and the row offsets of the blocks (``len(blocks) + 1``)."""

    __name__ = "stack-r"

    def __call__(self, *blocks):
        offsets = np.cumsum([0] + [b.shape[0] for b in blocks])
        return np.concatenate(blocks, axis=0), offsets

    def __reduce__(self):
        return (_StackWithOffsets, ())


class _QRowBlock:
    """Block ``i`` of tsqr's ``Q``: ``Q_i`` times rows ``offsets[i]:offsets[i + 1]`` of the second ``Q``."""

    __name__ = "tsqr-q"

    def __call__(self, qi, q2, offsets, block_id=None):
        i = block_id[0]
        return qi @ q2[offsets[i]:offsets[i + 1]]

    def __reduce__(self):
        return (_QRowBlock, ())


def _tsqr_known(a, node, rows, n, dt):
    ks = tuple(min(rows.size(i), n) for i in range(rows.nblocks))
    # per block: Q_i (m_i x k_i), R_i (k_i x n); Q_i blocks have different widths, so they are kept as one
    # object per block row and multiplied by their row block of Q2 below

    r_blocks = []
    q_blocks = []
    for i in range(rows.nblocks):
        blk = a[rows.start(i): rows.start(i) + rows.size(i)]
        qi, ri = _qr_factors(blk._node, dt, ks[i])
        q_blocks.append(qi)
        r_blocks.append(ri)
    rs = concatenate(r_blocks, axis=0) if len(r_blocks) > 1 else r_blocks[0]
    rs = rs.rechunk(-1)
    k2 = min(rs.shape[0], n)
    rn = rs._node
    q2, r = _qr_factors(rn, dt, k2)
    parts = []
    off = 0
    for i, qb in enumerate(q_blocks):
        q2i = q2[off: off + ks[i]]
        off += ks[i]
        parts.append(Array(MapBlocks(_matmul, (qb._node, q2i._node), ((0, ("c", 0)), (("c", 0), 1)),
                                     (qb._node.dims[0], Dim.regular(k2, max(k2, 1))), dt, None, False)))
    q = concatenate(parts, axis=0) if len(parts) > 1 else parts[0]
    return q, r


class _BlockSVD:
    """``numpy.linalg.svd(block)``: the three factors (``u`` thin, ``vt`` full), computed once."""

    __name__ = "svd"

    def __call__(self, block):
        u, s, vt = np.linalg.svd(block, full_matrices=True)
        k = min(block.shape)
        return u[:, :k], s, vt

    def __reduce__(self):
        return (_BlockSVD, ())


def sfqr(data, name=None):
    """QR of a short-and-fat array: one row of blocks whose first column chunk is at least as
    wide as the array is tall (or a single column chunk) (``dask.array.linalg.sfqr``).

    ``Q R_1 = A_1`` for the first column block, then ``R_k = Q^H A_k`` for the others.

    Parameters
    ----------
    data : Array
        A 2-d array with a single chunk along its rows.
    name : str, optional
        Ignored (dask's graph key prefix; hlq names keys by plan).

    Returns
    -------
    q, r : Array
        ``q`` of shape ``(m, min(m, n))`` (one block), ``r`` of shape ``(min(m, n), n)``.
    """
    a = asarray(data)
    if not (a.ndim == 2 and a.numblocks[0] == 1 and (a.chunks[0][0] <= a.chunks[1][0] or a.numblocks[1] == 1)):
        raise ValueError(
            "Input must have the following properties:\n  1. Have two dimensions\n  2. Have only one row of "
            "blocks\n  3. Either one column of blocks or (first) chunk size on cols\n     is at most that on rows "
            "(e.g.: for a 5x20 matrix,\n     chunks=((5), (8,4,8)) is fine, but chunks=((5), (4,8,8)) is not;\n"
            "     still, prefer something simple like chunks=(5,10) or chunks=5)\n\nNote: This function (sfqr) "
            "supports QR decomposition in the case\nof short-and-fat matrices (single row chunk/block; see qr)")
    m, n = a.shape
    cc = a.chunks[1][0]
    af = _float(a)
    dt = np.linalg.qr(np.ones((2, 2), dtype=af.dtype))[0].dtype
    q, r1 = _qr_factors(af[:, :cc]._node, dt, min(m, cc))
    if a.numblocks[1] == 1:
        return q, r1

    rest = q.conj().T @ af[:, cc:]
    return q, concatenate([r1, rest.astype(dt, copy=False)], axis=1)


def qr(a):
    """QR of a tall-and-skinny array (rows chunked, one column chunk) via :func:`tsqr`."""
    a = asarray(a)
    if a.ndim != 2:
        raise ValueError("qr requires a 2-d array")
    if a.numblocks[1] == 1 and (a.shape[0] >= a.shape[1] or a.shape[0] != a.shape[0]):  # (nan: unknown rows)
        return tsqr(a)
    if a.numblocks[0] == 1:
        k = min(a.shape)
        dt = np.linalg.qr(np.ones((2, 2), dtype=_float(a).dtype))[0].dtype
        y = _float(a).rechunk(-1)
        return _qr_factors(y._node, dt, k)
    raise NotImplementedError(
        "qr currently supports only tall-and-skinny (single column chunk/block) and short-and-fat (single row "
        f"chunk/block) matrices\nConsider use of the rechunk method. For example,\n\nx.rechunk({{0: -1, 1: 'auto'}}) "
        f"or x.rechunk({{0: 'auto', 1: -1}})\n\nwhich rechunk one shorter axis to a single chunk, while allowing\n"
        f"the other axis to automatically grow/shrink appropriately."
    )


def svd(a, coerce_signs=True, full_matrices=False):
    """Thin SVD of a tall-and-skinny or short-and-fat array (``dask.array.linalg.svd``);
    ``full_matrices=True`` is not supported (as in dask)."""
    if full_matrices:
        raise NotImplementedError("svd(full_matrices=True) is not supported: the thin SVD is computed "
                                  "(full_matrices=False)")
    a = asarray(a)
    if a.ndim != 2:
        raise ValueError("Array must be 2D.\nInput shape: {}\nInput ndim: {}\n".format(a.shape, a.ndim))
    nb = a.numblocks
    if nb[0] > 1 and nb[1] > 1:
        raise NotImplementedError(
            "Array must be chunked in one dimension only. This function (svd) only supports tall-and-skinny or "
            "short-and-fat matrices (see da.linalg.svd_compressed for SVD on fully chunked arrays).\n"
            f"Input shape: {a.shape}\nInput numblocks: {nb}\n"
        )
    k = min(a.shape)
    if nb[1] == 1 and (nb[0] > 1 or a.shape[0] >= a.shape[1]):
        u, s, v = tsqr(a, compute_svd=True)
        if k == k and k < v.shape[0]:
            v = v[:k]  # tsqr's right factor is the full square one (with unknown sizes, like dask, kept)
    else:  # short and fat: the SVD of the transpose
        vt, s, ut = tsqr(a.T.rechunk({1: -1}), compute_svd=True)
        u, v = (ut[:k] if k == k and k < ut.shape[0] else ut).T, vt.T
    if coerce_signs:
        u, v = _svd_flip(u, v)
    return u, s, v


def _svd_flip(u, v):
    # signs from u's largest-magnitude entry per column (dask's svd_flip, u-based)
    k = u.shape[1]
    if all(d.known for d in u._node.dims):
        signs = map_blocks(_ColSigns(), u.rechunk(-1), chunks=((k,),), drop_axis=0, dtype=u.dtype)
    else:  # unknown (nan) sizes: u's blocks gathered in one task
        cols_u, rows_v = u._node.dims[1], v._node.dims[0]  # the same length, known or not
        signs_node = GatherBlocks(u._node, _GatheredColSigns(u.numblocks),
                                  (cols_u if cols_u.nblocks == 1 else Dim.unknown(1),), u.dtype)
        signs = Array(signs_node)
        signs_v = signs if rows_v.nblocks != 1 or rows_v == cols_u else Array(
            MapBlocks(_identity, (signs_node,), ((0,),), (rows_v,), u.dtype, None, False))
        return u * signs, v * signs_v[:, None]
    return u * signs, v * signs[:, None]


def _identity(x):
    return x


class _GatheredColSigns:
    """:class:`_ColSigns` of the array whose blocks (C order over ``grid``) the call receives."""

    __name__ = "svd-signs"

    def __init__(self, grid):
        self.grid = grid

    def __call__(self, *blocks):
        rows = [list(blocks[i * self.grid[1]:(i + 1) * self.grid[1]]) for i in range(self.grid[0])]
        return _ColSigns()(np.block(rows))

    def __reduce__(self):
        return (_GatheredColSigns, (self.grid,))


class _ColSigns:
    __name__ = "svd-signs"

    def __call__(self, u):
        if u.size == 0:
            return np.ones(u.shape[1], dtype=u.dtype)
        idx = np.argmax(np.abs(u), axis=0)
        s = np.sign(u[idx, np.arange(u.shape[1])])
        s[s == 0] = 1
        return s.astype(u.dtype)

    def __reduce__(self):
        return (_ColSigns, ())


def svd_compressed(a, k, iterator="power", n_power_iter=0, n_oversamples=10, seed=None, compute=False,
                   coerce_signs=True):
    """Randomly compressed rank-``k`` thin SVD (Halko et al.; ``dask.array.linalg.svd_compressed``)."""
    a = _float(asarray(a))
    if iterator not in ("power", "QR"):
        raise ValueError(f"Iterator '{iterator}' not valid, must one one of ['power', 'QR']")
    m, n = a.shape
    comp = min(k + n_oversamples, m, n)
    state = hrandom.RandomState(seed) if not hasattr(seed, "standard_normal") else seed
    omega = state.standard_normal(size=(n, comp), chunks=(a.chunks[1], (comp,))).astype(a.dtype)
    y = (a @ omega).rechunk({1: -1})
    for _ in range(n_power_iter):
        # compute=True: like dask, each power iteration's intermediates are computed (persisted) once
        if iterator == "QR":
            y, _ = tsqr(y.persist() if compute else y)
            t = (a.T @ y).rechunk({1: -1})
            z, _ = tsqr(t.persist() if compute else t)
            y = (a @ z).rechunk({1: -1})
        else:
            y = y.persist() if compute else y
            t = a.T @ y
            y = (a @ (t.persist() if compute else t)).rechunk({1: -1})
    q, _ = tsqr(y)
    b = (q.T @ a).rechunk({0: -1})
    u_b, s, v = tsqr(b.T.rechunk({1: -1}), compute_svd=True)
    u_b, v = v.T, u_b.T
    u = q @ u_b
    u, s, v = u[:, :k], s[:k], v[:k, :]
    if coerce_signs:
        u, v = _svd_flip(u, v)
    return u, s, v


# ------------------------------------------------------------ square solvers
def _square(a, name):
    a = asarray(a)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"{name} requires a square 2-d array, got shape {a.shape}")
    return a


def _one_chunk(a):
    return a.rechunk(-1) if any(n > 1 for n in a.numblocks) else a


class _Solve:
    __name__ = "solve"

    def __init__(self, kind, extra=()):
        self.kind, self.extra = kind, extra

    def __call__(self, a, b=None):
        if self.kind == "solve":
            return np.linalg.solve(a, b)
        if self.kind == "inv":
            return np.linalg.inv(a)
        if self.kind == "cholesky":
            (lower,) = self.extra
            c = np.linalg.cholesky(a)
            return c if lower else c.T.conj()
        if self.kind == "lstsq":
            (rcond,) = self.extra
            return tuple(np.linalg.lstsq(a, b, rcond=rcond))
        if self.kind == "solve_triangular":
            import scipy.linalg

            lower, unit = self.extra
            return scipy.linalg.solve_triangular(a, b, lower=lower, unit_diagonal=unit)
        if self.kind == "lu":
            import scipy.linalg

            return tuple(scipy.linalg.lu(a))
        raise ValueError(self.kind)

    def __reduce__(self):
        return (_Solve, (self.kind, self.extra))


def _rhs_solve(kind, a, b, extra=()):
    a = _one_chunk(_float(a))
    b = _float(asarray(b))
    if b.shape[0] != a.shape[0]:
        raise ValueError(f"a and b have incompatible shapes {a.shape} and {b.shape}")
    b = b.rechunk({0: -1}) if b.numblocks[0] > 1 else b
    dt = np.result_type(a.dtype, b.dtype)
    an = a._node
    bn = b._node
    bmap = (("c", 0),) + tuple(range(1, b.ndim))
    dims = (Dim.regular(a.shape[1], max(a.shape[1], 1)),) + tuple(bn.dims[1:])
    return Array(MapBlocks(_Solve(kind, extra), (an, bn), ((("c", 0), ("c", 0)), bmap), dims, dt, None, False))


def solve(a, b, sym_pos=None, assume_a="gen"):
    """Solve ``a x = b`` (``a`` rechunked to one chunk; ``b``'s column chunks kept).

    ``sym_pos`` is dask's deprecated spelling of ``assume_a="pos"`` (FutureWarning).
    """
    if sym_pos is not None:
        warnings.warn("The sym_pos keyword is deprecated and should be replaced by using ``assume_a = 'pos'``."
                      "``sym_pos`` will be removed in a future version.", FutureWarning, stacklevel=2)
    a = _square(a, "solve")
    return _rhs_solve("solve", a, b)


def solve_triangular(a, b, lower=False):
    """Solve ``a x = b`` for triangular ``a`` (scipy; ``a`` rechunked to one chunk)."""
    a = _square(a, "solve_triangular")
    return _rhs_solve("solve_triangular", a, b, (bool(lower), False))


def inv(a):
    """Inverse of a square matrix (rechunked to one chunk)."""
    a = _one_chunk(_float(_square(a, "inv")))
    return map_blocks(_Solve("inv"), a, dtype=a.dtype)


def cholesky(a, lower=False):
    """Cholesky factor (upper by default, like dask; rechunked to one chunk)."""
    a = _one_chunk(_float(_square(a, "cholesky")))
    return map_blocks(_Solve("cholesky", (bool(lower),)), a, dtype=a.dtype)


def lu(a):
    """``p, l, u`` of scipy's LU decomposition (rechunked to one chunk)."""
    a = _one_chunk(_float(_square(a, "lu")))
    factors = map_blocks(_Solve("lu"), a, dtype=a.dtype)  # one factorization, read by p, l and u
    return tuple(map_blocks(_Factor("lu", i), factors, dtype=a.dtype) for i in range(3))


def lstsq(a, b, rcond=None):
    """Least squares: ``x, residuals, rank, s`` (numpy on one chunk of ``a`` and ``b``).

    Like dask, ``residuals`` is always ``sum((b - a @ x) ** 2, axis=0)`` (shape ``(1,)`` for 1-d ``b``).
    """
    a = _one_chunk(_float(asarray(a)))
    b = _one_chunk(_float(asarray(b)))
    if a.ndim != 2:
        raise ValueError("lstsq requires a 2-d array a")
    if b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
        raise ValueError(f"a and b have incompatible shapes {a.shape} and {b.shape}")
    dt = np.result_type(a.dtype, b.dtype)
    nodes = (a._node, b._node)
    maps = ((("c", 0), ("c", 0)), tuple(("c", 0) for _ in range(b.ndim)))
    shape_x = (a.shape[1],) + b.shape[1:]
    dims_x = tuple(Dim.regular(n, max(n, 1)) for n in shape_x)
    # one least-squares solve; x, rank and the singular values are items of its result
    solved = MapBlocks(_Solve("lstsq", (rcond,)), nodes, maps, dims_x, dt, None, False)
    x = Array(MapBlocks(_Factor("lstsq", 0), (solved,), (tuple(range(len(shape_x))),), dims_x, dt, None, False))
    rank = Array(MapBlocks(_Factor("lstsq", 2), (solved,), (tuple(("c", 0) for _ in shape_x),), (),
                           np.dtype(np.int64), None, False))
    k = min(a.shape)
    sv = Array(MapBlocks(_Factor("lstsq", 3), (solved,), (tuple(("c", 0) for _ in shape_x),),
                         (Dim.regular(k, max(k, 1)),), _real(dt), None, False))
    res = (abs(b - a @ x) ** 2).sum(axis=0)  # real, like numpy's residuals of complex systems
    if b.ndim == 1:
        res = res.reshape((1,))
    return x, res, rank, sv
