"""hlq on dask.distributed: compact shipping, opaque user code, persist, failures, fallback."""

import os
import pathlib
import pickle
import subprocess
import sys
import tempfile
import time

import cloudpickle
import dask
import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
from distributed import Client, LocalCluster  # noqa: E402

import hlq  # noqa: E402
import hlq.array as da  # noqa: E402
from tests.helpers import ship_helpers  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
cloudpickle.register_pickle_by_value(ship_helpers)


@pytest.fixture(scope="module")
def cluster_client():
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster) as client:
            yield client


def test_results_match_threaded_scheduler(cluster_client):
    a = np.random.default_rng(0).random((60, 40))
    x = da.from_array(a, chunks=(7, 9))
    exprs = [(x + x[::-1]).sum(axis=0), x.T[3:20, ::2] * 2, x.mean(), da.sin(x).std(axis=1), x.rechunk((20, 20))[5:45]]
    for e in exprs:
        local = e.compute(scheduler="threads")
        np.testing.assert_allclose(cluster_client.compute(e).result(), local)
        np.testing.assert_allclose(dask.compute(e)[0], local)  # default client
        np.testing.assert_allclose(e.compute(), local)


def test_persist_then_slice_lowers_only_needed_keys(cluster_client):
    x = da.ones((100, 100), chunks=10) + 1
    p = cluster_client.persist(x)
    y = p[:10, :25].sum()
    graph = y.__dask_graph__()
    aliases = [k for k in graph if k[0].startswith("persisted-")]
    assert len(aliases) == 3  # blocks (0, 0..2) of 100
    assert y.compute() == 500.0
    assert cluster_client.compute(y).result() == 500.0


def test_shipped_message_is_compact_for_a_million_tasks():
    from distributed.protocol import serialize, to_serialize

    x = da.ones((20_000, 20_000), chunks=(20, 20))
    y = (x + 1).sum()
    expr = y.expr.optimize()
    header, frames = serialize(to_serialize(expr), on_error="raise")
    size = len(pickle.dumps(header)) + sum(len(f) for f in frames)
    assert x.npartitions == 10**6
    assert size <= 100_000, size


def test_user_code_is_opaque_to_the_scheduler():
    from hlq.lower.ship import ship_plan, unship_plan
    from hlq.expr.opaque import OpaqueData, OpaqueFunction

    a = np.arange(12.0).reshape(3, 4)
    y = da.from_array(a, chunks=2).map_blocks(ship_helpers.GuardedFunction(), dtype=float)
    blob = pickle.dumps(ship_plan(y.node))
    # the scheduler's view: unpickling the shipped plan runs no user code
    plan = unship_plan(pickle.loads(blob))
    kinds = {type(v) for n in plan.walk() for v in n.field_values}
    assert OpaqueFunction in kinds and OpaqueData in kinds
    from hlq.lower.graph import lower

    assert len(lower([plan])) > 0  # expansion works on opaque payloads
    with pytest.raises(ship_helpers.SchedulerUnpickleError):
        pickle.loads(cloudpickle.dumps(ship_helpers.GuardedFunction()))  # the guard is real


def _user_value_exprs():
    """Collections whose parameters are user objects of a worker-only type, and numpy's answers."""
    a = np.arange(12.0).reshape(3, 4)
    x = da.from_array(a, chunks=2)
    k = ship_helpers.GuardedNumber(2.5)
    return [
        (x.map_blocks(ship_helpers.add_k, k=k, dtype=float), a + 2.5),   # map_blocks kwarg
        (x * k, a * 2.5),                                                # elementwise scalar
        (da.where(x > 5, x, ship_helpers.GuardedNumber(-1.0)), np.where(a > 5, a, -1.0)),  # where scalar
        (da.maximum(x, k).sum(), np.maximum(a, 2.5).sum()),
    ]


def test_user_values_are_opaque_to_the_scheduler():
    from hlq.expr.opaque import OpaqueData
    from hlq.lower.graph import lower
    from hlq.lower.ship import ship_plan, unship_plan

    for y, _ in _user_value_exprs():
        blob = pickle.dumps(ship_plan(y._optimized_node()))
        # the scheduler's view: unpickling the shipped plan and lowering it runs no user code
        plan = unship_plan(pickle.loads(blob))
        assert len(lower([plan])) > 0
        values = [v for n in plan.walk() for f in n.field_values
                  for v in (f if isinstance(f, tuple) else (f,))
                  for v in (v if isinstance(v, tuple) else (v,))]
        assert any(isinstance(v, OpaqueData) for v in values)
    # plain scalars stay plain
    plan = unship_plan(pickle.loads(pickle.dumps(ship_plan((da.ones(4, chunks=2) * 2.5 + np.float32(1)).node))))
    assert not any(isinstance(v, OpaqueData) for n in plan.walk() for f in n.field_values
                   for v in (f if isinstance(f, tuple) else (f,)))
    with pytest.raises(ship_helpers.SchedulerUnpickleError):
        pickle.loads(pickle.dumps(ship_helpers.GuardedNumber(1.0)))  # the guard is real


