"""Compact chunk layouts of one array dimension.

A :class:`Dim` stores the chunk sizes of one dimension in O(1) space when they
are regular - a first chunk, then chunks of ``step``, then a remainder (what
regular chunks and contiguous slices of them look like) - and as an explicit
tuple otherwise.  Block lookups are arithmetic, so optimizer work on a
10^8-block array costs the same as on a 100-block one.

Examples
--------
>>> d = Dim.from_sizes((100, 100, 100, 50))
>>> d.nblocks, d.length, d.start(3), d.locate(250)
(4, 350, 300, 2)
>>> d.subrange(150, 320).sizes()
(50, 100, 20)
>>> Dim.regular(350, 100) == d
True

Chunk sizes may be unknown (``nan``, like dask's unknown chunks after a
boolean mask): the block count stays known, sizes and the length are
``nan``, and position lookups raise dask's ``ValueError``.

>>> u = Dim.unknown(3)
>>> u.nblocks, u.known, u.sizes()
(3, False, (nan, nan, nan))
"""

from __future__ import annotations

import bisect
import itertools
import math

import numpy as np

__all__ = ["Dim", "unknown_chunks_message", "is_nan"]

_NAN = np.nan  # the object dask uses, so chunk tuples compare equal to dask's


def is_nan(v) -> bool:
    """True for a float ``nan`` (an unknown chunk size or length)."""
    return isinstance(v, float) and v != v


def unknown_chunks_message(shape=None, head=None) -> str:
    """dask's message for operations that need unknown chunk sizes (``head`` replaces the first line)."""
    if head is None:
        head = "Array chunk sizes are unknown" + (f": {shape}" if shape is not None else "")
    return (
        f"{head}\n\nA possible solution: https://docs.dask.org/en/latest/array-chunks.html#unknown-chunks\n"
        "Summary: to compute chunks sizes, use\n\n   x.compute_chunk_sizes()  # for Dask Array `x`\n"
        "   ddf.to_dask_array(lengths=True)  # for Dask DataFrame `ddf`"
    )


