"""Spatial weights whose ids match the panel, handed to users as libpysal ``W`` objects.

``spatial_weights`` builds a libpysal ``W`` in the order of the panel's region ids. The
neighbours are computed here and give exactly libpysal's neighbour sets (tested against
``Queen``/``Rook.from_dataframe``, ``KNN`` and ``DistanceBand`` on the same data):
contiguity (``queen``, ``rook``) from the polygons' shared vertices and edges by one sort of
the coordinates (:mod:`spatialcoupling._contiguity`), ``knn`` and the distance bands by one
``scipy.spatial.cKDTree`` query. libpysal's builders walk the polygons and the pairs in Python
and were the slowest step of a county-level study (the side-by-side timings are in
``benchmarks/results/scale.md``, from ``benchmarks/bench_scale.py``); the ``W`` itself is
filled from the sparse matrix's rows, with its row standardisation and ``w.sparse``
precomputed, so building it stays linear in the number of links. For longitude/latitude data
the distances are great-circle kilometres (the mean Earth radius; points on the unit sphere
as libpysal's ``radius=`` option places them), for projected data planar distances in the
CRS's unit — never degrees treated as kilometres. Distances are measured between
:func:`~spatialcoupling.regions.distance_points` (the centroid of each region's largest
polygon part), so outlying islets such as the South China Sea islands of Hainan do not
distort them.

Hand-written here, because libpysal has no equivalent: economic-distance weights
(``1/|x̄_i − x̄_j|``), nested weights (geographic × economic, elementwise), user
matrices read from a CSV/array with ids, full inverse-distance weights without a
cutoff (one dense numpy pass over the distances, where libpysal's ``DistanceBand``
with a band wider than every distance builds the same matrix pair by pair; the
timings are in ``benchmarks/results/spatial_weights.md``, from
``benchmarks/bench_weights.py``), linking islands to their nearest neighbour, the
dense-matrix CSV format, and GWT writing at full precision (libpysal's GWT writer
rounds weights to six decimals). GAL files are written and GAL/GWT files read with
``libpysal.io``.

The settings are declared once, in :data:`SPATIAL_WEIGHTS_CONSTRAINTS` (the keywords of
:func:`spatial_weights`) and :data:`KIND_OPTIONS` (the options of each kind), in the form of
:mod:`spatialcoupling._params`; :func:`spatial_weights` checks them and the study file's
schema reads them. This module was ``spatialcoupling.spatial`` in 0.1; that import path
still works.
"""

from __future__ import annotations

import contextlib
import gc
import math
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import sparse

from ._ids import id_keys
from ._notes import NOTES_ATTR, attach_notes
from ._params import Boolean, InstanceOf, Interval, Options, validate_params
from ._series import _plain, _preview
from ._weights import SpatialWeights
from .regions import distance_points, panel_ids, region_ids

if TYPE_CHECKING:
    import geopandas as gpd
    from libpysal.weights import W

__all__ = [
    "EARTH_RADIUS_KM",
    "KINDS",
    "KIND_OPTIONS",
    "NOTES_ATTR",
    "SPATIAL_WEIGHTS_CONSTRAINTS",
    "SpatialWeights",
    "read_weights",
    "sparse_weights",
    "spatial_weights",
    "to_libpysal",
    "write_weights",
]

#: kinds of weights :func:`spatial_weights` builds
KINDS = ("queen", "rook", "knn", "distance_band", "inverse_distance", "economic", "nested", "matrix")
#: the kinds built from the regions' geometry (the ``geographic`` part of ``kind="nested"``)
GEOGRAPHIC_KINDS = ("queen", "rook", "knn", "distance_band", "inverse_distance")
#: mean Earth radius (IUGG), km
EARTH_RADIUS_KM = 6371.0088

_TRANSFORMS = {"r": "R", "b": "B", "v": "V", "d": "D", "o": "O", None: "O", "none": "O"}

#: the keyword settings of :func:`spatial_weights` (``regions`` and ``ids`` are data)
SPATIAL_WEIGHTS_CONSTRAINTS: dict[str, list[Any]] = {
    "kind": [Options(*KINDS)],
    "id": [None, InstanceOf(str, "a column name")],
    "islands": [Options("nearest", "error", "keep")],
    "standardize": [Options("r", "b", None, "o", "none", "v", "d")],
}

_POSITIVE = Interval(float, 0, None, closed="neither")
_VARIABLE = InstanceOf((pd.Series, pd.DataFrame), "a region × period Series or a per-region Series")
#: the options of every kind (the ``**options`` of :func:`spatial_weights`)
KIND_OPTIONS: dict[str, dict[str, list[Any]]] = {
    "queen": {},
    "rook": {},
    "knn": {"k": [Interval(int, 1, None)]},
    "distance_band": {"threshold": [_POSITIVE], "binary": [Boolean()], "power": [_POSITIVE]},
    "inverse_distance": {"power": [_POSITIVE], "cutoff": [None, _POSITIVE]},
    "economic": {"variable": [_VARIABLE]},
    "nested": {
        "variable": [_VARIABLE],
        "geographic": [Options(*GEOGRAPHIC_KINDS)],
        "power": [_POSITIVE],
        "cutoff": [None, _POSITIVE],
        "k": [Interval(int, 1, None)],
        "threshold": [_POSITIVE],
        "binary": [Boolean()],
    },
    "matrix": {
        "matrix": [InstanceOf((str, Path, pd.DataFrame, np.ndarray, list), "a CSV path, a DataFrame or an array")],
        "matrix_ids": [None, InstanceOf((list, tuple, pd.Index, np.ndarray), "a list of ids")],
    },
}


