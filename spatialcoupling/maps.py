"""Maps and figures for papers and GIS: LISA cluster and significance maps, Moran
scatterplots, multi-panel figures, choropleths, GeoPackage/Shapefile layers and
interactive HTML maps.

Colours follow GeoDa: HH ``#FF0000``, LL ``#0000FF``, LH ``#a7adf9``, HL
``#f4ada8``, not significant ``#eeeeee``, isolated ``#464646``. Legends show
the number of regions per class. Every figure carries a caption with the
weights, permutations, seed, alpha and adjustment that produced it.

Chinese labels are drawn with a CJK-capable font when one is installed (Noto
Sans CJK, Source Han Sans, SimHei, Microsoft YaHei, WenQuanYi, PingFang ...);
otherwise a warning says which fonts to install. Maps of Chinese provinces whose
bounds reach the South China Sea (south of about 17°N in EPSG:4326) show the
mainland and put the South China Sea islands in an inset (``inset=False`` to
draw everything in one frame).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _china
from ._grades import DEFAULT_GRADES, grade_bins, grade_of, validate_grades
from ._grades import grade_labels as grade_labels_of
from .plotting._base import (  # noqa: F401 (public in 0.1)
    CJK_FONTS,
    caption,
    cjk_font,
    font_kwargs,
    has_cjk,
    legend,
    new_ax,
    set_title,
)

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    from matplotlib.figure import Figure

    from .autocorrelation import LocalMoranResult

GEODA_COLORS: dict[str, str] = {
    "HH": "#FF0000",
    "LL": "#0000FF",
    "LH": "#a7adf9",
    "HL": "#f4ada8",
    "ns": "#eeeeee",
    "isolated": "#464646",
}
CLUSTER_NAMES: dict[str, str] = {
    "HH": "High-High",
    "LL": "Low-Low",
    "LH": "Low-High",
    "HL": "High-Low",
    "ns": "Not significant",
    "isolated": "Isolated",
}
#: GeoDa's significance map classes (upper bound of p, colour)
SIGNIFICANCE_CLASSES: tuple[tuple[float, str, str], ...] = (
    (0.0001, "p = 0.0001", "#1a6b06"),
    (0.001, "p = 0.001", "#348124"),
    (0.01, "p = 0.01", "#53c53c"),
    (0.05, "p = 0.05", "#84f576"),
)
#: the grade edges and labels of the default table (kept for 0.1 users; see ``spatialcoupling._grades``)
GRADE_BINS: tuple[float, ...] = grade_bins(DEFAULT_GRADES)
GRADE_LABELS: tuple[str, ...] = grade_labels_of(DEFAULT_GRADES)
CLUSTER_NAMES_ZH: dict[str, str] = {
    "HH": "高-高",
    "LL": "低-低",
    "LH": "低-高",
    "HL": "高-低",
    "ns": "不显著",
    "isolated": "孤立",
}
NO_DATA = "#ffffff"
NO_DATA_LABEL = {"en": "No data", "zh": "无数据"}
#: South China Sea frame of the inset (lon_min, lon_max, lat_min, lat_max), EPSG:4326
SOUTH_CHINA_SEA = _china.SOUTH_CHINA_SEA
MAINLAND_SOUTH = _china.MAINLAND_SOUTH


# ---------------------------------------------------------------------------
# fonts, regions, China inset
# ---------------------------------------------------------------------------
def align_regions(
    regions: Any, ids: Sequence, id_column: str | None = None, keep_others: bool = False
) -> gpd.GeoDataFrame:
    """Boundaries indexed by the region ids of a result.

    ``regions`` is a GeoDataFrame whose index holds the ids, or with a column holding them
    (``id_column``, or the first column that covers every id). Raises naming missing ids.
    With ``keep_others`` the boundaries of regions outside ``ids`` follow (maps draw them as
    "no data", e.g. Tibet and Hainan in a 29-province study).
    """
    import geopandas as gpd

    if not isinstance(regions, gpd.GeoDataFrame):
        raise TypeError(f"regions must be a GeoDataFrame of boundaries, got {type(regions).__name__}")
    want = list(ids)
    want_set = set(want)
    if id_column is not None:
        if id_column not in regions.columns:
            raise ValueError(f"regions has no column {id_column!r}; columns: {list(regions.columns)}")
        frame = regions.set_index(id_column)
    elif want_set <= set(regions.index):
        frame = regions
    else:
        frame = None
        for col in regions.columns:
            if col == regions.geometry.name:
                continue
            if want_set <= set(regions[col]):
                frame = regions.set_index(col)
                break
        if frame is None:
            missing = [r for r in want if r not in set(regions.index)]
            from ._series import _preview

            raise ValueError(
                f"regions: {len(missing)} region id(s) of the result are neither in the index nor in one "
                f"column of the GeoDataFrame: {_preview(missing)}; index it by the ids or pass id_column="
            )
    missing = [r for r in want if r not in set(frame.index)]
    if missing:
        from ._series import _preview

        raise ValueError(f"regions: no boundary for {_preview(missing)}")
    if frame.index.duplicated().any():
        dup = frame.index[frame.index.duplicated()].unique()
        raise ValueError(f"regions: several boundaries for the id(s) {list(dup)[:10]}; dissolve them first")
    order = want + ([r for r in frame.index if r not in want_set] if keep_others else [])
    out = frame.loc[order, [frame.geometry.name]].copy()
    out.index.name = "region"
    return out


def _lonlat_bounds(gdf: gpd.GeoDataFrame) -> np.ndarray | None:
    b = _china.lonlat_bounds(gdf)
    return None if b is None else np.asarray(b)


def _china_frames() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(mainland, inset) lon/lat frames."""
    return _china.MAINLAND, _china.SOUTH_CHINA_SEA


