"""Rules from installed packages: the ``hlq.rules`` entry-point group.

A package declares, in its ``pyproject.toml``::

    [project.entry-points."hlq.rules"]
    my_package = "my_package.rules"

The value names a module (importing it registers its rules with ``@rule``),
a :class:`~hlq.rules.Rule`, a sequence of rules, or a callable returning
rules (or registering them itself).  Entry points load lazily, once, at the
first optimization (or explicitly with :func:`load_entry_points`); set
``dask.config`` ``hlq.rules.entry_points`` to False to skip them.  A plugin
that fails to load is reported with a warning and skipped.
"""

from __future__ import annotations

import importlib.metadata
import threading
import types
import warnings

import dask

from hlq.rules import registry

__all__ = ["load_entry_points", "ensure_entry_points", "GROUP"]

GROUP = "hlq.rules"
_LOADED: dict[str, list[str]] = {}  # entry point name -> names of rules it registered
_STATE = {"done": False}
_LOCK = threading.RLock()


def _register_obj(obj) -> None:
    if isinstance(obj, registry.Rule):
        if registry._RULES.get(obj.name) is not obj:
            registry.register(obj)
        return
    if isinstance(obj, types.ModuleType) or obj is None:
        return  # importing the module registered its rules
    if isinstance(obj, (list, tuple, set)):
        for o in obj:
            _register_obj(o)
        return
    if callable(obj):
        _register_obj(obj())
        return
    raise TypeError(f"entry point gave {type(obj).__name__}; expected a module, Rule, rules or a callable")


def load_entry_points(group: str = GROUP, reload: bool = False) -> dict[str, list[str]]:
    """Load the rules that installed packages declare in the entry-point ``group``.

    Returns ``{entry point name: [rule names it registered]}`` for every
    entry point loaded so far.  Already loaded entry points are skipped
    unless ``reload``.
    """
    with _LOCK:
        _STATE["done"] = True
        try:
            eps = importlib.metadata.entry_points(group=group)
        except Exception as e:  # pragma: no cover - broken metadata
            warnings.warn(f"hlq: could not list entry points of {group!r}: {e}", RuntimeWarning, stacklevel=2)
            return dict(_LOADED)
        for ep in eps:
            key = f"{group}:{ep.name}"
            if key in _LOADED and not reload:
                continue
            before = set(registry._RULES)
            try:
                obj = ep.load()
                _register_obj(obj)
            except Exception as e:
                warnings.warn(
                    f"hlq: could not load rules from entry point {ep.name!r} ({ep.value}): "
                    f"{type(e).__name__}: {e}",
                    RuntimeWarning,
                    stacklevel=2,
                )
                continue
            names = set(registry._RULES) - before
            if isinstance(obj, types.ModuleType):  # the module may have been imported already
                mod = obj.__name__
                names |= {r.name for r in registry._RULES.values()
                          if getattr(r.fn, "__module__", "") in (mod,) or
                          getattr(r.fn, "__module__", "").startswith(mod + ".")}
            _LOADED[key] = sorted(names) or _LOADED.get(key, [])
        return {k.split(":", 1)[1]: v for k, v in _LOADED.items() if k.startswith(group + ":")}


def ensure_entry_points() -> None:
    """Load the entry points once (called at the start of every optimization)."""
    if _STATE["done"]:
        return
    if not dask.config.get("hlq.rules.entry_points", True):
        return
    load_entry_points()
