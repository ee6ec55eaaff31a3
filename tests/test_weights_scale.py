"""spatial_weights built by the project (contiguity, KD-tree knn and bands) equals libpysal's W exactly.

The reference is libpysal built directly on the same polygons / points: the neighbour sets, the
weights, the id order, the transform, and the ``W`` object's own state (its sparse matrix against
the one libpysal rebuilds from the dictionaries, later transforms).
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import libpysal
import numpy as np
import pytest
import shapely

import spatialcoupling as sc
from spatialcoupling.regions import distance_points

R_KM = 6371.0088


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


@pytest.fixture(scope="module")
def provinces():
    return sc.datasets.load("china_provinces")


@pytest.fixture(scope="module")
def us():
    return sc.datasets.load("us_states")


def _lattice(k: int) -> gpd.GeoDataFrame:
    x, y = np.meshgrid(np.arange(k), np.arange(k))
    cells = shapely.box(x.ravel(), y.ravel(), x.ravel() + 1, y.ravel() + 1)
    return gpd.GeoDataFrame({"id": [f"c{i}" for i in range(k * k)]}, geometry=cells).set_index("id")


def _random_points(n: int, seed: int, crs) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(73, 135, n), rng.uniform(18, 53, n)
    if crs != 4326:
        lon, lat = lon * 1e5, lat * 1e5
    geoms = shapely.buffer(shapely.points(lon, lat), 0.01 if crs == 4326 else 1000.0)
    return gpd.GeoDataFrame({"id": np.arange(n) + 1000}, geometry=geoms, crs=crs).set_index("id")


def _xy(frame):
    pts = distance_points(frame)
    return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])


def assert_same_w(ours, ref):
    """Same ids in the same order, same neighbour sets, same weights, same transform."""
    assert ours.id_order == list(ref.id_order)
    assert ours.transform == ref.transform
    for i in ref.id_order:
        a = dict(zip(ours.neighbors[i], ours.weights[i], strict=True))
        b = dict(zip(ref.neighbors[i], ref.weights[i], strict=True))
        assert set(a) == set(b), i
        assert a == pytest.approx(b, rel=1e-12), i


def assert_sparse_matches_dicts(w):
    """``w.sparse`` and the adapter's one-pass matrix equal the matrix libpysal builds from the dictionaries."""
    from spatialcoupling._weights import as_weights

    rebuilt = quiet(libpysal.weights.W, w.neighbors, w.weights, id_order=list(w.id_order)).sparse
    assert abs(w.sparse - rebuilt).max() < 1e-15
    assert abs(as_weights(w).sparse - rebuilt).max() < 1e-15


# ---------------------------------------------------------------------------
# contiguity
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["queen", "rook"])
@pytest.mark.parametrize("standardize", ["r", "b", None])
@pytest.mark.parametrize("layer", ["provinces", "lattice"])
def test_contiguity_w_equals_libpysal(provinces, layer, kind, standardize):
    frame = provinces if layer == "provinces" else _lattice(15)
    cls = libpysal.weights.Queen if kind == "queen" else libpysal.weights.Rook
    ref = quiet(cls.from_dataframe, frame, use_index=True, silence_warnings=True)
    ref.transform = {"r": "R", "b": "B", None: "O"}[standardize]
    ours = quiet(sc.spatial_weights, frame, kind=kind, standardize=standardize, islands="keep")
    assert_same_w(ours, ref)
    assert_sparse_matches_dicts(ours)
    assert set(ours.islands) == set(ref.islands)


def test_later_transforms_work_as_in_libpysal(us):
    ref = quiet(libpysal.weights.Queen.from_dataframe, us, use_index=True, silence_warnings=True)
    ours = sc.spatial_weights(us, kind="queen", standardize="r")
    for transform in ("B", "O", "V", "D", "R"):
        ref.transform = transform
        ours.transform = transform
        assert_same_w(ours, ref)
        assert abs(ours.sparse - ref.sparse).max() < 1e-12, transform


