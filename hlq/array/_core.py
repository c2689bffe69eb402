"""The :class:`Array` collection and the functions that build array plans.

``Array`` wraps a plan root (an :class:`~hlq.array.nodes.ArrayNode`); every
operation builds a new node, validating its input at build time with the
exceptions numpy and dask raise.

The methods of ``Array`` that delegate to the topic modules (indexing,
manipulation, reductions, IO, ...) import them when called: those modules
import ``Array`` from here, so these imports are marked ``# import cycle``.
"""

from __future__ import annotations

import math
import numbers
import operator
import warnings

import dask
import numpy as np
from dask.array.core import PerformanceWarning, broadcast_shapes as _bshapes, normalize_chunks
from dask.array.rechunk import _balance_chunksizes
from dask.utils import SerializableLock

from hlq.array._chunks import Dim, unknown_chunks_message
from hlq.array._indexing_basic import is_full, normalize_index
from hlq.array.nodes.sources import BlockGetter
from hlq.array.nodes import (
    ArrayNode, BasicIndex, Elemwise, FromArray, Literal, MapBlocks, Rechunk, Reduction, Transpose,
)
from hlq.lower.collection import HlqCollection
from hlq.visualize import array_summary_html

__all__ = ["Array", "asarray", "asanyarray", "array", "elemwise", "from_array", "rechunk"]

HANDLED_FUNCTIONS: dict = {}


def _result_type(*arrays_and_dtypes):
    """``np.result_type`` from metadata (never computes an hlq array)."""
    return np.result_type(*(a.dtype if isinstance(a, Array) else a for a in arrays_and_dtypes))


def implements(*np_funcs):
    """Register an hlq function as the ``__array_function__`` override of numpy functions.

    Each numpy function has exactly one hlq implementation: registering a
    second one raises, so the table does not depend on import order.
    """

    def deco(f):
        for nf in np_funcs:
            other = HANDLED_FUNCTIONS.get(nf)
            if other is not None and other is not f:
                raise RuntimeError(f"numpy.{nf.__name__} is implemented twice: by {other.__module__}.{other.__name__} "
                                   f"and {f.__module__}.{f.__name__}")
            HANDLED_FUNCTIONS[nf] = f
        return f

    return deco


