"""The convergence contract: data to fit, settings declared once, one weights and groups adapter,
the estimator names on BetaResult, and real figures drawn from plain frames."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import spatialcoupling as sc
from spatialcoupling.datasets import load


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
    return s, w, g["SUB_REGION"]


def _panel(n=12, t=6, seed=0):
    rng = np.random.default_rng(seed)
    idx = pd.MultiIndex.from_product([[f"r{i}" for i in range(n)], range(2000, 2000 + t)], names=["region", "period"])
    s = pd.Series(np.exp(rng.normal(size=len(idx))), index=idx)
    controls = pd.DataFrame({"x1": rng.normal(size=len(idx))}, index=idx)
    return s, controls


# -- settings ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("kind", "relative"),
        ("model", "gmm"),
        ("seed", -1),
        ("draws", 10),
        ("lee_yu", "yes"),
        ("tests", 1),
        ("timeout", 0),
        ("cross_section", "no"),
        ("effects", 3),
    ],
)
def test_beta_settings_are_checked_and_named(setting, value):
    from spatialcoupling._params import InvalidParameterError

    with pytest.raises(InvalidParameterError, match=rf"BetaConvergence: {setting} must be"):
        sc.BetaConvergence(**{setting: value})


def test_settings_changed_after_construction_are_caught_by_fit():
    s, _ = _panel()
    beta = sc.BetaConvergence(model="fe")
    beta.kind = "relative"
    with pytest.raises(ValueError, match="kind must be"):
        beta.fit(s)
    beta = sc.BetaConvergence(model="fe")
    beta.effects = "none"
    with pytest.raises(ValueError, match="effects='none' is not available with model='fe'"):
        beta.fit(s)
    sigma = sc.SigmaConvergence("cv")
    sigma.measure = "variance"
    with pytest.raises(ValueError, match="SigmaConvergence: measure must be"):
        sigma.fit(s)
    clubs = sc.ClubConvergence()
    clubs.r = 2.0
    with pytest.raises(ValueError, match="ClubConvergence: r must be"):
        clubs.fit(s)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"log": "yes"}, "log must be"),
        ({"merge_divergent": 1}, "merge_divergent must be"),
        ({"lags": 2.5, "hac": "bartlett"}, "lags must be"),
        ({"critical": np.inf}, "critical must be"),
    ],
)
def test_club_settings_are_checked_and_named(kwargs, match):
    with pytest.raises(ValueError, match=rf"ClubConvergence: {match}"):
        sc.ClubConvergence(**kwargs)


def test_club_merge_keeps_its_spellings_and_settings_are_read_only():
    rng = np.random.default_rng(0)
    X = 9 + 0.02 * np.arange(30) + rng.uniform(-0.3, 0.3, (10, 1)) * np.exp(-0.2 * np.arange(30))
    idx = pd.MultiIndex.from_product([[f"r{i}" for i in range(10)], range(30)], names=["region", "period"])
    s = pd.Series(np.exp(X).ravel(), index=idx)
    upper, lower = sc.ClubConvergence(merge="PS").fit(s), sc.ClubConvergence(merge="ps").fit(s)
    assert upper.settings["merge"] == lower.settings["merge"] == "ps"
    assert sc.ClubConvergence(merge=False).fit(s).settings["merge"] is None
    assert isinstance(upper.settings, MappingProxyType)
    with pytest.raises(TypeError):
        upper.settings["r"] = 0.5


# -- data to fit ------------------------------------------------------------------------------
def test_weights_in_the_constructor_still_work_and_warn(income_w):
    s, w, _ = income_w
    with pytest.warns(DeprecationWarning, match=r"pass w to fit: BetaConvergence\(\.\.\.\)\.fit\(series, w=w\)"):
        old = sc.BetaConvergence(model="sar", w=w, draws=0, tests=False)
    new = sc.BetaConvergence(model="sar", draws=0, tests=False)
    pd.testing.assert_frame_equal(old.fit(s).table, new.fit(s, w=w).table)
    with pytest.raises(ValueError, match="w was given twice"):
        old.fit(s, w=w)


def test_beta_takes_a_graph_and_weights_keyed_by_numbers(income_w):
    from libpysal.graph import Graph

    s, w, groups = income_w
    ref = sc.BetaConvergence(model="sar", draws=0, tests=False).fit(s, w=w, groups=groups)
    graph = sc.BetaConvergence(model="sar", draws=0, tests=False).fit(s, w=Graph.from_W(w), groups=groups)
    pd.testing.assert_frame_equal(graph.table, ref.table)
    # W keyed by numbers, the series and the groups by their text: matched as keys, groups restricted
    import libpysal

    code = {r: 100 + i for i, r in enumerate(w.id_order)}
    wn = libpysal.weights.W(
        {code[k]: [code[j] for j in v] for k, v in w.neighbors.items()}, id_order=[code[r] for r in w.id_order]
    )
    wn.transform = "r"
    sn = s.rename(index=lambda r: str(code[r]), level=0)
    gn = groups.rename(index=lambda r: str(code[r]))
    res = sc.BetaConvergence(model="sar", draws=0, tests=False).fit(sn, w=wn, groups=gn)
    np.testing.assert_allclose(res.table["beta"].to_numpy(), ref.table["beta"].to_numpy(), rtol=1e-12)


def test_groups_follow_the_one_policy(income_w):
    s, _w, groups = income_w
    partial = groups.drop("Texas")
    with pytest.raises(ValueError, match=r"BetaConvergence: 1 region\(s\) without a group: 'Texas'"):
        sc.BetaConvergence(model="fe").fit(s, groups=partial)
    with pytest.raises(ValueError, match=r"SigmaConvergence: 1 region\(s\) without a group: 'Texas'"):
        sc.SigmaConvergence().fit(s, groups=partial)
    res = sc.BetaConvergence(model="fe").fit(s, groups=groups)
    assert list(res.by_group) == sorted(groups.unique())  # groups in the order of their labels
    sigma = sc.SigmaConvergence().fit(s, groups=groups)
    assert list(sigma.trend.index) == ["overall", *sorted(groups.unique())]


# -- estimator names and figures -------------------------------------------------------------
def test_beta_result_has_the_estimator_names_of_its_fit(income_w):
    s, w, groups = income_w
    tiny = groups.copy()
    tiny[["Maine", "Vermont"]] = "tiny"
    with pytest.warns(RuntimeWarning, match="not estimable"):
        sar = sc.BetaConvergence(model="sar", draws=0, tests=False).fit(s, w=w, groups=tiny)
    fe = sc.BetaConvergence(model="fe").fit(s)
    for res in (fe, sar):
        pd.testing.assert_series_equal(res.params, res.detail.params)
        pd.testing.assert_series_equal(res.std_errors, res.detail.std_errors)
        pd.testing.assert_series_equal(res.pvalues, res.detail.pvalues)
        pd.testing.assert_frame_equal(res.cov, res.detail.cov)
        assert res.params["ln_y"] == res.beta
        assert res.std_errors["ln_y"] == res.std_error
        assert res.nobs == 48 * 14
        assert isinstance(res.settings, MappingProxyType)
    pd.testing.assert_series_equal(fe.tstats, fe.detail.tstats)
    assert fe.zstats is None
    assert sar.tstats is None
    pd.testing.assert_series_equal(sar.zstats, sar.detail.zstats)
    not_fitted = sar.by_group["tiny"]
    assert not_fitted.params is None
    assert not_fitted.nobs is None
    assert not_fitted.cov is None
    assert sar.settings["model"] == "sar"
    assert sar.settings["draws"] == 0


def test_beta_plot_shows_beta_and_the_speed_with_their_intervals(income_w):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s, _, groups = income_w
    res = sc.BetaConvergence(model="fe").fit(s, groups=groups)
    fig = res.plot()
    left, right = fig.axes
    labels = ["all", *res.by_group]
    assert [t.get_text() for t in left.get_yticklabels()] == labels
    bars = left.containers[0]
    np.testing.assert_allclose(bars.lines[0].get_xdata(), res.table["beta"].to_numpy())
    # the interval of beta: t quantile with the residual degrees of freedom of the within fit
    segments = bars.lines[2][0].get_segments()
    c = stats.t.ppf(0.975, res.detail.dof)
    np.testing.assert_allclose(
        [seg[:, 0] for seg in segments[:1]], [[res.beta - c * res.std_error, res.beta + c * res.std_error]]
    )
    converging = np.isfinite(res.table["speed"].to_numpy())
    np.testing.assert_allclose(right.containers[0].lines[0].get_xdata(), res.table["speed"].to_numpy()[converging])
    assert sum("half-life" in t.get_text() for t in right.texts) == converging.sum()
    plt.close(fig)


def test_sigma_and_club_figures_come_from_plain_frames():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from spatialcoupling.plotting.convergence import club_paths_plot, sigma_plot

    wide = pd.DataFrame({"overall": [0.3, 0.28, 0.25], "east": [0.2, 0.21, 0.19]}, index=[2000, 2001, 2002])
    fig = sigma_plot(wide, "cv")
    assert [line.get_label() for line in fig.axes[0].lines] == ["overall", "east"]
    np.testing.assert_allclose(fig.axes[0].lines[1].get_ydata(), [0.2, 0.21, 0.19])
    plt.close(fig)
    paths = pd.DataFrame([[1.1, 1.05], [1.0, 1.02], [0.9, 0.93]], index=["a", "b", "c"], columns=[2000, 2001])
    clubs = pd.Series(["club1", "club1", "divergent"], index=["a", "b", "c"])
    fig = club_paths_plot(paths, clubs, ["club1", "divergent"])
    lines = fig.axes[0].lines
    assert len(lines) == 2 + 1 + 1 + 1 + 1  # two members, club mean, one divergent, its mean, the line h = 1
    np.testing.assert_allclose(lines[2].get_ydata(), [1.05, 1.035])
    assert lines[3].get_color() == "0.5"
    plt.close(fig)
