"""The cost model sizes the physical plan: tasks follow the estimated work, not the blocks."""

import os
import threading

import dask
import numpy as np
import pytest

import hlq
import hlq.array as da
from hlq.lower.cost import available_threads, range_split
from hlq.lower.graph import BlockRangeTask


def _block_call_log(fn):
    """A ``map_blocks`` function applying ``fn`` that records the ``block_id`` of every call
    (thread-safe): returns the list of calls and the function."""
    calls = []
    lock = threading.Lock()

    def f(b, block_id=None):
        with lock:
            calls.append(block_id)
        return fn(b)

    return calls, f


def _count_and_value(y, cost=True):
    with dask.config.set({"hlq.cost": cost}):
        return y.task_count(), y.compute()


@pytest.fixture
def two_threads():
    with dask.config.set({"hlq.batch.threads": 2}):
        yield


def _tiny_family(x):
    return {
        "sum": x.sum(),
        "mean0": x.mean(axis=0),
        "std": x.std(),
        "nanvar": da.nanvar(x),
        "argmax": x.argmax(),
        "min0": x.min(axis=0),
    }


def test_tiny_block_reductions_have_few_tasks(two_threads):
    # 10^5 blocks of 10 x 10: about 0.6 s of estimated work -> tens of tasks, not 33,000
    x = da.ones((10**6, 10), chunks=10)
    for name, y in _tiny_family(x).items():
        n_cost = y.task_count()
        with dask.config.set({"hlq.cost": False}):
            n_plain = y.task_count()
        assert n_plain > 6000, name
        assert n_cost <= 100, (name, n_cost)


def test_tiny_block_tasks_do_not_follow_blocks(two_threads):
    # 10^6 blocks: <= 2,000 tasks, and the lowered graph has exactly those tasks (lowering is
    # O(tasks): each first-level task describes its blocks as a range)
    y = da.ones((10**7, 10), chunks=10).sum()
    n = y.task_count()
    assert n <= 2000
    graph = dict(y.__dask_graph__())
    assert len(graph) == n
    ranged = [t for t in graph.values() if isinstance(getattr(t, "func", None), BlockRangeTask)]
    assert len(ranged) >= 8  # at least tasks-per-thread x threads ranges


def test_tasks_bounded_below_by_threads():
    x = da.ones((10**4, 10), chunks=10)  # 1,000 blocks, ~6 ms of work: parallelism decides
    with dask.config.set({"hlq.batch.threads": 2}):
        n2 = x.sum().task_count()
    with dask.config.set({"hlq.batch.threads": 16}):
        n16 = x.sum().task_count()
    assert n2 < n16
    assert n16 >= 4 * 16


@pytest.mark.parametrize("op", ["sum", "mean0", "std", "nanvar", "argmax", "min0"])
def test_results_identical_with_cost_model_on_and_off(two_threads, op):
    # integer-valued data: every tree shape gives the exact same sums
    x = da.random.randint(0, 10, size=(2000, 6), chunks=(2, 3)).astype("f8")
    a = x.compute()
    y = _tiny_family(x)[op]
    n_on, on = _count_and_value(y, True)
    n_off, off = _count_and_value(y, False)
    assert n_on < n_off
    expected = {"sum": a.sum(), "mean0": a.mean(axis=0), "std": a.std(), "nanvar": np.nanvar(a),
                "argmax": a.argmax(), "min0": a.min(axis=0)}[op]
    np.testing.assert_allclose(on, off, rtol=1e-12)
    np.testing.assert_allclose(on, expected, rtol=1e-12)


def test_ranged_reduction_over_elementwise_chain_and_arange(two_threads):
    x = da.arange(200000, chunks=7)
    y = ((x * 2 + 1) % 5).sum()
    n, v = _count_and_value(y, True)
    assert n <= 40
    assert v == ((np.arange(200000) * 2 + 1) % 5).sum()


def test_explain_shows_the_cost_decision(two_threads):
    text = hlq.explain(da.ones((10**5, 10), chunks=10).sum())
    assert "cost: ~" in text and "blocks = ~" in text
    assert "tasks of ~" in text


