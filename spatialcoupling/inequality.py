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

Bootstrap: ``bootstrap=B`` resamples regions with replacement within each group
(group sizes kept) ``B`` times per period and gives percentile intervals for
every reported number. Every replicate draws from its own generator, seeded from
``numpy.random.SeedSequence(seed)`` spawned per period and per replicate, so the
numbers are the same for any ``n_jobs`` or joblib backend.

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
def _dagum_batch(Y: np.ndarray, labels: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Dagum terms for every row of ``Y`` (m × n); ``labels`` (n,) holds group codes 0..k-1.

    Returns arrays with a leading replicate axis: scalars (m,), per group (m, k) and
    per pair (m, k(k−1)/2) in the order of ``np.triu_indices(k, 1)``.
    """
    m, n = Y.shape
    order = np.argsort(Y, axis=1, kind="stable")
    ys = np.take_along_axis(Y, order, axis=1)
    lab = labels[order]
    ys = ys - ys[:, :1]  # shift by the row minimum: differences unchanged
    mu = Y.mean(axis=1)

    # overall Gini from ranks
    ranks = 2.0 * np.arange(1, n + 1) - n - 1
    num_all = ys @ ranks  # = Σ_i Σ_r |y_i − y_r| / 2

    # group sizes, sums (raw and shifted)
    sizes = np.bincount(labels, minlength=k).astype(float)
    rows_k = (np.arange(m) * k)[:, None]
    flat = (lab + rows_k).ravel()
    sum_shift = np.bincount(flat, weights=ys.ravel(), minlength=m * k).reshape(m, k)
    sum_raw = np.bincount((labels + rows_k).ravel(), weights=Y.ravel(), minlength=m * k).reshape(
        m, k
    )
    mu_j = sum_raw / sizes
    mus_j = sum_shift / sizes

    # P[:, j, h] = Σ_{i ∈ j} Σ_{r ∈ h} (y_i − y_r)⁺ from running counts and sums of h
    P = np.empty((m, k, k))
    for h in range(k):
        mask = lab == h
        cnt = np.cumsum(mask, axis=1)
        run = np.cumsum(np.where(mask, ys, 0.0), axis=1)
        part = ys * cnt - run
        P[:, :, h] = np.bincount(flat, weights=part.ravel(), minlength=m * k).reshape(m, k)
    np.maximum(P, 0.0, out=P)  # each summand is >= 0; clear rounding residue

    scale = n * n * mu  # n² μ
    G = num_all / scale
    diag = P[:, np.arange(k), np.arange(k)]
    with np.errstate(invalid="ignore", divide="ignore"):
        Gjj = np.where(mu_j > 0, diag / (sizes**2 * mu_j), 0.0)
    cw = diag / scale[:, None]

    jj, hh = np.triu_indices(k, 1)
    nn = sizes[jj] * sizes[hh]
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
    return {
        "mu": mu,
        "G": G,
        "Gw": cw.sum(axis=1),
        "Gnb": cnb.sum(axis=1),
        "Gt": ct.sum(axis=1),
        "mu_j": mu_j,
        "s_j": sum_raw / sum_raw.sum(axis=1, keepdims=True),
        "Gjj": Gjj,
        "cw": cw,
        "Gjh": Gjh,
        "D": D,
        "d": d_side / nn,
        "p": p_side / nn,
        "cnb": cnb,
        "ct": ct,
    }


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


def _column_quantiles(draws: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Linear-interpolation quantile of each column of ``draws`` at its own level ``probs``,
    ignoring NaN (as ``numpy.nanquantile`` with the default method)."""
    srt = np.sort(draws, axis=0)  # NaN last
    cnt = np.sum(~np.isnan(draws), axis=0)
    pos = probs * np.maximum(cnt - 1, 0)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, np.maximum(cnt - 1, 0))
    cols = np.arange(draws.shape[1])
    frac = pos - lo
    out = srt[lo, cols] * (1 - frac) + srt[hi, cols] * frac
    out = np.where(frac == 0, srt[lo, cols], out)
    return np.where(cnt > 0, out, np.nan)


