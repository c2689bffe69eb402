"""zarr IO: ``from_zarr`` (a region source: a slice reads only the zarr chunks under it) and ``to_zarr``.

>>> import zarr
>>> import hlq.array as da
>>> z = zarr.create_array(store=zarr.storage.MemoryStore(), shape=(6,), chunks=(2,), dtype="i8")
>>> da.arange(6, chunks=2).to_zarr(z)
>>> da.from_zarr(z)[3:].compute().tolist()
[3, 4, 5]
"""

from __future__ import annotations

import os
import warnings

import numpy as np
from dask.array.core import normalize_chunks, PerformanceWarning
from dask.array.slicing import normalize_index

from hlq.array._chunks import unknown_chunks_message
from hlq.array._core import Array, from_array, normalize_dims
from hlq.array._io_store import store

__all__ = ["from_zarr", "to_zarr"]


def _open_store(url, storage_options, mode):
    import zarr

    if storage_options is not None and isinstance(url, str):
        return zarr.storage.FsspecStore.from_url(url, read_only=(mode == "r"), storage_options=storage_options)
    return url


def from_zarr(url, component=None, storage_options=None, chunks=None, name=None, inline_array=False, **kwargs):
    """Load an array from zarr storage (``dask.array.from_zarr``).

    Each task reads its own region of the zarr array, and slice pushdown
    shrinks the regions to the slice, so ``from_zarr(z)[:10].compute()``
    reads only the zarr chunks overlapping ``[:10]``.

    Parameters
    ----------
    url : zarr.Array, str, os.PathLike or zarr store
        The array, or where it lives.
    component : str, optional
        Path of the array inside a zarr group.
    storage_options : dict, optional
        fsspec options for remote URLs.
    chunks : chunks spec, optional
        Block sizes; defaults to the zarr chunks.
    name, inline_array
        Accepted for compatibility (hlq names nodes from their content).
    **kwargs
        Passed to ``zarr.open_array``.
    """
    import zarr

    if isinstance(url, zarr.Array):
        z = url
    else:
        if isinstance(url, os.PathLike):
            url = os.fspath(url)
        kwargs.setdefault("mode", "r")
        store = _open_store(url, storage_options, kwargs["mode"])
        z = zarr.open_array(store=store, path=component, **kwargs)
    chunks = chunks if chunks is not None else z.chunks
    return from_array(z, chunks=chunks, asarray=True)


def _write_chunks(z):
    shards = getattr(z, "shards", None)
    return tuple(shards) if shards is not None else tuple(z.chunks)


def _aligned(chunks, offsets, wchunks) -> bool:
    """Every inner block boundary falls on a zarr (write) chunk boundary."""
    for c, off, w in zip(chunks, offsets, wchunks):
        pos = off
        for size in c[:-1]:
            pos += size
            if pos % w:
                return False
    return True


def _regular(chunks) -> bool:
    for c in chunks:
        if len(c) > 1 and (len(set(c[:-1])) > 1 or c[-1] > c[0]):
            return False
    return True


