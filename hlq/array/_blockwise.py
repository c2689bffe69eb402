"""Functions mapped over blocks: ``map_blocks`` and ``blockwise``."""

from __future__ import annotations

import inspect
import numbers

import numpy as np
from dask.base import tokenize

from hlq.array._block_info import accepts_block_info, BlockInfoCall, EnforceNdim
from hlq.array._chunks import Dim
from hlq.array._core import Array, asarray, map_blocks_to_frame, unify_dims, _rechunk_node
from hlq.array.nodes import ArrayNode, MapBlocks

__all__ = ["map_blocks", "blockwise"]


# --------------------------------------------------------------------------
# map_blocks / blockwise


def _accepts_block_id(func) -> bool:
    try:
        return "block_id" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


def _as_list(axes):
    if axes is None:
        return []
    if isinstance(axes, (numbers.Integral, np.integer)):
        return [int(axes)]
    return [int(a) for a in axes]


def _shapes_broadcast(shapes) -> bool:
    """True when the shapes broadcast against each other (nan lengths match anything)."""
    ndim = max((len(s) for s in shapes), default=0)
    for j in range(ndim):
        lens = {s[j - (ndim - len(s))] for s in shapes if j >= ndim - len(s)}
        lens = {n for n in lens if n == n and n != 1}
        if len(lens) > 1:
            return False
    return True


def map_blocks(func, *args, name=None, token=None, dtype=None, chunks=None, drop_axis=None, new_axis=None,
               enforce_ndim=False, meta=None, **kwargs):
    """Apply ``func`` to each block of the array arguments (``dask.array.map_blocks``).

    Array arguments are aligned by their trailing dimensions.  When their
    shapes broadcast, their chunks are unified first and length-1 dimensions
    broadcast; otherwise blocks pair up by block index, an argument with a
    single block along a dimension being reused for every block (dask's
    ``align_arrays=False``).  ``chunks``, ``drop_axis`` and ``new_axis``
    describe the output blocks like in dask; dropped axes reach ``func``
    whole (one block), and a function without array arguments builds its
    blocks from ``chunks`` (with ``block_info``/``block_id``).
    """
    if not callable(func):
        raise TypeError(
            f"First argument must be callable function, not {type(func).__name__}\n"
            "Usage:   da.map_blocks(function, x)\n"
            "   or:   da.map_blocks(function, x, y, z)"
        )
    arrays = [a for a in args if isinstance(a, Array)]
    ndim = max((a.ndim for a in arrays), default=0)
    out_ind = tuple(range(ndim))[::-1]
    pairs = []
    for a in args:
        pairs.extend((a, tuple(range(a.ndim))[::-1]) if isinstance(a, Array) else (a, None))
    if dtype is None and meta is None:
        sample = _sample_result(func, args, kwargs, arrays, "map_blocks")
        if type(sample).__module__.split(".")[0] == "pandas" and len(arrays) == 1 and not (
                drop_axis is not None or new_axis is not None or chunks is not None):
            return map_blocks_to_frame(func, args, kwargs, arrays[0])
        dtype = np.asarray(sample).dtype
    if dtype is None:
        dtype = meta.dtype if meta is not None and hasattr(meta, "dtype") else _infer_dtype(func, args, kwargs,
                                                                                            arrays, "map_blocks")
    drops = _as_list(drop_axis)
    if drops:
        n_out = len(out_ind)
        if any(i < -n_out or i >= n_out for i in drops):
            raise ValueError(f"drop_axis out of range (drop_axis={drop_axis}, but output is {n_out}d).")
        drops = [i % n_out for i in drops]
        out_ind = tuple(x for i, x in enumerate(out_ind) if i not in drops)
    news = _as_list(new_axis)
    if new_axis is None and chunks is not None and len(out_ind) < len(chunks):
        news = list(range(len(chunks) - len(out_ind)))
    new_axes = {}
    if news:
        out_ind = list(out_ind)
        for ax in sorted(news):
            n = len(out_ind) + len(drops)
            out_ind.insert(ax, n)
            new_axes[n] = chunks[ax] if chunks is not None else 1
        out_ind = tuple(out_ind)
        if max(news) > max(out_ind):
            raise ValueError("New_axis values do not fill in all dimensions")
    adjust = None
    if chunks is not None:
        if len(chunks) != len(out_ind):
            raise ValueError(f"Provided chunks have {len(chunks)} dims; expected {len(out_ind)} dims")
        adjust = dict(zip(out_ind, chunks))
    align = _shapes_broadcast([a.shape for a in arrays])
    return _blockwise(func, out_ind, pairs, name=name, token=token, dtype=dtype, adjust_chunks=adjust,
                      new_axes=new_axes, align_arrays=align, concatenate=True, kwargs=kwargs, block_info=True,
                      enforce_ndim=enforce_ndim)