def _check_settings(kind: Any, id_column: Any, islands: Any, standardize: Any, options: dict[str, Any]) -> None:
    """Check the settings against :data:`SPATIAL_WEIGHTS_CONSTRAINTS` and :data:`KIND_OPTIONS`."""
    if not any(c.is_satisfied_by(kind) for c in SPATIAL_WEIGHTS_CONSTRAINTS["kind"]):
        raise ValueError(f"spatial_weights: unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    settings = {"id": id_column, "islands": islands, "standardize": standardize}
    validate_params(SPATIAL_WEIGHTS_CONSTRAINTS, settings, "spatial_weights")
    allowed = KIND_OPTIONS[kind]
    unknown = set(options) - set(allowed)
    if unknown:
        names = sorted(allowed) or "none"
        raise ValueError(
            f"spatial_weights: option(s) {sorted(unknown)} do not apply to kind={kind!r}; allowed: {names}"
        )
    validate_params(allowed, options, f"spatial_weights(kind={kind!r})")


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------
def spatial_weights(
    regions: gpd.GeoDataFrame | None,
    kind: str = "queen",
    ids: Any = None,
    id: str | None = None,
    *,
    islands: str = "nearest",
    standardize: str | None = "r",
    **options: Any,
) -> W:
    """Build a spatial weights matrix in the order of the panel's region ids.

    Parameters
    ----------
    regions : GeoDataFrame, path or None
        Boundaries (e.g. from :func:`~spatialcoupling.read_regions`, or a path that
        is read with it, using ``id``). May be
        ``None`` for ``kind="matrix"`` and ``kind="economic"`` when ``ids`` is given.
    kind : str
        ``"queen"``, ``"rook"`` (shared border / shared vertex contiguity);
        ``"knn"`` (``k``, default 4); ``"distance_band"`` (``threshold`` — km for
        longitude/latitude data, CRS units for projected data; ``binary=True``, or
        ``binary=False`` for inverse distance ``d**-power`` within the band);
        ``"inverse_distance"`` (``power``, default 1; optional ``cutoff`` in
        km/CRS units); ``"economic"`` (``variable``: a region × period Series —
        its mean over periods is used — or a per-region Series; ``w_ij =
        1/|x̄_i − x̄_j|``); ``"nested"`` (``geographic`` kind, default
        ``"inverse_distance"``, multiplied elementwise by the economic weights of
        ``variable``); ``"matrix"`` (``matrix``: a CSV path with ids in the first
        column and the header, a square DataFrame indexed by ids, or an array with
        ``matrix_ids``).
    ids : sequence, Index, Panel or region × period Series, optional
        The region ids in the panel's order; the returned ``W.id_order``. Default:
        all regions in the order of ``regions``. Regions not in ``ids`` are left
        out (reported on the notes); ids without a boundary are an error.
    id : str, optional
        Column of ``regions`` holding the ids (codes or names). Default: the index.
    islands : {"nearest", "error", "keep"}
        Regions without neighbours: link each to its nearest region by distance
        (symmetrically; reported with a warning and on the notes), raise an error
        listing them, or keep them with a warning.
    standardize : {"r", "b", None}
        Row-standardise (default), binary, or keep the weights as built.
    **options
        The kind's options listed above.

    Returns
    -------
    libpysal.weights.W
        ``id_order`` equal to ``ids``; its notes (``spatialcoupling._notes.notes_of(w)``,
        the attribute ``w.spatialcoupling_notes``) list what was done (islands linked,
        regions left out, distance unit).

    Raises
    ------
    ValueError
        Unknown kind/option; ids without boundary or duplicated ids (named);
        islands with ``islands="error"`` (named); identical points under inverse
        distance or equal means under economic weights (the pairs are named);
        a user matrix whose ids do not match (named).
    """
    m, order, notes = _weights_matrix(regions, kind, ids, id, islands, standardize, options)
    return _to_w(m, order, standardize, notes)


def sparse_weights(
    regions: gpd.GeoDataFrame | None,
    kind: str = "queen",
    ids: Any = None,
    id: str | None = None,
    *,
    islands: str = "nearest",
    standardize: str | None = "r",
    **options: Any,
) -> SpatialWeights:
    """The weights of :func:`spatial_weights` as plain data: ids and a sparse matrix, no libpysal ``W``.

    Takes the same arguments and gives the same ids, weights and notes; what differs is the
    type. Every analysis of the package takes it where it takes a ``W``, and a study run uses it,
    so that a run does not import libpysal (about 3 s: libpysal's package imports its graph,
    geometry and example modules, and scipy.stats, scikit-learn and numba through them).
    :meth:`SpatialWeights.to_libpysal` turns it into the ``W`` that :func:`spatial_weights` returns.

    Examples
    --------
    >>> import spatialcoupling as sc
    >>> provinces = sc.datasets.load("china_provinces")
    >>> sw = sc.sparse_weights(provinces, "queen")
    >>> sw.n, sw.transform, round(float(sw.sparse.sum()), 6)
    (31, 'R', 31.0)
    >>> w = sc.spatial_weights(provinces, "queen")
    >>> list(sw.ids) == list(w.id_order), (sw.sparse != w.sparse).nnz
    (True, 0)
    """
    m, order, notes = _weights_matrix(regions, kind, ids, id, islands, standardize, options)
    transform = _TRANSFORMS[standardize]
    if transform not in ("R", "B", "O"):  # libpysal's variance-stabilising and double standardisations
        from ._weights import as_weights

        return as_weights(_to_w(m, order, standardize, notes))
    m = sparse.csr_matrix(m, dtype=float)
    m.eliminate_zeros()
    m.sort_indices()
    values = _row_standardized(m) if transform == "R" else np.ones_like(m.data) if transform == "B" else m.data
    weights = sparse.csr_matrix((values, m.indices, m.indptr), shape=m.shape)
    return SpatialWeights.of(order, weights, transform, notes=notes, original=m)


def to_libpysal(weights: SpatialWeights) -> W:
    """The libpysal ``W`` of weights from :func:`sparse_weights`: the ``W`` that
    :func:`spatial_weights` gives for the same settings (ids, weights as built, transformation,
    notes).

    Raises
    ------
    ValueError
        When ``weights`` do not carry the weights as built (``original``), which a ``W`` keeps.
    """
    if weights.original is None:
        raise ValueError(
            "to_libpysal: these weights do not carry their weights as built (SpatialWeights.original); "
            "use weights.to_libpysal() for a W of the transformed weights"
        )
    standardize = {"R": "r", "B": "b", "O": None}[weights.transform]
    return _to_w(weights.original, list(weights.ids), standardize, list(weights.notes))


def _weights_matrix(
    regions: Any, kind: str, ids: Any, id: str | None, islands: str, standardize: Any, options: dict[str, Any]
) -> tuple[sparse.csr_matrix, list, list[str]]:
    """The weights as built (before any standardisation), the ids in matrix order, and the notes."""
    _check_settings(kind, id, islands, standardize, options)
    if isinstance(regions, str | Path):
        from .regions import read_regions

        regions = read_regions(regions, id=id)
    notes: list[str] = []
    frame, order = _subset(regions, ids, id, notes, need_geometry=kind not in ("economic", "matrix"))
    n = len(order)
    if n < 2:
        raise ValueError(f"spatial_weights: need at least two regions, got {n}")

    geo_info: dict[str, Any] = {}
    if kind in ("queen", "rook"):
        m = _contiguity(frame, kind)
    elif kind in ("knn", "distance_band", "inverse_distance"):
        m = _distance_kind(frame, kind, options, notes, geo_info)
    elif kind == "economic":
        m = _economic(order, options.get("variable"))
    elif kind == "nested":
        geographic = options.get("geographic", "inverse_distance")
        geo_opts = {k: v for k, v in options.items() if k in KIND_OPTIONS[geographic]}
        g = (
            _contiguity(frame, geographic)
            if geographic in ("queen", "rook")
            else _distance_kind(frame, geographic, geo_opts, notes, geo_info)
        )
        e = _economic(order, options.get("variable"))
        m = sparse.csr_matrix(g.multiply(e))
        notes.append(f"nested weights: {geographic} × economic (1/|x̄_i − x̄_j|), elementwise")
    else:
        m = _user_matrix(order, options.get("matrix"), options.get("matrix_ids"))

    m = sparse.csr_matrix(m)
    m.eliminate_zeros()
    m = _handle_islands(m, order, frame, islands, kind, options, notes, geo_info)
    return m, order, notes


def write_weights(w: W, path: str | Path) -> Path:
    """Write weights to ``.gal`` (neighbours only), ``.gwt`` (id pairs with weights) or ``.csv``.

    The CSV is the dense n × n matrix with the ids as first column and header, in
    ``w.id_order``, for users of other software (Stata ``spmatrix``, MATLAB, R).
    GAL is written with ``libpysal.io``, GWT here at full precision (libpysal's
    writer rounds to six decimals); their ids may not contain
    whitespace. The weights are written as they are (after any standardisation).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    order = list(w.id_order)
    if suffix == ".csv":
        dense = pd.DataFrame(w.full()[0], index=pd.Index(order, name="id"), columns=order)
        dense.to_csv(path)
        return path
    if suffix not in (".gal", ".gwt"):
        raise ValueError(f"write_weights: unknown suffix {path.suffix!r} of {path.name}; use .gal, .gwt or .csv")
    bad = [i for i in order if any(c.isspace() for c in str(i)) or str(i) == ""]
    if bad:
        raise ValueError(
            f"write_weights: {suffix} files separate fields by whitespace, but id(s) {_preview(bad)} contain "
            "whitespace; use ids without spaces (e.g. codes) or write a .csv"
        )
    if suffix == ".gwt":
        # written here: libpysal's GWT writer rounds weights to six decimals
        lines = [f"0 {w.n} {path.stem} unknown"]
        for i in order:
            lines.extend(f"{i} {j} {v!r}" for j, v in zip(w.neighbors[i], w.weights[i], strict=True))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path
    import libpysal

    handle = libpysal.io.open(str(path), "w")
    try:
        handle.write(w)
    finally:
        handle.close()
    return path


def read_weights(path: str | Path) -> W:
    """Read weights written by :func:`write_weights` (``.gal``, ``.gwt`` or dense ``.csv``).

    Ids that all look like integers come back as integers. A ``.gal`` file
    carries neighbours only, so its weights are binary (``w.transform == "O"``).
    """
    import libpysal

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"read_weights: no such file {str(path)!r}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame = pd.read_csv(path, index_col=0)
        rows = [_plain(i) for i in frame.index]
        cols = [_parse_id(c) for c in frame.columns]
        row_keys, col_keys = id_keys(rows), id_keys(cols)
        if len(set(row_keys)) != len(rows):
            dup = pd.Index(rows)[pd.Index(row_keys).duplicated()]
            raise ValueError(f"read_weights({path.name}): id(s) {_preview(dup)} appear twice in the first column")
        row_set, col_set = set(row_keys), set(col_keys)
        only_rows = [r for r, k in zip(rows, row_keys, strict=True) if k not in col_set]
        only_cols = [c for c, k in zip(cols, col_keys, strict=True) if k not in row_set]
        if only_rows or only_cols or len(rows) != len(cols):
            raise ValueError(
                f"read_weights({path.name}): the header and the first column must list the same ids; "
                f"only in rows: {_preview(only_rows) or 'none'}; only in the header: {_preview(only_cols) or 'none'}"
            )
        pos = pd.Series(np.arange(len(cols)), index=col_keys)
        values = frame.to_numpy(dtype=float)[:, pos.loc[row_keys].to_numpy()]
        ids = _maybe_int(rows)
        return _to_w(sparse.csr_matrix(values), ids, None, [], silence=True)
    if suffix not in (".gal", ".gwt"):
        raise ValueError(f"read_weights: unknown suffix {path.suffix!r} of {path.name}; use .gal, .gwt or .csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        handle = libpysal.io.open(str(path), "r")
        try:
            w = handle.read()
        finally:
            handle.close()
    ids = _maybe_int(list(w.id_order))
    return _to_w(w.sparse.tocsr(), ids, None, [], silence=True)


# ---------------------------------------------------------------------------
# ids and subsets
# ---------------------------------------------------------------------------
def _plain_list(index: pd.Index) -> list:
    """The ids as plain Python values (``Index.tolist`` already gives them, except numpy scalars kept in
    object indexes)."""
    values = index.tolist()
    if index.dtype != object:
        return values
    return [v if type(v) in (str, int, float) else _plain(v) for v in values]


def _ids_of(ids: Any) -> list:
    return _plain_list(panel_ids(ids))


def _subset(
    regions: gpd.GeoDataFrame | None, ids: Any, id_col: str | None, notes: list[str], need_geometry: bool
) -> tuple[gpd.GeoDataFrame | None, list]:
    """The regions in the order of ``ids`` (indexed by them) and the id list."""
    if regions is None:
        if need_geometry:
            raise ValueError("spatial_weights: this kind needs boundaries; pass a GeoDataFrame as regions")
        if ids is None:
            raise ValueError("spatial_weights: without regions, pass the region ids with ids=")
        order = _ids_of(ids)
        _check_unique(order, "ids")
        return None, order
    have = _plain_list(region_ids(regions, id_col))
    label = f"column {id_col!r}" if id_col is not None and id_col in regions.columns else "the index"
    have_keys = id_keys(have)
    if len(set(have_keys)) != len(have_keys):
        dup = pd.Index(have)[pd.Index(have_keys).duplicated(keep=False)].unique()
        raise ValueError(f"spatial_weights: {label} of regions repeats id(s) {_preview(dup)}; ids must be unique")
    if ids is None:
        order = have
    else:
        order = _ids_of(ids)
        _check_unique(order, "ids")
    want_keys = have_keys if ids is None else id_keys(order)
    # one hash join of the keys (no per-id membership test)
    rows = pd.Index(have_keys, dtype=object).get_indexer(pd.Index(want_keys, dtype=object))
    if (rows < 0).any():
        missing = [order[i] for i in np.flatnonzero(rows < 0)]
        raise ValueError(f"spatial_weights: no boundary in {label} of regions for id(s) {_preview(missing)}")
    used = np.zeros(len(have), dtype=bool)
    used[rows] = True
    if not used.all():
        left_out = [have[i] for i in np.flatnonzero(~used)]
        notes.append(f"left out {len(left_out)} region(s) not in ids: {_preview(left_out, 40)}")
    frame = regions.iloc[rows].copy()
    frame.index = pd.Index(order)
    return frame, order


def _check_unique(order: list, what: str) -> None:
    keys = pd.Index(id_keys(order))
    if keys.has_duplicates:
        dup = pd.Index(order)[keys.duplicated(keep=False)].unique()
        raise ValueError(f"spatial_weights: {what} lists id(s) {_preview(dup)} more than once")


def _parse_id(value: Any) -> Any:
    text = str(value)
    try:
        as_int = int(text)
    except ValueError:
        return text
    return as_int if str(as_int) == text else text


def _maybe_int(values: list) -> list:
    parsed = [_parse_id(v) if isinstance(v, str) else _plain(v) for v in values]
    integers = [int(p) for p in parsed if isinstance(p, int | np.integer)]
    if len(integers) == len(parsed):
        return integers
    return [str(v) for v in values]


# ---------------------------------------------------------------------------
# builders
# ---------------------------------------------------------------------------
def _contiguity(frame: gpd.GeoDataFrame, kind: str) -> sparse.csr_matrix:
    """Queen/rook contiguity of ``frame`` in its row order (libpysal's neighbour sets, built here)."""
    from ._contiguity import contiguity_matrix

    return contiguity_matrix(frame.geometry, kind)


def _coordinates(frame: gpd.GeoDataFrame, notes: list[str], info: dict) -> tuple[np.ndarray, float | None]:
    """Points for distances and the Earth radius (None for planar coordinates)."""
    if "coords" in info:
        return info["coords"], info["radius"]
    points = distance_points(frame)
    xy = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
    crs = frame.crs
    if crs is None:
        x0, y0, x1, y1 = frame.total_bounds
        lonlat = x0 >= -180 and x1 <= 180 and y0 >= -90 and y1 <= 90
        if lonlat:
            notes.append("regions have no CRS; coordinates look like longitude/latitude, distances are great-circle km")
            warnings.warn(f"spatial_weights: {notes[-1]} (set the CRS to be sure)", UserWarning, stacklevel=4)
        else:
            notes.append("regions have no CRS; coordinates treated as planar (distances in coordinate units)")
        radius = EARTH_RADIUS_KM if lonlat else None
        unit = "km" if lonlat else "coordinate units"
    elif crs.is_geographic:
        radius, unit = EARTH_RADIUS_KM, "km"
        notes.append("distances: great-circle km between the centroids of each region's largest polygon part")
    else:
        unit = crs.axis_info[0].unit_name if crs.axis_info else "CRS units"
        radius = None
        notes.append(f"distances: planar, in {unit}, between the centroids of each region's largest polygon part")
    info["coords"], info["radius"], info["unit"] = xy, radius, unit
    return xy, radius


def great_circle_km(lonlat: np.ndarray, other: np.ndarray | None = None) -> np.ndarray:
    """Dense great-circle distances (km) between lon/lat points (haversine, mean Earth radius)."""
    a = np.radians(np.asarray(lonlat, dtype=float))
    b = a if other is None else np.radians(np.asarray(other, dtype=float))
    dlat = b[None, :, 1] - a[:, None, 1]
    dlon = b[None, :, 0] - a[:, None, 0]
    h = np.sin(dlat / 2) ** 2 + np.cos(a[:, None, 1]) * np.cos(b[None, :, 1]) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _distance_matrix(xy: np.ndarray, radius: float | None) -> np.ndarray:
    if radius is not None:
        return great_circle_km(xy)
    diff = xy[:, None, :] - xy[None, :, :]
    return np.sqrt((diff**2).sum(-1))


def _check_distinct(xy: np.ndarray, order: list) -> None:
    frame = pd.DataFrame(np.round(xy, 9))
    dup = frame.duplicated(keep=False).to_numpy()
    if dup.any():
        raise ValueError(
            f"spatial_weights: regions {_preview([order[i] for i in np.flatnonzero(dup)])} share the same "
            "point, so inverse distances are infinite; use contiguity or knn weights, or dissolve them"
        )


def _unit_sphere(lonlat: np.ndarray) -> np.ndarray:
    """Longitude/latitude degrees as points on the unit sphere (libpysal's ``cg.sphere.toXYZ``)."""
    phi = np.radians(lonlat[:, 0]) + np.pi
    theta = np.radians(lonlat[:, 1]) + np.pi / 2
    return np.column_stack([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)])


def _search_points(xy: np.ndarray, radius: float | None) -> np.ndarray:
    return _unit_sphere(xy) if radius is not None else xy


def _knn_matrix(xy: np.ndarray, radius: float | None, k: int) -> sparse.csr_matrix:
    """Binary k-nearest-neighbour matrix (row i: the k points nearest to point i).

    One KD-tree query of ``k + 1`` points per point, dropping the point itself; a point
    with more than ``k`` coincident others drops its farthest hit instead, as libpysal's
    ``KNN`` does, so the neighbour sets equal libpysal's on the same points. Lon/lat
    points are searched by chord distance on the unit sphere, which orders neighbours
    as the great-circle distance does.
    """
    from scipy.spatial import cKDTree

    points = _search_points(xy, radius)
    n = len(points)
    _, idx = cKDTree(points).query(points, k=k + 1)
    not_self = idx != np.arange(n)[:, None]
    not_self[not_self.sum(axis=1) == k + 1, -1] = False
    cols = idx[not_self]
    rows = np.repeat(np.arange(n), k)
    return sparse.csr_matrix((np.ones(n * k), (rows, cols)), shape=(n, n))


def _band_distances(xy: np.ndarray, radius: float | None, threshold: float) -> sparse.csr_matrix:
    """Distances of every pair of distinct points within ``threshold`` (km or CRS units), sparse.

    One KD-tree pair search. For lon/lat points the band is searched as the chord on the
    unit sphere that matches the great-circle ``threshold`` (with libpysal's tolerance of
    three machine epsilons) and the chords are turned back into great-circle km, so the
    pairs and distances equal those of libpysal's ``DistanceBand(radius=...)``. Coincident
    points (distance 0) are not pairs, as in libpysal.
    """
    from scipy.spatial import cKDTree

    n = len(xy)
    points = _search_points(xy, radius)
    tree = cKDTree(points)
    if radius is not None:
        if threshold > math.pi * radius:
            raise ValueError(
                f"spatial_weights: a distance band of {threshold:g} km exceeds half the Earth's circumference "
                f"({math.pi * radius:,.0f} km); use kind='inverse_distance' without cutoff for all pairs"
            )
        chord = math.sqrt(2 - 2 * math.cos(threshold / radius)) + 3 * np.finfo(float).eps
        pairs = tree.query_pairs(chord, output_type="ndarray")
        c = np.sqrt(((points[pairs[:, 0]] - points[pairs[:, 1]]) ** 2).sum(axis=1))
        d = np.arccos(np.clip((2 - c**2) / 2, -1.0, 1.0)) * radius
    else:
        pairs = tree.query_pairs(threshold, output_type="ndarray")
        d = np.sqrt(((xy[pairs[:, 0]] - xy[pairs[:, 1]]) ** 2).sum(axis=1))
    keep = d > 0
    i, j, d = pairs[keep, 0], pairs[keep, 1], d[keep]
    return sparse.csr_matrix((np.r_[d, d], (np.r_[i, j], np.r_[j, i])), shape=(n, n))


def _distance_kind(
    frame: gpd.GeoDataFrame, kind: str, options: dict, notes: list[str], info: dict
) -> sparse.csr_matrix:
    order = list(frame.index)
    n = len(order)
    xy, radius = _coordinates(frame, notes, info)
    if kind == "knn":
        k = options.get("k", 4)
        if not isinstance(k, int | np.integer) or isinstance(k, bool) or not 1 <= k < n:
            raise ValueError(f"spatial_weights: k of kind='knn' must be an integer in 1..{n - 1}, not {k!r}")
        return _knn_matrix(xy, radius, int(k))
    power = float(options.get("power", 1.0))
    if kind == "distance_band":
        if "threshold" not in options:
            unit = "km" if radius else "CRS units"
            raise ValueError(f"spatial_weights: kind='distance_band' needs threshold= (in {unit})")
        threshold, option = float(options["threshold"]), "threshold"
        binary = bool(options.get("binary", True))
    else:
        cutoff = options.get("cutoff")
        _check_distinct(xy, order)
        if cutoff is None:
            # every pair is a neighbour: one dense numpy pass (libpysal's DistanceBand with a
            # band wider than any distance is far slower, benchmarks/results/spatial_weights.md)
            d = _distance_matrix(xy, radius)
            np.fill_diagonal(d, np.inf)
            return sparse.csr_matrix(d ** (-power))
        threshold, option, binary = float(cutoff), "cutoff", False
    if not binary and kind == "distance_band":
        _check_distinct(xy, order)
    m = _band_distances(xy, radius, threshold)
    _refuse_mostly_islands(m, xy, radius, order, option, threshold, kind, info["unit"])
    m.data = np.ones_like(m.data) if binary else m.data ** (-power)
    return m


def _nearest_neighbour_distances(xy: np.ndarray, radius: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Distance from each point to its nearest other point, and that point's position.

    Great-circle km when ``radius`` is given (lon/lat points; the neighbour is found
    by chord distance on the unit sphere, which orders pairs as the great-circle
    distance does), planar distances otherwise. A KD-tree query, O(n log n).
    """
    from scipy.spatial import cKDTree

    if radius is not None:
        lon, lat = np.radians(xy[:, 0]), np.radians(xy[:, 1])
        points = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    else:
        points = xy
    _, pos = cKDTree(points).query(points, k=2)
    # a point's first hit is itself, unless another point coincides with it
    self_first = pos[:, 0] == np.arange(len(points))
    nearest = np.where(self_first, pos[:, 1], pos[:, 0])
    if radius is not None:
        a, b = np.radians(xy), np.radians(xy[nearest])
        h = (
            np.sin((b[:, 1] - a[:, 1]) / 2) ** 2
            + np.cos(a[:, 1]) * np.cos(b[:, 1]) * np.sin((b[:, 0] - a[:, 0]) / 2) ** 2
        )
        dist = 2 * radius * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    else:
        dist = np.sqrt(((xy - xy[nearest]) ** 2).sum(axis=1))
    return dist, nearest


def _refuse_mostly_islands(
    m: sparse.csr_matrix,
    xy: np.ndarray,
    radius: float | None,
    order: list,
    option: str,
    value: float,
    kind: str,
    unit: str,
) -> None:
    """Raise when a distance threshold leaves more than half the regions without a neighbour.

    Linking so many islands to their nearest region would turn the requested band
    into a nearest-neighbour matrix. The message gives the smallest threshold that
    leaves no island: the largest nearest-neighbour distance (rounded up).
    """
    n = len(order)
    lonely = int((np.diff(m.indptr) == 0).sum())
    if 2 * lonely <= n:
        return
    dist, nearest = _nearest_neighbour_distances(xy, radius)
    far = int(dist.argmax())
    needed = math.ceil(dist[far] * 10) / 10
    raise ValueError(
        f"spatial_weights: {option}={value:g} {unit} of kind={kind!r} leaves {lonely} of {n} regions without a "
        f"neighbour (more than half), so the islands rule would replace the band by nearest-neighbour links. "
        f"The smallest {option} that leaves no region without a neighbour is {needed:,.1f} {unit} (the largest "
        f"nearest-neighbour distance, {_plain(order[far])!r} → {_plain(order[int(nearest[far])])!r}); pass "
        f"{option}>={needed:.1f}, or use kind='knn'"
    )


def _economic(order: list, variable: Any) -> sparse.csr_matrix:
    if variable is None:
        raise ValueError(
            "spatial_weights: economic weights need variable= (a region × period Series or a per-region Series)"
        )
    if isinstance(variable, pd.DataFrame):
        if variable.shape[1] != 1:
            raise ValueError(f"spatial_weights: variable= must be one column; got columns {list(variable.columns)}")
        variable = variable.iloc[:, 0]
    if not isinstance(variable, pd.Series):
        raise ValueError("spatial_weights: variable= must be a pandas Series indexed by region (or region, period)")
    name = variable.name if variable.name is not None else "variable"
    if isinstance(variable.index, pd.MultiIndex):
        level = "region" if "region" in (variable.index.names or []) else 0
        means = variable.groupby(level=level, sort=False).mean()
    else:
        means = variable
    if means.index.has_duplicates:
        raise ValueError(
            f"spatial_weights: variable {name!r} repeats "
            f"region(s) {_preview(means.index[means.index.duplicated()].unique())}"
        )
    keys = pd.Index(id_keys(means.index))
    pos = pd.Series(np.arange(len(keys)), index=keys)
    want = id_keys(order)
    missing = [o for o, k in zip(order, want, strict=True) if k not in pos.index]
    if missing:
        raise ValueError(f"spatial_weights: variable {name!r} has no values for region(s) {_preview(missing)}")
    x = pd.to_numeric(means, errors="coerce").to_numpy(dtype=float)[pos.loc[want].to_numpy()]
    bad = ~np.isfinite(x)
    if bad.any():
        raise ValueError(
            f"spatial_weights: variable {name!r} has no finite mean "
            f"for region(s) {_preview([order[i] for i in np.flatnonzero(bad)])}"
        )
    diff = np.abs(x[:, None] - x[None, :])
    np.fill_diagonal(diff, np.inf)
    ties = np.argwhere(np.triu(diff == 0, 1))
    if len(ties):
        pairs = [f"({order[i]!r}, {order[j]!r})" for i, j in ties[:10]]
        raise ValueError(
            f"spatial_weights: variable {name!r} has equal means for region pair(s) {', '.join(pairs)}, "
            "so 1/|x̄_i − x̄_j| is infinite; use another variable or drop one of each pair"
        )
    m = 1.0 / diff
    np.fill_diagonal(m, 0.0)
    return sparse.csr_matrix(m)


def _user_matrix(order: list, matrix: Any, matrix_ids: Any) -> sparse.csr_matrix:
    if matrix is None:
        raise ValueError(
            "spatial_weights: kind='matrix' needs matrix= (a CSV path, a square DataFrame or an array with matrix_ids=)"
        )
    if isinstance(matrix, str | Path):
        path = Path(matrix)
        if not path.exists():
            raise FileNotFoundError(f"spatial_weights: no such matrix file {str(path)!r}")
        frame = pd.read_csv(path, index_col=0)
        frame.columns = [_parse_id(c) for c in frame.columns]
        where = path.name
    elif isinstance(matrix, pd.DataFrame):
        frame = matrix
        where = "matrix"
    else:
        arr = np.asarray(matrix, dtype=float)
        if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
            raise ValueError(f"spatial_weights: matrix must be square, got shape {arr.shape}")
        labels = list(matrix_ids) if matrix_ids is not None else list(order)
        if len(labels) != arr.shape[0]:
            raise ValueError(
                f"spatial_weights: matrix is {arr.shape[0]} × {arr.shape[0]} but {len(labels)} ids were given"
            )
        frame = pd.DataFrame(arr, index=labels, columns=labels)
        where = "matrix"
    rows, cols = id_keys(frame.index), id_keys(frame.columns)
    row_set, col_set = set(rows), set(cols)
    if frame.shape[0] != frame.shape[1] or row_set != col_set:
        only_r = [r for r, k in zip(frame.index, rows, strict=True) if k not in col_set]
        only_c = [c for c, k in zip(frame.columns, cols, strict=True) if k not in row_set]
        raise ValueError(
            f"spatial_weights: {where} must list the same ids in rows and columns; only in rows: "
            f"{_preview(only_r) or 'none'}; only in columns: {_preview(only_c) or 'none'}"
        )
    if pd.Index(rows).has_duplicates:
        raise ValueError(f"spatial_weights: {where} repeats id(s) {_preview(frame.index[pd.Index(rows).duplicated()])}")
    want = id_keys(order)
    missing = [o for o, k in zip(order, want, strict=True) if k not in row_set]
    if missing:
        raise ValueError(f"spatial_weights: {where} has no row for region(s) {_preview(missing)}")
    rpos = pd.Series(np.arange(len(rows)), index=rows).loc[want].to_numpy()
    cpos = pd.Series(np.arange(len(cols)), index=cols).loc[want].to_numpy()
    values = frame.to_numpy(dtype=float)[np.ix_(rpos, cpos)]
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        cells = [f"({order[i]!r}, {order[j]!r})" for i, j in np.argwhere(bad)[:10]]
        raise ValueError(f"spatial_weights: {where} has negative or missing weights at {', '.join(cells)}")
    diag = np.flatnonzero(np.diag(values) != 0)
    if len(diag):
        raise ValueError(
            f"spatial_weights: {where} has non-zero diagonal weights "
            f"for region(s) {_preview([order[i] for i in diag])}; "
            "a region cannot be its own neighbour"
        )
    return sparse.csr_matrix(values)


# ---------------------------------------------------------------------------
# islands and the W
# ---------------------------------------------------------------------------
def _handle_islands(
    m: sparse.csr_matrix,
    order: list,
    frame: gpd.GeoDataFrame | None,
    islands: str,
    kind: str,
    options: dict,
    notes: list[str],
    info: dict,
) -> sparse.csr_matrix:
    lonely = np.flatnonzero(np.diff(m.indptr) == 0)
    if not len(lonely):
        return m
    names = [order[i] for i in lonely]
    if islands == "error":
        raise ValueError(
            f"spatial_weights: region(s) {_preview(names)} have no neighbours under kind={kind!r}; "
            "pass islands='nearest' to link each to its nearest region, or islands='keep'"
        )
    if islands == "keep":
        notes.append(f"kept {len(names)} island(s) without neighbours: {_preview(names)}")
        warnings.warn(f"spatial_weights: {notes[-1]}", UserWarning, stacklevel=3)
        return m
    if frame is None:
        raise ValueError(
            f"spatial_weights: region(s) {_preview(names)} have no neighbours and no boundaries were given to find "
            "the nearest; pass regions= or islands='keep'"
        )
    xy, radius = _coordinates(frame, [], info)
    d = great_circle_km(xy[lonely], xy) if radius else np.sqrt(((xy[lonely, None, :] - xy[None, :, :]) ** 2).sum(-1))
    d[np.arange(len(lonely)), lonely] = np.inf
    nearest = d.argmin(axis=1)
    dist = d[np.arange(len(lonely)), nearest]
    weighted = kind == "inverse_distance" or (kind == "distance_band" and not options.get("binary", True))
    power = float(options.get("power", 1.0))
    values = dist ** (-power) if weighted else np.ones(len(lonely))
    if kind == "nested":
        values = values * np.asarray(_economic(order, options.get("variable"))[lonely, nearest]).ravel()
    add = sparse.coo_matrix((values, (lonely, nearest)), shape=m.shape).tocsr()
    add = add.maximum(add.T)
    m = sparse.csr_matrix(m.maximum(add))
    unit = "km" if radius else "units"
    links = ", ".join(
        f"{order[i]!r} → {order[j]!r} ({x:,.0f} {unit})" for i, j, x in zip(lonely, nearest, dist, strict=True)
    )
    notes.append(f"linked {len(lonely)} island(s) to the nearest region: {links}")
    warnings.warn(f"spatial_weights: {notes[-1]}", UserWarning, stacklevel=3)
    return m


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small lists are made (none are cycles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _row_lists(m: sparse.csr_matrix, order: list, data: np.ndarray) -> tuple[dict, dict]:
    """libpysal's ``neighbors`` and ``weights`` dictionaries of a CSR matrix: one slice per row."""
    ids = np.empty(len(order), dtype=object)
    ids[:] = order
    names = ids[m.indices].tolist()
    values = data.tolist()
    bounds = m.indptr.tolist()
    spans = list(zip(order, bounds[:-1], bounds[1:], strict=True))
    return {i: names[a:b] for i, a, b in spans}, {i: values[a:b] for i, a, b in spans}


def _row_standardized(m: sparse.csr_matrix) -> np.ndarray:
    """The stored weights of ``m`` divided by their row sums (libpysal's divisions, row sums added in
    the same order)."""
    sums = np.asarray(m.sum(axis=1)).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        return m.data / np.repeat(sums, np.diff(m.indptr))


def _to_w(m: sparse.csr_matrix, order: list, standardize: str | None, notes: list[str], silence: bool = False) -> W:
    """A libpysal ``W`` of ``m`` with ids ``order`` and its transform set.

    The dictionaries are sliced from the CSR rows, and the row standardisation is computed here on
    the sparse matrix (the same divisions as libpysal's, row sums added in the same order) and
    handed to ``W.transformations``, so it is not recomputed region by region. Setting another
    transform later on the ``W`` works as usual. The package's analyses read the matrix back
    through :func:`spatialcoupling._weights.as_weights` in one pass, not through ``W.sparse``.
    """
    from libpysal.weights import W

    m = sparse.csr_matrix(m, dtype=float)
    m.eliminate_zeros()
    m.sort_indices()
    transform = _TRANSFORMS[standardize]
    with _no_gc(), warnings.catch_warnings():
        neighbors, weights = _row_lists(m, order, m.data)
        warnings.simplefilter("ignore")
        w = W(neighbors, weights, id_order=list(order), silence_warnings=True)
        if transform == "R":
            w.transformations["R"] = _row_lists(m, order, _row_standardized(m))[1]
        w.transform = transform
    return attach_notes(w, notes)
