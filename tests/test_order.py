"""hlq's task priorities (hlq.lower.scheduler) and the threaded scheduler that uses them."""

import dask
import dask.array as dda
import numpy as np
import pandas as pd
import pytest
from dask.base import get_scheduler
from dask.callbacks import Callback

import hlq.array as da
import hlq.dataframe as dd
from hlq.lower import scheduler as hlq_order
from hlq.lower.scheduler import is_topological, peak_live, priorities, tree_shaped


def _graphs():
    a = np.arange(24 * 30, dtype=float).reshape(24, 30)
    x = da.from_array(a, chunks=(5, 7))
    r = da.random.default_rng(1).random((40, 12, 14), chunks=(4, 12, 7))
    anom = r - r.mean(axis=0)
    return [
        ((x + 1).sum(), (a + 1).sum()),
        (x.mean(axis=0), a.mean(axis=0)),
        ((x @ x.T)[:7, :9], (a @ a.T)[:7, :9]),
        (x.rechunk((12, 3))[3:20], a[3:20]),
        (da.concatenate([x, x * 2], axis=0).std(axis=1), np.concatenate([a, a * 2], axis=0).std(axis=1)),
        (anom[:, :5, :5].std(), None),
        (anom.std(), None),
    ]


@pytest.mark.parametrize("batch", [True, False])
def test_priorities_are_a_topological_order_of_every_task(batch):
    with dask.config.set({"hlq.batch": batch}):
        for y, _ in _graphs():
            g = y.__dask_graph__()
            prio = priorities(g, y.__dask_keys__())
            assert set(prio) == set(g)
            assert sorted(prio.values()) == list(range(len(g)))
            assert is_topological(g, prio)


def test_is_topological_detects_a_bad_order():
    y = (da.ones((10, 10), chunks=2) + 1).sum()
    g = y.__dask_graph__()
    prio = priorities(g, y.__dask_keys__())
    out = y.__dask_keys__()[0] if isinstance(y.__dask_keys__(), list) else y.__dask_keys__()
    bad = dict(prio)
    bad[out] = -1  # the output before its inputs
    assert not is_topological(g, bad)


@pytest.mark.parametrize("use_order", [True, False])
def test_same_results_with_and_without_hlq_order(use_order):
    with dask.config.set({"hlq.order": use_order}):
        for y, expected in _graphs():
            got = y.compute()
            if expected is not None:
                np.testing.assert_allclose(got, expected)
    with dask.config.set({"hlq.order": True}):
        on = [y.compute() for y, _ in _graphs()]
    with dask.config.set({"hlq.order": False}):
        off = [y.compute() for y, _ in _graphs()]
    for p, q in zip(on, off):
        np.testing.assert_array_equal(p, q)


class _Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.started = []

    def _pretask(self, key, dsk, state):
        self.started.append(key)


def test_hlq_collections_default_to_the_hlq_scheduler():
    x = da.ones((8, 8), chunks=2)
    assert get_scheduler(collections=[x]) is hlq_order.get
    assert get_scheduler(collections=[x, dda.ones(3)]) in (hlq_order.get, dask.threaded.get)
    # an explicit scheduler wins
    assert get_scheduler(scheduler="threads", collections=[x]) is dask.threaded.get


def test_one_worker_runs_tasks_in_priority_order():
    with dask.config.set({"hlq.batch": False}):
        y = (da.ones((40, 40), chunks=4) + 1).sum()
        g = y.__dask_graph__()
        prio = priorities(g, y.__dask_keys__())
        rec = _Recorder()
        with rec:
            (res,) = dask.compute(y, num_workers=1)
    assert res == 2 * 40 * 40
    ran = [k for k in rec.started if k in g]  # compute() adds a finalize task on top
    assert len(ran) == len(g) and len(rec.started) <= len(g) + 1
    assert ran == sorted(g, key=prio.__getitem__)


def test_mixed_collections_and_persist():
    x = da.arange(20, chunks=3)
    d = dda.arange(5, chunks=2)
    r1, r2 = dask.compute(x.sum(), d.sum())
    assert r1 == 190 and r2 == 10
    r2, r1 = dask.compute(d.sum(), x.sum())
    assert r1 == 190 and r2 == 10
    p = (x * 2).persist()
    np.testing.assert_array_equal(p.compute(), np.arange(20) * 2)


def test_errors_propagate_with_their_type():
    x = da.arange(10, chunks=2)

    def boom(b):
        if b[0] == 4:
            raise ZeroDivisionError("block 4")
        return b

    with pytest.raises(ZeroDivisionError, match="block 4"):
        x.map_blocks(boom).sum().compute()


def test_nested_compute_inside_a_task_does_not_deadlock():
    inner = da.arange(6, chunks=2).sum()

    def f(b):
        return b + inner.compute()

    x = da.zeros(8, chunks=2).map_blocks(f)
    np.testing.assert_array_equal(x.compute(), np.full(8, 15.0))


