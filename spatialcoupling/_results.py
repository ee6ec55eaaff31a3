"""Shared behaviour of result objects: immutability, tidy tables, summary, export.

The contract every analysis object follows (CONTRIBUTING.md, "The result contract"):

- **Settings to the constructor, data to ``fit``.** A model object holds only settings,
  declared once as parameter constraints (:mod:`spatialcoupling._params`) and checked at
  construction and again at the top of ``fit``. Everything that is data — the series, the
  spatial weights, region groups, controls — is an argument of ``fit``:
  ``GlobalMoran(permutations=999, seed=1).fit(D, w)``, ``DagumGini(bootstrap=999).fit(D,
  groups)``, ``BetaConvergence(model="sdm").fit(D, w=w, controls=X)``. The 0.1 style that passed
  data to the constructor keeps working with a ``DeprecationWarning``.
- **Fitting never mutates its inputs and returns an immutable result** (a subclass of
  :class:`Result`): attributes cannot be rebound, tables are handed out as copies, arrays are
  read-only and ``settings`` is a read-only mapping.
- **Every result has** ``.table`` (tidy), named tables (``.tables``), ``.notes`` (what was
  filled, clipped, aliased or excluded), ``.settings``, ``.summary()``, ``.plot()`` (a
  matplotlib Figure drawn by :mod:`spatialcoupling.plotting` from the result's tables),
  ``.export(path)`` (format by suffix), ``str()`` (the summary) and ``_repr_html_`` (for
  notebooks).
- **Estimators also have** ``params``, ``std_errors``, ``tstats`` (t-based inference) or
  ``zstats`` (normal-based), ``pvalues``, ``cov`` and ``nobs``, with these names everywhere.

The table writers here are shared by ``Result.export`` and the study runner:

- every file is written to a temporary file in the target's folder and moved into
  place with ``os.replace``, so a failed write never leaves a broken file;
- text cells and labels that a spreadsheet would run as a formula (starting with
  ``=``, ``+``, ``-``, ``@``, tab or carriage return; OWASP's CSV-injection rule) get
  a leading single quote in ``.csv`` and ``.xlsx`` files; numbers are untouched;
- ``.xlsx`` sheets are limited to 1,048,576 rows and 16,384 columns: a table that
  does not fit is refused with its name (:func:`xlsx_fits` tells in advance);
- LaTeX output escapes every character that is special in LaTeX text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from ._files import atomic_path

TABLE_SUFFIXES = {".csv", ".xlsx", ".tex", ".md", ".parquet"}
FIGURE_SUFFIXES = {".png", ".svg", ".pdf"}
GEO_SUFFIXES = {".gpkg", ".shp", ".geojson"}


def copied(attribute: str, doc: str | None = None) -> property:
    """A read-only property returning a copy of ``self.<attribute>``.

    Results hand out copies of their tables so that a caller cannot change a
    result through a table it was given.
    """

    def getter(self: Any) -> Any:
        return getattr(self, attribute).copy()

    return property(getter, doc=doc)


class Result:
    """Base class of immutable analysis results.

    Subclasses set their attributes in ``__init__`` and then call
    ``self._freeze()``; afterwards attributes cannot be rebound. Tables are
    returned as copies so that a caller cannot change the result through them.
    """

    _frozen: bool = False
    #: names of the tables written by ``export`` (attribute names); ``table`` first
    _table_names: tuple[str, ...] = ("table",)

    def _freeze(self) -> None:
        object.__setattr__(self, "_frozen", True)

    def __setattr__(self, key: str, value: Any) -> None:
        if self._frozen:
            raise AttributeError(f"{type(self).__name__} is immutable; fit the model again to change it")
        object.__setattr__(self, key, value)

    # -- tables -----------------------------------------------------------
    @property
    def table(self) -> pd.DataFrame:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """All named tables of the result, ``table`` first."""
        out = {}
        for name in self._table_names:
            value = getattr(self, name)
            if isinstance(value, pd.Series):
                value = value.to_frame()
            if isinstance(value, pd.DataFrame):
                out[name] = value
        return out

    @property
    def notes(self) -> list[str]:
        """What was filled, clipped, excluded or otherwise worth knowing."""
        return list(getattr(self, "_notes", []))

    @property
    def settings(self) -> Mapping[str, Any]:
        """The settings that produced the result (read-only)."""
        return self.__dict__.get("_settings", MappingProxyType({}))

    @settings.setter
    def settings(self, value: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_settings", MappingProxyType(dict(value)))

    def summary(self) -> str:
        """Plain-text summary: the class name, notes and the main table."""
        lines = [type(self).__name__, "=" * len(type(self).__name__)]
        lines += [f"note: {n}" for n in self.notes]
        with pd.option_context("display.width", 120, "display.max_columns", 30, "display.max_rows", 60):
            lines.append(self.table.to_string(float_format=lambda v: f"{v:.4f}"))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {len(self.table)} rows>"

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        """The summary for notebooks: the text part, then the main table as HTML."""
        text = self.summary()
        head = text.split("\n\n", 1)[0] if "\n\n" in text else "\n".join(text.splitlines()[:2])
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        table = self.table.to_html(max_rows=30, float_format=lambda v: f"{v:.4f}", border=0)
        return (f"<div><pre>{html.escape(head)}</pre>" + (f"<ul>{notes}</ul>" if notes else "") + table + "</div>")

    def plot(self, *args: Any, **kwargs: Any):  # pragma: no cover - overridden
        raise NotImplementedError(f"{type(self).__name__} has no plot")

    # -- export -------------------------------------------------------------
    def export(self, path: str | Path, **kwargs: Any) -> Path:
        """Write the result; the format follows the suffix.

        ``.csv``, ``.tex``, ``.md``, ``.parquet``: the main table. ``.xlsx``: every named
        table as a sheet. ``.png``, ``.svg``, ``.pdf``: the figure from ``.plot(**kwargs)``.
        Results with geometry also accept ``.gpkg``, ``.shp`` and ``.geojson``.

        Tables and figures are written to a temporary file next to ``path`` and moved
        into place when complete, so an error never leaves a broken file.

        Raises
        ------
        ValueError
            Unknown suffix; for ``.xlsx``, a table larger than an Excel sheet (named,
            with the advice to export it as .csv or .parquet).
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in TABLE_SUFFIXES | FIGURE_SUFFIXES | GEO_SUFFIXES:
            raise ValueError(
                f"cannot export to {path.name!r}: unknown suffix {suffix!r}; use one of "
                f"{sorted(TABLE_SUFFIXES | FIGURE_SUFFIXES)}"
            )
        if suffix in TABLE_SUFFIXES:
            tables = self.tables
            if suffix == ".xlsx":
                _refuse_oversized(tables)  # before anything is created
            path.parent.mkdir(parents=True, exist_ok=True)
            write_tables(tables, path)
        elif suffix in FIGURE_SUFFIXES:
            from ._figures import save_figure

            save_figure(self.plot(**kwargs), path, close=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._export_geo(path, **kwargs)
        return path

    def _export_geo(self, path: Path, **kwargs: Any) -> None:
        raise ValueError(f"{type(self).__name__} has no geometry; export it as .csv/.xlsx/.tex/.md instead")


# -- writing files -----------------------------------------------------------------
#: the largest sheet Excel opens (rows including the header, columns including the index)
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_COLS = 16_384
#: first characters that make a spreadsheet read a text cell as a formula (OWASP)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START = re.compile(r"[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def xlsx_size(frame: pd.DataFrame) -> tuple[int, int]:
    """Rows and columns that ``frame.to_excel`` (with its index) takes on a sheet."""
    header = frame.columns.nlevels + (1 if frame.columns.nlevels > 1 else 0)
    return len(frame) + header, frame.shape[1] + frame.index.nlevels


def xlsx_fits(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` fits on one Excel sheet (1,048,576 rows, 16,384 columns)."""
    rows, cols = xlsx_size(frame)
    return rows <= XLSX_MAX_ROWS and cols <= XLSX_MAX_COLS


def _refuse_oversized(tables: Mapping[str, pd.DataFrame]) -> None:
    for name, frame in tables.items():
        if not xlsx_fits(frame):
            rows, cols = xlsx_size(frame)
            raise ValueError(
                f"table {name!r} does not fit on an Excel sheet: it needs {rows:,} rows and {cols:,} columns, "
                f"a sheet holds at most {XLSX_MAX_ROWS:,} rows and {XLSX_MAX_COLS:,} columns; "
                "export it as .csv or .parquet instead"
            )


def _neutral_values(values: pd.Series) -> pd.Series:
    """Text values that would start a formula, with a leading ``'``; everything else as is."""
    if not (pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(values.dtype)):
        return values
    try:
        text = values.str
    except AttributeError:  # an object column without any text
        return values
    starts = text.match(_FORMULA_START.pattern).fillna(False).astype(bool)
    if not starts.any():
        return values
    number = text.fullmatch(_PLAIN_NUMBER.pattern).fillna(False).astype(bool)
    risky = (starts & ~number).to_numpy()
    out = values.astype(object).copy()
    out[risky] = "'" + values[risky].astype(str)
    return out


def _neutral_index(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        levels = [_neutral_index(index.get_level_values(i)) for i in range(index.nlevels)]
        return pd.MultiIndex.from_arrays(levels, names=[_neutral_label(n) for n in index.names])
    name = _neutral_label(index.name)
    if not (pd.api.types.is_object_dtype(index.dtype) or pd.api.types.is_string_dtype(index.dtype)
            or isinstance(index.dtype, pd.CategoricalDtype)):
        return index.rename(name)
    values = pd.Series(index.to_numpy(dtype=object), dtype=object)
    fixed = _neutral_values(values)
    return index.rename(name) if fixed is values else pd.Index(fixed.to_numpy(), name=name, dtype=object)


def _neutral_label(label: Any) -> Any:
    if isinstance(label, str) and _FORMULA_START.match(label) and not _PLAIN_NUMBER.fullmatch(label):
        return "'" + label
    return label


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` in which no text cell or label can be read as a spreadsheet formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading single quote (OWASP's rule against CSV injection), in cells, the index,
    the column labels and the index names. Numbers, and text that is a plain number
    such as ``"-0.5"``, are left as they are.
    """
    out = frame.copy()
    for i in range(out.shape[1]):  # a loop over columns, each handled as a whole
        original = out.iloc[:, i]
        column = original.astype(object) if isinstance(original.dtype, pd.CategoricalDtype) else original
        fixed = _neutral_values(column)
        if fixed is not column:
            out.isetitem(i, fixed)
    out.index = _neutral_index(out.index)
    out.columns = _neutral_index(out.columns)
    return out


def sheet_names(names: list[str]) -> dict[str, str]:
    """Excel sheet names for table ``names``: without ``[]:*?/\\``, at most 31 characters, unique."""
    used: set[str] = set()
    out = {}
    for name in names:
        base = _SHEET_BAD.sub("_", str(name)).strip("'") or "sheet"
        sheet = base[:31]
        k = 2
        while sheet.casefold() in used:
            tail = f"~{k}"
            sheet = base[: 31 - len(tail)] + tail
            k += 1
        used.add(sheet.casefold())
        out[name] = sheet
    return out


def write_tables(tables: dict[str, pd.DataFrame], path: Path) -> None:
    """Write the first table to .csv/.tex/.md/.parquet, or all tables as sheets of one .xlsx.

    The file is written atomically (see :func:`atomic_path`). In .csv and .xlsx files
    text that a spreadsheet would run as a formula is neutralised
    (:func:`neutralise_formulas`).

    Raises
    ------
    ValueError
        ``.xlsx`` with a table that does not fit on a sheet (named; nothing is written).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    name, first = next(iter(tables.items()))
    if suffix == ".xlsx":
        _refuse_oversized(tables)
    with atomic_path(path) as tmp:
        if suffix == ".csv":
            neutralise_formulas(first).to_csv(tmp)
        elif suffix == ".md":
            tmp.write_text(first.to_markdown() if _has_tabulate() else _markdown(first), encoding="utf-8")
        elif suffix == ".tex":
            tmp.write_text(_latex(first), encoding="utf-8")
        elif suffix == ".parquet":
            try:
                first.to_parquet(tmp)
            except (ValueError, TypeError) as exc:
                raise ValueError(f"table {name!r} cannot be written to {path.name}: {exc}; write a .csv instead") from exc
        elif suffix == ".xlsx":
            sheets = sheet_names(list(tables))
            with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
                for key, frame in tables.items():
                    neutralise_formulas(frame).to_excel(writer, sheet_name=sheets[key])
        else:  # pragma: no cover - guarded by caller
            raise ValueError(suffix)


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _markdown(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table without extra dependencies (``|`` in cells escaped)."""
    flat = frame.reset_index()

    def cell(value: Any) -> str:
        return _fmt(value).replace("|", "\\|")

    header = "| " + " | ".join(cell(c) for c in flat.columns) + " |"
    rule = "|" + "|".join("---" for _ in flat.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in flat.itertuples(index=False)]
    return "\n".join([header, rule, *rows]) + "\n"


#: LaTeX replacements of the characters that are special in text mode
LATEX_ESCAPES = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}
_LATEX_SPECIAL = re.compile("|".join(re.escape(c) for c in LATEX_ESCAPES))


def latex_escape(text: Any) -> str:
    """``text`` (formatted as in the tables) with every LaTeX special character escaped."""
    return _LATEX_SPECIAL.sub(lambda m: LATEX_ESCAPES[m.group()], _fmt(text))


def _latex(frame: pd.DataFrame) -> str:
    """A booktabs LaTeX tabular without jinja2 (pandas' Styler needs it)."""
    flat = frame.reset_index()
    esc = latex_escape
    cols = "l" * len(flat.columns)
    lines = [f"\\begin{{tabular}}{{{cols}}}", "\\toprule", " & ".join(esc(c) for c in flat.columns) + r" \\", "\\midrule"]
    lines += [" & ".join(esc(v) for v in row) + r" \\" for row in flat.itertuples(index=False)]
    lines += ["\\bottomrule", "\\end{tabular}"]
    return "\n".join(lines) + "\n"
