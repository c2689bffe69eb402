"""Unknown (nan) chunks, data-dependent routines and fancy indexing (issue 3, part B).

Differential tests against numpy (values) and dask.array (chunks, error
types), optimized and with slice pushdown switched off, plus task counts
showing that culling and pushdown still limit the blocks read.
"""

from __future__ import annotations

import math
import warnings

import dask
import dask.array as dsk
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import hlq.array as da
from hlq.array._chunks import Dim

NO_PUSHDOWN = {"hlq.rules.exclude": ["slice-pushdown", "simplify"]}
SETTINGS = settings(max_examples=12, deadline=None)


def same_chunks(a, b):
    """Chunks equal, with nan == nan."""
    ca = tuple(tuple(-1 if v != v else v for v in c) for c in a)
    cb = tuple(tuple(-1 if v != v else v for v in c) for c in b)
    return ca == cb


def check(hx, expected):
    np.testing.assert_array_equal(np.asarray(hx.compute()), expected)
    with dask.config.set(NO_PUSHDOWN):
        np.testing.assert_array_equal(np.asarray(hx.compute()), expected)


@st.composite
def arrays_and_chunks(draw, min_dims=1, max_dims=2):
    nd = draw(st.integers(min_dims, max_dims))
    shape = tuple(draw(st.integers(1, 9)) for _ in range(nd))
    chunks = tuple(draw(st.integers(1, n)) for n in shape)
    seed = draw(st.integers(0, 2 ** 16))
    a = np.random.default_rng(seed).integers(-3, 4, size=shape)
    return a, chunks


# ------------------------------------------------------------------ Dim


def test_dim_unknown_is_hashable_and_compared_by_value():
    import pickle

    u = Dim.unknown(3)
    assert u.nblocks == 3 and not u.known and math.isnan(u.length)
    v = pickle.loads(pickle.dumps(u))
    assert u == v and hash(u) == hash(v)
    assert Dim.from_sizes((0, 2, float("nan"))) != u
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        u.locate(1)


# -------------------------------------------------------- boolean masks


@SETTINGS
@given(arrays_and_chunks())
def test_mask_with_hlq_array_along_first_axis(ac):
    a, chunks = ac
    x = da.from_array(a, chunks=chunks)
    m = a[(slice(None),) + (0,) * (a.ndim - 1)] > 0
    y = x[x[(slice(None),) + (0,) * (a.ndim - 1)] > 0]
    dy = dsk.from_array(a, chunks=chunks)
    dy = dy[dy[(slice(None),) + (0,) * (a.ndim - 1)] > 0]
    assert same_chunks(y.chunks, dy.chunks)
    check(y, a[m])
    check((y * 2 + 1).sum(axis=0), (a[m] * 2 + 1).sum(axis=0))
    check(y.mean(axis=-1) if a.ndim == 2 else y.sum(), a[m].mean(axis=-1) if a.ndim == 2 else a[m].sum())
    if a[m].size:  # min/max skip blocks left empty by the mask (numpy raises on an empty array)
        check(y.max(), a[m].max())
        check(y.min(axis=0), a[m].min(axis=0))
    z = y.compute_chunk_sizes()
    assert z is y and all(not any(math.isnan(c) for c in cs) for cs in y.chunks)
    assert y.shape == a[m].shape
    check(y, a[m])


@SETTINGS
@given(arrays_and_chunks())
def test_full_mask_matches_numpy_and_dask_chunks(ac):
    a, chunks = ac
    x = da.from_array(a, chunks=chunks)
    y = x[x > 0]
    d = dsk.from_array(a, chunks=chunks)
    assert same_chunks(y.chunks, d[d > 0].chunks)
    check(y, a[a > 0])
    # numpy n-d boolean mask: same as dask (unknown chunks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert same_chunks(x[a > 0].chunks, d[a > 0].chunks)
    check(x[a > 0], a[a > 0])