def _map_partitions_with_user_kwarg():
    import pandas as pd

    import hlq.dataframe as dd

    pdf = pd.DataFrame({"a": np.arange(6.0)})
    y = dd.from_pandas(pdf, npartitions=2).map_partitions(ship_helpers.add_k, k=ship_helpers.GuardedNumber(2.0))
    return y, pdf + 2.0


def assert_eq(got, expected):
    import pandas as pd

    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(got, expected)
    else:
        pd.testing.assert_series_equal(got, expected)


def _dataframe_user_value_exprs():
    """Dataframe expressions holding a value of a user type: a filter scalar, assigned values,
    where/clip/isin arguments, a scalar on one side of an operation and a map_overlap keyword."""
    import pandas as pd

    import hlq.dataframe as dd

    pdf = pd.DataFrame({"a": np.arange(6.0), "b": np.arange(6)})
    d = dd.from_pandas(pdf, npartitions=2)
    k = ship_helpers.GuardedNumber(2.0)
    return [
        (d[d.a > k], pdf[pdf.a > 2.0]),
        (d.assign(c=k), pdf.assign(c=2.0)),
        (d.assign(c=d.a + k), pdf.assign(c=pdf.a + 2.0)),
        (d.a.where(d.a > 1, k), pdf.a.where(pdf.a > 1, 2.0)),
        (d.a.clip(lower=k), pdf.a.clip(lower=2.0)),
        (d.a.isin([k]), pdf.a.isin([2.0])),
        (d.a - d.a.sum() * k, pdf.a - pdf.a.sum() * 2.0),
        (d.map_overlap(ship_helpers.add_k, 1, 1, k=k), pdf + 2.0),
    ]


def test_dataframe_user_values_are_opaque_to_the_scheduler():
    from hlq.expr.opaque import OpaqueData
    from hlq.lower.graph import lower
    from hlq.lower.ship import ship_plan, unship_plan

    for y, expected in _dataframe_user_value_exprs():
        assert_eq(y.compute(scheduler="threads"), expected)
        # the scheduler's view: unpickling the shipped plan, deriving metadata and lowering it
        # runs no user code (the guard raises if the value is unpickled here)
        plan = unship_plan(pickle.loads(pickle.dumps(ship_plan(y._optimized_node()))))
        assert len(lower([plan])) > 0
        assert tuple(plan.columns) == tuple(y._optimized_node().columns)
        payloads = [v for n in plan.walk() for v in _leaves(n.field_values) if isinstance(v, OpaqueData)]
        assert payloads, f"no opaque payload in {plan}"


def _leaves(value):
    from hlq.dataframe.nodes.calls import Call

    if isinstance(value, (tuple, list)):
        for v in value:
            yield from _leaves(v)
    elif isinstance(value, Call):
        yield from _leaves((value.args, value.kwargs))
    else:
        yield value


def test_map_partitions_kwargs_are_opaque_to_the_scheduler():
    from hlq.lower.graph import lower
    from hlq.lower.ship import ship_plan, unship_plan

    y, expected = _map_partitions_with_user_kwarg()
    assert y.compute(scheduler="threads").equals(expected)
    # the scheduler's view (rebuilt here, so computed first: the rebuilt nodes share the keys)
    plan = unship_plan(pickle.loads(pickle.dumps(ship_plan(y._optimized_node()))))
    assert len(lower([plan])) > 0


def _start_external_cluster(tmp, block_hlq_on_scheduler=False):
    """A scheduler and a worker in their own processes (the scheduler is not a worker)."""
    sched_file = os.path.join(tmp, "scheduler.json")
    base_path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    sched_env = dict(os.environ, PYTHONPATH=base_path)
    sched_env.pop("HLQ_TEST_ROLE", None)
    if block_hlq_on_scheduler:
        sched_env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "tests" / "helpers" / "block_hlq"), base_path])
    sched = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
         "--no-dashboard", "--scheduler-file", sched_file],
        env=sched_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp,
    )
    for _ in range(200):
        if os.path.exists(sched_file):
            break
        time.sleep(0.1)
    worker_env = dict(os.environ, PYTHONPATH=base_path, HLQ_TEST_ROLE="worker")
    worker = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", sched_file, "--nthreads", "1",
         "--no-dashboard", "--no-nanny"],
        env=worker_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp,
    )
    return sched_file, [sched, worker]


