"""Runtime checks of partitions: ``enforce_runtime_divisions``.

>>> import pandas as pd
>>> import hlq.dataframe as dd
>>> df = dd.from_pandas(pd.DataFrame({"a": range(6)}), npartitions=2)
>>> df.enforce_runtime_divisions().compute().a.tolist()
[0, 1, 2, 3, 4, 5]
"""

from __future__ import annotations

import pandas as pd

from hlq.dataframe.nodes.base import FrameNode

__all__ = ["EnforceDivisions"]


class EnforceDivisions(FrameNode):
    """The child's partitions, each checked (when computed) to hold only index values within its
    division: ``divisions[i] <= index < divisions[i + 1]`` (``<=`` for the last partition);
    a violation raises ``RuntimeError`` naming the partition."""

    _fields = ("child",)
    op_name = "enforce-divisions"
    is_blockwise = True
    bw_has_arg = True

    def _props(self):
        c = self.child
        return {"kind": c.kind, "columns": c.columns, "dtypes": c.dtypes, "divisions": c.divisions,
                "lengths": c.lengths}

    def _extra_props(self):
        return {"bw_inputs": ((self.child, (0,)),), "bw_func": _check_divisions}

    def bw_block_arg(self, idx):
        i = idx[0]
        d = self.divisions
        return (i, d[i], d[i + 1], i == len(d) - 2) if self.known_divisions else (i, None, None, False)

    def label(self):
        return "enforce-divisions"


def _missing(v):
    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _check_divisions(part, arg):
    i, lo, hi, last = arg
    if (lo is None and hi is None) or not len(part):
        return part
    idx = part.index
    if isinstance(idx, pd.MultiIndex):
        idx = idx.get_level_values(0)
    # a None or NaN bound (a partly known division, e.g. of ``head(compute=False)``, or the missing
    # values that sort last) is not checked, and missing index values are not compared (as dask)
    lo_ok = _missing(lo) or bool((idx[idx.notna()] >= lo).all())
    keep = idx[idx.notna()]
    hi_ok = _missing(hi) or (bool((keep <= hi).all()) if last else bool((keep < hi).all()))
    if not (lo_ok and hi_ok):
        raise RuntimeError(
            f"partition {i} holds index values from {idx.min()!r} to {idx.max()!r}, outside its division "
            f"[{lo!r}, {hi!r}{']' if last else ')'}: the divisions are wrong"
        )
    return part
