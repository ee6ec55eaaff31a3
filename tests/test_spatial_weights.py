"""spatial_weights: agreement with libpysal, great-circle distances, islands, ids, files."""

from __future__ import annotations

import warnings

import geopandas as gpd
import libpysal
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

import spatialcoupling as sc
from spatialcoupling.regions import distance_points
from spatialcoupling.spatialweights import read_weights, write_weights

R_KM = 6371.0088


def haversine_km(lon1, lat1, lon2, lat2):
    """Great-circle distance written out: 2R asin(sqrt(sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2)))."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * R_KM * np.arcsin(np.sqrt(a))


def dense(w):
    return pd.DataFrame(w.full()[0], index=w.id_order, columns=w.id_order)


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


@pytest.fixture(scope="module")
def us():
    return sc.datasets.load("us_states")


@pytest.fixture(scope="module")
def provinces():
    return sc.datasets.load("china_provinces")


@pytest.fixture(scope="module")
def province_points(provinces):
    pts = distance_points(provinces)
    return pd.DataFrame({"lon": pts.x, "lat": pts.y})


def haversine_matrix(points):
    lon, lat = points["lon"].to_numpy(), points["lat"].to_numpy()
    d = haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    return pd.DataFrame(d, index=points.index, columns=points.index)


# ---------------------------------------------------------------------------
# agreement with libpysal built directly
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["queen", "rook"])
@pytest.mark.parametrize("standardize", ["r", "b", None])
def test_us_states_contiguity_equals_libpysal(us, kind, standardize):
    cls = libpysal.weights.Queen if kind == "queen" else libpysal.weights.Rook
    ref = cls.from_dataframe(us, use_index=True, silence_warnings=True)
    ref.transform = {"r": "R", "b": "B", None: "O"}[standardize]
    ours = sc.spatial_weights(us, kind=kind, standardize=standardize)
    assert ours.id_order == list(us.index)
    assert ours.islands == []
    assert ref.islands == []
    for i in us.index:
        assert set(ours.neighbors[i]) == set(ref.neighbors[i]), i
        a = dict(zip(ours.neighbors[i], ours.weights[i], strict=True))
        b = dict(zip(ref.neighbors[i], ref.weights[i], strict=True))
        assert a == pytest.approx(b), i
    if standardize == "r":
        np.testing.assert_allclose(dense(ours).sum(axis=1), 1.0)


def test_us_states_knn_equals_libpysal(us):
    pts = distance_points(us)
    xy = np.column_stack([pts.x, pts.y])
    ref = libpysal.weights.KNN.from_array(xy, k=4, radius=R_KM, ids=list(us.index))
    ours = sc.spatial_weights(us, kind="knn", k=4, standardize=None)
    for i in us.index:
        assert set(ours.neighbors[i]) == {str(j) for j in ref.neighbors[i]}


def test_id_order_follows_ids(us):
    rng = np.random.default_rng(3)
    ids = list(rng.permutation(us.index))
    w = sc.spatial_weights(us, kind="queen", ids=ids)
    assert w.id_order == ids
    base = dense(sc.spatial_weights(us, kind="queen"))
    pd.testing.assert_frame_equal(dense(w), base.loc[ids, ids])


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), drop=st.integers(0, 5))
def test_subset_in_any_order_is_queen_on_the_subset(seed, drop):
    us = sc.datasets.load("us_states")
    rng = np.random.default_rng(seed)
    ids = list(rng.permutation(us.index))[drop:]
    w = quiet(sc.spatial_weights, us, kind="queen", ids=ids, islands="keep", standardize=None)
    assert w.id_order == ids
    ref = libpysal.weights.Queen.from_dataframe(us.loc[ids], use_index=True, silence_warnings=True)
    for i in ids:
        assert set(w.neighbors[i]) == set(ref.neighbors[i])
    if drop:
        assert "left out" in w.spatialcoupling_notes[0]


# ---------------------------------------------------------------------------
# China provinces: contiguity and islands
# ---------------------------------------------------------------------------
def test_queen_islands_modes(provinces, province_points):
    with pytest.raises(ValueError, match=r"region\(s\) 460000 have no neighbours"):
        sc.spatial_weights(provinces, kind="queen", islands="error")
    with pytest.warns(UserWarning, match=r"kept 1 island.*460000"):
        kept = sc.spatial_weights(provinces, kind="queen", islands="keep")
    assert kept.islands == [460000]
    with pytest.warns(UserWarning, match=r"linked 1 island.*460000 → "):
        w = sc.spatial_weights(provinces, kind="queen", islands="nearest", standardize=None)
    d = haversine_matrix(province_points).loc[460000].drop(460000)
    nearest = d.idxmin()
    assert w.neighbors[460000] == [nearest]
    assert 460000 in w.neighbors[nearest]
    assert w.islands == []
    assert "460000" in w.spatialcoupling_notes[-1]
    assert set(w.neighbors[110000]) == {120000, 130000}


def test_regions_from_path_and_panel_ids(provinces):
    from pathlib import Path

    shp = Path(__file__).resolve().parents[1] / "shapefiles" / "china_provinces.shp"
    names = ["Beijing", "Tianjin", "Hebei", "Shanxi"]
    rows = [{"region": r, "period": t, "x": 1.0} for r in names for t in (1, 2)]
    panel = sc.read_panel(pd.DataFrame(rows))
    w = sc.spatial_weights(shp, kind="queen", ids=panel, id="name_en", standardize=None)
    assert w.id_order == list(panel.regions)
    assert set(w.neighbors["Beijing"]) == {"Tianjin", "Hebei"}
    assert set(w.neighbors["Shanxi"]) == {"Hebei"}


def test_panel_names_subset(provinces):
    ids = [n for n in provinces["name_en"] if n not in ("Tibet", "Hainan")][::-1]
    w = sc.spatial_weights(provinces, kind="queen", ids=ids, id="name_en", islands="error")
    assert w.id_order == ids
    assert w.n == 29
    assert set(w.neighbors["Beijing"]) == {"Tianjin", "Hebei"}
    assert "'Hainan', 'Tibet'" in w.spatialcoupling_notes[0]


# ---------------------------------------------------------------------------
# distance kinds: great-circle km against a haversine written here
# ---------------------------------------------------------------------------
def test_inverse_distance_great_circle(provinces, province_points):
    w = sc.spatial_weights(provinces, kind="inverse_distance", power=1, standardize=None)
    d = haversine_matrix(province_points)
    expected = 1.0 / d.where(d > 0)
    got = dense(w)
    np.testing.assert_allclose(
        got.to_numpy()[~np.eye(31, dtype=bool)], expected.to_numpy()[~np.eye(31, dtype=bool)], rtol=1e-6
    )
    assert np.all(np.diag(got) == 0)
    # Beijing–Tianjin is about 110 km, not 1 "degree"
    assert 80 < 1 / got.loc[110000, 120000] < 140
    w2 = sc.spatial_weights(provinces, kind="inverse_distance", power=2, standardize="r")
    exp2 = (1.0 / d.where(d > 0) ** 2).fillna(0)
    exp2 = exp2.div(exp2.sum(axis=1), axis=0)
    np.testing.assert_allclose(dense(w2).to_numpy(), exp2.to_numpy(), rtol=1e-6)


def test_inverse_distance_cutoff_and_band(provinces, province_points):
    d = haversine_matrix(province_points)
    w = quiet(sc.spatial_weights, provinces, kind="inverse_distance", cutoff=800, islands="keep", standardize=None)
    got = dense(w)
    inside = (d <= 800) & (d > 0)
    np.testing.assert_allclose(got.where(inside, 0).to_numpy(), (1 / d).where(inside, 0).to_numpy(), rtol=1e-6)
    assert (got.to_numpy()[~inside.to_numpy()] == 0).all()
    b = quiet(sc.spatial_weights, provinces, kind="distance_band", threshold=800, islands="keep", standardize=None)
    np.testing.assert_array_equal(dense(b).to_numpy() > 0, inside.to_numpy())
    inv = quiet(
        sc.spatial_weights,
        provinces,
        kind="distance_band",
        threshold=800,
        binary=False,
        power=2,
        islands="keep",
        standardize=None,
    )
    np.testing.assert_allclose(dense(inv).to_numpy(), (d**-2.0).where(inside, 0).to_numpy(), rtol=1e-6)


def test_knn_great_circle(provinces, province_points):
    d = haversine_matrix(province_points)
    w = sc.spatial_weights(provinces, kind="knn", k=3)
    for i in provinces.index:
        expected = set(d.loc[i].drop(i).nsmallest(3).index)
        assert set(w.neighbors[i]) == expected, i


def test_distance_band_islands_nearest(provinces, province_points):
    d = haversine_matrix(province_points)
    with pytest.warns(UserWarning, match="linked"):
        w = sc.spatial_weights(provinces, kind="distance_band", threshold=450, standardize=None)
    lonely = [i for i in provinces.index if not ((d.loc[i] <= 450) & (d.loc[i] > 0)).any()]
    assert lonely  # the band leaves some provinces alone
    for i in lonely:
        assert d.loc[i].drop(i).idxmin() in w.neighbors[i]


def test_planar_distances_for_projected_crs(provinces):
    projected = provinces.to_crs(3857)
    w = sc.spatial_weights(projected, kind="inverse_distance", standardize=None)
    pts = distance_points(projected)
    xy = np.column_stack([pts.x, pts.y])
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    off = ~np.eye(31, dtype=bool)
    np.testing.assert_allclose(dense(w).to_numpy()[off], 1 / d[off], rtol=1e-6)
    assert "planar" in w.spatialcoupling_notes[0]
    assert "metre" in w.spatialcoupling_notes[0]


def test_identical_points_named():
    gdf = gpd.GeoDataFrame(
        geometry=[box(0, 0, 1, 1), box(0, 0, 1, 1), box(3, 3, 4, 4)], index=["a", "b", "c"], crs=3857
    )
    with pytest.raises(ValueError, match=r"regions 'a', 'b' share the same point"):
        sc.spatial_weights(gdf, kind="inverse_distance")


# ---------------------------------------------------------------------------
# economic, nested, matrix
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def income(us):
    years = [str(y) for y in range(2000, 2010)]
    long = us[years].stack()
    long.index = long.index.set_names(["region", "period"])
    return long.astype(float).rename("income")


def test_economic_weights(us, income):
    w = sc.spatial_weights(us, kind="economic", variable=income, standardize=None)
    xbar = us[[str(y) for y in range(2000, 2010)]].mean(axis=1)
    diff = np.abs(xbar.to_numpy()[:, None] - xbar.to_numpy()[None, :])
    np.fill_diagonal(diff, np.inf)
    expected = 1 / diff
    np.testing.assert_allclose(dense(w).to_numpy(), expected, rtol=1e-12)
    # a per-region Series gives the same weights; regions need no boundaries
    w2 = sc.spatial_weights(None, kind="economic", variable=xbar, ids=list(us.index), standardize=None)
    np.testing.assert_allclose(dense(w2).to_numpy(), expected, rtol=1e-12)


def test_nested_is_geographic_times_economic(us, income):
    geo = dense(sc.spatial_weights(us, kind="inverse_distance", standardize=None))
    eco = dense(sc.spatial_weights(us, kind="economic", variable=income, standardize=None))
    nested = sc.spatial_weights(us, kind="nested", variable=income, standardize="r")
    prod = geo * eco
    prod = prod.div(prod.sum(axis=1), axis=0)
    np.testing.assert_allclose(dense(nested).to_numpy(), prod.to_numpy(), rtol=1e-10)


def test_economic_bad_inputs_named(us, income):
    with pytest.raises(ValueError, match=r"no values for region\(s\) 'Texas'"):
        sc.spatial_weights(us, kind="economic", variable=income.drop("Texas", level="region"))
    tied = income.copy()
    tied.loc["Ohio"] = tied.loc["Iowa"].to_numpy()
    with pytest.raises(ValueError, match=r"equal means for region pair\(s\) \('(Ohio|Iowa)', '(Iowa|Ohio)'\)"):
        sc.spatial_weights(us, kind="economic", variable=tied)
    with pytest.raises(ValueError, match="need variable="):
        sc.spatial_weights(us, kind="economic")


def test_user_matrix_csv_and_array(tmp_path):
    ids = ["a", "b", "c"]
    m = np.array([[0, 1, 2], [1, 0, 0], [2, 0, 0]], dtype=float)
    path = tmp_path / "m.csv"
    pd.DataFrame(m, index=ids, columns=ids).to_csv(path)
    w = sc.spatial_weights(None, kind="matrix", matrix=path, ids=["c", "a", "b"], standardize=None)
    assert w.id_order == ["c", "a", "b"]
    np.testing.assert_array_equal(dense(w).to_numpy(), m[np.ix_([2, 0, 1], [2, 0, 1])])
    wr = sc.spatial_weights(None, kind="matrix", matrix=m, matrix_ids=ids, ids=ids, standardize="r")
    np.testing.assert_allclose(dense(wr).to_numpy(), m / m.sum(axis=1, keepdims=True))


def test_user_matrix_bad_inputs_named(tmp_path):
    ids = ["a", "b", "c"]
    m = np.array([[0, 1, 2], [1, 0, 0], [2, 0, 0]], dtype=float)
    frame = pd.DataFrame(m, index=ids, columns=["a", "b", "x"])
    with pytest.raises(ValueError, match=r"only in rows: 'c'; only in columns: 'x'"):
        sc.spatial_weights(None, kind="matrix", matrix=frame, ids=ids)
    with pytest.raises(ValueError, match=r"no row for region\(s\) 'd'"):
        sc.spatial_weights(None, kind="matrix", matrix=m, matrix_ids=ids, ids=["a", "d"])
    diag = m.copy()
    diag[1, 1] = 3
    with pytest.raises(ValueError, match=r"non-zero diagonal weights for region\(s\) 'b'"):
        sc.spatial_weights(None, kind="matrix", matrix=diag, matrix_ids=ids, ids=ids)
    neg = m.copy()
    neg[0, 2] = -1
    with pytest.raises(ValueError, match=r"negative or missing weights at \('a', 'c'\)"):
        sc.spatial_weights(None, kind="matrix", matrix=neg, matrix_ids=ids, ids=ids)
    lonely = np.zeros((3, 3))
    lonely[0, 1] = lonely[1, 0] = 1
    with pytest.raises(ValueError, match=r"'c' have no neighbours"):
        sc.spatial_weights(None, kind="matrix", matrix=lonely, matrix_ids=ids, ids=ids, islands="error")


# ---------------------------------------------------------------------------
# settings declared once
# ---------------------------------------------------------------------------
def test_settings_are_declared_once_and_checked(us):
    import inspect

    from spatialcoupling.spatialweights import KIND_OPTIONS, KINDS, SPATIAL_WEIGHTS_CONSTRAINTS

    keywords = inspect.signature(sc.spatial_weights).parameters
    assert set(SPATIAL_WEIGHTS_CONSTRAINTS) <= set(keywords)
    assert tuple(KIND_OPTIONS) == KINDS
    for kind, bad, match in [
        (
            "distance_band",
            {"threshold": "800"},
            r"spatial_weights\(kind='distance_band'\): threshold must be a number > 0; got '800'",
        ),
        ("distance_band", {"threshold": 800, "binary": 1}, "binary must be True or False; got 1"),
        ("inverse_distance", {"power": 0}, "power must be a number > 0; got 0"),
        ("knn", {"k": 0}, r"k must be an integer >= 1; got 0"),
        (
            "nested",
            {"geographic": "economic", "variable": pd.Series(1.0, index=us.index)},
            "geographic must be one of 'queen', 'rook', 'knn', 'distance_band', 'inverse_distance'; got 'economic'",
        ),
        ("matrix", {"matrix": 3}, "matrix must be a CSV path, a DataFrame or an array; got 3"),
    ]:
        with pytest.raises(ValueError, match=match):
            sc.spatial_weights(us, kind=kind, **bad)
    with pytest.raises(ValueError, match="id must be one of None or a column name; got 3"):
        sc.spatial_weights(us, id=3)


def test_notes_through_the_notes_convention_and_the_old_import_path(us):
    from spatialcoupling import spatial, spatialweights
    from spatialcoupling._notes import notes_of

    w = quiet(sc.spatial_weights, us, ids=list(us.index[:10]))
    assert notes_of(w) == w.spatialcoupling_notes
    assert "left out" in notes_of(w)[0]
    for name in spatial.__all__:
        assert getattr(spatial, name) is getattr(spatialweights, name)
    assert sc.spatial_weights is spatialweights.spatial_weights


# ---------------------------------------------------------------------------
# ids and settings: errors name the offending items
# ---------------------------------------------------------------------------
def test_bad_settings_and_ids(us, provinces):
    with pytest.raises(ValueError, match="unknown kind 'contiguity'"):
        sc.spatial_weights(us, kind="contiguity")
    with pytest.raises(ValueError, match=r"option\(s\) \['k'\] do not apply to kind='queen'"):
        sc.spatial_weights(us, kind="queen", k=3)
    with pytest.raises(ValueError, match="islands must be"):
        sc.spatial_weights(us, islands="drop")
    with pytest.raises(ValueError, match="standardize must be"):
        sc.spatial_weights(us, standardize="z")
    with pytest.raises(ValueError, match=r"no boundary in the index of regions for id\(s\) 'Alaska', 'Hawaii'"):
        sc.spatial_weights(us, ids=[*us.index[:5], "Alaska", "Hawaii"])
    with pytest.raises(ValueError, match=r"ids lists id\(s\) 'Ohio' more than once"):
        sc.spatial_weights(us, ids=["Ohio", "Iowa", "Ohio"])
    with pytest.raises(ValueError, match=r"no boundary in column 'name_en' of regions for id\(s\) 'Taiwan'"):
        sc.spatial_weights(provinces, id="name_en", ids=["Beijing", "Hebei", "Taiwan"])
    dup = provinces.copy()
    dup.index = [110000, 110000, *dup.index[2:]]
    with pytest.raises(ValueError, match=r"repeats id\(s\) 110000"):
        sc.spatial_weights(dup)
    with pytest.raises(ValueError, match=r"k of kind='knn' must be an integer in 1\.\.47"):
        sc.spatial_weights(us, kind="knn", k=48)
    with pytest.raises(ValueError, match="needs threshold"):
        sc.spatial_weights(us, kind="distance_band")


# ---------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".gal", ".gwt", ".csv"])
def test_round_trip_files(tmp_path, provinces, suffix):
    w = quiet(sc.spatial_weights, provinces, kind="queen")
    path = write_weights(w, tmp_path / f"w{suffix}")
    back = read_weights(path)
    assert back.id_order == w.id_order
    for i in w.id_order:
        assert back.neighbors[i] == sorted(w.neighbors[i], key=w.id_order.index)
    if suffix != ".gal":  # GAL carries neighbours only
        np.testing.assert_allclose(dense(back).to_numpy(), dense(w).to_numpy())
    else:
        np.testing.assert_array_equal(dense(back).to_numpy(), (dense(w).to_numpy() > 0).astype(float))
    # libpysal itself reads our GAL/GWT
    if suffix in (".gal", ".gwt"):
        other = quiet(lambda: libpysal.io.open(str(path)).read())
        assert other.n == 31


def test_csv_round_trip_inverse_distance_with_names(tmp_path, us):
    w = sc.spatial_weights(us, kind="inverse_distance", standardize="r")
    back = read_weights(write_weights(w, tmp_path / "w.csv"))
    assert back.id_order == list(us.index)
    np.testing.assert_allclose(dense(back).to_numpy(), dense(w).to_numpy(), rtol=1e-12)


def test_file_errors_named(tmp_path, us):
    w = sc.spatial_weights(us, kind="queen")
    with pytest.raises(ValueError, match=r"id\(s\) .*'New York'.*contain whitespace") as err:
        write_weights(w, tmp_path / "w.gal")
    assert "'New Mexico'" in str(err.value)
    assert "'Ohio'" not in str(err.value)
    with pytest.raises(ValueError, match=r"unknown suffix '\.txt'"):
        write_weights(w, tmp_path / "w.txt")
    bad = tmp_path / "bad.csv"
    pd.DataFrame([[0, 1], [1, 0]], index=["a", "b"], columns=["a", "z"]).to_csv(bad)
    with pytest.raises(ValueError, match=r"only in rows: 'b'; only in the header: 'z'"):
        read_weights(bad)


def test_distance_band_leaving_most_regions_islands_refused(provinces, province_points):
    d = haversine_matrix(province_points).to_numpy(copy=True)
    np.fill_diagonal(d, np.inf)
    largest_nn = d.min(axis=1).max()  # the smallest band that leaves no province alone
    suggested = np.ceil(largest_nn * 10) / 10
    alone = int((d.min(axis=1) > 300).sum())
    assert alone > 31 / 2
    with pytest.raises(ValueError, match="threshold=300 km") as err:
        sc.spatial_weights(provinces, kind="distance_band", threshold=300)
    msg = str(err.value)
    assert "threshold=300 km" in msg
    assert f"leaves {alone} of 31 regions without a neighbour" in msg
    assert f"{suggested:,.1f} km" in msg
    assert "650000" in msg
    for islands in ("keep", "error"):
        with pytest.raises(ValueError, match="more than half"):
            sc.spatial_weights(provinces, kind="distance_band", threshold=300, islands=islands)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the suggested threshold links every province without the islands rule
        w = sc.spatial_weights(provinces, kind="distance_band", threshold=suggested)
    assert not w.islands


def test_inverse_distance_cutoff_leaving_most_islands_refused_in_crs_units(provinces):
    projected = provinces.to_crs(3857)
    pts = distance_points(projected)
    xy = np.column_stack([pts.x, pts.y])
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    suggested = np.ceil(d.min(axis=1).max() * 10) / 10
    with pytest.raises(ValueError, match=rf"cutoff=1000 metre.*{suggested:,.1f} metre.*cutoff>={suggested:.1f}"):
        sc.spatial_weights(projected, kind="inverse_distance", cutoff=1000)
    with pytest.raises(ValueError, match="more than half"):
        sc.spatial_weights(
            projected,
            kind="nested",
            geographic="distance_band",
            threshold=1000,
            variable=pd.Series(np.arange(31.0), index=provinces.index),
        )


# -- the same weights as plain data (sparse_weights, what a study run uses) ----------------------------
@pytest.mark.parametrize(
    ("kind", "standardize", "options"),
    [
        ("queen", "r", {}),
        ("rook", "b", {}),
        ("knn", None, {"k": 3}),
        ("inverse_distance", "r", {"power": 2.0}),
        ("distance_band", "r", {"threshold": 900.0, "binary": False}),
        ("queen", "v", {}),
    ],
)
def test_sparse_weights_are_the_weights_of_spatial_weights(provinces, kind, standardize, options):
    """Ids, transformed weights and notes equal those read off libpysal's W; the W made back from
    them is that W (its weights as built too: setting ``transform = "o"`` gives the same)."""
    from spatialcoupling._notes import notes_of
    from spatialcoupling._weights import as_weights
    from spatialcoupling.spatialweights import sparse_weights, to_libpysal

    w = quiet(sc.spatial_weights, provinces, kind, standardize=standardize, **options)
    sw = quiet(sparse_weights, provinces, kind, standardize=standardize, **options)
    expected = as_weights(w)
    assert sw.ids == expected.ids
    assert sw.transform == expected.transform == w.transform
    assert (sw.sparse != expected.sparse).nnz == 0  # bit for bit
    assert list(sw.notes) == notes_of(w)
    assert sw.mean_neighbors == pytest.approx(w.mean_neighbors, rel=1e-15)
    if sw.original is None:  # libpysal's own transformations: no weights as built are kept
        assert standardize == "v"
        return
    back = to_libpysal(sw)
    assert back.id_order == w.id_order
    assert back.neighbors == w.neighbors
    assert back.weights == w.weights
    assert back.transform == w.transform
    assert notes_of(back) == notes_of(w)
    back.transform, w.transform = "o", "o"
    assert back.weights == w.weights


def test_a_study_run_works_without_libpysal_and_hands_out_its_w(tmp_path):
    """A run builds its weights as plain data (no libpysal import, checked in a fresh interpreter);
    ``result["w"]`` is the W that spatial_weights gives."""
    import subprocess
    import sys

    script = f"""
import sys
import spatialcoupling as sc
settings = {{
    "data": {{"dataset": "china_demo", "interpolate": "linear", "periods": [2009, 2012]}},
    "indicators": {{"dataset": "china_demo"}},
    "weighting": {{"method": "entropy"}},
    "coupling": {{"contributions": {{"MS": 0.4, "AM": 0.6}}}},
    "regions": {{"dataset": "china_provinces", "id": "name_en", "extra": "drop"}},
    "weights": {{"kind": "queen"}},
    "moran": {{"permutations": 9}},
    "output": {{"tables": ["csv"], "figures": ["png"], "workers": 0}},
}}
run = sc.Study.from_dict(settings).run({str(tmp_path / "out")!r}, progress=False)
print("libpysal" in sys.modules)
w = run["w"]
print(type(w).__module__, type(w).__name__, w.transform, w.n)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    imported, described = done.stdout.split("\n")[:2]
    assert imported == "False"
    assert described.split()[:3] == ["libpysal.weights.weights", "W", "R"]
