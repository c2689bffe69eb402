"""Task granularity: which fused groups run inside their consumer's tasks.

When blocks are tiny, per-task costs (scheduler ~30-50 µs, ordering, Python
calls) dominate the work.  A blockwise group whose only consumer reads
disjoint sets of its blocks can then be computed *inside* the consumer's
tasks: one task processes a batch of blocks.  The chunks of every array are
unchanged; only the task graph is coarser.

The cost model (all knobs under ``hlq.batch``; ``hlq.batch = False`` turns
batching off):

* estimated duration of one block of the group: for each member, the bytes
  it touches (its output block, or its array inputs if larger) divided by a
  throughput (the node's ``cost_throughput`` or ``hlq.batch.throughput``,
  default 1 GB/s), plus a fixed per-call cost (the node's
  ``cost_call_overhead`` or ``hlq.batch.op-overhead``, default 2 µs);
* the group is batched when one block is shorter than
  ``hlq.batch.target-duration`` (default 5 ms) - below that the per-task
  overhead is a significant share - and its blocks are at most
  ``hlq.batch.block-bytes`` (default 1 MiB; batched tasks hold several
  blocks' intermediates in turn);
* never so much that fewer than ``2 x threads`` tasks remain
  (``hlq.batch.threads``, else the total threads of the distributed client's
  workers, else dask's ``num_workers``, else the CPU count),
  unless the whole group's estimated work is itself below the target
  duration (then parallelism cannot pay for the task overhead);
* the consumer must read each block of the group from exactly one of its
  tasks (reduction combines, rechunk merges, block-aligned concatenates,
  gathers), otherwise a block would be computed twice (a task reading a
  block several times computes it once);
* a consumer whose own work dominates its inputs' (``inline_large_inputs``:
  the partial products of a split contraction) takes blocks of any size and
  duration, as long as ``2 x threads`` of its tasks remain: its inputs are
  then never computed long before the task that multiplies them.

:func:`choose_batches` returns the decisions and the reasons (shown by
``hlq.explain``).
"""

from __future__ import annotations

import itertools

import dask

from hlq.lower.settings import memoized

__all__ = ["choose_batches", "BatchSettings", "block_seconds"]


class BatchSettings:
    """The configuration values of the batching cost model, read once per lowering."""

    __slots__ = ("enabled", "block_bytes", "target", "throughput", "op_overhead", "threads")

    def __init__(self):
        get = dask.config.get
        self.enabled = bool(get("hlq.batch", True))
        self.block_bytes = get("hlq.batch.block-bytes", 1 << 20)
        self.target = float(get("hlq.batch.target-duration", 0.005))
        self.throughput = float(get("hlq.batch.throughput", 1e9))
        self.op_overhead = float(get("hlq.batch.op-overhead", 2e-6))
        from hlq.lower.cost import available_threads  # import cycle

        self.threads = available_threads()

    @classmethod
    def current(cls) -> "BatchSettings":
        """The settings in force (read once per :func:`hlq.lower.settings.settings_scope`)."""
        return memoized(cls, cls)


def _touched_bytes(node) -> int | None:
    out = getattr(node, "max_block_nbytes", None)
    if out is None:
        return None
    inputs = 0
    for child, _ in getattr(node, "bw_inputs", ()):
        if child.numblocks:
            b = getattr(child, "max_block_nbytes", None)
            if b is None:
                return None
            inputs += b
    return max(out, inputs)


def block_seconds(members, settings: BatchSettings) -> float | None:
    """Estimated seconds to compute one block of a fused group (None if unknown)."""
    total = 0.0
    for m in members:
        b = _touched_bytes(m)
        if b is None:
            return None
        throughput = getattr(m, "cost_throughput", None) or settings.throughput
        total += b / throughput + (getattr(m, "cost_call_overhead", None) or settings.op_overhead)
    return total


def _fmt_s(s: float) -> str:
    if s >= 1:
        return f"{s:.3g} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} µs"


def _count(d, numblocks) -> int:
    if d is None:
        n = 1
        for b in numblocks:
            n *= b
        return n
    return len(d)


def _read_index(consumer, demand_c) -> dict:
    """One pass over the tasks of ``consumer``: ``id(child) -> (disjoint, most)``.

    ``disjoint``: each block of that child is read by at most one task (several reads of a
    block by one task are computed once: see ``hlq.lower.graph._lower_substituting``);
    ``most``: the most blocks of it one task reads.  Built once per consumer,
    so a consumer of many groups (a concatenate of n inputs) costs O(its
    dependencies), not O(n x its dependencies).
    """
    seen: dict = {}
    bad: set = set()
    most: dict = {}
    child_ids = {id(c) for c in getattr(consumer, "children", ())}
    it = itertools.product(*(range(b) for b in consumer.numblocks)) if demand_c is None else demand_c
    for idx in it:
        per_task: dict = {}
        mine: set = set()  # (id(child), block) read by this task: a repeat within it is computed once
        for child, cidx in consumer.block_dependencies(idx):
            cid = id(child)
            if cid in bad or (cid, cidx) in mine:
                continue
            s = seen.get(cid)
            if s is None:
                s = seen[cid] = set()
            if cidx in s:
                bad.add(cid)
                if child_ids and child_ids <= bad:  # every input is read twice somewhere: nothing left to learn
                    return {c: (False, 0) for c in seen}
                continue
            s.add(cidx)
            mine.add((cid, cidx))
            per_task[cid] = per_task.get(cid, 0) + 1
        for cid, k in per_task.items():
            if k > most.get(cid, 0):
                most[cid] = k
    return {cid: (cid not in bad, most.get(cid, 0)) for cid in seen}


