r"""Writers of tables: ``.xlsx``, ``.csv``, ``.tex``, ``.docx``, ``.md`` and ``.parquet``.

Every writer takes a :class:`~spatialcoupling.tables.table.PaperTable` or a plain DataFrame (a
tidy result table, written as :meth:`PaperTable.from_frame` sees it).

Files
    Every file is written to a temporary file in the target's folder and moved into place with
    ``os.replace`` (:func:`spatialcoupling._files.atomic_path`), so a failed write never leaves a
    broken file.
Spreadsheet safety
    Text cells and labels that a spreadsheet would run as a formula (starting with ``=``, ``+``,
    ``-``, ``@``, tab or carriage return; OWASP's CSV-injection rule) get a leading single quote
    in ``.csv`` and ``.xlsx`` files; numbers are untouched. The ``.xlsx`` writer also writes every
    text as a string, never as a formula or a link.
Excel (``.xlsx``, written with XlsxWriter)
    Flat sheets: one header row (bold, frozen with the key columns), every row key a full column
    (no merged cells, no blank keys), no 0…n column for a default index, column widths from the
    content, number formats by column kind (3 decimals, ``0.0%`` for shares, whole numbers), an
    autofilter. Values are stored at full precision; the formats only change what is shown.
    Optional ``about`` (settings) and ``codebook`` (every sheet's columns and captions) sheets.
    Sheets are limited to 1,048,576 rows and 16,384 columns: a table that does not fit is refused
    with its name (:func:`xlsx_fits` tells in advance).
CSV
    UTF-8 with a byte-order mark (``utf-8-sig``), so that Excel on Chinese Windows opens Chinese
    names correctly; full precision.
LaTeX (``.tex``)
    A ``table`` float (``longtable`` when the table is longer than a page) with caption, label and
    notes under the table; booktabs rules; numbers right-aligned and, having the same decimals,
    aligned on the decimal point: significance stars and closing parentheses sit in a box of fixed
    width after the number (``-0.447\makebox[1.2em][l]{\textsuperscript{***}}``). Every special
    character is escaped and common symbols (ρ, σ², –) are written as LaTeX commands. A table
    wider than the text (345 pt, the ``article`` class, by default) is set in ``\footnotesize``
    and, if still too wide, split into column panels that repeat the row keys. The file needs
    ``\usepackage{booktabs,array,longtable}``; Chinese text needs XeLaTeX with ``ctex``.
Word (``.docx``, written with python-docx)
    Three-line tables (三线表): a 1.5 pt rule above the header, a 0.75 pt rule under it, a 1.5 pt
    rule under the last row, no vertical lines; a numbered Word caption (a ``SEQ Table`` field,
    so cross-references work) above and the notes below; Times New Roman and SimSun by default.
Markdown (``.md``)
    A GitHub pipe table with the caption above, numbers right-aligned, ``|`` escaped, notes below.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from .._files import atomic_path
from ._format import (
    LATEX_ESCAPES,
    format_number,
    latex_escape,
)
from .codebook import codebook_frame, settings_frame
from .table import PaperTable, frame_kinds, integers_as_integers

__all__ = [
    "FORMULA_PREFIXES",
    "LATEX_ESCAPES",
    "TABLE_SUFFIXES",
    "WRITER_WORDS",
    "XLSX_MAX_CELLS",
    "XLSX_MAX_COLS",
    "XLSX_MAX_ROWS",
    "Words",
    "latex_escape",
    "neutralise_formulas",
    "refuse_oversized",
    "sheet_names",
    "to_latex",
    "to_markdown",
    "write_csv",
    "write_docx",
    "write_table",
    "write_tables",
    "write_xlsx",
    "xlsx_fits",
    "xlsx_size",
]

TableLike: TypeAlias = PaperTable | pd.DataFrame
#: a function giving a fixed English text of the writers in the language of the output
Words: TypeAlias = Callable[[str], str]
#: the fixed words the writers add to the tables themselves (the codebook's descriptions aside)
WRITER_WORDS: tuple[str, ...] = (
    "Table",
    "Notes:",
    "(continued)",
    "continued on the next page",
    "sheet",
    "column",
    "kind",
    "description",
    "(table)",
    "item",
    "value",
    "number",
    "percent",
    "integer",
    "p",
    "text",
)


def _english(text: str) -> str:
    return text


#: suffixes :func:`write_tables` writes
TABLE_SUFFIXES = {".csv", ".xlsx", ".tex", ".md", ".parquet", ".docx"}
#: the largest sheet Excel opens (rows including the header, columns including the key columns)
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_COLS = 16_384
#: :func:`write_xlsx` puts a table with more cells than this (rows × columns as on the sheet) into a
#: CSV and a Parquet file beside the workbook instead of a sheet: a sheet costs about 10 µs a cell to
#: write, so a county-level LISA table (2,848 regions × 16 periods × 9 columns) alone takes seconds
XLSX_MAX_CELLS = 100_000
#: first characters that make a spreadsheet read a text cell as a formula (OWASP)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START = re.compile(r"[=+\-@\t\r]")
#: a plain number, optionally with significance stars (``-0.447***``): no formula, left as it is
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\**")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _as_table(table: TableLike, name: str = "table") -> PaperTable:
    if isinstance(table, PaperTable):
        return table
    if isinstance(table, pd.DataFrame | pd.Series):
        return PaperTable.from_frame(table, name=name)
    raise TypeError(f"table {name!r}: expected a PaperTable or a DataFrame, got {type(table).__name__}")


# -- Excel size --------------------------------------------------------------------------------
def _plain_index(frame: pd.DataFrame) -> bool:
    return frame.index.nlevels == 1 and frame.index.name is None and isinstance(frame.index, pd.RangeIndex)


def xlsx_size(frame: TableLike) -> tuple[int, int]:
    """Rows and columns that ``frame`` takes on a flat sheet: one header row, the row keys as
    columns (none for a default 0…n index)."""
    if isinstance(frame, PaperTable):
        frame = frame.body
    keys = 0 if _plain_index(frame) else frame.index.nlevels
    return len(frame) + 1, frame.shape[1] + keys


def xlsx_fits(frame: TableLike, *, max_rows: int | None = None, max_cols: int | None = None) -> bool:
    """Whether ``frame`` fits on one Excel sheet (1,048,576 rows, 16,384 columns by default)."""
    rows, cols = xlsx_size(frame)
    return rows <= (max_rows or XLSX_MAX_ROWS) and cols <= (max_cols or XLSX_MAX_COLS)


def refuse_oversized(tables: Mapping[str, TableLike]) -> None:
    """Raise a ``ValueError`` naming the first table that does not fit on an Excel sheet."""
    for name, frame in tables.items():
        if not xlsx_fits(frame):
            rows, cols = xlsx_size(frame)
            raise ValueError(
                f"table {name!r} does not fit on an Excel sheet: it needs {rows:,} rows and {cols:,} columns, "
                f"a sheet holds at most {XLSX_MAX_ROWS:,} rows and {XLSX_MAX_COLS:,} columns; "
                "export it as .csv or .parquet instead"
            )


# -- formula neutralising ----------------------------------------------------------------------
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
    if not (
        pd.api.types.is_object_dtype(index.dtype)
        or pd.api.types.is_string_dtype(index.dtype)
        or isinstance(index.dtype, pd.CategoricalDtype)
    ):
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
    such as ``"-0.5"`` or a coefficient with significance stars such as ``"-0.447***"``,
    are left as they are.

    Examples
    --------
    >>> neutralise_formulas(pd.DataFrame({"a": ["=1+1", "-0.5", "x"]}))["a"].tolist()
    ["'=1+1", '-0.5', 'x']
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


def sheet_names(names: Sequence[Any]) -> dict[Any, str]:
    """Excel sheet names for table ``names``: without ``[]:*?/\\``, at most 31 characters, unique.

    Examples
    --------
    >>> list(sheet_names(["a/b", "A/B", "t" * 40]).values()) == ["a_b", "A_B~2", "t" * 31]
    True
    """
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


# -- dispatch ------------------------------------------------------------------------------------
def write_tables(
    tables: Mapping[str, TableLike], path: str | Path, *, about: Any = None, codebook: bool | Mapping[str, str] = False
) -> Path:
    """Write tables to ``path``, the format chosen from the suffix.

    ``.xlsx`` and ``.docx``: every table (a sheet each; one document). ``.csv``, ``.tex``, ``.md``,
    ``.parquet``: the first table. The file is written atomically; in ``.csv`` and ``.xlsx`` files
    text that a spreadsheet would run as a formula is neutralised (:func:`neutralise_formulas`).

    Parameters
    ----------
    tables : mapping of name to PaperTable or DataFrame
    path : str or Path
    about : mapping or DataFrame, optional
        ``.xlsx`` only: settings and provenance for a first sheet ``about`` (nested mappings are
        flattened to dotted keys).
    codebook : bool or mapping, optional
        ``.xlsx`` only: add a ``codebook`` sheet describing every column of every sheet (a
        mapping adds or overrides column descriptions).

    Raises
    ------
    ValueError
        An unknown suffix; ``.xlsx`` with a table that does not fit on a sheet (named; nothing is
        written); ``.parquet`` of a table that parquet cannot hold.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise ValueError(
            f"cannot write tables to {path.name!r}: unknown suffix {suffix!r}; use one of {sorted(TABLE_SUFFIXES)}"
        )
    if not tables:
        raise ValueError(f"no tables to write to {path.name!r}")
    if suffix == ".xlsx":
        write_xlsx(tables, path, about=about, codebook=codebook)
    elif suffix == ".docx":
        write_docx([_as_table(t, str(k)) for k, t in tables.items()], path)
    else:
        name, first = next(iter(tables.items()))
        write_table(first, path, name=str(name))
    return path


