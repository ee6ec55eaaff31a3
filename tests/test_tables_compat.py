"""What 0.1's writers (``Result.export``, ``_results.write_tables``) now write: flat Excel sheets with
formats, CSV with a byte-order mark, LaTeX tables that fit the page.

These tests use only 0.1's import paths, so they can be run against 0.1 (where they fail).
"""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import openpyxl
import pandas as pd
import pytest

from spatialcoupling._results import Result, write_tables

YEARS = list(range(2009, 2025))


class _Tables(Result):
    """A minimal result with named tables, to drive ``Result.export``."""

    _table_names = ("table", "counts", "weights")

    def __init__(self, table: pd.DataFrame, counts: pd.DataFrame, weights: pd.DataFrame) -> None:
        self._t, self._c, self._w = table, counts, weights
        self._freeze()

    @property
    def table(self) -> pd.DataFrame:
        return self._t

    @property
    def counts(self) -> pd.DataFrame:
        return self._c

    @property
    def weights(self) -> pd.DataFrame:
        return self._w


def _result() -> _Tables:
    rng = np.random.default_rng(0)
    regions = [f"Region {i:02d}" for i in range(29)] + ["新疆"]
    idx = pd.MultiIndex.from_product([regions, YEARS], names=["region", "period"])
    table = pd.DataFrame(
        {
            "Ii": rng.normal(size=len(idx)),
            "p_sim": rng.uniform(size=len(idx)),
            "cluster": rng.choice(["HH", "LL", "ns"], len(idx)),
            "n_neighbors": 3,
        },
        index=idx,
    )
    counts = table.groupby(["period", "cluster"]).size().unstack(fill_value=0)
    weights = pd.DataFrame({"indicator": ["a", "b"], "weight": [0.4, 0.6], "Gw_share": [0.25, 0.75]})
    return _Tables(table, counts, weights)


def test_every_sheet_is_flat_with_a_frozen_bold_header_and_number_formats(tmp_path):
    path = _result().export(tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        assert not ws.merged_cells.ranges, ws.title
        header = [c.value for c in ws[1]]
        assert all(isinstance(h, str) and h for h in header), (ws.title, header)  # one full header row
        assert all(c.font.b for c in ws[1]), ws.title
        assert ws.freeze_panes is not None, ws.title
        assert ws.freeze_panes.endswith("2"), ws.title
    lisa = book["table"]
    header = [c.value for c in lisa[1]]
    assert header[:2] == ["region", "period"]
    assert ws.max_row > 1
    assert lisa.freeze_panes == "C2"  # the header row and the two key columns stay in view
    regions = [lisa.cell(row=r, column=1).value for r in range(2, lisa.max_row + 1)]
    assert len(regions) == 30 * len(YEARS)
    assert all(regions)
    assert regions.count("新疆") == len(YEARS)
    col = {name: i + 1 for i, name in enumerate(header)}
    assert lisa.cell(row=2, column=col["Ii"]).number_format == "0.000"
    assert lisa.cell(row=2, column=col["p_sim"]).number_format == "0.000"
    assert lisa.cell(row=2, column=col["n_neighbors"]).number_format == "0"
    weights = book["weights"]
    assert [c.value for c in weights[1]] == ["indicator", "weight", "Gw_share"]  # no 0…n index column
    assert weights.cell(row=2, column=3).number_format == "0.00%"
    assert weights.cell(row=2, column=3).value == 0.25  # the value itself is not rounded
    back = pd.read_excel(path, sheet_name="table")
    assert back["region"].notna().all()
    assert len(back) == 30 * len(YEARS)


def test_csv_has_a_byte_order_mark_for_excel(tmp_path):
    path = _result().export(tmp_path / "r.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, index_col=[0, 1])
    assert back.index.names == ["region", "period"]
    assert "新疆" in set(back.index.get_level_values(0))


def test_docx_export_writes_every_table(tmp_path):
    docx = pytest.importorskip("docx")
    path = _result().export(tmp_path / "r.docx")
    assert len(docx.Document(str(path)).tables) == 3


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_wide_and_long_tex_exports_compile_within_the_page(tmp_path):
    """0.1's dagum.tex ran 902 pt past the page; a table of 480 rows needs to break across pages."""
    rng = np.random.default_rng(1)
    wide = pd.DataFrame(
        rng.uniform(size=(16, 22)),
        index=pd.Index(YEARS, name="period"),
        columns=[f"G_{c}_share" for c in "abcdefghijklmnopqrstuv"],
    )
    res = _Tables(wide, _result().table, wide)
    res.export(tmp_path / "wide.tex")
    write_tables({"lisa": _result().table.rename(index={"新疆": "Xinjiang"})}, tmp_path / "long.tex")
    for name in ("wide", "long"):
        doc = tmp_path / f"doc_{name}.tex"
        doc.write_text(
            "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{booktabs,array,longtable}\n"
            f"\\begin{{document}}\n\\input{{{name}.tex}}\n\\end{{document}}\n"
        )
        for _ in range(2):  # longtable settles its column widths on the second run
            run = subprocess.run(
                ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name],
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        log = (tmp_path / f"doc_{name}.log").read_text(errors="replace")
        assert run.returncode == 0, log[-2000:]
        assert not re.findall(r"Overfull \\hbox|Float too large", log), name
