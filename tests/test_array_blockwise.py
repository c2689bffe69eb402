"""``map_blocks`` and ``blockwise``: chunk inference, broadcasting, new and dropped axes, contractions.

Behaviour follows ``dask.array``; each case checks the chunks and the values
against numpy.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest

import hlq.array as da


def test_map_blocks_pairs_blocks_when_shapes_do_not_broadcast():
    # blocks pair up by position; a single block along an axis is reused
    dx = da.from_array(np.array([[1, 2, 3, 4]]), chunks=((1,), (2, 2)))
    dy = da.from_array(np.array([[10, 20], [30, 40]]), chunks=((1, 1), (2,)))
    r = da.map_blocks(lambda x, y: x + y, dx, dy)
    assert r.chunks == ((1, 1), (2, 2))
    np.testing.assert_array_equal(r.compute(), [[11, 22, 13, 24], [31, 42, 33, 44]])

    a = da.from_array(np.array([1, 2, 3]), 3)
    b = da.from_array(np.array([0, 1, 2, 0, 1, 2]), chunks=3)
    np.testing.assert_array_equal(da.map_blocks(operator.add, a, b, chunks=b.chunks).compute(), [1, 3, 5, 1, 3, 5])

    x = da.arange(400, chunks=100)
    y = da.arange(40, chunks=10)
    r = da.map_blocks(lambda a, b: np.array([a.max(), b.max()]), x, y, chunks=(2,), dtype=x.dtype)
    np.testing.assert_array_equal(r.compute(), [99, 9, 199, 19, 299, 29, 399, 39])


def test_map_blocks_block_info_with_block_broadcast():
    seen = {}

    def f(x, y, block_info=None):
        seen[block_info[None]["chunk-location"]] = (block_info[0]["chunk-location"], block_info[1]["chunk-location"])
        return x + y

    a = da.ones((3, 4), chunks=(3, 2))
    b = da.ones((6, 2), chunks=(3, 2))
    d = da.map_blocks(f, a, b, chunks=((3, 3), (2, 2)), dtype=a.dtype)
    np.testing.assert_array_equal(d.compute(scheduler="sync"), 2 * np.ones((6, 4)))
    assert seen == {(0, 0): ((0, 0), (0, 0)), (0, 1): ((0, 1), (0, 0)),
                    (1, 0): ((0, 0), (1, 0)), (1, 1): ((0, 1), (1, 0))}


def test_map_blocks_new_axis_inferred_from_chunks():
    x = da.ones((5, 3), chunks=(2, 2))
    y = da.map_blocks(lambda b: b[None], x, chunks=((1,), (2, 2, 1), (2, 1)))
    assert y.chunks == ((1,), (2, 2, 1), (2, 1))
    np.testing.assert_array_equal(y.compute(), np.ones((1, 5, 3)))


def test_map_blocks_axis_errors():
    d = da.from_array(np.arange(56).reshape(7, 8), chunks=(7, 4))
    with pytest.raises(ValueError, match="Provided chunks have 0 dims"):
        d.map_blocks(lambda b: b.sum(axis=0), chunks=(), drop_axis=0)
    with pytest.raises(ValueError, match="do not fill in all dimensions"):
        da.ones((8, 8), chunks=4).map_blocks(lambda b: b, new_axis=(3, 4))
    with pytest.raises(ValueError, match="drop_axis out of range"):
        d.map_blocks(lambda b: b, drop_axis=2)


def test_map_blocks_dtype_inference_failure_raises():
    def boom(x):
        raise RuntimeError("Woops")

    with pytest.raises(ValueError, match="dtype"):
        da.ones(4, chunks=2).map_blocks(boom)


def test_map_blocks_without_array_arguments():
    def f(dtype, block_info=None):
        loc = block_info[None]["array-location"]
        return np.arange(loc[0][0], loc[0][1], dtype=dtype)

    x = da.map_blocks(f, np.float32, chunks=((5, 3),), dtype=np.float32)
    assert x.chunks == ((5, 3),)
    np.testing.assert_array_equal(x.compute(), np.arange(8, dtype=np.float32))

    def g(block_info=None):
        loc = block_info[None]["array-location"]
        return np.arange(loc[0][0], loc[0][1], dtype=block_info[None]["dtype"])

    y = da.map_blocks(g, chunks=((2, 2, 1, 3),), dtype=np.float64)
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y.compute(), np.arange(8.0))
    assert da.map_blocks(g, chunks=((5, 3),), dtype=np.float64).name != y.name


def test_map_blocks_name_and_token():
    x = da.ones(4, chunks=2)
    assert da.map_blocks(lambda _: np.arange(4), chunks=(4,), name="foo", dtype=np.int64).name == "foo"
    assert x.map_blocks(np.negative, token="neg").name.startswith("neg-")
    assert x.map_blocks(np.negative, token="t").name != x.map_blocks(np.positive, token="t").name
    np.testing.assert_array_equal(x.map_blocks(np.negative, name="myneg").compute(), -np.ones(4))


def test_blockwise_contraction_concatenate():
    x = da.ones((4, 4, 4), chunks=(2, 2, 2))
    y = da.ones((4, 4), chunks=(2, 2))

    def f(a, b):
        assert a.shape == (2, 4, 4) and b.shape == (4, 4)
        return (a + b).sum(axis=(1, 2))

    z = da.blockwise(f, "i", x, "ijk", y, "jk", concatenate=True, dtype=x.dtype)
    np.testing.assert_array_equal(z.compute(), np.ones(4) * 32)

    rng = np.random.default_rng(0)
    a, b = rng.random((10, 10)), rng.random((10, 10))
    dx = da.from_array(a, chunks=((2, 3, 2, 3), (5, 5)))
    dy = da.from_array(b, chunks=((4, 4, 2), (4, 2, 4)))
    z = da.blockwise(np.dot, "ik", dx, "ij", dy, "jk", dtype=dx.dtype, concatenate=True)
    assert z.chunks == (dx.chunks[0], dy.chunks[1])
    np.testing.assert_allclose(z.compute(), a @ b)


def test_blockwise_contraction_passes_lists_without_concatenate():
    a = np.arange(24.0).reshape(4, 6)
    x = da.from_array(a, chunks=(2, 3))

    def f(blocks):
        assert isinstance(blocks, list) and [b.shape for b in blocks] == [(2, 3), (2, 3)]
        return sum(b.sum(axis=1) for b in blocks)

    z = da.blockwise(f, "i", x, "ij", dtype=x.dtype)
    np.testing.assert_array_equal(z.compute(), a.sum(axis=1))


def test_blockwise_zero_length_contraction_builds():
    z = da.blockwise(lambda x: np.ones(42), "i", da.from_array(np.ones((0, 2)), ((0,), 2)), "ab",
                     da.from_array(np.ones((0,)), ((0,),)), "a", dtype="float64", new_axes={"i": 42})
    assert z.chunks == ((42,),)


def test_map_blocks_returning_pandas_makes_a_dataframe_collection():
    import pandas as pd

    import hlq.dataframe as dd

    x = da.ones(10, chunks=5)
    s = x.map_blocks(pd.Series)
    assert isinstance(s, dd.Series) and s.npartitions == x.npartitions
    pd.testing.assert_series_equal(s.compute(), pd.Series(np.ones(10), index=[0, 1, 2, 3, 4] * 2))


def _fused_task_peak_bytes(y):
    """Peak bytes numpy allocates while the one computing task of ``y``'s graph runs."""
    import tracemalloc

    from dask._task_spec import DataNode

    g = dict(y.__dask_graph__())
    data = {k: v({}) for k, v in g.items() if isinstance(v, DataNode)}
    (task,) = [v for v in g.values() if not isinstance(v, DataNode)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = task({k: data[k] for k in task.dependencies})
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    return out, peak


def test_fused_elementwise_chain_reuses_its_intermediates():
    a = np.random.default_rng(0).random((300, 300))
    block = a.nbytes
    x = da.from_array(a, chunks=300)
    out, peak = _fused_task_peak_bytes(((x + 1) * 2 - 3) / 4 + x)
    np.testing.assert_array_equal(out, ((a + 1) * 2 - 3) / 4 + a)
    assert peak < 1.5 * block  # one result block for five operations


def test_fused_chain_does_not_overwrite_what_a_view_still_reads():
    rng = np.random.default_rng(1)
    a, b = rng.random((256, 256)), rng.random((256, 256))
    x, y = da.from_array(a, chunks=128), da.from_array(b, chunks=128)
    t = x + y
    w = t.T * (t + 1)  # t's transpose (a view) is read after t + 1 could have overwritten t
    np.testing.assert_array_equal(w.compute(), (a + b).T * ((a + b) + 1))
    w = (t + 1) * t.T
    np.testing.assert_array_equal(w.compute(), ((a + b) + 1) * (a + b).T)
    i = da.from_array(np.arange(256 * 64).reshape(256, 64), chunks=(128, 64))
    np.testing.assert_array_equal(((i + 1) // 3 / 2).compute(), (np.arange(256 * 64).reshape(256, 64) + 1) // 3 / 2)
    m = x.mean(axis=0)
    r = (m + 1) + x  # the intermediate (a row) is smaller than the result: a new array
    np.testing.assert_allclose(r.compute(), (a.mean(axis=0) + 1) + a)
