"""Dagum (1997) Gini decomposition by region groups, period by period, with bootstrap intervals.

The formulas and the O(n log n) algorithm are in :mod:`spatialcoupling.inequality._dagum_core`;
the replicate streams and interval formulas in :mod:`spatialcoupling.inequality._bootstrap`.

**Group order.** The method orders groups by decreasing mean; this is done separately in every
period (the ``rank`` columns, 1 = the largest mean), and in ``.between`` the first group of a
pair (``group_j``) is the one with the larger mean in that period, so ``d_jh`` is the richer
group's side and ``D_jh >= 0``. ``D_jh`` is computed as ``(μ_j − μ_h) / E|Y_j − Y_h|``, which
equals Dagum's definition and does not depend on how groups are passed in.

Bootstrap intervals
-------------------
``bootstrap=B`` resamples regions with replacement within each group (group sizes kept) ``B``
times per period. **What an interval is for**: the regions of each group are taken as a random
draw from a larger population of such regions (the group's distribution), with the groups'
shares of regions fixed; the population value of a term is the term computed on those
distributions (``Δ_jh = E|Y_j − Y_h|`` in place of the sample's mean absolute differences). The
estimates stay Dagum's plug-in values (``n²`` normalisation, so the decomposition is exact); they
understate within-group inequality in a group of ``n_j`` members by about ``1/n_j``, and the
resampled Ginis understate it once more (a resample of ``n_j`` members repeats members), which is
why percentile intervals of Gw miss their target in small groups.

The default interval, ``ci="symmetric-t"``, is the symmetric studentized bootstrap: ``θ̂ ± c·se``
with ``se`` the linearised standard error of the term and ``c`` the ``1 − alpha`` quantile of
``|θ* − θ̂| / se*`` over the replicates (``se*`` the same standard error computed on the
replicate). It contains the estimate by construction, and the quantile absorbs the plug-in bias.
``ci="studentized"`` is the equal-tailed bootstrap-t ``[θ̂ − t*_{1−α/2} se, θ̂ − t*_{α/2} se]``
(narrower, but the estimate can lie outside it); ``"percentile"`` and ``"bc"`` (Efron's
bias-corrected percentile) are kept for comparison. Their coverage of the population values was
measured by simulation with the group structures of the studies (8 groups of 2–5 regions, 3
groups of 8–11, 2,850 regions): ``benchmarks/bench_dagum_coverage.py``, results in
``benchmarks/results/dagum_coverage.md``; the notes of a result repeat the caveats that apply to
it (groups of fewer than 5 members, pairs of groups that barely overlap). Limits are clipped to a
term's range (reported) and a side without a finite limit is left empty (NaN, reported).

The standard error is the infinitesimal jackknife for resampling within groups,
``se² = Σ_l n_l/(n_l − 1) Σ_{i ∈ l} (L_i − L̄_l)²`` with ``L_i`` the derivative of the term with
respect to the weight of region ``i``. Every term is a function of the group sums and the
``P_jh``, so ``L_i`` is a combination of ``y_i`` and of the per-region sums
``Σ_{r ∈ h} (y_i − y_r)⁺`` that the running sums already produce; the variance of every term of
a replicate costs O(n k) like the terms themselves.

Every replicate draws from its own generator, seeded from ``numpy.random.SeedSequence(seed)``
spawned per period and per replicate, so the numbers are the same for any ``n_jobs`` or joblib
backend, and the same on every fit with the same seed (a SeedSequence seed is copied before
spawning, see :func:`spatialcoupling._params.fresh_seed_sequence`).

Edge cases: negative values are rejected (error naming region and period); a period whose values
are all 0 has no Gini (error naming the period); a group whose values are all 0 in a period has
``G_jj = 0`` by definition (reported in ``.notes``); a group of the mapping without members in a
period is left out of that period (reported); regions without a group are an error listing them;
an unbalanced panel is allowed, each period using the regions it has (reported).

The Dagum implementations in common use (R ``dineq``-style scripts, Stata/MATLAB codes) are
O(n²); ``benchmarks/bench_dagum.py`` measures the gap against a vectorised pairwise version
(results in ``benchmarks/results/benchmarks.md``).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from .._groups import as_groups, conventional_order, group_codes
from .._parallel import parallel_map
from .._params import Boolean, Interval, Model, NJobs, Options, Seed, fresh_seed_sequence
from .._results import Result, copied
from .._series import PERIOD, REGION, _plain, _preview, as_region_period_series
from ._bootstrap import _BATCH_CELLS, _CI_METHODS, _bootstrap_chunk, _interval_limits
from ._dagum_core import _PAIR_TERMS, _dagum_batch, _point, _rank_by_mean, _unflatten
from .measures import as_values

__all__ = ["DagumGini", "DagumResult", "dagum_decomposition"]


# ---------------------------------------------------------------------------
# one cross-section as arrays
# ---------------------------------------------------------------------------
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

    Examples
    --------
    >>> out = dagum_decomposition([1.0, 2.0, 6.0, 7.0], ["a", "a", "b", "b"])
    >>> [str(g) for g in out["groups"]]
    ['b', 'a']
    >>> round(out["G"], 6) == round(out["Gw"] + out["Gnb"] + out["Gt"], 6)
    True
    """
    y = as_values(values, "dagum_decomposition")
    g = np.asarray(groups)
    if g.shape != y.shape:
        raise ValueError(f"dagum_decomposition: {g.shape[0] if g.ndim else 0} group labels for {y.size} values")
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


