"""Differential tests (hypothesis, vs numpy, three optimizer modes via ``check``) for the plain
``dask.array`` routines of issue 3 part A (mathfuncs, index_tricks, editing, statistics, block_ops,
constants) and the Array methods view/topk/moment/choose/map_overlap; results are also sliced
afterwards so pushdown rules run through them; bad input raises numpy's exception types."""

from __future__ import annotations

import dask.array as dask_array
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import hlq.array as da
from array_strategies import basic_indices, chunkings, shapes
from test_array_differential import check, int_data, np_data

S = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(0, 2**16)


def arr(data, shape, seed, kind="f"):
    a = np_data(shape, seed) if kind == "f" else int_data(shape, seed)
    return a, da.from_array(a, chunks=data.draw(chunkings(shape), label="chunks"))


def sliced(data, y, expected, **kw):
    idx = data.draw(basic_indices(expected.shape), label="idx")
    check(y[idx], expected[idx], **kw)


def with_specials(a, seed):
    """Some NaN, +inf, -inf and negative values mixed in."""
    rng = np.random.default_rng(seed)
    b = (a - 0.5) * 7
    pick = rng.integers(0, 8, size=a.shape)
    b[pick == 0] = np.nan
    b[pick == 1] = np.inf
    b[pick == 2] = -np.inf
    return b


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3), seed=seeds)
def test_elementwise_routines(data, shape, seed):
    a = with_specials(np_data(shape, seed), seed)
    x = da.from_array(a, chunks=data.draw(chunkings(shape), label="chunks"))
    with np.errstate(all="ignore"):
        for f in ["fix", "sinc", "isneginf", "isposinf", "iscomplex", "isreal", "real", "imag"]:
            check(getattr(da, f)(x), getattr(np, f)(a), exact=True)
        check(da.nan_to_num(x), np.nan_to_num(a), exact=True)
        check(da.nan_to_num(x, nan=-1.0, posinf=9.0, neginf=-9.0), np.nan_to_num(a, nan=-1.0, posinf=9.0, neginf=-9.0),
              exact=True)
        check(da.isnull(x), pd.isnull(a), exact=True)
        check(da.notnull(x), pd.notnull(a), exact=True)
        finite = np.nan_to_num(a)
        y = da.from_array(finite, chunks=x.chunks)
        check(da.i0(y / 1e300), np.i0(finite / 1e300), rtol=1e-12)
        for ours, theirs in [(da.frexp(x), np.frexp(a)), (da.modf(x), np.modf(a)), (da.divmod(y, 3.0), np.divmod(finite, 3.0))]:
            assert len(ours) == 2
            for o, t in zip(ours, theirs):
                check(o, t, exact=True)
        c = a + 1j * np.roll(a, 1)
        z = da.from_array(c, chunks=x.chunks)
        check(da.angle(z), np.angle(c), exact=True)
        check(da.angle(z, deg=True), np.angle(c, deg=True), exact=True)
        check(da.iscomplex(z), np.iscomplex(c), exact=True)
        check(da.real(z), np.real(c), exact=True)
        check(da.imag(z), np.imag(c), exact=True)
        sliced(data, da.nan_to_num(x), np.nan_to_num(a), exact=True)


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3), seed=seeds)
def test_piecewise_select(data, shape, seed):
    a, x = arr(data, shape, seed)
    conds_np = [a < 0.3, a > 0.7]
    conds = [x < 0.3, x > 0.7]
    expected = np.piecewise(a, conds_np, [lambda v: -v, lambda v: v * 2, 5.0])
    check(da.piecewise(x, conds, [lambda v: -v, lambda v: v * 2, 5.0]), expected, exact=True)
    check(da.piecewise(x, [conds[0]], [0.0, lambda v: v + 1]), np.piecewise(a, [conds_np[0]], [0.0, lambda v: v + 1]),
          exact=True)
    sel = da.select(conds, [x * 10, -x], default=-1)
    expected = np.select(conds_np, [a * 10, -a], default=-1)
    check(sel, expected, exact=True)
    sliced(data, sel, expected, exact=True)
    with pytest.raises(ValueError):
        da.select(conds, [x])
    with pytest.raises(TypeError):
        da.select([x], [x])


