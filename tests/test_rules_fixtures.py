"""Every built-in rule, checked on a small plan: before/after fixture files, one per rule family.

``tests/rule_fixtures/<collection>_<module>.txt`` holds the cases of the
rules of ``hlq/<collection>/rules/<module>.py``.  A case::

    == rule_a, rule_b                 (the rules to run; each must fire)
    config: {"hlq.batch.threads": 4}  (optional: dask config while the case runs)
    x = da.ones((10, 10), chunks=5)   (setup: Python, any number of lines)
    in: (x + 1)[:3]                   (the plan in: a Python expression)
    out:                              (the plan out: hlq.testing.plan_text form)
    add(1)  shape=(3, 10) ...
    ones  shape=(3, 10) ...

Names available to the setup: ``np``, ``pd``, ``da`` (hlq.array), ``dd``
(hlq.dataframe), ``os``, ``tmp`` (an empty temporary directory) and the node
modules ``an`` (hlq.array.nodes) and ``fn`` (hlq.dataframe.nodes).  Running
with ``HLQ_RECORD_FIXTURES=1`` rewrites every ``out:`` block with the plan the
rules produce now (review the diff before committing it).

``test_every_builtin_rule_has_a_fixture`` fails for a built-in rule that no
fixture case runs.
"""

from __future__ import annotations

import json
import os
import pathlib
import re

import dask
import numpy as np
import pandas as pd
import pytest

import hlq.array as da
import hlq.array.nodes as an
import hlq.dataframe as dd
import hlq.dataframe.nodes as fn
from hlq.rules import all_rules
from hlq.testing import assert_rewrites, plan_text

FIXTURES = pathlib.Path(__file__).resolve().parent / "rule_fixtures"
RECORD = os.environ.get("HLQ_RECORD_FIXTURES") == "1"


def parse(path: pathlib.Path) -> list[dict]:
    """The cases of one fixture file (see the module docstring)."""
    cases, cur, section = [], None, None
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if line.startswith("== "):
            cur = {"rules": [r.strip() for r in line[3:].split(",") if r.strip()], "setup": [], "in": None,
                   "out": [], "line": i, "config": {}}
            cases.append(cur)
            section = "setup"
        elif cur is None:
            continue  # the file's header
        elif section == "setup" and line.startswith("config:"):
            cur["config"] = json.loads(line[len("config:"):])
        elif section == "setup" and line.startswith("in:"):
            cur["in"] = line[3:].strip()
        elif section == "setup" and line.strip() == "out:":
            section = "out"
        elif section == "out":
            cur["out"].append(line)
        else:
            cur["setup"].append(line)
    for k, c in enumerate(cases):
        c["index"] = k
        c["out"] = "\n".join(c["out"]).strip("\n")
        if c["in"] is None:
            raise ValueError(f"{path.name}:{c['line']}: case {c['rules']} has no 'in:' line")
    return cases


CASES = [(p, c) for p in sorted(FIXTURES.glob("*.txt")) for c in parse(p)]


def build(case, tmp_path):
    ns = {"np": np, "pd": pd, "da": da, "dd": dd, "os": os, "tmp": str(tmp_path), "an": an, "fn": fn}
    exec(compile("\n".join(case["setup"]), f"fixture line {case['line']}", "exec"), ns)
    return eval(case["in"], ns)


@pytest.mark.parametrize("path,case", CASES, ids=[f"{p.stem}:{'+'.join(c['rules'])}@{c['line']}" for p, c in CASES])
def test_rule_fixture(path, case, tmp_path):
    with dask.config.set(case["config"]):
        before = build(case, tmp_path)
        if RECORD:
            _record(path, case, before)
            return
        assert case["out"], f"{path.name}:{case['line']}: empty 'out:' block (HLQ_RECORD_FIXTURES=1 fills it in)"
        assert_rewrites(before, case["out"], rules=case["rules"], fired=True)


