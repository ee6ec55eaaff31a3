"""The common currency between steps: a region × period Series.

A region × period series is a :class:`pandas.Series` with a two-level index
``(region, period)``. Every analysis step that takes one goes through
:func:`as_region_period_series`, so the checks and their messages are the same
everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

REGION = "region"
PERIOD = "period"


def _plain(value: object) -> object:
    """Numpy scalars and tuples of them as plain Python values, for readable messages."""
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    item = getattr(value, "item", None)
    return item() if callable(item) and getattr(value, "ndim", 1) == 0 else value


def preview(items: Iterable, limit: int = 10) -> str:
    """The first ``limit`` items for an error message, with a count of the rest."""
    items = list(items)
    shown = ", ".join(repr(_plain(i)) for i in items[:limit])
    more = f" … and {len(items) - limit} more" if len(items) > limit else ""
    return shown + more


_preview = preview  # the name the package's modules used before ``preview`` was public


def as_region_period_series(
    data: pd.Series,
    *,
    name: str = "series",
    allow_nan: bool = False,
    positive: bool = False,
    nonnegative: bool = False,
) -> pd.Series:
    """Validate a region × period Series and return a sorted float copy.

    Parameters
    ----------
    data : pandas.Series
        Values indexed by a two-level ``(region, period)`` MultiIndex.
    name : str
        How the series is called in error messages.
    allow_nan : bool
        If False (default), a missing value is an error naming its region and period.
    positive, nonnegative : bool
        Reject values that are not > 0 (e.g. under a logarithm) or not >= 0.

    Returns
    -------
    pandas.Series
        A float copy with index names ``("region", "period")``, sorted.

    Raises
    ------
    TypeError, ValueError
        With a message naming the offending regions and periods.
    """
    if isinstance(data, pd.DataFrame):
        if data.shape[1] != 1:
            raise TypeError(
                f"{name}: expected a region × period Series, got a DataFrame with columns "
                f"{list(data.columns)}; pass one column, e.g. df['D']"
            )
        data = data.iloc[:, 0]
    if not isinstance(data, pd.Series):
        raise TypeError(f"{name}: expected a pandas Series indexed by (region, period), got {type(data).__name__}")
    if not isinstance(data.index, pd.MultiIndex) or data.index.nlevels != 2:
        raise ValueError(
            f"{name}: the index must have two levels (region, period); got {data.index.nlevels} level(s). "
            "Use df.set_index(['region', 'period'])['column']."
        )
    series = data.copy()
    series.index = series.index.set_names([REGION, PERIOD])
    duplicated = series.index[series.index.duplicated()]
    if len(duplicated):
        raise ValueError(
            f"{name}: duplicate region-periods {_preview(duplicated.unique())}; keep one row per region and period"
        )
    if not pd.api.types.is_numeric_dtype(series.dtype):
        coerced = pd.to_numeric(series, errors="coerce")
        bad = series.index[coerced.isna() & series.notna()]
        if len(bad):
            cells = [f"{r!r}/{p!r}={series.loc[(r, p)]!r}" for r, p in bad[:10]]
            raise ValueError(f"{name}: non-numeric values at (region/period=value) {', '.join(cells)}")
        series = coerced
    series = series.astype(float)
    if not allow_nan:
        missing = series.index[~np.isfinite(series.to_numpy())]
        if len(missing):
            raise ValueError(
                f"{name}: missing or infinite values at (region, period) {_preview(missing)}; "
                "fill them first (e.g. Panel.interpolate()) or drop those regions explicitly"
            )
    values = series.to_numpy()
    if positive:
        bad = series.index[values <= 0]
        if len(bad):
            raise ValueError(f"{name}: values must be > 0 (a logarithm is taken); non-positive at {_preview(bad)}")
    if nonnegative:
        bad = series.index[values < 0]
        if len(bad):
            raise ValueError(f"{name}: values must be >= 0; negative at {_preview(bad)}")
    return series.sort_index()


def to_wide(series: pd.Series) -> pd.DataFrame:
    """Region × period table (regions as rows, periods as columns) of a validated series."""
    return series.unstack(PERIOD)


def missing_cells(index: pd.MultiIndex) -> pd.MultiIndex:
    """Region-periods absent from the full regions × periods grid of a (region, period) index."""
    regions, periods = index.get_level_values(0).unique(), index.get_level_values(1).unique()
    if len(index) == len(regions) * len(periods) and index.is_unique:  # every cell present once
        return pd.MultiIndex.from_arrays([regions[:0], periods[:0]], names=[REGION, PERIOD])
    full = pd.MultiIndex.from_product([regions, periods], names=[REGION, PERIOD])
    return full.difference(index)


def require_balanced(series: pd.Series, *, name: str = "series") -> pd.DataFrame:
    """Return the region × period table, raising with the list of gaps when unbalanced."""
    gaps = missing_cells(series.index)
    if len(gaps):
        raise ValueError(
            f"{name}: the panel is unbalanced; missing (region, period) {_preview(gaps)}. "
            "Fill them (Panel.interpolate()) or restrict to regions observed in every period."
        )
    return to_wide(series)
