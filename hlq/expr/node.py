"""Immutable, interned expression nodes.

Every operation in an hlq plan is a :class:`Node`.  Nodes are

* **immutable** - fields are fixed at construction;
* **interned** (hash-consed) - building the same node twice returns the same
  object, so equality is identity and common subexpressions are shared;
* **self-describing** - derived properties (shape, dtype, chunks, columns ...)
  are computed once, at construction, from the children's already computed
  properties (see :meth:`Node._derive`), so nothing is ever computed by
  walking the tree recursively.

The dask key name of a node is derived from a token computed with
:func:`dask.base.tokenize` over the node type, the children's tokens and the
normalized parameters.  It is computed lazily, once, and iteratively (never
by recursion), so optimizing a plan does not pay for tokenizing the nodes
that are rewritten away.

Examples
--------
>>> class Leaf(Node):
...     _fields = ("value",)
>>> class Neg(Node):
...     _fields = ("child",)
>>> Neg(Leaf(1)) is Neg(Leaf(1))
True
>>> Neg(Leaf(1)) is Neg(Leaf(1.0))   # 1 and 1.0 are different parameters
False
"""

from __future__ import annotations

import hashlib
import math
import sys
import threading
import weakref
from typing import Any, ClassVar, Iterator

from dask.base import tokenize

__all__ = ["Node", "NodeError"]


class NodeError(TypeError):
    """Raised when a node is constructed with arguments of the wrong form."""


_INTERN: "weakref.WeakValueDictionary[tuple, Node]" = weakref.WeakValueDictionary()
_INTERN_LOCK = threading.RLock()


def _intern_key(value: Any) -> Any:
    """A hashable stand-in for ``value`` used to intern nodes.

    Scalars are paired with their type so that ``1``, ``1.0`` and ``True``
    (which compare and hash equal in Python) give different nodes.  Values
    that cannot be hashed are represented by their identity; the node keeps
    a reference to them, so the identity cannot be reused while it lives.
    """
    if isinstance(value, Node):
        return value
    if isinstance(value, tuple):
        return (tuple, tuple(_intern_key(v) for v in value))
    if isinstance(value, list):
        return (list, tuple(_intern_key(v) for v in value))
    if isinstance(value, dict):
        return (dict, tuple((_intern_key(k), _intern_key(v)) for k, v in value.items()))
    if isinstance(value, slice):
        return (slice, _intern_key(value.start), _intern_key(value.stop), _intern_key(value.step))
    try:
        hash(value)
    except TypeError:
        return ("id", type(value), id(value))
    if isinstance(value, float):  # also numpy float64
        if value != value:  # NaN: never equal to itself, key it by type only
            return ("nan", type(value))
        if value == 0.0:  # keep the sign of zero: 1 / -0.0 differs from 1 / 0.0
            return (type(value), value, math.copysign(1.0, value))
        return (type(value), value)
    if value != value:
        return ("nan", type(value))
    return (type(value), value)


def _find_children(args: tuple) -> tuple:
    """Children are the Node values of fields, or Nodes inside tuple fields."""
    out = []
    for a in args:
        if isinstance(a, Node):
            out.append(a)
        elif isinstance(a, tuple):
            out.extend(x for x in a if isinstance(x, Node))
    return tuple(out)


