"""Maps and GIS layers under their 0.1 names (kept so that 0.1 code keeps working).

The figures now live in :mod:`spatialcoupling.plotting` (``plotting.maps``: region maps, the
China inset, choropleths; ``plotting.lisa``: cluster and significance maps, Moran
scatterplots, panels; ``plotting.global_stats``: a statistic over time) and the GIS writers
in :mod:`spatialcoupling.layers`; all of them take plain tables. This module re-exports them
with the constants, and keeps 0.1's functions that took a ``LocalMoranResult`` (or a global
result) as thin wrappers that warn ``DeprecationWarning`` and call the new functions with the
result's table, settings and caption. New code calls ``result.plot(...)``,
``result.export(...)`` or the functions of :mod:`spatialcoupling.plotting` and
:mod:`spatialcoupling.layers`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import layers as _layers
from ._clusters import CLUSTER_NAMES, CLUSTER_NAMES_ZH, GEODA_COLORS, SIGNIFICANCE_CLASSES
from .plotting import global_stats as _global_stats
from .plotting import lisa as _lisa
from .plotting._base import caption, legend
from .plotting.maps import (
    CJK_FONTS,
    GRADE_BINS,
    GRADE_LABELS,
    MAINLAND_SOUTH,
    NO_DATA,
    NO_DATA_LABEL,
    SOUTH_CHINA_SEA,
    align_regions,
    choropleth,
    choropleth_panels,
    cjk_font,
    draw_regions,
    font_kwargs,
    has_cjk,
    needs_south_china_sea_inset,
    new_ax,
    set_title,
)

__all__ = [
    "CJK_FONTS",
    "CLUSTER_NAMES",
    "CLUSTER_NAMES_ZH",
    "GEODA_COLORS",
    "GRADE_BINS",
    "GRADE_LABELS",
    "MAINLAND_SOUTH",
    "NO_DATA",
    "NO_DATA_LABEL",
    "SIGNIFICANCE_CLASSES",
    "SOUTH_CHINA_SEA",
    "align_regions",
    "caption",
    "choropleth",
    "choropleth_panels",
    "cjk_font",
    "cluster_map",
    "draw_regions",
    "explore_clusters",
    "font_kwargs",
    "has_cjk",
    "legend",
    "lisa_geodataframe",
    "lisa_panels",
    "moran_scatterplot",
    "needs_south_china_sea_inset",
    "new_ax",
    "plot_global",
    "save_figure",
    "set_title",
    "significance_map",
    "write_lisa_layers",
]


def _deprecated(old: str, new: str) -> None:
    warnings.warn(f"spatialcoupling.maps.{old} is deprecated: use {new}", DeprecationWarning, stacklevel=3)


def _lisa_result(result: Any, function: str, new: str) -> Any:
    """The result, checked to be a LISA result (it has a table, settings and a caption)."""
    if not all(hasattr(result, a) for a in ("table", "settings", "caption", "periods")):
        raise TypeError(
            f"spatialcoupling.maps.{function} takes a LocalMoranResult (0.1 style), got {type(result).__name__}; "
            f"for a LISA table call {new}"
        )
    return result


def _caption_text(result: Any, caption: bool | str | None) -> str | None:
    return result.caption if caption is True else (caption or None)


def _check_period(result: Any, period: Any) -> Any:
    if period not in set(result.periods):
        raise ValueError(f"period {period!r} is not in the result; periods: {list(result.periods)[:10]}")
    return period


def cluster_map(result: Any, period: Any, regions: Any, *, caption: bool | str = True, **kwargs: Any) -> Any:
    """Deprecated: ``result.plot(period=..., regions=...)`` or
    :func:`spatialcoupling.plotting.lisa.cluster_map` (``table, regions, period``)."""
    new = (
        "result.plot(period=..., regions=...) or "
        "spatialcoupling.plotting.lisa.cluster_map(result.table, regions, period)"
    )
    _lisa_result(result, "cluster_map", new)
    _deprecated("cluster_map(result, period, regions)", new)
    return _lisa.cluster_map(
        result.table,
        regions,
        _check_period(result, period),
        variable=str(result.settings["variable"]),
        caption=_caption_text(result, caption),
        **kwargs,
    )


def significance_map(result: Any, period: Any, regions: Any, *, caption: bool | str = True, **kwargs: Any) -> Any:
    """Deprecated: ``result.plot(period=..., regions=..., kind="significance")`` or
    :func:`spatialcoupling.plotting.lisa.significance_map`."""
    new = (
        "result.plot(period=..., regions=..., kind='significance') or "
        "spatialcoupling.plotting.lisa.significance_map(result.table, regions, period)"
    )
    _lisa_result(result, "significance_map", new)
    _deprecated("significance_map(result, period, regions)", new)
    return _lisa.significance_map(
        result.table,
        regions,
        _check_period(result, period),
        variable=str(result.settings["variable"]),
        caption=_caption_text(result, caption),
        **kwargs,
    )


def moran_scatterplot(result: Any, period: Any, *, caption: bool | str = True, **kwargs: Any) -> Any:
    """Deprecated: ``result.plot(period=..., kind="scatter")`` or
    :func:`spatialcoupling.plotting.lisa.moran_scatterplot`."""
    new = (
        "result.plot(period=..., kind='scatter') or "
        "spatialcoupling.plotting.lisa.moran_scatterplot(result.table, period)"
    )
    _lisa_result(result, "moran_scatterplot", new)
    _deprecated("moran_scatterplot(result, period)", new)
    return _lisa.moran_scatterplot(
        result.table,
        _check_period(result, period),
        variable=str(result.settings["variable"]),
        caption=_caption_text(result, caption),
        **kwargs,
    )


def lisa_panels(result: Any, periods: Sequence, regions: Any = None, **kwargs: Any) -> Any:
    """Deprecated: ``result.plot(periods=[...], regions=...)`` or
    :func:`spatialcoupling.plotting.lisa.lisa_panels`."""
    new = (
        "result.plot(periods=[...], regions=...) or "
        "spatialcoupling.plotting.lisa.lisa_panels(result.table, periods, regions)"
    )
    _lisa_result(result, "lisa_panels", new)
    _deprecated("lisa_panels(result, periods, regions)", new)
    periods = [_check_period(result, p) for p in periods]
    text = _caption_text(result, kwargs.pop("caption", True))
    return _lisa.lisa_panels(
        result.table, periods, regions, variable=str(result.settings["variable"]), caption=text, **kwargs
    )


def lisa_geodataframe(result: Any, regions: Any, period: Any = None, id_column: str | None = None) -> Any:
    """Deprecated: ``result.to_geodataframe(regions)`` or
    :func:`spatialcoupling.layers.lisa_geodataframe` (``table, settings, regions``)."""
    new = (
        "result.to_geodataframe(regions) or "
        "spatialcoupling.layers.lisa_geodataframe(result.table, result.settings, regions)"
    )
    _lisa_result(result, "lisa_geodataframe", new)
    _deprecated("lisa_geodataframe(result, regions)", new)
    return _layers.lisa_geodataframe(result.table, result.settings, regions, period=period, id_column=id_column)


def write_lisa_layers(result: Any, regions: Any, path: str | Path, layout: str = "long") -> list[Path]:
    """Deprecated: ``result.export(path, regions=...)`` or
    :func:`spatialcoupling.layers.write_lisa_layers` (``table, settings, regions, path``)."""
    new = (
        "result.export(path, regions=...) or "
        "spatialcoupling.layers.write_lisa_layers(result.table, result.settings, regions, path)"
    )
    _lisa_result(result, "write_lisa_layers", new)
    _deprecated("write_lisa_layers(result, regions, path)", new)
    return _layers.write_lisa_layers(result.table, result.settings, regions, path, layout=layout)


def explore_clusters(
    result: Any, path: str | Path | None = None, period: Any = None, regions: Any = None, **kwargs: Any
) -> Any:
    """Deprecated: ``result.export("map.html", regions=..., period=...)`` or
    :func:`spatialcoupling.layers.explore_clusters` (``table, settings, regions``)."""
    new = (
        "result.export('map.html', regions=..., period=...) or "
        "spatialcoupling.layers.explore_clusters(result.table, result.settings, regions)"
    )
    _lisa_result(result, "explore_clusters", new)
    _deprecated("explore_clusters(result, ...)", new)
    if period is not None:
        _check_period(result, period)
    return _layers.explore_clusters(
        result.table, result.settings, regions, period=period, path=path, caption=result.caption, **kwargs
    )


def plot_global(result: Any, ax: Any = None, alpha: float = 0.05, p: str = "p_sim", **kwargs: Any) -> Any:
    """Deprecated: ``result.plot()`` or
    :func:`spatialcoupling.plotting.global_stats.statistic_by_period` (``table, statistic, p``)."""
    new = (
        "result.plot() or spatialcoupling.plotting.global_stats.statistic_by_period(result.table, result.statistic, p)"
    )
    if not hasattr(result, "statistic") or not hasattr(result, "table"):
        raise TypeError(
            f"spatialcoupling.maps.plot_global takes a global statistic's result, got "
            f"{type(result).__name__}; for a table call {new}"
        )
    _deprecated("plot_global(result)", new)
    tab = result.table
    column: str | None = p
    if p not in tab.columns:  # 0.1 fell back to the normal p, then to no markers
        column = "p_norm" if "p_norm" in tab.columns else None
    title = kwargs.pop("title", f"{type(result).__name__.replace('Result', '')} by period")
    return _global_stats.statistic_by_period(
        tab, result.statistic, p=column, alpha=alpha, caption=result.caption, title=title, ax=ax, **kwargs
    )


def save_figure(fig: Any, path: str | Path) -> Path:
    """Save a figure to .png/.svg/.pdf (300 dpi, tight, SVG text as text) and close it."""
    from ._figures import save_figure as _save

    return _save(fig, path, close=True)
