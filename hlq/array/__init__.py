"""``hlq.array``: a drop-in for ``dask.array`` backed by an optimizing expression plan.

>>> import hlq.array as da
>>> x = da.ones((1000, 1000), chunks=(100, 100))
>>> y = (x + x.T)[:250, :250].sum()
>>> float(y.compute())
125000.0

The namespace is the union of the ``__all__`` lists of the topic modules
below (each private module names exactly what it contributes), plus the
public submodules ``fft``, ``linalg``, ``random``, ``ma``, ``lib``,
``overlap``, ``reductions``, ``core`` (like ``dask.array``'s), ``utils``, and
``nodes``/``rules`` for extension authors.
"""

from hlq.array import rules  # noqa: F401  (registers the array rules)
from hlq.array import nodes  # noqa: F401
from hlq.array import core, fft, lib, linalg, ma, overlap, random, reductions
from hlq.array import (
    _apply, _block_ops, _blockwise, _constants, _core, _counting, _creation, _differences, _editing, _einsum,
    _elementwise, _gufunc, _histogramdd, _index_tricks, _indexing_boolean, _indexing_fancy, _io_delayed,
    _io_hdf5, _io_npy, _io_store, _io_zarr, _linalg_ops, _manipulation, _pad, _percentile, _reshape_blockwise,
    _setops, _statistics, _ufunc,
)
from hlq.array._apply import *  # noqa: F401,F403
from hlq.array._block_ops import *  # noqa: F401,F403
from hlq.array._blockwise import *  # noqa: F401,F403
from hlq.array._constants import *  # noqa: F401,F403
from hlq.array._core import *  # noqa: F401,F403
from hlq.array._counting import *  # noqa: F401,F403
from hlq.array._creation import *  # noqa: F401,F403
from hlq.array._differences import *  # noqa: F401,F403
from hlq.array._editing import *  # noqa: F401,F403
from hlq.array._einsum import *  # noqa: F401,F403
from hlq.array._elementwise import *  # noqa: F401,F403
from hlq.array._gufunc import *  # noqa: F401,F403
from hlq.array._histogramdd import *  # noqa: F401,F403
from hlq.array._index_tricks import *  # noqa: F401,F403
from hlq.array._indexing_boolean import *  # noqa: F401,F403
from hlq.array._indexing_fancy import *  # noqa: F401,F403
from hlq.array._io_delayed import *  # noqa: F401,F403
from hlq.array._io_hdf5 import *  # noqa: F401,F403
from hlq.array._io_npy import *  # noqa: F401,F403
from hlq.array._io_store import *  # noqa: F401,F403
from hlq.array._io_zarr import *  # noqa: F401,F403
from hlq.array._linalg_ops import *  # noqa: F401,F403
from hlq.array._manipulation import *  # noqa: F401,F403
from hlq.array._pad import *  # noqa: F401,F403
from hlq.array._percentile import *  # noqa: F401,F403
from hlq.array._reshape_blockwise import *  # noqa: F401,F403
from hlq.array._setops import *  # noqa: F401,F403
from hlq.array._statistics import *  # noqa: F401,F403
from hlq.array._ufunc import *  # noqa: F401,F403
from hlq.array.overlap import map_overlap
from hlq.array.reductions import (
    all, any, argmax, argmin, argtopk, coarsen, count_nonzero, cumprod, cumsum, max, mean, min, nanargmax,
    nanargmin, nancumprod, nancumsum, nanmax, nanmean, nanmin, nanprod, nanstd, nansum, nanvar, prod, ptp,
    reduction, std, sum, topk, var,
)

_TOPIC_MODULES = (
    _apply, _block_ops, _blockwise, _constants, _core, _counting, _creation, _differences, _editing, _einsum,
    _elementwise, _gufunc, _histogramdd, _index_tricks, _indexing_boolean, _indexing_fancy, _io_delayed,
    _io_hdf5, _io_npy, _io_store, _io_zarr, _linalg_ops, _manipulation, _pad, _percentile, _reshape_blockwise,
    _setops, _statistics, _ufunc,
)
_REDUCTIONS = [n for n in reductions.__all__ if n not in ("cumreduction", "numel", "nannumel")]

__all__ = [
    "fft", "lib", "linalg", "ma", "overlap", "random", "reductions", "map_overlap",
    *_REDUCTIONS, *(n for m in _TOPIC_MODULES for n in m.__all__),
]
