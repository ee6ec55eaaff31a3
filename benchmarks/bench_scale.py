"""County and grid scale: spatial weights, entropy + coupling, Dagum bootstrap, cold start, parallel defaults.

Every row pairs this project with a peer on the same data in the same process (ratio = peer / ours:
above 1 means faster than the peer):

- ``spatial_weights(kind="queen"/"rook")`` on square lattices and on the 2,848 China counties
  (``benchmarks/build_china_counties.py``) against libpysal ``Queen/Rook.from_dataframe`` and pygeoda
  ``queen_weights`` (libgeoda, C++). Both sides return a weights object (ours: a libpysal ``W``).
- a counting row: queen weights of 2 × 10⁴ and 4 × 10⁴ lattice cells; the second must cost < 3× the first
  (no quadratic step), its "ratio" is time(4 × 10⁴) / time(2 × 10⁴).
- ``kind="knn"`` (k = 6) and ``kind="distance_band"`` on the counties' points against libpysal ``KNN`` /
  ``DistanceBand.from_array`` on the same points (great-circle, ``radius=``).
- entropy weights + subsystem scores + coupling coordination (3,000 regions × 20 periods × 40 indicators in
  3 subsystems) against a plain numpy version written here (pooled min–max, entropy weights, weighted sums,
  coupling C, T and D).
- the Dagum bootstrap (999 draws × 16 periods, 2,848 regions in 8 groups) serial; peer: the 3 s target
  (process CPU time in the note: on the shared machine it is the steadier figure); the county study's
  setting (31 groups, 199 symmetric-t draws) against the same target scaled by draws and groups
  (a yardstick, not a goal); ``DagumGini().fit`` on
  the panel against ``dagum_decomposition`` on each period's arrays (goal: within 1.5×).
- the cold start of the provincial path in a fresh process: import, bundled provinces, queen W, LISA
  999 permutations × 16 periods; peer: the 1.5 s target.
- LISA and Dagum with ``n_jobs=1`` against ``n_jobs=2`` (loky) at the counties.

The load of the machine (``os.getloadavg``) is written with the results; on the 2-core machine shared with
other jobs a load above 2 stretches every time. Usage: ``python benchmarks/bench_scale.py [--full]`` writes
``benchmarks/results/scale.md``; ``benchmarks/run.py`` calls :func:`run`. ``--pipeline`` (with ``--full`` for
300 × 300) runs only the grid pipeline in this process and writes ``benchmarks/results/grid_pipeline.md`` (its
steps, the load and the peak memory).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
R_KM = 6371.0088


def _best(func, repeats: int = 1) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - start)
    return best, out


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def lattice(k: int, rows: int | None = None):
    """A ``rows`` × ``k`` lattice of unit squares (GeoDataFrame indexed by text ids)."""
    import geopandas as gpd
    import shapely

    rows = k if rows is None else rows
    x, y = np.meshgrid(np.arange(k), np.arange(rows))
    cells = shapely.box(x.ravel(), y.ravel(), x.ravel() + 1, y.ravel() + 1)
    return gpd.GeoDataFrame({"id": [f"c{i}" for i in range(k * rows)]}, geometry=cells).set_index("id")


def counties():
    sys.path.insert(0, str(HERE))
    from build_china_counties import load_china_counties

    return load_china_counties()


def _row(task, size, ours, peer, peer_s, **extra) -> dict:
    return {
        "task": task,
        "size": size,
        "ours_s": ours,
        "peer": peer,
        "peer_s": peer_s,
        "ratio": (peer_s / ours) if (peer_s and ours) else None,
        **extra,
    }


# ---------------------------------------------------------------------------
# weights
# ---------------------------------------------------------------------------
def _pygeoda_contiguity(frame, kind: str) -> float:
    try:
        import pygeoda
    except ImportError:
        return float("nan")
    data = pygeoda.open(frame.reset_index())
    build = pygeoda.queen_weights if kind == "queen" else pygeoda.rook_weights
    return _best(lambda: build(data), 2)[0]


def _libpysal_contiguity(frame, kind: str) -> tuple[float, object]:
    from libpysal.weights import Queen, Rook

    cls = Queen if kind == "queen" else Rook
    return _best(lambda: _quiet(cls.from_dataframe, frame, use_index=True, silence_warnings=True), 1)


def weights_rows(quick: bool) -> list[dict]:
    import spatialcoupling as sc
    from spatialcoupling.regions import distance_points

    rows = []
    _quiet(sc.spatial_weights, lattice(10), kind="queen")  # warm imports
    # counting: 2e4 vs 4e4 cells
    small, big = lattice(200, 100), lattice(200, 200)
    t1 = _best(lambda: sc.spatial_weights(small, kind="queen"), 3)[0]
    t2 = _best(lambda: sc.spatial_weights(big, kind="queen"), 3)[0]
    rows.append(
        _row(
            "counting: queen 4e4 cells / 2e4 cells (must be < 3)",
            "2e4 → 4e4",
            t2,
            "time at 2e4",
            t1,
            note=f"ratio here = {t2 / t1:.2f} (time ratio, 2.0 = linear)",
        )
    )
    rows[-1]["ratio"] = t2 / t1
    sizes = [100] if quick else [100, 300]
    for k in sizes:
        frame = lattice(k)
        for kind in ("queen", "rook"):
            ours, w = _best(lambda f=frame, kd=kind: sc.spatial_weights(f, kind=kd, standardize=None), 2)
            lib_s, ref = _libpysal_contiguity(frame, kind)
            same = all(set(w.neighbors[i]) == set(ref.neighbors[i]) for i in ref.id_order)
            rows.append(
                _row(
                    f"spatial_weights({kind}), lattice",
                    f"{k}x{k}",
                    ours,
                    "libpysal",
                    lib_s,
                    same=same,
                )
            )
            rows.append(
                _row(
                    f"spatial_weights({kind}), lattice",
                    f"{k}x{k}",
                    ours,
                    "pygeoda",
                    _pygeoda_contiguity(frame, kind),
                )
            )
    gdf = counties()
    for kind in ("queen", "rook"):
        ours, w = _best(
            lambda kd=kind: _quiet(sc.spatial_weights, gdf, kind=kd, standardize=None, islands="keep"),
            3,
        )
        lib_s, ref = _libpysal_contiguity(gdf, kind)
        same = all(set(w.neighbors[i]) == set(ref.neighbors[i]) for i in ref.id_order)
        rows.append(
            _row(
                f"spatial_weights({kind}), China counties",
                len(gdf),
                ours,
                "libpysal",
                lib_s,
                same=same,
            )
        )
        rows.append(
            _row(
                f"spatial_weights({kind}), China counties",
                len(gdf),
                ours,
                "pygeoda",
                _pygeoda_contiguity(gdf, kind),
            )
        )
    # knn and distance band on the same points
    from libpysal.weights import KNN, DistanceBand

    pts = distance_points(gdf)
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    ids = list(gdf.index)
    # the same points for both: ours gets them as a point layer (the polygons' distance points,
    # which spatial_weights would otherwise compute from the polygons first)
    points = gdf[[]].set_geometry(pts.values, crs=gdf.crs)
    poly_s = _best(lambda: sc.spatial_weights(gdf, kind="knn", k=6, standardize=None), 1)[0]
    ours, w = _best(lambda: sc.spatial_weights(points, kind="knn", k=6, standardize=None), 3)
    lib_s, ref = _best(lambda: _quiet(KNN.from_array, xy, k=6, radius=R_KM, ids=ids), 3)
    same = all(set(w.neighbors[i]) == set(ref.neighbors[i]) for i in ids)
    rows.append(
        _row(
            "spatial_weights(knn, k=6), China counties",
            len(gdf),
            ours,
            "libpysal KNN (same points)",
            lib_s,
            same=same,
            note=f"from the polygons (distance points included): {poly_s:.3f} s",
        )
    )
    ours, w = _best(
        lambda: _quiet(
            sc.spatial_weights,
            points,
            kind="distance_band",
            threshold=100.0,
            standardize=None,
            islands="keep",
        ),
        3,
    )
    lib_s, ref = _best(
        lambda: _quiet(
            DistanceBand.from_array,
            xy,
            threshold=100.0,
            radius=R_KM,
            ids=ids,
            silence_warnings=True,
        ),
        3,
    )
    same = all(set(w.neighbors[i]) == set(ref.neighbors[i]) for i in ids)
    rows.append(
        _row(
            "spatial_weights(distance_band 100 km), China counties",
            len(gdf),
            ours,
            "libpysal DistanceBand (same points)",
            lib_s,
            same=same,
        )
    )
    return rows


# ---------------------------------------------------------------------------
# entropy + coupling against plain numpy
# ---------------------------------------------------------------------------
def _indicator_panel(n: int, T: int, p: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product([[f"r{i}" for i in range(n)], range(2000, 2000 + T)], names=["region", "period"])
    cols = [f"x{j}" for j in range(p)]
    frame = pd.DataFrame(rng.lognormal(0.0, 0.5, (n * T, p)), index=idx, columns=cols)
    subsystems = {"A": cols[: p // 3], "B": cols[p // 3 : 2 * p // 3], "C": cols[2 * p // 3 :]}
    return frame, subsystems


def plain_numpy_coupling(values: np.ndarray, parts: list[np.ndarray]) -> np.ndarray:
    """Pooled min–max, entropy weights per subsystem, weighted sums, then D = sqrt(C·T) (equal shares)."""
    lo, hi = values.min(axis=0), values.max(axis=0)
    z = (values - lo) / (hi - lo)
    scores = []
    for cols in parts:
        x = z[:, cols] + 1e-12
        p = x / x.sum(axis=0)
        e = -(p * np.log(p)).sum(axis=0) / np.log(len(x))
        w = (1 - e) / (1 - e).sum()
        scores.append(z[:, cols] @ w)
    u = np.column_stack(scores)
    m = u.shape[1]
    c = m * np.prod(u, axis=1) ** (1 / m) / u.sum(axis=1)
    t = u.mean(axis=1)
    return np.sqrt(c * t)


def coupling_rows(quick: bool) -> list[dict]:
    import spatialcoupling as sc

    n, T, p = (3000, 20, 40)
    frame, subsystems = _indicator_panel(n, T, p)
    positions = [np.array([frame.columns.get_loc(c) for c in cols]) for cols in subsystems.values()]
    values = frame.to_numpy()

    peer_s = _best(lambda: plain_numpy_coupling(values, positions), 3)[0]
    try:
        ours_s = _best(lambda: _ours_coupling(sc, frame, subsystems), 3)[0]
    except Exception as exc:
        return [
            _row(
                f"entropy + coupling FAILED: {type(exc).__name__}: {exc}",
                f"{n}x{T}x{p}",
                None,
                "plain numpy",
                peer_s,
            )
        ]
    return [
        _row(
            "entropy weights + scores + coupling D (pooled)",
            f"{n}x{T}x{p}",
            ours_s,
            "plain numpy",
            peer_s,
        )
    ]


def _ours_coupling(sc, frame, subsystems, scope="pooled"):
    system = sc.IndicatorSystem.from_dict({name: dict.fromkeys(cols, "+") for name, cols in subsystems.items()})
    scores = sc.EntropyWeights(scope=scope).fit(frame, system)
    return sc.CouplingCoordination().fit(scores)


# ---------------------------------------------------------------------------
# Dagum bootstrap, parallel defaults
# ---------------------------------------------------------------------------
def _county_series(n: int, T: int, K: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    regions = [f"r{i}" for i in range(n)]
    idx = pd.MultiIndex.from_product([regions, range(2005, 2005 + T)], names=["region", "period"])
    series = pd.Series(rng.lognormal(0, 0.5, n * T), index=idx, name="D")
    return series, pd.Series([f"g{i % K}" for i in range(n)], index=regions)


def _cpu_and_wall(func) -> tuple[float, float]:
    """(wall, process CPU) seconds of one call: on a shared machine the CPU time is the steadier one."""
    start, cpu = time.perf_counter(), time.process_time()
    func()
    return time.perf_counter() - start, time.process_time() - cpu


def dagum_rows(quick: bool) -> list[dict]:
    from spatialcoupling.inequality import DagumGini, dagum_decomposition

    series, groups = _county_series(2848, 16, 8)
    rows = []
    # .fit on the panel against the array function on each period's arrays (same numbers)
    by_period = [
        (part.to_numpy(), groups.reindex(part.index.get_level_values("region")).to_numpy())
        for _, part in series.groupby(level="period")
    ]
    array_s = _best(lambda: [dagum_decomposition(v, g) for v, g in by_period], 3)[0]
    fit_s = _best(lambda: DagumGini().fit(series, groups), 3)[0]
    rows.append(
        _row(
            "DagumGini().fit (no bootstrap) vs dagum_decomposition per period",
            "2848x16",
            fit_s,
            "dagum_decomposition x 16",
            array_s,
            note=f"fit / array = {fit_s / array_s:.2f} (goal <= 1.5)",
        )
    )
    for draws, ci in ((99, "percentile"), (99, "symmetric-t"), (999, "percentile"), (999, "symmetric-t")):
        if quick and draws == 999 and ci == "symmetric-t":
            continue
        if not quick and draws == 99:
            continue
        wall, cpu = _cpu_and_wall(lambda d=draws, c=ci: DagumGini(bootstrap=d, seed=1, ci=c).fit(series, groups))
        rows.append(
            _row(
                f"DagumGini bootstrap={draws}, ci={ci}, 8 groups, 16 periods, serial",
                "2848x16",
                wall,
                "target 3 s (999 draws)",
                3.0 * draws / 999,
                note=f"process CPU {cpu:.2f} s",
            )
        )
    # the county study's setting: 31 province groups, 199 draws, symmetric-t intervals
    series31, groups31 = _county_series(2848, 16, 31)
    wall, cpu = _cpu_and_wall(lambda: DagumGini(bootstrap=199, seed=1, ci="symmetric-t").fit(series31, groups31))
    rows.append(
        _row(
            "DagumGini bootstrap=199, ci=symmetric-t, 31 groups, 16 periods, serial (the county study's setting)",
            "2848x16",
            wall,
            "target 3 s x 199/999 x 31/8 groups",
            3.0 * 199 / 999 * 31 / 8,
            note=f"process CPU {cpu:.2f} s; the standard errors of every replicate need the pair sums' moments",
        )
    )
    if not quick:
        t1 = _best(lambda: DagumGini(bootstrap=999, seed=1, ci="percentile", n_jobs=1).fit(series, groups), 1)[0]
        t2 = _best(lambda: DagumGini(bootstrap=999, seed=1, ci="percentile", n_jobs=2).fit(series, groups), 1)[0]
        rows.append(
            _row(
                "DagumGini bootstrap=999 percentile, n_jobs=2 vs n_jobs=1",
                "2848x16",
                t2,
                "n_jobs=1",
                t1,
            )
        )
    return rows


def _lisa_fit(series, w, backend: str | None) -> None:
    """LocalMoran 999 permutations: n_jobs=1 (backend None), or n_jobs=2 on the joblib backend."""
    from joblib import parallel_config

    import spatialcoupling as sc

    if backend is None:
        sc.LocalMoran(permutations=999, seed=1).fit(series, w)
        return
    with parallel_config(backend=backend):
        sc.LocalMoran(permutations=999, seed=1, n_jobs=2).fit(series, w)


def parallel_rows(quick: bool) -> list[dict]:
    """LISA 999 permutations with n_jobs=2 (loky, threads) against n_jobs=1, at three sizes.

    Each fit runs long enough (64 periods, about a second at county scale) that the ratio is not
    timer noise; the three settings alternate, best of three each, so a change of the machine's
    load reaches all of them alike.
    """
    import spatialcoupling as sc

    sizes = (
        [("40x40", lattice(40))]
        if quick
        else [("20x20", lattice(20)), ("40x40", lattice(40)), ("counties", counties())]
    )
    periods = 64
    rows = []
    for label, gdf in sizes:
        w = _quiet(sc.sparse_weights, gdf, kind="queen")
        series, _ = _county_series(len(gdf), periods, 8)
        series.index = series.index.set_levels(list(w.ids), level=0)

        backends = (None, "loky", "threading")
        best = dict.fromkeys(backends, np.inf)
        for _ in range(3):
            for backend in backends:
                start = time.perf_counter()
                _lisa_fit(series, w, backend)
                best[backend] = min(best[backend], time.perf_counter() - start)
        for backend in ("loky", "threading"):
            rows.append(
                _row(
                    f"LocalMoran 999 x {periods}, n_jobs=2 ({backend}) vs n_jobs=1 ({label})",
                    len(gdf),
                    best[backend],
                    "n_jobs=1",
                    best[None],
                )
            )
    return rows


# ---------------------------------------------------------------------------
# cold start
# ---------------------------------------------------------------------------
COLD = """
import time; t0 = time.perf_counter()
import numpy as np, pandas as pd
import spatialcoupling as sc
prov = sc.datasets.load("china_provinces")
{build}
idx = pd.MultiIndex.from_product([list(ids), range(2005, 2021)], names=["region", "period"])
D = pd.Series(np.random.default_rng(0).random(len(idx)), index=idx, name="D")
sc.LocalMoran(permutations=999, seed=1).fit(D, w)
import sys
print(time.perf_counter() - t0, int("libpysal" in sys.modules), int("scipy.stats" in sys.modules))
"""
#: the weights as libpysal's W (what sc.spatial_weights returns) or as plain data (sparse_weights)
COLD_W = 'w = sc.spatial_weights(prov, kind="queen"); ids = w.id_order'
COLD_SPARSE = (
    'from spatialcoupling.spatialweights import sparse_weights\nw = sparse_weights(prov, kind="queen"); ids = w.ids'
)


def _cold(build: str) -> tuple[float, str, str]:
    """Best of two fresh processes: seconds, and whether libpysal and scipy.stats were imported."""
    best, lib, stats = np.inf, "", ""
    for _ in range(2):
        script = COLD.replace("{build}", build)
        out = subprocess.run([sys.executable, "-W", "ignore", "-c", script], check=True, capture_output=True, text=True)
        t, lib, stats = out.stdout.split()
        best = min(best, float(t))
    return best, lib, stats


def coldstart_rows(quick: bool) -> list[dict]:
    best, graph, stats = _cold(COLD_W)
    plain, plain_lib, plain_stats = _cold(COLD_SPARSE)
    lib = subprocess.run(
        [
            sys.executable,
            "-c",
            "import time; t=time.perf_counter(); import libpysal.weights; print(time.perf_counter()-t)",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return [
        _row(
            "cold start: import, provinces, queen W, LISA 999 x 16",
            "31x16",
            best,
            "target 1.5 s",
            1.5,
            note=f"libpysal imported: {bool(int(graph))}, scipy.stats imported: {bool(int(stats))}",
        ),
        _row(
            "cold start, weights as plain data (sparse_weights)",
            "31x16",
            plain,
            "target 1.5 s",
            1.5,
            note=f"libpysal imported: {bool(int(plain_lib))}, scipy.stats imported: {bool(int(plain_stats))}",
        ),
        _row("of which: import libpysal.weights (fresh process)", "-", float(lib.stdout), "-", None),
    ]


def pipeline_rows(quick: bool) -> list[dict]:
    """A k × k grid × 10 periods through weights, global Moran, LISA, Dagum and the two-way SAR panel."""
    import spatialcoupling as sc

    k = 100 if quick else 300
    grid = lattice(k)
    n, T = k * k, 10
    rng = np.random.default_rng(0)
    ids = list(grid.index)
    idx = pd.MultiIndex.from_product([ids, range(2010, 2010 + T)], names=["region", "period"])
    y = pd.Series(rng.lognormal(0.0, 0.3, size=n * T), index=idx, name="y")
    X = pd.DataFrame({"x1": rng.normal(size=n * T), "x2": rng.normal(size=n * T)}, index=idx)
    groups = pd.Series([f"g{(i % k) * 4 // k}{(i // k) * 2 // k}" for i in range(n)], index=ids)
    steps: dict[str, float] = {}
    _quiet(sc.spatial_weights, lattice(10), kind="queen")  # imports paid before the clock starts
    start = time.perf_counter()
    w = sc.spatial_weights(grid, kind="queen")
    steps["weights"] = time.perf_counter() - start
    for name, func in (
        ("moran", lambda: sc.GlobalMoran(permutations=999, seed=1).fit(y, w)),
        ("lisa", lambda: sc.LocalMoran(permutations=999, seed=1).fit(y, w)),
        ("dagum", lambda: sc.DagumGini().fit(y, groups)),
        ("sar twoway", lambda: sc.SpatialPanel("sar", "twoway").fit(y, X, w)),
    ):
        t0 = time.perf_counter()
        func()
        steps[name] = time.perf_counter() - t0
    total = sum(steps.values())
    return [
        _row(
            f"{k}x{k} grid x {T} periods: weights, Moran, LISA 999, Dagum, two-way SAR",
            n * T,
            total,
            "target 60 s",
            60.0,
            note="; ".join(f"{a} {b:.2f} s" for a, b in steps.items()),
            steps=steps,
        )
    ]


def write_pipeline(row: dict, quick: bool, load: tuple[float, float]) -> Path:
    """Write ``benchmarks/results/grid_pipeline.md`` (``grid_pipeline_quick.md`` for 100 × 100): the steps of one
    pipeline row, the load and the peak memory."""
    import resource

    k = 100 if quick else 300
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    labels = {
        "weights": "queen weights",
        "moran": "global Moran, 999 permutations × 10 periods",
        "lisa": "LISA, 999 permutations × 10 periods",
        "dagum": "Dagum decomposition, 10 periods",
        "sar twoway": "two-way SAR (Lee–Yu), exact sparse-LU log-determinant",
    }
    lines = [
        f"# {k} × {k} grid × 10 periods through the pipeline (`bench_scale.py --pipeline{'' if quick else ' --full'}`)",
        "",
        (
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; BLAS held "
            f"to one thread; 1-minute load {load[0]:.1f} before, {load[1]:.1f} after (2 cores: above 2 every time "
            f"is stretched). {k * k:,} queen cells, lognormal values, two regressors, 8 region groups."
        ),
        "",
        "| step | s |",
        "|---|---|",
        *(f"| {labels.get(name, name)} | {secs:.2f} |" for name, secs in row["steps"].items()),
        f"| **total** (target 60 s) | **{row['ours_s']:.2f}** |",
        "",
        f"Peak resident memory of the process: {peak_mb:,.0f} MB.",
        "",
    ]
    out = HERE / "results" / ("grid_pipeline_quick.md" if quick else "grid_pipeline.md")
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines), encoding="utf-8")
    return out


def run(quick: bool = True) -> list[dict]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        from contextlib import nullcontext as threadpool_limits  # type: ignore[assignment]

    rows: list[dict] = []
    load_before = os.getloadavg()[0]
    for part in (weights_rows, coupling_rows, dagum_rows, parallel_rows, pipeline_rows, coldstart_rows):
        try:
            with threadpool_limits(1):
                rows.extend(part(quick))
        except Exception as exc:
            rows.append({"task": f"{part.__name__} FAILED: {type(exc).__name__}: {exc}"})
    load_after = os.getloadavg()[0]
    for row in rows:
        row["load"] = f"{load_before:.1f}→{load_after:.1f}"
    return rows


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="300x300 lattices, 999 Dagum draws, counties LISA")
    parser.add_argument(
        "--pipeline",
        action="store_true",
        help="only the grid pipeline (100x100, 300x300 with --full); writes results/grid_pipeline[_quick].md",
    )
    parser.add_argument(
        "--parallel",
        action="store_true",
        help="only the n_jobs=2 LISA rows at three sizes (20x20, 40x40, counties); writes results/parallel.md",
    )
    args = parser.parse_args(argv)
    if args.parallel:
        before = os.getloadavg()[0]
        table = pd.DataFrame(parallel_rows(quick=False))
        path = write_parallel(table, load=(before, os.getloadavg()[0]))
        print(path.read_text(encoding="utf-8"))
        return table
    if args.pipeline:
        from threadpoolctl import threadpool_limits

        before = os.getloadavg()[0]
        with threadpool_limits(1):
            row = pipeline_rows(quick=not args.full)[0]
        path = write_pipeline(row, quick=not args.full, load=(before, os.getloadavg()[0]))
        print(path.read_text(encoding="utf-8"))
        return pd.DataFrame([{k: v for k, v in row.items() if k != "steps"}])
    table = pd.DataFrame(run(quick=not args.full))
    write_results(table, quick=not args.full)
    with pd.option_context("display.width", 200, "display.max_colwidth", 70):
        print(table.to_string(index=False))
    return table


def write_parallel(table: pd.DataFrame, load: tuple[float, float]) -> Path:
    """Write ``benchmarks/results/parallel.md``: where n_jobs=2 pays against n_jobs=1."""
    lines = [
        "# LISA with n_jobs=2 against n_jobs=1 (`benchmarks/bench_scale.py --parallel`)",
        "",
        (
            f"Machine: {platform.machine()}, {os.cpu_count()} cores; 999 permutations × 64 periods; the three settings "
            f"alternate, best of three each. Load (1-minute average) {load[0]:.1f} before, {load[1]:.1f} after. "
            "ratio = n_jobs=1 time / n_jobs=2 time (above 1: parallel is faster). Threads are the package's backend "
            "when the user sets none; loky is what `joblib.parallel_config(backend='loky')` gives."
        ),
        "",
        "| task | regions | n_jobs=2 (s) | n_jobs=1 (s) | ratio |",
        "|---|---|---|---|---|",
        *(
            f"| {r.task} | {r.size} | {r.ours_s:.3f} | {r.peer_s:.3f} | {r.ratio:.2f} |"
            for r in table.itertuples(index=False)
        ),
        "",
    ]
    path = HERE / "results" / "parallel.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_results(table: pd.DataFrame | list[dict], quick: bool) -> Path:
    """Write ``benchmarks/results/scale.md`` (``benchmarks/run.py`` calls this too)."""
    table = pd.DataFrame(table).drop(columns=["steps"], errors="ignore")
    first = [c for c in ("task", "size", "ours_s", "peer", "peer_s", "ratio", "note", "load") if c in table]
    table = table[first + [c for c in table.columns if c not in first]]
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    header = (
        "# County and grid scale: spatialcoupling against its peers\n\n"
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}; mode: {'quick' if quick else 'full'}; made by benchmarks/bench_scale.py. "
        "Times in seconds, best of repeats; ratio = peer / ours (above 1: faster than the peer); the counting "
        "row's ratio is time(4e4) / time(2e4). Column `load`: the 1-minute load average before → after the run "
        "(2 cores: above 2 the machine was shared and every time is stretched).\n\n"
    )
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row) + " |")
    path = out / "scale.md"
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    main()