class Node:
    """Base class of all expression nodes.

    Subclasses declare their parameters in ``_fields``; positional and keyword
    arguments are matched against it.  A field may hold a child node, a tuple
    of values some of which are nodes (variadic children), or any parameter.

    Subclasses compute their derived properties in :meth:`_derive`, which
    returns a mapping of attribute names to values and may raise to reject
    invalid input at build time.

    Attributes
    ----------
    children : tuple of Node
        The child nodes, in field order.
    """

    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}
    #: short operation name used in dask key names and displays
    op_name: ClassVar[str] = ""

    __slots__ = ("__dict__", "__weakref__")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("op_name"):
            cls.op_name = cls.__name__.lower()

    def __new__(cls, *args, **kwargs):
        fields = cls._fields
        if len(args) > len(fields):
            raise NodeError(
                f"{cls.__name__} takes {len(fields)} fields {fields}, got {len(args)} positional arguments"
            )
        if kwargs or len(args) < len(fields):
            values = list(args)
            for f in fields[len(args):]:
                if f in kwargs:
                    values.append(kwargs.pop(f))
                elif f in cls._defaults:
                    values.append(cls._defaults[f])
                else:
                    raise NodeError(f"{cls.__name__} is missing field {f!r}")
            if kwargs:
                raise NodeError(f"{cls.__name__} got unknown fields {sorted(kwargs)}")
            args = tuple(values)
        key = (cls, tuple(_intern_key(a) for a in args))
        node = _INTERN.get(key)
        if node is not None:
            return node
        with _INTERN_LOCK:
            node = _INTERN.get(key)
            if node is not None:
                return node
            node = object.__new__(cls)
            d = node.__dict__
            d["_args"] = args
            d["children"] = _find_children(args)
            d["_token"] = None
            for f, a in zip(fields, args):
                d[f] = a
            derived = node._derive()
            if derived:
                d.update(derived)
            _INTERN[key] = node
            return node

    # ------------------------------------------------------------------ hooks
    def _derive(self) -> dict | None:
        """Compute derived properties from the fields and the children.

        Returns a dict of attribute values, or None.  Raise a (numpy/dask
        compatible) exception to reject invalid input.
        """
        return None

    # ------------------------------------------------------------- immutable
    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} nodes are immutable")

    def __delattr__(self, name):
        raise AttributeError(f"{type(self).__name__} nodes are immutable")

    # identity semantics: interning makes equal nodes identical
    __hash__ = object.__hash__

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    # ----------------------------------------------------------------- fields
    @property
    def field_values(self) -> tuple:
        """The field values, in ``_fields`` order."""
        return self._args

    def replace(self, **changes) -> "Node":
        """A node of the same type with some fields changed."""
        vals = dict(zip(self._fields, self._args))
        unknown = set(changes) - set(vals)
        if unknown:
            raise NodeError(f"{type(self).__name__} has no fields {sorted(unknown)}")
        vals.update(changes)
        return type(self)(*(vals[f] for f in self._fields))

    def with_children(self, new_children) -> "Node":
        """The same node with its children replaced, in ``children`` order."""
        new_children = tuple(new_children)
        if len(new_children) != len(self.children):
            raise NodeError("wrong number of children")
        if all(a is b for a, b in zip(new_children, self.children)):
            return self
        it = iter(new_children)
        new_args = []
        for a in self._args:
            if isinstance(a, Node):
                new_args.append(next(it))
            elif isinstance(a, tuple) and any(isinstance(x, Node) for x in a):
                new_args.append(tuple(next(it) if isinstance(x, Node) else x for x in a))
            else:
                new_args.append(a)
        return type(self)(*new_args)

    # ------------------------------------------------------------------ token
    @property
    def token(self) -> str:
        """Deterministic token: type, children's tokens, parameters.

        Computed once per node, iteratively over any children that have no
        token yet, with :func:`dask.base.tokenize`.
        """
        tok = self._token
        if tok is not None:
            return tok
        # iterative post-order over nodes lacking a token
        stack = [(self, False)]
        while stack:
            node, ready = stack.pop()
            if node._token is not None:
                continue
            if ready:
                node.__dict__["_token"] = _node_token(node)
                continue
            stack.append((node, True))
            for c in node.children:
                if c._token is None:
                    stack.append((c, False))
        return self._token

    @property
    def name(self) -> str:
        """The dask key name of this node: ``"<op_name>-<token>"``."""
        n = self.__dict__.get("_name")
        if n is None:
            n = f"{self.op_name}-{self.token}"
            self.__dict__["_name"] = n
        return n

    def __dask_tokenize__(self):
        return self.token

    # ---------------------------------------------------------------- display
    def label(self) -> str:
        """One-line description used by :func:`hlq.expr.display.pprint`."""
        params = [
            f"{f}={_short(a)}"
            for f, a in zip(self._fields, self._args)
            if not isinstance(a, Node) and not (isinstance(a, tuple) and any(isinstance(x, Node) for x in a))
        ]
        return self.op_name + (("(" + ", ".join(params) + ")") if params else "")

    #: fields holding user code or user data: shipped to the scheduler as
    #: opaque payloads that only workers deserialize (see hlq.lower.ship)
    _opaque_fields: ClassVar[tuple[str, ...]] = ()

    def __repr__(self):
        return f"<{type(self).__name__} {self.label()}>"

    # ---------------------------------------------------------------- pickle
    def __reduce__(self):
        # Flatten the DAG so that pickling a 10,000-deep plan does not recurse.
        return _rebuild_plan, (flatten_plan(self),)

    def walk(self) -> Iterator["Node"]:
        """Iterate over this node and all its descendants, each once."""
        from hlq.expr.traverse import walk  # import cycle

        return walk(self)


class _Ref:
    __slots__ = ("i",)

    def __init__(self, i):
        self.i = i

    def __reduce__(self):
        return (_Ref, (self.i,))


