"""Significance: folded pseudo p-values, multiple-testing cut-offs and normal tails.

* The folded ("directed") pseudo p of esda and GeoDa is
  ``p = (1 + min(#{S* >= S}, #{S* <= S})) / (1 + permutations)``; a permuted value within a
  tolerance of the observed one (relative to the statistic's scale in that period) counts as
  a tie, and ties count as extreme on both sides.
* A region-period is significant when ``p <= cut-off`` (GeoDa's rule; esda uses ``p <
  alpha``). The cut-off is ``alpha`` without adjustment, ``alpha / m`` with
  ``adjust="bonferroni"`` and the Benjamini-Hochberg step-up threshold with ``adjust="fdr"``,
  where m counts the valid (non-isolated) regions of the period.
* Normal tails use :func:`math.erfc` (``scipy.stats`` is not imported for this).
"""

from __future__ import annotations

import math

import numpy as np


def _norm_sf(z: np.ndarray) -> np.ndarray:
    """Upper tail of the standard normal (math.erfc; avoids importing scipy.stats)."""
    z = np.asarray(z, dtype=float)
    return np.vectorize(lambda v: 0.5 * math.erfc(v / math.sqrt(2.0)) if np.isfinite(v) else np.nan)(z) if z.size else z


def _tail_p(z: np.ndarray, two_tailed: bool) -> np.ndarray:
    """Normal p-value of ``|z|``, doubled (and capped at 1) when ``two_tailed``."""
    p = _norm_sf(np.abs(z))
    return np.minimum(p * 2.0, 1.0) if two_tailed else p


def _fold_p(sim: np.ndarray, obs: np.ndarray, permutations: int) -> np.ndarray:
    """Folded ("directed") pseudo p of a global statistic along axis 0 of ``sim``.

    ``p = (1 + min(#{S* >= S}, #{S* <= S})) / (1 + permutations)``, where a permuted value
    within a tolerance of the observed one (relative to the statistic's scale in that
    period) counts as a tie and ties count as extreme on both sides. Without ties this is
    esda's rule; with ties (small or lattice-like data, where many permutations reproduce
    the observed value up to rounding) it does not depend on the units of the variable:
    ``y`` and ``0.001 y + 1`` get the same p.
    """
    scale = np.maximum(np.abs(obs), np.abs(sim).max(axis=0, initial=0.0))
    tol = 1e-9 * np.where(scale > 0, scale, 1.0)
    ge = (sim >= (obs - tol)[None, :]).sum(axis=0)
    le = (sim <= (obs + tol)[None, :]).sum(axis=0)
    return (np.minimum(ge, le) + 1.0) / (permutations + 1.0)


def _adjusted_significance(
    p: np.ndarray, valid: np.ndarray, alpha: float, adjust: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """Significant flags (regions × periods) and the cut-off per period.

    Parameters
    ----------
    p : ndarray
        Pseudo p-values, regions × periods.
    valid : ndarray of bool
        Which cells take part (isolated regions do not).
    alpha : float
        Significance level.
    adjust : {None, "fdr", "bonferroni"}
        Multiple-testing adjustment within each period.
    """
    sig = np.zeros(p.shape, dtype=bool)
    cut = np.full(p.shape[1], alpha)
    for t in range(p.shape[1]):  # one step-up rule per period
        ok = valid[:, t]
        m = int(ok.sum())
        if m == 0:
            cut[t] = np.nan
            continue
        pt = p[ok, t]
        if adjust == "bonferroni":
            cut[t] = alpha / m
        elif adjust == "fdr":
            ranked = np.sort(pt)
            passed = np.flatnonzero(ranked <= alpha * np.arange(1, m + 1) / m)
            cut[t] = ranked[passed[-1]] if len(passed) else alpha / m
        sig[ok, t] = pt <= cut[t] * (1 + 1e-12)
    return sig, cut
