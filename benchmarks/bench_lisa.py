"""LISA (local Moran) with 999 conditional permutations over several periods.

Ours: ``spatialcoupling.LocalMoran`` (all periods in one pass, n_jobs=1).
Peers, on the same weights and values:
- esda ``Moran_Local`` looped over the periods (n_jobs=1, keep_simulations=False), warm
  (imported and its numba kernel compiled before timing) and cold (a fresh process that
  imports, builds the weights and runs; compared with the same fresh-process run of ours);
- pygeoda ``local_moran`` (libgeoda, C++) looped over the periods, 1 thread, with both
  permutation methods: "complete" (the default) and "lookup-table" (one table of random
  neighbour sets shared by all regions, GeoDa's fast mode); pygeoda is installed into the
  venv for this benchmark only;
- cold start: a fresh process that imports spatialcoupling and runs LocalMoran on
  31 regions × 16 periods (target: under 2 s; reported with and without libpysal's own
  import, which a W object needs).

Sizes: quick, a 60×60 lattice × 4 periods; full (``--full``), a 300×300 lattice × 4 periods
and, when ``benchmarks/build_china_counties.py`` provides ``load_china_counties()``, about
2,800 Chinese counties × 16 periods (otherwise a 53×53 queen lattice, 2,809 regions, × 16
periods stands in for them).

Scaling (both modes): the warm times of ours, esda and pygeoda (both methods) on rook lattices
of side 20, 40, 80 and 160 (and 300 with ``--full``, the same measurement as the row above)
× 4 periods, as rows "scaling: ..." and a log-log figure of time against n,
``benchmarks/results/lisa_scaling.png`` (the legend gives each curve's slope over the larger
half of the sizes).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

PERMUTATIONS = 999
HERE = Path(__file__).resolve().parent


def _values(n: int, periods: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    trend = np.linspace(0, 1, n)[:, None]
    return trend + rng.normal(scale=0.5, size=(n, periods))


def _series(ids: list, values: np.ndarray) -> pd.Series:
    s = pd.DataFrame(values, index=ids, columns=range(2000, 2000 + values.shape[1])).stack()
    s.index.names = ["region", "period"]
    return s


def _time(func, repeat: int = 1) -> float:
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def _fresh(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=True, capture_output=True)
    return time.perf_counter() - start


def _ours(w, s: pd.Series, n_jobs: int = 1) -> float:
    from spatialcoupling.autocorrelation import LocalMoran

    return _time(lambda: LocalMoran(w, permutations=PERMUTATIONS, seed=1, n_jobs=n_jobs).fit(s), repeat=3)


def _esda_loop(w, values: np.ndarray) -> float:
    import esda

    w.transform = "r"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        esda.Moran_Local(np.random.default_rng(0).normal(size=50), _tiny_w(), permutations=9)  # compile

        def loop():
            for t in range(values.shape[1]):
                esda.Moran_Local(values[:, t], w, permutations=PERMUTATIONS, seed=t, keep_simulations=False, n_jobs=1)

        return _time(loop)


def _tiny_w():
    import libpysal

    w = libpysal.weights.lat2W(5, 10)
    w.transform = "r"
    return w


def _lattice_gdf(side: int):
    import geopandas as gpd
    from shapely.geometry import box

    geoms = [box(c, side - 1 - r, c + 1, side - r) for r in range(side) for c in range(side)]
    return gpd.GeoDataFrame(geometry=geoms)


def _pygeoda_loop(gdf, values: np.ndarray, kind: str = "rook") -> dict[str, float]:
    """Seconds of pygeoda's local_moran over the periods, per permutation method (1 thread)."""
    if importlib.util.find_spec("pygeoda") is None:
        return {}
    import pygeoda

    g = pygeoda.open(gdf)
    w = pygeoda.rook_weights(g) if kind == "rook" else pygeoda.queen_weights(g)
    out = {}
    for method in ("complete", "lookup-table"):

        def loop(method: str = method) -> None:
            for t in range(values.shape[1]):
                pygeoda.local_moran(
                    w,
                    list(values[:, t]),
                    permutations=PERMUTATIONS,
                    cpu_threads=1,
                    seed=t + 1,
                    permutation_method=method,
                )

        out[method] = _time(loop)
    return out


def _cold_lattice(side: int, periods: int, which: str) -> float:
    common = f"""
        import numpy as np, pandas as pd, libpysal, warnings
        warnings.simplefilter("ignore")
        w = libpysal.weights.lat2W({side}, {side})
        rng = np.random.default_rng(0)
        v = np.linspace(0, 1, w.n)[:, None] + rng.normal(scale=0.5, size=(w.n, {periods}))
    """
    if which == "ours":
        code = (
            common
            + f"""
        import spatialcoupling as sc
        s = pd.DataFrame(v, index=w.id_order, columns=range({periods})).stack()
        sc.LocalMoran(w, permutations={PERMUTATIONS}, seed=1).fit(s)
        """
        )
    else:
        code = (
            common
            + f"""
        import esda
        w.transform = "r"
        for t in range({periods}):
            esda.Moran_Local(v[:, t], w, permutations={PERMUTATIONS}, seed=t, keep_simulations=False, n_jobs=1)
        """
        )
    return _fresh(code)


