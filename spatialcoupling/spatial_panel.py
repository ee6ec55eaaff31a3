"""Spatial panel maximum likelihood: fixed-effects spatial lag (SAR) model.

``SpatialPanel(model="sar", effects=...)`` estimates
``y = ρ W y + X β + μ + η + ε`` on a balanced region × period panel by
concentrated maximum likelihood after removing the fixed effects by demeaning.
With ``lee_yu=True`` (default, as in Stata's xsmle) the likelihood is the Lee &
Yu (2010) transformation approach: ``T − 1`` effective periods with individual
effects, ``N − 1`` effective regions and the log-determinant less ``ln(1 − ρ)``
with time effects (row-standardised W), so σ² is bias-corrected. With
``lee_yu=False`` and individual effects the estimator is the one of spreg's
``ML_LagFE``, which it reproduces; it is hand-written because spreg has no time
or two-way effects and no Lee–Yu correction.

Status: only ``model="sar"`` (and ``"ols"``) is implemented; SEM, SDM, SDEM,
SAC, SLX, impacts and diagnostics are not yet available.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import optimize, stats

from ._series import PERIOD, REGION, _preview

_MODELS = ("sar", "ols")
_EFFECTS = ("individual", "time", "twoway", "none")


def _demean(a: np.ndarray, effects: str) -> np.ndarray:
    """Demean an (N, T, k) array by region and/or period."""
    out = a.copy()
    if effects in ("individual", "twoway"):
        out -= a.mean(axis=1, keepdims=True)
    if effects in ("time", "twoway"):
        out -= a.mean(axis=0, keepdims=True)
    if effects == "twoway":
        out += a.mean(axis=(0, 1), keepdims=True)
    return out


def _eigenvalues(W: sp.csr_matrix) -> np.ndarray:
    """Eigenvalues of W: real ones of the symmetric similar matrix when W is a row-standardised
    symmetric binary matrix, else the general (complex) ones."""
    B = (W != 0).astype(float)
    rows = np.asarray(W.sum(axis=1)).ravel()
    d = np.asarray(B.sum(axis=1)).ravel()
    if abs(B - B.T).sum() == 0 and np.allclose(W.toarray() * d[:, None], B.toarray()) and np.all(d > 0):
        s = 1 / np.sqrt(d)
        return np.linalg.eigvalsh((B.multiply(s[:, None]).multiply(s[None, :])).toarray())
    del rows
    return np.linalg.eigvals(W.toarray())


class SpatialPanel:
    """Fixed-effects spatial panel model estimated by maximum likelihood.

    Parameters
    ----------
    model : {"sar", "ols"}
        Spatial lag model or plain (fixed-effects) OLS.
    effects : {"individual", "time", "twoway", "none"}
        Fixed effects removed by demeaning.
    lee_yu : bool
        Apply the Lee & Yu (2010) correction (default True).
    logdet : {"auto", "eigen", "lu"}
        Log-determinant ``ln|I − ρW|`` from the eigenvalues of W (small N) or a
        sparse LU factorisation at every evaluation (large N).
    """

    def __init__(self, model: str = "sar", effects: str = "individual", lee_yu: bool = True, logdet: str = "auto") -> None:
        if model not in _MODELS:
            raise ValueError(f"model must be one of {', '.join(_MODELS)} (others are not implemented yet); got {model!r}")
        if effects not in _EFFECTS:
            raise ValueError(f"effects must be one of {', '.join(_EFFECTS)}; got {effects!r}")
        if logdet not in ("auto", "eigen", "lu"):
            raise ValueError(f"logdet must be 'auto', 'eigen' or 'lu'; got {logdet!r}")
        self.model, self.effects, self.lee_yu, self.logdet = model, effects, bool(lee_yu), logdet

    def fit(self, y: pd.Series, X: pd.DataFrame, w: Any) -> dict[str, Any]:
        """Estimate the model; returns a dict with params, std_errors, pvalues, sigma2, loglik, rho."""
        if not isinstance(y.index, pd.MultiIndex) or y.index.nlevels != 2:
            raise ValueError("y must be indexed by (region, period)")
        y = y.copy()
        y.index = y.index.set_names([REGION, PERIOD])
        regions = list(w.id_order)
        present = set(y.index.get_level_values(REGION))
        if present != set(regions):
            raise ValueError(
                f"W ids and y regions differ: in W only {_preview(sorted(set(regions) - present, key=str))}; "
                f"in y only {_preview(sorted(present - set(regions), key=str))}"
            )
        periods = sorted(y.index.get_level_values(PERIOD).unique())
        full = pd.MultiIndex.from_product([regions, periods], names=[REGION, PERIOD])
        gaps = full.difference(y.index)
        if len(gaps):
            raise ValueError(f"unbalanced panel: missing (region, period) {_preview(gaps)}")
        y = y.reindex(full)
        X = X.copy()
        X.index = X.index.set_names([REGION, PERIOD])
        X = X.reindex(full)
        n, t, k = len(regions), len(periods), X.shape[1]
        Y = _demean(y.to_numpy(float).reshape(n, t, 1), self.effects).reshape(n, t)
        XX = _demean(X.to_numpy(float).reshape(n, t, k), self.effects)
        W = sp.csr_matrix(w.sparse)
        xs = XX.transpose(1, 0, 2).reshape(n * t, k)  # stacked by period
        ys = Y.T.reshape(n * t)
        wys = (W @ Y).T.reshape(n * t)
        cols = list(X.columns)
        rank = np.linalg.matrix_rank(xs)
        if rank < k:
            raise ValueError(f"collinear regressors after removing the effects among {cols}")
        t_eff = t - 1 if self.lee_yu and self.effects in ("individual", "twoway") else t
        n_eff = n - 1 if self.lee_yu and self.effects in ("time", "twoway") else n
        time_adj = self.lee_yu and self.effects in ("time", "twoway")
        nt = n_eff * t_eff
        xtx = xs.T @ xs
        b0 = np.linalg.solve(xtx, xs.T @ ys)
        if self.model == "ols":
            e = ys - xs @ b0
            sig2 = e @ e / nt
            se = np.sqrt(np.diag(sig2 * np.linalg.inv(xtx)))
            params = pd.Series(b0, index=cols)
            return {"params": params, "std_errors": pd.Series(se, index=cols), "sigma2": sig2}
        b1 = np.linalg.solve(xtx, xs.T @ wys)
        e0, e1 = ys - xs @ b0, wys - xs @ b1
        eig = _eigenvalues(W) if (self.logdet == "eigen" or (self.logdet == "auto" and n <= 1500)) else None

        def logdet(rho: float) -> float:
            if eig is not None:
                return float(np.sum(np.log(np.abs(1 - rho * eig))))
            lu = sp.linalg.splu(sp.csc_matrix(sp.identity(n) - rho * W))
            return float(np.sum(np.log(np.abs(lu.U.diagonal()))))

        def negll(rho: float) -> float:
            u = e0 - rho * e1
            ld = logdet(rho) - (np.log(1 - rho) if time_adj else 0.0)
            return nt / 2 * np.log(u @ u / nt) - t_eff * ld

        res = optimize.minimize_scalar(negll, bounds=(-0.99, 0.99), method="bounded", options={"xatol": 1e-10})
        rho = float(res.x)
        b = b0 - rho * b1
        u = e0 - rho * e1
        sig2 = float(u @ u / nt)
        loglik = -res.fun - nt / 2 * (np.log(2 * np.pi) + 1)
        A = np.eye(n) - rho * W.toarray()
        wai = W.toarray() @ np.linalg.inv(A)
        tr1, tr2, tr3 = np.trace(wai), np.sum(wai * wai.T), np.sum(wai * wai)
        if time_adj:
            c = 1 / (1 - rho)
            tr1, tr2, tr3 = tr1 - c, tr2 - c * c, tr3 - c * c
        xb = (xs @ b).reshape(t, n).T
        wxb = (wai @ xb).T.reshape(n * t)
        V = np.zeros((k + 2, k + 2))
        V[:k, :k] = xtx / sig2
        V[:k, k] = V[k, :k] = xs.T @ wxb / sig2
        V[k, k] = t_eff * (tr2 + tr3) + wxb @ wxb / sig2
        V[k, k + 1] = V[k + 1, k] = t_eff * tr1 / sig2
        V[k + 1, k + 1] = nt / (2 * sig2**2)
        vm = np.linalg.inv(V)
        names = [*cols, "rho"]
        est = np.r_[b, rho]
        se = np.sqrt(np.diag(vm)[: k + 1])
        z = est / se
        return {
            "params": pd.Series(est, index=names),
            "std_errors": pd.Series(se, index=names),
            "pvalues": pd.Series(2 * stats.norm.sf(np.abs(z)), index=names),
            "sigma2": sig2,
            "loglik": float(loglik),
            "rho": rho,
        }