class Array(HlqCollection, np.lib.mixins.NDArrayOperatorsMixin):
    """A lazy n-dimensional array backed by an optimizable expression.

    Mirrors :class:`dask.array.Array`: same attributes, operators and methods;
    ``compute()`` returns a numpy array.
    """

    __array_priority__ = 11  # higher than numpy and dask

    def __new__(cls, *args, **kwargs):
        self = super().__new__(cls)
        plugins = dask.config.get("array_plugins", None) if args else None
        if not plugins:
            return self
        # dask's array plugins: each sees every new array and may replace it (``plugin(x) or x``)
        self.__init__(*args, **kwargs)
        for plugin in plugins:
            result = plugin(self)
            if result is not None:
                self = result
        return self

    @classmethod
    def _from_node(cls, node: ArrayNode) -> "Array":
        return cls(node)

    # ------------------------------------------------------------ metadata
    @property
    def shape(self) -> tuple:
        return self._node.shape

    @property
    def dtype(self) -> np.dtype:
        return self._node.dtype

    @property
    def chunks(self) -> tuple:
        return self._node.chunks

    @chunks.setter
    def chunks(self, chunks):
        raise TypeError(
            "Can not set chunks directly\n\nPlease use the rechunk method instead:\n"
            f"  x.rechunk({chunks})\n\nIf trying to avoid unknown chunks, use\n  x.compute_chunk_sizes()"
        )

    @property
    def A(self):
        """The array itself (like ``numpy.matrix.A``)."""
        return self

    def to_backend(self, backend: str | None = None, **kwargs):
        """The array with blocks of ``backend``'s array type; hlq computes numpy blocks only."""
        if backend in (None, "numpy"):
            return self
        raise ValueError(f"No backend dispatch registered for {backend!r}: hlq.array computes numpy blocks")

    @property
    def chunksize(self) -> tuple:
        return tuple(d.max_size() for d in self._node.dims)

    @property
    def numblocks(self) -> tuple:
        return self._node.numblocks

    @property
    def npartitions(self) -> int:
        return math.prod(self.numblocks)

    @property
    def ndim(self) -> int:
        return self._node.ndim

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def name(self) -> str:
        return self._node.name

    @property
    def _meta(self):
        return np.empty((0,) * self.ndim, dtype=self.dtype)

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        if not self._node.dims[0].known:
            raise ValueError(unknown_chunks_message(head="Cannot call len() on object with unknown chunk size."))
        return self.shape[0]

    def __repr__(self):
        return (
            f"hlq.array<{self._node.op_name}, shape={self.shape}, dtype={self.dtype}, "
            f"chunksize={self.chunksize}, chunktype=numpy.ndarray>"
        )

    def _repr_html_(self):
        return array_summary_html(self)  # plan summary table + dask's chunk diagram

    # --------------------------------------------------------- numpy protocols
    def __array__(self, dtype=None, copy=None, **kwargs):
        if kwargs:
            warnings.warn(f"Extra keyword arguments {sorted(kwargs)} to __array__ are deprecated and ignored",
                          FutureWarning, stacklevel=2)
        if copy is False:
            warnings.warn("Can't acquire a memory view of an hlq array (it is computed). This will raise in the future.",
                          FutureWarning, stacklevel=2)
        x = np.asarray(self.compute())
        if dtype is not None and x.dtype != dtype:
            x = x.astype(dtype)
        return x

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        out = kwargs.get("out")
        if out is not None:  # like dask: an hlq ``out`` is rebound to the result
            out = out[0] if isinstance(out, tuple) and len(out) == 1 else out
            if not isinstance(out, Array):
                return NotImplemented
            kwargs["out"] = out
        if method == "outer" and ufunc.nout == 1 and len(inputs) == 2 and out is None:
            a, b = asarray(inputs[0]), asarray(inputs[1])
            return elemwise(ufunc, a[(Ellipsis,) + (None,) * b.ndim], b, **kwargs)
        if method != "__call__":
            return NotImplemented
        if ufunc.signature is not None and ufunc is not np.matmul and out is None:
            from hlq.array._gufunc import apply_gufunc  # import cycle

            return apply_gufunc(ufunc, ufunc.signature, *inputs, **kwargs)
        if ufunc.nout == 2 and out is None and not kwargs:
            from hlq.array._elementwise import _two_outputs  # import cycle

            return _two_outputs(ufunc, *inputs)
        if ufunc.nout != 1:
            return NotImplemented
        if ufunc is np.matmul:
            from hlq.array._linalg_ops import matmul  # import cycle

            return matmul(*inputs)
        # lists and tuples are array-likes (dask, numpy): ``x * [1, 2, 3]``
        inputs = tuple(np.asarray(x) if isinstance(x, (list, tuple)) else x for x in inputs)
        for x in inputs:
            if not isinstance(x, (Array, np.ndarray, numbers.Number, np.generic)):
                return NotImplemented
        return elemwise(ufunc, *inputs, **kwargs)

    # ``**`` is numpy's ``ndarray.__pow__`` on the blocks, not the ``np.power`` ufunc the
    # operator mixin uses: numpy squares for ``** 2`` (``bool_array ** 2`` is int8, not int64)
    def __pow__(self, other):
        if not isinstance(other, (Array, np.ndarray, numbers.Number, np.generic)):
            return NotImplemented
        return elemwise(operator.pow, self, other)

    def __rpow__(self, other):
        if not isinstance(other, (np.ndarray, numbers.Number, np.generic)):
            return NotImplemented
        return elemwise(operator.pow, other, self)

    def __array_function__(self, func, types, args, kwargs):
        """numpy functions dispatch to the hlq function of the same name.

        Like dask: a numpy function hlq does not implement computes its
        arguments and runs numpy, with a ``FutureWarning``.
        """
        f = HANDLED_FUNCTIONS.get(func)
        if f is None:
            import hlq.array as module  # import cycle

            f = getattr(module, getattr(func, "__name__", ""), None)
            if f is None or f is func or not callable(f) or func.__module__.split(".")[0] != "numpy":
                warnings.warn(
                    f"The `{func.__module__}.{func.__name__}` function is not implemented by hlq.array; "
                    "computing the arguments and calling numpy. Use map_blocks or similar to stay lazy.",
                    FutureWarning,
                    stacklevel=2,
                )
                args, kwargs = dask.compute(args, kwargs)
                return func(*args, **kwargs)
        return f(*args, **kwargs)

    # In-place operators build a new array (like dask): returning NotImplemented
    # makes Python fall back to the binary operator and rebind the name.
    def _inplace(self, other):
        return NotImplemented

    __iadd__ = __isub__ = __imul__ = __imatmul__ = __itruediv__ = __ifloordiv__ = _inplace
    __imod__ = __ipow__ = __ilshift__ = __irshift__ = __iand__ = __ixor__ = __ior__ = _inplace

    @property
    def real(self):
        return self if self.dtype.kind != "c" else elemwise(np.real, self)

    @property
    def imag(self):
        return elemwise(np.imag, self)

    def conj(self):
        return elemwise(np.conj, self)

    def __bool__(self):
        if self.size != 1:
            raise ValueError(
                "The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()"
            )
        return bool(self.compute())

    def _scalar(self, cast):
        if self.size != 1:
            raise TypeError("Only length-1 arrays can be converted to Python scalars")
        return cast(np.asarray(self.compute()).item())

    def __int__(self):
        return self._scalar(int)

    def __float__(self):
        return self._scalar(float)

    def __complex__(self):
        return self._scalar(complex)

    def __index__(self):
        return operator.index(self.compute())

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    # -------------------------------------------------------------- indexing
    def __getitem__(self, index):
        from hlq.array._indexing_fancy import getitem as _fancy_getitem, needs_fancy  # import cycle

        if isinstance(index, str) or (isinstance(index, list) and index and all(isinstance(i, str) for i in index)):
            return _field_access(self, index)

        if needs_fancy(self, index):  # hlq/numpy index arrays, or unknown (nan) chunks
            return _fancy_getitem(self, index)
        if isinstance(index, (list, np.ndarray)) or (
                isinstance(index, tuple) and any(isinstance(i, (list, np.ndarray)) for i in index)):
            from hlq.array._indexing_fancy import getitem_fancy  # import cycle

            return getitem_fancy(self, index)
        idx = normalize_index(index, self.shape)
        if is_full(idx, self.shape):
            return self
        return Array(BasicIndex(self._node, idx))

    # ---------------- unknown chunks and data-dependent indexing (hlq/array/_indexing_fancy.py)
    def compute_chunk_sizes(self):
        """Compute unknown (nan) chunk sizes; this array then has known chunks (returned, like dask)."""
        from hlq.array._indexing_fancy import compute_chunk_sizes  # import cycle

        return compute_chunk_sizes(self)

    @property
    def vindex(self):
        """Point-wise indexing with broadcasting: ``x.vindex[[0, 2], [1, 3]]``."""
        from hlq.array._indexing_fancy import VIndexer  # import cycle

        return VIndexer(self)

    def shuffle(self, indexer, axis, chunks="auto"):
        """Reorder along ``axis`` by groups of positions (``dask.array.shuffle``)."""
        from hlq.array._indexing_fancy import shuffle  # import cycle

        return shuffle(self, indexer, axis, chunks)

    def nonzero(self):
        """Indices of the nonzero elements, one array per dimension (unknown chunks)."""
        from hlq.array._indexing_boolean import nonzero  # import cycle

        return nonzero(self)

    @property
    def partitions(self):
        """Alias of :attr:`blocks`."""
        return self.blocks

    @property
    def _chunks(self):
        return self.chunks

    @_chunks.setter
    def _chunks(self, chunks):
        """Declare other chunk sizes (same block counts; ``nan`` for unknown), like assigning dask's ``_chunks``."""
        from hlq.array._indexing_fancy import relabel_chunks  # import cycle

        relabel_chunks(self, chunks)

    def __setitem__(self, key, value):
        """``x[key] = value`` rebinds ``x`` to a new plan, like dask (see :mod:`hlq.array._indexing_setitem`)."""
        from hlq.array._indexing_setitem import setitem  # import cycle

        self._rebind(setitem(self, key, value))

    @property
    def blocks(self):
        """Index by blocks: ``x.blocks[0, 1:3]`` is an Array of those blocks."""
        return BlockView(self)

    # ---------------------------------------------------------- shape ops
    @property
    def T(self):
        return self.transpose()

    def transpose(self, *axes):
        from hlq.array._manipulation import transpose  # import cycle

        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return transpose(self, axes or None)

    def swapaxes(self, axis1, axis2):
        from hlq.array._manipulation import swapaxes  # import cycle

        return swapaxes(self, axis1, axis2)

    def rechunk(self, chunks="auto", threshold=None, block_size_limit=None, balance=False, method=None):
        """Change the chunking (see :func:`dask.array.rechunk`)."""
        return rechunk(self, chunks, block_size_limit=block_size_limit, balance=balance)

    def astype(self, dtype, casting="unsafe", copy=True, **kwargs):
        extra = sorted(set(kwargs) - {"order", "subok"})
        if extra:
            raise TypeError(f"astype does not take the following keyword arguments: {extra}")
        dtype = np.dtype(dtype)
        if dtype == self.dtype:
            return self.__copy__() if copy else self
        if not np.can_cast(self.dtype, dtype, casting=casting):
            raise TypeError(f"Cannot cast array data from {self.dtype!r} to {dtype!r} according to the rule {casting!r}")
        return Array(Elemwise(_astype, (self._node, dtype), dtype, None))

    def copy(self):
        """A copy: a new array on the same (immutable) plan, independent of later in-place changes of this one."""
        return self.__copy__()

    def map_blocks(self, func, *args, **kwargs):
        from hlq.array._blockwise import map_blocks  # import cycle

        return map_blocks(func, self, *args, **kwargs)

    # ------------------------------------------------------------ reductions
    def sum(self, axis=None, dtype=None, keepdims=False, split_every=None, out=None):
        return reduction(self, "sum", axis, keepdims, dtype, split_every)

    def prod(self, axis=None, dtype=None, keepdims=False, split_every=None, out=None):
        return reduction(self, "prod", axis, keepdims, dtype, split_every)

    def mean(self, axis=None, dtype=None, keepdims=False, split_every=None, out=None):
        return reduction(self, "mean", axis, keepdims, dtype, split_every)

    def std(self, axis=None, dtype=None, keepdims=False, ddof=0, split_every=None, out=None):
        return reduction(self, "std", axis, keepdims, dtype, split_every, ddof)

    def var(self, axis=None, dtype=None, keepdims=False, ddof=0, split_every=None, out=None):
        return reduction(self, "var", axis, keepdims, dtype, split_every, ddof)

    def min(self, axis=None, keepdims=False, split_every=None, out=None):
        return reduction(self, "min", axis, keepdims, None, split_every)

    def max(self, axis=None, keepdims=False, split_every=None, out=None):
        return reduction(self, "max", axis, keepdims, None, split_every)

    def any(self, axis=None, keepdims=False, split_every=None, out=None):
        return reduction(self, "any", axis, keepdims, None, split_every)

    def all(self, axis=None, keepdims=False, split_every=None, out=None):
        return reduction(self, "all", axis, keepdims, None, split_every)

    def argmin(self, axis=None, keepdims=False, split_every=None, out=None):
        return reduction(self, "argmin", axis, keepdims, None, split_every)

    def argmax(self, axis=None, keepdims=False, split_every=None, out=None):
        return reduction(self, "argmax", axis, keepdims, None, split_every)

    def clip(self, min=None, max=None):
        from hlq.array._elementwise import clip  # import cycle

        return clip(self, min, max)

    def round(self, decimals=0):
        return elemwise(np.round, self, decimals=decimals)

    # -------------------------------------- shape, products, scans (array parity)
    def dot(self, other):
        from hlq.array._linalg_ops import dot  # import cycle

        return dot(self, other)

    def __matmul__(self, other):
        from hlq.array._linalg_ops import matmul  # import cycle

        return matmul(self, other)

    def __rmatmul__(self, other):
        from hlq.array._linalg_ops import matmul  # import cycle

        return matmul(other, self)

    def reshape(self, *shape, merge_chunks=True, limit=None):
        from hlq.array._manipulation import reshape  # import cycle

        if len(shape) == 1 and not isinstance(shape[0], (numbers.Integral, np.integer)):
            shape = shape[0]
        if any(not d.known for d in self._node.dims):
            raise ValueError(unknown_chunks_message(self.shape))
        return reshape(self, shape, merge_chunks=merge_chunks, limit=limit)

    def ravel(self):
        from hlq.array._manipulation import ravel  # import cycle

        return ravel(self)

    flatten = ravel

    def squeeze(self, axis=None):
        from hlq.array._manipulation import squeeze  # import cycle

        return squeeze(self, axis)

    def repeat(self, repeats, axis=None):
        from hlq.array._manipulation import repeat  # import cycle

        return repeat(self, repeats, axis)

    def cumsum(self, axis, dtype=None, out=None, *, method="sequential"):
        from hlq.array.reductions import cumsum  # import cycle

        return cumsum(self, axis, dtype, out)

    def cumprod(self, axis, dtype=None, out=None, *, method="sequential"):
        from hlq.array.reductions import cumprod  # import cycle

        return cumprod(self, axis, dtype, out)

    def trace(self, offset=0, axis1=0, axis2=1, dtype=None):
        from hlq.array._linalg_ops import trace  # import cycle

        return trace(self, offset, axis1, axis2, dtype)

    # ------------------------------------------------------------------ IO
    def store(self, target, **kwargs):
        """Store this array into ``target`` (see :func:`hlq.array._io_store`)."""
        from hlq.array._io_store import store  # import cycle

        return store([self], [target], **kwargs)

    def to_zarr(self, *args, **kwargs):
        """Save to zarr storage (see :func:`hlq.array.to_zarr`)."""
        from hlq.array._io_zarr import to_zarr  # import cycle

        return to_zarr(self, *args, **kwargs)

    def to_hdf5(self, filename, datapath, **kwargs):
        """Store in an HDF5 file at ``datapath`` (see :func:`hlq.array.to_hdf5`; needs h5py)."""
        from hlq.array._io_hdf5 import to_hdf5  # import cycle

        return to_hdf5(filename, datapath, self, **kwargs)

    def to_delayed(self, optimize_graph=True):
        """An object array of ``dask.delayed.Delayed``, one per block (see :func:`hlq.array._io_delayed.to_delayed`)."""
        from hlq.array._io_delayed import to_delayed  # import cycle

        return to_delayed(self, optimize_graph=optimize_graph)

    # ----------------------------------- more methods of dask.array.Array
    @property
    def dask(self):
        """The lowered (optimized, culled, fused) task graph, like ``dask.array.Array.dask``."""
        return self.__dask_graph__()

    def choose(self, choices):
        """Construct an array from an index array and a list of arrays to choose from."""
        from hlq.array._elementwise import choose  # import cycle

        return choose(self, choices)

    def map_overlap(self, func, depth, boundary=None, trim=True, **kwargs):
        """``hlq.array.map_overlap(func, self, depth=depth, boundary=boundary, trim=trim, ...)``."""
        from hlq.array.overlap import map_overlap  # import cycle

        return map_overlap(func, self, depth=depth, boundary=boundary, trim=trim, **kwargs)

    def moment(self, order, axis=None, dtype=None, keepdims=False, ddof=0, split_every=None, out=None):
        """Central moment of ``order`` along ``axis`` (``hlq.array.moment``)."""
        from hlq.array._statistics import moment  # import cycle

        return moment(self, order, axis=axis, dtype=dtype, keepdims=keepdims, ddof=ddof,
                      split_every=split_every, out=out)

    def topk(self, k, axis=-1, split_every=None):
        """The ``k`` largest (``k < 0``: smallest) elements along ``axis``."""
        from hlq.array.reductions import topk  # import cycle

        return topk(self, k, axis=axis, split_every=split_every)

    def argtopk(self, k, axis=-1, split_every=None):
        """Indices of the ``k`` largest (``k < 0``: smallest) elements along ``axis``."""
        from hlq.array.reductions import argtopk  # import cycle

        return argtopk(self, k, axis=axis, split_every=split_every)

    def view(self, dtype=None, order="C"):
        """Reinterpret the bytes with another dtype (``numpy.ndarray.view``), block by block.

        The last (``order="C"``) or first (``"F"``) axis' chunks scale by the
        itemsize ratio; a chunk that does not divide evenly raises ``ValueError``.
        """
        from hlq.array._blockwise import map_blocks  # import cycle

        dtype = self.dtype if dtype is None else np.dtype(dtype)
        if order not in ("C", "F"):
            raise ValueError("Order must be one of 'C' or 'F'")
        if self.ndim == 0:
            raise ValueError("Changing the dtype of a 0d array is only supported if the itemsize is unchanged")
        mult = self.dtype.itemsize / dtype.itemsize
        ax = self.ndim - 1 if order == "C" else 0
        new = []
        for c in self.chunks[ax]:
            v = c * mult
            if v != int(v):
                raise ValueError(f"chunk of size {c} cannot be viewed as {dtype} (itemsize {dtype.itemsize})")
            new.append(int(v))
        chunks = tuple(tuple(new) if i == ax else c for i, c in enumerate(self.chunks))
        return map_blocks(Array._view_block, self, dtype, order, dtype=dtype, chunks=chunks)

    def to_svg(self, size=500):
        """SVG picture of the chunks (dask's ``to_svg``)."""
        from dask.array.svg import svg

        return svg(self.chunks, size=size)

    @staticmethod
    def _view_block(x, dtype, order):
        if order == "C":
            return np.ascontiguousarray(x).view(dtype)
        return np.asfortranarray(x).T.view(dtype).T

    def to_dask_dataframe(self, columns=None, index=None, meta=None):
        """This 1-d/2-d array as an hlq.dataframe Series/DataFrame in the same plan
        (see :func:`hlq.dataframe.from_dask_array`)."""
        # deferred: hlq.array does not import hlq.dataframe (array<->dataframe interop lives on the dataframe side)
        from hlq.dataframe._io import from_dask_array

        return from_dask_array(self, columns=columns, index=index, meta=meta)


