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
within the admissible interval of W (Elhorst 2014, ch. 3). For the SAR and SDM the bounded search over ρ
stops at 1e-6 and Newton steps on the score (the derivative of the concentrated likelihood, with the
derivatives of ``ln|I − ρW|``) finish it, so ρ is the root of the score to rounding whichever
log-determinant method is used, rather than wherever a search on values alone stops (about 1e-8).

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
correction, no SDM/SDEM/SAC panel models and forms a dense N × N inverse, which makes it several times
slower at N in the thousands (``benchmarks/bench_spatial_panel.py``; measured ratios in
``benchmarks/results/benchmarks.md``).

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
from contextlib import AbstractContextManager, nullcontext
from typing import Any, ClassVar, NamedTuple

import numpy as np
import pandas as pd
from scipy import optimize

from .._panel_ols import check_rank, demean
from .._params import Boolean, Interval, Model, Options, Seed
from .._progress import Counter, counter, report
from ._data import PanelData, describe_rows, lag, prepare, stack, unstack
from ._logdet import (
    LogDet,
    SeedLike,
    is_row_standardised,
    multiple_of_identity_after_demeaning,
    row_sums,
)
from .impacts import exact_impacts, simulated_impacts
from .results import SpatialPanelResult

__all__ = ["EFFECTS", "LOGDETS", "MODELS", "RANDOM_EFFECTS_MODELS", "EstimationTimeout", "SpatialPanel"]

MODELS = ("ols", "slx", "sar", "sdm", "sem", "sdem", "sac")
EFFECTS = ("individual", "time", "twoway", "none", "random")
#: the models with a random-effects estimator
RANDOM_EFFECTS_MODELS = ("ols", "slx", "sar", "sdm")
LOGDETS = ("auto", "eigen", "lu", "interpolated", "chebyshev")
_LAG_Y = {"sar", "sdm", "sac"}
_LAG_E = {"sem", "sdem", "sac"}
_LAG_X = {"slx", "sdm", "sdem"}