def _disjoint_reads(consumer, group_root, demand_c, cache: dict | None = None) -> tuple[bool, int]:
    """Whether each block of ``group_root`` is read by at most one task of ``consumer``
    (and by that task once); also the most blocks one consumer task reads.

    ``cache`` (one dict per lowering) keeps each consumer's read index."""
    if getattr(consumer, "inline_inputs_ok", False):
        return True, getattr(consumer, "fan_in", 0) or 0
    if not hasattr(consumer, "block_dependencies"):
        return False, 0
    key = id(consumer)
    index = cache.get(key) if cache is not None else None
    if index is None:
        index = _read_index(consumer, demand_c)
        if cache is not None:
            cache[key] = index
    return index.get(id(group_root), (True, 0))


def choose_batches(group_roots, groups, deps, root_ids, demand) -> tuple[dict, dict]:
    """Decide which groups run inside their consumer's tasks.

    Parameters
    ----------
    group_roots : list
        Roots of the fusion groups, consumers first.
    groups : dict
        ``id(root) -> Group``.
    deps : dict
        Node -> list of its consumers.
    root_ids : set
        ``id`` of the requested outputs (never batched away).
    demand : dict
        ``id(root) ->`` None (all blocks) or the set of demanded block indices.

    Returns
    -------
    (dict, dict)
        ``id(root) -> reason`` for the batched groups, and ``id(root) ->
        reason`` for groups considered and left alone.
    """
    s = BatchSettings.current()
    if not s.enabled:
        return {}, {}
    batched: dict = {}
    refused: dict = {}
    read_indexes: dict = {}
    for root in group_roots:
        rid = id(root)
        g = groups[rid]
        if not g.blockwise or rid in root_ids:
            continue
        n_blocks = _count(demand.get(rid), root.numblocks)
        if n_blocks == 0:
            continue
        consumers = deps.get(root, ())
        if len(consumers) != 1:
            continue
        consumer = consumers[0]
        cg = groups.get(id(consumer))
        if cg is None or cg.blockwise:
            continue  # blockwise consumers fuse instead
        per_block = block_seconds(g.members, s)
        if per_block is None:
            refused[rid] = "block size unknown"
            continue
        if getattr(consumer, "inline_large_inputs", False):
            why = _inline_large(consumer, root, g, demand, n_blocks, s, read_indexes)
            if why.startswith("not batched"):
                refused[rid] = why
            else:
                batched[rid] = why
            continue
        biggest = max(getattr(m, "max_block_nbytes", 0) for m in g.members)
        if biggest > s.block_bytes:
            refused[rid] = f"not batched: blocks of {biggest} bytes > hlq.batch.block-bytes={s.block_bytes}"
            continue
        if per_block >= s.target:
            refused[rid] = (f"not batched: ~{_fmt_s(per_block)} per block >= "
                            f"hlq.batch.target-duration={_fmt_s(s.target)}")
            continue
        n_tasks = _count(demand.get(id(consumer)), consumer.numblocks)
        total = per_block * n_blocks
        if n_tasks < 2 * s.threads and total >= s.target:
            refused[rid] = (f"not batched: only {n_tasks} {consumer.op_name} tasks would remain "
                            f"(< 2 x {s.threads} threads) for ~{_fmt_s(total)} of work")
            continue
        ok, most = _disjoint_reads(consumer, root, demand.get(id(consumer)), read_indexes)
        if not ok:
            refused[rid] = f"not batched: {consumer.op_name} reads some blocks from several tasks"
            continue
        per = f"up to {most} blocks" if most else "its blocks"
        batched[rid] = (
            f"~{_fmt_s(per_block)} per block < hlq.batch.target-duration={_fmt_s(s.target)}, "
            f"blocks <= {biggest} bytes; each {consumer.op_name} task computes {per} inline "
            f"({n_blocks} blocks in {n_tasks} tasks; {s.threads} threads)"
        )
    return batched, refused


def _inline_large(consumer, root, g, demand, n_blocks, s, read_indexes) -> str:
    """Whether a group of blocks of any size runs inside the tasks of a consumer whose own work
    dominates the work of computing its inputs (``inline_large_inputs``: a contraction's task
    multiplies the blocks it reads, O(n^3) against O(n^2)).  Its blocks then need no task of
    their own and are never computed long before the one task that reads them, which bounds
    memory.  Requires each block to be read by one task and the consumer to keep
    ``2 x threads`` tasks.  The reason, starting with ``"not batched"`` when refused."""
    n_tasks = _count(demand.get(id(consumer)), consumer.numblocks)
    if n_tasks < 2 * s.threads:
        return (f"not batched: only {n_tasks} {consumer.op_name} tasks would remain "
                f"(< 2 x {s.threads} threads)")
    ok, most = _disjoint_reads(consumer, root, demand.get(id(consumer)), read_indexes)
    if not ok:
        return f"not batched: {consumer.op_name} reads some blocks from several tasks"
    return (f"each {consumer.op_name} task computes the blocks it reads (up to {most}) inline, each once "
            f"({consumer.op_name} work dominates; {n_blocks} blocks in {n_tasks} tasks; {s.threads} threads)")