HANDLED_FUNCTIONS[np.result_type] = _result_type


def _defers_to(x, other) -> bool:
    """NEP 13's binary-operator rule, like numpy and dask: ``x op other`` returns NotImplemented
    (Python then tries ``other``'s reflected operator) when ``other`` opts out of ufuncs
    (``__array_ufunc__ = None``) or, without ``__array_ufunc__``, has a higher ``__array_priority__``."""
    ufunc_attr = getattr(type(other), "__array_ufunc__", _MISSING)
    if ufunc_attr is _MISSING:
        ufunc_attr = getattr(other, "__array_ufunc__", _MISSING)
    if ufunc_attr is None:
        return True
    if ufunc_attr is _MISSING:
        priority = getattr(other, "__array_priority__", None)
        return isinstance(priority, numbers.Real) and priority > x.__array_priority__
    return False


_MISSING = object()


def _delegating(method):
    def op(self, other):
        if _defers_to(self, other):
            return NotImplemented
        return method(self, other)

    op.__name__ = method.__name__
    op.__doc__ = method.__doc__
    return op


for _name in ("add", "sub", "mul", "matmul", "truediv", "floordiv", "mod", "divmod", "pow", "lshift", "rshift",
              "and", "xor", "or", "lt", "le", "gt", "ge"):
    for _dunder in (f"__{_name}__", f"__r{_name}__"):
        if hasattr(Array, _dunder):
            setattr(Array, _dunder, _delegating(getattr(Array, _dunder)))
