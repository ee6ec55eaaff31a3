"""What the driver analyses share: their result base, seeds, multiple testing and input frames.

Every result of :mod:`spatialcoupling.drivers` derives from :class:`DriverResult`: named tables
returned as copies, ``.notes``, read-only ``.settings`` (a :class:`types.MappingProxyType`),
``.summary()``, ``.plot()`` and ``.export(path)`` from :class:`spatialcoupling._results.Result`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .._aliases import in_region_order
from .._results import Result
from .._series import PERIOD, REGION, _preview

__all__ = ["DriverResult", "benjamini_hochberg_cutoff", "folded_p", "region_period_frame", "seed_sequence"]


class DriverResult(Result):
    """Base of the driver results: tables by name, notes and read-only settings.

    Subclasses pass their tables as a mapping (the first is ``.table``) and list the
    names in ``_table_names``. Tables keyed by region list China's provinces in yearbook order
    (:func:`spatialcoupling.regions.region_order`); other regions keep the order they came in.
    """

    _table_names: tuple[str, ...] = ("table",)
    _title: str = "Result"

    def __init__(self, tables: Mapping[str, pd.DataFrame], settings: Mapping[str, Any], notes: list[str]) -> None:
        self._tables = {name: in_region_order(frame).copy() for name, frame in tables.items()}
        self._settings = MappingProxyType(dict(settings))
        self._notes = list(dict.fromkeys(notes))
        self._freeze()

    def _get(self, name: str) -> pd.DataFrame:
        return self._tables[name].copy()

    @property
    def table(self) -> pd.DataFrame:
        """The main table (a copy)."""
        return self._get(self._table_names[0])

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """All named tables (copies), ``table`` first."""
        return {name: self._get(name) for name in self._table_names if name in self._tables}

    def summary(self) -> str:
        """Plain text: title, settings, notes and the main table."""
        head = self._title
        lines = [head, "=" * len(head)]
        lines += [f"{k}: {v}" for k, v in self._settings.items()]
        lines += [f"note: {n}" for n in self.notes]
        with pd.option_context("display.width", 120, "display.max_columns", 30, "display.max_rows", 60):
            lines.append(self._summary_table().to_string(float_format=lambda v: f"{v:.4f}"))
        return "\n".join(lines)

    def _summary_table(self) -> pd.DataFrame:
        return self._tables[self._table_names[0]]


def seed_sequence(seed: Any) -> tuple[np.random.SeedSequence, int | None]:
    """A SeedSequence for ``seed`` and the integer entropy that reproduces it when ``seed`` is None."""
    if isinstance(seed, np.random.SeedSequence):
        return seed, None
    ss = np.random.SeedSequence(seed)
    return ss, (int(ss.entropy) if seed is None else None)  # type: ignore[arg-type]


def folded_p(count: np.ndarray, permutations: int, two_sided: bool) -> np.ndarray:
    """The folded pseudo p ``(1 + count) / (1 + permutations)`` of a folded count ``min(#{s* >= s},
    #{s* <= s})``, doubled (at most 1) when ``two_sided``."""
    p = (1.0 + np.asarray(count, dtype=float)) / (1.0 + permutations)
    return np.minimum(1.0, 2.0 * p) if two_sided else p


def benjamini_hochberg_cutoff(p: np.ndarray, valid: np.ndarray, alpha: float) -> np.ndarray:
    """The Benjamini–Hochberg step-up cut-off of every column of ``p`` (tests in rows).

    Parameters
    ----------
    p : ndarray (m, T)
        p-values, one column per family (a period).
    valid : ndarray of bool (m, T)
        Which entries are tests (NaN p-values of regions without neighbours are not).
    alpha : float
        False discovery rate.

    Returns
    -------
    ndarray (T,)
        The largest ``p_(k)`` with ``p_(k) <= k alpha / m`` (0 when there is none); a test is
        rejected when its p is at most the cut-off.
    """
    q = np.where(valid, p, np.inf)
    ordered = np.sort(q, axis=0)
    m = valid.sum(axis=0)
    ranks = np.arange(1, q.shape[0] + 1)[:, None]
    ok = ordered <= ranks * alpha / np.maximum(m, 1)
    ok &= np.isfinite(ordered)
    last = np.where(ok.any(axis=0), q.shape[0] - 1 - np.argmax(ok[::-1], axis=0), -1)
    cut = np.where(last >= 0, ordered[np.maximum(last, 0), np.arange(q.shape[1])], 0.0)
    return cut


def region_period_frame(data: Any, who: str, name: str = "data") -> pd.DataFrame:
    """A copy of a DataFrame indexed by (region, period), index names set, sorted.

    Raises
    ------
    TypeError, ValueError
        Naming ``who``: not a DataFrame, a one-level index, duplicated region-periods.
    """
    if isinstance(data, pd.Series):
        data = data.to_frame()
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{who}: {name} must be a DataFrame indexed by (region, period), got {type(data).__name__}")
    if not isinstance(data.index, pd.MultiIndex) or data.index.nlevels != 2:
        raise ValueError(f"{who}: {name} must be indexed by (region, period); use df.set_index(['region', 'period'])")
    out = data.copy()
    out.index = out.index.set_names([REGION, PERIOD])
    dup = out.index[out.index.duplicated()]
    if len(dup):
        raise ValueError(f"{who}: duplicate region-periods in {name}: {_preview(dup.unique())}; keep one row each")
    return out.sort_index()


def wide_on_weights(series: Any, ids: tuple, name: str, who: str) -> pd.DataFrame:
    """A region × period Series as a balanced table with rows in the order of the weights' ids.

    Raises
    ------
    ValueError
        Naming the regions in one and not the other (with a hint when they agree as text),
        gaps of an unbalanced panel, values constant across regions in a period.
    """
    from .._series import as_region_period_series, require_balanced

    s = as_region_period_series(series, name=f"{who}: {name}")
    wide = require_balanced(s, name=f"{who}: {name}")
    have = set(wide.index)
    missing = [r for r in ids if r not in have]
    id_set = set(ids)
    extra = [r for r in wide.index if r not in id_set]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{len(missing)} region(s) of the weights absent from {name}: {_preview(missing)}")
        if extra:
            parts.append(f"{len(extra)} region(s) of {name} absent from the weights: {_preview(extra)}")
        hint = ""
        if {str(r) for r in wide.index} == {str(r) for r in ids}:
            hint = " The ids agree as text: make the types match (e.g. both str or both int)."
        raise ValueError(
            f"{who}: regions of {name} do not match the spatial weights; "
            + "; ".join(parts)
            + ". Build the weights from the same regions (sc.spatial_weights) or subset the series."
            + hint
        )
    wide = wide.loc[list(ids)]
    values = wide.to_numpy()
    spread = values.max(axis=0) - values.min(axis=0)
    flat = [
        p for p, s_ in zip(wide.columns, spread, strict=True) if not s_ > 1e-14 * max(1.0, float(np.abs(values).max()))
    ]
    if flat:
        raise ValueError(
            f"{who}: {name} is constant across regions in period(s) {_preview(flat)}; a local statistic is "
            "undefined there. Drop those periods."
        )
    return wide