def needs_south_china_sea_inset(gdf: gpd.GeoDataFrame) -> bool:
    """True for Chinese provincial boundaries that reach south of ~17°N (the South China Sea)."""
    return _china.reaches_south_china_sea(gdf)


def _frame_from_lonlat(gdf: gpd.GeoDataFrame, lon0: float, lon1: float, lat0: float, lat1: float) -> tuple:
    """The lon/lat box in the CRS of ``gdf`` as (xmin, xmax, ymin, ymax)."""
    if gdf.crs is None or gdf.crs.to_epsg() == 4326:
        return lon0, lon1, lat0, lat1
    import geopandas as gpd
    from shapely.geometry import box

    b = gpd.GeoSeries([box(lon0, lat0, lon1, lat1)], crs=4326).to_crs(gdf.crs).total_bounds
    return b[0], b[2], b[1], b[3]


def _draw_regions(
    gdf: gpd.GeoDataFrame, colors: pd.Series, ax: Any, *, inset: bool | None, edgecolor: str = "#555555"
) -> None:
    """Draw polygons coloured by ``colors`` (regions without a colour: "no data");
    adds the South China Sea inset when applicable."""
    colors = colors.reindex(gdf.index).fillna(NO_DATA)
    gdf.plot(ax=ax, color=colors.tolist(), edgecolor=edgecolor, linewidth=0.3)
    ax.set_axis_off()
    ax.set_aspect("equal")
    use_inset = needs_south_china_sea_inset(gdf) if inset is None or inset else False
    if not use_inset:
        return
    b = _lonlat_bounds(gdf)
    mainland, scs = _china_frames()
    x0, x1, y0, y1 = _frame_from_lonlat(gdf, b[0] - 0.5, b[2] + 0.5, mainland[2] + 0.5, b[3] + 0.5)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    sub = ax.inset_axes([0.80, 0.0, 0.20, 0.30])
    gdf.plot(ax=sub, color=colors.tolist(), edgecolor=edgecolor, linewidth=0.2)
    sx0, sx1, sy0, sy1 = _frame_from_lonlat(gdf, *scs)
    sub.set_xlim(sx0, sx1)
    sub.set_ylim(sy0, sy1)
    sub.set_xticks([])
    sub.set_yticks([])
    sub.set_xlabel("")
    sub.set_ylabel("")
    sub.set_aspect("equal")
    for spine in sub.spines.values():
        spine.set_edgecolor("#333333")
        spine.set_linewidth(0.6)
    sub.set_title("South China Sea", fontsize=6)


def _no_data(legend_labels: list[str], legend_colors: list[str], geo: Any, result_ids: Sequence, language: str = "en") -> None:
    """Append a "no data" entry for boundaries outside the result."""
    extra = len(geo) - len(result_ids)
    if extra > 0:
        legend_labels.append(f"{NO_DATA_LABEL[language]} ({extra})")
        legend_colors.append(NO_DATA)


_font_kwargs = font_kwargs
_legend = legend
_set_title = set_title
_caption = caption
_new_ax = new_ax


