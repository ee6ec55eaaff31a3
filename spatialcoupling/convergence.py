"""Sigma convergence: dispersion of a region × period series over time, with a trend test.

``SigmaConvergence`` computes a dispersion measure per period, overall and per
region group, and tests for a linear trend of the measure on time (OLS slope,
its standard error, t and two-sided p with ``T − 2`` degrees of freedom). A
significantly negative slope is evidence of sigma convergence.

The Gini, Theil and coefficient of variation come from
:mod:`spatialcoupling.inequality`, so the same formulas are used everywhere.

``BetaConvergence`` regresses growth ``ln(y_{t+τ}/y_t)`` (total growth over τ
periods) on ``ln y_t`` (plus controls at t) by pooled OLS, fixed-effects OLS
(within estimator with individual, time or two-way effects, classical s.e. with
``NT − k`` minus the absorbed effects as degrees of freedom, as linearmodels'
``PanelOLS(..., debiased=True)``), the Barro cross-section, or any spatial panel model of
:class:`spatialcoupling.spatial_panel.SpatialPanel` (SAR, SEM, SDM, SDEM, SAC, SLX). The
speed is ``s = −ln(1 + β)/τ`` (β from total, not annualised, growth) and the
half-life ``ln 2 / s``, with delta-method standard errors. In the spatial models β
is the coefficient of ln y; for SAR, SDM and SAC the direct, indirect and total
effects of ln y (LeSage & Pace) are reported beside it, and every spatial fit comes
with the model-choice tests (LM, robust LM, Wald and LR of SDM → SAR/SEM).
``groups=`` repeats the estimate within each region group with W restricted to the
group and re-standardised; a group that cannot be estimated is a row with NaN and the
reason (table, notes, warning) while the others are estimated. Every setting is checked
when the model is built (``effects`` per model, a whole-number ``interval``), inputs
are copied, and the OLS/FE fit underneath is an immutable ``PanelOLSFit``.
"""

from __future__ import annotations

