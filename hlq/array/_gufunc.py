"""Generalized ufuncs on hlq arrays: ``apply_gufunc``, the ``gufunc`` class and ``as_gufunc``.

A function with a numpy gufunc signature (``"(i),(i)->()"``) is mapped over
the loop (broadcast) dimensions block by block; core dimensions must be one
chunk (``allow_rechunk=True`` merges them).  Several outputs are computed by
one task per block and split afterwards.

>>> import numpy as np
>>> import hlq.array as da
>>> x = da.ones((10, 4), chunks=(5, 4))
>>> m = da.apply_gufunc(lambda a: a.mean(axis=-1), "(i)->()", x, output_dtypes=float)
>>> m.shape, float(m.sum().compute())
((10,), 10.0)
"""

from __future__ import annotations

import re

import numpy as np
import math
from dask.array._shuffle import _calculate_new_chunksizes

from hlq.array._chunks import Dim
from hlq.array._core import Array, asarray, _rechunk_node, unify_dims
from hlq.array.nodes.blockwise import MapBlocks

__all__ = ["apply_gufunc", "gufunc", "as_gufunc"]

_DIM = r"\w+"
_CORE = rf"(?:{_DIM}(?:,{_DIM})*,?)?"
_ARG = rf"\({_CORE}\)"
_SIGNATURE = rf"^(?:{_ARG}(?:,{_ARG})*,?)?->{_ARG}(?:,{_ARG})*,?$"


def parse_signature(signature: str):
    """``"(m,n),(n,p)->(m,p)"`` -> ``([("m","n"), ("n","p")], ("m","p"))``.

    Several outputs (or a trailing comma) give a list of output tuples; one
    output gives its tuple.  ``ValueError`` for a malformed signature.
    """
    if not isinstance(signature, str):
        raise TypeError("`signature` has to be of type string")
    signature = re.sub(r"\s+", "", signature)
    if not re.match(_SIGNATURE, signature):
        raise ValueError(f"Not a valid gufunc signature: {signature}")
    ins_txt, outs_txt = signature.split("->")
    ins = [tuple(re.findall(_DIM, a)) for a in re.findall(_ARG, ins_txt)]
    outs = [tuple(re.findall(_DIM, a)) for a in re.findall(_ARG, outs_txt)]
    if len(outs) == 1 and not outs_txt.endswith(","):
        return ins, outs[0]
    return ins, outs


def _normalize_axes(axes, axis, keepdims, in_core, out_core):
    """Input and output axes (lists of int tuples) from ``axes``/``axis``/``keepdims``, numpy's rules."""
    nin = len(in_core)
    outs = out_core if isinstance(out_core, list) else [out_core]
    nout = len(outs)
    if axes is not None and axis is not None:
        raise ValueError("Only one of `axis` or `axes` keyword arguments should be given")
    if axes and not isinstance(axes, list):
        raise ValueError("`axes` has to be of type list")
    filtered = [c for c in in_core if len(c)]
    n_out_core = sum(1 for c in outs if len(c))
    if keepdims:
        if n_out_core:
            raise ValueError("`keepdims` can only be used for scalar outputs")
        outs = [filtered[0] if filtered else ()] * nout
    core_dims = list(in_core) + list(outs)
    if axis is not None:
        if not isinstance(axis, int):
            raise ValueError("`axis` argument has to be an integer value")
        if filtered:
            cd0 = filtered[0]
            if len(cd0) != 1:
                raise ValueError("`axis` can be used only, if one core dimension is present")
            if any(cd != cd0 for cd in filtered):
                raise ValueError("To use `axis`, all core dimensions have to be equal")
    if axes is None:
        if axis is not None:
            axes = [(axis,) if cd else () for cd in core_dims]
        else:
            axes = [tuple(range(-len(cd), 0)) for cd in core_dims]
    elif not isinstance(axes, list):
        raise ValueError("`axes` argument has to be a list")
    axes = [(a,) if isinstance(a, int) else tuple(a) for a in axes]
    if (n_out_core == 0 and len(axes) not in (nin, nin + nout)) or (n_out_core > 0 and len(axes) != nin + nout):
        raise ValueError("The number of `axes` entries is not equal the number of input and output arguments")
    in_axes = axes[:nin]
    out_axes = axes[nin:] or [tuple(range(-len(c), 0)) for c in outs]
    for k, (ia, ic) in enumerate(zip(in_axes, in_core)):
        if len(ia) != len(ic):
            raise ValueError(f"The number of `axes` entries for argument #{k} is not equal the number of "
                             "respective input core dimensions in signature")
    if not keepdims:
        for k, (oa, oc) in enumerate(zip(out_axes, outs)):
            if len(oa) != len(oc):
                raise ValueError(f"The number of `axes` entries for argument #{k} is not equal the number of "
                                 "respective output core dimensions in signature")
    else:
        if any(ic != in_core[0] for ic in in_core):
            raise ValueError("To use `keepdims`, all core dimensions have to be equal")
        out_axes = [in_axes[0] for _ in outs]
    return in_axes, out_axes


