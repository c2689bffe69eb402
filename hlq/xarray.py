"""xarray chunk manager for hlq arrays.

Registered as the ``hlq`` entry of the ``xarray.chunkmanagers`` entry-point
group.  It is opt-in: xarray keeps ``dask`` as its default chunk manager, so
only ``chunked_array_type="hlq"`` selects it::

    ds = xr.open_zarr(path, chunks={}, chunked_array_type="hlq")
    ds = ds.chunk({"time": 10}, chunked_array_type="hlq")

hlq arrays implement the dask collection protocol, so xarray's own
``DaskManager.is_chunked_array`` would also claim them (and xarray then
refuses to choose).  Loading this manager narrows ``DaskManager`` to
exclude hlq arrays only; every other object is classified exactly as before.

>>> import numpy as np, xarray as xr
>>> ds = xr.Dataset({"t": (("x",), np.arange(6.0))}).chunk({"x": 2}, chunked_array_type="hlq")
>>> type(ds.t.data).__module__
'hlq.array._core'
>>> float(ds.t.sum())
15.0
"""

from __future__ import annotations

import itertools
import numbers
import sys
from collections.abc import Mapping

import numpy as np
from xarray.namedarray.parallelcompat import ChunkManagerEntrypoint

__all__ = ["HlqChunkManager"]


def _is_hlq_array(data) -> bool:
    """Whether ``data`` is an :class:`hlq.array.Array` (without importing hlq.array)."""
    core = sys.modules.get("hlq.array._core")  # no hlq array can exist before it is imported
    return core is not None and isinstance(data, core.Array)


def _narrow_dask_manager() -> None:
    """Make xarray's DaskManager decline hlq arrays (they are dask collections too)."""
    from xarray.namedarray.daskmanager import DaskManager

    if getattr(DaskManager.is_chunked_array, "_hlq_narrowed", False):
        return
    original = DaskManager.is_chunked_array

    def is_chunked_array(self, data):
        if _is_hlq_array(data):
            return False
        return original(self, data)

    is_chunked_array._hlq_narrowed = True
    is_chunked_array.__wrapped__ = original
    DaskManager.is_chunked_array = is_chunked_array

    # xarray re-chunks with its default (dask) manager in places that name no
    # manager (``Dataset.chunk(sizes)`` inside ``map_blocks``, for one): an hlq
    # array asked to become a dask array is re-chunked as an hlq array instead of
    # being wrapped as the opaque contents of a dask array.
    original_from_array = DaskManager.from_array

    def from_array(self, data, chunks, **kwargs):
        if _is_hlq_array(data):
            return HlqChunkManager().rechunk(data, chunks)
        return original_from_array(self, data, chunks, **kwargs)

    from_array.__wrapped__ = original_from_array
    DaskManager.from_array = from_array
    _wrap_map_blocks()


def _wrap_map_blocks() -> None:
    """Make ``xarray.map_blocks`` (and ``Dataset/DataArray.map_blocks``) return hlq arrays for hlq inputs.

    xarray builds the result of ``map_blocks`` itself, as legacy dask arrays
    whose graph reads the inputs' blocks.  When an input holds hlq arrays,
    each such result array is wrapped as an hlq array (its blocks alias the
    dask keys), so the result is an hlq collection like its inputs: it
    computes fully, compares with other hlq results, and takes part in
    further hlq plans.  Other inputs are left exactly as xarray handles them.
    """
    import xarray
    import xarray.core.parallel as parallel

    original = parallel.map_blocks
    if getattr(original, "_hlq_wrapped", False):
        return

    def map_blocks(func, obj, args=(), kwargs=None, template=None):
        result = original(func, obj, args, kwargs, template)
        if not any(_holds_hlq_arrays(o) for o in (obj, *args)):
            return result
        return _dask_arrays_to_hlq(result)

    map_blocks._hlq_wrapped = True
    map_blocks.__wrapped__ = original
    map_blocks.__doc__ = original.__doc__
    parallel.map_blocks = map_blocks
    if getattr(xarray, "map_blocks", None) is original:
        xarray.map_blocks = map_blocks


def _holds_hlq_arrays(obj) -> bool:
    variables = getattr(obj, "variables", None)
    if variables is None:
        variable = getattr(obj, "variable", None)
        variables = {} if variable is None else {None: variable, **getattr(obj, "coords", {})}
    return any(_is_hlq_array(getattr(v, "data", None)) for v in variables.values())


