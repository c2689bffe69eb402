"""``hlq.dataframe.demo``: random example frames, like ``dask.dataframe.demo``.

``make_timeseries`` gives the same data as dask's for the same arguments and
seed: each partition is made by dask's own partition function
(``dask.dataframe.dask_expr.datasets.MakeTimeseriesPart``) with the same
per-partition random state, here as an hlq ``from_map`` source.

>>> import hlq.dataframe as dd
>>> df = dd.demo.make_timeseries("2000-01-01", "2000-01-03", {"value": float, "id": int}, freq="6h",
...                              partition_freq="1D", seed=1)
>>> df.npartitions, list(df.columns), len(df.compute())
(2, ['value', 'id'], 8)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from dask.dataframe.dask_expr.datasets import MakeTimeseriesPart

from hlq.dataframe._io import from_map

__all__ = ["make_timeseries"]


def make_timeseries(start="2000-01-01", end="2000-12-31", dtypes=None, freq="10s", partition_freq="1ME",
                    seed=None, **kwargs):
    """A frame of random values on a datetime index from ``start`` to ``end`` (exclusive) every
    ``freq``, one partition per ``partition_freq`` (dask's ``demo.make_timeseries``).

    Parameters
    ----------
    start, end : datetime-like
        The first index value and the end of the series.
    dtypes : dict, optional
        Column name -> type: ``float``, ``int``, ``str`` or ``"category"`` (default: dask's
        ``name``, ``id``, ``x``, ``y``).
    freq : str
        Spacing of the index values.
    partition_freq : str
        Span of one partition (the divisions are ``pd.date_range(start, end, partition_freq)``).
    seed : int, optional
        Random seed (the same seed gives dask's data).
    **kwargs
        Options of the column makers, prefixed by the column name (``id_lam=100``).

    Returns
    -------
    DataFrame
    """
    if dtypes is None:
        dtypes = {"name": "string", "id": int, "x": float, "y": float}
    if seed is None:
        seed = np.random.randint(2e9)
    divisions = pd.date_range(start=start, end=end, freq=partition_freq)
    n = len(divisions) - 1
    if n < 1:
        raise ValueError(f"make_timeseries needs at least one partition of {partition_freq!r} between "
                         f"{start!r} and {end!r}")
    # one 32-bit state per (partition, column) from the seed, partition i using the first of its block
    per_column = max(len(dtypes), 1)
    states = np.frombuffer(np.random.RandomState(seed).bytes(n * per_column * 4), dtype=np.uint32)
    part = MakeTimeseriesPart(dtypes, list(dtypes), freq, kwargs)
    meta = part("2000", "2000", 0).iloc[:0]
    return from_map(part, list(divisions[:-1]), list(divisions[1:]),
                    [states[i * per_column] for i in range(n)], meta=meta, divisions=tuple(divisions))
