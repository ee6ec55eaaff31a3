"""Centre of gravity of a variable and its standard deviational ellipse, per period.

Every region is one point, the centroid of its largest polygon part
(:func:`spatialcoupling.regions.distance_points`), on a projected map: for China the Albers
equal-area projection with standard parallels 25°N and 47°N and central meridian 105°E; for other
layers in longitude/latitude an Albers equal-area projection centred on the layer, with standard
parallels at one sixth and five sixths of its latitude range; a projected layer stays in its CRS;
``crs=`` overrides. Distances are reported in kilometres.

Conventions
-----------
* Centre of gravity of period t: ``X_t = Σ w_i x_i / Σ w_i``, ``Y_t`` likewise, with weights
  ``w_i`` the values of the series (e.g. D) in that period (non-negative).
* Move from t-1 to t: the distance between the centres (km), the bearing of the move (degrees
  clockwise from north, as on a compass) and its eight-point direction (N, NE, …).
* Standard deviational ellipse about the centre of gravity, with the same weights (not their
  squares, a variant some papers print): the axes are the principal axes of the weighted
  covariance ``Σ w_i d_i d_iᵀ / Σ w_i`` (``d_i`` the point minus the centre), which gives the
  same ellipse as the trigonometric formulas of Yuill (1971) and ArcGIS. The semi-axes are the
  weighted standard deviations along the axes times a factor, ``variant``:
  ``"arcgis"`` √2 (ArcGIS Pro's Directional Distribution, one standard deviation; the default),
  ``"crimestat"`` √2 · √(n/(n-2)) (CrimeStat, pointpats' default), ``"plain"`` 1.
  ``rotation`` is the angle of the major axis in degrees clockwise from north, in [0, 180) (the
  convention of ArcGIS's Rotation field); ``area`` is π a b (km²); ``flattening`` is 1 - b/a.

The centre and the axes are computed by pointpats (``centrography.weighted_mean_center`` and
``centrography.ellipse``, whose "yuill" method without corrections gives the plain axes and
whose angle is converted to the compass convention); the points, the projection, the moves and
the ellipse polygons are written here.

Data goes to ``fit``, settings to the constructor: ``GravityCentre().fit(D, regions)``.

References: Yuill, R. S. (1971) The standard deviational ellipse, Geografiska Annaler B 53(1);
Levine, N. (2015) CrimeStat IV, chapter 4; Esri, ArcGIS Pro: How Directional Distribution works.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._china import lonlat_bounds
from .._params import InstanceOf, Interval, Model, Options
from .._series import PERIOD, _preview
from ._base import DynamicsResult, balanced_panel, require

__all__ = ["CHINA_ALBERS", "GravityCentre", "GravityResult", "default_crs", "ellipse_axes"]

#: Albers equal-area for China: standard parallels 25°N and 47°N, central meridian 105°E
CHINA_ALBERS = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
_COMPASS = np.array(["N", "NE", "E", "SE", "S", "SW", "W", "NW"], dtype=object)
_FACTORS = {"plain": (False, False), "arcgis": (True, False), "crimestat": (True, True)}


def _is_crs(value: Any) -> bool:
    from pyproj import CRS

    try:
        CRS.from_user_input(value)
    except Exception:
        return False
    return True


def _in_china(bounds: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = bounds
    return x0 >= 70 and x1 <= 140 and y0 >= 0 and y1 <= 56 and x1 > 100


def default_crs(regions: Any) -> Any:
    """The projected CRS the centres are computed in (see the module docstring)."""
    from pyproj import CRS

    crs = regions.crs
    if crs is None:
        raise ValueError(
            "GravityCentre: the regions have no CRS; set it (regions.set_crs(4326) for "
            "longitude/latitude) or pass crs= a projected CRS"
        )
    if not crs.is_geographic:
        return crs
    bounds = lonlat_bounds(regions)
    if bounds is None:  # pragma: no cover - a geographic CRS always has bounds
        raise ValueError("GravityCentre: cannot read the bounds of the regions")
    if _in_china(bounds):
        return CRS.from_proj4(CHINA_ALBERS)
    x0, y0, x1, y1 = bounds
    lat1, lat2 = y0 + (y1 - y0) / 6.0, y1 - (y1 - y0) / 6.0
    return CRS.from_proj4(
        f"+proj=aea +lat_0={(y0 + y1) / 2:.6f} +lon_0={(x0 + x1) / 2:.6f} +lat_1={lat1:.6f} "
        f"+lat_2={lat2:.6f} +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
    )


def ellipse_axes(points: np.ndarray, weights: np.ndarray, variant: str = "arcgis") -> tuple[float, float, float]:
    """Semi-major and semi-minor axes (map units) and rotation (degrees clockwise from north, in
    [0, 180)) of the weighted standard deviational ellipse of ``points`` (n, 2)."""
    from pointpats.centrography import ellipse

    sqrt2, dof = _FACTORS[variant]
    major, minor, angle = ellipse(points, weights, method="yuill", crimestatCorr=sqrt2, degfreedCorr=dof)
    east_ccw = np.degrees(float(angle))  # pointpats: the major axis' angle counter-clockwise from east
    return float(major), float(minor), float(np.mod(90.0 - east_ccw, 180.0))


def _ellipse_polygon(cx: float, cy: float, a: float, b: float, rotation: float, points: int = 90) -> Any:
    import shapely

    t = np.linspace(0.0, 2.0 * np.pi, points, endpoint=False)
    r = np.radians(rotation)
    major = np.array([np.sin(r), np.cos(r)])  # compass angle → unit vector (east, north)
    minor = np.array([np.cos(r), -np.sin(r)])
    xy = np.outer(a * np.cos(t), major) + np.outer(b * np.sin(t), minor)
    return shapely.Polygon(np.column_stack([cx + xy[:, 0], cy + xy[:, 1]]))


class GravityCentre(Model):
    """Centre of gravity, its moves and the standard deviational ellipse, per period.

    Data goes to ``fit``, settings to the constructor: ``GravityCentre(variant="arcgis").fit(D, regions)``.

    Parameters
    ----------
    crs : CRS, optional
        Projected CRS to compute in (EPSG code, PROJ or WKT string, pyproj CRS); default: see
        the module docstring.
    variant : {"arcgis", "crimestat", "plain"}
        Factor of the ellipse's axes (see the module docstring).
    ellipse_points : int
        Vertices of the ellipse polygons (for maps and GIS layers).

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> income = sc.datasets.load("us_income")
    >>> g = GravityCentre().fit(income, sc.datasets.load("us_states"))
    >>> g.table.loc[2009, "direction"]
    'E'
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "crs": [None, InstanceOf(object, "a projected CRS (EPSG code, PROJ or WKT string, pyproj CRS)", check=_is_crs)],
        "variant": [Options("arcgis", "crimestat", "plain")],
        "ellipse_points": [Interval(int, 8, None)],
    }

    def __init__(self, crs: Any = None, variant: str = "arcgis", ellipse_points: int = 90) -> None:
        self.crs = crs
        self.variant = variant
        self.ellipse_points = ellipse_points
        self._validate_params()

    def _points(self, regions: Any, ids: pd.Index, who: str) -> tuple[np.ndarray, Any, float, list[str]]:
        import geopandas as gpd
        from pyproj import CRS

        from ..regions import distance_points

        if not isinstance(regions, gpd.GeoDataFrame | gpd.GeoSeries):
            raise TypeError(
                f"{who}: regions must be a GeoDataFrame indexed by region id (sc.read_regions), "
                f"got {type(regions).__name__}"
            )
        missing = ids.difference(regions.index)
        if len(missing):
            raise ValueError(
                f"{who}: {len(missing)} region(s) of the series have no boundary: {_preview(missing)}; "
                "index the regions by the ids of the series (sc.match_regions helps)"
            )
        notes = []
        extra = regions.index.difference(ids)
        if len(extra):
            notes.append(
                f"{len(extra)} region(s) of the map are not in the series and carry no weight: {_preview(extra)}"
            )
        if regions.index.has_duplicates:
            dup = regions.index[regions.index.duplicated()].unique()
            raise ValueError(f"{who}: regions listed twice in the map: {_preview(dup)}")
        layer = regions.loc[ids]
        target = CRS.from_user_input(self.crs) if self.crs is not None else default_crs(layer)
        if target.is_geographic:
            raise ValueError(f"{who}: crs must be a projected CRS (metres), got the geographic {target.name!r}")
        pts = distance_points(layer).to_crs(target)
        xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
        unit = target.axis_info[0].unit_conversion_factor if target.axis_info else 1.0
        return xy, target, float(unit) / 1000.0, notes

    def fit(self, series: pd.Series, regions: Any) -> GravityResult:
        """Centres, moves and ellipses of every period.

        Parameters
        ----------
        series : pandas.Series
            Region × period weights (e.g. D), non-negative, balanced.
        regions : GeoDataFrame
            Boundaries indexed by the region ids of the series.
        """
        self._validate_params()
        require("pointpats")
        from pointpats.centrography import weighted_mean_center

        who = type(self).__name__
        wide = balanced_panel(series, who, min_periods=1, min_regions=3)
        values = wide.to_numpy(dtype=float)
        if (values < 0).any():
            stacked = wide.stack()
            bad = stacked[stacked < 0].index
            raise ValueError(f"{who}: weights must be >= 0; negative at (region, period) {_preview(bad)}")
        empty = wide.columns[values.sum(axis=0) <= 0]
        if len(empty):
            raise ValueError(f"{who}: every weight is 0 in period(s) {_preview(empty)}; no centre of gravity")
        xy, crs, km, notes = self._points(regions, wide.index, who)
        periods = list(wide.columns)
        rows, shapes = [], []
        for t, period in enumerate(periods):  # one centre and one ellipse per period
            w = values[:, t]
            cx, cy = (float(v) for v in weighted_mean_center(xy, w))
            a, b, rot = ellipse_axes(xy, w, self.variant)
            rows.append(
                {
                    PERIOD: period,
                    "x": cx,
                    "y": cy,
                    "major": a * km,
                    "minor": b * km,
                    "rotation": rot,
                    "area": np.pi * a * b * km * km,
                    "flattening": 1.0 - b / a if a > 0 else np.nan,
                }
            )
            shapes.append(_ellipse_polygon(cx, cy, a, b, rot, self.ellipse_points))
        table = pd.DataFrame(rows).set_index(PERIOD)
        dx = np.diff(table["x"].to_numpy(), prepend=np.nan) * km
        dy = np.diff(table["y"].to_numpy(), prepend=np.nan) * km
        bearing = np.mod(np.degrees(np.arctan2(dx, dy)), 360.0)
        moved = np.isfinite(dx)
        table.insert(2, "dx_km", dx)
        table.insert(3, "dy_km", dy)
        table.insert(4, "distance", np.hypot(dx, dy))
        table.insert(5, "bearing", bearing)
        direction = np.full(len(table), None, dtype=object)
        direction[moved] = _COMPASS[(np.round(bearing[moved] / 45.0).astype(int)) % 8]
        table.insert(6, "direction", direction)
        lonlat = _lonlat(table["x"].to_numpy(), table["y"].to_numpy(), crs)
        table["lon"], table["lat"] = lonlat
        settings = {
            "variable": str(getattr(series, "name", None) or "series"),
            **self.get_params(),
            "crs": crs.to_string(),
            "regions": wide.shape[0],
            "periods": f"{periods[0]}-{periods[-1]}",
            "points": "centroid of each region's largest polygon part",
        }
        settings.pop("ellipse_points")
        return GravityResult({"table": table}, settings, notes, shapes, crs, regions.loc[wide.index])


