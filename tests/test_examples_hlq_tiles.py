"""The example extension package examples/hlq_tiles: its rules load through the
``hlq.rules`` entry point and pass the testing kit.

The extension is not pip-installed by the test command; the ``ext`` fixture makes it
importable and registers its declared entry points in this process (see
tests/helpers/example_ext.py), or uses it as is when it is installed."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import subprocess
import sys
import textwrap

import dask
import numpy as np
import pytest
from hypothesis import strategies as st

import hlq
import hlq.array as da
from hlq.rules import get_rule, lint, load_entry_points
from hlq.testing import array_expressions, assert_rewrites, check_rule
from tests.helpers.example_ext import register_example, subprocess_env

hlq_tiles = None  # the example package, imported by the ``ext`` fixture
EXT_PATHS: list[str] = []


@pytest.fixture(scope="module", autouse=True)
def ext(tmp_path_factory):
    global hlq_tiles
    EXT_PATHS[:] = register_example("hlq_tiles", tmp_path_factory.mktemp("site"))
    import hlq_tiles as module

    hlq_tiles = module
    load_entry_points()  # entry points may have been scanned before the path was added
    yield module


@pytest.fixture
def tiles(tmp_path):
    a = np.arange(400.0).reshape(20, 20)
    path = tmp_path / "a.raw"
    hlq_tiles.write_tiles(path, a)
    return a, hlq_tiles.open_tiles(path, a.shape, a.dtype, chunks=5)


def test_entry_point_declared():
    eps = importlib.metadata.entry_points(group="hlq.rules")
    assert any(ep.name == "hlq_tiles" and ep.value == "hlq_tiles.rules" for ep in eps)


def test_rules_load_through_the_entry_point_only(tmp_path):
    script = textwrap.dedent(f"""
        import numpy as np
        import hlq_tiles
        from hlq.rules import registry
        assert "hlq_tiles.absorb_slice" not in registry._RULES   # hlq_tiles does not import its rules
        hlq_tiles.write_tiles({str(tmp_path / "b.raw")!r}, np.arange(100.0).reshape(10, 10))
        x = hlq_tiles.open_tiles({str(tmp_path / "b.raw")!r}, (10, 10), "f8", chunks=5)
        hlq_tiles.reset_reads()
        assert x[1:3, 2:4].compute().tolist() == [[12.0, 13.0], [22.0, 23.0]]
        assert "hlq_tiles.absorb_slice" in registry._RULES and "hlq_tiles.merge_clips" in registry._RULES
        assert hlq_tiles.READS == {{"reads": 1, "elements": 4}}, hlq_tiles.READS
        print("ok")
    """)
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         env=subprocess_env(EXT_PATHS))
    assert res.returncode == 0, res.stderr
    assert "ok" in res.stdout


def test_slice_is_absorbed_into_the_reads(tiles):
    a, x = tiles
    y = (x * 2)[3:12, 4:6]
    hlq_tiles.reset_reads()
    out = y.compute()
    np.testing.assert_array_equal(out, (a * 2)[3:12, 4:6])
    # 9 x 2 elements, in the 3 x 2 tiles the region crosses
    assert hlq_tiles.READS == {"reads": 6, "elements": 18}
    assert "[by hlq_tiles.absorb_slice]" in hlq.explain(y, trace=True)
    with dask.config.set({"hlq.rules.exclude": ["hlq_tiles.absorb_slice"]}):
        hlq_tiles.reset_reads()
        np.testing.assert_array_equal(y.compute(), out)
    assert hlq_tiles.READS == {"reads": 6, "elements": 150}  # whole 5x5 tiles


def test_integer_index_absorbed(tiles):
    a, x = tiles
    hlq_tiles.reset_reads()
    np.testing.assert_array_equal(x[7, 2:9].compute(), a[7, 2:9])
    assert hlq_tiles.READS["elements"] == 7


def test_why_not_step_slice_is_blocked_by_the_guard(tiles):
    _, x = tiles
    report = hlq.why_not(x[::2, 1:3], "hlq_tiles.absorb_slice")
    (entry,) = report.of_kind("no-match")
    assert "guard non-empty unit-step slices and integers only failed" in entry.reason


def test_merge_clips(tiles):
    a, x = tiles
    y = da.clip(da.clip(x, 10, 300), 50, 500)
    assert_rewrites(y, da.clip(x, 50, 300), rules=["hlq_tiles.merge_clips"])
    np.testing.assert_array_equal(y.compute(), np.clip(a, 50, 300))
    # disjoint ranges are not a single clip: declined
    z = da.clip(da.clip(x, 0, 3), 5, 9)
    report = hlq.why_not(z, "hlq_tiles.merge_clips")
    assert "declined" in report.kinds()
    np.testing.assert_array_equal(z.compute(), np.clip(np.clip(a, 0, 3), 5, 9))


def test_lint_clean():
    rules = [get_rule("hlq_tiles.absorb_slice"), get_rule("hlq_tiles.merge_clips")]
    assert all(r.get_examples() for r in rules)
    assert lint(rules) == []


def _clip_op(draw, x):
    lo = draw(st.integers(-6, 3))
    return da.clip(x, lo, lo + draw(st.integers(0, 8)))


def test_check_rule_merge_clips():
    strategy = array_expressions(extra_ops=[_clip_op, _clip_op, _clip_op], max_ops=5)
    res = check_rule("hlq_tiles.merge_clips", strategy, max_examples=20)
    assert res.fired == 20


def test_check_rule_absorb_slice(tmp_path):
    def tile_source(draw, data):
        path = tmp_path / (hashlib.sha1(data.tobytes() + str(data.shape).encode()).hexdigest() + ".raw")
        if not os.path.exists(path):
            hlq_tiles.write_tiles(path, data)
        chunks = tuple(draw(st.integers(1, n)) for n in data.shape)
        return hlq_tiles.open_tiles(path, data.shape, data.dtype, chunks=chunks)

    res = check_rule("hlq_tiles.absorb_slice", array_expressions(source=tile_source), max_examples=20)
    assert res.fired == 20
