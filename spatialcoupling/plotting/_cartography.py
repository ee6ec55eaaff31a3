"""Cartography shared by every map: projection, fast polygon drawing, China's standard map context,
the South China Sea inset, north arrow, scale bar and the placement of legends in free corners.

Projection (``crs=``)
    ``None`` (default) chooses one from the layer's bounds: China → Albers equal-area, standard
    parallels 25°N/47°N, central meridian 105°E (:data:`spatialcoupling._china.ALBERS_CHINA`);
    the contiguous United States → EPSG:5070 (NAD83 / Conus Albers); a layer already in a
    projected CRS → that CRS; any other longitude/latitude layer → an Albers equal-area conic with
    standard parallels at 1/6 and 5/6 of its latitude range (a Lambert azimuthal equal-area
    centred on the layer near the equator or for layers taller than 60°). ``crs="data"`` draws
    the coordinates as they are (0.1's behaviour); anything else is given to ``pyproj.CRS``
    (``"EPSG:3857"``, a proj string, a ``CRS``). The inset is drawn in the same projection.

Drawing
    All polygons of a map are one ``PathCollection`` with one compound path per colour: the
    exterior and interior rings of every polygon part, taken out with ``shapely.get_rings`` /
    ``shapely.get_coordinates`` (no Python loop over regions), exteriors oriented
    counter-clockwise and holes clockwise so the non-zero fill rule leaves the holes empty.

China's standard map
    On a national map of China (:func:`spatialcoupling._china.is_national_china`) Taiwan is
    drawn from :func:`spatialcoupling.datasets.geo.china_map_context` as "no data" when no region
    of the layer covers it, the maritime boundary line is drawn, and the South China Sea inset
    sits in the bottom right corner. ``context=False`` leaves Taiwan and the line out. The context
    is drawn only: it never enters weights, statistics or legends' class counts (Taiwan is counted
    in the "No data" entry, the way it is drawn).

Placement
    Legend, scale bar and north arrow go to the first corner of the axes (lower left, upper left,
    lower right, upper right) where they cover no polygon and no other element (the inset
    included); a legend that finds no free corner goes outside, right of the map.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _china
from ._base import font_kwargs, tr

__all__ = [
    "CONTEXT_EDGE",
    "MARITIME_COLOR",
    "NO_DATA",
    "NO_DATA_HATCH",
    "MapFrame",
    "class_paths",
    "draw_map",
    "label_regions",
    "map_crs",
    "place_decorations",
]

#: fill and hatch of boundaries without data (and of Taiwan when the data lacks it)
NO_DATA = "#ffffff"
NO_DATA_HATCH = "////"
CONTEXT_EDGE = "#8c8c8c"
MARITIME_COLOR = "#4d4d4d"
CORNERS = ("lower left", "upper left", "lower right", "upper right")
_US_BOX = (-130.0, 20.0, -60.0, 52.0)


# ---------------------------------------------------------------------------
# projection
# ---------------------------------------------------------------------------
def _equal_area_for(b: tuple[float, float, float, float]) -> str:
    x0, y0, x1, y1 = b
    lon0, lat0 = (x0 + x1) / 2, (y0 + y1) / 2
    span = y1 - y0
    if abs(lat0) < 15 or span > 60 or y0 * y1 < 0:
        return f"+proj=laea +lat_0={lat0:.4f} +lon_0={lon0:.4f} +datum=WGS84 +units=m +no_defs"
    lat1, lat2 = y0 + span / 6, y1 - span / 6
    return (
        f"+proj=aea +lat_0={lat0:.4f} +lat_1={lat1:.4f} +lat_2={lat2:.4f} +lon_0={lon0:.4f} "
        "+datum=WGS84 +units=m +no_defs"
    )


def map_crs(layer: Any, crs: Any = None) -> Any:
    """The CRS a layer is drawn in (a ``pyproj.CRS``; None: the coordinates as they are).

    See the module docstring for the rule; ``crs="data"`` keeps the layer's coordinates.
    """
    from pyproj import CRS

    if isinstance(crs, str) and crs == "data":
        return None
    if crs is not None:
        try:
            return CRS.from_user_input(crs)
        except Exception as err:  # pyproj raises its own CRSError
            raise ValueError(f"crs={crs!r} is not a CRS pyproj understands (e.g. 'EPSG:3857'), nor 'data'") from err
    b = _china.lonlat_bounds(layer)
    if b is None:
        return None
    if _china.is_china_layer(layer):
        return CRS.from_proj4(_china.ALBERS_CHINA)
    ux0, uy0, ux1, uy1 = _US_BOX
    if ux0 <= b[0] and b[2] <= ux1 and uy0 <= b[1] and b[3] <= uy1:
        return CRS.from_epsg(5070)
    geo_crs = layer.crs if hasattr(layer, "crs") else None
    if geo_crs is not None and not geo_crs.is_geographic:
        return geo_crs
    return CRS.from_proj4(_equal_area_for(b))


def to_map_crs(layer: Any, crs: Any) -> Any:
    """``layer`` in ``crs`` (a layer without a CRS in longitude/latitude is taken as EPSG:4326)."""
    if crs is None:
        return layer
    if layer.crs is None:
        layer = layer.set_crs(4326)
    return layer.to_crs(crs)


@functools.lru_cache(maxsize=8)
def _lonlat_transformers(wkt: str) -> tuple[Any, Any]:
    """Transformers from a CRS (given as WKT) to longitude/latitude and back (building one takes
    about 10 ms, and a map asks for north at up to four corners)."""
    from pyproj import CRS, Transformer

    crs = CRS.from_wkt(wkt)
    return Transformer.from_crs(crs, 4326, always_xy=True), Transformer.from_crs(4326, crs, always_xy=True)


def _project_lonlat(lon: np.ndarray, lat: np.ndarray, crs: Any, data_crs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Longitude/latitude points in the map's coordinates."""
    target = crs if crs is not None else data_crs
    if target is None or (target.is_geographic and target.to_epsg() == 4326):
        return np.asarray(lon, float), np.asarray(lat, float)
    x, y = _lonlat_transformers(target.to_wkt())[1].transform(lon, lat)
    return np.asarray(x), np.asarray(y)