import copy
import numbers
import warnings
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ._panel_ols import panel_ols
from ._results import Result, copied
from ._series import PERIOD, REGION, _preview, as_region_period_series, require_balanced

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
        Region → group label (a copy is kept). Each group's measure is computed separately,
        besides the overall one. Regions without a group are reported in
        ``notes`` and left out of the group measures (kept in the overall one).

    Notes
    -----
    The trend is the slope per unit of the period labels when they are numbers (e.g. years). Text
    labels (``"2009/10"``, ``"Q1"``) have no arithmetic, so the trend is then taken on the period
    order 0, 1, 2, … of the sorted labels (one unit per period), and ``notes`` says so.
    """

    def __init__(self, measure: str = "cv", groups: Mapping[Any, Any] | pd.Series | None = None) -> None:
        if measure not in _MEASURES:
            raise ValueError(f"measure must be one of {', '.join(_MEASURES)}; got {measure!r}")
        if groups is not None and not isinstance(groups, Mapping | pd.Series):
            raise TypeError("groups must be a mapping or a pandas Series of region -> group label")
        self.measure = measure
        self.groups = None if groups is None else (groups.copy() if isinstance(groups, pd.Series) else pd.Series(dict(groups)))

    def fit(self, series: pd.Series) -> SigmaResult:
        """Compute the measure per period (overall and per group) and the trend tests."""
        positive = self.measure in ("sd_log",)
        s = as_region_period_series(series, name="series", positive=positive, nonnegative=self.measure != "sd")
        notes: list[str] = []
        frames = {_OVERALL: s}
        periods = s.index.get_level_values(PERIOD).unique()
        if pd.api.types.is_numeric_dtype(periods) and not pd.api.types.is_bool_dtype(periods):
            position = pd.Series(periods.to_numpy(float), index=periods)
        else:
            position = pd.Series(np.arange(len(periods), dtype=float), index=periods)
            notes.append(f"periods are not numeric ({_preview(periods[:3], limit=3)}{' …' if len(periods) > 3 else ''}): "
                         f"the trend is on the period order 0, 1, …, {len(periods) - 1} of the sorted labels (one unit "
                         "per period); give numeric periods (e.g. the first year) for a slope per year")
        if self.groups is not None:
            g = self.groups
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
            trends.append({"group": label, **_trend(position.loc[part.index].to_numpy(), part[self.measure].to_numpy())})
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

    table = copied("_table")
    trend = copied("_trend")

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


SPEED_FORM = "s = -ln(1 + beta)/tau, beta from total growth ln(y_t+tau / y_t); half-life = ln 2 / s"
SPATIAL_MODELS = ("sar", "sem", "sdm", "sdem", "sac", "slx")
BETA_MODELS = ("ols", "fe", *SPATIAL_MODELS)
MIN_GROUP = 3
#: the effects each model takes (the first is the default)
BETA_EFFECTS = {"ols": ("none", "pooled"), "fe": ("individual", "time", "twoway")}
SPATIAL_EFFECTS = ("individual", "time", "twoway", "none", "random")
_RANDOM_MODELS = ("sar", "sdm", "slx")


def speed_half_life(beta: float, se: float, tau: int) -> dict[str, float]:
    """Speed ``−ln(1+β)/τ`` and half-life ``ln2/s`` with delta-method standard errors."""
    if not -1 < beta < 0:
        return {"speed": np.nan, "speed_se": np.nan, "half_life": np.nan, "half_life_se": np.nan}
    s = -np.log1p(beta) / tau
    ds = -1 / (tau * (1 + beta))
    h = np.log(2) / s
    dh = -np.log(2) / s**2 * ds
    return {"speed": s, "speed_se": abs(ds) * se, "half_life": h, "half_life_se": abs(dh) * se}


def _group_labels(groups: Mapping[Any, Any] | pd.Series) -> pd.Series:
    labels = groups.copy() if isinstance(groups, pd.Series) else pd.Series(dict(groups))
    if labels.isna().any():
        raise ValueError(f"groups has no label for regions {_preview(labels.index[labels.isna()])}")
    return labels


def _restrict_weights(w: Any, members: list) -> tuple[Any, list]:
    """W restricted to ``members`` and row-standardised again; returns it and the members left
    without a neighbour inside the group."""
    from libpysal.weights import w_subset

    sub = w_subset(w, list(members), silence_warnings=True)
    sub.transform = "r"
    return sub, [i for i in members if not sub.neighbors[i]]


def _interval(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not float(value).is_integer() or value < 1:
        raise ValueError(f"interval must be a whole number of periods, at least 1 (τ in ln(y_t+τ / y_t)); got {value!r}")
    return int(value)


def _controls_frame(controls: Any) -> pd.DataFrame:
    """A validated copy of the controls: a DataFrame indexed by (region, period)."""
    if isinstance(controls, pd.Series):
        controls = controls.to_frame()
    if not isinstance(controls, pd.DataFrame):
        raise TypeError(f"controls must be a pandas DataFrame indexed by (region, period); got {type(controls).__name__}")
    if not isinstance(controls.index, pd.MultiIndex) or controls.index.nlevels != 2:
        raise ValueError("controls must be indexed by (region, period); use df.set_index(['region', 'period'])")
    if controls.shape[1] == 0:
        raise ValueError("controls has no columns; give at least one control or use kind='absolute'")
    clash = [c for c in controls.columns if str(c) in ("growth", "ln_y")]
    if clash:
        raise ValueError(f"controls columns {clash} clash with the names of the growth equation; rename them")
    bad = [c for c in controls.columns if not pd.api.types.is_numeric_dtype(controls[c])]
    if bad:
        raise ValueError(f"controls: non-numeric column(s) {bad}; convert them to numbers first")
    dup = controls.index[controls.index.duplicated()]
    if len(dup):
        raise ValueError(f"controls: duplicate (region, period) rows {_preview(dup.unique())}")
    out = controls.copy(deep=True)
    out.index = out.index.set_names([REGION, PERIOD])
    out.columns = [str(c) for c in out.columns]
    return out


class BetaConvergence:
    """Beta convergence: growth over ``interval`` periods on the initial log level.

    Parameters
    ----------
    kind : {"absolute", "conditional"}
    model : {"ols", "fe", "sar", "sem", "sdm", "sdem", "sac", "slx"}
        Pooled OLS, fixed-effects (within) OLS, or a spatial panel model (see
        :class:`spatialcoupling.SpatialPanel`).
    effects : str, optional
        The effects of the model; each model takes its own and anything else is refused:

        * ``model="ols"``: ``"none"`` (default) or ``"pooled"`` — pooled OLS with a constant;
          for fixed effects use ``model="fe"``;
        * ``model="fe"``: ``"individual"`` (default), ``"time"`` or ``"twoway"`` (region and
          period effects removed by demeaning; classical s.e. with ``NT − k − N``, ``NT − k − T``
          or ``NT − k − N − T + 1`` degrees of freedom, as linearmodels' ``PanelOLS`` with
          ``debiased=True`` and Stata's ``xtreg, fe``);
        * spatial models: ``"individual"`` (default), ``"time"``, ``"twoway"``, ``"none"`` or
          ``"random"`` (SAR, SDM, SLX), as :class:`spatialcoupling.SpatialPanel`.
    w : libpysal W, optional
        Required for the spatial models (a copy is kept).
    controls : pandas.DataFrame, optional
        Region × period controls (``kind="conditional"``), taken at period t (a copy is kept).
    interval : int
        τ, the number of periods over which growth is measured (a whole number ≥ 1).
    groups : mapping or Series, optional
        Region → group label; each group is estimated separately as well (spatial models: W
        restricted to the group and re-standardised). A group that cannot be estimated (fewer than
        3 members or no neighbour pair for a spatial model, no residual degrees of freedom, a
        spatial parameter that is not identified, a failed fit) is reported as a row with NaN and
        its reason in the table, in ``notes`` and as a warning, while the other groups are estimated.
    cross_section : bool
        With ``model="ols"``: the Barro regression of growth over the whole span on the first level
        (and the controls in the first period).
    lee_yu : bool
        Lee–Yu correction of the spatial model (default True).
    draws, seed : int
        Simulations for the impacts of ln y and their seed.
    tests : bool
        Run the model-choice tests with a spatial model (default True).
    timeout : float or None
        Seconds each spatial fit may take (default 600; see :class:`SpatialPanel`).

    Notes
    -----
    The series must be balanced (every region in every period) and the controls complete; a gap
    or a missing value is an error that names the (region, period) cell and column. Periods may be
    numbers or text labels: growth is taken between consecutive periods in sorted order.
    """

    def __init__(self, kind: str = "absolute", model: str = "ols", effects: str | None = None, w: Any = None,
                 controls: pd.DataFrame | None = None, interval: int = 1, groups: Mapping[Any, Any] | pd.Series | None = None,
                 cross_section: bool = False, lee_yu: bool = True, draws: int = 1000, seed: int = 0,
                 tests: bool = True, timeout: float | None = 600.0) -> None:
        if kind not in ("absolute", "conditional"):
            raise ValueError(f"kind must be 'absolute' or 'conditional'; got {kind!r}")
        if model not in BETA_MODELS:
            raise ValueError(f"model must be one of {', '.join(BETA_MODELS)}; got {model!r}")
        allowed = BETA_EFFECTS.get(model, SPATIAL_EFFECTS)
        if effects is None:
            effects = allowed[0]
        if effects not in allowed:
            hint = ""
            if model == "ols" and effects in BETA_EFFECTS["fe"]:
                hint = f"; for {effects} fixed effects use model='fe'"
            raise ValueError(f"effects={effects!r} is not available with model={model!r}: it takes "
                             f"{', '.join(map(repr, allowed))}{hint}")
        if effects == "random" and model not in _RANDOM_MODELS:
            raise ValueError(f"effects='random' is available with model {', '.join(map(repr, _RANDOM_MODELS))}; "
                             f"got model={model!r}")
        if model in SPATIAL_MODELS and w is None:
            raise ValueError(f"model={model!r} needs spatial weights w")
        if kind == "conditional" and controls is None:
            raise ValueError("kind='conditional' needs controls")
        if kind == "absolute" and controls is not None:
            raise ValueError("controls are for kind='conditional'; drop them or change the kind")
        if cross_section and model != "ols":
            raise ValueError("cross_section=True is the Barro OLS regression; use model='ols'")
        self.kind, self.model, self.effects = kind, model, effects
        self.w = None if w is None else copy.deepcopy(w)
        self.controls = None if controls is None else _controls_frame(controls)
        self.interval, self.cross_section = _interval(interval), bool(cross_section)
        self.groups = None if groups is None else _group_labels(groups)
        self.lee_yu, self.draws, self.seed, self.tests = bool(lee_yu), int(draws), int(seed), bool(tests)
        self.timeout = timeout

    def fit(self, series: pd.Series) -> BetaResult:
        """Estimate; returns a :class:`BetaResult` (beta, s.e., p, speed, half-life, impacts, tests,
        and with ``groups`` one result per group in ``by_group``)."""
        s = as_region_period_series(series, name="series", positive=True)
        require_balanced(s, name="series")
        regions = s.index.get_level_values(REGION).unique()
        if self.groups is not None:
            unknown = [r for r in regions if r not in self.groups.index]
            if unknown:
                raise ValueError(f"groups has no label for regions {_preview(unknown)}")
        overall = self._fit_one(s, self.w)
        if self.groups is None:
            return overall
        by_group = {}
        labels = self.groups.reindex(regions).to_numpy()
        for label in pd.unique(labels):
            members = list(regions[labels == label])
            sub = s[s.index.get_level_values(REGION).isin(members)]
            try:
                w_sub, notes = self._group_weights(label, members)
                by_group[label] = self._fit_one(sub, w_sub, extra_notes=notes)
            except (ValueError, np.linalg.LinAlgError, TimeoutError) as exc:
                reason = f"group {label!r} ({len(members)} region(s)) not estimable: {exc}"
                warnings.warn(reason, RuntimeWarning, stacklevel=2)
                by_group[label] = self._not_estimable(reason)
        return overall._with_groups(by_group)

    def _group_weights(self, label: Any, members: list) -> tuple[Any, list[str]]:
        """W restricted to a group, with the checks a spatial model needs (raising a ValueError)."""
        if self.w is None:
            return None, []
        spatial = self.model in SPATIAL_MODELS
        if spatial and len(members) < MIN_GROUP:
            raise ValueError(f"a spatial model needs at least {MIN_GROUP} regions per group, this one has "
                             f"{_preview(members)}; merge it with a neighbouring group or use model='fe'")
        w_sub, islands = _restrict_weights(self.w, members)
        notes = [f"group {label!r}: W restricted to the group and re-standardised"]
        if spatial and len(islands) == len(members):
            raise ValueError(f"no two of its members {_preview(members)} are neighbours in W, so a spatial model has "
                             "nothing to estimate; use model='fe' or another grouping")
        if spatial and islands:
            notes.append(f"group {label!r}: {_preview(islands)} have no neighbour inside the group (zero rows of W)")
        return w_sub, notes

    def _growth_frame(self, s: pd.Series) -> tuple[pd.DataFrame, int]:
        wide = np.log(s.unstack(PERIOD))
        periods = list(wide.columns)
        tau = self.interval
        if len(periods) <= tau:
            raise ValueError(f"interval {tau} needs more than {tau} periods; the series has {len(periods)}")
        if self.cross_section:
            first = periods[0]
            frame = pd.DataFrame({"growth": wide[periods[-1]] - wide[first], "ln_y": wide[first]})
            frame.index = pd.MultiIndex.from_arrays([frame.index, [first] * len(frame)], names=[REGION, PERIOD])
            tau = len(periods) - 1
        else:
            g = (wide.shift(-tau, axis=1) - wide).iloc[:, : len(periods) - tau]
            frame = pd.DataFrame({"growth": g.stack(), "ln_y": wide.iloc[:, : len(periods) - tau].stack()})
        if self.controls is not None:  # taken at t (the first period for the cross-section)
            controls = self.controls
            missing = frame.index.difference(controls.index)
            if len(missing):
                raise ValueError(f"controls lack (region, period) rows {_preview(missing)}")
            frame = frame.join(controls)
            values = frame[controls.columns].to_numpy(float)
            rows, cols = np.nonzero(~np.isfinite(values))
            if len(rows):
                cells = [(*frame.index[r], controls.columns[c]) for r, c in zip(rows[:10], cols[:10], strict=True)]
                raise ValueError(f"controls: missing or infinite values at (region, period, column) {_preview(cells)}"
                                 f"{' … and more' if len(rows) > 10 else ''}; fill them (e.g. Panel.interpolate()) "
                                 "or drop the control")
        return frame, tau

    def _fit_one(self, s: pd.Series, w: Any, extra_notes: list[str] | None = None) -> BetaResult:
        frame, tau = self._growth_frame(s)
        xcols = [c for c in frame.columns if c != "growth"]
        n_growth = len(s.index.get_level_values(PERIOD).unique()) - tau
        if not self.cross_section and n_growth == 1 and self.effects in ("individual", "twoway"):
            raise ValueError(f"with {n_growth + tau} periods and interval {tau} there is one growth observation per "
                             f"region, which the {self.effects} effects absorb (ln_y has no variation left); use "
                             "more periods, effects='time' or 'none', or cross_section=True")
        if self.model in SPATIAL_MODELS:
            from .spatial_panel import SpatialPanel, model_tests

            fit = SpatialPanel(self.model, self.effects, lee_yu=self.lee_yu, draws=self.draws, seed=self.seed,
                               timeout=self.timeout).fit(frame["growth"], frame[xcols], w)
            beta, se, p = (float(fit.params["ln_y"]), float(fit.std_errors["ln_y"]), float(fit.pvalues["ln_y"]))
            impacts = None if fit.impacts is None else fit.impacts.loc["ln_y"]
            tests = (model_tests(frame["growth"], frame[xcols], w, self.effects, self.lee_yu, timeout=self.timeout)
                     if self.tests else None)
            return self._out(beta, se, p, tau, fit, impacts=impacts, tests=tests, notes=(extra_notes or []) + fit.notes)
        fit = panel_ols(frame["growth"], frame[xcols], model=self.model,
                        effects="none" if self.cross_section else self.effects)
        beta, se, p = (float(fit.params["ln_y"]), float(fit.std_errors["ln_y"]), float(fit.pvalues["ln_y"]))
        return self._out(beta, se, p, tau, fit, notes=extra_notes or [])

    def _model_label(self) -> str:
        return "ols (Barro cross-section)" if self.cross_section else self.model

    def _out(self, beta: float, se: float, p: float, tau: int, detail: Any, impacts: pd.DataFrame | None = None,
             tests: pd.DataFrame | None = None, notes: list[str] | None = None) -> BetaResult:
        return BetaResult(
            kind=self.kind, model=self._model_label(), effects=self.effects,
            estimates={"beta": beta, "std_error": se, "p_value": p, "interval": tau, **speed_half_life(beta, se, tau)},
            detail=detail, impacts=impacts, tests=tests, notes=notes or [],
        )

    def _not_estimable(self, reason: str) -> BetaResult:
        nan = {key: np.nan for key in BetaResult._KEYS}
        return BetaResult(kind=self.kind, model=self._model_label(), effects=self.effects,
                          estimates={**nan, "interval": self.interval}, detail=None, notes=[reason], reason=reason)


class BetaResult(Result):
    """Beta convergence estimate with speed and half-life.

    Attributes
    ----------
    beta, std_error, p_value : float
        The coefficient of ln y_t, its standard error and p-value.
    speed, speed_se, half_life, half_life_se : float
        ``s = -ln(1 + β)/τ`` and ``ln 2 / s`` with delta-method standard errors; NaN
        (and a note) when β is not in (-1, 0), i.e. no convergence.
    speed_form : str
        The form of the speed formula used (β from total growth over τ periods).
    effects : str
        The effects of the model (``"none"``/``"pooled"`` for OLS).
    impacts : DataFrame or None
        Direct, indirect and total effects of ln y (SAR, SDM, SAC; SLX and SDEM: β and θ).
    tests : DataFrame or None
        Model-choice tests of the spatial growth equation (LM, robust LM, Wald and LR).
    by_group : mapping (read-only)
        With ``groups=``: one :class:`BetaResult` per group.
    reason : str or None
        Why a group could not be estimated (its estimates are then NaN); None otherwise.
    table : DataFrame
        One row per fit (all regions, then each group): kind, model, effects, τ and the estimates,
        and a ``reason`` column when some group could not be estimated.
    detail : PanelOLSFit, SpatialPanelResult or None
        The underlying fit: :class:`spatialcoupling._panel_ols.PanelOLSFit` for OLS/FE (params,
        std_errors, tstats, pvalues, cov, nobs, dof, sigma2, resid), the
        :class:`SpatialPanelResult` for spatial models, None for a group not estimated. Both
        are immutable.

    Values are also available by key, e.g. ``result["beta"]``.
    """

    _KEYS = ("beta", "std_error", "p_value", "interval", "speed", "speed_se", "half_life", "half_life_se")
    _table_names = ("table", "impacts", "tests")

    def __init__(self, *, kind: str, model: str, effects: str | None, estimates: dict[str, float], detail: Any,
                 impacts: pd.DataFrame | None = None, tests: pd.DataFrame | None = None, notes: list[str] | None = None,
                 by_group: Mapping[Any, BetaResult] | None = None, reason: str | None = None) -> None:
        self.kind, self.model, self.effects = kind, model, effects
        self._estimates = dict(estimates)
        for key in self._KEYS:
            object.__setattr__(self, key, float(estimates[key]) if key != "interval" else int(estimates[key]))
        self.speed_form = SPEED_FORM
        self.detail = detail
        self.reason = reason
        self._impacts = None if impacts is None else impacts.copy()
        self._tests = None if tests is None else tests.copy()
        self.by_group = MappingProxyType(dict(by_group or {}))
        self._notes = list(notes or [])
        if reason is None and np.isfinite(self.beta) and not -1 < self.beta < 0:
            self._notes.append(f"beta = {self.beta:.4g} is not in (-1, 0): no beta convergence, speed and half-life undefined")
        for label, res in self.by_group.items():
            self._notes += [n if n.startswith(f"group {label!r}") else f"[{label}] {n}" for n in res.notes]
        self._freeze()

    def _with_groups(self, by_group: dict[Any, BetaResult]) -> BetaResult:
        own = [n for n in self._notes if not n.startswith("beta = ")]
        return BetaResult(kind=self.kind, model=self.model, effects=self.effects, estimates=self._estimates,
                          detail=self.detail, impacts=self._impacts, tests=self._tests, notes=own,
                          by_group=by_group, reason=self.reason)

    def __getitem__(self, key: str) -> Any:
        if key in (*self._KEYS, "speed_form", "detail", "kind", "model", "effects", "impacts", "tests", "by_group",
                   "reason"):
            return getattr(self, key)
        raise KeyError(f"{key!r}; available: {', '.join((*self._KEYS, 'speed_form', 'detail', 'impacts', 'tests'))}")

    @property
    def impacts(self) -> pd.DataFrame | None:
        return None if self._impacts is None else self._impacts.copy()

    @property
    def tests(self) -> pd.DataFrame | None:
        return None if self._tests is None else self._tests.copy()

    def _row(self, group: Any, impacts: bool) -> dict[str, Any]:
        row = {"kind": self.kind, "model": self.model, "group": group, "effects": self.effects or "-"}
        row.update({key: getattr(self, key) for key in self._KEYS})
        if impacts:
            for effect in ("direct", "indirect", "total"):
                have = self._impacts is not None
                row[f"{effect}_ln_y"] = float(self._impacts.loc[effect, "estimate"]) if have else np.nan
                row[f"{effect}_ln_y_se"] = float(self._impacts.loc[effect, "std_error"]) if have else np.nan
        row["speed_form"] = self.speed_form
        return row

    @property
    def table(self) -> pd.DataFrame:
        fits = [("all", self), *self.by_group.items()]
        impacts = any(res._impacts is not None for _, res in fits)
        rows = [res._row(label, impacts) for label, res in fits]
        if any(res.reason for _, res in fits):
            for row, (_, res) in zip(rows, fits, strict=True):
                row["reason"] = res.reason or ""
        return pd.DataFrame(rows).set_index(["kind", "model", "group"])

    def summary(self) -> str:
        effects = "" if not self.effects else (", pooled" if self.effects in ("none", "pooled") else f", {self.effects} effects")
        head = f"Beta convergence ({self.kind}, {self.model}{effects})"
        lines = [head, "=" * len(head)]
        lines.append(f"beta = {self.beta:.5f} (s.e. {self.std_error:.5f}, p = {self.p_value:.4g}), tau = {self.interval}")
        lines.append(f"speed = {self.speed:.5f} (s.e. {self.speed_se:.5f}), half-life = {self.half_life:.2f} (s.e. {self.half_life_se:.2f})")
        lines.append(f"form: {self.speed_form}")
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            if self._impacts is not None:
                lines += ["", "Effects of ln y (LeSage & Pace)", self._impacts.to_string(float_format=lambda v: f"{v:.5f}")]
            if self._tests is not None:
                lines += ["", "Model-choice tests", self._tests.to_string(float_format=lambda v: f"{v:.4g}")]
            if self.by_group:
                lines += ["", "By group", self.table[["beta", "std_error", "p_value", "speed", "half_life"]].to_string(
                    float_format=lambda v: f"{v:.5f}")]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)
