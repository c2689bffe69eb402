"""Differential tests (hypothesis, vs numpy) for the shape-manipulation functions of issue 3:
joining, broadcasting, new/squeezed axes, flips, roll, reshape, tile, repeat, pad, take and
fancy indexing -- each computed optimized, without pushdown rules and without fusion
(``check`` from ``test_array_differential``), and sliced afterwards so the pushdown rules run."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import hlq.array as da
from array_strategies import basic_indices, chunkings, shapes
from test_array_differential import check, int_data, np_data

S = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(0, 2**16)


def arr(data, shape, seed, dtype=np.float64):
    a = np_data(shape, seed).astype(dtype) if dtype != np.int64 else int_data(shape, seed)
    return a, da.from_array(a, chunks=data.draw(chunkings(shape), label=f"chunks{shape}"))


def sliced(data, x, expected):
    idx = data.draw(basic_indices(expected.shape), label="idx")
    check(x[idx], expected[idx], exact=True)


@S
@given(data=st.data(), shape=shapes(min_dims=1), seed=seeds, n=st.integers(1, 3))
def test_concatenate(data, shape, seed, n):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    arrays, xs = [], []
    for i in range(n):
        s = list(shape)
        s[axis] = data.draw(st.integers(0, 5), label="len")
        a, x = arr(data, tuple(s), seed + i, data.draw(st.sampled_from([np.float64, np.int64, np.float32])))
        arrays.append(a)
        xs.append(x)
    expected = np.concatenate(arrays, axis=axis)
    y = da.concatenate(xs, axis=axis)
    check(y, expected, exact=True)
    sliced(data, y, expected)


@S
@given(data=st.data(), shape=shapes(max_dims=2), seed=seeds, n=st.integers(1, 3))
def test_stack_and_friends(data, shape, seed, n):
    pairs = [arr(data, shape, seed + i) for i in range(n)]
    arrays, xs = [a for a, _ in pairs], [x for _, x in pairs]
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)), label="axis")
    expected = np.stack(arrays, axis=axis)
    check(da.stack(xs, axis=axis), expected, exact=True)
    sliced(data, da.stack(xs, axis=axis), expected)
    check(da.hstack(xs), np.hstack(arrays), exact=True)
    check(da.vstack(xs), np.vstack(arrays), exact=True)
    check(da.dstack(xs), np.dstack(arrays), exact=True)
    check(da.block([xs, xs]), np.block([arrays, arrays]), exact=True)
    check(da.block(xs), np.block(arrays), exact=True) if len(shape) else None


@S
@given(data=st.data(), shape=shapes(), seed=seeds)
def test_broadcast_to_and_arrays(data, shape, seed):
    a, x = arr(data, shape, seed)
    extra = data.draw(st.lists(st.integers(0, 4), max_size=2), label="extra")
    target = tuple(extra) + tuple(data.draw(st.integers(1, 4)) if s == 1 else s for s in shape)
    expected = np.broadcast_to(a, target)
    y = da.broadcast_to(x, target)
    check(y, expected, exact=True)
    sliced(data, y, expected)
    b, z = arr(data, target[len(target) - 1:] if target else (), seed + 1)
    for got, exp in zip(da.broadcast_arrays(x, z), np.broadcast_arrays(a, b)):
        check(got, exp, exact=True)


@S
@given(data=st.data(), shape=shapes(), seed=seeds)
def test_new_axes_squeeze_atleast(data, shape, seed):
    a, x = arr(data, shape, seed)
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)), label="axis")
    check(da.expand_dims(x, axis), np.expand_dims(a, axis), exact=True)
    check(da.squeeze(x), np.squeeze(a), exact=True)
    check(x.squeeze(), a.squeeze(), exact=True)
    ones = tuple(i for i, s in enumerate(shape) if s == 1)
    if ones:
        check(da.squeeze(x, axis=ones[0]), np.squeeze(a, axis=ones[0]), exact=True)
    for f in ("atleast_1d", "atleast_2d", "atleast_3d"):
        check(getattr(da, f)(x), getattr(np, f)(a), exact=True)


@S
@given(data=st.data(), shape=shapes(min_dims=1), seed=seeds)
def test_flip_and_roll(data, shape, seed):
    a, x = arr(data, shape, seed)
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)), label="axis")
    check(da.flip(x, axis), np.flip(a, axis), exact=True)
    sliced(data, da.flip(x, axis), np.flip(a, axis))
    if len(shape) >= 2:
        check(da.fliplr(x), np.fliplr(a), exact=True)
    check(da.flipud(x), np.flipud(a), exact=True)
    shift = data.draw(st.integers(-15, 15), label="shift")
    check(da.roll(x, shift, axis), np.roll(a, shift, axis), exact=True)
    sliced(data, da.roll(x, shift, axis), np.roll(a, shift, axis))
    if len(shape) >= 2:
        check(da.roll(x, (shift, 1), (0, 1)), np.roll(a, (shift, 1), (0, 1)), exact=True)


def _factor(n, k):
    """Split ``n`` into ``k`` factors (some 1)."""
    out = []
    for _ in range(k - 1):
        f = next((d for d in (2, 3, 5) if n % d == 0), 1)
        out.append(f)
        n //= f
    return out + [n]


@S
@given(data=st.data(), shape=shapes(min_dims=1), seed=seeds)
def test_reshape(data, shape, seed):
    a, x = arr(data, shape, seed)
    choices = [(-1,), (a.size,), shape + (1,), (1,) + shape]
    if len(shape) >= 2:
        choices.append(shape[:-2] + (shape[-2] * shape[-1],))
        choices.append((shape[0], -1))
    if shape[-1] > 1:
        choices.append(shape[:-1] + tuple(_factor(shape[-1], 2)))
    target = data.draw(st.sampled_from(choices), label="target")
    try:
        expected = a.reshape(target)
    except ValueError:  # numpy refuses some -1 reshapes of empty arrays: so must hlq
        with pytest.raises(ValueError):
            x.reshape(target)
        return
    y = x.reshape(target)
    check(y, expected, exact=True)
    sliced(data, y, expected)
    check(da.ravel(x), a.ravel(), exact=True)
    check(x.flatten(), a.flatten(), exact=True)


@S
@given(data=st.data(), shape=shapes(max_dims=2), seed=seeds)
def test_tile_and_repeat(data, shape, seed):
    a, x = arr(data, shape, seed, np.int64)
    reps = data.draw(st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), min_size=1, max_size=3).map(tuple)))
    check(da.tile(x, reps), np.tile(a, reps), exact=True)
    r = data.draw(st.integers(0, 3), label="repeats")
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1))) if shape else None
    check(da.repeat(x, r, axis), np.repeat(a, r, axis), exact=True)


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=2, min_side=1), seed=seeds,
       mode=st.sampled_from(["constant", "edge", "reflect", "symmetric", "wrap"]))
def test_pad(data, shape, seed, mode):
    a, x = arr(data, shape, seed)

    def limit(n):
        if mode in ("constant", "edge") or (mode == "reflect" and n == 1):
            return 4
        return n - 1 if mode == "reflect" else n

    widths = tuple((data.draw(st.integers(0, limit(n))), data.draw(st.integers(0, limit(n)))) for n in shape)
    kwargs = {"constant_values": data.draw(st.sampled_from([0, 7, ((1, 2),) * len(shape)]))} if mode == "constant" else {}
    expected = np.pad(a, widths, mode=mode, **kwargs)
    y = da.pad(x, widths, mode=mode, **kwargs)
    check(y, expected, exact=True)
    sliced(data, y, expected)


@S
@given(data=st.data(), shape=shapes(min_dims=1, min_side=1), seed=seeds)
def test_take_and_fancy_indexing(data, shape, seed):
    a, x = arr(data, shape, seed)
    axis = data.draw(st.integers(0, len(shape) - 1), label="axis")
    n = shape[axis]
    idx = data.draw(st.lists(st.integers(-n, n - 1), max_size=8), label="idx")
    expected = np.take(a, idx, axis=axis)
    y = da.take(x, idx, axis=axis)
    check(y, expected, exact=True)
    sliced(data, y, expected)
    index = (slice(None),) * axis + (idx,)
    check(x[index], a[index], exact=True)
    mask = np.asarray(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    index = (slice(None),) * axis + (mask,)
    check(x[index], a[index], exact=True)
    pre = data.draw(basic_indices(shape[:axis], allow_none=False, allow_ellipsis=False, allow_scalar=False),
                    label="pre")
    index = tuple(pre) + (slice(None),) * (axis - len(pre)) + (idx,)
    with np.errstate(all="ignore"):
        expected = a[index]
    check(x[index], expected, exact=True)


def test_fancy_index_with_separated_integers_moves_axis_first():
    a = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    x = da.from_array(a, chunks=2)
    check(x[:, [2, 0], :, 1], a[:, [2, 0], :, 1], exact=True)
    check(x[1, :, [3, 0]], a[1, :, [3, 0]], exact=True)
    check(x[1, [2, 0]], a[1, [2, 0]], exact=True)


# --------------------------------------------------------------- errors


AxisError = np.exceptions.AxisError


def _both(exc, np_fn, da_fn):
    with pytest.raises(exc):
        np_fn()
    with pytest.raises(exc):
        da_fn()  # at build time: nothing is computed


def test_build_time_errors():
    a, x = np.ones((3, 4)), da.ones((3, 4), chunks=2)
    b, y = np.ones((2, 5)), da.ones((2, 5), chunks=2)
    _both(ValueError, lambda: np.concatenate([a, b]), lambda: da.concatenate([x, y]))
    _both(ValueError, lambda: np.concatenate([a, np.ones(4)]), lambda: da.concatenate([x, da.ones(4, chunks=2)]))
    _both(AxisError, lambda: np.concatenate([a, a], axis=2), lambda: da.concatenate([x, x], axis=2))
    _both(ValueError, lambda: np.concatenate([]), lambda: da.concatenate([]))
    _both(ValueError, lambda: np.stack([a, b]), lambda: da.stack([x, y]))
    _both(AxisError, lambda: np.stack([a, a], axis=3), lambda: da.stack([x, x], axis=3))
    _both(ValueError, lambda: np.broadcast_to(a, (3, 5)), lambda: da.broadcast_to(x, (3, 5)))
    _both(ValueError, lambda: np.squeeze(a, axis=0), lambda: da.squeeze(x, axis=0))
    _both(AxisError, lambda: np.flip(a, 2), lambda: da.flip(x, 2))
    _both(AxisError, lambda: np.expand_dims(a, 4), lambda: da.expand_dims(x, 4))
    _both(ValueError, lambda: a.reshape(5), lambda: x.reshape(5))
    _both(ValueError, lambda: a.reshape(-1, -1), lambda: x.reshape(-1, -1))
    _both(ValueError, lambda: np.pad(a, 1, mode="nope"), lambda: da.pad(x, 1, mode="nope"))
    _both(ValueError, lambda: np.pad(a, -1), lambda: da.pad(x, -1))
    _both(IndexError, lambda: a[[0, 3]], lambda: x[[0, 3]])
    _both(IndexError, lambda: a[:, [-5]], lambda: x[:, [-5]])
    _both(IndexError, lambda: np.take(a, [12]), lambda: da.take(x, [12]))
    _both(IndexError, lambda: a[np.array([True, False])], lambda: x[np.array([True, False])])
    _both(ValueError, lambda: np.tile(a, -1), lambda: da.tile(x, -1))
    _both(AxisError, lambda: np.roll(a, 1, axis=5), lambda: da.roll(x, 1, axis=5))
    with pytest.raises(NotImplementedError):  # like dask: uneven splits are not supported
        da.ones((5, 12), chunks=(2, 5)).reshape((10, 6))


def test_roll_pairs_shifts_and_axes_like_dask():
    x = da.from_array(np.arange(24).reshape(4, 6), chunks=(2, 4))
    with pytest.raises(ValueError, match="same number of shifts"):
        da.roll(x, (3, 9), 0)
    with pytest.raises(TypeError):
        da.roll(x, (3, 9))
    np.testing.assert_array_equal(da.roll(x, (3, 1), (0, 1)).compute(), np.roll(np.arange(24).reshape(4, 6), (3, 1), (0, 1)))


def test_block_reports_depth_mismatch_before_empty_lists():
    for arrays in ([1, [2]], [1, []], [[1], 2], [[], 2], [[[1], [2]], [[3, 4]], [5]]):
        with pytest.raises(ValueError, match="depths are mismatched"):
            da.block(arrays)
    with pytest.raises(ValueError, match="cannot be empty"):
        da.block([[1], []])


def test_broadcast_to_keeps_chunks_of_existing_dimensions():
    a = da.from_array(np.arange(30).reshape(5, 1, 6), chunks=(3, 1, 3))
    assert da.broadcast_to(a, (5, 3, 6), chunks=(3, 1, 3)).chunks == ((3, 2), (1, 1, 1), (3, 3))
    with pytest.raises(ValueError, match="cannot broadcast chunks"):
        da.broadcast_to(a, a.shape, chunks=((2, 3), (1,), (3, 3)))
    with pytest.raises(ValueError):
        da.broadcast_to(a, (5, 2, 6), chunks=((3, 2), (3,), (3, 3)))
    assert da.broadcast_arrays() == ()


def test_concatenate_and_stack_shape_errors_like_dask():
    with pytest.raises(ValueError, match=r"Shapes do not align.*\(2, 1\)"):
        da.concatenate([da.zeros((2, 1), chunks=(2, 1)), da.zeros((2, 3), chunks=(2, 3))])
    with pytest.raises(ValueError) as e:
        da.stack([da.zeros((2,), chunks=2)] * 10 + [da.zeros((3,), chunks=3)] * 10)
    assert str(e.value) == ("Stacked arrays must have the same shape. The first array had shape (2,), while array 11 "
                            "has shape (3,).")
    x = da.from_array(np.arange(10), chunks=5)
    u, v = x[x > 3], x[x < 6]
    with pytest.raises(ValueError, match="nan"):
        da.stack([u, v])
    np.testing.assert_array_equal(da.stack([u, u]).compute(), np.stack([np.arange(4, 10)] * 2))