def write_table(table: TableLike, path: str | Path, *, name: str | None = None, words: Words | None = None) -> Path:
    """Write one table to ``.csv``, ``.tex``, ``.md``, ``.docx``, ``.xlsx`` or ``.parquet`` (by suffix);
    ``words``: the words the writers add, in the table's language (:data:`WRITER_WORDS`)."""
    path = Path(path)
    suffix = path.suffix.lower()
    label = name or (table.name if isinstance(table, PaperTable) else path.stem)
    if suffix == ".xlsx":  # one table asked for as a workbook: on its sheet whatever its size
        return write_xlsx({label: table}, path, max_cells=None, words=words)
    if suffix == ".docx":
        return write_docx([_as_table(table, label)], path, words=words)
    if suffix == ".csv":
        return write_csv(table, path)
    if suffix not in TABLE_SUFFIXES:
        raise ValueError(
            f"cannot write a table to {path.name!r}: unknown suffix {suffix!r}; use one of {sorted(TABLE_SUFFIXES)}"
        )
    with atomic_path(path) as tmp:
        if suffix == ".md":
            tmp.write_text(to_markdown(_as_table(table, label), words=words), encoding="utf-8")
        elif suffix == ".tex":
            paper = _as_table(table, label)
            if not isinstance(table, PaperTable):  # a tidy frame: captioned by its name (or the file's)
                paper = paper.replace(caption=label if label != "table" else path.stem, name=path.stem)
            tmp.write_text(to_latex(paper, words=words), encoding="utf-8")
        else:
            frame = table.flat() if isinstance(table, PaperTable) else table
            try:
                frame.to_parquet(tmp)
            except (ValueError, TypeError) as exc:
                raise ValueError(
                    f"table {label!r} cannot be written to {path.name}: {exc}; write a .csv instead"
                ) from exc
    return path