del _name, _dunder


class BlockView:
    """``x.blocks``: index an array by blocks (``x.blocks[0, 1:3]`` is an Array of those blocks)."""

    def __init__(self, x: Array):
        self.x = x

    @property
    def _array(self):
        return self.x

    def __getitem__(self, index):
        x = self.x
        entries = index if isinstance(index, tuple) else (index,)
        if sum(isinstance(e, (list, np.ndarray)) for e in entries) > 1:
            raise ValueError("Can only slice with a single list")
        if any(e is None for e in entries):
            raise ValueError("Slicing with np.newaxis or None is not supported")
        if any(not d.known for d in x._node.dims) or any(isinstance(e, (list, np.ndarray)) for e in entries):
            from hlq.array._indexing_fancy import blocks_getitem  # import cycle

            return blocks_getitem(x, index)
        idx = normalize_index(index, x.numblocks)
        out = []
        for e, d in zip([e for e in idx if e is not None], x._node.dims):
            if isinstance(e, int):
                out.append(slice(d.start(e), d.start(e) + d.size(e)))
            else:
                r = range(*e)
                if e[2] != 1:
                    raise IndexError("x.blocks supports integers and contiguous slices of blocks")
                if len(r) == 0:
                    out.append(slice(0, 0))
                else:
                    out.append(slice(d.start(r[0]), d.start(r[-1]) + d.size(r[-1])))
        return x[tuple(out)]

    def __eq__(self, other):
        if isinstance(other, BlockView):
            return self.x is other.x
        return NotImplemented

    def __hash__(self):
        return id(self.x)

    @property
    def shape(self):
        return self.x.numblocks

    @property
    def size(self):
        return self.x.npartitions

    def ravel(self) -> list:
        """All the blocks, one Array each, in C order."""
        return [self[idx] for idx in np.ndindex(self.shape)]


