"""Functions mapped over blocks: ``map_blocks`` and ``blockwise``."""

from __future__ import annotations

import inspect
import numbers

import numpy as np

from hlq.array._block_info import accepts_block_info, BlockInfoCall, EnforceNdim
from hlq.array._chunks import Dim
from hlq.array._core import Array, asarray, unify_dims, validate_axis, _rechunk_node
from hlq.array.nodes import ArrayNode, MapBlocks

__all__ = ["map_blocks", "blockwise"]


# --------------------------------------------------------------------------
# map_blocks / blockwise


def _accepts_block_id(func) -> bool:
    try:
        return "block_id" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


def map_blocks(func, *args, name=None, token=None, dtype=None, chunks=None, drop_axis=None, new_axis=None,
               enforce_ndim=False, meta=None, **kwargs):
    """Apply ``func`` to each block of the array arguments (``dask.array.map_blocks``).

    Array arguments are broadcast against each other by blocks (their chunks
    are unified first); ``chunks``, ``drop_axis`` and ``new_axis`` describe
    the output blocks like in dask.
    """
    if not callable(func):
        raise TypeError(f"First argument must be callable function, not {type(func).__name__}")
    arrays = [a for a in args if isinstance(a, Array)]
    if not arrays:
        raise ValueError("map_blocks needs at least one hlq Array argument")
    ndim = max(a.ndim for a in arrays)
    if drop_axis is not None:  # like dask: func sees the dropped axes whole (one chunk)
        drops = [drop_axis] if isinstance(drop_axis, (numbers.Integral, np.integer)) else list(drop_axis)
        drops = [validate_axis(d, ndim)[0] for d in drops]
        args = tuple(
            a.rechunk({d - (ndim - a.ndim): -1 for d in drops if d >= ndim - a.ndim}) if isinstance(a, Array) else a
            for a in args
        )
        arrays = [a for a in args if isinstance(a, Array)]
    from dask.array.core import broadcast_shapes  # nan-aware: unknown (nan) chunk sizes broadcast

    out_shape = broadcast_shapes(*(a.shape for a in arrays))
    dims = unify_dims([a._node for a in arrays], out_shape)
    operands = []
    maps = []
    for a in args:
        if isinstance(a, Array):
            off = ndim - a.ndim
            target = [dims[j + off] if a.shape[j] == out_shape[j + off] else a._node.dims[j] for j in range(a.ndim)]
            node = _rechunk_node(a._node, target)
            m = tuple(("c", 0) if node.dims[j].nblocks == 1 and dims[j + off].nblocks != 1 else j + off
                      for j in range(a.ndim))
            operands.append(node)
            maps.append(m)
        else:
            operands.append(a)
    out_dims = list(dims)
    if drop_axis is not None:
        drop = [drop_axis] if isinstance(drop_axis, (numbers.Integral, np.integer)) else list(drop_axis)
        drop = {validate_axis(d, ndim)[0] for d in drop}
        for d in drop:
            if out_dims[d].nblocks != 1:
                raise ValueError(f"map_blocks: cannot drop axis {d} that has {out_dims[d].nblocks} chunks; rechunk it to one chunk first")
        new_maps = []
        keep = [i for i in range(ndim) if i not in drop]
        pos = {old: new for new, old in enumerate(keep)}
        for m in maps:
            new_maps.append(tuple(("c", 0) if (type(e) is int and e in drop) else (pos[e] if type(e) is int else e) for e in m))
        maps = new_maps
        out_dims = [out_dims[i] for i in keep]
    if new_axis is not None:
        new = [new_axis] if isinstance(new_axis, (numbers.Integral, np.integer)) else list(new_axis)
        for n in sorted(new):
            out_dims.insert(n, Dim(1, 1, 1))
            maps = [tuple(e + 1 if (type(e) is int and e >= n) else e for e in m) for m in maps]
    if chunks is not None:
        if len(chunks) != len(out_dims):
            raise ValueError(f"map_blocks: chunks {chunks!r} do not match the output dimensions ({len(out_dims)})")
        new_dims = []
        for c, d in zip(chunks, out_dims):
            if isinstance(c, (numbers.Integral, np.integer)):
                new_dims.append(Dim.from_sizes((int(c),) * d.nblocks))
            else:
                c = tuple(v if v != v else int(v) for v in c)  # nan: unknown size
                if len(c) != d.nblocks:
                    raise ValueError(f"map_blocks: chunks {c} have {len(c)} blocks, expected {d.nblocks}")
                new_dims.append(Dim.from_sizes(c))
        out_dims = new_dims
    if dtype is None:
        if meta is not None:
            dtype = meta.dtype
        else:
            dtype = _infer_dtype(func, args, kwargs, arrays)
    pass_block_id = _accepts_block_id(func)

    if accepts_block_info(func):  # dask's block_info=, built from metadata and the block index
        nodes = [o for o in operands if isinstance(o, ArrayNode)]
        positions = [i for i, a in enumerate(args) if isinstance(a, Array)]
        func = BlockInfoCall(func, tuple((p, n.shape, n.chunks, m) for p, n, m in zip(positions, nodes, maps)),
                             tuple(d.length for d in out_dims), tuple(d.sizes() for d in out_dims), np.dtype(dtype),
                             pass_block_id)
        pass_block_id = True
    if enforce_ndim:
        func = EnforceNdim(func, len(out_dims))
    return Array(MapBlocks(func, tuple(operands), tuple(maps), tuple(out_dims), np.dtype(dtype),
                           tuple(sorted(kwargs.items())) if kwargs else None, pass_block_id))