# -- CSV -----------------------------------------------------------------------------------------
def write_csv(table: TableLike, path: str | Path) -> Path:
    """UTF-8 with a byte-order mark, formulas neutralised; a DataFrame with its index, a
    :class:`PaperTable` flat (keys as columns, no 0…n column)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        if isinstance(table, PaperTable):
            neutralise_formulas(table.flat()).to_csv(tmp, index=False, encoding="utf-8-sig")
        else:
            frame = table.to_frame() if isinstance(table, pd.Series) else table
            neutralise_formulas(integers_as_integers(frame)).to_csv(tmp, encoding="utf-8-sig")
    return path


# -- Excel ---------------------------------------------------------------------------------------
def _flat_sheet(table: TableLike, name: str) -> tuple[pd.DataFrame, list[str], int, int]:
    """(flat frame, kind per column position, number of key columns, decimals)."""
    if isinstance(table, PaperTable):
        flat = table.flat()
        kinds = table.flat_kinds()
        n_keys = len(table.key_names)
        return flat, [kinds.get(str(c), "text") for c in flat.columns], n_keys, table.decimals
    frame = table.to_frame() if isinstance(table, pd.Series) else table
    n_keys = 0 if _plain_index(frame) else frame.index.nlevels
    body = frame.copy()
    if body.columns.nlevels > 1:
        body.columns = pd.Index([" ".join(str(p) for p in c if str(p) != "") for c in body.columns], dtype=object)
    kind_list = frame_kinds(frame)
    if n_keys:
        names = [
            str(n) if n is not None else ("index" if body.index.nlevels == 1 else f"level_{i}")
            for i, n in enumerate(body.index.names)
        ]
        key_kinds = [
            "integer" if pd.api.types.is_integer_dtype(body.index.get_level_values(i).dtype) else "text"
            for i in range(n_keys)
        ]
        body.index = body.index.set_names(names)
        body = body.reset_index(allow_duplicates=True)
        kind_list = key_kinds + kind_list
    else:
        body = body.reset_index(drop=True)
    return body, kind_list, n_keys, 3


_WIDE = re.compile(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]")


def _text_width(values: Iterable[Any]) -> int:
    """Display width of the longest text (East Asian characters count twice; an ASCII text is
    measured without the pattern, which is most of the cells)."""
    best = 0
    for value in values:
        text = str(value)
        best = max(best, len(text) if text.isascii() else len(text) + len(_WIDE.findall(text)))
    return best


def _number_format(kind: str, decimals: int, values: np.ndarray) -> str | None:
    if kind == "integer":
        return "0"
    if kind == "percent":
        return "0." + "0" * max(decimals - 1, 1) + "%"  # as printed: percent with one decimal fewer
    if kind in ("number", "p"):
        finite = np.abs(values[np.isfinite(values)])
        if kind == "number" and finite.size and finite.max() > 0 and finite.max() < 0.5 * 10.0 ** (-decimals):
            return "0.00E+00"
        return "0." + "0" * decimals if decimals > 0 else "0"
    return None


def _number_width(numbers: np.ndarray) -> int:
    """Width of the widest of ``numbers`` printed with 3 decimals: the largest, the smallest and the
    positive and negative values nearest 0 (printed in scientific notation when tiny) are the
    candidates; 4 without numbers."""
    if not numbers.size:
        return 4
    positive, negative = numbers[numbers > 0], numbers[numbers < 0]
    picks = [numbers.max(), numbers.min()]
    picks += [positive.min()] if positive.size else []
    picks += [negative.max()] if negative.size else []
    return max(len(format_number(v, 3)) for v in picks)


def _write_column(ws: Any, col: int, values: pd.Series, fmt: Any, date_fmt: Any) -> int:
    """Write one column from row 1 on; returns its display width."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        for r, v in enumerate(values.to_numpy(), start=1):
            ws.write_boolean(r, col, bool(v))
        return 5
    if pd.api.types.is_numeric_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        finite = np.isfinite(numbers)
        for i in np.flatnonzero(finite):
            ws.write_number(int(i) + 1, col, float(numbers[i]), fmt)
        for i in np.flatnonzero(np.isinf(numbers)):
            ws.write_string(int(i) + 1, col, "inf" if numbers[i] > 0 else "-inf")
        return _number_width(numbers[finite])
    if pd.api.types.is_datetime64_any_dtype(dtype):
        stamps = pd.to_datetime(values)
        for r, v in enumerate(stamps):
            if not pd.isna(v):
                ws.write_datetime(r + 1, col, v.to_pydatetime().replace(tzinfo=None), date_fmt)
        return 10
    objects = values.to_numpy(dtype=object)
    texts = []
    for r, v in enumerate(objects, start=1):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
            continue
        if isinstance(v, bool | np.bool_):
            ws.write_boolean(r, col, bool(v))
        elif isinstance(v, int | float | np.integer | np.floating):
            if np.isfinite(v):
                ws.write_number(r, col, float(v), fmt)
            else:
                ws.write_string(r, col, "inf" if v > 0 else "-inf")
        else:
            text = str(v)
            ws.write_string(r, col, text)
            texts.append(text)
    return _text_width(texts[:5000])


def write_xlsx(
    tables: Mapping[str, TableLike],
    path: str | Path,
    *,
    about: Any = None,
    codebook: bool | Mapping[str, str] = False,
    max_cells: int | None = XLSX_MAX_CELLS,
    words: Words | None = None,
    written: Mapping[str, Sequence[str | Path]] | None = None,
) -> Path:
    """Every table as a flat sheet of one workbook (see the module docstring), atomically.

    Parameters
    ----------
    tables : mapping of name to PaperTable or DataFrame
    path : str or Path
    about, codebook
        As in :func:`write_tables`.
    max_cells : int or None
        A table with more cells than this (rows × columns on the sheet, :func:`xlsx_size`) is
        written as ``<workbook stem>.<name>.csv`` and ``.parquet`` beside the workbook instead of
        as a sheet; a sheet ``outside`` lists each such table with its size and files, and a
        ``UserWarning`` names them. Default :data:`XLSX_MAX_CELLS`; None puts every table on a sheet.
    words : callable, optional
        The text the writer adds itself in the language of the workbook: the codebook's header row,
        its kinds and the descriptions of the package's columns (``words("standard error")``) and
        the header row of the about sheet; default English.
    written : mapping of name to files, optional
        Files that already hold a table (e.g. a study's ``coupling.csv``): a table over ``max_cells``
        named here is listed on the ``outside`` sheet with these files instead of being written again.

    Raises
    ------
    ValueError
        A table that does not fit on a sheet (named; nothing is written).
    """
    import xlsxwriter

    path = Path(path)
    refuse_oversized(tables)
    sheets: dict[str, TableLike] = {}
    if about is not None:
        frame = settings_frame(about) if not isinstance(about, pd.DataFrame) else about
        if words is not None:
            frame = frame.rename(columns=words).rename_axis(index=[words(str(n)) for n in frame.index.names])
        sheets["about"] = frame
    inside, outside = _split_by_cells(tables, max_cells)
    sheets.update(inside)
    if outside:
        sheets["outside" if "outside" not in sheets else "outside~2"] = _write_outside(
            outside, path, max_cells, written or {}
        )
    names = sheet_names(list(sheets))
    if codebook is not False:
        extra = codebook if isinstance(codebook, Mapping) else None
        book_frame = codebook_frame({names[k]: _as_table(v, k) for k, v in sheets.items()}, extra)
        if words is not None:
            book_frame = _codebook_in(book_frame, words)
        used = {n.casefold() for n in names.values()}
        label = "codebook" if "codebook" not in used else "codebook~2"
        sheets[label] = book_frame
        names[label] = label
    with atomic_path(path) as tmp:
        workbook = xlsxwriter.Workbook(
            str(tmp), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
        )
        try:
            header = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": False, "valign": "top"})
            date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd"})
            formats: dict[str, Any] = {}
            for key, table in sheets.items():
                _write_sheet(workbook, names[key], table, key, header, date_fmt, formats)
        finally:
            workbook.close()
    return path


