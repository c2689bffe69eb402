"""``x[key] = value`` on hlq arrays (rebinding like dask): differential against numpy item assignment."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import hlq.array as da
from array_strategies import basic_indices, chunkings, shapes


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_basic_index_assignment_matches_numpy(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=8))
    chunks = data.draw(chunkings(shape))
    a = np.arange(int(np.prod(shape)), dtype="f8").reshape(shape)
    index = data.draw(basic_indices(shape, allow_none=False))
    region = a[index].shape
    value = data.draw(st.sampled_from(["scalar", "array"]))
    v = -1.5 if value == "scalar" or not region else -np.arange(int(np.prod(region)), dtype="f8").reshape(region)
    x = da.from_array(a.copy(), chunks=chunks)
    before = type(x)(x.node)  # a second handle on the old plan (x is rebound in place)
    x[index] = v
    expected = a.copy()
    expected[index] = v
    np.testing.assert_array_equal(x.compute(), expected)
    np.testing.assert_array_equal(before.compute(), a)  # the old plan is untouched
    assert x.chunks == before.chunks


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_boolean_mask_assignment_matches_numpy(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=8))
    chunks = data.draw(chunkings(shape))
    a = np.random.default_rng(data.draw(st.integers(0, 9))).random(shape)
    x = da.from_array(a, chunks=chunks)
    mask_kind = data.draw(st.sampled_from(["hlq", "numpy"]))
    x[(x < 0.4) if mask_kind == "hlq" else (a < 0.4)] = 0
    expected = a.copy()
    expected[expected < 0.4] = 0
    np.testing.assert_array_equal(x.compute(), expected)


def test_dtype_kept_and_errors():
    z = da.ones(4, chunks=2, dtype=int)
    z[z > 0] = 2.7
    assert z.dtype == np.int64 and z.compute().tolist() == [2, 2, 2, 2]
    with pytest.raises(ValueError):
        z[1:3] = np.ones(3)
    with pytest.raises(IndexError):
        z[7] = 1
    with pytest.raises(NotImplementedError):
        z[np.array([[0], [1]])] = 1  # a 2-d integer key
    with pytest.raises(IndexError):
        z[da.ones((4, 2), chunks=2, dtype=bool)] = 1


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_integer_and_boolean_array_key_on_one_axis_matches_numpy(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, min_side=1, max_side=8))
    chunks = data.draw(chunkings(shape))
    a = np.arange(int(np.prod(shape)), dtype="f8").reshape(shape)
    axis = data.draw(st.integers(0, len(shape) - 1))
    n = shape[axis]
    if data.draw(st.booleans()):
        k = data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=6))  # repeats: the last wins
    else:
        k = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    key = (slice(None),) * axis + (k,)
    region = a[key].shape
    v = -1.5 if data.draw(st.booleans()) or not region else -np.arange(int(np.prod(region)), dtype="f8").reshape(region)
    x = da.from_array(a.copy(), chunks=chunks)
    x[key] = v
    a[key] = v
    np.testing.assert_array_equal(x.compute(), a)


def test_array_keys_from_hlq_and_hlq_scalar_values():
    a = np.arange(60).reshape(6, 10)
    m = [False, False, True, True, False, False, True, False, False, True]
    x = da.from_array(a.copy(), chunks=(4, 6))
    x[4, da.from_array(m)] = -1
    x[da.asarray([2, 3])] = -3
    x[[0, 5], 1] = da.array(7)
    e = a.copy()
    e[4, np.array(m)] = -1
    e[[2, 3]] = -3
    e[[0, 5], 1] = 7
    np.testing.assert_array_equal(x.compute(), e)
    y = da.array([1, 2], dtype=np.int32)
    y[[True, False]] = 3.3
    assert y.dtype == np.int32 and y.compute().tolist() == [3, 2]
    with pytest.raises(IndexError, match="out of bounds"):
        x[[0, 6], 0] = 1
    with pytest.raises(ValueError):
        x[0, [True, True, True, False, False, False, False, False, False, False]] = [2, 3]
    with pytest.raises(ValueError, match="1 dimension"):
        x[x > 1] = x


def test_hlq_array_values_into_basic_and_array_keys():
    x = np.arange(60).reshape(6, 10)
    cases = [
        (lambda a: (slice(3, 5), slice(5, 1, -2)), lambda a: -a[:2, 4:1:-2]),
        (lambda a: (0, slice(1, 3)), lambda a: -a[0, 4:2:-1]),
        (lambda a: Ellipsis, lambda a: a),
        (lambda a: 0, lambda a: a[-1]),
        (lambda a: (slice(None), 1), lambda a: a[:, -3]),
        (lambda a: (slice(None), [0, 2]), lambda a: a[:, :2]),
        (lambda a: (slice(None), [9, 8, 8]), lambda a: a[:, :3]),  # repeated position: the last value wins
    ]
    for key, val in cases:
        dx = da.from_array(x, chunks=(2, 3))
        dx[key(dx)] = val(dx)
        expected = x.copy()
        expected[key(expected)] = val(expected)
        np.testing.assert_array_equal(dx.compute(), expected)


def test_hlq_index_keys_with_array_values():
    x = np.arange(60).reshape(6, 10)
    index = da.where(da.arange(3, chunks=1) < 2)[0]  # unknown chunks
    dx = da.from_array(x, chunks=(2, 3))
    dx[index, 7] = [-23, -33]
    expected = x.copy()
    expected[[0, 1], 7] = [-23, -33]
    np.testing.assert_array_equal(dx.compute(), expected)
    dx = da.from_array(x, chunks=(2, 3))
    dx[:, da.from_array([0, 2], chunks=2)] = dx[:, :2]
    expected = x.copy()
    expected[:, [0, 2]] = x[:, :2]
    np.testing.assert_array_equal(dx.compute(), expected)


def test_setitem_zero_d_masked_and_value_errors():
    d = da.from_array(np.array(9))
    d[()] = -1
    assert d.compute() == -1
    d[...] = -11
    assert d.compute() == -11

    x = np.ma.arange(60).reshape(6, 10)
    dx = da.from_array(x.data, chunks=(2, 3))
    x[1, 1:7:2] = np.ma.masked
    dx[1, 1:7:2] = np.ma.masked
    out = dx.compute()
    assert isinstance(out, np.ma.MaskedArray)
    np.testing.assert_array_equal(np.ma.getmaskarray(out), x.mask)

    i = da.ones((3, 3), dtype=int, chunks=2)
    with pytest.raises(ValueError, match="NaN"):
        i[:, 1] = np.nan
    with pytest.raises(ValueError, match="infinity"):
        i[:, 1] = np.inf
    y = da.ones(4, chunks=2)
    with pytest.raises(ValueError):
        y[np.array([True, True, True, False])] = [2, 3]
    with pytest.raises(ValueError):
        y[da.from_array(np.array([True, True, True, False]))] = [1, 2, 3, 4]
    with pytest.raises(IndexError):
        y[np.array([True, False, True])] = 5
    with pytest.raises(ValueError, match="Arrays chunk sizes are unknown"):
        u = da.unique(da.from_array(np.arange(10.0), chunks=5))
        u[0] = 0
    with pytest.raises(IndexError):
        da.ones((4, 4), chunks=2)[[[1, 2, 3]], 0] = 5
