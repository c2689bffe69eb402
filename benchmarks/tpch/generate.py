"""TPC-H data as parquet, for small scale factors, generated offline.

    python benchmarks/tpch/generate.py --sf 1 --out /tmp/hlq-tpch/sf1
    python benchmarks/tpch/generate.py --sf 0.1 --out /tmp/hlq-tpch/sf0.1

The tables come from ``tpchgen-cli`` (PyPI package ``tpchgen-cli``: a TPC-H
``dbgen`` reimplementation shipped as a binary inside the wheel, so it needs no
network).  Each table is written as a directory of parquet files
``<out>/<table>/part.<i>.parquet`` (one directory per table, like the dask
project's own TPC-H benchmark data) with the "relaxed" schema those
benchmarks use: decimals become ``float64``, dates become timestamps
(``timestamp[us]``) and string views plain ``string`` columns.

Files hold about :data:`ROWS_PER_FILE` rows each (lineitem at SF 1: 12 files), so
the number of partitions grows with the scale factor.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile

TABLES = ("lineitem", "orders", "customer", "part", "partsupp", "supplier", "nation", "region")
#: rows of a table at scale factor 1 (nation and region are fixed)
ROWS_SF1 = {"lineitem": 6_001_215, "orders": 1_500_000, "customer": 150_000, "part": 200_000,
            "partsupp": 800_000, "supplier": 10_000, "nation": 25, "region": 5}
ROWS_PER_FILE = 500_000
DONE = "_generated"


def tpchgen_binary() -> str | None:
    """Path of the ``tpchgen-cli`` executable (next to this Python or on PATH), or None."""
    cand = os.path.join(os.path.dirname(sys.executable), "tpchgen-cli")
    if os.path.exists(cand):
        return cand
    return shutil.which("tpchgen-cli")


def files_for(table: str, sf: float, rows_per_file: int = ROWS_PER_FILE) -> int:
    """Number of parquet files ``table`` is split into at scale factor ``sf``."""
    rows = ROWS_SF1[table] * (sf if table not in ("nation", "region") else 1)
    return max(1, math.ceil(rows / rows_per_file))


def _relax(table):
    """decimal -> float64, date -> timestamp[us], string_view -> string; field metadata dropped."""
    import pyarrow as pa

    fields, cols = [], []
    for f, col in zip(table.schema, table.columns):
        t = f.type
        if pa.types.is_decimal(t):
            t = pa.float64()
        elif pa.types.is_date(t):
            t = pa.timestamp("us")
        elif pa.types.is_string_view(t) or pa.types.is_large_string(t):
            t = pa.string()
        fields.append(pa.field(f.name, t))
        cols.append(col.cast(t) if t != f.type else col)
    return pa.Table.from_arrays(cols, schema=pa.schema(fields))


def generate(sf: float, out: str, overwrite: bool = False, tables=TABLES, rows_per_file: int = ROWS_PER_FILE) -> str:
    """Write the TPC-H tables at scale factor ``sf`` under ``out`` (skipped when already there).

    Parameters
    ----------
    sf : float
        Scale factor (1 = lineitem of 6M rows, about 0.9 GB in memory).
    out : str
        Directory receiving one sub-directory of parquet files per table.
    overwrite : bool
        Regenerate even when ``out`` holds a complete earlier run.
    tables : sequence of str
        Tables to write.
    rows_per_file : int
        About this many rows per parquet file (a table of more rows is split).

    Returns
    -------
    str
        ``out``.
    """
    import pyarrow.parquet as pq

    marker = os.path.join(out, DONE)
    if os.path.exists(marker) and not overwrite:
        with open(marker) as f:
            if f.read().strip() == repr((float(sf), rows_per_file)):
                return out
    exe = tpchgen_binary()
    if exe is None:
        raise RuntimeError("tpchgen-cli is not installed: pip install tpchgen-cli (the 'bench' extra of hlq)")
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        cmd = [exe, "parquet", "-s", str(sf), "-o", tmp, "-q", "--overwrite"]
        for table in tables:
            cmd += ["-T", table]
        subprocess.run(cmd, check=True)
        for table in tables:
            t = _relax(pq.read_table(os.path.join(tmp, f"{table}.parquet")))
            os.remove(os.path.join(tmp, f"{table}.parquet"))
            dest = os.path.join(out, table)
            if os.path.isdir(dest):
                shutil.rmtree(dest)
            os.makedirs(dest)
            n = files_for(table, sf, rows_per_file)
            per = -(-t.num_rows // n)
            for i in range(n):
                pq.write_table(t.slice(i * per, per), os.path.join(dest, f"part.{i:03d}.parquet"),
                               row_group_size=max(1000, rows_per_file // 4))
    with open(marker, "w") as f:
        f.write(repr((float(sf), rows_per_file)))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sf", type=float, default=0.1, help="scale factor (default 0.1)")
    p.add_argument("--out", default=None, help="output directory (default: $TMPDIR/hlq-tpch/sf<sf>)")
    p.add_argument("--overwrite", action="store_true")
    a = p.parse_args(argv)
    out = a.out or default_path(a.sf)
    print(generate(a.sf, out, a.overwrite))


def default_path(sf: float) -> str:
    """Default data directory of scale factor ``sf``."""
    return os.path.join(tempfile.gettempdir(), "hlq-tpch", f"sf{sf:g}")


if __name__ == "__main__":
    main()