def test_explicit_split_every_is_respected(two_threads):
    x = da.ones((4096, 10), chunks=(16, 10))  # 256 blocks
    y = x.sum(split_every=4)
    # 64 + 16 + 4 + 1 combine tasks: the user's fan-in, not the cost model's
    assert y.task_count() == 85
    assert y.compute() == 40960


def test_range_split_spreads_over_axes_with_blocks():
    assert range_split((1000, 1), (0, 1), 100) == {0: 100, 1: 1}
    s = range_split((30, 30), (0, 1), 100)
    assert s[0] * s[1] >= 90 and s[0] > 1 and s[1] > 1
    assert range_split((3, 1000), (0, 1), 16) == {0: 3, 1: 6}


def test_threads_of_a_distributed_client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=3, processes=False,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster):
        assert available_threads() == 3


def _tutorial(x):
    y = x + x.T - x.mean(axis=0)
    return y[::2, 50:].std()


def test_shared_map_blocks_source_is_computed_once_per_block():
    calls, f = _block_call_log(lambda b: b * 2.0)

    base = np.arange(40000.0).reshape(200, 200) % 7
    s = da.from_array(base, chunks=20).map_blocks(f, dtype="f8")
    got = _tutorial(s).compute()
    s2 = base * 2
    np.testing.assert_allclose(got, (s2 + s2.T - s2.mean(axis=0))[::2, 50:].std())
    assert len(calls) == len(set(calls))  # no block computed twice
    assert len(calls) <= 100


def test_shared_random_source_is_drawn_once_per_block():
    x = da.random.random((400, 400), chunks=20)  # 400 blocks
    z = _tutorial(x)
    graph = dict(z.__dask_graph__())
    drawn = [k for k in graph if isinstance(k, tuple) and str(k[0]).startswith("random-sample")]
    assert len(drawn) == len(set(drawn))
    # the blocks under the needed regions, each once: all but the 2 x 2 corner that neither
    # y[::2, 50:] (columns from block 2) nor its x.T part (rows from block 2) reads
    assert len(drawn) == 400 - 4
    # each drawn block is its own task, read by the tasks that need it (not drawn inside each)
    xn = x.compute()
    yn = xn + xn.T - xn.mean(axis=0)
    np.testing.assert_allclose(z.compute(), yn[::2, 50:].std())
    with dask.config.set({"hlq.rules.exclude": ["slice-pushdown"]}):
        np.testing.assert_allclose(z.compute(), yn[::2, 50:].std())


def test_regions_of_one_random_array_are_merged():
    from hlq.lower.collection import optimize_node

    x = da.random.random((400, 400), chunks=20)
    plan = optimize_node(_tutorial(x).node)
    randoms = {n for n in plan.walk() if n.op_name == "random-sample"}
    assert len(randoms) == 1


def test_contraction_split_bounds_the_slab_and_keeps_results():
    from hlq.lower.collection import optimize_node

    a = da.random.random((800, 800), chunks=100)
    b = da.random.random((800, 800), chunks=100)
    y = (a @ b)[:100, :100]
    an, bn = a.compute(), b.compute()
    expected = an[:100] @ bn[:, :100]
    slab = 2 * 100 * 100 * 8  # one a block and one b block
    one_thread = {"hlq.batch.threads": 1, "hlq.cost.tasks-per-thread": 1}
    with dask.config.set({"hlq.cost.contract-slab-bytes": 3 * slab, **one_thread}):
        graph = dict(y.__dask_graph__())
        got = y.compute()
        plan = optimize_node(y.node)
    parts = [n for n in plan.walk() if n.op_name == "contract-partial"]
    assert len(parts) == 1 and parts[0].k_per == 3 and parts[0].numblocks[0] == 3  # 8 pairs: 3, 3, 2
    part = parts[0]
    assert [len(part.block_dependencies((g, 0, 0))) for g in range(3)] == [6, 6, 4]
    partial_tasks = [k for k in graph if k[0] == part.name]
    assert len(partial_tasks) == 3
    with dask.config.set({"hlq.cost": False}):
        plain = y.compute()
    np.testing.assert_allclose(got, expected)
    np.testing.assert_allclose(plain, expected)