def _lattice_times(side: int, periods: int, rook: bool = True, pygeoda: bool = True) -> dict[str, float]:
    """Warm seconds on a side × side lattice: ours, esda, and pygeoda per permutation method."""
    import libpysal

    w = libpysal.weights.lat2W(side, side, rook=rook)
    values = _values(w.n, periods)
    times = {"ours": _ours(w, _series(w.id_order, values))}
    times["esda"] = _esda_loop(libpysal.weights.lat2W(side, side, rook=rook), values)
    geo = _pygeoda_loop(_lattice_gdf(side), values, kind="rook" if rook else "queen") if pygeoda else {}
    times.update({f"pygeoda {method}": secs for method, secs in geo.items()})
    return times


def _lattice_rows(
    side: int,
    periods: int,
    rook: bool = True,
    cold: bool = True,
    pygeoda: bool = True,
    times: dict[str, float] | None = None,
) -> list[dict]:
    times = times or _lattice_times(side, periods, rook=rook, pygeoda=pygeoda)
    size = f"{side}x{side} {'rook' if rook else 'queen'} lattice x {periods} periods"
    ours = times["ours"]
    rows = [_row("LISA 999 perms (warm)", size, ours, "esda Moran_Local per period (warm)", times["esda"])]
    if cold:
        ours_cold = _cold_lattice(side, periods, "ours")
        esda_cold = _cold_lattice(side, periods, "esda")
        rows.append(
            _row(
                "LISA 999 perms, fresh process incl. imports + W",
                size,
                ours_cold,
                "esda per period, fresh process",
                esda_cold,
            )
        )
    for key, secs in times.items():
        if key.startswith("pygeoda "):
            method = key.removeprefix("pygeoda ")
            rows.append(_row("LISA 999 perms (warm)", size, ours, f"pygeoda local_moran ({method}), 1 thread", secs))
    return rows


SCALING_SIDES = (20, 40, 80, 160)  # and 300 with --full
SCALING_PERIODS = 4
PEER_LABELS = {
    "esda": "esda Moran_Local per period (warm)",
    "pygeoda complete": "pygeoda local_moran (complete), 1 thread",
    "pygeoda lookup-table": "pygeoda local_moran (lookup-table), 1 thread",
}


def _scaling_rows(quick: bool, known: dict[int, dict[str, float]] | None = None) -> list[dict]:
    """Warm time against n on rook lattices (× 4 periods), as rows and the log-log figure.

    ``known`` holds timings already measured by the other rows (side -> ``_lattice_times``).
    """
    known = known or {}
    sides = SCALING_SIDES if quick else (*SCALING_SIDES, 300)
    points = {side: known.get(side) or _lattice_times(side, SCALING_PERIODS) for side in sides}
    rows = []
    for side, times in points.items():
        size = f"{side}x{side} rook lattice ({side * side} regions) x {SCALING_PERIODS} periods"
        for key, label in PEER_LABELS.items():
            if key in times:
                rows.append(_row("scaling: LISA 999 perms (warm)", size, times["ours"], label, times[key]))
    _figure(points)
    return rows


