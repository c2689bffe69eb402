"""A5 and A6 (benchmarks/bench_a5_anomaly.py, bench_a6_matmul_slice.py): what the optimized graphs read."""

from __future__ import annotations

import os
import sys

import dask
import dask.array as dask_array
import numpy as np

import hlq.array as da
from hlq.expr.traverse import walk
from hlq.lower.graph import plan_lowering

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))

import bench_a5_anomaly  # noqa: E402
import bench_a6_matmul_slice  # noqa: E402


def _sources(y, op="random-sample"):
    node = y._optimized_node()
    return [n for n in walk(node) if n.op_name == op]


def test_a5_reads_only_the_needed_region_of_x():
    y = bench_a5_anomaly.build(da, **bench_a5_anomaly.CASES[0].params)  # (3650, 720, 1440), chunks (10, 720, 1440)
    srcs = _sources(y)
    assert len(srcs) == 1  # one read of x, shared by the mean and the subtraction
    (src,) = srcs
    assert src.region == ((0, 3650), (0, 100), (0, 100))
    assert src.shape == (3650, 100, 100)
    assert src.numblocks == (365, 1, 1)
    plan = plan_lowering([y._optimized_node()])
    root = plan.group_of[id(src)].root
    assert plan.demand[id(root)] is None or len(plan.demand[id(root)]) == 365  # one task per time chunk
    # bytes of x read: the region only (278 MiB), not the cube (28 GiB)
    assert int(np.prod(src.shape)) * 8 == 3650 * 100 * 100 * 8
    # the whole graph: 365 reads + two reduction trees, far below one task per (chunk x operation)
    assert y.task_count() < 2 * 365


def test_a5_small_values_match_numpy_and_no_pushdown():
    rng = np.random.default_rng(3)
    a = rng.random((60, 30, 40))
    x = da.from_array(a, chunks=(10, 30, 40))
    anom = x - x.mean(axis=0)
    y = anom[:, :7, :9].std()
    expected = (a - a.mean(axis=0))[:, :7, :9].std()
    np.testing.assert_allclose(y.compute(), expected)
    with dask.config.set({"hlq.rules.exclude": ["slice-pushdown"]}):
        np.testing.assert_allclose(y.compute(), expected)
    (src,) = _sources(y, "array")
    assert src.shape == (60, 7, 9)


def test_a6_lowers_no_more_tasks_than_legacy():
    p = bench_a6_matmul_slice.CASES[0].params  # (20000, 20000), chunks 2000
    y = bench_a6_matmul_slice.build(da, **p)
    ly = bench_a6_matmul_slice.build(dask_array, **p)
    from dask.array.optimization import optimize as legacy_optimize

    legacy_tasks = len(legacy_optimize(ly.__dask_graph__(), ly.__dask_keys__()))
    hlq_tasks = len(y.__dask_graph__())
    assert hlq_tasks == y.task_count()
    assert hlq_tasks <= legacy_tasks, (hlq_tasks, legacy_tasks)
    (src,) = _sources(y)
    assert src.shape == (2000, 20000)  # one block row of a, read once for a and a.T


def test_a6_small_values():
    p = dict(n=300, c=100)
    y, rows = bench_a6_matmul_slice.check_build(da, **p)
    res = dask.compute(y, rows)
    assert bench_a6_matmul_slice.check_many(res, p)


def test_a5_a6_lower_no_more_tasks_than_one_task_per_block_plans():
    # task counts of the plans before the cost model (2 threads): a5 --quick 99, a5-small
    # --quick 28, a6 11 at both sizes (the whole slab in one contraction task)
    with dask.config.set({"hlq.batch.threads": 2, "hlq.cost.blas-threads": 2}):
        a5, a5_small = bench_a5_anomaly.CASES
        assert bench_a5_anomaly.build(da, **a5.quick).task_count() <= 99
        assert bench_a5_anomaly.build(da, **a5_small.quick).task_count() <= 28
        assert bench_a5_anomaly.build(da, **a5.params).task_count() <= 576
        assert bench_a5_anomaly.build(da, **a5_small.params).task_count() <= 117
        (a6,) = bench_a6_matmul_slice.CASES
        for p in (a6.params, a6.quick):
            assert bench_a6_matmul_slice.build(da, **p).task_count() <= 11
        # full size: the 305 MB slab is split so that the two threads' tasks hold at most
        # 128 MiB together: 2 blocks of 32 MB per contract-partial task
        node = bench_a6_matmul_slice.build(da, **a6.params)._optimized_node()
        (part,) = [n for n in walk(node) if n.op_name == "contract-partial"]
        assert part.k_per == 2
        # quick: the 12 MB slab stays one task (BLAS already runs the product on both threads)
        node = bench_a6_matmul_slice.build(da, **a6.quick)._optimized_node()
        assert not [n for n in walk(node) if n.op_name == "contract-partial"]
