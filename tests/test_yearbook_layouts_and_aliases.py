"""Yearbook sheets with title and footnote rows, .filled through derived columns, and the alias
table's traditional names, one-character abbreviations and Taiwan / Hong Kong / Macau (issue 15).

References are written out by hand: the traditional-character names of the provinces (as the
Chinese Wikipedia writes them, and as OpenCC's s2t conversion gives them), the State Council's
one-character abbreviations (as listed in Wikipedia's "Provinces of China"), the adcodes of
GB/T 2260, and cell counts of the hand-made sheets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely.geometry

import spatialcoupling as sc
from spatialcoupling._aliases import alias_key, alias_table, resolve
from spatialcoupling.regions import match_regions

#: traditional-character full names of the provinces whose names change (and their short forms)
TRADITIONAL = {
    "內蒙古自治區": 150000,
    "內蒙古": 150000,
    "遼寧省": 210000,
    "遼寧": 210000,
    "黑龍江省": 230000,
    "黑龍江": 230000,
    "江蘇省": 320000,
    "江蘇": 320000,
    "山東省": 370000,
    "山東": 370000,
    "廣東省": 440000,
    "廣東": 440000,
    "廣西壯族自治區": 450000,
    "廣西": 450000,
    "重慶市": 500000,
    "重慶": 500000,
    "貴州省": 520000,
    "貴州": 520000,
    "雲南省": 530000,
    "雲南": 530000,
    "西藏自治區": 540000,
    "陝西省": 610000,
    "陝西": 610000,
    "甘肅省": 620000,
    "甘肅": 620000,
    "寧夏回族自治區": 640000,
    "寧夏": 640000,
    "新疆維吾爾自治區": 650000,
    "臺灣": 710000,
    "台灣": 710000,
    "臺灣省": 710000,
    "香港特別行政區": 810000,
    "澳門特別行政區": 820000,
    "澳門": 820000,
}
#: the State Council's one-character abbreviations (Wikipedia, "Provinces of China")
ABBREVIATIONS = {
    "京": 110000, "津": 120000, "冀": 130000, "晋": 140000, "蒙": 150000, "辽": 210000, "吉": 220000,
    "黑": 230000, "沪": 310000, "苏": 320000, "浙": 330000, "皖": 340000, "闽": 350000, "赣": 360000,
    "鲁": 370000, "豫": 410000, "鄂": 420000, "湘": 430000, "粤": 440000, "桂": 450000, "琼": 460000,
    "渝": 500000, "川": 510000, "蜀": 510000, "黔": 520000, "贵": 520000, "滇": 530000, "云": 530000,
    "藏": 540000, "陕": 610000, "秦": 610000, "甘": 620000, "陇": 620000, "青": 630000, "宁": 640000,
    "新": 650000, "台": 710000, "港": 810000, "澳": 820000,
}  # fmt: skip
OUTSIDE = {"香港": 810000, "Hong Kong": 810000, "澳门": 820000, "Macao": 820000, "Macau": 820000,
           "台湾": 710000, "Taiwan": 710000}  # fmt: skip


# -- alias table ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("spelling", "adcode"), [*TRADITIONAL.items(), *ABBREVIATIONS.items(), *OUTSIDE.items()])
def test_new_spellings_resolve_to_one_unit(spelling, adcode):
    res = resolve([spelling])
    assert res.codes == {spelling: adcode}
    assert not res.ambiguous


def test_no_new_spelling_is_ambiguous_and_the_old_ambiguity_stays():
    table = alias_table("china_provinces")
    units = table.groupby("key")["adcode"].nunique()
    assert units[units > 1].index.tolist() == [alias_key("Shan-hsi")]
    assert len(set(table["adcode"])) == 34
    # every abbreviation is one character and names one unit; 晋 (山西) and 陕/秦 (陕西) stay apart
    assert resolve(["晋", "陕", "秦"]).codes == {"晋": 140000, "陕": 610000, "秦": 610000}
    assert resolve(["晉", "陝"]).codes == {"晉": 140000, "陝": 610000}


def test_traditional_forms_in_the_table_are_listed_as_such():
    table = alias_table("china_provinces")
    kinds = dict(zip(table["alias"], table["kind"], strict=False))
    assert kinds["遼寧省"] == "zh full (traditional)"
    assert kinds["遼寧"] == "zh short (traditional)"
    assert kinds["冀"] == "abbreviation"
    assert kinds["滬"] == "abbreviation (traditional)"


@pytest.mark.filterwarnings("ignore:match_regions. dropped")
def test_traditional_names_and_abbreviations_match_the_bundled_provinces():
    provinces = sc.datasets.load("china_provinces")
    names = ["京", "遼寧", "廣東省", "川", "黔", "新疆維吾爾自治區"]
    matched = match_regions(provinces, names, extra="drop")
    assert [int(c) for c in matched["adcode"]] == [110000, 210000, 440000, 510000, 520000, 650000]
    notes = sc._notes.notes_of(matched)
    assert any("'京' → 110000 (abbreviation)" in n and "'遼寧' → 210000 (zh short (traditional))" in n for n in notes)


def test_hong_kong_is_refused_by_boundaries_without_it():
    provinces = sc.datasets.load("china_provinces")
    assert 810000 not in set(provinces.index)
    with pytest.raises(ValueError, match=r"'香港' \(香港 / Hong Kong \(810000\)\) have no boundary"):
        match_regions(provinces, ["北京", "香港"], extra="drop")


def test_taiwan_matches_boundaries_that_hold_it():
    provinces = sc.datasets.load("china_provinces")
    taiwan = provinces.iloc[[0]].copy()
    taiwan.index = pd.Index([710000], name=provinces.index.name)
    taiwan["adcode"] = 710000
    taiwan["geometry"] = [shapely.geometry.box(120, 22, 122, 25)]
    with_taiwan = pd.concat([provinces, taiwan])
    matched = match_regions(with_taiwan, ["北京", *provinces.index[1:].map(str), "臺灣"], extra="error")
    assert int(matched.loc["臺灣", "adcode"]) == 710000
    assert len(matched) == 32


def test_read_panel_keeps_hong_kong_with_a_note_and_never_adds_it():
    frame = pd.DataFrame({"region": ["京", "港"], "period": [2020, 2020], "x": [1.0, 2.0]})
    panel = sc.read_panel(frame, regions="china_provinces")
    assert list(panel.regions) == [110000, 810000]
    assert any("'港' → 香港 / Hong Kong (810000) not among the units" in n for n in panel.notes)
    only_mainland = sc.read_panel(frame.iloc[:1], regions="china_provinces")
    assert list(only_mainland.regions) == [110000]
    assert not any("810000" in n for n in only_mainland.notes)


def test_alias_table_is_a_data_set():
    table = sc.datasets.load("china_province_aliases")
    assert list(table.columns) == ["adcode", "alias", "kind"]
    assert table.equals(sc.regions.province_aliases())
    assert "china_province_aliases" in sc.datasets.names()
    assert sc.datasets.available().loc["china_province_aliases", "loadable"]


# -- .filled through derived columns -------------------------------------------------------------
YEARS3 = [2009, 2010, 2011]


@pytest.fixture
def marked():
    """x filled at ('a', 2010), the price index p filled at ('b', 2009), nothing else filled."""
    idx = pd.MultiIndex.from_product([["a", "b"], YEARS3], names=["region", "period"])
    data = pd.DataFrame(
        {
            "x": [1.0, 2.0, 4.0, 2.0, 3.0, 6.0],
            "y": [1.0, 1.0, 2.0, 2.0, 2.0, 2.0],
            "p": [100.0, 102.0, 104.0, 100.0, 101.0, 103.0],
        },
        index=idx,
    )
    filled = pd.DataFrame(False, index=idx, columns=data.columns)
    filled.loc[("a", 2010), "x"] = True
    filled.loc[("b", 2009), "p"] = True
    return sc.Panel(data, filled)


def _cells(panel, column):
    mask = panel.filled[column]
    return sorted(mask[mask].index.tolist())


@pytest.mark.parametrize(
    ("make", "column", "expected"),
    [
        (
            lambda p: p.growth_rate("x", name="g"),
            "g",
            [("a", 2010), ("a", 2011)],
        ),  # x_t or x_{t-1} filled
        (lambda p: p.sum(["x", "y"], name="s"), "s", [("a", 2010)]),
        (lambda p: p.mean(["x", "y"], name="s"), "s", [("a", 2010)]),
        (lambda p: p.log("x", name="l"), "l", [("a", 2010)]),
        (lambda p: p.per_capita("x", "y", name="pc"), "pc", [("a", 2010)]),
        (lambda p: p.ratio("x", "y", name="r"), "r", [("a", 2010)]),
        (lambda p: p.share("y", "x", name="r"), "r", [("a", 2010)]),
        # x · P_2009 / P_t: every period of b uses the filled base price
        (
            lambda p: p.deflate("x", "p", 2009, name="d"),
            "d",
            [("a", 2010), ("b", 2009), ("b", 2010), ("b", 2011)],
        ),
        # K_t uses I_0 … I_t and (through g) I_0 and I_T
        (lambda p: p.capital_stock("x", name="k"), "k", [("a", 2010), ("a", 2011)]),
        (
            lambda p: p.capital_stock("x", "p", name="k"),
            "k",
            [("a", 2010), ("a", 2011), ("b", 2009), ("b", 2010), ("b", 2011)],
        ),
        (lambda p: p.derive("z", "growth(x) * 2 + y"), "z", [("a", 2010), ("a", 2011)]),
        (lambda p: p.derive("z", "log(x + y)"), "z", [("a", 2010)]),
        (lambda p: p.derive("z", "y * 2 - 1"), "z", []),
    ],
)
def test_derived_cells_are_filled_where_an_input_cell_was(marked, make, column, expected):
    out = make(marked)
    assert _cells(out, column) == expected
    assert _cells(out, "x") == [("a", 2010)]  # the inputs keep their marks
    noted = [n for n in out.notes if n.startswith(f"filled: {len(expected)} cell(s) of {column!r}")]
    assert len(noted) == (1 if expected else 0)


def test_capital_stock_is_filled_everywhere_when_the_last_investment_was():
    idx = pd.MultiIndex.from_product([["a"], YEARS3], names=["region", "period"])
    data = pd.DataFrame({"x": [1.0, 2.0, 4.0]}, index=idx)
    filled = pd.DataFrame({"x": [False, False, True]}, index=idx)
    out = sc.Panel(data, filled).capital_stock("x", name="k")
    assert out.filled["k"].tolist() == [True, True, True]  # g = (I_T / I_0)^(1/T) - 1 sets K_0
    assert "filled: 3 cell(s) of 'k' marked filled: derived from filled cells of 'x'" in out.notes


def test_interpolated_then_derived_in_a_study_chain():
    idx = pd.MultiIndex.from_product([["a", "b"], YEARS3], names=["region", "period"])
    panel = sc.Panel(pd.DataFrame({"x": [1.0, np.nan, 3.0, 2.0, 4.0, 8.0]}, index=idx)).interpolate()
    out = panel.derive("gx", "growth(x)")
    assert _cells(out, "gx") == [("a", 2010), ("a", 2011)]
    assert np.isclose(out["gx"].loc[("a", 2011)], 3.0 / 2.0 - 1)


# -- yearbook sheets: title rows, unit lines, footnotes -----------------------------------------------
def _yearbook_sheet(title: str, unit: str, values: list[list], footnotes: bool = True) -> list[list]:
    """The cells of a yearbook table: a title, a unit line and a blank row above the header, footnotes below."""
    rows = [[title, None, None, None], [None, None, None, unit], [None, None, None, None],
            ["地区", "2009年", "2010年", "2011年"], *values]  # fmt: skip
    if footnotes:
        rows += [[None, None, None, None], ["注：本表按当年价格计算。", None, None, None],
                 ["资料来源：国家统计局。", None, None, None]]  # fmt: skip
    return rows


def _write_book(path, sheets: dict[str, list[list]]):
    with pd.ExcelWriter(path) as xw:
        for name, rows in sheets.items():
            pd.DataFrame(rows).to_excel(xw, sheet_name=name, index=False, header=False)
    return path


GDP = [
    ["北京", 12153.0, 14113.6, 16251.9],
    ["天津", 7521.9, 9224.5, "—"],
    ["河北", 17235.5, 20394.3, 24515.8],
]
POP = [["北京", 1755, 1962, 2019], ["天津", 1228, 1299, 1355], ["河北", 7034, 7194, 7241]]


def test_title_rows_units_and_footnotes_of_yearbook_sheets(tmp_path):
    book = _write_book(
        tmp_path / "yb.xlsx",
        {
            "说明": [["本文件摘自中国统计年鉴"], ["单位见各表"]],
            "gdp": _yearbook_sheet("表 2-1 地区生产总值", "单位：亿元", GDP),
            "pop": _yearbook_sheet("表 2-2 年末常住人口", "单位：万人", POP, footnotes=False),
        },
    )
    panel = sc.read_panel(book, region="地区", sheets="*")
    assert list(panel.regions) == ["北京", "天津", "河北"]  # yearbook order
    assert list(panel.periods) == [2009, 2010, 2011]
    assert panel.data.loc[("北京", 2011), "gdp"] == 16251.9  # not rescaled
    assert panel.data.loc[("河北", 2010), "pop"] == 7194
    assert np.isnan(panel.data.loc[("天津", 2011), "gdp"])
    assert len(panel) == 9
    notes = "\n".join(panel.notes)
    assert "sheet 'gdp': header on row 4; skipped 3 row(s) above it ('表 2-1 地区生产总值', '单位：亿元')" in notes
    assert "sheet 'gdp': unit '亿元' (from '单位：亿元'); values are read as they are, not rescaled" in notes
    assert "sheet 'pop': unit '万人'" in notes
    assert "sheet 'gdp': skipped 2 footnote row(s) ('注：本表按当年价格计算。', '资料来源：国家统计局。')" in notes
    assert "sheet 'gdp': skipped 1 blank row(s)" in notes
    assert "sheet 'pop': skipped" not in notes
    assert "skipped sheet '说明'" in notes


def test_header_row_option_and_a_wrong_one(tmp_path):
    book = _write_book(
        tmp_path / "one.xlsx",
        {"gdp": _yearbook_sheet("Table 2-1 GDP", "Unit: 100 million yuan", GDP)},
    )
    panel = sc.read_panel(book, region="地区", sheets=["gdp"], header_row=4)
    assert panel.data.loc[("河北", 2009), "gdp"] == 17235.5
    assert any("unit '100 million yuan'" in n for n in panel.notes)
    with pytest.raises(ValueError, match=r"sheet 'gdp': row 2 \(header_row=\) has no region column '地区'"):
        sc.read_panel(book, region="地区", sheets=["gdp"], header_row=2)
    one = sc.read_panel(book, region="地区", sheet="gdp", indicator="gdp")
    assert one.data["gdp"].equals(panel.data["gdp"])


def test_rows_with_a_name_but_no_value_and_english_footnotes(tmp_path):
    values = [*GDP, ["东部地区", None, None, None], ["Note: at current prices", None, None, None],
              ["Source: NBS", None, None, None]]  # fmt: skip
    book = _write_book(tmp_path / "en.xlsx", {"gdp": [["region", "2009", "2010", "2011"], *values]})
    panel = sc.read_panel(book, sheets="*")
    assert list(panel.regions) == ["北京", "天津", "河北"]
    assert not any("header on row" in n for n in panel.notes)  # the header is the first row
    assert any("skipped 1 row(s) without any value ('东部地区')" in n for n in panel.notes)
    assert any("skipped 2 footnote row(s) ('Note: at current prices', 'Source: NBS')" in n for n in panel.notes)


def test_csv_with_title_rows_and_a_long_table(tmp_path):
    path = tmp_path / "yb.csv"
    path.write_text(
        "表 3 地区生产总值\n单位：亿元\n\nregion,period,gdp\n北京,2009,12153.0\n北京,2010,14113.6\n"
        "天津,2009,7521.9\n天津,2010,\n注：2010年天津数据缺失。\n",
        encoding="utf-8",
    )
    panel = sc.read_panel(path)
    assert panel.data.loc[("北京", 2010), "gdp"] == 14113.6
    assert np.isnan(panel.data.loc[("天津", 2010), "gdp"])  # a row with a region and a period is data
    assert len(panel) == 4
    assert any("unit '亿元'" in n for n in panel.notes)
    assert any("skipped 1 footnote row(s)" in n for n in panel.notes)
