"""China's standard map, projections, scale bar and north arrow, legend placement, no overlapping
text, and Chinese figures with no English word left."""

from __future__ import annotations

import re
import warnings
from itertools import combinations

import numpy as np
import pandas as pd
import pytest

gpd = pytest.importorskip("geopandas")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import shapely  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from pyproj import CRS, Geod, Transformer  # noqa: E402

import spatialcoupling as sc  # noqa: E402
from spatialcoupling import _china  # noqa: E402
from spatialcoupling.datasets.geo import china_map_context  # noqa: E402
from spatialcoupling.plotting import _base, _cartography  # noqa: E402
from spatialcoupling.plotting import global_stats as gfig  # noqa: E402
from spatialcoupling.plotting import inequality as ifig  # noqa: E402
from spatialcoupling.plotting import lisa as lfig  # noqa: E402
from spatialcoupling.plotting import maps as mfig  # noqa: E402

YEARS = [2009, 2014, 2019, 2024]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def provinces():
    return sc.datasets.load("china_provinces")


@pytest.fixture(scope="module")
def panel(provinces):
    ids = list(provinces.index)
    rng = np.random.default_rng(3)
    idx = pd.MultiIndex.from_product([ids, YEARS], names=["region", "period"])
    return pd.Series(rng.uniform(0.15, 0.95, len(idx)), index=idx, name="D")


@pytest.fixture(scope="module")
def lisa_table(provinces, panel):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Hainan linked to its nearest neighbour
        w = sc.spatial_weights(provinces, kind="queen")
    return sc.LocalMoran(permutations=999, seed=1).fit(panel, w).table


def _taiwan_point(crs):
    point = china_map_context()["taiwan"].geometry.iloc[0].representative_point()
    x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(point.x, point.y)
    return x, y


def _hatched_paths(ax):
    return [p for c in ax.collections if isinstance(c, PathCollection) and c.get_hatch() for p in c.get_paths()]


# ----------------------------------------------------------------------------- context layers
def test_china_map_context_loader():
    ctx = china_map_context()
    assert set(ctx) == {"taiwan", "maritime"}
    assert ctx["taiwan"]["adcode"].tolist() == [710000]
    assert ctx["maritime"].geom_type.tolist() == ["MultiLineString"]
    b = ctx["maritime"].total_bounds  # the line runs through the South China Sea down to about 3.4°N
    assert b[1] < 5
    assert b[3] > 20
    ctx["taiwan"]["adcode"] = 0  # a copy: the cache is untouched
    assert china_map_context()["taiwan"]["adcode"].tolist() == [710000]


@pytest.mark.parametrize("kind", ["choropleth", "panels", "cluster", "significance"])
def test_taiwan_and_maritime_line_on_every_china_map(provinces, panel, lisa_table, kind):
    def draw(**kw):
        if kind == "choropleth":
            return mfig.choropleth(panel, provinces, period=2024, **kw)
        if kind == "panels":
            return mfig.choropleth_panels(panel, provinces, YEARS[:2], **kw)
        if kind == "cluster":
            return lfig.cluster_map(lisa_table, provinces, 2024, **kw)
        return lfig.significance_map(lisa_table, provinces, 2024, **kw)

    fig = draw()
    tw = _taiwan_point(CRS.from_proj4(_china.ALBERS_CHINA))
    for ax in [a for a in fig.axes if a.collections and a.get_label() != "<colorbar>"][:1]:
        assert any(p.contains_point(tw) for p in _hatched_paths(ax)), "Taiwan is drawn as no data"
        inset = ax.child_axes[0]
        assert inset.get_title() == "South China Sea"
        assert any(isinstance(c, LineCollection) for c in inset.collections), "maritime line in the inset"
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        # Taiwan counts as "no data"; the 31 regions keep their classes
        assert "No data (1)" in texts
        counted = sum(int(re.search(r"\((\d+)\)$", t).group(1)) for t in texts if not t.startswith("No data"))
        assert counted == len(provinces)
    off = draw(context=False)
    ax = off.axes[0]
    assert not any(p.contains_point(tw) for p in _hatched_paths(ax))
    assert not any(isinstance(c, LineCollection) for a in [ax, *ax.child_axes] for c in a.collections)


