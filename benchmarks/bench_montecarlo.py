"""Monte Carlo: recovery of SAR and SDM with two-way fixed effects (Lee–Yu correction).

Design: queen lattice W (``libpysal.weights.lat2W(..., rook=False)``, row-standardised) with
N = 49 (7×7), 100, 225, 400 and, with ``--full``, 500 (20×25); T = 10 periods; R replications
(quick R = 50, full R = 200), every one drawn from its own seeded stream. Per replication

    y_t = (I − ρW)⁻¹ (x_t β + W x_t θ + μ + η_t 1 + ε_t),   ε ~ N(0, σ² = 1),

with ρ = 0.4, β = 1, θ = 0.5 for SDM (θ = 0 and no W x term for SAR), μ_i ~ N(0, 1),
η_t ~ N(0, 1) and x_it = z_it + 0.5 μ_i + 0.5 η_t, z ~ N(0, 1), so that x is correlated with
both effects (pooled estimates would be biased). Each sample is estimated with
``SpatialPanel(model, "twoway", lee_yu=True, draws=0)``.

Reported per model, N and parameter (ρ, β, θ and σ²): mean bias, RMSE, the empirical standard
deviation of the estimates, the mean reported standard error, and the coverage of the 95% Wald
interval ``params ± 1.96 std_errors`` (its Monte Carlo standard error is about
sqrt(0.95·0.05/R): 0.031 for R = 50, 0.015 for R = 200). Written to
``benchmarks/results/montecarlo.csv`` and ``montecarlo.md``.

``run(quick)`` also returns one row per model and N for ``benchmarks/run.py`` (``ours_s`` = mean
seconds per fit; there is no peer).

Usage: ``python benchmarks/bench_montecarlo.py [--full]``.
"""

from __future__ import annotations

import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
T = 10
RHO, BETA, THETA, SIGMA2 = 0.4, 1.0, 0.5, 1.0
LATTICES = {49: (7, 7), 100: (10, 10), 225: (15, 15), 400: (20, 20), 500: (20, 25)}
MODELS = ("sar", "sdm")
SEED = 20240601
Z95 = 1.959963984540054


def _weights(n: int):
    import libpysal

    rows, cols = LATTICES[n]
    w = libpysal.weights.lat2W(rows, cols, rook=False)
    w.transform = "r"
    return w


def _sample(w, A_inv: np.ndarray, W: np.ndarray, model: str, rng: np.random.Generator):
    """One panel from the design above, as (y Series, X DataFrame) indexed by (region, period)."""
    n = w.n
    mu = rng.normal(size=(n, 1))
    eta = rng.normal(size=(1, T))
    x = rng.normal(size=(n, T)) + 0.5 * mu + 0.5 * eta
    eps = rng.normal(scale=np.sqrt(SIGMA2), size=(n, T))
    rhs = BETA * x + mu + eta + eps
    if model == "sdm":
        rhs = rhs + THETA * (W @ x)
    y = A_inv @ rhs
    idx = pd.MultiIndex.from_product([list(w.id_order), range(T)], names=["region", "period"])
    return pd.Series(y.ravel(), index=idx, name="y"), pd.DataFrame({"x": x.ravel()}, index=idx)


def simulate(model: str, n: int, reps: int, seed: int = SEED) -> tuple[pd.DataFrame, dict]:
    """Estimates, standard errors and σ² of ``reps`` replications; and run information."""
    from spatialcoupling.spatial_panel import SpatialPanel

    w = _weights(n)
    W = np.asarray(w.sparse.toarray())
    A_inv = np.linalg.inv(np.eye(n) - RHO * W)
    spec = SpatialPanel(model, "twoway", lee_yu=True, draws=0)
    records, boundary, seconds = [], 0, 0.0
    for r in range(reps):
        rng = np.random.default_rng([seed, MODELS.index(model), n, r])
        y, X = _sample(w, A_inv, W, model, rng)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            start = time.perf_counter()
            res = spec.fit(y, X, w)
            seconds += time.perf_counter() - start
        boundary += any("boundary" in str(c.message) for c in caught)
        rec = {"rep": r, "sigma2": res.sigma2}
        for name, value in res.params.items():
            rec[name] = value
            rec[f"se_{name}"] = res.std_errors[name]
        records.append(rec)
    return pd.DataFrame(records), {"boundary": boundary, "seconds_per_fit": seconds / reps}


