"""What the distribution-dynamics objects share: the balanced panel, aligned weights, the result base.

A dynamics object works on a balanced region × period panel (every region observed in every
period): transitions, paths and densities compare the same regions over time, so a gap is an
error naming the missing region-periods (fill them first, e.g. ``Panel.interpolate()``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .._aliases import in_region_order
from .._results import Result
from .._series import PERIOD, REGION, _preview, as_region_period_series, require_balanced
from .._weights import SpatialWeights, as_weights

__all__ = ["DynamicsResult", "aligned_weights", "balanced_panel", "require", "settings_frame"]


def require(package: str) -> None:
    """Import ``package`` (giddy or pointpats) or raise an ImportError saying how to install it."""
    import importlib

    try:
        importlib.import_module(package)
    except ImportError as err:
        raise ImportError(
            f"{package} is needed for the distribution-dynamics methods: pip install 'spatialcoupling[dynamics]' "
            f"(or pip install {package})"
        ) from err


def balanced_panel(series: Any, who: str, *, min_periods: int = 2, min_regions: int = 2) -> pd.DataFrame:
    """The region × period table (regions as rows, periods as sorted columns) of a balanced series.

    Raises
    ------
    TypeError, ValueError
        Naming ``who``: not a region × period series, missing values, gaps in the panel, too
        few periods or regions.
    """
    name = getattr(series, "name", None)
    label = f"{who}: {name}" if isinstance(name, str) and name else f"{who}: series"
    clean = as_region_period_series(series, name=label)
    wide = require_balanced(clean, name=label)
    wide = wide.sort_index(axis=1)
    wide.columns.name = PERIOD
    wide.index.name = REGION
    if wide.shape[1] < min_periods:
        raise ValueError(f"{label} has {wide.shape[1]} period(s); at least {min_periods} are needed")
    if wide.shape[0] < min_regions:
        raise ValueError(f"{label} has {wide.shape[0]} region(s); at least {min_regions} are needed")
    return wide


def aligned_weights(w: Any, regions: pd.Index, who: str, *, allow_islands: bool = False) -> SpatialWeights:
    """Row-standardised weights in the order of ``regions`` (the rows of the panel).

    Raises
    ------
    ValueError
        When the regions of the weights and of the series differ (both lists named), or a
        region has no neighbour (its spatial lag would be 0, not a neighbourhood value) unless
        ``allow_islands``.
    """
    sw = as_weights(w)
    ids = pd.Index(sw.ids)
    missing = regions.difference(ids)
    extra = ids.difference(regions)
    if len(missing) or len(extra):
        parts = []
        if len(missing):
            parts.append(f"{len(missing)} region(s) of the series are not in the weights: {_preview(missing)}")
        if len(extra):
            parts.append(f"{len(extra)} region(s) of the weights are not in the series: {_preview(extra)}")
        raise ValueError(
            f"{who}: " + "; ".join(parts) + ". Build the weights on the regions of the series "
            "(sc.spatial_weights(regions) on the same ids) or restrict the series to the regions of the weights"
        )
    out = sw.subset(list(regions), transform="r")
    if out.islands and not allow_islands:
        raise ValueError(
            f"{who}: {len(out.islands)} region(s) without neighbours: {_preview(out.islands)}; a spatial lag "
            "needs neighbours: link them (sc.spatial_weights(..., islands='nearest')) or drop them from the series"
        )
    return out


def settings_frame(settings: Mapping[str, Any]) -> pd.DataFrame:
    """The settings as a one-column table (``setting`` → ``value`` as text), for export."""
    return pd.DataFrame({"value": [str(v) for v in settings.values()]}, index=pd.Index(list(settings), name="setting"))


class DynamicsResult(Result):
    """Base of the distribution-dynamics results: named tables, settings and notes.

    Tables are held in one mapping and handed out as copies; ``settings`` is a read-only
    mapping; ``notes`` lists what was excluded, merged or could not be computed. Tables keyed by
    region list China's provinces in yearbook order (:func:`spatialcoupling.regions.region_order`);
    other regions keep the order they had.
    """

    _table_names: tuple[str, ...] = ("table",)
    #: tables shown by ``summary()`` after the main table
    _summary_tables: tuple[str, ...] = ()

    def __init__(self, tables: Mapping[str, pd.DataFrame], settings: Mapping[str, Any], notes: list[str]):
        self._store = {name: in_region_order(frame) for name, frame in tables.items()}
        self.settings = MappingProxyType(dict(settings))
        self._notes = list(dict.fromkeys(notes))
        self._freeze()

    def _get(self, name: str) -> pd.DataFrame:
        return self._store[name].copy()

    @property
    def table(self) -> pd.DataFrame:
        """The main table (see the class docstring)."""
        return self._get("table")

    @property
    def settings_table(self) -> pd.DataFrame:
        """The settings as a table (setting → value)."""
        return settings_frame(self.settings)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every named table, ``table`` first, then ``settings_table``."""
        out = {name: self._get(name) for name in self._table_names}
        out["settings_table"] = self.settings_table
        return out

    def summary(self) -> str:
        """The class name, the settings, the notes, the main table and the key tables."""
        title = type(self).__name__
        lines = [title, "=" * len(title)]
        lines.append("; ".join(f"{k}: {v}" for k, v in self.settings.items()))
        lines += [f"note: {n}" for n in self.notes]
        with pd.option_context("display.width", 120, "display.max_columns", 30, "display.max_rows", 40):
            for name in ("table", *self._summary_tables):
                frame = self._store[name]
                if name != "table":
                    lines += ["", name, "-" * len(name)]
                lines.append(frame.to_string(float_format=lambda v: f"{v:.4f}"))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {', '.join(self._table_names)}>"


def read_only(array: np.ndarray) -> np.ndarray:
    """``array`` flagged read-only (results hand out arrays that cannot be changed)."""
    array.setflags(write=False)
    return array
