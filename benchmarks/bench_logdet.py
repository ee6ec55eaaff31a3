"""Repeated spatial panel fits on one weights matrix: what keeping W's algebra between fits saves.

Data: the about 2,850 Chinese counties of ``build_china_counties.py`` (a 53×53 queen lattice without
the county layer) with the SYNTHETIC 16-period panel of ``simulate_panel``; D of the coupling model
under five indicator weightings; for each, the absolute β of a two-way SAR panel (``draws=0``, no
model-choice tests: the robustness grid's default β), on queen and on inverse-distance weights
(150 km; about 40 neighbours).

Rows, per weights matrix, five fits each:

- ``lu`` with the cache emptied before every fit (every fit builds everything from W, as before the
  cache);
- ``lu`` with the cache kept (exact LU at every evaluation; shared: the last LU, the values already
  computed, the region order);
- ``interpolated`` with the cache kept (the pieces of the interpolated log-determinant are built by
  the first fits and reused), and the largest difference of β and ρ from the ``lu`` fits;
- the block solve behind the stochastic trace ``tr(G'G)`` (256 probes): SuperLU's ``solve`` against
  triangular solves of its factors, same factorisation.

Run: ``python benchmarks/bench_logdet.py`` (writes ``benchmarks/results/logdet.md``).

``python benchmarks/bench_logdet.py --grid K`` instead fits one two-way SAR (the data of
``bench_scale.pipeline_rows``) on a K × K queen lattice with ``logdet="lu"`` and with
``logdet="interpolated"``, each in a fresh process (nothing cached), alternating, best of ``--repeat``;
it counts the sparse LU factorisations and writes ``benchmarks/results/logdet_grid.md``: whether the
interpolated method pays for one fit on a large W (the choice of ``logdet="auto"``).
"""

from __future__ import annotations

import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _setup():
    from bench_drivers import _geography

    import spatialcoupling as sc
    from spatialcoupling.datasets.simulate import china_demo_system, simulate_panel

    regions, label = _geography(False)
    pts = regions.geometry.representative_point()
    if regions.crs is None:
        scale = 15.0 / np.sqrt(len(regions))
        coords = {i: (100 + p.x * scale, 25 + p.y * scale) for i, p in zip(regions.index, pts, strict=True)}
    else:
        coords = {i: (p.x, p.y) for i, p in zip(regions.index, pts, strict=True)}
    panel = sc.read_panel(simulate_panel(coords, seed=1), region="region", period="period")
    system = china_demo_system()
    weights = {
        "queen": sc.spatial_weights(regions, kind="queen", islands="nearest"),
        "inverse distance": sc.spatial_weights(regions, kind="inverse_distance", cutoff=(150 if regions.crs else 350)),
    }
    from spatialcoupling.drivers.robustness import default_weightings

    Ds = []
    for weighting in default_weightings().values():
        scores = weighting.fit(panel, system)
        Ds.append(sc.CouplingCoordination(contributions={"MS": 0.4, "AM": 0.6}).fit(scores).D)
    return f"{len(regions)} {label} x 16", weights, Ds


def main() -> None:
    warnings.simplefilter("ignore")
    import scipy.sparse as sp

    import spatialcoupling as sc
    from spatialcoupling._weights import as_weights
    from spatialcoupling.spatial_panel import _logdet

    load = os.getloadavg()[0]
    size, weights, Ds = _setup()
    rows = []

    def fits(w, logdet: str, clear: bool):
        out, wall, cpu = [], 0.0, 0.0
        _logdet.clear_cache()
        for D in Ds:
            if clear:
                _logdet.clear_cache()
            start, c0 = time.perf_counter(), time.process_time()
            res = sc.BetaConvergence(model="sar", effects="twoway", draws=0, tests=False, logdet=logdet).fit(D, w=w)
            wall += time.perf_counter() - start
            cpu += time.process_time() - c0
            out.append([res.beta, res.params["rho"]])
        return wall, cpu, np.array(out)

    for name, w in weights.items():
        base = None
        for logdet, clear, label in (
            ("lu", True, "lu, cache emptied before every fit"),
            ("lu", False, "lu, cache kept"),
            ("interpolated", False, "interpolated, cache kept"),
        ):
            wall, cpu, values = fits(w, logdet, clear)
            base = values if base is None else base
            diff = float(np.max(np.abs(values - base)))
            rows.append((f"5 two-way SAR β fits, {name} W: {label}", wall, cpu, diff))
            print(rows[-1], flush=True)
        W = sp.csr_matrix(as_weights(w).sparse, dtype=float)
        algebra = _logdet.algebra_of(W)
        probes = np.random.default_rng(0).choice([-1.0, 1.0], size=(W.shape[0], _logdet.PROBES))
        lu = algebra.lu(0.3)
        start, c0 = time.perf_counter(), time.process_time()
        a = lu.solve(probes)
        rows.append(
            (
                f"solve (I - 0.3W) X = 256 probes, {name} W: SuperLU solve",
                time.perf_counter() - start,
                time.process_time() - c0,
                0.0,
            )
        )
        start, c0 = time.perf_counter(), time.process_time()
        b = algebra.solve(0.3, probes)
        rows.append(
            (
                f"solve (I - 0.3W) X = 256 probes, {name} W: triangular solves of the factors",
                time.perf_counter() - start,
                time.process_time() - c0,
                float(np.max(np.abs(a - b))),
            )
        )
        print(rows[-2], rows[-1], flush=True)
    lines = [
        (
            f"Machine: {platform.machine()}, CPython {platform.python_version()}, {os.cpu_count()} cores, load "
            f"average at the start {load:.1f}, at the end {os.getloadavg()[0]:.1f} (shared machine: wall > CPU "
            f"under load); {size}"
        ),
        "",
        "| task | wall_s | cpu_s | largest difference from the first row of the block |",
        "|---|---|---|---|",
    ]
    lines += [f"| {t} | {w:.3f} | {c:.3f} | {d:.2e} |" for t, w, c, d in rows]
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "logdet.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


