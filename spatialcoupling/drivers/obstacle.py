"""Obstacle degree (障碍度模型): which indicators hold a region's scores back.

For each region-period and indicator ``j`` of the fitted :class:`~spatialcoupling.SubsystemScores`:

* factor contribution ``F_j = w_{j|d} · W_d``: the weight of the indicator within its dimension
  (``w_j / W_d``) times the weight of the dimension ``W_d = Σ_{k ∈ d} w_k``; this is the
  indicator's weight within its subsystem ``w_j`` (the weights table of the scores), written in
  the two factors papers tabulate;
* deviation ``I_j = 1 − z_j``, ``z_j`` the min-max standardised value (direction applied, before
  the shift) of the scores' ``standardized`` table;
* obstacle degree ``O_j = F_j I_j / Σ_k F_k I_k``, the sum running over the indicators of the
  subsystem (``scope="subsystem"``, default; the obstacle degrees of each subsystem sum to 1) or
  of every subsystem (``scope="system"``, where ``F_j`` is further multiplied by the subsystem's
  contribution coefficient θ, equal by default; all obstacle degrees of a region-period sum to 1).

Dimension and subsystem obstacle degrees are the sums of their indicators' ``O_j``. A
region-period whose indicators are all at their best value (every ``z = 1`` in a subsystem) has
no obstacle: its ``O`` is NaN and it is listed in the notes. With ``scope="period"`` weights the
weights of each period are used for its rows. No weight is re-estimated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._params import InstanceOf, Interval, Model, Options
from .._series import PERIOD, _preview
from ._base import DriverResult

__all__ = ["ObstacleDegree", "ObstacleResult"]


class ObstacleDegree(Model):
    """Obstacle degree of every indicator, dimension and subsystem per region-period.

    Settings go to the constructor, data (the fitted scores) to :meth:`fit`:
    ``ObstacleDegree(top=5).fit(scores)``.

    Parameters
    ----------
    top : int
        How many obstacle factors per region-period the ``top`` table lists (>= 1).
    scope : {"subsystem", "system"}
        Normalise the obstacle degrees within each subsystem, or over all indicators.
    contributions : mapping subsystem -> θ, optional
        With ``scope="system"``: the weight of each subsystem (>= 0, summing to 1); default equal.

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> from spatialcoupling.datasets.simulate import china_demo_system, simulate_panel
    >>> panel = sc.read_panel(simulate_panel(), region="region", period="period")
    >>> scores = sc.EntropyWeights().fit(panel, china_demo_system())
    >>> res = ObstacleDegree(top=3).fit(scores)
    >>> round(float(res.table.groupby(["region", "period", "subsystem"])["obstacle"].sum().max()), 6)
    1.0
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "top": [Interval(int, 1, None)],
        "scope": [Options("subsystem", "system")],
        "contributions": [None, InstanceOf(Mapping, "a mapping subsystem -> contribution")],
    }

    def __init__(
        self, top: int = 5, scope: str = "subsystem", contributions: Mapping[str, float] | None = None
    ) -> None:
        self.top = top
        self.scope = scope
        self.contributions = contributions
        self._validate_params()

    def fit(self, scores: Any) -> ObstacleResult:
        """Contribution, deviation and obstacle degree from fitted subsystem scores.

        Parameters
        ----------
        scores : SubsystemScores
            The result of ``EntropyWeights(...).fit(panel, system)`` (or any weighting).
        """
        self._validate_params()
        for attribute in ("weights", "standardized"):
            if not hasattr(scores, attribute):
                raise TypeError(
                    f"ObstacleDegree.fit takes fitted SubsystemScores (from EntropyWeights(...).fit(panel, "
                    f"system)); got {type(scores).__name__} without .{attribute}"
                )
        weights = scores.weights
        z = scores.standardized
        indicators = list(dict.fromkeys(weights["indicator"]))
        missing = [j for j in indicators if j not in z.columns]
        if missing:
            raise ValueError(
                f"ObstacleDegree: indicators {_preview(missing)} of the weights are not in the standardised data"
            )
        z = z[indicators]
        meta = weights.drop_duplicates("indicator").set_index("indicator").loc[indicators, ["subsystem", "dimension"]]
        F = self._contributions(weights, z, meta)  # (rows, J)
        notes: list[str] = []
        deviation = 1.0 - z.to_numpy(dtype=float)
        product = F * deviation
        blocks = meta["subsystem"].to_numpy() if self.scope == "subsystem" else np.zeros(len(indicators), dtype=int)
        codes, _ = pd.factorize(blocks)
        member = np.eye(codes.max() + 1)[codes]  # (J, blocks)
        totals = product @ member  # (rows, blocks)
        denominator = totals @ member.T
        with np.errstate(divide="ignore", invalid="ignore"):
            obstacle = np.where(denominator > 0, product / denominator, np.nan)
        none = np.argwhere(totals <= 0)
        if none.size:
            cells = [z.index[i] for i in np.unique(none[:, 0])]
            notes.append(
                f"{len(cells)} region-period(s) have every indicator at its best value in a "
                f"{'subsystem' if self.scope == 'subsystem' else 'system'} (no obstacle; O is NaN): "
                f"{_preview(cells, 5)}"
            )
        rows, _J = obstacle.shape
        within = self._within_dimension(weights, z, meta)
        dim_w = self._dimension_weights(weights, z, meta)
        table = pd.DataFrame(
            {
                "subsystem": _tiled(meta["subsystem"], rows),
                "dimension": _tiled(meta["dimension"], rows),
                "weight_in_dimension": within.ravel(),
                "dimension_weight": dim_w.ravel(),
                "contribution": F.ravel(),
                "deviation": deviation.ravel(),
                "obstacle": obstacle.ravel(),
            },
            index=_expand(z.index, pd.Index(indicators, name="indicator")),
        )
        dims = self._aggregate(obstacle, z.index, meta, ["subsystem", "dimension"])
        subs = self._aggregate(obstacle, z.index, meta, ["subsystem"])
        top = self._top(obstacle, z.index, meta)
        ranking = self._ranking(obstacle, z.index, indicators)
        settings = {
            "top": self.top,
            "scope": self.scope,
            "weights": getattr(scores, "method", "given"),
            "contributions": dict(self._theta(meta)) if self.scope == "system" else "-",
        }
        return ObstacleResult(
            {"table": table, "dimensions": dims, "subsystems": subs, "top": top, "ranking": ranking}, settings, notes
        )

    @staticmethod
    def _aggregate(obstacle: np.ndarray, index: pd.MultiIndex, meta: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        """Sums of the obstacle degrees per group of indicators (NaN when every member is NaN)."""
        groups = meta[keys].drop_duplicates()
        codes = pd.MultiIndex.from_frame(groups).get_indexer(pd.MultiIndex.from_frame(meta[keys]))
        member = np.eye(len(groups))[codes]  # (J, groups)
        sums = np.nan_to_num(obstacle) @ member
        undefined = (np.isnan(obstacle).astype(float) @ member) == member.sum(axis=0)[None, :]
        sums[undefined] = np.nan
        inner = pd.MultiIndex.from_frame(groups) if len(keys) > 1 else pd.Index(groups[keys[0]], name=keys[0])
        return pd.DataFrame({"obstacle": sums.ravel()}, index=_expand(index, inner))

    def _top(self, obstacle: np.ndarray, index: pd.MultiIndex, meta: pd.DataFrame) -> pd.DataFrame:
        k = min(self.top, obstacle.shape[1])
        order = np.argsort(-np.nan_to_num(obstacle, nan=-np.inf), axis=1, kind="stable")[:, :k]
        values = np.take_along_axis(obstacle, order, axis=1)
        ranks = pd.Index(np.arange(1, k + 1), name="rank")
        return pd.DataFrame(
            {
                "indicator": _taken(pd.Series(meta.index, index=meta.index), order),
                "subsystem": _taken(meta["subsystem"], order),
                "dimension": _taken(meta["dimension"], order),
                "obstacle": values.ravel(),
            },
            index=_expand(index, ranks),
        )

    @staticmethod
    def _ranking(obstacle: np.ndarray, index: pd.MultiIndex, indicators: list[str]) -> pd.DataFrame:
        mean = (
            pd.DataFrame(obstacle, columns=pd.Index(indicators, name="indicator"))
            .groupby(index.get_level_values(PERIOD).to_numpy(), sort=True)
            .mean()
        )
        mean.index.name = PERIOD
        rank = mean.rank(axis=1, ascending=False, method="min")
        frame = pd.DataFrame({"mean_obstacle": mean.stack(), "rank": rank.stack().astype("Int64")})
        return frame

    def _theta(self, meta: pd.DataFrame) -> dict[str, float]:
        subsystems = list(dict.fromkeys(meta["subsystem"]))
        if self.contributions is None:
            return {s: 1.0 / len(subsystems) for s in subsystems}
        theta = {str(k): float(v) for k, v in self.contributions.items()}
        missing = [s for s in subsystems if s not in theta]
        extra = [s for s in theta if s not in subsystems]
        if missing or extra:
            raise ValueError(
                f"ObstacleDegree: contributions must name exactly the subsystems {subsystems}; "
                f"missing {missing}, unknown {extra}"
            )
        if any(v < 0 for v in theta.values()) or not np.isclose(sum(theta.values()), 1.0, atol=1e-9):
            raise ValueError(f"ObstacleDegree: contributions must be >= 0 and sum to 1; got {theta}")
        return theta

    def _weight_matrix(self, weights: pd.DataFrame, z: pd.DataFrame, indicators: list[str]) -> np.ndarray:
        """The within-subsystem weight of every indicator for every row (rows, J)."""
        if PERIOD in weights.columns:
            wide = weights.pivot(index=PERIOD, columns="indicator", values="weight")[indicators]
            periods = z.index.get_level_values(PERIOD)
            absent = sorted(set(periods) - set(wide.index), key=str)
            if absent:
                raise ValueError(f"ObstacleDegree: no weights for period(s) {_preview(absent)}")
            return wide.loc[periods].to_numpy(dtype=float)
        w = weights.drop_duplicates("indicator").set_index("indicator").loc[indicators, "weight"].to_numpy(dtype=float)
        return np.broadcast_to(w, z.shape).copy()

    def _contributions(self, weights: pd.DataFrame, z: pd.DataFrame, meta: pd.DataFrame) -> np.ndarray:
        F = self._weight_matrix(weights, z, list(meta.index))
        if self.scope == "system":
            theta = self._theta(meta)
            F = F * meta["subsystem"].map(theta).to_numpy(dtype=float)[None, :]
        return F

    def _dimension_weights(self, weights: pd.DataFrame, z: pd.DataFrame, meta: pd.DataFrame) -> np.ndarray:
        w = self._weight_matrix(weights, z, list(meta.index))
        codes, _ = pd.factorize(meta["subsystem"].astype(str) + "\x00" + meta["dimension"].astype(str))
        member = np.eye(codes.max() + 1)[codes]
        return (w @ member) @ member.T

    def _within_dimension(self, weights: pd.DataFrame, z: pd.DataFrame, meta: pd.DataFrame) -> np.ndarray:
        w = self._weight_matrix(weights, z, list(meta.index))
        dim = self._dimension_weights(weights, z, meta)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(dim > 0, w / dim, 0.0)


def _tiled(values: pd.Series, times: int) -> pd.Categorical:
    """``values`` repeated ``times`` as a categorical (cheap for long tables)."""
    codes, uniques = pd.factorize(values)
    return pd.Categorical.from_codes(np.tile(codes, times), categories=pd.Index(uniques))


def _taken(values: pd.Series, positions: np.ndarray) -> pd.Categorical:
    """``values`` at ``positions`` (any shape, flattened) as a categorical."""
    codes, uniques = pd.factorize(values)
    return pd.Categorical.from_codes(codes[positions].ravel(), categories=pd.Index(uniques))


def _expand(outer: pd.MultiIndex, inner: pd.Index) -> pd.MultiIndex:
    """Every row of ``outer`` repeated for every entry of ``inner`` (``inner`` varying fastest)."""
    k = len(inner)
    inner_levels = (
        [inner] if not isinstance(inner, pd.MultiIndex) else [inner.get_level_values(i) for i in range(inner.nlevels)]
    )
    levels, codes, names = [], [], []
    for i in range(outer.nlevels):
        levels.append(outer.levels[i])
        codes.append(np.repeat(outer.codes[i], k))
        names.append(outer.names[i])
    for values in inner_levels:
        c, u = pd.factorize(values)
        levels.append(pd.Index(u))
        codes.append(np.tile(c, len(outer)))
        names.append(values.name)
    return pd.MultiIndex(levels=levels, codes=codes, names=names, verify_integrity=False)


class ObstacleResult(DriverResult):
    """Obstacle degrees per region-period.

    Attributes
    ----------
    table : DataFrame
        (region, period, indicator) rows: subsystem, dimension, weight_in_dimension,
        dimension_weight, contribution ``F``, deviation ``1 − z`` and obstacle ``O``.
    dimensions, subsystems : DataFrame
        Obstacle degree of each dimension / subsystem per region-period.
    top : DataFrame
        The ``top`` largest obstacle factors of each region-period, (region, period, rank) rows.
    ranking : DataFrame
        (period, indicator) rows: the mean obstacle degree over the regions and its rank in the
        period (the national ranking over time).
    """

    _table_names = ("table", "dimensions", "subsystems", "top", "ranking")
    _title = "Obstacle degree"

    @property
    def dimensions(self) -> pd.DataFrame:
        return self._get("dimensions")

    @property
    def subsystems(self) -> pd.DataFrame:
        return self._get("subsystems")

    @property
    def top(self) -> pd.DataFrame:
        return self._get("top")

    @property
    def ranking(self) -> pd.DataFrame:
        return self._get("ranking")

    def top_table(self, period: Any = None) -> pd.DataFrame:
        """Regions × rank, each cell ``"indicator (O%)"``, as papers tabulate the main obstacle factors
        (all periods stacked, or one ``period``)."""
        top = self._tables["top"]
        if period is not None:
            if period not in top.index.get_level_values(PERIOD):
                raise KeyError(f"no period {period!r} in the obstacle table")
            top = top.xs(period, level=PERIOD, drop_level=False)
        cells = top["indicator"].astype(str) + " (" + (100 * top["obstacle"]).map("{:.1f}%".format) + ")"
        return cells.unstack("rank")

    def rank_table(self) -> pd.DataFrame:
        """Indicators × periods: the rank of each indicator's mean obstacle degree."""
        return self._tables["ranking"]["rank"].unstack(PERIOD)

    def _summary_table(self) -> pd.DataFrame:
        return self._tables["ranking"]["mean_obstacle"].unstack(PERIOD)

    def plot(self, kind: str = "ranking", ax: Any = None, title: str | None = None, language: str = "en"):
        """``"ranking"``: heatmap of the mean obstacle degree of each indicator per period;
        ``"dimensions"``: the mean obstacle degree of each dimension over time."""
        from ..plotting import drivers as figures

        if kind == "ranking":
            frame = self._tables["ranking"]["mean_obstacle"].unstack(PERIOD)
            order = frame.mean(axis=1).sort_values(ascending=False).index
            return figures.heatmap(
                frame.loc[order],
                ax=ax,
                language=language,
                title=title or "Mean obstacle degree by indicator",
                value_label="obstacle degree",
            )
        if kind == "dimensions":
            dims = self._tables["dimensions"]["obstacle"]
            frame = (
                dims.groupby([PERIOD, "subsystem", "dimension"], sort=False).mean().unstack(["subsystem", "dimension"])
            )
            frame.columns = [f"{s}: {d}" for s, d in frame.columns]
            return figures.lines(
                frame,
                ax=ax,
                language=language,
                title=title or "Mean obstacle degree by dimension",
                ylabel="obstacle degree",
            )
        raise ValueError(f"kind must be 'ranking' or 'dimensions', got {kind!r}")
