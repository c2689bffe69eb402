"""The ``Array`` collection API behaves like ``dask.array``'s: coercions, errors, attributes, ``x.blocks``.

Each test checks behaviour a dask user relies on (values, raised error types
and messages), not how hlq builds its plans.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from dask.array.core import PerformanceWarning

import hlq.array as da


def test_scalar_coercions_need_one_element():
    for x in (da.from_array(np.array(1), chunks=()), da.from_array(np.array([1]), chunks=1)):
        assert bool(x) is True and int(x) == 1 and float(x) == 1.0 and complex(x) == 1
    two = da.arange(2, chunks=2)
    for cast in (int, float, complex):
        with pytest.raises(TypeError, match="length-1"):
            cast(two)


def test_astype_rejects_unknown_keywords():
    x = da.ones((5, 5), chunks=2)
    with pytest.raises(TypeError, match="not_a_real_kwarg"):
        x.astype("i8", not_a_real_kwarg="foo")
    with pytest.raises(TypeError):
        x.astype("i8", casting="safe")
    np.testing.assert_array_equal(x.astype("i8", copy=False).compute(), np.ones((5, 5), "i8"))


def test_blocks_view_equality_ravel_and_errors():
    x = da.arange(10, chunks=2)
    bv = da.core.BlockView(x)
    assert x.blocks == bv and x.blocks != da.core.BlockView(da.arange(10, chunks=2))
    assert [b.compute().tolist() for b in bv.ravel()] == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]
    y = da.ones((4, 4), chunks=2).blocks
    with pytest.raises(ValueError, match="single list"):
        y[[0, 1], [0, 1]]
    with pytest.raises(ValueError, match="newaxis"):
        y[None, :, :]
    with pytest.raises(IndexError):
        y[100, 100]


def test_core_module_names():
    x = da.from_array(np.arange(10), chunks=5)
    np.testing.assert_array_equal(da.core.map_blocks(lambda a: a + 1, x, dtype=x.dtype).compute(), np.arange(1, 11))
    assert da.core.Array is da.Array and da.core.PerformanceWarning is PerformanceWarning


def test_chunk_count_blowup_warns():
    x = da.ones((20, 20), chunks=(20, 1))
    y = da.ones((20, 20), chunks=(1, 20))
    with pytest.warns(PerformanceWarning, match="factor of 20"):
        x + y
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x + x


def test_from_array_errors_and_warnings():
    dx = da.from_array(np.array([[1, 2], [3, 4]]), chunks=(1, 2))
    with pytest.raises(ValueError, match="already"):
        da.from_array(dx)

    class Collection(np.ndarray):
        def __dask_graph__(self):
            return {"bar": 1}

    c = Collection([1, 2, 3])
    with pytest.warns(UserWarning):
        da.from_array(c)
    with pytest.warns(UserWarning):
        da.array(c)


def test_from_array_is_a_snapshot():
    x = np.arange(60).reshape(6, 10)
    original = x.copy()
    dx = da.from_array(x, chunks=(2, 3))
    x[2:4, x[0] > 3] = -5
    np.testing.assert_array_equal(dx.compute(), original)


def test_from_array_lock_and_getitem():
    from dask.utils import SerializableLock

    class FussyLock(SerializableLock):
        def acquire(self, blocking=True, timeout=-1):
            if self.locked():
                raise RuntimeError("I am locked")
            return super().acquire(blocking, timeout)

    lock = FussyLock()
    d = da.from_array(np.arange(10), chunks=5, lock=lock)
    lock.acquire()
    with pytest.raises(RuntimeError):
        d.compute()
    lock.release()
    np.testing.assert_array_equal(d.compute(), np.arange(10))

    calls = []

    class Wrapped:
        def __init__(self, a):
            self.a, self.shape, self.dtype = a, a.shape, a.dtype

        def __getitem__(self, i):
            return self.a[i]

    def getitem(a, index):
        calls.append(index)
        return a[index]

    y = da.from_array(Wrapped(np.arange(10)), chunks=5, getitem=getitem)
    np.testing.assert_array_equal(y.compute(), np.arange(10))
    assert len(calls) == 2
    calls.clear()
    np.testing.assert_array_equal(da.from_array(np.arange(10), chunks=5, getitem=getitem).compute(), np.arange(10))
    assert calls == []  # numpy arrays are sliced directly, like dask


def test_asarray_uses_auto_chunks():
    import dask

    with dask.config.set({"array.chunk-size": "100 B"}):
        assert da.asarray(np.ones(1000)).npartitions > 1


def test_structured_field_access():
    x = np.array([(1, 1.0), (2, 2.0)], dtype=[("a", "i4"), ("b", "f4")])
    y = da.from_array(x, chunks=1)
    np.testing.assert_array_equal(y["a"].compute(), x["a"])
    assert y[["b", "a"]].dtype == x[["b", "a"]].dtype
    np.testing.assert_array_equal(y[["b", "a"]].compute(), x[["b", "a"]])
    data = np.ones((10, 5), dtype=[("col1", ("f4", (3, 2))), ("col2", ("f4", 3))])
    z = da.from_array(data, 5)
    assert z["col1"].shape == (10, 5, 3, 2) and z["col1"].dtype == np.float32
    np.testing.assert_array_equal(z["col2"].compute(), data["col2"])


def test_float_indices_raise_index_error():
    d = da.ones(5, chunks=3)
    for index in (1.5, slice(0, 1.5), [1, 1.5]):
        with pytest.raises(IndexError):
            d[index]
    with pytest.raises(TypeError):  # numpy's error type for float slice bounds too
        d[0:1.5]


def test_attributes_chunks_immutable_A_to_backend():
    x = da.ones(6, chunks=3)
    with pytest.raises(TypeError, match=r"rechunk\(2\)"):
        x.chunks = 2
    assert x.A is x
    assert x.to_backend() is x and x.to_backend("numpy") is x
    with pytest.raises(ValueError, match="No backend dispatch registered"):
        x.to_backend("missing")


def test_ufunc_rejects_unknown_keywords():
    with pytest.raises(TypeError, match=r"minimum.*foo"):
        da.minimum(da.ones(5, chunks=3), foo=None)


def test_binary_operators_defer_like_numpy():
    class OptOut:
        __array_ufunc__ = None

        def __radd__(self, other):
            return "radd"

    class HighPriority:
        __array_priority__ = da.Array.__array_priority__ + 1

        def __radd__(self, other):
            return "radd"

    class LowPriority:
        __array_priority__ = da.Array.__array_priority__ - 1

        def __radd__(self, other):
            return "radd"

    x = da.from_array(np.array([1, 2, 3]), chunks=3)
    assert x + OptOut() == "radd"
    assert x + HighPriority() == "radd"
    with pytest.raises(TypeError):
        x + LowPriority()


def test_gufunc_called_on_hlq_array():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 4, 4))
    x = da.from_array(a, chunks=(2, 4, 4))
    w, v = np.linalg._umath_linalg.eig(x)
    nw, nv = np.linalg._umath_linalg.eig(a)
    np.testing.assert_allclose(w.compute(), nw)
    np.testing.assert_allclose(v.compute(), nv)


def test_chunk_spec_edge_cases_and_unknown_shape_errors():
    x = da.from_array(np.array(2), chunks=0)  # a 0-d array ignores the chunk spec
    assert x.chunks == () and x.compute() == 2
    with pytest.raises(NotImplementedError):
        da.from_array(np.array(["a", "abc"], dtype=object), chunks="auto")
    y = da.from_array(np.arange(25), chunks=5)
    y = y[y > -1]
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        da.reshape(y, (5, 5))
    y.compute_chunk_sizes()
    assert da.reshape(y, (5, 5)).shape == (5, 5)


def test_integer_index_of_a_constant_array_is_a_numpy_scalar():
    import dask

    y = da.zeros(1)[0]
    assert isinstance(y.compute(), np.float64)
    with dask.config.set({"hlq.rules.exclude": ["slice_into_full"]}):
        assert isinstance(y.compute(), np.float64)
    assert da.ones((100, 100), chunks=10)[5, 7].compute() == 1.0
    assert isinstance(da.ones(()).compute(), np.ndarray)
    y[()] = 2
    assert isinstance(y.compute(), np.ndarray) and y.compute() == 2


def test_array_plugins_see_and_may_replace_new_arrays():
    import dask

    seen = []
    with dask.config.set(array_plugins=[seen.append]):
        x = da.ones(10, chunks=5)
        y = x + 1
    assert len(seen) == 2 and seen[0] is x and seen[1] is y
    with dask.config.set(array_plugins=[lambda a: a.compute()]):
        z = da.ones(10, chunks=5) + 1
    assert isinstance(z, np.ndarray) and (z == 2).all()
