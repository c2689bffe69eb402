"""The rule-authoring API for extensions (issue 6): ordering, metrics,
why-not, provenance, lint, entry points, cycle errors."""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap

import dask
import numpy as np
import pytest

import hlq
import hlq.array as da
from hlq.expr import Node
from hlq.rules import (
    Capture,
    Is,
    Phase,
    RuleCycleError,
    Where,
    add_phase,
    get_rule,
    lint,
    load_entry_points,
    metrics,
    optimize_plan,
    register,
    reset_metrics,
    rule,
    rules_in_phase,
    unregister,
    why_not,
)
from hlq.rules.engine import Trace


class Lit(Node):
    _fields = ("v",)


class F(Node):
    _fields = ("x",)


class G(Node):
    _fields = ("x",)


class Pair(Node):
    _fields = ("a", "b")


_uid = itertools.count()


def uname(prefix):
    return f"api-{prefix}-{next(_uid)}"





# ----------------------------------------------------------------- ordering


def test_before_after_order_rules_within_a_phase(reg, phase):
    ph = phase()
    calls = []

    def mk(name, **kw):
        @rule(Is(F), phase=ph, name=name, register=False, **kw)
        def r(node):
            calls.append(name)
            return None

        return r

    a = mk(uname("a"))
    b = mk(uname("b"), before=a.name)
    c = mk(uname("c"), after=a.name)
    d = mk(uname("d"), before=(b.name,))
    reg(a, b, c, d)
    assert [r.name for r in rules_in_phase(ph)] == [d.name, b.name, a.name, c.name]
    optimize_plan(F(Lit(1)), phases=[ph])
    assert calls == [d.name, b.name, a.name, c.name]


def test_before_after_cycle_is_rejected(reg, phase):
    ph = phase()
    a = rule(Is(F), phase=ph, name=uname("a"), register=False, before=("zz",))(lambda n: None)
    reg(a)
    b = rule(Is(F), phase=ph, name=uname("b"), register=False, before=(a.name,), after=(a.name,))(lambda n: None)
    with pytest.raises(ValueError, match="cycle"):
        register(b)
    assert a.name in {r.name for r in rules_in_phase(ph)}
    assert b.name not in {r.name for r in rules_in_phase(ph)}


# ------------------------------------------------------------------ metrics


def test_metrics_and_reset(reg, phase):
    ph = phase()
    r = reg(rule(Is(F, x=Is(F)), phase=ph, name=uname("ff"), register=False)(lambda n: n.x.x))
    reset_metrics()
    optimize_plan(F(F(F(Lit(1)))), phases=[ph])
    m = metrics()
    assert m[r.name]["fired"] == 1
    assert m[r.name]["attempts"] >= 2
    assert m[r.name]["seconds"] >= 0
    assert m[r.name]["phase"] == ph
    assert r.name in str(m) and "attempts" in str(m)
    assert r.name in metrics(active_only=True)
    reset_metrics()
    assert metrics()[r.name]["attempts"] == 0
    assert r.name not in metrics(active_only=True)


# ------------------------------------------------------------------ why_not


def test_why_not_guard_failure_names_the_guard():
    x = da.from_array(np.arange(20.0), chunks=5)
    y = x[::2]

    from hlq.array.nodes import BasicIndex

    @rule(Is(BasicIndex,
             index=Where(lambda idx: all(not isinstance(e, tuple) or e[2] == 1 for e in idx), "unit steps")),
          phase="pushdown", name=uname("unit-step-only"), register=False)
    def unit_step_only(node):
        return None

    report = hlq.why_not(y, unit_step_only)
    entries = report.of_kind("no-match")
    assert entries, str(report)
    assert "guard unit steps failed" in entries[0].reason
    assert "unit steps" in str(report)


def test_why_not_guard_on_registered_array_rule(reg):
    from hlq.array.nodes import BasicIndex, FromArray

    r = reg(rule(
        Is(BasicIndex, child=Is(FromArray), index=Where(lambda idx: len(idx) == 2, "two-dimensional index")),
        phase="pushdown", name=uname("two-d"),
    )(lambda node: None))
    x = da.from_array(np.arange(10.0), chunks=5)
    with dask.config.set({"hlq.rules.exclude": ["slice-pushdown"]}):
        report = hlq.why_not(x[2:7], r.name)
    text = str(report)
    assert "[no-match]" in text
    assert "field 'index': guard two-dimensional index failed" in text


