"""Rule-authoring API and the optimizer engine.

hlq's own rules are written with exactly this API::

    from hlq.rules import rule, Is, Capture

    @rule(Is(Neg, x=Capture("inner", Is(Neg))), phase="simplify")
    def double_negation(node, inner):
        '''neg(neg(x)) -> x'''
        return inner.x
"""

from hlq.rules.engine import OptimizerError, RuleCycleError, Trace, TraceEvent, consumers, optimize_plan, shared
from hlq.rules.introspect import WhyNot, why_not
from hlq.rules.lint import LintFinding, lint
from hlq.rules.pattern import ANY, AnyOf, Capture, Is, Not, Pattern, Where
from hlq.rules.plugins import load_entry_points
from hlq.rules.registry import (
    Metrics,
    Phase,
    Rule,
    add_phase,
    all_rules,
    describe_rules,
    get_rule,
    metrics,
    phases,
    register,
    register_rules,
    reset_metrics,
    rule,
    rules_in_phase,
    unregister,
)

__all__ = [
    "ANY",
    "AnyOf",
    "Capture",
    "Is",
    "Not",
    "Pattern",
    "Where",
    "Phase",
    "Rule",
    "add_phase",
    "all_rules",
    "get_rule",
    "phases",
    "register",
    "register_rules",
    "describe_rules",
    "rule",
    "rules_in_phase",
    "unregister",
    "optimize_plan",
    "consumers",
    "shared",
    "Trace",
    "TraceEvent",
    "RuleCycleError",
    "OptimizerError",
    "metrics",
    "reset_metrics",
    "Metrics",
    "load_entry_points",
    "why_not",
    "WhyNot",
    "lint",
    "LintFinding",
]