def _record(path, case, before):
    from hlq.rules import optimize_plan
    from hlq.testing import _rule

    got = optimize_plan(before.node if hasattr(before, "node") else before, rules=[_rule(r) for r in case["rules"]])
    text = path.read_text().splitlines()
    headers = [i for i, line in enumerate(text) if line.startswith("== ")]
    j = headers[case["index"]] + 1  # the file changes as cases are recorded: find the case by its position
    while j < len(text) and text[j].strip() != "out:":
        j += 1
    k = j + 1
    while k < len(text) and not text[k].startswith("== "):
        k += 1
    new = text[: j + 1] + plan_text(got).splitlines() + [""] + text[k:]
    path.write_text("\n".join(new).rstrip("\n") + "\n")


def _fixture_file(rule) -> str:
    mod = getattr(rule.fn, "__module__", "")
    m = re.match(r"hlq\.(\w+)\.rules\.(\w+)$", mod)
    return f"tests/rule_fixtures/{m.group(1)}_{m.group(2)}.txt" if m else f"a fixture file for {mod}"


def test_every_builtin_rule_has_a_fixture():
    named = {r for _, c in CASES for r in c["rules"]}
    builtin = [r for r in all_rules() if getattr(r.fn, "__module__", "").startswith("hlq.")]
    missing = [r for r in builtin if r.name not in named]
    assert not missing, "built-in rules that no fixture case runs:\n" + "\n".join(
        f"  {r.name} ({r.fn.__module__}): add a case '== {r.name}' to {_fixture_file(r)} "
        "(format in tests/test_rules_fixtures.py; HLQ_RECORD_FIXTURES=1 fills in its 'out:' block)"
        for r in missing
    )
    assert len(builtin) >= 71


def test_fixture_files_match_rule_modules():
    # one fixture file per rule module: a case's rules come from the module the file is named after
    for path, case in CASES:
        for name in case["rules"]:
            from hlq.rules import get_rule

            r = get_rule(name)
            assert _fixture_file(r).endswith(path.name), (
                f"{path.name}:{case['line']}: rule {name} belongs in {_fixture_file(r)}")


def test_builtin_rules_are_the_published_lists():
    # the engine's order of every phase is the published lists (array, then dataframe), and they are disjoint
    import hlq.array.rules as ar
    import hlq.dataframe.rules as dr
    from hlq.rules import phases, rules_in_phase

    for p in phases():
        builtin = [r for r in rules_in_phase(p.name) if r.fn.__module__.startswith("hlq.")]
        a, d = list(ar.RULES.get(p.name, ())), list(dr.RULES.get(p.name, ()))
        assert sorted(builtin, key=id) == sorted(a + d, key=id), (
            f"phase {p.name}: built-in rules registered outside hlq.array.rules.RULES / hlq.dataframe.rules.RULES "
            "(define built-in rules with register=False and list them in RULES): "
            f"{sorted({r.name for r in builtin} - {r.name for r in a + d})}")
        assert [r for r in builtin if r in a] == a and [r for r in builtin if r in d] == d
        for x in a:
            for y in d:
                assert not any(issubclass(s, t) or issubclass(t, s) for s in x.node_types for t in y.node_types), (
                    f"array rule {x.name} and dataframe rule {y.name} can match the same node type")


def test_docs_list_the_builtin_rules_in_order():
    import subprocess
    import sys

    doc = (FIXTURES.parent.parent / "docs" / "rules.md").read_text()
    table = doc.split("<!-- rules:begin -->\n")[1].split("<!-- rules:end -->")[0]
    out = subprocess.run([sys.executable, "-m", "hlq", "rules", "--builtin", "--markdown"], capture_output=True,
                         text=True, check=True).stdout
    assert table.strip() == out.strip(), (
        "docs/rules.md's rule table is out of date: replace the lines between <!-- rules:begin --> and "
        "<!-- rules:end --> with the output of `python -m hlq rules --builtin --markdown`")
