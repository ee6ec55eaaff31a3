"""The result of a spatial panel fit: estimates, inference, impacts, the Wald test and the figure.

Inference is normal-based (maximum likelihood): ``zstats = params / std_errors``, two-sided normal
p-values and 95% intervals ``coef ± 1.959964·s.e.``. The names follow the estimator contract of the
package (``params``, ``std_errors``, ``zstats``, ``pvalues``, ``cov``, ``nobs``); 0.1's ``tvalues``
and ``lam`` remain as deprecated aliases of ``zstats`` and ``lambda_``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._results import Result, copied

__all__ = ["SpatialPanelResult"]

#: the normal quantile of a two-sided 95% interval
Z95 = 1.959964


def _read_only(a: np.ndarray) -> np.ndarray:
    out = np.array(a, copy=True)
    out.setflags(write=False)
    return out


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"SpatialPanelResult.{old} is deprecated; use {new}", DeprecationWarning, stacklevel=3)


class SpatialPanelResult(Result):
    """Estimates of a :class:`~spatialcoupling.SpatialPanel` model.

    Attributes
    ----------
    params, std_errors, zstats, pvalues : Series
        Coefficients named by the columns of X, ``W_<col>`` for lagged regressors, ``const``
        without fixed effects, ``rho`` and/or ``lambda`` (and ``phi`` with random effects); their
        standard errors, z statistics and two-sided normal p-values.
    cov : DataFrame
        Their covariance matrix.
    nobs : int
        Observations (regions × periods).
    rho, lambda_ : float
        The spatial parameters (NaN when the model has none).
    sigma2, loglik, aic, bic : float
        ML error variance (Lee–Yu corrected when requested), log-likelihood and information
        criteria with ``k`` = coefficients + spatial parameters + σ².
    resid : Series
        Innovations ε by (region, period) after removing the effects.
    fixed_effects : Series
        Recovered effects indexed by (effect, id): ``region`` μ_i, ``period`` η_t, and with two-way
        effects a ``const`` (μ and η then sum to zero).
    impacts : DataFrame or None
        Direct/indirect/total effects per regressor: estimate, std_error, z, p_value, ci_lower,
        ci_upper (SAR, SDM, SAC, SLX, SDEM).
    table : DataFrame
        Coefficient table: coef, std_error, z, p_value, ci_lower, ci_upper.
    settings : mapping (read-only)
        The settings of the :class:`~spatialcoupling.SpatialPanel` that was fitted.
    lee_yu : bool
        Whether the correction was requested.
    lee_yu_applied : bool
        Whether a Lee–Yu correction was applied: only with individual, time or two-way fixed effects
        (never with random effects or ``effects="none"``).
    """

    _table_names = ("table", "impacts_table")

    def __init__(
        self,
        *,
        model: str,
        effects: str,
        lee_yu: bool,
        settings: Mapping[str, Any],
        params: pd.Series,
        cov: pd.DataFrame,
        sigma2: float,
        loglik: float,
        resid: pd.Series,
        fixed_effects: pd.Series,
        impacts: pd.DataFrame | None,
        n_regions: int,
        n_periods: int,
        logdet_method: str | None,
        notes: list[str],
        lee_yu_applied: bool = False,
        design: dict[str, Any] | None = None,
    ) -> None:
        self.model, self.effects, self.lee_yu = model, effects, bool(lee_yu)
        self.settings = settings
        self.lee_yu_applied = bool(lee_yu_applied)
        self._design = (
            None
            if design is None
            else MappingProxyType({k: (_read_only(v) if isinstance(v, np.ndarray) else v) for k, v in design.items()})
        )
        self._params, self._cov = params.rename("coef"), cov
        self.sigma2, self.loglik = float(sigma2), float(loglik)
        self._resid, self._fixed, self._impacts = resid, fixed_effects, impacts
        self.n_regions, self.n_periods, self.nobs = n_regions, n_periods, n_regions * n_periods
        self.logdet_method = logdet_method
        self.k = len(params) + 1
        self.aic = -2 * self.loglik + 2 * self.k
        self.bic = -2 * self.loglik + np.log(self.nobs) * self.k
        self._notes = list(notes)
        self._freeze()

    # -- estimates -------------------------------------------------------------
    params = copied("_params", "Coefficients, named by the regressors, their spatial lags and the spatial parameters.")
    cov = copied("_cov", "Covariance matrix of ``params``.")
    resid = copied("_resid", "Innovations by (region, period) after removing the effects.")
    fixed_effects = copied("_fixed", "Recovered fixed effects indexed by (effect, id).")

    @property
    def std_errors(self) -> pd.Series:
        """Standard errors of ``params``."""
        return pd.Series(np.sqrt(np.diag(self._cov.to_numpy())), index=self._params.index, name="std_error")

    @property
    def zstats(self) -> pd.Series:
        """z statistics ``params / std_errors``."""
        return (self._params / self.std_errors).rename("z")

    @property
    def tvalues(self) -> pd.Series:
        """Deprecated alias of :attr:`zstats` (the statistics are normal-based)."""
        _deprecated("tvalues", ".zstats")
        return self.zstats

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided normal p-values of ``zstats``."""
        return pd.Series(2 * stats.norm.sf(np.abs(self.zstats.to_numpy())), index=self._params.index, name="p_value")

    @property
    def rho(self) -> float:
        """The spatial lag parameter ρ (NaN without a spatial lag of y)."""
        return float(self._params.get("rho", np.nan))

    @property
    def lambda_(self) -> float:
        """The spatial error parameter λ (NaN without a spatial error)."""
        return float(self._params.get("lambda", np.nan))

    @property
    def lam(self) -> float:
        """Deprecated alias of :attr:`lambda_`."""
        _deprecated("lam", ".lambda_")
        return self.lambda_

    @property
    def impacts(self) -> pd.DataFrame | None:
        """Direct, indirect and total effects per regressor (None when not computed)."""
        return None if self._impacts is None else self._impacts.copy()

    @property
    def impacts_table(self) -> pd.DataFrame | None:
        """The impacts (the name of the table in exports)."""
        return self.impacts

    _KEYS = ("params", "std_errors", "tvalues", "pvalues", "sigma2", "loglik", "rho", "impacts", "cov")

    def __getitem__(self, key: str) -> Any:
        """Deprecated: read values as attributes (``result.params``)."""
        if key not in self._KEYS:
            raise KeyError(key)
        new = "zstats" if key == "tvalues" else key
        warnings.warn(
            f"result[{key!r}] is deprecated; read the attribute: result.{new}", DeprecationWarning, stacklevel=2
        )
        return getattr(self, new)

    @property
    def table(self) -> pd.DataFrame:
        """Coefficient table: coef, std_error, z, p_value, ci_lower, ci_upper."""
        se = self.std_errors
        out = pd.DataFrame(
            {
                "coef": self._params,
                "std_error": se,
                "z": self.zstats,
                "p_value": self.pvalues,
                "ci_lower": self._params - Z95 * se,
                "ci_upper": self._params + Z95 * se,
            }
        )
        out.index.name = "term"
        return out

    # -- tests ---------------------------------------------------------------------
    def wald_test(self, restriction: str | dict[str, float]) -> pd.Series:
        """Wald test of a restriction.

        Parameters
        ----------
        restriction : "sar", "sem", "slx" or a dict {term: value}
            ``"sar"`` (SDM/SDEM/SLX → no lagged X): all θ = 0. ``"sem"`` (SDM → SEM): the common
            factor restriction θ_k + ρβ_k = 0, tested by the delta method. ``"slx"``: ρ = 0.
            A dict tests the named coefficients equal the given values jointly.

        Returns
        -------
        Series with statistic, df and p_value (chi-squared).
        """
        p, V = self._params, self._cov
        lagged = [c for c in p.index if c.startswith("W_")]
        if isinstance(restriction, dict):
            names = list(restriction)
            missing = [c for c in names if c not in p.index]
            if missing:
                raise KeyError(f"unknown terms {missing}; the model has {list(p.index)}")
            g = p[names].to_numpy() - np.array([restriction[c] for c in names], float)
            J = np.zeros((len(names), len(p)))
            J[np.arange(len(names)), p.index.get_indexer(names)] = 1.0
        elif restriction == "sar":
            if not lagged:
                raise ValueError(f"a {self.model.upper()} model has no lagged regressors W_x to restrict")
            return self.wald_test(dict.fromkeys(lagged, 0.0))
        elif restriction == "slx":
            if "rho" not in p.index:
                raise ValueError(f"a {self.model.upper()} model has no rho")
            return self.wald_test({"rho": 0.0})
        elif restriction == "sem":
            if self.model != "sdm":
                raise ValueError("the common factor restriction SDM → SEM needs an SDM fit")
            base = [c[2:] for c in lagged]
            rho = p["rho"]
            g = p[[f"W_{c}" for c in base]].to_numpy() + rho * p[base].to_numpy()
            rows = np.arange(len(base))
            J = np.zeros((len(base), len(p)))
            J[rows, p.index.get_indexer([f"W_{c}" for c in base])] = 1.0
            J[rows, p.index.get_indexer(base)] = rho
            J[rows, p.index.get_loc("rho")] = p[base].to_numpy()
        else:
            raise ValueError(f"restriction must be 'sar', 'sem', 'slx' or a dict; got {restriction!r}")
        stat = float(g @ np.linalg.solve(J @ V.to_numpy() @ J.T, g))
        df = len(g)
        return pd.Series({"statistic": stat, "df": df, "p_value": float(stats.chi2.sf(stat, df))})

    # -- text and figure -------------------------------------------------------------
    def summary(self) -> str:
        """Plain-text summary: model, fit statistics, coefficients, impacts and notes."""
        head = (
            f"Spatial panel {self.model.upper()} ({self.effects} effects"
            + (", Lee-Yu correction" if self.lee_yu_applied else "")
            + ")"
        )
        lines = [
            head,
            "=" * len(head),
            f"regions = {self.n_regions}, periods = {self.n_periods}, obs = {self.nobs}",
            (
                f"log-likelihood = {self.loglik:.4f}, AIC = {self.aic:.4f}, BIC = {self.bic:.4f}, "
                f"sigma2 = {self.sigma2:.6g}"
            ),
            f"log-determinant: {self.logdet_method or '-'}",
            "",
        ]
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            lines.append(self.table.to_string(float_format=lambda v: f"{v:.5f}"))
            if self._impacts is not None:
                lines += ["", "Impacts (LeSage & Pace)", self._impacts.to_string(float_format=lambda v: f"{v:.5f}")]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def plot(
        self,
        *,
        terms: list[str] | None = None,
        ax: Any = None,
        figsize: tuple[float, float] | None = None,
        language: str = "en",
    ) -> Any:
        """Coefficients with their 95% intervals and, when computed, the impacts with theirs.

        Parameters
        ----------
        terms : list of str, optional
            The coefficients to show (default all).
        ax : matplotlib Axes, optional
            Draw the coefficients there (the impacts are then left out).
        figsize : (float, float), optional

        Returns
        -------
        matplotlib.figure.Figure
        """
        from ..plotting.spatial_panel import coefficient_plot

        table = self.table if terms is None else self.table.loc[list(terms)]
        title = f"Spatial panel {self.model.upper()} ({self.effects} effects)"
        return coefficient_plot(
            table,
            impacts=None if ax is not None else self._impacts,
            title=title,
            ax=ax,
            figsize=figsize,
            language=language,
        )

    def __repr__(self) -> str:
        return f"<SpatialPanelResult: {self.model} {self.effects}, {len(self._params)} terms>"
