"""Testing helpers with ``dask.array.utils``' names and semantics, for hlq arrays.

:func:`assert_eq` has dask's signature: it computes both sides, compares
values, dtype and shape, checks that every computed block has the shape the
array declares in ``chunks`` and the declared dtype, but never inspects graph
internals (hlq builds its graph from an optimized plan, so dask's
``HighLevelGraph`` layer checks do not apply).  Pure-numpy helpers
(``allclose``, ``svd_flip``, ``meta_from_array``...) are dask's own.
"""

from __future__ import annotations

import itertools

import dask
import numpy as np
from dask.array.utils import (  # noqa: F401  (numpy-only helpers, re-exported)
    allclose, assert_eq_shape, compute_meta, meta_from_array, normalize_to_array, svd_flip, validate_axis,
)
from dask.array.utils import same_keys as _dask_same_keys
from dask.core import flatten

from hlq.array._core import Array

__all__ = ["assert_eq", "same_keys", "allclose", "assert_eq_shape", "svd_flip", "meta_from_array",
           "compute_meta", "normalize_to_array", "validate_axis", "is_hlq_array"]


def is_hlq_array(x) -> bool:
    """True for an :class:`hlq.array.Array`."""
    return isinstance(x, Array)


def _rebuild(keys, results):
    """Nested key lists -> the same nesting of results."""
    if isinstance(keys, list):
        return [_rebuild(k, results) for k in keys]
    return results[keys]


def _compute_checking_chunks(x, check_chunks, check_ndim, scheduler):
    """Compute ``x`` once; with ``check_chunks`` verify each block against ``x.chunks``."""
    if not check_chunks:
        return x.compute(scheduler=scheduler)
    graph = dict(x.__dask_graph__())
    keys = x.__dask_keys__()
    flat = list(flatten(keys)) if isinstance(keys, list) else [keys]
    get = dask.base.get_scheduler(scheduler=scheduler, collections=[x]) or dask.threaded.get
    values = get(graph, flat)
    results = dict(zip(flat, values))
    chunks = x.chunks
    name = flat[0][0] if flat and isinstance(flat[0], tuple) else None
    for idx in itertools.product(*(range(len(c)) for c in chunks)):
        key = (name,) + idx
        if key not in results:
            break  # output keys named differently: block check not applicable
        block = results[key]
        if not hasattr(block, "dtype"):
            block = np.asarray(block, dtype="O")
        expected = tuple(c[i] for c, i in zip(chunks, idx))
        assert_eq_shape(expected, block.shape, check_ndim=check_ndim, check_nan=False)
        assert block.dtype == x.dtype, f"block {idx} has dtype {block.dtype}, the array declares {x.dtype}"
    func, args = x.__dask_postcompute__()
    return func(_rebuild(keys, results) if isinstance(keys, list) else results[keys], *args)


def _computed(x, check_shape, check_chunks, check_ndim, scheduler):
    """``(computed value, declared dtype, declared ndim or None)`` of one side."""
    if is_hlq_array(x):
        declared = x
        out = _compute_checking_chunks(x, check_chunks, check_ndim, scheduler)
        if hasattr(out, "todense"):
            out = out.todense()
        if not hasattr(out, "dtype"):
            out = np.asarray(out, dtype="O")
        if out.shape and 0 not in out.shape:
            assert out.dtype == declared.dtype, (
                f"computed dtype {out.dtype} differs from the declared dtype {declared.dtype}"
            )
        if check_shape:
            assert_eq_shape(declared.shape, out.shape, check_nan=False)
        return out, declared.dtype, declared.ndim
    if dask.is_dask_collection(x) and hasattr(x, "dtype"):  # a plain dask array on one side
        dt = x.dtype
        out = x.compute(scheduler=scheduler)
        if not hasattr(out, "dtype"):
            out = np.asarray(out, dtype="O")
        return out, dt, x.ndim
    if not hasattr(x, "dtype"):
        x = np.asarray(x, dtype="O")
    return x, getattr(x, "dtype", None), None


def assert_eq(a, b, check_shape=True, check_graph=True, check_meta=True, check_chunks=True, check_ndim=True,
              check_type=True, check_dtype=True, equal_nan=True, scheduler="sync", **kwargs):
    """Assert that two arrays (hlq, dask, numpy or scalars) compute to equal values.

    Parameters
    ----------
    a, b : array-like
        hlq arrays are computed (once each) with ``scheduler``.
    check_shape, check_ndim : bool
        Compare declared and computed shapes.
    check_graph : bool
        Accepted for dask compatibility; hlq graphs are not inspected.
    check_meta : bool
        A computed hlq array must have the number of dimensions it declares.
    check_chunks : bool
        Every computed block must have the shape given by ``chunks`` and the
        declared dtype.
    check_type : bool
        Both computed values must have the same Python type (after ``.item()``
        for 0-d results).
    check_dtype : bool
        The declared dtypes must agree.
    equal_nan : bool
        NaNs compare equal.
    **kwargs
        ``rtol``/``atol`` for :func:`allclose`.

    Returns
    -------
    True

    Examples
    --------
    >>> import numpy as np, hlq.array as da
    >>> assert_eq(da.arange(6, chunks=4) * 2, np.arange(6) * 2)
    True
    """
    if isinstance(a, (list, int, float)):
        a = np.array(a)
    if isinstance(b, (list, int, float)):
        b = np.array(b)
    a, adt, andim = _computed(a, check_shape, check_chunks, check_ndim, scheduler)
    b, bdt, bndim = _computed(b, check_shape, check_chunks, check_ndim, scheduler)
    if check_dtype and str(adt) != str(bdt):
        raise AssertionError(f"a and b have different dtypes: (a: {adt}, b: {bdt})")
    try:
        assert a.shape == b.shape, f"a and b have different shapes (a: {a.shape}, b: {b.shape})"
        if check_type:
            _a = a if a.shape else a.item()
            _b = b if b.shape else b.item()
            assert type(_a) == type(_b), f"a and b have different types (a: {type(_a)}, b: {type(_b)})"
        if check_meta:
            for side, nd, val in (("a", andim, a), ("b", bndim, b)):
                if nd is not None:
                    assert nd == np.ndim(val), (
                        f"compute()-ing '{side}' changes its number of dimensions (before: {nd}, after: {np.ndim(val)})"
                    )
        assert allclose(a, b, equal_nan=equal_nan, **kwargs), (
            "found values in 'a' and 'b' which differ by more than the allowed amount"
        )
        return True
    except TypeError:
        pass
    c = a == b
    if isinstance(c, np.ndarray):
        assert c.all()
    else:
        assert c
    return True


def same_keys(a, b) -> bool:
    """True when two hlq arrays have the same deterministic name (same plan token)."""
    if is_hlq_array(a) and is_hlq_array(b):
        return a.name == b.name and sorted(map(str, flatten(a.__dask_keys__()))) == sorted(
            map(str, flatten(b.__dask_keys__()))
        )

    return _dask_same_keys(a, b)