def test_why_not_reports_declined_and_excluded(reg):
    from hlq.array.nodes import BasicIndex

    r = reg(rule(Is(BasicIndex), phase="pushdown", name=uname("decl"), tags=("mytag",))(lambda node: None))
    x = da.from_array(np.arange(10.0), chunks=5)
    report = hlq.why_not((x + 1)[:3], r.name)
    assert "declined" in report.kinds()
    with dask.config.set({"hlq.rules.exclude": ["mytag"]}):
        report = hlq.why_not((x + 1)[:3], r.name)
    assert report.kinds()[0] == "excluded"
    assert "'mytag'" in str(report)


def test_why_not_excluded_builtin_rule_would_fire():
    x = da.from_array(np.arange(10.0), chunks=5)
    with dask.config.set({"hlq.rules.exclude": ["slice_through_elemwise"]}):
        report = hlq.why_not((x + 1)[:3], "slice_through_elemwise")
    assert report.kinds()[0] == "excluded"
    assert "would-fire" in report.kinds()


def test_why_not_blocked_by_a_shared_consumer():
    x = da.from_array(np.arange(100.0).reshape(10, 10), chunks=5)
    z = x + 1
    y = z[:3].sum() + z.sum()  # z is read by a slice and by a full reduction
    report = hlq.why_not(y, "slice_through_elemwise")
    assert "fired" in report.kinds()
    blocked = report.of_kind("blocked-by-shared-consumer")
    assert len(blocked) == 1
    assert blocked[0].node.shape == (10, 10)
    assert "sum" in blocked[0].reason and "computed in full" in blocked[0].reason
    # the result is still right
    np.testing.assert_allclose(y.compute(), (np.arange(100.0).reshape(10, 10) + 1)[:3].sum() + 5050)


def test_why_not_shared_node_pushed_down_per_consumer():
    x = da.from_array(np.arange(100.0).reshape(10, 10), chunks=5)
    z = x + 1
    y = z[:3].sum() + z[5:].sum()
    report = hlq.why_not(y, "slice_through_elemwise")
    shared = report.of_kind("shared")
    assert len(shared) == 1 and "per consumer" in shared[0].reason
    assert not report.of_kind("blocked-by-shared-consumer")


def test_why_not_toy_nodes_and_close_nodes(reg, phase):
    ph = phase()
    r = reg(rule(Is(F, x=Capture("g", Is(G))), phase=ph, name=uname("fg"), register=False)(lambda n, g: None))
    plan = Pair(F(Lit(1)), Pair(G(Lit(2)), Lit(3)))
    report = why_not(plan, r.name)
    kinds = report.kinds()
    assert "no-match" in kinds and "close" in kinds
    nm = report.of_kind("no-match")[0]
    assert nm.node is F(Lit(1)) and "field 'x': Lit is not G" in nm.reason
    assert "no consumer is a F" in report.of_kind("close")[0].reason
    assert not why_not(Lit(1), r.name).entries  # no candidate at all
    assert "no node of the plan" in str(why_not(Lit(1), r.name))


# --------------------------------------------------------------- provenance


def test_provenance_in_trace_and_explain():
    x = da.from_array(np.arange(100.0).reshape(10, 10), chunks=5)
    y = (x + 1).T[:3, :4]
    tr = Trace()
    opt = optimize_plan(y.node, trace=tr)
    prov = tr.provenance()
    leaves = [n for n in opt.walk() if n.op_name == "array"]
    assert prov[leaves[0]] == "slice_into_source"
    assert all(n not in prov for n in y.node.walk())  # input nodes are not attributed
    text = hlq.explain(y, trace=True)
    after = text.split("== plan after optimization")[1].split("==\n", 1)[1]
    assert "[by slice_into_source]" in after
    assert "[by " not in hlq.explain(y).split("== plan after optimization")[1]


# --------------------------------------------------------------- termination


def test_two_conflicting_rules_raise_cycle_error_naming_both(reg, phase):
    ph = phase()
    a = rule(Is(F, x=Is(G)), phase=ph, name=uname("push-f-down"), register=False)(lambda n: G(F(n.x.x)))
    b = rule(Is(G, x=Is(F)), phase=ph, name=uname("push-g-down"), register=False)(lambda n: F(G(n.x.x)))
    reg(a, b)
    with pytest.raises(RuleCycleError) as info:
        optimize_plan(F(G(Lit(1))), phases=[ph])
    assert a.name in str(info.value) and b.name in str(info.value)