def _sample_result(func, args, kwargs, arrays, where):
    """``func`` on one-element blocks; ValueError naming ``dtype`` when it fails (dask's dtype inference)."""
    samples = [np.ones((1,) * a.ndim, dtype=a.dtype) if isinstance(a, Array) else a for a in args]
    try:
        with np.errstate(all="ignore"):
            if _accepts_block_id(func):
                kwargs = dict(kwargs, block_id=(0,) * max((a.ndim for a in arrays), default=0))
            if accepts_block_info(func):
                kwargs = dict(kwargs, block_info=None)
            return func(*samples, **kwargs)
    except Exception as e:
        raise ValueError(
            f"`dtype` inference failed in `{where}`.\n\n"
            "Please specify the dtype explicitly using the `dtype` kwarg.\n\n"
            f"Original error is below:\n------------------------\n{type(e).__name__}({e})"
        ) from e


def _infer_dtype(func, args, kwargs, arrays, where):
    """dtype of ``func`` on one-element blocks (dask's ``apply_infer_dtype``); ValueError when it fails."""
    return np.asarray(_sample_result(func, args, kwargs, arrays, where)).dtype


def blockwise(func, out_ind, *args, name=None, token=None, dtype=None, adjust_chunks=None, new_axes=None,
              align_arrays=True, concatenate=None, meta=None, **kwargs):
    """Tensor-style blockwise operation (``dask.array.blockwise``).

    ``args`` alternate arrays (or constants) and their index strings (``None``
    for a constant).  An index of an input that is not in ``out_ind`` is
    contracted: with ``concatenate=True`` ``func`` gets the blocks along it
    concatenated into one block, otherwise a list of the blocks (nested
    lists for several contracted indices).  ``new_axes`` adds output indices
    (a length, or a tuple of chunk sizes); ``adjust_chunks`` changes output
    chunk sizes (a function of the size, a size, or the sizes).
    """
    if dtype is None and meta is not None and hasattr(meta, "dtype"):
        dtype = meta.dtype
    if dtype is None:
        consts = [a for a in args[::2]]
        arrays = [a for a in consts if isinstance(a, Array)]
        dtype = arrays[0].dtype if arrays else np.dtype(float)
    return _blockwise(func, tuple(out_ind), list(args), name=name, token=token, dtype=dtype,
                      adjust_chunks=adjust_chunks, new_axes=dict(new_axes or {}), align_arrays=align_arrays,
                      concatenate=concatenate, kwargs=kwargs, block_info=False)


def _unify_index(cands, index):
    """One Dim for index ``index`` from the inputs' dims (length-1 dims broadcast)."""
    lens = {d.length for d in cands if d.length != 1}
    known = {n for n in lens if n == n}
    if len(known) > 1:
        raise ValueError(f"blockwise: index {index!r} has lengths {' and '.join(str(n) for n in sorted(known))}")
    wide = [d for d in cands if d.length != 1] or cands
    distinct = []
    for d in wide:
        if d not in distinct:
            distinct.append(d)
    if len(distinct) == 1:
        return distinct[0]
    return unify_dims([_DimsOnly((d,)) for d in distinct], (distinct[0].length,))[0]


class _DimsOnly:
    """Stand-in with the ``dims``/``shape``/``ndim`` of a one-dimensional node (for :func:`unify_dims`)."""

    def __init__(self, dims):
        self.dims = dims
        self.shape = tuple(d.length for d in dims)
        self.ndim = len(dims)


def _new_axis_dim(v):
    if isinstance(v, (numbers.Integral, np.integer)):
        return Dim.from_sizes((int(v),))
    return Dim.from_sizes(tuple(v if v != v else int(v) for v in v))


