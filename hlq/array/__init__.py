"""``hlq.array``: a drop-in for ``dask.array`` backed by an optimizing expression plan.

>>> import hlq.array as da
>>> x = da.ones((1000, 1000), chunks=(100, 100))
>>> y = (x + x.T)[:250, :250].sum()
>>> float(y.compute())
125000.0
"""

from hlq.array import rules as _rules  # noqa: F401  (registers the array rules)
from hlq.array import random
from hlq.array import fft, lib, linalg, overlap
from hlq.array.overlap import map_overlap
from hlq.array._einsum import einsum
from hlq.array._counting import digitize, histogram, isin, searchsorted
from hlq.array._differences import *  # noqa: F401,F403
from hlq.array._differences import __all__ as _routines2_all
from hlq.array._percentile import median, nanmedian, nanpercentile, nanquantile, percentile, quantile
from hlq.array._core import Array, asarray, elemwise, from_array, rechunk
from hlq.array._creation import (
    arange, empty, empty_like, eye, full, full_like, linspace, ones, ones_like, zeros, zeros_like,
)
from hlq.array._blockwise import (
    all, any, argmax, argmin, blockwise, clip, map_blocks, max, mean, min, moveaxis, nanargmax, nanargmin,
    nanmax, nanmean, nanmin, nanprod, nanstd, nansum, nanvar, prod, std, sum, swapaxes, transpose, var, where,
    around, ndim, round, shape, size,
)
from hlq.array._ufunc import *  # noqa: F401,F403
from hlq.array._manipulation import *  # noqa: F401,F403
from hlq.array._manipulation import __all__ as _manip_all
from hlq.array._linalg_ops import *  # noqa: F401,F403
from hlq.array._linalg_ops import __all__ as _linalg_all
from hlq.array._numeric import *  # noqa: F401,F403
from hlq.array._numeric import __all__ as _numeric_all
from hlq.array._ufunc import __all__ as _ufunc_all

asanyarray = asarray
array = asarray

# --- issue 3 part C: IO, masked arrays, gufuncs ---
from hlq.array._io_store import store
from hlq.array._io_delayed import from_delayed
from hlq.array._io_zarr import from_zarr, to_zarr
from hlq.array._io_npy import from_npy_stack, to_npy_stack
from hlq.array._io_hdf5 import to_hdf5
from hlq.array import ma
from hlq.array._gufunc import apply_gufunc, as_gufunc, gufunc
_part_c_all = ["ma", "apply_gufunc", "as_gufunc", "gufunc", "store", "from_delayed", "from_zarr", "to_zarr", "from_npy_stack", "to_npy_stack", "to_hdf5"]


__all__ = [
    "Array", "asarray", "asanyarray", "array", "elemwise", "from_array", "rechunk", "random", "fft", "lib", "linalg", "overlap", "map_overlap", "einsum", "digitize", "histogram", "isin", "searchsorted",
    "median", "nanmedian", "nanpercentile", "nanquantile", "percentile", "quantile",
    "arange", "empty", "empty_like", "eye", "full", "full_like", "linspace", "ones", "ones_like", "zeros",
    "zeros_like", "all", "any", "argmax", "argmin", "blockwise", "clip", "map_blocks", "max", "mean", "min",
    "moveaxis", "nanargmax", "nanargmin", "nanmax", "nanmean", "nanmin", "nanprod", "nanstd", "nansum", "nanvar",
    "prod", "std", "sum", "swapaxes", "transpose", "var", "where", "around", "ndim", "round", "shape", "size",
    *_ufunc_all, *_routines2_all, *_manip_all, *_linalg_all, *_numeric_all,
    *_part_c_all,
]
__all__.remove("getitem_fancy")

# --- issue 3 part A: plain routines, constants, dtype aliases (compat suite) ---
from hlq.array import _elementwise as _mathfuncs, _index_tricks, _editing
from hlq.array import _statistics, _block_ops, _constants
from hlq.array._elementwise import *  # noqa: F401,F403
from hlq.array._index_tricks import *  # noqa: F401,F403
from hlq.array._editing import *  # noqa: F401,F403
from hlq.array._statistics import *  # noqa: F401,F403
from hlq.array._block_ops import *  # noqa: F401,F403
from hlq.array._constants import *  # noqa: F401,F403
from hlq.array import reductions
from hlq.array.reductions import reduction
from hlq.array._core import array  # asarray plus ndmin=, like dask.array.array
from hlq.array._reshape_blockwise import reshape_blockwise
__all__ += ["reshape_blockwise"]
__all__ += [*_mathfuncs.__all__, *_index_tricks.__all__, *_editing.__all__, *_statistics.__all__,
            *_block_ops.__all__, *_constants.__all__, "reductions", "reduction"]

# --- issue 3 part B: unknown (nan) chunks, data-dependent and fancy indexing ---
from hlq.array._indexing_fancy import concatenate, shuffle, take
from hlq.array._indexing_boolean import argwhere, compress, extract, flatnonzero, nonzero
from hlq.array._setops import bincount, union1d, unique
from hlq.array._histogramdd import histogram2d, histogramdd
__all__ += ["shuffle", "argwhere", "compress", "extract", "flatnonzero", "nonzero", "bincount", "union1d", "unique",
            "histogram2d", "histogramdd"]