@SETTINGS
@given(arrays_and_chunks(min_dims=1, max_dims=1), st.integers(0, 2 ** 16))
def test_numpy_mask_keeps_known_chunks(ac, seed):
    a, chunks = ac
    m = np.random.default_rng(seed).random(a.shape[0]) > 0.5
    y = da.from_array(a, chunks=chunks)[m]
    assert not any(math.isnan(c) for c in y.chunks[0])
    check(y, a[m])


def test_elementwise_and_masks_on_unknown_chunks():
    a = np.arange(40).reshape(10, 4)
    x = da.from_array(a, chunks=(3, 2))
    y = x[x[:, 0] % 3 == 0]
    check(y[y > 10], a[a[:, 0] % 3 == 0][a[a[:, 0] % 3 == 0] > 10])
    check(y[:, 1:3] - y[:, :2], a[a[:, 0] % 3 == 0][:, 1:3] - a[a[:, 0] % 3 == 0][:, :2])
    check(y[:, 1], a[a[:, 0] % 3 == 0][:, 1])
    check(y[None, :, ::-1], a[a[:, 0] % 3 == 0][None, :, ::-1])
    check(y.T, a[a[:, 0] % 3 == 0].T)
    check(x[:, x[0] > 1], a[:, a[0] > 1])
    # unknown chunks of a 2-d array masked by a 2-d mask: per-block order (dask warns too)
    with pytest.warns(UserWarning, match="unknown chunks"):
        z = y[y > 10]
    np.testing.assert_array_equal(np.sort(z.compute()), np.sort(a[a[:, 0] % 3 == 0][a[a[:, 0] % 3 == 0] > 10]))


# ----------------------------------------------------- errors like dask


def _unknown():
    x = da.arange(20, chunks=5)
    return x, x[x > 7]


@pytest.mark.parametrize("name", [
    "slice", "int", "reverse", "rechunk", "list", "len", "broadcast", "mask-known-vs-unknown",
    "shuffle", "int-array",
])
def test_operations_needing_sizes_raise_like_dask(name):
    x, y = _unknown()
    dx = dsk.arange(20, chunks=5)
    dy = dx[dx > 7]
    ops = {
        "slice": lambda x, y: y[:3],
        "int": lambda x, y: y[3],
        "reverse": lambda x, y: y[::-1],
        "rechunk": lambda x, y: y.rechunk(3),
        "list": lambda x, y: y[[1, 2]],
        "len": lambda x, y: len(y),
        "broadcast": lambda x, y: y + x,
        "mask-known-vs-unknown": lambda x, y: y[x > 3],
        "shuffle": lambda x, y: (dsk if isinstance(y, dsk.Array) else da).shuffle(y, [[0]], axis=0),
        "int-array": lambda x, y: y[(dsk if isinstance(y, dsk.Array) else da).from_array(np.array([1]), chunks=1)],
    }
    with pytest.raises(Exception) as dask_err:
        ops[name](dx, dy)
    with pytest.raises(dask_err.type) as hlq_err:
        ops[name](x, y)
    if dask_err.type is ValueError and "compute_chunk_sizes" in str(dask_err.value):
        assert "compute_chunk_sizes" in str(hlq_err.value)


def test_vindex_on_unknown_chunks_names_compute_chunk_sizes():
    # dask fails here with a numpy casting error (nan % size); hlq says what is missing
    _, y = _unknown()
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        y.vindex[[1]]


@pytest.mark.parametrize("index", [[25], [-21], np.array([3, 20]), [3, -20, 20]])
def test_out_of_range_fancy_indices_raise_at_build_time(index):
    x = da.arange(20, chunks=5)
    with pytest.raises(IndexError):
        x[index]
    with pytest.raises(IndexError):
        x.vindex[index]


