"""Physical planning of array operations (phase ``physical``, tag ``lowering``).

* a logical reduction becomes partial -> combine tree -> aggregate;
* a cumulative scan becomes a scan of every block plus a combine with the
  running totals of the blocks before it;
* a reshape becomes a rechunk (so that blocks reshape independently) and a
  reshape of every block;
* a contraction whose tasks would hold too large a slab is split into partial
  products summed in a tree (below).

The first three are needed for correctness (``excludable=False``).

With the cost model on (``hlq.cost``, see :mod:`hlq.lower.cost`) and tiny
blocks, the first combine level reads a whole range of blocks per task: the
number of its tasks follows the estimated work of the blocks under it divided
by the target task duration (at least ``tasks-per-thread x threads``), and the
upper levels combine 16 intermediates per task over the axes that still have
several blocks.  The lowering then computes each range of blocks inside one
task (see :mod:`hlq.lower.graph`).  Without the cost model (or with an
explicit ``split_every``) the tree is dask's: ``split_every`` blocks per task
at every level.

A :class:`~hlq.array.nodes.linalg.Contract` output block is the sum of the
products of all its contracted block pairs, computed in one task: that task
holds every input block of the slab (``(a @ a.T)[:2000, :2000]`` on 2000 x 2000
blocks of a 20000 x 20000 array holds 20 blocks, 640 MB).  When the blocks one
output task would hold exceed ``hlq.cost.contract-slab-bytes`` (default
128 MiB; the slabs of the tasks the threads run side by side count together,
so each split task holds at most the limit divided by the threads), or when
there are fewer output blocks than the scheduler threads a single BLAS call
leaves idle (``threads / blas-threads``, see
:func:`hlq.lower.cost.blas_threads`), the contracted pairs are split into
groups (as many pairs per group as the slab limit allows, counting a block
read by both operands once, and enough groups for the idle threads; pairs
spread evenly), each group's partial product is one task, and the partials
are summed in a tree of ``add-partials`` tasks (4 per task).  The partial
tasks compute their input blocks themselves when nothing else reads them (see
:mod:`hlq.lower.batching`): a block is then never held long before its
product.  Off with ``hlq.cost=False``.

Groups for threads are also bounded by the work: each keeps at least
``hlq.cost.target-duration`` of estimated multiply-adds (``hlq.cost.flops``,
1e10 per second), so a product of small blocks is not split at all.

Why only the idle threads: on the local threaded scheduler numpy's BLAS
already runs a float or complex product on every core, so a slab under the
limit stays one task (splitting it only adds partial outputs, an add tree
and oversubscribed cores: ``(a @ a.T)[:400, :400]`` on 400-blocks took 0.08 s
split 8 ways vs 0.05 s whole).  Distributed workers run BLAS on one thread,
so there the pairs are spread over the workers' threads; integer, boolean
and object products never use BLAS and are split for every thread.

>>> import hlq.array as da
>>> from hlq.rules import optimize_plan
>>> x = da.ones((8, 8), chunks=2).sum(axis=0, split_every=2)
>>> plan = optimize_plan(x.node)
>>> plan.op_name, plan.child.op_name
('sum-aggregate', 'sum-combine')
>>> optimize_plan(da.ones((8, 8), chunks=2).cumsum(axis=0).node).label()
'cumsum-combine(axis=0)'
>>> optimize_plan(da.ones((8, 8), chunks=2).reshape(64).node).label()
'reshape-blocks(64,)'
>>> import dask
>>> a = da.ones((4000, 4000), chunks=1000)
>>> with dask.config.set({"hlq.cost.contract-slab-bytes": 16 * 2**20, "hlq.batch.threads": 2,
...                       "hlq.cost.blas-threads": 1}):
...     plan = optimize_plan((a @ a.T)[:1000, :1000].node)
>>> plan.op_name, plan.child.op_name
('add-partials', 'contract-partial')
"""

from __future__ import annotations

import math

import dask

from hlq.array.nodes import Rechunk
from hlq.array.nodes.reduction import Aggregate, Combine, Partial, Reduction, default_split_every
from hlq.array.nodes.linalg import AddTree, Contract, ContractPartials
from hlq.array.nodes.reshape import Reshape, ReshapeBlocks
from hlq.array.nodes.scan import BlockLast, Cumulative, ScanBlocks, ScanCombine
from hlq.lower.batching import BatchSettings, block_seconds
from hlq.lower.cost import CostSettings, blas_threads, chain_block_seconds, chain_members, fmt_seconds, range_split
from hlq.rules import Is, rule

