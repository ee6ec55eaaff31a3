"""Indicator systems: which panel columns form which subsystem and dimension, and their direction.

An :class:`IndicatorSystem` is the evaluation index system of a coupling study:
subsystem → dimension → indicator column → direction (``"+"`` for a positive
indicator, larger is better; ``"-"`` for a negative one). A subsystem can be any
set of indicators, so a sector-level analysis (education × advanced manufacturing,
finance × advanced manufacturing, …) declares each sub-sector as a subsystem.

A system may also carry given (subjective) indicator weights, e.g. from AHP or an
expert survey: a ``weight`` column in a table, or ``indicator = {direction = "+",
weight = 0.3}`` in TOML. They are kept on the system (:attr:`IndicatorSystem.weights`)
and used by :class:`~spatialcoupling.scores.GivenWeights`; the objective methods
say so when they leave them unused.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._io import CSV_SUFFIXES, EXCEL_SUFFIXES, read_table, toml_hint
from ._results import copied

_DIRECTIONS = {
    "+": 1,
    "positive": 1,
    "pos": 1,
    "1": 1,
    "+1": 1,
    "-": -1,
    "negative": -1,
    "neg": -1,
    "-1": -1,
    "正向": 1,
    "正": 1,
    "正向指标": 1,
    "效益型": 1,
    "负向": -1,
    "负": -1,
    "逆向": -1,
    "负向指标": -1,
    "逆向指标": -1,
    "成本型": -1,
}
_COLUMNS = ["indicator", "subsystem", "dimension", "direction"]
#: keys of an indicator given as a table in TOML/dicts: ``{direction = "+", weight = 0.3}``
_SPEC_KEYS = {"direction", "weight"}


def parse_direction(value: Any, indicator: str) -> int:
    """+1 or -1 from '+', '-', 'positive', 'negative', 1 or -1 (not True/False, not 1.0).

    Chinese directions are read too: ``正向``/``正``/``正向指标``/``效益型`` (+1) and
    ``负向``/``负``/``逆向``/``负向指标``/``成本型`` (−1); full-width ``＋``/``－`` and the minus
    sign ``−`` count as ``+``/``-``.

    Raises
    ------
    ValueError
        Naming ``indicator`` and the direction it was given.

    Examples
    --------
    >>> parse_direction("-", "energy_use"), parse_direction("positive", "output")
    (-1, 1)
    """
    if isinstance(value, bool) or not isinstance(value, str | int):
        key = None
    else:
        key = (
            unicodedata.normalize("NFKC", value).strip().lower().replace("\u2212", "-")
            if isinstance(value, str)
            else str(value)
        )
    if key not in _DIRECTIONS:
        raise ValueError(
            f"indicator {indicator!r}: unknown direction {value!r}; use '+' (positive, 正向) or '-' (negative, 负向)"
        )
    return _DIRECTIONS[key]


def _is_indicator_spec(value: Any) -> bool:
    """True for ``{"direction": ..., "weight": ...}`` (an indicator given as a table)."""
    return (
        isinstance(value, Mapping)
        and "direction" in value
        and set(map(str, value)) <= _SPEC_KEYS
        and not any(isinstance(v, Mapping) for v in value.values())
    )


def _spec_values(spec: Mapping[str, Any], indicator: Any) -> tuple[Any, Any]:
    weight = spec.get("weight", np.nan)
    if isinstance(weight, bool) or not isinstance(weight, int | float):
        raise ValueError(f"indicator {indicator!r}: weight must be a number, got {weight!r}")
    return spec["direction"], weight


def _parse_weights(weights: pd.Series, indicators: pd.Series) -> pd.Series:
    """Given weights as floats (NaN where blank).

    Non-numbers, negatives and infinities are errors naming the indicator.
    """
    text = weights.astype("string").str.strip()
    values = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = values.isna() & weights.notna() & (text != "")
    if isinstance(weights.dtype, pd.BooleanDtype) or pd.api.types.is_bool_dtype(weights.dtype):
        bad = weights.notna()
    if bad.any():
        cells = [f"{i!r}: {w!r}" for i, w in zip(indicators[bad], weights[bad], strict=True)]
        raise ValueError(
            f"indicator system: weight is not a number for {', '.join(cells[:10])}; give weights as numbers >= 0"
        )
    values = values.astype(float)
    invalid = values.notna() & ~(np.isfinite(values) & (values >= 0))
    if invalid.any():
        cells = [f"{i!r}: {w!r}" for i, w in zip(indicators[invalid], values[invalid], strict=True)]
        raise ValueError(f"indicator system: weights must be finite and >= 0; got {', '.join(cells[:10])}")
    return values


class IndicatorSystem:
    """Subsystems, dimensions and indicator directions of an evaluation system.

    Build it with :meth:`from_dict`, :meth:`from_file` (TOML, or a CSV/XLSX table)
    or :meth:`from_frame`. Subsystems keep the order in which they are declared.

    Parameters
    ----------
    table : DataFrame
        One row per indicator: indicator, subsystem, dimension, direction, and
        optionally ``weight`` (given weights, >= 0; blank where not given) and any
        other descriptive columns (kept as they are).
    notes : sequence of str, optional
        How the system was read (e.g. the encoding of a CSV); carried into the
        notes of the scores fitted on it.

    Examples
    --------
    >>> system = IndicatorSystem.from_dict({
    ...     "MS": {"scale": {"ms_value_added": "+"}, "efficiency": {"ms_energy": "-"}},
    ...     "AM": {"scale": {"am_output": "+", "am_firms": "+"}},
    ... })
    >>> system.subsystems
    ['MS', 'AM']
    """

    def __init__(self, table: pd.DataFrame, notes: Sequence[str] = ()):
        self._table = self._validate(table)
        self._notes = list(notes)

    # -- construction ---------------------------------------------------------
    @classmethod
    def from_dict(cls, spec: Mapping[str, Mapping[str, Any]]) -> IndicatorSystem:
        """From ``{subsystem: {dimension: {indicator: direction}}}``.

        A subsystem may also map indicators to directions directly
        (``{subsystem: {indicator: direction}}``); their dimension is then the
        subsystem's name. An indicator may be given as a table with its direction
        and a given weight, ``{"direction": "+", "weight": 0.3}`` (in TOML
        ``am_output = {direction = "+", weight = 0.3}``); see :class:`GivenWeights
        <spatialcoupling.scores.GivenWeights>`. Under a subsystem, a table whose
        keys are only ``direction`` and ``weight`` is read as such an indicator, not
        as a dimension.
        """
        if not isinstance(spec, Mapping) or not spec:
            raise ValueError(
                "indicator system: expected a non-empty mapping subsystem -> dimension -> indicator -> direction"
            )
        rows = []
        for subsystem, dims in spec.items():
            if not isinstance(dims, Mapping) or not dims:
                raise ValueError(f"subsystem {subsystem!r} has no indicators; give it at least one")
            for dimension, indicators in dims.items():
                if _is_indicator_spec(indicators):
                    # indicator = {direction, weight} directly under the subsystem
                    rows.append((dimension, subsystem, subsystem, *_spec_values(indicators, dimension)))
                elif isinstance(indicators, Mapping):
                    if not indicators:
                        raise ValueError(f"subsystem {subsystem!r}, dimension {dimension!r} has no indicators")
                    for indicator, direction in indicators.items():
                        if isinstance(direction, Mapping):
                            if not _is_indicator_spec(direction):
                                raise ValueError(
                                    f"{subsystem}.{dimension}.{indicator}: an indicator table takes the keys "
                                    f"'direction' (required) and 'weight'; got {sorted(map(str, direction))}"
                                )
                            rows.append((indicator, subsystem, dimension, *_spec_values(direction, indicator)))
                        else:
                            rows.append((indicator, subsystem, dimension, direction, np.nan))
                elif isinstance(indicators, str | int) and not isinstance(indicators, bool):
                    # indicator -> direction directly under the subsystem
                    rows.append((dimension, subsystem, subsystem, indicators, np.nan))
                else:
                    raise ValueError(
                        f"{subsystem}.{dimension}: expected a table of indicator = '+'/'-', got {indicators!r}"
                    )
        table = pd.DataFrame(rows, columns=[*_COLUMNS, "weight"])
        if table["weight"].isna().all():
            table = table.drop(columns="weight")
        return cls(table)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, notes: Sequence[str] = ()) -> IndicatorSystem:
        """From a table with columns indicator, subsystem, dimension (optional), direction.

        An optional ``weight`` column holds given (subjective) weights, e.g. from
        AHP; it is kept (:attr:`weights`) and used by :class:`GivenWeights
        <spatialcoupling.scores.GivenWeights>`. Other columns (labels, units,
        sources) are kept in :attr:`table` unchanged.
        """
        missing = [c for c in ("indicator", "subsystem", "direction") if c not in frame.columns]
        if missing:
            raise ValueError(
                f"indicator table lacks column(s) {missing}; needs indicator, subsystem, dimension, direction"
            )
        table = frame.copy()
        spelled = [c for c in table.columns if str(c).strip().casefold() in ("weight", "weights")]
        if len(spelled) > 1:
            raise ValueError(f"indicator table has several weight columns {spelled}; keep one named 'weight'")
        if spelled and spelled[0] != "weight":
            table = table.rename(columns={spelled[0]: "weight"})
            notes = [*notes, f"indicator table: column {spelled[0]!r} read as the given weights ('weight')"]
        if "dimension" not in table.columns:
            table["dimension"] = table["subsystem"]
        others = [c for c in table.columns if c not in _COLUMNS]
        if "weight" in table.columns and table["weight"].isna().all():
            others.remove("weight")
        return cls(table[[*_COLUMNS, *others]], notes=notes)

    @classmethod
    def from_file(cls, path: str | Path, *, encoding: str | None = None, sep: str | None = None) -> IndicatorSystem:
        """From a TOML file (``[MS.factor_supply]`` tables of ``indicator = "+"``) or a CSV/XLSX table.

        Parameters
        ----------
        path : str or Path
            ``.toml``, ``.csv`` or ``.xlsx``/``.xls``.
        encoding, sep : str, optional
            Text encoding and field separator of a CSV table; by default UTF-8 (with
            or without a byte-order mark), falling back to GB18030 with a note, and
            ``","``. See :func:`~spatialcoupling.read_panel`.
        """
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"indicator system file not found: {path}")
        suffix = path.suffix.lower()
        if suffix == ".toml":
            if encoding is not None or sep is not None:
                raise ValueError(f"indicator system {path.name!r}: encoding= and sep= apply to CSV tables, not TOML")
            raw = path.read_bytes()
            try:
                spec = tomllib.loads(raw.decode("utf-8-sig"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                hint = (
                    toml_hint(exc, raw.decode("utf-8", errors="replace"))
                    if isinstance(exc, tomllib.TOMLDecodeError)
                    else ""
                )
                raise ValueError(f"cannot parse indicator system {path.name!r}: {exc}{hint}") from None
            try:
                return cls.from_dict(spec.get("indicators", spec))
            except ValueError as exc:
                raise ValueError(f"indicator system {path.name!r}: {exc}") from None
        if suffix in CSV_SUFFIXES | EXCEL_SUFFIXES:
            frame, notes = read_table(path, what="indicator table", encoding=encoding, sep=sep)
            try:
                return cls.from_frame(frame, notes=notes)
            except ValueError as exc:
                raise ValueError(f"indicator table {path.name!r}: {exc}") from None
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
        table["direction"] = [
            parse_direction(d, i) for d, i in zip(table["direction"], table["indicator"], strict=True)
        ]
        counts = table.groupby("indicator")["subsystem"].agg(lambda s: sorted(set(s)))
        shared = {ind: subs for ind, subs in counts.items() if len(subs) > 1}
        if shared:
            detail = "; ".join(f"{ind!r} in {subs}" for ind, subs in shared.items())
            raise ValueError(
                f"indicators in more than one subsystem: {detail}. Each indicator belongs to one subsystem."
            )
        dup = table["indicator"].duplicated()
        if dup.any():
            raise ValueError(f"indicators listed twice: {sorted(set(table.loc[dup, 'indicator']))}")
        if "weight" in table.columns:
            table["weight"] = _parse_weights(table["weight"], table["indicator"])
        return table.reset_index(drop=True)

    # -- views ----------------------------------------------------------------------
    table = copied(
        "_table",
        "One row per indicator: indicator, subsystem, dimension, direction (+1 or -1), and ``weight`` "
        "when given weights were read (NaN where an indicator has none).",
    )

    @property
    def weights(self) -> pd.Series | None:
        """Given (subjective) weights by indicator, as read (not normalised); None when none were given.

        Indicators without a given weight are NaN. Use them with
        :class:`~spatialcoupling.scores.GivenWeights`.
        """
        if "weight" not in self._table.columns:
            return None
        return self._table.set_index("indicator")["weight"].rename("weight")

    @property
    def notes(self) -> list[str]:
        """How the system was read (e.g. a CSV decoded as GB18030)."""
        return list(self._notes)

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
        return IndicatorSystem(self._table[self._table["subsystem"].isin(subsystems)], notes=self._notes)

    def check_columns(self, columns: Any) -> None:
        """Raise one error listing every indicator absent from ``columns`` (e.g. a Panel's)."""
        available = {str(c) for c in getattr(columns, "columns", columns)}
        missing = [i for i in self.indicators if i not in available]
        if missing:
            raise ValueError(
                f"indicator column(s) not in the panel: {missing}; the panel has {sorted(map(str, available))}"
            )

    def to_dict(self) -> dict[str, dict[str, dict[str, Any]]]:
        """The ``{subsystem: {dimension: {indicator: '+'/'-'}}}`` form (TOML-ready).

        An indicator with a given weight is ``{"direction": "+", "weight": w}``, so
        :meth:`from_dict` reads the same system back.
        """
        out: dict[str, dict[str, dict[str, Any]]] = {}
        weights = (
            self._table["weight"] if "weight" in self._table.columns else pd.Series(np.nan, index=self._table.index)
        )
        for row, weight in zip(self._table.itertuples(index=False), weights, strict=True):
            sign = "+" if row.direction > 0 else "-"
            value: Any = sign if pd.isna(weight) else {"direction": sign, "weight": float(weight)}
            out.setdefault(row.subsystem, {}).setdefault(row.dimension, {})[row.indicator] = value
        return out

    def __repr__(self) -> str:
        parts = ", ".join(f"{s}: {len(self.indicators_of(s))}" for s in self.subsystems)
        return f"<IndicatorSystem {parts} indicators>"