def _box_bounds(lon0: float, lon1: float, lat0: float, lat1: float, crs: Any, data_crs: Any) -> tuple:
    """(xmin, xmax, ymin, ymax) of a densified lon/lat box in the map's coordinates."""
    t = np.linspace(0, 1, 41)
    lon = np.concatenate([lon0 + (lon1 - lon0) * t, np.full(41, lon1), lon1 - (lon1 - lon0) * t, np.full(41, lon0)])
    lat = np.concatenate([np.full(41, lat0), lat0 + (lat1 - lat0) * t, np.full(41, lat1), lat1 - (lat1 - lat0) * t])
    x, y = _project_lonlat(lon, lat, crs, data_crs)
    return float(x.min()), float(x.max()), float(y.min()), float(y.max())


# ---------------------------------------------------------------------------
# polygons as one collection
# ---------------------------------------------------------------------------
def class_paths(geoms: Any, classes: np.ndarray, n_classes: int) -> list[Any]:
    """One compound ``matplotlib.path.Path`` per class from the polygons ``geoms``.

    Parameters
    ----------
    geoms : array of shapely geometries (Polygon / MultiPolygon; others are skipped)
    classes : int array
        Class of each geometry, ``0 <= class < n_classes``.
    n_classes : int

    Returns
    -------
    list of Path
        Path ``i`` holds every ring of the polygons of class ``i`` (an empty path when none).
    """
    import shapely
    from matplotlib.path import Path

    geoms = np.asarray(geoms, dtype=object)
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    polygon = shapely.get_type_id(parts) == 3
    parts, part_of = parts[polygon], part_of[polygon]
    parts = shapely.orient_polygons(parts, exterior_cw=False)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, vertex_of = shapely.get_coordinates(rings, return_index=True)
    if len(coords) == 0:
        return [Path(np.empty((0, 2))) for _ in range(n_classes)]
    codes = np.full(len(coords), Path.LINETO, dtype=Path.code_type)
    starts = np.r_[True, vertex_of[1:] != vertex_of[:-1]]
    ends = np.r_[vertex_of[1:] != vertex_of[:-1], True] & ~starts
    codes[starts] = Path.MOVETO
    # rings are closed by their repeated first vertex: a LINETO there (not CLOSEPOLY) keeps the
    # path simplifiable by matplotlib's renderer, which skips paths with CLOSEPOLY codes
    codes[ends] = Path.LINETO
    vertex_class = np.asarray(classes)[part_of[ring_of[vertex_of]]]
    order = np.argsort(vertex_class, kind="stable")
    bounds = np.searchsorted(vertex_class[order], np.arange(n_classes + 1))
    out = []
    for i in range(n_classes):
        take = order[bounds[i] : bounds[i + 1]]
        out.append(Path(coords[take], codes[take]))
    return out


