"""Run every scenario benchmark and print one combined markdown table.

Each scenario script (A1, A2, A3 lowering, A4, A5, A6, A7) runs every peer in its own
subprocess and prints a table whose rows are ``| case | peer | ... |``; this
script runs them one after the other, keeps one header and prints all rows in
one table, followed by the A3 end-to-end table, the task-ordering table
(bench_order.py, hlq only) and the S1 shipping table.

    python benchmarks/run_all.py                 # full sizes, all installed peers (~30 min)
    python benchmarks/run_all.py --quick         # small sizes (~3 min)
    python benchmarks/run_all.py --peer hlq      # hlq only

Columns: see benchmarks/README.md (build s, optimize s, graph s = time from the
built collection to the final task graph, tasks, compute s, peak MB, ratios
hlq/peer - below 1 means hlq is faster or smaller).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = [
    "bench_a1_slice.py",
    "bench_a2_deep_chain.py",
    "bench_a3_lowering.py",
    "bench_a4_rechunk_slice.py",
    "bench_a5_anomaly.py",
    "bench_a6_matmul_slice.py",
    "bench_a7_chunk_scaling.py",
]


def _run(script, extra, timeout):
    cmd = [sys.executable, os.path.join(HERE, script), *extra]
    t0 = time.time()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        text, ok = out.stdout, out.returncode == 0
    except subprocess.TimeoutExpired as e:
        text, ok = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or ""), False
    return text, ok, time.time() - t0


def _table_rows(text):
    lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    if len(lines) < 2:
        return None, []
    return lines[0], [ln for ln in lines[2:]]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--peer", default=None, choices=["hlq", "legacy", "dask-array"])
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--skip-distributed", action="store_true", help="skip the S1 shipping table")
    args = ap.parse_args()
    extra = (["--quick"] if args.quick else []) + (["--peer", args.peer] if args.peer else [])
    header, rows, notes = None, [], []
    for script in SCENARIOS:
        text, ok, secs = _run(script, extra, args.timeout)
        h, r = _table_rows(text)
        if h is None:
            notes.append(f"- {script}: no table (exit ok={ok}, {secs:.0f} s)")
            continue
        header = header or h
        if h != header:
            notes.append(f"- {script}: different columns; its table follows separately")
            notes.append("\n".join([h, "|" + "---|" * (h.count("|") - 1), *r]))
            continue
        rows.extend(r)
        notes.append(f"- {script}: {len(r)} rows, {secs:.0f} s" + ("" if ok else " (exit status not 0)"))
    print("# hlq benchmarks: all scenarios\n")
    if header:
        print(header)
        print("|" + "---|" * (header.count("|") - 1))
        print("\n".join(rows))
    e2e_peer = ["--peer", args.peer] if args.peer in ("hlq", "legacy") else []
    text, ok, secs = _run("bench_a3_end_to_end.py", (["--quick"] if args.quick else []) + e2e_peer, args.timeout)
    print("\n## A3 end to end (threaded scheduler)\n")
    print("\n".join(ln for ln in text.splitlines() if ln.startswith("|")) or f"(no table, ok={ok})")
    if args.peer in (None, "hlq"):
        text, ok, secs = _run("bench_order.py", (["--quick"] if args.quick else []), args.timeout)
        print("\n## task ordering: hlq priorities vs dask.order (hlq.order on/off)\n")
        print("\n".join(ln for ln in text.splitlines() if ln.startswith("|")) or f"(no table, ok={ok})")
    if not args.skip_distributed:
        text, ok, secs = _run("bench_s1_shipping.py", (["--quick"] if args.quick else []) + e2e_peer, args.timeout)
        print("\n## S1 shipping to a LocalCluster\n")
        print("\n".join(ln for ln in text.splitlines() if ln.startswith("|")) or f"(no table, ok={ok})")
    print("\n## runs\n")
    print("\n".join(notes))


if __name__ == "__main__":
    main()
