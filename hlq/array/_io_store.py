"""``store``: write hlq arrays block by block into array-likes supporting ``target[index] = block``.

Each write is fused into the task computing its block and runs on a real dask
scheduler (``scheduler=``/``num_workers=`` go to ``dask.compute``).

>>> import numpy as np
>>> import hlq.array as da
>>> target = np.zeros((4, 4))
>>> da.store(da.ones((4, 4), chunks=2) + 1, target)
>>> float(target.sum())
32.0
"""

from __future__ import annotations

import dask
import numpy as np
from dask.utils import SerializableLock

from hlq.array._core import Array
from hlq.array.nodes.io import DelayedValue, LoadBlocks, StoreBlocks
from hlq.lower.protocol import DelayedRef

__all__ = ["store"]


def _normalize_region(region, ndim):
    if region is None:
        return None
    if not isinstance(region, tuple):
        region = (region,)
    return tuple(r if not isinstance(r, np.ndarray) else r.tolist() for r in region)


def store(sources, targets, lock=True, regions=None, compute=True, return_stored=False, load_stored=None,
          **kwargs):
    """Store hlq arrays into array-likes (``dask.array.store``).

    Parameters
    ----------
    sources : Array or list of Array
    targets : array-like or list of array-likes
        Objects supporting ``target[index] = block`` (numpy arrays, zarr or
        h5py arrays, ...), or dask Delayed objects computing them, one per source.
    lock : bool or Lock
        ``True``: one new lock shared by these writes; ``False``: none; or a
        lock object used around every write (and read-back).
    regions : tuple of slices or list of them, optional
        Where in each target the source goes: ``target[region] = source``.
    compute : bool
        Write now (and return ``None``), or return lazy arrays whose
        computation performs the writes (computing them gives empty arrays).
    return_stored : bool
        Return arrays of the stored values (read back from the targets).
    load_stored : bool, optional
        With ``compute=False``: whether the returned arrays read the stored
        values back (default ``return_stored``) or return the targets.
    **kwargs
        Passed to ``dask.compute``/``dask.persist`` (``scheduler``, ``num_workers``...).

    Returns
    -------
    None, an Array, or a tuple of Arrays
        ``None`` when ``compute=True`` and not ``return_stored``; otherwise
        one Array per source (a single Array for a single source).
    """
    if isinstance(sources, Array):
        sources = [sources]
        targets = [targets]
    sources = list(sources)
    if any(not isinstance(s, Array) for s in sources):
        raise ValueError("All sources must be hlq.array Array objects")
    targets = list(targets)
    if len(sources) != len(targets):
        raise ValueError(f"Different number of sources [{len(sources)}] and targets [{len(targets)}]")
    if regions is None or isinstance(regions, tuple):
        regions = [regions] * len(sources)
    else:
        regions = list(regions)
        if len(regions) != len(sources):
            raise ValueError(
                f"Different number of sources [{len(sources)}] and targets [{len(targets)}] than regions "
                f"[{len(regions)}]"
            )
    from dask.delayed import Delayed

    lazy = [i for i, t in enumerate(targets) if isinstance(t, Delayed)]
    if lazy and compute and return_stored:
        # the stored values are read back later: compute the targets once and use the objects
        values = dask.compute(*(targets[i] for i in lazy), **kwargs)
        for i, v in zip(lazy, values):
            targets[i] = v
    for i, t in enumerate(targets):
        if isinstance(t, Delayed):  # computed in the graph, before the writes that need it
            targets[i] = DelayedValue(DelayedRef(t))
        elif hasattr(t, "__dask_graph__"):
            raise NotImplementedError("store: lazy targets other than dask Delayed are not supported by hlq.array")
        elif not hasattr(t, "__setitem__"):
            raise TypeError(f"store: target of type {type(t).__name__} does not support item assignment")
    regions = [_normalize_region(r, s.ndim) for r, s in zip(regions, sources)]
    if lock is True:
        lock = SerializableLock()
    lock = lock or False
    if load_stored is None:
        load_stored = return_stored and not compute
    if compute:
        mode = "none"
    else:
        mode = ("load" if load_stored else "target") if return_stored else "none"
    arrays = [Array(StoreBlocks(s._node, t, r, lock, mode)) for s, t, r in zip(sources, targets, regions)]
    if compute:
        dask.compute(*arrays, **kwargs)
        if not return_stored:
            return None
        loads = [Array(LoadBlocks(s._node.dims, s.dtype, t, r, lock)) for s, t, r in zip(sources, targets, regions)]
        arrays = list(dask.persist(*loads, **kwargs))
    if len(arrays) == 1:
        return arrays[0]
    return tuple(arrays)
