"""Regression tests: wrong results and crashes found by differential checks against numpy.

Each test is a reproducer that once gave a wrong answer or raised where numpy/dask compute.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import hlq.array as da


def _unknown(a, chunks=2):
    """``a`` as an hlq array with unknown (nan) chunks: a mask that keeps everything."""
    x = da.from_array(a, chunks=chunks)
    return x[da.from_array(np.ones(a.shape[0], bool), chunks=chunks)] if a.ndim > 1 else x[x == x]


# ---------------------------------------------------------------- arg-reductions on unknown chunks

@pytest.mark.parametrize("name", ["argmax", "argmin", "nanargmax", "nanargmin"])
def test_arg_reductions_on_unknown_chunks(name):
    a = np.array([1.0, -2.0, 3.0, 5.0, -1.0, 2.0])
    x = da.from_array(a, chunks=2)
    f, g = getattr(da, name), getattr(np, name)
    assert f(x[x > 0]).compute() == g(a[a > 0])
    # a block left empty by the mask (the first one here), and a mask leaving one element
    assert f(x[x > 2.5]).compute() == g(a[a > 2.5])
    assert f(x[x > 4]).compute() == g(a[a > 4]) == 0
    with pytest.raises(ValueError, match="empty sequence"):
        f(x[x > 10]).compute()


def test_arg_reduction_method_and_split_every_on_unknown_chunks():
    a = np.array([1.0, -2.0, 3.0, 5.0, -1.0, 2.0, 7.0, 0.5, 7.0])
    x = da.from_array(a, chunks=2)
    y = x[x > 0]
    assert y.argmax().compute() == np.argmax(a[a > 0])
    assert da.argmax(y, split_every=2).compute() == np.argmax(a[a > 0])
    assert da.argmin(y, split_every=3).compute() == np.argmin(a[a > 0])


@pytest.mark.parametrize("name", ["argmax", "argmin", "nanargmax", "nanargmin"])
def test_arg_reductions_2d_unknown_rows(name):
    rng = np.random.default_rng(1)
    a = rng.integers(0, 5, (9, 7)).astype(float)
    a[2, 3] = np.nan
    keep = np.array([1, 0, 1, 1, 0, 0, 1, 1, 1], bool)
    x = da.from_array(a, chunks=(2, 3))[da.from_array(keep, chunks=2)]
    f, g = getattr(da, name), getattr(np, name)
    for axis in (None, 0, 1):
        np.testing.assert_array_equal(f(x, axis=axis, split_every=2).compute(), g(a[keep], axis=axis))


# ---------------------------------------------------------------- trace / diagonal on unknown chunks

def test_trace_on_unknown_chunks():
    m = da.from_array(np.arange(1.0, 7.0).reshape(3, 2), chunks=-1)
    sel = da.from_array(np.array([True, False, True]), chunks=-1)
    assert da.trace(m[sel]).compute() == 7.0


@pytest.mark.parametrize("offset", [-2, 0, 1])
def test_diagonal_on_unknown_chunks_many_blocks(offset):
    a = np.arange(60.0).reshape(3, 10, 2)
    keep = np.array([1, 0, 1, 1, 0, 1, 1, 1, 0, 1], bool)
    u = da.from_array(a, chunks=(2, 3, 1))[:, da.from_array(keep, chunks=3)]
    np.testing.assert_array_equal(da.diagonal(u, offset, 1, 2).compute(), np.diagonal(a[:, keep], offset, 1, 2))
    np.testing.assert_array_equal(da.trace(u, offset, 1, 2).compute(), np.trace(a[:, keep], offset, 1, 2))


# ---------------------------------------------------------------- complex moments

@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
def test_complex_var_std(name):
    a = np.array([2, -1, 2 + 2j, 1j, -2 - 1j, -1j])
    x = da.from_array(a, chunks=2)
    r = getattr(da, name)(x)
    np.testing.assert_allclose(r.compute(), getattr(np, name)(a))
    assert r.dtype == np.float64 == np.asarray(r.compute()).dtype
    b = (np.arange(12) + 1j * np.arange(12)[::-1]).reshape(3, 4).astype(np.complex64)
    y = da.from_array(b, chunks=2)
    for axis in (0, 1):
        r = getattr(da, name)(y, axis=axis, ddof=1)
        np.testing.assert_allclose(r.compute(), getattr(np, name)(b, axis=axis, ddof=1), rtol=1e-5)
        assert r.dtype == np.float32


# ---------------------------------------------------------------- joining unknown-size inputs

def test_hstack_append_block_keep_unknown_inputs():
    a = np.arange(10)
    x = da.from_array(a, chunks=5)
    u = x[x > 3]
    want = np.concatenate([a[a > 3], a])
    np.testing.assert_array_equal(da.hstack([u, x]).compute(), want)
    np.testing.assert_array_equal(da.append(u, x).compute(), want)
    np.testing.assert_array_equal(da.block([u, x]).compute(), want)
    np.testing.assert_array_equal(da.concatenate([x, u, x[:0]]).compute(), np.concatenate([a, a[a > 3]]))
    np.testing.assert_array_equal(da.stack([u, u]).compute(), np.stack([a[a > 3]] * 2))


def test_vstack_unknown_rows():
    a = np.arange(12).reshape(3, 4)
    m = da.from_array(a, chunks=2)
    keep = np.array([1, 0, 1], bool)
    mu = m[da.from_array(keep, chunks=2)]
    np.testing.assert_array_equal(da.vstack([mu, m]).compute(), np.vstack([a[keep], a]))
    with pytest.raises(ValueError, match="unknown shape"):
        da.hstack([mu, m])
    np.testing.assert_array_equal(da.concatenate([mu, mu], axis=1, allow_unknown_chunksizes=True).compute(),
                                  np.hstack([a[keep], a[keep]]))


def test_one_concatenate():
    from hlq.array._core import HANDLED_FUNCTIONS

    assert HANDLED_FUNCTIONS[np.concatenate] is da.concatenate
    assert np.concatenate([da.ones(3, chunks=2), da.zeros(2, chunks=2)]).__class__ is da.Array


# ---------------------------------------------------------------- independent copies

@pytest.mark.parametrize("make_copy", [lambda x: x.copy(), copy.copy, copy.deepcopy, lambda x: x.astype(x.dtype)])
def test_copies_are_independent_of_in_place_changes(make_copy):
    a = np.arange(5)
    x = da.from_array(a, chunks=2)
    y = make_copy(x)
    assert y is not x
    x[0] = 5
    np.testing.assert_array_equal(y.compute(), a)
    np.testing.assert_array_equal(x.compute(), [5, 1, 2, 3, 4])
    da.negative(x, out=x)
    np.testing.assert_array_equal(y.compute(), a)
    np.testing.assert_array_equal(x.compute(), [-5, -1, -2, -3, -4])


def test_out_and_chunk_declaration_rebind_only_the_target():
    a = np.arange(6.0)
    x = da.from_array(a, chunks=2)
    y = x.copy()
    z = da.zeros(6, chunks=2)
    w = z.copy()
    da.add(x, 1, out=z)
    np.testing.assert_array_equal(z.compute(), a + 1)
    np.testing.assert_array_equal(w.compute(), np.zeros(6))
    u = x[x > 1]
    v = u.copy()
    u.compute_chunk_sizes()
    assert u.chunks == ((0, 2, 2),) and np.isnan(v.chunks[0][0])
    np.testing.assert_array_equal(v.compute(), a[a > 1])
    np.testing.assert_array_equal(y.compute(), a)


def test_rebind_is_the_only_mutation_path():
    """Every in-place operation goes through ``HlqCollection._rebind``: no other code assigns ``._node``."""
    import ast
    import pathlib

    root = pathlib.Path(da.__file__).resolve().parent.parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text()
        if "._node" not in text:
            continue
        tree = ast.parse(text)
        allowed = set()
        for cls in ast.walk(tree):
            if isinstance(cls, ast.ClassDef) and cls.name == "HlqCollection":
                allowed |= {id(f) for f in cls.body if isinstance(f, ast.FunctionDef) and f.name in ("__init__", "_rebind")}
        for func in ast.walk(tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) or id(func) in allowed:
                continue
            for stmt in ast.walk(func):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else (
                    [stmt.target] if isinstance(stmt, (ast.AugAssign, ast.AnnAssign)) else [])
                for t in targets:
                    for e in ast.walk(t):
                        if isinstance(e, ast.Attribute) and e.attr == "_node":
                            offenders.append(f"{path.relative_to(root)}:{stmt.lineno}")
    assert offenders == []


# ---------------------------------------------------------------- dtypes like numpy

def test_bool_power_dtype():
    b = np.array([True, False])
    x = da.from_array(b, chunks=1)
    for e in (2, 3, 2.0):
        assert (x ** e).dtype == (b ** e).dtype == (x ** e).compute().dtype
    assert (2 ** x).dtype == (2 ** b).dtype
    i = np.array([1, 2, 3], np.int8)
    y = da.from_array(i, chunks=2)
    np.testing.assert_array_equal((y ** 2).compute(), i ** 2)
    assert (y ** y).dtype == (i ** i).dtype


# ---------------------------------------------------------------- crashes where dask computes

def test_map_blocks_on_unknown_chunks():
    a = np.array([1.0, -2.0, 3.0, 5.0, -1.0, 2.0])
    x = da.from_array(a, chunks=2)
    y = x[x > 0].map_blocks(np.negative)
    assert np.isnan(y.shape[0])
    np.testing.assert_array_equal(y.compute(), -a[a > 0])
    u = x[x > 0]
    np.testing.assert_array_equal(da.map_blocks(np.add, u, u).compute(), 2 * a[a > 0])


@pytest.mark.parametrize("sa,sb", [((3, 4, 0), (3, 0, 5)), ((3, 4, 0), (0, 5)), ((2, 1, 4, 0), (3, 0, 5)),
                                   ((0, 4, 3), (0, 3, 2)), ((3, 4, 3), (1, 3, 0))])
def test_batched_matmul_zero_size_core(sa, sb):
    a, b = np.ones(sa), np.ones(sb)
    r = (da.from_array(a, chunks=2) @ da.from_array(b, chunks=2)).compute()
    np.testing.assert_array_equal(r, a @ b)
    assert r.shape == (a @ b).shape


@pytest.mark.parametrize("kind", ["min", "max", "nanmin", "nanmax"])
@pytest.mark.parametrize("dtype", ["complex128", "float64", "int32"])
def test_extreme_over_unknown_chunks_with_empty_blocks(kind, dtype):
    # blocks emptied by a boolean filter take the reduction's identity (complex too)
    a = (np.arange(15.0) - 7).reshape(5, 3).astype(dtype)
    if dtype.startswith("complex"):
        a = a + 1j * np.arange(15.0)[::-1].reshape(5, 3)
    keep = np.array([False, False, False, False, True])
    x = da.from_array(a, chunks=((2, 1, 1, 1), (1, 2)))
    y = x[da.from_array(keep, chunks=((2, 1, 1, 1),))]
    got = getattr(da, kind)(y, axis=0).compute()
    np.testing.assert_array_equal(got, getattr(np, kind)(a[keep], axis=0))
