"""Lowering: an optimized plan to a culled, fused ``dask._task_spec`` graph.

Nodes that can be lowered expose a block grid (``numblocks``) and one of two
protocols:

*blockwise* (``is_blockwise = True``)
    ``bw_inputs``: tuple of ``(child, block_map)`` (see :mod:`hlq.lower.blockmap`),
    ``bw_func``: ``f(*input_blocks[, block_arg])`` computing one block,
    ``bw_has_arg`` and ``bw_block_arg(idx)``: an optional per-block argument
    (a region, a seed, a shape).
*general*
    ``block_dependencies(idx)``: the ``(child, child_idx)`` pairs block
    ``idx`` reads, and ``block_task(key, idx)``: its :class:`dask._task_spec.Task`.
    Optionally ``needs_all_inputs`` (True when all blocks of every child are
    read whenever all blocks of the node are).

Lowering does three things in one walk over the plan, never over a
materialized graph:

1. **fusion** - a blockwise node whose consumers all sit in one blockwise
   group, reaching it through the same block map, joins that group; a group
   becomes one task per output block (:class:`FusedBlockFunction`);
2. **culling** - the blocks each group must produce are propagated from the
   requested outputs down to the sources (``None`` meaning "all blocks");
3. **task generation** - only demanded blocks become tasks.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
from dataclasses import dataclass, field

import dask
from dask._task_spec import Task, TaskRef

from hlq.expr.node import Node
from hlq.expr.traverse import dependents, toposort
from hlq.lower.batching import choose_batches
from hlq.lower.blockmap import apply_map, compose_with_sizes, identity_map, is_total

__all__ = ["lower", "LoweringPlan", "FusedBlockFunction", "plan_lowering"]


class FusedBlockFunction:
    """Evaluate a fused chain of blockwise functions on one block.

    ``steps`` is a tuple of ``(func, refs)``; each ref is ``("a", i)`` - the
    i-th task argument - or ``("r", j)`` - the result of step j.  The last
    step's result is returned.  Each intermediate is released right after its
    last use, so a task holds at most the live intermediates of the chain,
    not all of them.
    """

    __slots__ = ("steps", "label", "_frees", "_into", "_into_min")

    def __init__(self, steps, label="fused"):
        self.steps = steps
        self.label = label
        last_use: dict = {}
        for k, (_, refs) in enumerate(steps):
            for kind, i in refs:
                if kind == "r":
                    last_use[i] = k
        frees = [[] for _ in steps]
        for reg, k in last_use.items():
            frees[k].append(reg)
        self._frees = tuple(tuple(f) for f in frees)
        self._into = _reusable_operands(steps)
        # an operand smaller than its step's function allows is never offered (saves the call)
        self._into_min = tuple(getattr(func, "inplace_min_size", 0) if pos >= 0 else 0
                               for (func, _), pos in zip(steps, self._into))

    def __call__(self, *args):
        regs = [None] * len(self.steps)
        frees = self._frees
        for k, (func, refs), pos, least in zip(range(len(regs)), self.steps, self._into, self._into_min):
            vals = [args[i] if kind == "a" else regs[i] for kind, i in refs]
            if pos < 0 or getattr(vals[pos], "size", 0) < least:
                regs[k] = func(*vals)
            else:
                res = func.call_into(vals[pos], *vals)
                regs[k] = func(*vals) if res is None else res
                res = None
            vals = None  # the operands a step frees below must not stay alive here
            for r in frees[k]:
                regs[r] = None
        return regs[-1]

    def __reduce__(self):
        return (FusedBlockFunction, (self.steps, self.label))

    def __repr__(self):
        return f"<FusedBlockFunction {self.label}: {len(self.steps)} steps>"

    @property
    def __name__(self):  # used by dask for task names in diagnostics
        return self.label


def _reusable_operands(steps) -> tuple:
    """Per step, the position of an operand the step may write its result into, or -1.

    A step may reuse an operand when its function offers ``call_into`` and
    the operand is the result of an earlier step whose function returns a
    newly allocated array (``fresh_result``) and that no other step reads (so
    no view of it, a transpose or a slice, is read later): elementwise chains
    such as ``(a + b) - c`` then allocate one block, not one per operation.
    Whether the result really fits that array (dtype, shape, array type) is
    checked by ``call_into`` when the task runs.
    """
    readers: dict = {}
    for k, (_, refs) in enumerate(steps):
        for kind, i in refs:
            if kind == "r":
                readers.setdefault(i, set()).add(k)
    out = []
    for k, (func, refs) in enumerate(steps):
        pos = -1
        if getattr(func, "call_into", None) is not None:
            for p, (kind, i) in enumerate(refs):
                if kind == "r" and readers[i] == {k} and getattr(steps[i][0], "fresh_result", False):
                    pos = p
                    break
        out.append(pos)
    return tuple(out)


@dataclass
class Group:
    """A fused group: one task per demanded block of ``root``."""

    root: Node
    members: list = field(default_factory=list)  # topo order, root last
    maps: dict = field(default_factory=dict)  # id(member) -> list of maps from root blocks
    blockwise: bool = True
    program: object = None  # (func, arg builders) once compiled

    def instances(self) -> list:
        """(member, block map) pairs, producers first, the root last."""
        return [(m, mmap) for m in self.members for mmap in self.maps[id(m)]]


@dataclass
class LoweringPlan:
    """Fusion groups and demanded blocks of a plan (before building tasks)."""

    groups: dict  # id(root node) -> Group
    group_of: dict  # id(node) -> Group
    order: list  # group roots, consumers first
    demand: dict  # id(root) -> None (all) or set of block indices
    not_fused: dict = field(default_factory=dict)  # id(node) -> why it starts its own group
    inlined: dict = field(default_factory=dict)  # id(group root) -> why it runs inside its consumer
    batch_refused: dict = field(default_factory=dict)  # id(group root) -> why it was not batched

    def describe(self) -> str:
        """Text summary of the fusion decisions: groups, task counts and refusals."""
        lines = []
        for root in self.order:
            g = self.groups[id(root)]
            d = self.demand.get(id(root))
            n = _nblocks(root.numblocks) if d is None else len(d)
            if n == 0:
                continue
            chain = " <- ".join(m.op_name for m in reversed(g.members))
            if id(root) in self.inlined:
                lines.append(f"{0:>8} tasks  {chain}   [batched: {self.inlined[id(root)]}]")
                continue
            why = self.not_fused.get(id(root), "")
            note = f"   [own group: {why}]" if why else ""
            if id(root) in self.batch_refused:
                note += f"   [{self.batch_refused[id(root)]}]"
            lines.append(f"{n:>8} tasks  {chain}" + note)
        return "\n".join(lines)

    def task_count(self) -> int:
        n = 0
        for root in self.order:
            if id(root) in self.inlined:
                continue
            d = self.demand.get(id(root))
            n += _nblocks(root.numblocks) if d is None else len(d)
        return n


def _nblocks(numblocks) -> int:
    n = 1
    for b in numblocks:
        n *= b
    return n


def _all_indices(numblocks):
    return itertools.product(*(range(b) for b in numblocks))


def _fusion_candidate(node, fuse, root_ids):
    """None if ``node`` may join a consumer's group, else the reason it may not."""
    if not fuse:
        return "fusion disabled (hlq.fuse=False)"
    if not node.is_blockwise:
        return "not blockwise"
    if id(node) in root_ids:
        return "requested output"
    return None


