"""hlq.array apply_gufunc / gufunc / as_gufunc (issue 3 part C): differential against numpy, dask's error types."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import hlq.array as da
from hlq.array._gufunc import parse_signature


def test_parse_signature():
    assert parse_signature("(m,n),(n,p)->(m,p)") == ([("m", "n"), ("n", "p")], ("m", "p"))
    assert parse_signature("(i)->(),()") == ([("i",)], [(), ()])
    assert parse_signature("() -> ()") == ([()], ())
    assert parse_signature("(i)->(),") == ([("i",)], [()])
    with pytest.raises(ValueError):
        parse_signature("(i)->>()")
    with pytest.raises(TypeError):
        parse_signature(None)


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_reduce_core_dim_matches_numpy(data):
    n0, n1, n2 = (data.draw(st.integers(1, 7)) for _ in range(3))
    c0, c1 = data.draw(st.integers(1, n0)), data.draw(st.integers(1, n1))
    a = np.random.default_rng(data.draw(st.integers(0, 9))).random((n0, n1, n2))
    x = da.from_array(a, chunks=(c0, c1, -1))
    m, s = da.apply_gufunc(lambda v: (v.mean(-1), v.std(-1)), "(i)->(),()", x)
    np.testing.assert_allclose(m.compute(), a.mean(-1))
    np.testing.assert_allclose(s.compute(), a.std(-1))
    assert m.chunks == x.chunks[:2]
    axis = data.draw(st.integers(0, 2))
    keepdims = data.draw(st.booleans())
    y = da.apply_gufunc(lambda v: v.sum(-1), "(i)->()", da.from_array(a, chunks=(c0, c1, 2)), axis=axis,
                        keepdims=keepdims,
                        allow_rechunk=True, output_dtypes=float)
    exp = a.sum(axis=axis, keepdims=keepdims)
    assert y.shape == exp.shape
    np.testing.assert_allclose(y.compute(), exp)


def test_matmul_signature_broadcast_and_axes():
    rng = np.random.default_rng(0)
    a, b = rng.random((10, 8, 6)), rng.random((1, 6, 3))
    r = da.apply_gufunc(np.matmul, "(m,n),(n,p)->(m,p)", da.from_array(a, chunks=(3, 8, 6)),
                        da.from_array(b, chunks=(1, 6, 3)))
    assert r.chunks == ((3, 3, 3, 1), (8,), (3,))
    np.testing.assert_allclose(r.compute(), a @ b)
    x, y = rng.random((5, 1, 4)), rng.random((3, 4))
    r = da.apply_gufunc(lambda p, q: (p * q).sum(-1), "(i),(i)->()", da.from_array(x, chunks=(2, 1, 4)), y,
                        output_dtypes=float)
    np.testing.assert_allclose(r.compute(), (x * y).sum(-1))
    r = da.apply_gufunc(lambda v: v + 1, "(i,j)->(i,j)", da.from_array(a, chunks=(10, 4, 6)),
                        axes=[(0, 2), (2, 0)], output_dtypes=float)
    np.testing.assert_allclose(r.compute(), np.moveaxis(np.moveaxis(a, (0, 2), (-2, -1)) + 1, (-2, -1), (2, 0)))


def test_vectorize_output_sizes_meta_and_decorators():
    a = np.arange(24.0).reshape(4, 6)
    x = da.from_array(a, chunks=(2, 6))
    r = da.apply_gufunc(lambda v: np.array([v.min(), v.max()]), "(i)->(j)", x, vectorize=True,
                        output_sizes={"j": 2}, output_dtypes=float)
    np.testing.assert_array_equal(r.compute(), np.stack([a.min(-1), a.max(-1)], axis=-1))
    m = da.apply_gufunc(lambda v: v * 2, "()->()", x, meta=np.array([], dtype="f4"))
    assert m.dtype == np.float32

    @da.as_gufunc(signature="(i)->()", output_dtypes=float, vectorize=True)
    def total(v):
        return np.sum(v)

    np.testing.assert_array_equal(total(x).compute(), a.sum(-1))
    det = da.gufunc(np.linalg.det, signature="(i,i)->()", output_dtypes=float)
    m3 = np.random.default_rng(1).random((4, 3, 3))
    np.testing.assert_allclose(det(da.from_array(m3, chunks=(2, 3, 3))).compute(), np.linalg.det(m3))
    with pytest.raises(TypeError):
        da.as_gufunc("(i)->()", bogus=1)


def test_allow_rechunk_keeps_block_size_like_dask():
    arr = da.random.random((1, 459, 750), chunks=(1, -1, 250))
    arr2 = da.random.random((750,), chunks=(-1,))
    r = da.apply_gufunc(lambda x, *args: x, "(d0),(d1),(d2)->(d)", arr, arr2, arr2, output_dtypes=["float64"],
                        output_sizes={"d": 750}, allow_rechunk=True)
    assert r.chunks == ((1,), (153, 153, 153), (750,))
    np.testing.assert_array_equal(r.compute(), arr.compute())


def test_errors_match_dask():
    a = da.ones((20, 30), chunks=(10, 10))
    f = lambda v: v.mean(-1)  # noqa: E731
    with pytest.raises(ValueError, match="consists of multiple chunks"):
        da.apply_gufunc(f, "(i)->()", a, output_dtypes=float)
    b = da.ones((20, 30), chunks=30)
    with pytest.raises(ValueError):
        da.apply_gufunc(f, "(i)->()", b, axes=0)
    with pytest.raises(ValueError):
        da.apply_gufunc(f, "(i)->()", b, axes=[(0, 1)])
    with pytest.raises(ValueError):
        da.apply_gufunc(f, "(i)->()", b, axes=[0, 0])
    with pytest.raises(ValueError):
        da.apply_gufunc(f, "(i)->()", b, axis=0, axes=[0])
    with pytest.raises(ValueError):
        da.apply_gufunc(f, "(i)->()", b, output_dtypes=float, meta=np.ones(0))
    with pytest.raises(ValueError):
        da.apply_gufunc(f, "(i)->(),()", b, output_dtypes=float)
    with pytest.raises(ValueError):
        da.apply_gufunc(lambda p, q: p, "(i),(i)->()", b, da.ones((20, 29), chunks=29), output_dtypes=float)
    with pytest.raises(ValueError):
        da.apply_gufunc(f, "(i),(i)->()", b, output_dtypes=float)
    with pytest.raises(ValueError, match="output_sizes"):
        da.apply_gufunc(lambda v: v, "(i)->(j)", b, output_dtypes=float)
    with pytest.raises(ValueError, match="chunksize"):
        da.apply_gufunc(lambda p, q: p + q, "(),()->()", da.ones(10, chunks=5), da.ones(10, chunks=2))


def test_apply_along_and_over_axes_match_numpy():
    a = np.arange(60.0).reshape(3, 4, 5)
    x = da.from_array(a, chunks=2)
    for axis in range(3):
        np.testing.assert_array_equal(da.apply_along_axis(np.cumsum, axis, x).compute(),
                                      np.apply_along_axis(np.cumsum, axis, a))
        np.testing.assert_array_equal(da.apply_along_axis(np.sum, axis, x).compute(),
                                      np.apply_along_axis(np.sum, axis, a))
    for axes in ([0, 2], 1, (1, 2)):
        np.testing.assert_array_equal(da.apply_over_axes(np.sum, x, axes).compute(),
                                      np.apply_over_axes(np.sum, a, axes))