def map_blocks_to_frame(func, args, kwargs, x):
    """Like dask: a function returning pandas objects makes a dataframe collection, one partition per block."""
    import hlq.dataframe as dd  # deferred: importing hlq.array does not load hlq.dataframe

    pos = next(i for i, a in enumerate(args) if a is x)
    parts = [dask.delayed(_call_with_block)(func, args, pos, kwargs, b) for b in x.to_delayed().ravel()]
    meta = func(*[np.empty((0,) * x.ndim, dtype=x.dtype) if i == pos else a for i, a in enumerate(args)], **kwargs)
    return dd.from_delayed(parts, meta=meta)


def _call_with_block(func, args, pos, kwargs, block):
    return func(*args[:pos], block, *args[pos + 1:], **kwargs)


def _field_access(x, index):
    """``x["field"]`` / ``x[["f1", "f2"]]`` on a structured dtype (like dask: a map over the blocks)."""
    from hlq.array._blockwise import map_blocks  # import cycle

    if isinstance(index, str):
        dt = x.dtype[index]
    else:
        dt = np.dtype({
            "names": index,
            "formats": [x.dtype.fields[name][0] for name in index],
            "offsets": [x.dtype.fields[name][1] for name in index],
            "itemsize": x.dtype.itemsize,
        })
    if dt.shape:  # a subarray field adds its dimensions, one chunk each
        new_axis = list(range(x.ndim, x.ndim + len(dt.shape)))
        chunks = x.chunks + tuple((i,) for i in dt.shape)
        return map_blocks(_getitem_field, x, index, dtype=dt.base, chunks=chunks, new_axis=new_axis)
    return map_blocks(_getitem_field, x, index, dtype=dt)


def _getitem_field(block, index):
    return block[index]