def _collection(
    paths: list[Any],
    facecolors: list[str],
    edgecolor: str,
    linewidth: float,
    hatch: str | None = None,
    zorder: float = 1,
) -> Any:
    from matplotlib.collections import PathCollection

    coll = PathCollection(paths, facecolors=facecolors, edgecolors=edgecolor, linewidths=linewidth, zorder=zorder)
    if hatch:
        coll.set_hatch(hatch)
    return coll


def _line_collection(geoms: Any, color: str, linewidth: float) -> Any:
    import shapely
    from matplotlib.collections import LineCollection

    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    coords, of = shapely.get_coordinates(parts, return_index=True)
    cuts = np.flatnonzero(np.diff(of)) + 1
    segments = np.split(coords, cuts)
    return LineCollection(segments, colors=color, linewidths=linewidth, zorder=3)


# ---------------------------------------------------------------------------
# a map
# ---------------------------------------------------------------------------
#: layers with more vertices are simplified for display (county scale; provinces stay exact)
SIMPLIFY_FROM = 50_000


def _display_simplified(layer: Any, ax: Any) -> Any:
    """``layer`` simplified to half a pixel of a 300 dpi rendering of ``ax`` when it has more than
    :data:`SIMPLIFY_FROM` vertices (each shape on its own: gaps between neighbours stay below
    half a pixel, under the boundary lines; Douglas–Peucker without the slow topology check: a
    drawing does not need valid polygons)."""
    import shapely

    from .._figures import FIGURE_DPI

    geoms = layer.geometry.to_numpy()
    if int(shapely.get_num_coordinates(geoms).sum()) <= SIMPLIFY_FROM:
        return layer
    x0, _, x1, _ = shapely.total_bounds(geoms)
    width_px = max(ax.get_position().width * ax.figure.get_figwidth() * FIGURE_DPI, 100.0)
    out = layer.copy()
    out.geometry = shapely.simplify(geoms, 0.5 * (x1 - x0) / width_px, preserve_topology=False)
    return out


@dataclass
class MapFrame:
    """What a drawn map knows: its axes, the inset, the CRS, a spatial index of the drawn shapes."""

    ax: Any
    crs: Any
    data_crs: Any
    tree: Any
    inset: Any = None
    taiwan_no_data: bool = False
    taken: list[Any] = field(default_factory=list)
    shapes: Any = None  #: the layer's shapes as drawn (map coordinates), one per row of the layer

    @property
    def shown_crs(self) -> Any:
        """The CRS of the map's coordinates (None: longitude/latitude taken as they are)."""
        return self.crs if self.crs is not None else self.data_crs

    def to_map(self, layer: Any) -> Any:
        """A GeoDataFrame or GeoSeries drawn on top of the map, in the map's coordinates."""
        target = self.shown_crs
        if target is None:
            return layer
        if layer.crs is None:
            layer = layer.set_crs(4326)
        return layer.to_crs(target)

    def avoid(self, geoms: Any) -> None:
        """Add shapes drawn on top of the map (ellipses, paths) to those legends must not cover."""
        import shapely

        extra = np.asarray(geoms, dtype=object)
        self.tree = shapely.STRtree(np.concatenate([np.asarray(self.tree.geometries, dtype=object), extra]))


def _china_context_in(crs: Any) -> tuple[Any, np.ndarray]:
    """Taiwan (a GeoDataFrame) and the maritime boundary lines (geometries) in ``crs``."""
    key = None if crs is None else crs.to_wkt()
    taiwan, maritime = _china_context_cached(key)
    return taiwan.copy(), maritime.copy()


@functools.lru_cache(maxsize=4)
def _china_context_cached(wkt: str | None) -> tuple[Any, np.ndarray]:
    """:func:`_china_context_in` by the CRS's WKT (projecting the two small layers costs a
    transformer each, about 17 ms, on every national map)."""
    from pyproj import CRS

    from ..datasets.geo import china_map_context

    ctx = china_map_context()
    crs = None if wkt is None else CRS.from_wkt(wkt)
    return to_map_crs(ctx["taiwan"], crs), to_map_crs(ctx["maritime"], crs).geometry.to_numpy()


