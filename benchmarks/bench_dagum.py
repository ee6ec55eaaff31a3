"""Dagum Gini decomposition: the sorted/cumulative-sum algorithm against forming every pair.

Peer: a straightforward pairwise implementation written below — the overall Gini
from all n² absolute differences and, for every group and pair of groups, the
block of differences, as Dagum's definitions read and as common scripts compute
them. It is vectorised with numpy broadcasting (in row chunks, to bound memory),
so it is the fastest form of the O(n²) approach, not a Python double loop.

Rows: n = 1k, 2k, 5k, 10k in 10 groups (ratio = pairwise time / our time, with the
largest relative difference between the two results), then our time alone at
n = 100,000 (quick and full; ``max_rel_diff`` there is the larger of the
difference of G from PySAL's ``inequality`` Gini and the residual of
G = Gw + Gnb + Gt) and, with ``--full``, the scaling up to n = 1,000,000
with a log-log figure ``benchmarks/results/dagum_scaling.png``. Timings take the
best of a few repeats with BLAS limited to one thread.

Usage: ``python benchmarks/bench_dagum.py [--full]``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from spatialcoupling.inequality import DagumGini, dagum_decomposition

HERE = Path(__file__).resolve().parent
K = 10


def pairwise_dagum(y: np.ndarray, g: np.ndarray, chunk: int = 2000) -> dict[str, float]:
    """G, Gw, Gnb, Gt by forming every pair of observations (O(n²) time)."""
    n, mu = y.size, y.mean()

    def abs_sum(a, b):
        return sum(np.abs(a[i : i + chunk, None] - b[None, :]).sum() for i in range(0, a.size, chunk))

    def pos_sum(a, b):
        return sum(np.maximum(a[i : i + chunk, None] - b[None, :], 0).sum() for i in range(0, a.size, chunk))

    G = abs_sum(y, y) / (2 * n * n * mu)
    labels = np.unique(g)
    members = [y[g == lab] for lab in labels]
    means = np.array([m.mean() for m in members])
    order = np.argsort(-means)
    Gw = Gnb = Gt = 0.0
    for j in range(labels.size):
        a = members[j]
        gjj = abs_sum(a, a) / (2 * a.size**2 * means[j])
        Gw += gjj * (a.size / n) * (a.size * means[j] / (n * mu))
    for x, j in enumerate(order):
        for h in order[x + 1 :]:
            a, b = members[j], members[h]
            total = abs_sum(a, b)
            d = pos_sum(a, b) / (a.size * b.size)
            p = pos_sum(b, a) / (a.size * b.size)
            gjh = total / (a.size * b.size * (means[j] + means[h]))
            D = (d - p) / (d + p) if d + p > 0 else 0.0
            w = (a.size / n) * (b.size * means[h] / (n * mu)) + (b.size / n) * (a.size * means[j] / (n * mu))
            Gnb += gjh * w * D
            Gt += gjh * w * (1 - D)
    return {"G": G, "Gw": Gw, "Gnb": Gnb, "Gt": Gt}


def _pysal_gini(y: np.ndarray) -> float:
    """The plain Gini from PySAL's ``inequality`` package (an O(n log n) formula), if installed."""
    try:
        from inequality.gini import Gini
    except ImportError:  # pragma: no cover - bench extra not installed
        return float("nan")
    return float(Gini(y).g)


def _data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    g = rng.integers(0, K, n)
    y = rng.lognormal(0.1 * g, 0.6)  # groups with different levels
    return y, g


def _series(y: np.ndarray, g: np.ndarray) -> tuple[pd.Series, pd.Series]:
    regions = np.arange(y.size)
    idx = pd.MultiIndex.from_arrays([regions, np.zeros(y.size, dtype=int)], names=["region", "period"])
    return pd.Series(y, index=idx), pd.Series(g, index=regions)


def _best(func, repeats: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - start)
    return best, out


