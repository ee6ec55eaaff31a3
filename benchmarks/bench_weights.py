"""Full inverse-distance weights without a cutoff: one dense numpy pass against libpysal.

``spatial_weights(kind="inverse_distance")`` without ``cutoff`` makes every pair of regions
neighbours with weight ``1/d``. It computes the dense great-circle distance matrix in one numpy
pass. Peer: libpysal's ``DistanceBand.from_array(binary=False, alpha=-1, radius=R)`` with a band
wider than every distance (20,000 km, about half the circumference, the most libpysal takes: the
way to ask it for the same matrix), on the same points
(the centroid of each region's largest polygon part). Both include building the weights object;
``max_rel_diff`` is the largest relative difference between the two matrices.

Regions are small squares around random points in China's longitude/latitude box (seeded),
n = 500 and 1,000 (quick) and 2,848 (``--full``: the number of Chinese counties). Timings take
the best of a few repeats with BLAS limited to one thread.

Usage: ``python benchmarks/bench_weights.py [--full]`` writes
``benchmarks/results/spatial_weights.md``; ``benchmarks/run.py`` calls :func:`run`.
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import spatialcoupling as sc
from spatialcoupling.regions import distance_points
from spatialcoupling.spatialweights import EARTH_RADIUS_KM

HERE = Path(__file__).resolve().parent


def regions(n: int, seed: int = 0):
    """``n`` squares of 0.02° around random points in 73–135°E, 18–53°N (EPSG:4326)."""
    import geopandas as gpd
    from shapely import box

    rng = np.random.default_rng(seed)
    lon = rng.uniform(73, 135, n)
    lat = rng.uniform(18, 53, n)
    geoms = box(lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01)
    return gpd.GeoDataFrame({"id": [f"c{i:04d}" for i in range(n)]}, geometry=geoms, crs=4326).set_index("id")


def _best(func, repeats: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - start)
    return best, out


def _libpysal(frame) -> object:
    from libpysal.weights import DistanceBand

    points = distance_points(frame)
    xy = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return DistanceBand.from_array(
            xy,
            threshold=20_000.0,
            binary=False,
            alpha=-1.0,
            radius=EARTH_RADIUS_KM,
            ids=list(frame.index),
            silence_warnings=True,
        )


def run(quick: bool = True) -> list[dict]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with scipy's stack
        from contextlib import nullcontext as threadpool_limits  # type: ignore[assignment]

    rows = []
    with threadpool_limits(1):
        for n in (500, 1_000) if quick else (500, 1_000, 2_848):
            frame = regions(n)
            ours, w = _best(lambda f=frame: sc.spatial_weights(f, kind="inverse_distance", standardize=None), 3)
            peer, ref = _best(lambda f=frame: _libpysal(f), 1 if n > 1_000 else 2)
            a = w.sparse.toarray()
            b = ref.sparse.toarray()
            diff = float(np.max(np.abs(a - b) / np.where(b > 0, b, 1.0)))
            rows.append(
                {
                    "task": "inverse_distance weights, no cutoff (lon/lat)",
                    "size": n,
                    "ours_s": ours,
                    "peer": "libpysal DistanceBand (band > every distance)",
                    "peer_s": peer,
                    "ratio": peer / ours,
                    "max_rel_diff": diff,
                }
            )
    return rows


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="also n = 2,848")
    args = parser.parse_args(argv)
    table = pd.DataFrame(run(quick=not args.full))
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    header = (
        "# Full inverse-distance weights: spatialcoupling against libpysal\n\n"
        f"Machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}; "
        f"mode: {'full' if args.full else 'quick'}; made by benchmarks/bench_weights.py. Times in seconds; "
        "ratio = peer / ours.\n\n"
    )
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    for row in table.itertuples(index=False):
        lines.append("| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row) + " |")
    (out / "spatial_weights.md").write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    print(table.to_string(index=False))
    return table


if __name__ == "__main__":
    main()