def _codebook_in(book: pd.DataFrame, words: Words) -> pd.DataFrame:
    """The codebook with its header row, kinds and descriptions given by ``words``."""
    out = book.copy()
    for column in ("kind", "description"):
        out[column] = [words(v) if v else v for v in out[column]]
    out["column"] = [words(v) if v == "(table)" else v for v in out["column"]]
    return out.rename(columns=words)


def _split_by_cells(
    tables: Mapping[str, TableLike], max_cells: int | None
) -> tuple[dict[str, TableLike], dict[str, TableLike]]:
    """The tables that go on a sheet and those over ``max_cells`` cells."""
    inside: dict[str, TableLike] = {}
    outside: dict[str, TableLike] = {}
    for key, table in tables.items():
        rows, cols = xlsx_size(table)
        (outside if max_cells is not None and rows * cols > max_cells else inside)[str(key)] = table
    return inside, outside


def _write_outside(
    outside: Mapping[str, TableLike], path: Path, max_cells: int | None, written: Mapping[str, Sequence[str | Path]]
) -> pd.DataFrame:
    """Write each table as CSV and Parquet beside the workbook (unless ``written`` names files that
    already hold it); the frame of the ``outside`` sheet."""
    rows = []
    stems = sheet_names(list(outside))
    for key, table in outside.items():
        n_rows, n_cols = xlsx_size(table)
        files = [Path(f).name for f in written.get(key, ())]
        for suffix in () if files else (".csv", ".parquet"):
            target = path.with_name(f"{path.stem}.{stems[key]}{suffix}")
            write_table(table, target, name=key)
            files.append(target.name)
        rows.append(
            {
                "table": key,
                "rows": n_rows - 1,
                "columns": n_cols,
                "files": ", ".join(files),
                "why": f"more than {max_cells:,} cells: in the files listed, not on a sheet",
            }
        )
    names = ", ".join(f"{r['table']!r} ({r['files']})" for r in rows)
    warnings.warn(
        f"write_xlsx: table(s) {names} have more than {max_cells:,} cells and are in those files beside "
        f"{path.name} instead of on sheets (max_cells=None keeps them in the workbook)",
        UserWarning,
        stacklevel=3,
    )
    return pd.DataFrame(rows)


def _write_sheet(
    workbook: Any, sheet: str, table: TableLike, key: str, header: Any, date_fmt: Any, formats: dict[str, Any]
) -> None:
    flat, kinds, n_keys, decimals = _flat_sheet(table, key)
    flat = neutralise_formulas(flat)
    ws = workbook.add_worksheet(sheet)
    for col, label in enumerate(flat.columns):
        ws.write_string(0, col, str(label), header)
        column = flat.iloc[:, col]
        numbers = (
            column.to_numpy(dtype=float, na_value=np.nan)
            if (pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype))
            else np.array([])
        )
        spec = _number_format(kinds[col], decimals, numbers)
        fmt = None
        if spec is not None:
            fmt = formats.get(spec)
            if fmt is None:
                fmt = formats[spec] = workbook.add_format({"num_format": spec})
        width = _write_column(ws, col, column, fmt, date_fmt)
        label_width = _text_width([label])
        ws.set_column(col, col, min(max(width, label_width) + 2, 60))
    ws.freeze_panes(1, n_keys)
    if len(flat.columns):
        ws.autofilter(0, 0, max(len(flat), 1), len(flat.columns) - 1)


# -- print layout shared by LaTeX, Word and Markdown -------------------------------------------
_SUFFIX = re.compile(r"^(.*?)(\*+|\))$")


def _split_suffix(text: str) -> tuple[str, str]:
    """A number and the stars or closing parenthesis after it (``'-0.447***'`` → ``('-0.447', '***')``)."""
    match = _SUFFIX.match(text)
    if match and match.group(1) and re.search(r"\d", match.group(1)):
        return match.group(1), match.group(2)
    return text, ""


# -- LaTeX ---------------------------------------------------------------------------------------
#: approximate width of one character, in em, for the width estimate of a column
_CHAR_EM = 0.52
_FONT_PT = {"normalsize": 10.0, "small": 9.0, "footnotesize": 8.0, "scriptsize": 7.0}
_WRAP_CHARS = 28
#: share of the text width a table is planned to fill (the widths are estimates)
_SAFETY = 0.94


def _latex_number(text: str) -> str:
    body = latex_escape(text)
    return re.sub(r"(^|[(\[\s])-(?=[\d.])", r"\1$-$", body)


def _latex_cell(text: str, numeric: bool, box_em: float) -> str:
    if not numeric:
        return latex_escape(text)
    core, suffix = _split_suffix(text)
    cell = _latex_number(core)
    if box_em:
        mark = r"\textsuperscript{" + suffix + "}" if suffix.startswith("*") else latex_escape(suffix)
        cell += rf"\makebox[{box_em:.2f}em][l]{{{mark}}}"
    return cell


#: a header longer than this (in characters) and than its column's cells is wrapped
_HEAD_CHARS = 10
#: font size (pt) assumed when deciding whether a spanner fits over its columns (the largest in use)
_HEAD_EM = 9.0


def _column_chars(
    table: PaperTable, rows: list[tuple[str, Any, list[str], list[str]]]
) -> tuple[list[int], list[int], list[int]]:
    """Widths in characters of the key and value columns (the longest cell, or the header when
    it is no longer than :data:`_HEAD_CHARS`: longer headers are wrapped) and the longest cell
    of each value column."""
    key_heads = [table.key_labels.get(k, k) for k in table.print_keys()]
    keys = [len(h) for h in key_heads]
    values = [0] * table.body.shape[1]
    for kind, _, key_cells, value_cells in rows:
        if kind != "row":
            continue
        for j, c in enumerate(key_cells):
            keys[j] = max(keys[j], len(c))
        for j, c in enumerate(value_cells):
            values[j] = max(values[j], len(c))
    cells = list(values)
    # the longest word of a header cannot be broken; letters and "_" are wider than digits
    heads = [
        int(np.ceil(1.25 * max(len(w) for w in lbl.split()))) if lbl.split() else 0 for lbl in table.print_labels()
    ]
    values = [
        max(v, min(len(lbl), _HEAD_CHARS), h) for v, lbl, h in zip(values, table.print_labels(), heads, strict=True)
    ]
    return keys, values, cells


