"""``hlq.optimize`` and ``hlq.explain``: the user-facing optimizer entry points."""

from __future__ import annotations

from hlq.expr.display import pprint
from hlq.lower.collection import HlqCollection, optimize_node
from hlq.lower.graph import plan_lowering
from hlq.rules.engine import Trace, optimize_plan

__all__ = ["optimize", "explain"]


def optimize(*collections):
    """Optimized copies of hlq collections (other objects pass through).

    Returns one collection for one argument, else a tuple.
    """
    out = []
    for c in collections:
        if isinstance(c, HlqCollection):
            out.append(type(c)._from_node(optimize_node(c.node)))
        else:
            out.append(c)
    return out[0] if len(out) == 1 else tuple(out)


def _task_count(node) -> int:
    return plan_lowering([node]).task_count()


def explain(x, trace: bool = False, max_lines: int = 200) -> str:
    """The plan of ``x`` before and after optimization, as text.

    Each line shows the operation, shape, dtype, chunks and number of
    blocks; the header gives the tasks each plan lowers to (the "before"
    count lowers the unoptimized plan with fusion and culling only).  With
    ``trace=True`` every rule that fired is listed in order with the node
    before and after.  Each plan shows at most ``max_lines`` lines.
    """
    if not isinstance(x, HlqCollection):
        raise TypeError(f"explain() needs an hlq collection, got {type(x).__name__}")
    node = x.node
    lowered_only = optimize_plan(node, phases=["lower", "finalize"])
    tr = Trace() if trace else None
    opt = optimize_plan(node, trace=tr)
    n_before, n_after = _task_count(lowered_only), _task_count(opt)
    lines = [
        f"== plan before optimization ({sum(1 for _ in node.walk())} nodes, {n_before} tasks) ==",
        pprint(node, max_lines=max_lines),
        "",
        f"== plan after optimization ({sum(1 for _ in opt.walk())} nodes, {n_after} tasks) ==",
        pprint(opt, max_lines=max_lines),
    ]
    lines += ["", "== tasks per fused group (consumer <- producers) ==", plan_lowering([opt]).describe()]
    out_bytes = getattr(opt, "nbytes", None)
    if out_bytes is not None:
        lines.append(f"result: {out_bytes} bytes")
    if trace:
        lines += ["", f"== rules fired ({len(tr)}) ==", str(tr)]
    return "\n".join(lines)
