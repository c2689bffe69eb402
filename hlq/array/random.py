"""Random arrays: ``default_rng()`` generators and the legacy ``RandomState`` API (``dask.array.random``).

Numbers are drawn per block of the array's original chunk grid from a stream
seeded by ``SeedSequence(entropy, spawn_key=block_index)``: the same seed
gives the same numbers whatever region is computed, so slice pushdown never
changes the values (``x[:10].compute() == x.compute()[:10]``).

Distributions with scalar parameters are region sources (a slice draws only
the original blocks under it); array-valued parameters (numpy or hlq arrays)
are broadcast to the output and the draws are mapped over their blocks with
the same per-block seeding.

>>> import hlq.array as da
>>> rng = da.random.default_rng(42)
>>> x = rng.normal(10, 2, size=(1000,), chunks=100)
>>> bool((x[:10].compute() == x.compute()[:10]).all())
True
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from dask.utils import derived_from

from hlq.array._blockwise import map_blocks
from hlq.array._chunks import Dim
from hlq.array._core import Array, asarray, normalize_dims
from hlq.array._creation import arange
from hlq.array._manipulation import broadcast_to
from hlq.array.nodes import Random

__all__ = ["default_rng", "Generator", "RandomState", "seed"]


def _entropy(seed):
    if seed is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(seed, np.random.SeedSequence):
        return int(seed.entropy) if not isinstance(seed.entropy, (list, tuple)) else tuple(seed.entropy)
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2 ** 63))
    if isinstance(seed, np.random.BitGenerator):
        return int(np.random.Generator(seed).integers(2 ** 63))
    if isinstance(seed, type) and issubclass(seed, np.random.BitGenerator):  # a class: fresh entropy
        return int(np.random.SeedSequence().entropy)
    if isinstance(seed, np.random.RandomState):
        return int(seed.randint(2 ** 62))
    if isinstance(seed, (numbers.Integral, np.integer)):
        if seed < 0:
            raise ValueError("Seed must be non-negative")
        return int(seed)
    if isinstance(seed, (list, tuple, np.ndarray)):
        return tuple(int(s) for s in np.asarray(seed).ravel())
    raise TypeError(f"unsupported seed {seed!r}")


def _size(size):
    if size is None:
        return None
    if isinstance(size, (numbers.Integral, np.integer)):
        return (int(size),)
    return tuple(int(s) for s in size)


def _is_array_param(p) -> bool:
    return isinstance(p, Array) or (np.ndim(p) > 0 and not isinstance(p, (str, bytes)))


def _sample_param(p):
    """A scalar standing in for an array parameter when validating and inferring the dtype."""
    if isinstance(p, Array):
        return np.ones((), dtype=p.dtype)[()]
    a = np.asarray(p)
    return a.ravel()[0] if a.size else np.ones((), dtype=a.dtype)[()]


def _derived(npcls, method):
    """numpy's docstring for ``method`` (dask's ``derived_from``: examples skipped, differences noted)."""
    try:
        return derived_from(npcls)(method)
    except Exception:  # pragma: no cover - a numpy without this method's docstring
        return method


class _BlockDraw:
    """Draw one block whose (array) parameters arrive as blocks; seeded by the block index."""

    __slots__ = ("method", "template", "entropy", "legacy", "kwargs", "dtype")
    __name__ = "random-block"

    def __init__(self, method, template, entropy, legacy, kwargs, dtype):
        self.method, self.template, self.entropy = method, template, entropy
        self.legacy, self.kwargs, self.dtype = legacy, kwargs, dtype

    def __call__(self, *blocks, block_id=None):
        it = iter(blocks)
        params = [next(it) if t is _ARRAY else t for t in self.template]
        shape = np.broadcast_shapes(*(np.shape(b) for b in blocks))
        ss = np.random.SeedSequence(self.entropy, spawn_key=tuple(int(i) for i in block_id))
        if self.legacy:
            gen = np.random.RandomState(np.random.MT19937(ss))
        else:
            gen = np.random.Generator(np.random.PCG64(ss))
        out = np.asarray(getattr(gen, self.method)(*params, size=shape, **dict(self.kwargs or ())))
        return out.astype(self.dtype, copy=False)

    def __reduce__(self):
        return (_BlockDraw, (self.method, self.template, self.entropy, self.legacy, self.kwargs, self.dtype))


class _ArraySlot:
    def __repr__(self):
        return "ARRAY"

    def __reduce__(self):
        return (_array_slot, ())

    def __dask_tokenize__(self):
        return "hlq-random-array-slot"


_ARRAY = _ArraySlot()


def _array_slot():
    return _ARRAY


class Generator:
    """Random arrays from numpy's ``Generator`` API (``dask.array.random.Generator``).

    Parameters
    ----------
    seed : None, int, sequence, SeedSequence, numpy Generator or BitGenerator
        Seeds the per-block streams; the same seed gives the same arrays.
    """

    _legacy = False

    def __init__(self, seed=None):
        self._seed = seed
        self._counter = 0
        self._entropy = _entropy(seed)

    def __repr__(self):
        return f"{type(self).__name__}(seed={self._seed!r})"

    def _next_entropy(self):
        # each call draws from a distinct stream, deterministic for a given seed
        self._counter += 1
        e = self._entropy
        return (e, self._counter) if not isinstance(e, tuple) else (*e, self._counter)

    def _sample_gen(self):
        return np.random.RandomState(0) if self._legacy else np.random.default_rng(0)

    def _wrap(self, dist, *params, size=None, chunks="auto", dtype=None, core=(), **kwargs):
        """Build the array of ``dist(*params, size=size, **kwargs)`` drawn block by block."""
        size = _size(size)
        arrays = [p for p in params if _is_array_param(p)]
        pshapes = [tuple(p.shape) if isinstance(p, Array) else np.shape(p) for p in arrays]
        if size is None:
            shape = np.broadcast_shapes(*pshapes) if pshapes else ()
        else:
            shape = size
            if any(n < 0 for n in shape):
                raise ValueError(f"negative dimensions are not allowed: size {shape}")
            try:
                ok = np.broadcast_shapes(shape, *pshapes) == shape
            except ValueError:
                ok = False
            if not ok:
                raise ValueError(f"shape mismatch: objects cannot be broadcast to a single shape: size {shape} and "
                                 f"parameter shapes {pshapes}")
        # validate arguments and find the dtype with numpy itself, on a tiny draw
        sample = [_sample_param(p) if _is_array_param(p) else p for p in params]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            kw = dict(kwargs)
            if dtype is not None:
                kw["dtype"] = dtype
            res = np.asarray(getattr(self._sample_gen(), dist)(*sample, size=(1,), **kw))
        out_dtype = np.dtype(dtype) if dtype is not None else res.dtype
        if dtype is not None:
            kwargs["dtype"] = np.dtype(dtype)
        kw = tuple(sorted(kwargs.items())) if kwargs else None
        entropy = self._next_entropy()
        if isinstance(chunks, (tuple, list)) and len(chunks) == len(shape) + len(core) and core:
            chunks = tuple(chunks[:len(shape)])
        dims = normalize_dims(chunks, shape, dtype=out_dtype)
        if not arrays:
            dims = dims + tuple(Dim.regular(n, max(n, 1)) for n in core)
            return Array(Random(dist, tuple(params), dims, out_dtype, entropy, None, self._legacy, kw, len(core)))
        if core:
            raise NotImplementedError(f"{dist}: array-valued parameters are not supported by hlq.array")

        chunks_out = tuple(d.sizes() for d in dims)
        blocks = [broadcast_to(asarray(p), shape).rechunk(chunks_out) for p in arrays]
        template = tuple(_ARRAY if _is_array_param(p) else p for p in params)
        draw = _BlockDraw(dist, template, entropy, self._legacy, kw, out_dtype)
        return map_blocks(_call_with_block_id, draw, *blocks, dtype=out_dtype)

    # ------------------------------------------------------------- Generator API
    def random(self, size=None, dtype=np.float64, out=None, chunks="auto", **kwargs):
        """Uniform floats in [0, 1)."""
        return self._wrap("random", size=size, chunks=chunks, dtype=dtype, **kwargs)

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False, chunks="auto", **kwargs):
        """Random integers in [low, high) (or [low, high] with ``endpoint=True``)."""
        return self._wrap("integers", low, high, size=size, chunks=chunks, dtype=dtype, endpoint=endpoint, **kwargs)

    def standard_normal(self, size=None, dtype=np.float64, out=None, chunks="auto", **kwargs):
        """Standard normal samples."""
        return self._wrap("standard_normal", size=size, chunks=chunks, dtype=dtype, **kwargs)

    def standard_exponential(self, size=None, dtype=np.float64, method="zig", out=None, chunks="auto", **kwargs):
        """Standard exponential samples."""
        return self._wrap("standard_exponential", size=size, chunks=chunks, dtype=dtype, method=method, **kwargs)

    def standard_gamma(self, shape, size=None, dtype=np.float64, out=None, chunks="auto", **kwargs):
        """Standard gamma samples."""
        return self._wrap("standard_gamma", shape, size=size, chunks=chunks, dtype=dtype, **kwargs)

    def multivariate_hypergeometric(self, colors, nsample, size=None, method="marginals", chunks="auto",
                                    **kwargs):
        """Multivariate hypergeometric samples; the last axis (one per color) is one chunk."""
        colors = np.asarray(colors)
        return self._wrap("multivariate_hypergeometric", size=size, chunks=chunks, method=method,
                          core=(len(colors),), colors=colors, nsample=nsample, **kwargs)

    def choice(self, a, size=None, replace=True, p=None, axis=0, shuffle=True, chunks="auto"):
        """Random samples from ``a`` (an int n for ``arange(n)``, or a 1-d array), optionally weighted by ``p``."""
        if axis != 0:
            raise ValueError("axis must be 0 since a is one dimensional")
        return self._choice(a, size, replace, p, chunks, {"shuffle": shuffle} if not shuffle else {})

    def _choice(self, a, size, replace, p, chunks, extra):
        if isinstance(a, Array):
            a = a.compute()
        if isinstance(p, Array):
            p = p.compute()
        if isinstance(a, (numbers.Integral, np.integer)):
            if a <= 0:
                raise ValueError("a must be greater than 0")
            n = int(a)
            dtype = np.asarray(self._sample_gen().choice(1, size=())).dtype
        else:
            a = np.asarray(a)
            if a.ndim != 1:
                raise ValueError("a must be one dimensional")
            n = len(a)
            dtype = a.dtype
            if n == 0:
                raise ValueError("a must be non-empty")
        if p is not None:
            p = np.asarray(p)
            if p.ndim != 1:
                raise ValueError("p must be one dimensional")
            if len(p) != n:
                raise ValueError("a and p must have the same size")
            if not np.isclose(p.sum(), 1, rtol=1e-7, atol=0):
                raise ValueError("probabilities do not sum to 1")
            if isinstance(a, (numbers.Integral, np.integer)):
                dtype = np.asarray(self._sample_gen().choice(1, size=(), p=np.array([1.0]))).dtype
        shape = _size(size) or ()
        if any(n < 0 for n in shape):
            raise ValueError(f"negative dimensions are not allowed: size {shape}")
        dims = normalize_dims(chunks, shape, dtype=dtype)
        if not replace and np.prod([d.nblocks for d in dims]) > 1:
            raise NotImplementedError("replace=False is not currently supported for hlq.array choice with "
                                      "multi-chunk output arrays")
        kwargs = {"replace": bool(replace), **extra}
        if p is not None:
            kwargs["p"] = p
        kw = tuple(sorted(kwargs.items()))
        return Array(Random("choice", (a if not isinstance(a, (numbers.Integral, np.integer)) else int(a),), dims,
                            np.dtype(dtype), self._next_entropy(), None, self._legacy, kw, 0))

    def permutation(self, x):
        """A random permutation of ``arange(x)`` (int ``x``) or of ``x`` along its first axis."""
        if isinstance(x, (numbers.Integral, np.integer)):
            x = arange(int(x), chunks="auto")
        x = asarray(x)
        ss = np.random.SeedSequence(self._next_entropy())
        index = np.random.Generator(np.random.PCG64(ss)).permutation(len(x))
        return x[index]

    def multinomial(self, n, pvals, size=None, chunks="auto", **kwargs):
        """Multinomial samples; the last axis (one per outcome) is one chunk."""
        pvals = np.asarray(pvals)
        return self._wrap("multinomial", n, size=size, chunks=chunks, core=(len(pvals),), pvals=pvals, **kwargs)

    def _params_method(name, params, defaults=(), npcls=np.random.Generator):  # noqa: N805 - builds methods
        names = list(params)
        default_map = dict(defaults)

        def method(self, *args, size=None, chunks="auto", **kwargs):
            vals = list(args[:len(names)])
            extra = args[len(names):]  # dask's positional order: *params, size, chunks
            if len(extra) > 2:
                raise TypeError(f"{name}() takes at most {len(names) + 2} positional arguments")
            if extra:
                size = extra[0]
            if len(extra) == 2:
                chunks = extra[1]
            for nm in names[len(vals):]:
                if nm in kwargs:
                    vals.append(kwargs.pop(nm))
                elif nm in default_map:
                    vals.append(default_map[nm])
                else:
                    raise TypeError(f"{name}() missing required argument '{nm}'")
            return self._wrap(name, *vals, size=size, chunks=chunks, **kwargs)

        method.__name__ = name
        method.__doc__ = f"``{name}`` samples (numpy's distribution; parameters may be arrays)."
        return _derived(npcls, method)

    _DISTRIBUTIONS = [  # name, parameters, defaults
        ("beta", ("a", "b"), {}),
        ("binomial", ("n", "p"), {}),
        ("chisquare", ("df",), {}),
        ("exponential", ("scale",), {"scale": 1.0}),
        ("f", ("dfnum", "dfden"), {}),
        ("gamma", ("shape", "scale"), {"scale": 1.0}),
        ("geometric", ("p",), {}),
        ("gumbel", ("loc", "scale"), {"loc": 0.0, "scale": 1.0}),
        ("hypergeometric", ("ngood", "nbad", "nsample"), {}),
        ("laplace", ("loc", "scale"), {"loc": 0.0, "scale": 1.0}),
        ("logistic", ("loc", "scale"), {"loc": 0.0, "scale": 1.0}),
        ("lognormal", ("mean", "sigma"), {"mean": 0.0, "sigma": 1.0}),
        ("logseries", ("p",), {}),
        ("negative_binomial", ("n", "p"), {}),
        ("noncentral_chisquare", ("df", "nonc"), {}),
        ("noncentral_f", ("dfnum", "dfden", "nonc"), {}),
        ("normal", ("loc", "scale"), {"loc": 0.0, "scale": 1.0}),
        ("pareto", ("a",), {}),
        ("poisson", ("lam",), {"lam": 1.0}),
        ("power", ("a",), {}),
        ("rayleigh", ("scale",), {"scale": 1.0}),
        ("standard_cauchy", (), {}),
        ("standard_t", ("df",), {}),
        ("triangular", ("left", "mode", "right"), {}),
        ("uniform", ("low", "high"), {"low": 0.0, "high": 1.0}),
        ("vonmises", ("mu", "kappa"), {}),
        ("wald", ("mean", "scale"), {}),
        ("weibull", ("a",), {}),
        ("zipf", ("a",), {}),
    ]
    for _n, _p, _d in _DISTRIBUTIONS:
        locals()[_n] = _params_method(_n, _p, _d)
    del _n, _p, _d

    _make = _params_method
    del _params_method


def _call_with_block_id(draw, *blocks, block_id=None):
    return draw(*blocks, block_id=block_id)


def default_rng(seed=None) -> Generator:
    """A new :class:`Generator` (``dask.array.random.default_rng``); a Generator passes through."""
    if isinstance(seed, Generator):
        return seed
    return Generator(seed)


class _GeneratorOnly:
    """Hides a Generator-only method on RandomState (``hasattr`` is False, like dask's)."""

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, cls=None):
        raise AttributeError(f"'RandomState' object has no attribute '{self.name}'")


