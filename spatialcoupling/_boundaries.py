"""Boundaries lined up with the region ids of a table: one rule for maps and GIS layers.

The ids are looked up in the index of the GeoDataFrame, else in a column given by name, else
in the first column that holds all of them. Ids are compared through
:func:`spatialcoupling._ids.id_keys`, so ``110000`` and ``"110000"`` name the same region.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._ids import id_keys
from ._series import preview

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = ["align_regions"]


def _covers(candidate: Any, want_keys: set[str]) -> bool:
    return want_keys <= set(id_keys(candidate))


def _id_frame(regions: gpd.GeoDataFrame, want: list, id_column: str | None) -> gpd.GeoDataFrame:
    """``regions`` indexed by the ids that hold ``want`` (the index, ``id_column`` or a column)."""
    if id_column is not None:
        if id_column not in regions.columns:
            raise ValueError(f"regions has no column {id_column!r}; columns: {list(regions.columns)}")
        return regions.set_index(id_column)
    want_keys = set(id_keys(want))
    if _covers(regions.index, want_keys):
        return regions
    for col in regions.columns:
        if col != regions.geometry.name and _covers(regions[col], want_keys):
            return regions.set_index(col)
    have = set(id_keys(regions.index))
    missing = [r for r, k in zip(want, id_keys(want), strict=True) if k not in have]
    raise ValueError(
        f"regions: {len(missing)} region id(s) of the table are neither in the index nor in one "
        f"column of the GeoDataFrame: {preview(missing)}; index it by the ids or pass id_column="
    )


def align_regions(
    regions: Any, ids: Sequence, id_column: str | None = None, keep_others: bool = False
) -> gpd.GeoDataFrame:
    """Boundaries indexed by ``ids``, in that order.

    Parameters
    ----------
    regions : GeoDataFrame
        Boundaries whose index holds the ids, or with a column holding them.
    ids : sequence
        Region ids of the table to draw or write.
    id_column : str, optional
        The column holding the ids (default: the index, else the first column that covers
        every id).
    keep_others : bool
        Append the boundaries of regions outside ``ids`` (maps draw them as "no data", e.g.
        Tibet and Hainan in a 29-province study).

    Returns
    -------
    GeoDataFrame
        One geometry column, indexed by ``region``.

    Raises
    ------
    TypeError
        ``regions`` is not a GeoDataFrame.
    ValueError
        Ids without a boundary (named), or a boundary id given more than once.
    """
    import geopandas as gpd

    if not isinstance(regions, gpd.GeoDataFrame):
        raise TypeError(f"regions must be a GeoDataFrame of boundaries, got {type(regions).__name__}")
    want = list(ids)
    frame = _id_frame(regions, want, id_column)
    keys = pd.Index(id_keys(frame.index))
    if keys.duplicated().any():
        dup = frame.index[keys.duplicated(keep=False)].unique()
        raise ValueError(f"regions: several boundaries for the id(s) {preview(dup)}; dissolve them first")
    pos = pd.Series(np.arange(len(frame)), index=keys)
    want_keys = id_keys(want)
    missing = [r for r, k in zip(want, want_keys, strict=True) if k not in pos.index]
    if missing:
        raise ValueError(f"regions: no boundary for {preview(missing)}")
    take = pos.loc[want_keys].to_numpy()
    labels = list(want)
    if keep_others:
        others = np.setdiff1d(np.arange(len(frame)), take)
        take = np.concatenate([take, others])
        labels += list(frame.index[others])
    out = frame.iloc[take][[frame.geometry.name]].copy()
    out.index = pd.Index(labels, name="region")
    return out
