"""read_regions and match_regions: formats, checks, and alignment with a panel."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

import spatialcoupling as sc
from spatialcoupling.regions import NOTES_ATTR, distance_points


def _grid(crs=4326):
    geoms = [box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2)]
    return gpd.GeoDataFrame(
        {"code": ["A1", "B2", "C3", "D4"], "name": ["Alpha", "Beta", "Gamma", "Delta"], "num": [11, 22, 33, 44]},
        geometry=geoms,
        crs=crs,
    )


@pytest.mark.parametrize("suffix", [".shp", ".gpkg", ".geojson"])
def test_read_regions_formats(tmp_path, suffix):
    path = tmp_path / f"grid{suffix}"
    _grid().to_file(path, engine="pyogrio")
    regions = sc.read_regions(path, id="code")
    assert list(regions.index) == ["A1", "B2", "C3", "D4"]
    assert regions.index.name == "region"
    assert list(regions["name"]) == ["Alpha", "Beta", "Gamma", "Delta"]
    assert regions.crs.to_epsg() == 4326
    assert regions.attrs[NOTES_ATTR] == []


def test_read_regions_gpkg_layers(tmp_path):
    path = tmp_path / "two.gpkg"
    _grid().to_file(path, layer="provinces", engine="pyogrio")
    _grid().iloc[:2].to_file(path, layer="cities", engine="pyogrio")
    with pytest.raises(ValueError, match=r"2 layers.*provinces.*cities|2 layers.*cities.*provinces"):
        sc.read_regions(path, id="code")
    assert len(sc.read_regions(path, id="code", layer="cities")) == 2
    assert len(sc.read_regions(path, id="code", layer="provinces")) == 4


def test_read_regions_missing_id_lists_columns(tmp_path):
    path = tmp_path / "grid.gpkg"
    _grid().to_file(path, engine="pyogrio")
    with pytest.raises(ValueError, match=r"no id column 'adcode'.*\['code', 'name', 'num'\]"):
        sc.read_regions(path, id="adcode")


def test_read_regions_duplicates_named(tmp_path):
    gdf = _grid()
    gdf.loc[2, "code"] = "A1"
    gdf.loc[3, "code"] = "B2"
    path = tmp_path / "dup.gpkg"
    gdf.to_file(path, engine="pyogrio")
    with pytest.raises(ValueError, match=r"not unique.*'A1', 'B2'"):
        sc.read_regions(path, id="code")


def test_read_regions_no_crs(tmp_path):
    path = tmp_path / "nocrs.shp"
    gdf = _grid()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        gdf.set_crs(None, allow_override=True).to_file(path, engine="pyogrio")
    with pytest.raises(ValueError, match="no coordinate reference system"):
        sc.read_regions(path, id="code")


def test_read_regions_invalid_geometry_reported_and_repaired(tmp_path):
    gdf = _grid()
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    gdf.loc[1, "geometry"] = bowtie
    path = tmp_path / "bad.gpkg"
    gdf.to_file(path, engine="pyogrio")
    with pytest.raises(ValueError, match=r"invalid geometry for 1 region.*'B2'.*Self-intersection.*repair=True"):
        sc.read_regions(path, id="code")
    with pytest.warns(UserWarning, match="repaired invalid geometry.*'B2'"):
        fixed = sc.read_regions(path, id="code", repair=True)
    assert fixed.geometry.is_valid.all()
    assert fixed.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert "B2" in fixed.attrs[NOTES_ATTR][0]
    assert fixed.loc["B2"].geometry.area == pytest.approx(0.5)  # two triangles of 1/4 each


def test_read_regions_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nothere\.shp"):
        sc.read_regions(tmp_path / "nothere.shp", id="code")


# ---------------------------------------------------------------------------
# match_regions
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def provinces():
    return sc.datasets.load("china_provinces")


def _panel(names, periods=(2020, 2021)):
    rows = [{"region": r, "period": t, "x": float(i + t)} for i, r in enumerate(names) for t in periods]
    return sc.read_panel(pd.DataFrame(rows))


def test_match_regions_panel_by_names_in_panel_order(provinces):
    panel = _panel(["Shanghai", "Beijing", "Guangdong"])
    with pytest.warns(UserWarning, match="dropped 28"):
        out = sc.match_regions(provinces, panel, on="name_en", extra="drop")
    assert list(out.index) == list(panel.regions)  # the Panel's region order
    code = {"Shanghai": 310000, "Beijing": 110000, "Guangdong": 440000}
    assert list(out["adcode"]) == [code[r] for r in panel.regions]
    assert out.index.name == "region"


def test_match_regions_auto_detects_column_and_accepts_series_and_list(provinces):
    names = [n for n in provinces["name_en"] if n not in ("Tibet", "Hainan")]
    with pytest.warns(UserWarning, match=r"dropped 2 boundary\(ies\) without data: 'Hainan', 'Tibet'"):
        out = sc.match_regions(provinces, names, extra="drop")
    assert list(out.index) == names
    assert "Tibet" in out.attrs[NOTES_ATTR][-1]
    s = pd.Series(1.0, index=pd.MultiIndex.from_product([names, [2020, 2021]], names=["region", "period"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out2 = sc.match_regions(provinces, s, extra="drop")
    assert list(out2.index) == names
    zh = sc.match_regions(provinces, list(provinces["name_zh"]), on="name_zh")
    assert list(zh["adcode"]) == list(provinces["adcode"])


def test_match_regions_codes_as_text(provinces):
    with pytest.warns(UserWarning, match=r"dropped 29 boundary\(ies\) without data: 130000"):
        out = sc.match_regions(provinces, ["110000", "120000"], on="adcode", extra="drop")
    assert list(out.index) == ["110000", "120000"]
    assert list(out["name_en"]) == ["Beijing", "Tianjin"]


def test_match_regions_one_error_lists_both_sides(provinces):
    names = [n for n in provinces["name_en"] if n not in ("Tibet", "Hainan")] + ["Taiwan", "Hong Kong"]
    with pytest.raises(ValueError, match=r"2 panel region\(s\) without a boundary") as err:
        sc.match_regions(provinces, names, on="name_en")
    msg = str(err.value)
    assert "2 panel region(s) without a boundary" in msg
    assert "'Taiwan'" in msg
    assert "'Hong Kong'" in msg
    assert "2 boundary(ies) without data" in msg
    assert "'Tibet'" in msg
    assert "'Hainan'" in msg
    assert "extra='drop'" in msg
    with pytest.raises(ValueError, match=r"without a boundary.*'Taiwan'") as err2:
        sc.match_regions(provinces, names, on="name_en", extra="drop")
    assert "Tibet" not in str(err2.value)


def test_match_regions_bad_inputs(provinces):
    with pytest.raises(ValueError, match=r"no column 'province'.*'name_en'"):
        sc.match_regions(provinces, ["Beijing"], on="province")
    with pytest.raises(ValueError, match=r"none of the panel's region ids \('Atlantis'\)"):
        sc.match_regions(provinces, ["Atlantis"])
    with pytest.raises(ValueError, match=r"region\(s\) 'Beijing' twice"):
        sc.match_regions(provinces, ["Beijing", "Beijing"], on="name_en")
    dup = provinces.copy()
    dup.loc[120000, "region3"] = "East"
    with pytest.raises(ValueError, match=r"column 'region3'.*repeats id\(s\) 'East'"):
        sc.match_regions(dup, ["East", "West"], on="region3")
    with pytest.raises(ValueError, match="extra must be"):
        sc.match_regions(provinces, ["Beijing"], extra="ignore")


def test_distance_points_largest_part_centroid():
    # a big square and a far-away islet: the point is the big square's centre
    big = box(0, 0, 4, 4)
    islet = box(40, 40, 40.1, 40.1)
    from shapely.geometry import MultiPolygon

    gdf = gpd.GeoDataFrame(geometry=[MultiPolygon([big, islet]), box(10, 0, 12, 2)], index=["x", "y"], crs=3857)
    pts = distance_points(gdf)
    assert (pts.loc["x"].x, pts.loc["x"].y) == pytest.approx((2.0, 2.0))
    assert (pts.loc["y"].x, pts.loc["y"].y) == pytest.approx((11.0, 1.0))
    # geographic data: centroid taken in an equal-area projection, back in lon/lat
    geo = gpd.GeoDataFrame(geometry=[box(100, 10, 102, 12)], index=["z"], crs=4326)
    p = distance_points(geo).loc["z"]
    assert p.x == pytest.approx(101.0, abs=1e-9)
    assert 10.9 < p.y < 11.1


# -- ids that differ only by white space or case ----------------------------------------------
def test_read_regions_strips_ids_and_notes_it(tmp_path):
    grid = _grid()
    grid["code"] = [" A1", "B2 ", "C3", "D4"]
    path = tmp_path / "grid.gpkg"
    grid.to_file(path, engine="pyogrio")
    regions = sc.read_regions(path, id="code")
    assert list(regions.index) == ["A1", "B2", "C3", "D4"]
    assert list(regions["code"]) == ["A1", "B2", "C3", "D4"]
    assert any("' A1' → 'A1'" in n and "'B2 ' → 'B2'" in n for n in regions.attrs[NOTES_ATTR])


def test_read_regions_refuses_ids_colliding_after_normalisation(tmp_path):
    grid = _grid()
    grid["code"] = ["A1", "a1 ", "C3", "D4"]
    path = tmp_path / "grid.gpkg"
    grid.to_file(path, engine="pyogrio")
    with pytest.raises(ValueError, match=r"id column 'code' has ids that differ only in letter case.*'A1' / 'a1'"):
        sc.read_regions(path, id="code")


def test_match_regions_never_returns_a_boundary_twice(provinces):
    names = list(provinces["name_en"])
    for extra in (["Beijing "], ["BEIJING"]):
        with pytest.raises(ValueError, match=r"'Beijing'.*differ only in letter case.*same boundary"):
            sc.match_regions(provinces, names + extra, on="name_en", extra="drop")
    with pytest.raises(ValueError, match=r"110000 / '110000'"):
        sc.match_regions(provinces, [110000, "110000"], on="adcode", extra="drop")
    # a panel read from a file with a padded id: stripped on read, so one Beijing
    rows = [{"region": r, "period": 2020, "x": 1.0} for r in names] + [{"region": "Beijing ", "period": 2021, "x": 2.0}]
    out = sc.match_regions(provinces, sc.read_panel(pd.DataFrame(rows)), on="name_en")
    assert len(out) == 31
    assert not out.index.has_duplicates


def test_match_regions_refuses_case_variants_in_the_boundaries(provinces):
    shouty = provinces.copy()
    shouty.loc[120000, "name_en"] = "BEIJING"
    with pytest.raises(
        ValueError, match=r"column 'name_en' of the boundaries has ids that differ only.*'BEIJING' / 'Beijing'"
    ):
        sc.match_regions(shouty, list(provinces["name_en"]), on="name_en")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (pd.Index([" a", "b\t", "\x1cc\x1f", "北京 "]), ["a", "b", "c", "北京"]),
        (pd.Index([" a", "b"], dtype="string"), ["a", "b"]),
        (np.array(["a ", " b"]), ["a", "b"]),
        (pd.Series(["x ", " y"]), ["x", "y"]),
        (np.array([110000, 5], dtype=np.int64), ["110000", "5"]),
        (np.array([1, 2], dtype=np.int32), ["1", "2"]),
        (pd.Index([np.int64(3), 4], dtype=object), ["3", "4"]),
        (np.array([110000.0, 2.5]), ["110000", "2.5"]),
        (pd.Index([1, " a "], dtype=object), ["1", "a"]),
        (pd.Index(["a", None], dtype=object), ["a", "None"]),
        ([" 110000", 110000.0, np.int64(110000)], ["110000", "110000", "110000"]),
    ],
)
def test_id_keys_of_arrays_equal_the_rule_for_single_values(values, expected):
    """Whole arrays of text or integers take a vectorised path; the keys are those of the rule
    (strip text with Python's ``str.strip``, whole floats and numpy scalars as integers)."""
    from spatialcoupling._ids import id_keys

    assert id_keys(values) == expected
