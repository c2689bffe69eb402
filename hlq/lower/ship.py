"""Shipping plans to the distributed scheduler.

``Client.compute``/``persist`` pickle the :class:`~hlq.lower.collection.HlqExpr`
adapter and send it in the ``update-graph`` message; the scheduler unpickles
it and calls ``__dask_graph__()``, which lowers the plan there.  The message
is O(plan), not O(tasks).

Safety beyond today's dask: fields that hold user code or user data (nodes
declare them in ``_opaque_fields``: the function of ``map_blocks`` or of an
elementwise op, the array given to ``from_array``) travel as
:class:`~hlq.expr.opaque.OpaqueFunction`/``OpaqueData`` payloads.  The
scheduler builds the tasks around them without unpickling them; only workers
do.  Functions from numpy, hlq, dask, operator, math and builtins are plain
references (importing them runs no user code).  Fields that hold user values
among plain ones (nodes declare them in ``_user_value_fields``: the scalars
and keyword arguments of elementwise ops and ``map_blocks``) keep plain
Python/numpy scalars and trusted callables as they are; every other value
whose unpickling would import code outside numpy, pandas, hlq, dask and the
standard library's value types travels opaque as well.

When the scheduler cannot import hlq, :func:`scheduler_supports_hlq` finds out
once per client, and the adapter falls back to lowering on the client (with a
warning); the tasks then reference only dask and cloudpickle functions, so
the scheduler can still unpickle them.
"""

from __future__ import annotations

import functools
import threading
import warnings
import weakref

import numpy as np
from dask.utils import apply
from dask._task_spec import Dict, List, Task, TaskRef
from dask.base import get_scheduler

from hlq._version import __version__
from hlq.expr.node import Node, flatten_plan, rebuild_plan
from hlq.expr.opaque import OpaqueData, OpaqueFunction

__all__ = ["ship_plan", "unship_plan", "scheduler_supports_hlq", "graph_for_foreign_scheduler", "is_trusted_callable",
           "opaque_user_values"]

_TRUSTED_MODULES = frozenset({"numpy", "hlq", "dask", "operator", "_operator", "math", "cmath", "builtins"})
#: modules whose globals a pickle of a plain value may reference (value types, no user code)
_VALUE_MODULES = _TRUSTED_MODULES | frozenset({"copyreg", "_codecs", "collections", "datetime", "decimal",
                                               "fractions", "numbers", "pandas"})
_PLAIN_TYPES = (type(None), bool, int, float, complex, str, bytes)


def _pickle_modules(payload: bytes) -> set:
    """Top-level modules of the globals a pickle references (read from its opcodes, never
    unpickled)."""
    import pickletools

    mods = set()
    memo: dict = {}
    strings: list = []  # values pushed by the recent opcodes (strings, else None)
    for op, arg, _ in pickletools.genops(payload):
        name = op.name
        if name in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE"):
            strings.append(arg)
        elif name in ("BINGET", "LONG_BINGET", "GET"):
            strings.append(memo.get(arg))
        elif name == "MEMOIZE":
            memo[len(memo)] = strings[-1] if strings else None
        elif name in ("BINPUT", "LONG_BINPUT", "PUT"):
            memo[arg] = strings[-1] if strings else None
        elif name == "GLOBAL":
            mods.add(str(arg).split(" ")[0].split(".")[0])
        elif name == "STACK_GLOBAL":
            module = strings[-2] if len(strings) >= 2 else None
            mods.add(module.split(".")[0] if isinstance(module, str) else "?")
        else:
            strings.append(None)
    return mods


def _is_plain(value) -> bool:
    t = type(value)
    return t in _PLAIN_TYPES or (isinstance(value, np.generic) and value.dtype != object) or t is np.dtype


def _unpickles_safely(value) -> tuple[bool, bytes | None]:
    """(whether unpickling ``value`` imports only value modules, its pickle)."""
    import cloudpickle

    try:
        payload = cloudpickle.dumps(value)
    except Exception:
        return False, None
    return _pickle_modules(payload) <= _VALUE_MODULES, payload


def is_trusted_callable(f) -> bool:
    """True for callables whose unpickling imports no user code."""
    import types

    if isinstance(f, (np.ufunc, OpaqueFunction)):
        return True
    if isinstance(f, functools.partial):
        return False
    mod = getattr(f, "__module__", None) or type(f).__module__ or ""
    if mod.split(".")[0] not in _TRUSTED_MODULES or "<lambda>" in getattr(f, "__qualname__", ""):
        return False
    if isinstance(f, (types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)):
        return True
    # an instance of a trusted class (a wrapper of hlq's): trusted when what it holds is
    return _unpickles_safely(f)[0]


def opaque_user_values(value):
    """``value`` with every part that is not a plain scalar, a trusted callable or a plan
    node replaced by an opaque payload (tuples, lists and dicts are walked)."""
    if isinstance(value, (Node, OpaqueFunction, OpaqueData)) or _is_plain(value):
        return value
    if type(value) in (tuple, list):
        return type(value)(opaque_user_values(v) for v in value)
    if type(value) is dict:
        return {k: opaque_user_values(v) for k, v in value.items()}
    if type(value) is slice or value is Ellipsis or getattr(type(value), "__hlq_value__", False):
        return value
    each_user_value = getattr(value, "__hlq_map_user_values__", None)
    if each_user_value is not None:  # an hlq value holding user values (a pandas method call's arguments)
        return each_user_value(opaque_user_values)
    if callable(value) and not isinstance(value, np.ndarray):
        return value if is_trusted_callable(value) else OpaqueFunction.wrap(value)
    safe, payload = _unpickles_safely(value)
    if safe:
        return value
    if payload is None:  # cannot be pickled: let the scheduler message fail as dask would
        return value
    return OpaqueData(payload, getattr(value, "shape", None), getattr(value, "dtype", None),
                      isinstance(value, np.ndarray), _plain_look_alike(value))


