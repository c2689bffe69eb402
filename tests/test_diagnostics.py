"""Diagnostics users expect: dask.diagnostics, hlq.visualize (plan DAG images), the HTML summary."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import hlq
import hlq.array as da


def _x():
    a = da.ones((400, 400), chunks=(50, 50))
    return ((a + a.T) * 2)[:100, :120].sum(axis=0)


EXPECTED = np.full(120, 4.0 * 100)


def test_progress_bar(capsys):
    from dask.diagnostics import ProgressBar

    with ProgressBar(minimum=0, dt=0.01):
        out = _x().compute()
    np.testing.assert_array_equal(out, EXPECTED)
    captured = capsys.readouterr()
    assert "100%" in captured.out + captured.err


def test_profilers_record_the_optimized_tasks():
    from dask.diagnostics import CacheProfiler, Profiler, ResourceProfiler

    x = _x()
    with Profiler() as prof, ResourceProfiler(dt=0.01) as rprof, CacheProfiler() as cprof:
        out = x.compute(scheduler="threads")
    np.testing.assert_array_equal(out, EXPECTED)
    ran = {r.key for r in prof.results}
    graph_keys = set(x.__dask_graph__())
    # the profiler sees the tasks of the optimized (culled, fused) graph
    assert len(ran) >= 1 and (ran & graph_keys)
    assert len(ran - {k for k in ran if str(k[0] if isinstance(k, tuple) else k).startswith("finalize")}) \
        <= x.task_count()
    assert cprof.results
    assert isinstance(rprof.results, list)


def test_progress_bar_with_xarray_on_hlq(capsys):
    xr = pytest.importorskip("xarray")
    from dask.diagnostics import ProgressBar

    ds = xr.Dataset({"t": (("x", "y"), np.arange(60.0).reshape(6, 10))}).chunk({"x": 2}, chunked_array_type="hlq")
    with ProgressBar(minimum=0):
        out = ds.t.mean("x").compute()
    np.testing.assert_allclose(out.values, np.arange(60.0).reshape(6, 10).mean(0))
    assert "100%" in "".join(capsys.readouterr())


@pytest.mark.parametrize("optimized", [True, False, "both"])
@pytest.mark.parametrize("ext", ["png", "svg"])
def test_visualize_writes_file(tmp_path, optimized, ext):
    target = tmp_path / f"plan.{ext}"
    g = hlq.visualize(_x(), filename=str(target), optimized=optimized)
    assert target.exists() and target.stat().st_size > 500
    head = target.read_bytes()[:200]
    assert head.startswith(b"\x89PNG") if ext == "png" else b"<svg" in target.read_bytes()
    assert g.number_of_nodes() >= 2


@pytest.mark.parametrize("engine", ["matplotlib", "graphviz"])
def test_visualize_engines(tmp_path, engine):
    if engine == "graphviz" and shutil.which("dot") is None:
        pytest.skip("graphviz's dot program is not installed")
    pytest.importorskip("matplotlib")
    target = tmp_path / "plan.png"
    hlq.visualize(_x(), filename=str(target), optimized="both", engine=engine)
    assert target.read_bytes().startswith(b"\x89PNG")


def test_visualize_bytes_and_errors(tmp_path):
    data = hlq.visualize(_x(), filename=None, format="svg")
    assert b"<svg" in data
    with pytest.raises(ValueError, match="format"):
        hlq.visualize(_x(), filename=str(tmp_path / "x.gif"))
    with pytest.raises(TypeError):
        hlq.visualize(np.ones(3))


def test_plan_graph_before_after():
    x = _x()
    before = hlq.plan_graph(x, optimized=False)
    after = hlq.plan_graph(x, optimized=True)
    ops_before = {d["op"] for _, d in before.nodes(data=True)}
    assert {"ones", "transpose", "getitem"} <= ops_before
    assert "getitem" not in {d["op"] for _, d in after.nodes(data=True)}  # the slice was pushed into ones
    import networkx as nx

    assert nx.is_directed_acyclic_graph(before) and nx.is_directed_acyclic_graph(after)
    roots = [n for n, d in after.nodes(data=True) if d["root"]]
    assert len(roots) == 1 and after.out_degree(roots[0]) == 0


def test_plan_graph_deep_chain_no_recursion():
    x = da.ones((10,), chunks=5)
    for _ in range(3000):
        x = x + 1
    g = hlq.plan_graph(x, optimized=False)
    assert g.number_of_nodes() >= 3000


def test_repr_html_plan_summary():
    x = _x()
    html = x._repr_html_()
    assert html.startswith("<table")
    for text in ("Tasks", f"{x.task_count()} after optimization", "Plan nodes", "Blocks", "(120,)", "float64",
                 "<svg", "hlq.array &lt;"):
        assert text in html, text
    # 0-d and huge arrays render too
    assert "Tasks" in da.ones((), chunks=())._repr_html_()
    big = da.ones((10**6, 10**6), chunks=(1000, 1000))[:10, :10]
    assert "1 after optimization" in big._repr_html_()
