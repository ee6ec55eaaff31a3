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
from ._base import font_kwargs, new_ax, set_title

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


def density_curves(
    curves: pd.DataFrame,
    periods: Any = None,
    ax: Any = None,
    title: str | None = None,
    caption: str | None = None,
    xlabel: str = "value",
    cmap: str = "viridis",
) -> Any:
    """Overlaid density curves of ``periods`` (columns ``period``, ``x``, ``density``)."""
    import matplotlib as mpl

    fig, ax = new_ax(ax, (6.0, 3.8))
    chosen = _pick_periods(pd.unique(curves["period"]), periods)
    colours = mpl.colormaps[cmap](np.linspace(0.0, 0.9, len(chosen)))
    for colour, period in zip(colours, chosen, strict=True):
        part = curves[curves["period"] == period]
        ax.plot(part["x"], part["density"], color=colour, lw=1.4, label=str(period))
    ax.set_xlabel(xlabel, **font_kwargs([xlabel]))
    ax.set_ylabel("density")
    ax.legend(title="period", fontsize=7, title_fontsize=7, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        set_title(ax, title)
    if caption:
        add_caption(fig, caption)
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
) -> Any:
    """The 3-D surface period × value × density of every period (or of ``periods``)."""
    import matplotlib.pyplot as plt

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
    ax.set_xlabel(xlabel, **font_kwargs([xlabel]))
    ax.set_ylabel("period")
    ax.set_zlabel("density")
    ax.view_init(elev=elev, azim=azim)
    if title:
        set_title(ax, title)
    if caption:
        add_caption(fig, caption)
    return fig


def density_ridgeline(
    curves: pd.DataFrame,
    periods: Any = None,
    title: str | None = None,
    caption: str | None = None,
    xlabel: str = "value",
    overlap: float = 0.6,
    colour: str = "#3b6ea8",
) -> Any:
    """One filled density curve per period, stacked from the first (bottom) to the last (top);
    by default up to 20 evenly spaced periods."""
    import matplotlib.pyplot as plt

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
    ax.set_xlabel(xlabel, **font_kwargs([xlabel]))
    ax.spines[["top", "right", "left"]].set_visible(False)
    if title:
        set_title(ax, title)
    if caption:
        add_caption(fig, caption)
    return fig


def transition_heatmap(
    matrix: pd.DataFrame, ax: Any = None, title: str | None = None, fmt: str = "{:.3f}", cmap: str = "Blues"
) -> Any:
    """A transition probability matrix (rows: state at t, columns: state at t + step) as a heat map."""
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
    ax.set_xlabel("state at t + step", fontsize=8)
    ax.set_ylabel("state at t", fontsize=8)
    if title:
        set_title(ax, title, fontsize=9)
    return fig


def transition_panels(
    matrices: Mapping[str, pd.DataFrame], title: str | None = None, caption: str | None = None, ncols: int = 3
) -> Any:
    """One heat map per matrix (e.g. one per lag class of a spatial Markov chain)."""
    import matplotlib.pyplot as plt

    names = list(matrices)
    ncols = min(ncols, len(names))
    nrows = int(np.ceil(len(names) / ncols))
    k = max(m.shape[1] for m in matrices.values())
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * (1.2 + 0.6 * k), nrows * (1.0 + 0.5 * k)), squeeze=False)
    for ax, name in zip(axes.ravel(), names, strict=False):
        transition_heatmap(matrices[name], ax=ax, title=str(name))
    for ax in axes.ravel()[len(names) :]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, fontsize=10, **font_kwargs([title]))
    fig.tight_layout()
    if caption:
        add_caption(fig, caption)
    return fig


