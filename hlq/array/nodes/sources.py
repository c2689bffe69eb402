"""Source nodes: arrays created block by block with no array inputs.

Sources that can absorb a region (``Full``, ``Arange``, ``Eye``, ``FromArray``,
``Random``) keep, besides their output chunks, the offset of their region in
the original coordinates; slice pushdown rewrites ``source[region]`` into a
source over that region, so only the data under the slice is produced.
"""

from __future__ import annotations

import numpy as np
from dask.base import tokenize

from hlq.array._chunks import Dim
from hlq.array.nodes.base import ArrayNode, Literal
from hlq.array.nodes.blockwise import Blockwise

__all__ = ["Full", "Arange", "Linspace", "Eye", "FromArray", "BlockGetter", "Random", "RegionSource"]


def _block_shape(dims, idx):
    return tuple(d.size(i) for d, i in zip(dims, idx))


def _block_start(dims, idx):
    return tuple(d.start(i) for d, i in zip(dims, idx))


class Source(Blockwise):
    """A blockwise node without array inputs; each block is made from its block argument."""
    bw_inputs = ()
    bw_has_arg = True


class RegionSource(Source):
    """A source that can produce any contiguous sub-region of itself.

    ``with_region(bounds)`` returns the source over ``bounds`` (one
    ``(start, stop)`` per dimension, in this node's coordinates), with the
    chunks this node's grid has there - exactly what slicing would give.
    Slice pushdown (``slice_into_source``) uses it.
    """

    def with_region(self, bounds) -> "RegionSource":  # pragma: no cover - abstract
        raise NotImplementedError

    def _region_dims(self, bounds):
        return tuple(d.subrange(a, b) for d, (a, b) in zip(self.dims, bounds))


class Full(Source):
    """Every element equal to ``fill_value`` (``empty`` when ``fill_value`` is None)."""

    #: block arguments are computed from the index and small fields: a task may compute a
    #: range of blocks from the node itself (hlq.lower.graph.BlockRangeTask)
    range_safe = True

    _fields = ("dims_", "dtype_", "fill_value")

    @property
    def op_name(self):
        if self.fill_value is None:
            return "empty"
        if isinstance(self.fill_value, (int, float, bool, np.number)):
            if self.fill_value == 1:
                return "ones"
            if self.fill_value == 0:
                return "zeros"
        return "full"

    def _array_props(self):
        return self.dims_, self.dtype_

    def _extra_props(self, dims):
        return {"bw_func": _FullFn(self.dtype, self.fill_value)}

    def bw_block_arg(self, idx):
        tables = self.__dict__.get("_size_tables")
        if tables is None:
            tables = tuple(d.sizes() for d in self.dims)
            self.__dict__["_size_tables"] = tables
        return tuple([t[i] for t, i in zip(tables, idx)])

    def label(self):
        return self.op_name if self.op_name != "full" else f"full({self.fill_value!r})"


class _FullFn:
    __slots__ = ("dtype", "value")

    def __init__(self, dtype, value):
        self.dtype = dtype
        self.value = value

    @property
    def __name__(self):
        return "full"

    def __call__(self, shape):
        if self.value is None:
            return np.empty(shape, dtype=self.dtype)
        if type(self.value) in (int, float, bool):
            # a Python scalar: what np.full does (an empty array filled with the value, cast
            # unsafely) without its argument handling, which costs more than a tiny block
            out = np.empty(shape, dtype=self.dtype)
            out.fill(self.value)
            return out
        return np.full(shape, self.value, dtype=self.dtype)

    def __reduce__(self):
        return (_FullFn, (self.dtype, self.value))


