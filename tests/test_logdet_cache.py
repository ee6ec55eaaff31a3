"""The log-determinant algebra kept between fits: cache keys, identical refits, the interpolated method."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from spatialcoupling.spatial_panel import SpatialPanel, _logdet


def _lattice(side: int = 12, rook: bool = False) -> sp.csr_matrix:
    import libpysal

    w = libpysal.weights.lat2W(side, side, rook=rook)
    w.transform = "r"
    return sp.csr_matrix(w.sparse, dtype=float)


def _panel(W: sp.csr_matrix, t: int = 6, rho: float = 0.5, seed: int = 3) -> tuple[pd.Series, pd.DataFrame, dict]:
    n = W.shape[0]
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, t))
    A = np.eye(n) - rho * W.toarray()
    Y = np.linalg.solve(A, 1.5 * x + rng.normal(size=(n, 1)) + rng.normal(size=(n, t)))
    ids = [f"r{i}" for i in range(n)]
    idx = pd.MultiIndex.from_product([ids, range(t)], names=["region", "period"])
    neighbours = {ids[i]: [ids[j] for j in W[i].indices] for i in range(n)}
    weights = {ids[i]: list(W[i].data) for i in range(n)}
    return pd.Series(Y.ravel(), index=idx), pd.DataFrame({"x": x.ravel()}, index=idx), (neighbours, weights)


def _libpysal_w(spec: tuple) -> object:
    import libpysal

    return libpysal.weights.W(spec[0], spec[1])


def test_key_follows_contents_not_identity():
    W = _lattice(6)
    same = sp.csr_matrix(W.toarray())  # another object, same matrix
    assert _logdet.weights_key(W) == _logdet.weights_key(same)
    assert _logdet.algebra_of(W) is _logdet.algebra_of(same)
    other = W.copy()
    other.data = other.data.copy()
    other.data[:4] *= 1.5  # same shape and pattern, other values
    assert _logdet.weights_key(other) != _logdet.weights_key(W)
    assert _logdet.algebra_of(other) is not _logdet.algebra_of(W)
    # a changed matrix gives its own log-determinant (no stale hit)
    exact = np.linalg.slogdet(np.eye(36) - 0.3 * other.toarray())[1]
    assert _logdet.LogDet(other, "lu")(0.3) == pytest.approx(exact, abs=1e-10)


def test_cache_is_bounded_and_clearable():
    _logdet.clear_cache()
    mats = [_lattice(4) * (1 + 0.01 * i) for i in range(_logdet.CACHE_SIZE + 3)]
    for M in mats:
        _logdet.algebra_of(M)
    assert len(_logdet._CACHE) == _logdet.CACHE_SIZE
    assert _logdet.weights_key(mats[0]) not in _logdet._CACHE  # the least recently used went first
    _logdet.clear_cache()
    assert len(_logdet._CACHE) == 0


@pytest.mark.parametrize("method", ["eigen", "lu", "interpolated"])
def test_cached_and_uncached_fits_are_identical(method):
    W = _lattice(12)
    y, X, spec = _panel(W)
    w = _libpysal_w(spec)
    _logdet.clear_cache()
    first = SpatialPanel("sdm", "twoway", logdet=method, draws=0).fit(y, X, w)
    again = SpatialPanel("sdm", "twoway", logdet=method, draws=0).fit(y, X, w)  # from the cache
    _logdet.clear_cache()
    fresh = SpatialPanel("sdm", "twoway", logdet=method, draws=0).fit(y, X, w)
    for other in (again, fresh):
        pd.testing.assert_series_equal(other.params, first.params, check_exact=True)
        pd.testing.assert_frame_equal(other.cov, first.cov, check_exact=True)
        assert other.loglik == first.loglik


def test_interpolated_logdet_is_bounded_against_exact_eigenvalues():
    """ln|I − ρW| from the interpolation pieces against the sum of ln(1 − ρλ) over the exact eigenvalues of
    W (queen and rook lattices: the rook lattice is bipartite, with eigenvalues at both −1 and 1), over the
    whole admissible interval up to 1e-4 from its ends (closer, rounding in the eigenvalues themselves,
    about 1e-15, moves ln(1 − ρλ) by 1e-15/(1 − ρ): there the reference is the dense log-determinant);
    first and second derivatives against the eigenvalue sums −Σλ/(1 − ρλ) and −Σλ²/(1 − ρλ)²."""
    for rook in (False, True):
        W = _lattice(10, rook=rook)
        lam = np.linalg.eigvals(W.toarray()).real
        _logdet.clear_cache()
        ld = _logdet.LogDet(W, "interpolated")
        rhos = np.r_[np.linspace(-0.9999, 0.9999, 61), -0.9995, 0.9995]
        exact = np.array([np.sum(np.log(np.abs(1 - r * lam))) for r in rhos])
        got = np.array([ld(r) for r in rhos])
        scale = np.maximum(1.0, np.abs(exact))
        assert np.max(np.abs(got - exact) / scale) < 1e-10
        for r in (-0.999999, 0.999999, 1 - 2.0**-24):  # near the ends, and beyond the last piece (exact LU)
            dense = np.linalg.slogdet(np.eye(100) - r * W.toarray())[1]
            assert ld(r) == pytest.approx(dense, rel=1e-10)
        assert 0 < ld.algebra.interpolation_error() <= _logdet.INTERPOLATION_TOL
        for r in (-0.7, 0.2, 0.8, 0.97):
            d1 = -np.sum(lam / (1 - r * lam))
            d2 = -np.sum(lam**2 / (1 - r * lam) ** 2)
            assert ld.algebra.interpolated(r, 1) == pytest.approx(d1, rel=1e-8, abs=1e-8)
            assert ld.algebra.interpolated(r, 2) == pytest.approx(d2, rel=1e-6, abs=1e-6)


def test_interpolated_fit_agrees_with_eigenvalues_and_states_its_error(monkeypatch):
    W = _lattice(12)
    y, X, spec = _panel(W, rho=0.6)
    w = _libpysal_w(spec)
    eig = SpatialPanel("sar", "twoway", logdet="eigen", draws=0).fit(y, X, w)
    monkeypatch.setattr(_logdet, "DENSE_MAX_N", 50)  # the large-N path: traces from the series' derivatives
    big = SpatialPanel("sar", "twoway", logdet="interpolated", draws=0).fit(y, X, w)
    np.testing.assert_allclose(big.params, eig.params, atol=1e-8)
    np.testing.assert_allclose(big.std_errors, eig.std_errors, rtol=0.01)
    assert any("interpolated" in note and "relative error" in note for note in big.notes)


def test_interpolated_needs_row_standardised_weights():
    W = _lattice(5)
    B = (W != 0).astype(float)
    with pytest.raises(ValueError, match="row-standardised"):
        _logdet.LogDet(B, "interpolated")


def test_model_tests_reuse_the_algebra_of_w():
    """The model-choice tests fit SAR, SDM and SEM on one W: one algebra, built once."""
    from spatialcoupling.spatial_panel import model_tests

    W = _lattice(8)
    y, X, spec = _panel(W)
    _logdet.clear_cache()
    table = model_tests(y, X, _libpysal_w(spec), "twoway")
    assert len(_logdet._CACHE) == 1
    assert np.isfinite(table.loc["LR SDM -> SAR", "statistic"])


def test_factors_of_a_large_w_are_not_kept_and_the_fit_is_the_same(monkeypatch):
    W = _lattice(12)
    y, X, spec = _panel(W)
    w = _libpysal_w(spec)
    monkeypatch.setattr(_logdet, "DENSE_MAX_N", 50)  # the sparse path: LU solves of the probes and of G
    _logdet.clear_cache()
    kept = SpatialPanel("sar", "twoway", logdet="lu", draws=0).fit(y, X, w)
    monkeypatch.setattr(_logdet, "_KEEP_LU_NNZ", 0)
    _logdet.clear_cache()
    dropped = SpatialPanel("sar", "twoway", logdet="lu", draws=0).fit(y, X, w)
    assert all(a._lu is None and a._factors is None for a in _logdet._CACHE.values())
    pd.testing.assert_series_equal(dropped.params, kept.params, check_exact=True)
    pd.testing.assert_frame_equal(dropped.cov, kept.cov, check_exact=True)
