"""Integer columns of paper tables made from plain frames print as integers in every writer (a count of
12 is ``12``, never ``12.000``), while float columns keep their decimals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spatialcoupling.tables import PaperTable, write_table
from spatialcoupling.tables.table import infer_kind, mark_kinds


def _frame() -> pd.DataFrame:
    """Markov-like counts where a missing cell made the counts floats, a float ``dof`` marked as counts,
    integer ranks, a float share-free value column that happens to hold whole numbers, and a real float
    column."""
    frame = pd.DataFrame(
        {
            "Q1": [12.0, np.nan, 3.0],  # counts that a missing cell turned into floats
            "dof": [12.0, 6.0, 2.0],  # a count's name
            "rank": [1, 2, 3],  # integers
            "D": [1.0, 0.0, 1.0],  # floats of whole values, no count name: keep decimals
            "value": [0.4471, 1.25, 3.5],
        },
        index=pd.Index(["Q1", "Q2", "Q3"], name="from"),
    )
    return mark_kinds(frame, {"dof": "integer"})


def test_inferred_kinds():
    frame = _frame()
    kinds = {c: infer_kind(c, frame[c]) for c in frame.columns}
    # the name alone never makes a float column of whole values integer: dof is integer by its mark only
    assert kinds == {"Q1": "integer", "dof": "number", "rank": "integer", "D": "number", "value": "number"}
    assert PaperTable.from_frame(frame).kind("dof") == "integer"


@pytest.mark.parametrize("as_paper_table", [False, True])
def test_every_writer_prints_integers_as_integers(tmp_path, as_paper_table):
    table = PaperTable.from_frame(_frame(), name="counts") if as_paper_table else _frame()
    csv = write_table(table, tmp_path / "t.csv").read_text(encoding="utf-8-sig").splitlines()
    assert csv[0] == "from,Q1,dof,rank,D,value"
    assert csv[1] == "Q1,12,12,1,1.0,0.4471"
    assert csv[2] == "Q2,,6,2,0.0,1.25"  # the missing count stays empty

    md = write_table(table, tmp_path / "t.md").read_text(encoding="utf-8")
    assert "| Q1 | 12 | 12 | 1 | 1.000 | 0.447 |" in md
    assert "| Q2 |  | 6 | 2 | 0.000 | 1.250 |" in md
    assert "12.000" not in md

    tex = write_table(table, tmp_path / "t.tex").read_text(encoding="utf-8")
    assert "12.000" not in tex
    assert "6.000" not in tex
    assert "1.000" in tex
    assert "0.447" in tex

    import docx

    document = docx.Document(str(write_table(table, tmp_path / "t.docx")))
    cells = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert ["Q1", "12", "12", "1", "1.000", "0.447"] in cells

    import openpyxl

    ws = openpyxl.load_workbook(write_table(table, tmp_path / "t.xlsx")).worksheets[0]
    header = [c.value for c in ws[1]]
    row = dict(zip(header, ws[2], strict=True))
    assert row["Q1"].value == 12
    assert row["Q1"].number_format == "0"
    assert row["dof"].number_format == "0"
    assert row["rank"].number_format == "0"
    assert row["D"].number_format == "0.000"
    assert row["value"].number_format == "0.000"


@pytest.mark.parametrize("name", ["k", "n_lags", "dof", "count"])
def test_whole_valued_float_coefficients_keep_their_decimals(tmp_path, name):
    """A float column of estimates that happen to be whole in one run (k = 2.0, 1.0, 3.0) is printed with
    its decimals whatever its name; a float column with a missing cell marked ``number`` by its maker
    keeps them too."""
    estimates = pd.DataFrame({name: [2.0, 1.0, 3.0]}, index=pd.Index(["a", "b", "c"], name="model"))
    csv = write_table(estimates, tmp_path / "k.csv").read_text(encoding="utf-8-sig").splitlines()
    assert csv[1] == "a,2.0"
    md = write_table(PaperTable.from_frame(estimates), tmp_path / "k.md").read_text(encoding="utf-8")
    assert "| a | 2.000 |" in md
    import openpyxl

    ws = openpyxl.load_workbook(write_table(estimates, tmp_path / "k.xlsx")).worksheets[0]
    assert ws.cell(2, 2).value == 2.0
    assert ws.cell(2, 2).number_format == "0.000"

    gappy = mark_kinds(pd.DataFrame({name: [2.0, np.nan, 3.0]}, index=estimates.index), {name: "number"})
    assert write_table(gappy, tmp_path / "g.csv").read_text(encoding="utf-8-sig").splitlines()[1] == "a,2.0"
    tex = write_table(PaperTable.from_frame(gappy), tmp_path / "g.tex").read_text(encoding="utf-8")
    assert "2.000" in tex
    assert "3.000" in tex
    unmarked = gappy.copy()
    unmarked.attrs = {}  # counts that a missing cell made floats: integers
    assert write_table(unmarked, tmp_path / "u.csv").read_text(encoding="utf-8-sig").splitlines()[1] == "a,2"


def test_mark_kinds_names_a_missing_column():
    with pytest.raises(ValueError, match=r"no column\(s\) \['x'\]"):
        mark_kinds(pd.DataFrame({"k": [1.0]}), {"x": "integer"})
