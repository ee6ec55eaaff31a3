"""GIS layers of LISA clusters from plain data: a GeoDataFrame, GeoPackage/Shapefile/GeoJSON
files and an interactive HTML map.

Every function takes the LISA table (``LocalMoranResult.table``, indexed by (region, period)),
the settings mapping (``LocalMoranResult.settings``: ``weights``, ``permutations``, ``seed``,
``alpha``, ``adjust``) and the boundaries. Every row carries the settings in the columns
``weights``, ``perms``, ``seed``, ``alpha`` and ``adjust``; GeoPackage layers also get all
settings as layer metadata. Column names have at most 10 characters so that the layers can
be written to a Shapefile.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ._boundaries import align_regions
from ._clusters import GEODA_COLORS
from ._series import PERIOD, REGION, preview

__all__ = [
    "clusters_layer",
    "coupling_layer",
    "explore_clusters",
    "lisa_geodataframe",
    "lisa_qml",
    "period_dates",
    "write_geopackage_layer",
    "write_lisa_layers",
]

#: the settings every row carries: column name -> settings key
SETTING_COLUMNS = {"weights": "weights", "perms": "permutations", "seed": "seed", "alpha": "alpha", "adjust": "adjust"}
LAYOUTS = ("long", "layers")
#: a long layer whose rows would repeat more boundary coordinates than this is written as a view
#: over one stored geometry per region (see :func:`write_geopackage_layer`)
SHARED_GEOMETRY_COORDS = 2_000_000


def _periods(table: pd.DataFrame) -> list:
    return list(table.index.get_level_values(PERIOD).unique())


def _check_table(table: pd.DataFrame, settings: Mapping[str, Any]) -> None:
    if not isinstance(table.index, pd.MultiIndex) or list(table.index.names) != [REGION, PERIOD]:
        raise ValueError("the LISA table must be indexed by (region, period), as LocalMoranResult.table is")
    missing = [c for c in ("cluster", "quadrant", "significant") if c not in table.columns]
    if missing:
        raise ValueError(f"the LISA table has no column(s) {missing}; pass LocalMoranResult.table")
    absent = [key for key in SETTING_COLUMNS.values() if key not in settings]
    if absent:
        raise ValueError(f"settings lacks {absent}; pass LocalMoranResult.settings")


def _check_period(table: pd.DataFrame, period: Any) -> None:
    periods = _periods(table)
    if period not in set(periods):
        raise ValueError(f"period {period!r} is not in the table; periods: {preview(periods)}")


def lisa_geodataframe(
    table: pd.DataFrame, settings: Mapping[str, Any], regions: Any, period: Any = None, id_column: str | None = None
) -> Any:
    """The LISA table joined to boundaries, with the settings as extra columns.

    Parameters
    ----------
    table : DataFrame
        The LISA table, indexed by (region, period).
    settings : mapping
        The LISA settings (``LocalMoranResult.settings``).
    regions : GeoDataFrame
        Boundaries indexed by the region ids (or with a column holding them, ``id_column``).
    period : optional
        One period only (default: every period, one row per region-period).

    Returns
    -------
    GeoDataFrame
        Columns ``region``, ``period``, the table's columns (``significant`` as ``signif``),
        ``weights``, ``perms``, ``seed``, ``alpha``, ``adjust`` and the geometry.
    """
    import geopandas as gpd

    _check_table(table, settings)
    ids = list(table.index.get_level_values(REGION).unique())
    geo = align_regions(regions, ids, id_column=id_column)
    if period is not None:
        _check_period(table, period)
        table = table.xs(period, level=PERIOD, drop_level=False)
    flat = table.reset_index()
    flat = flat.rename(columns={"significant": "signif"})
    flat["cluster"] = flat["cluster"].astype(str)
    flat["quadrant"] = flat["quadrant"].astype(object)
    flat["weights"] = str(settings["weights"])
    flat["perms"] = int(settings["permutations"])
    flat["seed"] = str(settings["seed"])
    flat["alpha"] = float(settings["alpha"])
    flat["adjust"] = str(settings["adjust"])
    if not pd.api.types.is_numeric_dtype(flat[REGION]):
        flat[REGION] = flat[REGION].astype(str)
    if not pd.api.types.is_numeric_dtype(flat[PERIOD]):
        flat[PERIOD] = flat[PERIOD].astype(str)
    geometry = geo.geometry.reindex(table.index.get_level_values(REGION)).to_numpy()
    return gpd.GeoDataFrame(flat, geometry=geometry, crs=geo.crs)


def write_lisa_layers(
    table: pd.DataFrame,
    settings: Mapping[str, Any],
    regions: Any,
    path: str | Path,
    layout: str = "long",
    id_column: str | None = None,
) -> list[Path]:
    """Write the LISA table with geometry to .gpkg, .shp or .geojson.

    Parameters
    ----------
    table, settings, regions, id_column
        As in :func:`lisa_geodataframe`.
    path : path
        Target file; the suffix chooses the format.
    layout : {"long", "layers"}
        One layer with a row per region-period, or one layer per period (``lisa_<period>``
        in a GeoPackage; for .shp/.geojson one file per period, ``<stem>_<period>``).

    Returns
    -------
    list of Path
        The files written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".gpkg", ".shp", ".geojson"):
        raise ValueError(f"GIS layers are written to .gpkg, .shp or .geojson, not {path.suffix!r} ({path.name})")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be 'long' (one row per region-period) or 'layers', got {layout!r}")
    metadata = {k: str(v) for k, v in settings.items()}
    written: list[Path] = []

    def write(frame: Any, target: Path, layer: str) -> None:
        frame = frame.copy()
        if suffix == ".shp":
            frame[PERIOD] = frame[PERIOD].astype(str)
        if suffix == ".gpkg":
            frame.to_file(target, layer=layer, driver="GPKG", engine="pyogrio", layer_metadata=metadata)
        elif suffix == ".shp":
            frame.to_file(target, driver="ESRI Shapefile", engine="pyogrio", encoding="utf-8")
        else:
            frame.to_file(target, driver="GeoJSON", engine="pyogrio")
        written.append(target)

    if suffix == ".gpkg" and path.exists():
        path.unlink()
    if layout == "long":
        write(lisa_geodataframe(table, settings, regions, id_column=id_column), path, "lisa")
        return written
    for period in _periods(table):
        frame = lisa_geodataframe(table, settings, regions, period=period, id_column=id_column)
        if suffix == ".gpkg":
            write(frame, path, f"lisa_{period}")
        else:
            write(frame, path.with_name(f"{path.stem}_{period}{path.suffix}"), f"lisa_{period}")
    return written


