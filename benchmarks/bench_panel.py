"""Panel operations against the same operations in an earlier version of the package.

Each operation runs on 300 regions × 20 periods (two columns, seeded uniform values, text region
ids ``r000`` …) and, for the selections, also on China's 31 provinces × 20 periods (English names,
where the panel applies the yearbook order), timed in this tree and in the tree of a git revision,
each in its own subprocess, alternating, in one run. The "peer" here is that earlier version:
``ratio`` = earlier / now (above 1 means faster than before).

- ``Panel.growth_rate`` against ``b401659^`` (the package before derived columns tracked ``.filled``);
- ``select`` (half the regions), ``drop`` (one period), ``rename_regions`` (one region) and
  ``rename`` (one column) against ``da70c8f`` (the package whose selections rebuilt the panel through
  its constructor: duplicate check, full sort, yearbook rule).

Timings are the median of the best five of 25 calls in each of three alternating rounds.

Usage: ``python benchmarks/bench_panel.py [--ref REV ...]`` writes ``benchmarks/results/panel.md``
(``--ref`` replaces the revisions of every operation); ``benchmarks/run.py`` calls :func:`run`.
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
SELECTION_REF = "da70c8f"
N_REGIONS, N_PERIODS = 300, 20

#: operation → (python expression on ``panel`` and ``regions``, the revision it is compared with)
OPERATIONS = {
    "Panel.growth_rate": ('panel.growth_rate("x")', DEFAULT_REF),
    "Panel.select (half the regions)": ("panel.select(regions=regions[::2])", SELECTION_REF),
    "Panel.drop (one period)": ("panel.drop(periods=[2005])", SELECTION_REF),
    "Panel.rename_regions (one region)": ("panel.rename_regions({regions[1]: 'renamed'})", SELECTION_REF),
    "Panel.rename (one column)": ('panel.rename({"x": "x2"})', SELECTION_REF),
}
#: operations also timed on China's provinces (the yearbook-order path)
CHINA_OPERATIONS = ("Panel.select (half the regions)", "Panel.drop (one period)", "Panel.rename (one column)")

TIMER = f"""
import sys, time
import numpy as np, pandas as pd
sys.path.insert(0, sys.argv[1])
from spatialcoupling.panel import Panel
rng = np.random.default_rng(0)
if sys.argv[3] == "china":
    import spatialcoupling as sc
    names = sc.datasets.load("china_provinces")["name_en"].tolist()
    regions = [names[i] for i in rng.permutation(len(names))]
else:
    regions = [f"r{{i:03d}}" for i in range({N_REGIONS})]
index = pd.MultiIndex.from_product([regions, range(2000, 2000 + {N_PERIODS})], names=["region", "period"])
panel = Panel(pd.DataFrame({{"x": rng.uniform(1, 2, len(index)), "y": rng.uniform(1, 2, len(index))}}, index=index))
regions = list(panel.regions)
operation = lambda: OPERATION
operation()
times = []
for _ in range(25):
    start = time.perf_counter()
    operation()
    times.append(time.perf_counter() - start)
print(float(np.median(sorted(times)[:5])))
"""


def _tree_of(ref: str, into: Path) -> Path:
    """The ``spatialcoupling`` package of git revision ``ref`` extracted under ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    archive = into / "tree.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(ROOT), "archive", ref, "spatialcoupling"], stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into


def _time(tree: Path, expression: str, regions: str) -> float:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    result = subprocess.run(
        [sys.executable, "-c", TIMER.replace("OPERATION", expression), str(tree), "-", regions],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return float(result.stdout.strip().splitlines()[-1])


def run(quick: bool = True, refs: tuple[str, ...] | None = None) -> list[dict]:
    """One row per operation, data set and revision: the operation now vs at the revision (three
    alternating rounds; the median of the rounds)."""
    cases = [(task, expr, "text", ref) for task, (expr, ref) in OPERATIONS.items()]
    cases += [(task, OPERATIONS[task][0], "china", OPERATIONS[task][1]) for task in CHINA_OPERATIONS]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        trees: dict[str, Path] = {}
        for task, expression, regions, default_ref in cases:
            for ref in refs or (default_ref,):
                if ref not in trees:
                    trees[ref] = _tree_of(ref, Path(tmp) / f"tree{len(trees)}")
                now, before = [], []
                for _ in range(3):
                    now.append(_time(ROOT, expression, regions))
                    before.append(_time(trees[ref], expression, regions))
                now_s, before_s = sorted(now)[1], sorted(before)[1]
                size = f"{N_REGIONS} regions" if regions == "text" else "31 China provinces"
                rows.append(
                    {
                        "task": task,
                        "size": f"{size} x {N_PERIODS} periods",
                        "ours_s": now_s,
                        "peer": f"spatialcoupling at {ref}",
                        "peer_s": before_s,
                        "ratio": before_s / now_s,
                        "load": os.getloadavg()[0],
                    }
                )
    return rows


def write_results(rows: list[dict], quick: bool = True) -> Path:
    load = os.getloadavg()
    lines = [
        "# Panel operations: now vs an earlier version",
        "",
        (
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
            f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (shared machine; "
            "each row gives the 1-minute load when it finished)."
        ),
        "",
        "| task | size | now (ms) | earlier | earlier (ms) | earlier / now | load (1 min) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['task']} | {r['size']} | {r['ours_s'] * 1e3:.1f} | {r['peer']} | {r['peer_s'] * 1e3:.1f} "
            f"| {r['ratio']:.2f} | {r.get('load', float('nan')):.1f} |"
        )
    path = HERE / "results" / "panel.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ref", action="append", help="git revision to compare with (repeatable)")
    args = parser.parse_args()
    rows = run(refs=tuple(args.ref) if args.ref else None)
    print(write_results(rows).read_text(encoding="utf-8"))
