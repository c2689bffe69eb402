"""hlq's task priorities on a distributed scheduler (a scheduler plugin).

distributed's scheduler orders every graph it receives with ``dask.order``
(the task's "internal priority", the last part of ``TaskState.priority``).
:class:`DistributedPriorities` replaces that part, for the tasks an hlq graph
adds, with :func:`hlq.lower.scheduler.choose_priorities`: the depth-first
order for tree-shaped graphs, and for graphs whose blocks feed several
consumers whichever of the depth-first order and ``dask.order`` (the
priorities distributed already computed) holds fewer results at once in a
simulated run.  The user priority and the graph generation (the first parts
of the priority) stay as distributed set them, so
``client.compute(..., priority=...)`` and first-come-first-served between
computations behave as before.  Graphs without hlq tasks are not touched.

hlq installs the plugin on a scheduler that imports hlq when it first checks
that scheduler (:func:`hlq.lower.ship.scheduler_supports_hlq`); the
scheduler's ``hlq.order`` setting (default True) set to False turns it off.
``benchmarks/bench_order_distributed.py`` measures what it changes.
"""

from __future__ import annotations

import dask
from distributed.diagnostics.plugin import SchedulerPlugin

from hlq.lower.scheduler import choose_priorities

__all__ = ["DistributedPriorities", "PLUGIN_NAME"]

PLUGIN_NAME = "hlq-priorities"


def _is_hlq_task(run_spec) -> bool:
    func = getattr(run_spec, "func", None)
    return type(func).__module__.startswith("hlq.") or getattr(func, "__module__", "").startswith("hlq.")


class DistributedPriorities(SchedulerPlugin):
    """Scheduler plugin: the new tasks of hlq graphs run in :func:`~hlq.lower.scheduler.choose_priorities` order.

    Runs in the scheduler's ``update_graph`` step, after distributed has set
    the priorities and before any new task is scheduled.  Only tasks the
    update creates (state ``released``, with a task to run) are reordered;
    tasks already known to the scheduler keep their priority.
    """

    name = PLUGIN_NAME

    def update_graph(self, scheduler, *, keys, tasks, **kwargs):
        if not dask.config.get("hlq.order", True):
            return
        new = {}
        for key in tasks:
            ts = scheduler.tasks.get(key)
            if ts is not None and ts.state == "released" and ts.run_spec is not None and ts.priority:
                new[key] = ts
        if not new or not any(_is_hlq_task(ts.run_spec) for ts in new.values()):
            return
        dsk = {k: ts.run_spec for k, ts in new.items()}
        theirs = {k: ts.priority[-1] for k, ts in new.items()}
        prio, name = choose_priorities(dsk, [k for k in keys if k in dsk], theirs)
        if name == "dask.order":
            return
        for k, ts in new.items():
            ts.priority = (*ts.priority[:-1], prio[k])