def test_other_fancy_index_errors():
    x = da.ones((4, 5), chunks=2)
    with pytest.raises(NotImplementedError):
        x[[1, 2], [3, 4]]
    with pytest.raises(IndexError):
        x[np.array([1.5])]
    with pytest.raises(IndexError):
        x[np.ones(3, bool)]
    with pytest.raises(IndexError):
        x.vindex[[True, False]]
    with pytest.raises(IndexError):
        x.vindex[[1, 2], [1, 2, 3]]
    with pytest.raises(IndexError):
        da.shuffle(da.arange(10, chunks=3), [[1], [10]], axis=0)
    with pytest.raises(ValueError):
        da.shuffle(da.arange(10, chunks=3), [1, 2], axis=0)
    with pytest.raises(NotImplementedError):
        x[da.ones((4, 5), chunks=2).astype(int)]


# ------------------------------------------------- nonzero and friends


@SETTINGS
@given(arrays_and_chunks(min_dims=1, max_dims=3))
def test_argwhere_nonzero_flatnonzero(ac):
    a, chunks = ac
    x = da.from_array(a, chunks=chunks)
    d = dsk.from_array(a, chunks=chunks)
    assert same_chunks(da.argwhere(x).chunks, dsk.argwhere(d).chunks)
    check(da.argwhere(x), np.argwhere(a))
    for h, n in zip(da.nonzero(x), np.nonzero(a)):
        check(h, n)
    for h, n in zip(x.nonzero(), np.nonzero(a)):
        check(h, n)
    check(da.flatnonzero(x), np.flatnonzero(a))
    assert same_chunks(da.flatnonzero(x).chunks, dsk.flatnonzero(d).chunks)


@SETTINGS
@given(arrays_and_chunks(min_dims=1, max_dims=2), st.integers(0, 2 ** 16))
def test_compress_and_extract(ac, seed):
    a, chunks = ac
    rng = np.random.default_rng(seed)
    x = da.from_array(a, chunks=chunks)
    axis = int(rng.integers(0, a.ndim))
    cond = rng.random(int(rng.integers(1, a.shape[axis] + 1))) > 0.4
    check(da.compress(cond, x, axis=axis), np.compress(cond, a, axis=axis))
    assert same_chunks(da.compress(cond, x, axis=axis).chunks,
                       dsk.compress(cond, dsk.from_array(a, chunks=chunks), axis=axis).chunks)
    check(da.compress(cond, x), np.compress(cond, a))
    hcond = da.from_array(a.take(0, axis=1 - axis) > 0 if a.ndim == 2 else a > 0, chunks=chunks[axis])
    check(da.compress(hcond, x, axis=axis), np.compress(np.asarray(hcond), a, axis=axis))
    check(da.extract(a % 2 == 0, x), np.extract(a % 2 == 0, a))
    check(da.extract(x % 2 == 0, x), np.extract(a % 2 == 0, a))


@SETTINGS
@given(arrays_and_chunks(min_dims=1, max_dims=2), st.booleans(), st.booleans(), st.booleans())
def test_unique_matches_numpy(ac, ri, rv, rc):
    a, chunks = ac
    x = da.from_array(a, chunks=chunks)
    got = da.unique(x, return_index=ri, return_inverse=rv, return_counts=rc)
    exp = np.unique(a, return_index=ri, return_inverse=rv, return_counts=rc)
    want = dsk.unique(dsk.from_array(a, chunks=chunks), return_index=ri, return_inverse=rv, return_counts=rc)
    if not isinstance(exp, tuple):
        got, exp, want = (got,), (exp,), (want,)
    assert len(got) == len(exp)
    for g, e, w in zip(got, exp, want):
        assert same_chunks(g.chunks, w.chunks)
        check(g, e)


def test_unique_of_unknown_chunks_and_union1d():
    a = np.array([5, 1, 1, 7, 3, 5, 9, 0, 1])
    x = da.from_array(a, chunks=4)
    check(da.unique(x[x > 0]), np.unique(a[a > 0]))
    check(da.union1d(x, da.from_array(np.array([[2, 11]]), chunks=1)), np.union1d(a, [2, 11]))