def _peak_live(dsk, prio, outputs):
    """Most results held at once when the tasks run one at a time in ``prio`` order."""
    deps = {k: [d for d in getattr(v, "dependencies", ()) if d in dsk] for k, v in dsk.items()}
    remaining = dict.fromkeys(dsk, 0)
    for ds in deps.values():
        for d in ds:
            remaining[d] += 1
    live = peak = 0
    for k in sorted(dsk, key=prio.__getitem__):
        live += 1
        peak = max(peak, live)
        for d in deps[k]:
            remaining[d] -= 1
            if remaining[d] == 0 and d not in outputs:
                live -= 1
    return peak


@pytest.mark.parametrize("batch", [True, False])
def test_depth_first_order_holds_about_as_few_results_as_dask_order_on_trees(batch):
    from dask.order import order

    with dask.config.set({"hlq.batch": batch}):
        x = da.ones((400, 400), chunks=(10, 10))
        r = da.random.default_rng(1).random((200, 12, 14), chunks=(4, 12, 14))
        anom = r - r.mean(axis=0)
        for y in ((x + 1).sum(), anom.std(), anom[:, :5, :5].std(), x.rechunk((40, 40)).sum()):
            g = y.__dask_graph__()
            assert tree_shaped(g)
            outs = set(dask.core.flatten(y.__dask_keys__()))
            ours = _peak_live(g, priorities(g, y.__dask_keys__()), outs)
            theirs = _peak_live(g, order(g), outs)
            assert ours <= theirs + 1, (ours, theirs)  # one more block at most (the combine being run)


def test_shared_block_graphs_keep_dask_order():
    x = da.ones((400, 400), chunks=(10, 10))
    y = (x @ x.T)[:50].sum()
    g = y.__dask_graph__()
    assert not tree_shaped(g)  # many blocks feed several products: dask.order is used
    with dask.config.set({"hlq.order": True}):
        assert y.compute() == 50 * 400 * 400


def test_shared_blocks_run_in_the_order_that_holds_fewer_results():
    from dask.order import order

    from hlq.lower.scheduler import choose_priorities, peak_live

    # the tutorial's expression: every drawn block feeds a mean, a block of x and a block of x.T
    with dask.config.set({"hlq.batch": False}):
        x = da.random.random((400, 400), chunks=20)
        y = (x + x.T - x.mean(axis=0))[::2, 100:].std()
        g = y.__dask_graph__()
        keys = y.__dask_keys__()
        assert not tree_shaped(g)
        prio, name = choose_priorities(g, keys)
        assert is_topological(g, prio)
        theirs = peak_live(g, order(g), keys)
        ours = peak_live(g, priorities(g, keys), keys)
        assert peak_live(g, prio, keys) == min(ours, theirs)
        assert ours < theirs and name == "depth-first"
        got = y.compute()
    with dask.config.set({"hlq.order": False, "hlq.batch": False}):
        assert got == y.compute()


def test_order_choice_is_simulated_only_where_blocks_can_matter():
    from hlq.lower.scheduler import choose_priorities, worth_simulating

    small = da.random.random((400, 400), chunks=(40, 16)).rechunk((16, 40))[:100, :100]  # 12.8 KB blocks
    big = da.random.random((20000, 20000), chunks=1000)
    tutorial = (big + big.T - big.mean(axis=0))[::2, 5000:].std()  # 8 MB blocks
    assert not worth_simulating(small.expr, 200)  # 200 x 12.8 KB < 256 MiB: dask.order directly
    assert worth_simulating(tutorial.expr, 1043)
    with dask.config.set({"hlq.order.simulate-min-bytes": 1}):
        assert worth_simulating(small.expr, 200)
    frame = dd.from_pandas(pd.DataFrame({"a": range(10)}), npartitions=2)
    assert worth_simulating(frame.a.sum().expr, 3)  # partition sizes unknown: always compared
    g = small.__dask_graph__()
    assert not tree_shaped(g)
    prio, name = choose_priorities(g, small.__dask_keys__(), simulate=False)
    assert name == "dask.order" and is_topological(g, prio)
    np.testing.assert_array_equal(small.compute(), small.compute(scheduler="sync"))


def test_peak_live_counts_results_held_at_once():
    from dask._task_spec import Task, TaskRef

    def f(*a):
        return 1

    # a -> b -> c and a -> c: a is held until c runs
    g = {"a": Task("a", f), "b": Task("b", f, TaskRef("a")), "c": Task("c", f, TaskRef("a"), TaskRef("b"))}
    assert peak_live(g, {"a": 0, "b": 1, "c": 2}, ["c"]) == 3
    # two independent chains: the order decides how many heads are held together
    g = {k: Task(k, f) for k in ("a", "b")}
    g.update({"a2": Task("a2", f, TaskRef("a")), "b2": Task("b2", f, TaskRef("b"))})
    g["out"] = Task("out", f, TaskRef("a2"), TaskRef("b2"))
    assert peak_live(g, {"a": 0, "a2": 1, "b": 2, "b2": 3, "out": 4}, ["out"]) == 3
    assert peak_live(g, {"a": 0, "b": 1, "a2": 2, "b2": 3, "out": 4}, ["out"]) == 3
