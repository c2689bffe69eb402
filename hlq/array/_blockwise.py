"""Array routines: transposes, where/clip, reductions as functions, map_blocks, blockwise."""

from __future__ import annotations

import inspect
import numbers

import numpy as np

from hlq.array._chunks import Dim
from hlq.array._core import (
    Array, asarray, elemwise, implements, reduction, unify_dims, validate_axis, _rechunk_node,
)
from hlq.array.nodes import ArrayNode, MapBlocks, Transpose

__all__ = [
    "transpose", "swapaxes", "moveaxis", "where", "clip", "map_blocks", "blockwise",
    "sum", "prod", "mean", "std", "var", "min", "max", "any", "all", "argmin", "argmax",
    "nansum", "nanprod", "nanmean", "nanstd", "nanvar", "nanmin", "nanmax", "nanargmin", "nanargmax",
]


@implements(np.transpose)
def transpose(a, axes=None):
    """Permute the dimensions (``numpy.transpose``)."""
    a = asarray(a)
    if axes is None:
        axes = tuple(range(a.ndim))[::-1]
    else:
        axes = tuple(int(x) for x in axes)
        if len(axes) != a.ndim:
            raise ValueError("axes don't match array")
        axes = tuple(validate_axis(x, a.ndim)[0] for x in axes)
        if len(set(axes)) != len(axes):
            raise ValueError("repeated axis in transpose")
    if axes == tuple(range(a.ndim)):
        return a
    return Array(Transpose(a._node, axes))