# ---------------------------------------------------------------------------
# DagumGini
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _CrossSection:
    """One period's values, ordered by group code, with the groups present in it."""

    period: Any
    values: np.ndarray
    local_codes: np.ndarray  # 0..k-1 among the groups present
    present: np.ndarray  # codes (into the labels) of the groups present
    sizes: np.ndarray

    @property
    def k(self) -> int:
        return int(self.present.size)

    @property
    def item(self) -> tuple[np.ndarray, np.ndarray, int]:
        return self.values, self.local_codes, self.k


@dataclass(frozen=True)
class _Limits:
    """Interval limits of one period's flat vector, and what the notes report about them."""

    lower: dict[str, np.ndarray]
    upper: dict[str, np.ndarray]
    unbounded: int
    clipped: int
    outside: int


class DagumGini(Model):
    """Dagum (1997) Gini decomposition by region groups, period by period.

    Settings go to the constructor, data to :meth:`fit`:
    ``DagumGini(bootstrap=999, seed=1).fit(series, groups)``.

    Parameters
    ----------
    groups : mapping or pandas.Series, optional
        Deprecated: pass the groups to :meth:`fit`. Still accepted (with a
        ``DeprecationWarning``) and used when ``fit`` is given none.
    bootstrap : int
        Number of bootstrap replicates (regions resampled with replacement within
        their group) for confidence intervals of every reported number; 0 (default)
        for none; 1 is refused (it gives no interval).
    seed : int, numpy.random.SeedSequence or None
        Seed of the bootstrap; the same seed gives the same intervals for any
        ``n_jobs`` and on every fit. With None, fresh entropy is drawn and reported in ``.notes``.
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
    >>> import spatialcoupling as sc
    >>> states = sc.datasets.load("us_states")
    >>> income = sc.datasets.load("us_income")
    >>> res = DagumGini().fit(income, states["SUB_REGION"])
    >>> bool(np.allclose(res.table["Gw"] + res.table["Gnb"] + res.table["Gt"], res.table["G"]))
    True

    Notes
    -----
    See the module docstrings for the formulas, the group order (by decreasing mean
    in each period), the O(n log n) algorithm and the handling of edge cases.

    Resampling scheme (so that a replicate can be reproduced outside the package):
    in period ``t`` (the ``t``-th period in sorted order, ``T`` periods) the regions
    are listed by group (groups in sorted label order, only those present) and,
    within a group, by region; replicate ``b`` draws uniforms
    ``u = numpy.random.default_rng(SeedSequence(seed).spawn(T)[t].spawn(B)[b]).random(n)``
    and takes, at each position, member ``floor(u · n_j)`` of the position's group
    (``n_j`` members). A SeedSequence seed stands for ``SeedSequence(seed.entropy,
    spawn_key=seed.spawn_key, pool_size=seed.pool_size)``, whatever it has spawned before.
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "bootstrap": [Interval(int, 0, None)],
        "seed": [Seed()],
        "n_jobs": [NJobs()],
        "alpha": [Interval(float, 0, 1, closed="neither")],
        "ci": [Options(*_CI_METHODS)],
        "progress": [None, Boolean()],
    }

    def __init__(
        self,
        groups: Mapping[Any, Any] | pd.Series | None = None,
        bootstrap: int = 0,
        seed: int | np.random.SeedSequence | None = None,
        n_jobs: int | None = 1,
        alpha: float = 0.05,
        *,
        ci: Literal["symmetric-t", "studentized", "percentile", "bc"] = "symmetric-t",
        progress: bool | None = None,
    ):
        self.bootstrap = bootstrap
        self.seed = seed
        self.n_jobs = n_jobs
        self.alpha = alpha
        self.ci = ci
        self.progress = progress
        self._validate_params()
        self.groups = None
        if groups is not None:
            warnings.warn("pass groups to fit: DagumGini(...).fit(series, groups)", DeprecationWarning, stacklevel=2)
            self.groups = as_groups(groups, "DagumGini")

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.bootstrap == 1:
            raise ValueError("DagumGini: bootstrap=1 gives no interval; use 0 (none) or at least 2 (e.g. 999)")

    def fit(self, series: pd.Series, groups: Mapping[Any, Any] | pd.Series | None = None) -> DagumResult:
        """Decompose the Gini of ``series`` in every period.

        Parameters
        ----------
        series : pandas.Series
            Non-negative values indexed by ``(region, period)``.
        groups : mapping or pandas.Series
            Group of every region of ``series`` (region → group label), e.g. the eight
            economic zones of China's provinces. A region without a group is an error naming it.

        Returns
        -------
        DagumResult
        """
        self._validate_params()
        who = "DagumGini"
        mapping = self._groups_to_use(groups)
        y = as_region_period_series(series, name=f"{who}: series", nonnegative=True)
        regions = y.index.get_level_values(REGION)
        codes, labels, notes = group_codes(regions, mapping, who)
        sections = _cross_sections(y, regions, codes, labels, notes)
        studentized = self.ci in ("symmetric-t", "studentized")
        bootstrap = int(self.bootstrap)
        points, ses = self._point_estimates(sections, with_se=studentized and bootstrap > 0)
        limits: list[_Limits | None] = [None] * len(sections)
        if bootstrap:
            draws, tdraws = self._bootstrap_draws(sections, points if studentized else None, notes)
            limits = [
                _limits_of(draws[t], points[t], ses[t], tdraws[t], float(self.alpha), self.ci, s.k)
                for t, s in enumerate(sections)
            ]
        overall, within, between = _rows(sections, points, limits, labels, notes)
        if bootstrap:
            notes.extend(
                bootstrap_notes(
                    method=self.ci,
                    replicates=bootstrap,
                    alpha=float(self.alpha),
                    within=within,
                    between=between,
                    outside=_counted(sections, limits, "outside"),
                    unbounded=_counted(sections, limits, "unbounded"),
                    clipped=_counted(sections, limits, "clipped"),
                )
            )
        table, within_df, between_df = _frames(overall, within, between)
        return DagumResult(
            table=table,
            within=within_df,
            between=between_df,
            labels=labels,
            bootstrap=bootstrap,
            alpha=float(self.alpha),
            ci=self.ci,
            seed=self.seed,
            notes=notes,
        )

    # -- pieces of fit -------------------------------------------------------------------
    def _groups_to_use(self, groups: Mapping[Any, Any] | pd.Series | None) -> pd.Series:
        """The groups given to ``fit``, else those of the deprecated constructor argument."""
        if groups is not None and self.groups is not None:
            raise ValueError(
                "DagumGini: groups given both to the constructor (deprecated) and to fit; pass them to fit only"
            )
        if groups is not None:
            return as_groups(groups, "DagumGini")
        if self.groups is None:
            raise TypeError("DagumGini.fit needs the groups: DagumGini(...).fit(series, groups)")
        return self.groups

    def _point_estimates(self, sections: list[_CrossSection], *, with_se: bool) -> tuple[list, list]:
        """The flat vector of every period and, when asked, its standard errors."""
        point_se = parallel_map(
            _point,
            [(*s.item, with_se) for s in sections],
            n_jobs=self.n_jobs,
            desc="Dagum",
            progress=self.progress,
        )
        return [p for p, _ in point_se], [se for _, se in point_se]

    def _bootstrap_draws(
        self, sections: list[_CrossSection], estimates: list[np.ndarray] | None, notes: list[str]
    ) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        """Replicate vectors of every period (and their studentized deviations when
        ``estimates`` are given), in batches that bound memory."""
        root = fresh_seed_sequence(self.seed)
        if self.seed is None:
            notes.append(f"bootstrap seed drawn at random: SeedSequence entropy {root.entropy}; pass seed= to repeat")
        period_seqs = root.spawn(len(sections))
        replicates = int(self.bootstrap)
        # the standard errors need a few more arrays of the batch's size: smaller batches
        cells = _BATCH_CELLS // 4 if estimates is not None else _BATCH_CELLS
        # run serially, a period is one job (its evaluation batches inside bound the memory): the sorted
        # sample and its layout are set up once and the replicates need no joining
        serial = self.n_jobs == 1
        jobs, owner = [], []
        for t, s in enumerate(sections):
            # replicate b of period t draws from period_seqs[t].spawn(B)[b]
            step = replicates if serial else max(1, cells // s.values.size)
            for a in range(0, replicates, step):
                span = (period_seqs[t], a, min(step, replicates - a))
                jobs.append((*s.item, span, None if estimates is None else estimates[t]))
                owner.append(t)
        chunks = parallel_map(
            _bootstrap_chunk, jobs, n_jobs=self.n_jobs, desc="Dagum bootstrap", progress=self.progress
        )
        by_period: list[list[tuple]] = [[] for _ in sections]
        for chunk, t in zip(chunks, owner, strict=True):
            by_period[t].append(chunk)
        draws = [parts[0][0] if len(parts) == 1 else np.concatenate([th for th, _ in parts]) for parts in by_period]
        tdraws = [
            None
            if estimates is None
            else parts[0][1]
            if len(parts) == 1
            else np.concatenate([ts for _, ts in parts], axis=0)
            for parts in by_period
        ]
        return draws, tdraws


def _ordered_periods(periods_idx: pd.Index) -> pd.Index:
    """The distinct periods, sorted when they sort (else in order of appearance)."""
    periods = periods_idx.unique()
    with contextlib.suppress(TypeError):  # mixed, unorderable labels: keep their order of appearance
        periods = periods.sort_values()
    return pd.Index(periods)


def _cross_sections(
    y: pd.Series, regions: pd.Index, codes: np.ndarray, labels: list, notes: list[str]
) -> list[_CrossSection]:
    """Every period's values grouped by group code; notes on groups without members and on
    regions missing from a period."""
    who = "DagumGini"
    periods_idx = y.index.get_level_values(PERIOD)
    periods = _ordered_periods(periods_idx)
    period_codes = periods.get_indexer(periods_idx)
    values = y.to_numpy()
    # group the observations: by period, then group code (stable)
    order = np.lexsort((codes, period_codes))
    bounds = np.searchsorted(period_codes[order], np.arange(len(periods) + 1))
    all_regions = pd.unique(regions)
    out = []
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
        out.append(_CrossSection(period, v, local, present, np.bincount(local, minlength=present.size)))
        absent = [labels[g] for g in np.setdiff1d(np.arange(len(labels)), present)]
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
    return out


def _limits_of(
    draws: np.ndarray,
    estimate: np.ndarray,
    se: np.ndarray | None,
    tdraws: np.ndarray | None,
    alpha: float,
    method: str,
    k: int,
) -> _Limits:
    """One period's interval limits, named, with the counts the notes report."""
    qlo, qhi, unbounded, clipped = _interval_limits(draws, estimate, se, tdraws, alpha, method, k)
    with np.errstate(invalid="ignore"):
        outside = int(np.sum((estimate < qlo - 1e-12 * np.abs(estimate)) | (estimate > qhi + 1e-12 * np.abs(estimate))))
    return _Limits(_unflatten(qlo, k), _unflatten(qhi, k), int(unbounded.sum()), int(clipped.sum()), outside)


