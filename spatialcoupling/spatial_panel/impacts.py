"""Direct, indirect and total effects of the regressors of a spatial panel model.

LeSage & Pace (2009, ch. 2): for the SAR, SDM and SAC, ``S_k = (I − ρW)⁻¹(β_k I + θ_k W)``
(θ = 0 without lagged regressors); the direct effect is the mean diagonal of ``S_k``, the total
effect its mean row sum and the indirect effect the difference. They are evaluated exactly from
``tr((I − ρW)⁻¹)`` and ``tr((I − ρW)⁻¹W)`` (see :class:`~spatialcoupling.spatial_panel._logdet.LogDet`).
Their standard errors, z statistics, p-values and 95% intervals come from ``draws`` simulations
of the estimated distribution of (β, θ, ρ), seeded; draws of ρ outside its admissible interval
are discarded and replaced, up to a bounded number of batches (:data:`IMPACT_ROUNDS`), after which
the standard errors are NaN and a note says why.

For the SLX and SDEM the impacts are β (direct) and θ (indirect), with exact standard errors.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._progress import counter
from ._logdet import LogDet, SeedLike

__all__ = ["IMPACT_COLUMNS", "IMPACT_ROUNDS", "exact_impacts", "simulated_impacts"]

#: at most this many batches of ``draws`` simulations are made for the impacts
IMPACT_ROUNDS = 20
#: columns of an impacts table (indexed by variable and effect)
IMPACT_COLUMNS = ("estimate", "std_error", "z", "p_value", "ci_lower", "ci_upper")


def exact_impacts(variables: list[str], params: pd.Series, cov: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Impacts of the SLX and SDEM: β (direct), θ (indirect), β + θ (total) with exact standard errors."""
    rows = []
    for v in variables:
        for effect, weights in (
            ("direct", {v: 1.0}),
            ("indirect", {f"W_{v}": 1.0}),
            ("total", {v: 1.0, f"W_{v}": 1.0}),
        ):
            g = pd.Series(0.0, index=params.index)
            for name, wgt in weights.items():
                g[name] = wgt
            value, se = float(g @ params), float(np.sqrt(g @ cov @ g))
            rows.append(_impact_row(v, effect, value, se, value - 1.96 * se, value + 1.96 * se))
    notes = ["impacts of the SLX/SDEM model: direct = β, indirect = θ, with exact standard errors"]
    return _impact_frame(rows), notes


def simulated_impacts(
    *,
    variables: list[str],
    lagged_x: bool,
    params: pd.Series,
    cov: pd.DataFrame,
    draws: int,
    seed: SeedLike,
    logdet: LogDet,
    row_standardised: bool,
    check: Callable[[str], None],
) -> tuple[pd.DataFrame, list[str]]:
    """Impacts of the SAR, SDM and SAC with simulated inference.

    Parameters
    ----------
    variables : list of str
        The regressors (columns of X).
    lagged_x : bool
        Whether the model has lagged regressors ``W_<x>`` (SDM).
    params, cov : Series, DataFrame
        The estimates and their covariance (names ``x``, ``W_x``, ``rho``).
    draws : int
        Simulations wanted.
    seed : int or SeedSequence
        Seed of the simulations.
    logdet : LogDet
        The log-determinant object of the fit (admissible interval, traces, solver).
    row_standardised : bool
        Whether every row of W sums to one (total effects are then ``(β + θ)/(1 − ρ)``).
    check : callable
        Called with the stage name at every batch (the time limit of the fit).

    Returns
    -------
    (DataFrame, list of str)
        The impacts table indexed by (variable, effect) and the notes of the computation.
    """
    notes: list[str] = []
    names = [*variables, *([f"W_{v}" for v in variables] if lagged_x else []), "rho"]
    mean, V = params[names].to_numpy(), cov.loc[names, names].to_numpy()
    tick = counter("impacts simulation", 3)  # the draws, the traces at every draw, the effects
    rng = np.random.default_rng(seed)
    lo, hi = logdet.bounds()
    kept, made = [], 0
    for _ in range(IMPACT_ROUNDS):  # draws of rho outside the admissible interval are discarded
        check("simulation of the impacts")
        new = rng.multivariate_normal(mean, V, size=draws, method="cholesky")
        made += draws
        kept.append(new[(new[:, -1] > lo) & (new[:, -1] < hi)])
        if sum(len(k) for k in kept) >= draws:
            break
    sims = np.vstack(kept)[:draws]
    tick(f"{draws} draws")
    simulated = len(sims) >= draws
    if not simulated:
        msg = (
            f"impacts: only {len(sims)} of {made} simulated draws of rho fell inside its admissible interval "
            f"({lo:.4g}, {hi:.4g}) (rho = {mean[-1]:.4g}, s.e. {np.sqrt(V[-1, -1]):.3g}): rho is poorly identified, "
            "so the impacts' standard errors and intervals are not computed (NaN)"
        )
        warnings.warn(msg, RuntimeWarning, stacklevel=5)
        notes.append(msg)
        sims = sims[:0]
    rhos = np.r_[mean[-1], sims[:, -1]]
    m1, m2, how = logdet.impact_traces(rhos)
    k = len(variables)
    beta = np.vstack([mean[:k], sims[:, :k]])
    theta = np.vstack([mean[k : 2 * k], sims[:, k : 2 * k]]) if lagged_x else np.zeros_like(beta)
    direct = beta * m1[:, None] + theta * m2[:, None]
    factor, factor_notes = _row_sum_factor(logdet, rhos, row_standardised)
    notes += factor_notes
    tick("traces")
    total = (beta + theta) * factor[:, None]
    indirect = total - direct
    rows = []
    for j, v in enumerate(variables):
        for effect, values in (("direct", direct[:, j]), ("indirect", indirect[:, j]), ("total", total[:, j])):
            tail = values[1:]
            if simulated:
                lo_q, hi_q = np.percentile(tail, [2.5, 97.5])
                se = float(np.std(tail, ddof=1))
            else:
                lo_q = hi_q = se = np.nan
            rows.append(_impact_row(v, effect, float(values[0]), se, lo_q, hi_q))
    tick("effects")
    if simulated:
        notes.append(
            f"impacts: traces {how}; standard errors and 95% intervals from {draws} draws of the "
            f"estimated parameter distribution (seed {_seed_text(seed)})"
        )
    return _impact_frame(rows), notes


def _seed_text(seed: SeedLike) -> str:
    return str(seed.entropy) if isinstance(seed, np.random.SeedSequence) else str(seed)


def _row_sum_factor(logdet: LogDet, rhos: np.ndarray, row_standardised: bool) -> tuple[np.ndarray, list[str]]:
    """Mean row sum of (I − ρW)⁻¹ (times W for the lagged term, equal when W is row-standardised)."""
    if row_standardised:
        return 1 / (1 - rhos), []
    ones = np.ones(logdet.n)
    out = np.array([logdet.solver(r)(ones).mean() for r in rhos])
    return out, ["W is not row-standardised: total effects use the mean row sum of (I − ρW)⁻¹ for β and θ alike"]


def _impact_row(variable: str, effect: str, value: float, se: float, lo: float, hi: float) -> dict[str, Any]:
    z = value / se if se > 0 else np.nan  # NaN for a NaN or zero standard error
    return {
        "variable": variable,
        "effect": effect,
        "estimate": value,
        "std_error": se,
        "z": z,
        "p_value": float(2 * stats.norm.sf(abs(z))),
        "ci_lower": float(lo),
        "ci_upper": float(hi),
    }


def _impact_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows).set_index(["variable", "effect"])