@SETTINGS
@given(st.lists(st.integers(0, 12), min_size=1, max_size=30), st.integers(1, 8), st.integers(0, 15), st.booleans())
def test_bincount(values, chunk, minlength, weighted):
    a = np.array(values)
    x = da.from_array(a, chunks=chunk)
    w = a * 0.5 + 1
    hw = da.from_array(w, chunks=chunk) if weighted else None
    got = da.bincount(x, weights=hw, minlength=minlength)
    want = dsk.bincount(dsk.from_array(a, chunks=chunk), weights=dsk.from_array(w, chunks=chunk) if weighted else None,
                        minlength=minlength)
    assert same_chunks(got.chunks, want.chunks)
    check(got, np.bincount(a, weights=w if weighted else None, minlength=minlength))


def test_bincount_errors():
    with pytest.raises(ValueError):
        da.bincount(da.ones((2, 2), chunks=1, dtype=int))
    with pytest.raises(ValueError):
        da.bincount(da.arange(6, chunks=3), weights=da.ones(6, chunks=2))


@SETTINGS
@given(st.integers(1, 40), st.integers(1, 15), st.integers(0, 2 ** 16), st.booleans(), st.booleans())
def test_histogramdd_and_histogram2d(n, chunk, seed, weighted, density):
    rng = np.random.default_rng(seed)
    s = rng.random((n, 3))
    w = rng.random(n) if weighted else None
    hs = da.from_array(s, chunks=(chunk, 3))
    hw = da.from_array(w, chunks=chunk) if weighted else None
    rng3 = [(0, 1)] * 3
    h, edges = da.histogramdd(hs, bins=4, range=rng3, weights=hw, density=density)
    e, eedges = np.histogramdd(s, bins=4, range=rng3, weights=w, density=density)
    np.testing.assert_allclose(h.compute(), e)
    for a, b in zip(edges, eedges):
        np.testing.assert_allclose(np.asarray(a), b)
    dh, _ = dsk.histogramdd(dsk.from_array(s, chunks=(chunk, 3)), bins=4, range=rng3,
                            weights=dsk.from_array(w, chunks=chunk) if weighted else None, density=density)
    assert same_chunks(h.chunks, dh.chunks)
    # a sequence of 1-d arrays and explicit edges
    cols = [da.from_array(s[:, i], chunks=chunk) for i in range(2)]
    bins = [np.array([0, 0.2, 0.7, 1.0]), np.array([0, 0.5, 1.0])]
    h2, xe, ye = da.histogram2d(cols[0], cols[1], bins=bins, weights=hw, density=density)
    e2 = np.histogram2d(s[:, 0], s[:, 1], bins=bins, weights=w, density=density)
    np.testing.assert_allclose(h2.compute(), e2[0])


def test_histogramdd_errors():
    s = da.ones((10, 2), chunks=(5, 1))
    with pytest.raises(ValueError, match="0th axis"):
        da.histogramdd(s, bins=2, range=[(0, 1)] * 2)
    with pytest.raises(ValueError):
        da.histogramdd(da.ones((10, 2), chunks=5), bins=[2, 2, 2], range=[(0, 1)] * 2)
    with pytest.raises(ValueError):
        da.histogramdd(da.ones((10, 2), chunks=5), bins=2, range=[(0, 1)])
    with pytest.raises(ValueError):
        da.histogramdd([da.ones(10, chunks=5), da.ones(10, chunks=2)], bins=2, range=[(0, 1)] * 2)
    with pytest.raises(NotImplementedError):
        da.histogramdd(da.ones((10, 2), chunks=5), bins=da.ones(3), range=[(0, 1)] * 2)


# --------------------------------------------------- integer fancy indexing