def _stop(procs):
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


@pytest.fixture
def external_cluster():
    with tempfile.TemporaryDirectory() as tmp:
        started = []

        def start(**kw):
            sched_file, procs = _start_external_cluster(tmp, **kw)
            started.extend(procs)
            client = Client(scheduler_file=sched_file, timeout="30s")
            client.wait_for_workers(1, timeout=60)
            return client

        yield start
        _stop(started)


def test_scheduler_never_unpickles_user_code(external_cluster):
    client = external_cluster()
    try:
        a = np.arange(40.0).reshape(4, 10)
        y = da.from_array(a, chunks=(2, 5)).map_blocks(ship_helpers.GuardedFunction(), dtype=float)
        expected = a * 2 + 1
        np.testing.assert_array_equal(client.compute(y).result(), expected)
        np.testing.assert_array_equal(client.compute(y.sum()).result(), expected.sum())
        # the same user function in legacy dask.array is unpickled by the scheduler
        import dask.array as dda

        legacy = dda.from_array(a, chunks=(2, 5)).map_blocks(ship_helpers.GuardedFunction(), dtype=float)
        with pytest.raises(Exception):
            client.compute(legacy).result(timeout=30)
    finally:
        client.close()


def test_scheduler_never_unpickles_user_values(external_cluster):
    client = external_cluster()
    try:
        for y, expected in _user_value_exprs():
            np.testing.assert_array_equal(client.compute(y).result(timeout=60), expected)
        y, expected = _map_partitions_with_user_kwarg()
        assert client.compute(y).result(timeout=60).equals(expected)
        for y, expected in _dataframe_user_value_exprs():
            assert_eq(client.compute(y).result(timeout=60), expected)
    finally:
        client.close()


def test_fallback_scheduler_never_unpickles_user_data(external_cluster):
    client = external_cluster(block_hlq_on_scheduler=True)
    try:
        a = np.arange(12.0).reshape(3, 4)
        guarded = a.view(ship_helpers.GuardedArray)
        y = da.from_array(guarded, chunks=2).map_blocks(ship_helpers.add_k, k=ship_helpers.GuardedNumber(1.0),
                                                       dtype=float)
        with client.as_current():
            with pytest.warns(RuntimeWarning, match="cannot import hlq"):
                np.testing.assert_array_equal(client.compute(y).result(timeout=60), a + 1.0)
    finally:
        client.close()


def test_fallback_when_scheduler_lacks_hlq(external_cluster):
    client = external_cluster(block_hlq_on_scheduler=True)
    try:
        from hlq.lower.ship import scheduler_supports_hlq

        x = da.from_array(np.arange(100.0).reshape(10, 10), chunks=3)
        y = (x * 2).T[2:8].sum(axis=1)
        expected = (np.arange(100.0).reshape(10, 10) * 2).T[2:8].sum(1)
        # hlq checks the client dask computes with: the current (or default) one
        with client.as_current():
            with pytest.warns(RuntimeWarning, match="cannot import hlq"):
                np.testing.assert_allclose(client.compute(y).result(), expected)
            np.testing.assert_allclose(y.compute(), expected)
        assert not scheduler_supports_hlq(client)
    finally:
        client.close()


def test_worker_killed_mid_computation():
    def slow(block):
        time.sleep(0.05)
        return block + 1

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster) as client:
            x = da.from_array(np.arange(4000.0).reshape(40, 100), chunks=(2, 50))
            y = x.map_blocks(slow, dtype=float).sum(axis=1)
            fut = client.compute(y)
            time.sleep(0.5)
            nanny = next(iter(cluster.workers.values()))
            nanny.process.process.kill()  # the worker process dies; its nanny restarts it
            np.testing.assert_allclose(fut.result(timeout=120), (np.arange(4000.0).reshape(40, 100) + 1).sum(1))


def test_annotations_progress_and_task_names(cluster_client):
    from distributed import progress, wait

    x = da.ones((40, 40), chunks=10)
    y = (x + 1).sum(axis=0)
    with dask.annotate(retries=3, priority=7):
        fut = cluster_client.compute(y)
    progress(fut, notebook=False)
    wait(fut)
    np.testing.assert_array_equal(fut.result(), np.full(40, 80.0))

    def inspect(dask_scheduler=None):
        return {str(k): (ts.retries, ts.priority[0] if ts.priority else None) for k, ts in dask_scheduler.tasks.items()}

    seen = cluster_client.run_on_scheduler(inspect)
    mine = {k: v for k, v in seen.items() if "sum" in k or "finalize" in k}
    assert mine, seen
    assert all(r == 3 for r, _ in mine.values())
    # readable key prefixes on the dashboard: operation names, not opaque ids
    assert any(k.startswith("('sum-") for k in mine)


