"""Hypothesis strategies for differential tests of ``hlq.array`` against numpy.

>>> from hypothesis import given
>>> @given(shapes())
... def test(shape): ...

* :func:`shapes` -- 0-3 dimensions, sizes 0..12, size-1 dimensions favoured;
* :func:`chunkings` -- a valid chunk specification for a shape: an int, a tuple
  of ints (possibly -1), or explicit (irregular) per-dimension tuples such as
  ``((2, 3, 1), (4,))``;
* :func:`basic_indices` -- numpy basic indices for a shape: ints (negative too),
  slices (negative / None / out-of-range bounds, positive and negative steps),
  ``Ellipsis`` and ``None``;
* :func:`broadcastable_shapes` -- a list of shapes that broadcast together;
* :func:`block_indices` -- indices for ``x.blocks[...]`` (ints, contiguous slices).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

MAX_SIDE = 12
MAX_DIMS = 3

# sizes 0..12, with 1 (and 0) drawn more often than uniform
side_sizes = st.one_of(
    st.just(1),
    st.integers(min_value=0, max_value=MAX_SIDE),
    st.integers(min_value=2, max_value=MAX_SIDE),
)


def shapes(min_dims=0, max_dims=MAX_DIMS, min_side=0, max_side=MAX_SIDE):
    """Shapes with ``min_dims..max_dims`` dimensions of size ``min_side..max_side``."""
    if min_side <= 1 <= max_side:
        side = st.one_of(st.just(1), st.integers(min_side, max_side), st.integers(max(min_side, 2), max_side))
    else:
        side = st.integers(min_side, max_side)
    return st.lists(side, min_size=min_dims, max_size=max_dims).map(tuple)


@st.composite
def explicit_chunks_1d(draw, n):
    """An explicit tuple of positive block sizes summing to ``n`` (``(0,)`` for ``n == 0``)."""
    if n == 0:
        return (0,)
    # choose cut points in 1..n-1
    cuts = draw(st.lists(st.integers(1, n - 1), max_size=min(n - 1, 6), unique=True)) if n > 1 else []
    bounds = [0, *sorted(cuts), n]
    return tuple(b - a for a, b in zip(bounds[:-1], bounds[1:]))


@st.composite
def chunk_sizes_1d(draw, n):
    """One dimension's chunk spec: an int in ``1..max(n, 1)``, ``-1`` or explicit sizes."""
    kind = draw(st.sampled_from(["int", "int", "explicit", "explicit", "full"]))
    if kind == "int":
        return draw(st.integers(1, max(n, 1)))
    if kind == "full":
        return -1
    return draw(explicit_chunks_1d(n))


@st.composite
def chunkings(draw, shape):
    """A chunk specification valid for ``shape``.

    One of: a single int (all dimensions), a tuple with one int or one
    explicit sizes tuple per dimension (mixed), or fully explicit chunks.
    """
    shape = tuple(shape)
    kind = draw(st.sampled_from(["scalar", "mixed", "explicit", "explicit"]))
    if kind == "scalar":
        return draw(st.integers(1, max([1, *shape])))
    if kind == "explicit":
        return tuple(draw(explicit_chunks_1d(n)) for n in shape)
    return tuple(draw(chunk_sizes_1d(n)) for n in shape)


def normalized_chunks(chunks, shape):
    """What dask makes of ``chunks`` for ``shape`` (tuple of tuples)."""
    from dask.array.core import normalize_chunks

    return normalize_chunks(chunks, tuple(shape), dtype=np.float64)


@st.composite
def slices_1d(draw, n):
    """A slice for a dimension of size ``n``: bounds may be negative, None or out of range."""
    bound = st.one_of(st.none(), st.integers(-n - 3, n + 3))
    start = draw(bound)
    stop = draw(bound)
    step = draw(st.sampled_from([None, None, 1, 2, 3, 5, -1, -1, -2, -3]))
    return slice(start, stop, step)


@st.composite
def index_entry(draw, n):
    """One index entry for a dimension of size ``n``: an int (if ``n > 0``) or a slice."""
    if n > 0 and draw(st.integers(0, 3)) == 0:
        return draw(st.integers(-n, n - 1))
    return draw(slices_1d(n))


@st.composite
def basic_indices(draw, shape, allow_none=True, allow_ellipsis=True, allow_scalar=True):
    """A numpy basic index for ``shape`` (ints, slices, ``Ellipsis``, ``None``).

    Indexes a prefix of the dimensions (the rest are implicitly full), may
    replace a run of dimensions by ``...`` and insert ``None`` anywhere. If
    the index has one entry it is sometimes returned bare (not in a tuple).
    """
    shape = tuple(shape)
    ndim = len(shape)
    n_indexed = draw(st.integers(0, ndim))
    entries = [draw(index_entry(shape[d])) for d in range(n_indexed)]
    if allow_ellipsis and draw(st.booleans()):
        # Ellipsis stands for dimensions [pos, pos + k); entries after it index the trailing dims
        k = draw(st.integers(0, ndim))
        pos = draw(st.integers(0, ndim - k))
        before = [draw(index_entry(shape[d])) for d in range(pos)]
        after = [draw(index_entry(shape[d])) for d in range(pos + k, ndim)]
        # optionally drop trailing entries of `after`? No: after Ellipsis they index the last dims exactly
        entries = [*before, Ellipsis, *after]
    if allow_none:
        n_none = draw(st.integers(0, 2))
        for _ in range(n_none):
            at = draw(st.integers(0, len(entries)))
            entries.insert(at, None)
    if allow_scalar and len(entries) == 1 and draw(st.booleans()):
        return entries[0]
    return tuple(entries)


