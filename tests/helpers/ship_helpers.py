"""User code that refuses to be unpickled anywhere but in a worker process.

Used to prove that hlq's scheduler-side expansion never unpickles user code:
workers are started with ``HLQ_TEST_ROLE=worker``; the scheduler is not.
"""

import os

import numpy as np


class SchedulerUnpickleError(RuntimeError):
    pass


def _restore():
    if os.environ.get("HLQ_TEST_ROLE") != "worker":
        raise SchedulerUnpickleError(f"user function unpickled outside a worker (pid {os.getpid()})")
    return double_plus_one


def double_plus_one(block):
    return block * 2 + 1


class GuardedFunction:
    """Calls ``double_plus_one``; unpickling it outside a worker raises."""

    __name__ = "guarded"

    def __call__(self, block):
        return double_plus_one(block)

    def __reduce__(self):
        return (_restore, ())


class BlockHlqImport:
    """A meta-path finder that makes ``import hlq`` fail (an "old" scheduler)."""

    def find_spec(self, name, path=None, target=None):
        if name == "hlq" or name.startswith("hlq."):
            raise ImportError(f"hlq is not installed here (blocked for the test): {name}")
        return None


def _restore_number(value):
    if os.environ.get("HLQ_TEST_ROLE") != "worker":
        raise SchedulerUnpickleError(f"user value unpickled outside a worker (pid {os.getpid()})")
    return GuardedNumber(value)


class GuardedNumber(float):
    """A float of a user-defined type; unpickling it outside a worker raises."""

    def __reduce__(self):
        return (_restore_number, (float(self),))


def _restore_array(values):
    if os.environ.get("HLQ_TEST_ROLE") != "worker":
        raise SchedulerUnpickleError(f"user array unpickled outside a worker (pid {os.getpid()})")
    return values


class GuardedArray(np.ndarray):
    """An ndarray of a user-defined type; unpickling it outside a worker raises."""

    def __reduce__(self):
        return (_restore_array, (np.asarray(self).copy(),))


def add_k(block, k=0.0):
    return block + k
