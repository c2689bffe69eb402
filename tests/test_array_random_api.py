"""hlq.array.random: the full Generator / RandomState API (issue 3 part C).

Every block is numpy's draw from ``SeedSequence(entropy, spawn_key=block)``,
so results are checked against numpy exactly, and slicing (with or without
slice pushdown) never changes the numbers.
"""

import dask
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import hlq.array as da
from array_strategies import basic_indices, chunkings, shapes

DISTS = [
    ("beta", (1, 2)), ("binomial", (10, 0.5)), ("chisquare", (1,)), ("exponential", (1,)), ("f", (1, 2)),
    ("gamma", (5, 1)), ("geometric", (0.5,)), ("gumbel", (1,)), ("hypergeometric", (1, 2, 3)), ("laplace", ()),
    ("logistic", ()), ("lognormal", ()), ("logseries", (0.5,)), ("negative_binomial", (5, 0.5)),
    ("noncentral_chisquare", (2, 2)), ("noncentral_f", (2, 2, 3)), ("normal", (2, 2)), ("pareto", (1,)),
    ("poisson", ()), ("power", (1,)), ("rayleigh", ()), ("triangular", (1, 2, 3)), ("uniform", ()),
    ("vonmises", (2, 3)), ("wald", (1, 2)), ("weibull", (2,)), ("zipf", (2,)), ("standard_cauchy", ()),
    ("standard_exponential", ()), ("standard_gamma", (2,)), ("standard_normal", ()), ("standard_t", (2,)),
]
CLASSES = {"Generator": (da.random.default_rng, lambda ss: np.random.Generator(np.random.PCG64(ss))),
           "RandomState": (da.random.RandomState, lambda ss: np.random.RandomState(np.random.MT19937(ss)))}


def _numpy_blocks(kind, seed, method, args, shape, chunks, counter=1, **kwargs):
    """The array numpy draws block by block with hlq's seeding scheme."""
    from dask.array.core import concatenate3, normalize_chunks

    chunks = normalize_chunks(chunks, shape)
    parts = np.empty(tuple(len(c) for c in chunks), dtype=object)
    for idx in np.ndindex(*parts.shape):
        ss = np.random.SeedSequence((seed, counter), spawn_key=idx)
        bshape = tuple(c[i] for c, i in zip(chunks, idx))
        parts[idx] = np.asarray(getattr(CLASSES[kind][1](ss), method)(*args, size=bshape, **kwargs))
    return concatenate3(parts.tolist())


@pytest.mark.parametrize("kind", sorted(CLASSES))
@pytest.mark.parametrize("method,args", DISTS, ids=[d[0] for d in DISTS])
def test_every_distribution_equals_numpy_per_block(kind, method, args):
    g = CLASSES[kind][0](7)
    x = getattr(g, method)(*args, size=(5, 4), chunks=(2, 3))
    res = x.compute()
    expected = _numpy_blocks(kind, 7, method, args, (5, 4), (2, 3))
    assert res.shape == (5, 4) and res.dtype == x.dtype == expected.dtype
    np.testing.assert_array_equal(res, expected)
    np.testing.assert_array_equal(x[1:4, 2:].compute(), expected[1:4, 2:])


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_slices_never_change_the_numbers(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=9))
    chunks = data.draw(chunkings(shape))
    kind = data.draw(st.sampled_from(sorted(CLASSES)))
    method, args = data.draw(st.sampled_from(DISTS))
    x = getattr(CLASSES[kind][0](data.draw(st.integers(0, 2 ** 32))), method)(*args, size=shape, chunks=chunks)
    index = data.draw(basic_indices(shape))
    full = x.compute()
    np.testing.assert_array_equal(x[index].compute(), full[index])
    with dask.config.set({"hlq.rules.exclude": ["slice-pushdown"]}):
        np.testing.assert_array_equal(x[index].compute(), full[index])


def test_slice_draws_only_the_blocks_under_it():
    x = da.random.default_rng(0).gumbel(1, size=(1000, 1000), chunks=(100, 100))
    assert x[:10, 950:].task_count() == 1
    assert x[50:150, :100].task_count() == 2


