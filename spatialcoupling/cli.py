"""Command line: ``spatialcoupling demo|run|check|datasets``.

Exit codes: 0 success; 1 when ``check --lock`` finds input files that differ from the lock
file (each is named); 2 bad input, including a study file that is a folder or cannot be
read and an unusable ``--out`` (message on stderr); 1 failure, including a folder that
appeared at ``--out`` during the run (the result is kept in a named folder, given in the
message); 130 interrupted (Ctrl-C); 128 + the signal number when stopped by SIGTERM (143)
or SIGHUP (129). An interrupted or stopped run removes its temporary folder and leaves
``--out`` as it was.

Warnings are printed as ``note:`` lines, never as Python warning lines. The notes of a run
are printed with or without ``--quiet``, which hides only the progress bar (the bar, shown
in a terminal, names the current step).
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence

BAD_INPUT = 2
FAILURE = 1
INTERRUPTED = 130


class Stopped(BaseException):
    """Raised in the main thread when the run receives SIGTERM or SIGHUP."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`Stopped` while the block runs (handlers restored after)."""
    sigs = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None]
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        for s in sigs:  # a second signal must not interrupt the clean-up
            signal.signal(s, signal.SIG_IGN)
        raise Stopped(signum)

    old = {s: signal.signal(s, handler) for s in sigs}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spatialcoupling", description="Coupling coordination and spatial evidence for regional panels."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a study file", description="Run a study file into an output folder.")
    run.add_argument("study", help="the study settings file (TOML)")
    run.add_argument("--out", default="results", help="output folder (default: results)")
    run.add_argument(
        "--force", action="store_true", help="replace an existing output folder written by spatialcoupling"
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar (the notes are still printed)")
    check = sub.add_parser(
        "check",
        help="validate a study file and its inputs without computing",
        description="Validate a study file and its inputs without computing; every problem is reported at once.",
    )
    check.add_argument("study", help="the study settings file (TOML)")
    check.add_argument(
        "--lock",
        metavar="OUT",
        help="also verify the study's input files against the lock file of "
        "a run (its output folder or its study.lock.toml); exit 1 naming each changed file",
    )
    demo = sub.add_parser("demo", help="run a bundled demo study", description="Run a bundled demo study.")
    demo.add_argument("name", nargs="?", default="china_demo", help="china_demo (default) or us_productivity")
    demo.add_argument("--out", default="demo-output", help="output folder (default: demo-output)")
    demo.add_argument(
        "--force", action="store_true", help="replace an existing output folder written by spatialcoupling"
    )
    demo.add_argument("--quiet", action="store_true", help="no progress bar (the notes are still printed)")
    sub.add_parser("datasets", help="list bundled data sets", description="List the bundled data sets.")
    return parser


def _run(args: argparse.Namespace) -> int:
    if args.command == "datasets":
        from . import datasets

        print(datasets.available().to_string())
        return 0
    from .study import Study, demo_study

    if args.command == "check":
        study = Study.from_file(args.study)
        if args.lock:
            from .study.lock import lock_path, verify

            changed = verify(args.lock, study.inputs(), study.base_dir)
            if changed:
                for line in changed:
                    print(f"error: {line}", file=sys.stderr)
                print(f"{args.study}: inputs differ from {lock_path(args.lock)}", file=sys.stderr)
                return FAILURE
            print(f"inputs match {lock_path(args.lock)}")
        notes = study.check()
        for note in notes:
            print(f"note: {note}")
        print(f"{args.study}: ok")
        return 0
    study = demo_study(args.name) if args.command == "demo" else Study.from_file(args.study)
    with _stop_on_signals():
        result = study.run(args.out, force=args.force, progress=False if args.quiet else None)
    for note in result.notes:
        print(f"note: {note}")
    print(f"wrote {result.out} ({len(result.files)} files; open {result.out / 'report.html'})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from ._outdir import OutputFolderTaken

    args = _build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                return _run(args)
            finally:
                shown: set[str] = set()
                for w in caught:
                    text = str(w.message)
                    if not issubclass(w.category, DeprecationWarning) and text not in shown:
                        shown.add(text)
                        print(f"note: {text}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted: nothing was written to the output folder", file=sys.stderr)
        return INTERRUPTED
    except Stopped as exc:
        name = signal.Signals(exc.signum).name
        print(f"stopped by {name}: nothing was written to the output folder", file=sys.stderr)
        return 128 + exc.signum
    except OutputFolderTaken as exc:
        print(f"error: {exc}", file=sys.stderr)
        return FAILURE
    except (ValueError, TypeError, KeyError, FileNotFoundError, FileExistsError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"error: {message}", file=sys.stderr)
        return BAD_INPUT
    except Exception as exc:
        print(f"failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
