"""Command line entry point: ``python -m hlq demo`` and ``python -m hlq rules``.

The ``demo`` subcommand builds benchmark scenario A1 (docs/scenarios.md) -- a
slice of a 10^6-chunk array -- prints ``hlq.explain`` for it, the number of
tasks in the final graph, the computed result and the wall time of each step.

The ``rules`` subcommand prints the phases and, for each, the ordered list of
rules the optimizer tries (hlq's own rules and those of installed plugins).
"""

from __future__ import annotations

import argparse
import sys
import time

A1_EXPECTED = 2_000_000.0


def _demo(args: argparse.Namespace) -> int:
    t_start = time.perf_counter()
    import hlq  # deferred: the demo times the import
    import hlq.array as da  # deferred: the demo times the import

    n, c = args.size, args.chunks
    t0 = time.perf_counter()
    x = da.ones((n, n), chunks=(c, c))
    y = ((x + x.T)[:1000, :1000]).sum()
    t_build = time.perf_counter() - t0

    print(f"hlq demo: scenario A1 -- x = ones(({n:_}, {n:_}), chunks=({c}, {c})) "
          f"[{(-(-n // c)) ** 2:_} chunks]; y = ((x + x.T)[:1000, :1000]).sum()")
    print()
    t0 = time.perf_counter()
    text = hlq.explain(y)
    t_explain = time.perf_counter() - t0
    print(text)
    print()

    t0 = time.perf_counter()
    tasks = y.task_count()
    t_tasks = time.perf_counter() - t0

    t0 = time.perf_counter()
    result = y.compute()
    t_compute = time.perf_counter() - t0
    total = time.perf_counter() - t_start

    expected = 2.0 * min(n, 1000) ** 2
    ok = float(result) == expected
    print(f"tasks in final graph: {tasks}")
    print(f"result: {float(result)!r} (expected {expected!r}: {'ok' if ok else 'MISMATCH'})")
    print(f"wall time: build {t_build * 1e3:.1f} ms, explain {t_explain * 1e3:.1f} ms, "
          f"task_count {t_tasks * 1e3:.1f} ms, compute {t_compute * 1e3:.1f} ms, "
          f"total {total:.3f} s (including imports)")
    return 0 if ok else 1


def _rules(args: argparse.Namespace) -> int:
    # deferred: each subcommand imports only the collections it needs
    import hlq.array  # noqa: F401  (registers the array rules)
    import hlq.dataframe  # noqa: F401  (registers the dataframe rules)
    from hlq.rules import describe_rules, load_entry_points

    if not args.builtin:
        load_entry_points()
    print(describe_rules(builtin_only=args.builtin, markdown=args.markdown), end="")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: ``python -m hlq demo`` and ``python -m hlq rules``."""
    parser = argparse.ArgumentParser(
        prog="python -m hlq", description="hlq: high-level expression optimizer for dask collections"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser("demo", help="optimize and compute a slice of a 10^6-chunk array (scenario A1)")
    demo.add_argument("--size", type=int, default=100_000, help="side of the square array (default 100000)")
    demo.add_argument("--chunks", type=int, default=100, help="side of a square chunk (default 100)")
    demo.set_defaults(func=_demo)
    rules = sub.add_parser("rules", help="the phases and their rules, in the order the optimizer tries them")
    rules.add_argument("--builtin", action="store_true", help="only hlq's own rules (no plugins)")
    rules.add_argument("--markdown", action="store_true", help="markdown tables (the form docs/rules.md holds)")
    rules.set_defaults(func=_rules)

    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
