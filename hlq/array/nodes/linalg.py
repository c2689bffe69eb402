"""Blocked contraction: ``tensordot`` / ``matmul`` / ``dot`` over block grids.

``Contract(a, b, a_ind, b_ind, out_ind, func)`` labels every axis of ``a`` and
``b`` with an index (small ints); indices missing from ``out_ind`` are summed
over.  Output block ``o`` is one task: the sum, over every combination of
contracted blocks ``k``, of ``func(a[o, k], b[o, k])`` (a partial product per
block pair).  ``func`` returns the product block with its axes in
``out_ind`` order (``np.tensordot`` or ``np.matmul`` do).

>>> import hlq.array as da
>>> a = da.ones((6, 4), chunks=2)
>>> c = a @ a.T
>>> c.node.op_name, c.numblocks
('contract', (3, 3))
>>> [i for _, i in c.node.block_dependencies((0, 2))]
[(0, 0), (0, 2), (0, 1), (1, 2)]
"""

from __future__ import annotations

import itertools

import numpy as np
from dask._task_spec import Task, TaskRef
from dask.base import tokenize

from hlq.array._chunks import Dim
from hlq.array.nodes.base import ArrayNode
from hlq.lower.protocol import fan_in, fan_in_count

__all__ = ["Contract", "ContractPartials", "AddTree", "TensordotFn", "MatmulFn"]


class TensordotFn:
    """``np.tensordot(a, b, axes)`` (picklable, comparable)."""

    __slots__ = ("axes",)
    __name__ = "tensordot"

    def __init__(self, axes):
        self.axes = axes

    def __call__(self, a, b):
        return np.tensordot(a, b, axes=self.axes)

    def __eq__(self, other):
        return type(other) is TensordotFn and other.axes == self.axes

    def __hash__(self):
        return hash(("tensordot", self.axes))

    def __reduce__(self):
        return (TensordotFn, (self.axes,))

    def __dask_tokenize__(self):
        return ("hlq-tensordot", self.axes)

    def __repr__(self):
        return f"tensordot{self.axes}"


class MatmulFn:
    """``np.matmul(a, b)``."""

    __slots__ = ()
    __name__ = "matmul"

    def __call__(self, a, b):
        return np.matmul(a, b)

    def __eq__(self, other):
        return type(other) is MatmulFn

    def __hash__(self):
        return hash("matmul")

    def __reduce__(self):
        return (MatmulFn, ())

    def __dask_tokenize__(self):
        return "hlq-matmul"

    def __repr__(self):
        return "matmul"


class Contract(ArrayNode):
    """Sum over contracted blocks of ``func(a_block, b_block)``."""

    _fields = ("a", "b", "a_ind", "b_ind", "out_ind", "func", "dtype_")

    def _array_props(self):
        a, b = self.a, self.b
        if len(self.a_ind) != a.ndim or len(self.b_ind) != b.ndim:
            raise ValueError("contract: index labels do not match the operands' dimensions")
        dim_of = {}
        for x, ind in ((a, self.a_ind), (b, self.b_ind)):
            for i, d in zip(ind, x.dims):
                if i in dim_of and dim_of[i] != d:
                    if (not d.known or not dim_of[i].known) and d.nblocks == dim_of[i].nblocks:
                        # unknown (nan) sizes pair blocks by position; the known sizes describe the result
                        if d.known:
                            dim_of[i] = d
                        continue
                    if dim_of[i].length != d.length:
                        raise ValueError(
                            f"shape-mismatch for sum: {a.shape} and {b.shape} (dimension lengths "
                            f"{dim_of[i].length} != {d.length})"
                        )
                    raise ValueError("contract: chunks of a shared index differ (rechunk first)")
                dim_of.setdefault(i, d)
        contracted = tuple(i for i in dict.fromkeys(self.a_ind + self.b_ind) if i not in self.out_ind)
        self.__dict__["contracted"] = contracted
        self.__dict__["_knb"] = tuple(dim_of[i].nblocks for i in contracted)
        return tuple(dim_of[i] for i in self.out_ind), self.dtype_

    def _pairs(self, idx):
        pos = dict(zip(self.out_ind, idx))
        for combo in itertools.product(*(range(n) for n in self._knb)):
            full = dict(pos)
            full.update(zip(self.contracted, combo))
            yield tuple(full[i] for i in self.a_ind), tuple(full[i] for i in self.b_ind)

    def block_dependencies(self, idx):
        out = []
        for ai, bi in self._pairs(idx):
            out.append((self.a, ai))
            out.append((self.b, bi))
        return out

    def block_task(self, key, idx):
        an, bn = self.a.name, self.b.name
        refs = []
        for ai, bi in self._pairs(idx):
            refs.append(TaskRef((an, *ai)))
            refs.append(TaskRef((bn, *bi)))
        return Task(key, _SumProducts(self.func, self.dtype_), *refs)

    def label(self):
        return f"contract({self.func!r}, {self.a_ind},{self.b_ind}->{self.out_ind})"


