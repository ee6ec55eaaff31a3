"""Figures of the driver analyses, from plain data: class maps, class counts, obstacle
heatmaps, q bars, interaction matrices, score lines and the robustness chart.

Colours follow the conventions users compare against: ArcGIS's hot-spot renderer
(:data:`HOTSPOT_COLORS`) and GeoDa's LISA cluster colours (:data:`GEODA_COLORS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._base import caption as add_caption
from ._base import check_language, font_kwargs, legend, new_ax, set_title, tr, translate_text

__all__ = [
    "CODE_NAMES",
    "GEODA_COLORS",
    "HOTSPOT_COLORS",
    "category_map",
    "class_counts",
    "heatmap",
    "lines",
    "q_bars",
    "robustness_chart",
]

#: ArcGIS's hot-spot classes (Gi_Bin 3 … -3) and their colours
HOTSPOT_COLORS: dict[str, str] = {
    "Hot spot (99%)": "#D62F27",
    "Hot spot (95%)": "#ED7551",
    "Hot spot (90%)": "#FAB984",
    "Not significant": "#F7F7F7",
    "Cold spot (90%)": "#C0CCBE",
    "Cold spot (95%)": "#849EBA",
    "Cold spot (99%)": "#4575B5",
    "isolated": "#999999",
}
#: GeoDa's LISA cluster colours (pygeoda ``lisa_colors``)
GEODA_COLORS: dict[str, str] = {
    "HH": "#FF0000",
    "LL": "#0000FF",
    "LH": "#a7adf9",
    "HL": "#f4ada8",
    "ns": "#eeeeee",
    "isolated": "#999999",
}
_MISSING = "#ffffff"


def _labels(ax: Any, xlabel: str | None, ylabel: str | None, language: str) -> None:
    """Axis labels in ``language`` (a CJK font when they need one)."""
    for text, setter in ((xlabel, ax.set_xlabel), (ylabel, ax.set_ylabel)):
        if text:
            shown = translate_text(text, language)
            setter(shown, **font_kwargs([shown]))


def _prop(language: str, names: list[str] | None = None) -> dict[str, Any]:
    """Legend font: size 7, a CJK family when the labels or the language need it."""
    font = font_kwargs(list(names or []) + (["中"] if language == "zh" else []))
    return {"prop": {"size": 7, "family": font["fontfamily"]} if font else {"size": 7}}


#: readable names of GeoDa's cluster codes in legends
CODE_NAMES: dict[str, str] = {"HH": "High-High", "LL": "Low-Low", "LH": "Low-High", "HL": "High-Low"}


def category_map(
    regions: Any,
    values: pd.Series,
    colors: Mapping[str, str],
    *,
    ax: Any = None,
    title: str | None = None,
    caption: str | None = None,
    legend_title: str | None = None,
    crs: Any = None,
    inset: bool | None = None,
    context: bool = True,
    legend_loc: str = "auto",
    north_arrow: bool = True,
    scale_bar: bool = True,
    labels: Any = None,
    language: str = "en",
):
    """A map of ``regions`` coloured by the category in ``values`` (region → label).

    Drawn with the package's map machinery: projected (China in Albers 25°N/47°N, 105°E), with
    Taiwan, the maritime boundary line and the South China Sea inset on national China maps, a
    north arrow, a scale bar, and the legend (with the number of regions per class) in a free
    corner.

    Parameters
    ----------
    regions : GeoDataFrame
        Boundaries indexed by region id (as :func:`spatialcoupling.read_regions` gives).
    values : Series
        Category label of each region; regions without one are drawn white and hatched and
        counted as "No data" in the legend.
    colors : mapping label -> colour
        Legend order is the mapping's order; only labels present are shown.
    ax, title, caption, legend_title
        Axes to draw on, title, a line of text below the map, the legend's title.
    crs, inset, context, legend_loc, north_arrow, scale_bar, labels
        As in :func:`spatialcoupling.plotting.maps.choropleth`.
    language : {"en", "zh"}
        Language of the legend, title, caption and the inset's label.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import geopandas as gpd

    from ._base import check_language, legend_handles, tr, translate_text
    from ._cartography import NO_DATA, NO_DATA_HATCH, draw_map, label_regions, place_decorations

    check_language(language)
    if not isinstance(regions, gpd.GeoDataFrame):
        raise TypeError(f"regions must be a GeoDataFrame indexed by region, got {type(regions).__name__}")
    unknown = sorted(set(values.dropna().astype(str)) - set(colors))
    if unknown:
        raise ValueError(f"no colour for categories {unknown}; colours are given for {list(colors)}")
    cats = values.reindex(regions.index).astype(object)
    text = cats.where(cats.isna(), cats.astype(str))
    fills = text.map(lambda v: colors[v] if isinstance(v, str) else None).to_numpy(dtype=object)
    fig, ax = new_ax(ax, (7.5, 5.6))
    frame = draw_map(regions, fills, ax, inset=inset, context=context, crs=crs, language=language)
    counts = text.value_counts()
    present = [lab for lab in colors if lab in counts.index]
    names = [f"{tr(CODE_NAMES.get(lab, lab), language)} ({int(counts[lab])})" for lab in present]
    shown = [colors[lab] for lab in present]
    missing = int(text.isna().sum()) + (1 if frame.taiwan_no_data else 0)
    if missing:
        names.append(f"{tr('No data', language)} ({missing})")
        shown.append(NO_DATA)
    handles, prop = legend_handles(names, shown, [NO_DATA_HATCH if c == NO_DATA else None for c in shown])
    legend_text = translate_text(legend_title, language) if legend_title else None
    place_decorations(
        frame,
        handles=handles,
        title=legend_text,
        prop=prop,
        legend_loc=legend_loc,
        north_arrow=north_arrow,
        scale_bar=scale_bar,
        language=language,
    )
    if labels is not None:
        texts = [str(i) for i in regions.index] if labels is True else list(regions[labels])
        label_regions(frame, texts)
    if title:
        set_title(ax, title, language=language)
    if caption:
        add_caption(fig, caption, language)
    return fig