def _human_bytes(n):
    for unit in ("B", "kiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024:
            return f"{n:.1f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024
    return f"{n:.1f} EiB"


def _astype(x, dtype):
    return x.astype(dtype, copy=False)


# --------------------------------------------------------------------------
# building blocks


def normalize_dims(chunks, shape, dtype=None, previous=None, limit=None) -> tuple:
    """Chunks spec -> tuple of :class:`Dim`, O(1) per dimension for regular specs."""
    shape = tuple(int(s) for s in shape)
    if not shape:  # a 0-d array has no chunks to choose (dask ignores the spec)
        return ()
    if isinstance(chunks, (numbers.Integral, np.integer)) and not isinstance(chunks, bool):
        c = int(chunks)
        if c == -1:
            return tuple(Dim.regular(n, max(n, 1)) for n in shape)
        if c <= 0:
            raise ValueError(f"chunk sizes must be positive, got {c}")
        return tuple(Dim.regular(n, c) for n in shape)
    if isinstance(chunks, tuple) and len(chunks) == len(shape) and all(
        isinstance(c, (numbers.Integral, np.integer)) and not isinstance(c, bool) for c in chunks
    ):
        out = []
        for n, c in zip(shape, chunks):
            c = int(c)
            if c == -1 or (c == 0 and n == 0):  # a 0 chunk of a 0-length dimension is dask's spelling too
                c = max(n, 1)
            if c <= 0:
                raise ValueError(f"chunk sizes must be positive, got {c}")
            out.append(Dim.regular(n, c))
        return tuple(out)
    try:
        norm = normalize_chunks(chunks, shape, dtype=dtype, previous_chunks=previous, limit=limit)
    except NotImplementedError:
        raise  # dask's error for "auto" chunks of object dtypes
    except (ValueError, TypeError) as e:
        raise ValueError(f"unknown chunks specification {chunks!r} for shape {shape}: {e}") from None
    if any(isinstance(c, float) and math.isnan(c) for cs in norm for c in cs):
        raise ValueError("unknown (nan) chunk sizes are not supported yet")
    if tuple(sum(c) for c in norm) != shape:
        raise ValueError(f"chunks {chunks!r} do not add up to shape {shape}")
    return tuple(Dim.from_sizes(c) for c in norm)


def from_array(x, chunks="auto", name=None, lock=False, asarray=None, fancy=True, getitem=None,
               meta=None, inline_array=False):
    """Create an array from any array-like with ``shape``, ``dtype`` and ``__getitem__``.

    Each task reads only its own region; with slice pushdown only the region
    under a final slice is read.
    """
    if isinstance(x, Array):
        raise ValueError("Array is already an hlq array. Use 'asarray' or 'rechunk' instead.")
    if hasattr(x, "__dask_graph__"):
        warnings.warn("Passing an object to hlq.array.from_array which is already a Dask collection. "
                      "This can lead to unexpected behavior.", UserWarning, stacklevel=2)
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        x = np.asarray(x)
    if isinstance(x, np.ndarray) and x.dtype.kind not in "biufcmMUSV?O":
        raise TypeError(f"unsupported dtype {x.dtype}")
    previous = getattr(x, "chunks", None) if isinstance(chunks, str) or chunks is None else None
    if getattr(x, "shards", None) is not None and chunks == "auto":
        previous = x.shards  # a sharded zarr array: whole shards are the smallest safe regions
    if not (isinstance(previous, tuple) and len(previous) == len(x.shape)):
        previous = None
    dims = normalize_dims(chunks, x.shape, dtype=x.dtype, previous=previous)
    if isinstance(x, np.ndarray):
        # like dask: the array is a snapshot of the data, later changes of ``x`` do not show
        x = x.copy()
    if asarray is None:
        asarray = not isinstance(x, np.ndarray)
    if lock is True:
        lock = SerializableLock()
    reader = None
    if lock or (getitem is not None and not isinstance(x, np.ndarray)):
        # like dask: numpy arrays are sliced directly, other array-likes go through ``getitem`` under ``lock``
        reader = BlockGetter(getitem, lock or None, bool(asarray))
    return Array(FromArray(Literal(x), dims, (0,) * len(dims), bool(asarray), None, reader))


def asarray(a, dtype=None, order=None, *, like=None, allow_unknown_chunksizes=False, inline_array=False,
            chunks=None):
    """Convert to an hlq Array (a no-op for hlq arrays); ``chunks`` is used for non-hlq input (default ``"auto"``)."""
    if isinstance(a, Array):
        return a.astype(dtype) if dtype is not None else a
    if hasattr(a, "__dask_graph__") and hasattr(a, "compute") and hasattr(a, "chunks"):
        raise TypeError("converting a dask.array to hlq.array: compute it or use hlq.array.from_array(x.compute())")
    if hasattr(a, "__dask_graph__"):
        warnings.warn("Passing an object to hlq.array.asarray which is already a Dask collection. "
                      "This can lead to unexpected behavior.", UserWarning, stacklevel=2)
    arr = np.asarray(a, dtype=dtype)
    if chunks is None:
        chunks = "auto" if arr.ndim else ()
    return from_array(arr, chunks=chunks)


asanyarray = asarray


def array(x, dtype=None, ndmin=None, *, like=None, chunks=None):
    """``numpy.array`` for hlq arrays: convert (``asarray``), cast to ``dtype``, prepend axes up to ``ndmin``."""
    x = asarray(x, dtype=dtype, chunks=chunks)
    if ndmin is not None and x.ndim < ndmin:
        x = x[(None,) * (ndmin - x.ndim)]
    return x


def _as_operand(a):
    if isinstance(a, Array):
        return a._node
    if isinstance(a, ArrayNode):
        return a
    if isinstance(a, np.ndarray) and a.ndim > 0:
        return a
    if isinstance(a, (numbers.Number, np.generic, np.ndarray, str, bytes)) or a is None:
        return a
    if isinstance(a, (list, tuple)):
        return np.asarray(a)
    return a


def unify_dims(arrays, out_shape) -> tuple:
    """Common chunks for operands broadcast to ``out_shape`` (boundary union)."""
    ndim = len(out_shape)
    out = []
    for j in range(ndim):
        cands = []
        for a in arrays:
            off = ndim - a.ndim
            if j >= off and _same_len(a.shape[j - off], out_shape[j]):
                d = a.dims[j - off]
                if d not in cands:
                    cands.append(d)
        if not cands:
            out.append(Dim.regular(out_shape[j], max(out_shape[j], 1)))
        elif len(cands) == 1:
            out.append(cands[0])
        elif any(not d.known for d in cands):
            if len({d.nblocks for d in cands}) != 1:
                raise ValueError(f"Chunks are unknown along dimension {j} and the chunk counts do not align: "
                                 f"{' vs '.join(str(d.sizes()) for d in cands)}")
            out.append(next(d for d in cands if not d.known))
        else:
            bounds = set()
            for d in cands:
                pos = 0
                for s in d.sizes():
                    pos += s
                    bounds.add(pos)
            bounds = sorted(bounds)
            sizes = [b - a for a, b in zip([0] + bounds[:-1], bounds)]
            out.append(Dim.from_sizes(sizes))
    out = tuple(out)
    max_parts = max((math.prod(d.nblocks for d in a.dims) for a in arrays), default=0)
    nparts = math.prod(d.nblocks for d in out)
    if max_parts and nparts >= max_parts * 10:  # like dask's unify_chunks
        warnings.warn(f"Increasing number of chunks by factor of {int(nparts / max_parts)}", PerformanceWarning,
                      stacklevel=4)
    return out


def _same_len(a, b) -> bool:
    return a == b or (a != a and b != b)  # nan (unknown) lengths match each other


def _rechunk_node(node: ArrayNode, dims) -> ArrayNode:
    if node.dims == tuple(dims):
        return node
    if any(not d.known for d in node.dims) or any(not d.known for d in dims):
        from hlq.array._indexing_fancy import _align_unknown  # import cycle

        return _align_unknown(node, tuple(dims))
    return Rechunk(node, tuple(dims))


def elemwise(op, *args, dtype=None, **kwargs):
    """Apply ``op`` elementwise with numpy broadcasting (``dask.array.elemwise``)."""
    out, where = kwargs.pop("out", None), kwargs.pop("where", True)
    if out is not None or where is not True:
        return _elemwise_out_where(op, args, dtype, kwargs, out, where)
    if dtype is not None and isinstance(op, np.ufunc):
        # numpy's ``dtype=``: the computed blocks must have the declared dtype
        natural = elemwise(op, *args, **kwargs)
        return natural if natural.dtype == np.dtype(dtype) else natural.astype(dtype)
    operands = [_as_operand(a) for a in args]
    nodes = [o for o in operands if isinstance(o, ArrayNode)]
    shapes = [o.shape for o in operands if isinstance(o, (ArrayNode, np.ndarray))]
    try:
        out_shape = _bshapes(*shapes)  # nan-aware (unknown chunk sizes)
    except ValueError:
        raise ValueError(
            "operands could not be broadcast together with shapes " + " ".join(str(s) for s in shapes)
        ) from None
    if dtype is None:
        samples = []
        for o in operands:
            if isinstance(o, (ArrayNode, np.ndarray)):
                samples.append(np.ones((1,) * len(o.shape), dtype=o.dtype))
            else:
                samples.append(o)
        with np.errstate(all="ignore"):
            res = op(*samples, **kwargs)
        dtype = np.asarray(res).dtype
    dtype = np.dtype(dtype)
    dims = unify_dims(nodes, out_shape)
    final = []
    for o in operands:
        if isinstance(o, ArrayNode):
            off = len(out_shape) - o.ndim
            target = [dims[j + off] if o.shape[j] == out_shape[j + off] else o.dims[j] for j in range(o.ndim)]
            final.append(_rechunk_node(o, target))
        elif isinstance(o, np.ndarray):
            off = len(out_shape) - o.ndim
            target = [dims[j + off] if o.shape[j] == out_shape[j + off] else Dim.regular(o.shape[j], max(o.shape[j], 1))
                      for j in range(o.ndim)]
            final.append(FromArray(Literal(o), tuple(target), (0,) * o.ndim, False))
        else:
            final.append(o)
    kw = tuple(sorted(kwargs.items())) if kwargs else None
    return Array(Elemwise(op, tuple(final), dtype, kw))


def _elemwise_out_where(op, args, dtype, kwargs, out, where):
    """``elemwise`` with numpy's ``where=`` (masked positions keep ``out``) and dask's ``out=`` (rebound)."""
    if isinstance(out, tuple):
        if len(out) != 1:
            raise NotImplementedError("out= with several arrays is not supported by hlq.array")
        out = out[0]
    if out is not None and not isinstance(out, Array):
        raise NotImplementedError(
            f"The out parameter is not fully supported. Received type {type(out).__name__}, expected an hlq Array")
    res = elemwise(op, *args, dtype=dtype, **kwargs)
    if where is not True:
        from hlq.array._elementwise import where as _where  # import cycle

        res = _where(where, res, out if out is not None else np.zeros((), dtype=res.dtype))
    if out is None:
        return res
    return rebind_out(out, res)


def rebind_out(out, res):
    """dask's ``out=``: ``out`` (an hlq Array of the same shape) becomes ``res`` (its dtype too) and is returned."""
    if out is None:
        return res
    if isinstance(out, tuple) and len(out) == 1:
        out = out[0]
    if not isinstance(out, Array):
        raise NotImplementedError(
            f"The out parameter is not fully supported. Received type {type(out).__name__}, expected an hlq Array")
    if res.shape != out.shape:
        raise ValueError(f"Mismatched shapes between result and out parameter. out={out.shape}, result={res.shape}")
    out._rebind(res)
    return out


def rechunk(x: Array, chunks="auto", threshold=None, block_size_limit=None, balance=False, method=None):
    """Change the chunks of ``x`` (dask's spec: tuple, dict, -1, 'auto')."""
    x = asarray(x)
    if isinstance(chunks, dict):
        for k in chunks:
            if not isinstance(k, (numbers.Integral, np.integer)):
                raise TypeError(f"rechunk: axis keys must be integers, got {k!r}")
        spec = []
        for i in range(x.ndim):
            c = chunks.get(i, chunks.get(i - x.ndim, None))
            spec.append(x.chunks[i] if c is None else c)
        for k in chunks:
            if not (-x.ndim <= k < x.ndim):
                raise ValueError(f"rechunk: axis {k} is out of bounds for array of dimension {x.ndim}")
        chunks = tuple(spec)
    elif isinstance(chunks, (tuple, list)):
        if x.ndim == 1 and len(chunks) > 1 and all(isinstance(c, (numbers.Integral, np.integer)) for c in chunks):
            chunks = (tuple(chunks),)  # dask: a flat tuple of sizes for a 1-d array
        if len(chunks) != x.ndim:
            raise ValueError(f"rechunk: chunks {chunks!r} have {len(chunks)} entries for an array of dimension {x.ndim}")
        chunks = tuple(x.chunks[i] if c is None else c for i, c in enumerate(chunks))
    elif not isinstance(chunks, (numbers.Integral, str)):
        raise ValueError(f"unknown rechunk specification {chunks!r}")
    if isinstance(chunks, tuple):
        chunks = tuple(_keep_nan_chunks(c, x.chunks[i]) for i, c in enumerate(chunks))
    if any(not d.known for d in x._node.dims):
        return _rechunk_known_axes(x, chunks)
    dims = normalize_dims(chunks, x.shape, dtype=x.dtype, previous=x.chunks, limit=block_size_limit)
    if balance:
        # dask's balancing: the same number of chunks (one fewer when the last is small), sizes evened out
        dims = tuple(Dim.from_sizes(_balance_chunksizes(d.sizes())) if d.nblocks > 1 else d for d in dims)
    if dims == x._node.dims:
        return x
    return Array(Rechunk(x._node, dims))


def _keep_nan_chunks(spec, current):
    """One axis of a rechunk spec: sizes given as nan (unknown) stand for the current chunks
    of that axis, which must then keep their number (dask's rule)."""
    if not isinstance(spec, (tuple, list)) or not any(isinstance(v, float) and v != v for v in spec):
        return spec
    if len(spec) != len(current) or any(a == a and a != b for a, b in zip(spec, current)):
        raise ValueError(f"Chunks must be unchanging along dimensions with missing values: {tuple(spec)} "
                         f"vs the array's {current}")
    return tuple(current)


def _rechunk_known_axes(x, chunks):
    """``rechunk`` of an array with unknown (nan) chunk sizes: like dask, the axes of unknown
    sizes keep their chunks (``None``, an unmentioned axis or the same nan sizes), the others
    are rechunked."""
    spec = (chunks,) * x.ndim if isinstance(chunks, (numbers.Integral, str)) else tuple(chunks)
    dims = []
    for i, d in enumerate(x._node.dims):
        c = spec[i]
        if d.known:
            dims.append(normalize_dims((c,), (x.shape[i],), dtype=x.dtype, previous=(x.chunks[i],))[0])
            continue
        same = isinstance(c, tuple) and len(c) == d.nblocks and all(v != v for v in c)
        if not (same or c in (-1, "auto") and d.nblocks == 1):
            raise ValueError(unknown_chunks_message(
                head=f"Array chunk sizes are unknown along axis {i}: they cannot be changed. shape: {x.shape}, "
                     f"chunks: {chunks!r}"))
        dims.append(d)
    dims = tuple(dims)
    if dims == x._node.dims:
        return x
    return Array(_rechunk_node(x._node, dims))


# --------------------------------------------------------------------------
# reductions

_FLOAT_RESULT = {"mean", "nanmean", "var", "nanvar", "std", "nanstd"}


def validate_axis(axis, ndim) -> tuple:
    """Normalize ``axis`` (None, int or tuple) to a sorted tuple, numpy's errors."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (list, tuple)):
        axes = list(axis)
    else:
        axes = [axis]
    out = []
    for a in axes:
        if not isinstance(a, (numbers.Integral, np.integer)):
            raise TypeError(f"'{type(a).__name__}' object cannot be interpreted as an integer")
        a = int(a)
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(a, ndim)
        a = a + ndim if a < 0 else a
        if a in out:
            raise ValueError("duplicate value in 'axis'")
        out.append(a)
    return tuple(sorted(out))


def reduction(x, kind, axis=None, keepdims=False, dtype=None, split_every=None, ddof=0):
    """Build a tree reduction node (``sum``, ``mean``, ``argmin``, ...)."""
    x = asarray(x)
    if kind in ("argmin", "argmax", "nanargmin", "nanargmax"):
        if axis is not None and not isinstance(axis, (numbers.Integral, np.integer)):
            raise TypeError(f"{kind} requires an integer axis or None")
    axes = validate_axis(axis, x.ndim)
    if x.dtype.kind in "OSUV" and kind not in ("min", "max", "any", "all"):
        raise TypeError(f"cannot perform {kind} with dtype {x.dtype}")
    if kind in ("min", "max", "nanmin", "nanmax") and any(not x._node.dims[a].known for a in axes):
        # import cycle
        from hlq.array._indexing_fancy import reduce_blocks_with_identity  # blocks of unknown size may be empty

        x = reduce_blocks_with_identity(x, kind, axes)
    if kind in ("min", "max", "argmin", "argmax", "nanmin", "nanmax", "nanargmin", "nanargmax"):
        if any(x.shape[a] == 0 for a in axes) or (x.size == 0 and axis is None):
            raise ValueError(f"zero-size array to reduction operation {kind} which has no identity")
    if dtype is not None:
        dtype = np.dtype(dtype)
        out_dtype = dtype
    elif kind in ("argmin", "argmax", "nanargmin", "nanargmax"):
        out_dtype = np.dtype(np.intp)
    elif kind in ("any", "all"):
        out_dtype = np.dtype(bool)
    elif kind in ("min", "max", "nanmin", "nanmax"):
        out_dtype = x.dtype
    else:
        with np.errstate(all="ignore"):
            sample = getattr(np, kind)(np.ones((1,), dtype=x.dtype))
        out_dtype = np.asarray(sample).dtype
    if kind in _FLOAT_RESULT and dtype is None and x.dtype.kind in "biu":
        out_dtype = np.dtype(np.float64)
    if isinstance(split_every, dict):
        split_every = tuple(sorted((validate_axis(k, x.ndim)[0], int(v)) for k, v in split_every.items()))
    elif split_every is not None:
        split_every = int(split_every)
        if split_every < 2:
            raise ValueError("split_every must be at least 2")
        split_every = tuple((a, split_every) for a in axes)  # one plan (and name) for the int and dict forms
    return Array(Reduction(x._node, kind, axes, bool(keepdims), dtype if dtype is not None and kind not in ("min", "max") else out_dtype, split_every, int(ddof)))