def _duplicable(node) -> bool:
    """Cheap sources (no array inputs but 0-d literals) may be evaluated once per block map;
    sources whose reads cost IO (``repeat_is_costly``) may not."""
    if getattr(node, "repeat_is_costly", False):
        return False
    return all(not child.numblocks for child, _ in node.bw_inputs)


def _join_target(node, parents, group_of):
    """(None, group, maps) if ``node`` can join its consumers' group, else (reason, None, None)."""
    if not parents:
        return "no consumer", None, None
    target = None
    maps: list = []
    for p in parents:
        g = group_of[id(p)]
        if not g.blockwise:
            return "consumed by a non-blockwise node", None, None
        if target is not None and g is not target:
            return "consumed by several groups", None, None
        target = g
        for pmap in g.maps[id(p)]:
            for child, edge in p.bw_inputs:
                if child is node:
                    m = compose_with_sizes(edge, pmap, g.root.numblocks)
                    if m not in maps:
                        maps.append(m)
    if len(maps) > 1 and not _duplicable(node):
        return "read through different block maps", None, None
    return None, target, maps


def plan_lowering(roots: list[Node], fuse: bool | None = None) -> LoweringPlan:
    """Decide fusion groups and demanded blocks for ``roots`` (all blocks of each root)."""
    if fuse is None:
        fuse = dask.config.get("hlq.fuse", True)
    order = toposort(roots)
    deps = dependents(roots)
    root_ids = {id(r) for r in roots}
    group_of: dict[int, Group] = {}
    groups: dict[int, Group] = {}
    group_roots: list[Node] = []

    not_fused: dict[int, str] = {}
    for node in reversed(order):  # consumers before producers
        why = _fusion_candidate(node, fuse, root_ids)
        if why is None:
            why, target, maps = _join_target(node, deps[node], group_of)
            if why is None:
                target.members.append(node)
                target.maps[id(node)] = maps
                group_of[id(node)] = target
                continue
        not_fused[id(node)] = why
        g = Group(root=node, members=[node], maps={id(node): [identity_map(len(node.numblocks))]},
                  blockwise=node.is_blockwise)
        groups[id(node)] = g
        group_of[id(node)] = g
        group_roots.append(node)

    for g in groups.values():
        g.members.reverse()  # producers first, root last

    demand = _propagate_demand(group_roots, groups, group_of, root_ids)
    # task granularity (hlq.lower.batching): tiny blocks run inside their consumer's tasks
    inlined, refused = choose_batches(group_roots, groups, deps, root_ids, demand) if fuse else ({}, {})
    return LoweringPlan(groups=groups, group_of=group_of, order=group_roots, demand=demand, not_fused=not_fused,
                        inlined=inlined, batch_refused=refused)


