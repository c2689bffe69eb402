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
from hlq.array.einsum import einsum
from hlq.array.counting import digitize, histogram, isin, searchsorted
from hlq.array.routines2 import *  # noqa: F401,F403
from hlq.array.routines2 import __all__ as _routines2_all
from hlq.array.percentile import median, nanmedian, nanpercentile, nanquantile, percentile, quantile
from hlq.array.core import Array, asarray, elemwise, from_array, rechunk
from hlq.array.creation import (
    arange, empty, empty_like, eye, full, full_like, linspace, ones, ones_like, zeros, zeros_like,
)
from hlq.array.routines import (
    all, any, argmax, argmin, blockwise, clip, map_blocks, max, mean, min, moveaxis, nanargmax, nanargmin,
    nanmax, nanmean, nanmin, nanprod, nanstd, nansum, nanvar, prod, std, sum, swapaxes, transpose, var, where,
    around, ndim, round, shape, size,
)
from hlq.array.ufunc import *  # noqa: F401,F403
from hlq.array.manipulation import *  # noqa: F401,F403
from hlq.array.manipulation import __all__ as _manip_all
from hlq.array.linalg_ops import *  # noqa: F401,F403
from hlq.array.linalg_ops import __all__ as _linalg_all
from hlq.array.numeric import *  # noqa: F401,F403
from hlq.array.numeric import __all__ as _numeric_all
from hlq.array.ufunc import __all__ as _ufunc_all

asanyarray = asarray
array = asarray

# --- issue 3 part C: IO, masked arrays, gufuncs ---
from hlq.array.store import store
from hlq.array.delayed import from_delayed
from hlq.array.io_zarr import from_zarr, to_zarr
from hlq.array.io_npy import from_npy_stack, to_npy_stack
from hlq.array.io_hdf5 import to_hdf5
from hlq.array import ma
from hlq.array.gufunc import apply_gufunc, as_gufunc, gufunc
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
from hlq.array import mathfuncs as _mathfuncs, index_tricks as _index_tricks, editing as _editing
from hlq.array import statistics as _statistics, block_ops as _block_ops, constants as _constants
from hlq.array.mathfuncs import *  # noqa: F401,F403
from hlq.array.index_tricks import *  # noqa: F401,F403
from hlq.array.editing import *  # noqa: F401,F403
from hlq.array.statistics import *  # noqa: F401,F403
from hlq.array.block_ops import *  # noqa: F401,F403
from hlq.array.constants import *  # noqa: F401,F403
from hlq.array import reductions
from hlq.array.reductions import reduction
from hlq.array.core import array  # asarray plus ndmin=, like dask.array.array
from hlq.array.blockwise_reshape import reshape_blockwise
__all__ += ["reshape_blockwise"]
__all__ += [*_mathfuncs.__all__, *_index_tricks.__all__, *_editing.__all__, *_statistics.__all__,
            *_block_ops.__all__, *_constants.__all__, "reductions", "reduction"]

# --- issue 3 part B: unknown (nan) chunks, data-dependent and fancy indexing ---
from hlq.array.fancy import concatenate, shuffle, take
from hlq.array.nonzero import argwhere, compress, extract, flatnonzero, nonzero
from hlq.array.setops import bincount, union1d, unique
from hlq.array.histogramdd import histogram2d, histogramdd
__all__ += ["shuffle", "argwhere", "compress", "extract", "flatnonzero", "nonzero", "bincount", "union1d", "unique",
            "histogram2d", "histogramdd"]
