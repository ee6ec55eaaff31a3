"""Within transformation, rank checks and least squares on a balanced region × period panel.

Shared by :mod:`spatialcoupling.spatial_panel` (which removes the fixed effects before maximum
likelihood) and :mod:`spatialcoupling.convergence` (pooled and fixed-effects OLS of the growth
equation). On a balanced panel the individual, time and two-way effects are removed exactly by
demeaning: ``x − x̄_i``, ``x − x̄_t`` and ``x − x̄_i − x̄_t + x̄``.

:func:`panel_ols` is the classical least-squares fit with ``σ² = e'e / dof``, ``dof = NT − k − (number
of effects absorbed)`` (``N`` with individual, ``T`` with time, ``N + T − 1`` with two-way effects) and
t-based p-values, the convention of Stata's ``xtreg, fe`` and of linearmodels' ``PanelOLS`` with
``debiased=True``. It returns an immutable :class:`PanelOLSFit` with the estimator names of the
package: ``params``, ``std_errors``, ``tstats``, ``pvalues``, ``cov``, ``nobs``.

Why there are two least-squares engines: ``BetaConvergence(model="ols" | "fe")`` fits the growth
equation here, while ``SpatialPanel("ols")`` (and ``"slx"``) estimate the same coefficients inside the
maximum-likelihood engine of :mod:`spatialcoupling.spatial_panel`. The coefficients agree; the
inference does not, on purpose:

* here, classical inference: ``σ² = e'e / dof`` with the absorbed effects subtracted from the degrees
  of freedom, t statistics and t p-values, so that the numbers are those of Stata's ``xtreg, fe``, R's
  ``plm`` and linearmodels' ``PanelOLS`` (the tests compare them);
* in ``SpatialPanel``, the ML estimate ``σ² = e'e / NT`` (Lee–Yu corrected), z statistics and a full
  log-likelihood, so that an OLS or SLX fit can be compared with the spatial models by LR tests, AIC
  and BIC on the same scale.

Merging them would change one of these conventions for its users.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ._series import PERIOD, REGION

#: fixed effects removed by demeaning
FIXED_EFFECTS = ("individual", "time", "twoway")


def demean(a: np.ndarray, effects: str) -> np.ndarray:
    """Remove region and/or period means from an (N, T, ...) array (a copy)."""
    out = np.array(a, dtype=float, copy=True)
    if effects in ("individual", "twoway"):
        out -= a.mean(axis=1, keepdims=True)
    if effects in ("time", "twoway"):
        out -= a.mean(axis=0, keepdims=True)
    if effects == "twoway":
        out += a.mean(axis=(0, 1), keepdims=True)
    return out


def _after(effects: str | None) -> str:
    return f" after removing the {effects} effects" if effects in FIXED_EFFECTS else ""


def check_rank(Z: np.ndarray, names: list[str], effects: str | None) -> None:
    """Raise a ``ValueError`` naming the regressors that vanish after demeaning or are linear
    combinations of others (columns are scaled to unit length first, so the tolerance does not
    depend on units)."""
    scale = np.sqrt((Z * Z).sum(axis=0))
    gone = [names[j] for j in np.flatnonzero(scale <= 1e-10 * max(1.0, float(scale.max(initial=0.0))))]
    if gone:
        what = (
            f"have no variation left{_after(effects)} (constant within regions or periods)"
            if _after(effects)
            else "are zero everywhere"
        )
        raise ValueError(f"regressor(s) {gone} {what}; drop them")
    Zs = Z / scale
    kept: list[int] = []
    for j in range(Z.shape[1]):
        trial = [*kept, j]
        if np.linalg.matrix_rank(Zs[:, trial], tol=1e-8) < len(trial):
            coef, *_ = np.linalg.lstsq(Zs[:, kept], Zs[:, j], rcond=None)
            partners = [names[kept[i]] for i in np.flatnonzero(np.abs(coef) > 1e-6)]
            where = f" ({_after(effects).strip()})" if _after(effects) else ""
            raise ValueError(
                f"collinear regressors: {names[j]!r} is a linear combination of {partners}{where}; drop one of them"
            )
        kept.append(j)


class PanelOLSFit:
    """Pooled or fixed-effects least squares on a balanced panel (immutable).

    Attributes
    ----------
    model : {"ols", "fe"}
    effects : str
        ``"none"``/``"pooled"`` (OLS with a constant) or the fixed effects removed.
    params, std_errors, tstats, pvalues : pandas.Series
        Coefficients (``const`` first for OLS), classical standard errors, t statistics and
        two-sided p-values from the t distribution with ``dof`` degrees of freedom.
    cov : pandas.DataFrame
        ``σ² (X'X)⁻¹`` with ``σ² = e'e / dof``.
    nobs, dof : int
        Observations and residual degrees of freedom.
    sigma2 : float
    resid : pandas.Series
        Residuals of the (demeaned) regression, indexed like the data.

    Every table is handed out as a copy; the object cannot be changed.
    """

    __slots__ = ("_cov", "_frozen", "_params", "_resid", "dof", "effects", "model", "nobs", "sigma2")
    model: str
    effects: str
    _params: pd.Series
    _cov: pd.DataFrame
    nobs: int
    dof: int
    sigma2: float
    _resid: pd.Series
    _frozen: bool

    def __init__(
        self,
        *,
        model: str,
        effects: str,
        params: pd.Series,
        cov: pd.DataFrame,
        nobs: int,
        dof: int,
        sigma2: float,
        resid: pd.Series,
    ) -> None:
        for key, value in (
            ("model", model),
            ("effects", effects),
            ("_params", params.copy()),
            ("_cov", cov.copy()),
            ("nobs", int(nobs)),
            ("dof", int(dof)),
            ("sigma2", float(sigma2)),
            ("_resid", resid.copy()),
            ("_frozen", True),
        ):
            object.__setattr__(self, key, value)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; fit the model again to change it")

    @property
    def params(self) -> pd.Series:
        """Coefficients (``const`` first for OLS)."""
        return self._params.copy()

    @property
    def cov(self) -> pd.DataFrame:
        """``σ² (X'X)⁻¹``."""
        return self._cov.copy()

    @property
    def std_errors(self) -> pd.Series:
        """Classical standard errors."""
        return pd.Series(np.sqrt(np.diag(self._cov.to_numpy())), index=self._params.index, name="std_error")

    @property
    def tstats(self) -> pd.Series:
        """t statistics ``params / std_errors``."""
        return (self._params / self.std_errors).rename("t")

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values from the t distribution with ``dof`` degrees of freedom."""
        t = self.tstats.to_numpy()
        return pd.Series(2 * stats.t.sf(np.abs(t), self.dof), index=self._params.index, name="p_value")

    @property
    def resid(self) -> pd.Series:
        """Residuals of the (demeaned) regression."""
        return self._resid.copy()

    def __repr__(self) -> str:
        return (
            f"<PanelOLSFit: {self.model} ({self.effects} effects), {len(self._params)} coefficients, "
            f"nobs={self.nobs}, dof={self.dof}>"
        )


def panel_ols(y: pd.Series, X: pd.DataFrame, *, model: str, effects: str) -> PanelOLSFit:
    """Least squares of ``y`` on ``X`` on a balanced panel.

    Parameters
    ----------
    y : Series
        Indexed by (region, period) (or by region alone for a cross-section with ``effects="none"``).
    X : DataFrame
        Regressors on the same index, without a constant.
    model : {"ols", "fe"}
        ``"ols"`` adds a constant; ``"fe"`` removes the ``effects`` by demeaning.
    effects : str
        ``"none"``/``"pooled"`` for OLS; ``"individual"``, ``"time"`` or ``"twoway"`` for FE.

    Returns
    -------
    PanelOLSFit

    Raises
    ------
    ValueError
        Naming regressors without variation or collinear ones, or when no residual degrees of
        freedom are left.
    """
    names = [str(c) for c in X.columns]
    data = pd.concat([y.rename("__y__"), X], axis=1)
    absorbed = 0
    if model == "fe":
        regions = data.index.get_level_values(REGION)
        periods = data.index.get_level_values(PERIOD)
        out = data
        if effects in ("individual", "twoway"):
            out = out - data.groupby(regions).transform("mean")
            absorbed += regions.nunique()
        if effects in ("time", "twoway"):
            out = out - data.groupby(periods).transform("mean")
            absorbed += periods.nunique()
        if effects == "twoway":
            out = out + data.mean()
            absorbed -= 1
        data = out
        Z = data[X.columns].to_numpy(float)
    else:
        Z = np.column_stack([np.ones(len(data)), data[X.columns].to_numpy(float)])
        names = ["const", *names]
    yv = data["__y__"].to_numpy(float)
    check_rank(Z, names, effects if model == "fe" else None)
    nobs, k = Z.shape
    dof = nobs - k - absorbed
    if dof <= 0:
        raise ValueError(
            f"no residual degrees of freedom: {nobs} observations for {k} coefficient(s)"
            + (f" and {absorbed} absorbed {effects} effect(s)" if absorbed else "")
            + "; use more regions or periods, fewer controls, or fewer effects"
        )
    ztz_inv = np.linalg.inv(Z.T @ Z)
    b = ztz_inv @ (Z.T @ yv)
    e = yv - Z @ b
    s2 = float(e @ e) / dof
    params = pd.Series(b, index=names, name="coef")
    cov = pd.DataFrame(s2 * ztz_inv, index=names, columns=names)
    return PanelOLSFit(
        model=model,
        effects=effects,
        params=params,
        cov=cov,
        nobs=nobs,
        dof=dof,
        sigma2=s2,
        resid=pd.Series(e, index=data.index, name="resid"),
    )
