"""Rank mobility: how regions change places between periods.

* Ranks: 1 is the highest value of a period (ties share the smallest rank, "competition"
  ranking); a rank change is ``rank(start) - rank(end)``, positive when a region moved up.
* Kendall's τ between two periods: τ-b (ties corrected) with its p-value, from
  ``scipy.stats.kendalltau``. giddy's ``rank.Tau`` gives the same τ (checked in the tests) in a
  Python loop.
* Spatial τ (Rey 2014): τ over the pairs of neighbours only (the nonzero links ``i < j`` of
  the binary weights), ``τ_s = (concordant - discordant) / √(n_x n_y)`` with ``n_x``, ``n_y`` the
  neighbour pairs not tied in either period; its pseudo p-value comes from random permutations
  of the regions over the map (one permutation for both periods), folded to the smaller tail as
  giddy's ``pseudop``; all pairs of periods share the permutations. A spatial τ below τ means
  that neighbours exchange ranks more often than regions in general.

giddy's ``rank.SpatialTau`` computes the same statistic in Python loops over neighbour pairs and
permutations, needs the weights' ids to be the positions 0 … n-1 and changes the caller's weights
to binary; at 2,850 regions one pair of periods with 999 permutations takes it about half a
minute, so the statistic is computed here, vectorised over pairs and blocks of permutations (times
in ``benchmarks/results/dynamics.md``).

Data goes to ``fit``, settings to the constructor: ``RankMobility(permutations=99, seed=1).fit(D, w=None)``.

Reference: Rey, S. J. (2014) Rank-based Markov chains for regional income distribution dynamics,
Journal of Geographical Systems 16(2).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._params import Interval, Model, Options, Seed
from .._series import PERIOD, REGION
from ._base import DynamicsResult, aligned_weights, balanced_panel

__all__ = ["RankMobility", "RankResult", "spatial_tau", "spatial_taus"]

_BLOCK = 4_000_000


def _neighbour_pairs(sparse: Any) -> tuple[np.ndarray, np.ndarray]:
    coo = sparse.tocoo()
    keep = coo.row < coo.col
    return coo.row[keep].astype(np.intp), coo.col[keep].astype(np.intp)


def spatial_taus(
    values: np.ndarray,
    pairs: list[tuple[int, int]],
    sparse: Any,
    permutations: Any = 0,
    rng: np.random.Generator | None = None,
) -> list[dict[str, float]]:
    """Spatial τ of several pairs of columns of ``values`` (n, T) with one set of permutations.

    Each permutation relabels the regions on the map (the same relabelling for every period), so
    the sign of every neighbour pair is computed once per period and permutation and shared by
    all pairs of periods.

    Parameters
    ----------
    values : ndarray (n, T)
    pairs : list of (a, b)
        Column positions of the periods compared.
    sparse : sparse matrix (n, n)
        Weights; their nonzero links ``i < j`` are the neighbour pairs.
    permutations : int or ndarray (B, n)
        Number of random permutations, or the permutations themselves (rows of region indices).
    rng : numpy Generator, optional

    Returns
    -------
    list of dict
        Per pair: ``tau_spatial``, ``expected`` (mean over the permutations), ``p_sim`` (NaN
        without permutations), ``pairs``, ``concordant``, ``discordant``.
    """
    values = np.asarray(values, dtype=float)
    n = values.shape[0]
    i, j = _neighbour_pairs(sparse)
    npairs = len(i)
    used = sorted({t for pair in pairs for t in pair})
    signs = {t: np.sign(values[i, t] - values[j, t]).astype(np.int8) for t in used}
    out = []
    for a, b in pairs:
        prod = signs[a].astype(np.int32) * signs[b]
        nx, ny = np.count_nonzero(signs[a]), np.count_nonzero(signs[b])
        tau = float(prod.sum() / (np.sqrt(nx) * np.sqrt(ny))) if nx and ny else np.nan
        out.append(
            {
                "tau_spatial": tau,
                "expected": np.nan,
                "p_sim": np.nan,
                "pairs": float(npairs),
                "concordant": float((prod > 0).sum()),
                "discordant": float((prod < 0).sum()),
            }
        )
    given = permutations if isinstance(permutations, np.ndarray) else None
    count = len(given) if given is not None else int(permutations)
    if not count or npairs == 0:
        return out
    rng = rng if rng is not None else np.random.default_rng()
    tied = {t: len(np.unique(values[:, t])) < n for t in used}  # without ties every permutation has P untied pairs
    cols = {t: np.ascontiguousarray(values[:, t]) for t in used}
    larger = np.zeros(len(pairs))
    total = np.zeros(len(pairs))
    block = max(1, _BLOCK // npairs)
    for start in range(0, count, block):  # blocks of permutations bound the memory
        size = min(block, count - start)
        if given is not None:
            perm = given[start : start + size].astype(np.intp)
        else:
            perm = rng.permuted(np.tile(np.arange(n, dtype=np.intp), (size, 1)), axis=1)
        pi, pj = perm[:, i], perm[:, j]
        sim = {t: np.sign(cols[t][pi] - cols[t][pj]).astype(np.int8) for t in used}
        nonzero = {t: np.count_nonzero(sim[t], axis=1) if tied[t] else np.full(size, npairs) for t in used}
        for k, (a, b) in enumerate(pairs):
            s = np.einsum("ij,ij->i", sim[a], sim[b], dtype=np.int64)
            with np.errstate(invalid="ignore", divide="ignore"):
                tau = s / (np.sqrt(nonzero[a]) * np.sqrt(nonzero[b]))
            larger[k] += (tau >= out[k]["tau_spatial"]).sum()
            total[k] += tau.sum()
    for k in range(len(pairs)):
        p = (larger[k] + 1.0) / (count + 1.0)
        if p > 0.5:
            p = (count - larger[k] + 1.0) / (count + 1.0)
        out[k]["expected"] = float(total[k] / count)
        out[k]["p_sim"] = float(p)
    return out


def spatial_tau(
    x: np.ndarray, y: np.ndarray, sparse: Any, permutations: Any = 0, rng: np.random.Generator | None = None
) -> dict[str, float]:
    """Spatial τ of two periods' values on the neighbour pairs of ``sparse`` and its pseudo p-value
    (:func:`spatial_taus` for one pair).

    ``permutations`` is a number of random permutations (drawn from ``rng``) or the permutations
    themselves (an array of rows of region indices).
    """
    return spatial_taus(np.column_stack([x, y]), [(0, 1)], sparse, permutations, rng)[0]


class RankMobility(Model):
    """Ranks, rank changes, Kendall's τ and the spatial τ between periods.

    Data goes to ``fit``, settings to the constructor: ``RankMobility(pairs="consecutive").fit(D, w=None)``.

    Parameters
    ----------
    pairs : {"consecutive", "first"}
        Which periods are compared: each with the next, or each with the first; the first with
        the last is always included.
    permutations : int
        Random spatial permutations for the spatial τ's pseudo p-value (0: none; 99 as in giddy's
        example, so that p resolves to 0.01; every pair of periods costs about one sparse pass per
        permutation and period, see ``benchmarks/results/dynamics.md``).
    seed : None, int or SeedSequence
        Seed of the permutations.

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> income = sc.datasets.load("us_income")
    >>> r = RankMobility().fit(income)
    >>> round(float(r.table.loc[(1929, 2009), "tau"]), 4)
    0.5188
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "pairs": [Options("consecutive", "first")],
        "permutations": [Interval(int, 0, None)],
        "seed": [Seed()],
    }

    def __init__(self, pairs: str = "consecutive", permutations: int = 99, seed: Any = None) -> None:
        self.pairs = pairs
        self.permutations = permutations
        self.seed = seed
        self._validate_params()

    def fit(self, series: pd.Series, w: Any = None) -> RankResult:
        """Ranks per period, rank changes per region, and τ (with the spatial τ when ``w`` is given).

        Parameters
        ----------
        series : pandas.Series
            Region × period values, balanced.
        w : libpysal W or Graph, or SpatialWeights, optional
            Spatial weights on the regions of the series (their links, binary, define neighbours).
        """
        from scipy.stats import kendalltau

        self._validate_params()
        who = type(self).__name__
        wide = balanced_panel(series, who, min_periods=2, min_regions=3)
        values = wide.to_numpy(dtype=float)
        periods = list(wide.columns)
        T = len(periods)
        sparse = aligned_weights(w, wide.index, who, allow_islands=True).sparse if w is not None else None
        ss = self.seed if isinstance(self.seed, np.random.SeedSequence) else np.random.SeedSequence(self.seed)
        idx = [(t - 1, t) for t in range(1, T)] if self.pairs == "consecutive" else [(0, t) for t in range(1, T)]
        if (0, T - 1) not in idx:
            idx.append((0, T - 1))
        spatial = (
            spatial_taus(values, idx, sparse, self.permutations, np.random.default_rng(ss))
            if sparse is not None
            else [{}] * len(idx)
        )
        rows = []
        for (a, b), extra in zip(idx, spatial, strict=True):  # one row per pair of periods
            tau, p = kendalltau(values[:, a], values[:, b])
            rows.append({"from": periods[a], "to": periods[b], "tau": float(tau), "p_value": float(p), **extra})
        table = pd.DataFrame(rows).set_index(["from", "to"])
        ranks = wide.rank(axis=0, ascending=False, method="min").astype(int)
        ranks.columns.name = PERIOD
        steps = np.abs(np.diff(ranks.to_numpy(), axis=1))
        changes = pd.DataFrame(
            {
                "value_first": values[:, 0],
                "value_last": values[:, -1],
                "rank_first": ranks.iloc[:, 0],
                "rank_last": ranks.iloc[:, -1],
                "change": ranks.iloc[:, 0] - ranks.iloc[:, -1],
                "mean_abs_change": steps.mean(axis=1),
                "largest_rise": (-np.diff(ranks.to_numpy(), axis=1)).max(axis=1),
                "largest_fall": np.diff(ranks.to_numpy(), axis=1).max(axis=1),
            },
            index=wide.index,
        )
        changes.index.name = REGION
        settings = {
            "variable": str(getattr(series, "name", None) or "series"),
            **self.get_params(),
            "seed": self.seed if self.seed is not None else ss.entropy,
            "spatial": "none" if sparse is None else "binary links of the weights",
            "regions": wide.shape[0],
            "periods": f"{periods[0]}-{periods[-1]}",
        }
        return RankResult({"table": table, "ranks": ranks, "changes": changes}, settings, [])


