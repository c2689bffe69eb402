"""Task priorities for hlq's graphs, and a local threaded scheduler that uses them.

Why
---
dask's local schedulers call ``dask.order.order`` on every graph before
running it (``dask.local.get_async``); on 10^5-10^6-task graphs that costs
about 13 µs per task, a large part of a computation whose tasks each take a
few µs.  hlq's lowered graphs are shaped by the plan: fused blockwise groups
feeding reduction trees, rechunk merges and gathers, with the requested
output blocks at the top.  For that shape a plain **depth-first post-order
from the output keys** (each output block's inputs are finished, and their
consumers run, before the next output block is started; a reduction tree is
walked subtree by subtree) is a correct, memory-friendly priority that costs
one visit per dependency edge.  Where many blocks feed several consumers
(``x + x.T``, products), neither that order nor ``dask.order`` is always
the better one, so both are computed and the one whose simulated run holds
fewer results at once is used (:func:`choose_priorities`).

Hooks
-----
``dask.local.get_async`` calls ``order(dsk)`` unconditionally and offers no
parameter or callback to supply priorities (its ``start_state`` callback runs
after ordering; dask 2026.8).  Its building blocks do take the priority as a
``sortkey`` argument: :func:`dask.local.start_state_from_dask` (initial ready
stack) and :func:`dask.local.finish_task` (the order in which newly ready
tasks are pushed).  :data:`get` is a threaded scheduler built from those
pieces and dask's ``execute_task``; hlq collections name it as their
``__dask_scheduler__`` (the documented way for a collection to choose its
default scheduler), so ``x.compute()`` and ``dask.compute(x)`` use it when no
other scheduler is configured.  An explicit ``scheduler="threads"``/``"sync"``,
a ``dask.config`` scheduler or a distributed ``Client`` bypasses it: those
paths call ``dask.order`` themselves.  On distributed, the scheduler plugin
of :mod:`hlq.lower.dist_order` replaces the ``dask.order`` part of the new
tasks' priorities with :func:`choose_priorities` (distributed has already
computed ``dask.order`` by then, and the plugin reuses it).

Configuration: ``hlq.order`` (default True) - False makes :data:`get` defer
to ``dask.threaded.get`` (so ``dask.order``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from queue import Queue
from threading import Lock, current_thread

import dask
import dask.threaded
from dask._expr import FinalizeCompute, _ExprSequence
from dask._task_spec import convert_legacy_graph
from dask.core import flatten
from dask.local import (
    default_pack_exception, execute_task, finish_task, local_callbacks, nested_get, reraise,
    start_state_from_dask, unpack_callbacks,
)
from dask.order import order
from hlq.expr.traverse import walk
from hlq.lower.graph import _gc_paused
from hlq.lower.protocol import BlockNode

__all__ = ["priorities", "is_topological", "tree_shaped", "peak_live", "choose_priorities", "worth_simulating",
           "get", "HlqThreadedScheduler"]


def _deps_of(value):
    deps = getattr(value, "dependencies", None)
    return deps if deps is not None else ()


def priorities(dsk: Mapping, keys) -> dict:
    """Depth-first post-order priorities of the tasks of ``dsk`` (0 runs first).

    The output ``keys`` are visited in the given order; from each, its
    dependencies are visited depth first (in ascending key order where keys
    compare) and a task gets its number once all its dependencies have one.
    Tasks not reachable from ``keys`` are numbered afterwards the same way.
    The numbering is a topological order: every dependency of a task has a
    smaller number.

    Parameters
    ----------
    dsk : Mapping
        ``{key: dask._task_spec.GraphNode}`` (as produced by hlq's lowering).
    keys : iterable
        Output keys (may be nested lists, as ``__dask_keys__`` returns).

    Returns
    -------
    dict
        ``{key: int}`` for every key of ``dsk``.
    """
    with _gc_paused():  # allocation-heavy walk: no cyclic GC passes
        return _postorder(dsk, keys)


def _postorder(dsk: Mapping, keys) -> dict:
    prio: dict = {}
    n = 0
    get_node = dsk.get
    starts = list(flatten(keys)) if not isinstance(keys, (str, tuple)) else [keys]
    starts.extend(dsk)  # anything the outputs do not reach
    for start in starts:
        if start in prio or start not in dsk:
            continue
        # stack of [key, pending dependencies (reversed: pop gives the smallest)]
        stack = [(start, _pending(get_node(start), prio, dsk))]
        while stack:
            key, pending = stack[-1]
            while pending:
                d = pending.pop()
                if d not in prio:
                    stack.append((d, _pending(get_node(d), prio, dsk)))
                    break
            else:
                stack.pop()
                if key not in prio:
                    prio[key] = n
                    n += 1
    return prio


def _pending(node, prio, dsk) -> list:
    deps = _deps_of(node)
    if not deps:
        return []
    if len(deps) == 1:
        return [d for d in deps if d not in prio and d in dsk]
    todo = [d for d in deps if d not in prio and d in dsk]
    try:
        todo.sort(reverse=True)
    except TypeError:  # keys of mixed types: any order is still valid
        pass
    return todo


def is_topological(dsk: Mapping, prio: Mapping) -> bool:
    """Whether every task's in-graph dependencies have a smaller priority than it.

    Parameters
    ----------
    dsk : Mapping
        The task graph.
    prio : Mapping
        ``{key: int}`` covering every key of ``dsk``.

    Returns
    -------
    bool
    """
    if set(prio) != set(dsk):
        return False
    for key, node in dsk.items():
        p = prio[key]
        for d in _deps_of(node):
            if d in dsk and prio[d] >= p:
                return False
    return True


def tree_shaped(dsk: Mapping, max_shared: int | None = None) -> bool:
    """Whether the depth-first order surely suits ``dsk``: few tasks feed three or more others.

    Reductions, elementwise chains, rechunk merges and gathers are trees
    (plus a few broadcast results such as a mean subtracted from every
    block): the depth-first order is used without computing ``dask.order``.
    Where many blocks each feed several consumers (products, ``x + x.T``,
    overlaps), visiting one output's inputs depth first may compute shared
    blocks long before their other consumers run, so
    :func:`choose_priorities` compares it with ``dask.order``.

    Parameters
    ----------
    dsk : Mapping
        The task graph.
    max_shared : int, optional
        Most tasks with >= 3 dependents allowed; default
        ``hlq.order.max-shared`` (8) or 1% of the tasks, whichever is larger.

    Returns
    -------
    bool
    """
    if max_shared is None:
        max_shared = max(int(dask.config.get("hlq.order.max-shared", 8)), len(dsk) // 100)
    count: dict = {}
    shared = 0
    for node in dsk.values():
        for d in _deps_of(node):
            c = count.get(d, 0) + 1
            count[d] = c
            if c == 3:
                shared += 1
                if shared > max_shared:
                    return False
    return True


def peak_live(dsk: Mapping, prio: Mapping, keys) -> int:
    """Most task results held at once when one worker runs ``dsk`` in ``prio`` order.

    The run is simulated the way dask's local schedulers take tasks: a stack
    of ready tasks, initially sorted by priority; when a task finishes, the
    dependents it makes ready are pushed so that the one with the lowest
    priority runs next.  A result is held from the end of its task until its
    last dependent has run (the output ``keys`` until the end).  Every result
    counts as one.

    Parameters
    ----------
    dsk : Mapping
        ``{key: dask._task_spec.GraphNode}``.
    prio : Mapping
        ``{key: int}`` covering every key of ``dsk``.
    keys : iterable
        Output keys (may be nested lists).

    Returns
    -------
    int
    """
    return _peak_live(_Shape(dsk, keys), prio)


class _Shape:
    """The dependency structure of a graph with tasks numbered 0..n-1 (integers hash fast)."""

    __slots__ = ("keys", "deps", "dependents", "outputs")

    def __init__(self, dsk: Mapping, keys):
        self.keys = list(dsk)
        index = {k: i for i, k in enumerate(self.keys)}
        get = index.get
        deps = []
        dependents: list = [[] for _ in self.keys]
        for i, k in enumerate(self.keys):
            ds = [j for j in map(get, _deps_of(dsk[k])) if j is not None]
            deps.append(ds)
            for j in ds:
                dependents[j].append(i)
        self.deps, self.dependents = deps, dependents
        outs = flatten(keys) if not isinstance(keys, (str, tuple)) else [keys]
        self.outputs = {index[k] for k in outs if k in index}


def _peak_live(shape: _Shape, prio: Mapping) -> int:
    rank = [prio[k] for k in shape.keys]
    deps, dependents, outputs = shape.deps, shape.dependents, shape.outputs
    waiting = [len(ds) for ds in deps]
    holders = [len(ts) for ts in dependents]
    sortkey = rank.__getitem__
    ready = sorted((i for i, n in enumerate(waiting) if n == 0), key=sortkey, reverse=True)
    live = peak = 0
    while ready:
        i = ready.pop()
        live += 1
        if live > peak:
            peak = live
        for d in deps[i]:
            holders[d] -= 1
            if holders[d] == 0 and d not in outputs:
                live -= 1
        new = []
        for t in dependents[i]:
            waiting[t] -= 1
            if waiting[t] == 0:
                new.append(t)
        if new:
            if len(new) > 1:
                new.sort(key=sortkey, reverse=True)
            ready.extend(new)
    return peak


def choose_priorities(dsk: Mapping, keys, theirs: Mapping | None = None, simulate: bool = True) -> tuple:
    """The priorities hlq's scheduler runs ``dsk`` with, and which order they are.

    A tree-shaped graph (:func:`tree_shaped`) gets the depth-first
    :func:`priorities` directly.  Otherwise both the depth-first order and
    ``dask.order`` are computed and the one whose simulated run holds fewer
    results at once (:func:`peak_live`) is used; a tie keeps ``dask.order``.
    Blocks read by several consumers are where the two differ: depth-first
    finishes one output's inputs before the next output, ``dask.order``
    follows the shared blocks' other consumers; which holds fewer blocks
    depends on how the consumers overlap.

    Parameters
    ----------
    dsk : Mapping
        ``{key: dask._task_spec.GraphNode}``.
    keys : iterable
        Output keys (may be nested lists).
    theirs : Mapping, optional
        ``dask.order``'s priorities of ``dsk`` when already computed (a
        distributed scheduler has them); computed here otherwise.
    simulate : bool
        Compare the two orders in simulated runs (default).  False takes
        ``dask.order`` for graphs that are not tree-shaped without the
        comparison (see :func:`worth_simulating`).

    Returns
    -------
    tuple
        ``(prio, name)``: ``{key: int}`` for every key of ``dsk`` and
        ``"depth-first"`` or ``"dask.order"``.
    """
    if tree_shaped(dsk):
        return priorities(dsk, keys), "depth-first"
    if theirs is None:
        theirs = order(dsk)
    if not simulate:
        return theirs, "dask.order"
    ours = priorities(dsk, keys)
    with _gc_paused():
        shape = _Shape(dsk, keys)
        if _peak_live(shape, ours) < _peak_live(shape, theirs):
            return ours, "depth-first"
    return theirs, "dask.order"


# ---------------------------------------------------------------------------
# the scheduler


_pools: dict = {}
_pools_lock = Lock()


def _pool(num_workers: int):
    with _pools_lock:
        pool = _pools.get(num_workers)
        if pool is None:
            pool = ThreadPoolExecutor(num_workers, thread_name_prefix="hlq-threaded")
            _pools[num_workers] = pool
        return pool


def worth_simulating(dsk, ntasks: int) -> bool:
    """Whether the order choice of :func:`choose_priorities` can matter for the hlq plan behind ``dsk``.

    The simulated runs cost a few hundred microseconds of Python per task;
    what they can save is bounded by every task's result held at once.  When
    the plan is an array plan whose largest block times ``ntasks`` is below
    ``hlq.order.simulate-min-bytes`` (256 MiB by default), no order can hold
    more than that, so ``dask.order`` is taken without the comparison.  Plans
    with dataframe nodes or blocks of unknown size are always compared.

    Parameters
    ----------
    dsk : dask expression
        What the collection handed to the scheduler (see :func:`_is_hlq_graph`).
    ntasks : int
        Tasks in the lowered graph.

    Returns
    -------
    bool
    """
    largest = _largest_block_nbytes(dsk)
    if largest is None:
        return True
    return largest * ntasks >= int(dask.config.get("hlq.order.simulate-min-bytes", 256 * 2**20))


def _largest_block_nbytes(dsk) -> int | None:
    """Bytes of the largest block of any block node of the plans behind ``dsk``; None when a node
    is a dataframe node, a block's size is unknown, or ``dsk`` is not an hlq expression."""
    from hlq.lower.collection import HlqExpr  # import cycle

    expr = dsk
    while isinstance(expr, FinalizeCompute):
        expr = expr.operands[0]
    exprs = list(expr.operands) if isinstance(expr, _ExprSequence) else [expr]
    largest = 0
    for e in exprs:
        if not isinstance(e, HlqExpr):
            return None
        for node in walk(e.hlq_node):
            if isinstance(node, BlockNode):
                if not node.block_sizes_exact:
                    return None  # partition sizes are estimates (object columns): always compare
                b = getattr(node, "max_block_nbytes", None)
                if b is None or b != b:  # a node that does not know its block size, or unknown chunks
                    return None
                largest = max(largest, b)
    return largest