def test_ids_in_another_order_keep_the_order(us):
    rng = np.random.default_rng(3)
    ids = list(rng.permutation(us.index)[:30])
    ours = quiet(sc.spatial_weights, us, kind="rook", ids=ids, standardize=None, islands="keep")
    ref = quiet(libpysal.weights.Rook.from_dataframe, us.loc[ids], use_index=True, silence_warnings=True)
    assert ours.id_order == ids
    assert_same_w(ours, libpysal.weights.W(ref.neighbors, ref.weights, id_order=ids, silence_warnings=True))
    assert_sparse_matches_dicts(ours)


# ---------------------------------------------------------------------------
# k nearest neighbours and distance bands (scipy cKDTree directly)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("k", [1, 4, 6])
@pytest.mark.parametrize("crs", [4326, 3857])
def test_knn_equals_libpysal(k, crs):
    frame = _random_points(400, seed=k, crs=crs)
    xy = _xy(frame)
    radius = R_KM if crs == 4326 else None
    ref = quiet(libpysal.weights.KNN.from_array, xy, k=k, radius=radius, ids=list(frame.index))
    ours = sc.spatial_weights(frame, kind="knn", k=k, standardize=None)
    assert_same_w(ours, ref)
    assert_sparse_matches_dicts(ours)


def test_knn_provinces_equals_libpysal(provinces):
    xy = _xy(provinces)
    ref = quiet(libpysal.weights.KNN.from_array, xy, k=6, radius=R_KM, ids=list(provinces.index))
    ref.transform = "R"
    assert_same_w(sc.spatial_weights(provinces, kind="knn", k=6), ref)


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("crs", [4326, 3857])
def test_distance_band_equals_libpysal(binary, crs):
    frame = _random_points(500, seed=7, crs=crs)
    xy = _xy(frame)
    radius = R_KM if crs == 4326 else None
    threshold = 300.0 if crs == 4326 else 3e5
    ref = quiet(
        libpysal.weights.DistanceBand.from_array,
        xy,
        threshold=threshold,
        binary=binary,
        alpha=-1.5,
        radius=radius,
        ids=list(frame.index),
        silence_warnings=True,
    )
    ours = quiet(
        sc.spatial_weights,
        frame,
        kind="distance_band",
        threshold=threshold,
        binary=binary,
        power=1.5,
        standardize=None,
        islands="keep",
    )
    assert_same_w(ours, ref)
    assert_sparse_matches_dicts(ours)


def test_inverse_distance_cutoff_equals_libpysal(provinces):
    xy = _xy(provinces)
    ref = quiet(
        libpysal.weights.DistanceBand.from_array,
        xy,
        threshold=900.0,
        binary=False,
        alpha=-2.0,
        radius=R_KM,
        ids=list(provinces.index),
        silence_warnings=True,
    )
    ours = quiet(
        sc.spatial_weights,
        provinces,
        kind="inverse_distance",
        cutoff=900.0,
        power=2.0,
        standardize=None,
        islands="keep",
    )
    assert_same_w(ours, ref)


def test_band_wider_than_half_the_earth_named(provinces):
    with pytest.raises(ValueError, match="half the Earth's circumference"):
        sc.spatial_weights(provinces, kind="distance_band", threshold=30_000.0)


# ---------------------------------------------------------------------------
# user matrices and files go through the same W builder
# ---------------------------------------------------------------------------
def test_user_matrix_and_read_weights_equal_libpysal_w(tmp_path, us):
    ref = quiet(libpysal.weights.Queen.from_dataframe, us, use_index=True, silence_warnings=True)
    dense = ref.full()[0]
    ours = sc.spatial_weights(None, kind="matrix", ids=list(us.index), matrix=dense, standardize=None)
    assert_same_w(ours, ref)
    from spatialcoupling.spatialweights import read_weights, write_weights

    for suffix in (".csv", ".gwt"):
        path = write_weights(ours, tmp_path / f"w{suffix}") if suffix == ".csv" else None
        if path is None:  # GWT ids may not hold spaces: the same weights under codes
            coded = sc.spatial_weights(
                None, kind="matrix", ids=[f"s{i}" for i in range(len(us))], matrix=dense, standardize=None
            )
            path = write_weights(coded, tmp_path / f"w{suffix}")
            back = read_weights(path)
            assert_same_w(back, coded)
        else:
            back = read_weights(path)
            assert_same_w(back, ref)
        assert_sparse_matches_dicts(back)
