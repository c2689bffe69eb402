"""hlq.array IO (issue 3 part C): store, zarr, npy stacks, delayed, hdf5.

Round trips through real files/stores on real dask schedulers, zarr chunk
reads counted through a store wrapper, and dask's error types.
"""

import collections
import threading
import time

import dask
import dask.array as dda
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import hlq.array as da
from array_strategies import basic_indices, chunkings, shapes

zarr = pytest.importorskip("zarr")


class CountingStore(zarr.storage.MemoryStore):
    """An in-memory zarr store counting reads of chunk keys (``c/i/j``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reads = collections.Counter()

    async def get(self, key, *args, **kwargs):
        if key.startswith("c/") or "/c/" in key:
            self.reads[key] += 1
        return await super().get(key, *args, **kwargs)

    def with_read_only(self, read_only=False):
        store = super().with_read_only(read_only)
        store.reads = self.reads
        return store


def _zarr_array(data, chunks):
    st_ = CountingStore()
    z = zarr.create_array(store=st_, shape=data.shape, chunks=chunks, dtype=data.dtype)
    z[...] = data
    st_.reads.clear()
    return z, st_


# ------------------------------------------------------------------ store
def test_store_many_sources_and_errors():
    d = da.ones((4, 4), chunks=(2, 2))
    a, b = d + 1, d + 2
    at, bt = np.zeros((4, 4)), np.zeros((4, 4))
    assert da.store([a, b], [at, bt], scheduler="threads") is None
    assert (at == 2).all() and (bt == 3).all()
    with pytest.raises(ValueError):
        da.store([a], [at, bt])
    with pytest.raises(ValueError):
        da.store(at, at)
    with pytest.raises(ValueError):
        da.store([a, b], [at, bt], regions=[None, None, None])


def test_store_regions_compute_false_and_return_stored():
    d = da.ones((4, 4, 4), dtype=int, chunks=(2, 2, 2))
    a, b = (d + 1)[:, 1:, :].astype(float), d + 2
    region = (slice(None, None, 2), slice(None), [1, 2, 4, 5])
    at, bt = np.zeros((8, 3, 6)), np.zeros((8, 4, 6))
    v = da.store([a, b], [at, bt], regions=region, compute=False)
    assert all(isinstance(e, da.Array) for e in v)
    assert (at == 0).all() and (bt == 0).all()  # nothing written before compute
    assert all(r.size == 0 for r in dask.compute(*v, scheduler="sync"))
    assert (at[region] == 2).all() and (bt[region] == 3).all() and not (bt == 3).all()
    for compute in (False, True):
        at, bt = np.zeros((8, 3, 6)), np.zeros((8, 4, 6))
        ar, br = da.store([a, b], [at, bt], regions=[region, region], compute=compute, return_stored=True)
        assert ar.chunks == a.chunks and br.dtype == b.dtype
        assert (at == 0).all() != compute
        ar, br = dask.compute(ar, br)
        assert (ar == 2).all() and (br == 3).all() and (at[region] == 2).all()


class CounterLock:
    def __init__(self):
        self.lock = threading.Lock()
        self.acquired = self.released = 0

    def acquire(self, blocking=True, timeout=-1):
        ok = self.lock.acquire(blocking, timeout)
        self.acquired += ok
        return ok

    def release(self):
        self.released += 1
        self.lock.release()


@pytest.mark.parametrize("compute", [False, True])
def test_store_lock_counts(compute):
    a, b = da.ones((10, 10), chunks=(2, 2)), da.zeros((10, 10), chunks=(2, 2))
    lock = CounterLock()
    v = da.store([a, b], [np.zeros((10, 10)), np.zeros((10, 10))], lock=lock, compute=compute,
                 return_stored=True)
    dask.compute(v, scheduler="threads")
    # store and read-back fuse into one locked step when not computed eagerly
    assert lock.acquired == lock.released == (100 if compute else 50)


def test_store_into_delayed_targets():
    made = {}

    def make(key):
        made[key] = np.zeros((4, 4))
        return made[key]

    a = da.ones((4, 4), chunks=2) + 1
    assert da.store([a, a * 2], [dask.delayed(make)("a"), dask.delayed(make)("b")]) is None
    assert (made["a"] == 2).all() and (made["b"] == 4).all()
    for compute in (False, True):
        made.clear()
        r = a.store(dask.delayed(make)("a"), return_stored=True, compute=compute)
        assert (r.compute() == 2).all() and (made["a"] == 2).all()


def test_store_without_lock_writes_concurrently():
    class Target:
        def __init__(self):
            self.now = self.most = 0
            self.lock = threading.Lock()

        def __setitem__(self, key, value):
            with self.lock:
                self.now += 1
                self.most = max(self.most, self.now)
            time.sleep(0.01)
            with self.lock:
                self.now -= 1

    t = Target()
    da.ones((10, 10), chunks=(2, 2)).store(t, lock=False, scheduler="threads", num_workers=4)
    assert t.most > 1  # tiny IO blocks are not batched into one task


def test_store_method_and_broken_target_releases_lock():
    class Broken:
        def __setitem__(self, k, v):
            raise RuntimeError("broken")

    lock = CounterLock()
    with pytest.raises(RuntimeError):
        da.ones((4, 4), chunks=2).store(Broken(), lock=lock, scheduler="threads")
    assert lock.acquired == lock.released > 0
    r = da.ones((4, 4), chunks=2).store(np.zeros((4, 4)), compute=False)
    assert isinstance(r, da.Array)


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_store_roundtrip_matches_numpy(data):
    shape = data.draw(shapes(min_dims=1, max_side=8))
    chunks = data.draw(chunkings(shape))
    x = np.arange(int(np.prod(shape)), dtype="f8").reshape(shape)
    target = np.full(shape, -1.0)
    da.store(da.from_array(x, chunks=chunks) * 2, target, scheduler="sync")
    np.testing.assert_array_equal(target, x * 2)


# ------------------------------------------------------------------ zarr
def test_from_zarr_slice_reads_only_zarr_chunks_under_it():
    data = np.arange(400.0).reshape(20, 20)
    z, store = _zarr_array(data, (5, 5))
    x = da.from_zarr(z, chunks=(10, 10))  # each hlq block spans 4 zarr chunks
    assert x.chunks == ((10, 10), (10, 10))
    np.testing.assert_array_equal(x[:5, :5].compute(), data[:5, :5])
    assert sorted(store.reads) == ["c/0/0"]
    store.reads.clear()
    np.testing.assert_array_equal((x[3:7, 12:14] + 1).compute(), data[3:7, 12:14] + 1)
    assert sorted(store.reads) == ["c/0/2", "c/1/2"]
    store.reads.clear()
    np.testing.assert_array_equal(x.compute(), data)
    assert len(store.reads) == 16 and max(store.reads.values()) == 1
    # without slice pushdown the whole 10x10 block (4 zarr chunks) is read
    store.reads.clear()
    with dask.config.set({"hlq.rules.exclude": ["slice-pushdown"]}):
        np.testing.assert_array_equal(da.from_zarr(z, chunks=(10, 10))[:5, :5].compute(), data[:5, :5])
    assert len(store.reads) == 4


@settings(max_examples=15, deadline=None)
@given(st.data())
def test_from_zarr_slices_match_numpy(data):
    shape = data.draw(shapes(min_dims=1, max_dims=2, min_side=1, max_side=10))
    zchunks = tuple(data.draw(st.integers(1, n)) for n in shape)
    arr = np.arange(int(np.prod(shape)), dtype="i4").reshape(shape)
    z, _ = _zarr_array(arr, zchunks)
    index = data.draw(basic_indices(shape))
    x = da.from_zarr(z)
    np.testing.assert_array_equal(x[index].compute(), arr[index])


def test_to_zarr_path_roundtrip_and_component(tmp_path):
    x = da.arange(30, chunks=7).reshape(5, 6)
    x.to_zarr(str(tmp_path / "a.zarr"))
    np.testing.assert_array_equal(da.from_zarr(str(tmp_path / "a.zarr")).compute(), np.arange(30).reshape(5, 6))
    z = zarr.open_array(str(tmp_path / "a.zarr"), mode="r")
    assert z.chunks == tuple(c[0] for c in x.chunks)
    grp = str(tmp_path / "g.zarr")
    da.to_zarr(x + 1, grp, component="sub/arr")
    np.testing.assert_array_equal(da.from_zarr(grp, component="sub/arr").compute(), np.arange(30).reshape(5, 6) + 1)
    # mode "w" overwrites, compute=False defers the writes
    d = da.to_zarr(x * 0, str(tmp_path / "a.zarr"), mode="w", compute=False)
    assert np.asarray(zarr.open_array(str(tmp_path / "a.zarr"), mode="r")[...]).sum() == 0  # fill value
    dask.compute(d)
    with pytest.raises(ValueError):
        da.to_zarr(x, str(tmp_path / "b.zarr"), mode="r")
    with pytest.raises(ValueError):
        da.to_zarr(x, str(tmp_path / "b.zarr"), region=(slice(0, 2),))


def test_to_zarr_existing_array_region_and_alignment():
    z = zarr.create_array(store=zarr.storage.MemoryStore(), shape=(12, 12), chunks=(4, 4), dtype="f8",
                          fill_value=-1.0)
    x = da.ones((6, 8), chunks=(5, 3))  # misaligned with zarr chunks: rechunked before writing
    with pytest.warns(dda.core.PerformanceWarning, match="rechunked along axis 1"):
        x.to_zarr(z, region=(slice(3, 9), slice(4, 12)))
    out = z[...]
    expected = np.full((12, 12), -1.0)
    expected[3:9, 4:12] = 1
    np.testing.assert_array_equal(out, expected)
    with pytest.raises(ValueError):
        da.ones((2, 2)).to_zarr(z, region=(slice(0, 3), slice(0, 3)))


@pytest.mark.parametrize("chunks,shards", [((3, 3), (18, 18)), ((3, 3), (12, 12)), ((60, 60), (60, 60))])
def test_to_zarr_sharded_never_two_blocks_per_shard(tmp_path, chunks, shards):
    path = str(tmp_path / "s.zarr")
    da.zeros((60, 60), chunks=chunks).to_zarr(path, shards=shards)
    da.ones((60, 60), chunks=chunks).to_zarr(path, mode="w", shards=shards)  # threaded scheduler
    assert zarr.open_array(path, mode="r").shards == shards
    y = da.from_zarr(path)
    assert y.chunks == da.ones((60, 60), chunks=chunks).chunks  # read back on the zarr chunks
    np.testing.assert_array_equal(y.compute(), np.ones((60, 60)))  # no write lost to a shared shard


def test_to_zarr_irregular_chunks_warns(tmp_path):
    x = da.from_array(np.arange(10), chunks=((3, 4, 3),))
    with pytest.warns(UserWarning, match="irregular"):
        x.to_zarr(str(tmp_path / "i.zarr"))
    np.testing.assert_array_equal(da.from_zarr(str(tmp_path / "i.zarr")).compute(), np.arange(10))


# ------------------------------------------------------------------ npy stacks
@pytest.mark.parametrize("axis", [0, 1])
def test_npy_stack_roundtrip_and_dask_compatible(tmp_path, axis):
    x = np.arange(48).reshape(6, 8)
    d = str(tmp_path / "stack")
    da.to_npy_stack(d, da.from_array(x, chunks=(4, 3)), axis=axis)
    y = da.from_npy_stack(d)
    assert y.chunks[axis] == ((4, 2), (3, 3, 2))[axis]
    np.testing.assert_array_equal(y.compute(), x)
    np.testing.assert_array_equal(y[1:3, 5:].compute(), x[1:3, 5:])
    np.testing.assert_array_equal(dda.from_npy_stack(d).compute(), x)  # dask reads hlq's stack
    d2 = str(tmp_path / "dask")
    dda.to_npy_stack(d2, dda.from_array(x, chunks=(4, 3)), axis=axis)
    np.testing.assert_array_equal(da.from_npy_stack(d2).compute(), x)  # and the other way
    with pytest.raises(np.exceptions.AxisError):
        da.to_npy_stack(str(tmp_path / "bad"), da.ones((2, 2)), axis=2)


# ------------------------------------------------------------------ delayed
def test_from_delayed_and_to_delayed():
    v = dask.delayed(np.arange)(6)
    x = da.from_delayed(v, (6,), dtype=int)
    assert x.chunks == ((6,),) and x.dtype == np.dtype(int)
    np.testing.assert_array_equal((x * 2)[2:].compute(), np.arange(6)[2:] * 2)
    y = da.concatenate([x, da.from_delayed(dask.delayed(np.ones)(3), (3,), meta=np.ones(0))])
    np.testing.assert_array_equal(y.compute(), np.r_[np.arange(6), np.ones(3)])
    with pytest.raises(ValueError, match="shape"):
        da.from_delayed(v, (5,), dtype=int).compute()
    with pytest.raises(TypeError):
        da.from_delayed(np.ones(3), (3,))
    z = da.arange(12, chunks=5).reshape(3, 4)[:, 1:]
    for opt in (True, False):
        dl = (z + 1).to_delayed(optimize_graph=opt)
        assert dl.shape == (z + 1).numblocks and dl.dtype == object
        parts = dask.compute(*dl.ravel())
        np.testing.assert_array_equal(np.concatenate(parts, axis=0), np.arange(12).reshape(3, 4)[:, 1:] + 1)
    s = da.ones((4, 4), chunks=2).sum(axis=0).to_delayed(optimize_graph=False)
    np.testing.assert_array_equal(s[1].compute(), [4.0, 4.0])


# ------------------------------------------------------------------ hdf5
def test_to_hdf5_missing_h5py_names_it(tmp_path):
    try:
        import h5py  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="h5py"):
            da.ones(4).to_hdf5(str(tmp_path / "x.h5"), "/x")
    with pytest.raises(ValueError):
        da.to_hdf5(str(tmp_path / "x.h5"), "/x")


def test_to_hdf5_roundtrip(tmp_path):
    h5py = pytest.importorskip("h5py")
    x = da.arange(16, chunks=4).reshape(4, 4)
    fn = str(tmp_path / "x.h5")
    x.to_hdf5(fn, "/x")
    da.to_hdf5(fn, {"/y": x + 1})
    with h5py.File(fn, "r") as f:
        np.testing.assert_array_equal(f["/x"][:], np.arange(16).reshape(4, 4))
        np.testing.assert_array_equal(f["/y"][:], np.arange(16).reshape(4, 4) + 1)


# ------------------------------------------------------------------ distributed
def test_io_roundtrips_on_a_distributed_cluster(tmp_path):
    """to_zarr / from_zarr / npy stacks with the plan shipped to worker processes."""
    distributed = pytest.importorskip("distributed")
    x = da.random.default_rng(0).normal(size=(20, 20), chunks=(5, 5))
    expected = x.compute(scheduler="sync")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=":0") as c, \
            distributed.Client(c):
        x.to_zarr(str(tmp_path / "x.zarr"))
        y = da.from_zarr(str(tmp_path / "x.zarr"))
        np.testing.assert_array_equal(y[3:7].compute(), expected[3:7])
        da.to_npy_stack(str(tmp_path / "s"), x + 1, axis=0)
        np.testing.assert_array_equal(da.from_npy_stack(str(tmp_path / "s")).compute(), expected + 1)
    np.testing.assert_array_equal(da.from_zarr(str(tmp_path / "x.zarr")).compute(scheduler="sync"), expected)


def test_from_array_auto_chunks_follow_zarr_shards():
    zarr = pytest.importorskip("zarr", minversion="3")
    z = zarr.create_array({}, shape=(1000,) * 3, chunks=(101,) * 3, shards=(404,) * 3, dtype="uint8")
    dz = da.from_array(z)
    assert all(c % s == 0 for c, s in zip(dz.chunksize, z.shards))
