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
from ._base import font_kwargs, legend, new_ax, set_title

__all__ = [
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


def category_map(
    regions: Any,
    values: pd.Series,
    colors: Mapping[str, str],
    *,
    ax: Any = None,
    title: str | None = None,
    caption: str | None = None,
    legend_title: str | None = None,
):
    """A map of ``regions`` coloured by the category in ``values`` (region → label).

    Parameters
    ----------
    regions : GeoDataFrame
        Boundaries indexed by region id (as :func:`spatialcoupling.read_regions` gives).
    values : Series
        Category label of each region; regions without one are drawn white with a grey edge
        and listed as "no value" in the legend.
    colors : mapping label -> colour
        Legend order is the mapping's order; only labels present are shown.
    """
    import geopandas as gpd

    if not isinstance(regions, gpd.GeoDataFrame):
        raise TypeError(f"regions must be a GeoDataFrame indexed by region, got {type(regions).__name__}")
    unknown = sorted(set(values.dropna().astype(str)) - set(colors))
    if unknown:
        raise ValueError(f"no colour for categories {unknown}; colours are given for {list(colors)}")
    labels = values.reindex(regions.index).astype(object)
    fig, ax = new_ax(ax, (7, 5.5))
    fill = labels.map(lambda v: colors.get(str(v), _MISSING) if pd.notna(v) else _MISSING)
    regions.plot(ax=ax, color=list(fill), edgecolor="#666666", linewidth=0.3)
    present = [lab for lab in colors if (labels.astype(str) == lab).any()]
    shown_colors = [colors[lab] for lab in present]
    if labels.isna().any():
        present.append("no value")
        shown_colors.append(_MISSING)
    legend(ax, present, shown_colors, title=legend_title)
    ax.set_axis_off()
    if title:
        set_title(ax, title)
    if caption:
        add_caption(fig, caption)
    return fig


def class_counts(counts: pd.DataFrame, colors: Mapping[str, str], *, ax: Any = None, title: str | None = None):
    """Stacked bars of the number of regions in each class (columns) per period (rows)."""
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
            label=str(col),
        )
        bottom += values
    ax.set_xticks(x, [str(p) for p in counts.index], rotation=45 if len(counts) > 8 else 0)
    ax.set_ylabel("regions")
    ax.legend(frameon=False, fontsize=7, bbox_to_anchor=(1.01, 1), loc="upper left")
    if title:
        set_title(ax, title)
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
):
    """A heatmap of ``frame`` (rows × columns), annotated when small enough to read."""
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
    cbar.set_label(value_label)
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
        set_title(ax, title)
    fig.tight_layout()
    return fig


def q_bars(q: pd.DataFrame, *, ax: Any = None, title: str | None = None):
    """Horizontal bars of the q statistic of each factor (rows), one bar per run (columns)."""
    rows, runs = q.shape
    fig, ax = new_ax(ax, (6.5, max(3.0, 0.35 * rows * min(runs, 4) + 1.2)))
    height = 0.8 / runs
    y = np.arange(rows)
    for k, run in enumerate(q.columns):
        ax.barh(y + k * height, q[run].to_numpy(dtype=float), height=height, label=str(run))
    ax.set_yticks(y + height * (runs - 1) / 2, [str(f) for f in q.index], **font_kwargs([str(f) for f in q.index]))
    ax.invert_yaxis()
    ax.set_xlabel("q statistic")
    ax.set_xlim(0, 1)
    if runs > 1:
        ax.legend(frameon=False, fontsize=7, ncols=max(1, runs // 8))
    if title:
        set_title(ax, title)
    fig.tight_layout()
    return fig


def lines(frame: pd.DataFrame, *, ax: Any = None, title: str | None = None, ylabel: str = ""):
    """Lines of every column of ``frame`` over its index (periods)."""
    fig, ax = new_ax(ax, (7, 4))
    for col in frame.columns:
        ax.plot([str(p) for p in frame.index], frame[col].to_numpy(dtype=float), marker="o", label=str(col))
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize=7, prop=font_kwargs([str(c) for c in frame.columns]) or None)
    if len(frame) > 8:
        ax.tick_params(axis="x", rotation=45)
    if title:
        set_title(ax, title)
    fig.tight_layout()
    return fig


def robustness_chart(cells: pd.DataFrame, *, value: str = "spearman", ax: Any = None, title: str | None = None):
    """Each grid cell's rank correlation of D with the baseline (bars, sorted), coloured by whether
    the cell keeps the baseline's conclusions on Moran's I and β (column ``kept``, bool)."""
    frame = cells.sort_values(value)
    fig, ax = new_ax(ax, (7, max(3.0, 0.18 * len(frame) + 1.2)))
    kept = frame["kept"].to_numpy(dtype=bool) if "kept" in frame else np.ones(len(frame), dtype=bool)
    colors = np.where(kept, "#4575B5", "#D62F27")
    ax.barh(np.arange(len(frame)), frame[value].to_numpy(dtype=float), color=colors)
    ax.set_yticks(np.arange(len(frame)), [str(i) for i in frame.index], fontsize=5)
    ax.set_xlabel(f"{value} rank correlation of D with the baseline")
    ax.set_xlim(min(0.0, float(np.nanmin(frame[value]))), 1.0)
    legend(ax, ["conclusions kept", "a conclusion changed"], ["#4575B5", "#D62F27"], loc="lower right")
    if title:
        set_title(ax, title)
    fig.tight_layout()
    return fig
