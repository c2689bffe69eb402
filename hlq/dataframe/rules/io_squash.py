"""IO squashing: when a computation reads few columns, one task reads several parquet files.

A task per file is right when a file's columns are all read; reading 2 of
200 columns makes every task tiny, and the scheduler's per-task cost then
dominates.  Just before lowering, a reader whose partitions are only
concatenated or reduced (``compute()``, reductions, groupby aggregations -
consumers that do not care how rows are split into partitions) groups
consecutive files so that each task reads at most ``blocksize`` estimated
bytes (128 MiB by default; uncompressed sizes of the columns read or filtered
on, from the footers) and never more than the largest file holds in all its columns,
in at least as many groups as there are threads to run them (or files) when
they hold :data:`PARALLEL_BYTES` or more.
Partitions of files that a filter on hive keys excludes are dropped there
too.  Elsewhere (plans aligned partition-wise with another plan, persisted,
converted to arrays) a reader keeps one partition per file - an excluded
file gives an empty partition without being opened - so the partition
count never changes under optimization.

>>> import numpy as np, pandas as pd, tempfile, os
>>> import hlq.dataframe as dd
>>> from hlq.rules import optimize_plan
>>> d = tempfile.mkdtemp()
>>> for i in range(8):
...     pd.DataFrame({f"c{j}": np.arange(100.0) for j in range(8)}).to_parquet(os.path.join(d, f"{i}.parquet"))
>>> q = dd.read_parquet(d).c0.sum()
>>> optimize_plan(q.node).child.child.child.label()
'read-parquet(columns 1/8, files 8 in 1 partitions)'
>>> float(q.compute())
39600.0
"""

from __future__ import annotations

from hlq.dataframe.nodes.base import Concat
from hlq.dataframe.nodes.ops import Assign, Filter, Project, Rename, SeriesExpr
from hlq.dataframe.nodes.reduction import GroupbyAgg, Reduce
from hlq.dataframe.nodes.sources import ReadParquet
from hlq.lower.cost import available_threads
from hlq.rules import Is, rule

_PASS_THROUGH = (Project, SeriesExpr, Filter, Assign, Rename)


#: estimated bytes read from which the files are grouped into at least one group per thread
PARALLEL_BYTES = 16 * 2**20


def squash_groups(read: ReadParquet):
    """Consecutive groups of the files ``read`` reads (None when every group would hold one file)."""
    if read.groups is not None or not read.kept_files or read.file_ranges is not None:
        return None  # (a read with known divisions keeps one partition per file)
    info = read.info
    kept = read.kept_files
    if read.blocksize is None:  # no squashing; still drop partitions of pruned files
        return tuple((i,) for i in kept) if len(kept) < read.npartitions else None
    target = min(int(read.blocksize), max(info.file_bytes[i] for i in kept))
    cols = read.decoded_columns
    groups, cur, acc = [], [], 0
    for i in kept:
        b = info.estimated_bytes(i, cols)
        if cur and acc + b > target:
            groups.append(tuple(cur))
            cur, acc = [], 0
        cur.append(i)
        acc += b
    groups.append(tuple(cur))
    total = sum(info.estimated_bytes(i, cols) for i in kept)
    want = min(len(kept), available_threads()) if total >= PARALLEL_BYTES else 1
    if len(groups) < want:  # enough work to keep every thread busy: at least one group per thread
        bounds = [(len(kept) * k) // want for k in range(want + 1)]
        groups = [tuple(kept[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    return tuple(groups) if len(groups) < read.npartitions else None


def _squash_below(node):
    """``node`` with the reader at the end of its single-input chain squashed (iterative)."""
    chain = []
    cur = node.child
    while isinstance(cur, _PASS_THROUGH):
        chain.append(cur)
        cur = cur.child
    if not isinstance(cur, ReadParquet):
        return None
    groups = squash_groups(cur)
    if groups is None:
        return None
    new = cur.replace(groups=groups)
    for n in reversed(chain):
        new = n.replace(child=new)
    return node.replace(child=new)


@rule(Is(Concat), phase="physical", register=False, tags=("io-squash",))
def squash_reads_under_concat(node):
    """concat(f(read(files 1..40))) -> concat(f(read(files 1..40 in 4 tasks))) when few columns are read"""
    return _squash_below(node)


@rule(Is(Reduce), phase="physical", register=False, tags=("io-squash",))
def squash_reads_under_reduction(node):
    """sum(f(read(files 1..40))) -> sum(f(read(files 1..40 in 4 tasks))) when few columns are read"""
    return _squash_below(node)


@rule(Is(GroupbyAgg), phase="physical", register=False, tags=("io-squash",))
def squash_reads_under_groupby(node):
    """groupby-agg(f(read(files 1..40))) -> groupby-agg(f(read(files 1..40 in 4 tasks)))"""
    return _squash_below(node)