#: blocks per combine task above the first level when the cost model sizes the tree
_UPPER_FAN_IN = 16


def _first_level_split(part, axis):
    """(split dict, reason) for a first combine level that reads ranges of tiny blocks, or
    (None, None) when dask's default fan-in is as coarse as the estimated work asks."""
    s = CostSettings.current()
    if not s.enabled:
        return None, None
    per_block = chain_block_seconds(part)
    if per_block is None:
        return None, None
    nb = part.numblocks
    n_total = math.prod(nb)
    n_red = math.prod(nb[a] for a in axis)
    n_keep = n_total // max(n_red, 1)
    work = per_block * n_total
    tasks = s.tasks_for(work)
    per_out = max(1, tasks // max(n_keep, 1))
    k = int(math.ceil(n_red / per_out))
    why = f"target {fmt_seconds(s.target)} per task, >= {s.min_tasks} for {s.threads} threads"
    if k <= _UPPER_FAN_IN:
        k = _parallel_fan_in(part, nb, axis, n_keep, s)
        if k is None:
            return None, None
        why = (f"{_UPPER_FAN_IN} blocks per task would leave fewer than 2 x {s.threads} threads tasks, "
               f"too few to run the partial blocks inside them")
    split = range_split(nb, axis, k)
    got = n_keep * math.prod(-(-nb[a] // split[a]) for a in axis)
    reason = (f"cost: ~{fmt_seconds(per_block)} per block x {n_total} blocks = ~{fmt_seconds(work)} of work "
              f"-> {got} tasks of ~{math.prod(split.values())} blocks ({why})")
    return split, reason


def _parallel_fan_in(part, nb, axis, n_keep, s):
    """Blocks per first-level task when a fan-in of ``_UPPER_FAN_IN`` is as coarse as the
    estimated work asks but would leave fewer first-level tasks than the threads need: then
    the partial blocks could not run inside those tasks (batching keeps ``2 x threads``
    tasks) and every partial block would be a task of its own.  None to keep the fan-in:
    when the partial blocks would not run inside their consumer anyway (blocks too long or
    too large), when the whole work is below one batch's target duration (batching then
    takes all of it), or when the fan-in already leaves enough tasks."""
    b = BatchSettings.current()
    if not b.enabled:
        return None
    # the partial step alone decides, not the chain below it: the same reduction reached
    # through a transpose (xarray moving an axis last) must get the same tree, hence the same bits
    own = block_seconds([part], b)
    if own is None or own != own or own * math.prod(nb) < b.target or own >= b.target:
        return None
    members = chain_members(part) or ()
    if max((getattr(m, "max_block_nbytes", 0) or 0 for m in members), default=0) > b.block_bytes:
        return None
    coarse = range_split(nb, axis, _UPPER_FAN_IN)
    if n_keep * math.prod(-(-nb[a] // coarse[a]) for a in axis) >= 2 * s.threads:
        return None  # enough for batching to run the partial blocks inside them
    n_red = math.prod(nb[a] for a in axis)
    for want in (s.min_tasks, 2 * s.threads):  # batching keeps at least 2 x threads tasks
        per_out = -(-want // max(n_keep, 1))  # first-level tasks each output block needs
        k = n_red // per_out
        if k >= 2:
            return k
    return None


@rule(Is(Reduction), phase="physical", register=False, excludable=False, tags=("lowering",))
def lower_reduction(node):
    """reduction(x) -> aggregate(combine(...(partial(x))))"""
    c = node.child
    axis = node.axis
    part = Partial(c, node.kind, axis, node.dtype_, node.ddof)
    split = node.split_every
    sized = False
    first, note = None, ""
    if split is None:
        first, note = _first_level_split(part, axis)
        sized = first is not None or CostSettings.current().enabled
        split = default_split_every(c.numblocks, axis)
    elif isinstance(split, int):
        split = {a: split for a in axis}
    elif isinstance(split, tuple):
        split = dict(split)
    split_t = tuple(max(2, int(split.get(i, 2))) if i in axis else 0 for i in range(c.ndim))
    cur = part
    level = 0
    while any(cur.numblocks[a] > 1 for a in axis):
        if sized:
            # sized in tasks: the first level from the estimated work, the others 16 blocks per
            # task over the axes that still have several blocks
            want = first if (level == 0 and first) else range_split(cur.numblocks, axis, _UPPER_FAN_IN)
            st = tuple(max(1, int(want[i])) if i in axis else 0 for i in range(c.ndim))
        else:
            st = split_t
        final = all(-(-cur.numblocks[a] // st[a]) == 1 for a in axis)
        cur = Combine(cur, node.kind, axis, st, final, node.keepdims, node.dtype_, node.ddof,
                      note if level == 0 else "")
        level += 1
        if final:
            return cur
    return Aggregate(cur, node.kind, axis, node.keepdims, node.dtype_, node.ddof)


@rule(Is(Cumulative), phase="physical", register=False, excludable=False, tags=("lowering",))
def lower_cumulative(node):
    """cumsum(x) -> combine(scan-blocks(x), last(scan-blocks(x)))"""
    scan = ScanBlocks(node.child, node.kind, node.axis, node.dtype_)
    if node.child.numblocks[node.axis] == 1:
        return scan
    return ScanCombine(scan, BlockLast(scan, node.kind, node.axis), node.kind, node.axis)


@rule(Is(Reshape), phase="physical", register=False, excludable=False, tags=("lowering",))
def lower_reshape(node):
    """reshape(x) -> reshape-blocks(rechunk(x))"""
    c = node.child
    inner = c if c.dims == node.in_dims else Rechunk(c, node.in_dims)
    return ReshapeBlocks(inner, node.dims)


#: partial products summed per add-partials task
_ADD_FAN_IN = 4

#: dtypes whose block products numpy hands to BLAS (float32/64, complex64/128); other dtypes
#: (integers, booleans, float16, objects) multiply in numpy's own single-threaded loops
_BLAS_DTYPE_CHARS = "fdFD"


def _pair_bytes(node, n_pairs) -> float:
    """Bytes of the distinct input blocks one contracted pair brings into a task: both blocks,
    or one when every pair reads the same block for both operands (``(a @ a.T)`` on the
    diagonal); counted exactly when the contraction has one output block."""
    a, b = node.a.max_block_nbytes, node.b.max_block_nbytes
    if node.a is not node.b or math.prod(node.numblocks) != 1 or n_pairs > 100_000:
        return a + b
    distinct = {dep for dep in node.block_dependencies((0,) * len(node.numblocks))}
    return len(distinct) * a / n_pairs


def _pair_seconds(node) -> float | None:
    """Estimated seconds of one block product: 2 x the product of the largest block length of
    every index (multiply-adds) over ``hlq.cost.flops`` (default 1e10 per second, a BLAS core);
    None when a block length is unknown."""
    sizes: dict = {}
    for x, ind in ((node.a, node.a_ind), (node.b, node.b_ind)):
        for i, d in zip(ind, x.dims):
            m = d.max_size()
            if m != m:
                return None
            sizes[i] = max(sizes.get(i, 0), m)
    return 2.0 * math.prod(sizes.values()) / float(dask.config.get("hlq.cost.flops", 1e10))


@rule(Is(Contract), phase="physical", register=False, tags=("contract-split",))
def split_contraction(node):
    """contract(a, b) -> add-partials(contract-partial(a, b))  (bounded slab per task)"""
    s = CostSettings.current()
    if not s.enabled:
        return None
    n_pairs = math.prod(node._knb)
    if n_pairs <= 1:
        return None
    limit = int(dask.config.get("hlq.cost.contract-slab-bytes", 128 * 2**20))
    pair_bytes = _pair_bytes(node, n_pairs)
    n_out = math.prod(node.numblocks)
    if n_out * n_pairs * pair_bytes <= limit:
        groups_for_memory = 1  # every slab of the contraction fits at once
    else:
        # the threads run partial tasks side by side: together they hold at most the limit
        per_task = limit // max(s.threads, 1)
        groups_for_memory = -(-n_pairs // max(1, per_task // max(pair_bytes, 1)))
    # one block product is one BLAS call that already runs on blas_threads() threads: split only
    # for the scheduler threads it leaves idle (partial products are equal work, so no slack
    # factor as for ranges of blocks)
    per_call = blas_threads() if node.dtype.char in _BLAS_DTYPE_CHARS else 1
    slots = -(-s.threads // per_call)
    groups_for_threads = -(-slots // max(n_out, 1))
    # and only as far as each group keeps at least a target duration of work
    work = _pair_seconds(node)
    if work is not None:
        groups_for_threads = min(groups_for_threads, max(1, int(n_pairs * work // s.target)))
    groups = min(n_pairs, max(groups_for_memory, groups_for_threads))
    if groups <= 1:
        return None
    cur = ContractPartials(node.a, node.b, node.a_ind, node.b_ind, node.out_ind, node.func, node.dtype_, groups)
    while True:
        n = cur.numblocks[0]
        final = n <= _ADD_FAN_IN
        cur = AddTree(cur, max(n, 1) if final else _ADD_FAN_IN, final)
        if final:
            return cur