def _dask_arrays_to_hlq(result):
    """A shallow copy of ``result`` with every legacy dask array wrapped as an hlq array."""
    import dask.array

    # deferred: loading the xarray chunk-manager entry point must not import hlq.array
    from hlq.array._core import Array
    # deferred: loading the xarray chunk-manager entry point must not import hlq.array
    from hlq.array.nodes.base import dims_of
    # deferred: loading the xarray chunk-manager entry point must not import hlq.array
    from hlq.array.nodes.io import DaskArrayRef, FromDaskArray

    _ensure_real_imag()
    result = result.copy(deep=False)
    variables = result.variables if hasattr(result, "data_vars") else {None: result.variable, **result.coords}
    for variable in variables.values():
        variable = getattr(variable, "variable", variable)
        data = variable.data
        if isinstance(data, dask.array.Array):
            variable.data = Array(FromDaskArray(DaskArrayRef(data), dims_of(data.chunks), data.dtype))
    return result


def _ensure_real_imag() -> None:
    """xarray's duck-array protocol (``_arrayfunction``) requires ``.real``/``.imag``.

    Added here only when :class:`hlq.array.Array` lacks them (then it is a no-op).
    """
    # deferred: loading the xarray chunk-manager entry point must not import hlq.array
    from hlq.array._core import Array, elemwise

    if not hasattr(Array, "real"):
        Array.real = property(lambda self: self if self.dtype.kind != "c" else elemwise(np.real, self))
    if not hasattr(Array, "imag"):
        Array.imag = property(lambda self: elemwise(np.imag, self))
    # xarray calls np.result_type on data (dtype promotion): answer from metadata
    # instead of the compute fallback of __array_function__.
    # deferred: loading the xarray chunk-manager entry point must not import hlq.array
    from hlq.array._core import HANDLED_FUNCTIONS

    if np.result_type not in HANDLED_FUNCTIONS:
        HANDLED_FUNCTIONS[np.result_type] = lambda *args: np.result_type(
            *(a.dtype if isinstance(a, Array) else a for a in args))


class _Namespace:
    """``hlq.array`` plus the few extra names xarray looks up on a chunk manager's ``array_api``."""

    def __init__(self):
        import hlq.array as ha  # deferred: loading the xarray chunk-manager entry point must not import hlq.array

        self._mod = ha
        self.isnull = lambda a: ha.isnan(a) if a.dtype.kind in "fc" else ha.zeros_like(a, dtype=bool)
        self.notnull = lambda a: ~self.isnull(a)
        try:
            # deferred: loading the xarray chunk-manager entry point must not import hlq.array
            from hlq.array.lib.stride_tricks import sliding_window_view
        except ImportError:  # pragma: no cover - depends on the hlq version
            pass
        else:
            self.sliding_window_view = lambda x, window_shape, axis=None, automatic_rechunk=True, **kw: (
                sliding_window_view(x, window_shape, axis=axis, **kw))

    def __getattr__(self, name):
        return getattr(self._mod, name)

    def __repr__(self):
        return "<hlq.array namespace for xarray>"


def _offsets(chunks):
    return [tuple(itertools.accumulate((0,) + tuple(c))) for c in chunks]