def flatten_plan(root: Node, encode_param=None) -> tuple:
    """The plan as a flat, topologically ordered tuple of ``(type, args, token)``.

    Children are replaced by indices into the tuple, so pickling it never
    recurses; computed tokens travel along so key names stay identical in
    other processes.  ``encode_param`` may replace parameter values (not
    nodes), e.g. to ship user functions as opaque payloads.
    """
    from hlq.expr.traverse import toposort  # import cycle

    order = toposort([root])
    index = {n: i for i, n in enumerate(order)}
    flat = []
    for n in order:
        cls = type(n)
        if encode_param is None:
            args = tuple(_encode_arg(a, index) for a in n._args)
        else:
            args = tuple(
                _encode_mixed(a, index, cls, f, encode_param) if isinstance(a, (Node, tuple)) and _has_node(a)
                else encode_param(cls, f, a)
                for f, a in zip(cls._fields, n._args)
            )
        flat.append((cls, args, n.token))
    return tuple(flat)


def _has_node(a) -> bool:
    return isinstance(a, Node) or (isinstance(a, tuple) and any(isinstance(x, Node) for x in a))


def _encode_mixed(a, index, cls, field, encode_param):
    """A field holding nodes (and maybe parameters): nodes by index, parameters encoded."""
    if isinstance(a, Node):
        return _Ref(index[a])
    return tuple(_Ref(index[x]) if isinstance(x, Node) else encode_param(cls, field, x) for x in a)


def _encode_arg(a, index):
    if isinstance(a, Node):
        return _Ref(index[a])
    if isinstance(a, tuple) and any(isinstance(x, Node) for x in a):
        return tuple(_Ref(index[x]) if isinstance(x, Node) else x for x in a)
    return a


def _decode_arg(a, built):
    if isinstance(a, _Ref):
        return built[a.i]
    if isinstance(a, tuple) and any(isinstance(x, _Ref) for x in a):
        return tuple(built[x.i] if isinstance(x, _Ref) else x for x in a)
    return a


def rebuild_plan(flat: tuple) -> Node:
    """Inverse of :func:`flatten_plan`."""
    return _rebuild_plan(flat)


def _rebuild_plan(flat):
    built = []
    for cls, args, token in flat:
        node = cls(*(_decode_arg(a, built) for a in args))
        if token is not None and node._token is None:
            node.__dict__["_token"] = token
        built.append(node)
    return built[-1]