class RandomState(Generator):
    """Legacy API (``dask.array.random.RandomState``) drawing with ``numpy.random.RandomState`` per block.

    Parameters
    ----------
    seed : None, int or sequence
    RandomState : ignored
        Accepted for dask compatibility (hlq draws numpy blocks).
    """

    _legacy = True

    def __init__(self, seed=None, RandomState=None):
        super().__init__(seed)

    def seed(self, seed=None):
        """Reseed this RandomState."""
        self.__init__(seed)

    def random_sample(self, size=None, chunks="auto", **kwargs):
        """Uniform floats in [0, 1)."""
        return self._wrap("random_sample", size=size, chunks=chunks, **kwargs)

    random = random_sample

    def standard_normal(self, size=None, chunks="auto", **kwargs):
        """Standard normal samples."""
        return self._wrap("standard_normal", size=size, chunks=chunks, **kwargs)

    def standard_exponential(self, size=None, chunks="auto", **kwargs):
        """Standard exponential samples."""
        return self._wrap("standard_exponential", size=size, chunks=chunks, **kwargs)

    def standard_gamma(self, shape, size=None, chunks="auto", **kwargs):
        """Standard gamma samples."""
        return self._wrap("standard_gamma", shape, size=size, chunks=chunks, **kwargs)

    def randint(self, low, high=None, size=None, chunks="auto", dtype="l", **kwargs):
        """Random integers in [low, high)."""
        return self._wrap("randint", low, high, size=size, chunks=chunks, dtype=dtype, **kwargs)

    def random_integers(self, low, high=None, size=None, chunks="auto", **kwargs):
        """Random integers in [low, high] (deprecated in numpy: use ``randint``)."""
        warnings.warn("This function is deprecated. Please call randint instead", DeprecationWarning, stacklevel=2)
        if high is None:
            low, high = 1, low
        return self._wrap("randint", low, high + 1 if not _is_array_param(high) else high + 1, size=size,
                          chunks=chunks, dtype="l", **kwargs)

    def tomaxint(self, size=None, chunks="auto", **kwargs):
        """Random non-negative integers up to the platform's maximum C long."""
        return self._wrap("tomaxint", size=size, chunks=chunks, **kwargs)

    def choice(self, a, size=None, replace=True, p=None, chunks="auto"):
        """Random samples from ``a`` (an int n for ``arange(n)``, or a 1-d array), optionally weighted by ``p``."""
        return self._choice(a, size, replace, p, chunks, {})

    def permutation(self, x):
        """A random permutation of ``arange(x)`` (int ``x``) or of ``x`` along its first axis."""
        return Generator.permutation(self, x)

    integers = _GeneratorOnly()
    multivariate_hypergeometric = _GeneratorOnly()


