"""Indicator panels: reading, checking, filling gaps and deriving indicators.

A :class:`Panel` holds a region × period table of indicators, indexed by
``(region, period)`` and sorted. It is immutable in use: every operation returns
a new Panel, and whatever an operation filled or could not compute is recorded on
it (``.filled``, ``.notes``).

Derived indicators follow the applied literature:

- growth rate: ``x_t / x_{t-1} - 1`` within a region (first period undefined);
- perpetual inventory capital stock (Goldsmith; initial stock as in Hall & Jones 1999):
  ``K_t = (1 - δ) K_{t-1} + I_t / P_t`` with ``K_0 = I_0 / (g + δ)``, ``g`` the
  average annual growth of real investment over the region's span, ``δ = 0.096``
  by default (Zhang Jun et al. 2004 for Chinese provinces);
- deflation to a base period: ``x_real,t = x_t · P_base / P_t``.

The keyword settings of :func:`read_panel` are declared once, in
:data:`READ_PANEL_CONSTRAINTS` (in the form of :mod:`spatialcoupling._params`); the function
checks them and the study file's schema reads them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._aliases import describe_problems, region_order, resolve, unit_name
from ._ids import describe_collisions, id_collisions, strip_ids
from ._io import read_grid, read_sheets, read_table
from ._params import Boolean, InstanceOf, validate_params
from ._results import copied
from ._series import PERIOD, REGION, _preview, missing_cells

__all__ = ["READ_PANEL_CONSTRAINTS", "Panel", "read_panel"]


def _non_empty(text: Any) -> bool:
    return text != ""


#: the keyword settings of :func:`read_panel` (``src`` is the data)
READ_PANEL_CONSTRAINTS: dict[str, list[Any]] = {
    "region": [InstanceOf(str, "a column name")],
    "period": [InstanceOf(str, "a column name")],
    "columns": [None, InstanceOf((list, tuple), "a list of column names")],
    "sheet": [
        None,
        InstanceOf(str, "a sheet name"),
        InstanceOf(int, "a sheet number", check=lambda v: not isinstance(v, bool)),
    ],
    "wide": [Boolean()],
    "wide_sep": [InstanceOf(str, "a non-empty string such as '_'", check=_non_empty)],
    "encoding": [None, InstanceOf(str, "a codec name such as 'utf-8' or 'gb18030'")],
    "sep": [None, InstanceOf(str, "a non-empty string such as ',' or ';'", check=_non_empty)],
    "sheets": [
        None,
        InstanceOf(str, "'*' (every sheet)", check=lambda v: v == "*"),
        InstanceOf((list, tuple), "a list of sheet names", check=lambda v: len(v) > 0),
        InstanceOf(dict, "a mapping sheet -> indicator", check=lambda v: len(v) > 0),
    ],
    "indicator": [None, InstanceOf(str, "an indicator name", check=_non_empty)],
    "na_values": [None, InstanceOf((list, tuple), "a list of texts read as missing")],
    "thousands": [None, InstanceOf(str, "a one-character string such as ','", check=lambda v: len(v) == 1)],
    "regions": [
        None,
        InstanceOf(str, "the name of an alias table ('china_provinces')", check=lambda v: v in ("china_provinces",)),
    ],
    "header_row": [
        None,
        InstanceOf(int, "a row number (1 = the first row)", check=lambda v: not isinstance(v, bool) and v >= 1),
    ],
}

#: texts of yearbooks that stand for a missing value (compared after NFKC normalisation, stripped, case folded)
MISSING_TOKENS = ("—", "——", "–", "-", "--", "---", "…", "……", "...", "..", "/", "n.a.", "n.a", "n/a", "na", "nan", "×")


class Panel:
    """A region × period indicator panel.

    Parameters
    ----------
    data : pandas.DataFrame
        Numeric indicator columns indexed by a ``(region, period)`` MultiIndex.
    filled : pandas.DataFrame, optional
        Boolean frame of the same shape, True where a value was filled.
    notes : sequence of str, optional
        What was filled, computed or left undefined on the way to this panel.

    Notes
    -----
    Build panels with :func:`read_panel`; the constructor expects data already
    checked (numeric columns, unique index). It sorts the rows: by region and period, China's
    provinces in yearbook order (by adcode). :meth:`select`, :meth:`drop`, :meth:`rename` and
    :meth:`rename_regions` keep the panel's order (ids renamed into China's provinces take the
    yearbook order) and, since they cannot repeat a row, skip the duplicate check.
    """

    def __init__(self, data: pd.DataFrame, filled: pd.DataFrame | None = None, notes: Sequence[str] = ()):
        if not isinstance(data, pd.DataFrame) or not isinstance(data.index, pd.MultiIndex) or data.index.nlevels != 2:
            raise TypeError("Panel needs a DataFrame indexed by (region, period); build one with sc.read_panel(...)")
        duplicated = data.index[data.index.duplicated()]
        if len(duplicated):
            raise ValueError(
                f"duplicate region-periods: {_preview(duplicated.unique())}; keep one row per region and period"
            )
        self._data = data.copy()
        self._data.index = self._data.index.set_names([REGION, PERIOD])
        if not self._data.index.is_monotonic_increasing:  # sorting a sorted frame still copies it
            self._data = self._data.sort_index()
        self._data = _yearbook_sorted(self._data)
        if filled is None:
            filled = pd.DataFrame(False, index=self._data.index, columns=self._data.columns)
        self._filled = filled.copy() if filled.index.equals(self._data.index) else filled.reindex(self._data.index)
        self._notes = list(notes)
        self._grid_cache: tuple[np.ndarray, np.ndarray, int, int] | None = None

    @classmethod
    def _aligned(cls, data: pd.DataFrame, filled: pd.DataFrame, notes: Sequence[str]) -> Panel:
        """A panel from frames already checked and in panel order (a column added to a panel's own rows).

        Skips the duplicate check and the (yearbook) sorting that the rows already passed, so operations
        that add a column cost no more than the column itself.
        """
        panel = cls.__new__(cls)
        panel._data = data
        panel._filled = filled
        panel._notes = list(notes)
        panel._grid_cache = None
        return panel

    # -- views ----------------------------------------------------------------
    data = copied("_data", "The indicator table (a copy), indexed by ``(region, period)``.")

    filled = copied("_filled", "Boolean frame: True where a value was filled by :meth:`interpolate`.")

    @property
    def notes(self) -> list[str]:
        """What was filled, derived or left undefined, in order."""
        return list(self._notes)

    @property
    def columns(self) -> list[str]:
        return list(self._data.columns)

    @property
    def regions(self) -> pd.Index:
        """Region ids in panel order (see the class notes)."""
        return self._data.index.get_level_values(REGION).unique()

    @property
    def periods(self) -> pd.Index:
        """Periods in order."""
        return pd.Index(sorted(self._data.index.get_level_values(PERIOD).unique()), name=PERIOD)

    @property
    def is_balanced(self) -> bool:
        """True when every region is observed in every period (rows present)."""
        return len(self.missing()) == 0

    def missing(self) -> pd.DataFrame:
        """Region-periods absent from the panel (rows that a balanced panel would have)."""
        return missing_cells(self._data.index).to_frame(index=False)

    def missing_values(self) -> pd.DataFrame:
        """Present rows with missing cells: one row per (region, period, column)."""
        stacked = self._data.isna().stack()
        cells = stacked[stacked].index.to_frame(index=False)
        cells.columns = [REGION, PERIOD, "column"]
        return cells

    def __getitem__(self, column: str) -> pd.Series:
        """A column as a region × period Series."""
        if column not in self._data.columns:
            raise KeyError(f"column {column!r} is not in the panel; columns: {', '.join(map(str, self.columns))}")
        return self._data[column].copy()

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return (
            f"<Panel: {len(self.regions)} regions × {len(self.periods)} periods, "
            f"{len(self.columns)} columns{'' if self.is_balanced else ', unbalanced'}>"
        )

    def _with(self, data: pd.DataFrame, filled: pd.DataFrame | None = None, notes: Iterable[str] = ()) -> Panel:
        if filled is None:
            filled = self._filled.reindex(index=data.index, columns=data.columns, fill_value=False)
        return Panel(data, filled.astype(bool), [*self._notes, *notes])

    def _derived(
        self,
        data: pd.DataFrame,
        name: str,
        used: pd.Series | np.ndarray,
        inputs: Sequence[str],
        notes: Iterable[str] = (),
    ) -> Panel:
        """A panel with the new column ``name`` of ``data``, marked filled where ``used`` (a cell used a
        filled input cell) and the value exists; the count is noted."""
        filled = self._filled.copy()
        if isinstance(used, pd.Series):
            used = used.reindex(self._data.index, fill_value=False).to_numpy(dtype=bool)
        mask = np.asarray(used, dtype=bool) & data[name].notna().to_numpy()
        filled[name] = mask
        filled = filled[list(data.columns)]
        notes = list(notes)
        if mask.any():
            sources = [c for c in dict.fromkeys(inputs) if c in self._filled.columns and self._filled[c].any()]
            notes.append(
                f"filled: {int(mask.sum())} cell(s) of {name!r} marked filled: derived from filled cells "
                f"of {', '.join(map(repr, sources))}"
            )
        return Panel._aligned(data, filled, [*self._notes, *notes])

    def _grid(self) -> tuple[np.ndarray, np.ndarray, int, int]:
        """Row positions on the region × period grid: (region codes, period positions, n regions, n periods).

        Computed once per panel; lets column operations work on numpy arrays instead of unstacking.
        """
        if self._grid_cache is None:
            index = self._data.index
            assert isinstance(index, pd.MultiIndex)
            period_pos = self.periods.get_indexer(index.levels[1])
            self._grid_cache = (
                np.asarray(index.codes[0], dtype=np.intp),
                period_pos[np.asarray(index.codes[1], dtype=np.intp)],
                len(index.levels[0]),
                len(self.periods),
            )
        return self._grid_cache

    def _grid_array(self, values: np.ndarray, fill: Any) -> np.ndarray:
        """One column's values (in row order) on the region × period grid, ``fill`` where a row is absent."""
        rows, cols, n_regions, n_periods = self._grid()
        out = np.full((n_regions, n_periods), fill, dtype=np.asarray(values).dtype)
        out[rows, cols] = values
        return out

    def _filled_wide(self, column: str) -> pd.DataFrame:
        """Region × period table of ``.filled`` of one column (False where the row is absent)."""
        wide = self._filled[column].unstack(PERIOD).reindex(columns=self.periods)
        return wide.fillna(False).astype(bool)

    def _wide(self, column: str) -> pd.DataFrame:
        """Region × period table of one column over the full period grid."""
        return self[column].unstack(PERIOD).reindex(columns=self.periods)

    def _from_wide(self, wide: pd.DataFrame) -> pd.Series:
        return wide.stack(future_stack=True).reindex(self._data.index)

    def _check_new_name(self, name: str) -> None:
        if name in self._data.columns:
            raise ValueError(f"column {name!r} already exists; pass another name=")

    def _require_numeric_periods(self, what: str) -> np.ndarray:
        periods = self.periods
        if not pd.api.types.is_numeric_dtype(periods.dtype):
            raise ValueError(f"{what} needs numeric periods (e.g. years); got {list(periods[:5])}")
        return periods.to_numpy(dtype=float)

    # -- filling ------------------------------------------------------------------
    def interpolate(
        self,
        method: Literal["linear"] = "linear",
        *,
        extrapolate: Literal["nearest", "linear"] | None = None,
        columns: Sequence[str] | None = None,
    ) -> Panel:
        """Fill gaps within each region along time.

        Gaps are missing cells and absent region-periods between a region's first
        and last observation of a column. Interpolation is linear in the period
        value (so a two-year gap is bridged in proportion). Beyond a region's
        first/last observation nothing is filled unless ``extrapolate`` is
        ``"nearest"`` (carry the end value) or ``"linear"`` (extend the line through
        the two nearest observations).

        Returns
        -------
        Panel
            A new panel; ``.filled`` marks every filled cell and ``.notes`` counts
            them per column. Cells that could not be filled (e.g. a region with no
            observation of a column) are listed in the notes.
        """
        if method != "linear":
            raise ValueError(f"method must be 'linear', got {method!r}")
        if extrapolate not in (None, "nearest", "linear"):
            raise ValueError(f"extrapolate must be None, 'nearest' or 'linear', got {extrapolate!r}")
        columns = list(self.columns if columns is None else columns)
        for col in columns:
            self[col]  # raises a KeyError naming an unknown column
        x = self._require_numeric_periods("interpolate()")
        full_index = pd.MultiIndex.from_product([self.regions, self.periods], names=[REGION, PERIOD])
        data = self._data.reindex(full_index)
        filled = self._filled.reindex(full_index, fill_value=False)
        notes: list[str] = []
        for col in columns:
            data[col] = data[col].astype(float)  # every interpolated column comes back as floats
            if not data[col].isna().any():  # every region-period observed: nothing to fill
                continue
            wide = data[col].unstack(PERIOD).reindex(columns=self.periods)
            values = wide.to_numpy(dtype=float)
            new = _interpolate_rows(values, x, extrapolate)
            was_missing = np.isnan(values)
            now_filled = was_missing & ~np.isnan(new)
            if now_filled.any():  # else the column is as it was
                data[col] = (
                    pd.DataFrame(new, index=wide.index, columns=wide.columns)
                    .stack(future_stack=True)
                    .reindex(full_index)
                    .to_numpy()
                )
                mask = (
                    pd.DataFrame(now_filled, index=wide.index, columns=wide.columns)
                    .stack(future_stack=True)
                    .reindex(full_index)
                )
                filled[col] = filled[col].to_numpy() | mask.to_numpy()
            n_filled = int(now_filled.sum())
            if n_filled:
                notes.append(
                    f"interpolate: filled {n_filled} cell(s) of {col!r} "
                    f"({'linear' if extrapolate is None else 'linear, extrapolate=' + extrapolate})"
                )
            single = (~np.isnan(values)).sum(axis=1) == 1
            if extrapolate == "linear" and (single & now_filled.any(axis=1)).any():
                notes.append(
                    f"interpolate: {col!r} has a single observation in regions "
                    f"{_preview(wide.index[single & now_filled.any(axis=1)], 5)}: its value was carried"
                    " (no line to extend)"
                )
            left = was_missing & np.isnan(new)
            if left.any():
                where = [(wide.index[i], wide.columns[j]) for i, j in zip(*np.nonzero(left), strict=True)]
                notes.append(
                    f"interpolate: {int(left.sum())} cell(s) of {col!r} left missing "
                    f"(outside observed span or no data): {_preview(where, 5)}"
                )
        # keep absent rows only where something was filled; rows still entirely empty stay absent
        present = self._data.index
        keep = full_index.isin(present) | filled.any(axis=1).to_numpy()
        created = keep & ~full_index.isin(present)
        others = [c for c in self.columns if c not in columns]
        if created.any() and others:
            notes.append(
                f"interpolate: {int(created.sum())} absent region-period row(s) were created to hold filled values; "
                f"their other columns {others} are missing"
            )
        return self._with(data[keep], filled[keep], notes)

    # -- selecting, renaming, combining ------------------------------------------------------
    def select(
        self,
        *,
        regions: Sequence[Any] | None = None,
        periods: Sequence[Any] | None = None,
        columns: Sequence[str] | None = None,
    ) -> Panel:
        """Keep only these regions, periods and/or columns (``periods`` may be ``[first, last]`` via
        :meth:`between`). Unknown ones are an error naming them; what was left out is noted."""
        keep, notes = np.ones(len(self._data), dtype=bool), []
        if regions is not None:
            _require_known("select", "region(s)", regions, self.regions)
            keep &= self._data.index.get_level_values(REGION).isin(list(regions))
            notes.append(f"select: kept {len(set(regions))} of {len(self.regions)} regions")
        if periods is not None:
            _require_known("select", "period(s)", periods, self.periods)
            keep &= self._data.index.get_level_values(PERIOD).isin(list(periods))
            notes.append(f"select: kept {len(set(periods))} of {len(self.periods)} periods")
        if columns is not None:
            _require_known("select", "column(s)", columns, self.columns)
        return self._subset(keep, None if columns is None else list(columns), notes)

    def between(self, first: Any, last: Any) -> Panel:
        """Keep the periods from ``first`` to ``last`` (both included)."""
        periods = [p for p in self.periods if first <= p <= last]
        if not periods:
            raise ValueError(
                f"between({first!r}, {last!r}): no period of the panel ({_preview(list(self.periods))}) in that span"
            )
        out = self.select(periods=periods)
        out._notes[-1] = f"periods: kept {first}–{last} ({len(periods)} of {len(self.periods)} periods)"
        return out

    def drop(
        self,
        *,
        regions: Sequence[Any] | None = None,
        periods: Sequence[Any] | None = None,
        columns: Sequence[str] | None = None,
    ) -> Panel:
        """Remove these regions, periods and/or columns (named in the notes; unknown ones are an error)."""
        keep, kept_columns, notes = np.ones(len(self._data), dtype=bool), None, []
        if regions is not None:
            _require_known("drop", "region(s)", regions, self.regions)
            keep &= ~self._data.index.get_level_values(REGION).isin(list(regions))
            notes.append(f"drop: removed region(s) {_preview(list(regions), 40)}")
        if periods is not None:
            _require_known("drop", "period(s)", periods, self.periods)
            keep &= ~self._data.index.get_level_values(PERIOD).isin(list(periods))
            notes.append(f"drop: removed period(s) {_preview(list(periods), 40)}")
        if columns is not None:
            _require_known("drop", "column(s)", columns, self.columns)
            gone = set(columns)
            kept_columns = [c for c in self.columns if c not in gone]
            notes.append(f"drop: removed column(s) {list(columns)}")
        if not keep.any() or kept_columns == []:
            raise ValueError("drop: nothing would be left of the panel")
        return self._subset(keep, kept_columns, notes)

    def _subset(self, keep: np.ndarray, columns: list[str] | None, notes: list[str]) -> Panel:
        """The rows ``keep`` (a boolean mask) and ``columns`` of this panel, in the panel's order.

        Rows of a checked panel cannot repeat, so the duplicate check and the full sort are skipped;
        only when rows go is the (cached) yearbook rule asked again, since leaving out a row that is
        not a province (a national total) can turn the rest into China's provinces.
        """
        data, filled = self._data, self._filled
        if not keep.all():
            data, filled = data[keep], filled[keep]
            order = _yearbook_positions(data.index)
            if order is not None:
                data, filled = data.iloc[order], filled.iloc[order]
        if columns is not None:
            data, filled = data[columns], filled[columns]
        if data is self._data:
            data, filled = data.copy(), filled.copy()
        return Panel._aligned(data, filled, [*self._notes, *notes])

    def rename_regions(self, mapping: Mapping[Any, Any]) -> Panel:
        """Rename region ids (``{"Inner Mongolia": "内蒙古"}``); unknown old ids and a new id that
        already exists (two regions merged by mistake) are errors."""
        mapping, regions = dict(mapping), self.regions
        _require_known("rename_regions", "region(s)", list(mapping), regions)
        new_ids = [mapping.get(r, r) for r in regions]
        dup = pd.Index(new_ids)[pd.Index(new_ids).duplicated()].unique()
        if len(dup):
            raise ValueError(
                f"rename_regions: region id(s) {_preview(list(dup))} would name two regions; choose other names"
            )
        if len({isinstance(r, str) for r in new_ids}) > 1:
            raise ValueError("rename_regions: the new ids would mix text and numbers; use one kind of id")
        # the new ids are distinct (checked above), so no (region, period) can repeat: no duplicate check
        index = self._data.index
        assert isinstance(index, pd.MultiIndex)
        index = index.remove_unused_levels()
        index = index.set_levels(pd.Index([mapping.get(r, r) for r in index.levels[0]], name=REGION), level=0)
        data, filled = self._data.set_axis(index, axis=0), self._filled.set_axis(index, axis=0)
        order = _yearbook_positions(data.index)
        if order is not None:  # the new ids are China's provinces: the yearbook order of panels
            data, filled = data.iloc[order], filled.iloc[order]
        note = f"rename_regions: {', '.join(f'{k!r} → {v!r}' for k, v in mapping.items())}"
        return Panel._aligned(data, filled, [*self._notes, note])

    def rename(self, columns: Mapping[str, str]) -> Panel:
        """Rename columns (``{"ms_fai": "fai"}``); ``.filled`` follows."""
        columns = dict(columns)
        _require_known("rename", "column(s)", list(columns), self.columns)
        new = [columns.get(c, c) for c in self.columns]
        if len(set(new)) != len(new):
            raise ValueError(f"rename: the new names {new} repeat a column; choose other names")
        data = self._data.rename(columns=columns)
        filled = self._filled.rename(columns=columns)
        note = f"rename: {', '.join(f'{k!r} → {v!r}' for k, v in columns.items())}"
        return Panel._aligned(data, filled, [*self._notes, note])

    def combine(self, columns: Sequence[str], *, how: Literal["sum", "mean"] = "sum", name: str) -> Panel:
        """A new column ``name``: the sum or mean of ``columns`` (e.g. five sub-sectors into a total).

        A cell is missing where any of the columns is missing (noted), never a partial sum.
        """
        if how not in ("sum", "mean"):
            raise ValueError(f"combine: how must be 'sum' or 'mean', got {how!r}")
        columns = list(columns)
        if len(columns) < 2:
            raise ValueError(f"combine: give at least two columns to {how}, got {columns}")
        _require_known(how, "column(s)", columns, self.columns)
        self._check_new_name(name)
        block = self._data[columns]
        values = block.sum(axis=1, min_count=len(columns)) if how == "sum" else block.mean(axis=1, skipna=False)
        values[block.isna().any(axis=1)] = np.nan
        data = self._data.copy()
        data[name] = values
        notes = [f"{how}: {name!r} = {how} of {columns}"]
        gaps = int(block.isna().any(axis=1).sum())
        if gaps:
            notes.append(f"{how}: {name!r} missing in {gaps} row(s) where one of {columns} is missing")
        return self._derived(data, name, self._filled[columns].any(axis=1), columns, notes)

    def sum(self, columns: Sequence[str], *, name: str) -> Panel:
        """``combine(columns, how="sum", name=name)``."""
        return self.combine(columns, how="sum", name=name)

    def mean(self, columns: Sequence[str], *, name: str) -> Panel:
        """``combine(columns, how="mean", name=name)``."""
        return self.combine(columns, how="mean", name=name)

    def log(self, column: str, *, name: str | None = None) -> Panel:
        """Natural logarithm of a column; values <= 0 are an error naming the cells."""
        name = name or f"ln_{column}"
        self._check_new_name(name)
        x = self[column]
        bad = x <= 0
        if bad.any():
            raise ValueError(
                f"log({column!r}): values must be > 0; non-positive at (region, period) {_preview(x.index[bad])}"
            )
        data = self._data.copy()
        data[name] = np.log(x)
        return self._derived(data, name, self._filled[column], [column], [f"log: {name!r} = ln({column})"])

    def per_capita(self, column: str, population: str, *, scale: float = 1.0, name: str | None = None) -> Panel:
        """``column · scale / population`` (e.g. ``scale=1e4`` for population in 10,000 persons)."""
        name = name or f"{column}_per_capita"
        self._check_new_name(name)
        num, pop = self[column], self[population]
        bad = ~(pop > 0) & pop.notna()
        if bad.any():
            raise ValueError(
                f"per_capita({column!r}, {population!r}): population must be > 0; not at {_preview(pop.index[bad])}"
            )
        data = self._data.copy()
        data[name] = num * float(scale) / pop
        used = self._filled[column] | self._filled[population]
        return self._derived(
            data, name, used, [column, population], [f"per_capita: {name!r} = {column} × {scale:g} / {population}"]
        )

    def derive(self, name: str, expression: str) -> Panel:
        """A new column ``name`` from an expression over the columns (never Python's ``eval``).

        The language (see :mod:`spatialcoupling._derive`): numbers, column names, ``+ - * /``,
        parentheses and the functions ``growth(x)``, ``capital_stock(investment, deflator=,
        depreciation=, base_period=)``, ``deflate(x, index, base_period=)``, ``sum(a, b, ...)``,
        ``mean(a, b, ...)``, ``ratio(a, b)``, ``log(x)`` and ``per_capita(x, population, scale=)``,
        which are :meth:`growth_rate`, :meth:`capital_stock`, :meth:`deflate`, :meth:`combine`,
        :meth:`share`, :meth:`log` and :meth:`per_capita`. Their notes are kept, and the
        derivation itself is noted (``derive: 'x' = <expression>``).

        Raises
        ------
        ValueError
            An expression that does not parse (the position is shown), unknown columns (the
            columns are listed), a result that is a number rather than a column, division by
            zero (the cells are named), and every error of the functions used.

        Examples
        --------
        >>> import pandas as pd
        >>> idx = pd.MultiIndex.from_product([["a", "b"], [2020, 2021]], names=["region", "period"])
        >>> p = Panel(pd.DataFrame({"x": [1.0, 2.0, 4.0, 5.0], "y": [1.0, 1.0, 2.0, 2.0]}, index=idx))
        >>> p.derive("z", "growth(x) * 100 + sum(x, y)")["z"].round(1).tolist()
        [nan, 103.0, nan, 32.0]
        """
        from ._derive import Call, Name, evaluate, names_in, parse

        self._check_new_name(name)
        where = f"derive {name!r} = {expression!r}"
        tree = parse(expression)
        unknown = sorted(names_in(tree) - set(self.columns))
        if unknown:
            raise ValueError(f"{where}: unknown column(s) {unknown}; the columns are {self.columns}")
        state: dict[str, Panel] = {"work": self}

        def column(col: str) -> pd.Series:
            return state["work"]._data[col]

        def used_filled(node: Any) -> pd.Series:
            return _used_filled(node, state["work"]._filled, tree, name)

        def put(node: Any, value: Any, function: str) -> str:
            if isinstance(node, Name):
                return node.name
            if not isinstance(value, pd.Series):
                raise ValueError(f"{where}: {function}() needs a column, not the number {node.text}")
            label = node.text
            work = state["work"]
            if label not in work._data.columns:
                data = work._data.copy()
                data[label] = value
                filled = work._filled.reindex(index=data.index, columns=data.columns, fill_value=False).astype(bool)
                filled[label] = used_filled(node).reindex(data.index, fill_value=False).to_numpy(dtype=bool)
                state["work"] = Panel(data, filled, work._notes)
            return label

        def call(node: Call, args: list[Any], kwargs: Mapping[str, Any]) -> Any:
            fn = node.function
            out = name if node is tree else node.text
            work = state["work"]
            if out in work._data.columns:
                return work._data[out]
            before = len(work._notes)
            cols = [put(a, v, fn) for a, v in zip(node.args, args, strict=True)]
            work = state["work"]
            if fn == "growth":
                work = work.growth_rate(cols[0], name=out)
            elif fn == "capital_stock":
                deflator = kwargs.get("deflator")
                deflator_col = None
                if deflator is not None:
                    deflator_col = put(dict(node.kwargs)["deflator"], deflator, fn)
                    work = state["work"]
                options: dict[str, Any] = {}
                if "depreciation" in kwargs:
                    options["depreciation"] = _number(kwargs["depreciation"], where, "depreciation")
                if "base_period" in kwargs:
                    options["base_period"] = _period_value(kwargs["base_period"], where)
                work = work.capital_stock(cols[0], deflator_col, name=out, **options)
            elif fn == "deflate":
                base = _period_value(kwargs["base_period"], where) if "base_period" in kwargs else work.periods[0]
                work = work.deflate(cols[0], cols[1], base, name=out)
                if "base_period" not in kwargs:
                    work._notes.append(f"derive: {out!r} in prices of the first period {base!r} (no base_period=)")
            elif fn in ("sum", "mean"):
                work = work.combine(cols, how=fn, name=out)
            elif fn == "ratio":
                work = work.share(cols[0], cols[1], name=out)
            elif fn == "log":
                work = work.log(cols[0], name=out)
            elif fn == "per_capita":
                scale = _number(kwargs.get("scale", 1.0), where, "scale")
                work = work.per_capita(cols[0], cols[1], scale=scale, name=out)
            state["work"] = work
            notes_added.extend(work._notes[before:])
            return work._data[out]

        notes_added: list[str] = []
        try:
            value = evaluate(tree, column, call)
        except ValueError as exc:
            if where in str(exc):
                raise
            raise ValueError(f"{where}: {exc}") from None
        if not isinstance(value, pd.Series):
            raise ValueError(f"{where}: the expression gives the number {value!r}, not a column")
        value = value.reindex(self._data.index).astype(float)
        infinite = np.isinf(value.to_numpy())
        if infinite.any():
            raise ValueError(
                f"{where}: infinite at (region, period) {_preview(value.index[infinite])} (a division by zero?)"
            )
        data = self._data.copy()
        data[name] = value
        kept = [n for n in notes_added if n not in self._notes and not n.startswith("filled: ")]
        used = used_filled(tree).reindex(self._data.index, fill_value=False)
        return self._derived(data, name, used, sorted(names_in(tree)), [*kept, f"derive: {name!r} = {expression}"])

    def ratio(self, numerator: str, denominator: str, *, name: str | None = None) -> Panel:
        """``numerator / denominator`` (see :meth:`share`)."""
        return self.share(numerator, denominator, name=name or f"{numerator}_per_{denominator}")

    # -- derived indicators ---------------------------------------------------------
    def growth_rate(self, column: str, *, name: str | None = None) -> Panel:
        """Year-on-year growth ``x_t / x_{t-1} - 1`` within each region.

        The previous value is the one at the preceding period of the panel's
        period grid; where it is missing (first period, gaps) the growth rate is
        NaN and reported in ``.notes``. A zero previous value is an error.
        """
        name = name or f"{column}_growth"
        self._check_new_name(name)
        if column not in self._data.columns:
            raise KeyError(f"column {column!r} is not in the panel; columns: {', '.join(map(str, self.columns))}")
        rows, cols, _, _ = self._grid()
        wide = self._grid_array(self._data[column].to_numpy(dtype=float), np.nan)
        prev = np.full_like(wide, np.nan)
        prev[:, 1:] = wide[:, :-1]
        periods = self.periods
        notes = []
        if pd.api.types.is_numeric_dtype(periods.dtype) and len(periods) > 1:
            steps = np.diff(periods.to_numpy(dtype=float))
            uneven = steps != steps.min()
            if uneven.any():
                skipped = list(periods[1:][uneven])
                prev[:, 1:][:, uneven] = np.nan
                notes.append(
                    f"growth_rate: {name!r} undefined at period(s) {_preview(skipped)}: the previous period of the "
                    f"grid is more than {steps.min():g} apart (a gap), so the change is not a one-period growth rate"
                )
        zero_r, zero_p = np.nonzero(prev == 0)
        if len(zero_r):
            where = pd.MultiIndex.from_arrays([self._data.index.levels[0][zero_r], periods[zero_p]])
            raise ValueError(f"growth_rate({column!r}): previous value is 0 at (region, period) {_preview(where)}")
        values = (wide / prev - 1.0)[rows, cols]
        data = self._data.copy()
        data[name] = values
        notes.append(
            f"growth_rate: {name!r} undefined in {int(np.isnan(values).sum())} cell(s) "
            "(first period, gaps or missing previous value)"
        )
        was_filled = self._grid_array(self._filled[column].to_numpy(dtype=bool), False)
        used = was_filled.copy()
        used[:, 1:] |= was_filled[:, :-1]
        return self._derived(data, name, used[rows, cols], [column], notes)

    def share(self, numerator: str, denominator: str, *, name: str | None = None) -> Panel:
        """Ratio of two columns, e.g. a sector's share of employment."""
        name = name or f"{numerator}_share"
        self._check_new_name(name)
        num, den = self[numerator], self[denominator]
        zero = den == 0
        if zero.any():
            raise ValueError(
                f"share({numerator!r}, {denominator!r}): denominator is 0 at (region, period) "
                f"{_preview(den.index[zero])}"
            )
        data = self._data.copy()
        data[name] = num / den
        return self._derived(data, name, self._filled[numerator] | self._filled[denominator], [numerator, denominator])

    def deflate(self, column: str, index: str, base_period: Any, *, name: str | None = None) -> Panel:
        """Express a nominal column in prices of ``base_period``: ``x · P_base / P_t``.

        ``index`` is a price-index column (any base); each region is rebased to its
        own index value in ``base_period``.
        """
        name = name or f"{column}_real"
        self._check_new_name(name)
        if base_period not in set(self.periods):
            raise ValueError(
                f"deflate: base_period {base_period!r} is not a period of the panel "
                f"({self.periods[0]}–{self.periods[-1]})"
            )
        prices = self._wide(index)
        base = prices[base_period]
        bad = base.index[~(base > 0)]
        if len(bad):
            raise ValueError(
                f"deflate: price index {index!r} missing or non-positive in base period {base_period!r} "
                f"for regions {_preview(bad)}"
            )
        nonpos = (prices <= 0).stack()
        if nonpos.any():
            raise ValueError(
                f"deflate: price index {index!r} is non-positive at (region, period) {_preview(nonpos[nonpos].index)}"
            )
        real = self._wide(column).mul(base, axis=0) / prices
        data = self._data.copy()
        data[name] = self._from_wide(real)
        return self._derived(
            data, name, self._from_wide(self._deflated_filled(column, index, base_period)), [column, index]
        )

    def _deflated_filled(self, column: str, index: str, base_period: Any) -> pd.DataFrame:
        """Region × period: True where ``x_t · P_base / P_t`` used a filled x_t, P_t or P_base."""
        prices = self._filled_wide(index)
        return self._filled_wide(column) | prices | prices[[base_period]].to_numpy()

    def capital_stock(
        self,
        investment: str,
        deflator: str | None = None,
        *,
        base_period: Any = None,
        depreciation: float = 0.096,
        base: Literal["growth"] = "growth",
        name: str = "capital_stock",
    ) -> Panel:
        """Perpetual-inventory capital stock from an investment flow.

        ``K_t = (1 - δ) K_{t-1} + I_t / P_t`` with the initial stock
        ``K_0 = I_0 / (g + δ)``, where ``g`` is the region's average annual growth of
        real investment, ``(I_T / I_0)^(1 / (T - 0)) - 1`` over its span.

        Parameters
        ----------
        investment : str
            Column of gross fixed capital formation (or fixed-asset investment).
        deflator : str, optional
            Price-index column of investment goods; real investment is
            ``I_t · P_base / P_t`` (see :meth:`deflate`). Without it, investment is
            taken as already real.
        base_period : optional
            Base period of the deflator (default: the first period).
        depreciation : float
            δ in (0, 1); 0.096 by default.
        base : {"growth"}
            How the initial stock is set (the growth-rate method).
        """
        if not 0 < depreciation < 1:
            raise ValueError(f"depreciation must be in (0, 1), got {depreciation}")
        if base != "growth":
            raise ValueError(f"base must be 'growth', got {base!r}")
        self._check_new_name(name)
        periods = self._require_numeric_periods("capital_stock()")
        if deflator is not None:
            base_period = self.periods[0] if base_period is None else base_period
            real = self.deflate(investment, deflator, base_period, name="__real_investment__")._wide(
                "__real_investment__"
            )
        else:
            real = self._wide(investment)
        values = real.to_numpy(dtype=float)
        gaps = np.isnan(values)
        if gaps.any():
            where = [(real.index[i], real.columns[j]) for i, j in zip(*np.nonzero(gaps), strict=True)]
            raise ValueError(
                f"capital_stock: investment {investment!r} is missing at (region, period) {_preview(where)}; "
                "fill gaps with interpolate() first"
            )
        if (values <= 0).any():
            where = [(real.index[i], real.columns[j]) for i, j in zip(*np.nonzero(values <= 0), strict=True)]
            raise ValueError(f"capital_stock: investment must be > 0; non-positive at {_preview(where)}")
        span = periods[-1] - periods[0]
        if span <= 0:
            raise ValueError("capital_stock needs at least two periods to estimate investment growth")
        g = (values[:, -1] / values[:, 0]) ** (1.0 / span) - 1.0
        if np.any(g + depreciation <= 0):
            bad = real.index[g + depreciation <= 0]
            raise ValueError(
                f"capital_stock: average investment growth + depreciation <= 0 for regions {_preview(bad)}; "
                "initial stock undefined"
            )
        stock = np.empty_like(values)
        stock[:, 0] = values[:, 0] / (g + depreciation)
        for t in range(1, values.shape[1]):  # a recursion over time, vectorised over regions
            step = periods[t] - periods[t - 1]
            stock[:, t] = (1 - depreciation) ** step * stock[:, t - 1] + values[:, t]
        data = self._data.copy()
        data[name] = self._from_wide(pd.DataFrame(stock, index=real.index, columns=real.columns))
        notes = [
            (
                f"capital_stock: {name!r} by perpetual inventory (δ={depreciation}, K0 = I0/(g+δ), "
                "g = average real investment growth per region)"
            )
        ]
        if deflator is not None:
            flows = self._deflated_filled(investment, deflator, base_period).reindex(real.index).to_numpy()
        else:
            flows = self._filled_wide(investment).reindex(real.index).to_numpy()
        # K_t uses I_0 … I_t, and g uses I_0 and I_T
        used = np.logical_or.accumulate(flows, axis=1) | flows[:, [0]] | flows[:, [-1]]
        used_long = self._from_wide(pd.DataFrame(used, index=real.index, columns=real.columns))
        inputs = [investment] if deflator is None else [investment, deflator]
        return self._derived(data, name, used_long, inputs, notes)


def _used_filled(node: Any, filled: pd.DataFrame, tree: Any, name: str) -> pd.Series:
    """True where the value of expression ``node`` used a filled cell: of a column, or of a function's
    result (the column ``node.text``, or ``name`` for the whole expression ``tree``)."""
    from ._derive import Call, Name, Operation

    if isinstance(node, Name):
        return filled[node.name]
    if isinstance(node, Operation):
        masks = [_used_filled(o, filled, tree, name) for o in node.operands]
        return masks[0] if len(masks) == 1 else masks[0] | masks[1]
    if isinstance(node, Call):
        return filled[name if node is tree else node.text]
    return pd.Series(False, index=filled.index)


def _number(value: Any, where: str, key: str) -> float:
    if isinstance(value, pd.Series):
        raise ValueError(f"{where}: {key}= must be a number, not a column")
    return float(value)


def _period_value(value: Any, where: str) -> Any:
    number = _number(value, where, "base_period")
    return int(number) if number.is_integer() else number


def _require_known(what: str, kind: str, given: Sequence[Any], known: Sequence[Any]) -> None:
    if isinstance(given, str):
        raise TypeError(f"{what}: pass a list of {kind}, not the string {given!r}")
    known_set = set(known)
    unknown = [g for g in given if g not in known_set]
    if unknown:
        raise ValueError(f"{what}: {kind} {_preview(unknown)} not in the panel; it has {_preview(list(known), 8)}")


def _yearbook_sorted(data: pd.DataFrame) -> pd.DataFrame:
    """Rows of text region ids that are China's provinces in yearbook order (by adcode), periods sorted within."""
    positions = _yearbook_positions(data.index)
    return data if positions is None else data.iloc[positions]


def _yearbook_positions(index: pd.Index) -> np.ndarray | None:
    """Row positions that put text region ids of China's provinces in yearbook order (rows of one region
    keep their order); None when the rows are in that order already or the ids are not all provinces."""
    if len(index) == 0 or not isinstance(index, pd.MultiIndex):
        return None
    level, codes = index.levels[0], index.codes[0]
    used = pd.unique(codes)
    unique = list(level[used])
    if not all(isinstance(r, str) for r in unique):
        return None
    order = region_order(unique)
    if order == unique:
        return None
    rank = np.empty(len(level), dtype=np.int64)
    rank[used] = pd.Index(order).get_indexer(unique)
    return np.lexsort((np.arange(len(index)), rank[codes]))


def _interpolate_rows(values: np.ndarray, x: np.ndarray, extrapolate: str | None) -> np.ndarray:
    """Linear interpolation of each row of ``values`` (NaN = missing) at positions ``x``."""
    out = values.copy()
    observed = ~np.isnan(values)
    counts = observed.sum(axis=1)
    gaps = np.flatnonzero((counts > 0) & (counts < values.shape[1]))  # complete or empty rows stay as they are
    for i in gaps:  # regions with gaps only: each has its own observed support
        row, ok = values[i], observed[i]
        n_ok = int(counts[i])
        xo, yo = x[ok], row[ok]
        inside = (x >= xo[0]) & (x <= xo[-1])
        out[i, inside] = np.interp(x[inside], xo, yo)
        if extrapolate == "nearest":
            out[i, x < xo[0]] = yo[0]
            out[i, x > xo[-1]] = yo[-1]
        elif extrapolate == "linear" and n_ok >= 2:
            lo, hi = x < xo[0], x > xo[-1]
            out[i, lo] = yo[0] + (x[lo] - xo[0]) * (yo[1] - yo[0]) / (xo[1] - xo[0])
            out[i, hi] = yo[-1] + (x[hi] - xo[-1]) * (yo[-1] - yo[-2]) / (xo[-1] - xo[-2])
        elif extrapolate == "linear":  # one observation: no line to extend, carry the value
            out[i, ~inside] = yo[0]
    return out


# -- reading ---------------------------------------------------------------------------
def _read_source(
    src: str | Path | pd.DataFrame,
    sheet: str | int | None,
    keys: tuple[str, str],
    encoding: str | None,
    sep: str | None,
    thousands: str | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    if isinstance(src, pd.DataFrame):
        given = [k for k, v in (("encoding", encoding), ("sep", sep)) if v is not None]
        if given:
            raise ValueError(
                f"read_panel: {' and '.join(f'{k}=' for k in given)} apply to CSV files, "
                "not to a DataFrame; remove them"
                + (" (the separator in wide column names is wide_sep=)" if sep is not None else "")
            )
        # an index holding the region/period keys is read as columns; any other index is ignored
        return (src.reset_index() if set(src.index.names) & set(keys) else src.copy()), []
    try:
        return read_table(
            src,
            what="panel file",
            encoding=encoding,
            sep=sep,
            sheet=sheet,
            thousands=thousands if Path(src).suffix.lower() in (".csv", ".txt") else None,
        )
    except ValueError as exc:
        if sep is not None and "CSV files only" in str(exc):
            raise ValueError(f"{exc} (the separator in wide column names is wide_sep=)") from None
        raise


def _read_table_below_titles(
    src: str | Path | pd.DataFrame,
    sheet: str | int | None,
    keys: tuple[str, str],
    encoding: str | None,
    sep: str | None,
    thousands: str | None,
    header_row: int | None,
    periods_as_columns: bool,
) -> tuple[pd.DataFrame, list[str]]:
    """:func:`_read_source`, and for a file whose first row does not hold the region column (title rows
    above the table) or with ``header_row`` given, the table found below its titles (:func:`_locate_table`)."""
    region = keys[0]
    first_error: ValueError | None = None
    if isinstance(src, pd.DataFrame):
        if header_row is not None:
            raise ValueError("read_panel: header_row= applies to files; a DataFrame has its columns")
        return _read_source(src, sheet, keys, encoding, sep, thousands)
    where = f"sheet {sheet!r}" if sheet is not None else "the table"
    if header_row is None:
        try:
            frame, notes = _read_source(src, sheet, keys, encoding, sep, thousands)
        except ValueError as exc:
            if Path(src).suffix.lower() not in (".csv", ".txt"):
                raise
            first_error = exc
        else:
            if Path(src).suffix.lower() == ".parquet":
                return frame, notes
            if region in [str(c).strip() for c in frame.columns] and not _starts_with_second_header_line(frame, region):
                return frame, notes
    grid, notes = read_grid(src, what="panel file", encoding=encoding, sep=sep, sheet=sheet)
    located = _locate_table(grid, region, where, header_row, periods_as_columns)
    header_first = len(grid) > 0 and region in {_cell_shown(v) for v in grid.iloc[0]}
    two_lines = located is not None and any("two-line header" in n for n in located[1])
    if first_error is not None and (located is None or (header_row is None and header_first and not two_lines)):
        raise first_error  # not a matter of title rows: the table itself does not parse
    if located is None:
        return frame, notes
    table = located[0]
    if Path(src).suffix.lower() in (".csv", ".txt"):
        table = _numbers_as_read_csv_reads_them(table)
    return table, [*notes, *located[1]]


def _starts_with_second_header_line(frame: pd.DataFrame, region: str) -> bool:
    """The first rows of a table read with its first row as header are a second header line (names,
    units or periods under the column names) and then data (see :func:`_second_header_line` and
    :func:`_period_line`)."""
    if len(frame) < 2:
        return False
    head = np.array([list(frame.columns), *frame.iloc[:2].to_numpy(dtype=object).tolist()], dtype=object)
    texts = np.array([_cell_shown(v) for v in head.ravel()], dtype=object).reshape(head.shape)
    r = [str(c).strip() for c in frame.columns].index(region)
    return _period_line(head, texts, 0, r) is not None or _second_header_line(head, texts, 0, r)


def _numbers_as_read_csv_reads_them(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns of a CSV table found below title rows, as ``pandas.read_csv`` would type them: a
    column whose every cell reads as a number becomes numeric (numeric region ids stay numbers)."""
    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)) or values.isna().all():
            continue
        try:
            out[col] = pd.to_numeric(values)
        except (ValueError, TypeError):
            continue
    return out


class _ReadOptions:
    """How cells and ids are read (see :func:`read_panel`)."""

    def __init__(self, na_values: tuple[str, ...] = (), thousands: str | None = None, regions: str | None = None):
        self.na_values = na_values
        self.thousands = thousands
        self.regions = regions
        self.tokens = {_token_key(t) for t in (*MISSING_TOKENS, *na_values)}


def _token_key(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


_MISSING_KEYS = frozenset(_token_key(t) for t in MISSING_TOKENS)


def _periods_as_columns(frame: pd.DataFrame, region: str, indicator: str, where: str) -> pd.DataFrame:
    """Regions as rows, periods as columns -> columns region, period, ``indicator``."""
    frame = frame.copy()
    frame.columns = [c if isinstance(c, int | float) and not isinstance(c, bool) else str(c) for c in frame.columns]
    if region not in frame.columns:
        raise ValueError(
            f"{where} has no region column {region!r}; columns: {_preview(list(frame.columns), 8)}. Pass region=<name>"
        )
    periods = [c for c in frame.columns if c != region]
    unnamed = [c for c in periods if isinstance(c, str) and c.startswith("Unnamed:")]
    if unnamed:
        raise ValueError(
            f"{where}: {len(unnamed)} column(s) without a period in the header ({unnamed[:3]}); "
            "every column but the region column must be a period"
        )
    if not periods:
        raise ValueError(f"{where} has no period columns besides {region!r}")
    dup = frame[region].duplicated(keep=False) & frame[region].notna()
    if dup.any():
        raise ValueError(
            f"{where}: duplicate regions {_preview(frame.loc[dup, region].unique())}; keep one row per region"
        )
    long = frame.melt(id_vars=[region], value_vars=periods, var_name=PERIOD, value_name=indicator)
    return long


#: the start of a footnote row's region cell: 注, 资料来源, 数据来源, Note(s), Source(s) (after NFKC)
_FOOTNOTE = re.compile(
    r"^(?:注|资料来源|資料來源|数据来源|數據來源|来源|來源|(?:notes?|sources?)(?![a-z]))", re.IGNORECASE
)
#: a unit line above a table: 单位：亿元, 计量单位: 万人, Unit: 100 million yuan
_UNIT = re.compile(r"(?:计量单位|計量單位|单位|單位|units?)\s*[:：]\s*([^）)；;，,]+)", re.IGNORECASE)


def _cell_shown(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def _header_label(value: Any, position: int) -> Any:
    if isinstance(value, float) and np.isnan(value):
        return f"Unnamed: {position}"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()
    return text or f"Unnamed: {position}"


def _locate_table(
    grid: pd.DataFrame, region: str, where: str, header_row: int | None, periods_as_columns: bool
) -> tuple[pd.DataFrame, list[str]] | None:
    """The table of a sheet read without a header (``grid``) below its title rows, without footnotes.

    The header is row ``header_row`` (1 = the first) or else the first row holding the region column
    name; None when no row holds it. Rows above the header (titles, a unit line) are noted, a unit
    (单位：亿元) is named and never applied. Below the header, rows whose region cell starts with 注,
    资料来源, Note or Source are footnotes, and rows without values (blank rows; in the layout with the
    periods as columns also rows with a region name but no value) are skipped; both are noted.
    """
    cells = grid.to_numpy(dtype=object)
    flat = [_cell_shown(v) for v in cells.ravel()]
    shown = np.array(flat, dtype=object).reshape(cells.shape)
    texts = np.array([t if t.isascii() else unicodedata.normalize("NFKC", t) for t in flat], dtype=object).reshape(
        cells.shape
    )
    is_region = texts == region
    if header_row is not None:
        if header_row > len(grid):
            raise ValueError(f"{where}: header_row={header_row} but it has {len(grid)} row(s)")
        h = header_row - 1
        if not is_region[h].any():
            raise ValueError(
                f"{where}: row {header_row} (header_row=) has no region column {region!r}; it holds "
                f"{_preview([t for t in shown[h] if t], 6)}. Pass region=<name> or another header_row="
            )
    else:
        hits = np.flatnonzero(is_region.any(axis=1))
        if not len(hits):
            return None
        h = _header_among(cells, texts, hits)
    notes: list[str] = []
    above = [t for t in shown[:h].ravel() if t]
    if h:
        notes.append(
            f"{where}: header on row {h + 1}; skipped {h} row(s) above it"
            + (f" ({_preview(above, 4)})" if above else "")
        )
    for text in above:
        unit = _UNIT.search(unicodedata.normalize("NFKC", text))
        if unit:
            notes.append(
                f"{where}: unit {unit.group(1).strip()!r} (from {text!r}); values are read as they are, not rescaled"
            )
    r = int(np.flatnonzero(is_region[h])[0])
    labels = [region if j == r else _header_label(v, j) for j, v in enumerate(cells[h])]
    period_line = _period_line(cells, texts, h, r)
    if period_line is not None:
        labels = _period_line_labels(labels, cells[h + 1], period_line, r, where, h, periods_as_columns, notes)
        h += 1  # the data start below the second line
    elif _second_header_line(cells, texts, h, r):
        labels = _two_line_labels(labels, shown[h + 1], r, where, h, notes)
        h += 1
    present = texts[h + 1 :] != ""
    empty_col = [
        isinstance(lab, str) and lab.startswith("Unnamed:") and not present[:, j].any() for j, lab in enumerate(labels)
    ]
    keep_cols = [j for j, e in enumerate(empty_col) if not e]
    if sum(empty_col):
        notes.append(f"{where}: ignored {sum(empty_col)} empty column(s) without a header")
    reg_text, reg_shown = texts[h + 1 :, r], shown[h + 1 :, r]
    others = [j for j in keep_cols if j != r]
    no_values = ~present[:, others].any(axis=1) if others else np.ones(len(reg_text), dtype=bool)
    footnote = np.array([bool(_FOOTNOTE.match(t)) for t in reg_text], dtype=bool)
    blank = no_values & (reg_text == "") & ~footnote
    skip = footnote | blank | (no_values if periods_as_columns else False)
    named_empty = skip & ~footnote & ~blank
    if footnote.any():
        notes.append(
            f"{where}: skipped {int(footnote.sum())} footnote row(s) ({_preview(list(reg_shown[footnote]), 3)})"
        )
    if blank.any():
        notes.append(f"{where}: skipped {int(blank.sum())} blank row(s)")
    if named_empty.any():
        notes.append(
            f"{where}: skipped {int(named_empty.sum())} row(s) without any value "
            f"({_preview(list(reg_shown[named_empty]), 5)})"
        )
    frame = pd.DataFrame(cells[h + 1 :][~skip][:, keep_cols], columns=[labels[j] for j in keep_cols])
    return frame.infer_objects(), notes


def _is_number_cell(value: Any, text: str) -> bool:
    """A cell holding a number (a number, or text that reads as one, thousands commas allowed)."""
    if isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, int | float | np.integer | np.floating):
        return not np.isnan(value)
    if not text:
        return False
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def _has_number(cells: np.ndarray, texts: np.ndarray, i: int, skip: np.ndarray) -> bool:
    """Row ``i`` holds a number outside the columns ``skip`` (True where skipped)."""
    return any(_is_number_cell(v, t) for v, t, k in zip(cells[i], texts[i], skip, strict=True) if not k)


def _header_among(cells: np.ndarray, texts: np.ndarray, hits: np.ndarray) -> int:
    """The header among the rows ``hits`` holding the region column's name: the last of them above the
    first row with a number (the first region row), so that a title cell equal to the region column's
    name above the real header is not taken for it."""
    if len(hits) == 1:
        return int(hits[0])
    is_hit = np.zeros(len(cells), dtype=bool)
    is_hit[hits] = True
    none = np.zeros(cells.shape[1], dtype=bool)
    for i in range(int(hits[0]) + 1, len(cells)):
        if not is_hit[i] and _has_number(cells, texts, i, none):
            above = hits[hits < i]
            return int(above[-1])
    return int(hits[0])


def _second_header_line(cells: np.ndarray, texts: np.ndarray, h: int, r: int) -> bool:
    """Row ``h + 1`` is a second header line (English names or units under the names of row ``h``):
    text in a value column, no number, not a footnote, and the next row holds numbers."""
    if h + 2 >= len(cells):
        return False
    line = texts[h + 1]
    region_col = np.zeros(len(line), dtype=bool)
    region_col[r] = True
    words = [t for j, t in enumerate(line) if j != r and t and _token_key(t) not in _MISSING_KEYS]
    if not words or _FOOTNOTE.match(line[r]) or _has_number(cells, texts, h + 1, region_col):
        return False
    return _has_number(cells, texts, h + 2, region_col)


def _year_of(value: Any, text: str) -> int | None:
    """The year a header cell names (``2009``, ``2009.0``, ``2009年``, ``2009 年末``, ``２００９``), else None."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        return int(value) if float(value).is_integer() and 1000 <= value <= 9999 else None
    text = unicodedata.normalize("NFKC", text).strip() if text else ""
    match = _YEAR_LABEL.match(re.sub(r"^([0-9]{4})\.0+$", r"\1", text))
    return int(match.group(1)) if match else None


def _period_line(cells: np.ndarray, texts: np.ndarray, h: int, r: int) -> str | None:
    """Row ``h + 1`` is a second header line of periods: ``"same"`` when it repeats the periods of row
    ``h`` in another form (``2009`` under ``2009年``, or the reverse), ``"below"`` when row ``h`` names
    indicators (text, not periods) and row ``h + 1`` holds the periods; None otherwise.

    The line is a header line when every value cell of it that is not empty is a year, the row under it
    holds numbers (data), its region cell is empty or a header word (``Region``, ``地区``, the region
    column's name) — so that a data row (a region, a year, a value that looks like one) is never taken
    for a header — and it either repeats the periods of row ``h`` or row ``h`` names indicators."""
    if h + 2 >= len(cells):
        return None
    value_cols = [j for j in range(cells.shape[1]) if j != r]
    below = [_year_of(cells[h + 1, j], texts[h + 1, j]) for j in value_cols]
    filled = [texts[h + 1, j] != "" for j in value_cols]
    if not any(filled) or any(f and y is None for f, y in zip(filled, below, strict=True)):
        return None
    if _FOOTNOTE.match(texts[h + 1, r]):
        return None
    region_col = np.zeros(cells.shape[1], dtype=bool)
    region_col[r] = True
    if not _has_number(cells, texts, h + 2, region_col):
        return None
    above = [_year_of(cells[h, j], texts[h, j]) for j in value_cols]
    named = [texts[h, j] != "" for j in value_cols]
    pairs = [(a, b) for a, b, f, n in zip(above, below, filled, named, strict=True) if f and n]
    if texts[h + 1, r].casefold() not in {"", texts[h, r].casefold(), *_REGION_WORDS}:
        return None  # the region cell names a region: a data row
    same = [a for a, b in pairs if a == b]
    if pairs and len(same) == len(pairs) and all(a is not None for a, n in zip(above, named, strict=True) if n):
        return "same"
    if any(n and a is None for a, n in zip(above, named, strict=True)):
        return "below"
    return None


#: what the region cell of a second header line says (the English or Chinese name of the column)
_REGION_WORDS = frozenset(
    {"region", "regions", "area", "province", "provinces", "地区", "地 区", "省份", "省 份", "地區"}
)


def _period_line_labels(
    labels: list[Any],
    second: np.ndarray,
    kind: str,
    r: int,
    where: str,
    h: int,
    periods_as_columns: bool,
    notes: list[str],
) -> list[Any]:
    """Column names of a header whose second line holds periods (see :func:`_period_line`), noted.

    ``"same"``: the first line's names. ``"below"``: with periods as columns (``sheets=``, ``indicator=``)
    the periods of the second line, the first line noted as the indicator line; else
    ``<indicator>_<period>`` with the indicator carried right over the blank cells of merged headers
    (the wide layout: read with ``wide=True``)."""
    years = [_year_of(v, _cell_shown(v)) for v in second]
    shown = sorted({y for j, y in enumerate(years) if j != r and y is not None})
    span = f"{shown[0]}–{shown[-1]}" if len(shown) > 1 else str(shown[0])
    rows = f"rows {h + 1} and {h + 2}"
    if kind == "same":
        notes.append(
            f"{where}: two-line header ({rows}): column names from row {h + 1}; row {h + 2} repeats the periods "
            f"({span}) and is not read as data"
        )
        return list(labels)
    out = list(labels)
    names = []
    current: Any = None
    for j, (lab, year) in enumerate(zip(labels, years, strict=True)):
        if j == r:
            continue
        if not (isinstance(lab, str) and lab.startswith("Unnamed:")):
            current = lab
            names.append(str(lab))
        if year is None:
            continue
        out[j] = year if periods_as_columns or current is None else f"{current}_{year}"
    indicators = _listed(list(dict.fromkeys(names)), 4)
    if periods_as_columns:
        notes.append(
            f"{where}: two-line header ({rows}): periods ({span}) from row {h + 2}; row {h + 1} ({indicators}) "
            "is an indicator line, noted, not applied"
        )
    else:
        notes.append(
            f"{where}: two-line header ({rows}): indicators from row {h + 1} ({indicators}) over periods "
            f"({span}) in row {h + 2}: columns named <indicator>_<period> (read them with wide=True)"
        )
    return out


def _two_line_labels(labels: list[Any], second: np.ndarray, r: int, where: str, h: int, notes: list[str]) -> list[Any]:
    """Column names of a two-line header: the first line's, the second line's where the first is empty;
    the second line is noted (units named, never applied)."""
    out = list(labels)
    pairs = []
    for j, (lab, below) in enumerate(zip(labels, second, strict=True)):
        if j == r or not below:
            continue
        if isinstance(lab, str) and lab.startswith("Unnamed:"):
            out[j] = below
        elif str(lab) != below:
            pairs.append(f"{lab!s} = {below!r}")
    notes.append(
        f"{where}: two-line header (rows {h + 1} and {h + 2}): column names from row {h + 1}; row {h + 2} "
        f"noted, not applied" + (f" ({_listed(pairs)})" if pairs else "")
    )
    units = [
        f"{lab!s} in {below!r}" for lab, below in zip(out, second, strict=True) if below and _looks_like_unit(below)
    ]
    if units:
        notes.append(f"{where}: units {_listed(units)} (row {h + 2}); values are read as they are, not rescaled")
    return out


def _listed(items: list[str], limit: int = 6) -> str:
    shown = "; ".join(items[:limit])
    return shown + (f"; … and {len(items) - limit} more" if len(items) > limit else "")


#: a unit written under a column name: (亿元), 万人, %, yuan, 10,000 persons, km2 ...
_UNIT_CELL = re.compile(
    r"^[(（\[]?\s*(?:%|‰|(?:[万亿千百十]*(?:元|人|户|个|吨|千瓦时|公里|千米|平方公里|公顷|件|项|所|张|辆|台|美元)/?)+"
    r"|(?:10,?000 |100 million |million |billion |thousand )?(?:yuan|persons?|people|tons?|km2?|kwh|usd|us\$)"
    r"(?:\s*(?:/|per)\s*(?:persons?|capita|km2))?)\s*[)）\]]?$",
    re.IGNORECASE,
)


def _looks_like_unit(text: str) -> bool:
    text = unicodedata.normalize("NFKC", text).strip()
    return bool(_UNIT.search(text) or _UNIT_CELL.match(text))


def _read_sheets(path: Path, sheets: Any, region: str, header_row: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    """One indicator per sheet (regions as rows, periods as columns) -> one long frame."""
    mapping = dict(sheets) if isinstance(sheets, Mapping) else None
    book = read_sheets(path, what="panel file", sheets=list(mapping) if mapping else sheets, header=None)
    notes: list[str] = []
    parts: list[pd.DataFrame] = []
    names: dict[str, str] = {}
    for sheet_name, grid in book.items():
        located = _locate_table(grid, region, f"sheet {sheet_name!r}", header_row, periods_as_columns=True)
        if located is None:
            frame = pd.DataFrame(columns=[_header_label(v, j) for j, v in enumerate(grid.iloc[0])] if len(grid) else [])
        else:
            frame, table_notes = located
            notes += table_notes
        if region not in frame.columns:
            if sheets == "*":
                notes.append(
                    f"sheets: skipped sheet {sheet_name!r}: it has no region column {region!r} (a notes sheet?)"
                )
                continue
            raise ValueError(
                f"sheet {sheet_name!r} has no region column {region!r}; its columns: {_preview(list(frame.columns), 8)}"
            )
        indicator = mapping[sheet_name] if mapping else sheet_name
        if indicator in names:
            raise ValueError(f"sheets {names[indicator]!r} and {sheet_name!r} both give indicator {indicator!r}")
        names[indicator] = sheet_name
        frame[region], stripped = strip_ids(frame[region])
        if stripped:
            notes.append(f"sheet {sheet_name!r}: region ids: {stripped}")
        long = _periods_as_columns(frame, region, indicator, f"sheet {sheet_name!r}")
        sheet_notes: list[str] = []
        long[PERIOD] = _coerce_periods(long[PERIOD], f"headers of sheet {sheet_name}", sheet_notes)
        notes += sheet_notes
        parts.append(long.set_index([region, PERIOD]))
    if not parts:
        raise ValueError(f"no sheet of {path.name!r} has the region column {region!r}; pass region=<name>")
    merged = pd.concat(parts, axis=1, join="outer")
    merged.index = merged.index.set_names([region, PERIOD])
    notes.append(
        f"sheets: read {len(parts)} indicator(s) from sheets "
        f"{', '.join(f'{s!r}' + (f' as {i!r}' if i != s else '') for i, s in names.items())}"
    )
    return merged.reset_index(), notes


def _wide_to_long(frame: pd.DataFrame, region: str, sep: str) -> tuple[pd.DataFrame, list[str]]:
    """``<indicator><sep><period>`` columns → one row per region-period."""
    parsed: dict[str, tuple[str, Any]] = {}
    skipped: list[str] = []
    for col in frame.columns:
        if col == region:
            continue
        stem, _, tail = str(col).rpartition(sep)
        if stem and tail.isascii() and tail.isdigit():
            parsed[col] = (stem, int(tail))
        elif stem and _YEAR_LABEL.match(unicodedata.normalize("NFKC", tail).strip()):
            parsed[col] = (stem, tail)  # a year label such as '2009年': read as a year with the other periods
        else:
            skipped.append(str(col))
    if not parsed:
        raise ValueError(
            f"wide=True: no column looks like '<indicator>{sep}<period>' (e.g. 'gdp{sep}2019'); "
            f"columns: {list(frame.columns)}"
        )
    same = pd.Series(list(parsed.values())).duplicated(keep=False).to_numpy()
    if same.any():
        clash = [c for c, dup in zip(parsed, same, strict=True) if dup]
        raise ValueError(f"wide=True: columns {clash} name the same indicator and period; keep one of each")
    dup = frame[region].duplicated(keep=False)
    if dup.any():
        raise ValueError(
            f"wide=True: duplicate regions {_preview(frame.loc[dup, region].unique())}; keep one row per region"
        )
    long = frame.melt(id_vars=[region], value_vars=list(parsed), var_name="__col__")
    long["__indicator__"] = long["__col__"].map(lambda c: parsed[c][0])
    long[PERIOD] = long["__col__"].map(lambda c: parsed[c][1])
    out = long.pivot(index=[region, PERIOD], columns="__indicator__", values="value").reset_index()
    out.columns.name = None
    return out, skipped


def read_panel(
    src: str | Path | pd.DataFrame,
    region: str = "region",
    period: str = "period",
    *,
    columns: Sequence[str] | None = None,
    sheet: str | int | None = None,
    wide: bool = False,
    wide_sep: str = "_",
    encoding: str | None = None,
    sep: str | None = None,
    sheets: str | Sequence[str] | Mapping[str, str] | None = None,
    indicator: str | None = None,
    na_values: Sequence[str] | None = None,
    thousands: str | None = None,
    regions: str | None = None,
    header_row: int | None = None,
) -> Panel:
    """Read an indicator panel from CSV, Excel, Parquet or a DataFrame.

    Parameters
    ----------
    src : path or DataFrame
        Long format: one row per region-period. Wide format (``wide=True``): one
        row per region with columns ``<indicator><wide_sep><period>``.
    region, period : str
        Names of the region and period columns (in wide format only ``region``).
    columns : sequence of str, optional
        Indicator columns to read; default all other columns, which must be numeric.
    sheet : str or int, optional
        Excel sheet.
    wide : bool
        Read the wide layout.
    wide_sep : str
        Separator between indicator and period in wide column names (``"_"``).
    encoding : str, optional
        Text encoding of a CSV file. Default: UTF-8 (with or without a byte-order
        mark), and GB18030 — the superset of GBK that Chinese Excel writes — when
        the file is not valid UTF-8 (reported in ``.notes``).
    sep : str, optional
        Field separator of a CSV file (default ``","``); e.g. ``";"`` for files
        written by Excel in locales with a decimal comma.
    sheets : "*", list or mapping, optional
        Read one indicator per sheet of an Excel workbook, each laid out with the
        regions as rows (column ``region``) and the periods as columns (``2009``,
        ``2009年``, …). ``"*"``: every sheet, named by the sheet; a sheet without the
        region column (a notes sheet such as 说明) is skipped and reported. A list:
        these sheets (each must have the region column). A mapping: sheet ->
        indicator name.
    indicator : str, optional
        Read one sheet (or CSV) laid out with regions as rows and periods as
        columns as the single indicator of this name.
    na_values : list of str, optional
        More texts read as missing, besides :data:`MISSING_TOKENS` (``—``, ``--``,
        ``…``, ``...``, ``..``, ``-``, ``/``, ``n.a.``, …). Every missing token read is
        counted per indicator in ``.notes`` with example cells.
    thousands : str, optional
        Thousands separator in numbers (``","`` reads ``"1,234"`` as 1234).
    regions : {"china_provinces"}, optional
        The region ids are names of China's provinces in any spelling of the bundled
        alias table: they become the adcode (``110000`` …), the index of
        ``sc.datasets.load("china_provinces")``; every alias applied is noted. A name
        that is no province (the nearest are suggested), one that could be two
        (both named) and two spellings of one province are errors.
    header_row : int, optional
        The row of a CSV file or Excel sheet that holds the column names (1 = the first
        row, as a spreadsheet numbers them), for every sheet read. Default: the first
        row when it holds the ``region`` column, else the first row that holds it, so
        title rows above a yearbook table (``表 2-1 地区生产总值``, ``单位：亿元``, blank
        rows) are skipped and noted; a unit line is named in ``.notes`` and never
        applied (values are read as they are). Below the header, footnote rows (the
        region cell starts with ``注``, ``资料来源``, ``Note`` or ``Source``) and blank rows
        are skipped and noted, and in the layouts with periods as columns (``sheets=``,
        ``indicator=``) so are rows with a region name but no value. A second header line
        under it (English names or units; years repeating the periods, ``2009`` under
        ``2009年``; years under an indicator line) is read as part of the header and noted,
        with or without ``header_row``.

    Returns
    -------
    Panel
        Indexed by ``(region, period)``, sorted. Unbalanced panels are allowed;
        check ``panel.is_balanced`` and ``panel.missing()``.

    Notes
    -----
    What is normalised on read, each reported in ``panel.notes``:

    - text region ids lose surrounding white space (``"Beijing "`` → ``"Beijing"``);
    - text periods are stripped; year labels ``"2009年"``, ``"2009 年"``,
      ``"2009年末"``/``"2009年底"``/``"2009年度"`` and full-width digits (``"２００９"``)
      become the integer year. Other labels (``"2009/10"``, ``"2009Q1"``) stay text.

    Raises
    ------
    ValueError
        Missing region/period column, duplicate region-periods (listed),
        region ids that differ only in case or surrounding white space
        (``"Beijing"`` / ``"BEIJING"``; the spellings are listed), periods that are
        Excel date serials (``39814`` for 2009-01-01; the message shows how to
        convert them), non-numeric cells (column, region, period and value), empty
        panel or file, a file that cannot be decoded or parsed (the file is named;
        a CSV read as one column whose header contains ``;`` suggests ``sep=";"``);
        a setting outside :data:`READ_PANEL_CONSTRAINTS` (named, with what it must be).
    """
    settings = {
        "region": region,
        "period": period,
        "columns": columns,
        "sheet": sheet,
        "wide": wide,
        "wide_sep": wide_sep,
        "encoding": encoding,
        "sep": sep,
        "sheets": sheets,
        "indicator": indicator,
        "na_values": na_values,
        "thousands": thousands,
        "regions": regions,
        "header_row": header_row,
    }
    validate_params(READ_PANEL_CONSTRAINTS, settings, "read_panel")
    layouts = [k for k, v in (("sheets", sheets), ("indicator", indicator), ("wide", wide or None)) if v is not None]
    if len(layouts) > 1:
        raise ValueError(f"read_panel: {' and '.join(f'{k}=' for k in layouts)} are different layouts; give one")
    options = _ReadOptions(na_values=tuple(na_values or ()), thousands=thousands, regions=regions)
    if sheets is not None:
        if isinstance(src, pd.DataFrame):
            raise ValueError("read_panel: sheets= reads an Excel workbook; a DataFrame has no sheets")
        if sheet is not None:
            raise ValueError("read_panel: give sheet= (one sheet) or sheets= (one indicator per sheet), not both")
        frame, notes = _read_sheets(Path(src), sheets, region, header_row)
        period = PERIOD
    else:
        frame, notes = _read_table_below_titles(
            src, sheet, (region, period), encoding, sep, thousands, header_row, periods_as_columns=indicator is not None
        )
        if indicator is not None:
            frame = _periods_as_columns(frame, region, indicator, "the sheet" if sheet is not None else "the table")
            period = PERIOD
    if isinstance(src, pd.DataFrame):
        return _panel_from_frame(frame, notes, region, period, columns, wide, wide_sep, options)
    name = Path(src).name
    try:
        return _panel_from_frame(frame, notes, region, period, columns, wide, wide_sep, options)
    except ValueError as exc:
        if name in str(exc):
            raise
        hint = ""
        if sep is not None and wide and region not in frame.columns:
            hint = " (sep= is the CSV field separator; the separator in wide column names is wide_sep=)"
        raise ValueError(f"panel file {name!r}: {exc}{hint}") from None


def _panel_from_frame(
    frame: pd.DataFrame,
    notes: list[str],
    region: str,
    period: str,
    columns: Sequence[str] | None,
    wide: bool,
    wide_sep: str,
    options: _ReadOptions | None = None,
) -> Panel:
    """The checked Panel of a frame read by :func:`read_panel` (see there for the rules)."""
    options = options or _ReadOptions()
    repeated = frame.columns[frame.columns.duplicated()]
    if len(repeated):
        raise ValueError(
            f"columns appear more than once: {sorted(map(str, set(repeated)))}; rename or remove the copies"
        )
    frame.columns = [str(c) for c in frame.columns]
    if region not in frame.columns:
        raise ValueError(
            f"region column {region!r} not found; columns are: {', '.join(map(str, frame.columns))}. "
            "Pass region=<name>."
        )
    if frame[region].isna().any():
        rows = [int(i) + 2 for i in np.flatnonzero(frame[region].isna().to_numpy())[:10]]
        raise ValueError(
            f"rows without a region id (file lines {rows}, counting the header as line 1); fill or remove them"
        )
    _check_region_types(frame[region])
    frame[region], stripped = strip_ids(frame[region])
    if stripped:
        notes.append(f"region ids: {stripped}")
    collisions = id_collisions(frame[region])
    if collisions:
        raise ValueError(
            f"region ids that differ only in letter case or white space: {describe_collisions(collisions)}; "
            "they would be read as different regions. Use one spelling per region"
        )
    if options.regions is not None:
        frame[region] = _to_adcodes(frame[region], options.regions, notes)
    if wide:
        frame, skipped = _wide_to_long(frame, region, wide_sep)
        if skipped and columns is None:
            raise ValueError(
                f"wide=True: columns {skipped} are not '<indicator>{wide_sep}<period>'; "
                "remove them or pass columns=[...] naming the indicators to read"
            )
        period_col = PERIOD
    else:
        if period not in frame.columns:
            raise ValueError(
                f"period column {period!r} not found; columns are: {', '.join(map(str, frame.columns))}. "
                "Pass period=<name>."
            )
        period_col = period
    if frame.empty:
        raise ValueError("the panel is empty: no rows to read")
    indicator_cols = [c for c in frame.columns if c not in (region, period_col)]
    if columns is not None:
        columns = [str(c) for c in columns]
        unknown = [c for c in columns if c not in indicator_cols]
        if unknown:
            raise ValueError(f"columns not in the data: {unknown}; available: {indicator_cols}")
        if len(set(columns)) != len(columns):
            raise ValueError(f"columns=[...] lists a column more than once: {columns}")
        indicator_cols = list(columns)
    if not indicator_cols:
        raise ValueError("the panel has no indicator columns besides region and period")
    nan_keys = frame[period_col].isna()
    if nan_keys.any():
        rows = [int(i) + 2 for i in np.flatnonzero(nan_keys.to_numpy())[:10]]
        raise ValueError(
            f"rows without a period (file lines {rows}, counting the header as line 1); fill or remove them"
        )
    data = frame[[region, period_col, *indicator_cols]].rename(columns={region: REGION, period_col: PERIOD})
    data[PERIOD] = _coerce_periods(data[PERIOD], period_col, notes)
    dup = data.duplicated([REGION, PERIOD], keep=False)
    if dup.any():
        pairs = data.loc[dup, [REGION, PERIOD]].drop_duplicates().itertuples(index=False, name=None)
        raise ValueError(f"duplicate region-periods: {_preview(list(pairs))}; keep one row per region and period")
    data = data.set_index([REGION, PERIOD]).sort_index()
    data = _coerce_numeric(data, options, notes)
    panel = Panel(data, notes=notes)
    if not panel.is_balanced:
        panel._notes.append(f"unbalanced panel: {len(panel.missing())} region-period(s) absent (see panel.missing())")
    return panel


def _check_region_types(regions: pd.Series) -> None:
    kinds = {type(r).__name__ for r in regions if not (isinstance(r, float) and np.isnan(r))}
    kinds = {"int" if k.startswith(("int", "uint")) else k for k in kinds}
    if len(kinds) > 1 and "str" in kinds:
        raise ValueError(
            f"region ids mix text and numbers ({sorted(kinds)}), so 1 and '1' would be two regions; "
            "make them all text or all numbers"
        )


#: a year label: '2009', '2009年', '2009 年', '2009年末' / '2009年底' / '2009年度' (after NFKC normalisation)
_YEAR_LABEL = re.compile(r"^([0-9]{4})\s*(?:年\s*(?:末|底|度)?)?$")
#: Excel stores dates as days since 1899-12-30; 20000-80000 are the dates 1954-10-03 … 2119-01-10
_EXCEL_SERIALS = (20000, 80000)


def _coerce_periods(periods: pd.Series, name: str, notes: list[str]) -> pd.Series:
    """Integer periods from integer-like numbers, year labels or text; datetimes are kept.

    Text periods are stripped; year labels become integer years (both noted). Excel
    date serials and anything else unusable are errors naming the column.
    """
    if pd.api.types.is_bool_dtype(periods.dtype):
        raise ValueError(f"period column {name!r} holds True/False; periods must be years, numbers, text or dates")
    if pd.api.types.is_datetime64_any_dtype(periods.dtype):
        return periods
    if pd.api.types.is_numeric_dtype(periods.dtype):
        numeric = periods.astype(float)
    else:
        text = periods.astype("string").str.strip()
        numeric = pd.to_numeric(text, errors="coerce")
        if numeric.isna().any():
            uniques = pd.unique(text.to_numpy())
            normal = text.map(dict(zip(uniques, [unicodedata.normalize("NFKC", v) for v in uniques], strict=True)))
            years = normal.str.extract(_YEAR_LABEL, expand=False)
            if years.notna().all():
                changed = text[text != years]
                shown = _preview(pd.unique(changed.to_numpy())[:5])
                notes.append(
                    f"period column {name!r}: {changed.nunique()} text label(s) read as years ({shown} → "
                    f"{_preview(pd.unique(years[text != years].astype(int).to_numpy())[:5])})"
                )
                numeric = years.astype(float)
            elif numeric.notna().any() or years.notna().any():
                bad = sorted(set(periods[numeric.isna() & years.isna()].astype(str)))[:10]
                raise ValueError(f"period column {name!r} mixes numbers and text: {bad}; use one kind of period label")
            else:
                labels = periods.astype(str).str.strip()
                padded = periods.astype(str) != labels
                if padded.any():
                    notes.append(
                        f"period column {name!r}: stripped surrounding white space from {int(padded.sum())} label(s) "
                        f"(e.g. {_preview(pd.unique(periods[padded].astype(str).to_numpy())[:3])})"
                    )
                return labels
    if not np.all(np.isfinite(numeric)):
        raise ValueError(f"period column {name!r} has non-finite values")
    _refuse_excel_serials(numeric, name)
    if np.all(np.mod(numeric, 1) == 0):
        return numeric.astype(int)
    return numeric


def _refuse_excel_serials(numeric: pd.Series, name: str) -> None:
    """Raise when periods look like Excel date serials (days since 1899-12-30), not years.

    Values in 20000–80000 are never plausible years; they are read as Excel dates
    unless every one is a year-quarter code ``yyyyq`` (19001 … 21004).
    """
    lo, hi = _EXCEL_SERIALS
    values = numeric.to_numpy(dtype=float)
    suspect = (values >= lo) & (values <= hi)
    if not suspect.any():
        return
    quarter_code = (
        (np.mod(values, 1) == 0)
        & (np.mod(values, 10) >= 1)
        & (np.mod(values, 10) <= 4)
        & (values >= 19001)
        & (values <= 21004)
    )
    if quarter_code.all():
        return
    examples = pd.unique(values[suspect])[:3]
    as_dates = pd.to_datetime(examples, unit="D", origin="1899-12-30")
    shown = ", ".join(f"{v:g} = {d:%Y-%m-%d}" for v, d in zip(examples, as_dates, strict=True))
    raise ValueError(
        f"period column {name!r} holds Excel date serials, not years ({shown}): Excel counts days since "
        "1899-12-30, so growth rates and gaps would be per day. Convert them to years first, e.g. "
        f'df[{name!r}] = pd.to_datetime(df[{name!r}], unit="D", origin="1899-12-30").dt.year, '
        "or format the column as numbers (years) in Excel"
    )


def _to_adcodes(ids: pd.Series, table: str, notes: list[str]) -> pd.Series:
    """Region names of China's provinces (any spelling of the alias table) -> adcodes."""
    res = resolve(ids.dropna().unique(), table)
    if not res.complete:
        raise ValueError(
            f"regions={table!r}: {len(res.unknown) + len(res.ambiguous)} region name(s) do not name one "
            f"province: {describe_problems(res, table)}. Fix the spelling, or drop the rows "
            "(e.g. a national total 全国) before reading"
        )
    by_code: dict[int, list] = {}
    for spelling, code in res.codes.items():
        by_code.setdefault(code, []).append(spelling)
    twice = [f"{' / '.join(map(repr, s))} (adcode {c})" for c, s in by_code.items() if len(s) > 1]
    if twice:
        raise ValueError(f"regions={table!r}: one province spelled two ways: {'; '.join(twice)}; use one spelling")
    notes.append(
        f"regions={table!r}: region names replaced by adcodes"
        + (f"; aliases applied: {res.describe_applied()}" if res.applied else "")
    )
    outside = res.outside(table)
    if outside:
        shown = ", ".join(f"{s!r} → {unit_name(c, table)}" for s, c in outside.items())
        notes.append(
            f"regions={table!r}: {shown} not among the units of the bundled {table!r} boundaries; "
            "kept as read (matching onto those boundaries refuses them: drop them first)"
        )
    return ids.map(res.codes)


def _missing_tokens(values: pd.Series, col: str, options: _ReadOptions, notes: list[str]) -> pd.Series:
    """Text cells that are missing-value tokens -> NaN, counted in ``notes`` with examples."""
    text = values.astype("string")
    uniques = pd.unique(text.dropna().to_numpy())
    hits = {u for u in uniques if _token_key(u) in options.tokens}
    if not hits:
        return values
    is_token = text.isin(list(hits)).fillna(False).to_numpy(dtype=bool)
    examples = [f"{r!r}/{p!r}: {v!r}" for (r, p), v in values[is_token].head(3).items()]
    notes.append(
        f"missing-value tokens: {int(is_token.sum())} cell(s) of {col!r} read as missing "
        f"({', '.join(sorted(map(repr, hits)))}; e.g. {', '.join(examples)})"
    )
    out = values.copy().astype(object)
    out[is_token] = np.nan
    return out


def _coerce_numeric(
    data: pd.DataFrame, options: _ReadOptions | None = None, notes: list[str] | None = None
) -> pd.DataFrame:
    options = options or _ReadOptions()
    notes = [] if notes is None else notes
    problems: list[str] = []
    out = {}
    comma_like = False
    for col in data.columns:
        values = data[col]
        if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
            values = _missing_tokens(values, col, options, notes)
            text = values.astype("string").str.strip()
            if options.thousands:
                text = text.str.replace(options.thousands, "", regex=False)
            converted = pd.Series(
                pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan), index=values.index
            )
            bad = converted.isna() & values.notna() & (values.astype("string").str.strip() != "")
            if bad.any() and not options.thousands:
                comma_like |= bool(values[bad].astype("string").str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?").any())
            for (reg, per), val in values[bad].head(5).items():
                problems.append(f"column {col!r}, region {reg!r}, period {per!r}: {val!r}")
            if bad.sum() > 5:
                problems.append(f"… and {int(bad.sum()) - 5} more in column {col!r}")
            out[col] = converted
        else:
            out[col] = values.astype(float)
        infinite = np.isinf(out[col].to_numpy(dtype=float))
        for (reg, per), val in out[col][infinite].head(5).items():
            problems.append(f"column {col!r}, region {reg!r}, period {per!r}: {val!r} (infinite)")
    if problems:
        hint = " Numbers such as '1,234' have a thousands separator: pass thousands=','." if comma_like else ""
        raise ValueError(
            "non-numeric cells (fix them, pass na_values=[...] for other missing-value texts, or "
            "columns=[...] to read only indicators):" + hint + "\n  " + "\n  ".join(problems)
        )
    return pd.DataFrame(out, index=data.index)
