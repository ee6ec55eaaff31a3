"""The SpatialPanel contract: weights through the one adapter, ids matched as keys, settings declared once,
the estimator names, deprecated aliases, and a real figure."""

from __future__ import annotations

import warnings
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest

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


def _numbered(y, X, w):
    """The same panel with the regions numbered: W keyed by integers, the data by their text."""
    import libpysal

    code = {r: 1000 + i for i, r in enumerate(w.id_order)}
    neighbors = {code[k]: [code[j] for j in v] for k, v in w.neighbors.items()}
    wn = libpysal.weights.W(neighbors, id_order=[code[r] for r in w.id_order])
    wn.transform = "r"

    def relabel(obj):
        out = obj.copy()
        regions = out.index.get_level_values(0).map(lambda r: str(code[r]))
        out.index = pd.MultiIndex.from_arrays([regions, out.index.get_level_values(1)], names=["region", "period"])
        return out

    return relabel(y), relabel(X), wn, code


def test_a_libpysal_graph_gives_the_same_fit_as_its_w(munnell):
    from libpysal.graph import Graph

    from spatialcoupling._weights import as_weights
    from spatialcoupling.spatial_panel import SpatialPanel, lm_tests

    y, X, w = munnell
    ref = SpatialPanel("sdm", "twoway", draws=100, seed=1).fit(y, X, w)
    for other in (Graph.from_W(w), as_weights(w)):
        res = SpatialPanel("sdm", "twoway", draws=100, seed=1).fit(y, X, other)
        pd.testing.assert_frame_equal(res.table, ref.table)
        pd.testing.assert_frame_equal(res.impacts, ref.impacts)
    pd.testing.assert_frame_equal(lm_tests(y, X, Graph.from_W(w)), lm_tests(y, X, w))


def test_regions_are_matched_to_weights_as_keys_and_keep_the_data_labels(munnell):
    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell
    ref = SpatialPanel("sar", "individual", draws=0).fit(y, X, w)
    yn, Xn, wn, code = _numbered(y, X, w)
    res = SpatialPanel("sar", "individual", draws=0).fit(yn, Xn, wn)
    np.testing.assert_array_equal(res.params.to_numpy(), ref.params.to_numpy())
    assert res.resid.index.get_level_values("region")[0] == str(code[w.id_order[0]])
    assert set(res.fixed_effects["region"].index) == set(yn.index.get_level_values(0))


def test_one_region_spelled_two_ways_is_refused(munnell):
    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell
    yn, Xn, wn, code = _numbered(y, X, w)
    first = str(code[w.id_order[0]])

    def twice(obj):  # the first region as the number 1000 and again as the text "1000"
        return pd.concat([obj.rename(index={first: int(first)}, level=0), obj.xs(first, level=0, drop_level=False)])

    with pytest.raises(ValueError, match=rf"y names one region twice.*{first}.*'{first}'"):
        SpatialPanel("sar", draws=0).fit(twice(yn), twice(Xn), wn)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("seed", -1),
        ("seed", 1.5),
        ("lee_yu", "yes"),
        ("lee_yu", 1),
        ("draws", 49),
        ("draws", 100.5),
        ("logdet", "dense"),
        ("maxiter", 9),
        ("timeout", 0),
        ("model", "probit"),
        ("effects", "two-way"),
    ],
)
def test_settings_are_checked_and_named(setting, value):
    from spatialcoupling._params import InvalidParameterError
    from spatialcoupling.spatial_panel import SpatialPanel

    with pytest.raises(InvalidParameterError, match=rf"SpatialPanel: {setting} must be"):
        SpatialPanel(**{setting: value})


def test_a_setting_changed_after_construction_is_caught_by_fit(munnell):
    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell
    model = SpatialPanel("sar", draws=0)
    model.draws = 10
    with pytest.raises(ValueError, match="draws must be"):
        model.fit(y, X, w)
    model = SpatialPanel("sem", draws=0)
    model.effects = "random"
    with pytest.raises(ValueError, match="random effects are implemented"):
        model.fit(y, X, w)
    assert "draws=0" in repr(SpatialPanel("sar", draws=0))


