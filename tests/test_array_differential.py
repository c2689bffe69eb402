"""Differential (property) tests: ``hlq.array`` against numpy.

Every expression is computed three ways -- default optimizer, with the
``slice-pushdown``/``simplify`` rules excluded, and with blockwise fusion off --
and each result must equal numpy's (values, shape, dtype) and ``x.shape``.
"""

from __future__ import annotations

import operator
import warnings

import dask
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import hlq.array as da
from array_strategies import (  # tests/ is on sys.path (pytest's rootdir-less "prepend" import mode)
    basic_indices, block_index_to_slices, block_indices, broadcastable_shapes, cast_dtypes, chunkings,
    indexed_shape, normalized_chunks, shapes,
)

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MODES = {
    "default": {},
    "no-rules": {"hlq.rules.exclude": ["slice-pushdown", "simplify"]},
    "no-fuse": {"hlq.fuse": False},
}


def _compare(got, expected, exact, rtol, atol, mode):
    if exact or expected.dtype.kind in "biuOUSMm":
        np.testing.assert_array_equal(got, expected, err_msg=f"mode={mode}")
    else:
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True, err_msg=f"mode={mode}")


def check(x, expected, *, exact=False, rtol=1e-7, atol=0.0, modes=MODES):
    """Compute ``x`` in every optimizer mode and compare with the numpy result ``expected``."""
    expected = np.asarray(expected)
    assert isinstance(x, da.Array), type(x)
    assert x.shape == expected.shape, (x.shape, expected.shape)
    assert x.dtype == expected.dtype, (x.dtype, expected.dtype)
    assert len(x.chunks) == x.ndim
    assert tuple(sum(c) for c in x.chunks) == x.shape
    results = {}
    for mode, cfg in modes.items():
        with dask.config.set(cfg), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got = x.compute()
        assert isinstance(got, (np.ndarray, np.generic)), (mode, type(got))
        got_arr = np.asarray(got)
        assert got_arr.shape == x.shape, (mode, got_arr.shape, x.shape)
        assert got_arr.shape == expected.shape, (mode, got_arr.shape, expected.shape)
        assert got_arr.dtype == expected.dtype, (mode, got_arr.dtype, expected.dtype)
        _compare(got_arr, expected, exact, rtol, atol, mode)
        results[mode] = got_arr
    return results["default"]


def np_data(shape, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.random(shape).astype(dtype)


def int_data(shape, seed=0, lo=-20, hi=20, dtype=np.int64):
    rng = np.random.default_rng(seed)
    return rng.integers(lo, hi, size=shape).astype(dtype)


def np_ignore():
    return np.errstate(all="ignore")


seeds = st.integers(0, 2**16)


# ---------------------------------------------------------------- elementwise

ARITH_OPS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv, operator.mod,
             operator.pow, operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
             np.maximum, np.minimum, np.arctan2, np.hypot]
INT_OPS = [operator.and_, operator.or_, operator.xor, operator.add, operator.mul, operator.floordiv,
           operator.mod, operator.lshift, operator.rshift]


@SETTINGS
@given(data=st.data(), shps=broadcastable_shapes(n=2), op=st.sampled_from(ARITH_OPS), seed=seeds)
def test_binary_float_broadcasting(data, shps, op, seed):
    s1, s2 = shps
    a = np_data(s1, seed) + 0.5
    b = np_data(s2, seed + 1) + 0.5
    x = da.from_array(a, chunks=data.draw(chunkings(s1), label="c1"))
    y = da.from_array(b, chunks=data.draw(chunkings(s2), label="c2"))
    with np_ignore():
        expected = op(a, b)
    check(op(x, y), expected, rtol=1e-12)


@SETTINGS
@given(data=st.data(), shps=broadcastable_shapes(n=2), op=st.sampled_from(INT_OPS), seed=seeds)
def test_binary_int_broadcasting(data, shps, op, seed):
    s1, s2 = shps
    a = int_data(s1, seed, 1, 30)
    b = int_data(s2, seed + 1, 1, 6)
    x = da.from_array(a, chunks=data.draw(chunkings(s1), label="c1"))
    y = da.from_array(b, chunks=data.draw(chunkings(s2), label="c2"))
    check(op(x, y), op(a, b), exact=True)


@SETTINGS
@given(data=st.data(), shps=broadcastable_shapes(n=3), seed=seeds)
def test_chained_three_operand_broadcasting(data, shps, seed):
    s1, s2, s3 = shps
    a, b, c = np_data(s1, seed), np_data(s2, seed + 1), np_data(s3, seed + 2)
    x = da.from_array(a, chunks=data.draw(chunkings(s1)))
    y = da.from_array(b, chunks=data.draw(chunkings(s2)))
    z = da.from_array(c, chunks=data.draw(chunkings(s3)))
    expr = (x + y) * z - x / (y + 1) + 2
    check(expr, (a + b) * c - a / (b + 1) + 2, rtol=1e-12)


@SETTINGS
@given(data=st.data(), shape=shapes(), seed=seeds,
       op=st.sampled_from([operator.add, operator.mul, operator.sub, operator.truediv, operator.pow]),
       scalar=st.sampled_from([2, 0.5, -3, np.float32(1.5), np.int64(3)]), reflected=st.booleans())
def test_binary_with_scalar(data, shape, seed, op, scalar, reflected):
    a = np_data(shape, seed) + 0.25
    x = da.from_array(a, chunks=data.draw(chunkings(shape)))
    with np_ignore():
        expected = op(scalar, a) if reflected else op(a, scalar)
    check(op(scalar, x) if reflected else op(x, scalar), expected, rtol=1e-12)


@SETTINGS
@given(data=st.data(), shps=broadcastable_shapes(n=2, min_dims=1), seed=seeds)
def test_binary_with_numpy_array(data, shps, seed):
    s1, s2 = shps
    a = np_data(s1, seed)
    b = np_data(s2, seed + 1)
    x = da.from_array(a, chunks=data.draw(chunkings(s1)))
    check(x + b, a + b)
    check(b * x, b * a)


UNARY = ["sin", "cos", "exp", "log", "sqrt", "tanh", "abs", "negative", "floor", "ceil", "square", "isnan",
         "isfinite", "sign", "log1p", "expm1", "reciprocal", "arcsin", "rint"]


@SETTINGS
@given(data=st.data(), shape=shapes(), name=st.sampled_from(UNARY), seed=seeds, via=st.sampled_from(["np", "da"]))
def test_unary_ufuncs(data, shape, name, seed, via):
    a = np_data(shape, seed) + 0.01
    x = da.from_array(a, chunks=data.draw(chunkings(shape)))
    f = getattr(np, name) if via == "np" else getattr(da, name)
    y = f(x)
    assert isinstance(y, da.Array)
    check(y, getattr(np, name)(a), rtol=1e-12)


@SETTINGS
@given(data=st.data(), shape=shapes(), seed=seeds)
def test_unary_operators(data, shape, seed):
    a = int_data(shape, seed)
    x = da.from_array(a, chunks=data.draw(chunkings(shape)))
    check(-x, -a, exact=True)
    check(~x, ~a, exact=True)
    check(abs(x), abs(a), exact=True)
    check(~(x > 0), ~(a > 0), exact=True)


