"""The testing kit for rule authors (hlq.testing)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

import hlq.array as da
from hlq.array.nodes import Elemwise, Rechunk
from hlq.rules import Is, Where, rule
from hlq.rules.registry import _RULES
from hlq.testing import array_expressions, assert_rewrites, check_rule, registered


def test_assert_rewrites_passes_and_returns_plan():
    a = np.arange(20.0).reshape(4, 5)
    x = da.from_array(a, chunks=2)
    got = assert_rewrites((x + 1)[1:3], x[1:3] + 1, rules=["slice_through_elemwise"])
    assert got is (x[1:3] + 1).node


def test_assert_rewrites_runs_only_the_given_rules():
    x = da.from_array(np.arange(10.0), chunks=5)
    # slice_into_source is registered but not given: the slice stays above the source
    assert_rewrites((x * 2)[:3], x[:3] * 2, rules=["slice_through_elemwise"])


def test_assert_rewrites_failure_shows_both_plans():
    x = da.from_array(np.arange(10.0), chunks=5)
    with pytest.raises(AssertionError) as info:
        assert_rewrites((x + 1)[:3], x[:4] + 1, rules=["slice_through_elemwise"])
    msg = str(info.value)
    assert "expected plan" in msg and "produced plan" in msg
    assert "getitem[0:4]" in msg and "getitem[0:3]" in msg
    assert "slice_through_elemwise" in msg


def test_assert_rewrites_with_unregistered_rule():
    @rule(Is(Elemwise, func=Where(lambda f: f is np.negative, "negative"),
             args=Where(lambda a: isinstance(a[0], Elemwise) and a[0].func is np.negative, "of a negative")),
          register=False)
    def double_negative(node):
        return node.args[0].args[0]

    x = da.from_array(np.arange(10.0), chunks=5)
    assert_rewrites(-(-x), x, rules=[double_negative])
    assert "double_negative" not in _RULES


def test_check_rule_on_builtin_rules():
    for name in ["slice_through_elemwise", "slice_through_transpose", "slice_through_reduction"]:
        res = check_rule(name, max_examples=15)
        assert res.fired == res.examples == 15
        assert res.rewrites >= 15


def test_check_rule_with_explicit_examples():
    x = da.from_array(np.arange(12.0).reshape(3, 4), chunks=2)
    res = check_rule("slice_through_transpose", [x.T[1:3], x.T[:, 1], x + 1])
    assert res.examples == 3 and res.fired == 2


def test_check_rule_catches_a_wrong_rule():
    # wrong: -x is not abs(x)
    @rule(Is(Elemwise, func=Where(lambda f: f is np.negative, "negative")), register=False, name="bad_neg_abs")
    def bad(node):
        return Elemwise(np.abs, node.args, node.dtype_, node.kwargs)

    with pytest.raises(AssertionError, match="with and without 'bad_neg_abs'"):
        check_rule(bad, max_examples=10)
    assert "bad_neg_abs" not in _RULES


def test_check_rule_catches_changed_derived_properties():
    @rule(Is(Rechunk), phase="pushdown", register=False, name="bad_chunks")
    def bad(node):
        c = node.child
        if c.dims == node.dims:
            return None
        return c  # drops the rechunk: same values, other chunks

    with pytest.raises(AssertionError, match="changed derived properties"):
        check_rule(bad, max_examples=10)


def test_check_rule_reports_a_rule_that_never_fires():
    never = rule(Is(Rechunk, child=Is(Rechunk, child=Is(Rechunk))), register=False,
                 phase="simplify", name="never_fires")(lambda node: None)
    with pytest.raises(AssertionError, match="fired on 0"):
        check_rule(never, max_examples=5)


def test_check_rule_rejects_non_excludable_rules():
    with pytest.raises(ValueError, match="not excludable"):
        check_rule("lower_reduction")


def test_array_expressions_with_extra_ops():
    def clip(draw, x):
        lo = draw(st.integers(-3, 0))
        return da.clip(x, lo, lo + draw(st.integers(0, 5)))

    seen = []
    from hypothesis import given, settings

    @settings(max_examples=20, deadline=None, database=None)
    @given(array_expressions(extra_ops=[clip], ops=(), min_ops=1, max_ops=2))
    def t(x):
        seen.append(x.node.op_name)
        assert x.ndim >= 1

    t()
    assert set(seen) == {"clip"}


def test_registered_context_manager():
    r = rule(Is(Rechunk), register=False, name="tmp_registered")(lambda n: None)
    with registered(r):
        assert _RULES["tmp_registered"] is r
    assert "tmp_registered" not in _RULES
