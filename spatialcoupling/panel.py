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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._results import copied
from ._series import PERIOD, REGION, _preview, missing_cells


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
    checked (numeric columns, unique sorted index).
    """

    def __init__(self, data: pd.DataFrame, filled: pd.DataFrame | None = None, notes: Sequence[str] = ()):
        if not isinstance(data, pd.DataFrame) or not isinstance(data.index, pd.MultiIndex) or data.index.nlevels != 2:
            raise TypeError("Panel needs a DataFrame indexed by (region, period); build one with sc.read_panel(...)")
        duplicated = data.index[data.index.duplicated()]
        if len(duplicated):
            raise ValueError(f"duplicate region-periods: {_preview(duplicated.unique())}; keep one row per region and period")
        self._data = data.copy()
        self._data.index = self._data.index.set_names([REGION, PERIOD])
        self._data = self._data.sort_index()
        if filled is None:
            filled = pd.DataFrame(False, index=self._data.index, columns=self._data.columns)
        self._filled = filled.copy()
        self._notes = list(notes)

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
        """Region ids in panel order (sorted)."""
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
            wide = data[col].unstack(PERIOD).reindex(columns=self.periods)
            values = wide.to_numpy(dtype=float)
            new = _interpolate_rows(values, x, extrapolate)
            was_missing = np.isnan(values)
            now_filled = was_missing & ~np.isnan(new)
            data[col] = pd.DataFrame(new, index=wide.index, columns=wide.columns).stack(future_stack=True).reindex(full_index).to_numpy()
            mask = pd.DataFrame(now_filled, index=wide.index, columns=wide.columns).stack(future_stack=True).reindex(full_index)
            filled[col] = filled[col].to_numpy() | mask.to_numpy()
            n_filled = int(now_filled.sum())
            if n_filled:
                notes.append(f"interpolate: filled {n_filled} cell(s) of {col!r} ({'linear' if extrapolate is None else 'linear, extrapolate=' + extrapolate})")
            single = (~np.isnan(values)).sum(axis=1) == 1
            if extrapolate == "linear" and (single & now_filled.any(axis=1)).any():
                notes.append(
                    f"interpolate: {col!r} has a single observation in regions "
                    f"{_preview(wide.index[single & now_filled.any(axis=1)], 5)}: its value was carried (no line to extend)"
                )
            left = was_missing & np.isnan(new)
            if left.any():
                where = [(wide.index[i], wide.columns[j]) for i, j in zip(*np.nonzero(left), strict=True)]
                notes.append(f"interpolate: {int(left.sum())} cell(s) of {col!r} left missing (outside observed span or no data): {_preview(where, 5)}")
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

    # -- derived indicators ---------------------------------------------------------
    def growth_rate(self, column: str, *, name: str | None = None) -> Panel:
        """Year-on-year growth ``x_t / x_{t-1} - 1`` within each region.

        The previous value is the one at the preceding period of the panel's
        period grid; where it is missing (first period, gaps) the growth rate is
        NaN and reported in ``.notes``. A zero previous value is an error.
        """
        name = name or f"{column}_growth"
        self._check_new_name(name)
        wide = self._wide(column)
        prev = wide.shift(1, axis=1)
        notes = []
        if pd.api.types.is_numeric_dtype(self.periods.dtype) and len(self.periods) > 1:
            steps = np.diff(self.periods.to_numpy(dtype=float))
            uneven = steps != steps.min()
            if uneven.any():
                skipped = list(self.periods[1:][uneven])
                prev.loc[:, skipped] = np.nan
                notes.append(
                    f"growth_rate: {name!r} undefined at period(s) {_preview(skipped)}: the previous period of the "
                    f"grid is more than {steps.min():g} apart (a gap), so the change is not a one-period growth rate"
                )
        zero = (prev == 0).stack()
        if zero.any():
            raise ValueError(f"growth_rate({column!r}): previous value is 0 at (region, period) {_preview(zero[zero].index)}")
        growth = wide / prev - 1.0
        series = self._from_wide(growth)
        n_undefined = int(series.isna().sum())
        data = self._data.copy()
        data[name] = series
        notes.append(f"growth_rate: {name!r} undefined in {n_undefined} cell(s) (first period, gaps or missing previous value)")
        return self._with(data, notes=notes)

    def share(self, numerator: str, denominator: str, *, name: str | None = None) -> Panel:
        """Ratio of two columns, e.g. a sector's share of employment."""
        name = name or f"{numerator}_share"
        self._check_new_name(name)
        num, den = self[numerator], self[denominator]
        zero = den == 0
        if zero.any():
            raise ValueError(f"share({numerator!r}, {denominator!r}): denominator is 0 at (region, period) {_preview(den.index[zero])}")
        data = self._data.copy()
        data[name] = num / den
        return self._with(data)

    def deflate(self, column: str, index: str, base_period: Any, *, name: str | None = None) -> Panel:
        """Express a nominal column in prices of ``base_period``: ``x · P_base / P_t``.

        ``index`` is a price-index column (any base); each region is rebased to its
        own index value in ``base_period``.
        """
        name = name or f"{column}_real"
        self._check_new_name(name)
        if base_period not in set(self.periods):
            raise ValueError(f"deflate: base_period {base_period!r} is not a period of the panel ({self.periods[0]}–{self.periods[-1]})")
        prices = self._wide(index)
        base = prices[base_period]
        bad = base.index[~(base > 0)]
        if len(bad):
            raise ValueError(f"deflate: price index {index!r} missing or non-positive in base period {base_period!r} for regions {_preview(bad)}")
        nonpos = (prices <= 0).stack()
        if nonpos.any():
            raise ValueError(f"deflate: price index {index!r} is non-positive at (region, period) {_preview(nonpos[nonpos].index)}")
        real = self._wide(column).mul(base, axis=0) / prices
        data = self._data.copy()
        data[name] = self._from_wide(real)
        return self._with(data)

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
            real = self.deflate(investment, deflator, base_period, name="__real_investment__")._wide("__real_investment__")
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
            raise ValueError(f"capital_stock: average investment growth + depreciation <= 0 for regions {_preview(bad)}; initial stock undefined")
        stock = np.empty_like(values)
        stock[:, 0] = values[:, 0] / (g + depreciation)
        for t in range(1, values.shape[1]):  # a recursion over time, vectorised over regions
            step = periods[t] - periods[t - 1]
            stock[:, t] = (1 - depreciation) ** step * stock[:, t - 1] + values[:, t]
        data = self._data.copy()
        data[name] = self._from_wide(pd.DataFrame(stock, index=real.index, columns=real.columns))
        notes = [f"capital_stock: {name!r} by perpetual inventory (δ={depreciation}, K0 = I0/(g+δ), g = average real investment growth per region)"]
        return self._with(data, notes=notes)