@S
@given(data=st.data(), n=st.integers(0, 9), m=st.one_of(st.none(), st.integers(0, 9)), k=st.integers(-4, 4))
def test_tri_and_triangle_indices(data, n, m, k):
    chunks = data.draw(chunkings((n, n if m is None else m)), label="chunks")
    t = da.tri(n, m, k=k, chunks=chunks)
    check(t, np.tri(n, m, k=k), exact=True)
    check(da.tri(n, m, k=k, dtype=int, chunks=chunks), np.tri(n, m, k=k, dtype=int), exact=True)
    if t.ndim and t.size:
        sliced(data, t, np.tri(n, m, k=k), exact=True)
    for ours, theirs in [(da.tril_indices(n, k, m), np.tril_indices(n, k, m)),
                         (da.triu_indices(n, k, m), np.triu_indices(n, k, m))]:
        for o, t_ in zip(ours, theirs):
            check(o, t_, exact=True)
    a = np.zeros((n, n if m is None else m))
    for o, t_ in zip(da.tril_indices_from(da.from_array(a), k), np.tril_indices_from(a, k)):
        check(o, t_, exact=True)
    for o, t_ in zip(da.triu_indices_from(a, k), np.triu_indices_from(a, k)):
        check(o, t_, exact=True)
    with pytest.raises(ValueError):
        da.tril_indices_from(da.ones(3, chunks=2))


@S
@given(data=st.data(), dims=shapes(min_dims=1, max_dims=3, min_side=1, max_side=6), n=st.integers(0, 12), seed=seeds,
       order=st.sampled_from("CF"))
def test_ravel_unravel_index(data, dims, n, seed, order):
    rng = np.random.default_rng(seed)
    flat = rng.integers(0, int(np.prod(dims)), size=n)
    x = da.from_array(flat, chunks=data.draw(chunkings((n,)), label="chunks"))
    ours = da.unravel_index(x, dims, order=order)
    theirs = np.unravel_index(flat, dims, order=order)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        check(o, t, exact=True)
    check(da.ravel_multi_index(ours, dims, order=order), np.ravel_multi_index(theirs, dims, order=order), exact=True)
    stacked = da.stack(list(ours)) if n else None
    if stacked is not None:
        check(da.ravel_multi_index(stacked, dims), np.ravel_multi_index(np.stack(theirs), dims), exact=True)
    big = [t + 10 for t in theirs]
    check(da.ravel_multi_index([da.from_array(b, chunks=3) for b in big], dims, mode="clip"),
          np.ravel_multi_index(big, dims, mode="clip"), exact=True)
    with pytest.raises(ValueError):
        da.ravel_multi_index(ours[:-1] if len(ours) > 1 else ours + ours, dims)


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3, min_side=1), seed=seeds)
def test_append_delete_insert(data, shape, seed):
    a, x = arr(data, shape, seed, "i")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    n = shape[axis]
    check(da.append(x, a), np.append(a, a), exact=True)
    check(da.append(x, x, axis=axis), np.append(a, a, axis=axis), exact=True)
    obj = data.draw(st.one_of(st.integers(-n, n - 1), st.lists(st.integers(-n, n - 1), max_size=4),
                              st.builds(slice, st.integers(-n, n), st.integers(-n, n), st.sampled_from([1, 2, -1]))),
                    label="delete obj")
    d = da.delete(x, obj, axis)
    check(d, np.delete(a, obj, axis), exact=True)
    if d.size:
        sliced(data, d, np.delete(a, obj, axis), exact=True)
    check(da.delete(x, obj if not isinstance(obj, list) else np.array(obj, dtype=int), None),
          np.delete(a, obj if not isinstance(obj, list) else np.array(obj, dtype=int), None), exact=True)
    pos = data.draw(st.one_of(st.integers(-n, n), st.lists(st.integers(-n, n), max_size=4)), label="insert obj")
    vals = data.draw(st.sampled_from(["scalar", "row"]), label="values")
    if vals == "scalar":
        v = 99
    else:
        vshape = list(shape)
        vshape[axis] = len(pos) if isinstance(pos, list) else 1
        v = -int_data(tuple(vshape), seed + 1)
        if not isinstance(pos, list):
            v = np.moveaxis(v, axis, 0)  # numpy: a scalar obj takes values' first axis as the inserted one
    ins = da.insert(x, pos, v, axis)
    expected = np.insert(a, pos, v, axis)
    check(ins, expected, exact=True)
    sliced(data, ins, expected, exact=True)
    with pytest.raises(IndexError):
        da.delete(x, n + 3, axis)
    with pytest.raises(IndexError):
        da.insert(x, n + 3, 1, axis)
    with pytest.raises(np.exceptions.AxisError):
        da.delete(x, 0, len(shape))


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
def test_rollaxis(data, shape):
    a = np.arange(int(np.prod(shape))).reshape(shape)
    x = da.from_array(a, chunks=data.draw(chunkings(shape), label="chunks"))
    n = len(shape)
    axis = data.draw(st.integers(-n, n - 1), label="axis")
    start = data.draw(st.integers(-n, n), label="start")
    check(da.rollaxis(x, axis, start), np.rollaxis(a, axis, start), exact=True)
    with pytest.raises(np.exceptions.AxisError):
        da.rollaxis(x, axis, n + 1)
    with pytest.raises(np.exceptions.AxisError):
        da.rollaxis(x, n, 0)


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3, min_side=1), seed=seeds)
def test_average(data, shape, seed):
    a, x = arr(data, shape, seed, data.draw(st.sampled_from("fi"), label="kind"))
    check(da.average(x), np.average(a), rtol=1e-12)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    w = np_data((shape[axis],), seed + 1) + 0.1
    keep = data.draw(st.booleans(), label="keepdims")
    check(da.average(x, axis=axis, weights=w, keepdims=keep), np.average(a, axis=axis, weights=w, keepdims=keep),
          rtol=1e-12)
    wf = np_data(shape, seed + 2) + 0.1
    avg, scl = da.average(x, axis=axis, weights=da.from_array(wf, chunks=x.chunks), returned=True)
    eavg, escl = np.average(a, axis=axis, weights=wf, returned=True)
    check(avg, eavg, rtol=1e-12)
    check(scl, escl, rtol=1e-12)
    with pytest.raises(TypeError):
        da.average(x, weights=w) if len(shape) > 1 or shape[0] != w.shape[0] else da.average(x, weights=[[1.0]])


