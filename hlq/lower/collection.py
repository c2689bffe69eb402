"""The dask collection protocol for hlq collections, and the dask ``Expr`` adapter.

``dask.compute``, ``dask.persist``, ``Client.compute`` and ``Client.persist``
turn every collection into a ``dask._expr.Expr`` (through the collection's
``expr`` attribute), optimize it, and hand it to a scheduler, which calls
``__dask_graph__()`` on it.  :class:`HlqExpr` is a thin adapter that makes
that path run hlq's optimizer (including blockwise fusion) and hlq's
lowering.  The adapter holds nothing but the hlq plan, so it pickles in
O(expression) bytes, and it never caches a materialized graph in a
``cached_property`` (those travel with the pickle).

Collections subclass :class:`HlqCollection`; the plan's root node provides

``output_keys()``
    the nested list of output keys, in dask's layout for the collection;
``finalize()``
    a node with one block that assembles the final result;
``rebuild_persisted(results)``
    a new collection over already computed blocks.
"""

from __future__ import annotations

import json

import dask
import dask.threaded
from dask._task_spec import Alias, GraphNode
from dask.core import flatten
from dask._expr import Expr, _ExprSequence
from dask.base import DaskMethodsMixin

from hlq.expr.node import Node
from hlq.lower.graph import lower, plan_lowering
from hlq.lower.scheduler import get as hlq_threaded_get
from hlq.lower.settings import settings_scope
from hlq.lower.ship import (
    current_distributed_client, graph_for_foreign_scheduler, scheduler_supports_hlq, ship_plan, unship_plan,
)
from hlq.rules.engine import optimize_plan
from hlq.rules.registry import registry_version
from hlq.rules.shared_reads import share_reads

__all__ = ["HlqExpr", "HlqCollection", "PlanCache", "optimize_node", "config_signature"]


def config_signature() -> tuple:
    """The configuration values that change what the optimizer produces: every ``hlq.*`` value
    (rules excluded, fusion, the cost model's and batching's settings), the thread count dask
    would use (``num_workers``) and the rule registry's version."""
    cfg = dask.config.config
    hlq_values = json.dumps(cfg.get("hlq", None), sort_keys=True, default=repr)
    return (hlq_values, cfg.get("num_workers", None), registry_version())


def optimize_node(node: Node, trace=None) -> Node:
    """Run the optimizer phases over a plan (see :func:`hlq.rules.optimize_plan`), then
    let reads of common data share (:func:`hlq.rules.shared_reads.share_reads`)."""
    with settings_scope():
        return share_reads([optimize_plan(node, trace=trace)])[0]


def lower_jointly(nodes: list) -> dict:
    """One graph for several optimized plans computed together.

    Reads of common data are shared across the plans first; a plan whose
    root changed by that keeps its output keys as aliases of the new ones,
    so callers that took keys from the plans they passed still find them.
    """
    shared = share_reads(nodes)
    dsk = lower(shared)
    for old, new in zip(nodes, shared):
        if old is not new:
            for ok, nk in zip(flatten(old.output_keys()), flatten(new.output_keys())):
                dsk[ok] = Alias(ok, nk)
    return dsk


class PlanCache:
    """The optimized plans of one collection's plan, for the current optimizer configuration.

    ``get()`` optimizes the plan, ``get(final=True)`` the plan under its
    finalize node (what ``compute`` runs); each once per configuration
    (:func:`config_signature`).  A collection keeps one, so repeated
    ``compute()``/``persist()`` calls do not re-run the optimizer.  It is
    never shipped: it pickles to ``None``.
    """

    __slots__ = ("node", "sig", "plans")

    def __init__(self, node: Node):
        self.node = node
        self.sig = None
        self.plans: dict = {}

    def get(self, final: bool = False) -> Node:
        sig = config_signature()
        if sig != self.sig:
            self.plans, self.sig = {}, sig
        plan = self.plans.get(final)
        if plan is None:
            plan = optimize_node(self.node.finalize() if final else self.node)
            self.plans[final] = plan
        return plan

    def set(self, plan: Node) -> None:
        """Record ``plan`` as the optimized plan (already optimized elsewhere)."""
        self.plans, self.sig = {False: plan}, config_signature()

    def __reduce__(self):
        return (_no_cache, ())

    def __dask_tokenize__(self):
        return ("hlq-plan-cache", self.node.token)


def _no_cache():
    return None


