"""Beta and sigma convergence never return a wrong number silently.

Fixed-effects estimates are checked against linearmodels' ``PanelOLS``; bad inputs must be refused with
a message naming the cell, column or group; per-group failures are reported as rows, not raised or hidden.
"""

from __future__ import annotations

import time
import warnings
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest

import spatialcoupling as sc


@pytest.fixture(scope="module")
def demo_d():
    """D of the bundled synthetic demo (29 provinces, 2009-2024) and its panel's controls."""
    from spatialcoupling.datasets.simulate import china_demo_system

    panel = sc.read_panel(sc.datasets.load("china_demo"), region="region", period="period").interpolate()
    scores = sc.EntropyWeights(scope="pooled").fit(panel, china_demo_system())
    ccd = sc.CouplingCoordination(contributions={"MS": 0.4, "AM": 0.6}).fit(scores)
    return ccd.D, panel.data[["gov_share", "openness"]]


def _growth(D, controls=None):
    wide = np.log(D.unstack("period"))
    g = (wide.shift(-1, axis=1) - wide).iloc[:, :-1].stack()
    x = wide.iloc[:, :-1].stack().rename("ln_y").to_frame()
    if controls is not None:
        x = x.join(controls)
    g.index = g.index.set_names(["region", "period"])
    x.index = x.index.set_names(["region", "period"])
    return g, x


@pytest.mark.parametrize("effects", ["individual", "time", "twoway"])
@pytest.mark.parametrize("kind", ["absolute", "conditional"])
def test_fe_effects_match_linearmodels_panelols(demo_d, effects, kind):
    from linearmodels.panel import PanelOLS

    D, controls = demo_d
    ctrl = controls if kind == "conditional" else None
    res = sc.BetaConvergence(kind, model="fe", effects=effects).fit(D, controls=ctrl)
    g, x = _growth(D, ctrl)
    ref = PanelOLS(
        g, x, entity_effects=effects in ("individual", "twoway"), time_effects=effects in ("time", "twoway")
    ).fit(debiased=True)
    assert res.beta == pytest.approx(ref.params["ln_y"], rel=1e-9)
    assert res.std_error == pytest.approx(ref.std_errors["ln_y"], rel=1e-9)
    assert res.p_value == pytest.approx(ref.pvalues["ln_y"], rel=1e-6, abs=1e-300)
    assert res.detail.dof == ref.df_resid
    np.testing.assert_allclose(res.detail.params.to_numpy(), ref.params.to_numpy(), rtol=1e-9)
    assert res.effects == effects
    assert res.table.iloc[0]["effects"] == effects


def test_fe_effects_give_different_estimates(demo_d):
    D, _ = demo_d
    betas = {e: sc.BetaConvergence(model="fe", effects=e).fit(D).beta for e in ("individual", "time", "twoway")}
    assert len({round(b, 8) for b in betas.values()}) == 3, betas


def test_effects_a_model_does_not_take_are_refused():
    with pytest.raises(ValueError, match=r"effects='twoways'.*model='fe'.*'individual', 'time', 'twoway'"):
        sc.BetaConvergence(model="fe", effects="twoways")
    with pytest.raises(ValueError, match=r"effects='twoways'.*model='ols'.*'none', 'pooled'"):
        sc.BetaConvergence(model="ols", effects="twoways")
    with pytest.raises(ValueError, match=r"effects='twoway'.*model='ols'.*use model='fe'"):
        sc.BetaConvergence(model="ols", effects="twoway")
    with pytest.raises(ValueError, match="effects='random' is available with model"):
        sc.BetaConvergence(model="sem", effects="random")
    assert sc.BetaConvergence(model="ols").effects == "none"
    assert sc.BetaConvergence(model="fe").effects == "individual"


def test_pooled_is_ols_with_a_constant(demo_d):
    D, _ = demo_d
    a = sc.BetaConvergence(model="ols", effects="pooled").fit(D)
    b = sc.BetaConvergence(model="ols").fit(D)
    g, x = _growth(D)
    coef = np.linalg.lstsq(np.column_stack([np.ones(len(x)), x["ln_y"]]), g.to_numpy(), rcond=None)[0]
    assert a.beta == b.beta == pytest.approx(coef[1], rel=1e-10)
    assert list(a.detail.params.index) == ["const", "ln_y"]


def _panel(n=12, t=6, seed=0):
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product([[f"r{i}" for i in range(n)], range(2000, 2000 + t)], names=["region", "period"])
    s = pd.Series(np.exp(rng.normal(size=len(idx))), index=idx)
    controls = pd.DataFrame({"x1": rng.normal(size=len(idx)), "x2": rng.normal(size=len(idx))}, index=idx)
    return s, controls