def _infer_dtype(func, args, kwargs, arrays):
    samples = [np.ones((1,) * a.ndim, dtype=a.dtype) if isinstance(a, Array) else a for a in args]
    try:
        with np.errstate(all="ignore"):
            if _accepts_block_id(func):
                kwargs = dict(kwargs, block_id=(0,) * arrays[0].ndim)
            return np.asarray(func(*samples, **kwargs)).dtype
    except Exception:
        return arrays[0].dtype


def blockwise(func, out_ind, *args, name=None, token=None, dtype=None, adjust_chunks=None, new_axes=None,
              align_arrays=True, concatenate=None, meta=None, **kwargs):
    """Tensor-style blockwise operation (``dask.array.blockwise``) without contractions.

    Every index of every array argument must appear in ``out_ind``.
    """
    pairs = list(zip(args[::2], args[1::2]))
    new_axes = dict(new_axes or {})
    out_ind = tuple(out_ind)
    dims_for = {}
    for a, ind in pairs:
        if ind is None:
            continue
        a = asarray(a)
        ind = tuple(ind)
        if len(ind) != a.ndim:
            raise ValueError(f"blockwise: index {ind} does not match array of dimension {a.ndim}")
        for i, d in zip(ind, a._node.dims):
            if i not in out_ind:
                raise NotImplementedError(f"blockwise: contraction over index {i!r} is not supported yet")
            if i in dims_for and dims_for[i] != d:
                if dims_for[i].length != d.length and 1 not in (d.length, dims_for[i].length):
                    raise ValueError(f"blockwise: index {i!r} has lengths {dims_for[i].length} and {d.length}")
                if d.length > dims_for[i].length or dims_for[i].length == 1:
                    dims_for[i] = d
            else:
                dims_for.setdefault(i, d)
    out_dims = []
    for i in out_ind:
        if i in dims_for:
            out_dims.append(dims_for[i])
        elif i in new_axes:
            out_dims.append(Dim(new_axes[i], new_axes[i], new_axes[i]))
        else:
            raise ValueError(f"blockwise: output index {i!r} is not in any input and not in new_axes")
    operands, maps = [], []
    for a, ind in pairs:
        if ind is None:
            operands.append(a)
            continue
        a = asarray(a)
        ind = tuple(ind)
        target = [dims_for[i] if a.shape[k] == dims_for[i].length else a._node.dims[k] for k, i in enumerate(ind)]
        node = _rechunk_node(a._node, target)
        m = tuple(("c", 0) if (node.dims[k].nblocks == 1 and dims_for[i].nblocks != 1) else out_ind.index(i)
                  for k, i in enumerate(ind))
        operands.append(node)
        maps.append(m)
    if adjust_chunks:
        for i, adj in adjust_chunks.items():
            k = out_ind.index(i)
            d = out_dims[k]
            if callable(adj):
                sizes = tuple(int(adj(s)) for s in d.sizes())
            elif isinstance(adj, (numbers.Integral, np.integer)):
                sizes = (int(adj),) * d.nblocks
            else:
                sizes = tuple(adj)
            out_dims[k] = Dim.from_sizes(sizes)
    arrays = [o for o in operands if isinstance(o, ArrayNode)]
    if dtype is None:
        dtype = meta.dtype if meta is not None else arrays[0].dtype
    return Array(MapBlocks(func, tuple(operands), tuple(maps), tuple(out_dims), np.dtype(dtype),
                           tuple(sorted(kwargs.items())) if kwargs else None, _accepts_block_id(func)))


