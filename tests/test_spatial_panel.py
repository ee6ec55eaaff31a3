"""Tests for the spatial panel module's data: the bundled Munnell panel and US income."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spatialcoupling.datasets import load


def test_us_productivity_matches_linearmodels():
    munnell = pytest.importorskip("linearmodels.datasets.munnell")
    ref = munnell.load()
    ours = load("us_productivity")
    assert ours.shape == (48 * 17, 9)
    assert ours.index.names == ["region", "period"]
    ref = ref.assign(region=ref["STATE"].str.title()).set_index(["region", "YR"]).sort_index()
    for col in ["P_CAP", "HWY", "WATER", "UTIL", "PC", "GSP", "EMP", "UNEMP"]:
        np.testing.assert_allclose(ours[col.lower()].to_numpy(), ref[col].to_numpy())


def test_us_income_long_matches_usjoin():
    import libpysal

    wide = pd.read_csv(libpysal.examples.get_path("usjoin.csv"))
    ours = load("us_income")
    assert ours.shape == (48 * 81,)
    row = wide.loc[wide["Name"] == "Alabama"]
    assert ours.loc[("Alabama", 1929)] == float(row["1929"].iloc[0])
    assert ours.loc[("Wyoming", 2009)] == float(wide.loc[wide["Name"] == "Wyoming", "2009"].iloc[0])


@pytest.fixture(scope="module")
def munnell_sar():
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


def test_sar_individual_matches_spreg_ml_lagfe(munnell_sar):
    import spreg

    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell_sar
    ours = SpatialPanel("sar", "individual", lee_yu=False).fit(y, X, w)
    n, t = 48, 17
    yy = y.to_numpy().reshape(n, t).T.reshape(-1, 1)
    xx = X.to_numpy().reshape(n, t, 4).transpose(1, 0, 2).reshape(-1, 4)
    ref = spreg.Panel_FE_Lag(yy, xx, w)
    np.testing.assert_allclose(ours.params.to_numpy(), ref.betas.ravel(), atol=1e-5)
    np.testing.assert_allclose(ours.std_errors.to_numpy(), np.sqrt(np.diag(ref.vm)), rtol=0.01)
    assert ours.sigma2 == pytest.approx(float(np.ravel(ref.sig2)[0]), rel=1e-5)
    # Lee-Yu with individual effects: same coefficients, sigma2 scaled by T/(T-1)
    ly = SpatialPanel("sar", "individual").fit(y, X, w)
    np.testing.assert_allclose(ly.params.to_numpy(), ref.betas.ravel(), atol=1e-5)
    assert ly.sigma2 == pytest.approx(float(np.ravel(ref.sig2)[0]) * t / (t - 1), rel=1e-6)


def test_sar_bad_inputs(munnell_sar):
    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell_sar
    with pytest.raises(ValueError, match=r"'Alabama', 1970"):
        SpatialPanel().fit(y.drop(("Alabama", 1970)), X, w)
    with pytest.raises(ValueError, match="Alabama"):
        SpatialPanel().fit(y.drop("Alabama", level=0), X.drop("Alabama", level=0), w)
    with pytest.raises(ValueError, match="collinear"):
        SpatialPanel().fit(y, X.assign(dup=2 * X["pc"]), w)
    with pytest.raises(ValueError, match="model"):
        SpatialPanel(model="probit")


# ---------------------------------------------------------------------------- models beyond SAR
def _stacked(y, X, n, t):
    yy = y.to_numpy().reshape(n, t).T.reshape(-1, 1)
    xx = X.to_numpy().reshape(n, t, X.shape[1]).transpose(1, 0, 2).reshape(-1, X.shape[1])
    return yy, xx


def test_sem_individual_matches_spreg_ml_errorfe(munnell_sar):
    import spreg

    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell_sar
    n, t = 48, 17
    ref = spreg.Panel_FE_Error(*_stacked(y, X, n, t), w)
    ours = SpatialPanel("sem", "individual", lee_yu=False).fit(y, X, w)
    assert list(ours.params.index) == [*X.columns, "lambda"]
    np.testing.assert_allclose(ours.params.to_numpy(), ref.betas.ravel(), atol=1e-5)
    np.testing.assert_allclose(ours.std_errors.to_numpy(), np.sqrt(np.diag(ref.vm)), rtol=0.01)
    assert ours.sigma2 == pytest.approx(float(np.ravel(ref.sig2)[0]), rel=1e-5)
    # spreg's concentrated likelihood leaves out (NT/2) ln(NT); ours is the full log-likelihood
    assert ours.loglik == pytest.approx(float(np.ravel(ref.logll)[0]) + n * t / 2 * np.log(n * t), rel=1e-7)


def test_result_api_and_identities(munnell_sar):
    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell_sar
    res = SpatialPanel("sar", "twoway").fit(y, X, w)
    assert set(res.table.columns) == {"coef", "std_error", "z", "p_value", "ci_lower", "ci_upper"}
    np.testing.assert_allclose(res.zstats, res.params / res.std_errors)
    assert res.aic == pytest.approx(-2 * res.loglik + 2 * (len(res.params) + 1))
    assert res.bic == pytest.approx(-2 * res.loglik + np.log(48 * 17) * (len(res.params) + 1))
    with pytest.raises(AttributeError):
        res.sigma2 = 1.0
    # y = rho W y + X b + const + mu_i + eta_t + e: the recovered effects and the residuals add up
    import scipy.sparse as sp

    W = sp.csr_matrix(w.sparse)
    Y = y.unstack()
    wy = pd.DataFrame(W @ Y.loc[list(w.id_order)].to_numpy(), index=list(w.id_order), columns=Y.columns).stack()
    fe = res.fixed_effects
    mu = fe["region"].reindex(y.index.get_level_values(0)).to_numpy()
    eta = fe["period"].reindex(y.index.get_level_values(1)).to_numpy()
    fitted = res.rho * wy.reindex(y.index) + X @ res.params[X.columns] + fe["const"].iloc[0] + mu + eta
    np.testing.assert_allclose((y - fitted).to_numpy(), res.resid.reindex(y.index).to_numpy(), atol=1e-10)
    assert abs(fe["region"].sum()) < 1e-8
    assert abs(fe["period"].sum()) < 1e-8
    assert "SAR" in res.summary()
    assert "rho" in res.summary()


def test_sdm_is_sar_with_lagged_regressors(munnell_sar):
    import scipy.sparse as sp

    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell_sar
    W = sp.csr_matrix(w.sparse)
    lagged = {}
    for c in X.columns:
        wide = X[c].unstack().loc[list(w.id_order)]
        lagged[f"W_{c}"] = pd.DataFrame(W @ wide.to_numpy(), index=wide.index, columns=wide.columns).stack()
    Xa = X.join(pd.DataFrame(lagged).reindex(X.index))
    for model, base in (("sdm", "sar"), ("sdem", "sem"), ("slx", "ols")):
        ours = SpatialPanel(model, "twoway", draws=0).fit(y, X, w)
        ref = SpatialPanel(base, "twoway", draws=0).fit(y, Xa, w)
        np.testing.assert_allclose(ours.params.to_numpy(), ref.params.to_numpy(), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(ours.std_errors.to_numpy(), ref.std_errors.to_numpy(), rtol=1e-5)


def _orthonormal_complement(m: int) -> np.ndarray:
    """Columns spanning the space orthogonal to the ones vector (Lee & Yu's F matrix)."""
    q, _ = np.linalg.qr(np.column_stack([np.ones(m), np.eye(m)[:, : m - 1]]))
    return q[:, 1:]


def test_lee_yu_twoway_equals_the_transformation_approach(munnell_sar):
    """Lee & Yu (2010): transform by F_T' (x) F_N', use W* = F_N' W F_N and ordinary ML on
    (N-1)(T-1) observations, log-determinant computed directly from the (N-1)x(N-1) matrix."""
    from scipy import optimize

    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell_sar
    n, t = 48, 17
    W = w.full()[0]
    Fn, Ft = _orthonormal_complement(n), _orthonormal_complement(t)
    Ws = Fn.T @ W @ Fn
    Y = y.to_numpy().reshape(n, t)
    ys = (Fn.T @ Y @ Ft).T.reshape(-1)  # stacked by transformed period
    wys = (Fn.T @ W @ Y @ Ft).T.reshape(-1)
    Xs = np.column_stack([(Fn.T @ X[c].to_numpy().reshape(n, t) @ Ft).T.reshape(-1) for c in X.columns])
    m = len(ys)

    def negll(r):
        u = ys - r * wys
        b = np.linalg.lstsq(Xs, u, rcond=None)[0]
        e = u - Xs @ b
        return m / 2 * np.log(e @ e / m) - (t - 1) * np.linalg.slogdet(np.eye(n - 1) - r * Ws)[1]

    rho = optimize.minimize_scalar(negll, bounds=(-0.99, 0.99), method="bounded", options={"xatol": 1e-10}).x
    b = np.linalg.lstsq(Xs, ys - rho * wys, rcond=None)[0]
    e = ys - rho * wys - Xs @ b
    ours = SpatialPanel("sar", "twoway").fit(y, X, w)
    np.testing.assert_allclose(ours.params.to_numpy(), np.r_[b, rho], atol=1e-6)
    assert ours.sigma2 == pytest.approx(e @ e / m, rel=1e-6)

    # SEM with two-way effects, same construction
    def negll_e(lam):
        B = np.eye(n - 1) - lam * Ws
        yf = ys - lam * wys
        wx = [(Fn.T @ W @ X[c].to_numpy().reshape(n, t) @ Ft).T.reshape(-1) for c in X.columns]
        xf = Xs - lam * np.column_stack(wx)
        bb = np.linalg.lstsq(xf, yf, rcond=None)[0]
        ee = yf - xf @ bb
        return m / 2 * np.log(ee @ ee / m) - (t - 1) * np.linalg.slogdet(B)[1]

    lam = optimize.minimize_scalar(negll_e, bounds=(-0.99, 0.99), method="bounded", options={"xatol": 1e-10}).x
    sem = SpatialPanel("sem", "twoway").fit(y, X, w)
    assert sem.params["lambda"] == pytest.approx(lam, abs=1e-6)


def test_impacts_equal_dense_closed_form(munnell_sar):
    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell_sar
    W = w.full()[0]
    n = W.shape[0]
    for model in ("sar", "sdm"):
        res = SpatialPanel(model, "individual", draws=400, seed=3).fit(y, X, w)
        p, imp = res.params, res.impacts
        Ainv = np.linalg.inv(np.eye(n) - p["rho"] * W)
        for c in X.columns:
            S = Ainv @ (p[c] * np.eye(n) + p.get(f"W_{c}", 0.0) * W)
            direct, total = np.trace(S) / n, S.sum() / n
            assert imp.loc[(c, "direct"), "estimate"] == pytest.approx(direct, rel=1e-10, abs=1e-14)
            assert imp.loc[(c, "total"), "estimate"] == pytest.approx(total, rel=1e-10, abs=1e-14)
            assert imp.loc[(c, "indirect"), "estimate"] == pytest.approx(total - direct, rel=1e-9, abs=1e-14)
    # simulated standard errors against an independent simulation with dense inverses
    res = SpatialPanel("sdm", "individual", draws=2000, seed=11).fit(y, X, w)
    names = ["pc", "W_pc", "rho"]
    rng = np.random.default_rng(99)
    sims = rng.multivariate_normal(res.params[names], res.cov.loc[names, names], size=400)
    direct = [np.trace(np.linalg.solve(np.eye(n) - r * W, b * np.eye(n) + th * W)) / n for b, th, r in sims]
    assert res.impacts.loc[("pc", "direct"), "std_error"] == pytest.approx(np.std(direct, ddof=1), rel=0.12)
    # the same seed gives the same numbers
    again = SpatialPanel("sdm", "individual", draws=2000, seed=11).fit(y, X, w)
    pd.testing.assert_frame_equal(res.impacts, again.impacts)


def test_slx_impacts_are_the_coefficients(munnell_sar):
    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell_sar
    res = SpatialPanel("slx", "twoway").fit(y, X, w)
    imp = res.impacts
    assert imp.loc[("pc", "indirect"), "estimate"] == pytest.approx(res.params["W_pc"])
    v = res.cov.loc[["pc", "W_pc"], ["pc", "W_pc"]].to_numpy().sum()
    assert imp.loc[("pc", "total"), "std_error"] == pytest.approx(np.sqrt(v))


def _hand_lm(y, X, w, effects):
    """LM tests written out with dense Kronecker products (Elhorst 2014, eqs. 3.27-3.30)."""
    n, t = w.n, y.size // w.n
    W = w.full()[0]
    yv = y.to_numpy().reshape(n, t).T.reshape(-1)
    Xv = X.to_numpy().reshape(n, t, -1).transpose(1, 0, 2).reshape(n * t, -1)
    Qn = np.eye(n) - np.ones((n, n)) / n if effects in ("time", "twoway") else np.eye(n)
    Qt = np.eye(t) - np.ones((t, t)) / t if effects in ("individual", "twoway") else np.eye(t)
    Q = np.kron(Qt, Qn)
    if effects == "none":
        Xv = np.column_stack([np.ones(n * t), Xv])
    WT = np.kron(np.eye(t), W)
    yq, Xq = Q @ yv, Q @ Xv
    M = np.eye(n * t) - Xq @ np.linalg.pinv(Xq)
    e = M @ yq
    s2 = e @ e / (n * t - Xq.shape[1])
    b = np.linalg.pinv(Xq) @ yq
    tw = np.trace(W.T @ W + W @ W)
    wxb = Q @ WT @ Xq @ b
    J = (wxb @ M @ wxb + t * tw * s2) / s2
    lag = (e @ Q @ WT @ yv / s2) ** 2 / J
    err = (e @ WT @ e / s2) ** 2 / (t * tw)
    return lag, err


@pytest.mark.parametrize("effects", ["none", "twoway"])
def test_lm_tests_match_hand_computation_and_spreg(munnell_sar, effects):
    import spreg

    from spatialcoupling.spatial_panel import lm_tests

    y, X, w = munnell_sar
    ours = lm_tests(y, X, w, effects)
    lag, err = _hand_lm(y, X, w, effects)
    assert ours.loc["LM lag", "statistic"] == pytest.approx(lag, rel=1e-8)
    assert ours.loc["LM error", "statistic"] == pytest.approx(err, rel=1e-8)
    if effects == "none":
        yy, xx = _stacked(y, X, 48, 17)
        assert ours.loc["LM error", "statistic"] == pytest.approx(spreg.panel_LMerror(yy, xx, w)[0], rel=1e-6)
        assert ours.loc["robust LM lag", "statistic"] == pytest.approx(spreg.panel_rLMlag(yy, xx, w)[0], rel=1e-6)
        assert ours.loc["robust LM error", "statistic"] == pytest.approx(spreg.panel_rLMerror(yy, xx, w)[0], rel=1e-6)


def test_model_tests_and_wald(munnell_sar):
    from spatialcoupling.spatial_panel import SpatialPanel, lr_test, model_tests

    y, X, w = munnell_sar
    table = model_tests(y, X, w, "twoway")
    assert list(table.index[-4:]) == ["Wald SDM -> SAR", "LR SDM -> SAR", "Wald SDM -> SEM", "LR SDM -> SEM"]
    sdm = SpatialPanel("sdm", "twoway", draws=0).fit(y, X, w)
    sar = SpatialPanel("sar", "twoway", draws=0).fit(y, X, w)
    # Wald theta = 0 by hand
    th = [f"W_{c}" for c in X.columns]
    g = sdm.params[th].to_numpy()
    stat = g @ np.linalg.solve(sdm.cov.loc[th, th].to_numpy(), g)
    assert table.loc["Wald SDM -> SAR", "statistic"] == pytest.approx(stat)
    assert table.loc["LR SDM -> SAR", "statistic"] == pytest.approx(2 * (sdm.loglik - sar.loglik))
    assert lr_test(sar, sdm)["df"] == 4
    # the nested likelihoods: SDM fits at least as well as SAR and SEM
    assert table.loc["LR SDM -> SAR", "statistic"] >= 0
    assert table.loc["LR SDM -> SEM", "statistic"] >= 0
    assert "Hausman SAR FE vs RE" in model_tests(y, X, w, "individual").index


def test_logdet_methods_agree_and_large_n_path():
    import libpysal

    from spatialcoupling.spatial_panel import SpatialPanel, _logdet

    side, t = 24, 6
    w = libpysal.weights.lat2W(side, side, rook=False)
    w.transform = "r"
    n = w.n
    rng = np.random.default_rng(5)
    x = rng.normal(size=(n, t))
    A = np.eye(n) - 0.5 * w.full()[0]
    Y = np.linalg.solve(A, x * 1.5 + rng.normal(size=(n, 1)) + rng.normal(size=(n, t)))
    idx = pd.MultiIndex.from_product([list(w.id_order), range(t)], names=["region", "period"])
    y, X = pd.Series(Y.ravel(), index=idx), pd.DataFrame({"x": x.ravel()}, index=idx)
    fits = {m: SpatialPanel("sdm", "twoway", logdet=m, draws=0).fit(y, X, w) for m in ("eigen", "lu", "chebyshev")}
    np.testing.assert_allclose(fits["lu"].params, fits["eigen"].params, atol=1e-8)
    np.testing.assert_allclose(fits["chebyshev"].params, fits["eigen"].params, atol=2e-3)
    # the large-N algebra (no dense inverse: LU-derivative traces, stochastic tr(G'G)) on the same data
    old = _logdet.DENSE_MAX_N
    try:
        _logdet.DENSE_MAX_N = 100
        big = SpatialPanel("sdm", "twoway", logdet="lu", draws=300).fit(y, X, w)
    finally:
        _logdet.DENSE_MAX_N = old
    np.testing.assert_allclose(big.params, fits["eigen"].params, atol=1e-8)
    np.testing.assert_allclose(big.std_errors, fits["eigen"].std_errors, rtol=0.01)
    assert any("Hutchinson" in note for note in big.notes)


def test_rho_at_the_boundary_warns():
    import libpysal

    from spatialcoupling.spatial_panel import SpatialPanel

    w = libpysal.weights.lat2W(8, 8)
    w.transform = "r"
    n, t = w.n, 5
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, t))
    Y = np.linalg.solve(np.eye(n) - 0.99999 * w.full()[0], rng.normal(size=(n, t)) * 0.01 + 5)
    idx = pd.MultiIndex.from_product([list(w.id_order), range(t)], names=["region", "period"])
    with pytest.warns(RuntimeWarning, match="boundary"):
        res = SpatialPanel("sar", "none", draws=0).fit(
            pd.Series(Y.ravel(), index=idx), pd.DataFrame({"x": x.ravel()}, index=idx), w
        )
    assert any("boundary" in n for n in res.notes)