@S
@given(data=st.data(), shape=shapes(min_dims=2, max_dims=2, min_side=2, max_side=8), seed=seeds,
       rowvar=st.booleans(), bias=st.booleans(), ddof=st.one_of(st.none(), st.integers(0, 1)))
def test_cov_corrcoef(data, shape, seed, rowvar, bias, ddof):
    a, x = arr(data, shape, seed)
    check(da.cov(x, rowvar=rowvar, bias=bias, ddof=ddof), np.cov(a, rowvar=rowvar, bias=bias, ddof=ddof), rtol=1e-9)
    b = np_data(shape, seed + 1)
    y = da.from_array(b, chunks=x.chunks)
    check(da.cov(x, y, rowvar=rowvar), np.cov(a, b, rowvar=rowvar), rtol=1e-9)
    check(da.corrcoef(x, rowvar=rowvar), np.corrcoef(a, rowvar=rowvar), rtol=1e-9, atol=1e-12)
    check(da.corrcoef(x, y, rowvar=rowvar), np.corrcoef(a, b, rowvar=rowvar), rtol=1e-9, atol=1e-12)
    nobs = shape[1] if rowvar else shape[0]
    fw = np.random.default_rng(seed).integers(1, 4, size=nobs)
    aw = np_data((nobs,), seed + 3) + 0.1
    check(da.cov(x, rowvar=rowvar, fweights=fw, aweights=aw), np.cov(a, rowvar=rowvar, fweights=fw, aweights=aw),
          rtol=1e-9)
    v = a[0]
    check(da.cov(da.from_array(v, chunks=3)), np.cov(v), rtol=1e-9)
    with pytest.raises(ValueError):
        da.cov(da.ones((2, 2, 2), chunks=1))
    with pytest.raises(RuntimeError):
        da.cov(x, fweights=np.ones(nobs + 1, dtype=int), rowvar=rowvar)


def _np_push(a, n, axis):
    a = np.moveaxis(a.copy(), axis, -1)
    out = a.copy()
    it = np.ndindex(*a.shape[:-1])
    for idx in it:
        row, res = a[idx], out[idx]
        last, lastpos = np.nan, None
        for i, v in enumerate(row):
            if not np.isnan(v):
                last, lastpos = v, i
            elif lastpos is not None and (n is None or i - lastpos <= n):
                res[i] = last
    return np.moveaxis(out, -1, axis)


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3, min_side=1), seed=seeds,
       n=st.one_of(st.none(), st.integers(0, 4)))
