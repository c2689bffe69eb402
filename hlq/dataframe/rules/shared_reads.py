"""Shared parquet reads: results computed together read each file once.

``dask.compute(df.a.sum(), df.b.mean())`` optimizes each result on its own:
projection pushdown gives one read of column ``a`` and one of column ``b``,
so every file would be opened and decoded twice.  Reads of one dataset that
differ only in their columns become one read of the union of the columns,
and each consumer projects its own columns from it (a free pandas
selection).  Reads that differ in their filter, index or files are left
alone: merging them would read rows or files a consumer does not need.

>>> import os, tempfile
>>> import pandas as pd
>>> import hlq
>>> import hlq.dataframe as dd
>>> d = tempfile.mkdtemp()
>>> pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0], "c": [5.0, 6.0]}).to_parquet(os.path.join(d, "0.parquet"))
>>> df = dd.read_parquet(d)
>>> s, m = hlq.optimize(df.a.sum(), df.b.mean())
>>> sorted({n.label() for n in s.node.walk() if n.op_name == "read-parquet"})
['read-parquet(columns 2/3, files 1)']
>>> reads = lambda c: {n for n in c.node.walk() if n.op_name == "read-parquet"}
>>> reads(s) == reads(m)   # both results use the very same read node
True

See :mod:`hlq.rules.shared_reads` for the pass itself.
"""

from __future__ import annotations

from hlq.dataframe.nodes.ops import Project
from hlq.dataframe.nodes.sources import ReadParquet
from hlq.rules.shared_reads import register_read_merger

_COLUMNS_FIELD = "columns_"


def _key(node: ReadParquet):
    # everything but the columns must agree
    return tuple(v for f, v in zip(node._fields, node.field_values) if f != _COLUMNS_FIELD)


def _merge(nodes: list) -> dict:
    first = nodes[0]
    if any(n.field_values[n._fields.index(_COLUMNS_FIELD)] is None for n in nodes):
        wanted = None
    else:
        need = set()
        for n in nodes:
            need.update(n.columns)
        wanted = tuple(c for c in first.info.columns if c in need)
    wide = first.replace(**{_COLUMNS_FIELD: wanted})
    out = {}
    for n in nodes:
        if n is wide:
            continue
        out[n] = wide if n.columns == wide.columns else Project(wide, n.columns)
    return out


register_read_merger(ReadParquet, key=_key, merge=_merge)