def test_more_bad_inputs(munnell_sar):
    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell_sar
    with pytest.raises(ValueError, match=r"Alabama.*1971.*pc"):
        SpatialPanel().fit(y, X.assign(pc=X["pc"].mask(X.index == ("Alabama", 1971))), w)
    with pytest.raises(ValueError, match="non-numeric"):
        SpatialPanel().fit(y, X.assign(pc=X["pc"].astype(str)), w)
    region_const = pd.Series(X.index.get_level_values(0).factorize()[0], index=X.index, dtype=float)
    with pytest.raises(ValueError, match=r"zone.*no variation"):
        SpatialPanel("sar", "individual").fit(y, X.assign(zone=region_const), w)
    with pytest.raises(ValueError, match=r"'dup'.*\['pc'\]"):
        SpatialPanel("sem").fit(y, X.assign(dup=2 * X["pc"]), w)
    import libpysal

    w_binary = libpysal.weights.W(w.neighbors, id_order=list(w.id_order))
    with pytest.raises(ValueError, match="row-standardised"):
        SpatialPanel("sar", "twoway").fit(y, X, w_binary)
    with pytest.raises(ValueError, match="draws"):
        SpatialPanel(draws=10)


@pytest.mark.parametrize("model", ["sdm", "sac"])
def test_simulated_panel_recovers_parameters(model):
    """One seeded simulated panel (N = 400, T = 10, two-way effects): every estimate lies within
    3.5 standard errors of the truth (the full Monte Carlo is benchmarks/bench_montecarlo.py)."""
    import libpysal

    from spatialcoupling.spatial_panel import SpatialPanel

    w = libpysal.weights.lat2W(20, 20, rook=False)
    w.transform = "r"
    W, n, t = w.full()[0], w.n, 10
    rng = np.random.default_rng(2024)
    x = rng.normal(size=(n, t))
    mu, eta = rng.normal(size=(n, 1)), rng.normal(size=(1, t))
    truth = {"x": 1.0, "W_x": 0.5, "rho": 0.4} if model == "sdm" else {"x": 1.0, "rho": 0.3, "lambda": 0.5}
    A = np.linalg.inv(np.eye(n) - truth["rho"] * W)
    eps = rng.normal(size=(n, t))
    if model == "sac":
        eps = np.linalg.solve(np.eye(n) - truth["lambda"] * W, eps)
    Y = A @ (x * truth["x"] + (W @ x) * truth.get("W_x", 0.0) + mu + eta + eps)
    idx = pd.MultiIndex.from_product([list(w.id_order), range(t)], names=["region", "period"])
    res = SpatialPanel(model, "twoway", draws=0).fit(
        pd.Series(Y.ravel(), index=idx), pd.DataFrame({"x": x.ravel()}, index=idx), w
    )
    z = (res.params[list(truth)] - pd.Series(truth)) / res.std_errors[list(truth)]
    assert (z.abs() < 3.5).all(), z
    assert res.sigma2 == pytest.approx(1.0, rel=0.15)


