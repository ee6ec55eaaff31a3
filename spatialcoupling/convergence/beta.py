"""Beta convergence: growth over τ periods on the initial log level, by OLS, FE or a spatial panel model.

``BetaConvergence(kind, model, effects).fit(series, w=None, controls=None, groups=None)`` regresses
growth ``ln(y_{t+τ}/y_t)`` (total growth over τ periods) on ``ln y_t`` (plus controls at t) by pooled
OLS, fixed-effects OLS (within estimator with individual, time or two-way effects, classical s.e.
with ``NT − k`` minus the absorbed effects as degrees of freedom, as linearmodels'
``PanelOLS(..., debiased=True)``; see :mod:`spatialcoupling._panel_ols`), the Barro cross-section,
or any spatial panel model of :class:`spatialcoupling.SpatialPanel` (SAR, SEM, SDM, SDEM, SAC, SLX).

The speed is ``s = −ln(1 + β)/τ`` (β from total, not annualised, growth) and the half-life
``ln 2 / s``, with delta-method standard errors. In the spatial models β is the coefficient of
ln y; for SAR, SDM and SAC the direct, indirect and total effects of ln y (LeSage & Pace) are
reported beside it, and every spatial fit comes with the model-choice tests (LM, robust LM, Wald
and LR of SDM → SAR/SEM).

``groups`` repeats the estimate within each region group (groups in the order of their labels),
with W restricted to the group and re-standardised (:meth:`SpatialWeights.subset`); every region
of the series needs a group. A group that cannot be estimated is a row with NaN and the reason
(table, notes, warning) while the others are estimated. Settings are declared once and checked
when the model is built and again by ``fit``; inputs are copied, and the OLS/FE fit underneath is
an immutable ``PanelOLSFit``.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from .._groups import as_groups, group_codes
from .._ids import id_keys
from .._panel_ols import PanelOLSFit, panel_ols
from .._params import Boolean, InstanceOf, Interval, Model, Options, Seed
from .._results import Result
from .._series import PERIOD, REGION, _preview, as_region_period_series, require_balanced
from .._weights import SpatialWeights, as_weights
from ._data_args import choose, warn_deprecated

__all__ = [
    "BETA_EFFECTS",
    "BETA_MODELS",
    "MIN_GROUP",
    "RANDOM_EFFECTS_MODELS",
    "SPATIAL_EFFECTS",
    "SPATIAL_MODELS",
    "SPEED_FORM",
    "BetaConvergence",
    "BetaResult",
    "speed_half_life",
]

SPEED_FORM = "s = -ln(1 + beta)/tau, beta from total growth ln(y_t+tau / y_t); half-life = ln 2 / s"
SPATIAL_MODELS = ("sar", "sem", "sdm", "sdem", "sac", "slx")
BETA_MODELS = ("ols", "fe", *SPATIAL_MODELS)
MIN_GROUP = 3
#: the effects each model takes (the first is the default)
BETA_EFFECTS = {"ols": ("none", "pooled"), "fe": ("individual", "time", "twoway")}
SPATIAL_EFFECTS = ("individual", "time", "twoway", "none", "random")
#: the spatial models of the growth equation with a random-effects estimator
RANDOM_EFFECTS_MODELS = ("sar", "sdm", "slx")
#: the log-determinant methods of the spatial models (as ``SpatialPanel(logdet=...)``)
LOGDETS = ("auto", "eigen", "lu", "interpolated", "chebyshev")
#: the normal quantile of a two-sided 95% interval
Z95 = 1.959964


def speed_half_life(beta: float, se: float, tau: int) -> dict[str, float]:
    """Speed ``−ln(1+β)/τ`` and half-life ``ln2/s`` with delta-method standard errors.

    NaN when β is not in (−1, 0) (no convergence).

    Examples
    --------
    >>> out = speed_half_life(-0.1, 0.01, 1)
    >>> round(float(out["speed"]), 6), round(float(out["half_life"]), 4)
    (0.105361, 6.5788)
    """
    if not -1 < beta < 0:
        return {"speed": np.nan, "speed_se": np.nan, "half_life": np.nan, "half_life_se": np.nan}
    s = -np.log1p(beta) / tau
    ds = -1 / (tau * (1 + beta))
    h = np.log(2) / s
    dh = -np.log(2) / s**2 * ds
    return {"speed": s, "speed_se": abs(ds) * se, "half_life": h, "half_life_se": abs(dh) * se}


def _whole_periods(value: Any) -> bool:
    return (
        not isinstance(value, bool | np.bool_)
        and isinstance(value, numbers.Real)
        and np.isfinite(float(value))
        and float(value).is_integer()
        and float(value) >= 1
    )


def _controls_frame(controls: Any) -> pd.DataFrame:
    """A validated copy of the controls: a DataFrame indexed by (region, period)."""
    if isinstance(controls, pd.Series):
        controls = controls.to_frame()
    if not isinstance(controls, pd.DataFrame):
        raise TypeError(
            f"controls must be a pandas DataFrame indexed by (region, period); got {type(controls).__name__}"
        )
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


class BetaConvergence(Model):
    """Beta convergence: growth over ``interval`` periods on the initial log level.

    Settings go to the constructor, data to :meth:`fit`:
    ``BetaConvergence(kind=..., model=...).fit(series, w=None, controls=None, groups=None)``.

    Parameters
    ----------
    kind : {"absolute", "conditional"}
        ``"conditional"`` needs ``controls`` in :meth:`fit`.
    model : {"ols", "fe", "sar", "sem", "sdm", "sdem", "sac", "slx"}
        Pooled OLS, fixed-effects (within) OLS, or a spatial panel model (see
        :class:`spatialcoupling.SpatialPanel`; these need ``w`` in :meth:`fit`).
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
    w : libpysal W or Graph, optional
        Deprecated: pass ``w`` to :meth:`fit`.
    controls : pandas.DataFrame, optional
        Deprecated: pass ``controls`` to :meth:`fit`.
    interval : int
        τ, the number of periods over which growth is measured (a whole number ≥ 1).
    groups : mapping or Series, optional
        Deprecated: pass ``groups`` to :meth:`fit`.
    cross_section : bool
        With ``model="ols"``: the Barro regression of growth over the whole span on the first level
        (and the controls in the first period).
    lee_yu : bool
        Lee–Yu correction of the spatial model (default True).
    draws : int
        Simulations for the impacts of ln y (0, or at least 50).
    seed : None, int >= 0 or numpy.random.SeedSequence
        Seed of those simulations.
    tests : bool
        Run the model-choice tests with a spatial model (default True).
    timeout : float or None
        Seconds each spatial fit may take (default 600; see :class:`SpatialPanel`).
    logdet : {"auto", "eigen", "lu", "interpolated", "chebyshev"}
        How the spatial fits (the model and the model-choice tests) evaluate ``ln|I − ρW|`` (see
        :class:`SpatialPanel`); ``"interpolated"`` is the cheapest when many fits share one large W
        (e.g. a robustness grid). Whatever depends only on W is kept between fits in any case.

    Notes
    -----
    The series must be balanced (every region in every period) and the controls complete; a gap
    or a missing value is an error that names the (region, period) cell and column. Periods may be
    numbers or text labels: growth is taken between consecutive periods in sorted order.

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> income = sc.datasets.load("us_income")
    >>> income = income[income.index.get_level_values("period") >= 1990]
    >>> w = sc.spatial_weights(sc.datasets.load("us_states"), kind="queen")
    >>> res = sc.BetaConvergence(model="sar", draws=0, tests=False).fit(income, w=w)
    >>> bool(res.beta < 0), res.nobs
    (True, 912)
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "kind": [Options("absolute", "conditional")],
        "model": [Options(*BETA_MODELS)],
        # which effects a model takes is checked with the model (see _validate_params)
        "effects": [None, InstanceOf(str, "the name of the effects of the model")],
        "interval": [
            InstanceOf(
                numbers.Real, "a whole number of periods, at least 1 (τ in ln(y_t+τ / y_t))", check=_whole_periods
            )
        ],
        "cross_section": [Boolean()],
        "lee_yu": [Boolean()],
        "draws": [Options(0), Interval(int, 50, None)],
        "seed": [Seed()],
        "tests": [Boolean()],
        "timeout": [None, Interval(float, 0, None, closed="neither")],
        "logdet": [Options(*LOGDETS)],
    }

    def __init__(
        self,
        kind: str = "absolute",
        model: str = "ols",
        effects: str | None = None,
        w: Any = None,
        controls: pd.DataFrame | None = None,
        interval: int = 1,
        groups: Mapping[Any, Any] | pd.Series | None = None,
        cross_section: bool = False,
        lee_yu: bool = True,
        draws: int = 1000,
        seed: int | np.random.SeedSequence | None = 0,
        tests: bool = True,
        timeout: float | None = 600.0,
        logdet: str = "auto",
    ) -> None:
        self.kind, self.model = kind, model
        self.logdet = logdet
        default = BETA_EFFECTS.get(model, SPATIAL_EFFECTS)[0] if model in BETA_MODELS else None
        self.effects = default if effects is None else effects
        self.interval, self.cross_section = interval, cross_section
        self.lee_yu, self.draws, self.seed, self.tests, self.timeout = lee_yu, draws, seed, tests, timeout
        self._validate_params()
        # data given in 0.1's style (deprecated): kept for fit
        self.w = None if w is None else as_weights(w)
        self.controls = None if controls is None else _controls_frame(controls)
        self.groups = None if groups is None else as_groups(groups, "BetaConvergence")
        if self.controls is not None and self.kind == "absolute":
            raise ValueError("controls are for kind='conditional'; drop them or change the kind")
        warn_deprecated(
            "BetaConvergence",
            [name for name, value in (("w", w), ("controls", controls), ("groups", groups)) if value is not None],
        )

    def _validate_params(self) -> None:
        super()._validate_params()
        allowed = BETA_EFFECTS.get(self.model, SPATIAL_EFFECTS)
        if self.effects not in allowed:
            hint = ""
            if self.model == "ols" and self.effects in BETA_EFFECTS["fe"]:
                hint = f"; for {self.effects} fixed effects use model='fe'"
            raise ValueError(
                f"BetaConvergence: effects={self.effects!r} is not available with model={self.model!r}: "
                f"it takes {', '.join(map(repr, allowed))}{hint}"
            )
        if self.effects == "random" and self.model not in RANDOM_EFFECTS_MODELS:
            raise ValueError(
                f"BetaConvergence: effects='random' is available with model "
                f"{', '.join(map(repr, RANDOM_EFFECTS_MODELS))}; got model={self.model!r}"
            )
        if self.cross_section and self.model != "ols":
            raise ValueError("BetaConvergence: cross_section=True is the Barro OLS regression; use model='ols'")

    # -- fitting ------------------------------------------------------------------
    def fit(
        self,
        series: pd.Series,
        w: Any = None,
        controls: pd.DataFrame | None = None,
        groups: Mapping[Any, Any] | pd.Series | None = None,
    ) -> BetaResult:
        """Estimate the growth equation.

        Parameters
        ----------
        series : Series indexed by (region, period)
            Positive values on a balanced panel.
        w : libpysal W or Graph, or SpatialWeights, optional
            Spatial weights over the regions of the series; required by the spatial models.
        controls : DataFrame, optional
            Region × period controls (``kind="conditional"``), taken at period t (a copy is used).
        groups : mapping or Series, optional
            Region → group label; every region of the series needs one. Each group is estimated
            separately as well (spatial models: W restricted to the group and re-standardised). A
            group that cannot be estimated (fewer than 3 members or no neighbour pair for a spatial
            model, no residual degrees of freedom, a spatial parameter that is not identified, a
            failed fit) is reported as a row with NaN and its reason in the table, in ``notes`` and
            as a warning, while the other groups are estimated.

        Returns
        -------
        BetaResult
            beta, s.e., p, speed, half-life, impacts, tests, and with ``groups`` one result per
            group in ``by_group``.
        """
        self._validate_params()
        w = choose("BetaConvergence", "w", self.w, w)
        controls = choose("BetaConvergence", "controls", self.controls, controls)
        groups = choose("BetaConvergence", "groups", self.groups, groups)
        weights = None if w is None else as_weights(w)
        if self.model in SPATIAL_MODELS and weights is None:
            raise ValueError(
                f"BetaConvergence: model={self.model!r} needs spatial weights w: "
                f"BetaConvergence(model={self.model!r}).fit(series, w=w)"
            )
        if self.kind == "conditional" and controls is None:
            raise ValueError(
                "BetaConvergence: kind='conditional' needs controls: "
                "BetaConvergence('conditional', ...).fit(series, controls=controls)"
            )
        if self.kind == "absolute" and controls is not None:
            raise ValueError("controls are for kind='conditional'; drop them or change the kind")
        ctrl = None if controls is None else _controls_frame(controls)
        s = as_region_period_series(series, name="series", positive=True)
        require_balanced(s, name="series")
        regions = s.index.get_level_values(REGION).unique()
        codes = labels = None
        group_notes: list[str] = []
        if groups is not None:
            codes, labels, group_notes = group_codes(regions, as_groups(groups, "BetaConvergence"), "BetaConvergence")
        overall = self._fit_one(s, weights, ctrl, extra_notes=group_notes)
        if codes is None or labels is None:
            return overall
        by_group = {}
        for j, label in enumerate(labels):
            members = list(regions[codes == j])
            sub = s[s.index.get_level_values(REGION).isin(members)]
            try:
                w_sub, notes = self._group_weights(weights, label, members)
                by_group[label] = self._fit_one(sub, w_sub, ctrl, extra_notes=notes)
            except (ValueError, np.linalg.LinAlgError, TimeoutError) as exc:
                reason = f"group {label!r} ({len(members)} region(s)) not estimable: {exc}"
                warnings.warn(reason, RuntimeWarning, stacklevel=2)
                by_group[label] = self._not_estimable(reason)
        return overall.with_groups(by_group)

    def _group_weights(
        self, w: SpatialWeights | None, label: Any, members: list
    ) -> tuple[SpatialWeights | None, list[str]]:
        """W restricted to a group, with the checks a spatial model needs (raising a ValueError)."""
        if w is None:
            return None, []
        spatial = self.model in SPATIAL_MODELS
        if spatial and len(members) < MIN_GROUP:
            raise ValueError(
                f"a spatial model needs at least {MIN_GROUP} regions per group, this one has "
                f"{_preview(members)}; merge it with a neighbouring group or use model='fe'"
            )
        pos = pd.Index(id_keys(w.ids)).get_indexer(pd.Index(id_keys(members)))  # members matched to W's ids as keys
        if (pos < 0).any():
            absent = list(pd.Index(members, dtype=object)[pos < 0])
            raise ValueError(f"regions {_preview(absent)} are not among the ids of w; build W from the same regions")
        w_sub = w.subset([w.ids[i] for i in pos], transform="r")
        islands = [members[i] for i in np.flatnonzero(w_sub.cardinalities == 0)]
        notes = [f"group {label!r}: W restricted to the group and re-standardised"]
        if spatial and len(islands) == len(members):
            raise ValueError(
                f"no two of its members {_preview(members)} are neighbours in W, so a spatial model has "
                "nothing to estimate; use model='fe' or another grouping"
            )
        if spatial and islands:
            notes.append(f"group {label!r}: {_preview(islands)} have no neighbour inside the group (zero rows of W)")
        return w_sub, notes

    def _growth_frame(self, s: pd.Series, controls: pd.DataFrame | None) -> tuple[pd.DataFrame, int]:
        wide = np.log(s.unstack(PERIOD))
        periods = list(wide.columns)
        tau = int(self.interval)
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
        if controls is not None:  # taken at t (the first period for the cross-section)
            missing = frame.index.difference(controls.index)
            if len(missing):
                raise ValueError(f"controls lack (region, period) rows {_preview(missing)}")
            frame = frame.join(controls)
            values = frame[controls.columns].to_numpy(float)
            rows, cols = np.nonzero(~np.isfinite(values))
            if len(rows):
                cells = [(*frame.index[r], controls.columns[c]) for r, c in zip(rows[:10], cols[:10], strict=True)]
                raise ValueError(
                    f"controls: missing or infinite values at (region, period, column) {_preview(cells)}"
                    f"{' … and more' if len(rows) > 10 else ''}; fill them (e.g. Panel.interpolate()) "
                    "or drop the control"
                )
        return frame, tau

    def _fit_one(
        self,
        s: pd.Series,
        w: SpatialWeights | None,
        controls: pd.DataFrame | None,
        extra_notes: list[str] | None = None,
    ) -> BetaResult:
        frame, tau = self._growth_frame(s, controls)
        xcols = [c for c in frame.columns if c != "growth"]
        n_growth = len(s.index.get_level_values(PERIOD).unique()) - tau
        if not self.cross_section and n_growth == 1 and self.effects in ("individual", "twoway"):
            raise ValueError(
                f"with {n_growth + tau} periods and interval {tau} there is one growth observation per "
                f"region, which the {self.effects} effects absorb (ln_y has no variation left); use "
                "more periods, effects='time' or 'none', or cross_section=True"
            )
        if self.model in SPATIAL_MODELS:
            from ..spatial_panel import SpatialPanel, model_tests

            effects = str(self.effects)
            fit = SpatialPanel(
                self.model,
                effects,
                lee_yu=self.lee_yu,
                logdet=self.logdet,
                draws=self.draws,
                seed=self.seed,
                timeout=self.timeout,
            ).fit(frame["growth"], frame[xcols], w)
            beta, se, p = (float(fit.params["ln_y"]), float(fit.std_errors["ln_y"]), float(fit.pvalues["ln_y"]))
            impacts = None if fit.impacts is None else fit.impacts.loc["ln_y"]
            tests = (
                model_tests(
                    frame["growth"], frame[xcols], w, effects, self.lee_yu, logdet=self.logdet, timeout=self.timeout
                )
                if self.tests
                else None
            )
            return self._out(beta, se, p, tau, fit, impacts=impacts, tests=tests, notes=(extra_notes or []) + fit.notes)
        fit_ols = panel_ols(
            frame["growth"], frame[xcols], model=self.model, effects="none" if self.cross_section else str(self.effects)
        )
        beta, se, p = (float(fit_ols.params["ln_y"]), float(fit_ols.std_errors["ln_y"]), float(fit_ols.pvalues["ln_y"]))
        return self._out(beta, se, p, tau, fit_ols, notes=extra_notes or [])

    def _model_label(self) -> str:
        return "ols (Barro cross-section)" if self.cross_section else self.model

    def _out(
        self,
        beta: float,
        se: float,
        p: float,
        tau: int,
        detail: Any,
        impacts: pd.DataFrame | None = None,
        tests: pd.DataFrame | None = None,
        notes: list[str] | None = None,
    ) -> BetaResult:
        return BetaResult(
            kind=self.kind,
            model=self._model_label(),
            effects=self.effects,
            estimates={"beta": beta, "std_error": se, "p_value": p, "interval": tau, **speed_half_life(beta, se, tau)},
            detail=detail,
            impacts=impacts,
            tests=tests,
            notes=notes or [],
            settings=self.get_params(),
        )

    def _not_estimable(self, reason: str) -> BetaResult:
        nan = dict.fromkeys(BetaResult.ESTIMATES, np.nan)
        return BetaResult(
            kind=self.kind,
            model=self._model_label(),
            effects=self.effects,
            estimates={**nan, "interval": int(self.interval)},
            detail=None,
            notes=[reason],
            reason=reason,
            settings=self.get_params(),
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
    params, std_errors, pvalues, cov, nobs
        Of the whole growth equation, from the underlying fit (``detail``); None for a group
        that could not be estimated. ``tstats`` (OLS/FE, t-based) or ``zstats`` (spatial models,
        normal-based) likewise; the other one is None.
    speed_form : str
        The form of the speed formula used (β from total growth over τ periods).
    effects : str
        The effects of the model (``"none"``/``"pooled"`` for OLS).
    impacts : DataFrame or None
        Direct, indirect and total effects of ln y (SAR, SDM, SAC; SLX and SDEM: β and θ).
    tests : DataFrame or None
        Model-choice tests of the spatial growth equation (LM, robust LM, Wald and LR).
    by_group : mapping (read-only)
        With ``groups``: one :class:`BetaResult` per group.
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
    settings : mapping (read-only)
        The settings of the model.

    ``result["beta"]`` (0.1's access by key) still works and warns; read attributes instead.
    """

    #: the scalar estimates of every fit, in the order of the table
    ESTIMATES = ("beta", "std_error", "p_value", "interval", "speed", "speed_se", "half_life", "half_life_se")
    _KEYS = ESTIMATES
    beta: float
    std_error: float
    p_value: float
    interval: int
    speed: float
    speed_se: float
    half_life: float
    half_life_se: float
    _table_names = ("table", "impacts", "tests")

    def __init__(
        self,
        *,
        kind: str,
        model: str,
        effects: str | None,
        estimates: dict[str, float],
        detail: Any,
        impacts: pd.DataFrame | None = None,
        tests: pd.DataFrame | None = None,
        notes: list[str] | None = None,
        by_group: Mapping[Any, BetaResult] | None = None,
        reason: str | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        self.kind, self.model, self.effects = kind, model, effects
        self._estimates = dict(estimates)
        for key in self.ESTIMATES:
            object.__setattr__(self, key, float(estimates[key]) if key != "interval" else int(estimates[key]))
        self.speed_form = SPEED_FORM
        self.detail = detail
        self.reason = reason
        self.settings = settings or {}
        self._impacts = None if impacts is None else impacts.copy()
        self._tests = None if tests is None else tests.copy()
        self.by_group = MappingProxyType(dict(by_group or {}))
        self._notes = list(notes or [])
        if reason is None and np.isfinite(self.beta) and not -1 < self.beta < 0:
            self._notes.append(
                f"beta = {self.beta:.4g} is not in (-1, 0): no beta convergence, speed and half-life undefined"
            )
        for label, res in self.by_group.items():
            self._notes += [n if n.startswith(f"group {label!r}") else f"[{label}] {n}" for n in res.notes]
        self._freeze()

    def with_groups(self, by_group: dict[Any, BetaResult]) -> BetaResult:
        """This result with ``by_group`` attached (a new result)."""
        own = [n for n in self._notes if not n.startswith("beta = ")]
        return BetaResult(
            kind=self.kind,
            model=self.model,
            effects=self.effects,
            estimates=self._estimates,
            detail=self.detail,
            impacts=self._impacts,
            tests=self._tests,
            notes=own,
            by_group=by_group,
            reason=self.reason,
            settings=self.settings,
        )

    def __getitem__(self, key: str) -> Any:
        """Deprecated: read values as attributes (``result.beta``)."""
        if key in (
            *self.ESTIMATES,
            "speed_form",
            "detail",
            "kind",
            "model",
            "effects",
            "impacts",
            "tests",
            "by_group",
            "reason",
        ):
            warnings.warn(
                f"result[{key!r}] is deprecated; read the attribute: result.{key}", DeprecationWarning, stacklevel=2
            )
            return getattr(self, key)
        available = ", ".join((*self.ESTIMATES, "speed_form", "detail", "impacts", "tests"))
        raise KeyError(f"{key!r}; available: {available}")

    # -- the estimator names of the whole growth equation -----------------------------------
    @property
    def params(self) -> pd.Series | None:
        """Coefficients of the growth equation (``ln_y``, the controls, …)."""
        return None if self.detail is None else self.detail.params

    @property
    def std_errors(self) -> pd.Series | None:
        """Standard errors of ``params``."""
        return None if self.detail is None else self.detail.std_errors

    @property
    def pvalues(self) -> pd.Series | None:
        """p-values of ``params`` (t-based for OLS/FE, normal-based for spatial models)."""
        return None if self.detail is None else self.detail.pvalues

    @property
    def tstats(self) -> pd.Series | None:
        """t statistics (OLS/FE); None for the spatial models, whose statistics are ``zstats``."""
        return self.detail.tstats if isinstance(self.detail, PanelOLSFit) else None

    @property
    def zstats(self) -> pd.Series | None:
        """z statistics (spatial models); None for OLS/FE, whose statistics are ``tstats``."""
        return None if self.detail is None or isinstance(self.detail, PanelOLSFit) else self.detail.zstats

    @property
    def cov(self) -> pd.DataFrame | None:
        """Covariance matrix of ``params``."""
        return None if self.detail is None else self.detail.cov

    @property
    def nobs(self) -> int | None:
        """Observations of the growth equation."""
        return None if self.detail is None else int(self.detail.nobs)

    @property
    def impacts(self) -> pd.DataFrame | None:
        return None if self._impacts is None else self._impacts.copy()

    @property
    def tests(self) -> pd.DataFrame | None:
        return None if self._tests is None else self._tests.copy()

    # -- tables -------------------------------------------------------------------------
    def _row(self, group: Any, impacts: bool) -> dict[str, Any]:
        row = {"kind": self.kind, "model": self.model, "group": group, "effects": self.effects or "-"}
        row.update({key: getattr(self, key) for key in self.ESTIMATES})
        if impacts:
            own = self._impacts
            for effect in ("direct", "indirect", "total"):
                row[f"{effect}_ln_y"] = float(own.loc[effect, "estimate"]) if own is not None else np.nan
                row[f"{effect}_ln_y_se"] = float(own.loc[effect, "std_error"]) if own is not None else np.nan
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

    def _critical_value(self) -> float:
        """The 97.5% quantile of β's reference distribution: t with the residual dof (OLS/FE), normal else."""
        if isinstance(self.detail, PanelOLSFit):
            return float(stats.t.ppf(0.975, self.detail.dof))
        return Z95

    def intervals(self) -> pd.DataFrame:
        """95% intervals of β, the speed and the half-life, one row per fit (``"all"``, then each group).

        ``estimate ± c · s.e.`` with ``c`` the 97.5% quantile of β's reference distribution (t with
        the residual degrees of freedom for OLS/FE, normal for the spatial models), the same ``c``
        for the delta-method intervals of the speed and the half-life.
        """
        rows = []
        for label, res in [("all", self), *self.by_group.items()]:
            c = res._critical_value()
            row: dict[str, Any] = {"group": label}
            for name, se in (("beta", "std_error"), ("speed", "speed_se"), ("half_life", "half_life_se")):
                value, err = getattr(res, name), getattr(res, se)
                row.update({name: value, f"{name}_lower": value - c * err, f"{name}_upper": value + c * err})
            rows.append(row)
        return pd.DataFrame(rows).set_index("group")

    def summary(self) -> str:
        pooled = self.effects in ("none", "pooled")
        effects = "" if not self.effects else (", pooled" if pooled else f", {self.effects} effects")
        head = f"Beta convergence ({self.kind}, {self.model}{effects})"
        lines = [head, "=" * len(head)]
        lines.append(
            f"beta = {self.beta:.5f} (s.e. {self.std_error:.5f}, p = {self.p_value:.4g}), tau = {self.interval}"
        )
        lines.append(
            f"speed = {self.speed:.5f} (s.e. {self.speed_se:.5f}), half-life = {self.half_life:.2f} "
            f"(s.e. {self.half_life_se:.2f})"
        )
        lines.append(f"form: {self.speed_form}")
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            if self._impacts is not None:
                lines += [
                    "",
                    "Effects of ln y (LeSage & Pace)",
                    self._impacts.to_string(float_format=lambda v: f"{v:.5f}"),
                ]
            if self._tests is not None:
                lines += ["", "Model-choice tests", self._tests.to_string(float_format=lambda v: f"{v:.4g}")]
            if self.by_group:
                lines += [
                    "",
                    "By group",
                    self.table[["beta", "std_error", "p_value", "speed", "half_life"]].to_string(
                        float_format=lambda v: f"{v:.5f}"
                    ),
                ]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def plot(self, *, figsize: tuple[float, float] | None = None, language: str = "en") -> Any:
        """β with its 95% interval, nationally and per group, and the speed (half-life labelled) beside it.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from ..plotting.convergence import beta_plot

        title = f"Beta convergence ({self.kind}, {self.model})"
        return beta_plot(self.intervals(), title=title, figsize=figsize, language=language)
