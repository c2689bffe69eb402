"""The optimizer: runs the registered phases over a plan.

Each phase is a sequence of top-down passes over the plan DAG.  A pass visits
every distinct node once: at each node the rules indexed under the node's
type are tried until none fires (a local fixed point), then the pass
continues into the - possibly new - children, and rebuilds the parents with
the rewritten children.  ``fixpoint`` phases repeat passes until the plan no
longer changes (plans are interned, so "no change" is an identity check),
at most ``max_passes`` times.  A plan that comes back to an earlier plan is a
cycle: :class:`RuleCycleError` names the rules that fired in between.

Rules may be disabled by name or tag with ``dask.config``::

    with dask.config.set({"hlq.rules.exclude": ["slice_through_elemwise"]}):
        ...

Rules registered with ``excludable=False`` always run.

Rules are local, but a pushdown that rewrites one consumer of a shared node
gives that consumer its own copy of the node (and of everything under it).
:func:`consumers` and :func:`shared` tell a rule which nodes read a node in
the plan the current pass started from, so that it can decline to copy
shared work.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import dask

from hlq.expr.display import pprint
from hlq.expr.node import Node
from hlq.expr.traverse import dependents, walk
from hlq.rules import registry
from hlq.rules.plugins import ensure_entry_points
from hlq.rules.registry import Phase, Rule

__all__ = ["optimize_plan", "Trace", "TraceEvent", "RuleCycleError", "OptimizerError", "consumers", "shared"]


class OptimizerError(RuntimeError):
    """The optimizer could not finish (iteration cap reached)."""


class RuleCycleError(OptimizerError):
    """Rules rewrote a plan back into an earlier plan."""


@dataclass
class TraceEvent:
    """One rule application: ``before`` was rewritten into ``after``."""

    phase: str
    rule: str
    before: Node
    after: Node

    def __str__(self):
        return f"[{self.phase}] {self.rule}: {self.before.label()}  ->  {self.after.label()}"


@dataclass
class Trace:
    """The log of an optimization: every rule that fired, in order."""

    events: list = field(default_factory=list)
    passes: dict = field(default_factory=dict)
    #: the plan given to the optimizer (set by the first :func:`optimize_plan` call)
    input: Node | None = None

    def __iter__(self):
        return iter(self.events)

    def __len__(self):
        return len(self.events)

    def rules_fired(self) -> list[str]:
        return [e.rule for e in self.events]

    def __str__(self):
        return "\n".join(str(e) for e in self.events) or "(no rule fired)"

    def provenance(self) -> dict:
        """``{node: rule name}`` for every node a rule created.

        A node is created by the first rule whose replacement contains it
        while it was in neither the input plan nor an earlier replacement;
        parents rebuilt around a rewritten child are not attributed.
        """
        seen: set = set(walk(self.input)) if self.input is not None else set()
        prov: dict = {}
        for e in self.events:
            stack = [e.after]
            while stack:
                n = stack.pop()
                if n in seen:
                    continue
                seen.add(n)
                prov[n] = e.rule
                stack.extend(n.children)
        return prov


def _excluded_names() -> set:
    ex = dask.config.get("hlq.rules.exclude", None) or ()
    if isinstance(ex, str):
        ex = [ex]
    return set(ex)


class _RuleIndex:
    """Rules of a phase indexed by node type (MRO-aware, cached per type)."""

    def __init__(self, rules: list[Rule]):
        self.rules = rules
        self._cache: dict[type, tuple[Rule, ...]] = {}

    def for_type(self, t: type) -> tuple[Rule, ...]:
        r = self._cache.get(t)
        if r is None:
            r = tuple(rule for rule in self.rules if issubclass(t, rule.node_types))
            self._cache[t] = r
        return r


_INDEX_CACHE: dict = {}


def _phase_index(phase: Phase, excluded: frozenset) -> _RuleIndex:
    key = (phase.name, excluded, registry.registry_version())
    idx = _INDEX_CACHE.get(key)
    if idx is None:
        rules = [
            r
            for r in registry.rules_in_phase(phase.name)
            if not (r.excludable and (r.name in excluded or excluded.intersection(r.tags)))
        ]
        idx = _RuleIndex(rules)
        if len(_INDEX_CACHE) > 64:
            _INDEX_CACHE.clear()
        _INDEX_CACHE[key] = idx
    return idx


class _PassPlan:
    """The plan a pass started from; its consumer map is built on first use."""

    __slots__ = ("root", "_deps")

    def __init__(self, root: Node):
        self.root = root
        self._deps = None

    def consumers(self, node: Node) -> tuple:
        if self._deps is None:
            self._deps = {n: tuple(users) for n, users in dependents([self.root]).items()}
        return self._deps.get(node, ())


#: the plans of the passes running now (innermost last: a rule may run the optimizer itself)
_PASS_PLANS: list[_PassPlan] = []


def consumers(node: Node) -> tuple:
    """The distinct nodes that read ``node`` in the plan the current pass started from.

    Parameters
    ----------
    node : Node
        Any node.

    Returns
    -------
    tuple of Node
        Its consumers; empty outside the optimizer, for the root and for nodes
        that rules created during the current pass.

    Examples
    --------
    >>> from hlq.expr.node import Node
    >>> class L(Node):
    ...     _fields = ("v",)
    >>> consumers(L(1))
    ()
    """
    return _PASS_PLANS[-1].consumers(node) if _PASS_PLANS else ()


def shared(node: Node) -> bool:
    """Whether ``node`` has several consumers in the plan the current pass started from.

    A pushdown rule that rewrites one consumer of a shared node copies the
    node for that consumer while the others still compute the original, so
    rules that move work below a node check this first (see :func:`consumers`).

    Parameters
    ----------
    node : Node
        Any node.

    Returns
    -------
    bool
        True when at least two distinct nodes read ``node``.
    """
    return len(consumers(node)) > 1


_LOCAL_CAP = 1000


def _rewrite_local(node: Node, index: _RuleIndex, phase: str, trace: Trace | None, fired: list,
                   budget: int = 1 << 62) -> Node:
    """Apply rules at one node until none fires.

    At most ``max(_LOCAL_CAP, budget)`` rewrites: the phase's budget grows with
    the plan, so a long chain that rules consume one node at a time still
    converges (the phase-wide ``budget`` bounds the total anyway).
    """
    seen = None
    cap = max(_LOCAL_CAP, min(budget, 1 << 40))
    for _ in range(cap):
        rules = index.for_type(type(node))
        for r in rules:
            stats = r.stats
            stats["attempts"] += 1
            t0 = time.perf_counter()
            try:
                new = r.apply(node)
            finally:
                stats["seconds"] += time.perf_counter() - t0
            if new is not None:
                if not isinstance(new, Node):
                    raise OptimizerError(f"rule {r.name!r} returned {type(new).__name__}, not a Node")
                stats["fired"] += 1
                fired.append(r.name)
                if len(fired) > budget:
                    raise OptimizerError(
                        f"phase {phase!r} made more than {budget} rewrites without converging; "
                        f"rules involved: {list(dict.fromkeys(fired[-50:]))}"
                    )
                if trace is not None:
                    trace.events.append(TraceEvent(phase, r.name, node, new))
                if seen is None:
                    seen = {node: r.name}
                if new in seen:
                    names = list(dict.fromkeys(fired[-len(seen) - 1 :]))
                    raise RuleCycleError(
                        f"rules {names} rewrite {new.label()} back into itself in phase {phase!r}"
                    )
                seen[new] = r.name
                node = new
                break
        else:
            return node
    raise OptimizerError(f"more than {cap} rewrites at one node in phase {phase!r}: rules {sorted(set(fired[-20:]))}")


def _pass(root: Node, index: _RuleIndex, phase: str, trace: Trace | None, fired: list, budget: int) -> Node:
    """One top-down pass over the DAG (iterative, each node once)."""
    _PASS_PLANS.append(_PassPlan(root))
    try:
        return _pass_body(root, index, phase, trace, fired, budget)
    finally:
        _PASS_PLANS.pop()


def _pass_body(root: Node, index: _RuleIndex, phase: str, trace: Trace | None, fired: list, budget: int) -> Node:
    memo: dict[int, Node] = {}
    rewritten: dict[int, Node] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, post = stack.pop()
        nid = id(node)
        if post:
            new = rewritten[nid]
            kids = new.children
            if kids:
                # a child still in progress is an ancestor that a rule re-used
                # below its own rewrite: keep it as it is in this pass
                new = new.with_children([memo.get(id(c), c) for c in kids])
            memo[nid] = new
            continue
        if nid in memo or nid in rewritten:
            continue
        new = _rewrite_local(node, index, phase, trace, fired, budget)
        rewritten[nid] = new
        stack.append((node, True))
        for c in reversed(new.children):
            if id(c) not in memo and id(c) not in rewritten:
                stack.append((c, False))
    return memo[id(root)]


def optimize_plan(
    root: Node,
    *,
    phases: list[str] | None = None,
    trace: Trace | None = None,
    rules: list | None = None,
) -> Node:
    """Run the registered phases (or the named ones) over ``root``.

    Parameters
    ----------
    root : Node
        The plan.
    phases : list of str, optional
        Restrict to these phases (in registry order; ``"lower"`` is a
        deprecated alias of ``"physical"``).
    trace : Trace, optional
        Filled with every rule that fired.
    rules : list of Rule or str, optional
        Run only these rules (registered or not), each in its own phase;
        ``hlq.rules.exclude`` is ignored for them.  Used by
        :func:`hlq.testing.assert_rewrites`.

    Returns
    -------
    Node
        The optimized plan.
    """
    ensure_entry_points()
    if trace is not None and trace.input is None:
        trace.input = root
    excluded = frozenset(_excluded_names())
    if phases is not None:
        phases = [registry.phase_name(p) for p in phases]
    only = None
    if rules is not None:
        only = [registry.get_rule(r) if isinstance(r, str) else r for r in rules]
    for phase in registry.phases():
        if phases is not None and phase.name not in phases:
            continue
        if only is None:
            index = _phase_index(phase, excluded)
        else:
            index = _RuleIndex(registry._order([r for r in only if r.phase == phase.name]))
        if not index.rules:
            continue
        history = {root: 0}
        fired: list[str] = []
        # rewrites allowed in one phase: generous for pushdown through deep
        # plans, small enough to stop a rule that grows the plan forever
        size = sum(1 for _ in walk(root))
        budget = 1000 + 50 * size
        marks = [0]
        # a pass moves a rewrite through the whole plan, but rules that step
        # one level per pass need as many passes as the plan is deep
        max_passes = 1 if phase.mode == "once" else max(phase.max_passes, size + 1)
        for i in range(max_passes):
            new = _pass(root, index, phase.name, trace, fired, budget)
            if trace is not None:
                trace.passes[phase.name] = i + 1
            if new is root:
                break
            if new in history:
                start = marks[history[new]]
                names = list(dict.fromkeys(fired[start:]))
                raise RuleCycleError(
                    f"phase {phase.name!r} does not converge: rules {names} return the plan to an earlier "
                    f"state.\nplan:\n{_show(new)}\nrewritten into:\n{_show(root)}"
                )
            history[new] = len(marks)
            marks.append(len(fired))
            root = new
        else:
            if phase.mode != "once":
                raise OptimizerError(
                    f"phase {phase.name!r} did not reach a fixed point in {max_passes} passes; "
                    f"last rules fired: {list(dict.fromkeys(fired[-20:]))}"
                )
    return root


def _show(node: Node) -> str:
    text = pprint(node)
    lines = text.splitlines()
    return "\n".join(lines[:40] + (["..."] if len(lines) > 40 else []))