# ---------------------------------------------------------------------------
# LISA maps and plots
# ---------------------------------------------------------------------------
def lisa_geodataframe(result: LocalMoranResult, regions: Any, period: Any = None, id_column: str | None = None):
    """The LISA table joined to boundaries, with the settings as extra columns.

    One row per region-period (``period=None``) or per region of one period. Columns
    are limited to 10 characters so the frame can be written to a Shapefile.
    """
    import geopandas as gpd

    geo = align_regions(regions, result.regions, id_column=id_column)
    table = result.table if period is None else result.table.xs(period, level="period", drop_level=False)
    flat = table.reset_index()
    flat = flat.rename(columns={"significant": "signif"})
    flat["cluster"] = flat["cluster"].astype(str)
    flat["quadrant"] = flat["quadrant"].astype(object)
    s = result.settings
    flat["weights"] = str(s["weights"])
    flat["perms"] = int(s["permutations"])
    flat["seed"] = str(s["seed"])
    flat["alpha"] = float(s["alpha"])
    flat["adjust"] = str(s["adjust"])
    if not pd.api.types.is_numeric_dtype(flat["region"]):
        flat["region"] = flat["region"].astype(str)
    if not pd.api.types.is_numeric_dtype(flat["period"]):
        flat["period"] = flat["period"].astype(str)
    geometry = geo.geometry.reindex(table.index.get_level_values("region")).to_numpy()
    return gpd.GeoDataFrame(flat, geometry=geometry, crs=geo.crs)


def write_lisa_layers(result: LocalMoranResult, regions: Any, path: Path, layout: str = "long") -> list[Path]:
    """Write the LISA table with geometry to .gpkg/.shp/.geojson (long table or one layer per period)."""
    path = Path(path)
    suffix = path.suffix.lower()
    metadata = {k: str(v) for k, v in result.settings.items()}
    written = []

    def write(frame: Any, target: Path, layer: str) -> None:
        frame = frame.copy()
        if suffix == ".shp":
            frame["period"] = frame["period"].astype(str)
        if suffix == ".gpkg":
            frame.to_file(target, layer=layer, driver="GPKG", engine="pyogrio", layer_metadata=metadata)
        elif suffix == ".shp":
            frame.to_file(target, driver="ESRI Shapefile", engine="pyogrio", encoding="utf-8")
        else:
            frame.to_file(target, driver="GeoJSON", engine="pyogrio")
        written.append(target)

    if suffix == ".gpkg" and path.exists():
        path.unlink()
    if layout == "long":
        write(lisa_geodataframe(result, regions), path, "lisa")
    else:
        for period in result.periods:
            frame = lisa_geodataframe(result, regions, period=period)
            if suffix == ".gpkg":
                write(frame, path, f"lisa_{period}")
            else:
                target = path.with_name(f"{path.stem}_{period}{path.suffix}")
                write(frame, target, f"lisa_{period}")
    return written


def cluster_map(
    result: LocalMoranResult,
    period: Any,
    regions: Any,
    *,
    ax: Any = None,
    title: str | None = None,
    legend: bool = True,
    caption: bool = True,
    inset: bool | None = None,
    figsize: tuple[float, float] = (7, 5.5),
    id_column: str | None = None,
    language: str = "en",
):
    """LISA cluster map of one period in GeoDa's colours with counts in the legend.

    Boundaries in ``regions`` that are not in the result are drawn white as "no data".
    ``language="zh"`` writes the legend in Chinese (高-高, 低-低, 低-高, 高-低, 不显著).
    """
    if language not in ("en", "zh"):
        raise ValueError(f"language must be 'en' or 'zh', got {language!r}")
    names = CLUSTER_NAMES if language == "en" else CLUSTER_NAMES_ZH
    geo = align_regions(regions, result.regions, id_column=id_column, keep_others=True)
    clusters = result.clusters(period).astype(str)
    colors = clusters.map(GEODA_COLORS)
    fig, ax = _new_ax(ax, figsize)
    _draw_regions(geo, colors, ax, inset=inset)
    if legend:
        counts = clusters.value_counts()
        shown = [c for c in GEODA_COLORS if c not in ("isolated",) or counts.get(c, 0)]
        labels = [f"{names[c]} ({int(counts.get(c, 0))})" for c in shown]
        cols = [GEODA_COLORS[c] for c in shown]
        _no_data(labels, cols, geo, result.regions, language)
        _legend(ax, labels, cols)
    _set_title(ax, title if title is not None else f"LISA clusters, {result.settings['variable']}, {period}")
    if caption and ax is fig.axes[0]:
        _caption(fig, result.caption)
    return fig