def _covers_taiwan(projected: Any, taiwan: Any) -> bool:
    point = taiwan.geometry.iloc[0].representative_point()
    return len(projected.sindex.query(point, predicate="intersects")) > 0


def draw_map(
    layer: Any,
    colors: Any,
    ax: Any,
    *,
    inset: bool | None = None,
    context: bool = True,
    crs: Any = None,
    edgecolor: str = "#555555",
    linewidth: float = 0.3,
    language: str = "en",
) -> MapFrame:
    """Draw ``layer`` coloured by ``colors`` (hex strings aligned with it; NaN/None: no data).

    Parameters
    ----------
    layer : GeoDataFrame
    colors : Series or array
        Fill per row of ``layer``; missing values are drawn white with a hatch ("no data").
    ax : matplotlib Axes
    inset : bool, optional
        South China Sea inset (None: on national China maps; False: never).
    context : bool
        Taiwan and the maritime boundary line on national China maps.
    crs : optional
        Projection (see the module docstring).
    edgecolor, linewidth
        Boundary lines.
    language : {"en", "zh"}
        Language of the inset's title.

    Returns
    -------
    MapFrame
    """
    import shapely

    target = map_crs(layer, crs)
    data_crs = layer.crs
    projected = to_map_crs(_display_simplified(layer, ax), target)
    national = _china.is_national_china(layer)
    import pandas as pd

    codes, uniques = pd.factorize(pd.Series(np.asarray(colors, dtype=object)), sort=False)
    palette = [str(c) for c in uniques]
    classes = np.where(codes < 0, len(palette), codes)  # missing colours: the "no data" class
    geoms = projected.geometry.to_numpy()
    extra_geoms, maritime = [], None
    taiwan_no_data = False
    if national and context:
        taiwan, maritime = _china_context_in(target if target is not None else data_crs)
        if not _covers_taiwan(projected, taiwan):
            extra_geoms = list(taiwan.geometry.to_numpy())
            taiwan_no_data = True
    all_geoms = np.concatenate([geoms, np.asarray(extra_geoms, dtype=object)]) if extra_geoms else geoms
    all_classes = np.concatenate([classes, np.full(len(extra_geoms), len(palette))]) if extra_geoms else classes
    paths = class_paths(all_geoms, all_classes, len(palette) + 1)

    def add(axes: Any, lw: float, paths: list[Any] = paths) -> None:
        axes.add_collection(_collection(paths[:-1], palette, edgecolor, lw), autolim=False)
        if len(paths[-1].vertices):
            axes.add_collection(
                _collection([paths[-1]], [NO_DATA], CONTEXT_EDGE, lw, hatch=NO_DATA_HATCH),
                autolim=False,
            )
        if maritime is not None:
            axes.add_collection(_line_collection(maritime, MARITIME_COLOR, 2.2 * lw))

    def paths_near(box: Any) -> list[Any]:
        """Class paths of the shapes that reach ``box`` only (what a small inset shows)."""
        near = shapely.intersects(all_geoms, box)
        return class_paths(all_geoms[near], all_classes[near], len(palette) + 1)

    add(ax, linewidth)
    x0, y0, x1, y1 = shapely.total_bounds(all_geoms)
    use_inset = national and (inset is None or inset) if inset is not False else False
    frame = MapFrame(
        ax=ax,
        crs=target,
        data_crs=data_crs,
        tree=shapely.STRtree(np.concatenate([all_geoms, maritime]) if maritime is not None else all_geoms),
        taiwan_no_data=taiwan_no_data,
        shapes=geoms,
    )
    pad_x, pad_y = 0.02 * (x1 - x0), 0.02 * (y1 - y0)
    if not use_inset:
        ax.set_xlim(x0 - pad_x, x1 + pad_x)
        ax.set_ylim(y0 - pad_y, y1 + pad_y)
    else:
        frame.inset = _add_inset(
            ax, all_geoms, maritime, add, paths_near, (x0, y0, x1, y1), target, data_crs, linewidth, language
        )
    ax.set_aspect("equal")
    ax.set_axis_off()
    return frame


