"""Blockwise array nodes: elementwise maps, transposes, basic indexing, map_blocks.

Each computes every output block from one block of each input (chosen by a
block map, see :mod:`hlq.lower.blockmap`), so lowering can fuse chains and
diamonds of them into one task per output block.
"""

from __future__ import annotations

import numpy as np

from hlq.array._chunks import Dim
from hlq.array.nodes.base import ArrayNode
from hlq.expr.opaque import OpaqueData

__all__ = ["Blockwise", "Elemwise", "Transpose", "BasicIndex", "MapBlocks", "SLOT", "ElemwiseCall"]


class _Slot:
    """Marks where an array input goes in an elementwise argument template."""

    def __repr__(self):
        return "SLOT"

    def __reduce__(self):
        return (_get_slot, ())

    def __dask_tokenize__(self):
        return "hlq-slot"


SLOT = _Slot()

#: smallest result (in elements) a fused chain writes into an intermediate it no longer needs
#: instead of allocating a new array: below it, checking costs more than allocating
INPLACE_MIN_SIZE = 1 << 14


def _get_slot():
    return SLOT


def _load(v):
    return v.load() if isinstance(v, OpaqueData) else v


class ElemwiseCall:
    """``func(*template)`` with array blocks substituted for the slots.

    Constants and keyword values shipped opaque (user objects, see
    :mod:`hlq.lower.ship`) are loaded where the call runs: on a worker.
    """

    __slots__ = ("func", "template", "kwargs", "slots", "opaque", "_fresh")

    def __init__(self, func, template, kwargs):
        self.func = func
        self.template = template
        self.kwargs = kwargs
        self.slots = tuple(i for i, t in enumerate(template) if t is SLOT)
        self.opaque = any(isinstance(t, OpaqueData) for t in template) or any(
            isinstance(v, OpaqueData) for v in (kwargs or {}).values())
        self._fresh = isinstance(func, np.ufunc) and func.nout == 1 and not kwargs

    def _prepared(self):
        if not self.opaque:
            return list(self.template), self.kwargs
        return [_load(t) for t in self.template], {k: _load(v) for k, v in self.kwargs.items()} if self.kwargs else None

    #: results smaller than this are never written into an operand (see :meth:`call_into`)
    inplace_min_size = INPLACE_MIN_SIZE

    def __call__(self, *blocks):
        if self.opaque:
            args, kwargs = self._prepared()
        else:
            args, kwargs = list(self.template), self.kwargs
        for i, b in zip(self.slots, blocks):
            args[i] = b
        if kwargs:
            return self.func(*args, **kwargs)
        return self.func(*args)

    @property
    def fresh_result(self) -> bool:
        """Whether a call returns a newly allocated array that nothing else refers to.

        True for a numpy ufunc with one output and no keyword arguments; a
        fused chain may then overwrite that result in a later step
        (:meth:`call_into`).
        """
        return self._fresh

    def call_into(self, out, *blocks):
        """``func(*args, out=out)`` when that gives what ``func(*args)`` would; else None.

        Applies to numpy ufuncs with one output called on plain ndarrays and
        scalars, when ``out`` is a plain ndarray of at least
        :data:`INPLACE_MIN_SIZE` elements whose dtype is the dtype numpy
        resolves for the call and whose shape is the broadcast shape of the
        arguments.  The caller guarantees ``out`` is not used afterwards.

        Parameters
        ----------
        out : object
            The array to write the result into (one of ``blocks``).
        *blocks
            The array inputs, as for ``__call__``.

        Returns
        -------
        numpy.ndarray or None
            ``out`` holding the result, or None (nothing was written).
        """
        if type(out) is not np.ndarray or out.size < INPLACE_MIN_SIZE or not self._fresh:
            return None
        args, _ = self._prepared()
        for i, b in zip(self.slots, blocks):
            args[i] = b
        dtypes = []
        shapes = []
        for a in args:
            t = type(a)
            if t is np.ndarray:
                dtypes.append(a.dtype)
                shapes.append(a.shape)
            elif t in (int, float, complex):
                dtypes.append(t)
            elif isinstance(a, np.generic):
                dtypes.append(a.dtype)
            else:
                return None
        try:
            if self.func.resolve_dtypes(tuple(dtypes) + (None,))[-1] != out.dtype:
                return None
            if np.broadcast_shapes(*shapes) != out.shape:
                return None
        except (TypeError, ValueError):
            return None
        return self.func(*args, out=out)

    def __reduce__(self):
        return (ElemwiseCall, (self.func, self.template, self.kwargs))

    @property
    def __name__(self):
        return getattr(self.func, "__name__", "elemwise")


class Blockwise(ArrayNode):
    """Marker base of blockwise nodes (``bw_inputs``, ``bw_func``)."""

    is_blockwise = True


