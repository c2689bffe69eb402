"""Why did a rule not fire?  :func:`why_not` explains it node by node.

The report runs the phases before the rule's phase, then the rule's phase
(with a trace), and looks at the plan as that phase leaves it - where the
rule, if enabled, had its last chance.  For every **candidate** (a node whose
type the pattern's root can match) it says which part of the pattern or
which guard failed (:meth:`Pattern.explain`), or that the rule matched but
declined (returned None), or that it would fire (it is excluded, or a later
rewrite gave it new work).  Nodes that match an inner part of the pattern
but have no consumer the root could match are reported as **close**.

Shared nodes
------------
Rules are local: a rule rewrites one consumer at a time.  When a node is read
by several consumers (``y = x[:10] + x.sum()``), a pushdown rule rewrites
the consumers it matches (``x[:10]`` becomes ``f(a[:10])``) and leaves the
shared node in the plan for the others, where it is still computed in full.
The report marks such a node ``blocked-by-shared-consumer`` (the rule
rewrote some consumers; others still read the whole node) and lists the
consumers still reading it; a shared node that the rule rewrites for every
consumer is marked ``shared`` (pushed down per consumer, each consumer
computing its own region).

Examples
--------
>>> from hlq.expr.node import Node
>>> from hlq.rules.pattern import Is, Where
>>> from hlq.rules.registry import rule
>>> class L(Node):
...     _fields = ("v",)
>>> class Neg(Node):
...     _fields = ("x",)
>>> @rule(Is(Neg, x=Is(L, v=Where(lambda v: v > 0, "positive literal"))), register=False)
... def neg_literal(node):
...     return L(-node.x.v)
>>> report = why_not(Neg(L(-3)), neg_literal)
>>> print(report.of_kind("no-match")[0])
  [no-match] neg: field 'x': field 'v': guard positive literal failed
"""

from __future__ import annotations

from dataclasses import dataclass, field

import dask

from hlq.expr.node import Node
from hlq.expr.traverse import dependents, walk
from hlq.rules import registry
from hlq.rules.engine import optimize_plan, Trace
from hlq.rules.pattern import AnyOf, Capture, Is, Pattern, _InstanceOf

__all__ = ["why_not", "WhyNot", "WhyNotEntry", "excluded_by"]


@dataclass
class WhyNotEntry:
    """One finding; ``kind`` is one of

    ``excluded`` / ``not-registered``
        the rule does not run at all;
    ``fired``
        the rule rewrote ``node`` (the reason shows into what);
    ``no-match`` / ``declined`` / ``would-fire`` / ``error``
        a candidate node: the failing part of the pattern, the rule returned
        None, the rule would rewrite it (it is excluded or ran out of passes),
        or the pattern or rule raised;
    ``close``
        ``node`` matches an inner part of the pattern but none of its consumers
        can be the pattern's root;
    ``blocked-by-shared-consumer``
        the rule rewrote a consumer of ``node``, but other consumers still read
        all of it, so it is still computed in full;
    ``shared``
        ``node`` has several consumers and the rule applies to each of them
        separately (pushdown per consumer).
    """

    kind: str
    node: Node | None
    reason: str

    def __str__(self):
        where = f"{_describe(self.node)}: " if self.node is not None else ""
        return f"  [{self.kind}] {where}{self.reason}"


@dataclass
class WhyNot:
    """The report of :func:`why_not`; ``str()`` renders it as text."""

    rule: registry.Rule
    entries: list = field(default_factory=list)
    phase_plan: Node | None = None

    def kinds(self) -> list[str]:
        return [e.kind for e in self.entries]

    def of_kind(self, kind: str) -> list[WhyNotEntry]:
        return [e for e in self.entries if e.kind == kind]

    def __str__(self):
        r = self.rule
        head = f"why not {r.name!r} (phase {r.phase!r}" + (f", tags {list(r.tags)}" if r.tags else "") + ")"
        if r.doc:
            head += f"\n  {r.doc.splitlines()[0]}"
        head += f"\n  pattern: {r.pattern!r}"
        if not self.entries:
            return head + "\n  (no node of the plan can match the pattern's root types: " + \
                "/".join(t.__name__ for t in r.node_types) + ")"
        return head + "\n" + "\n".join(str(e) for e in self.entries)

    def _repr_pretty_(self, p, cycle):  # IPython
        p.text(str(self))


def _describe(node) -> str:
    d = getattr(node, "describe", None)
    text = d() if d is not None else node.label()
    return text if len(text) <= 100 else text[:97] + "..."


def excluded_by(r: registry.Rule) -> str | None:
    """The ``hlq.rules.exclude`` entry that disables ``r`` (None if it runs)."""
    ex = dask.config.get("hlq.rules.exclude", None) or ()
    if isinstance(ex, str):
        ex = [ex]
    if not r.excludable:
        return None
    for e in ex:
        if e == r.name or e in r.tags:
            return e
    return None


def _inner_types(pattern: Pattern) -> tuple:
    """Node types matched by the sub-patterns of a pattern (not its root)."""
    out: list = []

    def visit(p, root):
        if isinstance(p, Capture):
            visit(p.pattern, root)
        elif isinstance(p, AnyOf):
            for q in p.patterns:
                visit(q, root)
        elif isinstance(p, Is):
            if not root:
                out.extend(t for t in p.types if isinstance(t, type) and issubclass(t, Node))
            for q in p.fields.values():
                visit(q, False)
        elif isinstance(p, _InstanceOf) and not root:
            ts = p.types if isinstance(p.types, tuple) else (p.types,)
            out.extend(t for t in ts if isinstance(t, type) and issubclass(t, Node))

    visit(pattern, True)
    return tuple(dict.fromkeys(out))


