"""Region maps from plain data: boundaries lined up with a table, the China frames and the South
China Sea inset, choropleths and multi-panel choropleths.

Maps of Chinese provinces whose bounds reach the South China Sea (south of about 17°N in
EPSG:4326) show the mainland and put the South China Sea islands in an inset
(:mod:`spatialcoupling._china` holds the frames and the rule; ``inset=False`` draws everything
in one frame). Boundaries without data are drawn white and counted as "no data" in the legend.
Choropleths of the coupling coordination degree use the grade table of
:mod:`spatialcoupling._grades` (``grades=`` for a custom table), any other ``scheme`` is a
mapclassify scheme.
"""

from __future__ import annotations

import string
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import _china
from .._boundaries import align_regions
from .._grades import DEFAULT_GRADES, grade_bins, grade_of, validate_grades
from .._grades import grade_labels as grade_labels_of
from ._base import (
    CJK_FONTS,
    check_language,
    cjk_font,
    font_kwargs,
    has_cjk,
    legend_handles,
    new_ax,
    set_title,
    tr,
    translate_text,
)
from ._base import caption as add_caption
from ._cartography import (
    NO_DATA,
    NO_DATA_HATCH,
    MapFrame,
    draw_map,
    label_regions,
    map_crs,
    place_decorations,
    to_map_crs,
)

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = [
    "CJK_FONTS",
    "GRADE_BINS",
    "GRADE_LABELS",
    "MAINLAND_SOUTH",
    "NO_DATA",
    "NO_DATA_LABEL",
    "SOUTH_CHINA_SEA",
    "align_regions",
    "choropleth",
    "choropleth_panels",
    "cjk_font",
    "draw_regions",
    "has_cjk",
    "map_legend",
    "needs_south_china_sea_inset",
    "region_labels",
]

#: the grade edges and labels of the default table (see ``spatialcoupling._grades``)
GRADE_BINS: tuple[float, ...] = grade_bins(DEFAULT_GRADES)
GRADE_LABELS: tuple[str, ...] = grade_labels_of(DEFAULT_GRADES)
#: legend label of boundaries without data (drawn white, hatched)
NO_DATA_LABEL = {"en": "No data", "zh": "无数据"}
#: South China Sea frame of the inset (lon_min, lon_max, lat_min, lat_max), EPSG:4326
SOUTH_CHINA_SEA = _china.SOUTH_CHINA_SEA
MAINLAND_SOUTH = _china.MAINLAND_SOUTH
#: height / width of a national China frame (Albers, with the inset right of the coast)
CHINA_FRAME_ASPECT = 0.74
#: inches kept right of every map panel for its legend
LEGEND_WIDTH = 2.2
#: panel labels (a), (b), ...
PANEL_LETTERS = string.ascii_lowercase


def needs_south_china_sea_inset(gdf: gpd.GeoDataFrame) -> bool:
    """True for Chinese provincial boundaries that reach south of ~17°N (the South China Sea)."""
    return _china.reaches_south_china_sea(gdf)


def draw_regions(
    gdf: gpd.GeoDataFrame,
    colors: pd.Series,
    ax: Any,
    *,
    inset: bool | None = None,
    edgecolor: str = "#555555",
    context: bool = True,
    crs: Any = None,
    language: str = "en",
) -> MapFrame:
    """Draw polygons coloured by ``colors`` (indexed like ``gdf``; regions without a colour are
    drawn as "no data"), projected (``crs``, see :mod:`spatialcoupling.plotting._cartography`),
    with China's standard map context and the South China Sea inset on national China maps.

    ``inset=None``: the inset on national China maps; True: the same; False: none.
    ``context=False`` leaves out Taiwan and the maritime boundary line. Returns the
    :class:`~spatialcoupling.plotting._cartography.MapFrame` the legend, scale bar and north
    arrow are placed on.
    """
    check_language(language)
    fills = colors.reindex(gdf.index)
    return draw_map(
        gdf,
        fills.to_numpy(dtype=object),
        ax,
        inset=inset,
        context=context,
        crs=crs,
        edgecolor=edgecolor,
        language=language,
    )