def _infer_dtypes(func, args, kwargs, nout):
    samples = [np.ones((1,) * a.ndim, dtype=a.dtype) if hasattr(a, "ndim") and hasattr(a, "dtype") else a
               for a in args]
    try:
        with np.errstate(all="ignore"):
            out = func(*samples, **kwargs)
    except Exception as e:
        raise ValueError(
            f"`dtype` inference failed in `apply_gufunc`: {type(e).__name__}({e}). "
            "Please specify the dtype explicitly using the `output_dtypes` kwarg."
        ) from e
    if nout is None:
        return np.asarray(out).dtype
    return [np.asarray(o).dtype for o in out]


def _merge_core_chunks(a, core_axes, nloop):
    """Core axes to one chunk; loop chunks shrink so blocks stay about as large as before (like dask)."""
    factor = 1.0
    for k in core_axes:
        factor *= a.shape[k] / max(a.chunks[k])
    changeable = {i for i in range(nloop) if max(a.chunks[i]) > 1}
    chunks = list(a.chunks)
    if factor > 1 and changeable:
        chunks = list(_calculate_new_chunksizes(a.chunks, list(a.chunks), changeable,
                                                math.prod(max(c) for c in a.chunks) / factor))
    for k in core_axes:
        chunks[k] = (a.shape[k],)
    return a.rechunk(tuple(chunks))


class _Pick:
    """Output ``i`` of a block computed as a tuple."""

    __slots__ = ("i",)

    def __init__(self, i):
        self.i = i

    @property
    def __name__(self):
        return f"gufunc-output-{self.i}"

    def __call__(self, t):
        return t[self.i]

    def __reduce__(self):
        return (_Pick, (self.i,))


class _CoreCall:
    """Call ``func`` on blocks and check the core dimensions of the result."""

    __slots__ = ("func", "nout")

    def __init__(self, func, nout):
        self.func, self.nout = func, nout

    @property
    def __name__(self):
        return getattr(self.func, "__name__", "apply-gufunc")

    def __call__(self, *args, **kwargs):
        out = self.func(*args, **kwargs)
        if self.nout is not None and (not isinstance(out, (tuple, list)) or len(out) != self.nout):
            raise ValueError(f"apply_gufunc: the function must return a tuple of {self.nout} outputs")
        return out

    def __reduce__(self):
        return (_CoreCall, (self.func, self.nout))