@SETTINGS
@given(data=st.data(), shps=broadcastable_shapes(n=3), seed=seeds)
def test_where(data, shps, seed):
    s1, s2, s3 = shps
    c, a, b = np_data(s1, seed), np_data(s2, seed + 1), int_data(s3, seed + 2)
    cx = da.from_array(c, chunks=data.draw(chunkings(s1)))
    x = da.from_array(a, chunks=data.draw(chunkings(s2)))
    y = da.from_array(b, chunks=data.draw(chunkings(s3)))
    check(da.where(cx > 0.5, x, y), np.where(c > 0.5, a, b))
    check(np.where(cx > 0.5, x, 0.0), np.where(c > 0.5, a, 0.0))
    check(da.where(cx < 0.3, 1, y), np.where(c < 0.3, 1, b), exact=True)


@SETTINGS
@given(data=st.data(), shape=shapes(), seed=seeds,
       lo=st.one_of(st.none(), st.floats(0, 0.5)), hi=st.one_of(st.none(), st.floats(0.5, 1)))
def test_clip(data, shape, seed, lo, hi):
    assume(lo is not None or hi is not None)
    a = np_data(shape, seed)
    x = da.from_array(a, chunks=data.draw(chunkings(shape)))
    check(da.clip(x, lo, hi), np.clip(a, lo, hi))
    check(x.clip(lo, hi), np.clip(a, lo, hi))


@SETTINGS
@given(data=st.data(), shape=shapes(), seed=seeds, dtype=cast_dtypes)
def test_astype(data, shape, seed, dtype):
    a = (np_data(shape, seed) - 0.5) * 20
    x = da.from_array(a, chunks=data.draw(chunkings(shape)))
    with np_ignore():
        expected = a.astype(dtype)
    check(x.astype(dtype), expected, exact=True)
    check((x.astype(dtype) == expected), np.ones(shape, bool), exact=True)


# ------------------------------------------------------------------ slicing


@SETTINGS
@given(data=st.data(), shape=shapes(), seed=seeds)
def test_slicing(data, shape, seed):
    a = np_data(shape, seed)
    x = da.from_array(a, chunks=data.draw(chunkings(shape), label="chunks"))
    idx = data.draw(basic_indices(shape), label="idx")
    check(x[idx], a[idx], exact=True)


@SETTINGS
@given(data=st.data(), shape=shapes(), seed=seeds)
def test_nested_slicing(data, shape, seed):
    a = np_data(shape, seed)
    x = da.from_array(a, chunks=data.draw(chunkings(shape), label="chunks"))
    i1 = data.draw(basic_indices(shape), label="i1")
    s1 = indexed_shape(shape, i1)
    i2 = data.draw(basic_indices(s1), label="i2")
    s2 = indexed_shape(s1, i2)
    i3 = data.draw(basic_indices(s2), label="i3")
    check(x[i1][i2], a[i1][i2], exact=True)
    check(x[i1][i2][i3], a[i1][i2][i3], exact=True)


@SETTINGS
@given(data=st.data(), shps=broadcastable_shapes(n=2), seed=seeds)
def test_slicing_after_elementwise(data, shps, seed):
    s1, s2 = shps
    a, b = np_data(s1, seed), np_data(s2, seed + 1)
    x = da.from_array(a, chunks=data.draw(chunkings(s1)))
    y = da.from_array(b, chunks=data.draw(chunkings(s2)))
    expr, expected = np.sin(x * 2 + y) - y, np.sin(a * 2 + b) - b
    idx = data.draw(basic_indices(expected.shape), label="idx")
    check(expr[idx], expected[idx], rtol=1e-12)
    i2 = data.draw(basic_indices(expected[idx].shape), label="idx2")
    check((expr[idx] + 1)[i2], (expected[idx] + 1)[i2], rtol=1e-12)


@SETTINGS
@given(data=st.data(), shape=shapes(min_dims=1), seed=seeds)
def test_slicing_after_transpose(data, shape, seed):
    a = np_data(shape, seed)
    x = da.from_array(a, chunks=data.draw(chunkings(shape)))
    axes = tuple(data.draw(st.permutations(range(len(shape))), label="axes"))
    at = a.transpose(axes)
    idx = data.draw(basic_indices(at.shape), label="idx")
    check(x.transpose(axes)[idx], at[idx], exact=True)
    idx_t = data.draw(basic_indices(a.T.shape), label="idx_t")
    check(x.T[idx_t], a.T[idx_t], exact=True)
    if len(shape) >= 2 and shape[0] == shape[1]:
        # x + x.T shares the source under two access patterns
        sq = a + np.swapaxes(a, 0, 1)
        idx2 = data.draw(basic_indices(sq.shape), label="idx2")
        check((x + da.swapaxes(x, 0, 1))[idx2], sq[idx2], rtol=1e-12)


@SETTINGS
@given(data=st.data(), shape=shapes(), seed=seeds)
def test_slicing_after_rechunk(data, shape, seed):
    a = np_data(shape, seed)
    x = da.from_array(a, chunks=data.draw(chunkings(shape), label="c1"))
    c2 = data.draw(chunkings(shape), label="c2")
    y = x.rechunk(c2)
    idx = data.draw(basic_indices(shape), label="idx")
    check(y[idx], a[idx], exact=True)
    check((y + 1)[idx], (a + 1)[idx], exact=True)


