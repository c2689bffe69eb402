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
    with dask.config.set({"hlq.batch.block-bytes": 16 << 20}):
        assert y.task_count() == 1
        assert "batched" in hlq.explain(y)
        assert y.compute() == 2 * 2048 * 2048
