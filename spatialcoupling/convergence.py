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
Barro cross-section, or the fixed-effects spatial lag model of
:class:`spatialcoupling.spatial_panel.SpatialPanel`. The speed is
``s = −ln(1 + β)/τ`` (β from total, not annualised, growth) and the half-life
``ln 2 / s``, with delta-method standard errors. For the SAR model β is the
coefficient of ln y (its direct/indirect/total impacts are not yet reported).
Not implemented yet: SEM/SDM beta models, ``groups=``, model-choice tests,
Phillips–Sul club convergence.
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


SPEED_FORM = "s = -ln(1 + beta)/tau, beta from total growth ln(y_t+tau / y_t); half-life = ln 2 / s"


def speed_half_life(beta: float, se: float, tau: int) -> dict[str, float]:
    """Speed ``−ln(1+β)/τ`` and half-life ``ln2/s`` with delta-method standard errors."""
    if not -1 < beta < 0:
        return {"speed": np.nan, "speed_se": np.nan, "half_life": np.nan, "half_life_se": np.nan}
    s = -np.log1p(beta) / tau
    ds = -1 / (tau * (1 + beta))
    h = np.log(2) / s
    dh = -np.log(2) / s**2 * ds
    return {"speed": s, "speed_se": abs(ds) * se, "half_life": h, "half_life_se": abs(dh) * se}