def test_taiwan_in_the_data_is_drawn_as_data(provinces):
    taiwan = china_map_context()["taiwan"].set_index("adcode")
    both = pd.concat([provinces[["geometry"]], taiwan[["geometry"]]])
    vals = pd.Series(0.55, index=both.index, name="D")
    fig = mfig.choropleth(vals, gpd.GeoDataFrame(both, crs=4326))
    tw = _taiwan_point(CRS.from_proj4(_china.ALBERS_CHINA))
    assert not any(p.contains_point(tw) for p in _hatched_paths(fig.axes[0]))
    assert not any(t.get_text().startswith("No data") for t in fig.axes[0].get_legend().get_texts())


def test_context_never_enters_weights(provinces):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        w = sc.spatial_weights(provinces, kind="queen")
    assert 710000 not in set(w.id_order)
    assert len(w.id_order) == 31


# ----------------------------------------------------------------------------- projections
@pytest.mark.filterwarnings("ignore:You will likely lose")
def test_projection_choice(provinces):
    us = sc.datasets.load("us_states")
    mexico = sc.datasets.load("mexico_states")
    china = _cartography.map_crs(provinces)
    assert china.to_dict()["proj"] == "aea"
    assert china.to_dict()["lat_1"] == 25
    assert china.to_dict()["lat_2"] == 47
    assert china.to_dict()["lon_0"] == 105
    assert _cartography.map_crs(us).to_epsg() == 5070
    mx = _cartography.map_crs(mexico).to_dict()
    assert mx["proj"] == "aea"
    assert 14 < mx["lat_1"] < mx["lat_2"] < 33
    assert _cartography.map_crs(provinces, "data") is None
    assert _cartography.map_crs(us, "EPSG:3857").to_epsg() == 3857
    with pytest.raises(ValueError, match="crs="):
        _cartography.map_crs(us, "no such crs")


def test_us_map_is_drawn_in_conus_albers():
    us = sc.datasets.load("us_states")
    income = sc.datasets.load("us_income")
    fig = mfig.choropleth(income, us, period=2009, scheme="quantiles", k=4)
    x0, x1 = fig.axes[0].get_xlim()
    # the frame holds the states as geopandas projects them to EPSG:5070, with a small margin
    b = us.to_crs(5070).total_bounds
    assert x0 < b[0]
    assert x1 > b[2]
    assert (x1 - x0) < 1.1 * (b[2] - b[0])


def test_scale_bar_is_true_in_km_along_a_standard_parallel(provinces, panel):
    fig = mfig.choropleth(panel, provinces, period=2024)
    ax = fig.axes[0]
    bar = next(a for a in ax.get_children() if type(a).__name__ == "MeasuredScaleBar")
    fig.canvas.draw()
    value = bar.fixed_value
    assert bar.fixed_units == "km"
    assert value in {100, 200, 500, 1000, 2000}
    texts = [t.get_text() for t in fig.findobj(Text)]
    assert any(t == f"{value:g} km" for t in texts) or bar.info.scale_text == f"{value:g} km"
    # the bar's length in map units, measured on the ground at 25°N by a geodesic (pyproj.Geod)
    length_units = bar.info.length_px  # matplotlib-scalebar reports it in data units (transData box)
    px_per_unit = ax.transData.transform((1.0, 0.0))[0] - ax.transData.transform((0.0, 0.0))[0]
    assert bar.info.window_extent.width >= 0.95 * length_units * px_per_unit
    back = Transformer.from_crs(_china.ALBERS_CHINA, 4326, always_xy=True)
    fwd = Transformer.from_crs(4326, _china.ALBERS_CHINA, always_xy=True)
    x, y = fwd.transform(105.0, 25.0)
    lon0, lat0 = back.transform(x - length_units / 2, y)
    lon1, lat1 = back.transform(x + length_units / 2, y)
    metres = Geod(ellps="WGS84").inv(lon0, lat0, lon1, lat1)[2]
    assert metres == pytest.approx(value * 1000, rel=0.01)


def test_north_arrow_and_scale_bar_switch_off(provinces, panel):
    fig = mfig.choropleth(panel, provinces, period=2024, north_arrow=False, scale_bar=False)
    ax = fig.axes[0]
    assert not [a for a in ax.get_children() if type(a).__name__ == "MeasuredScaleBar"]
    assert not [t for t in ax.texts if t.get_text() == "N"]
    on = mfig.choropleth(panel, provinces, period=2024)
    assert [t for t in on.axes[0].texts if t.get_text() == "N"]