def _no_data(
    labels: list[str],
    colors: list[str],
    geo: Any,
    n_with_data: int,
    language: str = "en",
    frame: MapFrame | None = None,
) -> None:
    """Append a "no data" legend entry for the boundaries outside the table (and Taiwan when it is
    drawn as map context without data)."""
    extra = len(geo) - n_with_data + (1 if frame is not None and frame.taiwan_no_data else 0)
    if extra > 0:
        labels.append(f"{tr('No data', language)} ({extra})")
        colors.append(NO_DATA)


def map_legend(
    frame: MapFrame,
    labels: Sequence[str],
    colors: Sequence[str],
    *,
    title: str | None = None,
    legend: bool = True,
    legend_loc: str = "auto",
    north_arrow: bool = True,
    scale_bar: bool = True,
    language: str = "en",
) -> None:
    """The legend of a map's classes (the "no data" entry hatched as drawn), its scale bar and
    north arrow, each placed where it covers no polygon, the inset or each other."""
    hatches = [NO_DATA_HATCH if c == NO_DATA else None for c in colors]
    handles, prop = legend_handles(labels, colors, hatches) if legend else (None, None)
    place_decorations(
        frame,
        handles=handles,
        title=title,
        prop=prop,
        legend_loc=legend_loc,
        north_arrow=north_arrow,
        scale_bar=scale_bar,
        language=language,
    )


def _panel_grid(
    n: int, ncols: int, figsize: tuple[float, float] | None, geo: Any = None, crs: Any = None
) -> tuple[Any, np.ndarray]:
    """A figure of ``n`` panels in ``ncols`` columns; the default size follows the map's aspect."""
    import matplotlib.pyplot as plt

    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    if figsize is None:
        aspect = 0.8
        if geo is not None and _china.is_national_china(geo):
            aspect = CHINA_FRAME_ASPECT
        elif geo is not None:
            shown = to_map_crs(geo, map_crs(geo, crs))
            b = shown.total_bounds
            aspect = min(1.2, max(0.35, (b[3] - b[1]) / max(b[2] - b[0], 1e-12)))
        figsize = ((5.5 + LEGEND_WIDTH) * ncols, (5.5 * aspect + 0.5) * nrows + 0.4)
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False)
    return fig, axes


def _reserve_legend_room(fig: Any, axes: np.ndarray, n: int) -> None:
    """Narrow each map panel to leave ``LEGEND_WIDTH`` inches on its right for a legend that finds
    no free corner (it never reaches the next panel)."""
    width = fig.get_figwidth()
    for ax in axes.ravel()[:n]:
        pos = ax.get_position()
        keep = max(0.3, 1 - LEGEND_WIDTH / (pos.width * width))
        ax.set_position([pos.x0, pos.y0, pos.width * keep, pos.height])


def _layout_panels(
    fig: Any, axes: np.ndarray, titles: Sequence[str], suptitle: str | None, language: str = "en", maps: bool = True
) -> None:
    """Titles, the title over the panels, unused panels blanked, layout fixed before drawing (so
    legends are placed on the final geometry)."""
    for ax, text in zip(axes.ravel(), titles, strict=False):
        set_title(ax, text, language=language)
        ax.set_axis_off()
    for ax in axes.ravel()[len(titles) :]:
        ax.set_axis_off()
    if suptitle:
        text = translate_text(suptitle, language)
        fig.suptitle(text, **font_kwargs([text]))
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    if maps:
        _reserve_legend_room(fig, axes, len(titles))