class BetaConvergence:
    """Beta convergence: growth over ``interval`` periods on the initial log level.

    Parameters
    ----------
    kind : {"absolute", "conditional"}
    model : {"ols", "fe", "sar"}
        Pooled OLS, within (individual fixed effects) OLS, or the SAR panel model.
    effects : str
        Fixed effects of the SAR model (see :class:`SpatialPanel`).
    w : libpysal W, optional
        Required for ``model="sar"``.
    controls : pandas.DataFrame, optional
        Region × period controls (``kind="conditional"``), taken at period t.
    interval : int
        τ, the number of periods over which growth is measured.
    cross_section : bool
        With ``model="ols"``: the Barro regression of growth over the whole span on the first level.
    """

    def __init__(self, kind: str = "absolute", model: str = "ols", effects: str = "individual", w: Any = None,
                 controls: pd.DataFrame | None = None, interval: int = 1, cross_section: bool = False) -> None:
        if kind not in ("absolute", "conditional"):
            raise ValueError(f"kind must be 'absolute' or 'conditional'; got {kind!r}")
        if model not in ("ols", "fe", "sar"):
            raise ValueError(f"model must be 'ols', 'fe' or 'sar' (others not implemented yet); got {model!r}")
        if model == "sar" and w is None:
            raise ValueError("model='sar' needs spatial weights w")
        if kind == "conditional" and controls is None:
            raise ValueError("kind='conditional' needs controls")
        if int(interval) < 1:
            raise ValueError(f"interval must be a positive integer; got {interval!r}")
        if cross_section and model != "ols":
            raise ValueError("cross_section=True is the Barro OLS regression; use model='ols'")
        self.kind, self.model, self.effects, self.w = kind, model, effects, w
        self.controls, self.interval, self.cross_section = controls, int(interval), cross_section

    def fit(self, series: pd.Series) -> BetaResult:
        """Estimate; returns a :class:`BetaResult` (beta, s.e., p, speed, half-life and the speed form)."""
        s = as_region_period_series(series, name="series", positive=True)
        wide = np.log(s.unstack(PERIOD))
        periods = list(wide.columns)
        tau = self.interval
        if self.cross_section:
            tau = len(periods) - 1
            g = wide[periods[-1]] - wide[periods[0]]
            frame = pd.DataFrame({"growth": g, "ln_y": wide[periods[0]], "const": 1.0})
            X = frame[["const", "ln_y"]].to_numpy()
        else:
            g = wide.shift(-tau, axis=1) - wide
            g = g.iloc[:, : len(periods) - tau]
            frame = pd.DataFrame({"growth": g.stack(), "ln_y": wide.iloc[:, : len(periods) - tau].stack()})
            if self.controls is not None:
                frame = frame.join(self.controls)
            if self.model == "sar":
                from .spatial_panel import SpatialPanel

                xcols = [c for c in frame.columns if c != "growth"]
                res = SpatialPanel("sar", self.effects).fit(frame["growth"], frame[xcols], self.w)
                beta, se = float(res["params"]["ln_y"]), float(res["std_errors"]["ln_y"])
                return self._out(beta, se, float(res["pvalues"]["ln_y"]), tau, res)
            xcols = [c for c in frame.columns if c != "growth"]
            if self.model == "fe":
                frame = frame - frame.groupby(level=REGION).transform("mean")
                X = frame[xcols].to_numpy()
            else:
                X = np.column_stack([np.ones(len(frame)), frame[xcols].to_numpy()])
        yv = frame["growth"].to_numpy()
        XtX = X.T @ X
        b = np.linalg.solve(XtX, X.T @ yv)
        e = yv - X @ b
        n_groups = wide.shape[0] if self.model == "fe" else 0
        dof = len(yv) - X.shape[1] - n_groups
        V = e @ e / dof * np.linalg.inv(XtX)
        j = 1 if self.model == "ols" else 0
        beta, se = float(b[j]), float(np.sqrt(V[j, j]))
        p = float(2 * stats.t.sf(abs(beta / se), dof))
        return self._out(beta, se, p, tau, {"params": b, "dof": dof})

    def _out(self, beta: float, se: float, p: float, tau: int, detail: Any) -> BetaResult:
        model = "ols (Barro cross-section)" if self.cross_section else self.model
        return BetaResult(
            kind=self.kind, model=model, effects=self.effects if self.model == "sar" else None,
            estimates={"beta": beta, "std_error": se, "p_value": p, "interval": tau, **speed_half_life(beta, se, tau)},
            detail=detail,
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
    table : DataFrame
        One row: kind, model, effects, τ and the estimates above.
    detail : dict
        The underlying fit (parameters; for the SAR model the SpatialPanel output).

    Values are also available by key, e.g. ``result["beta"]``.
    """

    _KEYS = ("beta", "std_error", "p_value", "interval", "speed", "speed_se", "half_life", "half_life_se")

    def __init__(self, *, kind: str, model: str, effects: str | None, estimates: dict[str, float], detail: Any) -> None:
        self.kind, self.model, self.effects = kind, model, effects
        for key in self._KEYS:
            object.__setattr__(self, key, float(estimates[key]) if key != "interval" else int(estimates[key]))
        self.speed_form = SPEED_FORM
        self.detail = detail
        self._notes = [] if -1 < self.beta < 0 else [
            f"beta = {self.beta:.4g} is not in (-1, 0): no beta convergence, speed and half-life undefined"
        ]
        self._freeze()

    def __getitem__(self, key: str) -> Any:
        if key in (*self._KEYS, "speed_form", "detail", "kind", "model", "effects"):
            return getattr(self, key)
        raise KeyError(f"{key!r}; available: {', '.join((*self._KEYS, 'speed_form', 'detail'))}")

    @property
    def table(self) -> pd.DataFrame:
        row = {"kind": self.kind, "model": self.model, "effects": self.effects or "-"}
        row.update({key: getattr(self, key) for key in self._KEYS})
        row["speed_form"] = self.speed_form
        return pd.DataFrame([row]).set_index(["kind", "model"])

    def summary(self) -> str:
        head = f"Beta convergence ({self.kind}, {self.model}" + (f", {self.effects} effects)" if self.effects else ")")
        lines = [head, "=" * len(head)]
        lines.append(f"beta = {self.beta:.5f} (s.e. {self.std_error:.5f}, p = {self.p_value:.4g}), tau = {self.interval}")
        lines.append(f"speed = {self.speed:.5f} (s.e. {self.speed_se:.5f}), half-life = {self.half_life:.2f} (s.e. {self.half_life_se:.2f})")
        lines.append(f"form: {self.speed_form}")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)