@implements(np.swapaxes)
def swapaxes(a, axis1, axis2):
    """Interchange two axes (``numpy.swapaxes``)."""
    a = asarray(a)
    axis1 = validate_axis(axis1, a.ndim)[0]
    axis2 = validate_axis(axis2, a.ndim)[0]
    axes = list(range(a.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(a, axes)


@implements(np.moveaxis)
def moveaxis(a, source, destination):
    """Move axes to new positions (``numpy.moveaxis``)."""
    a = asarray(a)
    src = [source] if isinstance(source, (numbers.Integral, np.integer)) else list(source)
    dst = [destination] if isinstance(destination, (numbers.Integral, np.integer)) else list(destination)
    if len(src) != len(dst):
        raise ValueError("`source` and `destination` arguments must have the same number of elements")
    src = [validate_axis(s, a.ndim)[0] for s in src]
    dst = [validate_axis(d, a.ndim)[0] for d in dst]
    order = [n for n in range(a.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(a, order)


@implements(np.where)
def where(condition, x=None, y=None):
    """``numpy.where(condition, x, y)``; ``where(condition)`` is ``nonzero(condition)`` (unknown chunks)."""
    if x is None and y is None:
        from hlq.array._indexing_boolean import nonzero

        return nonzero(condition)
    if x is None or y is None:
        raise ValueError("either both or neither of x and y should be given")
    return elemwise(np.where, condition, x, y)


@implements(np.clip)
def clip(a, a_min=None, a_max=None, **kwargs):
    """Clip values to ``[a_min, a_max]`` (``numpy.clip``)."""
    if a_min is None and a_max is None:
        raise ValueError("One of max or min must be given")
    return elemwise(np.clip, a, a_min, a_max)


def _make_reduction(kind, has_dtype=True, has_ddof=False):
    def f(a, axis=None, dtype=None, keepdims=False, split_every=None, out=None, ddof=0, **kwargs):
        from hlq.array._core import rebind_out

        return rebind_out(out, reduction(a, kind, axis, keepdims, dtype if has_dtype else None, split_every,
                                         ddof if has_ddof else 0))

    f.__name__ = kind
    f.__doc__ = f"``numpy.{kind}`` as a tree reduction (``axis``, ``keepdims``, ``dtype``, ``split_every``)."
    return f


def _make_arg_reduction(kind):
    def f(a, axis=None, keepdims=False, split_every=None, out=None):
        from hlq.array._core import rebind_out

        return rebind_out(out, reduction(a, kind, axis, keepdims, None, split_every))

    f.__name__ = kind
    f.__doc__ = f"``numpy.{kind}`` as a tree reduction over one axis (or the flattened array)."
    return f


sum = implements(np.sum)(_make_reduction("sum"))
prod = implements(np.prod)(_make_reduction("prod"))
mean = implements(np.mean)(_make_reduction("mean"))
std = implements(np.std)(_make_reduction("std", has_ddof=True))
var = implements(np.var)(_make_reduction("var", has_ddof=True))
min = implements(np.min, np.amin)(_make_reduction("min", has_dtype=False))
max = implements(np.max, np.amax)(_make_reduction("max", has_dtype=False))
any = implements(np.any)(_make_reduction("any", has_dtype=False))
all = implements(np.all)(_make_reduction("all", has_dtype=False))
nansum = implements(np.nansum)(_make_reduction("nansum"))
nanprod = implements(np.nanprod)(_make_reduction("nanprod"))
nanmean = implements(np.nanmean)(_make_reduction("nanmean"))
nanstd = implements(np.nanstd)(_make_reduction("nanstd", has_ddof=True))
nanvar = implements(np.nanvar)(_make_reduction("nanvar", has_ddof=True))
nanmin = implements(np.nanmin)(_make_reduction("nanmin", has_dtype=False))
nanmax = implements(np.nanmax)(_make_reduction("nanmax", has_dtype=False))
argmin = implements(np.argmin)(_make_arg_reduction("argmin"))
argmax = implements(np.argmax)(_make_arg_reduction("argmax"))
nanargmin = implements(np.nanargmin)(_make_arg_reduction("nanargmin"))
nanargmax = implements(np.nanargmax)(_make_arg_reduction("nanargmax"))


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
    ndim = builtins_max(a.ndim for a in arrays)
    if drop_axis is not None:  # like dask: func sees the dropped axes whole (one chunk)
        drops = [drop_axis] if isinstance(drop_axis, (numbers.Integral, np.integer)) else list(drop_axis)
        drops = [validate_axis(d, ndim)[0] for d in drops]
        args = tuple(
            a.rechunk({d - (ndim - a.ndim): -1 for d in drops if d >= ndim - a.ndim}) if isinstance(a, Array) else a
            for a in args
        )
        arrays = [a for a in args if isinstance(a, Array)]
    out_shape = np.broadcast_shapes(*(a.shape for a in arrays))
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
                c = tuple(int(v) for v in c)
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
    from hlq.array._block_info import BlockInfoCall, accepts_block_info

    if accepts_block_info(func):  # dask's block_info=, built from metadata and the block index
        nodes = [o for o in operands if isinstance(o, ArrayNode)]
        positions = [i for i, a in enumerate(args) if isinstance(a, Array)]
        func = BlockInfoCall(func, tuple((p, n.shape, n.chunks, m) for p, n, m in zip(positions, nodes, maps)),
                             tuple(d.length for d in out_dims), tuple(d.sizes() for d in out_dims), np.dtype(dtype),
                             pass_block_id)
        pass_block_id = True
    if enforce_ndim:
        from hlq.array._block_info import EnforceNdim

        func = EnforceNdim(func, len(out_dims))
    return Array(MapBlocks(func, tuple(operands), tuple(maps), tuple(out_dims), np.dtype(dtype),
                           tuple(sorted(kwargs.items())) if kwargs else None, pass_block_id))


builtins_max = __builtins__["max"] if isinstance(__builtins__, dict) else __builtins__.max


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



@implements(np.round, np.around)
def round(a, decimals=0):
    """Evenly round to ``decimals`` (``numpy.round``)."""
    return elemwise(np.round, a, decimals=decimals)


around = round


@implements(np.shape)
def shape(a):
    """Shape of an array (no computation)."""
    return asarray(a).shape


@implements(np.ndim)
def ndim(a):
    """Number of dimensions (no computation)."""
    return asarray(a).ndim


@implements(np.size)
def size(a, axis=None):
    """Number of elements (no computation)."""
    a = asarray(a)
    return a.size if axis is None else a.shape[validate_axis(axis, a.ndim)[0]]


__all__ += ["round", "around", "shape", "ndim", "size"]