def _interpolate_rows(values: np.ndarray, x: np.ndarray, extrapolate: str | None) -> np.ndarray:
    """Linear interpolation of each row of ``values`` (NaN = missing) at positions ``x``."""
    out = values.copy()
    for i, row in enumerate(values):  # rows are regions; each has its own observed support
        ok = ~np.isnan(row)
        n_ok = int(ok.sum())
        if n_ok == 0 or n_ok == len(row):
            continue
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
def _read_source(src: str | Path | pd.DataFrame, sheet: str | int | None, keys: tuple[str, str]) -> pd.DataFrame:
    if isinstance(src, pd.DataFrame):
        # an index holding the region/period keys is read as columns; any other index is ignored
        return src.reset_index() if set(src.index.names) & set(keys) else src.copy()
    path = Path(src)
    if not path.exists():
        raise FileNotFoundError(f"panel file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt"}:
        return pd.read_csv(path)
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        return pd.read_excel(path, sheet_name=0 if sheet is None else sheet)
    if suffix in {".parquet", ".pq"}:
        return pd.read_parquet(path)
    raise ValueError(f"cannot read {path.name!r}: use .csv, .xlsx or .parquet (or pass a DataFrame)")


def _wide_to_long(frame: pd.DataFrame, region: str, sep: str) -> tuple[pd.DataFrame, list[str]]:
    """``<indicator><sep><period>`` columns → one row per region-period."""
    parsed: dict[str, tuple[str, Any]] = {}
    skipped: list[str] = []
    for col in frame.columns:
        if col == region:
            continue
        stem, _, tail = str(col).rpartition(sep)
        if stem and tail.isdigit():
            parsed[col] = (stem, int(tail))
        else:
            skipped.append(str(col))
    if not parsed:
        raise ValueError(
            f"wide=True: no column looks like '<indicator>{sep}<period>' (e.g. 'gdp{sep}2019'); columns: {list(frame.columns)}"
        )
    same = pd.Series(list(parsed.values())).duplicated(keep=False).to_numpy()
    if same.any():
        clash = [c for c, dup in zip(parsed, same, strict=True) if dup]
        raise ValueError(f"wide=True: columns {clash} name the same indicator and period; keep one of each")
    dup = frame[region].duplicated(keep=False)
    if dup.any():
        raise ValueError(f"wide=True: duplicate regions {_preview(frame.loc[dup, region].unique())}; keep one row per region")
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
    sep: str = "_",
) -> Panel:
    """Read an indicator panel from CSV, Excel, Parquet or a DataFrame.

    Parameters
    ----------
    src : path or DataFrame
        Long format: one row per region-period. Wide format (``wide=True``): one
        row per region with columns ``<indicator><sep><period>``.
    region, period : str
        Names of the region and period columns (in wide format only ``region``).
    columns : sequence of str, optional
        Indicator columns to read; default all other columns, which must be numeric.
    sheet : str or int, optional
        Excel sheet.
    wide : bool
        Read the wide layout.
    sep : str
        Separator between indicator and period in wide column names.

    Returns
    -------
    Panel
        Indexed by ``(region, period)``, sorted. Unbalanced panels are allowed;
        check ``panel.is_balanced`` and ``panel.missing()``.

    Raises
    ------
    ValueError
        Missing region/period column, duplicate region-periods (listed),
        non-numeric cells (column, region, period and value), empty panel.
    """
    frame = _read_source(src, sheet, (region, period))
    notes: list[str] = []
    repeated = frame.columns[frame.columns.duplicated()]
    if len(repeated):
        raise ValueError(f"columns appear more than once: {sorted(map(str, set(repeated)))}; rename or remove the copies")
    frame.columns = [str(c) for c in frame.columns]
    if region not in frame.columns:
        raise ValueError(f"region column {region!r} not found; columns are: {', '.join(map(str, frame.columns))}. Pass region=<name>.")
    if frame[region].isna().any():
        rows = [int(i) + 2 for i in np.flatnonzero(frame[region].isna().to_numpy())[:10]]
        raise ValueError(f"rows without a region id (file lines {rows}, counting the header as line 1); fill or remove them")
    _check_region_types(frame[region])
    if wide:
        frame, skipped = _wide_to_long(frame, region, sep)
        if skipped and columns is None:
            raise ValueError(
                f"wide=True: columns {skipped} are not '<indicator>{sep}<period>'; "
                "remove them or pass columns=[...] naming the indicators to read"
            )
        period_col = PERIOD
    else:
        if period not in frame.columns:
            raise ValueError(f"period column {period!r} not found; columns are: {', '.join(map(str, frame.columns))}. Pass period=<name>.")
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
        raise ValueError(f"rows without a period (file lines {rows}, counting the header as line 1); fill or remove them")
    data = frame[[region, period_col, *indicator_cols]].rename(columns={region: REGION, period_col: PERIOD})
    data[PERIOD] = _coerce_periods(data[PERIOD], period_col)
    dup = data.duplicated([REGION, PERIOD], keep=False)
    if dup.any():
        pairs = data.loc[dup, [REGION, PERIOD]].drop_duplicates().itertuples(index=False, name=None)
        raise ValueError(f"duplicate region-periods: {_preview(list(pairs))}; keep one row per region and period")
    data = data.set_index([REGION, PERIOD]).sort_index()
    data = _coerce_numeric(data)
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


