"""Table writers: no live formulas, complete LaTeX escaping, Excel size limits, atomic files."""

import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import spatialcoupling._results as results_mod
from spatialcoupling._results import Result, _latex, write_tables
from spatialcoupling.tables import writers as writers_mod


def _ooxml_text(value: str) -> str:
    """A cell's text as Excel reads it: OOXML's ``_xHHHH_`` escapes of control characters decoded."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


RISKY = ["=1+1", "+SUM(A1:A2)", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", '=HYPERLINK("http://x","y")']


class _Tables(Result):
    """A minimal result with two tables, to drive ``Result.export``."""

    _table_names = ("table", "other")

    def __init__(self, table: pd.DataFrame, other: pd.DataFrame):
        self._t, self._o = table, other
        self._freeze()

    @property
    def table(self) -> pd.DataFrame:
        return self._t

    @property
    def other(self) -> pd.DataFrame:
        return self._o


def _risky_frame() -> pd.DataFrame:
    n = len(RISKY)
    frame = pd.DataFrame(
        {"=label": RISKY, "value": np.linspace(-1.5, 1.5, n), "code": ["-0.5"] * n, "cat": pd.Categorical(["@x"] * n)},
        index=pd.Index([f"={i}" for i in range(n)], name="+region"),
    )
    return frame


def test_xlsx_export_has_no_formula_cell(tmp_path):
    frame = _risky_frame()
    other = frame.set_index("cat", append=True)
    path = _Tables(frame, other).export(tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(path)
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {sheet.title}!{cell.coordinate}: {cell.value!r}"
                if isinstance(cell.value, str):
                    texts.append(_ooxml_text(cell.value))
    # every risky text is there exactly, neutralised by a leading quote (a carriage return is kept,
    # stored as OOXML's escape _x000D_)
    for text in [*RISKY, "=label", "+region", "@x", "=0"]:
        assert "'" + text in texts, text
    # numbers stay numbers; text that is a plain number is left alone
    sheet = book["table"]
    header = [c.value for c in sheet[1]]
    values = [sheet.cell(row=r, column=header.index("value") + 1).value for r in range(2, len(RISKY) + 2)]
    np.testing.assert_allclose(values, frame["value"].to_numpy())
    assert sheet.cell(row=2, column=header.index("code") + 1).value == "-0.5"


def test_csv_cells_and_labels_neutralised(tmp_path):
    frame = _risky_frame()
    path = tmp_path / "r.csv"
    write_tables({"t": frame}, path)
    raw = path.read_bytes().decode("utf-8")
    assert "\n'\rCR" not in raw
    assert ",'\rCR" in raw
    back = pd.read_csv(path, index_col=0, keep_default_na=False, lineterminator="\n")
    assert back.index.name == "'+region"
    assert list(back.columns[:1]) == ["'=label"]
    assert back["'=label"].tolist() == ["'" + t for t in RISKY]
    assert back["cat"].tolist() == ["'@x"] * len(RISKY)
    np.testing.assert_allclose(back["value"].to_numpy(), frame["value"].to_numpy())
    assert back["code"].tolist() == [-0.5] * len(RISKY)  # a plain number, written as is
    # the frame given to the writer is not changed
    assert frame["=label"].tolist() == RISKY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$", r"\$"),
        ("{", r"\{"),
        ("}", r"\}"),
        ("^", r"\textasciicircum{}"),
        ("~", r"\textasciitilde{}"),
        ("<", r"\textless{}"),
        (">", r"\textgreater{}"),
        ("->", r"-\textgreater{}"),
        ("\\", r"\textbackslash{}"),
        ("&", r"\&"),
        ("%", r"\%"),
        ("_", r"\_"),
        ("#", r"\#"),
        ("|", r"\textbar{}"),
        (r"a\b{c}", r"a\textbackslash{}b\{c\}"),
    ],
)
def test_latex_escapes_every_special_character(text, expected):
    tex = _latex(pd.DataFrame({"col": [text]}, index=pd.Index([0], name="i")))
    lines = tex.splitlines()
    body = lines[lines.index("\\midrule") + 1]  # the row after the header rule
    assert body == f"0 & {expected} \\\\"


def test_latex_header_escaped():
    tex = _latex(pd.DataFrame({"x_{t}^2 <1>": [1.0]}))
    lines = tex.splitlines()
    header = lines[lines.index("\\toprule") + 1]
    assert r"x\_\{t\}\textasciicircum{}2 \textless{}1\textgreater{}" in header


def test_xlsx_fits_counts_header_and_index():
    xlsx_fits = results_mod.xlsx_fits
    # 1,048,575 data rows + the header row fill a sheet exactly; one more does not fit
    assert xlsx_fits(pd.DataFrame({"a": np.zeros(1_048_575)}))
    assert not xlsx_fits(pd.DataFrame({"a": np.zeros(1_048_576)}))
    # 16,383 columns + the (named) index column fill a sheet; 16,384 do not fit
    named = pd.Index(["r"], name="region")
    assert xlsx_fits(pd.DataFrame(np.zeros((1, 16_383)), index=named))
    assert not xlsx_fits(pd.DataFrame(np.zeros((1, 16_384)), index=named))
    # a default 0…n index is not written, so it takes no column
    assert xlsx_fits(pd.DataFrame(np.zeros((1, 16_384))))
    assert not xlsx_fits(pd.DataFrame(np.zeros((1, 16_385))))


def test_too_large_xlsx_export_names_the_table_and_leaves_nothing(tmp_path):
    big = pd.DataFrame({"a": np.zeros(1_048_576)})
    path = tmp_path / "r.xlsx"
    path.write_text("OLD")
    with pytest.raises(ValueError, match=r"'other'.*\.csv or \.parquet"):
        _Tables(pd.DataFrame({"a": [1.0]}), big).export(path)
    assert path.read_text() == "OLD"
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]


def test_failed_write_leaves_no_broken_file(tmp_path, monkeypatch):
    frame = pd.DataFrame({"a": [1.0, 2.0]})
    # the write fails in the middle of the workbook, after its first sheet
    written = []
    real_sheet = writers_mod._write_sheet

    def failing_sheet(workbook, sheet, *args, **kwargs):
        if written:
            raise OSError("disk full in the second sheet")
        written.append(sheet)
        return real_sheet(workbook, sheet, *args, **kwargs)

    monkeypatch.setattr(writers_mod, "_write_sheet", failing_sheet)
    path = tmp_path / "r.xlsx"
    path.write_text("OLD")
    with pytest.raises(OSError, match="second sheet"):
        _Tables(frame, frame).export(path)
    assert written == ["table"]
    assert path.read_text() == "OLD"
    monkeypatch.undo()

    # a csv writer that dies half-way
    def broken_to_csv(self, target, *args, **kwargs):
        Path(target).write_text("a,b\n1,")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken_to_csv)
    csv = tmp_path / "r.csv"
    with pytest.raises(OSError, match="disk full"):
        _Tables(frame, frame).export(csv)
    assert not csv.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx"]


def test_parquet_export(tmp_path):
    frame = pd.DataFrame({"a": [1.0, 2.0]}, index=pd.Index(["x", "y"], name="region"))
    path = _Tables(frame, frame).export(tmp_path / "r.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(path), frame)


def test_sheet_names_are_valid_and_unique(tmp_path):
    tables = {"a/b": pd.DataFrame({"x": [1]}), "A/B": pd.DataFrame({"x": [2]}), "t" * 40: pd.DataFrame({"x": [3]})}
    path = tmp_path / "s.xlsx"
    write_tables(tables, path)
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["a_b", "A_B~2", "t" * 31]
    assert [int(s["x"].iloc[0]) for s in sheets.values()] == [1, 2, 3]


def test_markdown_escapes_pipes():
    text = results_mod._markdown(pd.DataFrame({"a": ["x|y"]}))
    assert "x\\|y" in text


def test_coefficients_with_stars_are_not_formulas():
    frame = pd.DataFrame({"SDM": ["-0.447***", "(0.030)", "-1*2", "+0.5**x"]})
    out = results_mod.neutralise_formulas(frame)["SDM"].tolist()
    assert out == ["-0.447***", "(0.030)", "'-1*2", "'+0.5**x"]
