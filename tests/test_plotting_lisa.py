"""Figures and GIS layers drawn from plain tables (plotting.maps, plotting.lisa,
plotting.global_stats, layers), and the 0.1 wrappers of spatialcoupling.maps that still take
results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

libpysal = pytest.importorskip("libpysal")
gpd = pytest.importorskip("geopandas")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from shapely.geometry import box  # noqa: E402

import spatialcoupling as sc  # noqa: E402
from spatialcoupling import layers  # noqa: E402
from spatialcoupling.plotting import global_stats as gfig  # noqa: E402
from spatialcoupling.plotting import lisa as lfig  # noqa: E402
from spatialcoupling.plotting import maps as mfig  # noqa: E402

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
    lisa = sc.LocalMoran(permutations=99, seed=5).fit(s, w)
    return gdf, w, s, lisa


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def legend_texts(fig, i=0):
    return [t.get_text() for t in fig.axes[i].get_legend().get_texts()]


def facecolors(ax):
    return [to_hex(c) for coll in ax.collections for c in coll.get_facecolors()]


def caption_of(fig):
    return " ".join(t.get_text() for t in fig.texts)


# ----------------------------------------------------------------------------- plotting.lisa
def test_cluster_map_from_the_table_alone(us48):
    gdf, _, _, lisa = us48
    table = lisa.table
    fig = lfig.cluster_map(table, gdf, "2009", caption="my settings")
    counts = table.xs("2009", level="period")["cluster"].astype(str).value_counts()
    for code, name in lfig.CLUSTER_NAMES.items():
        if code != "isolated":
            assert f"{name} ({counts.get(code, 0)})" in legend_texts(fig)
    assert fig.axes[0].get_title() == "LISA clusters, 2009"
    assert caption_of(fig) == "my settings"
    # the result's plot draws the same map, with its own title and caption
    via_result = lisa.plot(period="2009", regions=gdf)
    assert facecolors(via_result.axes[0]) == facecolors(fig.axes[0])
    assert via_result.axes[0].get_title() == "LISA clusters, income, 2009"
    assert caption_of(via_result) == lisa.caption
    # a one-period table indexed by region needs no period
    one = lfig.cluster_map(table.xs("2009", level="period"), gdf)
    assert facecolors(one.axes[0]) == facecolors(fig.axes[0])


def test_period_and_columns_are_checked(us48):
    gdf, _, _, lisa = us48
    with pytest.raises(ValueError, match=r"period= is needed.*'1929'"):
        lfig.cluster_map(lisa.table, gdf)
    with pytest.raises(ValueError, match=r"'1931' is not in the table"):
        lfig.significance_map(lisa.table, gdf, "1931")
    with pytest.raises(ValueError, match=r"\['z', 'lag'\]"):
        lfig.moran_scatterplot(lisa.table[["cluster"]], "2009")
    with pytest.raises(ValueError, match="regions="):
        lfig.lisa_panels(lisa.table, YEARS)


def test_scatter_and_panels_from_the_table(us48):
    gdf, _w, s, lisa = us48
    fig = lfig.moran_scatterplot(lisa.table, "1969", variable="income")
    slope = float(fig.axes[0].get_legend().get_texts()[0].get_text().split("=")[1])
    wr = libpysal.weights.Queen.from_dataframe(
        gdf, ids=gdf["STATE_NAME"].tolist(), use_index=False, silence_warnings=True
    )
    wr.transform = "r"
    z = s.xs("1969", level="period").loc[wr.id_order].to_numpy()
    z = (z - z.mean()) / z.std()
    lag = wr.sparse @ z
    assert slope == pytest.approx((z @ lag) / (z @ z), abs=1e-3)  # least squares through the origin
    assert fig.axes[0].get_xlabel() == "income (standardised)"
    panels = lfig.lisa_panels(lisa.table, YEARS, gdf, caption="c")
    assert [ax.get_title() for ax in panels.axes if ax.get_title()] == [
        f"({c}) {y}" for c, y in zip("abcd", YEARS, strict=True)
    ]
    assert caption_of(panels) == "c"


# ----------------------------------------------------------------------------- plotting.maps
def test_choropleth_panels_share_pooled_classes(us48):
    import mapclassify

    gdf, _, s, _ = us48
    fig = mfig.choropleth_panels(s, gdf, YEARS, scheme="quantiles", k=4, caption="source: BEA")
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["(a) 1929", "(b) 1969", "(c) 1989", "(d) 2009"]
    bins = mapclassify.Quantiles(s.to_numpy(), k=4).bins  # pooled over the four periods
    for i, year in enumerate(YEARS):
        v = s.xs(year, level="period").to_numpy()
        lows = np.r_[-np.inf, bins[:-1]]
        expected = [int(((v > lo) & (v <= hi)).sum()) for lo, hi in zip(lows, bins, strict=True)]
        got = [int(t.rsplit("(", 1)[1].rstrip(")")) for t in legend_texts(fig, i)]
        assert got == expected, year
    assert caption_of(fig) == "source: BEA"


def test_choropleth_panels_grades(us48):
    gdf, _, s, _ = us48
    d = (s / s.max()).rename("D")
    fig = mfig.choropleth_panels(d, gdf, ["1929", "2009"], ncols=1)
    assert fig.axes[0].get_subplotspec().get_gridspec().get_geometry() == (2, 1)
    for i, year in enumerate(["1929", "2009"]):
        grades = pd.cut(d.xs(year, level="period"), np.linspace(0, 1, 11), labels=range(1, 11)).astype(int)
        for g, count in grades.value_counts().items():
            label = next(t for t in legend_texts(fig, i) if t.startswith(f"{g} "))
            assert label.endswith(f"({count})")
    with pytest.raises(ValueError, match="'1931' is not in the series"):
        mfig.choropleth_panels(d, gdf, ["1931"])
    with pytest.raises(ValueError, match="region × period"):
        mfig.choropleth_panels(d.xs("1929", level="period"), gdf, ["1929"])


def test_boundaries_match_ids_as_text():
    geoms = [box(i, 0, i + 1, 1) for i in range(4)]
    gdf = gpd.GeoDataFrame({"code": [110000, 120000, 130000, 140000]}, geometry=geoms)
    values = pd.Series([0.1, 0.5, 0.9], index=["110000", "120000", "130000"], name="D")
    fig = mfig.choropleth(values, gdf)
    assert "No data (1)" in legend_texts(fig)
    aligned = mfig.align_regions(gdf, ["130000", "110000"], keep_others=True)
    assert list(aligned.index) == ["130000", "110000", 120000, 140000]
    assert aligned.geometry.iloc[0].equals(geoms[2])


# ----------------------------------------------------------------------------- global_stats
def test_statistic_by_period_marks_significant_periods():
    tab = pd.DataFrame({"I": [0.3, 0.1, 0.25], "p_sim": [0.01, 0.3, 0.05]}, index=[2000, 2001, 2002])
    fig = gfig.statistic_by_period(tab, "I", "p_sim", caption="W queen")
    filled, empty = fig.axes[0].collections
    assert filled.get_offsets().shape[0] == 2
    assert empty.get_offsets().shape[0] == 1
    assert fig.axes[0].get_title() == "I, by year"
    assert caption_of(fig) == "W queen"
    assert fig.axes[0].get_xlabel() == "Year"
    with pytest.raises(ValueError, match="no column 'C'"):
        gfig.statistic_by_period(tab, "C")


# ----------------------------------------------------------------------------- layers
def test_layers_from_the_table(us48, tmp_path):
    gdf, _, _, lisa = us48
    frame = layers.lisa_geodataframe(lisa.table, lisa.settings, gdf, period="2009")
    assert len(frame) == 48
    assert set(frame["perms"]) == {99}
    assert set(frame["period"]) == {"2009"}
    assert (frame.set_index("region")["cluster"] == lisa.clusters("2009").astype(str)).all()
    with pytest.raises(ValueError, match=r"settings lacks \['alpha'\]"):
        layers.lisa_geodataframe(lisa.table, {k: v for k, v in lisa.settings.items() if k != "alpha"}, gdf)
    with pytest.raises(ValueError, match=r"\.gpkg, \.shp or \.geojson"):
        layers.write_lisa_layers(lisa.table, lisa.settings, gdf, tmp_path / "x.kml")
    written = layers.write_lisa_layers(lisa.table, lisa.settings, gdf, tmp_path / "x.geojson", layout="layers")
    assert [p.name for p in written] == [f"x_{y}.geojson" for y in YEARS]


# ----------------------------------------------------------------------------- spatialcoupling.maps (0.1)
def test_top_level_submodules():
    assert sc.plotting.lisa is lfig
    assert sc.layers is layers
    assert sc.maps.GEODA_COLORS["HH"] == "#FF0000"


@pytest.mark.parametrize(
    ("name", "args", "new_args", "new"),
    [
        ("cluster_map", ("2009", "regions"), ("regions", "2009"), "plotting.lisa.cluster_map"),
        ("significance_map", ("2009", "regions"), ("regions", "2009"), "plotting.lisa.significance_map"),
        ("moran_scatterplot", ("2009",), ("2009",), "plotting.lisa.moran_scatterplot"),
        ("lisa_panels", (YEARS, "regions"), (YEARS, "regions"), "plotting.lisa.lisa_panels"),
    ],
)
def test_0_1_figure_functions_warn_and_draw_the_same(us48, name, args, new_args, new):
    gdf, _, _, lisa = us48
    args = tuple(gdf if isinstance(a, str) and a == "regions" else a for a in args)
    new_args = tuple(gdf if isinstance(a, str) and a == "regions" else a for a in new_args)
    with pytest.warns(DeprecationWarning, match=new):
        old = getattr(sc.maps, name)(lisa, *args)
    fresh = getattr(lfig, name)(lisa.table, *new_args, variable="income", caption=lisa.caption)
    assert [ax.get_title() for ax in old.axes] == [ax.get_title() for ax in fresh.axes]
    assert facecolors(old.axes[0]) == facecolors(fresh.axes[0])
    assert caption_of(old) == caption_of(fresh) == lisa.caption
    with pytest.raises(TypeError, match=new):
        getattr(sc.maps, name)(lisa.table, *args)


def test_0_1_layer_and_global_functions_warn(us48, tmp_path):
    gdf, w, s, lisa = us48
    with pytest.warns(DeprecationWarning, match="layers.lisa_geodataframe"):
        frame = sc.maps.lisa_geodataframe(lisa, gdf)
    pd.testing.assert_frame_equal(
        pd.DataFrame(frame.drop(columns="geometry")),
        pd.DataFrame(layers.lisa_geodataframe(lisa.table, lisa.settings, gdf).drop(columns="geometry")),
    )
    with pytest.warns(DeprecationWarning, match="layers.write_lisa_layers"):
        sc.maps.write_lisa_layers(lisa, gdf, tmp_path / "l.gpkg")
    assert len(gpd.read_file(tmp_path / "l.gpkg")) == 48 * len(YEARS)
    moran = sc.GlobalMoran(permutations=19, seed=1).fit(s, w)
    with pytest.warns(DeprecationWarning, match="statistic_by_period"):
        fig = sc.maps.plot_global(moran)
    assert fig.axes[0].get_title() == "GlobalMoran by period"
    assert caption_of(fig) == moran.caption
