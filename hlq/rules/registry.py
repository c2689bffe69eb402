"""Rules, phases and the registry the optimizer reads.

A rule is a pattern plus a function that returns the replacement node (or
None when it does not apply).  Rules are registered into named phases with
the :func:`rule` decorator - hlq's own rules use exactly this API.

Examples
--------
>>> from hlq.expr.node import Node
>>> class L(Node):
...     _fields = ("v",)
>>> class Neg(Node):
...     _fields = ("x",)
>>> from hlq.rules.pattern import Is, Capture
>>> @rule(Is(Neg, x=Capture("inner", Is(Neg))), phase="simplify", register=False)
... def double_negation(node, inner):
...     '''neg(neg(x)) -> x'''
...     return inner.x
>>> double_negation.apply(Neg(Neg(L(1)))) is L(1)
True
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable
import heapq

from hlq.expr.node import Node
from hlq.rules.pattern import Pattern, as_pattern, node_pattern_types

__all__ = [
    "Rule", "Phase", "rule", "register", "register_rules", "unregister", "get_rule", "rules_in_phase", "phases",
    "add_phase", "describe_rules", "metrics", "reset_metrics", "Metrics",
]


@dataclass
class Rule:
    """A rewrite rule: ``fn(node, **captures) -> Node | None``.

    Attributes
    ----------
    name : str
        Unique name (used in traces, config exclusion and errors).
    pattern : Pattern
        What the rule matches; its root types index the rule.
    fn : callable
        Returns the replacement node, or None to decline.
    phase : str
        The phase the rule runs in.
    tags : tuple of str
        Free-form tags; ``hlq.rules.exclude`` may name tags too.
    excludable : bool
        False for rules needed for correctness (never disabled by config).
    before, after : tuple of str
        Names of rules of the same phase this rule must be tried before /
        after (at a node where several rules match).  Unknown names are ignored.
    examples : tuple of Node, or a callable returning them
        Small plans the rule applies to; used by :func:`hlq.rules.lint` and
        :func:`hlq.testing.check_rule`.
    stats : dict
        ``attempts`` (pattern tried), ``fired`` (replacement returned) and
        ``seconds`` (time in the rule); see :func:`metrics`.
    """

    name: str
    pattern: Pattern
    fn: Callable[..., Node | None]
    phase: str = "simplify"
    tags: tuple = ()
    excludable: bool = True
    doc: str = ""
    before: tuple = ()
    after: tuple = ()
    examples: Any = ()
    node_types: tuple = field(default=(), repr=False)
    stats: dict = field(default_factory=lambda: {"attempts": 0, "fired": 0, "seconds": 0.0}, repr=False)

    def __post_init__(self):
        self.phase = phase_name(self.phase, stacklevel=4)
        self.pattern = as_pattern(self.pattern)
        self.node_types = node_pattern_types(self.pattern)
        self.before = (self.before,) if isinstance(self.before, str) else tuple(self.before)
        self.after = (self.after,) if isinstance(self.after, str) else tuple(self.after)

    def get_examples(self) -> list:
        """The declared example plans (calling ``examples`` if it is callable)."""
        ex = self.examples
        if callable(ex):
            ex = ex()
        out = []
        for e in ex or ():
            e = getattr(e, "node", e)  # collections stand for their plans
            if isinstance(e, Node):
                out.append(e)
        return out

    def apply(self, node: Node) -> Node | None:
        """The replacement for ``node``, or None if the rule does not apply."""
        captures: dict[str, Any] = {}
        if not self.pattern.match(node, captures):
            return None
        out = self.fn(node, **captures)
        if out is node:
            return None
        return out

    def __call__(self, node, **captures):
        return self.fn(node, **captures)


@dataclass
class Phase:
    """A named group of rules run in sequence.

    ``mode`` is ``"fixpoint"`` (repeat passes until the plan no longer changes,
    at most ``max_passes``) or ``"once"`` (a single pass).
    """

    name: str
    mode: str = "fixpoint"
    max_passes: int = 100


_LOCK = threading.RLock()
_PHASES: list[Phase] = [
    Phase("simplify"),
    Phase("pushdown"),
    Phase("physical"),
    Phase("finalize", mode="once"),
]
#: old phase names still accepted (with a DeprecationWarning): ``"lower"`` is now ``"physical"``
#: (the word "lower" names the lowering package, :mod:`hlq.lower`, only)
PHASE_ALIASES = {"lower": "physical"}


def phase_name(name: str, stacklevel: int = 3) -> str:
    """The current name of phase ``name`` (a deprecated alias is translated, with a warning)."""
    new = PHASE_ALIASES.get(name) if isinstance(name, str) else None
    if new is None:
        return name
    warnings.warn(f"the rule phase {name!r} is called {new!r} now; {name!r} is a deprecated alias",
                  DeprecationWarning, stacklevel=stacklevel)
    return new
_RULES: dict[str, Rule] = {}
_VERSION = [0]


def phases() -> list[Phase]:
    """The phases, in execution order."""
    return list(_PHASES)


def add_phase(phase: Phase, before: str | None = None, after: str | None = None) -> None:
    """Insert a new phase, optionally before/after an existing one."""
    before = phase_name(before) if before is not None else None
    after = phase_name(after) if after is not None else None
    with _LOCK:
        if any(p.name == phase.name for p in _PHASES) or phase.name in PHASE_ALIASES:
            raise ValueError(f"phase {phase.name!r} already exists")
        names = [p.name for p in _PHASES]
        if before is not None:
            _PHASES.insert(names.index(before), phase)
        elif after is not None:
            _PHASES.insert(names.index(after) + 1, phase)
        else:
            _PHASES.append(phase)
        _VERSION[0] += 1


def register(r: Rule, replace: bool = False) -> Rule:
    """Add a rule to the registry.

    A new rule is tried after the rules of its phase registered before it
    (unless its ``before=``/``after=`` say otherwise); replacing a rule keeps
    its place.
    """
    with _LOCK:
        if r.phase not in {p.name for p in _PHASES}:
            raise ValueError(f"rule {r.name!r}: unknown phase {r.phase!r}; phases are {[p.name for p in _PHASES]}")
        if r.name in _RULES and not replace and _RULES[r.name] is not r:
            raise ValueError(f"a rule named {r.name!r} is already registered")
        old = _RULES.get(r.name)
        _RULES[r.name] = r
        try:
            _order([x for x in _RULES.values() if x.phase == r.phase])
        except ValueError:
            if old is None:
                del _RULES[r.name]
            else:
                _RULES[r.name] = old
            raise
        _VERSION[0] += 1
    return r


def unregister(name: str) -> None:
    """Remove a rule by name."""
    with _LOCK:
        if name not in _RULES:
            raise KeyError(f"no rule named {name!r}")
        del _RULES[name]
        _VERSION[0] += 1


def get_rule(name: str) -> Rule:
    """The registered rule called ``name``."""
    try:
        return _RULES[name]
    except KeyError:
        raise KeyError(f"no rule named {name!r}; known rules: {sorted(_RULES)}") from None


def all_rules() -> list[Rule]:
    """Every registered rule, in registration order."""
    return list(_RULES.values())


def register_rules(rules) -> None:
    """Register an ordered list of rules: the order in which the optimizer tries them.

    hlq's collections publish their rules this way (``hlq.array.rules.RULES``,
    ``hlq.dataframe.rules.RULES``: one tuple per phase); a rule already
    registered (the same object) keeps its place.

    Parameters
    ----------
    rules : dict of str to sequence of Rule, or sequence of Rule
        ``{phase: rules}`` (each rule's phase must be its key) or a flat
        sequence.
    """
    if isinstance(rules, dict):
        flat = []
        for ph, rs in rules.items():
            for r in rs:
                if r.phase != phase_name(ph):
                    raise ValueError(f"rule {r.name!r} of phase {r.phase!r} is listed under phase {ph!r}")
                flat.append(r)
        rules = flat
    with _LOCK:
        for r in rules:
            if _RULES.get(r.name) is not r:
                register(r)


def rules_in_phase(phase: str) -> list[Rule]:
    """Registered rules of one phase, in the order the engine tries them.

    Registration order (hlq's own rules: the order of the published lists
    ``hlq.array.rules.RULES`` and ``hlq.dataframe.rules.RULES``, which
    ``python -m hlq rules`` prints), changed only where a rule's
    ``before=``/``after=`` constraints require it.
    """
    phase = phase_name(phase)
    return _order([r for r in _RULES.values() if r.phase == phase])


def describe_rules(*, builtin_only: bool = False, markdown: bool = False) -> str:
    """The ordered rule list of every phase, as text (what ``python -m hlq rules`` prints).

    For each phase (in execution order) its rules in the order the optimizer
    tries them at a node: name, module, tags and the first line of the
    docstring.

    Parameters
    ----------
    builtin_only : bool
        Only hlq's own rules (leave out rules of plugins and user code).
    markdown : bool
        A markdown table per phase (the form docs/rules.md holds) instead of
        plain text.
    """
    out = []
    for p in phases():
        rules = rules_in_phase(p.name)
        if builtin_only:
            rules = [r for r in rules if _module_of(r).startswith("hlq.")]
        mode = "once" if p.mode == "once" else "to a fixed point"
        if markdown:
            out.append(f"**{p.name}** ({mode}, {len(rules)} rules)")
            out.append("")
            if rules:
                out.append("| # | rule | module | tags | rewrites |")
                out.append("|---|---|---|---|---|")
                for i, r in enumerate(rules, 1):
                    doc = (r.doc.splitlines() or [""])[0].replace("|", "\\|")
                    out.append(f"| {i} | `{r.name}` | `{_module_of(r)}` | {', '.join(r.tags)} | {doc} |")
                out.append("")
            continue
        out.append(f"phase {p.name} ({mode}, {len(rules)} rules)")
        w = max([len(r.name) for r in rules] + [4])
        wm = max([len(_module_of(r)) for r in rules] + [4])
        for i, r in enumerate(rules, 1):
            doc = (r.doc.splitlines() or [""])[0]
            out.append(f"  {i:>2}. {r.name:<{w}}  {_module_of(r):<{wm}}  {doc}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _module_of(r: Rule) -> str:
    return getattr(r.fn, "__module__", None) or "?"


def _order(rules: list[Rule]) -> list[Rule]:
    """Stable topological order of ``rules`` under their before/after constraints."""
    if not any(r.before or r.after for r in rules):
        return rules
    pos = {r.name: i for i, r in enumerate(rules)}
    succ: dict[str, set] = {r.name: set() for r in rules}
    for r in rules:
        for b in r.before:
            if b in pos and b != r.name:
                succ[r.name].add(b)
        for a in r.after:
            if a in pos and a != r.name:
                succ[a].add(r.name)
    indeg = {n: 0 for n in pos}
    for n, ss in succ.items():
        for m in ss:
            indeg[m] += 1

    ready = [pos[n] for n, d in indeg.items() if d == 0]
    heapq.heapify(ready)
    out = []
    while ready:
        r = rules[heapq.heappop(ready)]
        out.append(r)
        for m in succ[r.name]:
            indeg[m] -= 1
            if indeg[m] == 0:
                heapq.heappush(ready, pos[m])
    if len(out) != len(rules):
        stuck = sorted(n for n, d in indeg.items() if d > 0)
        raise ValueError(f"before/after constraints between rules {stuck} form a cycle")
    return out


class Metrics(dict):
    """Per-rule counters: ``{name: {"phase", "attempts", "fired", "seconds"}}``.

    ``str()`` renders a table, busiest rules first.
    """

    def __str__(self):
        rows = sorted(self.items(), key=lambda kv: (-kv[1]["seconds"], kv[0]))
        w = max([len(n) for n in self] + [4])
        lines = [f"{'rule':<{w}}  {'phase':<10} {'attempts':>9} {'fired':>7} {'ms':>9}"]
        for n, m in rows:
            lines.append(
                f"{n:<{w}}  {m['phase']:<10} {m['attempts']:>9} {m['fired']:>7} {m['seconds'] * 1e3:>9.2f}"
            )
        return "\n".join(lines)

    def _repr_pretty_(self, p, cycle):  # IPython
        p.text(str(self))


def metrics(active_only: bool = False) -> Metrics:
    """Per-rule metrics of every registered rule since the last :func:`reset_metrics`.

    ``attempts`` counts the nodes whose type the rule's pattern root could match
    (the rule was tried), ``fired`` the times it returned a replacement and
    ``seconds`` the time spent matching and running it.  ``active_only`` leaves
    out rules that were never tried.
    """
    out = Metrics()
    for r in all_rules():
        s = r.stats
        if active_only and not s["attempts"]:
            continue
        out[r.name] = {"phase": r.phase, "attempts": s["attempts"], "fired": s["fired"], "seconds": s["seconds"]}
    return out


def reset_metrics() -> None:
    """Zero the counters of every registered rule."""
    for r in all_rules():
        r.stats.update(attempts=0, fired=0, seconds=0.0)


def registry_version() -> int:
    """A counter that changes whenever rules or phases change (cache key)."""
    return _VERSION[0]


def rule(
    pattern: Any,
    *,
    phase: str = "simplify",
    name: str | None = None,
    tags: tuple | list = (),
    excludable: bool = True,
    register: bool = True,
    replace: bool = False,
    before: str | tuple | list = (),
    after: str | tuple | list = (),
    examples: Any = (),
) -> Callable[[Callable], Rule]:
    """Decorator turning ``fn(node, **captures)`` into a registered :class:`Rule`.

    Parameters
    ----------
    pattern : Pattern or type
        What the rule matches.
    phase : str
        One of :func:`phases` (default ``"simplify"``); ``"lower"`` is a
        deprecated alias of ``"physical"``.
    name : str, optional
        Defaults to the function name.
    tags : sequence of str
        Tags for config-based exclusion (``hlq.rules.exclude``).
    excludable : bool
        Set False for rules needed for correctness.
    register : bool
        Register immediately (default True).
    replace : bool
        Allow replacing an existing rule of the same name.
    before, after : str or sequence of str
        Rules of the same phase this one is tried before / after.
    examples : sequence of Node (or collections), or a callable returning them
        Small plans the rule rewrites (used by :func:`hlq.rules.lint`).
    """

    phase = phase_name(phase, stacklevel=3)

    def deco(fn: Callable) -> Rule:
        r = Rule(
            name=name or fn.__name__,
            pattern=as_pattern(pattern),
            fn=fn,
            phase=phase,
            tags=tuple(tags),
            excludable=excludable,
            doc=(fn.__doc__ or "").strip(),
            before=before,
            after=after,
            examples=examples,
        )
        if register:
            globals()["register"](r, replace=replace)
        return r

    return deco