@SETTINGS
@given(data=st.data(), shape=shapes(), seed=seeds)
def test_slicing_after_reduction(data, shape, seed):
    a = np_data(shape, seed)
    x = da.from_array(a, chunks=data.draw(chunkings(shape), label="c"))
    axis = data.draw(reduce_axes(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    kind = data.draw(st.sampled_from(["sum", "max", "mean", "std"]), label="kind")
    assume(not (kind == "max" and any(shape[i] == 0 for i in _axes(axis, len(shape)))))
    with np_ignore(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = getattr(a, kind)(axis=axis, keepdims=keepdims)
    expected = np.asarray(expected)
    idx = data.draw(basic_indices(expected.shape), label="idx")
    check(getattr(x, kind)(axis=axis, keepdims=keepdims)[idx], expected[idx], rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------- reductions

REDUCTIONS = ["sum", "prod", "mean", "min", "max", "std", "var", "any", "all", "argmin", "argmax",
              "nansum", "nanprod", "nanmean", "nanmin", "nanmax", "nanstd", "nanvar", "nanargmin", "nanargmax"]


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        return (axis % ndim,)
    return tuple(a % ndim for a in axis)


@st.composite
def reduce_axes(draw, ndim, single=False):
    """None, an int (negative too) or a tuple of distinct axes."""
    choices = ["none"]
    if ndim:
        choices += ["int", "int"] + ([] if single else ["tuple", "tuple"])
    kind = draw(st.sampled_from(choices))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    axes = draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim))
    return tuple(a - ndim if draw(st.booleans()) else a for a in axes)


split_everys = st.one_of(st.none(), st.integers(2, 5))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), shape=shapes(), seed=seeds, kind=st.sampled_from(REDUCTIONS), via=st.sampled_from(["method", "da", "np"]))
def test_reductions(data, shape, seed, kind, via):
    ndim = len(shape)
    a = np_data(shape, seed)
    if kind.startswith("nan") and a.size:
        mask = np.random.default_rng(seed + 7).random(shape) < 0.2
        a = np.where(mask, np.nan, a)
    chunks = data.draw(chunkings(shape), label="chunks")
    x = da.from_array(a, chunks=chunks)
    arg = "arg" in kind
    axis = data.draw(reduce_axes(ndim, single=arg), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    split_every = data.draw(split_everys, label="split_every")
    kwargs = {"axis": axis, "keepdims": keepdims}
    if kind in ("std", "var", "nanstd", "nanvar"):
        kwargs["ddof"] = data.draw(st.sampled_from([0, 1]), label="ddof")
    if kind in ("sum", "prod", "mean", "nansum", "nanprod", "nanmean") and data.draw(st.booleans(), label="dt"):
        kwargs["dtype"] = data.draw(st.sampled_from([np.float32, np.float64]), label="dtype")
    try:
        with np_ignore(), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = np.asarray(getattr(np, kind)(a, **kwargs))
    except ValueError:
        # numpy refuses (empty min/max, all-NaN nanargmin, ...): hlq must refuse too
        with pytest.raises(ValueError), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if via == "method" and hasattr(x, kind):
                getattr(x, kind)(split_every=split_every, **kwargs).compute()
            else:
                getattr(da, kind)(x, split_every=split_every, **kwargs).compute()
        return
    if via == "method" and hasattr(x, kind):
        y = getattr(x, kind)(split_every=split_every, **kwargs)
    elif via == "np":
        y = getattr(np, kind)(x, **kwargs)
    else:
        y = getattr(da, kind)(x, split_every=split_every, **kwargs)
    f32 = kwargs.get("dtype") == np.float32
    check(y, expected, rtol=1e-4 if f32 else 1e-9, atol=1e-5 if f32 else 1e-12)


@FEW
@given(data=st.data(), shape=shapes(min_dims=1), seed=seeds)
def test_reduction_split_every_dict(data, shape, seed):
    a = np_data(shape, seed)
    x = da.from_array(a, chunks=data.draw(chunkings(shape)))
    split = {i: data.draw(st.integers(2, 4)) for i in range(len(shape))}
    check(x.sum(axis=None, split_every=split), a.sum(), rtol=1e-10)
    check(x.mean(axis=0, split_every=split), a.mean(axis=0) if shape[0] else np.full(shape[1:], np.nan),
          rtol=1e-10)


@FEW
@given(data=st.data(), shape=shapes(), seed=seeds)
def test_int_and_bool_reductions(data, shape, seed):
    a = int_data(shape, seed, -3, 4)
    x = da.from_array(a, chunks=data.draw(chunkings(shape)))
    axis = data.draw(reduce_axes(len(shape)))
    check(x.sum(axis=axis), a.sum(axis=axis), exact=True)
    check(x.prod(axis=axis), a.prod(axis=axis), exact=True)
    check((x > 0).any(axis=axis), (a > 0).any(axis=axis), exact=True)
    check((x > 0).all(axis=axis), (a > 0).all(axis=axis), exact=True)
    check((x > 0).sum(axis=axis), (a > 0).sum(axis=axis), exact=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        check(x.mean(axis=axis), a.mean(axis=axis), rtol=1e-12)


# ----------------------------------------------------- rechunk / transpose


@SETTINGS
@given(data=st.data(), shape=shapes(), seed=seeds)
def test_rechunk(data, shape, seed):
    a = np_data(shape, seed)
    x = da.from_array(a, chunks=data.draw(chunkings(shape), label="c1"))
    kind = data.draw(st.sampled_from(["tuple", "tuple", "dict", "-1", "auto"]), label="kind")
    if kind == "tuple":
        c2 = data.draw(chunkings(shape), label="c2")
        expected_chunks = normalized_chunks(c2, shape)
    elif kind == "dict":
        c2 = {}
        for i in range(len(shape)):
            if data.draw(st.booleans()):
                c2[i - len(shape) if data.draw(st.booleans()) else i] = data.draw(st.integers(1, max(shape[i], 1)))
        expected_chunks = tuple(
            normalized_chunks((c2.get(i, c2.get(i - len(shape))),), (shape[i],))[0]
            if (i in c2 or i - len(shape) in c2) else x.chunks[i]
            for i in range(len(shape))
        )
    elif kind == "-1":
        c2 = -1
        expected_chunks = normalized_chunks(-1, shape)
    else:
        c2 = "auto"
        expected_chunks = None
    y = x.rechunk(c2)
    if expected_chunks is not None:
        assert y.chunks == expected_chunks
    check(y, a, exact=True)
    check(da.rechunk(x, c2) * 2, a * 2, exact=True)


@SETTINGS
@given(data=st.data(), shape=shapes(), seed=seeds)
def test_transpose_and_friends(data, shape, seed):
    a = np_data(shape, seed)
    ndim = len(shape)
    x = da.from_array(a, chunks=data.draw(chunkings(shape)))
    axes = list(data.draw(st.permutations(range(ndim)), label="axes"))
    axes_neg = [ax - ndim if data.draw(st.booleans()) else ax for ax in axes]
    check(x.transpose(axes_neg), a.transpose(axes), exact=True)
    check(x.transpose(*axes), a.transpose(*axes), exact=True)
    check(da.transpose(x, axes), np.transpose(a, axes), exact=True)
    check(np.transpose(x), np.transpose(a), exact=True)
    check(x.T, a.T, exact=True)
    check(x.T.T, a, exact=True)
    check(x.transpose(axes).transpose(np.argsort(axes).tolist()), a, exact=True)
    if ndim:
        i, j = data.draw(st.integers(-ndim, ndim - 1)), data.draw(st.integers(-ndim, ndim - 1))
        check(x.swapaxes(i, j), a.swapaxes(i, j), exact=True)
        check(da.moveaxis(x, i, j), np.moveaxis(a, i, j), exact=True)
    # chunks move with the axes
    assert x.transpose(axes).chunks == tuple(x.chunks[ax] for ax in axes)


# ---------------------------------------------------------------- creation


@SETTINGS
@given(data=st.data(), shape=shapes(), kind=st.sampled_from(["ones", "zeros", "full", "empty_shape"]),
       dtype=st.sampled_from([None, np.float64, np.int32, np.bool_, np.float32]))
def test_filled_creation(data, shape, kind, dtype):
    chunks = data.draw(chunkings(shape), label="chunks")
    if kind == "full":
        fill = data.draw(st.sampled_from([3, 2.5, -1, True]), label="fill")
        x = da.full(shape, fill, dtype=dtype, chunks=chunks)
        expected = np.full(shape, fill, dtype=dtype)
    elif kind == "empty_shape":
        x = da.empty(shape, dtype=dtype or float, chunks=chunks)
        expected = np.empty(shape, dtype=dtype or float)
        assert x.shape == expected.shape and x.dtype == expected.dtype
        assert np.asarray(x.compute()).shape == shape
        return
    else:
        x = getattr(da, kind)(shape, dtype=dtype or float, chunks=chunks)
        expected = getattr(np, kind)(shape, dtype=dtype or float)
    assert x.chunks == normalized_chunks(chunks, shape)
    check(x, expected, exact=True)
    idx = data.draw(basic_indices(shape), label="idx")
    check(x[idx], expected[idx], exact=True)
    like = getattr(da, (kind if kind != "full" else "ones") + "_like")(x)
    assert like.shape == x.shape and like.chunks == x.chunks


@SETTINGS
@given(data=st.data(), start=st.integers(-20, 20), stop=st.integers(-20, 40),
       step=st.sampled_from([1, 2, 3, -1, -2, 0.5, 1.5]), seed=seeds)
def test_arange(data, start, stop, step, seed):
    expected = np.arange(start, stop, step)
    chunks = data.draw(chunkings(expected.shape), label="chunks")
    x = da.arange(start, stop, step, chunks=chunks)
    check(x, expected, rtol=1e-12, atol=1e-12)
    idx = data.draw(basic_indices(expected.shape), label="idx")
    check(x[idx], expected[idx], rtol=1e-12, atol=1e-12)
    y = da.arange(stop, chunks=chunks if stop == len(expected) else "auto") if stop >= 0 else None
    if y is not None:
        check(y, np.arange(stop), exact=True)


@SETTINGS
@given(data=st.data(), start=st.floats(-10, 10), stop=st.floats(-10, 10), num=st.integers(0, 30),
       endpoint=st.booleans())
def test_linspace(data, start, stop, num, endpoint):
    expected = np.linspace(start, stop, num, endpoint=endpoint)
    chunks = data.draw(chunkings(expected.shape), label="chunks")
    x = da.linspace(start, stop, num, endpoint=endpoint, chunks=chunks)
    check(x, expected, rtol=1e-12, atol=1e-12)
    idx = data.draw(basic_indices(expected.shape), label="idx")
    check(x[idx], expected[idx], rtol=1e-12, atol=1e-12)


@SETTINGS
@given(data=st.data(), N=st.integers(0, 12), M=st.one_of(st.none(), st.integers(0, 12)), k=st.integers(-14, 14),
       dtype=st.sampled_from([float, int, bool]))
def test_eye(data, N, M, k, dtype):
    expected = np.eye(N, M, k=k, dtype=dtype)
    chunks = data.draw(chunkings(expected.shape), label="chunks")
    x = da.eye(N, chunks=chunks, M=M, k=k, dtype=dtype)
    check(x, expected, exact=True)
    idx = data.draw(basic_indices(expected.shape), label="idx")
    check(x[idx], expected[idx], exact=True)
    check((x + 1)[idx].T, (expected + 1)[idx].T, exact=True)


# ------------------------------------------------------------------ blocks


@SETTINGS
@given(data=st.data(), shape=shapes(min_dims=1), seed=seeds)
def test_blocks(data, shape, seed):
    a = np_data(shape, seed)
    x = da.from_array(a, chunks=data.draw(chunkings(shape), label="chunks"))
    bidx = data.draw(block_indices(x.numblocks), label="bidx")
    eidx = block_index_to_slices(bidx, x.chunks)
    y = x.blocks[bidx]
    check(y, a[eidx], exact=True)
    check((x * 3).blocks[bidx], (a * 3)[eidx], exact=True)
    assert x.blocks.shape == x.numblocks


@FEW
@given(data=st.data(), shape=shapes(min_dims=1), seed=seeds)
def test_blocks_chunks_are_the_original_blocks(data, shape, seed):
    a = np_data(shape, seed)
    x = da.from_array(a, chunks=data.draw(chunkings(shape), label="chunks"))
    bidx = data.draw(block_indices(x.numblocks), label="bidx")
    idx = bidx if isinstance(bidx, tuple) else (bidx,)
    y = x.blocks[bidx]
    for j, e in enumerate(idx):
        c = x.chunks[j]
        if isinstance(e, slice):
            assert y.chunks[j] == tuple(c[i] for i in range(*e.indices(len(c)))) or (
                len(range(*e.indices(len(c)))) == 0 and sum(y.chunks[j]) == 0)
        else:
            assert y.chunks[j] == (c[e],)


# ------------------------------------------------------------------ random

RANDOM_METHODS = ["random", "standard_normal", "normal", "uniform", "integers"]


def _draw_random(rng, method, shape, chunks):
    if method == "normal":
        return rng.normal(1.0, 2.0, size=shape, chunks=chunks)
    if method == "uniform":
        return rng.uniform(-1, 3, size=shape, chunks=chunks)
    if method == "integers":
        return rng.integers(0, 1000, size=shape, chunks=chunks)
    return getattr(rng, method)(size=shape, chunks=chunks)


@SETTINGS
@given(data=st.data(), shape=shapes(), seed=seeds, method=st.sampled_from(RANDOM_METHODS))
def test_random_slice_pushdown_keeps_numbers(data, shape, seed, method):
    chunks = data.draw(chunkings(shape), label="chunks")
    rng = da.random.default_rng(seed)
    x = _draw_random(rng, method, shape, chunks)
    full = x.compute()
    assert full.shape == shape
    # recomputing gives the same numbers; a fresh generator with the same seed too
    np.testing.assert_array_equal(x.compute(), full)
    np.testing.assert_array_equal(_draw_random(da.random.default_rng(seed), method, shape, chunks).compute(), full)
    idx = data.draw(basic_indices(shape), label="idx")
    check(x[idx], full[idx], exact=True)
    i2 = data.draw(basic_indices(full[idx].shape), label="idx2")
    check(x[idx][i2], full[idx][i2], exact=True)
    check((x * 2)[idx], (full * 2)[idx], exact=True)
    if x.ndim >= 2:
        idx_t = data.draw(basic_indices(full.T.shape), label="idx_t")
        check(x.T[idx_t], full.T[idx_t], exact=True)


@FEW
@given(data=st.data(), shape=shapes(min_dims=1), seed=seeds)
def test_random_rechunk_slice_keeps_numbers(data, shape, seed):
    x = da.random.default_rng(seed).random(shape, chunks=data.draw(chunkings(shape), label="c1"))
    full = x.compute()
    y = x.rechunk(data.draw(chunkings(shape), label="c2"))
    idx = data.draw(basic_indices(shape), label="idx")
    check(y[idx], full[idx], exact=True)


@FEW
@given(data=st.data(), shape=shapes(), seed=seeds)
def test_legacy_random(data, shape, seed):
    chunks = data.draw(chunkings(shape), label="chunks")
    rs = da.random.RandomState(seed)
    x = rs.random_sample(shape, chunks=chunks)
    full = x.compute()
    assert full.shape == shape and full.dtype == np.float64
    assert ((full >= 0) & (full < 1)).all()
    idx = data.draw(basic_indices(shape), label="idx")
    check(x[idx], full[idx], exact=True)
    y = da.random.random(shape, chunks=chunks)
    fy = y.compute()
    check(y[idx], fy[idx], exact=True)


# --------------------------------------------------------------- map_blocks


def _tag_block(block, block_id=None):
    return block + 1000.0 * block_id[0] + 10.0 * block_id[-1]


def _expected_tagged(a, chunks):
    out = a.copy()
    bounds = [np.concatenate([[0], np.cumsum(c)]).astype(int) for c in chunks]
    for bid in np.ndindex(*[len(c) for c in chunks]):
        region = tuple(slice(b[i], b[i + 1]) for b, i in zip(bounds, bid))
        out[region] = out[region] + 1000.0 * bid[0] + 10.0 * bid[-1]
    return out


@SETTINGS
@given(data=st.data(), shape=shapes(min_dims=1), seed=seeds)
def test_map_blocks_block_id(data, shape, seed):
    a = np_data(shape, seed)
    x = da.from_array(a, chunks=data.draw(chunkings(shape), label="chunks"))
    y = x.map_blocks(_tag_block, dtype=x.dtype)
    expected = _expected_tagged(a, x.chunks)
    check(y, expected, rtol=1e-12)
    check(da.map_blocks(_tag_block, x + 1, dtype=x.dtype), _expected_tagged(a + 1, x.chunks), rtol=1e-12)
    # slicing after map_blocks must keep the original block ids
    idx = data.draw(basic_indices(shape), label="idx")
    check(y[idx], expected[idx], rtol=1e-12)
    check((y * 2)[idx], (expected * 2)[idx], rtol=1e-12)


@FEW
@given(data=st.data(), shape=shapes(min_dims=1), seed=seeds)
def test_map_blocks_plain(data, shape, seed):
    a = np_data(shape, seed)
    x = da.from_array(a, chunks=data.draw(chunkings(shape), label="chunks"))
    check(x.map_blocks(np.cos), np.cos(a), rtol=1e-12)
    check(da.map_blocks(lambda b, c: b * c, x, 3.0, dtype=np.float64), a * 3.0, rtol=1e-12)
    check(x.map_blocks(lambda b: (b * 10).astype(np.int16), dtype=np.int16), (a * 10).astype(np.int16), exact=True)
    idx = data.draw(basic_indices(shape), label="idx")
    check(x.map_blocks(np.exp)[idx], np.exp(a)[idx], rtol=1e-12)


@FEW
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=2), seed=seeds)
def test_map_blocks_new_and_drop_axis(data, shape, seed):
    a = np_data(shape, seed)
    # one block along axis 0 (required by drop_axis=0), random chunks elsewhere
    chunks = (-1, *(data.draw(st.integers(1, max(s, 1)), label="c") for s in shape[1:]))
    x = da.from_array(a, chunks=chunks)
    # drop axis 0 (a single block there)
    y = x.map_blocks(lambda b: b.sum(axis=0), drop_axis=0, dtype=x.dtype)
    check(y, a.sum(axis=0), rtol=1e-12)
    z = x.map_blocks(lambda b: b[None], new_axis=0, dtype=x.dtype)
    check(z, a[None], exact=True)