@SETTINGS
@given(arrays_and_chunks(min_dims=1, max_dims=2), st.integers(0, 2 ** 16), st.integers(1, 5))
def test_integer_array_indexing(ac, seed, ichunk):
    a, chunks = ac
    rng = np.random.default_rng(seed)
    x = da.from_array(a, chunks=chunks)
    axis = int(rng.integers(0, a.ndim))
    n = a.shape[axis]
    idx = rng.integers(-n, n, size=int(rng.integers(0, 12)))
    sel = (slice(None),) * axis + (idx,)
    check(x[sel], a[sel])
    check(x[(slice(None),) * axis + (list(idx),)], a[sel])
    hidx = da.from_array(idx, chunks=ichunk) if len(idx) else da.from_array(idx.astype(int), chunks=1)
    y = x[(slice(None),) * axis + (hidx,)]
    assert y.chunks[axis] == hidx.chunks[0]
    check(y, a[sel])
    check(da.take(x, hidx, axis=axis), np.take(a, idx, axis=axis))
    # a slice of the result along another axis or along the taken axis
    if a.ndim == 2:
        other = 1 - axis
        sl = (slice(None),) * other + (slice(1, None, 2),)
        check(x[sel][sl], a[sel][sl])
    check(x[sel][(slice(None),) * axis + (slice(None, None, -1),)], a[sel][(slice(None),) * axis + (slice(None, None, -1),)])


def test_zero_dimensional_hlq_integer_index():
    a = np.arange(12).reshape(3, 4)
    x = da.from_array(a, chunks=2)
    check(x[:, da.from_array(np.array(2))], a[:, 2])


def test_out_of_range_hlq_integer_index_raises_when_computed():
    x = da.arange(10, chunks=3)
    y = x[da.from_array(np.array([1, 10]), chunks=1)]
    with pytest.raises(IndexError):
        y.compute()


@SETTINGS
@given(arrays_and_chunks(min_dims=1, max_dims=3), st.integers(0, 2 ** 16))
def test_vindex_matches_numpy_points(ac, seed):
    a, chunks = ac
    rng = np.random.default_rng(seed)
    x = da.from_array(a, chunks=chunks)
    k = int(rng.integers(1, a.ndim + 1))
    axes = sorted(rng.choice(a.ndim, size=k, replace=False).tolist())
    npts = int(rng.integers(1, 8))  # dask fails on zero points
    shape = (npts,) if rng.random() < 0.6 else (2, npts)
    key = []
    for i in range(a.ndim):
        key.append(rng.integers(-a.shape[i], a.shape[i], size=shape) if i in axes else slice(None))
    got = x.vindex[tuple(key)]
    want = dsk.from_array(a, chunks=chunks).vindex[tuple(key)]
    assert same_chunks(got.chunks, want.chunks)
    check(got, want.compute())


@SETTINGS
@given(st.integers(1, 20), st.integers(1, 6), st.integers(0, 2 ** 16))
def test_shuffle_matches_dask(n, chunk, seed):
    rng = np.random.default_rng(seed)
    a = np.arange(n * 3).reshape(n, 3)
    perm = rng.permutation(n)
    cuts = sorted(rng.choice(np.arange(1, n), size=min(n - 1, int(rng.integers(0, 4))), replace=False).tolist()) \
        if n > 1 else []
    groups = [g.tolist() for g in np.split(perm, cuts)]
    got = da.shuffle(da.from_array(a, chunks=chunk), groups, axis=0)
    want = dsk.shuffle(dsk.from_array(a, chunks=chunk), groups, axis=0)
    assert got.chunks == want.chunks
    check(got, want.compute())
    check(da.from_array(a.T, chunks=chunk).shuffle(groups, axis=1), want.compute().T)


def test_partitions_is_blocks():
    x = da.arange(20, chunks=5)
    check(x.partitions[1:3], np.arange(5, 15))
    check(x.blocks[[3, 0]], np.r_[np.arange(15, 20), np.arange(0, 5)])
    with pytest.raises(ValueError, match="single list"):
        da.ones((2, 2), chunks=1).blocks[[0, 1], [0, 1]]
    with pytest.raises(ValueError, match="newaxis"):
        da.ones((2, 2), chunks=1).blocks[None]
    assert x.vindex[:] is x and x.vindex[:20] is x
    with pytest.raises(IndexError):
        x.vindex[1:]


# ------------------------------------------------------ culling, pushdown