def _propagate_demand(group_roots, groups, group_of, root_ids):
    demand: dict[int, object] = {id(r): None for r in group_roots if id(r) in root_ids}

    def add(child: Node, blocks):
        cid = id(child)
        if cid in demand:
            cur = demand[cid]
            if cur is None:
                return
            if blocks is None:
                demand[cid] = None
            else:
                cur.update(blocks)
        else:
            demand[cid] = None if blocks is None else set(blocks)

    for root in group_roots:
        rid = id(root)
        if rid not in demand:
            continue  # nobody needs this group
        d = demand[rid]
        g = groups[rid]
        if not g.blockwise:
            if d is None and getattr(root, "needs_all_inputs", False):
                for c in root.children:
                    add(c, None)
                continue
            per_child: dict[int, tuple[Node, set]] = {}
            it = _all_indices(root.numblocks) if d is None else d
            for idx in it:
                for child, cidx in root.block_dependencies(idx):
                    entry = per_child.get(id(child))
                    if entry is None:
                        per_child[id(child)] = (child, {cidx})
                    else:
                        entry[1].add(cidx)
            for child, blocks in per_child.values():
                add(child, blocks)
            continue
        for m, mmap in g.instances():
            for child, edge in m.bw_inputs:
                if group_of[id(child)] is g:
                    continue
                cmap = compose_with_sizes(edge, mmap, root.numblocks)
                if d is None and is_total(cmap, root.numblocks, child.numblocks):
                    add(child, None)
                else:
                    it = _all_indices(root.numblocks) if d is None else d
                    add(child, {apply_map(cmap, idx) for idx in it})
    # groups nobody needs get an empty demand
    for r in group_roots:
        if id(r) not in demand:
            demand[id(r)] = set()
    return demand


def _compile_group(g: Group):
    """Build the fused callable and the per-block argument recipe of a group.

    A member instance is a (node, block map) pair: cheap sources read through
    several maps (``x + x.T``) are evaluated once per map.
    """
    nroot = g.root.numblocks
    instances = g.instances()  # producers first
    position = {(id(m), mmap): i for i, (m, mmap) in enumerate(instances)}
    in_group = {id(m) for m in g.members}
    ext_slots: dict = {}  # (id(child), map) -> arg slot
    ext_list: list = []  # (child, map)
    for m, mmap in instances:
        for child, edge in m.bw_inputs:
            if id(child) in in_group:
                continue
            k = (id(child), compose_with_sizes(edge, mmap, nroot))
            if k not in ext_slots:
                ext_slots[k] = len(ext_list)
                ext_list.append((child, k[1]))
    barg_list: list = []  # (member, map)
    steps = []
    next_ = len(ext_list)
    for m, mmap in instances:
        refs = []
        for child, edge in m.bw_inputs:
            k = (id(child), compose_with_sizes(edge, mmap, nroot))
            refs.append(("r", position[k]) if id(child) in in_group else ("a", ext_slots[k]))
        if m.bw_has_arg:
            refs.append(("a", next_ + len(barg_list)))
            barg_list.append((m, mmap))
        steps.append((m.bw_func, tuple(refs)))
    label = "-".join(m.op_name for m in reversed(g.members[-3:]))
    func = FusedBlockFunction(tuple(steps), label=f"fused-{label}")
    ext = [(c.name, cmap, c.numblocks == ()) for c, cmap in ext_list]
    g.program = (func, ext, barg_list)


