"""The public surface of ``hlq``, ``hlq.array``, ``hlq.dataframe``, ``hlq.rules`` and ``hlq.testing``.

A public name is one without a leading underscore.  Each of these modules
declares its public functions and classes in ``__all__``; any other public
attribute defined by hlq is a leak (an implementation helper reachable by
accident).  Public submodules are the documented ones: named in the
package's docstring (``hlq.array.fft`` like ``dask.array.fft``,
``hlq.array.nodes`` for extension authors, ...); implementation modules
start with an underscore.  Third-party names a module imports (``np``,
``dask``) are not hlq's surface and are not checked.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import types

import pytest

# documented public submodules of each package (each is named in the package docstring)
SUBMODULES = {
    "hlq": {"array", "dataframe", "expr", "lower", "rules", "testing", "xarray", "explain", "visualize"},
    "hlq.array": {"core", "fft", "lib", "linalg", "ma", "nodes", "overlap", "random", "reductions", "rules",
                  "utils"},
    "hlq.rules": {"engine", "introspect", "lint", "pattern", "plugins", "registry", "shared_reads"},
    "hlq.testing": set(),
    "hlq.dataframe": {"categorical", "demo", "dispatch", "extensions", "nodes", "rules", "utils"},
}
DOCUMENTED_IN_DOCSTRING = {"hlq.array", "hlq.dataframe"}  # packages whose docstring names every public submodule


def _hlq_object(v) -> bool:
    mod = v.__name__ if isinstance(v, types.ModuleType) else getattr(v, "__module__", None)
    return isinstance(mod, str) and (mod == "hlq" or mod.startswith("hlq."))


@pytest.mark.parametrize("name", sorted(SUBMODULES))
def test_public_names_are_the_declared_ones(name):
    mod = importlib.import_module(name)
    declared = set(mod.__all__)
    missing = sorted(n for n in declared if not hasattr(mod, n))
    assert not missing, f"{name}.__all__ names missing attributes: {missing}"
    leaks = []
    for n in dir(mod):
        if n.startswith("_") or n in declared:
            continue
        v = getattr(mod, n)
        if isinstance(v, types.ModuleType) and v.__name__ == f"{name}.{n}":
            if n not in SUBMODULES[name]:
                leaks.append(f"submodule {n}")
        elif _hlq_object(v):
            leaks.append(n)
    assert not leaks, f"{name} exposes undeclared public names: {leaks}"


@pytest.mark.parametrize("name", sorted(SUBMODULES))
def test_every_public_submodule_is_known(name):
    mod = importlib.import_module(name)
    if not hasattr(mod, "__path__"):
        return
    found = {m.name for m in pkgutil.iter_modules(mod.__path__) if not m.name.startswith("_")}
    unknown = sorted(found - SUBMODULES[name])
    assert not unknown, (f"{name} has public submodules {unknown}: make them private (leading underscore) "
                         "or document them")
    if name in DOCUMENTED_IN_DOCSTRING:
        undocumented = sorted(n for n in found if f"``{n}``" not in (mod.__doc__ or ""))
        assert not undocumented, f"{name}'s docstring does not name its submodules {undocumented}"


@pytest.mark.parametrize("name", sorted(SUBMODULES))
def test_declared_functions_and_classes_have_docstrings(name):
    mod = importlib.import_module(name)
    bare = sorted(n for n in mod.__all__
                  if (inspect.isfunction(getattr(mod, n)) or inspect.isclass(getattr(mod, n)))
                  and _hlq_object(getattr(mod, n)) and not inspect.getdoc(getattr(mod, n)))
    assert not bare, f"{name}: public names without a docstring: {bare}"


def test_array_namespace_is_the_union_of_the_topic_modules():
    import hlq.array as da

    topic = [importlib.import_module(f"hlq.array.{m.name}") for m in pkgutil.iter_modules(da.__path__)
             if m.name.startswith("_") and hasattr(importlib.import_module(f"hlq.array.{m.name}"), "__all__")]
    contributed = [n for m in topic if m.__name__ in {t.__name__ for t in da._TOPIC_MODULES} for n in m.__all__]
    assert len(contributed) == len(set(contributed)), "two topic modules export the same name"
    assert set(contributed) <= set(da.__all__)


def test_every_array_node_class_is_exported_from_nodes():
    import hlq.array.nodes as nodes
    from hlq.array.nodes.base import ArrayNode

    missing = []
    for m in pkgutil.iter_modules(nodes.__path__):
        sub = importlib.import_module(f"hlq.array.nodes.{m.name}")
        for n, v in vars(sub).items():
            if (inspect.isclass(v) and issubclass(v, ArrayNode) and v.__module__ == sub.__name__
                    and not n.startswith("_") and n not in nodes.__all__):
                missing.append(f"{sub.__name__}.{n}")
    assert not missing, f"node classes not exported from hlq.array.nodes: {missing}"


def test_array_node_classes_live_in_nodes():
    """Node classes are defined in ``hlq/array/nodes``, not in API or rule modules."""
    import hlq.array as da
    from hlq.array.nodes.base import ArrayNode

    outside = []
    for m in pkgutil.walk_packages(da.__path__, "hlq.array."):
        if m.name.startswith("hlq.array.nodes"):
            continue
        sub = importlib.import_module(m.name)
        for n, v in vars(sub).items():
            if inspect.isclass(v) and issubclass(v, ArrayNode) and v.__module__ == sub.__name__:
                outside.append(f"{sub.__name__}.{n}")
    assert not outside, f"array node classes outside hlq/array/nodes: {outside}"