def broadcast_dims(inputs) -> tuple:
    """Output dims of broadcasting array nodes (chunks must already agree)."""
    ndim = max((x.ndim for x in inputs), default=0)
    out = [None] * ndim
    for x in inputs:
        off = ndim - x.ndim
        for i, d in enumerate(x.dims):
            j = i + off
            cur = out[j]
            if cur is None or (cur.length == 1 and d.length != 1):
                out[j] = d
            elif d.length != 1 and d != cur:
                if d.length != cur.length:
                    raise ValueError(
                        f"operands could not be broadcast together with shapes "
                        f"{' '.join(str(y.shape) for y in inputs)}"
                    )
                raise ValueError(f"chunks do not align along axis {j}: {cur.sizes()} vs {d.sizes()}")
    return tuple(out)


def broadcast_map(x: ArrayNode, out_dims) -> tuple:
    """Block map of input ``x`` broadcast to ``out_dims`` (size-1 dims read block 0)."""
    off = len(out_dims) - x.ndim
    m = []
    for i, d in enumerate(x.dims):
        j = i + off
        if d.length == 1 and out_dims[j].length != 1:
            m.append(("c", 0))
        else:
            m.append(j)
    return tuple(m)


class Elemwise(Blockwise):
    """``func(*args, **kwargs)`` applied block by block with numpy broadcasting.

    ``args`` holds array nodes and constants; ``dtype`` is the result dtype
    (computed by the collection layer on tiny arrays).
    """

    _fields = ("func", "args", "dtype_", "kwargs")
    _defaults = {"kwargs": None}
    _opaque_fields = ("func",)
    #: constants and keyword values given by the user (shipped opaque unless plain)
    _user_value_fields = ("args", "kwargs")

    @property
    def op_name(self):
        return getattr(self.func, "__name__", "elemwise").replace("_", "-")

    def _array_props(self):
        arrays = [a for a in self.args if isinstance(a, ArrayNode)]
        return broadcast_dims(arrays), self.dtype_

    def _extra_props(self, dims):
        arrays = [a for a in self.args if isinstance(a, ArrayNode)]
        template = tuple(SLOT if isinstance(a, ArrayNode) else a for a in self.args)
        kw = dict(self.kwargs) if self.kwargs else None
        return {
            "bw_inputs": tuple((a, broadcast_map(a, dims)) for a in arrays),
            "bw_func": ElemwiseCall(self.func, template, kw),
        }

    def label(self):
        consts = [repr(a) for a in self.args if not isinstance(a, ArrayNode)]
        return self.op_name + (f"({', '.join(consts)})" if consts else "")


class Transpose(Blockwise):
    """``np.transpose(child, axes)`` block by block."""

    _fields = ("child", "axes")

    def _array_props(self):
        c = self.child
        return tuple(c.dims[a] for a in self.axes), c.dtype

    def _extra_props(self, dims):
        inv = [0] * len(self.axes)
        for out_axis, in_axis in enumerate(self.axes):
            inv[in_axis] = out_axis
        return {"bw_inputs": ((self.child, tuple(inv)),), "bw_func": _TransposeFn(self.axes)}

    def label(self):
        return f"transpose{self.axes}"


class _TransposeFn:
    __slots__ = ("axes",)
    __name__ = "transpose"

    def __init__(self, axes):
        self.axes = axes

    def __call__(self, x):
        return np.transpose(x, self.axes)

    def __reduce__(self):
        return (_TransposeFn, (self.axes,))


# --------------------------------------------------------------------------
# basic indexing