def explore_clusters(
    table: pd.DataFrame,
    settings: Mapping[str, Any],
    regions: Any,
    period: Any = None,
    *,
    path: str | Path | None = None,
    caption: str | None = None,
    id_column: str | None = None,
    **kwargs: Any,
) -> Any:
    """Interactive Leaflet map of one period's clusters (GeoDataFrame.explore; needs folium).

    Parameters
    ----------
    table, settings, regions, id_column
        As in :func:`lisa_geodataframe`.
    period : optional
        The period to map (default: the last).
    path : path, optional
        Save the map as an HTML file.
    caption : str, optional
        Settings line under the map (``LocalMoranResult.caption``); the period is appended.
    **kwargs
        Passed to ``GeoDataFrame.explore``.

    Returns
    -------
    folium.Map
    """
    try:
        import folium  # noqa: F401
    except ImportError as err:
        raise ImportError(
            "the interactive HTML map uses GeoDataFrame.explore, which needs folium: pip install folium"
        ) from err
    if regions is None:
        raise ValueError("regions= (a GeoDataFrame of the boundaries) is needed for the HTML map")
    _check_table(table, settings)
    period = _periods(table)[-1] if period is None else period
    gdf = lisa_geodataframe(table, settings, regions, period=period, id_column=id_column)
    present = [c for c in GEODA_COLORS if c in set(gdf["cluster"])]
    m = gdf.explore(
        column="cluster",
        categories=present,
        cmap=[GEODA_COLORS[c] for c in present],
        tooltip=[REGION, "cluster", "p_sim", "Ii"],
        **kwargs,
    )
    from branca.element import Element

    text = f"{caption}; period {period}" if caption else f"period {period}"
    m.get_root().html.add_child(Element(f"<p style='font-size:11px'>{html.escape(text)}</p>"))
    if path is not None:
        m.save(str(path))
    return m


# -- long layers of every period on every boundary ---------------------------------------------------
def period_dates(periods: pd.Index) -> pd.Series | None:
    """1 January of each period when the periods are years (integers 1000–9999), for QGIS's
    temporal controller; None otherwise."""
    values = pd.Index(periods)
    if not pd.api.types.is_integer_dtype(values.dtype):
        return None
    years = values.to_numpy()
    if years.size == 0 or years.min() < 1000 or years.max() > 9999:
        return None
    return pd.Series(pd.to_datetime({"year": years, "month": 1, "day": 1}).to_numpy(), index=values)


