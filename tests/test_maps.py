"""Cluster, significance and choropleth maps, Moran scatterplots and exports (GIS, tables,
figures), checked on libpysal's us48 boundaries and on small synthetic geometries."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

libpysal = pytest.importorskip("libpysal")
gpd = pytest.importorskip("geopandas")
esda = pytest.importorskip("esda")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from shapely.geometry import box  # noqa: E402

from spatialcoupling import maps  # noqa: E402
from spatialcoupling.autocorrelation import GlobalMoran, LocalMoran  # noqa: E402

YEARS = ["1929", "1969", "1989", "2009"]


@pytest.fixture(scope="module")
def us48():
    gdf = gpd.read_file(libpysal.examples.get_path("us48.shp"))
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)
    gdf = gdf.set_index("STATE_NAME", drop=False)
    income = pd.read_csv(libpysal.examples.get_path("usjoin.csv")).set_index("Name")
    w = libpysal.weights.Queen.from_dataframe(
        gdf, ids=gdf["STATE_NAME"].tolist(), use_index=False, silence_warnings=True
    )
    s = income.loc[gdf["STATE_NAME"], YEARS].astype(float).stack()
    s.index.names = ["region", "period"]
    s.name = "income"
    return gdf, w, s


@pytest.fixture(scope="module")
def lisa(us48):
    _, w, s = us48
    return LocalMoran(permutations=199, seed=5).fit(s, w)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def facecolors(ax):
    return [to_hex(c) for coll in ax.collections for c in coll.get_facecolors()]


def test_cluster_map_colours_and_legend_counts(us48, lisa):
    gdf = us48[0]
    fig = lisa.plot(period="2009", regions=gdf)
    ax = fig.axes[0]
    clusters = lisa.clusters("2009").astype(str)
    expected = [maps.GEODA_COLORS[clusters[r]].lower() for r in gdf.index]
    # us48 has multipolygons: one patch per polygon part; compare the colour sets per count
    got = facecolors(ax)
    assert set(got) == {to_hex(c) for c in set(expected)}
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    counts = lisa.counts.loc["2009"]
    for code in ("HH", "LL", "LH", "HL", "ns"):
        assert f"{maps.CLUSTER_NAMES[code]} ({counts[code]})" in texts
    caption = " ".join(t.get_text() for t in fig.texts)
    assert "199 permutations" in caption
    assert "seed 5" in caption
    assert "0.05" in caption
    assert "adjustment: none" in caption


def test_geoda_colours():
    assert maps.GEODA_COLORS == {
        "HH": "#FF0000",
        "LL": "#0000FF",
        "LH": "#a7adf9",
        "HL": "#f4ada8",
        "ns": "#eeeeee",
        "isolated": "#464646",
    }


def test_significance_map_counts(us48, lisa):
    fig = lisa.plot(period="1929", regions=us48[0], kind="significance")
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    tab = lisa.table.xs("1929", level="period")
    n_ns = int((~tab["significant"]).sum())
    assert f"Not significant ({n_ns})" in texts
    # 199 permutations: the smallest p is 0.005, so p=0.001 and 0.0001 classes are empty
    assert "p = 0.001 (0)" in texts
    n05 = int((tab["significant"] & (tab["p_sim"] > 0.01)).sum())
    assert f"p = 0.05 ({n05})" in texts


def test_scatter_slope_is_global_moran(us48, lisa):
    _, _w, s = us48
    fig = lisa.plot(period="1969", kind="scatter", label=["Texas"])
    legend = fig.axes[0].get_legend().get_texts()[0].get_text()
    slope = float(legend.split("=")[1])
    wr = libpysal.weights.Queen.from_dataframe(
        us48[0], ids=us48[0]["STATE_NAME"].tolist(), use_index=False, silence_warnings=True
    )
    wr.transform = "r"
    y = s.xs("1969", level="period").loc[wr.id_order].to_numpy()
    assert slope == pytest.approx(esda.Moran(y, wr, permutations=0).I, abs=1e-3)
    assert any(t.get_text() == "Texas" for t in fig.axes[0].texts)


def test_multi_panel_two_by_two(us48, lisa):
    fig = lisa.plot(periods=YEARS, regions=us48[0])
    maps_axes = [ax for ax in fig.axes if ax.get_title()]
    assert len(maps_axes) == 4
    assert [ax.get_title() for ax in maps_axes] == [f"({c}) {y}" for c, y in zip("abcd", YEARS, strict=True)]
    assert fig.axes[0].get_subplotspec().get_gridspec().get_geometry() == (2, 2)


def test_plot_bad_arguments(us48, lisa):
    with pytest.raises(ValueError, match="regions="):
        lisa.plot(period="2009")
    with pytest.raises(ValueError, match="1931"):
        lisa.plot(period="1931", regions=us48[0])
    with pytest.raises(ValueError, match="kind"):
        lisa.plot(period="2009", regions=us48[0], kind="pie")


def test_align_regions_names_missing(us48, lisa):
    gdf = us48[0].drop(index="Ohio")
    with pytest.raises(ValueError, match="Ohio"):
        lisa.plot(period="2009", regions=gdf)
    # ids in a column instead of the index
    fig = lisa.plot(period="2009", regions=us48[0].reset_index(drop=True))
    assert fig.axes


def test_gpkg_round_trip(tmp_path, us48, lisa):
    import pyogrio

    path = lisa.export(tmp_path / "clusters.gpkg", regions=us48[0])
    back = gpd.read_file(path)
    assert len(back) == 48 * len(YEARS)
    assert back.crs == us48[0].crs
    expected = lisa.table.reset_index()
    merged = back.merge(expected, on=["region", "period"], suffixes=("", "_x"))
    assert (merged["cluster"] == merged["cluster_x"].astype(str)).all()
    np.testing.assert_allclose(merged["Ii"], merged["Ii_x"])
    assert set(back["perms"]) == {199}
    assert set(back["seed"]) == {"5"}
    assert set(back["alpha"]) == {0.05}
    assert set(back["adjust"]) == {"none"}
    meta = pyogrio.read_info(path, layer="lisa")["layer_metadata"]
    assert meta["permutations"] == "199"
    assert meta["seed"] == "5"
    assert "transform=r" in meta["weights"]


def test_gpkg_layers_one_per_period(tmp_path, us48, lisa):
    import pyogrio

    path = lisa.export(tmp_path / "layers.gpkg", regions=us48[0], layout="layers")
    layers = [name for name, _ in pyogrio.list_layers(path)]
    assert sorted(layers) == sorted(f"lisa_{y}" for y in YEARS)
    one = gpd.read_file(path, layer="lisa_1989")
    assert len(one) == 48
    assert set(one["period"]) == {"1989"}
    assert (one.set_index("region")["cluster"] == lisa.clusters("1989").astype(str).loc[one["region"]].to_numpy()).all()
    with pytest.raises(ValueError, match="layout"):
        lisa.export(tmp_path / "x.gpkg", regions=us48[0], layout="wide")


def test_shapefile_and_geojson(tmp_path, us48, lisa):
    shp = lisa.export(tmp_path / "clusters.shp", regions=us48[0])
    back = gpd.read_file(shp)
    assert all(len(c) <= 10 for c in back.columns)
    assert {"cluster", "p_sim", "signif", "perms", "seed", "alpha", "adjust", "weights"} <= set(back.columns)
    assert back.crs == us48[0].crs
    lisa.export(tmp_path / "per.shp", regions=us48[0], layout="layers")
    assert (tmp_path / "per_2009.shp").exists()
    gj = lisa.export(tmp_path / "clusters.geojson", regions=us48[0])
    assert len(gpd.read_file(gj)) == 48 * len(YEARS)
    with pytest.raises(ValueError, match="regions="):
        lisa.export(tmp_path / "nogeo.gpkg")


def test_tables_and_figures_export(tmp_path, us48, lisa):
    csv = lisa.export(tmp_path / "lisa.csv")
    back = pd.read_csv(csv)
    assert len(back) == 48 * len(YEARS)
    assert "cluster" in back.columns
    xlsx = lisa.export(tmp_path / "lisa.xlsx")
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert {"table", "counts", "settings_table"} <= set(sheets)
    settings = sheets["settings_table"].set_index("setting")["value"]
    assert str(settings["permutations"]) == "199"
    assert str(settings["alpha"]) == "0.05"
    for suffix in (".png", ".svg", ".pdf"):
        path = lisa.export(tmp_path / f"map{suffix}", regions=us48[0], period="2009")
        assert path.stat().st_size > 1000
    svg = (tmp_path / "map.svg").read_text()
    assert "199 permutations" in svg or "permutations" in svg
    assert lisa.export(tmp_path / "scatter.png", kind="scatter", period="2009").exists()
    with pytest.raises(ValueError, match="regions="):
        lisa.export(tmp_path / "map2.png", period="2009")


def test_html_export(tmp_path, us48, lisa):
    try:
        import folium  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="folium"):
            lisa.export(tmp_path / "map.html", regions=us48[0], period="2009")
        return
    path = lisa.export(tmp_path / "map.html", regions=us48[0], period="2009")
    text = path.read_text()
    assert "leaflet" in text.lower()
    assert "199 permutations" in text


def test_global_plot(tmp_path, us48):
    _, w, s = us48
    res = GlobalMoran(permutations=99, seed=1).fit(s, w)
    fig = res.plot()
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == YEARS
    sig = [c.get_offsets().shape[0] for c in ax.collections]
    assert sum(sig) == len(YEARS)
    assert res.export(tmp_path / "moran.png").stat().st_size > 1000


def test_choropleth_grades(us48):
    gdf = us48[0]
    rng = np.random.default_rng(0)
    vals = pd.Series(rng.uniform(0, 1, size=48), index=gdf.index, name="D")
    vals.iloc[:3] = [0.0, 0.1, 0.10001]  # boundary cases: grade 1, grade 1, grade 2
    fig = maps.choropleth(vals, gdf)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    grades = pd.cut(vals, bins=np.linspace(0, 1, 11), labels=range(1, 11), include_lowest=True).astype(int)
    for g, count in grades.value_counts().items():
        label = next(t for t in texts if t.startswith(f"{g} "))
        assert label.endswith(f"({count})"), (label, count)
    assert grades.iloc[0] == 1
    assert grades.iloc[1] == 1
    assert grades.iloc[2] == 2
    out = vals.copy()
    out.iloc[5] = 1.5
    with pytest.raises(ValueError, match=str(out.index[5])):
        maps.choropleth(out, gdf)


def test_choropleth_mapclassify_scheme(us48):
    import mapclassify

    gdf, _, s = us48
    fig = maps.choropleth(s, gdf, period="2009", scheme="quantiles", k=4)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    q = mapclassify.Quantiles(s.xs("2009", level="period").to_numpy(), k=4)
    assert [int(t.rsplit("(", 1)[1].rstrip(")")) for t in texts] == list(q.counts)
    with pytest.raises(ValueError, match="period="):
        maps.choropleth(s, gdf)
    with pytest.raises(ValueError, match="scheme"):
        maps.choropleth(s, gdf, period="2009", scheme="no_such_scheme")


def _china_like():
    """Boxes in China's lon/lat frame: two 'provinces' on the mainland and one reaching 10°N."""
    geoms = [box(80, 25, 110, 45), box(110, 20, 120, 35), box(110, 9, 112, 12)]
    return gpd.GeoDataFrame({"name": ["甲省", "乙省", "丙省"]}, geometry=geoms, crs=4326, index=["a", "b", "c"])