def significance_map(
    result: LocalMoranResult,
    period: Any,
    regions: Any,
    *,
    ax: Any = None,
    title: str | None = None,
    legend: bool = True,
    caption: bool = True,
    inset: bool | None = None,
    figsize: tuple[float, float] = (7, 5.5),
    id_column: str | None = None,
):
    """LISA significance map: classes p <= 0.05, 0.01, 0.001, 0.0001 of the significant regions."""
    geo = align_regions(regions, result.regions, id_column=id_column, keep_others=True)
    tab = result.table.xs(period, level="period")
    colors = pd.Series(GEODA_COLORS["ns"], index=tab.index, dtype=object)
    labels = pd.Series("Not significant", index=tab.index, dtype=object)
    for bound, label, color in reversed(SIGNIFICANCE_CLASSES):
        hit = tab["significant"] & (tab["p_sim"] <= bound * (1 + 1e-12))
        colors[hit] = color
        labels[hit] = label
    iso = tab["cluster"].astype(str) == "isolated"
    colors[iso] = GEODA_COLORS["isolated"]
    labels[iso] = "Isolated"
    fig, ax = _new_ax(ax, figsize)
    _draw_regions(geo, colors, ax, inset=inset)
    if legend:
        counts = labels.value_counts()
        names = ["Not significant"] + [lab for _, lab, _ in SIGNIFICANCE_CLASSES[::-1]] + (["Isolated"] if iso.any() else [])
        cols = [GEODA_COLORS["ns"]] + [c for _, _, c in SIGNIFICANCE_CLASSES[::-1]] + ([GEODA_COLORS["isolated"]] if iso.any() else [])
        labels = [f"{n} ({int(counts.get(n, 0))})" for n in names]
        _no_data(labels, cols, geo, result.regions)
        _legend(ax, labels, cols)
    _set_title(ax, title if title is not None else f"LISA significance, {result.settings['variable']}, {period}")
    if caption and ax is fig.axes[0]:
        _caption(fig, result.caption)
    return fig


def moran_scatterplot(
    result: LocalMoranResult,
    period: Any,
    *,
    ax: Any = None,
    title: str | None = None,
    caption: bool = True,
    label: bool | Sequence = False,
    figsize: tuple[float, float] = (5.5, 5),
):
    """Moran scatterplot (z against its spatial lag) with the fitted slope and cluster colours.

    With row-standardised weights the least-squares slope of lag on z equals global Moran's I.
    ``label=True`` writes every region's id next to its point (or pass a list of ids).
    """
    tab = result.table.xs(period, level="period")
    ok = tab["cluster"].astype(str) != "isolated"
    zz, lag = tab["z"].to_numpy(), tab["lag"].to_numpy()
    fig, ax = _new_ax(ax, figsize)
    colors = tab["cluster"].astype(str).map(GEODA_COLORS).to_numpy()
    ax.scatter(zz, lag, c=colors, edgecolors="#333333", linewidths=0.4, s=28, zorder=3)
    ax.axhline(0, color="#999999", linewidth=0.7)
    ax.axvline(0, color="#999999", linewidth=0.7)
    slope, intercept = np.polyfit(zz[ok], lag[ok], 1)
    xs = np.linspace(zz.min(), zz.max(), 50)
    ax.plot(xs, intercept + slope * xs, color="#222222", linewidth=1.2, label=f"slope = {slope:.3f}")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    if label is not False:
        names = tab.index if label is True else [r for r in label if r in tab.index]
        font = _font_kwargs(list(map(str, names)))
        for r in names:
            ax.annotate(str(r), (tab.at[r, "z"], tab.at[r, "lag"]), fontsize=6, xytext=(2, 2), textcoords="offset points", **font)
    ax.set_xlabel(f"{result.settings['variable']} (standardised)")
    ax.set_ylabel("spatial lag")
    _set_title(ax, title if title is not None else f"Moran scatterplot, {period}")
    if caption and ax is fig.axes[0]:
        _caption(fig, result.caption)
    return fig