def test_contraction_of_a_shared_operand_counts_its_blocks_once_and_draws_them_inline():
    from hlq.lower.collection import optimize_node

    a = da.random.random((800, 800), chunks=100)
    y = (a @ a.T)[:100, :100]  # the 8 pairs read the same block of a for both operands
    an = a.compute()
    block = 100 * 100 * 8
    with dask.config.set({"hlq.cost.contract-slab-bytes": 3 * block, "hlq.batch.threads": 1,
                          "hlq.cost.tasks-per-thread": 1}):
        plan = optimize_node(y.node)
        graph = dict(y.__dask_graph__())
        got = y.compute()
    (part,) = [n for n in plan.walk() if n.op_name == "contract-partial"]
    assert part.k_per == 3 and part.numblocks[0] == 3  # 3 blocks per task, not 3 pairs of 2 blocks
    # each partial task draws its blocks itself, once each: no random task of its own
    assert not [k for k in graph if str(k[0]).startswith("random-sample")]
    assert len(graph) == 3 + 1
    np.testing.assert_allclose(got, an[:100] @ an[:100].T)


def test_contraction_partials_compute_a_shared_block_once():
    calls, f = _block_call_log(lambda b: b + 1.0)

    base = np.arange(640000.0).reshape(800, 800) % 13
    x = da.from_array(base, chunks=100).map_blocks(f, dtype="f8")
    y = (x @ x.T)[:100, :100]
    with dask.config.set({"hlq.batch.threads": 2}):
        got = y.compute()
    xn = base + 1
    np.testing.assert_allclose(got, xn[:100] @ xn[:100].T)
    assert sorted(calls) == [(0, k) for k in range(8)]  # each block of the row once


def test_contraction_split_for_parallelism_with_tensordot_and_dot():
    a = da.arange(6000.0, chunks=500).reshape(60, 100).rechunk((60, 10))
    an = np.arange(6000.0).reshape(60, 100)
    with dask.config.set({"hlq.batch.threads": 4, "hlq.cost.blas-threads": 1, "hlq.cost.flops": 1e3}):
        for y, e in [(a @ a.T, an @ an.T), (da.tensordot(a, a, axes=([1], [1])), np.tensordot(an, an, ([1], [1]))),
                     (da.dot(a, a.T), an.dot(an.T))]:
            text = hlq.explain(y)
            assert "contract-partial" in text  # one output block, 10 pairs: split for 4 threads
            np.testing.assert_allclose(y.compute(), e)


def test_contraction_split_for_threads_counts_the_threads_blas_already_uses():
    from hlq.lower.collection import optimize_node

    def partial_groups(y):
        parts = [n for n in optimize_node(y.node).walk() if n.op_name == "contract-partial"]
        return parts[0].numblocks[0] if parts else 1

    f = da.arange(6000.0, chunks=500).reshape(60, 100).rechunk((60, 10))  # 10 pairs, 1 output block
    i = da.arange(6000, chunks=500).reshape(60, 100).rechunk((60, 10))
    with dask.config.set({"hlq.batch.threads": 4, "hlq.cost.blas-threads": 1}):
        assert partial_groups(f @ f.T) == 1  # 72,000 multiply-adds per pair: far below a task's worth
    slow = {"hlq.cost.flops": 1e3}  # as if each product took 72 s: every split is worth its task
    with dask.config.set({"hlq.batch.threads": 4, "hlq.cost.blas-threads": 4, **slow}):
        assert partial_groups(f @ f.T) == 1  # one BLAS call already runs on the 4 threads
        assert partial_groups(i @ i.T) == 4  # integer products do not use BLAS: one group per thread
        np.testing.assert_array_equal((i @ i.T).compute(), np.arange(6000).reshape(60, 100) @ np.arange(6000).reshape(60, 100).T)
    with dask.config.set({"hlq.batch.threads": 4, "hlq.cost.blas-threads": 2, **slow}):
        assert partial_groups(f @ f.T) == 2  # two BLAS calls of 2 threads fill the 4
    with dask.config.set({"hlq.batch.threads": 4, "hlq.cost.blas-threads": 1, **slow}):
        assert partial_groups(f @ f.T) == 4


