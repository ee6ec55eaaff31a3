"""The table that every writer of :mod:`spatialcoupling.tables` takes: cells plus print layout.

A :class:`PaperTable` holds

- ``body``: a DataFrame whose index holds the row keys (one or more named levels) and whose
  columns are the value columns, flat or two levels ``(spanner, label)``; cells are numbers or
  text (regression tables hold formatted text such as ``-0.447***`` and ``(0.030)``);
- print layout: a caption, a label, notes, the kind of each column (``number``, ``percent``,
  ``integer``, ``p``, ``text``), the decimals, the index level whose values head panels, index
  levels that are not printed, headers of the key columns.

Two views are derived from it. The *flat* view (:meth:`PaperTable.flat`), used for ``.csv`` and
``.xlsx``, has one header row (spanner and label joined by a space), every key level as a full
column (no blank or merged cell), and numbers as numbers. The *print* view, used for ``.tex``,
``.docx`` and ``.md``, formats the numbers, prints panel headings, blanks repeated keys within a
panel and shows spanners above their columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._format import format_cell

__all__ = [
    "KINDS",
    "KINDS_ATTR",
    "PaperTable",
    "column_kinds",
    "frame_kinds",
    "infer_kind",
    "integers_as_integers",
    "mark_kinds",
    "whole_numbers",
]

#: column kinds and what a print writer does with them
KINDS = ("number", "percent", "integer", "p", "text")
_P_NAMES = {"p", "p_value", "pvalue", "p_sim", "p_norm", "p_rand", "p_z_sim", "p_adjusted", "p_val"}


#: key of ``DataFrame.attrs`` under which a frame marks the kinds of some of its columns
KINDS_ATTR = "spatialcoupling_kinds"


def mark_kinds(frame: pd.DataFrame, kinds: Mapping[Any, str]) -> pd.DataFrame:
    """``frame`` (a shallow copy) with the kinds of some columns marked for every writer.

    The mark travels in ``frame.attrs`` (under :data:`KINDS_ATTR`); the writers read it before
    they infer a kind. The package marks the float columns it makes as counts (``"integer"``) and
    the whole-valued floats it makes on purpose (``"number"``).

    Examples
    --------
    >>> f = mark_kinds(pd.DataFrame({"dof": [12.0, 6.0]}), {"dof": "integer"})
    >>> column_kinds(f), infer_kind("dof", f["dof"])
    ({'dof': 'integer'}, 'number')
    """
    bad = {k: v for k, v in kinds.items() if v not in KINDS}
    if bad:
        raise ValueError(f"mark_kinds: unknown kinds {bad}; use one of {', '.join(KINDS)}")
    missing = [k for k in kinds if k not in frame.columns]
    if missing:
        raise ValueError(f"mark_kinds: the frame has no column(s) {missing}; its columns are {list(frame.columns)}")
    out = frame.copy(deep=False)
    out.attrs = {**frame.attrs, KINDS_ATTR: {**column_kinds(frame), **dict(kinds)}}
    return out


def column_kinds(frame: pd.DataFrame) -> dict[Any, str]:
    """The kinds marked on ``frame`` with :func:`mark_kinds` (of columns it still has)."""
    marked = frame.attrs.get(KINDS_ATTR) or {}
    return {k: v for k, v in marked.items() if k in frame.columns}


def whole_numbers(values: pd.Series) -> bool:
    """Whether a float column holds whole numbers only (missing cells aside), at least one."""
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    finite = numbers[np.isfinite(numbers)]
    return bool(finite.size) and not np.isinf(numbers).any() and bool(np.all(finite == np.round(finite)))


def infer_kind(name: Any, values: pd.Series) -> str:
    """The kind of a column from its dtype and name.

    Floats are ``number``, shares (a name ending in ``share``) ``percent``, p-values (``p_value``,
    ``p_sim``, ``p_norm`` …) ``p``; integers ``integer``; everything else ``text``. A float column
    of whole numbers is ``integer`` only when it has missing cells (integers that a missing cell
    turned into floats, such as counts of a class that does not occur). A float column without
    missing cells keeps its decimals whatever its name (a coefficient ``k`` may be whole in one
    run): a float column of counts is printed as integers only when its maker marks it so
    (:func:`mark_kinds`, or ``PaperTable(kinds=...)``), as the package does for its counts.

    Examples
    --------
    >>> infer_kind("count", pd.Series([12, 3])), infer_kind("Q1", pd.Series([12.0, None]))
    ('integer', 'integer')
    >>> infer_kind("D", pd.Series([1.0, 0.0])), infer_kind("k", pd.Series([2.0, 1.0]))
    ('number', 'number')
    """
    label = str(name[-1] if isinstance(name, tuple) else name).casefold()
    if pd.api.types.is_bool_dtype(values.dtype):
        return "text"
    if pd.api.types.is_integer_dtype(values.dtype):
        return "integer"
    if pd.api.types.is_float_dtype(values.dtype):
        if label.endswith("share"):
            return "percent"
        if label in _P_NAMES or label.endswith("p_value"):
            return "p"
        if bool(values.isna().any()) and whole_numbers(values):
            return "integer"
        return "number"
    return "text"


def frame_kinds(frame: pd.DataFrame) -> list[str]:
    """The kind of each column of ``frame`` by position: marked (:func:`mark_kinds`), else inferred."""
    marked = column_kinds(frame)
    return [marked.get(c) or infer_kind(c, frame.iloc[:, i]) for i, c in enumerate(frame.columns)]


def integers_as_integers(frame: pd.DataFrame, kinds: Sequence[str] | None = None) -> pd.DataFrame:
    """``frame`` with its float columns of kind ``integer`` as nullable integers (``12``, not ``12.0``,
    in a CSV); ``kinds`` per column position (default: marked, else inferred)."""
    out = frame.copy()
    kinds = list(kinds) if kinds is not None else frame_kinds(frame)
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        if kinds[i] == "integer" and pd.api.types.is_float_dtype(column.dtype) and whole_numbers(column):
            out.isetitem(i, column.astype("Int64"))
    return out


def _flat_label(column: Any) -> str:
    if isinstance(column, tuple):
        return " ".join(str(part) for part in column if str(part) != "")
    return str(column)


@dataclass(frozen=True)
class PaperTable:
    """A table ready for a paper: cells, caption, notes and print layout.

    Parameters
    ----------
    body : DataFrame
        Row keys in the (named) index, value columns flat or as two levels ``(spanner, label)``.
    caption : str
        What the table shows, printed above it (``Table n.`` is added by the document).
    name : str
        Short name: the sheet name in a workbook, the default file stem and LaTeX label.
    label : str, optional
        LaTeX label (default ``tab:<name>``).
    notes : sequence of str
        Printed under the table (definitions, significance levels, sources).
    kinds : mapping, optional
        Column (label as in ``body`` or flat) → kind (``number``, ``percent``, ``integer``, ``p``,
        ``text``); columns not named are inferred with :func:`infer_kind`.
    decimals : int
        Decimals of numbers in print (percentages get one fewer).
    panel : str, optional
        Index level whose values head panels in print (``Main``, ``Wx`` …).
    unlabelled_panels : sequence
        Panel values printed without a heading (e.g. the footer of a regression table).
    hidden : sequence of str
        Index levels that are not printed (they stay in the flat view).
    key_labels : mapping, optional
        Printed header of a key level (default: the level name).

    Examples
    --------
    >>> t = PaperTable(pd.DataFrame({"G": [0.2884]}, index=pd.Index([2009], name="year")), caption="Gini")
    >>> t.flat()
       year       G
    0  2009  0.2884
    """

    body: pd.DataFrame
    caption: str = ""
    name: str = "table"
    label: str | None = None
    notes: Sequence[str] = ()
    kinds: Mapping[Any, str] = field(default_factory=dict)
    decimals: int = 3
    panel: str | None = None
    unlabelled_panels: Sequence[Any] = ()
    hidden: Sequence[str] = ()
    key_labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.body, pd.DataFrame):
            raise TypeError(f"PaperTable {self.name!r}: body must be a DataFrame, got {type(self.body).__name__}")
        if self.body.columns.nlevels > 2:
            raise ValueError(
                f"PaperTable {self.name!r}: columns have {self.body.columns.nlevels} levels; use one "
                "level or two (spanner, label)"
            )
        flat = [_flat_label(c) for c in self.body.columns]
        repeated = sorted({c for c in flat if flat.count(c) > 1})
        if repeated:
            raise ValueError(
                f"PaperTable {self.name!r}: columns {repeated} appear more than once; give them distinct labels"
            )
        names = [n for n in self.body.index.names if n is not None]
        clash = sorted(set(map(str, names)) & set(flat))
        if clash:
            raise ValueError(f"PaperTable {self.name!r}: {clash} is both an index level and a column; rename one")
        known = set(self.body.columns) | set(flat)
        unknown = [k for k in self.kinds if k not in known]
        if unknown:
            raise ValueError(
                f"PaperTable {self.name!r}: kinds names columns {unknown} that the table does not "
                f"have; its columns are {flat}"
            )
        bad = {k: v for k, v in self.kinds.items() if v not in KINDS}
        if bad:
            raise ValueError(f"PaperTable {self.name!r}: unknown kinds {bad}; use one of {', '.join(KINDS)}")
        levels = list(self.body.index.names)
        for what, wanted in (("panel", [self.panel] if self.panel else []), ("hidden", list(self.hidden))):
            missing = [lv for lv in wanted if lv not in levels]
            if missing:
                raise ValueError(f"PaperTable {self.name!r}: {what} level(s) {missing} are not index levels {levels}")
        object.__setattr__(self, "body", self.body.copy())
        object.__setattr__(self, "notes", tuple(self.notes))
        object.__setattr__(self, "unlabelled_panels", tuple(self.unlabelled_panels))
        object.__setattr__(self, "hidden", tuple(self.hidden))
        object.__setattr__(self, "kinds", dict(self.kinds))
        object.__setattr__(self, "key_labels", dict(self.key_labels))

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_frame(cls, frame: pd.DataFrame | pd.Series, **kwargs: Any) -> PaperTable:
        """A table of a tidy frame as it is (a Series becomes one column); ``kwargs`` as the class."""
        if isinstance(frame, pd.Series):
            frame = frame.to_frame(frame.name if frame.name is not None else "value")
        marked = column_kinds(frame)
        if marked:
            kwargs["kinds"] = {**marked, **dict(kwargs.get("kinds") or {})}
        return cls(frame, **kwargs)

    def replace(self, **changes: Any) -> PaperTable:
        """A copy with some fields changed (``caption=``, ``notes=`` …)."""
        fields = {k: getattr(self, k) for k in self.__dataclass_fields__}
        fields.update(changes)
        return PaperTable(**fields)

    # -- columns ------------------------------------------------------------------------------
    @property
    def tex_label(self) -> str:
        return self.label or f"tab:{self.name}"

    def kind(self, column: Any) -> str:
        """The kind of a body column (given or inferred)."""
        if column in self.kinds:
            return self.kinds[column]
        flat = _flat_label(column)
        if flat in self.kinds:
            return self.kinds[flat]
        return infer_kind(column, self.body[column])

    @property
    def key_names(self) -> list[str]:
        """Names of the row key levels (``level_<i>`` for an unnamed level)."""
        if self._plain_index:
            return []
        return [str(n) if n is not None else f"level_{i}" for i, n in enumerate(self.body.index.names)]

    @property
    def _plain_index(self) -> bool:
        index = self.body.index
        return index.nlevels == 1 and index.name is None and isinstance(index, pd.RangeIndex)

    # -- views ----------------------------------------------------------------------------------
    def flat(self) -> pd.DataFrame:
        """One header row, every key level a full column, numbers as numbers (csv, xlsx); columns of
        kind ``integer`` as integers."""
        body = integers_as_integers(self.body, [self.kind(c) for c in self.body.columns])
        body.columns = pd.Index([_flat_label(c) for c in body.columns], dtype=object)
        if self._plain_index:
            return body.reset_index(drop=True)
        body.index = body.index.set_names(self.key_names)
        return body.reset_index()

    def flat_kinds(self) -> dict[str, str]:
        """Kinds of the flat columns (keys are ``text``, or ``integer`` for integer keys)."""
        out: dict[str, str] = {}
        if not self._plain_index:
            for i, name in enumerate(self.key_names):
                values = self.body.index.get_level_values(i)
                out[name] = "integer" if pd.api.types.is_integer_dtype(values.dtype) else "text"
        for column in self.body.columns:
            out[_flat_label(column)] = self.kind(column)
        return out

    def spanners(self) -> list[str]:
        """The spanner of each value column ('' when the columns have one level)."""
        if self.body.columns.nlevels == 1:
            return [""] * self.body.shape[1]
        return [str(c[0]) for c in self.body.columns]

    def column_labels(self) -> list[str]:
        """The printed label of each value column (under its spanner)."""
        if self.body.columns.nlevels == 1:
            return [str(c) for c in self.body.columns]
        return [str(c[1]) for c in self.body.columns]

    def print_spanners(self) -> list[str]:
        """Spanners as printed: `` (%)`` added when every column under a spanner is a percentage."""
        spanners = self.spanners()
        all_percent: dict[str, bool] = {}
        for span, column in zip(spanners, self.body.columns, strict=True):
            all_percent[span] = all_percent.get(span, True) and self.kind(column) == "percent"
        return [f"{span} (%)" if span and all_percent[span] else span for span in spanners]

    def print_labels(self) -> list[str]:
        """Column labels as printed: `` (%)`` added to a percentage column without a percent spanner."""
        spanners = self.print_spanners()
        out = []
        for label, span, column in zip(self.column_labels(), spanners, self.body.columns, strict=True):
            percent = self.kind(column) == "percent" and not span.endswith("(%)")
            out.append(f"{label} (%)" if percent else label)
        return out

    def print_keys(self) -> list[str]:
        """Key levels printed as leading columns (not hidden, not the panel level)."""
        return [k for k in self.key_names if k not in self.hidden and k != self.panel]

    def print_rows(self) -> list[tuple[str, Any, list[str], list[str]]]:
        """The printed rows: ``(kind, panel, key cells, value cells)``.

        ``kind`` is ``"panel"`` for a panel heading (key cells ``[title]``), ``"rule"`` before an
        unlabelled panel, ``"row"`` for a row of cells. Repeated key values within a panel are
        blank, numbers are formatted by their column's kind.
        """
        names = self.key_names
        shown = self.print_keys()
        positions = [names.index(k) for k in shown]
        panel_pos = names.index(self.panel) if self.panel else None
        columns = list(self.body.columns)
        formatted = [self._format_column(c) for c in columns]
        out: list[tuple[str, Any, list[str], list[str]]] = []
        previous: list[Any] | None = None
        current: Any = object()
        for i, key in enumerate(self._row_keys()):
            if panel_pos is not None and key[panel_pos] != current:
                current = key[panel_pos]
                previous = None
                if current in self.unlabelled_panels:
                    if out:  # no rule right under the header's
                        out.append(("rule", current, [], []))
                else:
                    out.append(("panel", current, [str(current)], []))
            cells = [key[p] for p in positions]
            keys_text = []
            for j, value in enumerate(cells):
                same = previous is not None and all(previous[m] == cells[m] for m in range(j + 1))
                keys_text.append("" if same else _key_text(value))
            previous = cells
            out.append(("row", current if panel_pos is not None else None, keys_text, [f[i] for f in formatted]))
        return out

    def _row_keys(self) -> list[tuple[Any, ...]]:
        if self._plain_index:
            return [()] * len(self.body)
        index = self.body.index
        if index.nlevels == 1:
            return [(v,) for v in index]
        return list(index)

    def _format_column(self, column: Any) -> list[str]:
        kind = self.kind(column)
        values = self.body[column].to_numpy(dtype=object)
        return [format_cell(v, kind, self.decimals) for v in values]

    def is_numeric(self, column: Any) -> bool:
        """Whether a column's cells are numbers or formatted numbers (right-aligned in print)."""
        kind = self.kind(column)
        if kind != "text":
            return True
        values = self.body[column].dropna().astype(str)
        values = values[values != ""]
        if values.empty:
            return False
        return bool(values.str.fullmatch(_NUMBER_TEXT).mean() > 0.5)


_NUMBER_TEXT = r"[(\[]?[-+−]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?%?\)?(?:,\s*[-+−]?\d+\.?\d*\]?)?\**[\])]?"


def _key_text(value: Any) -> str:
    if isinstance(value, float) and np.isfinite(value) and value == int(value):
        return str(int(value))
    return "" if value is None else str(value)
