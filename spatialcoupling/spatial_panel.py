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
compares fixed and random effects on the slope coefficients at the fixed-effects ρ with both
covariances on the random-effects σ² (see its docstring; splm's ``sphtest`` and the textbook form
with both full covariances give an indefinite difference matrix on the Munnell panel). Random
effects for SEM/SDEM/SAC are not implemented.

What is refused rather than computed: a y without variation once the effects are removed; an exact
fit; a spatial parameter that is not identified because, after removing time effects, W acts on
the data as a multiple of the identity (a group in which every region neighbours every other); the
Lee–Yu time transformation with a W whose rows do not all sum to one (the regions are named); a
singular information matrix or a likelihood maximised at the edge of the admissible interval (SAC,
random effects). Every likelihood search has an iteration limit (``maxiter``; reaching it is noted
and warned) and every fit a time limit (``timeout``, :class:`EstimationTimeout`); the simulation of
the impacts stops after a bounded number of batches and reports NaN standard errors when ρ is so
poorly identified that its draws fall outside the admissible interval.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import optimize, stats

from ._panel_ols import check_rank as _check_rank
from ._panel_ols import demean as _demean
from ._results import Result, copied
from ._series import PERIOD, REGION, _preview
from ._spatial_linalg import (
    DENSE_MAX_N,
    LogDet,
    is_row_standardised,
    multiple_of_identity_after_demeaning,
    row_sums,
)

MODELS = ("ols", "slx", "sar", "sdm", "sem", "sdem", "sac")
EFFECTS = ("individual", "time", "twoway", "none", "random")
_RANDOM_MODELS = ("ols", "slx", "sar", "sdm")
LOGDETS = ("auto", "eigen", "lu", "chebyshev")
_LAG_Y = {"sar", "sdm", "sac"}
_LAG_E = {"sem", "sdem", "sac"}
_LAG_X = {"slx", "sdm", "sdem"}
#: at most this many batches of ``draws`` simulations are made for the impacts
_IMPACT_ROUNDS = 20


