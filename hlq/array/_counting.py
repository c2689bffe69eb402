"""Binning and membership: ``histogram`` (explicit bins or bins + range), ``digitize``, ``searchsorted``, ``isin``.

All have known output shapes.  ``histogram`` counts each block in its own
task (one row of counts per block) and sums the rows with a tree
reduction; ``searchsorted`` puts the sorted array in one chunk and maps
over the blocks of ``v``; ``isin`` with an hlq array of test elements
puts them in one chunk (one task concatenates them when their chunk sizes
are unknown).  ``unique``, ``bincount`` and ``nonzero`` are in
:mod:`hlq.array._setops` and :mod:`hlq.array._indexing_boolean`.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.array([0.5, 1.5, 1.7, 2.5, 9.0]), chunks=2)
>>> h, edges = da.histogram(x, bins=[0, 1, 2, 3])
>>> h.compute().tolist(), edges.tolist()
([1, 2, 1], [0, 1, 2, 3])
"""

from __future__ import annotations

import numbers

import numpy as np

from hlq.array._chunks import Dim
from hlq.array._core import Array, asarray, elemwise, implements
from hlq.array.nodes import MapBlocks
from hlq.array.nodes.gather import GatherBlocks

__all__ = ["histogram", "digitize", "searchsorted", "isin"]

_range = range  # ``histogram`` has a parameter named ``range``


class _BlockHist:
    """Counts of one (flattened) block as a ``(1, nbins)`` row."""

    __name__ = "histogram-block"

    def __init__(self, bins, range_):
        self.bins, self.range = bins, range_

    def __call__(self, block, weights=None):
        w = None if weights is None else weights.ravel()
        counts, _ = np.histogram(block.ravel(), bins=self.bins, range=self.range, weights=w)
        return counts[np.newaxis]

    def __reduce__(self):
        return (_BlockHist, (self.bins, self.range))

    def __dask_tokenize__(self):
        return ("hlq-hist", np.asarray(self.bins).tolist(), self.range)


def histogram(a, bins=None, range=None, normed=False, weights=None, density=None):
    """``numpy.histogram`` of an hlq array with explicit bin edges, or a bin count and ``range``."""
    a = asarray(a)
    scalar_bins = isinstance(bins, numbers.Integral) or np.ndim(bins) == 0
    if bins is None or (scalar_bins and range is None):
        raise ValueError(
            "dask.array.histogram requires either specifying bins as an iterable or specifying both a range and "
            "the number of bins"
        )
    if weights is not None:
        weights = asarray(weights)
        if weights.chunks != a.chunks:
            raise ValueError("Input array and weights must have the same chunked structure")
    if normed is not False:
        raise ValueError("The normed= keyword argument has been deprecated. Please use density instead.")
    if range is not None:
        if len(range) != 2:
            raise ValueError(f"range must be a sequence or array of length 2, but got {len(range)} items")
        range = (range[0], range[1])
    if scalar_bins:
        edges = np.histogram_bin_edges(np.empty(0), bins=int(bins), range=range)
    else:
        edges = np.asarray(bins)
        if edges.ndim != 1:
            raise ValueError("`bins` must be 1d, when an array")
        if np.any(edges[:-1] > edges[1:]):
            raise ValueError("`bins` must increase monotonically, when an array")
    nbins = len(edges) - 1
    node = a._node
    ndim = max(a.ndim, 1)
    if a.ndim == 0:
        a = a.reshape((1,))
        node = a._node
        if weights is not None:
            weights = weights.reshape((1,))
    nblocks = a._node.numblocks
    # one row of counts per block: block idx -> row (ravel_multi_index(idx)); expressed as a map of every
    # axis of the input onto the output's first axes of a reshaped grid: we keep the input grid and add
    # a bins axis, then sum over the grid axes.
    dims = tuple(Dim.from_sizes((1,) * n) for n in nblocks) + (Dim.regular(nbins, max(nbins, 1)),)
    ident = tuple(_range(ndim))
    args = (node,) if weights is None else (node, weights._node)
    maps = (ident,) * len(args)
    wdtype = np.histogram(np.zeros(1, dtype=a.dtype), bins=edges,
                          weights=None if weights is None else np.zeros(1, dtype=weights.dtype))[0].dtype
    func = _BlockHist(edges if not scalar_bins else int(bins), range if scalar_bins else None)
    rows = Array(MapBlocks(_Squeeze(func, ndim), args, maps, dims, wdtype, None, False))
    counts = rows.sum(axis=tuple(_range(ndim)), dtype=wdtype)
    if density:
        widths = np.diff(edges)
        return counts / (counts.sum() * widths), edges
    return counts, edges


