"""``histogramdd`` and ``histogram2d`` (dask's signatures, output chunks and errors).

Each row block of the sample is binned in its own task into a
``(1, nbins_0, ..., nbins_D-1)`` slab; the slabs are summed with the usual
tree reduction.  Bins are explicit edges, or bin counts with a ``range``.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.from_array(np.array([0.1, 0.4, 0.6, 0.9]), chunks=2)
>>> y = da.from_array(np.array([0.2, 0.2, 0.8, 0.8]), chunks=2)
>>> h, xe, ye = da.histogram2d(x, y, bins=2, range=[[0, 1], [0, 1]])
>>> h.compute().tolist()
[[2.0, 0.0], [0.0, 2.0]]
"""

from __future__ import annotations

import numbers

import numpy as np

from hlq.array._chunks import Dim
from hlq.array._core import Array, asarray
from hlq.array.nodes import MapBlocks

__all__ = ["histogramdd", "histogram2d"]

_range = range


class _BlockHistDD:
    """``np.histogramdd`` of one row block as a ``(1, *nbins)`` slab."""

    __name__ = "histogramdd"

    def __init__(self, bins, range_, rect, weighted):
        self.bins, self.range, self.rect, self.weighted = bins, range_, rect, weighted

    def __call__(self, *blocks):
        if self.weighted:
            *blocks, w = blocks
        else:
            w = None
        sample = blocks[0] if self.rect else np.stack([b.ravel() for b in blocks], axis=-1)
        counts, _ = np.histogramdd(sample, bins=self.bins, range=self.range, weights=w)
        return counts[np.newaxis]

    def __reduce__(self):
        return (_BlockHistDD, (self.bins, self.range, self.rect, self.weighted))

    def __dask_tokenize__(self):
        bins = [np.asarray(b).tolist() for b in self.bins] if isinstance(self.bins, (list, tuple)) else self.bins
        return ("hlq-histdd", bins, self.range, self.rect, self.weighted)


def _is_collection(v):
    return isinstance(v, Array) or hasattr(v, "__dask_graph__")


def histogramdd(sample, bins, range=None, normed=None, weights=None, density=None):
    """Multidimensional histogram of a ``(N, D)`` array (chunked along rows only) or of ``D`` 1-d arrays."""
    if normed is None:
        density = bool(density) if density is not None else False
    elif density is None:
        density = normed
    else:
        raise TypeError("Cannot specify both 'normed' and 'density'")
    dc_bins = _is_collection(bins) or (isinstance(bins, (list, tuple)) and any(_is_collection(b) for b in bins))
    dc_range = range is not None and any(_is_collection(r) for r in range)
    if dc_bins or dc_range:
        raise NotImplementedError("Passing dask collections to bins=... or range=... is not supported.")
    if hasattr(sample, "shape"):
        sample = asarray(sample)
        if sample.ndim != 2:
            raise ValueError("Single array input to histogramdd should be columnar")
        D = sample.shape[1]
        n_chunks = sample.numblocks[0]
        rect = True
        if sample.numblocks[1] != 1:
            raise ValueError("Input array can only be chunked along the 0th axis.")
    elif isinstance(sample, (tuple, list)):
        rect = False
        sample = [asarray(s) for s in sample]
        D = len(sample)
        n_chunks = sample[0].numblocks[0]
        for s in sample[1:]:
            if s.chunks != sample[0].chunks:
                raise ValueError("All coordinate arrays must be chunked identically.")
    else:
        raise ValueError("Incompatible sample. Must be a 2D array or a sequence of 1D arrays.")
    if weights is not None:
        weights = asarray(weights)
        if rect and weights.chunks[0] != sample.chunks[0]:
            raise ValueError(
                "Input array and weights must have the same shape and chunk structure along the first dimension.")
        if not rect and weights.numblocks[0] != n_chunks:
            raise ValueError("Input arrays and weights must have the same shape and chunk structure.")
    if isinstance(bins, (list, tuple)) and len(bins) != D:
        raise ValueError("The dimension of bins must be equal to the dimension of the sample.")
    if range is not None:
        if len(range) != D:
            raise ValueError("range argument requires one entry, a min max pair, per dimension.")
        if not all(len(r) == 2 for r in range):
            raise ValueError("range argument should be a sequence of pairs")
        range = tuple((r[0], r[1]) for r in range)
    if isinstance(bins, numbers.Integral):
        bins = (int(bins),) * D
    if all(isinstance(b, numbers.Integral) for b in bins):
        if range is None:
            raise TypeError("histogramdd with bin counts needs range= (a min, max pair per dimension)")
        edges = [np.linspace(r[0], r[1], b + 1) for b, r in zip(bins, range)]
        bins = tuple(int(b) for b in bins)
    else:
        edges = [np.asarray(b) for b in bins]
        bins = tuple(edges)
    if weights is not None:
        dtype = weights.dtype
    else:
        dtype = np.histogramdd(np.empty((0, 1)))[0].dtype
    nodes = [sample._node] if rect else [s._node for s in sample]
    maps = [(0, ("c", 0))] if rect else [(0,) for _ in sample]
    if weights is not None:
        nodes.append(weights._node)
        maps.append((0,))
    first = sample if rect else sample[0]
    dims = (Dim.from_sizes((1,) * first.numblocks[0]),) + tuple(
        Dim.regular(len(e) - 1, max(len(e) - 1, 1)) for e in edges)
    func = _BlockHistDD(bins, range, rect, weights is not None)
    mapped = Array(MapBlocks(func, tuple(nodes), tuple(maps), dims, dtype, None, False))
    n = mapped.sum(axis=0)
    if density:
        width = np.ones(n.shape)
        for i in _range(D):
            shape = [1] * D
            shape[i] = width.shape[i]
            width = width * np.diff(edges[i]).reshape(shape)
        return n / width / n.sum(), edges
    return n, [asarray(e) for e in edges]


def histogram2d(x, y, bins=10, range=None, normed=None, weights=None, density=None):
    """Two-dimensional histogram of ``x`` and ``y`` (``numpy.histogram2d``; returns counts, xedges, yedges)."""
    counts, edges = histogramdd((x, y), bins=bins, range=range, normed=normed, weights=weights, density=density)
    return counts, edges[0], edges[1]
