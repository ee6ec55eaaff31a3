"""Sigma convergence: dispersion of a region × period series over time, with a trend test.

``SigmaConvergence`` computes a dispersion measure per period, overall and per
region group, and tests for a linear trend of the measure on time (OLS slope,
its standard error, t and two-sided p with ``T − 2`` degrees of freedom). A
significantly negative slope is evidence of sigma convergence.

The Gini, Theil and coefficient of variation come from
:mod:`spatialcoupling.inequality`, so the same formulas are used everywhere.

``BetaConvergence`` regresses growth ``ln(y_{t+τ}/y_t)`` (total growth over τ
periods) on ``ln y_t`` (plus controls at t) by pooled OLS, fixed-effects OLS
(within estimator, classical s.e. with ``NT − N − k`` degrees of freedom), the
Barro cross-section, or any fixed-effects spatial panel model of
:class:`spatialcoupling.spatial_panel.SpatialPanel` (SAR, SEM, SDM, SDEM, SAC, SLX). The
speed is ``s = −ln(1 + β)/τ`` (β from total, not annualised, growth) and the
half-life ``ln 2 / s``, with delta-method standard errors. In the spatial models β
is the coefficient of ln y; for SAR, SDM and SAC the direct, indirect and total
effects of ln y (LeSage & Pace) are reported beside it, and every spatial fit comes
with the model-choice tests (LM, robust LM, Wald and LR of SDM → SAR/SEM).
``groups=`` repeats the estimate within each region group with W restricted to the
group and re-standardised.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ._results import Result, copied
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
    labels = groups if isinstance(groups, pd.Series) else pd.Series(dict(groups))
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


class BetaConvergence:
    """Beta convergence: growth over ``interval`` periods on the initial log level.

    Parameters
    ----------
    kind : {"absolute", "conditional"}
    model : {"ols", "fe", "sar", "sem", "sdm", "sdem", "sac", "slx"}
        Pooled OLS, within (individual fixed effects) OLS, or a spatial panel model
        (see :class:`spatialcoupling.SpatialPanel`).
    effects : {"individual", "time", "twoway", "none"}
        Fixed effects of the spatial model.
    w : libpysal W, optional
        Required for the spatial models.
    controls : pandas.DataFrame, optional
        Region × period controls (``kind="conditional"``), taken at period t.
    interval : int
        τ, the number of periods over which growth is measured.
    groups : mapping or Series, optional
        Region → group label; each group is estimated separately as well (spatial models: W
        restricted to the group and re-standardised; groups with fewer than 3 members are refused).
    cross_section : bool
        With ``model="ols"``: the Barro regression of growth over the whole span on the first level.
    lee_yu : bool
        Lee–Yu correction of the spatial model (default True).
    draws, seed : int
        Simulations for the impacts of ln y and their seed.
    tests : bool
        Run the model-choice tests with a spatial model (default True).
    """

    def __init__(self, kind: str = "absolute", model: str = "ols", effects: str = "individual", w: Any = None,
                 controls: pd.DataFrame | None = None, interval: int = 1, groups: Mapping[Any, Any] | pd.Series | None = None,
                 cross_section: bool = False, lee_yu: bool = True, draws: int = 1000, seed: int = 0,
                 tests: bool = True) -> None:
        if kind not in ("absolute", "conditional"):
            raise ValueError(f"kind must be 'absolute' or 'conditional'; got {kind!r}")
        if model not in BETA_MODELS:
            raise ValueError(f"model must be one of {', '.join(BETA_MODELS)}; got {model!r}")
        if model in SPATIAL_MODELS and w is None:
            raise ValueError(f"model={model!r} needs spatial weights w")
        if kind == "conditional" and controls is None:
            raise ValueError("kind='conditional' needs controls")
        if kind == "absolute" and controls is not None:
            raise ValueError("controls are for kind='conditional'; drop them or change the kind")
        if int(interval) < 1:
            raise ValueError(f"interval must be a positive integer; got {interval!r}")
        if cross_section and model != "ols":
            raise ValueError("cross_section=True is the Barro OLS regression; use model='ols'")
        self.kind, self.model, self.effects, self.w = kind, model, effects, w
        self.controls, self.interval, self.cross_section = controls, int(interval), cross_section
        self.groups = None if groups is None else _group_labels(groups)
        self.lee_yu, self.draws, self.seed, self.tests = bool(lee_yu), int(draws), int(seed), bool(tests)

    def fit(self, series: pd.Series) -> BetaResult:
        """Estimate; returns a :class:`BetaResult` (beta, s.e., p, speed, half-life, impacts, tests,
        and with ``groups`` one result per group in ``by_group``)."""
        s = as_region_period_series(series, name="series", positive=True)
        if self.groups is not None:
            regions = s.index.get_level_values(REGION).unique()
            unknown = [r for r in regions if r not in self.groups.index]
            if unknown:
                raise ValueError(f"groups has no label for regions {_preview(unknown)}")
        overall = self._fit_one(s, self.w, label=None)
        if self.groups is None:
            return overall
        by_group = {}
        labels = self.groups.reindex(regions).to_numpy()
        for label in pd.unique(labels):
            members = list(regions[labels == label])
            if self.model in SPATIAL_MODELS and len(members) < MIN_GROUP:
                raise ValueError(f"group {label!r} has {len(members)} member(s) ({members}); a spatial model needs at "
                                 f"least {MIN_GROUP} per group: merge it with a neighbouring group or use model='fe'")
            sub = s[s.index.get_level_values(REGION).isin(members)]
            w_sub, islands = (None, [])
            if self.w is not None:
                w_sub, islands = _restrict_weights(self.w, members)
            notes = [f"group {label!r}: W restricted to the group and re-standardised"] if w_sub is not None else []
            if self.model in SPATIAL_MODELS and len(islands) == len(members):
                raise ValueError(f"group {label!r}: no two of its members {_preview(members)} are neighbours in W, so "
                                 "a spatial model has nothing to estimate; use model='fe' or another grouping")
            if islands and self.model in SPATIAL_MODELS:
                notes.append(f"group {label!r}: {_preview(islands)} have no neighbour inside the group (zero rows of W)")
            by_group[label] = self._fit_one(sub, w_sub, label=label, extra_notes=notes)
        return overall._with_groups(by_group)

    def _growth_frame(self, s: pd.Series) -> tuple[pd.DataFrame, int]:
        wide = np.log(s.unstack(PERIOD))
        periods = list(wide.columns)
        tau = self.interval
        if len(periods) <= tau:
            raise ValueError(f"interval {tau} needs more than {tau} periods; the series has {len(periods)}")
        if self.cross_section:
            return pd.DataFrame({"growth": wide[periods[-1]] - wide[periods[0]], "ln_y": wide[periods[0]]}), len(periods) - 1
        g = (wide.shift(-tau, axis=1) - wide).iloc[:, : len(periods) - tau]
        frame = pd.DataFrame({"growth": g.stack(), "ln_y": wide.iloc[:, : len(periods) - tau].stack()})
        if self.controls is not None:
            controls = self.controls.copy()
            controls.index = controls.index.set_names([REGION, PERIOD])
            missing = frame.index.difference(controls.index)
            if len(missing):
                raise ValueError(f"controls lack (region, period) rows {_preview(missing)}")
            frame = frame.join(controls)
        return frame, tau

    def _fit_one(self, s: pd.Series, w: Any, label: Any, extra_notes: list[str] | None = None) -> BetaResult:
        frame, tau = self._growth_frame(s)
        xcols = [c for c in frame.columns if c != "growth"]
        if self.model in SPATIAL_MODELS:
            from .spatial_panel import SpatialPanel, model_tests

            fit = SpatialPanel(self.model, self.effects, lee_yu=self.lee_yu, draws=self.draws,
                               seed=self.seed).fit(frame["growth"], frame[xcols], w)
            beta, se, p = (float(fit.params["ln_y"]), float(fit.std_errors["ln_y"]), float(fit.pvalues["ln_y"]))
            impacts = None if fit.impacts is None else fit.impacts.loc["ln_y"]
            tests = model_tests(frame["growth"], frame[xcols], w, self.effects, self.lee_yu) if self.tests else None
            return self._out(beta, se, p, tau, fit, impacts=impacts, tests=tests, notes=(extra_notes or []) + fit.notes)
        yv = frame["growth"].to_numpy()
        if self.model == "fe":
            demeaned = frame - frame.groupby(level=REGION).transform("mean")
            X = demeaned[xcols].to_numpy()
            yv = demeaned["growth"].to_numpy()
        else:
            X = np.column_stack([np.ones(len(frame)), frame[xcols].to_numpy()])
        XtX = X.T @ X
        b = np.linalg.solve(XtX, X.T @ yv)
        e = yv - X @ b
        n_groups = s.index.get_level_values(REGION).nunique() if self.model == "fe" else 0
        dof = len(yv) - X.shape[1] - n_groups
        V = e @ e / dof * np.linalg.inv(XtX)
        j = 1 if self.model == "ols" else 0
        beta, se = float(b[j]), float(np.sqrt(V[j, j]))
        p = float(2 * stats.t.sf(abs(beta / se), dof))
        return self._out(beta, se, p, tau, {"params": b, "dof": dof}, notes=extra_notes or [])

    def _out(self, beta: float, se: float, p: float, tau: int, detail: Any, impacts: pd.DataFrame | None = None,
             tests: pd.DataFrame | None = None, notes: list[str] | None = None) -> BetaResult:
        model = "ols (Barro cross-section)" if self.cross_section else self.model
        return BetaResult(
            kind=self.kind, model=model, effects=self.effects if self.model in SPATIAL_MODELS else None,
            estimates={"beta": beta, "std_error": se, "p_value": p, "interval": tau, **speed_half_life(beta, se, tau)},
            detail=detail, impacts=impacts, tests=tests, notes=notes or [],
        )


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
    impacts : DataFrame or None
        Direct, indirect and total effects of ln y (SAR, SDM, SAC; SLX and SDEM: β and θ).
    tests : DataFrame or None
        Model-choice tests of the spatial growth equation (LM, robust LM, Wald and LR).
    by_group : dict
        With ``groups=``: one :class:`BetaResult` per group.
    table : DataFrame
        One row per fit (all regions, then each group): kind, model, effects, τ and the estimates.
    detail : object
        The underlying fit (the :class:`SpatialPanelResult` for spatial models).

    Values are also available by key, e.g. ``result["beta"]``.
    """

    _KEYS = ("beta", "std_error", "p_value", "interval", "speed", "speed_se", "half_life", "half_life_se")
    _table_names = ("table", "impacts", "tests")

    def __init__(self, *, kind: str, model: str, effects: str | None, estimates: dict[str, float], detail: Any,
                 impacts: pd.DataFrame | None = None, tests: pd.DataFrame | None = None, notes: list[str] | None = None,
                 by_group: dict[Any, BetaResult] | None = None) -> None:
        self.kind, self.model, self.effects = kind, model, effects
        self._estimates = dict(estimates)
        for key in self._KEYS:
            object.__setattr__(self, key, float(estimates[key]) if key != "interval" else int(estimates[key]))
        self.speed_form = SPEED_FORM
        self.detail = detail
        self._impacts, self._tests = impacts, tests
        self.by_group = dict(by_group or {})
        self._notes = list(notes or [])
        if not -1 < self.beta < 0:
            self._notes.append(f"beta = {self.beta:.4g} is not in (-1, 0): no beta convergence, speed and half-life undefined")
        for label, res in self.by_group.items():
            self._notes += [n if n.startswith(f"group {label!r}") else f"[{label}] {n}" for n in res.notes]
        self._freeze()

    def _with_groups(self, by_group: dict[Any, BetaResult]) -> BetaResult:
        return BetaResult(kind=self.kind, model=self.model, effects=self.effects, estimates=self._estimates,
                          detail=self.detail, impacts=self._impacts, tests=self._tests, notes=self._notes,
                          by_group=by_group)

    def __getitem__(self, key: str) -> Any:
        if key in (*self._KEYS, "speed_form", "detail", "kind", "model", "effects", "impacts", "tests", "by_group"):
            return getattr(self, key)
        raise KeyError(f"{key!r}; available: {', '.join((*self._KEYS, 'speed_form', 'detail', 'impacts', 'tests'))}")

    @property
    def impacts(self) -> pd.DataFrame | None:
        return None if self._impacts is None else self._impacts.copy()

    @property
    def tests(self) -> pd.DataFrame | None:
        return None if self._tests is None else self._tests.copy()

    def _row(self, group: Any) -> dict[str, Any]:
        row = {"kind": self.kind, "model": self.model, "group": group, "effects": self.effects or "-"}
        row.update({key: getattr(self, key) for key in self._KEYS})
        if self._impacts is not None:
            for effect in ("direct", "indirect", "total"):
                row[f"{effect}_ln_y"] = float(self._impacts.loc[effect, "estimate"])
                row[f"{effect}_ln_y_se"] = float(self._impacts.loc[effect, "std_error"])
        row["speed_form"] = self.speed_form
        return row

    @property
    def table(self) -> pd.DataFrame:
        rows = [self._row("all")] + [res._row(label) for label, res in self.by_group.items()]
        return pd.DataFrame(rows).set_index(["kind", "model", "group"])

    def summary(self) -> str:
        head = f"Beta convergence ({self.kind}, {self.model}" + (f", {self.effects} effects)" if self.effects else ")")
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