def test_contraction_split_bounds_what_the_threads_hold_together():
    from hlq.lower.collection import optimize_node

    a = da.random.random((800, 800), chunks=100)
    y = (a @ a.T)[:100, :100]  # 8 pairs, one 80 KB block each
    block = 100 * 100 * 8
    base = {"hlq.cost.blas-threads": 64}  # no split for threads: only the memory bound splits
    with dask.config.set({**base, "hlq.batch.threads": 2, "hlq.cost.contract-slab-bytes": 8 * block}):
        assert not [n for n in optimize_node(y.node).walk() if n.op_name == "contract-partial"]  # fits whole
    with dask.config.set({**base, "hlq.batch.threads": 2, "hlq.cost.contract-slab-bytes": 4 * block}):
        (part,) = [n for n in optimize_node(y.node).walk() if n.op_name == "contract-partial"]
        assert part.k_per == 2  # two tasks side by side hold 2 + 2 blocks
        got = y.compute()
    np.testing.assert_allclose(got, a[:100].compute() @ a[:100].compute().T)


def test_blas_threads_follow_config_environment_and_the_distributed_nanny(monkeypatch):
    from hlq.lower.cost import blas_threads

    for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    assert blas_threads() == (os.cpu_count() or 1)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert blas_threads() == 3
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "5")
    assert blas_threads() == 5
    with dask.config.set({"hlq.cost.blas-threads": 7}):
        assert blas_threads() == 7


def test_tiny_block_scan_element_and_rechunked_sum_have_few_tasks(two_threads):
    x = da.ones((10**7, 10), chunks=10)  # 10^6 blocks
    assert x.cumsum(axis=0)[-1].task_count() <= 2000
    assert x.rechunk(1000).sum().task_count() <= 2000
    a = np.arange(1200.0).reshape(120, 10) % 7
    y = da.from_array(a, chunks=(7, 3))
    for got, expected in [
        (y.cumsum(axis=0)[-1], a.cumsum(axis=0)[-1]),
        (y.cumsum(axis=0)[50, 2:], a.cumsum(axis=0)[50, 2:]),
        (y.cumprod(axis=1)[3:9, 4], a.cumprod(axis=1)[3:9, 4]),
        (da.nancumsum(y, axis=1)[:, -1], np.nancumsum(a, axis=1)[:, -1]),
        ((y > 3).cumsum(axis=0)[-1], (a > 3).cumsum(axis=0)[-1]),
        (y.rechunk((28, 3)).sum(axis=0), a.sum(axis=0)),
        (y.rechunk((28, 6)).mean(), a.mean()),
    ]:
        r = got.compute()
        assert r.dtype == expected.dtype and r.shape == expected.shape
        np.testing.assert_allclose(r, expected)
    assert y.rechunk((28, 3)).sum(axis=0).chunks == ((3, 3, 3, 1),)


