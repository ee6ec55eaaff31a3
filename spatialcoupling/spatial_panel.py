"""Spatial panel models with fixed effects, estimated by maximum likelihood.

``SpatialPanel(model, effects).fit(y, X, w)`` estimates on a balanced region × period panel

========  ============================================================
``ols``   ``y = Xβ + μ + η + ε``
``slx``   ``y = Xβ + WXθ + μ + η + ε``
``sar``   ``y = ρWy + Xβ + μ + η + ε``
``sdm``   ``y = ρWy + Xβ + WXθ + μ + η + ε``
``sem``   ``y = Xβ + μ + η + u,  u = λWu + ε``
``sdem``  ``y = Xβ + WXθ + μ + η + u,  u = λWu + ε``
``sac``   ``y = ρWy + Xβ + μ + η + u,  u = λWu + ε``
========  ============================================================

with individual (μ), time (η), both (``"twoway"``) or no fixed effects (``"none"``, which adds a
constant). The effects are removed by demeaning; spatial lags are formed on the raw data and then
demeaned (``QWy``, ``QWX``). The likelihood is concentrated in β and σ² and maximised over ρ and/or λ
within the admissible interval of W (Elhorst 2014, ch. 3).

Lee & Yu (2010) correction (``lee_yu=True``, the default, as in Stata's xsmle): the transformation
approach, i.e. ``T − 1`` effective periods with individual effects, ``N − 1`` effective regions and
``ln|I − ρW| − ln(1 − ρ)`` with time effects (which needs a row-standardised W). With individual
effects only, β and ρ are unchanged and σ² becomes ``σ²·T/(T − 1)``. With ``lee_yu=False`` and
individual effects the SAR and SEM estimators are those of spreg's ``Panel_FE_Lag`` / ``Panel_FE_Error``
(``ML_LagFE`` / ``ML_ErrorFE``), which the tests reproduce on the Munnell panel.

Standard errors come from the analytical (expected) information matrix for SAR/SDM and SEM/SDEM,
exactly as spreg and Elhorst's code do, and from the numerically differentiated observed information
for SAC (two spatial parameters). The traces it needs are exact for N ≤ 1,000 and, above, exact for
``tr(G)``, ``tr(G²)`` and stochastic (Hutchinson, seeded, stated on the result) for ``tr(G'G)``, so
that no dense N × N inverse is formed for large N.

Impacts (LeSage & Pace 2009): for SAR, SDM and SAC, ``S_k = (I − ρW)⁻¹(β_k I + θ_k W)``, direct = mean
diagonal, total = mean row sum, indirect = total − direct, evaluated exactly (eigenvalues, or a power
series of traces at large N); standard errors, z and p from ``draws`` simulations of the estimated
parameter distribution with ``seed``. For SLX and SDEM the impacts are β (direct) and θ (indirect) with
exact standard errors.

Written here rather than wrapped around spreg because spreg has no time or two-way effects, no Lee–Yu
correction, no SDM/SDEM/SAC panel models and forms a dense N × N inverse (12–37× slower warm, about 60× on its first call, at
N = 2,500; ``benchmarks/bench_spatial_panel.py``).

Random effects (``effects="random"``, OLS/SLX/SAR/SDM) follow Elhorst (2014, §3.4): the data are
quasi-demeaned, ``v − (1 − φ)v̄_i`` with ``φ² = σ²/(Tσ²_μ + σ²)``, a constant is included, and φ is
estimated jointly; the SAR coefficients equal spreg's ``Panel_RE_Lag``. Standard errors come from the
numerically differentiated observed information (spreg uses an approximate information matrix whose
ρ and φ entries differ; on simulated panels ours match the Monte Carlo spread). ``hausman_test``
compares fixed and random effects. Random effects for SEM/SDEM/SAC are not implemented.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import optimize, stats

from ._results import Result, copied
from ._series import PERIOD, REGION, _preview
from ._spatial_linalg import DENSE_MAX_N, LogDet, is_row_standardised

MODELS = ("ols", "slx", "sar", "sdm", "sem", "sdem", "sac")
EFFECTS = ("individual", "time", "twoway", "none", "random")
_RANDOM_MODELS = ("ols", "slx", "sar", "sdm")
LOGDETS = ("auto", "eigen", "lu", "chebyshev")
_LAG_Y = {"sar", "sdm", "sac"}
_LAG_E = {"sem", "sdem", "sac"}
_LAG_X = {"slx", "sdm", "sdem"}


# ---------------------------------------------------------------------------- data
@dataclass(frozen=True)
class _Panel:
    """A balanced panel as arrays: y (N, T), X (N, T, k), W (N × N) in the order of W's ids."""

    regions: list
    periods: list
    y: np.ndarray
    X: np.ndarray
    names: list[str]
    W: sp.csr_matrix

    @property
    def n(self) -> int:
        return len(self.regions)

    @property
    def t(self) -> int:
        return len(self.periods)

    @property
    def index(self) -> pd.MultiIndex:
        return pd.MultiIndex.from_product([self.regions, self.periods], names=[REGION, PERIOD])


def _weights_matrix(w: Any) -> tuple[list, sp.csr_matrix]:
    if hasattr(w, "id_order") and hasattr(w, "sparse"):
        return list(w.id_order), sp.csr_matrix(w.sparse, dtype=float)
    raise TypeError(f"w must be a libpysal W (from spatial_weights); got {type(w).__name__}")


