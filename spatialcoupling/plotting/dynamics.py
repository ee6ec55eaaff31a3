"""Figures of distribution dynamics from plain data: densities, transition matrices, LISA paths,
the directional rose, centres of gravity with their ellipses, rank changes.

Every function takes frames, Series or GeoDataFrames (the tables of the dynamics results) and
returns a matplotlib ``Figure``; the results' ``.plot()`` methods call them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._base import caption as add_caption
from ._base import check_language, font_kwargs, new_ax, set_title, tr, translate_text

__all__ = [
    "density_curves",
    "density_ridgeline",
    "density_surface",
    "gravity_map",
    "lisa_paths",
    "rank_change_map",
    "rose_diagram",
    "state_shares",
    "tau_series",
    "transition_heatmap",
    "transition_panels",
    "transition_types",
]


def _pick_periods(available: Sequence, periods: Any, most: int = 6) -> list:
    available = list(available)
    if periods is None:
        if len(available) <= most:
            return available
        idx = np.unique(np.linspace(0, len(available) - 1, most).round().astype(int))
        return [available[i] for i in idx]
    chosen = list(periods) if isinstance(periods, list | tuple | np.ndarray | pd.Index) else [periods]
    unknown = [p for p in chosen if p not in set(available)]
    if unknown:
        raise ValueError(f"period(s) {unknown} are not among the periods {available[:3]}…{available[-3:]}")
    return chosen


def _axis_labels(ax: Any, xlabel: str | None, ylabel: str | None, language: str, fontsize: float | None = None) -> None:
    """Axis labels in ``language`` (a CJK font when they need one)."""
    size = {"fontsize": fontsize} if fontsize else {}
    if xlabel is not None:
        text = translate_text(xlabel, language)
        ax.set_xlabel(text, **size, **font_kwargs([text]))
    if ylabel is not None:
        text = translate_text(ylabel, language)
        ax.set_ylabel(text, **size, **font_kwargs([text]))


def _legend_font(language: str) -> dict[str, Any]:
    """``prop`` of a legend whose labels may be Chinese."""
    font = font_kwargs(["中"]) if language == "zh" else {}
    return {"prop": {"size": 7, "family": font["fontfamily"]} if font else {"size": 7}}


def _finish(fig: Any, ax: Any, title: str | None, caption: str | None, language: str) -> None:
    """The title and the settings caption in ``language``."""
    if title:
        set_title(ax, title, language=language)
    if caption:
        add_caption(fig, caption, language)


def density_curves(
    curves: pd.DataFrame,
    periods: Any = None,
    ax: Any = None,
    title: str | None = None,
    caption: str | None = None,
    xlabel: str = "value",
    cmap: str = "viridis",
    language: str = "en",
) -> Any:
    """Overlaid density curves of ``periods`` (columns ``period``, ``x``, ``density``);
    ``language="zh"`` translates every fixed text."""
    import matplotlib as mpl

    check_language(language)
    fig, ax = new_ax(ax, (6.0, 3.8))
    chosen = _pick_periods(pd.unique(curves["period"]), periods)
    colours = mpl.colormaps[cmap](np.linspace(0.0, 0.9, len(chosen)))
    for colour, period in zip(colours, chosen, strict=True):
        part = curves[curves["period"] == period]
        ax.plot(part["x"], part["density"], color=colour, lw=1.4, label=str(period))
    _axis_labels(ax, xlabel, "density", language)
    year = tr("Year", language)
    year_font = font_kwargs([year])
    ax.legend(
        title=year,
        title_fontproperties={"size": 7, **({"family": year_font["fontfamily"]} if year_font else {})},
        frameon=False,
        **_legend_font(language),
    )
    ax.spines[["top", "right"]].set_visible(False)
    _finish(fig, ax, title, caption, language)
    return fig


def density_surface(
    curves: pd.DataFrame,
    periods: Any = None,
    title: str | None = None,
    caption: str | None = None,
    xlabel: str = "value",
    cmap: str = "viridis",
    elev: float = 28.0,
    azim: float = -60.0,
    language: str = "en",
) -> Any:
    """The 3-D surface period × value × density of every period (or of ``periods``)."""
    import matplotlib.pyplot as plt

    check_language(language)

    available = list(pd.unique(curves["period"]))
    chosen = available if periods is None else _pick_periods(available, periods)
    table = curves[curves["period"].isin(chosen)].pivot(index="period", columns="x", values="density").loc[chosen]
    x = table.columns.to_numpy(dtype=float)
    positions = np.arange(len(chosen), dtype=float)
    with contextlib.suppress(TypeError, ValueError):
        positions = np.asarray(chosen, dtype=float)
    X, Y = np.meshgrid(x, positions)
    fig = plt.figure(figsize=(7.0, 5.0))
    ax = fig.add_subplot(projection="3d")
    ax.plot_surface(
        X, Y, table.to_numpy(), cmap=cmap, linewidth=0, antialiased=True, rcount=len(chosen), ccount=min(len(x), 200)
    )
    _axis_labels(ax, xlabel, "Year", language)
    zlabel = tr("density", language)
    ax.set_zlabel(zlabel, **font_kwargs([zlabel]))
    ax.view_init(elev=elev, azim=azim)
    _finish(fig, ax, title, caption, language)
    return fig


def density_ridgeline(
    curves: pd.DataFrame,
    periods: Any = None,
    title: str | None = None,
    caption: str | None = None,
    xlabel: str = "value",
    overlap: float = 0.6,
    colour: str = "#3b6ea8",
    language: str = "en",
) -> Any:
    """One filled density curve per period, stacked from the first (bottom) to the last (top);
    by default up to 20 evenly spaced periods."""
    import matplotlib.pyplot as plt

    check_language(language)
    chosen = _pick_periods(pd.unique(curves["period"]), periods, most=20)
    top = curves.loc[curves["period"].isin(chosen), "density"].max()
    spacing = top * (1.0 - overlap)
    fig, ax = plt.subplots(figsize=(6.0, min(1.0 + 0.32 * len(chosen), 9.0)))
    for i, period in enumerate(chosen):
        part = curves[curves["period"] == period]
        base = i * spacing
        ax.fill_between(part["x"], base, base + part["density"], color=colour, alpha=0.55, lw=0, zorder=-i)
        ax.plot(part["x"], base + part["density"], color="#1d3557", lw=0.7, zorder=-i)
    ax.set_yticks([i * spacing for i in range(len(chosen))], [str(p) for p in chosen], fontsize=7)
    _axis_labels(ax, xlabel, None, language)
    ax.spines[["top", "right", "left"]].set_visible(False)
    _finish(fig, ax, title, caption, language)
    return fig


def transition_heatmap(
    matrix: pd.DataFrame,
    ax: Any = None,
    title: str | None = None,
    fmt: str = "{:.3f}",
    cmap: str = "Blues",
    language: str = "en",
) -> Any:
    """A transition probability matrix (rows: state at t, columns: state at t + step) as a heat map."""
    check_language(language)
    fig, ax = new_ax(ax, (1.6 + 0.7 * matrix.shape[1], 1.2 + 0.55 * matrix.shape[0]))
    values = matrix.to_numpy(dtype=float)
    ax.imshow(np.nan_to_num(values), cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=7, color="white" if v > 0.6 else "#222222")
    rows = [str(r) for r in matrix.index]
    cols = [str(c) for c in matrix.columns]
    ax.set_xticks(
        range(len(cols)), cols, fontsize=7, rotation=30 if max(map(len, cols)) > 4 else 0, **font_kwargs(cols)
    )
    ax.set_yticks(range(len(rows)), rows, fontsize=7, **font_kwargs(rows))
    _axis_labels(ax, "state at t + step", "state at t", language, fontsize=8)
    if title:
        set_title(ax, title, fontsize=9, language=language)
    return fig


def transition_panels(
    matrices: Mapping[str, pd.DataFrame],
    title: str | None = None,
    caption: str | None = None,
    ncols: int = 3,
    language: str = "en",
) -> Any:
    """One heat map per matrix (e.g. one per lag class of a spatial Markov chain)."""
    import matplotlib.pyplot as plt

    check_language(language)

    names = list(matrices)
    ncols = min(ncols, len(names))
    nrows = int(np.ceil(len(names) / ncols))
    k = max(m.shape[1] for m in matrices.values())
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * (1.2 + 0.6 * k), nrows * (1.0 + 0.5 * k)), squeeze=False)
    for ax, name in zip(axes.ravel(), names, strict=False):
        transition_heatmap(matrices[name], ax=ax, title=str(name), language=language)
    for ax in axes.ravel()[len(names) :]:
        ax.set_visible(False)
    if title:
        text = translate_text(title, language)
        fig.suptitle(text, fontsize=10, **font_kwargs([text]))
    fig.tight_layout()
    if caption:
        add_caption(fig, caption, language)
    return fig


def state_shares(shares: pd.DataFrame, ax: Any = None, title: str | None = None, language: str = "en") -> Any:
    """Grouped bars of the share of each state (rows) under each column (initial, final, steady state)."""
    check_language(language)
    fig, ax = new_ax(ax, (6.0, 3.4))
    n, m = shares.shape
    width = 0.8 / m
    for j, column in enumerate(shares.columns):
        ax.bar(
            np.arange(n) + (j - (m - 1) / 2) * width,
            shares[column].to_numpy(dtype=float),
            width,
            label=translate_text(str(column).replace("_", " "), language),
        )
    labels = [str(i) for i in shares.index]
    ax.set_xticks(range(n), labels, fontsize=7, **font_kwargs(labels))
    _axis_labels(ax, None, "share of regions", language)
    ax.legend(fontsize=7, frameon=False, **_legend_font(language))
    ax.spines[["top", "right"]].set_visible(False)
    _finish(fig, ax, title, None, language)
    return fig


def transition_types(shares: pd.DataFrame, ax: Any = None, title: str | None = None, language: str = "en") -> Any:
    """Stacked bars of the shares of the space-time transition types (columns) per interval (rows)."""
    check_language(language)
    fig, ax = new_ax(ax, (6.5, 3.4))
    bottom = np.zeros(len(shares))
    colours = ["#bdbdbd", "#4575b4", "#91bfdb", "#d73027", "#fc8d59"]
    for column, colour in zip(shares.columns, colours, strict=False):
        v = shares[column].to_numpy(dtype=float)
        ax.bar(range(len(shares)), v, bottom=bottom, color=colour, label=f"{tr('type', language)} {column}", width=0.85)
        bottom += v
    labels = [str(i) for i in shares.index]
    step = max(1, len(labels) // 12)
    ax.set_xticks(range(0, len(labels), step), labels[::step], fontsize=6, rotation=45, ha="right")
    _axis_labels(ax, None, "share of regions", language)
    ax.set_ylim(0, 1)
    ax.legend(
        fontsize=7, frameon=False, ncols=5, loc="upper center", bbox_to_anchor=(0.5, -0.25), **_legend_font(language)
    )
    _finish(fig, ax, title, None, language)
    return fig


def lisa_paths(
    points: pd.DataFrame,
    regions: Sequence | None = None,
    ax: Any = None,
    title: str | None = None,
    caption: str | None = None,
    most: int = 12,
    language: str = "en",
) -> Any:
    """LISA time paths in the Moran scatterplot plane: ``points`` has columns ``region``, ``period``,
    ``x`` (own value) and ``y`` (spatial lag); ``regions`` selects the paths (default: up to
    ``most`` regions, the longest paths first when a ``length`` column is given)."""
    check_language(language)
    fig, ax = new_ax(ax, (5.2, 5.0))
    available = list(pd.unique(points["region"]))
    if regions is None:
        if "length" in points.columns:
            order = points.groupby("region")["length"].first().sort_values(ascending=False)
            regions = list(order.index[:most])
        else:
            regions = available[:most]
    unknown = [r for r in regions if r not in set(available)]
    if unknown:
        raise ValueError(f"region(s) {unknown} have no path")
    import matplotlib as mpl

    colours = mpl.colormaps["tab20"](np.linspace(0, 1, max(len(regions), 1)))
    for colour, region in zip(colours, regions, strict=True):
        part = points[points["region"] == region]
        ax.plot(part["x"], part["y"], "-", color=colour, lw=0.9, alpha=0.9, label=str(region))
        ax.plot(part["x"].iloc[-1], part["y"].iloc[-1], "o", color=colour, ms=3)
    ax.axhline(0, color="#888888", lw=0.6)
    ax.axvline(0, color="#888888", lw=0.6)
    _axis_labels(ax, "value", "spatial lag", language)
    labels = [str(r) for r in regions]
    font = font_kwargs(labels)
    prop = {"size": 6, "family": font["fontfamily"]} if font else {"size": 6}
    ax.legend(fontsize=6, frameon=False, prop=prop, loc="center left", bbox_to_anchor=(1.0, 0.5))
    _finish(fig, ax, title, caption, language)
    return fig


def rose_diagram(
    sectors: pd.DataFrame,
    title: str | None = None,
    caption: str | None = None,
    alpha: float = 0.05,
    language: str = "en",
) -> Any:
    """Directional rose of LISA vectors: ``sectors`` has ``lower`` and ``upper`` (degrees) and ``count``,
    optionally ``p_value`` (sectors with ``p_value <= alpha`` are drawn dark)."""
    import matplotlib.pyplot as plt

    check_language(language)
    fig = plt.figure(figsize=(4.6, 4.6))
    ax = fig.add_subplot(projection="polar")
    lower = np.deg2rad(sectors["lower"].to_numpy(dtype=float))
    width = np.deg2rad((sectors["upper"] - sectors["lower"]).to_numpy(dtype=float))
    counts = sectors["count"].to_numpy(dtype=float)
    significant = (
        (sectors["p_value"].to_numpy(dtype=float) <= alpha) if "p_value" in sectors else np.zeros(len(counts), bool)
    )
    ax.bar(
        lower,
        counts,
        width=width,
        align="edge",
        color=np.where(significant, "#b2182b", "#92c5de"),
        edgecolor="#333333",
        linewidth=0.5,
    )
    if "expected" in sectors:
        ax.step(
            np.append(lower, lower[-1] + width[-1]),
            np.append(sectors["expected"], sectors["expected"].iloc[-1]),
            where="post",
            color="#333333",
            lw=0.8,
            ls="--",
        )
    _finish(fig, ax, title, caption, language)
    return fig


def _map_axes(zoom: bool) -> tuple[Any, Any, Any]:
    """A figure with the map axes and, with ``zoom``, a narrow panel right of it."""
    import matplotlib.pyplot as plt

    if not zoom:
        fig, ax = plt.subplots(figsize=(7.5, 5.6))
        return fig, ax, None
    fig, (ax, side) = plt.subplots(1, 2, figsize=(9.5, 5.6), gridspec_kw={"width_ratios": [3.2, 1.0]})
    fig.subplots_adjust(left=0.02, right=0.98, top=0.92, bottom=0.06, wspace=0.12)
    return fig, ax, side


def _draw_base(regions: Any, ax: Any, fills: Any, opts: Mapping[str, Any]) -> Any:
    from ._cartography import draw_map

    return draw_map(
        regions,
        fills,
        ax,
        inset=opts.get("sea_inset"),
        context=opts.get("context", True),
        crs=opts.get("crs"),
        edgecolor="#8a8a8a",
        language=opts.get("language", "en"),
    )


def _decorate(frame: Any, handles: list[Any], title: str | None, opts: Mapping[str, Any], labels: Any) -> None:
    from ._base import legend_handles
    from ._cartography import label_regions, place_decorations

    texts = [h.get_label() for h in handles]
    prop = legend_handles(texts, ["#ffffff"] * len(texts))[1] if texts else None
    place_decorations(
        frame,
        handles=handles,
        title=title,
        prop=prop,
        legend_loc=opts.get("legend_loc", "auto"),
        north_arrow=opts.get("north_arrow", True),
        scale_bar=opts.get("scale_bar", True),
        language=opts.get("language", "en"),
    )
    if labels is not None:
        label_regions(frame, labels)


def _labels_of(regions: Any, labels: Any) -> Any:
    """One label per row of ``regions`` (True: the index; a column name: its values)."""
    if labels is None or labels is False:
        return None
    if labels is True:
        return [str(i) for i in regions.index]
    if isinstance(labels, str):
        if labels not in regions.columns:
            raise ValueError(f"labels={labels!r} is not a column of regions; columns: {list(regions.columns)[:10]}")
        return list(regions[labels])
    return [pd.Series(labels).get(i) for i in regions.index]


def gravity_map(
    regions: Any,
    centres: pd.DataFrame,
    ellipses: Any = None,
    title: str | None = None,
    caption: str | None = None,
    extent: tuple[float, float, float, float] | None = None,
    inset: bool = True,
    *,
    centres_crs: Any = None,
    crs: Any = None,
    sea_inset: bool | None = None,
    context: bool = True,
    legend_loc: str = "auto",
    north_arrow: bool = True,
    scale_bar: bool = True,
    labels: Any = None,
    language: str = "en",
) -> Any:
    """The path of the centres of gravity and the standard deviational ellipses on the region map.

    The map is drawn as every other map of the package (:mod:`spatialcoupling.plotting._cartography`):
    projected (China in Albers 25°N/47°N, 105°E), with Taiwan, the maritime boundary line and the
    South China Sea inset on national China maps, a north arrow, a scale bar and the legend in a
    free corner. The centres and ellipses keep the coordinates they were computed in
    (``centres_crs``) and are only projected for drawing.

    Parameters
    ----------
    regions : GeoDataFrame
        Region boundaries (any CRS; lon/lat without a CRS is taken as EPSG:4326).
    centres : DataFrame
        Columns ``period``, ``x``, ``y`` in ``centres_crs``, in period order.
    ellipses : GeoDataFrame, optional
        Column ``period`` and the ellipse polygons (its CRS, else ``centres_crs``).
    title, caption : str, optional
    extent : (xmin, xmax, ymin, ymax), optional
        Crop of the main map in map coordinates (None: the whole layer, China's mainland frame
        with the inset on national China maps).
    inset : bool
        A panel right of the map with an enlarged view of the centres' path (it is often only a
        few km long), first and last period labelled.
    centres_crs : optional
        CRS of ``x``/``y`` (default: the CRS of ``ellipses``, else that of ``regions``).
    crs, sea_inset, context, legend_loc, north_arrow, scale_bar
        Projection of the map, South China Sea inset, China's map context, legend place, north
        arrow and scale bar (as in :func:`spatialcoupling.plotting.maps.choropleth`).
    labels : True or str, optional
        Region labels (True: the ids; a column of ``regions``), left out where they would overlap.
    language : {"en", "zh"}

    Returns
    -------
    matplotlib.figure.Figure
    """
    import geopandas as gpd
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    import shapely

    check_language(language)
    opts = {"crs": crs, "sea_inset": sea_inset, "context": context, "legend_loc": legend_loc}
    opts |= {"north_arrow": north_arrow, "scale_bar": scale_bar, "language": language}
    zoom = bool(inset) and len(centres) > 1
    fig, ax, side = _map_axes(zoom)
    frame = _draw_base(regions, ax, np.full(len(regions), "#f2f2f2", dtype=object), opts)
    source = centres_crs
    if source is None:
        source = getattr(ellipses, "crs", None) or regions.crs
    points = frame.to_map(
        gpd.GeoSeries(gpd.points_from_xy(centres["x"], centres["y"]), crs=source if source is not None else None)
    )
    px, py = points.x.to_numpy(), points.y.to_numpy()
    periods = list(centres["period"])
    colours = mpl.colormaps["plasma"](np.linspace(0.0, 0.85, len(periods)))
    drawn = [shapely.linestrings(np.column_stack([px, py]))] if len(px) > 1 else list(points)
    if ellipses is not None and len(ellipses):
        shapes = ellipses if ellipses.crs is not None or source is None else ellipses.set_crs(source)
        shapes = frame.to_map(shapes)
        for colour, period in zip(colours, periods, strict=True):
            part = shapes[shapes["period"] == period]
            if len(part):
                ax.plot(*_boundary_xy(part.geometry), color=colour, lw=0.8, zorder=4)
                drawn += list(part.boundary)
    frame.avoid(drawn)
    ax.plot(px, py, "-", color="#222222", lw=0.8, zorder=5)
    ax.scatter(px, py, c=colours, s=12, zorder=6)
    if extent is not None:
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
    if side is not None:
        _zoom_panel(side, px, py, colours, periods, language)
    handles = [
        plt.Line2D([], [], color=colours[i], marker="o", lw=0.8, ms=3, label=str(periods[i]))
        for i in sorted({0, len(periods) // 2, len(periods) - 1})
    ]
    _decorate(frame, handles, tr("Year", language), opts, _labels_of(regions, labels))
    if title:
        set_title(ax, title, language=language)
    if caption:
        add_caption(fig, caption, language)
    return fig


def _boundary_xy(geoms: Any) -> tuple[np.ndarray, np.ndarray]:
    """x and y of every ring of ``geoms``, rings separated by NaN (one ``plot`` call)."""
    import shapely

    rings = shapely.get_rings(shapely.get_parts(np.asarray(geoms, dtype=object)))
    coords, of = shapely.get_coordinates(rings, return_index=True)
    cuts = np.flatnonzero(np.diff(of)) + 1
    pieces = np.split(coords, cuts)
    joined = np.concatenate([np.vstack([p, [np.nan, np.nan]]) for p in pieces]) if pieces else np.empty((0, 2))
    return joined[:, 0], joined[:, 1]


def _zoom_panel(ax: Any, x: np.ndarray, y: np.ndarray, colours: Any, periods: list, language: str) -> None:
    """The centres' path enlarged, first and last period labelled, with its extent in km."""
    ax.plot(x, y, "-", color="#222222", lw=0.8)
    ax.scatter(x, y, c=colours, s=12, zorder=3)
    for k, ha in ((0, "right"), (len(x) - 1, "left")):
        ax.annotate(
            str(periods[k]),
            (x[k], y[k]),
            fontsize=6,
            xytext=(3 if ha == "left" else -3, 3),
            textcoords="offset points",
            ha=ha,
        )
    span = max(float(np.ptp(x)), float(np.ptp(y)), 1.0)
    cx, cy = (x.min() + x.max()) / 2, (y.min() + y.max()) / 2
    ax.set_xlim(cx - 0.65 * span, cx + 0.65 * span)
    ax.set_ylim(cy - 0.65 * span, cy + 0.65 * span)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    text = f"{tr('path of the centre', language)} ({span / 1000:.3g} km)"
    ax.set_title(text, fontsize=7, **font_kwargs([text]))


