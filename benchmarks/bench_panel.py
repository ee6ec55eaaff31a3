"""Panel column operations against the same operations in an earlier version of the package.

``Panel.growth_rate`` on 300 regions × 20 periods (two columns, seeded uniform values, text region
ids), timed in this tree and in the tree of a git revision (default ``b401659^``: the package before
derived columns tracked ``.filled``), each in its own subprocess, alternating, in one run. The
"peer" here is that earlier version: ``ratio`` = earlier / now (above 1 means faster than before).
Timings are the median of the best five of 25 calls in each of three alternating rounds.

Usage: ``python benchmarks/bench_panel.py [--ref REV ...]`` writes ``benchmarks/results/panel.md``;
``benchmarks/run.py`` calls :func:`run`.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_REF = "b401659^"
N_REGIONS, N_PERIODS = 300, 20

TIMER = f"""
import sys, time
import numpy as np, pandas as pd
sys.path.insert(0, sys.argv[1])
from spatialcoupling.panel import Panel
rng = np.random.default_rng(0)
regions = [f"r{{i:03d}}" for i in range({N_REGIONS})]
index = pd.MultiIndex.from_product([regions, range(2000, 2000 + {N_PERIODS})], names=["region", "period"])
panel = Panel(pd.DataFrame({{"x": rng.uniform(1, 2, len(index)), "y": rng.uniform(1, 2, len(index))}}, index=index))
panel.growth_rate("x")
times = []
for _ in range(25):
    start = time.perf_counter()
    panel.growth_rate("x")
    times.append(time.perf_counter() - start)
print(float(np.median(sorted(times)[:5])))
"""


def _tree_of(ref: str, into: Path) -> Path:
    """The ``spatialcoupling`` package of git revision ``ref`` extracted under ``into``."""
    archive = into / "tree.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", ref, "spatialcoupling"], stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into


def _time(tree: Path) -> float:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", TIMER, str(tree)], capture_output=True, text=True, check=True, env=env
    )
    return float(result.stdout.strip().splitlines()[-1])


def run(quick: bool = True, refs: tuple[str, ...] = (DEFAULT_REF,)) -> list[dict]:
    """One row per revision: growth_rate now vs at the revision (three alternating rounds; the median)."""
    rows = []
    for ref in refs:
        with tempfile.TemporaryDirectory() as tmp:
            before_tree = _tree_of(ref, Path(tmp))
            now, before = [], []
            for _ in range(3):
                now.append(_time(ROOT))
                before.append(_time(before_tree))
        now_s, before_s = sorted(now)[1], sorted(before)[1]
        rows.append(
            {
                "task": "Panel.growth_rate",
                "size": f"{N_REGIONS} regions x {N_PERIODS} periods",
                "ours_s": now_s,
                "peer": f"spatialcoupling at {ref}",
                "peer_s": before_s,
                "ratio": before_s / now_s,
            }
        )
    return rows


def write_results(rows: list[dict], quick: bool = True) -> Path:
    load = os.getloadavg()
    lines = [
        "# Panel column operations: now vs an earlier version",
        "",
        (
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
            f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (shared machine)."
        ),
        "",
        "| task | size | now (ms) | earlier | earlier (ms) | earlier / now |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['task']} | {r['size']} | {r['ours_s'] * 1e3:.1f} | {r['peer']} | {r['peer_s'] * 1e3:.1f} "
            f"| {r['ratio']:.2f} |"
        )
    path = HERE / "results" / "panel.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ref", action="append", help="git revision to compare with (repeatable)")
    args = parser.parse_args()
    rows = run(refs=tuple(args.ref or [DEFAULT_REF]))
    print(write_results(rows).read_text(encoding="utf-8"))