class _Squeeze:
    """Reshape the ``(1, nbins)`` counts row to the block grid's rank plus the bins axis."""

    __name__ = "histogram-block"

    def __init__(self, func, ndim):
        self.func, self.ndim = func, ndim

    def __call__(self, *blocks):
        row = self.func(*blocks)
        return row.reshape((1,) * self.ndim + (row.shape[-1],))

    def __reduce__(self):
        return (_Squeeze, (self.func, self.ndim))


@implements(np.digitize)
def digitize(a, bins, right=False):
    """Indices of the bins (a 1-d numpy array) each value belongs to (``numpy.digitize``)."""
    bins = np.asarray(bins)
    if bins.ndim != 1:
        raise ValueError("bins must be 1-dimensional")
    dtype = np.digitize(np.zeros(1, dtype=asarray(a).dtype), bins=bins, right=right).dtype
    return elemwise(np.digitize, asarray(a), bins=bins, right=right, dtype=dtype)


class _SearchSorted:
    __name__ = "searchsorted"

    def __init__(self, side):
        self.side = side

    def __call__(self, a, v, sorter=None):
        return np.searchsorted(a, v, side=self.side, sorter=sorter)

    def __reduce__(self):
        return (_SearchSorted, (self.side,))


@implements(np.searchsorted)
def searchsorted(a, v, side="left", sorter=None):
    """Insertion points of ``v`` into the sorted 1-d ``a`` (``a`` in one chunk; ``v``'s chunks kept)."""
    a = asarray(a)
    if a.ndim != 1:
        raise ValueError("Input array a must be one dimensional")
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right' (got {side!r})")
    v = asarray(v)
    a1 = a.rechunk(-1) if a.numblocks[0] > 1 else a
    args = [a1._node, v._node]
    maps = [(("c", 0),), tuple(range(v.ndim))]
    if sorter is not None:
        s = asarray(sorter)
        s = s.rechunk(-1) if s.numblocks[0] > 1 else s
        args.append(s._node)
        maps.append((("c", 0),))
    return Array(MapBlocks(_SearchSorted(side), tuple(args), tuple(maps), v._node.dims, np.dtype(np.intp), None,
                           False))


class _IsIn:
    __name__ = "isin"

    def __init__(self, assume_unique, invert, kind):
        self.assume_unique, self.invert, self.kind = assume_unique, invert, kind

    def __call__(self, element, test):
        return np.isin(element, test, assume_unique=self.assume_unique, invert=self.invert, kind=self.kind)

    def __reduce__(self):
        return (_IsIn, (self.assume_unique, self.invert, self.kind))


def _ravel_concat(*blocks):
    return np.concatenate([np.ravel(b) for b in blocks])


@implements(np.isin)
def isin(element, test_elements, assume_unique=False, invert=False, *, kind=None):
    """Elementwise membership of ``element`` in ``test_elements`` (``numpy.isin``)."""
    element = asarray(element)
    if isinstance(test_elements, Array):
        t = test_elements
        if any(n > 1 for n in t.numblocks) and not all(d.known for d in t._node.dims):
            # unknown chunk sizes cannot be rechunked: one task concatenates the raveled blocks

            t = Array(GatherBlocks(t._node, _ravel_concat, (Dim.unknown(1),), t.dtype))
        t = t.rechunk(-1) if any(n > 1 for n in t.numblocks) else t
        tn = t._node
        maps = (tuple(range(element.ndim)), tuple(("c", 0) for _ in range(t.ndim)))
        return Array(MapBlocks(_IsIn(assume_unique, invert, kind), (element._node, tn), maps, element._node.dims,
                               np.dtype(bool), None, False))
    test = np.asarray(test_elements)
    return elemwise(_IsIn(assume_unique, invert, kind), element, test=test, dtype=bool)
