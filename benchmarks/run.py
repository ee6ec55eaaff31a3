"""Run every benchmark and print one table: task, size, this project, peer, ratio.

Usage: ``python benchmarks/run.py [--full] [--only NAME ...]`` (or ``make bench``); with ``--only``
the rows of the other benchmarks in the results files are kept.
Each ``benchmarks/bench_*.py`` exposes ``run(quick: bool) -> list[dict]`` with keys
task, size, ours_s, peer, peer_s, ratio (peer_s / ours_s: above 1 means faster
than the peer). Results are written to ``benchmarks/results/benchmarks.csv`` and
``benchmarks/results/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import importlib.util
import platform
import sys
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
COLUMNS = ["task", "size", "ours_s", "peer", "peer_s", "ratio"]


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(HERE))
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="full sizes (slow); default quick sizes")
    parser.add_argument("--only", nargs="*", default=None, help="names of bench_<name>.py to run")
    args = parser.parse_args(argv)
    rows = []
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if args.only and name not in args.only:
            continue
        start = time.perf_counter()
        try:
            module = _load(path)
            module_rows = module.run(quick=not args.full)
            for row in module_rows:
                rows.append({"benchmark": name, **{k: row.get(k) for k in COLUMNS}})
            if hasattr(module, "write_results"):  # the benchmark's own results file (e.g. scale.md)
                module.write_results(module_rows, quick=not args.full)
        except Exception as exc:
            rows.append({"benchmark": name, "task": f"FAILED: {type(exc).__name__}: {exc}"})
        print(f"[{name}] {time.perf_counter() - start:.1f} s", file=sys.stderr)
    table = pd.DataFrame(rows, columns=["benchmark", *COLUMNS])
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    if args.only and (out / "benchmarks.csv").exists():  # replace the rows of the benchmarks run, keep the others
        kept = pd.read_csv(out / "benchmarks.csv")
        kept = kept[~kept["benchmark"].isin(args.only)]
        table = pd.concat([kept, table], ignore_index=True).sort_values("benchmark", kind="stable")
    table.to_csv(out / "benchmarks.csv", index=False)
    header = (
        f"Machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}; "
        f"mode: {'full' if args.full else 'quick'}\n\n"
    )
    (out / "benchmarks.md").write_text(header + _markdown(table), encoding="utf-8")
    with pd.option_context("display.width", 160, "display.max_colwidth", 60):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    return table


def _markdown(table: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