def test_push(data, shape, seed, n):
    a = np_data(shape, seed)
    a[np.random.default_rng(seed).random(shape) < 0.5] = np.nan
    x = da.from_array(a, chunks=data.draw(chunkings(shape), label="chunks"))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    expected = _np_push(a, n, axis)
    y = da.push(x, n, axis)
    check(y, expected, exact=True)
    sliced(data, y, expected, exact=True)
    check(da.push(da.from_array(np.arange(5), chunks=2), None, 0), np.arange(5), exact=True)
    with pytest.raises(ValueError):
        da.push(x, -1, axis)


def test_push_task_count_linear_in_blocks():
    """Three tasks per block (fill, last-valid value, last-valid position) plus the carry gathers."""
    x = da.from_array(np.ones(100), chunks=10)
    y = da.push(x, None, 0)
    assert y.task_count() <= 4 * 10 + 4


def test_unify_chunks_matches_dask():
    a, b = np.ones((6, 8)), np.ones((8,))
    chunkss, (x, y) = da.unify_chunks(da.from_array(a, chunks=(2, 3)), "ij", da.from_array(b, chunks=4), "j")
    dchunkss, (dx, dy) = dask_array.unify_chunks(dask_array.from_array(a, chunks=(2, 3)), "ij",
                                                 dask_array.from_array(b, chunks=4), "j")
    assert chunkss == dchunkss
    assert x.chunks == dx.chunks and y.chunks == dy.chunks
    assert da.unify_chunks() == ({}, [])
    with pytest.raises(ValueError):
        da.unify_chunks(da.ones(3, chunks=2), "ij")


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3, min_side=1), seed=seeds, order=st.sampled_from("CF"))
def test_view(data, shape, seed, order):
    a = int_data(shape, seed, dtype=np.int32)
    x = da.from_array(a, chunks=data.draw(chunkings(shape), label="chunks"))
    y = x.view("i2", order=order)
    expected = a.view("i2") if order == "C" else np.asfortranarray(a).T.view("i2").T
    check(y, expected, exact=True)
    check(x.view(), a, exact=True)
    if order == "C" and any(c % 2 for c in x.chunks[-1]):
        with pytest.raises(ValueError):
            x.view("i8")


def _mul_add(a, b):
    return a * 10 + b


def test_frompyfunc_and_namespace():
    f = da.frompyfunc(_mul_add, 2, 1)
    a = np.arange(7)
    x = da.from_array(a, chunks=3)
    check(f(x, 1), np.frompyfunc(_mul_add, 2, 1)(a, 1), exact=True)
    g = da.frompyfunc(divmod, 2, 2)
    for o, t in zip(g(x, 3), np.frompyfunc(divmod, 2, 2)(a, 3)):
        check(o, t, exact=True)
    import pickle

    assert pickle.loads(pickle.dumps(f(x, 1))).compute().tolist() == (a * 10 + 1).tolist()
    assert (da.e, da.pi, da.inf, da.euler_gamma, da.newaxis) == (np.e, np.pi, np.inf, np.euler_gamma, None)
    assert np.isnan(da.nan) and da.float64 is np.float64 and da.bool is np.bool_
    assert da.PerformanceWarning is dask_array.PerformanceWarning
    assert da.result_type(x, 1.5) == np.result_type(a, 1.5)
    assert da.atop(np.add, "i", x, "i", x, "i", dtype=x.dtype).compute().tolist() == (2 * a).tolist()
    (y,) = da.compute(x + 1)
    assert y.tolist() == (a + 1).tolist()
    z = da.optimize(x[2:] + 1)
    assert z.compute().tolist() == (a[2:] + 1).tolist()


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=2, min_side=2), seed=seeds)
def test_array_methods(data, shape, seed):
    a, x = arr(data, shape, seed)
    check(x.topk(2, axis=-1), np.sort(a, axis=-1)[..., ::-1][..., :2], exact=True)
    check(x.argtopk(-1, axis=0), np.argsort(a, axis=0, kind="stable")[:1], exact=True)
    check(x.moment(2, axis=0), ((a - a.mean(axis=0)) ** 2).mean(axis=0), rtol=1e-9)
    idx = (a * 3).astype(int) % 2
    check(da.from_array(idx, chunks=x.chunks).choose([x, -x]), np.choose(idx, [a, -a]), exact=True)
    check(x.map_overlap(lambda b: b * 2, depth=1, boundary="reflect"), a * 2, exact=True)
    assert x.to_svg().startswith("<svg")
    assert dict(x.dask)  # the lowered graph


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3, min_side=1, max_side=6), seed=seeds,
       mode=st.sampled_from(["maximum", "minimum", "mean", "median", "linear_ramp"]))