# ----------------------------------------------------- persist / dask.compute


@FEW
@given(data=st.data(), shape=shapes(), seed=seeds)
def test_persist_and_dask_compute(data, shape, seed):
    a = np_data(shape, seed)
    x = da.from_array(a, chunks=data.draw(chunkings(shape)))
    y = (x + 1) * 2
    p = y.persist()
    check(p, (a + 1) * 2, rtol=1e-12)
    idx = data.draw(basic_indices(shape), label="idx")
    check(p[idx], ((a + 1) * 2)[idx], rtol=1e-12)
    r1, r2 = dask.compute(y, y[idx])
    np.testing.assert_allclose(r1, (a + 1) * 2, rtol=1e-12)
    np.testing.assert_allclose(r2, ((a + 1) * 2)[idx], rtol=1e-12)


# ------------------------------------------- fixed examples (found by the properties above)
# Deterministic versions of counterexamples hypothesis found, so they are checked on every run.


def _sources_1d():
    a = np.arange(4.0)
    return {
        "from_array": (lambda: da.from_array(a, chunks=2), a),
        "ones": (lambda: da.ones(4, chunks=2), np.ones(4)),
        "arange": (lambda: da.arange(4, chunks=2), np.arange(4)),
    }


@pytest.mark.parametrize("source", ["from_array", "ones", "arange"])
@pytest.mark.parametrize(
    "i1, i2",
    [
        (slice(1, 2), slice(-2, None, -1)),   # empty: start before the beginning, negative step
        (slice(0, 1), slice(-5, None, -1)),
        (slice(1, 3), slice(-3, None, -1)),
        (slice(None, None, -1), slice(-9, None, -2)),
        (slice(1, 2), slice(None, None, -1)),
    ],
)
def test_nested_slice_with_negative_step(source, i1, i2):
    make, a = _sources_1d()[source]
    check(make()[i1][i2], a[i1][i2], exact=True)