class Dim:
    """Chunk sizes of one dimension (immutable, hashable, compared by value)."""

    __slots__ = ("length", "first", "step", "_sizes", "_offsets", "_n")
    #: an immutable value: parameter token caches may keep it as a key
    __hlq_value__ = True

    def __init__(self, length: int, first: int, step: int, sizes: tuple | None = None):
        if length != length:  # unknown sizes: one nan object (unpickled nans are new objects)
            length = _NAN
            sizes = tuple(_NAN if v != v else v for v in sizes)
        self.length = length
        self.first = first
        self.step = step
        self._sizes = sizes
        self._offsets = None
        if sizes is not None:
            self._n = len(sizes)
        elif length == 0:
            self._n = 1
        elif length <= first:
            self._n = 1
        else:
            self._n = 1 + -(-(length - first) // step)

    # ------------------------------------------------------------ constructors
    @classmethod
    def regular(cls, length: int, chunk: int) -> "Dim":
        """Chunks of ``chunk`` with a smaller last chunk."""
        length = int(length)
        chunk = int(chunk)
        if length == 0:
            return cls(0, 0, 0)
        chunk = max(1, min(chunk, length))
        return cls._canonical(length, chunk, chunk)

    @classmethod
    def _canonical(cls, length, first, step):
        if length <= first:
            return cls(length, length, length)
        rest = length - first
        n_rest = -(-rest // step)
        if n_rest == 1:
            step = rest
        return cls(length, first, step)

    @classmethod
    def from_sizes(cls, sizes) -> "Dim":
        """From an explicit sequence of chunk sizes (regular forms detected)."""
        sizes = tuple(sizes)
        n = len(sizes)
        if n > 2 and type(sizes[0]) is int and sizes[0] > 0 and sizes.count(sizes[0]) == n:
            return cls(n * sizes[0], sizes[0], sizes[0])  # equal sizes: counted in C, no per-size Python
        if any(is_nan(float(v)) for v in sizes):
            return cls._with_unknown(sizes)
        sizes = tuple(int(s) for s in sizes)
        if not sizes:
            raise ValueError("a dimension needs at least one chunk")
        if any(s < 0 for s in sizes):
            raise ValueError(f"negative chunk size in {sizes}")
        length = sum(sizes)
        if len(sizes) == 1:
            return cls(length, length, length) if length else cls(0, 0, 0)
        if 0 in sizes:
            return cls(length, sizes[0], 0, sizes)
        if len(sizes) == 2:
            return cls(length, sizes[0], sizes[1])
        s = sizes[1]
        if all(x == s for x in sizes[1:-1]) and sizes[-1] <= s:
            return cls(length, sizes[0], s)
        return cls(length, sizes[0], 0, sizes)

    @classmethod
    def unknown(cls, nblocks: int) -> "Dim":
        """``nblocks`` chunks of unknown (``nan``) size."""
        return cls._with_unknown((_NAN,) * int(nblocks))

    @classmethod
    def _with_unknown(cls, sizes) -> "Dim":
        out = []
        for v in sizes:
            f = float(v)
            if f != f:
                out.append(_NAN)
            elif f < 0:
                raise ValueError(f"negative chunk size in {tuple(sizes)}")
            else:
                out.append(int(v))
        if not out:
            raise ValueError("a dimension needs at least one chunk")
        return cls(_NAN, 0, 0, tuple(out))

    # ------------------------------------------------------------- queries
    @property
    def known(self) -> bool:
        """False when some chunk size is unknown (``nan``)."""
        return self.length == self.length

    def _require_known(self):
        if self.length != self.length:
            raise ValueError(unknown_chunks_message((self.length,)))

    @property
    def nblocks(self) -> int:
        return self._n

    @property
    def is_regular(self) -> bool:
        return self._sizes is None

    def size(self, i: int) -> int:
        """Size of block ``i``."""
        if self._sizes is not None:
            return self._sizes[i]
        if i == 0:
            return self.first
        if i == self._n - 1:
            return self.length - self.first - (self._n - 2) * self.step
        return self.step

    def start(self, i: int) -> int:
        """Offset of the first element of block ``i``."""
        if self._sizes is not None:
            return self._offsets_()[i]
        if i == 0:
            return 0
        return self.first + (i - 1) * self.step

    def _offsets_(self):
        if self._offsets is None:
            self._offsets = (0, *itertools.accumulate(self._sizes))
        return self._offsets

    def locate(self, pos: int) -> int:
        """Index of the block containing position ``pos`` (0 <= pos < length)."""
        if self._sizes is not None:
            self._require_known()
            return bisect.bisect_right(self._offsets_(), pos) - 1 if self.length else 0
        if pos < self.first or self._n == 1:
            return 0
        return min(1 + (pos - self.first) // self.step, self._n - 1)

    def sizes(self) -> tuple:
        """All chunk sizes (O(number of blocks))."""
        if self._sizes is not None:
            return self._sizes
        n = self._n
        if n == 1:
            return (self.length,)
        last = self.length - self.first - (n - 2) * self.step
        return (self.first,) + (self.step,) * (n - 2) + (last,)

    def max_size(self) -> int:
        if self.length != self.length:
            return _NAN
        if self._sizes is not None:
            return max(self._sizes)
        return max(self.first, self.step if self._n > 2 else self.size(self._n - 1))

    def subrange(self, a: int, b: int) -> "Dim":
        """Chunks of the contiguous range ``[a, b)``, keeping this grid's boundaries."""
        if self.length != self.length:
            if a == 0 and is_nan(b):
                return self
            self._require_known()
        if b <= a:
            return Dim(0, 0, 0)
        i0 = self.locate(a)
        i1 = self.locate(b - 1)
        if self._sizes is not None:
            sizes = list(self._sizes[i0 : i1 + 1])
            sizes[0] -= a - self.start(i0)
            sizes[-1] -= self.start(i1) + self._sizes[i1] - b
            sizes = [s for s in sizes if s] if len(sizes) > 1 else sizes
            return Dim.from_sizes(sizes)
        end0 = self.start(i0) + self.size(i0)
        first = min(end0, b) - a
        step = self.step if self._n > 1 else first
        return Dim._canonical(b - a, first, max(step, 1))

    def __eq__(self, other):
        if not isinstance(other, Dim):
            return NotImplemented
        if self._sizes is None and other._sizes is None:
            return (self.length, self.first, self.step, self._n) == (other.length, other.first, other.step, other._n)
        if self._n != other._n:
            return False
        if self.length != self.length or other.length != other.length:
            return self._key() == other._key()
        if self.length != other.length:
            return False
        return self.sizes() == other.sizes()

    def _key(self):
        return tuple(-1 if v != v else v for v in self.sizes())

    def __hash__(self):
        if self._sizes is None:
            return hash((self.length, self.first, self.step, self._n))
        return hash(self._key())

    def __repr__(self):
        if self._sizes is None:
            return f"Dim(length={self.length}, first={self.first}, step={self.step}, n={self._n})"
        return f"Dim({self._sizes})"

    def __reduce__(self):
        return (Dim, (self.length, self.first, self.step, self._sizes))

    def summary(self) -> str:
        """Short text: the sizes when few, else ``n x size``."""
        if self._n <= 4:
            return str(self.sizes())
        if self._sizes is None:
            return f"{self._n}x{self.step}"
        return f"{self._n} chunks, max {self.max_size()}"


def dims_from_chunks(chunks) -> tuple:
    """Tuple of :class:`Dim` from a dask-style normalized chunks tuple."""
    return tuple(Dim.from_sizes(c) for c in chunks)


def dims_regular(shape, chunksize) -> tuple:
    """Regular :class:`Dim` per dimension for ``shape`` and ``chunksize``."""
    return tuple(Dim.regular(n, c) for n, c in zip(shape, chunksize))


def block_count(dims) -> int:
    """Total number of blocks of a tuple of dims."""
    return math.prod(d.nblocks for d in dims)