def _slice_plan(dim: Dim, start: int, stop: int, step: int):
    """Output dim, block-map entry maker and per-output-block local slices."""
    if step == 1:
        out = dim.subrange(start, stop)
        if stop <= start:
            return out, ("c", 0), ("empty",)
        k0 = dim.locate(start)
        return out, ("o", k0), ("contig", start, stop)
    # general step: enumerate the input blocks the range touches
    sizes, table, locals_ = [], [], []
    if step > 0:
        idxs = range(start, stop, step)
    else:
        idxs = range(start, stop, step)
    n = len(idxs)
    if n == 0:
        return Dim(0, 0, 0), ("c", 0), ("empty",)
    pos = 0
    while pos < n:
        g = idxs[pos]
        k = dim.locate(g)
        b0 = dim.start(k)
        b1 = b0 + dim.size(k)
        # how many consecutive elements of idxs stay in block k
        if step > 0:
            cnt = min(n - pos, (b1 - 1 - g) // step + 1)
        else:
            cnt = min(n - pos, (g - b0) // (-step) + 1)
        lo = g - b0
        hi = lo + step * (cnt - 1)
        if step > 0:
            sl = slice(lo, hi + 1, step)
        else:
            sl = slice(lo, hi - 1 if hi - 1 >= 0 else None, step)
        sizes.append(cnt)
        table.append(k)
        locals_.append(sl)
        pos += cnt
    return Dim.from_sizes(sizes), ("t", tuple(table)), ("table", tuple(locals_))


def slice_edge(emap, out_axis):
    """The block-map entry of an input dimension sliced by a :func:`_slice_plan` map ``emap``
    whose result is output axis ``out_axis`` (see :mod:`hlq.lower.blockmap`)."""
    if emap[0] == "c":
        return ("c", 0)
    if emap[0] == "o":
        return ("o", out_axis, emap[1]) if emap[1] else out_axis
    return ("t", out_axis, emap[1])


class BasicIndex(Blockwise):
    """``child[index]`` with a normalized basic index.

    ``index`` has one entry per input dimension - ``(start, stop, step)``
    (concrete, numpy semantics already resolved) or an ``int`` - plus ``None``
    entries for new axes.
    """

    _fields = ("child", "index")
    op_name = "getitem"

    def _array_props(self):
        c = self.child
        dims = []
        plans = []
        ci = 0
        for entry in self.index:
            if entry is None:
                dims.append(Dim(1, 1, 1))
                plans.append(None)
                continue
            d = c.dims[ci]
            if isinstance(entry, tuple):
                out, emap, local = _slice_plan(d, *entry)
                dims.append(out)
                plans.append((ci, "slice", emap, local, d))
            else:
                k = d.locate(entry)
                plans.append((ci, "int", k, entry - d.start(k), d))
            ci += 1
        self.__dict__["_plans"] = plans
        return dims, c.dtype

    def _extra_props(self, dims):
        plans = self.__dict__.pop("_plans")
        edge = [None] * self.child.ndim
        local_specs = []
        out_axis = 0
        for p in plans:
            if p is None:
                local_specs.append(("new",))
                out_axis += 1
                continue
            ci, kind = p[0], p[1]
            if kind == "int":
                edge[ci] = ("c", p[2])
                local_specs.append(("int", p[3]))
                continue
            emap, local, d = p[2], p[3], p[4]
            edge[ci] = slice_edge(emap, out_axis)
            local_specs.append(("slice", out_axis, local, d, emap))
            out_axis += 1
        return {
            "bw_inputs": ((self.child, tuple(edge)),),
            "bw_func": _getitem,
            "_local_specs": tuple(local_specs),
        }

    bw_has_arg = True

    def bw_block_arg(self, idx):
        out = []
        for spec in self._local_specs:
            kind = spec[0]
            if kind == "new":
                out.append(None)
            elif kind == "int":
                out.append(spec[1])
            else:
                _, axis, local, d, emap = spec
                j = idx[axis]
                if local[0] == "empty":
                    out.append(slice(0, 0))
                elif local[0] == "contig":
                    k = emap[1] + j
                    b0 = d.start(k)
                    lo = max(local[1] - b0, 0)
                    hi = min(local[2] - b0, d.size(k))
                    out.append(slice(lo, hi))
                else:
                    out.append(local[1][j])
        return tuple(out)

    def label(self):
        parts = []
        for e in self.index:
            if e is None:
                parts.append("None")
            elif isinstance(e, tuple):
                a, b, s = e
                parts.append(f"{a}:{b}" + (f":{s}" if s != 1 else ""))
            else:
                parts.append(str(e))
        return f"getitem[{', '.join(parts)}]"


def _getitem(x, index):
    return x[index]


class MapBlocks(Blockwise):
    """User function applied to aligned blocks (``map_blocks``/``blockwise``).

    ``maps`` gives each array argument's block map; ``dims_`` and ``dtype_``
    the output layout; ``block_id`` adds ``block_id=`` to the call.  The key
    name is ``name_`` when given (dask's ``name=``), else ``<token_>-<token>``
    (dask's ``token=``), else ``<function name>-<token>``.
    """

    _fields = ("func", "args", "maps", "dims_", "dtype_", "kwargs", "block_id", "token_", "name_")
    _defaults = {"kwargs": None, "block_id": False, "token_": None, "name_": None}
    _opaque_fields = ("func",)
    #: constants and keyword values given by the user (shipped opaque unless plain)
    _user_value_fields = ("args", "kwargs")

    @property
    def op_name(self):
        if self.token_:
            return self.token_
        return getattr(self.func, "__name__", "map-blocks").replace("_", "-")

    @property
    def name(self):
        return self.name_ or super().name

    def _array_props(self):
        return self.dims_, self.dtype_

    def _extra_props(self, dims):
        arrays = [a for a in self.args if isinstance(a, ArrayNode)]
        template = tuple(SLOT if isinstance(a, ArrayNode) else a for a in self.args)
        kw = dict(self.kwargs) if self.kwargs else {}
        call = _BlockIdCall(self.func, template, kw) if self.block_id else ElemwiseCall(self.func, template, kw or None)
        return {"bw_inputs": tuple(zip(arrays, self.maps)), "bw_func": call}

    @property
    def bw_has_arg(self):
        return bool(self.block_id)

    def bw_block_arg(self, idx):
        return idx


class _BlockIdCall(ElemwiseCall):
    __slots__ = ()

    def __call__(self, *blocks):
        *blocks, block_id = blocks
        args, kwargs = self._prepared()
        for i, b in zip(self.slots, blocks):
            args[i] = b
        return self.func(*args, block_id=block_id, **(kwargs or {}))

    def __reduce__(self):
        return (_BlockIdCall, (self.func, self.template, self.kwargs))
