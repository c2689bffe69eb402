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
        z[[0, 1]] = 1
    with pytest.raises(IndexError):
        z[da.ones((4, 2), chunks=2, dtype=bool)] = 1
