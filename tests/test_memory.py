"""What hlq keeps alive after the user lets go: nothing of theirs.

Persisted blocks, user closures (and what they capture) and ``from_array``
inputs are freed once the user drops every collection built on them; the
token caches key on plain values only and are bounded by bytes.
"""

from __future__ import annotations

import gc
import weakref

import dask
import numpy as np

import hlq.array as da
from hlq.expr import node as node_mod


class _Tracked(np.ndarray):
    """An ndarray that can be weakly referenced through a view of this subclass."""


def _gone(ref) -> bool:
    gc.collect()
    return ref() is None


def test_from_array_input_is_freed():
    a = np.arange(1000.0).view(_Tracked)
    ref = weakref.ref(a)
    x = da.from_array(a, chunks=100)
    del a
    assert float((x + 1).sum().compute()) == sum(range(1000)) + 1000
    dask.base.tokenize(x)
    del x
    assert _gone(ref)


def test_user_closure_and_its_data_are_freed():
    data = np.ones(10).view(_Tracked)

    def shift(b, data=data):
        return b + data[0]

    refs = [weakref.ref(data), weakref.ref(shift)]
    x = da.from_array(np.arange(100.0), chunks=10).map_blocks(shift)
    assert float(x.sum().compute()) == sum(range(100)) + 100
    dask.base.tokenize(x)
    del shift, data, x
    assert all(_gone(r) for r in refs)


def test_persisted_blocks_are_freed():
    x = da.from_array(np.arange(1000.0), chunks=100) * 2
    p = x.persist()
    ref = weakref.ref(p.node.blocks.values[0])
    assert float(p.sum().compute()) == 2 * sum(range(1000))
    dask.base.tokenize(p)
    p.node.token  # noqa: B018
    del x, p
    assert _gone(ref)


def test_tokenizing_a_persisted_array_does_not_hash_its_data():
    p = (da.from_array(np.arange(1000.0), chunks=100) * 2).persist()
    before = dask.base.tokenize(p.node.blocks)
    p.node.blocks.values[0][:] = -1.0  # the data changes, the token of the holder does not
    assert dask.base.tokenize(p.node.blocks) == before


def test_param_token_cache_is_bounded_by_bytes():
    cache = node_mod._PARAM_TOKENS
    # large index lists: each Take node's parameter key is estimated at ~80 kB
    x = da.from_array(np.arange(20_000.0), chunks=1000)
    for i in range(600):
        y = x[np.arange(i, 10_000 + i)]
        y.node.token  # noqa: B018
        assert cache.nbytes <= cache.max_bytes
        assert len(cache) <= cache.max_entries


def test_callable_cache_entry_goes_with_its_callable():
    cache = node_mod._CALLABLE_TOKENS

    def f(b):
        return b + 1

    node_mod._callable_token(f)
    assert cache.get(f) is not None
    key = id(f)
    del f
    gc.collect()
    assert key not in cache.data