def test_pad_data_modes(data, shape, seed, mode):
    a, x = arr(data, shape, seed, data.draw(st.sampled_from("fi"), label="kind"))
    widths = tuple((data.draw(st.integers(0, 3)), data.draw(st.integers(0, 3))) for _ in shape)
    if mode == "linear_ramp":
        kw = {"end_values": data.draw(st.sampled_from([0, 3, ((1, -2),) * len(shape)]), label="end_values")}
    else:
        kw = {"stat_length": data.draw(st.sampled_from([None, 1, 2, ((1, 3),) * len(shape)]), label="stat_length")}
    y = da.pad(x, widths, mode=mode, **kw)
    expected = np.pad(a, widths, mode=mode, **kw)
    check(y, expected, rtol=1e-12)
    sliced(data, y, expected, rtol=1e-12)
    with pytest.raises(ValueError):
        da.pad(x, 1, mode=mode, constant_values=3)
    if mode in ("maximum", "minimum"):
        with pytest.raises(ValueError):
            da.pad(x, 1, mode=mode, stat_length=0)


def _ident(x, axis, keepdims):
    return x


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3, min_side=1), seed=seeds,
       split_every=st.sampled_from([None, 2, 3]), keepdims=st.booleans())
def test_general_reduction_and_cumreduction(data, shape, seed, split_every, keepdims):
    a, x = arr(data, shape, seed, "i")
    n = len(shape)
    axes = tuple(sorted(data.draw(st.sets(st.integers(0, n - 1), min_size=1), label="axes")))
    y = da.reduction(x, np.sum, np.sum, axis=axes, keepdims=keepdims, dtype=a.dtype, split_every=split_every)
    check(y, np.sum(a, axis=axes, keepdims=keepdims), exact=True)
    # partials of any shape: identity chunk/aggregate reassembles the array in block order
    z = da.reduction(x, _ident, _ident, axis=axes, keepdims=True, dtype=x.dtype, split_every=split_every)
    assert np.array_equal(z.compute(), a)
    w = np_data(shape, seed + 1)
    yw = da.reduction(x, _weighted_sum, np.sum, axis=axes, dtype="f8", weights=w, split_every=split_every)
    check(yw, np.sum(a * w, axis=axes), rtol=1e-12)
    with pytest.raises(ValueError):
        da.reduction(x, _weighted_sum, np.sum, weights=np.ones((7,) * (n + 1)))
    ax = data.draw(st.integers(0, n - 1), label="scan axis")
    for uf in (np.add, np.maximum):
        c = da.reductions.cumreduction(uf.accumulate, uf, uf.identity, x, axis=ax)
        check(c, uf.accumulate(a, axis=ax), exact=True)
    out = da.zeros(np.sum(a, axis=ax).shape, chunks=2)
    assert np.sum(x, axis=ax, out=out) is out
    check(out, np.sum(a, axis=ax), exact=True)


def _weighted_sum(x, weights=None, dtype=None, **kwargs):
    return np.sum(x * weights if weights is not None else x, dtype=dtype, **kwargs)


def _where_am_i(x, block_info=None):
    loc = block_info[0]["array-location"]
    assert block_info[None]["chunk-shape"] == x.shape
    assert block_info[None]["dtype"] == np.dtype(int)
    return np.full(x.shape, loc[0][0] * 100 + loc[-1][0], dtype=int)


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3, min_side=1))
def test_map_blocks_block_info(data, shape):
    a = np.zeros(shape)
    x = da.from_array(a, chunks=data.draw(chunkings(shape), label="chunks"))
    y = x.map_blocks(_where_am_i, dtype=int)
    expected = np.zeros(shape, dtype=int)
    starts = [np.repeat(np.cumsum((0,) + c[:-1]), c) for c in x.chunks]
    expected += starts[0].reshape((-1,) + (1,) * (len(shape) - 1)) * 100
    expected += starts[-1]
    check(y, expected, exact=True)
    # with drop_axis the dropped axis arrives whole (dask concatenates it)
    z = x.map_blocks(lambda b: b.sum(axis=0), drop_axis=0, dtype=float)
    check(z, a.sum(axis=0), exact=True)