def _prepare(y: pd.Series, X: pd.DataFrame, w: Any) -> _Panel:
    """Validate y, X and w and arrange them as arrays in the order of W."""
    if not isinstance(y, pd.Series):
        raise TypeError(f"y must be a pandas Series indexed by (region, period); got {type(y).__name__}")
    if isinstance(X, pd.Series):
        X = X.to_frame()
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame indexed by (region, period); got {type(X).__name__}")
    for name, obj in (("y", y), ("X", X)):
        if not isinstance(obj.index, pd.MultiIndex) or obj.index.nlevels != 2:
            raise ValueError(f"{name} must be indexed by (region, period)")
        if obj.index.duplicated().any():
            raise ValueError(f"{name} has duplicate (region, period) rows: {_preview(obj.index[obj.index.duplicated()])}")
    if X.shape[1] == 0:
        raise ValueError("X has no columns; give at least one regressor")
    y = y.copy()
    y.index = y.index.set_names([REGION, PERIOD])
    X = X.copy()
    X.index = X.index.set_names([REGION, PERIOD])
    bad = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if bad or not pd.api.types.is_numeric_dtype(y):
        raise ValueError(f"non-numeric data in {bad or ['y']}; convert to numbers first")
    regions, W = _weights_matrix(w)
    present = set(y.index.get_level_values(REGION))
    if present != set(regions):
        raise ValueError(
            f"W ids and y regions differ: in W only {_preview(sorted(set(regions) - present, key=str))}; "
            f"in y only {_preview(sorted(present - set(regions), key=str))}; build W from the same regions"
        )
    periods = sorted(y.index.get_level_values(PERIOD).unique())
    full = pd.MultiIndex.from_product([regions, periods], names=[REGION, PERIOD])
    gaps = full.difference(y.index)
    if len(gaps):
        raise ValueError(f"unbalanced panel: y lacks (region, period) {_preview(gaps)}; the estimator needs every "
                         "region in every period (interpolate or drop the period)")
    xgaps = full.difference(X.index)
    if len(xgaps):
        raise ValueError(f"X lacks (region, period) rows present in y: {_preview(xgaps)}")
    yv = y.reindex(full).to_numpy(float)
    Xv = X.reindex(full).to_numpy(float)
    for label, values, cols in (("y", yv[:, None], ["y"]), ("X", Xv, list(X.columns))):
        rows, colidx = np.nonzero(~np.isfinite(values))
        if len(rows):
            where = [(full[r][0], full[r][1], cols[c]) for r, c in zip(rows[:10], colidx[:10], strict=True)]
            raise ValueError(f"missing or infinite values in {label} at (region, period, column) {_preview(where)}")
    n, t = len(regions), len(periods)
    return _Panel(regions, periods, yv.reshape(n, t), Xv.reshape(n, t, -1), [str(c) for c in X.columns], W)


def _demean(a: np.ndarray, effects: str) -> np.ndarray:
    """Remove region and/or period means from an (N, T, ...) array."""
    out = a.copy()
    if effects in ("individual", "twoway"):
        out -= a.mean(axis=1, keepdims=True)
    if effects in ("time", "twoway"):
        out -= a.mean(axis=0, keepdims=True)
    if effects == "twoway":
        out += a.mean(axis=(0, 1), keepdims=True)
    return out


def _lag(W: sp.csr_matrix, a: np.ndarray) -> np.ndarray:
    """W applied to every period (and column) of an (N, T, ...) array."""
    shape = a.shape
    return (W @ a.reshape(shape[0], -1)).reshape(shape)


def _stack(a: np.ndarray) -> np.ndarray:
    """(N, T) → NT vector, or (N, T, k) → NT × k matrix, stacked period by period."""
    if a.ndim == 2:
        return a.T.reshape(-1)
    return a.transpose(1, 0, 2).reshape(-1, a.shape[2])


def _unstack(v: np.ndarray, n: int, t: int) -> np.ndarray:
    return v.reshape(t, n).T


def _check_rank(Z: np.ndarray, names: list[str], effects: str) -> None:
    """Raise naming regressors that vanish after demeaning or are linear combinations of others."""
    scale = np.sqrt((Z * Z).sum(axis=0))
    gone = [names[j] for j in np.flatnonzero(scale <= 1e-10 * max(1.0, float(scale.max(initial=0.0))))]
    if gone:
        raise ValueError(f"regressor(s) {gone} have no variation left after removing the {effects} effects "
                         "(constant within regions or periods); drop them")
    Zs = Z / scale
    kept: list[int] = []
    for j in range(Z.shape[1]):
        trial = [*kept, j]
        if np.linalg.matrix_rank(Zs[:, trial], tol=1e-8) < len(trial):
            coef, *_ = np.linalg.lstsq(Zs[:, kept], Zs[:, j], rcond=None)
            partners = [names[kept[i]] for i in np.flatnonzero(np.abs(coef) > 1e-6)]
            raise ValueError(f"collinear regressors: {names[j]!r} is a linear combination of {partners} "
                             f"(after removing the {effects} effects); drop one of them")
        kept.append(j)