def _chunks(widths: list[float], spanners: list[str], room: float) -> list[list[int]]:
    """Split value columns into consecutive chunks that fit ``room`` (spanner groups kept whole
    when they fit)."""
    groups: list[list[int]] = []
    for j, span in enumerate(spanners):
        if groups and span and spanners[groups[-1][-1]] == span:
            groups[-1].append(j)
        else:
            groups.append([j])
    out: list[list[int]] = []
    current: list[int] = []
    used = 0.0
    for group in groups:
        need = sum(widths[j] for j in group)
        if need > room:  # a group wider than the page: split it column by column
            for j in group:
                if current and used + widths[j] > room:
                    out.append(current)
                    current, used = [], 0.0
                current.append(j)
                used += widths[j]
            continue
        if current and used + need > room:
            out.append(current)
            current, used = [], 0.0
        current += group
        used += need
    if current:
        out.append(current)
    return out


def to_latex(
    table: TableLike,
    *,
    text_width_pt: float = 345.0,
    fontsize: str = "small",
    max_rows: int = 40,
    position: str = "htbp",
    words: Words | None = None,
) -> str:
    r"""The table as a LaTeX ``table`` (or ``longtable``) with caption, label and notes.

    Parameters
    ----------
    table : PaperTable or DataFrame
    text_width_pt : float
        Width the table must fit (345 pt: the ``article`` class at 10 pt); a wider table is set
        smaller and then split into column panels.
    fontsize : {"normalsize", "small", "footnotesize", "scriptsize"}
        Font size of the table when it fits.
    max_rows : int
        Printed rows above which the table becomes a ``longtable`` that breaks across pages.
    position : str
        Float placement of the ``table`` environment.
    words : callable, optional
        The words the writer adds itself (``"Notes:"``, ``"(continued)"``, see :data:`WRITER_WORDS`)
        in the language of the document: ``words("Notes:")``; default English.

    Returns
    -------
    str
        Needs ``\usepackage{booktabs,array,longtable}``.

    Examples
    --------
    >>> t = PaperTable(pd.DataFrame({"G": [0.28837]}, index=pd.Index([2009], name="year")), caption="Gini", name="g")
    >>> print(to_latex(t), end="")  # doctest: +ELLIPSIS
    % spatialcoupling table; needs \usepackage{booktabs,array,longtable}
    \begin{table}[htbp]
    \centering
    \small
    \caption{Gini}
    \label{tab:g}
    \begin{tabular}{@{}lr@{}}
    ...
    2009 & 0.288 \\
    \bottomrule
    \end{tabular}
    \end{table}
    """
    table = _as_table(table)
    if fontsize not in _FONT_PT:
        raise ValueError(f"fontsize must be one of {', '.join(_FONT_PT)}; got {fontsize!r}")
    rows = table.print_rows()
    columns = list(table.body.columns)
    numeric = [table.is_numeric(c) for c in columns]
    suffixes = [
        [_split_suffix(cells[j])[1] if numeric[j] else "" for kind, _, _, cells in rows if kind == "row"]
        for j in range(len(columns))
    ]
    box = [max((0.4 * len(s) if s.startswith("*") else 0.45 for s in col if s), default=0.0) for col in suffixes]
    key_chars, value_chars, cell_chars = _column_chars(table, rows)
    wrap = [(not numeric[j]) and value_chars[j] > _WRAP_CHARS for j in range(len(columns))]
    key_wrap = [c > _WRAP_CHARS for c in key_chars]

    def widths(size: str) -> tuple[list[float], list[float]]:
        em = _FONT_PT[size]
        pad = 12.0
        k = [min(c, _WRAP_CHARS) * _CHAR_EM * em + pad for c in key_chars]
        v = [min(c, _WRAP_CHARS) * _CHAR_EM * em + box[j] * em + pad for j, c in enumerate(value_chars)]
        return k, v

    size = fontsize
    chunks = [list(range(len(columns)))]
    for candidate in dict.fromkeys([fontsize, "footnotesize"]):
        k, v = widths(candidate)
        size = candidate
        if sum(k) + sum(v) - 12 <= _SAFETY * text_width_pt:
            break
    else:
        k, v = widths(size)
        chunks = _chunks(v, table.spanners(), max(_SAFETY * text_width_pt - sum(k) + 12, 1.0))
    n_rows = sum(1 for r in rows if r[0] != "rule") + 2
    long = n_rows * len(chunks) > max_rows
    em = _FONT_PT[size]
    k, v = widths(size)

    def spec(chunk: list[int]) -> str:
        parts = [
            rf">{{\raggedright\arraybackslash}}p{{{_WRAP_CHARS * _CHAR_EM * em:.0f}pt}}" if w else "l" for w in key_wrap
        ]
        parts += [
            (
                "r"
                if numeric[j]
                else (rf">{{\raggedright\arraybackslash}}p{{{_WRAP_CHARS * _CHAR_EM * em:.0f}pt}}" if wrap[j] else "l")
            )
            for j in chunk
        ]
        return "@{}" + "".join(parts) + "@{}"

    word = words or _english
    out = [r"% spatialcoupling table; needs \usepackage{booktabs,array,longtable}"]
    caption = latex_escape(table.caption) if table.caption else ""
    label = latex_escape(table.tex_label).replace(r"\_", "_")
    if not long:
        out += [rf"\begin{{table}}[{position}]", r"\centering", f"\\{size}"]
        if caption:
            out.append(rf"\caption{{{caption}}}")
        out.append(rf"\label{{{label}}}")
    else:
        out += [r"\begingroup", f"\\{size}"]
    for i, chunk in enumerate(chunks):
        head = _latex_header(table, chunk, numeric, cell_chars, v)
        body = _latex_body(table, rows, chunk, numeric, box)
        n = len(table.print_keys()) + len(chunk)
        if not long:
            if i:
                out.append(r"\medskip")
            out += [
                rf"\begin{{tabular}}{{{spec(chunk)}}}",
                r"\toprule",
                *head,
                r"\midrule",
                *body,
                r"\bottomrule",
                r"\end{tabular}",
            ]
            if i < len(chunks) - 1:
                out.append(r"\par")
            continue
        if i:
            out.append(r"\addtocounter{table}{-1}")
        out.append(rf"\begin{{longtable}}{{{spec(chunk)}}}")
        cap = caption + (f" {latex_escape(word('(continued)'))}" if i else "")
        if cap:
            out.append(rf"\caption{{{cap}}}" + (rf"\label{{{label}}}" if i == 0 else "") + r"\\")
        out += [r"\toprule", *head, r"\midrule", r"\endfirsthead"]
        out += [
            rf"\multicolumn{{{n}}}{{@{{}}l@{{}}}}{{\textit{{{latex_escape(word('(continued)'))}}}}}\\",
            r"\toprule",
            *head,
            r"\midrule",
            r"\endhead",
            r"\midrule",
            rf"\multicolumn{{{n}}}{{@{{}}r@{{}}}}{{\textit{{{latex_escape(word('continued on the next page'))}}}}}\\",
            r"\endfoot",
            r"\bottomrule",
            r"\endlastfoot",
            *body,
            r"\end{longtable}",
        ]
    notes = [latex_escape(n) for n in table.notes]
    if notes:
        text = " ".join(notes)
        notes_word = latex_escape(word("Notes:"))
        if long:
            out.append(rf"\par\noindent{{\footnotesize\textit{{{notes_word}}} {text}\par}}")
        else:
            out += [
                r"\par\medskip",
                r"\begin{minipage}{\linewidth}\footnotesize\textit{" + notes_word + "} " + text,
                r"\end{minipage}",
            ]
    out.append(r"\endgroup" if long else r"\end{table}")
    return "\n".join(out) + "\n"