def state_shares(shares: pd.DataFrame, ax: Any = None, title: str | None = None) -> Any:
    """Grouped bars of the share of each state (rows) under each column (initial, final, steady state)."""
    fig, ax = new_ax(ax, (6.0, 3.4))
    n, m = shares.shape
    width = 0.8 / m
    for j, column in enumerate(shares.columns):
        ax.bar(
            np.arange(n) + (j - (m - 1) / 2) * width,
            shares[column].to_numpy(dtype=float),
            width,
            label=str(column).replace("_", " "),
        )
    labels = [str(i) for i in shares.index]
    ax.set_xticks(range(n), labels, fontsize=7, **font_kwargs(labels))
    ax.set_ylabel("share of regions")
    ax.legend(fontsize=7, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        set_title(ax, title)
    return fig


def transition_types(shares: pd.DataFrame, ax: Any = None, title: str | None = None) -> Any:
    """Stacked bars of the shares of the space-time transition types (columns) per interval (rows)."""
    fig, ax = new_ax(ax, (6.5, 3.4))
    bottom = np.zeros(len(shares))
    colours = ["#bdbdbd", "#4575b4", "#91bfdb", "#d73027", "#fc8d59"]
    for column, colour in zip(shares.columns, colours, strict=False):
        v = shares[column].to_numpy(dtype=float)
        ax.bar(range(len(shares)), v, bottom=bottom, color=colour, label=f"type {column}", width=0.85)
        bottom += v
    labels = [str(i) for i in shares.index]
    step = max(1, len(labels) // 12)
    ax.set_xticks(range(0, len(labels), step), labels[::step], fontsize=6, rotation=45, ha="right")
    ax.set_ylabel("share of regions")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, frameon=False, ncols=5, loc="upper center", bbox_to_anchor=(0.5, -0.25))
    if title:
        set_title(ax, title)
    return fig


def lisa_paths(
    points: pd.DataFrame,
    regions: Sequence | None = None,
    ax: Any = None,
    title: str | None = None,
    caption: str | None = None,
    most: int = 12,
) -> Any:
    """LISA time paths in the Moran scatterplot plane: ``points`` has columns ``region``, ``period``,
    ``x`` (own value) and ``y`` (spatial lag); ``regions`` selects the paths (default: up to
    ``most`` regions, the longest paths first when a ``length`` column is given)."""
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
    ax.set_xlabel("value")
    ax.set_ylabel("spatial lag")
    labels = [str(r) for r in regions]
    font = font_kwargs(labels)
    prop = {"size": 6, "family": font["fontfamily"]} if font else {"size": 6}
    ax.legend(fontsize=6, frameon=False, prop=prop, loc="center left", bbox_to_anchor=(1.0, 0.5))
    if title:
        set_title(ax, title)
    if caption:
        add_caption(fig, caption)
    return fig


def rose_diagram(
    sectors: pd.DataFrame, title: str | None = None, caption: str | None = None, alpha: float = 0.05
) -> Any:
    """Directional rose of LISA vectors: ``sectors`` has ``lower`` and ``upper`` (degrees) and ``count``,
    optionally ``p_value`` (sectors with ``p_value <= alpha`` are drawn dark)."""
    import matplotlib.pyplot as plt

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
    if title:
        set_title(ax, title)
    if caption:
        add_caption(fig, caption)
    return fig


def _plain_map(ax: Any, regions: Any) -> None:
    regions.plot(ax=ax, facecolor="#f2f2f2", edgecolor="#9a9a9a", linewidth=0.3)
    ax.set_axis_off()
    ax.set_aspect("equal")


def gravity_map(
    regions: Any,
    centres: pd.DataFrame,
    ellipses: Any = None,
    title: str | None = None,
    caption: str | None = None,
    extent: tuple[float, float, float, float] | None = None,
    inset: bool = True,
) -> Any:
    """The path of the centres of gravity and the standard deviational ellipses on the region map.

    Parameters
    ----------
    regions : GeoDataFrame
        Region boundaries in the projected CRS of the centres.
    centres : DataFrame
        Columns ``period``, ``x``, ``y`` (projected coordinates), in period order.
    ellipses : GeoDataFrame, optional
        Column ``period`` and the ellipse polygons.
    extent : (xmin, xmax, ymin, ymax), optional
        Crop of the main map (e.g. the mainland frame of China).
    inset : bool
        Add an enlarged view of the centres' path (it is often only a few km long).
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.0, 5.6))
    _plain_map(ax, regions)
    periods = list(centres["period"])
    colours = mpl.colormaps["plasma"](np.linspace(0.0, 0.85, len(periods)))
    if ellipses is not None and len(ellipses):
        for colour, period in zip(colours, periods, strict=True):
            part = ellipses[ellipses["period"] == period]
            if len(part):
                part.boundary.plot(ax=ax, color=colour, linewidth=0.8)
    ax.plot(centres["x"], centres["y"], "-", color="#222222", lw=0.8)
    ax.scatter(centres["x"], centres["y"], c=colours, s=12, zorder=3)
    if extent is not None:
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
    if inset and len(centres) > 1:
        sub = ax.inset_axes((0.68, 0.02, 0.3, 0.3))
        sub.plot(centres["x"], centres["y"], "-", color="#222222", lw=0.8)
        sub.scatter(centres["x"], centres["y"], c=colours, s=10, zorder=3)
        for k in (0, len(centres) - 1):
            sub.annotate(
                str(periods[k]),
                (centres["x"].iloc[k], centres["y"].iloc[k]),
                fontsize=6,
                xytext=(2, 2),
                textcoords="offset points",
            )
        sub.set_xticks([])
        sub.set_yticks([])
        sub.set_aspect("equal", adjustable="datalim")
        sub.set_title("centres", fontsize=6)
    handles = [
        plt.Line2D([], [], color=colours[i], marker="o", lw=0.8, ms=3, label=str(periods[i]))
        for i in sorted({0, len(periods) // 2, len(periods) - 1})
    ]
    ax.legend(handles=handles, fontsize=7, frameon=False, loc="upper left", title="period", title_fontsize=7)
    if title:
        set_title(ax, title)
    if caption:
        add_caption(fig, caption)
    return fig


def rank_change_map(
    regions: Any, change: pd.Series, title: str | None = None, caption: str | None = None, cmap: str = "RdBu"
) -> Any:
    """Choropleth of rank changes (positive: moved up), centred on zero; ``change`` is indexed like
    ``regions``."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import TwoSlopeNorm

    fig, ax = plt.subplots(figsize=(7.0, 5.0))
    frame = regions.copy()
    frame["change"] = change.reindex(frame.index).to_numpy(dtype=float)
    lim = float(np.nanmax(np.abs(frame["change"]))) or 1.0
    frame.plot(
        column="change",
        ax=ax,
        cmap=cmap,
        norm=TwoSlopeNorm(vcenter=0.0, vmin=-lim, vmax=lim),
        edgecolor="#777777",
        linewidth=0.3,
        legend=True,
        legend_kwds={"shrink": 0.6, "label": "rank change"},
        missing_kwds={"color": "#eeeeee"},
    )
    ax.set_axis_off()
    if title:
        set_title(ax, title)
    if caption:
        add_caption(fig, caption)
    return fig


def tau_series(taus: pd.DataFrame, ax: Any = None, title: str | None = None, alpha: float = 0.05) -> Any:
    """Kendall's τ (column ``tau``) and the spatial τ (``tau_spatial``, when present) per pair of
    periods (rows, labelled by the index); filled markers where ``p_sim <= alpha``."""
    fig, ax = new_ax(ax, (6.5, 3.2))
    labels = [" → ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in taus.index]
    pos = np.arange(len(labels))
    ax.plot(pos, taus["tau"], "-o", ms=3, lw=1.0, color="#1f77b4", label="Kendall's τ")
    if "tau_spatial" in taus:
        ax.plot(pos, taus["tau_spatial"], "-", lw=1.0, color="#d62728", label="spatial τ")
        if "p_sim" in taus:
            sig = taus["p_sim"].to_numpy(dtype=float) <= alpha
            ax.scatter(pos[sig], taus["tau_spatial"].to_numpy()[sig], s=12, color="#d62728", zorder=3)
            ax.scatter(
                pos[~sig], taus["tau_spatial"].to_numpy()[~sig], s=12, facecolor="white", edgecolor="#d62728", zorder=3
            )
    step = max(1, len(labels) // 12)
    ax.set_xticks(pos[::step], labels[::step], fontsize=6, rotation=45, ha="right")
    ax.set_ylabel("τ")
    ax.legend(fontsize=7, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        set_title(ax, title)
    return fig