def test_generator_only_and_randomstate_only_and_module_functions():
    r = da.random.default_rng(3).integers(5, high=15, size=(4, 3), chunks=2, endpoint=True).compute()
    assert r.dtype == np.int64 and r.min() >= 5 and r.max() <= 15
    m = da.random.default_rng(3).multivariate_hypergeometric([16, 8, 4], 6, size=(3, 2), chunks=2)
    assert m.shape == (3, 2, 3) and m.chunks[-1] == (3,)
    assert (m.compute().sum(-1) == 6).all()
    mn = da.random.RandomState(3).multinomial(20, [1 / 6.0] * 6, size=(5, 4), chunks=(2, 3))
    assert mn.shape == (5, 4, 6) and (mn.compute().sum(-1) == 20).all()
    assert not hasattr(da.random.RandomState(), "integers")
    with pytest.warns(DeprecationWarning):
        v = da.random.random_integers(10, size=50, chunks=7).compute()
    assert v.min() >= 1 and v.max() <= 10
    assert da.random.randint(0, 255, size=10, dtype="uint8").compute().dtype == np.uint8
    assert da.random.tomaxint(size=4, chunks=2).compute().min() >= 0
    da.random.seed(5)
    a = da.random.normal(size=(6,), chunks=4).compute()
    da.random.seed(5)
    np.testing.assert_array_equal(da.random.normal(size=(6,), chunks=4).compute(), a)
    for name in ["beta", "binomial", "choice", "f", "permutation", "random_sample", "standard_t", "zipf", "wald"]:
        assert callable(getattr(da.random, name))
    assert da.random.normal(0, 1, size=(10,), chunks=5).name.startswith("normal")


@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_array_parameters_broadcast_like_dask(kind):
    make = CLASSES[kind][0]
    arr = np.arange(6).reshape((2, 3))
    assert make(1).poisson(arr, chunks=3).compute().shape == (2, 3)
    y = make(1).normal(da.ones((2, 3, 4), chunks=3), 2, chunks=3)
    assert y.shape == (2, 3, 4) and y.compute().shape == (2, 3, 4)
    z = make(1).normal(scale=np.ones((1, 4)), loc=da.ones((2, 3, 4), chunks=(2, 3, 4)), size=(2, 2, 3, 4),
                       chunks=(2, 2, 3, 4))
    assert z.compute().shape == (2, 2, 3, 4)
    with pytest.raises(ValueError):
        make(1).normal(arr, np.ones((3, 1)), size=(2, 3, 4), chunks=3)
    for o in (np.ones(100), da.ones(100, chunks=(50,)), 1):
        assert 990 < make(2).normal(1000 * o, 0.01, chunks=(50,)).mean().compute() < 1010
    x = np.arange(10) ** 3
    w = make(4).normal(da.from_array(x, chunks=1), 0.01, chunks=(10,))
    assert w.chunks == ((10,),)
    np.testing.assert_allclose(w.compute(), x, atol=0.1)
    full = w.compute()
    np.testing.assert_array_equal(w[3:7].compute(), full[3:7])


@pytest.mark.parametrize("kind", sorted(CLASSES))
def test_choice_and_permutation(kind):
    make = CLASSES[kind][0]
    np_a = np.array([1, 3, 5, 7, 9], dtype="f8")
    da_a = da.from_array(np_a, chunks=2)
    np_p = np.array([0, 0.2, 0.2, 0.3, 0.3])
    for a in ([1, 3, 5, 7, 9], np_a, da_a):
        x = make(0).choice(a, size=(10, 3), chunks=4)
        assert x.dtype == np.asarray(a).dtype == x.compute().dtype and set(np.unique(x.compute())) <= set(np_a)
    for a, p in [(da_a, np_p), (np_a, da.from_array(np_p, chunks=2))]:
        assert set(np.unique(make(0).choice(a, size=(10, 3), chunks=4, p=p).compute())) <= set(np_a[1:])
    x = make(0).choice(3, size=(10, 3), chunks=4)
    assert x.dtype == x.compute().dtype and x.compute().max() < 3
    for a, p in [(-1, None), (np_a[:, None], None), (np_a, np_p[:, None]), (np_a, np_p[:-2]), (3, np_p),
                 (4, [0.2, 0.2, 0.3])]:
        with pytest.raises(ValueError):
            make().choice(a, size=(10, 3), chunks=4, p=p)
    with pytest.raises(NotImplementedError):
        make().choice(da_a, size=(10, 3), chunks=4, replace=False)
    r = make(0).choice(da_a, size=5, chunks=-1, replace=False).compute()
    assert len(np.unique(r)) == 5
    x = da.arange(12, chunks=3)
    a, b = make(0), make(0)
    r1, r2, r3 = a.permutation(x), b.permutation(x), a.permutation(x)
    np.testing.assert_array_equal(r1.compute(), r2.compute())
    assert sorted(r1.compute()) == list(range(12)) and not np.array_equal(r1.compute(), r3.compute())
    assert make().permutation(100).shape == (100,)


def test_errors():
    g = da.random.default_rng(0)
    with pytest.raises(ValueError):
        g.normal(0, -1, size=3)
    with pytest.raises(ValueError):
        g.integers(5, 5, size=3)
    with pytest.raises(TypeError, match="dtype"):
        g.standard_cauchy(size=(10,), dtype="float64")
    with pytest.raises(ValueError):
        da.random.RandomState(0).choice(da.ones(3), size=3, p=[0.5, 0.5])
    with pytest.raises(ValueError):
        g.choice(da.ones(3), size=(3, 2), axis=1)
    with pytest.raises(ValueError):
        da.random.RandomState(-1)
