"""Differential tests (hypothesis, vs numpy, three optimizer modes via ``check``) for ediff1d, gradient,
rot90, choose, moment, topk/argtopk, coarsen, apply_along_axis and apply_over_axes, each also sliced
afterwards so the pushdown rules run through them; errors match numpy's exception types."""

from __future__ import annotations

import dask.array as dask_array
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import hlq.array as da
from array_strategies import basic_indices, chunkings, shapes
from test_array_differential import check, int_data, np_data

S = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(0, 2**16)


def arr(data, shape, seed, kind="f"):
    a = np_data(shape, seed) if kind == "f" else int_data(shape, seed)
    return a, da.from_array(a, chunks=data.draw(chunkings(shape), label="chunks"))


def sliced(data, y, expected, **kw):
    idx = data.draw(basic_indices(expected.shape), label="idx")
    check(y[idx], expected[idx], **kw)


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3, min_side=1), seed=seeds)
def test_rot90_choose_ediff1d(data, shape, seed):
    a, x = arr(data, shape, seed, data.draw(st.sampled_from("fi"), label="kind"))
    check(da.ediff1d(x), np.ediff1d(a), exact=True)
    check(da.ediff1d(x, to_end=[7, 8], to_begin=1), np.ediff1d(a, to_end=[7, 8], to_begin=1), exact=True)
    if len(shape) >= 2:
        k = data.draw(st.integers(-5, 5), label="k")
        axes = data.draw(st.permutations(range(len(shape))), label="axes")[:2]
        check(da.rot90(x, k, axes), np.rot90(a, k, axes), exact=True)
        sliced(data, da.rot90(x, k, axes), np.rot90(a, k, axes), exact=True)
    c = int_data(shape, seed + 1, 0, 3)
    cx = da.from_array(c, chunks=data.draw(chunkings(shape), label="cchunks"))
    exp = np.choose(c, [a, -a, np.float64(2.5)])
    check(da.choose(cx, [x, -x, np.float64(2.5)]), exp, exact=True)


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3, min_side=1), seed=seeds)
def test_gradient(data, shape, seed):
    a, x = arr(data, shape, seed, data.draw(st.sampled_from("fi"), label="kind"))
    edge_order = data.draw(st.sampled_from([1, 2]), label="edge_order")
    assume(min(shape) >= edge_order + 1)
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)), label="axis")
    spacing = data.draw(st.sampled_from([(), (2.0,)]), label="spacing")
    got = da.gradient(x, *spacing, axis=axis, edge_order=edge_order)
    exp = np.gradient(a, *spacing, axis=axis, edge_order=edge_order)
    if isinstance(exp, np.ndarray):
        got, exp = [got], [exp]
    assert len(got) == len(exp)
    for g, e in zip(got, exp):
        check(g, e, rtol=1e-9, atol=1e-12)
    sliced(data, got[0], exp[0], rtol=1e-9, atol=1e-12)


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3, min_side=1), seed=seeds)
def test_moment_topk(data, shape, seed):
    a, x = arr(data, shape, seed)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    order = data.draw(st.integers(0, 4), label="order")
    ddof = data.draw(st.integers(0, 1), label="ddof")
    n = shape[axis]
    if order >= 2 and n - ddof > 0:
        exp = (((a - a.mean(axis, keepdims=True)) ** order).sum(axis) / (n - ddof))
        check(da.moment(x, order, axis=axis, ddof=ddof), exp, rtol=1e-9, atol=1e-12)
    elif order < 2:
        check(da.moment(x, order, axis=axis), np.full(np.delete(shape, axis % len(shape)), float(order == 0)))
    k = data.draw(st.integers(-n - 1, n + 1).filter(lambda v: v != 0), label="k")
    s = np.sort(a, axis=axis)
    o = np.argsort(a, axis=axis)
    kk = min(abs(k), n)
    if k > 0:
        s, o = np.flip(s, axis), np.flip(o, axis)
    exp, exp_arg = np.take(s, np.arange(kk), axis=axis), np.take(o, np.arange(kk), axis=axis)
    check(da.topk(x, k, axis=axis), exp, exact=True)
    check(da.argtopk(x, k, axis=axis), exp_arg.astype(np.intp), exact=True)
    sliced(data, da.topk(x, k, axis=axis), exp, exact=True)


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3, min_side=1), seed=seeds)
def test_coarsen_apply(data, shape, seed):
    a, x = arr(data, shape, seed, "i")
    axes = {ax: data.draw(st.integers(1, n), label="factor") for ax, n in enumerate(shape)
            if data.draw(st.booleans(), label="use")}
    red = data.draw(st.sampled_from([np.sum, np.max, np.mean]), label="red")
    dx = dask_array.from_array(a, chunks=x.chunks)
    exp = dask_array.coarsen(red, dx, dict(axes), trim_excess=True).compute()
    check(da.coarsen(red, x, dict(axes), trim_excess=True), exp, exact=True)
    if all(shape[ax] % f == 0 for ax, f in axes.items()):
        check(da.coarsen(red, x, dict(axes)), dask_array.coarsen(red, dx, dict(axes)).compute(), exact=True)
    elif axes:
        with pytest.raises(ValueError):
            da.coarsen(red, x, dict(axes))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    f = data.draw(st.sampled_from([np.sum, lambda v: np.cumsum(v)[::-1], lambda v: np.stack([v.min(), v.max()])]),
                  label="f")
    exp = np.apply_along_axis(f, axis, a)
    check(da.apply_along_axis(f, axis, x), exp, exact=True)
    sliced(data, da.apply_along_axis(f, axis, x), exp, exact=True)
    axes2 = data.draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=2, unique=True), label="axes2")
    check(da.apply_over_axes(da.sum, x, axes2), np.apply_over_axes(np.sum, a, axes2), exact=True)


def test_errors():
    x = da.ones((4, 5), chunks=2)
    with pytest.raises(ValueError):
        da.rot90(x, 1, (0, 0))
    with pytest.raises(ValueError):
        da.rot90(x, 1, (0, 1, 2))
    with pytest.raises(ValueError):
        da.moment(x, -1)
    with pytest.raises(ValueError):
        da.gradient(da.ones(1, chunks=1))
    with pytest.raises(ValueError):
        da.gradient(x, edge_order=3)
    with pytest.raises(np.exceptions.AxisError):
        da.topk(x, 2, axis=3)
    assert da.topk(da.ones(10_000, chunks=100), 3).task_count() <= 100 + 3