def run(quick: bool = True) -> list[dict]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with scipy's stack
        from contextlib import nullcontext as threadpool_limits  # type: ignore[assignment]
    rows: list[dict] = []
    with threadpool_limits(1):
        for n in (1_000, 2_000, 5_000, 10_000):
            y, g = _data(n)
            ours, res = _best(lambda y=y, g=g: dagum_decomposition(y, g), 5)
            peer, ref = _best(lambda y=y, g=g: pairwise_dagum(y, g), 3 if n <= 2_000 else 1)
            diff = max(abs(res[k] - ref[k]) / abs(ref[k]) for k in ("G", "Gw", "Gnb", "Gt"))
            rows.append(
                {
                    "task": f"Dagum decomposition, {K} groups (arrays)",
                    "size": n,
                    "ours_s": ours,
                    "peer": "pairwise numpy O(n^2)",
                    "peer_s": peer,
                    "ratio": peer / ours,
                    "max_rel_diff": diff,
                }
            )
            series, groups = _series(y, g)
            fit_s, _ = _best(lambda s=series, gr=groups: DagumGini(gr).fit(s), 3)
            rows.append(
                {
                    "task": f"DagumGini.fit, {K} groups (pandas in/out)",
                    "size": n,
                    "ours_s": fit_s,
                    "peer": "pairwise numpy O(n^2)",
                    "peer_s": peer,
                    "ratio": peer / fit_s,
                }
            )
        sizes = (100_000,) if quick else (20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000)
        for n in sizes:
            y, g = _data(n, seed=1)
            ours, res = _best(lambda y=y, g=g: dagum_decomposition(y, g), 3)
            # checks without pairs: G against PySAL's Gini, and G = Gw + Gnb + Gt
            check = abs(res["G"] - _pysal_gini(y)) / res["G"]
            check = max(check, abs(res["Gw"] + res["Gnb"] + res["Gt"] - res["G"]) / res["G"])
            rows.append(
                {
                    "task": f"Dagum decomposition, {K} groups (arrays)",
                    "size": n,
                    "ours_s": ours,
                    "peer": "-",
                    "peer_s": np.nan,
                    "ratio": np.nan,
                    "max_rel_diff": check,
                }
            )
            series, groups = _series(y, g)
            fit_s, _ = _best(lambda s=series, gr=groups: DagumGini(gr).fit(s), 2)
            rows.append(
                {
                    "task": f"DagumGini.fit, {K} groups (pandas in/out)",
                    "size": n,
                    "ours_s": fit_s,
                    "peer": "target 1 s",
                    "peer_s": 1.0,
                    "ratio": 1.0 / fit_s,
                }
            )
        # a seed-study-sized bootstrap: 30 regions in 8 zones, 16 years, 999 replicates
        rng = np.random.default_rng(2)
        regions = [f"r{i}" for i in range(30)]
        idx = pd.MultiIndex.from_product([regions, range(2009, 2025)], names=["region", "period"])
        series = pd.Series(rng.uniform(0.2, 0.8, len(idx)), index=idx)
        zones = {r: i % 8 for i, r in enumerate(regions)}
        boot_s, _ = _best(lambda: DagumGini(zones, bootstrap=999, seed=1).fit(series), 1)
        rows.append(
            {
                "task": "DagumGini bootstrap=999, 8 zones, 16 periods",
                "size": "30 x 16",
                "ours_s": boot_s,
                "peer": "-",
                "peer_s": np.nan,
                "ratio": np.nan,
            }
        )
    if not quick:
        _figure(rows)
    return rows


def _figure(rows: list[dict]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = pd.DataFrame(rows)
    frame = frame[pd.to_numeric(frame["size"], errors="coerce").notna()].copy()
    frame["size"] = frame["size"].astype(float)
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    arrays = frame[frame["task"].str.contains("arrays")].sort_values("size")
    fits = frame[frame["task"].str.contains("fit")].sort_values("size")
    peer = frame[frame["peer"].str.startswith("pairwise")].drop_duplicates("size").sort_values("size")
    ax.loglog(arrays["size"], arrays["ours_s"], "o-", label="sorted + cumulative sums (arrays)")
    ax.loglog(fits["size"], fits["ours_s"], "s-", label="DagumGini.fit (pandas in/out)")
    ax.loglog(peer["size"], peer["peer_s"], "^-", label="pairwise numpy, O(n²)")
    # extrapolate the pairwise time with slope 2
    if len(peer):
        n0, t0 = peer["size"].iloc[-1], peer["peer_s"].iloc[-1]
        xs = np.array([n0, arrays["size"].max()])
        ax.loglog(
            xs,
            t0 * (xs / n0) ** 2,
            "^:",
            color=ax.lines[-1].get_color(),
            alpha=0.6,
            label="pairwise, extrapolated n²",
        )
    ax.axhline(1.0, color="0.6", lw=0.8, ls="--")
    ax.set_xlabel(f"observations n ({K} groups)")
    ax.set_ylabel("seconds (one core, best of repeats)")
    ax.set_title("Exact Dagum Gini decomposition: time against n")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    out = HERE / "results" / "dagum_scaling.png"
    out.parent.mkdir(exist_ok=True)
    fig.savefig(out, dpi=150)
    plt.close(fig)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="scaling up to n = 1,000,000 and the figure")
    args = parser.parse_args()
    rows = run(quick=not args.full)
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 160, "display.max_colwidth", 48):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    main()
