"""Tests of the node model (hlq.expr): interning, immutability, tokens,
iterative DAG-aware traversals, deep plans, pickling and display."""

from __future__ import annotations

import math
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from hlq.expr import (
    Node,
    NodeError,
    count_nodes,
    dependents,
    pprint,
    substitute,
    toposort,
    transform,
    walk,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --------------------------------------------------------------------------
# toy node types (module level so that they pickle by reference)


class Leaf(Node):
    _fields = ("v",)


class Neg(Node):
    _fields = ("x",)


class Inc(Node):
    _fields = ("x",)


class Add(Node):
    _fields = ("a", "b")


class Call(Node):
    """A node with a variadic tuple field mixing nodes and constants."""

    _fields = ("name", "args", "flag")
    _defaults = {"flag": False}


class Sized(Node):
    """A node with a derived property computed at build time."""

    _fields = ("x",)

    def _derive(self):
        depth = 0 if not isinstance(self.x, Sized) else self.x.depth + 1
        return {"depth": depth}


class Checked(Node):
    _fields = ("n",)

    def _derive(self):
        if self.n < 0:
            raise ValueError("n must be non-negative")
        return None


@pytest.fixture
def default_recursion_limit():
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def _chain(depth, leaf=None):
    n = Leaf(0) if leaf is None else leaf
    for _ in range(depth):
        n = Neg(n)
    return n


def _run_many(code: str, seeds=("0",)) -> list:
    """Run ``code`` in fresh interpreters (one per hash seed, concurrently)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    procs = []
    for seed in seeds:
        e = dict(env, PYTHONHASHSEED=seed)
        procs.append(subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(code)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e, cwd=ROOT,
        ))
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        outs.append(out.strip())
    return outs


def _run(code: str, seed: str = "0") -> str:
    return _run_many(code, (seed,))[0]


# --------------------------------------------------------------------------
# interning


def test_same_args_same_object():
    assert Leaf(1) is Leaf(1)
    assert Neg(Leaf(1)) is Neg(Leaf(1))
    assert Add(Leaf(1), Leaf(2)) is Add(Leaf(1), Leaf(2))
    assert Add(Leaf(1), Leaf(2)) is not Add(Leaf(2), Leaf(1))
    assert Leaf("abc") is Leaf("abc")
    assert Leaf((1, (2, 3))) is Leaf((1, (2, 3)))
    assert Leaf(slice(1, 5, 2)) is Leaf(slice(1, 5, 2))
    assert Leaf(None) is Leaf(None)


def test_equality_is_identity_and_hashable():
    a, b = Leaf(1), Leaf(2)
    assert a == Leaf(1)
    assert a != b
    assert not (a == b)
    assert {a: "x"}[Leaf(1)] == "x"
    assert len({Leaf(1), Leaf(1), Leaf(2)}) == 2


def test_positional_keyword_and_default_give_same_node():
    x = Leaf(1)
    assert Add(x, Leaf(2)) is Add(a=x, b=Leaf(2)) is Add(x, b=Leaf(2))
    assert Call("f", (x,)) is Call("f", (x,), False) is Call("f", args=(x,), flag=False)
    assert Call("f", (x,), True) is not Call("f", (x,))


def test_int_float_bool_are_different_params():
    one, onef, true = Leaf(1), Leaf(1.0), Leaf(True)
    assert one is not onef
    assert one is not true
    assert onef is not true
    assert Leaf(0) is not Leaf(False)
    assert Leaf(1) is not Leaf(np.int64(1))
    assert Leaf(1.0) is not Leaf(np.float64(1.0))
    # distinct tokens as well
    assert len({one.token, onef.token, true.token}) == 3
    assert one.v == 1 and type(one.v) is int
    assert type(onef.v) is float
    assert true.v is True


def test_int_float_bool_differ_inside_containers():
    assert Leaf((1,)) is not Leaf((1.0,))
    assert Leaf((1,)) is not Leaf((True,))
    assert Leaf([1]) is not Leaf([1.0])
    assert Leaf(slice(0, 1)) is not Leaf(slice(0, 1.0))
    assert Leaf({"a": 1}) is not Leaf({"a": 1.0})
    assert Leaf((1, 2)) is not Leaf([1, 2])


def test_int_float_bool_differ_as_dict_keys():
    # {1: v}, {1.0: v} and {True: v} are different parameters
    assert Leaf({1: "a"}) is not Leaf({1.0: "a"})
    assert Leaf({1: "a"}) is not Leaf({True: "a"})


def test_signed_zero_params_differ():
    # 0.0 == -0.0 in Python, but they are different parameters: 1 / x differs
    pos, neg = Leaf(0.0), Leaf(-0.0)
    assert pos is not neg
    assert math.copysign(1.0, neg.v) == -1.0
    assert math.copysign(1.0, pos.v) == 1.0


def test_nan_params_intern():
    nan = float("nan")
    assert Leaf(nan) is Leaf(nan)
    assert Leaf(float("nan")) is Leaf(float("nan"))
    assert Leaf(np.float64("nan")) is Leaf(np.float64("nan"))
    assert Leaf((1, float("nan"))) is Leaf((1, float("nan")))
    n = Leaf(float("nan"))
    assert math.isnan(n.v)
    assert n is not Leaf(1.0)
    assert n.token == Leaf(float("nan")).token
    assert n.name == Leaf(float("nan")).name


def test_numpy_array_params_by_identity():
    a = np.arange(5)
    b = a.copy()
    assert Leaf(a) is Leaf(a)
    assert Leaf(a) is not Leaf(b)
    assert Leaf(a).v is a
    assert Leaf((a, 1)) is Leaf((a, 1))
    assert Leaf((a, 1)) is not Leaf((b, 1))
    assert Neg(Leaf(a)) is Neg(Leaf(a))
    # the node keeps its array alive, so the identity cannot be recycled
    n = Leaf(np.ones(3))
    keep = n.v
    assert Leaf(keep) is n


def test_unhashable_params():
    d = {"k": [1, 2]}
    n = Leaf(d)
    assert n.v is d
    assert Leaf([1, 2]) is Leaf([1, 2])  # lists are keyed by value
    assert Leaf([1, 2]) is not Leaf([2, 1])


def test_node_construction_errors():
    with pytest.raises(NodeError, match="takes 1 fields"):
        Leaf(1, 2)
    with pytest.raises(NodeError, match="missing field"):
        Add(Leaf(1))
    with pytest.raises(NodeError, match="unknown fields"):
        Leaf(v=1, w=2)
    assert issubclass(NodeError, TypeError)


def test_derive_runs_once_at_build_time_and_may_reject():
    s = Sized(Sized(Sized(Leaf(0))))
    assert s.depth == 2
    assert s.x.depth == 1
    with pytest.raises(ValueError, match="non-negative"):
        Checked(-1)
    # a rejected node is not interned: building a valid one still works
    assert Checked(1).n == 1
    with pytest.raises(ValueError):
        Checked(-1)


def test_children_in_field_order_including_variadic():
    x, y = Leaf(1), Leaf(2)
    c = Call("f", (x, 3, y, "s"))
    assert c.children == (x, y)
    assert Add(y, x).children == (y, x)
    assert Leaf(1).children == ()
    assert c.field_values == ("f", (x, 3, y, "s"), False)


# --------------------------------------------------------------------------
# immutability


def test_setattr_raises():
    n = Add(Leaf(1), Leaf(2))
    with pytest.raises(AttributeError):
        n.a = Leaf(3)
    with pytest.raises(AttributeError):
        n.new_attribute = 1
    with pytest.raises(AttributeError):
        del n.a
    with pytest.raises(AttributeError):
        Leaf(1).v = 2
    assert n.a is Leaf(1)
    assert Leaf(1).v == 1


# --------------------------------------------------------------------------
# replace / with_children


def test_replace():
    x, y = Leaf(1), Leaf(2)
    n = Add(x, y)
    assert n.replace(b=x) is Add(x, x)
    assert n.replace() is n
    assert n.replace(a=x, b=y) is n
    assert Call("f", (x,)).replace(flag=True) is Call("f", (x,), True)
    assert n.a is x and n.b is y  # unchanged
    with pytest.raises(NodeError, match="no fields"):
        n.replace(c=x)


def test_with_children():
    x, y, z = Leaf(1), Leaf(2), Leaf(3)
    n = Add(x, y)
    assert n.with_children([x, y]) is n
    assert n.with_children((z, y)) is Add(z, y)
    c = Call("f", (x, 7, y), True)
    c2 = c.with_children([z, x])
    assert c2 is Call("f", (z, 7, x), True)
    assert c2.children == (z, x)
    with pytest.raises(NodeError, match="wrong number of children"):
        n.with_children([x])
    with pytest.raises(NodeError):
        Leaf(1).with_children([x])
    assert Leaf(1).with_children([]) is Leaf(1)


# --------------------------------------------------------------------------
# tokens and names


def test_token_and_name_deterministic_in_process():
    n = Add(Neg(Leaf(1)), Leaf(2))
    assert n.token == n.token
    assert isinstance(n.token, str) and len(n.token) >= 16
    assert n.name == f"add-{n.token}"
    assert Neg(Leaf(1)).name.startswith("neg-")
    assert Neg(Leaf(1)).token != Neg(Leaf(2)).token
    assert Neg(Leaf(1)).token != Inc(Leaf(1)).token  # type matters
    assert Add(Leaf(1), Leaf(2)).token != Add(Leaf(2), Leaf(1)).token


def test_token_of_shared_dag_is_linear():
    # 200 levels of x = Add(x, x): 2**200 paths, 201 nodes
    x = Leaf(0)
    for _ in range(200):
        x = Add(x, x)
    assert count_nodes(x) == 201
    assert len(x.token) >= 16


def test_dask_tokenize_uses_node_token():
    from dask.base import tokenize

    n = Add(Leaf(1), Leaf(2))
    assert tokenize(n) == tokenize(Add(Leaf(1), Leaf(2)))
    assert tokenize(n) != tokenize(Add(Leaf(1), Leaf(3)))


_TOY_PLAN = """
import numpy as np
from hlq.expr import Node
class Leaf(Node):
    _fields = ("v",)
class Add(Node):
    _fields = ("a", "b")
class Call(Node):
    _fields = ("name", "args", "flag")
x = Leaf(1)
y = Add(x, Leaf(2.5))
for i in range(50):
    y = Add(y, Call("f", (x, i, "s", None, (1, 2.0)), True))
print(y.name)
print(Leaf(float("nan")).name)
print(Leaf(np.arange(4)).name)
"""


def test_toy_names_deterministic_across_processes():
    a, b = _run_many(_TOY_PLAN, seeds=("1", "12345"))
    assert a == b
    assert a.splitlines()[0].startswith("add-")


_ARRAY_PLAN = """
import numpy as np
import hlq.array as da
x = da.ones((20, 20), chunks=5)
a = da.from_array(np.arange(400.0).reshape(20, 20), chunks=(10, 5))
y = ((x + a.T) * 2.5)[:7, 3:].sum(axis=0)
z = da.sin(y) - np.float32(1)
print(z.node.name)
"""


def test_array_plan_names_deterministic_across_processes():
    here = {}
    exec(textwrap.dedent(_ARRAY_PLAN).replace("print(z.node.name)", "out = z.node.name"), here)
    a, b = _run_many(_ARRAY_PLAN, seeds=("3", "777"))
    assert a == b == here["out"]


# --------------------------------------------------------------------------
# traversals on DAGs with sharing


@pytest.fixture
def diamond():
    a = Leaf("a")
    b = Neg(a)
    c = Inc(a)
    d = Add(b, c)
    e = Add(d, b)
    return a, b, c, d, e


def test_walk_visits_shared_nodes_once(diamond):
    a, b, c, d, e = diamond
    seen = list(walk(e))
    assert len(seen) == 5
    assert set(seen) == {a, b, c, d, e}
    assert seen[0] is e  # pre-order: root first
    assert list(e.walk()) == seen
    assert count_nodes(e) == 5
    assert list(walk(a)) == [a]


def test_toposort_children_before_parents(diamond):
    a, b, c, d, e = diamond
    order = toposort([e])
    assert len(order) == 5 and len(set(order)) == 5
    pos = {n: i for i, n in enumerate(order)}
    for n in order:
        for ch in n.children:
            assert pos[ch] < pos[n]
    assert order[-1] is e
    assert toposort([e]) == order  # deterministic
    # several roots, overlapping
    order2 = toposort([b, e, c])
    assert len(order2) == 5
    assert order2[-1] is e or order2[-1] is c
    assert toposort([d, d]) == toposort([d])


def test_dependents(diamond):
    a, b, c, d, e = diamond
    deps = dependents([e])
    assert set(deps) == {a, b, c, d, e}
    assert set(deps[a]) == {b, c} and len(deps[a]) == 2
    assert set(deps[b]) == {d, e} and len(deps[b]) == 2
    assert deps[c] == [d]
    assert deps[d] == [e]
    assert deps[e] == []
    # a node used twice by one parent is listed once
    x = Leaf(9)
    assert dependents([Add(x, x)])[x] == [Add(x, x)]


def test_transform_bottom_up_each_node_once(diamond):
    a, b, c, d, e = diamond
    calls = []

    def fn(node):
        calls.append(node)
        if isinstance(node, Leaf):
            return Leaf(node.v + "!")
        return None

    out = transform(e, fn)
    a2 = Leaf("a!")
    assert out is Add(Add(Neg(a2), Inc(a2)), Neg(a2))
    assert len(calls) == 5
    # fn sees nodes whose children are already transformed
    assert Neg(a2) in calls and Inc(a2) in calls
    assert b not in calls
    # identity transform rebuilds nothing
    assert transform(e, lambda n: None) is e


def test_transform_replaces_interior(diamond):
    a, b, c, d, e = diamond

    def fn(node):
        if isinstance(node, Neg):
            return node.x
        return None

    assert transform(e, fn) is Add(Add(a, c), a)


def test_substitute(diamond):
    a, b, c, d, e = diamond
    z = Leaf("z")
    out = substitute(e, {a: z})
    assert out is Add(Add(Neg(z), Inc(z)), Neg(z))
    # the rebuilt shared node is shared in the result too
    assert out.a.a is out.b
    assert substitute(e, {}) is e
    assert substitute(e, {Leaf("nope"): z}) is e
    assert substitute(e, {b: c}) is Add(Add(c, c), c)
    assert substitute(e, {e: z}) is z


# --------------------------------------------------------------------------
# 10,000-deep plans at the default recursion limit


DEPTH = 10_000


def test_deep_chain_walk_toposort_tokens(default_recursion_limit):
    n = _chain(DEPTH)
    assert sys.getrecursionlimit() == 1000
    assert count_nodes(n) == DEPTH + 1
    assert sum(1 for _ in walk(n)) == DEPTH + 1
    order = toposort([n])
    assert len(order) == DEPTH + 1
    assert order[0] is Leaf(0) and order[-1] is n
    deps = dependents([n])
    assert len(deps) == DEPTH + 1
    assert n.name.startswith("neg-")
    assert _chain(DEPTH).name == n.name
    assert _chain(DEPTH, Leaf(1)).name != n.name


def test_deep_chain_transform_substitute(default_recursion_limit):
    n = _chain(DEPTH)
    m = substitute(n, {Leaf(0): Leaf(1)})
    assert m is _chain(DEPTH, Leaf(1))
    t = transform(n, lambda x: Inc(x.x) if isinstance(x, Neg) else None)
    assert count_nodes(t) == DEPTH + 1
    assert isinstance(t, Inc)


def test_deep_chain_pprint(default_recursion_limit):
    n = _chain(DEPTH)
    text = pprint(n)
    lines = text.splitlines()
    assert len(lines) == DEPTH + 1
    assert lines[0] == "neg"
    assert lines[-1].endswith("leaf(v=0)")


def test_deep_chain_pickle_round_trip(default_recursion_limit):
    n = _chain(DEPTH)
    data = pickle.dumps(n)
    back = pickle.loads(data)
    assert back is n
    # a DAG with sharing and variadic children round-trips to the same node
    x = Leaf(np.float64(2.0))
    dag = Call("g", (Add(x, x), 3, Neg(x)), True)
    assert pickle.loads(pickle.dumps(dag)) is dag


def test_deep_chain_pickle_in_fresh_process(default_recursion_limit, tmp_path):
    import hlq.array as da

    y = da.ones((4, 4), chunks=2)
    for _ in range(3000):
        y = y + 1
    path = tmp_path / "plan.pkl"
    path.write_bytes(pickle.dumps(y.node))
    out = _run(f"""
        import pickle, sys
        sys.setrecursionlimit(1000)
        n = pickle.loads(open({str(path)!r}, "rb").read())
        print(n.name)
        """)
    assert out == y.node.name


# --------------------------------------------------------------------------
# display


def test_pprint_shows_tree_and_shared_nodes(diamond):
    a, b, c, d, e = diamond
    text = pprint(e)
    lines = text.splitlines()
    assert lines[0] == "add"
    assert "├─ " in text and "└─ " in text
    assert "leaf(v='a')" in text
    assert "neg" in text and "inc" in text
    shared = [ln for ln in lines if "(shared, shown above)" in ln]
    # b is shared by d and e, a by b and c
    assert len(shared) == 2
    assert any("↑ neg" in ln for ln in shared)
    assert any("↑ leaf(v='a')" in ln for ln in shared)
    # every node expanded exactly once
    assert sum(1 for ln in lines if "(shared" not in ln) == 5


def test_pprint_params_and_custom_describe():
    x = Leaf(1)
    n = Call("f", (x, 2), True)
    text = pprint(n)
    assert text.splitlines()[0] == "call(name='f', flag=True)"
    # an only child stays at its parent's indentation (chains render linearly)
    assert text.splitlines()[1] == "leaf(v=1)"
    custom = pprint(n, describe=lambda node: f"<{node.op_name}>")
    assert custom.splitlines() == ["<call>", "<leaf>"]
    two = pprint(Call("g", (x, Leaf(2)), False))
    assert two.splitlines()[1:] == ["├─ leaf(v=1)", "└─ leaf(v=2)"]
    assert repr(x) == "<Leaf leaf(v=1)>"
    long = Leaf("x" * 100)
    assert len(long.label()) < 60 and "..." in long.label()
    arr = Leaf(np.zeros((2, 3)))
    assert "ndarray<(2, 3), float64>" in arr.label()


def test_pprint_uses_describe_of_array_nodes():
    import hlq.array as da

    x = da.ones((10, 10), chunks=5)
    y = x + x.T
    text = pprint(y.node)
    assert "shape=(10, 10)" in text
    assert "dtype=float64" in text
    assert "blocks=4" in text
    assert "transpose" in text
    assert "(shared, shown above)" in text  # x is used twice


def test_interning_is_thread_safe():
    import threading

    n_threads = 8
    barrier = threading.Barrier(n_threads)
    results = [None] * n_threads

    def build(i):
        barrier.wait()
        x = Leaf("thread-safety")
        for k in range(300):
            x = Add(x, Leaf(k))
        results[i] = x

    threads = [threading.Thread(target=build, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is results[0] for r in results)
    assert count_nodes(results[0]) == 601


def test_pprint_deep_chain_is_linear_and_truncates():
    node = Leaf(0)
    for i in range(3000):
        node = Call("f", (node, i), False)
    text = pprint(node)
    assert len(text.splitlines()) == 3001
    assert max(len(line) for line in text.splitlines()) < 80
    short = pprint(node, max_lines=10)
    assert len(short.splitlines()) == 11 and "truncated" in short.splitlines()[-1]
