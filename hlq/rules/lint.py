"""A termination lint: find pairs of rules that undo each other.

The optimizer stops a phase that oscillates (:class:`RuleCycleError`) - at
run time, on the plan that happens to trigger it.  :func:`lint` looks for
such pairs ahead of time.  It builds a pool of small plans - the
``examples=`` rules declare, any ``instances`` passed in, their sub-plans,
and what the rules rewrite them into (a few generations) - and, for every
plan ``s`` of the pool and every one-step rewrite ``s -> t`` by a rule A
(at any node of ``s``), checks whether a rule B of the same phase rewrites
``t`` back into ``s`` in one step.  Plans are interned, so "back" is an
identity check.  A rule that undoes itself (B = A) is reported too.

Examples
--------
>>> from hlq.expr.node import Node
>>> from hlq.rules.pattern import Is
>>> from hlq.rules.registry import rule
>>> class L(Node):
...     _fields = ("v",)
>>> class F(Node):
...     _fields = ("x",)
>>> class G(Node):
...     _fields = ("x",)
>>> @rule(Is(F, x=Is(G)), register=False, examples=[F(G(L(1)))])
... def f_g(node):
...     return G(F(node.x.x))
>>> @rule(Is(G, x=Is(F)), register=False)
... def g_f(node):
...     return F(G(node.x.x))
>>> [str(f) for f in lint([f_g, g_f])]
["rules 'f_g' and 'g_f' undo each other in phase 'simplify': f <-> g"]
"""

from __future__ import annotations

from dataclasses import dataclass

from hlq.expr.node import Node
from hlq.expr.traverse import substitute, walk
from hlq.rules import registry
from hlq.rules.plugins import ensure_entry_points

__all__ = ["lint", "LintFinding"]


@dataclass
class LintFinding:
    """Rule ``first`` rewrites ``start`` into ``middle``; rule ``second`` rewrites it back."""

    first: str
    second: str
    phase: str
    start: Node
    middle: Node

    def __str__(self):
        who = (f"rule {self.first!r} undoes itself" if self.first == self.second
               else f"rules {self.first!r} and {self.second!r} undo each other")
        return f"{who} in phase {self.phase!r}: {self.start.label()} <-> {self.middle.label()}"


def _one_step(plan: Node, r: registry.Rule, limit: int = 200) -> list[Node]:
    """Every plan obtained by applying ``r`` once, at any node of ``plan``."""
    out = []
    for i, n in enumerate(walk(plan)):
        if i >= limit:
            break
        if not isinstance(n, r.node_types):
            continue
        try:
            new = r.apply(n)
        except Exception:
            continue
        if new is None or not isinstance(new, Node):
            continue
        out.append(new if n is plan else substitute(plan, {n: new}))
    return out


def lint(rules=None, instances=(), *, generations: int = 2, max_pool: int = 400) -> list[LintFinding]:
    """Pairs of rules (of one phase) that can undo each other.

    Parameters
    ----------
    rules : list of Rule or str, optional
        The rules to check (default: every registered rule).
    instances : iterable of Node or collections
        Extra plans to try besides the rules' declared ``examples``.
    generations : int
        How many rounds of rewriting grow the pool of plans.
    max_pool : int
        Upper bound on the pool size.

    Returns
    -------
    list of LintFinding
        One finding per (ordered) pair of rules, empty when no pair was found.
    """
    ensure_entry_points()
    if rules is None:
        rules = registry.all_rules()
    rules = [registry.get_rule(r) if isinstance(r, str) else r for r in rules]
    pool: dict = {}

    def add(n):
        n = getattr(n, "node", n)
        if isinstance(n, Node) and len(pool) < max_pool:
            for m in walk(n):
                if len(pool) >= max_pool:
                    break
                pool.setdefault(m, None)

    for r in rules:
        try:
            for e in r.get_examples():
                add(e)
        except Exception:
            continue
    for e in instances:
        add(e)
    frontier = list(pool)
    for _ in range(generations):
        new = []
        for s in frontier:
            for r in rules:
                for t in _one_step(s, r):
                    if t not in pool and len(pool) < max_pool:
                        pool[t] = None
                        new.append(t)
        frontier = new

    findings: list[LintFinding] = []
    seen_pairs: set = set()
    for s in list(pool):
        for a in rules:
            for t in _one_step(s, a):
                if t is s:
                    continue
                for b in rules:
                    if b.phase != a.phase:
                        continue
                    key = frozenset((a.name, b.name))
                    if key in seen_pairs:
                        continue
                    if any(u is s for u in _one_step(t, b)):
                        seen_pairs.add(key)
                        findings.append(LintFinding(a.name, b.name, a.phase, s, t))
    return findings