class CountingSource:
    """A numpy-backed array-like that records every region read (what ``from_array`` tasks fetch)."""

    def __init__(self, a):
        self.a, self.shape, self.dtype, self.ndim = a, a.shape, a.dtype, a.ndim
        self.reads = []

    def __getitem__(self, idx):
        out = self.a[idx]
        self.reads.append(out.size)
        return out


def test_slice_of_a_take_reads_only_the_blocks_its_positions_touch():
    a = np.arange(1000 * 100, dtype=float).reshape(1000, 100)
    src = CountingSource(a)
    x = da.from_array(src, chunks=10)
    y = x[[5, 500, 901]]
    one = y[:1, :20]
    np.testing.assert_array_equal(one.compute(), a[[5]][:, :20])
    pushed = sum(src.reads)
    # only row block 0 of the first two column blocks (at most 2 blocks of 10 x 10) is read
    assert pushed <= 2 * 10 * 10
    src.reads.clear()
    with dask.config.set(NO_PUSHDOWN):
        np.testing.assert_array_equal(one.compute(), a[[5]][:, :20])
    # without pushdown the first output block of the take reads all three row blocks
    assert sum(src.reads) >= 3 * 2 * 10 * 10 > pushed
    src.reads.clear()
    full = y[:, :20]
    np.testing.assert_array_equal(full.compute(), a[[5, 500, 901]][:, :20])
    assert sum(src.reads) <= 3 * 2 * 10 * 10


def test_culling_on_unknown_chunks_reads_one_block():
    x = da.arange(10_000, chunks=10)
    y = x[x % 7 == 0]
    assert y.numblocks == (1000,)
    part = y.blocks[3]
    assert part.task_count() <= 2
    check(part, np.arange(30, 40)[np.arange(30, 40) % 7 == 0])
    two = y.partitions[[5, 1]]
    assert two.chunks == ((math.nan, math.nan),) or same_chunks(two.chunks, ((np.nan, np.nan),))
    assert two.task_count() <= 4
    check(two, np.r_[np.arange(50, 60), np.arange(10, 20)][np.r_[np.arange(50, 60), np.arange(10, 20)] % 7 == 0])


def test_vindex_reads_only_touched_blocks():
    x = da.ones((1000, 1000), chunks=10) * 3
    v = x.vindex[[1, 999], [2, 998]]
    assert v.task_count() <= 3
    check(v, np.array([3.0, 3.0]))


def test_hlq_int_index_reads_one_block_column():
    x = da.ones((1000, 1000), chunks=100) * 2
    y = x[da.from_array(np.array([3, 950]), chunks=1)][:, :100]
    # 2 index blocks; each output block reads one column block of the 10 row blocks
    assert y.task_count() <= 2 * (10 + 1) + 2
    check(y, np.full((2, 100), 2.0))


def test_where_one_argument_is_nonzero_and_argwhere_of_strings():
    a = np.random.default_rng(0).integers(3, size=(7, 6))
    w = da.where(da.from_array(a, chunks=(3, 4)))
    assert isinstance(w, tuple) and len(w) == 2
    for h, n in zip(w, np.where(a)):
        check(h, n)
    s = np.array(list("Hello world"))
    check(da.argwhere(da.from_array(s, chunks=4)), np.argwhere(s))


def test_declared_unknown_chunks_and_one_block_take():
    a = np.arange(256).reshape(16, 16)
    x = da.from_array(a, chunks=(8, 16))
    x._chunks = ((8, 8), (np.nan,))
    assert same_chunks(x.chunks, ((8, 8), (np.nan,)))
    check(x[:, [0, -1]], a[:, [0, -1]])  # one block of unknown size: numpy indexes it
    y = da.from_array(a, chunks=(8, 8))
    y._chunks = ((8, 8), (np.nan, np.nan))
    with pytest.raises(ValueError, match="Array chunk size or shape is unknown"):
        y[:, [0, -1]]
    check(da.flatnonzero(da.arange(256, chunks=256))[[0, -1]], np.array([1, 255]))