# ---------------------------------------------------------------------------- model
class SpatialPanel(Model):
    """Spatial panel model with fixed or random effects, estimated by maximum likelihood.

    Settings go to the constructor, data to :meth:`fit`: ``SpatialPanel(model, effects).fit(y, X, w)``.

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
    logdet : {"auto", "eigen", "lu", "interpolated", "chebyshev"}
        How ``ln|I − ρW|`` is evaluated: eigenvalues (exact, N ≤ 1,000 under ``auto``), sparse LU at
        every evaluation (exact, larger N under ``auto``), sparse LU at Chebyshev nodes of pieces of
        (−1, 1) interpolated in between (relative error below 1e-12, stated in the notes; needs a
        row-standardised W; the cheapest for several fits on one large W, whose pieces are kept), or
        Chebyshev with stochastic traces (approximate, very large N). Whatever depends only on W
        (eigenvalues, LU values, pieces) is kept between fits in a small cache keyed by W's
        contents (``spatial_panel._logdet``), so refits on the same W are cheaper and give the same
        numbers.
    draws : int
        Simulations of the parameter distribution for the impacts' standard errors: 0 (no impacts)
        or at least 50.
    seed : None, int >= 0 or numpy.random.SeedSequence
        Seed of those simulations and of stochastic traces (default 0). ``None`` draws fresh
        entropy, reported in the notes so that the fit can be repeated.
    maxiter : int
        Iteration limit (at least 10) of every likelihood search (bounded scalar searches over ρ,
        λ and φ; L-BFGS-B for the SAC). A search that stops at the limit is reported in ``notes``
        and warned.
    timeout : float or None
        Seconds a fit may take (default 600); past it the fit stops with :class:`EstimationTimeout`,
        which says which stage was running. ``None`` removes the limit.

    Examples
    --------
    Growth of state income per head on its initial level, with spatial lags of growth and of the
    level, region and year effects:

    >>> import numpy as np
    >>> import spatialcoupling as sc
    >>> w = sc.spatial_weights(sc.datasets.load("us_states"), kind="queen")
    >>> income = np.log(sc.datasets.load("us_income"))
    >>> income = income[income.index.get_level_values("period") >= 2000]
    >>> growth = (income.groupby(level="region").shift(-1) - income).dropna()
    >>> X = income.loc[growth.index].rename("ln_y").to_frame()
    >>> res = SpatialPanel("sdm", effects="twoway", draws=200, seed=1).fit(growth, X, w)
    >>> list(res.params.index)
    ['ln_y', 'W_ln_y', 'rho']
    >>> bool(res.params["ln_y"] < 0)
    True
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "model": [Options(*MODELS)],
        "effects": [Options(*EFFECTS)],
        "lee_yu": [Boolean()],
        "logdet": [Options(*LOGDETS)],
        "draws": [Options(0), Interval(int, 50, None)],
        "seed": [Seed()],
        "maxiter": [Interval(int, 10, None)],
        "timeout": [None, Interval(float, 0, None, closed="neither")],
    }

    def __init__(
        self,
        model: str = "sar",
        effects: str = "individual",
        lee_yu: bool = True,
        logdet: str = "auto",
        draws: int = 1000,
        seed: int | np.random.SeedSequence | None = 0,
        maxiter: int = 500,
        timeout: float | None = 600.0,
    ) -> None:
        self.model, self.effects, self.lee_yu, self.logdet = model, effects, lee_yu, logdet
        self.draws, self.seed, self.maxiter, self.timeout = draws, seed, maxiter, timeout
        self._validate_params()

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.effects == "random" and self.model not in RANDOM_EFFECTS_MODELS:
            raise ValueError(
                f"SpatialPanel: random effects are implemented for {', '.join(RANDOM_EFFECTS_MODELS)}; "
                f"got model={self.model!r}"
            )

    def fit(self, y: pd.Series, X: pd.DataFrame, w: Any) -> SpatialPanelResult:
        """Estimate the model.

        Parameters
        ----------
        y : Series indexed by (region, period)
        X : DataFrame on the same index (no constant; one is added with ``effects="none"``)
        w : libpysal W or Graph, or SpatialWeights
            Weights whose ids are the regions of y (matched as text, so ``110000`` and ``"110000"``
            are one region); row-standardised for the usual reading.

        Returns
        -------
        SpatialPanelResult
        """
        self._validate_params()
        label = f"{self.model.upper()}, {self.effects} effects"
        report("spatial panel fit", label=label)
        clock = _Clock(self.timeout, label)
        data = prepare(y, X, w)
        return _Estimation(self, data, clock).run()


class EstimationTimeout(TimeoutError):
    """A spatial panel fit that ran past ``SpatialPanel(timeout=...)``."""


class _Clock:
    """The deadline of one fit; ``evaluation`` is called at every likelihood evaluation (it checks the
    deadline and counts the evaluations of each search for the progress listener, if any)."""

    def __init__(self, timeout: float | None, label: str = "") -> None:
        self.timeout = timeout
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.label = label
        self._counters: dict[str, Counter] = {}

    def evaluation(self, stage: str) -> None:
        tick = self._counters.get(stage)
        if tick is None:
            task = stage if "likelihood" in stage else f"likelihood {stage}"
            tick = self._counters[stage] = counter(task, None)  # the search stops when it converges: no total
        tick(self.label)
        self.check(stage)

    def check(self, stage: str) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise EstimationTimeout(
                f"the fit did not finish within {self.timeout:g} s (stopped in the {stage}); the likelihood may be "
                "flat (a spatial parameter poorly identified) or the panel very large: check W and the effects, "
                "or raise SpatialPanel(timeout=...)"
            )


class _Estimation:
    """One fit: the transformed arrays, the likelihood and the pieces of the result."""

    def __init__(self, spec: SpatialPanel, data: PanelData, clock: _Clock | None = None) -> None:
        self.spec, self.d = spec, data
        self.clock = clock or _Clock(spec.timeout)
        self.notes: list[str] = []
        self.seed = _resolved_seed(spec.seed, self.notes)
        self.random = spec.effects == "random"
        self.effects = "none" if self.random else spec.effects  # random effects: raw data plus a constant
        n, t = data.n, data.t
        self.row_std = is_row_standardised(data.W)
        spatial = spec.model not in ("ols", "slx")
        self.time_adj = spec.lee_yu and self.effects in ("time", "twoway")
        if self.time_adj and not self.row_std and spatial:
            rows = describe_rows(data.regions, row_sums(data.W))
            fix = (
                "give those regions a neighbour (e.g. spatial_weights(..., islands='nearest')) or pass lee_yu=False"
                if "no neighbour" in rows
                else "set w.transform = 'r' or pass lee_yu=False"
            )
            raise ValueError(
                f"the Lee-Yu correction with time effects needs a row-standardised W (every row summing "
                f"to 1), but {rows}; {fix}"
            )
        self.lee_yu_applied = spec.lee_yu and self.effects in ("individual", "time", "twoway")
        self.t_eff = t - 1 if spec.lee_yu and self.effects in ("individual", "twoway") else t
        self.n_eff = n - 1 if spec.lee_yu and self.effects in ("time", "twoway") else n
        self.nt = self.n_eff * self.t_eff
        self._check_y_varies()
        if spatial and self.effects in ("time", "twoway") and data.W.nnz:
            c = multiple_of_identity_after_demeaning(data.W)
            if c is not None:
                par = {
                    "sar": "rho is",
                    "sdm": "rho is",
                    "sem": "lambda is",
                    "sdem": "lambda is",
                    "sac": "rho and lambda are",
                }[spec.model]
                raise ValueError(
                    f"{par} not identified with {self.effects} effects: after removing the time effects, W maps every "
                    f"cross-section to {c:.4g} times itself (as when each of the {n} regions is a neighbour of every "
                    "other), so the spatial lag is collinear with the data and the likelihood is flat; use "
                    "effects='individual', other weights, more regions, or a non-spatial model"
                )
        # regressors (raw), with a constant for pooled models and W-lags for Durbin models
        Xr, names = data.X, list(data.names)
        if spec.model in _LAG_X:
            Xr = np.concatenate([Xr, lag(data.W, Xr)], axis=2)
            names += [f"W_{c}" for c in data.names]
        if self.effects == "none":
            Xr = np.concatenate([np.ones((n, t, 1)), Xr], axis=2)
            names = ["const", *names]
        self.Xraw, self.names = Xr, names
        self.Z = stack(demean(Xr, self.effects))
        try:
            check_rank(self.Z, names, self.effects)
        except ValueError as exc:
            if spec.model in _LAG_X and "'W_" in str(exc):
                raise ValueError(
                    f"{exc}. A lagged regressor W_x adds nothing to x and the effects here (e.g. time "
                    "effects in a group whose regions all neighbour each other): use a model without "
                    "lagged regressors (sar, sem, ols), individual effects, or other weights"
                ) from None
            raise
        self.yt = stack(demean(data.y, self.effects))
        self._logdet: LogDet | None = None
        if spec.model not in ("ols", "slx"):
            if data.W.nnz == 0:
                raise ValueError(
                    "W has no neighbour links among these regions: the spatial parameter is not "
                    "identified; use model='ols' or other weights"
                )
            self._logdet = LogDet(data.W, spec.logdet, seed=self.seed)
            self.Wy = stack(demean(lag(data.W, data.y), self.effects))

    def _check_y_varies(self) -> None:
        """Refuse a y with nothing left to explain once the effects are removed."""
        y = self.d.y
        scale = max(1.0, float(np.abs(y).max()))
        if self.effects in ("individual", "time", "twoway"):
            left = demean(y, self.effects)
            where = {"individual": "within regions", "time": "within periods", "twoway": "within regions and periods"}[
                self.effects
            ]
        elif self.random:
            left = y - y.mean(axis=1, keepdims=True)
            where = "within regions (the random effects absorb it)"
        else:
            left = y - y.mean()
            where = "at all"
        if float(np.abs(left).max()) <= 1e-12 * scale:
            raise ValueError(
                f"y has no variation left after removing the {self.spec.effects} effects (it does not "
                f"vary {where}); there is nothing for the model to explain: check the data or choose "
                "other effects"
            )

    # -- helpers ------------------------------------------------------------
    @property
    def ld(self) -> LogDet:
        """The log-determinant of W (models with a spatial parameter only)."""
        if self._logdet is None:  # pragma: no cover - guarded by the callers
            raise RuntimeError(f"a {self.spec.model.upper()} model has no spatial parameter")
        return self._logdet

    def logdet(self, r: float) -> float:
        value = self.ld(r)
        return value - np.log(1 - r) if self.time_adj else value

    def logdet_derivatives(self, r: float) -> tuple[float, float]:
        """First and second derivatives in ρ of :meth:`logdet`."""
        d1, d2 = self.ld.derivatives(r)
        if self.time_adj:
            d1, d2 = d1 + 1 / (1 - r), d2 + 1 / (1 - r) ** 2
        return d1, d2

    def lagT(self, v: np.ndarray) -> np.ndarray:
        """W applied period by period to a stacked vector or matrix, then demeaned (Q W v)."""
        n, t = self.d.n, self.d.t
        if v.ndim == 1:
            return stack(demean(self.d.W @ unstack(v, n, t), self.effects))
        a = v.reshape(t, n, -1).transpose(1, 0, 2)
        return stack(demean(lag(self.d.W, a), self.effects))

    def bounds(self) -> tuple[float, float]:
        lo, hi = self.ld.bounds()
        pad = 1e-7 * (hi - lo)
        return lo + pad, hi - pad

    # -- estimation -----------------------------------------------------------
    def run(self) -> SpatialPanelResult:
        hold: AbstractContextManager[None] = (
            self._logdet.algebra.holding() if self._logdet is not None else nullcontext()
        )
        with hold:  # one factorisation at the estimate serves the log-likelihood, traces and solves
            return self._run()

    def _run(self) -> SpatialPanelResult:
        model = self.spec.model
        if self.random:
            est = self._random()
        elif model in ("ols", "slx"):
            est = self._ols()
        elif model in ("sar", "sdm"):
            est = self._lag_model()
        elif model in ("sem", "sdem"):
            est = self._error()
        else:
            est = self._sac()
        for name in ("rho", "lambda"):
            if name in est["spatial"]:
                self._boundary(name, est["spatial"][name])
        return self._result(est)

    def _search(self, f: Any, bounds: tuple[float, float], what: str, xatol: float = 1e-10) -> float:
        """Bounded scalar minimisation of ``f`` with the iteration and time limits of the spec."""
        clock = self.clock

        def g(v: float) -> float:
            clock.evaluation(what)
            return f(v)

        res = optimize.minimize_scalar(
            g, bounds=bounds, method="bounded", options={"xatol": xatol, "maxiter": self.spec.maxiter}
        )
        if not res.success:
            self._unconverged(what, self.spec.maxiter)
        return float(res.x)

    def _unconverged(self, what: str, iterations: int) -> None:
        msg = (
            f"the {what} stopped at its iteration limit ({iterations}) before converging; the estimates may be "
            "inaccurate (a flat likelihood?); raise SpatialPanel(maxiter=...) or check the model"
        )
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
        return {
            "beta": b,
            "spatial": {},
            "sigma2": s2,
            "vcov": vcov,
            "resid": e,
            "loglik": self._loglik(s2, 0.0),
            "raw_resid": self._raw_resid(b, 0.0),
            "design": {"xtx_inv": ztz_inv, "lag_coef": None},
        }

    def _loglik(self, s2: float, ld: float) -> float:
        return float(-self.nt / 2 * (np.log(2 * np.pi * s2) + 1) + self.t_eff * ld)

    def _raw_resid(self, b: np.ndarray, rho: float) -> np.ndarray:
        """y − ρWy − Xβ on the raw (not demeaned) data, (N, T): the fixed effects plus the error."""
        r = self.d.y - np.einsum("ntk,k->nt", self.Xraw, b)
        if rho:
            r = r - rho * (self.d.W @ self.d.y)
        return r

    def _lag_model(self) -> dict[str, Any]:
        fit = _lag_search(
            self.yt,
            self.Wy,
            self.Z,
            self.nt,
            self.t_eff,
            self.logdet,
            self.bounds(),
            self._search,
            derivatives=self.logdet_derivatives,
        )
        rho, b, u = fit.rho, fit.beta, fit.resid
        s2 = float(u @ u / self.nt)
        vcov = self._lag_vcov(b, rho, s2)
        return {
            "beta": b,
            "spatial": {"rho": rho},
            "sigma2": s2,
            "vcov": vcov,
            "resid": u,
            "loglik": self._loglik(s2, self.logdet(rho)),
            "raw_resid": self._raw_resid(b, rho),
            "design": {"xtx_inv": fit.xtx_inv, "lag_coef": fit.lag_coef},
        }

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
        V = unstack(v, n, t)
        if self.ld.dense:
            A = np.eye(n) - r * self.d.W.toarray()
            GV = self.d.W @ np.linalg.solve(A, V)
        else:
            GV = self.d.W @ self.ld.algebra.solve(r, V)
        return stack(demean(GV, self.effects))

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
        info = np.array(
            [[te * (tr["trG2"] + tr["trGtG"]), te * tr["trG"] / s2], [te * tr["trG"] / s2, nt / (2 * s2 * s2)]]
        )
        vcov[k, k] = _invert_information(info, "lambda")[0, 0]
        return {
            "beta": b,
            "spatial": {"lambda": lam},
            "sigma2": s2,
            "vcov": vcov,
            "resid": e,
            "loglik": self._loglik(s2, self.logdet(lam)),
            "raw_resid": self._raw_resid(b, 0.0),
        }

    def _sac(self) -> dict[str, Any]:
        Z, y, Wy, nt = self.Z, self.yt, self.Wy, self.nt
        WZ, WWy = self.lagT(Z), self.lagT(Wy)
        clock = self.clock

        def parts(r: float, lam: float) -> tuple[np.ndarray, np.ndarray]:
            ys = y - r * Wy - lam * (Wy - r * WWy)
            return ys, Z - lam * WZ

        def negll(p: np.ndarray) -> float:
            clock.evaluation("SAC likelihood search")
            ys, Zs = parts(*p)
            b, *_ = np.linalg.lstsq(Zs, ys, rcond=None)
            e = ys - Zs @ b
            ld = self.logdet(p[0]) + self.logdet(p[1])
            return nt / 2 * np.log(max(float(e @ e), 1e-300) / nt) - self.t_eff * ld

        lo, hi = self.bounds()
        rho0 = _lag_search(y, Wy, Z, nt, self.t_eff, self.logdet, (lo, hi), self._search).rho
        starts = [(0.0, 0.0), (rho0, 0.0), (0.0, self._error_search()[0])]
        maxiter = self.spec.maxiter
        fits = [
            optimize.minimize(
                negll,
                np.array(s),
                method="L-BFGS-B",
                bounds=[(lo, hi), (lo, hi)],
                options={"ftol": 1e-14, "gtol": 1e-9, "maxiter": maxiter, "maxfun": 20 * maxiter},
            )
            for s in starts
        ]
        best = min(fits, key=lambda f: f.fun)
        # status 1: iteration or evaluation limit; status 2 (line search cannot improve) is L-BFGS-B's
        # precision floor at an optimum unless the gradient is still large
        grad = np.where(
            ((best.x <= lo + 1e-9) & (best.jac > 0)) | ((best.x >= hi - 1e-9) & (best.jac < 0)), 0.0, best.jac
        )  # projected gradient: zero where a bound holds the search
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
            return float(
                -nt / 2 * np.log(2 * np.pi * p[-1])
                - e_ @ e_ / (2 * p[-1])
                + self.t_eff * (self.logdet(p[-3]) + self.logdet(p[-2]))
            )

        with np.errstate(invalid="ignore", divide="ignore"):
            H = _numerical_hessian(loglik, theta)
        if not np.all(np.isfinite(H)):
            raise ValueError(
                f"the SAC likelihood is maximised at the edge of the admissible interval "
                f"({lo:.4g}, {hi:.4g}) (rho = {rho:.4g}, lambda = {lam:.4g}): there is no interior "
                "maximum and no standard errors; "
                "the SAC is not identified on these data: use the SAR or the SEM"
            )
        vcov = _invert_information(-H, "rho and lambda")[:-1, :-1]
        self.notes.append("SAC standard errors from the numerically differentiated observed information")
        return {
            "beta": b,
            "spatial": {"rho": rho, "lambda": lam},
            "sigma2": s2,
            "vcov": vcov,
            "resid": e,
            "loglik": self._loglik(s2, self.logdet(rho) + self.logdet(lam)),
            "raw_resid": self._raw_resid(b, rho),
        }

    def _random(self) -> dict[str, Any]:
        """Random effects by ML (Elhorst 2014, §3.4): y − (1 − φ)ȳ_i on X likewise (with a constant),
        ``φ² = σ²/(Tσ²_μ + σ²)``; the likelihood ``−NT/2 ln σ² + T ln|I − ρW| + N/2 ln φ²`` is
        maximised over φ (outer) and ρ (inner, β and σ² concentrated out)."""
        d, nt, n, t = self.d, self.nt, self.d.n, self.d.t
        lagged = self.spec.model in _LAG_Y
        WY = d.W @ d.y if lagged else np.zeros_like(d.y)
        clock = self.clock

        def partial(a: np.ndarray, phi: float) -> np.ndarray:
            return stack(a - (1 - phi) * a.mean(axis=1, keepdims=True))

        def inner(phi: float) -> tuple[float, _LagFit]:
            ys, Zs = partial(d.y, phi), partial(self.Xraw, phi)
            if not lagged:
                clock.evaluation("search over phi")
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
            return float(
                -nt / 2 * np.log(2 * np.pi * sig2)
                - u @ u / (2 * sig2)
                + (t * self.ld(r) if lagged else 0.0)
                + n / 2 * np.log(ph * ph)
            )

        theta = np.r_[b, [rho] if lagged else [], phi, s2]
        with np.errstate(invalid="ignore", divide="ignore"):
            H = _numerical_hessian(loglik, theta)
        if not np.all(np.isfinite(H)):
            raise ValueError(
                f"the random-effects likelihood is maximised at the edge of the admissible values (phi = "
                f"{phi:.4g}" + (f", rho = {rho:.4g}" if lagged else "") + "): there is no interior maximum "
                "and no standard errors; use fixed effects"
            )
        vcov = _invert_information(-H, "rho and phi" if lagged else "phi")[:-1, :-1]
        sigma_mu2 = s2 * (1 / phi**2 - 1) / t
        self.notes.append(
            f"random effects: phi = {phi:.4g} (weight of the between variation), sigma_mu^2 = "
            f"{sigma_mu2:.4g}; standard errors from the numerically differentiated observed "
            "information; the Lee-Yu correction does not apply"
        )
        spatial = {"rho": rho, "phi": phi} if lagged else {"phi": phi}
        ld = self.ld(rho) if lagged else 0.0
        return {
            "beta": b,
            "spatial": spatial,
            "sigma2": s2,
            "vcov": vcov,
            "resid": e,
            "loglik": float(-nt / 2 * (np.log(2 * np.pi * s2) + 1) + t * ld + n / 2 * np.log(phi * phi)),
            "raw_resid": None,
            "design": {"xtx_inv": fit.xtx_inv, "lag_coef": fit.lag_coef},
        }

    def _boundary(self, name: str, value: float) -> None:
        lo, hi = self.ld.bounds()
        if min(value - lo, hi - value) < 1e-4 * (hi - lo):
            msg = (
                f"{name} = {value:.6g} is at the boundary of its admissible interval ({lo:.4g}, {hi:.4g}): "
                "the likelihood has no interior maximum; check W, the effects and the model"
            )
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
            parts += [
                pd.Series([grand], index=pd.Index(["const"])),
                pd.Series(raw.mean(axis=1) - grand, index=pd.Index(d.regions)),
                pd.Series(raw.mean(axis=0) - grand, index=pd.Index(d.periods)),
            ]
            keys = ["const", "region", "period"]
        out = pd.concat(parts, keys=keys)
        out.index = out.index.set_names(["effect", "id"])
        return out.rename("fixed_effect")

    def _result(self, est: dict[str, Any]) -> SpatialPanelResult:
        if self._logdet is not None and self._logdet.method == "interpolated":
            self.notes.append(f"log-determinant {self._logdet.how}")
        names = [*self.names, *est["spatial"].keys()]
        values = np.r_[est["beta"], list(est["spatial"].values())]
        cov = pd.DataFrame(est["vcov"], index=names, columns=names)
        impacts = None
        if self.spec.draws and self.spec.model in ("sar", "sdm", "sac", "slx", "sdem"):
            impacts = self.impacts(pd.Series(values, index=names), cov)
        d = self.d
        resid = pd.Series(unstack(est["resid"], d.n, d.t).ravel(), index=d.index, name="resid")
        design = est.get("design")
        if design is not None:
            design = {"names": list(self.names), **design}
        return SpatialPanelResult(
            model=self.spec.model,
            effects=self.spec.effects,
            lee_yu=self.spec.lee_yu,
            settings=self.spec.get_params(),
            params=pd.Series(values, index=names),
            cov=cov,
            sigma2=est["sigma2"],
            loglik=est["loglik"],
            resid=resid,
            fixed_effects=self._fixed_effects(est["raw_resid"]),
            impacts=impacts,
            n_regions=d.n,
            n_periods=d.t,
            logdet_method=self._logdet.method if self._logdet else None,
            notes=self.notes,
            lee_yu_applied=self.lee_yu_applied,
            design=design,
        )

    def impacts(self, params: pd.Series, cov: pd.DataFrame) -> pd.DataFrame:
        """Direct, indirect and total effects per regressor at ``params`` with covariance ``cov``
        (simulated inference for the SAR, SDM and SAC, exact for the SLX and SDEM)."""
        if self.spec.model in ("slx", "sdem"):
            table, notes = exact_impacts(list(self.d.names), params, cov)
        else:
            table, notes = simulated_impacts(
                variables=list(self.d.names),
                lagged_x=self.spec.model == "sdm",
                params=params,
                cov=cov,
                draws=int(self.spec.draws),
                seed=self.seed,
                logdet=self.ld,
                row_standardised=self.row_std,
                check=self.clock.check,
            )
        self.notes += notes
        return table


def _resolved_seed(seed: SeedLike | None, notes: list[str]) -> SeedLike:
    """The seed of a fit: the one given, or fresh entropy (noted, so that the fit can be repeated)."""
    if seed is not None:
        return seed
    fresh = np.random.SeedSequence()
    notes.append(
        f"seed=None: random draws from fresh entropy {fresh.entropy}; pass seed={fresh.entropy} to repeat them"
    )
    return fresh


def _check_fit(e: np.ndarray, y: np.ndarray) -> None:
    """Refuse an exact fit: zero residuals make σ² zero and the likelihood unbounded."""
    if float(np.abs(e).max(initial=0.0)) <= 1e-12 * max(1.0, float(np.abs(y).max(initial=0.0))):
        raise ValueError(
            "y is an exact linear combination of the regressors (and spatial lag): the residuals are "
            "zero, "
            "so sigma^2 and the likelihood are not defined; check that y is not built from X"
        )


def _invert_information(info: np.ndarray, spatial: str) -> np.ndarray:
    """Inverse of an information matrix, refusing a singular one with a message."""
    try:
        inv = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        inv = None
    if inv is None or not np.all(np.isfinite(inv)):
        raise ValueError(
            f"the information matrix is singular: {spatial} and the coefficients are not jointly "
            "identified on these data (a flat likelihood); use fewer regressors, other weights or effects"
        )
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


def _lag_search(
    y: np.ndarray,
    Wy: np.ndarray,
    Z: np.ndarray,
    nt: int,
    t_mult: int,
    logdet: Any,
    bounds: tuple[float, float],
    search: Any = None,
    derivatives: Any = None,
) -> _LagFit:
    """Maximise the likelihood of ``y = ρWy + Zβ + ε`` concentrated in β and σ² over ρ in ``bounds``:
    ``nt/2 ln(e(ρ)'e(ρ)/nt) − t_mult·logdet(ρ)`` with ``e(ρ) = e0 − ρe1`` from two OLS fits (``nt``
    the effective number of observations, smaller than ``len(y)`` under the Lee–Yu correction).
    ``search(f, bounds, what, xatol=...)`` minimises over ρ (by default a bounded Brent search); with
    ``derivatives(ρ)`` (first and second derivatives of ``logdet``) the search stops at
    ``xatol = _POLISHED_XATOL`` and its result is polished by Newton steps on the derivative of the
    likelihood (:func:`_newton_polish`); where the polish does not apply, the search is run again to
    ``xatol = 1e-10``."""
    xtx_inv = np.linalg.inv(Z.T @ Z)
    b0 = xtx_inv @ (Z.T @ y)
    b1 = xtx_inv @ (Z.T @ Wy)
    e0, e1 = y - Z @ b0, Wy - Z @ b1
    a, c, d = e0 @ e0, e0 @ e1, e1 @ e1

    def negll(r: float) -> float:
        return nt / 2 * np.log(max(a - 2 * r * c + r * r * d, 1e-300) / nt) - t_mult * logdet(r)

    if search is None:

        def search(f: Any, bounds: tuple[float, float], what: str, xatol: float = 1e-10) -> float:
            return float(optimize.minimize_scalar(f, bounds=bounds, method="bounded", options={"xatol": xatol}).x)

    polished = None
    if derivatives is not None:
        rho = search(negll, bounds, "search over rho", xatol=_POLISHED_XATOL)
        polished = _newton_polish(rho, (a, c, d), nt, t_mult, derivatives, bounds)
    rho = polished if polished is not None else search(negll, bounds, "search over rho", xatol=1e-10)
    return _LagFit(float(negll(rho)), rho, b0 - rho * b1, e0 - rho * e1, xtx_inv, b1)


#: tolerance of the bounded search over ρ that a Newton polish finishes (:func:`_newton_polish`)
_POLISHED_XATOL = 1e-6


def _newton_polish(
    rho: float,
    sums: tuple[float, float, float],
    nt: int,
    t_mult: int,
    derivatives: Any,
    bounds: tuple[float, float],
) -> float | None:
    """Newton steps on the derivative of the concentrated lag likelihood from the search's ρ.

    A search on values alone cannot place the minimum closer than about ``√ε`` relative (the
    likelihood is flat to rounding there: the bounded Brent search stops within ``1.5e-8·|ρ|`` at
    best), so two exact ways of computing ``ln|I − ρW|`` can stop ``1e-8`` apart. The derivative
    ``F'(ρ) = nt/2·S'/S − t·L'(ρ)``, with ``S(ρ) = a − 2ρc + ρ²d`` the sum of squared residuals and
    ``L'`` from ``derivatives``, is not flat at the optimum, so Newton's method on it reaches the root
    to the accuracy of ``L'`` (about ``1e-12`` from the eigenvalues, the interpolating series or a
    five-point stencil of exact LU values). None (no polish) when the likelihood is not convex
    there, when ρ is within ``1e-4`` of the interval's length of a bound, or when the steps would
    leave a neighbourhood of ``1e-3`` of that length (a search that found a point which is not a
    stationary point)."""
    lo, hi = bounds
    span = hi - lo
    if min(rho - lo, hi - rho) < 1e-4 * span:
        return None
    a, c, d = sums
    r = rho
    for _ in range(20):
        S = a - 2 * r * c + r * r * d
        S1 = 2 * (r * d - c)
        L1, L2 = derivatives(r)
        grad = nt / 2 * S1 / S - t_mult * L1
        curv = nt / 2 * (2 * d / S - (S1 / S) ** 2) - t_mult * L2
        if not (np.isfinite(grad) and np.isfinite(curv) and curv > 0):
            return None
        step = -grad / curv
        if abs(r + step - rho) > 1e-3 * span or not lo < r + step < hi:
            return None
        r += step
        if abs(step) <= 1e-14 * max(1.0, abs(r)):
            break
    return float(r)


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