class _SumProducts:
    """``sum(func(a_k, b_k))`` over the (a, b) block pairs given as arguments."""

    __slots__ = ("func", "dtype")

    def __init__(self, func, dtype):
        self.func = func
        self.dtype = dtype

    @property
    def __name__(self):
        return getattr(self.func, "__name__", "contract")

    def __call__(self, *blocks):
        acc = None
        own = False  # whether acc is an array made here (the first product may be an input's view)
        for i in range(0, len(blocks), 2):
            p = self.func(blocks[i], blocks[i + 1])
            if acc is None:
                acc = p
                own = _fresh(p, blocks)
            elif own and isinstance(acc, np.ndarray) and np.result_type(acc, p) == acc.dtype and \
                    np.shape(p) == acc.shape:
                np.add(acc, p, out=acc)  # no third slab-sized array
            else:
                acc = acc + p
                own = True
        acc = np.asarray(acc)
        if acc.dtype != self.dtype:
            acc = acc.astype(self.dtype)
        return acc

    def __reduce__(self):
        return (_SumProducts, (self.func, self.dtype))


def _fresh(p, blocks) -> bool:
    """Whether ``p`` is a writeable numpy array that owns its memory and is none of ``blocks``
    (a product numpy just allocated, which the caller may then accumulate into)."""
    return (type(p) is np.ndarray and p.base is None and p.flags.writeable
            and not any(p is b for b in blocks))


class PermutedFn:
    """``func(a.transpose(a_axes), b.transpose(b_axes))`` (an axis order of None leaves the block alone)."""

    __slots__ = ("func", "a_axes", "b_axes")

    def __init__(self, func, a_axes, b_axes):
        self.func, self.a_axes, self.b_axes = func, a_axes, b_axes

    @property
    def __name__(self):
        return getattr(self.func, "__name__", "contract")

    def __call__(self, a, b):
        if self.a_axes is not None:
            a = np.transpose(a, self.a_axes)
        if self.b_axes is not None:
            b = np.transpose(b, self.b_axes)
        return self.func(a, b)

    def _key(self):
        return (self.func, self.a_axes, self.b_axes)

    def __eq__(self, other):
        return type(other) is PermutedFn and other._key() == self._key()

    def __hash__(self):
        return hash(("permuted",) + self._key())

    def __reduce__(self):
        return (PermutedFn, self._key())

    def __dask_tokenize__(self):
        return ("hlq-permuted", tokenize(self.func), self.a_axes, self.b_axes)

    def __repr__(self):
        return f"{self.func!r}∘T{self.a_axes, self.b_axes}"


__all__ += ["PermutedFn"]


