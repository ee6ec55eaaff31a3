"""LISA figures from the LISA table: cluster and significance maps, Moran scatterplots, panels of
several periods and the cluster transition matrix.

Every function takes the table of :class:`spatialcoupling.LocalMoran` results
(``LocalMoranResult.table``: indexed by (region, period), or by region for one period, with the
columns ``cluster``, ``p_sim``, ``significant``, ``z`` and ``lag``) and caption strings, never a
result object. Colours follow GeoDa: HH ``#FF0000``, LL ``#0000FF``, LH ``#a7adf9``, HL
``#f4ada8``, not significant ``#eeeeee``, isolated ``#464646``. Legends show the number of
regions per class; a caption records the settings that produced the figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._boundaries import align_regions
from .._clusters import CLUSTER_NAMES, CLUSTER_NAMES_ZH, GEODA_COLORS, SIGNIFICANCE_CLASSES
from .._series import PERIOD, preview
from ._base import caption as add_caption
from ._base import check_language, font_kwargs, new_ax, set_title, tr, translate_text
from ._cartography import label_regions
from .maps import _layout_panels, _no_data, _panel_grid, draw_regions, map_legend, panel_title, region_labels

__all__ = [
    "CLUSTER_NAMES",
    "CLUSTER_NAMES_ZH",
    "GEODA_COLORS",
    "SIGNIFICANCE_CLASSES",
    "cluster_map",
    "lisa_panels",
    "moran_scatterplot",
    "significance_map",
    "transition_matrix",
]


def one_period(table: pd.DataFrame, period: Any = None) -> pd.DataFrame:
    """The rows of one period, indexed by region.

    A table indexed by (region, period) needs ``period`` when it holds several periods (the
    only one is taken otherwise); a table indexed by region is returned as it is.

    Raises
    ------
    ValueError
        ``period`` missing or not in the table (the periods are listed).
    """
    if not isinstance(table.index, pd.MultiIndex):
        return table
    level = PERIOD if PERIOD in table.index.names else 1
    periods = list(table.index.get_level_values(level).unique())
    if period is None:
        if len(periods) != 1:
            raise ValueError(f"period= is needed: the table holds periods {preview(periods)}")
        period = periods[0]
    if period not in set(periods):
        raise ValueError(f"period {period!r} is not in the table; periods: {preview(periods)}")
    return table.xs(period, level=level)


def _require(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(
            f"{what} needs the column(s) {missing} of the LISA table (LocalMoranResult.table); "
            f"the table has {list(table.columns)}"
        )


def _label(prefix: str, variable: str | None, period: Any) -> str:
    parts = [prefix] + ([variable] if variable else []) + ([str(period)] if period is not None else [])
    return ", ".join(parts)


def cluster_map(
    table: pd.DataFrame,
    regions: Any,
    period: Any = None,
    *,
    variable: str | None = None,
    caption: str | None = None,
    ax: Any = None,
    title: str | None = None,
    legend: bool = True,
    inset: bool | None = None,
    figsize: tuple[float, float] = (7, 5.5),
    id_column: str | None = None,
    language: str = "en",
    context: bool = True,
    crs: Any = None,
    legend_loc: str = "auto",
    north_arrow: bool = True,
    scale_bar: bool = True,
    colors: dict[str, str] | None = None,
    labels: Any = None,
) -> Any:
    """LISA cluster map of one period in GeoDa's colours with counts in the legend.

    Parameters
    ----------
    table : DataFrame
        The LISA table (column ``cluster``), by (region, period) or by region.
    regions : GeoDataFrame
        Boundaries; those outside the table are drawn white as "no data".
    period : optional
        The period to draw (needed when the table holds several).
    variable : str, optional
        Name of the variable, for the default title ``LISA clusters, <variable>, <period>``.
    caption : str, optional
        Settings line at the bottom of the figure (e.g. ``LocalMoranResult.caption``).
    ax, title, legend, inset, figsize, id_column
        Axes to draw on, title, legend, South China Sea inset (None: when needed), figure
        size, id column of ``regions``.
    language : {"en", "zh"}
        Language of the legend (高-高, 低-低, 低-高, 高-低, 不显著), title, inset label and caption.
    context, crs, legend_loc, north_arrow, scale_bar
        China's standard map context, projection, legend place, north arrow and scale bar, as in
        :func:`spatialcoupling.plotting.maps.choropleth`.
    colors : dict, optional
        Colours by cluster code replacing GeoDa's (e.g. ``{"HH": "#b2182b"}``).
    labels : True, str or mapping, optional
        Region labels (True: the ids; a column of ``regions``; a mapping id → label), left out where
        they would overlap, as in :func:`spatialcoupling.plotting.maps.choropleth`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    check_language(language)
    tab = one_period(table, period)
    _require(tab, ["cluster"], "cluster_map")
    names = CLUSTER_NAMES if language == "en" else CLUSTER_NAMES_ZH
    palette = {**GEODA_COLORS, **(colors or {})}
    geo = align_regions(regions, list(tab.index), id_column=id_column, keep_others=True)
    clusters = tab["cluster"].astype(str)
    fig, ax = new_ax(ax, figsize)
    set_title(
        ax, title if title is not None else _label(tr("LISA clusters", language), variable, period), language=language
    )
    frame = draw_regions(geo, clusters.map(palette), ax, inset=inset, context=context, crs=crs, language=language)
    counts = clusters.value_counts()
    shown = [c for c in palette if c not in ("isolated",) or counts.get(c, 0)]
    entries = [f"{names[c]} ({int(counts.get(c, 0))})" for c in shown]
    cols = [palette[c] for c in shown]
    _no_data(entries, cols, geo, len(clusters), language, frame)
    legend_opts = {"legend": legend, "legend_loc": legend_loc, "north_arrow": north_arrow, "scale_bar": scale_bar}
    _finish_map(fig, ax, frame, entries, cols, legend_opts, (regions, geo, labels, id_column), caption, language)
    return fig


