"""Queen and rook contiguity built from shared vertices and edges equal libpysal's neighbour sets."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from libpysal.weights import Queen, Rook

import spatialcoupling as sc
from spatialcoupling._contiguity import contiguity_matrix


def _libpysal(gdf, kind):
    cls = Queen if kind == "queen" else Rook
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = cls.from_dataframe(gdf, use_index=False, silence_warnings=True)
    m = w.sparse.tocsr()
    m.data[:] = 1.0
    return m


def _lattice_with_holes_and_parts(k=12):
    """A k × k lattice with a hole in one cell, one two-part region and one cell touching
    another only at a corner (queen but not rook)."""
    cells = [shapely.box(x, y, x + 1, y + 1) for y in range(k) for x in range(k)]
    cells[5] = cells[5].difference(shapely.box(5.25, 0.25, 5.75, 0.75))
    cells[20] = shapely.MultiPolygon([cells[20], shapely.box(k + 2, 0, k + 3, 1)])
    cells.append(shapely.box(k + 3, 1, k + 4, 2))  # corner-touch with the second part of cell 20
    return gpd.GeoDataFrame(geometry=cells)


@pytest.mark.parametrize("kind", ["queen", "rook"])
@pytest.mark.parametrize("layer", ["china_provinces", "us_states", "lattice"])
def test_contiguity_equals_libpysal(layer, kind):
    gdf = _lattice_with_holes_and_parts() if layer == "lattice" else sc.datasets.load(layer)
    ours = contiguity_matrix(gdf.geometry, kind)
    assert abs(ours - _libpysal(gdf, kind)).sum() == 0
    assert (ours != ours.T).nnz == 0
    assert ours.diagonal().sum() == 0


def test_corner_touch_is_queen_not_rook():
    gdf = _lattice_with_holes_and_parts()
    n = len(gdf) - 1
    assert contiguity_matrix(gdf.geometry, "queen")[20, n] == 1
    assert contiguity_matrix(gdf.geometry, "rook")[20, n] == 0


def test_beijing_neighbours_and_hainan_island():
    provinces = sc.datasets.load("china_provinces")
    m = contiguity_matrix(provinces.geometry, "queen")
    codes = provinces["adcode"].to_numpy()
    beijing = np.flatnonzero(codes == 110000)[0]
    assert set(codes[m[beijing].indices]) == {120000, 130000}
    assert set(codes[np.flatnonzero(np.diff(m.indptr) == 0)]) == {460000}