def _finish_panels(
    fig: Any, axes: np.ndarray, n: int, suptitle: str | None, text: str | None, language: str = "en"
) -> None:
    """Blank the unused panels, add the title and the caption, tighten the layout."""
    for ax in axes.ravel()[n:]:
        ax.set_axis_off()
    if suptitle:
        sup = translate_text(suptitle, language)
        fig.suptitle(sup, **font_kwargs([sup]))
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    if text:
        add_caption(fig, text, language)


def panel_title(i: int, period: Any) -> str:
    """``(a) 2009`` for the first panel, ``(b) …`` for the second."""
    return f"({PANEL_LETTERS[i % len(PANEL_LETTERS)]}) {period}"


def region_labels(regions: Any, geo: Any, labels: Any, id_column: str | None = None) -> list[Any] | None:
    """The label of every row of the drawn layer ``geo`` (indexed by region id): ``labels=True``
    gives the ids, a column name of ``regions`` its values, a mapping or Series id -> label its
    entries (regions without one stay unlabelled); None or False: no labels."""
    if labels is None or labels is False:
        return None
    if labels is True:
        return [str(r) for r in geo.index]
    if isinstance(labels, str):
        if labels not in regions.columns:
            raise ValueError(
                f"labels={labels!r} is not a column of regions; columns: {list(regions.columns)[:10]} "
                "(or labels=True for the ids)"
            )
        source = regions.set_index(id_column)[labels] if id_column else regions[labels]
    elif isinstance(labels, pd.Series | dict):
        source = pd.Series(labels)
    else:
        raise TypeError(f"labels must be True, a column name or a mapping id -> label, got {type(labels).__name__}")
    by_key = {str(k): v for k, v in source.items()}
    return [by_key.get(str(r)) for r in geo.index]


def _legend_mode(legend: bool | str) -> tuple[bool, bool]:
    """(show the legend, keep classes without regions) from ``legend=`` (True, False, "all",
    "present"); True keeps every class (all grades of the grade scale)."""
    if legend not in (True, False, "all", "present"):
        raise ValueError(f"legend must be True, False, 'all' or 'present', got {legend!r}")
    return legend is not False, legend in (True, "all")


# ---------------------------------------------------------------------------
# choropleths
# ---------------------------------------------------------------------------
def _period_values(series: pd.Series, period: Any) -> pd.Series:
    """The values of one period (a region series passes through), as floats."""
    if isinstance(series.index, pd.MultiIndex):
        periods = series.index.get_level_values(1).unique()
        if period is None:
            raise ValueError(f"period= is needed for a region × period series; periods: {list(periods)[:10]}")
        if period not in set(periods):
            raise ValueError(f"period {period!r} is not in the series; periods: {list(periods)[:10]}")
        values = series.xs(period, level=1)
    else:
        values = series
    return pd.to_numeric(values, errors="coerce").astype(float)


class _Classes:
    """Map classes: a class per value, the legend labels and the colours."""

    def __init__(self, cls: np.ndarray, labels: list[str], cmap: str, keep_empty: bool):
        import matplotlib as mpl

        self.cls = cls
        self.labels = labels
        self.keep_empty = keep_empty  # classes without regions stay in the legend
        palette = mpl.colormaps[cmap].resampled(len(labels))
        self.hexes = [mpl.colors.to_hex(palette(i)) for i in range(len(labels))]


def _grade_classes(
    ok: pd.Series, grades: Any, grade_labels: Sequence[str] | None, cmap: str, language: str = "en"
) -> _Classes:
    table = validate_grades(grades)
    edges = grade_bins(table)
    names = list(grade_labels) if grade_labels is not None else list(grade_labels_of(table, language))
    if len(names) != len(table):
        raise ValueError(f"grade_labels has {len(names)} labels for {len(table)} grades")
    bad = ok[(ok < 0) | (ok > edges[-1])]
    if len(bad):
        raise ValueError(f"scheme='grades' needs values in [0, {edges[-1]:g}]; outside at {list(bad.index)[:10]}")
    cls = grade_of(ok.to_numpy(), table)[0] - 1
    labels = [f"{i + 1} {names[i]} ({edges[i]:.1f}, {edges[i + 1]:.1f}]" for i in range(len(table))]
    return _Classes(cls, labels, cmap, keep_empty=False)