def class_counts(
    counts: pd.DataFrame,
    colors: Mapping[str, str],
    *,
    ax: Any = None,
    title: str | None = None,
    language: str = "en",
):
    """Stacked bars of the number of regions in each class (columns) per period (rows)."""
    check_language(language)
    fig, ax = new_ax(ax, (7, 4))
    bottom = np.zeros(len(counts))
    x = np.arange(len(counts))
    for col in counts.columns:
        values = counts[col].to_numpy(dtype=float)
        if not values.any():
            continue
        ax.bar(
            x,
            values,
            bottom=bottom,
            color=colors.get(str(col), "#bbbbbb"),
            edgecolor="#555555",
            linewidth=0.3,
            label=tr(CODE_NAMES.get(str(col), str(col)), language),
        )
        bottom += values
    ax.set_xticks(x, [str(p) for p in counts.index], rotation=45 if len(counts) > 8 else 0)
    _labels(ax, "Year", "regions", language)
    ax.legend(frameon=False, bbox_to_anchor=(1.01, 1), loc="upper left", **_prop(language))
    if title:
        set_title(ax, title, language=language)
    fig.tight_layout()
    return fig


def heatmap(
    frame: pd.DataFrame,
    *,
    ax: Any = None,
    title: str | None = None,
    cmap: str = "YlOrRd",
    value_label: str = "",
    fmt: str = "{:.2f}",
    annotate: bool | None = None,
    language: str = "en",
):
    """A heatmap of ``frame`` (rows × columns), annotated when small enough to read."""
    check_language(language)
    rows, cols = frame.shape
    fig, ax = new_ax(ax, (max(4.0, 0.55 * cols + 2.5), max(3.0, 0.32 * rows + 1.5)))
    values = frame.to_numpy(dtype=float)
    image = ax.imshow(values, aspect="auto", cmap=cmap)
    ax.set_xticks(
        np.arange(cols),
        [str(c) for c in frame.columns],
        rotation=45 if cols > 6 else 0,
        ha="right" if cols > 6 else "center",
        **font_kwargs([str(c) for c in frame.columns]),
    )
    ax.set_yticks(np.arange(rows), [str(r) for r in frame.index], **font_kwargs([str(r) for r in frame.index]))
    cbar = fig.colorbar(image, ax=ax, shrink=0.8)
    label = translate_text(value_label, language)
    cbar.set_label(label, **font_kwargs([label]))
    if annotate is None:
        annotate = rows * cols <= 150
    if annotate:
        finite = values[np.isfinite(values)]
        middle = (finite.min() + finite.max()) / 2 if finite.size else 0.0
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                ax.text(
                    j, i, fmt.format(v), ha="center", va="center", fontsize=6, color="white" if v > middle else "black"
                )
    if title:
        set_title(ax, title, language=language)
    fig.tight_layout()
    return fig


