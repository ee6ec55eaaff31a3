"""Sigma convergence checked against formulas written out here and scipy's linregress."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import spatialcoupling as sc
from spatialcoupling import SigmaConvergence
from spatialcoupling.datasets import load


@pytest.fixture(scope="module")
def income():
    s = load("us_income")
    return s[s.index.get_level_values("period") >= 1990]


@pytest.mark.parametrize("measure", ["cv", "sd", "sd_log", "gini", "theil"])
def test_sigma_measures_and_trend(income, measure):
    res = SigmaConvergence(measure).fit(income)
    wide = income.unstack("period")
    for year in (1990, 2009):
        y = wide[year].to_numpy()
        mu = y.mean()
        expected = {
            "cv": np.sqrt(((y - mu) ** 2).mean()) / mu,
            "sd": np.sqrt(((y - mu) ** 2).mean()),
            "sd_log": np.std(np.log(y)),
            "gini": np.abs(y[:, None] - y[None, :]).sum() / (2 * y.size**2 * mu),
            "theil": np.mean(y / mu * np.log(y / mu)),
        }[measure]
        assert res.table.loc[("overall", year), measure] == pytest.approx(expected, rel=1e-12)
    series = res.table.loc["overall", measure]
    lr = stats.linregress(series.index.to_numpy(float), series.to_numpy())
    tr = res.trend.loc["overall"]
    assert tr["slope"] == pytest.approx(lr.slope, rel=1e-10)
    assert tr["std_error"] == pytest.approx(lr.stderr, rel=1e-10)
    assert tr["p_value"] == pytest.approx(lr.pvalue, rel=1e-8)


def test_sigma_groups_and_notes(income):
    regions = income.index.get_level_values("region").unique()
    groups = {r: ("A" if i % 2 else "B") for i, r in enumerate(regions)}
    groups["Atlantis"] = "A"  # a region of the groups that is not in the series: noted
    res = SigmaConvergence("cv").fit(income, groups=groups)
    a = [r for r, g in groups.items() if g == "A" and r != "Atlantis"]
    y = income.loc[a].xs(2000, level="period").to_numpy()
    assert res.table.loc[("A", 2000), "cv"] == pytest.approx(y.std() / y.mean())
    assert res.table.loc[("A", 2000), "n_regions"] == len(a)
    assert any("'Atlantis'" in n and "not in the series" in n for n in res.notes)
    fig = res.plot()
    assert len(fig.axes[0].lines) == 3
    # a region of the series without a group is an error naming it (0.1 noted it and left it out)
    del groups[regions[-1]]
    with pytest.raises(ValueError, match=rf"1 region\(s\) without a group: {regions[-1]!r}"):
        SigmaConvergence("cv").fit(income, groups=groups)


def test_sigma_bad_inputs():
    with pytest.raises(ValueError, match="measure"):
        SigmaConvergence("variance")
    idx = pd.MultiIndex.from_product([["a", "b", "c"], [2000, 2001, 2002]])
    s = pd.Series(np.arange(1.0, 10.0), index=idx)
    s.loc[("b", 2001)] = 0.0
    with pytest.raises(ValueError, match=r"'b', 2001"):
        SigmaConvergence("sd_log").fit(s)


def test_beta_speed_half_life_by_hand():
    # constructed: ln y_{t+1} - ln y_t = -0.1 * ln y_t exactly (beta = -0.1) plus tiny noise
    rng = np.random.default_rng(0)
    n, t = 30, 6
    ly = np.empty((n, t))
    ly[:, 0] = rng.uniform(1, 3, n)
    for j in range(1, t):
        ly[:, j] = 0.2 + 0.9 * ly[:, j - 1] + rng.normal(0, 1e-3, n)
    idx = pd.MultiIndex.from_product([range(n), range(2000, 2000 + t)])
    s = pd.Series(np.exp(ly).ravel(), index=idx)
    from spatialcoupling.convergence import BetaConvergence

    res = BetaConvergence(model="ols").fit(s)
    assert res.beta == pytest.approx(-0.1, abs=2e-3)
    speed = -np.log(1 + res.beta)
    assert res.speed == pytest.approx(speed)
    assert res.half_life == pytest.approx(np.log(2) / speed)
    assert res.speed_se == pytest.approx(res.std_error / (1 + res.beta))
    assert "ln(1 + beta)" in res.speed_form
    # Barro cross-section: by hand with numpy least squares, tau = T - 1
    cs = BetaConvergence(cross_section=True).fit(s)
    g = ly[:, -1] - ly[:, 0]
    coef = np.linalg.lstsq(np.column_stack([np.ones(n), ly[:, 0]]), g, rcond=None)[0]
    assert cs.beta == pytest.approx(coef[1])
    assert cs.speed == pytest.approx(-np.log(1 + coef[1]) / (t - 1))
    # FE slope equals the within slope computed by hand
    fe = BetaConvergence(model="fe").fit(s)
    gy = ly[:, 1:] - ly[:, :-1]
    x0 = ly[:, :-1]
    gd, xd = gy - gy.mean(1, keepdims=True), x0 - x0.mean(1, keepdims=True)
    assert fe.beta == pytest.approx((gd * xd).sum() / (xd * xd).sum())


def test_beta_bad_inputs():
    from spatialcoupling.convergence import BetaConvergence

    idx = pd.MultiIndex.from_product([["a", "b", "c"], [2000, 2001, 2002]])
    s = pd.Series(np.arange(1.0, 10.0), index=idx)
    s.loc[("c", 2002)] = -1.0
    with pytest.raises(ValueError, match=r"'c', 2002"):
        BetaConvergence().fit(s)
    with pytest.raises(ValueError, match="needs spatial weights"):
        BetaConvergence(model="sar").fit(s.abs())


@pytest.fixture(scope="module")
def income_w():
    import geopandas as gpd
    import libpysal

    s = load("us_income")
    s = s[s.index.get_level_values("period") >= 1995]
    g = gpd.read_file(libpysal.examples.get_path("us48.shp")).set_index("STATE_NAME")
    g = g.loc[sorted(s.index.get_level_values(0).unique())]
    w = libpysal.weights.Queen.from_dataframe(g, use_index=True)
    w.transform = "r"
    return s, w, g


def test_beta_sar_coefficient_is_spatial_panel_ln_y(income_w):
    from spatialcoupling.convergence import BetaConvergence
    from spatialcoupling.spatial_panel import SpatialPanel

    s, w, _ = income_w
    res = BetaConvergence(model="sar").fit(s, w=w)
    wide = np.log(s.unstack("period"))
    growth = (wide.shift(-1, axis=1) - wide).iloc[:, :-1].stack()
    lny = wide.iloc[:, :-1].stack()
    ref = SpatialPanel("sar", "individual").fit(growth, lny.to_frame("ln_y"), w)
    assert res.beta == pytest.approx(ref.params["ln_y"])
    assert res.speed == pytest.approx(-np.log(1 + ref.params["ln_y"]))


def test_beta_result_object_table_and_notes():
    rng = np.random.default_rng(5)
    idx = pd.MultiIndex.from_product([[f"r{i}" for i in range(30)], range(6)], names=["region", "period"])
    s = pd.Series(np.exp(rng.normal(size=len(idx))), index=idx)  # i.i.d. levels: growth = -ln y_t + noise
    res = sc.BetaConvergence(model="ols").fit(s)
    row = res.table.iloc[0]
    with pytest.warns(DeprecationWarning, match=r"result\['beta'\] is deprecated; read the attribute: result.beta"):
        assert row["beta"] == res.beta == res["beta"]
    assert row["speed"] == pytest.approx(-np.log1p(res.beta))
    assert "half-life" in res.summary()
    assert res.speed_form in res.summary()
    with pytest.raises(AttributeError):
        res.beta = 0.0
    diverging = pd.Series(np.exp(0.1 * np.arange(len(idx)) % 7), index=idx)
    out = sc.BetaConvergence(model="fe").fit(diverging)
    if not -1 < out.beta < 0:
        assert np.isnan(out.speed)
        assert any("no beta convergence" in n for n in out.notes)


def test_beta_sdm_reports_effects_of_ln_y_and_model_tests(income_w):
    from spatialcoupling.spatial_panel import SpatialPanel

    s, w, _ = income_w
    res = sc.BetaConvergence(model="sdm", effects="twoway", draws=300, seed=2).fit(s, w=w)
    wide = np.log(s.unstack("period"))
    growth = (wide.shift(-1, axis=1) - wide).iloc[:, :-1].stack()
    lny = wide.iloc[:, :-1].stack().to_frame("ln_y")
    ref = SpatialPanel("sdm", "twoway", draws=300, seed=2).fit(growth, lny, w)
    assert res.beta == pytest.approx(ref.params["ln_y"])
    assert res.std_error == pytest.approx(ref.std_errors["ln_y"])
    pd.testing.assert_frame_equal(res.impacts, ref.impacts.loc["ln_y"])
    # the direct effect by hand from the dense (I - rho W)^-1 (beta I + theta W)
    W = w.full()[0]
    n = W.shape[0]
    S = np.linalg.inv(np.eye(n) - ref.params["rho"] * W) @ (ref.params["ln_y"] * np.eye(n) + ref.params["W_ln_y"] * W)
    assert res.table.iloc[0]["direct_ln_y"] == pytest.approx(np.trace(S) / n)
    assert res.table.iloc[0]["total_ln_y"] == pytest.approx(S.sum() / n)
    assert {"LM lag", "robust LM error", "Wald SDM -> SAR", "LR SDM -> SEM"} <= set(res.tests.index)
    assert "Model-choice tests" in res.summary()


def test_beta_by_group_restricts_and_restandardises_w(income_w):
    import libpysal

    from spatialcoupling.spatial_panel import SpatialPanel

    s, w, g = income_w
    groups = g["SUB_REGION"]
    res = sc.BetaConvergence(model="sar", effects="individual", draws=0, tests=False).fit(s, w=w, groups=groups)
    assert set(res.by_group) == set(groups.unique())
    assert list(res.table.index.get_level_values("group")) == ["all", *res.by_group]
    label = "Pacific"
    members = sorted(groups.index[groups == label])
    ws = libpysal.weights.w_subset(w, members)
    ws.transform = "r"
    sub = s[s.index.get_level_values(0).isin(members)]
    wide = np.log(sub.unstack("period"))
    growth = (wide.shift(-1, axis=1) - wide).iloc[:, :-1].stack()
    ref = SpatialPanel("sar", "individual", draws=0).fit(growth, wide.iloc[:, :-1].stack().to_frame("ln_y"), ws)
    assert res.by_group[label].beta == pytest.approx(ref.params["ln_y"], rel=1e-9)
    assert any("re-standardised" in n for n in res.notes)
    # a two-member group is not estimable with a spatial model: a NaN row with the members named;
    # the other groups are still estimated
    tiny = groups.copy()
    tiny[["Maine", "Vermont"]] = "tiny"
    with pytest.warns(RuntimeWarning, match="'tiny'.*not estimable"):
        out = sc.BetaConvergence(model="sar", draws=0, tests=False).fit(s, w=w, groups=tiny)
    row = out.table.xs("tiny", level="group").iloc[0]
    assert np.isnan(row["beta"])
    assert "at least 3 regions" in row["reason"]
    assert "Maine" in row["reason"]
    assert out.by_group["tiny"].reason == row["reason"]
    assert out.by_group["tiny"].detail is None
    assert out.by_group["Pacific"].beta == pytest.approx(ref.params["ln_y"], rel=1e-9)
    assert any("'tiny'" in n and "not estimable" in n for n in out.notes)
    # a non-spatial model is fine with it
    fe = sc.BetaConvergence(model="fe").fit(s, groups=tiny)
    assert "tiny" in fe.by_group


def test_beta_group_islands_are_reported(income_w):
    s, w, g = income_w
    groups = g["SUB_REGION"].copy()
    groups[["Maine", "New Hampshire", "Florida", "Arizona"]] = "scattered"  # only Maine-New Hampshire touch
    res = sc.BetaConvergence(model="sem", effects="individual", draws=0, tests=False).fit(s, w=w, groups=groups)
    assert any("scattered" in n and "no neighbour" in n and "Florida" in n for n in res.notes)
    groups[["Maine", "New Hampshire", "Florida", "Arizona"]] = ["a", "b", "b", "b"]
    groups[["Vermont", "Georgia"]] = "a"
    with pytest.warns(RuntimeWarning, match="group '[ab]'.*no two of its members"):
        res = sc.BetaConvergence(model="sem", effects="individual", draws=0, tests=False).fit(s, w=w, groups=groups)
    refused = {label for label, r in res.by_group.items() if r.reason and "no two of its members" in r.reason}
    assert {"a", "b"} <= refused
    assert np.isfinite(res.by_group["Pacific"].beta)


def test_beta_controls_and_interval_errors_name_the_problem(income_w):
    s, _w, _ = income_w
    controls = np.log(s).to_frame("ln_level")
    with pytest.raises(ValueError, match=r"controls lack.*'Alabama', 1995"):
        sc.BetaConvergence("conditional").fit(s, controls=controls.drop(("Alabama", 1995)))
    with pytest.raises(ValueError, match="interval 20 needs more than 20 periods; the series has 15"):
        sc.BetaConvergence(interval=20).fit(s)
    with pytest.raises(ValueError, match="controls are for kind='conditional'"):
        sc.BetaConvergence("absolute").fit(s, controls=controls)