def _counted(sections: list[_CrossSection], limits: list[_Limits | None], what: str) -> list[tuple[Any, int]]:
    """``(period, count)`` of the periods whose limits have a non-zero count ``what``."""
    out = []
    for s, lim in zip(sections, limits, strict=True):
        if lim is not None and getattr(lim, what):
            out.append((_plain(s.period), getattr(lim, what)))
    return out


#: (flat name, column) of the within-group terms that carry limits
_WITHIN_TERMS = (
    ("mean_j", "mean"),
    ("s_j", "s_j"),
    ("G_jj", "G_jj"),
    ("Gw_contrib", "Gw_contrib"),
    ("Gw_contrib_share", "Gw_contrib_share"),
)
_OVERALL_TERMS = ("G", "Gw", "Gnb", "Gt", "Gw_share", "Gnb_share", "Gt_share")


def _rows(
    sections: list[_CrossSection],
    points: list[np.ndarray],
    limits: list[_Limits | None],
    labels: list,
    notes: list[str],
) -> tuple[list[dict], list[dict], list[dict]]:
    """The rows of the overall and within tables and the columns of every period's between rows, period by
    period; notes on undefined shares and groups of zeros."""
    overall, within, between = [], [], []
    for s, point, lim in zip(sections, points, limits, strict=True):
        est = _unflatten(point, s.k)
        rank = _rank_by_mean(est["mean_j"])
        overall.append(_overall_row(s, est, lim))
        if not est["G"][0] > 0:
            notes.append(f"period {_plain(s.period)!r}: all values are equal (G = 0); shares are undefined (NaN)")
        for g in np.argsort(rank):
            within.append(_within_row(s, est, lim, rank, g, labels))
            if est["mean_j"][g] == 0:
                notes.append(
                    f"period {_plain(s.period)!r}: every value of group {_plain(labels[s.present[g]])!r} is 0; "
                    "its own Gini G_jj is undefined and set to 0"
                )
        between.append(_between_rows(s, est, lim, rank, labels))
    return overall, within, between