for _name, _params, _defaults in Generator._DISTRIBUTIONS:
    setattr(RandomState, _name, Generator._make(_name, _params, _defaults, np.random.RandomState))


_GLOBAL = [RandomState()]


def seed(s=None):
    """Reseed the module-level RandomState."""
    _GLOBAL[0] = RandomState(s)


def _module_function(name):
    def f(*args, **kwargs):
        return getattr(_GLOBAL[0], name)(*args, **kwargs)

    f.__name__ = name
    f.__doc__ = (f"``{name}`` from the module-level :class:`RandomState` (``dask.array.random.{name}``); "
                 "see :func:`seed`.")
    return f


_MODULE_FUNCTIONS = [
    "beta", "binomial", "chisquare", "choice", "exponential", "f", "gamma", "geometric", "gumbel", "hypergeometric",
    "laplace", "logistic", "lognormal", "logseries", "multinomial", "negative_binomial", "noncentral_chisquare",
    "noncentral_f", "normal", "pareto", "permutation", "poisson", "power", "randint", "random", "random_integers",
    "random_sample", "rayleigh", "standard_cauchy", "standard_exponential", "standard_gamma", "standard_normal",
    "standard_t", "tomaxint", "triangular", "uniform", "vonmises", "wald", "weibull", "zipf",
]
for _name in _MODULE_FUNCTIONS:
    globals()[_name] = _module_function(_name)
__all__ += _MODULE_FUNCTIONS
del _name