class ContractPartials(ArrayNode):
    """Partial products of a :class:`Contract` over ``groups`` groups of contracted block pairs.

    The output has a leading axis of one element per group (block ``(g, *o)`` is the sum of
    the products of group ``g`` for output block ``o``); :class:`AddTree` sums the groups.
    The pairs are spread evenly, larger groups first, so a task holds at most ``k_per``
    block pairs instead of all of them.  Its tasks compute their input blocks themselves
    when nothing else reads them (``inline_large_inputs``: the products' work dominates).
    """

    _fields = ("a", "b", "a_ind", "b_ind", "out_ind", "func", "dtype_", "groups")

    inline_large_inputs = True

    def _array_props(self):
        whole = Contract(self.a, self.b, self.a_ind, self.b_ind, self.out_ind, self.func, self.dtype_)
        self.__dict__["whole"] = whole
        n_pairs = 1
        for n in whole._knb:
            n_pairs *= n
        self.__dict__["n_pairs"] = n_pairs
        groups = max(1, min(int(self.groups), n_pairs))
        self.__dict__["n_groups"] = groups
        return (Dim.regular(groups, 1), *whole.dims), self.dtype_

    @property
    def k_per(self) -> int:
        """The most block pairs one task multiplies."""
        return -(-self.n_pairs // self.n_groups)

    def _pairs(self, idx):
        g = idx[0]
        q, big = divmod(self.n_pairs, self.n_groups)
        start = g * q + min(g, big)
        return itertools.islice(self.whole._pairs(idx[1:]), start, start + q + (g < big))

    def block_dependencies(self, idx):
        out = []
        for ai, bi in self._pairs(idx):
            out.append((self.a, ai))
            out.append((self.b, bi))
        return out

    def block_task(self, key, idx):
        an, bn = self.a.name, self.b.name
        refs = []
        for ai, bi in self._pairs(idx):
            refs.append(TaskRef((an, *ai)))
            refs.append(TaskRef((bn, *bi)))
        return Task(key, _SumProductsLeading(self.func, self.dtype_), *refs)

    @property
    def op_name(self):
        return "contract-partial"

    def label(self):
        return f"contract-partial({self.func!r}, {self.a_ind},{self.b_ind}->{self.out_ind}, pairs per task={self.k_per})"


class _SumProductsLeading(_SumProducts):
    """:class:`_SumProducts` with a leading axis of length 1 (one group's partial sum)."""

    __slots__ = ()

    def __call__(self, *blocks):
        return _SumProducts.__call__(self, *blocks)[np.newaxis]

    def __reduce__(self):
        return (_SumProductsLeading, (self.func, self.dtype))


class AddTree(ArrayNode):
    """Sum along a leading axis of one-element blocks, ``split`` blocks per task; ``final``
    sums all of them and drops the axis."""

    _fields = ("child", "split", "final")

    def _array_props(self):
        c = self.child
        n = c.numblocks[0]
        if self.final:
            if fan_in_count(self.split, n) != 1:
                raise ValueError("final add must sum all blocks")
            return c.dims[1:], c.dtype
        return (Dim.regular(fan_in_count(self.split, n), 1), *c.dims[1:]), c.dtype

    needs_all_inputs = True

    def _group(self, idx):
        n = self.child.numblocks[0]
        if self.final:
            return range(n), tuple(idx)
        g = idx[0]
        return fan_in(g, self.split, n), tuple(idx[1:])

    def block_dependencies(self, idx):
        r, rest = self._group(idx)
        return [(self.child, (g, *rest)) for g in r]

    def block_task(self, key, idx):
        r, rest = self._group(idx)
        cn = self.child.name
        return Task(key, _AddBlocks(self.final), *[TaskRef((cn, g, *rest)) for g in r])

    @property
    def op_name(self):
        return "add-partials"

    def label(self):
        return f"add-partials(split={self.split}, final={self.final})"


class _AddBlocks:
    __slots__ = ("final",)

    def __init__(self, final):
        self.final = final

    @property
    def __name__(self):
        return "add-partials"

    def __call__(self, *blocks):
        acc = blocks[0]
        own = False
        for b in blocks[1:]:
            if own and np.result_type(acc, b) == acc.dtype and np.shape(b) == acc.shape:
                np.add(acc, b, out=acc)  # into the array made here: one new array per task
            else:
                acc = acc + b  # a new array: the inputs may be shared with other tasks
                own = type(acc) is np.ndarray and acc.flags.writeable
        return acc[0, ...] if self.final else acc  # [0, ...]: a 0-d result stays an array

    def __reduce__(self):
        return (_AddBlocks, (self.final,))