def test_nested_slice_with_negative_step_random():
    x = da.random.default_rng(0).random((1, 1, 1), chunks=1)
    full = x.compute()
    check(x[..., 0, 0][-2::-1], full[..., 0, 0][-2::-1], exact=True)
    check(x[None][..., 0][-2::-1], full[None][..., 0][-2::-1], exact=True)


@pytest.mark.parametrize("args", [(4.0,), (0, 4.0), (0, 5, 1.0), (1.0, 5), (0, 3.5, 1), (np.float32(3),)])
def test_arange_dtype_follows_all_arguments(args):
    # numpy infers the dtype from start, stop and step together
    check(da.arange(*args, chunks=2), np.arange(*args), exact=True)


@pytest.mark.parametrize("kind", ["nanargmin", "nanargmax"])
@pytest.mark.parametrize("chunks", [1, 2])
def test_nanarg_with_an_all_nan_block(kind, chunks):
    # numpy only fails when a whole reduced slice is NaN, not when one block is
    a = np.array([np.nan, np.nan, 0.5, 0.25])
    x = da.from_array(a, chunks=chunks)
    check(getattr(da, kind)(x), getattr(np, kind)(a), exact=True)
    b = np.array([[np.nan, 0.3], [0.2, np.nan], [np.nan, np.nan], [0.9, 0.1]])
    y = da.from_array(b, chunks=1)
    check(getattr(da, kind)(y, axis=0), getattr(np, kind)(b, axis=0), exact=True)


@pytest.mark.parametrize("name", ["ones_like", "zeros_like", "empty_like", "full_like"])
def test_like_functions_on_hlq_arrays(name):
    x = da.from_array(np.arange(12.0).reshape(3, 4), chunks=(2, 3))
    args = (7,) if name == "full_like" else ()
    y = getattr(da, name)(x, *args)
    assert y.shape == x.shape and y.dtype == x.dtype and y.chunks == x.chunks
    if name != "empty_like":
        check(y, getattr(np, name)(np.arange(12.0).reshape(3, 4), *args), exact=True)


# ------------------------------------------------------------------ expression fuzzer
# Random expressions over every op family (tests/array_strategies.py: fuzz_sources), each
# computed with the default optimizer, with every excludable rule excluded, and by numpy.
# Budget: a few seconds in the normal run; ``--fuzz-long`` (20,000 expressions) or
# ``HLQ_FUZZ_EXAMPLES=N``.  A failure is shrunk by hypothesis to a minimal expression; with
# the long budget every mismatch is collected and reported at the end instead (the report
# gives the Python code of each expression).

import os as _os
from collections import Counter as _Counter

from hypothesis import Phase as _Phase

from array_strategies import FUZZ_DTYPES, fuzz_sources, index_entry, known  # noqa: E402


