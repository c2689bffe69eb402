"""The cost model that sizes the physical plan: how many tasks a computation gets.

The unit of estimated work is the time one block takes: the bytes each
blockwise step touches divided by a throughput, plus a fixed cost per call
(see :func:`hlq.lower.batching.block_seconds`).  A physical plan whose blocks
are tiny should not get one task per block: the scheduler's cost per task
(tens of µs on the threaded scheduler, more on distributed) would dominate.
Instead the number of tasks follows the estimated work divided by a target
task duration, bounded below by the parallelism available:

    tasks = max(work / hlq.cost.target-duration, hlq.cost.tasks-per-thread x threads)

and each task then covers a range of blocks (described compactly, so that
lowering costs O(tasks), not O(blocks)).  User-visible chunks do not change.

Configuration (``dask.config``):

``hlq.cost`` (default True)
    False turns the cost model off: one task per block (as before), the
    tree reductions' default fan-in, every rewrite applied.
``hlq.cost.target-duration`` (default 10 ms)
    the duration a task should have when blocks are tiny.
``hlq.cost.tasks-per-thread`` (default 4)
    the lower bound on tasks per available thread.
``hlq.batch.threads``
    the number of threads to plan for; else the total threads of the
    workers of the distributed client in use, else dask's ``num_workers``,
    else the CPU count.
``hlq.cost.flops`` (default 1e10)
    multiply-adds per second one task does in a block product (the work
    estimate of contractions).
``hlq.cost.blas-threads``
    the threads one BLAS call (a block product of ``matmul``, ``dot`` or
    ``tensordot``) uses where the plan runs; else read from
    ``OPENBLAS_NUM_THREADS`` / ``MKL_NUM_THREADS`` / ``OMP_NUM_THREADS``
    (the distributed nanny's ``pre-spawn-environ`` for a distributed
    client, which sets them to 1), else the CPU count (OpenBLAS' and MKL's
    default).  A contraction is split for parallelism only by the threads
    its one BLAS call would leave idle.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import weakref

import dask

from hlq.lower.batching import BatchSettings, block_seconds
from hlq.lower.settings import memoized
from hlq.lower.ship import current_distributed_client

__all__ = ["cost_enabled", "available_threads", "blas_threads", "CostSettings", "chain_members", "chain_block_seconds",
           "range_split", "fmt_seconds"]


def cost_enabled() -> bool:
    """Whether the cost model sizes the physical plan (config ``hlq.cost``, default True)."""
    v = dask.config.get("hlq.cost", True)
    if isinstance(v, dict):  # ``hlq.cost.*`` keys set without ``hlq.cost`` itself
        return bool(v.get("enabled", True))
    return bool(v)


#: the machine's CPU count (constant for the process; ``os.cpu_count`` asks the kernel each call)
_CPU_COUNT = os.cpu_count() or 1

_THREADS_BY_CLIENT: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _client_threads(client) -> int | None:
    with _LOCK:
        if client in _THREADS_BY_CLIENT:
            return _THREADS_BY_CLIENT[client]
    try:
        n = sum(client.nthreads().values()) or None
    except Exception:
        n = None
    with _LOCK:
        _THREADS_BY_CLIENT[client] = n
    return n


def available_threads() -> int:
    """Threads to plan for: ``hlq.batch.threads``, else the distributed client's workers' total
    threads (asked once per client), else dask's ``num_workers``, else the CPU count."""
    return memoized(available_threads, _available_threads)


def _available_threads() -> int:
    get = dask.config.get
    n = get("hlq.batch.threads", None)
    if n:
        return int(n)
    client = None
    if "distributed" in sys.modules:  # a client exists only if distributed was imported
        try:
            client = current_distributed_client()
        except Exception:
            client = None
    if client is not None and not getattr(client, "asynchronous", False):
        n = _client_threads(client)
        if n:
            return int(n)
    return int(get("num_workers", None) or _CPU_COUNT)


#: the environment variables OpenBLAS, MKL and OpenMP read for their thread count, in that order
_BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def _threads_from_environment(env) -> int | None:
    for name in _BLAS_THREAD_VARIABLES:
        try:
            n = int(str(env.get(name, "")).strip() or 0)
        except ValueError:
            continue
        if n > 0:
            return n
    return None


