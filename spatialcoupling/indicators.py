"""Indicator systems: which panel columns form which subsystem and dimension, and their direction.

An :class:`IndicatorSystem` is the evaluation index system of a coupling study:
subsystem → dimension → indicator column → direction (``"+"`` for a positive
indicator, larger is better; ``"-"`` for a negative one). A subsystem can be any
set of indicators, so a sector-level analysis (education × advanced manufacturing,
finance × advanced manufacturing, …) declares each sub-sector as a subsystem.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._results import copied

_DIRECTIONS = {
    "+": 1, "positive": 1, "pos": 1, "1": 1, "+1": 1,
    "-": -1, "negative": -1, "neg": -1, "-1": -1,
}
_COLUMNS = ["indicator", "subsystem", "dimension", "direction"]


def _parse_direction(value: Any, indicator: str) -> int:
    """+1 or -1 from '+', '-', 'positive', 'negative', 1 or -1 (not True/False, not 1.0)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        key = None
    else:
        key = value.strip().lower() if isinstance(value, str) else str(value)
    if key not in _DIRECTIONS:
        raise ValueError(f"indicator {indicator!r}: unknown direction {value!r}; use '+' (positive) or '-' (negative)")
    return _DIRECTIONS[key]


class IndicatorSystem:
    """Subsystems, dimensions and indicator directions of an evaluation system.

    Build it with :meth:`from_dict`, :meth:`from_file` (TOML, or a CSV/XLSX table)
    or :meth:`from_frame`. Subsystems keep the order in which they are declared.

    Examples
    --------
    >>> system = IndicatorSystem.from_dict({
    ...     "MS": {"scale": {"ms_value_added": "+"}, "efficiency": {"ms_energy": "-"}},
    ...     "AM": {"scale": {"am_output": "+", "am_firms": "+"}},
    ... })
    >>> system.subsystems
    ['MS', 'AM']
    """

    def __init__(self, table: pd.DataFrame):
        self._table = self._validate(table)

    # -- construction ---------------------------------------------------------
    @classmethod
    def from_dict(cls, spec: Mapping[str, Mapping[str, Any]]) -> IndicatorSystem:
        """From ``{subsystem: {dimension: {indicator: direction}}}``.

        A subsystem may also map indicators to directions directly
        (``{subsystem: {indicator: direction}}``); their dimension is then the
        subsystem's name.
        """
        if not isinstance(spec, Mapping) or not spec:
            raise ValueError("indicator system: expected a non-empty mapping subsystem -> dimension -> indicator -> direction")
        rows = []
        for subsystem, dims in spec.items():
            if not isinstance(dims, Mapping) or not dims:
                raise ValueError(f"subsystem {subsystem!r} has no indicators; give it at least one")
            for dimension, indicators in dims.items():
                if isinstance(indicators, Mapping):
                    if not indicators:
                        raise ValueError(f"subsystem {subsystem!r}, dimension {dimension!r} has no indicators")
                    for indicator, direction in indicators.items():
                        rows.append((indicator, subsystem, dimension, direction))
                elif isinstance(indicators, str | int) and not isinstance(indicators, bool):
                    # indicator -> direction directly under the subsystem
                    rows.append((dimension, subsystem, subsystem, indicators))
                else:
                    raise ValueError(
                        f"{subsystem}.{dimension}: expected a table of indicator = '+'/'-', got {indicators!r}"
                    )
        return cls(pd.DataFrame(rows, columns=_COLUMNS))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> IndicatorSystem:
        """From a table with columns indicator, subsystem, dimension (optional), direction."""
        missing = [c for c in ("indicator", "subsystem", "direction") if c not in frame.columns]
        if missing:
            raise ValueError(f"indicator table lacks column(s) {missing}; needs indicator, subsystem, dimension, direction")
        table = frame.copy()
        if "dimension" not in table.columns:
            table["dimension"] = table["subsystem"]
        return cls(table[_COLUMNS])

    @classmethod
    def from_file(cls, path: str | Path) -> IndicatorSystem:
        """From a TOML file (``[MS.factor_supply]`` tables of ``indicator = "+"``) or a CSV/XLSX table."""
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"indicator system file not found: {path}")
        suffix = path.suffix.lower()
        if suffix == ".toml":
            with path.open("rb") as fh:
                spec = tomllib.load(fh)
            return cls.from_dict(spec.get("indicators", spec))
        if suffix == ".csv":
            return cls.from_frame(pd.read_csv(path))
        if suffix in {".xlsx", ".xls"}:
            return cls.from_frame(pd.read_excel(path))
        raise ValueError(f"cannot read indicator system from {path.name!r}: use .toml, .csv or .xlsx")

    @staticmethod
    def _validate(table: pd.DataFrame) -> pd.DataFrame:
        table = table.copy()
        if table.empty:
            raise ValueError("indicator system has no indicators")
        for col in ("indicator", "subsystem"):
            blank = table[col].isna() | (table[col].astype(str).str.strip() == "")
            if blank.any():
                rows = [int(i) + 1 for i in np.flatnonzero(blank.to_numpy())]
                others = table.loc[blank, "indicator" if col == "subsystem" else "subsystem"].tolist()
                raise ValueError(f"indicator system: blank {col} in row(s) {rows} ({others}); fill it in")
        table["indicator"] = table["indicator"].astype(str)
        table["subsystem"] = table["subsystem"].astype(str)
        table["dimension"] = table["dimension"].fillna(table["subsystem"]).astype(str)
        table["direction"] = [_parse_direction(d, i) for d, i in zip(table["direction"], table["indicator"], strict=True)]
        counts = table.groupby("indicator")["subsystem"].agg(lambda s: sorted(set(s)))
        shared = {ind: subs for ind, subs in counts.items() if len(subs) > 1}
        if shared:
            detail = "; ".join(f"{ind!r} in {subs}" for ind, subs in shared.items())
            raise ValueError(f"indicators in more than one subsystem: {detail}. Each indicator belongs to one subsystem.")
        dup = table["indicator"].duplicated()
        if dup.any():
            raise ValueError(f"indicators listed twice: {sorted(set(table.loc[dup, 'indicator']))}")
        return table.reset_index(drop=True)

    # -- views ----------------------------------------------------------------------
    table = copied("_table", "One row per indicator: indicator, subsystem, dimension, direction (+1 or -1).")

    @property
    def subsystems(self) -> list[str]:
        """Subsystem names in declaration order."""
        return list(dict.fromkeys(self._table["subsystem"]))

    @property
    def indicators(self) -> list[str]:
        """All indicator columns in declaration order."""
        return list(self._table["indicator"])

    def indicators_of(self, subsystem: str) -> list[str]:
        """Indicator columns of one subsystem."""
        if subsystem not in self.subsystems:
            raise KeyError(f"unknown subsystem {subsystem!r}; subsystems: {self.subsystems}")
        return list(self._table.loc[self._table["subsystem"] == subsystem, "indicator"])

    def subset(self, subsystems: list[str]) -> IndicatorSystem:
        """The system restricted to some subsystems."""
        unknown = [s for s in subsystems if s not in self.subsystems]
        if unknown:
            raise KeyError(f"unknown subsystem(s) {unknown}; subsystems: {self.subsystems}")
        return IndicatorSystem(self._table[self._table["subsystem"].isin(subsystems)])

    def check_columns(self, columns: Any) -> None:
        """Raise one error listing every indicator absent from ``columns`` (e.g. a Panel's)."""
        available = {str(c) for c in getattr(columns, "columns", columns)}
        missing = [i for i in self.indicators if i not in available]
        if missing:
            raise ValueError(
                f"indicator column(s) not in the panel: {missing}; "
                f"the panel has {sorted(map(str, available))}"
            )

    def to_dict(self) -> dict[str, dict[str, dict[str, str]]]:
        """The ``{subsystem: {dimension: {indicator: '+'/'-'}}}`` form (TOML-ready)."""
        out: dict[str, dict[str, dict[str, str]]] = {}
        for row in self._table.itertuples(index=False):
            out.setdefault(row.subsystem, {}).setdefault(row.dimension, {})[row.indicator] = "+" if row.direction > 0 else "-"
        return out

    def __repr__(self) -> str:
        parts = ", ".join(f"{s}: {len(self.indicators_of(s))}" for s in self.subsystems)
        return f"<IndicatorSystem {parts} indicators>"
