"""Ordinary plans the optimizer must not reject: long chains, many inputs, repeated computes.

Counts (nodes, calls), never wall-clock times; the timings are in benchmarks/bench_limits.py.
"""

from __future__ import annotations

import numpy as np

import hlq.array as da
import hlq.lower.collection as collection
from hlq.array.nodes import BasicIndex, Rechunk, Transpose


def _plan_size(x) -> int:
    return sum(1 for _ in x._optimized_node().walk())


def test_ten_thousand_chained_slices():
    n = 10_000
    a = np.arange(n + 12.0)
    y = x = da.from_array(a, chunks=1000)
    for _ in range(n):
        y = y[1:]
    # the chain of basic indexes merges into one, then into the source
    assert _plan_size(y) <= 3
    np.testing.assert_array_equal(y.compute(), a[n:])


def test_ten_thousand_chained_transposes():
    a = np.arange(12.0).reshape(3, 4)
    x = da.from_array(a, chunks=2)
    y = x
    for _ in range(10_001):
        y = y.T
    # the chain of transposes merges into one
    assert sum(isinstance(m, Transpose) for m in y._optimized_node().walk()) <= 1
    np.testing.assert_array_equal(y.compute(), a.T)


def test_two_thousand_alternating_rechunks():
    a = np.arange(60.0).reshape(6, 10)
    y = x = da.from_array(a, chunks=(2, 5))
    for i in range(2_000):
        y = y.rechunk((3, 2) if i % 2 else (1, 10))
    assert sum(isinstance(m, Rechunk) for m in y._optimized_node().walk()) <= 1
    np.testing.assert_array_equal(y.compute(), a)
    assert y.chunks == ((3, 3), (2,) * 5)


def test_interleaved_chain_optimizes():
    a = np.arange(3000.0)
    y = da.from_array(a, chunks=100)
    expected = a
    for i in range(1000):
        y = (y + 1)[1:] if i % 2 else y * 2
        expected = (expected + 1)[1:] if i % 2 else expected * 2
    np.testing.assert_allclose(y.compute(), expected)
    assert not any(isinstance(m, BasicIndex) and isinstance(m.child, BasicIndex) for m in y._optimized_node().walk())


def test_compute_reuses_the_optimized_plan(monkeypatch):
    calls = []
    real = collection.optimize_node

    def counting(node, trace=None):
        calls.append(node)
        return real(node, trace)

    monkeypatch.setattr(collection, "optimize_node", counting)
    a = np.arange(100.0)
    y = da.from_array(a, chunks=10)
    for _ in range(50):
        y = (y + 1)[1:]
    for _ in range(3):
        np.testing.assert_array_equal(y.compute(), a[50:] + 50)
    assert len(calls) == 1  # the finalized plan, optimized once
    y.persist()
    y.persist()
    assert len(calls) == 2  # the plan without the finalize node, once
    y.sum().compute()
    assert len(calls) == 3  # a new collection has its own plan
    y[0] = -1.0  # rebinding drops the cached plans
    assert y.compute()[0] == -1.0 and len(calls) == 4
    with __import__("dask").config.set({"hlq.rules.exclude": ["merge_nested_index"]}):
        y.compute()
    assert len(calls) == 5  # another optimizer configuration, another plan


def test_stack_of_many_inputs_lowers_in_linear_work(monkeypatch):
    """Lowering reads the dependencies of the concatenate once, not once per input."""
    from hlq.array.nodes.concat import Concatenate

    calls = [0]
    real = Concatenate.block_dependencies

    def counting(self, idx):
        calls[0] += 1
        return real(self, idx)

    monkeypatch.setattr(Concatenate, "block_dependencies", counting)
    n = 400
    y = da.stack([da.from_array(np.full(3, float(i)), chunks=3) for i in range(n)])
    out = y.compute()
    np.testing.assert_array_equal(out[:, 0], np.arange(n))
    # each of the n output blocks is visited a small number of times (was n per block: 160,000)
    assert calls[0] <= 4 * n, calls[0]
