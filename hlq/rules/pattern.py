"""Declarative patterns that rules match against nodes.

A pattern is built from a few combinators:

``Is(NodeType, field=subpattern, ...)``
    the value is an instance of ``NodeType`` (a class or a tuple of classes)
    and each named field matches its sub-pattern.
``Capture(name, pattern)``
    match ``pattern`` and bind the value to ``name`` (passed to the rule).
``AnyOf(p1, p2, ...)`` / ``Not(p)``
    alternatives / negation.
``Where(predicate)``
    a guard: ``predicate(value)`` must be true.
``ANY``
    matches anything.

In a field position a class means "instance of", another pattern is matched,
and anything else is compared with ``==``.

Examples
--------
>>> from hlq.expr.node import Node
>>> class L(Node):
...     _fields = ("v",)
>>> class Neg(Node):
...     _fields = ("x",)
>>> p = Is(Neg, x=Capture("inner", Is(Neg)))
>>> caps = {}
>>> p.match(Neg(Neg(L(1))), caps), caps["inner"] is Neg(L(1))
(True, True)
>>> p.match(Neg(L(1)), {})
False
"""

from __future__ import annotations

from typing import Any, Callable

from hlq.expr.node import Node

__all__ = ["Pattern", "Is", "Capture", "AnyOf", "Not", "Where", "ANY", "as_pattern"]


class Pattern:
    """Base class: ``match(value, captures)`` returns True and fills captures."""

    def match(self, value: Any, captures: dict) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def explain(self, value: Any) -> str | None:
        """Why ``value`` does not match (None when it matches)."""
        return None if self.match(value, {}) else f"{value!r} does not match {self!r}"

    def root_types(self) -> tuple[type, ...]:
        """Node types a matching root can have (used to index rules)."""
        return (object,)


class _Any(Pattern):
    def match(self, value, captures):
        return True

    def __repr__(self):
        return "ANY"


ANY = _Any()


class _Equals(Pattern):
    def __init__(self, value):
        self.value = value

    def match(self, value, captures):
        try:
            return bool(value == self.value)
        except Exception:
            return False

    def explain(self, value):
        return None if self.match(value, {}) else f"{_short(value)} != {self.value!r}"

    def __repr__(self):
        return f"=={self.value!r}"


class _InstanceOf(Pattern):
    def __init__(self, types):
        self.types = types

    def match(self, value, captures):
        return isinstance(value, self.types)

    def root_types(self):
        return self.types if isinstance(self.types, tuple) else (self.types,)

    def explain(self, value):
        if self.match(value, {}):
            return None
        names = "/".join(t.__name__ for t in self.root_types())
        return f"{type(value).__name__} is not {names}"

    def __repr__(self):
        return f"instance of {self.types!r}"


def as_pattern(obj: Any) -> Pattern:
    """Coerce a field constraint to a pattern (see module docs)."""
    if isinstance(obj, Pattern):
        return obj
    if isinstance(obj, type) or (isinstance(obj, tuple) and obj and all(isinstance(t, type) for t in obj)):
        return _InstanceOf(obj)
    return _Equals(obj)


class Is(Pattern):
    """An instance of ``types`` whose named fields match sub-patterns."""

    def __init__(self, types, **fields):
        self.types = types if isinstance(types, tuple) else (types,)
        self.fields = {k: as_pattern(v) for k, v in fields.items()}

    def match(self, value, captures):
        if not isinstance(value, self.types):
            return False
        for name, pat in self.fields.items():
            if not pat.match(getattr(value, name, None), captures):
                return False
        return True

    def explain(self, value):
        if not isinstance(value, self.types):
            return f"{type(value).__name__} is not {'/'.join(t.__name__ for t in self.types)}"
        for name, pat in self.fields.items():
            sub = pat.explain(getattr(value, name, None))
            if sub is not None:
                return f"field {name!r}: {sub}"
        return None

    def root_types(self):
        return self.types

    def __repr__(self):
        inner = ", ".join(f"{k}={v!r}" for k, v in self.fields.items())
        names = "|".join(t.__name__ for t in self.types)
        return f"Is({names}{', ' + inner if inner else ''})"


class Capture(Pattern):
    """Match ``pattern`` and bind the value to ``name``."""

    def __init__(self, name: str, pattern: Any = ANY):
        self.name = name
        self.pattern = as_pattern(pattern)

    def match(self, value, captures):
        if self.pattern.match(value, captures):
            captures[self.name] = value
            return True
        return False

    def explain(self, value):
        return self.pattern.explain(value)

    def root_types(self):
        return self.pattern.root_types()

    def __repr__(self):
        return f"{self.pattern!r} as {self.name}"


class AnyOf(Pattern):
    """The first alternative that matches (its captures are kept)."""

    def __init__(self, *patterns):
        self.patterns = [as_pattern(p) for p in patterns]

    def match(self, value, captures):
        for p in self.patterns:
            trial: dict = {}
            if p.match(value, trial):
                captures.update(trial)
                return True
        return False

    def explain(self, value):
        if self.match(value, {}):
            return None
        return "no alternative matches: " + "; ".join(
            f"({i + 1}) {p.explain(value) or 'no match'}" for i, p in enumerate(self.patterns)
        )

    def root_types(self):
        out: list[type] = []
        for p in self.patterns:
            out.extend(p.root_types())
        return tuple(out)

    def __repr__(self):
        return "AnyOf(" + ", ".join(map(repr, self.patterns)) + ")"


class Not(Pattern):
    """Matches when ``pattern`` does not."""

    def __init__(self, pattern):
        self.pattern = as_pattern(pattern)

    def match(self, value, captures):
        return not self.pattern.match(value, {})

    def explain(self, value):
        return None if self.match(value, {}) else f"{_short(value)} matches {self.pattern!r} (negated)"

    def __repr__(self):
        return f"Not({self.pattern!r})"


class Where(Pattern):
    """A guard: ``predicate(value)`` must be truthy."""

    def __init__(self, predicate: Callable[[Any], bool], description: str | None = None):
        self.predicate = predicate
        self.description = description or getattr(predicate, "__name__", "guard")

    def match(self, value, captures):
        return bool(self.predicate(value))

    def explain(self, value):
        return None if self.match(value, {}) else f"guard {self.description} failed"

    def __repr__(self):
        return f"Where({self.description})"


def _short(value, limit=60) -> str:
    text = value.label() if isinstance(value, Node) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def node_pattern_types(pattern: Pattern) -> tuple[type, ...]:
    """Root node types of a pattern, ``(Node,)`` when it can match any node."""
    types = pattern.root_types()
    if object in types:
        return (Node,)
    return types