class Arange(RegionSource):
    """``start + step * i`` for global positions ``i`` from ``offset``."""

    #: block arguments are computed from the index and small fields: a task may compute a
    #: range of blocks from the node itself (hlq.lower.graph.BlockRangeTask)
    range_safe = True

    _fields = ("start", "step", "dims_", "dtype_", "offset")
    _defaults = {"offset": 0}

    def _array_props(self):
        return self.dims_, self.dtype_

    def _extra_props(self, dims):
        return {"bw_func": _ArangeFn(self.start, self.step, self.dtype)}

    def bw_block_arg(self, idx):
        d = self.dims[0]
        i0 = self.offset + d.start(idx[0])
        return (i0, i0 + d.size(idx[0]))

    def label(self):
        return f"arange(start={self.start}, step={self.step}, offset={self.offset})"

    def with_region(self, bounds):
        (a, _), = bounds
        return Arange(self.start, self.step, self._region_dims(bounds), self.dtype, self.offset + a)


class _ArangeFn:
    __slots__ = ("start", "step", "dtype")
    __name__ = "arange"

    def __init__(self, start, step, dtype):
        self.start, self.step, self.dtype = start, step, dtype

    def __call__(self, bounds):
        i0, i1 = bounds
        if np.issubdtype(self.dtype, np.integer):
            return (self.start + self.step * np.arange(i0, i1, dtype=np.int64)).astype(self.dtype)
        return (np.arange(i0, i1, dtype=np.float64) * self.step + self.start).astype(self.dtype)

    def __reduce__(self):
        return (_ArangeFn, (self.start, self.step, self.dtype))


class Linspace(RegionSource):
    """``np.linspace(start, stop, num, endpoint)`` with a region offset."""

    #: block arguments are computed from the index and small fields: a task may compute a
    #: range of blocks from the node itself (hlq.lower.graph.BlockRangeTask)
    range_safe = True

    _fields = ("start", "stop", "num", "endpoint", "dims_", "dtype_", "offset")
    _defaults = {"offset": 0}

    def _array_props(self):
        return self.dims_, self.dtype_

    def _extra_props(self, dims):
        return {"bw_func": _LinspaceFn(self.start, self.stop, self.num, self.endpoint, self.dtype)}

    def with_region(self, bounds):
        (a, _), = bounds
        return Linspace(self.start, self.stop, self.num, self.endpoint, self._region_dims(bounds), self.dtype,
                        self.offset + a)

    def bw_block_arg(self, idx):
        d = self.dims[0]
        i0 = self.offset + d.start(idx[0])
        return (i0, i0 + d.size(idx[0]))


class _LinspaceFn:
    __slots__ = ("start", "stop", "num", "endpoint", "dtype")
    __name__ = "linspace"

    def __init__(self, start, stop, num, endpoint, dtype):
        self.start, self.stop, self.num, self.endpoint, self.dtype = start, stop, num, endpoint, dtype

    def __call__(self, bounds):
        i0, i1 = bounds
        # the same values as numpy: compute the full-precision formula per element
        full = np.linspace(self.start, self.stop, self.num, endpoint=self.endpoint, dtype=self.dtype)
        return full[i0:i1]

    def __reduce__(self):
        return (_LinspaceFn, (self.start, self.stop, self.num, self.endpoint, self.dtype))


class Eye(RegionSource):
    """Ones on the ``k``-th diagonal; ``offset`` is the region origin (row, col)."""

    #: block arguments are computed from the index and small fields: a task may compute a
    #: range of blocks from the node itself (hlq.lower.graph.BlockRangeTask)
    range_safe = True

    _fields = ("k", "dims_", "dtype_", "offset")
    _defaults = {"offset": (0, 0)}

    def _array_props(self):
        return self.dims_, self.dtype_

    def _extra_props(self, dims):
        return {"bw_func": _EyeFn(self.k, self.dtype)}

    def with_region(self, bounds):
        offset = tuple(o + a for o, (a, _) in zip(self.offset, bounds))
        return Eye(self.k, self._region_dims(bounds), self.dtype, offset)

    def bw_block_arg(self, idx):
        r0 = self.offset[0] + self.dims[0].start(idx[0])
        c0 = self.offset[1] + self.dims[1].start(idx[1])
        return (self.dims[0].size(idx[0]), self.dims[1].size(idx[1]), r0, c0)