def blas_threads() -> int:
    """Threads one BLAS call uses where the plan runs.

    ``hlq.cost.blas-threads`` if set; else, when a distributed client is in use, the
    thread variables the nanny gives its workers (``distributed.nanny.pre-spawn-environ``,
    1 by default); else this process' ``OPENBLAS_NUM_THREADS`` / ``MKL_NUM_THREADS`` /
    ``OMP_NUM_THREADS``; else the CPU count (what OpenBLAS and MKL use by default).

    Returns
    -------
    int
        At least 1.

    Examples
    --------
    >>> import dask
    >>> with dask.config.set({"hlq.cost.blas-threads": 3}):
    ...     blas_threads()
    3
    """
    return memoized(blas_threads, _blas_threads)


def _blas_threads() -> int:
    get = dask.config.get
    n = get("hlq.cost.blas-threads", None)
    if n:
        return max(1, int(n))
    if "distributed" in sys.modules:
        try:
            client = current_distributed_client()
        except Exception:
            client = None
        if client is not None:
            n = _threads_from_environment(get("distributed.nanny.pre-spawn-environ", None) or {})
            if n:
                return n
    return _threads_from_environment(os.environ) or _CPU_COUNT


class CostSettings:
    """The configuration values of the cost model, read once per decision."""

    __slots__ = ("enabled", "target", "per_thread", "threads")

    def __init__(self):
        get = dask.config.get
        self.enabled = cost_enabled()
        self.target = float(get("hlq.cost.target-duration", 0.01))
        self.per_thread = int(get("hlq.cost.tasks-per-thread", 4))
        self.threads = available_threads()

    @classmethod
    def current(cls) -> "CostSettings":
        """The settings in force (read once per :func:`hlq.lower.settings.settings_scope`)."""
        return memoized(cls, cls)

    @property
    def min_tasks(self) -> int:
        return max(1, self.per_thread * self.threads)

    def tasks_for(self, work_seconds: float) -> int:
        """Tasks a computation of ``work_seconds`` of estimated work should get."""
        return max(self.min_tasks, int(math.ceil(work_seconds / self.target)))


def chain_members(node, limit: int = 64) -> list | None:
    """The blockwise nodes a fused group rooted at ``node`` would likely hold: ``node`` and the
    blockwise nodes below it reached through array inputs (at most ``limit``), producers first.
    None if ``node`` is not blockwise."""
    if not getattr(node, "is_blockwise", False):
        return None
    seen = {id(node)}
    out = [node]
    stack = [node]
    while stack and len(out) < limit:
        n = stack.pop()
        for child, _ in getattr(n, "bw_inputs", ()):
            if child.numblocks and getattr(child, "is_blockwise", False) and id(child) not in seen:
                seen.add(id(child))
                out.append(child)
                stack.append(child)
    out.reverse()
    return out


def chain_block_seconds(node) -> float | None:
    """Estimated seconds to compute one block of ``node`` together with the blockwise chain
    below it (None when a block size is unknown or ``node`` is not blockwise)."""
    members = chain_members(node)
    if members is None:
        return None
    sec = block_seconds(members, BatchSettings.current())
    return None if sec is None or sec != sec else sec  # nan: unknown (nan) chunk sizes


def range_split(numblocks, axes, blocks_per_task: int) -> dict:
    """Blocks per task along each axis of ``axes`` so that one task covers about
    ``blocks_per_task`` blocks: axes with one block get 1, the others share the product,
    the axis with the most blocks taking what the smaller ones cannot."""
    split = {a: 1 for a in axes}
    live = sorted((a for a in axes if numblocks[a] > 1), key=lambda a: numblocks[a])
    left = max(1, int(blocks_per_task))
    for i, a in enumerate(live):
        rest = len(live) - i
        want = max(1, int(round(left ** (1.0 / rest))))
        s = min(numblocks[a], max(2, want))
        split[a] = s
        left = max(1, int(math.ceil(left / s)))
    return split


def fmt_seconds(s: float) -> str:
    """``s`` seconds as a short human-readable string."""
    if s >= 1:
        return f"{s:.3g} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} µs"