def _coerce_periods(periods: pd.Series, name: str) -> pd.Series:
    """Integer periods from integer-like numbers or text; datetimes are kept; anything else is an error."""
    if pd.api.types.is_bool_dtype(periods.dtype):
        raise ValueError(f"period column {name!r} holds True/False; periods must be years, numbers, text or dates")
    if pd.api.types.is_datetime64_any_dtype(periods.dtype):
        return periods
    if pd.api.types.is_numeric_dtype(periods.dtype):
        numeric = periods.astype(float)
    else:
        numeric = pd.to_numeric(periods.astype("string").str.strip(), errors="coerce")
        if numeric.isna().any():
            if numeric.notna().any():
                bad = sorted(set(periods[numeric.isna()].astype(str)))[:10]
                raise ValueError(f"period column {name!r} mixes numbers and text: {bad}; use one kind of period label")
            return periods.astype(str)
    if not np.all(np.isfinite(numeric)):
        raise ValueError(f"period column {name!r} has non-finite values")
    if np.all(np.mod(numeric, 1) == 0):
        return numeric.astype(int)
    return numeric


def _coerce_numeric(data: pd.DataFrame) -> pd.DataFrame:
    problems: list[str] = []
    out = {}
    for col in data.columns:
        values = data[col]
        if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
            converted = pd.to_numeric(values.astype("string").str.strip(), errors="coerce")
            bad = converted.isna() & values.notna() & (values.astype("string").str.strip() != "")
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
        raise ValueError("non-numeric cells (fix them or pass columns=[...] to read only indicators):\n  " + "\n  ".join(problems))
    return pd.DataFrame(out, index=data.index)