def test_south_china_sea_inset_detection(us48):
    assert maps.needs_south_china_sea_inset(_china_like())
    assert not maps.needs_south_china_sea_inset(us48[0])
    mainland = _china_like().iloc[:2]
    assert not maps.needs_south_china_sea_inset(mainland)
    # a projected CRS is handled through EPSG:4326
    assert maps.needs_south_china_sea_inset(_china_like().to_crs(3857))


def test_choropleth_china_inset():
    gdf = _china_like()
    vals = pd.Series([0.2, 0.5, 0.9], index=gdf.index, name="D")
    # in longitude/latitude as drawn (crs="data")
    fig = maps.choropleth(vals, gdf, crs="data")
    ax = fig.axes[0]
    assert len(ax.child_axes) == 1  # the South China Sea inset
    assert ax.get_ylim()[0] >= maps.MAINLAND_SOUTH
    inset = ax.child_axes[0]
    assert inset.get_ylim()[0] <= 3
    assert inset.get_title() == "South China Sea"
    fig2 = maps.choropleth(vals, gdf, inset=False, crs="data")
    assert len(fig2.axes[0].child_axes) == 0
    assert fig2.axes[0].get_ylim()[0] < 10
    # the default Albers projection: the same frames, read back in longitude/latitude at 105°E
    from pyproj import Transformer

    from spatialcoupling import _china

    back = Transformer.from_crs(_china.ALBERS_CHINA, 4326, always_xy=True)
    fig3 = maps.choropleth(vals, gdf)
    ax3 = fig3.axes[0]
    assert len(ax3.child_axes) == 1
    assert back.transform(0.0, ax3.get_ylim()[0])[1] >= maps.MAINLAND_SOUTH
    assert back.transform(0.0, ax3.child_axes[0].get_ylim()[0])[1] <= 3


