"""Long GIS layers with each boundary stored once: a GeoPackage view over a boundaries table and a
values table reads back as the same layer as the plain long layer."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from spatialcoupling import layers
from spatialcoupling.layers import coupling_layer, write_geopackage_layer


def _long_frame():
    cells = [shapely.box(x, y, x + 1, y + 1) for y in range(2) for x in range(3)]
    ids = [f"r{i}" for i in range(6)]
    boundaries = gpd.GeoDataFrame({"zone": list("aabbcc")}, geometry=cells, index=ids, crs="EPSG:3857")
    rng = np.random.default_rng(0)
    idx = pd.MultiIndex.from_product([ids[:5], [2019, 2020, 2021]], names=["region", "period"])  # r5: no data
    table = pd.DataFrame(
        {"U_A": rng.random(15), "U_B": rng.random(15), "D": rng.random(15), "grade": rng.integers(1, 10, 15)},
        index=idx,
    )
    table["grade_label"] = [f"grade {g}" for g in table["grade"]]
    return coupling_layer(table, boundaries, groupings=["zone"])


def _read(path, layer):
    frame = gpd.read_file(path, layer=layer)
    return frame.sort_values(["region", "period"]).reset_index(drop=True)


def test_shared_layer_reads_as_the_long_layer(tmp_path):
    frame = _long_frame()
    plain, shared = tmp_path / "plain.gpkg", tmp_path / "shared.gpkg"
    meta = {"weights": "queen", "seed": "1"}
    assert write_geopackage_layer(frame, plain, "coupling", metadata=meta, shared=False) is None
    note = write_geopackage_layer(frame, shared, "coupling", metadata=meta, shared=True)
    assert "18 rows over 6 boundaries" in note
    assert {name for name, _ in pyogrio.list_layers(shared)} == {"coupling", "coupling_boundaries", "coupling_values"}
    a, b = _read(plain, "coupling"), _read(shared, "coupling")
    assert len(b) == len(frame) == 18
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"), check_dtype=False)
    assert a.geometry.geom_equals(b.geometry).all()
    assert b.crs == frame.crs
    assert pyogrio.read_info(shared, layer="coupling")["layer_metadata"] == meta
    # the region without data keeps its boundary and null fields, as in the long layer
    empty = b[b["region"] == "r5"]
    assert len(empty) == 3
    assert empty["D"].isna().all()
    assert empty.geometry.notna().all()


def test_large_layers_are_shared_by_default(tmp_path, monkeypatch):
    frame = _long_frame()
    coords = int(shapely.get_num_coordinates(frame.geometry.values).sum())
    monkeypatch.setattr(layers, "SHARED_GEOMETRY_COORDS", coords - 1)
    assert write_geopackage_layer(frame, tmp_path / "big.gpkg", "coupling") is not None
    monkeypatch.setattr(layers, "SHARED_GEOMETRY_COORDS", coords)
    assert write_geopackage_layer(frame, tmp_path / "small.gpkg", "coupling") is None
    assert [name for name, _ in pyogrio.list_layers(tmp_path / "small.gpkg")] == ["coupling"]


def test_shared_layer_needs_the_region_column(tmp_path):
    frame = _long_frame().rename(columns={"region": "id"})
    with pytest.raises(ValueError, match="'region' column"):
        write_geopackage_layer(frame, tmp_path / "x.gpkg", "coupling", shared=True)