def lower(roots: list[Node], plan: LoweringPlan | None = None) -> dict:
    """The culled, fused task graph that computes all blocks of ``roots``.

    Returns
    -------
    dict
        ``{key: dask._task_spec.Task}``; keys are ``(node.name, *block_index)``.
    """
    with _gc_paused():
        if plan is None:
            plan = plan_lowering(roots)
        return _lower(plan)


@contextlib.contextmanager
def _gc_paused():
    """Lowering allocates millions of small objects and frees none: the cyclic
    garbage collector would rescan them again and again (a quarter of the time)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _lower(plan: LoweringPlan) -> dict:
    dsk: dict = {}
    makers: dict = {}  # id(root of an inlined group) -> block task maker

    def ref(child, cidx):
        make = makers.get(id(child))
        if make is None:
            return TaskRef((child.name, *cidx))
        return make(None, cidx)  # computed inline, inside the consumer's task

    for root in reversed(plan.order):  # producers first: inlined makers exist before use
        if id(root) in plan.inlined:
            makers[id(root)] = _block_task_maker(plan.groups[id(root)])
    for root in plan.order:
        d = plan.demand[id(root)]
        if (d is not None and not d) or id(root) in plan.inlined:
            continue
        g = plan.groups[id(root)]
        name = root.name
        blocks = _all_indices(root.numblocks) if d is None else sorted(d)
        if not g.blockwise and _lower_ranges(root, blocks, plan, dsk):
            continue
        if not g.blockwise:
            inline = any(id(c) in makers for c in root.children)
            if inline and not getattr(root, "inline_inputs_ok", False):
                _lower_substituting(root, blocks, makers, dsk)
                continue
            for idx in blocks:
                key = (name, *idx)
                t = root.block_task(key, idx, ref=ref) if inline else root.block_task(key, idx)
                if type(t) is dict:  # a node may add entries besides its own key
                    dsk.update(t)
                else:
                    dsk[key] = t
            continue
        make = _block_task_maker(g)
        for idx in blocks:
            key = (name, *idx)
            dsk[key] = make(key, idx)
    return dsk


class BlockRangeTask:
    """One task over a range of blocks of a batched group: compute each block of ``box`` (one
    ``range`` per dimension of the group's grid, C order) with the group's fused function,
    then apply the consumer's function to all of them.

    ``func(*consts, *block_args)`` computes one block: ``consts`` are the task's own
    arguments (inputs every block reads the same block of), ``block_args`` come from
    ``barg_nodes`` (``(node, block map or None)``: ``node.bw_block_arg`` of the mapped index).
    The task is described by its box, so it costs O(1) to build and to ship, however many
    blocks it covers.
    """

    __slots__ = ("consume", "func", "barg_nodes", "label")

    def __init__(self, consume, func, barg_nodes, label="range"):
        self.consume = consume
        self.func = func
        self.barg_nodes = barg_nodes
        self.label = label

    def __call__(self, box, *consts):
        bargs = [(_keep_node(n).bw_block_arg, m) for n, m in self.barg_nodes]
        func = self.func
        blocks = itertools.product(*box)
        if not consts and len(bargs) == 1 and bargs[0][1] is None:  # one source, same grid
            barg = bargs[0][0]
            return self.consume(*[func(barg(idx)) for idx in blocks])
        parts = []
        for idx in blocks:
            args = list(consts)
            for barg, m in bargs:
                args.append(barg(idx if m is None else apply_map(m, idx)))
            parts.append(func(*args))
        return self.consume(*parts)

    def __reduce__(self):
        return (BlockRangeTask, (self.consume, self.func, self.barg_nodes, self.label))

    def __repr__(self):
        return f"<BlockRangeTask {self.label}>"

    @property
    def __name__(self):
        return self.label


_KEPT: dict = {}


def _keep_node(node):
    """The process's one instance of ``node`` (nodes are interned weakly; a task unpickles its
    own reference, so the per-block lookup tables a source builds would be rebuilt per task)."""
    tok = node.token
    kept = _KEPT.get(tok)
    if kept is None:
        if len(_KEPT) >= 32:
            _KEPT.pop(next(iter(_KEPT)))
        _KEPT[tok] = kept = node
    return kept


def _range_program(g: Group):
    """(func, const external keys, block-argument nodes) when every block of ``g`` can be
    computed from its index alone (its external inputs are the same block for every block,
    its block arguments come from small sources), else None."""
    for m, _ in g.instances():
        if m.bw_has_arg and not getattr(m, "range_safe", False):
            return None
    _compile_group(g)
    func, ext, bargs = g.program
    consts = []
    for cname, cmap, _ in ext:
        if any(type(e) is int or e[0] != "c" for e in cmap):
            return None
        consts.append((cname, *(e[1] for e in cmap)))
    ident = identity_map(len(g.root.numblocks))
    return func, consts, tuple((m, None if mmap == ident else mmap) for m, mmap in bargs)


def _lower_ranges(root, blocks, plan, dsk) -> bool:
    """Tasks of a node reading ranges of blocks of a batched group as :class:`BlockRangeTask`
    (O(1) per task); False (nothing added) when the node or the group does not allow it."""
    if not hasattr(root, "block_range") or not getattr(root, "inline_inputs_ok", False):
        return False
    (child,) = set(root.children) if len(set(root.children)) == 1 else (None,)
    if child is None or id(child) not in plan.inlined:
        return False
    prog = _range_program(plan.groups[id(child)])
    if prog is None:
        return False
    func, consts, bargs = prog
    label = f"{root.op_name}-range"
    fn = BlockRangeTask(root.range_function(), func, bargs, label)
    refs = [TaskRef(k) for k in consts]
    name = root.name
    for idx in blocks:
        key = (name, *idx)
        _, box = root.block_range(idx)
        dsk[key] = Task(key, fn, box, *refs)
    return True


def _lower_substituting(root, blocks, makers, dsk):
    """Tasks of a general node some of whose inputs are batched into it: the
    node builds its task as usual and the references to batched blocks are
    replaced by the tasks computing them (``Task.substitute``)."""
    name = root.name
    for idx in blocks:
        key = (name, *idx)
        subs = {}
        repeated = False
        for child, cidx in root.block_dependencies(idx):
            make = makers.get(id(child))
            if make is not None:
                ckey = (child.name, *cidx)
                repeated = repeated or ckey in subs
                subs[ckey] = (make, cidx)
        t = root.block_task(key, idx)
        if repeated and type(t) is not dict:
            # a block read several times by this task: the task runs as a small graph in which
            # that block is computed once (a substituted task would run at every reference)
            dsk[key] = Task.fuse(*(make(ckey, cidx) for ckey, (make, cidx) in subs.items()), t, key=key)
            continue
        subs = {ckey: make(None, cidx) for ckey, (make, cidx) in subs.items()}
        if type(t) is dict:
            for k, v in t.items():
                dsk[k] = v.substitute(subs) if subs and hasattr(v, "substitute") else v
        else:
            dsk[key] = t.substitute(subs) if subs else t


def _block_task_maker(g: Group):
    """``make(key, idx)``: the task computing block ``idx`` of a blockwise group."""
    root = g.root
    if len(g.members) == 1:
        func = root.bw_func
        inputs = [(c.name, edge) for c, edge in root.bw_inputs]
        barg = root.bw_block_arg if root.bw_has_arg else None

        def make_single(key, idx):
            args = [TaskRef((cname, *apply_map(edge, idx))) for cname, edge in inputs]
            if barg is not None:
                args.append(barg(idx))
            return Task(key, func, *args)

        return make_single
    _compile_group(g)
    func, ext, bargs = g.program
    ident = identity_map(len(root.numblocks))
    ext = [(cname, None if cmap == ident else cmap) for cname, cmap, _ in ext]
    bargs = [(m.bw_block_arg, None if mmap == ident else mmap) for m, mmap in bargs]

    def make_fused(key, idx):
        args = [TaskRef((cname, *(idx if cmap is None else apply_map(cmap, idx)))) for cname, cmap in ext]
        for barg, mmap in bargs:
            args.append(barg(idx if mmap is None else apply_map(mmap, idx)))
        return Task(key, func, *args)

    return make_fused