def _is_hlq_graph(dsk) -> bool:
    """True for the expressions hlq collections hand to a scheduler."""
    from hlq.lower.collection import HlqExpr  # import cycle

    expr = dsk
    while isinstance(expr, FinalizeCompute):
        expr = expr.operands[0]
    if isinstance(expr, HlqExpr):
        return True
    if isinstance(expr, _ExprSequence):
        return all(isinstance(op, HlqExpr) for op in expr.operands)
    return False


def _thread_id():
    return current_thread().ident


class HlqThreadedScheduler:
    """dask's threaded scheduler with the priorities of :func:`choose_priorities`.

    Call it like ``dask.threaded.get(dsk, keys, **kwargs)``.  Tree-shaped
    graphs run in depth-first order without calling ``dask.order``; other
    graphs run in the depth-first order or ``dask.order``'s, whichever holds
    fewer results at once in a simulated run.  Graphs that do not come from
    hlq collections, nested calls from inside a task, and ``hlq.order =
    False`` are handed to ``dask.threaded.get`` unchanged.  It
    compares equal to ``dask.threaded.get`` so that ``dask.compute`` of hlq
    and ``dask.array`` collections together still finds one default
    scheduler.
    """

    def __call__(self, dsk, keys, cache=None, num_workers=None, pool=None, **kwargs):
        if (not dask.config.get("hlq.order", True) or not _is_hlq_graph(dsk)
                or current_thread().name.startswith("hlq-threaded")):
            return dask.threaded.get(dsk, keys, cache=cache, num_workers=num_workers, pool=pool, **kwargs)
        graph = convert_legacy_graph(dsk if isinstance(dsk, Mapping) else dsk.__dask_graph__())
        pool = pool or dask.config.get("pool", None)
        num_workers = num_workers or dask.config.get("num_workers", None) or getattr(pool, "_max_workers", None)
        num_workers = num_workers or os.cpu_count() or 1
        if pool is None:
            pool = _pool(num_workers)
        prio, _ = choose_priorities(graph, keys, simulate=worth_simulating(dsk, len(graph)))
        return _run(pool.submit, num_workers, graph, keys, cache, kwargs.get("callbacks"), prio)

    def __eq__(self, other):
        return other is self or other is dask.threaded.get

    def __hash__(self):
        return hash(dask.threaded.get)

    def __repr__(self):
        return "<hlq threaded scheduler (depth-first priorities)>"


