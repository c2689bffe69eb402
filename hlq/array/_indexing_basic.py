"""Normalization and composition of basic indices.

A normalized index has one entry per input dimension: ``(start, stop, step)``
in ``range`` semantics (``range(start, stop, step)`` lists the selected
positions, as returned by :meth:`slice.indices`), or an ``int`` (the
dimension is dropped), plus ``None`` entries for new axes.

>>> normalize_index((slice(None, None, -1), 2), (5, 4))
((4, -1, -1), 2)
>>> compose_index(((1, 3, 1),), ((1, 9, 2),))
((3, 6, 2),)
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["normalize_index", "compose_index", "is_full", "entry_range"]


class InvalidIndexError(IndexError, TypeError):
    """An index entry of the wrong type (a float, a slice with float bounds).

    numpy raises ``IndexError`` for some of these and ``TypeError`` for others
    and dask ``IndexError``: this error is both.
    """


def normalize_index(index, shape) -> tuple:
    """Validate a user's basic index against ``shape`` (numpy's rules and errors)."""
    if not isinstance(index, tuple):
        index = (index,)
    n_ellipsis = sum(1 for i in index if i is Ellipsis)
    if n_ellipsis > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    n_real = sum(1 for i in index if i is not None and i is not Ellipsis)
    if n_real > len(shape):
        raise IndexError(
            f"too many indices for array: array is {len(shape)}-dimensional, but {n_real} were indexed"
        )
    if n_ellipsis:
        pos = next(i for i, v in enumerate(index) if v is Ellipsis)
        fill = (slice(None),) * (len(shape) - n_real)
        index = index[:pos] + fill + index[pos + 1:]
    else:
        index = index + (slice(None),) * (len(shape) - n_real)
    out = []
    dim = 0
    for entry in index:
        if entry is None:
            out.append(None)
            continue
        n = shape[dim]
        if isinstance(entry, slice):
            for part in (entry.start, entry.stop, entry.step):
                if part is not None and not isinstance(part, (numbers.Integral, np.integer)):
                    raise InvalidIndexError(
                        "slice indices must be integers or None or have an __index__ method"
                    )
            if entry.step == 0:
                raise ValueError("slice step cannot be zero")
            out.append(tuple(int(v) for v in entry.indices(n)))
        elif isinstance(entry, (numbers.Integral, np.integer)) and not isinstance(entry, (bool, np.bool_)):
            i = int(entry)
            if i < -n or i >= n:
                raise IndexError(f"index {i} is out of bounds for axis {dim} with size {n}")
            out.append(i + n if i < 0 else i)
        elif isinstance(entry, (float, np.floating, complex, np.complexfloating)):
            raise InvalidIndexError(
                "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and integer or boolean "
                f"arrays are valid indices; got {entry!r}"
            )
        else:
            raise NotImplementedError(
                f"hlq.array supports integers, slices, None and Ellipsis in indices; got {type(entry).__name__}"
            )
        dim += 1
    return tuple(out)


def entry_range(entry) -> range:
    """The positions a normalized slice entry selects, as a ``range``."""
    return range(*entry)


def _range_entry(r: range) -> tuple:
    if len(r) == 0:
        s = max(r.start, 0)
        return (s, s, 1)
    if r.step > 0:
        return (r.start, r[-1] + 1, r.step)
    return (r.start, r[-1] - 1, r.step)


def compose_index(outer: tuple, inner: tuple):
    """The single index equal to applying ``inner`` then ``outer`` (or None)."""
    items = list(inner)
    res = []
    p = 0
    for o in outer:
        if o is None:
            res.append(None)
            continue
        while p < len(items) and isinstance(items[p], int):
            res.append(items[p])
            p += 1
        item = items[p]
        p += 1
        if item is None:  # a new axis of length 1
            if isinstance(o, int):
                continue  # dropped again
            if len(range(*o)) == 1:
                res.append(None)
                continue
            return None  # empty selection of a new axis: keep both
        r = range(*item)
        if isinstance(o, int):
            res.append(r[o])
            continue
        sel = range(*o)  # positions in the inner result, range semantics
        if len(sel) == 0:
            res.append(_range_entry(range(r.start, r.start)))
            continue
        first, last, step = r[sel[0]], r[sel[-1]], r.step * sel.step
        res.append(_range_entry(range(first, last + (1 if step > 0 else -1), step)))
    while p < len(items):
        res.append(items[p])
        p += 1
    return tuple(res)


def is_full(index, shape) -> bool:
    """True when ``index`` selects everything, unchanged."""
    if len(index) != len(shape):
        return False
    for e, n in zip(index, shape):
        if not isinstance(e, tuple) or e != (0, n, 1):
            return False
    return True