# ----------------------------------------------------------------------------- placement
def _texts(fig):
    """The texts a reader sees: figure texts, titles, axes texts, and labels and tick labels of
    axes that are shown."""
    out = list(fig.texts)
    if fig._suptitle is not None:
        out.append(fig._suptitle)
    for ax in fig.axes:
        out += [ax.title, ax._left_title, ax._right_title, *ax.texts]
        if ax.axison:
            for i, axis in enumerate((ax.xaxis, ax.yaxis)):
                if not axis.get_visible():  # e.g. the shared x axis of a twin axes
                    continue
                lo, hi = sorted(axis.get_view_interval())
                span = (hi - lo) * 1e-9
                drawn = [t for t in axis.get_ticklabels() if lo - span <= t.get_position()[i] <= hi + span]
                out += [axis.label, *drawn]
        for sub in ax.child_axes:
            out.append(sub.title)
    unique = list({id(t): t for t in out}.values())  # the suptitle is also one of the figure's texts
    return [t for t in unique if t.get_visible() and t.get_text().strip()]


def _boxes(fig):
    """Window extents of every visible text (legends as one box), legend, inset, scale bar and
    north arrow (with its arrow)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    out = []
    for t in _texts(fig):
        if t.get_text() == "N" and hasattr(t, "arrow_patch"):
            box = t.get_window_extent(renderer).union(
                [t.get_window_extent(renderer), t.arrow_patch.get_window_extent(renderer)]
            )
            out.append(("north arrow", box))
        else:
            out.append((f"text {t.get_text()[:20]!r}", t.get_window_extent(renderer)))
    for ax in fig.axes:
        if ax.get_legend() is not None:
            out.append(("legend", ax.get_legend().get_window_extent(renderer)))
        for sub in ax.child_axes:
            out.append(("inset", sub.get_window_extent(renderer)))
        for a in ax.get_children():
            if type(a).__name__ == "MeasuredScaleBar":
                out.append(("scale bar", a.get_window_extent(renderer)))
    return out


def _overlaps(boxes):
    return [(a, b) for (a, ba), (b, bb) in combinations(boxes, 2) if ba.overlaps(bb)]


@pytest.mark.parametrize("kind", ["choropleth", "cluster", "significance", "scatter", "panels", "statistic"])
def test_no_two_text_legend_or_inset_boxes_overlap(provinces, panel, lisa_table, kind):
    caption = "LISA of D: W queen; 999 permutations, seed 1; p <= 0.05, adjustment: none"
    if kind == "choropleth":
        fig = mfig.choropleth(panel, provinces, period=2024, title="D, 2024")
    elif kind == "cluster":
        fig = lfig.cluster_map(lisa_table, provinces, 2024, variable="D", caption=caption)
    elif kind == "significance":
        fig = lfig.significance_map(lisa_table, provinces, 2024, variable="D", caption=caption)
    elif kind == "scatter":
        fig = lfig.moran_scatterplot(lisa_table, 2024, variable="D", caption=caption, label=True)
    elif kind == "panels":
        fig = mfig.choropleth_panels(panel, provinces, YEARS, caption="synthetic data")
    else:
        years = pd.Index(range(1940, 2021), name="period")
        tab = pd.DataFrame({"I": np.linspace(0.1, 0.4, 81), "EI": -1 / 30, "p_sim": 0.01}, index=years)
        fig = gfig.statistic_by_period(tab, "I", reference="EI", label="Moran's I", caption=caption)
        ticks = [t for t in fig.axes[0].get_xticklabels() if t.get_text()]
        assert len(ticks) <= 16  # 81 years are not all labelled
    bad = _overlaps(_boxes(fig))
    assert bad == []


def test_legend_covers_no_region(provinces, panel):
    fig = mfig.choropleth(panel, provinces, period=2024, legend_loc="auto")
    ax = fig.axes[0]
    fig.canvas.draw()
    bb = ax.get_legend().get_window_extent(fig.canvas.get_renderer())
    inv = ax.transData.inverted()
    (x0, y0), (x1, y1) = inv.transform([[bb.x0, bb.y0], [bb.x1, bb.y1]])
    drawn = provinces.to_crs(_china.ALBERS_CHINA).geometry.to_numpy()
    assert not shapely.intersects(drawn, shapely.box(x0, y0, x1, y1)).any()


# ----------------------------------------------------------------------------- language
ENGLISH_WORDS = {w for en in _base.TRANSLATIONS for w in re.findall(r"[A-Za-z]{2,}", en) if w not in _base.KEEP_WORDS}


def _english_left(fig):
    words = set()
    for t in fig.findobj(Text):
        if t.get_visible():
            words |= set(re.findall(r"[A-Za-z]{2,}", t.get_text())) & ENGLISH_WORDS
    return words


def _dagum_tables():
    periods = pd.Index([2019, 2020, 2021], name="period")
    table = pd.DataFrame({"G": [0.2, 0.21, 0.22], "Gw_share": 0.3, "Gnb_share": 0.5, "Gt_share": 0.2}, index=periods)
    groups = ["East", "Central", "West"]
    within = pd.DataFrame(
        {"G_jj": 0.1, "rank": np.tile([1, 2, 3], 3)},
        index=pd.MultiIndex.from_product([periods, groups], names=["period", "group"]),
    )
    pairs = [("East", "Central"), ("East", "West"), ("Central", "West")]
    between = pd.DataFrame(
        {"G_jh": 0.2, "D_jh": 0.5},
        index=pd.MultiIndex.from_tuples(
            [(p, a, b) for p in periods for a, b in pairs], names=["period", "group_j", "group_h"]
        ),
    )
    return table, within, between, periods


@pytest.mark.parametrize(
    "kind",
    [
        "choropleth",
        "panels",
        "cluster",
        "significance",
        "scatter",
        "lisa_panels",
        "transition",
        "statistic",
        "dagum",
        "within",
        "between",
        "between_lines",
        "theil",
    ],
)
def test_language_zh_leaves_no_english_word(provinces, panel, lisa_table, kind):
    caption = "LISA of D: W queen; 999 permutations, seed 1; p <= 0.05 (two-sided pseudo p), adjustment: none"
    zh = {"language": "zh"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no missing-glyph warning either
        if kind == "choropleth":
            fig = mfig.choropleth(panel, provinces, period=2024, **zh)
        elif kind == "panels":
            fig = mfig.choropleth_panels(panel, provinces, YEARS[:2], caption=caption, **zh)
        elif kind == "cluster":
            fig = lfig.cluster_map(lisa_table, provinces, 2024, variable="D", caption=caption, **zh)
        elif kind == "significance":
            fig = lfig.significance_map(lisa_table, provinces, 2024, variable="D", caption=caption, **zh)
        elif kind == "scatter":
            fig = lfig.moran_scatterplot(lisa_table, 2024, variable="D", caption=caption, **zh)
        elif kind == "lisa_panels":
            fig = lfig.lisa_panels(lisa_table, YEARS[:2], provinces, caption=caption, **zh)
        elif kind == "transition":
            m = pd.DataFrame(np.eye(2), index=["HH", "LL"], columns=["HH", "LL"])
            fig = lfig.transition_matrix(m, caption=caption, **zh)
        elif kind == "statistic":
            tab = pd.DataFrame({"I": [0.3, 0.2], "EI": -0.03, "p_sim": [0.01, 0.3]}, index=[2019, 2020])
            fig = gfig.statistic_by_period(tab, "I", reference="EI", caption=caption, **zh)
        else:
            table, within, between, periods = _dagum_tables()
            if kind == "dagum":
                fig = ifig.dagum_decomposition_chart(table, **zh)
            elif kind == "within":
                fig = ifig.within_gini_chart(within, periods, **zh)
            elif kind == "between":
                fig = ifig.between_heatmap(within, between, 2020, **zh)
            elif kind == "between_lines":
                fig = ifig.between_gini_chart(between, periods, **zh)
            else:
                tab = pd.DataFrame(
                    {"theil": [0.1, 0.2], "within": [0.05, 0.1], "between": [0.05, 0.1]}, index=[2019, 2020]
                )
                fig = ifig.theil_chart(tab, "T", **zh)
        fig.canvas.draw()
    assert _english_left(fig) == set()


def test_translation_table_is_the_one_place():
    assert _base.tr("South China Sea", "zh") == "南海诸岛"
    assert _base.tr("No data", "zh") == "无数据"
    assert _base.tr("High-High", "zh") == "高-高"
    with pytest.raises(ValueError, match="language"):
        _base.tr("No data", "fr")