def q_bars(q: pd.DataFrame, *, ax: Any = None, title: str | None = None, language: str = "en"):
    """Horizontal bars of the q statistic of each factor (rows), one bar per run (columns)."""
    check_language(language)
    rows, runs = q.shape
    fig, ax = new_ax(ax, (6.5, max(3.0, 0.35 * rows * min(runs, 4) + 1.2)))
    height = 0.8 / runs
    y = np.arange(rows)
    for k, run in enumerate(q.columns):
        ax.barh(y + k * height, q[run].to_numpy(dtype=float), height=height, label=tr(str(run), language))
    ax.set_yticks(y + height * (runs - 1) / 2, [str(f) for f in q.index], **font_kwargs([str(f) for f in q.index]))
    ax.invert_yaxis()
    _labels(ax, "q statistic", None, language)
    ax.set_xlim(0, 1)
    if runs > 1:
        place = {"loc": "center left", "bbox_to_anchor": (1.01, 0.5)} if runs > 4 else {}
        ax.legend(frameon=False, ncols=max(1, runs // 12), **place, **_prop(language))
    if title:
        set_title(ax, title, language=language)
    fig.tight_layout()
    return fig


def lines(frame: pd.DataFrame, *, ax: Any = None, title: str | None = None, ylabel: str = "", language: str = "en"):
    """Lines of every column of ``frame`` over its index (periods)."""
    check_language(language)
    fig, ax = new_ax(ax, (7, 4))
    names = [translate_text(str(c), language) for c in frame.columns]
    for col, name in zip(frame.columns, names, strict=True):
        ax.plot([str(p) for p in frame.index], frame[col].to_numpy(dtype=float), marker="o", label=name)
    _labels(ax, "Year", ylabel or None, language)
    ax.legend(frameon=False, **_prop(language, names))
    if len(frame) > 8:
        ax.tick_params(axis="x", rotation=45)
    if title:
        set_title(ax, title, language=language)
    fig.tight_layout()
    return fig


def robustness_chart(
    cells: pd.DataFrame, *, value: str = "spearman", ax: Any = None, title: str | None = None, language: str = "en"
):
    """Each grid cell's rank correlation of D with the baseline as a dot (sorted; a dot plot, since
    the correlations sit close to 1 and bars from 0 would hide their differences), coloured by
    whether the cell keeps the baseline's conclusions on Moran's I and β (column ``kept``, bool).
    The axis runs from just below the smallest correlation to 1; the legend sits right of it."""
    check_language(language)
    frame = cells.sort_values(value)
    fig, ax = new_ax(ax, (7, max(3.0, 0.18 * len(frame) + 1.2)))
    kept = frame["kept"].to_numpy(dtype=bool) if "kept" in frame else np.ones(len(frame), dtype=bool)
    colors = np.where(kept, "#4575B5", "#D62F27")
    values = frame[value].to_numpy(dtype=float)
    rows = np.arange(len(frame))
    low = float(np.nanmin(values)) if np.isfinite(values).any() else 0.0
    left = max(-1.0, low - max(0.05 * (1.0 - low), 0.005))
    ax.hlines(rows, left, values, color="0.8", linewidth=0.6, zorder=1)
    ax.scatter(values, rows, c=list(colors), s=18, zorder=2, edgecolors="none")
    ax.axvline(1.0, color="0.5", linewidth=0.6, linestyle=":")
    ax.set_yticks(rows, [str(i) for i in frame.index], fontsize=5)
    _labels(
        ax,
        f"{tr(value.capitalize(), language)} {tr('rank correlation of D with the baseline', language)}",
        None,
        language,
    )
    ax.set_xlim(left, 1.0 + 0.02 * (1.0 - left))
    legend(
        ax,
        [tr("conclusions kept", language), tr("a conclusion changed", language)],
        ["#4575B5", "#D62F27"],
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
    )
    if title:
        set_title(ax, title, language=language)
    fig.tight_layout()
    return fig