def _plain_look_alike(value):
    """A plain scalar typing like ``value`` (an instance of a user subclass of a plain type), or None."""
    for base in (bool, int, float, complex, str, bytes):
        if isinstance(value, base):
            return base(value)
    return None


def _encode_param(cls, field, value):
    if isinstance(value, (OpaqueFunction, OpaqueData)):
        return value
    if field in getattr(cls, "_user_value_fields", ()):
        return opaque_user_values(value)
    if field not in cls._opaque_fields or value is None:
        return value
    if callable(value) and not isinstance(value, np.ndarray):
        return value if is_trusted_callable(value) else OpaqueFunction.wrap(value)
    return OpaqueData.wrap(value)


def ship_plan(root: Node) -> tuple:
    """The flat plan to pickle for the scheduler, user payloads made opaque."""
    return flatten_plan(root, _encode_param)


def unship_plan(flat: tuple) -> Node:
    """Rebuild a plan shipped by :func:`ship_plan` (opaque payloads stay opaque)."""
    return rebuild_plan(flat)


# --------------------------------------------------------------------------
# does the scheduler have hlq?

_PROBE_SOURCE = """
def probe(dask_scheduler=None):
    import importlib
    try:
        mod = importlib.import_module("hlq")
    except Exception:
        return None
    version = getattr(mod, "__version__", "unknown")
    try:
        # hlq's task priorities for hlq graphs (hlq.lower.dist_order)
        order = importlib.import_module("hlq.lower.dist_order")
        if dask_scheduler is not None and order.PLUGIN_NAME not in dask_scheduler.plugins:
            dask_scheduler.add_plugin(order.DistributedPriorities())
    except Exception:
        pass
    return version
"""

_LOCK = threading.Lock()


def _probe_function():
    # defined outside any importable module so cloudpickle ships it by value:
    # the scheduler can run it even when it cannot import hlq
    ns = {"__name__": "__hlq_scheduler_probe__"}
    exec(_PROBE_SOURCE, ns)
    return ns["probe"]


_SUPPORT_BY_CLIENT: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def scheduler_supports_hlq(client) -> bool:
    """Whether the client's scheduler imports the same hlq version (asked once per client).

    The same call installs hlq's task-priority plugin on a scheduler that
    imports hlq (:class:`hlq.lower.dist_order.DistributedPriorities`).
    """
    with _LOCK:
        if client in _SUPPORT_BY_CLIENT:
            return _SUPPORT_BY_CLIENT[client]
    try:
        version = client.run_on_scheduler(_probe_function())
    except Exception:
        version = None
    ok = version == __version__
    with _LOCK:
        _SUPPORT_BY_CLIENT[client] = ok
    if not ok:
        address = getattr(getattr(client, "scheduler", None), "address", "?")
        warnings.warn(
            f"the dask scheduler at {address} cannot import hlq {__version__} (found: {version}); "
            "hlq lowers graphs on the client for this cluster, which sends O(tasks) bytes "
            "instead of the compact plan. Install the same hlq version on the scheduler to fix this.",
            RuntimeWarning,
            stacklevel=3,
        )
    return ok


def current_distributed_client():
    """The distributed client ``dask.compute`` would use now, or None.

    That is the scheduler :func:`dask.base.get_scheduler` picks (the current
    client of ``with client:``/``client.as_current()``, else the default
    one, unless ``scheduler=`` says otherwise).  ``client.compute`` on a
    client that is neither cannot be seen from inside the optimizer; hlq then
    assumes its scheduler has hlq.
    """
    try:
        sched = get_scheduler()
    except Exception:
        return None
    client = getattr(sched, "__self__", None)
    if client is not None and type(client).__name__ == "Client" and hasattr(client, "run_on_scheduler"):
        return client
    return None


def graph_for_foreign_scheduler(dsk: dict) -> dict:
    """Rewrite tasks so that unpickling them imports only dask and cloudpickle.

    Each task (with any nested tasks) travels pickled as one payload; the
    scheduler sees ``apply(cloudpickle.loads(payload), [{dep: TaskRef(dep)}])``
    and so still knows every dependency.  A worker unpickles the original
    task and calls it with the dependency values.
    """
    import cloudpickle

    from dask._task_spec import DataNode

    out = {}
    for key, t in dsk.items():
        if isinstance(t, DataNode):
            value = t.value
            if not _is_plain(value) and not _unpickles_safely(value)[0]:
                # user data: the scheduler holds the bytes, a worker unpickles them
                out[key] = Task(key, cloudpickle.loads, cloudpickle.dumps(value))
                continue
        if not isinstance(t, Task):
            out[key] = t
            continue
        deps = Dict({d: TaskRef(d) for d in t.dependencies})
        out[key] = Task(key, apply, Task(None, cloudpickle.loads, cloudpickle.dumps(t)), List(deps))
    return out