def _classifier(values: np.ndarray, scheme: str, k: int) -> Any:
    """A mapclassify classifier of ``values`` (an error naming the scheme when it fails)."""
    import mapclassify

    try:
        return mapclassify.classify(values, scheme=scheme, k=k)
    except (KeyError, ValueError, TypeError) as err:
        raise ValueError(f"unknown or unusable mapclassify scheme {scheme!r}: {err}") from err


def _scheme_classes(cls: np.ndarray, bins: np.ndarray, low: float, cmap: str) -> _Classes:
    """Classes with upper bounds ``bins`` (the lowest class starts at ``low``)."""
    lows = [low, *bins[:-1]]
    labels = [f"({lo:.3g}, {hi:.3g}]" for lo, hi in zip(lows, bins, strict=True)]
    return _Classes(np.asarray(cls), labels, cmap, keep_empty=True)


def _draw_choropleth(
    values: pd.Series,
    ok: pd.Series,
    classes: _Classes,
    geo: Any,
    ax: Any,
    *,
    show_legend: bool,
    opts: dict[str, Any],
    labels: list[Any] | None = None,
) -> MapFrame:
    colors = pd.Series("#cccccc", index=values.index, dtype=object)
    colors[ok.index] = [classes.hexes[c] for c in classes.cls]
    language = opts.get("language", "en")
    frame = draw_regions(
        geo,
        colors,
        ax,
        inset=opts.get("inset"),
        context=opts.get("context", True),
        crs=opts.get("crs"),
        language=language,
    )
    entries: list[str] = []
    cols: list[str] = []
    if show_legend:
        n_classes = len(classes.labels)
        counts = np.bincount(classes.cls, minlength=n_classes)
        keep = [i for i in range(n_classes) if counts[i] or classes.keep_empty]
        entries = [f"{classes.labels[i]} ({counts[i]})" for i in keep]
        cols = [classes.hexes[i] for i in keep]
        _no_data(entries, cols, geo, len(values), language, frame)
    map_legend(
        frame,
        entries,
        cols,
        legend=show_legend,
        legend_loc=opts.get("legend_loc", "auto"),
        north_arrow=opts.get("north_arrow", True),
        scale_bar=opts.get("scale_bar", True),
        language=language,
    )
    if labels is not None:
        label_regions(frame, labels)
    return frame


