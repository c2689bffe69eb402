"""The import structure of ``hlq``, read from the source with ``ast``.

* Layers import only downward: ``hlq.expr`` <- ``hlq.rules`` <- ``hlq.lower``
  (with ``hlq.explain`` and ``hlq.visualize``) <- the collections
  ``hlq.array`` and ``hlq.dataframe`` <- the integrations (``hlq.xarray``,
  ``hlq.testing``, the ``hlq`` package itself and its CLI).
* ``hlq.array`` and ``hlq.dataframe`` meet only in the interop modules.
* The module-level import graph has no circle.
* An import inside a function is there for a reason written next to it:
  ``# import cycle`` (the import would close a circle at module level, which
  this test verifies) or ``# deferred: <why>`` (an optional dependency or an
  import cost the caller must not pay).
"""

from __future__ import annotations

import ast
import pathlib

import networkx as nx
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PKG = ROOT / "hlq"

# lower number = lower layer; a module may import its own layer and the ones below
LAYERS = {
    "hlq._version": 0,
    "hlq.expr": 0,
    "hlq.rules": 1,
    "hlq.lower": 2,
    "hlq.explain": 2,
    "hlq.visualize": 2,
    "hlq.array": 3,
    "hlq.dataframe": 3,
    "hlq.xarray": 4,
    "hlq.testing": 4,
    "hlq.__main__": 4,
    "hlq": 4,
}

# the only modules through which hlq.array and hlq.dataframe see each other
INTEROP = {"hlq.dataframe._io", "hlq.dataframe._convert", "hlq.dataframe.nodes.interop", "hlq.array._core"}

def _modules() -> dict:
    mods = {}
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        name = ".".join(rel.parts)
        if name.endswith(".__init__"):
            name = name[: -len(".__init__")]
        mods[name] = path
    return mods


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _layer(mod: str) -> int:
    best = None
    for prefix, layer in LAYERS.items():
        if (mod == prefix or mod.startswith(prefix + ".")) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, layer)
    assert best is not None, f"{mod} is in no layer: add it to LAYERS in {__file__}"
    return best[1]


def _collection(mod: str) -> str | None:
    for c in ("hlq.array", "hlq.dataframe"):
        if mod == c or mod.startswith(c + "."):
            return c
    return None


class _Import:
    def __init__(self, module, line, target, in_function, comment):
        self.module, self.line, self.target = module, line, target
        self.in_function, self.comment = in_function, comment

    def __repr__(self):
        kind = "function-level" if self.in_function else "module-level"
        return f"{MODULES[self.module].relative_to(ROOT)}:{self.line} {kind} import of {self.target}"


def _imports() -> list:
    out = []
    for mod, path in MODULES.items():
        src = path.read_text()
        lines = src.split("\n")
        tree = ast.parse(src)
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        stack = [(tree, False)]
        while stack:  # iterative walk, remembering whether we are inside a function
            node, in_fn = stack.pop()
            for child in ast.iter_child_nodes(node):
                inside = in_fn or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    if isinstance(child, ast.Import):
                        names = [a.name for a in child.names]
                    else:
                        base = child.module or ""
                        if child.level:
                            parts = package.split(".")[: len(package.split(".")) - child.level + 1]
                            base = ".".join(parts + ([base] if base else []))
                        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                                 for a in child.names]
                    # the statement, and the comment lines and imports directly above it (one
                    # comment may explain a block of imports)
                    start = child.lineno - 1
                    while start > 0 and lines[start - 1].strip().startswith(("#", "import ", "from ")):
                        start -= 1
                    text = "\n".join(lines[start:child.end_lineno])
                    comment = text[text.find("#"):] if "#" in text else ""
                    for n in names:
                        target = _resolve(n) if n.startswith("hlq") else None
                        if target and target != mod:
                            out.append(_Import(mod, child.lineno, target, inside, comment))
                stack.append((child, inside))
    return out


IMPORTS = _imports()


def _module_graph() -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(MODULES)
    g.add_edges_from((i.module, i.target) for i in IMPORTS if not i.in_function)
    return g


def test_every_module_has_a_layer():
    for mod in MODULES:
        _layer(mod)


def test_no_upward_import_between_layers():
    bad = [i for i in IMPORTS if _layer(i.target) > _layer(i.module)]
    assert not bad, "imports from a higher layer:\n" + "\n".join(map(repr, bad))


def test_array_and_dataframe_meet_only_in_the_interop_modules():
    bad = []
    for i in IMPORTS:
        a, b = _collection(i.module), _collection(i.target)
        if a and b and a != b and i.module not in INTEROP:
            bad.append(i)
    assert not bad, "array<->dataframe imports outside the interop modules:\n" + "\n".join(map(repr, bad))


def test_no_module_level_import_circle():
    g = _module_graph()
    circles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    assert not circles, f"module-level import circles: {circles}"


def test_function_level_imports_say_why():
    bad = [i for i in IMPORTS if i.in_function
           and "import cycle" not in i.comment and "deferred:" not in i.comment]
    assert not bad, ("function-level imports without '# import cycle' or '# deferred: <why>':\n"
                     + "\n".join(map(repr, bad)))


def test_function_level_imports_marked_as_cycles_are_cycles():
    g = _module_graph()
    bad = [i for i in IMPORTS if i.in_function and "import cycle" in i.comment
           and not nx.has_path(g, i.target, i.module)]
    assert not bad, ("these function-level imports close no circle; import them at module level:\n"
                     + "\n".join(map(repr, bad)))


@pytest.mark.parametrize("mod", sorted(m for m in MODULES if m.startswith("hlq.array.") and "._" not in m
                                       and not m.startswith(("hlq.array.nodes", "hlq.array.rules"))))
def test_public_array_submodules_declare_all(mod):
    src = MODULES[mod].read_text()
    assert "__all__" in src, f"{mod} is public: it declares its names in __all__"