def test_vindex_with_hlq_indexer_on_one_block():
    arr = np.array([0.2, 0.4, 0.6])
    ind = np.array([[0, 2], [1, 1], [2, 0], [0, 0]])
    x = da.from_array(arr, chunks=-1)
    check(x.vindex[da.from_array(ind, chunks=(2, 2))], arr[ind])
    with pytest.raises(IndexError, match="vindex does not support indexing"):
        da.from_array(arr, chunks=1).vindex[da.from_array(ind)]
    with pytest.raises(IndexError, match="vindex does not support indexing"):
        x.vindex[(da.from_array(ind), None)]


def test_concatenate_with_unknown_chunks():
    a = np.arange(20)
    x = da.from_array(a, chunks=5)
    y = x[x > 7]
    c = da.concatenate([y, x])
    assert same_chunks(c.chunks, dsk.concatenate([dsk.arange(20, chunks=5)[dsk.arange(20, chunks=5) > 7],
                                                  dsk.arange(20, chunks=5)]).chunks)
    check(c, np.concatenate([a[a > 7], a]))
    z = da.ones((20, 3), chunks=(5, 2))[x > 7]
    with pytest.raises(ValueError, match="unknown shape"):
        da.concatenate([z, z], axis=1)
    check(da.concatenate([z, z], axis=1, allow_unknown_chunksizes=True), np.ones((12, 6)))


def test_isin_with_unknown_chunks():
    a = np.arange(20)
    x = da.from_array(a, chunks=5)
    y = x[x > 12]
    check(da.isin(x, y), np.isin(a, a[a > 12]))
    check(da.isin(y, [13, 15]), np.isin(a[a > 12], [13, 15]))


def test_rechunk_keeps_unknown_axes_and_rechunks_the_others():
    a = np.arange(24.0).reshape(4, 6)
    x = da.from_array(a, chunks=(2, 3))
    y = x[x[:, 0] > -1]  # unknown (nan) chunks on axis 0
    for spec, second in [((None, 2), (2, 2, 2)), ({1: 2}, (2, 2, 2)), ({1: -1}, (6,)),
                         (((np.nan, np.nan), (3, 3)), (3, 3))]:
        r = y.rechunk(spec)
        assert all(math.isnan(c) for c in r.chunks[0]) and r.chunks[1] == second
        np.testing.assert_array_equal(r.compute(), a)
    with pytest.raises(ValueError, match="Chunks must be unchanging"):
        y.rechunk(((np.nan,) * 3, (3, 3)))
    with pytest.raises(ValueError, match="unknown"):
        y.rechunk((2, 3))
    # nan sizes for a known axis stand for its current chunks
    assert x.rechunk(((np.nan, np.nan), (6,))).chunks == ((2, 2), (6,))


def test_rechunk_auto_respects_block_size_limit():
    x = da.ones(20, chunks=((1, 1, 1, 1, 6, 2, 1, 7),))
    ref = dsk.ones(20, chunks=((1, 1, 1, 1, 6, 2, 1, 7),))
    for limit in (4, 5, 10):
        assert x.rechunk({0: "auto"}, block_size_limit=limit * 8).chunks == \
            ref.rechunk({0: "auto"}, block_size_limit=limit * 8).chunks
    with pytest.raises(TypeError, match="blah"):
        x.rechunk({"blah": 4})


def test_lists_in_elementwise_operations_and_concatenate_with_empty_inputs():
    d = da.arange(12, chunks=6).reshape((4, 3))
    a = np.arange(12).reshape((4, 3))
    np.testing.assert_array_equal((d * [0, 0, 1]).compute(), a * [0, 0, 1])
    np.testing.assert_array_equal(((0, 1, 2) + d).compute(), (0, 1, 2) + a)
    y = da.from_array(np.arange(10.0), chunks=3)
    assert da.concatenate([y, y[:0]]) is y  # (dask gives the non-empty input back)
    assert da.concatenate([da.zeros(0, dtype=float), da.zeros(1, dtype=int)]).dtype == np.float64