@S
@given(data=st.data(), shape=shapes(min_dims=2, max_dims=3, min_side=1, max_side=6), seed=seeds)
def test_reshape_blockwise_matches_dask(data, shape, seed):
    a = int_data(shape, seed)
    chunks = data.draw(chunkings(shape), label="chunks")
    x = da.from_array(a, chunks=chunks)
    dx = dask_array.from_array(a, chunks=chunks)
    merged = (shape[0] * shape[1],) + shape[2:]
    y, dy = da.reshape_blockwise(x, merged), dask_array.reshape_blockwise(dx, merged)
    assume(len(dy.chunks) == len(merged))  # dask keeps a stray dimension for (1, 1) -> (1,)
    assert y.chunks == dy.chunks
    check(y, dy.compute(), exact=True)
    back = da.reshape_blockwise(y, shape, chunks=x.chunks)
    check(back, a, exact=True)
    assert back.task_count() <= 2 * x.npartitions + 1
    with pytest.raises(TypeError):
        da.reshape_blockwise(y, shape)
    with pytest.raises(ValueError):
        da.reshape_blockwise(x, (a.size + 1,))


def _scalar_block(x):
    return np.array(x.sum())


def test_map_blocks_enforce_ndim():
    x = da.from_array(np.arange(6), chunks=((1, 2, 3),))
    bad = x.map_blocks(_scalar_block, chunks=((1, 1, 1),), enforce_ndim=True)
    with pytest.raises(ValueError, match="Dimension mismatch"):
        bad.compute()
    good = x.map_blocks(lambda b: b[:1], chunks=((1, 1, 1),), enforce_ndim=True)
    check(good, np.array([0, 1, 3]), exact=True)


def test_ufunc_wrappers_numpy_in_numpy_out_and_attributes():
    import pickle

    assert isinstance(da.sin(np.arange(3.0)), np.ndarray)
    assert isinstance(da.sin(da.arange(3.0, chunks=2)), da.Array)
    assert (da.add.nin, da.add.nout, da.add.identity) == (2, 1, 0)
    assert repr(da.log) == "<ufunc 'log'>"
    assert pickle.loads(pickle.dumps(da.sin))(1.0) == np.sin(1.0)
    x = da.arange(4, chunks=2)
    np.testing.assert_array_equal(da.multiply.outer(x, x).compute(), np.multiply.outer(np.arange(4), np.arange(4)))


def test_like_functions_on_unknown_chunks():
    x = da.random.default_rng(0).standard_normal((50, 4), chunks=(10, 2))
    y = x[x < 0.5]
    n = int((x.compute() < 0.5).sum())
    for f in (da.zeros_like, da.ones_like, da.empty_like):
        out = f(y, dtype="u4")
        assert np.isnan(out.shape[0]) and out.dtype == np.dtype("u4")
        assert out.compute().shape == (n,)
    np.testing.assert_array_equal(da.full_like(y, 7).compute(), np.full(n, 7.0))
    with pytest.raises(ValueError):
        da.full_like(y, [1, 2])


@pytest.mark.parametrize("types", [(np.uint8, np.uint8, np.uint64), (np.int32, np.int32, np.int32),
                                   (np.int32, np.float32, int), (float, np.int8, np.uint8)])
def test_arange_infers_numpy_dtype(types):
    a, b, c = (t(v) for t, v in zip(types, (3, 13, 2)))
    want = np.arange(a, b, c)
    got = da.arange(a, b, c, chunks=3)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got.compute(), want)


@pytest.mark.parametrize("n", [991, 1013, 1069])
def test_rechunk_balance_like_dask(n):
    a = np.arange(float(n))
    for k in (1, 3, 7, 19):
        got = da.from_array(a, chunks=100).rechunk(n // k, balance=True)
        want = dask_array.from_array(a, chunks=100).rechunk(n // k, balance=True)
        assert got.chunks == want.chunks and len(got.chunks[0]) == k
        np.testing.assert_array_equal(got.compute(), a)


def test_chunk_specs_dask_accepts():
    x = da.arange(48, chunks=5)
    assert x.rechunk((16, 16, 16)).chunks == ((16, 16, 16),)  # flat sizes for a 1-d array
    z = da.from_array(np.zeros((0, 0)), chunks=(0, 0))  # zero chunks of zero-length dimensions
    assert z.shape == (0, 0) and da.argwhere(z).compute().shape == (0, 2)
    with pytest.raises(ValueError):
        da.ones((4,), chunks=0)
