"""write_xlsx: tables over the cell limit go to CSV and Parquet beside the workbook, listed and warned."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spatialcoupling.tables.writers import XLSX_MAX_CELLS, write_table, write_xlsx


def _tables():
    rng = np.random.default_rng(0)
    idx = pd.MultiIndex.from_product([[f"r{i}" for i in range(300)], range(2000, 2010)], names=["region", "period"])
    big = pd.DataFrame({"D": rng.random(len(idx)), "q": rng.choice(["HH", "LL"], len(idx))}, index=idx)
    small = pd.DataFrame({"a": [1.5, 2.5]}, index=pd.Index(["x", "y"], name="region"))
    return big, small


def test_table_over_the_limit_goes_beside_the_workbook(tmp_path):
    big, small = _tables()
    path = tmp_path / "tables.xlsx"
    with pytest.warns(UserWarning, match=r"'big' \(tables\.big\.csv, tables\.big\.parquet\)"):
        write_xlsx({"big": big, "small": small}, path, max_cells=1_000)
    sheets = pd.read_excel(path, sheet_name=None)
    assert set(sheets) == {"small", "outside"}
    outside = sheets["outside"]
    assert outside.loc[0, "table"] == "big"
    assert outside.loc[0, "rows"] == 3000
    assert outside.loc[0, "columns"] == 4
    back = pd.read_parquet(tmp_path / "tables.big.parquet")
    pd.testing.assert_frame_equal(back, big)
    csv = pd.read_csv(tmp_path / "tables.big.csv")
    np.testing.assert_allclose(csv["D"].to_numpy(), big["D"].to_numpy())
    assert list(csv["q"]) == list(big["q"])


def test_no_limit_and_single_table_workbooks_keep_every_sheet(tmp_path):
    big, small = _tables()
    write_xlsx({"big": big, "small": small}, tmp_path / "all.xlsx", max_cells=None)
    assert set(pd.read_excel(tmp_path / "all.xlsx", sheet_name=None)) == {"big", "small"}
    write_table(big, tmp_path / "one.xlsx", name="big")
    assert len(pd.read_excel(tmp_path / "one.xlsx")) == len(big)
    assert XLSX_MAX_CELLS > 3000 * 4  # the default keeps this table on its sheet
    write_xlsx({"big": big}, tmp_path / "default.xlsx")
    assert set(pd.read_excel(tmp_path / "default.xlsx", sheet_name=None)) == {"big"}


def test_table_already_written_is_listed_not_written_again(tmp_path):
    """A study writes every table as CSV anyway: the workbook lists that file for a table over the
    limit and writes no second copy beside itself."""
    big, small = _tables()
    own = tmp_path / "big.csv"
    write_table(big, own)
    path = tmp_path / "tables.xlsx"
    with pytest.warns(UserWarning, match=r"'big' \(big\.csv\)"):
        write_xlsx({"big": big, "small": small}, path, max_cells=1_000, written={"big": [own]})
    assert not (tmp_path / "tables.big.csv").exists()
    assert not (tmp_path / "tables.big.parquet").exists()
    outside = pd.read_excel(path, sheet_name="outside")
    assert outside.loc[0, "files"] == "big.csv"
    assert outside.loc[0, "rows"] == 3000
