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
@pytest.mark.parametrize(
    ("spelling", "adcode"), [*TRADITIONAL.items(), *ABBREVIATIONS.items(), *OUTSIDE.items()]
)
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
    assert any(
        "'京' → 110000 (abbreviation)" in n and "'遼寧' → 210000 (zh short (traditional))" in n
        for n in notes
    )


def test_hong_kong_is_refused_by_boundaries_without_it():
    provinces = sc.datasets.load("china_provinces")
    assert 810000 not in set(provinces.index)
    with pytest.raises(
        ValueError, match=r"'香港' \(香港 / Hong Kong \(810000\)\) have no boundary"
    ):
        match_regions(provinces, ["北京", "香港"], extra="drop")


def test_taiwan_matches_boundaries_that_hold_it():
    provinces = sc.datasets.load("china_provinces")
    taiwan = provinces.iloc[[0]].copy()
    taiwan.index = pd.Index([710000], name=provinces.index.name)
    taiwan["adcode"] = 710000
    taiwan["geometry"] = [shapely.geometry.box(120, 22, 122, 25)]
    with_taiwan = pd.concat([provinces, taiwan])
    matched = match_regions(
        with_taiwan, ["北京", *provinces.index[1:].map(str), "臺灣"], extra="error"
    )
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
    panel = sc.Panel(
        pd.DataFrame({"x": [1.0, np.nan, 3.0, 2.0, 4.0, 8.0]}, index=idx)
    ).interpolate()
    out = panel.derive("gx", "growth(x)")
    assert _cells(out, "gx") == [("a", 2010), ("a", 2011)]
    assert np.isclose(out["gx"].loc[("a", 2011)], 3.0 / 2.0 - 1)