def _overall_row(s: _CrossSection, est: dict[str, np.ndarray], lim: _Limits | None) -> dict:
    row = {PERIOD: s.period, "n": int(s.sizes.sum()), "groups": s.k, "mean": est["mean"][0]}
    for name in _OVERALL_TERMS:
        row[name] = est[name][0]
        if lim is not None:
            row[f"{name}_lower"], row[f"{name}_upper"] = lim.lower[name][0], lim.upper[name][0]
    return row


def _within_row(
    s: _CrossSection, est: dict[str, np.ndarray], lim: _Limits | None, rank: np.ndarray, g: int, labels: list
) -> dict:
    n = int(s.sizes.sum())
    row = {
        PERIOD: s.period,
        "group": labels[s.present[g]],
        "rank": int(rank[g]),
        "n": int(s.sizes[g]),
        "mean": est["mean_j"][g],
        "p_j": s.sizes[g] / n,
        "s_j": est["s_j"][g],
        "G_jj": est["G_jj"][g],
        "Gw_contrib": est["Gw_contrib"][g],
        "Gw_contrib_share": est["Gw_contrib_share"][g],
    }
    if lim is not None:
        for name, col in _WITHIN_TERMS:
            row[f"{col}_lower"], row[f"{col}_upper"] = lim.lower[name][g], lim.upper[name][g]
    return row


