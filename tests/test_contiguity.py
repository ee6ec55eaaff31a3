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


def _partition(order, new):
    """Groups as sorted tuples of rows, and whether rows ascend within every group."""
    starts = np.flatnonzero(new)
    groups = np.split(order, starts[1:])
    return sorted(tuple(sorted(g.tolist())) for g in groups), all(np.all(np.diff(g) > 0) for g in groups)


@pytest.mark.parametrize("forced_collision", [False, True])
def test_vertex_groups_are_exact_with_and_without_hash_collisions(monkeypatch, forced_collision):
    """Rows are grouped by equal coordinates exactly (0.0 and -0.0 equal, NaN never equal), rows
    ascending within a group: the hashed grouping against a brute-force grouping by coordinate
    tuples; with every hash forced equal (a collision of all points) the fallback gives the same."""
    from spatialcoupling import _contiguity

    rng = np.random.default_rng(3)
    coords = rng.integers(0, 30, size=(4000, 2)).astype(float) / 7.0  # many repeated points
    coords[:5] = [[0.0, 1.0], [-0.0, 1.0], [np.nan, 2.0], [np.nan, 2.0], [1.0, -0.0]]
    if forced_collision:
        monkeypatch.setattr(_contiguity, "_coordinate_hash", lambda xy: np.zeros(len(xy), dtype=np.uint64))
    groups, ascending = _partition(*_contiguity._vertex_groups(coords))
    expected: dict = {}
    for row, (x, y) in enumerate(coords.tolist()):
        key = (x + 0.0, y + 0.0) if not (np.isnan(x) or np.isnan(y)) else ("nan", row)
        expected.setdefault(key, []).append(row)
    assert ascending
    assert groups == sorted(tuple(v) for v in expected.values())
