"""Sigma convergence: dispersion of a region × period series over time, with a trend test.

``SigmaConvergence`` computes a dispersion measure per period, overall and per
region group, and tests for a linear trend of the measure on time (OLS slope,
its standard error, t and two-sided p with ``T − 2`` degrees of freedom). A
significantly negative slope is evidence of sigma convergence.

The Gini, Theil and coefficient of variation come from
:mod:`spatialcoupling.inequality`, so the same formulas are used everywhere.

Beta convergence (``BetaConvergence``) and Phillips–Sul club convergence are not
implemented yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ._results import Result
from ._series import PERIOD, REGION, _preview, as_region_period_series

_MEASURES = ("cv", "sd", "sd_log", "gini", "theil")
_OVERALL = "overall"


def _measure(values: np.ndarray, measure: str) -> float:
    from .inequality import coefficient_of_variation, gini, theil

    if measure == "cv":
        return coefficient_of_variation(values)
    if measure == "sd":
        return float(np.std(values))
    if measure == "sd_log":
        return float(np.std(np.log(values)))
    if measure == "gini":
        return gini(values)
    return theil(values)


def _trend(periods: np.ndarray, values: np.ndarray) -> dict[str, float]:
    """OLS of ``values`` on ``periods`` with an intercept: slope, s.e., t, p."""
    t = periods.astype(float)
    n = t.size
    if n < 3:
        return {"slope": np.nan, "std_error": np.nan, "t": np.nan, "p_value": np.nan, "n_periods": n}
    tc = t - t.mean()
    slope = float(tc @ (values - values.mean()) / (tc @ tc))
    resid = values - values.mean() - slope * tc
    s2 = float(resid @ resid) / (n - 2)
    se = float(np.sqrt(s2 / (tc @ tc)))
    tval = slope / se if se > 0 else np.inf * np.sign(slope)
    p = float(2 * stats.t.sf(abs(tval), n - 2))
    return {"slope": slope, "std_error": se, "t": tval, "p_value": p, "n_periods": n}


class SigmaConvergence:
    """Sigma convergence of a region × period series.

    Parameters
    ----------
    measure : {"cv", "sd", "sd_log", "gini", "theil"}
        Dispersion measure per period: coefficient of variation (population
        standard deviation over mean), standard deviation, standard deviation of
        logs, Gini coefficient, Theil's T.
    groups : mapping or pandas.Series, optional
        Region → group label. Each group's measure is computed separately,
        besides the overall one. Regions without a group are reported in
        ``notes`` and left out of the group measures (kept in the overall one).
    """

    def __init__(self, measure: str = "cv", groups: Mapping[Any, Any] | pd.Series | None = None) -> None:
        if measure not in _MEASURES:
            raise ValueError(f"measure must be one of {', '.join(_MEASURES)}; got {measure!r}")
        if groups is not None and not isinstance(groups, Mapping | pd.Series):
            raise TypeError("groups must be a mapping or a pandas Series of region -> group label")
        self.measure = measure
        self.groups = groups

    def fit(self, series: pd.Series) -> SigmaResult:
        """Compute the measure per period (overall and per group) and the trend tests."""
        positive = self.measure in ("sd_log",)
        s = as_region_period_series(series, name="series", positive=positive, nonnegative=self.measure != "sd")
        notes: list[str] = []
        frames = {_OVERALL: s}
        if self.groups is not None:
            g = pd.Series(self.groups) if not isinstance(self.groups, pd.Series) else self.groups
            regions = s.index.get_level_values(REGION)
            labels = pd.Series(regions.map(g), index=s.index)
            absent = sorted(set(regions[labels.isna().to_numpy()]), key=str)
            if absent:
                notes.append(f"regions without a group (overall measure only): {_preview(absent)}")
            for label in sorted(labels.dropna().unique(), key=str):
                frames[label] = s[(labels == label).to_numpy()]
        rows = []
        for label, part in frames.items():
            for period, values in part.groupby(level=PERIOD):
                v = values.to_numpy()
                rows.append({"group": label, "period": period, "n_regions": v.size, self.measure: _measure(v, self.measure)})
        table = pd.DataFrame(rows).set_index(["group", "period"])
        trends = []
        for label in frames:
            part = table.loc[label]
            trends.append({"group": label, **_trend(part.index.to_numpy(), part[self.measure].to_numpy())})
        trend = pd.DataFrame(trends).set_index("group")
        return SigmaResult(self.measure, table, trend, notes)


class SigmaResult(Result):
    """Result of :class:`SigmaConvergence`: the measure per group and period and the trend tests.

    Attributes
    ----------
    measure : str
    table : pandas.DataFrame
        Indexed (group, period) with ``n_regions`` and the measure; group ``"overall"`` is every region.
    trend : pandas.DataFrame
        Per group: slope of the measure on time, its standard error, t, p and the number of periods.
    """

    _table_names = ("table", "trend")

    def __init__(self, measure: str, table: pd.DataFrame, trend: pd.DataFrame, notes: list[str]) -> None:
        self.measure = measure
        self._table = table
        self._trend = trend
        self._notes = list(notes)
        self._freeze()

    @property
    def table(self) -> pd.DataFrame:
        return self._table.copy()

    @property
    def trend(self) -> pd.DataFrame:
        return self._trend.copy()

    def summary(self) -> str:
        return super().summary() + "\n\nTrend of " + self.measure + " on time (OLS)\n" + self._trend.to_string(
            float_format=lambda v: f"{v:.4g}"
        )

    def plot(self, **kwargs: Any):
        """Line chart of the measure over time, one line per group."""
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=kwargs.pop("figsize", (7, 4)))
        wide = self._table[self.measure].unstack("group")
        for label in wide.columns:
            ax.plot(wide.index, wide[label], marker="o", ms=3, label=str(label), **kwargs)
        ax.set_xlabel("period")
        ax.set_ylabel(self.measure)
        ax.set_title(f"Sigma convergence ({self.measure})")
        ax.legend(fontsize=8)
        fig.tight_layout()
        return fig