def to_zarr(arr, url, component=None, storage_options=None, region=None, compute=True, return_stored=False,
            mode="a", **zarr_array_kwargs):
    """Write an array to zarr storage (``dask.array.to_zarr``).

    Parameters
    ----------
    arr : Array
    url : zarr.Array, str, os.PathLike or zarr store
        An existing zarr array (written in place, optionally into ``region``),
        or where to create one with the array's shape, dtype and chunks.
    component : str, optional
        Name of the new array inside a zarr group.
    storage_options : dict, optional
        fsspec options for remote URLs.
    region : tuple of slices, optional
        Only with an existing ``zarr.Array``: where in it to write.
    compute, return_stored
        As in :func:`hlq.array._io_store`.
    mode : {"a", "w", "w-", "r+"}
        How to open a store given by path; ``"r"`` is refused.
    **zarr_array_kwargs
        Passed to ``zarr.create_array`` (``shape``, ``chunks``, ``dtype`` default to the array's).

    Returns
    -------
    None, or an Array (see :func:`hlq.array._io_store`).
    """
    import zarr

    if not isinstance(arr, Array):
        raise TypeError(f"to_zarr expects an hlq Array, got {type(arr).__name__}")
    if component is not None and "name" in zarr_array_kwargs:
        raise ValueError("Cannot specify both 'component' and 'name' in zarr_array_kwargs")
    if isinstance(url, zarr.Array):
        z = url
        wchunks = _write_chunks(z)
        shape = z.shape
        if region is not None:
            index = normalize_index(region, z.shape)
            shape = tuple(len(range(*i.indices(n))) for i, n in zip(index, z.shape))
            offsets = [i.indices(n)[0] for i, n in zip(index, z.shape)]
        else:
            offsets = [0] * len(shape)
        if tuple(shape) != tuple(arr.shape):
            raise ValueError(f"to_zarr: array of shape {arr.shape} does not fit the target region of shape {tuple(shape)}")
        # blocks must not share a zarr chunk (concurrent writes would lose data): keep aligned chunks,
        # else rechunk to dask's "auto" size rounded to the write chunks, with boundaries on them
        if not _aligned(arr.chunks, offsets, wchunks):
            ax = next(i for i, (c, off, w) in enumerate(zip(arr.chunks, offsets, wchunks))
                      if not _aligned((c,), (off,), (w,)))
            warnings.warn(
                f"The input Dask array will be rechunked along axis {ax}: its blocks straddle the zarr write "
                f"chunks of size {wchunks[ax]} (concurrent writes to one zarr chunk would lose data). Rechunk "
                "to multiples of the zarr chunks (aligned with the region) to avoid this.",
                PerformanceWarning, stacklevel=2)

            auto = normalize_chunks("auto", shape=tuple(z.shape), dtype=z.dtype, previous_chunks=wchunks)
            sizes = []
            for n, off, w, a in zip(shape, offsets, wchunks, auto):
                m = max(w, (a[0] // w) * w) if a and a[0] else w
                first = min(n, m - off % m)
                rest = n - first
                sizes.append(((first,) if first else ()) + (m,) * (rest // m) + ((rest % m,) if rest % m else ())
                             or (0,))
            arr = arr.rechunk(tuple(sizes))
        return store(arr, z, lock=False, regions=region, compute=compute, return_stored=return_stored)
    if region is not None:
        raise ValueError("Cannot use `region` keyword when url is not a `zarr.Array`.")
    if mode == "r":
        raise ValueError("Cannot use mode `r` (read-only) when writing to zarr.")
    if any(isinstance(s, float) and np.isnan(s) for s in arr.shape):
        raise ValueError(unknown_chunks_message(head="Saving an array with unknown chunk sizes is not supported by "
                                                     "Zarr."))
    if not _regular(arr.chunks):
        warnings.warn(
            "The array uses irregular chunk sizes. Rechunking to regular (uniform) chunks to ensure the data "
            "can be written safely.", UserWarning, stacklevel=2)
        arr = arr.rechunk(tuple(max(c) for c in arr.chunks))
    if isinstance(url, os.PathLike):
        url = os.fspath(url)
    if isinstance(url, str) and storage_options is None:
        store_obj = zarr.storage.LocalStore(url, read_only=False) if "://" not in url else url
    else:
        store_obj = _open_store(url, storage_options, mode)
    kw = dict(zarr_array_kwargs)
    kw.setdefault("shape", arr.shape)
    kw.setdefault("chunks", tuple(max(c[0], 1) for c in arr.chunks))
    kw.setdefault("dtype", arr.dtype)
    name = component or kw.pop("name", None)
    if mode == "w":
        kw["overwrite"] = True
    elif mode == "w-":
        kw["overwrite"] = False
    z = zarr.create_array(store=store_obj, name=name, **kw) if name else zarr.create_array(store=store_obj, **kw)
    wchunks = _write_chunks(z)
    if not _aligned(arr.chunks, [0] * arr.ndim, wchunks):
        # shards (or chunks given by the caller) larger than the blocks: one block per shard region,
        # never two blocks writing the same shard
        sizes = []
        for n, w, c in zip(arr.shape, wchunks, arr.chunks):
            m = max(w, (max(c) // w) * w)
            sizes.append((m,) * (n // m) + ((n % m,) if n % m else ()) or (0,))
        arr = arr.rechunk(tuple(sizes))
    return store(arr, z, lock=False, compute=compute, return_stored=return_stored)
