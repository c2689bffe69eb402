"""``hlq.optimize`` and ``hlq.explain``: the user-facing optimizer entry points."""

from __future__ import annotations

from hlq.expr.display import pprint
from hlq.expr.node import Node
from hlq.lower.collection import HlqCollection, optimize_node
from hlq.lower.graph import plan_lowering
from hlq.rules.engine import Trace, optimize_plan
from hlq.rules.introspect import why_not as _why_not
from hlq.rules.shared_reads import share_reads
from hlq.rules.registry import phases, rules_in_phase
from hlq.expr.traverse import walk

__all__ = ["optimize", "explain", "why_not"]


def optimize(*collections):
    """Optimized copies of hlq collections (other objects pass through).

    Returns one collection for one argument, else a tuple.  Collections
    passed together are optimized together: reads of common data (the same
    parquet files, overlapping regions of a stored array) become one read
    shared by the results (:mod:`hlq.rules.shared_reads`).
    """
    hlq_at = [i for i, c in enumerate(collections) if isinstance(c, HlqCollection)]
    # optimized together: reads of common data are shared across the results
    shared = share_reads([collections[i]._optimized_node() for i in hlq_at])
    out = list(collections)
    for i, opt in zip(hlq_at, shared):
        new = type(collections[i])._from_node(opt)
        new._plan_cache().set(opt)  # already optimized: never again
        out[i] = new
    return out[0] if len(out) == 1 else tuple(out)


def _task_count(node) -> int:
    return plan_lowering([node]).task_count()


def explain(x, trace: bool = False, max_lines: int = 200) -> str:
    """The plan of ``x`` before and after optimization, as text.

    Each line shows the operation, shape, dtype, chunks and number of
    blocks; the header gives the tasks each plan lowers to (the "before"
    count lowers the unoptimized plan with fusion and culling only).  With
    ``trace=True`` every rule that fired is listed in order with the node
    before and after, and each node of the optimized plan that a rule
    created is marked with its provenance, ``[by rule_name]``, and for
    each phase the rules that could match a node of the plan are listed in
    the order the optimizer tries them (the published order, see
    ``python -m hlq rules``), with how often each fired.  Each plan shows at
    most ``max_lines`` lines.
    """
    if not isinstance(x, HlqCollection):
        raise TypeError(f"explain() needs an hlq collection, got {type(x).__name__}")
    node = x.node
    lowered_only = optimize_plan(node, phases=["physical", "finalize"])
    tr = Trace() if trace else None
    opt = optimize_node(node, trace=tr)
    n_before, n_after = _task_count(lowered_only), _task_count(opt)
    lines = [
        f"== plan before optimization ({sum(1 for _ in node.walk())} nodes, {n_before} tasks) ==",
        pprint(node, max_lines=max_lines),
        "",
        f"== plan after optimization ({sum(1 for _ in opt.walk())} nodes, {n_after} tasks) ==",
        pprint(opt, describe=_with_provenance(tr.provenance()) if trace else None, max_lines=max_lines),
    ]
    lines += ["", "== tasks per fused group (consumer <- producers) ==", plan_lowering([opt]).describe()]
    out_bytes = getattr(opt, "nbytes", None)
    if out_bytes is not None:
        lines.append(f"result: {out_bytes} bytes")
    if trace:
        lines += ["", "== rules per phase, in the order tried (rules that can match a node of the plan) ==",
                  _rule_order(node, tr)]
        lines += ["", f"== rules fired ({len(tr)}) ==", str(tr)]
    return "\n".join(lines)


def _rule_order(node, tr: Trace) -> str:
    """For each phase, the rules whose pattern root can match a node seen while optimizing, in order."""
    types = {type(n) for n in walk(node)}
    for e in tr.events:
        types.update(type(n) for n in walk(e.after))
    fired: dict = {}
    for e in tr.events:
        fired[e.rule] = fired.get(e.rule, 0) + 1
    out = []
    for p in phases():
        names = [r.name + (f" (fired {fired[r.name]})" if r.name in fired else "")
                 for r in rules_in_phase(p.name) if any(issubclass(t, r.node_types) for t in types)]
        out.append(f"{p.name}: {', '.join(names) if names else '-'}")
    return "\n".join(out)


def _describe(node) -> str:
    d = getattr(node, "describe", None)
    return d() if d is not None else node.label()


def _with_provenance(prov: dict):
    def describe(node):
        text = _describe(node)
        by = prov.get(node)
        return f"{text}  [by {by}]" if by else text

    return describe


def why_not(x, rule_name, max_entries: int = 50):
    """Why the rule ``rule_name`` did not fire on the plan of ``x``.

    ``x`` is an hlq collection (or a plan node).  Returns a
    :class:`hlq.rules.introspect.WhyNot` report: print it, or read its
    ``entries`` (kinds ``excluded``, ``fired``, ``no-match``, ``declined``,
    ``would-fire``, ``close``, ``shared``, ``blocked-by-shared``); see
    :mod:`hlq.rules.introspect` for the semantics.
    """
    node = x if isinstance(x, Node) else getattr(x, "node", None)
    if not isinstance(node, Node):
        raise TypeError(f"why_not() needs an hlq collection or a plan node, got {type(x).__name__}")
    return _why_not(node, rule_name, max_entries=max_entries)