def _line_w(regions):
    import libpysal

    neighbors = {r: [regions[j] for j in (i - 1, i + 1) if 0 <= j < len(regions)] for i, r in enumerate(regions)}
    w = libpysal.weights.W(neighbors, id_order=list(regions))
    w.transform = "r"
    return w


@pytest.mark.parametrize("model", ["ols", "fe", "sar"])
def test_nan_control_and_unbalanced_series_name_the_cell(model):
    s, controls = _panel()
    w = _line_w(list(s.index.get_level_values(0).unique())) if model == "sar" else None
    bad = controls.copy()
    bad.loc[("r3", 2002), "x2"] = np.nan
    with pytest.raises(ValueError, match=r"controls: missing.*\('r3', 2002, 'x2'\)"):
        sc.BetaConvergence("conditional", model=model, draws=0, tests=False).fit(s, w=w, controls=bad)
    with pytest.raises(ValueError, match=r"unbalanced.*\('r5', 2003\)"):
        sc.BetaConvergence(model=model, draws=0, tests=False).fit(s.drop(("r5", 2003)), w=w)


@pytest.mark.parametrize("interval", [1.5, "2", True, 0, -1])
def test_interval_must_be_a_whole_number(interval):
    with pytest.raises(ValueError, match="interval must be a whole number"):
        sc.BetaConvergence(interval=interval)


def test_integral_float_interval_is_accepted():
    s, _ = _panel()
    assert sc.BetaConvergence(interval=2.0).fit(s).interval == 2


@pytest.mark.parametrize("model", ["ols", "fe"])
def test_constant_and_collinear_controls_name_the_columns(model):
    s, controls = _panel()
    with pytest.raises(ValueError, match=r"'dup' is a linear combination of \['x1'\]"):
        sc.BetaConvergence("conditional", model=model).fit(s, controls=controls.assign(dup=2 * controls["x1"]))
    const = controls.assign(c=1.0)
    pattern = r"\['c'\] have no variation" if model == "fe" else r"'c' is a linear combination of \['const'\]"
    with pytest.raises(ValueError, match=pattern):
        sc.BetaConvergence("conditional", model=model).fit(s, controls=const)
    if model == "fe":  # a control constant within regions is absorbed by the region effects
        region_level = pd.Series(s.index.get_level_values(0).factorize()[0], index=s.index, dtype=float)
        with pytest.raises(ValueError, match=r"\['zone'\] have no variation left after removing the individual"):
            sc.BetaConvergence("conditional", model="fe").fit(s, controls=controls.assign(zone=region_level))


def test_two_periods_with_individual_effects_say_why():
    s, _ = _panel(t=2)
    for model in ("fe",):
        with pytest.raises(ValueError, match=r"one growth observation per region.*individual effects absorb"):
            sc.BetaConvergence(model=model).fit(s)
    w = _line_w(list(s.index.get_level_values(0).unique()))
    with pytest.raises(ValueError, match="one growth observation per region"):
        sc.BetaConvergence(model="sar", effects="twoway", draws=0, tests=False).fit(s, w=w)
    # pooled OLS on the one cross-section of growth is fine
    assert np.isfinite(sc.BetaConvergence(model="ols").fit(s).beta)


def test_groups_without_degrees_of_freedom_are_reported_not_inf():
    s, _ = _panel(n=7, t=3)
    regions = list(s.index.get_level_values(0).unique())
    groups = {r: ("solo" if r == "r0" else "rest") for r in regions}
    with pytest.warns(RuntimeWarning, match="'solo'.*not estimable.*no residual degrees of freedom"):
        res = sc.BetaConvergence(model="fe").fit(s, groups=groups)
    solo = res.by_group["solo"]
    assert np.isnan(solo.beta)
    assert np.isnan(solo.std_error)
    assert solo.detail is None
    assert "2 observations for 1 coefficient(s) and 1 absorbed individual effect(s)" in solo.reason
    table = res.table
    assert table.xs("solo", level="group")["reason"].iloc[0] == solo.reason
    assert table.xs("rest", level="group")["reason"].iloc[0] == ""
    assert np.isfinite(res.by_group["rest"].std_error)
    assert np.isfinite(res.std_error)
    assert not any("no beta convergence" in n and "solo" in n for n in res.notes)
    # the same problem on the whole panel is an error
    with pytest.raises(ValueError, match="no residual degrees of freedom"):
        sc.BetaConvergence(model="fe").fit(s[s.index.get_level_values(0) == "r0"])


