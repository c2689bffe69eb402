"""A testing kit for rule authors.

* :func:`assert_rewrites` - run only the given rules and check the plan they
  produce, node for node (plans are interned, so this is an identity check),
  or against its text form (:func:`plan_text`, what the rule fixture files
  under ``tests/rule_fixtures/`` hold);
* :func:`check_rule` - property-test a rule: generate small random
  expressions (hypothesis), evaluate each with and without the rule on small
  data, and compare the results and the derived properties (shape, dtype,
  chunks) - also of every single rewrite the rule made;
* :func:`array_expressions` - the hypothesis strategy :func:`check_rule` uses
  by default: small ``hlq.array`` expressions over numpy data (sources from
  :func:`hlq.array.from_array`, elementwise ops, slices, transposes,
  reductions, rechunks), extensible with your own operations;
* :func:`dataframe_expressions` - the same for ``hlq.dataframe``: small
  expressions over pandas data (filters, projections, assigns, renames,
  reductions, groupby aggregations, partition selections, head);
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

from hlq.expr.display import pprint as _pprint
from hlq.expr.node import Node as _Node
from hlq.rules import registry as _registry
from hlq.rules.engine import Trace as _Trace, optimize_plan as _optimize_plan
from hlq.rules.plugins import ensure_entry_points as _ensure_entry_points

__all__ = ["assert_rewrites", "plan_text", "check_rule", "array_expressions", "dataframe_expressions", "registered",
           "CheckResult", "DEFAULT_OPS", "DEFAULT_FRAME_OPS"]


def _node(x) -> _Node:
    if isinstance(x, _Node):
        return x
    n = getattr(x, "node", None)
    if isinstance(n, _Node):
        return n
    raise TypeError(f"expected an hlq collection or a plan node, got {type(x).__name__}")


def _show(node: _Node, max_lines: int = 40) -> str:
    def describe(n):
        d = getattr(n, "describe", None)
        return d() if d is not None else n.label()

    return _pprint(node, describe=describe, max_lines=max_lines)


def _rule(r) -> _registry.Rule:
    if not isinstance(r, str):
        return r
    if r not in _registry._RULES:
        # deferred: hlq.testing imports the collections only when their rules or strategies are used
        import hlq.array  # noqa: F401  (registers the array rules)
        import hlq.dataframe  # noqa: F401  (registers the dataframe rules)

        _ensure_entry_points()
    return _registry.get_rule(r)


@contextlib.contextmanager
def registered(*rules):
    """Register rules (Rule objects) for the duration of a ``with`` block."""
    added = []
    try:
        for r in rules:
            if _registry._RULES.get(r.name) is not r:
                _registry.register(r)
                added.append(r.name)
        yield
    finally:
        for name in added:
            try:
                _registry.unregister(name)
            except KeyError:
                pass


def plan_text(x) -> str:
    """A plan as text: one node per line, an indented tree (:func:`hlq.expr.display.pprint`).

    Each line is the node's description (operation and parameters, shape,
    dtype and chunks, or columns and partitions); trailing spaces are removed.

    >>> import hlq.array as da
    >>> print(plan_text(da.ones((4, 4), chunks=2).T))
    transpose(1, 0)  shape=(4, 4) dtype=float64 chunks=((2, 2), (2, 2)) blocks=4 bytes=128 B
    ones  shape=(4, 4) dtype=float64 chunks=((2, 2), (2, 2)) blocks=4 bytes=128 B
    """
    return "\n".join(line.rstrip() for line in _pprint(_node(x)).splitlines())


def _normalized(text: str) -> str:
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    return "\n".join(lines).strip()


def assert_rewrites(before, after, rules: Iterable, *, phases=None, fired: bool = False) -> _Node:
    """Assert that running only ``rules`` turns ``before`` into ``after``.

    Parameters
    ----------
    before : collection or Node
        The input plan.
    after : collection, Node or str
        The expected plan: compared node for node (an identity check, plans
        are interned), or, given as text, compared with :func:`plan_text` of
        the produced plan (leading/trailing blank lines and trailing spaces
        ignored).
    rules : iterable of Rule or str
        Rule objects (registered or not) or registered names.  They run in
        their phases, to a fixed point, ignoring ``hlq.rules.exclude``.
    phases : list of str, optional
        Run only these phases.
    fired : bool
        Also require that every one of ``rules`` fired at least once.

    Returns
    -------
    Node
        The produced plan.  On failure the input, expected and produced plans
        and the rules that fired are shown.
    """
    __tracebackhide__ = True  # pytest: report the caller's line, not this function's body
    b = _node(before)
    rules = [_rule(r) for r in rules]
    tr = _Trace()
    got = _optimize_plan(b, rules=rules, phases=phases, trace=tr)
    if isinstance(after, str):
        ok = _normalized(plan_text(got)) == _normalized(after)
        expected = _normalized(after)
    else:
        a = _node(after)
        ok = got is a
        expected = _show(a)
    if not ok:
        raise AssertionError(
            f"rules {[r.name for r in rules]} did not rewrite the plan as expected\n"
            f"-- input plan:\n{_show(b)}\n-- expected plan:\n{expected}\n-- produced plan:\n{plan_text(got)}\n"
            f"-- rules fired:\n{tr}"
        )
    if fired:
        missing = [r.name for r in rules if r.name not in set(tr.rules_fired())]
        if missing:
            raise AssertionError(f"rules {missing} did not fire on\n{_show(b)}\n-- rules fired:\n{tr}")
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
# random dataframe expressions


def _frame_cols(x):
    return [c for c in x.columns] if hasattr(x, "columns") else []


def _fop_filter(draw, x):
    import hypothesis.strategies as st

    cols = _frame_cols(x)
    if not cols:
        return x
    c = draw(st.sampled_from(cols))
    v = draw(st.integers(-3, 3))
    op = draw(st.sampled_from(["gt", "le", "ne"]))
    pred = x[c] > v if op == "gt" else (x[c] <= v if op == "le" else x[c] != v)
    return x[pred]


def _fop_project(draw, x):
    import hypothesis.strategies as st

    cols = _frame_cols(x)
    if len(cols) < 2:
        return x
    keep = draw(st.lists(st.sampled_from(cols), min_size=1, max_size=len(cols), unique=True))
    return x[[c for c in cols if c in keep]]


def _fop_assign(draw, x):
    import hypothesis.strategies as st

    cols = _frame_cols(x)
    if not cols:
        return x
    a, b = draw(st.sampled_from(cols)), draw(st.sampled_from(cols))
    name = f"n{len(cols)}"
    return x.assign(**{name: x[a] + x[b] * 2})


def _fop_rename(draw, x):
    import hypothesis.strategies as st

    cols = _frame_cols(x)
    if not cols:
        return x
    c = draw(st.sampled_from(cols))
    return x.rename(columns={c: f"{c}_r"})


def _fop_partitions(draw, x):
    import hypothesis.strategies as st

    n = x.npartitions
    a = draw(st.integers(0, n - 1))
    return x.partitions[a:draw(st.integers(a + 1, n))]


def _fop_head(draw, x):
    import hypothesis.strategies as st

    return x.head(draw(st.integers(1, 5)), npartitions=draw(st.integers(1, x.npartitions)), compute=False)


def _fop_reduce(draw, x):
    import hypothesis.strategies as st

    cols = _frame_cols(x)
    if not cols:
        return x
    kind = draw(st.sampled_from(["sum", "max", "count"]))
    return getattr(x[draw(st.sampled_from(cols))], kind)()


def _fop_groupby(draw, x):
    import hypothesis.strategies as st

    cols = _frame_cols(x)
    if len(cols) < 2:
        return x
    key = draw(st.sampled_from(cols))
    val = draw(st.sampled_from([c for c in cols if c != key]))
    return x.groupby(key)[val].agg(draw(st.sampled_from(["sum", "max", "count"])))


#: the default operations of :func:`dataframe_expressions`: ``op(draw, x) -> collection``
#: (an operation that does not apply, e.g. a projection of a one-column frame, returns ``x``)
DEFAULT_FRAME_OPS = (_fop_filter, _fop_project, _fop_assign, _fop_rename, _fop_partitions, _fop_head, _fop_reduce,
                     _fop_groupby)


def dataframe_expressions(max_ops: int = 4, ops=DEFAULT_FRAME_OPS, extra_ops=(), max_rows: int = 12,
                          max_columns: int = 4, min_ops: int = 1, source=None):
    """Hypothesis strategy: small ``hlq.dataframe`` expressions over pandas data.

    A source is :func:`hlq.dataframe.from_pandas` over a random frame of
    ``2..max_columns`` integer columns ``a, b, c, ...`` (values -5..5,
    ``1..max_rows`` rows) in random partitions; then ``min_ops..max_ops``
    operations are drawn from ``ops + extra_ops`` while the result is still a
    frame (reductions and groupby aggregations end the expression).  An
    operation is ``op(draw, x)`` returning a new collection, as for
    :func:`array_expressions`; ``source(draw, pdf) -> DataFrame`` replaces
    the default source (e.g. a parquet dataset written from ``pdf``).

    >>> from hlq.testing import check_rule, dataframe_expressions
    >>> check_rule("project_through_filter", dataframe_expressions(), max_examples=5).fired
    5
    """
    import hypothesis.strategies as st
    import pandas as pd

    import hlq.dataframe as dd  # deferred: hlq.testing imports hlq.dataframe only when its strategies are used

    all_ops = tuple(ops) + tuple(extra_ops)

    @st.composite
    def strategy(draw):
        ncols = draw(st.integers(2, max(2, max_columns)))
        nrows = draw(st.integers(1, max_rows))
        seed = draw(st.integers(0, 2**16))
        rng = np.random.default_rng(seed)
        pdf = pd.DataFrame({"abcdefgh"[i]: rng.integers(-5, 6, size=nrows) for i in range(ncols)})
        if source is not None:
            x = source(draw, pdf)
        else:
            x = dd.from_pandas(pdf, npartitions=draw(st.integers(1, min(4, nrows))))
        for _ in range(draw(st.integers(min_ops, max(min_ops, max_ops)))):
            if not isinstance(x, dd.DataFrame):
                break
            x = draw(st.sampled_from(all_ops))(draw, x)
        return x

    return strategy()


# --------------------------------------------------------------------------
# check_rule


def _fires(r, node) -> bool:
    tr = _Trace()
    try:
        _optimize_plan(node, trace=tr)
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
    import pandas as pd

    if isinstance(a, (pd.DataFrame, pd.Series, pd.Index)) or isinstance(b, (pd.DataFrame, pd.Series, pd.Index)):
        assert type(a) is type(b), f"{what}: types differ {type(a).__name__} != {type(b).__name__}"
        try:
            if isinstance(a, pd.DataFrame):
                pd.testing.assert_frame_equal(a, b)
            elif isinstance(a, pd.Series):
                pd.testing.assert_series_equal(a, b)
            else:
                pd.testing.assert_index_equal(a, b)
        except AssertionError as e:
            raise AssertionError(f"{what}: {e}") from None
        return
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
        What to evaluate; default :func:`array_expressions` for a rule whose
        module is not a dataframe one, :func:`dataframe_expressions` for rules
        defined under ``hlq.dataframe``.  Build a strategy with
        ``array_expressions(extra_ops=[...])`` (or ``dataframe_expressions``)
        so that the rule's pattern shows up.
    max_examples : int
        Hypothesis examples to generate.
    props : sequence of str
        Derived properties compared between the node before and after each
        rewrite the rule made, and between the optimized plans with and
        without the rule (those the nodes have).
    compare : callable, optional
        ``compare(with_rule, without_rule)`` raising on a mismatch (default:
        same shape and dtype, values equal up to float rounding; pandas
        results must be equal with :mod:`pandas.testing`).
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
        tr = _Trace()
        opt = _optimize_plan(node, trace=tr)
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
            opt_without = _optimize_plan(node)
            without = x.compute() if not isinstance(x, _Node) else None
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

            strategy = strategy_or_examples
            if strategy is None:
                is_frame_rule = getattr(r.fn, "__module__", "").startswith("hlq.dataframe")
                strategy = dataframe_expressions() if is_frame_rule else array_expressions()
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