def fuzz_budget(default, long):
    if _os.environ.get("HLQ_FUZZ_EXAMPLES"):
        return int(_os.environ["HLQ_FUZZ_EXAMPLES"])
    return long if _os.environ.get("HLQ_FUZZ_LONG") else default


FUZZ_LONG = bool(_os.environ.get("HLQ_FUZZ_LONG") or _os.environ.get("HLQ_FUZZ_EXAMPLES"))
FUZZ_SETTINGS = settings(
    max_examples=fuzz_budget(60, 20_000), deadline=None, database=None, derandomize=not FUZZ_LONG,
    suppress_health_check=list(HealthCheck),
    phases=[_Phase.explicit, _Phase.generate, _Phase.shrink] if not FUZZ_LONG else [_Phase.generate],
)
FUZZ_STATS: _Counter = _Counter()
FUZZ_FAILURES: list = []


class _Skip(Exception):
    """numpy has no answer for this expression (it raised): drawn again."""


def _all_excludable():
    from hlq.rules import all_rules

    return sorted(r.name for r in all_rules() if r.excludable)


def _np_side(f):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = f()
        except Exception as e:  # numpy raised: no answer to compare with
            raise _Skip(repr(e)) from None
    return np.asarray(out)


_REAL = "biuf"


def _dt(a):
    return a.dtype.kind


def _axis(data, ndim, allow_none=True):
    choices = list(range(-ndim, ndim)) + ([None] if allow_none else [])
    if not choices:
        raise _Skip("0-d")
    return data.draw(st.sampled_from(choices), label="axis")


UNARY_FUZZ = ["negative", "abs", "sqrt", "exp", "sin", "isnan", "isfinite", "square", "sign", "log1p", "floor",
              "conj", "positive", "reciprocal", "logical_not", "invert", "real", "imag", "angle"]


def fz_unary(data, x, a):
    name = data.draw(st.sampled_from(UNARY_FUZZ), label="ufunc")
    via = data.draw(st.sampled_from(["da", "np"]), label="via")
    f = getattr(da, name) if via == "da" and hasattr(da, name) else getattr(np, name)
    return f"x = {'da' if f is getattr(da, name, None) else 'np'}.{name}(x)", lambda: f(x), lambda: getattr(np, name)(a)


BINOPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "//": operator.floordiv,
          "%": operator.mod, "**": operator.pow, "<": operator.lt, "==": operator.eq, "!=": operator.ne,
          "&": operator.and_, "|": operator.or_, "^": operator.xor}
SCALARS = ["2", "-1", "0.5", "True", "np.float32(1.5)", "np.int8(3)", "(1-2j)", "0"]


def fz_scalar(data, x, a):
    sym = data.draw(st.sampled_from(sorted(BINOPS)), label="op")
    s = data.draw(st.sampled_from(SCALARS), label="scalar")
    v = eval(s)
    op = BINOPS[sym]
    if data.draw(st.booleans(), label="reflected"):
        return f"x = {s} {sym} x", lambda: op(v, x), lambda: op(v, a)
    return f"x = x {sym} {s}", lambda: op(x, v), lambda: op(a, v)


def fz_binary_self(data, x, a):
    sym = data.draw(st.sampled_from(sorted(BINOPS) + ["maximum", "minimum", "arctan2", "hypot"]), label="op")
    op = BINOPS[sym] if sym in BINOPS else getattr(np, sym)
    kind = data.draw(st.sampled_from(["self", "reversed", "numpy-last-axis", "rechunked"]), label="other")
    if kind == "self" or a.ndim == 0:
        return f"x = ({sym})(x, x)", lambda: op(x, x), lambda: op(a, a)
    if kind == "reversed":
        if not known(x):
            return f"x = ({sym})(x, x)", lambda: op(x, x), lambda: op(a, a)
        idx = (slice(None),) * (a.ndim - 1) + (slice(None, None, -1),)
        return f"x = ({sym})(x, x[..., ::-1])", lambda: op(x, x[idx]), lambda: op(a, a[idx])
    if kind == "rechunked" and known(x):
        c = data.draw(chunkings(a.shape), label="chunks2")
        return f"x = ({sym})(x, x.rechunk({c!r}))", lambda: op(x, x.rechunk(c)), lambda: op(a, a)
    b = np.arange(1, a.shape[-1] + 1, dtype=np.int16) % 4 - 1
    return (f"x = ({sym})(x, np.arange(1, {a.shape[-1] + 1}, dtype=np.int16) % 4 - 1)",
            lambda: op(x, b), lambda: op(a, b))


def fz_astype(data, x, a):
    t = data.draw(st.sampled_from(FUZZ_DTYPES + ["int8", "float16"]), label="dtype")
    return f"x = x.astype({t!r})", lambda: x.astype(t), lambda: a.astype(t)


REDUCTIONS = ["sum", "prod", "mean", "min", "max", "std", "var", "any", "all", "argmax", "argmin", "nansum",
              "nanmean", "nanmin", "nanmax", "nanstd", "nanvar", "nanargmax", "nanargmin", "nanprod",
              "count_nonzero", "ptp", "median", "nanmedian"]
_NO_KEEPDIMS = {"argmax", "argmin", "nanargmax", "nanargmin", "count_nonzero", "median", "nanmedian"}


def fz_reduction(data, x, a):
    name = data.draw(st.sampled_from(REDUCTIONS), label="reduction")
    if _complex_products_of_non_finite(name, a):
        raise _Skip("complex products of non-finite values")
    if name in ("median", "nanmedian"):  # dask needs an axis for these
        axis = _axis(data, a.ndim, allow_none=False)
    else:
        axis = _axis(data, a.ndim)
    kw = {"axis": axis}
    if name not in _NO_KEEPDIMS and data.draw(st.booleans(), label="keepdims"):
        kw["keepdims"] = True
    if name in ("std", "var", "nanstd", "nanvar") and data.draw(st.booleans(), label="ddof"):
        kw["ddof"] = 1
    if name in ("median", "nanmedian") and not known(x):
        raise _Skip("median needs known chunks")
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    return f"x = da.{name}(x, {args})", lambda: getattr(da, name)(x, **kw), lambda: getattr(np, name)(a, **kw)


SCANS = ["cumsum", "cumprod", "nancumsum", "nancumprod"]


def _complex_products_of_non_finite(name, a):
    """Complex products of inf/nan depend on how they are grouped ((a*b)*c vs a*(b*c)): chunked
    scans and reductions group them differently from numpy."""
    return "prod" in name and a.dtype.kind == "c" and not np.isfinite(a).all()


def fz_scan(data, x, a):
    name = data.draw(st.sampled_from(SCANS), label="scan")
    if _complex_products_of_non_finite(name, a):
        raise _Skip("complex products of non-finite values")
    axis = _axis(data, a.ndim)
    if axis is None and a.ndim > 1 and not known(x):
        raise _Skip("flattening scan of unknown chunks")
    return f"x = da.{name}(x, axis={axis})", lambda: getattr(da, name)(x, axis=axis), lambda: getattr(np, name)(a, axis=axis)


def fz_basic_index(data, x, a):
    if not known(x):
        if a.ndim < 2:
            raise _Skip("unknown")
        idx = (slice(None), data.draw(index_entry(a.shape[1]), label="idx1"))
    else:
        idx = data.draw(basic_indices(a.shape), label="index")
    return f"x = x[{idx!r}]", lambda: x[idx], lambda: a[idx]