# ---------------------------------------------------------------------------- model
class SpatialPanel:
    """Fixed-effects spatial panel model estimated by maximum likelihood.

    Parameters
    ----------
    model : {"sar", "sdm", "sem", "sdem", "sac", "slx", "ols"}
        Spatial lag, Durbin, error, Durbin error, lag-and-error (SAC/SARAR), lagged-X or no
        spatial terms (see the module docstring for the equations).
    effects : {"individual", "time", "twoway", "none", "random"}
        Fixed effects removed by demeaning; ``"none"`` adds a constant; ``"random"`` estimates
        random region effects (OLS, SLX, SAR, SDM; with a constant).
    lee_yu : bool
        Lee & Yu (2010) bias correction (default True, as in xsmle).
    logdet : {"auto", "eigen", "lu", "chebyshev"}
        How ``ln|I − ρW|`` is evaluated: eigenvalues (exact, N ≤ 1,000 under ``auto``), sparse LU at
        every evaluation (exact, larger N under ``auto``), or Chebyshev with stochastic traces
        (approximate, very large N).
    draws : int
        Simulations of the parameter distribution for the impacts' standard errors (0 skips impacts).
    seed : int
        Seed of those simulations and of stochastic traces.

    Examples
    --------
    >>> res = SpatialPanel("sdm", effects="twoway").fit(y, X, w)   # doctest: +SKIP
    >>> res.summary(); res.impacts; res.wald_test("sar")              # doctest: +SKIP
    """

    def __init__(self, model: str = "sar", effects: str = "individual", lee_yu: bool = True, logdet: str = "auto",
                 draws: int = 1000, seed: int = 0) -> None:
        if model not in MODELS:
            raise ValueError(f"model must be one of {', '.join(MODELS)}; got {model!r}")
        if effects not in EFFECTS:
            raise ValueError(f"effects must be one of {', '.join(EFFECTS)}; got {effects!r}")
        if effects == "random" and model not in _RANDOM_MODELS:
            raise ValueError(f"random effects are implemented for {', '.join(_RANDOM_MODELS)}; got model={model!r}")
        if logdet not in LOGDETS:
            raise ValueError(f"logdet must be one of {', '.join(LOGDETS)}; got {logdet!r}")
        if int(draws) < 0 or (0 < int(draws) < 50):
            raise ValueError(f"draws must be 0 (no impacts) or at least 50; got {draws!r}")
        self.model, self.effects, self.lee_yu, self.logdet = model, effects, bool(lee_yu), logdet
        self.draws, self.seed = int(draws), int(seed)

    def __repr__(self) -> str:
        return (f"SpatialPanel(model={self.model!r}, effects={self.effects!r}, lee_yu={self.lee_yu}, "
                f"logdet={self.logdet!r})")

    def fit(self, y: pd.Series, X: pd.DataFrame, w: Any) -> SpatialPanelResult:
        """Estimate the model.

        Parameters
        ----------
        y : Series indexed by (region, period)
        X : DataFrame on the same index (no constant; one is added with ``effects="none"``)
        w : libpysal W whose ids are the regions of y (row-standardised for the usual reading)

        Returns
        -------
        SpatialPanelResult
        """
        data = _prepare(y, X, w)
        return _Estimation(self, data).run()