class _EyeFn:
    __slots__ = ("k", "dtype")
    __name__ = "eye"

    def __init__(self, k, dtype):
        self.k, self.dtype = k, dtype

    def __call__(self, arg):
        n, m, r0, c0 = arg
        return np.eye(n, m, k=self.k + r0 - c0, dtype=self.dtype)

    def __reduce__(self):
        return (_EyeFn, (self.k, self.dtype))


class FromArray(RegionSource):
    """Blocks of a concrete array-like; each task reads only its own region.

    ``data`` is a :class:`Literal` (one graph key shared by all tasks);
    ``offset`` is the origin of this node's region in ``data``; ``grid`` is
    the chunk grid of the whole original array (None on the original node
    itself, whose ``dims_`` is that grid), so that regions of one array can
    be recombined (:mod:`hlq.array.rules.shared_reads`).
    """

    _fields = ("data", "dims_", "offset", "asarray", "grid", "reader")
    _defaults = {"asarray": True, "grid": None, "reader": None}
    #: ``from_array``'s user ``getitem``/``lock`` (shipped opaque)
    _opaque_fields = ("reader",)
    op_name = "array"

    def _array_props(self):
        return self.dims_, np.dtype(self.data.value.dtype)

    def _extra_props(self, dims):
        return {
            "bw_inputs": ((self.data, ()),),
            "bw_func": self.reader or (_getter_asarray if self.asarray else _getter),
        }

    def bw_block_arg(self, idx):
        return tuple(
            slice(o + d.start(i), o + d.start(i) + d.size(i)) for d, i, o in zip(self.dims, idx, self.offset)
        )

    def label(self):
        return f"from-array(offset={self.offset})"

    def with_region(self, bounds):
        offset = tuple(o + a for o, (a, _) in zip(self.offset, bounds))
        return FromArray(self.data, self._region_dims(bounds), offset, self.asarray, self.full_grid(), self.reader)

    @property
    def repeat_is_costly(self) -> bool:
        """Reading a region twice costs IO unless the data is an in-memory numpy array."""
        v = self.data.value
        return not (isinstance(v, np.ndarray) or getattr(v, "in_memory", False))

    def full_grid(self):
        """The chunk grid of the whole original array, or None when unknown."""
        if self.grid is not None:
            return self.grid
        return self.dims if not any(self.offset) else None


def _getter(a, index):
    return a[index]


class BlockGetter:
    """Reads a region of an array-like: ``getitem(a, index)`` (default ``a[index]``) holding ``lock``,
    then ``numpy.asarray`` when ``asarray`` (``from_array(..., lock=, getitem=)``)."""

    __slots__ = ("getitem", "lock", "asarray")
    __name__ = "getter"

    def __init__(self, getitem, lock, asarray):
        self.getitem, self.lock, self.asarray = getitem, lock, asarray

    def __call__(self, a, index):
        if self.lock is not None:
            self.lock.acquire()
        try:
            c = self.getitem(a, index) if self.getitem is not None else a[index]
            if self.asarray and type(c) is not np.ndarray:
                c = np.asarray(c)
        finally:
            if self.lock is not None:
                self.lock.release()
        return c

    def __reduce__(self):
        return (BlockGetter, (self.getitem, self.lock, self.asarray))

    def __dask_tokenize__(self):
        return ("hlq-block-getter", tokenize(self.getitem), id(self.lock) if self.lock is not None else None,
                self.asarray)


def _getter_asarray(a, index):
    return np.asarray(a[index])