def _latex_header(
    table: PaperTable,
    chunk: list[int],
    numeric: list[bool],
    chars: list[int] | None = None,
    widths_pt: list[float] | None = None,
) -> list[str]:
    """Header rows: spanners with their rules, then the labels (long labels wrapped)."""
    chars = chars or [0] * len(numeric)
    keys = [latex_escape(table.key_labels.get(k, k)) for k in table.print_keys()]
    all_spanners, all_labels = table.print_spanners(), table.print_labels()
    spanners = [all_spanners[j] for j in chunk]
    labels = [all_labels[j] for j in chunk]
    lines = []
    n_keys = len(keys)
    if any(spanners):
        cells = [""] * n_keys
        rules = []
        j = 0
        while j < len(chunk):
            k = j
            while k + 1 < len(chunk) and spanners[k + 1] == spanners[j]:
                k += 1
            width = k - j + 1
            if spanners[j]:
                left = "@{}" if j == 0 and not n_keys else ""
                right = "@{}" if k == len(chunk) - 1 else ""
                align = "c"
                if widths_pt is not None:  # a spanner wider than its columns wraps within them
                    room = sum(widths_pt[chunk[m]] for m in range(j, k + 1)) - 12
                    if len(spanners[j]) * _CHAR_EM * _HEAD_EM > room:
                        align = rf">{{\centering\arraybackslash}}p{{{room:.0f}pt}}"
                cells.append(rf"\multicolumn{{{width}}}{{{left}{align}{right}}}{{{latex_escape(spanners[j])}}}")
                rules.append(rf"\cmidrule(lr){{{n_keys + j + 1}-{n_keys + k + 1}}}")
            else:
                cells += [""] * width
            j = k + 1
        lines += [" & ".join(cells) + r" \\", " ".join(rules)]
    heads = []
    for pos, (j, lbl) in enumerate(zip(chunk, labels, strict=True)):
        text = latex_escape(lbl)
        left = "@{}" if pos == 0 and not n_keys else ""  # the table's outer edges have no padding
        right = "@{}" if pos == len(chunk) - 1 else ""
        if widths_pt is not None and len(lbl) > max(_HEAD_CHARS, chars[j]):
            par = rf"p{{{widths_pt[j] - 12:.0f}pt}}"
            heads.append(rf"\multicolumn{{1}}{{{left}>{{\centering\arraybackslash}}{par}{right}}}{{{text}}}")
        elif numeric[j]:
            heads.append(rf"\multicolumn{{1}}{{{left}c{right}}}{{{text}}}")
        else:
            heads.append(text)
    lines.append(" & ".join(keys + heads) + r" \\")
    return lines


def _latex_body(
    table: PaperTable,
    rows: list[tuple[str, Any, list[str], list[str]]],
    chunk: list[int],
    numeric: list[bool],
    box: list[float],
) -> list[str]:
    n = len(table.print_keys()) + len(chunk)
    lines = []
    first = True
    for kind, _, key_cells, cells in rows:
        if kind == "rule":
            lines.append(r"\midrule")
        elif kind == "panel":
            if not first:
                lines.append(r"\addlinespace")
            lines.append(rf"\multicolumn{{{n}}}{{@{{}}l@{{}}}}{{\textit{{{latex_escape(key_cells[0])}}}}} \\")
        else:
            values = [_latex_cell(cells[j], numeric[j], box[j]) for j in chunk]
            lines.append(" & ".join([latex_escape(c) for c in key_cells] + values) + r" \\")
        first = False
    return lines


# -- Markdown ------------------------------------------------------------------------------------
def to_markdown(table: TableLike, *, words: Words | None = None) -> str:
    """A GitHub-flavoured Markdown table: caption in bold above, numbers right-aligned, panel
    headings as italic rows, ``|`` escaped, notes below (``words``: the ``"Notes:"`` before them in the
    table's language, see :data:`WRITER_WORDS`).

    Examples
    --------
    >>> t = PaperTable(pd.DataFrame({"G": [0.28837]}, index=pd.Index([2009], name="year")), caption="Gini")
    >>> print(to_markdown(t))
    **Gini**
    <BLANKLINE>
    | year | G |
    |:---|---:|
    | 2009 | 0.288 |
    <BLANKLINE>
    """
    table = _as_table(table)
    columns = list(table.body.columns)
    numeric = [table.is_numeric(c) for c in columns]
    labels = [
        " ".join(p for p in (s, lbl) if p) for s, lbl in zip(table.print_spanners(), table.print_labels(), strict=True)
    ]
    keys = [table.key_labels.get(k, k) for k in table.print_keys()]

    def cell(text: Any) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = []
    if table.caption:
        lines += [f"**{cell(table.caption)}**", ""]
    head = keys + labels
    if not head:
        return "\n".join(lines) + "\n"
    lines.append("| " + " | ".join(cell(h) for h in head) + " |")
    lines.append("|" + "|".join([":---"] * len(keys) + ["---:" if n else ":---" for n in numeric]) + "|")
    width = len(head)
    for kind, _, key_cells, cells in table.print_rows():
        if kind == "rule":
            continue
        if kind == "panel":
            lines.append("| " + " | ".join([f"*{cell(key_cells[0])}*"] + [""] * (width - 1)) + " |")
        else:
            lines.append("| " + " | ".join(cell(c) for c in [*key_cells, *cells]) + " |")
    if table.notes:
        lines += ["", f"*{cell((words or _english)('Notes:'))}* " + " ".join(cell(n) for n in table.notes)]
    return "\n".join(lines) + "\n"