def _lonlat(x: np.ndarray, y: np.ndarray, crs: Any) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
    return np.asarray(lon), np.asarray(lat)


class GravityResult(DynamicsResult):
    """Centres of gravity and standard deviational ellipses per period.

    ``table`` (per period): ``x``, ``y`` (projected, map units), ``dx_km``, ``dy_km``, ``distance``
    (km moved since the previous period), ``bearing`` (degrees clockwise from north), ``direction``
    (N, NE, …), ``major``, ``minor`` (semi-axes, km), ``rotation`` (degrees clockwise from north),
    ``area`` (km²), ``flattening``, ``lon``, ``lat`` (the centre in longitude/latitude).
    ``ellipses`` is a GeoDataFrame of the ellipses (with the table's columns), ``centres`` one of
    the centre points; ``export`` writes them to .gpkg/.shp/.geojson (layers ``centres`` and
    ``ellipses`` in a GeoPackage).
    """

    _table_names = ("table",)
    _shapes: list
    _regions: Any
    #: the projected CRS of the centres and ellipses
    crs: Any

    def __init__(
        self,
        tables: dict[str, pd.DataFrame],
        settings: dict[str, Any],
        notes: list[str],
        shapes: list,
        crs: Any,
        regions: Any,
    ) -> None:
        object.__setattr__(self, "_shapes", shapes)
        object.__setattr__(self, "crs", crs)
        object.__setattr__(self, "_regions", regions)
        super().__init__(tables, settings, notes)

    @property
    def ellipses(self) -> Any:
        """GeoDataFrame of the ellipses (one per period) in the projected CRS."""
        import geopandas as gpd

        return gpd.GeoDataFrame(self._store["table"].reset_index(), geometry=list(self._shapes), crs=self.crs)

    @property
    def centres(self) -> Any:
        """GeoDataFrame of the centres of gravity (one point per period) in the projected CRS."""
        import geopandas as gpd

        table = self._store["table"].reset_index()
        return gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(table["x"], table["y"]), crs=self.crs)

    def _export_geo(self, path: Any, **kwargs: Any) -> None:
        from .._files import atomic_path

        suffix = path.suffix.lower()
        if suffix == ".gpkg":
            with atomic_path(path) as tmp:
                self.centres.to_file(tmp, layer="centres", driver="GPKG")
                self.ellipses.to_file(tmp, layer="ellipses", driver="GPKG", mode="a")
        else:
            layer = kwargs.get("layer", "ellipses")
            if layer not in ("ellipses", "centres"):
                raise ValueError(f"layer must be 'ellipses' or 'centres', got {layer!r}")
            frame = self.ellipses if layer == "ellipses" else self.centres
            if suffix == ".shp":  # several files (.shp, .shx, .dbf, .prj): written in place
                frame.to_file(path, driver="ESRI Shapefile")
            else:
                with atomic_path(path) as tmp:
                    frame.to_file(tmp, driver="GeoJSON")

    def plot(self, inset: bool = True, language: str = "en", **kwargs: Any) -> Any:
        """The centres' path and the ellipses on the region map, drawn as the package's other maps
        (projected for drawing only; for China Taiwan, the maritime line and the South China Sea
        inset), with an enlarged view of the path beside the map (``inset=False``: none).
        ``**kwargs`` go to :func:`spatialcoupling.plotting.dynamics.gravity_map`."""
        from ..plotting import dynamics as dplot

        table = self._store["table"].reset_index()
        caption = (
            f"Centre of gravity weighted by {self.settings['variable']}; ellipses: {self.settings['variant']} "
            "(one standard deviation)"
        )
        return dplot.gravity_map(
            self._regions,
            table[[PERIOD, "x", "y"]],
            self.ellipses[[PERIOD, "geometry"]],
            title=f"Centre of gravity of {self.settings['variable']}",
            caption=caption,
            inset=inset,
            centres_crs=self.crs,
            language=language,
            **kwargs,
        )