def test_large_n_impact_traces_power_series_against_eigenvalues(monkeypatch):
    """For large N the impacts use Σ ρ^j tr(W^j) with stochastic traces; on a 576-region lattice the
    mean diagonals of (I − ρW)⁻¹ and (I − ρW)⁻¹W agree with the exact (dense) values."""
    import libpysal
    import scipy.sparse as sp

    from spatialcoupling.spatial_panel import _logdet

    w = libpysal.weights.lat2W(24, 24, rook=False)
    w.transform = "r"
    Wd = w.full()[0]
    n = w.n
    rhos = np.array([-0.5, 0.0, 0.3, 0.6, 0.85])
    exact_direct = [np.trace(np.linalg.inv(np.eye(n) - r * Wd)) / n for r in rhos]
    exact_lagged = [np.trace(np.linalg.solve(np.eye(n) - r * Wd, Wd)) / n for r in rhos]
    monkeypatch.setattr(_logdet, "IMPACT_EIGEN_MAX_N", 10)
    direct, lagged, how = _logdet.LogDet(sp.csr_matrix(w.sparse), "lu", seed=1).impact_traces(rhos)
    assert "power series" in how
    np.testing.assert_allclose(direct, exact_direct, rtol=2e-3)
    np.testing.assert_allclose(lagged, exact_lagged, atol=2e-3)  # stochastic traces: about 1e-3 at rho = 0.85