# -- Word ----------------------------------------------------------------------------------------
_RULE_TOP = 12  # eighths of a point: 1.5 pt
_RULE_HEAD = 6  # 0.75 pt


def _border(tag: str, size: int | None) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement(f"w:{tag}")
    if size is None:
        el.set(qn("w:val"), "nil")
    else:
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), str(size))
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
    return el


def _child(parent: Any, tag: str) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    found = parent.find(qn(f"w:{tag}"))
    if found is None:
        found = OxmlElement(f"w:{tag}")
        parent.append(found)
    return found


def _run(
    paragraph: Any, text: str, *, size: float, font: str, east_asian: str, bold: bool = False, italic: bool = False
) -> Any:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.name = font  # creates rFonts first in rPr, as the schema orders it
    run.font.color.rgb = RGBColor(0, 0, 0)
    run.bold = bold or None
    run.italic = italic or None
    fonts = _child(_child(run.element, "rPr"), "rFonts")
    fonts.set(qn("w:eastAsia"), east_asian)
    return run


def write_docx(
    tables: Sequence[TableLike],
    path: str | Path,
    *,
    font: str = "Times New Roman",
    east_asian_font: str = "SimSun",
    size: float = 10.5,
    words: Words | None = None,
) -> Path:
    """Three-line tables in a Word document, one after another, with numbered captions and notes.

    Parameters
    ----------
    tables : sequence of PaperTable or DataFrame
    path : str or Path
    font, east_asian_font : str
        Fonts of Latin and of Chinese/Japanese/Korean text (Times New Roman and SimSun, the usual
        choice of Chinese journals).
    size : float
        Font size in points of the cells (10.5 pt, 五号); captions use it too, notes 1.5 pt less.
    words : callable, optional
        The words the writer adds itself (the ``"Table"`` of the captions, see :data:`WRITER_WORDS`)
        in the language of the document; default English.
    """
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    path = Path(path)
    doc = Document()
    style: dict[str, Any] = {"font": font, "east_asian": east_asian_font}
    for i, raw in enumerate(tables):
        table = _as_table(raw, f"table{i + 1}")
        caption = doc.add_paragraph(style="Caption")
        caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(caption, f"{(words or _english)('Table')} ", size=size, bold=True, **style)
        number = _run(caption, str(i + 1), size=size, bold=True, **style)
        _as_field(number.element, r" SEQ Table \* ARABIC ")
        _run(caption, ".  " + table.caption if table.caption else ".", size=size, **style)
        rows = table.print_rows()
        columns = list(table.body.columns)
        numeric = [table.is_numeric(c) for c in columns]
        keys = [table.key_labels.get(k, k) for k in table.print_keys()]
        n = len(keys) + len(columns)
        spanners = table.print_spanners()
        header_rows = 2 if any(spanners) else 1
        grid = doc.add_table(rows=0, cols=max(n, 1))
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        tbl = doc.element.body.findall(qn("w:tbl"))[-1]
        borders = OxmlElement("w:tblBorders")
        for tag, sz in (
            ("top", _RULE_TOP),
            ("left", None),
            ("bottom", _RULE_TOP),
            ("right", None),
            ("insideH", None),
            ("insideV", None),
        ):
            borders.append(_border(tag, sz))
        properties = _child(tbl, "tblPr")
        look = properties.find(qn("w:tblLook"))
        if look is not None:  # the schema's order: tblBorders before tblLook
            look.addprevious(borders)
        else:
            properties.append(borders)

        def styled(paragraph: Any, text: str, right: bool, center: bool, italic: bool) -> None:
            paragraph.alignment = (
                WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.RIGHT if right else WD_ALIGN_PARAGRAPH.LEFT
            )
            paragraph.paragraph_format.space_after = 0
            _run(paragraph, text, size=size, italic=italic, **style)

        fill = _PrototypeFill(styled)

        # a row's ``cells`` is rebuilt from its XML on every access: read it once per row
        if header_rows == 2:
            row = grid.add_row()
            spanner_cells = row.cells
            j = 0
            while j < len(columns):
                k = j
                while k + 1 < len(columns) and spanners[k + 1] == spanners[j]:
                    k += 1
                cell = spanner_cells[len(keys) + j]
                if k > j:
                    cell = cell.merge(spanner_cells[len(keys) + k])
                fill(cell, spanners[j], center=True)
                j = k + 1
        row = grid.add_row()
        header_cells = row.cells
        for j, label in enumerate(keys):
            fill(header_cells[j], label)
        for j, label in enumerate(table.print_labels()):
            fill(header_cells[len(keys) + j], label, center=True)
        for cell in header_cells:
            tc_borders = _child(_child(_cell_element(cell), "tcPr"), "tcBorders")
            tc_borders.append(_border("bottom", _RULE_HEAD))
        for r in grid.rows[:header_rows]:
            _child(_child(_row_element(r), "trPr"), "tblHeader")
        _body_rows(grid, tbl, rows, fill, len(keys), numeric)
        if table.notes:
            note = doc.add_paragraph()
            _run(note, "Notes: ", size=size - 1.5, italic=True, **style)
            _run(note, " ".join(table.notes), size=size - 1.5, **style)
        doc.add_paragraph()
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return path


