"""Maps of the dynamics and driver analyses through the shared map machinery, region labels,
grade legends, and Chinese figures of every chart function."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

gpd = pytest.importorskip("geopandas")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from pyproj import Transformer  # noqa: E402

import spatialcoupling as sc  # noqa: E402
from spatialcoupling import _china  # noqa: E402
from spatialcoupling.plotting import _base  # noqa: E402
from spatialcoupling.plotting import convergence as cfig  # noqa: E402
from spatialcoupling.plotting import coupling as kfig  # noqa: E402
from spatialcoupling.plotting import drivers as rfig  # noqa: E402
from spatialcoupling.plotting import dynamics as dfig  # noqa: E402
from spatialcoupling.plotting import maps as mfig  # noqa: E402
from spatialcoupling.plotting import scores as sfig  # noqa: E402
from spatialcoupling.plotting import spatial_panel as pfig  # noqa: E402
from tests.test_maps_standard import _boxes, _english_left, _overlaps  # noqa: E402

YEARS = [2009, 2014, 2019, 2024]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def provinces():
    return sc.datasets.load("china_provinces")


@pytest.fixture(scope="module")
def mainland29(provinces):
    return provinces.drop(index=[540000, 460000])


@pytest.fixture(scope="module")
def gravity_inputs(mainland29):
    """Centres and ellipses in Albers (as GravityCentre computes them) from a hand-made path."""
    lon = np.array([112.0, 112.5, 113.0, 113.2])
    lat = np.array([33.0, 33.2, 33.1, 33.6])
    x, y = Transformer.from_crs(4326, _china.ALBERS_CHINA, always_xy=True).transform(lon, lat)
    centres = pd.DataFrame({"period": YEARS, "x": x, "y": y})
    ellipses = gpd.GeoDataFrame(
        {"period": YEARS},
        geometry=gpd.points_from_xy(x, y).buffer(600_000.0),
        crs=_china.ALBERS_CHINA,
    )
    return centres, ellipses, lon, lat


def _gravity(mainland29, gravity_inputs, **kw):
    centres, ellipses, _, _ = gravity_inputs
    return dfig.gravity_map(
        mainland29, centres, ellipses, centres_crs=_china.ALBERS_CHINA, title="Centre of gravity of D", **kw
    )


def test_gravity_map_is_a_standard_china_map(mainland29, gravity_inputs):
    fig = _gravity(mainland29, gravity_inputs)
    ax = fig.axes[0]
    # Taiwan (hatched, no data) and the maritime line are drawn; the South China Sea inset is there
    assert any(isinstance(c, PathCollection) and c.get_hatch() for c in ax.collections)
    assert any(isinstance(c, LineCollection) for c in ax.collections)
    assert len(ax.child_axes) == 1
    # the centres are drawn where pyproj puts their lon/lat in China's Albers (independent transform)
    _, _, lon, lat = gravity_inputs
    ex, ey = Transformer.from_crs(4326, _china.ALBERS_CHINA, always_xy=True).transform(lon, lat)
    drawn = [c for c in ax.collections if type(c).__name__ == "PathCollection" and len(c.get_offsets()) == 4]
    assert drawn
    np.testing.assert_allclose(drawn[0].get_offsets(), np.column_stack([ex, ey]), rtol=1e-9)
    # the enlarged path is a panel of its own, beside the map, not over the ellipses
    assert len(fig.axes) == 2
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    assert not fig.axes[0].get_window_extent(r).overlaps(fig.axes[1].get_window_extent(r))
    assert _overlaps(_boxes(fig)) == []


def test_gravity_map_from_the_result_keeps_the_numbers(mainland29):
    ids = list(mainland29.index)
    rng = np.random.default_rng(0)
    idx = pd.MultiIndex.from_product([ids, YEARS], names=["region", "period"])
    d = pd.Series(rng.uniform(0.2, 0.9, len(idx)), index=idx, name="D")
    from spatialcoupling.dynamics import GravityCentre

    res = GravityCentre().fit(d, mainland29)
    fig = res.plot(language="zh")
    drawn = [c for c in fig.axes[0].collections if len(getattr(c, "get_offsets", list)()) == len(YEARS)]
    table = res.table
    np.testing.assert_allclose(drawn[0].get_offsets(), table[["x", "y"]].to_numpy(), rtol=1e-9)


def test_rank_change_map_classes_and_legend(mainland29):
    change = pd.Series(np.tile([-8, -2, 0, 3, 9], 6)[: len(mainland29)], index=mainland29.index)
    fig = dfig.rank_change_map(mainland29, change, title="Rank change", labels=True)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    # largest move 9: half = 5 -> classes -9…-5, -4…-1, 0, +1…+4, +5…+9 (counted by hand)
    counts = [int(re.search(r"\((\d+)\)$", t).group(1)) for t in texts[:5]]
    values = change.to_numpy()
    assert counts == [
        int((values <= -5).sum()),
        int(((values > -5) & (values < 0)).sum()),
        int((values == 0).sum()),
        int(((values > 0) & (values < 5)).sum()),
        int((values >= 5).sum()),
    ]
    assert texts[-1].startswith("No data")  # Taiwan
    assert _overlaps(_boxes(fig)) == []


@pytest.mark.parametrize("kind", ["hotspots", "bivariate"])
def test_category_maps_use_the_map_machinery(mainland29, kind):
    if kind == "hotspots":
        cats = list(rfig.HOTSPOT_COLORS)[:7]
        colors = rfig.HOTSPOT_COLORS
    else:
        cats = ["HH", "LL", "LH", "HL", "ns"]
        colors = rfig.GEODA_COLORS
    values = pd.Series([cats[i % len(cats)] for i in range(len(mainland29))], index=mainland29.index)
    fig = rfig.category_map(mainland29, values, colors, title="t", caption="c", labels=True)
    ax = fig.axes[0]
    assert len(ax.child_axes) == 1  # the South China Sea inset
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sum(int(re.search(r"\((\d+)\)$", n).group(1)) for n in names[:-1]) == len(mainland29)
    assert names[-1] == "No data (1)"  # Taiwan
    assert _overlaps(_boxes(fig)) == []


def test_region_labels_skip_what_would_overlap(provinces):
    ids = list(provinces.index)
    idx = pd.MultiIndex.from_product([ids, YEARS], names=["region", "period"])
    d = pd.Series(np.linspace(0.05, 0.95, len(idx)), index=idx, name="D")
    fig = mfig.choropleth(d, provinces, period=2024, labels="name_en")
    ax = fig.axes[0]
    labels = [t for t in ax.texts if t.get_fontsize() == 5.0]
    assert 10 <= len(labels) < len(provinces)  # crowded eastern provinces are skipped, big ones kept
    assert {"Xinjiang", "Inner Mongolia"} <= {t.get_text() for t in labels}
    assert _overlaps(_boxes(fig)) == []
    with pytest.raises(ValueError, match="not a column"):
        mfig.choropleth(d, provinces, period=2024, labels="short_name")


def _legend_rows(ax):
    leg = ax.get_legend()
    return [t.get_text() for t in leg.get_texts()], [mpl_hex(p.get_facecolor()) for p in leg.get_patches()]


def mpl_hex(rgba):
    return matplotlib.colors.to_hex(rgba)


def test_grade_panels_list_all_ten_grades_with_fixed_colours(provinces):
    ids = list(provinces.index)
    idx = pd.MultiIndex.from_product([ids, YEARS[:2]], names=["region", "period"])
    # 2009: every region 0.35 (grade 4 by hand: (0.3, 0.4]); 2014: every region 0.75 (grade 8)
    d = pd.Series(np.where(idx.get_level_values(1) == 2009, 0.35, 0.75), index=idx, name="D")
    fig = mfig.choropleth_panels(d, provinces, YEARS[:2])
    (t0, c0), (t1, c1) = (_legend_rows(ax) for ax in fig.axes[:2] if ax.get_legend() is not None)
    assert len(t0) == len(t1) == 10 + 1  # ten grades and Taiwan's "No data"
    assert c0 == c1  # one colour per grade in every panel
    assert t0[3].startswith("4 ")
    assert t0[3].endswith(f"({len(ids)})")
    assert t0[7].endswith("(0)")
    assert t1[7].startswith("8 ")
    assert t1[7].endswith(f"({len(ids)})")
    fig = mfig.choropleth_panels(d, provinces, YEARS[:2], legend="present")
    (p0, k0), (p1, k1) = (_legend_rows(ax) for ax in fig.axes[:2] if ax.get_legend() is not None)
    assert [t.split()[0] for t in p0[:-1]] == ["4"]
    assert [t.split()[0] for t in p1[:-1]] == ["8"]
    assert k0[0] == c0[3]
    assert k1[0] == c0[7]
    with pytest.raises(ValueError, match="legend must be"):
        mfig.choropleth_panels(d, provinces, YEARS[:2], legend="some")


def test_global_moran_plot_keeps_the_plotting_default_title(us_income, us_queen):
    res = sc.GlobalMoran(permutations=0).fit(us_income.loc[pd.IndexSlice[:, [2000, 2009]]], us_queen)
    assert res.plot().axes[0].get_title() == "Moran's I, by year"


def test_dagum_plot_forwards_language_and_draws_pair_lines(us_income):
    frame = us_income.loc[pd.IndexSlice[:, [2000, 2009]]]
    regions = frame.index.get_level_values(0).unique()
    groups = pd.Series(np.where(np.arange(len(regions)) % 2, "East", "West"), index=regions)
    res = sc.DagumGini().fit(frame, groups)
    fig = res.plot("between_lines", language="zh")
    assert _english_left(fig) == set()
    assert fig.axes[0].get_lines()


# ----------------------------------------------------------------------------- language
WORDS = re.compile(r"[A-Za-z]{2,}")


def test_settings_caption_in_chinese_is_fully_translated():
    caption = (
        "LISA of D: W queen, n=29, transform=r, neighbours min/mean/max=1/4.45/9, islands=0; "
        "999 permutations, seed 1; p <= 0.05 (two-sided pseudo p), adjustment: none"
    )
    left = set(WORDS.findall(_base.translate_text(caption, "zh"))) - _base.KEEP_WORDS
    assert left == set()


def _density():
    xs = np.linspace(0, 1, 20)
    return pd.DataFrame(
        {"period": np.repeat(YEARS, 20), "x": np.tile(xs, 4), "density": np.tile(np.exp(-((xs - 0.5) ** 2) * 9), 4)}
    )


def _chart(kind, mainland29, gravity_inputs):  # noqa: PLR0911, PLR0912 - one case per chart function
    zh = {"language": "zh"}
    matrix = pd.DataFrame([[0.8, 0.2], [0.1, 0.9]], index=["Q1", "Q2"], columns=["Q1", "Q2"])
    periods = pd.Index(YEARS, name="period")
    if kind == "gravity":
        return _gravity(mainland29, gravity_inputs, caption="Centre of gravity weighted by D", **zh)
    if kind == "rank_map":
        change = pd.Series(np.arange(len(mainland29)) % 5 - 2, index=mainland29.index)
        return dfig.rank_change_map(mainland29, change, title="Rank change of D", caption="positive: moved up", **zh)
    if kind == "hotspots":
        values = pd.Series(list(rfig.HOTSPOT_COLORS)[len(mainland29) % 3], index=mainland29.index)
        return rfig.category_map(mainland29, values, rfig.HOTSPOT_COLORS, title="Hot and cold spots", **zh)
    if kind == "bivariate":
        values = pd.Series((["HH", "LL", "ns", "HL"] * 10)[: len(mainland29)], index=mainland29.index)
        return rfig.category_map(mainland29, values, rfig.GEODA_COLORS, **zh)
    if kind == "density_curves":
        return dfig.density_curves(
            _density(), title="Kernel density of D", caption="gaussian kernel, bandwidth scott", **zh
        )
    if kind == "ridgeline":
        return dfig.density_ridgeline(_density(), title="Kernel density of D", **zh)
    if kind == "surface":
        return dfig.density_surface(_density(), title="Kernel density of D", **zh)
    if kind == "transition":
        return dfig.transition_heatmap(matrix, title="Markov chain of D", **zh)
    if kind == "transition_panels":
        return dfig.transition_panels({"Q1": matrix, "pooled": matrix}, title="Spatial Markov chain of D", **zh)
    if kind == "state_shares":
        shares = pd.DataFrame(
            {"initial": [0.5, 0.5], "final": [0.4, 0.6], "steady_state": [0.3, 0.7]}, index=["Q1", "Q2"]
        )
        return dfig.state_shares(shares, title="Markov chain of D", **zh)
    if kind == "types":
        shares = pd.DataFrame(
            np.full((3, 4), 0.25), index=["2009-2014", "2014-2019", "2019-2024"], columns=[1, 2, 3, 4]
        )
        return dfig.transition_types(shares, title="LISA time paths of D", **zh)
    if kind == "paths":
        pts = pd.DataFrame(
            {"region": ["a", "a", "b", "b"], "period": [1, 2, 1, 2], "x": [0, 1, 0, -1], "y": [0, 1, 1, 0]}
        )
        return dfig.lisa_paths(pts, title="LISA time paths of D", caption="coordinates: standardised", **zh)
    if kind == "rose":
        sectors = pd.DataFrame({"lower": [0, 90, 180, 270], "upper": [90, 180, 270, 360], "count": [3, 1, 2, 4]})
        return dfig.rose_diagram(sectors, title="Directional rose of D", **zh)
    if kind == "tau":
        taus = pd.DataFrame({"tau": [0.8, 0.7], "tau_spatial": [0.6, 0.5], "p_sim": [0.01, 0.2]}, index=["a", "b"])
        return dfig.tau_series(taus, title="Rank mobility of D", **zh)
    if kind == "class_counts":
        counts = pd.DataFrame({"Hot spot (99%)": [2, 3], "Not significant": [20, 19]}, index=[2009, 2024])
        return rfig.class_counts(counts, rfig.HOTSPOT_COLORS, title="Hot and cold spots (Gi*) per period", **zh)
    if kind == "heatmap":
        return rfig.heatmap(matrix, title="Mean obstacle degree by indicator", value_label="obstacle degree", **zh)
    if kind == "q_bars":
        q = pd.DataFrame({"pooled": [0.4, 0.2]}, index=["x1", "x2"])
        return rfig.q_bars(q, title="Geographic detector: q by factor", **zh)
    if kind == "lines":
        frame = pd.DataFrame({"MS": [0.3, 0.4], "AM": [0.5, 0.6]}, index=[2009, 2024])
        return rfig.lines(frame, title="Subsystem scores", ylabel="mean composite score U", **zh)
    if kind == "robustness":
        cells = pd.DataFrame({"spearman": [0.9, 0.95], "kept": [True, False]}, index=["a", "b"])
        return rfig.robustness_chart(cells, title="Robustness of D ranks and conclusions", **zh)
    if kind == "sigma":
        wide = pd.DataFrame({"overall": [0.3, 0.2], "East": [0.2, 0.1]}, index=periods[:2])
        return cfig.sigma_plot(wide, "cv", **zh)
    if kind == "beta":
        est = pd.DataFrame(
            {
                "beta": [-0.2, np.nan],
                "beta_lower": [-0.3, np.nan],
                "beta_upper": [-0.1, np.nan],
                "speed": [0.05, np.nan],
            }
            | {"speed_lower": [0.03, np.nan], "speed_upper": [0.07, np.nan], "half_life": [13.0, np.nan]},
            index=["all", "East"],
        )
        return cfig.beta_plot(est, title="Beta convergence (absolute, ols)", **zh)
    if kind == "clubs":
        paths = pd.DataFrame([[1.0, 1.1], [1.0, 0.9], [1.0, 1.0]], index=["a", "b", "c"], columns=YEARS[:2])
        clubs = pd.Series(["Club 1", "Club 1", "divergent"], index=["a", "b", "c"])
        return cfig.club_paths_plot(paths, clubs, ["Club 1", "divergent"], **zh)
    if kind == "scores":
        return sfig.mean_scores_chart(pd.DataFrame({"MS": [0.3, 0.4]}, index=periods[:2]), "entropy", **zh)
    if kind == "weights":
        w = pd.DataFrame({"indicator": ["a", "b"], "subsystem": ["MS", "AM"], "weight": [0.5, 0.5]})
        return sfig.indicator_weights_chart(w, "entropy", **zh)
    if kind == "coupling":
        means = pd.DataFrame({"All": [0.5, 0.6], "East": [0.6, 0.7]}, index=periods[:2])
        return kfig.coupling_chart(means, model="classic", grade_lines=[0.5], **zh)
    if kind == "impacts":
        idx = pd.MultiIndex.from_product([["x1"], ["direct", "indirect", "total"]], names=["variable", "effect"])
        imp = pd.DataFrame({"estimate": [0.1, 0.2, 0.3], "ci_lower": 0.0, "ci_upper": 0.4}, index=idx)
        table = pd.DataFrame({"coef": [0.1], "ci_lower": [0.0], "ci_upper": [0.2]}, index=["x1"])
        return pfig.coefficient_plot(table, imp, title="Spatial panel SDM (individual effects)", **zh)
    raise AssertionError(kind)


CHARTS = [
    "gravity",
    "rank_map",
    "hotspots",
    "bivariate",
    "density_curves",
    "ridgeline",
    "surface",
    "transition",
    "transition_panels",
    "state_shares",
    "types",
    "paths",
    "rose",
    "tau",
    "class_counts",
    "heatmap",
    "q_bars",
    "lines",
    "robustness",
    "sigma",
    "beta",
    "clubs",
    "scores",
    "weights",
    "coupling",
    "impacts",
]


@pytest.mark.parametrize("kind", CHARTS)
def test_language_zh_leaves_no_english_word_in_every_chart(kind, mainland29, gravity_inputs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no missing-glyph warning either
        fig = _chart(kind, mainland29, gravity_inputs)
        fig.canvas.draw()
    assert _english_left(fig) == set()


def test_robustness_dots_sit_at_the_correlations_on_an_axis_that_shows_them():
    """Correlations close to 1 are dots at their values (not bars from 0), the axis starts just
    below the smallest one, and the legend sits outside the axes."""
    cells = pd.DataFrame({"spearman": [0.991, 0.998, 0.995], "kept": [True, False, True]}, index=["a", "b", "c"])
    fig = rfig.robustness_chart(cells)
    ax = fig.axes[0]
    dots = ax.collections[-1].get_offsets()
    np.testing.assert_allclose(np.sort(np.asarray(dots)[:, 0]), [0.991, 0.995, 0.998])
    left, right = ax.get_xlim()
    assert 0.98 < left < 0.991
    assert right >= 1.0
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= ax.get_window_extent().x1
    plt.close(fig)


@pytest.mark.parametrize("kind", ["cluster", "significance"])
def test_lisa_maps_take_region_labels(provinces, kind):
    from spatialcoupling.plotting import lisa as lfig

    codes = ["HH", "LL", "LH", "HL", "ns"]
    table = pd.DataFrame(
        {
            "cluster": [codes[i % 5] for i in range(len(provinces))],
            "significant": [i % 5 != 4 for i in range(len(provinces))],
            "p_sim": [0.001 + 0.01 * (i % 5) for i in range(len(provinces))],
        },
        index=provinces.index,
    )
    draw = lfig.cluster_map if kind == "cluster" else lfig.significance_map
    plain = draw(table, provinces)
    labelled = draw(table, provinces, labels="name_en")
    texts = {t.get_text() for t in labelled.axes[0].texts} - {t.get_text() for t in plain.axes[0].texts}
    assert {"Xinjiang", "Inner Mongolia"} <= texts  # big regions labelled, crowded ones skipped
    assert len(texts) < len(provinces)
    assert _overlaps(_boxes(labelled)) == []