@pytest.mark.slow
def test_random_effects_sar_matches_spreg_and_its_standard_errors_match_a_simulation(munnell_sar):
    import spreg

    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell_sar
    n, t = 48, 17
    yy, xx = _stacked(y, X, n, t)
    ref = spreg.Panel_RE_Lag(yy, xx, w)
    ours = SpatialPanel("sar", "random", draws=0).fit(y, X, w)
    assert list(ours.params.index) == ["const", *X.columns, "rho", "phi"]
    np.testing.assert_allclose(ours.params.to_numpy(), ref.betas.ravel(), atol=1e-5)
    # our standard errors (observed information) against the spread of estimates on panels simulated
    # from the fitted model (spreg's approximate information matrix is not the reference here)
    p, s2, phi = ours.params, ours.sigma2, ours.params["phi"]
    Ainv = np.linalg.inv(np.eye(n) - p["rho"] * w.full()[0])
    xb = p["const"] + X.to_numpy().reshape(n, t, -1) @ p[X.columns].to_numpy()
    rng = np.random.default_rng(7)
    est, ses = [], []
    for _ in range(120):
        mu = rng.normal(scale=np.sqrt(s2 * (1 / phi**2 - 1) / t), size=(n, 1))
        Y = Ainv @ (xb + mu + rng.normal(scale=np.sqrt(s2), size=(n, t)))
        f = SpatialPanel("sar", "random", draws=0).fit(pd.Series(Y.ravel(), index=y.index), X, w)
        est.append(f.params.to_numpy())
        ses.append(f.std_errors.to_numpy())
    ratio = np.mean(ses, axis=0) / np.std(est, axis=0, ddof=1)
    assert np.all((ratio > 0.75) & (ratio < 1.3)), ratio
    # the Hausman test is checked by hand in tests/test_spatial_panel_checks.py
    with pytest.raises(ValueError, match="random effects are implemented"):
        SpatialPanel("sem", "random")


def test_panel_shape_errors_name_the_rows(munnell_sar):
    import libpysal

    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell_sar
    with pytest.raises(ValueError, match=r"X lacks.*'Alabama', 1975"):
        SpatialPanel().fit(y, X.drop(("Alabama", 1975)), w)
    with pytest.raises(ValueError, match=r"duplicate.*'Alabama', 1970"):
        SpatialPanel().fit(pd.concat([y, y.iloc[:1]]), X, w)
    lonely = libpysal.weights.W({r: [] for r in w.id_order}, id_order=list(w.id_order), silence_warnings=True)
    with pytest.raises(ValueError, match="no neighbour links"):
        SpatialPanel("sar").fit(y, X, lonely)
