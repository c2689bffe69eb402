"""numpy functions on hlq arrays: dispatch to hlq, or compute with a FutureWarning (like dask)."""

import warnings

import numpy as np
import pytest

import hlq.array as da


def test_numpy_functions_stay_lazy_when_implemented():
    x = da.ones((4, 6), chunks=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for f in (np.sum, np.mean, np.transpose, np.ones_like, np.sin, np.round):
            assert isinstance(f(x), da.Array), f
        assert np.shape(x) == (4, 6) and np.ndim(x) == 2 and np.size(x) == 24
        assert np.size(x, axis=1) == 6
    np.testing.assert_array_equal(np.clip(x * 3, 0, 2).compute(), np.full((4, 6), 2.0))


def test_unimplemented_numpy_function_computes_with_warning():
    a = np.arange(12.0).reshape(3, 4)
    x = da.from_array(a, chunks=2)
    with pytest.warns(FutureWarning, match="not implemented by hlq.array"):
        out = np.sort(x)
    np.testing.assert_array_equal(out, np.sort(a))


def test_pickle_copy_inplace_and_complex_parts():
    import copy
    import pickle

    a = np.arange(12.0).reshape(3, 4)
    x = da.from_array(a, chunks=2) + 1
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(x)).compute(), a + 1)
    for c in (copy.deepcopy(x), copy.copy(x)):  # new collections on the same immutable plan
        assert c is not x and c.node is x.node
    y = x
    y += 1  # rebinds y to a new array, like dask
    np.testing.assert_array_equal(y.compute(), a + 2)
    np.testing.assert_array_equal(x.compute(), a + 1)
    z = x * (1 + 2j)
    np.testing.assert_array_equal(z.real.compute(), (a + 1))
    np.testing.assert_array_equal(z.imag.compute(), 2 * (a + 1))
    assert np.result_type(x, np.float32) == np.float64
