"""Bad input is rejected when the plan is built, with the exception types
numpy and dask raise and clear messages; deep plans never crash the optimizer."""

from __future__ import annotations

import re
import sys

import dask
import numpy as np
import pytest

import hlq
import hlq.array as da

AxisError = np.exceptions.AxisError


def _x():
    return da.ones((3, 4), chunks=2)


def _np():
    return np.ones((3, 4))


def _both_raise(exc, np_fn, hlq_fn, match=None):
    """numpy raises ``exc`` for ``np_fn`` and hlq raises it (at build time) for ``hlq_fn``."""
    with pytest.raises(exc):
        np_fn()
    with pytest.raises(exc, match=match) as ei:
        hlq_fn()
    return str(ei.value)


# --------------------------------------------------------------------------
# broadcasting


def test_broadcast_shape_mismatch():
    msg = _both_raise(ValueError, lambda: _np() + np.ones(5), lambda: _x() + da.ones(5, chunks=2))
    assert "broadcast" in msg
    assert "(3, 4)" in msg and "(5,)" in msg


def test_broadcast_mismatch_with_numpy_operand():
    msg = _both_raise(ValueError, lambda: _np() * np.ones((2, 4)), lambda: _x() * np.ones((2, 4)))
    assert "(3, 4)" in msg and "(2, 4)" in msg


def test_broadcast_mismatch_in_ufunc_and_where():
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(3,\)|\(3,\).*\(3, 4\)"):
        np.add(_x(), da.ones(3, chunks=2))
    with pytest.raises(ValueError, match="broadcast"):
        da.where(_x() > 0, _x(), da.ones((4, 3), chunks=2))
    with pytest.raises(ValueError, match="broadcast"):
        da.maximum(da.ones((2, 3, 4), chunks=2), da.ones((3, 3), chunks=2))


def test_valid_broadcasts_still_work():
    y = _x() + da.ones(4, chunks=3) + np.ones((3, 1))
    assert y.shape == (3, 4)
    np.testing.assert_array_equal(y.compute(), np.full((3, 4), 3.0))


# --------------------------------------------------------------------------
# indexing


@pytest.mark.parametrize("index", [3, -4, (0, 4), (slice(None), -5), (2, 100)])
def test_out_of_bounds_integer_index(index):
    msg = _both_raise(IndexError, lambda: _np()[index], lambda: _x()[index])
    assert "out of bounds" in msg
    assert re.search(r"size [34]", msg)


def test_out_of_bounds_index_after_other_ops():
    with pytest.raises(IndexError, match="out of bounds"):
        (_x() + 1).T[4, 0]
    with pytest.raises(IndexError, match="out of bounds"):
        _x()[1:][2]


def test_slice_step_zero():
    msg = _both_raise(ValueError, lambda: _np()[::0], lambda: _x()[::0])
    assert "zero" in msg
    with pytest.raises(ValueError, match="zero"):
        _x()[:, 1:3:0]


@pytest.mark.parametrize("index", [(0, 0, 0), (slice(None),) * 3, (Ellipsis, 0, 0, 0), (None, 0, 0, 0)])
def test_too_many_indices(index):
    msg = _both_raise(IndexError, lambda: _np()[index], lambda: _x()[index])
    assert "too many indices" in msg


def test_two_ellipses():
    _both_raise(IndexError, lambda: _np()[..., ...], lambda: _x()[..., ...])


def test_non_integer_slice_bounds():
    _both_raise(TypeError, lambda: _np()[1.5:], lambda: _x()[1.5:])


# --------------------------------------------------------------------------
# reductions


@pytest.mark.parametrize(
    "name, axis",
    [("sum", 2), ("mean", -3), ("max", 5), ("min", (0, 2)), ("std", 7), ("argmax", 2), ("any", -3)],
)
def test_axis_out_of_range(name, axis):
    msg = _both_raise(AxisError, lambda: getattr(_np(), name)(axis=axis), lambda: getattr(_x(), name)(axis=axis))
    assert "out of bounds" in msg or "axis" in msg
    # AxisError is both a ValueError and an IndexError, like in numpy
    with pytest.raises(ValueError):
        getattr(_x(), name)(axis=axis)
    with pytest.raises(IndexError):
        getattr(da, name)(_x(), axis=axis)


@pytest.mark.parametrize("axis", [(0, 0), (1, -1), (0, 1, 0)])
def test_duplicate_axis(axis):
    msg = _both_raise(ValueError, lambda: _np().sum(axis=axis), lambda: _x().sum(axis=axis))
    assert "duplicate" in msg
    with pytest.raises(ValueError, match="duplicate"):
        da.mean(_x(), axis=axis)


