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
