"""Task counts of optimized array graphs: culling, slice pushdown and fusion.

``x.task_count()`` is the number of tasks of the final (culled, fused) graph.
Each test also checks that the values are right and unchanged when slice
pushdown or fusion is switched off.
"""

from __future__ import annotations

import threading

import dask
import numpy as np
import pytest

import hlq
import hlq.array as da

NO_PUSHDOWN = {"hlq.rules.exclude": ["slice-pushdown", "simplify"]}
NO_FUSE = {"hlq.fuse": False}

N = 1000
C = 10
NB = (N // C) ** 2  # 10^4 blocks


@pytest.fixture
def x():
    return da.ones((N, N), chunks=C)


def graph_len(a):
    return len(dict(a.__dask_graph__()))


# ------------------------------------------------------------- culling


def test_slice_then_full_reduction_is_small(x):
    # (x + 1)[:10, :10] is one block: one fused block task plus the reduction tail
    y = (x + 1)[:10, :10].sum()
    assert y.task_count() <= 20
    assert y.compute() == 200.0


def test_row_slice_then_reduction_only_touches_the_first_block_row(x):
    # (x + 1)[:10] covers one block row (100 blocks): a tree reduction over those
    # 100 blocks, nowhere near the 10^4 blocks of x
    y = (x + 1)[:10].sum()
    assert y.task_count() <= 100 + 40
    assert y.compute() == 2.0 * 10 * N
    with dask.config.set(NO_PUSHDOWN):
        assert y.compute() == 2.0 * 10 * N


def test_x_plus_xT_sliced_is_one_task_per_output_block(x):
    y = (x + x.T)[:100, :100]
    assert y.numblocks == (10, 10)
    assert y.task_count() == 100
    np.testing.assert_array_equal(y.compute(), np.full((100, 100), 2.0))
    with dask.config.set(NO_PUSHDOWN):
        np.testing.assert_array_equal(y.compute(), np.full((100, 100), 2.0))


def test_rechunk_then_slice_lowers_only_needed_blocks(x):
    y = x.rechunk((20, 20))[:20, :20]
    # one output block, made of 2x2 input blocks
    assert y.task_count() <= 5
    np.testing.assert_array_equal(y.compute(), np.ones((20, 20)))
    with dask.config.set(NO_PUSHDOWN):
        np.testing.assert_array_equal(y.compute(), np.ones((20, 20)))


def test_rechunk_then_unaligned_slice(x):
    y = x.rechunk((30, 7))[5:25, 3:10]
    # needs rows 5..25 (3 blocks of 10) and columns 3..10 (1 block of 10) of x
    assert y.task_count() <= 3 + 2 + 2
    np.testing.assert_array_equal(y.compute(), np.ones((20, 7)))


def test_reduction_axis0_then_slice_touches_only_first_block_column(x):
    y = x.sum(axis=0)[:10]
    # the first block column has 100 blocks; the tree over them adds a few tasks
    assert y.task_count() <= 100 + 20
    np.testing.assert_array_equal(y.compute(), np.full(10, float(N)))
    with dask.config.set(NO_PUSHDOWN):
        np.testing.assert_array_equal(y.compute(), np.full(10, float(N)))


def test_reduction_axis1_then_slice(x):
    y = (2 * x).sum(axis=1)[990:]
    assert y.task_count() <= 100 + 20
    np.testing.assert_array_equal(y.compute(), np.full(10, 2.0 * N))


def test_integer_index_touches_one_block_row(x):
    y = (x * 3)[17]
    assert y.shape == (N,)
    assert y.task_count() == N // C
    np.testing.assert_array_equal(y.compute(), np.full(N, 3.0))


def test_element_access_is_one_task(x):
    y = ((x + 1) * x.T)[123, 456]
    assert y.task_count() == 1
    assert y.compute() == 2.0


def test_full_graph_count_without_slicing(x):
    assert x.task_count() == NB
    assert graph_len(x) == NB


# -------------------------------------------------------------- fusion


def test_elementwise_chain_is_one_task_per_block(x):
    y = (x + 1) * 2 - 3
    assert y.task_count() == NB
    assert graph_len(y) == NB
    with dask.config.set(NO_FUSE):
        # ones, add, mul, sub: one task each per block
        assert y.task_count() == 4 * NB


def test_diamond_is_one_task_per_block(x):
    y = x + 1
    z = y * y + y
    assert z.task_count() == NB
    small = z[:30, :30]
    assert small.task_count() == 9
    np.testing.assert_array_equal(small.compute(), np.full((30, 30), 6.0))


def test_fusion_does_not_change_results():
    a = np.random.default_rng(0).random((60, 40))
    x = da.from_array(a, chunks=(7, 9))
    y = np.sin(x + 1) * x.T.T - x / 3
    expected = np.sin(a + 1) * a - a / 3
    r1 = y.compute()
    with dask.config.set(NO_FUSE):
        r2 = y.compute()
    with dask.config.set(NO_PUSHDOWN):
        r3 = y[5:50:2, ::-3].compute()
    r4 = y[5:50:2, ::-3].compute()
    np.testing.assert_allclose(r1, expected, rtol=1e-12)
    np.testing.assert_allclose(r2, expected, rtol=1e-12)
    np.testing.assert_allclose(r3, expected[5:50:2, ::-3], rtol=1e-12)
    np.testing.assert_allclose(r4, expected[5:50:2, ::-3], rtol=1e-12)


def test_fused_chain_sliced_has_one_task_per_needed_block(x):
    y = ((x + 1) * 2 - 3)[:35, 15:25]
    # rows 0..35 -> 4 block rows; columns 15..25 -> 2 block columns
    assert y.task_count() == 8
    with dask.config.set(NO_FUSE):
        assert y.task_count() == 4 * 8
    np.testing.assert_array_equal(y.compute(), np.ones((35, 10)))


def test_task_count_agrees_with_graph_and_dask_compute(x):
    y = ((x + 1) * 2)[:50, :50]
    assert y.task_count() == graph_len(y) == 25
    (r,) = dask.compute(y)
    np.testing.assert_array_equal(r, np.full((50, 50), 4.0))


def test_optimize_returns_a_collection_with_the_same_values(x):
    y = (x + x.T)[:30, :20].sum(axis=0)
    o = hlq.optimize(y)
    assert isinstance(o, da.Array)
    assert o.shape == y.shape
    assert o.task_count() == y.task_count()
    np.testing.assert_array_equal(o.compute(), y.compute())
    text = hlq.explain(y)
    assert isinstance(text, str) and text


# ------------------------------------------------------------ from_array


class RecordingArray:
    """An array-like that records the regions read through ``__getitem__``."""

    def __init__(self, a):
        self.a = a
        self.shape = a.shape
        self.dtype = a.dtype
        self.ndim = a.ndim
        self.reads = []
        self._lock = threading.Lock()

    def __getitem__(self, key):
        with self._lock:
            self.reads.append(key)
        return self.a[key]

    def mask(self):
        m = np.zeros(self.shape, dtype=np.int64)
        for key in self.reads:
            m[key] += 1
        return m


def _region_mask(shape, index):
    m = np.zeros(shape, dtype=np.int64)
    m[index] = 1
    return m


@pytest.mark.parametrize(
    "index",
    [
        (slice(13, 47), slice(5, 22)),
        (slice(0, 10), slice(0, 10)),
        (slice(95, 100), slice(None)),
        (slice(None), slice(79, 80)),
        (slice(33, 34), slice(40, 61)),
        (slice(-30, -5), slice(-17, None)),
    ],
)
def test_from_array_reads_only_the_slice(index):
    a = np.arange(100 * 80, dtype=np.float64).reshape(100, 80)
    rec = RecordingArray(a)
    x = da.from_array(rec, chunks=(10, 10))
    y = x[index]
    np.testing.assert_array_equal(y.compute(), a[index])
    m = rec.mask()
    # every element under the slice was read exactly once, nothing else was read
    np.testing.assert_array_equal(m, _region_mask(a.shape, index))
    nblocks = y.npartitions
    assert len(rec.reads) == nblocks
    assert y.task_count() <= nblocks + 1


def test_from_array_elementwise_then_slice_reads_only_the_slice():
    a = np.arange(60 * 60, dtype=np.float64).reshape(60, 60)
    rec = RecordingArray(a)
    x = da.from_array(rec, chunks=(8, 12))
    y = (x * 2 + 1)[10:20, 30:41]
    np.testing.assert_array_equal(y.compute(), (a * 2 + 1)[10:20, 30:41])
    np.testing.assert_array_equal(rec.mask(), _region_mask(a.shape, (slice(10, 20), slice(30, 41))))


def test_from_array_transpose_then_slice_reads_only_the_slice():
    a = np.arange(50 * 40, dtype=np.float64).reshape(50, 40)
    rec = RecordingArray(a)
    x = da.from_array(rec, chunks=(7, 6))
    y = x.T[3:9, 20:33]  # = a[20:33, 3:9].T
    np.testing.assert_array_equal(y.compute(), a.T[3:9, 20:33])
    np.testing.assert_array_equal(rec.mask(), _region_mask(a.shape, (slice(20, 33), slice(3, 9))))


def test_from_array_strided_slice_reads_within_the_bounding_box():
    a = np.arange(100 * 80, dtype=np.float64).reshape(100, 80)
    rec = RecordingArray(a)
    x = da.from_array(rec, chunks=(10, 10))
    index = (slice(13, 47, 3), slice(None, None, -7))
    np.testing.assert_array_equal(x[index].compute(), a[index])
    m = rec.mask()
    assert m.max() == 1  # nothing read twice
    needed = _region_mask(a.shape, index).astype(bool)
    assert (m[needed] == 1).all()
    # reads stay within the bounding box of the selected elements
    rows = np.arange(100)[index[0]]
    cols = np.arange(80)[index[1]]
    box = np.zeros(a.shape, bool)
    box[rows.min(): rows.max() + 1, cols.min(): cols.max() + 1] = True
    assert not m[~box].any()


def test_from_array_pushdown_disabled_reads_full_blocks_same_values():
    a = np.arange(100 * 80, dtype=np.float64).reshape(100, 80)
    rec = RecordingArray(a)
    x = da.from_array(rec, chunks=(10, 10))
    y = x[13:47, 5:22]
    with dask.config.set(NO_PUSHDOWN):
        np.testing.assert_array_equal(y.compute(), a[13:47, 5:22])
    # without pushdown still culled: only the blocks under the slice are read
    m = rec.mask()
    box = np.zeros(a.shape, bool)
    box[10:50, 0:30] = True
    assert not m[~box].any()
    assert (m[13:47, 5:22] >= 1).all()


# --------------------------------------------------------- random arrays


def test_random_slice_is_culled_and_keeps_numbers():
    x = da.random.default_rng(42).random((1000, 1000), chunks=(100, 50))
    y = x[250:260, 120:180]
    assert y.task_count() <= 2
    full = x.compute()
    np.testing.assert_array_equal(y.compute(), full[250:260, 120:180])
    with dask.config.set(NO_PUSHDOWN):
        np.testing.assert_array_equal(y.compute(), full[250:260, 120:180])


# ------------------------------------------------------------- scenarios


def test_scenario_a1_slice_of_a_million_chunk_array():
    x = da.ones((100_000, 100_000), chunks=(100, 100))
    y = ((x + x.T)[:1000, :1000]).sum()
    assert y.task_count() <= 120
    assert y.compute() == 2_000_000


def test_scenario_a1_values_without_pushdown_on_a_smaller_array():
    # the same expression, small enough to compute without slice pushdown
    x = da.ones((2000, 2000), chunks=(100, 100))
    y = ((x + x.T)[:1000, :1000]).sum()
    with dask.config.set(NO_PUSHDOWN):
        assert y.compute() == 2_000_000
    with dask.config.set(NO_FUSE):
        assert y.compute() == 2_000_000


def test_scenario_a4_rechunk_then_slice():
    x = da.random.default_rng(0).random((40_000, 40_000), chunks=(1000, 40))
    y = x.rechunk((40, 1000))[:2000, :2000]
    assert y.shape == (2000, 2000)
    assert y.chunks == ((40,) * 50, (1000, 1000))
    assert y.task_count() <= 304
    expected = x[:2000, :2000].compute()
    np.testing.assert_array_equal(y.compute(), expected)
    # a fresh generator with the same seed draws the same numbers
    x2 = da.random.default_rng(0).random((40_000, 40_000), chunks=(1000, 40))
    np.testing.assert_array_equal(x2.rechunk((40, 1000))[:2000, :2000].compute(), expected)
    assert ((expected >= 0) & (expected < 1)).all()
