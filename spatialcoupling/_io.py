"""Reading tables from files: one place for encodings, separators and file-named errors.

:func:`read_table` reads a CSV, Excel or Parquet file into a DataFrame for
:func:`~spatialcoupling.read_panel` and :meth:`~spatialcoupling.IndicatorSystem.from_file`.
CSV text is decoded here (not by pandas) so that the encoding that was used can be
reported: UTF-8 with or without a byte-order mark, and, when the bytes are not
valid UTF-8, GB18030 (a superset of GBK, the default of Excel on Chinese Windows).
Every error names the file.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd

CSV_SUFFIXES = {".csv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
PARQUET_SUFFIXES = {".parquet", ".pq"}

#: field separators that a CSV read as one column may be using, with their names
_OTHER_SEPARATORS = {";": "';'", "\t": "'\\t' (tab)", "|": "'|'"}


def decode_csv(raw: bytes, name: str, what: str, encoding: str | None) -> tuple[str, list[str]]:
    """The text of a CSV file and notes on how it was decoded.

    Parameters
    ----------
    raw : bytes
        The file's content.
    name : str
        File name, for messages.
    what : str
        What the file is (``"panel file"``), for messages.
    encoding : str, optional
        Decode with this codec only; default UTF-8 (a leading byte-order mark is
        removed), then GB18030 when the bytes are not valid UTF-8.

    Returns
    -------
    text : str
    notes : list of str
        Says so when GB18030 was used.
    """
    if encoding is not None:
        try:
            text = raw.decode(encoding)
        except LookupError:
            raise ValueError(f"{what} {name!r}: unknown encoding={encoding!r}; use e.g. 'utf-8' or 'gb18030'") from None
        except UnicodeDecodeError as exc:
            raise ValueError(
                f"{what} {name!r} is not valid {encoding} (byte {exc.start}: {exc.reason}); "
                "pass the file's encoding with encoding=, e.g. 'utf-8' or 'gb18030'"
            ) from None
        return text.removeprefix("\ufeff"), []
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        first_error = exc
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        raise ValueError(
            f"{what} {name!r} is neither UTF-8 (byte {first_error.start}: {first_error.reason}) nor GB18030; "
            "pass its encoding with encoding=, or save it from Excel as 'CSV UTF-8'"
        ) from None
    note = (
        f"{what} {name!r} is not valid UTF-8 (byte {first_error.start}); it was decoded as GB18030 "
        "(the GBK/GB2312 superset Chinese Excel writes). If text looks wrong, pass encoding="
    )
    return text, [note]


def read_table(
    path: str | Path,
    *,
    what: str,
    encoding: str | None = None,
    sep: str | None = None,
    sheet: str | int | None = None,
    thousands: str | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Read a CSV, Excel or Parquet file; errors name the file.

    Parameters
    ----------
    path : str or Path
        ``.csv``/``.txt``, ``.xlsx``/``.xlsm``/``.xls`` or ``.parquet``/``.pq``.
    what : str
        What the file is, for messages (``"panel file"``, ``"indicator table"``).
    encoding : str, optional
        Text encoding of a CSV (see :func:`decode_csv`).
    sep : str, optional
        Field separator of a CSV; default ``","``.
    sheet : str or int, optional
        Excel sheet; default the first.
    thousands : str, optional
        Thousands separator of numbers in a CSV (``","`` reads ``"1,234"`` as 1234).

    Returns
    -------
    frame : DataFrame
    notes : list of str
        How the file was decoded, when that is worth knowing.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        Empty file, unknown suffix, undecodable text, a parse error, or a CSV whose
        header was read as a single column although it contains another separator
        (the message suggests ``sep=``). ``encoding``/``sep`` given for a file that is
        not a CSV.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{what} not found: {path}")
    suffix = path.suffix.lower()
    name = path.name
    if suffix not in CSV_SUFFIXES | EXCEL_SUFFIXES | PARQUET_SUFFIXES:
        raise ValueError(f"cannot read {what} {name!r}: use .csv, .xlsx or .parquet")
    if suffix not in CSV_SUFFIXES:
        given = [k for k, v in (("encoding", encoding), ("sep", sep)) if v is not None]
        if given:
            raise ValueError(
                f"{what} {name!r}: {' and '.join(f'{k}=' for k in given)} apply to CSV files only; remove them"
            )
    if suffix in CSV_SUFFIXES:
        return _read_csv(path, what, encoding, sep, thousands)
    try:
        if suffix in EXCEL_SUFFIXES:
            frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet)
        else:
            frame = pd.read_parquet(path)
    except Exception as exc:
        raise ValueError(f"cannot read {what} {name!r}: {type(exc).__name__}: {exc}") from exc
    if frame.shape[1] == 0:
        raise ValueError(f"{what} {name!r} is empty: no columns (an empty sheet?)")
    return frame, []


def read_grid(
    path: str | Path,
    *,
    what: str,
    encoding: str | None = None,
    sep: str | None = None,
    sheet: str | int | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """The cells of a CSV file or Excel sheet as they are, with no header row (``header=None``).

    Rows may differ in length (a title line above a table): short rows are padded with
    missing cells. Used to find a header row below title lines.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{what} not found: {path}")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        import csv

        text, notes = decode_csv(path.read_bytes(), path.name, what, encoding)
        rows = list(csv.reader(io.StringIO(text), delimiter="," if sep is None else sep))
        width = max((len(r) for r in rows), default=0)
        grid = pd.DataFrame([[c if c.strip() else None for c in r] + [None] * (width - len(r)) for r in rows])
        return grid, notes
    if suffix not in EXCEL_SUFFIXES:
        raise ValueError(f"{what} {path.name!r}: header_row= and title rows apply to CSV and Excel files")
    try:
        return pd.read_excel(path, sheet_name=0 if sheet is None else sheet, header=None), []
    except Exception as exc:
        raise ValueError(f"cannot read {what} {path.name!r}: {type(exc).__name__}: {exc}") from exc