class Random(RegionSource):
    """Random numbers drawn per block of an original grid ``grid`` (a tuple of Dims).

    Each original block ``k`` has its own stream seeded by
    ``SeedSequence(entropy, spawn_key=k)``, so the numbers at a position do not
    depend on which region is computed: a pushed-down slice draws the
    original blocks it touches and slices them.
    """

    #: block arguments are computed from the index and small fields: a task may compute a
    #: range of blocks from the node itself (hlq.lower.graph.BlockRangeTask)
    range_safe = True

    _fields = ("method", "params", "grid", "dtype_", "entropy", "region", "legacy", "kwargs", "core")
    _defaults = {"region": None, "legacy": False, "kwargs": None, "core": 0}

    #: drawing a block costs about as much as reading it from a fast store (a few hundred MB/s):
    #: a block read through several block maps is drawn once, in its own task
    repeat_is_costly = True
    cost_throughput = 3e8

    @property
    def bounds(self) -> tuple:
        """``(start, stop)`` per dimension of this node's region in the original grid."""
        return self.region or tuple((0, d.length) for d in self.grid)

    @property
    def op_name(self):  # dask names random arrays after the distribution ("normal-<token>")
        return self.method.replace("_", "-")

    def _array_props(self):
        if self.region is None:
            return self.grid, self.dtype_
        return tuple(d.subrange(a, b) for d, (a, b) in zip(self.grid, self.region)), self.dtype_

    def _extra_props(self, dims):
        return {"bw_func": _RandomFn(self.method, self.params, self.dtype_, self.entropy, self.legacy, self.kwargs,
                                     self.core)}

    def bw_block_arg(self, idx):
        if self.region is None:
            shape = tuple(d.size(i) for d, i in zip(self.grid, idx))
            return (idx, shape, None)
        orig = []
        local = []
        for d, g, i, (a, b) in zip(self.dims, self.grid, idx, self.region):
            s0 = a + d.start(i)
            k = g.locate(min(s0, max(g.length - 1, 0)))  # empty regions may start at the end
            b0 = g.start(k)
            orig.append(k)
            lo = min(s0 - b0, g.size(k))
            local.append(slice(lo, lo + d.size(i)))
        shape = tuple(g.size(k) for g, k in zip(self.grid, orig))
        return (tuple(orig), shape, tuple(local))

    def label(self):
        return f"random.{self.method}" + (f"(region={self.region})" if self.region else "")

    def with_region(self, bounds):
        old = self.region or tuple((0, d.length) for d in self.grid)
        region = tuple((o0 + a, o0 + b) for (o0, _), (a, b) in zip(old, bounds))
        return Random(self.method, self.params, self.grid, self.dtype_, self.entropy, region, self.legacy,
                      self.kwargs, self.core)


class _RandomFn:
    """Draw one original block; ``kwargs`` go to the numpy method, ``core`` trailing dims are the
    method's own (``multinomial``'s categories) and not part of ``size``."""

    __slots__ = ("method", "params", "dtype", "entropy", "legacy", "kwargs", "core")

    def __init__(self, method, params, dtype, entropy, legacy, kwargs=None, core=0):
        self.method, self.params, self.dtype, self.entropy, self.legacy = method, params, dtype, entropy, legacy
        self.kwargs, self.core = kwargs, core

    @property
    def __name__(self):
        return self.method

    def __call__(self, arg):
        idx, shape, local = arg
        ss = np.random.SeedSequence(self.entropy, spawn_key=tuple(int(i) for i in idx))
        size = shape[:len(shape) - self.core] if self.core else shape
        if self.legacy:
            rs = np.random.RandomState(np.random.MT19937(ss))
            out = getattr(rs, self.method)(*self.params, size=size, **dict(self.kwargs or ()))
        else:
            gen = np.random.Generator(np.random.PCG64(ss))
            kwargs = dict(self.kwargs or ())
            if self.method in ("random", "standard_normal") and np.dtype(self.dtype) in (np.float32, np.float64):
                kwargs["dtype"] = self.dtype
            if self.method == "integers":
                kwargs["dtype"] = self.dtype
            out = getattr(gen, self.method)(*self.params, size=size, **kwargs)
        out = np.asarray(out)
        if out.dtype != self.dtype:
            out = out.astype(self.dtype)
        if local is not None and any(sl.start != 0 or sl.stop != n for sl, n in zip(local, out.shape)):
            out = out[local].copy()  # a view would keep the whole drawn block alive
        return out

    def __reduce__(self):
        return (_RandomFn, (self.method, self.params, self.dtype, self.entropy, self.legacy, self.kwargs, self.core))


def literal(value) -> Literal:
    """A :class:`Literal` node holding ``value`` (one graph key)."""
    return Literal(value)