class HlqChunkManager(ChunkManagerEntrypoint):
    """xarray ``ChunkManagerEntrypoint`` producing :class:`hlq.array.Array` objects."""

    available = True

    def __init__(self) -> None:
        # xarray instantiates every registered manager whenever it lists them:
        # keep that cheap and import hlq.array only when hlq arrays are used.
        _narrow_dask_manager()
        self._namespace = None

    @property
    def array_cls(self):
        # deferred: loading the xarray chunk-manager entry point must not import hlq.array
        from hlq.array._core import Array

        _ensure_real_imag()
        return Array

    # ------------------------------------------------------------ metadata
    def is_chunked_array(self, data) -> bool:
        if not _is_hlq_array(data):
            return False
        _ensure_real_imag()
        return True

    def chunks(self, data):
        return data.chunks

    def normalize_chunks(self, chunks, shape=None, limit=None, dtype=None, previous_chunks=None):
        from dask.array.core import normalize_chunks

        return normalize_chunks(chunks, shape=shape, limit=limit, dtype=dtype, previous_chunks=previous_chunks)

    def get_auto_chunk_size(self) -> int:
        from dask import config
        from dask.utils import parse_bytes

        return parse_bytes(config.get("array.chunk-size"))

    @property
    def array_api(self):
        if self._namespace is None:
            self._namespace = _Namespace()
        return self._namespace

    # ------------------------------------------------------------ creation
    def from_array(self, data, chunks, **kwargs):
        import hlq.array as ha  # deferred: loading the xarray chunk-manager entry point must not import hlq.array

        _ensure_real_imag()
        if isinstance(chunks, tuple) and "auto" in chunks and any(s == 0 for s in data.shape):
            chunks = data.shape
        kwargs.pop("meta", None)
        # xarray passes name=/lock=/inline_array=: hlq names nodes itself and reads
        # each region in its own task.
        for k in ("name", "lock", "inline_array"):
            kwargs.pop(k, None)
        return ha.from_array(data, chunks=chunks, **kwargs)

    def rechunk(self, data, chunks, **kwargs):
        if isinstance(chunks, Mapping):
            chunks = tuple(chunks.get(i, data.chunks[i]) for i in range(data.ndim))
        if isinstance(chunks, tuple) and any(c == "auto" for c in chunks) and any(s == 0 for s in data.shape):
            chunks = data.shape
        kwargs.pop("meta", None)
        return data.rechunk(chunks, **kwargs)

    # ------------------------------------------------------------ computing
    def compute(self, *data, **kwargs):
        import dask

        return dask.compute(*data, **kwargs)

    def persist(self, *data, **kwargs):
        import dask

        return dask.persist(*data, **kwargs)

    # ------------------------------------------------------------ operations
    def map_blocks(self, func, *args, dtype=None, chunks=None, drop_axis=None, new_axis=None, **kwargs):
        import hlq.array as ha  # deferred: loading the xarray chunk-manager entry point must not import hlq.array

        for k in ("name", "token"):
            kwargs.pop(k, None)
        return ha.map_blocks(func, *args, dtype=dtype, chunks=chunks, drop_axis=drop_axis, new_axis=new_axis,
                             **kwargs)

    def blockwise(self, func, out_ind, *args, name=None, token=None, dtype=None, adjust_chunks=None,
                  new_axes=None, align_arrays=True, concatenate=None, meta=None, **kwargs):
        import hlq.array as ha  # deferred: loading the xarray chunk-manager entry point must not import hlq.array

        return ha.blockwise(func, out_ind, *args, dtype=dtype, adjust_chunks=adjust_chunks, new_axes=new_axes,
                            align_arrays=align_arrays, concatenate=concatenate, meta=meta, **kwargs)

    def unify_chunks(self, *args, **kwargs):
        """Rechunk ``(array, index, array, index, ...)`` pairs to common chunks per index."""
        from dask.array.core import normalize_chunks

        import hlq.array as ha  # deferred: loading the xarray chunk-manager entry point must not import hlq.array

        pairs = list(zip(args[::2], args[1::2]))
        chunkss = {}
        for a, ind in pairs:
            if ind is None or not isinstance(a, self.array_cls):
                continue
            for i, c, n in zip(ind, a.chunks, a.shape):
                if n == 1 and i in chunkss:
                    continue
                if i in chunkss and chunkss[i] != c and sum(chunkss[i]) == n:
                    # common refinement of both chunkings
                    bounds = sorted(set(itertools.accumulate(chunkss[i])) | set(itertools.accumulate(c)))
                    c = tuple(np.diff([0] + bounds).tolist())
                chunkss[i] = c
        arrays = []
        for a, ind in pairs:
            if ind is None:
                arrays.append(a)
                continue
            a = a if isinstance(a, self.array_cls) else ha.asarray(a)
            target = tuple(chunkss[i] if a.shape[k] > 1 else a.chunks[k] for k, i in enumerate(ind))
            target = normalize_chunks(target, a.shape)
            arrays.append(a if a.chunks == target else a.rechunk(target))
        return chunkss, arrays

    def reduction(self, arr, func, combine_func=None, aggregate_func=None, axis=None, dtype=None,
                  keepdims=False):
        """Generic tree-less reduction: ``func`` per block, then ``combine``/``aggregate`` on one block.

        ``func(block, axis=axis, keepdims=True)`` reduces each block; the partial
        results are gathered into a single block along ``axis`` and reduced again
        with ``combine_func`` (if any) and ``aggregate_func``.
        """
        import hlq.array as ha  # deferred: loading the xarray chunk-manager entry point must not import hlq.array

        if axis is None:
            axis = tuple(range(arr.ndim))
        elif isinstance(axis, (numbers.Integral, np.integer)):
            axis = (int(axis),)
        axis = tuple(a % arr.ndim for a in axis)
        out_chunks = tuple((1,) * len(c) if i in axis else c for i, c in enumerate(arr.chunks))
        partial = ha.map_blocks(_keepdims_call, arr, func, axis, chunks=out_chunks, dtype=dtype or arr.dtype)
        partial = partial.rechunk({i: -1 for i in axis})

        def finish(block, combine_func=combine_func, aggregate_func=aggregate_func, axis=axis, keepdims=keepdims):
            if combine_func is not None:
                block = combine_func(block, axis=axis, keepdims=True)
            agg = aggregate_func or (lambda b, axis, keepdims: b if keepdims else np.squeeze(b, axis))
            return agg(block, axis=axis, keepdims=keepdims)

        chunks = tuple(((1,) if keepdims else None) if i in axis else c for i, c in enumerate(partial.chunks))
        chunks = tuple(c for c in chunks if c is not None)
        return ha.map_blocks(finish, partial, chunks=chunks, dtype=dtype or arr.dtype,
                             drop_axis=None if keepdims else axis)

    def apply_gufunc(self, func, signature, *args, axes=None, axis=None, keepdims=False, output_dtypes=None,
                     output_sizes=None, vectorize=None, allow_rechunk=False, meta=None, **kwargs):
        """``apply_gufunc`` for signatures without new output core dimensions and one output.

        Core dimensions must be in a single chunk (or ``allow_rechunk=True``);
        the function is mapped over blocks.
        """
        from numpy.lib._function_base_impl import _parse_gufunc_signature

        import hlq.array as ha  # deferred: loading the xarray chunk-manager entry point must not import hlq.array

        if axes is not None or axis is not None or keepdims:
            raise NotImplementedError("hlq apply_gufunc: axes/axis/keepdims are not supported")
        in_core, out_core = _parse_gufunc_signature(signature.replace(" ", ""))
        if len(out_core) != 1:
            raise NotImplementedError("hlq apply_gufunc: only one output is supported")
        if vectorize:
            func = np.vectorize(func, signature=signature, otypes=output_dtypes)
        out_dims_core = out_core[0]
        all_in_core = set(itertools.chain.from_iterable(in_core))
        if any(d not in all_in_core for d in out_dims_core):
            raise NotImplementedError("hlq apply_gufunc: new output core dimensions are not supported")
        arrays = []
        loop_ndim = 0
        for a, core in zip(args, in_core):
            if isinstance(a, self.array_cls):
                nc = len(core)
                if nc:
                    core_axes = range(a.ndim - nc, a.ndim)
                    if any(len(a.chunks[i]) > 1 for i in core_axes):
                        if not allow_rechunk:
                            raise ValueError(
                                "Core dimension of an hlq array spans multiple chunks: rechunk it to one chunk "
                                "or pass allow_rechunk=True")
                        a = a.rechunk({i: -1 for i in core_axes})
                loop_ndim = max(loop_ndim, a.ndim - nc)
            arrays.append(a)
        # dropped core dims: input core dims not in the output (reduced by func)
        dropped = [d for d in (in_core[0] if in_core else ()) if d not in out_dims_core]
        dtype = output_dtypes[0] if isinstance(output_dtypes, (list, tuple)) else output_dtypes
        first = next(a for a in arrays if isinstance(a, self.array_cls))
        nc0 = len(in_core[0])
        drop_axis = [loop_ndim + in_core[0].index(d) for d in dropped] if dropped else None
        if drop_axis and first.ndim != loop_ndim + nc0:
            raise NotImplementedError("hlq apply_gufunc: broadcasting loop dimensions with dropped core dims")
        return ha.map_blocks(func, *arrays, dtype=dtype, drop_axis=drop_axis, **kwargs)

    def store(self, sources, targets, lock=None, compute=True, flush=False, regions=None, **kwargs):
        """Write each block of each source into its region of the matching target."""
        import dask

        import hlq.array as ha  # deferred: loading the xarray chunk-manager entry point must not import hlq.array

        single = isinstance(sources, self.array_cls)
        if single:
            sources, targets = [sources], [targets]
        sources, targets = list(sources), list(targets)
        if regions is None or isinstance(regions, tuple):
            regions = [regions] * len(sources)
        writers = []
        for src, tgt, region in zip(sources, targets, regions):
            offsets = _offsets(src.chunks)
            base = [0] * src.ndim
            if region:
                base = [(r.start or 0) if isinstance(r, slice) else int(r) for r in region]

            def write(block, tgt=tgt, offsets=offsets, base=base, lock=lock, block_id=None):
                index = tuple(slice(b + off[i], b + off[i] + s)
                              for b, off, i, s in zip(base, offsets, block_id, block.shape))
                if lock:
                    with lock:
                        tgt[index] = block
                else:
                    tgt[index] = block
                return np.zeros((1,) * block.ndim, dtype=bool)

            if src.ndim == 0:
                writers.append(ha.map_blocks(lambda b, tgt=tgt: (tgt.__setitem__(..., b), np.zeros((), bool))[1],
                                             src, dtype=bool))
                continue
            writers.append(ha.map_blocks(write, src, dtype=bool,
                                         chunks=tuple((1,) * len(c) for c in src.chunks)))
        if not compute:
            return writers
        for k in ("return_stored", "flush"):
            kwargs.pop(k, None)
        dask.compute(*writers, **kwargs)
        return None


def _keepdims_call(block, func, axis):
    return func(block, axis=axis, keepdims=True)