def _add_inset(
    ax: Any,
    geoms: Any,
    maritime: Any,
    add: Any,
    paths_near: Any,
    bounds: tuple,
    target: Any,
    data_crs: Any,
    linewidth: float,
    language: str,
) -> Any:
    """The South China Sea inset in the bottom right corner, right of every shape in its band.

    The main frame is cropped at the mainland's southern edge (about 17.5°N); the inset's
    height is 30% of the frame's, and the frame is widened to the right when the coast (Fujian,
    Taiwan) reaches into the inset's band.
    """
    import shapely

    x0, y0, x1, y1 = bounds
    lon_c = (_china.MAINLAND[0] + _china.MAINLAND[1]) / 2
    _, _, ys, _ = _box_bounds(lon_c, lon_c, _china.MAINLAND_SOUTH + 0.5, _china.MAINLAND_SOUTH + 0.5, target, data_crs)
    y0 = max(y0, ys)
    shapes = np.concatenate([geoms, maritime]) if maritime is not None else geoms
    main = shapely.clip_by_rect(shapes, x0, y0, x1, y1)
    main = main[~shapely.is_empty(main)]
    x0, _, x1, _ = shapely.total_bounds(main)
    pad = 0.02 * (y1 - y0)
    sx0, sx1, sy0, sy1 = _box_bounds(*_china.SOUTH_CHINA_SEA, target, data_crs)
    height = 0.30 * (y1 - y0 + 2 * pad)
    width = height * (sx1 - sx0) / (sy1 - sy0)
    band = shapely.clip_by_rect(main, x0 - 1e12, y0, x1 + 1e12, y0 + height)
    band = band[~shapely.is_empty(band)]
    right = shapely.total_bounds(band)[2] if len(band) else x0
    left = max(right + pad, x1 + pad - width)
    ax.set_xlim(x0 - pad, max(x1 + pad, left + width))
    ax.set_ylim(y0, y1 + pad)
    sub = ax.inset_axes([left, y0, width, height], transform=ax.transData)
    add(sub, 0.6 * linewidth, paths_near(shapely.box(sx0, sy0, sx1, sy1)))
    sub.set_xlim(sx0, sx1)
    sub.set_ylim(sy0, sy1)
    sub.set_aspect("equal")
    sub.set_xticks([])
    sub.set_yticks([])
    for spine in sub.spines.values():
        spine.set_edgecolor("#333333")
        spine.set_linewidth(0.6)
    label = tr("South China Sea", language)
    sub.set_title(label, fontsize=6, pad=2, **font_kwargs([label]))
    return sub


# ---------------------------------------------------------------------------
# decorations: legend, scale bar, north arrow in free corners
# ---------------------------------------------------------------------------
def _renderer(fig: Any) -> Any:
    return fig.canvas.get_renderer()


def _covers_data(frame: MapFrame, bbox: Any) -> bool:
    from shapely.geometry import box

    inv = frame.ax.transData.inverted()
    (x0, y0), (x1, y1) = inv.transform([[bbox.x0, bbox.y0], [bbox.x1, bbox.y1]])
    return len(frame.tree.query(box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), predicate="intersects")) > 0


def _inside_axes(frame: MapFrame, bbox: Any) -> bool:
    a = frame.ax.get_window_extent(_renderer(frame.ax.figure))
    return bool(bbox.x0 >= a.x0 - 1 and bbox.x1 <= a.x1 + 1 and bbox.y0 >= a.y0 - 1 and bbox.y1 <= a.y1 + 1)


def _free(frame: MapFrame, bbox: Any) -> bool:
    if any(bbox.overlaps(t) for t in frame.taken):
        return False
    return _inside_axes(frame, bbox) and not _covers_data(frame, bbox)


def _prepare(frame: MapFrame) -> None:
    frame.ax.apply_aspect()
    if frame.inset is not None:
        frame.inset.apply_aspect()
        if not frame.taken:
            frame.taken.append(frame.inset.get_tightbbox(_renderer(frame.ax.figure)))


def _place(frame: MapFrame, artist: Any, set_loc: Any, corners: tuple[str, ...]) -> str | None:
    """Try ``corners`` in turn; keep the first where ``artist`` is free. None when none is."""
    renderer = _renderer(frame.ax.figure)
    for corner in corners:
        set_loc(corner)
        bbox = artist.get_window_extent(renderer)
        if _free(frame, bbox):
            frame.taken.append(bbox)
            return corner
    return None


