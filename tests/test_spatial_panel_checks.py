"""Spatial panels never return a wrong number silently and every fit finishes.

The Hausman test is checked by hand on the Munnell panel and by simulation; identification failures,
constant dependent variables, unbounded searches and unavailable tests must be reported, not computed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from spatialcoupling.datasets import load


@pytest.fixture(scope="module")
def munnell():
    import geopandas as gpd
    import libpysal

    d = load("us_productivity")
    abb = d["st_abb"].groupby(level=0).first()
    name_of = {a: r for r, a in abb.items()}
    g = gpd.read_file(libpysal.examples.get_path("us48.shp"))
    g["region"] = g["STATE_ABBR"].map(name_of)
    g = g.set_index("region").loc[abb.index]
    w = libpysal.weights.Queen.from_dataframe(g, use_index=True)
    w.transform = "r"
    y = np.log(d["gsp"])
    X = np.log(d[["p_cap", "pc", "emp"]]).assign(unemp=d["unemp"])
    return y, X, w


def _hand_hausman(y, X, w, fe, re):
    """The documented form written out: both slope vectors at the fixed-effects rho, covariances on
    the random-effects sigma^2, plus Var(rho_FE) times the contrast of the Wy regressions."""
    n, t = w.n, len(y) // w.n
    W = w.full()[0]
    Y = y.to_numpy().reshape(n, t)
    WY = W @ Y
    Xa = X.to_numpy().reshape(n, t, -1)
    rho = fe.params["rho"]
    phi = re.params["phi"]

    def within(a):
        return (a - a.mean(axis=1, keepdims=True)).reshape(n * t, *a.shape[2:])

    def quasi(a):
        return (a - (1 - phi) * a.mean(axis=1, keepdims=True)).reshape(n * t, *a.shape[2:])

    Xw = within(Xa)
    Xs = quasi(np.concatenate([np.ones((n, t, 1)), Xa], axis=2))
    b_fe = np.linalg.lstsq(Xw, within(Y - rho * WY), rcond=None)[0]
    b_re = np.linalg.lstsq(Xs, quasi(Y - rho * WY), rcond=None)[0][1:]
    delta = np.linalg.lstsq(Xw, within(WY), rcond=None)[0] - np.linalg.lstsq(Xs, quasi(WY), rcond=None)[0][1:]
    s2 = re.sigma2
    V = s2 * (np.linalg.inv(Xw.T @ Xw) - np.linalg.inv(Xs.T @ Xs)[1:, 1:]) + fe.cov.loc["rho", "rho"] * np.outer(
        delta, delta
    )
    d = b_fe - b_re
    return float(d @ np.linalg.solve(V, d)), b_fe


def test_hausman_rejects_random_effects_on_munnell_and_matches_the_hand_computation(munnell):
    from spatialcoupling.spatial_panel import SpatialPanel, hausman_test, model_tests

    y, X, w = munnell
    fe = SpatialPanel("sar", "individual", draws=0).fit(y, X, w)
    re = SpatialPanel("sar", "random", draws=0).fit(y, X, w)
    h = hausman_test(fe, re)
    hand, b_fe = _hand_hausman(y, X, w, fe, re)
    np.testing.assert_allclose(b_fe, fe.params[X.columns].to_numpy(), rtol=1e-6)
    assert h["statistic"] == pytest.approx(hand, rel=1e-6)
    assert h["df"] == 4
    assert h["note"] == ""
    assert h["statistic"] > 40
    assert h["p_value"] < 1e-7
    assert h["p_value"] == pytest.approx(stats.chi2.sf(hand, 4), rel=1e-5)
    # splm's sphtest (83.1, df 4): b_FE and b_RE each at its own rho, V_RE conditional on rho and phi
    # against the full-information V_FE, |d'(V_RE - V_FE)^-1 d|. Written the usual way round,
    # V_FE - V_RE is indefinite and d'(V_FE - V_RE)^-1 d = -83.1: not a chi-squared statistic.
    splm_fe = SpatialPanel("sar", "individual", lee_yu=False, draws=0).fit(y, X, w)
    b = list(X.columns)
    n, t = w.n, len(y) // w.n
    Xa = np.concatenate([np.ones((n, t, 1)), X.to_numpy().reshape(n, t, -1)], axis=2)
    Xs = (Xa - (1 - re.params["phi"]) * Xa.mean(axis=1, keepdims=True)).reshape(n * t, -1)
    dv = splm_fe.cov.loc[b, b].to_numpy() - re.sigma2 * np.linalg.inv(Xs.T @ Xs)[1:, 1:]
    d = (splm_fe.params[b] - re.params[b]).to_numpy()
    splm_form = float(d @ np.linalg.solve(dv, d))
    assert splm_form == pytest.approx(-83.1, abs=0.1)
    assert np.linalg.eigvalsh(dv).min() < 0
    # the model-choice table reports it
    table = model_tests(y, X, w, "individual")
    assert table.loc["Hausman SAR FE vs RE", "statistic"] == pytest.approx(h["statistic"], rel=1e-9)
    assert table.loc["Hausman SAR FE vs RE", "p_value"] < 1e-7


def _simulate(w, X, seed, correlation):
    n, t = w.n, len(X) // w.n
    Xa = X.to_numpy().reshape(n, t, -1)
    rng = np.random.default_rng(seed)
    A = np.linalg.inv(np.eye(n) - 0.3 * w.full()[0])
    xbar = Xa[:, :, 2].mean(axis=1, keepdims=True)
    mu = rng.normal(scale=0.1, size=(n, 1)) + correlation * (xbar - xbar.mean())
    Y = A @ (1.0 + Xa @ np.array([0.0, 0.2, 0.6, -0.005]) + mu + rng.normal(scale=0.035, size=(n, t)))
    return pd.Series(Y.ravel(), index=X.index)


def test_hausman_size_and_power_on_simulated_panels(munnell):
    from spatialcoupling.spatial_panel import SpatialPanel, hausman_test

    _, X, w = munnell
    p_true, p_corr = [], []
    for seed in range(20):
        for correlation, out in ((0.0, p_true), (0.3, p_corr)):
            y = _simulate(w, X, seed, correlation)
            fe = SpatialPanel("sar", "individual", draws=0).fit(y, X, w)
            re = SpatialPanel("sar", "random", draws=0).fit(y, X, w)
            h = hausman_test(fe, re)
            assert h["note"] == ""
            assert h["statistic"] > 0
            out.append(h["p_value"])
    assert np.sum(np.array(p_true) < 0.05) <= 3, p_true  # random effects true: (almost) never rejected
    assert np.all(np.array(p_corr) < 0.05), p_corr  # effects correlated with X: always rejected


def test_hausman_without_a_valid_covariance_reports_nan_not_p_one(munnell):
    from spatialcoupling.spatial_panel import SpatialPanel, hausman_test

    y, X, w = munnell
    trend = pd.Series(X.index.get_level_values(1).to_numpy(float), index=X.index)  # same for every region
    Xt = X.assign(trend=trend - trend.mean())
    fe = SpatialPanel("ols", "individual", draws=0).fit(y, Xt, w)
    re = SpatialPanel("ols", "random", draws=0).fit(y, Xt, w)
    h = hausman_test(fe, re)
    assert np.isnan(h["statistic"])
    assert np.isnan(h["p_value"])
    assert "not positive definite" in h["note"]
    with pytest.raises(ValueError, match="effects='individual' first"):
        hausman_test(re, fe)


def test_random_effects_sdm_runs_its_tests_and_marks_the_sem_rows_unavailable(munnell):
    import spatialcoupling as sc
    from spatialcoupling.spatial_panel import model_tests

    y, X, w = munnell
    table = model_tests(y, X[["pc", "emp"]], w, "random")
    for test in ("LR SDM -> SEM",):
        assert np.isnan(table.loc[test, "statistic"])
        assert table.loc[test, "note"].startswith("not available")
    assert np.isfinite(table.loc["Wald SDM -> SAR", "statistic"])
    assert np.isfinite(table.loc["LR SDM -> SAR", "statistic"])
    assert np.isfinite(table.loc["Wald SDM -> SEM", "statistic"])
    assert np.isfinite(table.loc["Hausman SAR FE vs RE", "statistic"])
    # through beta convergence (growth of gross state product)
    gsp = load("us_productivity")["gsp"]
    res = sc.BetaConvergence(model="sdm", effects="random", draws=0).fit(gsp, w=w)
    assert np.isfinite(res.beta)
    assert "not available" in res.tests.loc["LR SDM -> SEM", "note"]


@pytest.mark.parametrize("model", ["sar", "sem", "sdm", "sac", "ols"])
def test_y_without_variation_is_refused(munnell, model):
    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell
    within_const = y.groupby(level=0).transform("mean")
    with pytest.raises(ValueError, match="y has no variation left after removing the individual effects"):
        SpatialPanel(model, "individual", draws=0).fit(within_const, X, w)
    with pytest.raises(ValueError, match="y has no variation left after removing the none effects"):
        SpatialPanel(model, "none", draws=0).fit(y * 0 + 2.0, X, w)
    if model in ("sar", "ols"):
        with pytest.raises(ValueError, match="y has no variation left after removing the random effects"):
            SpatialPanel(model, "random", draws=0).fit(within_const, X, w)


def test_exact_fit_is_refused(munnell):
    from spatialcoupling.spatial_panel import SpatialPanel

    _y, X, w = munnell
    with pytest.raises(ValueError, match="exact linear combination"):
        SpatialPanel("ols", "individual", draws=0).fit(X["pc"] * 2 + X["emp"], X, w)


def test_summary_names_lee_yu_only_when_a_correction_was_applied(munnell):
    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell
    re = SpatialPanel("sar", "random", draws=0).fit(y, X, w)
    assert re.lee_yu
    assert not re.lee_yu_applied
    assert "Lee-Yu" not in re.summary().splitlines()[0]
    none = SpatialPanel("sar", "none", draws=0).fit(y, X, w)
    assert not none.lee_yu_applied
    assert "Lee-Yu" not in none.summary().splitlines()[0]
    fe = SpatialPanel("sar", "individual", draws=0).fit(y, X, w)
    assert fe.lee_yu_applied
    assert "Lee-Yu" in fe.summary().splitlines()[0]
    off = SpatialPanel("sar", "individual", lee_yu=False, draws=0).fit(y, X, w)
    assert not off.lee_yu_applied
    assert "Lee-Yu" not in off.summary().splitlines()[0]
    one = y[y.index.get_level_values(1) == 1970]
    cross = SpatialPanel("sar", "time", draws=0).fit(one, X.loc[one.index], w)  # N - 1 effective regions
    assert cross.lee_yu_applied


def _triangle_panel(t=8, seed=0):
    import libpysal

    w = libpysal.weights.W(
        {"a": ["b", "c"], "b": ["a", "c"], "c": ["a", "b"], "d": ["c"], "e": ["d"]}, id_order=["a", "b", "c", "d", "e"]
    )
    w.transform = "r"
    sub = libpysal.weights.w_subset(w, ["a", "b", "c"])
    sub.transform = "r"
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product([["a", "b", "c"], range(t)], names=["region", "period"])
    x = pd.DataFrame({"x": rng.normal(size=len(idx))}, index=idx)
    y = pd.Series(x["x"].to_numpy() + rng.normal(size=len(idx)), index=idx)
    return y, x, sub


@pytest.mark.parametrize("model", ["sar", "sem", "sdm", "sac", "sdem"])
def test_spatial_parameter_of_a_complete_group_with_time_effects_is_not_identified(model):
    from spatialcoupling.spatial_panel import SpatialPanel

    y, x, w = _triangle_panel()
    for effects in ("time", "twoway"):
        for lee_yu in (True, False):
            with pytest.raises(ValueError, match=r"not identified.*neighbour of every other"):
                SpatialPanel(model, effects, lee_yu=lee_yu, draws=0).fit(y, x, w)


def test_complete_group_with_individual_effects_still_runs():
    from spatialcoupling.spatial_panel import SpatialPanel

    y, x, w = _triangle_panel(t=30)
    res = SpatialPanel("sar", "individual", draws=0).fit(y, x, w)
    assert np.all(np.isfinite(res.params))
    assert np.all(np.isfinite(res.std_errors))


def test_multiple_of_identity_check_against_dense_algebra():
    import libpysal
    import scipy.sparse as sp

    from spatialcoupling.spatial_panel._logdet import multiple_of_identity_after_demeaning

    rng = np.random.default_rng(0)
    for n in (3, 4, 6):
        full = libpysal.weights.W({i: [j for j in range(n) if j != i] for i in range(n)})
        full.transform = "r"
        Q = np.eye(n) - 1 / n
        dense = Q @ full.full()[0] @ Q
        c = multiple_of_identity_after_demeaning(sp.csr_matrix(full.sparse))
        assert c == pytest.approx(-1 / (n - 1))
        assert np.allclose(dense, c * Q)
        other = sp.csr_matrix(rng.random((n, n)) * (1 - np.eye(n)))
        assert multiple_of_identity_after_demeaning(other) is None
    chain = libpysal.weights.lat2W(1, 3)
    chain.transform = "r"
    assert multiple_of_identity_after_demeaning(sp.csr_matrix(chain.sparse)) is None


def test_lee_yu_with_an_island_names_it(munnell):
    import libpysal

    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell
    neighbors = {k: [j for j in v if j != "Maine"] for k, v in w.neighbors.items()}
    neighbors["Maine"] = []
    wi = libpysal.weights.W(neighbors, id_order=list(w.id_order), silence_warnings=True)
    wi.transform = "r"
    assert wi.transform.lower() == "r"
    with pytest.raises(ValueError, match=r"row-standardised.*'Maine' has no neighbour.*lee_yu=False"):
        SpatialPanel("sar", "twoway", draws=0).fit(y, X, wi)
    assert np.isfinite(SpatialPanel("sar", "twoway", lee_yu=False, draws=0).fit(y, X, wi).params["rho"])


def test_timeout_and_iteration_limits(munnell):
    from spatialcoupling.spatial_panel import EstimationTimeout, SpatialPanel

    y, X, w = munnell
    with pytest.raises(EstimationTimeout, match=r"did not finish within 1e-09 s \(stopped in the search over rho\)"):
        SpatialPanel("sar", "individual", draws=0, timeout=1e-9).fit(y, X, w)
    with pytest.warns(RuntimeWarning, match="iteration limit"):
        res = SpatialPanel("sem", "individual", draws=0, maxiter=10).fit(y, X, w)
    assert any("iteration limit (10)" in n for n in res.notes)
    for bad in ({"maxiter": 3}, {"maxiter": 2.5}, {"timeout": 0}, {"timeout": -1.0}, {"timeout": "1"}):
        with pytest.raises(ValueError, match=r"maxiter|timeout"):
            SpatialPanel("sar", **bad)


def test_impact_simulation_is_bounded_when_rho_is_poorly_identified(munnell):
    from spatialcoupling.spatial_panel import _data
    from spatialcoupling.spatial_panel import model as spm

    y, X, w = munnell
    spec = spm.SpatialPanel("sar", "individual", draws=200, seed=1)
    est = spm._Estimation(spec, _data.prepare(y, X, w))
    fit = spec.fit(y, X, w)
    cov = fit.cov
    cov.loc["rho", "rho"] = 1e6  # almost every draw of rho falls outside the admissible interval
    with pytest.warns(RuntimeWarning, match="poorly identified"):
        imp = est.impacts(fit.params, cov)
    assert imp["std_error"].isna().all()
    assert np.isfinite(imp["estimate"]).all()
    pd.testing.assert_series_equal(imp["estimate"], fit.impacts["estimate"])


def test_collinear_lagged_regressor_says_what_to_do():
    from spatialcoupling.spatial_panel import SpatialPanel

    y, x, w = _triangle_panel()
    with pytest.raises(ValueError, match=r"'W_x' is a linear combination of \['x'\].*model without lagged regressors"):
        SpatialPanel("slx", "twoway", draws=0).fit(y, x, w)
