"""Opaque payloads: user code and user data that only workers deserialize.

When an hlq plan is shipped to the distributed scheduler, user functions
(a ``map_blocks`` function, a lambda) and user data (a numpy array given to
``from_array``) travel as pickled bytes inside these wrappers.  The scheduler
expands the plan into tasks without ever unpickling them; a worker loads the
payload the first time a task calls it.

>>> import pickle
>>> f = OpaqueFunction.wrap(lambda x: x + 1)
>>> g = pickle.loads(pickle.dumps(f))
>>> g._loaded is None, g(1)
(True, 2)
"""

from __future__ import annotations

import hashlib

import cloudpickle
import numpy as np

__all__ = ["OpaqueFunction", "OpaqueData", "load_opaque", "loaded", "stand_in"]


class _Opaque:
    __slots__ = ("payload", "_loaded", "_digest")

    def __init__(self, payload: bytes):
        self.payload = payload
        self._loaded = None
        self._digest = hashlib.sha1(payload).hexdigest()

    def load(self):
        """Deserialize the payload (cached); runs where the value is used."""
        if self._loaded is None:
            self._loaded = (cloudpickle.loads(self.payload),)
        return self._loaded[0]

    def __eq__(self, other):
        return type(other) is type(self) and other._digest == self._digest

    def __hash__(self):
        return hash(self._digest)

    def __dask_tokenize__(self):
        return (type(self).__name__, self._digest)


class OpaqueFunction(_Opaque):
    """A pickled callable; calling it loads it (on a worker) and calls it."""

    __slots__ = ("name",)

    def __init__(self, payload: bytes, name: str = "opaque"):
        super().__init__(payload)
        self.name = name

    @classmethod
    def wrap(cls, func) -> "OpaqueFunction":
        return cls(cloudpickle.dumps(func), getattr(func, "__name__", type(func).__name__))

    @property
    def __name__(self):
        return self.name

    def __call__(self, *args, **kwargs):
        return self.load()(*args, **kwargs)

    def __reduce__(self):
        return (OpaqueFunction, (self.payload, self.name))

    def __repr__(self):
        return f"<opaque function {self.name} ({len(self.payload)} bytes)>"


class OpaqueData(_Opaque):
    """A pickled value with the metadata the plan needs (``shape``, ``dtype``,
    ``in_memory``: whether it is a numpy array, whose reads cost nothing, and
    ``like``: a plain value that types like it, e.g. ``2.0`` for an instance of
    a user subclass of ``float``, or None).

    ``like`` lets the scheduler derive result dtypes (a filter's condition, an
    assigned column) without unpickling the user's value.
    """

    __slots__ = ("shape", "dtype", "in_memory", "like")

    def __init__(self, payload: bytes, shape=None, dtype=None, in_memory=False, like=None):
        super().__init__(payload)
        self.shape = shape
        self.dtype = dtype
        self.in_memory = in_memory
        self.like = like

    @classmethod
    def wrap(cls, value) -> "OpaqueData":
        return cls(cloudpickle.dumps(value), getattr(value, "shape", None), getattr(value, "dtype", None),
                   isinstance(value, np.ndarray))

    def __reduce__(self):
        return (OpaqueData, (self.payload, self.shape, self.dtype, self.in_memory, self.like))

    def __repr__(self):
        return f"<opaque data shape={self.shape} dtype={self.dtype} ({len(self.payload)} bytes)>"


def load_opaque(value):
    """The value behind an opaque payload (task function run by workers)."""
    return value.load()


def loaded(value):
    """``value``, or the value behind it when it is opaque data (where the value is used).

    >>> loaded(OpaqueData.wrap(2.5)), loaded(3)
    (2.5, 3)
    """
    return value.load() if isinstance(value, OpaqueData) else value


def stand_in(value):
    """A value to derive metadata from: opaque data gives its plain look-alike
    (``like``; else an object that types as ``object``), anything else itself.
    Never unpickles."""
    if not isinstance(value, OpaqueData):
        return value
    if value.like is not None:
        return value.like
    return _Unknown()


class _Unknown:
    """Stands in for an opaque value of no plain type when deriving metadata."""

    def __repr__(self):
        return "<opaque value>"