def fz_fancy_index(data, x, a):
    if a.ndim == 0:
        raise _Skip("0-d")
    k = data.draw(st.integers(0, a.ndim - 1), label="axis")
    if not known(x) and k == 0:
        k = a.ndim - 1
        if k == 0:
            raise _Skip("unknown")
    n = a.shape[k]
    ints = data.draw(st.lists(st.integers(-n, n - 1), max_size=6), label="ints") if n else []
    arr = np.array(ints, dtype=np.int64)
    idx = (slice(None),) * k + (arr,)
    return f"x = x[{(slice(None),) * k!r} + (np.array({ints!r}),)]", lambda: x[idx], lambda: a[idx]


def fz_bool_index(data, x, a):
    if a.ndim == 0:
        raise _Skip("0-d")
    kind = data.draw(st.sampled_from(["numpy-axis0", "hlq-elementwise", "hlq-axis0"]), label="mask")
    if kind == "numpy-axis0" and known(x):
        m = np.random.default_rng(a.shape[0]).random(a.shape[0]) < 0.5
        return f"x = x[np.random.default_rng({a.shape[0]}).random({a.shape[0]}) < 0.5]", lambda: x[m], lambda: a[m]
    if kind == "hlq-axis0" and a.ndim >= 1 and a.dtype.kind in "biuf":
        col = (slice(None),) + (0,) * (a.ndim - 1)
        if 0 in a.shape[1:]:
            raise _Skip("empty")
        return "x = x[x[:, 0...] > 0]  # mask from the data", lambda: x[x[col] > 0], lambda: a[a[col] > 0]
    if not known(x) and a.ndim > 1:
        # dask (and hlq, with a warning) give such elements in block order, not numpy's
        raise _Skip("n-d mask over unknown chunks")
    if a.dtype.kind in "biuf":
        return "x = x[x > 0]", lambda: x[x > 0], lambda: a[a > 0]
    return "x = x[da.isfinite(x)]", lambda: x[da.isfinite(x)], lambda: a[np.isfinite(a)]


def fz_reshape(data, x, a):
    if not known(x):
        raise _Skip("unknown")
    size = a.size
    cands = [(-1,), (size,), (1, size), (size, 1)]
    for d in range(2, 5):
        if size and size % d == 0:
            cands += [(d, -1), (-1, d)]
    if a.ndim >= 2:
        cands.append((a.shape[0], -1))
        cands.append(a.shape[:-2] + (a.shape[-2] * a.shape[-1],))
    shape = data.draw(st.sampled_from(cands), label="shape")
    return f"x = x.reshape({shape!r})", lambda: x.reshape(shape), lambda: a.reshape(shape)


def fz_transpose(data, x, a):
    kind = data.draw(st.sampled_from(["T", "perm", "swapaxes", "moveaxis", "newaxis", "squeeze"]), label="kind")
    nd = a.ndim
    if kind == "perm":
        axes = data.draw(st.permutations(range(nd)), label="axes")
        return f"x = x.transpose({axes!r})", lambda: x.transpose(axes), lambda: a.transpose(axes)
    if kind in ("swapaxes", "moveaxis") and nd:
        i, j = _axis(data, nd, False), _axis(data, nd, False)
        f = "swapaxes" if kind == "swapaxes" else "moveaxis"
        return f"x = da.{f}(x, {i}, {j})", lambda: getattr(da, f)(x, i, j), lambda: getattr(np, f)(a, i, j)
    if kind == "newaxis":
        return "x = x[None]", lambda: x[None], lambda: a[None]
    if kind == "squeeze":
        if not known(x):
            raise _Skip("squeeze cannot see length-1 axes of unknown size")
        return "x = x.squeeze()", lambda: x.squeeze(), lambda: a.squeeze()
    return "x = x.T", lambda: x.T, lambda: a.T


def fz_join(data, x, a):
    kind = data.draw(st.sampled_from(["concatenate", "stack", "hstack", "vstack", "append"]), label="join")
    if kind == "stack":
        axis = data.draw(st.integers(-a.ndim - 1, a.ndim), label="axis")
        return (f"x = da.stack([x, x * 2], axis={axis})", lambda: da.stack([x, x * 2], axis=axis),
                lambda: np.stack([a, a * 2], axis=axis))
    if kind == "concatenate":
        if a.ndim == 0:
            raise _Skip("0-d")
        axis = _axis(data, a.ndim, False)
        return (f"x = da.concatenate([x, x + 1], axis={axis})",
                lambda: da.concatenate([x, x + 1], axis=axis), lambda: np.concatenate([a, a + 1], axis=axis))
    if kind == "append":
        return "x = da.append(x, x)", lambda: da.append(x, x), lambda: np.append(a, a)
    f = kind
    return f"x = da.{f}([x, x])", lambda: getattr(da, f)([x, x]), lambda: getattr(np, f)([a, a])


def fz_rechunk(data, x, a):
    if not known(x):
        raise _Skip("unknown")
    c = data.draw(st.one_of(chunkings(a.shape), st.sampled_from(["auto", -1])), label="chunks")
    return f"x = x.rechunk({c!r})", lambda: x.rechunk(c), lambda: a


def fz_linalg(data, x, a):
    if a.ndim == 0 or not known(x):
        raise _Skip("0-d or unknown")
    if a.dtype.kind in "fc" and not np.isfinite(a).all():
        # inf/nan in products and sums of products depend on the order of operations (complex
        # arithmetic, and BLAS kernels that skip multiplications by zero): no single answer
        raise _Skip("non-finite inputs")
    kind = data.draw(st.sampled_from(["matmul-T", "tensordot-all", "tensordot-1", "dot-numpy", "outer-like"]),
                     label="kind")
    if kind == "matmul-T":
        if a.ndim == 1:
            return "x = x @ x", lambda: x @ x, lambda: a @ a
        return "x = x @ x.swapaxes(-1, -2)", lambda: x @ x.swapaxes(-1, -2), lambda: a @ a.swapaxes(-1, -2)
    if kind == "tensordot-all":
        n = a.ndim
        return (f"x = da.tensordot(x, x, axes={n})", lambda: da.tensordot(x, x, axes=n),
                lambda: np.tensordot(a, a, axes=n))
    if kind == "tensordot-1":
        k = data.draw(st.integers(0, a.ndim - 1), label="k")
        return (f"x = da.tensordot(x, x, axes=([{k}], [{k}]))", lambda: da.tensordot(x, x, axes=([k], [k])),
                lambda: np.tensordot(a, a, axes=([k], [k])))
    if kind == "dot-numpy":
        b = (np.arange(a.shape[-1] * 2) % 3 - 1).reshape(a.shape[-1], 2).astype(np.int32)
        return "x = x @ np_b (int32 shape (n, 2))", lambda: x @ b, lambda: a @ b
    return "x = x[..., None] * x[None]", lambda: x[..., None] * x[None], lambda: a[..., None] * a[None]


def _stencil(b, axis=0):
    return b + np.roll(b, 1, axis=axis) - np.roll(b, -1, axis=axis)