class RankResult(DynamicsResult):
    """Rank mobility between periods.

    Tables: ``table`` (per pair of periods ``from``, ``to``: Kendall's ``tau`` and its
    ``p_value``; with weights also ``tau_spatial``, its permutation mean ``expected``, ``p_sim``,
    the number of neighbour ``pairs`` and how many are ``concordant``/``discordant``), ``ranks``
    (regions × periods, 1 = highest), ``changes`` (per region: first and last values and ranks,
    ``change`` = rank first - rank last, positive when moving up, the mean absolute rank change
    between consecutive periods, the largest rise and fall in one step).
    """

    _table_names = ("table", "ranks", "changes")

    @property
    def ranks(self) -> pd.DataFrame:
        return self._get("ranks")

    @property
    def changes(self) -> pd.DataFrame:
        return self._get("changes")

    def plot(self, kind: str = "tau", regions: Any = None, ax: Any = None, language: str = "en", **kwargs: Any) -> Any:
        """``kind="tau"``: τ (and the spatial τ) per pair of periods; ``"map"``: the rank change from
        the first to the last period on ``regions`` (a GeoDataFrame indexed by region)."""
        from ..plotting import dynamics as dplot

        var = self.settings["variable"]
        if kind == "tau":
            return dplot.tau_series(
                self._store["table"], ax=ax, title=f"Rank mobility of {var}", language=language, **kwargs
            )
        if kind == "map":
            if regions is None:
                raise ValueError("kind='map' needs regions=<GeoDataFrame indexed by region>")
            p = self.settings["periods"]
            return dplot.rank_change_map(
                regions,
                self._store["changes"]["change"],
                title=f"Rank change of {var}, {p}",
                caption="positive: moved up",
                language=language,
                **kwargs,
            )
        raise ValueError(f"kind must be 'tau' or 'map', got {kind!r}")