class _Estimation:
    """One fit: the transformed arrays, the likelihood and the pieces of the result."""

    def __init__(self, spec: SpatialPanel, data: _Panel) -> None:
        self.spec, self.d = spec, data
        self.random = spec.effects == "random"
        self.effects = "none" if self.random else spec.effects  # random effects: raw data plus a constant
        n, t = data.n, data.t
        self.row_std = is_row_standardised(data.W)
        self.time_adj = spec.lee_yu and self.effects in ("time", "twoway")
        if self.time_adj and not self.row_std and spec.model not in ("ols", "slx"):
            raise ValueError("the Lee-Yu correction with time effects needs a row-standardised W; set "
                             "w.transform = 'r' or pass lee_yu=False")
        self.t_eff = t - 1 if spec.lee_yu and self.effects in ("individual", "twoway") else t
        self.n_eff = n - 1 if spec.lee_yu and self.effects in ("time", "twoway") else n
        self.nt = self.n_eff * self.t_eff
        # regressors (raw), with a constant for pooled models and W-lags for Durbin models
        Xr, names = data.X, list(data.names)
        if spec.model in _LAG_X:
            Xr = np.concatenate([Xr, _lag(data.W, Xr)], axis=2)
            names += [f"W_{c}" for c in data.names]
        if self.effects == "none":
            Xr = np.concatenate([np.ones((n, t, 1)), Xr], axis=2)
            names = ["const", *names]
        self.Xraw, self.names = Xr, names
        self.Z = _stack(_demean(Xr, self.effects))
        _check_rank(self.Z, names, self.effects)
        self.yt = _stack(_demean(data.y, self.effects))
        self.notes: list[str] = []
        self.ld: LogDet | None = None
        if spec.model not in ("ols", "slx"):
            if data.W.nnz == 0:
                raise ValueError("W has no neighbour links among these regions: the spatial parameter is not "
                                 "identified; use model='ols' or other weights")
            self.ld = LogDet(data.W, spec.logdet, seed=spec.seed)
            self.Wy = _stack(_demean(_lag(data.W, data.y), self.effects))

    # -- helpers ------------------------------------------------------------
    def logdet(self, r: float) -> float:
        value = self.ld(r)
        return value - np.log(1 - r) if self.time_adj else value

    def lagT(self, v: np.ndarray) -> np.ndarray:
        """W applied period by period to a stacked vector or matrix, then demeaned (Q W v)."""
        n, t = self.d.n, self.d.t
        if v.ndim == 1:
            return _stack(_demean(self.d.W @ _unstack(v, n, t), self.effects))
        a = v.reshape(t, n, -1).transpose(1, 0, 2)
        return _stack(_demean(_lag(self.d.W, a), self.effects))

    def bounds(self) -> tuple[float, float]:
        lo, hi = self.ld.bounds()
        pad = 1e-7 * (hi - lo)
        return lo + pad, hi - pad

    # -- estimation -----------------------------------------------------------
    def run(self) -> SpatialPanelResult:
        model = self.spec.model
        if self.random:
            est = self._random()
        elif model in ("ols", "slx"):
            est = self._ols()
        elif model in ("sar", "sdm"):
            est = self._lag()
        elif model in ("sem", "sdem"):
            est = self._error()
        else:
            est = self._sac()
        for name in ("rho", "lambda"):
            if name in est["spatial"]:
                self._boundary(name, est["spatial"][name])
        return self._result(est)

    def _ols(self) -> dict[str, Any]:
        Z, y = self.Z, self.yt
        ztz = Z.T @ Z
        b = np.linalg.solve(ztz, Z.T @ y)
        e = y - Z @ b
        s2 = float(e @ e / self.nt)
        vcov = s2 * np.linalg.inv(ztz)
        return {"beta": b, "spatial": {}, "sigma2": s2, "vcov": vcov, "resid": e,
                "loglik": self._loglik(s2, 0.0), "raw_resid": self._raw_resid(b, 0.0)}

    def _loglik(self, s2: float, ld: float) -> float:
        return float(-self.nt / 2 * (np.log(2 * np.pi * s2) + 1) + self.t_eff * ld)

    def _raw_resid(self, b: np.ndarray, rho: float) -> np.ndarray:
        """y − ρWy − Xβ on the raw (not demeaned) data, (N, T): the fixed effects plus the error."""
        r = self.d.y - np.einsum("ntk,k->nt", self.Xraw, b)
        if rho:
            r = r - rho * (self.d.W @ self.d.y)
        return r

    def _lag(self) -> dict[str, Any]:
        _, rho, b, u = _lag_search(self.yt, self.Wy, self.Z, self.nt, self.t_eff, self.logdet, self.bounds())
        s2 = float(u @ u / self.nt)
        vcov = self._lag_vcov(b, rho, s2)
        return {"beta": b, "spatial": {"rho": rho}, "sigma2": s2, "vcov": vcov, "resid": u,
                "loglik": self._loglik(s2, self.logdet(rho)), "raw_resid": self._raw_resid(b, rho)}

    def _traces(self, r: float) -> dict[str, float]:
        tr = dict(self.ld.traces(r))
        if self.time_adj:  # traces of the transformed W* = F'WF (Lee & Yu 2010), W row-standardised
            c = 1 / (1 - r)
            tr["trG"] -= c
            tr["trG2"] -= c * c
            tr["trGtG"] -= tr["colG"]
        if tr["how"] not in self.notes and not tr["how"].startswith("exact"):
            self.notes.append(f"information matrix: {tr['how']}")
        return tr

    def _apply_G(self, v: np.ndarray, r: float) -> np.ndarray:
        """Q G v for a stacked vector v, G = W(I − rW)⁻¹ applied period by period."""
        n, t = self.d.n, self.d.t
        V = _unstack(v, n, t)
        if n <= DENSE_MAX_N:
            A = np.eye(n) - r * self.d.W.toarray()
            GV = self.d.W @ np.linalg.solve(A, V)
        else:
            GV = self.d.W @ self.ld.solver(r)(V)
        return _stack(_demean(GV, self.effects))

    def _lag_vcov(self, b: np.ndarray, rho: float, s2: float) -> np.ndarray:
        """Inverse information matrix of (β, ρ) (σ² block included, then dropped)."""
        Z, k, te = self.Z, self.Z.shape[1], self.t_eff
        tr = self._traces(rho)
        gxb = self._apply_G(Z @ b, rho)
        V = np.zeros((k + 2, k + 2))
        V[:k, :k] = Z.T @ Z / s2
        V[:k, k] = V[k, :k] = Z.T @ gxb / s2
        V[k, k] = te * (tr["trG2"] + tr["trGtG"]) + gxb @ gxb / s2
        V[k, k + 1] = V[k + 1, k] = te * tr["trG"] / s2
        V[k + 1, k + 1] = self.nt / (2 * s2 * s2)
        return np.linalg.inv(V)[: k + 1, : k + 1]

    def _error_search(self) -> tuple[float, np.ndarray]:
        """λ maximising the concentrated likelihood of the error model, and β at that λ."""
        Z, y, nt = self.Z, self.yt, self.nt
        WZ, Wy = self.lagT(Z), self.Wy
        zz, zw, ww = Z.T @ Z, Z.T @ WZ, WZ.T @ WZ
        zy, zwy, wzy, wzwy = Z.T @ y, Z.T @ Wy, WZ.T @ y, WZ.T @ Wy
        yy, ywy, wywy = y @ y, y @ Wy, Wy @ Wy

        def ssr(lam: float) -> tuple[float, np.ndarray]:
            xx = zz - lam * (zw + zw.T) + lam * lam * ww
            xy = zy - lam * (zwy + wzy) + lam * lam * wzwy
            b = np.linalg.solve(xx, xy)
            return float(yy - 2 * lam * ywy + lam * lam * wywy - b @ xy), b

        def negll(lam: float) -> float:
            return nt / 2 * np.log(ssr(lam)[0] / nt) - self.t_eff * self.logdet(lam)

        lo, hi = self.bounds()
        res = optimize.minimize_scalar(negll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10})
        lam = float(res.x)
        return lam, ssr(lam)[1]

    def _error(self) -> dict[str, Any]:
        Z, nt = self.Z, self.nt
        lam, b = self._error_search()
        Zs = Z - lam * self.lagT(Z)
        e = (self.yt - lam * self.Wy) - Zs @ b
        s2 = float(e @ e / nt)
        tr = self._traces(lam)
        k, te = Z.shape[1], self.t_eff
        vcov = np.zeros((k + 1, k + 1))
        vcov[:k, :k] = s2 * np.linalg.inv(Zs.T @ Zs)
        info = np.array([[te * (tr["trG2"] + tr["trGtG"]), te * tr["trG"] / s2],
                         [te * tr["trG"] / s2, nt / (2 * s2 * s2)]])
        vcov[k, k] = np.linalg.inv(info)[0, 0]
        return {"beta": b, "spatial": {"lambda": lam}, "sigma2": s2, "vcov": vcov, "resid": e,
                "loglik": self._loglik(s2, self.logdet(lam)), "raw_resid": self._raw_resid(b, 0.0)}

    def _sac(self) -> dict[str, Any]:
        Z, y, Wy, nt = self.Z, self.yt, self.Wy, self.nt
        WZ, WWy = self.lagT(Z), self.lagT(Wy)

        def parts(r: float, lam: float) -> tuple[np.ndarray, np.ndarray]:
            ys = y - r * Wy - lam * (Wy - r * WWy)
            return ys, Z - lam * WZ

        def negll(p: np.ndarray) -> float:
            ys, Zs = parts(*p)
            b, *_ = np.linalg.lstsq(Zs, ys, rcond=None)
            e = ys - Zs @ b
            return nt / 2 * np.log(e @ e / nt) - self.t_eff * (self.logdet(p[0]) + self.logdet(p[1]))

        lo, hi = self.bounds()
        rho0 = _lag_search(y, Wy, Z, nt, self.t_eff, self.logdet, (lo, hi))[1]
        starts = [(0.0, 0.0), (rho0, 0.0), (0.0, self._error_search()[0])]
        fits = [optimize.minimize(negll, np.array(s), method="L-BFGS-B", bounds=[(lo, hi), (lo, hi)],
                                  options={"ftol": 1e-14, "gtol": 1e-9}) for s in starts]
        best = min(fits, key=lambda f: f.fun)
        rho, lam = (float(v) for v in best.x)
        ys, Zs = parts(rho, lam)
        b = np.linalg.solve(Zs.T @ Zs, Zs.T @ ys)
        e = ys - Zs @ b
        s2 = float(e @ e / nt)
        theta = np.r_[b, rho, lam, s2]

        def loglik(p: np.ndarray) -> float:
            ys_, Zs_ = parts(p[-3], p[-2])
            e_ = ys_ - Zs_ @ p[:-3]
            return float(-nt / 2 * np.log(2 * np.pi * p[-1]) - e_ @ e_ / (2 * p[-1])
                         + self.t_eff * (self.logdet(p[-3]) + self.logdet(p[-2])))

        H = _numerical_hessian(loglik, theta)
        vcov = np.linalg.inv(-H)[:-1, :-1]
        self.notes.append("SAC standard errors from the numerically differentiated observed information")
        return {"beta": b, "spatial": {"rho": rho, "lambda": lam}, "sigma2": s2, "vcov": vcov, "resid": e,
                "loglik": self._loglik(s2, self.logdet(rho) + self.logdet(lam)),
                "raw_resid": self._raw_resid(b, rho)}

    def _random(self) -> dict[str, Any]:
        """Random effects by ML (Elhorst 2014, §3.4): y − (1 − φ)ȳ_i on X likewise (with a constant),
        ``φ² = σ²/(Tσ²_μ + σ²)``; the likelihood ``−NT/2 ln σ² + T ln|I − ρW| + N/2 ln φ²`` is
        maximised over φ (outer) and ρ (inner, β and σ² concentrated out)."""
        d, nt, n, t = self.d, self.nt, self.d.n, self.d.t
        lagged = self.spec.model in _LAG_Y
        WY = d.W @ d.y if lagged else None

        def partial(a: np.ndarray, phi: float) -> np.ndarray:
            return _stack(a - (1 - phi) * a.mean(axis=1, keepdims=True))

        def inner(phi: float) -> tuple[float, float, np.ndarray, np.ndarray]:
            ys, Zs = partial(d.y, phi), partial(self.Xraw, phi)
            if not lagged:
                b0 = np.linalg.solve(Zs.T @ Zs, Zs.T @ ys)
                e0 = ys - Zs @ b0
                return nt / 2 * np.log(e0 @ e0 / nt) - n / 2 * np.log(phi * phi), 0.0, b0, e0
            value, r, b, e = _lag_search(ys, partial(WY, phi), Zs, nt, t, self.ld, self.bounds())
            return value - n / 2 * np.log(phi * phi), r, b, e

        outer = optimize.minimize_scalar(lambda p: inner(p)[0], bounds=(1e-6, 1.0), method="bounded",
                                         options={"xatol": 1e-10})
        phi = float(outer.x)
        _, rho, b, e = inner(phi)
        s2 = float(e @ e / nt)

        def loglik(p: np.ndarray) -> float:
            beta, r, ph, sig2 = p[: len(b)], (p[len(b)] if lagged else 0.0), p[-2], p[-1]
            raw = d.y - np.einsum("ntk,k->nt", self.Xraw, beta) - (r * WY if lagged else 0.0)
            u = partial(raw, ph)
            return float(-nt / 2 * np.log(2 * np.pi * sig2) - u @ u / (2 * sig2)
                         + (t * self.ld(r) if lagged else 0.0) + n / 2 * np.log(ph * ph))

        theta = np.r_[b, [rho] if lagged else [], phi, s2]
        vcov = np.linalg.inv(-_numerical_hessian(loglik, theta))[:-1, :-1]
        sigma_mu2 = s2 * (1 / phi**2 - 1) / t
        self.notes.append(f"random effects: phi = {phi:.4g} (weight of the between variation), sigma_mu^2 = "
                          f"{sigma_mu2:.4g}; standard errors from the numerically differentiated observed "
                          "information; the Lee-Yu correction does not apply")
        spatial = {"rho": rho, "phi": phi} if lagged else {"phi": phi}
        ld = self.ld(rho) if lagged else 0.0
        return {"beta": b, "spatial": spatial, "sigma2": s2, "vcov": vcov, "resid": e,
                "loglik": float(-nt / 2 * (np.log(2 * np.pi * s2) + 1) + t * ld + n / 2 * np.log(phi * phi)),
                "raw_resid": None}

    def _boundary(self, name: str, value: float) -> None:
        lo, hi = self.ld.bounds()
        if min(value - lo, hi - value) < 1e-4 * (hi - lo):
            msg = (f"{name} = {value:.6g} is at the boundary of its admissible interval ({lo:.4g}, {hi:.4g}): "
                   "the likelihood has no interior maximum; check W, the effects and the model")
            warnings.warn(msg, RuntimeWarning, stacklevel=4)
            self.notes.append(msg)

    # -- result ------------------------------------------------------------------
    def _fixed_effects(self, raw: np.ndarray | None) -> pd.Series:
        d = self.d
        parts: list[pd.Series] = []
        if self.effects == "none" or raw is None:
            return pd.Series(dtype=float, index=pd.MultiIndex.from_tuples([], names=["effect", "id"]))
        if self.effects == "individual":
            parts.append(pd.Series(raw.mean(axis=1), index=pd.Index(d.regions)))
            keys = ["region"]
        elif self.effects == "time":
            parts.append(pd.Series(raw.mean(axis=0), index=pd.Index(d.periods)))
            keys = ["period"]
        else:
            grand = raw.mean()
            parts += [pd.Series([grand], index=pd.Index(["const"])),
                      pd.Series(raw.mean(axis=1) - grand, index=pd.Index(d.regions)),
                      pd.Series(raw.mean(axis=0) - grand, index=pd.Index(d.periods))]
            keys = ["const", "region", "period"]
        out = pd.concat(parts, keys=keys)
        out.index = out.index.set_names(["effect", "id"])
        return out.rename("fixed_effect")

    def _result(self, est: dict[str, Any]) -> SpatialPanelResult:
        names = [*self.names, *est["spatial"].keys()]
        values = np.r_[est["beta"], list(est["spatial"].values())]
        cov = pd.DataFrame(est["vcov"], index=names, columns=names)
        impacts = None
        if self.spec.draws and self.spec.model in ("sar", "sdm", "sac", "slx", "sdem"):
            impacts = _impacts(self, pd.Series(values, index=names), cov)
        d = self.d
        resid = pd.Series(_unstack(est["resid"], d.n, d.t).ravel(), index=d.index, name="resid")
        return SpatialPanelResult(
            spec=self.spec, params=pd.Series(values, index=names), cov=cov, sigma2=est["sigma2"],
            loglik=est["loglik"], resid=resid, fixed_effects=self._fixed_effects(est["raw_resid"]),
            impacts=impacts, n_regions=d.n, n_periods=d.t, logdet_method=self.ld.method if self.ld else None,
            notes=self.notes,
        )