def _intervals(
    draws: np.ndarray, estimate: np.ndarray, alpha: float, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile or bias-corrected percentile limits of every column of ``draws``."""
    ncol = draws.shape[1]
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
    return _column_quantiles(draws, p_lo), _column_quantiles(draws, p_hi)


def _bootstrap_chunk(item: tuple) -> np.ndarray:
    """Flat Dagum vectors of a batch of bootstrap replicates of one period."""
    values, labels, k, seeds = item
    sizes = np.bincount(labels, minlength=k)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    high = np.repeat(sizes, sizes)
    low = np.repeat(starts, sizes)
    idx = np.empty((len(seeds), values.size))
    for b, ss in enumerate(seeds):
        idx[b] = np.random.default_rng(ss).random(values.size)
    idx = low + np.minimum((idx * high).astype(np.intp), high - 1)
    return _flatten(_dagum_batch(values[idx], labels, k))


def _point(item: tuple) -> np.ndarray:
    values, labels, k = item
    return _flatten(_dagum_batch(values[None, :], labels, k))[0]


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
        their group) for percentile confidence intervals; 0 (default) for none.
    seed : int, numpy.random.SeedSequence or None
        Seed of the bootstrap; the same seed gives the same intervals for any
        ``n_jobs``. With None, fresh entropy is drawn and reported in ``.notes``.
    n_jobs : int or None
        Parallel jobs for the per-period work (joblib; ``-1`` = all cores).
    alpha : float
        The intervals cover ``1 − alpha`` (default 0.05 → 95 %).
    ci : {"percentile", "bc"}
        ``"percentile"`` (default): the ``alpha/2`` and ``1 − alpha/2`` quantiles of
        the replicates. ``"bc"``: Efron's bias-corrected percentile interval, whose
        quantile levels ``Φ(2 z0 ± z_{1−alpha/2})`` use ``z0 = Φ⁻¹(share of
        replicates below the estimate)``; useful with small groups, whose
        resampled Ginis are biased downwards.
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
        ci: Literal["percentile", "bc"] = "percentile",
        progress: bool | None = None,
    ):
        self.groups = _groups_series(groups, "DagumGini")
        if ci not in ("percentile", "bc"):
            raise ValueError(
                f"ci must be 'percentile' or 'bc' (bias-corrected percentile), got {ci!r}"
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

        points = parallel_map(
            _point, items, n_jobs=self.n_jobs, desc="Dagum", progress=self.progress
        )

        draws: list[np.ndarray | None] = [None] * len(periods)
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
            jobs, owner = [], []
            for t, (v, local, k) in enumerate(items):
                seqs = period_seqs[t].spawn(self.bootstrap)
                step = max(1, _BATCH_CELLS // v.size)
                for a in range(0, self.bootstrap, step):
                    jobs.append((v, local, k, seqs[a : a + step]))
                    owner.append(t)
            chunks = parallel_map(
                _bootstrap_chunk,
                jobs,
                n_jobs=self.n_jobs,
                desc="Dagum bootstrap",
                progress=self.progress,
            )
            for t in range(len(periods)):
                draws[t] = np.concatenate(
                    [ch for ch, o in zip(chunks, owner, strict=True) if o == t], axis=0
                )

        overall, within, between = [], [], []
        outside_notes: list[tuple[Any, int]] = []
        for t, (period, present, sizes, _regs) in enumerate(meta):
            k = present.size
            est = _unflatten(points[t], k)
            lo = hi = None
            p_label = _plain(period)
            if draws[t] is not None:
                qlo, qhi = _intervals(draws[t], points[t], self.alpha, self.ci)
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

        if outside_notes:
            notes.append(
                f"bootstrap: in {len(outside_notes)} period(s) some point estimates lie outside their "
                f"{self.ci} interval ({', '.join(f'{p!r}: {c}' for p, c in outside_notes[:5])}"
                f"{' …' if len(outside_notes) > 5 else ''} terms); resampling small groups biases "
                "within-group Ginis downwards; ci='bc' (bias-corrected percentile) corrects the median bias"
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


class DagumResult(Result):
    """Dagum Gini decomposition per period.

    Attributes
    ----------
    table : DataFrame
        One row per period: n, groups, mean, G, Gw, Gnb, Gt and their shares of G
        (``Gw_share`` …); with a bootstrap, ``<column>_lower`` / ``<column>_upper``
        percentile limits for each of them.
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
