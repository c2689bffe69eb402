"""Shared fixtures: rules and phases are global, so tests register them through these."""

import itertools

import pytest

from hlq.rules import Phase, add_phase, register, unregister

_uid = itertools.count()


def unique_name(prefix: str) -> str:
    """A name unique in this process (phases and rules are global)."""
    return f"test-{prefix}-{next(_uid)}"


@pytest.fixture
def reg():
    """Register rules for one test; all of them are unregistered afterwards."""
    names = []

    def add(*rules):
        for r in rules:
            register(r)
            names.append(r.name)
        return rules[0] if len(rules) == 1 else rules

    yield add
    for n in names:
        try:
            unregister(n)
        except KeyError:
            pass


@pytest.fixture
def phase():
    """A fresh, uniquely named phase (empty phases are skipped by the engine)."""

    def make(mode="fixpoint", max_passes=100, **where):
        p = Phase(unique_name("phase"), mode=mode, max_passes=max_passes)
        add_phase(p, **where)
        return p.name

    return make


def pytest_addoption(parser):
    parser.addoption("--fuzz-long", action="store_true", default=False,
                     help="run the differential fuzzers with the long budget (20,000 array and 5,000 dataframe "
                          "expressions; HLQ_FUZZ_EXAMPLES=N sets any budget) and report every mismatch found")


def pytest_configure(config):
    import os

    # the fuzzers read their budget at import time (hypothesis settings)
    if config.getoption("--fuzz-long", default=False):
        os.environ.setdefault("HLQ_FUZZ_LONG", "1")