def lisa_panels(
    result: LocalMoranResult,
    periods: Sequence,
    regions: Any = None,
    *,
    kind: str = "cluster",
    ncols: int = 2,
    figsize: tuple[float, float] | None = None,
    inset: bool | None = None,
    suptitle: str | None = None,
    id_column: str | None = None,
    language: str = "en",
):
    """Several periods side by side (the seed studies' 2×2 layout for four periods)."""
    import matplotlib.pyplot as plt

    if kind != "scatter" and regions is None:
        raise ValueError("regions= (a GeoDataFrame of the boundaries) is needed to draw maps")
    periods = list(periods)
    ncols = max(1, min(ncols, len(periods)))
    nrows = int(np.ceil(len(periods) / ncols))
    if figsize is None:
        aspect = 0.8
        if regions is not None and kind != "scatter":
            b = align_regions(regions, result.regions, id_column=id_column).total_bounds
            aspect = min(1.2, max(0.35, (b[3] - b[1]) / max(b[2] - b[0], 1e-12)))
        figsize = (5.5 * ncols, (5.5 * aspect + 0.5) * nrows + 0.4)
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False)
    for ax, period in zip(axes.ravel(), periods, strict=False):
        if kind == "cluster":
            cluster_map(result, period, regions, ax=ax, title=f"({'abcdefghijklmnop'[periods.index(period)]}) {period}", caption=False, inset=inset, id_column=id_column, language=language)
        elif kind == "significance":
            significance_map(result, period, regions, ax=ax, title=str(period), caption=False, inset=inset, id_column=id_column)
        else:
            moran_scatterplot(result, period, ax=ax, title=str(period), caption=False)
    for ax in axes.ravel()[len(periods) :]:
        ax.set_axis_off()
    if suptitle:
        fig.suptitle(suptitle, **_font_kwargs([suptitle]))
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    _caption(fig, result.caption)
    return fig


def explore_clusters(result: LocalMoranResult, path: Path | None = None, period: Any = None, regions: Any = None, **kwargs: Any):
    """Interactive Leaflet map of one period's clusters (GeoDataFrame.explore; needs folium)."""
    try:
        import folium  # noqa: F401
    except ImportError as err:
        raise ImportError(
            "the interactive HTML map uses GeoDataFrame.explore, which needs folium: pip install folium"
        ) from err
    if regions is None:
        raise ValueError("regions= (a GeoDataFrame of the boundaries) is needed for the HTML map")
    period = result.periods[-1] if period is None else result._check_period(period)
    gdf = lisa_geodataframe(result, regions, period=period)
    present = [c for c in GEODA_COLORS if c in set(gdf["cluster"])]
    m = gdf.explore(column="cluster", categories=present, cmap=[GEODA_COLORS[c] for c in present], tooltip=["region", "cluster", "p_sim", "Ii"], **kwargs)
    from branca.element import Element

    m.get_root().html.add_child(Element(f"<p style='font-size:11px'>{result.caption}; period {period}</p>"))
    if path is not None:
        m.save(str(path))
    return m