def test_seed_none_is_fresh_and_reported_so_the_fit_can_be_repeated(munnell):
    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell
    res = SpatialPanel("sar", "individual", draws=100, seed=None).fit(y, X, w)
    note = next(n for n in res.notes if n.startswith("seed=None"))
    entropy = int(note.split("pass seed=")[1].split()[0])
    again = SpatialPanel("sar", "individual", draws=100, seed=entropy).fit(y, X, w)
    pd.testing.assert_frame_equal(res.impacts, again.impacts)
    sequence = SpatialPanel("sar", "individual", draws=100, seed=np.random.SeedSequence(entropy)).fit(y, X, w)
    pd.testing.assert_frame_equal(sequence.impacts, again.impacts)


def test_estimator_names_settings_and_deprecated_aliases(munnell):
    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell
    res = SpatialPanel("sac", "individual", draws=0).fit(y, X, w)
    np.testing.assert_allclose(res.zstats, res.params / res.std_errors)
    assert res.nobs == 48 * 17 == len(res.resid)
    assert res.lambda_ == res.params["lambda"]
    assert res.rho == res.params["rho"]
    assert isinstance(res.settings, MappingProxyType)
    assert res.settings["model"] == "sac"
    with pytest.raises(TypeError):
        res.settings["model"] = "sar"
    with pytest.warns(DeprecationWarning, match=r"tvalues is deprecated; use \.zstats"):
        pd.testing.assert_series_equal(res.tvalues, res.zstats)
    with pytest.warns(DeprecationWarning, match=r"lam is deprecated; use \.lambda_"):
        assert res.lam == res.lambda_
    with pytest.warns(DeprecationWarning, match=r"result\['params'\] is deprecated.*result\.params"):
        pd.testing.assert_series_equal(res["params"], res.params)
    with pytest.warns(DeprecationWarning, match="result.zstats"):
        pd.testing.assert_series_equal(res["tvalues"], res.zstats)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _ = (res.params, res.std_errors, res.zstats, res.pvalues, res.cov, res.nobs, res.lambda_)


def test_wald_function_is_the_method(munnell):
    from spatialcoupling.spatial_panel import SpatialPanel, wald_test

    y, X, w = munnell
    sdm = SpatialPanel("sdm", "twoway", draws=0).fit(y, X, w)
    for restriction in ("sar", "sem", "slx", {"pc": 0.0, "rho": 0.2}):
        pd.testing.assert_series_equal(wald_test(sdm, restriction), sdm.wald_test(restriction))
    # the common factor restriction by hand: g = theta + rho beta, J from its derivatives
    p, V = sdm.params, sdm.cov
    base = list(X.columns)
    g = np.array([p[f"W_{c}"] + p["rho"] * p[c] for c in base])
    J = np.zeros((len(base), len(p)))
    for i, c in enumerate(base):
        J[i, list(p.index).index(f"W_{c}")] = 1.0
        J[i, list(p.index).index(c)] = p["rho"]
        J[i, list(p.index).index("rho")] = p[c]
    assert sdm.wald_test("sem")["statistic"] == pytest.approx(g @ np.linalg.solve(J @ V.to_numpy() @ J.T, g), rel=1e-12)


def test_plot_shows_the_coefficients_with_intervals_and_the_impacts(munnell, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from spatialcoupling.spatial_panel import SpatialPanel

    y, X, w = munnell
    sdm = SpatialPanel("sdm", "twoway", draws=100, seed=1).fit(y, X, w)
    fig = sdm.plot()
    coef_ax, impacts_ax = fig.axes
    assert [t.get_text() for t in coef_ax.get_yticklabels()] == list(sdm.params.index)
    points = coef_ax.containers[0].lines[0].get_xdata()
    np.testing.assert_allclose(points, sdm.params.to_numpy())
    assert [c.get_label() for c in impacts_ax.containers] == ["direct", "indirect", "total"]
    direct = impacts_ax.containers[0].lines[0].get_xdata()
    np.testing.assert_allclose(direct, sdm.impacts.xs("direct", level="effect")["estimate"].to_numpy())
    plt.close(fig)
    sem = SpatialPanel("sem", "individual", draws=0).fit(y, X, w)
    fig = sem.plot(terms=["pc", "lambda"])
    assert len(fig.axes) == 1
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["pc", "lambda"]
    plt.close(fig)
    assert sdm.export(tmp_path / "sdm.png").stat().st_size > 0