def _finish_map(
    fig: Any,
    ax: Any,
    frame: Any,
    entries: list[str],
    cols: list[str],
    legend_opts: dict[str, Any],
    labelling: tuple[Any, Any, Any, str | None],
    caption: str | None,
    language: str,
) -> None:
    """The legend (with scale bar and arrow), then the region labels (which avoid them), then the
    settings caption of a single LISA map."""
    map_legend(frame, entries, cols, language=language, **legend_opts)
    regions, geo, labels, id_column = labelling
    texts = region_labels(regions, geo, labels, id_column)
    if texts is not None:
        label_regions(frame, texts)
    if caption and ax is fig.axes[0]:
        add_caption(fig, caption, language)


def significance_map(
    table: pd.DataFrame,
    regions: Any,
    period: Any = None,
    *,
    variable: str | None = None,
    caption: str | None = None,
    ax: Any = None,
    title: str | None = None,
    legend: bool = True,
    inset: bool | None = None,
    figsize: tuple[float, float] = (7, 5.5),
    id_column: str | None = None,
    language: str = "en",
    context: bool = True,
    crs: Any = None,
    legend_loc: str = "auto",
    north_arrow: bool = True,
    scale_bar: bool = True,
    labels: Any = None,
) -> Any:
    """LISA significance map (GeoDa's companion of the cluster map): significant regions in the
    classes p = 0.05, 0.01, 0.001 (and 0.0001 when a region reaches it, which needs 9,999 or more
    permutations), each region in the class of the smallest bound its pseudo p-value is within.

    ``table`` needs the columns ``significant``, ``p_sim`` and ``cluster``; the other
    parameters (``labels`` for region labels among them) are those of :func:`cluster_map`.
    """
    check_language(language)
    tab = one_period(table, period)
    _require(tab, ["significant", "p_sim", "cluster"], "significance_map")
    geo = align_regions(regions, list(tab.index), id_column=id_column, keep_others=True)
    ns, isolated = tr("Not significant", language), tr("Isolated", language)
    colors = pd.Series(GEODA_COLORS["ns"], index=tab.index, dtype=object)
    class_of = pd.Series(ns, index=tab.index, dtype=object)
    for bound, label, color in reversed(SIGNIFICANCE_CLASSES):
        hit = tab["significant"] & (tab["p_sim"] <= bound * (1 + 1e-12))
        colors[hit] = color
        class_of[hit] = label
    iso = tab["cluster"].astype(str) == "isolated"
    colors[iso] = GEODA_COLORS["isolated"]
    class_of[iso] = isolated
    fig, ax = new_ax(ax, figsize)
    set_title(
        ax,
        title if title is not None else _label(tr("LISA significance", language), variable, period),
        language=language,
    )
    frame = draw_regions(geo, colors, ax, inset=inset, context=context, crs=crs, language=language)
    counts = class_of.value_counts()
    classes = [(lab, c) for b, lab, c in SIGNIFICANCE_CLASSES[::-1] if b >= 0.001 or counts.get(lab, 0)]
    names = [ns] + [lab for lab, _ in classes] + ([isolated] if iso.any() else [])
    cols = [GEODA_COLORS["ns"]] + [c for _, c in classes] + ([GEODA_COLORS["isolated"]] if iso.any() else [])
    entries = [f"{n} ({int(counts.get(n, 0))})" for n in names]
    _no_data(entries, cols, geo, len(tab), language, frame)
    legend_opts = {"legend": legend, "legend_loc": legend_loc, "north_arrow": north_arrow, "scale_bar": scale_bar}
    _finish_map(fig, ax, frame, entries, cols, legend_opts, (regions, geo, labels, id_column), caption, language)
    return fig