def test_results_and_settings_cannot_be_changed_from_outside():
    s, controls = _panel()
    regions = list(s.index.get_level_values(0).unique())
    groups = pd.Series({r: ("A" if i < 6 else "B") for i, r in enumerate(regions)})
    ctrl = controls.copy()
    # 0.1's style: data given to the constructor still works, warns, and is copied
    with pytest.warns(DeprecationWarning, match=r"pass controls and groups to fit: BetaConvergence\(\.\.\.\)\.fit"):
        model = sc.BetaConvergence("conditional", model="fe", controls=ctrl, groups=groups)
    first = model.fit(s)
    new_style = sc.BetaConvergence("conditional", model="fe").fit(s, controls=ctrl, groups=groups)
    pd.testing.assert_frame_equal(new_style.table, first.table)
    with pytest.raises(ValueError, match="controls was given twice"):
        model.fit(s, controls=ctrl)
    # the caller changes their objects after constructing: the model does not see it
    groups[:] = "A"
    ctrl.loc[:, "x1"] = 0.0
    second = model.fit(s)
    assert set(second.by_group) == {"A", "B"}
    assert second.beta == first.beta
    sigma_groups = dict.fromkeys(regions, "A")
    old_style = r"pass groups to fit: SigmaConvergence\(\.\.\.\)\.fit\(series, groups=groups\)"
    with pytest.warns(DeprecationWarning, match=old_style):
        sigma = sc.SigmaConvergence(groups=sigma_groups)
    sigma_groups[regions[0]] = "Z"
    assert "Z" not in sigma.fit(s).table.index.get_level_values("group")
    new_style = sc.SigmaConvergence().fit(s, groups=dict.fromkeys(regions, "A"))
    pd.testing.assert_frame_equal(sigma.fit(s).table, new_style.table)
    # the result hands out copies and read-only views
    assert isinstance(first.by_group, MappingProxyType)
    with pytest.raises(TypeError):
        first.by_group["C"] = first
    detail = first.detail
    assert type(detail).__name__ == "PanelOLSFit"
    params = detail.params
    params.iloc[:] = 99.0
    assert detail.params["ln_y"] == first.beta
    with pytest.raises(AttributeError):
        detail.dof = 1
    for name in ("params", "std_errors", "pvalues", "cov", "nobs", "dof", "resid", "tstats"):
        assert getattr(detail, name) is not None
    # every detail of the OLS/FE path is the same type
    assert type(first.by_group["A"].detail) is type(detail)
    assert type(sc.BetaConvergence(model="ols").fit(s).detail) is type(detail)


def test_sigma_with_text_periods_uses_the_period_order():
    rng = np.random.default_rng(3)
    labels = ["2009/10", "2010/11", "2011/12", "2012/13", "2013/14"]
    idx = pd.MultiIndex.from_product([[f"r{i}" for i in range(8)], labels])
    s = pd.Series(np.exp(rng.normal(size=len(idx))), index=idx)
    res = sc.SigmaConvergence("cv").fit(s)
    numeric = s.copy()
    numeric.index = pd.MultiIndex.from_product([[f"r{i}" for i in range(8)], range(5)])
    ref = sc.SigmaConvergence("cv").fit(numeric)
    np.testing.assert_allclose(
        res.trend.loc["overall", ["slope", "std_error", "p_value"]].to_numpy(float),
        ref.trend.loc["overall", ["slope", "std_error", "p_value"]].to_numpy(float),
    )
    assert any("not numeric" in n and "period order" in n for n in res.notes)
    assert not any("not numeric" in n for n in ref.notes)
    # beta convergence with text periods: growth between consecutive labels, same as with numbers
    text, num = sc.BetaConvergence(model="fe").fit(s), sc.BetaConvergence(model="fe").fit(numeric)
    assert text.beta == pytest.approx(num.beta, rel=1e-12)