def _long_layer(table: pd.DataFrame, boundaries: Any, keep: list[str]) -> Any:
    """``table`` (indexed by (region, period)) on every boundary: one row per boundary and period,
    regions without data kept with null fields; boundary columns ``keep`` besides the geometry."""
    import geopandas as gpd

    if not isinstance(table.index, pd.MultiIndex) or table.index.nlevels != 2:
        raise ValueError("the table must be indexed by (region, period)")
    geo = boundaries[[c for c in keep if c in boundaries.columns] + [boundaries.geometry.name]]
    ids = pd.Index(geo.index.astype(str), name=REGION)
    geo = geo.set_axis(ids)
    periods = pd.Index(table.index.get_level_values(1).unique(), name=PERIOD)
    data = table.copy()
    data.index = pd.MultiIndex.from_arrays(
        [data.index.get_level_values(0).astype(str), data.index.get_level_values(1)], names=[REGION, PERIOD]
    )
    unknown = sorted(set(data.index.get_level_values(REGION)) - set(ids))
    if unknown:
        raise ValueError(f"regions {preview(unknown)} of the table have no boundary; match the ids first")
    full = pd.MultiIndex.from_product([ids, periods], names=[REGION, PERIOD])
    data = data.reindex(full)
    for column in data.columns:
        if isinstance(data[column].dtype, pd.CategoricalDtype):
            data[column] = data[column].astype(object)
    flat = data.reset_index()
    dates = period_dates(periods)
    if dates is not None:
        flat.insert(2, "date", flat[PERIOD].map(dates))
    joined = flat.join(
        geo.drop(columns=[c for c in geo.columns if c in flat.columns and c != geo.geometry.name]), on=REGION
    )
    return gpd.GeoDataFrame(joined, geometry=geo.geometry.name, crs=boundaries.crs)


def coupling_layer(
    table: pd.DataFrame, boundaries: Any, *, id_column: str | None = None, groupings: list[str] | None = None
) -> Any:
    """The coupling table on every boundary, one row per region and period.

    Parameters
    ----------
    table : DataFrame
        Indexed by (region, period), with ``U_<subsystem>``, ``C``, ``T``, ``D``, ``grade`` and
        ``grade_label`` (a coupling result's ``table``); its column names are kept, so that a field
        has the same name in the CSV and in the layer.
    boundaries : GeoDataFrame
        Every boundary, indexed by the region ids.
    id_column : str, optional
        A column of the boundaries holding the same ids (dropped: the ids are in ``region``).
    groupings : list of str, optional
        Columns of the boundaries to keep (region groups); no other boundary column is kept.

    Returns
    -------
    GeoDataFrame
        ``region``, ``period``, ``date`` (1 January of the year, when the periods are years), the
        table's columns, the groupings and the geometry; boundaries without data have null fields.
    """
    keep = [g for g in (groupings or []) if g != id_column]
    columns = [c for c in table.columns if c.startswith("U_")] + [
        c for c in ("C", "T", "D", "grade", "grade_label") if c in table.columns
    ]
    return _long_layer(table[columns], boundaries, keep)


def clusters_layer(table: pd.DataFrame, boundaries: Any, *, id_column: str | None = None) -> Any:
    """The LISA table on every boundary, one row per region and period, with the table's own
    column names (``significant``, ``cluster`` …); boundaries without data have null fields."""
    return _long_layer(table, boundaries, [])


def write_geopackage_layer(
    frame: Any,
    path: str | Path,
    layer: str,
    *,
    metadata: Mapping[str, str] | None = None,
    shared: bool | None = None,
) -> str | None:
    """Write a long layer (one row per region and period, ``region`` column) to a GeoPackage.

    A long layer repeats each boundary once per period: at county scale that is most of the file
    (2,848 counties × 16 years: 285 MB, 8 s to write). With ``shared`` (default: when the rows
    would repeat more than :data:`SHARED_GEOMETRY_COORDS` coordinates) each boundary is stored
    once, in ``<layer>_boundaries``, the attributes in ``<layer>_values``, and ``<layer>`` is a
    GeoPackage view joining them (registered in ``gpkg_contents`` and ``gpkg_geometry_columns``,
    so GDAL, geopandas and QGIS open it as a layer of polygons: the same rows and fields as the
    long layer, 20 MB, 2.4 s). ``metadata`` goes to the written tables.

    Returns
    -------
    str or None
        A note saying how the layer was stored when it was shared; None otherwise.
    """
    import shapely

    path = Path(path)
    geometry = frame.geometry
    if shared is None:
        shared = int(shapely.get_num_coordinates(geometry.values).sum()) > SHARED_GEOMETRY_COORDS
    options = {"layer_metadata": dict(metadata)} if metadata else {}
    if not shared:
        frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio", **options)
        return None
    if REGION not in frame.columns:
        raise ValueError(f"a shared-geometry layer needs a {REGION!r} column")
    _write_shared(frame, path, layer, options)
    n_regions = frame[REGION].nunique()
    return (
        f"layer {layer!r} of {path.name}: {len(frame):,} rows over {n_regions:,} boundaries, each boundary stored "
        f"once ({layer}_boundaries) and joined to the rows ({layer}_values) by a view named {layer!r}"
    )


