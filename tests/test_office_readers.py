"""The workbook and Word tables opened by LibreOffice (``soffice --headless``), an Excel-like reader.

LibreOffice converts the files the package writes: every sheet of the workbook to CSV (one file a
sheet) and the Word document to text. The numbers and the Chinese text read back from
LibreOffice's CSV are compared with the frame that was written (not with the package's own reading).
Skipped when ``soffice`` is not on PATH (Debian: ``apt-get install libreoffice-calc-nogui``).
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from spatialcoupling import tables

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"),
]

#: every sheet to its own CSV: comma, double quote, UTF-8 (76), first line 1, raw values, all sheets (-1)
CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def _soffice(target: str, source, out) -> None:
    profile = out / "profile"  # a profile of its own: no clash with another LibreOffice running
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )


@pytest.fixture
def frame():
    rng = np.random.default_rng(4)
    regions = ["北京", "上海", "广东", "新疆维吾尔自治区"]
    index = pd.MultiIndex.from_product([regions, [2009, 2024]], names=["region", "period"])
    return pd.DataFrame(
        {"D": rng.uniform(0.2, 0.9, len(index)), "等级": ["中度协调"] * len(index), "share": rng.uniform(0, 1, 8)},
        index=index,
    ).reset_index()


def test_workbook_sheets_numbers_and_chinese_survive_libreoffice(frame, tmp_path):
    paper = tables.PaperTable(frame.set_index(["region", "period"]), caption="耦合协调度 D（示例）", name="paper_D")
    book = tmp_path / "tables.xlsx"
    tables.write_tables({"D": frame, "paper_D": paper}, book, about={"数据": "模拟面板"}, codebook=True)
    _soffice(CSV_ALL_SHEETS, book, tmp_path)
    sheets = {p.stem.removeprefix("tables-"): p for p in tmp_path.glob("tables-*.csv")}
    assert {"D", "paper_D", "about", "codebook"} <= set(sheets)
    back = pd.read_csv(sheets["D"], encoding="utf-8")
    assert list(back.columns) == list(frame.columns)
    assert back["region"].tolist() == frame["region"].tolist()
    assert back["等级"].tolist() == frame["等级"].tolist()
    np.testing.assert_allclose(back["D"], frame["D"], rtol=1e-12)
    # a share is written with a percent format: LibreOffice gives it back in percent, to full precision
    np.testing.assert_allclose(back["share"].str.rstrip("%").astype(float) / 100, frame["share"], rtol=1e-12)
    assert "模拟面板" in sheets["about"].read_text(encoding="utf-8")
    paper_back = pd.read_csv(sheets["paper_D"], encoding="utf-8")
    assert paper_back.iloc[:, 0].tolist() == frame["region"].tolist()  # flat: the region on every row


def test_word_tables_open_in_libreoffice(frame, tmp_path):
    paper = tables.PaperTable(frame.set_index(["region", "period"]), caption="耦合协调度 D（示例）", name="paper_D")
    docx = tmp_path / "tables.docx"
    tables.write_tables({"paper_D": paper}, docx)
    _soffice("txt:Text (encoded):UTF8", docx, tmp_path)
    if not (tmp_path / "tables.txt").exists():
        pytest.skip("LibreOffice Writer is not installed (Debian: libreoffice-writer-nogui)")
    text = (tmp_path / "tables.txt").read_text(encoding="utf-8-sig")
    assert "耦合协调度 D（示例）" in text
    assert "新疆维吾尔自治区" in text
    assert f"{frame['D'].iloc[0]:.3f}" in text  # three decimals, as printed