def _families(x, z, x2):
    """One expression per node family the cost model sizes at tiny blocks (x, z: 1-d, x2: 2-d)."""
    n = x.shape[0]
    return {
        "reduction": x.sum(),
        "elementwise-chain-reduction": ((x + 1) * 2 - z).sum(),
        "reduction-over-axis": x2.mean(axis=0),
        "rechunk-merge": (x * 2).rechunk(n // 4),
        "rechunk-merge-reduction": (x * 2).rechunk(n // 4).max(),
        "concatenate-reduction": da.concatenate([x, z * 2]).sum(),
        "scan-element": x.cumsum(axis=0)[-1],
        "scan-row": (x + z).cumprod(axis=0)[n // 2],
        "reshape-reduction": (x * 2).reshape(-1, 10).mean(axis=0),
    }


@pytest.mark.parametrize("family", ["reduction", "elementwise-chain-reduction", "reduction-over-axis",
                                    "rechunk-merge", "rechunk-merge-reduction", "concatenate-reduction",
                                    "scan-element", "scan-row", "reshape-reduction"])
def test_node_families_at_tiny_blocks_have_few_tasks(two_threads, family):
    # 10^4 blocks of 10 elements (~0.1 s of estimated work): tens of tasks, not one or more per block
    x = da.ones(10**5, chunks=10)
    z = da.arange(10**5, chunks=10) % 3
    x2 = da.ones((10**4, 10), chunks=(1, 10))
    y = _families(x, z, x2)[family]
    n_cost = y.task_count()
    with dask.config.set({"hlq.cost": False}):
        n_plain = y.task_count()
    assert n_cost <= 40, (family, n_cost)
    assert len(dict(y.__dask_graph__())) == n_cost
    if family != "rechunk-merge":  # 4 output blocks either way: the merges batch their inputs
        assert n_plain >= 8 * n_cost, (family, n_plain, n_cost)


@pytest.mark.parametrize("family", ["reduction", "elementwise-chain-reduction", "reduction-over-axis",
                                    "rechunk-merge", "rechunk-merge-reduction", "concatenate-reduction",
                                    "scan-element", "scan-row", "reshape-reduction"])
def test_node_families_identical_with_cost_model_on_and_off(two_threads, family):
    # integer-valued data: every tree shape gives exactly the same values
    x = da.random.randint(0, 5, size=2000, chunks=7).astype("f8")
    z = da.random.randint(0, 3, size=2000, chunks=7).astype("f8") / 2
    x2 = da.random.randint(0, 9, size=(700, 3), chunks=(2, 2)).astype("f8")
    y = _families(x, z, x2)[family]
    n_on, on = _count_and_value(y, True)
    n_off, off = _count_and_value(y, False)
    assert n_on < n_off or family == "rechunk-merge"
    np.testing.assert_array_equal(on, off)
    xn, zn, x2n = x.compute(), z.compute(), x2.compute()
    whole = [da.from_array(a, chunks=a.shape) for a in (xn, zn, x2n)]  # one block each
    expected = _families(*whole)[family].compute()
    np.testing.assert_allclose(on, expected, rtol=1e-12)


def _frame_families(df):
    return {
        "frame-chain-reduction": (df.a * 2 + df.b).sum(),
        "frame-reduction-moments": df.a.std(),
        "frame-groupby": df.groupby("b").a.sum(),
        "frame-count": df.count(),
    }


@pytest.mark.parametrize("family", ["frame-chain-reduction", "frame-reduction-moments", "frame-groupby",
                                    "frame-count"])
def test_dataframe_partition_chains_and_reductions_at_tiny_partitions(two_threads, family):
    pd = pytest.importorskip("pandas")
    import hlq.dataframe as dd

    rng = np.random.default_rng(5)
    pdf = pd.DataFrame({"a": rng.integers(0, 9, 20000).astype("f8"), "b": rng.integers(0, 3, 20000)})
    df = dd.from_pandas(pdf, npartitions=10000)  # 2 rows per partition
    y = _frame_families(df)[family]
    n_on, on = _count_and_value(y, True)
    n_off, off = _count_and_value(y, False)
    # partial steps run inside the first-level combine tasks, sized by the estimated work
    # (~150 µs per pandas partition: ~1.5 s -> ~150 tasks), not one task per partition
    assert n_on <= 300, n_on
    assert n_off > 1000, n_off
    expected = _frame_families(dd.from_pandas(pdf, npartitions=1))[family].compute()
    for got in (on, off):
        if hasattr(got, "sort_index"):
            pd.testing.assert_series_equal(got.sort_index(), expected.sort_index())
        else:
            np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_partial_and_add_tasks_never_write_into_their_inputs():
    from hlq.array.nodes.linalg import _AddBlocks, _SumProducts

    a = np.arange(4.0).reshape(2, 2)
    b = np.ones((2, 2))
    keep_a, keep_b = a.copy(), b.copy()
    # a function returning its own input: the sum must be a new array
    got = _SumProducts(lambda x, y: x, np.dtype("f8"))(a, b, a, b, a, b)
    np.testing.assert_array_equal(got, 3 * keep_a)
    got = _SumProducts(np.matmul, np.dtype("f8"))(a, b, b, a, a, a)
    np.testing.assert_array_equal(got, keep_a @ keep_b + keep_b @ keep_a + keep_a @ keep_a)
    parts = [a[np.newaxis], b[np.newaxis], a[np.newaxis], b[np.newaxis]]
    np.testing.assert_array_equal(_AddBlocks(True)(*parts), 2 * keep_a + 2 * keep_b)
    np.testing.assert_array_equal(_AddBlocks(False)(*parts)[0], 2 * keep_a + 2 * keep_b)
    np.testing.assert_array_equal(a, keep_a)
    np.testing.assert_array_equal(b, keep_b)


def test_region_of_whole_random_blocks_matches_the_full_array():
    x = da.random.random((60, 60), chunks=20)
    full = x.compute()
    np.testing.assert_array_equal(x[:20].compute(), full[:20])  # whole blocks of the region
    np.testing.assert_array_equal(x[5:25, 20:].compute(), full[5:25, 20:])  # parts of blocks


def test_map_overlap_at_tiny_blocks_follows_work(two_threads):
    # 10^4 blocks of 10 elements: the overlap runs inside the function's tasks, and the whole
    # chain inside the reduction's range tasks (before: one overlap task and one source task per block)
    x = da.ones(10**5, chunks=10)
    y = x.map_overlap(lambda b: b * 2, depth=1, boundary="none")
    assert y.task_count() == 10**4  # one task per output block: the result has 10^4 blocks
    assert y.sum().task_count() <= 40
    assert y.sum().compute() == 2 * 10**5
    with dask.config.set({"hlq.cost": False}):
        assert y.sum().task_count() <= 10**4 + 700  # overlap fused without the cost model too


@pytest.mark.parametrize("kw", [dict(depth=1, boundary="none"), dict(depth=2, boundary="reflect"),
                                dict(depth={0: 1, 1: 0}, boundary="periodic"), dict(depth=(2, 1), boundary=0)])
def test_map_overlap_identical_with_cost_model_on_and_off(two_threads, kw):
    a = np.arange(3000.0).reshape(60, 50) % 11
    x = da.from_array(a, chunks=(7, 9))

    def f(b):
        return b - np.roll(b, 1, axis=0) + np.roll(b, -1, axis=1)

    y = x.map_overlap(f, **kw)
    n_on, on = _count_and_value(y.sum(axis=0), True)
    n_off, off = _count_and_value(y.sum(axis=0), False)
    np.testing.assert_array_equal(on, off)
    import dask.array as dask_array  # deferred: the reference implementation, only for this check

    expected = dask_array.from_array(a, chunks=(7, 9)).map_overlap(f, **kw).compute()
    np.testing.assert_array_equal(y.compute(), expected)
    np.testing.assert_allclose(on, expected.sum(axis=0))
    assert n_on <= n_off


def test_overlap_of_a_shared_map_blocks_source_computes_each_block_once():
    calls, f = _block_call_log(lambda b: b + 1.0)

    base = np.arange(400.0).reshape(20, 20)
    s = da.from_array(base, chunks=5).map_blocks(f, dtype="f8")
    y = s.map_overlap(lambda b: b * 2, depth=1, boundary="reflect")
    np.testing.assert_array_equal(y.compute(), (base + 1) * 2)
    assert sorted(calls) == sorted((i, j) for i in range(4) for j in range(4))


@pytest.mark.parametrize("dtype", ["i1", "u1", "bool", "f4", "c16"])
def test_per_block_fast_paths_keep_numpy_dtypes_and_values(two_threads, dtype):
    # the per-block reductions and fills skip numpy's dispatch but keep its dtypes and values
    a = (np.arange(200).reshape(20, 10) % 5).astype(dtype)
    x = da.from_array(a, chunks=(3, 4))
    for got, expected in [(x.sum(), a.sum()), (x.prod(axis=0), a.prod(axis=0)), (x.max(axis=1), a.max(axis=1)),
                          (x.std(), a.std())]:
        r = got.compute()
        assert np.asarray(r).dtype == np.asarray(expected).dtype
        np.testing.assert_allclose(r, expected, rtol=1e-6)
    f = da.full((30, 4), 2.7, chunks=7, dtype="i8").sum()
    assert f.compute() == np.full((30, 4), 2.7, dtype="i8").sum()