def _zones_setup():
    """The per-zone design: 30 provinces (no Tibet), queen W, 8 economic zones, 2011-2020, synthetic D."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the island link of Hainan is reported by spatial_weights
        g = sc.datasets.load("china_provinces")
        g = g[g["name_en"] != "Tibet"]
        w = sc.spatial_weights(g, kind="queen")
    rng = np.random.default_rng(1)
    n, t = w.n, 10
    ly = np.empty((n, t))
    ly[:, 0] = rng.normal(-1, 0.3, n)
    for j in range(1, t):
        ly[:, j] = ly[:, j - 1] + 0.05 - 0.1 * (ly[:, j - 1] + 1) + rng.normal(0, 0.03, n)
    idx = pd.MultiIndex.from_product([list(w.id_order), range(2011, 2021)], names=["region", "period"])
    return pd.Series(np.exp(ly).ravel(), index=idx), w, g["zone8"], g["name_en"]


@pytest.mark.parametrize(("model", "lee_yu"), [("sdm", True), ("sdm", False), ("sar", True)])
def test_per_zone_twoway_fits_finish_and_name_the_zones_they_cannot_estimate(model, lee_yu):
    D, w, zone8, names = _zones_setup()
    start = time.perf_counter()
    with pytest.warns(RuntimeWarning, match="not estimable"):
        res = sc.BetaConvergence(model=model, effects="twoway", lee_yu=lee_yu, draws=200, seed=1).fit(
            D, w=w, groups=zone8
        )
    elapsed = time.perf_counter() - start
    assert elapsed < 120, elapsed
    table = res.table
    assert len(table) == 9
    assert np.isfinite(res.beta)
    # Shanghai, Jiangsu and Zhejiang are all neighbours of one another: rho is not identified with time effects
    east = res.by_group["Eastern Coastal"]
    assert np.isnan(east.beta)
    assert "not identified" in east.reason
    assert "Eastern Coastal" in east.reason
    south = res.by_group["Southern Coastal"]  # Hainan has no neighbour inside its zone
    if lee_yu:
        assert np.isnan(south.beta)
        assert "row-standardised" in south.reason
        assert str(names[names == "Hainan"].index[0]) in south.reason
        assert "lee_yu=False" in south.reason
    else:
        assert np.isfinite(south.beta)
    estimated = [label for label, r in res.by_group.items() if r.reason is None]
    assert len(estimated) >= 5
    for label in estimated:
        r = res.by_group[label]
        assert np.isfinite(r.beta)
        assert np.isfinite(r.std_error)
        assert r.tests is not None
    for label, r in res.by_group.items():
        if r.reason:
            assert table.xs(label, level="group")["reason"].iloc[0].startswith(f"group {label!r}")
            assert any(n.startswith(f"group {label!r}") and "not estimable" in n for n in res.notes)


@pytest.mark.skipif(__import__("shutil").which("Rscript") is None, reason="R is not installed")
def test_fe_twoway_matches_r_plm(demo_d, tmp_path):
    """The two-way within estimator against R's plm(model = "within", effect = "twoways")."""
    import subprocess

    D, controls = demo_d
    res = sc.BetaConvergence("conditional", model="fe", effects="twoway").fit(D, controls=controls)
    g, x = _growth(D, controls)
    data = x.assign(growth=g).reset_index()
    data.to_csv(tmp_path / "growth.csv", index=False)
    script = tmp_path / "plm.R"
    script.write_text(
        "suppressMessages(library(plm))\n"
        f'd <- read.csv("{tmp_path / "growth.csv"}")\n'
        'm <- plm(growth ~ ln_y + gov_share + openness, data = d, index = c("region", "period"),\n'
        '         model = "within", effect = "twoways")\n'
        "s <- summary(m)$coefficients\n"
        'cat(sprintf("%.15g %.15g %d\\n", s["ln_y", 1], s["ln_y", 2], df.residual(m)))\n'
    )
    out = subprocess.run(["Rscript", str(script)], capture_output=True, text=True, timeout=120, check=False)
    if out.returncode != 0 and "plm" in out.stderr:
        pytest.skip("R package plm is not installed")
    beta, se, dof = out.stdout.split()
    assert res.beta == pytest.approx(float(beta), rel=1e-9)
    assert res.std_error == pytest.approx(float(se), rel=1e-9)
    assert res.detail.dof == int(dof)


def test_barro_cross_section_uses_the_controls_in_the_first_period():
    s, controls = _panel(n=30, t=6)
    res = sc.BetaConvergence("conditional", cross_section=True).fit(s, controls=controls)
    wide = np.log(s.unstack("period"))
    first = controls.xs(2000, level="period").loc[wide.index]
    X = np.column_stack([np.ones(len(wide)), wide[2000], first["x1"], first["x2"]])
    coef = np.linalg.lstsq(X, (wide[2005] - wide[2000]).to_numpy(), rcond=None)[0]
    assert res.beta == pytest.approx(coef[1], rel=1e-10)
    assert list(res.detail.params.index) == ["const", "ln_y", "x1", "x2"]
    assert res.interval == 5