def _evaluate(r: registry.Rule, node: Node) -> tuple[str, str]:
    """(kind, reason) of trying rule ``r`` at ``node``."""
    caps: dict = {}
    try:
        matched = r.pattern.match(node, caps)
    except Exception as e:
        return "error", f"pattern raised {type(e).__name__}: {e}"
    if not matched:
        try:
            why = r.pattern.explain(node)
        except Exception as e:
            why = f"pattern.explain raised {type(e).__name__}: {e}"
        return "no-match", why or "pattern does not match"
    try:
        out = r.fn(node, **caps)
    except Exception as e:
        return "error", f"rule raised {type(e).__name__}: {e}"
    if out is None or out is node:
        return "declined", "pattern matches but the rule declined (returned None)"
    label = out.label() if isinstance(out, Node) else repr(out)
    return "would-fire", f"pattern matches and the rule returns {label}"


def why_not(plan: Node, rule_name, *, max_entries: int = 50) -> WhyNot:
    """Explain, node by node, why a rule did not fire on ``plan``.

    Parameters
    ----------
    plan : Node
        The unoptimized plan (collections: pass ``x.node``, or use
        :func:`hlq.why_not`).
    rule_name : str or Rule
        The rule (a registered name, or a Rule object, registered or not).
    max_entries : int
        At most this many entries of each kind.
    """
    r = registry.get_rule(rule_name) if isinstance(rule_name, str) else rule_name
    report = WhyNot(rule=r)
    counts: dict = {}

    def add(kind, node, reason):
        counts[kind] = counts.get(kind, 0) + 1
        if counts[kind] <= max_entries:
            report.entries.append(WhyNotEntry(kind, node, reason))

    ex = excluded_by(r)
    if ex is not None:
        add("excluded", None, f"disabled by dask config hlq.rules.exclude ({ex!r}); "
                              "the findings below say what it would do if enabled")
    names = [p.name for p in registry.phases()]
    if r.phase not in names:
        add("error", None, f"unknown phase {r.phase!r}")
        return report
    earlier = names[: names.index(r.phase)]
    p_in = optimize_plan(plan, phases=earlier) if earlier else plan
    registered = registry._RULES.get(r.name) is r
    if not registered:
        add("not-registered", None, "the optimizer never runs it (findings are for the plan entering "
                                    "its phase)")
    tr = Trace()
    p_out = optimize_plan(p_in, phases=[r.phase], trace=tr)
    report.phase_plan = p_out
    for e in tr.events:
        if e.rule == r.name:
            add("fired", e.before, f"rewritten into {e.after.label()}")

    inner = _inner_types(r.pattern)
    deps = dependents([p_out])
    made_here = {e.after for e in tr.events if e.rule == r.name}
    for n in walk(p_out):
        if isinstance(n, r.node_types):
            kind, reason = _evaluate(r, n)
            add(kind, n, reason)
    # candidates of the plan entering the phase that other rules rewrote away
    final = set(walk(p_out))
    for n in walk(p_in):
        if n not in final and isinstance(n, r.node_types) and not any(e.before is n for e in tr.events
                                                                      if e.rule == r.name):
            kind, reason = _evaluate(r, n)
            add(kind, n, reason + " (in the plan entering the phase; other rules then rewrote it away)")
        elif inner and isinstance(n, inner) and n not in made_here:
            consumers = deps.get(n, [])
            if consumers and not any(isinstance(c, r.node_types) for c in consumers):
                add("close", n, "matches an inner part of the pattern, but no consumer is a "
                                f"{'/'.join(t.__name__ for t in r.node_types)} "
                                f"(consumers: {', '.join(c.label() for c in consumers[:5])})")

    # shared nodes.  (1) the rule rewrote a consumer of a node that the
    # phase's final plan still holds: other consumers read it whole
    reported: set = set()
    for e in tr.events:
        if e.rule != r.name:
            continue
        for c in e.before.children:
            if c in reported or c not in deps:
                continue
            users = [u for u in dict.fromkeys(deps[c])]
            if not users:
                continue
            reported.add(c)
            add("blocked-by-shared-consumer", c,
                f"the rule rewrote its consumer {e.before.label()} (rules apply per consumer), but it is "
                f"shared: {', '.join(u.label() for u in users[:5])} still read it whole, so it is "
                "computed in full for them")
    # (2) shared nodes of the plan entering the phase that the rule reads
    # through for every consumer: pushed down per consumer
    deps_in = dependents([p_in])
    for n in walk(p_in):
        if n in reported:
            continue
        consumers = list(dict.fromkeys(deps_in.get(n, [])))
        if len(consumers) < 2 or not all(isinstance(c, r.node_types) for c in consumers):
            continue
        kinds = [_evaluate(r, c)[0] for c in consumers]
        if all(k == "would-fire" for k in kinds):
            add("shared", n,
                f"shared by {len(consumers)} consumers and the rule applies to each of them separately "
                "(pushed down per consumer; a region two consumers need is computed once for each)")
    for kind, n in counts.items():
        if n > max_entries:
            report.entries.append(WhyNotEntry(kind, None, f"... and {n - max_entries} more {kind} entries"))
    return report
