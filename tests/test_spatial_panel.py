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
    np.testing.assert_allclose(ours["params"].to_numpy(), ref.betas.ravel(), atol=1e-5)
    np.testing.assert_allclose(ours["std_errors"].to_numpy(), np.sqrt(np.diag(ref.vm)), rtol=0.01)
    assert ours["sigma2"] == pytest.approx(float(np.ravel(ref.sig2)[0]), rel=1e-5)
    # Lee-Yu with individual effects: same coefficients, sigma2 scaled by T/(T-1)
    ly = SpatialPanel("sar", "individual").fit(y, X, w)
    np.testing.assert_allclose(ly["params"].to_numpy(), ref.betas.ravel(), atol=1e-5)
    assert ly["sigma2"] == pytest.approx(float(np.ravel(ref.sig2)[0]) * t / (t - 1), rel=1e-6)


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
