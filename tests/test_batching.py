"""Task granularity: tiny blocks are computed inside their consumer's tasks (batching)."""

import dask
import numpy as np
import pytest

import hlq
import hlq.array as da


def _plans(y):
    with dask.config.set({"hlq.batch": False}):
        unbatched = (y.task_count(), y.compute())
    return (y.task_count(), y.compute()), unbatched


@pytest.mark.parametrize("chunks", [(20, 20), (7, 50), (100, 3)])
def test_batching_cuts_tasks_and_keeps_results(chunks):
    a = np.random.default_rng(0).random((400, 300))
    x = da.from_array(a, chunks=chunks)
    y = (x * 2 + 1).sum()
    (n_batched, r_batched), (n_plain, r_plain) = _plans(y)
    blocks = x.npartitions
    assert n_plain > blocks  # one task per block, plus the combine tree
    assert n_batched == n_plain - blocks  # the per-block tasks ran inside the combines
    np.testing.assert_allclose(r_batched, r_plain)
    np.testing.assert_allclose(r_batched, (a * 2 + 1).sum())


def test_batching_along_one_axis_and_with_slices():
    a = np.arange(2400.0).reshape(40, 60)
    x = da.from_array(a, chunks=(4, 6))
    for y, expected in [
        (x.mean(axis=0), a.mean(axis=0)),
        ((x + x)[5:33, ::2].std(axis=1), (a + a)[5:33, ::2].std(axis=1)),
        (da.argmax(x[::-1], axis=0), np.argmax(a[::-1], axis=0)),
    ]:
        (nb, rb), (npl, rp) = _plans(y)
        assert nb < npl
        np.testing.assert_allclose(rb, expected)
        np.testing.assert_allclose(rp, expected)


def test_big_blocks_are_not_batched():
    x = da.ones((2048, 2048), chunks=(1024, 1024))  # 8 MiB blocks
    y = x.sum()
    (nb, _), (npl, _) = _plans(y)
    assert nb == npl


def test_block_size_limit_is_configurable_and_explained():
    x = da.ones((2048, 2048), chunks=(1024, 1024))
    y = (x + 1).sum()
    assert "not batched" in hlq.explain(y)  # 8 MiB blocks: above both limits
    with dask.config.set({"hlq.batch.block-bytes": 16 << 20, "hlq.batch.target-duration": 1.0}):
        assert y.task_count() == 1
        assert "batched" in hlq.explain(y)
        assert y.compute() == 2 * 2048 * 2048


def test_cost_model_target_duration_and_throughput():
    x = da.ones((400, 400), chunks=(20, 20))  # 400 blocks of 3.2 kB
    y = (x + 1).sum()
    n_plain = _plans(y)[1][0]
    assert y.task_count() == n_plain - 400
    # a target shorter than one block's estimated work: no batching
    with dask.config.set({"hlq.batch.target-duration": 1e-6}):
        assert y.task_count() == n_plain
        assert "per block >= hlq.batch.target-duration" in hlq.explain(y)
    # a slow op (low throughput) makes blocks long enough not to batch: every block keeps its task
    # (the combine tree above them gets more tasks for the larger estimated work)
    with dask.config.set({"hlq.batch.throughput": 1e5}):
        keys = [k[0] if isinstance(k, tuple) else k for k in y.__dask_graph__()]
        assert sum(k.startswith("sum-partial") for k in keys) == 400
        assert "per block >= hlq.batch.target-duration" in hlq.explain(y)
    with dask.config.set({"hlq.batch.throughput": 1e12}):
        assert y.task_count() == n_plain - 400
        assert "per block < hlq.batch.target-duration" in hlq.explain(y)


def test_parallelism_floor_keeps_two_tasks_per_thread():
    # 64 blocks of 80 kB -> one combine level of 4 tasks, then the aggregate
    a = np.arange(640.0 * 1000).reshape(640, 1000)
    x = da.from_array(a, chunks=(10, 1000))
    y = (x * 3).sum(axis=0)
    (n_b, r_b), (n_p, r_p) = _plans(y)
    with dask.config.set({"hlq.batch.threads": 1, "hlq.batch.throughput": 1e8}):
        assert y.task_count() == n_p - 64  # 1 thread: the 4 combine tasks are enough
    with dask.config.set({"hlq.batch.threads": 8, "hlq.batch.throughput": 1e8, "hlq.cost": False}):
        # dask's fan-in of 16 leaves 4 combine tasks, far fewer than 2 x 8 threads: one task per block
        assert y.task_count() == n_p
        assert "tasks would remain" in hlq.explain(y)
    with dask.config.set({"hlq.batch.threads": 8, "hlq.batch.throughput": 1e8}):
        # the cost model gives the first combine level 4 x 8 tasks of 2 blocks, each computing its
        # blocks inline: 32 + 2 combine tasks, the aggregate and the stored array, not one task per block
        assert y.task_count() == 32 + 2 + 1 + 1
        assert "16 blocks per task would leave fewer than 2 x 8 threads tasks" in hlq.explain(y)
        np.testing.assert_allclose(y.compute(), (a * 3).sum(axis=0))
    np.testing.assert_allclose(r_b, (a * 3).sum(axis=0))
    np.testing.assert_allclose(r_p, r_b)


@pytest.mark.parametrize("batch", [True, False])
def test_rechunk_merge_of_tiny_blocks_is_batched(batch):
    a = np.arange(120.0 * 90).reshape(120, 90)
    x = da.from_array(a, chunks=(5, 5))  # 24 x 18 tiny blocks
    y = (x * 2 + 1).rechunk((30, 45))  # merges 6 x 9 blocks per output block
    with dask.config.set({"hlq.batch.threads": 1} if batch else {"hlq.batch": False}):
        n = y.task_count()
        np.testing.assert_array_equal(y.compute(), a * 2 + 1)
    with dask.config.set({"hlq.batch": False}):
        n_plain = y.task_count()
    if batch:
        assert n == n_plain - 24 * 18  # the elementwise blocks run inside the 8 merge tasks
    else:
        assert n == n_plain


def test_rechunk_split_is_not_batched():
    a = np.arange(60.0 * 60).reshape(60, 60)
    x = da.from_array(a, chunks=(20, 20))
    y = (x + 1).rechunk((30, 30))  # blocks straddle: some input blocks feed several outputs
    with dask.config.set({"hlq.batch.threads": 1}):
        n = y.task_count()
        assert "reads some blocks from several tasks" in hlq.explain(y)
        np.testing.assert_array_equal(y.compute(), a + 1)
    with dask.config.set({"hlq.batch": False}):
        assert n == y.task_count()


@pytest.mark.parametrize("batch", [True, False])
def test_elementwise_feeding_concatenate_and_gather(batch):
    a = np.arange(200.0).reshape(20, 10)
    x = da.from_array(a, chunks=(2, 5))
    y = da.concatenate([x + 1, x * 2], axis=0)
    with dask.config.set({"hlq.batch.threads": 1} if batch else {"hlq.batch": False}):
        np.testing.assert_array_equal(y.compute(), np.concatenate([a + 1, a * 2]))
        n = y.task_count()
        z = (x - 3)[::3]
        np.testing.assert_array_equal(z.compute(), (a - 3)[::3])
    with dask.config.set({"hlq.batch": False}):
        n_plain = y.task_count()
    if batch:
        assert n == n_plain - 2 * 20  # the add and multiply blocks run inside the concatenate tasks
    else:
        assert n == n_plain