def apply_gufunc(func, signature, *args, axes=None, axis=None, keepdims=False, output_dtypes=None,
                 output_sizes=None, vectorize=None, allow_rechunk=False, meta=None, **kwargs):
    """Apply a generalized ufunc ``func`` over hlq arrays (``dask.array.apply_gufunc``).

    Parameters
    ----------
    func : callable
        Works on numpy blocks whose core dimensions (as in ``signature``) are last.
    signature : str
        numpy gufunc signature, e.g. ``"(i),(i)->()"`` or ``"(i)->(),()"``.
    *args
        Arrays (or array-likes/scalars) matching the signature's inputs.
    axes : list of tuples, optional
        Axes of each input and output holding the core dimensions.
    axis : int, optional
        The axis of a single shared core dimension.
    keepdims : bool
        Keep reduced core dimensions with length 1 (scalar outputs only).
    output_dtypes : dtype or list of dtypes, optional
        Inferred by calling ``func`` on tiny arrays when not given.
    output_sizes : dict, optional
        Sizes of output core dimensions that no input has.
    vectorize : bool
        Wrap ``func`` in ``numpy.vectorize`` with the signature.
    allow_rechunk : bool
        Merge multi-chunk core dimensions (and unify loop chunks) instead of raising.
    meta : array or tuple of arrays, optional
        Gives the output dtypes (exclusive with ``output_dtypes``).
    **kwargs
        Passed to ``func``.

    Returns
    -------
    Array, or tuple of Arrays for several outputs.
    """
    in_core, out_core = parse_signature(signature)
    nout = None if not isinstance(out_core, list) else len(out_core)
    if meta is not None and output_dtypes is not None:
        raise ValueError("Only one of `meta` and `output_dtypes` should be given (`meta` is preferred).")
    if meta is not None:
        dtypes = [np.asarray(m).dtype for m in meta] if isinstance(meta, (list, tuple)) else np.asarray(meta).dtype
    elif output_dtypes is not None:
        dtypes = output_dtypes
    else:
        f = np.vectorize(func, signature=re.sub(r"\s+", "", signature)) if vectorize else func
        dtypes = _infer_dtypes(f, args, kwargs, nout)
    if nout is None:
        if isinstance(dtypes, (list, tuple)):
            if len(dtypes) != 1:
                raise ValueError("For a function with one output, must give a single item for "
                                 "`output_dtypes`/`meta`, not a tuple or list.")
            dtypes = dtypes[0]
        dtypes = [np.dtype(dtypes)]
    else:
        if not isinstance(dtypes, (list, tuple)):
            raise ValueError(f"For a function with {nout} outputs, must give a tuple or list for "
                             "`output_dtypes`/`meta`, not a single item.")
        if len(dtypes) != nout:
            raise ValueError(f"For a function with {nout} outputs, must give a tuple or list of {nout} items for "
                             f"`output_dtypes`/`meta`, not {len(dtypes)}.")
        dtypes = [np.dtype(d) for d in dtypes]
    if vectorize:
        func = np.vectorize(func, signature=re.sub(r"\s+", "", signature), otypes=dtypes)
    output_sizes = dict(output_sizes or {})
    in_axes, out_axes = _normalize_axes(axes, axis, keepdims, in_core, out_core)
    outs_core = out_core if nout is not None else [out_core]

    arrays = [asarray(a) for a in args]
    if len(in_core) != len(arrays):
        raise ValueError(f"According to `signature`, `func` requires {len(in_core)} arguments, "
                         f"but {len(arrays)} given")
    # move each input's core axes last
    moved = []
    for a, ia in zip(arrays, in_axes):
        nd = a.ndim
        ia = tuple(x if x < 0 else x - nd for x in ia)
        if any(not -nd <= x < 0 for x in ia):
            raise np.exceptions.AxisError(f"axes {ia} out of bounds for array of dimension {nd}")
        order = tuple(i for i in range(-nd, 0) if i not in ia) + ia
        moved.append(a.transpose(tuple(o + nd for o in order)) if order != tuple(range(-nd, 0)) else a)
    arrays = moved
    nloops = [a.ndim - len(c) for a, c in zip(arrays, in_core)]
    if any(n < 0 for n in nloops):
        raise ValueError("apply_gufunc: an input has fewer dimensions than its core dimensions in the signature")
    max_loop = max(nloops) if nloops else 0

    # sizes of core dims, and checks
    core_sizes: dict = {}
    for a, c, n in zip(arrays, in_core, nloops):
        for d, s in zip(c, a.shape[n:]):
            core_sizes.setdefault(d, []).append(s)
    for d, sizes in core_sizes.items():
        if set(sizes) | {1} != {1, max(sizes)}:
            raise ValueError(f"Dimension `'{d}'` with different lengths in arrays")
    core_shape = {d: max(s) for d, s in core_sizes.items()}
    core_shape.update(output_sizes)
    loop_shapes = [a.shape[:n] for a, n in zip(arrays, nloops)]
    try:
        loop_shape = np.broadcast_shapes(*loop_shapes) if loop_shapes else ()
    except ValueError:
        raise ValueError("Loop dimensions with different lengths in arrays: " + ", ".join(map(str, loop_shapes))) \
            from None

    # core dims in one chunk; loop dims with the same chunks
    fixed = []
    for a, c, n in zip(arrays, in_core, nloops):
        multi = [n + k for k, d in enumerate(c) if a.numblocks[n + k] > 1]
        if multi:
            if not allow_rechunk:
                d = c[multi[0] - n]
                raise ValueError(
                    f"Core dimension `'{d}'` consists of multiple chunks. To fix, rechunk into a single chunk "
                    "along this dimension or set `allow_rechunk=True`, but beware that this may increase memory "
                    "usage significantly.")
            a = _merge_core_chunks(a, multi, n)
        fixed.append(a)
    arrays = fixed
    loop_nodes = []
    for a, n in zip(arrays, nloops):
        loop_nodes.append((a, n))
    for j in range(max_loop):
        seen = {}
        for a, n in loop_nodes:
            k = j - (max_loop - n)
            if k >= 0 and a.shape[k] > 1:
                seen.setdefault(a.chunks[k], True)
        if len(seen) > 1 and not allow_rechunk:
            raise ValueError(f"Dimension `'__loopdim{j}__'` with different chunksize present")

    class _LoopView:  # the loop part of an input, for chunk unification
        def __init__(self, a, n):
            self.ndim = n
            self.shape = a.shape[:n]
            self.dims = a._node.dims[:n]

    ldims = unify_dims([_LoopView(a, n) for a, n in loop_nodes], tuple(loop_shape))
    operands, maps = [], []
    for a, n in loop_nodes:
        off = max_loop - n
        target = list(a._node.dims)
        for k in range(n):
            if a.shape[k] == loop_shape[k + off]:
                target[k] = ldims[k + off]
        node = a._node
        if tuple(target) != node.dims:
            node = _rechunk_node(node, tuple(target))
        m = []
        for k in range(a.ndim):
            if k < n and not (a.shape[k] == 1 and loop_shape[k + off] != 1) and node.dims[k].nblocks == ldims[k + off].nblocks:
                m.append(k + off)
            else:
                m.append(("c", 0))
        operands.append(node)
        maps.append(tuple(m))
    kw = tuple(sorted(kwargs.items())) if kwargs else None

    def core_dims_of(oc):
        out = []
        for d in oc:
            if d not in core_shape:
                raise ValueError(f"apply_gufunc: the size of output core dimension `'{d}'` is unknown; "
                                 "give it in `output_sizes`")
            s = int(core_shape[d])
            out.append(Dim.from_sizes((s,)))
        return out

    results = []
    if nout is None:
        out_dims = tuple(ldims) + tuple(core_dims_of(outs_core[0]))
        node = MapBlocks(_CoreCall(func, None), tuple(operands), tuple(maps), out_dims, dtypes[0], kw, False)
        results.append(Array(node))
    else:
        tup = MapBlocks(_CoreCall(func, nout), tuple(operands), tuple(maps), tuple(ldims), np.dtype(object), kw,
                        False)
        ident = tuple(range(max_loop))
        for i, (oc, dt) in enumerate(zip(outs_core, dtypes)):
            out_dims = tuple(ldims) + tuple(core_dims_of(oc))
            results.append(Array(MapBlocks(_Pick(i), (tup,), (ident,), out_dims, dt, None, False)))
    final = []
    for r, oa, oc in zip(results, out_axes, outs_core):
        if keepdims:
            r = r[(slice(None),) * r.ndim + (None,) * len(oa)]
        nd = r.ndim
        order = [None] * nd
        for src, dst in zip(range(-len(oa), 0), oa):
            order[dst] = src + nd
        rest = iter(range(nd - len(oa)))
        order = [next(rest) if o is None else o for o in order]
        if order != list(range(nd)):
            r = r.transpose(order)
        final.append(r)
    return tuple(final) if nout is not None else final[0]


