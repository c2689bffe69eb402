"""Configuration read once per optimizer run.

The cost-model rules ask for their settings (``hlq.cost.*``, ``hlq.batch.*``,
the available threads) every time they look at a node; each read is a few
``dask.config.get`` calls and a thread count.  Inside :func:`settings_scope`
(which :func:`hlq.lower.collection.optimize_node` opens around one optimizer
run) the first read of a settings class is kept and handed to the later ones,
so a run reads the configuration once.  Outside a scope every read is fresh,
so a rule called directly still sees ``dask.config.set`` changes at once.

>>> from hlq.lower.settings import memoized, settings_scope
>>> calls = []
>>> def read():
...     calls.append(1)
...     return len(calls)
>>> with settings_scope():
...     memoized("k", read), memoized("k", read)
(1, 1)
>>> memoized("k", read)
2
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any, Callable, Hashable

__all__ = ["settings_scope", "memoized"]

_MEMO: contextvars.ContextVar[dict | None] = contextvars.ContextVar("hlq_settings_memo", default=None)


@contextlib.contextmanager
def settings_scope():
    """Keep each settings value read inside the block for the rest of the block.

    Nested scopes share the outermost one's values (one optimizer run reads the
    configuration once, however it recurses).
    """
    if _MEMO.get() is not None:
        yield
        return
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def memoized(key: Hashable, read: Callable[[], Any]) -> Any:
    """``read()``, or inside :func:`settings_scope` the value the scope's first call returned."""
    memo = _MEMO.get()
    if memo is None:
        return read()
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = read()
        return value