def place_legend(
    frame: MapFrame, handles: list[Any], title: str | None, prop: dict[str, Any], loc: str = "auto"
) -> Any:
    """A legend of ``handles`` in a free corner of the map (or ``loc``), else right of the map."""
    ax = frame.ax
    _prepare(frame)
    title_font = font_kwargs([title]) if title else {}
    title_prop = {"size": 7, "family": title_font["fontfamily"]} if title_font else {"size": 7}
    common = {"handles": handles, "title": title, "title_fontproperties": title_prop, "frameon": False, "prop": prop}
    if loc not in ("auto", "outside"):
        leg = ax.legend(loc=loc, **common)
        frame.taken.append(leg.get_window_extent(_renderer(ax.figure)))
        return leg
    leg = ax.legend(loc="lower left", **common)
    if loc == "auto":

        def set_loc(corner: str) -> None:
            leg.set_loc(corner)

        if _place(frame, leg, set_loc, CORNERS) is not None:
            return leg
    leg.remove()
    leg = ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), **common)
    frame.taken.append(leg.get_window_extent(_renderer(ax.figure)))
    return leg


def _metres_per_unit(frame: MapFrame) -> float:
    crs = frame.crs if frame.crs is not None else frame.data_crs
    if crs is None or crs.is_geographic:
        ylim = frame.ax.get_ylim()
        return 111_320.0 * float(np.cos(np.radians(np.clip(np.mean(ylim), -89, 89))))
    return float(crs.axis_info[0].unit_conversion_factor) if crs.axis_info else 1.0


def _scale_bar_class() -> Any:
    from matplotlib_scalebar.scalebar import ScaleBar

    class MeasuredScaleBar(ScaleBar):
        """matplotlib-scalebar's bar with a window extent (layout and tight cropping see it)."""

        def get_window_extent(self, renderer: Any = None) -> Any:
            from matplotlib.transforms import Bbox

            renderer = renderer if renderer is not None else self.get_figure().canvas.get_renderer()
            self.draw(renderer)
            info = getattr(self, "_info", None)
            return info.window_extent if info is not None else Bbox.null()

    return MeasuredScaleBar


def nice_length_km(km: float) -> float:
    """The largest 1, 2 or 5 × 10^k km not above ``km`` (a scale bar's length)."""
    if km <= 0 or not np.isfinite(km):
        return 1.0
    base = 10.0 ** np.floor(np.log10(km))
    return float(max(m * base for m in (1, 2, 5) if m * base <= km))


def add_scale_bar(frame: MapFrame, language: str = "en") -> Any:
    """A scale bar in km (matplotlib-scalebar), true along the projection's standard parallels, in a
    free corner (else below the map)."""
    _prepare(frame)
    per_unit = _metres_per_unit(frame)
    bar = _scale_bar_class()(
        per_unit,
        units="m",
        fixed_value=nice_length_km(0.2 * abs(np.diff(frame.ax.get_xlim())[0]) * per_unit / 1000),
        fixed_units="km",
        scale_formatter=lambda value, unit: f"{value:g} {unit}",
        location="lower left",
        width_fraction=0.008,
        box_alpha=0,
        frameon=False,
        font_properties={"size": 6},
        scale_loc="top",
        border_pad=0.6,
    )
    frame.ax.add_artist(bar)
    corners = ("lower left", "lower right", "upper left", "upper right")

    def set_loc(corner: str) -> None:
        bar.location = corner

    if _place(frame, bar, set_loc, corners) is None:
        bar.location = "upper left"  # below the map, outside its frame
        bar.set_bbox_to_anchor((0.0, 0.0))
        bar.set_bbox_transform(frame.ax.transAxes)
        frame.taken.append(bar.get_window_extent(_renderer(frame.ax.figure)))
    return bar


def _north_angle(frame: MapFrame, x: float, y: float) -> float:
    """Direction of north (radians from the +x axis) at map point (x, y)."""
    crs = frame.crs if frame.crs is not None else frame.data_crs
    if crs is None or crs.is_geographic:
        return np.pi / 2
    back, fwd = _lonlat_transformers(crs.to_wkt())
    lon, lat = back.transform(x, y)
    x2, y2 = fwd.transform(lon, min(lat + 0.5, 89.9))
    return float(np.arctan2(y2 - y, x2 - x))


