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
  giddy's ``pseudop``. A spatial τ below τ means that neighbours exchange ranks more often than
  regions in general.

giddy's ``rank.SpatialTau`` computes the same statistic in Python loops over neighbour pairs and
permutations, needs the weights' ids to be the positions 0 … n-1 and changes the caller's weights
to binary; at 2,850 regions one pair of periods with 999 permutations takes it about half a
minute, so the statistic is computed here, vectorised over pairs and blocks of permutations (times
in ``benchmarks/results/dynamics.md``).

Data goes to ``fit``, settings to the constructor: ``RankMobility(permutations=999, seed=1).fit(D, w=None)``.

Reference: Rey, S. J. (2014) Rank-based Markov chains for regional income distribution dynamics,
Journal of Geographical Systems 16(2).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._params import Interval, Model, Options, Seed
from .._series import PERIOD, REGION
from ._base import DynamicsResult, aligned_weights, balanced_panel

__all__ = ["RankMobility", "RankResult", "spatial_tau"]

_BLOCK = 4_000_000


def _neighbour_pairs(sparse: Any) -> tuple[np.ndarray, np.ndarray]:
    coo = sparse.tocoo()
    keep = coo.row < coo.col
    return coo.row[keep].astype(np.intp), coo.col[keep].astype(np.intp)


def _tau_on_pairs(x: np.ndarray, y: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Spatial τ of rows of ``x`` and ``y`` (B, n) on the pairs (i, j)."""
    dx = np.sign(x[:, i] - x[:, j])
    dy = np.sign(y[:, i] - y[:, j])
    s = (dx * dy).sum(axis=1)
    nx = np.count_nonzero(dx, axis=1)
    ny = np.count_nonzero(dy, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return s / (np.sqrt(nx) * np.sqrt(ny))


def spatial_tau(x: np.ndarray, y: np.ndarray, sparse: Any, permutations: Any = 0,
                rng: np.random.Generator | None = None) -> dict[str, float]:
    """Spatial τ of two periods' values on the neighbour pairs of ``sparse`` and its pseudo p-value.

    ``permutations`` is a number of random permutations (drawn from ``rng``) or the permutations
    themselves (an array of rows of region indices).

    Returns
    -------
    dict
        ``tau_spatial``, ``expected`` (mean over the permutations), ``p_sim`` (NaN without
        permutations), ``pairs`` (neighbour pairs), ``concordant``, ``discordant``.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    i, j = _neighbour_pairs(sparse)
    dx = np.sign(x[i] - x[j])
    dy = np.sign(y[i] - y[j])
    prod = dx * dy
    obs = float(_tau_on_pairs(x[None], y[None], i, j)[0])
    out = {"tau_spatial": obs, "expected": np.nan, "p_sim": np.nan, "pairs": float(len(i)),
           "concordant": float((prod > 0).sum()), "discordant": float((prod < 0).sum())}
    given = permutations if isinstance(permutations, np.ndarray) else None
    count = len(given) if given is not None else int(permutations)
    if count:
        rng = rng if rng is not None else np.random.default_rng()
        n = len(x)
        block = max(1, _BLOCK // max(len(i), 1))
        sims = []
        for start in range(0, count, block):  # blocks of permutations bound the memory
            b = min(block, count - start)
            if given is not None:
                perm = given[start:start + b].astype(np.intp)
            else:
                perm = rng.permuted(np.tile(np.arange(n), (b, 1)), axis=1)
            sims.append(_tau_on_pairs(x[perm], y[perm], i, j))
        sim = np.concatenate(sims)
        permutations = count
        larger = int((sim >= obs).sum())
        p = (larger + 1.0) / (permutations + 1.0)
        if p > 0.5:
            p = (permutations - larger + 1.0) / (permutations + 1.0)
        out["expected"] = float(sim.mean())
        out["p_sim"] = p
    return out


class RankMobility(Model):
    """Ranks, rank changes, Kendall's τ and the spatial τ between periods.

    Data goes to ``fit``, settings to the constructor: ``RankMobility(pairs="consecutive").fit(D, w=None)``.

    Parameters
    ----------
    pairs : {"consecutive", "first"}
        Which periods are compared: each with the next, or each with the first; the first with
        the last is always included.
    permutations : int
        Random spatial permutations for the spatial τ's pseudo p-value (0: none).
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

    _parameter_constraints = {
        "pairs": [Options("consecutive", "first")],
        "permutations": [Interval(int, 0, None)],
        "seed": [Seed()],
    }

    def __init__(self, pairs: str = "consecutive", permutations: int = 999, seed: Any = None) -> None:
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
        if self.pairs == "consecutive":
            idx = [(t - 1, t) for t in range(1, T)]
        else:
            idx = [(0, t) for t in range(1, T)]
        if (0, T - 1) not in idx:
            idx.append((0, T - 1))
        rngs = [np.random.default_rng(s) for s in ss.spawn(len(idx))]
        rows = []
        for (a, b), rng in zip(idx, rngs, strict=True):  # one row per pair of periods
            tau, p = kendalltau(values[:, a], values[:, b])
            row = {"from": periods[a], "to": periods[b], "tau": float(tau), "p_value": float(p)}
            if sparse is not None:
                row.update(spatial_tau(values[:, a], values[:, b], sparse, self.permutations, rng))
            rows.append(row)
        table = pd.DataFrame(rows).set_index(["from", "to"])
        ranks = wide.rank(axis=0, ascending=False, method="min").astype(int)
        ranks.columns.name = PERIOD
        steps = np.abs(np.diff(ranks.to_numpy(), axis=1))
        changes = pd.DataFrame({"value_first": values[:, 0], "value_last": values[:, -1],
                                "rank_first": ranks.iloc[:, 0], "rank_last": ranks.iloc[:, -1],
                                "change": ranks.iloc[:, 0] - ranks.iloc[:, -1],
                                "mean_abs_change": steps.mean(axis=1), "largest_rise": (-np.diff(ranks.to_numpy(), axis=1)).max(axis=1),
                                "largest_fall": np.diff(ranks.to_numpy(), axis=1).max(axis=1)}, index=wide.index)
        changes.index.name = REGION
        settings = {"variable": str(getattr(series, "name", None) or "series"), **self.get_params(),
                    "seed": self.seed if self.seed is not None else ss.entropy,
                    "spatial": "none" if sparse is None else "binary links of the weights",
                    "regions": wide.shape[0], "periods": f"{periods[0]}-{periods[-1]}"}
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

    def plot(self, kind: str = "tau", regions: Any = None, ax: Any = None, **kwargs: Any) -> Any:
        """``kind="tau"``: τ (and the spatial τ) per pair of periods; ``"map"``: the rank change from
        the first to the last period on ``regions`` (a GeoDataFrame indexed by region)."""
        from ..plotting import dynamics as dplot

        var = self.settings["variable"]
        if kind == "tau":
            return dplot.tau_series(self._store["table"], ax=ax, title=f"Rank mobility of {var}", **kwargs)
        if kind == "map":
            if regions is None:
                raise ValueError("kind='map' needs regions=<GeoDataFrame indexed by region>")
            p = self.settings["periods"]
            return dplot.rank_change_map(regions, self._store["changes"]["change"],
                                         title=f"Rank change of {var}, {p}", caption="positive: moved up", **kwargs)
        raise ValueError(f"kind must be 'tau' or 'map', got {kind!r}")