def indexed_shape(shape, index):
    """The shape numpy gives ``np.empty(shape)[index]``."""
    return np.empty(tuple(shape), dtype=np.int8)[index].shape


@st.composite
def broadcastable_shapes(draw, n=2, min_dims=0, max_dims=MAX_DIMS, max_side=MAX_SIDE):
    """A list of ``n`` shapes that broadcast together (dropped leading dims, dims set to 1)."""
    base = draw(shapes(min_dims=min_dims, max_dims=max_dims, max_side=max_side))
    out = []
    for _ in range(n):
        drop = draw(st.integers(0, len(base)))
        s = list(base[drop:])
        for j in range(len(s)):
            if draw(st.integers(0, 3)) == 0:
                s[j] = 1
        out.append(tuple(s))
    return out


@st.composite
def block_indices(draw, numblocks):
    """An index for ``x.blocks``: per dimension an int (negative too) or a contiguous slice."""
    entries = []
    n_indexed = draw(st.integers(0, len(numblocks)))
    for nb in numblocks[:n_indexed]:
        if nb > 0 and draw(st.booleans()):
            entries.append(draw(st.integers(-nb, nb - 1)))
        else:
            b = st.one_of(st.none(), st.integers(-nb - 1, nb + 1))
            entries.append(slice(draw(b), draw(b), draw(st.sampled_from([None, 1]))))
    if len(entries) == 1 and draw(st.booleans()):
        return entries[0]
    return tuple(entries)


def block_index_to_slices(index, chunks):
    """The element-space index equivalent to ``x.blocks[index]`` for ``chunks``."""
    if not isinstance(index, tuple):
        index = (index,)
    out = []
    for e, c in zip(index, chunks):
        bounds = np.concatenate([[0], np.cumsum(c)]).astype(int)
        nb = len(c)
        if isinstance(e, slice):
            r = range(*e.indices(nb))
            if len(r) == 0:
                out.append(slice(0, 0))
            else:
                out.append(slice(int(bounds[r[0]]), int(bounds[r[-1] + 1])))
        else:
            i = e + nb if e < 0 else e
            out.append(slice(int(bounds[i]), int(bounds[i + 1])))
    return tuple(out)


# dtypes used by the differential tests
float_dtypes = st.sampled_from([np.float64, np.float32])
cast_dtypes = st.sampled_from([np.float64, np.float32, np.int64, np.int32, np.int8, np.uint8, np.bool_, np.complex128])


# ------------------------------------------------------------------ expression fuzzing
# Random expressions for the differential fuzzer (tests/test_array_differential.py::test_fuzz_*):
# a source (random dtype, values with NaN/inf, random chunks, possibly unknown (nan) chunks
# from boolean indexing with an hlq mask) followed by a few operations drawn from every op
# family.  Each operation is applied to the hlq array and to the numpy array side by side.

FUZZ_DTYPES = ["float64", "float32", "int64", "int32", "uint8", "bool", "complex128"]


def fuzz_values(rng, shape, dtype):
    """Values of ``dtype`` for ``shape``: small integers, or floats/complexes with some NaN,
    +-inf and zeros."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        lo = 0 if dtype.kind == "u" else -5
        return rng.integers(lo, 6, size=shape).astype(dtype)
    a = np.round(rng.standard_normal(shape) * 3, 2)
    if dtype.kind == "c":
        a = a + 1j * np.round(rng.standard_normal(shape) * 3, 2)
    a = a.astype(dtype)
    if a.size:
        flat = a.reshape(-1)
        for special, p in ((np.nan, 0.08), (np.inf, 0.03), (-np.inf, 0.03), (0.0, 0.05)):
            flat[rng.random(flat.size) < p] = special
    return a


@st.composite
def fuzz_sources(draw, max_side=7):
    """``(make, a, text)``: ``make()`` builds the hlq source array equal to numpy's ``a``;
    ``text`` is Python code building it (for failure reports)."""
    import hlq.array as da

    dtype = draw(st.sampled_from(FUZZ_DTYPES), label="dtype")
    shape = draw(shapes(max_dims=3, max_side=max_side), label="shape")
    seed = draw(st.integers(0, 2**16), label="seed")
    a = fuzz_values(np.random.default_rng(seed), shape, dtype)
    chunks = draw(chunkings(shape), label="chunks")
    unknown = len(shape) >= 1 and draw(st.integers(0, 3), label="unknown") == 0
    text = (f"a = fuzz_values(np.random.default_rng({seed}), {shape!r}, {dtype!r})\n"
            f"x = da.from_array(a, chunks={chunks!r})")
    if not unknown:
        return (lambda: da.from_array(a, chunks=chunks)), a, text
    keep = np.random.default_rng(seed + 1).random(shape[0]) < 0.7
    text += f"\nkeep = np.random.default_rng({seed + 1}).random({shape[0]}) < 0.7\n" \
            "x = x[da.from_array(keep, chunks=(x.chunks[0],))]  # unknown (nan) chunks on axis 0\na = a[keep]"

    def make():
        x = da.from_array(a_full, chunks=chunks)
        return x[da.from_array(keep, chunks=(x.chunks[0],))]

    a_full = a
    return make, a[keep], text


def known(x):
    """Whether every chunk size of ``x`` is known."""
    return not any(np.isnan(c) for cs in x.chunks for c in cs)