def test_lint_flags_rules_undoing_each_other_on_examples(reg, phase):
    ph = phase()
    a = rule(Is(F, x=Is(G)), phase=ph, name=uname("fg"), register=False,
             examples=[F(G(Lit(1)))])(lambda n: G(F(n.x.x)))
    b = rule(Is(G, x=Is(F)), phase=ph, name=uname("gf"), register=False)(lambda n: F(G(n.x.x)))
    c = rule(Is(F, x=Is(F)), phase=ph, name=uname("ff"), register=False,
             examples=lambda: [F(F(Lit(2)))])(lambda n: n.x.x)
    found = lint([a, b, c])
    assert len(found) == 1
    f = found[0]
    assert {f.first, f.second} == {a.name, b.name}
    assert a.name in str(f) and b.name in str(f)
    # registered rules are linted by default, and only same-phase pairs count
    reg(a, b, c)
    names = {frozenset((f.first, f.second)) for f in lint()}
    assert frozenset((a.name, b.name)) in names
    assert not lint([a, c])


def test_lint_self_inverse_rule_and_instances(phase):
    ph = phase()
    swap = rule(Is(Pair), phase=ph, name=uname("swap"), register=False)(lambda n: Pair(n.b, n.a))
    assert not lint([swap])  # no example, no instance: nothing to try
    found = lint([swap], instances=[Pair(Lit(1), Lit(2))])
    assert len(found) == 1 and "undoes itself" in str(found[0])


def test_builtin_rules_lint_clean_on_array_plans():
    x = da.from_array(np.arange(64.0).reshape(8, 8), chunks=4)
    plans = [(x + 1).T[:3, 1:5], x.rechunk(2).rechunk(4)[:5], x.T.T[2:], x.sum(axis=0)[1:3]]
    assert lint(instances=plans) == []


# ---------------------------------------------------- slice pushdown config


def test_disabling_slice_pushdown_changes_task_count_not_result():
    a = np.arange(10_000.0).reshape(100, 100)
    x = da.from_array(a, chunks=10)
    y = (x * 2 + 1).rechunk(50)[:15, 5:25]
    on_tasks, on = y.task_count(), y.compute()
    with dask.config.set({"hlq.rules.exclude": ["slice-pushdown"]}):
        off_tasks, off = y.task_count(), y.compute()
    assert on_tasks < off_tasks, (on_tasks, off_tasks)
    np.testing.assert_array_equal(on, off)
    np.testing.assert_array_equal(on, (a * 2 + 1)[:15, 5:25])


# ---------------------------------------------------------- entry points


def test_entry_points_load_rules_from_installed_package(tmp_path):
    pkg = tmp_path / "hlq_ep_demo"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(textwrap.dedent("""
        from hlq.expr import Node
        from hlq.rules import Is, rule

        class Twice(Node):
            _fields = ("x",)

        @rule(Is(Twice, x=Is(Twice)), name="ep_demo_twice")
        def ep_demo_twice(node):
            return node.x
    """))
    (pkg / "factory.py").write_text(textwrap.dedent("""
        from hlq.rules import Is, rule
        from hlq_ep_demo import Twice

        def make():
            return [rule(Is(Twice), name="ep_demo_factory", register=False)(lambda n: None)]
    """))
    (pkg / "broken.py").write_text("raise ImportError('boom')\n")
    dist = tmp_path / "hlq_ep_demo-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: hlq-ep-demo\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[hlq.rules]\ndemo = hlq_ep_demo\nfactory = hlq_ep_demo.factory:make\nbroken = hlq_ep_demo.broken\n"
    )
    script = textwrap.dedent("""
        import sys, warnings
        sys.path.insert(0, sys.argv[1])
        from hlq.rules import registry, optimize_plan
        assert "ep_demo_twice" not in registry._RULES
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            from hlq_ep_demo import Twice
            from hlq.expr import Node
            class L(Node):
                _fields = ("v",)
            # lazily loaded at the first optimization
            out = optimize_plan(Twice(Twice(L(1))))
        assert out is Twice(L(1)), out
        assert "ep_demo_factory" in registry._RULES
        assert any("broken" in str(x.message) and "boom" in str(x.message) for x in w), [str(x.message) for x in w]
        from hlq.rules import load_entry_points
        loaded = load_entry_points()
        assert loaded["demo"] == ["ep_demo_twice"], loaded
        assert loaded["factory"] == ["ep_demo_factory"], loaded
        print("ok")
    """)
    res = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "ok" in res.stdout


def test_entry_points_can_be_disabled_by_config():
    script = textwrap.dedent("""
        import dask
        from hlq.rules import plugins
        from hlq.expr import Node
        from hlq.rules import optimize_plan
        class L(Node):
            _fields = ("v",)
        with dask.config.set({"hlq.rules.entry_points": False}):
            optimize_plan(L(1))
        assert not plugins._STATE["done"]
        optimize_plan(L(1))
        assert plugins._STATE["done"]
        print("ok")
    """)
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr


def test_load_entry_points_returns_mapping():
    assert isinstance(load_entry_points(), dict)


def test_public_api_exports():
    import hlq.rules as R

    for name in ["metrics", "reset_metrics", "why_not", "lint", "load_entry_points"]:
        assert name in R.__all__ and hasattr(R, name)
    assert hlq.why_not is not None and "why_not" in hlq.__all__
    assert get_rule("slice_through_elemwise").phase == "pushdown"


# ------------------------------------------------- types defined in __main__


def test_expression_type_and_rule_defined_in_main(tmp_path):
    script = tmp_path / "main_script.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        import dask
        import hlq
        import hlq.array as da
        from hlq.array.nodes import Blockwise, BasicIndex
        from hlq.array._chunks import dims_regular
        from hlq.expr import Node
        from hlq.rules import Is, Capture, rule


        class Leaf(Node):
            _fields = ("v", "f")


        class Ramp(Blockwise):
            '''i * scale over a 1-d grid: a source defined in __main__.'''
            _fields = ("scale", "dims_", "offset")
            bw_inputs = ()
            bw_has_arg = True

            def _array_props(self):
                return self.dims_, np.float64

            def _extra_props(self, dims):
                return {"bw_func": _ramp}

            def bw_block_arg(self, idx):
                d = self.dims[0]
                a = self.offset + d.start(idx[0])
                return (a, a + d.size(idx[0]), self.scale)


        def _ramp(arg):
            a, b, s = arg
            return np.arange(a, b, dtype=float) * s


        @rule(Is(BasicIndex, child=Capture("src", Is(Ramp))), phase="pushdown")
        def slice_into_ramp(node, src):
            (a, b, step), = node.index
            if step != 1 or b <= a:
                return None
            return Ramp(src.scale, (src.dims[0].subrange(a, b),), src.offset + a)


        assert Leaf.__module__ == "__main__"
        t1 = Leaf(1, lambda x: x).token
        t2 = Leaf(1, len).token
        assert Leaf(1, len).token == t2 and t1 != t2
        x = da.Array(Ramp(2.0, dims_regular((100,), (10,)), 0))
        assert x.node.token and x.node.name.startswith("ramp-")
        y = (x + 1)[15:25]
        assert "slice_into_ramp" in hlq.explain(y, trace=True)
        np.testing.assert_array_equal(y.compute(), np.arange(100.0)[15:25] * 2 + 1)
        assert y.task_count() == 2
        assert dask.base.tokenize(y) == dask.base.tokenize(y)
        print("ok")
    """))
    res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().endswith("ok")


def test_lower_phase_is_a_deprecated_alias_of_physical():
    import warnings

    from hlq.expr import Node
    from hlq.rules import optimize_plan, phases, rule, rules_in_phase

    assert [p.name for p in phases()][:4] == ["simplify", "pushdown", "physical", "finalize"]

    class Leaf(Node):
        _fields = ("v",)

    with pytest.warns(DeprecationWarning, match="'lower' is called 'physical'"):
        @rule(Is(Leaf), phase="lower", register=False)
        def bump(node):
            return Leaf(node.v + 1) if node.v < 3 else None
    assert bump.phase == "physical"
    with pytest.warns(DeprecationWarning):
        assert [r.name for r in rules_in_phase("lower")] == [r.name for r in rules_in_phase("physical")]
    with pytest.warns(DeprecationWarning):
        assert optimize_plan(Leaf(0), rules=[bump], phases=["lower"]) is Leaf(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert optimize_plan(Leaf(0), rules=[bump], phases=["physical"]) is Leaf(3)


def test_python_m_hlq_rules_prints_every_phase_in_order():
    import subprocess
    import sys

    import hlq.array.rules as ar
    import hlq.dataframe.rules as dr

    out = subprocess.run([sys.executable, "-m", "hlq", "rules", "--builtin"], capture_output=True, text=True,
                         check=True).stdout
    heads = [line.split()[1] for line in out.splitlines() if line.startswith("phase ")]
    assert heads == ["simplify", "pushdown", "physical", "finalize"]
    for phase in ("pushdown", "physical"):
        section = out.split(f"phase {phase} ")[1].split("\nphase ")[0]
        names = [line.split()[1] for line in section.splitlines()[1:] if line.strip()]
        assert names == [r.name for r in ar.RULES.get(phase, ()) + dr.RULES.get(phase, ())]