def _warn_missing(values: pd.Series) -> pd.Series:
    missing = values.index[values.isna()]
    if len(missing):
        warnings.warn(f"no value for {list(missing)[:10]}; drawn in grey", UserWarning, stacklevel=3)
    return values.dropna()


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
    legend: bool | str = True,
    figsize: tuple[float, float] = (7, 5.5),
    id_column: str | None = None,
    grade_labels: Sequence[str] | None = None,
    grades: Sequence[tuple[float, str]] | pd.DataFrame | None = None,
    context: bool = True,
    crs: Any = None,
    legend_loc: str = "auto",
    north_arrow: bool = True,
    scale_bar: bool = True,
    language: str = "en",
    labels: bool | str | Mapping[Any, str] | None = None,
) -> Any:
    """Choropleth of a region series (or one period of a region × period series).

    Parameters
    ----------
    series : Series
        Values by region, or by (region, period) with ``period=``.
    regions : GeoDataFrame
        Boundaries (indexed by the ids or with a column holding them, see ``id_column``);
        boundaries without a value are drawn as "no data".
    period : optional
        The period to draw from a region × period series.
    scheme : str
        ``"grades"`` uses the grades of the coupling coordination degree: ``grades=`` (the
        table a ``CouplingCoordination`` was given, e.g. ``ccd.grades``) or the default ten
        0.1-wide intervals, left-open and right-closed, 0 in grade 1 (``grade_labels=``
        relabels them); any other value is a mapclassify scheme name (``"quantiles"``,
        ``"natural_breaks"``, ``"equal_interval"``, ``"fisher_jenks"``...) with ``k`` classes.
    cmap, ax, title, inset, figsize, id_column
        Colour map, axes to draw on, title, South China Sea inset (None: on national China
        maps), figure size, id column of ``regions``.
    legend : bool or {"all", "present"}
        The legend with the number of regions per class: True or ``"all"`` lists every class
        (all ten grades of the grade scale, with 0 for those no region reaches), ``"present"``
        only the classes some region is in, False none. Colours are fixed per class either way.
    labels : True, str or mapping, optional
        Region labels in a small font: True the ids, a column name of ``regions``, or a mapping
        id -> short name. Labels that would overlap another label, the legend, the inset, the
        scale bar or the north arrow are left out.
    context : bool
        China's standard map context on national China maps: Taiwan (as "no data" when the
        data lacks it) and the maritime boundary line. False leaves them out.
    crs : optional
        Projection: None chooses one (China: Albers 25°N/47°N, 105°E; US: EPSG:5070; other
        layers: an equal-area projection from their bounds; see
        :mod:`spatialcoupling.plotting._cartography`), ``"data"`` draws the coordinates as they
        are, anything else is a CRS for ``pyproj`` (``"EPSG:3857"``).
    legend_loc : str
        ``"auto"`` (a corner that covers no region, else outside right), ``"outside"``, or a
        matplotlib location (``"lower left"``...).
    north_arrow, scale_bar : bool
        A north arrow and a scale bar in km (matplotlib-scalebar, true at the standard
        parallels of the projection).
    language : {"en", "zh"}
        Language of the legend, title, inset label and "no data" entry.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> states = sc.datasets.load("us_states")
    >>> income = sc.datasets.load("us_income")
    >>> fig = choropleth(income, states, period=2009, scheme="quantiles", k=4)
    >>> [t.get_text().rsplit(" ", 1)[1] for t in fig.axes[0].get_legend().get_texts()]
    ['(12)', '(12)', '(12)', '(12)']
    """
    check_language(language)
    values = _period_values(series, period)
    geo = align_regions(regions, list(values.index), id_column=id_column, keep_others=True)
    ok = _warn_missing(values)
    if scheme == "grades":
        classes = _grade_classes(ok, grades, grade_labels, cmap, language)
    else:
        classifier = _classifier(ok.to_numpy(), scheme, k)
        classes = _scheme_classes(classifier.yb, np.asarray(classifier.bins), ok.min(), cmap)
    fig, ax = new_ax(ax, figsize)
    name = series.name or tr("value", language)
    set_title(ax, title if title is not None else f"{name}{'' if period is None else f', {period}'}", language=language)
    opts = {
        "inset": inset,
        "context": context,
        "crs": crs,
        "legend_loc": legend_loc,
        "north_arrow": north_arrow,
        "scale_bar": scale_bar,
        "language": language,
    }
    show, classes.keep_empty = _legend_mode(legend)
    texts = region_labels(regions, geo, labels, id_column)
    _draw_choropleth(values, ok, classes, geo, ax, show_legend=show, opts=opts, labels=texts)
    return fig