def _slope(n: np.ndarray, secs: np.ndarray) -> float:
    """Log-log slope of time against n over the larger half of the sizes (at least two)."""
    k = max(2, (len(n) + 1) // 2)
    return float(np.polyfit(np.log(n[-k:]), np.log(secs[-k:]), 1)[0])


def _figure(points: dict[int, dict[str, float]]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sides = sorted(points)
    n = np.array([s * s for s in sides], dtype=float)
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    series = {
        "ours": ("o-", "spatialcoupling LocalMoran"),
        "esda": ("s-", "esda Moran_Local per period (warm)"),
        "pygeoda complete": ("^-", "pygeoda local_moran, complete, 1 thread"),
        "pygeoda lookup-table": ("v--", "pygeoda local_moran, lookup-table, 1 thread"),
    }
    for key, (style, label) in series.items():
        if all(key in points[s] for s in sides):
            secs = np.array([points[s][key] for s in sides])
            ax.loglog(n, secs, style, label=f"{label} (slope {_slope(n, secs):.2f})")
    ax.set_xlabel(f"regions n (rook lattice, {SCALING_PERIODS} periods)")
    ax.set_ylabel("seconds (warm, best of repeats)")
    ax.set_title(f"Local Moran, {PERMUTATIONS} permutations: time against n")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    out = HERE / "results" / "lisa_scaling.png"
    out.parent.mkdir(exist_ok=True)
    fig.savefig(out, dpi=150)
    plt.close(fig)
    return out


def _china_rows() -> list[dict]:
    path = HERE / "build_china_counties.py"
    if not path.exists():
        return []
    spec = importlib.util.spec_from_file_location("build_china_counties", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        gdf = module.load_china_counties()
    except Exception as err:  # optional data set: report and go on
        print(f"china counties skipped: {err}", file=sys.stderr)
        return []
    import libpysal

    gdf = gdf.reset_index(drop=True)
    w = libpysal.weights.Queen.from_dataframe(gdf, use_index=True, silence_warnings=True)
    periods = 16
    values = _values(w.n, periods, seed=3)
    s = _series(w.id_order, values)
    size = f"{w.n} China counties x {periods} periods"
    ours = _ours(w, s)
    rows = [_row("LISA 999 perms (warm)", size, ours, "esda Moran_Local per period (warm)", _esda_loop(w, values))]
    for method, secs in _pygeoda_loop(gdf, values, kind="queen").items():
        rows.append(_row("LISA 999 perms (warm)", size, ours, f"pygeoda local_moran ({method}), 1 thread", secs))
    return rows


def _cold_start_rows() -> list[dict]:
    with_libpysal = """
        import time
        t0 = time.perf_counter()
        import libpysal
        t1 = time.perf_counter()
        import numpy as np, pandas as pd
        import spatialcoupling as sc
        w = libpysal.weights.lat2W(1, 31)
        rng = np.random.default_rng(0)
        s = pd.DataFrame(rng.normal(size=(31, 16)), index=w.id_order, columns=range(2009, 2025)).stack()
        sc.LocalMoran(w, permutations=999, seed=1).fit(s)
        t2 = time.perf_counter()
        print(t1 - t0, t2 - t1)
    """
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(with_libpysal)], check=True, capture_output=True, text=True
    )
    total = time.perf_counter() - start
    lib_s, ours_s = (float(v) for v in out.stdout.split())
    provinces = """
        import warnings
        warnings.simplefilter("ignore")
        import numpy as np, pandas as pd
        import spatialcoupling as sc
        w = sc.spatial_weights(sc.datasets.load("china_provinces"), kind="queen")
        rng = np.random.default_rng(0)
        s = pd.DataFrame(rng.normal(size=(w.n, 16)), index=w.id_order, columns=range(2009, 2025)).stack()
        sc.LocalMoran(w, permutations=999, seed=1).fit(s)
    """
    # three fresh processes: the first, and the slowest of all three (the target holds for every run)
    times = [_fresh_seconds(provinces) for _ in range(3)]
    return [
        _row(
            "cold start, the user's path: bundled provinces + queen W + LocalMoran (first run)",
            "31 x 16, 999 perms",
            times[0],
            "target",
            2.0,
        ),
        _row("cold start, the user's path (slowest of 3 runs)", "31 x 16, 999 perms", max(times), "target", 2.0),
        _row(
            "cold start: python + import spatialcoupling + LocalMoran (excl. import libpysal)",
            "31 x 16, 999 perms",
            total - lib_s,
            "target",
            2.0,
        ),
        _row("cold start incl. import libpysal (needed for a W)", "31 x 16, 999 perms", total, "target", 2.0),
        _row("in-process: import spatialcoupling + fit (after libpysal)", "31 x 16, 999 perms", ours_s, "target", 2.0),
    ]


def _fresh_seconds(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", textwrap.dedent(code)], check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def _row(task: str, size: str, ours: float, peer: str, peer_s: float) -> dict:
    return {"task": task, "size": size, "ours_s": ours, "peer": peer, "peer_s": peer_s, "ratio": peer_s / ours}


def run(quick: bool = True) -> list[dict]:
    """Benchmark rows: quick uses a 60×60 lattice; full a 300×300 lattice and China counties.

    Both modes end with the scaling rows and ``results/lisa_scaling.png``.
    """
    rows = _cold_start_rows()
    known: dict[int, dict[str, float]] = {}
    if quick:
        rows += _lattice_rows(60, 4)
    else:
        known[300] = _lattice_times(300, SCALING_PERIODS)
        rows += _lattice_rows(300, SCALING_PERIODS, times=known[300])
        china = _china_rows()
        # without the county boundaries: a county-sized queen lattice (2,809 regions) x 16 periods
        rows += china or _lattice_rows(53, 16, rook=False, cold=False)
    rows += _scaling_rows(quick, known)
    return rows


if __name__ == "__main__":
    result = run(quick="--full" not in sys.argv)
    frame = pd.DataFrame(result)
    with pd.option_context("display.width", 200, "display.max_colwidth", 70):
        print(frame.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