def moran_scatterplot(
    table: pd.DataFrame,
    period: Any = None,
    *,
    variable: str | None = None,
    caption: str | None = None,
    ax: Any = None,
    title: str | None = None,
    label: bool | Sequence = False,
    figsize: tuple[float, float] = (5.5, 5),
    language: str = "en",
    quadrants: bool = True,
) -> Any:
    """Moran scatterplot (z against its spatial lag) with the fitted line, quadrant labels and
    cluster colours.

    With row-standardised weights the least-squares slope of lag on z equals global Moran's I
    (isolated regions are left out of the fit); the legend gives it. ``label=True`` writes the
    regions' ids next to their points (or pass a list of ids); labels that would overlap one
    already written are left out. ``quadrants`` writes HH/LH/LL/HL in the four quadrants.
    ``table`` needs the columns ``z``, ``lag`` and ``cluster``; ``variable`` names the x axis
    (``<variable> (standardised)``); ``language="zh"`` translates every text.
    """
    check_language(language)
    tab = one_period(table, period)
    _require(tab, ["z", "lag", "cluster"], "moran_scatterplot")
    ok = tab["cluster"].astype(str) != "isolated"
    zz, lag = tab["z"].to_numpy(), tab["lag"].to_numpy()
    fig, ax = new_ax(ax, figsize)
    colors = tab["cluster"].astype(str).map(GEODA_COLORS).to_numpy()
    ax.scatter(zz, lag, c=colors, edgecolors="#333333", linewidths=0.4, s=28, zorder=3)
    ax.axhline(0, color="#999999", linewidth=0.7)
    ax.axvline(0, color="#999999", linewidth=0.7)
    slope, intercept = np.polyfit(zz[ok], lag[ok], 1)
    xs = np.linspace(np.nanmin(zz), np.nanmax(zz), 50)
    ax.plot(xs, intercept + slope * xs, color="#222222", linewidth=1.2, label=f"{tr('slope', language)} = {slope:.3f}")
    font = font_kwargs([tr("slope", language)])
    ax.legend(
        loc="upper center", fontsize=8, frameon=False, prop={"size": 8, "family": font["fontfamily"]} if font else None
    )
    # symmetric limits (as GeoDa): the quadrants are equal and no tick sits in a corner
    lim = 1.12 * float(np.nanmax(np.abs(np.r_[zz, lag]))) if len(zz) else 1.0
    lim = lim if np.isfinite(lim) and lim > 0 else 1.0
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    corner_texts = []
    if quadrants:
        names = CLUSTER_NAMES if language == "en" else CLUSTER_NAMES_ZH
        spots = {
            "HH": (0.97, 0.97, "right", "top"),
            "LH": (0.03, 0.97, "left", "top"),
            "LL": (0.03, 0.03, "left", "bottom"),
            "HL": (0.97, 0.03, "right", "bottom"),
        }
        for code, (x, y, ha, va) in spots.items():
            corner_texts.append(
                ax.text(
                    x,
                    y,
                    names[code],
                    transform=ax.transAxes,
                    ha=ha,
                    va=va,
                    fontsize=8,
                    color=GEODA_COLORS[code],
                    **font_kwargs([names[code]]),
                )
            )
    if label is not False:
        _label_points(ax, tab, tab.index if label is True else [r for r in label if r in tab.index], corner_texts)
    xlabel = f"{variable or tr('value', language)} ({tr('standardised', language)})"
    ylabel = tr("spatial lag", language)
    ax.set_xlabel(xlabel, **font_kwargs([xlabel]))
    ax.set_ylabel(ylabel, **font_kwargs([ylabel]))
    name = tr("Moran scatterplot", language)
    set_title(ax, title if title is not None else f"{name}{'' if period is None else f', {period}'}", language=language)
    if caption and ax is fig.axes[0]:
        fig.tight_layout()
        add_caption(fig, caption, language)
    return fig


def _label_points(ax: Any, tab: pd.DataFrame, names: Sequence, taken: Sequence[Any] = ()) -> None:
    """Ids next to their points, leaving out those that would overlap a label already written
    (or one of the ``taken`` texts)."""
    font = font_kwargs(list(map(str, names)))
    renderer = ax.figure.canvas.get_renderer()
    placed: list[Any] = [t.get_window_extent(renderer) for t in taken]
    for r in names:
        text = ax.annotate(
            str(r), (tab.at[r, "z"], tab.at[r, "lag"]), fontsize=6, xytext=(2, 2), textcoords="offset points", **font
        )
        box = text.get_window_extent(renderer)
        if any(box.overlaps(p) for p in placed):
            text.remove()
        else:
            placed.append(box)


