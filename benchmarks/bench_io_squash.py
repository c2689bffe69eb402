"""IO squashing: reading 1 of 40 columns from many small parquet files, hlq vs dask.dataframe.

Writes ``--files`` files of ``--rows`` rows and 40 float columns, then times
``read_parquet(path).c0.sum().compute()`` (and the same with squashing
disabled) and counts the tasks of each graph.  One process, medians of
``--repeat`` runs.

    python benchmarks/bench_io_squash.py --files 200 --rows 2000
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import dask
import numpy as np
import pandas as pd


def _write(d, files, rows):
    rng = np.random.default_rng(0)
    for i in range(files):
        pd.DataFrame({f"c{j}": rng.random(rows) for j in range(40)}).to_parquet(
            os.path.join(d, f"part.{i:04d}.parquet"), index=False)


def _time(f, repeat):
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--files", type=int, default=200)
    p.add_argument("--rows", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args(argv)
    import dask.dataframe as ddd

    import hlq.dataframe as hdd

    with tempfile.TemporaryDirectory() as d:
        _write(d, a.files, a.rows)
        rows = []
        h = hdd.read_parquet(d).c0.sum()
        rows.append(("hlq (squashed)", h.task_count(), _time(lambda: h.compute(), a.repeat)))
        with dask.config.set({"hlq.rules.exclude": ["io-squash"]}):
            h2 = hdd.read_parquet(d).c0.sum()
            rows.append(("hlq (io-squash excluded)", h2.task_count(), _time(lambda: h2.compute(), a.repeat)))
        x = ddd.read_parquet(d).c0.sum()
        ntasks = len(x.__dask_graph__())
        rows.append(("dask.dataframe", ntasks, _time(lambda: x.compute(), a.repeat)))
        ref = rows[0][2]
        print(f"{a.files} files x {a.rows} rows x 40 columns; read 1 column and sum")
        print(f"{'what':28s} {'tasks':>7s} {'median s':>9s} {'vs hlq':>7s}")
        for name, n, t in rows:
            print(f"{name:28s} {n:7d} {t:9.3f} {t / ref:7.2f}")
    return rows


if __name__ == "__main__":
    main()