def summarise(model: str, n: int, est: pd.DataFrame) -> list[dict]:
    truth = {"rho": RHO, "x": BETA, "W_x": THETA, "sigma2": SIGMA2}
    label = {"rho": "rho", "x": "beta", "W_x": "theta", "sigma2": "sigma2"}
    rows = []
    for name, true in truth.items():
        if name not in est:
            continue
        values = est[name].to_numpy()
        err = values - true
        row = {
            "model": model.upper(),
            "N": n,
            "T": T,
            "R": len(est),
            "param": label[name],
            "true": true,
            "mean": values.mean(),
            "bias": err.mean(),
            "rel_bias": err.mean() / true,
            "rmse": float(np.sqrt(np.mean(err**2))),
            "sd": values.std(ddof=1),
        }
        if f"se_{name}" in est:
            se = est[f"se_{name}"].to_numpy()
            row["mean_se"] = se.mean()
            row["se_over_sd"] = se.mean() / row["sd"]
            row["coverage95"] = float(np.mean(np.abs(err) <= Z95 * se))
        rows.append(row)
    return rows


def run(quick: bool = True) -> list[dict]:
    reps = 50 if quick else 200
    sizes = (49, 100, 225, 400) if quick else (49, 100, 225, 400, 500)
    table, harness = [], []
    for model in MODELS:
        for n in sizes:
            est, info = simulate(model, n, reps)
            rows = summarise(model, n, est)
            for row in rows:
                row["boundary_fits"] = info["boundary"]
                row["seconds_per_fit"] = info["seconds_per_fit"]
            table += rows
            by = {row["param"]: row for row in rows}
            cover = "/".join(f"{by[p]['coverage95']:.2f}" for p in ("rho", "beta", "theta") if p in by)
            names = "/".join(p for p in ("rho", "beta", "theta") if p in by)
            harness.append(
                {
                    "task": (
                        f"Monte Carlo {model.upper()} two-way Lee-Yu, R={reps}: bias rho {by['rho']['bias']:+.4f}, "
                        f"beta {by['beta']['bias']:+.4f}; 95% coverage {names} {cover}"
                    ),
                    "size": f"N={n} T={T}",
                    "ours_s": info["seconds_per_fit"],
                    "peer": "-",
                    "peer_s": np.nan,
                    "ratio": np.nan,
                }
            )
    frame = pd.DataFrame(table)
    _write(frame, quick)
    return harness


def _write(frame: pd.DataFrame, quick: bool) -> None:
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    frame.to_csv(out / "montecarlo.csv", index=False)
    header = (
        f"Monte Carlo, SAR/SDM two-way fixed effects with the Lee-Yu correction "
        f"(`benchmarks/bench_montecarlo.py`); mode: {'quick' if quick else 'full'}; "
        f"rho={RHO}, beta={BETA}, theta={THETA} (SDM), sigma2={SIGMA2}, T={T}, queen lattice, "
        f"seed {SEED}. Machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}.\n\n"
    )
    (out / "montecarlo.md").write_text(header + _markdown(frame), encoding="utf-8")


def _markdown(frame: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    run(quick="--full" not in sys.argv)
    result = pd.read_csv(HERE / "results" / "montecarlo.csv")
    cols = [
        "model",
        "N",
        "R",
        "param",
        "true",
        "bias",
        "rmse",
        "sd",
        "mean_se",
        "coverage95",
        "boundary_fits",
        "seconds_per_fit",
    ]
    with pd.option_context("display.width", 200):
        print(result[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
