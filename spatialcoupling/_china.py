"""Map frames of China: the mainland frame and the South China Sea inset, with one rule for
when a map needs the inset.

Frames are longitude/latitude boxes ``(lon0, lon1, lat0, lat1)`` in EPSG:4326. A layer
needs the inset when it is a layer of China (its bounds lie within 70–140°E, reach east of
110°E and north of 35°N) that reaches south of the mainland frame (about 17°N), as the
bundled provinces do through Hainan's South China Sea islands.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MAINLAND", "MAINLAND_SOUTH", "SOUTH_CHINA_SEA", "lonlat_bounds", "reaches_south_china_sea"]

#: the main map: the mainland and Hainan Island, cropped at 17°N
MAINLAND: tuple[float, float, float, float] = (73.0, 135.5, 17.0, 54.0)
#: the South China Sea inset (the islands Hainan's polygon reaches down to about 4°N)
SOUTH_CHINA_SEA: tuple[float, float, float, float] = (105.0, 125.0, 2.0, 24.5)
#: southern edge of the mainland frame
MAINLAND_SOUTH = MAINLAND[2]


def lonlat_bounds(layer: Any) -> tuple[float, float, float, float] | None:
    """``(xmin, ymin, xmax, ymax)`` of a GeoDataFrame/GeoSeries in longitude/latitude, or None
    when it has no CRS and its coordinates are not longitude/latitude."""
    geo = layer.geometry if hasattr(layer, "geometry") else layer
    if geo.crs is None:
        b = geo.total_bounds
        ok = -180 <= b[0] and b[2] <= 180 and -90 <= b[1] and b[3] <= 90
        return tuple(float(v) for v in b) if ok else None  # type: ignore[return-value]
    if not geo.crs.is_geographic or geo.crs.to_epsg() != 4326:
        geo = geo.to_crs(4326)
    return tuple(float(v) for v in geo.total_bounds)  # type: ignore[return-value]


def reaches_south_china_sea(layer: Any) -> bool:
    """True for a layer of China that reaches south of the mainland frame (needs the inset)."""
    b = lonlat_bounds(layer)
    if b is None:
        return False
    x0, y0, x1, y1 = b
    in_china = x0 >= 70 and x1 <= 140 and x1 > 110 and y1 > 35 and y0 >= 0
    return bool(in_china and y0 < MAINLAND_SOUTH)