def _lag_search(y: np.ndarray, Wy: np.ndarray, Z: np.ndarray, nt: int, t_mult: int, logdet: Any,
                bounds: tuple[float, float]) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Maximise the likelihood of ``y = ρWy + Zβ + ε`` concentrated in β and σ² over ρ in ``bounds``:
    ``nt/2 ln(e(ρ)'e(ρ)/nt) − t_mult·logdet(ρ)`` with ``e(ρ) = e0 − ρe1`` from two OLS fits (``nt``
    the effective number of observations, smaller than ``len(y)`` under the Lee–Yu correction).

    Returns the minimised negative value, ρ, β and the residuals."""
    ztz = Z.T @ Z
    b0 = np.linalg.solve(ztz, Z.T @ y)
    b1 = np.linalg.solve(ztz, Z.T @ Wy)
    e0, e1 = y - Z @ b0, Wy - Z @ b1
    a, c, d = e0 @ e0, e0 @ e1, e1 @ e1

    def negll(r: float) -> float:
        return nt / 2 * np.log((a - 2 * r * c + r * r * d) / nt) - t_mult * logdet(r)

    res = optimize.minimize_scalar(negll, bounds=bounds, method="bounded", options={"xatol": 1e-10})
    rho = float(res.x)
    return float(res.fun), rho, b0 - rho * b1, e0 - rho * e1


def _numerical_hessian(f: Any, x: np.ndarray) -> np.ndarray:
    """Central-difference Hessian of a scalar function, steps scaled to each coordinate."""
    k = len(x)
    h = 1e-4 * np.maximum(np.abs(x), 1e-2)
    H = np.empty((k, k))
    f0 = f(x)
    for i in range(k):
        ei = np.zeros(k)
        ei[i] = h[i]
        H[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / h[i] ** 2
        for j in range(i):
            ej = np.zeros(k)
            ej[j] = h[j]
            H[i, j] = H[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h[i] * h[j])
    return H


# ---------------------------------------------------------------------------- impacts
def _impacts(est: _Estimation, params: pd.Series, cov: pd.DataFrame) -> pd.DataFrame:
    """Direct, indirect and total effects per regressor with simulated (or exact) inference."""
    variables = list(est.d.names)
    model = est.spec.model
    rows = []
    if model in ("slx", "sdem"):
        for v in variables:
            for effect, weights in (("direct", {v: 1.0}), ("indirect", {f"W_{v}": 1.0}),
                                    ("total", {v: 1.0, f"W_{v}": 1.0})):
                g = pd.Series(0.0, index=params.index)
                for name, wgt in weights.items():
                    g[name] = wgt
                value, se = float(g @ params), float(np.sqrt(g @ cov @ g))
                rows.append(_impact_row(v, effect, value, se, value - 1.96 * se, value + 1.96 * se))
        est.notes.append("impacts of the SLX/SDEM model: direct = β, indirect = θ, with exact standard errors")
        return _impact_frame(rows)
    lagx = model == "sdm"
    names = [*variables, *([f"W_{v}" for v in variables] if lagx else []), "rho"]
    mean, V = params[names].to_numpy(), cov.loc[names, names].to_numpy()
    rng = np.random.default_rng(est.spec.seed)
    lo, hi = est.ld.bounds()
    draws = np.empty((0, len(names)))
    while len(draws) < est.spec.draws:
        new = rng.multivariate_normal(mean, V, size=est.spec.draws, method="cholesky")
        draws = np.vstack([draws, new[(new[:, -1] > lo) & (new[:, -1] < hi)]])
    draws = draws[: est.spec.draws]
    rhos = np.r_[mean[-1], draws[:, -1]]
    m1, m2, how = est.ld.impact_traces(rhos)
    k = len(variables)
    beta = np.vstack([mean[:k], draws[:, :k]])
    theta = np.vstack([mean[k : 2 * k], draws[:, k : 2 * k]]) if lagx else np.zeros_like(beta)
    direct = beta * m1[:, None] + theta * m2[:, None]
    total = (beta + theta) * _row_sum_factor(est, rhos)[:, None]
    indirect = total - direct
    for j, v in enumerate(variables):
        for effect, values in (("direct", direct[:, j]), ("indirect", indirect[:, j]), ("total", total[:, j])):
            sims = values[1:]
            lo_q, hi_q = np.percentile(sims, [2.5, 97.5])
            rows.append(_impact_row(v, effect, float(values[0]), float(np.std(sims, ddof=1)), lo_q, hi_q))
    est.notes.append(f"impacts: traces {how}; standard errors and 95% intervals from {est.spec.draws} draws of the "
                     f"estimated parameter distribution (seed {est.spec.seed})")
    return _impact_frame(rows)


def _row_sum_factor(est: _Estimation, rhos: np.ndarray) -> np.ndarray:
    """Mean row sum of (I − ρW)⁻¹ (times W for the lagged term, equal when W is row-standardised)."""
    if est.row_std:
        return 1 / (1 - rhos)
    ones = np.ones(est.d.n)
    out = np.array([est.ld.solver(r)(ones).mean() for r in rhos])
    est.notes.append("W is not row-standardised: total effects use the mean row sum of (I − ρW)⁻¹ for β and θ alike")
    return out


def _impact_row(variable: str, effect: str, value: float, se: float, lo: float, hi: float) -> dict[str, Any]:
    z = value / se if se > 0 else np.nan
    return {"variable": variable, "effect": effect, "estimate": value, "std_error": se, "z": z,
            "p_value": float(2 * stats.norm.sf(abs(z))), "ci_lower": float(lo), "ci_upper": float(hi)}


def _impact_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows).set_index(["variable", "effect"])


# ---------------------------------------------------------------------------- result
class SpatialPanelResult(Result):
    """Estimates of a :class:`SpatialPanel` model.

    Attributes
    ----------
    params, std_errors, tvalues, pvalues : Series
        Coefficients named by the columns of X, ``W_<col>`` for lagged regressors, ``const``
        without fixed effects, ``rho`` and/or ``lambda``; z statistics and normal p-values.
    cov : DataFrame
        Their covariance matrix.
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
    """

    _table_names = ("table", "impacts_table")

    def __init__(self, *, spec: SpatialPanel, params: pd.Series, cov: pd.DataFrame, sigma2: float, loglik: float,
                 resid: pd.Series, fixed_effects: pd.Series, impacts: pd.DataFrame | None, n_regions: int,
                 n_periods: int, logdet_method: str | None, notes: list[str]) -> None:
        self.model, self.effects, self.lee_yu = spec.model, spec.effects, spec.lee_yu
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
    params = copied("_params")
    cov = copied("_cov")

    @property
    def std_errors(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self._cov.to_numpy())), index=self._params.index, name="std_error")

    @property
    def tvalues(self) -> pd.Series:
        return (self._params / self.std_errors).rename("z")

    @property
    def pvalues(self) -> pd.Series:
        return pd.Series(2 * stats.norm.sf(np.abs(self.tvalues.to_numpy())), index=self._params.index, name="p_value")

    @property
    def rho(self) -> float:
        return float(self._params.get("rho", np.nan))

    @property
    def lam(self) -> float:
        return float(self._params.get("lambda", np.nan))

    resid = copied("_resid")
    fixed_effects = copied("_fixed")

    @property
    def impacts(self) -> pd.DataFrame | None:
        return None if self._impacts is None else self._impacts.copy()

    @property
    def impacts_table(self) -> pd.DataFrame | None:
        return self.impacts

    def __getitem__(self, key: str) -> Any:
        if key in ("params", "std_errors", "tvalues", "pvalues", "sigma2", "loglik", "rho", "impacts", "cov"):
            return getattr(self, key)
        raise KeyError(key)

    @property
    def table(self) -> pd.DataFrame:
        se = self.std_errors
        out = pd.DataFrame({"coef": self._params, "std_error": se, "z": self.tvalues, "p_value": self.pvalues,
                            "ci_lower": self._params - 1.959964 * se, "ci_upper": self._params + 1.959964 * se})
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
            for i, c in enumerate(names):
                J[i, p.index.get_loc(c)] = 1.0
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
            g = np.array([p[f"W_{c}"] + rho * p[c] for c in base])
            J = np.zeros((len(base), len(p)))
            for i, c in enumerate(base):
                J[i, p.index.get_loc(f"W_{c}")] = 1.0
                J[i, p.index.get_loc(c)] = rho
                J[i, p.index.get_loc("rho")] = p[c]
        else:
            raise ValueError(f"restriction must be 'sar', 'sem', 'slx' or a dict; got {restriction!r}")
        stat = float(g @ np.linalg.solve(J @ V.to_numpy() @ J.T, g))
        df = len(g)
        return pd.Series({"statistic": stat, "df": df, "p_value": float(stats.chi2.sf(stat, df))})

    # -- text ------------------------------------------------------------------------
    def summary(self) -> str:
        head = f"Spatial panel {self.model.upper()} ({self.effects} effects" + (", Lee-Yu" if self.lee_yu else "") + ")"
        lines = [head, "=" * len(head),
                 f"regions = {self.n_regions}, periods = {self.n_periods}, obs = {self.nobs}",
                 f"log-likelihood = {self.loglik:.4f}, AIC = {self.aic:.4f}, BIC = {self.bic:.4f}, "
                 f"sigma2 = {self.sigma2:.6g}",
                 f"log-determinant: {self.logdet_method or '-'}", ""]
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            lines.append(self.table.to_string(float_format=lambda v: f"{v:.5f}"))
            if self._impacts is not None:
                lines += ["", "Impacts (LeSage & Pace)", self._impacts.to_string(float_format=lambda v: f"{v:.5f}")]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<SpatialPanelResult: {self.model} {self.effects}, {len(self._params)} terms>"


def lr_test(restricted: SpatialPanelResult, unrestricted: SpatialPanelResult) -> pd.Series:
    """Likelihood-ratio test of a restricted against an unrestricted fit on the same data.

    The degrees of freedom are the difference in the number of estimated parameters; the terms of
    the restricted model must be among those of the unrestricted one, except the SEM's ``lambda``
    against the SDM (the common factor restriction).
    """
    if (restricted.n_regions, restricted.n_periods, restricted.effects, restricted.lee_yu) != (
            unrestricted.n_regions, unrestricted.n_periods, unrestricted.effects, unrestricted.lee_yu):
        raise ValueError("the two fits differ in data size, effects or the Lee-Yu setting")
    df = unrestricted.k - restricted.k
    if df <= 0:
        raise ValueError(f"the unrestricted model must have more parameters ({unrestricted.k} vs {restricted.k})")
    stat = 2 * (unrestricted.loglik - restricted.loglik)
    return pd.Series({"statistic": stat, "df": df, "p_value": float(stats.chi2.sf(max(stat, 0.0), df))})


def hausman_test(fixed: SpatialPanelResult, random: SpatialPanelResult) -> pd.Series:
    """Hausman test of fixed against random effects on the terms the two fits share (β and ρ).

    ``H = d'(V_FE − V_RE)⁻¹d`` with ``d = b_FE − b_RE``; a large H rejects the random effects
    (their estimates are inconsistent when the effects correlate with X). When ``V_FE − V_RE`` is
    not positive definite the generalised inverse is used and ``note`` says so.
    """
    if random.effects != "random" or fixed.effects not in ("individual", "twoway"):
        raise ValueError("hausman_test needs a fixed-effects fit first and a random-effects fit second")
    common = [c for c in fixed.params.index if c in random.params.index]
    d = (fixed.params[common] - random.params[common]).to_numpy()
    V = fixed.cov.loc[common, common].to_numpy() - random.cov.loc[common, common].to_numpy()
    eig = np.linalg.eigvalsh((V + V.T) / 2)
    note = "" if eig.min() > 0 else "V_FE - V_RE is not positive definite; generalised inverse used"
    stat = float(d @ np.linalg.pinv(V) @ d)
    df = len(common) if not note else int(np.sum(eig > 1e-12 * eig.max()))
    return pd.Series({"statistic": stat, "df": df, "p_value": float(stats.chi2.sf(stat, df)), "note": note})


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
    if effects not in EFFECTS:
        raise ValueError(f"effects must be one of {', '.join(EFFECTS)}; got {effects!r}")
    d = _prepare(y, X, w)
    est = _Estimation(SpatialPanel("ols", effects, lee_yu=False, draws=0), d)
    Z, yt, t = est.Z, est.yt, d.t
    Wy = _stack(_demean(_lag(d.W, d.y), effects))
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


def model_tests(y: pd.Series, X: pd.DataFrame, w: Any, effects: str = "individual", lee_yu: bool = True,
                logdet: str = "auto") -> pd.DataFrame:
    """The model-choice tests of Elhorst (2014): LM tests on the OLS residuals, then Wald and LR tests
    of SDM → SAR (θ = 0) and SDM → SEM (θ + ρβ = 0), and with individual effects the Hausman test of
    the SAR with fixed against random effects.

    Returns
    -------
    DataFrame indexed by test with statistic, df, p_value and the null hypothesis.
    """
    lm = lm_tests(y, X, w, effects).assign(null=["no spatial lag", "no spatial lag (robust to error)",
                                                 "no spatial error", "no spatial error (robust to lag)"])
    fit = {m: SpatialPanel(m, effects, lee_yu=lee_yu, logdet=logdet, draws=0).fit(y, X, w) for m in ("sdm", "sar", "sem")}
    rows = {
        "Wald SDM -> SAR": {**fit["sdm"].wald_test("sar"), "null": "theta = 0 (SAR)"},
        "LR SDM -> SAR": {**lr_test(fit["sar"], fit["sdm"]), "null": "theta = 0 (SAR)"},
        "Wald SDM -> SEM": {**fit["sdm"].wald_test("sem"), "null": "theta + rho*beta = 0 (SEM)"},
        "LR SDM -> SEM": {**lr_test(fit["sem"], fit["sdm"]), "null": "theta + rho*beta = 0 (SEM)"},
    }
    if effects == "individual":
        re = SpatialPanel("sar", "random", logdet=logdet, draws=0).fit(y, X, w)
        h = hausman_test(fit["sar"], re)
        rows["Hausman SAR FE vs RE"] = {"statistic": h["statistic"], "df": h["df"], "p_value": h["p_value"],
                                        "null": "random effects consistent" + (f" ({h['note']})" if h["note"] else "")}
    out = pd.concat([lm, pd.DataFrame(rows).T])
    out["df"] = out["df"].astype(int)
    out[["statistic", "p_value"]] = out[["statistic", "p_value"]].astype(float)
    out.index.name = "test"
    return out