def _between_rows(
    s: _CrossSection, est: dict[str, np.ndarray], lim: _Limits | None, rank: np.ndarray, labels: list
) -> dict[str, Any]:
    """The rows of every pair of groups present, the richer group first, in rank order, as columns."""
    jj, hh = np.triu_indices(s.k, 1)
    first = rank[jj] < rank[hh]
    rj, rh = np.where(first, jj, hh), np.where(first, hh, jj)
    order = np.lexsort((rank[rh], rank[rj]))
    rj, rh = rj[order], rh[order]
    names = [labels[code] for code in s.present]
    columns: dict[str, Any] = {
        PERIOD: [s.period] * order.size,
        "group_j": [names[g] for g in rj],
        "group_h": [names[g] for g in rh],
        "rank_j": rank[rj],
        "rank_h": rank[rh],
    }
    for name in _PAIR_TERMS:
        columns[name] = est[name][order]
        if lim is not None:
            columns[f"{name}_lower"], columns[f"{name}_upper"] = lim.lower[name][order], lim.upper[name][order]
    return columns


_BETWEEN_COLUMNS = [PERIOD, "group_j", "group_h", "rank_j", "rank_h", "G_jh", "D_jh", "d_jh", "p_jh"]


def _frames(overall: list[dict], within: list[dict], between: list[dict]) -> tuple[pd.DataFrame, ...]:
    """The three tables; ``between`` holds one dict of columns per period (:func:`_between_rows`)."""
    table = pd.DataFrame(overall).set_index(PERIOD)
    within_df = pd.DataFrame(within).set_index([PERIOD, "group"])
    keys = [PERIOD, "group_j", "group_h"]
    if sum(len(part[PERIOD]) for part in between):
        joined = {
            name: [v for part in between for v in part[name]]
            if isinstance(between[0][name], list)
            else np.concatenate([part[name] for part in between])
            for name in between[0]
        }
        between_df = pd.DataFrame(joined).set_index(keys)
    else:
        between_df = pd.DataFrame(columns=_BETWEEN_COLUMNS).set_index(keys)
    return table, within_df, between_df


