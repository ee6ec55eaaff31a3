"""Inequality: exact Dagum Gini decomposition, Theil indices, Gini and coefficient of variation.

Dagum (1997) Gini decomposition by region groups
-------------------------------------------------
For a period with ``n`` regions of mean ``μ`` split into groups ``j`` with ``n_j``
members of mean ``μ_j`` (``p_j = n_j / n``, ``s_j = n_j μ_j / (n μ)``):

- ``G = Σ_i Σ_r |y_i − y_r| / (2 n² μ)`` (normalised by ``n²``, not ``n(n − 1)``,
  so that the identity below holds exactly);
- ``G_jj = Σ_{i,r ∈ j} |y_i − y_r| / (2 n_j² μ_j)`` (a group's own Gini);
- ``G_jh = Σ_{i ∈ j} Σ_{r ∈ h} |y_i − y_r| / (n_j n_h (μ_j + μ_h))``;
- ``d_jh = mean of (y_i − y_r)⁺``, ``p_jh = mean of (y_r − y_i)⁺`` over the pairs
  ``i ∈ j``, ``r ∈ h`` with ``j`` the group of the larger mean;
  ``D_jh = (d_jh − p_jh) / (d_jh + p_jh)`` (0 when ``d_jh + p_jh = 0``);
- ``G_w = Σ_j G_jj p_j s_j``, ``G_nb = Σ_{j>h} G_jh (p_j s_h + p_h s_j) D_jh``,
  ``G_t = Σ_{j>h} G_jh (p_j s_h + p_h s_j) (1 − D_jh)`` and ``G = G_w + G_nb + G_t``.

**Group order.** The method orders groups by decreasing mean; this is done
separately in every period (the ``rank`` columns, 1 = the largest mean), and in
``.between`` the first group of a pair (``group_j``) is the one with the larger
mean in that period, so ``d_jh`` is the richer group's side and ``D_jh >= 0``.
``D_jh`` is computed as ``(μ_j − μ_h) / E|Y_j − Y_h|``, which equals the
definition above and does not depend on how groups are passed in.

**Algorithm.** Tools in common use loop over all pairs of observations (O(n²)).
Here the values of a period are sorted once; walking the sorted order with, for
every group ``h``, the running count and running sum of ``h``'s members gives
``P_jh = Σ_{i ∈ j} Σ_{r ∈ h} (y_i − y_r)⁺`` for all group pairs at once, since
for sorted values ``(y_i − y_r)⁺`` is ``y_i − y_r`` for the ``r`` below ``i`` and
0 above (ties contribute 0 either way). Every term of the decomposition is a
``P_jh`` over ``n² μ``: ``G_w`` term ``P_jj / (n² μ)``, ``G_t`` term
``2 P_hj / (n² μ)`` (poorer group's side), ``G_nb`` term
``n_j n_h (μ_j − μ_h) / (n² μ)``. The cost is O(n log n + k n) time and O(n)
memory for ``k`` groups; no pair of observations is ever formed. Values are
shifted by the period's minimum before the running sums (differences do not
change), which keeps rounding error relative to the spread rather than the level.
The same code evaluates a whole batch of bootstrap replicates as the rows of one
array.

Bootstrap intervals
-------------------
``bootstrap=B`` resamples regions with replacement within each group (group sizes
kept) ``B`` times per period. **What an interval is for**: the regions of each group
are taken as a random draw from a larger population of such regions (the group's
distribution), with the groups' shares of regions fixed; the population value of a
term is the term computed on those distributions (``Δ_jh = E|Y_j − Y_h|`` in place of
the sample's mean absolute differences). The estimates stay Dagum's plug-in values
(``n²`` normalisation, so the decomposition is exact); they understate within-group
inequality in a group of ``n_j`` members by about ``1/n_j``, and the resampled Ginis
understate it once more (a resample of ``n_j`` members repeats members), which is why
percentile intervals of Gw miss their target in small groups.

The default interval, ``ci="symmetric-t"``, is the symmetric studentized bootstrap:
``θ̂ ± c·se`` with ``se`` the linearised standard error of the term and ``c`` the
``1 − alpha`` quantile of ``|θ* − θ̂| / se*`` over the replicates (``se*`` the same
standard error computed on the replicate). It contains the estimate by construction,
and the quantile absorbs the plug-in bias. ``ci="studentized"`` is the equal-tailed
bootstrap-t ``[θ̂ − t*_{1−α/2} se, θ̂ − t*_{α/2} se]`` (narrower, but the estimate can
lie outside it); ``"percentile"`` and ``"bc"`` (Efron's bias-corrected percentile) are
kept for comparison. Their coverage of the population values was measured by
simulation with the group structures of the studies (8 groups of 2–5 regions, 3 groups
of 8–11, 2,850 regions): ``benchmarks/bench_dagum_coverage.py``, results in
``benchmarks/results/dagum_coverage.md``; the notes of a result repeat the caveats
that apply to it (groups of fewer than 5 members, pairs of groups that barely
overlap). Limits are clipped to a term's range (reported) and a side without a finite
limit is left empty (NaN, reported).

The standard error is the infinitesimal jackknife for resampling within groups,
``se² = Σ_l n_l/(n_l − 1) Σ_{i ∈ l} (L_i − L̄_l)²`` with ``L_i`` the derivative of the
term with respect to the weight of region ``i``. Every term is a function of the group
sums and the ``P_jh``, so ``L_i`` is a combination of ``y_i`` and of the per-region
sums ``Σ_{r ∈ h} (y_i − y_r)⁺`` that the running sums above already produce; the
variance of every term of a replicate costs O(n k) like the terms themselves. A
replicate is evaluated as frequency weights on the period's sorted values (no sort
per replicate).

Every replicate draws from its own generator, seeded from
``numpy.random.SeedSequence(seed)`` spawned per period and per replicate, so the
numbers are the same for any ``n_jobs`` or joblib backend. The children's generator
states are computed for all replicates at once with numpy's published seeding
algorithms (the same numbers, checked against numpy in the tests), which removes
the cost of building one SeedSequence and generator per replicate.

Edge cases: negative values are rejected (error naming region and period); a
period whose values are all 0 has no Gini (error naming the period); a group whose
values are all 0 in a period has ``G_jj = 0`` by definition (reported in
``.notes``); a group of the mapping without members in a period is left out of
that period (reported); regions without a group are an error listing them; an
unbalanced panel is allowed, each period using the regions it has (reported).

Theil indices
-------------
``T = (1/n) Σ (y_i/μ) ln(y_i/μ)`` (``0 ln 0 = 0``) and the mean log deviation
``L = (1/n) Σ ln(μ/y_i)`` (needs ``y > 0``), with the exact decompositions
``T = Σ_j s_j T_j + Σ_j s_j ln(μ_j/μ)`` and ``L = Σ_j p_j L_j + Σ_j p_j ln(μ/μ_j)``.

Why this is written here: the ``inequality`` package (PySAL) has Gini and Theil
(T only, decomposition by ``TheilD``) but no Dagum decomposition and no Theil L;
its results are used as cross-checks in the tests. The Dagum implementations in
common use (R ``dineq``-style scripts, Stata/MATLAB codes) are O(n²); the benchmark
``benchmarks/bench_dagum.py`` measures the gap against a vectorised pairwise version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri, xlogy

from ._parallel import parallel_map
from ._results import Result, copied
from ._series import PERIOD, REGION, _plain, _preview, as_region_period_series

__all__ = [
    "DagumGini",
    "DagumResult",
    "TheilIndex",
    "TheilResult",
    "coefficient_of_variation",
    "dagum_decomposition",
    "gini",
    "theil",
]

# cap on (replicates × observations) evaluated in one batch, to bound memory
_BATCH_CELLS = 1 << 20
#: interval methods of DagumGini(ci=...), the default first
_CI_METHODS: tuple[str, ...] = ("symmetric-t", "studentized", "percentile", "bc")


# ---------------------------------------------------------------------------
# plain measures on a 1-D array
# ---------------------------------------------------------------------------
def _as_values(values: Any, what: str, *, positive: bool = False) -> np.ndarray:
    y = np.asarray(values, dtype=float)
    if y.ndim != 1:
        raise ValueError(f"{what}: expected a 1-D array of values, got shape {y.shape}")
    if y.size == 0:
        raise ValueError(f"{what}: no values")
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise ValueError(f"{what}: missing or infinite values at positions {_preview(bad)}")
    if positive:
        bad = np.flatnonzero(y <= 0)
        if bad.size:
            raise ValueError(
                f"{what}: values must be > 0 (a logarithm is taken); non-positive at positions {_preview(bad)}"
            )
    else:
        bad = np.flatnonzero(y < 0)
        if bad.size:
            raise ValueError(f"{what}: values must be >= 0; negative at positions {_preview(bad)}")
    if not y.mean() > 0:
        raise ValueError(f"{what}: the mean is 0 (all values are 0); the index is undefined")
    return y


def gini(values: Any) -> float:
    """Gini coefficient ``Σ_i Σ_r |y_i − y_r| / (2 n² μ)`` of non-negative values.

    Parameters
    ----------
    values : array-like, 1-D
        Non-negative values with a positive mean.

    Returns
    -------
    float
        The Gini coefficient (0 = equality; ``(n − 1)/n`` when one unit has everything).
    """
    y = _as_values(values, "gini")
    ys = np.sort(y)
    ys -= ys[0]
    n = ys.size
    ranks = 2.0 * np.arange(1, n + 1) - n - 1
    return float(ranks @ ys / (n * n * y.mean()))


def theil(values: Any, kind: Literal["T", "L"] = "T") -> float:
    """Theil's T, ``(1/n) Σ (y/μ) ln(y/μ)``, or L (mean log deviation), ``(1/n) Σ ln(μ/y)``.

    Parameters
    ----------
    values : array-like, 1-D
        Non-negative values with a positive mean (strictly positive for ``kind="L"``).
    kind : {"T", "L"}
        Which index.

    Returns
    -------
    float
    """
    if kind not in ("T", "L"):
        raise ValueError(f"kind must be 'T' or 'L', got {kind!r}")
    y = _as_values(values, f"theil(kind={kind!r})", positive=kind == "L")
    r = y / y.mean()
    if kind == "T":
        return float(np.mean(xlogy(r, r)))
    return float(-np.mean(np.log(r)))


def coefficient_of_variation(values: Any, ddof: int = 0) -> float:
    """Coefficient of variation ``σ / μ`` of non-negative values.

    Parameters
    ----------
    values : array-like, 1-D
        Non-negative values with a positive mean.
    ddof : int
        Delta degrees of freedom of the standard deviation: 0 (default) for the
        cross-section's own dispersion ``sqrt(mean((y − μ)²))``, 1 for the sample
        standard deviation.

    Returns
    -------
    float
    """
    y = _as_values(values, "coefficient_of_variation")
    if y.size - ddof <= 0:
        raise ValueError(f"coefficient_of_variation: {y.size} value(s) are too few for ddof={ddof}")
    return float(np.std(y, ddof=ddof) / y.mean())


# ---------------------------------------------------------------------------
# Dagum core on arrays
# ---------------------------------------------------------------------------
def _dagum_weighted(
    ys: np.ndarray,
    lab: np.ndarray,
    W: np.ndarray,
    k: int,
    y0: float = 0.0,
    *,
    variance: bool = False,
) -> dict[str, np.ndarray]:
    """Dagum terms of one sorted cross-section under every row of frequency weights ``W``.

    Parameters
    ----------
    ys : ndarray (n,)
        Values sorted ascending and shifted by ``y0`` (so ``ys[0] = 0`` for the sample's minimum).
    lab : ndarray (n,)
        Group code 0..k-1 of each sorted value.
    W : ndarray (m, n)
        Non-negative weights, one row per evaluation: ones for the sample itself,
        resampling counts for a bootstrap replicate. Every group must keep a
        positive weight in every row.
    k : int
        Number of groups.
    y0 : float
        The shift, added back to the means.
    variance : bool
        Also return ``"var"``: the linearised (infinitesimal-jackknife) variance of
        every reported term under resampling within groups, keyed as in
        :func:`_unflatten` (see Notes).

    Returns
    -------
    dict
        Arrays with a leading row axis: scalars (m,), per group (m, k) and per pair
        (m, k(k−1)/2) in the order of ``np.triu_indices(k, 1)``.

    Notes
    -----
    A weight ``w_i`` counts value ``i`` ``w_i`` times, so a resample is evaluated
    without sorting it again: with ``C^h_i`` and ``S^h_i`` the running weight and
    weighted sum of group ``h`` up to sorted position ``i``,
    ``A_ih = y_i C^h_i − S^h_i = Σ_{r ∈ h} w_r (y_i − y_r)⁺`` and
    ``P_jh = Σ_{i ∈ j} w_i A_ih``. Every term is a smooth function of the group
    sums ``S_j``, the ``P_jh`` and the sizes, so its derivative with respect to
    ``w_i`` (``i`` in group ``l``) is a combination of ``y_i``, ``A_ih``,
    ``B_ih = Σ_{r ∈ h} w_r (y_r − y_i)⁺`` and the sums of these over groups
    (``T_i = Σ_r w_r |y_i − y_r|``, the within-group part ``Tw_i`` and the
    transvariation part ``Q_i``). The variance is
    ``Σ_l n_l/(n_l − 1) Σ_{i ∈ l} w_i (L_i − L̄_l)²`` with ``L_i`` that derivative,
    which for a group mean is the jackknife's ``s²/n_l``; it is assembled from the
    within-group covariances of those few per-value quantities, in O(m n k) like the
    terms themselves.
    """
    m, n = W.shape
    unit = m == 1 and bool(np.all(W == 1.0))  # the sample itself: counts instead of weights
    onehot = (lab[:, None] == np.arange(k)[None, :]).astype(float) if (variance or not unit) else None

    def by_group(X: np.ndarray) -> np.ndarray:
        """Σ over the values of each group, for every row of X (m × n → m × k)."""
        if onehot is None:
            return np.bincount(lab, weights=X[0], minlength=k)[None, :]
        return X @ onehot

    wy = W * ys
    sizes = by_group(W)  # weighted group sizes, m × k
    nw = sizes.sum(axis=1)
    sum_shift = by_group(wy)
    with np.errstate(invalid="ignore", divide="ignore"):
        mus_j = sum_shift / sizes
    mu_j = mus_j + y0
    stot = sum_shift.sum(axis=1)
    mu = stot / nw + y0

    # overall: Σ_i w_i (y_i C_i − S_i) = Σ_i Σ_r w_i w_r |y_i − y_r| / 2
    cum_w = np.cumsum(W, axis=1)
    cum_s = np.cumsum(wy, axis=1)
    num_all = np.maximum(
        np.einsum("ij,ij->i", wy, cum_w) - np.einsum("ij,ij->i", W, cum_s), 0.0
    )
    if variance:
        # centred per-value quantities: y, T_i = Σ_r w_r |y_i − y_r|, and per group h the A_ih
        T = ys * cum_w - cum_s + (stot[:, None] - cum_s) - ys * (nw[:, None] - cum_w)
        with np.errstate(invalid="ignore", divide="ignore"):
            yc = ys - mus_j[:, lab]
            Tc = T - ((W * T) @ onehot / sizes)[:, lab]
        A_own = np.empty((m, n))  # A_i,g(i)
        a_mom = np.empty((3, m, k, k))  # Σ_l w A_h², Cov_l(A_h, y), Cov_l(A_h, T)
        buf = np.empty((3, m, n))
    P = np.empty((m, k, k))
    for h in range(k):
        mask = lab == h
        if unit:
            ch = np.cumsum(mask)[None, :]
            sh = np.cumsum(np.where(mask, ys, 0.0))[None, :]
        else:
            ch = np.cumsum(W * mask, axis=1)
            sh = np.cumsum(wy * mask, axis=1)
        A = ys * ch - sh
        WA = A if unit else W * A
        P[:, :, h] = by_group(WA)
        if variance:
            A_own[:, mask] = A[:, mask]
            # yc and Tc are centred within groups, so Σ w A yc is already a covariance
            np.multiply(WA, A, out=buf[0])
            np.multiply(WA, yc, out=buf[1])
            np.multiply(WA, Tc, out=buf[2])
            a_mom[:, :, :, h] = buf @ onehot
    np.maximum(P, 0.0, out=P)  # each summand is >= 0; clear rounding residue

    scale = nw * nw * mu  # n² μ
    G = num_all / scale
    diag = P[:, np.arange(k), np.arange(k)]
    with np.errstate(invalid="ignore", divide="ignore"):
        Gjj = np.where(mu_j > 0, diag / (sizes**2 * mu_j), 0.0)
    cw = diag / scale[:, None]

    jj, hh = np.triu_indices(k, 1)
    nn = sizes[:, jj] * sizes[:, hh]
    Pjh, Phj = P[:, jj, hh], P[:, hh, jj]
    total = Pjh + Phj
    j_richer = mus_j[:, jj] >= mus_j[:, hh]
    p_side = np.where(j_richer, Phj, Pjh)  # sums from the poorer group's side
    d_side = np.where(j_richer, Pjh, Phj)
    dmu = np.abs(mus_j[:, jj] - mus_j[:, hh])
    msum = mu_j[:, jj] + mu_j[:, hh]
    with np.errstate(invalid="ignore", divide="ignore"):
        Gjh = np.where(msum > 0, total / (nn * msum), 0.0)
        D = np.where(total > 0, dmu * nn / total, 0.0)
    D = np.minimum(D, 1.0)
    cnb = dmu * nn / scale[:, None]
    ct = 2.0 * p_side / scale[:, None]
    out = {
        "mu": mu,
        "G": G,
        "Gw": cw.sum(axis=1),
        "Gnb": cnb.sum(axis=1),
        "Gt": ct.sum(axis=1),
        "mu_j": mu_j,
        "s_j": sizes * mu_j / (nw * mu)[:, None],
        "Gjj": Gjj,
        "cw": cw,
        "Gjh": Gjh,
        "D": D,
        "d": d_side / nn,
        "p": p_side / nn,
        "cnb": cnb,
        "ct": ct,
    }
    if variance:
        # B_ih = Σ_{r ∈ h} w_r (y_r − y_i)⁺ = A_ih + S_h − n_h y_i, so B's moments follow from A's and y's;
        # Tw_i = A_ig + B_ig (g = own group); Q_i = Σ_{h ≠ g} (B_ih if g is the richer of (g, h) else A_ih)
        codes = np.arange(k)
        richer = (
            (mus_j[:, :, None] > mus_j[:, None, :])
            | ((mus_j[:, :, None] == mus_j[:, None, :]) & (codes[:, None] < codes[None, :]))
        ).astype(float)
        A_tot = ys * cum_w - cum_s
        Tw = 2 * A_own + sum_shift[:, lab] - sizes[:, lab] * ys
        Q = (
            A_tot
            - A_own
            + np.einsum("rlh,rh->rl", richer, sum_shift)[:, lab]
            - np.einsum("rlh,rh->rl", richer, sizes)[:, lab] * ys
        )
        out["var"] = _linearised_variance(
            out, W, onehot, lab, sizes, num_all, scale, mus_j, yc, Tc, Tw, Q, P, a_mom, j_richer, total, nn, msum
        )
    return out


def _linearised_variance(
    out, W, onehot, lab, sizes, SP, scale, mus_j, yc, Tc, Tw, Q, P, a_mom, j_richer, total, nn, msum
) -> dict[str, np.ndarray]:
    """Assemble the variance of every term from within-group covariances (see :func:`_dagum_weighted`)."""
    m, k = sizes.shape
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(sizes > 1, sizes / (sizes - 1), 0.0)  # jackknife's small-sample factor
        Twc = Tw - ((W * Tw) @ onehot / sizes)[:, lab]
        Qc = Q - ((W * Q) @ onehot / sizes)[:, lab]
    coords = {"y": yc, "T": Tc, "w": Twc, "Q": Qc}
    names = list(coords)
    cov: dict[tuple[str, str], np.ndarray] = {}
    keys = [(a, b) for a_i, a in enumerate(names) for b in names[a_i:]]
    stack = np.empty((len(keys), *W.shape))
    weighted = {a: W * coords[a] for a in names}
    for i, (a, b) in enumerate(keys):
        np.multiply(weighted[a], coords[b], out=stack[i])
    moments = stack @ onehot  # (10, m, k)
    for key, mom in zip(keys, moments, strict=True):
        cov[key] = cov[key[::-1]] = f * mom

    nw = sizes.sum(axis=1)
    Nmu = scale / nw
    with np.errstate(invalid="ignore", divide="ignore"):
        inv_scale = 1.0 / scale
        inv_sp = np.where(SP > 0, 1.0 / SP, np.nan)
        G = out["G"]
        share = {name: out[name] / np.where(G > 0, G, np.nan) for name in ("Gw", "Gnb", "Gt")}

    def quad(coef: dict[str, Any]) -> np.ndarray:
        """Σ_l Σ_{c,c'} a_c a_c' Cov_l(c, c') for coefficients of shape (m,) or (m, k)."""
        total_ = 0.0
        items = [(c, np.asarray(v)) for c, v in coef.items()]
        for i, (c1, v1) in enumerate(items):
            v1 = v1[:, None] if v1.ndim == 1 else v1
            for c2, v2 in items[i:]:
                v2 = v2[:, None] if v2.ndim == 1 else v2
                term = v1 * v2 * cov[(c1, c2)]
                total_ = total_ + (term if c1 == c2 else 2 * term)
        return np.sum(total_, axis=1)

    # sign of each group against every other, weighted by the other's size: Σ_h sgn(μ_l − μ_h) n_h
    sgn = np.sign(mus_j[:, :, None] - mus_j[:, None, :])
    sgnsum = np.einsum("rlh,rh->rl", sgn, sizes)
    var: dict[str, np.ndarray] = {}
    var["mean"] = quad({"y": 1.0 / nw})
    var["G"] = quad({"T": inv_scale, "y": -G / Nmu})
    var["Gw"] = quad({"w": inv_scale, "y": -out["Gw"] / Nmu})
    var["Gnb"] = quad({"y": sgnsum * inv_scale[:, None] - (out["Gnb"] / Nmu)[:, None]})
    var["Gt"] = quad({"Q": 2 * inv_scale, "y": -out["Gt"] / Nmu})
    var["Gw_share"] = quad({"w": inv_sp, "T": -share["Gw"] * inv_sp})
    var["Gnb_share"] = quad({"y": sgnsum * inv_sp[:, None], "T": -share["Gnb"] * inv_sp})
    var["Gt_share"] = quad({"Q": 2 * inv_sp, "T": -share["Gt"] * inv_sp})

    # per group j (only its own members move G_jj and mean_j; all move the overall μ)
    Vyy, Vww, Cyw, CTw = cov[("y", "y")], cov[("w", "w")], cov[("y", "w")], cov[("T", "w")]
    Vy_tot, VT_tot = Vyy.sum(axis=1), cov[("T", "T")].sum(axis=1)
    mu_j = out["mu_j"]
    with np.errstate(invalid="ignore", divide="ignore"):
        var["mean_j"] = Vyy / sizes**2
        s_j = out["s_j"]
        var["s_j"] = ((1 - s_j) ** 2 * Vyy + s_j**2 * (Vy_tot[:, None] - Vyy)) / Nmu[:, None] ** 2
        a_w = np.where(mu_j > 0, 1.0 / (sizes**2 * mu_j), 0.0)
        a_y = np.where(mu_j > 0, -out["Gjj"] / (sizes * mu_j), 0.0)
        var["G_jj"] = a_w**2 * Vww + a_y**2 * Vyy + 2 * a_w * a_y * Cyw
        cwy = out["cw"] / Nmu[:, None]
        var["Gw_contrib"] = (
            cwy**2 * Vy_tot[:, None] + inv_scale[:, None] ** 2 * Vww - 2 * inv_scale[:, None] * cwy * Cyw
        )
        cws = out["cw"] / np.where(G > 0, G, np.nan)[:, None]
        aT = -cws * inv_sp[:, None]
        var["Gw_contrib_share"] = aT**2 * VT_tot[:, None] + inv_sp[:, None] ** 2 * Vww + 2 * inv_sp[:, None] * aT * CTw

    # per pair (j, h): coefficients on y and T for every group, plus the pair's own sums for
    # the members of j and h. A member of j moves P_jh by A_ih and P_hj by B_ih = A_ih − n_h y_i
    # (centred), so a term a1·P_jh + a2·P_hj + ay·y + aT·T has L_i = (a1 + a2) A_ih + (ay − n_h a2) y_i
    # + aT T_i; for a member of h the roles of P_jh and P_hj swap.
    jj, hh = np.triu_indices(k, 1)
    CyT = cov[("y", "T")]
    VTT = cov[("T", "T")]
    CyT_tot = CyT.sum(axis=1)
    sides = []
    for grp, oth in ((jj, hh), (hh, jj)):
        fl = f[:, grp]
        sides.append(
            {
                "AA": fl * (a_mom[0][:, grp, oth] - P[:, grp, oth] ** 2 / sizes[:, grp]),
                "Ay": fl * a_mom[1][:, grp, oth],
                "AT": fl * a_mom[2][:, grp, oth],
                "yy": Vyy[:, grp],
                "TT": VTT[:, grp],
                "yT": CyT[:, grp],
                "n_o": sizes[:, oth],
            }
        )
    sg = np.sign(mus_j[:, jj] - mus_j[:, hh])
    nj, nh = sizes[:, jj], sizes[:, hh]

    def pair_var(a_y0=None, a_T0=None, e_yj=None, e_yh=None, c_tot=None, c_d=None, c_p=None):
        """Variance of a pair term with coefficients c_tot on P_jh + P_hj, c_d / c_p on the richer /
        poorer side's sum, a_y0 / a_T0 on y / T for every group and e_y on y for j and h
        (None = 0)."""
        total_ = 0.0
        if a_y0 is not None:
            total_ = total_ + a_y0**2 * Vy_tot[:, None]
        if a_T0 is not None:
            total_ = total_ + a_T0**2 * VT_tot[:, None]
        if a_y0 is not None and a_T0 is not None:
            total_ = total_ + 2 * a_y0 * a_T0 * CyT_tot[:, None]
        c_jh = c_hj = c_tot  # coefficients on P_jh and P_hj
        for c, on_jh in ((c_d, j_richer), (c_p, ~j_richer)):
            if c is not None:
                add_jh, add_hj = np.where(on_jh, c, 0.0), np.where(on_jh, 0.0, c)
                c_jh = add_jh if c_jh is None else c_jh + add_jh
                c_hj = add_hj if c_hj is None else c_hj + add_hj
        for side, e_y, a_near, a_far in ((sides[0], e_yj, c_jh, c_hj), (sides[1], e_yh, c_hj, c_jh)):
            # a_near: the coefficient of the sum this group's members enter through A, a_far through B.
            # Only the change from the every-group part (a_y0, a_T0) is added here.
            aA = None if a_near is None else a_near + a_far
            ey = e_y
            if a_far is not None:
                ey = -side["n_o"] * a_far if ey is None else ey - side["n_o"] * a_far
            if aA is not None:
                total_ = total_ + aA**2 * side["AA"]
                if a_T0 is not None:
                    total_ = total_ + 2 * aA * a_T0 * side["AT"]
            if ey is not None:
                ay = ey if a_y0 is None else a_y0 + ey
                total_ = total_ + ey * (ay if a_y0 is None else ay + a_y0) * side["yy"]
                if aA is not None:
                    total_ = total_ + 2 * aA * ay * side["Ay"]
                if a_T0 is not None:
                    total_ = total_ + 2 * ey * a_T0 * side["yT"]
            elif aA is not None and a_y0 is not None:
                total_ = total_ + 2 * aA * a_y0 * side["Ay"]
        return total_

    with np.errstate(invalid="ignore", divide="ignore"):
        Gjh, D = out["Gjh"], out["D"]
        c_g = np.where(msum > 0, 1.0 / (nn * msum), 0.0)
        var["G_jh"] = pair_var(e_yj=-Gjh * c_g * nh, e_yh=-Gjh * c_g * nj, c_tot=c_g)
        inv_tot = np.where(total > 0, 1.0 / total, 0.0)
        var["D_jh"] = pair_var(e_yj=sg * nh * inv_tot, e_yh=-sg * nj * inv_tot, c_tot=-D * inv_tot)
        var["d_jh"] = pair_var(c_d=1.0 / nn)
        var["p_jh"] = pair_var(c_p=1.0 / nn)
        isc = inv_scale[:, None]
        var["Gnb_contrib"] = pair_var(a_y0=-out["cnb"] / Nmu[:, None], e_yj=sg * nh * isc, e_yh=-sg * nj * isc)
        var["Gt_contrib"] = pair_var(a_y0=-out["ct"] / Nmu[:, None], c_p=np.broadcast_to(2 * isc, nn.shape))
        isp = inv_sp[:, None]
        Gs = np.where(G > 0, G, np.nan)[:, None]
        var["Gnb_contrib_share"] = pair_var(a_T0=-out["cnb"] / Gs * isp, e_yj=sg * nh * isp, e_yh=-sg * nj * isp)
        var["Gt_contrib_share"] = pair_var(a_T0=-out["ct"] / Gs * isp, c_p=np.broadcast_to(2 * isp, nn.shape))
    return var


def _sorted_sample(values: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Sort a cross-section once: shifted sorted values, their labels, each value's sorted position, shift."""
    order = np.argsort(values, kind="stable")
    y0 = float(values[order[0]])
    where = np.empty(values.size, dtype=np.intp)
    where[order] = np.arange(values.size)
    return values[order] - y0, labels[order], where, y0


def _sorted_values(values: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Shifted sorted values, their labels and the shift (as :func:`_sorted_sample`, without
    the positions)."""
    order = np.argsort(values, kind="stable")
    y0 = float(values[order[0]])
    return values[order] - y0, labels[order], y0


def _dagum_batch(Y: np.ndarray, labels: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Dagum terms of one cross-section ``Y`` (1 × n); ``labels`` (n,) holds group codes 0..k-1."""
    ys, lab, y0 = _sorted_values(Y[0], labels)
    return _dagum_weighted(ys, lab, np.ones((1, ys.size)), k, y0)


def dagum_decomposition(values: Any, groups: Any) -> dict[str, Any]:
    """Dagum Gini decomposition of one cross-section given as arrays.

    Parameters
    ----------
    values : array-like, 1-D
        Non-negative values with a positive mean.
    groups : array-like, 1-D
        Group label of each value (same length).

    Returns
    -------
    dict
        ``G``, ``Gw``, ``Gnb``, ``Gt`` (floats), ``groups`` (labels ordered by
        decreasing mean), ``within`` (DataFrame: n, mean, G_jj per group) and
        ``between`` (DataFrame: G_jh, D_jh, d_jh, p_jh per pair, richer group first).
    """
    y = _as_values(values, "dagum_decomposition")
    g = np.asarray(groups)
    if g.shape != y.shape:
        raise ValueError(
            f"dagum_decomposition: {g.shape[0] if g.ndim else 0} group labels for {y.size} values"
        )
    uniq, codes = np.unique(g, return_inverse=True)
    k = uniq.size
    out = _dagum_batch(y[None, :], codes.astype(np.intp), k)
    sizes = np.bincount(codes, minlength=k)
    rank = _rank_by_mean(out["mu_j"][0])
    within = pd.DataFrame(
        {"n": sizes, "mean": out["mu_j"][0], "G_jj": out["Gjj"][0]},
        index=pd.Index(uniq, name="group"),
    ).iloc[np.argsort(rank)]
    jj, hh = np.triu_indices(k, 1)
    swap = rank[jj] > rank[hh]
    gj, gh = np.where(swap, hh, jj), np.where(swap, jj, hh)
    between = pd.DataFrame(
        {
            "group_j": uniq[gj],
            "group_h": uniq[gh],
            "G_jh": out["Gjh"][0],
            "D_jh": out["D"][0],
            "d_jh": out["d"][0],
            "p_jh": out["p"][0],
        }
    )
    return {
        "G": float(out["G"][0]),
        "Gw": float(out["Gw"][0]),
        "Gnb": float(out["Gnb"][0]),
        "Gt": float(out["Gt"][0]),
        "groups": list(uniq[np.argsort(rank)]),
        "within": within,
        "between": between,
    }


def _rank_by_mean(mu_j: np.ndarray) -> np.ndarray:
    """1-based rank of each group by decreasing mean (ties: earlier code first)."""
    order = np.lexsort((np.arange(mu_j.size), -mu_j))
    rank = np.empty(mu_j.size, dtype=int)
    rank[order] = np.arange(1, mu_j.size + 1)
    return rank


# layout of one replicate's numbers as a flat vector
#: the terms reported for every pair of groups, in table order
_PAIR_TERMS: tuple[str, ...] = (
    "G_jh", "D_jh", "d_jh", "p_jh", "Gnb_contrib", "Gt_contrib", "Gnb_contrib_share", "Gt_contrib_share",
)


def _flatten(out: dict[str, np.ndarray]) -> np.ndarray:
    mu = out["mu"]
    G = out["G"]
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = np.where(G > 0, 1.0 / G, np.nan)[:, None]
    parts = [
        np.column_stack([G, out["Gw"], out["Gnb"], out["Gt"], mu]),
        np.column_stack([out["Gw"], out["Gnb"], out["Gt"]]) * inv,
        out["mu_j"],
        out["s_j"],
        out["Gjj"],
        out["cw"],
        out["cw"] * inv,
        out["Gjh"],
        out["D"],
        out["d"],
        out["p"],
        out["cnb"],
        out["ct"],
        out["cnb"] * inv,
        out["ct"] * inv,
    ]
    return np.concatenate(parts, axis=1)


def _flatten_var(var: dict[str, np.ndarray]) -> np.ndarray:
    """The variances of :func:`_linearised_variance` in the layout of :func:`_flatten`."""
    names = ["G", "Gw", "Gnb", "Gt", "mean", "Gw_share", "Gnb_share", "Gt_share"]
    names += ["mean_j", "s_j", "G_jj", "Gw_contrib", "Gw_contrib_share", *_PAIR_TERMS]
    return np.concatenate([var[nm][:, None] if var[nm].ndim == 1 else var[nm] for nm in names], axis=1)


def _unflatten(vec: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Inverse of :func:`_flatten` along the last axis."""
    npairs = k * (k - 1) // 2
    sizes = [("G", 1), ("Gw", 1), ("Gnb", 1), ("Gt", 1), ("mean", 1)]
    sizes += [("Gw_share", 1), ("Gnb_share", 1), ("Gt_share", 1)]
    sizes += [("mean_j", k), ("s_j", k), ("G_jj", k), ("Gw_contrib", k), ("Gw_contrib_share", k)]
    sizes += [(name, npairs) for name in _PAIR_TERMS]
    out, pos = {}, 0
    for name, size in sizes:
        out[name] = vec[..., pos : pos + size]
        pos += size
    return out


def _column_quantiles(draws: np.ndarray, *levels: np.ndarray) -> list[np.ndarray]:
    """Linear-interpolation quantiles of each column of ``draws``, one array per entry of
    ``levels`` (each holding every column's own level), ignoring NaN (as
    ``numpy.nanquantile`` with the default method); ±inf sort to the ends. One sort serves
    every level."""
    srt = np.sort(draws, axis=0)  # NaN last
    cnt = np.sum(~np.isnan(draws), axis=0)
    cols = np.arange(draws.shape[1])
    out = []
    for probs in levels:
        pos = probs * np.maximum(cnt - 1, 0)
        lo = np.floor(pos).astype(np.intp)
        hi = np.minimum(lo + 1, np.maximum(cnt - 1, 0))
        frac = pos - lo
        a, b = srt[lo, cols], srt[hi, cols]
        with np.errstate(invalid="ignore"):
            q = np.where(frac == 0, a, np.where(a == b, a, a * (1 - frac) + b * frac))
        out.append(np.where(cnt > 0, q, np.nan))
    return out


def _intervals(
    draws: np.ndarray,
    estimate: np.ndarray,
    alpha: float,
    method: str,
    tstats: np.ndarray | None = None,
    se: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Limits of every column (term) from the bootstrap replicates.

    Parameters
    ----------
    draws : ndarray (B, F)
        Replicate values of the F terms.
    estimate : ndarray (F,)
        The point estimates.
    alpha : float
        The intervals cover ``1 − alpha``.
    method : {"symmetric-t", "studentized", "percentile", "bc"}
        ``"symmetric-t"``: ``θ̂ ± c·se`` with ``c`` the ``1 − α`` quantile of
        ``|tstats|``; ``"studentized"``: ``[θ̂ − t*_{1−α/2} se, θ̂ − t*_{α/2} se]`` with
        ``t*`` the quantiles of ``tstats``; ``"percentile"``: the ``α/2`` and
        ``1 − α/2`` quantiles of ``draws``; ``"bc"``: Efron's bias-corrected percentile
        levels ``Φ(2 z0 ± z_{1−α/2})``, ``z0 = Φ⁻¹(share of replicates below θ̂)``.
    tstats : ndarray (B, F), optional
        ``(θ* − θ̂) / se*`` of every replicate (the two t methods).
    se : ndarray (F,), optional
        Standard error of every estimate (the two t methods).

    Returns
    -------
    (lower, upper) : tuple of ndarray (F,)
        A side without a finite limit is ±inf (t replicates whose standard error is 0
        while their value moved).
    """
    ncol = draws.shape[1]
    if method == "symmetric-t":
        (c,) = _column_quantiles(np.abs(tstats), np.full(ncol, 1 - alpha))
        with np.errstate(invalid="ignore"):
            half = np.where(c == 0, 0.0, c * se)
        return estimate - half, estimate + half
    if method == "studentized":
        t_lo, t_hi = _column_quantiles(tstats, np.full(ncol, alpha / 2), np.full(ncol, 1 - alpha / 2))
        with np.errstate(invalid="ignore"):
            lower = np.where(t_hi == 0, estimate, estimate - t_hi * se)
            upper = np.where(t_lo == 0, estimate, estimate - t_lo * se)
        return lower, upper
    if method == "percentile":
        p_lo = np.full(ncol, alpha / 2)
        p_hi = np.full(ncol, 1 - alpha / 2)
    else:
        valid = ~np.isnan(draws)
        cnt = np.maximum(valid.sum(axis=0), 1)
        below = (np.sum(draws < estimate, axis=0) + 0.5 * np.sum(draws == estimate, axis=0)) / cnt
        below = np.clip(below, 1 / (cnt + 1), cnt / (cnt + 1))
        z0 = ndtri(below)
        z = ndtri(1 - alpha / 2)
        p_lo, p_hi = ndtr(2 * z0 - z), ndtr(2 * z0 + z)
    lower, upper = _column_quantiles(draws, p_lo, p_hi)
    return lower, upper


def _term_bounds(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Range of every term of the flat layout: all are >= 0; Ginis, shares, s_j and D_jh are <= 1
    (means and d_jh, p_jh are in the data's units)."""
    idx = _unflatten(np.arange(_flat_size(k)), k)
    upper = np.ones(_flat_size(k))
    for name in ("mean", "mean_j", "d_jh", "p_jh"):
        upper[idx[name]] = np.inf
    return np.zeros(_flat_size(k)), upper


def _flat_size(k: int) -> int:
    return 8 + 5 * k + len(_PAIR_TERMS) * (k * (k - 1) // 2)


def _interval_limits(
    draws: np.ndarray,
    estimate: np.ndarray,
    se: np.ndarray,
    tstats: np.ndarray | None,
    alpha: float,
    method: str,
    k: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The reported limits: :func:`_intervals`, sides without a finite limit as NaN, and
    limits beyond a term's range (:func:`_term_bounds`) set to that bound.

    Returns
    -------
    lower, upper : ndarray (F,)
    unbounded : ndarray of bool (F,)
        Terms with a side that had no finite limit (reported as NaN).
    clipped : ndarray of bool (F,)
        Terms with a limit moved to the term's range.
    """
    lower, upper = _intervals(draws, estimate, alpha, method, tstats, se)
    unbounded = np.isinf(lower) | np.isinf(upper)
    lb, ub = _term_bounds(k)
    with np.errstate(invalid="ignore"):
        clipped = (lower < lb) | (upper > ub)
    lower = np.where(np.isinf(lower), np.nan, np.maximum(lower, lb))
    upper = np.where(np.isinf(upper), np.nan, np.minimum(upper, ub))
    return lower, upper, unbounded, clipped & ~unbounded


def _tstats(theta: np.ndarray, var: np.ndarray, estimate: np.ndarray) -> np.ndarray:
    """``(θ* − θ̂) / se*`` per replicate and term; 0 when the replicate equals the estimate
    (to rounding), ±inf when it moved but its standard error is 0, NaN when undefined."""
    se = np.sqrt(np.maximum(var, 0.0))
    dev = theta - estimate
    tiny = 1e-10 * (np.abs(theta) + np.abs(estimate))
    with np.errstate(invalid="ignore", divide="ignore"):
        t = dev / np.where(se > tiny, se, 0.0)
    t[np.abs(dev) <= tiny] = 0.0
    return t


# ---------------------------------------------------------------------------
# per-replicate random streams, fast
# ---------------------------------------------------------------------------
# Every bootstrap replicate draws from ``default_rng(parent.spawn(B)[b])``. Building B
# SeedSequence children and generators one by one costs as much as the whole
# decomposition of a replicate of a small panel (about 40 µs each), so the children's
# states are computed here for all replicates at once with numpy's published algorithms
# (SeedSequence's entropy mixing, PCG64's seeding; the same numbers, which a test checks
# against numpy for several kinds of seed), and one PCG64 object is set to each state in
# turn to draw. Entropy this code does not read falls back to numpy's own spawn.
_SS_INIT_A, _SS_MULT_A = 0x43B0D7E5, 0x931E8875
_SS_INIT_B, _SS_MULT_B = 0x8B51F9DD, 0x58F38DED
_SS_MIX_L, _SS_MIX_R = 0xCA01F9DD, 0x4973F715
_MASK32 = 0xFFFFFFFF
_MASK128 = (1 << 128) - 1
_PCG64_MULT = (2549297995355413924 << 64) + 4865540595714422341


def _uint32_words(x: Any) -> np.ndarray | None:
    """SeedSequence's reading of an entropy value or a spawn key as 32-bit words, lowest
    first (None for a value it reads otherwise, e.g. a string)."""
    if isinstance(x, np.ndarray) and x.dtype == np.uint32:
        return x.astype(np.uint32, copy=True).ravel()
    if isinstance(x, bool):
        return None
    if isinstance(x, int | np.integer):
        n = int(x)
        if n < 0:
            return None
        words = [n & _MASK32]
        n >>= 32
        while n:
            words.append(n & _MASK32)
            n >>= 32
        return np.array(words, dtype=np.uint32)
    if isinstance(x, list | tuple | range | np.ndarray):
        parts = [_uint32_words(v) for v in x]
        if any(p is None for p in parts):
            return None
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)
    return None


def _hashmix(value: np.ndarray, hash_const: list[int]) -> np.ndarray:
    value = value ^ np.uint32(hash_const[0])
    hash_const[0] = (hash_const[0] * _SS_MULT_A) & _MASK32
    value = value * np.uint32(hash_const[0])
    return value ^ (value >> np.uint32(16))


def _mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    r = x * np.uint32(_SS_MIX_L) - y * np.uint32(_SS_MIX_R)
    return r ^ (r >> np.uint32(16))


def _child_states(parent: np.random.SeedSequence, first: int, count: int) -> list[tuple[int, int]] | None:
    """PCG64 ``(state, inc)`` after seeding from children ``first .. first + count − 1`` of
    ``parent`` (as ``parent.spawn`` numbers them), or None when the entropy is not read here."""
    run = _uint32_words(parent.entropy)
    key = _uint32_words(parent.spawn_key)
    if run is None or key is None:
        return None
    pool_size = int(parent.pool_size)
    if run.size < pool_size:  # children always have a spawn key: numpy pads the entropy
        run = np.concatenate([run, np.zeros(pool_size - run.size, dtype=np.uint32)])
    index = np.arange(first, first + count, dtype=np.uint64)
    if first + count - 1 > _MASK32:
        return None
    prefix = np.concatenate([run, key])
    entropy = np.empty((count, prefix.size + 1), dtype=np.uint32)
    entropy[:, :-1] = prefix
    entropy[:, -1] = index.astype(np.uint32)
    width = entropy.shape[1]
    hc = [_SS_INIT_A]
    zero = np.zeros(count, dtype=np.uint32)
    pool = np.empty((count, pool_size), dtype=np.uint32)
    for i in range(pool_size):
        pool[:, i] = _hashmix(entropy[:, i] if i < width else zero, hc)
    for i_src in range(pool_size):
        for i_dst in range(pool_size):
            if i_src != i_dst:
                pool[:, i_dst] = _mix(pool[:, i_dst], _hashmix(pool[:, i_src], hc))
    for i_src in range(pool_size, width):
        for i_dst in range(pool_size):
            pool[:, i_dst] = _mix(pool[:, i_dst], _hashmix(entropy[:, i_src], hc))
    # generate_state(4, uint64): 8 words from the pool, paired little-endian
    words = np.empty((count, 8), dtype=np.uint32)
    hb = _SS_INIT_B
    for i in range(8):
        data = pool[:, i % pool_size] ^ np.uint32(hb)
        hb = (hb * _SS_MULT_B) & _MASK32
        data = data * np.uint32(hb)
        words[:, i] = data ^ (data >> np.uint32(16))
    w = words.astype(np.uint64)
    v = (w[:, 0::2] | (w[:, 1::2] << np.uint64(32))).tolist()
    states = []
    for v0, v1, v2, v3 in v:
        # PCG64 seeding: inc = 2·initseq + 1; state = ((inc + initstate)·M + inc) mod 2^128
        inc = ((((v2 << 64) | v3) << 1) | 1) & _MASK128
        state = ((inc + ((v0 << 64) | v1)) * _PCG64_MULT + inc) & _MASK128
        states.append((state, inc))
    return states


def _replicate_uniforms(parent: np.random.SeedSequence, first: int, count: int, n: int) -> np.ndarray:
    """``[default_rng(c).random(n) for c in children first .. first + count − 1 of parent]``
    as a (count, n) array, without building the children (see the section comment)."""
    states = _child_states(parent, first, count)
    out = np.empty((count, n))
    if states is None:
        children = [
            np.random.SeedSequence(parent.entropy, spawn_key=(*parent.spawn_key, i), pool_size=parent.pool_size)
            for i in range(first, first + count)
        ]
        for b, child in enumerate(children):
            out[b] = np.random.default_rng(child).random(n)
        return out
    bitgen = np.random.PCG64(0)
    raw = np.empty((count, n), dtype=np.uint64)
    for b, (state, inc) in enumerate(states):
        bitgen.state = {
            "bit_generator": "PCG64",
            "state": {"state": state, "inc": inc},
            "has_uint32": 0,
            "uinteger": 0,
        }
        raw[b] = bitgen.random_raw(n)
    # Generator.random: the top 53 bits as a double in [0, 1)
    return (raw >> np.uint64(11)) * (1.0 / 9007199254740992.0)


def _bootstrap_chunk(item: tuple) -> tuple[np.ndarray, np.ndarray | None]:
    """Flat Dagum vectors (and, given the estimate, studentized deviations) of bootstrap
    replicates ``first .. first + count − 1`` of one period (``parent``: the period's
    SeedSequence, whose children seed the replicates)."""
    values, labels, k, (parent, first, count), estimate = item
    sizes = np.bincount(labels, minlength=k)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    high = np.repeat(sizes, sizes)
    low = np.repeat(starts, sizes)
    u = _replicate_uniforms(parent, first, count, values.size)
    idx = low + np.minimum((u * high).astype(np.intp), high - 1)
    ys, lab, where, y0 = _sorted_sample(values, labels)
    m, n = idx.shape
    counts = np.bincount((where[idx] + n * np.arange(m)[:, None]).ravel(), minlength=m * n)
    out = _dagum_weighted(ys, lab, counts.reshape(m, n).astype(float), k, y0, variance=estimate is not None)
    theta = _flatten(out)
    if estimate is None:
        return theta, None
    return theta, _tstats(theta, _flatten_var(out["var"]), estimate)


def _point(item: tuple) -> tuple[np.ndarray, np.ndarray | None]:
    """Flat Dagum vector of one period and, when asked, the linearised standard error of
    every term."""
    values, labels, k, *want_se = item
    ys, lab, y0 = _sorted_values(values, labels)
    with_se = bool(want_se[0]) if want_se else True
    out = _dagum_weighted(ys, lab, np.ones((1, ys.size)), k, y0, variance=with_se)
    if not with_se:
        return _flatten(out)[0], None
    return _flatten(out)[0], np.sqrt(np.maximum(_flatten_var(out["var"])[0], 0.0))


# ---------------------------------------------------------------------------
# groups
# ---------------------------------------------------------------------------
def _groups_series(groups: Mapping[Any, Any] | pd.Series, who: str) -> pd.Series:
    if isinstance(groups, pd.DataFrame):
        if groups.shape[1] != 1:
            raise TypeError(
                f"{who}: groups must be a mapping region -> group or a Series; got a DataFrame with columns {list(groups.columns)}"
            )
        groups = groups.iloc[:, 0]
    if isinstance(groups, pd.Series):
        s = groups.copy()
    elif isinstance(groups, Mapping):
        s = pd.Series(dict(groups), dtype=object)
    else:
        raise TypeError(
            f"{who}: groups must be a mapping region -> group or a pandas Series indexed by region, got {type(groups).__name__}"
        )
    if isinstance(s.index, pd.MultiIndex):
        raise ValueError(
            f"{who}: groups must be indexed by region only (one level), got {s.index.nlevels} levels"
        )
    if len(s) == 0:
        raise ValueError(f"{who}: groups is empty; give every region a group")
    dup = s.index[s.index.duplicated()]
    if len(dup):
        raise ValueError(
            f"{who}: regions listed twice in groups: {_preview(dup.unique())}; give each region one group"
        )
    return s


def _group_codes(
    regions: pd.Index, groups: pd.Series, who: str
) -> tuple[np.ndarray, list, list[str]]:
    """Integer group code of every region, the group labels, and notes."""
    labelled = groups[groups.notna()]
    pos = labelled.index.get_indexer(regions)
    missing = regions[pos < 0]
    if len(missing):
        uniq = pd.unique(missing)
        hint = ""
        if len(uniq) == len(pd.unique(regions)) and len(labelled):
            a, b = type(_plain(regions[0])).__name__, type(_plain(labelled.index[0])).__name__
            if a != b:
                hint = f" (the series' regions are {a} but groups is keyed by {b})"
        raise ValueError(
            f"{who}: {len(uniq)} region(s) without a group: {_preview(uniq)}{hint}; "
            "add them to groups (or drop them from the series)"
        )
    try:
        labels = sorted(pd.unique(labelled.to_numpy()))
    except TypeError:
        labels = list(pd.unique(labelled.to_numpy()))
    code_of = pd.Index(labels).get_indexer(labelled.to_numpy())
    codes = code_of[pos]
    notes = []
    unused = labelled.index.difference(pd.Index(pd.unique(regions)))
    if len(unused):
        notes.append(f"{len(unused)} region(s) in groups are not in the series: {_preview(unused)}")
    return codes.astype(np.intp), labels, notes


# ---------------------------------------------------------------------------
# DagumGini
# ---------------------------------------------------------------------------
class DagumGini:
    """Dagum (1997) Gini decomposition by region groups, period by period.

    Parameters
    ----------
    groups : mapping or pandas.Series
        Group of every region (region → group label), e.g. the eight economic
        zones of China's provinces.
    bootstrap : int
        Number of bootstrap replicates (regions resampled with replacement within
        their group) for confidence intervals of every reported number; 0 (default)
        for none.
    seed : int, numpy.random.SeedSequence or None
        Seed of the bootstrap; the same seed gives the same intervals for any
        ``n_jobs``. With None, fresh entropy is drawn and reported in ``.notes``.
    n_jobs : int or None
        Parallel jobs for the per-period work (joblib; ``-1`` = all cores).
    alpha : float
        The intervals cover ``1 − alpha`` (default 0.05 → 95 %).
    ci : {"symmetric-t", "studentized", "percentile", "bc"}
        Interval method (see the module docstring for what the intervals are for).
        ``"symmetric-t"`` (default): ``estimate ± c·se``, ``se`` the linearised
        standard error, ``c`` the ``1 − alpha`` quantile of ``|θ* − θ̂| / se*`` over the
        replicates; contains the estimate. ``"studentized"``: the equal-tailed
        bootstrap-t ``[θ̂ − t*_{1−α/2} se, θ̂ − t*_{α/2} se]``. ``"percentile"``: the
        ``alpha/2`` and ``1 − alpha/2`` quantiles of the replicates (the default of
        0.1; it undercovers with small groups). ``"bc"``: Efron's bias-corrected
        percentile interval, quantile levels ``Φ(2 z0 ± z_{1−alpha/2})`` with
        ``z0 = Φ⁻¹(share of replicates below the estimate)``.
    progress : bool or None
        Progress bar (default: only in a terminal).

    Examples
    --------
    >>> res = DagumGini(groups=zone_of_region, bootstrap=999, seed=1).fit(ccd.D)  # doctest: +SKIP
    >>> res.table[["G", "Gw_share", "Gnb_share", "Gt_share"]]  # doctest: +SKIP

    Notes
    -----
    See the module docstring for the formulas, the group order (by decreasing mean
    in each period), the O(n log n) algorithm and the handling of edge cases.

    Resampling scheme (so that a replicate can be reproduced outside the package):
    in period ``t`` (the ``t``-th period in sorted order, ``T`` periods) the regions
    are listed by group (groups in sorted label order, only those present) and,
    within a group, by region; replicate ``b`` draws uniforms
    ``u = numpy.random.default_rng(SeedSequence(seed).spawn(T)[t].spawn(B)[b]).random(n)``
    and takes, at each position, member ``floor(u · n_j)`` of the position's group
    (``n_j`` members).
    """

    def __init__(
        self,
        groups: Mapping[Any, Any] | pd.Series,
        bootstrap: int = 0,
        seed: int | np.random.SeedSequence | None = None,
        n_jobs: int | None = 1,
        alpha: float = 0.05,
        *,
        ci: Literal["symmetric-t", "studentized", "percentile", "bc"] = "symmetric-t",
        progress: bool | None = None,
    ):
        self.groups = _groups_series(groups, "DagumGini")
        if ci not in _CI_METHODS:
            raise ValueError(
                f"ci must be one of {', '.join(repr(c) for c in _CI_METHODS)} "
                "(symmetric or equal-tailed studentized bootstrap, percentile, bias-corrected percentile), "
                f"got {ci!r}"
            )
        self.ci = ci
        if (
            isinstance(bootstrap, bool)
            or not isinstance(bootstrap, int | np.integer)
            or bootstrap < 0
        ):
            raise ValueError(
                f"bootstrap must be an integer >= 0 (number of replicates), got {bootstrap!r}"
            )
        if bootstrap == 1:
            raise ValueError("bootstrap=1 gives no interval; use 0 (none) or at least 2 (e.g. 999)")
        if not (
            seed is None
            or isinstance(seed, np.random.SeedSequence)
            or (isinstance(seed, int | np.integer) and not isinstance(seed, bool) and seed >= 0)
        ):
            raise ValueError(
                f"seed must be None, a non-negative integer or a numpy SeedSequence, got {seed!r}"
            )
        if n_jobs is not None and (
            isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs == 0
        ):
            raise ValueError(f"n_jobs must be a non-zero integer or None, got {n_jobs!r}")
        if not (isinstance(alpha, float | int) and 0 < alpha < 1):
            raise ValueError(f"alpha must lie in (0, 1), got {alpha!r}")
        self.bootstrap = int(bootstrap)
        self.seed = seed
        self.n_jobs = n_jobs
        self.alpha = float(alpha)
        self.progress = progress

    def __repr__(self) -> str:
        return f"DagumGini(groups=<{self.groups.nunique()} groups>, bootstrap={self.bootstrap}, seed={self.seed!r})"

    def fit(self, series: pd.Series) -> DagumResult:
        """Decompose the Gini of ``series`` in every period.

        Parameters
        ----------
        series : pandas.Series
            Non-negative values indexed by ``(region, period)``.

        Returns
        -------
        DagumResult
        """
        who = "DagumGini"
        y = as_region_period_series(series, name=f"{who}: series", nonnegative=True)
        regions = y.index.get_level_values(REGION)
        codes, labels, notes = _group_codes(regions, self.groups, who)
        K = len(labels)
        periods_idx = y.index.get_level_values(PERIOD)
        periods = periods_idx.unique()
        try:
            periods = periods.sort_values()
        except TypeError:  # mixed, unorderable labels: keep their order of appearance
            pass
        period_codes = pd.Index(periods).get_indexer(periods_idx)
        values = y.to_numpy()

        # group the observations: by period, then group code (stable)
        order = np.lexsort((codes, period_codes))
        bounds = np.searchsorted(period_codes[order], np.arange(len(periods) + 1))
        all_regions = pd.unique(regions)
        items, meta = [], []
        for t, period in enumerate(periods):
            sel = order[bounds[t] : bounds[t + 1]]
            v, c = values[sel], codes[sel]
            if not v.mean() > 0:
                raise ValueError(
                    f"{who}: every value is 0 in period {_plain(period)!r}, so its Gini is undefined; "
                    "drop that period or check the data"
                )
            present = np.unique(c)
            local = np.searchsorted(present, c).astype(np.intp)
            items.append((v, local, present.size))
            meta.append((period, present, np.bincount(local, minlength=present.size), regions[sel]))
            present_set = set(present.tolist())
            absent = [labels[g] for g in range(K) if g not in present_set]
            if absent:
                notes.append(
                    f"period {_plain(period)!r}: group(s) {_preview(absent)} have no members and are left out of "
                    "that period's decomposition"
                )
            if sel.size < all_regions.size:
                gone = pd.Index(all_regions).difference(pd.Index(regions[sel]))
                notes.append(
                    f"period {_plain(period)!r}: {sel.size} of {all_regions.size} regions observed "
                    f"(unbalanced panel); missing {_preview(gone)}"
                )

        studentized = self.ci in ("symmetric-t", "studentized")
        point_se = parallel_map(
            _point,
            [(*item, studentized and self.bootstrap > 0) for item in items],
            n_jobs=self.n_jobs,
            desc="Dagum",
            progress=self.progress,
        )
        points = [p for p, _ in point_se]

        draws: list[np.ndarray | None] = [None] * len(periods)
        tdraws: list[np.ndarray | None] = [None] * len(periods)
        if self.bootstrap:
            root = (
                self.seed
                if isinstance(self.seed, np.random.SeedSequence)
                else np.random.SeedSequence(self.seed)
            )
            if self.seed is None:
                notes.append(
                    f"bootstrap seed drawn at random: SeedSequence entropy {root.entropy}; pass seed= to repeat"
                )
            period_seqs = root.spawn(len(periods))
            # the standard errors need a few more arrays of the batch's size: smaller batches
            cells = _BATCH_CELLS // 4 if studentized else _BATCH_CELLS
            jobs, owner = [], []
            for t, (v, local, k) in enumerate(items):
                # replicate b of period t draws from period_seqs[t].spawn(B)[b]
                offset = period_seqs[t].n_children_spawned
                step = max(1, cells // v.size)
                for a in range(0, self.bootstrap, step):
                    span = (period_seqs[t], offset + a, min(step, self.bootstrap - a))
                    jobs.append((v, local, k, span, points[t] if studentized else None))
                    owner.append(t)
            chunks = parallel_map(
                _bootstrap_chunk,
                jobs,
                n_jobs=self.n_jobs,
                desc="Dagum bootstrap",
                progress=self.progress,
            )
            by_period: list[list[tuple]] = [[] for _ in periods]
            for ch, o in zip(chunks, owner, strict=True):
                by_period[o].append(ch)
            for t, parts in enumerate(by_period):
                draws[t] = np.concatenate([th for th, _ in parts], axis=0)
                if studentized:
                    tdraws[t] = np.concatenate([ts for _, ts in parts], axis=0)

        overall, within, between = [], [], []
        outside_notes: list[tuple[Any, int]] = []
        unbounded_notes: list[tuple[Any, int]] = []
        clipped_notes: list[tuple[Any, int]] = []
        for t, (period, present, sizes, _regs) in enumerate(meta):
            k = present.size
            est = _unflatten(points[t], k)
            lo = hi = None
            p_label = _plain(period)
            if draws[t] is not None:
                qlo, qhi, unbounded, clipped = _interval_limits(
                    draws[t], points[t], point_se[t][1], tdraws[t], self.alpha, self.ci, k
                )
                if unbounded.any():
                    unbounded_notes.append((p_label, int(unbounded.sum())))
                if clipped.any():
                    clipped_notes.append((p_label, int(clipped.sum())))
                lo, hi = _unflatten(qlo, k), _unflatten(qhi, k)
                with np.errstate(invalid="ignore"):
                    outside = int(
                        np.sum(
                            (points[t] < qlo - 1e-12 * np.abs(points[t]))
                            | (points[t] > qhi + 1e-12 * np.abs(points[t]))
                        )
                    )
                if outside:
                    outside_notes.append((p_label, outside))
            n = int(sizes.sum())
            rank = _rank_by_mean(est["mean_j"])
            # overall row
            row = {PERIOD: period, "n": n, "groups": k, "mean": est["mean"][0]}
            for name in ("G", "Gw", "Gnb", "Gt", "Gw_share", "Gnb_share", "Gt_share"):
                row[name] = est[name][0]
                if lo is not None:
                    row[f"{name}_lower"], row[f"{name}_upper"] = lo[name][0], hi[name][0]
            overall.append(row)
            if not est["G"][0] > 0:
                notes.append(
                    f"period {p_label!r}: all values are equal (G = 0); shares are undefined (NaN)"
                )
            # within rows
            for g in np.argsort(rank):
                r = {
                    PERIOD: period,
                    "group": labels[present[g]],
                    "rank": int(rank[g]),
                    "n": int(sizes[g]),
                    "mean": est["mean_j"][g],
                    "p_j": sizes[g] / n,
                    "s_j": est["s_j"][g],
                    "G_jj": est["G_jj"][g],
                    "Gw_contrib": est["Gw_contrib"][g],
                    "Gw_contrib_share": est["Gw_contrib_share"][g],
                }
                if lo is not None:
                    for name, col in (
                        ("mean_j", "mean"),
                        ("s_j", "s_j"),
                        ("G_jj", "G_jj"),
                        ("Gw_contrib", "Gw_contrib"),
                        ("Gw_contrib_share", "Gw_contrib_share"),
                    ):
                        r[f"{col}_lower"], r[f"{col}_upper"] = lo[name][g], hi[name][g]
                within.append(r)
                if est["mean_j"][g] == 0:
                    notes.append(
                        f"period {p_label!r}: every value of group {_plain(labels[present[g]])!r} is 0; "
                        "its own Gini G_jj is undefined and set to 0"
                    )
            # between rows
            jj, hh = np.triu_indices(k, 1)
            pair_rows = []
            for q_i, (a, b) in enumerate(zip(jj, hh, strict=True)):
                rj, rh = (a, b) if rank[a] < rank[b] else (b, a)
                r = {
                    PERIOD: period,
                    "group_j": labels[present[rj]],
                    "group_h": labels[present[rh]],
                    "rank_j": int(rank[rj]),
                    "rank_h": int(rank[rh]),
                }
                for name in _PAIR_TERMS:
                    r[name] = est[name][q_i]
                    if lo is not None:
                        r[f"{name}_lower"], r[f"{name}_upper"] = lo[name][q_i], hi[name][q_i]
                pair_rows.append(r)
            pair_rows.sort(key=lambda r: (r["rank_j"], r["rank_h"]))
            between.extend(pair_rows)

        if self.bootstrap:
            notes.extend(
                _bootstrap_notes(
                    method=self.ci,
                    replicates=self.bootstrap,
                    alpha=self.alpha,
                    within=within,
                    between=between,
                    outside=outside_notes,
                    unbounded=unbounded_notes,
                    clipped=clipped_notes,
                )
            )
        table = pd.DataFrame(overall).set_index(PERIOD)
        within_df = pd.DataFrame(within).set_index([PERIOD, "group"])
        between_cols = [
            PERIOD,
            "group_j",
            "group_h",
            "rank_j",
            "rank_h",
            "G_jh",
            "D_jh",
            "d_jh",
            "p_jh",
        ]
        between_df = (
            pd.DataFrame(between).set_index([PERIOD, "group_j", "group_h"])
            if between
            else pd.DataFrame(columns=between_cols).set_index([PERIOD, "group_j", "group_h"])
        )
        return DagumResult(
            table=table,
            within=within_df,
            between=between_df,
            labels=labels,
            bootstrap=self.bootstrap,
            alpha=self.alpha,
            ci=self.ci,
            seed=self.seed,
            notes=notes,
        )


#: groups with fewer members than this have unreliable intervals for their own terms and
#: their pairs' terms under the t methods (benchmarks/results/dagum_coverage.md)
_SMALL_GROUP = 5
#: pairs whose D_jh reaches this have unreliable D_jh and transvariation intervals (same table)
_NEAR_SEPARATE = 0.9
#: coverage ranges quoted in the notes, from benchmarks/results/dagum_coverage.md
_COVERAGE = {
    "headline_small": "90–97%",  # symmetric-t, G … Gt_share, 8 groups of 2–5
    "symmetric_gw": "90–95%",  # symmetric-t, Gw, groups of 2–11
    "percentile_gw_small": "1–2%",
    "percentile_gw_mid": "54–58%",
    "bc_gw_small": "3–6%",
    "bc_gw_mid": "72–79%",
}

_METHOD_WORDS = {
    "symmetric-t": "symmetric studentized (estimate ± c·se: se by linearisation, c the "
    "{level} quantile of |θ* − θ̂| / se* over the replicates)",
    "studentized": "equal-tailed studentized (bootstrap-t: estimate − t*·se at the two tails of "
    "(θ* − θ̂) / se* over the replicates)",
    "percentile": "percentile (quantiles of the replicates)",
    "bc": "bias-corrected percentile (quantiles of the replicates at levels shifted by their median bias)",
}


def _bootstrap_notes(
    *,
    method: str,
    replicates: int,
    alpha: float,
    within: list[dict],
    between: list[dict],
    outside: list[tuple[Any, int]],
    unbounded: list[tuple[Any, int]],
    clipped: list[tuple[Any, int]],
) -> list[str]:
    """The notes a bootstrap adds to a DagumResult: what the intervals are for and where they
    cannot be trusted, in the words the study report shows."""

    def periods(items: list[tuple[Any, int]]) -> str:
        shown = ", ".join(f"{p!r}: {c}" for p, c in items[:5])
        return shown + (" …" if len(items) > 5 else "")

    level = f"{100 * (1 - alpha):g}%"
    words = _METHOD_WORDS[method].format(level=f"{100 * (1 - alpha):g}%")
    notes = [
        f"bootstrap: {replicates} replicates per period, regions resampled with replacement within their "
        f"groups (group sizes kept); {level} {words} intervals. They are intervals for the population "
        "values: each group's regions taken as a random draw from a larger population of such regions, "
        "the groups' shares of regions fixed. The estimates are Dagum's plug-in values, which understate "
        "within-group inequality in groups with few members (by about 1/n_j for n_j members)"
        + (
            "; the intervals allow for that."
            if method in ("symmetric-t", "studentized")
            else f"; {method} intervals do not allow for that (next note)."
        )
    ]
    t_method = method in ("symmetric-t", "studentized")
    smallest: dict[Any, int] = {}
    for r in within:
        smallest[r["group"]] = min(smallest.get(r["group"], r["n"]), r["n"])
    small = {g: n for g, n in smallest.items() if n < _SMALL_GROUP}
    if t_method and small:
        listed = ", ".join(f"{_plain(g)!r} ({n})" for g, n in sorted(small.items(), key=lambda x: x[1]))
        notes.append(
            f"bootstrap: groups with fewer than {_SMALL_GROUP} members — {listed}: the intervals of their own "
            "terms (mean, s_j, G_jj, Gw_contrib) and of the pairs they belong to are unreliable; in simulation "
            "such intervals covered the population value less than 90% of the time, were several times wider "
            "than the value, or had no finite limit. With groups this small the 95% intervals of G, Gw, Gnb, Gt "
            f"and their shares covered it in {_COVERAGE['headline_small']} of simulated samples; see "
            "benchmarks/results/dagum_coverage.md"
        )
    if not t_method:
        notes.append(
            f"bootstrap: {method} intervals show the spread of the resampled estimates and do not allow for "
            "the bias of the plug-in estimates: in simulation their 95% intervals of Gw covered the population "
            f"value in {_COVERAGE[method + '_gw_small']} of samples with groups of 2–5 members and "
            f"{_COVERAGE[method + '_gw_mid']} with groups of 8–11 (ci='symmetric-t', the default: "
            f"{_COVERAGE['symmetric_gw']}); see benchmarks/results/dagum_coverage.md"
        )
    separate = sorted(
        {(r["group_j"], r["group_h"]) for r in between if r["D_jh"] >= _NEAR_SEPARATE},
        key=lambda pair: (str(pair[0]), str(pair[1])),
    )
    if separate:
        listed = ", ".join(f"{_plain(a)!r}–{_plain(b)!r}" for a, b in separate[:6])
        notes.append(
            f"bootstrap: {len(separate)} pair(s) of groups barely overlap (D_jh >= {_NEAR_SEPARATE:g} in some "
            f"period: {listed}{' …' if len(separate) > 6 else ''}): the intervals of their D_jh, p_jh and "
            "transvariation terms (Gt_contrib and its share) are unreliable; a pair without any overlap in the "
            "sample has D_jh = 1 and p_jh = Gt_contrib = 0 in every replicate, so its interval has no width "
            "although the population groups may overlap"
        )
    if unbounded:
        notes.append(
            f"bootstrap: {sum(c for _, c in unbounded)} interval limit(s) left empty (NaN) in {len(unbounded)} "
            f"period(s) ({periods(unbounded)} terms): the bootstrap gives no finite limit there, because in too "
            "many replicates a resampled group had no spread (all its draws the same region)"
        )
    if clipped:
        notes.append(
            f"bootstrap: {sum(c for _, c in clipped)} interval limit(s) beyond the range of their term were set "
            f"to it in {len(clipped)} period(s) ({periods(clipped)} terms): Ginis, shares, s_j and D_jh lie in "
            "[0, 1], means and d_jh, p_jh are >= 0"
        )
    if outside and method != "symmetric-t":
        notes.append(
            f"bootstrap: in {len(outside)} period(s) some point estimates lie outside their {method} interval "
            f"({periods(outside)} terms): "
            + (
                "the interval is for the population value, and the plug-in estimate is biased in small groups "
                "(within-group Ginis downwards by about 1/n_j)"
                if method == "studentized"
                else "resampling a group of n_j members repeats members, which shrinks resampled within-group "
                "Ginis by about (n_j − 1)/n_j"
            )
            + "; ci='symmetric-t' (the default) gives intervals centred on the estimate"
        )
    return notes


class DagumResult(Result):
    """Dagum Gini decomposition per period.

    Attributes
    ----------
    table : DataFrame
        One row per period: n, groups, mean, G, Gw, Gnb, Gt and their shares of G
        (``Gw_share`` …); with a bootstrap, ``<column>_lower`` / ``<column>_upper``
        interval limits (method ``ci``) for each of them, NaN where the bootstrap gives
        no finite limit (see ``.notes``).
    within : DataFrame
        (period, group) rows ordered by rank (1 = largest mean): rank, n, mean,
        p_j = n_j/n, s_j = n_j μ_j/(nμ), G_jj, its contribution ``p_j s_j G_jj``
        to Gw and that contribution's share of G (with limits under a bootstrap).
    between : DataFrame
        (period, group_j, group_h) rows, group_j the richer group: rank_j, rank_h,
        G_jh, D_jh, d_jh, p_jh, the pair's contributions to Gnb and Gt and their
        shares of G (with limits under a bootstrap).
    group_means : DataFrame
        (period, group) rows: rank, n, mean, p_j, s_j.
    """

    _table_names = ("table", "within", "between", "group_means")

    def __init__(self, *, table, within, between, labels, bootstrap, alpha, ci, seed, notes):
        self._table = table
        self.ci = ci
        self._within = within
        self._between = between
        self.labels = list(labels)
        self.bootstrap = bootstrap
        self.alpha = alpha
        self.seed = seed
        self._notes = list(notes)
        self._freeze()

    table = copied("_table")

    within = copied("_within")

    between = copied("_between")

    @property
    def group_means(self) -> pd.DataFrame:
        cols = ["rank", "n", "mean", "p_j", "s_j"]
        cols += [
            c
            for c in ("mean_lower", "mean_upper", "s_j_lower", "s_j_upper")
            if c in self._within.columns
        ]
        return self._within[cols].copy()

    @property
    def G(self) -> pd.Series:
        """Overall Gini per period."""
        return self._table["G"].copy()

    def summary(self) -> str:
        cols = ["n", "G", "Gw", "Gnb", "Gt", "Gw_share", "Gnb_share", "Gt_share"]
        title = "Dagum Gini decomposition"
        lines = [title, "=" * len(title)]
        if self.bootstrap:
            lines.append(
                f"bootstrap: {self.bootstrap} replicates, {100 * (1 - self.alpha):g}% {self.ci} intervals"
            )
        lines += [f"note: {n}" for n in self.notes]
        with pd.option_context(
            "display.width", 120, "display.max_columns", 30, "display.max_rows", 60
        ):
            lines.append(self._table[cols].to_string(float_format=lambda v: f"{v:.4f}"))
        return "\n".join(lines)

    def plot(
        self,
        kind: Literal["decomposition", "within", "between"] = "decomposition",
        *,
        period: Any = None,
        value: Literal["G_jh", "D_jh"] = "G_jh",
        intervals: bool | None = None,
        ax=None,
    ):
        """Draw the decomposition.

        Parameters
        ----------
        kind : {"decomposition", "within", "between"}
            ``"decomposition"``: stacked shares of Gw, Gnb and Gt per period with G
            on a second axis; ``"within"``: each group's G_jj over time (bands =
            bootstrap intervals); ``"between"``: heatmap of the between-group
            ``value`` (G_jh or D_jh) for one period, groups by rank, G_jj on the
            diagonal for G_jh.
        period : optional
            Period of the heatmap (default: the last).
        value : {"G_jh", "D_jh"}
            What the heatmap shows.
        intervals : bool, optional
            Bootstrap bands on the ``"within"`` lines (default: when there are at most 3 groups).
        ax : matplotlib Axes, optional
            Axes to draw on.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        if kind not in ("decomposition", "within", "between"):
            raise ValueError(f"kind must be 'decomposition', 'within' or 'between', got {kind!r}")
        if ax is None:
            fig, ax = plt.subplots(figsize=(8, 4.5) if kind != "between" else (6.5, 5.5))
        else:
            fig = ax.figure
        t = self._table
        x = np.arange(len(t))
        xlabels = [str(_plain(p)) for p in t.index]
        if kind == "decomposition":
            bottom = np.zeros(len(t))
            colors = {"Gw_share": "#4C72B0", "Gnb_share": "#DD8452", "Gt_share": "#55A868"}
            names = {
                "Gw_share": "within (Gw)",
                "Gnb_share": "net between (Gnb)",
                "Gt_share": "transvariation (Gt)",
            }
            for col in ("Gw_share", "Gnb_share", "Gt_share"):
                vals = 100 * t[col].fillna(0).to_numpy()
                ax.bar(x, vals, bottom=bottom, color=colors[col], label=names[col], width=0.8)
                bottom += vals
            ax.set_ylabel("share of G (%)")
            ax.set_ylim(0, 100)
            ax2 = ax.twinx()
            if "G_lower" in t.columns:
                err = np.vstack([t["G"] - t["G_lower"], t["G_upper"] - t["G"]]).clip(min=0)
                ax2.errorbar(
                    x,
                    t["G"],
                    yerr=err,
                    color="black",
                    marker="o",
                    capsize=3,
                    label="G (bootstrap interval)",
                )
            else:
                ax2.plot(x, t["G"], color="black", marker="o", label="G")
            ax2.set_ylabel("overall Gini G")
            h1, l1 = ax.get_legend_handles_labels()
            h2, l2 = ax2.get_legend_handles_labels()
            ax.legend(
                h1 + h2,
                l1 + l2,
                frameon=False,
                fontsize=8,
                loc="lower center",
                bbox_to_anchor=(0.5, 1.0),
                ncol=4,
            )
            ax.set_title("Dagum Gini decomposition", pad=24)
        elif kind == "within":
            w = self._within.reset_index()
            show_bands = intervals if intervals is not None else w["group"].nunique() <= 3
            pos = {p: i for i, p in enumerate(t.index)}
            for group, sub in w.groupby("group", sort=False):
                xs = sub[PERIOD].map(pos).to_numpy()
                line = ax.plot(xs, sub["G_jj"], marker="o", ms=3, label=str(group))[0]
                if show_bands and "G_jj_lower" in sub.columns:
                    ax.fill_between(
                        xs,
                        sub["G_jj_lower"],
                        sub["G_jj_upper"],
                        color=line.get_color(),
                        alpha=0.12,
                        lw=0,
                    )
            ax.set_ylabel("within-group Gini G_jj")
            ax.legend(frameon=False, fontsize=8, ncol=2)
            ax.set_title("Gini within groups")
        else:
            if value not in ("G_jh", "D_jh"):
                raise ValueError(f"value must be 'G_jh' or 'D_jh', got {value!r}")
            if period is None:
                period = t.index[-1]
            if period not in t.index:
                raise ValueError(
                    f"period {period!r} is not in the result; choose one of {_preview(t.index)}"
                )
            wi = self._within.xs(period, level=PERIOD).sort_values("rank")
            names = list(wi.index)
            k = len(names)
            mat = np.full((k, k), np.nan)
            at = {g: i for i, g in enumerate(names)}
            if value == "G_jh":
                mat[np.arange(k), np.arange(k)] = wi["G_jj"].to_numpy()
            if len(self._between):
                bt = self._between.xs(period, level=PERIOD)
                for (gj, gh), row in bt.iterrows():
                    mat[at[gj], at[gh]] = mat[at[gh], at[gj]] = row[value]
            im = ax.imshow(mat, cmap="viridis")
            ax.set_xticks(range(k), [str(n) for n in names], rotation=45, ha="right")
            ax.set_yticks(range(k), [str(n) for n in names])
            finite = mat[np.isfinite(mat)]
            mid = (finite.min() + finite.max()) / 2 if finite.size else 0
            for i in range(k):
                for j in range(k):
                    if np.isfinite(mat[i, j]):
                        ax.text(
                            j,
                            i,
                            f"{mat[i, j]:.3f}",
                            ha="center",
                            va="center",
                            fontsize=7,
                            color="white" if mat[i, j] < mid else "black",
                        )
            fig.colorbar(
                im,
                ax=ax,
                shrink=0.8,
                label=value + (" (diagonal: G_jj)" if value == "G_jh" else ""),
            )
            ax.set_title(f"Between-group {value}, {_plain(period)}")
        if kind != "between":
            ax.set_xticks(x, xlabels, rotation=45 if len(x) > 8 else 0)
            ax.set_xlabel(PERIOD)
        fig.tight_layout()
        return fig


# ---------------------------------------------------------------------------
# Theil
# ---------------------------------------------------------------------------
class TheilIndex:
    """Theil's T or L (mean log deviation) per period, decomposed within/between groups.

    Parameters
    ----------
    groups : mapping or pandas.Series, optional
        Group of every region; without it only the overall index is computed.
    kind : {"T", "L"}
        ``"T"`` (Theil's T, weights by value shares ``s_j``) or ``"L"`` (mean log
        deviation, weights by population shares ``p_j``; needs values > 0).

    Notes
    -----
    ``T = Σ_j s_j T_j + Σ_j s_j ln(μ_j/μ)``; ``L = Σ_j p_j L_j + Σ_j p_j ln(μ/μ_j)``.
    The first sum is the within-group part, the second the between-group part.
    """

    def __init__(
        self, groups: Mapping[Any, Any] | pd.Series | None = None, kind: Literal["T", "L"] = "T"
    ):
        if kind not in ("T", "L"):
            raise ValueError(f"kind must be 'T' or 'L', got {kind!r}")
        self.groups = None if groups is None else _groups_series(groups, "TheilIndex")
        self.kind = kind

    def __repr__(self) -> str:
        g = "None" if self.groups is None else f"<{self.groups.nunique()} groups>"
        return f"TheilIndex(groups={g}, kind={self.kind!r})"

    def fit(self, series: pd.Series) -> TheilResult:
        """Compute the index of ``series`` in every period.

        Parameters
        ----------
        series : pandas.Series
            Values indexed by ``(region, period)``: non-negative for T, positive for L.

        Returns
        -------
        TheilResult
        """
        who = f"TheilIndex(kind={self.kind!r})"
        y = as_region_period_series(
            series, name=f"{who}: series", nonnegative=True, positive=self.kind == "L"
        )
        regions = y.index.get_level_values(REGION)
        notes: list[str] = []
        if self.groups is not None:
            codes, labels, notes = _group_codes(regions, self.groups, who)
        else:
            codes, labels = np.zeros(len(y), dtype=np.intp), ["all"]
        frame = pd.DataFrame(
            {"y": y.to_numpy(), "g": codes, PERIOD: y.index.get_level_values(PERIOD)}
        )
        rows, grows = [], []
        all_regions = pd.unique(regions)
        for period, sub in frame.groupby(PERIOD, sort=False):
            v = sub["y"].to_numpy()
            n, mu = v.size, v.mean()
            if not mu > 0:
                raise ValueError(
                    f"{who}: every value is 0 in period {_plain(period)!r}, so the index is undefined"
                )
            if n < all_regions.size:
                notes.append(
                    f"period {_plain(period)!r}: {n} of {all_regions.size} regions observed (unbalanced panel)"
                )
            total = _theil_of(v, mu, self.kind)
            row = {PERIOD: period, "n": n, "mean": mu, "theil": total}
            if self.groups is not None:
                g = sub["g"].to_numpy()
                present = np.unique(g)
                absent = [labels[c] for c in range(len(labels)) if c not in set(present.tolist())]
                if absent:
                    notes.append(
                        f"period {_plain(period)!r}: group(s) {_preview(absent)} have no members"
                    )
                within = between = 0.0
                for c in present:
                    vg = v[g == c]
                    nj, muj = vg.size, vg.mean()
                    pj, sj = nj / n, nj * muj / (n * mu)
                    if self.kind == "T":
                        tj = _theil_of(vg, muj, "T") if muj > 0 else 0.0
                        if muj == 0:
                            notes.append(
                                f"period {_plain(period)!r}: every value of group {_plain(labels[c])!r} is 0; its T_j is set to 0 (weight s_j = 0)"
                            )
                        wgt, bterm = sj, xlogy(sj, muj / mu) if muj > 0 else 0.0
                    else:
                        tj = _theil_of(vg, muj, "L")
                        wgt, bterm = pj, pj * np.log(mu / muj)
                    within += wgt * tj
                    between += bterm
                    grows.append(
                        {
                            PERIOD: period,
                            "group": labels[c],
                            "n": nj,
                            "mean": muj,
                            "p_j": pj,
                            "s_j": sj,
                            "theil": tj,
                            "weight": wgt,
                            "within_contrib": wgt * tj,
                            "between_contrib": bterm,
                        }
                    )
                row.update(
                    within=within,
                    between=between,
                    within_share=within / total if total > 0 else np.nan,
                    between_share=between / total if total > 0 else np.nan,
                )
            rows.append(row)
        table = pd.DataFrame(rows).set_index(PERIOD)
        groups_df = pd.DataFrame(grows).set_index([PERIOD, "group"]) if grows else pd.DataFrame()
        return TheilResult(table=table, within=groups_df, kind=self.kind, notes=notes)


def _theil_of(v: np.ndarray, mu: float, kind: str) -> float:
    r = v / mu
    if kind == "T":
        return float(np.mean(xlogy(r, r)))
    return float(-np.mean(np.log(r)))


class TheilResult(Result):
    """Theil index per period with its within/between decomposition.

    Attributes
    ----------
    table : DataFrame
        One row per period: n, mean, theil (the index of ``kind``) and, with groups,
        within, between, within_share, between_share.
    within : DataFrame
        (period, group) rows: n, mean, p_j, s_j, theil (the group's own index),
        weight (s_j for T, p_j for L), within_contrib, between_contrib.
    kind : str
        "T" or "L".
    """

    _table_names = ("table", "within")

    def __init__(self, *, table, within, kind, notes):
        self._table = table
        self._within = within
        self.kind = kind
        self._notes = list(notes)
        self._freeze()

    table = copied("_table")

    within = copied("_within")

    @property
    def theil(self) -> pd.Series:
        return self._table["theil"].copy()

    def plot(self, ax=None):
        """The index over time, stacked into within and between parts when grouped."""
        import matplotlib.pyplot as plt

        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 4))
        else:
            fig = ax.figure
        t = self._table
        x = np.arange(len(t))
        if "within" in t.columns:
            ax.stackplot(x, t["within"], t["between"], labels=["within", "between"], alpha=0.7)
        ax.plot(x, t["theil"], color="black", marker="o", label=f"Theil {self.kind}")
        ax.set_xticks(x, [str(_plain(p)) for p in t.index], rotation=45 if len(x) > 8 else 0)
        ax.set_xlabel(PERIOD)
        ax.set_ylabel(f"Theil {self.kind}")
        ax.legend(frameon=False)
        fig.tight_layout()
        return fig