def _rank_classes(change: np.ndarray) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Classes of rank changes centred on zero: each change its own class when the largest is at
    most 3 places, else five classes (large fall, fall, unchanged, rise, large rise)."""
    finite = change[np.isfinite(change)]
    lim = int(np.ceil(np.max(np.abs(finite)))) if finite.size else 0
    if lim <= 3:
        edges = np.arange(-lim, lim + 1, dtype=float)
        cls = np.searchsorted(edges, np.round(change))
        names = [f"{int(e):+d}" if e else "0" for e in edges]
        return cls, names, edges
    half = int(np.ceil(lim / 2))
    bounds = [(-lim, -half), (-half + 1, -1), (0, 0), (1, half - 1), (half, lim)]
    cls = np.select([change <= -half, change < 0, change == 0, change < half], [0, 1, 2, 3], default=4)
    names = [f"{a:+d} … {b:+d}" if a != b else (f"{a:+d}" if a else "0") for a, b in bounds]
    return cls, names, np.array([np.mean(b) for b in bounds], dtype=float)


def rank_change_map(
    regions: Any,
    change: pd.Series,
    title: str | None = None,
    caption: str | None = None,
    cmap: str = "RdBu",
    *,
    crs: Any = None,
    inset: bool | None = None,
    context: bool = True,
    legend_loc: str = "auto",
    north_arrow: bool = True,
    scale_bar: bool = True,
    labels: Any = None,
    language: str = "en",
) -> Any:
    """Map of rank changes (positive: moved up) in classes centred on zero; ``change`` is indexed
    like ``regions``. Regions without a change are drawn as "no data".

    Every change is its own class when no region moves more than three places; otherwise five
    classes: large fall, fall, unchanged, rise, large rise (the bounds in the legend, with the
    number of regions). Drawn with the package's map machinery (projection, China's map context
    and inset, north arrow, scale bar, legend in a free corner; see :func:`gravity_map`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib as mpl

    from ._base import legend_handles
    from ._cartography import NO_DATA, NO_DATA_HATCH

    check_language(language)
    opts = {"crs": crs, "sea_inset": inset, "context": context, "legend_loc": legend_loc}
    opts |= {"north_arrow": north_arrow, "scale_bar": scale_bar, "language": language}
    values = pd.to_numeric(change.reindex(regions.index), errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(values)
    cls, names, mids = _rank_classes(values[ok])
    lim = float(np.max(np.abs(mids))) or 1.0
    palette = mpl.colormaps[cmap]
    hexes = [mpl.colors.to_hex(palette(0.5 + 0.45 * m / lim)) for m in mids]
    fills = np.full(len(regions), None, dtype=object)
    fills[ok] = [hexes[c] for c in cls]
    fig, ax = _map_axes(False)[:2]
    frame = _draw_base(regions, ax, fills, opts)
    counts = np.bincount(cls, minlength=len(names))
    texts = [f"{n} ({c})" for n, c in zip(names, counts, strict=True)]
    colors = list(hexes)
    missing = int((~ok).sum()) + (1 if frame.taiwan_no_data else 0)
    if missing:
        texts.append(f"{tr('No data', language)} ({missing})")
        colors.append(NO_DATA)
    handles, _ = legend_handles(texts, colors, [NO_DATA_HATCH if c == NO_DATA else None for c in colors])
    _decorate(frame, handles, tr("rank change", language), opts, _labels_of(regions, labels))
    if title:
        set_title(ax, title, language=language)
    if caption:
        add_caption(fig, caption, language)
    return fig


def tau_series(
    taus: pd.DataFrame, ax: Any = None, title: str | None = None, alpha: float = 0.05, language: str = "en"
) -> Any:
    """Kendall's τ (column ``tau``) and the spatial τ (``tau_spatial``, when present) per pair of
    periods (rows, labelled by the index); filled markers where ``p_sim <= alpha``."""
    check_language(language)
    fig, ax = new_ax(ax, (6.5, 3.2))
    labels = [" → ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in taus.index]
    pos = np.arange(len(labels))
    ax.plot(pos, taus["tau"], "-o", ms=3, lw=1.0, color="#1f77b4", label=translate_text("Kendall's τ", language))
    if "tau_spatial" in taus:
        ax.plot(pos, taus["tau_spatial"], "-", lw=1.0, color="#d62728", label=translate_text("spatial τ", language))
        if "p_sim" in taus:
            sig = taus["p_sim"].to_numpy(dtype=float) <= alpha
            ax.scatter(pos[sig], taus["tau_spatial"].to_numpy()[sig], s=12, color="#d62728", zorder=3)
            ax.scatter(
                pos[~sig], taus["tau_spatial"].to_numpy()[~sig], s=12, facecolor="white", edgecolor="#d62728", zorder=3
            )
    step = max(1, int(np.ceil(len(labels) / 24)))
    ax.set_xticks(pos[::step], labels[::step], fontsize=6, rotation=90)  # upright boxes never overlap
    ax.set_ylabel("τ")
    ax.legend(fontsize=7, frameon=False, **_legend_font(language))
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        set_title(ax, title, language=language)
    fig.tight_layout(rect=(0, 0.05, 1, 1))  # room below the period labels for a caption or a mark
    return fig
