"""Centre of gravity and standard deviational ellipse checked by hand on a small point set (the
principal axes of the weighted covariance), against pointpats' variants, and distances against
geodesic distances."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import spatialcoupling as sc
from spatialcoupling.dynamics import GravityCentre
from spatialcoupling.dynamics.gravity import ellipse_axes

#: square regions (1 km sides) centred on these points, in UTM zone 50N metres
OFFSETS = np.array([[0.0, 0.0], [4000.0, 2000.0], [8000.0, 1000.0], [2000.0, 6000.0], [6000.0, -3000.0]])
CENTRES = OFFSETS + np.array([500_000.0, 3_500_000.0])


def _squares() -> gpd.GeoDataFrame:
    boxes = [shapely.box(x - 500, y - 500, x + 500, y + 500) for x, y in CENTRES]
    return gpd.GeoDataFrame(geometry=boxes, index=pd.Index(list("abcde"), name="region"), crs=32650)


def _weights() -> pd.Series:
    w = np.array([[1.0, 2.0], [2.0, 2.0], [1.0, 3.0], [3.0, 1.0], [1.0, 1.0]])
    idx = pd.MultiIndex.from_product([list("abcde"), [2000, 2001]], names=["region", "period"])
    return pd.Series(w.ravel(), index=idx, name="D")


def _by_hand(points: np.ndarray, w: np.ndarray, factor: float):
    c = (w[:, None] * points).sum(axis=0) / w.sum()
    d = points - c
    cov = (w[:, None, None] * d[:, :, None] * d[:, None, :]).sum(axis=0) / w.sum()
    values, vectors = np.linalg.eigh(cov)
    major = factor * np.sqrt(values[1])
    minor = factor * np.sqrt(values[0])
    east, north = vectors[:, 1]
    rotation = np.degrees(np.arctan2(east, north)) % 180.0  # clockwise from north
    return c, major, minor, rotation


def test_centre_and_ellipse_by_hand():
    g = GravityCentre().fit(_weights(), _squares())
    t = g.table
    w = _weights().unstack("period").to_numpy()
    for k, period in enumerate((2000, 2001)):
        c, a, b, rot = _by_hand(CENTRES, w[:, k], np.sqrt(2))
        assert t.loc[period, "x"] == pytest.approx(c[0])
        assert t.loc[period, "y"] == pytest.approx(c[1])
        assert t.loc[period, "major"] == pytest.approx(a / 1000)
        assert t.loc[period, "minor"] == pytest.approx(b / 1000)
        assert t.loc[period, "rotation"] == pytest.approx(rot, abs=1e-9)
        assert t.loc[period, "area"] == pytest.approx(np.pi * a * b / 1e6)
        assert t.loc[period, "flattening"] == pytest.approx(1 - b / a)
    # the move, by hand, in km, and its compass bearing
    c0 = _by_hand(CENTRES, w[:, 0], 1)[0]
    c1 = _by_hand(CENTRES, w[:, 1], 1)[0]
    dx, dy = (c1 - c0) / 1000
    assert t.loc[2001, "distance"] == pytest.approx(np.hypot(dx, dy))
    assert t.loc[2001, "bearing"] == pytest.approx(np.degrees(np.arctan2(dx, dy)) % 360)
    assert t.loc[2001, "direction"] == "SE"
    assert np.isnan(t.loc[2000, "distance"])
    assert g.settings["crs"].startswith("EPSG:32650")


def test_ellipse_polygon_has_the_axes():
    g = GravityCentre(ellipse_points=720).fit(_weights(), _squares())
    shape = g.ellipses.geometry.iloc[0]
    row = g.table.iloc[0]
    assert shape.area / 1e6 == pytest.approx(row["area"], rel=1e-4)
    centre = np.array([row["x"], row["y"]])
    far = np.asarray(shape.exterior.coords)
    r = np.hypot(*(far - centre).T)
    assert r.max() / 1000 == pytest.approx(row["major"], rel=1e-5)
    assert r.min() / 1000 == pytest.approx(row["minor"], rel=1e-4)
    tip = far[np.argmax(r)] - centre
    assert np.degrees(np.arctan2(tip[0], tip[1])) % 180 == pytest.approx(row["rotation"], abs=0.3)


@pytest.mark.parametrize(("variant", "factor"), [("plain", 1.0), ("arcgis", np.sqrt(2)), ("crimestat", None)])
def test_variants(variant, factor):
    w = np.array([1.0, 2.0, 1.0, 3.0, 1.0])
    a, b, rot = ellipse_axes(CENTRES, w, variant)
    n = len(CENTRES)
    f = factor if factor is not None else np.sqrt(2) * np.sqrt(n / (n - 2))
    _, ha, hb, hrot = _by_hand(CENTRES, w, f)
    assert (a, b) == pytest.approx((ha, hb))
    assert rot == pytest.approx(hrot)


def test_unweighted_crimestat_equals_pointpats_example():
    from pointpats.centrography import ellipse

    # pointpats' own example points: ellipse(coords) -> (50.1303, 37.9522, 0.34656)
    coords = np.array(
        [
            [66.22, 32.54],
            [22.52, 22.39],
            [31.01, 81.21],
            [9.47, 31.02],
            [30.78, 60.10],
            [75.21, 58.93],
            [79.26, 7.68],
            [8.23, 39.93],
            [98.73, 77.17],
            [89.78, 42.53],
            [65.19, 92.08],
        ]
    )
    a, b, rot = ellipse_axes(coords, np.ones(len(coords)), "crimestat")
    pa, pb, _ = ellipse(coords)
    assert (a, b) == pytest.approx((50.13029459102783, 37.95222670267865))
    assert (a, b) == pytest.approx((pa, pb))
    assert rot == pytest.approx(_by_hand(coords, np.ones(len(coords)), 1.0)[3])


def test_china_uses_the_albers_projection_and_us_distances_are_geodesic():
    from pyproj import CRS, Geod

    provinces = sc.datasets.load("china_provinces")
    ids = provinces.index
    idx = pd.MultiIndex.from_product([ids, [2020, 2021]], names=["region", "period"])
    d = pd.Series(np.linspace(0.2, 0.8, len(idx)), index=idx)
    g = GravityCentre().fit(d, provinces)
    crs = CRS.from_user_input(g.settings["crs"]).to_dict()
    assert (crs["proj"], crs["lat_1"], crs["lat_2"], crs["lon_0"]) == ("aea", 25, 47, 105)
    assert g.plot().axes

    income = sc.datasets.load("us_income")
    us = sc.datasets.load("us_states")
    g = GravityCentre().fit(income, us)
    t = g.table.iloc[1:]
    geod = Geod(ellps="WGS84")
    prev = g.table.iloc[:-1]
    _, _, metres = geod.inv(prev["lon"].to_numpy(), prev["lat"].to_numpy(), t["lon"].to_numpy(), t["lat"].to_numpy())
    big = metres > 5_000  # equal-area maps stretch distances a little: within 2 % of the geodesic
    np.testing.assert_allclose(t["distance"].to_numpy()[big], metres[big] / 1000, rtol=0.02)


def test_bad_inputs():
    squares = _squares()
    weights = _weights()
    with pytest.raises(ValueError, match="no boundary: 'f'"):
        GravityCentre().fit(
            pd.concat(
                [
                    weights,
                    pd.Series(
                        [1.0, 1.0], index=pd.MultiIndex.from_product([["f"], [2000, 2001]], names=["region", "period"])
                    ),
                ]
            ),
            squares,
        )
    with pytest.raises(ValueError, match=r"negative at.*'a', 2000"):
        GravityCentre().fit(weights.where(weights.index != ("a", 2000), -1.0), squares)
    with pytest.raises(ValueError, match=r"every weight is 0 in period.*2001"):
        GravityCentre().fit(weights.where(weights.index.get_level_values("period") == 2000, 0.0), squares)
    with pytest.raises(ValueError, match="no CRS"):
        GravityCentre().fit(weights, squares.set_crs(None, allow_override=True))
    with pytest.raises(ValueError, match="projected CRS"):
        GravityCentre(crs=4326).fit(weights, squares)
    with pytest.raises(ValueError, match="crs must be"):
        GravityCentre(crs="not a crs")
    with pytest.raises(TypeError, match="GeoDataFrame"):
        GravityCentre().fit(weights, pd.DataFrame({"x": [1]}))
    extra = pd.concat([squares, gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], index=pd.Index(["z"]), crs=32650)])
    g = GravityCentre().fit(weights, extra)
    assert any("carry no weight: 'z'" in n for n in g.notes)


def test_export_layers(tmp_path):
    g = GravityCentre().fit(_weights(), _squares())
    g.export(tmp_path / "gravity.gpkg")
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(tmp_path / "gravity.gpkg")}
    assert layers == {"centres", "ellipses"}
    g.export(tmp_path / "centres.geojson", layer="centres")
    back = gpd.read_file(tmp_path / "centres.geojson")
    assert len(back) == 2
    assert back.geometry.iloc[0].geom_type == "Point"
    g.export(tmp_path / "gravity.csv")
    g.export(tmp_path / "gravity.png")
    assert (tmp_path / "gravity.png").stat().st_size > 0