class HlqExpr(Expr):
    """A ``dask._expr.Expr`` wrapping an hlq plan.

    Operands: the plan's root node, whether it is already optimized, and the
    collection's :class:`PlanCache` (or None).  ``_simplify_down`` runs the
    hlq optimizer once (or takes the cached plan); ``finalize_compute``
    appends the collection's finalize node; ``__dask_graph__`` lowers
    (culled and fused) on whatever process calls it.
    """

    _parameters = ["node", "optimized", "cache"]
    _defaults = {"optimized": False, "cache": None}

    @property
    def _name(self):
        return self.operands[0].name

    @property
    def hlq_node(self) -> Node:
        return self.operands[0]

    def _optimized(self) -> Node:
        node, optimized, cache = self.operands
        if optimized:
            return node
        return cache.get() if cache is not None else optimize_node(node)

    def _simplify_down(self):
        if not self.operands[1]:
            return HlqExpr(self._optimized(), True)
        client = current_distributed_client()
        if client is not None and not getattr(client, "asynchronous", False) and not scheduler_supports_hlq(client):
            return _client_lowered(self.operands[0])
        return None

    def __reduce__(self):
        # ship the flat plan with user code/data as opaque payloads
        return (_unship_expr, (ship_plan(self.operands[0]), self.operands[1]))

    def finalize_compute(self):
        node, optimized, cache = self.operands
        if cache is not None and not optimized:
            return HlqExpr(cache.get(final=True), True)
        return HlqExpr(node.finalize(), False)

    def dependencies(self):
        return []

    def _simplify_up(self, parent, dependents):
        # dask.compute(x, y, ...) wraps collections in an _ExprSequence; lower
        # all hlq plans jointly so shared subexpressions are fused the same way
        # and computed once.
        if type(parent) is _ExprSequence and all(isinstance(op, HlqExpr) for op in parent.operands):
            return HlqSequenceExpr(*parent.operands)
        return None

    def __dask_keys__(self):
        return self.operands[0].output_keys()

    def _layer(self) -> dict:
        cache = self.__dict__.get("_hlq_graph")
        if cache is None:
            cache = lower([self._optimized()])
            # a plain attribute, not a cached_property: never pickled
            self.__dict__["_hlq_graph"] = cache
        return cache

    def __dask_graph__(self):
        return self._layer()

    def __str__(self):
        return f"HlqExpr({self.operands[0].label()})"

    __repr__ = __str__


def _unship_expr(flat, optimized):
    return HlqExpr(unship_plan(flat), optimized)


def _client_lowered(node: Node):
    """Fallback for a scheduler without hlq: a dask HLGExpr lowered here."""
    from dask._expr import HLGExpr
    from dask.highlevelgraph import HighLevelGraph

    dsk = graph_for_foreign_scheduler(lower([node]))
    return HLGExpr(
        dsk=HighLevelGraph.from_collections(node.name, dsk, dependencies=()),
        output_keys=node.output_keys(),
    )


class HlqSequenceExpr(_ExprSequence):
    """Several hlq plans computed together: one joint lowering (shared nodes once)."""

    def _layer(self) -> dict:
        cache = self.__dict__.get("_hlq_graph")
        if cache is None:
            nodes = [op._optimized() for op in self.operands]
            cache = lower_jointly(nodes)
            self.__dict__["_hlq_graph"] = cache
        return cache

    def __dask_graph__(self):
        return self._layer()

    def finalize_compute(self):
        return HlqSequenceExpr(*(op.finalize_compute() for op in self.operands))


class HlqCollection(DaskMethodsMixin):
    """Base of hlq collections: a plan root plus the dask collection protocol."""

    __slots__ = ("_node", "_opt_cache")
    _node: Node

    def __init__(self, node: Node):
        self._node = node
        self._opt_cache = None

    def __reduce__(self):
        # the plan pickles flat (no recursion); the optimizer cache is not shipped
        return (type(self)._from_node, (self._node,))

    def __copy__(self):
        # plans are immutable, collections are not (``x[0] = 5`` rebinds ``x``):
        # a copy is a new collection on the same plan (sharing its optimized
        # plans), unaffected by later rebinds of ``self``
        new = type(self)._from_node(self._node)
        new._opt_cache = self._opt_cache
        return new

    def __deepcopy__(self, memo):
        return self.__copy__()

    def _rebind(self, node: Node) -> None:
        """Point this collection at the plan ``node`` (or another collection's plan).

        The one way in-place operations (``x[k] = v``, ``out=``, ...) change a
        collection: only this object changes; copies and every collection
        built from it keep the plan they had.
        """
        if isinstance(node, HlqCollection):
            node = node._node
        self._node = node
        self._opt_cache = None

    # ----------------------------------------------------------- optimizing
    @property
    def node(self) -> Node:
        """The (unoptimized) plan of this collection."""
        return self._node

    def _plan_cache(self) -> PlanCache:
        cache = self._opt_cache
        if cache is None or cache.node is not self._node:
            cache = self._opt_cache = PlanCache(self._node)
        return cache

    def _optimized_node(self) -> Node:
        return self._plan_cache().get()

    @property
    def expr(self) -> HlqExpr:
        """The dask ``Expr`` adapter used by ``dask.compute``/``Client.compute``
        (it takes the optimized plans from this collection's cache)."""
        return HlqExpr(self._node, False, self._plan_cache())

    # ------------------------------------------------- dask collection protocol
    def __dask_graph__(self):
        return lower([self._optimized_node()])

    def __dask_keys__(self):
        return self._optimized_node().output_keys()

    def __dask_layers__(self):
        return (self._optimized_node().name,)

    def __dask_tokenize__(self):
        return (type(self).__name__, self._node.token)

    __dask_optimize__ = staticmethod(lambda dsk, keys, **kwargs: dsk)

    # dask's threaded scheduler with hlq's task priorities (hlq.lower.scheduler; config
    # hlq.order); it compares equal to dask.threaded.get, so mixed dask.compute calls agree
    __dask_scheduler__ = staticmethod(hlq_threaded_get)

    def __dask_postcompute__(self):
        return self._node.postcompute()

    def __dask_postpersist__(self):
        return _rebuild_persisted, (type(self), self._optimized_node())

    def task_count(self) -> int:
        """Number of tasks the optimized, culled, fused graph has."""
        return plan_lowering([self._optimized_node()]).task_count()


def _rebuild_persisted(results: dict, cls, node: Node, rename=None):
    if any(isinstance(v, GraphNode) for v in results.values()):
        # dask.optimize hands back graphs, not results: the optimized plan is the answer
        return cls._from_node(node)
    return cls._from_node(node.rebuild_persisted(results))
