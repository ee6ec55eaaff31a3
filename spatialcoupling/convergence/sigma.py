"""Sigma convergence: dispersion of a region × period series over time, with a trend test.

``SigmaConvergence(measure).fit(series, groups=None)`` computes a dispersion measure per period,
overall and per region group, and tests for a linear trend of the measure on time (OLS slope, its
standard error, t and two-sided p with ``T − 2`` degrees of freedom). A significantly negative
slope is evidence of sigma convergence.

The Gini, Theil and coefficient of variation come from :mod:`spatialcoupling.inequality`, so the
same formulas are used everywhere. Groups follow the package's one policy
(:func:`spatialcoupling._groups.group_codes`): every region of the series needs a group.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from .._groups import as_groups, conventional_order, group_codes
from .._params import Model, Options
from .._results import Result, copied
from .._series import PERIOD, REGION, _preview, as_region_period_series
from ._data_args import choose, warn_deprecated

__all__ = ["MEASURES", "OVERALL", "SigmaConvergence", "SigmaResult", "trend_test"]

MEASURES = ("cv", "sd", "sd_log", "gini", "theil")
#: the group label of the measure over all regions
OVERALL = "overall"


def _measure(values: np.ndarray, measure: str) -> float:
    from ..inequality import coefficient_of_variation, gini, theil

    if measure == "cv":
        return coefficient_of_variation(values)
    if measure == "sd":
        return float(np.std(values))
    if measure == "sd_log":
        return float(np.std(np.log(values)))
    if measure == "gini":
        return gini(values)
    return theil(values)


def trend_test(periods: np.ndarray, values: np.ndarray) -> dict[str, float]:
    """OLS of ``values`` on ``periods`` with an intercept: slope, s.e., t, two-sided p, and the
    number of periods (NaN statistics with fewer than 3 periods)."""
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


class SigmaConvergence(Model):
    """Sigma convergence of a region × period series.

    Settings go to the constructor, data to :meth:`fit`:
    ``SigmaConvergence(measure="cv").fit(series, groups=None)``.

    Parameters
    ----------
    measure : {"cv", "sd", "sd_log", "gini", "theil"}
        Dispersion measure per period: coefficient of variation (population
        standard deviation over mean), standard deviation, standard deviation of
        logs, Gini coefficient, Theil's T.
    groups : mapping or pandas.Series, optional
        Deprecated: pass ``groups`` to :meth:`fit`.

    Notes
    -----
    The trend is the slope per unit of the period labels when they are numbers (e.g. years). Text
    labels (``"2009/10"``, ``"Q1"``) have no arithmetic, so the trend is then taken on the period
    order 0, 1, 2, … of the sorted labels (one unit per period), and ``notes`` says so.

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> income = sc.datasets.load("us_income")
    >>> res = sc.SigmaConvergence("cv").fit(income[income.index.get_level_values("period") >= 1980])
    >>> list(res.trend.columns)
    ['slope', 'std_error', 't', 'p_value', 'n_periods']
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {"measure": [Options(*MEASURES)]}

    def __init__(self, measure: str = "cv", groups: Mapping[Any, Any] | pd.Series | None = None) -> None:
        self.measure = measure
        self.groups = None if groups is None else as_groups(groups, "SigmaConvergence")
        warn_deprecated("SigmaConvergence", [] if groups is None else ["groups"])
        self._validate_params()

    def fit(self, series: pd.Series, groups: Mapping[Any, Any] | pd.Series | None = None) -> SigmaResult:
        """Compute the measure per period (overall and per group) and the trend tests.

        Parameters
        ----------
        series : Series indexed by (region, period)
            Non-negative values (positive for ``"sd_log"``).
        groups : mapping or Series, optional
            Region → group label; every region of the series needs one (label the others
            explicitly, e.g. ``"other"``). Each group's measure is computed besides the overall one.

        Returns
        -------
        SigmaResult

        Raises
        ------
        ValueError
            Naming the cells with values the measure cannot take, or the regions without a group.
        """
        self._validate_params()
        groups = choose("SigmaConvergence", "groups", self.groups, groups)
        positive = self.measure in ("sd_log",)
        s = as_region_period_series(series, name="series", positive=positive, nonnegative=self.measure != "sd")
        notes: list[str] = []
        frames = {OVERALL: s}
        periods = s.index.get_level_values(PERIOD).unique()
        if pd.api.types.is_numeric_dtype(periods) and not pd.api.types.is_bool_dtype(periods):
            position = pd.Series(periods.to_numpy(float), index=periods)
        else:
            position = pd.Series(np.arange(len(periods), dtype=float), index=periods)
            more = " …" if len(periods) > 3 else ""
            notes.append(
                f"periods are not numeric ({_preview(periods[:3], limit=3)}{more}): "
                f"the trend is on the period order 0, 1, …, {len(periods) - 1} of the sorted labels (one unit "
                "per period); give numeric periods (e.g. the first year) for a slope per year"
            )
        if groups is not None:
            codes, labels, group_notes = group_codes(
                s.index.get_level_values(REGION), as_groups(groups, "SigmaConvergence"), "SigmaConvergence"
            )
            notes += group_notes
            for j, label in enumerate(labels):
                frames[label] = s[codes == j]
        rows = []
        for label, part in frames.items():
            for period, values in part.groupby(level=PERIOD):
                v = values.to_numpy()
                rows.append(
                    {"group": label, "period": period, "n_regions": v.size, self.measure: _measure(v, self.measure)}
                )
        table = pd.DataFrame(rows).set_index(["group", "period"])
        trends = []
        for label in frames:
            part = table.loc[label]
            trends.append(
                {"group": label, **trend_test(position.loc[part.index].to_numpy(), part[self.measure].to_numpy())}
            )
        trend = pd.DataFrame(trends).set_index("group")
        return SigmaResult(self.measure, table, trend, notes, settings=self.get_params())


class SigmaResult(Result):
    """Result of :class:`SigmaConvergence`: the measure per group and period and the trend tests.

    Attributes
    ----------
    measure : str
    table : pandas.DataFrame
        Indexed (group, period) with ``n_regions`` and the measure; group ``"overall"`` is every region.
    trend : pandas.DataFrame
        Per group: slope of the measure on time, its standard error, t, p and the number of periods.
    settings : mapping (read-only)
        The settings of the model.
    """

    _table_names = ("table", "trend")

    def __init__(
        self,
        measure: str,
        table: pd.DataFrame,
        trend: pd.DataFrame,
        notes: list[str],
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        self.measure = measure
        self._table = table
        self._trend = trend
        self._notes = list(notes)
        self.settings = settings or {"measure": measure}
        self._freeze()

    table = copied("_table")
    trend = copied("_trend")

    def summary(self) -> str:
        return (
            super().summary()
            + "\n\nTrend of "
            + self.measure
            + " on time (OLS)\n"
            + self._trend.to_string(float_format=lambda v: f"{v:.4g}")
        )

    def plot(
        self, *, ax: Any = None, figsize: tuple[float, float] = (7, 4), language: str = "en", **kwargs: Any
    ) -> Any:
        """Line chart of the measure over time, one line per group (extra keywords go to ``Axes.plot``)."""
        from ..plotting.convergence import sigma_plot

        wide = self._table[self.measure].unstack("group")
        groups = conventional_order([c for c in wide.columns if c != OVERALL])  # East, Central, West …
        wide = wide[([OVERALL] if OVERALL in wide.columns else []) + groups]
        return sigma_plot(wide, self.measure, ax=ax, figsize=figsize, language=language, **kwargs)