_GRID_FIT = """
import json, sys, time, warnings
sys.path.insert(0, {here!r})
import numpy as np, pandas as pd
from threadpoolctl import threadpool_limits
import scipy.sparse.linalg as sla
import spatialcoupling as sc
from spatialcoupling.spatial_panel import _logdet
from bench_scale import lattice
calls = []
real = sla.splu
def counted(*args, **kwargs):
    calls.append(1)
    return real(*args, **kwargs)
_logdet.sla.splu = counted
k, T = {k}, 10
grid = lattice(k)
n = k * k
rng = np.random.default_rng(0)
idx = pd.MultiIndex.from_product([list(grid.index), range(2010, 2010 + T)], names=["region", "period"])
y = pd.Series(rng.lognormal(0.0, 0.3, size=n * T), index=idx, name="y")
X = pd.DataFrame({{"x1": rng.normal(size=n * T), "x2": rng.normal(size=n * T)}}, index=idx)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    w = sc.spatial_weights(grid, kind="queen")
with threadpool_limits(1):
    start = time.perf_counter()
    res = sc.SpatialPanel("sar", "twoway", logdet={method!r}).fit(y, X, w)
    secs = time.perf_counter() - start
print(json.dumps({{"s": secs, "lu": len(calls), "rho": float(res.params["rho"])}}))
"""


def grid(k: int, repeat: int) -> None:
    """One two-way SAR on a k × k queen lattice, ``lu`` against ``interpolated`` in fresh processes."""
    import json
    import subprocess

    load = os.getloadavg()[0]
    best: dict[str, dict] = {}
    for _ in range(repeat):
        for method in ("lu", "interpolated"):
            code = _GRID_FIT.format(here=str(HERE), k=k, method=method)
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            got = json.loads(out.stdout.strip().splitlines()[-1])
            print(method, got, flush=True)
            if method not in best or got["s"] < best[method]["s"]:
                best[method] = got
    lu, interp = best["lu"], best["interpolated"]
    lines = [
        f"# One two-way SAR (Lee–Yu) on a {k} × {k} queen lattice × 10 periods: `lu` against `interpolated`",
        "",
        (
            f"Machine: {platform.machine()}, CPython {platform.python_version()}, {os.cpu_count()} cores, BLAS one "
            f"thread; load at the start {load:.1f}, at the end {os.getloadavg()[0]:.1f}; each fit in a fresh "
            f"process (nothing cached), best of {repeat}; made by `bench_logdet.py --grid {k}`."
        ),
        "",
        "| logdet | s | LU factorisations | rho |",
        "|---|---|---|---|",
        f"| lu | {lu['s']:.2f} | {lu['lu']} | {lu['rho']:.12g} |",
        f"| interpolated | {interp['s']:.2f} | {interp['lu']} | {interp['rho']:.12g} |",
        "",
        f"Ratio interpolated / lu: {interp['s'] / lu['s']:.2f} (time), {interp['lu'] / lu['lu']:.2f} (factorisations).",
        "",
    ]
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "logdet_grid.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--grid", type=int, default=None, help="one SAR fit on a K x K lattice: lu vs interpolated")
    parser.add_argument("--repeat", type=int, default=1, help="fresh-process fits per method with --grid")
    args = parser.parse_args()
    if args.grid:
        grid(args.grid, args.repeat)
    else:
        main()
