"""Headers of yearbook tables as users have them: a title cell equal to the region column's name above
the header, two-line headers (Chinese over English, names over units), numeric ids below CSV title
rows, and ``header_row`` as a study ``[data]`` key."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import spatialcoupling as sc
from spatialcoupling.study import inputs, schema

GDP = [["北京", 12153.0, 14113.6], ["天津", 7521.9, 9224.5], ["河北", 17235.5, 20394.3]]


def _book(path, rows):
    pd.DataFrame(rows).to_excel(path, sheet_name="gdp", index=False, header=False)
    return path


def test_a_title_cell_equal_to_the_region_column_is_not_the_header(tmp_path):
    rows = [["地区", None, None], ["单位：亿元", None, None], ["地区", "2009年", "2010年"], *GDP]
    panel = sc.read_panel(_book(tmp_path / "t.xlsx", rows), region="地区", sheets="*")
    assert list(panel.regions) == ["北京", "天津", "河北"]
    assert list(panel.periods) == [2009, 2010]
    assert panel.data.loc[("河北", 2010), "gdp"] == 20394.3
    notes = "\n".join(panel.notes)
    assert "header on row 3; skipped 2 row(s) above it" in notes
    assert "'地区'" not in list(panel.regions)


def test_two_line_header_chinese_over_english(tmp_path):
    rows = [
        ["表 1 主要指标", None, None, None],
        ["地区", "年份", "地区生产总值", "年末常住人口"],
        ["Region", "Year", "GDP", "Population"],
        ["北京", 2009, 12153.0, 1755],
        ["北京", 2010, 14113.6, 1962],
        ["天津", 2009, 7521.9, 1228],
        ["天津", 2010, 9224.5, 1299],
    ]
    path = tmp_path / "two.xlsx"
    pd.DataFrame(rows).to_excel(path, index=False, header=False)
    panel = sc.read_panel(path, region="地区", period="年份")
    assert panel.columns == ["地区生产总值", "年末常住人口"]
    assert len(panel) == 4
    assert panel.data.loc[("天津", 2010), "年末常住人口"] == 1299
    notes = "\n".join(panel.notes)
    assert "two-line header (rows 2 and 3): column names from row 2; row 3 noted, not applied" in notes
    assert "地区生产总值 = 'GDP'" in notes
    assert "units" not in notes  # English names are not units


def test_two_line_header_names_over_units_in_a_csv(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(
        "region,period,gdp,pop\n,,亿元,(万人)\n北京,2009,12153.0,1755\n北京,2010,14113.6,1962\n",
        encoding="utf-8",
    )
    panel = sc.read_panel(path)
    assert panel.columns == ["gdp", "pop"]
    assert panel.data.loc[("北京", 2010), "gdp"] == 14113.6  # not rescaled
    assert panel.data.loc[("北京", 2009), "pop"] == 1755
    notes = "\n".join(panel.notes)
    assert "units gdp in '亿元'; pop in '(万人)' (row 2); values are read as they are, not rescaled" in notes


def test_a_single_header_has_no_second_line_note(tmp_path):
    rows = [["地区", "2009年", "2010年"], ["北京", "—", 1.0], ["天津", 2.0, 3.0]]
    panel = sc.read_panel(_book(tmp_path / "one.xlsx", rows), region="地区", sheets="*")
    assert list(panel.regions) == ["北京", "天津"]
    assert not any("two-line" in n for n in panel.notes)
    assert np.isnan(panel.data.loc[("北京", 2009), "gdp"])


def test_numeric_ids_below_csv_title_rows_are_numbers(tmp_path):
    body = "region,period,gdp\n110000,2009,1.5\n110000,2010,2.5\n120000,2009,3.5\n120000,2010,4.5\n"
    titled, plain = tmp_path / "titled.csv", tmp_path / "plain.csv"
    titled.write_text("表 3 地区生产总值\n单位：亿元\n" + body, encoding="utf-8")
    plain.write_text(body, encoding="utf-8")
    a, b = sc.read_panel(titled), sc.read_panel(plain)
    assert list(a.regions) == [110000, 120000]
    assert all(isinstance(r, int | np.integer) for r in a.regions)
    assert a.data.equals(b.data)


# -- header_row in a study ------------------------------------------------------------------------
def _data_problems(cfg):
    problems = schema.value_problems(schema.SECTIONS["data"], cfg, model_keys=True, own_keys=True)
    return problems.get("header_row", [])


def test_header_row_is_a_data_key_checked_and_used(tmp_path):
    rows = [["表 2-1 地区生产总值", None, None], ["地区", None, None], ["地区", "2009年", "2010年"], *GDP]
    _book(tmp_path / "yb.xlsx", rows)
    assert _data_problems({"path": "yb.xlsx", "header_row": 3}) == []
    assert _data_problems({"path": "yb.xlsx", "header_row": 0}) == [
        "data.header_row: must be a row number >= 1 (1 = the first row of the sheet); got 0"
    ]
    assert schema.SECTIONS["data"].key("header_row").types == (int,)
    cfg = {"path": "yb.xlsx", "region": "地区", "sheets": "*", "header_row": 3, "interpolate": False}
    panel = inputs.panel(cfg, tmp_path)
    assert panel.data.loc[("北京", 2009), "gdp"] == 12153.0
    assert any("header on row 3" in n for n in panel.notes)
    assert "`header_row`" in schema.reference_markdown()


# -- the study reference describes every accepted value -------------------------------------------
def test_reference_describes_every_declared_value_of_weighting_scope():
    section = schema.SECTIONS["weighting"]
    key = next(k for k in section.keys if k.name == "scope")
    declared = schema.declared_values(section, key)
    assert set(declared) == {"pooled", "period", "period_minmax"}  # EntropyWeights' declared options
    row = next(line for line in schema.reference_markdown().splitlines() if "period_minmax" in line)
    for value in declared:
        assert f'`"{value}"`:' in row
    for sec in schema.SECTIONS.values():
        for k in sec.keys:
            assert schema.undescribed_values(sec, k) == []


def test_a_declared_value_without_a_meaning_stops_the_reference(monkeypatch):
    section = schema.SECTIONS["weighting"]
    key = next(k for k in section.keys if k.name == "scope")
    short = dataclasses.replace(key, value_meanings=key.value_meanings[:2])
    keys = tuple(short if k is key else k for k in section.keys)
    monkeypatch.setitem(schema.SECTIONS, "weighting", dataclasses.replace(section, keys=keys))
    with pytest.raises(ValueError, match=r"\[weighting\] scope: the model accepts 'period_minmax'"):
        schema.reference_markdown()


# -- a second header line of periods ------------------------------------------------------------

_YEARS_UNDER_LABELS = [["地区", "2009年", "2010年"], [None, 2009, 2010], *GDP]
_LABELS_UNDER_YEARS = [["地区", 2009, 2010], [None, "2009年", "2010年"], *GDP]
_INDICATOR_OVER_YEARS = [["地区", "地区生产总值（亿元）", None], ["Region", 2009, 2010], *GDP]


def _write(path, rows):
    """``rows`` as an Excel sheet or a CSV file (by suffix), without a header of its own."""
    frame = pd.DataFrame(rows, dtype=object)
    if path.suffix == ".csv":
        frame.to_csv(path, index=False, header=False, encoding="utf-8")
    else:
        frame.to_excel(path, sheet_name="gdp", index=False, header=False)
    return path


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize(
    ("rows", "said"),
    [
        (_YEARS_UNDER_LABELS, "row 2 repeats the periods (2009–2010) and is not read as data"),
        (_LABELS_UNDER_YEARS, "row 2 repeats the periods (2009–2010) and is not read as data"),
        (_INDICATOR_OVER_YEARS, "periods (2009–2010) from row 2; row 1 (地区生产总值（亿元）) is an indicator line"),
    ],
    ids=["years under labels", "labels under years", "indicator over years"],
)
def test_a_line_of_periods_under_the_header_is_a_header_line(tmp_path, suffix, rows, said):
    path = _write(tmp_path / f"gdp{suffix}", rows)
    reads = [
        sc.read_panel(path, region="地区", indicator="gdp"),
        sc.read_panel(path, region="地区", header_row=1, indicator="gdp"),
    ]
    if suffix == ".xlsx":
        reads.append(sc.read_panel(path, region="地区", sheets="*"))
    for panel in reads:
        assert list(panel.regions) == ["北京", "天津", "河北"]  # no region '' or 'Region' from the second line
        assert list(panel.periods) == [2009, 2010]
        expected = {
            (name, year): value for name, *values in GDP for year, value in zip((2009, 2010), values, strict=True)
        }
        assert panel.data["gdp"].to_dict() == expected
        assert said in "\n".join(panel.notes)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_indicators_over_a_line_of_periods_read_as_the_wide_layout(tmp_path, suffix):
    rows = [["地区", "GDP", None, "POP", None], ["", 2009, 2010, 2009, 2010]]
    rows += [[name, g9, g10, 10 * i, 10 * i + 1] for i, (name, g9, g10) in enumerate(GDP)]
    panel = sc.read_panel(_write(tmp_path / f"wide{suffix}", rows), region="地区", wide=True)
    assert panel.columns == ["GDP", "POP"]
    assert panel.data.loc[("天津", 2010), "GDP"] == 9224.5
    assert panel.data.loc[("河北", 2009), "POP"] == 20
    assert "columns named <indicator>_<period>" in "\n".join(panel.notes)


def test_a_long_table_whose_first_row_looks_like_years_is_data(tmp_path):
    rows = [["地区", "年份", "gdp"], ["北京", 2009, 1234.0], ["北京", 2010, 1300.0], ["天津", 2009, 2009.0]]
    for suffix in (".xlsx", ".csv"):
        panel = sc.read_panel(_write(tmp_path / f"long{suffix}", rows), region="地区", period="年份")
        assert len(panel) == 3
        assert panel.data.loc[("北京", 2009), "gdp"] == 1234.0
        assert not any("two-line" in n for n in panel.notes)
    # periods as columns with one data row equal to the years: the years are values when the region cell names one
    rows = [["地区", "2009年", "2010年"], ["北京", 2009, 2010], ["天津", 1.0, 2.0]]
    panel = sc.read_panel(_write(tmp_path / "equal.xlsx", rows), region="地区", indicator="gdp")
    assert list(panel.regions) == ["北京", "天津"]
