"""Command line: ``spatialcoupling demo|run|check|datasets``.

Exit codes: 0 success, 2 bad input (message on stderr), 1 failure.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

BAD_INPUT = 2
FAILURE = 1


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spatialcoupling", description="Coupling coordination and spatial evidence for regional panels.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a study file")
    run.add_argument("study", help="study settings (TOML)")
    run.add_argument("--out", default="results", help="output folder (default: results)")
    run.add_argument("--force", action="store_true", help="replace an existing output folder")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    check = sub.add_parser("check", help="validate a study file and its inputs without computing")
    check.add_argument("study")
    demo = sub.add_parser("demo", help="run a bundled demo study")
    demo.add_argument("name", nargs="?", default="china_demo", help="china_demo (default) or us_productivity")
    demo.add_argument("--out", default="demo-output")
    demo.add_argument("--force", action="store_true", help="replace an existing output folder")
    demo.add_argument("--quiet", action="store_true")
    sub.add_parser("datasets", help="list bundled data sets")
    return parser


def _run(args: argparse.Namespace) -> int:
    if args.command == "datasets":
        from . import datasets

        print(datasets.available().to_string())
        return 0
    from .study import Study, demo_study

    if args.command == "check":
        notes = Study.from_file(args.study).check()
        for note in notes:
            print(f"note: {note}")
        print(f"{args.study}: ok")
        return 0
    study = demo_study(args.name) if args.command == "demo" else Study.from_file(args.study)
    result = study.run(args.out, force=args.force, progress=False if args.quiet else None)
    if not args.quiet:
        for note in result.notes:
            print(f"note: {note}")
    print(f"wrote {result.out} ({len(result.files)} files; open {result.out / 'report.html'})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        return _run(args)
    except (ValueError, TypeError, KeyError, FileNotFoundError, FileExistsError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"error: {message}", file=sys.stderr)
        return BAD_INPUT
    except Exception as exc:  # noqa: BLE001 - the command line reports every failure
        print(f"failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
