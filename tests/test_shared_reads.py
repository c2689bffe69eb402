"""Shared reads: results computed together, and overlapping regions of one stored
array, read each file / chunk once (hlq.rules.shared_reads)."""

from __future__ import annotations

import os
from collections import Counter

import dask
import numpy as np
import pandas as pd
import pytest
import zarr
from hypothesis import given, settings, strategies as st

import hlq
import hlq.array as da
import hlq.dataframe as dd
from hlq.dataframe.nodes.sources import read_log


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    d = tmp_path_factory.mktemp("pq_shared")
    rng = np.random.default_rng(3)
    parts = []
    for i in range(4):
        df = pd.DataFrame({"k": rng.integers(0, 5, 100), "a": rng.random(100), "b": rng.random(100),
                           "c": rng.random(100)})
        df.to_parquet(os.path.join(d, f"part.{i}.parquet"), index=False)
        parts.append(df)
    return str(d), pd.concat(parts, ignore_index=True)


def test_two_results_read_each_file_once(dataset):
    path, full = dataset
    df = dd.read_parquet(path)
    with read_log() as log:
        s, m = dask.compute(df.a.sum(), df.b.mean())
    assert len(log) == 4  # one read per file, not one per result
    assert {cols for _, cols, _ in log} == {("a", "b")}
    assert s == pytest.approx(full.a.sum()) and m == pytest.approx(full.b.mean())


def test_two_results_read_twice_when_excluded(dataset):
    path, full = dataset
    df = dd.read_parquet(path)
    with read_log() as log, dask.config.set({"hlq.rules.exclude": ["shared-reads"]}):
        s, m = dask.compute(df.a.sum(), df.b.mean())
    assert len(log) == 8
    assert s == pytest.approx(full.a.sum()) and m == pytest.approx(full.b.mean())


def test_different_filters_are_not_merged(dataset):
    path, full = dataset
    df = dd.read_parquet(path)
    with read_log() as log:
        s, t = dask.compute(df[df.a > 0.5].b.sum(), df.c.sum())
    assert len(log) == 8  # merging would read rows the second result does not need
    assert s == pytest.approx(full[full.a > 0.5].b.sum()) and t == pytest.approx(full.c.sum())


def test_persist_and_optimize_together_keep_results(dataset):
    path, full = dataset
    df = dd.read_parquet(path)
    a, b = dask.persist(df.a, df[["b", "c"]])
    pd.testing.assert_series_equal(a.compute().reset_index(drop=True), full.a)
    pd.testing.assert_frame_equal(b.compute().reset_index(drop=True), full[["b", "c"]])
    oa, ob = hlq.optimize(df.a, df.b)
    with read_log() as log:
        x, y = dask.compute(oa.sum(), ob.max())
    assert len(log) == 4
    assert x == pytest.approx(full.a.sum()) and y == full.b.max()


class CountingStore(zarr.storage.MemoryStore):
    """A zarr store that counts reads of each chunk key."""

    def __init__(self):
        super().__init__()
        self.reads = Counter()

    async def get(self, key, *args, **kwargs):
        self.reads[key] += 1
        return await super().get(key, *args, **kwargs)


def _stored(shape, chunks):
    store = CountingStore()
    z = zarr.create_array(store=store, shape=shape, chunks=chunks, dtype="f8")
    z[...] = np.arange(np.prod(shape), dtype="f8").reshape(shape)
    store.reads.clear()
    return store, z


def _chunk_reads(store):
    return {k: v for k, v in store.reads.items() if k.startswith("c/")}


def test_overlapping_regions_read_each_chunk_once():
    store, z = _stored((40, 30), (10, 10))
    x = da.from_array(z, chunks=(10, 10))
    y = (x - x.mean(axis=0))[15:25, 5:12]
    got = y.compute()
    ref = np.arange(40 * 30, dtype="f8").reshape(40, 30)
    np.testing.assert_allclose(got, (ref - ref.mean(axis=0))[15:25, 5:12])
    reads = _chunk_reads(store)
    assert max(reads.values()) == 1
    assert len(reads) == 4 * 2  # every row chunk under columns 5:12 (two column chunks), once


def test_disjoint_regions_are_not_merged():
    store, z = _stored((40,), (10,))
    x = da.from_array(z, chunks=10)
    y = x[0:5] + x[30:35]
    np.testing.assert_array_equal(y.compute(), np.arange(0, 5.0) + np.arange(30, 35.0))
    assert sorted(_chunk_reads(store)) == ["c/0", "c/3"]


def test_numpy_sources_are_not_shared():
    a = np.arange(100.0)
    x = da.from_array(a, chunks=10)
    y = (x - x.mean())[12:18]
    opt = hlq.optimize(y)
    reads = [n for n in opt.node.walk() if n.op_name == "array"]
    assert len(reads) == 2  # numpy reads are free views: sharing would only add tasks
    np.testing.assert_allclose(y.compute(), (a - a.mean())[12:18])


@settings(max_examples=20, deadline=None)
@given(n=st.integers(5, 60), c=st.integers(1, 17), data=st.data())
def test_shared_regions_differential(n, c, data):
    store, z = _stored((n,), (c,))
    a0 = data.draw(st.integers(0, n - 1))
    a1 = data.draw(st.integers(a0 + 1, n))
    b0 = data.draw(st.integers(0, n - 1))
    b1 = data.draw(st.integers(b0 + 1, n))
    k = min(a1 - a0, b1 - b0)
    x = da.from_array(z, chunks=c)  # dask blocks = zarr chunks: one read per chunk is possible
    y = x[a0:a0 + k] * 2 + x[b0:b0 + k]
    ref = np.arange(n, dtype="f8")
    want = ref[a0:a0 + k] * 2 + ref[b0:b0 + k]
    np.testing.assert_array_equal(y.compute(), want)
    assert max(_chunk_reads(store).values()) == 1
    with dask.config.set({"hlq.rules.exclude": ["shared-reads"]}):
        np.testing.assert_array_equal(y.compute(), want)


def test_results_computed_together_share_chunks():
    store, z = _stored((40,), (10,))
    x = da.from_array(z, chunks=10)
    a, b = dask.compute(x[2:8].sum(), x[5:25].max())
    assert a == np.arange(2, 8.0).sum() and b == 24.0
    assert _chunk_reads(store) == {"c/0": 1, "c/1": 1, "c/2": 1}


def test_adjacent_regions_in_one_chunk_read_it_once():
    store, z = _stored((40,), (10,))
    x = da.from_array(z, chunks=10)
    np.testing.assert_array_equal((x[0:5] + x[5:10]).compute(), np.arange(0, 5.0) + np.arange(5, 10.0))
    assert _chunk_reads(store) == {"c/0": 1}