def lisa_panels(
    table: pd.DataFrame,
    periods: Sequence,
    regions: Any = None,
    *,
    kind: str = "cluster",
    variable: str | None = None,
    caption: str | None = None,
    ncols: int = 2,
    figsize: tuple[float, float] | None = None,
    inset: bool | None = None,
    suptitle: str | None = None,
    id_column: str | None = None,
    language: str = "en",
    **map_options: Any,
) -> Any:
    """Several periods side by side (the published studies' 2×2 layout for four periods).

    Parameters
    ----------
    table : DataFrame
        The LISA table indexed by (region, period).
    periods : sequence
        The periods to draw, in panel order.
    regions : GeoDataFrame, optional
        Boundaries; needed for maps (``kind`` "cluster" or "significance").
    kind : {"cluster", "significance", "scatter"}
        Panels are titled (a), (b), ... with the period.
    variable : str, optional
        Name of the variable (the x axis of scatterplots).
    caption : str, optional
        Settings line at the bottom of the figure.
    ncols, figsize, inset, suptitle, id_column, language
        Panels per row, figure size (default: from the map's aspect), South China Sea inset,
        title over the panels, id column of ``regions``, language of every text.
    **map_options
        ``context``, ``crs``, ``legend_loc``, ``north_arrow``, ``scale_bar`` (and ``colors`` for
        cluster maps), passed to every map panel.
    """
    check_language(language)
    if kind not in ("cluster", "significance", "scatter"):
        raise ValueError(f"kind must be 'cluster', 'significance' or 'scatter', got {kind!r}")
    if kind != "scatter" and regions is None:
        raise ValueError("regions= (a GeoDataFrame of the boundaries) is needed to draw maps")
    periods = list(periods)
    frames = [one_period(table, p) for p in periods]
    geo = None
    if kind != "scatter":
        ids = list(dict.fromkeys(r for f in frames for r in f.index))
        geo = align_regions(regions, ids, id_column=id_column)
    fig, axes = _panel_grid(len(periods), ncols, figsize, geo, map_options.get("crs"))
    if kind == "scatter":
        fig.set_figwidth(fig.get_figwidth() * 5.5 / 8.3)
    titles = [panel_title(i, p) for i, p in enumerate(periods)]
    _layout_panels(fig, axes, titles, suptitle, language, maps=kind != "scatter")
    for ax, period, text in zip(axes.ravel(), periods, titles, strict=False):
        if kind == "cluster":
            cluster_map(
                table,
                regions,
                period,
                ax=ax,
                title=text,
                inset=inset,
                id_column=id_column,
                language=language,
                **map_options,
            )
        elif kind == "significance":
            significance_map(
                table,
                regions,
                period,
                ax=ax,
                title=text,
                inset=inset,
                id_column=id_column,
                language=language,
                **map_options,
            )
        else:
            moran_scatterplot(table, period, variable=variable, ax=ax, title=text, language=language)
    if caption:
        add_caption(fig, caption, language)
    return fig


def transition_matrix(
    matrix: pd.DataFrame,
    *,
    ax: Any = None,
    title: str | None = None,
    caption: str | None = None,
    cmap: str = "Blues",
    figsize: tuple[float, float] = (5.5, 4.8),
    language: str = "en",
) -> Any:
    """Heatmap of a cluster transition matrix with the count in every cell.

    Parameters
    ----------
    matrix : DataFrame
        Counts, clusters of the first period as rows and of the second as columns
        (``LocalMoranResult.transitions(p0, p1).matrix``).
    ax, title, caption, cmap, figsize
        Axes to draw on, title, settings line, colour map, figure size.
    """
    counts = matrix.to_numpy(dtype=float)
    fig, ax = new_ax(ax, figsize)
    image = ax.imshow(counts, cmap=cmap, vmin=0, aspect="auto")
    rows, cols = [str(r) for r in matrix.index], [str(c) for c in matrix.columns]
    ax.set_xticks(np.arange(len(cols)), cols, fontsize=8)
    ax.set_yticks(np.arange(len(rows)), rows, fontsize=8)
    xlabel = translate_text(str(matrix.columns.name or "to"), language)
    ylabel = translate_text(str(matrix.index.name or "from"), language)
    ax.set_xlabel(xlabel, **font_kwargs([xlabel]))
    ax.set_ylabel(ylabel, **font_kwargs([ylabel]))
    top = counts.max() if counts.size else 0.0
    ii, jj = np.indices(counts.shape)
    for i, j, v in zip(ii.ravel(), jj.ravel(), counts.ravel(), strict=True):
        ax.text(
            j, i, f"{v:g}", ha="center", va="center", fontsize=8, color="white" if top and v > 0.6 * top else "#222222"
        )
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    bar.set_label(tr("regions", language), **font_kwargs([tr("regions", language)]))
    set_title(ax, title if title is not None else tr("LISA cluster transitions", language), language=language)
    if caption and ax is fig.axes[0]:
        add_caption(fig, caption, language)
    return fig