def test_chinese_labels_font_or_warning():
    gdf = _china_like()
    vals = pd.Series([0.2, 0.5, 0.9], index=gdf.index, name="耦合协调度")
    if maps.cjk_font() is None:
        with pytest.warns(UserWarning, match="CJK"):
            maps.choropleth(vals, gdf)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fig = maps.choropleth(vals, gdf)
        assert fig.axes[0].title.get_fontfamily()[0] == maps.cjk_font()
    assert maps.has_cjk("耦合")
    assert not maps.has_cjk("coupling")


def test_bundled_china_provinces_inset():
    import spatialcoupling as sc

    try:
        provinces = sc.datasets.load("china_provinces")
    except (ValueError, ImportError, FileNotFoundError) as err:
        pytest.skip(f"china_provinces not bundled yet: {err}")
    in_lonlat = provinces.crs is not None and provinces.crs.to_epsg() == 4326
    if provinces.total_bounds[1] >= maps.MAINLAND_SOUTH and in_lonlat:
        pytest.skip("the bundled boundaries do not reach the South China Sea")
    assert maps.needs_south_china_sea_inset(provinces)
    vals = pd.Series(np.linspace(0.05, 0.95, len(provinces)), index=provinces.index, name="D")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fig = maps.choropleth(vals, provinces)
    assert len(fig.axes[0].child_axes) == 1