def _read_only(a: np.ndarray) -> np.ndarray:
    out = np.array(a, copy=True)
    out.setflags(write=False)
    return out


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
    maxiter : int
        Iteration limit of every likelihood search (bounded scalar searches over ρ, λ and φ;
        L-BFGS-B for the SAC). A search that stops at the limit is reported in ``notes`` and warned.
    timeout : float or None
        Seconds a fit may take (default 600); past it the fit stops with :class:`EstimationTimeout`,
        which says which stage was running. ``None`` removes the limit.

    Examples
    --------
    >>> res = SpatialPanel("sdm", effects="twoway").fit(y, X, w)   # doctest: +SKIP
    >>> res.summary(); res.impacts; res.wald_test("sar")              # doctest: +SKIP
    """

    def __init__(self, model: str = "sar", effects: str = "individual", lee_yu: bool = True, logdet: str = "auto",
                 draws: int = 1000, seed: int = 0, maxiter: int = 500, timeout: float | None = 600.0) -> None:
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
        if isinstance(maxiter, bool) or not isinstance(maxiter, int | np.integer) or maxiter < 10:
            raise ValueError(f"maxiter must be a whole number of at least 10; got {maxiter!r}")
        if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0):
            raise ValueError(f"timeout must be a positive number of seconds or None; got {timeout!r}")
        self.model, self.effects, self.lee_yu, self.logdet = model, effects, bool(lee_yu), logdet
        self.draws, self.seed = int(draws), int(seed)
        self.maxiter, self.timeout = int(maxiter), (None if timeout is None else float(timeout))

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
        clock = _Clock(self.timeout)
        data = _prepare(y, X, w)
        return _Estimation(self, data, clock).run()


class EstimationTimeout(TimeoutError):
    """A spatial panel fit that ran past ``SpatialPanel(timeout=...)``."""


class _Clock:
    """The deadline of one fit; ``check`` is called at every likelihood evaluation."""

    def __init__(self, timeout: float | None) -> None:
        self.timeout = timeout
        self.deadline = None if timeout is None else time.monotonic() + timeout

    def check(self, stage: str) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise EstimationTimeout(
                f"the fit did not finish within {self.timeout:g} s (stopped in the {stage}); the likelihood may be "
                "flat (a spatial parameter poorly identified) or the panel very large: check W and the effects, "
                "or raise SpatialPanel(timeout=...)")


def _describe_rows(regions: list, sums: np.ndarray) -> str:
    """Regions whose row of W does not sum to one, for a message."""
    bad = np.flatnonzero(~np.isclose(sums, 1.0))
    zero = [regions[i] for i in bad if sums[i] == 0]
    other = [f"{regions[i]!r} ({sums[i]:.3g})" for i in bad if sums[i] != 0]
    parts = []
    if zero:
        parts.append(f"{_preview(zero)} {'has' if len(zero) == 1 else 'have'} no neighbour (row sum 0)")
    if other:
        parts.append(f"the rows of {len(other)} region(s) do not sum to 1 (e.g. {', '.join(other[:3])})")
    return "; ".join(parts)


class _Estimation:
    """One fit: the transformed arrays, the likelihood and the pieces of the result."""

    def __init__(self, spec: SpatialPanel, data: _Panel, clock: _Clock | None = None) -> None:
        self.spec, self.d = spec, data
        self.clock = clock or _Clock(spec.timeout)
        self.random = spec.effects == "random"
        self.effects = "none" if self.random else spec.effects  # random effects: raw data plus a constant
        n, t = data.n, data.t
        self.row_std = is_row_standardised(data.W)
        spatial = spec.model not in ("ols", "slx")
        self.time_adj = spec.lee_yu and self.effects in ("time", "twoway")
        if self.time_adj and not self.row_std and spatial:
            rows = _describe_rows(data.regions, row_sums(data.W))
            fix = ("give those regions a neighbour (e.g. spatial_weights(..., islands='nearest')) or pass lee_yu=False"
                   if "no neighbour" in rows else "set w.transform = 'r' or pass lee_yu=False")
            raise ValueError(f"the Lee-Yu correction with time effects needs a row-standardised W (every row summing "
                             f"to 1), but {rows}; {fix}")
        self.lee_yu_applied = spec.lee_yu and self.effects in ("individual", "time", "twoway")
        self.t_eff = t - 1 if spec.lee_yu and self.effects in ("individual", "twoway") else t
        self.n_eff = n - 1 if spec.lee_yu and self.effects in ("time", "twoway") else n
        self.nt = self.n_eff * self.t_eff
        self._check_y_varies()
        if spatial and self.effects in ("time", "twoway") and data.W.nnz:
            c = multiple_of_identity_after_demeaning(data.W)
            if c is not None:
                par = {"sar": "rho is", "sdm": "rho is", "sem": "lambda is", "sdem": "lambda is",
                       "sac": "rho and lambda are"}[spec.model]
                raise ValueError(
                    f"{par} not identified with {self.effects} effects: after removing the time effects, W maps every "
                    f"cross-section to {c:.4g} times itself (as when each of the {n} regions is a neighbour of every "
                    "other), so the spatial lag is collinear with the data and the likelihood is flat; use "
                    "effects='individual', other weights, more regions, or a non-spatial model")
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
        try:
            _check_rank(self.Z, names, self.effects)
        except ValueError as exc:
            if spec.model in _LAG_X and "'W_" in str(exc):
                raise ValueError(f"{exc}. A lagged regressor W_x adds nothing to x and the effects here (e.g. time "
                                 "effects in a group whose regions all neighbour each other): use a model without "
                                 "lagged regressors (sar, sem, ols), individual effects, or other weights") from None
            raise
        self.yt = _stack(_demean(data.y, self.effects))
        self.notes: list[str] = []
        self.ld: LogDet | None = None
        if spec.model not in ("ols", "slx"):
            if data.W.nnz == 0:
                raise ValueError("W has no neighbour links among these regions: the spatial parameter is not "
                                 "identified; use model='ols' or other weights")
            self.ld = LogDet(data.W, spec.logdet, seed=spec.seed)
            self.Wy = _stack(_demean(_lag(data.W, data.y), self.effects))

    def _check_y_varies(self) -> None:
        """Refuse a y with nothing left to explain once the effects are removed."""
        y = self.d.y
        scale = max(1.0, float(np.abs(y).max()))
        if self.effects in ("individual", "time", "twoway"):
            left = _demean(y, self.effects)
            where = {"individual": "within regions", "time": "within periods",
                     "twoway": "within regions and periods"}[self.effects]
        elif self.random:
            left = y - y.mean(axis=1, keepdims=True)
            where = "within regions (the random effects absorb it)"
        else:
            left = y - y.mean()
            where = "at all"
        if float(np.abs(left).max()) <= 1e-12 * scale:
            raise ValueError(f"y has no variation left after removing the {self.spec.effects} effects (it does not vary "
                             f"{where}); there is nothing for the model to explain: check the data or choose other effects")

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

    def _search(self, f: Any, bounds: tuple[float, float], what: str) -> float:
        """Bounded scalar minimisation of ``f`` with the iteration and time limits of the spec."""
        clock = self.clock

        def g(v: float) -> float:
            clock.check(what)
            return f(v)

        res = optimize.minimize_scalar(g, bounds=bounds, method="bounded",
                                       options={"xatol": 1e-10, "maxiter": self.spec.maxiter})
        if not res.success:
            self._unconverged(what, self.spec.maxiter)
        return float(res.x)

    def _unconverged(self, what: str, iterations: int) -> None:
        msg = (f"the {what} stopped at its iteration limit ({iterations}) before converging; the estimates may be "
               "inaccurate (a flat likelihood?); raise SpatialPanel(maxiter=...) or check the model")
        warnings.warn(msg, RuntimeWarning, stacklevel=5)
        if msg not in self.notes:
            self.notes.append(msg)

    def _ols(self) -> dict[str, Any]:
        Z, y = self.Z, self.yt
        ztz_inv = np.linalg.inv(Z.T @ Z)
        b = ztz_inv @ (Z.T @ y)
        e = y - Z @ b
        _check_fit(e, y)
        s2 = float(e @ e / self.nt)
        vcov = s2 * ztz_inv
        return {"beta": b, "spatial": {}, "sigma2": s2, "vcov": vcov, "resid": e,
                "loglik": self._loglik(s2, 0.0), "raw_resid": self._raw_resid(b, 0.0),
                "design": {"xtx_inv": ztz_inv, "lag_coef": None}}

    def _loglik(self, s2: float, ld: float) -> float:
        return float(-self.nt / 2 * (np.log(2 * np.pi * s2) + 1) + self.t_eff * ld)

    def _raw_resid(self, b: np.ndarray, rho: float) -> np.ndarray:
        """y − ρWy − Xβ on the raw (not demeaned) data, (N, T): the fixed effects plus the error."""
        r = self.d.y - np.einsum("ntk,k->nt", self.Xraw, b)
        if rho:
            r = r - rho * (self.d.W @ self.d.y)
        return r

    def _lag(self) -> dict[str, Any]:
        fit = _lag_search(self.yt, self.Wy, self.Z, self.nt, self.t_eff, self.logdet, self.bounds(), self._search)
        rho, b, u = fit.rho, fit.beta, fit.resid
        s2 = float(u @ u / self.nt)
        vcov = self._lag_vcov(b, rho, s2)
        return {"beta": b, "spatial": {"rho": rho}, "sigma2": s2, "vcov": vcov, "resid": u,
                "loglik": self._loglik(s2, self.logdet(rho)), "raw_resid": self._raw_resid(b, rho),
                "design": {"xtx_inv": fit.xtx_inv, "lag_coef": fit.lag_coef}}

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
        return _invert_information(V, "rho")[: k + 1, : k + 1]

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
            return nt / 2 * np.log(max(ssr(lam)[0], 1e-300) / nt) - self.t_eff * self.logdet(lam)

        lam = self._search(negll, self.bounds(), "search over lambda")
        return lam, ssr(lam)[1]

    def _error(self) -> dict[str, Any]:
        Z, nt = self.Z, self.nt
        lam, b = self._error_search()
        Zs = Z - lam * self.lagT(Z)
        e = (self.yt - lam * self.Wy) - Zs @ b
        _check_fit(e, self.yt)
        s2 = float(e @ e / nt)
        tr = self._traces(lam)
        k, te = Z.shape[1], self.t_eff
        vcov = np.zeros((k + 1, k + 1))
        vcov[:k, :k] = s2 * np.linalg.inv(Zs.T @ Zs)
        info = np.array([[te * (tr["trG2"] + tr["trGtG"]), te * tr["trG"] / s2],
                         [te * tr["trG"] / s2, nt / (2 * s2 * s2)]])
        vcov[k, k] = _invert_information(info, "lambda")[0, 0]
        return {"beta": b, "spatial": {"lambda": lam}, "sigma2": s2, "vcov": vcov, "resid": e,
                "loglik": self._loglik(s2, self.logdet(lam)), "raw_resid": self._raw_resid(b, 0.0)}

    def _sac(self) -> dict[str, Any]:
        Z, y, Wy, nt = self.Z, self.yt, self.Wy, self.nt
        WZ, WWy = self.lagT(Z), self.lagT(Wy)
        clock = self.clock

        def parts(r: float, lam: float) -> tuple[np.ndarray, np.ndarray]:
            ys = y - r * Wy - lam * (Wy - r * WWy)
            return ys, Z - lam * WZ

        def negll(p: np.ndarray) -> float:
            clock.check("SAC likelihood search")
            ys, Zs = parts(*p)
            b, *_ = np.linalg.lstsq(Zs, ys, rcond=None)
            e = ys - Zs @ b
            return nt / 2 * np.log(max(float(e @ e), 1e-300) / nt) - self.t_eff * (self.logdet(p[0]) + self.logdet(p[1]))

        lo, hi = self.bounds()
        rho0 = _lag_search(y, Wy, Z, nt, self.t_eff, self.logdet, (lo, hi), self._search).rho
        starts = [(0.0, 0.0), (rho0, 0.0), (0.0, self._error_search()[0])]
        maxiter = self.spec.maxiter
        fits = [optimize.minimize(negll, np.array(s), method="L-BFGS-B", bounds=[(lo, hi), (lo, hi)],
                                  options={"ftol": 1e-14, "gtol": 1e-9, "maxiter": maxiter, "maxfun": 20 * maxiter})
                for s in starts]
        best = min(fits, key=lambda f: f.fun)
        # status 1: iteration or evaluation limit; status 2 (line search cannot improve) is L-BFGS-B's
        # precision floor at an optimum unless the gradient is still large
        grad = np.where(((best.x <= lo + 1e-9) & (best.jac > 0)) | ((best.x >= hi - 1e-9) & (best.jac < 0)), 0.0,
                        best.jac)  # projected gradient: zero where a bound holds the search
        if best.status == 1 or (best.status == 2 and float(np.max(np.abs(grad))) > 1e-2):
            self._unconverged("SAC likelihood search (L-BFGS-B)", maxiter)
        rho, lam = (float(v) for v in best.x)
        ys, Zs = parts(rho, lam)
        b = np.linalg.solve(Zs.T @ Zs, Zs.T @ ys)
        e = ys - Zs @ b
        _check_fit(e, y)
        s2 = float(e @ e / nt)
        theta = np.r_[b, rho, lam, s2]

        def loglik(p: np.ndarray) -> float:
            ys_, Zs_ = parts(p[-3], p[-2])
            e_ = ys_ - Zs_ @ p[:-3]
            return float(-nt / 2 * np.log(2 * np.pi * p[-1]) - e_ @ e_ / (2 * p[-1])
                         + self.t_eff * (self.logdet(p[-3]) + self.logdet(p[-2])))

        with np.errstate(invalid="ignore", divide="ignore"):
            H = _numerical_hessian(loglik, theta)
        if not np.all(np.isfinite(H)):
            raise ValueError(f"the SAC likelihood is maximised at the edge of the admissible interval ({lo:.4g}, {hi:.4g}) "
                             f"(rho = {rho:.4g}, lambda = {lam:.4g}): there is no interior maximum and no standard errors; "
                             "the SAC is not identified on these data: use the SAR or the SEM")
        vcov = _invert_information(-H, "rho and lambda")[:-1, :-1]
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
        clock = self.clock

        def partial(a: np.ndarray, phi: float) -> np.ndarray:
            return _stack(a - (1 - phi) * a.mean(axis=1, keepdims=True))

        def inner(phi: float) -> tuple[float, _LagFit]:
            ys, Zs = partial(d.y, phi), partial(self.Xraw, phi)
            if not lagged:
                clock.check("search over phi")
                xtx_inv = np.linalg.inv(Zs.T @ Zs)
                b0 = xtx_inv @ (Zs.T @ ys)
                e0 = ys - Zs @ b0
                fit = _LagFit(nt / 2 * np.log(max(float(e0 @ e0), 1e-300) / nt), 0.0, b0, e0, xtx_inv, None)
            else:
                fit = _lag_search(ys, partial(WY, phi), Zs, nt, t, self.ld, self.bounds(), self._search)
            return fit.value - n / 2 * np.log(phi * phi), fit

        phi = self._search(lambda p: inner(p)[0], (1e-6, 1.0), "search over phi")
        fit = inner(phi)[1]
        rho, b, e = fit.rho, fit.beta, fit.resid
        _check_fit(e, partial(d.y, phi))
        s2 = float(e @ e / nt)

        def loglik(p: np.ndarray) -> float:
            beta, r, ph, sig2 = p[: len(b)], (p[len(b)] if lagged else 0.0), p[-2], p[-1]
            raw = d.y - np.einsum("ntk,k->nt", self.Xraw, beta) - (r * WY if lagged else 0.0)
            u = partial(raw, ph)
            return float(-nt / 2 * np.log(2 * np.pi * sig2) - u @ u / (2 * sig2)
                         + (t * self.ld(r) if lagged else 0.0) + n / 2 * np.log(ph * ph))

        theta = np.r_[b, [rho] if lagged else [], phi, s2]
        with np.errstate(invalid="ignore", divide="ignore"):
            H = _numerical_hessian(loglik, theta)
        if not np.all(np.isfinite(H)):
            raise ValueError(f"the random-effects likelihood is maximised at the edge of the admissible values (phi = "
                             f"{phi:.4g}" + (f", rho = {rho:.4g}" if lagged else "") + "): there is no interior maximum "
                             "and no standard errors; use fixed effects")
        vcov = _invert_information(-H, "rho and phi" if lagged else "phi")[:-1, :-1]
        sigma_mu2 = s2 * (1 / phi**2 - 1) / t
        self.notes.append(f"random effects: phi = {phi:.4g} (weight of the between variation), sigma_mu^2 = "
                          f"{sigma_mu2:.4g}; standard errors from the numerically differentiated observed "
                          "information; the Lee-Yu correction does not apply")
        spatial = {"rho": rho, "phi": phi} if lagged else {"phi": phi}
        ld = self.ld(rho) if lagged else 0.0
        return {"beta": b, "spatial": spatial, "sigma2": s2, "vcov": vcov, "resid": e,
                "loglik": float(-nt / 2 * (np.log(2 * np.pi * s2) + 1) + t * ld + n / 2 * np.log(phi * phi)),
                "raw_resid": None, "design": {"xtx_inv": fit.xtx_inv, "lag_coef": fit.lag_coef}}

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
        design = est.get("design")
        if design is not None:
            design = {"names": list(self.names), **design}
        return SpatialPanelResult(
            spec=self.spec, params=pd.Series(values, index=names), cov=cov, sigma2=est["sigma2"],
            loglik=est["loglik"], resid=resid, fixed_effects=self._fixed_effects(est["raw_resid"]),
            impacts=impacts, n_regions=d.n, n_periods=d.t, logdet_method=self.ld.method if self.ld else None,
            notes=self.notes, lee_yu_applied=self.lee_yu_applied, design=design,
        )


def _check_fit(e: np.ndarray, y: np.ndarray) -> None:
    """Refuse an exact fit: zero residuals make σ² zero and the likelihood unbounded."""
    if float(np.abs(e).max(initial=0.0)) <= 1e-12 * max(1.0, float(np.abs(y).max(initial=0.0))):
        raise ValueError("y is an exact linear combination of the regressors (and spatial lag): the residuals are zero, "
                         "so sigma^2 and the likelihood are not defined; check that y is not built from X")


def _invert_information(info: np.ndarray, spatial: str) -> np.ndarray:
    """Inverse of an information matrix, refusing a singular one with a message."""
    try:
        inv = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        inv = None
    if inv is None or not np.all(np.isfinite(inv)):
        raise ValueError(f"the information matrix is singular: {spatial} and the coefficients are not jointly "
                         "identified on these data (a flat likelihood); use fewer regressors, other weights or effects")
    return inv


class _LagFit(NamedTuple):
    """The concentrated lag-likelihood search: minimised value, ρ, β(ρ), residuals, (Z'Z)⁻¹ and the
    coefficients of the spatial lag on Z (``β(ρ) = β_y − ρ·lag_coef``)."""

    value: float
    rho: float
    beta: np.ndarray
    resid: np.ndarray
    xtx_inv: np.ndarray
    lag_coef: np.ndarray | None


def _lag_search(y: np.ndarray, Wy: np.ndarray, Z: np.ndarray, nt: int, t_mult: int, logdet: Any,
                bounds: tuple[float, float], search: Any = None) -> _LagFit:
    """Maximise the likelihood of ``y = ρWy + Zβ + ε`` concentrated in β and σ² over ρ in ``bounds``:
    ``nt/2 ln(e(ρ)'e(ρ)/nt) − t_mult·logdet(ρ)`` with ``e(ρ) = e0 − ρe1`` from two OLS fits (``nt``
    the effective number of observations, smaller than ``len(y)`` under the Lee–Yu correction).
    ``search(f, bounds, what)`` minimises over ρ (by default a bounded Brent search)."""
    xtx_inv = np.linalg.inv(Z.T @ Z)
    b0 = xtx_inv @ (Z.T @ y)
    b1 = xtx_inv @ (Z.T @ Wy)
    e0, e1 = y - Z @ b0, Wy - Z @ b1
    a, c, d = e0 @ e0, e0 @ e1, e1 @ e1

    def negll(r: float) -> float:
        return nt / 2 * np.log(max(a - 2 * r * c + r * r * d, 1e-300) / nt) - t_mult * logdet(r)

    if search is None:
        rho = float(optimize.minimize_scalar(negll, bounds=bounds, method="bounded", options={"xatol": 1e-10}).x)
    else:
        rho = search(negll, bounds, "search over rho")
    return _LagFit(float(negll(rho)), rho, b0 - rho * b1, e0 - rho * e1, xtx_inv, b1)


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
    wanted = est.spec.draws
    kept, made = [], 0
    for _ in range(_IMPACT_ROUNDS):  # draws of rho outside the admissible interval are discarded
        est.clock.check("simulation of the impacts")
        new = rng.multivariate_normal(mean, V, size=wanted, method="cholesky")
        made += wanted
        kept.append(new[(new[:, -1] > lo) & (new[:, -1] < hi)])
        if sum(len(k) for k in kept) >= wanted:
            break
    draws = np.vstack(kept)[:wanted]
    simulated = len(draws) >= wanted
    if not simulated:
        msg = (f"impacts: only {len(draws)} of {made} simulated draws of rho fell inside its admissible interval "
               f"({lo:.4g}, {hi:.4g}) (rho = {mean[-1]:.4g}, s.e. {np.sqrt(V[-1, -1]):.3g}): rho is poorly identified, "
               "so the impacts' standard errors and intervals are not computed (NaN)")
        warnings.warn(msg, RuntimeWarning, stacklevel=4)
        est.notes.append(msg)
        draws = draws[:0]
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
            if simulated:
                lo_q, hi_q = np.percentile(sims, [2.5, 97.5])
                se = float(np.std(sims, ddof=1))
            else:
                lo_q = hi_q = se = np.nan
            rows.append(_impact_row(v, effect, float(values[0]), se, lo_q, hi_q))
    if simulated:
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
    z = value / se if se > 0 else np.nan  # NaN for a NaN or zero standard error
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
    lee_yu : bool
        Whether the correction was requested.
    lee_yu_applied : bool
        Whether a Lee–Yu correction was applied: only with individual, time or two-way fixed effects
        (never with random effects or ``effects="none"``).
    """

    _table_names = ("table", "impacts_table")

    def __init__(self, *, spec: SpatialPanel, params: pd.Series, cov: pd.DataFrame, sigma2: float, loglik: float,
                 resid: pd.Series, fixed_effects: pd.Series, impacts: pd.DataFrame | None, n_regions: int,
                 n_periods: int, logdet_method: str | None, notes: list[str], lee_yu_applied: bool = False,
                 design: dict[str, Any] | None = None) -> None:
        self.model, self.effects, self.lee_yu = spec.model, spec.effects, spec.lee_yu
        self.lee_yu_applied = bool(lee_yu_applied)
        self._design = None if design is None else MappingProxyType(
            {k: (_read_only(v) if isinstance(v, np.ndarray) else v) for k, v in design.items()})
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
    def zstats(self) -> pd.Series:
        """z statistics (the same as ``tvalues``; the name of the result contract)."""
        return self.tvalues

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
        head = (f"Spatial panel {self.model.upper()} ({self.effects} effects"
                + (", Lee-Yu correction" if self.lee_yu_applied else "") + ")")
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
        raise ValueError("hausman_test needs a fit with effects='individual' first and one with effects='random' "
                         f"second; got {fixed.effects!r} and {random.effects!r}")
    if fixed.model != random.model:
        raise ValueError(f"hausman_test compares one model with two kinds of effects; got {fixed.model!r} and "
                         f"{random.model!r}")
    if (fixed.n_regions, fixed.n_periods) != (random.n_regions, random.n_periods):
        raise ValueError("the two fits are on panels of different size; fit both on the same y, X and w")
    fe_d, re_d = fixed._design, random._design
    if fe_d is None or re_d is None:
        raise ValueError(f"hausman_test is available for {', '.join(_RANDOM_MODELS)} fits")
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
        return pd.Series({"statistic": np.nan, "df": df, "p_value": np.nan,
                          "note": f"not valid: the covariance of the contrast is not positive definite (smallest "
                                  f"eigenvalue {eig.min():.3g}, largest {eig.max():.3g}); a regressor may have no "
                                  "variation between regions"})
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
                logdet: str = "auto", maxiter: int = 500, timeout: float | None = 600.0) -> pd.DataFrame:
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
    lm = lm_tests(y, X, w, effects).assign(null=["no spatial lag", "no spatial lag (robust to error)",
                                                 "no spatial error", "no spatial error (robust to lag)"])
    lm["note"] = "on pooled OLS residuals (random effects)" if effects == "random" else ""
    options = {"lee_yu": lee_yu, "logdet": logdet, "draws": 0, "maxiter": maxiter, "timeout": timeout}
    fit: dict[str, SpatialPanelResult] = {}
    missing: dict[str, str] = {}

    def get(model: str, eff: str) -> SpatialPanelResult | None:
        key = f"{model}/{eff}"
        if key not in fit and key not in missing:
            if eff == "random" and model not in _RANDOM_MODELS:
                missing[key] = (f"not available: the {model.upper()} has no random-effects estimator here "
                                f"(random effects: {', '.join(_RANDOM_MODELS)})")
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
            rows["Hausman SAR FE vs RE"] = {"statistic": np.nan, "df": k, "p_value": np.nan,
                                            "null": "random effects consistent", "note": reason}
        else:
            h = hausman_test(fe, re)
            rows["Hausman SAR FE vs RE"] = {"statistic": h["statistic"], "df": h["df"], "p_value": h["p_value"],
                                            "null": "random effects consistent", "note": h["note"]}
    out = pd.concat([lm, pd.DataFrame(rows).T])
    out["df"] = out["df"].astype(int)
    out[["statistic", "p_value"]] = out[["statistic", "p_value"]].astype(float)
    out.index.name = "test"
    return out
