"""The large-N algebra of the spatial panel: the ρ search finished on the score, the LU stencil's
derivatives, the Neumann series for blocks of probes, the impacts' power series and SuperLU's ordering,
each against dense numpy on small lattices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from spatialcoupling.spatial_panel import SpatialPanel, _logdet


def _lattice(side: int = 12, rook: bool = False, transform: str = "r") -> tuple[object, sp.csr_matrix]:
    import libpysal

    w = libpysal.weights.lat2W(side, side, rook=rook)
    w.transform = transform
    return w, sp.csr_matrix(w.sparse, dtype=float)


def _sar_panel(w: object, W: sp.csr_matrix, t: int = 5, rho: float = 0.45, seed: int = 11):
    n = W.shape[0]
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, t))
    Y = np.linalg.solve(np.eye(n) - rho * W.toarray(), 1.2 * x + rng.normal(size=(n, 1)) + rng.normal(size=(n, t)))
    idx = pd.MultiIndex.from_product([list(w.id_order), range(t)], names=["region", "period"])
    return pd.Series(Y.ravel(), index=idx), pd.DataFrame({"x": x.ravel()}, index=idx), Y, x


@pytest.mark.parametrize("logdet", ["eigen", "lu"])
def test_lag_estimate_is_the_root_of_the_exact_score(logdet):
    """SAR with region effects (no Lee-Yu transformation): at the reported ρ the derivative of the
    concentrated log-likelihood, computed here with a dense inverse, is below 1e-12 of its curvature
    (the Newton step that remains; a search on values alone stops 1e-11 to 1e-8 away)."""
    w, W = _lattice(12)
    y, X, Y, x = _sar_panel(w, W)
    n, t = Y.shape
    fit = SpatialPanel("sar", "individual", lee_yu=False, logdet=logdet, draws=0).fit(y, X, w)
    rho = float(fit.params["rho"])
    Wd = W.toarray()

    def within(a: np.ndarray) -> np.ndarray:
        return (a - a.mean(axis=1, keepdims=True)).T.ravel()  # periods stacked, regions within

    yv, wy, xv = within(Y), within(Wd @ Y), within(x)[:, None]
    M = np.eye(n * t) - xv @ np.linalg.solve(xv.T @ xv, xv.T)
    e, mwy = M @ (yv - rho * wy), M @ wy
    S = e @ e
    G = Wd @ np.linalg.inv(np.eye(n) - rho * Wd)
    nt = n * t
    score = -nt * (e @ mwy) / S + t * np.trace(G)
    curvature = nt * (mwy @ mwy) / S - 2 * nt * (e @ mwy) ** 2 / S**2 + t * np.sum(G * G.T)
    assert curvature > 0
    assert abs(score / curvature) < 1e-12


def test_lu_and_eigenvalue_fits_agree_to_rounding():
    w, W = _lattice(14)
    y, X, *_ = _sar_panel(w, W, t=6, rho=0.6)
    eig = SpatialPanel("sdm", "twoway", logdet="eigen", draws=0).fit(y, X, w)
    lu = SpatialPanel("sdm", "twoway", logdet="lu", draws=0).fit(y, X, w)
    np.testing.assert_allclose(lu.params, eig.params, rtol=0, atol=1e-10)


def test_stencil_derivatives_match_the_eigenvalue_sums_near_its_centre():
    _, W = _lattice(10)
    lam = np.linalg.eigvals(W.toarray()).real
    _logdet.clear_cache()
    algebra = _logdet.algebra_of(W)
    centre = 0.37
    for r in (centre, centre + 0.4 * _logdet.STENCIL_STEP, centre - _logdet.STENCIL_STEP):
        d1, d2 = algebra.exact_derivatives(r)
        assert d1 == pytest.approx(-np.sum(lam / (1 - r * lam)), rel=1e-9)
        assert d2 == pytest.approx(-np.sum(lam**2 / (1 - r * lam) ** 2), rel=1e-6)
    assert algebra._stencil is not None
    assert algebra._stencil[0] == centre  # one stencil served all three


def test_block_solve_by_series_or_lu_matches_a_dense_solve():
    _, W = _lattice(15)
    n = W.shape[0]
    _logdet.clear_cache()
    algebra = _logdet.algebra_of(W)
    b = np.random.default_rng(0).choice([-1.0, 1.0], size=(n, 16))
    for rho in (0.004, -0.03, 0.5, 0.97):
        dense = np.linalg.solve(np.eye(n) - rho * W.toarray(), b)
        np.testing.assert_allclose(algebra.inverse_times(rho, b), dense, rtol=0, atol=1e-12 * np.abs(dense).max())
    terms = algebra.series_terms(0.004)
    assert terms is not None
    assert terms <= 8
    assert algebra.series_terms(0.97) is None  # slower than the LU solve: the factors are used


def test_small_rho_impacts_use_a_short_series_with_the_same_leading_traces(monkeypatch):
    """Small |ρ|: a few terms reach 1e-12; the traces are a prefix of the long series' (same probes),
    and the mean diagonals agree with the dense values."""
    _, W = _lattice(24, rook=False)
    Wd = W.toarray()
    n = W.shape[0]
    monkeypatch.setattr(_logdet, "IMPACT_EIGEN_MAX_N", 10)
    _logdet.clear_cache()
    ld = _logdet.LogDet(W, "lu", seed=3)
    rhos = np.array([-0.04, 0.0, 0.02, 0.05])
    direct, lagged, how = ld.impact_traces(rhos)
    terms = int(how.split("power series of ")[1].split()[0])
    assert terms <= 12
    assert float(how.split("truncation error below ")[1].split()[0]) <= _logdet.IMPACT_SERIES_TOL
    exact_direct = [np.trace(np.linalg.inv(np.eye(n) - r * Wd)) / n for r in rhos]
    exact_lagged = [np.trace(np.linalg.solve(np.eye(n) - r * Wd, Wd)) / n for r in rhos]
    np.testing.assert_allclose(direct, exact_direct, rtol=1e-4)
    np.testing.assert_allclose(lagged, exact_lagged, atol=1e-4)
    long_direct, _, _ = ld.impact_traces(rhos, terms=120)
    _logdet.clear_cache()
    short_again, _, _ = _logdet.LogDet(W, "lu", seed=3).impact_traces(rhos)  # no longer series kept
    np.testing.assert_array_equal(short_again, direct)
    np.testing.assert_allclose(long_direct, direct, rtol=0, atol=1e-12)


def test_lu_log_determinant_with_and_without_pivoting_matches_dense():
    """Row-standardised contiguity (no pivoting needed), binary contiguity with ρ past diagonal
    dominance (pivoting), and k-nearest neighbours (not structurally symmetric: the default ordering)."""
    import libpysal

    _, R = _lattice(9)
    _, B = _lattice(9, transform="o")
    pts = np.random.default_rng(1).random((60, 2))
    K = libpysal.weights.KNN.from_array(pts, k=4)
    K.transform = "r"
    Kn = sp.csr_matrix(K.sparse, dtype=float)
    _logdet.clear_cache()
    cases = [(R, 0.8, "no pivoting"), (B, 0.2, "pivoting"), (Kn, 0.6, "default")]
    for M, rho, kind in cases:
        algebra = _logdet.algebra_of(M)
        options = algebra._lu_options(rho)
        assert (options.get("diag_pivot_thresh") == 0.0) == (kind == "no pivoting")
        assert (options == {}) == (kind == "default")
        dense = np.linalg.slogdet(np.eye(M.shape[0]) - rho * M.toarray())[1]
        assert algebra.exact(rho) == pytest.approx(dense, rel=1e-12, abs=1e-12)


def test_a_fit_factorises_as_often_whether_or_not_large_factors_are_kept_between_fits(monkeypatch):
    """Factors larger than ``_KEEP_LU_NNZ`` are held during a fit (the likelihood, traces and solves at
    the estimate share one factorisation) and dropped after it."""
    import scipy.sparse.linalg as sla

    w, W = _lattice(12)
    y, X, *_ = _sar_panel(w, W)
    monkeypatch.setattr(_logdet, "DENSE_MAX_N", 50)  # the sparse path: LU solves at the estimate
    calls = []
    real = sla.splu

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(_logdet.sla, "splu", counted)
    counts = []
    for keep in (_logdet._KEEP_LU_NNZ, 0):
        monkeypatch.setattr(_logdet, "_KEEP_LU_NNZ", keep)
        _logdet.clear_cache()
        calls.clear()
        SpatialPanel("sar", "twoway", logdet="lu", draws=0).fit(y, X, w)
        counts.append(len(calls))
    assert counts[0] == counts[1]
    assert all(a._lu is None for a in _logdet._CACHE.values())


def test_regions_on_one_side_only_are_named():
    """y with a region that W lacks, and W with an id that y lacks: both are named in the error."""
    import libpysal

    w = libpysal.weights.W({"a": ["b"], "b": ["a", "c"], "c": ["b"]})
    idx = pd.MultiIndex.from_product([["a", "b", "z"], [1, 2, 3]], names=["region", "period"])
    rng = np.random.default_rng(0)
    y = pd.Series(rng.normal(size=9), index=idx)
    X = pd.DataFrame({"x": rng.normal(size=9)}, index=idx)
    with pytest.raises(ValueError, match="in W only 'c'; in y only 'z'"):
        SpatialPanel("sar", "individual", draws=0).fit(y, X, w)