def test_slice_of_persisted_array_waits_only_for_its_block(cluster_client):
    """``y[0, 0].compute()`` right after ``y = y.persist()`` (the dask tutorial):
    its graph aliases the one persisted block under it, and the scheduler runs the
    persist's first block first (as with dask), so the slice needs no other block."""
    from dask.order import order

    x = da.random.random((400, 400), chunks=(100, 100))
    y = x + x.T
    lowered = hlq.optimize(y).__dask_graph__()
    priorities = order(lowered)
    outputs = [k for k in lowered if k[0] == y.name]
    assert min(outputs, key=priorities.get) == (y.name, 0, 0)

    y = y.persist()
    corner = y[0, 0]
    graph = corner.__dask_graph__()
    deps = {d for task in graph.values() for d in task.dependencies}
    external = deps - set(graph)
    assert len(external) <= 1  # the persisted block (0, 0), nothing else
    assert all(k[1:] == (0, 0) for k in external)
    np.testing.assert_allclose(corner.compute(), (x + x.T)[0, 0].compute())


class _PriorityRecorder(distributed.diagnostics.plugin.SchedulerPlugin):
    """Records each task's priority when it starts processing."""

    name = "test-priority-recorder"

    def __init__(self):
        self.scheduler = None
        self.seen = {}

    def transition(self, key, start, finish, *args, **kwargs):
        if finish == "processing" and self.scheduler is not None:
            self.seen[key] = self.scheduler.tasks[key].priority


def test_hlq_priorities_reach_the_distributed_scheduler(cluster_client):
    from hlq.lower.dist_order import PLUGIN_NAME
    from hlq.lower.scheduler import choose_priorities

    scheduler = cluster_client.cluster.scheduler  # LocalCluster's scheduler runs in this process
    rec = _PriorityRecorder()
    rec.scheduler = scheduler
    scheduler.add_plugin(rec)
    try:
        with dask.config.set({"hlq.batch": False}):
            x = da.random.random((400, 400), chunks=20)
            y = (x + x.T - x.mean(axis=0))[::2, 100:].std()
            g = y.__dask_graph__()
            prio, name = choose_priorities(g, y.__dask_keys__())
            assert name == "depth-first"  # blocks shared by three consumers: fewer held than dask.order
            result = cluster_client.compute(y).result()
        assert PLUGIN_NAME in scheduler.plugins  # installed when hlq first checked the scheduler
        # the scheduler's graph is g plus a finalize task on top: the same relative order
        assert set(g) <= set(rec.seen)
        assert sorted(g, key=lambda k: rec.seen[k]) == sorted(g, key=prio.__getitem__)
        with dask.config.set({"hlq.batch": False, "hlq.order": False}):
            x = da.random.random((400, 400), chunks=20)  # new keys: nothing is reused from the first run
            y2 = (x + x.T - x.mean(axis=0))[::2, 100:].std()
            g2 = y2.__dask_graph__()
            prio2, _ = choose_priorities(g2, y2.__dask_keys__())
            cluster_client.compute(y2).result()
        assert set(g2) <= set(rec.seen)
        assert sorted(g2, key=lambda k: rec.seen[k]) != sorted(g2, key=prio2.__getitem__)  # distributed's own
    finally:
        scheduler.remove_plugin(rec.name)
    with dask.config.set({"hlq.batch": False}):
        np.testing.assert_allclose(result, y.compute(scheduler="threads"))


def test_contraction_under_a_client_is_split_over_the_workers_threads(cluster_client):
    # the nanny starts workers with one BLAS thread (pre-spawn-environ), so a product with one
    # output block is spread over the workers' two threads
    from hlq.lower.cost import blas_threads

    assert blas_threads() == 1
    an = np.arange(6000.0).reshape(60, 100)
    a = da.from_array(an, chunks=(60, 10))
    y = a @ a.T
    with dask.config.set({"hlq.cost.flops": 1e3}):  # small blocks, counted as slow products
        assert "contract-partial" in hlq.explain(y)
        np.testing.assert_allclose(cluster_client.compute(y).result(), an @ an.T)
    assert "contract-partial" not in hlq.explain(y)  # at the real rate they are not worth a task each
