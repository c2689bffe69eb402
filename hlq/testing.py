"""A testing kit for rule authors.

* :func:`assert_rewrites` - run only the given rules and check the plan they
  produce, node for node (plans are interned, so this is an identity check);
* :func:`check_rule` - property-test a rule: generate small random
  expressions (hypothesis), evaluate each with and without the rule on small
  data, and compare the results and the derived properties (shape, dtype,
  chunks) - also of every single rewrite the rule made;
* :func:`array_expressions` - the hypothesis strategy :func:`check_rule` uses
  by default: small ``hlq.array`` expressions over numpy data (sources from
  :func:`hlq.array.from_array`, elementwise ops, slices, transposes,
  reductions, rechunks), extensible with your own operations;
* :func:`registered` - a context manager registering rules for a block.

Examples
--------
>>> import numpy as np
>>> import hlq.array as da
>>> from hlq.testing import assert_rewrites
>>> a = np.arange(10.0)
>>> x = da.from_array(a, chunks=5)
>>> _ = assert_rewrites((x + 1)[:3], x[:3] + 1, rules=["slice_through_elemwise"])
>>> check_rule("slice_through_elemwise", max_examples=20).fired > 0
True
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Callable, Iterable

import dask
import numpy as np

from hlq.expr.display import pprint
from hlq.expr.node import Node
from hlq.rules import registry
from hlq.rules.engine import Trace, optimize_plan
from hlq.rules.plugins import ensure_entry_points

__all__ = ["assert_rewrites", "check_rule", "array_expressions", "registered", "CheckResult", "DEFAULT_OPS"]


def _node(x) -> Node:
    if isinstance(x, Node):
        return x
    n = getattr(x, "node", None)
    if isinstance(n, Node):
        return n
    raise TypeError(f"expected an hlq collection or a plan node, got {type(x).__name__}")


def _show(node: Node, max_lines: int = 40) -> str:
    def describe(n):
        d = getattr(n, "describe", None)
        return d() if d is not None else n.label()

    return pprint(node, describe=describe, max_lines=max_lines)


def _rule(r) -> registry.Rule:
    if not isinstance(r, str):
        return r
    if r not in registry._RULES:
        # deferred: hlq.testing imports hlq.array only when array rules or strategies are used
        import hlq.array  # noqa: F401  (registers the array rules)

        ensure_entry_points()
    return registry.get_rule(r)


@contextlib.contextmanager
def registered(*rules):
    """Register rules (Rule objects) for the duration of a ``with`` block."""
    added = []
    try:
        for r in rules:
            if registry._RULES.get(r.name) is not r:
                registry.register(r)
                added.append(r.name)
        yield
    finally:
        for name in added:
            try:
                registry.unregister(name)
            except KeyError:
                pass


def assert_rewrites(before, after, rules: Iterable, *, phases=None) -> Node:
    """Assert that running only ``rules`` turns ``before`` into ``after``.

    ``before``/``after`` are collections or plan nodes; ``rules`` are Rule
    objects (registered or not) or registered names.  The rules run in their
    phases, to a fixed point, ignoring ``hlq.rules.exclude``.  On failure
    the expected plan, the produced plan and the rules that fired are shown.
    Returns the produced plan.
    """
    b, a = _node(before), _node(after)
    rules = [_rule(r) for r in rules]
    tr = Trace()
    got = optimize_plan(b, rules=rules, phases=phases, trace=tr)
    if got is not a:
        raise AssertionError(
            f"rules {[r.name for r in rules]} did not rewrite the plan as expected\n"
            f"-- input plan:\n{_show(b)}\n-- expected plan:\n{_show(a)}\n-- produced plan:\n{_show(got)}\n"
            f"-- rules fired:\n{tr}"
        )
    return got


# --------------------------------------------------------------------------
# random array expressions


def _op_elemwise(draw, x):
    import hypothesis.strategies as st

    kind = draw(st.sampled_from(["add", "mul", "neg", "abs", "self"]))
    c = draw(st.integers(-3, 3))
    if kind == "add":
        return x + c
    if kind == "mul":
        return x * c
    if kind == "neg":
        return -x
    if kind == "abs":
        return abs(x)
    return x + x


def _op_slice(draw, x):
    import hypothesis.strategies as st

    if x.ndim == 0:
        return x
    idx = []
    for n in x.shape:
        kind = draw(st.sampled_from(["slice", "slice", "full", "int"] if n else ["full"]))
        if kind == "full":
            idx.append(slice(None))
        elif kind == "int" and x.ndim > 1:
            idx.append(draw(st.integers(-n, n - 1)))
        else:
            a = draw(st.integers(0, n))
            b = draw(st.integers(0, n))
            step = draw(st.sampled_from([1, 1, 2, -1]))
            idx.append(slice(a, b, step) if step > 0 else slice(b, a, step))
    return x[tuple(idx)]


def _op_transpose(draw, x):
    import hypothesis.strategies as st

    if x.ndim < 2:
        return x
    return x.transpose(draw(st.permutations(range(x.ndim))))


def _op_reduce(draw, x):
    import hypothesis.strategies as st

    if x.ndim == 0:
        return x
    axis = draw(st.integers(0, x.ndim - 1))
    kind = draw(st.sampled_from(["sum", "max", "min"]))
    if kind != "sum" and x.shape[axis] == 0:
        kind = "sum"
    return getattr(x, kind)(axis=axis)


def _op_rechunk(draw, x):
    import hypothesis.strategies as st

    if x.ndim == 0:
        return x
    return x.rechunk(tuple(draw(st.integers(1, max(n, 1))) for n in x.shape))


#: the default operations of :func:`array_expressions`: ``op(draw, x) -> array``
DEFAULT_OPS = (_op_elemwise, _op_slice, _op_transpose, _op_reduce, _op_rechunk)


def array_expressions(max_ops: int = 5, ops=DEFAULT_OPS, extra_ops=(), max_side: int = 8, max_dims: int = 3,
                      min_dims: int = 1, min_ops: int = 1, source=None):
    """Hypothesis strategy: small ``hlq.array`` expressions over numpy data.

    A source is :func:`hlq.array.from_array` over a random integer-valued
    float array (``min_dims..max_dims`` dimensions of size ``1..max_side``)
    with random chunks; then ``min_ops..max_ops`` operations are drawn from
    ``ops + extra_ops``.  An operation is a function ``op(draw, x)``
    returning a new array (``draw`` is hypothesis' draw function), e.g.::

        def clip(draw, x):
            lo = draw(st.integers(-3, 0))
            return da.clip(x, lo, lo + draw(st.integers(0, 5)))

    ``source(draw, data) -> array`` replaces the default source (e.g. your
    own reader over ``data`` written to a file).
    """
    import hypothesis.strategies as st

    import hlq.array as da  # deferred: hlq.testing imports hlq.array only when array rules or strategies are used

    all_ops = tuple(ops) + tuple(extra_ops)

    @st.composite
    def strategy(draw):
        shape = tuple(draw(st.lists(st.integers(1, max_side), min_size=min_dims, max_size=max_dims)))
        seed = draw(st.integers(0, 2**16))
        data = np.random.default_rng(seed).integers(-5, 6, size=shape).astype("f8")
        if source is not None:
            x = source(draw, data)
        else:
            chunks = tuple(draw(st.integers(1, n)) for n in shape)
            x = da.from_array(data, chunks=chunks)
        for _ in range(draw(st.integers(min_ops, max(min_ops, max_ops)))):
            x = draw(st.sampled_from(all_ops))(draw, x)
        return x

    return strategy()


# --------------------------------------------------------------------------
# check_rule


def _fires(r, node) -> bool:
    tr = Trace()
    try:
        optimize_plan(node, trace=tr)
    except Exception:
        return True  # let the check report the error
    return any(e.rule == r.name for e in tr.events)


@dataclass
class CheckResult:
    """What :func:`check_rule` ran: ``examples`` tried, ``fired`` (examples the
    rule rewrote) and ``rewrites`` (single rewrites checked)."""

    rule: str
    examples: int = 0
    fired: int = 0
    rewrites: int = 0


_PROPS = ("shape", "dtype", "chunks", "columns", "dtypes", "divisions", "npartitions")


def _props(node, names):
    out = {}
    for p in names:
        try:
            v = getattr(node, p)
        except Exception:
            continue
        out[p] = v
    return out


def _compare(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"{what}: shapes differ {a.shape} != {b.shape}"
    assert a.dtype == b.dtype, f"{what}: dtypes differ {a.dtype} != {b.dtype}"
    if a.dtype.kind in "fc":
        np.testing.assert_allclose(a, b, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(a, b, err_msg=what)


def check_rule(rule, strategy_or_examples=None, *, max_examples: int = 30, props=_PROPS,
               compare: Callable | None = None, min_fired: int = 1, seed: int | None = 0,
               only_firing: bool = True) -> CheckResult:
    """Property-test ``rule``: results and derived properties must not depend on it.

    Parameters
    ----------
    rule : Rule or str
        The rule (registered for the check if it is not).
    strategy_or_examples : hypothesis strategy, or iterable of collections, optional
        What to evaluate; default :func:`array_expressions`.  Build a strategy
        with ``array_expressions(extra_ops=[...])`` so that the rule's pattern
        shows up.
    max_examples : int
        Hypothesis examples to generate.
    props : sequence of str
        Derived properties compared between the node before and after each
        rewrite the rule made, and between the optimized plans with and
        without the rule (those the nodes have).
    compare : callable, optional
        ``compare(with_rule, without_rule)`` raising on a mismatch (default:
        same shape and dtype, values equal up to float rounding).
    min_fired : int
        Fail unless the rule fired on at least this many examples.
    seed : int or None
        Hypothesis seed (default 0: reproducible); None for a random one.
    only_firing : bool
        Keep only generated expressions on which the rule fires (hypothesis
        ``filter``), so every example exercises the rule.

    Returns
    -------
    CheckResult
    """
    r = _rule(rule)
    if not r.excludable:
        raise ValueError(f"rule {r.name!r} is not excludable: there is no 'without it' to compare with")
    compare = compare or (lambda a, b: _compare(a, b, f"result with and without {r.name!r}"))
    result = CheckResult(r.name)

    def check_one(x):
        result.examples += 1
        node = _node(x)
        tr = Trace()
        opt = optimize_plan(node, trace=tr)
        events = [e for e in tr.events if e.rule == r.name]
        if not events:
            return
        result.fired += 1
        for e in events:
            pb, pa = _props(e.before, props), _props(e.after, props)
            if pb != pa:
                raise AssertionError(
                    f"rule {r.name!r} changed derived properties {pb} -> {pa}\n"
                    f"-- node before:\n{_show(e.before)}\n-- node after:\n{_show(e.after)}"
                )
            result.rewrites += 1
        with dask.config.set({"hlq.rules.exclude": [r.name]}):
            opt_without = optimize_plan(node)
            without = x.compute() if not isinstance(x, Node) else None
        pw, pwo = _props(opt, props), _props(opt_without, props)
        if pw != pwo:
            raise AssertionError(f"optimized plans with and without {r.name!r} differ in {pw} vs {pwo}")
        if without is not None:
            try:
                compare(x.compute(), without)
            except AssertionError as err:
                raise AssertionError(
                    f"{err}\n-- plan with {r.name!r}:\n{_show(opt)}\n-- plan without:\n{_show(opt_without)}"
                ) from None

    with registered(r):
        if strategy_or_examples is None or hasattr(strategy_or_examples, "example") and hasattr(
            strategy_or_examples, "map"
        ):
            from hypothesis import HealthCheck, given, settings
            from hypothesis import seed as hseed

            strategy = strategy_or_examples if strategy_or_examples is not None else array_expressions()
            if only_firing:
                strategy = strategy.filter(lambda x: _fires(r, _node(x)))
            test = settings(
                max_examples=max_examples, deadline=None, database=None, derandomize=seed is not None,
                suppress_health_check=list(HealthCheck),
            )(given(strategy)(check_one))
            if seed is not None:
                test = hseed(seed)(test)
            from hypothesis.errors import Unsatisfiable

            try:
                test()
            except Unsatisfiable:
                pass  # reported below: the rule never fired
        else:
            for x in strategy_or_examples:
                check_one(x)
    if result.fired < min_fired:
        raise AssertionError(
            f"rule {r.name!r} fired on {result.fired} of {result.examples} examples (wanted {min_fired}); "
            "pass a strategy or examples that contain its pattern"
        )
    return result
