"""Map frames of China: the mainland frame and the South China Sea inset, with one rule for
when a map needs the inset.

Frames are longitude/latitude boxes ``(lon0, lon1, lat0, lat1)`` in EPSG:4326. A layer
needs the inset when it is a layer of China (its bounds lie within 70–140°E, reach east of
110°E and north of 35°N) that reaches south of the mainland frame (about 17°N), as the
bundled provinces do through Hainan's South China Sea islands. A *national* layer of China (one
that spans at least 25° of longitude, e.g. the provinces without Hainan) gets the inset too: the
standard map shows the South China Sea islands and the maritime boundary line in it.

China maps are drawn in an Albers equal-area conic projection with standard parallels 25°N and
47°N and central meridian 105°E (:data:`ALBERS_CHINA`), the usual choice for national maps of
China; Taiwan (:data:`TAIWAN_ADCODE`) is drawn as map context when a layer lacks it.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ALBERS_CHINA",
    "MAINLAND",
    "MAINLAND_SOUTH",
    "SOUTH_CHINA_SEA",
    "TAIWAN_ADCODE",
    "is_china_layer",
    "is_national_china",
    "lonlat_bounds",
    "reaches_south_china_sea",
]

#: the main map: the mainland and Hainan Island, cropped at 17°N
MAINLAND: tuple[float, float, float, float] = (73.0, 135.5, 17.0, 54.0)
#: the South China Sea inset (the islands Hainan's polygon reaches down to about 4°N)
SOUTH_CHINA_SEA: tuple[float, float, float, float] = (105.0, 125.0, 2.0, 24.5)
#: southern edge of the mainland frame
MAINLAND_SOUTH = MAINLAND[2]
#: Albers equal-area conic for China: standard parallels 25°N / 47°N, central meridian 105°E
ALBERS_CHINA = "+proj=aea +lat_0=0 +lat_1=25 +lat_2=47 +lon_0=105 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
#: administrative code of Taiwan province
TAIWAN_ADCODE = 710000
#: longitude span from which a layer of China counts as national
NATIONAL_SPAN = 25.0


def lonlat_bounds(layer: Any) -> tuple[float, float, float, float] | None:
    """``(xmin, ymin, xmax, ymax)`` of a GeoDataFrame/GeoSeries in longitude/latitude, or None
    when it has no CRS and its coordinates are not longitude/latitude."""
    geo = layer.geometry if hasattr(layer, "geometry") else layer
    if geo.crs is None:
        b = geo.total_bounds
        ok = b[0] >= -180 and b[2] <= 180 and b[1] >= -90 and b[3] <= 90
        return tuple(float(v) for v in b) if ok else None  # type: ignore[return-value]
    if not geo.crs.is_geographic or geo.crs.to_epsg() != 4326:
        geo = geo.to_crs(4326)
    return tuple(float(v) for v in geo.total_bounds)  # type: ignore[return-value]


def _in_china(b: tuple[float, float, float, float] | None) -> bool:
    if b is None:
        return False
    x0, y0, x1, y1 = b
    return bool(x0 >= 70 and x1 <= 140 and x1 > 110 and y1 > 35 and y0 >= 0)


def is_china_layer(layer: Any) -> bool:
    """True for a layer whose bounds lie in China's frame (70–140°E, reaching east of 110°E and
    north of 35°N)."""
    return _in_china(lonlat_bounds(layer))


def is_national_china(layer: Any) -> bool:
    """True for a layer of China that reaches the South China Sea or spans at least 25° of
    longitude (a national map: standard map context and the inset)."""
    b = lonlat_bounds(layer)
    if not _in_china(b):
        return False
    assert b is not None
    return bool(b[1] < MAINLAND_SOUTH or b[2] - b[0] >= NATIONAL_SPAN)


def reaches_south_china_sea(layer: Any) -> bool:
    """True for a layer of China that reaches south of the mainland frame (needs the inset)."""
    b = lonlat_bounds(layer)
    return bool(_in_china(b) and b is not None and b[1] < MAINLAND_SOUTH)
