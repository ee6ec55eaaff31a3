"""Distribution dynamics at county scale: every method on about 2,850 regions × 20 periods.

Ours, warm (imported, run once before timing, best of ``repeat``), against the peer that has the
same method, on the same values and weights:

- ``KernelDensity`` (Gaussian, Silverman, 512-point grid, every period) — scipy ``gaussian_kde``
  evaluated on the same grid per period;
- ``MarkovChain`` (pooled quintiles: counts, probabilities, steady state, first passage times, time
  homogeneity) — giddy ``Markov`` on mapclassify quintiles, with its ``steady_state`` and ``mfpt``;
- ``SpatialMarkov`` (k = m = 5: conditional matrices, LR/Q, steady states, passage times) — giddy
  ``Spatial_Markov`` with ``LR``, ``S`` and ``F`` (``fill_empty_classes=True``: without it giddy stops at the
  first lag class with a state never left);
- ``SpaceTimeLISA``: ours with 999 LISA and 999 rose permutations (no peer: giddy's
  ``LISA_Markov(permutations=999)`` takes over two minutes already at 400 regions × 10 periods); ours and
  giddy ``LISA_Markov`` (esda's local Moran per period) plus ``Rose(k=8).permute`` with 99 permutations
  each; ours reusing a fitted LISA (the study runner has one) against ``Rose.permute(999)``;
- ``GravityCentre`` (points, projection, centres, ellipses, moves, polygons) — the same points and
  projection, then pointpats ``weighted_mean_center`` and ``ellipse`` per period;
- ``RankMobility`` (τ and spatial τ): one pair of periods with 999 permutations against giddy
  ``SpatialTau(..., 999)``, and all 20 pairs with 99 (the default) and 999 permutations (giddy is not
  run on all: its one pair is scaled by the number of pairs and permutations); Kendall's τ of one
  pair against giddy ``Tau``.

Regions: ``benchmarks/build_china_counties.py``'s counties when its cache exists, otherwise a
53 × 54 queen lattice (2,862 regions) of 0.5° cells over China (the gravity centre then uses the
China projection). ``--quick`` (the default of ``run.py``) uses a 20 × 20 lattice × 10 periods.

Usage: ``python benchmarks/bench_dynamics.py [--quick]`` writes ``benchmarks/results/dynamics.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
PERMUTATIONS = 999


def _time(func, repeat: int = 3) -> float:
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def _lattice(rows: int, cols: int):
    import geopandas as gpd
    import shapely

    x0, y0, step = 80.0, 22.0, 0.5
    boxes = [
        shapely.box(x0 + j * step, y0 + i * step, x0 + (j + 1) * step, y0 + (i + 1) * step)
        for i in range(rows)
        for j in range(cols)
    ]
    return gpd.GeoDataFrame(
        geometry=boxes, index=pd.Index([f"c{k:05d}" for k in range(len(boxes))], name="region"), crs=4326
    )


def _regions(quick: bool):
    if not quick:
        try:
            sys.path.insert(0, str(HERE))
            from build_china_counties import TARGET, load_china_counties

            if TARGET.exists():
                return load_china_counties(), "China counties"
        except ImportError:
            pass
        return _lattice(53, 54), "53×54 lattice"
    return _lattice(20, 20), "20×20 lattice"


def _values(regions, periods: int) -> pd.DataFrame:
    """D-like values in (0, 1): a smooth west-east gradient, persistent region effects and noise."""
    rng = np.random.default_rng(0)
    c = regions.geometry.representative_point()
    gradient = (c.x.to_numpy() - c.x.min()) / (c.x.max() - c.x.min())
    effect = rng.normal(scale=0.08, size=len(regions))
    drift = np.linspace(0, 0.15, periods)
    noise = rng.normal(scale=0.03, size=(len(regions), periods))
    d = 0.25 + 0.4 * gradient[:, None] + effect[:, None] + drift[None, :] + noise
    return pd.DataFrame(np.clip(d, 0.01, 0.99), index=regions.index, columns=range(2005, 2005 + periods))


@dataclass
class _Case:
    """The data every benchmark of :func:`run` times on, and the row writer."""

    series: pd.Series
    wide: pd.DataFrame
    y: np.ndarray
    w: Any
    wr: Any
    regions: Any
    periods: int
    add: Callable[[str, float, str, float | None], None]


def run(quick: bool = True) -> list[dict]:
    import libpysal

    import spatialcoupling as sc

    warnings.filterwarnings("ignore")
    regions, label = _regions(quick)
    periods = 10 if quick else 20
    wide = _values(regions, periods)
    series = wide.stack()
    series.index.names = ["region", "period"]
    series.name = "D"
    w = sc.spatial_weights(regions, kind="queen", islands="nearest")
    y = wide.to_numpy()
    n = len(wide)
    size = f"{label}: {n} regions × {periods} periods"
    rows: list[dict] = []

    def add(task: str, ours: float, peer: str, peer_s: float | None) -> None:
        rows.append(
            {
                "task": task,
                "size": size,
                "ours_s": round(ours, 4),
                "peer": peer,
                "peer_s": None if peer_s is None else round(peer_s, 4),
                "ratio": None if peer_s is None else round(peer_s / ours, 2),
            }
        )
        print(rows[-1], file=sys.stderr)

    wr = libpysal.weights.W(w.neighbors, silence_warnings=True)
    wr.transform = "r"
    case = _Case(series, wide, y, w, wr, regions, periods, add)
    for bench in (_bench_density, _bench_markov, _bench_space_time, _bench_gravity, _bench_rank):
        bench(case)
    return rows


def _bench_density(case: _Case) -> None:
    """Kernel density against scipy's gaussian_kde per period."""
    from spatialcoupling.dynamics import KernelDensity

    series = case.series
    wide = case.wide
    y = case.y
    add = case.add
    kd = KernelDensity()
    kd.fit(series)
    ours = _time(lambda: kd.fit(series))

    def scipy_kde():
        from scipy.stats import gaussian_kde

        res = kd.fit(series)  # the same grid and bandwidths
        grid = res.curves.xs(wide.columns[0], level="period")["x"].to_numpy()
        t0 = time.perf_counter()
        for t, period in enumerate(wide.columns):
            x = y[:, t]
            gaussian_kde(x, bw_method=res.table.loc[period, "bandwidth"] / x.std(ddof=1))(grid)
        return time.perf_counter() - t0

    add(
        "KernelDensity (gaussian, 512 points, every period)",
        ours,
        "scipy gaussian_kde per period",
        min(scipy_kde() for _ in range(3)),
    )


