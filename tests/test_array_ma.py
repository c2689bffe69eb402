"""hlq.array.ma (issue 3 part C): numpy.ma blocks through elementwise ops, slicing, rechunk, scans and reductions.

Differential against numpy.ma: masks and filled values must match, and
results keep numpy's types (``numpy.ma.masked`` for all-masked reductions).
"""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import hlq.array as da
from array_strategies import chunkings, shapes


def assert_ma_equal(result, expected):
    if expected is np.ma.masked:
        assert result is np.ma.masked
        return
    assert type(result) is type(expected), (type(result), type(expected))
    if isinstance(expected, np.ma.MaskedArray):
        np.testing.assert_array_equal(np.ma.getmaskarray(result), np.ma.getmaskarray(expected))
        np.testing.assert_allclose(np.ma.filled(result, 0), np.ma.filled(expected, 0), rtol=1e-10, equal_nan=True)
    else:
        np.testing.assert_allclose(result, expected, rtol=1e-10)


REDUCTIONS = ["sum", "prod", "mean", "var", "std", "min", "max", "any", "all", "argmin", "argmax"]


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_reductions_match_numpy_ma(data):
    shape = data.draw(shapes(min_dims=1, max_dims=2, min_side=1, max_side=9))
    chunks = data.draw(chunkings(shape))
    kind = data.draw(st.sampled_from(REDUCTIONS))
    x = np.random.default_rng(data.draw(st.integers(0, 99))).random(shape) * 10
    threshold = data.draw(st.sampled_from([-1.0, 3.0, 7.0, 11.0]))  # none, some, most masked
    mx = np.ma.masked_greater(x, threshold) if threshold >= 0 else np.ma.masked_less(x, 20.0)
    mdx = da.ma.masked_greater(da.from_array(x, chunks=chunks), threshold) if threshold >= 0 else \
        da.ma.masked_less(da.from_array(x, chunks=chunks), 20.0)
    axis = data.draw(st.sampled_from([None, 0, len(shape) - 1]))
    split_every = data.draw(st.sampled_from([None, 2]))
    if kind in ("argmin", "argmax"):
        if mx.mask.all() or (axis is not None and np.ma.getmaskarray(mx).all(axis=axis).any()):
            return  # numpy's choice among all-masked slices is an implementation detail
        assert_ma_equal(getattr(da, kind)(mdx, axis=axis, split_every=split_every).compute(),
                        getattr(np, kind)(mx, axis=axis))
        return
    keepdims = data.draw(st.booleans())
    res = getattr(da, kind)(mdx, axis=axis, keepdims=keepdims, split_every=split_every).compute()
    exp = getattr(np, kind)(mx, axis=axis, keepdims=keepdims)
    assert_ma_equal(res, exp)


@pytest.mark.parametrize("kind", ["sum", "mean", "std", "min", "max", "any"])
def test_all_masked_reduction_is_masked_constant(kind):
    x = np.ma.masked_array([1.0, 2.0, 3.0], mask=True)
    assert getattr(da, kind)(da.from_array(x, chunks=2)).compute() is np.ma.masked


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_blockwise_slicing_rechunk_scans_keep_masks(data):
    shape = data.draw(shapes(min_dims=2, max_dims=2, min_side=1, max_side=8))
    chunks = data.draw(chunkings(shape))
    x = np.arange(np.prod(shape), dtype="f8").reshape(shape) % 7
    mx = np.ma.masked_equal(x, 3)
    mdx = da.ma.masked_equal(da.from_array(x, chunks=chunks), 3)
    assert_ma_equal((mdx * 2 + 1).compute(), mx * 2 + 1)
    assert_ma_equal(mdx[1:, ::-1].compute(), mx[1:, ::-1])
    assert_ma_equal(mdx.rechunk(3).compute(), mx)
    assert_ma_equal(mdx.T.compute(), mx.T)
    axis = data.draw(st.sampled_from([0, 1]))
    assert_ma_equal(mdx.cumsum(axis=axis).compute(), mx.cumsum(axis=axis))
    assert_ma_equal(da.ma.filled(mdx, -1).compute(), np.ma.filled(mx, -1))