def _run(submit, num_workers, dsk, result, cache, callbacks, prio):
    """Execute ``dsk`` for ``result`` keys in ``prio`` order with at most ``num_workers`` tasks in flight."""
    result_flat = set(flatten(result)) if isinstance(result, list) else {result}
    sortkey = prio.__getitem__
    done: Queue = Queue()
    with local_callbacks(callbacks) as cbs:
        _, _, pretask_cbs, posttask_cbs, _ = unpack_callbacks(cbs)
        started = []
        state: dict = {}
        ok = False
        try:
            for cb in cbs:
                if cb[0]:
                    cb[0](dsk)
                started.append(cb)
            state = start_state_from_dask(dsk, cache=cache, sortkey=sortkey, keys=result_flat)
            for cb in cbs:
                if cb[1]:
                    cb[1](dsk, state)
            ready, running, values, dependencies = state["ready"], state["running"], state["cache"], state["dependencies"]
            if state["waiting"] and not ready:
                raise ValueError("Found no accessible jobs in dask")
            while state["waiting"] or ready or running:
                while ready and len(running) < num_workers:
                    key = ready.pop()  # the most recently readied, lowest priority first
                    running.add(key)
                    for f in pretask_cbs:
                        f(key, dsk, state)
                    data = {dep: values[dep] for dep in dependencies[key]}
                    fut = submit(execute_task, key, (dsk[key], data), _identity, _identity, _thread_id,
                                 default_pack_exception)
                    fut.add_done_callback(done.put)
                key, res_info, failed = done.get().result()
                if failed:
                    exc, tb = res_info
                    reraise(exc, tb)
                res, worker_id = res_info
                values[key] = res
                finish_task(dsk, key, state, result_flat, sortkey)
                for f in posttask_cbs:
                    f(key, res, dsk, state, worker_id)
            ok = True
        finally:
            for cb in started:
                if cb[4]:
                    cb[4](dsk, state, not ok)
    return nested_get(result, state["cache"])


def _identity(x):
    return x


get = HlqThreadedScheduler()
"""The default scheduler of hlq collections (see :class:`HlqThreadedScheduler`)."""