def add_north_arrow(frame: MapFrame) -> Any:
    """A north arrow pointing to true north at its place, in a free corner."""
    ax = frame.ax
    _prepare(frame)
    renderer = _renderer(ax.figure)
    size = 0.07

    def draw(cx: float, cy: float) -> Any:
        data = ax.transAxes + ax.transData.inverted()
        x, y = data.transform((cx, cy))
        angle = _north_angle(frame, x, y)
        dx, dy = np.cos(angle), np.sin(angle)
        tail = (cx - 0.5 * size * dx, cy - 0.5 * size * dy)
        head = (cx + 0.5 * size * dx, cy + 0.5 * size * dy)
        return ax.annotate(
            "N",
            xy=head,
            xytext=tail,
            xycoords="axes fraction",
            textcoords="axes fraction",
            ha="center",
            va="top",
            fontsize=7,
            arrowprops={"arrowstyle": "-|>", "color": "#222222", "lw": 1.0, "shrinkA": 0, "shrinkB": 0},
        )

    spots = {
        "upper right": (0.95, 0.9),
        "upper left": (0.05, 0.9),
        "lower left": (0.05, 0.1),
        "lower right": (0.95, 0.1),
    }
    for corner, (cx, cy) in spots.items():
        arrow = draw(cx, cy)
        bbox = arrow.get_window_extent(renderer).union(
            [arrow.get_window_extent(renderer), arrow.arrow_patch.get_window_extent(renderer)]
        )
        if _free(frame, bbox):
            frame.taken.append(bbox)
            return arrow
        arrow.remove()
        del corner
    arrow = draw(1.03, 0.9)
    arrow.set_annotation_clip(False)
    frame.taken.append(arrow.get_window_extent(renderer))
    return arrow


def place_decorations(
    frame: MapFrame,
    *,
    handles: list[Any] | None,
    title: str | None = None,
    prop: dict[str, Any] | None = None,
    legend_loc: str = "auto",
    north_arrow: bool = True,
    scale_bar: bool = True,
    language: str = "en",
) -> None:
    """Legend (when ``handles``), scale bar and north arrow, each in a free place."""
    if handles:
        place_legend(frame, handles, title, prop or {"size": 7}, legend_loc)
    if scale_bar:
        add_scale_bar(frame, language)
    if north_arrow:
        add_north_arrow(frame)


# ---------------------------------------------------------------------------
# region labels
# ---------------------------------------------------------------------------
def label_regions(frame: MapFrame, labels: Any, fontsize: float = 5.0) -> list[Any]:
    """Short region names at a point inside each region, largest regions first; a label that would
    overlap an earlier label, the legend, the inset, the scale bar or the north arrow, or leave the
    map's axes, is left out (so small, crowded regions may go unlabelled).

    Parameters
    ----------
    frame : MapFrame
        The drawn map (its ``shapes`` are the layer's rows).
    labels : sequence
        One label per row of the layer; None or "" leaves a region unlabelled.
    fontsize : float

    Returns
    -------
    list of matplotlib Text
        The labels drawn.
    """
    import shapely

    texts = np.asarray([("" if t is None or (isinstance(t, float) and np.isnan(t)) else str(t)) for t in labels])
    if frame.shapes is None or len(texts) != len(frame.shapes):
        raise ValueError("labels must give one label per region of the map")
    ax = frame.ax
    _prepare(frame)
    renderer = _renderer(ax.figure)
    points = shapely.point_on_surface(np.asarray(frame.shapes, dtype=object))
    xy = shapely.get_coordinates(points)
    order = np.argsort(-shapely.area(np.asarray(frame.shapes, dtype=object)), kind="stable")
    font = font_kwargs(list(texts))
    from matplotlib import patheffects

    halo = [patheffects.withStroke(linewidth=1.2, foreground="white")]
    placed: list[Any] = []
    drawn: list[Any] = []
    # a greedy placement: each label is checked against those placed before it
    for i in order:
        if not texts[i]:
            continue
        text = ax.text(
            xy[i, 0], xy[i, 1], texts[i], fontsize=fontsize, ha="center", va="center", color="#222222", **font
        )
        text.set_path_effects(halo)  # readable on dark fills too
        box = text.get_window_extent(renderer)
        clash = any(box.overlaps(b) for b in placed) or any(box.overlaps(t) for t in frame.taken)
        if clash or not _inside_axes(frame, box):
            text.remove()
            continue
        placed.append(box)
        drawn.append(text)
    frame.taken.extend(placed)
    return drawn
