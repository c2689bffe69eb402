"""Every docstring example in the hlq package runs (rule modules document themselves this way)."""

import doctest
import importlib
import pkgutil

import pytest

import hlq

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(hlq.__path__, "hlq.") if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("modname", MODULES)
def test_module_doctests(modname):
    mod = importlib.import_module(modname)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest failures in {modname}"


def test_rule_modules_have_examples():
    import hlq.array.rules as rules_pkg

    for m in pkgutil.iter_modules(rules_pkg.__path__):
        mod = importlib.import_module(f"hlq.array.rules.{m.name}")
        assert ">>>" in (mod.__doc__ or ""), f"rule module {m.name} has no docstring example"