# ---------------------------------------------------------------------------
# global statistics over time, choropleths
# ---------------------------------------------------------------------------
def plot_global(result: Any, ax: Any = None, alpha: float = 0.05, p: str = "p_sim", figsize=(6, 3.5), **kwargs: Any):
    """A global statistic over the periods; filled markers where ``p <= alpha``."""
    tab = result.table
    stat = result._stat
    if p not in tab.columns:
        p = "p_norm" if "p_norm" in tab.columns else None
    fig, ax = _new_ax(ax, figsize)
    x = np.arange(len(tab))
    ax.plot(x, tab[stat].to_numpy(), color="#333333", linewidth=1.0)
    if p is not None:
        sig = (tab[p] <= alpha).to_numpy()
        ax.scatter(x[sig], tab[stat].to_numpy()[sig], color="#d62728", zorder=3, label=f"{p} <= {alpha}")
        ax.scatter(x[~sig], tab[stat].to_numpy()[~sig], facecolors="white", edgecolors="#333333", zorder=3, label="not significant")
        ax.legend(fontsize=7, frameon=False)
    ax.set_xticks(x)
    ax.set_xticklabels([str(v) for v in tab.index], rotation=45 if len(x) > 8 else 0, fontsize=7)
    ax.set_ylabel(stat)
    ax.set_title(kwargs.get("title", f"{type(result).__name__.replace('Result', '')} by period"), fontsize=10)
    s = result.settings
    _caption(fig, f"W {s['weights']}; {s['permutations']} permutations, seed {s['seed']}")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def choropleth(
    series: pd.Series,
    regions: Any,
    period: Any = None,
    *,
    scheme: str = "grades",
    k: int = 5,
    cmap: str = "RdYlGn",
    ax: Any = None,
    title: str | None = None,
    inset: bool | None = None,
    legend: bool = True,
    figsize: tuple[float, float] = (7, 5.5),
    id_column: str | None = None,
    grade_labels: Sequence[str] | None = None,
    grades: Sequence[tuple[float, str]] | pd.DataFrame | None = None,
):
    """Choropleth of a region series (or one period of a region × period series).

    ``scheme="grades"`` uses the grades of the coupling coordination degree: ``grades=`` (the
    table a ``CouplingCoordination`` was given, e.g. ``ccd.grades``) or the default ten 0.1-wide
    intervals, left-open and right-closed, 0 in grade 1 (``grade_labels=`` relabels them); any other value is a mapclassify scheme
    name (``"quantiles"``, ``"natural_breaks"``, ``"equal_interval"``, ``"fisher_jenks"``...)
    with ``k`` classes. The legend shows the number of regions per class.
    """
    import matplotlib as mpl

    if isinstance(series.index, pd.MultiIndex):
        periods = series.index.get_level_values(1).unique()
        if period is None:
            raise ValueError(f"period= is needed for a region × period series; periods: {list(periods)[:10]}")
        if period not in set(periods):
            raise ValueError(f"period {period!r} is not in the series; periods: {list(periods)[:10]}")
        values = series.xs(period, level=1)
    else:
        values = series
    values = pd.to_numeric(values, errors="coerce").astype(float)
    geo = align_regions(regions, list(values.index), id_column=id_column, keep_others=True)
    missing = values.index[values.isna()]
    if len(missing):
        warnings.warn(f"no value for {list(missing)[:10]}; drawn in grey", UserWarning, stacklevel=2)
    ok = values.dropna()
    if scheme == "grades":
        table = validate_grades(grades)
        edges = grade_bins(table)
        names = list(grade_labels) if grade_labels is not None else list(grade_labels_of(table))
        if len(names) != len(table):
            raise ValueError(f"grade_labels has {len(names)} labels for {len(table)} grades")
        bad = ok[(ok < 0) | (ok > edges[-1])]
        if len(bad):
            raise ValueError(f"scheme='grades' needs values in [0, {edges[-1]:g}]; outside at {list(bad.index)[:10]}")
        cls = grade_of(ok.to_numpy(), table)[0] - 1
        n_classes = len(table)
        labels = [f"{i + 1} {names[i]} ({edges[i]:.1f}, {edges[i + 1]:.1f}]" for i in range(n_classes)]
    else:
        import mapclassify

        try:
            classifier = mapclassify.classify(ok.to_numpy(), scheme=scheme, k=k)
        except (KeyError, ValueError, TypeError) as err:
            raise ValueError(f"unknown or unusable mapclassify scheme {scheme!r}: {err}") from err
        cls = np.asarray(classifier.yb)
        n_classes = len(classifier.bins)
        lows = [ok.min(), *classifier.bins[:-1]]
        labels = [f"({lo:.3g}, {hi:.3g}]" for lo, hi in zip(lows, classifier.bins, strict=True)]
    palette = mpl.colormaps[cmap].resampled(n_classes)
    hexes = [mpl.colors.to_hex(palette(i)) for i in range(n_classes)]
    colors = pd.Series("#cccccc", index=values.index, dtype=object)
    colors[ok.index] = [hexes[c] for c in cls]
    fig, ax = _new_ax(ax, figsize)
    _draw_regions(geo, colors, ax, inset=inset)
    if legend:
        counts = np.bincount(cls, minlength=n_classes)
        keep = [i for i in range(n_classes) if counts[i] or scheme != "grades"]
        entries = [f"{labels[i]} ({counts[i]})" for i in keep]
        cols = [hexes[i] for i in keep]
        _no_data(entries, cols, geo, list(values.index))
        _legend(ax, entries, cols)
    name = series.name or "value"
    _set_title(ax, title if title is not None else f"{name}{'' if period is None else f', {period}'}")
    return fig


def save_figure(fig: Figure, path: str | Path) -> Path:
    """Save a figure to .png/.svg/.pdf (300 dpi, tight, SVG text as text) and close it."""
    from ._figures import save_figure as _save

    return _save(fig, path, close=True)
