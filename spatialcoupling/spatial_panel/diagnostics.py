"""Tests on spatial panel fits: LM tests, the model-choice tests, LR, Wald and Hausman.

* :func:`lm_tests`: classic and robust LM lag and LM error tests on the (fixed-effects) OLS residuals
  (Anselin et al. 2008, in the form of Elhorst 2014, §3.5);
* :func:`wald_test`: a restriction on one fit (θ = 0, the common factor θ + ρβ = 0, ρ = 0, or named
  coefficients equal to given values); the same as ``result.wald_test(restriction)``;
* :func:`lr_test`: a restricted against an unrestricted fit on the same data;
* :func:`hausman_test`: fixed against random region effects;
* :func:`model_tests`: the sequence of Elhorst (2014) in one table.

References: Anselin, L., Le Gallo, J. & Jayet, H. (2008), Spatial panel econometrics, in Mátyás &
Sevestre (eds.), The Econometrics of Panel Data, Springer; Elhorst, J. P. (2014), Spatial
Econometrics: From Cross-Sectional Data to Spatial Panels, Springer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._panel_ols import demean
from .._params import Options, validate_params
from .._weights import as_weights
from ._data import lag, prepare, stack
from .model import EFFECTS, RANDOM_EFFECTS_MODELS, SpatialPanel, _Estimation
from .results import SpatialPanelResult

__all__ = ["hausman_test", "lm_tests", "lr_test", "model_tests", "wald_test"]


def wald_test(result: SpatialPanelResult, restriction: str | dict[str, float]) -> pd.Series:
    """Wald test of a restriction on one fit; see :meth:`SpatialPanelResult.wald_test`.

    Returns
    -------
    Series with statistic, df and p_value (chi-squared).
    """
    return result.wald_test(restriction)


def lr_test(restricted: SpatialPanelResult, unrestricted: SpatialPanelResult) -> pd.Series:
    """Likelihood-ratio test of a restricted against an unrestricted fit on the same data.

    The degrees of freedom are the difference in the number of estimated parameters; the terms of
    the restricted model must be among those of the unrestricted one, except the SEM's ``lambda``
    against the SDM (the common factor restriction).
    """
    if (restricted.n_regions, restricted.n_periods, restricted.effects, restricted.lee_yu) != (
        unrestricted.n_regions,
        unrestricted.n_periods,
        unrestricted.effects,
        unrestricted.lee_yu,
    ):
        raise ValueError("the two fits differ in data size, effects or the Lee-Yu setting")
    df = unrestricted.k - restricted.k
    if df <= 0:
        raise ValueError(f"the unrestricted model must have more parameters ({unrestricted.k} vs {restricted.k})")
    stat = 2 * (unrestricted.loglik - restricted.loglik)
    return pd.Series({"statistic": stat, "df": df, "p_value": float(stats.chi2.sf(max(stat, 0.0), df))})


def hausman_test(fixed: SpatialPanelResult, random: SpatialPanelResult) -> pd.Series:
    """Hausman test of fixed against random region effects (the same model, OLS/SLX/SAR/SDM).

    The contrast is taken on the slope coefficients β (and θ of the lagged regressors), not on ρ,
    φ or the constant, as in splm's ``sphtest``; both estimators are compared at the same spatial
    parameter, the fixed-effects ρ̂ (consistent under both hypotheses), and both covariances are put
    on the random-effects (efficient) σ², as in Stata's ``hausman, sigmamore``:

    * ``d = b_FE(ρ̂) − b_RE(ρ̂)``, where ``b(ρ) = b_y − ρ·b_Wy`` is linear in ρ for both estimators
      (``b_y``, ``b_Wy``: the coefficients of y and of Wy on the within-demeaned X, respectively the
      quasi-demeaned X with the estimated φ), so ``b_RE(ρ̂) = b_RE + (ρ_RE − ρ̂)·b_Wy,RE``;
    * ``V = σ²_RE [(X̃'X̃)⁻¹ − (X*'X*)⁻¹] + Var(ρ̂) · δδ'`` with ``δ = b_Wy,FE − b_Wy,RE``: the exact
      covariance of the contrast given ρ (X̃ within-demeaned; X* quasi-demeaned with the constant
      partialled out; positive semi-definite by construction, since X*'X* = X̃'X̃ + φ²·between) plus
      the first-order effect of estimating ρ;
    * ``H = d'V⁻¹d``, χ² with as many degrees of freedom as compared coefficients.

    On simulated panels with random effects that are independent of X the rejection rate at 5% is
    close to 5%; the form with each estimator at its own ρ, or with both full (marginal) covariances,
    gives an indefinite ``V`` or badly oversized tests (see ``tests/test_spatial_panel_checks.py``).
    When ``V`` is nonetheless not positive definite (e.g. a regressor without between variation),
    the statistic and p-value are NaN and ``note`` says why; no p-value is reported as evidence then.

    Parameters
    ----------
    fixed : SpatialPanelResult
        The fit with ``effects="individual"``.
    random : SpatialPanelResult
        The same model with ``effects="random"`` on the same data.

    Returns
    -------
    Series with statistic, df, p_value and note ("" when the test is valid).
    """
    if random.effects != "random" or fixed.effects != "individual":
        raise ValueError(
            "hausman_test needs a fit with effects='individual' first and one with effects='random' "
            f"second; got {fixed.effects!r} and {random.effects!r}"
        )
    if fixed.model != random.model:
        raise ValueError(
            f"hausman_test compares one model with two kinds of effects; got {fixed.model!r} and {random.model!r}"
        )
    if (fixed.n_regions, fixed.n_periods) != (random.n_regions, random.n_periods):
        raise ValueError("the two fits are on panels of different size; fit both on the same y, X and w")
    fe_d, re_d = fixed._design, random._design
    if fe_d is None or re_d is None:
        raise ValueError(f"hausman_test is available for {', '.join(RANDOM_EFFECTS_MODELS)} fits")
    names = list(fe_d["names"])
    re_pos = [list(re_d["names"]).index(c) for c in names]
    b_fe = fixed.params[names].to_numpy()
    b_re = random.params[names].to_numpy()
    s2 = random.sigma2
    V = s2 * (np.asarray(fe_d["xtx_inv"]) - np.asarray(re_d["xtx_inv"])[np.ix_(re_pos, re_pos)])
    if fe_d["lag_coef"] is not None:
        rho_fe, rho_re = fixed.rho, random.rho
        g_re = np.asarray(re_d["lag_coef"])[re_pos]
        b_re = b_re + (rho_re - rho_fe) * g_re
        delta = np.asarray(fe_d["lag_coef"]) - g_re
        V = V + float(fixed.cov.loc["rho", "rho"]) * np.outer(delta, delta)
    d = b_fe - b_re
    V = (V + V.T) / 2
    eig = np.linalg.eigvalsh(V)
    df = len(names)
    if eig.min() <= 1e-10 * max(eig.max(), 0.0) or eig.max() <= 0:
        return pd.Series(
            {
                "statistic": np.nan,
                "df": df,
                "p_value": np.nan,
                "note": f"not valid: the covariance of the contrast is not positive definite (smallest "
                f"eigenvalue {eig.min():.3g}, largest {eig.max():.3g}); a regressor may have no "
                "variation between regions",
            }
        )
    stat = float(d @ np.linalg.solve(V, d))
    return pd.Series({"statistic": stat, "df": df, "p_value": float(stats.chi2.sf(stat, df)), "note": ""})


# ---------------------------------------------------------------------------- LM tests and model choice
def lm_tests(y: pd.Series, X: pd.DataFrame, w: Any, effects: str = "individual") -> pd.DataFrame:
    """Lagrange multiplier tests for a spatial lag or error on (fixed-effects) OLS residuals.

    The classic and robust LM lag and LM error tests of Anselin et al. (2008) in the form of
    Elhorst (2014, §3.5): residuals ``e`` of OLS on the demeaned data, ``σ² = e'e/(NT − k)``,
    ``T_W = tr(W'W + WW)``, ``J = [(QW Xb)'M(QW Xb) + T·T_W σ²]/σ²``. With ``effects="none"``
    the values equal spreg's ``panel_LMerror``, ``panel_rLMlag`` and ``panel_rLMerror``;
    spreg's ``panel_LMlag`` uses ``T_W²`` where the formula has ``T·T_W`` and so differs.

    Returns
    -------
    DataFrame indexed by test with statistic, df (1) and p_value.
    """
    validate_params({"effects": [Options(*EFFECTS)]}, {"effects": effects}, "lm_tests")
    d = prepare(y, X, w)
    est = _Estimation(SpatialPanel("ols", effects, lee_yu=False, draws=0), d)
    Z, yt, t = est.Z, est.yt, d.t
    Wy = stack(demean(lag(d.W, d.y), effects))
    b = np.linalg.lstsq(Z, yt, rcond=None)[0]
    e = yt - Z @ b
    s2 = float(e @ e / (len(e) - Z.shape[1]))
    W = d.W
    tw = float(W.multiply(W).sum() + W.multiply(W.T).sum())
    wxb = est.lagT(Z @ b)
    mwxb = wxb - Z @ np.linalg.lstsq(Z, wxb, rcond=None)[0]
    J = (wxb @ mwxb + t * tw * s2) / s2
    ewy = float(e @ Wy) / s2
    ewe = float(e @ est.lagT(e)) / s2
    stats_ = {
        "LM lag": ewy**2 / J,
        "robust LM lag": (ewy - ewe) ** 2 / (J - t * tw),
        "LM error": ewe**2 / (t * tw),
        "robust LM error": (ewe - t * tw / J * ewy) ** 2 / (t * tw * (1 - t * tw / J)),
    }
    out = pd.DataFrame({"statistic": stats_, "df": 1})
    out["p_value"] = stats.chi2.sf(out["statistic"], 1)
    out.index.name = "test"
    return out


def model_tests(
    y: pd.Series,
    X: pd.DataFrame,
    w: Any,
    effects: str = "individual",
    lee_yu: bool = True,
    logdet: str = "auto",
    maxiter: int = 500,
    timeout: float | None = 600.0,
) -> pd.DataFrame:
    """The model-choice tests of Elhorst (2014): LM tests on the OLS residuals, then Wald and LR tests
    of SDM → SAR (θ = 0) and SDM → SEM (θ + ρβ = 0), and with individual or random effects the
    Hausman test of the SAR with fixed against random effects (:func:`hausman_test`).

    A test whose model cannot be fitted with these effects (the SEM with random effects) or on these
    data (e.g. a collinear lagged regressor) is kept as a row with NaN and the reason in ``note``
    ("not available: …"), so the other tests are still reported.

    Returns
    -------
    DataFrame indexed by test with statistic, df, p_value, the null hypothesis and a note.
    """
    w = as_weights(w)
    lm = lm_tests(y, X, w, effects).assign(
        null=[
            "no spatial lag",
            "no spatial lag (robust to error)",
            "no spatial error",
            "no spatial error (robust to lag)",
        ]
    )
    lm["note"] = "on pooled OLS residuals (random effects)" if effects == "random" else ""
    options: dict[str, Any] = {"lee_yu": lee_yu, "logdet": logdet, "draws": 0, "maxiter": maxiter, "timeout": timeout}
    fit: dict[str, SpatialPanelResult] = {}
    missing: dict[str, str] = {}

    def get(model: str, eff: str) -> SpatialPanelResult | None:
        key = f"{model}/{eff}"
        if key not in fit and key not in missing:
            if eff == "random" and model not in RANDOM_EFFECTS_MODELS:
                missing[key] = (
                    f"not available: the {model.upper()} has no random-effects estimator here "
                    f"(random effects: {', '.join(RANDOM_EFFECTS_MODELS)})"
                )
            else:
                try:
                    fit[key] = SpatialPanel(model, eff, **options).fit(y, X, w)
                except (ValueError, np.linalg.LinAlgError) as exc:
                    missing[key] = f"not available: the {model.upper()} ({eff} effects) could not be fitted: {exc}"
        return fit.get(key)

    def row(models: list[str], null: str, df: int, compute: Any, eff: str = effects) -> dict[str, Any]:
        fits = [get(m, eff) for m in models]
        gone = [missing[f"{m}/{eff}"] for m, f in zip(models, fits, strict=True) if f is None]
        if gone:
            return {"statistic": np.nan, "df": df, "p_value": np.nan, "null": null, "note": "; ".join(gone)}
        return {**compute(*fits), "null": null, "note": ""}

    k = X.shape[1] if isinstance(X, pd.DataFrame) else 1
    rows = {
        "Wald SDM -> SAR": row(["sdm"], "theta = 0 (SAR)", k, lambda sdm: sdm.wald_test("sar")),
        "LR SDM -> SAR": row(["sar", "sdm"], "theta = 0 (SAR)", k, lr_test),
        "Wald SDM -> SEM": row(["sdm"], "theta + rho*beta = 0 (SEM)", k, lambda sdm: sdm.wald_test("sem")),
        "LR SDM -> SEM": row(["sem", "sdm"], "theta + rho*beta = 0 (SEM)", k, lr_test),
    }
    if effects in ("individual", "random"):
        fe, re = get("sar", "individual"), get("sar", "random")
        if fe is None or re is None:
            reason = "; ".join(missing[key] for key in ("sar/individual", "sar/random") if key in missing)
            rows["Hausman SAR FE vs RE"] = {
                "statistic": np.nan,
                "df": k,
                "p_value": np.nan,
                "null": "random effects consistent",
                "note": reason,
            }
        else:
            h = hausman_test(fe, re)
            rows["Hausman SAR FE vs RE"] = {
                "statistic": h["statistic"],
                "df": h["df"],
                "p_value": h["p_value"],
                "null": "random effects consistent",
                "note": h["note"],
            }
    out = pd.concat([lm, pd.DataFrame(rows).T])
    out["df"] = out["df"].astype(int)
    out[["statistic", "p_value"]] = out[["statistic", "p_value"]].astype(float)
    out.index.name = "test"
    return out