def _blockwise(func, out_ind, args, *, name, token, dtype, adjust_chunks, new_axes, align_arrays, concatenate,
               kwargs, block_info, enforce_ndim=False):
    pairs = []
    for a, ind in zip(args[::2], args[1::2]):
        if ind is None:
            pairs.append((a, None))
            continue
        a = asarray(a)
        ind = tuple(ind)
        if len(ind) != a.ndim:
            raise ValueError(f"Index string {ind} does not match array dimension {a.ndim}")
        pairs.append((a, ind))
    for i in new_axes:
        if i not in out_ind:
            raise ValueError(f"blockwise: new axis {i!r} is not an output index")
    # one Dim per index: unified chunks (align_arrays) or the chunking with the most blocks
    cands = {}
    for a, ind in pairs:
        if ind is not None:
            for i, d in zip(ind, a._node.dims):
                cands.setdefault(i, []).append(d)
    dims_for = {}
    for i, ds in cands.items():
        if align_arrays:
            dims_for[i] = _unify_index(ds, i)
        else:
            best = ds[0]
            for d in ds[1:]:
                if d.nblocks > best.nblocks:
                    best = d
            for d in ds:
                if d.nblocks not in (1, best.nblocks):
                    raise ValueError(f"blockwise: index {i!r} has {d.nblocks} and {best.nblocks} blocks "
                                     "(align_arrays=False pairs blocks by position)")
            dims_for[i] = best
    contracted = [i for i in cands if i not in out_ind]
    out_dims = []
    for i in out_ind:
        if i in new_axes:
            out_dims.append(_new_axis_dim(new_axes[i]))
        elif i in dims_for:
            out_dims.append(dims_for[i])
        else:
            raise ValueError(f"blockwise: output index {i!r} is not in any input and not in new_axes")
    operands, maps, splits, infos, positions = [], [], [], [], []
    for pos, (a, ind) in enumerate(pairs):
        if ind is None:
            operands.append(a)
            continue
        node = a._node
        target = []
        for k, i in enumerate(ind):
            d = node.dims[k]
            if i in contracted:
                if concatenate or not align_arrays or d.length == 1:
                    target.append(d)
                else:
                    target.append(dims_for[i])
            elif align_arrays and _same_len_dim(d, dims_for[i]):
                target.append(dims_for[i])
            else:
                target.append(d)
        node = _rechunk_node(node, target)
        split = tuple((k, node.dims[k].sizes()) for k, i in enumerate(ind)
                      if i in contracted and not concatenate)
        one = [Dim.from_sizes((d.length,)) if (i in contracted and d.nblocks != 1) else d
               for i, d in zip(ind, node.dims)]
        node = _rechunk_node(node, one)
        m = tuple(("c", 0) if (i in contracted or (node.dims[k].nblocks == 1 and out_dims[out_ind.index(i)].nblocks
                                                   != 1)) else out_ind.index(i)
                  for k, i in enumerate(ind))
        operands.append(node)
        maps.append(m)
        splits.append(split)
        positions.append(pos)
        infos.append((pos, node.shape, node.chunks, m))
    if adjust_chunks:
        for i, adj in adjust_chunks.items():
            if i not in out_ind:
                continue
            k = out_ind.index(i)
            d = out_dims[k]
            if callable(adj):
                sizes = tuple(int(adj(s)) for s in d.sizes())
            elif isinstance(adj, (numbers.Integral, np.integer)):
                sizes = (int(adj),) * d.nblocks
            else:
                sizes = tuple(v if v != v else int(v) for v in adj)
                if len(sizes) != d.nblocks:
                    raise ValueError(f"Dimension {i!r} has {d.nblocks} blocks, adjust_chunks specified with "
                                     f"{len(sizes)} blocks")
            out_dims[k] = Dim.from_sizes(sizes)
    pass_block_id = _accepts_block_id(func)
    wants_info = block_info and accepts_block_info(func)
    if any(splits):
        func = ContractedCall(func, tuple((p, s) for p, s in zip(positions, splits) if s))
    if wants_info:  # dask's block_info=, built from metadata and the block index
        func = BlockInfoCall(func, tuple(infos), tuple(d.length for d in out_dims), tuple(d.sizes() for d in out_dims),
                             np.dtype(dtype), pass_block_id)
        pass_block_id = True
    if enforce_ndim:
        func = EnforceNdim(func, len(out_dims))
    return Array(MapBlocks(func, tuple(operands), tuple(maps), tuple(out_dims), np.dtype(dtype),
                           tuple(sorted(kwargs.items())) if kwargs else None, pass_block_id,
                           None if name else token, name or None))


def _same_len_dim(d, e) -> bool:
    return d.length == e.length or (d.length != d.length and e.length != e.length)


class ContractedCall:
    """Wraps a ``blockwise`` function: array arguments contracted without ``concatenate``
    arrive as (nested) lists of their blocks along the contracted axes.

    ``splits`` has ``(position, ((axis, block sizes), ...))`` per such argument
    (its position in the call); the argument's block is whole along those
    axes and is split back into its blocks there.
    """

    def __init__(self, func, splits):
        self.func, self.splits = func, splits
        self.__name__ = getattr(func, "__name__", "blockwise")

    def __call__(self, *args, **kwargs):
        args = list(args)
        for pos, split in self.splits:
            args[pos] = _split_nested(args[pos], split)
        return self.func(*args, **kwargs)

    def __reduce__(self):
        return (ContractedCall, (self.func, self.splits))

    def __dask_tokenize__(self):
        return ("hlq-contracted-call", tokenize(self.func), self.splits)


def _split_nested(block, splits):
    (axis, sizes), rest = splits[0], splits[1:]
    bounds = np.cumsum(sizes)[:-1]
    parts = np.split(block, bounds, axis=axis)
    return [_split_nested(p, rest) if rest else p for p in parts]