def test_min_max_of_empty_array():
    e = da.ones((0,), chunks=1)
    msg = _both_raise(ValueError, lambda: np.ones((0,)).min(), lambda: e.min())
    assert "zero-size" in msg or "empty" in msg
    _both_raise(ValueError, lambda: np.ones((0,)).max(), lambda: e.max())
    _both_raise(ValueError, lambda: np.zeros((3, 0)).max(axis=1), lambda: da.zeros((3, 0), chunks=2).max(axis=1))
    _both_raise(ValueError, lambda: np.ones((0, 2)).argmin(), lambda: da.ones((0, 2), chunks=1).argmin())
    # reducing a non-empty axis of an empty array is fine, as in numpy
    ok = da.zeros((0, 3), chunks=2).max(axis=1)
    assert ok.shape == (0,)
    # sums of empty arrays are fine too
    assert float(e.sum().compute()) == 0.0


# --------------------------------------------------------------------------
# rechunk


@pytest.mark.parametrize("spec", ["banana", "not-a-size", (2,), (2, 2, 2), ((1, 1), (4,)), ((3,), (1, 1)), {5: 2},
                                  -3, 0])
def test_bad_rechunk_spec(spec):
    with pytest.raises(ValueError):
        _x().rechunk(spec)


def test_bad_rechunk_messages():
    with pytest.raises(ValueError, match="banana"):
        _x().rechunk("banana")
    with pytest.raises(ValueError, match=r"1 entries|dimension 2|entries"):
        _x().rechunk((2,))


def test_bad_chunks_at_creation():
    with pytest.raises(ValueError):
        da.ones((3, 4), chunks=((1, 1), (4,)))
    with pytest.raises(ValueError):
        da.from_array(np.ones((3, 4)), chunks="banana")
    with pytest.raises(ValueError):
        da.zeros(10, chunks=0)


# --------------------------------------------------------------------------
# dtypes


def test_arithmetic_on_string_array():
    s = da.from_array(np.array(["a", "b"]))
    _both_raise(TypeError, lambda: np.array(["a", "b"]) + 1, lambda: s + 1)
    _both_raise(TypeError, lambda: np.array(["a", "b"]) * 2.5, lambda: s * 2.5)
    with pytest.raises(TypeError):
        np.sin(s)
    with pytest.raises(TypeError):
        s.sum()
    with pytest.raises(TypeError):
        s.mean()


@pytest.mark.parametrize("src, dst", [("f8", "f4"), ("i8", "i4"), ("f8", "i8"), ("i8", "u8"), ("c16", "f8")])
def test_astype_safe_to_narrower_dtype(src, dst):
    a = np.ones(4, dtype=src)
    x = da.ones(4, chunks=2, dtype=src)
    msg = _both_raise(TypeError, lambda: a.astype(dst, casting="safe"), lambda: x.astype(dst, casting="safe"))
    assert "safe" in msg


def test_astype_allowed_casts():
    x = da.ones(4, chunks=2, dtype="f4")
    assert x.astype("f8", casting="safe").dtype == np.float64
    assert x.astype("i4").dtype == np.int32  # unsafe by default, like numpy
    assert da.ones(4, chunks=2).astype("f4", casting="same_kind").dtype == np.float32
    with pytest.raises(TypeError):
        da.ones(4, chunks=2).astype("i4", casting="same_kind")


# --------------------------------------------------------------------------
# creation


@pytest.mark.parametrize(
    "make",
    [
        lambda: da.ones((-1, 3)),
        lambda: da.zeros(-2),
        lambda: da.empty((2, -1)),
        lambda: da.full((2, -5), 3.0),
        lambda: da.random.default_rng(0).random((-1, 2)) if hasattr(da.random, "default_rng") else da.ones(-1),
    ],
)
def test_negative_shape(make):
    with pytest.raises(ValueError, match="negative"):
        make()


def test_negative_shape_matches_numpy():
    _both_raise(ValueError, lambda: np.ones((-1, 3)), lambda: da.ones((-1, 3)))


def test_errors_raise_at_build_time_without_computing():
    calls = []

    def f(b):
        calls.append(1)
        return b

    x = _x().map_blocks(f, dtype=float)
    for bad in (lambda: x + da.ones(5), lambda: x[3], lambda: x.sum(axis=2), lambda: x.rechunk("banana"),
                lambda: x[::0]):
        with pytest.raises((ValueError, IndexError)):
            bad()
    assert calls == []


# --------------------------------------------------------------------------
# deep plans


@pytest.fixture
def default_recursion_limit():
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def _expected_chain(n):
    v = np.float64(1.0)
    for _ in range(n):
        v = v * np.float64(1.0001) + np.float64(1)
    return v


def test_deep_elementwise_chain(default_recursion_limit):
    n = 10_000
    y = da.ones((100, 100), chunks=50)
    for _ in range(n):
        y = y * 1.0001 + 1
    assert sys.getrecursionlimit() == 1000
    expected = _expected_chain(n)
    opt = hlq.optimize(y)
    assert opt.shape == (100, 100)
    assert y.task_count() == 4  # the whole chain fuses into one task per block
    out = y.compute()
    assert out.shape == (100, 100)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    # through dask.compute and with a slice and a reduction on top
    (s,) = dask.compute(y[10:20, :5].sum())
    np.testing.assert_allclose(s, 50 * expected, rtol=1e-12)
    assert len(y.node.name) > 10