def test_isolated_region_in_map():
    geoms = [box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2), box(5, 5, 6, 6)]
    gdf = gpd.GeoDataFrame(geometry=geoms, index=list("abcde"), crs=3857)
    w = libpysal.weights.Rook.from_dataframe(gdf, use_index=True, silence_warnings=True)
    rng = np.random.default_rng(2)
    s = pd.Series(rng.normal(size=10), index=pd.MultiIndex.from_product([list("abcde"), [1, 2]]))
    res = LocalMoran(permutations=99, seed=1).fit(s, w)
    fig = res.plot(period=1, regions=gdf)
    assert maps.GEODA_COLORS["isolated"].lower() in facecolors(fig.axes[0])
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "Isolated (1)" in texts


def test_regions_outside_the_result_are_no_data(us48):
    gdf, _, s = us48
    subset = gdf.drop(index=["Texas", "Maine"])
    w = libpysal.weights.Queen.from_dataframe(
        subset, ids=subset["STATE_NAME"].tolist(), use_index=False, silence_warnings=True
    )
    res = LocalMoran(permutations=99, seed=1).fit(s.drop(["Texas", "Maine"], level="region"), w)
    fig = res.plot(period="2009", regions=gdf)  # all 48 boundaries
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "No data (2)" in texts
    assert maps.NO_DATA in facecolors(fig.axes[0])
    vals = s.xs("2009", level="period").drop("Texas")
    fig = maps.choropleth(vals, gdf, scheme="quantiles", k=3)
    assert "No data (1)" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_chinese_legend(us48, lisa):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = lisa.plot(period="2009", regions=us48[0], language="zh")
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    counts = lisa.counts.loc["2009"]
    assert f"高-高 ({counts['HH']})" in texts
    assert f"不显著 ({counts['ns']})" in texts
    if maps.cjk_font() is None:
        assert any("CJK" in str(w.message) for w in caught)
    with pytest.raises(ValueError, match="language"):
        lisa.plot(period="2009", regions=us48[0], language="fr")


def test_choropleth_grades_follow_a_custom_grade_table(us48):
    """The grade map reads the same grade table as the coupling model (a custom table used
    to be ignored: the map always drew the ten default grades)."""
    gdf = us48[0]
    vals = pd.Series(np.linspace(0.05, 0.95, 48), index=gdf.index, name="D")
    table = [(0.3, "low"), (0.6, "middle"), (1.0, "high")]
    fig = maps.choropleth(vals, gdf, grades=table)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    counts = pd.cut(vals, [0, 0.3, 0.6, 1.0]).value_counts(sort=False).to_numpy()
    assert texts == [
        f"1 low (0.0, 0.3] ({counts[0]})",
        f"2 middle (0.3, 0.6] ({counts[1]})",
        f"3 high (0.6, 1.0] ({counts[2]})",
    ]