class _PrototypeFill:
    """Fill a fresh table cell with one styled paragraph, copying a finished paragraph of the same
    style and setting its text.

    Styling through python-docx costs about a millisecond per cell (several XML look-ups per
    property), which dominates wide tables (a table of 465 columns has about 1,400 header and
    template cells); a paragraph depends only on its style and text, so the first paragraph of
    each style is made by ``styled`` and later ones are copies of it. Texts python-docx turns into
    more than one element (empty, line breaks, tabs) are made by ``styled`` every time."""

    def __init__(self, styled: Callable[..., None]) -> None:
        self.styled = styled
        self.prototypes: dict[tuple[bool, bool, bool], Any] = {}

    def __call__(
        self, cell: Any, text: str, *, right: bool = False, center: bool = False, italic: bool = False
    ) -> None:
        import copy

        from docx.oxml.ns import qn

        key = (right, center, italic)
        paragraph = cell.paragraphs[0]
        plain = bool(text) and "\n" not in text and "\t" not in text and "\r" not in text
        proto = self.prototypes.get(key)
        if proto is not None and plain:
            # the paragraph's element, reached through the public element of a temporary run
            probe = paragraph.add_run("").element
            p = probe.getparent()
            p.remove(probe)
            if not len(p):  # a fresh paragraph: replaced by a copy of the prototype
                new = copy.deepcopy(proto)
                _set_text(new.find(".//" + qn("w:t")), text)
                p.addprevious(new)
                p.getparent().remove(p)
                return
        self.styled(paragraph, text, right, center, italic)
        runs = paragraph.runs
        if plain and proto is None and len(runs) == 1:
            p = runs[0].element.getparent()
            if len(p.findall(".//" + qn("w:t"))) == 1:
                self.prototypes[key] = copy.deepcopy(p)


def _body_rows(grid: Any, tbl: Any, rows: Sequence[Any], fill: Any, n_keys: int, numeric: Sequence[bool]) -> None:
    """The body of a Word table: panel rows merged across, data rows copied from templates.

    Both templates are made while the table holds only its header rows: python-docx's
    ``add_row``, ``cells`` and ``merge`` walk the whole table, so making a row that way once
    per panel of a long table costs time in proportion to rows × panels."""
    n = n_keys + len(numeric)
    kinds = {row[0] for row in rows}
    template = _row_template(grid, fill, n_keys, numeric) if "row" in kinds else None
    panel = _panel_template(grid, fill, n) if "panel" in kinds else None
    for kind, _, key_cells, cells in rows:
        if kind == "rule":
            continue
        texts = [key_cells[0]] if kind == "panel" else [*key_cells, *cells]
        if any("\n" in t or "\t" in t for t in texts):  # line breaks and tabs: python-docx's own runs
            if kind == "panel":
                _panel_cell(grid, fill, n, texts[0])
                continue
            row_cells = grid.add_row().cells
            for j, text in enumerate(texts):
                fill(row_cells[j], text, right=j >= n_keys and numeric[j - n_keys])
            continue
        chosen = panel if kind == "panel" else template
        assert chosen is not None
        _append_row(tbl, chosen, texts)


def _row_template(grid: Any, fill: Any, n_keys: int, numeric: Sequence[bool]) -> tuple[Any, list[Any]]:
    """A formatted body row (every cell with one run holding a text element), detached from the
    table, and the path to each cell's text element.

    python-docx styles a cell through several XML look-ups per run (about a millisecond per cell),
    which makes a county table of 2,848 rows take most of a study's run; body rows differ only in
    their texts, so each is a copy of this template with its texts set (`_append_row`)."""
    row = grid.add_row()
    row_cells = row.cells
    for j, cell in enumerate(row_cells):
        fill(cell, "x", right=j >= n_keys and bool(numeric[j - n_keys]))
    tr = _row_element(row)
    tr.getparent().remove(tr)
    return tr, [list(tr.iterchildren()).index(_cell_element(cell)) for cell in row_cells]


def _panel_template(grid: Any, fill: Any, n: int) -> tuple[Any, list[Any]]:
    """A panel heading row (one italic cell merged across the table), detached, as
    :func:`_row_template` gives a body row."""
    tc = _cell_element(_panel_cell(grid, fill, n, "x"))
    tr = tc.getparent()
    tr.getparent().remove(tr)
    return tr, [list(tr.iterchildren()).index(tc)]


def _panel_cell(grid: Any, fill: Any, n: int, text: str) -> Any:
    """A new row of ``grid`` with its ``n`` cells merged into one holding ``text`` in italics."""
    row_cells = grid.add_row().cells
    merged = row_cells[0].merge(row_cells[n - 1]) if n > 1 else row_cells[0]
    fill(merged, text, italic=True)
    return merged


def _append_row(tbl: Any, template: tuple[Any, list[Any]], texts: Sequence[str]) -> None:
    """Append a copy of the template row to ``tbl`` with ``texts`` in its cells."""
    import copy

    from docx.oxml.ns import qn

    tr, positions = template
    new = copy.deepcopy(tr)
    children = list(new.iterchildren())
    for position, text in zip(positions, texts, strict=True):
        _set_text(children[position].find(".//" + qn("w:t")), text)
    tbl.append(new)


def _set_text(element: Any, text: str) -> None:
    """Set the text of a copied ``w:t`` element, keeping leading and trailing spaces as Word needs
    (``xml:space="preserve"``, as python-docx writes it) and dropping a copied mark when none."""
    space = "{http://www.w3.org/XML/1998/namespace}space"
    element.text = text
    if text != text.strip():
        element.set(space, "preserve")
    elif space in element.attrib:
        del element.attrib[space]


def _cell_element(cell: Any) -> Any:
    """The ``w:tc`` element of a cell, reached from the public element of its first run."""
    paragraph = cell.paragraphs[0]
    runs = paragraph.runs or [paragraph.add_run("")]
    return runs[0].element.getparent().getparent()


def _row_element(row: Any) -> Any:
    return _cell_element(row.cells[0]).getparent()


def _as_field(run_element: Any, instruction: str) -> None:
    """Turn a run into a Word field (``SEQ``) whose cached result is the run's text."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind: str) -> Any:
        r = OxmlElement("w:r")
        fld = OxmlElement("w:fldChar")
        fld.set(qn("w:fldCharType"), kind)
        r.append(fld)
        return r

    instr_run = OxmlElement("w:r")
    instr = OxmlElement("w:instrText")
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr.text = instruction
    instr_run.append(instr)
    run_element.addprevious(char("begin"))
    run_element.addprevious(instr_run)
    run_element.addprevious(char("separate"))
    run_element.addnext(char("end"))