def _bench_markov(case: _Case) -> None:
    """Markov chain and spatial Markov against giddy."""
    from spatialcoupling.dynamics import MarkovChain, SpatialMarkov

    series = case.series
    y = case.y
    w = case.w
    wr = case.wr
    add = case.add
    m = MarkovChain(k=5)
    m.fit(series)
    ours = _time(lambda: m.fit(series))

    def giddy_markov():
        import mapclassify as mc
        from giddy.markov import Markov

        q = mc.Quantiles(y.ravel(), k=5).yb.reshape(y.shape)
        chain = Markov(q, summary=False)
        return chain.steady_state, chain.mfpt

    giddy_markov()
    add(
        "MarkovChain (pooled quintiles, steady state, passage times)",
        ours,
        "giddy Markov + steady_state + mfpt",
        _time(giddy_markov),
    )

    # spatial Markov
    sm = SpatialMarkov(k=5)
    sm.fit(series, w)
    ours = _time(lambda: sm.fit(series, w))

    def giddy_spatial():
        from giddy.markov import Spatial_Markov

        s = Spatial_Markov(y, wr, k=5, m=5, fixed=True, fill_empty_classes=True)
        return s.LR, s.S, s.F

    add(
        "SpatialMarkov (k = m = 5, LR/Q, steady states, passage times)",
        ours,
        "giddy Spatial_Markov",
        _time(giddy_spatial, repeat=1),
    )


def _bench_space_time(case: _Case) -> None:
    """Space-time LISA against giddy's LISA_Markov and Rose."""
    import spatialcoupling as sc
    from spatialcoupling.dynamics import SpaceTimeLISA

    series = case.series
    y = case.y
    w = case.w
    wr = case.wr
    add = case.add
    st = SpaceTimeLISA(permutations=PERMUTATIONS, seed=1, rose_permutations=PERMUTATIONS)
    st.fit(series, w)
    add(
        f"SpaceTimeLISA ({PERMUTATIONS} LISA + {PERMUTATIONS} rose permutations)",
        _time(lambda: st.fit(series, w), repeat=1),
        "",
        None,
    )
    few = 99
    st99 = SpaceTimeLISA(permutations=few, seed=1, rose_permutations=few)

    def giddy_space_time(perms: int) -> None:
        from giddy.directional import Rose
        from giddy.markov import LISA_Markov

        LISA_Markov(y, wr, permutations=perms)
        Rose(y[:, [0, -1]], wr, k=8).permute(perms)

    add(
        f"SpaceTimeLISA ({few} LISA + {few} rose permutations)",
        _time(lambda: st99.fit(series, w), repeat=1),
        f"giddy LISA_Markov({few}) + Rose.permute({few})",
        _time(lambda: giddy_space_time(few), repeat=1),
    )
    lisa = sc.LocalMoran(permutations=PERMUTATIONS, seed=1).fit(series, w)

    def giddy_rose() -> None:
        from giddy.directional import Rose

        Rose(y[:, [0, -1]], wr, k=8).permute(PERMUTATIONS)

    add(
        f"SpaceTimeLISA reusing a fitted LISA ({PERMUTATIONS} rose permutations)",
        _time(lambda: st.fit(series, w, lisa=lisa)),
        f"giddy Rose.permute({PERMUTATIONS})",
        _time(giddy_rose),
    )


