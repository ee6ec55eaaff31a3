"""Command line: ``spatialcoupling demo|run|check|datasets``.

Exit codes: 0 success, 2 bad input (message on stderr), 1 failure.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spatialcoupling", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run a full study on bundled data")
    demo.add_argument("name", nargs="?", default="china_demo")
    demo.add_argument("--out", default="demo-output")
    demo.add_argument("--force", action="store_true", help="overwrite an existing output folder")
    demo.add_argument("--quiet", action="store_true")
    sub.add_parser("datasets", help="list bundled data sets")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "datasets":
            from . import datasets

            print(datasets.available().to_string())
            return 0
        if args.command == "demo":
            from .study import run_demo

            out = run_demo(args.name, out=args.out, force=args.force, quiet=args.quiet)
            print(f"wrote {out}")
            return 0
    except (ValueError, TypeError, FileNotFoundError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the command line reports every failure
        print(f"failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