def choropleth_panels(
    series: pd.Series,
    regions: Any,
    periods: Sequence,
    *,
    scheme: str = "grades",
    k: int = 5,
    cmap: str = "RdYlGn",
    ncols: int = 2,
    figsize: tuple[float, float] | None = None,
    inset: bool | None = None,
    legend: bool | str = True,
    suptitle: str | None = None,
    caption: str | None = None,
    id_column: str | None = None,
    grade_labels: Sequence[str] | None = None,
    grades: Sequence[tuple[float, str]] | pd.DataFrame | None = None,
    context: bool = True,
    crs: Any = None,
    legend_loc: str = "auto",
    north_arrow: bool = True,
    scale_bar: bool = True,
    language: str = "en",
    labels: bool | str | Mapping[Any, str] | None = None,
) -> Any:
    """Choropleths of several periods of a region × period series, titled (a), (b), (c), ...

    The layout of the published studies: four periods as a 2×2 figure. Every panel uses the
    same classes, so colours compare across panels: the grades (``scheme="grades"``), or the
    bounds of a mapclassify ``scheme`` computed once on the values of all the drawn periods.
    Each legend counts the regions of its own period.

    Parameters
    ----------
    series : Series
        Values indexed by (region, period).
    regions : GeoDataFrame
        Boundaries; those without a value are drawn as "no data".
    periods : sequence
        The periods to draw, in panel order.
    scheme, k, cmap, grades, grade_labels, inset, legend, id_column, context, crs, legend_loc, labels
        As in :func:`choropleth` (every panel's legend lists the same classes with ``legend="all"``,
        the default, so the ten grades and their colours read the same in every panel).
    north_arrow, scale_bar : bool
        On every panel (as in :func:`choropleth`).
    language : {"en", "zh"}
        Language of legends, titles, the inset label and the caption.
    ncols : int
        Panels per row.
    figsize : (float, float), optional
        Default: from the number of panels and the aspect of the map.
    suptitle, caption : str, optional
        A title over the panels and a line of text at the bottom (e.g. the data source).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        ``series`` without a period level, or a period that is not in it (named).

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> states = sc.datasets.load("us_states")
    >>> income = sc.datasets.load("us_income")
    >>> fig = choropleth_panels(income, states, [1929, 1969, 1989, 2009], scheme="quantiles")
    >>> [ax.get_title() for ax in fig.axes if ax.get_title()]
    ['(a) 1929', '(b) 1969', '(c) 1989', '(d) 2009']
    """
    if not isinstance(series.index, pd.MultiIndex):
        raise ValueError(
            "choropleth_panels needs a region × period series (a two-level index); for one period use choropleth"
        )
    periods = list(periods)
    if not periods:
        raise ValueError("periods is empty: name the periods to draw, e.g. [2009, 2014, 2019, 2024]")
    values = [_period_values(series, p) for p in periods]
    ids = list(dict.fromkeys(r for v in values for r in v.index))
    geo_all = align_regions(regions, ids, id_column=id_column, keep_others=True)
    if scheme != "grades":
        pooled = pd.concat(values).dropna().to_numpy()
        bins = np.asarray(_classifier(pooled, scheme, k).bins, dtype=float)
        low = float(pooled.min())
    check_language(language)
    fig, axes = _panel_grid(len(periods), ncols, figsize, geo_all.iloc[: len(ids)], crs)
    _layout_panels(fig, axes, [panel_title(i, p) for i, p in enumerate(periods)], suptitle, language)
    opts = {
        "inset": inset,
        "context": context,
        "crs": crs,
        "legend_loc": legend_loc,
        "north_arrow": north_arrow,
        "scale_bar": scale_bar,
        "language": language,
    }
    show, keep_empty = _legend_mode(legend)
    for ax, vals in zip(axes.ravel(), values, strict=False):
        geo = align_regions(geo_all, list(vals.index), keep_others=True)
        ok = _warn_missing(vals)
        if scheme == "grades":
            classes = _grade_classes(ok, grades, grade_labels, cmap, language)
        else:
            # (lower, upper] classes as mapclassify's; the pooled maximum is the last bound
            classes = _scheme_classes(np.searchsorted(bins, ok.to_numpy(), side="left"), bins, low, cmap)
        classes.keep_empty = keep_empty
        texts = region_labels(regions, geo, labels, id_column)
        _draw_choropleth(vals, ok, classes, geo, ax, show_legend=show, opts=opts, labels=texts)
    if caption:
        add_caption(fig, caption, language)
    return fig