def read_sheets(path: str | Path, *, what: str, sheets: Any, header: int | None = 0) -> dict[str, pd.DataFrame]:
    """The sheets of an Excel workbook by name: every sheet (``"*"``) or those listed (names or positions).

    ``header`` is the header row given to pandas; ``None`` reads the cells as they are (no header row).

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        Not an Excel file, a listed sheet that the workbook lacks (its sheets are named), or a
        file that cannot be read (named).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{what} not found: {path}")
    name = path.name
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        raise ValueError(
            f"{what} {name!r}: sheets= reads the sheets of an Excel workbook (.xlsx), not a {path.suffix} file"
        )
    try:
        book = pd.ExcelFile(path)
        names = [str(n) for n in book.sheet_names]
        if isinstance(sheets, str) and sheets == "*":
            wanted: list[Any] = list(names)
        else:
            wanted = [
                names[s] if isinstance(s, int) and not isinstance(s, bool) and 0 <= s < len(names) else s
                for s in sheets
            ]
            unknown = [s for s in wanted if s not in names]
            if unknown:
                raise ValueError(f"{what} {name!r} has no sheet(s) {unknown}; its sheets are {names}")
        return {str(s): pd.read_excel(book, sheet_name=s, header=header) for s in wanted}
    except ValueError:
        raise
    except Exception as exc:
        raise ValueError(f"cannot read {what} {name!r}: {type(exc).__name__}: {exc}") from exc


def toml_hint(exc: Exception, text: str) -> str:
    """A hint for a TOML error caused by an unquoted non-ASCII key (``正向指标 = "+"``); "" otherwise.

    TOML's bare keys are ASCII letters, digits, ``_`` and ``-``; other keys must be quoted.
    """
    import re

    line_no = getattr(exc, "lineno", None)
    match = re.search(r"line (\d+)", str(exc))
    if line_no is None and match:
        line_no = int(match.group(1))
    lines = text.splitlines()
    candidates = [lines[line_no - 1]] if line_no and 0 < line_no <= len(lines) else lines
    for line in candidates:
        stripped = line.strip()
        key = stripped.split("=", 1)[0].strip() if "=" in stripped else stripped.strip("[] ")
        if key and not key.startswith(("#", '"', "'")) and not key.isascii():
            quoted = ".".join(f'"{part.strip()}"' for part in key.split("."))
            example = f"[{quoted}]" if stripped.startswith("[") else f"{quoted} = ..."
            return (
                f" (the key {key!r} is not ASCII: TOML needs such keys in quotes, e.g. {example}; "
                "bare keys may hold only A-Z, a-z, 0-9, _ and -)"
            )
    return ""


def _read_csv(
    path: Path, what: str, encoding: str | None, sep: str | None, thousands: str | None = None
) -> tuple[pd.DataFrame, list[str]]:
    name = path.name
    if sep is not None and (not isinstance(sep, str) or sep == ""):
        raise ValueError(f"{what} {name!r}: sep= must be a non-empty string such as ',' or ';', not {sep!r}")
    text, notes = decode_csv(path.read_bytes(), name, what, encoding)
    if not text.strip():
        raise ValueError(f"{what} {name!r} is empty: it has no header row and no data")
    try:
        frame = pd.read_csv(io.StringIO(text), sep="," if sep is None else sep, thousands=thousands)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{what} {name!r} is empty: it has no header row and no data") from None
    except pd.errors.ParserError as exc:
        raise ValueError(
            f"cannot parse {what} {name!r}: {str(exc).strip()}. Check the field separator (sep=, now {sep or ','!r}) "
            "and quotes around values that contain it"
        ) from None
    if frame.shape[1] == 1:
        header = str(frame.columns[0])
        hints = [label for s, label in _OTHER_SEPARATORS.items() if s in header and s != sep]
        if hints:
            raise ValueError(
                f"{what} {name!r}: the header {header!r} was read as a single column; the file seems to be "
                f"separated by {hints[0]}: pass sep={next(s for s in _OTHER_SEPARATORS if s in header and s != sep)!r}"
            )
    return frame, notes