def _bench_gravity(case: _Case) -> None:
    """Centre of gravity against pointpats."""
    from spatialcoupling.dynamics import GravityCentre

    series = case.series
    y = case.y
    regions = case.regions
    periods = case.periods
    add = case.add
    g = GravityCentre()
    g.fit(series, regions)
    ours = _time(lambda: g.fit(series, regions))
    from pointpats.centrography import ellipse, weighted_mean_center

    from spatialcoupling.dynamics.gravity import default_crs
    from spatialcoupling.regions import distance_points

    def pointpats_loop():
        pts = distance_points(regions).to_crs(default_crs(regions))  # the same points and projection
        xy = np.column_stack([pts.x, pts.y])
        for t in range(periods):
            weighted_mean_center(xy, y[:, t])
            ellipse(xy, y[:, t], method="yuill", crimestatCorr=True, degfreedCorr=False)

    add(
        "GravityCentre (projection, centres, ellipses, moves)",
        ours,
        "pointpats centre + ellipse per period",
        _time(pointpats_loop),
    )


def _bench_rank(case: _Case) -> None:
    """Rank mobility against giddy's SpatialTau and Tau."""
    import libpysal

    from spatialcoupling.dynamics import RankMobility

    series = case.series
    wide = case.wide
    y = case.y
    w = case.w
    periods = case.periods
    add = case.add
    from giddy.rank import SpatialTau, Tau

    from spatialcoupling.dynamics._base import aligned_weights
    from spatialcoupling.dynamics.rank import spatial_tau

    sparse = aligned_weights(w, wide.index, "bench", allow_islands=True).sparse
    rng = np.random.default_rng(1)
    one = _time(lambda: spatial_tau(y[:, 0], y[:, 1], sparse, PERMUTATIONS, rng))
    wb = libpysal.weights.W(
        {i: [wide.index.get_loc(j) for j in w.neighbors[k]] for i, k in enumerate(wide.index)}, silence_warnings=True
    )
    peer = _time(lambda: SpatialTau(y[:, 0], y[:, 1], wb, PERMUTATIONS), repeat=1)
    add(f"spatial τ, one pair of periods, {PERMUTATIONS} permutations", one, "giddy SpatialTau", peer)
    for perms in (99, PERMUTATIONS):  # the default and the LISA's number
        r = RankMobility(permutations=perms, seed=1)
        allpairs = _time(lambda r=r: r.fit(series, w), repeat=1)
        add(
            f"RankMobility, all {periods} pairs, {perms} permutations",
            allpairs,
            f"giddy SpatialTau × {periods} (estimated from one pair at {PERMUTATIONS})",
            peer * periods * perms / PERMUTATIONS,
        )
    from scipy.stats import kendalltau

    add(
        "Kendall's τ, one pair",
        _time(lambda: kendalltau(y[:, 0], y[:, 1])),
        "giddy Tau",
        _time(lambda: Tau(y[:, 0], y[:, 1])),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a 20 × 20 lattice × 10 periods")
    args = parser.parse_args(argv)
    rows = run(quick=args.quick)
    table = pd.DataFrame(rows)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "# Distribution dynamics: times at county scale",
        "",
        (
            f"`python benchmarks/bench_dynamics.py{' --quick' if args.quick else ''}`; "
            "warm times in seconds (best of 3, "
            "one run for the slow peers); ratio = peer / ours (above 1: ours faster)."
        ),
        (
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average {load:.1f} at the end of the run (the machine was shared)."
        ),
        "",
        "| task | size | ours (s) | peer | peer (s) | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for row in table.itertuples(index=False):
        peer_s = "" if pd.isna(row.peer_s) else f"{row.peer_s:g}"
        ratio = "" if pd.isna(row.ratio) else f"{row.ratio:g}"
        lines.append(f"| {row.task} | {row.size} | {row.ours_s:g} | {row.peer} | {peer_s} | {ratio} |")
    lines += [
        "",
        "Notes: the SpaceTimeLISA times include fitting `sc.LocalMoran` (999 conditional permutations) unless a",
        "fitted LISA is reused; giddy's `LISA_Markov(permutations=999)` is not run (over two minutes already at",
        "400 regions × 10 periods), its 99-permutation time is the comparison. The RankMobility peer times are",
        "giddy's one pair scaled by the number of pairs and permutations. GravityCentre's peer is pointpats on",
        "the same points and projection, without the moves, the longitude/latitude of the centres and the",
        "ellipse polygons. The GravityCentre regions are 0.5° cells over China (the China Albers projection).",
    ]
    out = HERE / "results" / "dynamics.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