class _TokenCache:
    """A cache of parameter tokens bounded by entries and by (estimated) bytes of its keys.

    Keys hold only plain values (numbers, strings, dtypes, tokens of
    callables), never user objects, so the cache keeps nothing alive; when a
    bound is exceeded the oldest half is dropped.
    """

    def __init__(self, max_entries: int, max_bytes: int):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.data: dict = {}
        self.nbytes = 0
        self.lock = threading.Lock()

    def get(self, key):
        return self.data.get(key)

    def put(self, key, value, nbytes: int) -> None:
        with self.lock:
            if key in self.data:
                return
            self.data[key] = (value, nbytes)
            self.nbytes += nbytes
            if len(self.data) > self.max_entries or self.nbytes > self.max_bytes:
                for k in list(self.data)[: len(self.data) // 2 + 1]:
                    self.nbytes -= self.data.pop(k)[1]

    def __len__(self):
        return len(self.data)

    def clear(self) -> None:
        with self.lock:
            self.data.clear()
            self.nbytes = 0


class _CallableTokens:
    """Tokens of callables by identity, held through weak references.

    An entry disappears when its callable is garbage collected (a closure's
    captured data is then freed too).  Callables that cannot be weakly
    referenced are cached only when they are module-level builtins or numpy
    ufuncs (they live as long as their module); others are tokenized on each
    use.
    """

    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self.data: dict = {}  # id -> (weakref or the builtin itself, token)
        self.lock = threading.Lock()

    def _drop(self, key, ref):
        with self.lock:
            hit = self.data.get(key)
            if hit is not None and hit[0] is ref:
                del self.data[key]

    def get(self, fn):
        hit = self.data.get(id(fn))
        if hit is None:
            return None
        held = hit[0]
        obj = held() if isinstance(held, weakref.ref) else held
        return hit[1] if obj is fn else None

    def put(self, fn, token) -> None:
        key = id(fn)
        try:
            held = weakref.ref(fn, lambda r, key=key: self._drop(key, r))
        except TypeError:
            import types

            import numpy as np

            if not isinstance(fn, (types.BuiltinFunctionType, np.ufunc)):
                return
            held = fn
        with self.lock:
            if len(self.data) >= self.max_entries:
                for k in list(self.data)[: len(self.data) // 2 + 1]:
                    del self.data[k]
            self.data[key] = (held, token)

    def __len__(self):
        return len(self.data)

    def clear(self) -> None:
        with self.lock:
            self.data.clear()


_CALLABLE_TOKENS = _CallableTokens(max_entries=4096)
_PARAM_TOKENS = _TokenCache(max_entries=65536, max_bytes=32 << 20)
_CHILD = "<child>"
_PLAIN = (type(None), bool, int, float, complex, str, bytes)


def _param_cache_key(value):
    """(key, estimated bytes) for the parameter token cache, or None when ``value`` holds
    something that is not a plain value (an array, persisted blocks, a user object): those
    are tokenized on each use rather than kept alive by the cache.  Callables are keyed by
    their token (weakly cached by identity)."""
    import numpy as np

    nbytes = 0
    order = []
    stack = [value]
    while stack:
        v = stack.pop()
        order.append(v)
        if type(v) in (tuple, list):
            stack.extend(v)
        elif type(v) is slice:
            stack.extend((v.start, v.stop, v.step))
    keys: dict = {}
    for v in reversed(order):
        t = type(v)
        if t in (tuple, list):
            k = (t.__name__, tuple(keys[id(x)] for x in v))
            nbytes += 8 * len(v) + 40
        elif t is slice:
            k = ("slice", keys[id(v.start)], keys[id(v.stop)], keys[id(v.step)])
            nbytes += 64
        elif t in _PLAIN or isinstance(v, (np.generic, np.dtype)) or _is_pandas_value(v):
            if t is float or isinstance(v, np.floating):
                if v != v:
                    k = ("nan", t)
                elif v == 0.0:
                    k = (t, float(v), math.copysign(1.0, v))
                else:
                    k = (t, v)
            else:
                k = (t, v)
            nbytes += 32 + (len(v) if t in (str, bytes) else 0)
        elif v is _CHILD:
            k = _CHILD
        elif getattr(t, "__hlq_value__", False):
            k = (t, v)  # an immutable value object (chunk layouts, column expressions)
            nbytes += getattr(v, "__hlq_nbytes__", 256)
        elif isinstance(v, type):
            k = ("type", v.__module__, v.__qualname__, id(v))
            nbytes += 64
        elif callable(v):
            k = ("callable", _callable_token(v))
            nbytes += 80
        else:
            return None
        keys[id(v)] = k
    return keys[id(value)], nbytes


def _is_pandas_value(v) -> bool:
    """pandas dtypes and scalars (immutable values); pandas is not imported here."""
    pd = sys.modules.get("pandas")
    if pd is None:
        return False
    return isinstance(v, (pd.api.extensions.ExtensionDtype, pd.Timestamp, pd.Timedelta, pd.Period))


def _callable_token(fn):
    tok = _CALLABLE_TOKENS.get(fn)
    if tok is None:
        tok = tokenize(fn)
        _CALLABLE_TOKENS.put(fn, tok)
    return tok


def _node_token(node) -> str:
    """Token of one node whose children already have tokens.

    The parameters (children replaced by a placeholder) are tokenized with
    dask's ``tokenize``, cached by a key of their plain values - a deep chain
    of the same operation tokenizes its parameters once, and the cache keeps
    no user object alive; the result is combined with the type and the
    children's tokens by a cryptographic hash.
    """
    params = tuple(_strip_children(a) for a in node._args)
    cls = type(node)
    ck = _param_cache_key(params)
    pkey = (cls.__module__, cls.__qualname__, ck[0]) if ck is not None else None
    hit = _PARAM_TOKENS.get(pkey) if pkey is not None else None
    if hit is not None:
        ptok = hit[0]
    else:
        ptok = tokenize(cls.__module__, cls.__qualname__, *(_token_param(a) for a in params))
        if pkey is not None:
            _PARAM_TOKENS.put(pkey, ptok, ck[1])
    h = hashlib.md5(ptok.encode(), usedforsecurity=False)
    for c in node.children:
        h.update(b"|")
        h.update(c._token.encode())
    return h.hexdigest()


def _strip_children(a):
    if isinstance(a, Node):
        return _CHILD
    if isinstance(a, tuple) and any(isinstance(x, Node) for x in a):
        return tuple(_CHILD if isinstance(x, Node) else x for x in a)
    return a


def _token_param(a):
    if isinstance(a, Node):
        return ("node", a._token)
    if callable(a) and not isinstance(a, type):
        # tokenizing a function pickles it: do it once per function object
        return ("callable", _callable_token(a))
    if isinstance(a, tuple) and any(isinstance(x, Node) for x in a):
        return tuple(_token_param(x) for x in a)
    return a


def _short(a, limit=40) -> str:
    r = getattr(a, "__name__", None) if callable(a) and not isinstance(a, type) else None
    if r is None:
        if hasattr(a, "shape") and hasattr(a, "dtype") and not isinstance(a, Node):
            r = f"{type(a).__name__}<{getattr(a, 'shape', '')}, {getattr(a, 'dtype', '')}>"
        else:
            r = repr(a)
    return r if len(r) <= limit else r[: limit - 3] + "..."
