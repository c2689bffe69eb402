"""The same reduction gives the same bits whichever axis position it is reached through.

xarray's ``mean("time")`` reduces the time axis where it lies, while
``apply_ufunc(hlq.array.mean, ..., input_core_dims=[["time"]])`` first moves it
last: both must agree bit for bit, as they do with dask.
"""

import numpy as np
import pytest

import hlq.array as da


@pytest.mark.parametrize("kind", ["sum", "mean", "var", "std", "nansum", "nanmean", "nanvar", "prod"])
@pytest.mark.parametrize("chunks", [(50, 10, 10), (20, 7, 30), (365, 10, 10)])
def test_reduction_bits_do_not_depend_on_axis_position(kind, chunks):
    a = np.random.default_rng(0).random((365, 20, 30)) * 300
    if kind == "prod":
        a = 1 + a / 3000
    if kind.startswith("nan"):
        a[::7, ::3, ::5] = np.nan
    x = da.from_array(a, chunks=chunks)
    f = getattr(da, kind)
    direct = f(x, axis=0).compute()
    moved = f(da.moveaxis(x, 0, -1), axis=-1).compute()
    assert np.array_equal(direct, moved, equal_nan=True)
    np.testing.assert_allclose(direct, getattr(np, kind)(a, axis=0), rtol=1e-12)


def test_xarray_mean_equals_apply_ufunc_mean_bitwise():
    xr = pytest.importorskip("xarray")
    a = np.random.default_rng(1).random((365, 20, 30)) * 300
    ds = xr.Dataset({"t": (("time", "y", "x"), a)}).chunk({"time": 50, "y": 10, "x": 10}, chunked_array_type="hlq")
    m1 = ds.t.mean("time")
    m2 = xr.apply_ufunc(da.mean, ds.t, input_core_dims=[["time"]], kwargs={"axis": -1}, dask="allowed")
    assert m1.identical(m2)


def test_masked_partials_still_skip_masked_values():
    a = np.ma.masked_array(np.arange(40.0).reshape(8, 5), mask=np.zeros((8, 5), bool))
    a.mask[:4] = True  # the first two blocks along axis 0 are fully masked
    x = da.from_array(a, chunks=(2, 5))
    np.testing.assert_allclose(x.sum(axis=0).compute(), a.sum(axis=0))
    np.testing.assert_allclose(x.mean(axis=0).compute(), a.mean(axis=0))
    np.testing.assert_allclose(x.var(axis=0).compute(), a.var(axis=0))