def fz_overlap(data, x, a):
    if a.ndim == 0 or not known(x) or 0 in a.shape:
        raise _Skip("0-d, empty or unknown")
    axis = data.draw(st.integers(0, a.ndim - 1), label="axis")
    if min(x.chunks[axis]) < 1:
        raise _Skip("empty chunk")
    if a.dtype.kind not in "iufc":
        raise _Skip("bool")
    boundary = data.draw(st.sampled_from(["constant0", "periodic", "reflect", "nearest"]), label="boundary")
    mode = {"constant0": "constant", "periodic": "wrap", "reflect": "symmetric", "nearest": "edge"}[boundary]
    bnd = 0 if boundary == "constant0" else boundary

    def np_side():
        pad = [(0, 0)] * a.ndim
        pad[axis] = (1, 1)
        p = np.pad(a, pad, mode=mode)
        sl = [slice(None)] * a.ndim
        sl[axis] = slice(1, -1)
        return _stencil(p, axis)[tuple(sl)]

    return (f"x = x.map_overlap(_stencil, depth={{{axis}: 1}}, boundary={bnd!r}, axis={axis})",
            lambda: x.map_overlap(_stencil, depth={axis: 1}, boundary=bnd, axis=axis), np_side)


def fz_map_blocks(data, x, a):
    kind = data.draw(st.sampled_from(["ufunc", "lambda", "where", "clip", "round"]), label="kind")
    if kind == "ufunc":
        return "x = x.map_blocks(np.square)", lambda: x.map_blocks(np.square), lambda: np.square(a)
    if kind == "lambda":
        return ("x = x.map_blocks(lambda b: b * 2 + 1)", lambda: x.map_blocks(lambda b: b * 2 + 1),
                lambda: a * 2 + 1)
    if kind == "clip":
        if a.dtype.kind == "c":
            raise _Skip("complex clip")
        return "x = x.clip(-1, 2)", lambda: x.clip(-1, 2), lambda: a.clip(-1, 2)
    if kind == "round":
        return "x = da.round(x, 1)", lambda: da.round(x, 1), lambda: np.round(a, 1)
    return ("x = da.where(da.isfinite(x), x, 0)", lambda: da.where(da.isfinite(x), x, 0),
            lambda: np.where(np.isfinite(a), a, 0))


FUZZ_OPS = {f.__name__[3:]: f for f in (fz_unary, fz_scalar, fz_binary_self, fz_astype, fz_reduction, fz_scan,
                                        fz_basic_index, fz_fancy_index, fz_bool_index, fz_reshape, fz_transpose,
                                        fz_join, fz_rechunk, fz_linalg, fz_overlap, fz_map_blocks)}


def _allowed_build_error(e, x):
    """hlq refusing at build time is allowed where dask refuses too: unknown chunk sizes, or an
    explicit NotImplementedError."""
    if isinstance(e, NotImplementedError):
        return True
    msg = str(e).lower()
    return not known(x) and isinstance(e, (ValueError, IndexError, TypeError)) and (
        "unknown" in msg or "nan" in msg)


def _fuzz_compare(got, exp):
    assert got.shape == exp.shape, (got.shape, exp.shape)
    assert got.dtype == exp.dtype, (got.dtype, exp.dtype)
    if exp.dtype.kind in "biuSUOmM":
        np.testing.assert_array_equal(got, exp)
        return
    finite = np.abs(exp[np.isfinite(exp)]) if exp.size else np.zeros(0)
    scale = float(finite.max()) if finite.size else 1.0
    low = exp.dtype in (np.float32, np.complex64, np.float16)
    rtol = 2e-3 if exp.dtype == np.float16 else (1e-4 if low else 1e-7)
    np.testing.assert_allclose(got, exp, rtol=rtol, atol=rtol * max(scale, 1.0), equal_nan=True)


def run_array_fuzz_case(data):
    """Draw one source and 1-4 operations; compare hlq (two optimizer settings) with numpy."""
    make, a, text = data.draw(fuzz_sources(), label="source")
    x = make()
    lines = [text]
    n_ops = data.draw(st.integers(1, 4), label="n_ops")
    for _ in range(n_ops):
        name = data.draw(st.sampled_from(sorted(FUZZ_OPS)), label="op")
        try:
            code, hlq_fn, np_fn = FUZZ_OPS[name](data, x, a)
            b = _np_side(np_fn)
        except _Skip:
            FUZZ_STATS["op skipped (no numpy answer)"] += 1
            continue
        lines.append(code)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                y = hlq_fn()
        except Exception as e:
            if _allowed_build_error(e, x):
                FUZZ_STATS["refused at build (allowed)"] += 1
                break
            FUZZ_STATS["mismatches"] += 1
            msg = ("hlq raised at build time where numpy computes:\n" + "\n".join(lines)
                   + f"\n-> {type(e).__name__}: {str(e)[:800]}")
            if FUZZ_LONG:
                FUZZ_FAILURES.append(msg)
                return
            raise AssertionError(msg) from e
        if not isinstance(y, da.Array):
            y = da.asarray(y) if not isinstance(y, (np.ndarray, np.generic)) else da.from_array(np.asarray(y))
        x, a = y, b
    FUZZ_STATS["expressions"] += 1
    FUZZ_STATS["operations"] += len(lines) - 1
    if FUZZ_STATS["expressions"] % 500 == 0:
        _write_fuzz_report()  # progress of a long run
    program = "\n".join(lines)
    for mode, cfg in (("default", {}), ("all excludable rules excluded", {"hlq.rules.exclude": _all_excludable()})):
        try:
            with dask.config.set(cfg), np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = np.asarray(x.compute())
            if known(x):
                assert got.shape == x.shape, ("declared shape", x.shape, got.shape)
            assert x.dtype == a.dtype, ("declared dtype", x.dtype, a.dtype)
            _fuzz_compare(got, a)
        except Exception as e:
            FUZZ_STATS["mismatches"] += 1
            msg = f"mode {mode}:\n{program}\n-> {type(e).__name__}: {str(e)[:800]}"
            if FUZZ_LONG:
                FUZZ_FAILURES.append(msg)
                return
            raise AssertionError(msg) from e


def _write_fuzz_report():
    """Counts and mismatches so far, as JSON in ``$HLQ_FUZZ_REPORT.array.json`` (if set)."""
    path = _os.environ.get("HLQ_FUZZ_REPORT")
    if path:
        import json

        with open(path + ".array.json", "w") as fh:
            json.dump({"stats": dict(FUZZ_STATS), "failures": FUZZ_FAILURES}, fh, indent=1)


@pytest.fixture(scope="module")
def fuzz_report():
    yield
    import sys

    print(f"\narray fuzz: {dict(FUZZ_STATS)}", file=sys.stderr)
    for f in FUZZ_FAILURES:
        print("---- mismatch\n" + f, file=sys.stderr)
    _write_fuzz_report()
    # the long budget collects mismatches instead of stopping at the first one
    assert not FUZZ_FAILURES, f"{len(FUZZ_FAILURES)} mismatches; first:\n{FUZZ_FAILURES[0]}"


@FUZZ_SETTINGS
@given(data=st.data())
def test_fuzz_array_expressions(fuzz_report, data):
    run_array_fuzz_case(data)
