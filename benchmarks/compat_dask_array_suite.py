"""Run dask's own array test files against ``hlq.array`` and print pass rates.

dask's wheel ships its array tests (``dask/array/tests/test_*.py``).  This
script copies them into a temporary directory, rewrites them to use hlq:

* ``import dask.array as da`` -> ``import hlq.array as da``;
* ``from dask.array[.X] import names``: a name hlq has (in ``hlq.array[.X]``)
  comes from hlq; a public ``dask.array`` API name hlq lacks becomes a stub
  raising ``NotImplementedError`` (the tests using it fail, honestly); a
  dask-internal helper of a module hlq does not mirror (``dask.array.slicing``,
  ``dask.array.rechunk``, ``numpy_compat``...) stays dask's own;
* ``from dask.array.utils import assert_eq, same_keys`` -> :mod:`hlq.array.utils`
  (dask's semantics without graph internals);
* attribute uses ``dask.array.X`` in code -> ``hlq.array.X``;
* ``da._array_expr_enabled()`` -> ``False`` (hlq is judged as classic dask.array);
* ``import dask.dataframe as dd`` / ``pytest.importorskip("dask.dataframe")`` ->
  ``hlq.dataframe`` (the tests that build dataframes from arrays or arrays from
  dataframes use hlq's drop-in for dask.dataframe);

(where pytest-mock is not installed, the generated conftest gives tests a
``mocker`` fixture built on :mod:`unittest.mock`) and runs pytest on each file in its own subprocess (per-file timeout,
``-p no:cacheprovider``, ``--junitxml``).  Tests matching :data:`EXCLUDED`
(dask internals: HighLevelGraph layers, key names, ``x.dask`` structure,
low-level optimization) are skipped with their reason and counted apart.

Pass rate = passed / (passed + failed + errors): skips (missing optional
packages, dask's own skips) and dask's xfail markers are reported but do not
count.  The ``no hlq`` column counts passing tests that never built an hlq
array (they exercise dask's own helpers, e.g. chunk planners); they are in
``passed``, and the ``hlq-only rate`` leaves them out.

Usage::

    python benchmarks/compat_dask_array_suite.py                 # default files
    python benchmarks/compat_dask_array_suite.py --files test_reshape,test_fft --workers 2
    python benchmarks/compat_dask_array_suite.py --json out.json --failures 30
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import fnmatch
import importlib
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tokenize
import xml.etree.ElementTree as ET
from collections import Counter

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)  # the rewriting step imports hlq.array to see which names it has

DEFAULT_FILES = [
    "test_creation", "test_reductions", "test_slicing", "test_routines", "test_ufunc", "test_rechunk",
    "test_array_core", "test_overlap", "test_linalg", "test_reshape", "test_percentiles", "test_random",
    "test_gufunc", "test_cumulative", "test_fft", "test_masked", "test_map_blocks",
]

#: test-id pattern (fnmatch, ``file.py::test_name[params]``) -> why it is excluded.
#: Only tests that check dask internals (graph layers, expressions, key names,
#: task contents) belong here; tests of dask's pure helper functions are not
#: excluded (they pass and show in the ``no hlq`` column).
EXCLUDED: dict[str, str] = {
    # HighLevelGraph layers / dask-expr expressions
    "test_array_core.py::test_graph_from_arraylike*": "inspects HighLevelGraph layers and their types",
    "test_array_core.py::test_dask_layers": "inspects HighLevelGraph layer names and dependencies",
    "test_array_core.py::test_to_delayed_optimize_graph": "inspects HighLevelGraph layers after optimization",
    "test_array_core.py::test_repr_html_array_highlevelgraph": "renders HighLevelGraph layers",
    "test_array_core.py::test_map_blocks_optimize_blockwise*": "dask's low-level optimize_blockwise layer fusion",
    "test_creation.py::test_creation_data_producers": "inspects dask-expr expressions (collections_to_expr)",
    "test_creation.py::test_from_array_getitem_fused": "inspects dask-expr expressions (collections_to_expr)",
    "test_overlap.py::test_overlap_not_blowing_up_graph": "inspects dask-expr expressions (collections_to_expr)",
    "test_overlap.py::test_trim_internal": "inspects dask-expr expressions (collections_to_expr)",
    # raw graphs, key names, task contents
    "test_array_core.py::test_keys": "builds Array from a raw dict graph, checks key naming and caching",
    "test_array_core.py::test_from_array_inline": "checks where the source sits in the task dict",
    "test_array_core.py::test_zarr_inline_array*": "checks where the source sits in the task dict",
    "test_array_core.py::test_from_array_ndarray_onechunk*": "reads a block out of x.dask by dask's key name",
    "test_array_core.py::test_from_array_ndarray_getitem": "reads a block out of x.dask by dask's key name",
    "test_array_core.py::test_from_array_scalar*": "reads a block out of x.dask by dask's key name",
    "test_array_core.py::test_map_blocks_large_inputs_delayed": "counts DataNode embeddings in the task dict",
    "test_array_core.py::test_blockwise_large_inputs_delayed": "counts DataNode embeddings in the task dict",
    "test_array_core.py::test_blockwise_fusion": "checks Alias tasks of dask's low-level fusion",
    "test_slicing.py::test_slicing_with_negative_step_flops_keys": "checks dask key names in the graph",
    "test_slicing.py::test_take_sorted_indexer": "compares task dicts of dask's take",
    "test_slicing.py::test_all_none_slices_just_mappings": "checks Alias tasks of dask's slicing",
    "test_rechunk.py::test_dont_concatenate_single_chunks*": "inspects task functions of dask's rechunk graph",
    "test_rechunk.py::test_rechunk_intermediates": "counts intermediate tasks of dask's rechunk plan",
    "test_rechunk.py::test_plan_rechunk_asymmetric": "counts tasks of dask's rechunk plan",
    "test_reductions.py::test_tree_reduce_depth": "measures the depth of dask's reduction graph",
    "test_reductions.py::test_reduction_names": "checks dask key names of reductions",
    "test_reductions.py::test_general_reduction_names": "checks dask key names (name-partial/-aggregate layers)",
    "test_overlap.py::test_overlap_not_adding_empty_tasks": "inspects task contents of dask's overlap graph",
    "test_overlap.py::test_map_overlap_escapes_to_map_blocks_when_depth_is_zero": "counts the tasks of x.dask (hlq "
        "fuses the source into the mapped function)",
    "test_overlap.py::test_overlap_few_dimensions_small": "checks the types of dask's overlap key indices "
                                                          "(float keys of its halo tasks)",
    "test_overlap.py::test_overlap_few_dimensions": "compares task counts of dask's overlap graphs (hlq fuses halos)",
    # arrays built from raw task dicts (dask's low-level Array(dsk, name, chunks) constructor)
    "test_array_core.py::test_Array": "builds an Array from a raw task dict (Array(dsk, name, chunks))",
    "test_array_core.py::test_Array_computation": "builds an Array from a raw task dict",
    "test_array_core.py::test_concatenate": "builds Arrays from raw task dicts and checks x.dask[key] task tuples",
    "test_array_core.py::test_stack": "builds Arrays from raw task dicts and checks x.dask[key] task tuples",
    "test_array_core.py::test_uneven_chunks": "builds an Array from a raw task dict",
    "test_array_core.py::test_dont_dealias_outputs": "builds an Array from a raw task dict",
    "test_array_core.py::test_dont_fuse_outputs": "builds an Array from a raw task dict",
    "test_array_core.py::test_no_chunks": "builds an Array from a raw task dict",
    "test_array_core.py::test_numblocks_supports_singleton_block_dims": "builds an Array from a raw task dict",
    "test_array_core.py::test_raise_on_no_chunks": "builds an Array from x.dask and x.name (raw constructor)",
    "test_array_core.py::test_map_blocks_delayed": "validates the HighLevelGraph (x.dask.validate())",
    "test_array_core.py::test_map_blocks_unique_name_enforce_dim": "compares graph key names (x._name)",
    "test_array_core.py::test_from_array_name": "checks the graph key name chosen by name=",
    "test_array_core.py::test_from_array_names": "checks graph key names of from_array",
    "test_array_core.py::test_from_zarr_name": "checks the graph key name chosen by name=",
    "test_array_core.py::test_from_array_list*": "checks task contents (x.dask[key] is an ndarray)",
    "test_array_core.py::test_blockwise_with_numpy_arrays": "checks that a numpy operand sits in the task dict "
                                                              "(s.dask.values())",
    "test_array_core.py::test_store_delayed_target": "checks persisted data through HighLevelGraph layers "
                                                     "(assert_has_persisted_data reads x.dask.layers)",
    "test_array_core.py::test_store_regions": "checks persisted data through HighLevelGraph layers "
                                              "(assert_has_persisted_data reads x.dask.layers)",
    "test_array_core.py::test_from_array_xarray_dataarray": "counts the tasks of collections_to_expr's graph and "
                                                            "checks their key names",
    "test_array_core.py::test_chunk_assignment_invalidates_cached_properties": "assigns dask's private _chunks with "
        "another number of dimensions and compares _key_array",
    # block types other than numpy.ndarray: hlq.array tracks the dtype, not a block type (_meta)
    "test_array_core.py::test_scipy_sparse_*": "scipy.sparse blocks: hlq.array computes numpy blocks only",
    "test_array_core.py::test_dask_array_setitem_singleton_sparse*": "scipy.sparse blocks: hlq.array computes numpy "
                                                                     "blocks only",
    "test_array_core.py::test_array_picklable*": "asserts _meta is a numpy.ma.MaskedArray for masked arrays; hlq's "
                                               "_meta is always a numpy array (no block-type tracking)",
    "test_array_core.py::test_asanyarray": "asserts numpy.matrix blocks; hlq.array computes numpy.ndarray blocks",
    # partition lengths hlq knows where dask's are unknown
    "test_array_core.py::test_stack_unknown_chunksizes": "asserts nan lengths for dataframe.from_pandas(df).values; "
                                                         "hlq.dataframe knows the partition lengths",
    "test_array_core.py::test_concatenate_unknown_axes": "asserts nan lengths for dataframe.from_pandas(df).values; "
                                                         "hlq.dataframe knows the partition lengths",
    "test_array_core.py::test_zarr_risky_shards_warns": "expects dask's PerformanceWarning raised as an error "
        "(dask's own pytest configuration turns dask's warnings into errors; the runner keeps them warnings: hlq "
        "emits it)",
    "test_array_core.py::test_zarr_regions": "asserts a PerformanceWarning for a one-block write into part of one "
        "zarr chunk; hlq writes it without rechunking (one writer per zarr chunk is safe) and does not warn",
    # deliberate differences
    "test_array_core.py::test_astype": "asserts astype to the same dtype returns the array itself; hlq returns an "
                                       "independent copy (copy=True) because __setitem__ changes arrays in place",
    # capabilities beyond dask's
    "test_array_core.py::test_compute_chunk_sizes_warning_fixes_reduction": "asserts argmin raises on unknown "
        "chunks; hlq computes arg-reductions over unknown (nan) chunks from the actual block lengths",
    "test_linalg.py::test_norm_implemented_errors*": "asserts NotImplementedError for ord='nuc'/2/-2 matrix norms of "
                                                     "stacked (>2-d) arrays; hlq computes them (numpy's values)",
    "test_linalg.py::test_lu_errors": "asserts ValueError for lu of non-square chunks; hlq rechunks and computes "
                                      "the factorization",
    "test_linalg.py::test_solve_triangular_errors": "asserts ValueError for a right-hand side chunked unlike the "
                                                    "matrix; hlq rechunks and solves",
    "test_linalg.py::test_svd_compressed_compute[[]QR[]]": "compares the second singular vector of a rank-1 matrix "
        "(singular value ~1e-30, rounding noise) between two evaluation orders",
    # partition lengths hlq knows where dask's are unknown
    "test_rechunk.py::test_rechunk_same_fully_unknown": "asserts nan chunks for dataframe.from_array(x).values; "
                                                         "hlq.dataframe knows the partition lengths (known chunks)",
    "test_rechunk.py::test_rechunk_same_partially_unknown": "asserts nan chunks for dataframe.from_array(x).values; "
                                                            "hlq.dataframe knows the partition lengths",
    "test_rechunk.py::test_rechunk_unknown_from_pandas": "asserts nan chunks for dataframe.from_pandas(df).values; "
                                                         "hlq.dataframe knows the partition lengths",
    "test_rechunk.py::test_rechunk_unknown_raises": "rechunks dataframe.from_array(x).values expecting nan chunks; "
                                                    "hlq.dataframe knows the partition lengths",
    "test_rechunk.py::test_rechunk_unknown_from_array": "asserts nan chunks for dataframe.from_array(x).values; "
                                                        "hlq.dataframe knows the partition lengths",
    # ``[[]`` is fnmatch for a literal ``[``
    "test_creation.py::test_arr_like[[]*-my-name-*": "checks the graph key name chosen by name= (hlq names keys "
                                                      "by plan token so equal plans share keys)",
}

_COMPAT_HELPER = '''"""Generated by hlq benchmarks/compat_dask_array_suite.py."""


def missing(name):
    """A stand-in for a public dask.array API that hlq.array lacks."""

    def f(*args, **kwargs):
        raise NotImplementedError(f"hlq.array has no {name}")

    f.__name__ = name
    f.hlq_missing = True
    return f
'''

_CONFTEST = '''"""Generated by hlq benchmarks/compat_dask_array_suite.py."""
import fnmatch
import json
import os
import signal

import pytest

from dask.conftest import *  # noqa: F401,F403  (dask's own fixtures, e.g. ``xfail``)
from dask.conftest import pytest_collection_modifyitems as _dask_modifyitems

import hlq.lower.collection as _coll

try:
    import pytest_mock  # noqa: F401  (provides ``mocker``)
except ImportError:
    import unittest.mock as _mock

    class _Mocker:
        """pytest-mock's ``mocker`` where pytest-mock is not installed: unittest.mock's classes."""

        Mock, MagicMock, PropertyMock, ANY, call, sentinel = (
            _mock.Mock, _mock.MagicMock, _mock.PropertyMock, _mock.ANY, _mock.call, _mock.sentinel)

        def __init__(self):
            self._patches = []

        def patch(self, *args, **kwargs):
            p = _mock.patch(*args, **kwargs)
            self._patches.append(p)
            return p.start()

    @pytest.fixture
    def mocker():
        m = _Mocker()
        yield m
        for p in reversed(m._patches):
            p.stop()

_EXCLUDED = json.loads(os.environ.get("HLQ_COMPAT_EXCLUDED", "{}"))
_TEST_TIMEOUT = float(os.environ.get("HLQ_COMPAT_TEST_TIMEOUT", "60"))
_LOG = os.environ.get("HLQ_COMPAT_LOG")
_built = [0]
_orig_init = _coll.HlqCollection.__init__


def _counting_init(self, node, *args, **kwargs):
    _built[0] += 1
    _orig_init(self, node, *args, **kwargs)


_coll.HlqCollection.__init__ = _counting_init


def pytest_collection_modifyitems(config, items):
    _dask_modifyitems(config, items)
    for item in items:
        tid = os.path.basename(item.nodeid.split("::")[0]) + "::" + item.nodeid.split("::", 1)[-1]
        for pat, reason in _EXCLUDED.items():
            if fnmatch.fnmatchcase(tid, pat):
                item.add_marker(pytest.mark.skip(reason="EXCLUDED: " + reason))
                break


def _alarm(signum, frame):
    raise TimeoutError(f"test exceeded {_TEST_TIMEOUT} s (compat per-test timeout)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    before = _built[0]
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, _TEST_TIMEOUT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        item.user_properties.append(("hlq_arrays", _built[0] - before))


def pytest_runtest_logreport(report):
    if _LOG and (report.when == "call" or report.outcome != "passed"):
        crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
        msg = getattr(crash, "message", "") if report.outcome == "failed" else ""
        with open(_LOG, "a") as f:
            f.write(json.dumps({"id": report.nodeid, "when": report.when, "outcome": report.outcome, "msg": msg,
                                "xfail": hasattr(report, "wasxfail"), "s": round(report.duration, 2)}) + "\\n")
'''


# ---------------------------------------------------------------------------------------- rewriting

def _hlq_module(modname: str):
    """``hlq.array[.X]`` for ``dask.array[.X]``, or None when hlq has no such module."""
    target = "hlq" + modname[len("dask"):]
    if target == "hlq.array.utils":
        target = "hlq.array.utils"
    try:
        return importlib.import_module(target)
    except ImportError:
        return None


_API_SUBMODULES = {"linalg", "fft", "overlap", "lib.stride_tricks", "gufunc", "ma", "random"}


def _is_public_api(modname: str, name: str) -> bool:
    """A public dask.array name (top-level namespace or an API submodule), as opposed to an internal helper."""
    import dask.array

    if name.startswith("_"):
        return False
    sub = modname[len("dask.array."):] if modname != "dask.array" else ""
    if sub in _API_SUBMODULES:
        return True
    return hasattr(dask.array, name) and not isinstance(getattr(dask.array, name), type(dask))


def _rewrite_import_from(node: ast.ImportFrom) -> str:
    import hlq.array as hlq_array

    mod = node.module
    hmod = _hlq_module(mod)
    hlq_names, dask_names, stubs = [], [], []
    top = []  # public dask.array names found in hlq.array's namespace
    for alias in node.names:
        shown = alias.name + (f" as {alias.asname}" if alias.asname else "")
        if alias.name == "*":
            (hlq_names if hmod is not None else dask_names).append(shown)
        elif hmod is not None and hasattr(hmod, alias.name):
            hlq_names.append(shown)
        elif hmod is not None and hasattr(hmod, "__path__") and importlib.util.find_spec(
                f"{hmod.__name__}.{alias.name}") is not None:
            hlq_names.append(shown)  # a submodule, e.g. ``from dask.array import fft``
        elif _is_public_api("dask.array", alias.name) and hasattr(hlq_array, alias.name):
            top.append(shown)  # e.g. ``from dask.array.reshape import reshape_blockwise``
        elif _is_public_api(mod, alias.name):
            stubs.append(alias)
        else:
            dask_names.append(shown)  # a dask-internal helper of a module hlq does not mirror
    stmts = []
    if hlq_names:
        stmts.append(f"from {hmod.__name__} import {', '.join(hlq_names)}")
    if top:
        stmts.append(f"from hlq.array import {', '.join(top)}")
    if dask_names:
        stmts.append(f"from {mod} import {', '.join(dask_names)}")
    for alias in stubs:
        stmts.append(f"{alias.asname or alias.name} = _hlq_missing({alias.name!r})")
    return "; ".join(stmts) or "pass"


def _rewrite_import(node: ast.Import) -> str | None:
    out, changed = [], False
    for alias in node.names:
        if alias.name == "dask.dataframe" and alias.asname:
            changed = True
            out.append(f"hlq.dataframe as {alias.asname}")
            continue
        if alias.name == "dask.array" or alias.name.startswith("dask.array."):
            hmod = _hlq_module(alias.name)
            if hmod is not None:
                changed = True
                out.append(hmod.__name__ + (f" as {alias.asname}" if alias.asname else ""))
                continue
        out.append(alias.name + (f" as {alias.asname}" if alias.asname else ""))
    return "import " + ", ".join(out) if changed else None


def rewrite_source(src: str) -> str:
    """Rewrite one dask test module to test ``hlq.array`` (see the module docstring)."""
    tree = ast.parse(src)
    lines = src.splitlines(keepends=True)
    edits = []  # (start_line, start_col, end_line, end_col, text), 1-based lines
    import_lines = set()
    future_end = 0
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            import_lines.update(range(node.lineno, node.end_lineno + 1))
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            future_end = max(future_end, node.end_lineno)
        text = None
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and (
            node.module == "dask.array" or node.module.startswith("dask.array.")
        ):
            text = _rewrite_import_from(node)
        elif isinstance(node, ast.Import):
            text = _rewrite_import(node)
        if text is not None:
            edits.append((node.lineno, node.col_offset, node.end_lineno, node.end_col_offset, text))
    # ``dask.array.X`` attribute chains in code (not in strings, not in imports)
    toks = list(tokenize.generate_tokens(io.StringIO(src).readline))
    for i in range(len(toks) - 3):
        t = toks[i]
        if (t.type == tokenize.NAME and t.string == "dask" and toks[i + 1].string == "."
                and toks[i + 2].string == "array" and toks[i + 3].string == "."
                and t.start[0] not in import_lines and (i == 0 or toks[i - 1].string != ".")):
            edits.append((t.start[0], t.start[1], toks[i + 2].end[0], toks[i + 2].end[1], "_hlq_da"))
    for sl, sc, el, ec, text in sorted(edits, reverse=True):
        head = lines[sl - 1][:sc]
        tail = lines[el - 1][ec:]
        lines[sl - 1:el] = [head + text + tail]
    out = "".join(lines)
    out = out.replace("da._array_expr_enabled()", "False")
    # dataframes built from (or turned into) arrays are hlq's drop-in for dask.dataframe
    out = out.replace('importorskip("dask.dataframe")', 'importorskip("hlq.dataframe")')
    header = "from _hlq_compat import missing as _hlq_missing  # noqa\nimport hlq.array as _hlq_da  # noqa\n"
    out_lines = out.splitlines(keepends=True)
    # the header goes after ``from __future__`` imports (line numbers before the edit still hold for them)
    out_lines.insert(future_end, header)
    return "".join(out_lines)


# ------------------------------------------------------------------------------------------ running

def dask_tests_dir() -> str:
    spec = importlib.util.find_spec("dask")
    return os.path.join(os.path.dirname(spec.origin), "array", "tests")


def prepare(tmpdir: str, files: list[str]) -> list[str]:
    """Copy and rewrite ``files`` into ``tmpdir``; return the names that exist in dask."""
    src_dir = dask_tests_dir()
    present = []
    for name in files:
        path = os.path.join(src_dir, name + ".py")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            src = f.read()
        with open(os.path.join(tmpdir, name + ".py"), "w") as f:
            f.write(rewrite_source(src))
        present.append(name)
    with open(os.path.join(tmpdir, "_hlq_compat.py"), "w") as f:
        f.write(_COMPAT_HELPER)
    with open(os.path.join(tmpdir, "conftest.py"), "w") as f:
        f.write(_CONFTEST)
    with open(os.path.join(tmpdir, "pytest.ini"), "w") as f:
        f.write("[pytest]\nmarkers =\n    slow\n    network\n    gpu\n    normal_and_array_expr\n"
                "    array_expr\n    skip_with_pyarrow_strings\n    xfail_with_pyarrow_strings\n")
    return present


def parse_junit(path: str) -> dict:
    """Counts and per-test outcomes of one junit xml report."""
    counts = Counter()
    failures = []
    tree = ET.parse(path)
    for case in tree.iter("testcase"):
        tid = f"{case.get('classname', '').split('.')[-1]}::{case.get('name')}"
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        children = {c.tag: c for c in case}
        if "failure" in children:
            counts["failed"] += 1
            failures.append((tid, "failed", children["failure"].get("message", "")))
        elif "error" in children:
            counts["errors"] += 1
            failures.append((tid, "error", children["error"].get("message", "")))
        elif "skipped" in children:
            sk = children["skipped"]
            msg = sk.get("message", "") or ""
            if sk.get("type") == "pytest.xfail":
                counts["xfailed"] += 1
            elif "EXCLUDED: " in msg:
                counts["excluded"] += 1
            else:
                counts["skipped"] += 1
        else:
            counts["passed"] += 1
            if props.get("hlq_arrays") == "0":
                counts["no_hlq"] += 1
    return {"counts": dict(counts), "failures": failures}


def run_file(name: str, tmpdir: str, timeout: float, test_timeout: float) -> dict:
    """Run one rewritten test file in a subprocess; parse its junit report."""
    xml = os.path.join(tmpdir, f"{name}.xml")
    log = os.path.join(tmpdir, f"{name}.log.jsonl")
    for p in (xml, log):
        if os.path.exists(p):
            os.remove(p)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([REPO, tmpdir] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["HLQ_COMPAT_EXCLUDED"] = json.dumps(EXCLUDED)
    env["HLQ_COMPAT_TEST_TIMEOUT"] = str(test_timeout)
    env["HLQ_COMPAT_LOG"] = log
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
           "--junitxml", xml, "-W", "ignore", "--rootdir", tmpdir, os.path.join(tmpdir, name + ".py")]
    t0 = time.perf_counter()
    timed_out = False
    try:
        proc = subprocess.run(cmd, cwd=tmpdir, env=env, capture_output=True, text=True, timeout=timeout)
        tail = proc.stdout[-3000:]
    except subprocess.TimeoutExpired as e:
        timed_out = True
        out = e.stdout or b""
        tail = (out.decode(errors="replace") if isinstance(out, bytes) else out)[-3000:]
    wall = time.perf_counter() - t0
    if not timed_out and os.path.exists(xml):
        res = parse_junit(xml)
    else:  # timeout: what the incremental log saw
        counts, failures = Counter(), []
        if os.path.exists(log):
            with open(log) as f:
                for line in f:
                    r = json.loads(line)
                    if r["outcome"] == "passed" and r["when"] == "call":
                        counts["xfailed" if r["xfail"] else "passed"] += 1
                    elif r["outcome"] == "failed":
                        counts["failed" if r["when"] == "call" else "errors"] += 1
                        failures.append((r["id"].split("/")[-1].replace(".py::", "::"), r["outcome"], r.get("msg", "")))
                    elif r["outcome"] == "skipped" and r["when"] == "setup":
                        counts["skipped"] += 1
        res = {"counts": dict(counts), "failures": failures}
    res.update(file=name, wall=round(wall, 1), timed_out=timed_out, tail=tail)
    return res


def pass_rate(c: dict, hlq_only: bool = False) -> float:
    """Passed / (passed + failed + errors): skips and xfails are dask's own decisions.

    With ``hlq_only``, tests that passed without building an hlq array are left out.
    """
    passed = c.get("passed", 0) - (c.get("no_hlq", 0) if hlq_only else 0)
    total = passed + c.get("failed", 0) + c.get("errors", 0)
    return 100.0 * passed / total if total else float("nan")


def table(results: list[dict]) -> str:
    cols = ["passed", "failed", "errors", "skipped", "xfailed", "excluded", "no_hlq"]
    out = ["| file | " + " | ".join(cols).replace("no_hlq", "no hlq") + " | pass rate | hlq-only rate | wall s |",
           "|---" * (len(cols) + 4) + "|"]
    total = Counter()
    for r in results:
        c = r["counts"]
        total.update(c)
        note = " (timeout)" if r["timed_out"] else ""
        out.append(f"| {r['file']}{note} | " + " | ".join(str(c.get(k, 0)) for k in cols)
                   + f" | {pass_rate(c):.1f}% | {pass_rate(c, True):.1f}% | {r['wall']} |")
    out.append("| **total** | " + " | ".join(str(total.get(k, 0)) for k in cols)
               + f" | **{pass_rate(total):.1f}%** | **{pass_rate(total, True):.1f}%** "
               + f"| {sum(r['wall'] for r in results):.0f} |")
    return "\n".join(out)


def failure_causes(results: list[dict], top: int) -> str:
    """Failures grouped by their first message line (numbers and ids blurred)."""
    causes = Counter()
    example = {}
    for r in results:
        for tid, _kind, msg in r["failures"]:
            key = re.sub(r"0x[0-9a-f]+|\d+", "N", (msg or "").splitlines()[0] if msg else "?")[:150]
            causes[key] += 1
            example.setdefault(key, tid)
    lines = [f"| count | cause (first line of the message) | example |", "|---|---|---|"]
    for k, n in causes.most_common(top):
        lines.append(f"| {n} | `{k.replace('|', '/')}` | {example[k].replace('|', '/')} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", default=",".join(DEFAULT_FILES),
                    help="comma-separated dask test file names (default: the issue's list)")
    ap.add_argument("--workers", type=int, default=1, help="test files run in parallel (default 1)")
    ap.add_argument("--json", metavar="PATH", help="also write the full results (counts, failures) as JSON")
    ap.add_argument("--timeout", type=float, default=1800, help="per-file timeout in seconds (default 1800)")
    ap.add_argument("--test-timeout", type=float, default=60, help="per-test timeout in seconds (default 60)")
    ap.add_argument("--failures", type=int, default=0, help="also print the N most common failure causes")
    ap.add_argument("--no-exclude", action="store_true", help="run the EXCLUDED tests too (to audit the list)")
    ap.add_argument("--keep", metavar="DIR", help="write the rewritten files to DIR and keep them")
    args = ap.parse_args(argv)
    files = [f.strip().removesuffix(".py") for f in args.files.split(",") if f.strip()]
    if args.no_exclude:
        EXCLUDED.clear()
    tmpdir = args.keep or tempfile.mkdtemp(prefix="hlq_compat_")
    os.makedirs(tmpdir, exist_ok=True)
    try:
        present = prepare(tmpdir, files)
        missing = sorted(set(files) - set(present))
        with concurrent.futures.ThreadPoolExecutor(max(1, args.workers)) as ex:
            results = list(ex.map(lambda n: run_file(n, tmpdir, args.timeout, args.test_timeout), present))
        print(table(results))
        if missing:
            print(f"\nnot in this dask version: {', '.join(missing)}")
        print(f"\nexcluded patterns ({len(EXCLUDED)}), tests that check dask internals:")
        for pat, why in EXCLUDED.items():
            print(f"- `{pat}`: {why}")
        if args.failures:
            print("\n" + failure_causes(results, args.failures))
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"results": results, "excluded": EXCLUDED, "missing": missing}, f, indent=1)
    finally:
        if not args.keep:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
