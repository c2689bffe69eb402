"""Differential tests (hypothesis) for ``hlq.array.overlap``/``map_overlap``/``sliding_window_view``:
padded boundaries against numpy (a local stencil on ``np.pad``), ``'none'`` and raw ``overlap``
against legacy ``dask.array``; three optimizer modes (``check``); slices of the results; task
counts of sliced ``map_overlap`` (only the blocks under the slice plus their halo)."""

from __future__ import annotations

import dask
import dask.array as dask_array
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hlq.array as da
from array_strategies import basic_indices, chunkings, shapes
from test_array_differential import check, np_data

S = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(0, 2**16)
NP_MODE = {"reflect": "symmetric", "periodic": "wrap", "nearest": "edge"}


def stencil(b):
    out = b.copy()
    for ax in range(b.ndim):
        out = out + 2 * np.roll(b, 1, ax) - np.roll(b, -1, ax)
    return out


def _pad(a, depth, boundary):
    if isinstance(boundary, str):
        return np.pad(a, depth, mode=NP_MODE[boundary])
    return np.pad(a, depth, mode="constant", constant_values=boundary)


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=2, min_side=1), seed=seeds)
def test_map_overlap_padded_boundaries(data, shape, seed):
    a = np_data(shape, seed)
    x = da.from_array(a, chunks=data.draw(chunkings(shape), label="chunks"))
    depth = data.draw(st.integers(1, min(shape)), label="depth")
    boundary = data.draw(st.sampled_from(["reflect", "periodic", "nearest", 0.5]), label="boundary")
    y = da.map_overlap(stencil, x, depth=depth, boundary=boundary, dtype=x.dtype)
    p = _pad(a, depth, boundary)
    expected = stencil(p)[tuple(slice(depth, depth + n) for n in shape)]
    assert y.chunks == x.chunks or depth > 1
    check(y, expected)
    idx = data.draw(basic_indices(expected.shape), label="idx")
    check(y[idx], expected[idx])


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=2, min_side=1), seed=seeds)
def test_overlap_matches_dask(data, shape, seed):
    a = np_data(shape, seed)
    chunks = data.draw(chunkings(shape), label="chunks")
    x, dx = da.from_array(a, chunks=chunks), dask_array.from_array(a, chunks=chunks)
    depth = {ax: data.draw(st.integers(0, n), label="depth") for ax, n in enumerate(shape)}
    boundary = {ax: data.draw(st.sampled_from(["reflect", "periodic", "nearest", "none", -1.0]), label="b")
                for ax in range(len(shape))}
    g, dg = da.overlap.overlap(x, depth, boundary), dask_array.overlap.overlap(dx, depth, boundary)
    assert g.chunks == dg.chunks
    check(g, dg.compute(), exact=True)
    y = da.map_overlap(stencil, x, depth=depth, boundary="none", dtype=x.dtype)
    dy = dask_array.map_overlap(stencil, dx, depth=depth, boundary="none", dtype=x.dtype)
    assert y.chunks == dy.chunks
    check(y, dy.compute())
    t = da.overlap.trim_overlap(g, depth, boundary)
    check(t, dask_array.overlap.trim_overlap(dg, depth, boundary).compute(), exact=True)


@S
@given(data=st.data(), shape=shapes(min_dims=1, max_dims=3, min_side=1), seed=seeds)
def test_sliding_window_view(data, shape, seed):
    a = np_data(shape, seed)
    x = da.from_array(a, chunks=data.draw(chunkings(shape), label="chunks"))
    axes = data.draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=2), label="axes")
    window = []
    room = list(shape)
    for ax in axes:
        w = data.draw(st.integers(1, room[ax]), label="w")
        room[ax] -= w - 1
        window.append(w)
    expected = np.lib.stride_tricks.sliding_window_view(a, window, axes)
    check(da.lib.stride_tricks.sliding_window_view(x, window, axes), expected, exact=True)


def test_map_overlap_asymmetric_multiple_arrays_and_errors():
    a = np.arange(60.0).reshape(6, 10)
    x, dx = da.from_array(a, chunks=(3, 4)), dask_array.from_array(a, chunks=(3, 4))
    b = a[::-1] * 2
    y = da.map_overlap(lambda u, v: u + np.roll(v, 1, 0), x, da.from_array(b, chunks=(2, 5)),
                       depth={0: (1, 2), 1: 1}, boundary="none", dtype=float)
    dy = dask_array.map_overlap(lambda u, v: u + np.roll(v, 1, 0), dx, dask_array.from_array(b, chunks=(2, 5)),
                                depth={0: (1, 2), 1: 1}, boundary="none", dtype=float)
    check(y, dy.compute())
    with pytest.raises(NotImplementedError):
        da.map_overlap(np.negative, x, depth={0: (1, 2)}, boundary="reflect")
    with pytest.raises(ValueError):
        da.overlap.overlap(x, depth=3, boundary="reflect", allow_rechunk=False)
    with pytest.raises(TypeError):
        da.map_overlap(1, x, depth=1)
    z = da.map_overlap(lambda b: b[:, :1], x, depth={1: 1}, boundary="none", trim=False, chunks=((3, 3), (1, 1, 1)))
    np.testing.assert_array_equal(z.compute(), dask_array.map_overlap(
        lambda b: b[:, :1], dx, depth={1: 1}, boundary="none", trim=False, chunks=((3, 3), (1, 1, 1))).compute())
    assert da.map_overlap(np.negative, x, depth=0).task_count() <= x.npartitions + 1


def test_map_overlap_slice_reads_block_and_halo():
    from hlq.rules import optimize_plan

    x = da.ones((1000, 1000), chunks=10)
    for boundary in ("reflect", "periodic", "none", 0):
        y = da.map_overlap(lambda b: b * 2, x, depth=2, boundary=boundary, dtype=x.dtype)
        for sl, region in ((np.s_[:10, :10], 14), (np.s_[500:505, 995:], 14), (np.s_[500:505, 400:405], 14)):
            z = y[sl]
            assert z.task_count() <= (11 if region == 14 and sl[1].start == 400 else 30), (boundary, sl)
            (halo,) = [n for n in optimize_plan(z.node).walk() if n.op_name == "overlap"]
            if boundary != "none" or sl[1].start == 400:
                assert halo.child.shape == (region, region), (boundary, sl, halo.child.shape)  # block + halo only
            np.testing.assert_array_equal(z.compute(), np.full(z.shape, 2.0))
            with dask.config.set({"hlq.rules.exclude": ["slice-pushdown", "simplify"]}):
                assert z.task_count() <= 40  # culling alone: the block, its 8 neighbours and boundary pieces
                np.testing.assert_array_equal(z.compute(), np.full(z.shape, 2.0))


def test_map_overlap_old_signature_and_unaligned_block_counts():
    x = da.ones(3, chunks=3)
    with pytest.warns(FutureWarning):
        y = da.map_overlap(x, lambda b: np.array(b.sum()), 1, "reflect", True)
    assert y.shape == (3,) and y.compute() == 5  # a 0-d block result is not trimmed
    with pytest.warns(FutureWarning):
        assert da.map_overlap(x, lambda b: np.array(b.sum()), 0, "reflect", True).compute() == 3
    a, b = da.arange(10, chunks=10), da.arange(10, chunks=5)
    with pytest.raises(ValueError, match="align_arrays=False"):
        da.map_overlap(lambda u, v: u + v, a, b, align_arrays=False, boundary="none")
    np.testing.assert_array_equal(da.map_overlap(lambda u, v: u + v, a, b, depth=1, boundary="none").compute(),
                                  2 * np.arange(10))
