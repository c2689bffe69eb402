"""Random arrays: ``default_rng()`` generators and the legacy ``RandomState`` API.

Numbers are drawn per block of the array's original chunk grid from a stream
seeded by ``SeedSequence(entropy, spawn_key=block_index)``: the same seed
gives the same numbers whatever region is computed, so slice pushdown never
changes the values (``x[:10].compute() == x.compute()[:10]``).
"""

from __future__ import annotations

import numbers

import numpy as np

from hlq.array.core import Array, normalize_dims
from hlq.array.nodes import Random

__all__ = ["default_rng", "Generator", "RandomState", "random", "random_sample", "standard_normal", "normal",
           "uniform", "randint", "seed"]


def _entropy(seed):
    if seed is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(seed, np.random.SeedSequence):
        return int(seed.entropy) if not isinstance(seed.entropy, (list, tuple)) else tuple(seed.entropy)
    if isinstance(seed, (numbers.Integral, np.integer)):
        if seed < 0:
            raise ValueError("Seed must be non-negative")
        return int(seed)
    if isinstance(seed, (list, tuple)):
        return tuple(int(s) for s in seed)
    raise TypeError(f"unsupported seed {seed!r}")


def _size(size):
    if size is None:
        return ()
    if isinstance(size, (numbers.Integral, np.integer)):
        return (int(size),)
    return tuple(int(s) for s in size)


class Generator:
    """A random generator producing hlq arrays (``dask.array.random.Generator``)."""

    def __init__(self, seed=None, legacy=False):
        self._seed = seed
        self._legacy = legacy
        self._counter = 0
        self._entropy = _entropy(seed)

    def _next_entropy(self):
        # each call draws from a distinct stream, deterministic for a given seed
        self._counter += 1
        e = self._entropy
        return (e, self._counter) if not isinstance(e, tuple) else (*e, self._counter)

    def _make(self, method, params, size, chunks, dtype):
        shape = _size(size)
        dtype = np.dtype(dtype)
        dims = normalize_dims(chunks, shape, dtype=dtype)
        for p in params:
            if np.ndim(p) != 0:
                raise NotImplementedError("array-valued distribution parameters are not supported yet")
        return Array(Random(method, tuple(params), dims, dtype, self._next_entropy(), None, self._legacy))

    def random(self, size=None, dtype=np.float64, out=None, chunks="auto"):
        return self._make("random" if not self._legacy else "random_sample", (), size, chunks, dtype)

    def standard_normal(self, size=None, dtype=np.float64, out=None, chunks="auto"):
        return self._make("standard_normal", (), size, chunks, dtype)

    def normal(self, loc=0.0, scale=1.0, size=None, chunks="auto"):
        if scale < 0:
            raise ValueError("scale < 0")
        return self._make("normal", (loc, scale), size, chunks, np.float64)

    def uniform(self, low=0.0, high=1.0, size=None, chunks="auto"):
        return self._make("uniform", (low, high), size, chunks, np.float64)

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False, chunks="auto"):
        if high is None:
            low, high = 0, low
        if (high < low) or (high == low and not endpoint):
            raise ValueError("high <= low" if not endpoint else "low > high")
        return self._make("integers", (low, high + 1 if endpoint else high), size, chunks, dtype)


def default_rng(seed=None) -> Generator:
    """A new :class:`Generator` (``dask.array.random.default_rng``)."""
    if isinstance(seed, Generator):
        return seed
    return Generator(seed)


class RandomState(Generator):
    """Legacy API (``dask.array.random.RandomState``) over ``numpy.random.RandomState``."""

    def __init__(self, seed=None):
        super().__init__(seed, legacy=True)

    def seed(self, seed=None):
        self.__init__(seed)

    def random_sample(self, size=None, chunks="auto"):
        return self._make("random_sample", (), size, chunks, np.float64)

    random = random_sample

    def standard_normal(self, size=None, chunks="auto"):
        return self._make("standard_normal", (), size, chunks, np.float64)

    def randint(self, low, high=None, size=None, chunks="auto", dtype=int):
        if high is None:
            low, high = 0, low
        if high <= low:
            raise ValueError("low >= high")
        return self._make("randint", (low, high), size, chunks, dtype)


_GLOBAL = [RandomState()]


def seed(s=None):
    """Reseed the module-level RandomState."""
    _GLOBAL[0] = RandomState(s)


def random(size=None, chunks="auto"):
    """Uniform floats in [0, 1) (``dask.array.random.random``)."""
    return _GLOBAL[0].random_sample(size, chunks=chunks)


random_sample = random


def standard_normal(size=None, chunks="auto"):
    """Standard normal samples from the module-level RandomState (``dask.array.random.standard_normal``)."""
    return _GLOBAL[0].standard_normal(size, chunks=chunks)


def normal(loc=0.0, scale=1.0, size=None, chunks="auto"):
    """Normal samples from the module-level RandomState (``dask.array.random.normal``)."""
    return _GLOBAL[0].normal(loc, scale, size, chunks=chunks)


def uniform(low=0.0, high=1.0, size=None, chunks="auto"):
    """Uniform samples in [low, high) from the module-level RandomState (``dask.array.random.uniform``)."""
    return _GLOBAL[0].uniform(low, high, size, chunks=chunks)


def randint(low, high=None, size=None, chunks="auto", dtype=int):
    """Random integers in [low, high) from the module-level RandomState (``dask.array.random.randint``)."""
    return _GLOBAL[0].randint(low, high, size, chunks=chunks, dtype=dtype)
