"""hlq: a high-level query optimizer for dask collections.

>>> import hlq, hlq.array as da
>>> x = da.ones((100, 100), chunks=10)
>>> y = hlq.optimize((x + 1)[:10, :10])
>>> y.task_count()
1
"""

from hlq._version import __version__
from hlq.explain import explain, optimize, why_not
from hlq.visualize import plan_graph, visualize
from hlq.rules import ANY, AnyOf, Capture, Is, Not, Phase, Rule, Where, register, rule, unregister

__all__ = [
    "optimize", "explain", "why_not", "visualize", "plan_graph", "rule", "register", "unregister", "Rule", "Phase",
    "Is", "Capture", "AnyOf", "Not", "Where", "ANY", "__version__",
]
