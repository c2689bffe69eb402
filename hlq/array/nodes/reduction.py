"""Tree reductions.

``Reduction`` is the logical node (what the user asked: kind, axes, keepdims,
dtype, split_every).  The ``lower`` phase rewrites it into the physical plan

    Partial (blockwise: one intermediate per block, fused with its input)
    -> Combine (groups of ``split_every`` blocks along the reduced axes) ...
    -> the last Combine (or a blockwise Aggregate when one block remains)
       producing the final values.

Intermediates are dicts of numpy arrays that keep the reduced axes with
length 1, so partial results from any number of blocks combine by
concatenation along the reduced axes.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from dask._task_spec import Task, TaskRef
from dask.array.core import _concatenate2

from hlq.array._chunks import Dim
from hlq.array.nodes.base import ArrayNode
from hlq.array.nodes.blockwise import Blockwise
from hlq.lower.protocol import fan_in

__all__ = ["Reduction", "Partial", "Combine", "Aggregate", "TreeCombine", "KINDS"]


# --------------------------------------------------------------------------
# kinds: chunk / combine / aggregate over dict intermediates


def _concat(arrays, axis=0):
    """``np.concatenate`` keeping masks when a part is a ``numpy.ma`` array (np.concatenate drops them)."""
    if any(isinstance(a, np.ma.MaskedArray) for a in arrays):
        return np.ma.concatenate(arrays, axis=axis)
    return np.concatenate(arrays, axis=axis)


def _fold(arrays, op):
    """``op``-fold of same-shaped partial results, one after another in block order.

    Summing the concatenated partials with ``np.sum`` along the reduced axis
    adds them in an order that depends on where that axis lies in memory
    (sequentially along an outer axis, pairwise along the innermost one), so
    the same reduction reached through a transpose (``moveaxis(x, 0, -1)
    .sum(-1)`` vs ``x.sum(0)``) could differ in the last bits.  Folding the
    parts in block order gives the same bits whichever axis is reduced, and
    along an outer axis equals what ``np.sum`` gives.  Returns ``None`` for
    masked parts (``numpy.ma`` skips masked values: the caller concatenates).
    """
    if len(arrays) < 2 or any(isinstance(a, np.ma.MaskedArray) for a in arrays):
        return None
    first = arrays[0]
    if any(getattr(a, "shape", None) != first.shape for a in arrays):
        return None
    out = op(first, arrays[1])
    for a in arrays[2:]:
        op(out, a, out=out)
    return out


def _sum_parts(arrays, axis):
    """Sum of partial results over the reduced axes (kept with length 1), in block order."""
    folded = _fold(arrays, np.add)
    if folded is not None:
        return folded
    return np.sum(_concat(arrays, axis=axis[0]), axis=axis, keepdims=True)


_REDUCE_UFUNC = {"sum": np.add, "prod": np.multiply, "min": np.minimum, "max": np.maximum}


def _fast_reduction(npfunc):
    """``np.<npfunc>`` that calls the ufunc's ``reduce`` directly for plain ndarrays (what
    ``np.<npfunc>`` does after its argument dispatch, which costs more than the reduction of a
    tiny block); other array types go through ``np.<npfunc>``."""
    f = getattr(np, npfunc)
    u = _REDUCE_UFUNC.get(npfunc)
    if u is None:
        return f

    def reduce(x, axis=None, keepdims=False, dtype=None):
        if type(x) is np.ndarray:
            if dtype is None:
                return u.reduce(x, axis=axis, keepdims=keepdims)
            return u.reduce(x, axis=axis, keepdims=keepdims, dtype=dtype)
        if dtype is None:
            return f(x, axis=axis, keepdims=keepdims)
        return f(x, axis=axis, keepdims=keepdims, dtype=dtype)

    return reduce


def _np(kind):
    return getattr(np, kind)


class Kind:
    """How one reduction computes, merges and finishes its intermediates."""

    def __init__(self, name, chunk, combine, aggregate, needs_offset=False):
        self.name = name
        self.chunk = chunk
        self.combine = combine
        self.aggregate = aggregate
        self.needs_offset = needs_offset


def _simple(name, npfunc):
    f = _fast_reduction(npfunc)

    def chunk(x, axis, dtype, ddof):
        if dtype is not None and npfunc in ("sum", "prod", "nansum", "nanprod"):
            return {"v": f(x, axis=axis, keepdims=True, dtype=dtype)}
        return {"v": f(x, axis=axis, keepdims=True)}

    comb_name = {"nansum": "sum", "nanprod": "prod"}.get(npfunc, npfunc)
    g = getattr(np, comb_name)

    fold_op = {"sum": np.add, "prod": np.multiply}.get(comb_name)

    def combine(parts, axis):
        vs = [p["v"] for p in parts]
        if fold_op is not None:
            folded = _fold(vs, fold_op)
            if folded is not None:
                return {"v": folded}
        v = _concat(vs, axis=axis[0])
        return {"v": g(v, axis=axis, keepdims=True)}

    def aggregate(inter, axis, keepdims, dtype, ddof):
        v = inter["v"]
        if not keepdims:
            v = np.squeeze(v, axis=axis) if v.ndim else v
            if v.ndim == 0:
                v = v[()]
        if dtype is not None and v is not np.ma.masked:  # numpy.ma: an all-masked result stays ``masked``
            v = v.astype(dtype) if hasattr(v, "astype") else np.dtype(dtype).type(v)
        return v

    return Kind(name, chunk, combine, aggregate)


def _abs2(d, owned=False):
    """``|d| ** 2`` elementwise (real for complex ``d``, like numpy's var).

    ``owned``: ``d`` is a temporary nothing else reads, so a plain real
    ndarray is squared in place instead of into a new array.
    """
    dt = getattr(d, "dtype", None)
    if (dt.kind == "c") if isinstance(dt, np.dtype) else np.iscomplexobj(d):
        return d.real * d.real + d.imag * d.imag
    if owned and type(d) is np.ndarray and d.ndim:
        return np.multiply(d, d, out=d)
    return d * d


def _moment_kind(name, nan, root):
    fsum = _fast_reduction("sum")
    sumf = np.nansum if nan else fsum

    def chunk(x, axis, dtype, ddof):
        if nan:
            n = np.sum(~np.isnan(x), axis=axis, keepdims=True)
        elif isinstance(x, np.ma.MaskedArray):  # numpy.ma chunks: count the unmasked elements
            n = np.ma.count(x, axis=axis, keepdims=True)
        else:
            n = np.full(
                tuple(1 if i in axis else s for i, s in enumerate(x.shape)),
                math.prod(x.shape[i] for i in axis),
                dtype=np.int64,
            )
        tdtype = dtype if dtype is not None else (np.float64 if x.dtype.kind in "biu" else None)
        sdtype = tdtype
        if x.dtype.kind == "c" and tdtype is not None and name not in ("mean", "nanmean"):
            sdtype = np.result_type(tdtype, x.dtype)  # var/std of complex: a real result, complex sums
        s = sumf(x, axis=axis, keepdims=True, dtype=sdtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            mu = s / n
            if name in ("mean", "nanmean"):
                return {"n": n, "s": s}
            d = x - mu
            if nan:
                d = np.where(np.isnan(x), 0, d)
            # ``d`` is this chunk's own temporary (not a view of ``x``): square it in place
            m2 = fsum(_abs2(d, owned=d is not x), axis=axis, keepdims=True, dtype=tdtype)
        return {"n": n, "s": s, "m2": m2}

    def combine(parts, axis):
        ntot = _sum_parts([p["n"] for p in parts], axis)
        stot = _sum_parts([p["s"] for p in parts], axis)
        out = {"n": ntot, "s": stot}
        if "m2" in parts[0]:
            with np.errstate(divide="ignore", invalid="ignore"):
                mu = stot / ntot
                # each part's share of the spread of the part means around the total mean
                spread = []
                for p in parts:
                    delta = np.where(p["n"] > 0, p["s"] / p["n"] - mu, 0)
                    spread.append(p["n"] * _abs2(delta))
            out["m2"] = _sum_parts([p["m2"] for p in parts], axis) + _sum_parts(spread, axis)
        return out

    def aggregate(inter, axis, keepdims, dtype, ddof):
        n, s = inter["n"], inter["s"]
        with np.errstate(divide="ignore", invalid="ignore"):
            if "m2" in inter:
                v = inter["m2"] / np.maximum(n - ddof, 0)
                if root:
                    v = np.sqrt(v)
            else:
                v = s / n
        if not keepdims:
            v = np.squeeze(v, axis=axis)
            if v.ndim == 0:
                v = v[()]
        if dtype is not None and v is not np.ma.masked:  # numpy.ma: an all-masked result stays ``masked``
            v = v.astype(dtype) if hasattr(v, "astype") else np.dtype(dtype).type(v)
        return v

    return Kind(name, chunk, combine, aggregate)


def _arg_kind(name, nan):
    """argmin/argmax (and nan-variants): intermediates are (value, position).

    Positions are relative to the first element of the blocks an intermediate
    covers; combining consecutive intermediates shifts each by the lengths of
    the ones before it, measured on the blocks themselves, so unknown (nan)
    chunk sizes and empty blocks give numpy's answer.  Ties go to the smallest
    position (numpy's first occurrence).  The plain variants let NaN win
    (numpy returns the first NaN); the nan variants let NaN lose and raise like
    numpy when a whole slice is NaN.

    One reduced axis ``a``: ``{"v", "i"}`` keep the reduced axis with length 1,
    ``"n"`` is the number of elements covered along ``a``.  All axes of an
    n-d array: ``"v"`` (shape (1,)*ndim), ``"pos"`` (multi-index of the winner,
    None when empty), ``"shape"`` (covered extent) and ``"b"`` (block index of
    the first covered block, to order parts).
    """
    is_min = "min" in name

    def select(v, axis):
        """Position (keepdims) along ``axis`` of the winning value of ``v``."""
        if v.dtype.kind in "fc":
            isn = np.isnan(v)
            if nan:
                filled = np.where(isn, np.inf if is_min else -np.inf, v)
                best = (np.min if is_min else np.max)(filled, axis=axis, keepdims=True)
                cand = (filled == best) & ~isn
                cand |= ~np.any(cand, axis=axis, keepdims=True) & (filled == best)
                return np.argmax(cand, axis=axis, keepdims=True)
            if np.any(isn):
                has = np.any(isn, axis=axis, keepdims=True)
                first_nan = np.argmax(isn, axis=axis, keepdims=True)
                other = (np.nanargmin if is_min else np.nanargmax)(
                    np.where(np.all(isn, axis=axis, keepdims=True), 0, v), axis=axis, keepdims=True)
                return np.where(has, first_nan, other)
        return (np.argmin if is_min else np.argmax)(v, axis=axis, keepdims=True)

    def chunk(x, axis, dtype, ddof, block=None):
        keep = tuple(1 if i in axis else s for i, s in enumerate(x.shape))
        if len(axis) == 1:
            a = axis[0]
            n = x.shape[a]
            if n == 0:
                return {"v": np.zeros(keep, x.dtype), "i": np.zeros(keep, np.int64), "n": 0}
            i = select(x, a)
            return {"v": np.take_along_axis(x, i, axis=a), "i": i.astype(np.int64), "n": n}
        if x.size == 0:
            return {"v": np.zeros(keep, x.dtype), "pos": None, "shape": x.shape, "b": block}
        flat = x.reshape(-1)
        k = int(select(flat, 0)[0])
        return {"v": flat[k:k + 1].reshape(keep), "pos": np.unravel_index(k, x.shape), "shape": x.shape,
                "b": block}

    def combine(parts, axis):
        if len(axis) == 1:
            a = axis[0]
            full = [p for p in parts if p["n"]]
            total = sum(p["n"] for p in parts)
            if not full:
                return {"v": parts[0]["v"], "i": parts[0]["i"], "n": 0}
            offsets = np.cumsum([0] + [p["n"] for p in full[:-1]])
            v = _concat([p["v"] for p in full], axis=a)
            i = _concat([p["i"] + o for p, o in zip(full, offsets)], axis=a)
            k = select(v, a)
            return {"v": np.take_along_axis(v, k, axis=a), "i": np.take_along_axis(i, k, axis=a), "n": total}
        # all axes: parts cover a grid of blocks; each axis' offsets come from the lengths of the
        # blocks before it along that axis (one part per block coordinate gives the length)
        ndim = len(parts[0]["shape"])
        lengths = [{} for _ in range(ndim)]
        for p in parts:
            for d in range(ndim):
                lengths[d][p["b"][d]] = p["shape"][d]
        offsets = []
        for d in range(ndim):
            acc, off = 0, {}
            for b in sorted(lengths[d]):
                off[b] = acc
                acc += lengths[d][b]
            offsets.append(off)
        shape = tuple(sum(ls.values()) for ls in lengths)
        first = tuple(min(ls) for ls in lengths)
        full = [p for p in parts if p["pos"] is not None]
        if not full:
            return {"v": parts[0]["v"], "pos": None, "shape": shape, "b": first}
        pos = np.array([[int(p["pos"][d]) + offsets[d][p["b"][d]] for d in range(ndim)] for p in full])
        order = np.lexsort(pos.T[::-1])  # candidates in C order of their position
        v = _concat([full[j]["v"].reshape(-1) for j in order])
        k = int(select(v, 0)[0])
        return {"v": v[k:k + 1].reshape(parts[0]["v"].shape), "pos": tuple(pos[order[k]]), "shape": shape,
                "b": first}

    def aggregate(inter, axis, keepdims, dtype, ddof):
        if inter.get("n", 1) == 0 or ("pos" in inter and inter["pos"] is None):
            raise ValueError(f"attempt to get {name} of an empty sequence")
        if nan and inter["v"].dtype.kind in "fc" and np.any(np.isnan(inter["v"])):
            raise ValueError("All-NaN slice encountered")
        if "pos" in inter:
            i = np.full(inter["v"].shape, np.ravel_multi_index(inter["pos"], inter["shape"]), dtype=np.int64)
        else:
            i = inter["i"]
        if not keepdims:
            i = np.squeeze(i, axis=axis)
            if i.ndim == 0:
                i = np.intp(i[()])
        return i

    return Kind(name, chunk, combine, aggregate, needs_offset=True)


KINDS = {}
for _n, _f in [
    ("sum", "sum"), ("prod", "prod"), ("min", "min"), ("max", "max"), ("any", "any"), ("all", "all"),
    ("nansum", "nansum"), ("nanprod", "nanprod"), ("nanmin", "nanmin"), ("nanmax", "nanmax"),
]:
    KINDS[_n] = _simple(_n, _f)
for _n, _nan, _root in [
    ("mean", False, False), ("nanmean", True, False), ("var", False, False), ("nanvar", True, False),
    ("std", False, True), ("nanstd", True, True),
]:
    KINDS[_n] = _moment_kind(_n, _nan, _root)
for _n, _nan in [("argmin", False), ("argmax", False), ("nanargmin", True), ("nanargmax", True)]:
    KINDS[_n] = _arg_kind(_n, _nan)


# --------------------------------------------------------------------------
# nodes


def reduced_dims(dims, axis, keepdims) -> list:
    """Dims after reducing ``axis``: one single-element dim each, or none."""
    return [Dim(1, 1, 1) if i in axis else d for i, d in enumerate(dims) if keepdims or i not in axis]


class Reduction(ArrayNode):
    """Logical reduction of ``child`` over ``axis`` (a sorted tuple)."""

    _fields = ("child", "kind", "axis", "keepdims", "dtype_", "split_every", "ddof")
    _defaults = {"split_every": None, "ddof": 0}

    @property
    def op_name(self):
        return self.kind

    def _array_props(self):
        return reduced_dims(self.child.dims, self.axis, self.keepdims), self.dtype_

    def label(self):
        extra = f", ddof={self.ddof}" if self.ddof else ""
        return f"{self.kind}(axis={self.axis}, keepdims={self.keepdims}{extra})"


class Partial(Blockwise):
    """Per-block intermediate of a reduction (fusable with its input)."""

    _fields = ("child", "kind", "axis", "dtype_", "ddof")

    @property
    def bw_has_arg(self):
        return KINDS[self.kind].needs_offset

    @property
    def op_name(self):
        return f"{self.kind}-partial"

    def _array_props(self):
        c = self.child
        dims = [Dim.from_sizes((1,) * d.nblocks) if i in self.axis else d for i, d in enumerate(c.dims)]
        return dims, self.dtype_

    def _extra_props(self, dims):
        return {
            "bw_inputs": ((self.child, tuple(range(self.child.ndim))),),
            "bw_func": _PartialFn(self.kind, self.axis, self.dtype_, self.ddof),
        }

    def bw_block_arg(self, idx):
        if not KINDS[self.kind].needs_offset:
            return None
        return tuple(idx)

    def label(self):
        return f"{self.kind}-partial(axis={self.axis})"


class _PartialFn:
    __slots__ = ("kind", "axis", "dtype", "ddof")

    def __init__(self, kind, axis, dtype, ddof):
        self.kind, self.axis, self.dtype, self.ddof = kind, axis, dtype, ddof

    @property
    def __name__(self):
        return f"{self.kind}-partial"

    def __call__(self, x, block=None):
        k = KINDS[self.kind]
        dtype = self.dtype if self.kind in ("sum", "prod", "nansum", "nanprod", "mean", "nanmean", "var",
                                            "nanvar", "std", "nanstd") else None
        if k.needs_offset:
            return k.chunk(x, self.axis, dtype, self.ddof, block=block)
        return k.chunk(x, self.axis, dtype, self.ddof)

    def __reduce__(self):
        return (_PartialFn, (self.kind, self.axis, self.dtype, self.ddof))


class Combine(ArrayNode):
    """Combine groups of ``split_every[axis]`` intermediates along the reduced axes.

    With ``final`` set, the output is the finished result (aggregated, and
    without the reduced axes unless ``keepdims``).
    """

    _fields = ("child", "kind", "axis", "split", "final", "keepdims", "dtype_", "ddof", "note")
    _defaults = {"note": ""}

    @property
    def op_name(self):
        return f"{self.kind}-aggregate" if self.final else f"{self.kind}-combine"

    def _array_props(self):
        return combine_dims(self.child.dims, self.axis, self.split, self.final, self.keepdims, 1), self.dtype_

    def _groups(self, idx):
        return combine_groups(self.child.numblocks, self.axis, self.split, self.final, self.keepdims, idx)

    def block_dependencies(self, idx):
        c = self.child
        return [(c, combo) for combo in itertools.product(*self._groups(idx))]

    needs_all_inputs = True
    #: each input block feeds exactly one output block: the lowering may
    #: compute small input blocks inside this node's tasks (batching)
    inline_inputs_ok = True

    @property
    def fan_in(self) -> int:
        return math.prod(self.split[a] for a in self.axis)

    def block_task(self, key, idx, ref=None):
        c = self.child
        combos = itertools.product(*self._groups(idx))
        if ref is None:
            refs = [TaskRef((c.name, *combo)) for combo in combos]
        else:
            refs = [ref(c, combo) for combo in combos]
        fn = _CombineFn(self.kind, self.axis, self.final, self.keepdims, self.dtype_, self.ddof)
        return Task(key, fn, *refs)

    def block_range(self, idx):
        """The child and the box of its blocks (one ``range`` per child dimension) that block
        ``idx`` reads, in the order :meth:`block_task` passes them."""
        return self.child, tuple(g if type(g) is range else range(g[0], g[0] + 1) for g in self._groups(idx))

    def range_function(self):
        """The function :meth:`block_task` applies to the blocks of :meth:`block_range`."""
        return _CombineFn(self.kind, self.axis, self.final, self.keepdims, self.dtype_, self.ddof)

    def label(self):
        note = f"; {self.note}" if self.note else ""
        return f"{self.op_name}(axis={self.axis}, split={self.split}{note})"


class _CombineFn:
    __slots__ = ("kind", "axis", "final", "keepdims", "dtype", "ddof")

    def __init__(self, kind, axis, final, keepdims, dtype, ddof):
        self.kind, self.axis, self.final, self.keepdims, self.dtype, self.ddof = (
            kind, axis, final, keepdims, dtype, ddof)

    @property
    def __name__(self):
        return f"{self.kind}-{'aggregate' if self.final else 'combine'}"

    def __call__(self, *parts):
        k = KINDS[self.kind]
        inter = k.combine(list(parts), self.axis) if len(parts) > 1 else parts[0]
        if self.final:
            return k.aggregate(inter, self.axis, self.keepdims, self.dtype, self.ddof)
        return inter

    def __reduce__(self):
        return (_CombineFn, (self.kind, self.axis, self.final, self.keepdims, self.dtype, self.ddof))


class Aggregate(Blockwise):
    """Finish a single-block intermediate (blockwise, fused with its Partial)."""

    _fields = ("child", "kind", "axis", "keepdims", "dtype_", "ddof")

    @property
    def op_name(self):
        return f"{self.kind}-aggregate"

    def _array_props(self):
        return reduced_dims(self.child.dims, self.axis, self.keepdims), self.dtype_

    def _extra_props(self, dims):
        m = []
        out_axis = 0
        for i in range(self.child.ndim):
            if i in self.axis and not self.keepdims:
                m.append(("c", 0))
            else:
                m.append(out_axis)
                out_axis += 1
        return {
            "bw_inputs": ((self.child, tuple(m)),),
            "bw_func": _CombineFn(self.kind, self.axis, True, self.keepdims, self.dtype_, self.ddof),
        }


def combine_dims(dims, axis, split, final, keepdims, final_size) -> list:
    """Chunks of a tree-combine step's output: ``split[i]`` input blocks become one block of
    size 1 along each reduced axis ``i``; the final step keeps one block of ``final_size``
    (with ``keepdims``) or drops the axis."""
    out = []
    for i, d in enumerate(dims):
        if i in axis:
            n = -(-d.nblocks // split[i])
            if final:
                if n != 1:
                    raise ValueError("final combine must reduce to one block")
                if keepdims:
                    out.append(Dim(final_size, final_size, final_size))
            else:
                out.append(Dim.from_sizes((1,) * n))
        else:
            out.append(d)
    return out


def combine_groups(numblocks, axis, split, final, keepdims, idx) -> list:
    """Per input dimension, the input blocks that output block ``idx`` of a tree-combine
    step reads: ``split[i]`` consecutive blocks along each reduced axis ``i`` (all of
    them in the final step), the same block along the other axes."""
    out_i = 0
    ranges = []
    for i, nb in enumerate(numblocks):
        if i in axis:
            if final and not keepdims:
                j = 0
            else:
                j = idx[out_i]
                out_i += 1
            ranges.append(fan_in(j, split[i], nb))
        else:
            ranges.append((idx[out_i],))
            out_i += 1
    return ranges


def default_split_every(numblocks, axis) -> dict:
    """dask's default: about 16 blocks per combine, spread over the reduced axes."""
    n = len(axis) or 1
    per = max(2, int(round(16 ** (1.0 / n))))
    return {a: per for a in axis}


class TreeCombine(ArrayNode):
    """Merge groups of ``split`` partial results along ``axis`` with a user function.

    ``final`` nodes call ``func(..., keepdims=keepdims)`` and produce the
    declared result; others call ``func(..., keepdims=True)``.
    """

    _fields = ("child", "func", "axis", "split", "final", "keepdims", "concatenate", "output_size", "dtype_")
    _opaque_fields = ("func",)

    @property
    def op_name(self):
        name = getattr(self.func, "__name__", "reduction")
        return f"{name}-aggregate" if self.final else f"{name}-combine"

    def _array_props(self):
        dims = combine_dims(self.child.dims, self.axis, self.split, self.final, self.keepdims, self.output_size)
        return dims, self.dtype_

    def _groups(self, idx):
        return combine_groups(self.child.numblocks, self.axis, self.split, self.final, self.keepdims, idx)

    def block_dependencies(self, idx):
        return [(self.child, combo) for combo in itertools.product(*self._groups(idx))]

    needs_all_inputs = True

    def block_task(self, key, idx):
        groups = self._groups(idx)
        refs = [TaskRef((self.child.name, *combo)) for combo in itertools.product(*groups)]
        shape = tuple(len(groups[a]) for a in self.axis)
        call = _CombineCall(self.func, self.axis, True if not self.final else self.keepdims, self.concatenate,
                            shape, self.child.ndim)
        return Task(key, call, *refs)

    def label(self):
        kind = "aggregate" if self.final else "combine"
        return f"reduction-{kind}(axis={self.axis}, split={self.split})"


class _CombineCall:
    """Task function: nest the group's partials by the reduced axes, concatenate, call ``func``."""

    __slots__ = ("func", "axis", "keepdims", "concatenate", "shape", "ndim")

    def __init__(self, func, axis, keepdims, concatenate, shape, ndim):
        self.func, self.axis, self.keepdims = func, axis, keepdims
        self.concatenate, self.shape, self.ndim = concatenate, shape, ndim

    @property
    def __name__(self):
        return getattr(self.func, "__name__", "reduction")

    def __call__(self, *parts):
        nested = np.empty(len(parts), dtype=object)
        for i, p in enumerate(parts):
            nested[i] = p
        nested = nested.reshape(self.shape).tolist() if self.shape else parts[0]
        if self.concatenate:
            if self.shape:
                data = _concatenate2(nested, axes=list(self.axis))
            else:
                data = nested
        else:
            data = nested
        return self.func(data, axis=self.axis, keepdims=self.keepdims)

    def __reduce__(self):
        return (_CombineCall, (self.func, self.axis, self.keepdims, self.concatenate, self.shape, self.ndim))