# ---------------------------------------------------------------------------
# what the notes of a bootstrap say
# ---------------------------------------------------------------------------
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


def _by_period(items: list[tuple[Any, int]]) -> str:
    shown = ", ".join(f"{p!r}: {c}" for p, c in items[:5])
    return shown + (" …" if len(items) > 5 else "")


def bootstrap_notes(
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
    cannot be trusted, in the words the study report shows.

    Parameters
    ----------
    method, replicates, alpha
        The settings of the bootstrap.
    within : list of dict
        The rows of the result's ``within`` table.
    between : list of dict
        The columns of the result's ``between`` rows, one dict per period.
    outside, unbounded, clipped : list of (period, count)
        Periods with estimates outside their interval, limits left empty, limits clipped.
    """
    t_method = method in ("symmetric-t", "studentized")
    notes = [_purpose_note(method, replicates, alpha)]
    small = _small_groups(within)
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
    separate = _separate_pairs(between)
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
            f"period(s) ({_by_period(unbounded)} terms): the bootstrap gives no finite limit there, because in too "
            "many replicates a resampled group had no spread (all its draws the same region)"
        )
    if clipped:
        notes.append(
            f"bootstrap: {sum(c for _, c in clipped)} interval limit(s) beyond the range of their term were set "
            f"to it in {len(clipped)} period(s) ({_by_period(clipped)} terms): Ginis, shares, s_j and D_jh lie in "
            "[0, 1], means and d_jh, p_jh are >= 0"
        )
    if outside and method != "symmetric-t":
        notes.append(_outside_note(method, outside))
    return notes


def _purpose_note(method: str, replicates: int, alpha: float) -> str:
    level = f"{100 * (1 - alpha):g}%"
    words = _METHOD_WORDS[method].format(level=level)
    return (
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
    )


def _small_groups(within: list[dict]) -> dict[Any, int]:
    """Groups whose smallest membership over the periods is below :data:`_SMALL_GROUP`."""
    smallest: dict[Any, int] = {}
    for r in within:
        smallest[r["group"]] = min(smallest.get(r["group"], r["n"]), r["n"])
    return {g: n for g, n in smallest.items() if n < _SMALL_GROUP}


def _separate_pairs(between: list[dict]) -> list[tuple[Any, Any]]:
    """Pairs of groups whose D_jh reaches :data:`_NEAR_SEPARATE` in some period (``between``: the columns
    of every period's rows)."""
    pairs = set()
    for part in between:
        for q in np.flatnonzero(np.asarray(part["D_jh"]) >= _NEAR_SEPARATE):
            pairs.add((part["group_j"][q], part["group_h"][q]))
    return sorted(pairs, key=lambda pair: (str(pair[0]), str(pair[1])))


def _outside_note(method: str, outside: list[tuple[Any, int]]) -> str:
    return (
        f"bootstrap: in {len(outside)} period(s) some point estimates lie outside their {method} interval "
        f"({_by_period(outside)} terms): "
        + (
            "the interval is for the population value, and the plug-in estimate is biased in small groups "
            "(within-group Ginis downwards by about 1/n_j)"
            if method == "studentized"
            else "resampling a group of n_j members repeats members, which shrinks resampled within-group "
            "Ginis by about (n_j − 1)/n_j"
        )
        + "; ci='symmetric-t' (the default) gives intervals centred on the estimate"
    )


# ---------------------------------------------------------------------------
# the result
# ---------------------------------------------------------------------------
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
        cols += [c for c in ("mean_lower", "mean_upper", "s_j_lower", "s_j_upper") if c in self._within.columns]
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
            lines.append(f"bootstrap: {self.bootstrap} replicates, {100 * (1 - self.alpha):g}% {self.ci} intervals")
        lines += [f"note: {n}" for n in self.notes]
        with pd.option_context("display.width", 120, "display.max_columns", 30, "display.max_rows", 60):
            lines.append(self._table[cols].to_string(float_format=lambda v: f"{v:.4f}"))
        return "\n".join(lines)

    def plot(
        self,
        kind: Literal["decomposition", "within", "between", "between_lines"] = "decomposition",
        *,
        period: Any = None,
        value: Literal["G_jh", "D_jh"] = "G_jh",
        intervals: bool | None = None,
        ax=None,
        language: str = "en",
    ):
        """Draw the decomposition.

        Parameters
        ----------
        kind : {"decomposition", "within", "between", "between_lines"}
            ``"decomposition"``: stacked shares of Gw, Gnb and Gt per period with G
            on a second axis; ``"within"``: each group's G_jj over time (bands =
            bootstrap intervals); ``"between"``: heatmap of the between-group
            ``value`` (G_jh or D_jh) for one period, groups by rank, G_jj on the
            diagonal for G_jh; ``"between_lines"``: each pair's ``value`` over time.
        period : optional
            Period of the heatmap (default: the last).
        value : {"G_jh", "D_jh"}
            What the heatmap shows.
        intervals : bool, optional
            Bootstrap bands on the ``"within"`` lines (default: when there are at most 3 groups).
        ax : matplotlib Axes, optional
            Axes to draw on.
        language : {"en", "zh"}
            Language of the figure's text.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from ..plotting import inequality as charts

        if kind == "decomposition":
            return charts.dagum_decomposition_chart(self.table, ax=ax, language=language)
        if kind == "within":
            within = self.within
            groups = within.index.get_level_values("group")
            order = pd.Index(conventional_order(pd.unique(groups)))  # East, Central, West …: as papers list them
            within = within.iloc[np.argsort(order.get_indexer(groups), kind="stable")]
            return charts.within_gini_chart(within, self._table.index, intervals=intervals, ax=ax, language=language)
        if kind == "between":
            return charts.between_heatmap(
                self.within,
                self.between,
                self._table.index[-1] if period is None else period,
                value=value,
                ax=ax,
                language=language,
            )
        if kind == "between_lines":
            return charts.between_gini_chart(self.between, self._table.index, value=value, ax=ax, language=language)
        raise ValueError(f"kind must be 'decomposition', 'within', 'between' or 'between_lines', got {kind!r}")