def test_creation_functions_match_numpy():
    x = np.array([-2, -1, 0, 1, 2] * 20).reshape((10, 10))
    y = np.array([-2, 0, 1, 1, 0] * 2)
    dx, dy = da.from_array(x, chunks=5), da.from_array(y, chunks=4)
    for a in (dx, x):
        for b in (dy, y):
            assert_ma_equal(da.ma.masked_greater(a, b).compute(), np.ma.masked_greater(x, y))
    for name in ["masked_greater", "masked_greater_equal", "masked_less", "masked_less_equal", "masked_equal",
                 "masked_not_equal"]:
        assert_ma_equal(getattr(da.ma, name)(dx, 0).compute(), getattr(np.ma, name)(x, 0))
    assert_ma_equal(da.ma.masked_where(dx > 1, dx).compute(), np.ma.masked_where(x > 1, x))
    assert_ma_equal(da.ma.masked_where(False, dx).compute(), np.ma.masked_where(False, x))
    assert_ma_equal(da.ma.masked_inside(dx, -1, 1).compute(), np.ma.masked_inside(x, -1, 1))
    assert_ma_equal(da.ma.masked_outside(dx, -1, 1).compute(), np.ma.masked_outside(x, -1, 1))
    assert_ma_equal(da.ma.masked_values(dx, -1).compute(), np.ma.masked_values(x, -1))
    f = x.astype("f8")
    f[0, 0] = f[7, 5] = np.nan
    df = da.from_array(f, chunks=5)
    assert_ma_equal(da.ma.masked_invalid(df).compute(), np.ma.masked_invalid(f))
    assert_ma_equal(da.ma.fix_invalid(da.ma.masked_greater(df, 0), fill_value=0).compute(),
                    np.ma.fix_invalid(np.ma.masked_greater(f, 0), fill_value=0))
    m = da.ma.masked_greater(dx, 0)
    np.testing.assert_array_equal(da.ma.getmaskarray(m).compute(), x > 0)
    np.testing.assert_array_equal(da.ma.getdata(m).compute(), x)
    np.testing.assert_array_equal(da.ma.getmaskarray(dx).compute(), np.zeros_like(x, bool))


def test_errors_match_dask():
    dx = da.from_array(np.arange(100).reshape(10, 10), chunks=5)
    with pytest.raises(ValueError):
        da.ma.masked_equal(dx, np.arange(10))
    with pytest.raises(ValueError):
        da.ma.masked_values(dx, np.arange(10))
    with pytest.raises(IndexError):
        da.ma.masked_where((dx > 2)[:, 0], dx)
    with pytest.raises(ValueError):
        da.ma.masked_array(dx, fill_value=dx)
    with pytest.raises(np.ma.MaskError):
        da.ma.masked_array(dx, mask=dx[:3, :3])
    m = da.ma.masked_greater(dx, 3)
    with pytest.raises(TypeError):
        da.ma.set_fill_value(m, 1e20)
    with pytest.raises(ValueError):
        da.ma.set_fill_value(m, dx)
    with pytest.raises(ValueError):
        da.ma.where(dx > 1, dx)


def test_masked_array_fill_value_count_average_like_where():
    data = np.arange(6).reshape((3, 2))
    mask = np.array([[True, False], [True, True], [False, True]])
    a = np.ma.array(data, mask=mask)
    d_a = da.ma.masked_array(data=data, mask=mask, chunks=2)
    assert_ma_equal(d_a.compute(), a)
    assert_ma_equal(da.ma.masked_array(da.from_array(data, chunks=2), mask=da.from_array(mask, chunks=2),
                                       fill_value=7, dtype="f8").compute(),
                    np.ma.masked_array(data, mask=mask, fill_value=7, dtype="f8"))
    assert d_a.compute().fill_value == a.fill_value
    for axis in (None, 0, 1):
        np.testing.assert_array_equal(da.ma.count(d_a, axis=axis).compute(), np.ma.count(a, axis=axis))
    np.testing.assert_array_equal(da.ma.count(d_a, keepdims=True).compute(), np.ma.count(a, keepdims=True))
    w = np.array([0.25, 0.75])
    for keepdims in (False, True):
        assert_ma_equal(da.ma.average(d_a, weights=da.from_array(w, chunks=1), axis=1, keepdims=keepdims).compute(),
                        np.ma.average(a, weights=w, axis=1, keepdims=keepdims))
    avg, scl = da.ma.average(d_a, axis=0, returned=True)
    e_avg, e_scl = np.ma.average(a, axis=0, returned=True)
    assert_ma_equal(avg.compute(), e_avg)
    np.testing.assert_array_equal(scl.compute(), e_scl)
    for name in ("ones_like", "zeros_like"):
        assert_ma_equal(getattr(da.ma, name)(d_a).compute(), getattr(np.ma.core, name)(a))
    np.testing.assert_array_equal(da.ma.getmaskarray(da.ma.empty_like(d_a)).compute(), mask)
    assert_ma_equal(da.ma.where(d_a > 2, d_a, 0).compute(), np.ma.where(a > 2, a, 0))
    m = da.ma.masked_greater(da.from_array(data, chunks=2), 3)
    da.ma.set_fill_value(m, -10)
    assert m.compute().fill_value == -10
    res = da.from_array(data, chunks=2) + a  # numpy.ma operand: the result is masked
    assert_ma_equal(res.compute(), data + a)