def _write_shared(frame: Any, path: Path, layer: str, options: dict[str, Any]) -> None:
    """The boundaries table, the values table and the view joining them (see :func:`write_geopackage_layer`)."""
    import sqlite3

    import pyogrio

    name = frame.geometry.name
    boundaries = frame.loc[frame.geometry.notna(), [REGION, name]].drop_duplicates(REGION)
    values = pd.DataFrame(frame.drop(columns=[name]))
    for table, data in ((f"{layer}_boundaries", boundaries), (f"{layer}_values", values)):
        pyogrio.write_dataframe(data, path, layer=table, driver="GPKG", **options)

    def quoted(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    fields = ", ".join(f"v.{quoted(str(c))}" for c in values.columns)
    with sqlite3.connect(path) as con:
        geom, srs, kind, z, m = con.execute(
            "SELECT column_name, srs_id, geometry_type_name, z, m FROM gpkg_geometry_columns WHERE table_name = ?",
            (f"{layer}_boundaries",),
        ).fetchone()
        con.execute(
            f"CREATE VIEW {quoted(layer)} AS SELECT v.fid AS fid, {fields}, b.{quoted(geom)} AS geom "
            f"FROM {quoted(layer + '_values')} v LEFT JOIN {quoted(layer + '_boundaries')} b "
            f"ON b.{quoted(REGION)} = v.{quoted(REGION)}"
        )
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES (?, 'features', ?, ?)",
            (layer, layer, srs),
        )
        con.execute(
            "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) "
            "VALUES (?, 'geom', ?, ?, ?, ?)",
            (layer, kind, srs, z, m),
        )
        has_metadata = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'gpkg_metadata_reference'"
        ).fetchone()
        if has_metadata:  # the view carries the metadata of its values table
            con.execute(
                "INSERT INTO gpkg_metadata_reference "
                "(reference_scope, table_name, md_file_id, md_parent_id, timestamp) "
                "SELECT reference_scope, ?, md_file_id, md_parent_id, timestamp FROM gpkg_metadata_reference "
                "WHERE table_name = ?",
                (layer, f"{layer}_values"),
            )


def lisa_qml(field: str = "cluster") -> str:
    """A QGIS style (.qml) drawing the LISA clusters of ``field`` in GeoDa's colours
    (High-High red, Low-Low blue, Low-High light blue, High-Low light red, not significant grey)."""
    from ._clusters import CLUSTER_NAMES

    categories, symbols = [], []
    for i, (code, colour) in enumerate(GEODA_COLORS.items()):
        r, g, b = (int(colour[k : k + 2], 16) for k in (1, 3, 5))
        label = html.escape(CLUSTER_NAMES.get(code, code))
        categories.append(f'      <category value="{code}" label="{label}" symbol="{i}" render="true"/>')
        symbols.append(
            f'      <symbol name="{i}" type="fill" alpha="1">\n'
            f'        <layer class="SimpleFill">\n'
            f'          <Option type="Map">\n'
            f'            <Option name="color" type="QString" value="{r},{g},{b},255"/>\n'
            f'            <Option name="outline_color" type="QString" value="120,120,120,255"/>\n'
            f'            <Option name="outline_width" type="QString" value="0.2"/>\n'
            f'            <Option name="style" type="QString" value="solid"/>\n'
            f"          </Option>\n"
            f"        </layer>\n"
            f"      </symbol>"
        )
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        '<qgis version="3.28" styleCategories="Symbology">\n'
        f'  <renderer-v2 type="categorizedSymbol" attr="{html.escape(field)}" enableorderby="0">\n'
        "    <categories>\n" + "\n".join(categories) + "\n    </categories>\n"
        "    <symbols>\n" + "\n".join(symbols) + "\n    </symbols>\n"
        "  </renderer-v2>\n</qgis>\n"
    )