class gufunc:
    """A function bound to a gufunc signature and options (``dask.array.gufunc``).

    Calling it applies :func:`apply_gufunc` with the stored options.

    Parameters
    ----------
    pyfunc : callable
    signature : str
    vectorize, axes, axis, keepdims, output_sizes, output_dtypes, allow_rechunk, meta
        As in :func:`apply_gufunc`.
    """

    def __init__(self, pyfunc, *, signature=None, vectorize=False, axes=None, axis=None, keepdims=False,
                 output_sizes=None, output_dtypes=None, allow_rechunk=False, meta=None):
        self.pyfunc = pyfunc
        self.signature = signature
        self.vectorize = vectorize
        self.axes = axes
        self.axis = axis
        self.keepdims = keepdims
        self.output_sizes = output_sizes
        self.output_dtypes = output_dtypes
        self.allow_rechunk = allow_rechunk
        self.meta = meta
        self.__doc__ = f"Bound ``hlq.array._gufunc``: func ``{pyfunc}``, signature ``'{signature}'``."

    def __call__(self, *args, allow_rechunk=False, **kwargs):
        return apply_gufunc(self.pyfunc, self.signature, *args, vectorize=self.vectorize, axes=self.axes,
                            axis=self.axis, keepdims=self.keepdims, output_sizes=self.output_sizes,
                            output_dtypes=self.output_dtypes, allow_rechunk=self.allow_rechunk or allow_rechunk,
                            meta=self.meta, **kwargs)


_ALLOWED = {"vectorize", "axes", "axis", "keepdims", "output_sizes", "output_dtypes", "allow_rechunk", "meta"}


def as_gufunc(signature=None, **kwargs):
    """Decorator making a :class:`gufunc` (``dask.array.as_gufunc``).

    >>> import hlq.array as da
    >>> @da.as_gufunc("(i)->()", output_dtypes=float)
    ... def total(x):
    ...     return x.sum(axis=-1)
    >>> total(da.ones((4, 3), chunks=(2, 3))).compute().tolist()
    [3.0, 3.0, 3.0, 3.0]
    """
    if kwargs.keys() - _ALLOWED:
        raise TypeError("Unsupported keyword argument(s) provided")

    def _as_gufunc(pyfunc):
        return gufunc(pyfunc, signature=signature, **kwargs)

    return _as_gufunc
